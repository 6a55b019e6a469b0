/**
 * Drift on batch inputs (issue 18 item 7), end to end against moto's S3 + CloudWatch server: batch
 * scoring's own run steps (lib/runtime/batch: validateInput, commitRun on S3ObjectStore) commit a
 * partition whose inputs have a shifted feature, beside a run that never committed (and a date that
 * never committed); the shipped drift job (assets/drift-job/index.js, as the Lambda handler and as
 * the CronJob's CLI) reads the window's partitions through their manifests.
 *
 * It shows what the mocks of test/runtime/drift-job-batch.test.ts cannot: the manifests the scoring
 * writes are the ones the job reads (one contract, two sides), real S3 listing of a manifest's own
 * key, streamed GetObject bodies, and the metrics CloudWatch stores. Then a re-run of the date
 * commits other scores and the next drift run reads those (the manifest switches readers at once).
 *
 * Run: `bash scripts/drift-batch-emulator.sh` (after `bash scripts/install-emulator.sh`).
 */

import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { outputPartitionUri, runOutputUri } from '../../lib/core/batch/layout';
import { DriftMath, DriftSeverity, numericDriftOf } from '../../lib/core/drift';
import { commitRun, validateInput } from '../../lib/runtime/batch/partition';
import { S3ObjectStore } from '../../lib/runtime/batch/s3-store';
import { DriftJobResult } from '../../lib/runtime/drift-job/job';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'assets', 'drift-job', 'index.js');

// Never run against real AWS: only a loopback emulator.
const ENDPOINT_URL = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(ENDPOINT_URL)) {
  console.error(`drift-batch emulator: AWS_ENDPOINT_URL must be a loopback emulator (http://127.0.0.1:<port>); got ${JSON.stringify(ENDPOINT_URL)}.`
    + ' Run through scripts/drift-batch-emulator.sh.');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The scenario.

const REGION = 'eu-west-1';
const DATA_BUCKET = 'cdk-mlops-batch';
const MODEL_BUCKET = 'cdk-mlops-models';
const BASELINE_KEY = 'fraud/v7/baseline.json';
const SPEC = { inputUri: `s3://${DATA_BUCKET}/inputs/fraud/`, outputUri: `s3://${DATA_BUCKET}/scores/fraud-daily/` };
const NAME = 'fraud-daily';
const FEATURES = ['amount', 'age', 'country'];
const COUNTRIES = ['US', 'US', 'US', 'DE', 'DE', 'FR'];
/** The committed date, and one whose run never committed. */
const DAY = '2026-11-22';
const UNCOMMITTED_DAY = '2026-11-23';
/** A daily run at 12:00 over two days reads both dates (settled 11-23T12:00 and 11-24T12:00, delay 12 h). */
const RUN_TIME = '2026-11-24T12:00:00.000Z';
const WINDOW_MINUTES = 2 * 1440;
const ROWS_PER_FILE = 300;

const BASELINE = DriftMath.buildBaseline([
  { name: 'amount', numericValues: Array.from({ length: 1000 }, (_, i) => 1 + (i % 100)) },
  { name: 'age', numericValues: Array.from({ length: 1000 }, (_, i) => 20 + (i % 50)) },
  { name: 'country', categoricalValues: Array.from({ length: 1000 }, (_, i) => COUNTRIES[i % 6]) },
], { bins: 10, prediction: { name: 'score', numericValues: Array.from({ length: 1000 }, (_, i) => (i % 20) / 20) } });

interface Row {
  readonly amount: number;
  readonly age: number;
  readonly country: string;
}

/** Inputs like training, except `amount` when `shifted` (moved to the top of its range: 61–100). */
function inputRows(count: number, offset: number, shifted: boolean): Row[] {
  return Array.from({ length: count }, (_, j) => {
    const i = j + offset;
    return { amount: shifted ? 61 + (i % 40) : 1 + (i % 100), age: 20 + (i % 50), country: COUNTRIES[i % 6] };
  });
}

const csvOf = (r: Row) => `${r.amount},${r.age},${r.country}`;
/** What Batch Transform writes with JoinSource: Input for a CSV line: the line, then the prediction. */
const scoredOf = (r: Row, i: number) => `${csvOf(r)},${(i % 20) / 20}`;
const text = (lines: string[]) => Buffer.from(lines.join('\n') + '\n', 'utf-8');

const checks: string[] = [];
const passed = (what: string) => checks.push(what);

const s3 = new S3Client({ region: REGION, forcePathStyle: true });
const cloudwatch = new CloudWatchClient({ region: REGION });
const store = new S3ObjectStore(s3);

async function put(uri: string, body: Buffer): Promise<void> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  await s3.send(new PutObjectCommand({ Bucket: m[1], Key: m[2], Body: body }));
}

/** One scoring run of `date` as the targets do it: validate the input, "transform" into the run's prefix, commit. */
async function scoreAndCommit(date: string, runId: string, files: Row[][]): Promise<void> {
  const input = await validateInput(store, SPEC, date);
  const runUri = runOutputUri(SPEC, date, runId);
  for (const [n, rows] of files.entries()) await put(`${runUri}part-${n}.csv.out`, text(rows.map(scoredOf)));
  await commitRun(store, SPEC, { date, runId, modelVersion: '7', modelSource: 'arn:aws:sagemaker:eu-west-1:111122223333:model-package/fraud/7', input });
}

async function setUp(): Promise<Row[]> {
  for (const bucket of [DATA_BUCKET, MODEL_BUCKET]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  }
  await s3.send(new PutObjectCommand({ Bucket: MODEL_BUCKET, Key: BASELINE_KEY, Body: DriftMath.baselineToJson(BASELINE) }));

  // DAY: two input files, shifted amounts; run r1 scores and commits them.
  const files = [inputRows(ROWS_PER_FILE, 0, true), inputRows(ROWS_PER_FILE, ROWS_PER_FILE, true)];
  for (const [n, rows] of files.entries()) await put(`${SPEC.inputUri}date=${DAY}/part-${n}.csv`, text(rows.map(csvOf)));
  await scoreAndCommit(DAY, 'r1', files);
  // A second run of DAY still scoring (no commit): values nothing like training, and lines no reader can parse.
  const poison = [...Array.from({ length: 1000 }, () => '-5,999,XX,7'), 'not,a,scored,line,at all'];
  await put(`${runOutputUri(SPEC, DAY, 'r2-running')}part-0.csv.out`, text(poison));
  // A stray file in the partition, outside any run.
  await put(`${outputPartitionUri(SPEC, DAY)}stray.csv`, text(poison));
  // UNCOMMITTED_DAY: input and a run's output, never committed.
  await put(`${SPEC.inputUri}date=${UNCOMMITTED_DAY}/part-0.csv`, text(inputRows(10, 0, false).map(csvOf)));
  await put(`${runOutputUri(SPEC, UNCOMMITTED_DAY, 'r1')}part-0.csv.out`, text(poison));
  passed(`committed ${DAY} (run r1, 2 files, ${2 * ROWS_PER_FILE} scored lines, amount shifted) with lib/runtime/batch commitRun; `
    + `an uncommitted run r2-running and a stray file beside it; ${UNCOMMITTED_DAY} scored but never committed`);
  return files.flat();
}

// ---------------------------------------------------------------------------------------------

type LambdaHandler = (event?: { time?: string }) => Promise<DriftJobResult>;

const ENV = {
  ENDPOINT_NAME: NAME,
  BATCH_OUTPUT_URI: SPEC.outputUri,
  BASELINE_BUCKET: MODEL_BUCKET,
  BASELINE_KEY,
  FEATURE_NAMES: FEATURES.join(','),
  WINDOW_MINUTES: String(WINDOW_MINUTES),
};

async function invokeLambda(handler: LambdaHandler): Promise<{ result: DriftJobResult; log: Record<string, unknown> }> {
  const saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, ENV);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  try {
    const result = await handler({ time: RUN_TIME });
    assert.equal(lines.length, 1, 'the handler logs one line');
    return { result, log: JSON.parse(lines[0]) };
  } finally {
    console.log = log;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function expectedPsi(rows: Row[], predictions: number[]): Map<string, number> {
  const [amount, age, country] = BASELINE.features;
  return new Map([
    ['amount', numericDriftOf(amount, rows.map((r) => r.amount)).psi],
    ['age', numericDriftOf(age, rows.map((r) => r.age)).psi],
    ['country', DriftMath.driftForColumn(country, { name: 'country', categoricalValues: rows.map((r) => r.country) }).psi],
    ['__prediction__', numericDriftOf(BASELINE.prediction!, predictions).psi],
  ]);
}

function psiOf(result: DriftJobResult): Map<string, number> {
  return new Map([...result.features, ...(result.prediction ? [result.prediction] : [])].map((f) => [f.feature, f.psi]));
}

async function storedPsi(feature: string, runAt: Date): Promise<number[]> {
  const res = await cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: 'CdkMlops/Drift',
    MetricName: 'PSI',
    Dimensions: [{ Name: 'EndpointName', Value: NAME }, { Name: 'Feature', Value: feature }],
    StartTime: new Date(runAt.getTime() - 10 * 60_000),
    EndTime: new Date(runAt.getTime() + 10 * 60_000),
    Period: 60,
    Statistics: ['Maximum'],
  }));
  return (res.Datapoints ?? []).map((d) => d.Maximum!);
}

const execFileAsync = promisify(execFile);

async function main(): Promise<void> {
  const committed = await setUp();
  const predictions = committed.map((_, i) => (i % ROWS_PER_FILE % 20) / 20);
  const expected = expectedPsi(committed, predictions);

  const { handler } = createRequire(__filename)(BUNDLE) as { handler: LambdaHandler };
  assert.equal(typeof handler, 'function', `${BUNDLE} must export handler`);

  // 1. The Lambda: the committed run only.
  const { result, log } = await invokeLambda(handler);
  assert.deepEqual(result.batch, { datesRead: [DAY], datesMissing: [UNCOMMITTED_DAY] });
  assert.deepEqual(result.counters, { records: committed.length, rows: committed.length, malformed: 0, skippedReasons: {} },
    'only the committed run\'s lines: the running run, the stray file and the uncommitted date would add records and malformed lines');
  assert.equal(result.objectsRead, 2);
  assert.deepEqual(log.batchDatesRead, [DAY]);
  assert.deepEqual(log.batchDatesMissing, [UNCOMMITTED_DAY]);
  passed(`Lambda bundle: read ${DAY} through its manifest (2 files, ${committed.length} records, 0 malformed); ${UNCOMMITTED_DAY} missing; `
    + 'the running run, the stray file and the uncommitted date ignored');

  const psi = psiOf(result);
  for (const [feature, value] of expected) assert.ok(Math.abs(psi.get(feature)! - value) < 1e-12, `${feature}: PSI ${psi.get(feature)} = ${value}`);
  const severity = Object.fromEntries([...result.features, result.prediction!].map((f) => [f.feature, f.severity]));
  const { ACT, STABLE } = DriftSeverity;
  assert.deepEqual(severity, { amount: ACT, age: STABLE, country: STABLE, __prediction__: STABLE });
  passed(`PSI as the shared math computes it on the committed rows: amount ${psi.get('amount')!.toFixed(3)} (ACT, the shifted feature); `
    + `age ${psi.get('age')!.toFixed(4)}, country ${psi.get('country')!.toFixed(4)}, predictions ${psi.get('__prediction__')!.toFixed(4)} (STABLE)`);

  assert.deepEqual(await storedPsi('amount', result.runAt), [psi.get('amount')]);
  passed(`CloudWatch (moto) stores PSI{EndpointName=${NAME},Feature=amount} = ${psi.get('amount')!.toFixed(3)}: the same metric names, the scoring as EndpointName`);

  // 2. The CronJob's CLI, with the config the k8s DriftMonitor renders.
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-batch-'));
  try {
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      endpointName: NAME,
      batchOutputUri: SPEC.outputUri,
      batchContentType: 'text/csv',
      batchDelayMinutes: 720,
      baselineBucket: MODEL_BUCKET,
      baselineKey: BASELINE_KEY,
      featureNames: FEATURES,
      windowMinutes: WINDOW_MINUTES,
      region: REGION,
    }));
    const { stdout } = await execFileAsync(process.execPath, [BUNDLE, '--config', config, '--window-end', RUN_TIME], { env: process.env, timeout: 120_000 });
    assert.ok(stdout.includes(`\ncdk_mlops_drift_records_in_window{endpoint="${NAME}"} ${committed.length}\n`), stdout);
    assert.ok(stdout.includes(`\ncdk_mlops_drift_psi{endpoint="${NAME}",feature="amount"} ${psi.get('amount')}\n`), stdout);
    passed(`CLI bundle: the same records and PSI as Prometheus text (endpoint="${NAME}")`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // 3. A re-run of DAY on inputs like training commits; the next drift run reads its scores.
  const fixed = [inputRows(ROWS_PER_FILE, 0, false), inputRows(ROWS_PER_FILE, ROWS_PER_FILE, false)];
  for (const [n, rows] of fixed.entries()) await put(`${SPEC.inputUri}date=${DAY}/part-${n}.csv`, text(rows.map(csvOf)));
  await scoreAndCommit(DAY, 'r3', fixed);
  const again = (await invokeLambda(handler)).result;
  const amountAgain = again.features.find((f) => f.feature === 'amount')!;
  assert.equal(again.counters.records, committed.length);
  assert.equal(amountAgain.severity, DriftSeverity.STABLE, `amount after the re-run: PSI ${amountAgain.psi}`);
  const r1Files = await store.list(runOutputUri(SPEC, DAY, 'r1'));
  assert.equal(r1Files.filter((f) => f.uri.endsWith('.csv.out')).length, 2, 'the replaced run r1 is kept for readers of the old manifest');
  passed(`after a re-run of ${DAY} commits run r3, the drift job reads r3 only: amount PSI ${amountAgain.psi.toFixed(4)} (STABLE), `
    + `${again.counters.records} records (r1's files are still there, unread)`);
}

main().then(() => {
  console.log(`drift-batch emulator: ${checks.length} checks passed against ${ENDPOINT_URL} (moto_server)`);
  for (const c of checks) console.log(`  ok  ${c}`);
}, (e: unknown) => {
  console.error('drift-batch emulator: FAILED');
  for (const c of checks) console.error(`  ok  ${c}`);
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
