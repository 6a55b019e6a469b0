import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { expectValidationError, newStack } from '../support/aws';

const GROUP_ARN = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:model-package-group/fraud']],
};
const PACKAGES_ARN = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:model-package/fraud/*']],
};

function registry(props: ConstructorParameters<typeof ModelRegistry>[2] = {}): { stack: Stack; reg: ModelRegistry; t: Template } {
  const stack = newStack();
  const reg = new ModelRegistry(stack, 'Registry', props);
  return { stack, reg, t: Template.fromStack(stack) };
}

/** The policy statements of the one IAM policy in a template. */
function statements(t: Template): any[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return (policies[0] as any).Properties.PolicyDocument.Statement;
}

describe('ModelRegistry (AWS)', () => {
  describe('default', () => {
    it('creates a model package group named after the construct path, without a policy', () => {
      const { t, reg } = registry();
      t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 1);
      t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
        ModelPackageGroupName: Match.stringLikeRegexp('^teststack-registry-[a-z0-9]+$'),
        ModelPackageGroupPolicy: Match.absent(),
      });
      expect(reg.modelPackageGroupName).toMatch(/^[a-z0-9](-*[a-z0-9]){0,62}$/);
    });

    it('creates a versioned, KMS-encrypted, non-public artifact bucket retained on delete', () => {
      const { t } = registry();
      t.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          VersioningConfiguration: { Status: 'Enabled' },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              {
                BucketKeyEnabled: true,
                ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
              },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LoggingConfiguration: Match.absent(),
          LifecycleConfiguration: {
            Rules: [
              {
                Id: 'expire-noncurrent-artifacts',
                Status: 'Enabled',
                NoncurrentVersionExpiration: { NoncurrentDays: 90 },
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              },
            ],
          },
        },
      });
    });

    it('encrypts with a customer key that rotates and is retained', () => {
      const { t } = registry();
      t.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Retain',
        Properties: { EnableKeyRotation: true },
      });
    });

    it('denies every request that does not use TLS 1.2+', () => {
      const { t } = registry();
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    });

    it('warns that the bucket has no access logs', () => {
      const { stack } = registry();
      Annotations.fromStack(stack).hasWarning('/TestStack/Registry', Match.stringLikeRegexp('no server access logs'));
    });
  });

  describe('configured', () => {
    it('takes a group name, a description, a retention and an access-log bucket', () => {
      const stack = newStack();
      const logs = new s3.Bucket(stack, 'Logs');
      new ModelRegistry(stack, 'Registry', {
        modelPackageGroupName: 'fraud',
        description: 'Fraud models',
        noncurrentVersionExpiration: Duration.days(30),
        serverAccessLogsBucket: logs,
      });
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
        ModelPackageGroupName: 'fraud',
        ModelPackageGroupDescription: 'Fraud models',
      });
      t.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^Logs') }, LogFilePrefix: 'fraud/' },
        LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })] },
      });
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('no server access logs'));
    });

    it('gives other accounts read access through the group, bucket and key policies', () => {
      const { t } = registry({ modelPackageGroupName: 'fraud', crossAccountReadAccountIds: ['210987654321'] });
      const principal = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::210987654321:root']] } };
      t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
        ModelPackageGroupPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CrossAccountReadGroup',
              Effect: 'Allow',
              Principal: principal,
              Action: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'],
              Resource: GROUP_ARN,
            },
            {
              Sid: 'CrossAccountReadModelPackages',
              Effect: 'Allow',
              Principal: principal,
              Action: 'sagemaker:DescribeModelPackage',
              Resource: PACKAGES_ARN,
            },
          ],
        },
      });
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'CrossAccountReadArtifacts',
              Principal: principal,
              Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'],
            }),
          ]),
        },
      });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'CrossAccountDecryptArtifacts',
              Principal: principal,
              Action: ['kms:Decrypt', 'kms:DescribeKey'],
              Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
            }),
          ]),
        },
      });
    });

    it('uses a bucket passed in instead of creating one, and warns when its policy cannot be extended', () => {
      const stack = newStack();
      const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'acme-models');
      const key = kms.Key.fromKeyArn(stack, 'ExistingKey', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555');
      const reg = new ModelRegistry(stack, 'Registry', {
        artifactBucket: bucket,
        artifactKey: key,
        crossAccountReadAccountIds: ['210987654321'],
      });
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::S3::Bucket', 0);
      t.resourceCountIs('AWS::KMS::Key', 0);
      expect(reg.artifactBucket).toBe(bucket);
      expect(reg.artifactKey).toBe(key);
      Annotations.fromStack(stack).hasWarning('/TestStack/Registry', Match.stringLikeRegexp('could not be extended'));
    });

    it('lets the caller opt out of retaining artifacts, explicitly', () => {
      const { t } = registry({ artifactRemovalPolicy: RemovalPolicy.DESTROY });
      t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
      t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    });

    it('leaves deploy-time tokens unjudged', () => {
      const stack = newStack();
      const name = Token.asString({ Ref: 'GroupNameParam' });
      expect(() => new ModelRegistry(stack, 'Registry', { modelPackageGroupName: name })).not.toThrow();
    });
  });

  describe('grants', () => {
    function granted(grant: (reg: ModelRegistry, role: iam.Role) => void, props = {}) {
      const stack = newStack();
      const reg = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', ...props });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      grant(reg, role);
      return statements(Template.fromStack(stack));
    }
    // Grants reference the created group by GetAtt, so the policy waits for the group.
    const groupAtt = { 'Fn::GetAtt': [expect.stringMatching(/^Registry[0-9A-F]{8}$/), 'ModelPackageGroupArn'] };
    const groupAttMatch = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Registry[0-9A-F]{8}$'), 'ModelPackageGroupArn'] };
    const bucketAtt = { 'Fn::GetAtt': [expect.stringMatching(/^RegistryArtifactBucket/), 'Arn'] };
    const keyAtt = { 'Fn::GetAtt': [expect.stringMatching(/^RegistryArtifactKey/), 'Arn'] };
    const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryArtifactBucket'), 'Arn'] };
    const objectsArn = { 'Fn::Join': ['', [bucketArn, '/*']] };
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryArtifactKey'), 'Arn'] };

    it('grantRead: describe and list the group, describe its versions, read artifacts', () => {
      const s = granted((reg, role) => reg.grantRead(role));
      expect(s).toEqual([
        { Effect: 'Allow', Action: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'], Resource: groupAtt },
        { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: PACKAGES_ARN },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: { 'Fn::Join': ['', [bucketAtt, '/*']] } },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketAtt },
        { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: keyAtt },
      ]);
    });

    it('grantRegister: create versions in this group only, upload artifacts', () => {
      const stack = newStack();
      const reg = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      reg.grantRegister(role);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'], Resource: PACKAGES_ARN },
            { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: groupAttMatch },
            { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: objectsArn },
            { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'], Resource: keyArn },
          ],
        },
      });
    });

    it('grantApprove: update versions of this group only, no artifact access', () => {
      const s = granted((reg, role) => reg.grantApprove(role));
      expect(s).toEqual([
        { Effect: 'Allow', Action: ['sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage'], Resource: PACKAGES_ARN },
        { Effect: 'Allow', Action: ['sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackageGroup'], Resource: groupAtt },
      ]);
    });

    it('never grants a wildcard action or a wildcard resource', () => {
      for (const grant of ['grantRead', 'grantRegister', 'grantApprove'] as const) {
        const s = granted((reg, role) => reg[grant](role));
        for (const st of s) {
          for (const action of [st.Action].flat()) {
            expect(action).not.toContain('*');
          }
          expect(st.Resource).not.toBe('*');
        }
      }
    });
  });

  describe('approval events', () => {
    it('onApprovalStateChange: a rule on this group\'s model package state changes', () => {
      const stack = newStack();
      const reg = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const topic = new sns.Topic(stack, 'Topic');
      reg.onApprovalStateChange('OnChange', { target: new targets.SnsTopic(topic), description: 'any change' });
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        Description: 'any change',
        EventPattern: {
          'source': ['aws.sagemaker'],
          'detail-type': ['SageMaker Model Package State Change'],
          'detail': { ModelPackageGroupName: ['fraud'] },
        },
        Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Topic') } })],
      });
    });

    it('onApproved: only approvals', () => {
      const stack = newStack();
      const reg = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      reg.onApproved('OnApproved');
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.sagemaker'],
          'detail-type': ['SageMaker Model Package State Change'],
          'detail': { ModelPackageGroupName: ['fraud'], ModelApprovalStatus: ['Approved'] },
        },
      });
    });
  });

  describe('import', () => {
    it('fromModelRegistryAttributes: same grants and events on an existing group', () => {
      const stack = newStack();
      const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'acme-models');
      const reg = ModelRegistry.fromModelRegistryAttributes(stack, 'Imported', { modelPackageGroupName: 'fraud', artifactBucket: bucket });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      reg.grantApprove(role);
      reg.grantRead(role);
      reg.onApproved('OnApproved');
      expect(stack.resolve(reg.modelPackageGroupArn)).toEqual(GROUP_ARN);
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-models/*']] } },
          ]),
        },
      });
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ detail: { ModelPackageGroupName: ['fraud'], ModelApprovalStatus: ['Approved'] } }),
      });
    });
  });

  describe('addCrossAccountRead', () => {
    it('gives an account added after construction exactly the access the prop gives', () => {
      const stack = newStack();
      const reg = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      reg.addCrossAccountRead('210987654321');
      reg.addCrossAccountRead('111122223333');
      const viaProps = registry({ modelPackageGroupName: 'fraud', crossAccountReadAccountIds: ['210987654321', '111122223333'] }).t.toJSON();
      expect(Template.fromStack(stack).toJSON()).toEqual(viaProps);
      const group = Object.values<any>(viaProps.Resources).find((r) => r.Type === 'AWS::SageMaker::ModelPackageGroup');
      expect(group.Properties.ModelPackageGroupPolicy.Statement[0].Principal.AWS).toHaveLength(2);
    });

    it('adds to the accounts of the prop', () => {
      const stack = newStack();
      const reg = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', crossAccountReadAccountIds: ['210987654321'] });
      reg.addCrossAccountRead('111122223333');
      const policy = Object.values<any>(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))[0];
      const statement = policy.Properties.PolicyDocument.Statement.find((x: any) => x.Sid === 'CrossAccountReadArtifacts');
      expect(JSON.stringify(statement.Principal)).toContain(':iam::111122223333:root');
      expect(JSON.stringify(statement.Principal)).toContain(':iam::210987654321:root');
    });

    it('rejects an account id that is not one, naming the argument', () => {
      const reg = new ModelRegistry(newStack(), 'Registry');
      const e = expectValidationError(() => reg.addCrossAccountRead('12345'));
      expect(e.problems).toEqual([{ constructPath: 'TestStack/Registry', property: 'accountId', received: '"12345"', allowed: 'must be a 12-digit AWS account id' }]);
    });

    it('fails synthesis on an account listed twice, naming the construct', () => {
      const stack = newStack();
      const reg = new ModelRegistry(stack, 'Registry', { crossAccountReadAccountIds: ['210987654321'] });
      reg.addCrossAccountRead('210987654321');
      expect(() => Template.fromStack(stack)).toThrow('TestStack/Registry: crossAccountReadAccountIds must not list an account id twice');
    });
  });

  describe('rejected', () => {
    it.each([
      [{ crossAccountReadAccountIds: ['12345'] }, 'crossAccountReadAccountIds[0]', '"12345"', 'must be a 12-digit AWS account id'],
      [{ crossAccountReadAccountIds: ['210987654321', '210987654321'] }, 'crossAccountReadAccountIds', '["210987654321","210987654321"]', 'must not list an account id twice'],
      [{ modelPackageGroupName: '' }, 'modelPackageGroupName', '""', 'must be 1-63 letters, digits or hyphens'],
      [{ modelPackageGroupName: 'fraud_models' }, 'modelPackageGroupName', '"fraud_models"', 'must be 1-63 letters, digits or hyphens'],
      [{ modelPackageGroupName: 'x'.repeat(64) }, 'modelPackageGroupName', `"${'x'.repeat(64)}"`, 'must be 1-63 letters'],
      [{ noncurrentVersionExpiration: Duration.hours(36) }, 'noncurrentVersionExpiration', 'Duration 1 day 12 hours', 'must be a whole number of days'],
      [{ noncurrentVersionExpiration: Duration.days(0) }, 'noncurrentVersionExpiration', 'Duration 0 seconds', 'must be at least 1 day'],
      [{ artifactRemovalPolicy: RemovalPolicy.SNAPSHOT }, 'artifactRemovalPolicy', '"snapshot"', 'buckets and keys have no snapshots'],
    ])('%j', (props, property, received, allowed) => {
      const stack = newStack();
      const e = expectValidationError(() => new ModelRegistry(stack, 'Registry', props));
      expect(e.problems).toEqual([{ constructPath: 'TestStack/Registry', property, received, allowed: expect.stringContaining(allowed) }]);
      expect(e.message).toContain(`TestStack/Registry: ${property} `);
      expect(e.message).toContain(`got ${received}`);
    });

    it('reports all problems at once', () => {
      const e = expectValidationError(
        () => new ModelRegistry(newStack(), 'Registry', { modelPackageGroupName: '', crossAccountReadAccountIds: ['12345'] }),
      );
      expect(e.problems.map((p) => p.property)).toEqual(['modelPackageGroupName', 'crossAccountReadAccountIds[0]']);
    });
  });
});
