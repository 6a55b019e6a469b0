/**
 * Renders a k8s.BatchScoring on a GPU pool (the run and backfill WorkflowTemplates, the
 * CronWorkflow) to the YAML file named on the command line, so scripts/argo-workflows-check.sh
 * judges it with Argo Workflows' own code whether or not the examples render one.
 * Usage: npx tsx scripts/argo-workflows-check/render-batch.ts <out.yaml>
 */
import { writeFileSync } from 'node:fs';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { BatchScoring } from '../../lib/k8s/batch-scoring';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';

const out = process.argv[2];
if (!out) {
  console.error('usage: render-batch.ts <out.yaml>');
  process.exit(2);
}
const app = new App();
const chart = new Chart(app, 'Batch');
const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
new BatchScoring(chart, 'FraudDaily', {
  name: 'fraud-daily',
  inputUri: 's3://acme-data/events/',
  outputUri: 's3://acme-scores/fraud/',
  hourUtc: 3,
  maxConcurrency: 3,
  image: `registry.example.com/fraud/scorer@sha256:${'a'.repeat(64)}`,
  command: ['python', '-m', 'score'],
  gpuNodePool: pool,
  modelVersion: '7',
  modelSource: 'models:/fraud/7',
  runtimeImage: `registry.example.com/cdk-mlops/runtime@sha256:${'b'.repeat(64)}`,
  alarmOwnership: { owner: 'fraud-ml-oncall', runbookUrl: 'https://runbooks.example.com/fraud/batch' },
});
writeFileSync(out, chart.toJson().map((o) => YAML.stringify(o)).join('---\n'));
