import { readFileSync } from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import {
  binCountsOf,
  DEFAULT_DRIFT_BINS,
  DEFAULT_MAX_CATEGORIES,
  DEFAULT_PSI_EPSILON,
  DRIFT_BASELINE_VERSION,
  DriftBaselineColumn,
  DriftColumnKind,
  DriftMath,
  DriftSeverity,
  ksStatisticOf,
  numericDriftOf,
  OTHER_CATEGORY,
  psiFromCounts,
  PSI_ACT_THRESHOLD,
  PSI_INVESTIGATE_THRESHOLD,
} from '../../lib/core/drift';
import { expectValidationError } from '../support/aws';
import { seededRandom } from '../support/random';

// Fixtures from scripts/drift-reference.py (numpy/scipy). Agreement: bin edges and counts are
// compared exactly (the quantiles follow numpy's arithmetic bit for bit); every statistic is
// compared with a RELATIVE tolerance of 1e-9 (|ts - ref| <= 1e-9 * |ref|, or both exactly equal),
// which also covers p-values far in the tail (down to 1e-300). Measured worst case: 5e-13.
const FIXTURE = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'drift', 'reference.json'), 'utf8'));
const RELATIVE_TOLERANCE = 1e-9;

/** `it.each` rows named by the fixture case. */
function cases(list: any[]): Array<[string, any]> {
  return list.map((c) => [c.name, c]);
}

function expectClose(actual: number, expected: number): void {
  if (actual === expected) {
    return;
  }
  const relative = Math.abs(actual - expected) / Math.abs(expected);
  if (!(relative <= RELATIVE_TOLERANCE)) {
    throw new Error(`expected ${actual} to be within ${RELATIVE_TOLERANCE} (relative) of ${expected}; off by ${relative}`);
  }
}

const problemsOf = (fn: () => unknown) => expectValidationError(fn).problems;


function naiveCounts(values: number[], cutPoints: number[]): number[] {
  const counts = new Array(cutPoints.length + 1).fill(0);
  for (const v of values) {
    let bin = 0;
    while (bin < cutPoints.length && v >= cutPoints[bin]) bin++;
    counts[bin]++;
  }
  return counts;
}

const uniform = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('reference fixtures (numpy/scipy)', () => {
  it('were generated with the documented method and epsilon', () => {
    expect(FIXTURE.quantileMethod).toBe('linear');
    expect(FIXTURE.defaultEpsilon).toBe(DEFAULT_PSI_EPSILON);
    expect(FIXTURE.numeric.length).toBeGreaterThan(5);
  });

  it.each(cases(FIXTURE.numeric))('numeric baseline and PSI: %s', (_name, c: any) => {
    const baseline = DriftMath.buildBaseline([{ name: 'x', numericValues: c.train }], { bins: c.bins });
    const column = baseline.features[0];
    expect(column.cutPoints).toEqual(c.cutPoints);
    expect(column.counts).toEqual(c.baselineCounts);
    const drift = DriftMath.driftForColumn(column, { name: 'x', numericValues: c.window }, { epsilon: c.epsilon });
    expect(drift.windowCounts).toEqual(c.windowCounts);
    expectClose(drift.psi, c.psi);
    expect(drift.chiSquared).toBeUndefined();
  });

  it.each(cases(FIXTURE.psi))('psi: %s', (_name, c: any) => {
    expectClose(DriftMath.psi(c.expected, c.actual, c.epsilon), c.psi);
  });

  it.each(cases(FIXTURE.ks))('ksStatistic: %s', (_name, c: any) => {
    expectClose(DriftMath.ksStatistic(c.a, c.b), c.statistic);
    expectClose(ksStatisticOf(Float64Array.from(c.b), Float64Array.from(c.a)), c.statistic);
  });

  it.each(cases(FIXTURE.chiSquared))('chiSquared: %s', (_name, c: any) => {
    const result = DriftMath.chiSquared(c.expected, c.observed);
    expectClose(result.statistic, c.statistic);
    expect(result.degreesOfFreedom).toBe(c.degreesOfFreedom);
    expectClose(result.pValue, c.pValue);
  });

  it(`chiSquaredSurvival matches scipy.stats.chi2.sf on ${FIXTURE.chi2Sf.length} points`, () => {
    for (const c of FIXTURE.chi2Sf) {
      try {
        expectClose(DriftMath.chiSquaredSurvival(c.x, c.dof), c.sf);
      } catch (e) {
        throw new Error(`x=${c.x} dof=${c.dof}: ${(e as Error).message}`);
      }
    }
  });

  it.each(cases(FIXTURE.categorical))('categorical baseline, PSI and chi-squared: %s', (_name, c: any) => {
    const baseline = DriftMath.buildBaseline([{ name: 'c', categoricalValues: c.train }], { maxCategories: c.maxCategories });
    const column = baseline.features[0];
    expect(column.categories).toEqual(c.categories);
    expect(column.counts).toEqual(c.baselineCounts);
    const drift = DriftMath.driftForColumn(column, { name: 'c', categoricalValues: c.window }, { epsilon: c.epsilon });
    expect(drift.windowCounts).toEqual(c.windowCounts);
    expectClose(drift.psi, c.psi);
    expectClose(drift.chiSquared!.statistic, c.chiSquared.statistic);
    expect(drift.chiSquared!.degreesOfFreedom).toBe(c.chiSquared.degreesOfFreedom);
    expectClose(drift.chiSquared!.pValue, c.chiSquared.pValue);
  });
});

describe('classify', () => {
  it('uses the documented thresholds', () => {
    expect(PSI_INVESTIGATE_THRESHOLD).toBe(0.1);
    expect(PSI_ACT_THRESHOLD).toBe(0.2);
  });

  it.each([
    [0, DriftSeverity.STABLE],
    [0.0999999, DriftSeverity.STABLE],
    [0.1, DriftSeverity.INVESTIGATE],
    [0.15, DriftSeverity.INVESTIGATE],
    [0.2, DriftSeverity.INVESTIGATE],
    [0.2000001, DriftSeverity.ACT],
    [5, DriftSeverity.ACT],
  ])('PSI %d is %s', (psi, severity) => {
    expect(DriftMath.classify(psi)).toBe(severity);
  });

  it.each([
    [-0.01, '-0.01'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
  ])('rejects %d', (psi, received) => {
    expect(problemsOf(() => DriftMath.classify(psi))).toEqual([
      { constructPath: 'DriftMath.classify', property: 'psi', received, allowed: 'must be a finite number >= 0' },
    ]);
  });
});

describe('psi', () => {
  const manual = (e: number[], a: number[], eps: number) =>
    e.reduce((s, ei, i) => {
      const ee = ei === 0 ? eps : ei;
      const aa = a[i] === 0 ? eps : a[i];
      return s + (aa - ee) * Math.log(aa / ee);
    }, 0);

  it('is 0 for identical distributions', () => {
    expect(DriftMath.psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });

  it('replaces empty bins by the default epsilon, 1e-4', () => {
    expect(DEFAULT_PSI_EPSILON).toBe(1e-4);
    const e = [0.5, 0.5, 0];
    const a = [0.4, 0.4, 0.2];
    const got = DriftMath.psi(e, a);
    expect(got).toBeCloseTo(manual(e, a, 1e-4), 15);
    // The empty bin alone contributes (0.2 - 1e-4) ln(0.2 / 1e-4).
    expect(got).toBeCloseTo(2 * (-0.1 * Math.log(0.8)) + (0.2 - 1e-4) * Math.log(0.2 / 1e-4), 15);
    // Empty on both sides contributes nothing.
    expect(DriftMath.psi([0.5, 0.5, 0], [0.5, 0.5, 0])).toBe(0);
  });

  it('takes a configured epsilon', () => {
    const e = [0, 0.6, 0.4];
    const a = [0.3, 0.3, 0.4];
    expect(DriftMath.psi(e, a, 1e-3)).toBeCloseTo(manual(e, a, 1e-3), 15);
    expect(DriftMath.psi(e, a, 1e-3)).toBeLessThan(DriftMath.psi(e, a));
  });

  it.each([
    ['mismatched lengths', [0.5, 0.5], [1], undefined, [{ property: 'actual', received: '1 items', allowed: 'must have as many items as the first argument (2)' }]],
    ['empty', [], [], undefined, [
      { property: 'expected', received: '[]', allowed: 'must not be empty' },
      { property: 'actual', received: '[]', allowed: 'must not be empty' },
    ]],
    ['a negative proportion', [1.5, -0.5], [0.5, 0.5], undefined, [
      { property: 'expected[1]', received: '-0.5', allowed: 'must be >= 0 (a count or proportion cannot be negative)' },
    ]],
    ['counts instead of proportions', [10, 30], [0.5, 0.5], undefined, [
      { property: 'expected', received: '[10,30]', allowed: 'must be proportions summing to 1 (divide counts by their total); the sum is 40' },
    ]],
    ['NaN', [0.5, NaN], [0.5, 0.5], undefined, [{ property: 'expected[1]', received: 'NaN', allowed: 'must be a number' }]],
    ['epsilon 0', [1], [1], 0, [{ property: 'epsilon', received: '0', allowed: 'must be greater than 0 and less than 1' }]],
    ['epsilon 1', [1], [1], 1, [{ property: 'epsilon', received: '1', allowed: 'must be greater than 0 and less than 1' }]],
  ])('rejects %s', (_what, e, a, eps, expected) => {
    expect(problemsOf(() => DriftMath.psi(e as number[], a as number[], eps))).toEqual(
      (expected as any[]).map((p) => ({ constructPath: 'DriftMath.psi', ...p })),
    );
  });

  it('psiFromCounts divides counts by their totals', () => {
    expect(psiFromCounts([10, 30, 0], Float64Array.from([2, 1, 1]))).toBeCloseTo(DriftMath.psi([0.25, 0.75, 0], [0.5, 0.25, 0.25]), 15);
    expect(problemsOf(() => psiFromCounts([0, 0], [1, 1]))).toEqual([
      { constructPath: 'psiFromCounts', property: 'expectedCounts', received: '[0,0]', allowed: 'must have a total above 0' },
    ]);
  });
});

describe('binCounts', () => {
  it('one pass with binary search equals a naive count on random data', () => {
    const next = seededRandom(42);
    for (let trial = 0; trial < 20; trial++) {
      const m = Math.floor(next() * 30);
      const cutPoints = [...new Set(Array.from({ length: m }, () => Math.round((next() * 20 - 10) * 4) / 4))].sort((a, b) => a - b);
      // Values on a grid of 0.25 hit the edges exactly; plus the open ends.
      const values = Array.from({ length: 5000 }, () => Math.round((next() * 24 - 12) * 4) / 4);
      values.push(-Infinity, Infinity, -1e308, 1e308);
      const expected = naiveCounts(values, cutPoints);
      expect(DriftMath.binCounts(values, cutPoints)).toEqual(expected);
      expect(Array.from(binCountsOf(Float64Array.from(values), Float64Array.from(cutPoints)))).toEqual(expected);
    }
  });

  it('puts a value on an edge in the bin to its right (left-closed bins)', () => {
    expect(DriftMath.binCounts([0, 1, 1.5, 2, 3], [1, 2])).toEqual([1, 2, 2]);
  });

  it('counts everything in one bin without cut points, and nothing without values', () => {
    expect(DriftMath.binCounts([3, -1, 7], [])).toEqual([3]);
    expect(DriftMath.binCounts([], [0])).toEqual([0, 0]);
  });

  it.each([
    ['unsorted edges', [1, 3], [0, 2, 1], [{ property: 'cutPoints[2]', received: '1', allowed: 'must be greater than the previous edge (2): edges are strictly increasing' }]],
    ['equal edges', [1], [0, 0], [{ property: 'cutPoints[1]', received: '0', allowed: 'must be greater than the previous edge (0): edges are strictly increasing' }]],
    ['an infinite edge', [1], [0, Infinity], [{ property: 'cutPoints[1]', received: 'Infinity', allowed: 'must be a finite number (the open ends are implicit)' }]],
    ['a NaN value', [1, NaN], [0], [{ property: 'values[1]', received: 'NaN', allowed: 'must be a number (NaN is not binnable)' }]],
  ])('rejects %s', (_what, values, cutPoints, expected) => {
    expect(problemsOf(() => DriftMath.binCounts(values as number[], cutPoints as number[]))).toEqual(
      (expected as any[]).map((p) => ({ constructPath: 'DriftMath.binCounts', ...p })),
    );
  });
});

describe('ksStatistic', () => {
  it('is 0 for the same sample and 1 for disjoint ones', () => {
    expect(DriftMath.ksStatistic([3, 1, 2], [2, 3, 1])).toBe(0);
    expect(DriftMath.ksStatistic([1, 2], [3, 4, 5])).toBe(1);
  });

  it('handles ties across the samples', () => {
    // F_A jumps to 1 at 1; F_B is 2/3 there.
    expect(DriftMath.ksStatistic([1, 1], [1, 1, 2])).toBeCloseTo(1 / 3, 15);
  });

  it.each([
    ['an empty sample', [], [1], [{ property: 'sampleA', received: '[]', allowed: 'must not be empty' }]],
    ['NaN', [1], [NaN], [{ property: 'sampleB[0]', received: 'NaN', allowed: 'must be a number' }]],
  ])('rejects %s', (_what, a, b, expected) => {
    expect(problemsOf(() => DriftMath.ksStatistic(a as number[], b as number[]))).toEqual(
      (expected as any[]).map((p) => ({ constructPath: 'DriftMath.ksStatistic', ...p })),
    );
  });
});

describe('chiSquared', () => {
  it('is 0 with p-value 1 when the observed counts match exactly', () => {
    expect(DriftMath.chiSquared([1, 1, 2], [25, 25, 50])).toEqual({ statistic: 0, degreesOfFreedom: 2, pValue: 1 });
  });

  it('gives the textbook 5% critical value for one degree of freedom', () => {
    expect(DriftMath.chiSquaredSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 14);
    expect(DriftMath.chiSquaredSurvival(0, 3)).toBe(1);
  });

  it.each([
    ['a zero expected frequency', [0, 1], [1, 1], [{ property: 'expectedFrequencies[0]', received: '0', allowed: 'must be greater than 0' }]],
    ['a negative count', [1, 1], [-1, 3], [{ property: 'observedCounts[0]', received: '-1', allowed: 'must be >= 0 (a count or proportion cannot be negative)' }]],
    ['mismatched lengths', [1, 1, 1], [1, 1], [{ property: 'observedCounts', received: '2 items', allowed: 'must have as many items as the first argument (3)' }]],
    ['one category', [1], [1], [
      { property: 'expectedFrequencies', received: '[1]', allowed: 'must have at least 2 items' },
      { property: 'observedCounts', received: '[1]', allowed: 'must have at least 2 items' },
    ]],
    ['no observations', [1, 1], [0, 0], [{ property: 'observedCounts', received: '[0,0]', allowed: 'must have a total above 0' }]],
  ])('rejects %s', (_what, e, o, expected) => {
    expect(problemsOf(() => DriftMath.chiSquared(e as number[], o as number[]))).toEqual(
      (expected as any[]).map((p) => ({ constructPath: 'DriftMath.chiSquared', ...p })),
    );
  });

  it('chiSquaredSurvival rejects a negative statistic and zero degrees of freedom together', () => {
    expect(problemsOf(() => DriftMath.chiSquaredSurvival(-1, 0))).toEqual([
      { constructPath: 'DriftMath.chiSquaredSurvival', property: 'x', received: '-1', allowed: 'must be a finite number >= 0' },
      { constructPath: 'DriftMath.chiSquaredSurvival', property: 'degreesOfFreedom', received: '0', allowed: 'must be a finite number greater than 0' },
    ]);
  });
});

describe('buildBaseline', () => {
  it('defaults to 10 quantile bins and 50 categories', () => {
    expect(DEFAULT_DRIFT_BINS).toBe(10);
    expect(DEFAULT_MAX_CATEGORIES).toBe(50);
    const categories = Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const b = DriftMath.buildBaseline([
      { name: 'amount', numericValues: uniform(1001) },
      { name: 'country', categoricalValues: categories },
    ]);
    expect(b.version).toBe(DRIFT_BASELINE_VERSION);
    expect(b.features[0]).toEqual({
      name: 'amount',
      kind: DriftColumnKind.NUMERIC,
      cutPoints: [100, 200, 300, 400, 500, 600, 700, 800, 900],
      counts: [100, 100, 100, 100, 100, 100, 100, 100, 100, 101],
    });
    expect(b.features[1].categories).toEqual([...categories.slice(0, 50), OTHER_CATEGORY]);
    expect(b.features[1].counts).toEqual([...new Array(50).fill(1), 10]);
    expect(b.prediction).toBeUndefined();
  });

  it('takes bins, maxCategories and a prediction column', () => {
    const b = DriftMath.buildBaseline(
      [{ name: 'country', categoricalValues: ['DE', 'FR', 'DE', 'IT', 'FR', 'DE', 'ES'] }],
      { bins: 4, maxCategories: 2, prediction: { name: 'score', numericValues: uniform(101) } },
    );
    expect(b.features[0]).toEqual({ name: 'country', kind: DriftColumnKind.CATEGORICAL, categories: ['DE', 'FR', OTHER_CATEGORY], counts: [3, 2, 2] });
    expect(b.prediction).toEqual({ name: 'score', kind: DriftColumnKind.NUMERIC, cutPoints: [25, 50, 75], counts: [25, 25, 25, 26] });
  });

  it('merges equal quantiles (ties), giving fewer bins', () => {
    const b = DriftMath.buildBaseline([{ name: 'flag', numericValues: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1] }]);
    // As numpy: np.unique(np.quantile(x, np.arange(1, 10) / 10)) == [0.0, 0.20000000000000018, 1.0]
    expect(b.features[0].cutPoints).toEqual([0, 0.20000000000000018, 1]);
    expect(b.features[0].counts).toEqual([0, 8, 0, 2]);
  });

  const P = 'DriftMath.buildBaseline';
  it.each([
    ['no features', [], {}, [{ property: 'features', received: '[]', allowed: 'must list at least one column' }]],
    ['both kinds of values', [{ name: 'x', numericValues: [1], categoricalValues: ['a'] }], {}, [
      { property: 'features[0]', received: '{"name":"x"}', allowed: 'must set exactly one of numericValues and categoricalValues' },
    ]],
    ['no values', [{ name: 'x', numericValues: [] }], {}, [{ property: 'features[0].numericValues', received: '[]', allowed: 'must have at least one value' }]],
    ['an infinite training value', [{ name: 'x', numericValues: [1, -Infinity] }], {}, [
      { property: 'features[0].numericValues[1]', received: '-Infinity', allowed: 'must be a finite number' },
    ]],
    ['duplicate names', [{ name: 'x', numericValues: [1] }, { name: 'x', numericValues: [2] }], {}, [
      { property: 'features[1].name', received: '"x"', allowed: 'must be unique among the features' },
    ]],
    ['the reserved category', [{ name: 'c', categoricalValues: ['a', OTHER_CATEGORY] }], {}, [
      { property: 'features[0].categoricalValues[1]', received: '"__other__"', allowed: 'must not be "__other__" (reserved for the bucket of other categories)' },
    ]],
    ['1 bin', [{ name: 'x', numericValues: [1] }], { bins: 1 }, [{ property: 'bins', received: '1', allowed: 'must be at least 2' }]],
    ['1001 bins', [{ name: 'x', numericValues: [1] }], { bins: 1001 }, [{ property: 'bins', received: '1001', allowed: 'must be at most 1000' }]],
    ['0 categories', [{ name: 'x', numericValues: [1] }], { maxCategories: 0 }, [{ property: 'maxCategories', received: '0', allowed: 'must be at least 1' }]],
    ['a bad prediction column', [{ name: 'x', numericValues: [1] }], { prediction: { name: '', numericValues: [NaN] } }, [
      { property: 'prediction.name', received: '""', allowed: 'must be a non-empty string' },
      { property: 'prediction.numericValues[0]', received: 'NaN', allowed: 'must be a finite number' },
    ]],
  ])('rejects %s', (_what, features, options, expected) => {
    expect(problemsOf(() => DriftMath.buildBaseline(features as any, options as any))).toEqual(
      (expected as any[]).map((p) => ({ constructPath: P, ...p })),
    );
  });
});

describe('baseline JSON', () => {
  const baseline = DriftMath.buildBaseline(
    [{ name: 'amount', numericValues: uniform(100) }, { name: 'country', categoricalValues: ['DE', 'FR', 'DE'] }],
    { bins: 4, prediction: { name: 'label', categoricalValues: ['fraud', 'ok', 'ok'] } },
  );

  it('writes version 1 with the open ends as null, and reads it back', () => {
    const json = DriftMath.baselineToJson(baseline);
    const doc = JSON.parse(json);
    expect(doc.version).toBe(1);
    expect(doc.features[0]).toEqual({ name: 'amount', kind: 'NUMERIC', edges: [null, 24.75, 49.5, 74.25, null], counts: [25, 25, 25, 25] });
    expect(doc.features[1]).toEqual({ name: 'country', kind: 'CATEGORICAL', categories: ['DE', 'FR', '__other__'], counts: [2, 1, 0] });
    expect(DriftMath.parseBaseline(json)).toEqual(baseline);
  });

  const P = 'DriftMath.parseBaseline';
  const numeric = (extra: object) => JSON.stringify({ version: 1, features: [{ name: 'x', kind: 'NUMERIC', edges: [null, 1, 2, null], counts: [1, 1, 1], ...extra }] });
  it.each([
    ['an unknown version', '{"version":2,"features":[]}', [{ property: 'version', received: '2', allowed: 'must be 1 (the baseline format this library reads)' }]],
    ['a missing version', '{"features":[]}', [{ property: 'version', received: 'undefined', allowed: 'must be 1 (the baseline format this library reads)' }]],
    ['unsorted edges', numeric({ edges: [null, 2, 1, null] }), [
      { property: 'features[0].edges[2]', received: '1', allowed: 'must be greater than the previous edge (2): edges are strictly increasing' },
    ]],
    ['closed ends', numeric({ edges: [0, 1, 2, 3] }), [
      { property: 'features[0].edges', received: '[0,1,2,3]', allowed: 'must start and end with null (the open ends, -Infinity and +Infinity)' },
    ]],
    ['a count per edge', numeric({ counts: [1, 1, 1, 1] }), [{ property: 'features[0].counts', received: '[1,1,1,1]', allowed: 'must have one count per bin (3)' }]],
    ['a negative count', numeric({ counts: [1, -1, 1] }), [{ property: 'features[0].counts[1]', received: '-1', allowed: 'must be at least 0' }]],
    ['no training values', numeric({ counts: [0, 0, 0] }), [
      { property: 'features[0].counts', received: '[0,0,0]', allowed: 'must have a total above 0 (a baseline needs training values)' },
    ]],
    ['no __other__ bucket', JSON.stringify({ version: 1, features: [{ name: 'c', kind: 'CATEGORICAL', categories: ['a'], counts: [1] }] }), [
      { property: 'features[0].categories', received: '["a"]', allowed: 'must end with "__other__"' },
    ]],
    ['an unknown kind', JSON.stringify({ version: 1, features: [{ name: 'c', kind: 'TEXT', counts: [1] }] }), [
      { property: 'features[0].kind', received: '"TEXT"', allowed: 'must be "NUMERIC" or "CATEGORICAL"' },
    ]],
  ])('rejects %s', (_what, json, expected) => {
    expect(problemsOf(() => DriftMath.parseBaseline(json as string))).toEqual((expected as any[]).map((p) => ({ constructPath: P, ...p })));
  });

  it('rejects text that is not JSON', () => {
    const [p] = problemsOf(() => DriftMath.parseBaseline('{"version":'));
    expect(p.property).toBe('');
    expect(p.allowed).toMatch(/^must be a JSON document/);
  });

  it('baselineToJson rejects a hand-made baseline, naming its own fields', () => {
    const bad = { version: 1, features: [{ name: 'x', kind: DriftColumnKind.NUMERIC, cutPoints: [2, 1], counts: [1, 1, 1] }] };
    expect(problemsOf(() => DriftMath.baselineToJson(bad))).toEqual([{
      constructPath: 'DriftMath.baselineToJson',
      property: 'features[0].cutPoints[1]',
      received: '1',
      allowed: 'must be greater than the previous edge (2): edges are strictly increasing',
    }]);
  });
});

describe('driftForColumn', () => {
  const baseline = DriftMath.buildBaseline(
    [{ name: 'amount', numericValues: uniform(1000) }, { name: 'country', categoricalValues: ['DE', 'DE', 'FR', 'IT'] }],
    { maxCategories: 2 },
  );
  const [amount, country] = baseline.features;

  it('numeric: PSI over the baseline bins with the default epsilon', () => {
    const window = [...uniform(500), ...new Array(100).fill(5000)];
    const drift = DriftMath.driftForColumn(amount, { name: 'amount', numericValues: window });
    expect(drift.windowCount).toBe(600);
    expect(drift.windowCounts).toEqual([100, 100, 100, 100, 100, 0, 0, 0, 0, 100]);
    const expected = DriftMath.psi(new Array(10).fill(0.1), drift.windowCounts.map((c) => c / 600));
    expect(drift.psi).toBe(expected);
    expect(drift.severity).toBe(DriftSeverity.ACT);
    expect(drift.chiSquared).toBeUndefined();
  });

  it('numeric: a configured epsilon, and the typed-array path gives the same result', () => {
    const window = [...uniform(500), ...new Array(100).fill(5000)];
    const configured = DriftMath.driftForColumn(amount, { name: 'amount', numericValues: window }, { epsilon: 1e-2 });
    expect(configured.psi).toBeLessThan(DriftMath.driftForColumn(amount, { name: 'amount', numericValues: window }).psi);
    expect(numericDriftOf(amount, Float64Array.from(window), 1e-2)).toEqual(configured);
  });

  it('categorical: unseen categories count as __other__, with PSI and chi-squared', () => {
    const drift = DriftMath.driftForColumn(country, { name: 'country', categoricalValues: ['DE', 'FR', 'ES', 'PT'] });
    expect(country.categories).toEqual(['DE', 'FR', OTHER_CATEGORY]);
    expect(drift.windowCounts).toEqual([1, 1, 2]);
    expect(drift.psi).toBeCloseTo(DriftMath.psi([0.5, 0.25, 0.25], [0.25, 0.25, 0.5]), 15);
    expect(drift.chiSquared).toEqual(DriftMath.chiSquared([0.5, 0.25, 0.25], [1, 1, 2]));
    expect(drift.severity).toBe(DriftMath.classify(drift.psi));
  });

  it('categorical: an empty baseline bucket is floored to epsilon for chi-squared', () => {
    const column: DriftBaselineColumn = { name: 'c', kind: DriftColumnKind.CATEGORICAL, categories: ['a', OTHER_CATEGORY], counts: [10, 0] };
    const drift = DriftMath.driftForColumn(column, { name: 'c', categoricalValues: ['a', 'b'] });
    expect(drift.chiSquared).toEqual(DriftMath.chiSquared([1, DEFAULT_PSI_EPSILON], [1, 1]));
    expect(Number.isFinite(drift.chiSquared!.statistic)).toBe(true);
  });

  const P = 'DriftMath.driftForColumn';
  it.each([
    ['another column', () => DriftMath.driftForColumn(amount, { name: 'price', numericValues: [1] }), [
      { property: 'window.name', received: '"price"', allowed: 'must be the baseline column\'s name, "amount"' },
    ]],
    ['categorical values for a numeric column', () => DriftMath.driftForColumn(amount, { name: 'amount', categoricalValues: ['a'] }), [
      { property: 'window.categoricalValues', received: '["a"]', allowed: 'must not be set: column "amount" is numeric (set numericValues)' },
    ]],
    ['an empty window', () => DriftMath.driftForColumn(amount, { name: 'amount', numericValues: [] }), [
      { property: 'window.numericValues', received: '[]', allowed: 'must have at least one value' },
    ]],
    ['NaN in the window', () => DriftMath.driftForColumn(amount, { name: 'amount', numericValues: [1, NaN] }), [
      { property: 'window.numericValues[1]', received: 'NaN', allowed: 'must be a number (not NaN)' },
    ]],
    ['a bad epsilon', () => DriftMath.driftForColumn(amount, { name: 'amount', numericValues: [1] }, { epsilon: -1 }), [
      { property: 'epsilon', received: '-1', allowed: 'must be greater than 0 and less than 1' },
    ]],
    ['an inconsistent baseline column', () => DriftMath.driftForColumn({ ...amount, counts: [1] }, { name: 'amount', numericValues: [1] }), [
      { property: 'column.counts', received: '[1]', allowed: 'must have one count per bin (10)' },
    ]],
  ])('rejects %s', (_what, fn, expected) => {
    expect(problemsOf(fn as () => unknown)).toEqual((expected as any[]).map((p) => ({ constructPath: P, ...p })));
  });
});
