/**
 * Request/response capture on Kubernetes, in the SageMaker data-capture format that the drift job
 * reads (lib/runtime/drift-job/capture.ts): one JSON object per line,
 *
 * ```json
 * {"captureData":{"endpointInput":{"observedContentType":"application/json","mode":"INPUT","data":"{…}","encoding":"JSON"},
 *   "endpointOutput":{"observedContentType":"application/json","mode":"OUTPUT","data":"{…}","encoding":"JSON"}},
 *  "eventMetadata":{"eventId":"…","inferenceTime":"2026-11-23T01:02:03.000Z"},"eventVersion":"0"}
 * ```
 *
 * in objects `<prefix>/<endpoint>/<variant>/yyyy/mm/dd/HH/<mm-ss-SSS>-<uuid>.jsonl` (UTC hour of
 * the write, as SageMaker files them; the drift job lists that layout, job.ts `listCaptureKeys`).
 *
 * The events come as KServe's InferenceService logger sends them (kserve pkg/logger/worker.go,
 * `sendHttpCloudEvent`): CloudEvents 1.0 in HTTP binary mode, one event for the request
 * (`ce-type: org.kubeflow.serving.inference.request`) and one for the response
 * (`org.kubeflow.serving.inference.response`, sent only for a 200, pkg/logger/handler.go), sharing
 * `ce-id`; `ce-time` is when the request arrived (response: when it was answered), the body is the
 * payload with its `Content-Type`, and the extensions `ce-inferenceservicename`, `ce-namespace`,
 * `ce-component` and `ce-endpoint` say where it comes from. The capture proxy of Rollout-served
 * models (proxy.ts) sends the same events.
 *
 * Pure functions and one class (`Pairer`): no I/O here.
 */

import { randomUUID } from 'crypto';

/** `ce-type` of a request event (kserve pkg/logger/worker.go `CEInferenceRequest`). */
export const CE_REQUEST_TYPE = 'org.kubeflow.serving.inference.request';
/** `ce-type` of a response event (kserve pkg/logger/worker.go `CEInferenceResponse`). */
export const CE_RESPONSE_TYPE = 'org.kubeflow.serving.inference.response';

/** Variant folder when an event names no endpoint (the AWS endpoint's default variant name). */
export const DEFAULT_VARIANT = 'primary';

/** One request or response event, as received. */
export interface InferenceEvent {
  /** `ce-id`: the inference's id, shared by its request and response. */
  readonly id: string;
  /** Request or response. */
  readonly kind: 'request' | 'response';
  /** `ce-time` (ISO 8601); the receive time when absent. */
  readonly time: string;
  /** The payload's `Content-Type`. */
  readonly contentType: string;
  /** The payload. */
  readonly body: Buffer;
  /** `ce-endpoint` (KServe: the pod's `endpoint` label), the variant folder when it is a safe name. */
  readonly endpoint?: string;
  /** `ce-inferenceservicename`. */
  readonly inferenceService?: string;
}

/** Why an HTTP request could not be read as an inference event (the HTTP answer is 400). */
export class EventError extends Error {}

/**
 * The event of a CloudEvents HTTP binary-mode request (headers lower-cased, as Node gives them).
 * Throws `EventError` when it is not one of the two inference event types.
 */
export function eventFromHttp(headers: Record<string, string | string[] | undefined>, body: Buffer, receivedAt: Date): InferenceEvent {
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const specVersion = header('ce-specversion');
  if (specVersion !== '1.0') {
    throw new EventError(`ce-specversion must be 1.0 (CloudEvents HTTP binary mode); got ${JSON.stringify(specVersion)}`);
  }
  const id = header('ce-id');
  if (id === undefined || id === '') {
    throw new EventError('ce-id is required');
  }
  const type = header('ce-type');
  const kind = type === CE_REQUEST_TYPE ? 'request' : type === CE_RESPONSE_TYPE ? 'response' : undefined;
  if (kind === undefined) {
    throw new EventError(`ce-type must be ${CE_REQUEST_TYPE} or ${CE_RESPONSE_TYPE}; got ${JSON.stringify(type)}`);
  }
  const time = header('ce-time');
  const parsed = time !== undefined ? Date.parse(time) : NaN;
  if (time !== undefined && Number.isNaN(parsed)) {
    throw new EventError(`ce-time must be an RFC 3339 time; got ${JSON.stringify(time)}`);
  }
  const endpoint = header('ce-endpoint');
  const inferenceService = header('ce-inferenceservicename');
  return {
    id,
    kind,
    time: new Date(Number.isNaN(parsed) ? receivedAt.getTime() : parsed).toISOString(),
    contentType: header('content-type') ?? 'application/octet-stream',
    body,
    ...(endpoint !== undefined && endpoint !== '' ? { endpoint } : {}),
    ...(inferenceService !== undefined && inferenceService !== '' ? { inferenceService } : {}),
  };
}

/**
 * Whether the inference `id` is in the sample: a hash of the id, so the request and the response
 * of one inference (and the proxy and the service) always decide alike, without shared state.
 * `percent` 100 keeps all, 0 none.
 */
export function sampled(id: string, percent: number): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  // FNV-1a, 32 bits: cheap and well spread over the last digits that decide here.
  /* eslint-disable no-bitwise -- FNV-1a is defined in 32-bit integer operations. */
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  /* eslint-enable no-bitwise */
  return h % 10_000 < Math.round(percent * 100);
}

/** One side of a capture record (`endpointInput` / `endpointOutput`). */
export interface CapturePart {
  readonly observedContentType: string;
  readonly mode: 'INPUT' | 'OUTPUT';
  readonly data: string;
  readonly encoding: 'CSV' | 'JSON' | 'BASE64';
}

/**
 * The payload as SageMaker captures it: JSON and CSV content types as their UTF-8 text
 * (`encoding` JSON / CSV), anything else, or text that is not UTF-8, as BASE64.
 */
export function capturePart(contentType: string, body: Buffer, mode: 'INPUT' | 'OUTPUT'): CapturePart {
  const type = contentType.toLowerCase().split(';')[0].trim();
  const textual = type.includes('json') ? 'JSON' : type.includes('csv') ? 'CSV' : undefined;
  if (textual !== undefined) {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      return { observedContentType: contentType, mode, data: text, encoding: textual };
    } catch {
      // Not UTF-8: kept as bytes.
    }
  }
  return { observedContentType: contentType, mode, data: body.toString('base64'), encoding: 'BASE64' };
}

/** The JSON line of one inference (no trailing newline). */
export function captureLine(request: InferenceEvent, response: InferenceEvent | undefined): string {
  return JSON.stringify({
    captureData: {
      endpointInput: capturePart(request.contentType, request.body, 'INPUT'),
      ...(response !== undefined ? { endpointOutput: capturePart(response.contentType, response.body, 'OUTPUT') } : {}),
    },
    eventMetadata: { eventId: request.id, inferenceTime: request.time },
    eventVersion: '0',
  });
}

/** A path segment that is safe as an S3 key part and a SageMaker variant name. */
const SAFE_SEGMENT = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;

/** The variant folder of an event: its `ce-endpoint` when that is a safe name, else `fallback`. */
export function variantOf(event: InferenceEvent, fallback: string): string {
  const e = event.endpoint;
  return e !== undefined && e.length <= 63 && SAFE_SEGMENT.test(e) ? e : fallback;
}

/** `{prefix}/{endpoint}/{variant}/yyyy/mm/dd/HH/mm-ss-SSS-{uuid}.jsonl` of an object written at `at` (UTC). */
export function objectKey(prefix: string, endpointName: string, variant: string, at: Date, unique: string = randomUUID()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const folder = `${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${two(at.getUTCHours())}`;
  const file = `${two(at.getUTCMinutes())}-${two(at.getUTCSeconds())}-${String(at.getUTCMilliseconds()).padStart(3, '0')}-${unique}.jsonl`;
  return `${base === '' ? '' : `${base}/`}${endpointName}/${variant}/${folder}/${file}`;
}

/** A finished inference: its variant folder and its JSON line. */
export interface PairedRecord {
  readonly variant: string;
  readonly line: string;
}

/** Counters of the pairing. */
export interface PairerCounters {
  /** Requests whose response never came within the timeout (a non-200 answer is not logged by KServe). */
  unpaired: number;
  /** Responses whose request never came within the timeout. */
  orphanResponses: number;
  /** Events dropped because `maxPending` inferences were waiting. */
  overflow: number;
  /** Second events of a kind for an id already waiting (kept: the first). */
  duplicates: number;
}

/** How the pairing waits. */
export interface PairerOptions {
  /** How long one side waits for the other, ms. */
  readonly timeoutMs: number;
  /** Most inferences waiting at once; beyond it new ones are dropped (`overflow`). */
  readonly maxPending: number;
  /** Variant folder of events without a usable `ce-endpoint`. */
  readonly defaultVariant: string;
}

interface Pending {
  request?: InferenceEvent;
  response?: InferenceEvent;
  readonly since: number;
}

/**
 * Pairs request and response events by `ce-id` (they arrive in either order: the logger sends
 * them from a pool of workers). A pair becomes a record at once; a side alone is dropped after
 * `timeoutMs` (`expire`) and counted: a record without its input cannot be read, and an input
 * without its output is an inference that failed.
 */
export class Pairer {
  public readonly counters: PairerCounters = { unpaired: 0, orphanResponses: 0, overflow: 0, duplicates: 0 };
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: PairerOptions) {}

  /** Inferences waiting for their other side. */
  public get size(): number {
    return this.pending.size;
  }

  /** Add an event; returns the record when it completes a pair. */
  public add(event: InferenceEvent, nowMs: number): PairedRecord | undefined {
    let entry = this.pending.get(event.id);
    if (entry === undefined) {
      if (this.pending.size >= this.options.maxPending) {
        this.counters.overflow++;
        return undefined;
      }
      entry = { since: nowMs };
      this.pending.set(event.id, entry);
    }
    if (entry[event.kind] !== undefined) {
      this.counters.duplicates++;
      return undefined;
    }
    entry[event.kind] = event;
    if (entry.request === undefined || entry.response === undefined) {
      return undefined;
    }
    this.pending.delete(event.id);
    return { variant: variantOf(entry.request, this.options.defaultVariant), line: captureLine(entry.request, entry.response) };
  }

  /** Drop the inferences that waited `timeoutMs` or longer (all of them with `all`). */
  public expire(nowMs: number, all = false): void {
    for (const [id, entry] of this.pending) {
      if (!all && nowMs - entry.since < this.options.timeoutMs) {
        // Insertion order: the rest came later.
        break;
      }
      if (entry.request !== undefined) this.counters.unpaired++;
      else this.counters.orphanResponses++;
      this.pending.delete(id);
    }
  }
}
