/**
 * Batch scoring, target-neutral: a registered model version scores one partition of a data set per
 * logical date. `aws.BatchScoring` runs it as a SageMaker pipeline (validate input → Batch Transform →
 * validate output → commit), `k8s.BatchScoring` as an Argo CronWorkflow with the same steps. Both
 * write the same layout (`layout.ts`), so a re-run of a date replaces its partition atomically and a
 * backfill is the same run over a range of dates.
 */

/** A batch scoring job's spec (the parts both targets share). */
export interface BatchScoringSpec {
  /** Name: lowercase letters, digits and "-", 1–40 characters (pipeline, workflow and alarm names). */
  readonly name: string;
  /**
   * The data set: an `s3://bucket/prefix/` (ending in "/") holding one Hive-style partition per day,
   * `<inputUri>date=YYYY-MM-DD/` (the files of that day: CSV lines without a header, or JSON Lines).
   */
  readonly inputUri: string;
  /**
   * Where scores go: an `s3://bucket/prefix/` (ending in "/"); each logical date gets
   * `<outputUri>date=YYYY-MM-DD/` (see `BatchLayout`). Must not lie under `inputUri`.
   */
  readonly outputUri: string;
  /**
   * The hour (UTC) of the daily run; a run scores the previous day (the logical date is the day
   * before the scheduled time: that day's data is complete).
   * @default 3
   */
  readonly hourUtc?: number;
  /**
   * The input's content type (`text/csv` or `application/jsonlines`), one record per line.
   * @default 'text/csv'
   */
  readonly contentType?: string;
  /**
   * A partition with fewer records fails input validation (nothing is scored or replaced).
   * @default 1
   */
  readonly minRecords?: number;
  /**
   * Backfill: how many dates are scored at once (1–10).
   * @default 2
   */
  readonly maxConcurrency?: number;
}

/** The lineage written beside every scored partition (`_LINEAGE.json`) and in its manifest. */
export interface BatchLineage {
  /** The logical date scored, YYYY-MM-DD. */
  readonly logicalDate: string;
  /** The run that wrote it (a pipeline execution or workflow id; unique per run). */
  readonly runId: string;
  /** The model version scored with (registry version number). */
  readonly modelVersion: string;
  /** Where the model came from (a model package ARN or an MLflow model URI). */
  readonly modelSource: string;
  /** The input partition, `<inputUri>date=YYYY-MM-DD/`. */
  readonly inputPartitionUri: string;
  /** The data version: sha256 over the input partition's files (key, size, ETag), sorted by key. */
  readonly dataVersion: string;
  /** Records read and written. */
  readonly inputRecords: number;
  readonly outputRecords: number;
  /** When the run committed, ISO 8601 UTC. */
  readonly committedAt: string;
}

/** The manifest that makes a run's output the partition (one object, written last: the commit). */
export interface BatchManifest extends BatchLineage {
  /** Format version of the manifest. */
  readonly version: number;
  /** The run's output prefix, `<outputUri>date=YYYY-MM-DD/run=<runId>/`. */
  readonly runUri: string;
  /** The run's output files (full s3:// URIs), in key order. */
  readonly files: string[];
}
