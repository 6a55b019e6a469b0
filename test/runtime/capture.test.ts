/**
 * The Kubernetes capture service and proxy (lib/runtime/capture): what they write is read by the
 * drift job's own reader (`parseCapture`, lib/runtime/drift-job/capture.ts) and listed by its own
 * layout (`hourPaths`, `endpointCapturePrefix`): the format is judged by the consumer, not by a copy
 * of it. S3 is aws-sdk-client-mock here; `npm run validate` runs the bundles against moto's S3 and
 * the drift CLI over what they wrote (test/emulator/capture.emulator.ts).
 */

import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { PutObjectCommand, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriftColumnKind } from '../../lib/core/drift';
import { PROXY_HEALTH_PATH, startCaptureProxy } from '../../lib/runtime/capture/proxy';
import {
  CE_REQUEST_TYPE,
  CE_RESPONSE_TYPE,
  EventError,
  InferenceEvent,
  Pairer,
  captureLine,
  capturePart,
  eventFromHttp,
  objectKey,
  sampled,
} from '../../lib/runtime/capture/record';
import { CaptureBuffer, parseServiceConfig, startCaptureService } from '../../lib/runtime/capture/service';
import { parseCapture } from '../../lib/runtime/drift-job/capture';
import { endpointCapturePrefix, hourPaths } from '../../lib/runtime/drift-job/job';

const FEATURES = ['amount', 'country'];
const KINDS = new Map([['amount', DriftColumnKind.NUMERIC], ['country', DriftColumnKind.CATEGORICAL]]);
const READ = { featureNames: FEATURES, featureKinds: KINDS, predictionKind: DriftColumnKind.NUMERIC };

/** Headers of one event as KServe's logger sends it (CloudEvents binary mode, kserve pkg/logger/worker.go). */
function ceHeaders(id: string, kind: 'request' | 'response', extra: Record<string, string> = {}): Record<string, string> {
  return {
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': kind === 'request' ? CE_REQUEST_TYPE : CE_RESPONSE_TYPE,
    'ce-source': 'http://localhost:9081/',
    'ce-time': '2026-11-23T01:02:03.456Z',
    'ce-inferenceservicename': 'acme-churn',
    'ce-namespace': 'acme-churn',
    'ce-component': 'predictor',
    'ce-endpoint': 'default',
    'content-type': 'application/json',
    ...extra,
  };
}

const event = (id: string, kind: 'request' | 'response', body: string, contentType = 'application/json'): InferenceEvent => ({
  id, kind, time: '2026-11-23T01:02:03.000Z', contentType, body: Buffer.from(body),
});

describe('eventFromHttp', () => {
  const at = new Date('2026-11-23T05:00:00Z');
  it('reads a KServe logger event', () => {
    const e = eventFromHttp(ceHeaders('a1', 'request'), Buffer.from('{"instances":[[1,"US"]]}'), at);
    expect(e).toEqual({
      id: 'a1',
      kind: 'request',
      time: '2026-11-23T01:02:03.456Z',
      contentType: 'application/json',
      body: Buffer.from('{"instances":[[1,"US"]]}'),
      endpoint: 'default',
      inferenceService: 'acme-churn',
    });
  });
  it('takes the receive time without ce-time', () => {
    const { ['ce-time']: _, ...headers } = ceHeaders('a1', 'response');
    expect(eventFromHttp(headers, Buffer.alloc(0), at).time).toBe(at.toISOString());
  });
  it.each([
    [{ 'ce-specversion': '0.3' }, /specversion/],
    [{ 'ce-id': '' }, /ce-id/],
    [{ 'ce-type': 'dev.knative.foo' }, /ce-type/],
    [{ 'ce-time': 'yesterday' }, /ce-time/],
  ])('refuses %o', (override, message) => {
    expect(() => eventFromHttp(ceHeaders('a1', 'request', override as Record<string, string>), Buffer.alloc(0), at)).toThrow(message);
    expect(() => eventFromHttp(ceHeaders('a1', 'request', override as Record<string, string>), Buffer.alloc(0), at)).toThrow(EventError);
  });
});

describe('sampled', () => {
  it('decides by id, the same every time, at about the asked rate', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `req-${i}`);
    for (const percent of [1, 10, 20, 50]) {
      const kept = ids.filter((id) => sampled(id, percent)).length / ids.length;
      expect(Math.abs(kept - percent / 100)).toBeLessThan(0.01);
    }
    expect(ids.every((id) => sampled(id, 100))).toBe(true);
    expect(ids.some((id) => sampled(id, 0))).toBe(false);
    expect(ids.map((id) => sampled(id, 20))).toEqual(ids.map((id) => sampled(id, 20)));
  });
});

describe('capture records', () => {
  it('keeps JSON and CSV as text, anything else and non-UTF-8 as base64', () => {
    expect(capturePart('application/json; charset=utf-8', Buffer.from('{"a":1}'), 'INPUT')).toEqual({
      observedContentType: 'application/json; charset=utf-8', mode: 'INPUT', data: '{"a":1}', encoding: 'JSON',
    });
    expect(capturePart('text/csv', Buffer.from('1,US'), 'OUTPUT').encoding).toBe('CSV');
    expect(capturePart('application/octet-stream', Buffer.from('1,US'), 'INPUT')).toMatchObject({ data: Buffer.from('1,US').toString('base64'), encoding: 'BASE64' });
    expect(capturePart('text/csv', Buffer.from([0xff, 0xfe]), 'INPUT').encoding).toBe('BASE64');
  });

  it('writes what the drift job reads: inputs and predictions, JSON, CSV and base64', () => {
    const lines = [
      captureLine(event('1', 'request', '{"instances":[[10,"US"],[20,"DE"]]}'), event('1', 'response', '{"predictions":[0.1,0.2]}')),
      captureLine(event('2', 'request', '30,FR', 'text/csv'), event('2', 'response', '0.3', 'text/csv')),
      captureLine(event('3', 'request', '{"amount":40,"country":"US"}', 'application/x-npy-ish'), event('3', 'response', '[0.4]')),
    ];
    const data = parseCapture(lines.join('\n'), READ);
    // The third input is base64 of an unknown type: skipped by the reader as SageMaker's would be.
    expect(data.counters).toEqual({ records: 2, rows: 3, malformed: 1, skippedReasons: { 'unsupported-content-type': 1 } });
    expect([...(data.features.get('amount') as Float64Array)]).toEqual([10, 20, 30]);
    expect(data.features.get('country')).toEqual(['US', 'DE', 'FR']);
    expect([...(data.predictions as Float64Array)]).toEqual([0.1, 0.2, 0.3]);
  });

  it('files objects where the drift job lists them', () => {
    const at = new Date('2026-11-23T07:05:09.012Z');
    const key = objectKey('/datacapture/', 'acme-churn', 'default', at, 'u');
    expect(key).toBe('datacapture/acme-churn/default/2026/11/23/07/05-09-012-u.jsonl');
    const [hour] = hourPaths(new Date('2026-11-23T07:00:00Z'), new Date('2026-11-23T07:30:00Z'));
    expect(key.startsWith(`${endpointCapturePrefix('datacapture', 'acme-churn')}default/${hour}/`)).toBe(true);
    expect(objectKey('', 'e', 'v', at, 'u')).toBe(`${endpointCapturePrefix('', 'e')}v/2026/11/23/07/05-09-012-u.jsonl`);
  });
});

describe('Pairer', () => {
  const options = { timeoutMs: 1000, maxPending: 2, defaultVariant: 'primary' };
  it('pairs in either order, by id', () => {
    const p = new Pairer(options);
    expect(p.add(event('a', 'response', '[1]'), 0)).toBeUndefined();
    expect(p.add(event('b', 'request', '{"amount":1,"country":"US"}'), 0)).toBeUndefined();
    const a = p.add(event('a', 'request', '{"amount":2,"country":"DE"}'), 10);
    expect(a?.variant).toBe('primary');
    expect(JSON.parse(a!.line).eventMetadata.eventId).toBe('a');
    expect(p.size).toBe(1);
  });
  it('takes the variant from ce-endpoint when it is a safe name', () => {
    const p = new Pairer(options);
    const req = { ...event('a', 'request', '{}'), endpoint: 'canary' };
    p.add(req, 0);
    expect(p.add(event('a', 'response', '[1]'), 0)?.variant).toBe('canary');
    p.add({ ...event('b', 'request', '{}'), endpoint: '../x' }, 0);
    expect(p.add(event('b', 'response', '[1]'), 0)?.variant).toBe('primary');
  });
  it('drops single sides after the timeout, counts duplicates and overflow', () => {
    const p = new Pairer(options);
    p.add(event('a', 'request', '{}'), 0);
    p.add(event('a', 'request', '{}'), 1);
    p.add(event('b', 'response', '[1]'), 500);
    p.add(event('c', 'request', '{}'), 600);
    expect(p.counters).toMatchObject({ duplicates: 1, overflow: 1 });
    p.expire(1000);
    expect(p.counters).toMatchObject({ unpaired: 1, orphanResponses: 0 });
    expect(p.size).toBe(1);
    // The response of `a` came too late: it waits alone, then is dropped too.
    expect(p.add(event('a', 'response', '[1]'), 1001)).toBeUndefined();
    p.expire(1002, true);
    expect(p.counters).toMatchObject({ unpaired: 1, orphanResponses: 2 });
    expect(p.size).toBe(0);
  });
});

describe('parseServiceConfig', () => {
  it('fills defaults', () => {
    expect(parseServiceConfig('{"endpointName":"acme-churn","captureBucket":"b","capturePrefix":"/datacapture/","samplingPercent":20}')).toMatchObject({
      capturePrefix: 'datacapture', port: 9300, flushSeconds: 60, defaultVariant: 'primary',
    });
  });
  it('names every problem', () => {
    const run = () => parseServiceConfig('{"endpointName":"a/b","captureBucket":"","samplingPercent":101,"flushSeconds":900,"extra":1}');
    expect(run).toThrow(/unknown.*capturePrefix is required.*captureBucket must be a non-empty string.*endpointName must be letters.*samplingPercent must be a whole number from 0 to 100.*flushSeconds must be a whole number from 1 to 600/);
  });
});

describe('CaptureBuffer', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const config = parseServiceConfig(JSON.stringify({
    endpointName: 'acme-churn', captureBucket: 'capture', capturePrefix: 'datacapture', samplingPercent: 100, maxRecordsPerObject: 2, kmsKeyId: 'alias/capture',
  }));
  const now = () => new Date('2026-11-23T07:05:09.012Z');

  it('writes one object per variant and batch, SSE-KMS, read back by the drift reader', async () => {
    s3.on(PutObjectCommand).resolves({});
    let n = 0;
    const buffer = new CaptureBuffer(config, { s3: new S3Client({ region: 'eu-west-1' }), now, uuid: () => `u${n++}` });
    for (let i = 0; i < 3; i++) {
      buffer.accept(ceHeaders(`id-${i}`, 'request'), Buffer.from(JSON.stringify({ instances: [[i, 'US']] })));
      buffer.accept(ceHeaders(`id-${i}`, 'response'), Buffer.from(JSON.stringify({ predictions: [i / 10] })));
    }
    buffer.accept(ceHeaders('id-c', 'request', { 'ce-endpoint': 'canary' }), Buffer.from('[9,"DE"]'));
    buffer.accept(ceHeaders('id-c', 'response'), Buffer.from('[0.9]'));
    expect(() => buffer.accept(ceHeaders('x', 'request', { 'ce-inferenceservicename': 'other' }), Buffer.alloc(0))).toThrow(/not this service's endpoint/);
    await buffer.flush();
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input as PutObjectCommandInput);
    expect(puts.map((p) => p.Key)).toEqual([
      'datacapture/acme-churn/default/2026/11/23/07/05-09-012-u0.jsonl',
      'datacapture/acme-churn/default/2026/11/23/07/05-09-012-u1.jsonl',
      'datacapture/acme-churn/canary/2026/11/23/07/05-09-012-u2.jsonl',
    ]);
    expect(puts.every((p) => p.Bucket === 'capture' && p.ServerSideEncryption === 'aws:kms' && p.SSEKMSKeyId === 'alias/capture')).toBe(true);
    const data = parseCapture(puts.map((p) => p.Body as string), READ);
    expect(data.counters.records).toBe(4);
    expect(data.counters.malformed).toBe(0);
    expect([...(data.features.get('amount') as Float64Array)]).toEqual([0, 1, 2, 9]);
    expect(buffer.counters).toMatchObject({ events: 8, sampled: 8, records: 4, recordsWritten: 4, objectsWritten: 3 });
    expect(buffer.pending).toBe(0);
  });

  it('keeps the records of a failed write for the next flush', async () => {
    s3.on(PutObjectCommand).rejectsOnce(new Error('AccessDenied')).resolves({});
    const logs: string[] = [];
    const buffer = new CaptureBuffer({ ...config, kmsKeyId: undefined }, { s3: new S3Client({ region: 'eu-west-1' }), now, log: (l) => logs.push(l) });
    buffer.accept(ceHeaders('a', 'request'), Buffer.from('[1,"US"]'));
    buffer.accept(ceHeaders('a', 'response'), Buffer.from('[0.1]'));
    await buffer.flush();
    expect(buffer.pending).toBe(1);
    expect(logs[0]).toMatch(/AccessDenied/);
    await buffer.flush();
    expect(buffer.pending).toBe(0);
    expect(buffer.counters).toMatchObject({ writeFailures: 1, recordsWritten: 1 });
    expect((s3.commandCalls(PutObjectCommand)[1].args[0].input as PutObjectCommandInput).ServerSideEncryption).toBeUndefined();
  });

  it('samples by id: both sides of an inference kept or dropped together', async () => {
    s3.on(PutObjectCommand).resolves({});
    const buffer = new CaptureBuffer({ ...config, samplingPercent: 20, maxRecordsPerObject: 1000 }, { s3: new S3Client({ region: 'eu-west-1' }), now });
    for (let i = 0; i < 1000; i++) {
      buffer.accept(ceHeaders(`r${i}`, 'response'), Buffer.from('[0.5]'));
      buffer.accept(ceHeaders(`r${i}`, 'request'), Buffer.from('[1,"US"]'));
    }
    expect(buffer.pairer.size).toBe(0);
    expect(buffer.counters.records).toBeGreaterThan(150);
    expect(buffer.counters.records).toBeLessThan(250);
    expect(buffer.counters.sampled).toBe(2 * buffer.counters.records);
  });
});

describe('the capture service and proxy over HTTP', () => {
  const s3 = mockClient(S3Client);
  const servers: Array<{ close(): Promise<void> }> = [];
  let model: Server;
  beforeEach(() => s3.reset());
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    model?.close();
  });

  it('the proxy passes requests on unchanged and the service writes the sampled pairs', async () => {
    s3.on(PutObjectCommand).resolves({});
    const service = await startCaptureService(
      parseServiceConfig('{"endpointName":"acme-churn","captureBucket":"capture","capturePrefix":"datacapture","samplingPercent":100}'),
      { s3: new S3Client({ region: 'eu-west-1' }) }, 0, '127.0.0.1',
    );
    servers.push(service);
    // A model server: echoes a prediction, 500 for /fail.
    model = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/fail') {
          res.writeHead(500).end('boom');
          return;
        }
        const rows = JSON.parse(Buffer.concat(chunks).toString()).instances as unknown[][];
        res.writeHead(200, { 'content-type': 'application/json', 'x-model': 'm' }).end(JSON.stringify({ predictions: rows.map((r) => Number(r[0]) / 100) }));
      });
    });
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', () => r()));
    const proxy = await startCaptureProxy({
      upstream: `http://127.0.0.1:${(model.address() as AddressInfo).port}`,
      sink: `http://127.0.0.1:${service.port}/`,
      endpointName: 'acme-churn',
      samplingPercent: 100,
      variant: 'primary',
      maxEventBytes: 1024,
      source: 'pod-1',
    }, 0, '127.0.0.1');
    servers.push(proxy);
    const base = `http://127.0.0.1:${proxy.port}`;
    const res = await fetch(`${base}/v1/models/m:predict?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"instances":[[42,"US"]]}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model')).toBe('m');
    expect(await res.json()).toEqual({ predictions: [0.42] });
    expect((await fetch(`${base}/fail`, { method: 'POST', body: '{}' })).status).toBe(500);
    // Too large to capture, still served.
    const big = JSON.stringify({ instances: Array.from({ length: 200 }, () => [1, 'US']) });
    expect((await fetch(`${base}/big`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })).status).toBe(200);
    expect((await fetch(`${base}${PROXY_HEALTH_PATH}`)).status).toBe(200);
    await proxy.idle();
    expect(proxy.counters).toMatchObject({ requests: 3, captured: 1, sinkFailures: 0 });
    // A broken event straight to the service: refused.
    expect((await fetch(`http://127.0.0.1:${service.port}/`, { method: 'POST', headers: { 'ce-specversion': '1.0' }, body: 'x' })).status).toBe(400);
    const metrics = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
    expect(metrics).toContain('cdk_mlops_capture_records_total{endpoint="acme-churn"} 1');
    expect(metrics).toContain('cdk_mlops_capture_rejected_total{endpoint="acme-churn"} 1');
    await service.buffer.flush();
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input as PutObjectCommandInput;
    expect(put.Key).toMatch(/^datacapture\/acme-churn\/primary\/\d{4}\/\d\d\/\d\d\/\d\d\/[\d-]+-[0-9a-f-]{36}\.jsonl$/);
    const data = parseCapture(put.Body as string, READ);
    expect(data.counters.records).toBe(1);
    expect([...(data.features.get('amount') as Float64Array)]).toEqual([42]);
    expect([...(data.predictions as Float64Array)]).toEqual([0.42]);
  });
});
