import { describe, expect, it } from 'vitest';
import {
  ArmSummary,
  ExperimentDecisionKind,
  ExperimentMath,
  ExperimentMetricKind,
  ExperimentSpec,
  ExperimentTestKind,
} from '../../lib/core/experiment';
import { expectValidationError } from '../support/aws';
import { seededRandom } from '../support/random';

// The sequential test's promises, by seeded simulation (the whole file runs in about a second):
// - under no effect, looked at after every day for 28 days, the always-valid p-value falls to alpha
//   in at most alpha of the experiments;
// - under the designed effect, with the designed daily traffic, it detects the effect by the planned
//   horizon in at least `power` of them.
// Measured (these seeds): false positives 0.015 (PROPORTION) and 0.018 (MEAN); the fixed z-test
// peeked at daily 0.278; detection by the planned day 0.8425 (PROPORTION) and 0.847 (MEAN) at power
// 0.8; with only the fixed-horizon sample in the same 14 days, 0.5115.
// Monte Carlo error: with R replications a rate q is estimated with standard error sqrt(q(1−q)/R);
// each bound allows 3 standard errors (a correct implementation fails one of these four checks by
// chance with probability about 4 × 0.00135).

const R = 2000;
const DAYS = 28;
const mcError = (q: number) => Math.sqrt((q * (1 - q)) / R);

/** Standard normal draws (Box–Muller) from a seeded uniform generator. */
function normals(seed: number): () => number {
  const u = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/** One arm's day: `units` users of a metric with mean `mean` (a proportion p for PROPORTION, sd `sd` for MEAN). */
type DayDraw = (units: number) => { sum: number; sumOfSquares: number };

/** Binomial(n, p) by its normal approximation (n·p is in the hundreds here), rounded to whole conversions. */
function proportionDay(p: number, z: () => number): DayDraw {
  return (n) => {
    const x = Math.max(0, Math.min(n, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * z())));
    return { sum: x, sumOfSquares: x };
  };
}

/**
 * A day of n values with mean `mean` and sd `sd`: the sample mean ~ N(mean, sd²/n) and the sum of
 * squared deviations ~ sd²·χ²(n − 1) by its normal approximation (n is in the thousands).
 */
function meanDay(mean: number, sd: number, z: () => number): DayDraw {
  return (n) => {
    const m = mean + (sd / Math.sqrt(n)) * z();
    const squares = sd * sd * Math.max(0, n - 1 + Math.sqrt(2 * (n - 1)) * z());
    return { sum: n * m, sumOfSquares: squares + n * m * m };
  };
}

interface Run {
  /** Day on which the decision stopped the experiment, or undefined. */
  readonly stoppedOn?: number;
  readonly kind: ExperimentDecisionKind;
}

/**
 * Run one experiment day by day with the spec's daily traffic: the arms' cumulative summaries, one
 * analysis a day. `analysis` returns a decision kind for (control, challenger, day, previous p).
 */
type Analysis = (c: ArmSummary, t: ArmSummary, day: number, previousP: number) => [ExperimentDecisionKind, number];

function simulate(spec: ExperimentSpec, days: number, control: DayDraw, challenger: DayDraw, analyse: Analysis): Run {
  const cFraction = (spec.challengerPercent ?? 50) / 100;
  const nChallenger = Math.round(spec.expectedDailyUnits * cFraction);
  const nControl = Math.round(spec.expectedDailyUnits) - nChallenger;
  const c = { units: 0, sum: 0, sumOfSquares: 0 };
  const t = { units: 0, sum: 0, sumOfSquares: 0 };
  let p = 1;
  for (let day = 1; day <= days; day++) {
    const dc = control(nControl);
    const dt = challenger(nChallenger);
    c.units += nControl; c.sum += dc.sum; c.sumOfSquares += dc.sumOfSquares;
    t.units += nChallenger; t.sum += dt.sum; t.sumOfSquares += dt.sumOfSquares;
    const [kind, pNow] = analyse(c, t, day, p);
    p = pNow;
    if (kind !== ExperimentDecisionKind.CONTINUE) {
      return { stoppedOn: day, kind };
    }
  }
  return { kind: ExperimentDecisionKind.CONTINUE };
}

/**
 * The sequential decision without the schema's per-call validation (56,000 analyses): the same kernel
 * and rule as `ExperimentMath.decide` (that they agree is checked below on a sample).
 */
function sequentialAnalysis(spec: ExperimentSpec, days = Infinity) {
  const design = ExperimentMath.design(spec);
  const kind = spec.primaryMetric.kind;
  return (c: ArmSummary, t: ArmSummary, day: number, previousP: number): [ExperimentDecisionKind, number] => {
    const r = ExperimentMath.sequentialTest(kind, c, t, design.alpha, design.mixingVariance);
    const p = Math.min(previousP, r.pValue);
    if (p <= design.alpha && r.estimate !== 0) {
      return [r.estimate > 0 ? ExperimentDecisionKind.CHALLENGER_WINS : ExperimentDecisionKind.CONTROL_WINS, p];
    }
    return [day >= Math.min(days, design.plannedDays) ? ExperimentDecisionKind.NO_DIFFERENCE : ExperimentDecisionKind.CONTINUE, p];
  };
}

const conversion: ExperimentSpec = {
  name: 'checkout',
  primaryMetric: { name: 'conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.05, minimumDetectableEffect: 0.005 },
  expectedDailyUnits: 20000,
  minimumDays: 28,
};

const revenue: ExperimentSpec = {
  name: 'revenue',
  primaryMetric: { name: 'revenue', kind: ExperimentMetricKind.MEAN, baseline: 12, standardDeviation: 30, minimumDetectableEffect: 0.5 },
  expectedDailyUnits: 20000,
  minimumDays: 28,
};

const alpha = 0.05;
const fprBound = alpha + 3 * mcError(alpha); // 0.0646 at R = 2000

function rate(runs: Run[], pred: (r: Run) => boolean): number {
  return runs.filter(pred).length / runs.length;
}

describe(`mSPRT under no effect, 28 daily looks, ${R} replications: false-positive rate <= alpha + 3 MC errors (${fprBound.toFixed(4)})`, () => {
  it('PROPORTION (5 % conversion, 20,000 users a day)', () => {
    const z = normals(17);
    const analyse = sequentialAnalysis(conversion);
    const runs = Array.from({ length: R }, () => simulate(conversion, DAYS, proportionDay(0.05, z), proportionDay(0.05, z), analyse));
    const fpr = rate(runs, (r) => r.kind === ExperimentDecisionKind.CHALLENGER_WINS || r.kind === ExperimentDecisionKind.CONTROL_WINS);
    expect(fpr).toBeLessThanOrEqual(fprBound);
  });

  it('MEAN (revenue 12 ± 30 per user, 20,000 users a day)', () => {
    const z = normals(18);
    const analyse = sequentialAnalysis(revenue);
    const runs = Array.from({ length: R }, () => simulate(revenue, DAYS, meanDay(12, 30, z), meanDay(12, 30, z), analyse));
    const fpr = rate(runs, (r) => r.kind === ExperimentDecisionKind.CHALLENGER_WINS || r.kind === ExperimentDecisionKind.CONTROL_WINS);
    expect(fpr).toBeLessThanOrEqual(fprBound);
  });

  it('while the fixed-horizon z-test peeked at daily would not hold alpha (why peeking is refused)', () => {
    const z = normals(19);
    const runs = Array.from({ length: R }, () => simulate(conversion, DAYS, proportionDay(0.05, z), proportionDay(0.05, z), (c, t, _day, p) => {
      const r = ExperimentMath.fixedHorizonTest(ExperimentMetricKind.PROPORTION, c, t, alpha);
      return [r.pValue <= alpha ? ExperimentDecisionKind.CHALLENGER_WINS : ExperimentDecisionKind.CONTINUE, p];
    }));
    expect(rate(runs, (r) => r.stoppedOn !== undefined)).toBeGreaterThan(alpha + 6 * mcError(alpha));
  });
});

describe(`mSPRT under the designed effect with the designed traffic, ${R} replications: detection by plannedDays >= power − 3 MC errors`, () => {
  // Traffic chosen so that the sequential sample takes the whole planned runtime (14 days): the
  // design's promise is tested where it is tight, not where the weekly rounding gives slack.
  const tight = (spec: ExperimentSpec): ExperimentSpec => {
    const d = ExperimentMath.design({ ...spec, minimumDays: 14 });
    return { ...spec, minimumDays: 14, expectedDailyUnits: Math.ceil(d.sampleSizeTotal / 14) };
  };

  it('PROPORTION: 5 % → 5.5 %', () => {
    const spec = tight(conversion);
    const design = ExperimentMath.design(spec);
    expect([design.daysForSampleSize, design.plannedDays]).toEqual([14, 14]);
    const z = normals(23);
    const analyse = sequentialAnalysis(spec);
    const runs = Array.from({ length: R }, () => simulate(spec, design.plannedDays, proportionDay(0.05, z), proportionDay(0.055, z), analyse));
    const detected = rate(runs, (r) => r.kind === ExperimentDecisionKind.CHALLENGER_WINS);
    expect(detected).toBeGreaterThanOrEqual(design.power - 3 * mcError(design.power));
  });

  it('MEAN: revenue 12 → 12.5 (sd 30)', () => {
    const spec = tight(revenue);
    const design = ExperimentMath.design(spec);
    expect([design.daysForSampleSize, design.plannedDays]).toEqual([14, 14]);
    const z = normals(24);
    const analyse = sequentialAnalysis(spec);
    const runs = Array.from({ length: R }, () => simulate(spec, design.plannedDays, meanDay(12, 30, z), meanDay(12.5, 30, z), analyse));
    const detected = rate(runs, (r) => r.kind === ExperimentDecisionKind.CHALLENGER_WINS);
    expect(detected).toBeGreaterThanOrEqual(design.power - 3 * mcError(design.power));
  });

  it('and the sequential sample is needed: with the fixed-horizon sample in the same 14 days, the mSPRT falls short of the power', () => {
    const d = ExperimentMath.design({ ...conversion, minimumDays: 14 });
    const spec = { ...conversion, minimumDays: 14, expectedDailyUnits: Math.ceil(d.fixedHorizonSampleSizeTotal / 14) };
    const z = normals(31);
    const analyse = sequentialAnalysis(spec, 14);
    const runs = Array.from({ length: R }, () => simulate(spec, 14, proportionDay(0.05, z), proportionDay(0.055, z), analyse));
    expect(rate(runs, (r) => r.kind === ExperimentDecisionKind.CHALLENGER_WINS)).toBeLessThan(0.8 - 3 * mcError(0.8));
  });

  it('the simulation\'s rule is ExperimentMath.decide\'s (100 runs, every look compared)', () => {
    const spec = tight(conversion);
    const z = normals(29);
    const kernel = sequentialAnalysis(spec);
    for (let i = 0; i < 100; i++) {
      simulate(spec, 14, proportionDay(0.05, z), proportionDay(0.054, z), (c, t, day, p) => {
        const [kind, pNext] = kernel(c, t, day, p);
        const d = ExperimentMath.decide({ spec, control: { ...c }, challenger: { ...t }, daysElapsed: day, previousPValue: p });
        expect([d.kind, d.pValue]).toEqual([kind, pNext]);
        return [kind, pNext];
      });
    }
  });
});

describe('ExperimentMath.decide', () => {
  const spec: ExperimentSpec = { ...conversion, minimumDays: 14, guardrails: [{ name: 'errors', kind: 'ERROR_RATE' as any, threshold: 0.01 }] };
  const even: [ArmSummary, ArmSummary] = [{ units: 100000, sum: 5000 }, { units: 100000, sum: 5010 }];
  const better: [ArmSummary, ArmSummary] = [{ units: 100000, sum: 5000 }, { units: 100000, sum: 5600 }];
  const decide = (arms: [ArmSummary, ArmSummary], daysElapsed: number, more: object = {}) =>
    ExperimentMath.decide({ spec, control: arms[0], challenger: arms[1], daysElapsed, ...more });

  it('stops on a breached guardrail whatever the statistics say', () => {
    const d = decide(better, 3, { breachedGuardrails: ['errors'] });
    expect(d.kind).toBe(ExperimentDecisionKind.STOP_GUARDRAIL);
    expect(d.breachedGuardrails).toEqual(['errors']);
    expect(d.reason).toContain('errors');
  });

  it('SEQUENTIAL: a significant difference decides as soon as it is seen; none continues, then NO_DIFFERENCE at plannedDays', () => {
    const win = decide(better, 3);
    expect(win.kind).toBe(ExperimentDecisionKind.CHALLENGER_WINS);
    expect(win.pValue).toBeLessThanOrEqual(0.05);
    expect(win.lower).toBeGreaterThan(0);
    expect(win.breachedGuardrails).toEqual([]);
    expect(decide(even, 3).kind).toBe(ExperimentDecisionKind.CONTINUE);
    expect(decide(even, 13.9).kind).toBe(ExperimentDecisionKind.CONTINUE);
    const none = decide(even, 14);
    expect(none.kind).toBe(ExperimentDecisionKind.NO_DIFFERENCE);
    expect(none.plannedDays).toBe(14);
  });

  it('SEQUENTIAL: the always-valid p-value is the running minimum (previousPValue)', () => {
    const d = decide(even, 5, { previousPValue: 0.2 });
    expect(d.pValue).toBe(0.2);
    const slightlyBetter: [ArmSummary, ArmSummary] = [{ units: 100000, sum: 5000 }, { units: 100000, sum: 5200 }];
    expect(decide(slightlyBetter, 5, { previousPValue: 0.01 }).kind).toBe(ExperimentDecisionKind.CHALLENGER_WINS);
  });

  it('FIXED_HORIZON: no decision before plannedDays whatever the p-value (no peeking), then the z-test', () => {
    const fixed = { ...spec, test: ExperimentTestKind.FIXED_HORIZON };
    const early = ExperimentMath.decide({ spec: fixed, control: better[0], challenger: better[1], daysElapsed: 13 });
    expect(early.kind).toBe(ExperimentDecisionKind.CONTINUE);
    expect(early.pValue).toBeLessThan(1e-6);
    expect(early.reason).toContain('no decision before day 14');
    const at14 = (arms: [ArmSummary, ArmSummary]) =>
      ExperimentMath.decide({ spec: fixed, control: arms[0], challenger: arms[1], daysElapsed: 14 }).kind;
    expect(at14(better)).toBe(ExperimentDecisionKind.CHALLENGER_WINS);
    expect(at14(even)).toBe(ExperimentDecisionKind.NO_DIFFERENCE);
  });

  it('higherIsBetter false: a higher challenger loses, a lower one wins', () => {
    const churn = { ...spec, primaryMetric: { ...spec.primaryMetric, name: 'churn', higherIsBetter: false } };
    const kind = (control: ArmSummary, challenger: ArmSummary) => ExperimentMath.decide({ spec: churn, control, challenger, daysElapsed: 3 }).kind;
    expect(kind(better[0], better[1])).toBe(ExperimentDecisionKind.CONTROL_WINS);
    expect(kind(better[1], better[0])).toBe(ExperimentDecisionKind.CHALLENGER_WINS);
  });

  it('too little data: no test, CONTINUE (NO_DIFFERENCE at the horizon)', () => {
    const d = decide([{ units: 1, sum: 0 }, { units: 0, sum: 0 }], 1);
    expect([d.kind, d.tested, d.pValue]).toEqual([ExperimentDecisionKind.CONTINUE, false, 1]);
    expect(d.reason).toContain('too little data');
    expect(decide([{ units: 100, sum: 0 }, { units: 100, sum: 0 }], 14).kind).toBe(ExperimentDecisionKind.NO_DIFFERENCE);
  });

  it('refuses bad input, naming every problem at once', () => {
    const e = expectValidationError(() => ExperimentMath.decide({
      spec: { ...spec, primaryMetric: { ...spec.primaryMetric, kind: ExperimentMetricKind.MEAN } },
      control: { units: -1, sum: 0 },
      challenger: { units: 1.5, sum: NaN },
      daysElapsed: -1,
      previousPValue: 2,
    }));
    expect(e.problems.map((p) => p.property)).toEqual([
      'spec.primaryMetric.standardDeviation',
      'control.units',
      'challenger.units',
      'challenger.sum',
      'daysElapsed',
      'previousPValue',
    ]);
    expect(e.problems[0].constructPath).toBe('ExperimentMath.decide');
    const more = expectValidationError(() =>
      ExperimentMath.decide({ spec, control: { units: 10, sum: 11 }, challenger: { units: 10, sum: -1 }, daysElapsed: 1 }));
    expect(more.problems.map((p) => [p.property, p.allowed])).toEqual([
      ['control.sum', 'must be a count of conversions from 0 to units (10) for a PROPORTION metric'],
      ['challenger.sum', 'must be a count of conversions from 0 to units (10) for a PROPORTION metric'],
    ]);
  });
});
