import { cellOf as importedCellOf, LinearCells, linearCells } from './cells';

// Bound once: called through the import, each value of the hot loops would look the function up on
// the module object (a getter when run by tsx), which V8 does not inline (about 3x slower).
const cellOf = importedCellOf;

// The two-sample Kolmogorov–Smirnov statistic D = max over x of |F1(x) - F2(x)|, the empirical
// distribution functions of the samples evaluated at every value of either. Internal: `ksStatisticOf`
// in kernels.ts checks the input and calls `ksStatistic`.
//
// Both paths below compute the same set of candidates `|i / n1 - j / n2|`, where (i, j) are the
// numbers of values of each sample `<= x` at a value x, with the same floating-point operations,
// and return the largest: the same number to the bit (as scipy's `ks_2samp`, which takes the largest
// of `searchsorted(a, all, 'right') / n1 - searchsorted(b, all, 'right') / n2` and of its negation).

/** Values per cell aimed at by a grid: few enough for tight bounds, enough for small count arrays. */
const VALUES_PER_CELL = 64;
/** Most cells of a grid (two count arrays of 256 KiB). */
const MAX_CELLS = 65536;
/** Values of each sample that place the first grid. */
const GRID_SAMPLE = 1024;
/** A cell with at most this many values is sorted and walked rather than divided again. */
const SORT_AT_MOST = 128;
/** Grids within grids at most (then a cell is sorted whatever its size). */
const MAX_DEPTH = 4;

/**
 * D of two samples without NaN (checked by the caller), without sorting the samples: `largestGap`
 * on a grid placed by a subsample of both.
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return largestGap(a, b, 0, 0, a.length, b.length, 0, sampleGrid(a, b), 0);
}

/**
 * The largest of `d` and the candidates at the values of `a` and `b` (parts of samples A and B, in
 * any order), above which lie i0 values of A and j0 of B below every value given.
 *
 * The values are counted into the cells of a linear grid (one pass per sample), which gives (i, j)
 * exactly at every cell boundary: candidates, so a lower bound of the result. Within a cell the
 * candidates lie between bounds known from its counts, so only the few cells that could still hold
 * a larger candidate are looked into (a second pass gathers their values): each with a grid of its
 * own (skewed data crowd into few cells of the first), or, when small, by sorting and walking.
 * Without a grid (`cells` undefined: all values equal, infinite, or a range doubles cannot divide)
 * the values are sorted and walked.
 */
function largestGap(
  a: ArrayLike<number>, b: ArrayLike<number>, i0: number, j0: number, n1: number, n2: number, d: number,
  cells: LinearCells | undefined, depth: number,
): number {
  if (cells === undefined || a.length + b.length <= SORT_AT_MOST || depth >= MAX_DEPTH) {
    // Below the first level the values are gathered copies: sorted in place.
    const sortedA = depth > 0 ? (a as Float64Array).sort() : Float64Array.from(a).sort();
    const sortedB = depth > 0 ? (b as Float64Array).sort() : Float64Array.from(b).sort();
    return walk(sortedA, sortedB, i0, j0, n1, n2, d);
  }
  const { lo, scale, top } = cells;
  const size = top + 1;
  const countA = new Int32Array(size);
  const countB = new Int32Array(size);
  for (let k = 0; k < a.length; k++) countA[cellOf(a[k], lo, scale, top)]++;
  for (let k = 0; k < b.length; k++) countB[cellOf(b[k], lo, scale, top)]++;

  // Equal values share a cell and cells are ordered like values (cells.ts), so after cell c, i and j
  // count the values <= the largest value of the cells up to c: a candidate.
  for (let c = 0, i = i0, j = j0; c < size; c++) {
    i += countA[c];
    j += countB[c];
    const gap = Math.abs(i / n1 - j / n2);
    if (gap > d) d = gap;
  }

  // Mark the cells whose bound exceeds d, and where their values go in the gather buffers.
  const startA = new Int32Array(size).fill(-1);
  const startB = new Int32Array(size).fill(-1);
  let gatherA = 0;
  let gatherB = 0;
  for (let c = 0, i = i0, j = j0; c < size; c++) {
    if (bound(i, j, countA[c], countB[c], n1, n2) > d) {
      startA[c] = gatherA;
      startB[c] = gatherB;
      gatherA += countA[c];
      gatherB += countB[c];
    }
    i += countA[c];
    j += countB[c];
  }
  if (gatherA + gatherB === 0) {
    return d;
  }
  const valuesA = gather(a, cells, startA, gatherA);
  const valuesB = gather(b, cells, startB, gatherB);
  for (let c = 0, i = i0, j = j0; c < size; c++) {
    // d may have grown in an earlier cell: test the bound again.
    if (startA[c] >= 0 && bound(i, j, countA[c], countB[c], n1, n2) > d) {
      const cellA = valuesA.subarray(startA[c], startA[c] + countA[c]);
      const cellB = valuesB.subarray(startB[c], startB[c] + countB[c]);
      // A cell of one value (ties of discrete data) has one candidate, at its boundary: taken.
      if (!allEqual(cellA, cellB)) {
        const grid = cellA.length + cellB.length > SORT_AT_MOST ? rangeGrid(cellA, cellB) : undefined;
        d = largestGap(cellA, cellB, i, j, n1, n2, d, grid, depth + 1);
      }
    }
    i += countA[c];
    j += countB[c];
  }
  return d;
}

/** D by sorting copies of both samples and one merge pass (the reference the grid path must equal). */
export function ksStatisticBySorting(sampleA: ArrayLike<number>, sampleB: ArrayLike<number>): number {
  const a = Float64Array.from(sampleA).sort();
  const b = Float64Array.from(sampleB).sort();
  return walk(a, b, 0, 0, a.length, b.length, 0);
}

/**
 * The largest of `d` and the candidates at the distinct values of two sorted runs, which start with
 * i0 values of sample A and j0 of sample B below them. At each distinct value x both counts take in
 * every value equal to x (ties) before the candidate is taken.
 */
function walk(a: Float64Array, b: Float64Array, i0: number, j0: number, n1: number, n2: number, d: number): number {
  const ka = a.length;
  const kb = b.length;
  let p = 0;
  let q = 0;
  while (p < ka || q < kb) {
    const x = q === kb || (p < ka && a[p] <= b[q]) ? a[p] : b[q];
    while (p < ka && a[p] <= x) p++;
    while (q < kb && b[q] <= x) q++;
    const gap = Math.abs((i0 + p) / n1 - (j0 + q) / n2);
    if (gap > d) d = gap;
  }
  return d;
}

/**
 * The largest candidate a cell could hold: with i in [i0, i0 + ka] and j in [j0, j0 + kb],
 * `i / n1 - j / n2` is at most `(i0 + ka) / n1 - j0 / n2` and at least `i0 / n1 - (j0 + kb) / n2`.
 */
function bound(i0: number, j0: number, ka: number, kb: number, n1: number, n2: number): number {
  return Math.max((i0 + ka) / n1 - j0 / n2, (j0 + kb) / n2 - i0 / n1);
}

/** The values of the marked cells, grouped by cell (`start[c]` is where cell c's go, -1 unmarked). */
function gather(values: ArrayLike<number>, cells: LinearCells, start: Int32Array, total: number): Float64Array {
  const { lo, scale, top } = cells;
  const out = new Float64Array(total);
  const next = Int32Array.from(start);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    const c = cellOf(v, lo, scale, top);
    if (next[c] >= 0) {
      out[next[c]++] = v;
    }
  }
  return out;
}

/**
 * The first grid: from the 0.5 % to the 99.5 % quantile of an evenly strided subsample of each
 * sample (outliers would stretch a grid over the extremes; the tails fall into the end cells, which
 * are looked into like any other).
 */
function sampleGrid(a: ArrayLike<number>, b: ArrayLike<number>): LinearCells | undefined {
  const sample = Float64Array.from([...strided(a), ...strided(b)].filter(Number.isFinite)).sort();
  const tail = Math.floor(sample.length * 0.005);
  const lo = sample[tail];
  const hi = sample[sample.length - 1 - tail];
  return sample.length >= 2 && hi > lo ? gridOver(lo, hi, a.length + b.length) : rangeGrid(a, b);
}

function allEqual(a: Float64Array, b: Float64Array): boolean {
  const x = a[0];
  for (let k = 1; k < a.length; k++) if (a[k] !== x) return false;
  for (let k = 0; k < b.length; k++) if (b[k] !== x) return false;
  return true;
}

/** A grid from the smallest to the largest finite value of a cell. */
function rangeGrid(a: ArrayLike<number>, b: ArrayLike<number>): LinearCells | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of [a, b]) {
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (v < lo && v !== -Infinity) lo = v;
      if (v > hi && v !== Infinity) hi = v;
    }
  }
  return hi > lo ? gridOver(lo, hi, a.length + b.length) : undefined;
}

/** About `VALUES_PER_CELL` values per cell (a power of two of them, at most `MAX_CELLS`). */
function gridOver(lo: number, hi: number, values: number): LinearCells | undefined {
  let size = 2;
  while (size < MAX_CELLS && size * VALUES_PER_CELL < values) size *= 2;
  return linearCells(lo, hi, size);
}

function strided(values: ArrayLike<number>): number[] {
  const step = Math.max(1, Math.floor(values.length / GRID_SAMPLE));
  const out: number[] = [];
  for (let k = 0; k < values.length; k += step) out.push(values[k]);
  return out;
}
