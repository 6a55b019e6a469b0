import { describe, expect, it } from 'vitest';
import { binCountsOf, DriftMath, ksStatisticOf } from '../../lib/core/drift';
import { binTable } from '../../lib/core/drift/binning';
import { cellOf, linearCells } from '../../lib/core/drift/cells';
import { ksStatisticBySorting } from '../../lib/core/drift/ks';
import { seededRandom } from '../support/random';

// The fast kernels of issue 15 (a lookup table for PSI binning, a grid with bounds for the KS
// statistic) must give exactly what the plain algorithms give: the counts of a linear scan over the
// edges, and the statistic of sorting both samples and walking them (the algorithm the numpy/scipy
// fixtures of drift.test.ts were checked against). Compared with toBe / toEqual: to the bit.


function normal(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const next = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  }
  return out;
}

/** The bin of each value by a linear scan: the number of edges <= v. */
function scanCounts(values: ArrayLike<number>, edges: ArrayLike<number>): number[] {
  const counts = new Array(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    let bin = 0;
    while (bin < edges.length && values[i] >= edges[bin]) bin++;
    counts[bin]++;
  }
  return counts;
}

/** The next double above x (x finite, not -0). */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigInt64Array(f.buffer);
  u[0] += x >= 0 ? 1n : -1n;
  return f[0];
}

describe('cellOf', () => {
  it('is monotone, across cell boundaries, clamps and infinities', () => {
    const cells = linearCells(-1, 1, 8)!;
    const values = [-Infinity, -1e300, -1.5, -1, nextUp(-1), -0.75, nextUp(-0.75), -0, 0, 0.25, nextUp(0.25), 0.999, 1, 7, 1e300, Infinity];
    const found = values.map((v) => cellOf(v, cells.lo, cells.scale, cells.top));
    expect(found).toEqual([...found].sort((x, y) => x - y));
    expect(found[0]).toBe(0);
    expect(found[found.length - 1]).toBe(7);
    expect(cellOf(-0, cells.lo, cells.scale, cells.top)).toBe(cellOf(0, cells.lo, cells.scale, cells.top));
  });

  it('has no grid where doubles cannot divide the range', () => {
    expect(linearCells(0, 0, 8)).toBeUndefined();
    expect(linearCells(-1.7e308, 1.7e308, 8)).toBeUndefined();
    expect(linearCells(0, 5e-324, 2 ** 20)).toBeUndefined();
    expect(linearCells(-Infinity, 0, 8)).toBeUndefined();
  });
});

describe('binCountsOf: the lookup table counts like a linear scan', () => {
  const window = normal(20_000, 1, 0.3, 1.2);
  const deciles = Array.from(normal(5_000, 2)).sort((x, y) => x - y).filter((_, i) => i % 500 === 499);
  const onEdges = Float64Array.from([...window.subarray(0, 5_000), ...deciles, ...deciles.map(nextUp), -0, 0, Infinity, -Infinity]);
  const cases: Array<[string, number[], ArrayLike<number>, boolean]> = [
    ['deciles of a normal sample', deciles, window, true],
    ['values exactly on the edges and the next double above', deciles, onEdges, true],
    ['one edge', [0], onEdges, true],
    ['an edge at 0 with -0 and 0 among the values', [-1, 0, 1], Float64Array.from([-0, 0, -0, 0.5, -1, 1, -Infinity, Infinity]), true],
    ['integer edges, integer values (ties)', [1, 2, 3, 4, 5], Float64Array.from(window, (v) => Math.round(v * 2)), true],
    ['999 edges (1000 bins)', Array.from({ length: 999 }, (_, i) => (i - 500) / 100), window, true],
    ['two edges one double apart: the binary search', [0, nextUp(0.5), 0.5, 1].sort((x, y) => x - y), onEdges, false],
    ['edges spanning the doubles: the binary search', [-1.7e308, 0, 1.7e308], Float64Array.from([-Infinity, -1.7e308, -1, -0, 0, 1e308, 1.7e308, Infinity]), false],
    ['a heavy tail with 100 bins: the binary search', Array.from({ length: 99 }, (_, i) => 1 / (1 - (i + 1) / 100) ** 4), Float64Array.from(window, (v) => Math.exp(4 * v)), false],
  ];

  it.each(cases)('%s', (_name, edges, values, table) => {
    expect(binTable(Float64Array.from(edges)) !== undefined).toBe(table);
    expect(Array.from(binCountsOf(values, edges))).toEqual(scanCounts(values, edges));
    expect(DriftMath.binCounts(Array.from(values), edges)).toEqual(scanCounts(values, edges));
  });

  it('no edge: one bin', () => {
    expect(Array.from(binCountsOf(window, []))).toEqual([window.length]);
  });

  it('still names the first NaN', () => {
    const values = Float64Array.from([1, 2, NaN, 3]);
    expect(() => binCountsOf(values, deciles)).toThrow(/values\[2\]/);
  });
});

describe('ksStatisticOf: the grid gives the statistic of sorting and walking, to the bit', () => {
  const a = normal(50_000, 11);
  const integers = (x: Float64Array) => Float64Array.from(x, (v) => Math.round(v * 2));
  const cases: Array<[string, ArrayLike<number>, ArrayLike<number>]> = [
    ['same distribution', a, normal(40_000, 12)],
    ['shifted by 0.01', a, normal(60_000, 13, 0.01)],
    ['shifted by 1', a, normal(30_000, 14, 1)],
    ['wider', a, normal(50_000, 15, 0, 1.5)],
    ['identical samples (every cell looked into)', a, Float64Array.from(a)],
    ['integers (ties, cells of one value)', integers(a), integers(normal(45_000, 16, 0.1))],
    ['skewed: lognormal against a heavier tail', a.map(Math.exp), normal(50_000, 17, 0.02, 3).map(Math.exp)],
    ['outliers at ±1e300 and infinities', Float64Array.from(a, (v, i) => (i === 0 ? 1e300 : i === 1 ? -Infinity : v)), Float64Array.from(normal(50_000, 18), (v, i) => (i === 3 ? -1e300 : i === 4 ? Infinity : v))],
    ['-0 and 0 on either side', Float64Array.from(a, (v, i) => (i % 7 === 0 ? -0 : v)), Float64Array.from(normal(20_000, 19), (v, i) => (i % 5 === 0 ? 0 : v))],
    ['disjoint', a, normal(1_000, 20, 100)],
    ['one value against many', [0.5], a],
    ['all equal in one sample', new Float64Array(1_000).fill(0.25), a],
    ['all equal, both', new Float64Array(300).fill(3), new Float64Array(500).fill(3)],
    ['only infinities', [Infinity, -Infinity, Infinity], [-Infinity, -Infinity]],
    ['a cluster far from the bulk (grids within grids)', Float64Array.from(a, (v, i) => (i % 3 === 0 ? 1000 + v * 1e-9 : v)), Float64Array.from(normal(50_000, 21), (v, i) => (i % 4 === 0 ? 1000 + v * 1e-9 : v))],
    ['plain arrays', Array.from(a.subarray(0, 3_000)), Array.from(normal(2_000, 22, 0.2))],
  ];

  it.each(cases)('%s', (_name, x, y) => {
    const expected = ksStatisticBySorting(x, y);
    expect(ksStatisticOf(x, y)).toBe(expected);
    expect(ksStatisticOf(y, x)).toBe(expected);
  });

  it('on 300 small random pairs with few distinct values', () => {
    const next = seededRandom(99);
    for (let k = 0; k < 300; k++) {
      const levels = 1 + Math.floor(next() * 40);
      const draw = (n: number, shift: number) => Float64Array.from({ length: n }, () => Math.floor(next() * levels + shift) / 4);
      const x = draw(1 + Math.floor(next() * 400), 0);
      const y = draw(1 + Math.floor(next() * 400), next() * 3);
      expect(ksStatisticOf(x, y)).toBe(ksStatisticBySorting(x, y));
    }
  });
});
