import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { RolloutPolicy, RolloutStep } from '../../lib/core/rollout';
import {
  MAX_CANARY_PERCENT,
  MAX_LINEAR_STEP_PERCENT,
  MAX_WAIT_INTERVAL_SECONDS,
  MIN_LINEAR_STEP_PERCENT,
  FIRST_STEP_AS_CANARY,
  INSTANCE_LAUNCH_MARGIN_SECONDS,
  MAX_CANARY_SHARE_FACTOR,
  MAX_ROLLBACK_ALARMS,
  MAX_VARIANT_TIMEOUT_SECONDS,
  NEW_FLEET_DIMENSION,
  PROVISIONING_ALLOWANCE_SECONDS,
  canaryInstances,
  canaryShare,
  instanceShare,
  canarySharePercent,
  coldStartTimeouts,
  defaultCanaryPercent,
  deploymentProblems,
  executionTimeoutSeconds,
  provisioningSeconds,
  rollbackAlarmCount,
  rollbackAlarmProblems,
  trafficRouting,
} from '../../lib/core/sagemaker-routing';

// The values of the aws StagedRolloutFallback enum.
const REJECT = 'REJECT';

const render = (policy: RolloutPolicy, instanceCount = 2, fallback = REJECT) => trafficRouting(policy._spec, instanceCount, fallback);
const staged = (...steps: RolloutStep[]) => RolloutPolicy.staged({ steps });

const WAIT_TOO_LONG = 'must be at most 60 minutes on SageMaker (WaitIntervalInSeconds ≤ 3600)';
const ONE_INSTANCE = (what: string) =>
  `must be at least 2 for a ${what} rollout (SageMaker shifts whole instances and a canary may hold at most 50% of them); use RolloutPolicy.allAtOnce() for one instance`;

describe('SageMaker limits', () => {
  it('match the API reference', () => {
    expect(MAX_WAIT_INTERVAL_SECONDS).toBe(3600);
    expect(MAX_CANARY_PERCENT).toBe(50);
    expect(MIN_LINEAR_STEP_PERCENT).toBe(10);
    expect(MAX_LINEAR_STEP_PERCENT).toBe(50);
  });
});

describe('ALL_AT_ONCE', () => {
  it.each<[string, RolloutPolicy, number]>([
    ['default bake', RolloutPolicy.allAtOnce(), 600],
    ['no bake', RolloutPolicy.allAtOnce({ bake: Duration.minutes(0) }), 0],
    ['30 minute bake', RolloutPolicy.allAtOnce({ bake: Duration.minutes(30) }), 1800],
    ['60 minute bake (the limit)', RolloutPolicy.allAtOnce({ bake: Duration.minutes(60) }), 3600],
  ])('waits bake × 60 seconds (%s)', (_name, policy, wait) => {
    expect(render(policy)).toStrictEqual({
      routing: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: wait },
      totalWaitSeconds: wait,
      problems: [],
      warnings: [],
    });
  });

  it('works with one instance', () => {
    expect(render(RolloutPolicy.allAtOnce(), 1).problems).toEqual([]);
  });

  it('rejects a 90 minute bake', () => {
    expect(render(RolloutPolicy.allAtOnce({ bake: Duration.minutes(90) })).problems).toEqual([['rollout.bake', WAIT_TOO_LONG]]);
  });
});

describe('CANARY', () => {
  it('renders a 10% canary baking 10 minutes on 2 instances', () => {
    expect(render(RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(10) }), 2)).toStrictEqual({
      routing: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 600 },
      totalWaitSeconds: 600,
      problems: [],
      warnings: [],
    });
  });

  it('uses the default bake', () => {
    const r = render(RolloutPolicy.canary({ percent: 20 }), 4);
    expect(r.routing).toEqual({ Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 20 }, WaitIntervalInSeconds: 600 });
    expect(r.totalWaitSeconds).toBe(600);
  });

  it('accepts the largest canary SageMaker allows (50%)', () => {
    expect(render(RolloutPolicy.canary({ percent: 50 })).problems).toEqual([]);
  });

  it.each<[string, RolloutPolicy, number, Array<[string, string]>]>([
    ['a 60% canary', RolloutPolicy.canary({ percent: 60 }), 2, [['rollout.percent', 'must be at most 50 on SageMaker (CanarySize ≤ 50% of the fleet)']]],
    ['one instance', RolloutPolicy.canary({ percent: 10 }), 1, [['initialInstanceCount', ONE_INSTANCE('canary')]]],
    ['a 90 minute bake', RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(90) }), 2, [['rollout.bake', WAIT_TOO_LONG]]],
    [
      'all three at once',
      RolloutPolicy.canary({ percent: 75, bake: Duration.minutes(61) }),
      1,
      [
        ['rollout.percent', 'must be at most 50 on SageMaker (CanarySize ≤ 50% of the fleet)'],
        ['initialInstanceCount', ONE_INSTANCE('canary')],
        ['rollout.bake', WAIT_TOO_LONG],
      ],
    ],
  ])('rejects %s', (_name, policy, instances, problems) => {
    expect(render(policy, instances).problems).toEqual(problems);
  });

  // SageMaker CapacitySize.Value is an Integer with a minimum of 1 (API reference, CapacitySize);
  // the linear path rejects fractional steps, so the canary path must reject fractional sizes too.
  it.each([[2.5], [0.5]])('rejects a canary of %s percent, which SageMaker cannot express (CanarySize is a whole percentage)', (percent) => {
    expect(render(RolloutPolicy.canary({ percent })).problems).toEqual([
      ['rollout.percent', 'must be a whole percentage on SageMaker (CanarySize is an integer)'],
    ]);
  });
});

describe('LINEAR', () => {
  it('renders 25% steps every 5 minutes as three waits', () => {
    expect(render(RolloutPolicy.linear({ stepPercent: 25, interval: Duration.minutes(5) }))).toStrictEqual({
      routing: { Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 300 },
      totalWaitSeconds: 900,
      problems: [],
      warnings: [],
    });
  });

  it.each<[number, number, number]>([
    // [stepPercent, wait per step, total wait] with the default 10 minute interval
    [10, 600, 9 * 600],
    [30, 600, 3 * 600],
    [50, 600, 600],
  ])('renders steps of %s percent', (stepPercent, wait, total) => {
    const r = render(RolloutPolicy.linear({ stepPercent }));
    expect(r.routing).toEqual({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: stepPercent }, WaitIntervalInSeconds: wait });
    expect(r.totalWaitSeconds).toBe(total);
    expect(r.problems).toEqual([]);
  });

  it.each<[string, RolloutPolicy, number, Array<[string, string]>]>([
    ['5% steps', RolloutPolicy.linear({ stepPercent: 5 }), 2, [['rollout.stepPercent', 'must be whole steps of 10-50% on SageMaker (LinearStepSize)']]],
    ['60% steps', RolloutPolicy.linear({ stepPercent: 60 }), 2, [['rollout.stepPercent', 'must be whole steps of 10-50% on SageMaker (LinearStepSize)']]],
    ['12.5% steps', RolloutPolicy.linear({ stepPercent: 12.5 }), 2, [['rollout.stepPercent', 'must be whole steps of 10-50% on SageMaker (LinearStepSize)']]],
    ['one instance', RolloutPolicy.linear({ stepPercent: 25 }), 1, [['initialInstanceCount', ONE_INSTANCE('linear')]]],
    ['a 90 minute interval', RolloutPolicy.linear({ stepPercent: 25, interval: Duration.minutes(90) }), 2, [['rollout.interval', WAIT_TOO_LONG]]],
  ])('rejects %s', (_name, policy, instances, problems) => {
    expect(render(policy, instances).problems).toEqual(problems);
  });
});

describe('STAGED', () => {
  it('renders equal steps with equal bakes exactly as LINEAR', () => {
    const bake = Duration.minutes(15);
    const policy = staged({ percent: 25, bake }, { percent: 50, bake }, { percent: 75, bake }, { percent: 100 });
    expect(render(policy)).toStrictEqual({
      routing: { Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 900 },
      totalWaitSeconds: 2700,
      problems: [],
      warnings: [],
    });
  });

  it('treats default and explicit 10 minute bakes as equal', () => {
    const r = render(staged({ percent: 50 }, { percent: 100 }));
    expect(r.routing).toEqual({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 50 }, WaitIntervalInSeconds: 600 });
    expect(r.totalWaitSeconds).toBe(600);
  });

  it('renders a single 100% step as ALL_AT_ONCE', () => {
    expect(render(staged({ percent: 100, bake: Duration.minutes(20) }), 1)).toStrictEqual({
      routing: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 1200 },
      totalWaitSeconds: 1200,
      problems: [],
      warnings: [],
    });
  });

  const uneven = staged({ percent: 5 }, { percent: 25 }, { percent: 50 }, { percent: 100 });

  it('rejects uneven steps by default, naming the steps and the fallback', () => {
    expect(render(uneven, 2, REJECT)).toStrictEqual({
      totalWaitSeconds: 0,
      problems: [
        [
          'rollout.steps',
          'must be equal steps on SageMaker (it offers one canary step or equal linear steps), e.g. 25 → 50 → 75 → 100; got [5,25,50,100] (set stagedRolloutFallback to FIRST_STEP_AS_CANARY to accept an approximation)',
        ],
      ],
      warnings: [],
    });
  });

  it('rejects equal steps with unequal bakes', () => {
    const plan = staged({ percent: 25, bake: Duration.minutes(5) }, { percent: 50, bake: Duration.minutes(30) }, { percent: 75 }, { percent: 100 });
    const r = render(plan, 2, REJECT);
    expect(r.routing).toBeUndefined();
    expect(r.totalWaitSeconds).toBe(0);
    expect(r.problems).toEqual([
      [
        'rollout.steps',
        'must be equal steps on SageMaker (it offers one canary step or equal linear steps), e.g. 25 → 50 → 75 → 100; got [25,50,75,100] (set stagedRolloutFallback to FIRST_STEP_AS_CANARY to accept an approximation)',
      ],
    ]);
  });

  it('renders uneven steps as a canary of the first step with FIRST_STEP_AS_CANARY, and warns once', () => {
    expect(render(uneven, 2, FIRST_STEP_AS_CANARY)).toStrictEqual({
      routing: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 5 }, WaitIntervalInSeconds: 600 },
      totalWaitSeconds: 600,
      problems: [],
      warnings: ['SageMaker cannot express the staged plan 5% → 25% → 50% → 100%: rendered as a 5% canary, then all traffic.'],
    });
  });

  it.each<[string, RolloutPolicy, number, Array<[string, string]>]>([
    [
      'steps of 5%',
      staged(...Array.from({ length: 20 }, (_, i) => ({ percent: 5 * (i + 1) }))),
      2,
      [['rollout.steps', 'must be whole steps of 10-50% on SageMaker (LinearStepSize) (a step of 5%)']],
    ],
    ['one instance', staged({ percent: 50 }, { percent: 100 }), 1, [['initialInstanceCount', ONE_INSTANCE('linear')]]],
    ['equal 90 minute bakes', staged({ percent: 50, bake: Duration.minutes(90) }, { percent: 100 }), 2, [['rollout.steps', WAIT_TOO_LONG]]],
  ])('rejects equal staged %s', (_name, policy, instances, problems) => {
    expect(render(policy, instances).problems).toEqual(problems);
  });

  // A staged policy has no `percent` or `bakeMinutes`: problems of its canary rendering must point
  // at its steps, as the LINEAR rendering of a staged policy does ('rollout.steps').
  it('names the steps, not properties a staged policy does not have, when its canary rendering is rejected', () => {
    const r = render(staged({ percent: 60, bake: Duration.minutes(90) }, { percent: 80 }, { percent: 100 }), 2, FIRST_STEP_AS_CANARY);
    expect(r.problems).toEqual([
      ['rollout.steps', 'must be at most 50 on SageMaker (CanarySize ≤ 50% of the fleet) (a step of 60%)'],
      ['rollout.steps', WAIT_TOO_LONG],
    ]);
  });

  it('names the steps when a single-step staged policy bakes too long', () => {
    const r = render(staged({ percent: 100, bake: Duration.minutes(90) }), 2);
    expect(r.problems).toEqual([['rollout.steps', WAIT_TOO_LONG]]);
  });
});

describe('deploymentProblems', () => {
  it('adds the total time SageMaker allows a deployment to the routing problems', () => {
    // 9 linear steps of 60 minutes: 32,400 s of bakes, above 28,800 s with the wait and provisioning.
    const slow = RolloutPolicy.linear({ stepPercent: 10, interval: Duration.minutes(60) });
    expect(deploymentProblems(slow._spec, 10, REJECT, 300)).toEqual([
      [
        'rollout',
        'must bake for less than 445 minutes in total (SageMaker MaximumExecutionTimeoutInSeconds ≤ 28800 covers the bakes, the termination wait and 1800 s ' +
          'to bring up the new fleet, the model\'s download and start-up timeouts included); got 32400 s of bake time',
      ],
    ]);
    expect(deploymentProblems(RolloutPolicy.canary({ percent: 60 })._spec, 1, REJECT, 300).map(([p]) => p)).toEqual(['rollout.percent', 'initialInstanceCount']);
    expect(deploymentProblems(RolloutPolicy.canary({ percent: 10 })._spec, 10, REJECT, 300)).toEqual([]);
    // 10% of 2 instances is one instance, half the traffic (issue 12.9).
    expect(deploymentProblems(RolloutPolicy.canary({ percent: 10 })._spec, 2, REJECT, 300).map(([p]) => p)).toEqual(['rollout.percent']);
  });

  it('never times out below SageMaker\'s minimum execution timeout', () => {
    expect(executionTimeoutSeconds(0, 0)).toBe(1800);
    expect(executionTimeoutSeconds(0, 0)).toBeGreaterThanOrEqual(600);
  });
});

describe('the new fleet\'s cold start in MaximumExecutionTimeoutInSeconds (issue 12.8)', () => {
  it('derives the variant timeouts from the model size, capped at SageMaker\'s 3600 s', () => {
    expect(coldStartTimeouts(40)).toEqual({ downloadSeconds: 2520, startupSeconds: 1500 });
    expect(coldStartTimeouts(140)).toEqual({ downloadSeconds: MAX_VARIANT_TIMEOUT_SECONDS, startupSeconds: MAX_VARIANT_TIMEOUT_SECONDS });
    expect(coldStartTimeouts(40, 900)).toEqual({ downloadSeconds: 900, startupSeconds: 1500 });
    expect(coldStartTimeouts()).toEqual({ downloadSeconds: undefined, startupSeconds: undefined });
  });

  it('covers the bakes, the termination wait, the timeouts and the launch margin; 30 minutes when they are SageMaker\'s', () => {
    expect(executionTimeoutSeconds(600, 300, coldStartTimeouts(40))).toBe(600 + 300 + 2520 + 1500 + INSTANCE_LAUNCH_MARGIN_SECONDS);
    expect(executionTimeoutSeconds(600, 300)).toBe(600 + 300 + PROVISIONING_ALLOWANCE_SECONDS);
    expect(provisioningSeconds({ downloadSeconds: 300, startupSeconds: 300 })).toBe(PROVISIONING_ALLOWANCE_SECONDS);
  });

  it('refuses bakes that leave no room for the cold start within 28800 s', () => {
    const linear = { type: 'LINEAR', stepPercent: 10, interval: 2400 };
    expect(deploymentProblems(linear, 10, REJECT, 300)).toEqual([]);
    const problems = deploymentProblems(linear, 10, REJECT, 300, { coldStart: coldStartTimeouts(140) });
    expect(problems.map(([p]) => p)).toEqual(['rollout']);
    expect(problems[0][1]).toContain('must bake for less than 345 minutes in total');
  });
});

describe('the canary\'s real share (issue 12.9)', () => {
  it.each<[number, number, number, number]>([
    [10, 2, 1, 50],
    [10, 5, 1, 20],
    [10, 10, 1, 10],
    [10, 20, 2, 10],
    [25, 4, 1, 25],
    [30, 4, 2, 50],
  ])('%d percent of %d instances is %d instance(s), %d percent of the traffic (rounded up, at least one)', (percent, n, instances, share) => {
    expect(canaryInstances(percent, n)).toBe(instances);
    expect(canarySharePercent(percent, n)).toBe(share);
  });

  it('refuses a share above twice the request unless a coarse canary is accepted, and states any difference', () => {
    const canary = { type: 'CANARY', percent: 10 };
    expect(canaryShare(canary, 2, REJECT).problem).toEqual([
      'rollout.percent',
      'must not be less than half the canary\'s real share: a 10% canary on 2 instances is 1 instance: 50% of the traffic (SageMaker shifts whole instances); ask for 50%, use initialInstanceCount ≥ 10, or set acceptCoarseCanary',
    ]);
    expect(canaryShare(canary, 2, REJECT, true)).toEqual({ warning: 'a 10% canary on 2 instances is 1 instance: 50% of the traffic (SageMaker shifts whole instances).' });
    expect(canaryShare(canary, 5, REJECT).warning).toContain('20% of the traffic');
    expect(canaryShare(canary, 10, REJECT)).toEqual({});
    expect(canaryShare({ type: 'ALL_AT_ONCE' }, 2, REJECT)).toEqual({});
    expect(MAX_CANARY_SHARE_FACTOR).toBe(2);
  });

  it('judges each step of a linear rollout the same way (LinearStepSize is whole instances too)', () => {
    const linear = { type: 'LINEAR', stepPercent: 10, interval: 600 };
    expect(canaryShare(linear, 2, REJECT).problem).toEqual([
      'rollout.stepPercent',
      'must not be less than half the linear step\'s real share: a 10% linear step on 2 instances is 1 instance: 50% of the traffic (SageMaker shifts whole instances); ask for 50%, use initialInstanceCount ≥ 10, or set acceptCoarseCanary',
    ]);
    expect(canaryShare(linear, 4, REJECT, true).warning).toBe('a 10% linear step on 4 instances is 1 instance: 25% of the traffic (SageMaker shifts whole instances).');
    expect(canaryShare({ ...linear, stepPercent: 25 }, 4, REJECT)).toEqual({});
  });

  it('is one rule for the endpoint and the platform spec (instanceShare)', () => {
    expect(instanceShare(10, 2)).toEqual({ instances: 1, sharePercent: 50, differs: true, tooCoarse: true });
    expect(instanceShare(10, 5)).toEqual({ instances: 1, sharePercent: 20, differs: true, tooCoarse: false });
    expect(instanceShare(25, 4)).toEqual({ instances: 1, sharePercent: 25, differs: false, tooCoarse: false });
  });

  it('names the steps of a staged plan rendered as a canary', () => {
    const stagedSpec = { type: 'STAGED', steps: [{ percent: 5 }, { percent: 25 }, { percent: 100 }] };
    expect(canaryShare(stagedSpec, 2, FIRST_STEP_AS_CANARY).problem?.[0]).toBe('rollout.steps');
  });

  it('given no rollout, canaries DEFAULT_CANARY_PERCENT or one instance of a small fleet', () => {
    expect([2, 3, 4, 5, 10, 20].map(defaultCanaryPercent)).toEqual([50, 33, 25, 20, 10, 10]);
    for (const n of [2, 3, 4, 5, 10, 20, 40]) {
      expect(canaryShare({ type: 'CANARY', percent: defaultCanaryPercent(n) }, n, REJECT)).toEqual({});
    }
  });
});

describe('rollback alarms against AutoRollbackConfiguration (issue 12.5)', () => {
  it('counts one alarm per serving variant and trigger on the endpoint\'s metrics, one per metric trigger', () => {
    expect(MAX_ROLLBACK_ALARMS).toBe(10);
    expect(rollbackAlarmCount({ perVariantTriggers: 2, metricTriggers: 1, servingVariants: 3 })).toBe(7);
    expect(rollbackAlarmProblems({ perVariantTriggers: 2, metricTriggers: 0, servingVariants: 5 })).toEqual([]);
    expect(rollbackAlarmProblems({ perVariantTriggers: 2, metricTriggers: 1, servingVariants: 5 })[0][0]).toBe('rollbackTriggers');
  });

  it('narrows invocation metrics to the new fleet with the EndpointConfigName dimension', () => {
    expect(NEW_FLEET_DIMENSION).toBe('EndpointConfigName');
  });
});
