import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { GpuServingEndpoint, PrometheusServingMetrics } from './gpu-serving-endpoint';
import { standardLabels } from './private/labels';
import { SloRulesContext, SloTarget, sloAlertName, sloRuleGroups } from './private/slo-rules';
import { addStateValidation, validateProps } from './private/validate';
import { AlarmOwnership } from '../core/rollback';
import { k8sSloSchema } from '../core/schemas/k8s-slo';
import { sloObjectiveSchema } from '../core/schemas/slo';
import { ServingMetrics } from '../core/serving-metrics';
import { sloWindowDays } from '../core/slo/burn-rate';
import { SloObjective } from '../core/slo/spec';

/** Props of `ServiceLevelObjectives`. */
export interface ServiceLevelObjectivesProps {
  /**
   * The objectives (at least one; names unique; `addObjective` adds more). A LATENCY objective's
   * `latencyThresholdMillis` must be a bucket bound of the server's latency histogram: refused at
   * synthesis for VLLM (its buckets are known) and TRITON (no request histogram); for GENERIC_HTTP
   * the buckets are the server's own, and an alert (`<Endpoint><Objective>SloThresholdNotABucket`)
   * fires when the histogram has no bucket at the threshold.
   */
  readonly objectives: SloObjective[];
  /**
   * The rolling window of the objectives and their error budgets, days (7–90).
   * @default 28
   */
  readonly windowDays?: number;
  /**
   * The endpoint whose requests the objectives judge: its name, namespace, metrics preset and metric
   * names, and the defaults of `alarmOwnership` and `prometheusRuleLabels`. Or give `endpointName`
   * (and `namespace`, `metricsPreset`, `metrics`) instead.
   * @default - the plain form: `endpointName` is required
   */
  readonly endpoint?: GpuServingEndpoint;
  /**
   * Name of the endpoint whose series the objectives judge (its pods are `<endpointName>-…`), when
   * `endpoint` is not given.
   * @default - the endpoint's (required without `endpoint`)
   */
  readonly endpointName?: string;
  /**
   * Namespace of the endpoint's pods, and of the PrometheusRule.
   * @default - the endpoint's; 'serving' without `endpoint`
   */
  readonly namespace?: string;
  /**
   * What the model server exports (the metric names of the bad ratios), without `endpoint`.
   * @default - the endpoint's; ServingMetrics.GENERIC_HTTP without `endpoint`
   */
  readonly metricsPreset?: ServingMetrics;
  /**
   * Metric names of the GENERIC_HTTP preset, and the series selector, without `endpoint`.
   * @default - the endpoint's; see `PrometheusServingMetrics` without `endpoint`
   */
  readonly metrics?: PrometheusServingMetrics;
  /**
   * Owner and runbook of the burn-rate alerts.
   * @default - the endpoint's (required without `endpoint`)
   */
  readonly alarmOwnership?: AlarmOwnership;
  /**
   * Labels on the PrometheusRule so that Prometheus' `ruleSelector` picks it up (e.g. `release: kube-prometheus-stack`).
   * @default - the endpoint's `prometheusRuleLabels`; none without `endpoint`
   */
  readonly prometheusRuleLabels?: Record<string, string>;
}

/**
 * A model endpoint's service-level objectives on Kubernetes: one PrometheusRule in the shape sloth
 * and pyrra generate. Per objective, the bad ratio recorded over every window the alerts read
 * (`slo:sli_error:ratio_rate5m` … `ratio_rate3d`, labels `slo`, `endpoint`, `namespace`,
 * `slo_window`) and over the SLO window; the objective, the budget and the budget remaining
 * (`slo:period_error_budget_remaining:ratio`); and two owned alerts, `<Endpoint><Objective>ErrorBudgetBurn`:
 * a page (`severity: critical`) when the budget burns faster than 14.4× over 1 h and 5 min or 6×
 * over 6 h and 30 min, a ticket (`severity: warning`) at 3× over 1 d and 2 h or 1× over 3 d and 6 h
 * (the SRE workbook's policy, `BURN_RATE_WINDOWS`).
 *
 * AVAILABILITY: bad = server errors (5xx) / requests, from the metrics preset's counters (the same
 * as the ERROR_RATE rollback trigger's). LATENCY: bad = 1 − requests in the histogram bucket at
 * `latencyThresholdMillis` / all requests (the SLOW_REQUESTS trigger's). A window without requests
 * records nothing: silent, not healthy nor failing.
 *
 * The rules render at synthesis, so `addObjective` changes them after construction.
 */
export class ServiceLevelObjectives extends Construct {
  /** The `PrometheusRule` with the recording rules and the burn-rate alerts. */
  public readonly prometheusRule: ApiObject;
  /** Name of the endpoint whose series the objectives judge. */
  public readonly endpointName: string;
  /** Namespace of the endpoint and of the PrometheusRule. */
  public readonly namespace: string;

  private readonly props: ServiceLevelObjectivesProps;
  private readonly target?: SloTarget;
  /** The objectives: the props', then `addObjective`'s. */
  private readonly objectives: SloObjective[];

  constructor(scope: Construct, id: string, props: ServiceLevelObjectivesProps) {
    super(scope, id);
    this.props = props;
    this.target = props.endpoint?._sloTarget();
    this.objectives = [...(props.objectives ?? [])];
    validateProps(this, k8sSloSchema, this.state());
    addStateValidation(this, k8sSloSchema, () => this.state());

    this.endpointName = this.target?.name ?? props.endpointName!;
    this.namespace = this.target?.namespace ?? props.namespace ?? 'serving';
    const labels = standardLabels(this.endpointName, this.endpointName, 'slo');
    this.prometheusRule = new ApiObject(this, 'Rules', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: `${this.endpointName}-slo`,
        namespace: this.namespace,
        labels: { ...labels, ...(props.prometheusRuleLabels ?? this.target?.prometheusRuleLabels ?? {}) },
      },
      spec: Lazy.any({ produce: () => ({ groups: sloRuleGroups(this.context(), this.objectives) }) }),
    });
    this.node.defaultChild = this.prometheusRule;
  }

  /** Add an objective (its name unique among the objectives, checked at synthesis). */
  public addObjective(objective: SloObjective): void {
    validateProps(this, sloObjectiveSchema, objective);
    this.objectives.push({ ...objective });
  }

  /**
   * The name of an objective's burn-rate alert (the page and the ticket share it; `severity` tells
   * them apart: `critical`, `warning`).
   */
  public alertName(objectiveName: string): string {
    return sloAlertName(this.endpointName, objectiveName);
  }

  private context(): SloRulesContext {
    const t = this.target;
    return {
      endpoint: this.endpointName,
      namespace: this.namespace,
      metricsPreset: t?.metricsPreset ?? this.props.metricsPreset ?? ServingMetrics.GENERIC_HTTP,
      metrics: t ? t.metrics : this.props.metrics,
      windowDays: sloWindowDays(this.props),
      alarmOwnership: this.props.alarmOwnership ?? t!.alarmOwnership,
    };
  }

  /** The props as the schema sees them: the endpoint as its SLO target, the objectives with `addObjective`'s. */
  private state(): Record<string, unknown> {
    return { ...this.props, endpoint: this.target, objectives: this.objectives };
  }
}
