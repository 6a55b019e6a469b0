import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { RollbackTrigger } from '../../lib/core/rollback';
import { ServingMetrics, leMatcher, slowRequestsPercentQuery } from '../../lib/core/serving-metrics';
import { SloIndicator, SloObjective } from '../../lib/core/slo/spec';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/k8s/gpu-serving-endpoint';
import { ServiceLevelObjectives, ServiceLevelObjectivesProps } from '../../lib/k8s/service-level-objectives';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud-slo' };
const AVAILABILITY: SloObjective = { name: 'availability', indicator: SloIndicator.AVAILABILITY, objectivePercent: 99.5 };
const LATENCY: SloObjective = { name: 'latency', indicator: SloIndicator.LATENCY, objectivePercent: 99, latencyThresholdMillis: 250 };
const BASE: ServiceLevelObjectivesProps = { endpointName: 'fraud', alarmOwnership: OWNERSHIP, objectives: [AVAILABILITY] };

function render(props: Partial<ServiceLevelObjectivesProps> = {}): any[] {
  const chart = Testing.chart();
  new ServiceLevelObjectives(chart, 'Slo', { ...BASE, ...props });
  return synthValid(chart);
}

function endpoint(chart: Chart, props: Partial<GpuServingEndpointProps> = {}): GpuServingEndpoint {
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  return new GpuServingEndpoint(chart, 'Fraud', {
    image: `registry.example.com/fraud/server@sha256:${'c'.repeat(64)}`,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
    alarmOwnership: { owner: 'serving-oncall', runbookUrl: 'https://runbooks.example.com/serving' },
    ...props,
  });
}

const rules = (objects: any[]) => one(objects, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules);
const record = (objects: any[], name: string, slo = 'availability') => rules(objects).find((r: any) => r.record === name && r.labels.slo === slo);
const alerts = (objects: any[]) => rules(objects).filter((r: any) => r.alert);

describe('ServiceLevelObjectives (Kubernetes)', () => {
  describe('default: a 99.5 % availability objective over 28 days', () => {
    const objects = render();

    it('renders one PrometheusRule beside the endpoint, three groups per objective (SLI recordings, metadata, alerts)', () => {
      const rule = one(objects, 'PrometheusRule');
      expect(rule.metadata).toMatchObject({ name: 'fraud-slo', namespace: 'serving', labels: { 'app.kubernetes.io/component': 'slo' } });
      expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['fraud.slo.availability.sli', 'fraud.slo.availability.meta', 'fraud.slo.availability.alerts']);
    });

    it('records the bad ratio (5xx / requests of the endpoint\'s pods) over every window the alerts read, sloth\'s names and labels', () => {
      const sli = rules(objects).filter((r: any) => /^slo:sli_error:ratio_rate/.test(r.record));
      expect(sli.map((r: any) => r.record)).toEqual([
        'slo:sli_error:ratio_rate5m', 'slo:sli_error:ratio_rate30m', 'slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate2h',
        'slo:sli_error:ratio_rate6h', 'slo:sli_error:ratio_rate1d', 'slo:sli_error:ratio_rate3d', 'slo:sli_error:ratio_rate28d',
      ]);
      expect(sli[0].labels).toEqual({ slo: 'availability', endpoint: 'fraud', namespace: 'serving', slo_window: '5m' });
      // A window without requests (0 / 0 = NaN) records nothing.
      expect(sli[0].expr).toBe('((sum(rate(http_requests_total{namespace="serving",pod=~"fraud-.*",code=~"5.."}[5m])) or vector(0)) / '
        + 'sum(rate(http_requests_total{namespace="serving",pod=~"fraud-.*"}[5m]))) >= 0');
      expect(sli[6].expr).toContain('[3d]');
      expect(sli[7].expr).toBe('sum_over_time(slo:sli_error:ratio_rate5m{slo="availability",endpoint="fraud",namespace="serving"}[28d]) / ignoring (slo_window) '
        + 'count_over_time(slo:sli_error:ratio_rate5m{slo="availability",endpoint="fraud",namespace="serving"}[28d])');
    });

    it('records the objective, the budget, the window and the budget remaining over it', () => {
      expect(record(objects, 'slo:objective:ratio').expr).toBe('vector(0.995)');
      expect(record(objects, 'slo:error_budget:ratio').expr).toBe('vector(0.005)');
      expect(record(objects, 'slo:time_period:days').expr).toBe('vector(28)');
      expect(record(objects, 'slo:period_burn_rate:ratio').expr).toBe('slo:sli_error:ratio_rate28d{slo="availability",endpoint="fraud",namespace="serving"} '
        + '/ on (slo, endpoint, namespace) group_left slo:error_budget:ratio{slo="availability",endpoint="fraud",namespace="serving"}');
      expect(record(objects, 'slo:period_error_budget_remaining:ratio').expr).toBe('1 - slo:period_burn_rate:ratio{slo="availability",endpoint="fraud",namespace="serving"}');
    });

    it('pages at 14.4× over 1 h and 5 m or 6× over 6 h and 30 m; tickets at 3× over 1 d and 2 h or 1× over 3 d and 6 h', () => {
      const [page, ticket] = alerts(objects);
      const sel = '{slo="availability",endpoint="fraud",namespace="serving"}';
      const row = (short: string, long: string, factor: number) => `(\n  max(slo:sli_error:ratio_rate${short}${sel} > (${factor} * 0.005)) without (slo_window)\n`
        + `  and\n  max(slo:sli_error:ratio_rate${long}${sel} > (${factor} * 0.005)) without (slo_window)\n)`;
      expect(page.expr).toBe(`${row('5m', '1h', 14.4)}\nor\n${row('30m', '6h', 6)}`);
      expect(ticket.expr).toBe(`${row('2h', '1d', 3)}\nor\n${row('6h', '3d', 1)}`);
      expect([page.for, ticket.for]).toEqual(['2m', '15m']);
    });

    it('owns both alerts: one name, severity critical (page) and warning (ticket), owner and runbook', () => {
      const [page, ticket] = alerts(objects);
      expect([page.alert, ticket.alert]).toEqual(['FraudAvailabilityErrorBudgetBurn', 'FraudAvailabilityErrorBudgetBurn']);
      expect(page.labels).toEqual({ severity: 'critical', slo_severity: 'page', slo: 'availability', owner: 'fraud-oncall', endpoint: 'fraud' });
      expect(ticket.labels).toMatchObject({ severity: 'warning', slo_severity: 'ticket' });
      expect(page.annotations).toMatchObject({ runbook_url: OWNERSHIP.runbookUrl, owner: 'fraud-oncall' });
      expect(page.annotations.description).toContain('14.4× over 1h and 5m (server errors (5xx) above 7.2 %), or 6× over 6h and 30m (server errors (5xx) above 3 %)');
      expect(ticket.annotations.description).toContain('3× over 1d and 2h (server errors (5xx) above 1.5 %), or 1× over 3d and 6h (server errors (5xx) above 0.5 %)');
    });
  });

  describe('can configure', () => {
    it('a latency objective: 1 − requests in the bucket at the threshold / all requests, and an alert when there is no such bucket', () => {
      const objects = render({ objectives: [LATENCY] });
      expect(record(objects, 'slo:sli_error:ratio_rate1h', 'latency').expr).toBe('(1 - sum(rate(http_request_duration_seconds_bucket{namespace="serving",pod=~"fraud-.*",le="0.25"}[1h])) '
        + '/ sum(rate(http_request_duration_seconds_count{namespace="serving",pod=~"fraud-.*"}[1h]))) >= 0');
      expect(record(objects, 'slo:error_budget:ratio', 'latency').expr).toBe('vector(0.01)');
      const [page, , bucket] = alerts(objects);
      expect(page.expr).toContain('> (14.4 * 0.01)');
      expect(page.annotations.description).toContain('requests slower than 250 ms above 14.4 %');
      expect(bucket).toMatchObject({ alert: 'FraudLatencySloThresholdNotABucket', labels: { severity: 'warning', owner: 'fraud-oncall' } });
      expect(bucket.expr).toBe('count(http_request_duration_seconds_count{namespace="serving",pod=~"fraud-.*"}) unless on () '
        + 'count(http_request_duration_seconds_bucket{namespace="serving",pod=~"fraud-.*",le="0.25"})');
    });

    it('a whole-second threshold matches both spellings of the bound (Go "1", Python and Prometheus 3 "1.0")', () => {
      expect(leMatcher(1)).toBe('le=~"1([.]0)?"');
      expect(leMatcher(0.25)).toBe('le="0.25"');
      const objects = render({ metricsPreset: ServingMetrics.VLLM, objectives: [{ ...LATENCY, latencyThresholdMillis: 1000 }] });
      expect(record(objects, 'slo:sli_error:ratio_rate5m', 'latency').expr).toContain('vllm:e2e_request_latency_seconds_bucket{namespace="serving",pod=~"fraud-.*",le=~"1([.]0)?"}[5m]');
    });

    it('a histogram in milliseconds, the preset\'s metric names and the window', () => {
      const objects = render({
        windowDays: 30,
        namespace: 'models',
        metrics: { requestsTotal: 'requests_total', latencyHistogram: 'latency_ms', latencyUnitSeconds: false },
        objectives: [AVAILABILITY, LATENCY],
      });
      expect(one(objects, 'PrometheusRule').metadata.namespace).toBe('models');
      expect(record(objects, 'slo:sli_error:ratio_rate5m').expr).toContain('sum(rate(requests_total{namespace="models",pod=~"fraud-.*"}[5m]))');
      expect(record(objects, 'slo:sli_error:ratio_rate5m', 'latency').expr).toContain('latency_ms_bucket{namespace="models",pod=~"fraud-.*",le=~"250([.]0)?"}');
      expect(record(objects, 'slo:sli_error:ratio_rate30d')).toBeDefined();
      expect(record(objects, 'slo:time_period:days').expr).toBe('vector(30)');
    });

    it('reads the endpoint: its name, namespace, preset, owners and PrometheusRule labels', () => {
      const chart = Testing.chart();
      const ep = endpoint(chart, { name: 'chat', namespace: 'llm', metricsPreset: ServingMetrics.VLLM, prometheusRuleLabels: { release: 'kube-prometheus-stack' } });
      const slo = new ServiceLevelObjectives(chart, 'Slo', { endpoint: ep, objectives: [AVAILABILITY] });
      const rule = synthValid(chart).find((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'chat-slo');
      expect(rule.metadata).toMatchObject({ namespace: 'llm', labels: { release: 'kube-prometheus-stack' } });
      const all = rule.spec.groups.flatMap((g: any) => g.rules);
      expect(all[0].expr).toContain('http_requests_total{namespace="llm",pod=~"chat-.*",handler=~"/v1/.*",status="5xx"}');
      expect(all.find((r: any) => r.alert).labels.owner).toBe('serving-oncall');
      expect(slo.alertName('availability')).toBe('ChatAvailabilityErrorBudgetBurn');
    });

    it('an objective added after construction', () => {
      const chart = Testing.chart();
      const slo = new ServiceLevelObjectives(chart, 'Slo', BASE);
      slo.addObjective(LATENCY);
      const groups = one(synthValid(chart), 'PrometheusRule').spec.groups.map((g: any) => g.name);
      expect(groups).toContain('fraud.slo.latency.alerts');
    });
  });

  describe('throws', () => {
    it.each<[string, Partial<ServiceLevelObjectivesProps>, string, RegExp]>([
      ['no objective', { objectives: [] }, 'objectives', /at least one objective/],
      ['an objective below 93.1 %', { objectives: [{ ...AVAILABILITY, objectivePercent: 90 }] }, 'objectives[0].objectivePercent', /could never fire/],
      ['a latency objective without a threshold', { objectives: [{ ...LATENCY, latencyThresholdMillis: undefined }] }, 'objectives[0].latencyThresholdMillis', /must be set/],
      ['a window of 3 days', { windowDays: 3 }, 'windowDays', /7|greater/],
      ['no endpoint name', { endpointName: undefined }, 'endpointName', /must be set when endpoint is not/],
      ['no owner', { alarmOwnership: undefined }, 'alarmOwnership', /must be set when endpoint is not/],
      ['a vLLM latency threshold that is no bucket bound', { metricsPreset: ServingMetrics.VLLM, objectives: [LATENCY] }, 'objectives[0].latencyThresholdMillis', /bucket bound.*300, 500, 800, 1000/],
      ['a latency objective on Triton', { metricsPreset: ServingMetrics.TRITON, objectives: [LATENCY] }, 'objectives[0].latencyThresholdMillis', /not a histogram/],
      ['metric names with a fixed preset', { metricsPreset: ServingMetrics.TRITON, metrics: { requestsTotal: 'x_total' } }, 'metrics.requestsTotal', /metric names are fixed/],
    ])('on %s', (_what, props, property, allowed) => {
      const e = expectValidationError(() => render(props));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.allowed).toMatch(allowed);
    });

    it('on the endpoint\'s own keys given beside it', () => {
      const chart = Testing.chart();
      const ep = endpoint(chart);
      const e = expectValidationError(() => new ServiceLevelObjectives(chart, 'Slo', { endpoint: ep, endpointName: 'other', objectives: [AVAILABILITY] }));
      expect(e.problems.map((p) => p.property)).toEqual(['endpointName']);
    });

    it('at synthesis on an objective added twice', () => {
      const chart = Testing.chart();
      const slo = new ServiceLevelObjectives(chart, 'Slo', BASE);
      slo.addObjective(AVAILABILITY);
      const e = expectValidationError(() => slo.node.validate());
      expect(e.problems).toEqual([expect.objectContaining({ property: 'objectives[1].name', allowed: expect.stringMatching(/unique/) })]);
    });
  });
});

describe('RollbackTrigger.fromSlo on a Kubernetes endpoint (SLOW_REQUESTS)', () => {
  it('judges the canary\'s share of slow requests from the histogram, and alerts on the fleet\'s', () => {
    const chart = Testing.chart();
    const ep = endpoint(chart);
    expect(ep.addRollbackTrigger(RollbackTrigger.fromSlo(LATENCY, 14.4))).toBe('FraudBurnLatency');
    const objects = synthValid(chart);
    const metric = one(objects, 'AnalysisTemplate').spec.metrics.find((m: any) => m.name === 'burn-latency');
    const canary = 'namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*"';
    expect(metric.provider.prometheus.query).toBe(`100 * (1 - sum(rate(http_request_duration_seconds_bucket{${canary},le="0.25"}[120s])) `
      + `/ sum(rate(http_request_duration_seconds_count{${canary}}[120s])))`);
    // 14.4 × the 1 % budget: a canary burning faster than the page's factor fails.
    expect(metric.failureCondition).toMatch(/result\[0\] > 14\.4$/);
    const alert = one(objects, 'PrometheusRule').spec.groups[0].rules.find((r: any) => r.alert === 'FraudBurnLatency');
    expect(alert.expr).toContain('pod=~"fraud-.*-.*",le="0.25"');
    expect(alert.expr).toMatch(/\) > 14\.4$/);
    expect(alert.annotations.summary).toBe('burn-latency: more than 14.4% of requests slower than 250 ms');
  });

  it('an availability objective becomes an error-rate trigger at factor × budget', () => {
    const chart = Testing.chart();
    endpoint(chart).addRollbackTrigger(RollbackTrigger.fromSlo(AVAILABILITY, 14.4));
    const metric = one(synthValid(chart), 'AnalysisTemplate').spec.metrics.find((m: any) => m.name === 'burn-availability');
    expect(metric.provider.prometheus.query).toContain('code=~"5.."');
    expect(metric.failureCondition).toMatch(/result\[0\] > 7\.2$/);
  });

  it('the query is the percentage of slow requests (core)', () => {
    expect(slowRequestsPercentQuery(ServingMetrics.VLLM, 'pod=~"x-.*"', '5m', 800)).toBe('100 * (1 - sum(rate(vllm:e2e_request_latency_seconds_bucket{pod=~"x-.*",le="0.8"}[5m])) '
      + '/ sum(rate(vllm:e2e_request_latency_seconds_count{pod=~"x-.*"}[5m])))');
  });

  it.each<[string, ServingMetrics, number, RegExp]>([
    ['Triton (no request histogram)', ServingMetrics.TRITON, 250, /not a histogram/],
    ['vLLM off its buckets', ServingMetrics.VLLM, 250, /bucket bound/],
  ])('throws at synthesis on %s', (_what, metricsPreset, latencyThresholdMillis, allowed) => {
    const chart = Testing.chart();
    const ep = endpoint(chart, { metricsPreset });
    ep.addRollbackTrigger(RollbackTrigger.fromSlo({ ...LATENCY, latencyThresholdMillis }, 14.4));
    const e = expectValidationError(() => ep.node.validate());
    expect(e.problems).toEqual([expect.objectContaining({ property: 'rollbackTriggers[1].latencyThresholdMillis', allowed: expect.stringMatching(allowed) })]);
  });
});
