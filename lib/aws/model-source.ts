import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { IModelRegistry } from './model-registry';

/** Options of `ModelSource.fromImage`. */
export interface ImageModelOptions {
  /**
   * Inference container image, pinned by digest (`…@sha256:<64 hex>`).
   */
  readonly image: string;

  /**
   * `s3://` location of the model artifacts (a `model.tar.gz` or, for uncompressed weights, a prefix).
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

/** Options of `ModelSource.fromModelPackage`. */
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
    if (spec.modelDataUrl) {
      grantModelData(role, spec.modelDataUrl);
    }
    return { image: spec.image, modelDataUrl: spec.modelDataUrl, environment: spec.environment };
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
}

function grantModelData(role: iam.IRole, url: string): void {
  const path = url.replace(/^s3:\/\//, '');
  const stack = Stack.of(role);
  // An archive (model.tar.gz) is one object; anything else is a prefix of uncompressed weights.
  const isObject = /\.(tar\.gz|tgz|zip|pt|bin|onnx|safetensors)$/.test(path);
  const objects = isObject ? path : `${path.replace(/\/$/, '')}/*`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: objects })],
    }),
  );
}
