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

/** `MaximumExecutionTimeoutInSeconds`: the bakes, the termination wait and time to provision the new fleet. */
export function executionTimeoutSeconds(totalWaitSeconds: number, terminationWaitSeconds: number): number {
  return Math.max(MIN_EXECUTION_TIMEOUT_SECONDS, totalWaitSeconds + terminationWaitSeconds + PROVISIONING_ALLOWANCE_SECONDS);
}

/**
 * What SageMaker cannot deploy: the problems of `trafficRouting` and a total time above
 * `MaximumExecutionTimeoutInSeconds`, as `[property path, "must …"]` pairs.
 */
export function deploymentProblems(
  spec: Record<string, unknown>,
  instanceCount: number,
  fallback: string,
  terminationWaitSeconds: number,
): Array<[string, string]> {
  const routing = trafficRouting(spec, instanceCount, fallback);
  const problems = [...routing.problems];
  if (executionTimeoutSeconds(routing.totalWaitSeconds, terminationWaitSeconds) > MAX_EXECUTION_TIMEOUT_SECONDS) {
    const minutes = (MAX_EXECUTION_TIMEOUT_SECONDS - PROVISIONING_ALLOWANCE_SECONDS - terminationWaitSeconds) / 60;
    problems.push([
      'rollout',
      `must bake for less than ${minutes} minutes in total (SageMaker MaximumExecutionTimeoutInSeconds ≤ ${MAX_EXECUTION_TIMEOUT_SECONDS}); got ${routing.totalWaitSeconds} s of bake time`,
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
      const wait = waitOf(ctx, steps[steps.length - 1].bakeMinutes, ctx.prop('rollout.bakeMinutes'));
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
  const bakes = steps.slice(0, -1).map((s) => s.bakeMinutes);
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

function canary(ctx: RoutingContext, percent: number): Pick<RenderedRouting, 'routing' | 'totalWaitSeconds'> {
  if (percent > MAX_CANARY_PERCENT) {
    ctx.problems.push([ctx.prop('rollout.percent'), `must be at most ${MAX_CANARY_PERCENT} on SageMaker (CanarySize ≤ 50% of the fleet); got ${percent}`]);
  }
  if (!Number.isInteger(percent)) {
    ctx.problems.push([ctx.prop('rollout.percent'), `must be a whole percentage on SageMaker (CanarySize is an integer); got ${percent}`]);
  }
  needsFleet(ctx, 'canary');
  const wait = waitOf(ctx, ctx.steps[0].bakeMinutes, ctx.prop('rollout.bakeMinutes'));
  return { routing: { Type: 'CANARY', WaitIntervalInSeconds: wait, CanarySize: { Type: 'CAPACITY_PERCENT', Value: percent } }, totalWaitSeconds: wait };
}

function linear(ctx: RoutingContext, step: number): Pick<RenderedRouting, 'routing' | 'totalWaitSeconds'> {
  if (step < MIN_LINEAR_STEP_PERCENT || step > MAX_LINEAR_STEP_PERCENT || !Number.isInteger(step)) {
    ctx.problems.push([
      ctx.prop('rollout.stepPercent'),
      `must be whole steps of ${MIN_LINEAR_STEP_PERCENT}-${MAX_LINEAR_STEP_PERCENT}% on SageMaker (LinearStepSize); got ${step}`,
    ]);
  }
  needsFleet(ctx, 'linear');
  const wait = waitOf(ctx, ctx.steps[0].bakeMinutes, ctx.prop('rollout.intervalMinutes'));
  return {
    routing: { Type: 'LINEAR', WaitIntervalInSeconds: wait, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: step } },
    totalWaitSeconds: wait * (ctx.steps.length - 1),
  };
}

function waitOf(ctx: RoutingContext, minutes: number, property: string): number {
  const s = Math.round(minutes * 60);
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
