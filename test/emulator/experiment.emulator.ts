/**
 * The experiment's shipped handler (assets/experiment/index.js) against moto's server: SageMaker
 * (CreateEndpointConfig with two weighted variants, CreateEndpoint, DescribeEndpoint,
 * UpdateEndpointWeightsAndCapacities), CloudWatch (PutMetricData of the business metric per variant,
 * GetMetricData, PutMetricAlarm / SetAlarmState / DescribeAlarms, and the handler's PutMetricData read
 * back with GetMetricData) and SSM (GetParameter / PutParameter of the record), all as moto
 * implements them: nothing is stubbed.
 *
 * Scenarios (issue 17, item 3):
 * a. a guardrail alarm in ALARM (its EventBridge event handed to the handler as EventBridge would):
 *    all weight to the control, STOP_GUARDRAIL recorded, a later analysis does nothing;
 * b. an analysis with a clearly better challenger: CHALLENGER_WINS, all weight to the challenger,
 *    the result recorded, the statistic and the decision published;
 * c. an analysis too early to tell: CONTINUE, the weights untouched, the record RUNNING.
 *
 * Run by scripts/experiment-emulator.sh (a step of scripts/validate.sh), which bundles the runtime,
 * starts `moto_server` on 127.0.0.1 and passes its URL as AWS_ENDPOINT_URL. Not a vitest file:
 * test/runtime/experiment-aws.test.ts covers the decisions with fakes; this shows the same handler
 * on the wire. `EXPERIMENT_BUNDLE=<file>` runs another build of the handler.
 */

import { strict as assert } from 'assert';
import * as path from 'path';
import { CloudWatchClient, GetMetricDataCommand, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ExperimentGuardrailKind, ExperimentMetricKind, ExperimentSpec } from '../../lib/core/experiment/spec';
import type { ExperimentOutcome } from '../../lib/runtime/experiment/aws-experiment';
import { ssmEndpoint, ssmStateStore } from '../../lib/runtime/experiment/aws-state';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.resolve(process.env.EXPERIMENT_BUNDLE ?? path.join(ROOT, 'assets', 'experiment', 'index.js'));

// Never run against real AWS: only a loopback emulator.
const MOTO = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(MOTO)) {
  console.error(`experiment emulator: AWS_ENDPOINT_URL must be a loopback emulator (http://127.0.0.1:<port>); got ${JSON.stringify(MOTO)}. Run through scripts/experiment-emulator.sh.`);
  process.exit(2);
}

const REGION = 'eu-west-1';
const sagemaker = new SageMakerClient({ region: REGION });
const cloudwatch = new CloudWatchClient({ region: REGION });
const HOUR = 3_600_000;
const NOW = Date.now();
const START = new Date(NOW - 7 * 24 * HOUR).toISOString();

const metricName = (experiment: string) => `Conversion_${experiment.replace(/-/g, '_')}`;

const spec = (name: string): ExperimentSpec => ({
  name,
  // A metric name per scenario: moto's GetMetricData ignores the namespace of a query with dimensions
  // (moto/cloudwatch/models.py, get_metric_data), so the scenarios' namespaces alone would mix their data.
  primaryMetric: { name: metricName(name), kind: ExperimentMetricKind.PROPORTION, baseline: 0.1, minimumDetectableEffect: 0.01 },
  guardrails: [{ name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 }],
  expectedDailyUnits: 20_000,
});

/** An endpoint with two variants of weight 1, its guardrail alarm, and the business metric published. */
async function setUp(name: string, units: { control: [number, number]; challenger: [number, number] }): Promise<void> {
  await sagemaker.send(new CreateModelCommand({
    ModelName: `${name}-model`,
    ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sagemaker',
    PrimaryContainer: { Image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/serve:1' },
  }));
  const variant = (VariantName: string) => ({ VariantName, ModelName: `${name}-model`, InitialInstanceCount: 1, InstanceType: 'ml.g4dn.xlarge' as const, InitialVariantWeight: 1 });
  await sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: `${name}-config`, ProductionVariants: [variant('primary'), variant('challenger')] }));
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
  await cloudwatch.send(new PutMetricAlarmCommand({
    AlarmName: `${name}-guardrail-errors`,
    Namespace: 'AWS/SageMaker',
    MetricName: 'Invocation5XXErrors',
    Dimensions: [{ Name: 'EndpointName', Value: name }, { Name: 'VariantName', Value: 'challenger' }],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  }));
  // Per variant, the units' values as one statistic set (SampleCount units, Sum conversions).
  await cloudwatch.send(new PutMetricDataCommand({
    Namespace: `Acme/${name}`,
    MetricData: (['control', 'challenger'] as const).map((arm) => ({
      MetricName: metricName(name),
      Dimensions: [{ Name: 'Variant', Value: arm === 'control' ? 'primary' : 'challenger' }],
      Timestamp: new Date(NOW - 2 * HOUR),
      StatisticValues: { SampleCount: units[arm][0], Sum: units[arm][1], Minimum: 0, Maximum: 1 },
    })),
  }));
}

/** The bundled handler, invoked as Lambda would with the experiment's environment. */
async function invoke(name: string, event: Record<string, unknown>): Promise<ExperimentOutcome> {
  Object.assign(process.env, {
    EXPERIMENT_SPEC: JSON.stringify(spec(name)),
    ENDPOINT_NAME: name,
    CONTROL_VARIANT: 'primary',
    CHALLENGER_VARIANT: 'challenger',
    METRICS_NAMESPACE: `Acme/${name}`,
    STATE_PARAMETER: `/cdk-mlops/experiments/${name}`,
    GUARDRAIL_ALARMS: JSON.stringify({ [`${name}-guardrail-errors`]: 'errors' }),
    START_TIME: START,
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require(BUNDLE) as { handler: (e: unknown) => Promise<ExperimentOutcome> };
  return bundle.handler(event);
}

async function weights(name: string): Promise<Record<string, number | undefined>> {
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
  return Object.fromEntries((endpoint.ProductionVariants ?? []).map((v) => [v.VariantName!, v.CurrentWeight]));
}

async function record(name: string): Promise<any> {
  const credentials = await sagemaker.config.credentials();
  const value = await ssmStateStore({ name: `/cdk-mlops/experiments/${name}`, region: REGION, endpoint: ssmEndpoint(process.env, REGION), credentials: async () => credentials }).get();
  return value === undefined ? undefined : JSON.parse(value);
}

async function published(name: string, metric: string): Promise<number[]> {
  const answer = await cloudwatch.send(new GetMetricDataCommand({
    StartTime: new Date(NOW - HOUR),
    EndTime: new Date(Date.now() + HOUR),
    MetricDataQueries: [{ Id: 'm', MetricStat: { Metric: { Namespace: 'CdkMlops/Experiment', MetricName: metric, Dimensions: [{ Name: 'Experiment', Value: name }] }, Period: 86_400, Stat: 'Maximum' } }],
  }));
  return answer.MetricDataResults?.[0]?.Values ?? [];
}

const SCHEDULE = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };

async function guardrailStops(): Promise<void> {
  const name = 'exp-a';
  await setUp(name, { control: [10_000, 1_000], challenger: [10_000, 1_300] });
  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: `${name}-guardrail-errors`, StateValue: 'ALARM', StateReason: 'emulated breach' }));
  const out = await invoke(name, {
    'source': 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    'detail': { alarmName: `${name}-guardrail-errors`, state: { value: 'ALARM' } },
  });
  assert.equal(out.outcome, 'STOP_GUARDRAIL');
  assert.deepEqual(await weights(name), { primary: 2, challenger: 0 });
  const r = await record(name);
  assert.equal(r.status, 'FINISHED');
  assert.equal(r.result.decision, 'STOP_GUARDRAIL');
  assert.deepEqual(r.result.breachedGuardrails, ['errors']);
  assert.deepEqual(await published(name, 'Decision'), [1]);
  // A later analysis (even a clear win) does nothing: the record says finished.
  const later = await invoke(name, SCHEDULE);
  assert.equal(later.outcome, 'ALREADY_FINISHED');
  assert.deepEqual(await weights(name), { primary: 2, challenger: 0 });
  assert.deepEqual(await record(name), r);
  console.log('experiment emulator: a. a guardrail alarm stopped the experiment (all weight to the control), recorded; a later analysis did nothing');
}

async function challengerWins(): Promise<void> {
  const name = 'exp-b';
  await setUp(name, { control: [10_000, 1_000], challenger: [10_000, 1_300] });
  const out = await invoke(name, SCHEDULE);
  assert.equal(out.outcome, 'CHALLENGER_WINS');
  assert.deepEqual(await weights(name), { primary: 0, challenger: 2 });
  const r = await record(name);
  assert.equal(r.status, 'FINISHED');
  assert.equal(r.result.decision, 'CHALLENGER_WINS');
  assert.deepEqual(r.result.control, { units: 10_000, sum: 1_000 });
  assert.deepEqual(r.result.challenger, { units: 10_000, sum: 1_300 });
  assert.ok(r.result.pValue < 0.05, `p-value ${r.result.pValue}`);
  assert.deepEqual(await published(name, 'Decision'), [2]);
  assert.equal((await published(name, 'PValue')).length, 1);
  assert.deepEqual(await published(name, 'ChallengerUnits'), [10_000]);
  console.log(`experiment emulator: b. the challenger won (p = ${r.result.pValue.toExponential(2)}): all weight to it, recorded, published`);
}

async function continues(): Promise<void> {
  const name = 'exp-c';
  await setUp(name, { control: [1_000, 100], challenger: [1_000, 104] });
  const out = await invoke(name, SCHEDULE);
  assert.equal(out.outcome, 'CONTINUE');
  assert.deepEqual(await weights(name), { primary: 1, challenger: 1 });
  const r = await record(name);
  assert.equal(r.status, 'RUNNING');
  assert.equal(r.startedAt, START);
  assert.equal(r.analyses, 1);
  assert.deepEqual(await published(name, 'Decision'), [0]);
  console.log('experiment emulator: c. too early to tell: CONTINUE, the weights untouched, the record RUNNING');
}

async function main(): Promise<void> {
  await guardrailStops();
  await challengerWins();
  await continues();
  console.log('experiment emulator: 3 scenarios passed');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
