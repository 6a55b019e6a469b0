"""numpy/scipy side of bench/drift.ts: one long-running process, commands as JSON lines on stdin.

    .tools/reference-venv/bin/python scripts/drift-bench.py

bench/drift.ts writes each data set once to a file of little-endian float64 and has this process
load it (not timed), so that both sides work on the same bytes: `load` answers with the CRC-32 of
what it read, which the bench compares with its own. Then, alternating with the TypeScript side,
it asks for the timed work and gets back the seconds (wall and CPU) and the results, which it
compares with its own:

- {"op": "load", "name": "window", "file": ..., "count": n}
  -> {"crc32": ...}
- {"op": "psi", "window": "window", "cuts": [...], "baseCounts": [...], "epsilon": 1e-4}
  The same work as numericDriftOf: the NaN check, np.searchsorted(cuts, x, side='right'),
  np.bincount, the proportions and PSI with epsilon for empty bins.
  -> {"seconds", "cpuSeconds", "psi", "counts"}
- {"op": "ks", "a": "a", "b": "b"}
  Timed twice, one after the other: "numpy", the statistic as scipy.stats.ks_2samp computes it
  (its own code: np.sort of each sample, np.searchsorted of both into each, the largest difference
  either way) with the NaN check ksStatisticOf also does; and "scipy", scipy.stats.ks_2samp(a, b)
  itself, which also computes a p-value (kstwo.sf for large samples).
  -> {"numpy": {"seconds", "cpuSeconds", "statistic"}, "scipy": {...}}
- {"op": "versions"} -> {"numpy": ..., "scipy": ...}
- {"op": "drop"} frees the loaded arrays; end of input ends the process.
"""

import json
import sys
import time
import zlib

import numpy as np
import scipy
from scipy import stats

ARRAYS = {}


def timed(work):
    wall = time.perf_counter()
    cpu = time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def psi(window, cuts, base_counts, epsilon):
    if np.isnan(window).any():
        raise ValueError("NaN in window")
    counts = np.bincount(np.searchsorted(cuts, window, side="right"), minlength=len(cuts) + 1)
    expected = base_counts / base_counts.sum()
    actual = counts / counts.sum()
    e = np.where(expected == 0, epsilon, expected)
    a = np.where(actual == 0, epsilon, actual)
    return float(np.sum((a - e) * np.log(a / e))), counts


def ks_statistic(data1, data2):
    """scipy.stats.ks_2samp's statistic (scipy 1.17, _stats_py.py), without the p-value."""
    if np.isnan(data1).any() or np.isnan(data2).any():
        raise ValueError("NaN in a sample")
    data1 = np.sort(data1)
    data2 = np.sort(data2)
    n1 = data1.shape[0]
    n2 = data2.shape[0]
    data_all = np.concatenate([data1, data2])
    cdf1 = np.searchsorted(data1, data_all, side="right") / n1
    cdf2 = np.searchsorted(data2, data_all, side="right") / n2
    cddiffs = cdf1 - cdf2
    min_s = np.clip(-cddiffs[np.argmin(cddiffs)], 0, 1)
    max_s = cddiffs[np.argmax(cddiffs)]
    return float(max(min_s, max_s))


def handle(command):
    op = command["op"]
    if op == "versions":
        return {"numpy": np.__version__, "scipy": scipy.__version__}
    if op == "drop":
        ARRAYS.clear()
        return {}
    if op == "load":
        ARRAYS.pop(command["name"], None)
        values = np.fromfile(command["file"], dtype="<f8", count=command["count"])
        ARRAYS[command["name"]] = values
        return {"crc32": zlib.crc32(values.tobytes())}
    if op == "psi":
        window = ARRAYS[command["window"]]
        cuts = np.asarray(command["cuts"], dtype=np.float64)
        base = np.asarray(command["baseCounts"], dtype=np.float64)
        (value, counts), seconds, cpu = timed(lambda: psi(window, cuts, base, command["epsilon"]))
        return {"seconds": seconds, "cpuSeconds": cpu, "psi": value, "counts": counts.tolist()}
    if op == "ks":
        a = ARRAYS[command["a"]]
        b = ARRAYS[command["b"]]
        statistic, seconds, cpu = timed(lambda: ks_statistic(a, b))
        result, scipy_seconds, scipy_cpu = timed(lambda: stats.ks_2samp(a, b))
        return {
            "numpy": {"seconds": seconds, "cpuSeconds": cpu, "statistic": statistic},
            "scipy": {"seconds": scipy_seconds, "cpuSeconds": scipy_cpu, "statistic": float(result.statistic)},
        }
    raise ValueError(f"unknown op {op!r}")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(json.loads(line))
        except Exception as e:  # noqa: BLE001 -- reported to the bench, which stops
            answer = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
