import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { ENV } from './aws';

/**
 * cdk-nag AwsSolutions findings (`<rule> @ <construct path>`) of what `build` makes in a fresh stack,
 * with cdk-nag 3.x (the validation plugin's report) and 2.x (the aspect's metadata): a construct's own
 * acknowledgments count, nothing else is acknowledged.
 */
export function awsSolutionsFindings(build: (stack: Stack) => void): { v3: string[]; v2: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-nag-'));
  const app = new App({ outdir });
  build(new Stack(app, 'Solo', { env: ENV }));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (e) {
    if (!fs.existsSync(path.join(outdir, 'validation-report.json'))) throw e;
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const v3 = report.pluginReports.filter((p: any) => p.pluginName === 'AwsSolutions').flatMap((p: any) => p.violations)
    .flatMap((v: any) => v.violatingConstructs.map((c: any) => `${v.ruleName} @ ${c.constructPath}`));
  const app2 = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-nag2-')) });
  build(new Stack(app2, 'Solo', { env: ENV }));
  Aspects.of(app2).add(new AwsSolutionsChecksV2());
  app2.synth();
  const v2 = app2.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => (m.type === 'aws:cdk:error' || m.type === 'aws:cdk:warning') && String(m.data).startsWith('AwsSolutions-'))
    .map((m) => `${String(m.data).split(': ')[0]} @ ${c.node.path}`));
  return { v3, v2 };
}
