import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { RollbackTrigger, ThresholdComparison } from '../../lib/core/rollback';
import { ServingMetrics, ServingScaleMetric } from '../../lib/core/serving-metrics';
import { warningsOf } from '../../lib/core/warnings';
import { DriftMonitor } from '../../lib/k8s/drift-monitor';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, KServeDeploymentMode, ServingRenderer } from '../../lib/k8s/gpu-serving-endpoint';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const IMAGE = `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const RESOURCES = { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' };

function endpoint(chart: Chart, id: string, props: Partial<GpuServingEndpointProps> = {}): GpuServingEndpoint {
  const pool = (chart.node.tryFindChild('Pool') as GpuNodePool | undefined)
    ?? new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  return new GpuServingEndpoint(chart, id, { image: IMAGE, nodePool: pool, resources: RESOURCES, alarmOwnership: OWNERSHIP, ...props });
}

function render(props: Partial<GpuServingEndpointProps> = {}): any[] {
  const chart = Testing.chart();
  endpoint(chart, 'Fraud', props);
  return synthValid(chart);
}

const queries = (objects: any[]) => one(objects, 'AnalysisTemplate').spec.metrics.map((m: any) => m.provider.prometheus.query).join('\n');
const alertExprs = (objects: any[]) => one(objects, 'PrometheusRule').spec.groups[0].rules.map((r: any) => r.expr).join('\n');
const ingressPorts = (np: any) => np.spec.ingress.map((rule: any) => ({ ports: rule.ports.map((p: any) => p.port), from: rule.from }));

describe('GpuServingEndpoint metrics presets (issue 13.4)', () => {
  it('TRITON: scrapes 8002/metrics through a PodMonitor, admits Prometheus on 8002 only, queries nv_inference_*', () => {
    const objects = render({ metricsPreset: ServingMetrics.TRITON });
    const monitor = one(objects, 'PodMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'fraud', 'app.kubernetes.io/name': 'fraud' } },
      podMetricsEndpoints: [{ portNumber: 8002, path: '/metrics', scheme: 'http', interval: '30s' }],
    });
    // portNumber finds declared ports only.
    expect(one(objects, 'Rollout').spec.template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8002, protocol: 'TCP' },
    ]);
    const rules = ingressPorts(one(objects, 'NetworkPolicy'));
    expect(rules[0].ports).toEqual([8080]);
    expect(rules[1]).toEqual({ ports: [8002], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] });
    expect(queries(objects)).toContain('nv_inference_request_success{namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*"}');
    expect(queries(objects)).toContain('nv_inference_request_failure');
    expect(queries(objects) + alertExprs(objects)).not.toContain('http_requests_total');
  });

  it('TRITON p99: the latency summary, in milliseconds', () => {
    const objects = render({ metricsPreset: ServingMetrics.TRITON, rollbackTriggers: [RollbackTrigger.p99Latency({ maxMillis: 300 })] });
    expect(queries(objects)).toContain('max(nv_inference_request_summary_us{namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*",quantile="0.99"}) / 1000');
  });

  it('TRITON on KServe Serverless: 8002 stays undeclared (Knative admits one port); the PodMonitor rewrites the address', () => {
    const objects = render({
      metricsPreset: ServingMetrics.TRITON,
      renderer: ServingRenderer.KSERVE,
      kserveDeploymentMode: KServeDeploymentMode.SERVERLESS,
    });
    expect(one(objects, 'InferenceService').spec.predictor.containers[0].ports).toHaveLength(1);
    expect(one(objects, 'PodMonitor').spec.podMetricsEndpoints[0]).toMatchObject({
      portNumber: 8080,
      relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_ip'], targetLabel: '__address__', replacement: '$1:8002' }],
    });
  });

  it('VLLM: the API port, vllm:e2e_request_latency_seconds and the API handlers of http_requests_total', () => {
    const objects = render({
      metricsPreset: ServingMetrics.VLLM,
      port: 8000,
      rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 2000 })],
    });
    expect(one(objects, 'PodMonitor').spec.podMetricsEndpoints[0].portNumber).toBe(8000);
    expect(ingressPorts(one(objects, 'NetworkPolicy'))).toHaveLength(1);
    expect(queries(objects)).toContain('http_requests_total{namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*",handler=~"/v1/.*",status="5xx"}');
    expect(queries(objects)).toContain('vllm:e2e_request_latency_seconds_bucket');
  });

  it('GENERIC_HTTP (default): the server port and the names of `metrics`', () => {
    const objects = render({ metrics: { requestsTotal: 'requests_total', errorMatcher: 'status=~"5.."' } });
    expect(one(objects, 'PodMonitor').spec.podMetricsEndpoints[0].portNumber).toBe(8080);
    expect(queries(objects)).toContain('requests_total{namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*",status=~"5.."}');
  });

  it('refuses metric names with a preset whose names are fixed, and Triton on its own metrics port', () => {
    const names = expectValidationError(() => render({ metricsPreset: ServingMetrics.TRITON, metrics: { requestsTotal: 'x_total' } }));
    expect(names.problems).toEqual([expect.objectContaining({ property: 'metrics.requestsTotal', allowed: expect.stringContaining('must not be set with metricsPreset TRITON') })]);
    const port = expectValidationError(() => render({ metricsPreset: ServingMetrics.TRITON, port: 8002 }));
    expect(port.problems).toEqual([expect.objectContaining({ property: 'port', allowed: expect.stringContaining('must not be 8002') })]);
  });
});

describe('alerts that can fire (issue 13.9)', () => {
  it('GPU alerts match the DCGM series in both label forms (exported_* from the GPU operator)', () => {
    const exprs = alertExprs(render());
    expect(exprs).toContain('DCGM_FI_DEV_FB_USED{exported_namespace="serving",exported_pod=~"fraud-.*"}');
    expect(exprs).toContain('DCGM_FI_DEV_FB_USED{namespace="serving",pod=~"fraud-.*"}');
    expect(exprs).toContain('DCGM_FI_DEV_XID_ERRORS{exported_namespace="serving",exported_pod=~"fraud-.*"}');
  });

  it('DriftJobStale fires when the job never reported (absent)', () => {
    const chart = Testing.chart();
    new DriftMonitor(chart, 'Drift', {
      endpointName: 'fraud',
      image: `registry.example.com/drift@sha256:${'a'.repeat(64)}`,
      captureUri: 's3://capture/fraud',
      baselineUri: 's3://baselines/fraud/baseline.json',
      features: ['amount'],
      alarmOwnership: OWNERSHIP,
      pushgatewayUrl: 'http://pushgateway.monitoring.svc:9091',
    });
    const stale = one(synthValid(chart), 'PrometheusRule').spec.groups[0].rules.find((r: any) => r.alert === 'DriftJobStale');
    expect(stale.expr).toContain('or absent(cdk_mlops_drift_last_run_timestamp_seconds{endpoint="fraud"})');
  });
});

describe('the autoscaler follows the GPU or the requests, CPU only when asked (issue 13.13)', () => {
  it('GPU utilisation by default: a KEDA ScaledObject on DCGM (both label forms), no CPU HPA', () => {
    const objects = render({ replicas: 2, maxReplicas: 6 });
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    const scaler = one(objects, 'ScaledObject');
    expect(scaler.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaler.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'fraud' },
      minReplicaCount: 2,
      maxReplicaCount: 6,
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] } } } },
    });
    const trigger = scaler.spec.triggers[0];
    expect(trigger).toMatchObject({ type: 'prometheus', metricType: 'AverageValue', metadata: { threshold: '70', serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' } });
    expect(trigger.metadata.query).toContain('DCGM_FI_DEV_GPU_UTIL{exported_namespace="serving",exported_pod=~"fraud-.*"}');
  });

  it('REQUEST_RATE when a per-replica target is given: the preset\'s request counter over the fleet', () => {
    const objects = render({ replicas: 2, maxReplicas: 6, metricsPreset: ServingMetrics.TRITON, targetRequestsPerSecond: 25 });
    const trigger = one(objects, 'ScaledObject').spec.triggers[0];
    expect(trigger.metadata.threshold).toBe('25');
    expect(trigger.metadata.query).toContain('nv_inference_request_success{namespace="serving",pod=~"fraud-.*-.*"}[2m]');
  });

  it('CPU only when asked (targetCpuUtilizationPercent or scaleMetric CPU): the plain HPA', () => {
    for (const props of [{ targetCpuUtilizationPercent: 60 }, { scaleMetric: ServingScaleMetric.CPU }]) {
      const objects = render({ replicas: 2, maxReplicas: 6, ...props });
      expect(objects.filter((o) => o.kind === 'ScaledObject')).toEqual([]);
      expect(one(objects, 'HorizontalPodAutoscaler').spec.metrics[0].resource.name).toBe('cpu');
    }
  });

  it('refuses a target of another metric, and REQUEST_RATE without its target', () => {
    const noTarget = expectValidationError(() => render({ maxReplicas: 6, scaleMetric: ServingScaleMetric.REQUEST_RATE }));
    expect(noTarget.problems).toEqual([expect.objectContaining({ property: 'targetRequestsPerSecond', allowed: expect.stringContaining('must be set with scaleMetric REQUEST_RATE') })]);
    const mixed = expectValidationError(() =>
      render({ maxReplicas: 6, scaleMetric: ServingScaleMetric.GPU_UTILIZATION, targetCpuUtilizationPercent: 60 }));
    expect(mixed.problems).toEqual([expect.objectContaining({ property: 'targetCpuUtilizationPercent', allowed: expect.stringContaining('must not be set with scaleMetric GPU_UTILIZATION') })]);
  });

  it('warns that GPU utilisation on a time-sliced pool is the whole GPU\'s', () => {
    const chart = Testing.chart();
    const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole', sharing: GpuSharing.timeSlicing(4) });
    const ep = new GpuServingEndpoint(chart, 'Fraud', { image: IMAGE, nodePool: pool, resources: RESOURCES, alarmOwnership: OWNERSHIP, replicas: 4, maxReplicas: 8 });
    expect(warningsOf(ep).map((w) => w.id)).toContain('cdk-mlops:gpu-serving-endpoint:gpu-utilization-shared');
  });
});

describe('a business trigger shared by two endpoints pages once (issue 13.13)', () => {
  const conversion = () => RollbackTrigger.metric({
    name: 'conversion-rate',
    threshold: 2,
    comparison: ThresholdComparison.LESS_THAN,
    prometheusQuery: 'sum(rate(checkout_conversions_total[10m])) / sum(rate(checkout_sessions_total[10m])) * 100',
    owner: 'checkout-analytics',
  });

  it('renders the same alert (name, labels, annotations) in both rules, so Alertmanager sees one alert', () => {
    const chart = Testing.chart();
    const a = endpoint(chart, 'Fraud', { rollbackTriggers: [RollbackTrigger.errorRate(), conversion()] });
    const b = endpoint(chart, 'Ranking', { namespace: 'ranking', rollbackTriggers: [RollbackTrigger.errorRate(), conversion()] });
    expect(a.triggerAlertNames).toEqual(['FraudErrorRate', 'BusinessConversionRate']);
    expect(b.triggerAlertNames).toEqual(['RankingErrorRate', 'BusinessConversionRate']);
    const rules = synthValid(chart).filter((o) => o.kind === 'PrometheusRule')
      .map((o) => o.spec.groups[0].rules.find((r: any) => r.alert === 'BusinessConversionRate'));
    expect(rules).toHaveLength(2);
    expect(rules[0]).toEqual(rules[1]);
    expect(rules[0].labels).toEqual({ severity: 'critical', owner: 'checkout-analytics', trigger: 'conversion-rate', trigger_query: expect.stringMatching(/^[0-9a-f]{12}$/) });
    // The endpoint's own triggers still name it.
    const own = synthValid(chart).filter((o) => o.kind === 'PrometheusRule').map((o) => o.spec.groups[0].rules[0].labels.endpoint);
    expect(own.sort()).toEqual(['fraud', 'ranking']);
  });

  it('two different queries under one name stay two alerts (their trigger_query differs)', () => {
    const chart = Testing.chart();
    endpoint(chart, 'Fraud', { rollbackTriggers: [conversion()] });
    endpoint(chart, 'Ranking', {
      namespace: 'ranking',
      rollbackTriggers: [RollbackTrigger.metric({ name: 'conversion-rate', threshold: 2, comparison: ThresholdComparison.LESS_THAN, prometheusQuery: 'vector(5)' })],
    });
    const hashes = synthValid(chart).filter((o) => o.kind === 'PrometheusRule').map((o) => o.spec.groups[0].rules[0].labels.trigger_query);
    expect(new Set(hashes).size).toBe(2);
  });
});

// promtool (Prometheus' own rule evaluation) judges the rendered rules when it is installed
// (scripts/promtool.sh; `npm run validate` always runs it on the examples).
const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasPromtool)('promtool unit tests of the rendered rules and analysis', () => {
  function promtoolRules(objects: any[]): { status: number | null; out: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-test-'));
    const file = path.join(dir, 'chart.k8s.yaml');
    fs.writeFileSync(file, objects.map((o) => YAML.stringify(o)).join('---\n'));
    const run = spawnSync('npx', ['--no-install', 'tsx', 'scripts/promtool-rules.ts', file], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: run.status, out: run.stdout + run.stderr };
  }

  it.each([ServingMetrics.TRITON, ServingMetrics.VLLM, ServingMetrics.GENERIC_HTTP])('%s: every alert and analysis condition fires on its spike, stays silent when healthy and on absent series', (preset) => {
    const objects = render({
      metricsPreset: preset,
      port: preset === ServingMetrics.VLLM ? 8000 : undefined,
      rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 300 })],
      maxReplicas: 6,
      targetRequestsPerSecond: preset === ServingMetrics.GENERIC_HTTP ? undefined : 20,
    });
    expect(objects.filter((o) => o.kind === 'ScaledObject')).toHaveLength(1);
    const run = promtoolRules(objects);
    expect(run.out).toMatch(/unit tests passed/);
    expect(run.status).toBe(0);
  }, 120_000);
});
