/**
 * Lambda entry point of the drift job (bundled to assets/drift-job/index.js, handler `index.handler`),
 * started by an EventBridge schedule.
 *
 * Environment:
 * - `ENDPOINT_NAME`, `CAPTURE_BUCKET`, `CAPTURE_PREFIX` (may be empty: the bucket's root),
 *   `BASELINE_BUCKET`, `BASELINE_KEY`: required.
 * - `FEATURE_NAMES`: the model's input columns in order, comma-separated; required.
 * - `WINDOW_MINUTES`: window length, a whole number of minutes; default 60.
 * - `METRIC_NAMESPACE`: CloudWatch namespace; default `CdkMlops/Drift`.
 * - `REFERENCE`: `TRAINING` (default), `ROLLING_WINDOW` or `SAME_PERIOD_LAST_YEAR` (`core.DriftReference`).
 * - `REFERENCE_MINUTES`: length of the reference traffic, whole minutes (not with `TRAINING`);
 *   default 7 days (rolling) or 1 day (same period last year).
 * - `MIN_REFERENCE_VALUES`: values a column needs in the reference traffic; default 1000.
 * - `BATCH_OUTPUT_URI`: read batch scoring's committed partitions under this `s3://bucket/prefix/`
 *   instead of data capture (`ENDPOINT_NAME` then names the batch job; `CAPTURE_BUCKET` and
 *   `CAPTURE_PREFIX` must be unset). With it: `BATCH_CONTENT_TYPE` (`text/csv`, the default, or
 *   `application/jsonlines`), `BATCH_DELAY_MINUTES` (from the end of a date's day to reading its
 *   partition; default 720) and `BATCH_PREDICTION_KEY` (JSON Lines; default `SageMakerOutput`).
 *
 * The window is `[t - WINDOW_MINUTES, t)` where `t` is the scheduled event's `time` (so a late or
 * retried invocation reads the same window), or the current time when the event has none.
 */

// The AWS SDK is bundled into the asset (scripts/bundle-runtime.ts): the Lambda does not depend on the runtime's SDK version.
// eslint-disable-next-line import/no-extraneous-dependencies
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
// eslint-disable-next-line import/no-extraneous-dependencies
import { S3Client } from '@aws-sdk/client-s3';
import { BatchSourceConfig } from './batch';
import { DEFAULT_DRIFT_NAMESPACE, DriftJobConfig, DriftJobResult, runDriftJob } from './job';
import { DEFAULT_BATCH_DRIFT_DELAY_MINUTES } from '../../core/batch/drift-source';
import { DEFAULT_BATCH_CONTENT_TYPE } from '../../core/batch/layout';
import { DriftReference } from '../../core/drift-reference';

/** Default window length, in minutes (the default schedule is hourly). */
export const DEFAULT_WINDOW_MINUTES = 60;

/** The part of an EventBridge event the handler reads. */
export interface DriftJobEvent {
  /** The event's time (ISO 8601); for a scheduled event, the scheduled time. */
  readonly time?: string;
}

let clients: { s3: S3Client; cloudwatch: CloudWatchClient } | undefined;

/** Run the drift job for the window ending at the event's time; returns the result (also logged as one JSON line). */
export async function handler(event?: DriftJobEvent): Promise<DriftJobResult> {
  const end = windowEndOf(event);
  const config = configFromEnv(process.env, end);
  // Created once per container: later invocations reuse the connections.
  clients ??= { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}) };
  const result = await runDriftJob(config, clients);
  console.log(JSON.stringify({
    message: 'drift job done',
    endpointName: result.endpointName,
    windowStart: result.windowStart.toISOString(),
    windowEnd: result.windowEnd.toISOString(),
    objectsRead: result.objectsRead,
    ...result.counters,
    ...(result.reference !== undefined ? {
      reference: result.reference.kind,
      referenceStart: result.reference.start.toISOString(),
      referenceEnd: result.reference.end.toISOString(),
      referenceRecords: result.reference.records,
      referenceFallbackColumns: result.reference.fallbackColumns,
    } : {}),
    psi: Object.fromEntries([...result.features, ...(result.prediction ? [result.prediction] : [])].map((f) => [f.feature, f.psi])),
    datumsPublished: result.datumsPublished,
    ...(result.batch !== undefined ? { batchDatesRead: result.batch.datesRead, batchDatesMissing: result.batch.datesMissing } : {}),
  }));
  return result;
}

/**
 * The job's configuration from the Lambda's environment, for the window ending at `windowEnd`.
 * Throws an `Error` naming every missing or invalid variable.
 */
export function configFromEnv(env: Record<string, string | undefined>, windowEnd: Date): DriftJobConfig {
  const errors: string[] = [];
  const required = (name: string, allowEmpty = false): string => {
    const v = env[name];
    if (v === undefined || (!allowEmpty && v.trim() === '')) {
      errors.push(`${name} must be set${allowEmpty ? '' : ' to a non-empty value'}`);
      return '';
    }
    return v.trim();
  };
  const endpointName = required('ENDPOINT_NAME');
  const batch = parseBatchSource(env, errors);
  const captureBucket = batch === undefined ? required('CAPTURE_BUCKET') : '';
  const capturePrefix = batch === undefined ? required('CAPTURE_PREFIX', true) : '';
  const baselineBucket = required('BASELINE_BUCKET');
  const baselineKey = required('BASELINE_KEY');
  const featureNames = required('FEATURE_NAMES').split(',').map((s) => s.trim());
  if (featureNames.some((n) => n === '') && env.FEATURE_NAMES?.trim()) {
    errors.push(`FEATURE_NAMES must be comma-separated non-empty names; got ${JSON.stringify(env.FEATURE_NAMES)}`);
  }
  const minutes = parseWindowMinutes(env.WINDOW_MINUTES, 'WINDOW_MINUTES', errors);
  const namespace = env.METRIC_NAMESPACE?.trim() || DEFAULT_DRIFT_NAMESPACE;
  const reference = parseReference(env, errors);
  if (errors.length > 0) {
    throw new Error(`drift job configuration: ${errors.join('; ')}`);
  }
  return {
    endpointName,
    ...(batch === undefined ? { captureBucket, capturePrefix } : { batch }),
    baselineBucket,
    baselineKey,
    featureNames,
    namespace,
    windowStart: new Date(windowEnd.getTime() - minutes * 60_000),
    windowEnd,
    ...reference,
  };
}

/**
 * The batch source of the environment (`BATCH_OUTPUT_URI` and the settings that go with it), or
 * undefined without `BATCH_OUTPUT_URI`; adds to `errors` what is wrong.
 */
export function parseBatchSource(env: Record<string, string | undefined>, errors: string[]): BatchSourceConfig | undefined {
  const outputUri = env.BATCH_OUTPUT_URI?.trim();
  if (outputUri === undefined || outputUri === '') {
    for (const name of ['BATCH_CONTENT_TYPE', 'BATCH_DELAY_MINUTES', 'BATCH_PREDICTION_KEY']) {
      if (env[name] !== undefined) errors.push(`${name} must be set only with BATCH_OUTPUT_URI`);
    }
    return undefined;
  }
  for (const name of ['CAPTURE_BUCKET', 'CAPTURE_PREFIX']) {
    if (env[name] !== undefined) errors.push(`${name} must not be set with BATCH_OUTPUT_URI (the job reads one source)`);
  }
  let delayMinutes = DEFAULT_BATCH_DRIFT_DELAY_MINUTES;
  const delay = env.BATCH_DELAY_MINUTES?.trim();
  if (delay !== undefined && delay !== '') {
    if (!/^\d+$/.test(delay)) {
      errors.push(`BATCH_DELAY_MINUTES must be a whole number of minutes; got ${JSON.stringify(env.BATCH_DELAY_MINUTES)}`);
    } else {
      delayMinutes = Number(delay);
    }
  }
  const predictionKey = env.BATCH_PREDICTION_KEY?.trim();
  return {
    outputUri,
    contentType: env.BATCH_CONTENT_TYPE?.trim() || DEFAULT_BATCH_CONTENT_TYPE,
    delayMinutes,
    ...(predictionKey ? { predictionKey } : {}),
  };
}

/** The reference settings of the environment (`REFERENCE`, `REFERENCE_MINUTES`, `MIN_REFERENCE_VALUES`). */
export function parseReference(
  env: Record<string, string | undefined>, errors: string[],
): Pick<DriftJobConfig, 'reference' | 'referenceMinutes' | 'minReferenceValues'> {
  const out: { reference?: DriftReference; referenceMinutes?: number; minReferenceValues?: number } = {};
  const kind = env.REFERENCE?.trim();
  if (kind !== undefined && kind !== '') {
    if ((Object.values(DriftReference) as string[]).includes(kind)) {
      out.reference = kind as DriftReference;
    } else {
      errors.push(`REFERENCE must be one of ${Object.values(DriftReference).join(', ')}; got ${JSON.stringify(env.REFERENCE)}`);
    }
  }
  for (const [name, key] of [['REFERENCE_MINUTES', 'referenceMinutes'], ['MIN_REFERENCE_VALUES', 'minReferenceValues']] as const) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw) || !(Number(raw) > 0)) {
      errors.push(`${name} must be a whole number above 0; got ${JSON.stringify(env[name])}`);
    } else {
      out[key] = Number(raw);
    }
  }
  return out;
}

/** A window length in whole minutes above 0 (default 60); adds to `errors` otherwise. */
export function parseWindowMinutes(value: string | undefined, name: string, errors: string[]): number {
  if (value === undefined || value.trim() === '') {
    return DEFAULT_WINDOW_MINUTES;
  }
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !(n > 0)) {
    errors.push(`${name} must be a whole number of minutes above 0; got ${JSON.stringify(value)}`);
    return DEFAULT_WINDOW_MINUTES;
  }
  return n;
}

function windowEndOf(event: DriftJobEvent | undefined): Date {
  const t = typeof event?.time === 'string' ? Date.parse(event.time) : NaN;
  return Number.isNaN(t) ? new Date() : new Date(t);
}
