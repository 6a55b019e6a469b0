/**
 * The capture service: receives inference events (CloudEvents HTTP binary mode, from KServe's
 * InferenceService logger or the capture proxy of a Rollout-served model), keeps a sample, pairs
 * request and response by `ce-id`, and writes the records as JSON Lines objects to S3 in the
 * SageMaker data-capture layout (record.ts), which the drift job reads.
 *
 * ```sh
 * node capture.js serve --config /etc/capture/config.json
 * ```
 *
 * The config file (a ConfigMap) is a JSON object:
 *
 * ```json
 * {
 *   "endpointName": "acme-churn", "captureBucket": "acme-ml-capture", "capturePrefix": "datacapture",
 *   "samplingPercent": 20, "port": 9300, "flushSeconds": 60, "maxRecordsPerObject": 1000,
 *   "pairTimeoutSeconds": 30, "maxPending": 10000, "maxEventBytes": 6291456, "kmsKeyId": "arn:aws:kms:…",
 *   "region": "eu-west-1", "defaultVariant": "primary"
 * }
 * ```
 *
 * Only `endpointName`, `captureBucket`, `capturePrefix` and `samplingPercent` are required. S3 is
 * written with the default credential chain (IRSA / Pod Identity in a cluster); `AWS_ENDPOINT_URL_S3`
 * points it elsewhere (tests). `kmsKeyId` asks for SSE-KMS with that key (for a bucket whose policy
 * requires it); without it the bucket's default encryption applies.
 *
 * HTTP: `POST /` an event (202 taken, 400 not an inference event, 413 too large, 503 the buffer is
 * full); `GET /healthz` (200); `GET /metrics` (Prometheus text: events, sampled, records, objects,
 * failures). SIGTERM: stop listening, write what is buffered, exit.
 */

import { randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
// The AWS SDK is bundled into the asset by esbuild (scripts/bundle-runtime.ts).
// eslint-disable-next-line import/no-extraneous-dependencies
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_VARIANT, EventError, Pairer, eventFromHttp, objectKey, sampled } from './record';

/** Port of the capture service. */
export const DEFAULT_CAPTURE_PORT = 9300;
/** Seconds between writes: well under the drift job's 15-minute folder margin (job.ts `CAPTURE_FOLDER_MARGIN_MINUTES`). */
export const DEFAULT_FLUSH_SECONDS = 60;
/** Most seconds between writes: a file is filed under the hour it is written, the drift job looks 15 minutes past its window. */
export const MAX_FLUSH_SECONDS = 600;
/** Records per object. */
export const DEFAULT_MAX_RECORDS_PER_OBJECT = 1000;
/** How long a request waits for its response (and the reverse). */
export const DEFAULT_PAIR_TIMEOUT_SECONDS = 30;
/** Inferences waiting for their other side at once. */
export const DEFAULT_MAX_PENDING = 10_000;
/** Largest event body: SageMaker's real-time payload limit is 6 MB. */
export const DEFAULT_MAX_EVENT_BYTES = 6 * 1024 * 1024;
/** Records buffered (not yet written) at most; beyond it events are refused with 503. */
export const MAX_BUFFERED_RECORDS = 100_000;

/** The service's config file, after checks. */
export interface CaptureServiceConfig {
  readonly endpointName: string;
  readonly captureBucket: string;
  readonly capturePrefix: string;
  readonly samplingPercent: number;
  readonly port: number;
  readonly flushSeconds: number;
  readonly maxRecordsPerObject: number;
  readonly pairTimeoutSeconds: number;
  readonly maxPending: number;
  readonly maxEventBytes: number;
  readonly defaultVariant: string;
  readonly kmsKeyId?: string;
  readonly region?: string;
}

const STRING_KEYS = ['endpointName', 'captureBucket', 'capturePrefix', 'kmsKeyId', 'region', 'defaultVariant'] as const;
const INT_KEYS: Record<string, [number, number]> = {
  samplingPercent: [0, 100],
  port: [1, 65535],
  flushSeconds: [1, MAX_FLUSH_SECONDS],
  maxRecordsPerObject: [1, 100_000],
  pairTimeoutSeconds: [1, 600],
  maxPending: [1, 1_000_000],
  maxEventBytes: [1, 64 * 1024 * 1024],
};

/** Check the config file's JSON; throws an `Error` naming every problem. */
export function parseServiceConfig(json: string): CaptureServiceConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(`config must be a JSON document (${(e as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('config must be a JSON object');
  }
  const c = doc as Record<string, unknown>;
  const errors: string[] = [];
  const known = new Set<string>([...STRING_KEYS, ...Object.keys(INT_KEYS)]);
  for (const key of Object.keys(c)) {
    if (!known.has(key)) errors.push(`config key ${JSON.stringify(key)} is unknown (allowed: ${[...known].join(', ')})`);
  }
  for (const key of ['endpointName', 'captureBucket', 'capturePrefix', 'samplingPercent']) {
    if (c[key] === undefined) errors.push(`config.${key} is required`);
  }
  for (const key of STRING_KEYS) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'string' || (v === '' && key !== 'capturePrefix'))) {
      errors.push(`config.${key} must be a ${key === 'capturePrefix' ? '' : 'non-empty '}string`);
    }
  }
  for (const name of ['endpointName', 'defaultVariant'] as const) {
    const v = c[name];
    if (typeof v === 'string' && v !== '' && !/^[A-Za-z0-9](-*[A-Za-z0-9])*$/.test(v)) {
      errors.push(`config.${name} must be letters, digits and hyphens (a SageMaker name, one key segment); got ${JSON.stringify(v)}`);
    }
  }
  for (const [key, [min, max]] of Object.entries(INT_KEYS)) {
    const v = c[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max)) {
      errors.push(`config.${key} must be a whole number from ${min} to ${max}; got ${JSON.stringify(v)}`);
    }
  }
  if (errors.length > 0) {
    throw new Error(errors.join('; '));
  }
  const int = (key: string, fallback: number) => (c[key] as number | undefined) ?? fallback;
  return {
    endpointName: c.endpointName as string,
    captureBucket: c.captureBucket as string,
    capturePrefix: (c.capturePrefix as string).replace(/^\/+|\/+$/g, ''),
    samplingPercent: c.samplingPercent as number,
    port: int('port', DEFAULT_CAPTURE_PORT),
    flushSeconds: int('flushSeconds', DEFAULT_FLUSH_SECONDS),
    maxRecordsPerObject: int('maxRecordsPerObject', DEFAULT_MAX_RECORDS_PER_OBJECT),
    pairTimeoutSeconds: int('pairTimeoutSeconds', DEFAULT_PAIR_TIMEOUT_SECONDS),
    maxPending: int('maxPending', DEFAULT_MAX_PENDING),
    maxEventBytes: int('maxEventBytes', DEFAULT_MAX_EVENT_BYTES),
    defaultVariant: (c.defaultVariant as string | undefined) ?? DEFAULT_VARIANT,
    ...(c.kmsKeyId !== undefined ? { kmsKeyId: c.kmsKeyId as string } : {}),
    ...(c.region !== undefined ? { region: c.region as string } : {}),
  };
}

/** What the service counts (also its `/metrics`). */
export interface CaptureCounters {
  /** Inference events received and read. */
  events: number;
  /** Events refused (not an inference event, too large, buffer full). */
  rejected: number;
  /** Events of sampled inferences. */
  sampled: number;
  /** Records (paired inferences) buffered so far. */
  records: number;
  /** Records written to S3. */
  recordsWritten: number;
  /** Objects written to S3. */
  objectsWritten: number;
  /** PutObject calls that failed (their records stay buffered for the next flush). */
  writeFailures: number;
}

/** Clients and clock of the service (injected for tests). */
export interface CaptureServiceDeps {
  readonly s3: Pick<S3Client, 'send'>;
  readonly now?: () => Date;
  readonly uuid?: () => string;
  readonly log?: (line: string) => void;
}

/** The buffering, pairing and writing, apart from HTTP (unit-tested directly). */
export class CaptureBuffer {
  public readonly counters: CaptureCounters = {
    events: 0, rejected: 0, sampled: 0, records: 0, recordsWritten: 0, objectsWritten: 0, writeFailures: 0,
  };
  public readonly pairer: Pairer;
  /** Lines waiting to be written, per variant. */
  private readonly buffered = new Map<string, string[]>();
  private bufferedCount = 0;
  private flushing: Promise<void> | undefined;

  constructor(private readonly config: CaptureServiceConfig, private readonly deps: CaptureServiceDeps) {
    this.pairer = new Pairer({ timeoutMs: config.pairTimeoutSeconds * 1000, maxPending: config.maxPending, defaultVariant: config.defaultVariant });
  }

  /** Records buffered, not yet written. */
  public get pending(): number {
    return this.bufferedCount;
  }

  /** Whether another event can be taken (the buffer is bounded while S3 is unreachable). */
  public get full(): boolean {
    return this.bufferedCount >= MAX_BUFFERED_RECORDS;
  }

  /** Take one HTTP event (headers as Node gives them); throws `EventError` for what is not one. */
  public accept(headers: Record<string, string | string[] | undefined>, body: Buffer): void {
    const now = this.now();
    const event = eventFromHttp(headers, body, now);
    const expected = this.config.endpointName;
    if (event.inferenceService !== undefined && event.inferenceService !== expected) {
      throw new EventError(`ce-inferenceservicename ${JSON.stringify(event.inferenceService)} is not this service's endpoint ${JSON.stringify(expected)}`);
    }
    this.counters.events++;
    if (!sampled(event.id, this.config.samplingPercent)) {
      return;
    }
    this.counters.sampled++;
    const record = this.pairer.add(event, now.getTime());
    if (record !== undefined) {
      const lines = this.buffered.get(record.variant) ?? [];
      lines.push(record.line);
      this.buffered.set(record.variant, lines);
      this.bufferedCount++;
      this.counters.records++;
    }
  }

  /**
   * Write what is buffered: one object per variant and `maxRecordsPerObject` records, under the
   * hour folder of now. A failed write keeps its records for the next flush. With `all`, waiting
   * single sides are dropped first (shutdown).
   */
  public async flush(all = false): Promise<void> {
    if (this.flushing !== undefined) {
      await this.flushing;
    }
    this.pairer.expire(this.now().getTime(), all);
    this.flushing = this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async writeAll(): Promise<void> {
    for (const [variant, lines] of [...this.buffered]) {
      while (lines.length > 0) {
        const batch = lines.slice(0, this.config.maxRecordsPerObject);
        const key = objectKey(this.config.capturePrefix, this.config.endpointName, variant, this.now(), (this.deps.uuid ?? randomUUID)());
        try {
          await this.deps.s3.send(new PutObjectCommand({
            Bucket: this.config.captureBucket,
            Key: key,
            Body: batch.join('\n') + '\n',
            ContentType: 'application/jsonlines',
            ...(this.config.kmsKeyId !== undefined ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.config.kmsKeyId } : {}),
          }));
        } catch (e) {
          this.counters.writeFailures++;
          this.log(`capture: PutObject s3://${this.config.captureBucket}/${key} failed (${batch.length} records kept): ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        lines.splice(0, batch.length);
        this.bufferedCount -= batch.length;
        this.counters.recordsWritten += batch.length;
        this.counters.objectsWritten++;
      }
      this.buffered.delete(variant);
    }
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private log(line: string): void {
    (this.deps.log ?? ((l: string) => process.stderr.write(l + '\n')))(line);
  }
}

/** The Prometheus text of the counters. */
export function renderCaptureMetrics(endpointName: string, buffer: CaptureBuffer): string {
  const c = buffer.counters;
  const p = buffer.pairer.counters;
  const label = `{endpoint="${endpointName.replace(/["\\\n]/g, '_')}"}`;
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${label} ${value}`);
  };
  metric('cdk_mlops_capture_events_total', 'counter', 'Inference events received.', c.events);
  metric('cdk_mlops_capture_rejected_total', 'counter', 'Events refused (not an inference event, too large, buffer full).', c.rejected);
  metric('cdk_mlops_capture_sampled_events_total', 'counter', 'Events of sampled inferences.', c.sampled);
  metric('cdk_mlops_capture_records_total', 'counter', 'Paired inferences buffered.', c.records);
  metric('cdk_mlops_capture_records_written_total', 'counter', 'Records written to S3.', c.recordsWritten);
  metric('cdk_mlops_capture_objects_written_total', 'counter', 'Objects written to S3.', c.objectsWritten);
  metric('cdk_mlops_capture_write_failures_total', 'counter', 'Failed S3 writes (records kept).', c.writeFailures);
  metric('cdk_mlops_capture_unpaired_total', 'counter', 'Requests whose response never came.', p.unpaired + p.orphanResponses);
  metric('cdk_mlops_capture_dropped_total', 'counter', 'Events dropped: too many inferences waiting.', p.overflow);
  metric('cdk_mlops_capture_buffered_records', 'gauge', 'Records waiting to be written.', buffer.pending);
  return lines.join('\n') + '\n';
}

/** A running capture service. */
export interface RunningCaptureService {
  readonly server: Server;
  readonly buffer: CaptureBuffer;
  /** The port it listens on (the config's, or the kernel's choice for port 0). */
  readonly port: number;
  /** Stop listening, write what is buffered. */
  close(): Promise<void>;
}

/** Start the service on `config.port` (`listenPort` overrides it, 0 for any free port; loopback with `host`). */
export async function startCaptureService(
  config: CaptureServiceConfig, deps: CaptureServiceDeps, listenPort = config.port, host?: string,
): Promise<RunningCaptureService> {
  const buffer = new CaptureBuffer(config, deps);
  const server = createServer((req, res) => handle(req, res, config, buffer));
  const timer = setInterval(() => void buffer.flush(), config.flushSeconds * 1000);
  timer.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    buffer,
    port,
    close: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await buffer.flush(true);
    },
  };
}

function handle(req: IncomingMessage, res: ServerResponse, config: CaptureServiceConfig, buffer: CaptureBuffer): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (req.method === 'GET' && path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderCaptureMetrics(config.endpointName, buffer));
    return;
  }
  if (req.method !== 'POST' || path !== '/') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('POST / a CloudEvent; GET /healthz, /metrics\n');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > config.maxEventBytes) {
      tooLarge = true;
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) {
      buffer.counters.rejected++;
      res.writeHead(413, { 'content-type': 'text/plain' }).end(`event larger than ${config.maxEventBytes} bytes\n`);
      return;
    }
    if (buffer.full) {
      buffer.counters.rejected++;
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': String(config.flushSeconds) }).end('capture buffer full\n');
      return;
    }
    try {
      buffer.accept(req.headers, Buffer.concat(chunks));
      res.writeHead(202).end();
    } catch (e) {
      if (!(e instanceof EventError)) throw e;
      buffer.counters.rejected++;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`${e.message}\n`);
    }
  });
  req.on('error', () => res.destroy());
}

/** `serve --config <file>`: run until SIGTERM / SIGINT, then write what is buffered. */
export async function serveMain(argv: string[]): Promise<number> {
  const i = argv.indexOf('--config');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (file === undefined) {
    process.stderr.write('usage: node capture.js serve --config <file.json>\n');
    return 2;
  }
  let config: CaptureServiceConfig;
  try {
    config = parseServiceConfig(readFileSync(file, 'utf-8'));
  } catch (e) {
    process.stderr.write(`capture: ${(e as Error).message}\n`);
    return 1;
  }
  const s3 = new S3Client(config.region !== undefined ? { region: config.region } : {});
  const service = await startCaptureService(config, { s3 });
  process.stderr.write(`capture: ${config.endpointName} on :${service.port}, ${config.samplingPercent}% sampled, to s3://${config.captureBucket}/${config.capturePrefix}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await service.close();
  const c = service.buffer.counters;
  process.stderr.write(`capture: stopped; ${c.recordsWritten} records in ${c.objectsWritten} objects, ${service.buffer.pending} not written\n`);
  return service.buffer.pending === 0 ? 0 : 1;
}
