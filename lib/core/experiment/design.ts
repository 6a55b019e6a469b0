import { normalCdf, normalQuantile } from './normal';
import { msprtHalfWidth } from './sequential';
import { ExperimentMetric, ExperimentMetricKind } from './spec';

// Sample sizes (internal kernels; ExperimentMath is the public face).
//
// Arms: sample 1 is the challenger, sample 2 the control, ratio = n_control / n_challenger, as
// statsmodels numbers them (nobs2 = ratio * nobs1). The designed alternative is the control at
// `baseline` and the challenger at `baseline + MDE` in the better direction (`baseline − MDE` when
// higher is not better).

/** The challenger's designed value: the baseline moved by the MDE in the better direction. */
export function designedChallengerValue(metric: Pick<ExperimentMetric, 'baseline' | 'minimumDetectableEffect' | 'higherIsBetter'>): number {
  return metric.baseline + (metric.higherIsBetter === false ? -1 : 1) * metric.minimumDetectableEffect;
}

/**
 * Challenger units (real, not rounded) of the fixed-horizon two-sided test of a difference in
 * proportions: statsmodels.stats.proportion.samplesize_proportions_2indep_onetail(diff, prop2,
 * power, ratio, alpha, alternative='two-sided') (statsmodels 0.15.0), i.e.
 *   n1 = ((z_{1−α/2}·σ0 + z_{power}·σ1) / diff)²,
 *   σ0 = sqrt(p̄(1−p̄)(1 + 1/ratio)), p̄ = (p1 + ratio·p2)/(1 + ratio) (pooled, the null's variance),
 *   σ1 = sqrt(p1(1−p1) + p2(1−p2)/ratio) (the alternative's variance),
 * the normal approximation of the pooled z-test (statsmodels' proportions_ztest, the fixed-horizon
 * test here), ignoring the far tail (below 1e-6 of the power at usual α and power).
 */
export function proportionsChallengerUnits(p2: number, p1: number, alpha: number, power: number, ratio: number): number {
  const diff = p1 - p2;
  const pooled = (p1 + p2 * ratio) / (1 + ratio);
  const stdNull = Math.sqrt(pooled * (1 - pooled) + (pooled * (1 - pooled)) / ratio);
  const stdAlt = Math.sqrt(p1 * (1 - p1) + (p2 * (1 - p2)) / ratio);
  const crit = -normalQuantile(alpha / 2);
  const critPower = -normalQuantile(power); // norm.isf(power)
  return (Math.max(crit * stdNull - critPower * stdAlt, 0) / diff) ** 2;
}

/**
 * Challenger units (real) of the fixed-horizon two-sided z-test of a difference in means with
 * effect size d = MDE / sd: the root of statsmodels' NormalIndPower().power(d, nobs1, alpha,
 * ratio, alternative='two-sided') = power, both tails counted:
 *   Φ(d√m − z) + Φ(−d√m − z) = power, m = nobs1·ratio/(1 + ratio), z = z_{1−α/2},
 * solved by Newton's method from the one-tail closed form to full precision (statsmodels'
 * solve_power stops its root finder earlier: up to 4e-8 off, see the fixture script).
 */
export function meansChallengerUnits(effectSize: number, alpha: number, power: number, ratio: number): number {
  const d = Math.abs(effectSize);
  const z = -normalQuantile(alpha / 2);
  const zPower = normalQuantile(power);
  let x = (z + zPower) / d; // √m, one tail
  for (let i = 0; i < 50; i++) {
    const f = normalCdf(d * x - z) + normalCdf(-d * x - z) - power;
    const slope = d * (Math.exp(-0.5 * (d * x - z) ** 2) - Math.exp(-0.5 * (d * x + z) ** 2)) / Math.sqrt(2 * Math.PI);
    if (!(slope > 0)) break;
    const step = f / slope;
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.abs(x)) break;
  }
  return (x * x * (1 + ratio)) / ratio;
}

/** Per-unit variances of the designed alternative: [challenger, control]. */
export function designedVariances(metric: ExperimentMetric): [number, number] {
  if (metric.kind === ExperimentMetricKind.PROPORTION) {
    const p1 = designedChallengerValue(metric);
    const p2 = metric.baseline;
    return [p1 * (1 - p1), p2 * (1 - p2)];
  }
  const s2 = (metric.standardDeviation ?? NaN) ** 2;
  return [s2, s2];
}

/**
 * Total units (real) for which the mSPRT, looked at once at the end, reaches `power` at the MDE:
 * the smallest N with P(|θ̂| ≥ h(N)) ≥ power, θ̂ ~ N(MDE, V(N)), V(N) = (σ1²/c + σ2²/(1−c)) / N and
 * h(N) the confidence sequence's half-width (the mSPRT rejects exactly when |θ̂| ≥ h). Looks before
 * the end only add chances to stop, so the detection rate by N is at least `power` (up to the
 * normal approximation); the simulation in test/core/experiment-sequential.test.ts checks it.
 */
export function sequentialTotalUnits(metric: ExperimentMetric, alpha: number, power: number, challengerFraction: number, tau2: number): number {
  const [v1, v2] = designedVariances(metric);
  const k = v1 / challengerFraction + v2 / (1 - challengerFraction);
  const theta = metric.minimumDetectableEffect;
  const powerAt = (n: number): number => {
    const v = k / n;
    const h = msprtHalfWidth(v, tau2, alpha);
    const sd = Math.sqrt(v);
    return normalCdf((theta - h) / sd) + normalCdf((-theta - h) / sd);
  };
  let lo = 1;
  if (powerAt(lo) >= power) return lo;
  let hi = 2;
  while (powerAt(hi) < power) {
    lo = hi;
    hi *= 2;
    if (hi > 1e15) return Infinity;
  }
  // Bisection to a hundredth of a unit (the arms are rounded up to whole units afterwards).
  while (hi - lo > 1e-2 * Math.max(1, lo * 1e-9) && hi - lo > 1e-9 * hi) {
    const mid = (lo + hi) / 2;
    if (powerAt(mid) >= power) hi = mid; else lo = mid;
  }
  return hi;
}

/** Whole days of `dailyUnits` (both arms) that give each arm its units. */
export function daysFor(controlUnits: number, challengerUnits: number, dailyUnits: number, challengerFraction: number): number {
  const days = Math.max(controlUnits / (dailyUnits * (1 - challengerFraction)), challengerUnits / (dailyUnits * challengerFraction));
  // A hair of tolerance: 7.000000000001 days of rounding error are 7 days.
  return Math.max(1, Math.ceil(days - 1e-9));
}

/** The planned runtime: the larger of the sample's days and the minimum, rounded up to whole weeks. */
export function plannedDaysFor(days: number, minimumDays: number): number {
  return Math.ceil(Math.max(days, minimumDays) / 7) * 7;
}
