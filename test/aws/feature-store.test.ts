import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { FeatureStore, FeatureStoreProps, OfflineTableFormat, OnlineStorageType, ThroughputMode } from '../../lib/aws/feature-store';
import { EntityDefinition, FeatureType, Features } from '../../lib/core/features';
import { expectValidationError, newStack } from '../support/aws';

const USER: EntityDefinition = {
  name: 'user',
  recordIdentifier: 'user_id',
  eventTime: 'event_time',
  features: [
    { name: '30d_spend', type: FeatureType.FRACTIONAL },
    { name: 'country', type: FeatureType.STRING },
  ],
};
const MERCHANT: EntityDefinition = {
  name: 'merchant',
  recordIdentifier: 'merchant_id',
  recordIdentifierType: FeatureType.INTEGRAL,
  eventTime: 'ts',
  eventTimeType: FeatureType.FRACTIONAL,
  features: [{ name: 'risk_score', type: FeatureType.FRACTIONAL }],
};

function store(props: Partial<FeatureStoreProps> = {}): { stack: Stack; fs: FeatureStore; t: Template } {
  const stack = newStack();
  const fs = new FeatureStore(stack, 'Features', { entities: [USER, MERCHANT], ...props });
  return { stack, fs, t: Template.fromStack(stack) };
}

function group(t: Template, name: string): any {
  const found = Object.values(t.findResources('AWS::SageMaker::FeatureGroup', { Properties: { FeatureGroupName: name } }));
  expect(found).toHaveLength(1);
  return (found[0] as any).Properties;
}

describe('FeatureStore (AWS)', () => {
  describe('default', () => {
    const { t, fs } = store();

    it('creates one feature group per entity with key, event time and typed features', () => {
      t.resourceCountIs('AWS::SageMaker::FeatureGroup', 2);
      const user = group(t, 'user');
      expect(user.RecordIdentifierFeatureName).toBe('user_id');
      expect(user.EventTimeFeatureName).toBe('event_time');
      expect(user.FeatureDefinitions).toEqual([
        { FeatureName: 'user_id', FeatureType: 'String' },
        { FeatureName: 'event_time', FeatureType: 'String' },
        { FeatureName: '30d_spend', FeatureType: 'Fractional' },
        { FeatureName: 'country', FeatureType: 'String' },
      ]);
      expect(group(t, 'merchant').FeatureDefinitions.slice(0, 2)).toEqual([
        { FeatureName: 'merchant_id', FeatureType: 'Integral' },
        { FeatureName: 'ts', FeatureType: 'Fractional' },
      ]);
    });

    it('encrypts the online store with the KMS key, Standard tier, no TTL', () => {
      expect(group(t, 'user').OnlineStoreConfig).toEqual({
        EnableOnlineStore: true,
        SecurityConfig: { KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^FeaturesKey/), 'Arn'] } },
        StorageType: 'Standard',
      });
    });

    it('keeps the offline store in S3 with KMS, Glue table creation on, Iceberg', () => {
      expect(group(t, 'user').OfflineStoreConfig).toEqual({
        S3StorageConfig: {
          S3Uri: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^FeaturesOfflineBucket/) }, '/offline-store']] },
          KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^FeaturesKey/), 'Arn'] },
        },
        DisableGlueTableCreation: false,
        TableFormat: 'Iceberg',
      });
      t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }) });
    });

    it('bills on demand, runs with its role, and outputs the definitions version (never a create-only tag)', () => {
      const user = group(t, 'user');
      expect(user.ThroughputConfig).toEqual({ ThroughputMode: 'OnDemand' });
      expect(user.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FeaturesRole/), 'Arn'] });
      expect(user.Tags).toEqual([{ Key: 'cdk-mlops:entity', Value: 'user' }]);
      expect(fs.version).toBe(Features.version([USER, MERCHANT]));
      t.hasOutput('*', { Value: fs.version });
    });

    it('adding a feature changes only the feature definitions of that group (an in-place update)', () => {
      const before = store().t.toJSON().Resources;
      const after = store({ entities: [{ ...USER, features: [...USER.features, { name: 'age', type: FeatureType.INTEGRAL }] }, MERCHANT] }).t.toJSON().Resources;
      const changed = Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
      expect(changed).toHaveLength(1);
      expect(before[changed[0]].Properties.FeatureGroupName).toBe('user');
      const { FeatureDefinitions: a, ...restBefore } = before[changed[0]].Properties;
      const { FeatureDefinitions: b, ...restAfter } = after[changed[0]].Properties;
      expect(restAfter).toEqual(restBefore);
      expect(b).toHaveLength(a.length + 1);
    });

    it('has an Athena work group with enforced, KMS-encrypted results', () => {
      t.hasResourceProperties('AWS::Athena::WorkGroup', {
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          ResultConfiguration: {
            EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
            OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^FeaturesOfflineBucket') }, '/athena-results/']] },
          },
        },
      });
    });
  });

  describe('configured', () => {
    it('TTL, in-memory tier, name prefix, Glue format, provisioned throughput', () => {
      const { t } = store({
        namePrefix: 'fraud-',
        onlineStore: { ttl: Duration.days(7), storageType: OnlineStorageType.STANDARD },
        offlineStore: { tableFormat: OfflineTableFormat.GLUE, prefix: 'features/' },
        throughputMode: ThroughputMode.PROVISIONED,
        provisionedReadCapacityUnits: 10,
        provisionedWriteCapacityUnits: 5,
      });
      const user = group(t, 'fraud-user');
      expect(user.OnlineStoreConfig).toMatchObject({ StorageType: 'Standard', TtlDuration: { Unit: 'Weeks', Value: 1 } });
      expect(user.OfflineStoreConfig.TableFormat).toBe('Glue');
      expect(user.OfflineStoreConfig.S3StorageConfig.S3Uri['Fn::Join'][1][2]).toBe('/features');
      expect(user.ThroughputConfig).toEqual({ ThroughputMode: 'Provisioned', ProvisionedReadCapacityUnits: 10, ProvisionedWriteCapacityUnits: 5 });
    });

    it.each([
      [Duration.hours(36), { Unit: 'Hours', Value: 36 }],
      [Duration.minutes(90), { Unit: 'Minutes', Value: 90 }],
      [Duration.days(3), { Unit: 'Days', Value: 3 }],
    ])('renders TTL %s in its largest whole unit', (ttl, expected) => {
      expect(group(store({ onlineStore: { ttl } }).t, 'user').OnlineStoreConfig.TtlDuration).toEqual(expected);
    });

    it('renders the in-memory tier', () => {
      expect(group(store({ onlineStore: { storageType: OnlineStorageType.IN_MEMORY } }).t, 'user').OnlineStoreConfig.StorageType).toBe('InMemory');
    });

    it('online-only: no bucket, no role on the groups, no Athena', () => {
      const { t } = store({ offlineStore: { enabled: false } });
      expect(group(t, 'user').OfflineStoreConfig).toBeUndefined();
      expect(group(t, 'user').RoleArn).toBeUndefined();
      t.resourceCountIs('AWS::S3::Bucket', 0);
      t.resourceCountIs('AWS::Athena::WorkGroup', 0);
    });

    it('offline-only: no online store', () => {
      expect(group(store({ onlineStore: { enabled: false } }).t, 'user').OnlineStoreConfig).toBeUndefined();
    });
  });

  describe('grants', () => {
    const arn = (n: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:123456789012:feature-group/${n}`]] });
    function statements(grant: (fs: FeatureStore, role: iam.Role) => void): any[] {
      const stack = newStack();
      const fs = new FeatureStore(stack, 'Features', { entities: [USER, MERCHANT], namePrefix: 'Fraud-' });
      const role = new iam.Role(stack, 'Grantee', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      grant(fs, role);
      const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Grantee') }] } });
      return (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
    }

    it('grantIngest: PutRecord on the groups (lowercase ARNs) and the key', () => {
      expect(statements((fs, r) => fs.grantIngest(r))).toEqual([
        { Effect: 'Allow', Action: ['sagemaker:PutRecord', 'sagemaker:DescribeFeatureGroup'], Resource: [arn('fraud-user'), arn('fraud-merchant')] },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FeaturesKey/), 'Arn'] } },
      ]);
    });

    it('grantReadOnline: GetRecord and BatchGetRecord only', () => {
      const s = statements((fs, r) => fs.grantReadOnline(r));
      expect(s[0]).toEqual({ Effect: 'Allow', Action: ['sagemaker:GetRecord', 'sagemaker:BatchGetRecord', 'sagemaker:DescribeFeatureGroup'], Resource: [arn('fraud-user'), arn('fraud-merchant')] });
      expect(s[1].Action).toEqual('kms:Decrypt');
    });

    it('grantReadOffline: objects of the offline prefix, Glue tables of the groups, Athena in the work group', () => {
      const s = statements((fs, r) => fs.grantReadOffline(r));
      const actions = s.flatMap((x) => [x.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:ListBucket', 'glue:GetTable', 'athena:StartQueryExecution', 'kms:Decrypt']));
      expect(actions.some((a: string) => a.endsWith('*'))).toBe(false);
      const glue = s.find((x) => [x.Action].flat().includes('glue:GetTable'));
      expect(JSON.stringify(glue.Resource)).toContain('table/sagemaker_featurestore/fraud_user*');
      const athena = s.find((x) => [x.Action].flat().includes('athena:StartQueryExecution'));
      expect(JSON.stringify(athena.Resource)).toContain(':workgroup/Fraud-feature-store"');
    });

    it('grantReadOffline without an offline store grants nothing and warns', () => {
      const stack = newStack();
      const fs = new FeatureStore(stack, 'Features', { entities: [USER], offlineStore: { enabled: false } });
      fs.grantReadOffline(new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
      Annotations.fromStack(stack).hasWarning('/TestStack/Features', Match.stringLikeRegexp('no offline store'));
    });
  });

  describe('imported (fromFeatureStoreAttributes)', () => {
    it('grants online reads and offline queries on another stack\'s feature groups, exactly as on its own', () => {
      const stack = newStack();
      const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
      const bucket = s3.Bucket.fromBucketName(stack, 'Offline', 'fraud-features');
      const features = FeatureStore.fromFeatureStoreAttributes(stack, 'Features', {
        featureGroupNames: ['Fraud-User'], key, offlineBucket: bucket, athenaWorkGroupName: 'fraud-features',
      });
      const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      features.grantReadOnline(reader);
      features.grantReadOffline(reader);
      const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
      const groupArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:feature-group/fraud-user']] };
      expect(statements).toContainEqual(expect.objectContaining({ Action: ['sagemaker:GetRecord', 'sagemaker:BatchGetRecord', 'sagemaker:DescribeFeatureGroup'], Resource: groupArn }));
      expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:GetObject', Resource: expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining([':s3:::fraud-features/offline-store/*'])] }) }));
      expect(JSON.stringify(statements)).toContain('workgroup/fraud-features');
    });

    it('grants nothing offline, with a warning, when there is no offline store', () => {
      const stack = newStack();
      const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
      const features = FeatureStore.fromFeatureStoreAttributes(stack, 'Features', { featureGroupNames: ['fraud-user'], key });
      features.grantReadOffline(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
      Annotations.fromStack(stack).hasWarning('/TestStack/Features', Match.stringLikeRegexp('no offline store'));
    });
  });

  describe('role', () => {
    it('uses the given role for the offline store and adds its statements to it', () => {
      const stack = newStack();
      const role = new iam.Role(stack, 'OfflineWriter', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const fs = new FeatureStore(stack, 'Features', { entities: [USER], role });
      const t = Template.fromStack(stack);
      expect(fs.role).toBe(role);
      expect(group(t, 'user').RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OfflineWriter/), 'Arn'] });
      t.resourceCountIs('AWS::IAM::Role', 1);
      const policy = Object.values<any>(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^OfflineWriter') }] } }))[0];
      const actions = policy.Properties.PolicyDocument.Statement.flatMap((x: any) => [x.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 'glue:CreateTable', 'kms:GenerateDataKey']));
    });
  });

  describe('addFeatureGroup and addFeature', () => {
    it('renders a feature group added after construction, and the version follows it', () => {
      const stack = newStack();
      const fs = new FeatureStore(stack, 'Features', { entities: [USER], namePrefix: 'fraud-' });
      const added = fs.addFeatureGroup(MERCHANT);
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::SageMaker::FeatureGroup', 2);
      expect(fs.featureGroups.merchant).toBe(added);
      expect(fs.featureGroupNames).toEqual(['fraud-user', 'fraud-merchant']);
      const merchant = group(t, 'fraud-merchant');
      expect(merchant.FeatureDefinitions[0]).toEqual({ FeatureName: 'merchant_id', FeatureType: 'Integral' });
      expect(merchant.OfflineStoreConfig.TableFormat).toBe('Iceberg');
      expect(fs.version).toBe(Features.version([USER, MERCHANT]));
      t.hasOutput('*', { Value: Features.version([USER, MERCHANT]) });
    });

    it('renders a feature added after construction in its group, as the same definitions in props would', () => {
      const stack = newStack();
      const fs = new FeatureStore(stack, 'Features', { entities: [USER, MERCHANT] });
      fs.addFeature('user', { name: 'age', type: FeatureType.INTEGRAL });
      const viaProps = store({ entities: [{ ...USER, features: [...USER.features, { name: 'age', type: FeatureType.INTEGRAL }] }, MERCHANT] }).t.toJSON();
      expect(Template.fromStack(stack).toJSON()).toEqual(viaProps);
    });

    it.each<[string, (fs: FeatureStore) => void, string, string]>([
      ['an entity without features', (fs) => fs.addFeatureGroup({ ...MERCHANT, features: [] }), 'entity.features', 'must define at least one feature'],
      ['a name too long with the prefix', (fs) => fs.addFeatureGroup({ ...MERCHANT, name: 'm'.repeat(60) }), 'entity.name', 'FeatureGroupName of at most 64'],
      ['a feature of an unknown entity', (fs) => fs.addFeature('merchant', { name: 'risk', type: FeatureType.FRACTIONAL }), 'entityName', 'must name an entity of the store (user)'],
      ['a reserved feature name', (fs) => fs.addFeature('user', { name: 'is_deleted', type: FeatureType.STRING }), 'feature.name', 'must not be a reserved name'],
    ])('rejects %s when it is added, naming the argument', (_w, add, property, allowed) => {
      const fs = new FeatureStore(newStack(), 'Features', { entities: [USER], namePrefix: 'fraud-' });
      const e = expectValidationError(() => add(fs));
      expect(e.problems).toEqual([expect.objectContaining({ constructPath: 'TestStack/Features', property, allowed: expect.stringContaining(allowed) })]);
    });

    it.each<[string, (fs: FeatureStore) => void, string]>([
      ['an entity added twice', (fs) => fs.addFeatureGroup({ ...MERCHANT, name: 'User' }), 'TestStack/Features: entities[1].name must be unique; "User" is defined twice'],
      ['a feature name already used in the entity', (fs) => fs.addFeature('user', { name: 'COUNTRY', type: FeatureType.STRING }), 'TestStack/Features: entities[0].features[2].name must be unique in the entity'],
    ])('fails synthesis on %s, naming the construct', (_w, add, message) => {
      const stack = newStack();
      add(new FeatureStore(stack, 'Features', { entities: [USER] }));
      expect(() => Template.fromStack(stack)).toThrow(message);
    });
  });

  describe('rejected', () => {
    const withFeature = (f: object) => ({ ...USER, features: [...USER.features, f] }) as EntityDefinition;
    it.each<[string, Partial<FeatureStoreProps>, string, string]>([
      ['a missing event time', { entities: [{ ...USER, eventTime: undefined } as any] }, 'entities[0].eventTime', 'must be a string'],
      ['a duplicate feature', { entities: [withFeature({ name: 'Country', type: FeatureType.STRING })] }, 'entities[0].features[2].name', 'must be unique in the entity'],
      ['a name SageMaker does not allow', { entities: [withFeature({ name: 'spend 30d', type: FeatureType.FRACTIONAL })] }, 'entities[0].features[2].name', 'SageMaker FeatureName'],
      ['a reserved name', { entities: [withFeature({ name: 'write_time', type: FeatureType.STRING })] }, 'entities[0].features[2].name', 'must not be a reserved name'],
      ['a TTL under a minute', { onlineStore: { ttl: Duration.seconds(30) } }, 'onlineStore.ttl', 'must be at least 1 minute'],
      ['a TTL in fractions of a second', { onlineStore: { ttl: Duration.millis(90500) } }, 'onlineStore.ttl', 'must be a whole number of seconds'],
      ['TTL on an offline-only group', { onlineStore: { enabled: false, ttl: Duration.days(1) } }, 'onlineStore.ttl', 'must not be set on an offline-only feature group'],
      ['no store at all', { onlineStore: { enabled: false }, offlineStore: { enabled: false } }, 'onlineStore.enabled', 'a group needs a store'],
      ['a prefix making the name too long', { namePrefix: 'x'.repeat(41), entities: [{ ...USER, name: 'u'.repeat(30) }] }, 'entities[0].name', 'FeatureGroupName of at most 64'],
      ['two entities with one name', { entities: [USER, { ...MERCHANT, name: 'User' }] }, 'entities[1].name', 'must be unique'],
      ['provisioned without units', { throughputMode: ThroughputMode.PROVISIONED }, 'throughputMode', 'must come with provisionedReadCapacityUnits'],
      [
        'provisioned throughput with the in-memory tier',
        {
          throughputMode: ThroughputMode.PROVISIONED,
          provisionedReadCapacityUnits: 1,
          provisionedWriteCapacityUnits: 1,
          onlineStore: { storageType: OnlineStorageType.IN_MEMORY },
        },
        'throughputMode', 'must be OnDemand with the InMemory online store',
      ],
      ['a 65-character name with separators', { entities: [withFeature({ name: `${'a_'.repeat(32)}b`, type: FeatureType.STRING })] }, 'entities[0].features[2].name', 'at most 64 characters'],
    ])('%s', (_w, props, property, allowed) => {
      const e = expectValidationError(() => new FeatureStore(newStack(), 'Features', { entities: [USER, MERCHANT], ...props }));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('TestStack/Features');
      expect(p!.allowed).toContain(allowed);
    });
  });
});
