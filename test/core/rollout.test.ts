import { Duration } from 'aws-cdk-lib';
import { Duration as K8sDuration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BAKE_MINUTES,
  MAX_BAKE_MINUTES,
  RolloutPolicy,
  RolloutStep,
  RolloutType,
  expandSteps,
  rolloutSchema,
} from '../../lib/core/rollout';
import { collectProblems } from '../../lib/core/validation';

const PATH = 'Stack/Endpoint';

/** The problems `rolloutSchema` finds in a policy, as a construct would report them. */
function problemsOf(policy: RolloutPolicy) {
  return collectProblems(PATH, rolloutSchema, policy._spec);
}

describe('constants', () => {
  it('bakes 10 minutes by default and at most one day', () => {
    expect(DEFAULT_BAKE_MINUTES).toBe(10);
    expect(MAX_BAKE_MINUTES).toBe(1440);
  });
});

describe('RolloutPolicy factories', () => {
  it('takes the Duration of either target (aws-cdk-lib or cdk8s) and carries it in seconds', () => {
    const onAws = RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(15) });
    expect(onAws._spec).toEqual(RolloutPolicy.canary({ percent: 10, bake: K8sDuration.minutes(15) })._spec);
    expect(RolloutPolicy.linear({ stepPercent: 25, interval: K8sDuration.seconds(90) })._spec).toEqual({ type: 'LINEAR', stepPercent: 25, interval: 90 });
  });

  it('allAtOnce keeps its type and options as the spec', () => {
    const policy = RolloutPolicy.allAtOnce({ bake: Duration.minutes(30) });
    expect(policy.type).toBe(RolloutType.ALL_AT_ONCE);
    expect(policy._spec).toEqual({ type: 'ALL_AT_ONCE', bake: 1800 });
  });

  it('allAtOnce without options leaves the bake unset (defaults are applied later)', () => {
    const policy = RolloutPolicy.allAtOnce();
    expect(policy._spec).toStrictEqual({ type: 'ALL_AT_ONCE', bake: undefined });
  });

  it('canary keeps percent and bake', () => {
    const policy = RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(15) });
    expect(policy.type).toBe(RolloutType.CANARY);
    expect(policy._spec).toEqual({ type: 'CANARY', percent: 10, bake: 900 });
  });

  it('linear keeps step and interval', () => {
    const policy = RolloutPolicy.linear({ stepPercent: 25, interval: Duration.minutes(5) });
    expect(policy.type).toBe(RolloutType.LINEAR);
    expect(policy._spec).toEqual({ type: 'LINEAR', stepPercent: 25, interval: 300 });
  });

  it('staged copies the steps, so later changes to the caller\'s array do not leak in', () => {
    const steps: RolloutStep[] = [{ percent: 5, bake: Duration.minutes(20) }, { percent: 100 }];
    const policy = RolloutPolicy.staged({ steps });
    (steps[0] as { percent: number }).percent = 50;
    steps.push({ percent: 7 });
    expect(policy.type).toBe(RolloutType.STAGED);
    expect(policy._spec).toEqual({ type: 'STAGED', steps: [{ percent: 5, bake: 1200 }, { percent: 100 }] });
  });
});

describe('RolloutPolicy.steps', () => {
  it.each<[string, RolloutPolicy, Array<{ percent: number; bakeSeconds: number }>]>([
    ['all at once, default bake', RolloutPolicy.allAtOnce(), [{ percent: 100, bakeSeconds: 600 }]],
    ['all at once, 30 minute bake', RolloutPolicy.allAtOnce({ bake: Duration.minutes(30) }), [{ percent: 100, bakeSeconds: 1800 }]],
    ['all at once, no bake', RolloutPolicy.allAtOnce({ bake: Duration.minutes(0) }), [{ percent: 100, bakeSeconds: 0 }]],
    [
      'canary 10%, default bake',
      RolloutPolicy.canary({ percent: 10 }),
      [{ percent: 10, bakeSeconds: 600 }, { percent: 100, bakeSeconds: 0 }],
    ],
    [
      'canary 5%, 45 minute bake',
      RolloutPolicy.canary({ percent: 5, bake: Duration.minutes(45) }),
      [{ percent: 5, bakeSeconds: 2700 }, { percent: 100, bakeSeconds: 0 }],
    ],
    [
      'linear 25%, default interval',
      RolloutPolicy.linear({ stepPercent: 25 }),
      [
        { percent: 25, bakeSeconds: 600 },
        { percent: 50, bakeSeconds: 600 },
        { percent: 75, bakeSeconds: 600 },
        { percent: 100, bakeSeconds: 0 },
      ],
    ],
    [
      'linear 30% (last step shorter), 5 minute interval',
      RolloutPolicy.linear({ stepPercent: 30, interval: Duration.minutes(5) }),
      [
        { percent: 30, bakeSeconds: 300 },
        { percent: 60, bakeSeconds: 300 },
        { percent: 90, bakeSeconds: 300 },
        { percent: 100, bakeSeconds: 0 },
      ],
    ],
    [
      'linear 50%',
      RolloutPolicy.linear({ stepPercent: 50, interval: Duration.minutes(1) }),
      [{ percent: 50, bakeSeconds: 60 }, { percent: 100, bakeSeconds: 0 }],
    ],
    [
      'linear a third (rounded to 3 decimals)',
      RolloutPolicy.linear({ stepPercent: 100 / 3 }),
      [
        { percent: 33.333, bakeSeconds: 600 },
        { percent: 66.667, bakeSeconds: 600 },
        { percent: 100, bakeSeconds: 0 },
      ],
    ],
    [
      'staged, kept as given with default bakes filled in (the last step bakes too)',
      RolloutPolicy.staged({
        steps: [{ percent: 5, bake: Duration.minutes(30) }, { percent: 25 }, { percent: 50, bake: Duration.minutes(0) }, { percent: 100 }],
      }),
      [
        { percent: 5, bakeSeconds: 1800 },
        { percent: 25, bakeSeconds: 600 },
        { percent: 50, bakeSeconds: 0 },
        { percent: 100, bakeSeconds: 600 },
      ],
    ],
    ['staged, one step', RolloutPolicy.staged({ steps: [{ percent: 100, bake: Duration.minutes(3) }] }), [{ percent: 100, bakeSeconds: 180 }]],
  ])('%s', (_name, policy, expected) => {
    expect(expandSteps(policy._spec)).toEqual(expected);
  });

  it('expandSteps works on a bare spec', () => {
    expect(expandSteps({ type: RolloutType.CANARY, percent: 20 })).toEqual([
      { percent: 20, bakeSeconds: DEFAULT_BAKE_MINUTES * 60 },
      { percent: 100, bakeSeconds: 0 },
    ]);
  });

  it('returns a fresh array each time (callers may not corrupt the policy)', () => {
    const policy = RolloutPolicy.staged({ steps: [{ percent: 50 }, { percent: 100 }] });
    expandSteps(policy._spec).pop();
    expect(expandSteps(policy._spec)).toHaveLength(2);
  });

  // A step the schema accepts must expand to steps that increase and end at exactly one 100% step
  // (the rule the staged schema itself enforces); rounding must not produce a second 100% step.
  it.each([[33.3333], [33.33333], [100 / 3], [12.5], [30], [1]])('linear step of %s percent expands to strictly increasing steps ending at one 100 percent step', (stepPercent) => {
    const policy = RolloutPolicy.linear({ stepPercent });
    expect(problemsOf(policy)).toEqual([]);
    const percents = expandSteps(policy._spec).map((s) => s.percent);
    expect(percents[0]).toBeGreaterThan(0);
    // steps that do not rise above the one before them
    expect(percents.filter((p, i) => i > 0 && p <= percents[i - 1])).toEqual([]);
    expect(percents.filter((p) => p === 100)).toEqual([100]);
    expect(expandSteps(policy._spec)[expandSteps(policy._spec).length - 1]).toEqual({ percent: 100, bakeSeconds: 0 });
  });
});

describe('rolloutSchema', () => {
  it.each<[string, RolloutPolicy]>([
    ['all at once, defaults', RolloutPolicy.allAtOnce()],
    ['all at once, no bake', RolloutPolicy.allAtOnce({ bake: Duration.minutes(0) })],
    ['all at once, one-day bake', RolloutPolicy.allAtOnce({ bake: Duration.minutes(1440) })],
    ['canary 10%', RolloutPolicy.canary({ percent: 10 })],
    ['canary 0.5%', RolloutPolicy.canary({ percent: 0.5, bake: Duration.minutes(60) })],
    ['canary 99%', RolloutPolicy.canary({ percent: 99 })],
    ['linear 25%', RolloutPolicy.linear({ stepPercent: 25 })],
    ['linear 50%, 1440 minute interval', RolloutPolicy.linear({ stepPercent: 50, interval: Duration.minutes(1440) })],
    ['staged 5 → 25 → 50 → 100', RolloutPolicy.staged({ steps: [{ percent: 5, bake: Duration.minutes(30) }, { percent: 25 }, { percent: 50 }, { percent: 100 }] })],
    ['staged 100 only', RolloutPolicy.staged({ steps: [{ percent: 100 }] })],
  ])('accepts %s', (_name, policy) => {
    expect(problemsOf(policy)).toEqual([]);
  });

  // [description, policy, property, received, allowed]
  it.each<[string, RolloutPolicy, string, string, string]>([
    ['canary 0%', RolloutPolicy.canary({ percent: 0 }), 'percent', '0', 'must be a percentage greater than 0'],
    ['canary -5%', RolloutPolicy.canary({ percent: -5 }), 'percent', '-5', 'must be a percentage greater than 0'],
    ['canary 100%', RolloutPolicy.canary({ percent: 100 }), 'percent', '100', 'must be less than 100 (a 100% step is an all-at-once rollout)'],
    ['canary 150%', RolloutPolicy.canary({ percent: 150 }), 'percent', '150', 'must be less than 100 (a 100% step is an all-at-once rollout)'],
    ['canary bake 2000', RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(2000) }), 'bake', '120000', 'must be at most 86400 seconds (one day)'],
    ['canary bake 1441', RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(1441) }), 'bake', '86460', 'must be at most 86400 seconds (one day)'],
    ['all at once bake 2000', RolloutPolicy.allAtOnce({ bake: Duration.minutes(2000) }), 'bake', '120000', 'must be at most 86400 seconds (one day)'],
    ['linear 0%', RolloutPolicy.linear({ stepPercent: 0 }), 'stepPercent', '0', 'must be at least 1 (percent of traffic per step)'],
    ['linear 100%', RolloutPolicy.linear({ stepPercent: 100 }), 'stepPercent', '100', 'must be less than 100 (a 100% step is an all-at-once rollout)'],
    ['linear interval 2000', RolloutPolicy.linear({ stepPercent: 25, interval: Duration.minutes(2000) }), 'interval', '120000', 'must be at most 86400 seconds (one day)'],
    ['linear 0.0004% (unbounded steps)', RolloutPolicy.linear({ stepPercent: 0.0004 }), 'stepPercent', '0.0004', 'must be at least 1 (percent of traffic per step)'],
    [
      'staged steps not increasing',
      RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 5 }, { percent: 100 }] }),
      'steps',
      '[{"percent":10},{"percent":5},{"percent":100}]',
      'must increase and end at 100',
    ],
    [
      'staged steps repeating a percentage',
      RolloutPolicy.staged({ steps: [{ percent: 50 }, { percent: 50 }, { percent: 100 }] }),
      'steps',
      '[{"percent":50},{"percent":50},{"percent":100}]',
      'must increase and end at 100',
    ],
    [
      'staged steps not ending at 100',
      RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 50 }] }),
      'steps',
      '[{"percent":10},{"percent":50}]',
      'must increase and end at 100',
    ],
    [
      'staged step at 0%',
      RolloutPolicy.staged({ steps: [{ percent: 0 }, { percent: 100 }] }),
      'steps[0].percent',
      '0',
      'must be a percentage greater than 0',
    ],
    ['canary bake of half a second', RolloutPolicy.canary({ percent: 10, bake: Duration.millis(500) }), 'bake', '0.5', 'must be whole seconds'],
    [
      'staged step bake 2000',
      RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 100, bake: Duration.minutes(2000) }] }),
      'steps[1].bake',
      '120000',
      'must be at most 86400 seconds (one day)',
    ],
    [
      'staged step with a misspelt key',
      RolloutPolicy.staged({ steps: [{ percent: 10, bakeMinutes: 5 } as RolloutStep, { percent: 100 }] }),
      'steps[0].bakeMinutes',
      '5',
      'is not a known property (check its spelling and nesting)',
    ],
  ])('rejects %s', (_name, policy, property, received, allowed) => {
    expect(problemsOf(policy)).toEqual([{ constructPath: PATH, property, received, allowed }]);
  });

  it('rejects empty staged steps (and, being empty, they do not end at 100 either)', () => {
    expect(problemsOf(RolloutPolicy.staged({ steps: [] }))).toEqual([
      { constructPath: PATH, property: 'steps', received: '[]', allowed: 'must have at least one step' },
      { constructPath: PATH, property: 'steps', received: '[]', allowed: 'must increase and end at 100' },
    ]);
  });

  it('reports a step above 100 and the broken order together', () => {
    expect(problemsOf(RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 150 }] }))).toEqual([
      { constructPath: PATH, property: 'steps[1].percent', received: '150', allowed: 'must be at most 100' },
      { constructPath: PATH, property: 'steps', received: '[{"percent":10},{"percent":150}]', allowed: 'must increase and end at 100' },
    ]);
  });

  it('reports every problem of one policy together', () => {
    expect(problemsOf(RolloutPolicy.canary({ percent: 0, bake: Duration.days(2) }))).toEqual([
      { constructPath: PATH, property: 'percent', received: '0', allowed: 'must be a percentage greater than 0' },
      { constructPath: PATH, property: 'bake', received: '172800', allowed: 'must be at most 86400 seconds (one day)' },
    ]);
  });

  it('rejects options that belong to another rollout type', () => {
    const spec = { type: RolloutType.ALL_AT_ONCE, percent: 10 };
    expect(collectProblems(PATH, rolloutSchema, spec)).toEqual([
      { constructPath: PATH, property: 'percent', received: '10', allowed: 'is not a known property (check its spelling and nesting)' },
    ]);
  });

  it('requires the canary percent', () => {
    const spec = { type: RolloutType.CANARY };
    expect(collectProblems(PATH, rolloutSchema, spec)).toEqual([
      { constructPath: PATH, property: 'percent', received: 'undefined', allowed: 'must be a number' },
    ]);
  });
});
