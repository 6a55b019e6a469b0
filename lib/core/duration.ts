/**
 * A length of time in the target-neutral policies. Neither aws-cdk-lib nor cdk8s may be imported
 * here (lib/core is target-neutral), but both of their `Duration` classes have this shape: a policy
 * such as `RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(10) })` takes aws-cdk-lib's
 * `Duration` in an AWS app and cdk8s's `Duration` in a Kubernetes app, with no third time type.
 */

/** Options of `IDuration.toSeconds`, as both `Duration` classes take them. */
export interface DurationConversionOptions {
  /**
   * Whether a fraction of a second is refused (the conversion throws) rather than returned.
   * @default true
   */
  readonly integral?: boolean;
}

/**
 * A length of time: pass aws-cdk-lib's `Duration` (AWS) or cdk8s's `Duration` (Kubernetes), e.g.
 * `Duration.minutes(10)`. Both have this shape (TypeScript and Python check it structurally; Java and
 * .NET bindings are not published).
 */
export interface IDuration {
  /** The length in seconds. */
  toSeconds(opts?: DurationConversionOptions): number;
  /** The length for people, e.g. `10 minutes`. */
  toHumanString(): string;
}

/**
 * @internal Stands for the seconds of a deploy-time `Duration` made in another unit than seconds
 * (`Duration.minutes(token)`), which no code can convert at synthesis: validation refuses it,
 * naming the property and saying to use `Duration.seconds(token)`.
 */
export const DEPLOY_TIME_SECONDS = -Number.MIN_VALUE;

/**
 * @internal the seconds of an optional duration, as the schemas validate it: a fraction of a second
 * is kept (the schema reports it, naming the property) rather than thrown by `toSeconds`.
 */
export function secondsOf(duration: IDuration | undefined): number | undefined {
  if (duration === undefined) {
    return undefined;
  }
  if (typeof (duration as { isUnresolved?: unknown }).isUnresolved === 'function' && (duration as unknown as { isUnresolved(): boolean }).isUnresolved()) {
    // A deploy-time Duration converts to seconds only when made in seconds (aws-cdk-lib throws otherwise).
    try {
      return duration.toSeconds({ integral: false });
    } catch {
      return DEPLOY_TIME_SECONDS;
    }
  }
  // A plain JavaScript caller may pass a number: left as text, the schema refuses it (expected a number of seconds).
  return typeof duration.toSeconds === 'function' ? duration.toSeconds({ integral: false }) : (`${String(duration)} (not a Duration)` as unknown as number);
}
