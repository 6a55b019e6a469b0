import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DataCaptureLocation } from './gpu-serving-endpoint';
import { DATA_QUALITY_NAMESPACE, HOURLY_SCHEDULE, MODEL_QUALITY_NAMESPACE } from '../core/model-monitor';

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

/**
 * When a Model Monitor schedule runs. SageMaker accepts only hourly, daily, and every-N-hours cron
 * expressions (all times UTC; a run may start up to 20 minutes late).
 */
export class ModelMonitorSchedule {
  /** Every hour, on the hour: `cron(0 * ? * * *)`. */
  public static hourly(): ModelMonitorSchedule {
    return new ModelMonitorSchedule(HOURLY_SCHEDULE);
  }

  /**
   * Once a day: `cron(0 H ? * * *)`.
   * @param hourUtc hour of the day, 0-23 (UTC)
   */
  public static daily(hourUtc: number = 0): ModelMonitorSchedule {
    return new ModelMonitorSchedule(`cron(0 ${hourUtc} ? * * *)`);
  }

  /**
   * Every `hours` hours (1-24) from `startHourUtc`: `cron(0 H/N ? * * *)`, e.g. every 6 hours.
   * @param hours hours between runs, 1-24
   * @param startHourUtc hour of the first run of the day, 0-23 (UTC)
   */
  public static everyHours(hours: number, startHourUtc: number = 0): ModelMonitorSchedule {
    return new ModelMonitorSchedule(`cron(0 ${startHourUtc}/${hours} ? * * *)`);
  }

  /**
   * A cron expression written by hand, in one of the forms above (the monitor rejects any other).
   */
  public static expression(expression: string): ModelMonitorSchedule {
    return new ModelMonitorSchedule(expression);
  }

  /** The `ScheduleExpression` rendered into the monitoring schedule. */
  public readonly expressionString: string;

  private constructor(expressionString: string) {
    this.expressionString = expressionString;
  }
}

/** Properties every Model Monitor construct takes. */
export interface ModelMonitorOptions {
  /** Name of the monitored endpoint (its data capture must be on). */
  readonly endpointName: string;
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
   * When the monitoring job runs.
   * @default ModelMonitorSchedule.hourly()
   */
  readonly schedule?: ModelMonitorSchedule;
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
   * Longest run of one monitoring execution.
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
