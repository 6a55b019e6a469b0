"""Reference values for the drift math in lib/core/drift.ts, computed with numpy and scipy.

Run through scripts/drift-reference.sh (which installs the pinned numpy/scipy into
.tools/reference-venv); writes test/fixtures/drift/reference.json, which test/core/drift.test.ts
compares with the TypeScript implementation to 1e-9.

Everything is deterministic: data comes from numpy's PCG64 generator with fixed seeds, rounded to
4 decimals (short JSON, and ties, which the binning and the KS statistic must handle).

Definitions (the same as in lib/core/drift.ts, written independently here):
- quantile bin edges: np.quantile(train, k / bins, method='linear') for k = 1 .. bins - 1, then
  np.unique (equal edges merged); bins are left-closed, (-inf, e0), [e0, e1), ..., [e_last, +inf),
  i.e. the bin of x is np.searchsorted(edges, x, side='right').
- PSI: sum((a - e) * ln(a / e)) over bin proportions, a proportion of exactly 0 replaced by
  epsilon (1e-4 unless the case says otherwise), no renormalization.
- KS: scipy.stats.ks_2samp(a, b).statistic.
- chi-squared: scipy.stats.chisquare(observed, f_exp), f_exp = w / sum(w) * sum(observed);
  the p-value is chi2.sf(statistic, k - 1). For categorical drift, w is the baseline proportions
  with empty categories replaced by epsilon.
- categorical baseline: categories ranked by count (descending), ties by name (ascending), the
  first max_categories kept, the rest (and any unseen category) counted in "__other__", last.
"""

import json
import sys
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

EPSILON = 1e-4
OTHER = "__other__"


def rng(seed):
    return np.random.default_rng(seed)


def r4(x):
    return np.round(np.asarray(x, dtype=np.float64), 4)


def floats(x):
    return [float(v) for v in x]


def cut_points(train, bins):
    q = np.arange(1, bins) / bins
    return np.unique(np.quantile(np.asarray(train, dtype=np.float64), q, method="linear"))


def bin_counts(values, cuts):
    idx = np.searchsorted(cuts, values, side="right")
    return np.bincount(idx, minlength=len(cuts) + 1)


def psi(expected, actual, epsilon=EPSILON):
    e = np.where(expected == 0, epsilon, expected)
    a = np.where(actual == 0, epsilon, actual)
    return float(np.sum((a - e) * np.log(a / e)))


def proportions(counts):
    counts = np.asarray(counts, dtype=np.float64)
    return counts / counts.sum()


def categorical_baseline(train, max_categories):
    cats, counts = np.unique(np.asarray(train), return_counts=True)
    ranked = sorted(zip(cats.tolist(), counts.tolist()), key=lambda cc: (-cc[1], cc[0]))
    kept = ranked[:max_categories]
    other = sum(c for _, c in ranked[max_categories:])
    return [c for c, _ in kept] + [OTHER], [int(c) for _, c in kept] + [int(other)]


def categorical_counts(values, categories):
    index = {c: i for i, c in enumerate(categories)}
    counts = np.zeros(len(categories), dtype=np.int64)
    for v in values:
        counts[index.get(v, len(categories) - 1)] += 1
    return counts


def chi_squared(weights, observed):
    weights = np.asarray(weights, dtype=np.float64)
    observed = np.asarray(observed, dtype=np.float64)
    f_exp = weights / weights.sum() * observed.sum()
    res = stats.chisquare(observed, f_exp)
    dof = len(observed) - 1
    sf = float(stats.chi2.sf(res.statistic, dof))
    assert abs(sf - float(res.pvalue)) <= 1e-15 + 1e-12 * sf, (sf, res.pvalue)
    return {"statistic": float(res.statistic), "degreesOfFreedom": dof, "pValue": sf}


def numeric_cases():
    """Baseline edges and counts from training data, then PSI of a window against them."""
    cases = []
    specs = [
        # name, seed, train generator, window generator, bins, epsilon
        ("normal-same", 1, lambda g: g.normal(0, 1, 1500), lambda g: g.normal(0, 1, 1000), 10, EPSILON),
        ("normal-shift-0.25", 2, lambda g: g.normal(0, 1, 1500), lambda g: g.normal(0.25, 1, 1000), 10, EPSILON),
        ("normal-shift-1", 3, lambda g: g.normal(0, 1, 1500), lambda g: g.normal(1, 1, 800), 10, EPSILON),
        ("normal-scale-2", 4, lambda g: g.normal(0, 1, 1000), lambda g: g.normal(0, 2, 1000), 10, EPSILON),
        ("lognormal-20-bins", 5, lambda g: g.lognormal(3, 1, 1500), lambda g: g.lognormal(3.2, 1.1, 800), 20, EPSILON),
        ("uniform-5-bins", 6, lambda g: g.uniform(-5, 5, 800), lambda g: g.uniform(-4, 6, 800), 5, EPSILON),
        ("integers-ties", 7, lambda g: g.integers(0, 6, 1000), lambda g: g.integers(1, 8, 700), 10, EPSILON),
        ("empty-window-bins", 8, lambda g: g.normal(0, 1, 1000), lambda g: g.normal(3, 0.2, 300), 10, EPSILON),
        ("empty-window-bins-eps-1e-3", 8, lambda g: g.normal(0, 1, 1000), lambda g: g.normal(3, 0.2, 300), 10, 1e-3),
        ("tiny-train", 9, lambda g: g.normal(0, 1, 7), lambda g: g.normal(0, 1, 50), 10, EPSILON),
        ("exponential-100-bins", 10, lambda g: g.exponential(2, 2000), lambda g: g.exponential(2.2, 1500), 100, EPSILON),
    ]
    for name, seed, make_train, make_window, bins, epsilon in specs:
        g = rng(seed)
        train = r4(make_train(g))
        window = r4(make_window(g))
        cuts = cut_points(train, bins)
        base = bin_counts(train, cuts)
        win = bin_counts(window, cuts)
        cases.append({
            "name": name,
            "bins": bins,
            "epsilon": epsilon,
            "train": floats(train),
            "window": floats(window),
            "cutPoints": floats(cuts),
            "baselineCounts": [int(c) for c in base],
            "windowCounts": [int(c) for c in win],
            "psi": psi(proportions(base), proportions(win), epsilon),
        })
    return cases


def psi_cases():
    """PSI straight on proportions, including empty bins on either side."""
    cases = []
    g = rng(20)
    for k, zeros_e, zeros_a in [(10, 0, 0), (10, 2, 0), (10, 0, 3), (7, 1, 1), (50, 5, 5), (2, 0, 0)]:
        e = g.random(k)
        a = g.random(k)
        e[g.choice(k, zeros_e, replace=False)] = 0
        a[g.choice(k, zeros_a, replace=False)] = 0
        e /= e.sum()
        a /= a.sum()
        for epsilon in (EPSILON, 1e-6):
            cases.append({
                "name": f"k={k} empty expected={zeros_e} empty actual={zeros_a} epsilon={epsilon}",
                "expected": floats(e),
                "actual": floats(a),
                "epsilon": epsilon,
                "psi": psi(e, a, epsilon),
            })
    return cases


def ks_cases():
    cases = []
    specs = [
        ("normal-vs-normal", 30, lambda g: (g.normal(0, 1, 500), g.normal(0, 1, 400))),
        ("normal-vs-shifted", 31, lambda g: (g.normal(0, 1, 500), g.normal(0.3, 1, 600))),
        ("normal-vs-wider", 32, lambda g: (g.normal(0, 1, 300), g.normal(0, 1.5, 300))),
        ("integers-ties", 33, lambda g: (g.integers(0, 10, 400), g.integers(0, 12, 350))),
        ("disjoint", 34, lambda g: (g.uniform(0, 1, 50), g.uniform(2, 3, 70))),
        ("one-vs-many", 35, lambda g: (g.normal(0, 1, 1), g.normal(0, 1, 200))),
        ("identical", 36, lambda g: (np.arange(100.0), np.arange(100.0))),
        ("unequal-sizes", 37, lambda g: (g.exponential(1, 37), g.exponential(1.3, 1001))),
    ]
    for name, seed, make in specs:
        a, b = make(rng(seed))
        a, b = r4(a), r4(b)
        cases.append({
            "name": name,
            "a": floats(a),
            "b": floats(b),
            "statistic": float(stats.ks_2samp(a, b).statistic),
        })
    return cases


def chi_squared_cases():
    cases = []
    g = rng(40)
    for k, n in [(2, 100), (3, 50), (5, 1000), (10, 500), (25, 2000), (60, 5000)]:
        w = g.random(k) + 0.05
        observed = g.multinomial(n, w / w.sum())
        cases.append({"name": f"k={k} n={n} same", "expected": floats(w), "observed": [int(o) for o in observed],
                      **chi_squared(w, observed)})
        w2 = w.copy()
        w2[0] *= 3
        observed = g.multinomial(n, w2 / w2.sum())
        cases.append({"name": f"k={k} n={n} shifted", "expected": floats(w), "observed": [int(o) for o in observed],
                      **chi_squared(w, observed)})
    # Expected given as counts (scaled to the observed total) and an extreme disagreement (tiny p).
    cases.append({"name": "counts as expected", "expected": [500.0, 300.0, 200.0], "observed": [52, 29, 19],
                  **chi_squared([500, 300, 200], [52, 29, 19])})
    cases.append({"name": "extreme", "expected": [0.5, 0.3, 0.2], "observed": [10, 10, 980],
                  **chi_squared([0.5, 0.3, 0.2], [10, 10, 980])})
    return cases


def chi2_sf_grid():
    """The chi-squared survival function (regularized upper incomplete gamma) over a grid."""
    out = []
    for dof in [1, 2, 3, 4, 5, 7, 9, 10, 15, 20, 29, 30, 49, 50, 99, 100, 250, 999]:
        for x in [1e-6, 0.01, 0.1, 0.5, 1, 2, 3.84, dof - 1, dof, dof + 0.5, dof + 1, dof + 2, 1.5 * dof, 2 * dof,
                  dof + 10 * np.sqrt(2 * dof), 50, 100, 300, 1000, 1400]:
            x = float(x)
            if x < 0:
                continue
            out.append({"x": x, "dof": dof, "sf": float(stats.chi2.sf(x, dof))})
    return out


def categorical_cases():
    cases = []
    letters = [f"c{i}" for i in range(20)]
    specs = [
        # name, seed, train size, window size, max categories, window shift (extra weight on c0), unseen
        ("zipf-same", 50, 2000, 800, 50, 1.0, 0),
        ("zipf-shift", 51, 2000, 800, 50, 3.0, 0),
        ("top-5-and-other", 52, 2000, 800, 5, 1.0, 0),
        ("unseen-categories", 53, 1500, 600, 8, 1.0, 4),
        ("few-categories", 54, 300, 300, 2, 1.5, 0),
    ]
    for name, seed, n_train, n_window, max_categories, shift, unseen in specs:
        g = rng(seed)
        weights = 1.0 / np.arange(1, len(letters) + 1)
        train = g.choice(letters, n_train, p=weights / weights.sum()).tolist()
        ww = weights.copy()
        ww[0] *= shift
        pool = letters + [f"new{i}" for i in range(unseen)]
        ww = np.concatenate([ww, np.full(unseen, 0.2)])
        window = g.choice(pool, n_window, p=ww / ww.sum()).tolist()
        categories, base = categorical_baseline(train, max_categories)
        win = categorical_counts(window, categories)
        e = proportions(base)
        cases.append({
            "name": name,
            "maxCategories": max_categories,
            "epsilon": EPSILON,
            "train": train,
            "window": window,
            "categories": categories,
            "baselineCounts": base,
            "windowCounts": [int(c) for c in win],
            "psi": psi(e, proportions(win)),
            "chiSquared": chi_squared(np.where(e == 0, EPSILON, e), win),
        })
    return cases


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/drift/reference.json")
    doc = {
        "//": "Generated by scripts/drift-reference.py (bash scripts/drift-reference.sh); do not edit.",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "quantileMethod": "linear",
        "defaultEpsilon": EPSILON,
        "numeric": numeric_cases(),
        "psi": psi_cases(),
        "ks": ks_cases(),
        "chiSquared": chi_squared_cases(),
        "chi2Sf": chi2_sf_grid(),
        "categorical": categorical_cases(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"
    out.write_text(text)
    print(f"drift-reference: wrote {out} ({len(text) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
