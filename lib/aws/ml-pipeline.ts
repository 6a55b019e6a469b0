import { ArnFormat, CfnResource, Duration, Fn, IResource, Lazy, Names, Resource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IConstruct } from 'constructs';
import { IModelRegistry } from './model-registry';
import { secondsOf } from '../core/duration';
import { Lineage } from '../core/lineage';
import {
  DATA_INPUT,
  EVALUATION_OUTPUT,
  GateComparison,
  PipelineSpec,
  PipelineStep,
  StepKind,
  topologicalOrder,
  DEFAULT_REPORT_FILE,
  DEFAULT_STEP_MAX_RUNTIME_SECONDS,
  DEFAULT_STEP_VOLUME_GIB,
  plainPipelineSpec,
  plainStep,
} from '../core/pipeline';
import { SAGEMAKER_EXECUTION_VARIABLES } from '../core/sagemaker-limits';
import { hasInstanceStorage } from './private/instance-storage';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './private/nag';
import { synthProblems, validateProps } from './private/validate';
import {
  awsPipelineSchema,
  awsPipelineStepSchema,
  DATA_SNAPSHOT_EVENT_PATH,
  DATA_SNAPSHOT_MANUAL,
  DATA_SNAPSHOT_PARAMETER,
} from '../core/schemas/aws-pipeline';

/** A SageMaker pipeline that can be started by events and grants: one made here or an existing one. */
export interface IMlPipeline extends IResource {
  /**
   * Pipeline name.
   * @attribute
   */
  readonly pipelineName: string;

  /**
   * Pipeline ARN.
   * @attribute
   */
  readonly pipelineArn: string;

  /**
   * An EventBridge target that starts a run, with the role EventBridge assumes to start it (one per
   * pipeline): `drift.onSustainedDrift('RetrainOnDrift', { target: pipeline.startTarget() })`, or
   * `rule.addTarget(pipeline.startTarget())` for any other `events.Rule`. A pipeline made by an
   * `MlPipeline` receives the event's time as its `DataSnapshot` parameter, so the run never reuses a
   * cached result of an earlier run and registers `<DataVersion>@<event time>` as its dataset version.
   */
  startTarget(): events.IRuleTarget;

  /** Grant starting runs of the pipeline. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;
}

/** How to refer to an existing pipeline (`MlPipeline.fromMlPipelineAttributes`). */
export interface MlPipelineAttributes {
  /** Name of the pipeline, in the stack's account and region. */
  readonly pipelineName: string;
  /**
   * The pipeline declares the `DataSnapshot` parameter (it was made by an `MlPipeline`): rules starting
   * it pass their event's time in it, so a rule-started run never reuses an earlier run's cached results.
   * @default false - rules pass no parameters (SageMaker refuses parameters a pipeline does not declare)
   */
  readonly declaresDataSnapshot?: boolean;
}

abstract class MlPipelineBase extends Resource implements IMlPipeline {
  public abstract readonly pipelineName: string;
  public abstract readonly pipelineArn: string;
  /** Whether the pipeline declares `DataSnapshot` (rule targets then pass the event's time in it). */
  protected abstract readonly declaresDataSnapshot: boolean;
  private eventsRole?: iam.Role;

  public startTarget(): events.IRuleTarget {
    const arn = this.pipelineArn;
    const role = this.startRole();
    const snapshot = this.declaresDataSnapshot;
    return {
      bind: (rule, id) => {
        if (snapshot) {
          passDataSnapshot(rule, id);
        }
        return { arn, role };
      },
    };
  }

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StartPipelineExecution'], resourceArns: [this.pipelineArn] });
  }

  /** The role EventBridge assumes to start runs: one per pipeline, made on first use. */
  protected startRole(): iam.IRole {
    if (!this.eventsRole) {
      this.eventsRole = new iam.Role(this, 'StartRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
        description: `Lets EventBridge start the ${this.pipelineName} pipeline`,
      });
      this.eventsRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution'], resources: [this.pipelineArn] }));
    }
    return this.eventsRole;
  }
}

/**
 * Make the rule pass the time of its event as the run's `DataSnapshot` (aws-cdk-lib's target config has
 * no SageMaker pipeline parameters, so they are set on the rule's target `Target<n>` directly).
 */
function passDataSnapshot(rule: IConstruct, id: string | undefined): void {
  const cfn = rule.node.defaultChild;
  const index = /^Target(\d+)$/.exec(id ?? '');
  if (!CfnResource.isCfnResource(cfn) || cfn.cfnResourceType !== 'AWS::Events::Rule' || !index) {
    throw new Error(`${rule.node.path}: cannot pass the run's ${DATA_SNAPSHOT_PARAMETER} to the pipeline (add startTarget() to an events.Rule)`);
  }
  cfn.addPropertyOverride(`Targets.${index[1]}.SageMakerPipelineParameters`, {
    PipelineParameterList: [{ Name: DATA_SNAPSHOT_PARAMETER, Value: DATA_SNAPSHOT_EVENT_PATH }],
  });
}

/** Properties of an `MlPipeline`. */
export interface MlPipelineProps {
  /** The steps, the gate and the inference image. */
  readonly spec: PipelineSpec;
  /** Where approved-pending models are registered (model package group). */
  readonly registry: IModelRegistry;
  /** Git commit of the training code deployed with this pipeline (recorded on every model). */
  readonly codeCommit: string;
  /**
   * Data version used when a run does not pass `DataVersion` (scheduled and drift-triggered runs), at
   * most 179 characters: a rule-started run registers `<defaultDataVersion>@<event time>` as the dataset
   * version of its model, since the data under `defaultInputDataUri` changes between runs.
   */
  readonly defaultDataVersion: string;
  /** Feature-set version used when a run does not pass `FeatureSetVersion`. */
  readonly defaultFeatureSetVersion: string;
  /** `s3://` input data used when a run does not pass `InputDataUri`. */
  readonly defaultInputDataUri: string;
  /**
   * Bucket readable by the pipeline for its input data.
   * @default - the registry's artifact bucket only
   */
  readonly inputDataBucket?: s3.IBucket;
  /**
   * Pipeline name.
   * @default - derived from the construct path
   */
  readonly pipelineName?: string;
  /**
   * Bucket for step outputs.
   * @default - the registry's artifact bucket
   */
  readonly artifactBucket?: s3.IBucket;
  /**
   * Key prefix of step outputs in the bucket.
   * @default 'pipelines/<pipeline name>'
   */
  readonly artifactPrefix?: string;
  /**
   * KMS key for volumes and outputs.
   * @default - the registry's artifact key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Reuse a step's results when its inputs and arguments are unchanged (SageMaker compares the
   * arguments, S3 URIs included, not the data behind them). Runs started by rules (`schedule`,
   * `startTarget()`) always run every step: they pass the event's time as `DataSnapshot`, which every
   * job receives; a run started by hand reuses results only with the same `DataVersion`, `InputDataUri`
   * and `DataSnapshot` as an earlier one.
   * @default true
   */
  readonly caching?: boolean;
  /**
   * How long cached step results are reused (SageMaker `CacheConfig.ExpireAfter`): 1 hour to 3650 days.
   * @default Duration.days(30)
   */
  readonly cacheExpireAfter?: Duration;
  /**
   * Retries of a step on capacity and internal errors.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * VPC the processing and training jobs run in.
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` for the jobs (1-16).
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the jobs in `vpc` (1-5).
   * @default - one group allowing HTTPS out only (S3, ECR and CloudWatch, or their VPC endpoints)
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Run on a schedule (e.g. `events.Schedule.cron({ weekDay: 'SUN', hour: '3', minute: '0' })`).
   * @default - no schedule
   */
  readonly schedule?: events.Schedule;
  /**
   * Execution role of the pipeline and its jobs, assumable by `sagemaker.amazonaws.com`; the
   * pipeline adds exactly what its jobs need to its policy.
   * @default - a role made for the pipeline
   */
  readonly role?: iam.IRole;
}

/** Parameter names of every run. */
const P = {
  input: 'InputDataUri',
  dataVersion: 'DataVersion',
  dataSnapshot: DATA_SNAPSHOT_PARAMETER,
  codeCommit: 'CodeCommit',
  featureSetVersion: 'FeatureSetVersion',
  production: 'ProductionMetric',
} as const;

const CONDITION: Record<GateComparison, string> = {
  [GateComparison.GREATER_THAN_OR_EQUAL]: 'GreaterThanOrEqualTo',
  [GateComparison.GREATER_THAN]: 'GreaterThan',
  [GateComparison.LESS_THAN_OR_EQUAL]: 'LessThanOrEqualTo',
  [GateComparison.LESS_THAN]: 'LessThan',
};

const DEFAULT_CACHE_EXPIRE_AFTER = Duration.days(30);
const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_INSTANCE_TYPE = 'ml.m5.xlarge';

const get = (path: string) => ({ Get: path });

/** A pipeline step's input channel name (`prep.train` → `prep-train`). */
const channel = (input: string) => input.replace('.', '-');

/** `sagemaker:*` job actions of the pipeline's own processing and training jobs. */
const JOB_ACTIONS = [
  'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob',
  'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags',
];

/** What jobs in a VPC need to attach network interfaces (SageMaker developer guide, "Give SageMaker access to resources in your VPC"). */
const VPC_ACTIONS = [
  'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
  'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions',
];

/** The ECR repository of an image in a private registry, or undefined (public images need no grant). */
function ecrRepository(image: string): { account: string; region: string; name: string } | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)/.exec(image);
  return m ? { account: m[1], region: m[2], name: m[3] } : undefined;
}

/**
 * A SageMaker Pipeline that trains reproducibly and never registers a model that fails its gate:
 * processing and training steps from the spec (and `addStep`), an evaluation report read through a
 * property file, a condition step (threshold, and optionally the production model's metric), and
 * registration into the `ModelRegistry` as `PendingManualApproval` with the lineage contract and the
 * evaluation report as model metrics. Least-privilege execution role, caching, retries, KMS,
 * optional VPC, schedule, and `startTarget()` so drift can trigger retraining
 * (`drift.onSustainedDrift('RetrainOnDrift', { target: pipeline.startTarget() })`).
 *
 * @resource AWS::SageMaker::Pipeline
 */
export class MlPipeline extends MlPipelineBase {
  /**
   * An existing pipeline (made elsewhere, or by another stack), to start on events and to grant
   * starting: `MlPipeline.fromMlPipelineAttributes(this, 'Training', { pipelineName: 'fraud-training' })`.
   */
  public static fromMlPipelineAttributes(scope: Construct, id: string, attrs: MlPipelineAttributes): IMlPipeline {
    class Import extends MlPipelineBase {
      public readonly pipelineName = attrs.pipelineName;
      protected readonly declaresDataSnapshot = attrs.declaresDataSnapshot ?? false;
      public readonly pipelineArn = Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: attrs.pipelineName.toLowerCase() });
    }
    return new Import(scope, id);
  }

  /** Pipeline name. */
  public readonly pipelineName: string;
  /** Pipeline ARN. */
  public readonly pipelineArn: string;
  /** Execution role of the pipeline and its jobs (`role`, or the one made for the pipeline). */
  public readonly role: iam.IRole;
  protected readonly declaresDataSnapshot = true;
  private readonly props: MlPipelineProps;
  /** The props as validated (plain values), re-validated with the steps added at synthesis. */
  private readonly validated: Record<string, unknown>;
  private readonly steps: PipelineStep[];
  private readonly bucket: s3.IBucket;
  private readonly prefix: string;
  private readonly key?: kms.IKey;
  private readonly pulledRepositories = new Set<string>();
  private readonly vpcConfig?: { readonly Subnets: string[]; readonly SecurityGroupIds: string[] };

  constructor(scope: Construct, id: string, props: MlPipelineProps) {
    super(scope, id);
    this.validated = { ...props, spec: plainPipelineSpec(props.spec), cacheExpireAfter: secondsOf(props.cacheExpireAfter) };
    validateProps(this, awsPipelineSchema, this.validated);
    this.props = props;
    this.steps = [...props.spec.steps];
    this.pipelineName = props.pipelineName ?? Names.uniqueResourceName(this, { maxLength: 80, separator: '-' }).toLowerCase();
    this.pipelineArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: this.pipelineName.toLowerCase() });
    // The schema refuses a registry without an artifact bucket when none is given.
    this.bucket = (props.artifactBucket ?? props.registry.artifactBucket)!;
    this.key = props.encryptionKey ?? props.registry.artifactKey;
    this.prefix = (props.artifactPrefix ?? `pipelines/${this.pipelineName}`).replace(/^\/+|\/+$/g, '');

    this.role = props.role ?? new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the ${this.pipelineName} pipeline and its jobs`,
    });
    this.vpcConfig = this.configureVpc();
    this.grantExecution();
    this.createPipeline();
    if (props.schedule) {
      new events.Rule(this, 'Schedule', { schedule: props.schedule, description: `Scheduled run of ${this.pipelineName}`, targets: [this.startTarget()] });
    }
    this.node.addValidation({ validate: () => this.validateSteps() });
  }

  /** The pipeline definition (with tokens), as rendered into `PipelineDefinitionBody` (steps added so far included). */
  public get definition(): Record<string, any> {
    return this.renderDefinition();
  }

  /**
   * Add a step after construction, e.g. a bias report reading `train.model`. It is checked like the
   * steps of the spec: alone now, and with the others (unique names, inputs produced upstream, no
   * cycle, one training step) at synthesis.
   */
  public addStep(step: PipelineStep): void {
    validateProps(this, awsPipelineStepSchema, { step: plainStep(step) });
    this.steps.push(step);
    this.grantImagePull([step.image]);
  }

  private createPipeline(): void {
    const stack = Stack.of(this);
    const pipeline = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: this.pipelineName,
      pipelineDisplayName: this.pipelineName.slice(0, 82),
      pipelineDescription: 'validate → preprocess → train → evaluate → gate → register (cdk-mlops)',
      roleArn: this.role.roleArn,
      pipelineDefinition: { PipelineDefinitionBody: Lazy.string({ produce: () => stack.toJsonString(this.renderDefinition()) }) },
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      pipeline.node.addDependency(policy);
    }
  }

  /** The spec with every step added, against the same schema as the props. */
  private validateSteps(): string[] {
    const current = { ...this.validated, spec: plainPipelineSpec(this.props.spec, this.steps) };
    return synthProblems(this, awsPipelineSchema, current);
  }

  private renderDefinition(): Record<string, any> {
    const spec = this.props.spec;
    return {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [
        { Name: P.input, Type: 'String', DefaultValue: this.props.defaultInputDataUri },
        { Name: P.dataVersion, Type: 'String', DefaultValue: this.props.defaultDataVersion },
        // When the run's data was taken: rules pass their event's time, a run by hand names its data by DataVersion.
        { Name: P.dataSnapshot, Type: 'String', DefaultValue: DATA_SNAPSHOT_MANUAL },
        { Name: P.codeCommit, Type: 'String', DefaultValue: this.props.codeCommit },
        { Name: P.featureSetVersion, Type: 'String', DefaultValue: this.props.defaultFeatureSetVersion },
        { Name: P.production, Type: 'Float', DefaultValue: spec.gate.threshold },
      ],
      Steps: [...topologicalOrder(this.steps).map((s) => this.renderStep(s)), this.renderGate()],
    };
  }

  private renderStep(s: PipelineStep): Record<string, any> {
    const head = { Name: s.name, Type: s.kind === StepKind.TRAINING ? 'Training' : 'Processing', ...this.renderCache(), ...this.renderRetries() };
    if (s.kind === StepKind.TRAINING) {
      return { ...head, Arguments: this.renderTrainingArguments(s) };
    }
    return {
      ...head,
      Arguments: this.renderProcessingArguments(s),
      ...(s.name === this.props.spec.gate.evaluationStep
        ? { PropertyFiles: [{ PropertyFileName: 'EvaluationReport', OutputName: EVALUATION_OUTPUT, FilePath: this.reportFile }] }
        : {}),
    };
  }

  private renderTrainingArguments(s: PipelineStep): Record<string, any> {
    return {
      AlgorithmSpecification: {
        TrainingImage: s.image,
        TrainingInputMode: 'File',
        ...(s.command ? { ContainerEntrypoint: s.command } : {}),
        ...(s.args ? { ContainerArguments: s.args } : {}),
      },
      InputDataConfig: (s.inputs ?? []).map((i) => ({
        ChannelName: channel(i),
        DataSource: { S3DataSource: { S3Uri: this.renderInputUri(i), S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated' } },
      })),
      OutputDataConfig: { S3OutputPath: `${this.outputRoot}/models`, ...(this.key ? { KmsKeyId: this.key.keyArn } : {}) },
      ResourceConfig: this.renderCluster(s),
      RoleArn: this.role.roleArn,
      StoppingCondition: { MaxRuntimeInSeconds: s.maxRuntime?.toSeconds() ?? DEFAULT_STEP_MAX_RUNTIME_SECONDS },
      Environment: this.renderEnvironment(s),
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      ...(this.renderVpc() ?? {}),
    };
  }

  private renderProcessingArguments(s: PipelineStep): Record<string, any> {
    return {
      ProcessingResources: { ClusterConfig: this.renderCluster(s) },
      AppSpecification: {
        ImageUri: s.image,
        ...(s.command ? { ContainerEntrypoint: s.command } : {}),
        ...(s.args ? { ContainerArguments: s.args } : {}),
      },
      RoleArn: this.role.roleArn,
      ProcessingInputs: (s.inputs ?? []).map((i) => ({
        InputName: channel(i),
        S3Input: { S3Uri: this.renderInputUri(i), LocalPath: `/opt/ml/processing/input/${channel(i)}`, S3DataType: 'S3Prefix', S3InputMode: 'File' },
      })),
      ProcessingOutputConfig: {
        Outputs: (s.outputs ?? []).map((o) => ({
          OutputName: o,
          S3Output: { S3Uri: this.renderOutputUri(s.name, o), LocalPath: `/opt/ml/processing/output/${o}`, S3UploadMode: 'EndOfJob' },
        })),
        ...(this.key ? { KmsKeyId: this.key.keyArn } : {}),
      },
      StoppingCondition: { MaxRuntimeInSeconds: s.maxRuntime?.toSeconds() ?? DEFAULT_STEP_MAX_RUNTIME_SECONDS },
      Environment: this.renderEnvironment(s),
      NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true, ...(this.renderVpc() ?? {}) },
    };
  }

  /** The step's own variables, then the lineage of the run (which the step cannot override). */
  private renderEnvironment(s: PipelineStep): Record<string, unknown> {
    return {
      ...(s.environment ?? {}),
      DATA_VERSION: get(`Parameters.${P.dataVersion}`),
      // In every job's Environment, a cache-key attribute: a new snapshot reruns every step.
      DATA_SNAPSHOT: get(`Parameters.${P.dataSnapshot}`),
      CODE_COMMIT: get(`Parameters.${P.codeCommit}`),
      FEATURE_SET_VERSION: get(`Parameters.${P.featureSetVersion}`),
    };
  }

  private renderCluster(s: PipelineStep): Record<string, unknown> {
    const instanceType = s.instanceType ?? DEFAULT_INSTANCE_TYPE;
    return {
      InstanceType: instanceType,
      InstanceCount: s.instanceCount ?? 1,
      VolumeSizeInGB: s.volumeSizeGiB ?? DEFAULT_STEP_VOLUME_GIB,
      ...(this.key && !hasInstanceStorage(instanceType) ? { VolumeKmsKeyId: this.key.keyArn } : {}),
    };
  }

  private renderCache(): Record<string, unknown> {
    const expireAfter = this.props.cacheExpireAfter ?? DEFAULT_CACHE_EXPIRE_AFTER;
    return (this.props.caching ?? true) ? { CacheConfig: { Enabled: true, ExpireAfter: expireAfter.toIsoString() } } : {};
  }

  private renderRetries(): Record<string, unknown> {
    const attempts = this.props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    if (attempts === 0) {
      return {};
    }
    // ExceptionType is a list (SageMaker developer guide, "Retry Policy for Pipeline Steps").
    return {
      RetryPolicies: [
        { ExceptionType: ['SageMaker.CAPACITY_ERROR', 'SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: attempts },
        { ExceptionType: ['Step.THROTTLING', 'Step.SERVICE_FAULT'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: attempts },
      ],
    };
  }

  private renderVpc(): Record<string, unknown> | undefined {
    return this.vpcConfig ? { VpcConfig: this.vpcConfig } : undefined;
  }

  /** The jobs' VPC config: the given subnets and groups, or a group allowing HTTPS out only. */
  private configureVpc(): { Subnets: string[]; SecurityGroupIds: string[] } | undefined {
    const vpc = this.props.vpc;
    if (!vpc) {
      return undefined;
    }
    let groups = this.props.securityGroups;
    if (!groups) {
      const group = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: `Jobs of the ${this.pipelineName} pipeline`, allowAllOutbound: false });
      group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR and CloudWatch (or their VPC endpoints)');
      groups = [group];
    }
    return { Subnets: vpc.selectSubnets(this.props.vpcSubnets).subnetIds, SecurityGroupIds: groups.map((g) => g.securityGroupId) };
  }

  private renderInputUri(input: string): unknown {
    if (input === DATA_INPUT) {
      return get(`Parameters.${P.input}`);
    }
    const [from, output] = input.split('.');
    const producer = this.steps.find((s) => s.name === from);
    return producer?.kind === StepKind.TRAINING
      ? get(`Steps.${from}.ModelArtifacts.S3ModelArtifacts`)
      : get(`Steps.${from}.ProcessingOutputConfig.Outputs['${output}'].S3Output.S3Uri`);
  }

  private renderOutputUri(step: string, output: string): unknown {
    // The execution's id: `Execution.PipelineExecutionId` (SageMaker Python SDK, workflow/execution_variables.py;
    // `Execution.ExecutionId` is no execution variable).
    return { 'Std:Join': { On: '/', Values: [this.outputRoot, get(`Execution.${SAGEMAKER_EXECUTION_VARIABLES.PIPELINE_EXECUTION_ID}`), step, output] } };
  }

  private get outputRoot(): string {
    return `s3://${this.bucket.bucketName}/${this.prefix}`;
  }

  private get reportFile(): string {
    return this.props.spec.gate.reportFile ?? DEFAULT_REPORT_FILE;
  }

  /** The condition step: registration when the metric passes, a failure otherwise. */
  private renderGate(): Record<string, any> {
    const gate = this.props.spec.gate;
    const metric = { 'Std:JsonGet': { PropertyFile: get(`Steps.${gate.evaluationStep}.PropertyFiles.EvaluationReport`), Path: gate.metric } };
    const conditions: Array<Record<string, unknown>> = [{ Type: CONDITION[gate.comparison], LeftValue: metric, RightValue: gate.threshold }];
    if (gate.compareToProduction) {
      // "At least as good as production", whatever the gate's strictness (the same rule as on Argo).
      const atLeast = [GateComparison.GREATER_THAN, GateComparison.GREATER_THAN_OR_EQUAL].includes(gate.comparison)
        ? 'GreaterThanOrEqualTo'
        : 'LessThanOrEqualTo';
      conditions.push({ Type: atLeast, LeftValue: metric, RightValue: get(`Parameters.${P.production}`) });
    }
    const fail = {
      Name: 'GateFailed',
      Type: 'Fail',
      Arguments: { ErrorMessage: `${gate.metric} did not pass the gate (${gate.comparison} ${gate.threshold}${gate.compareToProduction ? ' and the production model' : ''}); nothing registered` },
    };
    return {
      Name: 'Gate',
      Type: 'Condition',
      Arguments: { Conditions: conditions, IfSteps: [this.renderRegister()], ElseSteps: [fail] },
    };
  }

  private renderRegister(): Record<string, any> {
    const spec = this.props.spec;
    const training = this.steps.find((s) => s.kind === StepKind.TRAINING)!;
    const reportUri = {
      'Std:Join': { On: '/', Values: [get(`Steps.${spec.gate.evaluationStep}.ProcessingOutputConfig.Outputs['${EVALUATION_OUTPUT}'].S3Output.S3Uri`), this.reportFile] },
    };
    return {
      Name: 'Register',
      Type: 'RegisterModel',
      Arguments: {
        ModelPackageGroupName: this.props.registry.modelPackageGroupName,
        // Not a run parameter: no run can register a model as Approved without a human.
        ModelApprovalStatus: 'PendingManualApproval',
        ModelPackageDescription: `Trained by ${this.pipelineName}`,
        InferenceSpecification: {
          Containers: [{ Image: spec.inferenceImage, ModelDataUrl: get(`Steps.${training.name}.ModelArtifacts.S3ModelArtifacts`) }],
          SupportedContentTypes: ['application/json', 'text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: reportUri } } },
        CustomerMetadataProperties: {
          // The data of this run: its version and when it was taken (`tx@latest@2026-11-29T03:00:00Z`).
          [Lineage.DATASET_VERSION_KEY]: { 'Std:Join': { On: '@', Values: [get(`Parameters.${P.dataVersion}`), get(`Parameters.${P.dataSnapshot}`)] } },
          [Lineage.CODE_COMMIT_KEY]: get(`Parameters.${P.codeCommit}`),
          [Lineage.FEATURE_SET_VERSION_KEY]: get(`Parameters.${P.featureSetVersion}`),
          [Lineage.EVALUATION_REPORT_KEY]: reportUri,
        },
      },
    };
  }

  /** Exactly what the jobs need: their own job ARNs, pass-role to SageMaker, data, key, images, logs, registration. */
  private grantExecution(): void {
    const stack = Stack.of(this);
    this.allow(JOB_ACTIONS, ['processing-job', 'training-job'].map((r) =>
      stack.formatArn({ service: 'sagemaker', resource: r, resourceName: 'pipelines-*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    ), 'SageMaker Pipelines names its jobs pipelines-<execution id>-<step>-<suffix> at run time.');
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    this.grantData();
    // Jobs in a VPC attach network interfaces; these EC2 actions have no resource-level permissions for SageMaker's use.
    if (this.vpcConfig) {
      this.allow(VPC_ACTIONS, ['*'], INHERENT_WILDCARD.VPC_NETWORK_INTERFACES);
    }
    if (this.key) {
      this.allow(['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:CreateGrant'], [this.key.keyArn]);
    }
    this.grantImagePull(this.steps.map((s) => s.image));
    this.allow(
      ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      ['ProcessingJobs', 'TrainingJobs'].map((g) =>
        stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/${g}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ),
      'Jobs write to log streams named after the job name SageMaker Pipelines gives them at run time.',
    );
    this.props.registry.grantRegister(this.role);
  }

  /** Step outputs under the prefix; the default input data (scheduled and drift-triggered runs); the input bucket. */
  private grantData(): void {
    const stack = Stack.of(this);
    this.allow(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], [this.bucket.arnForObjects(`${this.prefix}/*`)],
      'Steps write their outputs under per-execution keys below the pipeline\'s prefix, named at run time.');
    this.allow(['s3:ListBucket', 's3:GetBucketLocation'], [this.bucket.bucketArn]);
    const { bucket, objects } = s3Location(this.props.defaultInputDataUri);
    this.allow(['s3:GetObject'], [stack.formatArn({ service: 's3', region: '', account: '', resource: objects })],
      'Scheduled and drift-started runs read every object of the default input data prefix.');
    this.allow(['s3:ListBucket'], [stack.formatArn({ service: 's3', region: '', account: '', resource: bucket })]);
    const input = this.props.inputDataBucket;
    if (input) {
      this.allow(['s3:GetObject'], [input.arnForObjects('*')], 'inputDataBucket holds the runs\' input data: each run names its prefix at start (the InputDataUri parameter).');
      this.allow(['s3:ListBucket'], [input.bucketArn]);
      if (input.encryptionKey) {
        this.allow(['kms:Decrypt'], [input.encryptionKey.keyArn]);
      }
    }
  }

  /** Pulling the images of private ECR repositories not granted yet (steps of the spec, then added ones). */
  private grantImagePull(images: string[]): void {
    const stack = Stack.of(this);
    const first = this.pulledRepositories.size === 0;
    const repos = new Set<string>();
    for (const image of images) {
      const repo = ecrRepository(image);
      const arn = repo && stack.formatArn({ service: 'ecr', account: repo.account, region: repo.region, resource: 'repository', resourceName: repo.name });
      if (arn && !this.pulledRepositories.has(arn)) {
        repos.add(arn);
        this.pulledRepositories.add(arn);
      }
    }
    if (repos.size === 0) {
      return;
    }
    this.allow(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], [...repos].sort());
    if (first) {
      // GetAuthorizationToken has no resource-level permissions; the statement above limits what can be pulled.
      this.allow(['ecr:GetAuthorizationToken'], ['*'], INHERENT_WILDCARD.ECR_TOKEN);
    }
  }

  /** Add a statement; `inherent` is why its wildcard resources are needed (acknowledged for cdk-nag). */
  private allow(actions: string[], resources: string[], inherent?: string): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    if (inherent !== undefined) {
      acknowledgeWildcardResources(this.role, resources, inherent);
    }
  }
}

/**
 * The bucket and the object pattern (`bucket/prefix/*`) of an `s3://` URI; of a deploy-time URI,
 * cut with CloudFormation functions (then `s3://data/fraud` also covers `data/fraud-other/…`).
 */
function s3Location(uri: string): { bucket: string; objects: string } {
  if (Token.isUnresolved(uri)) {
    const path = Fn.select(1, Fn.split('s3://', uri));
    return { bucket: Fn.select(0, Fn.split('/', path)), objects: `${path}*` };
  }
  const loc = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri)!;
  const prefix = loc[2].replace(/\/+$/, '');
  return { bucket: loc[1], objects: `${loc[1]}/${prefix ? `${prefix}/` : ''}*` };
}
