/**
 * The drift job on batch scoring's output (lib/runtime/drift-job/batch.ts): the dates a window reads,
 * the scored records (Batch Transform with `JoinSource: Input`), and the job reading committed
 * partitions through their manifests only. S3 and CloudWatch are aws-sdk-client-mock fakes, as in
 * drift-job.test.ts; scripts/drift-batch-emulator.sh runs the bundled job against moto's S3.
 */

import { Readable } from 'stream';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchDatesIn, DEFAULT_BATCH_DRIFT_DELAY_MINUTES } from '../../lib/core/batch/drift-source';
import { DriftColumnKind, DriftMath, DriftSeverity, numericDriftOf } from '../../lib/core/drift';
import { BatchRecordReader, manifestFiles } from '../../lib/runtime/drift-job/batch';
import { main, parseCliConfig } from '../../lib/runtime/drift-job/cli';
import { configFromEnv, handler } from '../../lib/runtime/drift-job/handler';
import { DriftJobConfig, runDriftJob } from '../../lib/runtime/drift-job/job';

const FEATURES = ['amount', 'age', 'country'];
const KINDS = new Map([['amount', DriftColumnKind.NUMERIC], ['age', DriftColumnKind.NUMERIC], ['country', DriftColumnKind.CATEGORICAL]]);
const BASELINE = DriftMath.buildBaseline([
  { name: 'amount', numericValues: Array.from({ length: 100 }, (_, i) => i + 1) },
  { name: 'age', numericValues: Array.from({ length: 50 }, (_, i) => 20 + i) },
  { name: 'country', categoricalValues: ['US', 'US', 'US', 'DE', 'DE', 'FR'] },
], { bins: 4, prediction: { name: 'score', numericValues: Array.from({ length: 20 }, (_, i) => i / 20) } });

describe('batchDatesIn', () => {
  const t = (iso: string) => new Date(iso);

  it('reads the dates whose day end plus the delay is in (start, end]', () => {
    // Day 2026-11-22 ends at 11-23T00:00; with 12 h its settle point is 11-23T12:00.
    expect(batchDatesIn(t('2026-11-22T12:00:00Z'), t('2026-11-23T12:00:00Z'), 720)).toEqual(['2026-11-22']);
    // At the window's start: read by the run before.
    expect(batchDatesIn(t('2026-11-23T12:00:00Z'), t('2026-11-24T11:59:00Z'), 720)).toEqual([]);
    expect(batchDatesIn(t('2026-11-16T06:00:00Z'), t('2026-11-23T06:00:00Z'), 0)).toEqual([
      '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22',
    ]);
  });

  it.each([[60, 0], [60, 720], [1440, 720], [1440, 3 * 60 + 17], [360, 1440]])(
    'consecutive %d-minute windows read every date once (delay %d minutes), whatever their time of day', (windowMinutes, delay) => {
      // GIVEN windows tiling 30 days from an odd start (an EventBridge rate starts when the rule is created)
      const start = Date.parse('2026-11-01T07:13:00Z');
      const seen: string[] = [];
      for (let s = start; s < start + 30 * 86_400_000; s += windowMinutes * 60_000) {
        seen.push(...batchDatesIn(new Date(s), new Date(s + windowMinutes * 60_000), delay));
      }
      // THEN no date is read twice and the dates are consecutive
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBeGreaterThanOrEqual(29);
      for (let i = 1; i < seen.length; i++) {
        expect(Date.parse(seen[i]) - Date.parse(seen[i - 1])).toBe(86_400_000);
      }
    });

  it('defaults to a 12-hour delay (the scoring runs at 03:00 UTC by default)', () => {
    expect(DEFAULT_BATCH_DRIFT_DELAY_MINUTES).toBe(720);
  });
});

describe('BatchRecordReader', () => {
  const csvOptions = { contentType: 'text/csv', featureNames: FEATURES, featureKinds: KINDS, predictionKind: DriftColumnKind.NUMERIC };

  it('reads CSV lines: the features in order, then the prediction (JoinSource: Input)', () => {
    const reader = new BatchRecordReader(csvOptions);
    reader.add('10,30,US,0.1\r\n11.5,31,"D,E",0.2\n\n12,32,FR,0.3\n');
    const data = reader.result();
    expect(data.counters).toEqual({ records: 3, rows: 3, malformed: 0, skippedReasons: {} });
    expect(data.features.get('amount')).toEqual(Float64Array.from([10, 11.5, 12]));
    expect(data.features.get('country')).toEqual(['US', 'D,E', 'FR']);
    expect(data.predictions).toEqual(Float64Array.from([0.1, 0.2, 0.3]));
  });

  it('counts and skips malformed CSV lines without keeping any of their values', () => {
    const reader = new BatchRecordReader(csvOptions);
    for (const line of ['1,20,US', '1,20,US,0.5,0.5', '1,abc,US,0.5', '1,20,US,high', '2,21,DE,0.7']) reader.addLine(line);
    const data = reader.result();
    expect(data.counters).toEqual({
      records: 1, rows: 1, malformed: 4, skippedReasons: { 'wrong-column-count': 2, 'non-numeric-value': 1, 'invalid-prediction': 1 },
    });
    expect(data.features.get('amount')).toEqual(Float64Array.from([2]));
    expect(data.predictions).toEqual(Float64Array.from([0.7]));
  });

  it('still requires the prediction column without a prediction baseline, and collects only the baseline features', () => {
    const reader = new BatchRecordReader({ contentType: 'text/csv', featureNames: FEATURES, featureKinds: new Map([['amount', DriftColumnKind.NUMERIC]]) });
    reader.add('1,anything,US,0.1\n2,anything,US\n');
    const data = reader.result();
    expect([...data.features.keys()]).toEqual(['amount']);
    expect(data.predictions).toBeUndefined();
    expect(data.counters.skippedReasons).toEqual({ 'wrong-column-count': 1 });
  });

  it('reads JSON Lines by key, with the prediction under SageMakerOutput in the shapes a model returns', () => {
    const reader = new BatchRecordReader({ ...csvOptions, contentType: 'application/jsonlines' });
    reader.add([
      { amount: 1, age: 20, country: 'US', id: 'x', SageMakerOutput: 0.1 },
      { amount: 2, age: 21, country: 'DE', SageMakerOutput: [0.2] },
      { amount: 3, age: 22, country: 'FR', SageMakerOutput: { predictions: [[0.3]] } },
      // An input that is a list is wrapped by Batch Transform: features by position.
      { SageMakerInput: [4, 23, 'US'], SageMakerOutput: { predictions: [0.4] } },
    ].map((r) => JSON.stringify(r)).join('\n'));
    const data = reader.result();
    expect(data.counters).toEqual({ records: 4, rows: 4, malformed: 0, skippedReasons: {} });
    expect(data.features.get('age')).toEqual(Float64Array.from([20, 21, 22, 23]));
    expect(data.features.get('country')).toEqual(['US', 'DE', 'FR', 'US']);
    expect(data.predictions).toEqual(Float64Array.from([0.1, 0.2, 0.3, 0.4]));
  });

  it('counts malformed JSON lines by reason', () => {
    const reader = new BatchRecordReader({ ...csvOptions, contentType: 'application/jsonlines' });
    reader.add([
      '{oops',
      '[1, 20, "US", 0.5]',
      JSON.stringify({ amount: 1, country: 'US', SageMakerOutput: 0.5 }),
      JSON.stringify({ amount: 1, age: 20, country: 'US' }),
      JSON.stringify({ amount: 1, age: 20, country: 'US', SageMakerOutput: [0.5, 0.5] }),
      JSON.stringify({ SageMakerInput: [1, 20], SageMakerOutput: 0.5 }),
      JSON.stringify({ amount: 1, age: 20, country: { c: 'US' }, SageMakerOutput: 0.5 }),
    ].join('\n'));
    expect(reader.result().counters).toEqual({
      records: 0,
      rows: 0,
      malformed: 7,
      skippedReasons: { 'invalid-json': 2, 'missing-feature': 1, 'invalid-prediction': 2, 'wrong-column-count': 1, 'invalid-category': 1 },
    });
  });

  it('reads the prediction under another key when told, and categorical predictions as strings', () => {
    const reader = new BatchRecordReader({
      contentType: 'application/jsonlines', featureNames: ['amount'], featureKinds: KINDS, predictionKind: DriftColumnKind.CATEGORICAL, predictionKey: 'label',
    });
    reader.add('{"amount": 1, "label": "fraud"}\n{"amount": 2, "SageMakerOutput": "ok"}\n');
    const data = reader.result();
    expect(data.predictions).toEqual(['fraud']);
    expect(data.counters.skippedReasons).toEqual({ 'invalid-prediction': 1 });
  });

  it('rejects a content type batch scoring does not write', () => {
    expect(() => new BatchRecordReader({ ...csvOptions, contentType: 'application/json' })).toThrow(/must be one of text\/csv, application\/jsonlines/);
  });
});

describe('manifestFiles', () => {
  const partition = 's3://scores/fraud/date=2026-11-22/';
  const manifest = (over: Record<string, unknown> = {}) => JSON.stringify({
    version: 1, logicalDate: '2026-11-22', runId: 'r1', runUri: `${partition}run=r1/`, files: [`${partition}run=r1/part-0.csv.out`], ...over,
  });

  it('returns the files of the run the manifest commits', () => {
    expect(manifestFiles(manifest(), 'm', partition, '2026-11-22')).toEqual([{ bucket: 'scores', key: 'fraud/date=2026-11-22/run=r1/part-0.csv.out' }]);
  });

  it.each<[string, Record<string, unknown> | string, RegExp]>([
    ['not JSON', '{', /m is not JSON/],
    ['another version', { version: 2 }, /not a batch manifest of version 1/],
    ['another date', { logicalDate: '2026-11-21' }, /manifest of "2026-11-21", not of 2026-11-22/],
    ['a run prefix elsewhere', { runUri: 's3://scores/other/run=r1/' }, /runUri .* must be s3:\/\/scores\/fraud\/date=2026-11-22\/run=<runId>\//],
    ['a file of another run', { files: [`${partition}run=r0/part-0.csv.out`] }, /files must be objects under the run's prefix/],
    ['files that are not a list', { files: 'x' }, /files must be a list/],
  ])('throws for %s', (_name, over, message) => {
    const text = typeof over === 'string' ? over : manifest(over);
    expect(() => manifestFiles(text, 'm', partition, '2026-11-22')).toThrow(message);
  });
});

// ---------------------------------------------------------------------------------------------

function body(text: string) {
  // What GetObject returns in Node: a stream (read in two chunks here, split inside a line) with transformToString.
  const bytes = Buffer.from(text, 'utf-8');
  const half = Math.floor(bytes.length / 2);
  return Object.assign(Readable.from([bytes.subarray(0, half), bytes.subarray(half)]), { transformToString: async () => text }) as any;
}

const s3 = mockClient(S3Client);
const cw = mockClient(CloudWatchClient);
const NOW = new Date('2026-11-24T12:00:05Z');
const OUTPUT = 's3://scores/fraud-daily/';

const CONFIG: DriftJobConfig = {
  endpointName: 'fraud-daily',
  batch: { outputUri: OUTPUT, contentType: 'text/csv', delayMinutes: 720 },
  baselineBucket: 'model-bucket',
  baselineKey: 'fraud/baseline.json',
  // Two days: 2026-11-22 (settles 11-23T12:00) and 2026-11-23 (settles 11-24T12:00).
  windowStart: new Date('2026-11-22T12:00:00Z'),
  windowEnd: new Date('2026-11-24T12:00:00Z'),
  featureNames: FEATURES,
};

function givenObject(key: string, text: string): void {
  s3.on(GetObjectCommand, { Bucket: 'scores', Key: key }).resolves({ Body: body(text) });
}

/** A committed partition of `date`: its manifest (listed under its own key) naming run `runId`'s files. */
function givenCommitted(date: string, runId: string, files: Record<string, string[]>): void {
  const partition = `fraud-daily/date=${date}/`;
  const uris = Object.keys(files).map((name) => `s3://scores/${partition}run=${runId}/${name}`);
  const manifestKey = `${partition}_MANIFEST.json`;
  s3.on(ListObjectsV2Command, { Bucket: 'scores', Prefix: manifestKey }).resolves({ Contents: [{ Key: manifestKey }], IsTruncated: false });
  givenObject(manifestKey, JSON.stringify({
    version: 1,
    logicalDate: date,
    runId,
    runUri: `s3://scores/${partition}run=${runId}/`,
    files: uris,
    modelVersion: '7',
    modelSource: 'arn',
    inputPartitionUri: 'x',
    dataVersion: 'y',
    inputRecords: 1,
    outputRecords: 1,
    committedAt: 'z',
  }));
  for (const [name, lines] of Object.entries(files)) givenObject(`${partition}run=${runId}/${name}`, lines.join('\n') + '\n');
}

beforeEach(() => {
  s3.reset();
  cw.reset();
  s3.on(ListObjectsV2Command).resolves({ IsTruncated: false });
  s3.on(GetObjectCommand, { Bucket: 'model-bucket', Key: 'fraud/baseline.json' }).resolves({ Body: body(DriftMath.baselineToJson(BASELINE)) });
  cw.on(PutMetricDataCommand).resolves({});
});

describe('runDriftJob on batch partitions', () => {
  it('reads the committed partitions of the window through their manifests, never an uncommitted run', async () => {
    // GIVEN 2026-11-22 committed (run r2: two files) with an uncommitted run r3 beside it, and
    // 2026-11-23 not committed (its run is still scoring)
    givenCommitted('2026-11-22', 'r2', {
      'part-0.csv.out': ['10,30,US,0.1', '20,40,DE,0.2'],
      'part-1.csv.out': ['30,50,FR,0.3', 'oops'],
    });
    givenObject('fraud-daily/date=2026-11-22/run=r3/part-0.csv.out', '99,99,XX,0.9\n');
    givenObject('fraud-daily/date=2026-11-23/run=r4/part-0.csv.out', '99,99,XX,0.9\n');

    const result = await runDriftJob(CONFIG, { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), now: () => NOW });

    // THEN only the manifests' own keys were listed, and only the committed run's files were read
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'scores', Prefix: 'fraud-daily/date=2026-11-22/_MANIFEST.json', MaxKeys: 1 },
      { Bucket: 'scores', Prefix: 'fraud-daily/date=2026-11-23/_MANIFEST.json', MaxKeys: 1 },
    ]);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key).sort()).toEqual([
      'fraud-daily/date=2026-11-22/_MANIFEST.json',
      'fraud-daily/date=2026-11-22/run=r2/part-0.csv.out',
      'fraud-daily/date=2026-11-22/run=r2/part-1.csv.out',
      'fraud/baseline.json',
    ]);
    expect(result.batch).toEqual({ datesRead: ['2026-11-22'], datesMissing: ['2026-11-23'] });
    expect(result.objectsRead).toBe(2);
    expect(result.counters).toEqual({ records: 3, rows: 3, malformed: 1, skippedReasons: { 'wrong-column-count': 1 } });

    // AND the PSI is the capture path's math on the scored values, published under the same names
    const [amount, age, country] = BASELINE.features;
    const expected = [
      ['amount', numericDriftOf(amount, [10, 20, 30]).psi],
      ['age', numericDriftOf(age, [30, 40, 50]).psi],
      ['country', DriftMath.driftForColumn(country, { name: 'country', categoricalValues: ['US', 'DE', 'FR'] }).psi],
      ['__prediction__', numericDriftOf(BASELINE.prediction!, [0.1, 0.2, 0.3]).psi],
    ] as const;
    expect([...result.features, result.prediction!].map((f) => [f.feature, f.psi])).toEqual(expected);
    const dimension = { Name: 'EndpointName', Value: 'fraud-daily' };
    expect(cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)).toEqual([{
      Namespace: 'CdkMlops/Drift',
      MetricData: [
        { MetricName: 'RecordsInWindow', Dimensions: [dimension], Timestamp: NOW, Value: 3, Unit: 'Count' },
        { MetricName: 'MalformedRecords', Dimensions: [dimension], Timestamp: NOW, Value: 1, Unit: 'Count' },
        ...expected.map(([feature, psi]) => ({
          MetricName: 'PSI', Dimensions: [dimension, { Name: 'Feature', Value: feature }], Timestamp: NOW, Value: psi, Unit: 'None',
        })),
      ],
    }]);
  });

  it('finds a shifted feature: PSI above act on it, the others stable', async () => {
    // GIVEN a day scored on inputs whose amount moved to the baseline's top quarter, the rest as in training
    const lines = Array.from({ length: 200 }, (_, i) => `${76 + (i % 25)},${20 + (i % 50)},${['US', 'US', 'US', 'DE', 'DE', 'FR'][i % 6]},${(i % 20) / 20}`);
    givenCommitted('2026-11-23', 'r1', { 'part-0.csv.out': lines });

    const result = await runDriftJob(CONFIG, { s3: new S3Client({}), now: () => NOW });

    const psi = Object.fromEntries(result.features.map((f) => [f.feature, f]));
    expect(psi.amount.severity).toBe(DriftSeverity.ACT);
    expect(psi.amount.psi).toBeGreaterThan(1);
    expect(psi.age.severity).toBe(DriftSeverity.STABLE);
    expect(psi.country.severity).toBe(DriftSeverity.STABLE);
    expect(result.prediction!.severity).toBe(DriftSeverity.STABLE);
    expect(result.datumsPublished).toBe(0);
  });

  it('publishes RecordsInWindow = 0 and no PSI when no date of the window is committed', async () => {
    const result = await runDriftJob(CONFIG, { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), now: () => NOW });
    expect(result.batch).toEqual({ datesRead: [], datesMissing: ['2026-11-22', '2026-11-23'] });
    expect(result.features).toEqual([]);
    const data = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData!;
    expect(data.map((d) => [d.MetricName, d.Value])).toEqual([['RecordsInWindow', 0], ['MalformedRecords', 0]]);
  });

  it('reads JSON Lines partitions', async () => {
    givenCommitted('2026-11-23', 'r1', {
      'part-0.jsonl.out': [JSON.stringify({ amount: 5, age: 25, country: 'US', SageMakerOutput: { predictions: [0.5] } })],
    });
    const result = await runDriftJob({ ...CONFIG, batch: { ...CONFIG.batch!, contentType: 'application/jsonlines' } }, { s3: new S3Client({}), now: () => NOW });
    expect(result.counters.records).toBe(1);
    expect(result.prediction!.windowCount).toBe(1);
  });

  it('fails on a manifest that lists a file of another run (never reads it)', async () => {
    const key = 'fraud-daily/date=2026-11-23/_MANIFEST.json';
    s3.on(ListObjectsV2Command, { Prefix: key }).resolves({ Contents: [{ Key: key }] });
    givenObject(key, JSON.stringify({
      version: 1,
      logicalDate: '2026-11-23',
      runUri: 's3://scores/fraud-daily/date=2026-11-23/run=r1/',
      files: ['s3://scores/fraud-daily/date=2026-11-23/run=r0/part-0.csv.out'],
    }));
    await expect(runDriftJob(CONFIG, { s3: new S3Client({}), now: () => NOW })).rejects.toThrow(/files must be objects under the run's prefix/);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).not.toContain('fraud-daily/date=2026-11-23/run=r0/part-0.csv.out');
  });

  it.each<[string, Partial<DriftJobConfig>, RegExp]>([
    ['a capture bucket too', { captureBucket: 'capture' }, /captureBucket.*must not be set with batch/s],
    ['an output that is not a prefix', { batch: { outputUri: 's3://scores/fraud', contentType: 'text/csv', delayMinutes: 0 } }, /batch\.outputUri/],
    ['an unknown content type', { batch: { outputUri: OUTPUT, contentType: 'application/json', delayMinutes: 0 } }, /batch\.contentType/],
    ['a negative delay', { batch: { outputUri: OUTPUT, contentType: 'text/csv', delayMinutes: -5 } }, /batch\.delayMinutes/],
  ])('rejects %s', async (_name, over, message) => {
    await expect(runDriftJob({ ...CONFIG, ...over }, { s3: new S3Client({}) })).rejects.toThrow(message);
  });

  it('compares with a rolling reference of earlier partitions', async () => {
    // GIVEN a window of one date and a 2-day reference of the two dates before it
    givenCommitted('2026-11-21', 'r1', { 'a.out': ['10,30,US,0.1'] });
    givenCommitted('2026-11-22', 'r1', { 'a.out': ['20,40,DE,0.2'] });
    givenCommitted('2026-11-23', 'r1', { 'a.out': ['30,50,FR,0.3'] });
    const result = await runDriftJob({
      ...CONFIG, windowStart: new Date('2026-11-23T12:00:00Z'), reference: 'ROLLING_WINDOW' as any, referenceMinutes: 2 * 1440, minReferenceValues: 1,
    }, { s3: new S3Client({}), now: () => NOW });
    expect(result.batch!.datesRead).toEqual(['2026-11-23']);
    expect(result.reference).toMatchObject({ records: 2, objectsRead: 2, fallbackColumns: [] });
  });
});

describe('entry points on batch partitions', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  const ENV = {
    ENDPOINT_NAME: 'fraud-daily', BATCH_OUTPUT_URI: OUTPUT, BASELINE_BUCKET: 'model-bucket', BASELINE_KEY: 'fraud/baseline.json', FEATURE_NAMES: 'amount,age,country',
  };

  it('the handler reads the batch source from the environment, with its defaults', () => {
    const config = configFromEnv(ENV, new Date('2026-11-24T12:00:00Z'));
    expect(config.batch).toEqual({ outputUri: OUTPUT, contentType: 'text/csv', delayMinutes: 720 });
    expect(config.captureBucket).toBeUndefined();
    const jsonl = configFromEnv({ ...ENV, BATCH_CONTENT_TYPE: 'application/jsonlines', BATCH_DELAY_MINUTES: '90', BATCH_PREDICTION_KEY: 'score' }, new Date());
    expect(jsonl.batch).toEqual({ outputUri: OUTPUT, contentType: 'application/jsonlines', delayMinutes: 90, predictionKey: 'score' });
  });

  it('the handler refuses capture settings with a batch source, and batch settings without one', () => {
    expect(() => configFromEnv({ ...ENV, CAPTURE_BUCKET: 'c' }, new Date())).toThrow('CAPTURE_BUCKET must not be set with BATCH_OUTPUT_URI');
    const { BATCH_OUTPUT_URI: _, ...capture } = ENV;
    expect(() => configFromEnv({ ...capture, CAPTURE_BUCKET: 'c', CAPTURE_PREFIX: '', BATCH_DELAY_MINUTES: '5' }, new Date()))
      .toThrow('BATCH_DELAY_MINUTES must be set only with BATCH_OUTPUT_URI');
    expect(() => configFromEnv({ ...ENV, BATCH_DELAY_MINUTES: '1.5' }, new Date())).toThrow('BATCH_DELAY_MINUTES must be a whole number of minutes');
  });

  it('the handler logs the dates read and missing', async () => {
    givenCommitted('2026-11-23', 'r1', { 'a.out': ['30,50,FR,0.3'] });
    Object.assign(process.env, ENV, { WINDOW_MINUTES: '2880' });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await handler({ time: '2026-11-24T12:00:00Z' });
    const line = JSON.parse(String(log.mock.calls[0][0]));
    log.mockRestore();
    expect(line).toMatchObject({ endpointName: 'fraud-daily', records: 1, batchDatesRead: ['2026-11-23'], batchDatesMissing: ['2026-11-22'] });
  });

  const FILE = {
    endpointName: 'fraud-daily', batchOutputUri: OUTPUT, baselineBucket: 'model-bucket', baselineKey: 'fraud/baseline.json', featureNames: FEATURES, windowMinutes: 1440,
  };

  it('the CLI reads the batch source from its config file', () => {
    expect(parseCliConfig(JSON.stringify(FILE)).batch).toEqual({ outputUri: OUTPUT, contentType: 'text/csv', delayMinutes: 720 });
    expect(parseCliConfig(JSON.stringify({ ...FILE, batchContentType: 'application/jsonlines', batchDelayMinutes: 0 })).batch)
      .toEqual({ outputUri: OUTPUT, contentType: 'application/jsonlines', delayMinutes: 0 });
    expect(() => parseCliConfig(JSON.stringify({ ...FILE, captureBucket: 'c' }))).toThrow('config.captureBucket must not be set with batchOutputUri');
    const { batchOutputUri: _, ...noSource } = FILE;
    expect(() => parseCliConfig(JSON.stringify({ ...noSource, batchDelayMinutes: 5 }))).toThrow(/config.captureBucket must be a non-empty string.*batchDelayMinutes must be set only with batchOutputUri/);
  });

  it('the CLI prints the PSI of the scored partition under the batch job\'s name', async () => {
    givenCommitted('2026-11-23', 'r1', { 'a.out': ['30,50,FR,0.3'] });
    let stdout = '';
    const code = await main(['--config', 'c.json'], {
      stdout: (t) => { stdout += t; }, stderr: () => undefined, readFile: () => JSON.stringify(FILE), now: () => NOW,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('cdk_mlops_drift_records_in_window{endpoint="fraud-daily"} 1\n');
    expect(stdout).toMatch(/cdk_mlops_drift_psi\{endpoint="fraud-daily",feature="amount"\} \d/);
  });
});
