import { z } from 'zod';
import { RolloutType } from './rollout';
import { trafficRouting } from './sagemaker-routing';
import { unlessToken } from './validation';

// SageMaker's own limits on what the AWS constructs and the platform spec render, so that what
// passes synth does not fail at deploy (or, inside a pipeline definition, at the first run). Each
// number is from the SageMaker API reference page cited beside it; the same numbers are in the
// service model every AWS SDK is generated from (botocore data/sagemaker/2017-07-24/service-2.json,
// 1.43: shapes EndpointName, EntityName, PipelineName, ProcessingMaxRuntimeInSeconds,
// EnvironmentMap, ProcessingEnvironmentMap, TrainingEnvironmentMap, WaitIntervalInSeconds,
// TerminationWaitInSeconds). Internal to the library: zod types stay off the jsii API.

/**
 * The longest SageMaker entity name: endpoint, endpoint config, model, production variant, model
 * package group, monitoring schedule, processing and training job. The pattern
 * `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` lets any number of hyphens through; "Length Constraints:
 * Maximum length of 63" is separate, and counts the hyphens.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html (EndpointName)
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html (VariantName)
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackageGroup.html (ModelPackageGroupName)
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateMonitoringSchedule.html (MonitoringScheduleName)
 */
export const MAX_SAGEMAKER_NAME_LENGTH = 63;

/**
 * The longest pipeline name: "Length Constraints: Minimum length of 1. Maximum length of 256.
 * Pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}".
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePipeline.html (PipelineName)
 */
export const MAX_PIPELINE_NAME_LENGTH = 256;

/** Letters and digits, hyphens only between them: the pattern of every SageMaker name above, without its length. */
const HYPHENATED_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/**
 * @internal A SageMaker name of at most `max` characters, hyphens included. `field` is the API's
 * name for it (`EndpointName`), said in the message; `allowed` replaces the pattern's wording.
 */
export function sagemakerNameSchema(max: number, field: string, allowed?: string) {
  const rule = allowed ?? `must be 1-${max} letters, digits or hyphens, starting and ending with a letter or digit`;
  return z.string().superRefine(unlessToken((name, ctx) => {
    if (!HYPHENATED_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', message: rule });
    } else if (name.length > max) {
      ctx.addIssue({ code: 'custom', message: `${rule}: at most ${max} characters, hyphens included (SageMaker ${field}); got ${name.length}` });
    }
  }));
}

/**
 * A SageMaker instance type: `ml.<family>.<size>`. An EC2 name (`g5.xlarge`) is not one: "Valid
 * Values: ml.t2.medium | … | ml.g5.xlarge | …" (ProductionVariant.InstanceType, ProcessingJob and
 * TrainingJob ResourceConfig.InstanceType).
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
 */
export const SAGEMAKER_INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;

/** What a SageMaker instance type must be, said by the endpoint and the platform spec alike. */
export const SAGEMAKER_INSTANCE_TYPE_RULE = 'must be a SageMaker instance type (ml.<family>.<size>)';

/**
 * @internal The problem of a SageMaker instance type, if any: one rule for the AWS endpoint and the
 * platform spec (an EC2 name is told to take the `ml.` prefix).
 */
export function sagemakerInstanceTypeProblem(type: string): string | undefined {
  if (SAGEMAKER_INSTANCE_TYPE.test(type)) {
    return undefined;
  }
  const ec2 = /^[a-z0-9]+\.[a-z0-9]+$/.test(type);
  return `${SAGEMAKER_INSTANCE_TYPE_RULE}${ec2 ? `, e.g. ml.${type}: SageMaker does not take the EC2 name` : ', e.g. ml.g5.xlarge'}`;
}

/**
 * @internal zod for a SageMaker instance type, as a pattern (the platform spec's JSON Schema carries
 * it to editors); its message is `sagemakerInstanceTypeProblem`'s for an EC2 name.
 */
export const sagemakerInstanceType = z
  .string()
  .regex(SAGEMAKER_INSTANCE_TYPE, `${SAGEMAKER_INSTANCE_TYPE_RULE}, e.g. ml.g5.xlarge: SageMaker does not take an EC2 name such as g5.xlarge`);

/**
 * Longest run of a processing job: "MaxRuntimeInSeconds … Valid Range: Minimum value of 1. Maximum
 * value of 777600" (9 days).
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingStoppingCondition.html
 */
export const MAX_PROCESSING_RUNTIME_SECONDS = 777600;

/**
 * Longest run of a training job: "The maximum time that a training job can run … The default value
 * is 1 day. The maximum value is 28 days." (StoppingCondition.MaxRuntimeInSeconds).
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html
 */
export const MAX_TRAINING_RUNTIME_SECONDS = 28 * 86400;

/**
 * @internal The problem of a pipeline step's maximum run on SageMaker, if any (`kind` a `StepKind`
 * value): a processing job stops at 9 days, a training job at 28.
 */
export function stepRuntimeProblem(kind: unknown, seconds: unknown): string | undefined {
  if (typeof seconds !== 'number') {
    return undefined;
  }
  const [max, job, page] = kind === 'TRAINING'
    ? [MAX_TRAINING_RUNTIME_SECONDS, 'a training', 'StoppingCondition']
    : [MAX_PROCESSING_RUNTIME_SECONDS, 'a processing', 'ProcessingStoppingCondition'];
  return seconds > max
    ? `must be at most ${max / 86400} days (${max} seconds) for ${job} step on SageMaker (${page}.MaxRuntimeInSeconds)`
    : undefined;
}

/** SageMaker's rules for a container's `Environment` map in one API. */
export interface EnvironmentLimits {
  /** Where the map is, as the API reference names it. */
  readonly api: string;
  /** Most entries. */
  readonly maxEntries: number;
  /** Longest key, characters. */
  readonly maxKeyLength: number;
  /** Longest value, characters. */
  readonly maxValueLength: number;
  /** Most bytes of all keys and values together, when the API sets such a bound. */
  readonly maxTotalBytes?: number;
}

/** An environment variable name SageMaker takes: "Key Pattern: [a-zA-Z_][a-zA-Z0-9_]*" (all three maps below). */
export const SAGEMAKER_ENV_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A model's container (the endpoint's `ModelSource.environment`, `addEnv`): "Map Entries: Maximum
 * number of 100 items. Key Length Constraints: Maximum length of 1024. Key Pattern:
 * [a-zA-Z_][a-zA-Z0-9_]*. Value Length Constraints: Maximum length of 1024"; "The maximum length of
 * all keys and values in the map, combined, is 32 KB".
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
 */
export const MODEL_CONTAINER_ENVIRONMENT: EnvironmentLimits = {
  api: 'ContainerDefinition.Environment',
  maxEntries: 100,
  maxKeyLength: 1024,
  maxValueLength: 1024,
  maxTotalBytes: 32 * 1024,
};

/**
 * A processing job: "Map Entries: Maximum number of 100 items. Key Length Constraints: Maximum
 * length of 256 … Value Length Constraints: Maximum length of 256".
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateProcessingJob.html (Environment)
 */
export const PROCESSING_JOB_ENVIRONMENT: EnvironmentLimits = {
  api: 'CreateProcessingJob Environment',
  maxEntries: 100,
  maxKeyLength: 256,
  maxValueLength: 256,
};

/**
 * A training job: "Map Entries: Maximum number of 100 items. Key Length Constraints: Maximum length
 * of 512 … Value Length Constraints: Maximum length of 512".
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html (Environment)
 */
export const TRAINING_JOB_ENVIRONMENT: EnvironmentLimits = {
  api: 'CreateTrainingJob Environment',
  maxEntries: 100,
  maxKeyLength: 512,
  maxValueLength: 512,
};

/** What the library itself sets in a map besides the user's variables. */
export interface EnvironmentContext {
  /** Variables the library sets (the user may not set them: they would be overwritten). */
  readonly reserved?: ReadonlyArray<string>;
  /** Why those are set, for the message. */
  readonly reservedBy?: string;
  /** Variables set already (an earlier `addEnv`, the model source), counted against the limits. */
  readonly existing?: Readonly<Record<string, string>>;
}

/**
 * @internal The problems of an environment map under SageMaker's `limits`, as `[path below the map,
 * "must …"]`: `[]` for the map itself (its keys, its size), `[key]` for one value.
 */
export function environmentProblems(
  env: Readonly<Record<string, unknown>>,
  limits: EnvironmentLimits,
  context: EnvironmentContext = {},
): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  const keys = Object.keys(env);
  const reserved = context.reserved ?? [];
  const badKey = keys.find((k) => !SAGEMAKER_ENV_KEY.test(k) || k.length > limits.maxKeyLength);
  if (badKey !== undefined) {
    problems.push([[], `must have names of a letter or "_" then letters, digits or "_", at most ${limits.maxKeyLength} characters (SageMaker ${limits.api}); got ${JSON.stringify(badKey)}`]);
  }
  const taken = keys.find((k) => reserved.includes(k));
  if (taken !== undefined) {
    problems.push([[], `must not set ${reserved.join(', ')}: ${context.reservedBy ?? 'the library sets them'}; got ${taken}`]);
  }
  const all: Record<string, unknown> = { ...context.existing, ...env };
  const entries = Object.keys(all).length + reserved.filter((r) => !(r in all)).length;
  if (entries > limits.maxEntries) {
    const own = reserved.length > 0 ? ` (${reserved.length} of them the library's: ${reserved.join(', ')})` : '';
    problems.push([[], `must have at most ${limits.maxEntries} variables${own} (SageMaker ${limits.api}); got ${entries}`]);
  }
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string' && value.length > limits.maxValueLength) {
      problems.push([[key], `must be at most ${limits.maxValueLength} characters (SageMaker ${limits.api}); got ${value.length}`]);
    }
  }
  if (limits.maxTotalBytes !== undefined) {
    const bytes = Object.entries(all).reduce((n, [k, v]) => n + utf8Length(k) + (typeof v === 'string' ? utf8Length(v) : 0), 0);
    if (bytes > limits.maxTotalBytes) {
      problems.push([[], `must hold at most ${limits.maxTotalBytes} bytes of names and values together (SageMaker ${limits.api}: 32 KB); got ${bytes}`]);
    }
  }
  return problems;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * @internal zod for an environment map under SageMaker's `limits` (record values must be strings;
 * the rules of `environmentProblems`, keys reported on the map with the key named).
 */
export function sagemakerEnvironment(limits: EnvironmentLimits, context: EnvironmentContext = {}) {
  return z.record(z.string(), z.string()).superRefine(unlessToken((env, ctx) => {
    for (const [path, message] of environmentProblems(env, limits, context)) {
      ctx.addIssue({ code: 'custom', path, message });
    }
  }));
}

/**
 * Why a blue/green deployment needs a wait: "Once the baking period finishes and no pre-specified
 * Amazon CloudWatch alarms trip, the rest of the traffic shifts" (canary); "For each step, there is a
 * baking period during which your pre-specified Amazon CloudWatch alarms monitor metrics on the green
 * fleet" (linear); TerminationWaitInSeconds is "Additional waiting time in seconds after the
 * completion of an endpoint deployment before terminating the old endpoint fleet. Default is 0"
 * (0-3600); WaitIntervalInSeconds is 0-3600 (TrafficRoutingConfig).
 * https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html
 * https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-linear.html
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html
 * With no baking period the alarms have no time in which a trip stops the next shift, and with no
 * termination wait the old fleet is gone the moment the last shift is done: nothing is left to roll
 * back to. SageMaker accepts both 0s; the library refuses them together on a canary or linear
 * rollout (the point of which is to be stopped) and warns of a zero wait otherwise.
 */
export interface DeploymentWaits {
  /** `[property, "must …"]` of a rollout whose rollback alarms can never act. */
  readonly problems: Array<[string, string]>;
  /** A zero wait that leaves the alarms less time than the user may expect. */
  readonly warnings: string[];
}

/**
 * @internal The waits of a (valid) rollout spec on SageMaker with `terminationWaitSeconds`: a canary
 * or linear rollout (as rendered: a staged plan may become either) with zero bake and zero
 * termination wait is refused, any other zero wait is warned of. `terminationProperty` is the
 * user's name for the termination wait (`terminationWait`), or undefined when it is not theirs to set.
 */
export function deploymentWaits(
  spec: Record<string, unknown>,
  instanceCount: number,
  fallback: string,
  terminationWaitSeconds: number,
  terminationProperty: string | undefined = 'terminationWait',
): DeploymentWaits {
  const routing = trafficRouting(spec, instanceCount, fallback).routing;
  if (!routing || routing.WaitIntervalInSeconds > 0) {
    return { problems: [], warnings: [] };
  }
  const bake = spec.type === RolloutType.STAGED ? 'rollout.steps' : spec.type === RolloutType.LINEAR ? 'rollout.interval' : 'rollout.bake';
  const shifting = routing.Type === 'LINEAR' ? 'each linear step' : routing.Type === 'CANARY' ? 'the canary' : 'the switch';
  const termination = terminationProperty ?? 'the termination wait';
  if (terminationWaitSeconds === 0 && routing.Type !== 'ALL_AT_ONCE') {
    return {
      problems: [[
        bake,
        `must be more than 0 seconds when ${termination} is 0: with no baking period after ${shifting} SageMaker shifts the rest of the traffic at once, ` +
          'and with no termination wait it terminates the old fleet as soon as the shift is done, so the rollback alarms (rollbackTriggers) can never act; ' +
          `bake for a few alarm periods (e.g. Duration.minutes(10)) or keep the old fleet with ${termination}`,
      ]],
      warnings: [],
    };
  }
  const left = terminationWaitSeconds === 0
    ? 'and the old fleet is terminated at once (termination wait 0): the rollback alarms can never act'
    : `so the rollback alarms can act only in the ${terminationWaitSeconds} s the old fleet is kept (${termination})`;
  return {
    problems: [],
    warnings: [`${bake} is 0 seconds: SageMaker gives ${shifting} no baking period (WaitIntervalInSeconds 0), ${left}.`],
  };
}

/**
 * The execution variables a SageMaker pipeline definition may read (`{"Get": "Execution.<name>"}`), as
 * the SageMaker Python SDK 2.257 defines them (sagemaker/workflow/execution_variables.py,
 * `ExecutionVariables`). Anything else is no variable of the execution.
 */
export const SAGEMAKER_EXECUTION_VARIABLES = {
  START_DATETIME: 'StartDateTime',
  CURRENT_DATETIME: 'CurrentDateTime',
  PIPELINE_NAME: 'PipelineName',
  PIPELINE_ARN: 'PipelineArn',
  PIPELINE_EXECUTION_ID: 'PipelineExecutionId',
  PIPELINE_EXECUTION_ARN: 'PipelineExecutionArn',
  TRAINING_JOB_NAME: 'TrainingJobName',
  PROCESSING_JOB_NAME: 'ProcessingJobName',
} as const;
