import { describe, expect, it } from 'vitest';
import { BatchConfig, BatchDeps, ModelPackageApi, configFromEnv, resolveLogicalDate, runStep } from '../../lib/runtime/batch/aws-handler';
import { BatchRunError, MemoryObjectStore, readPartition } from '../../lib/runtime/batch/partition';

const PREFIX = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/';
const CONFIG: BatchConfig = {
  inputUri: 's3://data/events/',
  outputUri: 's3://scores/fraud/',
  minRecords: 2,
  maxConcurrency: 3,
  modelPackageGroup: 'fraud',
  modelPackageArnPrefix: PREFIX,
};

function models(versions: Record<string, string>): ModelPackageApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    latestApproved: async (group) => {
      calls.push(`list ${group}`);
      const approved = Object.entries(versions).filter(([, s]) => s === 'Approved').map(([v]) => Number(v)).sort((a, b) => b - a);
      return approved.length > 0 ? `${PREFIX}${approved[0]}` : undefined;
    },
    describe: async (arn) => {
      calls.push(`describe ${arn}`);
      const v = arn.slice(PREFIX.length);
      if (!(v in versions)) throw new Error(`ValidationException: ${arn} does not exist`);
      return { ModelPackageArn: arn, ModelApprovalStatus: versions[v] };
    },
  };
}

function deps(store = new MemoryObjectStore(), registry = models({ 1: 'Approved', 2: 'Approved', 3: 'PendingManualApproval' })): BatchDeps & { store: MemoryObjectStore } {
  return { store, models: registry, now: () => new Date('2026-11-27T03:05:00Z') };
}

describe('validate step', () => {
  it('resolves the date from the scheduled time (the day before), the latest Approved version, and returns the run prefix', async () => {
    const d = deps();
    await d.store.put('s3://data/events/date=2026-11-26/a.csv', '1,2\n3,4\n', 'text/csv');

    const out = await runStep({ step: 'validate', logicalDate: '', scheduledTime: '2026-11-27T03:00:00Z', modelVersion: 'latest', runId: 'abc123' }, CONFIG, d);

    expect(out).toEqual({
      LogicalDate: '2026-11-26',
      InputUri: 's3://data/events/date=2026-11-26/',
      RunUri: 's3://scores/fraud/date=2026-11-26/run=abc123/',
      InputRecords: 2,
      DataVersion: expect.stringMatching(/^[0-9a-f]{64}$/),
      ModelPackageArn: `${PREFIX}2`,
      ModelVersion: '2',
    });
  });

  it('a pinned version must be Approved', async () => {
    const d = deps();
    await d.store.put('s3://data/events/date=2026-11-26/a.csv', '1\n2\n', 'text/csv');
    const event = { step: 'validate', logicalDate: '2026-11-26', runId: 'r1' };
    expect((await runStep({ ...event, modelVersion: '1' }, CONFIG, d)).ModelPackageArn).toBe(`${PREFIX}1`);
    await expect(runStep({ ...event, modelVersion: '3' }, CONFIG, d)).rejects.toThrow('model version 3 of fraud is PendingManualApproval, not Approved');
    await expect(runStep({ ...event, modelVersion: 'v3' }, CONFIG, d)).rejects.toThrow('ModelVersion "v3" must be a version number or "latest"');
  });

  it('no Approved version, too few records: refused', async () => {
    const d = deps(new MemoryObjectStore(), models({ 1: 'Rejected' }));
    await d.store.put('s3://data/events/date=2026-11-26/a.csv', '1\n2\n', 'text/csv');
    await expect(runStep({ step: 'validate', logicalDate: '2026-11-26', runId: 'r1' }, CONFIG, d)).rejects.toThrow('fraud has no Approved version');
    await expect(runStep({ step: 'validate', logicalDate: '2026-11-25', runId: 'r1' }, CONFIG, deps())).rejects.toThrow(BatchRunError);
  });

  it.each([
    [{ logicalDate: '2026-02-03', scheduledTime: '2026-11-27T03:00:00Z' }, '2026-02-03'],
    [{ logicalDate: '', scheduledTime: '2026-03-01T03:00:00Z' }, '2026-02-28'],
    [{ logicalDate: '', scheduledTime: '', startedAt: '2026-01-01T10:00:00.000Z' }, '2025-12-31'],
    [{}, '2026-11-26'],
  ])('the logical date of %j is %s', (event, date) => {
    expect(resolveLogicalDate(event, () => new Date('2026-11-27T03:05:00Z'))).toBe(date);
  });

  it('a LogicalDate that is not a date is refused', () => {
    expect(() => resolveLogicalDate({ logicalDate: '2026-02-30' })).toThrow('LogicalDate "2026-02-30" must be a calendar date');
  });
});

describe('commit step', () => {
  it('commits what validate found (numbers arrive as pipeline values: strings are accepted)', async () => {
    const d = deps();
    await d.store.put('s3://data/events/date=2026-11-26/a.csv', '1\n2\n', 'text/csv');
    const v = await runStep({ step: 'validate', logicalDate: '2026-11-26', runId: 'r1' }, CONFIG, d);
    await d.store.put(`${v.RunUri}a.csv.out`, '0.1\n0.9\n', 'text/csv');

    const out = await runStep({
      step: 'commit',
      logicalDate: '2026-11-26',
      runId: 'r1',
      modelVersion: String(v.ModelVersion),
      modelSource: String(v.ModelPackageArn),
      inputRecords: String(v.InputRecords),
      dataVersion: String(v.DataVersion),
    }, CONFIG, d);

    expect(out).toEqual({ ManifestUri: 's3://scores/fraud/date=2026-11-26/_MANIFEST.json', OutputRecords: 2, ReplacedRunId: '', DeletedRuns: '' });
    const manifest = await readPartition(d.store, CONFIG, '2026-11-26');
    expect(manifest).toMatchObject({ runId: 'r1', modelVersion: '2', modelSource: `${PREFIX}2`, committedAt: '2026-11-27T03:05:00.000Z' });
  });
});

describe('backfill steps', () => {
  it('plan: the dates of the range, at the configured concurrency; refuses a reversed range', async () => {
    expect(await runStep({ step: 'plan', from: '2026-02-27', to: '2026-03-02' }, CONFIG, deps()))
      .toEqual({ dates: ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'], maxConcurrency: 3 });
    await expect(runStep({ step: 'plan', from: '2026-03-02', to: '2026-02-27' }, CONFIG, deps())).rejects.toThrow('must not be before');
  });

  it('report: fails naming the dates that did not succeed', async () => {
    const results = [
      { date: '2026-01-01', status: 'Succeeded' },
      { date: '2026-01-02', status: 'Failed', executionArn: 'arn:x' },
      { date: '2026-01-03', status: 'NotStarted' },
    ];
    await expect(runStep({ step: 'report', results }, CONFIG, deps()))
      .rejects.toThrow('backfill: 2 of 3 date(s) did not succeed: 2026-01-02 (Failed arn:x), 2026-01-03 (NotStarted)');
    expect(await runStep({ step: 'report', results: [results[0]] }, CONFIG, deps())).toEqual({ succeeded: ['2026-01-01'] });
  });

  it('an unknown step is an error', async () => {
    await expect(runStep({ step: 'score' }, CONFIG, deps())).rejects.toThrow('unknown step "score"');
  });
});

describe('configFromEnv', () => {
  it('names every missing or bad variable', () => {
    expect(() => configFromEnv({ MIN_RECORDS: '0', INPUT_URI: 's3://a/' }))
      .toThrow('batch scoring configuration: OUTPUT_URI must be set; MIN_RECORDS must be a whole number above 0; got "0"; MODEL_PACKAGE_GROUP must be set; MODEL_PACKAGE_ARN_PREFIX must be set');
  });
});
