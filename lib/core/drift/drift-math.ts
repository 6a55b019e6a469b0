import { ValidationProblem } from '../errors';
import { collectProblems, throwIfAny } from '../validation';
import { checkColumnValues, checkEpsilon, checkNumbers, checkProportions, checkSameLength, columnProblems, inMemoryProblem, problem } from './checks';
import { BaselineDocument, buildOptionsSchema, documentProblems, fromDocumentColumn, toDocument } from './document';
import { regularizedUpperGamma } from './gamma';
import { binCountsOf, categoricalBaseline, categoricalDrift, chiSquaredOf, ksStatisticOf, numericBaseline, numericDriftOf, psiOfProportions } from './kernels';
import { BuildBaselineOptions, ChiSquaredResult, ColumnDrift, DEFAULT_DRIFT_BINS, DEFAULT_MAX_CATEGORIES, DEFAULT_PSI_EPSILON, DRIFT_BASELINE_VERSION, DriftBaseline, DriftBaselineColumn, DriftColumnKind, DriftColumnValues, DriftOptions, DriftSeverity, PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from './types';

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
      // A byte order mark is not content (RFC 8259 §8.1: parsers may ignore it); JSON.parse refuses it.
      doc = JSON.parse(typeof json === 'string' ? json.replace(/^\uFEFF/, '') : json);
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
   * Count values per bin in one pass (a table lookup per value; a binary search when the edges are
   * too close for the table). Bins are left-closed:
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
