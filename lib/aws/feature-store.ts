import { ArnFormat, CfnOutput, Duration, Lazy, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IConstruct } from 'constructs';
import { EntityDefinition, FeatureDefinition, FeatureType, Features, featureArgumentsSchema, ttlDuration } from '../core/features';
import { dataBucket } from './private/data-bucket';
import { acknowledgeWildcardResources } from './private/nag';
import { synthProblems, validateProps } from './private/validate';
import { secondsOf } from '../core/duration';
import { awsFeatureGroupSchema, awsFeatureStoreSchema } from '../core/schemas/feature-store';
import { addWarning } from '../core/warnings';

/** Online store storage tiers. */
export enum OnlineStorageType {
  STANDARD = 'Standard',
  IN_MEMORY = 'InMemory',
}

/** Offline store table formats. */
export enum OfflineTableFormat {
  /** Apache Iceberg: compaction and time travel; needs Glue table creation (kept on). */
  ICEBERG = 'Iceberg',
  /** Plain Glue (Parquet) table. */
  GLUE = 'Glue',
}

/** Read/write capacity billing of the feature groups. */
export enum ThroughputMode {
  ON_DEMAND = 'OnDemand',
  PROVISIONED = 'Provisioned',
}

/** Online store options. */
export interface OnlineStoreOptions {
  /**
   * Create the online store (low-latency reads at inference).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Storage tier.
   * @default OnlineStorageType.STANDARD
   */
  readonly storageType?: OnlineStorageType;
  /**
   * Time to live of online records (stale features are not served). Not allowed without an online store.
   * @default - records never expire
   */
  readonly ttl?: Duration;
}

/** Offline store options. */
export interface OfflineStoreOptions {
  /**
   * Create the offline store (history for training sets).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Bucket of the offline store.
   * @default - a KMS-encrypted, versioned, TLS-only bucket retained on delete
   */
  readonly bucket?: s3.IBucket;
  /**
   * Key prefix in the bucket.
   * @default 'offline-store'
   */
  readonly prefix?: string;
  /**
   * Table format.
   * @default OfflineTableFormat.ICEBERG
   */
  readonly tableFormat?: OfflineTableFormat;
  /**
   * Bucket receiving S3 server access logs of the created bucket.
   * @default - no access logging (a warning is added)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/** Properties of a `FeatureStore`. */
export interface FeatureStoreProps {
  /** The entities; one feature group each. */
  readonly entities: EntityDefinition[];
  /**
   * Prefix of the feature group names (e.g. `prod-`): names are unique per account and region.
   * @default - the entity names as they are
   */
  readonly namePrefix?: string;
  /**
   * Online store.
   * @default - enabled, Standard, no TTL
   */
  readonly onlineStore?: OnlineStoreOptions;
  /**
   * Offline store.
   * @default - enabled, Iceberg, in a bucket created here
   */
  readonly offlineStore?: OfflineStoreOptions;
  /**
   * Throughput mode.
   * @default ThroughputMode.ON_DEMAND
   */
  readonly throughputMode?: ThroughputMode;
  /**
   * Read capacity units (Provisioned only).
   * @default - none
   */
  readonly provisionedReadCapacityUnits?: number;
  /**
   * Write capacity units (Provisioned only).
   * @default - none
   */
  readonly provisionedWriteCapacityUnits?: number;
  /**
   * Key encrypting both stores and the Athena results.
   * @default - a new key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Role SageMaker assumes to write the offline store (it must trust `sagemaker.amazonaws.com`).
   * The store adds what it needs to the role's policy: the offline prefix, the Glue catalog, the key.
   * @default - a role created here
   */
  readonly role?: iam.IRole;
}

/** Glue database SageMaker creates offline store tables in. */
const FEATURE_STORE_DATABASE = 'sagemaker_featurestore';

/** Key prefix of the offline store in its bucket. */
const DEFAULT_OFFLINE_PREFIX = 'offline-store';

/**
 * Feature groups that can be granted: ingestion, online reads, offline (Athena) reads. A feature
 * store made here or one of another stack or app.
 */
export interface IFeatureStore extends IConstruct {
  /** Names of the feature groups. */
  readonly featureGroupNames: string[];
  /** ARNs of the feature groups (SageMaker lowercases names in ARNs). */
  readonly featureGroupArns: string[];
  /** Key of both stores. */
  readonly key: kms.IKey;
  /**
   * Offline store bucket, when there is an offline store.
   * @default - no offline store
   */
  readonly offlineBucket?: s3.IBucket;
  /** Grant writing records (PutRecord) to every feature group. */
  grantIngest(grantee: iam.IGrantable): iam.Grant;
  /** Grant reading records from the online store (GetRecord, BatchGetRecord). */
  grantReadOnline(grantee: iam.IGrantable): iam.Grant;
  /** Grant querying the offline store with Athena in the feature store's work group. */
  grantReadOffline(grantee: iam.IGrantable): iam.Grant;
}

/** How to refer to an existing feature store (`FeatureStore.fromFeatureStoreAttributes`). */
export interface FeatureStoreAttributes {
  /** Names of the feature groups (e.g. `fraud-user`). */
  readonly featureGroupNames: string[];
  /** The key of both stores. */
  readonly key: kms.IKey;
  /**
   * The offline store bucket.
   * @default - no offline store: `grantReadOffline` grants nothing (with a warning)
   */
  readonly offlineBucket?: s3.IBucket;
  /**
   * Prefix of the offline store in its bucket.
   * @default 'offline-store'
   */
  readonly offlineStorePrefix?: string;
  /**
   * The Athena work group for offline queries.
   * @default - none: `grantReadOffline` grants nothing (with a warning)
   */
  readonly athenaWorkGroupName?: string;
}

abstract class FeatureStoreBase extends Construct implements IFeatureStore {
  public abstract readonly featureGroupNames: string[];
  public abstract readonly key: kms.IKey;
  public abstract readonly offlineBucket?: s3.IBucket;
  /** Prefix of the offline store in its bucket. */
  protected abstract readonly offlineStorePrefix: string;
  /** The Athena work group for offline queries, when there is one. */
  protected abstract readonly athenaWorkGroupName?: string;

  /** ARNs of the feature groups (SageMaker lowercases names in ARNs). */
  public get featureGroupArns(): string[] {
    return this.featureGroupNames.map((n) =>
      Stack.of(this).formatArn({ service: 'sagemaker', resource: 'feature-group', resourceName: n.toLowerCase(), arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    );
  }

  /** Grant writing records (PutRecord) to every feature group. */
  public grantIngest(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:PutRecord', 'sagemaker:DescribeFeatureGroup'], resourceArns: this.featureGroupArns });
    grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [this.key.keyArn] }));
    return grant;
  }

  /** Grant reading records from the online store (GetRecord, BatchGetRecord). */
  public grantReadOnline(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:GetRecord', 'sagemaker:BatchGetRecord', 'sagemaker:DescribeFeatureGroup'],
      resourceArns: this.featureGroupArns,
    });
    grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt'], resourceArns: [this.key.keyArn] }));
    return grant;
  }

  /**
   * Grant querying the offline store with Athena in the feature store's work group: read the
   * offline objects and the Glue tables, write query results, run queries.
   */
  public grantReadOffline(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.offlineBucket;
    const stack = Stack.of(this);
    const workGroup = this.athenaWorkGroupName;
    if (!bucket || workGroup === undefined) {
      addWarning(this, 'cdk-mlops:feature-store:no-offline-store', 'grantReadOffline: there is no offline store to grant.');
      return iam.Grant.drop(grantee, 'no offline store');
    }
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [bucket.arnForObjects(`${this.offlineStorePrefix}/*`)] });
    acknowledgeWildcardResources(grantee.grantPrincipal, [bucket.arnForObjects(`${this.offlineStorePrefix}/*`)], OFFLINE_OBJECTS);
    acknowledgeWildcardResources(grantee.grantPrincipal, [bucket.arnForObjects('athena-results/*')], 'Athena writes each query\'s results under a key named by its query id, below the work group\'s result prefix.');
    grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket', 's3:GetBucketLocation'], resourceArns: [bucket.bucketArn] }));
    grant.combine(
      iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resourceArns: [bucket.arnForObjects('athena-results/*')] }),
    );
    grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resourceArns: [this.key.keyArn] }));
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
        resourceArns: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: FEATURE_STORE_DATABASE }),
          ...this.featureGroupNames.map((n) => glueTableArn(stack, n)),
        ],
      }),
    );
    acknowledgeWildcardResources(grantee.grantPrincipal, this.featureGroupNames.map((n) => glueTableArn(stack, n)), OFFLINE_TABLES);
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
        resourceArns: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workGroup })],
      }),
    );
    return grant;
  }
}

/**
 * SageMaker Feature Store from typed definitions: one feature group per entity (online store with
 * KMS and optional TTL, offline store in S3 with KMS, Glue catalog and Iceberg), the definitions'
 * version as a stack output, an Athena work group for point-in-time training queries, and exact
 * grants. Adding a feature updates its group in place; changing an entity's key, event time,
 * stores or description replaces the group (SageMaker allows no update of those), which a fixed
 * name makes CloudFormation refuse: create a new entity instead.
 *
 * Entities and features can be added after construction (`addFeatureGroup`, `addFeature`); grants
 * cover the feature groups that exist when they are made, so add groups first.
 *
 * @resource AWS::SageMaker::FeatureGroup
 */
export class FeatureStore extends FeatureStoreBase {
  /**
   * An existing feature store (of another stack or app), to grant ingestion and reads:
   * `FeatureStore.fromFeatureStoreAttributes(this, 'Features', { featureGroupNames: ['fraud-user'], key })`.
   */
  public static fromFeatureStoreAttributes(scope: Construct, id: string, attrs: FeatureStoreAttributes): IFeatureStore {
    class Import extends FeatureStoreBase {
      public readonly featureGroupNames = [...attrs.featureGroupNames];
      public readonly key = attrs.key;
      public readonly offlineBucket = attrs.offlineBucket;
      protected readonly offlineStorePrefix = (attrs.offlineStorePrefix ?? DEFAULT_OFFLINE_PREFIX).replace(/^\/+|\/+$/g, '');
      protected readonly athenaWorkGroupName = attrs.athenaWorkGroupName;
    }
    return new Import(scope, id);
  }

  /** The feature groups by entity name. */
  public readonly featureGroups: Record<string, sagemaker.CfnFeatureGroup> = {};
  /** Offline store bucket, when there is an offline store. */
  public readonly offlineBucket?: s3.IBucket;
  /** Key of both stores. */
  public readonly key: kms.IKey;
  /** Role SageMaker uses to write the offline store: `props.role`, or the one created here. */
  public readonly role: iam.IRole;
  /** Athena work group for offline queries (results encrypted, in the offline bucket). */
  public readonly athenaWorkGroup?: athena.CfnWorkGroup;
  protected get athenaWorkGroupName(): string | undefined {
    return this.athenaWorkGroup?.name;
  }
  /** Names of the feature groups, in the order of the entities. */
  public readonly featureGroupNames: string[] = [];
  protected readonly offlineStorePrefix: string;
  private readonly props: FeatureStoreProps;
  /** The entities as they are now (props, then `addFeatureGroup` / `addFeature`). */
  private readonly entities: EntityDefinition[] = [];

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    validateProps(this, awsFeatureStoreSchema, plainProps(props, props.entities));
    this.props = props;
    const offline = props.offlineStore?.enabled ?? true;
    this.offlineStorePrefix = (props.offlineStore?.prefix ?? DEFAULT_OFFLINE_PREFIX).replace(/^\/+|\/+$/g, '');
    this.key = props.encryptionKey ?? new kms.Key(this, 'Key', { description: 'Encrypts the feature store', enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Lets SageMaker Feature Store write the offline store',
    });
    if (offline) {
      this.offlineBucket = props.offlineStore?.bucket ?? this.createBucket(props.offlineStore?.serverAccessLogsBucket);
      this.grantOfflineWrite(this.offlineBucket);
      this.athenaWorkGroup = this.createAthenaWorkGroup(this.offlineBucket);
    }
    this.key.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey');
    new CfnOutput(this, 'FeatureSetVersion', { value: Lazy.string({ produce: () => this.version }), description: 'Version of the feature definitions (cdk-mlops)' });
    props.entities.forEach((e) => this.createFeatureGroup(e));
    this.node.addValidation({ validate: () => synthProblems(this, awsFeatureStoreSchema, plainProps(this.props, this.entities)) });
  }

  /**
   * Version of the feature definitions (`fs-<12 hex>`), a stack output (`FeatureSetVersion`). It
   * follows `addFeatureGroup` and `addFeature`: read it after adding.
   */
  public get version(): string {
    return Features.version(this.entities);
  }

  /**
   * Add an entity after construction: its feature group, like an entry of `entities`.
   * @param entity the entity (validated as an entry of `entities`; a name already used fails synthesis)
   * @returns the feature group
   */
  public addFeatureGroup(entity: EntityDefinition): sagemaker.CfnFeatureGroup {
    validateProps(this, awsFeatureGroupSchema, { namePrefix: this.props.namePrefix, entity });
    return this.createFeatureGroup(entity);
  }

  /**
   * Add a feature to an entity after construction: its feature group gets the feature definition
   * (an in-place update of the group).
   * @param entityName the entity, by name
   * @param feature the feature (a name already used in the entity fails synthesis)
   */
  public addFeature(entityName: string, feature: FeatureDefinition): void {
    validateProps(this, featureArgumentsSchema(this.entities.map((e) => e.name)), { entityName, feature });
    const i = this.entities.findIndex((e) => e.name === entityName);
    this.entities[i] = { ...this.entities[i], features: [...this.entities[i].features, feature] };
  }

  private createFeatureGroup(e: EntityDefinition): sagemaker.CfnFeatureGroup {
    this.entities.push(e);
    const existing = this.featureGroups[e.name];
    if (existing) {
      // The entity is defined twice: the schema reports it at synth, named.
      return existing;
    }
    const name = `${this.props.namePrefix ?? ''}${e.name}`;
    this.featureGroupNames.push(name);
    if (this.offlineBucket) {
      // The group's own Glue table (its offline store), not every table of the database.
      const table = glueTableArn(Stack.of(this), name);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'], resources: [table] }));
      acknowledgeWildcardResources(this.role, [table], OFFLINE_TABLES);
    }
    const group = new sagemaker.CfnFeatureGroup(this, `Group-${e.name}`, {
      featureGroupName: name,
      description: e.description,
      recordIdentifierFeatureName: e.recordIdentifier,
      eventTimeFeatureName: e.eventTime,
      featureDefinitions: Lazy.any({ produce: () => this.renderFeatureDefinitions(e.name) }),
      onlineStoreConfig: this.renderOnlineStoreConfig(),
      offlineStoreConfig: this.renderOfflineStoreConfig(),
      throughputConfig: this.renderThroughputConfig(),
      roleArn: this.offlineBucket ? this.role.roleArn : undefined,
    });
    // The role is referenced by ARN; its policy must exist before SageMaker first writes.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      group.node.addDependency(policy);
    }
    // Tags (and Description) of a feature group can only be set at creation: a changing version
    // tag would replace every group on every definition change. The version is an output instead.
    Tags.of(group).add('cdk-mlops:entity', e.name);
    this.featureGroups[e.name] = group;
    return group;
  }

  /** The key, the event time and the features of the entity as it is now. */
  private renderFeatureDefinitions(entityName: string): sagemaker.CfnFeatureGroup.FeatureDefinitionProperty[] {
    const e = this.entities.find((x) => x.name === entityName)!;
    return [
      { featureName: e.recordIdentifier, featureType: e.recordIdentifierType ?? FeatureType.STRING },
      { featureName: e.eventTime, featureType: e.eventTimeType ?? FeatureType.STRING },
      ...e.features.map((f) => ({ featureName: f.name, featureType: f.type })),
    ];
  }

  // The L1 types both store configs as JSON: keys are CloudFormation's (PascalCase).
  private renderOnlineStoreConfig(): any {
    const online = this.props.onlineStore;
    if (!(online?.enabled ?? true)) {
      return undefined;
    }
    return {
      EnableOnlineStore: true,
      SecurityConfig: { KmsKeyId: this.key.keyArn },
      StorageType: online?.storageType ?? OnlineStorageType.STANDARD,
      TtlDuration: online?.ttl ? ttlDuration(online.ttl.toSeconds()) : undefined,
    };
  }

  private renderOfflineStoreConfig(): any {
    if (!this.offlineBucket) {
      return undefined;
    }
    return {
      S3StorageConfig: { S3Uri: `s3://${this.offlineBucket.bucketName}/${this.offlineStorePrefix}`, KmsKeyId: this.key.keyArn },
      DisableGlueTableCreation: false,
      TableFormat: this.props.offlineStore?.tableFormat ?? OfflineTableFormat.ICEBERG,
    };
  }

  private renderThroughputConfig(): sagemaker.CfnFeatureGroup.ThroughputConfigProperty {
    const throughputMode = this.props.throughputMode ?? ThroughputMode.ON_DEMAND;
    const { provisionedReadCapacityUnits, provisionedWriteCapacityUnits } = this.props;
    const provisioned = throughputMode === ThroughputMode.PROVISIONED;
    return provisioned ? { throughputMode, provisionedReadCapacityUnits, provisionedWriteCapacityUnits } : { throughputMode };
  }

  private createAthenaWorkGroup(bucket: s3.IBucket): athena.CfnWorkGroup {
    return new athena.CfnWorkGroup(this, 'AthenaWorkGroup', {
      name: `${this.props.namePrefix ?? ''}feature-store`,
      description: 'Point-in-time training queries on the offline store',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${bucket.bucketName}/athena-results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn },
        },
      },
    });
  }

  private createBucket(accessLogs?: s3.IBucket): s3.Bucket {
    return dataBucket(this, 'OfflineBucket', {
      key: this.key,
      accessLogs,
      accessLogsPrefix: 'feature-store/',
      noAccessLogsWarning: { id: 'cdk-mlops:feature-store:no-access-logs', prop: 'offlineStore.serverAccessLogsBucket' },
      lifecycleRules: [
        { id: 'expire-athena-results', prefix: 'athena-results/', expiration: Duration.days(30) },
        { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
  }

  /** What SageMaker needs to write the offline store and create its Glue table. */
  private grantOfflineWrite(bucket: s3.IBucket): void {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], resources: [bucket.arnForObjects(`${this.offlineStorePrefix}/*`)] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketAcl', 's3:ListBucket'], resources: [bucket.bucketArn] }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:CreateDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: FEATURE_STORE_DATABASE }),
        ],
      }),
    );
    acknowledgeWildcardResources(this.role, [bucket.arnForObjects(`${this.offlineStorePrefix}/*`)], OFFLINE_OBJECTS);
  }
}

/** The props as the schema sees them: the user's keys, the TTL in seconds, `entities` as they are now. */
function plainProps(props: FeatureStoreProps, entities: EntityDefinition[]): Record<string, unknown> {
  return {
    ...props,
    entities,
    onlineStore: props.onlineStore ? { ...props.onlineStore, ttl: secondsOf(props.onlineStore.ttl) } : undefined,
  };
}

/** Glue lowercases table names and SageMaker suffixes them with a creation timestamp. */
function glueTablePrefix(groupName: string): string {
  return groupName.toLowerCase().replace(/-/g, '_');
}

/** The Glue tables of a feature group's offline store: SageMaker suffixes the name with the creation time. */
function glueTableArn(stack: Stack, groupName: string): string {
  return stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${FEATURE_STORE_DATABASE}/${glueTablePrefix(groupName)}*` });
}

const OFFLINE_OBJECTS = 'SageMaker writes the offline store\'s objects under keys it names by feature group, date and record batch, below the offline store prefix.';
const OFFLINE_TABLES = 'SageMaker names a feature group\'s offline Glue table <group>_<creation time> when it creates it; the pattern covers only that group\'s tables.';
