import { cellOf as importedCellOf, LinearCells, linearCells } from './cells';

// Bound once: called through the import, each value of the hot loops would look the function up on
// the module object (a getter when run by tsx), which V8 does not inline (about 3x slower).
const cellOf = importedCellOf;

// Counting values into left-closed bins, the hot loop of PSI: `(-inf, e0)`, `[e0, e1)`, …,
// `[e_last, +inf)`, i.e. the bin of `v` is the number of edges `<= v` (numpy's
// `searchsorted(edges, v, side='right')`). Internal: `binCountsOf` in kernels.ts is the entry point.

/** Fewest cells of a binning table (4 KiB: stays in the first-level cache with the counts). */
const MIN_TABLE_CELLS = 1024;
/** Most cells of a binning table; edges that still share a cell take the binary search. */
const MAX_TABLE_CELLS = 65536;

/**
 * A lookup table over a linear grid (`cells.ts`) in which every cell holds at most one edge:
 * the bin of a value is then `firstBin[cell]`, plus one if the value is at or above the one edge of
 * its own cell. One multiplication, one table read and one comparison per value, without the
 * data-dependent branches of a binary search (which the processor mispredicts half the time).
 */
export interface BinTable extends LinearCells {
  /** Per cell, the number of edges in lower cells (all of them below any value of the cell). */
  readonly firstBin: Int32Array;
  /** The edges, then NaN: `upper[firstBin[c]]` is the first edge not in a lower cell, and no value is `>= NaN`. */
  readonly upper: Float64Array;
}

/**
 * The table of strictly increasing, finite edges, or undefined when there is none (no edge, or
 * edges too close for 65 536 cells, e.g. a heavy tail with many bins); `countInto` then searches.
 */
export function binTable(edges: Float64Array): BinTable | undefined {
  const m = edges.length;
  if (m === 0) {
    return undefined;
  }
  const first = edges[0];
  const last = edges[m - 1];
  // The grid spans the edges and half their span on either side, so that the values beyond the
  // outer edges (a fifth of them for deciles) seldom reach the clamp, a branch taken at random
  // otherwise. One edge: a grid of width 1 around it.
  const margin = m > 1 ? (last - first) / 2 : 0.5;
  let size = MIN_TABLE_CELLS;
  while (size < 16 * (m + 1)) size *= 2;
  for (; size <= MAX_TABLE_CELLS; size *= 2) {
    const cells = linearCells(first - margin, last + margin, size);
    if (cells === undefined) {
      return undefined;
    }
    const { lo, scale, top } = cells;
    let distinct = true;
    for (let k = 1; k < m && distinct; k++) {
      distinct = cellOf(edges[k], lo, scale, top) !== cellOf(edges[k - 1], lo, scale, top);
    }
    if (!distinct) {
      continue;
    }
    const firstBin = new Int32Array(size);
    // Edges are increasing and cells monotone: the edges of the lower cells are a prefix.
    for (let c = 0, k = 0; c < size; c++) {
      firstBin[c] = k;
      while (k < m && cellOf(edges[k], lo, scale, top) === c) k++;
    }
    const upper = new Float64Array(m + 1);
    upper.set(edges);
    upper[m] = NaN;
    return { lo, scale, top, firstBin, upper };
  }
  return undefined;
}

/**
 * Adds the bin counts of `values` to `counts` (`edges.length + 1` of them). Returns the index of the
 * first NaN (counting stops there: NaN would fall silently into a bin), or -1. Small and free of
 * throws, so that V8 optimizes it well.
 */
export function countInto(values: ArrayLike<number>, edges: Float64Array, counts: Float64Array): number {
  const table = binTable(edges);
  return table === undefined ? countBySearch(values, edges, counts) : countByTable(values, table, counts);
}

function countByTable(values: ArrayLike<number>, table: BinTable, counts: Float64Array): number {
  const { lo, scale, top, firstBin, upper } = table;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      return i;
    }
    // Edges in lower cells are below v, edges in higher cells above it (cellOf is monotone); the
    // one edge the cell may hold decides by comparison.
    let bin = firstBin[cellOf(v, lo, scale, top)];
    if (v >= upper[bin]) bin++;
    counts[bin]++;
  }
  return -1;
}

function countBySearch(values: ArrayLike<number>, edges: Float64Array, counts: Float64Array): number {
  const m = edges.length;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      return i;
    }
    // Upper bound: the number of edges <= v is the bin's index.
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      // eslint-disable-next-line no-bitwise -- integer midpoint
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
