import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnParameter, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, Duration, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ApprovalPromotion, ApprovalPromotionProps } from '../../lib/aws/approval-promotion';
import { GpuServingEndpoint } from '../../lib/aws/gpu-serving-endpoint';
import { IModelRegistry, ModelRegistry } from '../../lib/aws/model-registry';
import { ModelSource } from '../../lib/aws/model-source';
import { ENV, expectValidationError, newStack } from '../support/aws';
import { HAS_EMULATOR, eventBridgeMatches, sageMakerEndpointStateSample, stackStatusSample, withDeployedValue } from '../support/event-pattern';

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud/promotion' };
const PARTITION = { Ref: 'AWS::Partition' };
const CFN_EXEC_ROLE = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1' };

interface Fixture {
  readonly stack: Stack;
  readonly registry: IModelRegistry;
  readonly parameter: CfnParameter;
  readonly promotion: ApprovalPromotion;
  readonly t: Template;
}

/** A serving stack with a fraud registry, its model package parameter and the promotion. */
function promotion(props: Partial<ApprovalPromotionProps> = {}, stack = newStack('FraudServing')): Fixture {
  const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
  const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', registry, 3);
  unconsumed(stack);
  const p = new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP, ...props });
  return { stack, registry, parameter, promotion: p, t: Template.fromStack(stack) };
}

/**
 * The endpoint that reads the model package parameter is not part of most of these tests, so CDK's
 * own template check would warn on every synthesis that the parameter (or a stack holding only it)
 * is unused: acknowledged here, with that reason, to keep the test output clean.
 */
function unconsumed(stack: Stack): void {
  const reason = 'test stack: the endpoint that reads the model package parameter is not part of this test';
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W2001', reason }, { id: 'CloudFormation-Validate::F0001', reason });
}

/** The serving stack, the registry's parameter and the promotion, not synthesized yet (to add to it). */
function unsynthesized(props: Partial<ApprovalPromotionProps> = {}, stack = newStack('FraudServing')): Stack {
  const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
  const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', registry, 3);
  unconsumed(stack);
  new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP, ...props });
  return stack;
}

/** The statements of the role's default policy (the requeue's own policy apart: `requeueStatements`). */
function statementsOf(t: Template, rolePrefix: string): any[] {
  const policies = Object.entries<any>(t.findResources('AWS::IAM::Policy'))
    .filter(([id, p]) => p.Properties.Roles[0].Ref.startsWith(rolePrefix) && !id.startsWith('PromotionRequeuePolicy'));
  expect(policies).toHaveLength(1);
  return policies[0][1].Properties.PolicyDocument.Statement;
}

const GROUP_ARN = { 'Fn::Join': ['', ['arn:', PARTITION, ':sagemaker:eu-west-1:123456789012:model-package-group/fraud']] };
const RECORD_TAG_KEY = 'cdk-mlops:promotion:FraudServing/FraudModelPackage';

describe('ApprovalPromotion', () => {
  describe('default', () => {
    const fixture = promotion();
    const { t } = fixture;

    it('runs the bundled handler on approvals of the group, retried by EventBridge and Lambda into one dead-letter queue', () => {
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.sagemaker'],
          'detail-type': ['SageMaker Model Package State Change'],
          'detail': { ModelPackageGroupName: ['fraud'], ModelApprovalStatus: ['Approved'] },
        },
        Targets: [{
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionHandler'), 'Arn'] },
          Id: 'Target0',
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionDeadLetterQueue'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }],
      });
      t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 });
    });

    it('is one Node 24 ARM function at a time, with its configuration in a KMS-encrypted environment', () => {
      t.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        ReservedConcurrentExecutions: 1,
        Timeout: 720,
        KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionKey'), 'Arn'] },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionDeadLetterQueue'), 'Arn'] } },
        Environment: {
          Variables: {
            STACK_NAME: 'FraudServing',
            PARAMETER_NAME: 'FraudModelPackage',
            MODEL_PACKAGE_GROUP_NAME: 'fraud',
            REQUIRED_LINEAGE_KEYS: 'lineage:dataset-version,lineage:code-commit,lineage:feature-set-version,lineage:evaluation-report',
            CLOUDFORMATION_ROLE_ARN: CFN_EXEC_ROLE,
            ALLOW_ROLLBACK: 'false',
            BUSY_WAIT_SECONDS: '600',
          },
        },
      });
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionKey'), 'Arn'] } },
        DeletionPolicy: 'Retain',
      });
      t.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    });

    it('grants exactly what a promotion does: no action wildcard, PassRole only to CloudFormation', () => {
      expect(statementsOf(t, 'PromotionRole')).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PromotionLogs/), 'Arn'] } },
        {
          Effect: 'Allow',
          Action: 'sagemaker:DescribeModelPackage',
          Resource: { 'Fn::Join': ['', ['arn:', PARTITION, ':sagemaker:eu-west-1:123456789012:model-package/fraud/*']] },
        },
        { Effect: 'Allow', Action: 'sagemaker:ListTags', Resource: GROUP_ARN },
        { Effect: 'Allow', Action: 'sagemaker:AddTags', Resource: GROUP_ARN, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [RECORD_TAG_KEY] } } },
        { Effect: 'Allow', Action: ['cloudformation:DescribeStacks', 'cloudformation:UpdateStack'], Resource: { Ref: 'AWS::StackId' } },
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: CFN_EXEC_ROLE,
          Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
        },
        {
          Effect: 'Allow',
          Action: 'ssm:GetParameters',
          Resource: { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:123456789012:parameter/cdk-bootstrap/hnb659fds/version']] },
        },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PromotionDeadLetterKey/), 'Arn'] } },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PromotionDeadLetterQueue/), 'Arn'] } },
      ]);
    });

    it('keeps undeployed approvals 14 days in an encrypted, TLS-only queue that only its rule may write to', () => {
      t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionDeadLetterKey'), 'Arn'] }, MessageRetentionPeriod: 1209600 });
      // EventBridge may encrypt to the key for the account's rules; the queue policy names this rule.
      t.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:rule/*']] } },
            },
          })]),
        },
      });
      // The function's role may use it to deliver failed invocations.
      const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements.filter((st) => JSON.stringify(st.Resource).includes('PromotionDeadLetterKey')).map((st) => st.Action))
        .toEqual([['kms:GenerateDataKey', 'kms:Decrypt']]);
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionRegistryOnApproved'), 'Arn'] } } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionOnEndpointRollback'), 'Arn'] } } },
            }),
          ],
        },
      });
    });

    it('alarms on failed promotions and on approvals waiting in the dead-letter queue, with owner and runbook', () => {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        AlarmDescription: Match.stringLikeRegexp('^A promotion of an approved fraud version to FraudServing failed.*\nOwner: fraud-oncall\nRunbook: https://runbooks.example.com/fraud/promotion$'),
        Tags: [{ Key: 'mlops:owner', Value: 'fraud-oncall' }, { Key: 'mlops:runbook', Value: OWNERSHIP.runbookUrl }],
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 0,
        AlarmDescription: Match.stringLikeRegexp('^An approved fraud version was not deployed to FraudServing: its event waits in the dead-letter queue'),
        Tags: [{ Key: 'mlops:owner', Value: 'fraud-oncall' }, { Key: 'mlops:runbook', Value: OWNERSHIP.runbookUrl }],
      });
      t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    });

    it('alarms, owned, when the serving stack (its own) rolls an update back: the served version is the one before', () => {
      const rules = Object.values<any>(t.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern.source?.[0] === 'aws.cloudformation');
      expect(rules).toHaveLength(1);
      expect(rules[0].Properties.EventPattern.detail).toEqual({
        'stack-id': [{ Ref: 'AWS::StackId' }],
        'status-details': { status: ['UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED'] },
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Events',
        MetricName: 'TriggeredRules',
        AlarmDescription: Match.stringLikeRegexp('^The serving stack FraudServing rolled an update back: fraud serves the version before it\nOwner: fraud-oncall'),
      });
      expect(fixture.promotion.servingStackRollbackAlarm).toBeDefined();
    });
  });

  describe('modelPackageParameter', () => {
    const { t, parameter } = promotion();

    it('defaults to the initial version and accepts only versions of the group in the stack\'s account and region', () => {
      t.templateMatches({
        Parameters: {
          FraudModelPackage: {
            Type: 'String',
            Default: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3',
            AllowedPattern: '^arn:aws[a-z-]*:sagemaker:eu-west-1:123456789012:model-package/[fF][rR][aA][uU][dD]/[1-9][0-9]{0,9}$',
          },
        },
      });
      const pattern = new RegExp(parameter.allowedPattern!);
      expect(pattern.test('arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/42')).toBe(true);
      for (const other of [
        'arn:aws:sagemaker:eu-west-1:123456789012:model-package/ranking/42',
        'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/42',
        'arn:aws:sagemaker:eu-west-1:210987654321:model-package/fraud/42',
        'arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/0',
        'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud',
      ]) {
        expect(pattern.test(other), other).toBe(false);
      }
    });

    it('needs a concrete environment and a version number', () => {
      const stack = new Stack(new App(), 'Agnostic');
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const e = expectValidationError(() => ApprovalPromotion.modelPackageParameter(stack, 'Param', registry, 0));
      expect(e.problems.map((p) => [p.constructPath, p.property])).toEqual([
        ['Agnostic/Param', 'initialVersion'],
        ['Agnostic/Param', 'region'],
        ['Agnostic/Param', 'account'],
      ]);
    });
  });

  describe('configured', () => {
    it('grants an SSM-typed parameter added to the serving stack after the promotion (read at synthesis)', () => {
      // GIVEN the promotion, then a parameter CloudFormation resolves on every update
      const stack = unsynthesized();
      new CfnParameter(stack, 'Late', { type: 'AWS::SSM::Parameter::Value<String>', default: '/fraud/late' });

      // THEN the promotion may read it (before: synthesis failed, "define ApprovalPromotion after it")
      const statements = statementsOf(Template.fromStack(stack), 'PromotionRole');
      expect(statements.find((s) => s.Action === 'ssm:GetParameters').Resource).toEqual([
        { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:123456789012:parameter/fraud/late']] },
        { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:123456789012:parameter/cdk-bootstrap/hnb659fds/version']] },
      ]);
    });

    it('without a bootstrap version parameter, grants SSM only when the serving stack has SSM-typed parameters at synthesis', () => {
      const role = iam.Role.fromRoleArn(new Stack(new App(), 'Roles', { env: ENV }), 'Deployer', 'arn:aws:iam::123456789012:role/fraud-deployer');
      const serving = () => new Stack(new App(), 'FraudServing', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
      const none = promotion({ cloudFormationExecutionRole: role }, serving());
      expect(statementsOf(none.t, 'PromotionRole').filter((s) => s.Action === 'ssm:GetParameters')).toEqual([]);

      const late = unsynthesized({ cloudFormationExecutionRole: role }, serving());
      new CfnParameter(late, 'Late', { type: 'AWS::SSM::Parameter::Value<String>', default: '/fraud/late' });
      expect(statementsOf(Template.fromStack(late), 'PromotionRole').filter((s) => s.Action === 'ssm:GetParameters')).toEqual([
        { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:123456789012:parameter/fraud/late']] } },
      ]);

      // A given role outside the promotion (here beside it) gets the grant too.
      const withRole = serving();
      const given = new iam.Role(withRole, 'Promoter', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      unsynthesized({ cloudFormationExecutionRole: role, role: given }, withRole);
      new CfnParameter(withRole, 'Late', { type: 'AWS::SSM::Parameter::Value<String>', default: '/fraud/late' });
      expect(statementsOf(Template.fromStack(withRole), 'Promoter').filter((s) => s.Action === 'ssm:GetParameters')).toHaveLength(1);
    });

    it('records approvals in one tag of the group and requeues itself while the stack is busy', () => {
      const { t } = promotion();
      t.hasResourceProperties('AWS::Lambda::Function', {
        RecursiveLoop: 'Allow',
        Environment: { Variables: Match.objectLike({ RECORD_TAG_KEY, DEPLOYMENT_WAIT_SECONDS: '4500' }) },
      });
      const requeue = Object.entries<any>(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('PromotionRequeuePolicy'));
      expect(requeue.map(([, p]) => p.Properties)).toEqual([{
        PolicyName: expect.any(String),
        Roles: [{ Ref: expect.stringMatching(/^PromotionRole/) }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PromotionHandler/), 'Arn'] } }] },
      }]);
    });

    it('keeps the record\'s tag key within 128 characters for a long stack name', () => {
      const { t } = promotion({}, newStack('Fraud'.repeat(25)));
      const fn = Object.values<any>(t.findResources('AWS::Lambda::Function'))[0];
      const key: string = fn.Properties.Environment.Variables.RECORD_TAG_KEY;
      expect(key).toHaveLength(128);
      expect(key).toMatch(/^cdk-mlops:promotion:(Fraud)+[A-Za-z]*-[0-9a-f]{16}$/);
    });

    it('waits as long as the serving stack\'s longest deployment limit plus 15 minutes, read at synthesis (issue 12, finding 11)', () => {
      // GIVEN a serving stack whose endpoints are defined after the promotion: a long canary and a short one
      const stack = newStack('FraudServing');
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', registry, 3);
      new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP });
      const endpoint = (id: string, terminationWait: Duration) => new GpuServingEndpoint(stack, id, {
        model: ModelSource.fromModelPackageArn(registry, parameter.valueAsString),
        instanceType: 'ml.g5.xlarge',
        alarmOwnership: OWNERSHIP,
        terminationWait,
      });
      endpoint('Long', Duration.minutes(50));
      endpoint('Short', Duration.minutes(5));
      const t = Template.fromStack(stack);

      // THEN the wait is the longest MaximumExecutionTimeoutInSeconds + 900 s
      const limits = Object.values<any>(t.findResources('AWS::SageMaker::Endpoint'))
        .map((e) => e.Properties.DeploymentConfig.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds);
      expect(limits).toHaveLength(2);
      const fn = Object.values<any>(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.STACK_NAME);
      expect(fn.Properties.Environment.Variables.DEPLOYMENT_WAIT_SECONDS).toBe(String(Math.max(...limits) + 900));
      expect(Math.max(...limits)).toBeGreaterThan(3000);
    });

    it('counts the endpoints of the serving stack\'s nested stacks (updated with it), not of other stacks', () => {
      const stack = newStack('FraudServing');
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', registry, 3);
      new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP });
      const nested = new NestedStack(stack, 'Churn');
      new sagemaker.CfnEndpoint(nested, 'Endpoint', {
        endpointConfigName: 'fraud-config',
        deploymentConfig: { blueGreenUpdatePolicy: { trafficRoutingConfiguration: { type: 'ALL_AT_ONCE' }, maximumExecutionTimeoutInSeconds: 7200 } },
      });
      const other = new Stack(stack.node.scope as App, 'Other', { env: ENV });
      new sagemaker.CfnEndpoint(other, 'Endpoint', {
        endpointConfigName: 'other-config',
        deploymentConfig: { blueGreenUpdatePolicy: { trafficRoutingConfiguration: { type: 'ALL_AT_ONCE' }, maximumExecutionTimeoutInSeconds: 28800 } },
      });
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DEPLOYMENT_WAIT_SECONDS: '8100' }) } });
    });

    it('takes a given deploymentWait, and refuses fractions and more than SageMaker\'s longest deployment and a day', () => {
      const { t } = promotion({ deploymentWait: Duration.hours(2) });
      t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DEPLOYMENT_WAIT_SECONDS: '7200' }) } });
      expect(expectValidationError(() => promotion({ deploymentWait: Duration.seconds(90.5) })).message)
        .toBe('FraudServing/Promotion: deploymentWait must be a whole number of seconds; got Duration 1 minute 30.5 seconds');
      expect(expectValidationError(() => promotion({ deploymentWait: Duration.hours(33) })).message)
        .toBe('FraudServing/Promotion: deploymentWait must be at most 32 hours (115200 seconds: SageMaker\'s longest deployment and a day); got Duration 1 day 9 hours');
    });

    it('updates a serving stack elsewhere by name, with the registry of a third stack, and no reference across stacks', () => {
      // GIVEN a registry stack, a serving stack with the endpoint, and a delivery stack with the promotion
      const app = new App();
      const registryStack = new Stack(app, 'Registry', { env: ENV });
      const registry = new ModelRegistry(registryStack, 'Registry', { modelPackageGroupName: 'fraud' });
      const serving = new Stack(app, 'FraudServing', { env: ENV });
      const parameter = ApprovalPromotion.modelPackageParameter(serving, 'FraudModelPackage', registry, 1);
      unconsumed(serving);
      const delivery = new Stack(app, 'Delivery', { env: ENV });
      // WHEN
      new ApprovalPromotion(delivery, 'Promotion', { registry, servingStack: serving, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP });
      // THEN the rule is the delivery stack's, the stack is named by ARN pattern, and nothing is imported
      const t = Template.fromStack(delivery);
      t.resourceCountIs('AWS::Events::Rule', 3); // the approvals, the serving stack's rollbacks (alarm), its endpoints' rollbacks (reconcile)
      expect(statementsOf(t, 'PromotionRole')).toContainEqual({
        Effect: 'Allow',
        Action: ['cloudformation:DescribeStacks', 'cloudformation:UpdateStack'],
        Resource: { 'Fn::Join': ['', ['arn:', PARTITION, ':cloudformation:eu-west-1:123456789012:stack/FraudServing/*']] },
      });
      expect(JSON.stringify(t.toJSON())).not.toContain('Fn::ImportValue');
      expect(delivery.dependencies).toEqual([]);
      Template.fromStack(registryStack).resourceCountIs('AWS::Events::Rule', 0);
    });

    it('watches a serving stack elsewhere for rollbacks by its name (ARN prefix), as EventBridge matches it', () => {
      const app = new App();
      const serving = new Stack(app, 'FraudServing', { env: ENV });
      const registry = ModelRegistry.fromModelRegistryAttributes(serving, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = ApprovalPromotion.modelPackageParameter(serving, 'FraudModelPackage', registry, 1);
      unconsumed(serving);
      const delivery = new Stack(app, 'Delivery', { env: ENV });
      new ApprovalPromotion(delivery, 'Promotion', { registry, servingStack: serving, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP });
      const t = Template.fromStack(delivery);
      const [rule] = Object.values<any>(t.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern.source?.[0] === 'aws.cloudformation');
      const prefix = { 'Fn::Join': ['', ['arn:', PARTITION, ':cloudformation:eu-west-1:123456789012:stack/FraudServing/']] };
      expect(rule.Properties.EventPattern.detail['stack-id']).toEqual([{ prefix }]);
      if (HAS_EMULATOR) {
        const pattern = withDeployedValue(rule.Properties.EventPattern, 'arn:aws:cloudformation:eu-west-1:123456789012:stack/FraudServing/');
        const stack = (name: string) => `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/dca9d690-12fc-11ed-acb4-0e99ce9abea2`;
        expect(eventBridgeMatches(pattern, [
          stackStatusSample(stack('FraudServing'), 'UPDATE_ROLLBACK_COMPLETE'),
          stackStatusSample(stack('FraudServing'), 'UPDATE_COMPLETE'),
          stackStatusSample(stack('FraudServing2'), 'UPDATE_ROLLBACK_COMPLETE'),
          stackStatusSample(stack('Delivery'), 'UPDATE_ROLLBACK_FAILED'),
        ])).toEqual([true, false, false, false]);
      }
    });

    it('passes a given CloudFormation execution role, or the one of a custom bootstrap qualifier', () => {
      const withRole = newStack('FraudServing');
      const role = iam.Role.fromRoleArn(withRole, 'Deployer', 'arn:aws:iam::123456789012:role/fraud-deployer');
      const t1 = promotion({ cloudFormationExecutionRole: role }, withRole).t;
      expect(statementsOf(t1, 'PromotionRole')).toContainEqual(expect.objectContaining({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::123456789012:role/fraud-deployer' }));
      t1.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ CLOUDFORMATION_ROLE_ARN: 'arn:aws:iam::123456789012:role/fraud-deployer' }) } });

      const qualified = new Stack(new App(), 'FraudServing', { env: ENV, synthesizer: new DefaultStackSynthesizer({ qualifier: 'mlops' }) });
      const statements = statementsOf(promotion({}, qualified).t, 'PromotionRole');
      expect(statements).toContainEqual(expect.objectContaining({
        Action: 'iam:PassRole',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::123456789012:role/cdk-mlops-cfn-exec-role-123456789012-eu-west-1' },
      }));
      expect(statements).toContainEqual(expect.objectContaining({
        Action: 'ssm:GetParameters',
        Resource: { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:123456789012:parameter/cdk-bootstrap/mlops/version']] },
      }));
    });

    it('may read the serving stack\'s own SSM-typed parameters, which CloudFormation resolves again on every update', () => {
      const stack = newStack('FraudServing');
      new CfnParameter(stack, 'ImageDigest', { type: 'AWS::SSM::Parameter::Value<String>', default: '/fraud/serving/image-digest' });
      const statements = statementsOf(promotion({}, stack).t, 'PromotionRole');
      expect(statements.find((s) => s.Action === 'ssm:GetParameters').Resource).toEqual([
        { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:123456789012:parameter/fraud/serving/image-digest']] },
        { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:123456789012:parameter/cdk-bootstrap/hnb659fds/version']] },
      ]);
    });

    it('allows rollback on approval, requires other lineage keys, and notifies a topic', () => {
      const stack = newStack('FraudServing');
      const topic = new sns.Topic(stack, 'Alarms');
      const { t } = promotion({ allowRollbackToOlderVersion: true, requiredLineageKeys: ['lineage:code-commit', 'team'], alarmTopic: topic }, stack);
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ ALLOW_ROLLBACK: 'true', REQUIRED_LINEAGE_KEYS: 'lineage:code-commit,team' }) },
      });
      for (const alarm of Object.values<any>(t.findResources('AWS::CloudWatch::Alarm'))) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
      }
    });

    it('runs with a given role, in a VPC behind an HTTPS-only security group', () => {
      const stack = newStack('FraudServing');
      const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const { promotion: p, t } = promotion({ role, vpc }, stack);
      expect(p.role).toBe(role);
      expect(p.securityGroups).toHaveLength(1);
      t.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mine'), 'Arn'] },
        VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PromotionSecurityGroup'), 'GroupId'] }] },
      });
      t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'The promotion of fraud: HTTPS out only',
        SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'HTTPS to SageMaker and CloudFormation' }],
      });
      const statements = statementsOf(t, 'Mine');
      expect(statements.flatMap((st) => [st.Action].flat())).toEqual(expect.arrayContaining(['cloudformation:UpdateStack', 'iam:PassRole', 'ec2:CreateNetworkInterface']));
      expect(Object.keys(t.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('PromotionRole'))).toEqual([]);
    });

    it('warns when the parameter accepts any value', () => {
      const stack = newStack('FraudServing');
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = new CfnParameter(stack, 'ModelArn', { type: 'String' });
      unconsumed(stack);
      new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP });
      Annotations.fromStack(stack).hasWarning('/FraudServing/Promotion', Match.stringLikeRegexp('modelPackageParameter has no AllowedPattern'));
    });
  });

  describe('reconciles the serving stack with its endpoints after a rollback (issue 12.12)', () => {
    /** A serving stack whose endpoint (named, added after the promotion) serves the parameter. */
    function withEndpoint(): { t: Template; promotion: ApprovalPromotion } {
      const stack = newStack('FraudServing');
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', registry, 3);
      const p = new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP });
      new GpuServingEndpoint(stack, 'Fraud', {
        model: ModelSource.fromModelPackageArn(registry, parameter.valueAsString),
        instanceType: 'ml.g5.xlarge',
        alarmOwnership: OWNERSHIP,
        endpointName: 'Fraud-Serving',
      });
      return { t: Template.fromStack(stack), promotion: p };
    }
    const endpointRule = (t: Template) => Object.entries<any>(t.findResources('AWS::Events::Rule')).find(([id]) => id.startsWith('PromotionOnEndpointRollback'))!;

    it('sends the serving endpoints\' rollback events to the function, with the dead-letter queue', () => {
      const { t } = withEndpoint();
      const [, rule] = endpointRule(t);
      expect(rule.Properties.EventPattern).toEqual({
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Endpoint State Change', 'SageMaker Endpoint Deployment State Change'],
        'detail': {
          EndpointName: ['Fraud-Serving'],
          $or: [
            { EndpointStatus: ['RollingBack', 'ROLLING_BACK', 'Failed', 'FAILED', 'UpdateRollbackFailed', 'UPDATE_ROLLBACK_FAILED'] },
            { FailureReason: [{ exists: true }] },
          ],
        },
      });
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^PromotionHandler/), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^PromotionDeadLetterQueue/), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      })]);
      t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ENDPOINT_NAMES: 'Fraud-Serving' }) } });
      if (HAS_EMULATOR) {
        const failed = { ...sageMakerEndpointStateSample('Fraud-Serving'), detail: { ...sageMakerEndpointStateSample('Fraud-Serving').detail, FailureReason: 'Deployment stopped: alarm in ALARM' } };
        expect(eventBridgeMatches(rule.Properties.EventPattern, [
          failed,
          sageMakerEndpointStateSample('Fraud-Serving'),
          { ...failed, detail: { ...failed.detail, EndpointName: 'other' } },
        ])).toEqual([true, false, false]);
      }
    });

    it('reads exactly the serving stack\'s endpoint, and configs and models by the stack\'s tag', () => {
      const { t } = withEndpoint();
      const statements = statementsOf(t, 'PromotionRole');
      const sagemakerArn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', PARTITION, `:sagemaker:eu-west-1:123456789012:${resource}`]] });
      expect(statements).toContainEqual({ Effect: 'Allow', Action: 'sagemaker:DescribeEndpoint', Resource: sagemakerArn('endpoint/fraud-serving') });
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DescribeModel'],
        Resource: [sagemakerArn('endpoint-config/*'), sagemakerArn('model/*')],
        Condition: { StringLike: { 'aws:ResourceTag/aws:cloudformation:stack-name': ['FraudServing', 'FraudServing-*'] } },
      });
    });

    it('without a named endpoint: a rule no event matches, and no read granted', () => {
      const { t } = promotion();
      const [, rule] = endpointRule(t);
      expect(rule.Properties.EventPattern.detail.EndpointName).toEqual([{ exists: false }]);
      expect(JSON.stringify(statementsOf(t, 'PromotionRole'))).not.toMatch(/DescribeEndpoint|DescribeModel"/);
      t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ENDPOINT_NAMES: '' }) } });
    });
  });

  describe('rejected', () => {
    it('a parameter of another stack than the serving stack', () => {
      const app = new App();
      const serving = new Stack(app, 'FraudServing', { env: ENV });
      const other = new Stack(app, 'Other', { env: ENV });
      const registry = ModelRegistry.fromModelRegistryAttributes(serving, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = ApprovalPromotion.modelPackageParameter(other, 'FraudModelPackage', registry, 1);
      unconsumed(other);
      const e = expectValidationError(() => new ApprovalPromotion(serving, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP }));
      expect(e.message).toBe('FraudServing/Promotion: modelPackageParameter.stack must be the serving stack FraudServing; got "Other"');
    });

    it('a serving stack in another region, or nested', () => {
      const app = new App();
      const serving = new Stack(app, 'FraudServing', { env: { ...ENV, region: 'us-east-1' } });
      const registry = ModelRegistry.fromModelRegistryAttributes(serving, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = ApprovalPromotion.modelPackageParameter(serving, 'FraudModelPackage', registry, 1);
      unconsumed(serving);
      const delivery = new Stack(app, 'Delivery', { env: ENV });
      const e = expectValidationError(() =>
        new ApprovalPromotion(delivery, 'Promotion', { registry, servingStack: serving, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP }));
      expect(e.message).toBe('Delivery/Promotion: servingStack.region must be the region of the promotion (eu-west-1): the function calls CloudFormation there; got "us-east-1"');

      const nested = new NestedStack(delivery, 'Nested');
      const nestedParameter = new CfnParameter(nested, 'ModelArn', { type: 'String' });
      const n = expectValidationError(() =>
        new ApprovalPromotion(delivery, 'NestedPromotion', { registry, servingStack: nested, modelPackageParameter: nestedParameter, alarmOwnership: OWNERSHIP }));
      expect(n.problems.map((p) => `${p.property} ${p.allowed}`)).toEqual(['servingStack.nested must be false: CloudFormation updates a nested stack through its parent']);
    });

    it('a synthesizer without a CloudFormation execution role, unless one is given', () => {
      const stack = new Stack(new App(), 'FraudServing', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
      const e = expectValidationError(() => promotion({}, stack));
      expect(e.message).toBe(
        'FraudServing/Promotion: cloudFormationExecutionRole must be given: the serving stack\'s synthesizer (CliCredentialsStackSynthesizer) names no CloudFormation execution role; got undefined',
      );
      const other = new Stack(new App(), 'FraudServing', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
      const role = iam.Role.fromRoleArn(other, 'Deployer', 'arn:aws:iam::123456789012:role/fraud-deployer');
      expect(() => promotion({ cloudFormationExecutionRole: role }, other)).not.toThrow();
    });

    it.each<[string, Partial<ApprovalPromotionProps>, string, string]>([
      ['a lineage key with a comma', { requiredLineageKeys: ['lineage:a,b'] }, 'requiredLineageKeys[0]', 'must be a model package metadata key'],
      ['a lineage key twice', { requiredLineageKeys: ['team', 'team'] }, 'requiredLineageKeys', 'must not list a key twice'],
      ['an http runbook', { alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'http://wiki/promotion' } }, 'alarmOwnership.runbookUrl', 'must be an https:// link'],
      ['security groups without a VPC', { securityGroups: [] }, 'securityGroups', 'must be given only with vpc'],
    ])('%s', (_what, props, property, allowed) => {
      const e = expectValidationError(() => promotion(props));
      const problem = e.problems.find((p) => p.property === property)!;
      expect(problem.constructPath).toBe('FraudServing/Promotion');
      expect(problem.allowed).toContain(allowed);
    });

    it('a parameter that is not a String', () => {
      const stack = newStack('FraudServing');
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const parameter = new CfnParameter(stack, 'ModelVersion', { type: 'Number' });
      const e = expectValidationError(() => new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP }));
      expect(e.message).toBe('FraudServing/Promotion: modelPackageParameter.type must be String (the parameter holds a model package ARN); got "Number"');
    });

  });

  it('passes cdk-nag AwsSolutions with a GpuServingEndpoint serving the parameter, without any acknowledgment from its user (the constructs acknowledge their inherent wildcards)', () => {
    // GIVEN a serving stack: registry, parameter, endpoint serving the parameter's version, promotion
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-promotion-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'FraudServing', { env: ENV });
    const accessLogs = s3.Bucket.fromBucketName(stack, 'AccessLogs', 'acme-access-logs');
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', serverAccessLogsBucket: accessLogs });
    const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', registry, 1);
    unconsumed(stack);
    new GpuServingEndpoint(stack, 'Fraud', {
      model: ModelSource.fromModelPackageArn(registry, parameter.valueAsString),
      instanceType: 'ml.g5.xlarge',
      alarmOwnership: OWNERSHIP,
      dataCapture: { serverAccessLogsBucket: accessLogs },
    });
    new ApprovalPromotion(stack, 'Promotion', { registry, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP });
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
