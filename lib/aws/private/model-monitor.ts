import { Annotations, ArnFormat, Aws, CfnMapping, CfnResource, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import {
  HOURLY_SCHEDULE,
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  MODEL_MONITOR_ANALYZER_REPOSITORY,
  modelMonitorAnalyzerImage,
  monitorScheduleIntervalHours,
  monitorScheduleName,
} from '../../core/model-monitor';
import { ModelMonitorOptions, S3ObjectLocation } from '../model-monitor';

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

/** The plain values every monitor validates (`shared` in core/schemas/model-monitor.ts). */
export function sharedInput(scope: Construct, props: ModelMonitorOptions): Record<string, unknown> {
  const region = Stack.of(scope).region;
  return {
    endpointName: props.endpointName,
    monitoringScheduleName: props.monitoringScheduleName,
    region: Token.isUnresolved(region) ? undefined : region,
    imageUri: props.imageUri,
    schedule: props.schedule?.expressionString ?? HOURLY_SCHEDULE,
    instanceType: props.instanceType,
    instanceCount: props.instanceCount,
    volumeSizeGb: props.volumeSizeGb,
    maxRuntimeSeconds: props.maxRuntime?.toSeconds({ integral: false }),
    reportPrefix: props.reportPrefix,
    vpc: props.vpc ? true : undefined,
    vpcSubnets: props.vpcSubnets ? true : undefined,
    securityGroups: props.securityGroups?.length,
    publishMetrics: props.publishMetrics,
  };
}

/** Everything a job definition and its schedule are made of, rendered once for both kinds. */
export interface MonitorJob {
  readonly role: iam.Role;
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
  const stack = Stack.of(scope);
  const expression = props.schedule?.expressionString ?? HOURLY_SCHEDULE;
  const intervalHours = monitorScheduleIntervalHours(expression)!;
  const scheduleName =
    props.monitoringScheduleName ??
    (Token.isUnresolved(props.endpointName)
      ? Names.uniqueResourceName(scope, { maxLength: 63, separator: '-' })
      : monitorScheduleName(props.endpointName, kind.slug));
  const reportPrefix = props.reportPrefix ?? `model-monitor/${props.endpointName}/${kind.slug}`;
  const maxRuntimeSeconds = props.maxRuntime?.toSeconds() ?? kind.defaultMaxRuntimeSeconds;
  if (maxRuntimeSeconds > intervalHours * 3600) {
    Annotations.of(scope).addWarningV2(
      `cdk-mlops:${kind.slug}-monitor:runtime-exceeds-interval`,
      `maxRuntime (${maxRuntimeSeconds} s) is longer than the schedule interval (${intervalHours} h): a run may still be going ` +
        'when the next is due (AWS: one execution should finish before the next starts).',
    );
  }

  const key =
    props.encryptionKey ??
    new kms.Key(scope, 'Key', {
      description: `Encrypts the ${kind.label} monitoring job of ${props.endpointName}: volumes and reports`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    description: `Runs the ${kind.label} monitoring job of ${props.endpointName}`,
  });
  const decrypt = new Set<kms.IKey>();
  const readPrefix = (bucket: s3.IBucket, prefix: string, dataKey?: kms.IKey) => {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefix}/*`)] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
      }),
    );
    const k = dataKey ?? bucket.encryptionKey;
    if (k) {
      decrypt.add(k);
    }
  };
  const readObjects = (objects: S3ObjectLocation[]) => {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects.map((o) => o.bucket.arnForObjects(o.key)) }));
    objects.forEach((o) => o.bucket.encryptionKey && decrypt.add(o.bucket.encryptionKey));
  };

  readPrefix(props.capture.bucket, props.capture.prefix, props.capture.key);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [props.reportBucket.arnForObjects(`${reportPrefix}/*`)] }),
  );
  // The job's own key: volumes (through a grant SageMaker creates) and reports.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], resources: [key.keyArn] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [key.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': true } } }),
  );
  // Processing jobs log to /aws/sagemaker/ProcessingJobs (SageMaker developer guide, "CreateProcessingJob API: Execution Role Permissions").
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/ProcessingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }),
  );
  const publish = props.publishMetrics ?? true;
  if (publish) {
    // PutMetricData has no resource-level permissions: the condition limits it to the job's namespace.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': kind.namespace } } }),
    );
  }
  const image = props.imageUri ?? analyzerImage(scope);
  grantImagePull(role, props.imageUri);

  let securityGroups: ec2.ISecurityGroup[] | undefined;
  let vpcConfig: { securityGroupIds: string[]; subnets: string[] } | undefined;
  if (props.vpc) {
    securityGroups = props.securityGroups ?? [defaultSecurityGroup(scope, props.vpc, kind, props.endpointName)];
    vpcConfig = {
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
  }

  const grantDecrypt = () => {
    const arns = [...decrypt].filter((k) => k !== key).map((k) => k.keyArn);
    if (arns.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: arns }));
    }
  };

  return {
    role,
    key,
    securityGroups,
    scheduleName,
    scheduleExpression: expression,
    intervalHours,
    reportPrefix,
    imageUri: image,
    environment: { publish_cloudwatch_metrics: publish ? 'Enabled' : 'Disabled' },
    jobResources: {
      clusterConfig: {
        instanceCount: props.instanceCount ?? 1,
        instanceType: props.instanceType ?? 'ml.m5.xlarge',
        volumeSizeInGb: props.volumeSizeGb ?? 20,
        volumeKmsKeyId: key.keyArn,
      },
    },
    networkConfig: { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true, ...(vpcConfig ? { vpcConfig } : {}) },
    outputConfig: {
      kmsKeyId: key.keyArn,
      monitoringOutputs: [{ s3Output: { localPath: OUTPUT_LOCAL_PATH, s3Uri: `s3://${props.reportBucket.bucketName}/${reportPrefix}`, s3UploadMode: 'EndOfJob' } }],
    },
    stoppingCondition: { maxRuntimeInSeconds: maxRuntimeSeconds },
    endpointLocalPath: ENDPOINT_LOCAL_PATH,
    readObjects,
    readPrefix,
    grantDecrypt,
  };
}

/** `s3://bucket/key` of an object. */
export function objectUri(o: S3ObjectLocation): string {
  return `s3://${o.bucket.bucketName}/${o.key}`;
}

/**
 * The monitoring schedule of a job definition. The definition is left unnamed (each of its
 * properties forces a replacement, which a fixed name would make fail) and its generated name is
 * taken from its ARN, the definition's `Ref`: `arn:…:<kind>-job-definition/<name>`.
 */
export function monitoringSchedule(
  scope: Construct,
  job: MonitorJob,
  definition: CfnResource,
  monitoringType: string,
): sagemaker.CfnMonitoringSchedule {
  const policy = job.role.node.tryFindChild('DefaultPolicy');
  if (policy) {
    // SageMaker may check the role's permissions when the definition is created.
    definition.node.addDependency(policy);
  }
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
function grantImagePull(role: iam.Role, imageUri: string | undefined): void {
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
