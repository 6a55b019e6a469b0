import { App, CfnParameter, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { DataQualityMonitor, DataQualityMonitorProps } from '../../lib/aws/data-quality-monitor';
import { GpuServingEndpoint } from '../../lib/aws/gpu-serving-endpoint';
import { DATA_QUALITY_METRIC_NAMESPACE } from '../../lib/aws/model-monitor';
import { expectValidationError, newStack } from '../support/aws';

const EU_WEST_1_ANALYZER = '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer';

function monitor(props: Partial<DataQualityMonitorProps> = {}, stack: Stack = newStack()): { stack: Stack; m: DataQualityMonitor; t: Template } {
  const key = new kms.Key(stack, 'CaptureKey');
  const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
  const baselines = s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines');
  const m = new DataQualityMonitor(stack, 'DataQuality', {
    endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Endpoint', { endpointName: 'fraud' }),
    capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
    reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
    baselineStatistics: { bucket: baselines, key: 'fraud/v42/statistics.json' },
    baselineConstraints: { bucket: baselines, key: 'fraud/v42/constraints.json' },
    ...props,
  });
  return { stack, m, t: Template.fromStack(stack) };
}

/** Every statement of the monitor role's policy. */
function statements(t: Template): any[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^DataQualityRole') } });
  return Object.values<any>(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function jobDefinitionId(t: Template): string {
  return Object.keys(t.findResources('AWS::SageMaker::DataQualityJobDefinition'))[0];
}

describe('DataQualityMonitor', () => {
  describe('default', () => {
    const { stack, m, t } = monitor();

    it('runs the prebuilt analyzer of the stack region against the baseline, on the endpoint', () => {
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        DataQualityAppSpecification: { ImageUri: EU_WEST_1_ANALYZER, Environment: { publish_cloudwatch_metrics: 'Enabled' } },
        DataQualityBaselineConfig: {
          StatisticsResource: { S3Uri: 's3://baselines/fraud/v42/statistics.json' },
          ConstraintsResource: { S3Uri: 's3://baselines/fraud/v42/constraints.json' },
        },
        DataQualityJobInput: { EndpointInput: { EndpointName: 'fraud', LocalPath: '/opt/ml/processing/input/endpoint' } },
      });
    });

    it('writes reports under the default prefix, encrypted with its own key', () => {
      const key = { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataQualityKey'), 'Arn'] };
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        DataQualityJobOutputConfig: {
          KmsKeyId: key,
          MonitoringOutputs: [{ S3Output: { S3Uri: 's3://reports/model-monitor/fraud/data-quality', LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } }],
        },
        JobResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 20, VolumeKmsKeyId: key } },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      });
      t.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('isolates the job from the network and encrypts traffic between its containers', () => {
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: Match.absent() },
      });
      t.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    });

    it('leaves the job definition unnamed and schedules it hourly by the name in its ARN', () => {
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', { JobDefinitionName: Match.absent(), EndpointName: Match.absent() });
      t.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
        MonitoringScheduleName: 'fraud-data-quality',
        MonitoringScheduleConfig: {
          MonitoringJobDefinitionName: { 'Fn::Select': [1, { 'Fn::Split': ['/', { Ref: jobDefinitionId(t) }] }] },
          MonitoringType: 'DataQuality',
          ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
          MonitoringJobDefinition: Match.absent(),
        },
      });
    });

    it('creates the job definition after the role policy it runs with', () => {
      t.hasResource('AWS::SageMaker::DataQualityJobDefinition', { DependsOn: [Match.stringLikeRegexp('^DataQualityRoleDefaultPolicy')] });
    });

    it('runs as a role SageMaker assumes, with exactly the reads, writes and keys it needs', () => {
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' } }] },
        ManagedPolicyArns: Match.absent(),
      });
      const s = statements(t);
      const rendered = s.map((x) => ({ actions: [x.Action].flat(), resource: JSON.stringify(x.Resource), condition: x.Condition }));
      expect(rendered).toEqual([
        { actions: ['s3:GetObject'], resource: expect.stringMatching(/Capture.*"\/data-capture\/fraud\/\*"/), condition: undefined },
        { actions: ['s3:ListBucket'], resource: expect.stringMatching(/Capture/), condition: { StringLike: { 's3:prefix': ['data-capture/fraud/*'] } } },
        { actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resource: expect.stringContaining(':s3:::reports/model-monitor/fraud/data-quality/*'), condition: undefined },
        { actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resource: expect.stringMatching(/DataQualityKey/), condition: undefined },
        { actions: ['kms:CreateGrant'], resource: expect.stringMatching(/DataQualityKey/), condition: { Bool: { 'kms:GrantIsForAWSResource': true } } },
        {
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resource: expect.stringContaining(':logs:eu-west-1:123456789012:log-group:/aws/sagemaker/ProcessingJobs:*'),
          condition: undefined,
        },
        { actions: ['cloudwatch:PutMetricData'], resource: '"*"', condition: { StringEquals: { 'cloudwatch:namespace': 'aws/sagemaker/Endpoints/data-metrics' } } },
        {
          actions: ['s3:GetObject'],
          resource: expect.stringMatching(/:s3:::baselines\/fraud\/v42\/statistics\.json".*:s3:::baselines\/fraud\/v42\/constraints\.json"/),
          condition: undefined,
        },
        { actions: ['kms:Decrypt'], resource: expect.stringMatching(/CaptureKey/), condition: undefined },
      ]);
      expect(s.flatMap((x) => [x.Action].flat()).filter((a: string) => a.includes('*'))).toEqual([]);
      // No ECR rights: SageMaker pulls the prebuilt analyzer from its own account.
      expect(s.flatMap((x) => [x.Action].flat()).filter((a: string) => a.startsWith('ecr:'))).toEqual([]);
    });

    it('exposes the schedule name, the job definition ARN, the role and the key', () => {
      expect(m.monitoringScheduleName).toBe('fraud-data-quality');
      expect(stack.resolve(m.jobDefinitionArn)).toEqual({ 'Fn::GetAtt': [jobDefinitionId(t), 'JobDefinitionArn'] });
      expect(stack.resolve(m.monitoringScheduleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataQuality/), 'MonitoringScheduleArn'] });
      expect(stack.resolve(m.role.roleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataQualityRole/), 'Arn'] });
      expect(stack.resolve(m.encryptionKey.keyArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataQualityKey/), 'Arn'] });
      expect((m.node.defaultChild as CfnResource).cfnResourceType).toBe('AWS::SageMaker::MonitoringSchedule');
    });

    it('gives the baseline drift of a feature as a metric of its namespace, per run', () => {
      const metric = m.metricFeatureBaselineDrift('amount');
      expect(metric.namespace).toBe(DATA_QUALITY_METRIC_NAMESPACE);
      expect(metric.namespace).toBe('aws/sagemaker/Endpoints/data-metrics');
      expect(metric.metricName).toBe('feature_baseline_drift_amount');
      // The SDK's data quality dashboard: {aws/sagemaker/Endpoints/data-metrics,Endpoint,Feature,MonitoringSchedule}.
      expect(metric.dimensions).toEqual({ Endpoint: 'fraud', Feature: 'amount', MonitoringSchedule: 'fraud-data-quality' });
      expect(m.metric('feature_non_null_amount', { dimensionsMap: { Feature: 'amount' } }).dimensions).toEqual({
        Endpoint: 'fraud', Feature: 'amount', MonitoringSchedule: 'fraud-data-quality',
      });
      expect(metric.statistic).toBe('Maximum');
      expect(metric.period.toHours()).toBe(1);
      expect(m.metric('feature_non_null_amount', { statistic: 'Sum' }).statistic).toBe('Sum');
    });

    it('creates no alarm and emits no warning', () => {
      t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });
  });

  describe('configured', () => {
    it('in a region-agnostic stack, looks the analyzer account up at deploy time, China included', () => {
      // GIVEN a stack without an explicit environment
      const stack = new Stack(new App(), 'Agnostic');
      const { t } = monitor({}, stack);
      // THEN the image is a FindInMap on the region, with the partition's URL suffix
      const mappings = t.toJSON().Mappings;
      expect(mappings.CdkMlopsModelMonitorAnalyzer['eu-west-1']).toEqual({ account: '468650794304' });
      expect(mappings.CdkMlopsModelMonitorAnalyzer['cn-north-1']).toEqual({ account: '453000072557' });
      expect(Object.keys(mappings.CdkMlopsModelMonitorAnalyzer)).toHaveLength(23);
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        DataQualityAppSpecification: {
          ImageUri: {
            'Fn::Join': [
              '',
              [
                { 'Fn::FindInMap': ['CdkMlopsModelMonitorAnalyzer', { Ref: 'AWS::Region' }, 'account'] },
                '.dkr.ecr.',
                { Ref: 'AWS::Region' },
                '.',
                { Ref: 'AWS::URLSuffix' },
                '/sagemaker-model-monitor-analyzer',
              ],
            ],
          },
        },
      });
    });

    it.each([
      ['us-east-1', '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer'],
      ['cn-north-1', '453000072557.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-model-monitor-analyzer'],
      ['us-gov-west-1', '362178532790.dkr.ecr.us-gov-west-1.amazonaws.com/sagemaker-model-monitor-analyzer'],
    ])('writes the analyzer of %s out', (region, image) => {
      const regional = new Stack(new App(), 'Regional', { env: { account: '123456789012', region } });
      // CDK's own template check knows these types are not in this partition's CloudFormation yet
      // (the construct's docs say so); the test is about the image.
      Validations.of(regional).acknowledge({ id: 'CloudFormation-Validate::F3006', reason: 'Model Monitor types are missing from CloudFormation in this region' });
      const { t } = monitor({}, regional);
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', { DataQualityAppSpecification: { ImageUri: image } });
    });

    it('takes an image in a region without the prebuilt analyzer, and may pull it from its repository', () => {
      const stack = new Stack(new App(), 'Osaka', { env: { account: '123456789012', region: 'ap-northeast-3' } });
      const { t } = monitor({ imageUri: '123456789012.dkr.ecr.ap-northeast-3.amazonaws.com/analyzer@sha256:' + 'a'.repeat(64) }, stack);
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        DataQualityAppSpecification: { ImageUri: '123456789012.dkr.ecr.ap-northeast-3.amazonaws.com/analyzer@sha256:' + 'a'.repeat(64) },
      });
      const s = statements(t);
      expect(s.find((x) => [x.Action].flat().includes('ecr:BatchGetImage'))!.Resource).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:ap-northeast-3:123456789012:repository/analyzer']],
      });
      expect(s.find((x) => [x.Action].flat().includes('ecr:GetAuthorizationToken'))!.Resource).toBe('*');
    });

    it('can run daily, with its own name, prefix, sizes, runtime and key, without publishing metrics', () => {
      // GIVEN every sizing and naming option
      const stack = newStack();
      const key = new kms.Key(stack, 'MyKey');
      const { m, t } = monitor(
        {
          schedule: events.Schedule.cron({ minute: '0', hour: '3', weekDay: '*' }),
          monitoringScheduleName: 'fraud-dq-nightly',
          reportPrefix: 'reports/fraud',
          instanceType: 'ml.m5.2xlarge',
          instanceCount: 2,
          volumeSizeGb: 50,
          maxRuntime: Duration.hours(2),
          encryptionKey: key,
          publishMetrics: false,
        },
        stack,
      );
      // THEN
      t.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', {
        MonitoringScheduleName: 'fraud-dq-nightly',
        MonitoringScheduleConfig: Match.objectLike({ ScheduleConfig: { ScheduleExpression: 'cron(0 3 ? * * *)' } }),
      });
      const myKey = { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] };
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        DataQualityAppSpecification: Match.objectLike({ Environment: { publish_cloudwatch_metrics: 'Disabled' } }),
        DataQualityJobOutputConfig: { KmsKeyId: myKey, MonitoringOutputs: [{ S3Output: Match.objectLike({ S3Uri: 's3://reports/reports/fraud' }) }] },
        JobResources: { ClusterConfig: { InstanceType: 'ml.m5.2xlarge', InstanceCount: 2, VolumeSizeInGB: 50, VolumeKmsKeyId: myKey } },
        StoppingCondition: { MaxRuntimeInSeconds: 7200 },
      });
      t.resourceCountIs('AWS::KMS::Key', 2); // the capture key and MyKey, none created
      expect(statements(t).some((x) => [x.Action].flat().includes('cloudwatch:PutMetricData'))).toBe(false);
      expect(m.metricFeatureBaselineDrift('amount').period.toHours()).toBe(24);
      expect(m.metricFeatureBaselineDrift('amount').dimensions).toEqual({ Endpoint: 'fraud', Feature: 'amount', MonitoringSchedule: 'fraud-dq-nightly' });
    });

    it.each([
      ['cron(0 * ? * * *)', events.Schedule.cron({ minute: '0', weekDay: '*' })],
      ['cron(0 0 ? * * *)', events.Schedule.cron({ minute: '0', hour: '0', weekDay: '*' })],
      ['cron(0 0/6 ? * * *)', events.Schedule.cron({ minute: '0', hour: '0/6', weekDay: '*' })],
      ['cron(0 17/12 ? * * *)', events.Schedule.cron({ minute: '0', hour: '17/12', weekDay: '*' })],
      ['cron(0 0/2 ? * * *)', events.Schedule.expression('cron(0 0/2 ? * * *)')],
    ])('schedules %s', (expression, schedule) => {
      const { t } = monitor({ schedule });
      t.hasResourceProperties('AWS::SageMaker::MonitoringSchedule', { MonitoringScheduleConfig: Match.objectLike({ ScheduleConfig: { ScheduleExpression: expression } }) });
    });

    it('runs in a VPC with a group allowing only HTTPS out, and may manage its network interfaces', () => {
      // GIVEN a VPC with isolated subnets
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const { m, t } = monitor({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, stack);
      // THEN
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        NetworkConfig: {
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: {
            SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^DataQualitySecurityGroup'), 'GroupId'] }],
            Subnets: [{ Ref: Match.stringLikeRegexp('^VpcisolatedSubnet1') }, { Ref: Match.stringLikeRegexp('^VpcisolatedSubnet2') }],
          },
        },
      });
      t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
        SecurityGroupIngress: Match.absent(),
      });
      expect(m.securityGroups).toHaveLength(1);
      const ec2Statement = statements(t).find((x) => [x.Action].flat().includes('ec2:CreateNetworkInterface'));
      expect(ec2Statement.Action).toEqual([
        'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
        'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions',
      ]);
    });

    it('runs in the isolated subnets by default, with the security groups it is given', () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
      const { m, t } = monitor({ vpc, securityGroups: [group] }, stack);
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        NetworkConfig: Match.objectLike({
          VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Group'), 'GroupId'] }], Subnets: [{ Ref: Match.stringLikeRegexp('^VpcisolatedSubnet1') }] },
        }),
      });
      t.resourceCountIs('AWS::EC2::SecurityGroup', 1);
      expect(m.securityGroups).toEqual([group]);
    });

    it('runs the job with a given role, adding its statements to it', () => {
      const stack = newStack();
      const role = new iam.Role(stack, 'MonitorRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const { m, t } = monitor({ role }, stack);
      expect(m.role).toBe(role);
      t.resourceCountIs('AWS::IAM::Role', 1);
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', { RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorRole'), 'Arn'] } });
      const policy = Object.values<any>(t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^MonitorRole') } }))[0];
      const actions = policy.Properties.PolicyDocument.Statement.flatMap((x: any) => [x.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 'kms:CreateGrant', 'cloudwatch:PutMetricData']));
      // SageMaker may check the role when the definition is created: the definition waits for the policy.
      const definition = Object.values<any>(t.findResources('AWS::SageMaker::DataQualityJobDefinition'))[0];
      expect(definition.DependsOn).toEqual([expect.stringMatching(/^MonitorRoleDefaultPolicy/)]);
    });

    it('names the schedule deterministically within 63 characters for a long endpoint name', () => {
      const named = (stack: Stack) => monitor({ endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Long', { endpointName: 'a'.repeat(60) }) }, stack);
      const first = named(newStack()).m.monitoringScheduleName;
      const second = named(newStack()).m.monitoringScheduleName;
      expect(first).toBe(second);
      expect(first.length).toBeLessThanOrEqual(63);
      expect(first).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
      expect(first).toMatch(/^a+-data-quality-[0-9a-f]{8}$/);
    });

    it('names the schedule from its path when the endpoint name is only known at deploy time', () => {
      const stack = newStack();
      const endpointName = new CfnParameter(stack, 'EndpointName', { type: 'String' });
      const { m, t } = monitor({ endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Deployed', { endpointName: endpointName.valueAsString }) }, stack);
      expect(m.monitoringScheduleName).toMatch(/^TestStack-DataQuality-[0-9A-F]{8}$/);
      expect(m.monitoringScheduleName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
      t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        DataQualityJobInput: { EndpointInput: Match.objectLike({ EndpointName: { Ref: 'EndpointName' } }) },
      });
    });

    it('warns when a run may outlast the schedule interval', () => {
      const { stack } = monitor({ maxRuntime: Duration.hours(2) });
      Annotations.fromStack(stack).hasWarning('/TestStack/DataQuality', Match.stringLikeRegexp('maxRuntime \\(7200 s\\) is longer than the schedule interval \\(1 h\\)'));
    });
  });

  describe('rejected', () => {
    it.each<[string, () => unknown, string, string]>([
      ['a region without the prebuilt analyzer', () => monitor({}, new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'ap-northeast-3' } })), 'imageUri', 'must be set in ap-northeast-3: the prebuilt Model Monitor analyzer exists only in'],
      ['a cron form SageMaker does not run', () => monitor({ schedule: events.Schedule.cron({ minute: '0', hour: '12' }) }), 'schedule', "with events.Schedule.cron, give minute '0', the hour and weekDay '*'"],
      ['a rate', () => monitor({ schedule: events.Schedule.rate(Duration.hours(1)) }), 'schedule', 'must be one of the forms Model Monitor accepts'],
      ['a one-off NOW', () => monitor({ schedule: events.Schedule.expression('NOW') }), 'schedule', 'cron(0 * ? * * *) (hourly)'],
      ['an hour past 23', () => monitor({ schedule: events.Schedule.cron({ minute: '0', hour: '24', weekDay: '*' }) }), 'schedule', 'H 0-23'],
      ['every 25 hours', () => monitor({ schedule: events.Schedule.cron({ minute: '0', hour: '0/25', weekDay: '*' }) }), 'schedule', 'N 1-24'],
      ['a schedule name with an underscore', () => monitor({ monitoringScheduleName: 'fraud_dq' }), 'monitoringScheduleName', 'must be 1-63 letters, digits or hyphens'],
      ['a schedule name over 63 characters', () => monitor({ monitoringScheduleName: 'a'.repeat(64) }), 'monitoringScheduleName', 'must be 1-63 letters'],
      ['a baseline that is not JSON', () => monitor({ baselineStatistics: { bucket: s3.Bucket.fromBucketName(newStack('Other'), 'Baselines', 'baselines'), key: 'fraud/statistics.csv' } }), 'baselineStatistics.key', 'must be the S3 key of a .json file'],
      ['a report prefix with a leading slash', () => monitor({ reportPrefix: '/reports' }), 'reportPrefix', 'without a leading or trailing slash'],
      ['an instance type without ml.', () => monitor({ instanceType: 'm5.xlarge' }), 'instanceType', 'must be an ML instance type'],
      ['no instance', () => monitor({ instanceCount: 0 }), 'instanceCount', 'must be at least 1'],
      ['a runtime over a day', () => monitor({ maxRuntime: Duration.hours(25) }), 'maxRuntime', 'must be from 1 second to 24 hours (86400 seconds)'],
      ['a runtime of part of a second', () => monitor({ maxRuntime: Duration.millis(1500) }), 'maxRuntime', 'must be a whole number of seconds'],
      ['six security groups', () => monitor({ vpc: new ec2.Vpc(newStack('Net'), 'Vpc'), securityGroups: Array.from({ length: 6 }, (_, i) => ec2.SecurityGroup.fromSecurityGroupId(newStack(`G${i}`), 'G', `sg-${i}`)) }), 'securityGroups', 'must list at most 5 security groups'],
      ['subnets without a VPC', () => monitor({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }), 'vpcSubnets', 'must be set only together with vpc'],
    ])('%s', (_what, build, property, allowed) => {
      const e = expectValidationError(build);
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('TestStack/DataQuality');
      expect(p!.allowed).toContain(allowed);
    });

    it('says where, what, what was received and what is allowed', () => {
      const e = expectValidationError(() => monitor({ monitoringScheduleName: 'fraud_dq' }));
      expect(e.message).toBe(
        'TestStack/DataQuality: monitoringScheduleName must be 1-63 letters, digits or hyphens, starting and ending with a letter or digit; got "fraud_dq"',
      );
    });
  });
});
