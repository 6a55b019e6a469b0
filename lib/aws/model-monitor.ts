import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DataCaptureLocation, IGpuServingEndpoint } from './gpu-serving-endpoint';
import { DATA_QUALITY_NAMESPACE, MODEL_QUALITY_NAMESPACE } from '../core/model-monitor';

// What the SageMaker Model Monitor constructs (`DataQualityMonitor`, `ModelQualityMonitor`) share.

/** CloudWatch namespace of the data quality metrics of real-time endpoints. */
export const DATA_QUALITY_METRIC_NAMESPACE = DATA_QUALITY_NAMESPACE;
/** CloudWatch namespace of the model quality metrics of real-time endpoints. */
export const MODEL_QUALITY_METRIC_NAMESPACE = MODEL_QUALITY_NAMESPACE;

/** One object in S3, e.g. the `statistics.json` of a baselining job. */
export interface S3ObjectLocation {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** The object's key (no leading slash). */
  readonly key: string;
}

/** Properties every Model Monitor construct takes. */
export interface ModelMonitorOptions {
  /**
   * The monitored endpoint (its data capture must be on): a `GpuServingEndpoint`, or one imported
   * with `GpuServingEndpoint.fromGpuServingEndpointAttributes`. SageMaker refuses a job definition
   * whose endpoint does not exist yet, so an endpoint defined in this app is created first (the job
   * definition depends on it; in another stack, this stack depends on that one).
   */
  readonly endpoint: IGpuServingEndpoint;
  /** Where the endpoint captures its traffic (`GpuServingEndpoint.dataCaptureLocation`): read only. */
  readonly capture: DataCaptureLocation;
  /** Bucket the monitoring reports are written to (under `reportPrefix` only). */
  readonly reportBucket: s3.IBucket;
  /**
   * Key prefix of the reports in `reportBucket`.
   * @default 'model-monitor/<endpoint name>/<data-quality | model-quality>'
   */
  readonly reportPrefix?: string;
  /**
   * When the monitoring job runs, in one of the three forms SageMaker accepts (all times UTC; a run
   * may start up to 20 minutes late): hourly `cron(0 * ? * * *)`, daily at hour H `cron(0 H ? * * *)`,
   * or every N hours from hour H `cron(0 H/N ? * * *)`. With `events.Schedule.cron`, give the minute
   * `'0'`, the hour and `weekDay: '*'`: `events.Schedule.cron({ minute: '0', hour: '4', weekDay: '*' })`
   * is `cron(0 4 ? * * *)`. Any other expression is refused.
   * @default - hourly, `cron(0 * ? * * *)`
   */
  readonly schedule?: events.Schedule;
  /**
   * Name of the monitoring schedule (it names the metrics' `MonitoringSchedule` dimension).
   * @default '<endpoint name>-<data-quality | model-quality>', cut to 63 characters with a hash when longer
   */
  readonly monitoringScheduleName?: string;
  /**
   * Key encrypting the job's volume and its reports.
   * @default - a new key with rotation, retained on deletion
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Role the monitoring job runs with (assumable by `sagemaker.amazonaws.com`); the monitor adds
   * its statements to it (`addToPrincipalPolicy`).
   * @default - a new role with exactly the job's permissions
   */
  readonly role?: iam.IRole;
  /**
   * VPC the job runs in (its network is isolated either way).
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` the job runs in.
   * @default - the private subnets of `vpc` with egress, or else its isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the job in `vpc` (at most 5).
   * @default - a new group allowing only HTTPS out
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Instance type of the job.
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;
  /**
   * Number of instances of the job.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Size of each instance's volume, GB.
   * @default 20
   */
  readonly volumeSizeGb?: number;
  /**
   * Longest run of one monitoring execution, in whole seconds up to 24 hours.
   * @default - 1 hour for data quality; 30 minutes for model quality (the most an hourly schedule allows)
   */
  readonly maxRuntime?: Duration;
  /**
   * Analysis container image, for a region without the prebuilt analyzer or a custom analyzer.
   * @default - the prebuilt `sagemaker-model-monitor-analyzer` of the stack's region
   */
  readonly imageUri?: string;
  /**
   * Publish the job's metrics to CloudWatch (needed by the `metric*` helpers and alarms).
   * @default true
   */
  readonly publishMetrics?: boolean;
}
