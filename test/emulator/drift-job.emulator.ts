/**
 * The drift job's shipped artifacts against an S3 + CloudWatch API emulator (moto's server mode).
 *
 * Run by scripts/drift-emulator.sh (a step of `npm run validate`), which bundles the runtime, starts
 * `moto_server` on 127.0.0.1 and points the AWS SDK at it (`AWS_ENDPOINT_URL`, dummy credentials).
 * Not a vitest file (vitest runs `*.test.ts` only): `npm test` must pass without Python, so there the
 * job is tested with aws-sdk-client-mock (test/runtime/drift-job.test.ts). This test adds what a mock
 * cannot show: that the bundles talk to real S3 and CloudWatch APIs (path-style listing with
 * delimiters and continuation tokens, GetObject bodies, PutMetricData in the SDK's wire protocol) and
 * that what CloudWatch stores is what the job says it published.
 *
 * Under test is what the package ships: `assets/drift-job/index.js` (the Lambda, `handler` required
 * here with its environment set) and `assets/drift-job/index.js` run as a command (the CronJob's CLI, started as a
 * child process). The scenario is uploaded with the AWS SDK and the metrics are read back from the
 * emulated CloudWatch. Assertions are node:assert (strict); any failure exits non-zero.
 *
 * Run: `bash scripts/drift-emulator.sh` (after `bash scripts/install-emulator.sh`).
 */

import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'http';
import { createRequire } from 'module';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import {
  CloudWatchClient,
  Dimension,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DriftMath, DriftSeverity, numericDriftOf } from '../../lib/core/drift';
import { rebaselineOnReference } from '../../lib/core/drift-reference';
import { DriftJobResult } from '../../lib/runtime/drift-job/job';

const ROOT = path.resolve(__dirname, '..', '..');
const LAMBDA_BUNDLE = path.join(ROOT, 'assets', 'drift-job', 'index.js');
const CLI_BUNDLE = path.join(ROOT, 'assets', 'drift-job', 'index.js');

// Never run against real AWS: only a loopback emulator.
const ENDPOINT_URL = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(ENDPOINT_URL)) {
  console.error(`drift emulator: AWS_ENDPOINT_URL must be a loopback emulator (http://127.0.0.1:<port>); got ${JSON.stringify(ENDPOINT_URL)}.`
    + ' Run through scripts/drift-emulator.sh.');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The scenario.

const REGION = 'eu-west-1';
const CAPTURE_BUCKET = 'cdk-mlops-capture';
const MODEL_BUCKET = 'cdk-mlops-models';
const BASELINE_KEY = 'fraud/v42/baseline.json';
const PREFIX = 'datacapture';
const ENDPOINT = 'fraud';
const PAGED_ENDPOINT = 'fraud-paged';
const FEATURES = ['amount', 'age', 'country'];
const DEFAULT_NAMESPACE = 'CdkMlops/Drift';
const EMPTY_NAMESPACE = 'CdkMlops/DriftEmptyWindow';
const PAGED_NAMESPACE = 'CdkMlops/DriftPaged';
const REFERENCE_NAMESPACE = 'CdkMlops/DriftReference';
const PREDICTION = '__prediction__';

/** Window [00:30, 02:00): hour folders 00 and 01 hold its capture. */
const WINDOW_END = '2026-11-23T02:00:00.000Z';
const WINDOW_MINUTES = 90;
const WINDOW_START_MS = Date.parse(WINDOW_END) - WINDOW_MINUTES * 60_000;
/** Window [02:00, 03:30): compared with a rolling reference, the first window. */
const REFERENCE_WINDOW_END = '2026-11-23T03:30:00.000Z';
/** Window [04:30, 06:00): no capture at all. */
const EMPTY_WINDOW_END = '2026-11-23T06:00:00.000Z';

/** What the scenario holds in the window (checked against what the generator produced). */
const EXPECTED_RECORDS = 41;
const EXPECTED_ROWS = 51;
/** Records generated across hours 00 and 01; one more is filed late, under hour 02. */
const GENERATED_RECORDS = 40;
const EXPECTED_MALFORMED = 4;
const EXPECTED_SKIPPED = {
  'invalid-json': 1,
  'wrong-column-count': 1,
  'invalid-base64': 1,
  'non-numeric-value': 1,
  'outside-window': 4,
};
/** More capture files than one ListObjectsV2 page (1000 keys) in one hour folder. */
const PAGED_FILES = 1001;

const repeat = <T>(value: T, n: number): T[] => Array.from({ length: n }, () => value);

// Training data: amount uniform on [0, 100), age uniform on 20…69, country US/DE/FR at 50/30/20 %.
const BASELINE = DriftMath.buildBaseline([
  { name: 'amount', numericValues: Array.from({ length: 200 }, (_, i) => i / 2) },
  { name: 'age', numericValues: Array.from({ length: 200 }, (_, i) => 20 + (i % 50)) },
  { name: 'country', categoricalValues: [...repeat('US', 100), ...repeat('DE', 60), ...repeat('FR', 40)] },
], { bins: 10, prediction: { name: 'score', numericValues: Array.from({ length: 200 }, (_, i) => i / 200) } });

interface Row {
  readonly amount: number;
  readonly age: number;
  readonly country: string;
  readonly score: number;
}

/**
 * Production rows: amount shifted into the top 30 % of the training range (drift to act on); age
 * spread evenly over the training deciles and countries in the training proportions, each with one
 * row moved (stable, but a PSI above 0 that must survive the trip through CloudWatch).
 */
const COUNTRIES = ['US', 'US', 'US', 'US', 'US', 'DE', 'DE', 'DE', 'FR', 'FR'];
const rowAt = (k: number): Row => ({
  amount: 70 + 0.6 * k,
  age: 22 + 5 * (k % 10) + (k === 10 ? 5 : 0),
  country: k === 9 ? 'DE' : COUNTRIES[k % 10],
  score: 0.4 + 0.01 * k,
});

interface Part {
  readonly data: string;
  readonly encoding: 'CSV' | 'JSON' | 'BASE64';
  readonly contentType: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf-8').toString('base64');
const csv = (data: string): Part => ({ data, encoding: 'CSV', contentType: 'text/csv' });
const json = (value: unknown): Part => ({ data: JSON.stringify(value), encoding: 'JSON', contentType: 'application/json' });

/** One data-capture line as SageMaker writes it. */
function captureLine(time: number, input: Part, output?: Part): string {
  const part = (p: Part, mode: string) => ({ observedContentType: p.contentType, mode, data: p.data, encoding: p.encoding });
  return JSON.stringify({
    captureData: { endpointInput: part(input, 'INPUT'), ...(output !== undefined ? { endpointOutput: part(output, 'OUTPUT') } : {}) },
    eventMetadata: { eventId: `event-${time}`, inferenceTime: new Date(time).toISOString() },
    eventVersion: '0',
  });
}

const csvRow = (r: Row) => `${r.amount},${r.age},${r.country}`;

/** The four payload shapes in turn: CSV, JSON object, base64 CSV (JSON output), JSON `instances` of two rows. */
function goodRecord(format: number, time: number, rows: Row[]): string {
  switch (format) {
    case 0: return captureLine(time, csv(csvRow(rows[0])), csv(String(rows[0].score)));
    case 1: {
      const { amount, age, country, score } = rows[0];
      return captureLine(time, json({ amount, age, country }), json({ predictions: [score] }));
    }
    case 2: return captureLine(time, { data: b64(csvRow(rows[0])), encoding: 'BASE64', contentType: 'text/csv' },
      { data: b64(JSON.stringify({ predictions: [rows[0].score] })), encoding: 'BASE64', contentType: 'application/json' });
    default: return captureLine(time,
      json({ instances: rows.map((r) => [r.amount, r.age, r.country]) }), json({ predictions: rows.map((r) => [r.score]) }));
  }
}

const two = (n: number) => String(n).padStart(2, '0');
function hourFolder(endpoint: string, variant: string, time: number): string {
  const d = new Date(time);
  return `${PREFIX}/${endpoint}/${variant}/${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${two(d.getUTCHours())}/`;
}

interface Scenario {
  /** Capture objects: key → lines. */
  readonly files: Map<string, string[]>;
  /** The rows that belong to the window (what the job must keep). */
  readonly windowRows: Row[];
  readonly records: number;
  /** Keys the job must read for the window (two variants × two hours). */
  readonly windowKeys: Set<string>;
}

function buildScenario(): Scenario {
  const files = new Map<string, string[]>();
  const add = (key: string, line: string) => files.set(key, [...(files.get(key) ?? []), line]);
  const windowRows: Row[] = [];
  let records = 0;
  let k = 0;
  // 40 records in the window (the first exactly at its start), alternating variants, 130 s apart:
  // 00:30:00 … 01:54:30, so both variants have files in both hour folders.
  for (let r = 0; r < GENERATED_RECORDS; r++) {
    const time = WINDOW_START_MS + r * 130_000;
    const format = r % 4;
    const rows = format === 3 ? [rowAt(k), rowAt(k + 1)] : [rowAt(k)];
    k += rows.length;
    const variant = r % 2 === 0 ? 'AllTraffic' : 'Canary';
    add(`${hourFolder(ENDPOINT, variant, time)}capture-${Math.floor(r / 8)}.jsonl`, goodRecord(format, time, rows));
    windowRows.push(...rows);
    records++;
  }
  const at = (hhmmss: string) => Date.parse(`2026-11-23T${hhmmss}Z`);
  const h00 = (variant: string) => `${PREFIX}/${ENDPOINT}/${variant}/2026/11/23/00/`;
  const h01 = (variant: string) => `${PREFIX}/${ENDPOINT}/${variant}/2026/11/23/01/`;

  // Malformed records inside the window: counted, none of their values kept.
  add(`${h00('AllTraffic')}capture-0.jsonl`, '{"captureData": {"endpointInput": ');
  add(`${h01('Canary')}capture-3.jsonl`, captureLine(at('01:10:00'), csv('75,30'), csv('0.5')));
  add(`${h00('Canary')}capture-0.jsonl`, captureLine(at('00:40:00'), { data: 'bm90IGJhc2U2NCE$', encoding: 'BASE64', contentType: 'text/csv' }));
  add(`${h01('AllTraffic')}capture-4.jsonl`, captureLine(at('01:20:00'), csv('lots,30,US'), csv('0.5')));

  // Valid records outside the window, in folders that are read: skipped, not malformed.
  add(`${h00('AllTraffic')}early.jsonl`, captureLine(at('00:10:00'), csv('1,30,US'), csv('0.1')));
  add(`${h00('AllTraffic')}early.jsonl`, captureLine(at('00:29:59.999'), csv('2,30,US'), csv('0.1')));
  add(`${h01('Canary')}capture-4.jsonl`, captureLine(at('02:00:00'), csv('3,30,US'), csv('0.1')));

  // A file written just after 02:00 is filed under hour 02 but holds the window's last inference:
  // the job reads the folder after its window and keeps that record (and skips the next window's).
  const late = `${PREFIX}/${ENDPOINT}/AllTraffic/2026/11/23/02/late.jsonl`;
  const lateRow = rowAt(k);
  add(late, goodRecord(0, at('01:59:30'), [lateRow]));
  add(late, captureLine(at('02:00:05'), csv('4,30,US'), csv('0.1')));
  windowRows.push(lateRow);
  records++;

  const windowKeys = new Set(files.keys());

  // Objects the job must not read: each holds an in-window record and a broken line, so reading
  // one would change RecordsInWindow or MalformedRecords.
  const trap = [captureLine(at('01:30:00'), csv('50,40,US'), csv('0.5')), '{not json'];
  for (const key of [
    `${PREFIX}/fraud-shadow/AllTraffic/2026/11/23/01/capture.jsonl`, // another endpoint whose name starts with ours
    `archive/${PREFIX}/${ENDPOINT}/AllTraffic/2026/11/23/01/capture.jsonl`, // another prefix
    `${PREFIX}/${ENDPOINT}/AllTraffic/2026/11/22/23/capture.jsonl`, // the day before
    `${PREFIX}/${ENDPOINT}/Canary/2026/11/23/03/capture.jsonl`, // a later hour, past any read-ahead margin
  ]) {
    files.set(key, trap);
  }
  // A "folder" placeholder object (as some tools create): listed, but not a capture file.
  files.set(h01('AllTraffic'), []);

  // Another endpoint with more files in one hour folder than a ListObjectsV2 page holds.
  for (let i = 0; i < PAGED_FILES; i++) {
    const time = at('01:00:00') + i * 3_000;
    files.set(`${hourFolder(PAGED_ENDPOINT, 'AllTraffic', time)}r-${String(i).padStart(4, '0')}.jsonl`,
      [captureLine(time, csv(csvRow(rowAt(i % 50))), csv(String(rowAt(i % 50).score)))]);
  }
  return { files, windowRows, records, windowKeys };
}

// ---------------------------------------------------------------------------------------------
// Checks and helpers.

const checks: string[] = [];
function passed(what: string): void {
  checks.push(what);
}

const s3 = new S3Client({ region: REGION });
const cloudwatch = new CloudWatchClient({ region: REGION });

async function upload(scenario: Scenario): Promise<void> {
  for (const bucket of [CAPTURE_BUCKET, MODEL_BUCKET]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  }
  await s3.send(new PutObjectCommand({
    Bucket: MODEL_BUCKET, Key: BASELINE_KEY, Body: DriftMath.baselineToJson(BASELINE), ContentType: 'application/json',
  }));
  const entries = [...scenario.files.entries()];
  for (let i = 0; i < entries.length; i += 16) {
    await Promise.all(entries.slice(i, i + 16).map(([key, lines]) => s3.send(new PutObjectCommand({
      Bucket: CAPTURE_BUCKET, Key: key, Body: Buffer.from(lines.length === 0 ? '' : lines.join('\n') + '\n', 'utf-8'),
    }))));
  }
}

type LambdaHandler = (event?: { time?: string }) => Promise<DriftJobResult>;

/** Run the bundled Lambda handler with `env` set (and restored after); returns its result and its log lines. */
async function invokeLambda(handler: LambdaHandler, env: Record<string, string>, time: string): Promise<{ result: DriftJobResult; logs: string[] }> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  const logs: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    logs.push(args.map(String).join(' '));
  };
  try {
    return { result: await handler({ time }), logs };
  } finally {
    console.log = log;
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

function lambdaEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ENDPOINT_NAME: ENDPOINT,
    CAPTURE_BUCKET,
    CAPTURE_PREFIX: PREFIX,
    BASELINE_BUCKET: MODEL_BUCKET,
    BASELINE_KEY,
    FEATURE_NAMES: FEATURES.join(','),
    WINDOW_MINUTES: String(WINDOW_MINUTES),
    ...overrides,
  };
}

/** `Name{Dim=Value,…}` with dimensions sorted by name: one string per metric. */
function metricId(name: string, dims: Dimension[] = []): string {
  const d = [...dims].sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? '')).map((x) => `${x.Name}=${x.Value}`);
  return `${name}{${d.join(',')}}`;
}

async function listMetrics(namespace: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace, ...(token ? { NextToken: token } : {}) }));
    for (const m of page.Metrics ?? []) {
      assert.equal(m.Namespace, namespace);
      out.push(metricId(m.MetricName!, m.Dimensions));
    }
    token = page.NextToken;
  } while (token);
  return out.sort();
}

interface MetricRef {
  readonly name: string;
  readonly dims: Dimension[];
}

const endpointDim = (endpoint: string): Dimension => ({ Name: 'EndpointName', Value: endpoint });
const psiMetric = (endpoint: string, feature: string): MetricRef => ({ name: 'PSI', dims: [endpointDim(endpoint), { Name: 'Feature', Value: feature }] });
const countMetric = (name: string, endpoint: string): MetricRef => ({ name, dims: [endpointDim(endpoint)] });

/** One datapoint of GetMetricStatistics: the datums' count, their maximum and unit, the period's time. */
interface Datapoint {
  readonly count: number;
  readonly max: number;
  readonly unit: string;
  readonly timestamp: Date;
}

/**
 * A metric's datapoints (one-minute periods) in `[start, end)`, from GetMetricStatistics.
 * Not GetMetricData: moto 5.2.5's GetMetricData drops the namespace filter when the query has
 * dimensions (it would mix the runs published to different namespaces).
 */
async function datapoints(namespace: string, metric: MetricRef, start: Date, end: Date): Promise<Datapoint[]> {
  const res = await cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: namespace,
    MetricName: metric.name,
    Dimensions: metric.dims,
    StartTime: start,
    EndTime: end,
    Period: 60,
    Statistics: ['SampleCount', 'Maximum'],
  }));
  return (res.Datapoints ?? [])
    .map((d) => ({ count: d.SampleCount!, max: d.Maximum!, unit: d.Unit!, timestamp: d.Timestamp! }))
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
}

/** Checks that `metric` has exactly one datapoint, of one datum `value` with `unit`, in the minute(s) of the run. */
async function assertOneDatum(
  namespace: string, metric: MetricRef, value: number, unit: StandardUnit, run: { before: Date; after: Date },
): Promise<void> {
  const id = `${namespace} ${metricId(metric.name, metric.dims)}`;
  const points = await datapoints(namespace, metric, new Date(run.before.getTime() - 10 * 60_000), new Date(run.after.getTime() + 10 * 60_000));
  assert.deepEqual(points.map(({ timestamp: _, ...p }) => p), [{ count: 1, max: value, unit }], `${id}: one datum of ${value} (${unit})`);
  const t = points[0].timestamp.getTime();
  // CloudWatch reports the period's start; moto the datum's time (to the second).
  assert.ok(t >= Math.floor(run.before.getTime() / 60_000) * 60_000 && t <= run.after.getTime(), `${id}: timestamp ${points[0].timestamp.toISOString()} in the run`);
}

const execFileAsync = promisify(execFile);

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI_BUNDLE, ...args], { env: process.env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Samples of a Prometheus text exposition: `name{labels}` → value. Checks every sample's family has a TYPE line. */
function promSamples(text: string): Map<string, number> {
  const typed = new Set<string>();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) gauge$/.exec(line);
    if (type) typed.add(type[1]);
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const series = line.slice(0, space);
    assert.ok(typed.has(series.replace(/\{.*$/, '')), `sample without a TYPE line: ${line}`);
    assert.ok(!out.has(series), `duplicate sample ${series}`);
    out.set(series, Number(line.slice(space + 1)));
  }
  return out;
}

function withoutTimestamp(samples: Map<string, number>): Map<string, number> {
  return new Map([...samples].filter(([series]) => !series.startsWith('cdk_mlops_drift_last_run_timestamp_seconds')));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const scenario = buildScenario();
  assert.equal(scenario.records, EXPECTED_RECORDS);
  assert.equal(scenario.windowRows.length, EXPECTED_ROWS);
  await upload(scenario);
  passed(`uploaded the baseline and ${scenario.files.size} capture objects (${scenario.windowKeys.size} in the window's folders, 2 variants × 2 hours, and a late file in hour 02)`);

  // What the job must find, from the same math on the rows that belong to the window.
  const [amountColumn, ageColumn, countryColumn] = BASELINE.features;
  const expectedPsi = new Map<string, number>([
    ['amount', numericDriftOf(amountColumn, scenario.windowRows.map((r) => r.amount)).psi],
    ['age', numericDriftOf(ageColumn, scenario.windowRows.map((r) => r.age)).psi],
    ['country', DriftMath.driftForColumn(countryColumn, { name: 'country', categoricalValues: scenario.windowRows.map((r) => r.country) }).psi],
    [PREDICTION, numericDriftOf(BASELINE.prediction!, scenario.windowRows.map((r) => r.score)).psi],
  ]);
  assert.ok(expectedPsi.get('amount')! > 0.2, `the scenario must shift amount: PSI ${expectedPsi.get('amount')}`);
  assert.ok(expectedPsi.get('age')! > 0 && expectedPsi.get('age')! < 0.1, `the scenario must keep age stable: PSI ${expectedPsi.get('age')}`);

  // ---- The Lambda bundle, against S3 and CloudWatch.
  const { handler } = createRequire(__filename)(LAMBDA_BUNDLE) as { handler: LambdaHandler };
  assert.equal(typeof handler, 'function', `${LAMBDA_BUNDLE} must export handler`);

  const before = new Date();
  const { result, logs } = await invokeLambda(handler, lambdaEnv(), WINDOW_END);
  const after = new Date();

  assert.equal(result.endpointName, ENDPOINT);
  assert.equal(result.namespace, DEFAULT_NAMESPACE);
  assert.equal(result.windowStart.toISOString(), new Date(WINDOW_START_MS).toISOString());
  assert.equal(result.windowEnd.toISOString(), WINDOW_END);
  assert.equal(result.objectsRead, scenario.windowKeys.size, 'objects read: exactly the capture files of both variants in hours 00 and 01, and the late file in 02');
  assert.deepEqual(result.counters, {
    records: EXPECTED_RECORDS, rows: EXPECTED_ROWS, malformed: EXPECTED_MALFORMED, skippedReasons: EXPECTED_SKIPPED,
  });
  passed(`Lambda bundle: read ${result.objectsRead} objects, ${EXPECTED_RECORDS} records / ${EXPECTED_ROWS} rows in the window; `
    + `${EXPECTED_MALFORMED} malformed (invalid JSON, wrong column count, bad base64, non-numeric), 4 outside the window, other prefixes/hours/endpoints not read`);

  const resultPsi = new Map([...result.features, ...(result.prediction ? [result.prediction] : [])].map((f) => [f.feature, f.psi]));
  assert.deepEqual([...resultPsi.keys()], ['amount', 'age', 'country', PREDICTION]);
  assert.deepEqual(resultPsi, expectedPsi, 'PSI per feature = DriftMath on exactly the window\'s rows');
  assert.equal(result.features.find((f) => f.feature === 'amount')!.severity, DriftSeverity.ACT);
  assert.equal(result.features.find((f) => f.feature === 'age')!.severity, DriftSeverity.STABLE);
  assert.deepEqual(result.features.map((f) => f.windowCount), [EXPECTED_ROWS, EXPECTED_ROWS, EXPECTED_ROWS]);
  assert.equal(result.datumsPublished, 2 + resultPsi.size);
  passed(`Lambda bundle: PSI amount ${resultPsi.get('amount')!.toPrecision(3)} (ACT, > 0.2), age ${resultPsi.get('age')!.toPrecision(3)} (STABLE, < 0.1), `
    + `country ${resultPsi.get('country')!.toPrecision(3)}, predictions ${resultPsi.get(PREDICTION)!.toPrecision(3)}: equal to DriftMath on the window's rows`);

  assert.equal(logs.length, 1, `one log line; got ${JSON.stringify(logs)}`);
  const logged = JSON.parse(logs[0]) as Record<string, unknown>;
  assert.equal(logged.message, 'drift job done');
  assert.equal(logged.records, EXPECTED_RECORDS);
  assert.equal(logged.malformed, EXPECTED_MALFORMED);
  assert.deepEqual(logged.psi, Object.fromEntries(resultPsi));
  passed('Lambda bundle: logs one JSON line with the counts and PSI');

  // ---- What CloudWatch stored.
  const featureNames = [...resultPsi.keys()];
  assert.deepEqual(await listMetrics(DEFAULT_NAMESPACE), [
    metricId('MalformedRecords', [endpointDim(ENDPOINT)]),
    ...featureNames.map((f) => metricId('PSI', psiMetric(ENDPOINT, f).dims)).sort(),
    metricId('RecordsInWindow', [endpointDim(ENDPOINT)]),
  ].sort());
  passed(`CloudWatch ListMetrics ${DEFAULT_NAMESPACE}: exactly RecordsInWindow, MalformedRecords {EndpointName=${ENDPOINT}} `
    + `and PSI {EndpointName=${ENDPOINT}, Feature=${featureNames.join('|')}}`);

  const run = { before, after };
  await assertOneDatum(DEFAULT_NAMESPACE, countMetric('RecordsInWindow', ENDPOINT), EXPECTED_RECORDS, StandardUnit.Count, run);
  await assertOneDatum(DEFAULT_NAMESPACE, countMetric('MalformedRecords', ENDPOINT), EXPECTED_MALFORMED, StandardUnit.Count, run);
  for (const feature of featureNames) {
    await assertOneDatum(DEFAULT_NAMESPACE, psiMetric(ENDPOINT, feature), resultPsi.get(feature)!, StandardUnit.None, run);
  }
  passed(`CloudWatch GetMetricStatistics: one datum per metric at the run's time; RecordsInWindow = ${EXPECTED_RECORDS}, `
    + `MalformedRecords = ${EXPECTED_MALFORMED} (Count); each PSI (None) equal to the handler's result`);

  // ---- An empty window: RecordsInWindow = 0 and no PSI (the alarms see missing data, not a 0).
  const emptyRun = { before: new Date(), after: new Date() };
  const empty = (await invokeLambda(handler, lambdaEnv({ METRIC_NAMESPACE: EMPTY_NAMESPACE }), EMPTY_WINDOW_END)).result;
  emptyRun.after = new Date();
  assert.equal(empty.namespace, EMPTY_NAMESPACE);
  assert.equal(empty.objectsRead, 0);
  assert.deepEqual(empty.counters, { records: 0, rows: 0, malformed: 0, skippedReasons: {} });
  assert.deepEqual(empty.features, []);
  assert.equal(empty.prediction, undefined);
  assert.equal(empty.datumsPublished, 2);
  assert.deepEqual(await listMetrics(EMPTY_NAMESPACE), [
    metricId('MalformedRecords', [endpointDim(ENDPOINT)]),
    metricId('RecordsInWindow', [endpointDim(ENDPOINT)]),
  ]);
  await assertOneDatum(EMPTY_NAMESPACE, countMetric('RecordsInWindow', ENDPOINT), 0, StandardUnit.Count, emptyRun);
  await assertOneDatum(EMPTY_NAMESPACE, countMetric('MalformedRecords', ENDPOINT), 0, StandardUnit.Count, emptyRun);
  for (const feature of featureNames) {
    const window = [new Date(emptyRun.before.getTime() - 10 * 60_000), new Date(emptyRun.after.getTime() + 10 * 60_000)] as const;
    assert.deepEqual(await datapoints(EMPTY_NAMESPACE, psiMetric(ENDPOINT, feature), ...window), [], `no PSI datum for ${feature}`);
  }
  passed(`empty window (Lambda bundle, ${EMPTY_NAMESPACE}): RecordsInWindow = 0, MalformedRecords = 0, no PSI metric or datum`);

  // ---- A rolling reference: the window [02:00, 03:30) against the 90 minutes before it, which
  // are the first window's capture, re-counted on the training bins.
  const referenceRun = { before: new Date(), after: new Date() };
  const referenced = (await invokeLambda(handler, lambdaEnv({
    METRIC_NAMESPACE: REFERENCE_NAMESPACE, REFERENCE: 'ROLLING_WINDOW', REFERENCE_MINUTES: String(WINDOW_MINUTES), MIN_REFERENCE_VALUES: '10',
  }), REFERENCE_WINDOW_END)).result;
  referenceRun.after = new Date();
  assert.deepEqual(referenced.reference, {
    kind: 'ROLLING_WINDOW',
    start: new Date(WINDOW_START_MS),
    end: new Date(WINDOW_END),
    objectsRead: scenario.windowKeys.size,
    records: EXPECTED_RECORDS,
    fallbackColumns: [],
  });
  // The window holds the late file's 02:00:05 record (amount 4, age 30, US, score 0.1).
  assert.equal(referenced.counters.records, 1);
  const rebased = rebaselineOnReference(BASELINE, new Map<string, number[] | string[]>([
    ['amount', scenario.windowRows.map((r) => r.amount)],
    ['age', scenario.windowRows.map((r) => r.age)],
    ['country', scenario.windowRows.map((r) => r.country)],
  ]), scenario.windowRows.map((r) => r.score), 10).baseline;
  assert.deepEqual(referenced.features.map((f) => [f.feature, f.psi]), [
    ['amount', numericDriftOf(rebased.features[0], [4]).psi],
    ['age', numericDriftOf(rebased.features[1], [30]).psi],
    ['country', DriftMath.driftForColumn(rebased.features[2], { name: 'country', categoricalValues: ['US'] }).psi],
  ]);
  assert.equal(referenced.prediction?.psi, numericDriftOf(rebased.prediction!, [0.1]).psi);
  await assertOneDatum(REFERENCE_NAMESPACE, countMetric('ReferenceRecords', ENDPOINT), EXPECTED_RECORDS, StandardUnit.Count, referenceRun);
  await assertOneDatum(REFERENCE_NAMESPACE, countMetric('ReferenceFallbackColumns', ENDPOINT), 0, StandardUnit.Count, referenceRun);
  passed(`rolling reference (Lambda bundle, ${REFERENCE_NAMESPACE}): the previous 90 minutes re-counted on the training bins `
    + `(${EXPECTED_RECORDS} reference records, no fallback); PSI equal to the core math; ReferenceRecords and ReferenceFallbackColumns published`);

  // ---- More capture files in one hour folder than one ListObjectsV2 page.
  const pagedFolder = `${PREFIX}/${PAGED_ENDPOINT}/AllTraffic/2026/11/23/01/`;
  const firstPage = await s3.send(new ListObjectsV2Command({ Bucket: CAPTURE_BUCKET, Prefix: pagedFolder }));
  assert.equal(firstPage.IsTruncated, true, 'the paged folder must not fit in one ListObjectsV2 page');
  const pagedRun = { before: new Date(), after: new Date() };
  const paged = (await invokeLambda(handler, lambdaEnv({ ENDPOINT_NAME: PAGED_ENDPOINT, METRIC_NAMESPACE: PAGED_NAMESPACE }), WINDOW_END)).result;
  pagedRun.after = new Date();
  assert.equal(paged.objectsRead, PAGED_FILES);
  assert.deepEqual(paged.counters, { records: PAGED_FILES, rows: PAGED_FILES, malformed: 0, skippedReasons: {} });
  await assertOneDatum(PAGED_NAMESPACE, countMetric('RecordsInWindow', PAGED_ENDPOINT), PAGED_FILES, StandardUnit.Count, pagedRun);
  passed(`pagination: ${PAGED_FILES} files in one hour folder (first page ${firstPage.KeyCount} keys, truncated) all read; RecordsInWindow = ${PAGED_FILES}`);

  // The other runs published elsewhere: the first run's metrics are unchanged.
  assert.deepEqual(await listMetrics(DEFAULT_NAMESPACE), [
    metricId('MalformedRecords', [endpointDim(ENDPOINT)]),
    ...featureNames.map((f) => metricId('PSI', psiMetric(ENDPOINT, f).dims)),
    metricId('RecordsInWindow', [endpointDim(ENDPOINT)]),
  ].sort());
  await assertOneDatum(DEFAULT_NAMESPACE, countMetric('RecordsInWindow', ENDPOINT), EXPECTED_RECORDS, StandardUnit.Count, run);

  // ---- The CLI bundle (Kubernetes CronJob), as a child process against the same emulator.
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-emulator-'));
  try {
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      endpointName: ENDPOINT,
      captureBucket: CAPTURE_BUCKET,
      capturePrefix: `${PREFIX}/`,
      baselineBucket: MODEL_BUCKET,
      baselineKey: BASELINE_KEY,
      featureNames: FEATURES,
      windowMinutes: WINDOW_MINUTES,
      region: REGION,
    }));

    const cliBefore = Date.now();
    const cli = await runCli(['--config', config, '--window-end', WINDOW_END]);
    const cliAfter = Date.now();
    assert.equal(cli.code, 0, `CLI exit code; stderr: ${cli.stderr}`);
    const samples = promSamples(cli.stdout);
    const endpointLabel = `endpoint="${ENDPOINT}"`;
    const lastRun = samples.get(`cdk_mlops_drift_last_run_timestamp_seconds{${endpointLabel}}`);
    assert.ok(lastRun !== undefined && lastRun * 1000 >= Math.floor(cliBefore / 1000) * 1000 && lastRun * 1000 <= cliAfter,
      `last run timestamp ${lastRun} within the CLI's run`);
    assert.deepEqual(withoutTimestamp(samples), new Map([
      ...featureNames.map((f): [string, number] => [`cdk_mlops_drift_psi{${endpointLabel},feature="${f}"}`, resultPsi.get(f)!]),
      [`cdk_mlops_drift_records_in_window{${endpointLabel}}`, EXPECTED_RECORDS],
      [`cdk_mlops_drift_malformed_records{${endpointLabel}}`, EXPECTED_MALFORMED],
    ]));
    passed(`CLI bundle (stdout): Prometheus gauges with the same PSI per feature, records_in_window ${EXPECTED_RECORDS}, `
      + `malformed_records ${EXPECTED_MALFORMED}, last-run timestamp`);

    const cliEmpty = await runCli(['--config', config, '--window-end', EMPTY_WINDOW_END]);
    assert.equal(cliEmpty.code, 0, `CLI exit code (empty window); stderr: ${cliEmpty.stderr}`);
    assert.deepEqual(withoutTimestamp(promSamples(cliEmpty.stdout)), new Map([
      [`cdk_mlops_drift_records_in_window{${endpointLabel}}`, 0],
      [`cdk_mlops_drift_malformed_records{${endpointLabel}}`, 0],
    ]));
    passed('CLI bundle, empty window: records_in_window 0, no cdk_mlops_drift_psi sample, exit code 0');

    // Pushgateway mode, against a local HTTP server standing in for the gateway.
    const pushes: Array<{ method?: string; url?: string; contentType?: string; body: string }> = [];
    const gateway = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        pushes.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf-8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const port = (gateway.address() as AddressInfo).port;
      const pushed = await runCli(['--config', config, '--window-end', WINDOW_END, '--pushgateway', `http://127.0.0.1:${port}`]);
      assert.equal(pushed.code, 0, `CLI exit code (Pushgateway); stderr: ${pushed.stderr}`);
      assert.equal(pushed.stdout, '');
      assert.match(pushed.stderr, new RegExp(`pushed drift metrics of ${ENDPOINT} `));
      assert.equal(pushes.length, 1);
      assert.equal(pushes[0].method, 'PUT');
      assert.equal(pushes[0].url, `/metrics/job/cdk-mlops-drift/endpoint/${ENDPOINT}`);
      assert.equal(pushes[0].contentType, 'text/plain; version=0.0.4; charset=utf-8');
      assert.deepEqual(withoutTimestamp(promSamples(pushes[0].body)), withoutTimestamp(samples));
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
    passed('CLI bundle (--pushgateway): one PUT /metrics/job/cdk-mlops-drift/endpoint/fraud with the same samples, nothing on stdout');

    // An S3 error (the baseline key does not exist) fails the run with exit code 1.
    const missing = path.join(dir, 'missing.json');
    writeFileSync(missing, JSON.stringify({
      endpointName: ENDPOINT,
      captureBucket: CAPTURE_BUCKET,
      capturePrefix: PREFIX,
      baselineBucket: MODEL_BUCKET,
      baselineKey: 'fraud/v0/baseline.json',
      featureNames: FEATURES,
    }));
    const failed = await runCli(['--config', missing, '--window-end', WINDOW_END]);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, '');
    assert.match(failed.stderr, /drift job failed: .*key does not exist/i);
    passed('CLI bundle: a missing baseline (S3 NoSuchKey) exits 1 with "drift job failed"');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => {
  console.log(`drift emulator: ${checks.length} checks passed against ${ENDPOINT_URL} (moto_server)`);
  for (const c of checks) console.log(`  ok  ${c}`);
}, (e: unknown) => {
  console.error('drift emulator: FAILED');
  for (const c of checks) console.error(`  ok  ${c}`);
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
