/**
 * The drift job's batch input: scored partitions of batch scoring (`core/batch/layout.ts`) instead
 * of data capture. For each logical date of the window (`batchDatesIn`), the job reads the
 * partition's `_MANIFEST.json` and then exactly the files it lists: a run's output is never found by
 * listing, so a run that has not committed (still scoring, failed, or replaced) is never read. The
 * only listing is of the manifest's own key (`ListObjectsV2` with the key as prefix), which tells
 * "not committed yet" from "access denied" (a GetObject of a missing key answers 403 without
 * `s3:ListBucket`), and can be granted on the manifests' keys alone.
 *
 * The scored records are what SageMaker Batch Transform writes with `JoinSource: Input`
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataProcessing.html), one per line:
 * - `text/csv`: the input record's columns, in the order of `featureNames`, then the prediction
 *   (one column);
 * - `application/jsonlines`: the input object with the prediction under `SageMakerOutput` (a number,
 *   a string, a one-element list or `{"predictions": [x]}`), or `{"SageMakerInput": [...],
 *   "SageMakerOutput": …}` for an input that is a list (features by position).
 *
 * A line that cannot be read is counted under a reason (`CaptureCounters`, the capture reader's
 * reasons) and skipped; a manifest that is not one (or lists files outside its run) throws.
 */

// The AWS SDK is bundled into the assets by esbuild (scripts/bundle-runtime.ts).
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CaptureCounters, CaptureData, Cell, NumberColumn, Skip, StringColumn, isObject, newColumn, splitCsvLine, toCell,
} from './capture';
import { BATCH_INPUT_KEY, DEFAULT_BATCH_PREDICTION_KEY, MAX_BATCH_DRIFT_DELAY_MINUTES, batchDatesIn } from '../../core/batch/drift-source';
import { BATCH_CONTENT_TYPES, BATCH_MANIFEST_VERSION, manifestUri, outputPartitionUri } from '../../core/batch/layout';
import { DriftColumnKind } from '../../core/drift';

/** Where the scored partitions are and how their records read. */
export interface BatchSourceConfig {
  /** The scoring's output, `s3://bucket/prefix/` (`BatchScoringSpec.outputUri`). */
  readonly outputUri: string;
  /** `text/csv` or `application/jsonlines` (`BATCH_CONTENT_TYPES`). */
  readonly contentType: string;
  /** Minutes after the end of a date's day (UTC) when its partition is read (see `batchDatesIn`). */
  readonly delayMinutes: number;
  /**
   * JSON Lines: the key of the prediction.
   * @default 'SageMakerOutput'
   */
  readonly predictionKey?: string;
}

/** What to read from scored records. */
export interface BatchRecordOptions {
  /** `text/csv` or `application/jsonlines`. */
  readonly contentType: string;
  /** The features: CSV columns in order (the prediction follows), JSON keys. */
  readonly featureNames: readonly string[];
  /** Kinds of the features to collect (others are required in the row, not collected). */
  readonly featureKinds: ReadonlyMap<string, DriftColumnKind>;
  /**
   * Kind of the predictions.
   * @default - predictions are not collected (the CSV column must still be there)
   */
  readonly predictionKind?: DriftColumnKind;
  /**
   * JSON Lines: the prediction's key.
   * @default 'SageMakerOutput'
   */
  readonly predictionKey?: string;
}

/**
 * Reads scored records line by line (`addLine`, or `add` for a whole file), then hands out the
 * columns (`result`) in the capture reader's shape, so the PSI is computed by the same code.
 * `records` and `rows` are both the lines read (one record per line).
 */
export class BatchRecordReader {
  private readonly columns: Array<NumberColumn | StringColumn | undefined>;
  private readonly predictions?: NumberColumn | StringColumn;
  private readonly counters: CaptureCounters = { records: 0, rows: 0, malformed: 0, skippedReasons: {} };
  private readonly json: boolean;

  constructor(private readonly options: BatchRecordOptions) {
    if (!BATCH_CONTENT_TYPES.includes(options.contentType)) {
      throw new Error(`batch content type ${JSON.stringify(options.contentType)} must be one of ${BATCH_CONTENT_TYPES.join(', ')}`);
    }
    this.json = options.contentType === 'application/jsonlines';
    this.columns = options.featureNames.map((name) => {
      const kind = options.featureKinds.get(name);
      return kind === undefined ? undefined : newColumn(kind);
    });
    if (options.predictionKind !== undefined) {
      this.predictions = newColumn(options.predictionKind);
    }
  }

  /** Read a whole file's text. Blank lines are ignored. */
  public add(text: string): void {
    for (const line of text.split('\n')) this.addLine(line);
  }

  /** Read one line (a trailing `\r` is dropped). Blank lines are ignored. */
  public addLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    try {
      // Every cell is checked before anything is stored, so a bad line leaves no trace.
      const { cells, prediction } = this.json ? this.jsonRow(line) : this.csvRow(line);
      cells.forEach((cell, i) => this.columns[i]?.push(cell));
      if (prediction !== undefined) this.predictions?.push(prediction);
      this.counters.records++;
      this.counters.rows++;
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      const reasons = this.counters.skippedReasons;
      reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
      this.counters.malformed++;
    }
  }

  /** The columns read so far (copies) and the counters. */
  public result(): CaptureData {
    const features = new Map<string, Float64Array | string[]>();
    this.options.featureNames.forEach((name, i) => {
      const column = this.columns[i];
      if (column !== undefined) features.set(name, column.values());
    });
    return {
      features,
      ...(this.predictions !== undefined ? { predictions: this.predictions.values() } : {}),
      counters: { ...this.counters, skippedReasons: { ...this.counters.skippedReasons } },
    };
  }

  private csvRow(line: string): { cells: Cell[]; prediction?: Cell } {
    const values = splitCsvLine(line);
    if (values.length !== this.options.featureNames.length + 1) throw new Skip('wrong-column-count');
    return { cells: this.checkCells(values.slice(0, -1)), prediction: this.predictionCell(values[values.length - 1]) };
  }

  private jsonRow(line: string): { cells: Cell[]; prediction?: Cell } {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Skip('invalid-json');
    }
    if (!isObject(record)) throw new Skip('invalid-json');
    const wrapped = record[BATCH_INPUT_KEY];
    let values: unknown[];
    if (Array.isArray(wrapped)) {
      if (wrapped.length !== this.options.featureNames.length) throw new Skip('wrong-column-count');
      values = wrapped;
    } else {
      values = this.options.featureNames.map((name) => {
        if (!Object.prototype.hasOwnProperty.call(record, name)) throw new Skip('missing-feature');
        return (record as Record<string, unknown>)[name];
      });
    }
    const cells = this.checkCells(values);
    if (this.predictions === undefined) return { cells };
    const key = this.options.predictionKey ?? DEFAULT_BATCH_PREDICTION_KEY;
    if (!Object.prototype.hasOwnProperty.call(record, key)) throw new Skip('invalid-prediction');
    return { cells, prediction: this.predictionCell(onePrediction(record[key])) };
  }

  private checkCells(values: unknown[]): Cell[] {
    return values.map((v, i) => {
      const column = this.columns[i];
      return column === undefined ? '' : toCell(v, column.kind, column.kind === DriftColumnKind.NUMERIC ? 'non-numeric-value' : 'invalid-category');
    });
  }

  private predictionCell(value: unknown): Cell | undefined {
    return this.predictions === undefined ? undefined : toCell(value, this.predictions.kind, 'invalid-prediction');
  }
}

/** One prediction: `x`, `[x]`, `{"predictions": [x]}` (items may be one-element lists); anything else is no prediction. */
function onePrediction(value: unknown): unknown {
  let v = isObject(value) && Array.isArray(value.predictions) ? value.predictions : value;
  while (Array.isArray(v)) {
    if (v.length !== 1) throw new Skip('invalid-prediction');
    v = v[0];
  }
  return v;
}

// ---------------------------------------------------------------------------------------------

/** What the batch input of one range held. */
export interface BatchReadResult {
  /** The columns and counters (as capture). */
  readonly data: CaptureData;
  /** Files read (the manifests' `files`; manifests not counted). */
  readonly objectsRead: number;
  /** Dates of the range whose partition was committed and read, oldest first. */
  readonly datesRead: string[];
  /** Dates of the range with no manifest (not committed), oldest first. */
  readonly datesMissing: string[];
}

/** The range and the columns to read. */
export interface BatchReadOptions extends Omit<BatchRecordOptions, 'contentType' | 'predictionKey'> {
  /** Range start: dates whose settle point is after it. */
  readonly start: Date;
  /** Range end: dates whose settle point is at or before it. */
  readonly end: Date;
}

/** Files read at the same time. */
const READ_CONCURRENCY = 8;

/**
 * Read the committed partitions of the dates `batchDatesIn(start, end, source.delayMinutes)`: per
 * date the manifest (a missing one: the date is in `datesMissing`), then its files, streamed line
 * by line. Throws for a manifest that is not a version-1 manifest of its date, one listing a file
 * outside its own run prefix, and for S3 errors.
 */
export async function readBatchRange(s3: S3Client, source: BatchSourceConfig, options: BatchReadOptions): Promise<BatchReadResult> {
  const reader = new BatchRecordReader({ ...options, contentType: source.contentType, predictionKey: source.predictionKey });
  const datesRead: string[] = [];
  const datesMissing: string[] = [];
  const files: S3Location[] = [];
  for (const date of batchDatesIn(options.start, options.end, source.delayMinutes)) {
    const manifest = await readManifest(s3, source.outputUri, date);
    if (manifest === undefined) {
      datesMissing.push(date);
    } else {
      datesRead.push(date);
      files.push(...manifest);
    }
  }
  for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
    await Promise.all(files.slice(i, i + READ_CONCURRENCY).map((f) => streamLines(s3, f, (line) => reader.addLine(line))));
  }
  return { data: reader.result(), objectsRead: files.length, datesRead, datesMissing };
}

/** Problems of a batch source's settings (for the job's configuration check). */
export function batchSourceProblems(source: BatchSourceConfig): Array<{ property: string; value: unknown; allowed: string }> {
  const out: Array<{ property: string; value: unknown; allowed: string }> = [];
  try {
    outputPartitionUri(source, '2000-01-01');
  } catch {
    out.push({ property: 'batch.outputUri', value: source.outputUri, allowed: 'must be s3://bucket/prefix/ (ending in "/")' });
  }
  if (!BATCH_CONTENT_TYPES.includes(source.contentType)) {
    out.push({ property: 'batch.contentType', value: source.contentType, allowed: `must be one of ${BATCH_CONTENT_TYPES.join(', ')}` });
  }
  if (!Number.isInteger(source.delayMinutes) || source.delayMinutes < 0 || source.delayMinutes > MAX_BATCH_DRIFT_DELAY_MINUTES) {
    out.push({ property: 'batch.delayMinutes', value: source.delayMinutes, allowed: `must be a whole number of minutes from 0 to ${MAX_BATCH_DRIFT_DELAY_MINUTES}` });
  }
  if (source.predictionKey !== undefined && (typeof source.predictionKey !== 'string' || source.predictionKey === '')) {
    out.push({ property: 'batch.predictionKey', value: source.predictionKey, allowed: 'must be a non-empty string' });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

function locationOf(uri: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`${uri} is not an s3://bucket/key URI`);
  return { bucket: m[1], key: m[2] };
}

/** The files of the committed partition of `date`, or undefined when it has no manifest. */
async function readManifest(s3: S3Client, outputUri: string, date: string): Promise<S3Location[] | undefined> {
  const uri = manifestUri({ outputUri }, date);
  const { bucket, key } = locationOf(uri);
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
  if (!(listing.Contents ?? []).some((o) => o.Key === key)) return undefined;
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (res.Body === undefined) throw new Error(`${uri} has no body`);
  return manifestFiles(await res.Body.transformToString('utf-8'), uri, outputPartitionUri({ outputUri }, date), date);
}

/**
 * The files a manifest lists, after checking it: version 1, of `date`, its run prefix
 * `<partition>run=<id>/`, every file under that prefix (never the partition's other runs).
 */
export function manifestFiles(text: string, uri: string, partitionUri: string, date: string): S3Location[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${uri} is not JSON`);
  }
  if (!isObject(doc) || doc.version !== BATCH_MANIFEST_VERSION) {
    throw new Error(`${uri} is not a batch manifest of version ${BATCH_MANIFEST_VERSION}`);
  }
  if (doc.logicalDate !== date) {
    throw new Error(`${uri} is the manifest of ${JSON.stringify(doc.logicalDate)}, not of ${date}`);
  }
  const runUri = doc.runUri;
  if (typeof runUri !== 'string' || !runUri.startsWith(`${partitionUri}run=`) || !/^run=[^/]+\/$/.test(runUri.slice(partitionUri.length))) {
    throw new Error(`${uri}: runUri ${JSON.stringify(runUri)} must be ${partitionUri}run=<runId>/`);
  }
  const files = doc.files;
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) {
    throw new Error(`${uri}: files must be a list of s3:// URIs`);
  }
  const outside = files.filter((f: string) => !f.startsWith(runUri) || f.endsWith('/'));
  if (outside.length > 0) {
    throw new Error(`${uri}: files must be objects under the run's prefix ${runUri}; got ${outside.join(', ')}`);
  }
  return files.map((f: string) => locationOf(f));
}

/** Calls `onLine` for every line of an object, streamed (a scored file can be larger than memory allows as one string). */
async function streamLines(s3: S3Client, { bucket, key }: S3Location, onLine: (line: string) => void): Promise<void> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = res.Body as unknown;
  if (body === undefined || body === null) throw new Error(`s3://${bucket}/${key} has no body`);
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  const take = (text: string) => {
    carry += text;
    const lines = carry.split('\n');
    carry = lines.pop()!;
    lines.forEach(onLine);
  };
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      take(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    }
    take(decoder.decode());
  } else {
    take(await (body as { transformToString(encoding: string): Promise<string> }).transformToString('utf-8'));
  }
  onLine(carry);
}
