import { ArnFormat, Aws, CfnMapping, CfnResource, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import {
  DEFAULT_MONITORING_INSTANCE_COUNT,
  DEFAULT_MONITORING_INSTANCE_TYPE,
  DEFAULT_MONITORING_VOLUME_GB,
  HOURLY_SCHEDULE,
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  MODEL_MONITOR_ANALYZER_REPOSITORY,
  modelMonitorAnalyzerImage,
  monitorScheduleIntervalHours,
  monitorScheduleName,
} from '../../core/model-monitor';
import { addWarning } from '../../core/warnings';
import { IGpuServingEndpoint } from '../gpu-serving-endpoint';
import { ModelMonitorOptions, S3ObjectLocation } from '../model-monitor';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './nag';
import { secondsOf } from '../../core/duration';

/** What differs between the kinds of monitor. */
export interface MonitorKind {
  /** `data-quality` / `model-quality`: names the schedule and the report prefix. */
  readonly slug: string;
  /** `data quality` / `model quality`: in descriptions and warnings. */
  readonly label: string;
  /** CloudWatch namespace the job publishes to. */
  readonly namespace: string;
  /** `MaxRuntimeInSeconds` when none is given. */
  readonly defaultMaxRuntimeSeconds: number;
}

/**
 * The props as the schema sees them: the user's keys, Durations in seconds, the schedule as its
 * expression (`shared` in core/schemas/model-monitor.ts).
 */
export function plainOptions(props: ModelMonitorOptions): Record<string, unknown> {
  return {
    ...props,
    schedule: props.schedule?.expressionString,
    maxRuntime: secondsOf(props.maxRuntime),
  };
}

/** The stack's region when it is concrete (the schema checks it has the prebuilt analyzer). */
export function concreteRegion(scope: Construct): string | undefined {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) ? undefined : region;
}

/** Everything a job definition and its schedule are made of, rendered once for both kinds. */
export interface MonitorJob {
  /** The monitored endpoint. */
  readonly endpoint: IGpuServingEndpoint;
  readonly role: iam.IRole;
  readonly key: kms.IKey;
  readonly securityGroups?: ec2.ISecurityGroup[];
  readonly scheduleName: string;
  readonly scheduleExpression: string;
  readonly intervalHours: number;
  readonly reportPrefix: string;
  readonly imageUri: string;
  readonly environment: Record<string, string>;
  // The shapes are the same for every kind of job definition.
  readonly jobResources: sagemaker.CfnDataQualityJobDefinition.MonitoringResourcesProperty;
  readonly networkConfig: sagemaker.CfnDataQualityJobDefinition.NetworkConfigProperty;
  readonly outputConfig: sagemaker.CfnDataQualityJobDefinition.MonitoringOutputConfigProperty;
  readonly stoppingCondition: sagemaker.CfnDataQualityJobDefinition.StoppingConditionProperty;
  /** Where the endpoint's captured data is mounted in the container. */
  readonly endpointLocalPath: string;
  /** Read access for the job's role: objects, prefixes and the keys that decrypt them. */
  readObjects(objects: S3ObjectLocation[]): void;
  readPrefix(bucket: s3.IBucket, prefix: string, key?: kms.IKey): void;
  /** `kms:Decrypt` on every key the reads named, once each: call after the last read grant. */
  grantDecrypt(): void;
}

// Local paths of the prebuilt analyzer's input and output (the SageMaker Python SDK's defaults).
const ENDPOINT_LOCAL_PATH = '/opt/ml/processing/input/endpoint';
const OUTPUT_LOCAL_PATH = '/opt/ml/processing/output';

/**
 * The role, key, network and resources of a monitoring job, with least-privilege grants: read the
 * endpoint's capture prefix, write reports under the report prefix, use the keys involved, write the
 * processing-job logs, and publish metrics to the job's namespace only.
 */
export function monitorJob(scope: Construct, props: ModelMonitorOptions, kind: MonitorKind): MonitorJob {
  const expression = props.schedule?.expressionString ?? HOURLY_SCHEDULE;
  const intervalHours = monitorScheduleIntervalHours(expression)!;
  const endpointName = props.endpoint.endpointName;
  const reportPrefix = props.reportPrefix ?? `model-monitor/${endpointName}/${kind.slug}`;
  const maxRuntimeSeconds = props.maxRuntime?.toSeconds() ?? kind.defaultMaxRuntimeSeconds;
  if (maxRuntimeSeconds > intervalHours * 3600) {
    addWarning(
      scope,
      `cdk-mlops:${kind.slug}-monitor:runtime-exceeds-interval`,
      `maxRuntime (${maxRuntimeSeconds} s) is longer than the schedule interval (${intervalHours} h): a run may still be going ` +
        'when the next is due (AWS: one execution should finish before the next starts).',
    );
  }
  const key = props.encryptionKey ?? createKey(scope, endpointName, kind);
  const role = props.role ?? new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    description: `Runs the ${kind.label} monitoring job of ${endpointName}`,
  });
  const access = new ReadAccess(role, key);
  access.readPrefix(props.capture.bucket, props.capture.prefix, props.capture.key);
  const publish = props.publishMetrics ?? true;
  grantJobBasics(scope, role, { props, kind, key, reportPrefix, publish });
  grantImagePull(role, props.imageUri);
  const network = jobNetwork(scope, role, props, kind);
  return {
    endpoint: props.endpoint,
    role,
    key,
    securityGroups: network.securityGroups,
    scheduleName: scheduleNameOf(scope, props, kind),
    scheduleExpression: expression,
    intervalHours,
    reportPrefix,
    imageUri: props.imageUri ?? analyzerImage(scope),
    environment: { publish_cloudwatch_metrics: publish ? 'Enabled' : 'Disabled' },
    jobResources: {
      clusterConfig: {
        instanceCount: props.instanceCount ?? DEFAULT_MONITORING_INSTANCE_COUNT,
        instanceType: props.instanceType ?? DEFAULT_MONITORING_INSTANCE_TYPE,
        volumeSizeInGb: props.volumeSizeGb ?? DEFAULT_MONITORING_VOLUME_GB,
        volumeKmsKeyId: key.keyArn,
      },
    },
    networkConfig: network.config,
    outputConfig: {
      kmsKeyId: key.keyArn,
      monitoringOutputs: [{ s3Output: { localPath: OUTPUT_LOCAL_PATH, s3Uri: `s3://${props.reportBucket.bucketName}/${reportPrefix}`, s3UploadMode: 'EndOfJob' } }],
    },
    stoppingCondition: { maxRuntimeInSeconds: maxRuntimeSeconds },
    endpointLocalPath: ENDPOINT_LOCAL_PATH,
    readObjects: (objects) => access.readObjects(objects),
    readPrefix: (bucket, prefix, dataKey) => access.readPrefix(bucket, prefix, dataKey),
    grantDecrypt: () => access.grantDecrypt(),
  };
}

/** The schedule's name: given, or made from the endpoint's name (unique in the stack when that is a token). */
function scheduleNameOf(scope: Construct, props: ModelMonitorOptions, kind: MonitorKind): string {
  if (props.monitoringScheduleName !== undefined) {
    return props.monitoringScheduleName;
  }
  const endpointName = props.endpoint.endpointName;
  return Token.isUnresolved(endpointName)
    ? Names.uniqueResourceName(scope, { maxLength: 63, separator: '-' })
    : monitorScheduleName(endpointName, kind.slug);
}

function createKey(scope: Construct, endpointName: string, kind: MonitorKind): kms.Key {
  return new kms.Key(scope, 'Key', {
    description: `Encrypts the ${kind.label} monitoring job of ${endpointName}: volumes and reports`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** Reads of S3 prefixes and objects, and `kms:Decrypt` once on every key they name (the job's own key apart). */
class ReadAccess {
  private readonly decrypt = new Set<kms.IKey>();

  constructor(private readonly role: iam.IRole, private readonly ownKey: kms.IKey) {}

  public readPrefix(bucket: s3.IBucket, prefix: string, dataKey?: kms.IKey): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefix}/*`)] }));
    acknowledgeWildcardResources(this.role, [bucket.arnForObjects(`${prefix}/*`)],
      'The job reads what arrives below this prefix (captured requests, labels, its merged reports) under keys named at run time by date and hour.');
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
      }),
    );
    const k = dataKey ?? bucket.encryptionKey;
    if (k) {
      this.decrypt.add(k);
    }
  }

  public readObjects(objects: S3ObjectLocation[]): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects.map((o) => o.bucket.arnForObjects(o.key)) }));
    objects.forEach((o) => o.bucket.encryptionKey && this.decrypt.add(o.bucket.encryptionKey));
  }

  public grantDecrypt(): void {
    const arns = [...this.decrypt].filter((k) => k !== this.ownKey).map((k) => k.keyArn);
    if (arns.length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: arns }));
    }
  }
}

interface JobBasics {
  readonly props: ModelMonitorOptions;
  readonly kind: MonitorKind;
  readonly key: kms.IKey;
  readonly reportPrefix: string;
  readonly publish: boolean;
}

/** Write the reports, use the job's key, write the processing-job logs, publish to the job's namespace. */
function grantJobBasics(scope: Construct, role: iam.IRole, { props, kind, key, reportPrefix, publish }: JobBasics): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [props.reportBucket.arnForObjects(`${reportPrefix}/*`)] }),
  );
  acknowledgeWildcardResources(role, [props.reportBucket.arnForObjects(`${reportPrefix}/*`)], 'Each monitoring run writes its reports under a new dated key below the report prefix.');
  // The job's own key: volumes (through a grant SageMaker creates) and reports.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [key.keyArn] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [key.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': true } } }),
  );
  // Processing jobs log to /aws/sagemaker/ProcessingJobs (SageMaker developer guide, "CreateProcessingJob API: Execution Role Permissions").
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/ProcessingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }),
  );
  acknowledgeWildcardResources(role, [
    Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/ProcessingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
  ], 'SageMaker names the log stream of each monitoring job at run time, in the processing-jobs log group.');
  if (publish) {
    // PutMetricData has no resource-level permissions: the condition limits it to the job's namespace.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': kind.namespace } } }),
    );
    acknowledgeWildcardResources(role, ['*'], INHERENT_WILDCARD.putMetricData(kind.namespace));
  }
}

/** Network isolation and encrypted inter-container traffic always; in a VPC, its subnets and groups. */
function jobNetwork(
  scope: Construct,
  role: iam.IRole,
  props: ModelMonitorOptions,
  kind: MonitorKind,
): { config: sagemaker.CfnDataQualityJobDefinition.NetworkConfigProperty; securityGroups?: ec2.ISecurityGroup[] } {
  const isolated = { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true };
  if (!props.vpc) {
    return { config: isolated };
  }
  const securityGroups = props.securityGroups ?? [defaultSecurityGroup(scope, props.vpc, kind, props.endpoint.endpointName)];
  const vpcConfig = {
    securityGroupIds: securityGroups.map((g) => g.securityGroupId),
    subnets: props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: privateSubnetType(props.vpc) }).subnetIds,
  };
  // Jobs in a VPC attach network interfaces (SageMaker developer guide, "Give SageMaker access to
  // resources in your VPC"); these EC2 actions have no resource-level permissions for that use.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
        'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions',
      ],
      resources: ['*'],
    }),
  );
  acknowledgeWildcardResources(role, ['*'], INHERENT_WILDCARD.VPC_NETWORK_INTERFACES);
  return { config: { ...isolated, vpcConfig }, securityGroups };
}

/** `s3://bucket/key` of an object. */
export function objectUri(o: S3ObjectLocation): string {
  return `s3://${o.bucket.bucketName}/${o.key}`;
}

/**
 * The monitoring schedule of a job definition. The definition is left unnamed (each of its
 * properties forces a replacement, which a fixed name would make fail) and its generated name is
 * taken from its ARN, the definition's `Ref`: `arn:…:<kind>-job-definition/<name>`.
 *
 * The definition is created after its endpoint: it names the endpoint by its name (a literal string,
 * no dependency CloudFormation can see), and SageMaker checks that the endpoint of a monitoring input
 * exists when the definition is created ("SageMaker verifies that an endpoint exists in the same
 * workspace as the monitoring schedule", https://github.com/aws/sagemaker-python-sdk/issues/4873).
 * A `GpuServingEndpoint` is waited for by its `AWS::SageMaker::Endpoint` (its default child; another
 * implementation as a whole), one in another stack of the app by a stack dependency; an imported
 * endpoint has no resource, so nothing is added. The schedule refers to the definition, so it follows
 * too (and is deleted before the endpoint).
 */
export function monitoringSchedule(
  scope: Construct,
  job: MonitorJob,
  definition: CfnResource,
  monitoringType: string,
): sagemaker.CfnMonitoringSchedule {
  // A role made here or given has a DefaultPolicy; an imported role (Role.fromRoleArn) gets a Policy of its own.
  const policy = job.role.node.tryFindChild('DefaultPolicy') ?? job.role.node.children.find((c) => c instanceof iam.Policy);
  if (policy) {
    // SageMaker may check the role's permissions when the definition is created.
    definition.node.addDependency(policy);
  }
  definition.node.addDependency(job.endpoint.node.defaultChild ?? job.endpoint);
  return new sagemaker.CfnMonitoringSchedule(scope, 'Resource', {
    monitoringScheduleName: job.scheduleName,
    monitoringScheduleConfig: {
      monitoringJobDefinitionName: Fn.select(1, Fn.split('/', definition.ref)),
      monitoringType,
      scheduleConfig: { scheduleExpression: job.scheduleExpression },
    },
  });
}

/**
 * The prebuilt analyzer image: written out for a concrete region; for a region-agnostic stack, one
 * mapping per stack (a stack-wide fact table, like aws-cdk-lib's regional facts) looked up at deploy
 * time, with `AWS::URLSuffix` so that China regions get `amazonaws.com.cn`.
 */
function analyzerImage(scope: Construct): string {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    return modelMonitorAnalyzerImage(stack.region)!;
  }
  const id = 'CdkMlopsModelMonitorAnalyzer';
  const mapping =
    (stack.node.tryFindChild(id) as CfnMapping | undefined) ??
    new CfnMapping(stack, id, {
      mapping: Object.fromEntries(Object.entries(MODEL_MONITOR_ANALYZER_ACCOUNTS).map(([region, account]) => [region, { account }])),
    });
  return Fn.join('', [mapping.findInMap(Aws.REGION, 'account'), '.dkr.ecr.', Aws.REGION, '.', Aws.URL_SUFFIX, `/${MODEL_MONITOR_ANALYZER_REPOSITORY}`]);
}

/**
 * Pull rights for an image in a private ECR repository. The prebuilt analyzer needs none: SageMaker
 * pulls it from its own account (it cannot be pulled directly).
 */
function grantImagePull(role: iam.IRole, imageUri: string | undefined): void {
  const m = imageUri ? /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)/.exec(imageUri) : null;
  if (!m) {
    return;
  }
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [stack.formatArn({ service: 'ecr', account: m[1], region: m[2], resource: 'repository', resourceName: m[3] })],
    }),
  );
  // GetAuthorizationToken has no resource-level permissions; the statement above limits what can be pulled.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
}

/** Private subnets with egress when the VPC has some, else isolated ones (reaching S3 through endpoints). */
function privateSubnetType(vpc: ec2.IVpc): ec2.SubnetType {
  return vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
}

function defaultSecurityGroup(scope: Construct, vpc: ec2.IVpc, kind: MonitorKind, endpointName: string): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc,
    description: `The ${kind.label} monitoring job of ${endpointName}: HTTPS out only`,
    allowAllOutbound: false,
  });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 and the AWS APIs');
  return group;
}
