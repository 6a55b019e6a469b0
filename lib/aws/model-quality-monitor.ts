import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelMonitorOptions, S3ObjectLocation } from './model-monitor';
import { MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS, MODEL_QUALITY_NAMESPACE, negativeIsoOffset } from '../core/model-monitor';
import { AlarmOwnership, ThresholdComparison } from '../core/rollback';
import { ownedAlarm } from './private/alarms';
import { MonitorJob, MonitorKind, concreteRegion, monitorJob, monitoringSchedule, objectUri, plainOptions } from './private/model-monitor';
import { validateProps } from './private/validate';
import { secondsOf } from '../core/duration';
import { modelQualityMonitorSchemaFor } from '../core/schemas/model-monitor';

/** The machine learning problem a model quality job evaluates (`ModelQualityAppSpecification.ProblemType`). */
export enum ModelQualityProblemType {
  /** Two classes: needs `inferenceAttribute`, or `probabilityAttribute` with `probabilityThreshold`. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes: needs `inferenceAttribute`. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A numeric target: needs `inferenceAttribute`. */
  REGRESSION = 'Regression',
}

/** An alarm on one model quality metric. */
export interface ModelQualityAlarmOptions {
  /** Metric of the problem type, e.g. `accuracy`, `f1`, `auc` (binary), `weighted_f1` (multiclass), `rmse` (regression). */
  readonly metricName: string;
  /** Value at which quality is no longer acceptable. */
  readonly threshold: number;
  /** Which side of the threshold is bad: `LESS_THAN` for accuracy-like metrics, `GREATER_THAN` for errors. */
  readonly comparison: ThresholdComparison;
  /** Who owns the alarm and where the runbook is. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * Runs looked at.
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * Runs out of `evaluationPeriods` that must breach.
   * @default 1
   */
  readonly datapointsToAlarm?: number;
  /**
   * Topic notified on ALARM and OK.
   * @default - none
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Properties of a `ModelQualityMonitor`. */
export interface ModelQualityMonitorProps extends ModelMonitorOptions {
  /** What the model predicts. */
  readonly problemType: ModelQualityProblemType;
  /**
   * Bucket of the ground-truth labels, written as JSON Lines under `groundTruthPrefix/yyyy/mm/dd/hh/`
   * (read only).
   */
  readonly groundTruthBucket: s3.IBucket;
  /** Key prefix of the ground-truth labels (no leading or trailing slash). */
  readonly groundTruthPrefix: string;
  /**
   * How long after an inference its label is in S3: each run ends its window this long before the
   * run (`EndTimeOffset`), in whole hours.
   */
  readonly groundTruthDelay: Duration;
  /**
   * How much traffic each run evaluates: the window starts `groundTruthDelay + groundTruthWindow`
   * before the run (`StartTimeOffset`), in whole hours, at least the schedule interval.
   * @default - the schedule interval
   */
  readonly groundTruthWindow?: Duration;
  /**
   * Index or JSONPath of the predicted label (classification) or value (regression) in the
   * captured output.
   * @default - none; required unless binary classification with `probabilityAttribute`
   */
  readonly inferenceAttribute?: string;
  /**
   * Index or JSONPath of the positive-class probability in the captured output (binary only).
   * @default - none
   */
  readonly probabilityAttribute?: string;
  /**
   * Probability from which a prediction counts as positive (binary only, 0-1).
   * @default - none; required with `probabilityAttribute` when there is no `inferenceAttribute`
   */
  readonly probabilityThreshold?: number;
  /**
   * The `constraints.json` of a model quality baselining job (read only).
   * @default - no baseline: metrics are published, no constraint violations are reported
   */
  readonly baselineConstraints?: S3ObjectLocation;
  /**
   * An alarm on one quality metric.
   * @default - no alarm
   */
  readonly alarm?: ModelQualityAlarmOptions;
}

const KIND: MonitorKind = {
  slug: 'model-quality',
  label: 'model quality',
  namespace: MODEL_QUALITY_NAMESPACE,
  // The most an hourly schedule allows.
  defaultMaxRuntimeSeconds: MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS,
};

/**
 * SageMaker Model Monitor model quality for an endpoint, with delayed ground truth: a
 * `ModelQualityJobDefinition` (the prebuilt analyzer merging the captured predictions with the
 * ground-truth labels in S3 and computing accuracy, F1, RMSE …) evaluating a window that ends
 * `groundTruthDelay` before each run, its `MonitoringSchedule`, and optionally an alarm on one
 * metric. Safe by default: a dedicated least-privilege role, network isolation, encrypted
 * inter-container traffic, volume and reports encrypted with a KMS key, optional VPC.
 *
 * Optional: AWS says Model Monitor is no longer open to new customers (existing customers continue
 * to use it), so the library's own `DriftMonitor` is the default way to watch a model; this
 * construct is for accounts that already use Model Monitor.
 *
 * @resource AWS::SageMaker::MonitoringSchedule
 */
export class ModelQualityMonitor extends Construct {
  /** Name of the monitoring schedule. */
  public readonly monitoringScheduleName: string;
  /** ARN of the monitoring schedule. */
  public readonly monitoringScheduleArn: string;
  /** ARN of the job definition (its name is generated by CloudFormation). */
  public readonly jobDefinitionArn: string;
  /** Role the monitoring job runs with. */
  public readonly role: iam.IRole;
  /** Key encrypting the job's volume and its reports. */
  public readonly encryptionKey: kms.IKey;
  /** Security groups of the job, when it runs in a VPC. */
  public readonly securityGroups?: ec2.ISecurityGroup[];
  /** The alarm on a quality metric, when configured. */
  public readonly qualityAlarm?: cloudwatch.Alarm;
  private readonly endpointName: string;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: ModelQualityMonitorProps) {
    super(scope, id);
    validateProps(this, modelQualityMonitorSchemaFor(concreteRegion(this)), {
      ...plainOptions(props),
      groundTruthDelay: secondsOf(props.groundTruthDelay),
      groundTruthWindow: secondsOf(props.groundTruthWindow),
    });
    const job = monitorJob(this, props, KIND);
    job.readPrefix(props.groundTruthBucket, props.groundTruthPrefix);
    // The ground-truth merge job writes the merged records under the job's output, where the
    // monitoring job of the same execution reads them.
    job.readPrefix(props.reportBucket, job.reportPrefix);
    if (props.baselineConstraints) {
      job.readObjects([props.baselineConstraints]);
    }
    job.grantDecrypt();

    const definition = this.createJobDefinition(props, job);
    const schedule = monitoringSchedule(this, job, definition, 'ModelQuality');

    this.monitoringScheduleName = job.scheduleName;
    this.monitoringScheduleArn = schedule.attrMonitoringScheduleArn;
    this.jobDefinitionArn = definition.attrJobDefinitionArn;
    this.role = job.role;
    this.encryptionKey = job.key;
    this.securityGroups = job.securityGroups;
    this.endpointName = props.endpoint.endpointName;
    this.period = Duration.hours(job.intervalHours);
    if (props.alarm) {
      this.qualityAlarm = this.createQualityAlarm(props.alarm);
    }
  }

  /**
   * A quality metric of the job (`accuracy`, `f1`, `auc`, `rmse` …), dimensions `Endpoint` and
   * `MonitoringSchedule`, Average per schedule interval (one value per run).
   */
  public metricQuality(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: MODEL_QUALITY_NAMESPACE,
      metricName,
      dimensionsMap: { Endpoint: this.endpointName, MonitoringSchedule: this.monitoringScheduleName },
      statistic: 'Average',
      period: this.period,
      ...props,
    });
  }

  /** The window ends `groundTruthDelay` before each run and spans `groundTruthWindow` (default: the interval). */
  private createJobDefinition(props: ModelQualityMonitorProps, job: MonitorJob): sagemaker.CfnModelQualityJobDefinition {
    const delayHours = props.groundTruthDelay.toHours();
    const windowHours = props.groundTruthWindow?.toHours() ?? job.intervalHours;
    return new sagemaker.CfnModelQualityJobDefinition(this, 'JobDefinition', {
      modelQualityAppSpecification: { imageUri: job.imageUri, problemType: props.problemType, environment: job.environment },
      modelQualityBaselineConfig: props.baselineConstraints ? { constraintsResource: { s3Uri: objectUri(props.baselineConstraints) } } : undefined,
      modelQualityJobInput: {
        endpointInput: {
          endpointName: props.endpoint.endpointName,
          localPath: job.endpointLocalPath,
          inferenceAttribute: props.inferenceAttribute,
          probabilityAttribute: props.probabilityAttribute,
          probabilityThresholdAttribute: props.probabilityThreshold,
          startTimeOffset: negativeIsoOffset(delayHours + windowHours),
          endTimeOffset: negativeIsoOffset(delayHours),
        },
        groundTruthS3Input: { s3Uri: `s3://${props.groundTruthBucket.bucketName}/${props.groundTruthPrefix}` },
      },
      modelQualityJobOutputConfig: job.outputConfig,
      jobResources: job.jobResources,
      networkConfig: job.networkConfig,
      stoppingCondition: job.stoppingCondition,
      roleArn: job.role.roleArn,
    });
  }

  private createQualityAlarm(alarm: ModelQualityAlarmOptions): cloudwatch.Alarm {
    const bad = alarm.comparison === ThresholdComparison.LESS_THAN ? '<' : '>';
    return ownedAlarm(
      this,
      {
        id: 'QualityAlarm',
        metric: this.metricQuality(alarm.metricName),
        threshold: alarm.threshold,
        comparison: alarm.comparison,
        evaluationPeriods: alarm.evaluationPeriods ?? 1,
        datapointsToAlarm: alarm.datapointsToAlarm ?? 1,
        owner: alarm.alarmOwnership.owner,
        runbookUrl: alarm.alarmOwnership.runbookUrl,
        summary: `Model quality of ${this.endpointName}: ${alarm.metricName} ${bad} ${alarm.threshold}`,
        // A run without labelled traffic publishes nothing: that is not a quality drop.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      alarm.alarmTopic,
    );
  }
}
