import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { DataQualityMonitor } from '../../lib/aws/data-quality-monitor';
import { GpuServingEndpoint } from '../../lib/aws/gpu-serving-endpoint';
import { MODEL_QUALITY_METRIC_NAMESPACE } from '../../lib/aws/model-monitor';
import { ModelQualityMonitor, ModelQualityMonitorProps, ModelQualityProblemType } from '../../lib/aws/model-quality-monitor';
import { ThresholdComparison } from '../../lib/core/rollback';
import { ENV, expectValidationError, newStack } from '../support/aws';

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/model-quality' };

function monitor(props: Partial<ModelQualityMonitorProps> = {}, stack: Stack = newStack()): { stack: Stack; m: ModelQualityMonitor; t: Template } {
  const key = new kms.Key(stack, 'CaptureKey');
  const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
  const m = new ModelQualityMonitor(stack, 'ModelQuality', {
    endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Endpoint', { endpointName: 'fraud' }),
    capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
    reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
    problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
    inferenceAttribute: '0',
    groundTruthBucket: s3.Bucket.fromBucketName(stack, 'Labels', 'labels'),
    groundTruthPrefix: 'ground-truth/fraud',
    groundTruthDelay: Duration.days(1),
    ...props,
  });
  return { stack, m, t: Template.fromStack(stack) };
}

function statements(t: Template): any[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^ModelQualityRole') } });
  return Object.values<any>(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function endpointInput(t: Template): any {
  return Object.values<any>(t.findResources('AWS::SageMaker::ModelQualityJobDefinition'))[0].Properties.ModelQualityJobInput.EndpointInput;
}

describe('ModelQualityMonitor', () => {
  describe('default', () => {
    const { stack, m, t } = monitor();

    it('evaluates the last hour of traffic whose labels are in, with the prebuilt analyzer', () => {
      t.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
        ModelQualityAppSpecification: {
          ImageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
          ProblemType: 'BinaryClassification',
          Environment: { publish_cloudwatch_metrics: 'Enabled' },
        },
        ModelQualityJobInput: {
          EndpointInput: {
            EndpointName: 'fraud',
            LocalPath: '/opt/ml/processing/input/endpoint',
            InferenceAttribute: '0',
            ProbabilityAttribute: Match.absent(),
            ProbabilityThresholdAttribute: Match.absent(),
            // labels arrive within a day; each hourly run evaluates one hour, ending a day ago
            StartTimeOffset: '-PT25H',
            EndTimeOffset: '-P1D',
          },
          GroundTruthS3Input: { S3Uri: 's3://labels/ground-truth/fraud' },
        },
        ModelQualityBaselineConfig: Match.absent(),
      });
    });

    it('stays within the half hour an hourly run allows, isolated, encrypted, unnamed', () => {
      const key = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelQualityKey'), 'Arn'] };
      t.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
        StoppingCondition: { MaxRuntimeInSeconds: 1800 },
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: Match.absent() },
        JobResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 20, VolumeKmsKeyId: key } },
        ModelQualityJobOutputConfig: {
          KmsKeyId: key,
          MonitoringOutputs: [{ S3Output: { S3Uri: 's3://reports/model-monitor/fraud/model-quality', LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } }],
        },
        JobDefinitionName: Match.absent(),
      });
      t.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    });

    it('schedules the job definition hourly by the name in its ARN', () => {
      const id = Object.keys(t.findResources('AWS::SageMaker::ModelQualityJobDefinition'))[0];
      t.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
        MonitoringScheduleName: 'fraud-model-quality',
        MonitoringScheduleConfig: {
          MonitoringJobDefinitionName: { 'Fn::Select': [1, { 'Fn::Split': ['/', { Ref: id }] }] },
          MonitoringType: 'ModelQuality',
          ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
        },
      });
      expect(m.monitoringScheduleName).toBe('fraud-model-quality');
      expect(stack.resolve(m.jobDefinitionArn)).toEqual({ 'Fn::GetAtt': [id, 'JobDefinitionArn'] });
    });

    it('reads capture, labels and its own merged output, writes reports, and nothing else', () => {
      const rendered = statements(t).map((x) => ({ actions: [x.Action].flat(), resource: JSON.stringify(x.Resource), condition: x.Condition }));
      expect(rendered).toEqual([
        { actions: ['s3:GetObject'], resource: expect.stringMatching(/Capture.*"\/data-capture\/fraud\/\*"/), condition: undefined },
        { actions: ['s3:ListBucket'], resource: expect.stringMatching(/Capture/), condition: { StringLike: { 's3:prefix': ['data-capture/fraud/*'] } } },
        { actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resource: expect.stringContaining(':s3:::reports/model-monitor/fraud/model-quality/*'), condition: undefined },
        { actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resource: expect.stringMatching(/ModelQualityKey/), condition: undefined },
        { actions: ['kms:CreateGrant'], resource: expect.stringMatching(/ModelQualityKey/), condition: { Bool: { 'kms:GrantIsForAWSResource': true } } },
        {
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resource: expect.stringContaining(':logs:eu-west-1:123456789012:log-group:/aws/sagemaker/ProcessingJobs:*'),
          condition: undefined,
        },
        { actions: ['cloudwatch:PutMetricData'], resource: '"*"', condition: { StringEquals: { 'cloudwatch:namespace': 'aws/sagemaker/Endpoints/model-metrics' } } },
        { actions: ['s3:GetObject'], resource: expect.stringContaining(':s3:::labels/ground-truth/fraud/*'), condition: undefined },
        { actions: ['s3:ListBucket'], resource: expect.stringContaining(':s3:::labels"'), condition: { StringLike: { 's3:prefix': ['ground-truth/fraud/*'] } } },
        { actions: ['s3:GetObject'], resource: expect.stringContaining(':s3:::reports/model-monitor/fraud/model-quality/*'), condition: undefined },
        { actions: ['s3:ListBucket'], resource: expect.stringContaining(':s3:::reports"'), condition: { StringLike: { 's3:prefix': ['model-monitor/fraud/model-quality/*'] } } },
        { actions: ['kms:Decrypt'], resource: expect.stringMatching(/CaptureKey/), condition: undefined },
      ]);
      expect(statements(t).flatMap((x) => [x.Action].flat()).filter((a: string) => a.includes('*'))).toEqual([]);
    });

    it('creates no alarm without being asked', () => {
      t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
      expect(m.qualityAlarm).toBeUndefined();
    });

    it('gives a quality metric of its namespace, one value per run', () => {
      const metric = m.metricQuality('auc');
      expect(metric.namespace).toBe(MODEL_QUALITY_METRIC_NAMESPACE);
      expect(metric.namespace).toBe('aws/sagemaker/Endpoints/model-metrics');
      expect(metric.metricName).toBe('auc');
      expect(metric.dimensions).toEqual({ Endpoint: 'fraud', MonitoringSchedule: 'fraud-model-quality' });
      expect(metric.period.toHours()).toBe(1);
    });
  });

  describe('configured', () => {
    it('labels complete after a week, starting after a day: the AWS example (-P8D to -P1D)', () => {
      const { t } = monitor({ groundTruthDelay: Duration.days(1), groundTruthWindow: Duration.days(7) });
      expect(endpointInput(t)).toMatchObject({ StartTimeOffset: '-P8D', EndTimeOffset: '-P1D' });
    });

    it('writes hour offsets as -PT<n>H, the window defaulting to the schedule interval', () => {
      const { t } = monitor({ schedule: events.Schedule.cron({ minute: '0', hour: '0/2', weekDay: '*' }), groundTruthDelay: Duration.hours(7), maxRuntime: Duration.hours(1) });
      expect(endpointInput(t)).toMatchObject({ StartTimeOffset: '-PT9H', EndTimeOffset: '-PT7H' });
      t.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', { StoppingCondition: { MaxRuntimeInSeconds: 3600 } });
    });

    it('takes a binary classifier by its probability and threshold', () => {
      const { t } = monitor({ inferenceAttribute: undefined, probabilityAttribute: '0', probabilityThreshold: 0.5 });
      expect(endpointInput(t)).toMatchObject({ ProbabilityAttribute: '0', ProbabilityThresholdAttribute: 0.5 });
      expect(endpointInput(t).InferenceAttribute).toBeUndefined();
    });

    it.each([
      [ModelQualityProblemType.REGRESSION, 'Regression'],
      [ModelQualityProblemType.MULTICLASS_CLASSIFICATION, 'MulticlassClassification'],
      [ModelQualityProblemType.BINARY_CLASSIFICATION, 'BinaryClassification'],
    ])('monitors %s with an inference attribute', (problemType, rendered) => {
      const { t } = monitor({ problemType, inferenceAttribute: '$.prediction' });
      t.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
        ModelQualityAppSpecification: Match.objectLike({ ProblemType: rendered }),
        ModelQualityJobInput: Match.objectLike({ EndpointInput: Match.objectLike({ InferenceAttribute: '$.prediction' }) }),
      });
    });

    it('checks against a baseline\'s constraints, readable by exactly that object', () => {
      const stack = newStack();
      const { t } = monitor({ baselineConstraints: { bucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'), key: 'fraud/mq/constraints.json' } }, stack);
      t.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
        ModelQualityBaselineConfig: { ConstraintsResource: { S3Uri: 's3://baselines/fraud/mq/constraints.json' } },
      });
      const read = statements(t).filter((x) => x.Action === 's3:GetObject').map((x) => JSON.stringify(x.Resource));
      expect(read).toContainEqual(expect.stringMatching(/:s3:::baselines\/fraud\/mq\/constraints\.json"\]\]\}$/));
    });

    it('alarms on a quality metric with owner, runbook and topic, per run', () => {
      // GIVEN an F1 floor of 0.8, two bad runs out of three, notified on a topic
      const stack = newStack();
      const topic = new sns.Topic(stack, 'Topic');
      const { m, t } = monitor(
        {
          alarm: { metricName: 'f1', threshold: 0.8, comparison: ThresholdComparison.LESS_THAN, alarmOwnership: OWNERSHIP, evaluationPeriods: 3, datapointsToAlarm: 2, alarmTopic: topic },
        },
        stack,
      );
      // THEN
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'aws/sagemaker/Endpoints/model-metrics',
        MetricName: 'f1',
        Dimensions: [{ Name: 'Endpoint', Value: 'fraud' }, { Name: 'MonitoringSchedule', Value: 'fraud-model-quality' }],
        Statistic: 'Average',
        Period: 3600,
        Threshold: 0.8,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        AlarmDescription: 'Model quality of fraud: f1 < 0.8\nOwner: fraud-oncall\nRunbook: https://runbooks.example.com/model-quality',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
        OKActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
        Tags: Match.arrayWith([{ Key: 'mlops:owner', Value: 'fraud-oncall' }]),
      });
      expect(m.qualityAlarm).toBeDefined();
    });

    it('alarms on an error metric going up, daily', () => {
      const { t } = monitor({
        problemType: ModelQualityProblemType.REGRESSION,
        schedule: events.Schedule.cron({ minute: '0', hour: '0', weekDay: '*' }),
        maxRuntime: Duration.hours(2),
        alarm: { metricName: 'rmse', threshold: 12.5, comparison: ThresholdComparison.GREATER_THAN, alarmOwnership: OWNERSHIP },
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'rmse', ComparisonOperator: 'GreaterThanThreshold', Period: 86400, EvaluationPeriods: 1 });
      expect(endpointInput(t)).toMatchObject({ StartTimeOffset: '-P2D', EndTimeOffset: '-P1D' });
    });
  });

  describe('role', () => {
    it('runs with an imported role: its statements go to a policy of that role, which the definition waits for', () => {
      const stack = newStack();
      const role = iam.Role.fromRoleArn(stack, 'Existing', 'arn:aws:iam::123456789012:role/model-quality');
      const { m, t } = monitor({ role }, stack);
      expect(m.role).toBe(role);
      t.resourceCountIs('AWS::IAM::Role', 0);
      t.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', { RoleArn: 'arn:aws:iam::123456789012:role/model-quality' });
      const [policyId, policy] = Object.entries<any>(t.findResources('AWS::IAM::Policy'))[0];
      expect(policy.Properties.Roles).toEqual(['model-quality']);
      expect(policy.Properties.PolicyDocument.Statement.flatMap((x: any) => [x.Action].flat())).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject']));
      expect(Object.values<any>(t.findResources('AWS::SageMaker::ModelQualityJobDefinition'))[0].DependsOn).toEqual([policyId]);
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<ModelQualityMonitorProps>, string, string]>([
      ['more than 1800 s on an hourly schedule', { maxRuntime: Duration.hours(1) }, 'maxRuntime', 'must be at most 1800 seconds on an hourly schedule'],
      ['no delay: the window would end at the run', { groundTruthDelay: Duration.hours(0) }, 'groundTruthDelay', 'must be at least 1 hour'],
      ['a delay in minutes', { groundTruthDelay: Duration.minutes(90) }, 'groundTruthDelay', 'must be a whole number of hours'],
      ['an empty window', { groundTruthWindow: Duration.hours(0) }, 'groundTruthWindow', 'must be at least 1 hour'],
      [
        'a window shorter than the schedule interval',
        { schedule: events.Schedule.cron({ minute: '0', hour: '0', weekDay: '*' }), maxRuntime: Duration.hours(1), groundTruthWindow: Duration.hours(6) },
        'groundTruthWindow',
        'must be at least the schedule interval (24 hours)',
      ],
      ['binary classification with neither attribute', { inferenceAttribute: undefined }, 'inferenceAttribute', 'unless probabilityAttribute and probabilityThreshold are'],
      ['a probability without its threshold', { inferenceAttribute: undefined, probabilityAttribute: '0' }, 'probabilityThreshold', 'must be set with probabilityAttribute'],
      ['a threshold above 1', { probabilityAttribute: '0', probabilityThreshold: 1.5 }, 'probabilityThreshold', 'must be at most 1'],
      ['regression without an inference attribute', { problemType: ModelQualityProblemType.REGRESSION, inferenceAttribute: undefined }, 'inferenceAttribute', 'must be set for Regression'],
      [
        'a probability for multiclass classification',
        { problemType: ModelQualityProblemType.MULTICLASS_CLASSIFICATION, probabilityAttribute: '1' },
        'probabilityAttribute',
        'must be set only for BinaryClassification',
      ],
      [
        'an alarm on a regression metric for a classifier',
        { alarm: { metricName: 'rmse', threshold: 1, comparison: ThresholdComparison.GREATER_THAN, alarmOwnership: OWNERSHIP } },
        'alarm.metricName',
        'must be a BinaryClassification metric (accuracy, precision, recall',
      ],
      [
        'an alarm needing more breaches than runs looked at',
        { alarm: { metricName: 'f1', threshold: 0.8, comparison: ThresholdComparison.LESS_THAN, alarmOwnership: OWNERSHIP, evaluationPeriods: 2, datapointsToAlarm: 3 } },
        'alarm.datapointsToAlarm',
        'must not exceed evaluationPeriods (2)',
      ],
      [
        'a daily alarm looking back more than a week',
        {
          schedule: events.Schedule.cron({ minute: '0', hour: '0', weekDay: '*' }),
          alarm: { metricName: 'f1', threshold: 0.8, comparison: ThresholdComparison.LESS_THAN, alarmOwnership: OWNERSHIP, evaluationPeriods: 8 },
        },
        'alarm.evaluationPeriods',
        'must be at most 7 with a 24-hour schedule',
      ],
      [
        'an alarm without a runbook link',
        { alarm: { metricName: 'f1', threshold: 0.8, comparison: ThresholdComparison.LESS_THAN, alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'wiki/fraud' } } },
        'alarm.alarmOwnership.runbookUrl',
        'must be an https:// link to the runbook',
      ],
      [
        'an alarm on metrics that are not published',
        { publishMetrics: false, alarm: { metricName: 'f1', threshold: 0.8, comparison: ThresholdComparison.LESS_THAN, alarmOwnership: OWNERSHIP } },
        'publishMetrics',
        'must not be false with an alarm',
      ],
      ['a ground-truth prefix with a trailing slash', { groundTruthPrefix: 'ground-truth/' }, 'groundTruthPrefix', 'without a leading or trailing slash'],
      ['a bad schedule name', { monitoringScheduleName: '-fraud' }, 'monitoringScheduleName', 'must be 1-63 letters, digits or hyphens'],
      ['an hourly form SageMaker does not run', { schedule: events.Schedule.expression('cron(30 * ? * * *)') }, 'schedule', 'must be one of the forms Model Monitor accepts'],
    ])('%s', (_what, props, property, allowed) => {
      const e = expectValidationError(() => monitor(props));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('TestStack/ModelQuality');
      expect(p!.allowed).toContain(allowed);
    });

    it('rejects a region without the prebuilt analyzer unless given an image', () => {
      const stack = () => {
        const regional = new Stack(new App(), 'TestStack', { env: { account: ENV.account, region: 'eu-south-2' } });
        // CDK's own template check knows the Model Monitor types are not in eu-south-2's CloudFormation
        // yet (the construct's docs say so); the test is about the analyzer image.
        Validations.of(regional).acknowledge({ id: 'CloudFormation-Validate::F3006', reason: 'Model Monitor types are missing from CloudFormation in this region' });
        return regional;
      };
      const e = expectValidationError(() => monitor({}, stack()));
      expect(e.message).toMatch(/^TestStack\/ModelQuality: imageUri must be set in eu-south-2: the prebuilt Model Monitor analyzer exists only in us-east-1, .*; got undefined$/);
      expect(() => monitor({ imageUri: '123456789012.dkr.ecr.eu-south-2.amazonaws.com/analyzer:1.0' }, stack())).not.toThrow();
    });

    it('reports the runtime rule with the received value', () => {
      const e = expectValidationError(() => monitor({ maxRuntime: Duration.hours(1) }));
      expect(e.message).toBe(
        'TestStack/ModelQuality: maxRuntime must be at most 1800 seconds on an hourly schedule: the ground-truth merge job and the monitoring job share the hour; got Duration 1 hour',
      );
    });
  });
});

describe('DataQualityMonitor and ModelQualityMonitor together', () => {
  it('pass cdk-nag AwsSolutions without any acknowledgment from their user (the monitors acknowledge their inherent wildcards)', () => {
    // GIVEN both monitors of one endpoint, in a VPC, with nag attached
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-model-monitor-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Monitors', { env: ENV });
    const captureKey = kms.Key.fromKeyArn(stack, 'CaptureKey', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const capture = s3.Bucket.fromBucketAttributes(stack, 'Capture', { bucketName: 'capture', encryptionKey: captureKey });
    const reports = s3.Bucket.fromBucketName(stack, 'Reports', 'reports');
    const baselines = s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
    const endpoint = GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Fraud', { endpointName: 'fraud' });
    const common = { endpoint, capture: { bucket: capture, prefix: 'data-capture/fraud', s3Uri: 's3://capture/data-capture/fraud', key: captureKey }, reportBucket: reports, vpc };
    new DataQualityMonitor(stack, 'DataQuality', {
      ...common,
      baselineStatistics: { bucket: baselines, key: 'fraud/statistics.json' },
      baselineConstraints: { bucket: baselines, key: 'fraud/constraints.json' },
    });
    new ModelQualityMonitor(stack, 'ModelQuality', {
      ...common,
      problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
      probabilityAttribute: '0',
      probabilityThreshold: 0.5,
      groundTruthBucket: s3.Bucket.fromBucketName(stack, 'Labels', 'labels'),
      groundTruthPrefix: 'ground-truth/fraud',
      groundTruthDelay: Duration.days(1),
      alarm: { metricName: 'auc', threshold: 0.85, comparison: ThresholdComparison.LESS_THAN, alarmOwnership: OWNERSHIP },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    // WHEN synthesized (synthesis throws on any unacknowledged finding)
    app.synth();
    // THEN nothing was found
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    for (const plugin of report.pluginReports) {
      expect(plugin.conclusion, plugin.pluginName).toBe('success');
      expect(plugin.violations, plugin.pluginName).toEqual([]);
    }
  });
});
