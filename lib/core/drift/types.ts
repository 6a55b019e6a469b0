
// The vocabulary of drift: thresholds, column kinds, baselines and results (the types `DriftMath` takes and returns).

/** Version of the baseline JSON document written by `DriftMath.baselineToJson` (the only one read). */
export const DRIFT_BASELINE_VERSION = 1;

/** Default number of quantile bins per numeric column (deciles, the usual choice for PSI). */
export const DEFAULT_DRIFT_BINS = 10;

/** Default number of categories kept per categorical column; rarer ones are merged into `__other__`. */
export const DEFAULT_MAX_CATEGORIES = 50;

/**
 * Name of the bucket holding the categories a baseline does not list: the rare ones merged at
 * baseline time and every category first seen in production. Reserved: a real category may not use it.
 */
export const OTHER_CATEGORY = '__other__';

/**
 * Proportion used in place of an empty bin (0) in PSI and in the categorical chi-squared, where
 * `ln(0)` or a division by 0 would make the index infinite. 1e-4 is one in 10 000 values: below
 * anything a decile binning produces on real data, yet large enough that one empty bin adds at most
 * about `(p - 1e-4) * ln(p / 1e-4)` (0.83 for a 10% bin) instead of infinity. Only proportions that
 * are exactly 0 are replaced; the others are not renormalized.
 */
export const DEFAULT_PSI_EPSILON = 1e-4;

/**
 * PSI thresholds. Source: the rule of thumb quoted in issue #4 ("the thresholds the practice uses"):
 * PSI < 0.1 stable, 0.1–0.2 investigate, > 0.2 act. The credit-scorecard literature it comes from
 * (N. Siddiqi, *Credit Risk Scorecards*, Wiley 2006) puts the upper bound at 0.25; 0.2 is the
 * stricter variant common in model monitoring. Both bounds belong to INVESTIGATE.
 */
export const PSI_INVESTIGATE_THRESHOLD = 0.1;
/** PSI above which a shift is acted on (see `PSI_INVESTIGATE_THRESHOLD` for the source). */
export const PSI_ACT_THRESHOLD = 0.2;

/** Largest `bins` accepted by `buildBaseline` (more bins than this only measures noise). */
export const MAX_DRIFT_BINS = 1000;

/** What a PSI value calls for (`DriftMath.classify`). */
export enum DriftSeverity {
  /** PSI < 0.1: no meaningful shift. */
  STABLE = 'STABLE',
  /** 0.1 <= PSI <= 0.2: a moderate shift, worth a look. */
  INVESTIGATE = 'INVESTIGATE',
  /** PSI > 0.2: a significant shift, act (retrain, roll back, or fix the pipeline). */
  ACT = 'ACT',
}

/** How a column is binned. */
export enum DriftColumnKind {
  /** Numbers, binned by training quantiles. */
  NUMERIC = 'NUMERIC',
  /** Strings, counted per category. */
  CATEGORICAL = 'CATEGORICAL',
}

/** The values of one column: a training column for a baseline, or a production window. */
export interface DriftColumnValues {
  /** Column name (feature name, or the prediction's name). */
  readonly name: string;
  /**
   * Values of a numeric column (finite numbers for a baseline; NaN is rejected everywhere).
   * @default - the column is categorical (set exactly one of the two)
   */
  readonly numericValues?: number[];
  /**
   * Values of a categorical column.
   * @default - the column is numeric (set exactly one of the two)
   */
  readonly categoricalValues?: string[];
}

/** Options of `DriftMath.buildBaseline`. */
export interface BuildBaselineOptions {
  /**
   * Number of quantile bins per numeric column, 2–1000. Fewer bins result where training
   * quantiles coincide (ties): equal edges are merged.
   * @default 10
   */
  readonly bins?: number;
  /**
   * Categories kept per categorical column (the most frequent; ties by name). The others are
   * counted in `__other__`.
   * @default 50
   */
  readonly maxCategories?: number;
  /**
   * The model's predictions on the training rows, binned like a feature.
   * @default - no prediction baseline
   */
  readonly prediction?: DriftColumnValues;
}

/**
 * The baseline of one column. Numeric: bins `(-inf, cutPoints[0])`, `[cutPoints[0], cutPoints[1])`,
 * …, `[cutPoints[last], +inf)` (left-closed, so `counts.length === cutPoints.length + 1`).
 * Categorical: one count per category, `__other__` last.
 */
export interface DriftBaselineColumn {
  /** Column name. */
  readonly name: string;
  /** Numeric or categorical. */
  readonly kind: DriftColumnKind;
  /**
   * Interior bin edges, finite and strictly increasing (numeric columns). The JSON document writes
   * them as `edges` with the open ends as `null`: `[null, ...cutPoints, null]`.
   * @default - none (categorical column)
   */
  readonly cutPoints?: number[];
  /**
   * Categories, most frequent first, `__other__` last (categorical columns).
   * @default - none (numeric column)
   */
  readonly categories?: string[];
  /** Training values per bin or category. */
  readonly counts: number[];
}

/** A drift baseline: what production data is compared with. */
export interface DriftBaseline {
  /** Format version, 1. */
  readonly version: number;
  /** One entry per feature. */
  readonly features: DriftBaselineColumn[];
  /**
   * The predictions' baseline.
   * @default - none
   */
  readonly prediction?: DriftBaselineColumn;
}

/** Options of `DriftMath.driftForColumn`. */
export interface DriftOptions {
  /**
   * Proportion used in place of empty bins, greater than 0 and less than 1.
   * @default 1e-4
   */
  readonly epsilon?: number;
}

/** Result of a chi-squared goodness-of-fit test. */
export interface ChiSquaredResult {
  /** Pearson's statistic, sum of (observed - expected)^2 / expected. */
  readonly statistic: number;
  /** Categories minus one. */
  readonly degreesOfFreedom: number;
  /** Probability of a statistic at least this large when nothing changed (chi-squared survival function). */
  readonly pValue: number;
}

/** Drift of one column over a window. */
export interface ColumnDrift {
  /** Column name. */
  readonly name: string;
  /** Numeric or categorical. */
  readonly kind: DriftColumnKind;
  /** Values in the window. */
  readonly windowCount: number;
  /** Window values per bin or category, in the baseline's order. */
  readonly windowCounts: number[];
  /** Population stability index of the window against the baseline. */
  readonly psi: number;
  /** `classify(psi)`. */
  readonly severity: DriftSeverity;
  /**
   * Chi-squared test of the window's category counts against the baseline's frequencies (empty
   * baseline categories floored to epsilon, then renormalized).
   * @default - none (numeric column)
   */
  readonly chiSquared?: ChiSquaredResult;
}
