import { describe, expect, it } from 'vitest';
import { manifestUri, runOutputUri } from '../../lib/core/batch/layout';
import {
  BatchRunError, MemoryObjectStore, commitRun, countRecords, dataVersionOf, parseManifest, readPartition, validateInput,
} from '../../lib/runtime/batch/partition';

const spec = { name: 'fraud-daily', inputUri: 's3://data/events/', outputUri: 's3://scores/fraud/', minRecords: 2 };
const DATE = '2026-11-26';
const IN = `s3://data/events/date=${DATE}/`;
const OUT = `s3://scores/fraud/date=${DATE}/`;
const clock = () => new Date('2026-11-27T03:10:00Z');

function lines(n: number, prefix = 'x'): string {
  return Array.from({ length: n }, (_, i) => `${prefix}${i},1.5`).join('\n') + '\n';
}

async function givenInput(store: MemoryObjectStore, records = 3): Promise<void> {
  await store.put(`${IN}part-0.csv`, lines(records - 1), 'text/csv');
  await store.put(`${IN}part-1.csv`, 'last,2\n\n', 'text/csv');
}

/** What a transform job would write for a run: one output line per input line. */
async function givenRunOutput(store: MemoryObjectStore, runId: string, records = 3, score = '0.5'): Promise<void> {
  const prefix = runOutputUri(spec, DATE, runId);
  await store.put(`${prefix}part-0.csv.out`, Array.from({ length: records - 1 }, () => score).join('\n') + '\n', 'text/csv');
  await store.put(`${prefix}part-1.csv.out`, `${score}\n`, 'text/csv');
}

async function run(store: MemoryObjectStore, runId: string, modelVersion = '3') {
  const input = await validateInput(store, spec, DATE);
  await givenRunOutput(store, runId, input.records, `score-${runId}`);
  return commitRun(store, spec, { date: DATE, runId, modelVersion, modelSource: `arn:model-package/fraud/${modelVersion}`, input, now: clock });
}

describe('validateInput', () => {
  it('counts records over the partition\'s files (blank lines are not records) and hashes its listing', async () => {
    const store = new MemoryObjectStore();
    await givenInput(store, 3);
    await store.put('s3://data/events/date=2026-11-25/other.csv', lines(9), 'text/csv');
    await store.put(`${IN}`, '', 'application/x-directory');

    const input = await validateInput(store, spec, DATE);

    expect(input.inputPartitionUri).toBe(IN);
    expect(input.files.map((f) => f.uri)).toEqual([`${IN}part-0.csv`, `${IN}part-1.csv`]);
    expect(input.records).toBe(3);
    expect(input.dataVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(input.dataVersion).toBe(dataVersionOf(IN, [...input.files].reverse()));
  });

  it('gives another data version when a file changes, the same when only the bucket differs', async () => {
    const files = [{ uri: `${IN}a.csv`, size: 10, etag: '"abc"' }];
    const moved = [{ uri: 's3://copy/events/date=2026-11-26/a.csv', size: 10, etag: 'abc' }];
    const changed = [{ uri: `${IN}a.csv`, size: 10, etag: 'abd' }];
    expect(dataVersionOf(IN, files)).toBe(dataVersionOf('s3://copy/events/date=2026-11-26/', moved));
    expect(dataVersionOf(IN, files)).not.toBe(dataVersionOf(IN, changed));
  });

  it('throws below minRecords, and for a missing partition, naming the partition and the counts', async () => {
    const store = new MemoryObjectStore();
    await expect(validateInput(store, spec, DATE)).rejects.toThrow(`input partition ${IN} has no files; at least 2 record(s) are required`);
    await store.put(`${IN}part-0.csv`, '\n one \n\n', 'text/csv');
    await expect(validateInput(store, spec, DATE)).rejects.toThrow(BatchRunError);
    await expect(validateInput(store, spec, DATE)).rejects.toThrow(`input partition ${IN} has 1 record(s) in 1 file(s); at least 2 are required`);
  });

  it('counts a last line without a newline, CRLF lines, and lines split across chunks', async () => {
    const store = new MemoryObjectStore();
    await store.put('s3://b/k', 'aaaaaaaaaaaaaaaaaa\r\nb\r\n\r\n   \ncccccccccccccc', 'text/csv');
    expect(await countRecords(store, 's3://b/k')).toBe(3);
  });
});

describe('commitRun', () => {
  it('writes the lineage beside the run and the manifest as the partition', async () => {
    const store = new MemoryObjectStore();
    await givenInput(store);

    const result = await run(store, 'exec-1');

    const runUri = `${OUT}run=exec-1/`;
    expect(result.manifestUri).toBe(`${OUT}_MANIFEST.json`);
    expect(result.replacedRunId).toBeUndefined();
    const lineage = JSON.parse((await store.getText(`${runUri}_LINEAGE.json`))!);
    expect(lineage).toEqual({
      logicalDate: DATE,
      runId: 'exec-1',
      modelVersion: '3',
      modelSource: 'arn:model-package/fraud/3',
      inputPartitionUri: IN,
      dataVersion: (await validateInput(store, spec, DATE)).dataVersion,
      inputRecords: 3,
      outputRecords: 3,
      committedAt: '2026-11-27T03:10:00.000Z',
    });
    const manifest = await readPartition(store, spec, DATE);
    expect(manifest).toEqual({ version: 1, ...lineage, runUri, files: [`${runUri}part-0.csv.out`, `${runUri}part-1.csv.out`] });
    expect(store.objects.get(manifestUri(spec, DATE))!.contentType).toBe('application/json');
  });

  it('re-run: replaces the manifest in one PUT; a reader sees the old run\'s files or the new run\'s, never a mix', async () => {
    // GIVEN a committed run
    const store = new MemoryObjectStore();
    await givenInput(store);
    await run(store, 'exec-1');
    // WHEN a second run of the same date commits, reading the partition after every change of the store
    const seen: string[] = [];
    store.onChange = async () => {
      const m = await readPartition(store, spec, DATE);
      const runs = new Set(m!.files.map((f) => /run=([^/]+)\//.exec(f)![1]));
      expect(runs.size).toBe(1);
      expect(runs.has(m!.runId)).toBe(true);
      for (const f of m!.files) expect(store.objects.has(f)).toBe(true);
      // every file a reader got from the manifest still holds that run's scores
      for (const f of m!.files) expect(await store.getText(f)).toContain(`score-${m!.runId}`);
      seen.push(m!.runId);
    };
    const result = await run(store, 'exec-2', '4');
    // THEN readers switched from exec-1 to exec-2 exactly once
    expect(seen[0]).toBe('exec-1');
    expect(seen[seen.length - 1]).toBe('exec-2');
    expect(seen.indexOf('exec-2')).toBe(seen.lastIndexOf('exec-1') + 1);
    expect(result.replacedRunId).toBe('exec-1');
    expect((await readPartition(store, spec, DATE))!.modelVersion).toBe('4');
    // the replaced run stays (a reader of the old manifest can finish)
    expect(store.objects.has(`${OUT}run=exec-1/part-0.csv.out`)).toBe(true);
  });

  it('deletes runs older than the replaced one, and runs that never committed', async () => {
    const store = new MemoryObjectStore();
    await givenInput(store);
    await run(store, 'exec-1');
    await run(store, 'exec-2');
    await givenRunOutput(store, 'exec-failed', 1); // a run that died after its transform

    const result = await run(store, 'exec-3');

    expect(result.deletedRuns).toEqual(['exec-1', 'exec-failed']);
    const left = [...store.objects.keys()].filter((k) => k.startsWith(OUT)).map((k) => k.slice(OUT.length)).sort();
    expect(left).toEqual([
      '_MANIFEST.json',
      'run=exec-2/_LINEAGE.json', 'run=exec-2/part-0.csv.out', 'run=exec-2/part-1.csv.out',
      'run=exec-3/_LINEAGE.json', 'run=exec-3/part-0.csv.out', 'run=exec-3/part-1.csv.out',
    ]);
  });

  it('a repeated commit of the same run (a retried step) rewrites its manifest and deletes nothing', async () => {
    const store = new MemoryObjectStore();
    await givenInput(store);
    await run(store, 'exec-1');
    await run(store, 'exec-2');
    const input = await validateInput(store, spec, DATE);

    const again = await commitRun(store, spec, { date: DATE, runId: 'exec-2', modelVersion: '3', modelSource: 'm', input, now: clock });

    expect(again.deletedRuns).toEqual([]);
    expect(store.objects.has(`${OUT}run=exec-1/part-0.csv.out`)).toBe(true);
    expect((await readPartition(store, spec, DATE))!.files).toEqual([`${OUT}run=exec-2/part-0.csv.out`, `${OUT}run=exec-2/part-1.csv.out`]);
  });

  it('concurrent runs of a date: a commit whose manifest was replaced meanwhile deletes nothing (the files the partition names stay)', async () => {
    // GIVEN a committed run, and runs exec-2 and exec-3 scored
    const store = new MemoryObjectStore();
    await givenInput(store);
    await run(store, 'exec-1');
    const input = await validateInput(store, spec, DATE);
    await givenRunOutput(store, 'exec-2', 3, 'score-exec-2');
    await givenRunOutput(store, 'exec-3', 3, 'score-exec-3');
    // WHEN exec-3 commits right after exec-2's manifest PUT, before exec-2 cleans up
    let raced = false;
    store.onChange = async (op) => {
      if (!raced && op === `put ${manifestUri(spec, DATE)}`) {
        raced = true;
        store.onChange = undefined;
        await commitRun(store, spec, { date: DATE, runId: 'exec-3', modelVersion: '5', modelSource: 'm', input, now: clock });
      }
    };
    const late = await commitRun(store, spec, { date: DATE, runId: 'exec-2', modelVersion: '4', modelSource: 'm', input, now: clock });
    // THEN the partition is exec-3's and all its files exist
    expect(late.deletedRuns).toEqual([]);
    const m = (await readPartition(store, spec, DATE))!;
    expect(m.runId).toBe('exec-3');
    for (const f of m.files) expect(store.objects.has(f)).toBe(true);
  });

  it.each([
    ['wrote fewer records than it read', 2, undefined, 'run exec-2 wrote 2 record(s) under s3://scores/fraud/date=2026-11-26/run=exec-2/ for 3 input record(s)'],
    ['wrote no files', 0, undefined, 'run exec-2 wrote no files under'],
    ['read an input that changed since validation', 3, 'changed', 'changed during run exec-2'],
  ])('a run that %s is refused and leaves the partition unchanged', async (_what, written, change, message) => {
    // GIVEN a committed partition
    const store = new MemoryObjectStore();
    await givenInput(store);
    await run(store, 'exec-1');
    const before = new Map([...store.objects].filter(([k]) => !k.includes('run=exec-2/')));
    // WHEN a second run's commit is refused
    const input = await validateInput(store, spec, DATE);
    if (written > 0) await givenRunOutput(store, 'exec-2', written);
    if (change) await store.put(`${IN}late.csv`, 'late,1\n', 'text/csv');
    const commit = commitRun(store, spec, { date: DATE, runId: 'exec-2', modelVersion: '4', modelSource: 'm', input, now: clock });
    await expect(commit).rejects.toThrow(BatchRunError);
    await expect(commitRun(store, spec, { date: DATE, runId: 'exec-2', modelVersion: '4', modelSource: 'm', input, now: clock }))
      .rejects.toThrow(message);
    // THEN the manifest, the committed run and its lineage are as they were, and nothing was deleted
    const after = new Map([...store.objects].filter(([k]) => !k.includes('run=exec-2/') && !k.endsWith('late.csv')));
    expect(after).toEqual(before);
    expect(store.objects.has(`${OUT}run=exec-2/_LINEAGE.json`)).toBe(false);
    expect((await readPartition(store, spec, DATE))!.runId).toBe('exec-1');
  });
});

describe('readPartition / parseManifest', () => {
  it('is undefined for a date never committed', async () => {
    expect(await readPartition(new MemoryObjectStore(), spec, DATE)).toBeUndefined();
  });

  it.each([
    ['not json', '{', 'm is not JSON'],
    ['another version', '{"version":2}', 'm is not a batch manifest of version 1'],
    ['missing fields', '{"version":1,"runId":"r","files":[1]}', 'm: missing or invalid logicalDate, modelVersion'],
  ])('rejects a manifest that is %s', (_what, text, message) => {
    expect(() => parseManifest(text, 'm')).toThrow(message);
  });
});
