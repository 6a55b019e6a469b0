import { ValidationProblem } from '../errors';
import { collectProblems, renderValue } from '../validation';
import { baselineColumnSchema, toDocumentColumn } from './document';
import { DriftBaselineColumn, DriftColumnKind, DriftColumnValues, OTHER_CATEGORY } from './types';

// Input checks of the drift math: every bad argument becomes a ValidationProblem naming the method
// (the construct path) and the argument.

// Internals

export function problem(constructPath: string, property: string, value: unknown, allowed: string): ValidationProblem {
  // JSON renders NaN and ±Infinity as null: name them.
  const received = typeof value === 'number' && !Number.isFinite(value) ? String(value) : renderValue(value);
  return { constructPath, property, received, allowed };
}


// --- input checks ----------------------------------------------------------------------------

interface NumberRules {
  readonly minLength?: number;
  readonly nonNegative?: boolean;
  readonly positive?: boolean;
  readonly positiveSum?: boolean;
}

/** Checks an array of numbers; reports the first bad element only (windows can be millions long). */
export function checkNumbers(path: string, property: string, values: ArrayLike<number>, problems: ValidationProblem[], rules: NumberRules): boolean {
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

export function checkProportions(path: string, property: string, values: number[], problems: ValidationProblem[]): void {
  if (!checkNumbers(path, property, values, problems, { nonNegative: true })) {
    return;
  }
  const sum = values.reduce((s, v) => s + v, 0);
  if (Math.abs(sum - 1) > PROPORTION_SUM_TOLERANCE) {
    problems.push(problem(path, property, values, `must be proportions summing to 1 (divide counts by their total); the sum is ${sum}`));
  }
}

export function checkSameLength(path: string, property: string, a: ArrayLike<number>, b: ArrayLike<number>, problems: ValidationProblem[]): void {
  if (a && b && typeof a.length === 'number' && typeof b.length === 'number' && a.length !== b.length) {
    problems.push({ constructPath: path, property, received: `${b.length} items`, allowed: `must have as many items as the first argument (${a.length})` });
  }
}

export function checkEpsilon(path: string, epsilon: number | undefined, problems: ValidationProblem[]): void {
  if (epsilon !== undefined && (typeof epsilon !== 'number' || !(epsilon > 0 && epsilon < 1))) {
    problems.push(problem(path, 'epsilon', epsilon, 'must be greater than 0 and less than 1'));
  }
}

export function checkCutPoints(path: string, property: string, cutPoints: ArrayLike<number>, problems: ValidationProblem[]): void {
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

export function checkColumnValues(
  path: string,
  property: string,
  column: DriftColumnValues,
  forBaseline: boolean,
  problems: ValidationProblem[],
): void {
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
export function columnProblems(path: string, property: string, column: DriftBaselineColumn): ValidationProblem[] {
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
export function inMemoryProblem(p: ValidationProblem, prefix: string): ValidationProblem {
  const property = p.property
    .replace(/(^|\.)edges\[(\d+)\]/, (_m, dot: string, i: string) => `${dot}cutPoints[${Number(i) - 1}]`)
    .replace(/(^|\.)edges$/, '$1cutPoints');
  return { ...p, property: prefix === '' ? property : property === '' ? prefix : `${prefix}.${property}` };
}
