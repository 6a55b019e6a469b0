// A monotone map from numbers to the cells of a linear grid: the shortcut both hot kernels take
// (PSI binning and the two-sample Kolmogorov–Smirnov statistic) instead of comparing each value
// with many others. Internal: not exported from the package.

/**
 * `size` equal cells over `[lo, lo + size / scale)`; values below fall into cell 0, values above
 * (and +Infinity) into the last cell.
 */
export interface LinearCells {
  readonly lo: number;
  readonly scale: number;
  /** The last cell's index, `size - 1`. */
  readonly top: number;
}

/**
 * The cell of a value: `clamp(floor((v - lo) * scale), 0, top)`.
 *
 * **Monotone**: `x <= y` implies `cellOf(x) <= cellOf(y)` for all numbers but NaN, ±Infinity
 * included. Each step is monotone non-decreasing: IEEE 754 subtraction and multiplication by a
 * positive finite number are correctly rounded (rounding never reverses an order; JavaScript has no
 * fused or extended-precision arithmetic), the clamp is, and so is truncation of a number in
 * `[0, top)`. No step yields NaN: `lo` is finite and `scale` finite and positive
 * (`linearCells`), so `v - lo` is a number or ±Infinity, and `±Infinity * scale` is ±Infinity.
 *
 * What the kernels conclude from it, for any value `v` and edge `e`:
 * `cellOf(e) < cellOf(v)` implies `e < v`, and `cellOf(e) > cellOf(v)` implies `e > v`; only an
 * edge in the value's own cell needs a comparison. Values that are equal (`-0` and `0` too) share
 * a cell.
 *
 * The kernels call this one function both to build their tables and in their loops (V8 inlines
 * it), so a cell is always computed with the same operations.
 */
export function cellOf(v: number, lo: number, scale: number, top: number): number {
  const t = (v - lo) * scale;
  // eslint-disable-next-line no-bitwise -- truncation of 0 < t < top (< 2^31): Math.floor, as an integer
  return t > 0 ? (t < top ? t | 0 : top) : 0;
}

/**
 * `size` cells over `[lo, hi]` (`hi` falls into the last cell), or undefined when no such grid
 * exists in doubles (a bound not finite, `hi <= lo`, or a range so small or so large that the scale
 * is not a finite positive number); the kernels then take their slow, comparison-only path.
 */
export function linearCells(lo: number, hi: number, size: number): LinearCells | undefined {
  const scale = size / (hi - lo);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(scale > 0) || !Number.isFinite(scale) || size < 1 || size > 2 ** 30) {
    return undefined;
  }
  return { lo, scale, top: size - 1 };
}
