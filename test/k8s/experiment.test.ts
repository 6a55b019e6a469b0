import { Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ExperimentGuardrailKind, ExperimentMetricKind } from '../../lib/core/experiment/spec';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { CHALLENGER_MODEL_URI_ANNOTATION, EXPERIMENT_ANNOTATION } from '../../lib/core/mlflow-promotion';
import { Experiment, ExperimentProps } from '../../lib/k8s/experiment';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, ServingRenderer, TrafficRouter } from '../../lib/k8s/gpu-serving-endpoint';
import { Warnings } from '../../lib/k8s/warnings';
import { configFromEnv } from '../../lib/runtime/experiment/cli';
import { expectValidationError } from '../support/aws';
import { synthValid } from '../support/k8s';

const OWNERSHIP = { owner: 'churn-oncall', runbookUrl: 'https://runbooks.example.com/churn' };
const IMAGE = `registry.example.com/cdk-mlops/drift-job@sha256:${'d'.repeat(64)}`;

const SPEC = {
  name: 'churn-v8',
  primaryMetric: { name: 'checkout_conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.05, minimumDetectableEffect: 0.01 },
  expectedDailyUnits: 20000,
  challengerPercent: 20,
  guardrails: [
    { name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 },
    { name: 'latency', kind: ExperimentGuardrailKind.LATENCY_P99, threshold: 250 },
    { name: 'revenue', kind: ExperimentGuardrailKind.METRIC_DROP, threshold: 0.05, metric: 'checkout_revenue' },
  ],
};

function build(endpointProps: Partial<GpuServingEndpointProps> = {}, extra: Partial<ExperimentProps> = {}) {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  const endpoint = new GpuServingEndpoint(chart, 'Serving', {
    name: 'acme-churn',
    namespace: 'acme-churn',
    image: `registry.example.com/churn/server@sha256:${'c'.repeat(64)}`,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' },
    alarmOwnership: OWNERSHIP,
    trafficRouter: TrafficRouter.NGINX,
    replicas: 5,
    ...endpointProps,
  });
  const experiment = new Experiment(chart, 'Experiment', { ...SPEC, endpoint, challengerModelUri: 's3://acme-models/churn/8/model.tar.gz', image: IMAGE, ...extra } as ExperimentProps);
  return { chart, endpoint, experiment };
}

function render(endpointProps: Partial<GpuServingEndpointProps> = {}, extra: Partial<ExperimentProps> = {}) {
  const b = build(endpointProps, extra);
  const objects = synthValid(b.chart);
  const template = (name: string) => objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === name);
  return { ...b, objects, rollout: objects.find((o) => o.kind === 'Rollout'), template };
}

describe('k8s.Experiment', () => {
  it('runs the challenger as the canary at challengerPercent, then the decision as a step analysis', () => {
    const { rollout, template } = render();
    // The challenger's own annotation (the promoter's MODEL_URI_ANNOTATION keeps the control) and the
    // experiment's, which pauses the promoter.
    expect(rollout.spec.template.metadata.annotations).toEqual({ [CHALLENGER_MODEL_URI_ANNOTATION]: 's3://acme-models/churn/8/model.tar.gz', [EXPERIMENT_ANNOTATION]: 'churn-v8' });
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { setWeight: 20 },
      { analysis: { templates: [{ templateName: 'churn-v8-decision' }], args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] } },
    ]);
    // The guardrails beside the rollback triggers: judged from the first step until the Rollout ends.
    expect(rollout.spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'acme-churn-rollback' }, { templateName: 'churn-v8-guardrails' }]);
    expect(template('churn-v8-decision').metadata.namespace).toBe('acme-churn');
    expect(template('churn-v8-guardrails').metadata.namespace).toBe('acme-churn');
  });

  it('pins an arm by header with NGINX (always = challenger, never = control): sticky per user when the caller assigns', () => {
    const { rollout, experiment, chart } = render();
    expect(rollout.spec.strategy.canary.trafficRouting.nginx.additionalIngressAnnotations).toEqual({ 'canary-by-header': 'x-experiment-variant' });
    expect(experiment.stickyAssignment).toBe(true);
    expect(Warnings.of(chart).filter((w) => w.id.startsWith('cdk-mlops:experiment'))).toEqual([]);
  });

  it('without a router: per-request split by pods, said in a warning', () => {
    const { rollout, experiment, chart } = render({ trafficRouter: TrafficRouter.NONE });
    expect(rollout.spec.strategy.canary.trafficRouting).toBeUndefined();
    expect(experiment.stickyAssignment).toBe(false);
    expect(Warnings.of(chart).map((w) => w.id)).toContain('cdk-mlops:experiment:per-request-assignment');
  });

  it('the decision: one Job measured once, failed at its first failure, running experiment.js analyze with the config its CLI parses', () => {
    const { template, experiment } = render();
    const metric = template('churn-v8-decision').spec.metrics[0];
    expect(metric).toMatchObject({ name: 'decision', count: 1, failureLimit: 0 });
    const job = metric.provider.job.spec;
    expect(job.activeDeadlineSeconds).toBe((experiment.plannedDays + 7) * 86400);
    const pod = job.template.spec;
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true } });
    const c = pod.containers[0];
    expect(c.command).toEqual(['node', '/opt/cdk-mlops/experiment.js', 'analyze']);
    expect(c.image).toBe(IMAGE);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    const config = configFromEnv(env);
    expect(config).toMatchObject({ prometheusUrl: 'http://prometheus-operated.monitoring.svc.cluster.local:9090', intervalSeconds: 86400, spec: { name: 'churn-v8', challengerPercent: 20 } });
    // The same guardrail PromQL as the background analysis.
    const guardrails = template('churn-v8-guardrails').spec.metrics;
    expect(config.guardrails.map((g) => g.query)).toEqual(guardrails.map((m: any) => m.provider.prometheus.query));
  });

  it('guardrails: the canary\'s error rate (percent) and p99, the business metric\'s relative drop; fail at the first breach', () => {
    const { template } = render({}, { guardrailInterval: Duration.minutes(2) });
    const metrics = template('churn-v8-guardrails').spec.metrics;
    expect(metrics.map((m: any) => m.name)).toEqual(['guardrail-error-rate-errors', 'guardrail-p99-latency-latency', 'guardrail-metric-drop-revenue']);
    const [errors, latency, drop] = metrics;
    expect(errors).toMatchObject({ interval: '120s', initialDelay: '300s', failureLimit: 0, inconclusiveLimit: 2 });
    expect(errors.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] > 1');
    expect(errors.provider.prometheus.query).toContain('pod=~"acme-churn-{{args.canary-hash}}-.*"');
    expect(errors.provider.prometheus.query).toContain('[240s]');
    expect(latency.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] > 250');
    expect(drop.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] < -0.05');
    expect(drop.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] >= -0.05');
    expect(drop.provider.prometheus.query).toBe(
      '(sum(increase(checkout_revenue_sum_total{experiment="churn-v8",variant="challenger"}[3600s])) / sum(increase(checkout_revenue_units_total{experiment="churn-v8",variant="challenger"}[3600s])))'
      + ' / (sum(increase(checkout_revenue_sum_total{experiment="churn-v8",variant="control"}[3600s])) / sum(increase(checkout_revenue_units_total{experiment="churn-v8",variant="control"}[3600s]))) - 1',
    );
  });

  it('without guardrails: no guardrail template, the background analysis is the endpoint\'s', () => {
    const { objects, rollout } = render({}, { guardrails: undefined });
    expect(objects.filter((o) => o.kind === 'AnalysisTemplate').map((o) => o.metadata.name)).toEqual(['acme-churn-rollback', 'churn-v8-decision']);
    expect(rollout.spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'acme-churn-rollback' }]);
  });

  it('prometheusUrl and analysisInterval reach the decision', () => {
    const { template } = render({}, { prometheusUrl: 'http://prom.example:9090', analysisInterval: Duration.hours(6) });
    const env = Object.fromEntries(template('churn-v8-decision').spec.metrics[0].provider.job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(configFromEnv(env)).toMatchObject({ prometheusUrl: 'http://prom.example:9090', intervalSeconds: 21600 });
    expect(template('churn-v8-guardrails').spec.metrics[0].provider.prometheus.address).toBe('http://prom.example:9090');
  });

  it.each<[string, Partial<GpuServingEndpointProps>, Partial<ExperimentProps>, RegExp]>([
    ['a KServe endpoint', { renderer: ServingRenderer.KSERVE, trafficRouter: undefined }, {}, /endpoint must be an ARGO_ROLLOUT endpoint/],
    ['a mutable image', {}, { image: 'registry.example.com/cdk-mlops/drift-job:1.0' }, /image/],
    ['a model URI without a scheme', {}, { challengerModelUri: 'churn/8' }, /challengerModelUri must be a model URI/],
    ['an analysis every 10 minutes', {}, { analysisInterval: Duration.minutes(10) }, /analysisInterval must be between 1 hour and 1 day; got Duration 10 minutes/],
    ['a guardrail every 10 seconds', {}, { guardrailInterval: Duration.seconds(10) }, /guardrailInterval/],
    ['a header with capitals', {}, { variantHeader: 'X-Variant' }, /variantHeader/],
    ['Prometheus without a scheme', {}, { prometheusUrl: 'prometheus:9090' }, /prometheusUrl/],
  ])('rejects %s', (_what, endpointProps, extra, message) => {
    expect(expectValidationError(() => build(endpointProps, extra)).message).toMatch(message);
  });
});
