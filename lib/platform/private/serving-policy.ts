// Either target's Duration fits a core policy (core.IDuration); the spec's minutes become one here.
import { Duration } from 'aws-cdk-lib';
import { PlatformServingSpec } from '../../core/platform-spec';
import { DEFAULT_SERVING_REPLICAS } from '../../core/policy';
import { DEFAULT_MAX_ERROR_RATE_PERCENT, RollbackTrigger } from '../../core/rollback';
import { DEFAULT_BAKE_MINUTES, RolloutPolicy } from '../../core/rollout';
import { defaultCanaryPercent } from '../../core/sagemaker-routing';
import { SloSpec } from '../../core/slo/spec';

/**
 * The rollout a model's serving spec asks for: a canary of `canaryPercent` baking `bakeMinutes`, on
 * either target. Without `canaryPercent`, 10 % or one instance when the fleet is too small for it
 * (a canary is whole instances on SageMaker: one of two is half the traffic).
 */
export function rolloutOf(s: PlatformServingSpec): RolloutPolicy {
  return RolloutPolicy.canary({
    percent: s.canaryPercent ?? defaultCanaryPercent(s.instanceCount ?? DEFAULT_SERVING_REPLICAS),
    bake: Duration.minutes(s.bakeMinutes ?? DEFAULT_BAKE_MINUTES),
  });
}

/**
 * The rollback triggers of a model's serving spec: the 5xx rate always, p99 latency when it sets a
 * bound, and with an SLO's `canaryBurnRate` one trigger per objective (`burn-<objective>`: the new
 * fleet's bad ratio above canaryBurnRate × the objective's budget).
 */
export function rollbackTriggersOf(s: PlatformServingSpec, slo?: SloSpec): RollbackTrigger[] {
  const triggers = [RollbackTrigger.errorRate({ maxPercent: s.maxErrorRatePercent ?? DEFAULT_MAX_ERROR_RATE_PERCENT })];
  if (s.maxP99LatencyMillis !== undefined) {
    triggers.push(RollbackTrigger.p99Latency({ maxMillis: s.maxP99LatencyMillis }));
  }
  if (slo?.canaryBurnRate !== undefined) {
    for (const objective of slo.objectives) {
      triggers.push(RollbackTrigger.fromSlo(objective, slo.canaryBurnRate));
    }
  }
  return triggers;
}
