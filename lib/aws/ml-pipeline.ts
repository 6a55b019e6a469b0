import { ArnFormat, IResource, Names, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { IModelRegistry } from './model-registry';
import { MlopsValidationError } from '../core/errors';
import { Lineage } from '../core/lineage';
import {
  DATA_INPUT,
  EVALUATION_OUTPUT,
  GateComparison,
  PipelineSpec,
  PipelineStep,
  StepKind,
  topologicalOrder,
} from '../core/pipeline';
import { hasInstanceStorage } from './private/instance-storage';
import { validateProps } from './private/validate';
import { awsPipelineSchema } from '../core/schemas/aws-pipeline';

/** A SageMaker pipeline that can be started by events, alarms and grants: one made here or an existing one. */
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

  /** Start a run whenever `rule` matches (e.g. a drift monitor's sustained-drift rule). */
  startOnEvent(rule: events.Rule): void;

  /** Start a run whenever `alarm` goes into ALARM (e.g. sustained drift). */
  startOnAlarm(id: string, alarm: cloudwatch.IAlarm): events.Rule;

  /** Grant starting runs of the pipeline. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;
}

/** How to refer to an existing pipeline (`MlPipeline.fromMlPipelineAttributes`). */
export interface MlPipelineAttributes {
  /** Name of the pipeline, in the stack's account and region. */
  readonly pipelineName: string;
}

abstract class MlPipelineBase extends Resource implements IMlPipeline {
  public abstract readonly pipelineName: string;
  public abstract readonly pipelineArn: string;

  public startOnEvent(rule: events.Rule): void {
    rule.addTarget(this.target());
  }

  public startOnAlarm(id: string, alarm: cloudwatch.IAlarm): events.Rule {
    return new events.Rule(this, id, {
      description: `Retrain ${this.pipelineName} when ${alarm.alarmName} fires`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [alarm.alarmArn],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [this.target()],
    });
  }

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StartPipelineExecution'], resourceArns: [this.pipelineArn] });
  }

  /** The role EventBridge assumes to start runs (one per pipeline, made on first use for an import). */
  protected abstract startRole(): iam.IRole;

  /** An EventBridge target that starts a run with `startRole`. */
  protected target(): events.IRuleTarget {
    const arn = this.pipelineArn;
    const role = this.startRole();
    return { bind: () => ({ arn, role }) };
  }
}

/** Properties of an `MlPipeline`. */
export interface MlPipelineProps {
  /** The steps, the gate and the inference image. */
  readonly spec: PipelineSpec;
  /** Where approved-pending models are registered (model package group). */
  readonly registry: IModelRegistry;
  /** Git commit of the training code deployed with this pipeline (recorded on every model). */
  readonly codeCommit: string;
  /** Data version used when a run does not pass `DataVersion` (scheduled and drift-triggered runs). */
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
   * Reuse a step's results when its inputs and arguments are unchanged.
   * @default true
   */
  readonly caching?: boolean;
  /**
   * How long cached step results are reused, days.
   * @default 30
   */
  readonly cacheExpireAfterDays?: number;
  /**
   * Retries of a step on capacity and internal errors.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Subnets for the jobs (with `securityGroupIds`).
   * @default - no VPC
   */
  readonly subnetIds?: string[];
  /**
   * Security groups for the jobs (with `subnetIds`).
   * @default - no VPC
   */
  readonly securityGroupIds?: string[];
  /**
   * Run on a schedule (e.g. `events.Schedule.cron({ weekDay: 'SUN', hour: '3', minute: '0' })`).
   * @default - no schedule
   */
  readonly schedule?: events.Schedule;
}

/** Parameter names of every run. */
const P = {
  input: 'InputDataUri',
  dataVersion: 'DataVersion',
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

const get = (path: string) => ({ Get: path });

/**
 * A SageMaker Pipeline that trains reproducibly and never registers a model that fails its gate:
 * processing and training steps from the spec, an evaluation report read through a property file,
 * a condition step (threshold, and optionally the production model's metric), and registration
 * into the `ModelRegistry` as `PendingManualApproval` with the lineage contract and the evaluation
 * report as model metrics. Least-privilege execution role, caching, retries, KMS, optional VPC,
 * schedule, and `startOnEvent` / `startOnAlarm` so drift can trigger retraining.
 *
 * @resource AWS::SageMaker::Pipeline
 */
export class MlPipeline extends MlPipelineBase {
  /**
   * An existing pipeline (made elsewhere, or by another stack), to start on events and alarms and to
   * grant starting: `MlPipeline.fromMlPipelineAttributes(this, 'Training', { pipelineName: 'fraud-training' })`.
   */
  public static fromMlPipelineAttributes(scope: Construct, id: string, attrs: MlPipelineAttributes): IMlPipeline {
    class Import extends MlPipelineBase {
      public readonly pipelineName = attrs.pipelineName;
      public readonly pipelineArn = Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: attrs.pipelineName.toLowerCase() });
      private role?: iam.Role;

      protected startRole(): iam.IRole {
        if (!this.role) {
          this.role = new iam.Role(this, 'StartRole', {
            assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
            description: `Lets EventBridge start the ${this.pipelineName} pipeline`,
          });
          this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution'], resources: [this.pipelineArn] }));
        }
        return this.role;
      }
    }
    return new Import(scope, id);
  }

  /** Pipeline name. */
  public readonly pipelineName: string;
  /** Pipeline ARN. */
  public readonly pipelineArn: string;
  /** Execution role of the pipeline and its jobs. */
  public readonly role: iam.Role;
  /** The pipeline definition (with tokens), as rendered into `PipelineDefinitionBody`. */
  public readonly definition: Record<string, any>;
  private readonly eventsRole: iam.Role;

  constructor(scope: Construct, id: string, props: MlPipelineProps) {
    super(scope, id);
    validateProps(this, awsPipelineSchema, {
      spec: props.spec,
      pipelineName: props.pipelineName,
      codeCommit: props.codeCommit,
      defaultDataVersion: props.defaultDataVersion,
      defaultFeatureSetVersion: props.defaultFeatureSetVersion,
      defaultInputDataUri: props.defaultInputDataUri,
      artifactPrefix: props.artifactPrefix,
      caching: props.caching,
      cacheExpireAfterDays: props.cacheExpireAfterDays,
      retryAttempts: props.retryAttempts,
      subnetIds: props.subnetIds,
      securityGroupIds: props.securityGroupIds,
    });
    const stack = Stack.of(this);
    this.pipelineName = props.pipelineName ?? Names.uniqueResourceName(this, { maxLength: 80, separator: '-' }).toLowerCase();
    this.pipelineArn = stack.formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: this.pipelineName.toLowerCase() });
    const bucket = props.artifactBucket ?? props.registry.artifactBucket;
    if (!bucket) {
      throw new MlopsValidationError([
        { constructPath: this.node.path, property: 'artifactBucket', received: 'undefined', allowed: 'must be set when the registry has no artifact bucket' },
      ]);
    }
    const key = props.encryptionKey ?? props.registry.artifactKey;
    const prefix = (props.artifactPrefix ?? `pipelines/${this.pipelineName}`).replace(/^\/+|\/+$/g, '');

    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the ${this.pipelineName} pipeline and its jobs`,
    });
    this.grantExecution(props, bucket, prefix, key);

    this.definition = this.render(props, bucket, prefix, key);
    const pipeline = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: this.pipelineName,
      pipelineDisplayName: this.pipelineName.slice(0, 82),
      pipelineDescription: 'validate → preprocess → train → evaluate → gate → register (cdk-mlops)',
      roleArn: this.role.roleArn,
      pipelineDefinition: { PipelineDefinitionBody: stack.toJsonString(this.definition) },
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      pipeline.node.addDependency(policy);
    }

    this.eventsRole = new iam.Role(this, 'StartRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `Lets EventBridge start the ${this.pipelineName} pipeline`,
    });
    this.eventsRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution'], resources: [this.pipelineArn] }));

    if (props.schedule) {
      new events.Rule(this, 'Schedule', { schedule: props.schedule, description: `Scheduled run of ${this.pipelineName}`, targets: [this.target()] });
    }
  }

  protected startRole(): iam.IRole {
    return this.eventsRole;
  }

  private render(props: MlPipelineProps, bucket: s3.IBucket, prefix: string, key: kms.IKey | undefined): Record<string, any> {
    const spec = props.spec;
    const steps = topologicalOrder(spec.steps);
    const training = steps.find((s) => s.kind === StepKind.TRAINING)!;
    const evaluation = steps.find((s) => s.name === spec.gate.evaluationStep)!;
    const reportFile = spec.gate.reportFile ?? 'evaluation.json';
    const root = `s3://${bucket.bucketName}/${prefix}`;
    const outputUri = (step: string, output: string) => ({ 'Std:Join': { On: '/', Values: [root, get('Execution.ExecutionId'), step, output] } });
    const inputUri = (input: string): unknown => {
      if (input === DATA_INPUT) {
        return get(`Parameters.${P.input}`);
      }
      const [from, output] = input.split('.');
      const producer = spec.steps.find((s) => s.name === from)!;
      return producer.kind === StepKind.TRAINING
        ? get(`Steps.${from}.ModelArtifacts.S3ModelArtifacts`)
        : get(`Steps.${from}.ProcessingOutputConfig.Outputs['${output}'].S3Output.S3Uri`);
    };
    const channel = (input: string) => input.replace('.', '-');
    const lineageEnv = {
      DATA_VERSION: get(`Parameters.${P.dataVersion}`),
      CODE_COMMIT: get(`Parameters.${P.codeCommit}`),
      FEATURE_SET_VERSION: get(`Parameters.${P.featureSetVersion}`),
    };
    const cache = (props.caching ?? true) ? { CacheConfig: { Enabled: true, ExpireAfter: `P${props.cacheExpireAfterDays ?? 30}D` } } : {};
    const retries = (props.retryAttempts ?? 2) > 0
      ? {
        // ExceptionType is a list (SageMaker developer guide, "Retry Policy for Pipeline Steps").
        RetryPolicies: [
          { ExceptionType: ['SageMaker.CAPACITY_ERROR', 'SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: props.retryAttempts ?? 2 },
          { ExceptionType: ['Step.THROTTLING', 'Step.SERVICE_FAULT'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: props.retryAttempts ?? 2 },
        ],
      }
      : {};
    const vpc = props.subnetIds ? { VpcConfig: { Subnets: props.subnetIds, SecurityGroupIds: props.securityGroupIds } } : undefined;
    const cluster = (s: PipelineStep) => {
      const instanceType = s.instanceType ?? 'ml.m5.xlarge';
      return {
        InstanceType: instanceType,
        InstanceCount: s.instanceCount ?? 1,
        VolumeSizeInGB: s.volumeSizeGiB ?? 30,
        ...(key && !hasInstanceStorage(instanceType) ? { VolumeKmsKeyId: key.keyArn } : {}),
      };
    };

    const rendered = steps.map((s) => {
      const environment = { ...(s.environment ?? {}), ...lineageEnv };
      if (s.kind === StepKind.TRAINING) {
        return {
          Name: s.name,
          Type: 'Training',
          ...cache,
          ...retries,
          Arguments: {
            AlgorithmSpecification: {
              TrainingImage: s.image,
              TrainingInputMode: 'File',
              ...(s.command ? { ContainerEntrypoint: s.command } : {}),
              ...(s.args ? { ContainerArguments: s.args } : {}),
            },
            InputDataConfig: (s.inputs ?? []).map((i) => ({
              ChannelName: channel(i),
              DataSource: { S3DataSource: { S3Uri: inputUri(i), S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated' } },
            })),
            OutputDataConfig: { S3OutputPath: `${root}/models`, ...(key ? { KmsKeyId: key.keyArn } : {}) },
            ResourceConfig: cluster(s),
            RoleArn: this.role.roleArn,
            StoppingCondition: { MaxRuntimeInSeconds: s.maxRuntimeSeconds ?? 86400 },
            Environment: environment,
            EnableNetworkIsolation: true,
            EnableInterContainerTrafficEncryption: true,
            ...(vpc ?? {}),
          },
        };
      }
      return {
        Name: s.name,
        Type: 'Processing',
        ...cache,
        ...retries,
        Arguments: {
          ProcessingResources: { ClusterConfig: cluster(s) },
          AppSpecification: {
            ImageUri: s.image,
            ...(s.command ? { ContainerEntrypoint: s.command } : {}),
            ...(s.args ? { ContainerArguments: s.args } : {}),
          },
          RoleArn: this.role.roleArn,
          ProcessingInputs: (s.inputs ?? []).map((i) => ({
            InputName: channel(i),
            S3Input: { S3Uri: inputUri(i), LocalPath: `/opt/ml/processing/input/${channel(i)}`, S3DataType: 'S3Prefix', S3InputMode: 'File' },
          })),
          ProcessingOutputConfig: {
            Outputs: (s.outputs ?? []).map((o) => ({
              OutputName: o,
              S3Output: { S3Uri: outputUri(s.name, o), LocalPath: `/opt/ml/processing/output/${o}`, S3UploadMode: 'EndOfJob' },
            })),
            ...(key ? { KmsKeyId: key.keyArn } : {}),
          },
          StoppingCondition: { MaxRuntimeInSeconds: s.maxRuntimeSeconds ?? 86400 },
          Environment: environment,
          NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true, ...(vpc ?? {}) },
        },
        ...(s.name === evaluation.name
          ? { PropertyFiles: [{ PropertyFileName: 'EvaluationReport', OutputName: EVALUATION_OUTPUT, FilePath: reportFile }] }
          : {}),
      };
    });

    const metric = { 'Std:JsonGet': { PropertyFile: get(`Steps.${evaluation.name}.PropertyFiles.EvaluationReport`), Path: spec.gate.metric } };
    const conditions = [{ Type: CONDITION[spec.gate.comparison], LeftValue: metric, RightValue: spec.gate.threshold }];
    if (spec.gate.compareToProduction) {
      // "At least as good as production", whatever the gate's strictness (the same rule as on Argo).
      const atLeast = [GateComparison.GREATER_THAN, GateComparison.GREATER_THAN_OR_EQUAL].includes(spec.gate.comparison)
        ? 'GreaterThanOrEqualTo'
        : 'LessThanOrEqualTo';
      conditions.push({ Type: atLeast, LeftValue: metric, RightValue: get(`Parameters.${P.production}`) as any });
    }
    const reportUri = { 'Std:Join': { On: '/', Values: [get(`Steps.${evaluation.name}.ProcessingOutputConfig.Outputs['${EVALUATION_OUTPUT}'].S3Output.S3Uri`), reportFile] } };
    const register = {
      Name: 'Register',
      Type: 'RegisterModel',
      Arguments: {
        ModelPackageGroupName: props.registry.modelPackageGroupName,
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
          [Lineage.DATASET_VERSION_KEY]: get(`Parameters.${P.dataVersion}`),
          [Lineage.CODE_COMMIT_KEY]: get(`Parameters.${P.codeCommit}`),
          [Lineage.FEATURE_SET_VERSION_KEY]: get(`Parameters.${P.featureSetVersion}`),
          [Lineage.EVALUATION_REPORT_KEY]: reportUri,
        },
      },
    };
    const fail = {
      Name: 'GateFailed',
      Type: 'Fail',
      Arguments: { ErrorMessage: `${spec.gate.metric} did not pass the gate (${spec.gate.comparison} ${spec.gate.threshold}${spec.gate.compareToProduction ? ' and the production model' : ''}); nothing registered` },
    };
    const gate = {
      Name: 'Gate',
      Type: 'Condition',
      Arguments: { Conditions: conditions, IfSteps: [register], ElseSteps: [fail] },
    };

    return {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [
        { Name: P.input, Type: 'String', DefaultValue: props.defaultInputDataUri },
        { Name: P.dataVersion, Type: 'String', DefaultValue: props.defaultDataVersion },
        { Name: P.codeCommit, Type: 'String', DefaultValue: props.codeCommit },
        { Name: P.featureSetVersion, Type: 'String', DefaultValue: props.defaultFeatureSetVersion },
        { Name: P.production, Type: 'Float', DefaultValue: spec.gate.threshold },
      ],
      Steps: [...rendered, gate],
    };
  }

  /** Exactly what the jobs need: their own job ARNs, pass-role to SageMaker, data, key, images, logs, registration. */
  private grantExecution(props: MlPipelineProps, bucket: s3.IBucket, prefix: string, key: kms.IKey | undefined): void {
    const stack = Stack.of(this);
    const jobs = ['processing-job', 'training-job'].map((r) =>
      stack.formatArn({ service: 'sagemaker', resource: r, resourceName: 'pipelines-*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob',
          'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags',
        ],
        resources: jobs,
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: [bucket.arnForObjects(`${prefix}/*`)] }),
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [bucket.bucketArn] }));
    // The default input data (scheduled and drift-triggered runs) is always readable.
    const loc = /^s3:\/\/([^/]+)\/?(.*)$/.exec(props.defaultInputDataUri)!;
    const inputPrefix = loc[2].replace(/\/+$/, '');
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: `${loc[1]}/${inputPrefix ? `${inputPrefix}/` : ''}*` })],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: loc[1] })] }),
    );
    const input = props.inputDataBucket;
    if (input) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [input.arnForObjects('*')] }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [input.bucketArn] }));
      if (input.encryptionKey) {
        this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [input.encryptionKey.keyArn] }));
      }
    }
    // Jobs in a VPC attach network interfaces (SageMaker developer guide, "Give SageMaker access to resources in your VPC").
    if (props.subnetIds) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
            'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions',
          ],
          // These EC2 actions do not support resource-level permissions for SageMaker's use.
          resources: ['*'],
        }),
      );
    }
    if (key) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:CreateGrant'], resources: [key.keyArn] }),
      );
    }
    const repos = new Set<string>();
    for (const image of [...props.spec.steps.map((s) => s.image)]) {
      const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)/.exec(image);
      if (m) {
        repos.add(stack.formatArn({ service: 'ecr', account: m[1], region: m[2], resource: 'repository', resourceName: m[3] }));
      }
    }
    if (repos.size > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], resources: [...repos].sort() }));
      // GetAuthorizationToken has no resource-level permissions; the statement above limits what can be pulled.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    }
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: ['ProcessingJobs', 'TrainingJobs'].map((g) =>
          stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/${g}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ),
      }),
    );
    props.registry.grantRegister(this.role);
  }
}
