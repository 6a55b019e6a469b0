import { DEFAULT_CANARY_PERCENT, DOWNLOAD_SECONDS_PER_GIB } from './policy';
import { RolloutType, expandSteps } from './rollout';

// SageMaker deployment guardrail limits. Source: SageMaker API reference, BlueGreenUpdatePolicy and
// TrafficRoutingConfig (see ../shared/FACTS.md, "SageMaker serving").
export const MAX_WAIT_INTERVAL_SECONDS = 3600;
export const MAX_TERMINATION_WAIT_SECONDS = 3600;
export const MIN_EXECUTION_TIMEOUT_SECONDS = 600;
export const MAX_EXECUTION_TIMEOUT_SECONDS = 28800;
export const MAX_CANARY_PERCENT = 50;
export const MIN_LINEAR_STEP_PERCENT = 10;
export const MAX_LINEAR_STEP_PERCENT = 50;
/** Time allowed to provision the new (green) fleet of GPU instances, on top of the bakes. */
export const PROVISIONING_ALLOWANCE_SECONDS = 1800;
/** Seconds the old (blue) fleet is kept after a completed deployment, for a quick manual rollback. */
export const DEFAULT_TERMINATION_WAIT_SECONDS = 300;
/** Value of the aws `StagedRolloutFallback` that accepts an approximation (core cannot import the enum). */
export const FIRST_STEP_AS_CANARY = 'FIRST_STEP_AS_CANARY';

/**
 * Launch of the new fleet's GPU instances and pull of the serving image, on top of the model's own
 * cold start (the variant's download and start-up timeouts) when those are known.
 */
export const INSTANCE_LAUNCH_MARGIN_SECONDS = 600;

/**
 * Cold-start timeouts of a production variant derived from the size of the weights: a base plus
 * `DOWNLOAD_SECONDS_PER_GIB` (core policy) to download, `STARTUP_SECONDS_PER_GIB` to load, each
 * capped at SageMaker's bound. ProductionVariant (SageMaker API reference):
 * `ModelDataDownloadTimeoutInSeconds` and `ContainerStartupHealthCheckTimeoutInSeconds` are 60-3600.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
 */
export const MAX_VARIANT_TIMEOUT_SECONDS = 3600;
/** Seconds per GiB of weights to load and pass the first health check (see `MAX_VARIANT_TIMEOUT_SECONDS`). */
export const STARTUP_SECONDS_PER_GIB = 30;
const DOWNLOAD_BASE_SECONDS = 120;
const STARTUP_BASE_SECONDS = 300;

/** The variant's cold-start timeouts: as given, else from the model size, else SageMaker's (undefined). */
export interface ColdStartTimeouts {
  /** `ModelDataDownloadTimeoutInSeconds`, or undefined for SageMaker's default. */
  readonly downloadSeconds?: number;
  /** `ContainerStartupHealthCheckTimeoutInSeconds`, or undefined for SageMaker's default. */
  readonly startupSeconds?: number;
}

/** The cold-start timeouts a variant renders (see `MAX_VARIANT_TIMEOUT_SECONDS`). */
export function coldStartTimeouts(modelSizeGiB?: number, downloadSeconds?: number, startupSeconds?: number): ColdStartTimeouts {
  const derived = (perGiB: number, base: number) =>
    modelSizeGiB === undefined ? undefined : Math.min(MAX_VARIANT_TIMEOUT_SECONDS, Math.ceil(base + perGiB * modelSizeGiB));
  return {
    downloadSeconds: downloadSeconds ?? derived(DOWNLOAD_SECONDS_PER_GIB, DOWNLOAD_BASE_SECONDS),
    startupSeconds: startupSeconds ?? derived(STARTUP_SECONDS_PER_GIB, STARTUP_BASE_SECONDS),
  };
}

/**
 * Time to bring up the new (green) fleet before its first bake: the model's download and start-up
 * timeouts plus `INSTANCE_LAUNCH_MARGIN_SECONDS`, never less than `PROVISIONING_ALLOWANCE_SECONDS`
 * (which covers SageMaker's default timeouts).
 */
export function provisioningSeconds(coldStart: ColdStartTimeouts = {}): number {
  const known = (coldStart.downloadSeconds ?? 0) + (coldStart.startupSeconds ?? 0);
  return Math.max(PROVISIONING_ALLOWANCE_SECONDS, known + INSTANCE_LAUNCH_MARGIN_SECONDS);
}

/**
 * `MaximumExecutionTimeoutInSeconds`: the bakes, the termination wait and the time to provision the
 * new fleet, its model's cold start included. BlueGreenUpdatePolicy (SageMaker API reference): 600-28800,
 * "larger than the total waiting time specified in TerminationWaitInSeconds and WaitIntervalInSeconds".
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html
 */
export function executionTimeoutSeconds(totalWaitSeconds: number, terminationWaitSeconds: number, coldStart: ColdStartTimeouts = {}): number {
  return Math.max(MIN_EXECUTION_TIMEOUT_SECONDS, totalWaitSeconds + terminationWaitSeconds + provisioningSeconds(coldStart));
}

/**
 * SageMaker's limit of alarms in an endpoint's `AutoRollbackConfiguration`: "Array Members: Minimum
 * number of 1 item. Maximum number of 10 items." (AutoRollbackConfig, SageMaker API reference;
 * CloudFormation AWS::SageMaker::Endpoint AutoRollbackConfig: Maximum 10).
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html
 */
export const MAX_ROLLBACK_ALARMS = 10;

/**
 * The dimension that narrows an `AWS/SageMaker` invocation metric (Invocations, Invocation5XXErrors,
 * ModelLatency) to the fleet of one endpoint config, i.e. to the new fleet during a deployment.
 * "Auto-Rollback Configuration and Monitoring" (SageMaker developer guide, "Monitor model latency on
 * the new fleet"): "CloudWatch publishes the metrics with the dimension EndpointConfigName:{New-Ep-Config}
 * after the new fleet starts receiving traffic, and these metrics last even after the deployment is
 * complete"; add EndpointName, VariantName and EndpointConfigName to watch the new fleet only.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html
 * The metrics reference ("Amazon SageMaker AI metrics in Amazon CloudWatch",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html) lists only
 * `EndpointName, VariantName` for the invocation metrics and for the instance metrics of
 * `/aws/sagemaker/Endpoints` (GPUUtilization, GPUMemoryUtilization, DiskUtilization); AWS's
 * deployment-guardrails notebooks (aws/amazon-sagemaker-examples,
 * sagemaker-inference-deployment-guardrails) read Invocations per EndpointConfigName. So the rollback
 * alarms on invocation metrics carry it; the instance-metric alarms, for which no page documents it,
 * do not.
 */
export const NEW_FLEET_DIMENSION = 'EndpointConfigName';

/** What a rollback trigger alarms on, as counted against `MAX_ROLLBACK_ALARMS`. */
export interface RollbackAlarmCount {
  /** Triggers on the endpoint's own invocation metrics (5xx rate, p99 latency): one alarm per serving variant. */
  readonly perVariantTriggers: number;
  /** Triggers on a metric of the user's (its own dimensions): one alarm each. */
  readonly metricTriggers: number;
  /** Production variants that serve traffic (the shadow variant is not one: its answers are not served). */
  readonly servingVariants: number;
}

/** The rollback alarms an endpoint makes: one per serving variant and trigger on its metrics, one per metric trigger. */
export function rollbackAlarmCount(c: RollbackAlarmCount): number {
  return c.perVariantTriggers * c.servingVariants + c.metricTriggers;
}

/** The problem of more rollback alarms than `AutoRollbackConfiguration` takes, if any. */
export function rollbackAlarmProblems(c: RollbackAlarmCount): Array<[string, string]> {
  const n = rollbackAlarmCount(c);
  if (n <= MAX_ROLLBACK_ALARMS) {
    return [];
  }
  return [[
    'rollbackTriggers',
    `must make at most ${MAX_ROLLBACK_ALARMS} rollback alarms (SageMaker AutoRollbackConfiguration takes ${MAX_ROLLBACK_ALARMS}); got ${n}: ` +
      `${c.perVariantTriggers} trigger(s) on the endpoint's metrics × ${c.servingVariants} serving variant(s) + ${c.metricTriggers} metric trigger(s)`,
  ]];
}

/**
 * How a canary's share of the fleet becomes instances: "CAPACITY_PERCENT: The endpoint activates
 * based on the specified percentage of capacity", "INSTANCE_COUNT: ... the number of instances",
 * Value an integer ≥ 1 (CapacitySize, SageMaker API reference); the canary is "less than or equal to
 * 50% of the variant's total instance count" (TrafficRoutingConfig.CanarySize).
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html
 * The reference does not say how a percentage that is not a whole number of instances is rounded.
 * The canary is at least one instance, so a small fleet gets a coarse canary (10% of 2 instances is
 * 1 instance). Rounding up is assumed: it is what makes 10% of 2 one instance, and it is the larger
 * (the safe-to-warn-about) share when SageMaker rounds otherwise.
 */
export function canaryInstances(percent: number, instanceCount: number): number {
  return Math.max(1, Math.ceil((percent * instanceCount) / 100 - 1e-9));
}

/** The share of traffic a canary of `percent` really takes on `instanceCount` instances, percent (traffic follows capacity). */
export function canarySharePercent(percent: number, instanceCount: number): number {
  return (100 * canaryInstances(percent, instanceCount)) / instanceCount;
}

/**
 * A canary whose real share is more than this many times the requested percent is refused (unless
 * the endpoint accepts a coarse canary): a "10% canary" that sends half the traffic is not a canary.
 * Up to twice is accepted with a warning stating the real share (whole instances rarely match).
 */
export const MAX_CANARY_SHARE_FACTOR = 2;

/**
 * The canary percent of an endpoint given no rollout: `DEFAULT_CANARY_PERCENT`, or one instance when
 * the fleet is too small for it (one of two instances is 50%), at most `MAX_CANARY_PERCENT`.
 */
export function defaultCanaryPercent(instanceCount: number): number {
  return Math.min(MAX_CANARY_PERCENT, Math.max(DEFAULT_CANARY_PERCENT, Math.floor(100 / Math.max(1, instanceCount))));
}

/** A share of the fleet as SageMaker deploys it: whole instances (see `canaryInstances`). */
export interface InstanceShare {
  /** Instances the share becomes. */
  readonly instances: number;
  /** The share of traffic those instances take, percent. */
  readonly sharePercent: number;
  /** The real share differs from the request (after rounding to a whole percent). */
  readonly differs: boolean;
  /** The real share is more than `MAX_CANARY_SHARE_FACTOR` times the request. */
  readonly tooCoarse: boolean;
}

/** What `percent` of `instanceCount` instances really is: one rule for the endpoint and the platform spec. */
export function instanceShare(percent: number, instanceCount: number): InstanceShare {
  const sharePercent = canarySharePercent(percent, instanceCount);
  return {
    instances: canaryInstances(percent, instanceCount),
    sharePercent,
    differs: Math.round(sharePercent) !== percent,
    tooCoarse: sharePercent > MAX_CANARY_SHARE_FACTOR * percent,
  };
}

/**
 * The real share of traffic of a canary, or of each step of a linear rollout (LinearStepSize is whole
 * instances too): the problem when it is too coarse, else a warning when it differs from the request.
 */
export function canaryShare(
  spec: Record<string, unknown>,
  instanceCount: number,
  fallback: string,
  acceptCoarse = false,
): { readonly problem?: [string, string]; readonly warning?: string } {
  const routing = trafficRouting(spec, instanceCount, fallback);
  const canarySize = routing.routing?.CanarySize?.Value;
  const percent = canarySize ?? routing.routing?.LinearStepSize?.Value;
  if (percent === undefined || routing.problems.length > 0) {
    return {};
  }
  const s = instanceShare(percent, instanceCount);
  if (!s.differs) {
    return {};
  }
  const what = canarySize !== undefined ? 'canary' : 'linear step';
  const real = `a ${percent}% ${what} on ${instanceCount} instances is ${s.instances} instance${s.instances === 1 ? '' : 's'}: ${Math.round(s.sharePercent)}% of the traffic (SageMaker shifts whole instances)`;
  if (s.tooCoarse && !acceptCoarse) {
    const enough = Math.ceil(100 / percent);
    const property = spec.type === RolloutType.STAGED ? 'rollout.steps' : canarySize !== undefined ? 'rollout.percent' : 'rollout.stepPercent';
    return {
      problem: [
        property,
        `must not be less than half the ${what}'s real share: ${real}; ask for ${Math.round(s.sharePercent)}%, use initialInstanceCount ≥ ${enough}, or set acceptCoarseCanary`,
      ],
    };
  }
  return { warning: `${real}.` };
}

/** What of the endpoint besides its rollout SageMaker's deployment depends on. */
export interface DeploymentFleet {
  /** The variant's cold-start timeouts (the new fleet's provisioning time). */
  readonly coldStart?: ColdStartTimeouts;
  /** Accept a canary more than `MAX_CANARY_SHARE_FACTOR` times coarser than requested. */
  readonly acceptCoarseCanary?: boolean;
}

/**
 * What SageMaker cannot deploy: the problems of `trafficRouting`, a canary far coarser than asked and
 * a total time above `MaximumExecutionTimeoutInSeconds`, as `[property path, "must …"]` pairs.
 */
export function deploymentProblems(
  spec: Record<string, unknown>,
  instanceCount: number,
  fallback: string,
  terminationWaitSeconds: number,
  fleet: DeploymentFleet = {},
): Array<[string, string]> {
  const routing = trafficRouting(spec, instanceCount, fallback);
  const problems = [...routing.problems];
  const share = canaryShare(spec, instanceCount, fallback, fleet.acceptCoarseCanary);
  if (share.problem) {
    problems.push(share.problem);
  }
  if (executionTimeoutSeconds(routing.totalWaitSeconds, terminationWaitSeconds, fleet.coldStart) > MAX_EXECUTION_TIMEOUT_SECONDS) {
    const provisioning = provisioningSeconds(fleet.coldStart);
    const minutes = Math.floor((MAX_EXECUTION_TIMEOUT_SECONDS - provisioning - terminationWaitSeconds) / 60);
    problems.push([
      'rollout',
      `must bake for less than ${minutes} minutes in total (SageMaker MaximumExecutionTimeoutInSeconds ≤ ${MAX_EXECUTION_TIMEOUT_SECONDS} ` +
        `covers the bakes, the termination wait and ${provisioning} s to bring up the new fleet, the model's download and start-up timeouts included); ` +
        `got ${routing.totalWaitSeconds} s of bake time`,
    ]);
  }
  return problems;
}

export interface TrafficRouting {
  readonly Type: 'ALL_AT_ONCE' | 'CANARY' | 'LINEAR';
  readonly WaitIntervalInSeconds: number;
  readonly CanarySize?: { Type: 'CAPACITY_PERCENT'; Value: number };
  readonly LinearStepSize?: { Type: 'CAPACITY_PERCENT'; Value: number };
}

export interface RenderedRouting {
  readonly routing?: TrafficRouting;
  /** Sum of the waits, seconds. */
  readonly totalWaitSeconds: number;
  /** What is wrong, as `[property, "must …"]` pairs. */
  readonly problems: Array<[string, string]>;
  readonly warnings: string[];
}

/** What the rendering of one rollout collects: the steps, the fleet, the problems. */
interface RoutingContext {
  readonly steps: ReturnType<typeof expandSteps>;
  readonly instanceCount: number;
  readonly problems: Array<[string, string]>;
  /** The property to name: a staged plan's problems are in its steps (name what the user wrote). */
  readonly prop: (own: string) => string;
}

/** A staged plan as SageMaker can take it: one step is ALL_AT_ONCE, equal steps are LINEAR. */
interface StagedShape {
  readonly type?: RolloutType;
  readonly canaryPercent?: number;
  readonly linearStep?: number;
  readonly warning?: string;
  readonly problem?: [string, string];
}

/**
 * Express a (valid) rollout spec with what SageMaker blue/green offers: ALL_AT_ONCE, one CANARY
 * step, or equal LINEAR steps. A staged plan is LINEAR when its steps are equal; otherwise it
 * cannot be rendered exactly.
 */
export function trafficRouting(
  spec: Record<string, unknown>,
  instanceCount: number,
  /** a `StagedRolloutFallback` value */
  fallback: string,
): RenderedRouting {
  const steps = expandSteps(spec);
  const staged = spec.type === RolloutType.STAGED;
  const ctx: RoutingContext = { steps, instanceCount, problems: [], prop: (own) => (staged ? 'rollout.steps' : own) };
  const shape: StagedShape = staged ? stagedShape(steps, fallback) : { type: spec.type as RolloutType };
  const warnings = shape.warning ? [shape.warning] : [];
  if (shape.problem) {
    return { totalWaitSeconds: 0, problems: [shape.problem], warnings };
  }
  switch (shape.type) {
    case RolloutType.ALL_AT_ONCE: {
      const wait = waitOf(ctx, steps[steps.length - 1].bakeSeconds, ctx.prop('rollout.bake'));
      return { routing: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: wait }, totalWaitSeconds: wait, problems: ctx.problems, warnings };
    }
    case RolloutType.CANARY:
      return { ...canary(ctx, shape.canaryPercent ?? (spec.percent as number)), problems: ctx.problems, warnings };
    default:
      return { ...linear(ctx, shape.linearStep ?? (spec.stepPercent as number)), problems: ctx.problems, warnings };
  }
}

function stagedShape(steps: ReturnType<typeof expandSteps>, fallback: string): StagedShape {
  const increments = steps.map((s, i) => s.percent - (i === 0 ? 0 : steps[i - 1].percent));
  const bakes = steps.slice(0, -1).map((s) => s.bakeSeconds);
  const equal = increments.every((d) => Math.abs(d - increments[0]) < 1e-9) && bakes.every((b) => b === bakes[0]);
  if (steps.length === 1) {
    return { type: RolloutType.ALL_AT_ONCE };
  }
  if (equal) {
    return { type: RolloutType.LINEAR, linearStep: increments[0] };
  }
  if (fallback === FIRST_STEP_AS_CANARY) {
    const canaryPercent = steps[0].percent;
    return {
      type: RolloutType.CANARY,
      canaryPercent,
      warning: `SageMaker cannot express the staged plan ${steps.map((s) => `${s.percent}%`).join(' → ')}: rendered as a ${canaryPercent}% canary, then all traffic.`,
    };
  }
  return {
    problem: [
      'rollout.steps',
      `must be equal steps on SageMaker (it offers one canary step or equal linear steps), e.g. 25 → 50 → 75 → 100; got ${JSON.stringify(steps.map((s) => s.percent))} (set stagedRolloutFallback to FIRST_STEP_AS_CANARY to accept an approximation)`,
    ],
  };
}

/**
 * The offending step of a staged plan, which the problem names as a whole (`rollout.steps`); for a
 * canary or linear rollout the property is the value itself, which the error already shows.
 */
function stepOf(ctx: RoutingContext, percent: number): string {
  return ctx.prop('') === 'rollout.steps' ? ` (a step of ${percent}%)` : '';
}

function canary(ctx: RoutingContext, percent: number): Pick<RenderedRouting, 'routing' | 'totalWaitSeconds'> {
  if (percent > MAX_CANARY_PERCENT) {
    ctx.problems.push([ctx.prop('rollout.percent'), `must be at most ${MAX_CANARY_PERCENT} on SageMaker (CanarySize ≤ 50% of the fleet)${stepOf(ctx, percent)}`]);
  }
  if (!Number.isInteger(percent)) {
    ctx.problems.push([ctx.prop('rollout.percent'), `must be a whole percentage on SageMaker (CanarySize is an integer)${stepOf(ctx, percent)}`]);
  }
  needsFleet(ctx, 'canary');
  const wait = waitOf(ctx, ctx.steps[0].bakeSeconds, ctx.prop('rollout.bake'));
  return { routing: { Type: 'CANARY', WaitIntervalInSeconds: wait, CanarySize: { Type: 'CAPACITY_PERCENT', Value: percent } }, totalWaitSeconds: wait };
}

function linear(ctx: RoutingContext, step: number): Pick<RenderedRouting, 'routing' | 'totalWaitSeconds'> {
  if (step < MIN_LINEAR_STEP_PERCENT || step > MAX_LINEAR_STEP_PERCENT || !Number.isInteger(step)) {
    ctx.problems.push([
      ctx.prop('rollout.stepPercent'),
      `must be whole steps of ${MIN_LINEAR_STEP_PERCENT}-${MAX_LINEAR_STEP_PERCENT}% on SageMaker (LinearStepSize)${stepOf(ctx, step)}`,
    ]);
  }
  needsFleet(ctx, 'linear');
  const wait = waitOf(ctx, ctx.steps[0].bakeSeconds, ctx.prop('rollout.interval'));
  return {
    routing: { Type: 'LINEAR', WaitIntervalInSeconds: wait, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: step } },
    totalWaitSeconds: wait * (ctx.steps.length - 1),
  };
}

function waitOf(ctx: RoutingContext, s: number, property: string): number {
  if (s > MAX_WAIT_INTERVAL_SECONDS) {
    ctx.problems.push([property, `must be at most ${MAX_WAIT_INTERVAL_SECONDS / 60} minutes on SageMaker (WaitIntervalInSeconds ≤ ${MAX_WAIT_INTERVAL_SECONDS})`]);
  }
  return s;
}

function needsFleet(ctx: RoutingContext, what: string): void {
  if (ctx.instanceCount < 2) {
    ctx.problems.push([
      'initialInstanceCount',
      `must be at least 2 for a ${what} rollout (SageMaker shifts whole instances and a canary may hold at most ${MAX_CANARY_PERCENT}% of them); use RolloutPolicy.allAtOnce() for one instance`,
    ]);
  }
}
