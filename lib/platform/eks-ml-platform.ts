import { CfnJson, Duration, Environment, Lazy, RemovalPolicy, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct } from 'constructs';
import { KubernetesPlatformModel } from './kubernetes-platform-model';
import { MlPlatformChart } from './ml-platform-chart';
import { platformAccessLogsBucket } from './private/access-logs';
import { validateCdk8sApp } from './private/chart-render';
import { tagModel, tagPlatform } from './private/cost-tags';
import { MLFLOW_SECRET_STORE_NAME, MlflowBackendSecretSync } from './private/mlflow-backend-secret';
import { pascal } from './private/runbook';
import { SpecDocument } from './private/spec-document';
import { acknowledgeNag, acknowledgeWildcardResources } from '../aws/private/nag';
import { MODEL_OUTPUT, StepKind } from '../core/pipeline';
import { PlatformModelSpec, PlatformSpec } from '../core/platform-spec';
import { eksMlPlatformSchema } from '../core/schemas/eks-platform';
import { MLFLOW_NAMESPACE_SUFFIX, eksPlatformSpecSchema } from '../core/schemas/platform-kubernetes';
import { validateAllOrThrow } from '../core/validation';
import { addWarning } from '../core/warnings';

/** Options of `EksMlPlatform.fromFile`: everything but the spec. */
export interface EksMlPlatformFileOptions {
  /**
   * The EKS cluster, imported by attributes (`eks.Cluster.fromClusterAttributes`) with
   * `openIdConnectProvider` (the roles it creates trust it) and either `kubectlProvider`, or
   * `kubectlRoleArn` and `kubectlLayer` (aws-eks then makes one kubectl provider, in the shared stack).
   */
  readonly cluster: eks.ICluster;
  /**
   * Key of the buckets the platform creates (artifacts, capture).
   * @default - a new key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Bucket receiving the server access logs of the buckets the platform creates; its policy must
   * admit S3 server access logging from this account.
   * @default - a new bucket in the shared stack (SSE-S3, as S3 server access logging requires; versioned, TLS-only, retained, logs expiring after a year)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * The account and region of the platform's stacks, when the platform is placed directly in an App or a Stage.
   * @default - the enclosing stack's environment when inside a stack, else environment-agnostic
   */
  readonly env?: Environment;
  /**
   * The prefix of the stacks' names: each model's stack is `<prefix>-<model>`, the shared one (when made) `<prefix>-shared`.
   * @default - the enclosing stack's name when inside a stack, else `<spec name>-eks`
   */
  readonly stackNamePrefix?: string;
  /**
   * The Secrets Manager secret holding MLflow's backend store URI (a plain string, e.g.
   * `postgresql://user:password@host:5432/mlflow`). The External Secrets Operator (installed in the
   * cluster, `external-secrets.io/v1`) copies it into the Kubernetes Secret the MLflow server mounts
   * (`kubernetes.mlflow.backendStoreUriSecret`, key `backendStoreUriSecretKey`), through a
   * `SecretStore` whose ServiceAccount's role may read this secret only.
   * @default - a new secret (encrypted with `encryptionKey`, retained) holding a random placeholder: MLflow does not start until its value is set to the database's URI (`aws secretsmanager put-secret-value`)
   */
  readonly mlflowBackendSecret?: secretsmanager.ISecret;
}

/** Properties of an `EksMlPlatform`. */
export interface EksMlPlatformProps extends EksMlPlatformFileOptions {
  /**
   * The platform, as `MlPlatformChart` takes it, except that the S3 locations and IAM roles the
   * construct creates may be absent (`kubernetes.pipelineArtifactRoot`, `kubernetes.mlflow.artifactRoot`
   * and `roleArn`, each model's `training.kubernetes.roleArn`, `serving.kubernetes.roleArn`,
   * `drift.kubernetes`): given ones win.
   */
  readonly spec: PlatformSpec;
}

/** Properties of an `EksPlatformModel`. */
export interface EksPlatformModelProps extends StackProps {
  /** The model. */
  readonly spec: PlatformModelSpec;
}

/**
 * One model of an `EksMlPlatform`: a stack holding the model's IAM roles (those the spec does not
 * give) and its chart, delivered to the cluster as one `KubernetesManifest`. Its template does not
 * grow with the number of models.
 */
export class EksPlatformModel extends Stack {
  /** The model's name in the platform. */
  public readonly modelName: string;
  /** @internal */
  public _trainingRole?: iam.Role;
  /** @internal */
  public _servingRole?: iam.Role;
  /** @internal */
  public _driftRole?: iam.Role;
  /** @internal */
  public _captureRole?: iam.Role;
  /** @internal */
  public _batchRole?: iam.Role;
  /** @internal */
  public _batchDriftRole?: iam.Role;
  /** @internal */
  public _cluster?: eks.ICluster;
  /** @internal */
  public _manifest?: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: EksPlatformModelProps) {
    super(scope, id, props);
    this.modelName = props.spec.name;
  }

  /**
   * The role of the training pipeline's pods: reads the training data, reads and writes the model's
   * pipeline artifacts. Undefined when the spec gives `training.kubernetes.roleArn`.
   */
  public get trainingRole(): iam.IRole | undefined {
    return this._trainingRole;
  }

  /**
   * The role of the model server's pods: reads the weights (`modelUri`, when on S3). Undefined
   * when the spec gives `serving.kubernetes.roleArn`.
   */
  public get servingRole(): iam.IRole | undefined {
    return this._servingRole;
  }

  /**
   * The role of the drift job: reads the model's captured traffic and its baseline. Undefined when
   * the spec gives `drift.kubernetes.roleArn`.
   */
  public get driftRole(): iam.IRole | undefined {
    return this._driftRole;
  }

  /**
   * The role of the model's capture service: writes the model's captured traffic (and nothing
   * else: no read, no list). Undefined when the spec gives `drift.kubernetes.captureRoleArn`.
   */
  public get captureRole(): iam.IRole | undefined {
    return this._captureRole;
  }

  /**
   * The role of the model's batch scoring pods: reads the input partitions and the weights, reads,
   * writes and deletes under `outputUri`. Undefined without `batch`, or when the spec gives
   * `batch.kubernetes.roleArn`.
   */
  public get batchRole(): iam.IRole | undefined {
    return this._batchRole;
  }

  /**
   * The role of the drift job over the scored inputs: reads under `outputUri` and the drift baseline,
   * writes nothing. Undefined without `batch` or with `watchDrift: false`, or when the spec gives
   * `batch.kubernetes.driftRoleArn` or `batch.kubernetes.roleArn` (that role serves both then).
   */
  public get batchDriftRole(): iam.IRole | undefined {
    return this._batchDriftRole;
  }

  /** The cluster as imported in this stack (through the platform's kubectl provider). */
  public get cluster(): eks.ICluster {
    return this._cluster!;
  }

  /** The model's chart on the cluster (`cluster.addCdk8sChart`). */
  public get manifest(): eks.KubernetesManifest {
    return this._manifest!;
  }
}

/** The audience of the ServiceAccount tokens IRSA exchanges with STS. */
const STS_AUDIENCE = 'sts.amazonaws.com';
/** Where the platform's buckets hold what the spec does not locate. */
const PIPELINES_PREFIX = 'pipelines';
const MLFLOW_PREFIX = 'mlflow';
const CAPTURE_PREFIX = 'datacapture';

/** An `s3://bucket/prefix` location: the bucket's ARN and the key prefix, without slashes at the ends. */
interface S3Place {
  readonly bucketArn: string;
  readonly prefix: string;
  /** The key of the bucket, when it is one the platform created. */
  readonly key?: kms.IKey;
}

/**
 * What a Kubernetes ML platform needs on AWS, from one CDK app: takes an EKS cluster imported by
 * attributes and the platform spec (the same as `MlPlatformChart`'s), creates the S3 buckets
 * (KMS-encrypted, TLS-only, versioned, retained, with server access logs) and the IAM roles of
 * MLflow, each model's training pipeline, server, capture service, drift job and batch scoring (IRSA: each trusted by exactly its
 * ServiceAccount in its namespace through the cluster's OIDC provider, each reaching exactly its
 * prefixes and the key), renders the platform with `MlPlatformChart` (the spec's absent locations
 * and roles filled with what it created; given ones win) and delivers each chart to the cluster
 * with `addCdk8sChart`: the platform chart (GPU node pools, MLflow) in the shared stack, each
 * model's chart in a stack of its own with its roles, so no template grows with the platform.
 *
 * The MLflow backend store URI comes from a Secrets Manager secret (`mlflowBackendSecret`, or one
 * the construct creates for the operator to fill): the platform chart renders, in the MLflow
 * namespace, an External Secrets Operator `SecretStore` (its ServiceAccount's role reads that one
 * secret) and an `ExternalSecret` making the Kubernetes Secret the server mounts
 * (`kubernetes.mlflow.backendStoreUriSecret`); the External Secrets Operator must run in the
 * cluster. No secret value is in a template or a manifest.
 */
export class EksMlPlatform extends Construct {
  /** A platform from a YAML (`.yaml`, `.yml`) or JSON (`.json`) spec file, checked by the same schema as a TypeScript spec. */
  public static fromFile(scope: Construct, id: string, file: string, options: EksMlPlatformFileOptions): EksMlPlatform {
    const doc = SpecDocument.read(file, scope.node.path === '' ? id : `${scope.node.path}/${id}`, eksPlatformSpecSchema);
    doc.validate([eksPlatformSpecSchema]);
    return new EksMlPlatform(scope, id, { spec: doc.value as PlatformSpec, ...options });
  }

  /** The platform's name. */
  public readonly platformName: string;
  /** The stack holding what the models share (the enclosing stack, or `<prefix>-shared`). */
  public readonly sharedStack: Stack;
  /** The platform rendered on Kubernetes, with the locations and roles filled (its charts are delivered to the cluster). */
  public readonly chart: MlPlatformChart;
  /** The models' stacks, in the spec's order. */
  public readonly models: EksPlatformModel[];
  /** Key of the buckets the platform created. */
  public readonly encryptionKey: kms.IKey;
  /** Bucket of the pipelines' outputs (`pipelines/`) and MLflow's artifacts (`mlflow/`); undefined when the spec gives both roots. */
  public readonly artifactsBucket?: s3.IBucket;
  /** Bucket of the captured traffic (`datacapture/`); undefined when the spec gives every model's capture URI. */
  public readonly captureBucket?: s3.IBucket;
  /** The MLflow server's role; undefined when the spec gives `kubernetes.mlflow.roleArn`. */
  public readonly mlflowRole?: iam.IRole;
  /** The platform chart on the cluster (node pools and MLflow). */
  public readonly manifest: eks.KubernetesManifest;
  /** The Secrets Manager secret holding MLflow's backend store URI (the given one, or the one the platform created). */
  public readonly mlflowBackendSecret: secretsmanager.ISecret;
  /** The role of the External Secrets Operator's `SecretStore` in the MLflow namespace: reads `mlflowBackendSecret` only. */
  public readonly mlflowSecretStoreRole: iam.IRole;
  private readonly sharedScope: Construct;
  private readonly oidc: iam.IOpenIdConnectProvider;
  private readonly provider: eks.IKubectlProvider;
  private readonly cluster: eks.ICluster;

  constructor(scope: Construct, id: string, props: EksMlPlatformProps) {
    super(scope, id);
    const enclosing = scope.node.scopes.reverse().find(Stack.isStack);
    const oidc = openIdConnectProviderOf(props.cluster);
    const { spec: _spec, cluster, ...rest } = props;
    validateAllOrThrow(this.node.path, [
      [eksPlatformSpecSchema, props.spec],
      [eksMlPlatformSchema, { ...rest, spec: props.spec, cluster: clusterFactsOf(cluster, oidc) }],
    ], (v) => Token.isUnresolved(v) || (typeof v === 'string' && Token.isUnresolved([v])));
    const spec = props.spec;
    const prefix = props.stackNamePrefix ?? enclosing?.stackName ?? `${spec.name}-eks`;
    this.sharedStack = enclosing ?? new Stack(this, 'Shared', {
      env: props.env,
      stackName: `${prefix}-shared`,
      description: `${spec.name} ML platform on EKS: what its models share (buckets, key, MLflow, node pools)`,
    });
    this.sharedScope = enclosing ? this : this.sharedStack;
    this.platformName = spec.name;
    // Cost allocation: everything carries model (or "shared"), owner and platform, and the spec's tags.
    tagPlatform(this.sharedScope, spec);
    this.cluster = cluster;
    this.oidc = oidc!;
    this.encryptionKey = props.encryptionKey ?? new kms.Key(this.sharedScope, 'Key', {
      description: `Encrypts the buckets of the ${spec.name} ML platform on EKS`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const kube = spec.kubernetes!;
    const needsArtifacts = kube.pipelineArtifactRoot === undefined || kube.mlflow.artifactRoot === undefined;
    const needsCapture = spec.models.some((m) => m.drift.kubernetes?.captureUri === undefined);
    const accessLogs = needsArtifacts || needsCapture ? props.serverAccessLogsBucket ?? platformAccessLogsBucket(this.sharedScope) : undefined;
    this.artifactsBucket = needsArtifacts ? this.bucket('Artifacts', accessLogs!) : undefined;
    this.captureBucket = needsCapture ? this.bucket('Capture', accessLogs!) : undefined;

    const nsPrefix = kube.namespacePrefix ?? spec.name;
    const pipelineRoot = this.placeOf(kube.pipelineArtifactRoot, this.artifactsBucket, PIPELINES_PREFIX, 'kubernetes.pipelineArtifactRoot');
    const mlflowRoot = this.placeOf(kube.mlflow.artifactRoot, this.artifactsBucket, MLFLOW_PREFIX, 'kubernetes.mlflow.artifactRoot');
    const mlflowSa = new ServiceAccountRef(`${nsPrefix}-${MLFLOW_NAMESPACE_SUFFIX}`);
    this.mlflowRole = kube.mlflow.roleArn === undefined ? this.mlflowRoleFor(mlflowRoot, mlflowSa) : undefined;
    this.mlflowBackendSecret = props.mlflowBackendSecret ?? this.backendSecret();
    const storeSa = new ServiceAccountRef(mlflowSa.namespace);
    storeSa.bind(() => MLFLOW_SECRET_STORE_NAME);
    this.mlflowSecretStoreRole = this.secretStoreRoleFor(this.mlflowBackendSecret, storeSa);

    const env: Environment = props.env ?? {
      account: Token.isUnresolved(this.sharedStack.account) ? undefined : this.sharedStack.account,
      region: Token.isUnresolved(this.sharedStack.region) ? undefined : this.sharedStack.region,
    };
    const refs: ModelServiceAccounts[] = [];
    const filledModels: PlatformModelSpec[] = [];
    this.models = spec.models.map((m) => {
      const stack = new EksPlatformModel(this, pascal(m.name), {
        env,
        stackName: `${prefix}-${m.name}`,
        description: `${spec.name} ML platform on EKS: model ${m.name} (its roles and its chart)`,
        spec: m,
      });
      tagModel(stack, spec, m);
      const sa = new ModelServiceAccounts(`${nsPrefix}-${m.name}`);
      refs.push(sa);
      filledModels.push(this.modelRoles(stack, m, `${spec.name}-${m.name}`, pipelineRoot, sa));
      return stack;
    });

    const filled = this.filledSpec(spec, filledModels);
    this.chart = new MlPlatformChart(new Cdk8sApp(), spec.name, { spec: filled, costRegion: concreteRegion(this.sharedStack) });
    // The trusts name the ServiceAccounts as the charts render them.
    mlflowSa.bind(() => this.chart.registry.serviceAccount.name);
    new MlflowBackendSecretSync(this.chart, 'MlflowBackendSecret', {
      namespace: mlflowSa.namespace,
      secretName: kube.mlflow.backendStoreUriSecret,
      secretKey: kube.mlflow.backendStoreUriSecretKey ?? 'uri',
      remoteKey: this.mlflowBackendSecret.secretFullArn ?? this.mlflowBackendSecret.secretName,
      region: this.mlflowBackendSecret.env.region,
      roleArn: this.mlflowSecretStoreRole.roleArn,
    });
    this.chart.models.forEach((model, i) => refs[i].bind(model));
    this.provider = props.cluster.kubectlProvider ?? this.createKubectlProvider();
    this.manifest = this.deliver();
  }

  /** The spec with the platform's absent locations and MLflow's role filled (given ones win), and the models filled. */
  private filledSpec(spec: PlatformSpec, models: PlatformModelSpec[]): PlatformSpec {
    const kube = spec.kubernetes!;
    return {
      ...spec,
      kubernetes: {
        ...kube,
        pipelineArtifactRoot: kube.pipelineArtifactRoot ?? uriOf(this.artifactsBucket!, PIPELINES_PREFIX),
        mlflow: {
          ...kube.mlflow,
          artifactRoot: kube.mlflow.artifactRoot ?? uriOf(this.artifactsBucket!, MLFLOW_PREFIX),
          roleArn: kube.mlflow.roleArn ?? this.mlflowRole!.roleArn,
        },
      },
      models,
    };
  }

  /** Each chart with `addCdk8sChart`: the platform chart in the shared stack, each model's in its stack. */
  private deliver(): eks.KubernetesManifest {
    // One validation of the cdk8s app, then each chart renders on its own (addCdk8sChart calls toJson).
    validateCdk8sApp(this.chart);
    const manifest = this.importCluster(this.sharedScope).addCdk8sChart('Platform', this.chart);
    this.models.forEach((stack, i) => {
      stack._cluster = this.importCluster(stack);
      stack._manifest = stack._cluster.addCdk8sChart('Chart', this.chart.models[i].chart);
    });
    return manifest;
  }

  /**
   * aws-eks' kubectl provider of the user's cluster, in the shared stack (nested): one for the
   * platform, whatever the number of models. Its findings are aws-eks' own (its handler's runtime
   * and managed policies), acknowledged one by one.
   */
  private createKubectlProvider(): eks.IKubectlProvider {
    const provider = eks.KubectlProvider.getOrCreate(this.sharedScope, this.cluster);
    const reason = 'aws-cdk-lib aws-eks\' kubectl provider (the handler applying the charts): its runtime and policies are aws-eks\' own.';
    acknowledgeNag(provider, [
      { rule: 'AwsSolutions-L1', reason },
      ...['AmazonEC2ContainerRegistryPullOnly', 'service-role/AWSLambdaBasicExecutionRole'].map((policy) => ({
        rule: 'AwsSolutions-IAM4', finding: `Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}`, reason,
      })),
      {
        rule: 'AwsSolutions-IAM4',
        finding: 'Policy::{"Fn::If":["HandlerHasEcrPublic195AF58A",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}',
        reason,
      },
      { rule: 'AwsSolutions-IAM5', finding: 'Resource::<Handler886CB40B.Arn>:*', reason },
    ]);
    return provider;
  }

  /** The cluster imported in `scope`'s stack, applying manifests through the platform's one kubectl provider. */
  private importCluster(scope: Construct): eks.ICluster {
    return eks.Cluster.fromClusterAttributes(scope, 'Cluster', {
      clusterName: this.cluster.clusterName,
      kubectlProvider: this.provider,
      kubectlRoleArn: this.provider.roleArn,
      openIdConnectProvider: this.oidc,
      prune: this.cluster.prune,
    });
  }

  /** The model's roles (those the spec does not give) and its spec with them and its capture URI filled. */
  private modelRoles(
    stack: EksPlatformModel, m: PlatformModelSpec, endpointName: string, pipelineRoot: S3Place | undefined, sa: ModelServiceAccounts,
  ): PlatformModelSpec {
    const tk = m.training.kubernetes;
    const sk = m.serving.kubernetes!;
    const dk = m.drift.kubernetes;
    const captureRoot = this.placeOf(dk?.captureUri, this.captureBucket, CAPTURE_PREFIX, `models[${m.name}].drift.kubernetes.captureUri`);
    // The drift job reads, and the capture service writes, under <capture URI>/<endpoint name>/ (the SageMaker layout).
    const capture = under(captureRoot, endpointName);
    if (tk?.roleArn === undefined) {
      stack._trainingRole = this.irsaRole(stack, 'TrainingRole', `Training pipeline of ${endpointName}`, sa.training, [
        ...this.s3Statements(stack, this.placeOfGiven(m.training.inputDataUri, stack, 'training.inputDataUri'), ['s3:GetObject']),
        ...this.s3Statements(stack, under(pipelineRoot, m.name), ['s3:GetObject', 's3:PutObject']),
      ]);
    }
    // The weights a server or batch run loads: the spec's first version, and every version the model's
    // training pipeline registers (its MODEL_URI is <pipeline root>/<model>/<run uid>/<training step>/model),
    // which the promoter moves the server to on approval: the model outputs only, not the runs' data.
    const trainingStep = m.pipeline.steps.find((s) => s.kind === StepKind.TRAINING)?.name;
    const registered = trainingStep === undefined ? undefined : under(under(pipelineRoot, m.name), `*/${trainingStep}/${MODEL_OUTPUT}`);
    const weights = [
      ...this.s3Statements(stack, /^s3:\/\//.test(sk.modelUri) ? this.placeOfGiven(sk.modelUri, stack, 'serving.kubernetes.modelUri') : undefined, ['s3:GetObject']),
      ...this.s3Statements(stack, registered, ['s3:GetObject']),
    ];
    if (sk.roleArn === undefined) {
      stack._servingRole = this.irsaRole(stack, 'ServingRole', `Model server of ${endpointName}`, sa.serving, weights);
    }
    if (dk?.captureRoleArn === undefined) {
      stack._captureRole = this.irsaRole(stack, 'CaptureRole', `Request capture of ${endpointName}`, sa.capture, this.s3Statements(stack, capture, ['s3:PutObject']));
    }
    if (dk?.roleArn === undefined) {
      const baseline = this.placeOfGiven(m.drift.baselineUri, stack, 'drift.baselineUri');
      stack._driftRole = this.irsaRole(stack, 'DriftRole', `Drift job of ${endpointName}`, sa.drift, [
        ...this.s3Statements(stack, capture, ['s3:GetObject']),
        ...(baseline ? [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${baseline.bucketArn}/${baseline.prefix}`] })] : []),
      ]);
    }
    const batch = this.batchRoles(stack, m, endpointName, sa, weights);
    return {
      ...m,
      ...(batch ? { batch } : {}),
      training: { ...m.training, kubernetes: { ...tk, roleArn: tk?.roleArn ?? stack._trainingRole!.roleArn } },
      serving: { ...m.serving, kubernetes: { ...sk, roleArn: sk.roleArn ?? stack._servingRole!.roleArn } },
      drift: {
        ...m.drift,
        kubernetes: {
          ...dk,
          captureUri: dk?.captureUri ?? uriOf(this.captureBucket!, CAPTURE_PREFIX),
          roleArn: dk?.roleArn ?? stack._driftRole!.roleArn,
          captureRoleArn: dk?.captureRoleArn ?? stack._captureRole!.roleArn,
        },
      },
    };
  }

  /**
   * The batch scoring roles (when the spec has batch scoring and gives no role): the batch pods' (reads
   * the inputs and the weights, reads, writes and deletes the scores) and, with `watchDrift`, the batch
   * drift job's (reads the scores and the baseline); the model's batch section with their ARNs.
   */
  private batchRoles(
    stack: EksPlatformModel, m: PlatformModelSpec, endpointName: string, sa: ModelServiceAccounts, weights: iam.PolicyStatement[],
  ): PlatformModelSpec['batch'] {
    const b = m.batch;
    const bk = b?.kubernetes;
    if (b === undefined || bk === undefined || bk.roleArn !== undefined) return b;
    const output = this.placeOfGiven(b.outputUri, stack, 'batch.outputUri');
    // The key the runtime steps write lineage and manifest with (a key ARN: the grant names it), through S3 only.
    const key = (actions: string[]) => (bk.kmsKeyId !== undefined && /^arn:[^:]+:kms:[^:]+:\d{12}:key\//.test(bk.kmsKeyId)
      ? [new iam.PolicyStatement({ actions, resources: [bk.kmsKeyId], conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } } })]
      : []);
    stack._batchRole = this.irsaRole(stack, 'BatchRole', `Batch scoring of ${endpointName}`, sa.batch, [
      ...this.s3Statements(stack, this.placeOfGiven(b.inputUri, stack, 'batch.inputUri'), ['s3:GetObject']),
      // A run writes its own prefix and commits it; a re-run of a date replaces the committed one.
      ...this.s3Statements(stack, output, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']),
      ...key(['kms:Decrypt', 'kms:GenerateDataKey']),
      ...weights,
    ]);
    if (b.watchDrift !== false && bk.driftRoleArn === undefined) {
      const baseline = this.placeOfGiven(m.drift.baselineUri, stack, 'drift.baselineUri');
      stack._batchDriftRole = this.irsaRole(stack, 'BatchDriftRole', `Drift job of the batch scoring of ${endpointName}`, sa.batchDrift, [
        ...this.s3Statements(stack, output, ['s3:GetObject']),
        ...key(['kms:Decrypt']),
        ...(baseline ? [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${baseline.bucketArn}/${baseline.prefix}`] })] : []),
      ]);
    }
    return { ...b, kubernetes: { ...bk, roleArn: stack._batchRole.roleArn, driftRoleArn: bk.driftRoleArn ?? stack._batchDriftRole?.roleArn } };
  }

  /** MLflow's role: reads, writes and deletes its artifacts (the server proxies them for the clients). */
  private mlflowRoleFor(root: S3Place | undefined, sa: ServiceAccountRef): iam.IRole {
    return this.irsaRole(this.sharedScope, 'MlflowRole', `MLflow server of the ${this.platformName} ML platform`, sa,
      this.s3Statements(Stack.of(this.sharedScope), root, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']));
  }

  /**
   * A role assumed only by `sa` (its namespace and name) through the cluster's OIDC provider, for
   * the STS audience (IRSA), with exactly `statements`.
   */
  private irsaRole(scope: Construct, id: string, description: string, sa: ServiceAccountRef, statements: iam.PolicyStatement[]): iam.Role {
    const issuer = this.oidc.openIdConnectProviderIssuer;
    const subject = Lazy.string({ produce: () => `system:serviceaccount:${sa.namespace}:${sa.name()}` });
    const claims = { [`${issuer}:sub`]: subject, [`${issuer}:aud`]: STS_AUDIENCE };
    // A claim's key holds the issuer: when it is a token (an imported provider ARN that is one), CfnJson renders the keys at deployment.
    const conditions = Token.isUnresolved(issuer) ? new CfnJson(scope, `${id}Claims`, { value: claims }) : claims;
    const role = new iam.Role(scope, id, {
      description,
      assumedBy: new iam.OpenIdConnectPrincipal(this.oidc, { StringEquals: conditions }),
      maxSessionDuration: Duration.hours(1),
    });
    for (const statement of statements) {
      role.addToPrincipalPolicy(statement);
      acknowledgeWildcardResources(role, statement.resources, 'Objects under the role\'s own S3 prefix only (a prefix names no fixed set of objects).');
    }
    return role;
  }

  /** `actions` on the objects under `place`, listing under it for a reader, and the key when it is the platform's. */
  private s3Statements(scope: Construct, place: S3Place | undefined, actions: string[]): iam.PolicyStatement[] {
    if (place === undefined) {
      return [];
    }
    const statements = [new iam.PolicyStatement({ actions, resources: [`${place.bucketArn}/${place.prefix}/*`] })];
    if (actions.includes('s3:GetObject')) {
      // A reader lists what is under the prefix (a writer only puts).
      statements.push(new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [place.bucketArn],
        conditions: { StringLike: { 's3:prefix': [place.prefix, `${place.prefix}/*`] } },
      }));
    }
    if (place.key !== undefined) {
      const writes = actions.includes('s3:PutObject');
      statements.push(new iam.PolicyStatement({
        actions: writes ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
        resources: [place.key.keyArn],
        // Only through S3, for objects of this bucket (S3 passes the bucket's ARN as the encryption context with a bucket key).
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${Stack.of(scope).region}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': place.bucketArn },
        },
      }));
    }
    return statements;
  }

  /** The given URI's place, or `prefix` in the platform's bucket. */
  private placeOf(given: string | undefined, bucket: s3.IBucket | undefined, prefix: string, what: string): S3Place | undefined {
    if (given !== undefined) {
      return this.placeOfGiven(given, this, what);
    }
    return { bucketArn: bucket!.bucketArn, prefix, key: this.encryptionKey };
  }

  /** The place of a URI of the spec; undefined (with a warning) when it is a token the construct cannot scope a policy to. */
  private placeOfGiven(uri: string, scope: Construct, what: string): S3Place | undefined {
    const match = Token.isUnresolved(uri) ? null : /^s3:\/\/([^/]+)\/?(.*?)\/*$/.exec(uri);
    if (!match) {
      addWarning(scope, 'cdk-mlops:eksPlatformUnscopedUri', `${what} is a deploy-time value: the role EksMlPlatform creates gets no access to it (give the role yourself, or grant it)`);
      return undefined;
    }
    return { bucketArn: `arn:${Stack.of(scope).partition}:s3:::${match[1]}`, prefix: match[2] };
  }

  private bucket(id: string, accessLogs: s3.IBucket): s3.Bucket {
    return new s3.Bucket(this.sharedScope, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: `${id.toLowerCase()}/`,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
  }

  /**
   * The role of ESO's SecretStore: GetSecretValue and DescribeSecret on the one secret (what ESO's
   * AWS Secrets Manager provider calls), kms:Decrypt on its key (when the secret names one) through
   * Secrets Manager only. Stated here rather than by `grantRead`, which puts the decrypt grant of a
   * key into the key's policy, or nowhere for an imported key.
   */
  private secretStoreRoleFor(secret: secretsmanager.ISecret, sa: ServiceAccountRef): iam.Role {
    const role = this.irsaRole(this.sharedScope, 'MlflowSecretStoreRole',
      `External Secrets Operator's SecretStore of the ${this.platformName} ML platform's MLflow backend store URI`, sa, []);
    // A secret imported by name has no full ARN: Secrets Manager adds six random characters to the name.
    const resource = secret.secretFullArn ?? `${secret.secretArn}-??????`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [resource] }));
    acknowledgeWildcardResources(role, [resource], 'The one secret imported by name: Secrets Manager suffixes its ARN with six random characters.');
    if (secret.encryptionKey !== undefined) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [secret.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${secret.env.region}.amazonaws.com` } },
      }));
    }
    return role;
  }

  /** MLflow's backend store URI secret when none is given: a placeholder the operator replaces with the database's URI. */
  private backendSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this.sharedScope, 'MlflowBackendSecret', {
      description: `MLflow backend store URI of the ${this.platformName} ML platform on EKS (e.g. postgresql://user:password@host:5432/mlflow); `
        + 'created with a random placeholder: put the URI before MLflow can start',
      encryptionKey: this.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeNag(secret, [{
      rule: 'AwsSolutions-SMG4',
      reason: 'The value is the database\'s URI, set by its operator: rotating it is rotating the database\'s credentials, done with the database.',
    }]);
    return secret;
  }

}

/** `s3://<bucket>/<prefix>` in a bucket the platform created. */
function uriOf(bucket: s3.IBucket, prefix: string): string {
  return `s3://${bucket.bucketName}/${prefix}`;
}

/** The place `sub` under `place`. */
function under(place: S3Place | undefined, sub: string): S3Place | undefined {
  return place === undefined ? undefined : { ...place, prefix: place.prefix === '' ? sub : `${place.prefix}/${sub}` };
}

/** A ServiceAccount a role trusts, named once the chart is rendered. */
class ServiceAccountRef {
  private produce?: () => string;
  constructor(public readonly namespace: string) {}
  public bind(produce: () => string): void {
    this.produce = produce;
  }
  public name(): string {
    return this.produce!();
  }
}

/** The ServiceAccounts of a model's roles, named by its constructs. */
class ModelServiceAccounts {
  public readonly training: ServiceAccountRef;
  public readonly serving: ServiceAccountRef;
  public readonly drift: ServiceAccountRef;
  public readonly capture: ServiceAccountRef;
  public readonly batch: ServiceAccountRef;
  public readonly batchDrift: ServiceAccountRef;
  constructor(namespace: string) {
    this.training = new ServiceAccountRef(namespace);
    this.serving = new ServiceAccountRef(namespace);
    this.drift = new ServiceAccountRef(namespace);
    this.capture = new ServiceAccountRef(namespace);
    this.batch = new ServiceAccountRef(namespace);
    this.batchDrift = new ServiceAccountRef(namespace);
  }
  public bind(model: KubernetesPlatformModel): void {
    this.training.bind(() => model.pipeline.serviceAccountName);
    this.serving.bind(() => model.endpoint.serviceAccount.name);
    this.drift.bind(() => model.drift.serviceAccount.name);
    this.capture.bind(() => model._capture.serviceAccount.name);
    this.batch.bind(() => model.batch!.serviceAccount.name);
    this.batchDrift.bind(() => model.batchDrift!.serviceAccount.name);
  }
}

/** The cluster's OIDC provider; undefined when it was imported without one (the schema says so). */
function openIdConnectProviderOf(cluster: eks.ICluster): iam.IOpenIdConnectProvider | undefined {
  try {
    return cluster.openIdConnectProvider;
  } catch {
    return undefined;
  }
}

/** What the schema judges of the cluster. */
function clusterFactsOf(cluster: eks.ICluster, oidc: iam.IOpenIdConnectProvider | undefined) {
  return {
    clusterName: cluster.clusterName,
    kubectlProvider: cluster.kubectlProvider !== undefined,
    kubectlRole: cluster.kubectlRole !== undefined,
    kubectlLayer: cluster.kubectlLayer !== undefined,
    openIdConnectProvider: oidc !== undefined,
  };
}

/** The stack's Region when it is known at synthesis (the cost estimate's prices), else undefined. */
function concreteRegion(stack: Stack): string | undefined {
  return Token.isUnresolved(stack.region) ? undefined : stack.region;
}
