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
  const problems: Array<[string, string]> = [];
  const warnings: string[] = [];
  const waitOf = (minutes: number, property: string) => {
    const s = Math.round(minutes * 60);
    if (s > MAX_WAIT_INTERVAL_SECONDS) {
      problems.push([property, `must be at most ${MAX_WAIT_INTERVAL_SECONDS / 60} minutes on SageMaker (WaitIntervalInSeconds ≤ ${MAX_WAIT_INTERVAL_SECONDS})`]);
    }
    return s;
  };
  const needsFleet = (what: string) => {
    if (instanceCount < 2) {
      problems.push([
        'initialInstanceCount',
        `must be at least 2 for a ${what} rollout (SageMaker shifts whole instances and a canary may hold at most ${MAX_CANARY_PERCENT}% of them); use RolloutPolicy.allAtOnce() for one instance`,
      ]);
    }
  };

  // Name what the user wrote: a staged plan's problems are in its steps.
  const staged = spec.type === RolloutType.STAGED;
  const prop = (own: string) => (staged ? 'rollout.steps' : own);
  let type = spec.type as RolloutType;
  let canaryPercent: number | undefined;
  let linearStep: number | undefined;
  if (type === RolloutType.STAGED) {
    const increments = steps.map((s, i) => s.percent - (i === 0 ? 0 : steps[i - 1].percent));
    const bakes = steps.slice(0, -1).map((s) => s.bakeMinutes);
    const equal = increments.every((d) => Math.abs(d - increments[0]) < 1e-9) && bakes.every((b) => b === bakes[0]);
    if (steps.length === 1) {
      type = RolloutType.ALL_AT_ONCE;
    } else if (equal) {
      type = RolloutType.LINEAR;
      linearStep = increments[0];
    } else if (fallback === FIRST_STEP_AS_CANARY) {
      type = RolloutType.CANARY;
      canaryPercent = steps[0].percent;
      warnings.push(
        `SageMaker cannot express the staged plan ${steps.map((s) => `${s.percent}%`).join(' → ')}: rendered as a ${canaryPercent}% canary, then all traffic.`,
      );
    } else {
      problems.push([
        'rollout.steps',
        `must be equal steps on SageMaker (it offers one canary step or equal linear steps), e.g. 25 → 50 → 75 → 100; got ${JSON.stringify(steps.map((s) => s.percent))} (set stagedRolloutFallback to FIRST_STEP_AS_CANARY to accept an approximation)`,
      ]);
      return { totalWaitSeconds: 0, problems, warnings };
    }
  }

  switch (type) {
    case RolloutType.ALL_AT_ONCE: {
      const wait = waitOf(steps[steps.length - 1].bakeMinutes, prop('rollout.bakeMinutes'));
      return { routing: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: wait }, totalWaitSeconds: wait, problems, warnings };
    }
    case RolloutType.CANARY: {
      const percent = canaryPercent ?? (spec.percent as number);
      if (percent > MAX_CANARY_PERCENT) {
        problems.push([prop('rollout.percent'), `must be at most ${MAX_CANARY_PERCENT} on SageMaker (CanarySize ≤ 50% of the fleet); got ${percent}`]);
      }
      if (!Number.isInteger(percent)) {
        problems.push([prop('rollout.percent'), `must be a whole percentage on SageMaker (CanarySize is an integer); got ${percent}`]);
      }
      needsFleet('canary');
      const wait = waitOf(steps[0].bakeMinutes, prop('rollout.bakeMinutes'));
      return {
        routing: { Type: 'CANARY', WaitIntervalInSeconds: wait, CanarySize: { Type: 'CAPACITY_PERCENT', Value: percent } },
        totalWaitSeconds: wait,
        problems,
        warnings,
      };
    }
    default: {
      const step = linearStep ?? (spec.stepPercent as number);
      if (step < MIN_LINEAR_STEP_PERCENT || step > MAX_LINEAR_STEP_PERCENT || !Number.isInteger(step)) {
        problems.push([
          prop('rollout.stepPercent'),
          `must be whole steps of ${MIN_LINEAR_STEP_PERCENT}-${MAX_LINEAR_STEP_PERCENT}% on SageMaker (LinearStepSize); got ${step}`,
        ]);
      }
      needsFleet('linear');
      const wait = waitOf(steps[0].bakeMinutes, prop('rollout.intervalMinutes'));
      return {
        routing: { Type: 'LINEAR', WaitIntervalInSeconds: wait, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: step } },
        totalWaitSeconds: wait * (steps.length - 1),
        problems,
        warnings,
      };
    }
  }
}
