/**
 * Drift math benchmark: PSI of large windows and the two-sample Kolmogorov–Smirnov statistic, the
 * TypeScript kernels beside numpy/scipy on the same bytes, interleaved in one run.
 *
 *   npx tsx bench/drift.ts           # PSI 10M values x 50 features, KS 1M vs 1M (about 3 minutes)
 *   npx tsx bench/drift.ts --quick   # PSI 1M x 5, KS 100k vs 100k (a few seconds)
 *   npx tsx bench/drift.ts --reps 7  # repetitions (default 5, 3 with --quick)
 *
 * Each data set (a feature's window; a pair of KS samples) is generated once from a seeded generator
 * into a `Float64Array` and written to a file (/dev/shm when it exists) that the numpy side loads,
 * so both work on the same bytes (the CRC-32 of each side's copy is compared). Then, per
 * repetition, the TypeScript side and the numpy/scipy side each run the timed work once, the order
 * alternating between repetitions and data sets. A repetition's time is the sum over the data sets;
 * the figures are the median (and range) over repetitions, in M values/s (wall clock; the CPU-time
 * ratio is printed too, as the machine may be shared).
 *
 * - PSI, per feature: a baseline of 10 quantile bins from 100 000 normal values
 *   (`DriftMath.buildBaseline`), a window of N normal values shifted by 0 to 0.5 standard
 *   deviations. Timed: `numericDriftOf(column, window)` (checks, binning, proportions, PSI) against
 *   the NaN check, `np.searchsorted(cuts, x, side='right')`, `np.bincount`, proportions and PSI with
 *   the same cut points, baseline counts and epsilon. Both PSI values and bin counts are compared.
 * - KS, per pair: `ksStatisticOf(a, b)` against the statistic computed as `scipy.stats.ks_2samp`
 *   does (numpy: sort, searchsorted both ways, largest difference; with the NaN check), and against
 *   `ks_2samp(a, b)` itself, which also computes a p-value. Pairs: normal samples shifted by 0 to
 *   0.1; identical samples (the TypeScript kernel's worst case: no cell can be skipped); values
 *   rounded to 2 decimals (ties). The three statistics are compared.
 *
 * Values per second count every value read: the window (PSI), both samples (KS). Data generation,
 * the baseline and the transfer are not timed. The run exits 1 if the two sides disagree (bytes,
 * counts, or a result off by more than 1e-9 relative), because the figures would then compare
 * different work. Without the venv (`bash scripts/drift-reference.sh --install`) only the
 * TypeScript side runs.
 */
import { ChildProcessByStdio, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Readable, Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DEFAULT_PSI_EPSILON, DriftBaselineColumn, DriftMath, ksStatisticOf, numericDriftOf } from '../lib/core/drift';

const QUICK = process.argv.includes('--quick');
const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : QUICK ? 3 : 5;
const VALUES = QUICK ? 1_000_000 : 10_000_000;
const FEATURES = QUICK ? 5 : 50;
const TRAIN = 100_000;
const KS_SIZE = QUICK ? 100_000 : 1_000_000;
const KS_SHIFTS = [0, 0.025, 0.05, 0.075, 0.1];
const TOLERANCE = 1e-9;
const ROOT = path.join(__dirname, '..');
const PYTHON = path.join(ROOT, '.tools', 'reference-venv', 'bin', 'python');

// ---------------------------------------------------------------------------------------------
// Data

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

const bytesOf = (values: Float64Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

// ---------------------------------------------------------------------------------------------
// The numpy/scipy side: scripts/drift-bench.py, one process for the whole run.

interface Timing { readonly seconds: number; readonly cpuSeconds: number }

class Reference {
  public static start(): Reference | undefined {
    if (!fs.existsSync(PYTHON)) {
      return undefined;
    }
    return new Reference(spawn(PYTHON, [path.join(ROOT, 'scripts', 'drift-bench.py')], { stdio: ['pipe', 'pipe', 'inherit'] }));
  }

  private readonly lines: AsyncIterableIterator<string>;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  public async ask(command: Record<string, unknown>): Promise<any> {
    this.child.stdin.write(JSON.stringify(command) + '\n');
    const line = await this.lines.next();
    if (line.done) {
      throw new Error(`scripts/drift-bench.py ended (exit ${this.child.exitCode}) while answering ${String(command.op)}`);
    }
    const answer = JSON.parse(line.value);
    if (answer.error) {
      throw new Error(`scripts/drift-bench.py: ${answer.error}`);
    }
    return answer;
  }

  /** Writes the values to `file` and has the process load them; checks that it read the same bytes. */
  public async load(name: string, values: Float64Array, file: string): Promise<void> {
    fs.writeFileSync(file, bytesOf(values));
    const { crc32 } = await this.ask({ op: 'load', name, file, count: values.length });
    fs.rmSync(file);
    const ours = zlib.crc32(bytesOf(values));
    if (crc32 !== ours) {
      throw new Error(`numpy read other bytes than written for ${name} (CRC-32 ${crc32}, written ${ours})`);
    }
  }

  public end(): void {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Per side, the time of each repetition (summed over the data sets). */
class Series {
  public readonly wall: number[] = new Array(REPS).fill(0);
  public readonly cpu: number[] = new Array(REPS).fill(0);
  constructor(public readonly label: string, public readonly valuesPerRep: number) {}
  public add(rep: number, t: Timing): void {
    this.wall[rep] += t.seconds;
    this.cpu[rep] += t.cpuSeconds;
  }
}

function timeTs<T>(work: () => T): [T, Timing] {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return [result, { seconds, cpuSeconds: (used.user + used.system) / 1e6 }];
}

/** Runs both sides once per repetition, the TypeScript side first in every other one (by `turn`). */
async function interleaved(turn: number, ts: (rep: number) => void, reference: ((rep: number) => Promise<void>) | undefined): Promise<void> {
  for (let rep = 0; rep < REPS; rep++) {
    if (reference === undefined || (turn + rep) % 2 === 0) {
      ts(rep);
      await reference?.(rep);
    } else {
      await reference(rep);
      ts(rep);
    }
  }
}

const problems: string[] = [];

/** Where the run is, on a terminal only (one line, overwritten). */
function progress(what: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${what}`.padEnd(80) + (what === '' ? '\r' : ''));
}

function agree(what: string, ours: number, theirs: number): void {
  if (ours !== theirs && !(Math.abs(ours - theirs) <= TOLERANCE * Math.abs(theirs))) {
    problems.push(`${what}: TypeScript ${ours}, reference ${theirs}`);
  }
}

let maxRelative = 0;
function relative(ours: number, theirs: number): number {
  const r = ours === theirs ? 0 : Math.abs(ours - theirs) / Math.abs(theirs);
  maxRelative = Math.max(maxRelative, r);
  return r;
}

async function benchPsi(reference: Reference | undefined, dir: string): Promise<Series[]> {
  const ts = new Series('PSI TypeScript', VALUES * FEATURES);
  const np = new Series('PSI numpy', VALUES * FEATURES);
  // Warm-up on a small window, so that the timed runs measure optimized code on both sides.
  const warm = DriftMath.buildBaseline([{ name: 'warm', numericValues: Array.from(fillNormal(new Float64Array(TRAIN), random(1), 0, 1)) }]).features[0];
  const warmWindow = fillNormal(new Float64Array(1_000_000), random(2), 0.1, 1);
  for (let i = 0; i < 5; i++) numericDriftOf(warm, warmWindow);
  if (reference) {
    await reference.load('window', warmWindow, path.join(dir, 'warm.f64'));
    for (let i = 0; i < 3; i++) await reference.ask(psiCommand(warm));
  }
  for (let f = 0; f < FEATURES; f++) {
    progress(`PSI feature ${f + 1} of ${FEATURES}`);
    const next = random(1000 + f);
    const train = Array.from(fillNormal(new Float64Array(TRAIN), next, 0, 1));
    const column = DriftMath.buildBaseline([{ name: `f${f}`, numericValues: train }]).features[0];
    // Shifts from 0 to 0.5 standard deviations: stable to "act" on the PSI scale.
    const window = fillNormal(new Float64Array(VALUES), next, (0.5 * f) / FEATURES, 1);
    await reference?.load('window', window, path.join(dir, 'window.f64'));
    let ours: { psi: number; windowCounts: number[] } | undefined;
    let theirs: { psi: number; counts: number[] } | undefined;
    await interleaved(f, (rep) => {
      const [drift, t] = timeTs(() => numericDriftOf(column, window));
      ts.add(rep, t);
      ours = drift;
    }, reference && (async (rep) => {
      const answer = await reference.ask(psiCommand(column));
      np.add(rep, answer);
      theirs = answer;
    }));
    if (ours !== undefined && theirs !== undefined) {
      agree(`PSI of feature ${f}`, ours.psi, theirs.psi);
      relative(ours.psi, theirs.psi);
      if (JSON.stringify(ours.windowCounts) !== JSON.stringify(theirs.counts)) {
        problems.push(`window counts of feature ${f}: TypeScript ${JSON.stringify(ours.windowCounts)}, numpy ${JSON.stringify(theirs.counts)}`);
      }
    }
  }
  await reference?.ask({ op: 'drop' });
  return reference ? [ts, np] : [ts];
}

function psiCommand(column: DriftBaselineColumn): Record<string, unknown> {
  return { op: 'psi', window: 'window', cuts: column.cutPoints, baseCounts: column.counts, epsilon: DEFAULT_PSI_EPSILON };
}

interface KsWorkload { readonly name: string; readonly pairs: Array<() => [Float64Array, Float64Array]> }

function ksWorkloads(): KsWorkload[] {
  const sample = (seed: number, shift: number) => fillNormal(new Float64Array(KS_SIZE), random(seed), shift, 1);
  const rounded = (x: Float64Array) => x.map((v) => Math.round(v * 100) / 100);
  return [
    { name: `normal, shifted by ${KS_SHIFTS.join(', ')}`, pairs: KS_SHIFTS.map((shift, p) => () => [sample(2000 + p, 0), sample(3000 + p, shift)]) },
    { name: 'identical samples (worst case)', pairs: [() => { const a = sample(4000, 0); return [a, a.slice()]; }] },
    { name: 'values rounded to 0.01 (ties)', pairs: [() => [rounded(sample(5000, 0)), rounded(sample(5001, 0.05))]] },
  ];
}

async function benchKs(workload: KsWorkload, reference: Reference | undefined, dir: string): Promise<Series[]> {
  const values = 2 * KS_SIZE * workload.pairs.length;
  const ts = new Series('KS TypeScript', values);
  const np = new Series('KS numpy (statistic)', values);
  const sp = new Series('KS scipy ks_2samp', values);
  for (let p = 0; p < workload.pairs.length; p++) {
    progress(`KS ${workload.name}: pair ${p + 1} of ${workload.pairs.length}`);
    const [a, b] = workload.pairs[p]();
    await reference?.load('a', a, path.join(dir, 'a.f64'));
    await reference?.load('b', b, path.join(dir, 'b.f64'));
    let ours: number | undefined;
    let theirs: { numpy: number; scipy: number } | undefined;
    await interleaved(p, (rep) => {
      const [d, t] = timeTs(() => ksStatisticOf(a, b));
      ts.add(rep, t);
      ours = d;
    }, reference && (async (rep) => {
      const answer = await reference.ask({ op: 'ks', a: 'a', b: 'b' });
      np.add(rep, answer.numpy);
      sp.add(rep, answer.scipy);
      theirs = { numpy: answer.numpy.statistic, scipy: answer.scipy.statistic };
    }));
    if (theirs !== undefined && ours !== undefined) {
      agree(`KS statistic (${workload.name}, pair ${p}) vs numpy`, ours, theirs.numpy);
      agree(`KS statistic (${workload.name}, pair ${p}) vs scipy`, ours, theirs.scipy);
      relative(ours, theirs.scipy);
      if (ours === theirs.scipy) ksIdentical++;
      ksPairs++;
    }
  }
  await reference?.ask({ op: 'drop' });
  return reference ? [ts, np, sp] : [ts];
}

let ksIdentical = 0;
let ksPairs = 0;

// ---------------------------------------------------------------------------------------------
// Report

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rate = (s: Series, seconds: number) => s.valuesPerRep / seconds / 1e6;

function table(title: string, series: Series[]): string[] {
  const [ours, ...others] = series;
  const lines = [title];
  for (const s of series) {
    const rates = s.wall.map((w) => rate(s, w));
    const cols = [
      `  ${s.label.padEnd(24)}`,
      `${rate(s, median(s.wall)).toFixed(1).padStart(8)} M values/s`,
      `(${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)})`.padEnd(16),
      `${median(s.wall).toFixed(3).padStart(8)} s`,
    ];
    if (s !== ours) {
      cols.push(`ours ${(median(s.wall) / median(ours.wall)).toFixed(2)}x (cpu ${(median(s.cpu) / median(ours.cpu)).toFixed(2)}x)`);
    }
    lines.push(cols.join('  '));
  }
  if (others.length === 0) lines.push('  (numpy/scipy reference not installed: bash scripts/drift-reference.sh --install)');
  return lines;
}

async function main(): Promise<void> {
  const reference = Reference.start();
  const versions = reference ? await reference.ask({ op: 'versions' }) : undefined;
  const shm = '/dev/shm';
  const dir = fs.mkdtempSync(path.join(fs.existsSync(shm) ? shm : os.tmpdir(), 'drift-bench-'));
  try {
    console.log(`drift benchmark: ${REPS} repetitions, ${reference ? 'each side once per repetition on the same bytes, order alternating' : 'TypeScript only'}; `
      + `Node ${process.version}${versions ? `, numpy ${versions.numpy}, scipy ${versions.scipy}` : ''}, ${os.cpus().length} CPUs`);
    const started = Date.now();
    const out: string[] = [];
    const psi = await benchPsi(reference, dir);
    out.push(...table(`PSI: ${VALUES.toLocaleString('en-US')} values x ${FEATURES} features, 10 quantile bins (median of ${REPS}, range; ratio = ours / theirs in speed)`, psi));
    for (const workload of ksWorkloads()) {
      const ks = await benchKs(workload, reference, dir);
      out.push(...table(`KS: ${KS_SIZE.toLocaleString('en-US')} vs ${KS_SIZE.toLocaleString('en-US')} values x ${workload.pairs.length} pair${workload.pairs.length > 1 ? 's' : ''}, ${workload.name}`, ks));
    }
    progress('');
    console.log(out.join('\n'));
    if (reference) {
      console.log(`agreement: the same bytes on both sides (CRC-32); PSI bin counts identical, PSI and KS within ${TOLERANCE} relative `
        + `(largest difference ${maxRelative.toExponential(1)}); KS statistic bit-identical to scipy in ${ksIdentical} of ${ksPairs} pairs`);
    }
    console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    reference?.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    console.error(`the two sides disagree, so the figures compare different work:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
