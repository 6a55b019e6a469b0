import { GPU_MEMORY_ALARM_PERCENT } from '../../core/policy';
import { AlarmOwnership, ResolvedTrigger, RollbackTriggerKind, ThresholdComparison } from '../../core/rollback';
import {
  ServingMetrics,
  dcgmSeries,
  errorRatePercentQuery,
  gpuMemoryUsedRatioQuery,
  gpuUtilizationSumQuery,
  p99LatencyMillisQuery,
  requestRateQuery,
  slowRequestsPercentQuery,
} from '../../core/serving-metrics';
import { sha256Hex } from '../../core/sha256';
import type { PrometheusServingMetrics } from '../gpu-serving-endpoint';
import { rolloutAnalysisSpec } from './rollout-analysis';

/** What the serving endpoint's Prometheus queries need to know. */
export interface ServingPrometheusContext {
  readonly name: string;
  readonly namespace: string;
  readonly alarmOwnership: AlarmOwnership;
  readonly metrics?: PrometheusServingMetrics;
  /** What the server exports (the queries' metric names). */
  readonly metricsPreset: ServingMetrics;
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
  public triggerAlertNames(triggers: Array<{ readonly name: string; readonly kind: RollbackTriggerKind }>): string[] {
    const base = camel(this.ctx.name);
    // A metric trigger watches the business, not this endpoint: its alert is named (and labelled)
    // without the endpoint, so two endpoints sharing it raise one alert (one page), not two.
    return triggers.map((t) => (t.kind === RollbackTriggerKind.METRIC ? `Business${camel(t.name)}` : `${base}${camel(t.name)}`));
  }

  /** The canary analysis from these queries (its structure: `rolloutAnalysisSpec`). */
  public analysisSpec(triggers: ResolvedTrigger[]): Record<string, unknown> {
    return rolloutAnalysisSpec(
      {
        address: this.ctx.prometheusAddress ?? 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
        requestRate: (window) => this.requestRateQuery(window),
        trigger: (t, window) => this.triggerQuery(t, window),
      },
      triggers,
      this.ctx.minRequestsPerSecond,
    );
  }

  /** One owned alert per rollback trigger (on the whole fleet), then the GPU and pod health alerts. */
  public alertRules(triggers: ResolvedTrigger[]): Array<Record<string, unknown>> {
    const sel = `namespace="${this.ctx.namespace}",pod=~"${this.ctx.name}-.*"`;
    const owner = this.ctx.alarmOwnership;
    const base = camel(this.ctx.name);
    const names = this.triggerAlertNames(triggers);
    const fleet = `${this.ctx.name}-.*`;
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
        const summary = t.kind === RollbackTriggerKind.SLOW_REQUESTS
          ? `${t.name}: more than ${t.threshold}% of requests slower than ${t.latencyThresholdMillis} ms`
          : `${t.name} ${below ? 'below' : 'above'} ${t.threshold}${unit}`;
        const rule = alert(names[i], expr, t.datapointsToAlarm * t.periodSeconds, 'critical', summary, t);
        return t.kind === RollbackTriggerKind.METRIC ? sharedTriggerAlert(rule, t, summary) : rule;
      }),
      alert(
        `${base}GpuMemoryHigh`,
        `${gpuMemoryUsedRatioQuery(this.ctx.namespace, fleet)} > ${GPU_MEMORY_ALARM_PERCENT / 100}`,
        300,
        'warning',
        `GPU memory above ${GPU_MEMORY_ALARM_PERCENT}% (out-of-memory risk)`,
        owner,
      ),
      alert(`${base}GpuXidErrors`, `max by (pod) (${dcgmSeries('DCGM_FI_DEV_XID_ERRORS', this.ctx.namespace, fleet)}) > 0`, 0, 'critical', 'GPU reported an XID error (driver or hardware fault)', owner),
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

  /** Requests per second of the canary (the analysis's traffic guard), in the preset's metrics. */
  public requestRateQuery(window: string): string {
    return requestRateQuery(this.ctx.metricsPreset, this.selector(), window, this.ctx.metrics);
  }

  /** A trigger's value on the canary (`{{args.canary-hash}}`), in the preset's metrics; a metric trigger's own query. */
  public triggerQuery(t: ResolvedTrigger, window: string): string {
    const preset = this.ctx.metricsPreset;
    switch (t.kind) {
      case RollbackTriggerKind.ERROR_RATE:
        return errorRatePercentQuery(preset, this.selector(), window, this.ctx.metrics);
      case RollbackTriggerKind.P99_LATENCY:
        return p99LatencyMillisQuery(preset, this.selector(), window, this.ctx.metrics);
      case RollbackTriggerKind.SLOW_REQUESTS:
        return slowRequestsPercentQuery(preset, this.selector(), window, t.latencyThresholdMillis!, this.ctx.metrics);
      default:
        return t.prometheusQuery!;
    }
  }

  /** Requests per second of the whole fleet (the autoscaler's request-rate metric). */
  public fleetRequestRateQuery(window: string): string {
    return requestRateQuery(this.ctx.metricsPreset, this.selector().replaceAll('{{args.canary-hash}}', '.*'), window, this.ctx.metrics);
  }

  /** GPU utilisation summed over the fleet's pods, percent (the autoscaler's GPU metric). */
  public fleetGpuUtilizationQuery(): string {
    return gpuUtilizationSumQuery(this.ctx.namespace, `${this.ctx.name}-.*`);
  }
}

/**
 * The alert of a metric (business) trigger, the same whichever endpoint renders it: no endpoint
 * label and an endpoint-free description, so the copies two endpoints render carry one label set and
 * Alertmanager, which identifies an alert by its labels, sends one notification. The `trigger_query`
 * label (a hash of the expression) keeps two different queries that share a name apart.
 */
function sharedTriggerAlert(rule: Record<string, any>, t: ResolvedTrigger, summary: string): Record<string, unknown> {
  const { endpoint: _endpoint, ...labels } = rule.labels as Record<string, string>;
  return {
    ...rule,
    labels: { ...labels, trigger: t.name, trigger_query: sha256Hex(String(rule.expr)).slice(0, 12) },
    annotations: { ...rule.annotations, description: `${summary} (rollback trigger ${t.name}: it also aborts the rollout of every endpoint using it)` },
  };
}

/** `fraud-model` → `FraudModel` (alert names). */
function camel(s: string): string {
  return s.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}
