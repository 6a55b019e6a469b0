import { CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { DataCaptureLocation } from './gpu-serving-endpoint';
import { DriftBaseline, PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from '../core/drift';
import { DriftReference, defaultReferenceMinutes } from '../core/drift-reference';
import { AlarmOwnership, ThresholdComparison } from '../core/rollback';
import { ownedAlarm, ownedDescription, recordOwnership } from './private/alarms';
import { runtimeAssetCode } from './private/runtime-asset';
import { validateProps } from './private/validate';
import { DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS } from '../core/policy';
import { driftMonitorSchema } from '../core/schemas/drift-monitor';

/** Namespace of the drift job's metrics (dimensions: `EndpointName`, and `Feature` for `PSI`). */
export const DRIFT_METRIC_NAMESPACE = 'CdkMlops/Drift';
/** Feature name under which the job publishes the drift of the predictions. */
export const PREDICTION_FEATURE = '__prediction__';


/** Properties of a `DriftMonitor`. */
export interface DriftMonitorProps {
  /** Name of the endpoint whose traffic is watched. */
  readonly endpointName: string;
  /** Where the endpoint captures its traffic (`GpuServingEndpoint.dataCaptureLocation`). */
  readonly capture: DataCaptureLocation;
  /** Bucket holding the training baseline (`core.DriftMath` baseline JSON, version 1). */
  readonly baselineBucket: s3.IBucket;
  /** Key of the baseline in the bucket. */
  readonly baselineKey: string;
  /** Features to watch (each gets its alarms); predictions are always watched. */
  readonly features: string[];
  /** Who owns the drift alarms and where the runbook is. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * The baseline itself, when known at synth: features not in it are rejected.
   * @default - features are not checked against the baseline
   */
  readonly baseline?: DriftBaseline;
  /**
   * How often the job runs.
   * @default Duration.hours(1)
   */
  readonly schedule?: Duration;
  /**
   * How much traffic each run looks at (at least the schedule, so no traffic is skipped).
   * @default - the schedule
   */
  readonly window?: Duration;
  /**
   * PSI from which a feature is investigated (warning alarm).
   * @default 0.1
   */
  readonly investigateThreshold?: number;
  /**
   * PSI from which a feature drifted enough to act (alarm).
   * @default 0.2
   */
  readonly actThreshold?: number;
  /**
   * Runs above the act threshold, out of `sustainedPeriods`, that make drift "sustained".
   * @default 3
   */
  readonly sustainedDatapoints?: number;
  /**
   * Runs looked at for sustained drift.
   * @default 4
   */
  readonly sustainedPeriods?: number;
  /**
   * Topic notified by the alarms.
   * @default - none
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * What each window is compared with. `ROLLING_WINDOW` and `SAME_PERIOD_LAST_YEAR` re-count the
   * training baseline's bins on earlier capture, so seasonal shifts (Black Friday against a July
   * baseline) do not page anyone. They read `referenceSpan` of capture per run: mind the cost.
   * @default DriftReference.TRAINING
   */
  readonly reference?: DriftReference;
  /**
   * How much earlier traffic the reference holds (at least the window; not with `TRAINING`).
   * @default - 7 days for ROLLING_WINDOW, 1 day for SAME_PERIOD_LAST_YEAR
   */
  readonly referenceSpan?: Duration;
  /**
   * Values a column needs in the reference traffic; a column with fewer (a young endpoint, a
   * quiet period) is compared with the training baseline, and `metricReferenceFallbacks` counts it.
   * @default 1000
   */
  readonly minReferenceValues?: number;
}

/**
 * Data and prediction drift on AWS: a scheduled job (a bundled Lambda using the drift math of
 * `core.DriftMath`) reads the endpoint's captured traffic and the training baseline, publishes PSI
 * per feature and for predictions to CloudWatch, and alarms at the investigate (0.1) and act (0.2)
 * thresholds; sustained drift (M of N runs above act on any feature) is a composite alarm whose
 * state change starts retraining (`onSustainedDrift`, or `MlPipeline.startOnAlarm`).
 */
/**
 * A drift monitor's signals: the PSI metrics its job publishes and its sustained-drift alarm, for
 * dashboards, alarms and retraining. A monitor made here or one of another stack or app.
 */
export interface IDriftMonitor extends IConstruct {
  /** The endpoint whose traffic is watched. */
  readonly endpointName: string;
  /** Any feature above the act threshold in M of N runs (`sustainedDrift` on a `DriftMonitor`). */
  readonly sustainedDriftAlarm: cloudwatch.IAlarm;
  /** PSI of one feature (or `__prediction__`), Maximum per period. */
  metricPsi(feature: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Columns compared with the training baseline for lack of reference traffic. */
  metricReferenceFallbacks(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Records in each run's window (0 for an empty window). */
  metricRecordsInWindow(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** An EventBridge rule on sustained drift going into ALARM, e.g. to start the retraining pipeline. */
  onSustainedDrift(id: string, options?: events.OnEventOptions): events.Rule;
}

/** How to refer to an existing drift monitor (`DriftMonitor.fromDriftMonitorAttributes`). */
export interface DriftMonitorAttributes {
  /** The endpoint whose traffic the monitor watches (the `EndpointName` dimension of its metrics). */
  readonly endpointName: string;
  /** ARN of the monitor's sustained-drift composite alarm. */
  readonly sustainedDriftAlarmArn: string;
}

abstract class DriftMonitorBase extends Construct implements IDriftMonitor {
  public abstract readonly endpointName: string;
  public abstract readonly sustainedDriftAlarm: cloudwatch.IAlarm;

  /** PSI of one feature (or `__prediction__`), Maximum per period. */
  public metricPsi(feature: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DRIFT_METRIC_NAMESPACE,
      metricName: 'PSI',
      dimensionsMap: { EndpointName: this.endpointName, Feature: feature },
      statistic: 'Maximum',
      period: Duration.hours(1),
      ...props,
    });
  }

  /**
   * Columns compared with the training baseline for lack of reference traffic (only published
   * with a `ROLLING_WINDOW` or `SAME_PERIOD_LAST_YEAR` reference).
   */
  public metricReferenceFallbacks(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DRIFT_METRIC_NAMESPACE,
      metricName: 'ReferenceFallbackColumns',
      dimensionsMap: { EndpointName: this.endpointName },
      statistic: 'Maximum',
      ...props,
    });
  }

  /** Records in each run's window (0 for an empty window). */
  public metricRecordsInWindow(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DRIFT_METRIC_NAMESPACE,
      metricName: 'RecordsInWindow',
      dimensionsMap: { EndpointName: this.endpointName },
      statistic: 'Sum',
      ...props,
    });
  }

  /**
   * An EventBridge rule on sustained drift going into ALARM, e.g. to start the retraining pipeline.
   */
  public onSustainedDrift(id: string, options: events.OnEventOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, {
      description: options.description ?? `Sustained drift on ${this.endpointName}`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [this.sustainedDriftAlarm.alarmArn],
        detail: { state: { value: ['ALARM'] } },
      },
    });
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }
}

export class DriftMonitor extends DriftMonitorBase {
  /**
   * An existing drift monitor (of another stack or app): its metrics, its sustained-drift alarm and
   * `onSustainedDrift`, e.g. to start a pipeline of this stack on it.
   */
  public static fromDriftMonitorAttributes(scope: Construct, id: string, attrs: DriftMonitorAttributes): IDriftMonitor {
    class Import extends DriftMonitorBase {
      public readonly endpointName = attrs.endpointName;
      public readonly sustainedDriftAlarm = cloudwatch.CompositeAlarm.fromCompositeAlarmArn(this, 'SustainedDrift', attrs.sustainedDriftAlarmArn);
    }
    return new Import(scope, id);
  }

  /** The drift job. */
  public readonly job: lambda.Function;
  /** Per feature: the investigate and act alarms; and the job's own error alarm. */
  public readonly featureAlarms: cloudwatch.Alarm[] = [];
  /** Any feature above the act threshold in M of N runs. */
  public readonly sustainedDrift: cloudwatch.CompositeAlarm;
  /** The endpoint whose traffic is watched. */
  public readonly endpointName: string;

  /** The sustained-drift alarm as `IDriftMonitor` names it: `sustainedDrift`. */
  public get sustainedDriftAlarm(): cloudwatch.IAlarm {
    return this.sustainedDrift;
  }

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const scheduleMinutes = props.schedule?.toMinutes() ?? 60;
    validateProps(this, driftMonitorSchema, {
      endpointName: props.endpointName,
      features: props.features,
      baselineFeatures: props.baseline ? [...props.baseline.features.map((f) => f.name)] : undefined,
      alarmOwnership: props.alarmOwnership,
      scheduleMinutes,
      windowMinutes: props.window?.toMinutes({ integral: false }),
      investigateThreshold: props.investigateThreshold,
      actThreshold: props.actThreshold,
      sustainedDatapoints: props.sustainedDatapoints,
      sustainedPeriods: props.sustainedPeriods,
      baselineKey: props.baselineKey,
      reference: props.reference,
      referenceMinutes: props.referenceSpan?.toMinutes({ integral: false }),
      minReferenceValues: props.minReferenceValues,
    });
    this.endpointName = props.endpointName;
    const windowMinutes = props.window?.toMinutes() ?? scheduleMinutes;
    const reference = props.reference ?? DriftReference.TRAINING;
    const referenceMinutes = props.referenceSpan?.toMinutes() ?? defaultReferenceMinutes(reference);

    // One key for the job's logs and environment.
    const key = new kms.Key(this, 'Key', { description: `Encrypts the drift job of ${props.endpointName}`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${Stack.of(this).region}.amazonaws.com`));
    const logGroup = new logs.LogGroup(this, 'JobLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: key });
    const role = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Computes drift of ${props.endpointName}`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.capture.bucket.arnForObjects(`${props.capture.prefix}/*`)] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.capture.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${props.capture.prefix}/*`] } },
      }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.baselineBucket.arnForObjects(props.baselineKey)] }));
    for (const dataKey of [props.capture.key, props.baselineBucket.encryptionKey]) {
      if (dataKey) {
        role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [dataKey.keyArn] }));
      }
    }
    // PutMetricData has no resource-level permissions: the condition limits it to the drift namespace.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': DRIFT_METRIC_NAMESPACE } },
      }),
    );

    this.job = new lambda.Function(this, 'Job', {
      description: `Drift of ${props.endpointName}: PSI per feature against the training baseline`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: runtimeAssetCode('drift-job'),
      role,
      logGroup,
      memorySize: 2048,
      // About a minute per 30 minutes of capture read (window and reference), within Lambda's 15.
      timeout: Duration.minutes(Math.min(15, Math.max(2, Math.ceil((windowMinutes + referenceMinutes) / 30)))),
      reservedConcurrentExecutions: 1,
      environmentEncryption: key,
      environment: {
        ENDPOINT_NAME: props.endpointName,
        CAPTURE_BUCKET: props.capture.bucket.bucketName,
        CAPTURE_PREFIX: props.capture.prefix,
        BASELINE_BUCKET: props.baselineBucket.bucketName,
        BASELINE_KEY: props.baselineKey,
        FEATURE_NAMES: props.features.join(','),
        WINDOW_MINUTES: String(windowMinutes),
        METRIC_NAMESPACE: DRIFT_METRIC_NAMESPACE,
        ...(reference !== DriftReference.TRAINING
          ? {
            REFERENCE: reference,
            REFERENCE_MINUTES: String(referenceMinutes),
            ...(props.minReferenceValues !== undefined ? { MIN_REFERENCE_VALUES: String(props.minReferenceValues) } : {}),
          }
          : {}),
      },
    });
    // The function depends on its role through the ARN already; keep only the explicit dependency
    // on the role's policy (a DependsOn on the role too is redundant: cfn-lint W3005).
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
    (this.job.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', [policy.logicalId]);

    new events.Rule(this, 'Schedule', {
      description: `Drift job of ${props.endpointName}`,
      schedule: events.Schedule.rate(Duration.minutes(scheduleMinutes)),
      targets: [new targets.LambdaFunction(this.job, { retryAttempts: 2 })],
    });

    // --- alarms: a generic loop over (feature × level) -------------------------------------
    const period = Duration.minutes(scheduleMinutes);
    const investigate = props.investigateThreshold ?? PSI_INVESTIGATE_THRESHOLD;
    const act = props.actThreshold ?? PSI_ACT_THRESHOLD;
    const sustained: cloudwatch.Alarm[] = [];
    const own = props.alarmOwnership;
    for (const feature of [...props.features, PREDICTION_FEATURE]) {
      const metric = this.metricPsi(feature, { period });
      const label = feature === PREDICTION_FEATURE ? 'predictions' : `feature ${feature}`;
      const slug = feature.replace(/[^A-Za-z0-9]/g, '');
      for (const [level, threshold] of [['Investigate', investigate], ['Act', act]] as const) {
        this.featureAlarms.push(
          ownedAlarm(
            this,
            {
              id: `${level}-${slug}`,
              metric,
              threshold,
              comparison: ThresholdComparison.GREATER_THAN,
              evaluationPeriods: 1,
              datapointsToAlarm: 1,
              owner: own.owner,
              runbookUrl: own.runbookUrl,
              summary: `${level === 'Act' ? 'Act on' : 'Investigate'} drift of ${label} on ${props.endpointName}: PSI > ${threshold}`,
              // No data (an empty window) is not drift.
              treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
            },
            props.alarmTopic,
          ),
        );
      }
      sustained.push(
        ownedAlarm(this, {
          id: `Sustained-${slug}`,
          metric,
          threshold: act,
          comparison: ThresholdComparison.GREATER_THAN,
          evaluationPeriods: props.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS,
          datapointsToAlarm: props.sustainedDatapoints ?? DEFAULT_SUSTAINED_DRIFT_DATAPOINTS,
          owner: own.owner,
          runbookUrl: own.runbookUrl,
          summary: `Sustained drift of ${label} on ${props.endpointName}`,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const sustainedRecord = {
      summary: `Sustained drift on ${props.endpointName}: retrain (the training pipeline starts on this alarm).`,
      owner: own.owner,
      runbookUrl: own.runbookUrl,
    };
    this.sustainedDrift = new cloudwatch.CompositeAlarm(this, 'SustainedDrift', {
      alarmRule: cloudwatch.AlarmRule.anyOf(...sustained),
      alarmDescription: ownedDescription(sustainedRecord),
    });
    recordOwnership(this.sustainedDrift, sustainedRecord);
    if (props.alarmTopic) {
      this.sustainedDrift.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    }
    const jobErrors = ownedAlarm(
      this,
      {
        id: 'JobErrors',
        metric: this.job.metricErrors({ period }),
        threshold: 0,
        comparison: ThresholdComparison.GREATER_THAN,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        owner: own.owner,
        runbookUrl: own.runbookUrl,
        summary: `The drift job of ${props.endpointName} fails: drift is not being measured`,
      },
      props.alarmTopic,
    );
    this.featureAlarms.push(jobErrors);
  }
}
