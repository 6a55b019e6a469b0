"""Reference values for the experiment math in lib/core/experiment, from statsmodels and scipy.

Run through scripts/experiment-reference.sh (which installs the pinned numpy/scipy/statsmodels of
scripts/requirements-reference.txt into .tools/reference-venv); writes
test/fixtures/experiment/reference.json, which test/core/experiment-design.test.ts compares with the
TypeScript implementation to 1e-9 (relative). Deterministic (numpy's PCG64 with fixed seeds).

What each table is (the arm numbering of statsmodels: sample 1 = the challenger, sample 2 = the
control, ratio = nobs2 / nobs1 = (1 - c) / c for a challenger fraction c):
- normal: scipy.stats.norm.ppf(p), .cdf(z), .sf(z).
- proportions: statsmodels.stats.proportion.samplesize_proportions_2indep_onetail(diff, prop2,
  power, ratio, alpha, alternative='two-sided'): pooled variance under the null, unpooled under the
  alternative (the pooled z-test's normal approximation), closed form.
- means: the root nobs1 of statsmodels.stats.power.NormalIndPower().power(d, nobs1, alpha, ratio,
  alternative='two-sided') = power, d = MDE / sd, found by scipy.optimize.brentq with xtol 1e-14,
  rtol 1e-15; `solvePower` is NormalIndPower().solve_power's own answer, whose root finder stops
  earlier (up to 4e-8 off): the test compares it at 1e-6.
- proportionsTest: statsmodels' proportions_ztest([x1, x2], [n1, n2]) (pooled) and
  confint_proportions_2indep(x1, n1, x2, n2, method='wald', compare='diff').
- meansTest: CompareMeans(DescrStatsW(x1), DescrStatsW(x2)).ztest_ind(usevar='unequal') and
  .zconfint_diff(alpha, usevar='unequal'), on generated data (2 decimals) given to TypeScript as
  units, sum and sum of squares.
- msprt: the mixture SPRT of Johari, Pekelis & Walsh (2022) written as frouros 0.9's mSPRT callback
  writes it (frouros/callbacks/streaming/msprt.py, _likelihood_normal_mixing_distribution: sigma,
  n, the mean difference), with sigma^2 / n = the difference's variance: an independent spelling of
  the TypeScript's V-form; the confidence sequence's half-width by inverting Lambda < 1/alpha
  numerically (brentq), not by the closed form the TypeScript uses.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from scipy import optimize, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW


def ratio_of(percent):
    c = percent / 100
    return (1 - c) / c


def normal_table():
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.005, 0.01, 0.02425, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999]
    zs = [-37.5, -20.0, -8.0, -5.0, -3.0, -1.959963984540054, -1.0, -0.5, -1e-8, 0.0, 0.3, 1.0, 1.6448536269514722, 2.5, 6.0]
    return {
        "quantile": [{"p": p, "z": float(stats.norm.ppf(p))} for p in ps],
        "cdf": [{"z": z, "cdf": float(stats.norm.cdf(z)), "sf": float(stats.norm.sf(z))} for z in zs],
    }


def proportions_table():
    cases = [
        # baseline, mde, higherIsBetter, alpha, power, challengerPercent
        (0.05, 0.005, True, 0.05, 0.8, 50),
        (0.05, 0.005, False, 0.05, 0.8, 50),
        (0.10, 0.01, True, 0.05, 0.9, 50),
        (0.30, 0.02, True, 0.01, 0.8, 20),
        (0.50, 0.05, False, 0.10, 0.95, 75),
        (0.02, 0.001, True, 0.05, 0.8, 10),
        (0.90, 0.05, True, 0.2, 0.5, 50),
    ]
    out = []
    for baseline, mde, higher, alpha, power, pct in cases:
        diff = mde if higher else -mde
        ratio = ratio_of(pct)
        n1 = samplesize_proportions_2indep_onetail(diff, baseline, power, ratio=ratio, alpha=alpha, alternative="two-sided")
        out.append({
            "baseline": baseline, "minimumDetectableEffect": mde, "higherIsBetter": higher, "alpha": alpha, "power": power,
            "challengerPercent": pct, "challenger": float(n1), "control": float(n1 * ratio),
        })
    return out


def means_table():
    cases = [
        # baseline, sd, mde, alpha, power, challengerPercent
        (12.0, 30.0, 0.5, 0.05, 0.8, 50),
        (100.0, 10.0, 2.0, 0.05, 0.9, 50),
        (5.0, 2.0, 0.2, 0.01, 0.8, 20),
        (1.0, 0.8, 0.8, 0.1, 0.95, 75),
        (50.0, 40.0, 1.0, 0.3, 0.6, 50),
    ]
    out = []
    for baseline, sd, mde, alpha, power, pct in cases:
        d = mde / sd
        ratio = ratio_of(pct)
        tool = NormalIndPower()
        f = lambda n1: tool.power(d, n1, alpha, ratio=ratio, alternative="two-sided") - power
        n1 = optimize.brentq(f, 1e-6, 1e12, xtol=1e-14, rtol=1e-15)
        solved = tool.solve_power(effect_size=d, alpha=alpha, power=power, ratio=ratio, alternative="two-sided")
        out.append({
            "baseline": baseline, "standardDeviation": sd, "minimumDetectableEffect": mde, "alpha": alpha, "power": power,
            "challengerPercent": pct, "challenger": float(n1), "control": float(n1 * ratio), "solvePower": float(solved),
        })
    return out


def proportions_tests():
    cases = [
        # x1 (challenger), n1, x2 (control), n2, alpha
        (2800, 50000, 2500, 50000, 0.05),
        (510, 10000, 500, 10000, 0.05),
        (90, 1000, 120, 1000, 0.01),
        (3, 40, 1, 37, 0.1),
        (12345, 200000, 9876, 150000, 0.05),
        (0, 100, 5, 100, 0.05),
    ]
    out = []
    for x1, n1, x2, n2, alpha in cases:
        z, p = proportions_ztest([x1, x2], [n1, n2])
        low, upp = confint_proportions_2indep(x1, n1, x2, n2, method="wald", compare="diff", alpha=alpha)
        out.append({"challenger": {"units": n1, "sum": x1}, "control": {"units": n2, "sum": x2}, "alpha": alpha,
                    "estimate": x1 / n1 - x2 / n2, "z": float(z), "pValue": float(p), "lower": float(low), "upper": float(upp)})
    return out


def means_tests():
    rng = np.random.default_rng(20261127)
    cases = [
        # n1, mean1, sd1, n2, mean2, sd2, alpha
        (500, 12.5, 30.0, 480, 12.0, 29.0, 0.05),
        (2000, 100.0, 10.0, 2100, 99.0, 12.0, 0.05),
        (50, 1.0, 0.5, 60, 1.3, 0.7, 0.01),
        (10, 5.0, 2.0, 12, 5.0, 2.0, 0.1),
    ]
    out = []
    for n1, m1, s1, n2, m2, s2, alpha in cases:
        x1 = np.round(rng.normal(m1, s1, n1), 2)
        x2 = np.round(rng.normal(m2, s2, n2), 2)
        cm = CompareMeans(DescrStatsW(x1), DescrStatsW(x2))
        z, p = cm.ztest_ind(usevar="unequal")
        low, upp = cm.zconfint_diff(alpha=alpha, usevar="unequal")
        arm = lambda x: {"units": int(x.size), "sum": float(np.sum(x)), "sumOfSquares": float(np.sum(x * x))}
        out.append({"challenger": arm(x1), "control": arm(x2), "alpha": alpha, "estimate": float(x1.mean() - x2.mean()),
                    "z": float(z), "pValue": float(p), "lower": float(low), "upper": float(upp)})
    return out


def frouros_log_likelihood(mean, sigma, tau_squared, n):
    # frouros 0.9, mSPRT._likelihood_normal_mixing_distribution (one stream of differences), as a
    # logarithm (its exp overflows far out, where the bracket of the root search goes)
    sigma_squared = sigma ** 2
    n_tau_squared = n * tau_squared
    s = sigma_squared + n_tau_squared
    return math.log(sigma / math.sqrt(s)) + n * n_tau_squared * mean ** 2 / (2 * sigma_squared * s)


def msprt_table():
    cases = [
        # estimate, variance, tau2, alpha
        (0.006, 0.05 * 0.95 / 50000 + 0.056 * 0.944 / 50000, 0.005 ** 2, 0.05),
        (0.001, 2e-6, 0.005 ** 2, 0.05),
        (-0.3, 0.04, 0.25, 0.05),
        (0.5, 0.02, 0.25, 0.01),
        (0.0, 1e-4, 1e-2, 0.1),
        (2.0, 1.0, 4.0, 0.2),
    ]
    out = []
    for theta, v, tau2, alpha in cases:
        n = 1000.0  # any n: sigma^2 = v * n
        sigma = math.sqrt(v * n)
        log_lam = frouros_log_likelihood(theta, sigma, tau2, n)
        g = lambda h: frouros_log_likelihood(h, sigma, tau2, n) - math.log(1 / alpha)
        half = optimize.brentq(g, 0.0, 100 * (math.sqrt(v) + math.sqrt(tau2)), xtol=1e-300, rtol=1e-15)
        out.append({"estimate": theta, "variance": v, "mixingVariance": tau2, "alpha": alpha,
                    "pValue": min(1.0, math.exp(-log_lam)), "lower": theta - half, "upper": theta + half})
    return out


def main(target):
    data = {
        "generatedBy": "scripts/experiment-reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "normal": normal_table(),
        "proportions": proportions_table(),
        "means": means_table(),
        "proportionsTest": proportions_tests(),
        "meansTest": means_tests(),
        "msprt": msprt_table(),
    }
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
