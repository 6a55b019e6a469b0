import { z } from 'zod';
import { ValidationProblem } from './errors';
import { collectProblems, renderValue, throwIfAny } from './validation';

// Drift math: baselines, PSI, two-sample Kolmogorov–Smirnov, chi-squared. Pure and dependency-free
// (zod only, for the baseline document). Checked against numpy/scipy by test/core/drift.test.ts with
// the fixtures that scripts/drift-reference.py writes.

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

/**
 * Drift statistics. All methods are pure and throw `MlopsValidationError` for bad input, with the
 * method as the construct path (`DriftMath.psi`).
 *
 * Numeric baselines use quantile bin edges computed like numpy's `np.quantile(x, q)` with its
 * default `method='linear'` (Hyndman–Fan type 7) at `q = k / bins`, `k = 1 … bins - 1`; equal edges
 * are merged. TypeScript callers with large windows can use `binCountsOf`, `psiFromCounts`,
 * `ksStatisticOf` and `numericDriftOf` from this module, which take typed arrays.
 */
export class DriftMath {
  /**
   * Build a baseline from training columns (and optionally the predictions on the same rows).
   */
  public static buildBaseline(features: DriftColumnValues[], options: BuildBaselineOptions = {}): DriftBaseline {
    const path = 'DriftMath.buildBaseline';
    throwIfAny(collectProblems(path, buildOptionsSchema, { bins: options.bins, maxCategories: options.maxCategories }));
    const problems: ValidationProblem[] = [];
    if (!Array.isArray(features) || features.length === 0) {
      problems.push(problem(path, 'features', features, 'must list at least one column'));
      throwIfAny(problems);
    }
    const bins = options.bins ?? DEFAULT_DRIFT_BINS;
    const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
    const seen = new Set<string>();
    features.forEach((c, i) => {
      checkColumnValues(path, `features[${i}]`, c, true, problems);
      if (typeof c?.name === 'string') {
        if (seen.has(c.name)) {
          problems.push(problem(path, `features[${i}].name`, c.name, 'must be unique among the features'));
        }
        seen.add(c.name);
      }
    });
    if (options.prediction !== undefined) {
      checkColumnValues(path, 'prediction', options.prediction, true, problems);
    }
    throwIfAny(problems);
    const build = (c: DriftColumnValues): DriftBaselineColumn => (c.numericValues !== undefined
      ? numericBaseline(c.name, c.numericValues, bins)
      : categoricalBaseline(c.name, c.categoricalValues!, maxCategories));
    return {
      version: DRIFT_BASELINE_VERSION,
      features: features.map(build),
      ...(options.prediction !== undefined ? { prediction: build(options.prediction) } : {}),
    };
  }

  /**
   * The baseline as its JSON document (version 1): numeric columns carry `edges`
   * (`[null, ...cutPoints, null]`, null standing for -Infinity and +Infinity) and `counts`;
   * categorical columns carry `categories` and `counts`.
   */
  public static baselineToJson(baseline: DriftBaseline): string {
    const path = 'DriftMath.baselineToJson';
    const doc = toDocument(baseline);
    // Checked like a document being read, so a hand-made baseline cannot be written in a form no one reads.
    throwIfAny(documentProblems(path, doc).map((p) => inMemoryProblem(p, '')));
    return JSON.stringify(doc, undefined, 2) + '\n';
  }

  /**
   * Read a baseline JSON document, rejecting unknown versions and inconsistent columns.
   */
  public static parseBaseline(json: string): DriftBaseline {
    const path = 'DriftMath.parseBaseline';
    let doc: unknown;
    try {
      doc = JSON.parse(json);
    } catch (e) {
      throwIfAny([problem(path, '', json, `must be a JSON document (${(e as Error).message})`)]);
    }
    throwIfAny(documentProblems(path, doc));
    const d = doc as BaselineDocument;
    return {
      version: d.version,
      features: d.features.map(fromDocumentColumn),
      ...(d.prediction !== undefined ? { prediction: fromDocumentColumn(d.prediction) } : {}),
    };
  }

  /**
   * Population stability index of two distributions given as bin proportions (each summing to 1):
   * `sum((a - e) * ln(a / e))`, where a proportion of exactly 0 is replaced by `epsilon`.
   *
   * @param expected baseline proportions
   * @param actual window proportions, same bins
   * @param epsilon stand-in for empty bins, in (0, 1); default 1e-4 (`DEFAULT_PSI_EPSILON`)
   */
  public static psi(expected: number[], actual: number[], epsilon?: number): number {
    const path = 'DriftMath.psi';
    const problems: ValidationProblem[] = [];
    checkEpsilon(path, epsilon, problems);
    checkProportions(path, 'expected', expected, problems);
    checkProportions(path, 'actual', actual, problems);
    checkSameLength(path, 'actual', expected, actual, problems);
    throwIfAny(problems);
    return psiOfProportions(expected, actual, epsilon ?? DEFAULT_PSI_EPSILON);
  }

  /**
   * Two-sample Kolmogorov–Smirnov statistic D: the largest distance between the two empirical
   * distribution functions (exact; as `scipy.stats.ks_2samp(a, b).statistic`).
   */
  public static ksStatistic(sampleA: number[], sampleB: number[]): number {
    return ksStatisticOf(sampleA, sampleB, 'DriftMath.ksStatistic');
  }

  /**
   * Pearson's chi-squared goodness-of-fit test of observed counts against expected frequencies.
   * The frequencies may be proportions or counts: they are scaled to the observed total (as
   * `scipy.stats.chisquare(observed, expected / sum(expected) * sum(observed))`). The p-value is
   * the chi-squared survival function, `Q(dof / 2, statistic / 2)` (`chiSquaredSurvival`).
   *
   * @param expectedFrequencies positive frequency per category
   * @param observedCounts count per category (non-negative, at least one above 0), at least 2 categories
   */
  public static chiSquared(expectedFrequencies: number[], observedCounts: number[]): ChiSquaredResult {
    const path = 'DriftMath.chiSquared';
    const problems: ValidationProblem[] = [];
    checkNumbers(path, 'expectedFrequencies', expectedFrequencies, problems, { positive: true, minLength: 2 });
    checkNumbers(path, 'observedCounts', observedCounts, problems, { nonNegative: true, minLength: 2, positiveSum: true });
    checkSameLength(path, 'observedCounts', expectedFrequencies, observedCounts, problems);
    throwIfAny(problems);
    return chiSquaredOf(expectedFrequencies, observedCounts);
  }

  /**
   * Survival function of the chi-squared distribution, `P(X >= x)` for `dof` degrees of freedom:
   * the regularized upper incomplete gamma function `Q(dof / 2, x / 2)`, by its power series
   * (`x < a + 1`, as `1 - P`) or its continued fraction (modified Lentz), to about 1e-15 relative.
   */
  public static chiSquaredSurvival(x: number, degreesOfFreedom: number): number {
    const path = 'DriftMath.chiSquaredSurvival';
    const problems: ValidationProblem[] = [];
    if (typeof x !== 'number' || !(x >= 0) || x === Infinity) {
      problems.push(problem(path, 'x', x, 'must be a finite number >= 0'));
    }
    if (typeof degreesOfFreedom !== 'number' || !(degreesOfFreedom > 0) || degreesOfFreedom === Infinity) {
      problems.push(problem(path, 'degreesOfFreedom', degreesOfFreedom, 'must be a finite number greater than 0'));
    }
    throwIfAny(problems);
    return regularizedUpperGamma(degreesOfFreedom / 2, x / 2);
  }

  /**
   * Count values per bin in one pass (binary search over the edges). Bins are left-closed:
   * `(-inf, cutPoints[0])`, `[cutPoints[0], cutPoints[1])`, …, `[cutPoints[last], +inf)`, so
   * ±Infinity land in the open ends; NaN is rejected.
   *
   * @param values the values
   * @param cutPoints interior edges, finite and strictly increasing (may be empty: one bin)
   * @returns `cutPoints.length + 1` counts
   */
  public static binCounts(values: number[], cutPoints: number[]): number[] {
    return Array.from(binCountsOf(values, cutPoints, 'DriftMath.binCounts'));
  }

  /**
   * PSI (and, for categorical columns, chi-squared) of a window against a baseline column.
   * The window must name the same column and have values of the same kind.
   */
  public static driftForColumn(column: DriftBaselineColumn, window: DriftColumnValues, options: DriftOptions = {}): ColumnDrift {
    const path = 'DriftMath.driftForColumn';
    const problems: ValidationProblem[] = [];
    checkEpsilon(path, options.epsilon, problems);
    problems.push(...columnProblems(path, 'column', column));
    checkColumnValues(path, 'window', window, false, problems);
    throwIfAny(problems);
    if (window.name !== column.name) {
      problems.push(problem(path, 'window.name', window.name, `must be the baseline column's name, ${JSON.stringify(column.name)}`));
    }
    const numeric = column.kind === DriftColumnKind.NUMERIC;
    if (numeric !== (window.numericValues !== undefined)) {
      const given = numeric ? window.categoricalValues! : window.numericValues!;
      // A window can be millions long: render its start only (renderValue cuts it to 120 characters).
      problems.push(problem(path, numeric ? 'window.categoricalValues' : 'window.numericValues', given.slice(0, 64),
        `must not be set: column ${JSON.stringify(column.name)} is ${numeric ? 'numeric (set numericValues)' : 'categorical (set categoricalValues)'}`));
    }
    throwIfAny(problems);
    const epsilon = options.epsilon ?? DEFAULT_PSI_EPSILON;
    return numeric ? numericDriftOf(column, window.numericValues!, epsilon, path) : categoricalDrift(column, window.categoricalValues!, epsilon);
  }

  /**
   * What a PSI value calls for: STABLE below 0.1, INVESTIGATE from 0.1 to 0.2 (both included),
   * ACT above 0.2 (`PSI_INVESTIGATE_THRESHOLD`, `PSI_ACT_THRESHOLD`).
   */
  public static classify(psi: number): DriftSeverity {
    if (typeof psi !== 'number' || !(psi >= 0) || psi === Infinity) {
      throwIfAny([problem('DriftMath.classify', 'psi', psi, 'must be a finite number >= 0')]);
    }
    if (psi < PSI_INVESTIGATE_THRESHOLD) {
      return DriftSeverity.STABLE;
    }
    return psi <= PSI_ACT_THRESHOLD ? DriftSeverity.INVESTIGATE : DriftSeverity.ACT;
  }

  private constructor() {}
}

// ---------------------------------------------------------------------------------------------
// TypeScript-only entry points (typed arrays). jsii does not see free functions.

/**
 * `DriftMath.binCounts` on any array-like (a `Float64Array` for large windows): one pass, a binary
 * search per value, counts in a `Float64Array` of `cutPoints.length + 1`.
 */
export function binCountsOf(
  values: ArrayLike<number>,
  cutPoints: ArrayLike<number>,
  constructPath = 'DriftMath.binCounts',
): Float64Array {
  const problems: ValidationProblem[] = [];
  checkCutPoints(constructPath, 'cutPoints', cutPoints, problems);
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    problems.push(problem(constructPath, 'values', values, 'must be an array of numbers'));
  }
  throwIfAny(problems);
  const edges = Float64Array.from(cutPoints);
  const counts = new Float64Array(edges.length + 1);
  const nanAt = countInto(values, edges, counts);
  if (nanAt >= 0) {
    throwIfAny([problem(constructPath, `values[${nanAt}]`, values[nanAt], 'must be a number (NaN is not binnable)')]);
  }
  return counts;
}

/**
 * The hot loop of `binCountsOf`, kept small and free of throws so that V8 optimizes it well.
 * Returns the index of the first NaN (counting stops there), or -1.
 */
function countInto(values: ArrayLike<number>, edges: Float64Array, counts: Float64Array): number {
  const m = edges.length;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      // NaN would fall silently into the first bin (every comparison with it is false).
      return i;
    }
    // Upper bound: the number of edges <= v is the bin's index (left-closed bins).
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      // eslint-disable-next-line no-bitwise -- integer midpoint, the hot loop of every window
      const mid = (lo + hi) >>> 1;
      if (edges[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    counts[lo]++;
  }
  return -1;
}

/**
 * PSI of two count vectors over the same bins (each divided by its total first). Empty bins use
 * `epsilon`. Counts must be non-negative with a positive total.
 */
export function psiFromCounts(
  expectedCounts: ArrayLike<number>,
  actualCounts: ArrayLike<number>,
  epsilon: number = DEFAULT_PSI_EPSILON,
  constructPath = 'psiFromCounts',
): number {
  const problems: ValidationProblem[] = [];
  checkEpsilon(constructPath, epsilon, problems);
  checkNumbers(constructPath, 'expectedCounts', expectedCounts, problems, { nonNegative: true, positiveSum: true });
  checkNumbers(constructPath, 'actualCounts', actualCounts, problems, { nonNegative: true, positiveSum: true });
  checkSameLength(constructPath, 'actualCounts', expectedCounts, actualCounts, problems);
  throwIfAny(problems);
  return psiOfProportions(proportions(expectedCounts), proportions(actualCounts), epsilon);
}

/** `DriftMath.ksStatistic` on any array-like: sorts copies as `Float64Array`s, then one merge pass. */
export function ksStatisticOf(sampleA: ArrayLike<number>, sampleB: ArrayLike<number>, constructPath = 'DriftMath.ksStatistic'): number {
  const problems: ValidationProblem[] = [];
  checkNumbers(constructPath, 'sampleA', sampleA, problems, { minLength: 1 });
  checkNumbers(constructPath, 'sampleB', sampleB, problems, { minLength: 1 });
  throwIfAny(problems);
  const a = Float64Array.from(sampleA).sort();
  const b = Float64Array.from(sampleB).sort();
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // Walk the merged order; at each distinct value both empirical CDFs have taken in every tie.
  // Once one sample is exhausted its CDF is 1 and the gap only shrinks, so the walk can stop.
  while (i < n1 && j < n2) {
    const x = a[i] <= b[j] ? a[i] : b[j];
    while (i < n1 && a[i] <= x) i++;
    while (j < n2 && b[j] <= x) j++;
    const gap = Math.abs(i / n1 - j / n2);
    if (gap > d) d = gap;
  }
  return d;
}

/**
 * PSI of a numeric window given as any array-like (a `Float64Array` for large windows) against a
 * numeric baseline column.
 */
export function numericDriftOf(
  column: DriftBaselineColumn,
  values: ArrayLike<number>,
  epsilon: number = DEFAULT_PSI_EPSILON,
  constructPath = 'numericDriftOf',
): ColumnDrift {
  const problems = columnProblems(constructPath, 'column', column);
  if (problems.length === 0 && column.kind !== DriftColumnKind.NUMERIC) {
    problems.push(problem(constructPath, 'column.kind', column.kind, `must be ${JSON.stringify(DriftColumnKind.NUMERIC)}`));
  }
  throwIfAny(problems);
  if (values.length === 0) {
    throwIfAny([problem(constructPath, 'window.numericValues', [], 'must have at least one value (publish "no data" for an empty window)')]);
  }
  const counts = binCountsOf(values, column.cutPoints ?? [], constructPath);
  const psi = psiOfProportions(proportions(column.counts), proportions(counts), epsilon);
  return {
    name: column.name,
    kind: DriftColumnKind.NUMERIC,
    windowCount: values.length,
    windowCounts: Array.from(counts),
    psi,
    severity: DriftMath.classify(psi),
  };
}

/**
 * Quantile cut points of sorted finite values: `np.unique(np.quantile(x, k / bins))` for
 * `k = 1 … bins - 1`, numpy's default `method='linear'` (Hyndman–Fan type 7): the value at virtual
 * index `h = (n - 1) q`, interpolated between `x[floor(h)]` and the next with numpy's `_lerp`
 * (`a + (b - a) g`, or `b - (b - a)(1 - g)` when `g >= 0.5`), so the edges match numpy bit for bit.
 */
export function quantileCutPoints(sorted: ArrayLike<number>, bins: number): number[] {
  const n = sorted.length;
  const out: number[] = [];
  for (let k = 1; k < bins; k++) {
    const h = (n - 1) * (k / bins);
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    const g = h - lo;
    const a = sorted[lo];
    const b = sorted[hi];
    const diff = b - a;
    const q = g >= 0.5 ? b - diff * (1 - g) : a + diff * g;
    if (out.length === 0 || q > out[out.length - 1]) {
      out.push(q);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Internals

function problem(constructPath: string, property: string, value: unknown, allowed: string): ValidationProblem {
  // JSON renders NaN and ±Infinity as null: name them.
  const received = typeof value === 'number' && !Number.isFinite(value) ? String(value) : renderValue(value);
  return { constructPath, property, received, allowed };
}

function psiOfProportions(expected: ArrayLike<number>, actual: ArrayLike<number>, epsilon: number): number {
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] === 0 ? epsilon : expected[i];
    const a = actual[i] === 0 ? epsilon : actual[i];
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

function proportions(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / total;
  return out;
}

function chiSquaredOf(expectedFrequencies: ArrayLike<number>, observedCounts: ArrayLike<number>): ChiSquaredResult {
  let totalExpected = 0;
  let totalObserved = 0;
  for (let i = 0; i < expectedFrequencies.length; i++) {
    totalExpected += expectedFrequencies[i];
    totalObserved += observedCounts[i];
  }
  let statistic = 0;
  for (let i = 0; i < expectedFrequencies.length; i++) {
    const e = (expectedFrequencies[i] / totalExpected) * totalObserved;
    const diff = observedCounts[i] - e;
    statistic += (diff * diff) / e;
  }
  const degreesOfFreedom = expectedFrequencies.length - 1;
  return { statistic, degreesOfFreedom, pValue: regularizedUpperGamma(degreesOfFreedom / 2, statistic / 2) };
}

function numericBaseline(name: string, values: number[], bins: number): DriftBaselineColumn {
  const sorted = Float64Array.from(values).sort();
  const cutPoints = quantileCutPoints(sorted, bins);
  return { name, kind: DriftColumnKind.NUMERIC, cutPoints, counts: Array.from(binCountsOf(sorted, cutPoints)) };
}

function categoricalBaseline(name: string, values: string[], maxCategories: number): DriftBaselineColumn {
  const tally = new Map<string, number>();
  for (const v of values) {
    tally.set(v, (tally.get(v) ?? 0) + 1);
  }
  const ranked = [...tally.entries()].sort((x, y) => (y[1] - x[1]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const kept = ranked.slice(0, maxCategories);
  const other = ranked.slice(maxCategories).reduce((s, [, c]) => s + c, 0);
  return {
    name,
    kind: DriftColumnKind.CATEGORICAL,
    categories: [...kept.map(([c]) => c), OTHER_CATEGORY],
    counts: [...kept.map(([, c]) => c), other],
  };
}

function categoricalDrift(column: DriftBaselineColumn, values: string[], epsilon: number): ColumnDrift {
  const categories = column.categories!;
  const index = new Map<string, number>(categories.map((c, i) => [c, i]));
  const otherIndex = categories.length - 1;
  const counts = new Float64Array(categories.length);
  for (const v of values) {
    counts[index.get(v) ?? otherIndex]++;
  }
  const expected = proportions(column.counts);
  const psi = psiOfProportions(expected, proportions(counts), epsilon);
  // Chi-squared needs every expected frequency above 0: empty baseline categories (an unused
  // `__other__`) get the same epsilon as in PSI, and the frequencies are scaled to the window.
  const floored = expected.map((p) => (p === 0 ? epsilon : p));
  return {
    name: column.name,
    kind: DriftColumnKind.CATEGORICAL,
    windowCount: values.length,
    windowCounts: Array.from(counts),
    psi,
    severity: DriftMath.classify(psi),
    chiSquared: chiSquaredOf(floored, counts),
  };
}

// --- regularized incomplete gamma ------------------------------------------------------------

const GAMMA_EPS = 1e-16;
const GAMMA_TINY = 1e-300;
const GAMMA_MAX_ITERATIONS = 100_000;

// Lanczos approximation of ln Γ (Numerical Recipes, 3rd ed., §6.1, g = 671/128, 14 terms):
// relative error below 1e-15 for x > 0.
const LANCZOS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
  0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3,
  -0.210264441724104883e-3, 0.217439618115212643e-3, -0.164318106536763890e-3, 0.844182239838527433e-4,
  -0.261908384015814087e-4, 0.368991826595316234e-5,
];

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  let y = x;
  let tmp = x + 5.24218750000000000;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.999999999999997092;
  for (const c of LANCZOS) {
    ser += c / ++y;
  }
  return tmp + Math.log((2.5066282746310005 * ser) / x);
}

/**
 * Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function, a > 0, x >= 0.
 * Series for P(a, x) when x < a + 1 (then Q = 1 - P, which is not small there), otherwise the
 * continued fraction for Q by the modified Lentz method (Numerical Recipes §6.2).
 */
export function regularizedUpperGamma(a: number, x: number): number {
  if (x === 0) {
    return 1;
  }
  const logPrefactor = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let ap = a;
    let term = 1 / a;
    let sum = term;
    for (let i = 0; i < GAMMA_MAX_ITERATIONS; i++) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * GAMMA_EPS) break;
    }
    return 1 - sum * Math.exp(logPrefactor);
  }
  let b = x + 1 - a;
  let c = 1 / GAMMA_TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < GAMMA_TINY) d = GAMMA_TINY;
    c = b + an / c;
    if (Math.abs(c) < GAMMA_TINY) c = GAMMA_TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < GAMMA_EPS) break;
  }
  return Math.exp(logPrefactor) * h;
}

// --- input checks ----------------------------------------------------------------------------

interface NumberRules {
  readonly minLength?: number;
  readonly nonNegative?: boolean;
  readonly positive?: boolean;
  readonly positiveSum?: boolean;
}

/** Checks an array of numbers; reports the first bad element only (windows can be millions long). */
function checkNumbers(path: string, property: string, values: ArrayLike<number>, problems: ValidationProblem[], rules: NumberRules): boolean {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    problems.push(problem(path, property, values, 'must be an array of numbers'));
    return false;
  }
  const minLength = rules.minLength ?? 1;
  if (values.length < minLength) {
    problems.push(problem(path, property, Array.from(values), minLength === 1 ? 'must not be empty' : `must have at least ${minLength} items`));
    return false;
  }
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let allowed: string | undefined;
    if (typeof v !== 'number' || v !== v) {
      allowed = 'must be a number';
    } else if ((rules.nonNegative || rules.positive) && !Number.isFinite(v)) {
      allowed = 'must be finite';
    } else if (rules.positive && !(v > 0)) {
      allowed = 'must be greater than 0';
    } else if (rules.nonNegative && v < 0) {
      allowed = 'must be >= 0 (a count or proportion cannot be negative)';
    }
    if (allowed !== undefined) {
      problems.push(problem(path, `${property}[${i}]`, v, allowed));
      return false;
    }
    sum += v;
  }
  if (rules.positiveSum && !(sum > 0)) {
    problems.push(problem(path, property, Array.from(values), 'must have a total above 0'));
    return false;
  }
  return true;
}

/** Proportions sum to 1 within this (a sum of divided counts is off by a few ulps; counts are way off). */
const PROPORTION_SUM_TOLERANCE = 1e-6;

function checkProportions(path: string, property: string, values: number[], problems: ValidationProblem[]): void {
  if (!checkNumbers(path, property, values, problems, { nonNegative: true })) {
    return;
  }
  const sum = values.reduce((s, v) => s + v, 0);
  if (Math.abs(sum - 1) > PROPORTION_SUM_TOLERANCE) {
    problems.push(problem(path, property, values, `must be proportions summing to 1 (divide counts by their total); the sum is ${sum}`));
  }
}

function checkSameLength(path: string, property: string, a: ArrayLike<number>, b: ArrayLike<number>, problems: ValidationProblem[]): void {
  if (a && b && typeof a.length === 'number' && typeof b.length === 'number' && a.length !== b.length) {
    problems.push({ constructPath: path, property, received: `${b.length} items`, allowed: `must have as many items as the first argument (${a.length})` });
  }
}

function checkEpsilon(path: string, epsilon: number | undefined, problems: ValidationProblem[]): void {
  if (epsilon !== undefined && (typeof epsilon !== 'number' || !(epsilon > 0 && epsilon < 1))) {
    problems.push(problem(path, 'epsilon', epsilon, 'must be greater than 0 and less than 1'));
  }
}

function checkCutPoints(path: string, property: string, cutPoints: ArrayLike<number>, problems: ValidationProblem[]): void {
  if (cutPoints === null || typeof cutPoints !== 'object' || typeof cutPoints.length !== 'number') {
    problems.push(problem(path, property, cutPoints, 'must be an array of numbers'));
    return;
  }
  for (let i = 0; i < cutPoints.length; i++) {
    const v = cutPoints[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(problem(path, `${property}[${i}]`, v, 'must be a finite number (the open ends are implicit)'));
      return;
    }
    if (i > 0 && !(v > cutPoints[i - 1])) {
      problems.push(problem(path, `${property}[${i}]`, v, `must be greater than the previous edge (${cutPoints[i - 1]}): edges are strictly increasing`));
      return;
    }
  }
}

function checkColumnValues(path: string, property: string, column: DriftColumnValues, forBaseline: boolean, problems: ValidationProblem[]): void {
  if (column === null || typeof column !== 'object') {
    problems.push(problem(path, property, column, 'must be a column ({ name, numericValues | categoricalValues })'));
    return;
  }
  if (typeof column.name !== 'string' || column.name === '') {
    problems.push(problem(path, `${property}.name`, column.name, 'must be a non-empty string'));
  }
  const hasNumeric = column.numericValues !== undefined;
  const hasCategorical = column.categoricalValues !== undefined;
  if (hasNumeric === hasCategorical) {
    problems.push(problem(path, property, { name: column.name }, 'must set exactly one of numericValues and categoricalValues'));
    return;
  }
  if (hasNumeric) {
    const values = column.numericValues!;
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(problem(path, `${property}.numericValues`, values, 'must have at least one value'));
      return;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || v !== v || (forBaseline && !Number.isFinite(v))) {
        problems.push(problem(path, `${property}.numericValues[${i}]`, v, forBaseline ? 'must be a finite number' : 'must be a number (not NaN)'));
        return;
      }
    }
  } else {
    const values = column.categoricalValues!;
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(problem(path, `${property}.categoricalValues`, values, 'must have at least one value'));
      return;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'string') {
        problems.push(problem(path, `${property}.categoricalValues[${i}]`, v, 'must be a string'));
        return;
      }
      if (forBaseline && v === OTHER_CATEGORY) {
        problems.push(problem(path, `${property}.categoricalValues[${i}]`, v, `must not be ${JSON.stringify(OTHER_CATEGORY)} (reserved for the bucket of other categories)`));
        return;
      }
    }
  }
}

/** Problems of an in-memory baseline column, named by its own fields (`cutPoints[i]`, not `edges[i + 1]`). */
function columnProblems(path: string, property: string, column: DriftBaselineColumn): ValidationProblem[] {
  if (column === null || typeof column !== 'object') {
    return [problem(path, property, column, 'must be a baseline column')];
  }
  if (column.kind === DriftColumnKind.NUMERIC && Array.isArray(column.cutPoints)) {
    // NaN and ±Infinity would not survive the document form (JSON has no such numbers): check them here.
    const problems: ValidationProblem[] = [];
    checkCutPoints(path, `${property}.cutPoints`, column.cutPoints, problems);
    if (problems.length > 0) {
      return problems;
    }
  }
  return collectProblems(path, baselineColumnSchema, toDocumentColumn(column)).map((p) => inMemoryProblem(p, property));
}

/** Rename a document problem after the in-memory field: `edges[i]` → `cutPoints[i - 1]`, under `prefix`. */
function inMemoryProblem(p: ValidationProblem, prefix: string): ValidationProblem {
  const property = p.property
    .replace(/(^|\.)edges\[(\d+)\]/, (_m, dot: string, i: string) => `${dot}cutPoints[${Number(i) - 1}]`)
    .replace(/(^|\.)edges$/, '$1cutPoints');
  return { ...p, property: prefix === '' ? property : property === '' ? prefix : `${prefix}.${property}` };
}

// --- the JSON document -----------------------------------------------------------------------

const buildOptionsSchema = z.strictObject({
  bins: z.number().int().min(2).max(MAX_DRIFT_BINS).optional(),
  maxCategories: z.number().int().min(1).optional(),
});

const count = z.number().int().min(0);

const numericColumnSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.literal(DriftColumnKind.NUMERIC),
  edges: z.array(z.number().nullable()).min(2),
  counts: z.array(count),
}).superRefine((c, ctx) => {
  const last = c.edges.length - 1;
  if (c.edges[0] !== null || c.edges[last] !== null) {
    ctx.addIssue({ code: 'custom', path: ['edges'], message: 'must start and end with null (the open ends, -Infinity and +Infinity)' });
    return;
  }
  for (let i = 1; i < last; i++) {
    const v = c.edges[i];
    if (v === null || !Number.isFinite(v)) {
      ctx.addIssue({ code: 'custom', path: ['edges', i], message: 'must be a finite number (only the two ends are null)' });
      return;
    }
    const prev = c.edges[i - 1];
    if (i > 1 && prev !== null && !(v > prev)) {
      ctx.addIssue({ code: 'custom', path: ['edges', i], message: `must be greater than the previous edge (${prev}): edges are strictly increasing` });
      return;
    }
  }
  if (c.counts.length !== last) {
    ctx.addIssue({ code: 'custom', path: ['counts'], message: `must have one count per bin (${last})` });
  }
});

const categoricalColumnSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.literal(DriftColumnKind.CATEGORICAL),
  categories: z.array(z.string()).min(1),
  counts: z.array(count),
}).superRefine((c, ctx) => {
  if (c.categories[c.categories.length - 1] !== OTHER_CATEGORY) {
    ctx.addIssue({ code: 'custom', path: ['categories'], message: `must end with ${JSON.stringify(OTHER_CATEGORY)}` });
  }
  const seen = new Set<string>();
  c.categories.forEach((cat, i) => {
    if (seen.has(cat)) {
      ctx.addIssue({ code: 'custom', path: ['categories', i], message: 'must be unique' });
    }
    seen.add(cat);
  });
  if (c.counts.length !== c.categories.length) {
    ctx.addIssue({ code: 'custom', path: ['counts'], message: `must have one count per category (${c.categories.length})` });
  }
});

const baselineColumnSchema = z.unknown().superRefine((c, ctx) => {
  // Dispatch on kind by hand, so the problems name the column's own fields rather than a union.
  const kind = c !== null && typeof c === 'object' ? (c as { kind?: unknown }).kind : undefined;
  const schema = kind === DriftColumnKind.NUMERIC ? numericColumnSchema : kind === DriftColumnKind.CATEGORICAL ? categoricalColumnSchema : undefined;
  if (schema === undefined) {
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `must be ${JSON.stringify(DriftColumnKind.NUMERIC)} or ${JSON.stringify(DriftColumnKind.CATEGORICAL)}` });
    return;
  }
  const result = schema.safeParse(c);
  if (!result.success) {
    for (const issue of result.error.issues) {
      ctx.addIssue({ ...issue, path: issue.path } as any);
    }
    return;
  }
  if (!result.data.counts.some((n) => n > 0)) {
    ctx.addIssue({ code: 'custom', path: ['counts'], message: 'must have a total above 0 (a baseline needs training values)' });
  }
});

const documentSchema = z.strictObject({
  version: z.literal(DRIFT_BASELINE_VERSION),
  features: z.array(baselineColumnSchema).min(1),
  prediction: baselineColumnSchema.optional(),
}).superRefine((d, ctx) => {
  const seen = new Set<string>();
  d.features.forEach((f, i) => {
    const name = (f as { name?: unknown }).name;
    if (typeof name === 'string') {
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: 'must be unique among the features' });
      }
      seen.add(name);
    }
  });
});

interface DocumentColumn {
  readonly name: string;
  readonly kind: DriftColumnKind;
  readonly edges?: Array<number | null>;
  readonly categories?: string[];
  readonly counts: number[];
}

interface BaselineDocument {
  readonly version: number;
  readonly features: DocumentColumn[];
  readonly prediction?: DocumentColumn;
}

function documentProblems(path: string, doc: unknown): ValidationProblem[] {
  const version = doc !== null && typeof doc === 'object' ? (doc as { version?: unknown }).version : undefined;
  if (version !== DRIFT_BASELINE_VERSION) {
    // An unknown version is reported alone: the rest of the document follows another format.
    return [problem(path, 'version', version, `must be ${DRIFT_BASELINE_VERSION} (the baseline format this library reads)`)];
  }
  return collectProblems(path, documentSchema, doc);
}

/** The document form of an in-memory column (open ends as null); fields that do not belong are kept, to be reported. */
function toDocumentColumn(c: DriftBaselineColumn): unknown {
  if (c === null || typeof c !== 'object') {
    return c;
  }
  const { name, kind, cutPoints, categories, counts, ...rest } = c;
  if (kind === DriftColumnKind.NUMERIC && Array.isArray(cutPoints)) {
    return { name, kind, edges: [null, ...cutPoints, null], counts, ...(categories !== undefined ? { categories } : {}), ...rest };
  }
  return { name, kind, categories, counts, ...(cutPoints !== undefined ? { cutPoints } : {}), ...rest };
}

function toDocument(b: DriftBaseline): unknown {
  if (b === null || typeof b !== 'object') {
    return b;
  }
  return {
    ...b,
    features: Array.isArray(b.features) ? b.features.map(toDocumentColumn) : b.features,
    ...(b.prediction !== undefined ? { prediction: toDocumentColumn(b.prediction) } : {}),
  };
}

function fromDocumentColumn(c: DocumentColumn): DriftBaselineColumn {
  if (c.kind === DriftColumnKind.NUMERIC) {
    return { name: c.name, kind: c.kind, cutPoints: c.edges!.slice(1, -1) as number[], counts: [...c.counts] };
  }
  return { name: c.name, kind: c.kind, categories: [...c.categories!], counts: [...c.counts] };
}
