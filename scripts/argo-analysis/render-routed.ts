/**
 * Renders a GpuServingEndpoint with each traffic router (the examples use none) to the YAML files
 * named on the command line, so scripts/argo-analysis.sh judges the routed Rollout, its Services and
 * Ingress with Argo Rollouts' own validation too. Usage: npx tsx scripts/argo-analysis/render-routed.ts <out.yaml>
 */
import { writeFileSync } from 'node:fs';
import { App, Chart } from 'cdk8s';
import { core, k8s } from '../../lib';

const app = new App();
const chart = new Chart(app, 'Routed');
const pool = new k8s.GpuNodePool(chart, 'Pool', { gpu: core.GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
new k8s.GpuServingEndpoint(chart, 'Fraud', {
  image: `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`,
  nodePool: pool,
  resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
  alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' },
  replicas: 4,
  rollout: core.RolloutPolicy.staged({ steps: [{ percent: 5 }, { percent: 25 }, { percent: 50 }, { percent: 100 }] }),
  trafficRouter: k8s.TrafficRouter.NGINX,
  ingressHost: 'fraud.models.example.com',
});
writeFileSync(process.argv[2], app.synthYaml());
