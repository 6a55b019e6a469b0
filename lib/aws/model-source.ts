import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { IModelRegistry } from './model-registry';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './private/nag';

/** Options of `ModelSource.fromImage`. */
export interface ImageModelOptions {
  /**
   * Inference container image, pinned by digest (`…@sha256:<64 hex>`).
   */
  readonly image: string;

  /**
   * `s3://` location of the model artifacts: a `.tar.gz` archive (rendered as `ModelDataUrl`),
   * a prefix ending in `/` with uncompressed weights, or a single uncompressed object (both
   * rendered as `ModelDataSource`, `CompressionType: None`, which large models load faster).
   * @default - none: the weights are in the image
   */
  readonly modelDataUrl?: string;

  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: Record<string, string>;

  /**
   * Accept an image reference without a digest. A tag can be re-pushed, so what serves would no
   * longer be what was tested.
   * @default false
   */
  readonly allowMutableImageTag?: boolean;
}

/** Options of `ModelSource.fromModelPackage` and `ModelSource.fromModelPackageArn`. */
export interface ModelPackageOptions {
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/**
 * What a variant serves: an image (and artifacts), or an approved version of a `ModelRegistry`
 * model package group, whose image, artifacts and lineage are recorded in the package.
 *
 * With a model package, the execution role gets read access to the registry and its artifacts;
 * the package's image is not known at synth time, so pulling it from a private ECR repository
 * needs a grant on that repository (`role.addToPrincipalPolicy`).
 */
export class ModelSource {
  /** A container image pinned by digest, with optional model artifacts in S3. */
  public static fromImage(options: ImageModelOptions): ModelSource {
    return new ModelSource(
      {
        image: options.image,
        modelDataUrl: options.modelDataUrl,
        environment: options.environment,
        allowMutableImageTag: options.allowMutableImageTag,
      },
      undefined,
    );
  }

  /** Version `version` of the registry's model package group. */
  public static fromModelPackage(registry: IModelRegistry, version: number, options: ModelPackageOptions = {}): ModelSource {
    return new ModelSource({ modelPackageVersion: version, environment: options.environment }, registry);
  }

  /**
   * A version of the registry's model package group, by ARN
   * (`arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`).
   *
   * The ARN may be a deploy-time value, typically a `CfnParameter`'s `valueAsString`: that is how
   * `ApprovalPromotion` deploys each approved version through the endpoint's rollout policy (see
   * `ApprovalPromotion.modelPackageParameter`). A concrete ARN must name a version of the registry's group.
   */
  public static fromModelPackageArn(registry: IModelRegistry, modelPackageArn: string, options: ModelPackageOptions = {}): ModelSource {
    const group = registry.modelPackageGroupName;
    return new ModelSource(
      {
        modelPackageArn,
        modelPackageGroupName: Token.isUnresolved(group) ? undefined : group,
        environment: options.environment,
      },
      registry,
    );
  }

  /** @internal plain shape validated by `modelSourceSchema` */
  public readonly _spec: Record<string, any>;

  private constructor(spec: Record<string, any>, private readonly registry: IModelRegistry | undefined) {
    this._spec = spec;
  }

  /**
   * @internal Render the container and grant the execution role what it needs to pull it.
   */
  public _bind(role: iam.IRole): sagemaker.CfnModel.ContainerDefinitionProperty {
    const spec = this._spec;
    if (this.registry) {
      this.registry.grantRead(role);
      if (spec.modelPackageArn !== undefined) {
        return { modelPackageName: spec.modelPackageArn, environment: spec.environment };
      }
      return {
        modelPackageName: Stack.of(this.registry).formatArn({
          service: 'sagemaker',
          resource: 'model-package',
          resourceName: `${this.registry.modelPackageGroupName}/${spec.modelPackageVersion}`,
        }),
        environment: spec.environment,
      };
    }
    grantImagePull(role, spec.image);
    const url: string | undefined = spec.modelDataUrl;
    if (!url) {
      return { image: spec.image, environment: spec.environment };
    }
    grantModelData(role, url);
    if (isArchive(url)) {
      return { image: spec.image, modelDataUrl: url, environment: spec.environment };
    }
    return {
      image: spec.image,
      environment: spec.environment,
      modelDataSource: {
        s3DataSource: { s3Uri: url, s3DataType: url.endsWith('/') ? 'S3Prefix' : 'S3Object', compressionType: 'None' },
      },
    };
  }
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)/;

function grantImagePull(role: iam.IRole, image: string): void {
  const m = ECR_IMAGE.exec(image);
  if (!m) {
    return; // a public or third-party registry: nothing to grant
  }
  const [, account, region, repository] = m;
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [stack.formatArn({ service: 'ecr', account, region, resource: 'repository', resourceName: repository })],
    }),
  );
  // GetAuthorizationToken has no resource-level permissions: it only returns a login token, the
  // statement above limits what the token can pull.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  acknowledgeWildcardResources(role, ['*'], INHERENT_WILDCARD.ECR_TOKEN);
}

function isArchive(url: string): boolean {
  return /\.(tar\.gz|tgz)$/.test(url);
}

function grantModelData(role: iam.IRole, url: string): void {
  const path = url.replace(/^s3:\/\//, '');
  const stack = Stack.of(role);
  // A prefix (ending in /) holds many objects; anything else is one object.
  const objects = path.endsWith('/') ? `${path}*` : path;
  const resources = [stack.formatArn({ service: 's3', region: '', account: '', resource: objects })];
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources }));
  acknowledgeWildcardResources(role, resources, 'The model data is an S3 prefix (uncompressed model, S3DataType S3Prefix): SageMaker downloads every object below it.');
}
