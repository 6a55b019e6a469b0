import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { EXPERIMENT_METRICS_NAMESPACE, Experiment, ExperimentProps } from '../../lib/aws/experiment';
import { GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/aws/gpu-serving-endpoint';
import { ModelSource } from '../../lib/aws/model-source';
import { ExperimentGuardrailKind, ExperimentMath, ExperimentMetricKind } from '../../lib/core/experiment';
import { awsExperimentSchema } from '../../lib/core/schemas/experiment-aws';
import { DECISION_CODES, EXPERIMENT_RESULT_NAMESPACE } from '../../lib/runtime/experiment/aws-experiment';
import { expectValidationError, newStack } from '../support/aws';
import { awsSolutionsFindings } from '../support/nag';

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@sha256:${'a'.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const ENDPOINT: GpuServingEndpointProps = {
  model: ModelSource.fromImage({ image: IMAGE }),
  instanceType: 'ml.g5.xlarge',
  alarmOwnership: OWNERSHIP,
  endpointName: 'fraud',
  variants: [{ name: 'challenger', model: ModelSource.fromImage({ image: IMAGE }), weight: 1 }],
};
type Spec = Omit<ExperimentProps, 'endpoint'>;
const SPEC: Spec = {
  name: 'checkout-v2',
  controlVariant: 'primary',
  challengerVariant: 'challenger',
  metricsNamespace: 'Acme/Checkout',
  primaryMetric: { name: 'Conversion', kind: ExperimentMetricKind.PROPORTION, baseline: 0.1, minimumDetectableEffect: 0.01 },
  guardrails: [
    { name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 },
    { name: 'latency', kind: ExperimentGuardrailKind.LATENCY_P99, threshold: 200 },
    { name: 'revenue', kind: ExperimentGuardrailKind.METRIC_DROP, threshold: 0.05, metric: 'Revenue' },
  ],
  expectedDailyUnits: 20_000,
};

function experiment(props: Partial<ExperimentProps> = {}, endpointProps: Partial<GpuServingEndpointProps> = {}, stack = newStack()) {
  const endpoint = new GpuServingEndpoint(stack, 'Endpoint', { ...ENDPOINT, ...endpointProps });
  const e = new Experiment(stack, 'Experiment', { ...SPEC, endpoint, ...props });
  return { stack, endpoint, e, t: Template.fromStack(stack) };
}

const alarmOf = (t: Template, id: string) => {
  const found = Object.entries<any>(t.findResources('AWS::CloudWatch::Alarm')).filter(([k]) => k.startsWith(`ExperimentGuardrail${id}`));
  expect(found).toHaveLength(1);
  return found[0][1].Properties;
};

describe('guardrail alarms: one per guardrail on the challenger variant, owned', () => {
  const { t, e } = experiment();

  it('ERROR_RATE: 5xx errors / invocations of the challenger variant, as a fraction', () => {
    const a = alarmOf(t, 'errors');
    expect(a.Threshold).toBe(0.01);
    expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(a.Metrics[0]).toMatchObject({ Expression: 'IF(invocations > 0, errors / invocations, 0)', ReturnData: true });
    const dims = [{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'VariantName', Value: 'challenger' }];
    const stats = a.Metrics.slice(1).map((m: any) => {
      const stat = m.MetricStat;
      return [m.Id, stat.Metric.MetricName, stat.Metric.Dimensions, stat.Stat, stat.Period];
    });
    expect(stats).toEqual([
      ['errors', 'Invocation5XXErrors', dims, 'Sum', 60],
      ['invocations', 'Invocations', dims, 'Sum', 60],
    ]);
    expect([a.DatapointsToAlarm, a.EvaluationPeriods]).toEqual([2, 3]);
  });

  it('LATENCY_P99: ModelLatency p99 of the challenger, the threshold in microseconds (200 ms = 200,000 µs)', () => {
    const a = alarmOf(t, 'latency');
    expect(a).toMatchObject({ MetricName: 'ModelLatency', Namespace: 'AWS/SageMaker', ExtendedStatistic: 'p99', Threshold: 200_000 });
    expect(a.Dimensions).toEqual([{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'VariantName', Value: 'challenger' }]);
  });

  it('METRIC_DROP: the relative drop of the business metric\'s hourly mean, challenger vs control (dimension Variant), 3 hours in a row', () => {
    const a = alarmOf(t, 'revenue');
    expect(a.Threshold).toBe(0.05);
    expect(a.Metrics[0].Expression).toBe('IF(control > 0, (control - challenger) / control, 0)');
    expect(a.Metrics.slice(1).map((m: any) => [m.Id, m.MetricStat.Metric, m.MetricStat.Stat, m.MetricStat.Period])).toEqual([
      ['control', { Namespace: 'Acme/Checkout', MetricName: 'Revenue', Dimensions: [{ Name: 'Variant', Value: 'primary' }] }, 'Average', 3600],
      ['challenger', { Namespace: 'Acme/Checkout', MetricName: 'Revenue', Dimensions: [{ Name: 'Variant', Value: 'challenger' }] }, 'Average', 3600],
    ]);
    expect([a.DatapointsToAlarm, a.EvaluationPeriods]).toEqual([3, 3]);
  });

  it('each is owned: owner and runbook in the description and tags (the endpoint\'s ownership by default)', () => {
    for (const id of ['errors', 'latency', 'revenue']) {
      const a = alarmOf(t, id);
      expect(a.AlarmDescription).toMatch(/^Stops experiment checkout-v2 on fraud \(all traffic to primary\): .*\nOwner: fraud-oncall\nRunbook: https:\/\/runbooks\.example\.com\/fraud$/);
      expect(a.Tags).toEqual([{ Key: 'mlops:owner', Value: 'fraud-oncall' }, { Key: 'mlops:runbook', Value: 'https://runbooks.example.com/fraud' }]);
    }
    expect(e.guardrailAlarms).toHaveLength(3);
  });

  it('a given ownership wins', () => {
    const a = alarmOf(experiment({ alarmOwnership: { owner: 'growth', runbookUrl: 'https://runbooks.example.com/growth' } }).t, 'errors');
    expect(a.AlarmDescription).toMatch(/Owner: growth\nRunbook: https:\/\/runbooks\.example\.com\/growth$/);
  });
});

describe('rules: the guardrail alarms\' ALARM and the analysis schedule invoke the one function', () => {
  const { t, stack } = experiment();
  const rules = t.findResources('AWS::Events::Rule');
  const handlerArn = { 'Fn::GetAtt': [stack.getLogicalId((stack.node.findChild('Experiment').node.findChild('Handler').node.defaultChild) as any), 'Arn'] };

  it('the guardrail rule matches exactly the ALARM state changes of the guardrail alarms', () => {
    const [rule] = Object.entries<any>(rules).filter(([k]) => k.startsWith('ExperimentOnGuardrailAlarm')).map(([, r]) => r.Properties);
    const alarms = Object.keys(t.findResources('AWS::CloudWatch::Alarm')).filter((k) => k.startsWith('ExperimentGuardrail'));
    expect(rule.EventPattern).toEqual({
      'source': ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      'resources': alarms.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
      'detail': { state: { value: ['ALARM'] } },
    });
    expect(rule.Targets).toEqual([{ Arn: handlerArn, Id: 'Target0', RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 } }]);
  });

  it('the analysis runs daily by default, or on the given schedule', () => {
    const [rule] = Object.entries<any>(rules).filter(([k]) => k.startsWith('ExperimentAnalysis')).map(([, r]) => r.Properties);
    expect(rule.ScheduleExpression).toBe('rate(1 day)');
    expect(rule.Targets[0].Arn).toEqual(handlerArn);
    const hourly = experiment({ analysisSchedule: events.Schedule.rate(Duration.hours(6)) }).t;
    hourly.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
  });

  it('no guardrails: no guardrail rule, no DescribeAlarms', () => {
    const { t: bare, e } = experiment({ guardrails: undefined });
    expect(Object.keys(bare.findResources('AWS::Events::Rule')).filter((k) => k.includes('Guardrail'))).toEqual([]);
    expect(e.guardrailRule).toBeUndefined();
    const policies = Object.entries<any>(bare.findResources('AWS::IAM::Policy')).filter(([k]) => k.startsWith('ExperimentRole'));
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies)).not.toContain('DescribeAlarms');
  });

  it('one run at a time; the function\'s errors page the owner', () => {
    t.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1, Runtime: 'nodejs24.x', Handler: 'index.handler' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0, AlarmDescription: Match.stringLikeRegexp('^A run of experiment checkout-v2') });
  });

  it('the function depends on its role\'s policy only (on the role through its ARN already: cfn-lint W3005)', () => {
    const [fn] = Object.values<any>(t.findResources('AWS::Lambda::Function')).filter((f) => String(f.Properties.Description).startsWith('Runs experiment'));
    expect(fn.DependsOn).toHaveLength(1);
    expect(fn.DependsOn[0]).toMatch(/^ExperimentRoleDefaultPolicy/);
  });
});

describe('least privilege: exactly what one run does', () => {
  it('the policy, statement by statement', () => {
    const { t } = experiment();
    const [policy] = Object.values<any>(t.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('ExperimentRole'));
    const partition = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
    const alarms = Object.keys(t.findResources('AWS::CloudWatch::Alarm')).filter((k) => k.startsWith('ExperimentGuardrail'));
    const logs = Object.keys(t.findResources('AWS::Logs::LogGroup')).find((k) => k.startsWith('ExperimentLogs'))!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logs, 'Arn'] } },
      { Action: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'], Effect: 'Allow', Resource: partition(':sagemaker:eu-west-1:123456789012:endpoint/fraud') },
      { Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' },
      { Action: 'cloudwatch:PutMetricData', Condition: { StringEquals: { 'cloudwatch:namespace': 'CdkMlops/Experiment' } }, Effect: 'Allow', Resource: '*' },
      { Action: 'cloudwatch:DescribeAlarms', Effect: 'Allow', Resource: alarms.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })) },
      { Action: ['ssm:GetParameter', 'ssm:PutParameter'], Effect: 'Allow', Resource: partition(':ssm:eu-west-1:123456789012:parameter/cdk-mlops/experiments/fraud/checkout-v2') },
    ]);
  });

  it('a given role gets the same statements; none is created', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Given', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const { e, t } = experiment({ role }, {}, stack);
    expect(e.role).toBe(role);
    expect(Object.keys(t.findResources('AWS::IAM::Role')).filter((k) => k.startsWith('ExperimentRole'))).toEqual([]);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Given') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'] })]) },
    });
  });

  it('the handler\'s namespace is the one the policy allows', () => {
    expect(EXPERIMENT_RESULT_NAMESPACE).toBe(EXPERIMENT_METRICS_NAMESPACE);
    expect(EXPERIMENT_METRICS_NAMESPACE).toBe('CdkMlops/Experiment');
  });
});

describe('the design, rendered as parameters', () => {
  const { t, e } = experiment({ startTime: '2026-12-01T00:00:00Z' });
  const env = Object.values<any>(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.EXPERIMENT_SPEC)!.Properties.Environment.Variables;

  it('the design field is ExperimentMath.design of the spec (sample sizes, planned days, α, power, τ²)', () => {
    const spec = { name: SPEC.name, primaryMetric: SPEC.primaryMetric, guardrails: SPEC.guardrails, expectedDailyUnits: SPEC.expectedDailyUnits };
    expect(e.design).toEqual(ExperimentMath.design(spec));
    expect(e.design).toMatchObject({ alpha: 0.05, power: 0.8, plannedDays: 14 });
    expect(JSON.parse(env.EXPERIMENT_DESIGN)).toEqual(e.design);
  });

  it('the function\'s environment: the spec, the endpoint and variants, the namespace, the record, the start', () => {
    expect(JSON.parse(env.EXPERIMENT_SPEC)).toEqual({
      name: 'checkout-v2',
      primaryMetric: SPEC.primaryMetric,
      guardrails: SPEC.guardrails,
      expectedDailyUnits: 20_000,
    });
    expect(env).toMatchObject({
      ENDPOINT_NAME: 'fraud',
      CONTROL_VARIANT: 'primary',
      CHALLENGER_VARIANT: 'challenger',
      METRICS_NAMESPACE: 'Acme/Checkout',
      STATE_PARAMETER: '/cdk-mlops/experiments/fraud/checkout-v2',
      START_TIME: '2026-12-01T00:00:00Z',
    });
    // Under the endpoint's name: two platforms' experiments of one name do not share a record.
    expect(e.stateParameterName).toBe('/cdk-mlops/experiments/fraud/checkout-v2');
    // Alarm name → guardrail name, the names resolved at deploy time.
    const alarms = Object.keys(t.findResources('AWS::CloudWatch::Alarm')).filter((k) => k.startsWith('ExperimentGuardrail'));
    expect(env.GUARDRAIL_ALARMS).toEqual({ 'Fn::Join': ['', ['{"', { Ref: alarms[0] }, '":"errors","', { Ref: alarms[1] }, '":"latency","', { Ref: alarms[2] }, '":"revenue"}']] });
  });

  it('metricDecision and metricPValue read what the handler publishes', () => {
    const stack = Stack.of(e);
    expect(stack.resolve(e.metricDecision().toMetricConfig().metricStat)).toMatchObject({
      namespace: 'CdkMlops/Experiment', metricName: 'Decision', dimensions: [{ name: 'Experiment', value: 'checkout-v2' }], statistic: 'Maximum',
    });
    expect(stack.resolve(e.metricPValue().toMetricConfig().metricStat)).toMatchObject({ metricName: 'PValue', statistic: 'Minimum' });
    expect(DECISION_CODES).toEqual({ CONTINUE: 0, STOP_GUARDRAIL: 1, CHALLENGER_WINS: 2, CONTROL_WINS: 3, NO_DIFFERENCE: 4 });
  });
});

describe('bad input: one error naming every problem', () => {
  it('the variants must be serving variants of the endpoint, and differ', () => {
    expect(expectValidationError(() => experiment({ controlVariant: 'blue', challengerVariant: 'green' })).message)
      .toMatch(/controlVariant must be a serving variant of the endpoint \(primary, challenger\)[\s\S]*challengerVariant must be a serving variant/);
    expect(expectValidationError(() => experiment({ challengerVariant: 'primary' })).message).toMatch(/challengerVariant must differ from controlVariant/);
  });

  it('the challenger must receive traffic, in the split the design assumes', () => {
    // The endpoint refuses a weight of 0 itself; the experiment's schema says why it matters here.
    const facts = { ...SPEC, endpoint: { variants: [{ name: 'primary', weight: 1 }, { name: 'challenger', weight: 0 }] } };
    const parsed = awsExperimentSchema.safeParse(facts);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => `${i.path.join('.')} ${i.message}`)).toEqual(['challengerVariant must have a weight above 0 on the endpoint (it has 0): it would receive no traffic']);
    const tenth = { variants: [{ name: 'challenger', model: ModelSource.fromImage({ image: IMAGE }), weight: 0.1 }], primaryWeight: 0.9 };
    expect(expectValidationError(() => experiment({}, tenth)).message).toMatch(/challengerPercent must match the endpoint's split: .*\(10\.0 %\)/);
    expect(() => experiment({ challengerPercent: 10 }, tenth)).not.toThrow();
  });

  it('the challenger variant must be on the endpoint when the experiment is made (variants, or addVariant first)', () => {
    const stack = newStack();
    const endpoint = new GpuServingEndpoint(stack, 'Endpoint', { ...ENDPOINT, variants: undefined });
    expect(expectValidationError(() => new Experiment(stack, 'Experiment', { ...SPEC, endpoint })).message).toMatch(/challengerVariant must be a serving variant/);
  });

  it('the namespace is the user\'s, not AWS\'s; the start an ISO time; the spec\'s own rules apply', () => {
    const message = expectValidationError(() => experiment({
      metricsNamespace: 'AWS/SageMaker',
      startTime: 'tomorrow',
      name: 'Checkout V2',
      guardrails: [{ name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.01 }, { name: 'errors', kind: ExperimentGuardrailKind.ERROR_RATE, threshold: 0.02 }],
    })).message;
    expect(message).toMatch(/metricsNamespace must not begin with "AWS\/"/);
    expect(message).toMatch(/startTime must be an ISO 8601 UTC time/);
    expect(message).toMatch(/name must be 1–40 lowercase letters/);
    expect(message).toMatch(/guardrails\[1\]\.name must be unique/);
  });
});


describe('cdk-nag AwsSolutions, with no acknowledgment from the user', () => {
  it('no error and no warning (3.x and 2.x)', () => {
    expect(awsSolutionsFindings((s) => { experiment({}, {}, s); })).toEqual({ v3: [], v2: [] });
  });
});
