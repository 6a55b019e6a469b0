import { z } from 'zod';
import { daysFor, designedChallengerValue, proportionsChallengerUnits } from '../experiment/design';
import { normalQuantile } from '../experiment/normal';
import { ExperimentGuardrailKind, ExperimentMetricKind, ExperimentTestKind } from '../experiment/spec';
import { knownAtSynthesis, unlessToken } from '../validation';

// The ExperimentSpec's rules (lib/core/experiment/spec.ts), for aws.Experiment, k8s.Experiment and
// ExperimentMath (design, decide). Keys are the spec's keys; the constructs spread
// `experimentSpecShape` into their own strict object with their target's props and call
// `checkExperimentSpec` in their superRefine (or use `experimentSpecSchema` as it is).

/** The longest planned runtime a design may have, days. */
export const MAX_EXPERIMENT_DAYS = 365;

const NEEDED = 'the design (sample size, planned days) is computed at synthesis';

/** A finite number (zod's number refuses NaN, not ±Infinity). */
const finite = () => z.number().refine((n) => Number.isFinite(n), 'must be a finite number');

const metricName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'must be a metric name valid on both targets: a letter or "_" first, then letters, digits and "_" (1–255 characters; CloudWatch and Prometheus both accept it)');

/** @internal the primary metric's rules */
export const experimentMetricSchema = z
  .strictObject({
    name: metricName,
    kind: z.enum(ExperimentMetricKind),
    baseline: finite().superRefine(knownAtSynthesis(NEEDED)),
    standardDeviation: finite().gt(0).superRefine(knownAtSynthesis(NEEDED)).optional(),
    minimumDetectableEffect: finite().gt(0).superRefine(knownAtSynthesis(NEEDED)),
    higherIsBetter: z.boolean().optional(),
  })
  .superRefine(unlessToken((m, ctx) => {
    if (m.kind === ExperimentMetricKind.PROPORTION) {
      if (!(m.baseline > 0 && m.baseline < 1)) {
        ctx.addIssue({ code: 'custom', path: ['baseline'], message: 'must be a proportion between 0 and 1 (exclusive) for a PROPORTION metric' });
      } else {
        const target = designedChallengerValue(m);
        if (!(target > 0 && target < 1)) {
          ctx.addIssue({
            code: 'custom',
            path: ['minimumDetectableEffect'],
            message: `must keep baseline ${m.higherIsBetter === false ? '−' : '+'} minimumDetectableEffect (${target}) between 0 and 1: it is the challenger's designed proportion`,
          });
        }
      }
      if (m.standardDeviation !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['standardDeviation'], message: 'must be set only for a MEAN metric (a proportion\'s is sqrt(p(1 − p)))' });
      }
    } else if (m.standardDeviation === undefined) {
      ctx.addIssue({ code: 'custom', path: ['standardDeviation'], message: 'must be set for a MEAN metric: the per-unit standard deviation sizes the sample' });
    }
  }));

/** @internal a guardrail's rules */
export const experimentGuardrailSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be 1–64 letters, digits and "-" (it names alarms and alerts)'),
    kind: z.enum(ExperimentGuardrailKind),
    threshold: finite().gt(0).superRefine(knownAtSynthesis('it is written into the guardrail\'s alarm or alert')),
    metric: metricName.optional(),
  })
  .superRefine(unlessToken((g, ctx) => {
    if (g.kind === ExperimentGuardrailKind.METRIC_DROP && g.metric === undefined) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: 'must be set for a METRIC_DROP guardrail: the business metric whose drop stops the experiment' });
    }
    if (g.kind !== ExperimentGuardrailKind.METRIC_DROP && g.metric !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: `must be set only for a METRIC_DROP guardrail (this one is ${g.kind})` });
    }
    if ((g.kind === ExperimentGuardrailKind.ERROR_RATE || g.kind === ExperimentGuardrailKind.METRIC_DROP) && g.threshold >= 1) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: `must be a fraction below 1 for ${g.kind} (0.01 = 1 %)` });
    }
  }));

/**
 * @internal the ExperimentSpec's keys and their own rules, to spread into a construct's schema
 * (then call `checkExperimentSpec` in its superRefine)
 */
export const experimentSpecShape = {
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be 1–40 lowercase letters, digits and "-", starting and ending with a letter or digit'),
  primaryMetric: experimentMetricSchema,
  guardrails: z.array(experimentGuardrailSchema).optional(),
  alpha: finite().gt(0).max(0.5).superRefine(knownAtSynthesis(NEEDED)).optional(),
  power: finite().min(0.5).lt(1).superRefine(knownAtSynthesis(NEEDED)).optional(),
  expectedDailyUnits: finite().gt(0).superRefine(knownAtSynthesis(NEEDED)),
  challengerPercent: z.number().int('must be a whole number of percent').min(1).max(99).superRefine(knownAtSynthesis(NEEDED)).optional(),
  minimumDays: z.number().int('must be a whole number of days').min(1).max(MAX_EXPERIMENT_DAYS).superRefine(knownAtSynthesis(NEEDED)).optional(),
  test: z.enum(ExperimentTestKind).optional(),
};

interface CheckedSpec {
  readonly primaryMetric: {
    kind: ExperimentMetricKind; baseline: number; minimumDetectableEffect: number; standardDeviation?: number; higherIsBetter?: boolean;
  };
  readonly guardrails?: Array<{ name: string }>;
  readonly alpha?: number;
  readonly power?: number;
  readonly expectedDailyUnits: number;
  readonly challengerPercent?: number;
}

/**
 * @internal the ExperimentSpec's cross-field rules: unique guardrail names, power above alpha, and a
 * fixed-horizon sample that the expected traffic delivers within MAX_EXPERIMENT_DAYS.
 * Call inside `unlessToken`.
 */
export function checkExperimentSpec(p: CheckedSpec, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  (p.guardrails ?? []).forEach((g, i) => {
    if (seen.has(g.name)) {
      ctx.addIssue({ code: 'custom', path: ['guardrails', i, 'name'], message: `must be unique among the guardrails (${JSON.stringify(g.name)} is used twice)` });
    }
    seen.add(g.name);
  });
  const alpha = p.alpha ?? 0.05;
  const power = p.power ?? 0.8;
  const inRange = (x: number, lo: number, hi: number) => typeof x === 'number' && Number.isFinite(x) && x >= lo && x <= hi;
  // The cross-field rules judge only values that passed their own rules (zod runs this regardless).
  if (!inRange(alpha, Number.MIN_VALUE, 0.5) || !inRange(power, 0.5, 1 - Number.EPSILON)) {
    return;
  }
  if (!(power > alpha)) {
    ctx.addIssue({ code: 'custom', path: ['power'], message: `must be greater than alpha (${alpha})` });
    return;
  }
  // The traffic check: the fixed-horizon sample (the smallest any test needs) in days.
  const m = p.primaryMetric;
  const percent = p.challengerPercent ?? 50;
  if (!Number.isInteger(percent) || !inRange(percent, 1, 99) || !inRange(p.expectedDailyUnits, Number.MIN_VALUE, Infinity)
    || !inRange(m?.minimumDetectableEffect, Number.MIN_VALUE, Infinity) || !inRange(m?.baseline, -Number.MAX_VALUE, Number.MAX_VALUE)) {
    return;
  }
  const c = percent / 100;
  const ratio = (1 - c) / c;
  let challengerUnits: number;
  if (m.kind === ExperimentMetricKind.PROPORTION) {
    const p1 = designedChallengerValue(m);
    if (!(m.baseline > 0 && m.baseline < 1 && p1 > 0 && p1 < 1)) return;
    challengerUnits = proportionsChallengerUnits(m.baseline, p1, alpha, power, ratio);
  } else {
    const sd = m.standardDeviation;
    if (sd === undefined || !inRange(sd, Number.MIN_VALUE, Number.MAX_VALUE)) return;
    challengerUnits = approxMeanUnits(sd / m.minimumDetectableEffect, alpha, power, ratio);
  }
  const days = daysFor(challengerUnits * ratio, challengerUnits, p.expectedDailyUnits, c);
  if (!(days <= MAX_EXPERIMENT_DAYS)) {
    ctx.addIssue({
      code: 'custom',
      path: ['expectedDailyUnits'],
      message: `must deliver the sample (about ${Math.ceil(challengerUnits * (1 + ratio))} units for a fixed-horizon test) within ${MAX_EXPERIMENT_DAYS} days (it takes ${Number.isFinite(days) ? days : 'forever'}): raise the traffic or the minimumDetectableEffect`,
    });
  }
}

/** The one-tail closed form of the means' sample (within 1e-6 of the exact one; enough for a limit). */
function approxMeanUnits(sdOverMde: number, alpha: number, power: number, ratio: number): number {
  const k = -normalQuantile(alpha / 2) + normalQuantile(power);
  return ((k * sdOverMde) ** 2 * (1 + ratio)) / ratio;
}

/** @internal the ExperimentSpec as it is (ExperimentMath.design and decide) */
export const experimentSpecSchema = z.strictObject(experimentSpecShape).superRefine(unlessToken((p, ctx) => checkExperimentSpec(p, ctx)));

/** @internal an arm's summary (ExperimentMath.decide) */
export const armSummarySchema = z
  .strictObject({
    units: z.number().int('must be a whole number of units').min(0),
    sum: finite(),
    sumOfSquares: finite().min(0).optional(),
  });
