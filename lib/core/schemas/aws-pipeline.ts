import { z } from 'zod';
import { pipelineSpecSchema, pipelineStepSchema } from '../pipeline';
import { gitCommitSha, s3Uri, versionLabel } from '../primitives';
import {
  MAX_PIPELINE_NAME_LENGTH, PROCESSING_JOB_ENVIRONMENT, TRAINING_JOB_ENVIRONMENT, environmentProblems, sagemakerNameSchema, stepRuntimeProblem,
} from '../sagemaker-limits';
import { unlessToken } from '../validation';
import { durationIn } from './duration-value';

/**
 * The pipeline parameter in which a rule-started run receives the time of the event that started it.
 *
 * SageMaker Pipelines reuses a step's earlier result when its cache-key attributes are unchanged
 * (processing: AppSpecification, Environment, ProcessingInputs; training: AlgorithmSpecification,
 * Environment, HyperParameters, InputDataConfig …): the S3 URIs in them are compared, not the data
 * behind them ("Caching pipeline steps", "Default cache key attributes by pipeline step type",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-default-keys.html). A run started by a
 * rule with no parameters has the same arguments as the last one and reuses its results for
 * `ExpireAfter`. So every job's `Environment` carries this parameter, and the registered dataset
 * version names it.
 */
export const DATA_SNAPSHOT_PARAMETER = 'DataSnapshot';

/** What a run started by hand records when it passes no `DataSnapshot` (its `DataVersion` names its data). */
export const DATA_SNAPSHOT_MANUAL = 'manual';

/**
 * The value an EventBridge rule passes in `DataSnapshot`: the `time` of the event envelope (a
 * schedule's firing time, an alarm state change's time), as a dynamic JSON path. "Parameter values can
 * be static or dynamic … Dynamic values are specified using a JSON path. EventBridge parses the value
 * from an event payload" (SageMaker "Schedule Pipeline Runs",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/pipeline-eventbridge.html); "To pass data to an
 * SageMaker pipeline, you can use the SageMakerPipelineParameters field, including optional dynamic JSON
 * path syntax" (EventBridge "Targets", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html);
 * the whole value must be the path. `time` is an envelope field of every event (EventBridge "Event
 * structure", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html).
 */
export const DATA_SNAPSHOT_EVENT_PATH = '$.time';

/** Characters an event time adds to the registered dataset version: `@` and `yyyy-mm-ddThh:mm:ssZ`. */
const DATA_SNAPSHOT_SUFFIX_LENGTH = 21;
/** The longest lineage version label (`versionLabel`). */
const VERSION_LABEL_MAX = 200;

/** How long cached step results may be reused (SageMaker `CacheConfig.ExpireAfter`), seconds. */
const CACHE_EXPIRE_MIN_SECONDS = 3600;
const CACHE_EXPIRE_MAX_SECONDS = 3650 * 86400;

/**
 * The variables every job of an AWS pipeline gets from the run (`MlPipeline`'s job Environment, after
 * the step's own): a step setting one would be overwritten, and they count against SageMaker's 100.
 */
export const PIPELINE_LINEAGE_ENVIRONMENT = ['DATA_VERSION', 'DATA_SNAPSHOT', 'CODE_COMMIT', 'FEATURE_SET_VERSION'];

/**
 * @internal What SageMaker refuses of one pipeline step, as `[path below the step, "must …"]`: a GPU
 * step without its instance type (the catalog maps instance types to GPUs, not back), a run longer
 * than the job's StoppingCondition allows, an Environment outside the job's limits. `runtimeKey` is
 * the user's name of the maximum run (`maxRuntime` in code, `maxRuntimeSeconds` in a spec file).
 */
export function awsStepProblems(step: Record<string, any> | undefined, runtimeKey: string): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  if (step?.gpu && !step.instanceType) {
    problems.push([['instanceType'], `must be set to a ${step.gpu} instance type on AWS when gpu is set`]);
  }
  const runtime = stepRuntimeProblem(step?.kind, step?.[runtimeKey]);
  if (runtime) {
    problems.push([[runtimeKey], runtime]);
  }
  const env = step?.environment;
  if (env !== null && typeof env === 'object' && !Array.isArray(env)) {
    const limits = step?.kind === 'TRAINING' ? TRAINING_JOB_ENVIRONMENT : PROCESSING_JOB_ENVIRONMENT;
    const context = { reserved: PIPELINE_LINEAGE_ENVIRONMENT, reservedBy: 'the pipeline sets them in every job (the run\'s lineage)' };
    for (const [path, message] of environmentProblems(env, limits, context)) {
      problems.push([['environment', ...path], message]);
    }
  }
  return problems;
}

function checkAwsStep(step: Record<string, any> | undefined, ctx: z.RefinementCtx, path: Array<string | number>): void {
  for (const [below, message] of awsStepProblems(step, 'maxRuntime')) {
    ctx.addIssue({ code: 'custom', path: [...path, ...below], message });
  }
}

/** @internal the plain shape of the AWS MlPipeline props (Durations as seconds) */
export const awsPipelineSchema = z.strictObject({
  spec: pipelineSpecSchema,
  // a construct reference: the type system checks it (its artifactBucket is read below)
  registry: z.any(),
  pipelineName: sagemakerNameSchema(MAX_PIPELINE_NAME_LENGTH, 'PipelineName').optional(),
  codeCommit: gitCommitSha,
  defaultDataVersion: versionLabel,
  defaultFeatureSetVersion: versionLabel,
  defaultInputDataUri: s3Uri,
  // a construct reference: the type system checks it
  inputDataBucket: z.any().optional(),
  // a construct reference: the type system checks it
  artifactBucket: z.any().optional(),
  artifactPrefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, 'must be an S3 key prefix without spaces').optional(),
  // a construct reference: the type system checks it
  encryptionKey: z.any().optional(),
  caching: z.boolean().optional(),
  cacheExpireAfter: durationIn('seconds', z.number())
    .min(CACHE_EXPIRE_MIN_SECONDS, 'must be at least 1 hour')
    .max(CACHE_EXPIRE_MAX_SECONDS, 'must be at most 3650 days')
    .optional(),
  retryAttempts: z.number().int().min(0).max(20).optional(),
  // construct references: the type system checks them (SageMaker VpcConfig: 1-5 security groups)
  vpc: z.any().optional(),
  vpcSubnets: z.any().optional(),
  securityGroups: z.array(z.any()).min(1).max(5, 'must list at most 5 security groups (SageMaker VpcConfig)').optional(),
  // an events.Schedule: its factory methods check it
  schedule: z.any().optional(),
  // a construct reference: the type system checks it
  role: z.any().optional(),
}).superRefine(unlessToken((p, ctx) => {
  (p.spec?.steps ?? []).forEach((s, i) => checkAwsStep(s, ctx, ['spec', 'steps', i]));
  for (const key of ['vpcSubnets', 'securityGroups'] as const) {
    if (p[key] !== undefined && p.vpc === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'must be given only with vpc' });
    }
  }
  if (typeof p.defaultDataVersion === 'string' && p.defaultDataVersion.length > VERSION_LABEL_MAX - DATA_SNAPSHOT_SUFFIX_LENGTH) {
    ctx.addIssue({
      code: 'custom',
      path: ['defaultDataVersion'],
      message: `must be at most ${VERSION_LABEL_MAX - DATA_SNAPSHOT_SUFFIX_LENGTH} characters: a rule-started run registers <defaultDataVersion>@<event time> as its dataset version (at most ${VERSION_LABEL_MAX})`,
    });
  }
  if (p.artifactBucket === undefined && p.registry !== undefined && p.registry.artifactBucket === undefined) {
    ctx.addIssue({ code: 'custom', path: ['artifactBucket'], message: 'must be set when the registry has no artifact bucket' });
  }
}));

/** @internal a step added with `MlPipeline.addStep` (the rules between steps run at synthesis, with `awsPipelineSchema`) */
export const awsPipelineStepSchema = z.strictObject({ step: pipelineStepSchema }).superRefine(unlessToken((p, ctx) => checkAwsStep(p.step, ctx, ['step'])));
