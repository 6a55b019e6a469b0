/**
 * The adversarial sweep's harness (issue 14): tables of wrong inputs, each refused with the one
 * error type naming the construct path, the user's property, the value and what is allowed, with
 * nothing synthesized; and a table of inputs that must be accepted.
 *
 * A row builds its construct(s) with one wrong input into a fresh app whose output folder is a new
 * temporary directory; the harness then synthesizes the app (a refusal at synth counts too) and
 * checks the error and that the folder holds no template (`*.template.json`) and no manifest
 * (`*.yaml`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App as AwsApp, Stack } from 'aws-cdk-lib';
import { App as K8sApp, Chart } from 'cdk8s';
import { expect, it } from 'vitest';
import { MlopsValidationError, ValidationProblem } from '../../lib/core/errors';

/** The stack and chart id of every row: construct paths start with `Sweep/`. */
export const SCOPE_ID = 'Sweep';
export const ENV = { account: '123456789012', region: 'eu-west-1' };

export interface Expected {
  /** The construct path: exactly, or matching (a spec file's problems add the file, line and column). */
  readonly constructPath: string | RegExp;
  /** The property path as the user spells it (a prop path, or a spec file's key path), exactly. */
  readonly property: string;
  /** The rendered value: exactly, or matching. */
  readonly received: string | RegExp;
  /** What is allowed: containing this text, or matching. */
  readonly allowed: string | RegExp;
}

export interface AwsRow {
  readonly name: string;
  /** Build the construct(s) with one wrong input in `stack` (of `app`). */
  readonly build: (stack: Stack, app: AwsApp) => void;
  readonly expected: Expected;
}

export interface K8sRow {
  readonly name: string;
  /** Build the construct(s) with one wrong input in `chart` (of `app`). */
  readonly build: (chart: Chart, app: K8sApp) => void;
  readonly expected: Expected;
}

export interface AcceptRow<S> {
  readonly name: string;
  readonly build: (scope: S) => void;
}

/** A new empty output folder under the test file's TMPDIR. */
export function newOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
}

/** Every file under `dir` (relative paths). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/** Templates and manifests written under `dir`. */
export function outputsIn(dir: string): string[] {
  return filesUnder(dir).filter((f) => /\.template\.json$|\.ya?ml$/.test(f));
}

function matches(actual: string, want: string | RegExp, exact: boolean): boolean {
  if (want instanceof RegExp) {
    return want.test(actual);
  }
  return exact ? actual === want : actual.includes(want);
}

function problemMatches(p: ValidationProblem, e: Expected): boolean {
  return (
    matches(p.constructPath, e.constructPath, true) &&
    p.property === e.property &&
    matches(p.received, e.received, true) &&
    matches(p.allowed, e.allowed, false)
  );
}

/** Run `run`, expect the one validation error with a problem as expected, and no output in `outdir`. */
export function expectRefused(run: () => void, outdir: string, expected: Expected): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  if (error === undefined) {
    throw new Error(`accepted: nothing was thrown (outputs: ${outputsIn(outdir).join(', ') || 'none'})`);
  }
  if (!MlopsValidationError.isMlopsValidationError(error)) {
    throw new Error(`refused with another error than MlopsValidationError: ${String((error as any)?.stack ?? error)}`);
  }
  const problems = (error as MlopsValidationError).problems;
  const found = problems.some((p) => problemMatches(p, expected));
  expect(found, `no problem matches ${JSON.stringify(expected, (_k, v) => (v instanceof RegExp ? String(v) : v))}; got ${JSON.stringify(problems, null, 1)}`).toBe(true);
  expect(outputsIn(outdir)).toEqual([]);
}

/** A fresh AWS app (output in a new temp folder) with one stack. */
export function awsApp(): { app: AwsApp; stack: Stack; outdir: string } {
  const outdir = newOutdir();
  const app = new AwsApp({ outdir });
  const stack = new Stack(app, SCOPE_ID, { env: ENV });
  return { app, stack, outdir };
}

/** A fresh cdk8s app (output in a new temp folder) without a chart. */
export function bareK8sApp(): { app: K8sApp; outdir: string } {
  const outdir = newOutdir();
  return { app: new K8sApp({ outdir }), outdir };
}

/** A fresh cdk8s app (output in a new temp folder) with one chart. */
export function k8sApp(): { app: K8sApp; chart: Chart; outdir: string } {
  const outdir = newOutdir();
  const app = new K8sApp({ outdir });
  const chart = new Chart(app, SCOPE_ID);
  return { app, chart, outdir };
}

/** One test per row: the row's construct(s) in a fresh AWS app, then `app.synth()`. */
export function sweepAws(rows: ReadonlyArray<AwsRow>): void {
  it.each(rows.map((r) => [r.name, r] as const))('refuses %s', (_name, row) => {
    const { app, stack, outdir } = awsApp();
    expectRefused(() => {
      row.build(stack, app);
      app.synth();
    }, outdir, row.expected);
  });
}

/** One test per row: the row's construct(s) in a fresh cdk8s app, then `app.synth()`. */
export function sweepK8s(rows: ReadonlyArray<K8sRow>): void {
  it.each(rows.map((r) => [r.name, r] as const))('refuses %s', (_name, row) => {
    const { app, chart, outdir } = k8sApp();
    expectRefused(() => {
      row.build(chart, app);
      app.synth();
    }, outdir, row.expected);
  });
}

/** Inputs that must be accepted on AWS: built without error, and the app synthesizes its template. */
export function acceptAws(rows: ReadonlyArray<AcceptRow<Stack>>): void {
  it.each(rows.map((r) => [r.name, r] as const))('accepts %s', (_name, row) => {
    const { app, stack, outdir } = awsApp();
    row.build(stack);
    app.synth();
    expect(outputsIn(outdir).filter((f) => f.endsWith('.template.json')).length).toBeGreaterThan(0);
  });
}

/** Inputs that must be accepted on Kubernetes: built without error, and the app writes its manifest. */
export function acceptK8s(rows: ReadonlyArray<AcceptRow<Chart>>): void {
  it.each(rows.map((r) => [r.name, r] as const))('accepts %s', (_name, row) => {
    const { app, chart, outdir } = k8sApp();
    row.build(chart);
    app.synth();
    expect(outputsIn(outdir).filter((f) => f.endsWith('.yaml')).length).toBeGreaterThan(0);
  });
}

/** A spec file written into a new temp folder: `content` as is (text), or as JSON. */
export function specFile(name: string, content: string | object): string {
  const file = path.join(newOutdir(), name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** `n` characters: `x` repeated, for names at and over a limit. */
export const chars = (n: number, x = 'a'): string => x.repeat(n);

/** `seconds` as a duration in words, the way a problem shows a `Duration` prop: `Duration 1 minute 30 seconds`. */
function durationWords(seconds: number): string {
  if (seconds === 0) {
    return 'Duration 0 seconds';
  }
  const parts: string[] = [];
  let rest = Math.abs(seconds);
  for (const [name, size] of [['day', 86400], ['hour', 3600], ['minute', 60]] as const) {
    const whole = Math.floor(rest / size + 1e-9);
    if (whole > 0) {
      parts.push(`${whole} ${name}${whole === 1 ? '' : 's'}`);
      rest -= whole * size;
    }
  }
  const secs = Math.round(rest * 1000) / 1000;
  if (secs > 0) {
    parts.push(`${secs} second${secs === 1 ? '' : 's'}`);
  }
  return `Duration ${seconds < 0 ? '-' : ''}${parts.join(' ')}`;
}

/**
 * The received value of a `Duration` prop: in words (`Duration 2 hours`), or as the bare number
 * of its unit (`7200`), as the library rendered it before durations were spelled out.
 */
export function dur(value: number, unit: 'seconds' | 'days' = 'seconds'): RegExp {
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(${esc(String(value))}|${esc(durationWords(unit === 'days' ? value * 86400 : value))})$`);
}
