/**
 * k8s.BatchScoring's shipped CLI (assets/batch-k8s/index.js, /opt/cdk-mlops/batch.js in the runtime
 * image) against moto's S3, run as the rendered WorkflowTemplate runs it: each step's command line
 * taken from the synthesized template, with Argo's placeholders substituted (the logical date, the
 * workflow uid, validate-input's output parameters for the commit) and the rendered ConfigMap as
 * `--config`. moto runs no scoring container: the scores (one line per input line) are written here
 * under the OUTPUT_URI the template gives the score step.
 *
 * Scenarios (issue 18, item 6):
 * a. a run commits the date: `_MANIFEST.json` lists the run's files, `_LINEAGE.json` beside them;
 * b. two re-runs replace the manifest; the replaced run stays, older runs are deleted;
 * c. a run that wrote fewer scores than records is refused at commit (exit 1) and a partition with no
 *    input fails validation (exit 1): the committed partition is byte for byte unchanged;
 * d. the backfill's plan writes the dates the loop expands;
 * e. with `championAlias` (as MlPlatformChart renders it), against the MLflow server from PyPI
 *    (scripts/requirements-mlflow-check.txt, the promotion check's): no registered model or no
 *    version with the alias fails validate-input (exit 1) before anything is scored; with `champion`
 *    on version 2 the score step's MODEL_VERSION / MODEL_SOURCE (substituted from validate-input's
 *    output parameters) and the committed manifest and lineage name version 2 and its source; after
 *    the alias moves to 3 the next run commits 3; a champion without lineage tags (which the promoter
 *    refuses) fails the run and leaves the partition unchanged.
 *
 * Run by scripts/batch-k8s-emulator.sh (bundles the runtime, starts moto_server on 127.0.0.1, gives
 * the MLflow binary as MLFLOW_BIN).
 */

import { strict as assert } from 'assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Testing } from 'cdk8s';
import { Lineage } from '../../lib/core/lineage';
import { BatchScoring, BatchScoringProps } from '../../lib/k8s/batch-scoring';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'assets', 'batch-k8s', 'index.js');
const MOTO = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(MOTO)) {
  console.error(`batch-k8s emulator: AWS_ENDPOINT_URL must be a loopback emulator; got ${JSON.stringify(MOTO)}. Run through scripts/batch-k8s-emulator.sh.`);
  process.exit(2);
}
const s3 = new S3Client({ region: 'eu-west-1', forcePathStyle: true });

/** What every rendering here shares: the scorer, the runtime image, the inputs and the owner. */
const COMMON = {
  inputUri: 's3://acme-data/events/',
  image: `registry.example.com/fraud/scorer@sha256:${'a'.repeat(64)}`,
  command: ['python', '-m', 'score'],
  runtimeImage: `registry.example.com/cdk-mlops/runtime@sha256:${'b'.repeat(64)}`,
  alarmOwnership: { owner: 'fraud-ml-oncall', runbookUrl: 'https://runbooks.example.com/fraud/batch' },
};

/** The rendered objects of one BatchScoring. */
function render(props: Omit<BatchScoringProps, keyof typeof COMMON>): any[] {
  const c = Testing.chart();
  new BatchScoring(c, 'Batch', { ...COMMON, ...props });
  return Testing.synth(c);
}

// The rendered objects.
const objects = render({ name: 'fraud-daily', outputUri: 's3://acme-scores/fraud/', modelVersion: '7', modelSource: 'models:/fraud/7' });
const run = objects.find((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === 'fraud-daily');
const backfill = objects.find((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === 'fraud-daily-backfill');
const tpl = (of: any, name: string) => of.spec.templates.find((t: any) => t.name === name);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-k8s-emulator-'));
const configFile = path.join(dir, 'config.json');
fs.writeFileSync(configFile, objects.find((o) => o.kind === 'ConfigMap').data['config.json']);

/** A step's command line as Argo runs it (placeholders substituted; the pod's paths mapped to `dir`). */
function commandLine(template: any, values: Record<string, string>): string[] {
  const c = template.container;
  assert.deepEqual(c.command, ['node', '/opt/cdk-mlops/batch.js']);
  return c.args.map((a: string) => {
    let out = a;
    for (const [k, v] of Object.entries(values)) out = out.replaceAll(`{{${k}}}`, v);
    assert.ok(!out.includes('{{'), `unresolved ${out}`);
    return out.replace('/etc/batch-scoring/config.json', configFile).replace(/^\/tmp\/outputs/, path.join(dir, 'outputs'));
  });
}

function cli(args: string[]): { status: number; out: any; stderr: string } {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', env: process.env });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { status: r.status ?? -1, out: line.startsWith('{') ? JSON.parse(line) : undefined, stderr: r.stderr };
}

async function text(bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf-8');
}
async function keys(bucket: string, prefix: string): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
}

const DATE = '2026-11-26';
const scoreEnv = Object.fromEntries(tpl(run, 'score').container.env.map((e: any) => [e.name, e.value]));

/** One run of the WorkflowTemplate for DATE; `scores` lines written by the "scoring container". */
async function runOnce(uid: string, scores = 3): Promise<{ validate: ReturnType<typeof cli>; commit?: ReturnType<typeof cli> }> {
  const values = { 'inputs.parameters.logical-date': DATE, 'workflow.uid': uid };
  fs.rmSync(path.join(dir, 'outputs'), { recursive: true, force: true });
  const validate = cli(commandLine(tpl(run, 'validate-input'), values));
  if (validate.status !== 0) return { validate };
  const output = scoreEnv.OUTPUT_URI.replaceAll('{{inputs.parameters.logical-date}}', DATE).replaceAll('{{workflow.uid}}', uid);
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(output)!;
  await s3.send(new PutObjectCommand({ Bucket: m[1], Key: `${m[2]}part-0.csv.out`, Body: Array.from({ length: scores }, (_, i) => `0.${i}`).join('\n') + '\n' }));
  const commit = cli(commandLine(tpl(run, 'commit'), {
    ...values,
    'inputs.parameters.input-records': fs.readFileSync(path.join(dir, 'outputs', 'input-records'), 'utf8'),
    'inputs.parameters.data-version': fs.readFileSync(path.join(dir, 'outputs', 'data-version'), 'utf8'),
  }));
  return { validate, commit };
}

// ------------------------------------------------------------------------------------------------
// e. championAlias against MLflow

const MLFLOW_BIN = process.env.MLFLOW_BIN ?? '';
let mlflowProc: ChildProcess | undefined;

async function startMlflow(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const log = fs.openSync(path.join(dir, 'mlflow.log'), 'w');
  // Its own process group, stopped with its workers however the test ends.
  mlflowProc = spawn(MLFLOW_BIN, ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
    '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`, '--default-artifact-root', path.join(dir, 'artifacts')],
  { stdio: ['ignore', log, log], detached: true });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (mlflowProc.exitCode !== null) throw new Error(`MLflow exited (${mlflowProc.exitCode}):\n${fs.readFileSync(path.join(dir, 'mlflow.log'), 'utf8').slice(-2000)}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) return url;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('MLflow did not answer /health within 180 s');
}

function stopMlflow(): void {
  if (mlflowProc?.pid !== undefined && mlflowProc.exitCode === null) {
    try {
      process.kill(-mlflowProc.pid, 'SIGTERM');
    } catch { /* gone */ }
  }
}

async function mlflowCall(url: string, p: string, body: unknown): Promise<any> {
  const res = await fetch(`${url}/api/2.0/mlflow${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text2 = await res.text();
  if (res.status !== 200) throw new Error(`MLflow POST ${p}: ${res.status} ${text2}`);
  return JSON.parse(text2);
}

/** championAlias on the registered model; the platform's rendering also gives the spec's version as the fallback. */
function championObjects(trackingUri: string, fallback?: { modelVersion: string; modelSource: string }) {
  const o = render({
    name: 'fraud-champion', outputUri: 's3://acme-scores/champion/', championAlias: { trackingUri, registeredModelName: 'acme-fraud' }, ...fallback,
  });
  return { wft: o.find((x) => x.kind === 'WorkflowTemplate' && x.metadata.name === 'fraud-champion'), config: o.find((x) => x.kind === 'ConfigMap').data['config.json'] };
}

async function championScenario(): Promise<void> {
  const url = await startMlflow();
  const version = (await (await fetch(`${url}/version`)).text()).trim();
  console.log(`batch-k8s emulator: MLflow ${version} on ${url}`);
  const manifestKey = `champion/date=${DATE}/_MANIFEST.json`;

  /** validate-input → the "scoring container" (given MODEL_VERSION as Argo substitutes it) → commit. */
  const runChampion = async (uid: string, rendered = championObjects(url)) => {
    const { wft, config } = rendered;
    const championConfig = path.join(dir, 'champion-config.json');
    fs.writeFileSync(championConfig, config);
    const envOf = (name: string) => tpl(wft, 'score').container.env.find((e: any) => e.name === name).value as string;
    const values: Record<string, string> = { 'inputs.parameters.logical-date': DATE, 'workflow.uid': uid };
    const line = (t: any, v: Record<string, string>) => commandLine(t, v).map((a) => (a === configFile ? championConfig : a));
    fs.rmSync(path.join(dir, 'outputs'), { recursive: true, force: true });
    const validate = cli(line(tpl(wft, 'validate-input'), values));
    if (validate.status !== 0) return { validate };
    const facts = Object.fromEntries(['input-records', 'data-version', 'model-version', 'model-source']
      .map((f) => [`inputs.parameters.${f}`, fs.readFileSync(path.join(dir, 'outputs', f), 'utf8')]));
    const subst = (v: string) => Object.entries({ ...values, ...facts }).reduce((acc, [k, x]) => acc.replaceAll(`{{${k}}}`, x), v);
    const scoredWith = { version: subst(envOf('MODEL_VERSION')), source: subst(envOf('MODEL_SOURCE')) };
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(subst(envOf('OUTPUT_URI')))!;
    await s3.send(new PutObjectCommand({ Bucket: m[1], Key: `${m[2]}part-0.csv.out`, Body: '0.1\n0.2\n0.3\n' }));
    const commit = cli(line(tpl(wft, 'commit'), { ...values, ...facts }));
    return { validate, scoredWith, commit };
  };

  // No registered model yet, then a model with no alias: refused before scoring.
  const none = await runChampion('uid-ch0');
  assert.equal(none.validate.status, 1, none.validate.stderr);
  assert.match(none.validate.stderr, /no model version carries the alias "champion" of MLflow registered model "acme-fraud"/);
  await mlflowCall(url, '/registered-models/create', { name: 'acme-fraud' });
  const tags = Lineage.metadataKeys().map((key) => ({ key, value: `${key.split(':').pop()}-value` }));
  const src = (n: number) => `s3://acme-models/fraud/${n}/`;
  for (const n of [1, 2, 3]) await mlflowCall(url, '/model-versions/create', { name: 'acme-fraud', source: src(n), tags });
  await mlflowCall(url, '/model-versions/create', { name: 'acme-fraud', source: src(4), tags: [] });
  const noAlias = await runChampion('uid-ch1');
  assert.equal(noAlias.validate.status, 1, noAlias.validate.stderr);
  assert.match(noAlias.validate.stderr, /no model version carries the alias/);
  assert.deepEqual(await keys('acme-scores', 'champion/'), []);
  console.log('batch-k8s emulator: championAlias: no registered model, then no version with the alias, fails validate-input (exit 1), nothing scored: ok');

  // As the platform renders it (the spec's version as the fallback): before the first promotion, that version is scored and committed.
  const first = await runChampion('uid-ch1b', championObjects(url, { modelVersion: '1', modelSource: src(1) }));
  assert.equal(first.validate.status, 0, first.validate.stderr);
  assert.deepEqual(first.scoredWith, { version: '1', source: src(1) });
  assert.equal(first.commit!.status, 0, first.commit!.stderr);
  assert.equal(JSON.parse(await text('acme-scores', manifestKey)).modelVersion, '1');
  console.log('batch-k8s emulator: championAlias with the spec\'s version as fallback: no version with the alias scores and commits version 1: ok');

  // champion → 2: scored and committed with 2.
  const approve = (v: string) => mlflowCall(url, '/registered-models/alias', { name: 'acme-fraud', alias: 'champion', version: v });
  await approve('2');
  const two = await runChampion('uid-ch2');
  assert.equal(two.validate.status, 0, two.validate.stderr);
  assert.deepEqual(two.scoredWith, { version: '2', source: src(2) });
  assert.equal(two.commit!.status, 0, two.commit!.stderr);
  const m2 = JSON.parse(await text('acme-scores', manifestKey));
  assert.equal(m2.modelVersion, '2');
  assert.equal(m2.modelSource, src(2));
  assert.match(await text('acme-scores', `champion/date=${DATE}/run=uid-ch2/_LINEAGE.json`), /"modelVersion": "2"/);

  // The alias moves (a promotion): the next run scores with 3.
  await approve('3');
  const three = await runChampion('uid-ch3');
  assert.equal(three.commit!.status, 0, three.commit!.stderr);
  assert.deepEqual(three.scoredWith, { version: '3', source: src(3) });
  assert.equal(JSON.parse(await text('acme-scores', manifestKey)).modelVersion, '3');
  console.log('batch-k8s emulator: championAlias: the run scores and commits the champion (2), the next run after the alias moves 3: ok');

  // A champion the promoter refuses (no lineage tags): the run fails, the partition stays 3's.
  await approve('4');
  const before = await text('acme-scores', manifestKey);
  const four = await runChampion('uid-ch4');
  assert.equal(four.validate.status, 1, four.validate.stderr);
  assert.match(four.validate.stderr, /version 4, which lacks lineage tags/);
  assert.equal(await text('acme-scores', manifestKey), before);
  console.log('batch-k8s emulator: championAlias: a champion without lineage tags fails the run, the partition unchanged: ok');
}

async function main(): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: 'acme-data', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  await s3.send(new CreateBucketCommand({ Bucket: 'acme-scores', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  await s3.send(new PutObjectCommand({ Bucket: 'acme-data', Key: `events/date=${DATE}/part-0.csv`, Body: 'a,1\nb,2\nc,3\n' }));
  const manifestKey = `fraud/date=${DATE}/_MANIFEST.json`;

  // a.
  const a = await runOnce('uid-a');
  assert.equal(a.validate.status, 0, a.validate.stderr);
  assert.equal(a.commit!.status, 0, a.commit!.stderr);
  const m1 = JSON.parse(await text('acme-scores', manifestKey));
  assert.deepEqual(m1.files, [`s3://acme-scores/fraud/date=${DATE}/run=uid-a/part-0.csv.out`]);
  assert.equal(m1.modelVersion, '7');
  assert.equal(m1.inputRecords, 3);
  assert.match(await text('acme-scores', `fraud/date=${DATE}/run=uid-a/_LINEAGE.json`), /"dataVersion": "[0-9a-f]{64}"/);
  console.log('batch-k8s emulator: a run commits the date (manifest lists the run\'s files, lineage beside them): ok');

  // b.
  assert.equal((await runOnce('uid-b')).commit!.status, 0);
  assert.equal((await runOnce('uid-c')).commit!.status, 0);
  const m3 = JSON.parse(await text('acme-scores', manifestKey));
  assert.equal(m3.runId, 'uid-c');
  const runs = [...new Set((await keys('acme-scores', `fraud/date=${DATE}/run=`)).map((k) => /run=([^/]+)\//.exec(k)![1]))];
  assert.deepEqual(runs, ['uid-b', 'uid-c']);
  console.log('batch-k8s emulator: re-runs replace the partition; the replaced run stays, older ones are deleted: ok');

  // c.
  const before = await text('acme-scores', manifestKey);
  const short = await runOnce('uid-d', 2);
  assert.equal(short.commit!.status, 1, short.commit!.stderr);
  assert.match(short.commit!.stderr, /wrote 2 record\(s\).*for 3 input record\(s\)/);
  assert.equal(await text('acme-scores', manifestKey), before);
  const empty = cli(commandLine(tpl(run, 'validate-input'), { 'inputs.parameters.logical-date': '2026-11-25', 'workflow.uid': 'uid-e' }));
  assert.equal(empty.status, 1, empty.stderr);
  assert.match(empty.stderr, /has no files/);
  console.log('batch-k8s emulator: a short run is refused at commit and an empty date at validation (exit 1), the partition unchanged: ok');

  // d.
  const planArgs = commandLine(tpl(backfill, 'plan'), { 'workflow.parameters.from': '2026-11-20', 'workflow.parameters.to': '2026-11-26' });
  const plan = cli(planArgs);
  assert.equal(plan.status, 0, plan.stderr);
  const dates = JSON.parse(fs.readFileSync(planArgs[planArgs.indexOf('--output') + 1], 'utf8'));
  assert.deepEqual(dates, ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26']);
  console.log('batch-k8s emulator: the backfill plan gives 2026-11-20..2026-11-26, 7 dates: ok');

  // e.
  await championScenario();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopMlflow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
if (!fs.existsSync(MLFLOW_BIN)) {
  console.error(`batch-k8s emulator: MLFLOW_BIN must be the mlflow of the pinned venv; got ${JSON.stringify(MLFLOW_BIN)}. Run through scripts/batch-k8s-emulator.sh.`);
  process.exit(2);
}
main().then(stopMlflow, (e) => {
  stopMlflow();
  console.error(e);
  process.exit(1);
});
