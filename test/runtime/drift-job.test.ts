/**
 * The drift job (lib/runtime/drift-job) on real SageMaker data-capture records.
 *
 * S3 and CloudWatch are replaced by aws-sdk-client-mock (`mockClient(S3Client)`,
 * `mockClient(CloudWatchClient)`), not by an API emulator: `npm test` must pass on a fresh machine
 * with `npm ci` alone, without Python packages or a server to start. The mock checks what the job
 * sends (list prefixes, pagination tokens, every PutMetricData datum) exactly; what it cannot check
 * is the real services' behaviour (S3 listing and page sizes, what CloudWatch stores). That is
 * checked by `npm run validate`, which runs the bundled job against moto's S3 + CloudWatch server
 * (test/emulator/drift-job.emulator.ts, scripts/drift-emulator.sh).
 */

import { Readable } from 'stream';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DriftColumnKind, DriftMath, DriftSeverity, numericDriftOf } from '../../lib/core/drift';
import { DriftReference, rebaselineOnReference } from '../../lib/core/drift-reference';
import { parseCapture } from '../../lib/runtime/drift-job/capture';
import { main, parseCliConfig } from '../../lib/runtime/drift-job/cli';
import { configFromEnv, handler } from '../../lib/runtime/drift-job/handler';
import { DriftJobConfig, DriftJobResult, hourPaths, runDriftJob } from '../../lib/runtime/drift-job/job';
import { escapeLabelValue, FetchLike, pushToGateway, renderPrometheus } from '../../lib/runtime/drift-job/prometheus';

// ---------------------------------------------------------------------------------------------
// Capture records, as SageMaker writes them.

interface Part {
  readonly data: string;
  readonly encoding?: 'CSV' | 'JSON' | 'BASE64';
  readonly contentType?: string;
}

function captureLine(time: string, input: Part, output?: Part, eventId = 'e'): string {
  const part = (p: Part, mode: string) => ({
    observedContentType: p.contentType ?? (p.encoding === 'JSON' ? 'application/json' : 'text/csv'),
    mode,
    data: p.data,
    encoding: p.encoding ?? 'CSV',
  });
  return JSON.stringify({
    captureData: {
      endpointInput: part(input, 'INPUT'),
      ...(output !== undefined ? { endpointOutput: part(output, 'OUTPUT') } : {}),
    },
    eventMetadata: { eventId, inferenceTime: time },
    eventVersion: '0',
  });
}

const b64 = (s: string) => Buffer.from(s, 'utf-8').toString('base64');
const csv = (data: string): Part => ({ data, encoding: 'CSV' });
const json = (value: unknown): Part => ({ data: JSON.stringify(value), encoding: 'JSON' });

const FEATURES = ['amount', 'age', 'country'];
const KINDS = new Map([['amount', DriftColumnKind.NUMERIC], ['age', DriftColumnKind.NUMERIC], ['country', DriftColumnKind.CATEGORICAL]]);

const BASELINE = DriftMath.buildBaseline([
  { name: 'amount', numericValues: Array.from({ length: 100 }, (_, i) => i + 1) },
  { name: 'age', numericValues: Array.from({ length: 50 }, (_, i) => 20 + i) },
  { name: 'country', categoricalValues: ['US', 'US', 'US', 'DE', 'DE', 'FR'] },
], { bins: 4, prediction: { name: 'score', numericValues: Array.from({ length: 20 }, (_, i) => i / 20) } });

// ---------------------------------------------------------------------------------------------

describe('parseCapture', () => {
  const options = { featureNames: FEATURES, featureKinds: KINDS, predictionKind: DriftColumnKind.NUMERIC };

  it('reads CSV, JSON and base64 payloads and their predictions', () => {
    const file = [
      captureLine('2026-11-23T01:00:00Z', csv('10,30,US'), csv('0.1')),
      // Several CSV rows, a quoted field and CRLF; predictions as CSV lines.
      captureLine('2026-11-23T01:00:01Z', csv('11.5,31,"DE"\r\n12,32,FR\n'), csv('0.2\n0.3\n')),
      captureLine('2026-11-23T01:00:02Z', json({ amount: 13, age: 33, country: 'US' }), json(0.4)),
      captureLine('2026-11-23T01:00:03Z', json([{ amount: 14, age: 34, country: 'DE' }]), json({ predictions: [0.5] })),
      captureLine('2026-11-23T01:00:04Z', json({ instances: [[15, 35, 'FR'], [16, 36, 'US']] }), json({ predictions: [[0.6], [0.7]] })),
      captureLine('2026-11-23T01:00:05Z', json({ instances: [{ amount: 17, age: 37, country: 'ES' }] }), json([0.8])),
      captureLine('2026-11-23T01:00:06Z', { data: b64('18,38,US'), encoding: 'BASE64', contentType: 'text/csv' },
        { data: b64('{"predictions":[0.9]}'), encoding: 'BASE64', contentType: 'application/json' }),
      captureLine('2026-11-23T01:00:07Z', { data: b64('{"amount":19,"age":39,"country":"US"}'), encoding: 'BASE64', contentType: 'application/json' }),
      '',
    ].join('\n');

    const data = parseCapture(file, options);

    expect(data.counters).toEqual({ records: 8, rows: 10, malformed: 0, skippedReasons: {} });
    expect(data.features.get('amount')).toEqual(Float64Array.from([10, 11.5, 12, 13, 14, 15, 16, 17, 18, 19]));
    expect(data.features.get('age')).toEqual(Float64Array.from([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]));
    expect(data.features.get('country')).toEqual(['US', 'DE', 'FR', 'US', 'DE', 'FR', 'US', 'ES', 'US', 'US']);
    // The last record has no endpointOutput (input-only capture): no prediction, not malformed.
    expect(data.predictions).toEqual(Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]));
  });

  it('reads JSON Lines payloads and ignores endpointOutput without a prediction baseline', () => {
    const file = captureLine('2026-11-23T01:00:00Z',
      { data: '{"amount":1,"age":2,"country":"US"}\n{"amount":3,"age":4,"country":"DE"}\n', encoding: 'JSON', contentType: 'application/jsonlines' },
      csv('not a prediction'));
    const data = parseCapture(file, { featureNames: FEATURES, featureKinds: KINDS });
    expect(data.counters).toEqual({ records: 1, rows: 2, malformed: 0, skippedReasons: {} });
    expect(data.features.get('amount')).toEqual(Float64Array.from([1, 3]));
    expect(data.predictions).toBeUndefined();
  });

  it('collects only the features the baseline knows, but still requires every column', () => {
    const data = parseCapture([
      captureLine('2026-11-23T01:00:00Z', csv('1,anything,US')),
      captureLine('2026-11-23T01:00:01Z', csv('2,US')),
    ], { featureNames: FEATURES, featureKinds: new Map([['amount', DriftColumnKind.NUMERIC]]) });
    expect([...data.features.keys()]).toEqual(['amount']);
    expect(data.features.get('amount')).toEqual(Float64Array.from([1]));
    expect(data.counters).toEqual({ records: 1, rows: 1, malformed: 1, skippedReasons: { 'wrong-column-count': 1 } });
  });

  it('counts and skips malformed records without keeping any of their values', () => {
    const t = '2026-11-23T01:00:00Z';
    const file = [
      captureLine(t, csv('1,20,US'), csv('0.5')),
      '{"captureData": {"endpointInput": ', // truncated line
      '"just a string"',
      JSON.stringify({ captureData: {}, eventMetadata: { inferenceTime: t } }),
      JSON.stringify({ captureData: { endpointInput: { data: '1,2,US', encoding: 'CSV' } }, eventMetadata: {} }),
      captureLine('yesterday-ish', csv('1,2,US')),
      captureLine(t, csv('1,2')), // one column short
      captureLine(t, csv('1,2,US\n3,4')), // second row short: the whole record goes
      captureLine(t, csv('1,abc,US')),
      captureLine(t, csv('0x10,2,US')), // not decimal
      captureLine(t, csv(',2,US')), // missing value
      captureLine(t, json({ amount: 1, age: null, country: 'US' })),
      captureLine(t, json({ amount: 1, age: '2', country: 'US' })), // a string in a numeric JSON field is numeric text: accepted
      captureLine(t, json({ amount: 1, country: 'US' })),
      captureLine(t, json({ amount: 1, age: 2, country: { code: 'US' } })),
      captureLine(t, { data: '{"amount": 1,', encoding: 'JSON' }),
      captureLine(t, json({ rows: 1 })), // not a row: becomes a row without the features
      captureLine(t, json([])),
      captureLine(t, { data: 'not base64!', encoding: 'BASE64', contentType: 'text/csv' }),
      captureLine(t, { data: b64('\u00ff').slice(0, 2) + '==', encoding: 'BASE64', contentType: 'text/csv' }), // not UTF-8
      captureLine(t, { data: b64('1,2,US'), encoding: 'BASE64', contentType: 'image/jpeg' }),
      captureLine(t, csv('1,2,US'), csv('high')),
      captureLine(t, csv('1,2,US'), json({ predictions: [{ score: 0.5 }] })),
    ].join('\n');

    const data = parseCapture(file, { featureNames: FEATURES, featureKinds: KINDS, predictionKind: DriftColumnKind.NUMERIC });

    expect(data.counters).toEqual({
      records: 2,
      rows: 2,
      malformed: 21,
      skippedReasons: {
        'invalid-json': 2,
        'missing-capture-data': 1,
        'invalid-inference-time': 2,
        'wrong-column-count': 2,
        'non-numeric-value': 4,
        'missing-feature': 2,
        'invalid-category': 1,
        'invalid-payload-json': 1,
        'empty-payload': 1,
        'invalid-base64': 2,
        'unsupported-content-type': 1,
        'invalid-prediction': 2,
      },
    });
    expect(data.features.get('amount')).toEqual(Float64Array.from([1, 1]));
    expect(data.features.get('age')).toEqual(Float64Array.from([20, 2]));
    expect(data.predictions).toEqual(Float64Array.from([0.5]));
  });

  it('skips records outside [windowStart, windowEnd) without calling them malformed', () => {
    const data = parseCapture([
      captureLine('2026-11-23T00:59:59.999Z', csv('1,1,US')),
      captureLine('2026-11-23T01:00:00Z', csv('2,2,US')),
      captureLine('2026-11-23T01:59:59Z', csv('3,3,US')),
      captureLine('2026-11-23T02:00:00Z', csv('4,4,US')),
    ].join('\n'), {
      featureNames: FEATURES,
      featureKinds: KINDS,
      windowStart: new Date('2026-11-23T01:00:00Z'),
      windowEnd: new Date('2026-11-23T02:00:00Z'),
    });
    expect(data.features.get('amount')).toEqual(Float64Array.from([2, 3]));
    expect(data.counters).toEqual({ records: 2, rows: 2, malformed: 0, skippedReasons: { 'outside-window': 2 } });
  });

  it('reads categorical predictions as strings', () => {
    const data = parseCapture([
      captureLine('2026-11-23T01:00:00Z', csv('1,1,US'), csv('fraud')),
      captureLine('2026-11-23T01:00:01Z', csv('1,1,US'), json({ predictions: [1, 'ok'] })),
    ], { featureNames: FEATURES, featureKinds: KINDS, predictionKind: DriftColumnKind.CATEGORICAL });
    expect(data.predictions).toEqual(['fraud', '1', 'ok']);
  });
});

// ---------------------------------------------------------------------------------------------

function body(text: string) {
  // What GetObject returns in Node: a stream with the SDK's transformToString mixed in.
  return Object.assign(Readable.from([Buffer.from(text, 'utf-8')]), { transformToString: async () => text }) as any;
}

const s3 = mockClient(S3Client);
const cw = mockClient(CloudWatchClient);

const CONFIG: DriftJobConfig = {
  endpointName: 'fraud',
  captureBucket: 'capture-bucket',
  capturePrefix: 'datacapture/',
  baselineBucket: 'model-bucket',
  baselineKey: 'fraud/baseline.json',
  windowStart: new Date('2026-11-23T00:30:00Z'),
  windowEnd: new Date('2026-11-23T02:00:00Z'),
  featureNames: FEATURES,
};
const NOW = new Date('2026-11-23T02:00:05Z');

function givenBaseline(document = DriftMath.baselineToJson(BASELINE)): void {
  s3.on(GetObjectCommand, { Bucket: 'model-bucket', Key: 'fraud/baseline.json' }).resolves({ Body: body(document) });
}

function givenFile(key: string, lines: string[]): void {
  s3.on(GetObjectCommand, { Bucket: 'capture-bucket', Key: key }).resolves({ Body: body(lines.join('\n') + '\n') });
}

function givenVariants(...variants: string[]): void {
  s3.on(ListObjectsV2Command, { Bucket: 'capture-bucket', Prefix: 'datacapture/fraud/', Delimiter: '/' })
    .resolves({ CommonPrefixes: variants.map((v) => ({ Prefix: `datacapture/fraud/${v}/` })), IsTruncated: false });
}

function putInputs() {
  return cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
}

beforeEach(() => {
  s3.reset();
  cw.reset();
  // Anything not set up explicitly is an empty listing.
  s3.on(ListObjectsV2Command).resolves({ IsTruncated: false });
  cw.on(PutMetricDataCommand).resolves({});
});

describe('runDriftJob', () => {
  it('lists every variant for each hour of the window, following continuation tokens', async () => {
    givenBaseline();
    givenVariants('AllTraffic', 'Canary');
    const h00 = 'datacapture/fraud/AllTraffic/2026/11/23/00/';
    const h01 = 'datacapture/fraud/AllTraffic/2026/11/23/01/';
    s3.on(ListObjectsV2Command, { Prefix: h00 }).resolves({ Contents: [{ Key: `${h00}a.jsonl` }], IsTruncated: false });
    s3.on(ListObjectsV2Command, { Prefix: h01 })
      .resolvesOnce({ Contents: [{ Key: `${h01}b.jsonl` }], IsTruncated: true, NextContinuationToken: 'page-2' })
      .resolves({ Contents: [{ Key: `${h01}c.jsonl` }], IsTruncated: false });
    s3.on(ListObjectsV2Command, { Prefix: 'datacapture/fraud/Canary/2026/11/23/01/' })
      .resolves({ Contents: [{ Key: 'datacapture/fraud/Canary/2026/11/23/01/d.jsonl' }], IsTruncated: false });
    givenFile(`${h00}a.jsonl`, [
      captureLine('2026-11-23T00:10:00Z', csv('1,20,US'), csv('0.1')), // before the window
      captureLine('2026-11-23T00:45:00Z', csv('10,30,US'), csv('0.1')),
    ]);
    givenFile(`${h01}b.jsonl`, [captureLine('2026-11-23T01:05:00Z', json({ amount: 20, age: 40, country: 'DE' }), json({ predictions: [0.2] }))]);
    givenFile(`${h01}c.jsonl`, [captureLine('2026-11-23T01:10:00Z', csv('30,50,FR'), csv('0.3')), '{oops']);
    givenFile('datacapture/fraud/Canary/2026/11/23/01/d.jsonl', [
      captureLine('2026-11-23T01:20:00Z', { data: b64('95,60,BR'), encoding: 'BASE64', contentType: 'text/csv' }, csv('0.95')),
    ]);

    const result = await runDriftJob(CONFIG, { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), now: () => NOW });

    const listed = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(listed).toEqual([
      { Bucket: 'capture-bucket', Prefix: 'datacapture/fraud/', Delimiter: '/' },
      { Bucket: 'capture-bucket', Prefix: h00 },
      { Bucket: 'capture-bucket', Prefix: h01 },
      { Bucket: 'capture-bucket', Prefix: h01, ContinuationToken: 'page-2' },
      // The hour after the window: a file written just after 02:00 can hold inferences from before.
      { Bucket: 'capture-bucket', Prefix: 'datacapture/fraud/AllTraffic/2026/11/23/02/' },
      { Bucket: 'capture-bucket', Prefix: 'datacapture/fraud/Canary/2026/11/23/00/' },
      { Bucket: 'capture-bucket', Prefix: 'datacapture/fraud/Canary/2026/11/23/01/' },
      { Bucket: 'capture-bucket', Prefix: 'datacapture/fraud/Canary/2026/11/23/02/' },
    ]);
    expect(result.objectsRead).toBe(4);
    expect(result.counters).toEqual({ records: 4, rows: 4, malformed: 1, skippedReasons: { 'outside-window': 1, 'invalid-json': 1 } });

    // Expected drift from the same math on the values that should have been kept.
    const [amount, age, country] = BASELINE.features;
    const expected = [
      ['amount', numericDriftOf(amount, [10, 20, 30, 95]).psi],
      ['age', numericDriftOf(age, [30, 40, 50, 60]).psi],
      ['country', DriftMath.driftForColumn(country, { name: 'country', categoricalValues: ['US', 'DE', 'FR', 'BR'] }).psi],
      ['__prediction__', numericDriftOf(BASELINE.prediction!, [0.1, 0.2, 0.3, 0.95]).psi],
    ] as const;
    expect([...result.features, result.prediction!].map((f) => [f.feature, f.psi])).toEqual(expected);
    expect(result.features.map((f) => f.windowCount)).toEqual([4, 4, 4]);
    expect(result.datumsPublished).toBe(6);

    const endpoint = { Name: 'EndpointName', Value: 'fraud' };
    expect(putInputs()).toEqual([{
      Namespace: 'CdkMlops/Drift',
      MetricData: [
        { MetricName: 'RecordsInWindow', Dimensions: [endpoint], Timestamp: NOW, Value: 4, Unit: 'Count' },
        { MetricName: 'MalformedRecords', Dimensions: [endpoint], Timestamp: NOW, Value: 1, Unit: 'Count' },
        ...expected.map(([feature, psi]) => ({
          MetricName: 'PSI', Dimensions: [endpoint, { Name: 'Feature', Value: feature }], Timestamp: NOW, Value: psi, Unit: 'None',
        })),
      ],
    }]);
  });

  it('publishes RecordsInWindow = 0 and no PSI for an empty window', async () => {
    givenBaseline();
    givenVariants('AllTraffic');

    const result = await runDriftJob({ ...CONFIG, namespace: 'Team/Drift' }, { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), now: () => NOW });

    expect(result.features).toEqual([]);
    expect(result.prediction).toBeUndefined();
    const endpoint = { Name: 'EndpointName', Value: 'fraud' };
    expect(putInputs()).toEqual([{
      Namespace: 'Team/Drift',
      MetricData: [
        { MetricName: 'RecordsInWindow', Dimensions: [endpoint], Timestamp: NOW, Value: 0, Unit: 'Count' },
        { MetricName: 'MalformedRecords', Dimensions: [endpoint], Timestamp: NOW, Value: 0, Unit: 'Count' },
      ],
    }]);
  });

  it('publishes no PSI for a window holding only malformed records', async () => {
    givenBaseline();
    givenVariants('AllTraffic');
    const h = 'datacapture/fraud/AllTraffic/2026/11/23/01/';
    s3.on(ListObjectsV2Command, { Prefix: h }).resolves({ Contents: [{ Key: `${h}x.jsonl` }] });
    givenFile(`${h}x.jsonl`, [captureLine('2026-11-23T01:00:00Z', csv('a,b,c'))]);

    await runDriftJob(CONFIG, { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), now: () => NOW });

    expect(putInputs()[0].MetricData!.map((d) => [d.MetricName, d.Value])).toEqual([['RecordsInWindow', 0], ['MalformedRecords', 1]]);
  });

  it('splits more than 1000 datums into PutMetricData calls of at most 1000', async () => {
    const names = Array.from({ length: 1100 }, (_, i) => `f${i}`);
    const baseline = DriftMath.buildBaseline(names.map((name) => ({ name, numericValues: [0, 1, 2, 3] })), { bins: 2 });
    givenBaseline(DriftMath.baselineToJson(baseline));
    givenVariants('AllTraffic');
    const h = 'datacapture/fraud/AllTraffic/2026/11/23/01/';
    s3.on(ListObjectsV2Command, { Prefix: h }).resolves({ Contents: [{ Key: `${h}wide.jsonl` }] });
    givenFile(`${h}wide.jsonl`, [captureLine('2026-11-23T01:00:00Z', csv(names.map(() => '3').join(',')))]);

    const deps = { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), now: () => NOW };
    const result = await runDriftJob({ ...CONFIG, featureNames: names }, deps);

    expect(result.datumsPublished).toBe(1102);
    expect(putInputs().map((i) => i.MetricData!.length)).toEqual([1000, 102]);
    expect(putInputs()[1].MetricData!.at(-1)!.Dimensions).toEqual([{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'Feature', Value: 'f1099' }]);
  });

  it('publishes nothing without a CloudWatch client', async () => {
    givenBaseline();
    givenVariants();
    const result = await runDriftJob(CONFIG, { s3: new S3Client({}), now: () => NOW });
    expect(result.datumsPublished).toBe(0);
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(0);
  });

  it('reads the bucket root when the capture prefix is empty', async () => {
    givenBaseline();
    await runDriftJob({ ...CONFIG, capturePrefix: '' }, { s3: new S3Client({}), now: () => NOW });
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({ Bucket: 'capture-bucket', Prefix: 'fraud/', Delimiter: '/' });
  });

  it('rejects a baseline feature missing from featureNames', async () => {
    givenBaseline();
    await expect(runDriftJob({ ...CONFIG, featureNames: ['amount', 'country'] }, { s3: new S3Client({}) }))
      .rejects.toThrow('runDriftJob: featureNames must include every feature of the baseline s3://model-bucket/fraud/baseline.json; missing: age');
  });

  it.each<[string, Partial<DriftJobConfig>, string]>([
    ['an empty window', { windowEnd: CONFIG.windowStart }, 'windowEnd must be after windowStart'],
    ['no features', { featureNames: [] }, 'featureNames must list at least one feature'],
    ['duplicate features', { featureNames: ['amount', 'amount'] }, 'featureNames[1] must be unique'],
    ['the reserved feature name', { featureNames: ['__prediction__'] }, 'featureNames[0] must be a non-empty string other than'],
    ['an AWS namespace', { namespace: 'AWS/SageMaker' }, 'namespace must be a non-empty string not starting with "AWS/"'],
  ])('rejects %s', async (_name, change, message) => {
    await expect(runDriftJob({ ...CONFIG, ...change }, { s3: new S3Client({}) })).rejects.toThrow(message);
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails on a baseline that is not a baseline document', async () => {
    givenBaseline('{"version": 2}');
    await expect(runDriftJob(CONFIG, { s3: new S3Client({}) })).rejects.toThrow('DriftMath.parseBaseline: version must be 1');
  });

  it('names the UTC hour folders a window touches', () => {
    expect(hourPaths(new Date('2026-12-31T22:30:00Z'), new Date('2027-01-01T01:00:00Z'))).toEqual([
      '2026/12/31/22', '2026/12/31/23', '2027/01/01/00',
    ]);
    expect(hourPaths(new Date('2026-11-23T01:00:00Z'), new Date('2026-11-23T01:00:00.001Z'))).toEqual(['2026/11/23/01']);
  });
});

describe('runDriftJob with a seasonal reference', () => {
  const WINDOW = { windowStart: new Date('2026-11-23T01:00:00Z'), windowEnd: new Date('2026-11-23T02:00:00Z') };
  const deps = () => ({ s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), now: () => NOW });
  function givenHour(folder: string, lines: string[]): void {
    const prefix = `datacapture/fraud/AllTraffic/${folder}/`;
    s3.on(ListObjectsV2Command, { Prefix: prefix }).resolves({ Contents: [{ Key: `${prefix}f.jsonl` }], IsTruncated: false });
    givenFile(`${prefix}f.jsonl`, lines);
  }
  // Black-Friday-like traffic: large amounts, older customers, more DE, higher scores.
  const busy = (time: string, i: number) => captureLine(time, csv(`${90 + (i % 10)},${60 + (i % 9)},${i % 3 === 0 ? 'US' : 'DE'}`), csv(`0.${90 + (i % 9)}`));

  it('reads a record filed in the hour folder after the window', async () => {
    givenBaseline();
    givenVariants('AllTraffic');
    givenHour('2026/11/23/02', [
      captureLine('2026-11-23T01:59:58Z', csv('10,30,US'), csv('0.1')), // written at 02:00:01: inside the window
      captureLine('2026-11-23T02:00:10Z', csv('11,31,US'), csv('0.1')), // the next window's
    ]);
    const result = await runDriftJob({ ...CONFIG, ...WINDOW }, deps());
    expect(result.counters).toEqual({ records: 1, rows: 1, malformed: 0, skippedReasons: { 'outside-window': 1 } });
  });

  it('ROLLING_WINDOW compares the window with the traffic just before it, on the training bins', async () => {
    givenBaseline();
    givenVariants('AllTraffic');
    // Reference [23:00, 01:00): the same shifted traffic as the window, without predictions.
    givenHour('2026/11/22/23', Array.from({ length: 30 }, (_, i) => captureLine(`2026-11-22T23:${String(i).padStart(2, '0')}:00Z`, csv(`${90 + (i % 10)},${60 + (i % 9)},${i % 3 === 0 ? 'US' : 'DE'}`))));
    givenHour('2026/11/23/00', [captureLine('2026-11-23T00:59:59Z', csv('95,65,DE'))]);
    givenHour('2026/11/23/01', Array.from({ length: 20 }, (_, i) => busy(`2026-11-23T01:${String(i).padStart(2, '0')}:00Z`, i)));

    const config: DriftJobConfig = { ...CONFIG, ...WINDOW, reference: DriftReference.ROLLING_WINDOW, referenceMinutes: 120, minReferenceValues: 10 };
    const result = await runDriftJob(config, deps());

    expect(result.reference).toEqual({
      kind: DriftReference.ROLLING_WINDOW,
      start: new Date('2026-11-22T23:00:00Z'),
      end: new Date('2026-11-23T01:00:00Z'),
      objectsRead: 3, // 23, 00 and the margin folder 01 (whose records are the window's, not the reference's)
      records: 31,
      fallbackColumns: ['__prediction__'], // the reference captured no predictions
    });
    // The reference holds the same distribution: stable, where the training baseline says "act".
    const amounts = Array.from({ length: 20 }, (_, i) => 90 + (i % 10));
    const referenceAmounts = [...Array.from({ length: 30 }, (_, i) => 90 + (i % 10)), 95];
    const rebased = rebaselineOnReference(BASELINE, new Map([['amount', referenceAmounts]]), undefined, 10);
    const amount = result.features.find((f) => f.feature === 'amount')!;
    expect(amount.psi).toBe(numericDriftOf(rebased.baseline.features[0], amounts).psi);
    expect(amount.psi).toBeLessThan(0.1);
    expect(numericDriftOf(BASELINE.features[0], amounts).psi).toBeGreaterThan(0.2);
    // Predictions fell back to the training baseline: still judged, and still drifting.
    expect(result.prediction!.psi).toBe(numericDriftOf(BASELINE.prediction!, Array.from({ length: 20 }, (_, i) => Number(`0.${90 + (i % 9)}`))).psi);

    const endpoint = { Name: 'EndpointName', Value: 'fraud' };
    expect(putInputs()[0].MetricData!.slice(0, 2)).toEqual([
      { MetricName: 'ReferenceRecords', Dimensions: [endpoint], Timestamp: NOW, Value: 31, Unit: 'Count' },
      { MetricName: 'ReferenceFallbackColumns', Dimensions: [endpoint], Timestamp: NOW, Value: 1, Unit: 'Count' },
    ]);
  });

  it('SAME_PERIOD_LAST_YEAR reads a day of capture around the window 364 days earlier', async () => {
    givenBaseline();
    givenVariants('AllTraffic');
    givenHour('2026/11/27/10', Array.from({ length: 5 }, (_, i) => busy(`2026-11-27T10:1${i}:00Z`, i)));
    givenHour('2025/11/28/10', Array.from({ length: 5 }, (_, i) => busy(`2025-11-28T10:1${i}:00Z`, i)));

    const result = await runDriftJob({
      ...CONFIG,
      windowStart: new Date('2026-11-27T10:00:00Z'), // Black Friday 2026
      windowEnd: new Date('2026-11-27T11:00:00Z'),
      reference: DriftReference.SAME_PERIOD_LAST_YEAR,
      minReferenceValues: 5,
    }, deps());

    expect(result.reference).toMatchObject({
      start: new Date('2025-11-27T22:30:00Z'), // Black Friday 2025 is 2025-11-28
      end: new Date('2025-11-28T22:30:00Z'),
      records: 5,
      fallbackColumns: [],
    });
    const listed = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix!);
    expect(listed.filter((p) => p.includes('/2025/'))).toHaveLength(25); // 22:00 … 22:00 next day, plus the margin hour
    // Identical traffic a year apart: nothing to see.
    expect(Math.max(...result.features.map((f) => f.psi), result.prediction!.psi)).toBeLessThan(1e-3);
  });

  it('does not read the reference for an empty window', async () => {
    givenBaseline();
    givenVariants('AllTraffic');
    const result = await runDriftJob({ ...CONFIG, ...WINDOW, reference: DriftReference.ROLLING_WINDOW }, deps());
    expect(result.reference).toBeUndefined();
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
      'datacapture/fraud/', 'datacapture/fraud/AllTraffic/2026/11/23/01/', 'datacapture/fraud/AllTraffic/2026/11/23/02/',
    ]);
    expect(putInputs()[0].MetricData!.map((d) => d.MetricName)).toEqual(['RecordsInWindow', 'MalformedRecords']);
  });

  it.each<[string, Partial<DriftJobConfig>, string]>([
    ['an unknown reference', { reference: 'LAST_MONTH' as DriftReference }, 'reference must be one of TRAINING, ROLLING_WINDOW, SAME_PERIOD_LAST_YEAR'],
    ['referenceMinutes with the training baseline', { referenceMinutes: 60 }, 'referenceMinutes applies only to a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference'],
    ['a fractional reference', { reference: DriftReference.ROLLING_WINDOW, referenceMinutes: 1.5 }, 'referenceMinutes must be a whole number of minutes from 1 to 44640'],
    ['no reference values required', { reference: DriftReference.ROLLING_WINDOW, minReferenceValues: 0 }, 'minReferenceValues must be a whole number of at least 1'],
  ])('rejects %s', async (_name, change, message) => {
    await expect(runDriftJob({ ...CONFIG, ...change }, { s3: new S3Client({}) })).rejects.toThrow(message);
    expect(s3.calls()).toHaveLength(0);
  });

  it('the handler reads the reference from the environment', () => {
    const env = {
      ENDPOINT_NAME: 'fraud', CAPTURE_BUCKET: 'c', CAPTURE_PREFIX: '', BASELINE_BUCKET: 'b', BASELINE_KEY: 'k.json', FEATURE_NAMES: 'amount',
    };
    const end = new Date('2026-11-23T02:00:00Z');
    expect(configFromEnv({ ...env, REFERENCE: 'ROLLING_WINDOW', REFERENCE_MINUTES: '1440', MIN_REFERENCE_VALUES: '50' }, end))
      .toMatchObject({ reference: DriftReference.ROLLING_WINDOW, referenceMinutes: 1440, minReferenceValues: 50 });
    expect(configFromEnv(env, end).reference).toBeUndefined();
    expect(() => configFromEnv({ ...env, REFERENCE: 'rolling', REFERENCE_MINUTES: '-1' }, end)).toThrow(
      'drift job configuration: REFERENCE must be one of TRAINING, ROLLING_WINDOW, SAME_PERIOD_LAST_YEAR; got "rolling"; ' +
      'REFERENCE_MINUTES must be a whole number above 0; got "-1"');
  });

  it('the CLI reads the reference from its config file', () => {
    const base = { endpointName: 'fraud', captureBucket: 'c', capturePrefix: '', baselineBucket: 'b', baselineKey: 'k.json', featureNames: ['amount'] };
    expect(parseCliConfig(JSON.stringify({ ...base, reference: 'SAME_PERIOD_LAST_YEAR', referenceMinutes: 1440, minReferenceValues: 10 })))
      .toMatchObject({ reference: DriftReference.SAME_PERIOD_LAST_YEAR, referenceMinutes: 1440, minReferenceValues: 10 });
    expect(() => parseCliConfig(JSON.stringify({ ...base, reference: 'YESTERDAY', minReferenceValues: 0 }))).toThrow(
      'config.reference must be one of TRAINING, ROLLING_WINDOW, SAME_PERIOD_LAST_YEAR; got "YESTERDAY"; config.minReferenceValues must be a whole number above 0; got 0');
  });
});

// ---------------------------------------------------------------------------------------------

const RESULT: DriftJobResult = {
  endpointName: 'fraud',
  namespace: 'CdkMlops/Drift',
  windowStart: new Date('2026-11-23T01:00:00Z'),
  windowEnd: new Date('2026-11-23T02:00:00Z'),
  runAt: new Date('2026-11-23T02:00:05.250Z'),
  objectsRead: 3,
  counters: { records: 120, rows: 130, malformed: 2, skippedReasons: { 'invalid-json': 2 } },
  features: [
    { feature: 'amount', kind: DriftColumnKind.NUMERIC, windowCount: 130, psi: 0.25, severity: DriftSeverity.ACT },
    { feature: 'weird "name"\\x\ny', kind: DriftColumnKind.CATEGORICAL, windowCount: 130, psi: 0.031, severity: DriftSeverity.STABLE },
  ],
  prediction: { feature: '__prediction__', kind: DriftColumnKind.NUMERIC, windowCount: 130, psi: 0.125, severity: DriftSeverity.INVESTIGATE },
  datumsPublished: 0,
};

describe('Prometheus', () => {
  it('renders the result in the text exposition format', () => {
    expect(renderPrometheus(RESULT)).toBe([
      '# HELP cdk_mlops_drift_psi Population stability index of the window against its reference (0.1 investigate, 0.2 act).',
      '# TYPE cdk_mlops_drift_psi gauge',
      'cdk_mlops_drift_psi{endpoint="fraud",feature="amount"} 0.25',
      'cdk_mlops_drift_psi{endpoint="fraud",feature="weird \\"name\\"\\\\x\\ny"} 0.031',
      'cdk_mlops_drift_psi{endpoint="fraud",feature="__prediction__"} 0.125',
      '# HELP cdk_mlops_drift_records_in_window Data-capture records read in the window.',
      '# TYPE cdk_mlops_drift_records_in_window gauge',
      'cdk_mlops_drift_records_in_window{endpoint="fraud"} 120',
      '# HELP cdk_mlops_drift_malformed_records Data-capture records skipped as malformed.',
      '# TYPE cdk_mlops_drift_malformed_records gauge',
      'cdk_mlops_drift_malformed_records{endpoint="fraud"} 2',
      '# HELP cdk_mlops_drift_last_run_timestamp_seconds When the drift job last ran, in seconds since the Unix epoch.',
      '# TYPE cdk_mlops_drift_last_run_timestamp_seconds gauge',
      'cdk_mlops_drift_last_run_timestamp_seconds{endpoint="fraud"} 1795399205.25',
      '',
    ].join('\n'));
  });

  it('renders no PSI sample for an empty window', () => {
    const counters = { records: 0, rows: 0, malformed: 0, skippedReasons: {} };
    const text = renderPrometheus({ ...RESULT, features: [], prediction: undefined, counters });
    expect(text.split('\n').filter((l) => l.startsWith('cdk_mlops_drift_psi'))).toEqual([]);
    expect(text).toContain('\ncdk_mlops_drift_records_in_window{endpoint="fraud"} 0\n');
  });

  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  function fakeFetch(status = 200, answer = '') {
    const calls: Array<{ url: string; init: Parameters<FetchLike>[1] }> = [];
    const impl: FetchLike = async (url, init) => {
      calls.push({ url, init });
      return { ok: status >= 200 && status < 300, status, text: async () => answer };
    };
    return { calls, impl };
  }

  it('PUTs the text to the Pushgateway group of the job and endpoint', async () => {
    const fetch = fakeFetch();
    await pushToGateway('http://pushgateway.monitoring:9091/', 'cdk-mlops-drift', 'fraud', 'x 1\n', fetch.impl);
    expect(fetch.calls).toEqual([{
      url: 'http://pushgateway.monitoring:9091/metrics/job/cdk-mlops-drift/endpoint/fraud',
      init: { method: 'PUT', headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }, body: 'x 1\n' },
    }]);
  });

  it('encodes label values with a slash in base64', async () => {
    const fetch = fakeFetch();
    await pushToGateway('http://pg:9091', 'team/drift', 'fraud', '', fetch.impl);
    expect(fetch.calls[0].url).toBe(`http://pg:9091/metrics/job@base64/${Buffer.from('team/drift').toString('base64url')}/endpoint/fraud`);
  });

  it('fails when the Pushgateway refuses', async () => {
    const fetch = fakeFetch(400, 'text format parsing error\n');
    await expect(pushToGateway('http://pg:9091', 'j', 'fraud', 'bad', fetch.impl))
      .rejects.toThrow('Pushgateway PUT http://pg:9091/metrics/job/j/endpoint/fraud answered 400: text format parsing error');
  });
});

// ---------------------------------------------------------------------------------------------

describe('entry points', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('the Lambda handler reads its configuration from the environment and the window from the event time', async () => {
    givenBaseline();
    givenVariants('AllTraffic');
    Object.assign(process.env, {
      ENDPOINT_NAME: 'fraud',
      CAPTURE_BUCKET: 'capture-bucket',
      CAPTURE_PREFIX: 'datacapture',
      BASELINE_BUCKET: 'model-bucket',
      BASELINE_KEY: 'fraud/baseline.json',
      FEATURE_NAMES: 'amount, age,country',
      WINDOW_MINUTES: '90',
      METRIC_NAMESPACE: 'Team/Drift',
    });

    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const result = await handler({ time: '2026-11-23T02:00:00Z' });
    // The handler logs one JSON summary line (CloudWatch Logs Insights reads it).
    expect(log.mock.calls.map((c) => JSON.parse(String(c[0])).message)).toEqual(['drift job done']);
    log.mockRestore();

    expect(result.windowStart).toEqual(new Date('2026-11-23T00:30:00Z'));
    expect(result.windowEnd).toEqual(new Date('2026-11-23T02:00:00Z'));
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
      'datacapture/fraud/', 'datacapture/fraud/AllTraffic/2026/11/23/00/', 'datacapture/fraud/AllTraffic/2026/11/23/01/',
      'datacapture/fraud/AllTraffic/2026/11/23/02/',
    ]);
    expect(putInputs().map((i) => i.Namespace)).toEqual(['Team/Drift']);
  });

  it('the Lambda handler names every missing variable', async () => {
    process.env = { FEATURE_NAMES: 'a,,b', WINDOW_MINUTES: '0' };
    await expect(handler({})).rejects.toThrow(
      'drift job configuration: ENDPOINT_NAME must be set to a non-empty value; CAPTURE_BUCKET must be set to a non-empty value; ' +
      'CAPTURE_PREFIX must be set; BASELINE_BUCKET must be set to a non-empty value; BASELINE_KEY must be set to a non-empty value; ' +
      'FEATURE_NAMES must be comma-separated non-empty names; got "a,,b"; WINDOW_MINUTES must be a whole number of minutes above 0; got "0"');
  });

  const FILE = JSON.stringify({
    endpointName: 'fraud',
    captureBucket: 'capture-bucket',
    capturePrefix: 'datacapture',
    baselineBucket: 'model-bucket',
    baselineKey: 'fraud/baseline.json',
    featureNames: FEATURES,
  });

  function io(files: Record<string, string>, fetchImpl?: FetchLike) {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      io: {
        stdout: (t: string) => { out.stdout += t; },
        stderr: (t: string) => { out.stderr += t; },
        readFile: (p: string) => {
          if (!(p in files)) throw new Error(`ENOENT: ${p}`);
          return files[p];
        },
        now: () => new Date('2026-11-23T02:00:41Z'),
        ...(fetchImpl ? { fetchImpl } : {}),
      },
    };
  }

  it('the CLI prints Prometheus text for the window ending at the current minute, and exits 0 for an empty window', async () => {
    givenBaseline();
    givenVariants('AllTraffic');
    const { out, io: cli } = io({ '/etc/drift/config.json': FILE });

    expect(await main(['--config', '/etc/drift/config.json', '--window-minutes', '30'], cli)).toBe(0);

    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
      // The window [01:32, 02:02) and the margin after it (a file is filed by when it is written).
      'datacapture/fraud/', 'datacapture/fraud/AllTraffic/2026/11/23/01/', 'datacapture/fraud/AllTraffic/2026/11/23/02/',
    ]);
    expect(out.stdout).toContain('\ncdk_mlops_drift_records_in_window{endpoint="fraud"} 0\n');
    expect(out.stdout).toContain('\ncdk_mlops_drift_last_run_timestamp_seconds{endpoint="fraud"} 1795399241\n');
    expect(out.stderr).toBe('');
    expect(cw.calls()).toHaveLength(0);
  });

  it('the CLI pushes to the Pushgateway when asked', async () => {
    givenBaseline();
    const pushed: string[] = [];
    const { out, io: cli } = io({ 'c.json': FILE }, async (url, init) => {
      pushed.push(`${init.method} ${url}`);
      return { ok: true, status: 200, text: async () => '' };
    });
    expect(await main(['--config=c.json', '--pushgateway', 'http://pg:9091'], cli)).toBe(0);
    expect(pushed).toEqual(['PUT http://pg:9091/metrics/job/cdk-mlops-drift/endpoint/fraud']);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('pushed drift metrics of fraud (0 records, 0 features) to http://pg:9091\n');
  });

  it.each<[string, string[], Record<string, string>, string]>([
    ['no --config', [], {}, '--config is required'],
    ['an unknown option', ['--config', 'c.json', '--verbose'], { 'c.json': FILE }, 'unknown argument "--verbose"'],
    ['a missing file', ['--config', 'nope.json'], {}, 'ENOENT: nope.json'],
    ['an unknown key', ['--config', 'c.json'], { 'c.json': JSON.stringify({ ...JSON.parse(FILE), windowMinute: 5 }) }, 'config key "windowMinute" is unknown'],
    ['no features', ['--config', 'c.json'], { 'c.json': JSON.stringify({ ...JSON.parse(FILE), featureNames: [] }) }, 'config.featureNames must be a non-empty list'],
    ['a bad window', ['--config', 'c.json', '--window-minutes', '1.5'], { 'c.json': FILE }, '--window-minutes must be a whole number of minutes above 0'],
  ])('the CLI exits 1 on %s', async (_name, argv, files, message) => {
    const { out, io: cli } = io(files);
    expect(await main(argv, cli)).toBe(1);
    expect(out.stderr).toContain(message);
  });
});
