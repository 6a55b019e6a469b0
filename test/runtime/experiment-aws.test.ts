/**
 * The AWS experiment handler (lib/runtime/experiment) with in-process fakes of SageMaker
 * (DescribeEndpoint, UpdateEndpointWeightsAndCapacities: the endpoint's variant weights),
 * CloudWatch (GetMetricData over per-variant totals, DescribeAlarms, PutMetricData recorded) and
 * the SSM record. `npm test` runs without Python; the same handler, bundled, runs against moto's
 * server in test/emulator/experiment.emulator.ts (scripts/experiment-emulator.sh, a validate step).
 */
import { describe, expect, it } from 'vitest';
import { ExperimentDecisionKind, ExperimentGuardrailKind, ExperimentMetricKind, ExperimentSpec } from '../../lib/core/experiment';
import { DECISION_CODES, ExperimentConfig, ExperimentDeps, ExperimentRecord, runExperiment } from '../../lib/runtime/experiment/aws-experiment';
import { configFromEnv } from '../../lib/runtime/experiment/aws-handler';
import { sageMakerApi } from '../../lib/runtime/experiment/aws-sagemaker';
import { serviceEndpoint, ssmStateStore } from '../../lib/runtime/experiment/aws-state';

const SPEC: ExperimentSpec = {
  name: 'checkout-v2',
  primaryMetric: { name: 'Conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.1, minimumDetectableEffect: 0.01 },
  guardrails: [{ name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 }],
  expectedDailyUnits: 20_000,
};
const CONFIG: ExperimentConfig = {
  spec: SPEC,
  endpointName: 'fraud',
  controlVariant: 'primary',
  challengerVariant: 'challenger',
  metricsNamespace: 'Acme/Checkout',
  guardrailAlarms: { 'Serving-ExperimentGuardrailerrors-ABC': 'errors' },
};
const START = '2026-11-01T00:00:00.000Z';
const day = (n: number) => new Date(Date.parse(START) + n * 86_400_000);

/** The account as the handler sees it; every call recorded. */
class FakeAws {
  public readonly calls: Array<{ name: string; input: any }> = [];
  public weights: Record<string, number> = { primary: 1, challenger: 1 };
  public status = 'InService';
  public alarmsInAlarm: string[] = [];
  public record?: string;
  public published: any[] = [];
  /** Per query id: the total the metric's statistic has since the start (c = control, h = challenger; n count, s sum). */
  constructor(public totals: Record<string, number>) {}

  public deps(now: Date): ExperimentDeps {
    const self = this;
    const send = (service: string) => async (command: any) => {
      const name = command.constructor.name.replace(/Command$/, '');
      self.calls.push({ name: `${service}:${name}`, input: command.input });
      return self.answer(name, command.input);
    };
    const call = (name: string, input: any) => {
      self.calls.push({ name: `sagemaker:${name}`, input });
      return self.answer(name, input);
    };
    return {
      sagemaker: {
        describeEndpoint: async (EndpointName: string) => call('DescribeEndpoint', { EndpointName }),
        updateEndpointWeights: async (EndpointName: string, DesiredWeightsAndCapacities: any[]) => {
          call('UpdateEndpointWeightsAndCapacities', { EndpointName, DesiredWeightsAndCapacities });
        },
      },
      cloudwatch: { send: send('cloudwatch') } as any,
      state: {
        get: async () => self.record,
        put: async (value: string) => { self.calls.push({ name: 'ssm:PutParameter', input: value }); self.record = value; },
      },
      now: () => now,
    };
  }

  private answer(name: string, input: any): any {
    switch (name) {
      case 'DescribeEndpoint':
        return {
          EndpointStatus: this.status,
          ProductionVariants: Object.entries(this.weights).map(([VariantName, w]) => ({ VariantName, CurrentWeight: w, DesiredWeight: w })),
        };
      case 'UpdateEndpointWeightsAndCapacities':
        for (const d of input.DesiredWeightsAndCapacities) this.weights[d.VariantName] = d.DesiredWeight;
        return {};
      case 'DescribeAlarms':
        return { MetricAlarms: input.AlarmNames.map((n: string) => ({ AlarmName: n, StateValue: this.alarmsInAlarm.includes(n) ? 'ALARM' : 'OK' })) };
      case 'GetMetricData':
        return { MetricDataResults: input.MetricDataQueries.map((q: any) => ({ Id: q.Id, Values: [this.totals[q.Id] ?? 0] })) };
      case 'PutMetricData':
        this.published.push(...input.MetricData);
        return {};
      default:
        throw new Error(`unexpected call ${name}`);
    }
  }

  public names(): string[] {
    return this.calls.map((c) => c.name);
  }
}

const recordOf = (aws: FakeAws): ExperimentRecord => JSON.parse(aws.record!);
const CLEAR_WIN = { cn: 10_000, cs: 1_000, hn: 10_000, hs: 1_300 };
const TOO_EARLY = { cn: 1_000, cs: 100, hn: 1_000, hs: 104 };
const ALARM_EVENT = {
  'source': 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  'detail': { alarmName: 'Serving-ExperimentGuardrailerrors-ABC', state: { value: 'ALARM' } },
};
const SCHEDULE_EVENT = { 'source': 'aws.events', 'detail-type': 'Scheduled Event' };

describe('a guardrail alarm stops the experiment', () => {
  it('moves all weight to the control, records STOP_GUARDRAIL, and a later analysis does nothing', async () => {
    const aws = new FakeAws(CLEAR_WIN);
    aws.record = JSON.stringify({ experiment: SPEC.name, status: 'RUNNING', startedAt: START, analyses: 2, pValue: 0.5 });
    aws.alarmsInAlarm = ['Serving-ExperimentGuardrailerrors-ABC'];
    const out = await runExperiment(ALARM_EVENT, CONFIG, aws.deps(day(3)));
    expect(out.outcome).toBe(ExperimentDecisionKind.STOP_GUARDRAIL);
    expect(aws.weights).toEqual({ primary: 2, challenger: 0 });
    // The stop comes before anything else is read.
    expect(aws.names().indexOf('sagemaker:UpdateEndpointWeightsAndCapacities')).toBeLessThan(aws.names().indexOf('cloudwatch:GetMetricData'));
    expect(recordOf(aws)).toMatchObject({ status: 'FINISHED', startedAt: START, result: { decision: 'STOP_GUARDRAIL', servingVariant: 'primary', breachedGuardrails: ['errors'] } });
    expect(aws.published.find((m) => m.MetricName === 'Decision').Value).toBe(DECISION_CODES.STOP_GUARDRAIL);

    const calls = aws.calls.length;
    const later = await runExperiment(SCHEDULE_EVENT, CONFIG, aws.deps(day(30)));
    expect(later.outcome).toBe('ALREADY_FINISHED');
    expect(aws.calls.length).toBe(calls);
    expect(aws.weights).toEqual({ primary: 2, challenger: 0 });
  });

  it('a scheduled analysis stops on a guardrail alarm still in ALARM (a stop that failed is retried)', async () => {
    const aws = new FakeAws(CLEAR_WIN);
    aws.alarmsInAlarm = ['Serving-ExperimentGuardrailerrors-ABC'];
    const out = await runExperiment(SCHEDULE_EVENT, { ...CONFIG, startTime: START }, aws.deps(day(5)));
    expect(out.outcome).toBe(ExperimentDecisionKind.STOP_GUARDRAIL);
    expect(aws.weights.challenger).toBe(0);
  });

  it('an endpoint being updated is not changed: the run fails (Lambda retries) and records nothing', async () => {
    const aws = new FakeAws(CLEAR_WIN);
    aws.status = 'Updating';
    await expect(runExperiment(ALARM_EVENT, CONFIG, aws.deps(day(1)))).rejects.toThrow(/Updating, not InService/);
    expect(aws.record).toBeUndefined();
    expect(aws.weights).toEqual({ primary: 1, challenger: 1 });
  });
});

describe('the scheduled analysis', () => {
  it('a clearly better challenger wins: all weight to it, the result recorded, the statistic published', async () => {
    const aws = new FakeAws(CLEAR_WIN);
    aws.record = JSON.stringify({ experiment: SPEC.name, status: 'RUNNING', startedAt: START, analyses: 6 });
    const out = await runExperiment(SCHEDULE_EVENT, CONFIG, aws.deps(day(7)));
    expect(out.outcome).toBe(ExperimentDecisionKind.CHALLENGER_WINS);
    expect(aws.weights).toEqual({ primary: 0, challenger: 2 });
    const record = recordOf(aws);
    expect(record).toMatchObject({ status: 'FINISHED', analyses: 7, result: { decision: 'CHALLENGER_WINS', servingVariant: 'challenger' } });
    expect(record.result!.pValue).toBeLessThan(0.05);
    expect(record.result!.estimate).toBeCloseTo(0.03, 10);
    expect(record.result!.daysElapsed).toBe(7);
    expect(record.result!.control).toEqual({ units: 10_000, sum: 1_000 });
    const published = Object.fromEntries(aws.published.map((m) => [m.MetricName, m]));
    expect(Object.keys(published).sort()).toEqual(['ChallengerUnits', 'ControlUnits', 'DaysElapsed', 'Decision', 'Estimate', 'Lower', 'PValue', 'Upper']);
    expect(published.Decision.Value).toBe(DECISION_CODES.CHALLENGER_WINS);
    expect(published.PValue.Dimensions).toEqual([{ Name: 'Experiment', Value: 'checkout-v2' }]);
    // The queries: SampleCount and Sum of the primary metric per variant, dimension Variant, daily.
    const query = aws.calls.find((c) => c.name === 'cloudwatch:GetMetricData')!.input;
    expect(query.StartTime.toISOString()).toBe(START);
    expect(query.MetricDataQueries.map((q: any) => [q.Id, q.MetricStat.Metric.Dimensions[0].Value, q.MetricStat.Stat, q.MetricStat.Period])).toEqual([
      ['cn', 'primary', 'SampleCount', 86_400], ['cs', 'primary', 'Sum', 86_400], ['hn', 'challenger', 'SampleCount', 86_400], ['hs', 'challenger', 'Sum', 86_400],
    ]);

    const calls = aws.calls.length;
    expect((await runExperiment(SCHEDULE_EVENT, CONFIG, aws.deps(day(8)))).outcome).toBe('ALREADY_FINISHED');
    expect(aws.calls.length).toBe(calls);
  });

  it('CONTINUE leaves the weights alone and carries the p-value to the next analysis', async () => {
    const aws = new FakeAws(TOO_EARLY);
    const out = await runExperiment(SCHEDULE_EVENT, CONFIG, aws.deps(day(0)));
    expect(out.outcome).toBe(ExperimentDecisionKind.CONTINUE);
    expect(aws.names()).not.toContain('sagemaker:UpdateEndpointWeightsAndCapacities');
    expect(aws.names()).not.toContain('sagemaker:DescribeEndpoint');
    expect(aws.weights).toEqual({ primary: 1, challenger: 1 });
    const first = recordOf(aws);
    // The first run records the start.
    expect(first).toMatchObject({ status: 'RUNNING', startedAt: day(0).toISOString(), analyses: 1 });
    expect(aws.published.find((m) => m.MetricName === 'Decision').Value).toBe(DECISION_CODES.CONTINUE);

    const next = await runExperiment(SCHEDULE_EVENT, CONFIG, aws.deps(day(1)));
    expect(next.outcome).toBe(ExperimentDecisionKind.CONTINUE);
    expect(recordOf(aws)).toMatchObject({ startedAt: day(0).toISOString(), analyses: 2 });
    expect(recordOf(aws).pValue).toBeLessThanOrEqual(first.pValue!);
  });

  it('a MEAN metric reads the companion <name>Squared for the sum of squares', async () => {
    const spec: ExperimentSpec = { ...SPEC, primaryMetric: { name: 'Revenue', kind: ExperimentMetricKind.MEAN, baseline: 10, standardDeviation: 5, minimumDetectableEffect: 0.5 } };
    const aws = new FakeAws({ cn: 1000, cs: 10_000, cq: 125_000, hn: 1000, hs: 10_100, hq: 127_000 });
    await runExperiment(SCHEDULE_EVENT, { ...CONFIG, spec, startTime: START }, aws.deps(day(2)));
    const query = aws.calls.find((c) => c.name === 'cloudwatch:GetMetricData')!.input;
    expect(query.MetricDataQueries.filter((q: any) => q.Id.endsWith('q')).map((q: any) => q.MetricStat.Metric.MetricName)).toEqual(['RevenueSquared', 'RevenueSquared']);
  });
});

describe('configuration and the record store', () => {
  it('names every missing variable', () => {
    expect(() => configFromEnv({})).toThrow(/EXPERIMENT_SPEC.*ENDPOINT_NAME.*CONTROL_VARIANT.*CHALLENGER_VARIANT.*METRICS_NAMESPACE.*STATE_PARAMETER/);
  });

  it('reads and writes the SSM parameter through SSM\'s JSON API, signed', async () => {
    const requests: Array<{ target: string; body: any; auth: string }> = [];
    let stored: string | undefined;
    const fakeFetch = (async (_url: URL, init: any) => {
      const headers = init.headers as Record<string, string>;
      const target = headers['x-amz-target'];
      const body = JSON.parse(init.body);
      requests.push({ target, body, auth: headers.authorization });
      if (target === 'AmazonSSM.GetParameter') {
        return stored === undefined
          ? new Response(JSON.stringify({ __type: 'ParameterNotFound' }), { status: 400 })
          : new Response(JSON.stringify({ Parameter: { Value: stored } }), { status: 200 });
      }
      stored = body.Value;
      return new Response(JSON.stringify({ Version: 1 }), { status: 200 });
    }) as unknown as typeof fetch;
    const store = ssmStateStore({
      name: '/cdk-mlops/experiments/checkout-v2',
      region: 'eu-west-1',
      endpoint: 'https://ssm.eu-west-1.amazonaws.com',
      credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' }),
      fetch: fakeFetch,
    });
    expect(await store.get()).toBeUndefined();
    await store.put('{"status":"RUNNING"}');
    expect(await store.get()).toBe('{"status":"RUNNING"}');
    expect(requests.map((r) => r.target)).toEqual(['AmazonSSM.GetParameter', 'AmazonSSM.PutParameter', 'AmazonSSM.GetParameter']);
    expect(requests[1].body).toEqual({ Name: '/cdk-mlops/experiments/checkout-v2', Value: '{"status":"RUNNING"}', Type: 'String', Overwrite: true });
    expect(requests[0].auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/ssm\/aws4_request/);
  });

  it('calls SageMaker\'s JSON API (DescribeEndpoint, UpdateEndpointWeightsAndCapacities), signed for sagemaker; an error is thrown with its type', async () => {
    const requests: Array<{ url: string; target: string; body: any; auth: string }> = [];
    const fakeFetch = (async (url: URL, init: any) => {
      const headers = init.headers as Record<string, string>;
      requests.push({ url: url.toString(), target: headers['x-amz-target'], body: JSON.parse(init.body), auth: headers.authorization });
      return headers['x-amz-target'] === 'SageMaker.DescribeEndpoint'
        ? new Response(JSON.stringify({ EndpointStatus: 'InService', ProductionVariants: [{ VariantName: 'primary', CurrentWeight: 1 }] }), { status: 200 })
        : new Response(JSON.stringify({ __type: 'ValidationException', message: 'endpoint is updating' }), { status: 400 });
    }) as unknown as typeof fetch;
    const api = sageMakerApi({
      region: 'eu-west-1',
      endpoint: serviceEndpoint({}, 'eu-west-1', 'sagemaker'),
      credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' }),
      fetch: fakeFetch,
    });
    expect(await api.describeEndpoint('fraud')).toMatchObject({ EndpointStatus: 'InService' });
    await expect(api.updateEndpointWeights('fraud', [{ VariantName: 'primary', DesiredWeight: 2 }])).rejects.toMatchObject({ name: 'ValidationException' });
    expect(requests.map((r) => [r.url, r.target, r.body])).toEqual([
      ['https://api.sagemaker.eu-west-1.amazonaws.com/', 'SageMaker.DescribeEndpoint', { EndpointName: 'fraud' }],
      ['https://api.sagemaker.eu-west-1.amazonaws.com/', 'SageMaker.UpdateEndpointWeightsAndCapacities', { EndpointName: 'fraud', DesiredWeightsAndCapacities: [{ VariantName: 'primary', DesiredWeight: 2 }] }],
    ]);
    expect(requests[0].auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/sagemaker\/aws4_request/);
    expect(serviceEndpoint({ AWS_ENDPOINT_URL_SAGEMAKER: 'http://127.0.0.1:5000' }, 'eu-west-1', 'sagemaker')).toBe('http://127.0.0.1:5000');
  });
});
