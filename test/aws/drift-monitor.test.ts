import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { DRIFT_METRIC_NAMESPACE, DriftMonitor, DriftMonitorProps } from '../../lib/aws/drift-monitor';
import { MlPipeline } from '../../lib/aws/ml-pipeline';
import { DriftMath } from '../../lib/core/drift';
import { DriftReference } from '../../lib/core/drift-reference';
import { expectValidationError, newStack } from '../support/aws';

function monitor(props: Partial<DriftMonitorProps> = {}): { stack: Stack; m: DriftMonitor; t: Template } {
  const { stack, m } = build(props);
  return { stack, m, t: Template.fromStack(stack) };
}

/** A monitor not synthesized yet (features can still be added). */
function build(props: Partial<DriftMonitorProps> = {}): { stack: Stack; m: DriftMonitor } {
  const stack = newStack();
  const key = new kms.Key(stack, 'CaptureKey');
  const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
  const m = new DriftMonitor(stack, 'Drift', {
    endpointName: 'fraud',
    capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
    baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
    baselineKey: 'fraud/baseline.json',
    features: ['amount', 'country'],
    alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/drift' },
    ...props,
  });
  return { stack, m };
}

describe('DriftMonitor (AWS)', () => {
  describe('default', () => {
    const { t } = monitor();

    it('runs the bundled drift job hourly over the last hour of capture', () => {
      t.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        ReservedConcurrentExecutions: 1,
        Environment: {
          Variables: Match.objectLike({
            ENDPOINT_NAME: 'fraud',
            CAPTURE_PREFIX: 'data-capture/fraud',
            BASELINE_BUCKET: 'baselines',
            BASELINE_KEY: 'fraud/baseline.json',
            FEATURE_NAMES: 'amount,country',
            WINDOW_MINUTES: '60',
            METRIC_NAMESPACE: DRIFT_METRIC_NAMESPACE,
          }),
        },
      });
      t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)', Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })] });
    });

    it('reads only the capture prefix and the baseline, and publishes only to its namespace', () => {
      const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const byAction = (a: string) => statements.filter((s) => [s.Action].flat().includes(a));
      expect(byAction('s3:GetObject').map((s) => JSON.stringify(s.Resource))).toEqual([
        expect.stringContaining('/data-capture/fraud/*'),
        expect.stringContaining(':s3:::baselines/fraud/baseline.json'),
      ]);
      expect(byAction('s3:ListBucket')[0].Condition).toEqual({ StringLike: { 's3:prefix': ['data-capture/fraud/*'] } });
      expect(byAction('cloudwatch:PutMetricData')[0].Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'CdkMlops/Drift' } });
      expect(byAction('kms:Decrypt')).toHaveLength(1);
      expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.includes('*'))).toEqual([]);
    });

    it('alarms per feature and for predictions at 0.1 and 0.2, with owner and runbook, missing data not breaching', () => {
      for (const feature of ['amount', 'country', '__prediction__']) {
        for (const threshold of [0.1, 0.2]) {
          t.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'CdkMlops/Drift',
            MetricName: 'PSI',
            Dimensions: [{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'Feature', Value: feature }],
            Threshold: threshold,
            EvaluationPeriods: 1,
            TreatMissingData: 'notBreaching',
            AlarmDescription: Match.stringLikeRegexp('Owner: fraud-oncall\nRunbook: https://runbooks.example.com/drift'),
          });
        }
      }
    });

    it('calls drift sustained when any feature is above 0.2 in 3 of 4 runs (a composite alarm)', () => {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 0.2, EvaluationPeriods: 4, DatapointsToAlarm: 3, Dimensions: Match.arrayWith([{ Name: 'Feature', Value: 'amount' }]) });
      const composite = Object.values<any>(t.findResources('AWS::CloudWatch::CompositeAlarm'))[0].Properties;
      expect(JSON.stringify(composite.AlarmRule)).toContain('OR');
      expect(composite.AlarmDescription).toContain('Runbook: https://runbooks.example.com/drift');
    });

    it('alarms when the job itself fails', () => {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0 });
    });
  });

  describe('configured', () => {
    it('every 15 minutes over 30 minutes, other thresholds, a topic, and a retraining rule on sustained drift', () => {
      const stack = newStack();
      const topic = new sns.Topic(stack, 'Topic');
      const bucket = new s3.Bucket(stack, 'Capture');
      const m = new DriftMonitor(stack, 'Drift', {
        endpointName: 'fraud',
        capture: { bucket, prefix: 'c', s3Uri: 's3://x/c' },
        baselineBucket: bucket,
        baselineKey: 'b.json',
        features: ['amount'],
        alarmOwnership: { owner: 'o', runbookUrl: 'https://r.example.com' },
        schedule: events.Schedule.rate(Duration.minutes(15)),
        window: Duration.minutes(30),
        investigateThreshold: 0.05,
        actThreshold: 0.25,
        alarmTopic: topic,
      });
      m.onSustainedDrift('Retrain', { target: new targets.SnsTopic(topic) });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
      t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WINDOW_MINUTES: '30' }) } });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 0.05, AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }] });
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          'resources': [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^DriftSustainedDrift'), 'Arn'] }],
          'detail': { state: { value: ['ALARM'] } },
        },
      });
    });
  });

  describe('seasonal reference', () => {
    it('tells the job to compare with the same day last year, and gives it time to read both', () => {
      const { t, m, stack } = monitor({ reference: DriftReference.SAME_PERIOD_LAST_YEAR, minReferenceValues: 500 });
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ REFERENCE: 'SAME_PERIOD_LAST_YEAR', REFERENCE_MINUTES: '1440', MIN_REFERENCE_VALUES: '500' }) },
        Timeout: 900, // (60 + 1440) / 30 minutes, capped at Lambda's 15
      });
      expect(stack.resolve(m.metricReferenceFallbacks().toMetricConfig().metricStat)).toMatchObject({
        namespace: 'CdkMlops/Drift', metricName: 'ReferenceFallbackColumns', dimensions: [{ name: 'EndpointName', value: 'fraud' }],
      });
    });

    it('a rolling reference of two days', () => {
      const { t } = monitor({ reference: DriftReference.ROLLING_WINDOW, referenceSpan: Duration.days(2) });
      const vars = Object.values<any>(t.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
      expect(vars).toMatchObject({ REFERENCE: 'ROLLING_WINDOW', REFERENCE_MINUTES: '2880' });
      expect(vars.MIN_REFERENCE_VALUES).toBeUndefined();
    });

    it('the training baseline sets no reference variables and a short timeout', () => {
      const { t } = monitor();
      const fn = Object.values<any>(t.findResources('AWS::Lambda::Function'))[0].Properties;
      expect(Object.keys(fn.Environment.Variables).filter((k) => k.includes('REFERENCE'))).toEqual([]);
      expect(fn.Timeout).toBe(120);
    });
  });

  describe('addFeature', () => {
    it('watches a feature added after construction: the job reads it, it gets its alarms and a part in sustained drift', () => {
      const { stack, m } = build();
      m.addFeature('merchant_risk');
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ FEATURE_NAMES: 'amount,country,merchant_risk' }) } });
      for (const threshold of [0.1, 0.2]) {
        t.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'PSI', Threshold: threshold, EvaluationPeriods: 1, Dimensions: [{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'Feature', Value: 'merchant_risk' }],
        });
      }
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { EvaluationPeriods: 4, DatapointsToAlarm: 3, Dimensions: Match.arrayWith([{ Name: 'Feature', Value: 'merchant_risk' }]) });
      const composite = Object.values<any>(t.findResources('AWS::CloudWatch::CompositeAlarm'))[0].Properties;
      expect(JSON.stringify(composite.AlarmRule)).toContain('DriftSustainedmerchantrisk');
      expect(m.featureAlarms.map((a) => a.node.id)).toContain('Act-merchantrisk');
    });

    it('refuses an empty feature name, naming the argument', () => {
      const { m } = monitor();
      const e = expectValidationError(() => m.addFeature(''));
      expect(e.problems.map((p) => [p.constructPath, p.property])).toEqual([['TestStack/Drift', 'feature']]);
    });

    it('fails synthesis on a feature added twice or missing from the baseline, naming the construct', () => {
      const baseline = DriftMath.buildBaseline([
        { name: 'amount', numericValues: Array.from({ length: 100 }, (_, i) => i) },
        { name: 'country', categoricalValues: Array.from({ length: 100 }, (_, i) => (i % 2 ? 'DE' : 'FR')) },
      ]);
      const { m } = build({ baseline });
      m.addFeature('amount');
      m.addFeature('merchant_risk');
      const e = expectValidationError(() => m.node.validate());
      expect(e.message).toMatch(/^2 problems:/);
      expect(e.problems).toEqual([
        expect.objectContaining({ constructPath: 'TestStack/Drift', property: 'features', allowed: 'must not list a feature twice' }),
        expect.objectContaining({ constructPath: 'TestStack/Drift', property: 'features[3]', allowed: expect.stringMatching(/^must be a feature of the baseline \(amount, country\)/) }),
      ]);
    });
  });

  describe('role and VPC', () => {
    it('runs the job with a given role in a VPC, HTTPS out only, with the network-interface rights', () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const bucket = new s3.Bucket(stack, 'Capture');
      const m = new DriftMonitor(stack, 'Drift', {
        endpointName: 'fraud',
        capture: { bucket, prefix: 'c', s3Uri: 's3://x/c' },
        baselineBucket: bucket,
        baselineKey: 'b.json',
        features: ['amount'],
        alarmOwnership: { owner: 'o', runbookUrl: 'https://r.example.com' },
        role,
        vpc,
      });
      expect(m.role).toBe(role);
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::IAM::Role', 1);
      const fn = Object.values<any>(t.findResources('AWS::Lambda::Function'))[0].Properties;
      expect(JSON.stringify(fn.Role)).toContain('MyRole');
      expect(fn.VpcConfig.SubnetIds).toHaveLength(2);
      t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'The drift job of fraud: HTTPS out only',
        SecurityGroupEgress: [Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
      });
      const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements.some((s) => [s.Action].flat().includes('ec2:CreateNetworkInterface'))).toBe(true);
      expect(statements.some((s) => [s.Action].flat().includes('cloudwatch:PutMetricData'))).toBe(true);
    });

    it('without them, one role of its own and no VPC (the default output)', () => {
      const { t, m } = monitor();
      t.resourceCountIs('AWS::IAM::Role', 1);
      expect(m.securityGroups).toBeUndefined();
      const fn = Object.values<any>(t.findResources('AWS::Lambda::Function'))[0];
      expect(fn.Properties.VpcConfig).toBeUndefined();
      expect(fn.DependsOn).toEqual([expect.stringMatching(/^DriftJobRoleDefaultPolicy/)]);
    });
  });

  describe('imported (fromDriftMonitorAttributes)', () => {
    it('gives the metrics of another stack\'s monitor, and starts a pipeline of this stack on its sustained drift', () => {
      const stack = newStack();
      const arn = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-sustained-drift';
      const drift = DriftMonitor.fromDriftMonitorAttributes(stack, 'FraudDrift', { endpointName: 'fraud', sustainedDriftAlarmArn: arn });
      const training = MlPipeline.fromMlPipelineAttributes(stack, 'Training', { pipelineName: 'fraud-training' });
      drift.onSustainedDrift('RetrainOnDrift', { target: training.startTarget() });
      drift.onSustainedDrift('Notify');

      expect(stack.resolve(drift.metricPsi('amount').toMetricConfig().metricStat)).toEqual(expect.objectContaining({
        namespace: DRIFT_METRIC_NAMESPACE,
        metricName: 'PSI',
        statistic: 'Maximum',
        dimensions: [{ name: 'EndpointName', value: 'fraud' }, { name: 'Feature', value: 'amount' }],
      }));
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::Events::Rule', 2);
      for (const rule of Object.values<any>(t.findResources('AWS::Events::Rule'))) {
        expect(rule.Properties.EventPattern).toEqual({
          'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'resources': [arn], 'detail': { state: { value: ['ALARM'] } },
        });
      }
      t.resourceCountIs('AWS::Lambda::Function', 0);
    });
  });

  describe('rejected', () => {
    const baseline = DriftMath.buildBaseline([
      { name: 'amount', numericValues: Array.from({ length: 100 }, (_, i) => i) },
      { name: 'country', categoricalValues: Array.from({ length: 100 }, (_, i) => (i % 2 ? 'DE' : 'FR')) },
    ]);
    it.each<[string, Partial<DriftMonitorProps>, string, string]>([
      ['thresholds not increasing', { investigateThreshold: 0.3, actThreshold: 0.2 }, 'actThreshold', 'thresholds increase'],
      ['a window shorter than the schedule', { schedule: events.Schedule.rate(Duration.hours(2)), window: Duration.hours(1) }, 'window', 'must be at least the schedule (120 minutes)'],
      ['a window of part of a minute', { window: Duration.seconds(90) }, 'window', 'must be a whole number of minutes'],
      ['a cron schedule', { schedule: events.Schedule.cron({ minute: '0' }) }, 'schedule', 'must be a rate (events.Schedule.rate)'],
      ['a schedule under 5 minutes', { schedule: events.Schedule.rate(Duration.minutes(1)) }, 'schedule', 'must be at least 5 minutes'],
      ['two features naming the same alarms', { features: ['amount', 'a_mount'] }, 'features[1]', 'must differ from "amount" in its letters or digits'],
      ['security groups without a VPC', { securityGroups: [] }, 'securityGroups', 'must be set only together with vpc'],
      ['an unknown feature in the baseline', { baseline, features: ['amount', 'merchant_risk'] }, 'features[1]', 'must be a feature of the baseline (amount, country)'],
      ['no feature', { features: [] }, 'features', 'must list at least one feature'],
      ['sustained M above N', { sustainedDatapoints: 5, sustainedPeriods: 4 }, 'sustainedDatapoints', 'must not exceed sustainedPeriods (4)'],
      ['a baseline that is not JSON', { baselineKey: 'fraud/baseline.csv' }, 'baselineKey', 'must be the S3 key of a .json baseline'],
      ['a reference span with the training baseline', { referenceSpan: Duration.days(7) }, 'referenceSpan', 'must be set only with a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference'],
      ['a reference shorter than the window', { reference: DriftReference.ROLLING_WINDOW, window: Duration.hours(6), referenceSpan: Duration.hours(1) }, 'referenceSpan', 'must be at least the window (360 minutes)'],
      ['a reference longer than 31 days', { reference: DriftReference.ROLLING_WINDOW, referenceSpan: Duration.days(60) }, 'referenceSpan', 'must be at most 31 days (44640 minutes)'],
      ['no reference values required', { reference: DriftReference.ROLLING_WINDOW, minReferenceValues: 0 }, 'minReferenceValues', '1'],
    ])('%s', (_w, props, property, allowed) => {
      const e = expectValidationError(() => monitor(props));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('TestStack/Drift');
      expect(p!.allowed).toContain(allowed);
    });
  });
});
