/**
 * The Lambda function of `aws.BatchScoring` (bundled to assets/batch/index.js, handler `index.handler`).
 * One function, three steps, chosen by the event's `step`:
 *
 * - `validate` (the pipeline's first Lambda step): the logical date (the `LogicalDate` parameter, else
 *   the day before `ScheduledTime`, else the day before the execution's start), the model version
 *   (the pinned one, or the group's latest Approved: it must be Approved), the input partition's
 *   records and data version; returns the run's output prefix for the transform.
 * - `commit` (the pipeline's last step): `commitRun` (lineage, manifest, old runs deleted).
 * - `plan` / `report` (the backfill state machine): the dates of a range (`backfillPlan`); the dates
 *   whose executions did not succeed (a failure, so the backfill's execution fails naming them).
 *
 * Environment: `INPUT_URI`, `OUTPUT_URI`, `MIN_RECORDS`, `MAX_CONCURRENCY`, `MODEL_PACKAGE_GROUP`,
 * `MODEL_PACKAGE_ARN_PREFIX` (`arn:…:model-package/<group>/`), `KMS_KEY_ID` (optional: SSE-KMS of the
 * lineage and manifest). The SDK's own `AWS_ENDPOINT_URL` points the clients at an emulator (tests).
 */

// The AWS SDK is bundled into the asset (scripts/bundle-runtime.ts): the Lambda does not depend on the runtime's SDK version.
// eslint-disable-next-line import/no-extraneous-dependencies
import { S3Client } from '@aws-sdk/client-s3';
import { BatchRunError, ObjectStore, commitRun, validateInput } from './partition';
import { S3ObjectStore } from './s3-store';
import { backfillPlan, isLogicalDate, logicalDateOf, runOutputUri } from '../../core/batch/layout';
import { AwsJsonTarget, awsJsonCall, serviceEndpoint } from '../experiment/aws-state';

/** The `ModelVersion` value that means "the latest Approved version at run time". */
export const LATEST_MODEL_VERSION = 'latest';

/** The event of each step (the pipeline's Lambda step `Arguments`, the state machine's payload). */
export interface BatchStepEvent {
  readonly step?: string;
  // validate
  readonly logicalDate?: string;
  readonly scheduledTime?: string;
  readonly startedAt?: string;
  readonly modelVersion?: string;
  readonly runId?: string;
  // commit (and the outputs of validate)
  readonly modelSource?: string;
  readonly inputRecords?: number | string;
  readonly dataVersion?: string;
  // plan / report
  readonly from?: string;
  readonly to?: string;
  readonly results?: Array<{ date?: string; status?: string; executionArn?: string }>;
}

/** What the handler needs from its environment. */
export interface BatchConfig {
  readonly inputUri: string;
  readonly outputUri: string;
  readonly minRecords: number;
  readonly maxConcurrency: number;
  readonly modelPackageGroup: string;
  readonly modelPackageArnPrefix: string;
  readonly kmsKeyId?: string;
}

/** The two model registry calls of the validate step. */
export interface ModelPackageApi {
  /** ListModelPackages of the group, Approved, newest first, at most one: its ARN. */
  latestApproved(group: string): Promise<string | undefined>;
  /** DescribeModelPackage: the package's ARN and approval status. */
  describe(arn: string): Promise<{ readonly ModelPackageArn?: string; readonly ModelApprovalStatus?: string }>;
}

/**
 * The registry calls on SageMaker's JSON API (awsJson1_1, `X-Amz-Target: SageMaker.<Action>`; SageMaker
 * API reference, "ListModelPackages", "DescribeModelPackage"), signed as the experiment's handler signs
 * its calls: without the SageMaker SDK client, which would add about 215 KiB gzipped to the package.
 */
export function modelPackageApi(target: Omit<AwsJsonTarget, 'service' | 'targetPrefix'>): ModelPackageApi {
  const api: AwsJsonTarget = { ...target, service: 'sagemaker', targetPrefix: 'SageMaker' };
  return {
    latestApproved: async (group) => {
      const res = await awsJsonCall(api, 'ListModelPackages', {
        ModelPackageGroupName: group, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1,
      });
      return res?.ModelPackageSummaryList?.[0]?.ModelPackageArn;
    },
    describe: (arn) => awsJsonCall(api, 'DescribeModelPackage', { ModelPackageName: arn }),
  };
}

/** The clients a step uses. */
export interface BatchDeps {
  readonly store: ObjectStore;
  readonly models: ModelPackageApi;
  readonly now?: () => Date;
}

let deps: BatchDeps | undefined;

/** The Lambda entry point. */
export async function handler(event: BatchStepEvent): Promise<Record<string, unknown>> {
  const config = configFromEnv(process.env);
  if (deps === undefined) {
    // Created once per container: later invocations reuse the connections.
    const s3 = new S3Client({});
    const region = process.env.AWS_REGION?.trim() || process.env.AWS_DEFAULT_REGION?.trim() || '';
    deps = {
      store: new S3ObjectStore(s3, { kmsKeyId: config.kmsKeyId }),
      models: modelPackageApi({ region, endpoint: serviceEndpoint(process.env, region, 'sagemaker'), credentials: () => s3.config.credentials() }),
    };
  }
  const result = await runStep(event, config, deps);
  console.log(JSON.stringify({ message: `batch ${event.step} done`, ...result }));
  return result;
}

/** Run one step. Throws `BatchRunError` for what the run refuses, `Error` for bad events or configuration. */
export async function runStep(event: BatchStepEvent, config: BatchConfig, d: BatchDeps): Promise<Record<string, unknown>> {
  switch (event.step) {
    case 'validate': return validateStep(event, config, d);
    case 'commit': return commitStep(event, config, d);
    case 'plan': {
      const plan = backfillPlan(required(event.from, 'from'), required(event.to, 'to'), config.maxConcurrency);
      return { dates: plan.dates, maxConcurrency: plan.maxConcurrency };
    }
    case 'report': {
      const results = event.results ?? [];
      const failed = results.filter((r) => r.status !== 'Succeeded');
      if (failed.length > 0) {
        throw new BatchRunError(`backfill: ${failed.length} of ${results.length} date(s) did not succeed: ` +
          failed.map((r) => `${r.date} (${r.status}${r.executionArn ? ` ${r.executionArn}` : ''})`).join(', '));
      }
      return { succeeded: results.map((r) => r.date) };
    }
    default: throw new Error(`unknown step ${JSON.stringify(event.step)}: expected validate, commit, plan or report`);
  }
}

async function validateStep(event: BatchStepEvent, config: BatchConfig, d: BatchDeps): Promise<Record<string, unknown>> {
  const date = resolveLogicalDate(event, d.now);
  const runId = required(event.runId, 'runId');
  const input = await validateInput(d.store, { inputUri: config.inputUri, minRecords: config.minRecords }, date);
  const model = await resolveModel(d.models, config, event.modelVersion ?? LATEST_MODEL_VERSION);
  return {
    LogicalDate: date,
    InputUri: input.inputPartitionUri,
    RunUri: runOutputUri({ outputUri: config.outputUri }, date, runId),
    InputRecords: input.records,
    DataVersion: input.dataVersion,
    ModelPackageArn: model.arn,
    ModelVersion: model.version,
  };
}

async function commitStep(event: BatchStepEvent, config: BatchConfig, d: BatchDeps): Promise<Record<string, unknown>> {
  const records = Number(event.inputRecords);
  if (!Number.isInteger(records) || records < 0) throw new Error(`inputRecords must be a whole number; got ${JSON.stringify(event.inputRecords)}`);
  const result = await commitRun(d.store, { inputUri: config.inputUri, outputUri: config.outputUri }, {
    date: required(event.logicalDate, 'logicalDate'),
    runId: required(event.runId, 'runId'),
    modelVersion: required(event.modelVersion, 'modelVersion'),
    modelSource: required(event.modelSource, 'modelSource'),
    input: { records, dataVersion: required(event.dataVersion, 'dataVersion') },
    ...(d.now ? { now: d.now } : {}),
  });
  return {
    ManifestUri: result.manifestUri,
    OutputRecords: result.manifest.outputRecords,
    ReplacedRunId: result.replacedRunId ?? '',
    DeletedRuns: result.deletedRuns.join(','),
  };
}

/** `LogicalDate` when given; else the day before `ScheduledTime`; else the day before the execution started (or now). */
export function resolveLogicalDate(event: BatchStepEvent, now: () => Date = () => new Date()): string {
  const given = event.logicalDate?.trim();
  if (given) {
    if (!isLogicalDate(given)) throw new BatchRunError(`LogicalDate "${given}" must be a calendar date written YYYY-MM-DD`);
    return given;
  }
  const scheduled = event.scheduledTime?.trim();
  if (scheduled) return logicalDateOf(scheduled);
  const started = event.startedAt?.trim();
  return logicalDateOf(started ? started : now());
}

/** The model package to score with: `version` of the group (it must be Approved), or its latest Approved one. */
export async function resolveModel(
  models: ModelPackageApi, config: Pick<BatchConfig, 'modelPackageGroup' | 'modelPackageArnPrefix'>, version: string,
): Promise<{ arn: string; version: string }> {
  const v = version.trim();
  if (v === '' || v === LATEST_MODEL_VERSION) {
    const arn = await models.latestApproved(config.modelPackageGroup);
    if (!arn) throw new BatchRunError(`model package group ${config.modelPackageGroup} has no Approved version: nothing to score with`);
    return { arn, version: arn.slice(arn.lastIndexOf('/') + 1) };
  }
  if (!/^[1-9]\d*$/.test(v)) throw new BatchRunError(`ModelVersion "${version}" must be a version number or "${LATEST_MODEL_VERSION}"`);
  const arn = `${config.modelPackageArnPrefix}${v}`;
  const res = await models.describe(arn);
  if (res.ModelApprovalStatus !== 'Approved') {
    throw new BatchRunError(`model version ${v} of ${config.modelPackageGroup} is ${res.ModelApprovalStatus ?? 'of unknown status'}, not Approved: batch scoring uses Approved versions only`);
  }
  return { arn: res.ModelPackageArn ?? arn, version: v };
}

/** The configuration from the environment; throws naming every missing or invalid variable. */
export function configFromEnv(env: Record<string, string | undefined>): BatchConfig {
  const errors: string[] = [];
  const get = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) errors.push(`${name} must be set`);
    return v ?? '';
  };
  const whole = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if (!/^[1-9]\d*$/.test(raw)) errors.push(`${name} must be a whole number above 0; got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const config: BatchConfig = {
    inputUri: get('INPUT_URI'),
    outputUri: get('OUTPUT_URI'),
    minRecords: whole('MIN_RECORDS', 1),
    maxConcurrency: whole('MAX_CONCURRENCY', 2),
    modelPackageGroup: get('MODEL_PACKAGE_GROUP'),
    modelPackageArnPrefix: get('MODEL_PACKAGE_ARN_PREFIX'),
    ...(env.KMS_KEY_ID?.trim() ? { kmsKeyId: env.KMS_KEY_ID.trim() } : {}),
  };
  if (errors.length > 0) throw new Error(`batch scoring configuration: ${errors.join('; ')}`);
  return config;
}

function required(value: string | undefined, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${name} must be given`);
  return value.trim();
}
