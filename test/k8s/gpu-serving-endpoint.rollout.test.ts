import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { ANALYSIS_INCONCLUSIVE_LIMIT, ANALYSIS_SCRAPE_INTERVAL_SECONDS } from '../../lib/core/policy';
import { RollbackTrigger } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';
import { warningsOf } from '../../lib/core/warnings';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, ServingRenderer, TrafficRouter } from '../../lib/k8s/gpu-serving-endpoint';
import { basicCanaryPods } from '../../lib/k8s/private/rollout-traffic';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const IMAGE = `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`;

function build(props: Partial<GpuServingEndpointProps> = {}) {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  const ep = new GpuServingEndpoint(chart, 'Fraud', {
    image: IMAGE,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
    alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' },
    ...props,
  });
  return { chart, ep };
}

function render(props: Partial<GpuServingEndpointProps> = {}) {
  const { chart, ep } = build(props);
  return { ep, objects: synthValid(chart).filter((o) => o.metadata?.namespace === 'serving') };
}

const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)![1]);

describe('GpuServingEndpoint rollout analysis (issue 13.5)', () => {
  const triggers = [RollbackTrigger.errorRate({ maxPercent: 1 }), RollbackTrigger.p99Latency({ maxMillis: 300 })];
  const metrics: any[] = one(render({ rollbackTriggers: triggers }).objects, 'AnalysisTemplate').spec.metrics;

  // Failed on the old output: no metric had an initialDelay, so the first measurement ran when the
  // canary had no samples yet (empty → Inconclusive → paused at once, inconclusiveLimit 0).
  it('waits a scrape interval plus the rate window before the first measurement of every metric', () => {
    for (const m of metrics) {
      const window = Number(/\[(\d+)s\]/.exec(m.provider.prometheus.query)![1]);
      expect(seconds(m.initialDelay), m.name).toBeGreaterThanOrEqual(ANALYSIS_SCRAPE_INTERVAL_SECONDS + window);
    }
  });

  it('treats empty and NaN results as no verdict, tolerating ANALYSIS_INCONCLUSIVE_LIMIT of them', () => {
    for (const m of metrics) {
      expect(m.successCondition, m.name).toMatch(/^len\(result\) > 0 && !isNaN\(result\[0\]\) && /);
      expect(m.inconclusiveLimit, m.name).toBe(ANALYSIS_INCONCLUSIVE_LIMIT);
      expect(m.count, m.name).toBeUndefined(); // background: runs until the Rollout finishes
    }
    expect(metrics.find((m) => m.name === 'enough-traffic').failureCondition).toBe('false');
    const errorRate = metrics.find((m) => m.name === 'error-rate');
    expect(errorRate.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] > 1');
    expect(errorRate.failureLimit).toBe(1);
    expect(errorRate.interval).toBe('60s');
  });

  it('starts the background analysis after the first setWeight (canary pods available, taking traffic)', () => {
    const rollout = one(render().objects, 'Rollout');
    expect(rollout.spec.strategy.canary.analysis.startingStep).toBe(1);
    expect(rollout.spec.strategy.canary.steps[0].setWeight).toBeGreaterThan(0);
  });
});

describe('GpuServingEndpoint traffic router (issue 13.6)', () => {
  const staged = RolloutPolicy.staged({ steps: [{ percent: 5 }, { percent: 25 }, { percent: 50 }, { percent: 100 }] });

  it('approximates weights by pods without a router, as Argo does (utils/replicaset/canary.go examples)', () => {
    expect(basicCanaryPods(10, 10, 1)).toEqual({ canary: 1, total: 10 });
    expect(basicCanaryPods(1, 5, 1)).toEqual({ canary: 1, total: 2 });
    expect(basicCanaryPods(1, 95, 1)).toEqual({ canary: 1, total: 2 });
    expect(basicCanaryPods(4, 5, 1)).toEqual({ canary: 1, total: 5 });
    expect(basicCanaryPods(4, 25, 1)).toEqual({ canary: 1, total: 4 });
    expect(basicCanaryPods(3, 50, 1)).toEqual({ canary: 2, total: 4 }); // 2 of 3 and 1 of 3 are tied: Argo surges to 2 of 4
  });

  // Failed on the old output: the warning said 25 % (one pod in four), Argo surges to one in five.
  it('warns with the real share of each approximated step, and names the router', () => {
    const { ep } = build({ replicas: 4, rollout: staged });
    expect(warningsOf(ep)).toEqual([
      {
        constructPath: 'test/Fraud',
        id: 'cdk-mlops:gpu-serving-endpoint:weight-by-replicas',
        message: 'fraud: without a traffic router Argo approximates weights by pods; with 4 replicas setWeight 5% is 1 of 5 pods (20% of traffic). Set trafficRouter (TrafficRouter.NGINX) for exact weights.',
      },
    ]);
  });

  describe('NGINX', () => {
    const { ep, objects } = render({ replicas: 4, rollout: staged, trafficRouter: TrafficRouter.NGINX, ingressHost: 'fraud.models.example.com' });
    const canary = one(objects, 'Rollout').spec.strategy.canary;

    it('routes the Rollout through the stable Ingress with a canary and a stable Service (required by Argo)', () => {
      expect(canary).toMatchObject({ canaryService: 'fraud-canary', stableService: 'fraud', trafficRouting: { nginx: { stableIngress: 'fraud' } } });
      const services = objects.filter((o) => o.kind === 'Service');
      expect(services.map((s) => s.metadata.name).sort()).toEqual(['fraud', 'fraud-canary']);
      expect(services[0].spec.selector).toEqual(services[1].spec.selector);
      expect(services[0].spec.ports).toEqual(services[1].spec.ports);
      expect(ep.canaryService).toBeDefined();
    });

    it('renders the stable Ingress: the host to the stable Service http port, class nginx', () => {
      expect(one(objects, 'Ingress').spec).toEqual({
        ingressClassName: 'nginx',
        rules: [{ host: 'fraud.models.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'fraud', port: { name: 'http' } } } }] } }],
      });
      expect(ep.ingress).toBeDefined();
    });

    it('admits the ingress controller namespace and gives no approximation warning', () => {
      const from = one(objects, 'NetworkPolicy').spec.ingress[0].from.map((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name']);
      expect(from).toContain('ingress-nginx');
      expect(warningsOf(ep)).toEqual([]);
    });
  });

  it('renders no Ingress and no canary Service without a router', () => {
    const { objects } = render({ replicas: 4 });
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(one(objects, 'Rollout').spec.strategy.canary.trafficRouting).toBeUndefined();
  });

  it('refuses Ingress settings without NGINX, and a router with KServe', () => {
    expect(expectValidationError(() => build({ ingressHost: 'fraud.example.com' })).message).toMatch(/ingressHost.*must only be set with trafficRouter NGINX/);
    expect(expectValidationError(() => build({ renderer: ServingRenderer.KSERVE, trafficRouter: TrafficRouter.NGINX })).message).toMatch(/trafficRouter.*KSERVE/);
    expect(expectValidationError(() => build({ trafficRouter: TrafficRouter.NGINX, ingressHost: '10.0.0.1' })).message).toMatch(/ingressHost.*DNS name/);
  });
});
