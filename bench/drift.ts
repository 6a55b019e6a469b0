/**
 * Drift math benchmark: PSI of large windows (binning with one pass and a binary search per value,
 * then PSI over the bins), beside the same work in numpy run in the same benchmark.
 *
 *   npx tsx bench/drift.ts           # 10 million values x 50 features
 *   npx tsx bench/drift.ts --quick   # 1 million values x 10 features
 *
 * Per feature: a training sample of 100 000 normal values gives the baseline (10 quantile bins,
 * `DriftMath.buildBaseline`); a window of N normal values (shifted by a per-feature amount) is
 * generated into one `Float64Array`, then only `numericDriftOf(baseline, window)` is timed (NaN
 * check, binning, proportions, PSI, classification). One feature is generated at a time, so memory
 * stays at one window (80 MB for 10 million values).
 *
 * The numpy side (scripts/drift-bench.py, in .tools/reference-venv from
 * `bash scripts/drift-reference.sh`) times the equivalent: `np.isnan(x).any()`,
 * `np.searchsorted(cuts, x, side='right')`, `np.bincount`, PSI. Data generation is not timed on
 * either side. Nothing is asserted: this is a measurement, not a test.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DriftMath, numericDriftOf } from '../lib/core/drift';

const QUICK = process.argv.includes('--quick');
const VALUES = QUICK ? 1_000_000 : 10_000_000;
const FEATURES = QUICK ? 10 : 50;
const TRAIN = 100_000;
const ROOT = path.join(__dirname, '..');
const PYTHON = path.join(ROOT, '.tools', 'reference-venv', 'bin', 'python');

/** Deterministic uniform numbers in (0, 1) (mulberry32), for reproducible data. */
/* eslint-disable no-bitwise -- mulberry32 is defined in 32-bit integer operations. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/** Fill `out` with normal values (Box–Muller). */
function fillNormal(out: Float64Array, next: () => number, mean: number, sd: number): Float64Array {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const theta = 2 * Math.PI * next();
    out[i] = mean + sd * r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = mean + sd * r * Math.sin(theta);
  }
  return out;
}

function format(valuesPerSecond: number): string {
  return `${(valuesPerSecond / 1e6).toFixed(1)} M values/s`;
}

function runTypeScript(): { seconds: number; meanPsi: number } {
  // Warm-up on a small window, so the timed runs measure optimized code.
  const warmBaseline = DriftMath.buildBaseline([{ name: 'warm', numericValues: Array.from(fillNormal(new Float64Array(TRAIN), random(1), 0, 1)) }]);
  const warm = fillNormal(new Float64Array(1_000_000), random(2), 0.1, 1);
  for (let i = 0; i < 3; i++) numericDriftOf(warmBaseline.features[0], warm);

  let nanos = 0n;
  let psiSum = 0;
  for (let f = 0; f < FEATURES; f++) {
    const next = random(1000 + f);
    const train = Array.from(fillNormal(new Float64Array(TRAIN), next, 0, 1));
    const column = DriftMath.buildBaseline([{ name: `f${f}`, numericValues: train }]).features[0];
    // Shifts from 0 to 0.5 standard deviations: stable to "act" on the PSI scale.
    const window = fillNormal(new Float64Array(VALUES), next, (0.5 * f) / FEATURES, 1);
    const start = process.hrtime.bigint();
    const drift = numericDriftOf(column, window);
    nanos += process.hrtime.bigint() - start;
    psiSum += drift.psi;
  }
  return { seconds: Number(nanos) / 1e9, meanPsi: psiSum / FEATURES };
}

function runNumpy(): string {
  if (!fs.existsSync(PYTHON)) {
    return 'numpy reference: not installed (bash scripts/drift-reference.sh)';
  }
  const result = spawnSync(PYTHON, [path.join(ROOT, 'scripts', 'drift-bench.py'), String(VALUES), String(FEATURES), String(TRAIN)], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (result.status !== 0) {
    return `numpy reference: failed (exit ${result.status}): ${result.stderr.trim()}`;
  }
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!);
  return [
    `numpy ${out.numpy}:`.padEnd(24) + `${format((VALUES * FEATURES) / out.seconds).padStart(20)}  (${out.seconds.toFixed(2)} s timed, mean PSI ${out.meanPsi.toFixed(4)})`,
  ].join('\n');
}

function main(): void {
  console.log(`drift benchmark: ${VALUES.toLocaleString('en-US')} values x ${FEATURES} features, 10 quantile bins, Node ${process.version}`);
  const ts = runTypeScript();
  console.log('TypeScript (Float64Array):'.padEnd(24) + `${format((VALUES * FEATURES) / ts.seconds).padStart(20)}  (${ts.seconds.toFixed(2)} s timed, mean PSI ${ts.meanPsi.toFixed(4)})`);
  console.log(runNumpy());
}

main();
