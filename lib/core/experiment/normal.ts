import { regularizedUpperGamma } from '../drift/gamma';

// The standard normal distribution: cdf, upper tail and quantile, for the experiment math.
//
// Accuracy (checked against scipy.stats.norm in test/core/experiment-design.test.ts, relative
// tolerance 1e-9; measured there: below 1e-14 for |z| <= 20, 5e-14 at z = −37.5 where Φ = 4.6e-308):
// - tails: Φ(z) = ½·Q(½, z²/2) for z < 0 and 1 − Φ(z) = ½·Q(½, z²/2) for z > 0, where Q is the
//   regularized upper incomplete gamma function of lib/core/drift/gamma.ts (erfc(x) = Q(½, x²),
//   Abramowitz & Stegun 7.1.2 / 6.5.17): each tail is computed directly, never as 1 − (a number
//   near 1), so it keeps its relative accuracy far out (1e-300).
// - quantile: P. J. Acklam's rational approximation ("An algorithm for computing the inverse normal
//   cumulative distribution function", 2003; relative error below 1.15e-9) refined by one Halley
//   step on the tail above (Acklam's own recommendation), which brings it to full double precision.

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Φ(z), the standard normal cdf. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === -Infinity) return 0;
  if (z === Infinity) return 1;
  const tail = 0.5 * regularizedUpperGamma(0.5, (z * z) / 2);
  return z < 0 ? tail : 1 - tail;
}

/** 1 − Φ(z), the upper tail (survival function), accurate far out. */
export function normalSf(z: number): number {
  return normalCdf(-z);
}

/** The standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / SQRT_2PI;
}

// Acklam's coefficients.
const A = [
  -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
];
const B = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
const C = [
  -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
];
const D = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
const P_LOW = 0.02425;

/** Acklam's approximation of Φ⁻¹(p) for 0 < p <= ½ (relative error < 1.15e-9). */
function acklamLower(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

/**
 * Φ⁻¹(p), the standard normal quantile, 0 < p < 1 (−∞ at 0, +∞ at 1). Below ½ it is refined
 * on the lower tail, above ½ as −Φ⁻¹(1 − p) (so give the small tail probability when you have it:
 * `-normalQuantile(alpha / 2)` is more accurate than `normalQuantile(1 - alpha / 2)`).
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantile(1 - p);
  if (p === 0.5) return 0;
  let x = acklamLower(p);
  // One Halley step on f(x) = Φ(x) − p (Acklam, "refinement using Halley's rational method").
  const e = normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
  x = x - u / (1 + 0.5 * x * u);
  return x;
}
