/**
 * The example ML platform: `npm run synth` (cdk synth) writes CloudFormation templates to
 * cdk.out/ and Kubernetes manifests to cdk.out/k8s/. No AWS credentials or network are needed:
 * every stack has an explicit account and region, and nothing is looked up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildExamples } from './index';

const outdir = process.env.CDK_OUTDIR ?? 'cdk.out';
const examples = buildExamples({ outdir, k8sOutdir: path.join(outdir, 'k8s') });
examples.k8sApp.synth();
examples.awsApp.synth();
// The platform's runbook: every alarm, its condition, what it does, its owner and runbook link.
fs.writeFileSync(path.join(outdir, 'runbook-acme.md'), examples.platform.platform.runbook());
fs.writeFileSync(path.join(outdir, 'runbook-acme-k8s.md'), examples.platformChart.runbook());
