/**
 * Seasonality-aware drift references: what a window of production traffic is compared with.
 *
 * A fixed training baseline pages on every seasonal shift: Black Friday traffic against a July
 * baseline is "drift" that nobody should act on. The drift job can instead compare a window with
 * earlier production traffic: the days just before it (a rolling reference), or the same period 52
 * weeks earlier. Either way the bins stay the training baseline's (edges and categories), only the
 * expected proportions come from the reference traffic, so PSI values stay comparable across
 * references and the 0.1 / 0.2 thresholds keep their meaning.
 */

import { DriftBaseline, DriftBaselineColumn, DriftColumnKind, binCountsOf } from './drift';
import { ValidationProblem } from './errors';
import { renderValue, throwIfAny } from './validation';

/** What a window of production traffic is compared with. */
export enum DriftReference {
  /** The training baseline, always (no seasonality). */
  TRAINING = 'TRAINING',
  /**
   * The traffic of the `referenceMinutes` just before the window (default 7 days): slow seasonal
   * change is absorbed, a sudden change still shows.
   */
  ROLLING_WINDOW = 'ROLLING_WINDOW',
  /**
   * The traffic of the same period 52 weeks earlier (364 days, so the same weekday):
   * `referenceMinutes` (default 1 day) centred on the window moved back 364 days. Needs a year of
   * retained capture; until then the training baseline is used (see `minReferenceValues`).
   */
  SAME_PERIOD_LAST_YEAR = 'SAME_PERIOD_LAST_YEAR',
}

/** How far back `SAME_PERIOD_LAST_YEAR` looks: 52 weeks, so weekdays line up (Black Friday 2026-11-27 → 2025-11-28). */
export const SAME_PERIOD_LAST_YEAR_SHIFT_DAYS = 364;

/** Default reference length of `ROLLING_WINDOW`: 7 days, so every weekday is in it. */
export const DEFAULT_ROLLING_REFERENCE_MINUTES = 7 * 24 * 60;

/** Default reference length of `SAME_PERIOD_LAST_YEAR`: one day around the window, a year ago. */
export const DEFAULT_SEASONAL_REFERENCE_MINUTES = 24 * 60;

/** Longest reference: 31 days of capture per run. */
export const MAX_REFERENCE_MINUTES = 31 * 24 * 60;

/**
 * Default number of values a column needs in the reference window to be compared with it; a
 * column with fewer is compared with the training baseline instead (and counted as a fallback).
 */
export const DEFAULT_MIN_REFERENCE_VALUES = 1000;

/** A time range `[start, end)`. */
export interface DriftTimeRange {
  /** Start, included. */
  readonly start: Date;
  /** End, excluded. */
  readonly end: Date;
}

/** The reference length a reference uses when none is configured (0 for `TRAINING`). */
export function defaultReferenceMinutes(reference: DriftReference): number {
  switch (reference) {
    case DriftReference.ROLLING_WINDOW:
      return DEFAULT_ROLLING_REFERENCE_MINUTES;
    case DriftReference.SAME_PERIOD_LAST_YEAR:
      return DEFAULT_SEASONAL_REFERENCE_MINUTES;
    default:
      return 0;
  }
}

/**
 * The reference traffic's time range for the window `[windowStart, windowEnd)`:
 *
 * - `TRAINING`: none (`undefined`).
 * - `ROLLING_WINDOW`: `[windowStart - referenceMinutes, windowStart)`.
 * - `SAME_PERIOD_LAST_YEAR`: `referenceMinutes` centred on the window's midpoint moved back 364 days.
 */
export function referenceRangeOf(
  reference: DriftReference,
  windowStart: Date,
  windowEnd: Date,
  referenceMinutes: number = defaultReferenceMinutes(reference),
): DriftTimeRange | undefined {
  const path = 'referenceRangeOf';
  const problems: ValidationProblem[] = [];
  if (!Object.values(DriftReference).includes(reference)) {
    problems.push(problemOf(path, 'reference', reference, `must be one of ${Object.values(DriftReference).join(', ')}`));
  }
  if (!(windowStart instanceof Date) || Number.isNaN(windowStart.getTime())) {
    problems.push(problemOf(path, 'windowStart', windowStart, 'must be a valid Date'));
  }
  if (!(windowEnd instanceof Date) || Number.isNaN(windowEnd.getTime()) || !(windowEnd.getTime() > windowStart?.getTime?.())) {
    problems.push(problemOf(path, 'windowEnd', windowEnd, 'must be a valid Date after windowStart'));
  }
  const badMinutes = !Number.isInteger(referenceMinutes) || referenceMinutes < 1 || referenceMinutes > MAX_REFERENCE_MINUTES;
  if (reference !== DriftReference.TRAINING && badMinutes) {
    problems.push(problemOf(path, 'referenceMinutes', referenceMinutes, `must be a whole number of minutes from 1 to ${MAX_REFERENCE_MINUTES}`));
  }
  throwIfAny(problems);
  const minute = 60_000;
  switch (reference) {
    case DriftReference.ROLLING_WINDOW:
      return { start: new Date(windowStart.getTime() - referenceMinutes * minute), end: new Date(windowStart.getTime()) };
    case DriftReference.SAME_PERIOD_LAST_YEAR: {
      const shift = SAME_PERIOD_LAST_YEAR_SHIFT_DAYS * 24 * 60 * minute;
      const middle = (windowStart.getTime() + windowEnd.getTime()) / 2 - shift;
      const half = (referenceMinutes * minute) / 2;
      return { start: new Date(Math.floor(middle - half)), end: new Date(Math.floor(middle + half)) };
    }
    default:
      return undefined;
  }
}

/** A baseline whose counts come from reference traffic, and which columns could not use it. */
export interface ReferenceBaseline {
  /** The training baseline's bins with the reference traffic's counts (training counts for the fallback columns). */
  readonly baseline: DriftBaseline;
  /** Features with fewer than `minValues` reference values, compared with the training counts instead. */
  readonly fallbackFeatures: string[];
  /** Whether the predictions had fewer than `minValues` reference values (and keep the training counts). */
  readonly predictionFallback: boolean;
}

/**
 * Re-count a training baseline on reference traffic: same bins (numeric cut points, categories
 * with `__other__` last), counts from `columns` (values per column name; `predictions` for the
 * prediction column). A column with fewer than `minValues` reference values keeps its training
 * counts and is reported (`fallbackFeatures`, `predictionFallback`), so a young endpoint (no traffic a year ago) is still
 * watched, against training.
 */
export function rebaselineOnReference(
  training: DriftBaseline,
  columns: ReadonlyMap<string, ArrayLike<number> | readonly string[]>,
  predictions: ArrayLike<number> | readonly string[] | undefined,
  minValues: number = DEFAULT_MIN_REFERENCE_VALUES,
): ReferenceBaseline {
  if (!Number.isInteger(minValues) || minValues < 1) {
    throwIfAny([problemOf('rebaselineOnReference', 'minValues', minValues, 'must be a whole number of at least 1')]);
  }
  const fallback = new Set<DriftBaselineColumn>();
  const recount = (column: DriftBaselineColumn, values: ArrayLike<number> | readonly string[] | undefined): DriftBaselineColumn => {
    if (values === undefined || values.length < minValues) {
      fallback.add(column);
      return column;
    }
    const counts = column.kind === DriftColumnKind.NUMERIC
      ? Array.from(binCountsOf(values as ArrayLike<number>, column.cutPoints ?? [], 'rebaselineOnReference'))
      : categoryCounts(column.categories ?? [], values as readonly string[]);
    return { ...column, counts };
  };
  const features = training.features.map((c) => recount(c, columns.get(c.name)));
  const prediction = training.prediction !== undefined ? recount(training.prediction, predictions) : undefined;
  return {
    baseline: { version: training.version, features, ...(prediction !== undefined ? { prediction } : {}) },
    fallbackFeatures: training.features.filter((c) => fallback.has(c)).map((c) => c.name),
    predictionFallback: training.prediction !== undefined && fallback.has(training.prediction),
  };
}

/** Counts per category, values not among the categories counted in the last one (`__other__`). */
function categoryCounts(categories: readonly string[], values: readonly string[]): number[] {
  const index = new Map<string, number>(categories.map((c, i) => [c, i]));
  const other = categories.length - 1;
  const counts = new Array<number>(categories.length).fill(0);
  for (const v of values) {
    counts[index.get(v) ?? other]++;
  }
  return counts;
}

function problemOf(constructPath: string, property: string, value: unknown, allowed: string): ValidationProblem {
  return { constructPath, property, received: renderValue(value), allowed };
}
