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
 * d. the backfill's plan writes the dates the loop expands.
 *
 * Run by scripts/batch-k8s-emulator.sh (bundles the runtime, starts moto_server on 127.0.0.1).
 */

import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Testing } from 'cdk8s';
import { BatchScoring } from '../../lib/k8s/batch-scoring';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'assets', 'batch-k8s', 'index.js');
const MOTO = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(MOTO)) {
  console.error(`batch-k8s emulator: AWS_ENDPOINT_URL must be a loopback emulator; got ${JSON.stringify(MOTO)}. Run through scripts/batch-k8s-emulator.sh.`);
  process.exit(2);
}
const s3 = new S3Client({ region: 'eu-west-1', forcePathStyle: true });

// The rendered objects.
const chart = Testing.chart();
new BatchScoring(chart, 'Batch', {
  name: 'fraud-daily',
  inputUri: 's3://acme-data/events/',
  outputUri: 's3://acme-scores/fraud/',
  image: `registry.example.com/fraud/scorer@sha256:${'a'.repeat(64)}`,
  command: ['python', '-m', 'score'],
  modelVersion: '7',
  modelSource: 'models:/fraud/7',
  runtimeImage: `registry.example.com/cdk-mlops/runtime@sha256:${'b'.repeat(64)}`,
  alarmOwnership: { owner: 'fraud-ml-oncall', runbookUrl: 'https://runbooks.example.com/fraud/batch' },
});
const objects = Testing.synth(chart);
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
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
