import { describe, expect, it } from 'vitest';
import { ExperimentGuardrailKind, ExperimentMetricKind, ExperimentSpec, ExperimentTestKind } from '../../lib/core/experiment';
import { MAX_EXPERIMENT_DAYS, experimentSpecSchema } from '../../lib/core/schemas/experiment';
import { collectProblems } from '../../lib/core/validation';

// The ExperimentSpec's rules (lib/core/schemas/experiment.ts), which aws.Experiment, k8s.Experiment
// and ExperimentMath share: each refused with the property named, every problem at once.

const good: ExperimentSpec = {
  name: 'checkout-v2',
  primaryMetric: { name: 'conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.05, minimumDetectableEffect: 0.005 },
  guardrails: [
    { name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 },
    { name: 'latency', kind: ExperimentGuardrailKind.LATENCY_P99, threshold: 250 },
    { name: 'revenue-drop', kind: ExperimentGuardrailKind.METRIC_DROP, threshold: 0.05, metric: 'revenue' },
  ],
  alpha: 0.05,
  power: 0.8,
  expectedDailyUnits: 20000,
  challengerPercent: 50,
  minimumDays: 14,
  test: ExperimentTestKind.SEQUENTIAL,
};

const problems = (spec: unknown, isUnresolved?: (v: unknown) => boolean) =>
  collectProblems('Test', experimentSpecSchema, spec, isUnresolved).map((p) => [p.property, p.allowed]);

describe('experimentSpecSchema', () => {
  it('accepts a full spec, a minimal one and a MEAN metric', () => {
    expect(problems(good)).toEqual([]);
    expect(problems({ name: 'a', primaryMetric: good.primaryMetric, expectedDailyUnits: 1000 })).toEqual([]);
    expect(problems({ ...good, primaryMetric: { name: 'revenue', kind: 'MEAN', baseline: 12, standardDeviation: 30, minimumDetectableEffect: 0.5 } })).toEqual([]);
  });

  it.each([
    ['name', { name: 'Checkout' }, 'must be 1–40 lowercase letters'],
    ['name', { name: 'a'.repeat(41) }, 'must be 1–40 lowercase letters'],
    ['name', { name: '-a' }, 'must be 1–40 lowercase letters'],
    ['alpha', { alpha: 0 }, 'must be greater than 0'],
    ['alpha', { alpha: 0.6 }, 'must be at most 0.5'],
    ['power', { power: 0.4 }, 'must be at least 0.5'],
    ['power', { power: 1 }, 'must be less than 1'],
    ['expectedDailyUnits', { expectedDailyUnits: 0 }, 'must be greater than 0'],
    ['expectedDailyUnits', { expectedDailyUnits: Infinity }, 'must be a number'],
    ['challengerPercent', { challengerPercent: 0 }, 'must be at least 1'],
    ['challengerPercent', { challengerPercent: 100 }, 'must be at most 99'],
    ['challengerPercent', { challengerPercent: 12.5 }, 'must be a whole number of percent'],
    ['minimumDays', { minimumDays: 0 }, 'must be at least 1'],
    ['minimumDays', { minimumDays: MAX_EXPERIMENT_DAYS + 1 }, `must be at most ${MAX_EXPERIMENT_DAYS}`],
    ['test', { test: 'BAYESIAN' }, 'must be one of'],
    ['primaryMetric.name', { primaryMetric: { ...good.primaryMetric, name: 'conversion rate' } }, 'must be a metric name valid on both targets'],
    ['primaryMetric.kind', { primaryMetric: { ...good.primaryMetric, kind: 'RATIO' } }, 'must be one of'],
    ['primaryMetric.baseline', { primaryMetric: { ...good.primaryMetric, baseline: 1.2 } }, 'must be a proportion between 0 and 1'],
    ['primaryMetric.minimumDetectableEffect', { primaryMetric: { ...good.primaryMetric, minimumDetectableEffect: 0 } }, 'must be greater than 0'],
    ['primaryMetric.minimumDetectableEffect', { primaryMetric: { ...good.primaryMetric, minimumDetectableEffect: 0.96 } }, 'between 0 and 1: it is the challenger\'s designed proportion'],
    ['primaryMetric.minimumDetectableEffect', { primaryMetric: { ...good.primaryMetric, higherIsBetter: false, minimumDetectableEffect: 0.05 } }, 'must keep baseline − minimumDetectableEffect'],
    ['primaryMetric.standardDeviation', { primaryMetric: { ...good.primaryMetric, kind: 'MEAN', baseline: 12 } }, 'must be set for a MEAN metric'],
    ['primaryMetric.standardDeviation', { primaryMetric: { ...good.primaryMetric, standardDeviation: 0.2 } }, 'must be set only for a MEAN metric'],
    ['primaryMetric.standardDeviation', { primaryMetric: { ...good.primaryMetric, kind: 'MEAN', standardDeviation: -1 } }, 'must be greater than 0'],
    ['primaryMetric.unit', { primaryMetric: { ...good.primaryMetric, unit: 'users' } }, 'is not a known property'],
    ['guardrails[2].metric', { guardrails: [good.guardrails![0], good.guardrails![1], { name: 'drop', kind: 'METRIC_DROP', threshold: 0.05 }] }, 'must be set for a METRIC_DROP guardrail'],
    ['guardrails[0].metric', { guardrails: [{ ...good.guardrails![0], metric: 'revenue' }] }, 'must be set only for a METRIC_DROP guardrail'],
    ['guardrails[1].name', { guardrails: [good.guardrails![0], { ...good.guardrails![1], name: 'errors' }] }, 'must be unique among the guardrails'],
    ['guardrails[0].name', { guardrails: [{ ...good.guardrails![0], name: 'error rate' }] }, 'must be 1–64 letters, digits and "-"'],
    ['guardrails[0].threshold', { guardrails: [{ ...good.guardrails![0], threshold: 1.5 }] }, 'must be a fraction below 1 for ERROR_RATE'],
    ['guardrails[0].threshold', { guardrails: [{ ...good.guardrails![0], threshold: 0 }] }, 'must be greater than 0'],
    ['guardrails[0].kind', { guardrails: [{ ...good.guardrails![0], kind: 'CPU' }] }, 'must be one of'],
    ['power', { alpha: 0.5, power: 0.5 }, 'must be greater than alpha (0.5)'],
    ['expectedDailyUnits', { expectedDailyUnits: 100 }, `within ${MAX_EXPERIMENT_DAYS} days`],
    ['owner', { owner: 'me' }, 'is not a known property'],
  ])('refuses %s (%j)', (property, change, allowed) => {
    const found = problems({ ...good, ...change });
    expect(found.map(([p]) => p)).toEqual([property]);
    expect(found[0][1]).toContain(allowed);
  });

  it('reports every problem at once', () => {
    expect(problems({
      name: 'Bad Name',
      primaryMetric: { name: 'revenue', kind: 'MEAN', baseline: 12, minimumDetectableEffect: -1 },
      guardrails: [
        { name: 'drop', kind: 'METRIC_DROP', threshold: 2 },
        { name: 'drop', kind: 'ERROR_RATE', threshold: 0.01 },
      ],
      alpha: 0.9,
      expectedDailyUnits: -5,
    }).map(([p]) => p)).toEqual([
      'name',
      'primaryMetric.minimumDetectableEffect',
      'primaryMetric.standardDeviation',
      'guardrails[0].metric',
      'guardrails[0].threshold',
      'alpha',
      'expectedDailyUnits',
      'guardrails[1].name',
    ]);
  });

  it('refuses a deploy-time token where the design needs the value, and judges no rule on one', () => {
    const TOKEN = -1.8881545897087626e+289;
    const isToken = (v: unknown) => v === TOKEN;
    expect(problems({ ...good, expectedDailyUnits: TOKEN, alpha: TOKEN }, isToken)).toEqual([
      ['alpha', 'must be known at synthesis, not a deploy-time value (the design (sample size, planned days) is computed at synthesis)'],
      ['expectedDailyUnits', 'must be known at synthesis, not a deploy-time value (the design (sample size, planned days) is computed at synthesis)'],
    ]);
    expect(problems({ ...good, guardrails: [{ ...good.guardrails![0], threshold: TOKEN }] }, isToken)).toEqual([
      ['guardrails[0].threshold', 'must be known at synthesis, not a deploy-time value (it is written into the guardrail\'s alarm or alert)'],
    ]);
  });
});
