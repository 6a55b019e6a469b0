"""numpy side of bench/drift.ts: PSI of large windows with np.searchsorted + np.bincount.

    .tools/reference-venv/bin/python scripts/drift-bench.py VALUES FEATURES TRAIN

Per feature: baseline cut points from a training sample of TRAIN normal values (np.quantile,
method='linear', deciles), a window of VALUES normal values generated into one array (not timed),
then the timed part: the NaN check, np.searchsorted(cuts, x, side='right'), np.bincount, the
proportions and PSI with epsilon 1e-4 for empty bins (the same work as numericDriftOf). Prints one
JSON line: numpy version, timed seconds, mean PSI.
"""

import json
import sys
import time

import numpy as np

EPSILON = 1e-4


def psi(expected, actual):
    e = np.where(expected == 0, EPSILON, expected)
    a = np.where(actual == 0, EPSILON, actual)
    return float(np.sum((a - e) * np.log(a / e)))


def main():
    values, features, train_size = (int(a) for a in sys.argv[1:4])
    seconds = 0.0
    psi_sum = 0.0
    for f in range(features):
        rng = np.random.default_rng(1000 + f)
        train = rng.normal(0, 1, train_size)
        cuts = np.unique(np.quantile(train, np.arange(1, 10) / 10, method="linear"))
        base = np.bincount(np.searchsorted(cuts, train, side="right"), minlength=len(cuts) + 1)
        window = rng.normal(0.5 * f / features, 1, values)
        start = time.perf_counter()
        if np.isnan(window).any():
            raise ValueError("NaN in window")
        counts = np.bincount(np.searchsorted(cuts, window, side="right"), minlength=len(cuts) + 1)
        psi_sum += psi(base / base.sum(), counts / counts.sum())
        seconds += time.perf_counter() - start
        del window
    print(json.dumps({"numpy": np.__version__, "seconds": seconds, "meanPsi": psi_sum / features}))


if __name__ == "__main__":
    main()
