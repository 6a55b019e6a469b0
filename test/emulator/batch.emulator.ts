/**
 * aws.BatchScoring's shipped handler (assets/batch/index.js) against moto's server: S3 (ListObjectsV2,
 * GetObject, PutObject with SSE-KMS, DeleteObjects), KMS (the key of the lineage and manifest, made with CreateKey) and
 * SageMaker's model registry (ListModelPackages filtered by approval and sorted, DescribeModelPackage,
 * on the JSON API the handler signs itself), all as moto implements them: nothing is stubbed. moto does
 * not run transform jobs, so the transform's output (one score line per input line, `<file>.out` under
 * the run prefix the validate step returned) is written here, as Batch Transform writes it.
 *
 * Scenarios (issue 18, item 5):
 * a. a scheduled run (the scheduled time 2026-11-27T03:00:00Z scores 2026-11-26 with the latest
 *    Approved version) commits the partition: `_MANIFEST.json` lists the run's files, `_LINEAGE.json`
 *    beside them records the model version and the data version, both SSE-KMS with the job's key;
 * b. a re-run of the date (another execution) replaces the manifest: readers now get the new run's
 *    files; the replaced run stays; a third run deletes the first;
 * c. a date with too few records fails validation, and a run that wrote fewer scores than records is
 *    refused at commit: the partition (manifest and files) is byte for byte unchanged;
 * d. a pinned version that is not Approved is refused; the backfill's plan gives the dates.
 *
 * Run by scripts/batch-emulator.sh, which bundles the runtime, starts `moto_server` on 127.0.0.1 and
 * passes its URL as AWS_ENDPOINT_URL. `BATCH_BUNDLE=<file>` runs another build of the handler.
 */

import { strict as assert } from 'assert';
import * as path from 'path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { awsJsonCall } from '../../lib/runtime/experiment/aws-state';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.resolve(process.env.BATCH_BUNDLE ?? path.join(ROOT, 'assets', 'batch', 'index.js'));

// Never run against real AWS: only a loopback emulator.
const MOTO = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(MOTO)) {
  console.error(`batch emulator: AWS_ENDPOINT_URL must be a loopback emulator (http://127.0.0.1:<port>); got ${JSON.stringify(MOTO)}. Run through scripts/batch-emulator.sh.`);
  process.exit(2);
}

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const GROUP = 'fraud';
const PACKAGE_PREFIX = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/`;
const s3 = new S3Client({ region: REGION, forcePathStyle: true });
const sagemaker = new SageMakerClient({ region: REGION });
/** KMS's CreateKey on its JSON API (TrentService), signed like the handler's registry calls: the package has no KMS client. */
async function createKey(): Promise<string> {
  const credentials = async () => ({ accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' });
  const answer = await awsJsonCall({ service: 'kms', targetPrefix: 'TrentService', region: REGION, endpoint: MOTO, credentials }, 'CreateKey', { Description: 'batch scoring' });
  return answer.KeyMetadata.Arn;
}

type Handler = (event: Record<string, unknown>) => Promise<Record<string, any>>;

async function text(bucket: string, key: string): Promise<string> {
  return ((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf-8'));
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function put(bucket: string, key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** What Batch Transform writes for a run: `<input file>.out`, one line per input line. */
async function transform(runUri: string, inputs: Record<string, number>, score: string): Promise<void> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(runUri)!;
  for (const [file, lines] of Object.entries(inputs)) {
    await put(m[1], `${m[2]}${file}.out`, Array.from({ length: lines }, () => score).join('\n') + '\n');
  }
}

async function main(): Promise<void> {
  // GIVEN the data set, the score bucket, the job's key and a group with versions 1, 2 Approved and 3 pending
  for (const Bucket of ['acme-data', 'acme-scores']) {
    await s3.send(new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  }
  const keyArn = await createKey();
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  for (const status of ['Approved', 'Approved', 'PendingManualApproval'] as const) {
    await sagemaker.send(new CreateModelPackageCommand({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: status,
      InferenceSpecification: {
        Containers: [{ Image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/fraud:1`, ModelDataUrl: 's3://acme-models/fraud/model.tar.gz' }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
    }));
  }
  await put('acme-data', 'events/date=2026-11-26/part-0.csv', '1,2\n3,4\n5,6\n');
  await put('acme-data', 'events/date=2026-11-26/part-1.csv', '7,8\n');
  await put('acme-data', 'events/date=2026-11-25/part-0.csv', '1,2\n');

  Object.assign(process.env, {
    INPUT_URI: 's3://acme-data/events/',
    OUTPUT_URI: 's3://acme-scores/fraud/',
    MIN_RECORDS: '2',
    MAX_CONCURRENCY: '2',
    MODEL_PACKAGE_GROUP: GROUP,
    MODEL_PACKAGE_ARN_PREFIX: PACKAGE_PREFIX,
    KMS_KEY_ID: keyArn,
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handler: Handler = require(BUNDLE).handler;
  const inputs: Record<string, number> = { 'part-0.csv': 3, 'part-1.csv': 1 };

  /** One run as the pipeline makes it: validate, the transform, commit. */
  const run = async (runId: string, event: Record<string, unknown>, written = inputs): Promise<Record<string, any>> => {
    const v = await handler({ step: 'validate', logicalDate: '', scheduledTime: '', startedAt: '', modelVersion: 'latest', runId, ...event });
    await transform(v.RunUri, written, `score-${runId}`);
    return handler({
      step: 'commit',
      logicalDate: v.LogicalDate,
      runId,
      modelVersion: v.ModelVersion,
      modelSource: v.ModelPackageArn,
      inputRecords: v.InputRecords,
      dataVersion: v.DataVersion,
    });
  };
  const PARTITION = 'fraud/date=2026-11-26/';
  const manifest = async () => JSON.parse(await text('acme-scores', `${PARTITION}_MANIFEST.json`));

  // a. the scheduled run
  const first = await run('exec1', { scheduledTime: '2026-11-27T03:00:00Z' });
  assert.deepEqual(first, { ManifestUri: `s3://acme-scores/${PARTITION}_MANIFEST.json`, OutputRecords: 4, ReplacedRunId: '', DeletedRuns: '' });
  const m1 = await manifest();
  assert.equal(m1.logicalDate, '2026-11-26');
  assert.equal(m1.modelVersion, '2', 'the latest Approved version (3 is pending)');
  assert.equal(m1.modelSource, `${PACKAGE_PREFIX}2`);
  assert.deepEqual(m1.files, [`s3://acme-scores/${PARTITION}run=exec1/part-0.csv.out`, `s3://acme-scores/${PARTITION}run=exec1/part-1.csv.out`]);
  assert.equal(m1.inputRecords, 4);
  assert.equal(m1.outputRecords, 4);
  const lineage = JSON.parse(await text('acme-scores', `${PARTITION}run=exec1/_LINEAGE.json`));
  assert.deepEqual(Object.keys(lineage).sort(), ['committedAt', 'dataVersion', 'inputPartitionUri', 'inputRecords', 'logicalDate', 'modelSource', 'modelVersion', 'outputRecords', 'runId']);
  assert.equal(lineage.dataVersion, m1.dataVersion);
  assert.match(lineage.dataVersion, /^[0-9a-f]{64}$/);
  for (const key of [`${PARTITION}_MANIFEST.json`, `${PARTITION}run=exec1/_LINEAGE.json`]) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'acme-scores', Key: key }));
    assert.equal(head.ServerSideEncryption, 'aws:kms', `${key} is SSE-KMS`);
    assert.equal(head.SSEKMSKeyId, keyArn, `${key} uses the job's key`);
  }
  console.log('batch emulator: a. a scheduled run committed the partition (manifest, lineage, SSE-KMS)');

  // b. re-runs replace the partition; the replaced run stays, older ones go
  const second = await run('exec2', { logicalDate: '2026-11-26', modelVersion: '1' });
  assert.equal(second.ReplacedRunId, 'exec1');
  const m2 = await manifest();
  assert.equal(m2.runId, 'exec2');
  assert.equal(m2.modelVersion, '1', 'a pinned Approved version');
  assert.ok(m2.files.every((f: string) => f.includes('/run=exec2/')), 'the manifest names the new run\'s files only');
  assert.equal(await text('acme-scores', `${PARTITION}run=exec2/part-0.csv.out`), 'score-exec2\nscore-exec2\nscore-exec2\n');
  assert.ok((await keys('acme-scores', `${PARTITION}run=exec1/`)).length > 0, 'the replaced run stays for readers of the old manifest');
  const third = await run('exec3', { logicalDate: '2026-11-26' });
  assert.equal(third.DeletedRuns, 'exec1');
  assert.deepEqual((await keys('acme-scores', PARTITION)).map((k) => k.slice(PARTITION.length)), [
    '_MANIFEST.json',
    'run=exec2/_LINEAGE.json', 'run=exec2/part-0.csv.out', 'run=exec2/part-1.csv.out',
    'run=exec3/_LINEAGE.json', 'run=exec3/part-0.csv.out', 'run=exec3/part-1.csv.out',
  ]);
  console.log('batch emulator: b. re-runs replaced the manifest; the replaced run stayed, the older one was deleted');

  // c. failures change nothing
  const before = await Promise.all((await keys('acme-scores', 'fraud/')).map(async (k) => [k, await text('acme-scores', k)]));
  await assert.rejects(handler({ step: 'validate', logicalDate: '2026-11-25', runId: 'exec4', modelVersion: 'latest' }),
    /input partition s3:\/\/acme-data\/events\/date=2026-11-25\/ has 1 record\(s\) in 1 file\(s\); at least 2 are required/);
  await assert.rejects(run('exec5', { logicalDate: '2026-11-26' }, { 'part-0.csv': 3 }),
    /run exec5 wrote 3 record\(s\) under s3:\/\/acme-scores\/fraud\/date=2026-11-26\/run=exec5\/ for 4 input record\(s\)/);
  const after = await Promise.all((await keys('acme-scores', 'fraud/')).filter((k) => !k.includes('/run=exec5/')).map(async (k) => [k, await text('acme-scores', k)]));
  assert.deepEqual(after, before, 'the partitions are unchanged (the refused run\'s files are left for the next commit to delete)');
  assert.equal((await manifest()).runId, 'exec3');
  assert.deepEqual(await keys('acme-scores', 'fraud/date=2026-11-25/'), [], 'a date that failed validation has no partition');
  console.log('batch emulator: c. too few records, and a short output, changed nothing');

  // d. a pending version is refused; the backfill plan
  await assert.rejects(handler({ step: 'validate', logicalDate: '2026-11-26', runId: 'exec6', modelVersion: '3' }),
    /model version 3 of fraud is PendingManualApproval, not Approved/);
  assert.deepEqual(await handler({ step: 'plan', from: '2026-11-24', to: '2026-11-26' }), { dates: ['2026-11-24', '2026-11-25', '2026-11-26'], maxConcurrency: 2 });
  console.log('batch emulator: d. a pending version was refused; the backfill plan gave the dates');
}

main().catch((e) => {
  console.error(`batch emulator: FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exit(1);
});
