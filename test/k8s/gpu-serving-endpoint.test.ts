import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { RollbackTrigger, ThresholdComparison } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, KServeDeploymentMode, ServingRenderer } from '../../lib/k8s/gpu-serving-endpoint';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const IMAGE = `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };

function setup(sharing?: GpuSharing, gpu = GpuModel.A10G) {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu, clusterName: 'ml', nodeRole: 'NodeRole', sharing });
  return { chart, pool };
}

function render(props: Partial<GpuServingEndpointProps> = {}, sharing?: GpuSharing, gpu?: GpuModel) {
  const { chart, pool } = setup(sharing, gpu);
  const ep = new GpuServingEndpoint(chart, 'Fraud', {
    image: IMAGE,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
    alarmOwnership: OWNERSHIP,
    ...props,
  });
  const objects = synthValid(chart).filter((o) => o.metadata?.namespace === 'serving' || o.metadata?.name === 'serving' || o.kind === 'InferenceService');
  return { ep, objects };
}

describe('GpuServingEndpoint (Kubernetes)', () => {
  describe('default (Argo Rollout)', () => {
    const { ep, objects } = render({ modelSizeGiB: 10 });
    const rollout = one(objects, 'Rollout');
    const pod = rollout.spec.template.spec;
    const c = pod.containers[0];

    it('renders a Rollout, AnalysisTemplate, Service, PDB, NetworkPolicy and PrometheusRule, all schema-valid', () => {
      expect(objects.map((o) => o.kind).sort()).toEqual(
        ['AnalysisTemplate', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'PrometheusRule', 'Rollout', 'Service', 'ServiceAccount'].sort(),
      );
      expect(ep.name).toBe('fraud');
    });

    it('requests the pool\'s GPU with explicit CPU and memory, as real quantities', () => {
      expect(c.resources).toEqual({
        requests: { 'cpu': '2', 'memory': '8Gi', 'nvidia.com/gpu': '1' },
        limits: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1' },
      });
      // The FACTS.md trap: the GPU value must survive YAML synthesis too, not only Testing.synth.
      const app = new App();
      const chart = new Chart(app, 'yaml');
      const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
      new GpuServingEndpoint(chart, 'Fraud', { image: IMAGE, nodePool: pool, resources: { cpuRequest: '1', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' }, alarmOwnership: OWNERSHIP });
      const docs = YAML.parseAllDocuments(app.synthYaml()).map((d) => d.toJS());
      expect(docs.find((d) => d.kind === 'Rollout').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    });

    it('tolerates the GPU taint and is attracted to the pool', () => {
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: 'cdk-mlops.io/gpu-pool', operator: 'In', values: ['gpu-a10g'] }] },
      ]);
    });

    it('runs non-root, read-only, with FallbackToLogsOnError and probes sized for the model', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
      expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 8080 }, periodSeconds: 10, failureThreshold: 72 });
      expect(c.readinessProbe.httpGet.path).toBe('/v2/health/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/v2/health/live');
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it('canaries 10% for 10 minutes with background analysis from the first step', () => {
      expect(rollout.spec.replicas).toBe(2);
      expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 10 }, { pause: { duration: '600s' } }]);
      expect(rollout.spec.strategy.canary.analysis).toEqual({
        templates: [{ templateName: 'fraud-rollback' }],
        startingStep: 1,
        args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
      });
      expect(rollout.spec.progressDeadlineAbort).toBe(true);
    });

    it('analyses the error rate with conditions that stay inconclusive on empty results', () => {
      const metrics = one(objects, 'AnalysisTemplate').spec.metrics;
      expect(metrics.map((m: any) => m.name)).toEqual(['enough-traffic', 'error-rate']);
      const errorRate = metrics[1];
      expect(errorRate.successCondition).toBe('len(result) > 0 && result[0] <= 1');
      expect(errorRate.failureCondition).toBe('len(result) > 0 && result[0] > 1');
      expect(errorRate.failureLimit).toBe(1);
      // Only the canary's pods (by pod template hash); no 5xx series counts as zero errors.
      const canary = 'namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*"';
      expect(errorRate.provider.prometheus.query).toBe(
        `100 * (sum(rate(http_requests_total{${canary},code=~"5.."}[120s])) or vector(0)) / sum(rate(http_requests_total{${canary}}[120s]))`,
      );
      expect(metrics[0]).toMatchObject({ successCondition: 'len(result) > 0 && result[0] >= 0.5', failureCondition: 'false', inconclusiveLimit: 0 });
    });

    it('alerts with owner and runbook on error rate, GPU memory, XID errors, restarts and OOMKilled', () => {
      const rules = one(objects, 'PrometheusRule').spec.groups[0].rules;
      expect(rules.map((r: any) => r.alert)).toEqual(['FraudErrorRate', 'FraudGpuMemoryHigh', 'FraudGpuXidErrors', 'FraudRestarting', 'FraudOomKilled']);
      for (const r of rules) {
        expect(r.labels.owner).toBe('fraud-oncall');
        expect(r.annotations.runbook_url).toBe('https://runbooks.example.com/fraud');
      }
      expect(rules[1].expr).toContain('DCGM_FI_DEV_FB_USED');
      expect(rules[2].expr).toContain('DCGM_FI_DEV_XID_ERRORS');
      expect(rules[4].expr).toContain('reason="OOMKilled"');
      // The alert watches the whole fleet: every canary-hash placeholder replaced, query parenthesised.
      expect(rules[0].expr).toBe(
        '(100 * (sum(rate(http_requests_total{namespace="serving",pod=~"fraud-.*-.*",code=~"5.."}[120s])) or vector(0)) / sum(rate(http_requests_total{namespace="serving",pod=~"fraud-.*-.*"}[120s]))) > 1',
      );
    });

    it('keeps one replica through disruptions and admits only its namespace', () => {
      expect(one(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
      expect(one(objects, 'NetworkPolicy').spec.ingress[0]).toEqual({
        from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      });
      expect(one(objects, 'Service').spec.selector).toEqual(rollout.spec.selector.matchLabels);
    });
  });

  describe('configured', () => {
    it('staged steps, HPA on the Rollout, p99 and business metric triggers', () => {
      const { objects } = render({
        replicas: 4,
        maxReplicas: 10,
        rollout: RolloutPolicy.staged({
          steps: [{ percent: 5, bakeMinutes: 10 }, { percent: 25, bakeMinutes: 10 }, { percent: 50, bakeMinutes: 15 }, { percent: 100 }],
        }),
        rollbackTriggers: [
          RollbackTrigger.p99Latency({ maxMillis: 300 }),
          RollbackTrigger.metric({ name: 'conversion-rate', threshold: 2, comparison: ThresholdComparison.LESS_THAN, prometheusQuery: 'conv_rate' }),
        ],
        prometheusRuleLabels: { release: 'kube-prometheus-stack' },
      });
      expect(one(objects, 'Rollout').spec.strategy.canary.steps).toEqual([
        { setWeight: 5 }, { pause: { duration: '600s' } },
        { setWeight: 25 }, { pause: { duration: '600s' } },
        { setWeight: 50 }, { pause: { duration: '900s' } },
      ]);
      const hpa = one(objects, 'HorizontalPodAutoscaler');
      expect(hpa.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'fraud' }, minReplicas: 4, maxReplicas: 10 });
      const metrics = one(objects, 'AnalysisTemplate').spec.metrics;
      expect(metrics[1]).toMatchObject({
        name: 'p99-latency',
        successCondition: 'len(result) > 0 && result[0] <= 300',
        provider: {
          prometheus: {
            query: '1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*"}[120s])))',
          },
        },
      });
      expect(metrics[2]).toMatchObject({ name: 'conversion-rate', successCondition: 'len(result) > 0 && result[0] >= 2', failureCondition: 'len(result) > 0 && result[0] < 2' });
      expect(one(objects, 'PrometheusRule').metadata.labels.release).toBe('kube-prometheus-stack');
    });

    it('annotates the ServiceAccount with an IAM role (IRSA), still without an API token; names the trigger alerts', () => {
      const { ep, objects } = render({ serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/fraud-serving', rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 300 })] });
      expect(one(objects, 'ServiceAccount')).toMatchObject({
        metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/fraud-serving' } },
        automountServiceAccountToken: false,
      });
      expect(ep.triggerAlertNames).toEqual(['FraudErrorRate', 'FraudP99Latency']);
      expect(one(objects, 'PrometheusRule').spec.groups[0].rules.slice(0, 2).map((r: any) => r.alert)).toEqual(ep.triggerAlertNames);
    });

    it('requests a MIG slice on a MIG pool', () => {
      const { objects } = render({}, GpuSharing.mig('1g.10gb'), GpuModel.H100);
      expect(one(objects, 'Rollout').spec.template.spec.containers[0].resources.limits).toEqual({ 'cpu': '4', 'memory': '16Gi', 'nvidia.com/mig-1g.10gb': '1' });
    });

    it('renders a KServe InferenceService with a canary percentage in Serverless mode', () => {
      const { objects } = render({ renderer: ServingRenderer.KSERVE, maxReplicas: 4 });
      const isvc = one(objects, 'InferenceService');
      expect(isvc.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Serverless' });
      expect(isvc.spec.predictor).toMatchObject({ minReplicas: 2, maxReplicas: 4, canaryTrafficPercent: 10 });
      expect(isvc.spec.predictor.containers[0]).toMatchObject({ name: 'kserve-container', image: IMAGE, resources: { limits: { 'nvidia.com/gpu': '1' } } });
      expect(objects.map((o) => o.kind)).not.toContain('Rollout');
    });

    it('admits Knative for KServe Serverless, and the namespaces it is told to', () => {
      const { objects } = render({ renderer: ServingRenderer.KSERVE, allowedClientNamespaces: ['checkout'], monitoringNamespace: 'observability' });
      expect(one(objects, 'NetworkPolicy').spec.ingress[0].from.map((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'])).toEqual([
        undefined, 'checkout', 'observability', 'knative-serving',
      ]);
    });

    it('renders KServe all-at-once in RawDeployment mode', () => {
      const { objects } = render({
        renderer: ServingRenderer.KSERVE,
        kserveDeploymentMode: KServeDeploymentMode.RAW_DEPLOYMENT,
        rollout: RolloutPolicy.allAtOnce(),
      });
      expect(one(objects, 'InferenceService').spec.predictor.canaryTrafficPercent).toBeUndefined();
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<GpuServingEndpointProps>, GpuSharing | undefined, string, string]>([
      ['a :latest image', { image: 'nvcr.io/nvidia/tritonserver:latest' }, undefined, 'image', 'moving tag'],
      ['a canary silently ignored by KServe RawDeployment', { renderer: ServingRenderer.KSERVE, kserveDeploymentMode: KServeDeploymentMode.RAW_DEPLOYMENT }, undefined, 'kserveDeploymentMode', 'silently ignores canaryTrafficPercent'],
      ['steps on KServe', { renderer: ServingRenderer.KSERVE, rollout: RolloutPolicy.linear({ stepPercent: 25 }) }, undefined, 'rollout', 'must be a canary or all-at-once with KServe'],
      ['canary steps not increasing', { rollout: RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 5 }, { percent: 100 }] }) }, undefined, 'rollout.steps', 'must increase and end at 100'],
      ['fractional weights for Argo', { rollout: RolloutPolicy.canary({ percent: 12.5 }) }, undefined, 'rollout', 'whole percentages'],
      ['two GPU shares per replica on a time-sliced pool', { gpusPerReplica: 2 }, GpuSharing.timeSlicing(4), 'gpusPerReplica', 'must be 1 on a pool with time-sliced GPUs'],
      ['0 replicas', { replicas: 0 }, undefined, 'replicas', 'must be at least 1'],
      ['a fractional KServe canary', { renderer: ServingRenderer.KSERVE, rollout: RolloutPolicy.canary({ percent: 7.5 }) }, undefined, 'rollout', 'whole percentages'],
      ['two triggers with one name', { rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.errorRate({ maxPercent: 5 })] }, undefined, 'rollbackTriggers[1].name', 'must be unique'],
      [
        'a trigger named like the traffic check',
        { rollbackTriggers: [RollbackTrigger.metric({ name: 'enough-traffic', threshold: 1, comparison: ThresholdComparison.LESS_THAN, prometheusQuery: 'x' })] },
        undefined, 'rollbackTriggers[0].name', 'must not be "enough-traffic"',
      ],
      ['maxReplicas below replicas', { replicas: 4, maxReplicas: 2 }, undefined, 'maxReplicas', 'must be at least replicas (4)'],
      ['a metric trigger without query', { rollbackTriggers: [RollbackTrigger.metric({ name: 'ctr', threshold: 1, comparison: ThresholdComparison.LESS_THAN })] }, undefined, 'rollbackTriggers[0].prometheusQuery', 'must be set for a metric trigger used on Kubernetes'],
      ['memory request above limit', { resources: { cpuRequest: '1', cpuLimit: '1', memoryRequest: '4Gi', memoryLimit: '2Gi' } }, undefined, 'resources.memoryRequest', 'must not exceed memoryLimit (2Gi)'],
    ])('%s', (_w, props, sharing, property, allowed) => {
      const e = expectValidationError(() => render(props, sharing));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('test/Fraud');
      expect(p!.allowed).toContain(allowed);
    });
  });
});
