import { readFileSync } from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { ExperimentMath, ExperimentMetric, ExperimentMetricKind, ExperimentSpec, ExperimentTestKind } from '../../lib/core/experiment';
import { msprtHalfWidth, msprtLogLikelihoodRatio } from '../../lib/core/experiment/sequential';

// Fixtures from scripts/experiment-reference.py (statsmodels 0.15.0, scipy 1.17.1; regenerate with
// `bash scripts/experiment-reference.sh`). Every real number agrees to 1e-9 RELATIVE
// (|ts − ref| <= 1e-9·|ref|, or both equal; absolute 1e-300 for an exact 0), whole sample sizes are
// equal after rounding up. Measured worst case: 2e-13 (a Welch bound: sums of squares against
// statsmodels' two-pass variance); the normal cdf 5e-14 at z = −37.5 (Φ = 4.6e-308).
const FIXTURE = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'experiment', 'reference.json'), 'utf8'));
const TOLERANCE = 1e-9;

function expectClose(actual: number, expected: number, tolerance = TOLERANCE): void {
  if (actual === expected || (expected === 0 && Math.abs(actual) < 1e-300)) {
    return;
  }
  const relative = Math.abs(actual - expected) / Math.abs(expected);
  if (!(relative <= tolerance)) {
    throw new Error(`expected ${actual} to be within ${tolerance} (relative) of ${expected}; off by ${relative}`);
  }
}

const named = <T extends object>(rows: T[]) => rows.map((r): [string, T] => [JSON.stringify(r).slice(0, 110), r]);

describe('the standard normal agrees with scipy.stats.norm', () => {
  it.each(named(FIXTURE.normal.quantile))('ppf %s', (_n, c: any) => {
    expectClose(ExperimentMath.normalQuantile(c.p), c.z);
  });
  it.each(named(FIXTURE.normal.cdf))('cdf and sf %s', (_n, c: any) => {
    expectClose(ExperimentMath.normalCdf(c.z), c.cdf);
    expectClose(ExperimentMath.normalCdf(-c.z), c.sf);
  });
  it('has its edges', () => {
    expect(ExperimentMath.normalQuantile(0)).toBe(-Infinity);
    expect(ExperimentMath.normalQuantile(1)).toBe(Infinity);
    expect(ExperimentMath.normalQuantile(0.5)).toBe(0);
    expect(ExperimentMath.normalCdf(0)).toBe(0.5);
    expect(ExperimentMath.normalCdf(-Infinity)).toBe(0);
  });
});

describe('fixed-horizon sample sizes agree with statsmodels', () => {
  it.each(named(FIXTURE.proportions))('proportions (samplesize_proportions_2indep_onetail) %s', (_n, c: any) => {
    const metric: ExperimentMetric = {
      name: 'conversion', kind: ExperimentMetricKind.PROPORTION, baseline: c.baseline, minimumDetectableEffect: c.minimumDetectableEffect, higherIsBetter: c.higherIsBetter,
    };
    const n = ExperimentMath.fixedHorizonSampleSize(metric, c.alpha, c.power, c.challengerPercent / 100);
    expectClose(n.challengerExact, c.challenger);
    expectClose(n.controlExact, c.control);
    expect(n.challenger).toBe(Math.ceil(c.challenger));
    expect(n.control).toBe(Math.ceil(c.control));
  });

  it.each(named(FIXTURE.means))('means (NormalIndPower().power solved) %s', (_n, c: any) => {
    const metric: ExperimentMetric = {
      name: 'revenue', kind: ExperimentMetricKind.MEAN, baseline: c.baseline, standardDeviation: c.standardDeviation, minimumDetectableEffect: c.minimumDetectableEffect,
    };
    const n = ExperimentMath.fixedHorizonSampleSize(metric, c.alpha, c.power, c.challengerPercent / 100);
    expectClose(n.challengerExact, c.challenger);
    expectClose(n.controlExact, c.control);
    expect(n.challenger).toBe(Math.ceil(c.challenger));
    expect(n.control).toBe(Math.ceil(c.control));
    // solve_power's own root finder stops earlier (its answer is up to 4e-8 off the root).
    expectClose(n.challengerExact, c.solvePower, 1e-6);
  });
});

describe('the tests agree with statsmodels', () => {
  it.each(named(FIXTURE.proportionsTest))('proportions_ztest (pooled) and the Wald interval %s', (_n, c: any) => {
    const r = ExperimentMath.fixedHorizonTest(ExperimentMetricKind.PROPORTION, c.control, c.challenger, c.alpha);
    expect(r.tested).toBe(true);
    expectClose(r.estimate, c.estimate);
    expectClose(r.pValue, c.pValue);
    expectClose(r.lower, c.lower);
    expectClose(r.upper, c.upper);
  });

  it.each(named(FIXTURE.meansTest))('Welch z-test and interval (CompareMeans, usevar=unequal) %s', (_n, c: any) => {
    const r = ExperimentMath.fixedHorizonTest(ExperimentMetricKind.MEAN, c.control, c.challenger, c.alpha);
    expectClose(r.estimate, c.estimate);
    expectClose(r.pValue, c.pValue);
    expectClose(r.lower, c.lower);
    expectClose(r.upper, c.upper);
  });

  it.each(named(FIXTURE.msprt))('mSPRT p-value and confidence sequence (frouros\' spelling, inverted numerically) %s', (_n, c: any) => {
    // The kernels ExperimentMath.sequentialTest runs, at the case's estimate and variance.
    expectClose(Math.min(1, Math.exp(-msprtLogLikelihoodRatio(c.estimate, c.variance, c.mixingVariance))), c.pValue);
    const half = msprtHalfWidth(c.variance, c.mixingVariance, c.alpha);
    expectClose(c.estimate - half, c.lower);
    expectClose(c.estimate + half, c.upper);
  });
});

describe('ExperimentMath.sequentialTest', () => {
  it('is the mSPRT of the arms\' difference and its variance (the first fixture case: 2,800 vs 2,500 of 50,000)', () => {
    const c = FIXTURE.msprt[0];
    const control = { units: 50000, sum: 2500 };
    const r = ExperimentMath.sequentialTest(ExperimentMetricKind.PROPORTION, control, { units: 50000, sum: 2800 }, c.alpha, c.mixingVariance);
    expectClose(r.estimate, c.estimate);
    expectClose(r.variance, c.variance);
    expectClose(r.pValue, c.pValue);
    expectClose(r.lower, c.lower);
    expectClose(r.upper, c.upper);
  });
});

describe('ExperimentMath.design', () => {
  const spec: ExperimentSpec = {
    name: 'checkout',
    primaryMetric: { name: 'conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.05, minimumDetectableEffect: 0.005 },
    expectedDailyUnits: 20000,
  };

  it('sizes a fixed-horizon test with statsmodels\' sample and rounds the runtime up to whole weeks', () => {
    const d = ExperimentMath.design({ ...spec, test: ExperimentTestKind.FIXED_HORIZON });
    const c = FIXTURE.proportions[0];
    expect(d.sampleSizeChallenger).toBe(Math.ceil(c.challenger));
    expect(d.sampleSizeControl).toBe(Math.ceil(c.control));
    expect(d.sampleSizeTotal).toBe(2 * Math.ceil(c.challenger));
    expect(d.daysForSampleSize).toBe(Math.ceil(Math.ceil(c.challenger) / 10000));
    expect(d.plannedDays).toBe(14); // 4 days of traffic, the 14-day minimum
    expect(ExperimentMath.design({ ...spec, test: ExperimentTestKind.FIXED_HORIZON, expectedDailyUnits: 3000 }).plannedDays).toBe(21); // 21 days
    expect(ExperimentMath.design({ ...spec, test: ExperimentTestKind.FIXED_HORIZON, expectedDailyUnits: 2900, minimumDays: 7 }).plannedDays).toBe(28); // 22 days
  });

  it('sizes the sequential test for its power at the last look: more units than the fixed horizon', () => {
    const d = ExperimentMath.design(spec);
    expect(d.test).toBe(ExperimentTestKind.SEQUENTIAL);
    expect(d.mixingVariance).toBeCloseTo(0.005 ** 2, 15);
    expect(d.sampleSizeTotal).toBeGreaterThan(d.fixedHorizonSampleSizeTotal);
    expect(d.sampleSizeTotal / d.fixedHorizonSampleSizeTotal).toBeLessThan(2.5);
  });

  it('gives the README\'s example table', () => {
    const revenue: ExperimentSpec = {
      ...spec,
      name: 'revenue',
      primaryMetric: { name: 'revenue', kind: ExperimentMetricKind.MEAN, baseline: 12, standardDeviation: 30, minimumDetectableEffect: 0.5 },
    };
    const row = (s: ExperimentSpec, test: ExperimentTestKind, daily = 20000) => {
      const d = ExperimentMath.design({ ...s, test, expectedDailyUnits: daily });
      return [d.sampleSizeControl, d.sampleSizeChallenger, d.sampleSizeTotal, d.daysForSampleSize, d.plannedDays];
    };
    expect(row(spec, ExperimentTestKind.FIXED_HORIZON)).toEqual([31234, 31234, 62468, 4, 14]);
    expect(row(spec, ExperimentTestKind.SEQUENTIAL)).toEqual([60524, 60524, 121048, 7, 14]);
    expect(row(revenue, ExperimentTestKind.FIXED_HORIZON)).toEqual([56512, 56512, 113024, 6, 14]);
    expect(row(revenue, ExperimentTestKind.SEQUENTIAL)).toEqual([109517, 109517, 219034, 11, 14]);
    const tests = [ExperimentTestKind.FIXED_HORIZON, ExperimentTestKind.SEQUENTIAL];
    expect([spec, revenue].flatMap((s) => tests.map((t) => row(s, t, 5000)[4]))).toEqual([14, 28, 28, 49]);
    // The README prints these rows: it must say what the code computes.
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf-8');
    const n = (x: number) => x.toLocaleString('en-US');
    for (const [s, label] of [[spec, 'conversion, PROPORTION, baseline 5 %, MDE +0.5 pt'], [revenue, 'revenue, MEAN, baseline 12.0, sd 30, MDE +0.5']] as const) {
      for (const t of tests) {
        const [c, , total, days, planned] = row(s, t);
        expect(readme).toContain(`| ${label} | ${t} | ${n(c)} | ${n(total)} | ${days} | ${planned} |`);
      }
    }
  });

  it('splits by challengerPercent', () => {
    const d = ExperimentMath.design({ ...spec, challengerPercent: 20, test: ExperimentTestKind.FIXED_HORIZON });
    // 20 % challenger: the control has 4 units for each of the challenger's.
    expect(d.sampleSizeControl / d.sampleSizeChallenger).toBeCloseTo(4, 3);
    expect(d.daysForSampleSize).toBe(Math.ceil(d.sampleSizeChallenger / 4000 - 1e-9));
  });
});
