import { normalQuantile, normalSf } from './normal';
import { ArmSummary, ExperimentMetricKind } from './spec';
import { ExperimentTestResult } from './types';

// The two-arm tests (internal kernels; ExperimentMath is the public face): the fixed-horizon z-test
// and the mixture sequential probability ratio test (mSPRT).
//
// mSPRT: Johari, Pekelis, Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests",
// Operations Research 70(3):1806–1821, 2022 (arXiv:1512.04922), the two-stream normal case with a
// normal mixture (the basis of Optimizely's Stats Engine): with θ̂ = challenger − control, its
// variance V (σ1²/n1 + σ2²/n2, the σ² replaced by the sample variances, as the paper does for
// large samples) and a normal mixing distribution N(0, τ²) over the effect,
//   Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²))),
// (with n per arm, V = 2σ²/n, this is the paper's sqrt(2σ²/(2σ²+nτ²)) exp(n²τ²θ̂²/(4σ²(2σ²+nτ²))),
// and with V = σ²/n frouros 0.9's mSPRT, frouros/callbacks/streaming/msprt.py
// `_likelihood_normal_mixing_distribution`, which scripts/experiment-reference.py uses as the
// independent reference).
// Λ is a nonnegative martingale under θ = 0, so by Ville's inequality P(sup Λ ≥ 1/α) ≤ α: the
// always-valid p-value is the running minimum of min(1, 1/Λ) over the looks, and the confidence
// sequence is the set of θ0 the test of θ = θ0 does not reject: Λ(θ̂ − θ0) < 1/α, i.e.
//   θ̂ ± sqrt( V (V + τ²)/τ² · (ln((V + τ²)/V) + 2 ln(1/α)) ).

/** Means and the variance of the difference of two arms; undefined when an arm has fewer than 2 units. */
export interface ArmStatistics {
  readonly controlMean: number;
  readonly challengerMean: number;
  readonly estimate: number;
  readonly variance: number;
}

function meanAndVariance(kind: ExperimentMetricKind, arm: ArmSummary): [number, number] {
  const n = arm.units;
  const mean = arm.sum / n;
  if (kind === ExperimentMetricKind.PROPORTION) {
    return [mean, mean * (1 - mean)];
  }
  const ss = arm.sumOfSquares ?? arm.sum;
  // The sample variance (n − 1), as statsmodels' CompareMeans(..., usevar='unequal'); never below 0.
  return [mean, Math.max(0, (ss - arm.sum * mean) / (n - 1))];
}

export function armStatistics(kind: ExperimentMetricKind, control: ArmSummary, challenger: ArmSummary): ArmStatistics {
  const [m0, v0] = control.units > 0 ? meanAndVariance(kind, control) : [0, 0];
  const [m1, v1] = challenger.units > 0 ? meanAndVariance(kind, challenger) : [0, 0];
  const variance = control.units > 0 && challenger.units > 0 ? v1 / challenger.units + v0 / control.units : 0;
  return { controlMean: m0, challengerMean: m1, estimate: m1 - m0, variance };
}

function untested(estimate: number, variance: number): ExperimentTestResult {
  return { estimate, variance, pValue: 1, lower: estimate, upper: estimate, tested: false };
}

function testable(control: ArmSummary, challenger: ArmSummary, variance: number): boolean {
  return control.units >= 2 && challenger.units >= 2 && variance > 0 && Number.isFinite(variance);
}

/**
 * The fixed-horizon two-sided z-test. PROPORTION: statsmodels' proportions_ztest([x1, x2], [n1, n2])
 * (pooled variance under the null) for the p-value, and the Wald interval (unpooled,
 * confint_proportions_2indep(method='wald')); MEAN: the Welch z-test (CompareMeans.ztest_ind and
 * zconfint_diff with usevar='unequal').
 */
export function fixedHorizonTest(kind: ExperimentMetricKind, control: ArmSummary, challenger: ArmSummary, alpha: number): ExperimentTestResult {
  const s = armStatistics(kind, control, challenger);
  if (!testable(control, challenger, s.variance)) {
    return untested(s.estimate, s.variance);
  }
  let nullVariance = s.variance;
  if (kind === ExperimentMetricKind.PROPORTION) {
    const pooled = (control.sum + challenger.sum) / (control.units + challenger.units);
    nullVariance = pooled * (1 - pooled) * (1 / control.units + 1 / challenger.units);
  }
  const z = s.estimate / Math.sqrt(nullVariance);
  const half = -normalQuantile(alpha / 2) * Math.sqrt(s.variance);
  return {
    estimate: s.estimate,
    variance: s.variance,
    pValue: Math.min(1, 2 * normalSf(Math.abs(z))),
    lower: s.estimate - half,
    upper: s.estimate + half,
    tested: true,
  };
}

/** The half-width of the mSPRT's confidence sequence at variance v, mixing variance tau2. */
export function msprtHalfWidth(v: number, tau2: number, alpha: number): number {
  return Math.sqrt(((v * (v + tau2)) / tau2) * (Math.log1p(tau2 / v) + 2 * Math.log(1 / alpha)));
}

/** ln Λ, the mSPRT's log likelihood ratio mixture, at estimate theta, variance v. */
export function msprtLogLikelihoodRatio(theta: number, v: number, tau2: number): number {
  return -0.5 * Math.log1p(tau2 / v) + (tau2 * theta * theta) / (2 * v * (v + tau2));
}

/**
 * The mSPRT at one look: p = min(1, 1/Λ) (this look only: the caller keeps the running minimum)
 * and the confidence sequence's bounds at 1 − alpha.
 */
export function sequentialTest(
  kind: ExperimentMetricKind, control: ArmSummary, challenger: ArmSummary, alpha: number, tau2: number,
): ExperimentTestResult {
  const s = armStatistics(kind, control, challenger);
  if (!testable(control, challenger, s.variance)) {
    return untested(s.estimate, s.variance);
  }
  const half = msprtHalfWidth(s.variance, tau2, alpha);
  return {
    estimate: s.estimate,
    variance: s.variance,
    pValue: Math.min(1, Math.exp(-msprtLogLikelihoodRatio(s.estimate, s.variance, tau2))),
    lower: s.estimate - half,
    upper: s.estimate + half,
    tested: true,
  };
}
