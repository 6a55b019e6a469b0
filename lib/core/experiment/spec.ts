/**
 * An online experiment's spec, target-neutral: what is compared (control = the serving model,
 * challenger = a candidate), the primary business metric, the guardrails and the statistical design.
 * `aws.Experiment` and `k8s.Experiment` take the same spec; `ExperimentMath.decide` is the one
 * decision both run (in a Lambda on AWS, in the runtime image's container on Kubernetes).
 */

/** What a metric counts per unit of assignment (a user). */
export enum ExperimentMetricKind {
  /** A share: each unit converts (1) or not (0); the statistic is the difference in proportions. */
  PROPORTION = 'PROPORTION',
  /** A mean of a per-unit value (revenue per user); the statistic is the difference in means. */
  MEAN = 'MEAN',
}

/** How the experiment is decided. */
export enum ExperimentTestKind {
  /**
   * Sequential (mSPRT, always-valid p-value): looked at after every analysis, stops as soon as the
   * difference is significant; at the planned horizon without significance the control stays.
   */
  SEQUENTIAL = 'SEQUENTIAL',
  /**
   * Fixed horizon (pre-registered): no decision before the planned runtime, then one two-sided test.
   */
  FIXED_HORIZON = 'FIXED_HORIZON',
}

/** What a guardrail watches on the challenger. */
export enum ExperimentGuardrailKind {
  /** Share of the challenger's requests answered with a 5xx, above `threshold` (a fraction, 0.01 = 1 %). */
  ERROR_RATE = 'ERROR_RATE',
  /** The challenger's p99 model latency above `threshold` milliseconds. */
  LATENCY_P99 = 'LATENCY_P99',
  /**
   * The challenger's mean of the business metric `metric` below the control's by more than
   * `threshold` as a fraction of the control's (0.05 = a 5 % relative drop).
   */
  METRIC_DROP = 'METRIC_DROP',
}

/** The primary metric: a business metric, decided on. */
export interface ExperimentMetric {
  /**
   * The metric's name as the application publishes it per variant (CloudWatch: metric name in
   * `namespace` with the dimension `Variant`; Prometheus: the metric family name with label `variant`).
   */
  readonly name: string;
  /** Proportion or mean. */
  readonly kind: ExperimentMetricKind;
  /** The control's expected value (a proportion in (0, 1), or a mean), for the sample size. */
  readonly baseline: number;
  /**
   * The per-unit standard deviation, for the sample size of a MEAN metric.
   * @default - none: required for MEAN, ignored for PROPORTION (sqrt(p(1-p)))
   */
  readonly standardDeviation?: number;
  /** The smallest absolute difference (challenger − control) worth detecting, greater than 0. */
  readonly minimumDetectableEffect: number;
  /**
   * Whether a higher value is better (conversion, revenue); false for a cost or a churn rate.
   * @default true
   */
  readonly higherIsBetter?: boolean;
}

/** A guardrail: breached, the experiment stops and all traffic goes back to the control. */
export interface ExperimentGuardrail {
  /** Name: letters, digits and "-" (alarm and alert names). */
  readonly name: string;
  /** What is watched. */
  readonly kind: ExperimentGuardrailKind;
  /** The limit (see each kind for its unit). */
  readonly threshold: number;
  /**
   * The business metric a METRIC_DROP guardrail compares (published like the primary metric).
   * @default - none: required for METRIC_DROP, ignored otherwise
   */
  readonly metric?: string;
}

/** The statistical design of an experiment. */
export interface ExperimentDesignOptions {
  /**
   * Significance level (two-sided false-positive rate), in (0, 0.5].
   * @default 0.05
   */
  readonly alpha?: number;
  /**
   * Power: the chance of detecting the minimum detectable effect, in [0.5, 1).
   * @default 0.8
   */
  readonly power?: number;
  /** Units (users) entering the experiment per day, both arms together. */
  readonly expectedDailyUnits: number;
  /**
   * The challenger's share of the experiment's units, percent (1–99).
   * @default 50
   */
  readonly challengerPercent?: number;
  /**
   * The shortest runtime in days whatever the sample size says (full weekly cycles); the planned
   * runtime is the larger of this and the sample size's days, rounded up to whole weeks.
   * @default 14
   */
  readonly minimumDays?: number;
  /**
   * How the experiment is decided.
   * @default ExperimentTestKind.SEQUENTIAL
   */
  readonly test?: ExperimentTestKind;
}

/** An online experiment: control vs challenger on one primary metric, with guardrails. */
export interface ExperimentSpec extends ExperimentDesignOptions {
  /** Experiment name: lowercase letters, digits and "-", 1–40 characters (resource names, the assignment salt). */
  readonly name: string;
  /** The primary (business) metric. */
  readonly primaryMetric: ExperimentMetric;
  /**
   * Guardrails.
   * @default - none (an error rate of 1 % and the serving spec's latency are advised)
   */
  readonly guardrails?: ExperimentGuardrail[];
}

/** A summary of one arm's observations of a metric. */
export interface ArmSummary {
  /** Units observed (users exposed). */
  readonly units: number;
  /** Sum of the per-unit values (conversions for a PROPORTION). */
  readonly sum: number;
  /**
   * Sum of the squared per-unit values (MEAN only; equal to `sum` for 0/1 values).
   * @default - `sum` (0/1 values)
   */
  readonly sumOfSquares?: number;
}

/** What an analysis decides. */
export enum ExperimentDecisionKind {
  /** Keep running. */
  CONTINUE = 'CONTINUE',
  /** A guardrail is breached: stopped, all traffic to the control. */
  STOP_GUARDRAIL = 'STOP_GUARDRAIL',
  /** The challenger is significantly better: it wins. */
  CHALLENGER_WINS = 'CHALLENGER_WINS',
  /** The challenger is significantly worse: the control stays. */
  CONTROL_WINS = 'CONTROL_WINS',
  /** The planned runtime is over without a significant difference: the control stays. */
  NO_DIFFERENCE = 'NO_DIFFERENCE',
}
