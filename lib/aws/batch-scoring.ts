import { ArnFormat, Aws, CfnResource, Duration, Lazy, RemovalPolicy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { IModelRegistry } from './model-registry';
import { ownedAlarm } from './private/alarms';
import { eventAlarm } from './private/event-alarm';
import { hasInstanceStorage } from './private/instance-storage';
import { allowLogsToUseKey } from './private/logs-key';
import { INHERENT_WILDCARD, acknowledgeNag, acknowledgeWildcardResources, renderNagResource } from './private/nag';
import { runtimeAssetCode } from './private/runtime-asset';
import { validateProps } from './private/validate';
import {
  DEFAULT_BATCH_CONTENT_TYPE, DEFAULT_BATCH_HOUR_UTC, DEFAULT_BATCH_MAX_CONCURRENCY, DEFAULT_BATCH_MIN_RECORDS, backfillPlan,
} from '../core/batch/layout';
import { BatchScoringSpec } from '../core/batch/spec';
import { AlarmOwnership, ThresholdComparison } from '../core/rollback';
import { SAGEMAKER_EVENT_SOURCE } from '../core/rollback-events';
import { awsBatchScoringSchema } from '../core/schemas/aws-batch';

/** The pipeline's parameters. */
const P = { logicalDate: 'LogicalDate', scheduledTime: 'ScheduledTime', modelVersion: 'ModelVersion' } as const;
/** The pipeline's steps. */
const STEP = { validate: 'ValidateInput', model: 'CreateModel', transform: 'Transform', commit: 'Commit' } as const;
/** `ModelVersion` when no version is pinned: the group's latest Approved version when the run starts. */
const LATEST = 'latest';
const DEFAULT_INSTANCE_TYPE = 'ml.m5.xlarge';
/**
 * The Lambda steps' timeout: 10 minutes, the longest a pipeline's Lambda step is believed to wait for
 * its function (the SageMaker Python SDK's LambdaStep notes a 10-minute limit; not re-verified against
 * the service). A validate or commit step reads every input line once: partitions that take longer
 * to read need a processing step instead.
 */
const LAMBDA_STEP_TIMEOUT = Duration.minutes(10);
/** How often a backfill looks at a running execution (each look is a few state transitions). */
const BACKFILL_POLL = Duration.minutes(5);
/**
 * SageMaker's pipeline execution status events (SageMaker developer guide, "Events that Amazon
 * SageMaker sends to Amazon EventBridge": "SageMaker Model Building Pipeline Execution Status Change",
 * `detail.currentPipelineExecutionStatus`, `detail.pipelineArn`).
 */
const PIPELINE_EXECUTION_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Status Change';

const get = (path: string) => ({ Get: path });
const fromValidation = (output: string) => get(`Steps.${STEP.validate}.OutputParameters['${output}']`);

/** Properties of a `BatchScoring`: the target-neutral spec, the model, and where it runs on AWS. */
export interface BatchScoringProps extends BatchScoringSpec {
  /** The model package group whose versions score the data. */
  readonly registry: IModelRegistry;
  /**
   * Score with this version of the group (it must be Approved when a run starts).
   * @default - the group's latest Approved version when each run starts
   */
  readonly modelVersion?: number;
  /**
   * The batch transform instance type (a GPU type such as `ml.g5.xlarge` for GPU models).
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;
  /**
   * Instances of each transform job (1-100).
   * @default 1
   */
  readonly instanceCount?: number;
  /** Who owns the failure alarm, and the runbook. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * Topic notified by the failure alarm.
   * @default - none
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Execution role of the pipeline and of the model's containers, assumable by `sagemaker.amazonaws.com`;
   * the construct adds exactly what the runs need to it.
   * @default - a role made for the pipeline
   */
  readonly role?: iam.IRole;
  /**
   * KMS key of the scores (transform output, lineage, manifest), the transform volumes, the
   * function's environment and the logs. Readers of the scores need `kms:Decrypt` on it (`grantReadScores`).
   * @default - a key made for the job (rotation enabled)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * KMS key the input data set is encrypted with, when it is a customer managed key.
   * @default - the input is not encrypted with a customer managed key
   */
  readonly inputKey?: kms.IKey;
  /**
   * Private ECR repositories of the model's inference images (the model packages' containers).
   * @default - none: the images need no grant (SageMaker's own images)
   */
  readonly imageRepositories?: ecr.IRepository[];
  /**
   * VPC the model's containers (during the transform) and the step function run in. Both call AWS APIs
   * only (S3, SageMaker, KMS): the subnets need a NAT gateway or VPC endpoints for them.
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` for the containers and the function.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the containers and the function in `vpc` (1-5).
   * @default - one group allowing HTTPS out only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * Scheduled batch scoring with a registered model: a SageMaker pipeline (validate input → create the
 * model from the model package → Batch Transform into the run's own prefix → validate output and
 * commit the partition), started daily by EventBridge Scheduler with the scheduled time (the run
 * scores the day before), and a Step Functions state machine that backfills a range of dates with
 * bounded concurrency (`backfillCommand`).
 *
 * Idempotent: a run writes under `<outputUri>date=D/run=<execution id>/`, and only the commit step's
 * `_MANIFEST.json` (one PUT) makes it the partition of D; a re-run of D replaces the partition
 * atomically, a failed run changes nothing. `_LINEAGE.json` beside the scores records the model
 * version and the input's data version. Failed executions and failed backfills raise owned alarms.
 *
 * @resource AWS::SageMaker::Pipeline
 */
export class BatchScoring extends Construct {
  /** Pipeline name (`<construct path>`, lowercase). */
  public readonly pipelineName: string;
  /** Pipeline ARN. */
  public readonly pipelineArn: string;
  /** Execution role of the pipeline and the model (`role`, or the one made for it). */
  public readonly role: iam.IRole;
  /** The function of the validate and commit steps (and the backfill's plan and report). */
  public readonly stepFunction: lambda.Function;
  /** The backfill: `{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}` → one pipeline execution per date. */
  public readonly backfill: sfn.StateMachine;
  /** Fires when an execution of the pipeline fails (scheduled or backfilled). */
  public readonly executionFailedAlarm: cloudwatch.Alarm;
  /** Fires when a backfill fails (a date not scored, or a range refused), aborts or times out. */
  public readonly backfillFailedAlarm: cloudwatch.Alarm;
  /** The key of the scores, volumes, environment and logs. */
  public readonly key: kms.IKey;
  /** Security groups of the model's containers, when they run in a VPC. */
  public readonly securityGroups?: ec2.ISecurityGroup[];

  private readonly props: BatchScoringProps;
  private readonly contentType: string;

  constructor(scope: Construct, id: string, props: BatchScoringProps) {
    super(scope, id);
    validateProps(this, awsBatchScoringSchema, props);
    this.props = props;
    this.contentType = props.contentType ?? DEFAULT_BATCH_CONTENT_TYPE;
    // The spec's name names the pipeline (and the backfill): the runbook's commands are known at synthesis.
    this.pipelineName = props.name;
    this.pipelineArn = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: this.pipelineName });

    this.key = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts the scores and logs of batch scoring ${props.name}`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN,
    });
    if (!props.encryptionKey) allowLogsToUseKey(this.key, Stack.of(this));
    this.role = props.role ?? new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the batch scoring pipeline ${this.pipelineName} and its model`,
    });
    this.securityGroups = props.vpc ? (props.securityGroups ?? [this.createSecurityGroup(props.vpc)]) : undefined;
    this.stepFunction = this.createFunction();
    this.grantPipeline();
    const pipeline = this.createPipeline();
    this.createSchedule(pipeline);
    this.backfill = this.createBackfill();
    this.executionFailedAlarm = this.createExecutionFailedAlarm();
    this.backfillFailedAlarm = this.createBackfillFailedAlarm();
  }

  /**
   * The command that backfills `from` to `to` (inclusive, YYYY-MM-DD): one pipeline execution per
   * date, `maxConcurrency` at a time; it fails naming the dates that did not succeed.
   */
  public backfillCommand(from: string, to: string): string {
    backfillPlan(from, to, this.props.maxConcurrency ?? DEFAULT_BATCH_MAX_CONCURRENCY);
    // The partition of a concrete Region, so that the command reads as text (the runbook prints it).
    const stack = Stack.of(this);
    const partition = Token.isUnresolved(stack.region) ? stack.partition : RegionInfo.get(stack.region).partition ?? stack.partition;
    const arn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: `${this.props.name}-backfill`, arnFormat: ArnFormat.COLON_RESOURCE_NAME, partition });
    return `aws stepfunctions start-execution --state-machine-arn ${arn} --input '${JSON.stringify({ from, to })}'`;
  }

  /** Grant reading the committed scores: the output prefix and the key. */
  public grantReadScores(grantee: iam.IGrantable): iam.Grant {
    const out = s3Prefix(this.props.outputUri);
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [out.objects] });
    acknowledgeWildcardResources(grantee.grantPrincipal, [out.objects], 'Scores are written under per-date, per-run keys named at run time below the output prefix.');
    grant.combine(iam.Grant.addToPrincipal({
      grantee, actions: ['s3:ListBucket'], resourceArns: [out.bucket], conditions: { StringLike: { 's3:prefix': [`${out.prefix}*`] } },
    }));
    grant.combine(this.key.grantDecrypt(grantee));
    return grant;
  }

  /** Failed pipeline executions (scheduled, backfilled or by hand), from SageMaker's status events. */
  private createExecutionFailedAlarm(): cloudwatch.Alarm {
    const props = this.props;
    return eventAlarm(this, {
      id: 'ExecutionFailed',
      description: `Failed executions of the batch scoring pipeline ${this.pipelineName}`,
      pattern: {
        'source': [SAGEMAKER_EVENT_SOURCE],
        'detail-type': [PIPELINE_EXECUTION_STATUS_CHANGE],
        'detail': { currentPipelineExecutionStatus: ['Failed'], pipelineArn: [this.pipelineArn] },
      },
      summary: `Batch scoring ${props.name} failed: a date was not scored (its partition is unchanged); fix the cause, then run it again or backfill it`,
      owner: props.alarmOwnership.owner,
      runbookUrl: props.alarmOwnership.runbookUrl,
    }, props.alarmTopic).alarm;
  }

  /** Backfills that failed (a date not scored or not started, a range refused), aborted or timed out. */
  private createBackfillFailedAlarm(): cloudwatch.Alarm {
    const props = this.props;
    return ownedAlarm(this, {
      id: 'BackfillFailed',
      // Step Functions' ExecutionsFailed/Aborted/TimedOut per state machine (AWS/States, dimension StateMachineArn).
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(aborted, 0) + FILL(timedOut, 0)',
        usingMetrics: {
          failed: this.backfill.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
          aborted: this.backfill.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
          timedOut: this.backfill.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
        label: 'Backfills that did not succeed',
      }),
      threshold: 0,
      comparison: ThresholdComparison.GREATER_THAN,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      summary: `A backfill of batch scoring ${props.name} did not succeed: its execution's output names the dates not scored; backfill them again`,
      owner: props.alarmOwnership.owner,
      runbookUrl: props.alarmOwnership.runbookUrl,
    }, props.alarmTopic);
  }

  private createSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: `Batch scoring ${this.props.name}: HTTPS out only`, allowAllOutbound: false });
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 and ECR (or their VPC endpoints)');
    return group;
  }

  /** The function of the Lambda steps: reads the input partition and model registry, writes lineage and manifests. */
  private createFunction(): lambda.Function {
    const { props } = this;
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'StepRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Validates and commits the runs of batch scoring ${props.name}`,
    });
    const logGroup = new logs.LogGroup(this, 'StepLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: this.key });
    const input = s3Prefix(props.inputUri);
    const out = s3Prefix(props.outputUri);
    const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]);
    allow(['s3:GetObject'], [input.objects, out.objects]);
    acknowledgeWildcardResources(role, [input.objects], 'The input data set has one partition per date (date=YYYY-MM-DD/), read by the run of that date.');
    acknowledgeWildcardResources(role, [out.objects], 'Scores, lineage and manifests are written under per-date, per-run keys named at run time below the output prefix.');
    // Deleting: only the runs a commit replaces, under the output prefix.
    allow(['s3:PutObject', 's3:DeleteObject'], [out.objects]);
    allow(['s3:ListBucket'], [input.bucket], { StringLike: { 's3:prefix': [`${input.prefix}*`] } });
    allow(['s3:ListBucket'], [out.bucket], { StringLike: { 's3:prefix': [`${out.prefix}*`] } });
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [this.key.keyArn]);
    if (props.inputKey) allow(['kms:Decrypt'], [props.inputKey.keyArn]);
    if (props.vpc) {
      // A function in a VPC manages its network interfaces (what AWSLambdaVPCAccessExecutionRole
      // grants); these EC2 actions have no resource-level permissions for that use.
      allow(['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], ['*']);
      acknowledgeWildcardResources(role, ['*'], INHERENT_WILDCARD.VPC_NETWORK_INTERFACES);
    }
    allow(['sagemaker:ListModelPackages'], [props.registry.modelPackageGroupArn]);
    allow(['sagemaker:DescribeModelPackage'], [this.modelPackagesArn]);
    acknowledgeWildcardResources(role, [this.modelPackagesArn], INHERENT_WILDCARD.MODEL_PACKAGES);

    const fn = new lambda.Function(this, 'Steps', {
      description: `Batch scoring ${props.name}: validate the input, commit the output (cdk-mlops)`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: runtimeAssetCode('batch'),
      role,
      logGroup,
      memorySize: 1024,
      timeout: LAMBDA_STEP_TIMEOUT,
      // At once: a scheduled run, `maxConcurrency` backfilled runs, a run started by hand, the backfill's plan or report.
      reservedConcurrentExecutions: (props.maxConcurrency ?? DEFAULT_BATCH_MAX_CONCURRENCY) + 3,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: this.securityGroups,
      environmentEncryption: this.key,
      environment: {
        INPUT_URI: props.inputUri,
        OUTPUT_URI: props.outputUri,
        MIN_RECORDS: Tokenization.stringifyNumber(props.minRecords ?? DEFAULT_BATCH_MIN_RECORDS),
        MAX_CONCURRENCY: String(props.maxConcurrency ?? DEFAULT_BATCH_MAX_CONCURRENCY),
        MODEL_PACKAGE_GROUP: props.registry.modelPackageGroupName,
        MODEL_PACKAGE_ARN_PREFIX: stack.formatArn({
          service: 'sagemaker', resource: 'model-package', resourceName: `${props.registry.modelPackageGroupName}/`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
        KMS_KEY_ID: this.key.keyArn,
      },
    });
    const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnResource | undefined;
    if (policy) (fn.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', [policy.logicalId]);
    return fn;
  }

  private get modelPackagesArn(): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker', resource: 'model-package', resourceName: `${this.props.registry.modelPackageGroupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** Exactly what the pipeline and the model need: its steps' calls, the data, the key, the model package, images, logs. */
  private grantPipeline(): void {
    const { props } = this;
    const stack = Stack.of(this);
    const allow = (actions: string[], resources: string[], inherent?: string, conditions?: Record<string, unknown>) => {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));
      if (inherent) acknowledgeWildcardResources(this.role, resources, inherent);
    };
    const generated = 'SageMaker Pipelines names the models and transform jobs of a run pipelines-<execution id>-<step>-<suffix> at run time.';
    allow(['lambda:InvokeFunction'], [this.stepFunction.functionArn]);
    allow(['sagemaker:CreateModel', 'sagemaker:DescribeModel', 'sagemaker:AddTags'],
      [stack.formatArn({ service: 'sagemaker', resource: 'model', resourceName: 'pipelines-*' })], generated);
    allow(['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:AddTags'],
      [stack.formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: 'pipelines-*' })], generated);
    allow(['sagemaker:DescribeModelPackage'], [this.modelPackagesArn], INHERENT_WILDCARD.MODEL_PACKAGES);
    allow(['iam:PassRole'], [this.role.roleArn], undefined, { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    // The model's containers: the model artifacts, the input partition, the run's output prefix.
    const registry = props.registry;
    if (registry.artifactBucket) {
      allow(['s3:GetObject'], [registry.artifactBucket.arnForObjects('*')], INHERENT_WILDCARD.REGISTRY_ARTIFACTS);
      const artifactKey = registry.artifactKey ?? registry.artifactBucket.encryptionKey;
      if (artifactKey) allow(['kms:Decrypt'], [artifactKey.keyArn]);
    }
    const input = s3Prefix(props.inputUri);
    const out = s3Prefix(props.outputUri);
    allow(['s3:GetObject'], [input.objects], 'The input data set has one partition per date (date=YYYY-MM-DD/), read by the run of that date.');
    allow(['s3:ListBucket'], [input.bucket], undefined, { StringLike: { 's3:prefix': [`${input.prefix}*`] } });
    allow(['s3:PutObject', 's3:AbortMultipartUpload'], [out.objects], 'The transform writes under the run\'s own prefix (date=D/run=<execution id>/), named at run time.');
    allow(['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:CreateGrant'], [this.key.keyArn]);
    if (props.inputKey) allow(['kms:Decrypt'], [props.inputKey.keyArn]);
    const repos = (props.imageRepositories ?? []).map((r) => r.repositoryArn);
    if (repos.length > 0) {
      allow(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], repos);
      allow(['ecr:GetAuthorizationToken'], ['*'], INHERENT_WILDCARD.ECR_TOKEN);
    }
    allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TransformJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      'Transform jobs write to log streams named after the job name SageMaker Pipelines gives them at run time.');
    if (props.vpc) {
      allow(['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
        'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions'],
      ['*'], INHERENT_WILDCARD.VPC_NETWORK_INTERFACES);
    }
  }

  private createPipeline(): sagemaker.CfnPipeline {
    const stack = Stack.of(this);
    const pipeline = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: this.pipelineName,
      pipelineDisplayName: this.pipelineName.slice(0, 82),
      pipelineDescription: `Batch scoring ${this.props.name}: validate input → create model → transform → validate output and commit (cdk-mlops)`,
      roleArn: this.role.roleArn,
      pipelineDefinition: { PipelineDefinitionBody: Lazy.string({ produce: () => stack.toJsonString(this.definition) }) },
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) pipeline.node.addDependency(policy);
    return pipeline;
  }

  /** The pipeline definition (with tokens), as rendered into `PipelineDefinitionBody`. */
  public get definition(): Record<string, any> {
    return {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [
        // Set by a backfill (and by hand): the date to score.
        { Name: P.logicalDate, Type: 'String', DefaultValue: '' },
        // Set by the schedule: the run scores the day before.
        { Name: P.scheduledTime, Type: 'String', DefaultValue: '' },
        { Name: P.modelVersion, Type: 'String', DefaultValue: this.props.modelVersion !== undefined ? Tokenization.stringifyNumber(this.props.modelVersion) : LATEST },
      ],
      Steps: [this.renderValidate(), this.renderModel(), this.renderTransform(), this.renderCommit()],
    };
  }

  private renderValidate(): Record<string, unknown> {
    return {
      Name: STEP.validate,
      Type: 'Lambda',
      FunctionArn: this.stepFunction.functionArn,
      Arguments: {
        step: 'validate',
        logicalDate: get(`Parameters.${P.logicalDate}`),
        scheduledTime: get(`Parameters.${P.scheduledTime}`),
        startedAt: get('Execution.StartDateTime'),
        modelVersion: get(`Parameters.${P.modelVersion}`),
        runId: get('Execution.PipelineExecutionId'),
      },
      OutputParameters: [
        ...['LogicalDate', 'InputUri', 'RunUri', 'DataVersion', 'ModelPackageArn', 'ModelVersion'].map((n) => ({ OutputName: n, OutputType: 'String' })),
        { OutputName: 'InputRecords', OutputType: 'Integer' },
      ],
    };
  }

  private renderModel(): Record<string, unknown> {
    const { vpc: network, vpcSubnets } = this.props;
    const vpc = network ? {
      VpcConfig: { Subnets: network.selectSubnets(vpcSubnets).subnetIds, SecurityGroupIds: this.securityGroups!.map((g) => g.securityGroupId) },
    } : {};
    return {
      Name: STEP.model,
      Type: 'Model',
      Arguments: {
        ExecutionRoleArn: this.role.roleArn,
        PrimaryContainer: { ModelPackageName: fromValidation('ModelPackageArn') },
        // The containers reach nothing: SageMaker hands them the records and collects the scores.
        EnableNetworkIsolation: true,
        ...vpc,
      },
      ...this.renderRetries(),
    };
  }

  private renderTransform(): Record<string, unknown> {
    const instanceType = this.props.instanceType ?? DEFAULT_INSTANCE_TYPE;
    return {
      Name: STEP.transform,
      Type: 'Transform',
      Arguments: {
        ModelName: get(`Steps.${STEP.model}.ModelName`),
        // Several records per request; the commit checks that there is one score line per record.
        BatchStrategy: 'MultiRecord',
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: fromValidation('InputUri') } },
          ContentType: this.contentType,
          SplitType: 'Line',
          CompressionType: 'None',
        },
        // The run's own prefix, never the partition: only the commit's manifest makes it the partition.
        TransformOutput: { S3OutputPath: fromValidation('RunUri'), AssembleWith: 'Line', Accept: this.contentType, KmsKeyId: this.key.keyArn },
        // Each score line is its input record followed by the prediction (CSV: one more column; JSON
        // Lines: the record with `SageMakerOutput`), so drift monitoring can read the scored inputs
        // (DriftMonitor batchSource) and a consumer needs no join. API_DataProcessing: JoinSource Input.
        DataProcessing: { JoinSource: 'Input' },
        TransformResources: {
          InstanceType: instanceType,
          InstanceCount: this.props.instanceCount ?? 1,
          ...(hasInstanceStorage(instanceType) ? {} : { VolumeKmsKeyId: this.key.keyArn }),
        },
      },
      ...this.renderRetries(),
    };
  }

  private renderCommit(): Record<string, unknown> {
    return {
      Name: STEP.commit,
      Type: 'Lambda',
      DependsOn: [STEP.transform],
      FunctionArn: this.stepFunction.functionArn,
      Arguments: {
        step: 'commit',
        logicalDate: fromValidation('LogicalDate'),
        runId: get('Execution.PipelineExecutionId'),
        modelVersion: fromValidation('ModelVersion'),
        modelSource: fromValidation('ModelPackageArn'),
        inputRecords: fromValidation('InputRecords'),
        dataVersion: fromValidation('DataVersion'),
      },
      OutputParameters: [{ OutputName: 'ManifestUri', OutputType: 'String' }, { OutputName: 'OutputRecords', OutputType: 'Integer' }],
    };
  }

  private renderRetries(): Record<string, unknown> {
    // ExceptionType is a list (SageMaker developer guide, "Retry Policy for Pipeline Steps").
    return {
      RetryPolicies: [
        { ExceptionType: ['SageMaker.CAPACITY_ERROR', 'SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 2 },
        { ExceptionType: ['Step.THROTTLING', 'Step.SERVICE_FAULT'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 2 },
      ],
    };
  }

  /**
   * The daily run at `hourUtc`: EventBridge Scheduler's universal target calls StartPipelineExecution
   * with the scheduled time (a context attribute, replaced in the target's input: EventBridge Scheduler
   * user guide, "Adding context attributes") as `ScheduledTime`, and an idempotency token made of it,
   * so a retried invocation starts no second run.
   */
  private createSchedule(pipeline: sagemaker.CfnPipeline): void {
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `Lets EventBridge Scheduler start batch scoring ${this.props.name}`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution'], resources: [this.pipelineArn] }));
    // The schedule is encrypted with the key; the execution role decrypts it when the schedule fires
    // (EventBridge Scheduler user guide, "Encryption at rest": a customer managed key needs kms:Decrypt on the execution role).
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }));
    const hour = this.props.hourUtc ?? DEFAULT_BATCH_HOUR_UTC;
    const schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: `Daily run of batch scoring ${this.props.name}: scores the day before`,
      scheduleExpression: `cron(0 ${Tokenization.stringifyNumber(hour)} * * ? *)`,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      kmsKeyArn: this.key.keyArn,
      target: {
        arn: `arn:${Aws.PARTITION}:scheduler:::aws-sdk:sagemaker:startPipelineExecution`,
        roleArn: role.roleArn,
        input: Stack.of(this).toJsonString({
          PipelineName: this.pipelineName,
          PipelineParameters: [{ Name: P.scheduledTime, Value: scheduler.ContextAttribute.scheduledTime }],
          // 32-128 characters (SageMaker API reference, StartPipelineExecution ClientRequestToken).
          ClientRequestToken: `cdk-mlops-batch-${this.props.name}-${scheduler.ContextAttribute.scheduledTime}`,
        }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });
    schedule.node.addDependency(pipeline);
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) schedule.node.addDependency(policy);
  }

  /**
   * The backfill: plan the dates (the function: `backfillPlan`), then a distributed map with
   * `maxConcurrency` child executions (each its own history: a year of dates stays far below a
   * standard execution's 25,000 events), each starting the pipeline with `LogicalDate` and polling
   * it to its end; then the report fails the backfill naming the dates that did not succeed.
   */
  private createBackfill(): sfn.StateMachine {
    const J = sfn.JsonPath;
    const plan = new tasks.LambdaInvoke(this, 'PlanDates', {
      lambdaFunction: this.stepFunction,
      payload: sfn.TaskInput.fromObject({ step: 'plan', from: J.stringAt('$.from'), to: J.stringAt('$.to') }),
      payloadResponseOnly: true,
      resultPath: '$.plan',
    });
    const start = new tasks.CallAwsService(this, 'StartRun', {
      service: 'sagemaker',
      action: 'startPipelineExecution',
      parameters: {
        PipelineName: this.pipelineName,
        PipelineParameters: [{ Name: P.logicalDate, Value: J.stringAt('$.date') }],
        // One token per (backfill execution, date): a retried start starts no second run.
        ClientRequestToken: J.stringAt('$.token'),
        PipelineExecutionDescription: J.format('Backfill of {}', J.stringAt('$.date')),
      },
      iamResources: [this.pipelineArn],
      resultSelector: { arn: J.stringAt('$.PipelineExecutionArn') },
      resultPath: '$.execution',
    });
    start.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(30), backoffRate: 2, maxAttempts: 3 });
    const notStarted = new sfn.Pass(this, 'NotStarted', {
      parameters: { 'date.$': '$.date', 'status': 'NotStarted', 'error.$': '$.error.Cause' },
    });
    start.addCatch(notStarted, { resultPath: '$.error' });
    const executions = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: `${this.pipelineName}/execution/*` });
    const check = new tasks.CallAwsService(this, 'CheckRun', {
      service: 'sagemaker',
      action: 'describePipelineExecution',
      parameters: { PipelineExecutionArn: J.stringAt('$.execution.arn') },
      iamResources: [executions],
      resultSelector: { status: J.stringAt('$.PipelineExecutionStatus') },
      resultPath: '$.run',
    });
    check.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(30), backoffRate: 2, maxAttempts: 5 });
    const wait = new sfn.Wait(this, 'WaitForRun', { time: sfn.WaitTime.duration(BACKFILL_POLL) });
    const result = new sfn.Pass(this, 'RunEnded', {
      parameters: { 'date.$': '$.date', 'status.$': '$.run.status', 'executionArn.$': '$.execution.arn' },
    });
    const running = sfn.Condition.or(sfn.Condition.stringEquals('$.run.status', 'Executing'), sfn.Condition.stringEquals('$.run.status', 'Stopping'));
    const eachDate = new sfn.DistributedMap(this, 'EachDate', {
      itemsPath: '$.plan.dates',
      maxConcurrency: this.props.maxConcurrency ?? DEFAULT_BATCH_MAX_CONCURRENCY,
      itemSelector: {
        date: J.stringAt('$$.Map.Item.Value'),
        token: J.hash(J.format('{}/{}', J.stringAt('$$.Execution.Id'), J.stringAt('$$.Map.Item.Value')), 'SHA-256'),
      },
      resultPath: '$.results',
    });
    eachDate.itemProcessor(start.next(wait).next(check).next(new sfn.Choice(this, 'RunEnded?').when(running, wait).otherwise(result)));
    const report = new tasks.LambdaInvoke(this, 'Report', {
      lambdaFunction: this.stepFunction,
      payload: sfn.TaskInput.fromObject({ step: 'report', results: J.objectAt('$.results') }),
      payloadResponseOnly: true,
    });
    const logGroup = new logs.LogGroup(this, 'BackfillLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: this.key });
    const machine = new sfn.StateMachine(this, 'Backfill', {
      stateMachineName: `${this.props.name}-backfill`,
      comment: `Backfill of batch scoring ${this.props.name}: {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}`,
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(eachDate).next(report)),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    const machinePolicy = machine.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnResource | undefined;
    if (machinePolicy) {
      // The state machine depends on its role through the ARN already; keep the explicit dependency on
      // the role's policy only (a DependsOn on the role too is redundant: cfn-lint W3005).
      (machine.node.defaultChild as CfnResource).addOverride('DependsOn', [machinePolicy.logicalId]);
    }
    // What aws-cdk-lib grants the state machine (its policies below `machine`): every wildcard there is inherent.
    acknowledgeNag(machine, wildcardFindings(machine).map((finding) => ({
      rule: 'AwsSolutions-IAM5',
      finding,
      reason: 'What aws-cdk-lib grants a state machine: logs delivery and X-Ray (no resource-level permissions), the versions of its '
        + 'function (<arn>:*), its distributed map\'s child executions and the pipeline\'s executions (named at run time).',
    })));
    return machine;
  }
}

/** The IAM5 findings (`Resource::<rendered>`) of the wildcard resources of every policy below `scope`. */
function wildcardFindings(scope: Construct): string[] {
  const stack = Stack.of(scope);
  const findings = new Set<string>();
  for (const c of scope.node.findAll()) {
    if (!(c instanceof iam.Policy)) continue;
    for (const statement of (c.document.toJSON()?.Statement ?? []) as Array<{ Resource?: unknown }>) {
      for (const resource of [statement.Resource ?? []].flat()) {
        const rendered = renderNagResource(stack, resource as string);
        if (rendered.includes('*')) findings.add(`Resource::${rendered}`);
      }
    }
  }
  return [...findings].sort();
}

/** The bucket ARN, objects ARN pattern and key prefix of an `s3://bucket/prefix/`. */
function s3Prefix(uri: string): { bucket: string; objects: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri)!;
  return { bucket: `arn:${Aws.PARTITION}:s3:::${m[1]}`, objects: `arn:${Aws.PARTITION}:s3:::${m[1]}/${m[2]}*`, prefix: m[2] };
}
