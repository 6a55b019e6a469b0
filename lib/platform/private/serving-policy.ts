import { PlatformServingSpec } from '../../core/platform-spec';
import { DEFAULT_CANARY_PERCENT } from '../../core/policy';
import { DEFAULT_MAX_ERROR_RATE_PERCENT, RollbackTrigger } from '../../core/rollback';
import { DEFAULT_BAKE_MINUTES, RolloutPolicy } from '../../core/rollout';

/** The rollout a model's serving spec asks for: a canary of `canaryPercent` baking `bakeMinutes`, on either target. */
export function rolloutOf(s: PlatformServingSpec): RolloutPolicy {
  return RolloutPolicy.canary({ percent: s.canaryPercent ?? DEFAULT_CANARY_PERCENT, bakeMinutes: s.bakeMinutes ?? DEFAULT_BAKE_MINUTES });
}

/** The rollback triggers of a model's serving spec: the 5xx rate always, p99 latency when it sets a bound. */
export function rollbackTriggersOf(s: PlatformServingSpec): RollbackTrigger[] {
  const triggers = [RollbackTrigger.errorRate({ maxPercent: s.maxErrorRatePercent ?? DEFAULT_MAX_ERROR_RATE_PERCENT })];
  if (s.maxP99LatencyMillis !== undefined) {
    triggers.push(RollbackTrigger.p99Latency({ maxMillis: s.maxP99LatencyMillis }));
  }
  return triggers;
}
