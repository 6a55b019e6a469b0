/**
 * The capture proxy: a sidecar in front of a Rollout-served model server, so capture needs no
 * change to the server. The pod's Service sends clients to the proxy's port; the proxy passes
 * every request to the server on loopback unchanged (method, path, headers, body, streamed both
 * ways), and for a sampled inference answered with 200 posts the request and the response to the
 * capture service as KServe's logger does (record.ts): two CloudEvents in HTTP binary mode sharing
 * `ce-id`. Capture never delays or fails the answer: the events are sent after it, best effort,
 * with a timeout, and bodies over `maxEventBytes` are not captured.
 *
 * ```sh
 * node capture.js proxy --listen 8081 --upstream http://127.0.0.1:8080 --sink http://<svc>:9300/ \
 *   --endpoint-name acme-churn --sampling-percent 20 [--variant primary] [--max-event-bytes 6291456]
 * ```
 *
 * `GET /capture-proxy/healthz` is answered by the proxy itself (its probes); every other path is the server's.
 */

import { randomUUID } from 'crypto';
import { createServer, IncomingHttpHeaders, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { CE_REQUEST_TYPE, CE_RESPONSE_TYPE, DEFAULT_VARIANT, sampled } from './record';
import { DEFAULT_MAX_EVENT_BYTES } from './service';

/** Path the proxy answers itself (readiness and liveness). */
export const PROXY_HEALTH_PATH = '/capture-proxy/healthz';

/** Headers that belong to one hop (RFC 9110 7.6.1), not passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** What the proxy does. */
export interface CaptureProxyOptions {
  /** The model server, `http://127.0.0.1:<port>`. */
  readonly upstream: string;
  /** The capture service, `http://<service>:<port>/`. */
  readonly sink: string;
  /** The endpoint's name (`ce-inferenceservicename`). */
  readonly endpointName: string;
  /** Share of inferences captured, 0-100. */
  readonly samplingPercent: number;
  /** Variant folder (`ce-endpoint`). */
  readonly variant: string;
  /** Bodies larger than this are passed on but not captured. */
  readonly maxEventBytes: number;
  /** Pod name, the events' `ce-source`. */
  readonly source: string;
}

/** What the proxy counted. */
export interface ProxyCounters {
  requests: number;
  captured: number;
  sinkFailures: number;
  upstreamFailures: number;
}

/** A running proxy. */
export interface RunningCaptureProxy {
  readonly server: Server;
  readonly port: number;
  readonly counters: ProxyCounters;
  /** Resolves when every capture post started so far has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Start the proxy on `port` (0: any free port) of `host`. */
export async function startCaptureProxy(options: CaptureProxyOptions, port: number, host?: string): Promise<RunningCaptureProxy> {
  const counters: ProxyCounters = { requests: 0, captured: 0, sinkFailures: 0, upstreamFailures: 0 };
  const inFlight = new Set<Promise<void>>();
  const upstream = new URL(options.upstream);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === PROXY_HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    counters.requests++;
    forward(req, res, upstream, options, counters, (p) => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    counters,
    idle: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

function forward(
  req: IncomingMessage, res: ServerResponse, upstream: URL, o: CaptureProxyOptions, counters: ProxyCounters, track: (p: Promise<void>) => void,
): void {
  const requestTime = new Date();
  const id = header(req.headers, 'ce-id') ?? header(req.headers, 'x-request-id') ?? randomUUID();
  const capture = sampled(id, o.samplingPercent);
  const requestBody = new Collector(capture ? o.maxEventBytes : 0);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  }
  const up = httpRequest({
    protocol: upstream.protocol,
    hostname: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: req.url,
    headers,
  }, (upRes) => {
    const resHeaders: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(upRes.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) resHeaders[k] = v;
    }
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, resHeaders);
    const responseBody = new Collector(capture && upRes.statusCode === 200 ? o.maxEventBytes : 0);
    upRes.on('data', (chunk: Buffer) => responseBody.add(chunk));
    upRes.pipe(res);
    upRes.on('end', () => {
      // As KServe's logger: only an inference answered with 200, both bodies whole.
      if (!capture || upRes.statusCode !== 200 || !requestBody.complete || !responseBody.complete) return;
      counters.captured++;
      const contentType = header(req.headers, 'content-type') ?? 'application/octet-stream';
      const responseType = header(upRes.headers, 'content-type') ?? contentType;
      const send = async () => {
        await postEvent(o, id, CE_REQUEST_TYPE, requestTime, contentType, requestBody.buffer());
        await postEvent(o, id, CE_RESPONSE_TYPE, new Date(), responseType, responseBody.buffer());
      };
      track(send().catch(() => {
        counters.sinkFailures++;
      }));
    });
  });
  up.on('error', () => {
    counters.upstreamFailures++;
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream unavailable\n');
    else res.destroy();
  });
  req.on('data', (chunk: Buffer) => requestBody.add(chunk));
  req.pipe(up);
}

/** The chunks of a body up to a limit (0: none kept). */
class Collector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private over = false;
  constructor(private readonly limit: number) {}
  public add(chunk: Buffer): void {
    if (this.limit === 0 || this.over) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.over = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(chunk);
  }
  public get complete(): boolean {
    return this.limit > 0 && !this.over;
  }
  public buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** One CloudEvent in HTTP binary mode, as kserve pkg/logger/worker.go sends it; 5 s timeout. */
async function postEvent(o: CaptureProxyOptions, id: string, type: string, time: Date, contentType: string, body: Buffer): Promise<void> {
  const res = await fetch(o.sink, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-type': type,
      'ce-source': o.source,
      'ce-time': time.toISOString(),
      'ce-inferenceservicename': o.endpointName,
      'ce-endpoint': o.variant,
      'ce-component': 'predictor',
    },
    body,
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`capture service answered ${res.status}`);
}

/** `proxy --listen … --upstream … --sink … --endpoint-name … --sampling-percent …`: run until SIGTERM. */
export async function proxyMain(argv: string[]): Promise<number> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
      process.stderr.write(`capture proxy: bad argument ${JSON.stringify(argv[i])}\n`);
      return 2;
    }
    flags[argv[i].slice(2)] = argv[i + 1];
  }
  const errors: string[] = [];
  const int = (name: string, min: number, max: number, fallback?: number): number => {
    const raw = flags[name];
    if (raw === undefined && fallback !== undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) errors.push(`--${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`);
    return n;
  };
  const url = (name: string): string => {
    const raw = flags[name];
    if (raw === undefined || !/^https?:\/\/\S+$/.test(raw)) errors.push(`--${name} must be an http(s) URL; got ${JSON.stringify(raw)}`);
    return raw;
  };
  const listen = int('listen', 1, 65535);
  const options: CaptureProxyOptions = {
    upstream: url('upstream'),
    sink: url('sink'),
    endpointName: flags['endpoint-name'] ?? '',
    samplingPercent: int('sampling-percent', 0, 100),
    variant: flags.variant ?? DEFAULT_VARIANT,
    maxEventBytes: int('max-event-bytes', 1, 64 * 1024 * 1024, DEFAULT_MAX_EVENT_BYTES),
    source: process.env.HOSTNAME ?? 'capture-proxy',
  };
  if (options.endpointName === '') errors.push('--endpoint-name is required');
  if (errors.length > 0) {
    process.stderr.write(`capture proxy: ${errors.join('; ')}\n`);
    return 2;
  }
  const proxy = await startCaptureProxy(options, listen);
  process.stderr.write(`capture proxy: :${proxy.port} -> ${options.upstream}, ${options.samplingPercent}% to ${options.sink}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // The Service may still send requests until the endpoint controller drops the pod: keep serving a moment.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  await proxy.close();
  return 0;
}
