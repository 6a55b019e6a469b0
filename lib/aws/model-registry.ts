import { ArnFormat, Duration, IResource, Lazy, Names, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { dataBucket } from './private/data-bucket';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './private/nag';
import { synthProblems, validateProps } from './private/validate';
import { secondsOf } from '../core/duration';
import { awsModelRegistrySchema, crossAccountReadSchema } from '../core/schemas/model-registry';
import { addWarning } from '../core/warnings';

/**
 * EventBridge detail-type of SageMaker model package state changes.
 * Source: SageMaker developer guide, "Events that Amazon SageMaker sends to Amazon EventBridge".
 */
const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';

interface ArtifactAccess {
  readonly objectActions: string[];
  readonly bucketActions: string[];
  readonly keyActions: string[];
}

/** Reading model artifacts (any version) and listing the bucket. */
const ARTIFACT_READ: ArtifactAccess = {
  objectActions: ['s3:GetObject', 's3:GetObjectVersion'],
  bucketActions: ['s3:ListBucket'],
  keyActions: ['kms:Decrypt', 'kms:DescribeKey'],
};

/** Uploading model artifacts (multipart included: it needs Decrypt to assemble parts). */
const ARTIFACT_WRITE: ArtifactAccess = {
  objectActions: ['s3:PutObject', 's3:AbortMultipartUpload'],
  bucketActions: [],
  keyActions: ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'],
};

/** Default retention of noncurrent artifact versions before they expire. */
const DEFAULT_NONCURRENT_VERSION_EXPIRATION = Duration.days(90);

/**
 * A SageMaker model registry: a model package group and where its artifacts live.
 */
export interface IModelRegistry extends IResource {
  /**
   * Name of the model package group.
   * @attribute
   */
  readonly modelPackageGroupName: string;

  /**
   * ARN of the model package group.
   * @attribute
   */
  readonly modelPackageGroupArn: string;

  /**
   * The bucket holding model artifacts, when known.
   * @default - unknown: grants cover the model package group only
   */
  readonly artifactBucket?: s3.IBucket;

  /**
   * The KMS key encrypting the artifacts, when known.
   * @default - the artifact bucket's encryption key, if any
   */
  readonly artifactKey?: kms.IKey;

  /**
   * Grant reading the group, its model packages, and the artifacts.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grant registering new model package versions in the group and writing artifacts.
   */
  grantRegister(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grant approving or rejecting model package versions of the group.
   */
  grantApprove(grantee: iam.IGrantable): iam.Grant;

  /**
   * An EventBridge rule on any approval state change of a model package in this group.
   */
  onApprovalStateChange(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * An EventBridge rule on model packages of this group becoming `Approved`.
   */
  onApproved(id: string, options?: events.OnEventOptions): events.Rule;
}

/**
 * Attributes to import an existing model registry.
 */
export interface ModelRegistryAttributes {
  /**
   * Name of the model package group.
   */
  readonly modelPackageGroupName: string;

  /**
   * The bucket holding its artifacts.
   * @default - no artifact permissions are added by the `grant*` methods
   */
  readonly artifactBucket?: s3.IBucket;

  /**
   * The KMS key encrypting its artifacts.
   * @default - the bucket's own `encryptionKey`, if any
   */
  readonly artifactKey?: kms.IKey;
}

/**
 * What `ModelRegistry` and an imported registry share: the `grant*` and `on*` methods.
 */
export abstract class ModelRegistryBase extends Resource implements IModelRegistry {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly modelPackageGroupArn: string;
  public abstract readonly artifactBucket?: s3.IBucket;
  public abstract readonly artifactKey?: kms.IKey;

  /**
   * ARN pattern matching every model package version of this group
   * (`arn:…:model-package/<group>/*`).
   */
  public get modelPackagesArn(): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      resourceName: `${this.modelPackageGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'],
      resourceArns: [this.modelPackageGroupArn],
    });
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['sagemaker:DescribeModelPackage'],
        resourceArns: [this.modelPackagesArn],
      }),
    );
    acknowledgeWildcardResources(grantee.grantPrincipal, [this.modelPackagesArn], INHERENT_WILDCARD.MODEL_PACKAGES);
    this.grantArtifacts(grant, grantee, ARTIFACT_READ);
    return grant;
  }

  public grantRegister(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
      resourceArns: [this.modelPackagesArn],
    });
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['sagemaker:DescribeModelPackageGroup'],
        resourceArns: [this.modelPackageGroupArn],
      }),
    );
    acknowledgeWildcardResources(grantee.grantPrincipal, [this.modelPackagesArn], INHERENT_WILDCARD.MODEL_PACKAGES);
    this.grantArtifacts(grant, grantee, ARTIFACT_WRITE);
    return grant;
  }

  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage'],
      resourceArns: [this.modelPackagesArn],
    });
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackageGroup'],
        resourceArns: [this.modelPackageGroupArn],
      }),
    );
    acknowledgeWildcardResources(grantee.grantPrincipal, [this.modelPackagesArn], INHERENT_WILDCARD.MODEL_PACKAGES);
    return grant;
  }

  public onApprovalStateChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.approvalRule(id, options, undefined);
  }

  public onApproved(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.approvalRule(id, options, ['Approved']);
  }

  /**
   * Exact S3 and KMS actions on the artifact bucket, its objects and its key (the aws-cdk-lib
   * bucket grants use action wildcards such as `s3:GetObject*`).
   */
  private grantArtifacts(grant: iam.Grant, grantee: iam.IGrantable, access: ArtifactAccess): void {
    const bucket = this.artifactBucket;
    if (bucket) {
      grant.combine(
        iam.Grant.addToPrincipal({ grantee, actions: access.objectActions, resourceArns: [bucket.arnForObjects('*')] }),
      );
      acknowledgeWildcardResources(grantee.grantPrincipal, [bucket.arnForObjects('*')], INHERENT_WILDCARD.REGISTRY_ARTIFACTS);
      if (access.bucketActions.length > 0) {
        grant.combine(iam.Grant.addToPrincipal({ grantee, actions: access.bucketActions, resourceArns: [bucket.bucketArn] }));
      }
    }
    if (this.artifactKey) {
      grant.combine(iam.Grant.addToPrincipal({ grantee, actions: access.keyActions, resourceArns: [this.artifactKey.keyArn] }));
    }
  }

  private approvalRule(id: string, options: events.OnEventOptions, statuses: string[] | undefined): events.Rule {
    const rule = new events.Rule(this, id, {
      description: options.description,
      ruleName: options.ruleName,
      crossStackScope: options.crossStackScope,
    });
    rule.addEventPattern({
      source: ['aws.sagemaker'],
      detailType: [MODEL_PACKAGE_STATE_CHANGE],
      detail: {
        ModelPackageGroupName: [this.modelPackageGroupName],
        ...(statuses ? { ModelApprovalStatus: statuses } : {}),
      },
    });
    if (options.eventPattern) {
      rule.addEventPattern(options.eventPattern);
    }
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }
}

/**
 * Properties of a `ModelRegistry`.
 */
export interface ModelRegistryProps {
  /**
   * Name of the model package group (1-63 letters, digits or hyphens).
   * @default - a name unique in the account, derived from the construct path (lowercase)
   */
  readonly modelPackageGroupName?: string;

  /**
   * Description of the model package group.
   * @default - no description
   */
  readonly description?: string;

  /**
   * Bucket for model artifacts, used instead of creating one. Its policy is only extended for
   * cross-account read when it belongs to this stack.
   * @default - a versioned, KMS-encrypted, TLS-only, non-public bucket retained on delete
   */
  readonly artifactBucket?: s3.IBucket;

  /**
   * KMS key for the artifacts. With `artifactBucket`, the key that bucket is encrypted with.
   * @default - with a created bucket, a new key with rotation enabled, retained on delete;
   * with `artifactBucket`, the bucket's `encryptionKey`
   */
  readonly artifactKey?: kms.IKey;

  /**
   * AWS account ids (12 digits) allowed to read the group, its model packages and the artifacts,
   * through resource policies on the group, the bucket and the key.
   * @default - no cross-account access
   */
  readonly crossAccountReadAccountIds?: string[];

  /**
   * How long noncurrent versions of artifacts are kept in the created bucket.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * Bucket receiving S3 server access logs of the created artifact bucket.
   * @default - no server access logging (a warning is added: AWS Solutions S1 asks for it)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * What happens to the created bucket and key when they leave the stack. Model artifacts are
   * the only record of what was served: anything but RETAIN is an explicit opt-out.
   * @default RemovalPolicy.RETAIN
   */
  readonly artifactRemovalPolicy?: RemovalPolicy;
}

/**
 * A SageMaker model registry: a model package group, its artifact bucket and key, approval
 * events, cross-account read and least-privilege grants.
 *
 * @resource AWS::SageMaker::ModelPackageGroup
 */
export class ModelRegistry extends ModelRegistryBase {
  /**
   * Import an existing model registry by its group name.
   */
  public static fromModelRegistryAttributes(scope: Construct, id: string, attrs: ModelRegistryAttributes): IModelRegistry {
    class Import extends ModelRegistryBase {
      public readonly modelPackageGroupName = attrs.modelPackageGroupName;
      public readonly modelPackageGroupArn = Stack.of(scope).formatArn({
        service: 'sagemaker',
        resource: 'model-package-group',
        resourceName: attrs.modelPackageGroupName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      public readonly artifactBucket = attrs.artifactBucket;
      public readonly artifactKey = attrs.artifactKey ?? attrs.artifactBucket?.encryptionKey;
    }
    return new Import(scope, id);
  }

  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;
  /** The artifact bucket: the one created, or the one passed in. Always set. */
  public readonly artifactBucket?: s3.IBucket;
  public readonly artifactKey?: kms.IKey;

  private readonly props: ModelRegistryProps;
  /** Accounts with read access, as they are now (props, then `addCrossAccountRead`). */
  private readonly crossAccountIds: string[] = [];
  /** The artifact bucket and key policy statements for those accounts, once there is one. */
  private crossAccountArtifactStatements?: iam.PolicyStatement[];

  constructor(scope: Construct, id: string, props: ModelRegistryProps = {}) {
    super(scope, id);
    validateProps(this, awsModelRegistrySchema, plainProps(props, props.crossAccountReadAccountIds));
    this.props = props;
    this.modelPackageGroupName =
      props.modelPackageGroupName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    if (props.artifactBucket) {
      this.artifactBucket = props.artifactBucket;
      this.artifactKey = props.artifactKey ?? props.artifactBucket.encryptionKey;
    } else {
      this.artifactKey = props.artifactKey ?? this.createArtifactKey();
      this.artifactBucket = this.createArtifactBucket(this.artifactKey);
    }
    const group = new sagemaker.CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: this.modelPackageGroupName,
      modelPackageGroupDescription: props.description,
      modelPackageGroupPolicy: Lazy.any({ produce: () => this.renderGroupPolicy() }),
    });
    this.modelPackageGroupArn = group.attrModelPackageGroupArn;
    (props.crossAccountReadAccountIds ?? []).forEach((a) => this.allowCrossAccountRead(a));
    // Accounts added later are judged with the rest (an account listed twice).
    this.node.addValidation({ validate: () => synthProblems(this, awsModelRegistrySchema, plainProps(this.props, this.crossAccountIds)) });
  }

  /**
   * Let one more AWS account read the group, its model packages and the artifacts, as an entry of
   * `crossAccountReadAccountIds` does (resource policies on the group, the bucket and the key).
   * @param accountId a 12-digit AWS account id (listed twice, it fails synthesis)
   */
  public addCrossAccountRead(accountId: string): void {
    validateProps(this, crossAccountReadSchema, { accountId });
    this.allowCrossAccountRead(accountId);
  }

  private allowCrossAccountRead(accountId: string): void {
    this.crossAccountIds.push(accountId);
    const principal = new iam.AccountPrincipal(accountId);
    if (this.crossAccountArtifactStatements) {
      this.crossAccountArtifactStatements.forEach((st) => st.addPrincipals(principal));
    } else {
      this.crossAccountArtifactStatements = this.grantCrossAccountArtifacts(principal);
    }
  }

  private createArtifactKey(): kms.Key {
    return new kms.Key(this, 'ArtifactKey', {
      description: `Encrypts model artifacts of the ${this.modelPackageGroupName} model registry`,
      enableKeyRotation: true,
      removalPolicy: this.props.artifactRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  private createArtifactBucket(key: kms.IKey): s3.Bucket {
    return dataBucket(this, 'ArtifactBucket', {
      key,
      removalPolicy: this.props.artifactRemovalPolicy ?? RemovalPolicy.RETAIN,
      accessLogs: this.props.serverAccessLogsBucket,
      accessLogsPrefix: `${this.modelPackageGroupName}/`,
      noAccessLogsWarning: { id: 'cdk-mlops:model-registry:no-access-logs', prop: 'serverAccessLogsBucket (to record who read which model)' },
      lifecycleRules: [
        {
          id: 'expire-noncurrent-artifacts',
          noncurrentVersionExpiration: this.props.noncurrentVersionExpiration ?? DEFAULT_NONCURRENT_VERSION_EXPIRATION,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
  }

  /** The group's resource policy: read for the cross-account principals, none without them. */
  private renderGroupPolicy(): any {
    if (this.crossAccountIds.length === 0) {
      return undefined;
    }
    // The group's own ARN is built from its name: its resource policy cannot refer to its own
    // GetAtt without a circular dependency.
    const groupArn = Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: this.modelPackageGroupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    return this.crossAccountGroupPolicy(this.crossAccountIds, groupArn);
  }

  private crossAccountGroupPolicy(accounts: string[], groupArn: string): any {
    const principals = accounts.map((a) => new iam.AccountPrincipal(a));
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'CrossAccountReadGroup',
          principals,
          actions: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'],
          resources: [groupArn],
        }),
        new iam.PolicyStatement({
          sid: 'CrossAccountReadModelPackages',
          principals,
          actions: ['sagemaker:DescribeModelPackage'],
          resources: [this.modelPackagesArn],
        }),
      ],
    }).toJSON();
  }

  /** The artifact bucket and key statements for cross-account read, with their first principal. */
  private grantCrossAccountArtifacts(principal: iam.IPrincipal): iam.PolicyStatement[] {
    const bucket = this.artifactBucket!;
    const bucketStatement = new iam.PolicyStatement({
      sid: 'CrossAccountReadArtifacts',
      principals: [principal],
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    });
    const keyStatement = new iam.PolicyStatement({
      sid: 'CrossAccountDecryptArtifacts',
      principals: [principal],
      actions: ['kms:Decrypt', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` },
      },
    });
    const bucketResult = bucket.addToResourcePolicy(bucketStatement);
    const keyResult = this.artifactKey?.addToResourcePolicy(keyStatement, /* allowNoOp */ true);
    if (!bucketResult.statementAdded || (this.artifactKey && !keyResult?.statementAdded)) {
      addWarning(
        this,
        'cdk-mlops:model-registry:cross-account-imported',
        'crossAccountReadAccountIds: the artifact bucket or key was imported, so its resource policy could not be extended; grant the accounts read access where the bucket and key are defined.',
      );
    }
    return [bucketStatement, keyStatement];
  }
}


/** The props as the schema sees them: the user's keys, the retention in days, the accounts as they are now. */
function plainProps(props: ModelRegistryProps, accounts: string[] | undefined): Record<string, unknown> {
  const expiration = props.noncurrentVersionExpiration;
  return {
    ...props,
    crossAccountReadAccountIds: accounts,
    // A deploy-time Duration is judged as such (it must be known at synthesis), not converted.
    noncurrentVersionExpiration: expiration?.isUnresolved() ? secondsOf(expiration) : expiration?.toDays({ integral: false }),
  };
}
