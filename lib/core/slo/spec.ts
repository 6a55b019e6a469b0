/**
 * A service-level objective's spec, target-neutral. `aws.ServiceLevelObjectives` renders it as
 * CloudWatch Application Signals SLOs, multi-window multi-burn-rate alarms and a budget dashboard;
 * `k8s.ServiceLevelObjectives` as PrometheusRule recording rules and burn-rate alerts (the shape
 * sloth and pyrra generate). Both take the same spec and the same burn-rate policy (`burn-rate.ts`).
 */

/** What an objective measures: the share of good requests. */
export enum SloIndicator {
  /** Good = answered without a server error (not 5xx). Bad ratio = 5xx / requests. */
  AVAILABILITY = 'AVAILABILITY',
  /**
   * Good = answered within `latencyThresholdMillis` (model latency). Bad ratio = requests slower than
   * the threshold / requests.
   */
  LATENCY = 'LATENCY',
}

/** One objective of a model's (or an endpoint's) service level. */
export interface SloObjective {
  /** Name: lowercase letters, digits and "-", 1–30 characters (alarm, alert and rule names). */
  readonly name: string;
  /** What is measured. */
  readonly indicator: SloIndicator;
  /**
   * The share of good requests promised over the window, percent (99.5 = 0.5 % error budget).
   * At least 93.1: the fastest burn alert (14.4×) must be able to fire (14.4 × budget < 100 %).
   * At most 99.99.
   */
  readonly objectivePercent: number;
  /**
   * The latency a good request stays within, milliseconds (LATENCY only). On Kubernetes it must be
   * one of the model server's histogram bucket bounds (`le`).
   * @default - none: required for LATENCY, refused for AVAILABILITY
   */
  readonly latencyThresholdMillis?: number;
}

/** A model's (or an endpoint's) service level: objectives over one rolling window. */
export interface SloSpec {
  /** The objectives (at least one; names unique). */
  readonly objectives: SloObjective[];
  /**
   * The rolling window the objectives (and their error budgets) are over, days (7–90).
   * @default 28
   */
  readonly windowDays?: number;
  /**
   * When set, every objective also becomes a rollback trigger of the canary: a new fleet burning that
   * objective's budget faster than this factor (its bad ratio above factor × budget) rolls back.
   * `RollbackTrigger.fromSlo` is the same for a single objective.
   * @default - the canary's triggers are the serving spec's own (none derived from the SLO)
   */
  readonly canaryBurnRate?: number;
}
