import { describe, expect, it } from 'vitest';
import { ExperimentMath } from '../../lib/core/experiment/experiment-math';
import { ExperimentDecisionKind, ExperimentMetricKind, ExperimentSpec } from '../../lib/core/experiment/spec';
import { ExperimentAnalysis, ExperimentArm } from '../../lib/runtime/experiment-analysis';

const spec: ExperimentSpec = {
  name: 'churn-v8-retention',
  primaryMetric: { name: 'retained', kind: ExperimentMetricKind.PROPORTION, baseline: 0.05, minimumDetectableEffect: 0.005 },
  expectedDailyUnits: 20000,
  challengerPercent: 20,
};

describe('runtime.ExperimentAnalysis', () => {
  it('assigns a user to the same arm every time, and about challengerPercent of users to the challenger', () => {
    const ids = Array.from({ length: 20000 }, (_, i) => `user-${i}`);
    const arms = ids.map((id) => ExperimentAnalysis.assign(id, spec));
    expect(ids.map((id) => ExperimentAnalysis.assign(id, spec))).toEqual(arms);
    const share = arms.filter((a) => a === ExperimentArm.CHALLENGER).length / ids.length;
    // 20 % ± 4 binomial standard errors (0.28 points at n = 20,000).
    expect(Math.abs(share - 0.2)).toBeLessThan(4 * Math.sqrt(0.2 * 0.8 / ids.length));
  });

  it('reshuffles users for another experiment (the name salts the hash)', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const other = { ...spec, name: 'churn-v9-retention' };
    const same = ids.filter((id) => ExperimentAnalysis.assign(id, spec) === ExperimentAnalysis.assign(id, other)).length;
    // Independent assignments agree for 0.8² + 0.2² = 68 % of users, not all of them.
    expect(same / ids.length).toBeGreaterThan(0.6);
    expect(same / ids.length).toBeLessThan(0.76);
  });

  it('designs and decides with the core math (one implementation)', () => {
    expect(ExperimentAnalysis.design(spec)).toEqual(ExperimentMath.design(spec));
    const input = { spec, control: { units: 80000, sum: 4000 }, challenger: { units: 20000, sum: 1400 }, daysElapsed: 5 };
    const decision = ExperimentAnalysis.decide(input);
    expect(decision).toEqual(ExperimentMath.decide(input));
    expect(decision.kind).toBe(ExperimentDecisionKind.CHALLENGER_WINS);
  });
});
