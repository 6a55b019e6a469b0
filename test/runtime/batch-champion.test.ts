import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inputPartitionUri } from '../../lib/core/batch/layout';
import { Lineage } from '../../lib/core/lineage';
import { ChampionConfig, resolveChampion } from '../../lib/runtime/batch/champion';
import { main, run } from '../../lib/runtime/batch/cli';
import { BatchRunError, MemoryObjectStore } from '../../lib/runtime/batch/partition';
import { MlflowClient } from '../../lib/runtime/k8s-promotion/clients';

/**
 * The alias resolution of `k8s.BatchScoring`'s validate-input step (championAlias) against a local
 * HTTP server answering as MLflow's REST API does (mlflow/server/handlers.py; the 400 and 404 bodies
 * as MLflow 3.17.2 answers them, seen by scripts/k8s-promotion-check.sh).
 */

interface Seen { readonly method: string; readonly url: string; readonly headers: http.IncomingHttpHeaders }

const LINEAGE_TAGS = Lineage.metadataKeys().map((key) => ({ key, value: 'x' }));
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const seen: Seen[] = [];
let server: http.Server;
let trackingUri: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  trackingUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen.length = 0;
});

const champion = (version: Record<string, unknown>) => {
  answer = { status: 200, body: { model_version: { name: 'acme-fraud', version: '12', source: 's3://acme-models/fraud/12/', status: 'READY', tags: LINEAGE_TAGS, ...version } } };
};
const config = (more: Partial<ChampionConfig> = {}): ChampionConfig => ({ trackingUri, registeredModelName: 'acme-fraud', requiredLineageKeys: Lineage.metadataKeys(), ...more });
const resolve = (more: Partial<ChampionConfig> = {}) => resolveChampion(config(more), new MlflowClient(trackingUri));

describe('resolveChampion (the batch run\'s model, MLflow alias)', () => {
  it('asks MLflow for the alias with one GET, no keep-alive, and returns the version and its source', async () => {
    champion({});
    expect(await resolve()).toEqual({ modelVersion: '12', modelSource: 's3://acme-models/fraud/12/' });
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('GET');
    const url = new URL(seen[0].url, trackingUri);
    expect(url.pathname).toBe('/api/2.0/mlflow/registered-models/alias');
    expect(Object.fromEntries(url.searchParams)).toEqual({ name: 'acme-fraud', alias: 'champion' });
    expect(seen[0].headers.connection).toBe('close');
  });

  it('asks for the configured alias', async () => {
    champion({});
    await resolve({ alias: 'prod' });
    expect(new URL(seen[0].url, trackingUri).searchParams.get('alias')).toBe('prod');
  });

  it.each([
    ['no version carries the alias (400, as MLflow answers)', 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' }],
    ['the registered model does not exist (404)', 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=acme-fraud not found' }],
  ])('refuses the run when %s: a BatchRunError naming the model and the alias', async (_, status, body) => {
    answer = { status, body };
    const e = await resolve().catch((x) => x);
    expect(e).toBeInstanceOf(BatchRunError);
    expect(e.message).toMatch(/no model version carries the alias "champion" of MLflow registered model "acme-fraud"/);
  });

  it('scores the fallback while no version carries the alias (before the first promotion), and the champion once one does', async () => {
    const fallback = { modelVersion: '7', modelSource: 's3://acme-models/fraud/7/' };
    answer = { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' } };
    expect(await resolve({ fallback })).toEqual(fallback);
    answer = { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=acme-fraud not found' } };
    expect(await resolve({ fallback })).toEqual(fallback);
    champion({});
    expect(await resolve({ fallback })).toEqual({ modelVersion: '12', modelSource: 's3://acme-models/fraud/12/' });
    // A champion the promoter refuses is not replaced by the fallback: the run fails.
    champion({ status: 'PENDING_REGISTRATION' });
    await expect(resolve({ fallback })).rejects.toThrow(/not READY/);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['is still being registered', { status: 'PENDING_REGISTRATION' }, /PENDING_REGISTRATION, not READY/],
    ['failed to register', { status: 'FAILED_REGISTRATION' }, /FAILED_REGISTRATION, not READY/],
    ['lacks lineage tags', { tags: LINEAGE_TAGS.slice(1) }, new RegExp(`lacks lineage tags ${Lineage.metadataKeys()[0]}`)],
    ['has an MLflow indirection as source', { source: 'runs:/abc/model' }, /source "runs:\/abc\/model" is not a storage URI/],
    ['has no source', { source: undefined }, /source "" is not a storage URI/],
    ['is no version number', { version: 'v2' }, /version "v2", not a version number/],
  ])('refuses a champion the promoter would not serve: one that %s', async (_, version, message) => {
    champion(version);
    const e = await resolve().catch((x) => x);
    expect(e).toBeInstanceOf(BatchRunError);
    expect(e.message).toMatch(message);
  });

  it('fails as an infrastructure error (not the run\'s) when MLflow answers 500', async () => {
    answer = { status: 500, body: { error_code: 'INTERNAL_ERROR' } };
    const e = await resolve().catch((x) => x);
    expect(e).not.toBeInstanceOf(BatchRunError);
    expect(e.message).toMatch(/MLflow registered-models\/alias answered 500/);
  });
});

describe('batch.js with a champion config', () => {
  const DATE = '2026-11-26';
  const spec = { name: 'acme-fraud-batch', inputUri: 's3://acme-data/events/', outputUri: 's3://acme-scores/fraud/' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-champion-'));
  const configFile = path.join(dir, 'config.json');

  it('validate-input writes the version and source as output parameters; exit 1 (the run failed) without the alias', async () => {
    fs.writeFileSync(configFile, JSON.stringify({ spec, champion: config() }));
    const store = new MemoryObjectStore();
    await store.put(`${inputPartitionUri(spec, DATE)}part-0.csv`, 'a\nb\n', 'text/csv');
    const out = path.join(dir, 'outputs');
    champion({ version: '4', source: 's3://acme-models/fraud/4/' });
    const args = ['validate-input', '--config', configFile, '--date', DATE, '--run-id', 'r1', '--output-dir', out];
    expect(await main(args, store, {})).toBe(0);
    expect(fs.readFileSync(path.join(out, 'model-version'), 'utf8')).toBe('4');
    expect(fs.readFileSync(path.join(out, 'model-source'), 'utf8')).toBe('s3://acme-models/fraud/4/');
    expect(fs.readFileSync(path.join(out, 'input-records'), 'utf8')).toBe('2');

    answer = { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' } };
    expect(await main(args, store, {})).toBe(1);
    answer = { status: 503, body: {} };
    expect(await main(args, store, {})).toBe(2);
  });

  it('sends MLFLOW_TRACKING_TOKEN as a bearer token', async () => {
    fs.writeFileSync(configFile, JSON.stringify({ spec, champion: config() }));
    const store = new MemoryObjectStore();
    await store.put(`${inputPartitionUri(spec, DATE)}part-0.csv`, 'a\n', 'text/csv');
    champion({});
    expect(await main(['validate-input', '--config', configFile, '--date', DATE, '--run-id', 'r1'], store, { MLFLOW_TRACKING_TOKEN: ' t0k ' })).toBe(0);
    expect(seen[0].headers.authorization).toBe('Bearer t0k');
  });

  it('commit refuses to run without the resolved model, or with half of it (usage, exit 2)', async () => {
    fs.writeFileSync(configFile, JSON.stringify({ spec, champion: config() }));
    const base = ['--config', configFile, '--date', DATE, '--run-id', 'r1', '--input-records', '2', '--data-version', 'd'];
    const store = new MemoryObjectStore();
    await expect(run('commit', base, store)).rejects.toThrow(/--model-version and --model-source \(validate-input's output\) are required/);
    await expect(run('commit', [...base, '--model-version', '4'], store)).rejects.toThrow(/go together/);
    expect(await main(['commit', ...base], store, {})).toBe(2);
    expect(store.objects.size).toBe(0);
  });

  it('refuses a config with a champion that names no tracking server', async () => {
    fs.writeFileSync(configFile, JSON.stringify({ spec, champion: { registeredModelName: 'acme-fraud' } }));
    expect(await main(['validate-input', '--config', configFile, '--date', DATE, '--run-id', 'r1'], new MemoryObjectStore(), {})).toBe(2);
  });
});
