import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { describe, expect, it } from 'vitest';
import { GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/aws/gpu-serving-endpoint';
import { ModelSource } from '../../lib/aws/model-source';
import { ownershipOf } from '../../lib/aws/private/alarms';
import { fitsOneAlarmPeriod } from '../../lib/aws/private/slo-alarms';
import { ServiceLevelObjectives, ServiceLevelObjectivesProps } from '../../lib/aws/service-level-objectives';
import { RollbackTrigger } from '../../lib/core/rollback';
import { BURN_RATE_WINDOWS } from '../../lib/core/slo/burn-rate';
import { SloIndicator, SloObjective } from '../../lib/core/slo/spec';
import { ENV, expectValidationError, newStack } from '../support/aws';
import { awsSolutionsFindings } from '../support/nag';

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud-slo' };
const AVAILABILITY: SloObjective = { name: 'availability', indicator: SloIndicator.AVAILABILITY, objectivePercent: 99.5 };
const LATENCY: SloObjective = { name: 'latency', indicator: SloIndicator.LATENCY, objectivePercent: 99, latencyThresholdMillis: 300 };
const ENDPOINT: GpuServingEndpointProps = {
  model: ModelSource.fromImage({ image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@sha256:${'a'.repeat(64)}`, modelDataUrl: 's3://models/fraud/model.tar.gz' }),
  instanceType: 'ml.g5.xlarge',
  alarmOwnership: OWNERSHIP,
  endpointName: 'fraud',
};

/** An imported endpoint (its name only). */
function imported(stack: Stack) {
  return GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Imported', { endpointName: 'fraud' });
}

function slos(props: Partial<ServiceLevelObjectivesProps> = {}, stack = newStack()) {
  const s = new ServiceLevelObjectives(stack, 'Slo', {
    endpoint: props.endpoint ?? imported(stack),
    objectives: [AVAILABILITY, LATENCY],
    alarmOwnership: OWNERSHIP,
    ...props,
  });
  return { stack, s, t: Template.fromStack(stack) };
}

/** The metric alarms by logical-id prefix, with their properties. */
function alarms(t: Template, prefix: string): any[] {
  return Object.entries<any>(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(prefix)).map(([, r]) => r.Properties);
}

function only(t: Template, type: string, prefix: string): any {
  const all = Object.entries<any>(t.findResources(type)).filter(([id]) => id.startsWith(prefix));
  expect(all.map(([id]) => id)).toHaveLength(1);
  return all[0][1].Properties;
}

const byId = (metrics: any[]) => Object.fromEntries(metrics.map((m) => [m.Id, m]));

describe('ServiceLevelObjectives (AWS)', () => {
  describe('default', () => {
    const topic = (s: Stack) => new sns.Topic(s, 'Pager');
    const stack = newStack();
    const { s, t } = slos({ alarmTopic: topic(stack) }, stack);

    it.each([
      // objective, long/short window, factor, severity, bad-ratio threshold (factor × budget)
      ['availability', '1h', '5m', 3600, 300, 14.4, 'PAGE', 0.072],
      ['availability', '6h', '30m', 21600, 1800, 6, 'PAGE', 0.03],
      ['availability', '1d', '2h', 86400, 7200, 3, 'TICKET', 0.015],
      ['availability', '3d', '6h', 259200, 21600, 1, 'TICKET', 0.005],
      ['latency', '1h', '5m', 3600, 300, 14.4, 'PAGE', 0.144],
      ['latency', '6h', '30m', 21600, 1800, 6, 'PAGE', 0.06],
      ['latency', '1d', '2h', 86400, 7200, 3, 'TICKET', 0.03],
      ['latency', '3d', '6h', 259200, 21600, 1, 'TICKET', 0.01],
    ])('%s %s/%s: both windows above the threshold (one period of the window each), ANDed', (name, long, short, longS, shortS, factor, severity, threshold) => {
      const id = `SloBurn${name}${long}${short}`;
      const [l] = alarms(t, `${id}Long`);
      const [sh] = alarms(t, `${id}Short`);
      for (const [a, period, w] of [[l, longS, long], [sh, shortS, short]] as const) {
        expect(a).toMatchObject({ Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, DatapointsToAlarm: 1, TreatMissingData: 'notBreaching' });
        const ret = a.Metrics.filter((q: any) => q.ReturnData !== false);
        expect(ret).toHaveLength(1);
        expect(ret[0].Expression).toBe(`IF(total_${name}_${w} > 0, bad_${name}_${w} / total_${name}_${w}, 0)`);
        expect(a.Metrics.filter((q: any) => q.MetricStat).every((q: any) => q.MetricStat.Period === period)).toBe(true);
        // the components notify no one: the composite does
        expect(a.AlarmActions).toBeUndefined();
      }
      const composite = only(t, 'AWS::CloudWatch::CompositeAlarm', id);
      const rule = JSON.stringify(stack.resolve(composite.AlarmRule));
      expect(rule).toMatch(new RegExp(`ALARM\\(.*${id}Long.*AND ALARM\\(.*${id}Short`));
      expect(composite.AlarmDescription).toMatch(new RegExp(`^${severity}: fraud burns the ${name} error budget .* at over ${factor}×`));
      expect(composite.AlarmDescription).toContain('\nOwner: fraud-oncall\nRunbook: https://runbooks.example.com/fraud-slo');
      expect(composite.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
      expect(composite.OKActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
      expect(composite.Tags).toEqual(expect.arrayContaining([{ Key: 'mlops:owner', Value: 'fraud-oncall' }, { Key: 'mlops:severity', Value: severity }]));
    });

    it('99.5 % pages at a 7.2 % bad ratio over 1 h AND 5 m (the SRE workbook\'s 14.4×: 2 % of a 30-day budget in an hour)', () => {
      const [l] = alarms(t, 'SloBurnavailability1h5mLong');
      const [sh] = alarms(t, 'SloBurnavailability1h5mShort');
      expect([l.Threshold, sh.Threshold]).toEqual([0.072, 0.072]);
      expect(s.pageAlarms[0].node.id).toBe('Burn-availability-1h-5m');
      expect(ownershipOf(s.pageAlarms[0])).toEqual({ summary: expect.stringContaining('5xx answers above 7.2 % over 1h and 5m'), ...OWNERSHIP });
    });

    it('exposes two page and two ticket composites per objective, in the policy\'s order', () => {
      expect(s.pageAlarms.map((a) => a.node.id)).toEqual(['Burn-availability-1h-5m', 'Burn-availability-6h-30m', 'Burn-latency-1h-5m', 'Burn-latency-6h-30m']);
      expect(s.ticketAlarms.map((a) => a.node.id)).toEqual(['Burn-availability-1d-2h', 'Burn-availability-3d-6h', 'Burn-latency-1d-2h', 'Burn-latency-3d-6h']);
      t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 8);
      // 2 objectives × 4 rows × (long + short)
      expect(alarms(t, 'SloBurn')).toHaveLength(16);
    });

    it('AVAILABILITY: bad = 5xx answers, total = invocations of the primary variant, summed over the window', () => {
      const [a] = alarms(t, 'SloBurnavailability1h5mLong');
      const m = byId(a.Metrics);
      expect(m.bad_availability_1h.Expression).toBe('FILL(e0_availability_1h, 0)');
      expect(m.total_availability_1h.Expression).toBe('FILL(r0_availability_1h, 0)');
      expect(m.r0_availability_1h.MetricStat).toEqual({
        Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: [{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'VariantName', Value: 'primary' }] },
        Period: 3600,
        Stat: 'Sum',
      });
      expect(m.e0_availability_1h.MetricStat.Metric.MetricName).toBe('Invocation5XXErrors');
      expect(m.e0_availability_1h.MetricStat.Stat).toBe('Sum');
    });

    it('LATENCY: bad = requests slower than the threshold, from ModelLatency\'s percentile rank at the threshold in µs', () => {
      const [a] = alarms(t, 'SloBurnlatency6h30mShort');
      const m = byId(a.Metrics);
      expect(m.n0_latency_30m.MetricStat).toMatchObject({ Metric: { MetricName: 'ModelLatency' }, Stat: 'SampleCount', Period: 1800 });
      expect(m.f0_latency_30m.MetricStat).toMatchObject({ Metric: { MetricName: 'ModelLatency' }, Stat: 'PR(:300000)', Period: 1800 });
      expect(m.total_latency_30m.Expression).toBe('FILL(n0_latency_30m, 0)');
      expect(m.bad_latency_30m.Expression).toBe('FILL(n0_latency_30m, 0) * (100 - FILL(f0_latency_30m, 100)) / 100');
    });

    it('creates CloudWatch\'s SLO per objective: request-based, the objective as goal over a rolling 28 days, the policy\'s burn windows', () => {
      const a = only(t, 'AWS::ApplicationSignals::ServiceLevelObjective', 'SloSloavailability');
      expect(a.Name).toBe('fraud-availability');
      expect(a.Goal).toEqual({ AttainmentGoal: 99.5, Interval: { RollingInterval: { Duration: 28, DurationUnit: 'DAY' } } });
      expect(a.BurnRateConfigurations.map((b: any) => b.LookBackWindowMinutes)).toEqual([5, 30, 60, 120, 360, 1440, 4320]);
      const metric = a.RequestBasedSli.RequestBasedSliMetric;
      expect(metric.KeyAttributes).toBeUndefined();
      expect(metric.TotalRequestCountMetric).toEqual([
        {
          Id: 'r0',
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: [{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'VariantName', Value: 'primary' }] },
            Period: 60,
            Stat: 'Sum',
          },
        },
        { Id: 'total', Expression: 'FILL(r0, 0)', ReturnData: true },
      ]);
      expect(metric.MonitoredRequestCountMetric.BadCountMetric.map((q: any) => q.Id)).toEqual(['e0', 'bad']);
      expect(metric.MonitoredRequestCountMetric.BadCountMetric[1]).toEqual({ Id: 'bad', Expression: 'FILL(e0, 0)', ReturnData: true });
      expect(a.Tags).toEqual([{ Key: 'mlops:owner', Value: 'fraud-oncall' }]);

      const l = only(t, 'AWS::ApplicationSignals::ServiceLevelObjective', 'SloSlolatency');
      expect(l.Goal.AttainmentGoal).toBe(99);
      const bad = l.RequestBasedSli.RequestBasedSliMetric.MonitoredRequestCountMetric.BadCountMetric;
      expect(bad.map((q: any) => q.MetricStat?.Stat ?? q.Expression)).toEqual(['SampleCount', 'PR(:300000)', 'FILL(n0, 0) * (100 - FILL(f0, 100)) / 100']);
      expect(s.sloArn('latency')).toBeDefined();
    });

    it('a dashboard of the budget remaining over the SLO window and the burn rates against the policy\'s factors', () => {
      const body = JSON.stringify(stack.resolve(only(t, 'AWS::CloudWatch::Dashboard', 'SloDashboard').DashboardBody));
      expect(body).toContain('availability: error budget remaining over 28 d (%)');
      expect(body).toContain('100 * (1 - ratio_availability_28d / 0.005)');
      expect(body).toContain('100 * (1 - ratio_latency_28d / 0.01)');
      expect(body).toContain('\\"setPeriodToTimeRange\\":true');
      expect(body).toContain('\\"start\\":\\"-P28D\\"');
      expect(body).toContain('ratio_availability_5m / 0.005');
      expect(body).toContain('ratio_latency_6h / 0.01');
      for (const w of BURN_RATE_WINDOWS) {
        expect(body).toContain(`\\"value\\":${w.factor}`);
      }
    });
  });

  describe('metrics', () => {
    const { s, stack } = slos();

    it('metricBadRatio: the ratio over the window as one period', () => {
      const m = s.metricBadRatio('availability', Duration.hours(6));
      expect(m.expression).toBe('IF(total_availability_6h > 0, bad_availability_6h / total_availability_6h, 0)');
      expect(m.period.toSeconds()).toBe(21600);
    });

    it('metricBurnRate and metricBudgetRemaining: ratio / budget, and 100 × (1 − ratio / budget) over the SLO window', () => {
      expect(s.metricBurnRate('latency', Duration.minutes(5)).expression).toBe('ratio_latency_5m / 0.01');
      const remaining = s.metricBudgetRemaining('availability');
      expect(remaining.expression).toBe('100 * (1 - ratio_availability_28d / 0.005)');
      expect(remaining.period.toDays()).toBe(28);
      expect(stack).toBeDefined();
    });

    it('rejects an unknown objective and a window that is not whole minutes or longer than an alarm can read', () => {
      expect(expectValidationError(() => s.metricBadRatio('cost', Duration.hours(1))).problems).toEqual([
        expect.objectContaining({ property: 'objectiveName', allowed: expect.stringContaining('availability, latency') }),
      ]);
      expect(expectValidationError(() => s.metricBadRatio('latency', Duration.seconds(90))).problems[0].property).toBe('window');
      expect(expectValidationError(() => s.metricBadRatio('latency', Duration.days(8))).problems[0].property).toBe('window');
    });
  });

  describe('configured', () => {
    it('sums the named variants, a 30-day window, ticket alarms to their own topic, no SLO resource, no dashboard', () => {
      const stack = newStack();
      const pager = new sns.Topic(stack, 'Pager');
      const tickets = new sns.Topic(stack, 'Tickets');
      const { t, s } = slos({
        variantNames: ['primary', 'challenger'], windowDays: 30, alarmTopic: pager, ticketTopic: tickets, applicationSignals: false, dashboard: false,
      }, stack);
      t.resourceCountIs('AWS::ApplicationSignals::ServiceLevelObjective', 0);
      t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
      expect(s.dashboard).toBeUndefined();
      const m = byId(alarms(t, 'SloBurnavailability1h5mLong')[0].Metrics);
      expect(m.bad_availability_1h.Expression).toBe('FILL(e0_availability_1h, 0) + FILL(e1_availability_1h, 0)');
      expect(m.total_availability_1h.Expression).toBe('FILL(r0_availability_1h, 0) + FILL(r1_availability_1h, 0)');
      expect(m.r1_availability_1h.MetricStat.Metric.Dimensions).toEqual([{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'VariantName', Value: 'challenger' }]);
      expect(only(t, 'AWS::CloudWatch::CompositeAlarm', 'SloBurnavailability1h5m').AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
      expect(only(t, 'AWS::CloudWatch::CompositeAlarm', 'SloBurnavailability3d6h').AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Tickets/) }]);
      expect(only(t, 'AWS::CloudWatch::CompositeAlarm', 'SloBurnavailability3d6h').AlarmDescription).toMatch(/^TICKET: .*\(99\.5 % over 30 d\)/);
      expect(() => s.sloArn('availability')).toThrow(/applicationSignals is false/);
    });

    it('watches a GpuServingEndpoint\'s serving variants by default (not its shadow)', () => {
      const stack = newStack();
      const ep = new GpuServingEndpoint(stack, 'Endpoint', ENDPOINT);
      ep.addVariant({ name: 'challenger', model: ENDPOINT.model, weight: 1 });
      const { s, t } = slos({ endpoint: ep }, stack);
      expect(s.variantNames).toEqual(['primary', 'challenger']);
      expect(byId(alarms(t, 'SloBurnlatency1h5mLong')[0].Metrics).total_latency_1h.Expression).toBe('FILL(n0_latency_1h, 0) + FILL(n1_latency_1h, 0)');
    });

    it('addObjective: its SLO, four composites, its dashboard row and its canary trigger, like a constructor objective', () => {
      const stack = newStack();
      const ep = new GpuServingEndpoint(stack, 'Endpoint', ENDPOINT);
      const s = new ServiceLevelObjectives(stack, 'Slo', { endpoint: ep, objectives: [AVAILABILITY], alarmOwnership: OWNERSHIP, canaryBurnRate: 6 });
      s.addObjective({ name: 'fast', indicator: SloIndicator.LATENCY, objectivePercent: 99.9, latencyThresholdMillis: 50 });
      expect(s.pageAlarms.map((a) => a.node.id)).toEqual(['Burn-availability-1h-5m', 'Burn-availability-6h-30m', 'Burn-fast-1h-5m', 'Burn-fast-6h-30m']);
      const t = Template.fromStack(stack);
      expect(alarms(t, 'SloBurnfast1h5mLong')[0].Threshold).toBe(0.0144);
      expect(only(t, 'AWS::ApplicationSignals::ServiceLevelObjective', 'SloSlofast').Goal.AttainmentGoal).toBe(99.9);
      expect(ep.rollbackAlarms.map((a) => a.node.id)).toEqual(['Rollback-error-rate', 'Rollback-burn-availability', 'Rollback-burn-fast']);
      const body = JSON.stringify(stack.resolve(only(t, 'AWS::CloudWatch::Dashboard', 'SloDashboard').DashboardBody));
      expect(body).toContain('fast: error budget remaining over 28 d (%)');
      expect(body.match(/SloBurnfast/g)).toHaveLength(4);
    });

    it('addObjective: rejects a name already used, naming the property', () => {
      const { s } = slos();
      const e = expectValidationError(() => s.addObjective({ ...AVAILABILITY, objectivePercent: 99 }));
      expect(e.problems).toEqual([expect.objectContaining({ property: 'objectives[2].name', allowed: expect.stringContaining('must be unique') })]);
    });

    it('canaryBurnRate: the endpoint\'s canary rolls back on every objective burning faster than the factor', () => {
      const stack = newStack();
      const ep = new GpuServingEndpoint(stack, 'Endpoint', ENDPOINT);
      const { t } = slos({ endpoint: ep, canaryBurnRate: 14.4 }, stack);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('burn-availability of the primary variant\'s new fleet > 7.2%'), Threshold: 7.2 });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('burn-latency of the primary variant\'s new fleet > 14.4%'), Threshold: 14.4 });
      expect(ep.rollbackAlarms.map((a) => a.node.id)).toEqual(['Rollback-error-rate', 'Rollback-burn-availability', 'Rollback-burn-latency']);
    });
  });

  describe('rejected', () => {
    it.each([
      ['an objective of 90 %', { objectives: [{ ...AVAILABILITY, objectivePercent: 90 }] }, 'objectives[0].objectivePercent', 'from 93.1'],
      ['LATENCY without a threshold', { objectives: [{ ...LATENCY, latencyThresholdMillis: undefined }] }, 'objectives[0].latencyThresholdMillis', 'must be set for a LATENCY objective'],
      ['a name used twice', { objectives: [AVAILABILITY, { ...LATENCY, name: 'availability' }] }, 'objectives[1].name', 'must be unique'],
      ['no objective', { objectives: [] }, 'objectives', 'at least one'],
      ['a window of 5 days', { windowDays: 5 }, 'windowDays', '7'],
      ['six variants', { variantNames: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'variantNames', 'at most 5'],
      ['a variant twice', { variantNames: ['a', 'a'] }, 'variantNames', 'twice'],
      ['a runbook that is not a link', { alarmOwnership: { owner: 'x', runbookUrl: 'wiki' } }, 'alarmOwnership.runbookUrl', 'https://'],
    ])('%s, naming the property', (_, props, property, allowed) => {
      const e = expectValidationError(() => slos(props as Partial<ServiceLevelObjectivesProps>));
      expect(e.problems).toEqual([expect.objectContaining({ constructPath: 'TestStack/Slo', property, allowed: expect.stringContaining(allowed) })]);
    });

    it('canaryBurnRate on an imported endpoint (its rollback alarms are not defined here)', () => {
      const e = expectValidationError(() => slos({ canaryBurnRate: 6 }));
      expect(e.problems).toEqual([expect.objectContaining({ property: 'canaryBurnRate', allowed: expect.stringContaining('imported endpoint') })]);
    });

    it('a variant added to the endpoint after the objectives were made (they would not watch it), at synthesis', () => {
      const stack = newStack();
      const ep = new GpuServingEndpoint(stack, 'Endpoint', ENDPOINT);
      new ServiceLevelObjectives(stack, 'Slo', { endpoint: ep, objectives: [AVAILABILITY], alarmOwnership: OWNERSHIP });
      ep.addVariant({ name: 'challenger', model: ENDPOINT.model, weight: 1 });
      const e = expectValidationError(() => Template.fromStack(stack));
      expect(e.problems).toEqual([expect.objectContaining({ property: 'variantNames', allowed: expect.stringContaining('after the endpoint\'s addVariant calls') })]);
    });
  });

  describe('limits', () => {
    it('every window of the policy fits one CloudWatch alarm period (≤ 7 days; ≤ 1 day under an hour)', () => {
      for (const w of BURN_RATE_WINDOWS) {
        expect(fitsOneAlarmPeriod(w.longWindowMinutes)).toBe(true);
        expect(fitsOneAlarmPeriod(w.shortWindowMinutes)).toBe(true);
      }
      expect(fitsOneAlarmPeriod(8 * 1440)).toBe(false);
    });
  });

  describe('rollback triggers from the SLO (RollbackTrigger.fromSlo)', () => {
    it('AVAILABILITY at 14.4×: the new fleet\'s 5xx share above 14.4 × 0.5 % = 7.2 %', () => {
      const stack = newStack();
      const ep = new GpuServingEndpoint(stack, 'Endpoint', ENDPOINT);
      const alarm = ep.addRollbackTrigger(RollbackTrigger.fromSlo(AVAILABILITY, 14.4));
      expect(alarm.node.id).toBe('Rollback-burn-availability');
      const a = only(Template.fromStack(stack), 'AWS::CloudWatch::Alarm', 'EndpointRollbackburnavailability');
      expect(a.Threshold).toBe(7.2);
      expect(a.Metrics.find((q: any) => q.Expression).Expression).toBe('IF(invocations > 0, 100 * errors / invocations, 0)');
    });

    it('LATENCY at 14.4×: the new fleet\'s share of requests slower than 300 ms above 14.4 × 1 % = 14.4 %, per serving variant', () => {
      const stack = newStack();
      const ep = new GpuServingEndpoint(stack, 'Endpoint', ENDPOINT);
      ep.addVariant({ name: 'challenger', model: ENDPOINT.model, weight: 1 });
      const alarm = ep.addRollbackTrigger(RollbackTrigger.fromSlo(LATENCY, 14.4));
      expect(alarm.node.id).toBe('Rollback-burn-latency');
      expect(ep.rollbackAlarms.map((x) => x.node.id)).toContain('Rollback-burn-latency-challenger');
      const t = Template.fromStack(stack);
      const [a] = Object.entries<any>(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => /^EndpointRollbackburnlatency[0-9A-F]{8}$/.test(id)).map(([, r]) => r.Properties);
      expect(a.Threshold).toBe(14.4);
      expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(a.AlarmDescription).toMatch(/burn-latency of the primary variant's new fleet > 14\.4% \(share of requests slower than 300 ms\)/);
      const m = byId(a.Metrics);
      expect(a.Metrics.find((q: any) => q.Expression).Expression).toBe('IF(requests > 0, 100 - fast, 0)');
      expect(m.fast.MetricStat.Stat).toBe('PR(:300000)');
      expect(m.requests.MetricStat.Stat).toBe('SampleCount');
      expect(m.fast.MetricStat.Metric.Dimensions.map((d: any) => d.Name)).toEqual(['EndpointConfigName', 'EndpointName', 'VariantName']);
      expect(alarms(t, 'EndpointRollbackburnlatencychallenger')).toHaveLength(1);
    });
  });

  describe('cdk-nag', () => {
    const build = (stack: Stack) => {
      const ep = new GpuServingEndpoint(stack, 'Endpoint', { ...ENDPOINT, dataCapture: { enabled: false } });
      new ServiceLevelObjectives(stack, 'Slo', {
        endpoint: ep, objectives: [AVAILABILITY, LATENCY], alarmOwnership: OWNERSHIP, canaryBurnRate: 6, alarmTopic: new sns.Topic(stack, 'Pager', { enforceSSL: true }),
      });
    };

    it('AwsSolutions (cdk-nag 3.x): no error and no warning on the objectives with their endpoint', () => {
      // The report lists only plugins with violations (test/aws/nag.test.ts shows a finding when there is one).
      expect(awsSolutionsFindings(build).v3).toEqual([]);
    });

    it('AwsSolutions (cdk-nag 2.x): no error and no warning', () => {
      const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-slo-nag2-')) });
      build(new Stack(app, 'Solo', { env: ENV }));
      Aspects.of(app).add(new AwsSolutionsChecksV2());
      app.synth();
      const found = app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => (m.type === 'aws:cdk:error' || m.type === 'aws:cdk:warning')).map((m) => `${String(m.data).split(': ')[0]} @ ${c.node.path}`));
      expect(found).toEqual([]);
    });
  });
});
