import { CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/aws/gpu-serving-endpoint';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { ModelSource } from '../../lib/aws/model-source';
import { StagedRolloutFallback } from '../../lib/aws/staged-rollout-fallback';
import { RollbackTrigger, ThresholdComparison } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';
import { FIRST_STEP_AS_CANARY } from '../../lib/core/sagemaker-routing';
import { expectValidationError, newStack } from '../support/aws';
import { HAS_EMULATOR, eventBridgeMatches, sageMakerDeploymentSample, sageMakerEndpointStateSample } from '../support/event-pattern';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@${DIGEST}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const BASE: GpuServingEndpointProps = {
  model: ModelSource.fromImage({ image: IMAGE, modelDataUrl: 's3://models/fraud/model.tar.gz' }),
  instanceType: 'ml.g5.xlarge',
  alarmOwnership: OWNERSHIP,
  endpointName: 'fraud',
};

/** A registry in a stack of its own, for models rejected before anything is bound to it. */
const FRAUD_REGISTRY = ModelRegistry.fromModelRegistryAttributes(newStack('RegistryStack'), 'Registry', { modelPackageGroupName: 'fraud' });

function endpoint(props: Partial<GpuServingEndpointProps> = {}): { stack: Stack; ep: GpuServingEndpoint; t: Template } {
  const stack = newStack();
  const ep = new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, ...props });
  return { stack, ep, t: Template.fromStack(stack) };
}

/** An endpoint not synthesized yet, to add to. */
function build(props: Partial<GpuServingEndpointProps> = {}): { stack: Stack; ep: GpuServingEndpoint } {
  const stack = newStack();
  return { stack, ep: new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, ...props }) };
}

function resourceOf(t: Template, type: string): any {
  const all = Object.values(t.findResources(type));
  expect(all).toHaveLength(1);
  return (all[0] as any).Properties;
}

describe('GpuServingEndpoint (AWS)', () => {
  describe('default', () => {
    const { t, ep } = endpoint();

    it('deploys with a canary of one of its two instances baking 10 minutes, rolling back on the 5xx alarm', () => {
      const props = resourceOf(t, 'AWS::SageMaker::Endpoint');
      expect(props.EndpointName).toBe('fraud');
      expect(props.DeploymentConfig.BlueGreenUpdatePolicy).toEqual({
        TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 50 }, WaitIntervalInSeconds: 600 },
        TerminationWaitInSeconds: 300,
        MaximumExecutionTimeoutInSeconds: 600 + 300 + 1800,
      });
      expect(props.DeploymentConfig.AutoRollbackConfiguration.Alarms).toEqual([{ AlarmName: { Ref: expect.stringMatching(/^EndpointRollbackerrorrate/) } }]);
    });

    it('lets SageMaker read exactly its rollback alarms (DescribeAlarms with the execution role)', () => {
      const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const describeAlarms = statements.filter((s) => [s.Action].flat().includes('cloudwatch:DescribeAlarms'));
      expect(describeAlarms).toHaveLength(1);
      expect(describeAlarms[0].Action).toBe('cloudwatch:DescribeAlarms');
      expect(describeAlarms[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointRollbackerrorrate/), 'Arn'] });
      expect(ep.rollbackAlarms).toHaveLength(1);
    });

    it('runs two instances of the primary variant, without an endpoint config name', () => {
      const config = resourceOf(t, 'AWS::SageMaker::EndpointConfig');
      expect(config.EndpointConfigName).toBeUndefined();
      expect(config.ProductionVariants).toEqual([
        expect.objectContaining({ VariantName: 'primary', InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 2, InitialVariantWeight: 1 }),
      ]);
      expect(config.ShadowProductionVariants).toBeUndefined();
    });

    it('omits KmsKeyId on instances with local NVMe storage (SageMaker rejects it there)', () => {
      expect(resourceOf(t, 'AWS::SageMaker::EndpointConfig').KmsKeyId).toBeUndefined();
    });

    it('captures 10% of requests and responses to a KMS-encrypted, retained bucket', () => {
      const config = resourceOf(t, 'AWS::SageMaker::EndpointConfig');
      expect(config.DataCaptureConfig).toEqual({
        EnableCapture: true,
        InitialSamplingPercentage: 10,
        DestinationS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^EndpointCaptureBucket/) }, '/data-capture/fraud']] },
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^EndpointKey/), 'Arn'] },
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json'] },
      });
      t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }) });
      expect(ep.dataCaptureLocation?.prefix).toBe('data-capture/fraud');
    });

    it('runs the model with network isolation and a role scoped to its image, data and logs', () => {
      t.hasResourceProperties('AWS::SageMaker::Model', {
        EnableNetworkIsolation: true,
        PrimaryContainer: { Image: IMAGE, ModelDataUrl: 's3://models/fraud/model.tar.gz' },
      });
      const statements = (Object.values(t.findResources('AWS::IAM::Policy'))[0] as any).Properties.PolicyDocument.Statement;
      const byAction = (a: string) => statements.find((s: any) => [s.Action].flat().includes(a));
      expect(byAction('ecr:BatchGetImage').Resource).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:123456789012:repository/fraud/server']],
      });
      expect(byAction('s3:GetObject').Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::models/fraud/model.tar.gz']] });
      expect(byAction('cloudwatch:PutMetricData').Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/Endpoints' } });
      for (const s of statements) {
        expect([s.Action].flat()).not.toContain('*');
        expect([s.Action].flat().some((a: string) => a.endsWith(':*'))).toBe(false);
      }
    });

    it('alarms on the 5xx rate with owner and runbook, and on GPU memory and disk', () => {
      // And on SageMaker's rollback events (issue 12.12, below).
      t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp('Owner: fraud-oncall\nRunbook: https://runbooks.example.com/fraud'),
        Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)' })]),
        Tags: Match.arrayWith([{ Key: 'mlops:owner', Value: 'fraud-oncall' }]),
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'GPUMemoryUtilization',
        Namespace: '/aws/sagemaker/Endpoints',
        Threshold: 90,
        Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: 'fraud' }, { Name: 'VariantName', Value: 'primary' }]),
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DiskUtilization', Threshold: 85 });
    });

    it('has a dashboard and no autoscaling', () => {
      t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    });
  });

  describe('configured', () => {
    it('renders p99 latency in microseconds and business metrics below a threshold', () => {
      const { t } = endpoint({
        rollbackTriggers: [
          RollbackTrigger.p99Latency({ maxMillis: 300 }),
          RollbackTrigger.metric({
            name: 'conversion-rate',
            threshold: 2,
            comparison: ThresholdComparison.LESS_THAN,
            cloudWatch: { namespace: 'Acme/Checkout', metricName: 'ConversionRate' },
            owner: 'checkout',
            runbookUrl: 'https://runbooks.example.com/conversion',
          }),
        ],
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p99', Threshold: 300_000 });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ConversionRate',
        Namespace: 'Acme/Checkout',
        Threshold: 2,
        ComparisonOperator: 'LessThanThreshold',
        AlarmDescription: Match.stringLikeRegexp('Owner: checkout'),
      });
      expect(resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig.AutoRollbackConfiguration.Alarms).toHaveLength(2);
    });

    it('renders linear and all-at-once rollouts, and equal staged steps as linear', () => {
      const routing = (rollout: RolloutPolicy) =>
        resourceOf(endpoint({ rollout }).t, 'AWS::SageMaker::Endpoint').DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration;
      expect(routing(RolloutPolicy.linear({ stepPercent: 50, interval: Duration.minutes(5) }))).toEqual({
        Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 50 }, WaitIntervalInSeconds: 300,
      });
      expect(routing(RolloutPolicy.allAtOnce({ bake: Duration.minutes(15) }))).toEqual({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 900 });
      expect(
        routing(
          RolloutPolicy.staged({
            steps: [...[25, 50, 75].map((percent) => ({ percent, bake: Duration.minutes(5) })), { percent: 100 }],
          }),
        ),
      ).toEqual({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 300 });
    });

    it('approximates an uneven staged plan only when asked, with a warning', () => {
      const staged = RolloutPolicy.staged({ steps: [{ percent: 5 }, { percent: 25 }, { percent: 50 }, { percent: 100 }] });
      const { stack, t } = endpoint({ rollout: staged, stagedRolloutFallback: StagedRolloutFallback.FIRST_STEP_AS_CANARY, initialInstanceCount: 20 });
      expect(resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize.Value).toBe(5);
      Annotations.fromStack(stack).hasWarning('/TestStack/Endpoint', Match.stringLikeRegexp('cannot express the staged plan'));
    });

    it('adds a shadow variant receiving a sampled copy of traffic', () => {
      const { t } = endpoint({ shadow: { model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 20 } });
      expect(resourceOf(t, 'AWS::SageMaker::EndpointConfig').ShadowProductionVariants).toEqual([
        expect.objectContaining({ VariantName: 'shadow', InitialInstanceCount: 1, InitialVariantWeight: 0.2, InstanceType: 'ml.g5.xlarge' }),
      ]);
      t.resourceCountIs('AWS::SageMaker::Model', 2);
    });

    it('adds A/B production variants with their weights', () => {
      const { t } = endpoint({
        variantName: 'control',
        primaryWeight: 3,
        variants: [{ name: 'treatment', model: ModelSource.fromImage({ image: IMAGE }), weight: 1, instanceType: 'ml.g6.xlarge' }],
      });
      expect(resourceOf(t, 'AWS::SageMaker::EndpointConfig').ProductionVariants.map((v: any) => [v.VariantName, v.InitialVariantWeight, v.InstanceType])).toEqual([
        ['control', 3, 'ml.g5.xlarge'],
        ['treatment', 1, 'ml.g6.xlarge'],
      ]);
    });

    it('autoscales on invocations per instance and GPU utilization with cooldowns', () => {
      const { t } = endpoint({
        autoscaling: { minInstances: 2, maxInstances: 6, targetInvocationsPerInstance: 500, targetGpuUtilizationPercent: 70 },
      });
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 2,
        MaxCapacity: 6,
        ResourceId: 'endpoint/fraud/variant/primary',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        ServiceNamespace: 'sagemaker',
      });
      // Names unique per scalable target, not hashed from the construct path (which names the
      // stack): a platform model's template is then another's with its name (ModelSynthesis.STAMPED).
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyName: 'InvocationsPerInstance',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 500,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          ScaleInCooldown: 600,
          ScaleOutCooldown: 120,
        },
      });
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyName: 'GpuUtilization',
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          TargetValue: 70,
          CustomizedMetricSpecification: Match.objectLike({ MetricName: 'GPUUtilization', Namespace: '/aws/sagemaker/Endpoints' }),
        }),
      });
    });

    it('takes its times as Durations: termination wait, cold-start timeouts and cooldowns', () => {
      const { t } = endpoint({
        terminationWait: Duration.minutes(10),
        modelDataDownloadTimeout: Duration.minutes(20),
        containerStartupHealthCheckTimeout: Duration.seconds(900),
        autoscaling: {
          maxInstances: 4,
          targetInvocationsPerInstance: 100,
          scaleInCooldown: Duration.minutes(15),
          scaleOutCooldown: Duration.seconds(30),
        },
      });
      expect(resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig.BlueGreenUpdatePolicy).toMatchObject({
        TerminationWaitInSeconds: 600,
        // The bake, the termination wait, the download and start-up timeouts and the launch margin.
        MaximumExecutionTimeoutInSeconds: 600 + 600 + 1200 + 900 + 600,
      });
      expect(resourceOf(t, 'AWS::SageMaker::EndpointConfig').ProductionVariants[0]).toMatchObject({
        ModelDataDownloadTimeoutInSeconds: 1200,
        ContainerStartupHealthCheckTimeoutInSeconds: 900,
      });
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({ ScaleInCooldown: 900, ScaleOutCooldown: 30 }),
      });
    });

    it('sizes cold-start timeouts from the model size, capped at 3600 s', () => {
      const variant = (size: number) => resourceOf(endpoint({ modelSizeGiB: size }).t, 'AWS::SageMaker::EndpointConfig').ProductionVariants[0];
      expect(variant(10)).toMatchObject({ ModelDataDownloadTimeoutInSeconds: 720, ContainerStartupHealthCheckTimeoutInSeconds: 600 });
      expect(variant(140)).toMatchObject({ ModelDataDownloadTimeoutInSeconds: 3600, ContainerStartupHealthCheckTimeoutInSeconds: 3600 });
    });

    it('encrypts volumes with the key on instances without local storage', () => {
      const { t } = endpoint({ instanceType: 'ml.p3.2xlarge' });
      expect(resourceOf(t, 'AWS::SageMaker::EndpointConfig').KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointKey/), 'Arn'] });
    });

    it('scales the GPU memory alarm and the GPU utilization target to the GPUs of the instance', () => {
      const { t } = endpoint({ instanceType: 'ml.g5.12xlarge', autoscaling: { maxInstances: 4, targetGpuUtilizationPercent: 70 } });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'GPUMemoryUtilization', Threshold: 360 });
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 280 }),
      });
    });

    it('loads uncompressed weights from a prefix or an object through ModelDataSource', () => {
      const container = (modelDataUrl: string) =>
        resourceOf(endpoint({ model: ModelSource.fromImage({ image: IMAGE, modelDataUrl }) }).t, 'AWS::SageMaker::Model').PrimaryContainer;
      expect(container('s3://models/llama/v3/')).toEqual({
        Image: IMAGE,
        ModelDataSource: { S3DataSource: { S3Uri: 's3://models/llama/v3/', S3DataType: 'S3Prefix', CompressionType: 'None' } },
      });
      expect(container('s3://models/small/model.safetensors').ModelDataSource.S3DataSource.S3DataType).toBe('S3Object');
      expect(container('s3://models/fraud/model.tar.gz')).toEqual({ Image: IMAGE, ModelDataUrl: 's3://models/fraud/model.tar.gz' });
    });

    it('keeps a token endpoint name intact in its ARN', () => {
      const stack = newStack();
      const name = Token.asString({ Ref: 'EndpointNameParam' });
      const imported = GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Imported', { endpointName: name });
      expect(stack.resolve(imported.endpointArn)).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:endpoint/', { Ref: 'EndpointNameParam' }]],
      });
    });

    it('serves a model package version from a ModelRegistry', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, model: ModelSource.fromModelPackage(registry, 7) });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
        PrimaryContainer: { ModelPackageName: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:model-package/fraud/7']] } },
      });
    });

    it('serves a model package version by ARN: a stack parameter\'s value, with read access to the registry', () => {
      // GIVEN the version ARN as a deploy-time parameter (what ApprovalPromotion updates)
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const version = new CfnParameter(stack, 'FraudModelPackage', { type: 'String' });
      // WHEN the endpoint serves it
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, model: ModelSource.fromModelPackageArn(registry, version.valueAsString) });
      // THEN the model names the parameter, and the execution role may describe the group's packages
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelPackageName: { Ref: 'FraudModelPackage' } } });
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sagemaker:DescribeModelPackage',
              Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:model-package/fraud/*']] },
            }),
          ]),
        },
      });
    });

    it('serves a concrete model package ARN as written, its group compared without case', () => {
      const stack = newStack();
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'Fraud' });
      const arn = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/12';
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, model: ModelSource.fromModelPackageArn(registry, arn, { environment: { TS_MAX_BATCH_SIZE: '8' } }) });
      Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
        PrimaryContainer: { ModelPackageName: arn, Environment: { TS_MAX_BATCH_SIZE: '8' } },
      });
    });

    it('notifies a topic, disables capture or the dashboard on request', () => {
      const stack = newStack();
      const topic = new sns.Topic(stack, 'Topic');
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, alarmTopic: topic, dataCapture: { enabled: false }, dashboard: false });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }] });
      expect(resourceOf(t, 'AWS::SageMaker::EndpointConfig').DataCaptureConfig).toBeUndefined();
      t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    });

    it('grantInvoke and import by attributes', () => {
      const stack = newStack();
      const imported = GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Imported', { endpointName: 'Fraud-Prod' });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      imported.grantInvoke(role);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sagemaker:InvokeEndpoint',
              Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:endpoint/fraud-prod']] },
            },
          ],
        },
      });
      expect(stack.resolve(imported.metric('Invocations').dimensions)).toEqual({ EndpointName: 'Fraud-Prod', VariantName: 'primary' });
    });

    it('captures to a bucket passed in', () => {
      const stack = newStack();
      const bucket = new s3.Bucket(stack, 'Capture');
      const ep = new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, dataCapture: { bucket, prefix: 'captures/fraud/' } });
      expect(ep.dataCaptureLocation?.bucket).toBe(bucket);
      expect(ep.dataCaptureLocation?.prefix).toBe('captures/fraud');
      // Captured objects are encrypted with the endpoint's key (DataCaptureConfig.KmsKeyId), whatever the bucket's.
      expect(stack.resolve(ep.dataCaptureLocation?.key?.keyArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointKey/), 'Arn'] });
    });
  });

  describe('added after construction', () => {
    const treatment = { name: 'treatment', model: ModelSource.fromImage({ image: IMAGE }), weight: 1, instanceType: 'ml.g6.xlarge' };

    it('addEnv: a variable of the primary model\'s container, beside the model source\'s own', () => {
      const model = ModelSource.fromImage({ image: IMAGE, environment: { SAGEMAKER_PROGRAM: 'serve.py' } });
      const { stack, ep } = build({ model, variants: [{ name: 'b', model: ModelSource.fromImage({ image: IMAGE }), weight: 1 }] });
      ep.addEnv('LOG_LEVEL', 'debug');
      const t = Template.fromStack(stack);
      const models = Object.entries<any>(t.findResources('AWS::SageMaker::Model'));
      const primary = models.find(([id]) => /^EndpointModel[0-9A-F]{8}$/.test(id))![1];
      expect(primary.Properties.PrimaryContainer.Environment).toEqual({ SAGEMAKER_PROGRAM: 'serve.py', LOG_LEVEL: 'debug' });
      // Only the primary model: a variant serves its own model source.
      const variant = models.find(([id]) => id.startsWith('EndpointVariantModel0'))![1];
      expect(variant.Properties.PrimaryContainer.Environment).toBeUndefined();
    });

    it('addEnv: refuses a bad name, or one set already, naming the property', () => {
      const { ep } = build({ model: ModelSource.fromImage({ image: IMAGE, environment: { SAGEMAKER_PROGRAM: 'serve.py' } }) });
      expect(expectValidationError(() => ep.addEnv('1BAD', 'x')).problems.map((p) => [p.property, p.allowed])).toEqual([['name', 'must be an environment variable name']]);
      expect(expectValidationError(() => ep.addEnv('SAGEMAKER_PROGRAM', 'x')).problems.map((p) => p.property)).toEqual(['name']);
      ep.addEnv('LOG_LEVEL', 'debug');
      expect(expectValidationError(() => ep.addEnv('LOG_LEVEL', 'info')).problems[0].allowed).toContain('must not be set already');
    });

    it('without addEnv the container is rendered exactly as the model source gives it', () => {
      const { t } = endpoint();
      expect(resourceOf(t, 'AWS::SageMaker::Model').PrimaryContainer.Environment).toBeUndefined();
    });

    it('addVariant: an A/B variant with its own model, after those of the props', () => {
      const { stack, ep } = build({ variants: [{ name: 'b', model: ModelSource.fromImage({ image: IMAGE }), weight: 2 }] });
      ep.addVariant(treatment);
      const t = Template.fromStack(stack);
      const variants = resourceOf(t, 'AWS::SageMaker::EndpointConfig').ProductionVariants;
      expect(variants.map((v: any) => [v.VariantName, v.InitialVariantWeight, v.InstanceType, v.InitialInstanceCount])).toEqual([
        ['primary', 1, 'ml.g5.xlarge', 2],
        ['b', 2, 'ml.g5.xlarge', 2],
        ['treatment', 1, 'ml.g6.xlarge', 2],
      ]);
      expect(variants[2].ModelName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EndpointVariantModel1/), 'ModelName'] });
      t.resourceCountIs('AWS::SageMaker::Model', 3);
    });

    it('addVariant: a variant with local NVMe storage drops the volume key (SageMaker rejects it there)', () => {
      const { stack, ep } = build({ instanceType: 'ml.p3.2xlarge' });
      ep.addVariant(treatment);
      expect(resourceOf(Template.fromStack(stack), 'AWS::SageMaker::EndpointConfig').KmsKeyId).toBeUndefined();
    });

    it('addVariant: rejects an invalid variant at once, naming the property', () => {
      const { ep } = build();
      const e = expectValidationError(() => ep.addVariant({ ...treatment, weight: 0 }));
      expect(e.problems).toEqual([expect.objectContaining({ constructPath: 'TestStack/Endpoint', property: 'variants[0].weight', allowed: 'must be greater than 0' })]);
    });

    it('addVariant: a name used twice, or a variant beside a shadow, fails synthesis naming the construct', () => {
      const { stack, ep } = build({ shadow: { model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 10 } });
      ep.addVariant({ ...treatment, name: 'primary' });
      let message = '';
      try {
        Template.fromStack(stack);
      } catch (e) {
        message = String(e);
      }
      expect(message).toContain('TestStack/Endpoint: variants must have unique variant names; "primary" is used twice');
      expect(message).toContain('TestStack/Endpoint: shadow must not be combined with variants');
    });

    it('addShadowVariant: the shadow receives a sampled copy of traffic', () => {
      const { stack, ep } = build();
      ep.addShadowVariant({ model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 20, name: 'challenger' });
      expect(resourceOf(Template.fromStack(stack), 'AWS::SageMaker::EndpointConfig').ShadowProductionVariants).toEqual([
        expect.objectContaining({ VariantName: 'challenger', InitialInstanceCount: 1, InitialVariantWeight: 0.2 }),
      ]);
    });

    it('addShadowVariant: one shadow only, and a valid one', () => {
      const { ep } = build();
      const invalid = expectValidationError(() => ep.addShadowVariant({ model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 0 }));
      expect(invalid.problems.map((p) => p.property)).toEqual(['shadow.samplingPercent']);
      ep.addShadowVariant({ model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 10 });
      const twice = expectValidationError(() => ep.addShadowVariant({ model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 10 }));
      expect(twice.problems).toEqual([expect.objectContaining({ property: 'shadow', allowed: expect.stringContaining('must be added once') })]);
    });

    it('addRollbackTrigger: its alarm rolls deployments back, SageMaker may read it, the dashboard shows it', () => {
      const { stack, ep } = build();
      const alarm = ep.addRollbackTrigger(RollbackTrigger.p99Latency({ maxMillis: 300 }));
      expect(ep.rollbackAlarms).toEqual([expect.anything(), alarm]);
      expect(alarm.node.id).toBe('Rollback-p99-latency');
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', Threshold: 300_000, AlarmDescription: Match.stringLikeRegexp('Owner: fraud-oncall') });
      expect(resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig.AutoRollbackConfiguration.Alarms).toEqual([
        { AlarmName: { Ref: expect.stringMatching(/^EndpointRollbackerrorrate/) } },
        { AlarmName: { Ref: expect.stringMatching(/^EndpointRollbackp99latency/) } },
      ]);
      const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements.find((s) => s.Action === 'cloudwatch:DescribeAlarms').Resource).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(/^EndpointRollbackerrorrate/), 'Arn'] },
        { 'Fn::GetAtt': [expect.stringMatching(/^EndpointRollbackp99latency/), 'Arn'] },
      ]);
      const body = JSON.stringify(resourceOf(t, 'AWS::CloudWatch::Dashboard').DashboardBody);
      const at = (id: string) => body.indexOf(`"Fn::GetAtt":["${id}`);
      expect(at('EndpointRollbackerrorrate')).toBeGreaterThan(0);
      expect(at('EndpointRollbackp99latency')).toBeGreaterThan(at('EndpointRollbackerrorrate'));
      expect(at('EndpointGpuMemoryAlarm')).toBeGreaterThan(at('EndpointRollbackp99latency'));
    });

    it('addRollbackTrigger: rejects a name used twice and a metric AWS cannot read, naming the property', () => {
      const { ep } = build();
      const twice = expectValidationError(() => ep.addRollbackTrigger(RollbackTrigger.errorRate({ maxPercent: 5 })));
      expect(twice.problems).toEqual([expect.objectContaining({ property: 'rollbackTriggers[1].name', allowed: expect.stringContaining('must be unique') })]);
      const prometheusOnly = RollbackTrigger.metric({ name: 'ctr', threshold: 1, comparison: ThresholdComparison.LESS_THAN, prometheusQuery: 'x' });
      const metric = expectValidationError(() => ep.addRollbackTrigger(prometheusOnly));
      expect(metric.problems.map((p) => p.property)).toEqual(['rollbackTriggers[1].cloudWatch']);
      expect(ep.rollbackAlarms).toHaveLength(1);
    });
  });

  describe('role and VPC', () => {
    it('runs the models with a role passed in, adding its statements to it', () => {
      const stack = newStack();
      const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const ep = new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, role });
      expect(ep.role).toBe(role);
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::IAM::Role', 1);
      expect(resourceOf(t, 'AWS::SageMaker::Model').ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^MyRole/), 'Arn'] });
      t.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^MyRole') }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'cloudwatch:DescribeAlarms' })]) },
      });
    });

    it('runs the models in a VPC: its private subnets and a security group allowing HTTPS out', () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, vpc });
      const t = Template.fromStack(stack);
      const model = resourceOf(t, 'AWS::SageMaker::Model');
      expect(model.VpcConfig.Subnets).toEqual([{ Ref: expect.stringMatching(/^VpcPrivateSubnet1/) }, { Ref: expect.stringMatching(/^VpcPrivateSubnet2/) }]);
      expect(model.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^EndpointSecurityGroup/), 'GroupId'] }]);
      t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
      });
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface']), Resource: '*' })]) },
      });
    });

    it('uses the subnets and security groups passed in', () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups: [sg] });
      const t = Template.fromStack(stack);
      expect(resourceOf(t, 'AWS::SageMaker::Model').VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^Sg/), 'GroupId'] }]);
      t.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<GpuServingEndpointProps>, string, string]>([
      ['a non-GPU instance type', { instanceType: 'ml.m5.xlarge' }, 'instanceType', 'must be a GPU or Inferentia/Trainium instance type'],
      ['a :latest image', { model: ModelSource.fromImage({ image: 'nvcr.io/nvidia/tritonserver:latest' }) }, 'model.image', 'moving tag'],
      ['a tag without digest', { model: ModelSource.fromImage({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3' }) }, 'model.image', 'must be pinned by digest'],
      ['0 min instances without opt-in', { autoscaling: { minInstances: 0, maxInstances: 4, targetInvocationsPerInstance: 100 } }, 'autoscaling.minInstances', 'must be at least 1 on a GPU endpoint'],
      ['min above max', { autoscaling: { minInstances: 5, maxInstances: 4, targetInvocationsPerInstance: 100 } }, 'autoscaling.minInstances', 'must not exceed maxInstances (4)'],
      ['autoscaling without a target', { autoscaling: { maxInstances: 4 } }, 'autoscaling.targetInvocationsPerInstance', 'autoscaling needs a target'],
      ['canary steps not increasing', { rollout: RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 5 }, { percent: 100 }] }) }, 'rollout.steps', 'must increase and end at 100'],
      ['a canary above 50%', { rollout: RolloutPolicy.canary({ percent: 60 }) }, 'rollout.percent', 'must be at most 50 on SageMaker'],
      ['a canary on one instance', { initialInstanceCount: 1 }, 'initialInstanceCount', 'must be at least 2 for a canary rollout'],
      ['an uneven staged plan', { rollout: RolloutPolicy.staged({ steps: [{ percent: 5 }, { percent: 25 }, { percent: 100 }] }) }, 'rollout.steps', 'must be equal steps on SageMaker'],
      ['no rollback trigger', { rollbackTriggers: [] }, 'rollbackTriggers', 'a rollout needs a way back'],
      ['a metric trigger without CloudWatch metric', { rollbackTriggers: [RollbackTrigger.metric({ name: 'ctr', threshold: 1, comparison: ThresholdComparison.LESS_THAN, prometheusQuery: 'x' })] }, 'rollbackTriggers[0].cloudWatch', 'must be set for a metric trigger used on AWS'],
      ['an http runbook', { alarmOwnership: { owner: 'team', runbookUrl: 'http://wiki/runbook' } }, 'alarmOwnership.runbookUrl', 'must be an https:// link'],
      ['shadow together with variants', { shadow: { model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 10 }, variants: [{ name: 'b', model: ModelSource.fromImage({ image: IMAGE }), weight: 1 }] }, 'shadow', 'exactly one production variant'],
      ['two triggers with one name', { rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.errorRate({ maxPercent: 5 })] }, 'rollbackTriggers[1].name', 'must be unique'],
      ['duplicate variant names', { variants: [{ name: 'primary', model: ModelSource.fromImage({ image: IMAGE }), weight: 1 }] }, 'variants', '"primary" is used twice'],
      ['capturing nothing', { dataCapture: { captureRequest: false, captureResponse: false } }, 'dataCapture.captureResponse', 'nothing would be captured'],
      ['a model package ARN that is not a version', { model: ModelSource.fromModelPackageArn(FRAUD_REGISTRY, 'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud') }, 'model.modelPackageArn', 'must be the ARN of a model package version'],
      ['a termination wait above an hour', { terminationWait: Duration.hours(2) }, 'terminationWait', 'must be at most 60 minutes (3600 seconds)'],
      ['a download timeout under a minute', { modelDataDownloadTimeout: Duration.seconds(30) }, 'modelDataDownloadTimeout', 'must be at least 60 seconds'],
      ['a start-up timeout above an hour', { containerStartupHealthCheckTimeout: Duration.minutes(61) }, 'containerStartupHealthCheckTimeout', 'must be at most 60 minutes'],
      ['a cooldown in fractions of a second', { autoscaling: { maxInstances: 2, targetInvocationsPerInstance: 10, scaleInCooldown: Duration.millis(1500) } }, 'autoscaling.scaleInCooldown', 'must be a whole number of seconds'],
      ['bakes longer than SageMaker deploys', { rollout: RolloutPolicy.linear({ stepPercent: 10, interval: Duration.minutes(60) }) }, 'rollout', 'SageMaker MaximumExecutionTimeoutInSeconds ≤ 28800'],
      ['a wait interval above an hour', { rollout: RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(90) }) }, 'rollout.bake', 'must be at most 60 minutes on SageMaker'],
      ['subnets without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, 'vpcSubnets', 'must be given only with vpc'],
      ['a version of another group', { model: ModelSource.fromModelPackageArn(FRAUD_REGISTRY, 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/ranking/3') }, 'model.modelPackageArn', 'must be a version of the registry\'s model package group "fraud"'],
    ])('%s', (_what, props, property, allowed) => {
      const e = expectValidationError(() => new GpuServingEndpoint(newStack(), 'Endpoint', { ...BASE, ...props }));
      expect(e.problems.map((p) => p.property)).toContain(property);
      const problem = e.problems.find((p) => p.property === property)!;
      expect(problem.constructPath).toBe('TestStack/Endpoint');
      expect(problem.allowed).toContain(allowed);
    });

    it('reports SageMaker routing problems together with the other problems, in one throw', () => {
      const e = expectValidationError(() =>
        new GpuServingEndpoint(newStack(), 'Endpoint', { ...BASE, instanceType: 'ml.m5.xlarge', rollout: RolloutPolicy.canary({ percent: 60 }), initialInstanceCount: 1 }));
      expect(e.problems.map((p) => p.property)).toEqual(['instanceType', 'rollout.percent', 'initialInstanceCount']);
      expect(e.message).toContain('TestStack/Endpoint: rollout.percent must be at most 50 on SageMaker');
      expect(e.message).toContain('TestStack/Endpoint: instanceType must be a GPU');
    });

    it('judges no token Duration', () => {
      const wait = Duration.seconds(Token.asNumber({ Ref: 'Wait' }));
      expect(() => endpoint({ autoscaling: { maxInstances: 2, targetInvocationsPerInstance: 10, scaleOutCooldown: wait } })).not.toThrow();
    });

    it('names the fallback as the aws enum spells it', () => {
      expect(StagedRolloutFallback.FIRST_STEP_AS_CANARY).toBe(FIRST_STEP_AS_CANARY);
    });

    it('accepts 0 min instances with the explicit opt-in', () => {
      const autoscaling = { minInstances: 0, maxInstances: 4, targetInvocationsPerInstance: 100, allowScaleToZero: true };
      expect(() => endpoint({ autoscaling })).not.toThrow();
    });

    it('accepts a tag when mutable tags are explicitly allowed', () => {
      expect(() => endpoint({ model: ModelSource.fromImage({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3', allowMutableImageTag: true }) })).not.toThrow();
    });
  });
});

/** The logical ids of the resources `type` of the template, with their DependsOn. */
function dependsOnOf(t: Template, type: string): Array<[string, string[]]> {
  return Object.entries<any>(t.findResources(type)).map(([id, r]) => [id, r.DependsOn ?? []]);
}

describe('GpuServingEndpoint (AWS): first deploy and updates', () => {
  describe('models wait for the execution role\'s policy (aws/aws-cdk#10064)', () => {
    it('makes every model depend on the default policy of the role created here, like the endpoint', () => {
      const { ep } = build({ variants: [{ name: 'treatment', weight: 1, model: BASE.model }] });
      const t = Template.fromStack(Stack.of(ep));
      const [policy] = Object.keys(t.findResources('AWS::IAM::Policy'));
      expect(policy).toMatch(/^EndpointExecutionRoleDefaultPolicy/);
      const models = dependsOnOf(t, 'AWS::SageMaker::Model');
      expect(models).toHaveLength(2);
      models.forEach(([, deps]) => expect(deps).toContain(policy));
      // Not on the role itself: its ARN's GetAtt orders that already (cfn-lint W3005 refuses the repetition).
      const [role] = Object.keys(t.findResources('AWS::IAM::Role'));
      models.forEach(([, deps]) => expect(deps).not.toContain(role));
      dependsOnOf(t, 'AWS::SageMaker::Endpoint').forEach(([, deps]) => expect(deps).toContain(policy));
    });

    it('makes the shadow model depend on it too', () => {
      const { t } = endpoint({ shadow: { model: BASE.model, samplingPercent: 10 } });
      const [policy] = Object.keys(t.findResources('AWS::IAM::Policy'));
      dependsOnOf(t, 'AWS::SageMaker::Model').forEach(([, deps]) => expect(deps).toContain(policy));
    });

    it('makes the models depend on the policy of a role passed in', () => {
      const stack = newStack();
      const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, role });
      const t = Template.fromStack(stack);
      const [policy] = Object.keys(t.findResources('AWS::IAM::Policy'));
      expect(policy).toMatch(/^MyRoleDefaultPolicy/);
      dependsOnOf(t, 'AWS::SageMaker::Model').forEach(([, deps]) => expect(deps).toContain(policy));
    });

    it('makes the models depend on the policy an imported role gets', () => {
      const stack = newStack();
      const role = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/serving');
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, role });
      const t = Template.fromStack(stack);
      const [policy] = Object.keys(t.findResources('AWS::IAM::Policy'));
      expect(policy).toMatch(/^ImportedPolicy/);
      dependsOnOf(t, 'AWS::SageMaker::Model').forEach(([, deps]) => expect(deps).toContain(policy));
    });
  });

  describe('the execution role pulls the image it serves', () => {
    it('grants pulling a private ECR image to a role passed in (standalone endpoint)', () => {
      const stack = newStack();
      const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, role });
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^MyRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
              Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:123456789012:repository/fraud/server']] },
            }),
            Match.objectLike({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }),
          ]),
        },
      });
    });
  });

  describe('a promotion keeps the instance count autoscaling reached (RetainAllVariantProperties)', () => {
    const autoscaling = { minInstances: 2, maxInstances: 6, targetInvocationsPerInstance: 500 };

    it('retains the variants\' instance counts of an autoscaled endpoint, and applies the weights of the new config', () => {
      const { t } = endpoint({ autoscaling, variants: [{ name: 'treatment', weight: 1, model: BASE.model }] });
      const props = resourceOf(t, 'AWS::SageMaker::Endpoint');
      expect(props.RetainAllVariantProperties).toBe(true);
      expect(props.ExcludeRetainedVariantProperties).toEqual([{ VariantPropertyType: 'DesiredWeight' }]);
    });

    it('applies the instance count of the config to a fixed-size endpoint (nothing else sets it)', () => {
      const props = resourceOf(endpoint().t, 'AWS::SageMaker::Endpoint');
      expect(props.RetainAllVariantProperties).toBeUndefined();
      expect(props.ExcludeRetainedVariantProperties).toBeUndefined();
    });
  });

  describe('autoscaling uses Application Auto Scaling\'s service-linked role', () => {
    it('creates no role for the scalable target and names the SageMaker endpoint service-linked role', () => {
      const { t } = endpoint({ autoscaling: { maxInstances: 4, targetInvocationsPerInstance: 100 } });
      expect(Object.values<any>(t.findResources('AWS::IAM::Role')).map((r) => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service))
        .toEqual(['sagemaker.amazonaws.com']);
      expect(resourceOf(t, 'AWS::ApplicationAutoScaling::ScalableTarget').RoleARN).toEqual({
        'Fn::Join': ['', [
          'arn:', { Ref: 'AWS::Partition' },
          ':iam::123456789012:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
        ]],
      });
    });
  });

  describe('changing instanceType of an autoscaled endpoint: two deployments', () => {
    const autoscaling = { minInstances: 2, maxInstances: 6, targetInvocationsPerInstance: 500 };
    let before: Record<string, any>;
    let step1: { stack: Stack; t: Template };
    let step2: Record<string, any>;
    beforeAll(() => {
      before = endpoint({ autoscaling }).t.toJSON().Resources;
      step1 = endpoint({ autoscaling: { ...autoscaling, registered: false } });
      step2 = endpoint({ instanceType: 'ml.g6.xlarge', autoscaling }).t.toJSON().Resources;
    });
    const ofType = (resources: Record<string, any>, type: string) => Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === type));

    it('first deregisters the variant and leaves the endpoint and its config untouched', () => {
      const resources = step1.t.toJSON().Resources;
      expect(ofType(resources, 'AWS::ApplicationAutoScaling::ScalableTarget')).toEqual({});
      expect(ofType(resources, 'AWS::ApplicationAutoScaling::ScalingPolicy')).toEqual({});
      for (const type of ['AWS::SageMaker::Endpoint', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Model']) {
        expect(ofType(resources, type)).toEqual(ofType(before, type));
      }
    });

    it('warns while the variant is deregistered, naming the next step', () => {
      const warnings = Annotations.fromStack(step1.stack).findWarning('*', Match.stringLikeRegexp('autoscaling.registered'));
      expect(warnings).toHaveLength(1);
      expect(JSON.stringify(warnings[0].entry.data)).toContain('change instanceType');
    });

    it('then changes the instance type and registers the variant again once the endpoint is updated', () => {
      const [config] = Object.values<any>(ofType(step2, 'AWS::SageMaker::EndpointConfig'));
      expect(config.Properties.ProductionVariants[0].InstanceType).toBe('ml.g6.xlarge');
      const [endpointId] = Object.keys(ofType(step2, 'AWS::SageMaker::Endpoint'));
      const [target] = Object.values<any>(ofType(step2, 'AWS::ApplicationAutoScaling::ScalableTarget'));
      expect(target.DependsOn).toContain(endpointId);
      expect(target.Properties.ResourceId).toBe('endpoint/fraud/variant/primary');
    });
  });
});

/** The alarms of a template, by logical id. */
function alarmsOf(t: Template): Array<[string, any]> {
  return Object.entries(t.findResources('AWS::CloudWatch::Alarm')).map(([id, r]: [string, any]) => [id, r.Properties]);
}

/** The dimensions of every metric an alarm reads (its own, or those of its metric math), as name → value. */
function alarmDimensions(alarm: any): Array<Record<string, unknown>> {
  const stats = alarm.Metrics ? alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.Dimensions) : [alarm.Dimensions];
  return stats.map((dims: any[]) => Object.fromEntries((dims ?? []).map((d) => [d.Name, d.Value])));
}

const rollbackAlarmIds = (t: Template): string[] =>
  resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig.AutoRollbackConfiguration.Alarms.map((a: any) => a.AlarmName.Ref);

describe('GpuServingEndpoint (AWS): what the rollback alarms watch (issue 12.4, 12.5)', () => {
  const NEW_FLEET = { 'Fn::GetAtt': [expect.stringMatching(/^EndpointConfig[0-9A-F]{8}$/), 'EndpointConfigName'] };

  it('judges the new fleet alone: every invocation metric of a rollback alarm names the config being deployed', () => {
    const { t } = endpoint({ rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 300 })] });
    const ids = rollbackAlarmIds(t);
    expect(ids).toHaveLength(2);
    for (const [id, alarm] of alarmsOf(t).filter(([i]) => ids.includes(i))) {
      const dims = alarmDimensions(alarm);
      expect(dims.length, id).toBeGreaterThan(0);
      for (const d of dims) {
        expect(d).toEqual({ EndpointName: 'fraud', VariantName: 'primary', EndpointConfigName: NEW_FLEET });
      }
    }
  });

  it('keeps a metric trigger on the dimensions its owner gave (a business metric has no fleet)', () => {
    const { t } = endpoint({
      rollbackTriggers: [
        RollbackTrigger.metric({
          name: 'conversion-rate',
          threshold: 2,
          comparison: ThresholdComparison.LESS_THAN,
          cloudWatch: { namespace: 'Acme/Checkout', metricName: 'ConversionRate', dimensions: { Site: 'eu' } },
        }),
      ],
    });
    const [, alarm] = alarmsOf(t).find(([id]) => id === rollbackAlarmIds(t)[0])!;
    expect(alarmDimensions(alarm)).toEqual([{ Site: 'eu' }]);
  });

  it('watches instance metrics by endpoint and variant only: no page documents EndpointConfigName for them', () => {
    const { t } = endpoint();
    const instance = alarmsOf(t).filter(([, a]) => a.Namespace === '/aws/sagemaker/Endpoints');
    expect(instance.map(([, a]) => a.MetricName).sort()).toEqual(['DiskUtilization', 'GPUMemoryUtilization']);
    for (const [, a] of instance) {
      expect(alarmDimensions(a)).toEqual([{ EndpointName: 'fraud', VariantName: 'primary' }]);
    }
  });

  it('watches every serving variant of an A/B test: one alarm per variant and trigger', () => {
    const { t, ep } = endpoint({
      variantName: 'control',
      rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 300 })],
      variants: [{ name: 'treatment', model: ModelSource.fromImage({ image: IMAGE }), weight: 1 }],
    });
    const ids = rollbackAlarmIds(t);
    expect(ids).toHaveLength(4);
    expect(ep.rollbackAlarms).toHaveLength(4);
    const watched = alarmsOf(t)
      .filter(([id]) => ids.includes(id))
      .map(([, a]) => [a.Metrics ? 'error-rate' : a.MetricName, alarmDimensions(a)[0].VariantName]);
    expect(watched.sort()).toEqual([['ModelLatency', 'control'], ['ModelLatency', 'treatment'], ['error-rate', 'control'], ['error-rate', 'treatment']]);
  });

  it('addVariant: the added variant is watched by every trigger, the limit checked at synthesis', () => {
    const { ep } = build({ variantName: 'control' });
    ep.addVariant({ name: 'treatment', model: ModelSource.fromImage({ image: IMAGE }), weight: 1 });
    expect(ep.rollbackAlarms).toHaveLength(2);
    const stack = ep.node.scope as Stack;
    const t = Template.fromStack(stack);
    expect(rollbackAlarmIds(t)).toHaveLength(2);
    expect(alarmsOf(t).filter(([id]) => rollbackAlarmIds(t).includes(id)).map(([, a]) => alarmDimensions(a)[0].VariantName).sort()).toEqual(['control', 'treatment']);
  });

  it('does not roll back on the shadow: its answers are not served', () => {
    const { t } = endpoint({ shadow: { model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 20 } });
    const ids = rollbackAlarmIds(t);
    expect(ids).toHaveLength(1);
    for (const [, a] of alarmsOf(t)) {
      for (const d of alarmDimensions(a)) {
        expect(d.VariantName).not.toBe('shadow');
      }
    }
  });

  it('refuses more rollback alarms than AutoRollbackConfiguration takes (10), naming rollbackTriggers', () => {
    const variants = [1, 2, 3, 4, 5].map((i) => ({ name: `v${i}`, model: ModelSource.fromImage({ image: IMAGE }), weight: 1 }));
    const e = expectValidationError(() =>
      new GpuServingEndpoint(newStack(), 'Endpoint', { ...BASE, variants, rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 300 })] }));
    const problem = e.problems.find((p) => p.property === 'rollbackTriggers')!;
    expect(problem.allowed).toContain('at most 10 rollback alarms (SageMaker AutoRollbackConfiguration takes 10); got 12');
  });

  it('refuses at synthesis a variant added past the alarm limit', () => {
    const { ep } = build({ rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 300 })] });
    [1, 2, 3, 4, 5].forEach((i) => ep.addVariant({ name: `v${i}`, model: ModelSource.fromImage({ image: IMAGE }), weight: 1 }));
    expect(() => Template.fromStack(ep.node.scope as Stack)).toThrow(/rollbackTriggers must make at most 10 rollback alarms/);
  });
});

describe('GpuServingEndpoint (AWS): the deployment time limit covers the cold start (issue 12.8)', () => {
  const policy = (t: Template) => resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig.BlueGreenUpdatePolicy;

  it('a 40 GiB model: the bake, the termination wait, download and start-up timeouts and the launch margin', () => {
    const { t } = endpoint({ modelSizeGiB: 40 });
    expect(resourceOf(t, 'AWS::SageMaker::EndpointConfig').ProductionVariants[0]).toMatchObject({
      ModelDataDownloadTimeoutInSeconds: 2520, ContainerStartupHealthCheckTimeoutInSeconds: 1500,
    });
    expect(policy(t).MaximumExecutionTimeoutInSeconds).toBe(600 + 300 + 2520 + 1500 + 600);
  });

  it('explicit timeouts count as given', () => {
    const { t } = endpoint({ modelDataDownloadTimeout: Duration.minutes(30), containerStartupHealthCheckTimeout: Duration.minutes(20) });
    expect(policy(t).MaximumExecutionTimeoutInSeconds).toBe(600 + 300 + 1800 + 1200 + 600);
  });

  it('without a size or timeouts, keeps the 30 minute provisioning allowance', () => {
    expect(policy(endpoint().t).MaximumExecutionTimeoutInSeconds).toBe(600 + 300 + 1800);
  });

  it('refuses bakes that fit only without the cold start (SageMaker MaximumExecutionTimeoutInSeconds ≤ 28800)', () => {
    // Nine 40 minute intervals (21,600 s) + 300 s: within 28,800 s with 1,800 s to provision, not with 7,800 s.
    const rollout = RolloutPolicy.linear({ stepPercent: 10, interval: Duration.minutes(40) } as any);
    expect(() => endpoint({ rollout, initialInstanceCount: 10 })).not.toThrow();
    const e = expectValidationError(() => endpoint({ rollout, initialInstanceCount: 10, modelSizeGiB: 140 }));
    const problem = e.problems.find((p) => p.property === 'rollout')!;
    expect(problem.allowed).toContain('7800 s to bring up the new fleet');
  });
});

describe('GpuServingEndpoint (AWS): the canary\'s real share of traffic (issue 12.9)', () => {
  const canarySize = (t: Template) => resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize;

  it('refuses a "10% canary" on 2 instances (one instance, half the traffic), naming rollout.percent', () => {
    const e = expectValidationError(() => endpoint({ rollout: RolloutPolicy.canary({ percent: 10 }), initialInstanceCount: 2 }));
    const problem = e.problems.find((p) => p.property === 'rollout.percent')!;
    expect(problem.allowed).toContain('a 10% canary on 2 instances is 1 instance: 50% of the traffic');
    expect(problem.allowed).toContain('initialInstanceCount ≥ 10');
  });

  it('accepts it when asked, stating the real share at synth', () => {
    const { stack } = endpoint({ rollout: RolloutPolicy.canary({ percent: 10 }), initialInstanceCount: 2, acceptCoarseCanary: true });
    Annotations.fromStack(stack).hasWarning('/TestStack/Endpoint', Match.stringLikeRegexp('a 10% canary on 2 instances is 1 instance: 50% of the traffic'));
  });

  it('states a share up to twice the request (10% of 5 instances is 20%) without refusing', () => {
    const { stack, t } = endpoint({ rollout: RolloutPolicy.canary({ percent: 10 }), initialInstanceCount: 5 });
    expect(canarySize(t)).toEqual({ Type: 'CAPACITY_PERCENT', Value: 10 });
    Annotations.fromStack(stack).hasWarning('/TestStack/Endpoint', Match.stringLikeRegexp('is 1 instance: 20% of the traffic'));
  });

  it('says nothing when the share is what was asked (10% of 10 instances)', () => {
    const { stack } = endpoint({ rollout: RolloutPolicy.canary({ percent: 10 }), initialInstanceCount: 10 });
    Annotations.fromStack(stack).hasNoWarning('/TestStack/Endpoint', Match.stringLikeRegexp('canary on'));
  });

  it('given no rollout, canaries one instance of a small fleet (1 of 2 is 50%), 10% of a large one', () => {
    expect(canarySize(endpoint().t)).toEqual({ Type: 'CAPACITY_PERCENT', Value: 50 });
    expect(canarySize(endpoint({ initialInstanceCount: 4 }).t).Value).toBe(25);
    expect(canarySize(endpoint({ initialInstanceCount: 20 }).t).Value).toBe(10);
    Annotations.fromStack(endpoint().stack).hasNoWarning('/TestStack/Endpoint', Match.stringLikeRegexp('canary on'));
  });
});

describe('GpuServingEndpoint (AWS): GPU metrics add up across the GPUs of an instance', () => {
  // "The value range is 0–100 and is multiplied by the number of GPUs" (GPUMemoryUtilization,
  // GPUUtilization: Amazon SageMaker AI metrics in Amazon CloudWatch); DiskUtilization is 0–100.
  it.each<[string, number]>([['ml.g5.xlarge', 1], ['ml.g5.12xlarge', 4], ['ml.p4d.24xlarge', 8]])('%s: %d GPU(s)', (instanceType, gpus) => {
    const { t } = endpoint({ instanceType, autoscaling: { maxInstances: 4, targetGpuUtilizationPercent: 70 } });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'GPUMemoryUtilization', Threshold: 90 * gpus });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DiskUtilization', Threshold: 85 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 70 * gpus }) });
  });
});

describe('GpuServingEndpoint (AWS): operational alarms on every serving variant (issue 12.5)', () => {
  const instanceAlarms = (t: Template) =>
    alarmsOf(t).filter(([, a]) => a.Namespace === '/aws/sagemaker/Endpoints').map(([, a]) => [a.MetricName, alarmDimensions(a)[0].VariantName, a.Threshold]);

  it('watches GPU memory and disk of the treatment too, on its own instance type\'s GPUs', () => {
    const { t, ep } = endpoint({
      variantName: 'control',
      variants: [{ name: 'treatment', model: ModelSource.fromImage({ image: IMAGE }), weight: 1, instanceType: 'ml.g5.12xlarge' }],
    });
    expect(instanceAlarms(t).sort()).toEqual([
      ['DiskUtilization', 'control', 85], ['DiskUtilization', 'treatment', 85], ['GPUMemoryUtilization', 'control', 90], ['GPUMemoryUtilization', 'treatment', 360],
    ]);
    expect(ep.operationalAlarms).toHaveLength(4);
  });

  it('addVariant: the added variant gets its alarms, on the dashboard too; the shadow gets none', () => {
    const { stack, ep } = build({ variantName: 'control' });
    ep.addVariant({ name: 'treatment', model: ModelSource.fromImage({ image: IMAGE }), weight: 1 });
    const t = Template.fromStack(stack);
    expect(instanceAlarms(t).map(([m, v]) => `${m}/${v}`).sort()).toEqual([
      'DiskUtilization/control', 'DiskUtilization/treatment', 'GPUMemoryUtilization/control', 'GPUMemoryUtilization/treatment',
    ]);
    const body = JSON.stringify(stack.resolve(resourceOf(t, 'AWS::CloudWatch::Dashboard').DashboardBody));
    const alarmIds = alarmsOf(t).map(([id]) => id);
    for (const id of alarmIds) {
      expect(body).toContain(id);
    }
    const shadow = endpoint({ shadow: { model: ModelSource.fromImage({ image: IMAGE }), samplingPercent: 20 } }).t;
    expect(instanceAlarms(shadow).map(([, v]) => v)).toEqual(['primary', 'primary']);
  });
});

describe('GpuServingEndpoint: a deployment SageMaker rolled back is told to the owner (issue 12.12)', () => {
  const ruleOf = (t: Template) => {
    const rules = Object.values(t.findResources('AWS::Events::Rule')) as any[];
    expect(rules).toHaveLength(1);
    return rules[0].Properties;
  };

  it('has a rule on the endpoint\'s rollback events and an owned alarm on it that notifies the topic', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic');
    const ep = new GpuServingEndpoint(stack, 'Endpoint', { ...BASE, alarmTopic: topic });
    const t = Template.fromStack(stack);
    const rule = ruleOf(t);
    expect(rule.EventPattern).toEqual({
      'source': ['aws.sagemaker'],
      'detail-type': ['SageMaker Endpoint State Change', 'SageMaker Endpoint Deployment State Change'],
      'detail': {
        EndpointName: ['fraud'],
        $or: [
          { EndpointStatus: ['RollingBack', 'ROLLING_BACK', 'Failed', 'FAILED', 'UpdateRollbackFailed', 'UPDATE_ROLLBACK_FAILED'] },
          { FailureReason: [{ exists: true }] },
        ],
      },
    });
    const alarm = stack.resolve((ep.deploymentRollbackAlarm.node.defaultChild as any)._toCloudFormation()).Resources;
    const props = (Object.values(alarm)[0] as any).Properties;
    const ruleId = Object.keys(t.findResources('AWS::Events::Rule'))[0];
    expect(props).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
      Statistic: 'Sum',
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(props.AlarmDescription).toContain('Owner: fraud-oncall');
    expect(props.AlarmDescription).toContain('Runbook: https://runbooks.example.com/fraud');
    const topicId = Object.keys(t.findResources('AWS::SNS::Topic'))[0];
    expect(props.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(props.OKActions).toEqual([{ Ref: topicId }]);
    // Not a rollback alarm of the deployment itself (it would roll back every later deployment).
    expect(ep.rollbackAlarms).not.toContain(ep.deploymentRollbackAlarm);
    expect(JSON.stringify(resourceOf(t, 'AWS::SageMaker::Endpoint').DeploymentConfig)).not.toContain('DeploymentRollback');
  });

  it.skipIf(!HAS_EMULATOR)('the rule matches a rolled back or failed deployment of this endpoint only, as EventBridge matches (moto)', () => {
    const { t } = endpoint();
    const pattern = ruleOf(t).EventPattern;
    const deploying = sageMakerDeploymentSample('fraud');
    // The documentation's samples: a deployment baking and an endpoint in service are no rollback.
    const inService = sageMakerEndpointStateSample('fraud');
    // No sample of a rollback is documented: the same events with DescribeEndpoint's rollback and
    // failure statuses, or back in service with a FailureReason (a blue/green auto-rollback).
    const rolledBack = { ...inService, detail: { ...inService.detail, FailureReason: 'Deployment stopped: alarm fraud-Rollback-error-rate in ALARM' } };
    const withStatus = (e: any, s: string) => ({ ...e, detail: { ...e.detail, EndpointStatus: s } });
    expect(eventBridgeMatches(pattern, [
      deploying,
      inService,
      rolledBack,
      withStatus(deploying, 'UPDATE_ROLLBACK_FAILED'),
      withStatus(inService, 'FAILED'),
      withStatus(deploying, 'RollingBack'),
      // Another endpoint's rollback.
      { ...rolledBack, detail: { ...rolledBack.detail, EndpointName: 'other' } },
      { ...rolledBack, source: 'aws.cloudformation' },
    ])).toEqual([false, false, true, true, true, true, false, false]);
  });
});
