import { BatchScoringSpec } from './spec';

/**
 * Where batch scoring reads and writes, and how a re-run replaces a partition atomically. S3 has no
 * rename, but a single PUT is atomic: a run writes its files under its own prefix
 * `<outputUri>date=D/run=<runId>/`, validates them, then writes `<outputUri>date=D/_MANIFEST.json`
 * (one object) naming them. The manifest IS the partition: readers read the files it lists, so a
 * re-run (or a backfill of D) switches every reader from the old run's files to the new run's at
 * once, and a failed run changes nothing. Runs older than the one the manifest replaced are deleted
 * by the commit; the replaced run's files stay until the next commit (a reader that took the old
 * manifest can finish).
 */

/** The partition key of inputs and outputs (Hive style: `date=YYYY-MM-DD/`). */
export const BATCH_PARTITION_KEY = 'date';
/** The manifest's key inside a partition. */
export const BATCH_MANIFEST_FILE = '_MANIFEST.json';
/** The lineage file's key inside a run's prefix. */
export const BATCH_LINEAGE_FILE = '_LINEAGE.json';
/** The manifest's format version. */
export const BATCH_MANIFEST_VERSION = 1;
/** Defaults of `BatchScoringSpec`. */
export const DEFAULT_BATCH_HOUR_UTC = 3;
export const DEFAULT_BATCH_CONTENT_TYPE = 'text/csv';
export const DEFAULT_BATCH_MIN_RECORDS = 1;
export const DEFAULT_BATCH_MAX_CONCURRENCY = 2;
export const MAX_BATCH_CONCURRENCY = 10;
/** The longest backfill range, dates (one year and a day). */
export const MAX_BACKFILL_DATES = 366;
/** The content types a batch input may have (one record per line). */
export const BATCH_CONTENT_TYPES: string[] = ['text/csv', 'application/jsonlines'];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `date` is a real calendar date written YYYY-MM-DD. */
export function isLogicalDate(date: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === date;
}

function assertDate(date: string, what = 'logical date'): void {
  if (!isLogicalDate(date)) throw new Error(`${what} "${date}" must be a calendar date written YYYY-MM-DD`);
}

function assertPrefix(uri: string, what: string): void {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(\S+\/)?$/.test(uri)) throw new Error(`${what} "${uri}" must be s3://bucket/prefix/ (ending in "/")`);
}

/** The logical date a run scheduled at `scheduledTime` scores: the UTC day before it. */
export function logicalDateOf(scheduledTime: string | Date): string {
  const t = typeof scheduledTime === 'string' ? new Date(scheduledTime) : scheduledTime;
  if (Number.isNaN(t.getTime())) throw new Error(`scheduled time "${String(scheduledTime)}" is not a time`);
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  return new Date(day - 86_400_000).toISOString().slice(0, 10);
}

/** `<inputUri>date=D/`: the files a run for D scores. */
export function inputPartitionUri(spec: Pick<BatchScoringSpec, 'inputUri'>, date: string): string {
  assertPrefix(spec.inputUri, 'inputUri');
  assertDate(date);
  return `${spec.inputUri}${BATCH_PARTITION_KEY}=${date}/`;
}

/** `<outputUri>date=D/`: the partition (its manifest and its runs). */
export function outputPartitionUri(spec: Pick<BatchScoringSpec, 'outputUri'>, date: string): string {
  assertPrefix(spec.outputUri, 'outputUri');
  assertDate(date);
  return `${spec.outputUri}${BATCH_PARTITION_KEY}=${date}/`;
}

/** `<outputUri>date=D/run=<runId>/`: where one run writes (never read until its manifest is committed). */
export function runOutputUri(spec: Pick<BatchScoringSpec, 'outputUri'>, date: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`run id "${runId}" must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  return `${outputPartitionUri(spec, date)}run=${runId}/`;
}

/** `<outputUri>date=D/_MANIFEST.json`: the commit point of D. */
export function manifestUri(spec: Pick<BatchScoringSpec, 'outputUri'>, date: string): string {
  return `${outputPartitionUri(spec, date)}${BATCH_MANIFEST_FILE}`;
}

/** A backfill: the dates to score, oldest first, and how many at once. */
export interface BackfillPlan {
  /** Every date from `from` to `to`, inclusive, oldest first. */
  readonly dates: string[];
  /** Dates scored at once (a sliding window: the next starts when one ends). */
  readonly maxConcurrency: number;
}

/**
 * The plan of a backfill from `from` to `to` (inclusive). Each date is an ordinary run (the same
 * validation and commit), so re-running a backfill, or a range that overlaps a scheduled run,
 * replaces partitions and never duplicates them.
 */
export function backfillPlan(from: string, to: string, maxConcurrency: number = DEFAULT_BATCH_MAX_CONCURRENCY): BackfillPlan {
  assertDate(from, 'from');
  assertDate(to, 'to');
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > MAX_BATCH_CONCURRENCY) {
    throw new Error(`maxConcurrency ${maxConcurrency} must be a whole number from 1 to ${MAX_BATCH_CONCURRENCY}`);
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new Error(`to (${to}) must not be before from (${from})`);
  const count = Math.round((end - start) / 86_400_000) + 1;
  if (count > MAX_BACKFILL_DATES) throw new Error(`a backfill covers at most ${MAX_BACKFILL_DATES} dates; ${from} to ${to} is ${count}`);
  const dates = Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
  return { dates, maxConcurrency };
}

/**
 * The run prefixes a commit of `committedRunId` deletes: every run of the partition except the one
 * committed and the one its manifest replaces (`previousRunId`, kept for readers of the old manifest).
 */
export function runsToDelete(runIds: string[], committedRunId: string, previousRunId: string | undefined): string[] {
  return runIds.filter((r) => r !== committedRunId && r !== previousRunId).sort();
}
