/**
 * The example ML platform: `npm run synth` (cdk synth) writes CloudFormation templates to
 * cdk.out/ and Kubernetes manifests to cdk.out/k8s/ (and the Kubernetes platform's GitOps layout to
 * cdk.out/gitops/). No AWS credentials or network are needed:
 * every stack has an explicit account and region, and nothing is looked up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildExamples } from './index';

const outdir = process.env.CDK_OUTDIR ?? 'cdk.out';
const examples = buildExamples({ outdir, k8sOutdir: path.join(outdir, 'k8s') });
examples.k8sApp.synth();
// The Kubernetes platform as a GitOps repository would hold it: shared/, models/<model>/, argocd/
// (outside k8s/, whose files are the same charts: the validation steps read those once).
fs.rmSync(path.join(outdir, 'gitops'), { recursive: true, force: true });
examples.platformChart.writeGitOps(path.join(outdir, 'gitops'));
examples.awsApp.synth();
// The platform's runbook: every alarm, its condition, what it does, its owner and runbook link.
fs.writeFileSync(path.join(outdir, 'runbook-acme.md'), examples.platform.platform.runbook());
fs.writeFileSync(path.join(outdir, 'runbook-acme-k8s.md'), examples.platformChart.runbook());
// The Alertmanager receiver and route that send sustained drift to the platform's Argo Events
// webhook (checked by amtool and run by a real Alertmanager in validate step 18).
fs.writeFileSync(path.join(outdir, 'alertmanager-acme.yaml'), examples.platformChart.retrainEvents.alertmanagerConfig());
// The platform's picture (Graphviz DOT and Mermaid) on both targets: CI renders the AWS one to SVG
// (scripts/render-diagram.sh → docs/diagram-acme.svg, shown in README).
for (const [name, diagram] of [['acme', examples.platform.platform.diagram()], ['acme-k8s', examples.platformChart.diagram()]] as const) {
  fs.writeFileSync(path.join(outdir, `diagram-${name}.dot`), diagram.dot);
  fs.writeFileSync(path.join(outdir, `diagram-${name}.mmd`), diagram.mermaid);
}
