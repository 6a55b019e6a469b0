import { ValidationProblem } from '../errors';
import { throwIfAny } from '../validation';
import { countInto } from './binning';
import { checkCutPoints, checkEpsilon, checkNumbers, checkSameLength, columnProblems, problem } from './checks';
import { DriftMath } from './drift-math';
import { regularizedUpperGamma } from './gamma';
import { ksStatistic } from './ks';
import { ChiSquaredResult, ColumnDrift, DEFAULT_PSI_EPSILON, DriftBaselineColumn, DriftColumnKind, OTHER_CATEGORY } from './types';

// The typed-array kernels: binning, PSI, Kolmogorov–Smirnov, quantile edges, and the per-column
// baseline and drift computations `DriftMath` is made of.

// ---------------------------------------------------------------------------------------------
// TypeScript-only entry points (typed arrays). jsii does not see free functions.

/**
 * `DriftMath.binCounts` on any array-like (a `Float64Array` for large windows): one pass, a table
 * lookup per value (binning.ts), counts in a `Float64Array` of `cutPoints.length + 1`.
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

/**
 * `DriftMath.ksStatistic` on any array-like (a `Float64Array` for large samples), without copying or
 * sorting the samples (ks.ts).
 */
export function ksStatisticOf(sampleA: ArrayLike<number>, sampleB: ArrayLike<number>, constructPath = 'DriftMath.ksStatistic'): number {
  const problems: ValidationProblem[] = [];
  checkNumbers(constructPath, 'sampleA', sampleA, problems, { minLength: 1 });
  checkNumbers(constructPath, 'sampleB', sampleB, problems, { minLength: 1 });
  throwIfAny(problems);
  return ksStatistic(sampleA, sampleB);
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


export function psiOfProportions(expected: ArrayLike<number>, actual: ArrayLike<number>, epsilon: number): number {
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

export function chiSquaredOf(expectedFrequencies: ArrayLike<number>, observedCounts: ArrayLike<number>): ChiSquaredResult {
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

export function numericBaseline(name: string, values: number[], bins: number): DriftBaselineColumn {
  const sorted = Float64Array.from(values).sort();
  const cutPoints = quantileCutPoints(sorted, bins);
  return { name, kind: DriftColumnKind.NUMERIC, cutPoints, counts: Array.from(binCountsOf(sorted, cutPoints)) };
}

export function categoricalBaseline(name: string, values: string[], maxCategories: number): DriftBaselineColumn {
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

export function categoricalDrift(column: DriftBaselineColumn, values: string[], epsilon: number): ColumnDrift {
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
