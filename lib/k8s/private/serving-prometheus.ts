import { GPU_MEMORY_ALARM_PERCENT } from '../../core/policy';
import { AlarmOwnership, ResolvedTrigger, RollbackTriggerKind, ThresholdComparison } from '../../core/rollback';
import type { PrometheusServingMetrics } from '../gpu-serving-endpoint';

/** What the serving endpoint's Prometheus queries need to know. */
export interface ServingPrometheusContext {
  readonly name: string;
  readonly namespace: string;
  readonly alarmOwnership: AlarmOwnership;
  readonly metrics?: PrometheusServingMetrics;
  readonly prometheusAddress?: string;
  readonly minRequestsPerSecond?: number;
}

/**
 * What Prometheus judges for a `GpuServingEndpoint`: the Argo analysis of the canary and the
 * PrometheusRule alerts of the fleet, from the same queries, so the rollout and the alerts agree.
 */
export class ServingPrometheus {
  constructor(private readonly ctx: ServingPrometheusContext) {}

  /** Names of the trigger alerts, in the triggers' order (`fraud` + `error-rate` → `FraudErrorRate`). */
  public triggerAlertNames(triggerNames: string[]): string[] {
    const base = camel(this.ctx.name);
    return triggerNames.map((t) => `${base}${camel(t)}`);
  }

  /** A traffic guard, then one metric per rollback trigger, each inconclusive on empty results. */
  public analysisSpec(triggers: ResolvedTrigger[]): Record<string, unknown> {
    const interval = (t: ResolvedTrigger) => `${t.periodSeconds}s`;
    const window = (t: ResolvedTrigger) => `${2 * t.periodSeconds}s`;
    const prometheus = { address: this.ctx.prometheusAddress ?? 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
    const first = triggers[0];
    const below = (t: ResolvedTrigger) => t.comparison === ThresholdComparison.LESS_THAN;
    return {
      args: [{ name: 'canary-hash' }],
      metrics: [
        // With too little traffic nothing can be judged: inconclusive pauses the rollout.
        {
          name: 'enough-traffic',
          interval: interval(first),
          successCondition: `len(result) > 0 && result[0] >= ${this.ctx.minRequestsPerSecond ?? 0.5}`,
          failureCondition: 'false',
          inconclusiveLimit: 0,
          provider: { prometheus: { ...prometheus, query: this.requestRateQuery(window(first)) } },
        },
        ...triggers.map((t) => ({
          name: t.name,
          interval: interval(t),
          failureLimit: t.datapointsToAlarm - 1,
          // Guarded: an empty result (or NaN from 0/0) is neither success nor failure, so it is
          // inconclusive, never an index error that aborts (argo-rollouts #1466).
          successCondition: `len(result) > 0 && result[0] ${below(t) ? '>=' : '<='} ${t.threshold}`,
          failureCondition: `len(result) > 0 && result[0] ${below(t) ? '<' : '>'} ${t.threshold}`,
          provider: { prometheus: { ...prometheus, query: this.triggerQuery(t, window(t)) } },
        })),
      ],
    };
  }

  /** One owned alert per rollback trigger (on the whole fleet), then the GPU and pod health alerts. */
  public alertRules(triggers: ResolvedTrigger[]): Array<Record<string, unknown>> {
    const sel = `namespace="${this.ctx.namespace}",pod=~"${this.ctx.name}-.*"`;
    const owner = this.ctx.alarmOwnership;
    const base = camel(this.ctx.name);
    const names = this.triggerAlertNames(triggers.map((t) => t.name));
    const alert = (name: string, expr: string, forSeconds: number, severity: string, summary: string, o: AlarmOwnership) => ({
      alert: name,
      expr,
      for: `${forSeconds}s`,
      labels: { severity, owner: o.owner, endpoint: this.ctx.name },
      annotations: { summary, description: `${summary} (endpoint ${this.ctx.namespace}/${this.ctx.name})`, runbook_url: o.runbookUrl, owner: o.owner },
    });
    return [
      ...triggers.map((t, i) => {
        const below = t.comparison === ThresholdComparison.LESS_THAN;
        const unit = t.kind === RollbackTriggerKind.ERROR_RATE ? '%' : t.kind === RollbackTriggerKind.P99_LATENCY ? ' ms' : '';
        const expr = `(${this.triggerQuery(t, `${2 * t.periodSeconds}s`).replaceAll('{{args.canary-hash}}', '.*')}) ${below ? '<' : '>'} ${t.threshold}`;
        return alert(names[i], expr, t.datapointsToAlarm * t.periodSeconds, 'critical', `${t.name} ${below ? 'below' : 'above'} ${t.threshold}${unit}`, t);
      }),
      alert(
        `${base}GpuMemoryHigh`,
        `max by (pod) (DCGM_FI_DEV_FB_USED{${sel}} / (DCGM_FI_DEV_FB_USED{${sel}} + DCGM_FI_DEV_FB_FREE{${sel}})) > ${GPU_MEMORY_ALARM_PERCENT / 100}`,
        300,
        'warning',
        `GPU memory above ${GPU_MEMORY_ALARM_PERCENT}% (out-of-memory risk)`,
        owner,
      ),
      alert(`${base}GpuXidErrors`, `max by (pod) (DCGM_FI_DEV_XID_ERRORS{${sel}}) > 0`, 0, 'critical', 'GPU reported an XID error (driver or hardware fault)', owner),
      alert(`${base}Restarting`, `increase(kube_pod_container_status_restarts_total{${sel}}[15m]) > 2`, 0, 'warning', 'Model server restarted more than twice in 15 minutes', owner),
      alert(
        `${base}OomKilled`,
        `max by (pod) (kube_pod_container_status_last_terminated_reason{${sel},reason="OOMKilled"}) > 0`,
        0,
        'warning',
        'Model server was OOMKilled (its termination message holds the last log lines)',
        owner,
      ),
    ];
  }

  /**
   * Series of this endpoint. In the analysis, `{{args.canary-hash}}` is the canary's pod template
   * hash (Rollout pods are named `<rollout>-<hash>-<suffix>`), so only the canary is judged; the
   * alerts replace it with `.*` to watch the whole fleet.
   */
  private selector(): string {
    return this.ctx.metrics?.selector ?? `namespace="${this.ctx.namespace}",pod=~"${this.ctx.name}-{{args.canary-hash}}-.*"`;
  }

  private requestRateQuery(window: string): string {
    const requests = this.ctx.metrics?.requestsTotal ?? 'http_requests_total';
    return `sum(rate(${requests}{${this.selector()}}[${window}]))`;
  }

  private triggerQuery(t: ResolvedTrigger, window: string): string {
    const m = this.ctx.metrics ?? {};
    const sel = this.selector();
    const requests = m.requestsTotal ?? 'http_requests_total';
    switch (t.kind) {
      case RollbackTriggerKind.ERROR_RATE:
        // No 5xx series at all means no errors, not no data: `or vector(0)` keeps the ratio defined
        // while the denominator (no traffic) still yields an empty, inconclusive result.
        return `100 * (sum(rate(${requests}{${sel},${m.errorMatcher ?? 'code=~"5.."'}}[${window}])) or vector(0)) / sum(rate(${requests}{${sel}}[${window}]))`;
      case RollbackTriggerKind.P99_LATENCY: {
        const scale = (m.latencyUnitSeconds ?? true) ? '1000 * ' : '';
        return `${scale}histogram_quantile(0.99, sum by (le) (rate(${m.latencyHistogram ?? 'http_request_duration_seconds'}_bucket{${sel}}[${window}])))`;
      }
      default:
        return t.prometheusQuery!;
    }
  }
}

/** `fraud-model` → `FraudModel` (alert names). */
function camel(s: string): string {
  return s.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}
