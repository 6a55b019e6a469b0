import { ArmSummary, ExperimentDecisionKind, ExperimentMetricKind, ExperimentSpec, ExperimentTestKind } from './spec';

// Results and inputs of ExperimentMath (jsii structs: interfaces of readonly props).

/** Defaults of the design (ExperimentDesignOptions). */
export const DEFAULT_EXPERIMENT_ALPHA = 0.05;
export const DEFAULT_EXPERIMENT_POWER = 0.8;
export const DEFAULT_CHALLENGER_PERCENT = 50;
export const DEFAULT_EXPERIMENT_MINIMUM_DAYS = 14;

/** The statistical design of an experiment: sample sizes and the planned runtime. */
export interface ExperimentDesign {
  /** The metric's kind. */
  readonly metricKind: ExperimentMetricKind;
  /** How the experiment is decided. */
  readonly test: ExperimentTestKind;
  /** Significance level (two-sided). */
  readonly alpha: number;
  /** Power at the minimum detectable effect. */
  readonly power: number;
  /** The challenger's share of the units, a fraction in (0, 1). */
  readonly challengerFraction: number;
  /**
   * Units the control needs (whole units). For SEQUENTIAL, the mSPRT's sample (see
   * `ExperimentMath.sequentialSampleSize`); for FIXED_HORIZON, the fixed-horizon z-test's.
   */
  readonly sampleSizeControl: number;
  /** Units the challenger needs (whole units), like `sampleSizeControl`. */
  readonly sampleSizeChallenger: number;
  /** `sampleSizeControl + sampleSizeChallenger`. */
  readonly sampleSizeTotal: number;
  /**
   * Units both arms together need for the fixed-horizon two-sided z-test (statsmodels' formulas),
   * whatever the test: the price of sequential monitoring is `sampleSizeTotal / fixedHorizonSampleSizeTotal`.
   */
  readonly fixedHorizonSampleSizeTotal: number;
  /** Days of the expected traffic the sample needs (whole days, at least 1). */
  readonly daysForSampleSize: number;
  /** The planned runtime in days: the larger of `daysForSampleSize` and the minimum days, rounded up to whole weeks. */
  readonly plannedDays: number;
  /** The minimum days the design used. */
  readonly minimumDays: number;
  /** The expected units per day, both arms together. */
  readonly expectedDailyUnits: number;
  /**
   * The mSPRT's mixing variance τ² (the square of the minimum detectable effect), used by SEQUENTIAL.
   */
  readonly mixingVariance: number;
}

/** The result of a two-arm comparison (challenger − control). */
export interface ExperimentTestResult {
  /** challenger − control (difference in proportions or in means). */
  readonly estimate: number;
  /** The estimate's variance (p̂(1−p̂)/n per arm for proportions; s²/n per arm for means). */
  readonly variance: number;
  /** The p-value (two-sided; for the sequential test, always valid at this look). */
  readonly pValue: number;
  /** Lower bound of the confidence interval (sequence) at 1 − alpha. */
  readonly lower: number;
  /** Upper bound of the confidence interval (sequence) at 1 − alpha. */
  readonly upper: number;
  /**
   * Whether a test was made: false when an arm has fewer than 2 units or the variance is 0 (then
   * pValue is 1 and the bounds equal the estimate).
   */
  readonly tested: boolean;
}

/** What `ExperimentMath.decide` is given. */
export interface ExperimentDecisionInput {
  /** The experiment's spec. */
  readonly spec: ExperimentSpec;
  /** The control's observations of the primary metric, cumulative since the start. */
  readonly control: ArmSummary;
  /** The challenger's observations of the primary metric, cumulative since the start. */
  readonly challenger: ArmSummary;
  /** Days since the experiment started (fractions allowed). */
  readonly daysElapsed: number;
  /**
   * Names of the guardrails breached now.
   * @default - none
   */
  readonly breachedGuardrails?: string[];
  /**
   * The always-valid p-value the previous analysis reported (SEQUENTIAL: the running minimum
   * carries on from it).
   * @default - 1 (the first analysis)
   */
  readonly previousPValue?: number;
}

/** What an analysis decides, with the statistics it decided on. */
export interface ExperimentDecision {
  /** The decision. */
  readonly kind: ExperimentDecisionKind;
  /** The test that decided. */
  readonly test: ExperimentTestKind;
  /**
   * The p-value: SEQUENTIAL, the always-valid p-value (the running minimum over the analyses, to
   * be passed back as `previousPValue`); FIXED_HORIZON, the two-sided z-test's p-value (reported
   * at every analysis, judged only from `plannedDays` on).
   */
  readonly pValue: number;
  /** challenger − control of the primary metric. */
  readonly estimate: number;
  /** Lower bound at 1 − alpha (confidence sequence for SEQUENTIAL, interval for FIXED_HORIZON). */
  readonly lower: number;
  /** Upper bound at 1 − alpha. */
  readonly upper: number;
  /** The estimate relative to the control's mean (0 when the control's mean is 0). */
  readonly relativeEstimate: number;
  /** The control's mean of the primary metric. */
  readonly controlMean: number;
  /** The challenger's mean of the primary metric. */
  readonly challengerMean: number;
  /** The significance level used. */
  readonly alpha: number;
  /** The planned runtime in days (see `ExperimentDesign.plannedDays`). */
  readonly plannedDays: number;
  /** Days since the start, as given. */
  readonly daysElapsed: number;
  /** Whether a test could be made (see `ExperimentTestResult.tested`). */
  readonly tested: boolean;
  /** The breached guardrails (empty unless STOP_GUARDRAIL). */
  readonly breachedGuardrails: string[];
  /** One sentence saying why, for logs and the runbook. */
  readonly reason: string;
}
