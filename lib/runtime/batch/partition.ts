/**
 * The steps of a batch scoring run that both targets execute (aws.BatchScoring's Lambda steps,
 * k8s.BatchScoring's workflow steps), over an `ObjectStore` (S3 in the cloud, MinIO or memory in tests):
 *
 * 1. `validateInput`: the input partition of the logical date exists and holds at least `minRecords`
 *    records; its data version is a hash of its listing.
 * 2. (the target scores the input into `runOutputUri(spec, date, runId)`: never the partition itself)
 * 3. `commitRun`: the run wrote as many records as it read (one score per line), the input did not
 *    change meanwhile; then `_LINEAGE.json` beside the run's files, then `_MANIFEST.json` (one PUT: the
 *    commit), then runs older than the replaced one are deleted.
 *
 * Readers read a partition with `readPartition` (the manifest's files), never by listing the prefix.
 * A run that fails before its manifest PUT leaves the partition as it was.
 */

import { createHash } from 'crypto';
import {
  BATCH_LINEAGE_FILE, BATCH_MANIFEST_VERSION, DEFAULT_BATCH_MIN_RECORDS,
  inputPartitionUri, manifestUri, outputPartitionUri, runOutputUri, runsToDelete,
} from '../../core/batch/layout';
import { BatchLineage, BatchManifest, BatchScoringSpec } from '../../core/batch/spec';

/** One object of a listing. */
export interface StoredObject {
  /** `s3://bucket/key`. */
  readonly uri: string;
  /** Bytes. */
  readonly size: number;
  /** The object's ETag, without quotes. */
  readonly etag: string;
}

/** The object storage a run reads and writes (S3: `S3ObjectStore`). URIs are `s3://bucket/key`. */
export interface ObjectStore {
  /** Every object whose URI starts with `prefixUri` (recursively), in URI order. */
  list(prefixUri: string): Promise<StoredObject[]>;
  /** An object's text; `undefined` when there is no such object. */
  getText(uri: string): Promise<string | undefined>;
  /** An object's bytes as a stream of chunks (throws when there is no such object). */
  getStream(uri: string): Promise<AsyncIterable<Uint8Array>>;
  /** Write an object (one PUT: readers see the old or the new object, never a part). */
  put(uri: string, body: string, contentType: string): Promise<void>;
  /** Delete objects (missing ones are not an error). */
  delete(uris: string[]): Promise<void>;
}

/** A failure the run reports as its own (bad input, a refused commit), not an infrastructure error. */
export class BatchRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchRunError';
  }
}

/** What `validateInput` found. */
export interface ValidatedInput {
  /** `<inputUri>date=D/`. */
  readonly inputPartitionUri: string;
  /** The partition's files (directory markers left out), in URI order. */
  readonly files: StoredObject[];
  /** Records: lines with something other than white space, over every file. */
  readonly records: number;
  /** sha256 (hex) over the files' (key relative to the partition, size, ETag), sorted by key. */
  readonly dataVersion: string;
}

/**
 * Check the input partition of `date`: it must hold at least `spec.minRecords` records. Throws a
 * `BatchRunError` naming the partition and the counts otherwise (nothing is scored or replaced).
 */
export async function validateInput(
  store: ObjectStore, spec: Pick<BatchScoringSpec, 'inputUri' | 'minRecords'>, date: string,
): Promise<ValidatedInput> {
  const prefix = inputPartitionUri(spec, date);
  const files = await listFiles(store, prefix);
  const minRecords = spec.minRecords ?? DEFAULT_BATCH_MIN_RECORDS;
  if (files.length === 0) {
    throw new BatchRunError(`input partition ${prefix} has no files; at least ${minRecords} record(s) are required`);
  }
  let records = 0;
  for (const f of files) {
    records += await countRecords(store, f.uri);
  }
  if (records < minRecords) {
    throw new BatchRunError(`input partition ${prefix} has ${records} record(s) in ${files.length} file(s); at least ${minRecords} are required`);
  }
  return { inputPartitionUri: prefix, files, records, dataVersion: dataVersionOf(prefix, files) };
}

/** What `commitRun` needs to know about the run. */
export interface CommitRunOptions {
  /** The logical date, YYYY-MM-DD. */
  readonly date: string;
  /** The run (its output is under `runOutputUri(spec, date, runId)`). */
  readonly runId: string;
  /** The model version scored with. */
  readonly modelVersion: string;
  /** The model package ARN or model URI. */
  readonly modelSource: string;
  /** From `validateInput` (only these two fields are needed, so they can travel between steps). */
  readonly input: Pick<ValidatedInput, 'records' | 'dataVersion'>;
  /**
   * The clock (for `committedAt`).
   * @default - the current time
   */
  readonly now?: () => Date;
}

/** What `commitRun` did. */
export interface CommitResult {
  /** The manifest written (the partition's content now). */
  readonly manifest: BatchManifest;
  /** Where it was written. */
  readonly manifestUri: string;
  /** The run the manifest replaced, if any. */
  readonly replacedRunId?: string;
  /** Run ids whose files were deleted. */
  readonly deletedRuns: string[];
}

/**
 * Commit a run's output as the partition of `options.date`. Refuses (throws `BatchRunError`, the
 * partition unchanged) when the run wrote no files, when it wrote a different number of records
 * than the input holds, or when the input changed since `validateInput`. Otherwise writes the
 * lineage, then the manifest (the commit), then deletes every other run of the partition except
 * the one the manifest replaced. Committing the same run again rewrites its manifest and deletes nothing;
 * so does a commit whose manifest another run's commit has already replaced (concurrent runs of a date).
 */
export async function commitRun(
  store: ObjectStore, spec: Pick<BatchScoringSpec, 'inputUri' | 'outputUri'>, options: CommitRunOptions,
): Promise<CommitResult> {
  const { date, runId } = options;
  const runUri = runOutputUri(spec, date, runId);
  const lineageUri = `${runUri}${BATCH_LINEAGE_FILE}`;
  const outputs = (await listFiles(store, runUri)).filter((f) => f.uri !== lineageUri);
  if (outputs.length === 0) {
    throw new BatchRunError(`run ${runId} wrote no files under ${runUri}; the partition of ${date} is unchanged`);
  }
  let outputRecords = 0;
  for (const f of outputs) {
    outputRecords += await countRecords(store, f.uri);
  }
  if (outputRecords !== options.input.records) {
    throw new BatchRunError(
      `run ${runId} wrote ${outputRecords} record(s) under ${runUri} for ${options.input.records} input record(s); ` +
      `the partition of ${date} is unchanged`);
  }
  const inputPrefix = inputPartitionUri(spec, date);
  const dataVersion = dataVersionOf(inputPrefix, await listFiles(store, inputPrefix));
  if (dataVersion !== options.input.dataVersion) {
    throw new BatchRunError(
      `input partition ${inputPrefix} changed during run ${runId} (data version ${options.input.dataVersion} at validation, ` +
      `${dataVersion} now); the partition of ${date} is unchanged: run it again`);
  }

  const lineage: BatchLineage = {
    logicalDate: date,
    runId,
    modelVersion: options.modelVersion,
    modelSource: options.modelSource,
    inputPartitionUri: inputPrefix,
    dataVersion,
    inputRecords: options.input.records,
    outputRecords,
    committedAt: (options.now ?? (() => new Date()))().toISOString(),
  };
  const manifest: BatchManifest = { version: BATCH_MANIFEST_VERSION, ...lineage, runUri, files: outputs.map((f) => f.uri) };
  const target = manifestUri(spec, date);
  const previous = await readManifestAt(store, target);
  await store.put(lineageUri, `${JSON.stringify(lineage, undefined, 2)}\n`, 'application/json');
  await store.put(target, `${JSON.stringify(manifest, undefined, 2)}\n`, 'application/json');

  // A repeated commit of the same run (a retried step) does not know which run its first commit
  // replaced: deleting nothing keeps that run for readers of the older manifest.
  if (previous?.runId === runId) {
    return { manifest, manifestUri: target, replacedRunId: runId, deletedRuns: [] };
  }
  const partition = outputPartitionUri(spec, date);
  const byRun = new Map<string, string[]>();
  for (const o of await store.list(`${partition}run=`)) {
    const id = /^run=([^/]+)\//.exec(o.uri.slice(partition.length))?.[1];
    if (id !== undefined) byRun.set(id, [...(byRun.get(id) ?? []), o.uri]);
  }
  // Another run of the date may have committed since our PUT: its manifest is the partition now, so
  // deleting by our view could remove the files it names. Only the current manifest's owner cleans up.
  const current = await readManifestAt(store, target);
  if (current?.runId !== runId) {
    return { manifest, manifestUri: target, ...(previous ? { replacedRunId: previous.runId } : {}), deletedRuns: [] };
  }
  const deletedRuns = runsToDelete([...byRun.keys()], runId, previous?.runId);
  const doomed = deletedRuns.flatMap((id) => byRun.get(id) ?? []);
  if (doomed.length > 0) await store.delete(doomed);
  return { manifest, manifestUri: target, ...(previous ? { replacedRunId: previous.runId } : {}), deletedRuns };
}

/**
 * The committed content of a partition: its manifest, or `undefined` when the date was never
 * committed. Read the manifest's `files`, never a listing of the prefix (it holds uncommitted runs).
 */
export async function readPartition(store: ObjectStore, spec: Pick<BatchScoringSpec, 'outputUri'>, date: string): Promise<BatchManifest | undefined> {
  return readManifestAt(store, manifestUri(spec, date));
}

/** Parse and check a manifest's text (throws naming what is wrong). */
export function parseManifest(text: string, uri = 'manifest'): BatchManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new Error(`${uri} is not JSON`);
  }
  const o = m as Record<string, unknown>;
  if (typeof m !== 'object' || m === null || o.version !== BATCH_MANIFEST_VERSION) {
    throw new Error(`${uri} is not a batch manifest of version ${BATCH_MANIFEST_VERSION}`);
  }
  const strings = ['logicalDate', 'runId', 'modelVersion', 'modelSource', 'inputPartitionUri', 'dataVersion', 'committedAt', 'runUri'];
  const bad = [
    ...strings.filter((k) => typeof o[k] !== 'string'),
    ...['inputRecords', 'outputRecords'].filter((k) => !Number.isInteger(o[k])),
    ...(Array.isArray(o.files) && o.files.every((f) => typeof f === 'string') ? [] : ['files']),
  ];
  if (bad.length > 0) throw new Error(`${uri}: missing or invalid ${bad.join(', ')}`);
  return m as BatchManifest;
}

/** Records of one object: lines holding something other than white space (how `SplitType: Line` splits). */
export async function countRecords(store: ObjectStore, uri: string): Promise<number> {
  let count = 0;
  let content = false;
  for await (const chunk of await store.getStream(uri)) {
    for (const byte of chunk) {
      if (byte === 0x0a) {
        if (content) count++;
        content = false;
      } else if (byte !== 0x0d && byte !== 0x20 && byte !== 0x09) {
        content = true;
      }
    }
  }
  return content ? count + 1 : count;
}

/** The data version of a listing under `prefix`: sha256 over (relative key, size, ETag) lines, sorted by key. */
export function dataVersionOf(prefix: string, files: readonly StoredObject[]): string {
  const lines = files
    .map((f) => `${f.uri.slice(prefix.length)}\t${f.size}\t${f.etag.replace(/"/g, '')}\n`)
    .sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}

async function listFiles(store: ObjectStore, prefix: string): Promise<StoredObject[]> {
  // Keys ending in "/" are folder markers of consoles and tools, not data.
  return (await store.list(prefix)).filter((o) => o.uri.startsWith(prefix) && !o.uri.endsWith('/'));
}

async function readManifestAt(store: ObjectStore, uri: string): Promise<BatchManifest | undefined> {
  const text = await store.getText(uri);
  return text === undefined ? undefined : parseManifest(text, uri);
}

/** `s3://bucket/key` → bucket and key. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`"${uri}" is not an s3://bucket/key URI`);
  return { bucket: m[1], key: m[2] };
}

/**
 * An object store in memory (tests, dry runs). `onChange` is called after every PUT and delete,
 * so a test can read the partition between the steps of a commit.
 */
export class MemoryObjectStore implements ObjectStore {
  public readonly objects = new Map<string, { body: Uint8Array; contentType: string; etag: string }>();
  public onChange?: (op: string) => Promise<void> | void;

  public async list(prefixUri: string): Promise<StoredObject[]> {
    return [...this.objects.entries()]
      .filter(([uri]) => uri.startsWith(prefixUri))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([uri, o]) => ({ uri, size: o.body.length, etag: o.etag }));
  }

  public async getText(uri: string): Promise<string | undefined> {
    const o = this.objects.get(uri);
    return o === undefined ? undefined : Buffer.from(o.body).toString('utf8');
  }

  public async getStream(uri: string): Promise<AsyncIterable<Uint8Array>> {
    const o = this.objects.get(uri);
    if (o === undefined) throw new Error(`${uri}: no such object`);
    const body = o.body;
    return (async function* chunks() {
      // Small chunks, so a line split across chunks is exercised.
      for (let i = 0; i < body.length; i += 7) yield body.subarray(i, i + 7);
    })();
  }

  public async put(uri: string, body: string, contentType: string): Promise<void> {
    parseS3Uri(uri);
    const bytes = Buffer.from(body, 'utf8');
    this.objects.set(uri, { body: bytes, contentType, etag: createHash('md5').update(bytes).digest('hex') });
    await this.onChange?.(`put ${uri}`);
  }

  public async delete(uris: string[]): Promise<void> {
    for (const uri of uris) this.objects.delete(uri);
    await this.onChange?.(`delete ${uris.length}`);
  }
}
