import { z } from 'zod';
import { armSummarySchema, experimentSpecSchema } from '../schemas/experiment';
import { unlessToken, validateOrThrow } from '../validation';
import { daysFor, designedChallengerValue, meansChallengerUnits, plannedDaysFor, proportionsChallengerUnits, sequentialTotalUnits } from './design';
import { normalCdf, normalQuantile } from './normal';
import { fixedHorizonTest, sequentialTest } from './sequential';
import { ArmSummary, ExperimentDecisionKind, ExperimentMetric, ExperimentMetricKind, ExperimentSpec, ExperimentTestKind } from './spec';
import {
  DEFAULT_CHALLENGER_PERCENT,
  DEFAULT_EXPERIMENT_ALPHA,
  DEFAULT_EXPERIMENT_MINIMUM_DAYS,
  DEFAULT_EXPERIMENT_POWER,
  ExperimentDecision,
  ExperimentDecisionInput,
  ExperimentDesign,
  ExperimentTestResult,
} from './types';

/** Sample sizes of the two arms. */
export interface ArmSampleSizes {
  /** The challenger's units, unrounded (as statsmodels reports nobs1). */
  readonly challengerExact: number;
  /** The control's units, unrounded (`challengerExact` × the control / challenger ratio). */
  readonly controlExact: number;
  /** The challenger's units, rounded up. */
  readonly challenger: number;
  /** The control's units, rounded up. */
  readonly control: number;
}

const decideInputSchema = z.strictObject({
  spec: experimentSpecSchema,
  control: armSummarySchema,
  challenger: armSummarySchema,
  daysElapsed: z.number().min(0).refine((n) => Number.isFinite(n), 'must be a finite number'),
  breachedGuardrails: z.array(z.string()).optional(),
  previousPValue: z.number().min(0).max(1).optional(),
}).superRefine(unlessToken((input, ctx) => {
  const kind = input.spec?.primaryMetric?.kind;
  for (const key of ['control', 'challenger'] as const) {
    const arm = input[key];
    const known = Number.isFinite(arm?.sum) && Number.isFinite(arm?.units);
    if (kind === ExperimentMetricKind.PROPORTION && known && !(arm.sum >= 0 && arm.sum <= arm.units)) {
      ctx.addIssue({ code: 'custom', path: [key, 'sum'], message: `must be a count of conversions from 0 to units (${arm.units}) for a PROPORTION metric` });
    }
  }
}));

/**
 * The statistics of online experiments: sample sizes, the planned runtime, the fixed-horizon
 * z-test, the mSPRT (always-valid p-value and confidence sequence) and `decide`, the one decision
 * `aws.Experiment` (in its Lambda) and `k8s.Experiment` (in its analysis Job) run.
 *
 * All methods are pure. Agreement with statsmodels 0.15.0 / scipy 1.17.1 to 1e-9 is checked by
 * test/core/experiment-design.test.ts on the fixtures of scripts/experiment-reference.py; the
 * sequential test's error rate and power by simulation in test/core/experiment-sequential.test.ts.
 */
export class ExperimentMath {
  /** Φ(x), the standard normal cdf (relative accuracy about 1e-15 in both tails). */
  public static normalCdf(x: number): number {
    return normalCdf(x);
  }

  /** Φ⁻¹(p), the standard normal quantile (Acklam's approximation plus one Halley step: about 1e-15). */
  public static normalQuantile(p: number): number {
    return normalQuantile(p);
  }

  /**
   * Units per arm for the fixed-horizon two-sided z-test to detect the metric's minimum detectable
   * effect. PROPORTION: statsmodels' `samplesize_proportions_2indep_onetail` (pooled variance
   * under the null, unpooled under the alternative: the pooled z-test's normal approximation);
   * MEAN: the root of statsmodels' `NormalIndPower().power` at effect size MDE / standardDeviation
   * (both tails). The challenger's designed value is baseline ± MDE in the better direction.
   *
   * @param challengerFraction the challenger's share of the units, in (0, 1)
   */
  public static fixedHorizonSampleSize(metric: ExperimentMetric, alpha: number, power: number, challengerFraction: number): ArmSampleSizes {
    const ratio = (1 - challengerFraction) / challengerFraction;
    const challenger = metric.kind === ExperimentMetricKind.PROPORTION
      ? proportionsChallengerUnits(metric.baseline, designedChallengerValue(metric), alpha, power, ratio)
      : meansChallengerUnits(metric.minimumDetectableEffect / metric.standardDeviation!, alpha, power, ratio);
    return sizes(challenger, challenger * ratio);
  }

  /**
   * Units per arm for the sequential test (mSPRT with mixing variance `mixingVariance`) to detect
   * the minimum detectable effect with `power` by the end, judged on the last look alone (so a
   * lower bound of its power: earlier looks only add chances to stop).
   */
  public static sequentialSampleSize(
    metric: ExperimentMetric, alpha: number, power: number, challengerFraction: number, mixingVariance: number,
  ): ArmSampleSizes {
    const total = sequentialTotalUnits(metric, alpha, power, challengerFraction, mixingVariance);
    return sizes(total * challengerFraction, total * (1 - challengerFraction));
  }

  /**
   * The design of an experiment: sample sizes per arm for its test, the days of traffic they take,
   * and the planned runtime (whole weeks, at least the minimum days). The mSPRT's mixing variance
   * τ² is MDE²: the mixture then puts its weight on effects of the size the experiment is designed
   * to detect (Johari et al. 2022 tune τ to the effects expected). For an observed θ̂ at variance V,
   * Λ is largest at τ² = θ̂² − V, and at the horizon V ≪ MDE², so τ² = MDE² is close to the best
   * mixture for an effect of the MDE's size there.
   */
  public static design(spec: ExperimentSpec): ExperimentDesign {
    validateOrThrow('ExperimentMath.design', experimentSpecSchema, spec);
    return designOf(spec);
  }

  /**
   * The fixed-horizon two-sided z-test of challenger − control at level `alpha`. PROPORTION:
   * statsmodels' `proportions_ztest` (pooled) p-value and the Wald interval; MEAN: the Welch
   * z-test (`CompareMeans.ztest_ind` / `zconfint_diff`, usevar='unequal').
   */
  public static fixedHorizonTest(kind: ExperimentMetricKind, control: ArmSummary, challenger: ArmSummary, alpha: number): ExperimentTestResult {
    return fixedHorizonTest(kind, control, challenger, alpha);
  }

  /**
   * The mSPRT at one look: `pValue` is min(1, 1/Λ) for this look (the always-valid p-value is the
   * running minimum over the looks, which `decide` keeps through `previousPValue`), `lower` and
   * `upper` the confidence sequence at 1 − alpha.
   */
  public static sequentialTest(
    kind: ExperimentMetricKind, control: ArmSummary, challenger: ArmSummary, alpha: number, mixingVariance: number,
  ): ExperimentTestResult {
    return sequentialTest(kind, control, challenger, alpha, mixingVariance);
  }

  /**
   * The decision of one analysis. A breached guardrail stops the experiment (STOP_GUARDRAIL).
   * SEQUENTIAL: the always-valid p-value (the minimum of this look's and `previousPValue`) at or
   * below alpha decides for the better arm (by the estimate's sign and `higherIsBetter`);
   * otherwise from `plannedDays` on NO_DIFFERENCE, before it CONTINUE. FIXED_HORIZON: CONTINUE
   * before `plannedDays` whatever the p-value says (no peeking), then the z-test decides.
   */
  public static decide(input: ExperimentDecisionInput): ExperimentDecision {
    const path = 'ExperimentMath.decide';
    validateOrThrow(path, decideInputSchema, input);
    const spec = input.spec;
    const design = designOf(spec);
    const metric = spec.primaryMetric;
    const sequential = design.test === ExperimentTestKind.SEQUENTIAL;
    const result = sequential
      ? sequentialTest(metric.kind, input.control, input.challenger, design.alpha, design.mixingVariance)
      : fixedHorizonTest(metric.kind, input.control, input.challenger, design.alpha);
    const pValue = sequential ? Math.min(input.previousPValue ?? 1, result.pValue) : result.pValue;
    const controlMean = input.control.units > 0 ? input.control.sum / input.control.units : 0;
    const challengerMean = input.challenger.units > 0 ? input.challenger.sum / input.challenger.units : 0;
    const breached = [...(input.breachedGuardrails ?? [])];
    const atHorizon = input.daysElapsed >= design.plannedDays;
    const better = (result.estimate > 0) === (metric.higherIsBetter ?? true);
    const significant = pValue <= design.alpha && result.estimate !== 0;
    const p = formatP(pValue);
    let kind: ExperimentDecisionKind;
    let reason: string;
    if (breached.length > 0) {
      kind = ExperimentDecisionKind.STOP_GUARDRAIL;
      reason = `guardrail ${breached.join(', ')} breached: stopped, all traffic to the control`;
    } else if (!sequential && !atHorizon) {
      kind = ExperimentDecisionKind.CONTINUE;
      reason = `fixed-horizon test: no decision before day ${design.plannedDays} (day ${input.daysElapsed}; p-value not judged)`;
    } else if (significant) {
      kind = better ? ExperimentDecisionKind.CHALLENGER_WINS : ExperimentDecisionKind.CONTROL_WINS;
      reason = `${sequential ? 'always-valid ' : ''}p = ${p} <= alpha ${design.alpha}: the challenger is ${better ? 'better' : 'worse'} (${metric.name} ${formatDiff(result.estimate)}, ${Number(((1 - design.alpha) * 100).toPrecision(6))} % interval [${formatDiff(result.lower)}, ${formatDiff(result.upper)}])`;
    } else if (atHorizon) {
      kind = ExperimentDecisionKind.NO_DIFFERENCE;
      reason = `planned runtime (${design.plannedDays} days) over with p = ${p} > alpha ${design.alpha}: no significant difference, the control stays`;
    } else {
      kind = ExperimentDecisionKind.CONTINUE;
      reason = result.tested
        ? `always-valid p = ${p} > alpha ${design.alpha} on day ${input.daysElapsed} of ${design.plannedDays}: continue`
        : `too little data to test on day ${input.daysElapsed} of ${design.plannedDays}: continue`;
    }
    return {
      kind,
      test: design.test,
      pValue,
      estimate: result.estimate,
      lower: result.lower,
      upper: result.upper,
      relativeEstimate: controlMean !== 0 ? result.estimate / controlMean : 0,
      controlMean,
      challengerMean,
      alpha: design.alpha,
      plannedDays: design.plannedDays,
      daysElapsed: input.daysElapsed,
      tested: result.tested,
      breachedGuardrails: kind === ExperimentDecisionKind.STOP_GUARDRAIL ? breached : [],
      reason,
    };
  }
}

function sizes(challengerExact: number, controlExact: number): ArmSampleSizes {
  // A hair of tolerance so that 1000.0000000000001 (floating-point noise) is 1000 units.
  const up = (x: number) => Math.ceil(x - 1e-9 * Math.max(1, x));
  return { challengerExact, controlExact, challenger: up(challengerExact), control: up(controlExact) };
}

function designOf(spec: ExperimentSpec): ExperimentDesign {
  const alpha = spec.alpha ?? DEFAULT_EXPERIMENT_ALPHA;
  const power = spec.power ?? DEFAULT_EXPERIMENT_POWER;
  const c = (spec.challengerPercent ?? DEFAULT_CHALLENGER_PERCENT) / 100;
  const minimumDays = spec.minimumDays ?? DEFAULT_EXPERIMENT_MINIMUM_DAYS;
  const test = spec.test ?? ExperimentTestKind.SEQUENTIAL;
  const metric = spec.primaryMetric;
  const tau2 = metric.minimumDetectableEffect ** 2;
  const fixed = ExperimentMath.fixedHorizonSampleSize(metric, alpha, power, c);
  const chosen = test === ExperimentTestKind.SEQUENTIAL ? ExperimentMath.sequentialSampleSize(metric, alpha, power, c, tau2) : fixed;
  const days = daysFor(chosen.control, chosen.challenger, spec.expectedDailyUnits, c);
  return {
    metricKind: metric.kind,
    test,
    alpha,
    power,
    challengerFraction: c,
    sampleSizeControl: chosen.control,
    sampleSizeChallenger: chosen.challenger,
    sampleSizeTotal: chosen.control + chosen.challenger,
    fixedHorizonSampleSizeTotal: fixed.control + fixed.challenger,
    daysForSampleSize: days,
    plannedDays: plannedDaysFor(days, minimumDays),
    minimumDays,
    expectedDailyUnits: spec.expectedDailyUnits,
    mixingVariance: tau2,
  };
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toPrecision(3);
}

function formatDiff(x: number): string {
  return `${x >= 0 ? '+' : ''}${Number(x.toPrecision(4))}`;
}
