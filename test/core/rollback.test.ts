import { Duration } from 'aws-cdk-lib';
import { Duration as K8sDuration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  AlarmOwnership,
  DEFAULT_DATAPOINTS_TO_ALARM,
  DEFAULT_EVALUATION_PERIODS,
  DEFAULT_MAX_ERROR_RATE_PERCENT,
  DEFAULT_PERIOD_SECONDS,
  RollbackTrigger,
  RollbackTriggerKind,
  ThresholdComparison,
  ownershipSchema,
  resolveTrigger,
  triggerSchema,
} from '../../lib/core/rollback';
import { SloIndicator } from '../../lib/core/slo/spec';
import { collectProblems } from '../../lib/core/validation';

const PATH = 'Stack/Endpoint';
const OWNERSHIP: AlarmOwnership = { owner: 'fraud-ml-oncall', runbookUrl: 'https://wiki.example.com/runbooks/fraud-model' };

const conversion = (extra: Partial<Parameters<typeof RollbackTrigger.metric>[0]> = {}) =>
  RollbackTrigger.metric({
    name: 'conversion-rate',
    threshold: 2,
    comparison: ThresholdComparison.LESS_THAN,
    cloudWatch: { namespace: 'Acme/Checkout', metricName: 'ConversionRate' },
    ...extra,
  });

function problemsOf(trigger: RollbackTrigger) {
  return collectProblems(PATH, triggerSchema, trigger._spec);
}

describe('constants', () => {
  it('match the documented defaults', () => {
    expect(DEFAULT_MAX_ERROR_RATE_PERCENT).toBe(1);
    expect(DEFAULT_PERIOD_SECONDS).toBe(60);
    expect(DEFAULT_DATAPOINTS_TO_ALARM).toBe(2);
    expect(DEFAULT_EVALUATION_PERIODS).toBe(3);
  });
});

describe('RollbackTrigger factories', () => {
  it('errorRate defaults to 1% and rolls back above it', () => {
    const t = RollbackTrigger.errorRate();
    expect(t.kind).toBe(RollbackTriggerKind.ERROR_RATE);
    expect(t.name).toBe('error-rate');
    expect(t.threshold).toBe(1);
    expect(t.comparison).toBe(ThresholdComparison.GREATER_THAN);
  });

  it('errorRate takes its threshold from maxPercent', () => {
    const t = RollbackTrigger.errorRate({ maxPercent: 0.5 });
    expect(t.threshold).toBe(0.5);
    expect(t.comparison).toBe(ThresholdComparison.GREATER_THAN);
  });

  it('p99Latency rolls back above maxMillis', () => {
    const t = RollbackTrigger.p99Latency({ maxMillis: 250 });
    expect(t.kind).toBe(RollbackTriggerKind.P99_LATENCY);
    expect(t.name).toBe('p99-latency');
    expect(t.threshold).toBe(250);
    expect(t.comparison).toBe(ThresholdComparison.GREATER_THAN);
  });

  it('metric keeps its name, threshold, comparison and metric references', () => {
    const t = conversion({ prometheusQuery: 'sum(rate(conversions[5m]))' });
    expect(t.kind).toBe(RollbackTriggerKind.METRIC);
    expect(t.name).toBe('conversion-rate');
    expect(t.threshold).toBe(2);
    expect(t.comparison).toBe(ThresholdComparison.LESS_THAN);
    expect(t._spec).toEqual({
      kind: 'METRIC',
      name: 'conversion-rate',
      threshold: 2,
      comparison: 'LESS_THAN',
      cloudWatch: { namespace: 'Acme/Checkout', metricName: 'ConversionRate' },
      prometheusQuery: 'sum(rate(conversions[5m]))',
    });
  });
});

describe('resolveTrigger', () => {
  it('applies the ownership and the default alarm shape', () => {
    expect(resolveTrigger(RollbackTrigger.errorRate(), OWNERSHIP)).toStrictEqual({
      kind: RollbackTriggerKind.ERROR_RATE,
      name: 'error-rate',
      threshold: 1,
      comparison: ThresholdComparison.GREATER_THAN,
      owner: 'fraud-ml-oncall',
      runbookUrl: 'https://wiki.example.com/runbooks/fraud-model',
      datapointsToAlarm: 2,
      evaluationPeriods: 3,
      periodSeconds: 60,
      cloudWatch: undefined,
      prometheusQuery: undefined,
      latencyThresholdMillis: undefined,
    });
  });

  it('derives a canary trigger from an SLO objective: its bad ratio above factor × budget, in percent', () => {
    const availability = RollbackTrigger.fromSlo({ name: 'availability', indicator: SloIndicator.AVAILABILITY, objectivePercent: 99.5 }, 14.4);
    expect([availability.kind, availability.name, availability.threshold]).toEqual([RollbackTriggerKind.ERROR_RATE, 'burn-availability', 7.2]);
    const latency = RollbackTrigger.fromSlo({ name: 'latency', indicator: SloIndicator.LATENCY, objectivePercent: 99, latencyThresholdMillis: 250 }, 10);
    expect(resolveTrigger(latency, OWNERSHIP)).toMatchObject({ kind: RollbackTriggerKind.SLOW_REQUESTS, name: 'burn-latency', threshold: 10, latencyThresholdMillis: 250 });
    expect(RollbackTrigger.slowRequests({ latencyThresholdMillis: 300, maxPercent: 2 }).name).toBe('slow-requests');
  });

  it('keeps the trigger\'s own owner, runbook and alarm shape', () => {
    const t = RollbackTrigger.p99Latency({
      maxMillis: 400,
      owner: 'latency-sre',
      runbookUrl: 'https://wiki.example.com/runbooks/latency',
      datapointsToAlarm: 5,
      evaluationPeriods: 10,
      period: Duration.seconds(300),
    });
    expect(resolveTrigger(t, OWNERSHIP)).toMatchObject({
      kind: RollbackTriggerKind.P99_LATENCY,
      name: 'p99-latency',
      threshold: 400,
      owner: 'latency-sre',
      runbookUrl: 'https://wiki.example.com/runbooks/latency',
      datapointsToAlarm: 5,
      evaluationPeriods: 10,
      periodSeconds: 300,
    });
  });

  it.each<[string, RollbackTrigger, string, string]>([
    ['only an owner', RollbackTrigger.errorRate({ owner: 'team-a' }), 'team-a', OWNERSHIP.runbookUrl],
    ['only a runbook', RollbackTrigger.errorRate({ runbookUrl: 'https://r.example.com/a' }), OWNERSHIP.owner, 'https://r.example.com/a'],
  ])('fills in what a trigger with %s leaves out', (_name, t, owner, runbookUrl) => {
    const r = resolveTrigger(t, OWNERSHIP);
    expect(r.owner).toBe(owner);
    expect(r.runbookUrl).toBe(runbookUrl);
  });

  it('carries the metric references of a metric trigger', () => {
    const r = resolveTrigger(conversion({ prometheusQuery: 'q' }), OWNERSHIP);
    expect(r.comparison).toBe(ThresholdComparison.LESS_THAN);
    expect(r.cloudWatch).toEqual({ namespace: 'Acme/Checkout', metricName: 'ConversionRate' });
    expect(r.prometheusQuery).toBe('q');
    expect(r.owner).toBe('fraud-ml-oncall');
  });
});

describe('triggerSchema', () => {
  it.each<[string, RollbackTrigger]>([
    ['errorRate()', RollbackTrigger.errorRate()],
    ['errorRate at 100%', RollbackTrigger.errorRate({ maxPercent: 100 })],
    [
      'errorRate with every option',
      RollbackTrigger.errorRate({
        maxPercent: 5,
        owner: 'ml-platform@example.com',
        runbookUrl: 'https://wiki.example.com/x',
        datapointsToAlarm: 3,
        evaluationPeriods: 3,
        period: Duration.seconds(300),
      }),
    ],
    ['p99Latency', RollbackTrigger.p99Latency({ maxMillis: 250 })],
    ['datapointsToAlarm 4 of 5 periods', RollbackTrigger.errorRate({ datapointsToAlarm: 4, evaluationPeriods: 5 })],
    ['metric with cloudWatch', conversion()],
    ['metric with statistic p99.9 and dimensions', conversion({ cloudWatch: { namespace: 'A', metricName: 'B', statistic: 'p99.9', dimensions: { Shop: 'eu' } } })],
    ['metric with a PromQL query only', conversion({ cloudWatch: undefined, prometheusQuery: 'sum(rate(x[5m]))' })],
  ])('accepts %s', (_name, trigger) => {
    expect(problemsOf(trigger)).toEqual([]);
  });

  // [description, trigger, property, received, allowed]
  it.each<[string, RollbackTrigger, string, string, string]>([
    ['a name with capitals', conversion({ name: 'ConversionRate' }), 'name', '"ConversionRate"', 'must be 1-40 lowercase letters, digits or hyphens'],
    ['a name ending with a hyphen', conversion({ name: 'conversion-' }), 'name', '"conversion-"', 'must be 1-40 lowercase letters, digits or hyphens'],
    ['a name of 41 characters', conversion({ name: 'a'.repeat(41) }), 'name', `"${'a'.repeat(41)}"`, 'must be 1-40 lowercase letters, digits or hyphens'],
    ['a period of 90 seconds', RollbackTrigger.errorRate({ period: Duration.seconds(90) }), 'period', '90', 'must be whole minutes'],
    ['a period of 60.5 seconds', RollbackTrigger.errorRate({ period: Duration.millis(60500) }), 'period', '60.5', 'must be whole minutes'],
    ['datapointsToAlarm 4 > evaluationPeriods 3 (default)', RollbackTrigger.errorRate({ datapointsToAlarm: 4 }), 'datapointsToAlarm', '4', 'must not exceed evaluationPeriods'],
    [
      'datapointsToAlarm 2 (default) > evaluationPeriods 1',
      RollbackTrigger.errorRate({ evaluationPeriods: 1 }),
      'datapointsToAlarm',
      'undefined',
      'must not exceed evaluationPeriods',
    ],
    ['datapointsToAlarm 0', RollbackTrigger.errorRate({ datapointsToAlarm: 0 }), 'datapointsToAlarm', '0', 'must be at least 1'],
    ['evaluationPeriods 101', RollbackTrigger.errorRate({ datapointsToAlarm: 1, evaluationPeriods: 101 }), 'evaluationPeriods', '101', 'must be at most 100'],
    [
      'an http:// runbook',
      RollbackTrigger.errorRate({ runbookUrl: 'http://wiki.example.com/runbook' }),
      'runbookUrl',
      '"http://wiki.example.com/runbook"',
      'must be an https:// link to the runbook',
    ],
    ['an empty owner', RollbackTrigger.errorRate({ owner: '' }), 'owner', '""', 'must name an owning team or rotation (1-100 characters)'],
    [
      'statistic Median',
      conversion({ cloudWatch: { namespace: 'Acme/Checkout', metricName: 'ConversionRate', statistic: 'Median' } }),
      'cloudWatch.statistic',
      '"Median"',
      'must be Average, Sum, Minimum, Maximum, SampleCount or pNN',
    ],
    [
      'an empty metric name',
      conversion({ cloudWatch: { namespace: 'Acme/Checkout', metricName: '' } }),
      'cloudWatch.metricName',
      '""',
      'must have at least 1 characters',
    ],
    ['errorRate maxPercent 0', RollbackTrigger.errorRate({ maxPercent: 0 }), 'maxPercent', '0', 'must be greater than 0'],
    ['errorRate maxPercent 101', RollbackTrigger.errorRate({ maxPercent: 101 }), 'maxPercent', '101', 'must be at most 100'],
    ['p99Latency maxMillis 0', RollbackTrigger.p99Latency({ maxMillis: 0 }), 'maxMillis', '0', 'must be greater than 0 ms'],
    ['an empty PromQL query', conversion({ prometheusQuery: '' }), 'prometheusQuery', '""', 'must have at least 1 characters'],
  ])('rejects %s', (_name, trigger, property, received, allowed) => {
    expect(problemsOf(trigger)).toEqual([{ constructPath: PATH, property, received, allowed }]);
  });

  it('reports a period below one minute as both too short and not whole minutes', () => {
    expect(problemsOf(RollbackTrigger.errorRate({ period: Duration.seconds(30) }))).toEqual([
      { constructPath: PATH, property: 'period', received: '30', allowed: 'must be at least a minute' },
      { constructPath: PATH, property: 'period', received: '30', allowed: 'must be whole minutes' },
    ]);
  });

  it('takes the Duration of either target (aws-cdk-lib or cdk8s)', () => {
    const aws = resolveTrigger(RollbackTrigger.errorRate({ period: Duration.minutes(5) }), OWNERSHIP);
    const k8s = resolveTrigger(RollbackTrigger.errorRate({ period: K8sDuration.minutes(5) }), OWNERSHIP);
    expect(aws).toEqual(k8s);
    expect(aws.periodSeconds).toBe(300);
  });

  it('reports the cross-field rule together with the field rules', () => {
    const t = RollbackTrigger.errorRate({ datapointsToAlarm: 4, runbookUrl: 'http://x.example.com' });
    expect(problemsOf(t).map((p) => [p.property, p.allowed])).toEqual([
      ['runbookUrl', 'must be an https:// link to the runbook'],
      ['datapointsToAlarm', 'must not exceed evaluationPeriods'],
    ]);
  });

  it('rejects an unknown key in the CloudWatch reference', () => {
    const t = conversion({ cloudWatch: { namespace: 'A', metricName: 'B', stat: 'Sum' } as never });
    expect(problemsOf(t)).toEqual([
      { constructPath: PATH, property: 'cloudWatch.stat', received: '"Sum"', allowed: 'is not a known property (check its spelling and nesting)' },
    ]);
  });
});

describe('ownershipSchema', () => {
  it.each<[string, AlarmOwnership]>([
    ['a rotation', OWNERSHIP],
    ['an email-like owner with spaces and dots', { owner: 'ML Platform team.eu@example', runbookUrl: 'https://r.example.com' }],
    ['a one-character owner', { owner: 'x', runbookUrl: 'https://r.example.com/a?b=c' }],
  ])('accepts %s', (_name, ownership) => {
    expect(collectProblems(PATH, ownershipSchema, ownership)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string, string, string]>([
    ['an empty owner', { owner: '', runbookUrl: OWNERSHIP.runbookUrl }, 'owner', '""', 'must name an owning team or rotation (1-100 characters)'],
    ['an owner starting with a space', { owner: ' team', runbookUrl: OWNERSHIP.runbookUrl }, 'owner', '" team"', 'must name an owning team or rotation (1-100 characters)'],
    ['an owner of 101 characters', { owner: 'a'.repeat(101), runbookUrl: OWNERSHIP.runbookUrl }, 'owner', `"${'a'.repeat(101)}"`, 'must name an owning team or rotation (1-100 characters)'],
    ['a missing owner', { runbookUrl: OWNERSHIP.runbookUrl }, 'owner', 'undefined', 'must be a string'],
    ['an http:// runbook', { owner: 'team', runbookUrl: 'http://r.example.com' }, 'runbookUrl', '"http://r.example.com"', 'must be an https:// link to the runbook'],
    ['a runbook with a space', { owner: 'team', runbookUrl: 'https://r.example.com/a b' }, 'runbookUrl', '"https://r.example.com/a b"', 'must be an https:// link to the runbook'],
    ['an unknown key', { ...OWNERSHIP, slack: '#ml' }, 'slack', '"#ml"', 'is not a known property (check its spelling and nesting)'],
  ])('rejects %s', (_name, input, property, received, allowed) => {
    expect(collectProblems(PATH, ownershipSchema, input)).toEqual([{ constructPath: PATH, property, received, allowed }]);
  });
});
