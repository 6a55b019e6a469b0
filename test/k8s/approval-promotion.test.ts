import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { Lineage } from '../../lib/core/lineage';
import { ApprovalPromotion, ApprovalPromotionProps } from '../../lib/k8s/approval-promotion';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, ServingRenderer } from '../../lib/k8s/gpu-serving-endpoint';
import { configFromEnv } from '../../lib/runtime/k8s-promotion/cli';
import { expectValidationError } from '../support/aws';
import { synthValid } from '../support/k8s';

const OWNERSHIP = { owner: 'churn-oncall', runbookUrl: 'https://runbooks.example.com/churn' };

function render(renderer: ServingRenderer, extra: Partial<ApprovalPromotionProps> = {}): any[] {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  const endpoint = new GpuServingEndpoint(chart, 'Serving', {
    name: 'acme-churn',
    namespace: 'acme-churn',
    image: `registry.example.com/churn/server@sha256:${'c'.repeat(64)}`,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' },
    alarmOwnership: OWNERSHIP,
    renderer,
  });
  new ApprovalPromotion(chart, 'Promotion', {
    endpoint,
    registeredModelName: 'acme-churn',
    trackingUri: 'http://mlflow.mlflow.svc.cluster.local:5000',
    image: `registry.example.com/cdk-mlops/drift-job@sha256:${'d'.repeat(64)}`,
    pushgatewayUrl: 'http://pushgateway.monitoring:9091',
    alarmOwnership: OWNERSHIP,
    ...extra,
  });
  return synthValid(chart);
}

const find = (objects: any[], kind: string) => objects.find((o) => o.kind === kind && o.metadata.name === 'promote-acme-churn');

describe('ApprovalPromotion (Kubernetes)', () => {
  it.each([
    [ServingRenderer.ARGO_ROLLOUT, 'argoproj.io', 'rollouts'],
    [ServingRenderer.KSERVE, 'serving.kserve.io', 'inferenceservices'],
  ])('%s: the Role gets and patches the one serving object, nothing else', (renderer, group, resource) => {
    const role = find(render(renderer), 'Role');
    expect(role.rules).toEqual([{ apiGroups: [group], resources: [resource], resourceNames: ['acme-churn'], verbs: ['get', 'patch'] }]);
  });

  it('runs the bundled promoter every minute, one run at a time, with the account token and a valid config', () => {
    const objects = render(ServingRenderer.ARGO_ROLLOUT);
    const job = find(objects, 'CronJob');
    expect(job.spec).toMatchObject({ schedule: '* * * * *', concurrencyPolicy: 'Forbid' });
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'promote-acme-churn', automountServiceAccountToken: true });
    expect(pod.containers[0].command).toEqual(['node', '/opt/cdk-mlops/promotion.js']);
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    // The environment is what the promoter's CLI accepts (the same function parses it in the pod).
    expect(configFromEnv(env)).toMatchObject({
      registeredModelName: 'acme-churn',
      alias: 'champion',
      kind: 'Rollout',
      name: 'acme-churn',
      namespace: 'acme-churn',
      rules: { requiredLineageKeys: Lineage.metadataKeys(), allowOlder: false },
    });
    const binding = find(objects, 'RoleBinding');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'promote-acme-churn', namespace: 'acme-churn' }]);
  });

  it('owns its alerts: PromotionFailed and PromotionStale with owner and runbook', () => {
    const rules = find(render(ServingRenderer.ARGO_ROLLOUT), 'PrometheusRule').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(['PromotionFailed', 'PromotionStale']);
    for (const r of rules) {
      expect(r.labels).toMatchObject({ owner: 'churn-oncall', endpoint: 'acme-churn' });
      expect(r.annotations.runbook_url).toBe('https://runbooks.example.com/churn');
    }
  });

  it('passes its options to the promoter', () => {
    const job = find(render(ServingRenderer.ARGO_ROLLOUT, { alias: 'prod', requiredLineageKeys: ['lineage:code-commit'], allowOlderVersion: true }), 'CronJob');
    const env = Object.fromEntries(job.spec.jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(configFromEnv(env)).toMatchObject({ alias: 'prod', rules: { requiredLineageKeys: ['lineage:code-commit'], allowOlder: true } });
  });

  it.each(['latest', 'LATEST', 'v3', 'V12', 'champ ion', ''])('refuses the alias %j (MLflow would)', (alias) => {
    expect(expectValidationError(() => render(ServingRenderer.ARGO_ROLLOUT, { alias })).message).toMatch(/alias/);
  });

  it('refuses a lineage key with a comma (the promoter reads a comma-separated list)', () => {
    expect(expectValidationError(() => render(ServingRenderer.ARGO_ROLLOUT, { requiredLineageKeys: ['a,b'] })).message).toMatch(/requiredLineageKeys/);
  });
});
