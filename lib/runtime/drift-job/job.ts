/**
 * The drift job: reads a window of SageMaker data capture (or of batch scoring's committed
 * partitions, `batch.ts`) and the training baseline from S3, computes PSI per feature and for the
 * predictions, and publishes CloudWatch metrics.
 */

// The AWS SDK is a dev dependency: esbuild bundles it into the Lambda and CLI assets (scripts/bundle-runtime.ts).
// eslint-disable-next-line import/no-extraneous-dependencies
import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BatchSourceConfig, batchSourceProblems, readBatchRange } from './batch';
import { CaptureCounters, CaptureData, CaptureReader } from './capture';
import {
  ColumnDrift,
  DEFAULT_PSI_EPSILON,
  DriftBaseline,
  DriftColumnKind,
  DriftMath,
  DriftSeverity,
  numericDriftOf,
} from '../../core/drift';
import {
  DEFAULT_MIN_REFERENCE_VALUES,
  DriftReference,
  MAX_REFERENCE_MINUTES,
  defaultReferenceMinutes,
  rebaselineOnReference,
  referenceRangeOf,
} from '../../core/drift-reference';
import { ValidationProblem } from '../../core/errors';
import { renderValue, throwIfAny } from '../../core/validation';

/** Default CloudWatch namespace of the drift metrics. */
export const DEFAULT_DRIFT_NAMESPACE = 'CdkMlops/Drift';

/** Value of the `Feature` dimension for the predictions' PSI. */
export const PREDICTION_FEATURE = '__prediction__';

/** PutMetricData accepts at most 1000 datums per call. */
export const MAX_DATUMS_PER_CALL = 1000;

/** Capture files read at the same time. */
const READ_CONCURRENCY = 8;

/**
 * A capture file lands in the hour folder of when it is written, which can be after the inferences
 * it holds: the job also lists the folder of the hour `windowEnd + CAPTURE_FOLDER_MARGIN_MINUTES`
 * falls in (records outside the window are dropped by their `inferenceTime` anyway).
 */
export const CAPTURE_FOLDER_MARGIN_MINUTES = 15;

/** What the job reads and where it publishes. */
export interface DriftJobConfig {
  /**
   * SageMaker endpoint name (the capture path segment and the `EndpointName` dimension); with
   * `batch`, the name of the batch scoring job (the dimension only).
   */
  readonly endpointName: string;
  /** Bucket of the data capture (required without `batch`, absent with it). */
  readonly captureBucket?: string;
  /** The endpoint's `DestinationS3Uri` key prefix (without the bucket); '' for the bucket's root (required without `batch`, absent with it). */
  readonly capturePrefix?: string;
  /**
   * Read batch scoring's committed partitions instead of data capture: the dates of the window
   * (`core/batch/drift-source.ts` `batchDatesIn`), each through its manifest (`batch.ts`).
   * @default - data capture
   */
  readonly batch?: BatchSourceConfig;
  /** Bucket of the baseline document. */
  readonly baselineBucket: string;
  /** Key of the baseline JSON document (`DriftMath.baselineToJson`). */
  readonly baselineKey: string;
  /** Start of the window, included (compared with each record's `inferenceTime`). */
  readonly windowStart: Date;
  /** End of the window, excluded. */
  readonly windowEnd: Date;
  /**
   * CloudWatch namespace.
   * @default 'CdkMlops/Drift'
   */
  readonly namespace?: string;
  /** The model's input columns in order (CSV columns, JSON arrays) or keys (JSON objects); must include every baseline feature. */
  readonly featureNames: readonly string[];
  /**
   * What the window is compared with: the training baseline, or earlier capture re-counted on the
   * baseline's bins (`core.DriftReference`).
   * @default DriftReference.TRAINING
   */
  readonly reference?: DriftReference;
  /**
   * Length of the reference traffic, in whole minutes (not with `TRAINING`).
   * @default - 7 days for ROLLING_WINDOW, 1 day for SAME_PERIOD_LAST_YEAR
   */
  readonly referenceMinutes?: number;
  /**
   * Values a column needs in the reference traffic; with fewer it is compared with the training baseline.
   * @default 1000
   */
  readonly minReferenceValues?: number;
}

/** Clients and clock of the job (injected for tests). */
export interface DriftJobDeps {
  /** Reads the capture files and the baseline. */
  readonly s3: S3Client;
  /**
   * Publishes the metrics.
   * @default - nothing is published (the CLI renders the result as Prometheus text instead)
   */
  readonly cloudwatch?: CloudWatchClient;
  /**
   * The clock: the metrics' timestamp and `runAt`.
   * @default - () => new Date()
   */
  readonly now?: () => Date;
}

/** Drift of one column over the window. */
export interface FeatureDriftResult {
  /** Feature name (`__prediction__` for the predictions). */
  readonly feature: string;
  /** Numeric or categorical. */
  readonly kind: DriftColumnKind;
  /** Values in the window. */
  readonly windowCount: number;
  /** Population stability index against the baseline. */
  readonly psi: number;
  /** `DriftMath.classify(psi)`. */
  readonly severity: DriftSeverity;
}

/** The reference traffic a run compared its window with (absent for the training baseline). */
export interface DriftReferenceResult {
  /** `ROLLING_WINDOW` or `SAME_PERIOD_LAST_YEAR`. */
  readonly kind: DriftReference;
  /** Reference start, included. */
  readonly start: Date;
  /** Reference end, excluded. */
  readonly end: Date;
  /** Capture files read for the reference. */
  readonly objectsRead: number;
  /** Capture records in the reference range. */
  readonly records: number;
  /** Columns with too few reference values, compared with the training baseline instead. */
  readonly fallbackColumns: string[];
}

/** What one run found and published. */
export interface DriftJobResult {
  /** The endpoint. */
  readonly endpointName: string;
  /** CloudWatch namespace (also when nothing was published). */
  readonly namespace: string;
  /** Window start, included. */
  readonly windowStart: Date;
  /** Window end, excluded. */
  readonly windowEnd: Date;
  /** When the job ran (`deps.now()`), the metrics' timestamp. */
  readonly runAt: Date;
  /** Capture files read. */
  readonly objectsRead: number;
  /** Records in the window, malformed records and skip reasons (see `CaptureCounters`). */
  readonly counters: CaptureCounters;
  /** PSI per baseline feature, in the baseline's order; empty when the window is empty. */
  readonly features: FeatureDriftResult[];
  /**
   * PSI of the predictions.
   * @default - none: no prediction baseline, or no predictions in the window
   */
  readonly prediction?: FeatureDriftResult;
  /**
   * The reference traffic, when the window was compared with earlier capture.
   * @default - compared with the training baseline (or the window was empty, so no reference was read)
   */
  readonly reference?: DriftReferenceResult;
  /** Datums sent to CloudWatch (0 without a CloudWatch client). */
  readonly datumsPublished: number;
  /**
   * With a batch source: the window's dates whose partition was read, and those not committed.
   * @default - none (data capture)
   */
  readonly batch?: BatchWindowResult;
}

/** The logical dates a batch window covered. */
export interface BatchWindowResult {
  /** Dates whose committed partition was read, oldest first. */
  readonly datesRead: string[];
  /** Dates without a manifest (not committed when the job ran), oldest first. */
  readonly datesMissing: string[];
}

/**
 * Run the drift job once.
 *
 * 1. Lists the capture files for every hour the window touches, and the hour after when the window
 *    ends less than `CAPTURE_FOLDER_MARGIN_MINUTES` before it (a file is filed by when it is written).
 *    SageMaker writes `{capturePrefix}/{EndpointName}/{VariantName}/{yyyy}/{mm}/{dd}/{HH}/{file}.jsonl`
 *    (UTC): the variants are listed under `{capturePrefix}/{EndpointName}/` (delimiter `/`), then
 *    each variant's hour folders, so every variant is read and nothing far outside the window is listed.
 * 2. Keeps the records whose `eventMetadata.inferenceTime` is in `[windowStart, windowEnd)`; malformed
 *    records are counted and skipped (`CaptureReader`).
 *    With `config.batch`, steps 1 and 2 read batch scoring's output instead (`readBatchRange`): the
 *    logical dates whose settle point (end of day + `delayMinutes`) is in `(windowStart, windowEnd]`,
 *    each through its `_MANIFEST.json` and only the files it lists (a date without a manifest is
 *    not committed: `result.batch.datesMissing`); every scored line is a record. The reference
 *    range, metrics and alarms are the same, the monitored name (`endpointName`) the batch job's.
 * 3. Reads the training baseline (`DriftMath.parseBaseline`). With a `ROLLING_WINDOW` or
 *    `SAME_PERIOD_LAST_YEAR` reference (and a non-empty window), reads the reference range's capture
 *    the same way and re-counts the baseline's bins on it (`rebaselineOnReference`); columns with
 *    fewer than `minReferenceValues` reference values keep the training counts.
 * 4. Computes PSI per feature and for the predictions against that baseline.
 * 5. Publishes to CloudWatch, namespace `config.namespace` (default `CdkMlops/Drift`), timestamp `now()`,
 *    in PutMetricData calls of at most 1000 datums:
 *    - `PSI` (unit None), dimensions `EndpointName` and `Feature` (the feature name, `__prediction__`
 *      for the predictions): one datum per column with values in the window. The statistic is the
 *      metric name.
 *    - `RecordsInWindow` (unit Count), dimension `EndpointName`: capture records read in the window.
 *    - `MalformedRecords` (unit Count), dimension `EndpointName`: records skipped as malformed.
 *    - With a reference other than `TRAINING`: `ReferenceRecords` (unit Count, dimension
 *      `EndpointName`), records in the reference range, and `ReferenceFallbackColumns` (unit Count),
 *      columns compared with the training baseline for lack of reference values.
 *
 *    An empty window publishes `RecordsInWindow = 0` and no `PSI` datum: the drift alarms see missing
 *    data (treated as not breaching) rather than a PSI of 0 that would claim the inputs are stable.
 *
 * Throws for bad configuration, an unreadable baseline and S3/CloudWatch errors; never for bad records.
 */
export async function runDriftJob(config: DriftJobConfig, deps: DriftJobDeps): Promise<DriftJobResult> {
  checkConfig(config);
  const now = deps.now ?? (() => new Date());
  const namespace = config.namespace ?? DEFAULT_DRIFT_NAMESPACE;
  const training = await readBaseline(deps.s3, config);
  checkBaselineAgainstConfig(training, config);

  const read = config.batch !== undefined ? readBatch : readCapture;
  const { data, objectsRead, batch: batchDates } = await read(deps.s3, config, training, config.windowStart, config.windowEnd);
  const referenceKind = config.reference ?? DriftReference.TRAINING;
  let baseline = training;
  let reference: DriftReferenceResult | undefined;
  const referenceMinutes = config.referenceMinutes ?? defaultReferenceMinutes(referenceKind);
  const range = referenceRangeOf(referenceKind, config.windowStart, config.windowEnd, referenceMinutes);
  // An empty window has nothing to compare: the reference is not read (it can be days of capture).
  if (range !== undefined && data.counters.records > 0) {
    const ref = await read(deps.s3, config, training, range.start, range.end);
    const minValues = config.minReferenceValues ?? DEFAULT_MIN_REFERENCE_VALUES;
    const rebased = rebaselineOnReference(training, ref.data.features, ref.data.predictions, minValues);
    baseline = rebased.baseline;
    reference = {
      kind: referenceKind,
      start: range.start,
      end: range.end,
      objectsRead: ref.objectsRead,
      records: ref.data.counters.records,
      // Named like the metrics' Feature dimension: the predictions are `__prediction__`.
      fallbackColumns: [...rebased.fallbackFeatures, ...(rebased.predictionFallback ? [PREDICTION_FEATURE] : [])],
    };
  }

  const features: FeatureDriftResult[] = [];
  for (const column of baseline.features) {
    const values = data.features.get(column.name);
    if (values !== undefined && values.length > 0) {
      features.push(resultOf(column.name, driftOf(column, values)));
    }
  }
  const predictions = data.predictions;
  const prediction = baseline.prediction !== undefined && predictions !== undefined && predictions.length > 0
    ? resultOf(PREDICTION_FEATURE, driftOf(baseline.prediction, predictions))
    : undefined;

  const runAt = now();
  const datums = metricData(config.endpointName, runAt, data.counters, [...features, ...(prediction ? [prediction] : [])], reference);
  let datumsPublished = 0;
  if (deps.cloudwatch !== undefined) {
    for (let i = 0; i < datums.length; i += MAX_DATUMS_PER_CALL) {
      const batch = datums.slice(i, i + MAX_DATUMS_PER_CALL);
      await deps.cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
      datumsPublished += batch.length;
    }
  }
  return {
    endpointName: config.endpointName,
    namespace,
    windowStart: config.windowStart,
    windowEnd: config.windowEnd,
    runAt,
    objectsRead,
    counters: data.counters,
    features,
    ...(prediction !== undefined ? { prediction } : {}),
    ...(reference !== undefined ? { reference } : {}),
    datumsPublished,
    ...(batchDates !== undefined ? { batch: batchDates } : {}),
  };
}

/** The hour folders (`yyyy/mm/dd/HH`, UTC) that records of `[start, end)` are written to. */
export function hourPaths(start: Date, end: Date): string[] {
  const out: string[] = [];
  const hour = 3_600_000;
  for (let t = Math.floor(start.getTime() / hour) * hour; t < end.getTime(); t += hour) {
    const d = new Date(t);
    const two = (n: number) => String(n).padStart(2, '0');
    out.push(`${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${two(d.getUTCHours())}`);
  }
  return out;
}

/** `{capturePrefix}/{endpointName}/`, without a leading slash ('' prefix: the bucket's root). */
export function endpointCapturePrefix(capturePrefix: string, endpointName: string): string {
  const prefix = capturePrefix.replace(/^\/+|\/+$/g, '');
  return prefix === '' ? `${endpointName}/` : `${prefix}/${endpointName}/`;
}

// ---------------------------------------------------------------------------------------------

const WHERE = 'runDriftJob';

function problem(property: string, value: unknown, allowed: string): ValidationProblem {
  return { constructPath: WHERE, property, received: renderValue(value), allowed };
}

function checkConfig(config: DriftJobConfig): void {
  const problems: ValidationProblem[] = [];
  const batch = config.batch !== undefined;
  for (const key of ['endpointName', ...(batch ? [] : ['captureBucket'] as const), 'baselineBucket', 'baselineKey'] as const) {
    if (typeof config[key] !== 'string' || config[key] === '') {
      problems.push(problem(key, config[key], 'must be a non-empty string'));
    }
  }
  if (!batch && typeof config.capturePrefix !== 'string') {
    problems.push(problem('capturePrefix', config.capturePrefix, "must be a string ('' for the bucket's root)"));
  }
  if (batch) {
    for (const key of ['captureBucket', 'capturePrefix'] as const) {
      if (config[key] !== undefined) problems.push(problem(key, config[key], 'must not be set with batch (the job reads one source)'));
    }
    problems.push(...batchSourceProblems(config.batch!).map((p) => problem(p.property, p.value, p.allowed)));
  }
  const start = config.windowStart instanceof Date ? config.windowStart.getTime() : NaN;
  const end = config.windowEnd instanceof Date ? config.windowEnd.getTime() : NaN;
  if (Number.isNaN(start)) {
    problems.push(problem('windowStart', config.windowStart, 'must be a valid Date'));
  }
  if (Number.isNaN(end)) {
    problems.push(problem('windowEnd', config.windowEnd, 'must be a valid Date'));
  } else if (!Number.isNaN(start) && !(end > start)) {
    problems.push(problem('windowEnd', config.windowEnd.toISOString(), `must be after windowStart (${config.windowStart.toISOString()})`));
  }
  if (config.namespace !== undefined && (typeof config.namespace !== 'string' || config.namespace === '' || config.namespace.startsWith('AWS/'))) {
    problems.push(problem('namespace', config.namespace, 'must be a non-empty string not starting with "AWS/" (reserved)'));
  }
  const referenceKinds = Object.values(DriftReference) as string[];
  if (config.reference !== undefined && !referenceKinds.includes(config.reference)) {
    problems.push(problem('reference', config.reference, `must be one of ${referenceKinds.join(', ')}`));
  }
  const seasonal = config.reference !== undefined && config.reference !== DriftReference.TRAINING;
  if (config.referenceMinutes !== undefined) {
    if (!seasonal) {
      problems.push(problem('referenceMinutes', config.referenceMinutes, 'applies only to a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference'));
    } else if (!Number.isInteger(config.referenceMinutes) || config.referenceMinutes < 1 || config.referenceMinutes > MAX_REFERENCE_MINUTES) {
      problems.push(problem('referenceMinutes', config.referenceMinutes, `must be a whole number of minutes from 1 to ${MAX_REFERENCE_MINUTES}`));
    }
  }
  if (config.minReferenceValues !== undefined && (!Number.isInteger(config.minReferenceValues) || config.minReferenceValues < 1)) {
    problems.push(problem('minReferenceValues', config.minReferenceValues, 'must be a whole number of at least 1'));
  }
  if (!Array.isArray(config.featureNames) || config.featureNames.length === 0) {
    problems.push(problem('featureNames', config.featureNames, 'must list at least one feature'));
  } else {
    const seen = new Set<string>();
    config.featureNames.forEach((name, i) => {
      if (typeof name !== 'string' || name === '' || name === PREDICTION_FEATURE) {
        problems.push(problem(`featureNames[${i}]`, name, `must be a non-empty string other than ${JSON.stringify(PREDICTION_FEATURE)}`));
      } else if (seen.has(name)) {
        problems.push(problem(`featureNames[${i}]`, name, 'must be unique'));
      }
      seen.add(name);
    });
  }
  throwIfAny(problems);
}

function checkBaselineAgainstConfig(baseline: DriftBaseline, config: DriftJobConfig): void {
  const names = new Set(config.featureNames);
  const missing = baseline.features.map((f) => f.name).filter((n) => !names.has(n));
  if (missing.length > 0) {
    throwIfAny([problem('featureNames', config.featureNames,
      `must include every feature of the baseline s3://${config.baselineBucket}/${config.baselineKey}; missing: ${missing.join(', ')}`)]);
  }
}

async function readBaseline(s3: S3Client, config: DriftJobConfig): Promise<DriftBaseline> {
  const text = await readText(s3, config.baselineBucket, config.baselineKey);
  return DriftMath.parseBaseline(text);
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (res.Body === undefined) {
    throw new Error(`s3://${bucket}/${key} has no body`);
  }
  return res.Body.transformToString('utf-8');
}

/** What one range of input held (capture or batch). */
interface RangeData {
  readonly data: CaptureData;
  readonly objectsRead: number;
  readonly batch?: BatchWindowResult;
}

/** The committed batch partitions of the range's dates, read with the baseline's column kinds. */
async function readBatch(s3: S3Client, config: DriftJobConfig, baseline: DriftBaseline, start: Date, end: Date): Promise<RangeData> {
  const result = await readBatchRange(s3, config.batch!, {
    featureNames: config.featureNames,
    featureKinds: new Map(baseline.features.map((f) => [f.name, f.kind])),
    predictionKind: baseline.prediction?.kind,
    start,
    end,
  });
  return { data: result.data, objectsRead: result.objectsRead, batch: { datesRead: result.datesRead, datesMissing: result.datesMissing } };
}

/** The capture records of `[start, end)`, read with the baseline's column kinds. */
async function readCapture(
  s3: S3Client, config: DriftJobConfig, baseline: DriftBaseline, start: Date, end: Date,
): Promise<RangeData> {
  const reader = new CaptureReader({
    featureNames: config.featureNames,
    featureKinds: new Map(baseline.features.map((f) => [f.name, f.kind])),
    predictionKind: baseline.prediction?.kind,
    windowStart: start,
    windowEnd: end,
  });
  const keys = await listCaptureKeys(s3, config, start, end);
  await forEachLimited(keys, READ_CONCURRENCY, async (key) => readText(s3, config.captureBucket!, key), (text) => reader.add(text));
  return { data: reader.result(), objectsRead: keys.length };
}

/**
 * Every capture key of the hours `[start, end)` touches (plus the folder margin), sorted, for
 * every variant of the endpoint.
 */
async function listCaptureKeys(s3: S3Client, config: DriftJobConfig, start: Date, end: Date): Promise<string[]> {
  const endpointPrefix = endpointCapturePrefix(config.capturePrefix!, config.endpointName);
  const bucket = config.captureBucket!;
  const variants: string[] = [];
  await paginate(s3, bucket, endpointPrefix, '/', (page) => {
    for (const p of page.CommonPrefixes ?? []) {
      if (p.Prefix !== undefined) variants.push(p.Prefix);
    }
  });
  const keys: string[] = [];
  for (const variant of variants.sort()) {
    for (const hour of hourPaths(start, new Date(end.getTime() + CAPTURE_FOLDER_MARGIN_MINUTES * 60_000))) {
      await paginate(s3, bucket, `${variant}${hour}/`, undefined, (page) => {
        for (const o of page.Contents ?? []) {
          if (o.Key !== undefined && !o.Key.endsWith('/')) keys.push(o.Key);
        }
      });
    }
  }
  return keys;
}

interface ListPage {
  readonly Contents?: Array<{ Key?: string }>;
  readonly CommonPrefixes?: Array<{ Prefix?: string }>;
}

async function paginate(
  s3: S3Client, bucket: string, prefix: string, delimiter: string | undefined, onPage: (page: ListPage) => void,
): Promise<void> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({
      Bucket: bucket,
      Prefix: prefix,
      ...(delimiter !== undefined ? { Delimiter: delimiter } : {}),
      ...(token !== undefined ? { ContinuationToken: token } : {}),
    }));
    onPage(page);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** Runs `fetch` on every item with at most `limit` at a time; `consume` sees the results in the items' order. */
async function forEachLimited<T, R>(items: T[], limit: number, fetch: (item: T) => Promise<R>, consume: (r: R) => void): Promise<void> {
  for (let i = 0; i < items.length; i += limit) {
    const results = await Promise.all(items.slice(i, i + limit).map(fetch));
    results.forEach(consume);
  }
}

function driftOf(column: DriftBaseline['features'][number], values: Float64Array | string[]): ColumnDrift {
  if (column.kind === DriftColumnKind.NUMERIC) {
    return numericDriftOf(column, values as Float64Array, DEFAULT_PSI_EPSILON, WHERE);
  }
  return DriftMath.driftForColumn(column, { name: column.name, categoricalValues: values as string[] });
}

function resultOf(feature: string, drift: ColumnDrift): FeatureDriftResult {
  return { feature, kind: drift.kind, windowCount: drift.windowCount, psi: drift.psi, severity: drift.severity };
}

function metricData(
  endpointName: string, timestamp: Date, counters: CaptureCounters, drifts: FeatureDriftResult[], reference: DriftReferenceResult | undefined,
): MetricDatum[] {
  const endpoint = { Name: 'EndpointName', Value: endpointName };
  const referenceData: MetricDatum[] = reference === undefined ? [] : [
    { MetricName: 'ReferenceRecords', Dimensions: [endpoint], Timestamp: timestamp, Value: reference.records, Unit: StandardUnit.Count },
    { MetricName: 'ReferenceFallbackColumns', Dimensions: [endpoint], Timestamp: timestamp, Value: reference.fallbackColumns.length, Unit: StandardUnit.Count },
  ];
  return [
    ...referenceData,
    { MetricName: 'RecordsInWindow', Dimensions: [endpoint], Timestamp: timestamp, Value: counters.records, Unit: StandardUnit.Count },
    { MetricName: 'MalformedRecords', Dimensions: [endpoint], Timestamp: timestamp, Value: counters.malformed, Unit: StandardUnit.Count },
    ...drifts.map((d) => ({
      MetricName: 'PSI',
      Dimensions: [endpoint, { Name: 'Feature', Value: d.feature }],
      Timestamp: timestamp,
      Value: d.psi,
      Unit: StandardUnit.None,
    })),
  ];
}
