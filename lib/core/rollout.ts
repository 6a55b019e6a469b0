import { z } from 'zod';
import { IDuration, secondsOf } from './duration';
import { DEFAULT_CANARY_PERCENT } from './policy';
import { durationIn } from './schemas/duration-value';
import { knownAtSynthesis, unlessToken } from './validation';

/** Default bake time at each rollout step. Source: team practice (DESIGN.md), 10-minute bakes. */
export const DEFAULT_BAKE_MINUTES = 10;

/** Longest bake time accepted at one step (one day). */
export const MAX_BAKE_MINUTES = 24 * 60;

/** How traffic moves to a new model version. */
export enum RolloutType {
  /** Everything at once, after an optional bake. */
  ALL_AT_ONCE = 'ALL_AT_ONCE',
  /** One canary step, then the rest. */
  CANARY = 'CANARY',
  /** Equal steps at a fixed interval. */
  LINEAR = 'LINEAR',
  /** Explicit steps (e.g. 5% → 25% → 50% → 100%), each with its own bake time. */
  STAGED = 'STAGED',
}

/** One step of a rollout. */
export interface RolloutStep {
  /** Share of traffic on the new version during this step, in (0, 100]. */
  readonly percent: number;
  /**
   * How long to observe this step (its rollback triggers armed) before the next one: whole
   * seconds, at most a day (`Duration` of aws-cdk-lib or cdk8s).
   * @default Duration.minutes(10)
   */
  readonly bake?: IDuration;
}

/** Options of `RolloutPolicy.allAtOnce`. */
export interface AllAtOnceOptions {
  /**
   * How long to watch the rollback triggers after the switch before the old fleet is released:
   * whole seconds, at most a day.
   * @default Duration.minutes(10)
   */
  readonly bake?: IDuration;
}

/** Options of `RolloutPolicy.canary`. */
export interface CanaryOptions {
  /** Share of traffic sent to the canary, in (0, 100). */
  readonly percent: number;
  /**
   * How long the canary bakes before the rest of the traffic moves: whole seconds, at most a day.
   * @default Duration.minutes(10)
   */
  readonly bake?: IDuration;
}

/** Options of `RolloutPolicy.linear`. */
export interface LinearOptions {
  /** Share of traffic moved at each step, in (0, 100). */
  readonly stepPercent: number;
  /**
   * Time between steps: whole seconds, at most a day.
   * @default Duration.minutes(10)
   */
  readonly interval?: IDuration;
}

/** Options of `RolloutPolicy.staged`. */
export interface StagedOptions {
  /** The steps, increasing, the last at 100. */
  readonly steps: RolloutStep[];
}

/**
 * A rollout policy: the same object renders as a SageMaker `DeploymentConfig` on AWS and as Argo
 * Rollouts canary steps (or a KServe canary) on Kubernetes. Validated when a construct uses it, so
 * errors name the construct.
 */
export class RolloutPolicy {
  /** Switch all traffic at once, then bake. */
  public static allAtOnce(options: AllAtOnceOptions = {}): RolloutPolicy {
    return new RolloutPolicy(RolloutType.ALL_AT_ONCE, { bake: secondsOf(options.bake) });
  }

  /** Send `percent` of traffic to the new version, bake, then move the rest. */
  public static canary(options: CanaryOptions): RolloutPolicy {
    return new RolloutPolicy(RolloutType.CANARY, { percent: options.percent, bake: secondsOf(options.bake) });
  }

  /** Move `stepPercent` of traffic every `interval` until all of it has moved. */
  public static linear(options: LinearOptions): RolloutPolicy {
    return new RolloutPolicy(RolloutType.LINEAR, { stepPercent: options.stepPercent, interval: secondsOf(options.interval) });
  }

  /** Explicit steps, e.g. 5% → 25% → 50% → 100%, each with its own bake time. */
  public static staged(options: StagedOptions): RolloutPolicy {
    return new RolloutPolicy(RolloutType.STAGED, { steps: options.steps?.map((s) => ({ ...s, bake: secondsOf(s.bake) })) });
  }

  /** @internal the options as given, validated by `rolloutSchema` with the construct's path */
  public readonly _spec: Record<string, unknown>;

  private constructor(public readonly type: RolloutType, options: Record<string, unknown>) {
    this._spec = { type, ...options };
  }
}

/**
 * The normalised steps of a (valid) rollout spec (`RolloutPolicy._spec`), ending at 100 %, each with
 * its bake time in seconds.
 */
export function expandSteps(spec: Record<string, unknown>): Array<{ readonly percent: number; readonly bakeSeconds: number }> {
  const bake = (seconds: unknown) => (typeof seconds === 'number' ? seconds : DEFAULT_BAKE_MINUTES * 60);
  switch (spec.type) {
    case RolloutType.ALL_AT_ONCE:
      return [{ percent: 100, bakeSeconds: bake(spec.bake) }];
    case RolloutType.CANARY:
      return [
        { percent: spec.percent as number, bakeSeconds: bake(spec.bake) },
        { percent: 100, bakeSeconds: 0 },
      ];
    case RolloutType.LINEAR: {
      const step = spec.stepPercent as number;
      const out: ReturnType<typeof expandSteps> = [];
      // Multiply rather than add (no drift), and stop before a step that rounds to 100.
      for (let k = 1; ; k++) {
        const p = Math.round(k * step * 1000) / 1000;
        if (p >= 100) {
          break;
        }
        out.push({ percent: p, bakeSeconds: bake(spec.interval) });
      }
      out.push({ percent: 100, bakeSeconds: 0 });
      return out;
    }
    default:
      return (spec.steps as Array<{ percent: number; bake?: number }>).map((s) => ({ percent: s.percent, bakeSeconds: bake(s.bake) }));
  }
}

/** Why a rollout's numbers cannot be tokens. */
const STEPS_AT_SYNTH = 'the steps, their alarms and the deployment\'s time limit are computed from it at synthesis';

// Carried in seconds: the Duration is rendered to seconds by the factory (`secondsOf`).
const bake = durationIn('seconds', z.number())
  .min(0, 'must be at least 0 seconds')
  .max(MAX_BAKE_MINUTES * 60, `must be at most ${MAX_BAKE_MINUTES * 60} seconds (one day)`)
  .refine(Number.isInteger, 'must be whole seconds')
  .superRefine(knownAtSynthesis(STEPS_AT_SYNTH))
  .optional();

const partialPercent = z
  .number()
  .gt(0, 'must be a percentage greater than 0')
  .lt(100, 'must be less than 100 (a 100% step is an all-at-once rollout)')
  .superRefine(knownAtSynthesis(STEPS_AT_SYNTH));

/** @internal zod schema of a rollout spec (`RolloutPolicy._spec`) */
export const rolloutSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal(RolloutType.ALL_AT_ONCE), bake }),
  z.strictObject({ type: z.literal(RolloutType.CANARY), percent: partialPercent, bake }),
  // At least 1% per step: smaller steps are not expressible on any target and would expand to
  // an unbounded number of steps.
  z.strictObject({
    type: z.literal(RolloutType.LINEAR),
    stepPercent: z
      .number()
      .min(1, 'must be at least 1 (percent of traffic per step)')
      .lt(100, 'must be less than 100 (a 100% step is an all-at-once rollout)')
      .superRefine(knownAtSynthesis(STEPS_AT_SYNTH)),
    interval: bake,
  }),
  z.strictObject({
    type: z.literal(RolloutType.STAGED),
    steps: z
      .array(
        z.strictObject({
          percent: z.number().gt(0, 'must be a percentage greater than 0').max(100, 'must be at most 100').superRefine(knownAtSynthesis(STEPS_AT_SYNTH)),
          bake,
        }),
      )
      .min(1, 'must have at least one step')
      .superRefine(unlessToken((steps, ctx) => {
        const percents = steps.map((s) => s.percent);
        const increasing = percents.every((p, i) => i === 0 || p > percents[i - 1]);
        if (!increasing || percents[percents.length - 1] !== 100) {
          ctx.addIssue({ code: 'custom', message: 'must increase and end at 100' });
        }
      })),
  }),
]);

/** The rollout of a serving construct that is given none, on both targets: a canary of `DEFAULT_CANARY_PERCENT` baking `DEFAULT_BAKE_MINUTES`. */
export const DEFAULT_ROLLOUT = RolloutPolicy.canary({ percent: DEFAULT_CANARY_PERCENT });
