/**
 * The platform's batch scoring, on both targets: the core spec out of a model's `batch` section and
 * the runbook's part (layout, schedule, re-run and backfill), the same text whichever target renders it.
 */

import { cell } from './runbook';
import {
  BATCH_LINEAGE_FILE,
  BATCH_MANIFEST_FILE,
  DEFAULT_BATCH_CONTENT_TYPE,
  DEFAULT_BATCH_HOUR_UTC,
  DEFAULT_BATCH_MAX_CONCURRENCY,
  DEFAULT_BATCH_MIN_RECORDS,
} from '../../core/batch/layout';
import { BatchScoringSpec } from '../../core/batch/spec';
import { PlatformBatchSpec } from '../../core/platform-spec';

/** The target-neutral BatchScoringSpec of a model's batch section (named `<platform>-<model>-batch`). */
export function batchSpecOf(name: string, b: PlatformBatchSpec): BatchScoringSpec {
  return {
    name,
    inputUri: b.inputUri,
    outputUri: b.outputUri,
    hourUtc: b.hourUtc,
    contentType: b.contentType,
    minRecords: b.minRecords,
    maxConcurrency: b.maxConcurrency,
  };
}

/** How a target runs batch scoring (the runbook's "how to act"). */
export interface BatchReading {
  /** What runs a date (a SageMaker pipeline, an Argo WorkflowTemplate), with its name. */
  readonly runner: string;
  /** The command re-running one date (with the placeholder date 2026-11-26). */
  readonly rerun: string;
  /** The command backfilling a range (2026-11-01 to 2026-11-26). */
  readonly backfill: string;
  /** What alerts on a failed run. */
  readonly alarm: string;
  /** Which model a run scores with, when the target says it here. */
  readonly model?: string;
}

/** The runbook's part on a model's batch scoring (Markdown lines). */
export function batchRunbook(spec: BatchScoringSpec, reading: BatchReading): string[] {
  const rows: Array<[string, string]> = [
    ['runs', `daily at ${String(spec.hourUtc ?? DEFAULT_BATCH_HOUR_UTC).padStart(2, '0')}:00 UTC, scoring the day before (its logical date): ${reading.runner}`],
    ['reads', `\`${spec.inputUri}date=YYYY-MM-DD/\` (${spec.contentType ?? DEFAULT_BATCH_CONTENT_TYPE}, one record per line; fewer than ${spec.minRecords ?? DEFAULT_BATCH_MIN_RECORDS} fails before scoring)`],
    ['writes', `\`${spec.outputUri}date=YYYY-MM-DD/run=<run id>/\`, then commits \`${spec.outputUri}date=YYYY-MM-DD/${BATCH_MANIFEST_FILE}\` (the partition: read the files it lists)`],
    ...(reading.model !== undefined ? [['model', reading.model] as [string, string]] : []),
    ['lineage', `\`${BATCH_LINEAGE_FILE}\` in the run's folder and the manifest: model version and source, input partition and its data version (sha256 of its files), records in and out`],
    ['fails on', reading.alarm],
  ];
  return [
    `### Batch scoring \`${spec.name}\``,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
    'A run validates its input, scores it into a folder of its own, checks that every input record has a score, and only then replaces the partition by writing its manifest (one object: readers see the old run or the new one, never a mix). ' +
      'A failed run changes nothing; the run the manifest replaced stays until the next commit.',
    '',
    `- Re-run a date (after fixing the data or the model): \`${reading.rerun}\`.`,
    `- Backfill a range (one run per date, ${spec.maxConcurrency ?? DEFAULT_BATCH_MAX_CONCURRENCY} at once): \`${reading.backfill}\`.`,
  ];
}
