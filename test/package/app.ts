/**
 * The consumer app of the package test (scripts/package-test.sh), in TypeScript. Its Python twin is
 * app.py: both build the same constructs with the same props, and their synthesized templates and
 * manifests must be byte-identical. It imports 'cdk-mlops' as a user does: the test runs it in an
 * empty project where the packed tarball is installed.
 *
 * Usage: app.ts <platform spec file> <output folder> <spec file of three models of one shape>
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
// The package by name, as users import it (type-checked here through a tsconfig path to lib/).
// eslint-disable-next-line import/no-unresolved
import { aws, core, platform } from 'cdk-mlops';
import { App as K8sApp } from 'cdk8s';

const [specFile, outdir, spec3File] = process.argv.slice(2);
const env = { account: '123456789012', region: 'eu-west-1' };
const app = new App({ outdir });

// One GPU endpoint: a canary that rolls back on 5xx rate or p99 latency.
const serving = new Stack(app, 'FraudServing', { env });
new aws.GpuServingEndpoint(serving, 'Fraud', {
  model: aws.ModelSource.fromImage({
    image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@sha256:${'a1'.repeat(32)}`,
    modelDataUrl: 's3://acme-ml-models/fraud/v42/model.tar.gz',
  }),
  instanceType: 'ml.g5.xlarge',
  initialInstanceCount: 2,
  alarmOwnership: { owner: 'fraud-ml-oncall', runbookUrl: 'https://runbooks.example.com/ml/fraud' },
  rollout: core.RolloutPolicy.canary({ percent: 50, bake: Duration.minutes(10) }),
  rollbackTriggers: [
    core.RollbackTrigger.errorRate({ maxPercent: 1 }),
    core.RollbackTrigger.p99Latency({ maxMillis: 300 }),
  ],
  autoscaling: { minInstances: 2, maxInstances: 4, targetInvocationsPerInstance: 600 },
});

// The whole platform from one spec file, on AWS and on Kubernetes.
// Placed in the App: a shared stack and one stack per model (acme-shared, acme-churn).
const acme = platform.MlPlatform.fromFile(app, 'Acme', specFile, { env });
if ([acme.sharedStack, ...acme.models].map((s) => s.stackName).join() !== 'acme-shared,acme-churn') throw new Error('the platform\'s stacks');
// Three models of one shape, stamped: fraud and click from constructs, spams written from fraud's template.
const big = platform.MlPlatform.fromFile(app, 'Big', spec3File, { env, modelSynthesis: platform.ModelSynthesis.STAMPED });
if (big.models.map((m) => m.modelName).join() !== 'fraud,click') throw new Error('the stamped platform\'s prototypes');
if (big.modelStacks.map((s) => s.stackName).join() !== 'big-fraud,big-click,big-spams') throw new Error('the stamped platform\'s stacks');
const k8sApp = new K8sApp({ outdir: path.join(outdir, 'k8s') });
platform.MlPlatformChart.fromFile(k8sApp, 'acme', specFile);

// A wrong input: the library's error, with every problem named.
let problems: core.ValidationProblem[] | undefined;
try {
  new aws.GpuServingEndpoint(new Stack(new App(), 'Bad', { env }), 'Fraud', {
    model: aws.ModelSource.fromImage({ image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server:latest' }),
    instanceType: 'ml.g5.xlarge',
    initialInstanceCount: 2,
    alarmOwnership: { owner: 'fraud-ml-oncall', runbookUrl: 'https://runbooks.example.com/ml/fraud' },
    autoscaling: { minInstances: 3, maxInstances: 2 },
  });
} catch (e) {
  problems = core.Errors.problemsOf((e as Error).message);
  if (!problems) throw e;
}

app.synth();
k8sApp.synth();
fs.writeFileSync(path.join(outdir, 'runbook.md'), acme.runbook());
fs.writeFileSync(path.join(outdir, 'runbook-big.md'), big.runbook());
fs.writeFileSync(path.join(outdir, 'problems.json'), JSON.stringify(problems, null, 2) + '\n');
