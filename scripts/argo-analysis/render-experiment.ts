/**
 * Renders an online experiment on an NGINX-routed GpuServingEndpoint (k8s.Experiment: the challenger
 * as the canary, the decision Job as a step analysis, ERROR_RATE / LATENCY_P99 / METRIC_DROP
 * guardrails in the background analysis) to the YAML file named on the command line, so
 * scripts/argo-analysis.sh judges it with Argo Rollouts' own code, scripts/promtool-rules.ts its
 * guardrail queries and scripts/kube-dryrun.ts its objects, whether or not the examples run one.
 * Usage: npx tsx scripts/argo-analysis/render-experiment.ts <out.yaml>
 */
import { writeFileSync } from 'node:fs';
import { App, Chart } from 'cdk8s';
import { ExperimentGuardrailKind, ExperimentMetricKind } from '../../lib/core/experiment';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { Experiment } from '../../lib/k8s/experiment';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, TrafficRouter } from '../../lib/k8s/gpu-serving-endpoint';

const app = new App();
const chart = new Chart(app, 'Experiment');
const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
const endpoint = new GpuServingEndpoint(chart, 'Churn', {
  name: 'churn',
  namespace: 'churn',
  image: `registry.example.com/churn/server@sha256:${'c'.repeat(64)}`,
  nodePool: pool,
  resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
  alarmOwnership: { owner: 'churn-oncall', runbookUrl: 'https://runbooks.example.com/churn' },
  replicas: 4,
  trafficRouter: TrafficRouter.NGINX,
  ingressHost: 'churn.models.example.com',
});
new Experiment(chart, 'ChurnV8', {
  endpoint,
  name: 'churn-v8',
  challengerModelUri: 's3://acme-models/churn/8/model.tar.gz',
  image: `registry.example.com/cdk-mlops/drift-job@sha256:${'d'.repeat(64)}`,
  primaryMetric: { name: 'checkout_conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.05, minimumDetectableEffect: 0.01 },
  expectedDailyUnits: 20000,
  challengerPercent: 20,
  guardrails: [
    { name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 },
    { name: 'latency', kind: ExperimentGuardrailKind.LATENCY_P99, threshold: 250 },
    { name: 'revenue', kind: ExperimentGuardrailKind.METRIC_DROP, threshold: 0.05, metric: 'checkout_revenue' },
  ],
});
writeFileSync(process.argv[2], app.synthYaml());
