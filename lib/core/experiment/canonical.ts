import { ExperimentGuardrail, ExperimentMetric, ExperimentSpec } from './spec';

// Not exported from the package (a free function): both constructs import it by path.

/**
 * The spec's own keys in one fixed order, nested objects too, and nothing else: what the constructs
 * hand the decision (an environment variable), so that the same spec written with its keys in
 * another order, or inside a larger object (the platform's experiment section), renders the same bytes.
 */
export function canonicalExperimentSpec(s: ExperimentSpec): ExperimentSpec {
  const m: ExperimentMetric = s.primaryMetric;
  const metric: ExperimentMetric = {
    name: m.name,
    kind: m.kind,
    baseline: m.baseline,
    standardDeviation: m.standardDeviation,
    minimumDetectableEffect: m.minimumDetectableEffect,
    higherIsBetter: m.higherIsBetter,
  };
  const guardrails = s.guardrails?.map((g: ExperimentGuardrail): ExperimentGuardrail => ({
    name: g.name, kind: g.kind, threshold: g.threshold, metric: g.metric,
  }));
  return {
    name: s.name,
    primaryMetric: metric,
    guardrails,
    alpha: s.alpha,
    power: s.power,
    expectedDailyUnits: s.expectedDailyUnits,
    challengerPercent: s.challengerPercent,
    minimumDays: s.minimumDays,
    test: s.test,
  };
}
