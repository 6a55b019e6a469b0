/**
 * Capture → drift, end to end, on what the example renders: the capture service and proxy bundles
 * (assets/capture/index.js) write into moto's S3, and the drift CronJob's bundle (assets/drift-job/index.js)
 * reads those files with the config the DriftMonitor renders and computes PSI.
 *
 * For every capture service in the manifests given (a ConfigMap labelled
 * `app.kubernetes.io/component: request-capture`):
 *
 * 1. its model's DriftMonitor config is found (the ConfigMap `drift-monitor` of the same namespace whose
 *    `endpointName` is the capture's; none is a failure), and the baseline uploaded to its bucket and key
 *    (every feature numeric, uniform on [0, 100); predictions uniform on [0, 1));
 * 2. the capture service runs with its rendered config (only the port moved to a free one of 127.0.0.1);
 * 3. traffic reaches it both ways the platform renders: through the capture proxy started with the
 *    rendered container's arguments (`--listen`, `--upstream` and `--sink` moved to loopback) in front of
 *    a stub model server, and as KServe's logger posts it (CloudEvents in HTTP binary mode, request and
 *    response as two events sharing `ce-id`, kserve pkg/logger/worker.go). The first feature is shifted
 *    into the top 30 % of its training range, the others drawn as in training;
 * 4. the service is stopped with SIGTERM (it writes what it holds and exits 0), the objects are listed:
 *    every key in the `<prefix>/<endpoint>/<variant>/yyyy/mm/dd/HH/*.jsonl` layout, the proxy's under
 *    `primary`, the logger's under the event's `ce-endpoint`;
 * 5. the drift CLI runs on the rendered config file, unchanged, as the CronJob runs it (`--window-minutes`
 *    as rendered), and must find exactly the sampled inferences (each id decided by `sampled`, the
 *    sampling of the rendered config), no malformed record, PSI > 0.2 for the shifted feature and < 0.1
 *    for the others.
 *
 * Any failure prints `capture-e2e FAILED: …` and exits 1. Run by scripts/capture-emulator.sh.
 */

import { spawn, ChildProcess, execFile } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer, Server } from 'http';
import { AddressInfo, createServer as createNetServer } from 'net';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as YAML from 'yaml';
import { DriftMath } from '../../lib/core/drift';
import { CE_REQUEST_TYPE, CE_RESPONSE_TYPE, sampled } from '../../lib/runtime/capture/record';
import { CaptureServiceConfig, parseServiceConfig } from '../../lib/runtime/capture/service';
import { parseCliConfig } from '../../lib/runtime/drift-job/cli';
import { seededRandom } from '../support/random';

const ROOT = path.resolve(__dirname, '..', '..');
const CAPTURE_BUNDLE = path.join(ROOT, 'assets', 'capture', 'index.js');
const DRIFT_BUNDLE = path.join(ROOT, 'assets', 'drift-job', 'index.js');
/** Inferences per path (proxy, logger). */
const PER_PATH = 1500;

const ENDPOINT_URL = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(ENDPOINT_URL)) {
  console.error(`capture-e2e: AWS_ENDPOINT_URL must be a loopback emulator; got ${JSON.stringify(ENDPOINT_URL)}. Run through scripts/capture-emulator.sh.`);
  process.exit(2);
}

class Failure extends Error {}
function check(condition: boolean, message: string): void {
  if (!condition) throw new Failure(message);
}

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: any;
}

/** One model's capture, as rendered. */
interface Rendered {
  readonly namespace: string;
  readonly capture: CaptureServiceConfig;
  readonly captureText: string;
  readonly driftText: string;
  /** The capture proxy container's arguments (ARGO_ROLLOUT), if any. */
  readonly proxyArgs?: string[];
  /** The KServe logger's URL (KSERVE), if any. */
  readonly loggerUrl?: string;
}

function renderedCaptures(files: string[]): Rendered[] {
  const objects: K8sObject[] = files.flatMap((f) => YAML.parseAllDocuments(readFileSync(f, 'utf-8')).map((d) => d.toJSON()).filter((o) => o));
  const component = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component'];
  const out: Rendered[] = [];
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && component(o) === 'request-capture')) {
    const ns = cm.metadata.namespace!;
    const captureText = cm.data!['config.json'];
    const capture = parseServiceConfig(captureText);
    const drifts = objects.filter((o) => o.kind === 'ConfigMap' && component(o) === 'drift-monitor' && o.metadata.namespace === ns
      && parseCliConfig(o.data!['config.json']).endpointName === capture.endpointName);
    check(drifts.length === 1, `${ns}/${cm.metadata.name}: ${drifts.length} DriftMonitor configs for endpoint ${capture.endpointName} in its namespace (want 1)`);
    const serviceUrl = `http://${cm.metadata.name}.${ns}.svc.cluster.local:${capture.port}/`;
    const proxies = objects.filter((o) => o.kind === 'Rollout' && o.metadata.namespace === ns)
      .flatMap((o) => (o.spec.template.spec.containers as Array<{ args?: string[] }>))
      .filter((c) => c.args?.[0] === 'proxy' && c.args[c.args.indexOf('--sink') + 1] === serviceUrl);
    const loggers = objects.filter((o) => o.kind === 'InferenceService' && o.metadata.namespace === ns && o.spec.predictor.logger?.url === serviceUrl);
    check(proxies.length + loggers.length > 0, `${ns}/${cm.metadata.name}: nothing posts to ${serviceUrl} (no capture proxy, no InferenceService logger)`);
    out.push({
      namespace: ns,
      capture,
      captureText,
      driftText: drifts[0].data!['config.json'],
      ...(proxies.length > 0 ? { proxyArgs: proxies[0].args } : {}),
      ...(loggers.length > 0 ? { loggerUrl: loggers[0].spec.predictor.logger.url } : {}),
    });
  }
  check(out.length > 0, 'no capture service (ConfigMap labelled app.kubernetes.io/component: request-capture) in the manifests');
  return out;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    check(child.exitCode === null, `${url}: the process exited (${child.exitCode}) before answering`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Failure(`${url} did not answer within 10 s`);
}

function start(args: string[], name: string): ChildProcess {
  const child = spawn(process.execPath, [CAPTURE_BUNDLE, ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** A stub model server: `{"instances": [[f0, …]]}` → `{"predictions": [f0 / 100]}`. */
async function stubModel(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rows = JSON.parse(Buffer.concat(chunks).toString()).instances as number[][];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ predictions: rows.map((r) => r[0] / 100) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

/** One inference's features: the first shifted into [70, 100), the others uniform on [0, 100). */
function rowOf(random: () => number, features: number): number[] {
  return Array.from({ length: features }, (_, i) => (i === 0 ? 70 + 30 * random() : 100 * random()));
}

async function runModel(r: Rendered, s3: S3Client, work: string): Promise<void> {
  const drift = parseCliConfig(r.driftText);
  const name = `${r.namespace}/${r.capture.endpointName}`;
  const features = drift.featureNames;
  // 1. Buckets and the training baseline.
  for (const bucket of new Set([r.capture.captureBucket, drift.baselineBucket])) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })).catch((e) => {
      if (!/BucketAlreadyOwnedByYou/.test(String(e?.name))) throw e;
    });
  }
  const train = seededRandom(1);
  const baseline = DriftMath.buildBaseline(
    features.map((f) => ({ name: f, numericValues: Array.from({ length: 2000 }, () => 100 * train()) })),
    { bins: 10, prediction: { name: 'score', numericValues: Array.from({ length: 2000 }, () => train()) } },
  );
  await s3.send(new PutObjectCommand({ Bucket: drift.baselineBucket, Key: drift.baselineKey, Body: DriftMath.baselineToJson(baseline) }));

  // 2. The capture service, its rendered config on a free port.
  const port = await freePort();
  const configFile = path.join(work, `${r.capture.endpointName}-capture.json`);
  writeFileSync(configFile, JSON.stringify({ ...JSON.parse(r.captureText), port }));
  const service = start(['serve', '--config', configFile], 'capture');
  const serviceUrl = `http://127.0.0.1:${port}/`;
  await waitHealthy(`${serviceUrl}healthz`, service);

  // 3a. Through the capture proxy, as rendered in the Rollout's pods.
  const random = seededRandom(42);
  const ids: string[] = [];
  let model: Server | undefined;
  let proxy: ChildProcess | undefined;
  if (r.proxyArgs !== undefined) {
    model = await stubModel();
    const proxyPort = await freePort();
    const args = [...r.proxyArgs];
    const set = (flag: string, value: string) => {
      const i = args.indexOf(flag);
      check(i > 0, `the capture proxy's arguments have no ${flag}`);
      args[i + 1] = value;
    };
    check(args[args.indexOf('--endpoint-name') + 1] === r.capture.endpointName, `${name}: the proxy's --endpoint-name is not the capture service's endpoint`);
    set('--listen', String(proxyPort));
    set('--upstream', `http://127.0.0.1:${(model.address() as AddressInfo).port}`);
    set('--sink', serviceUrl);
    proxy = start(args, 'proxy');
    await waitHealthy(`http://127.0.0.1:${proxyPort}/capture-proxy/healthz`, proxy);
    for (let i = 0; i < PER_PATH; i++) {
      const id = `proxy-${i}`;
      const row = rowOf(random, features.length);
      const res = await fetch(`http://127.0.0.1:${proxyPort}/v1/models/m:predict`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify({ instances: [row] }),
      });
      const body = await res.json() as { predictions: number[] };
      check(res.status === 200 && Math.abs(body.predictions[0] - row[0] / 100) < 1e-12, `${name}: the proxy changed the answer (${res.status})`);
      ids.push(id);
    }
  }
  // 3b. As KServe's logger posts (also when the example renders only Rollouts: the same service takes both).
  for (let i = 0; i < PER_PATH; i++) {
    const id = `kserve-${i}`;
    const row = rowOf(random, features.length);
    const time = new Date().toISOString();
    const headers = (type: string) => ({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-type': type,
      'ce-source': 'http://localhost:9081/',
      'ce-time': time,
      'ce-inferenceservicename': r.capture.endpointName,
      'ce-namespace': r.namespace,
      'ce-component': 'predictor',
      'ce-endpoint': 'default',
    });
    // The response first for every third: the logger's workers send them in any order.
    const events = [
      { type: CE_REQUEST_TYPE, body: JSON.stringify({ instances: [row] }) },
      { type: CE_RESPONSE_TYPE, body: JSON.stringify({ predictions: [row[0] / 100] }) },
    ];
    for (const e of i % 3 === 0 ? events.reverse() : events) {
      const res = await fetch(serviceUrl, { method: 'POST', headers: headers(e.type), body: e.body });
      check(res.status === 202, `${name}: the capture service answered ${res.status} to a logger event`);
    }
    ids.push(id);
  }
  const expected = ids.filter((id) => sampled(id, r.capture.samplingPercent)).length;
  // The proxy posts after answering: wait until the service has every sampled pair.
  for (let i = 0; i < 200; i++) {
    const metrics = await (await fetch(`${serviceUrl}metrics`)).text();
    const records = Number(/cdk_mlops_capture_records_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    if (records >= expected) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  proxy?.kill('SIGKILL');
  model?.close();

  // 4. SIGTERM: the service writes what it holds and exits 0.
  service.kill('SIGTERM');
  const code = await exited(service);
  check(code === 0, `${name}: the capture service exited ${code} on SIGTERM (records left unwritten)`);
  const prefix = `${r.capture.capturePrefix === '' ? '' : `${r.capture.capturePrefix}/`}${r.capture.endpointName}/`;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: r.capture.captureBucket, Prefix: prefix }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!);
  const layout = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([A-Za-z0-9-]+)/\\d{4}/\\d\\d/\\d\\d/\\d\\d/\\d\\d-\\d\\d-\\d{3}-[0-9a-f-]{36}\\.jsonl$`);
  check(keys.length > 0 && keys.every((k) => layout.test(k)), `${name}: objects not in the SageMaker capture layout under ${prefix}: ${keys.join(', ')}`);
  const variants = [...new Set(keys.map((k) => layout.exec(k)![1]))].sort();
  const wantVariants = [...(r.proxyArgs ? ['primary'] : []), 'default'].sort();
  check(JSON.stringify(variants) === JSON.stringify(wantVariants), `${name}: variant folders ${variants.join(', ')}; want ${wantVariants.join(', ')}`);

  // 5. The drift CLI on the rendered config, as the CronJob runs it.
  const driftFile = path.join(work, `${r.capture.endpointName}-drift.json`);
  writeFileSync(driftFile, r.driftText);
  const windowEnd = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 2 * 60_000).toISOString();
  const { stdout } = await promisify(execFile)(process.execPath, [
    DRIFT_BUNDLE, '--config', driftFile, '--window-minutes', String(drift.windowMinutes), '--window-end', windowEnd,
  ], { maxBuffer: 16 * 1024 * 1024 });
  const metric = (metricName: string, labels: string): number => {
    const line = stdout.split('\n').find((l) => l.startsWith(`${metricName}{`) && l.includes(labels));
    check(line !== undefined, `${name}: the drift job printed no ${metricName}{${labels}}:\n${stdout}`);
    return Number(line!.slice(line!.lastIndexOf(' ') + 1));
  };
  const records = metric('cdk_mlops_drift_records_in_window', '');
  check(records === expected, `${name}: the drift job read ${records} records in its window; the capture sampled ${expected} of ${ids.length} inferences`);
  check(metric('cdk_mlops_drift_malformed_records', '') === 0, `${name}: the drift job found malformed records`);
  const psi = features.map((f) => metric('cdk_mlops_drift_psi', `feature="${f}"`));
  const prediction = metric('cdk_mlops_drift_psi', 'feature="__prediction__"');
  check(psi[0] > 0.2, `${name}: PSI of the shifted feature ${features[0]} is ${psi[0]}, not above 0.2`);
  features.slice(1).forEach((f, i) => check(psi[i + 1] < 0.1, `${name}: PSI of the unshifted feature ${f} is ${psi[i + 1]}, not below 0.1`));
  console.log(`capture-e2e: ${name}: ${ids.length} inferences (${r.proxyArgs ? 'proxy and ' : ''}KServe logger events), `
    + `${expected} sampled at ${r.capture.samplingPercent} %, ${keys.length} objects (${variants.join(', ')}); drift job: ${records} records, `
    + `PSI ${features.map((f, i) => `${f} ${psi[i].toFixed(3)}`).join(', ')}, predictions ${prediction.toFixed(3)}: ok`);
}

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: capture.emulator.ts <manifest.yaml>…');
    process.exit(2);
  }
  const s3 = new S3Client({ region: 'eu-west-1' });
  const work = mkdtempSync(path.join(tmpdir(), 'capture-e2e-'));
  try {
    for (const r of renderedCaptures(files)) {
      await runModel(r, s3, work);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`capture-e2e FAILED: ${e instanceof Failure ? e.message : e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
