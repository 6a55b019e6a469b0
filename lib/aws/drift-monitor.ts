import { CfnResource, Duration, Lazy, RemovalPolicy, Stack, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
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
import { DEFAULT_BATCH_DRIFT_DELAY_MINUTES, DEFAULT_BATCH_DRIFT_SCHEDULE_MINUTES } from '../core/batch/drift-source';
import { BATCH_MANIFEST_FILE, BATCH_PARTITION_KEY, DEFAULT_BATCH_CONTENT_TYPE } from '../core/batch/layout';
import { DriftBaseline, PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from '../core/drift';
import { DriftReference, defaultReferenceMinutes } from '../core/drift-reference';
import { AlarmOwnership, ThresholdComparison } from '../core/rollback';
import { ownedAlarm, ownedDescription, recordOwnership } from './private/alarms';
import { allowLogsToUseKey } from './private/logs-key';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './private/nag';
import { runtimeAssetCode } from './private/runtime-asset';
import { synthProblems, validateProps } from './private/validate';
import { DEFAULT_DRIFT_SCHEDULE_MINUTES, DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS } from '../core/policy';
import { driftFeatureSchema, driftMonitorSchema, featureSlug, plainDriftProps, rateIntervalMinutes } from '../core/schemas/drift-monitor';

/** Namespace of the drift job's metrics (dimensions: `EndpointName`, and `Feature` for `PSI`). */
export const DRIFT_METRIC_NAMESPACE = 'CdkMlops/Drift';
/** Feature name under which the job publishes the drift of the predictions. */
export const PREDICTION_FEATURE = '__prediction__';


/**
 * Batch scoring's output, watched by a `DriftMonitor` instead of an endpoint's data capture: each
 * run reads the committed partitions (`<outputUri>date=YYYY-MM-DD/_MANIFEST.json` and exactly the
 * files it lists; a run that has not committed is never read) of the logical dates that settled
 * since the previous run. Records are SageMaker Batch Transform's output with `JoinSource: Input`:
 * CSV lines holding the features in the order of `features`, then the prediction; or JSON Lines
 * objects holding the features by name and the prediction under `predictionKey`.
 */
export interface BatchDriftSource {
  /** Where the batch scoring writes, `s3://bucket/prefix/` (its `outputUri`). */
  readonly outputUri: string;
  /**
   * Content type of the scored records: `text/csv` or `application/jsonlines`.
   * @default 'text/csv'
   */
  readonly contentType?: string;
  /**
   * How long after the end of a logical date's day (UTC) its partition is read: at least the
   * scoring's `hourUtc` plus its longest run. A date not committed by then is logged as missing
   * and not read later. Whole minutes, up to 7 days.
   * @default Duration.hours(12)
   */
  readonly delay?: Duration;
  /**
   * JSON Lines: the key of the prediction in each record.
   * @default 'SageMakerOutput' (what Batch Transform writes with JoinSource: Input)
   */
  readonly predictionKey?: string;
  /**
   * KMS key the output is encrypted with (the job gets `kms:Decrypt` on it).
   * @default - none (SSE-S3)
   */
  readonly encryptionKey?: kms.IKey;
}

/** Properties of a `DriftMonitor`. */
export interface DriftMonitorProps {
  /**
   * Name of the endpoint whose traffic is watched; with `batchSource`, the batch scoring's name.
   * It is the `EndpointName` dimension of the metrics either way.
   */
  readonly endpointName: string;
  /**
   * Where the endpoint captures its traffic (`GpuServingEndpoint.dataCaptureLocation`).
   * @default - none: `batchSource` must be set (one of the two)
   */
  readonly capture?: DataCaptureLocation;
  /**
   * Watch a batch scoring's output instead of an endpoint's capture.
   * @default - none: `capture` must be set (one of the two)
   */
  readonly batchSource?: BatchDriftSource;
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
   * How often the job runs: a rate (`events.Schedule.rate(...)`) of 5 minutes to 7 days; the
   * alarms judge one run per interval, so a cron expression is refused. With `batchSource`, whole
   * days (one partition a day).
   * @default - every hour (`rate(1 hour)`); with `batchSource`, every day (`rate(1 day)`)
   */
  readonly schedule?: events.Schedule;
  /**
   * How much traffic each run looks at, in whole minutes from 5 minutes to 31 days (at least the
   * schedule's interval, so no traffic is skipped).
   * @default - the schedule's interval
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
   * How much earlier traffic the reference holds, in whole minutes up to 31 days (at least the
   * window; not with `TRAINING`).
   * @default - 7 days for ROLLING_WINDOW, 1 day for SAME_PERIOD_LAST_YEAR
   */
  readonly referenceSpan?: Duration;
  /**
   * Values a column needs in the reference traffic; a column with fewer (a young endpoint, a
   * quiet period) is compared with the training baseline, and `metricReferenceFallbacks` counts it.
   * @default 1000
   */
  readonly minReferenceValues?: number;
  /**
   * Role the drift job runs with; the monitor adds its statements to it (`addToPrincipalPolicy`).
   * @default - a new role with exactly the job's permissions
   */
  readonly role?: iam.IRole;
  /**
   * VPC the drift job runs in (it needs to reach S3 and CloudWatch, e.g. through endpoints).
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` the job runs in.
   * @default - the private subnets of `vpc` (lambda.Function's default)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the job in `vpc` (at most 5).
   * @default - a new group allowing only HTTPS out
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

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

/**
 * Data and prediction drift on AWS: a scheduled job (a bundled Lambda using the drift math of
 * `core.DriftMath`) reads the endpoint's captured traffic and the training baseline, publishes PSI
 * per feature and for predictions to CloudWatch, and alarms at the investigate (0.1) and act (0.2)
 * thresholds; sustained drift (M of N runs above act on any feature) is a composite alarm whose
 * state change starts retraining (`onSustainedDrift(id, { target: pipeline.startTarget() })`).
 * Features can be added after construction (`addFeature`). With `batchSource` it watches a batch
 * scoring's inputs instead (its committed partitions, daily by default), under the same metrics and
 * alarms with the scoring's name as `EndpointName`.
 */
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
  /** The role the drift job runs with (`role`, or one made for it). */
  public readonly role: iam.IRole;
  /** Per feature: the investigate and act alarms; and the job's own error alarm. */
  public readonly featureAlarms: cloudwatch.Alarm[] = [];
  /** Any feature above the act threshold in M of N runs. */
  public readonly sustainedDrift: cloudwatch.CompositeAlarm;
  /** The endpoint whose traffic is watched. */
  public readonly endpointName: string;
  /** Security groups of the job, when it runs in a VPC. */
  public readonly securityGroups?: ec2.ISecurityGroup[];

  private readonly props: DriftMonitorProps;
  /** The watched features, in order: the props' then those added (predictions are implied). */
  private readonly features: string[] = [];
  /** Construct-id slugs of the features that have their alarms. */
  private readonly alarmedSlugs = new Set<string>();
  /** The per-feature sustained-drift alarms the composite alarm ORs. */
  private readonly sustained: cloudwatch.Alarm[] = [];
  private readonly schedule: events.Schedule;
  private readonly period: Duration;
  private readonly windowMinutes: number;
  private readonly reference: DriftReference;
  private readonly referenceMinutes: number;

  /** The sustained-drift alarm as `IDriftMonitor` names it: `sustainedDrift`. */
  public get sustainedDriftAlarm(): cloudwatch.IAlarm {
    return this.sustainedDrift;
  }

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    validateProps(this, driftMonitorSchema, plainDriftProps(props, props.features));
    this.props = props;
    this.endpointName = props.endpointName;
    const defaultMinutes = props.batchSource ? DEFAULT_BATCH_DRIFT_SCHEDULE_MINUTES : DEFAULT_DRIFT_SCHEDULE_MINUTES;
    this.schedule = props.schedule ?? events.Schedule.rate(Duration.minutes(defaultMinutes));
    const scheduleMinutes = rateIntervalMinutes(this.schedule.expressionString)!;
    this.period = Duration.minutes(scheduleMinutes);
    this.windowMinutes = props.window?.toMinutes() ?? scheduleMinutes;
    this.reference = props.reference ?? DriftReference.TRAINING;
    this.referenceMinutes = props.referenceSpan?.toMinutes() ?? defaultReferenceMinutes(this.reference);

    // One key for the job's logs and environment.
    const key = new kms.Key(this, 'Key', { description: `Encrypts the drift job of ${props.endpointName}`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    allowLogsToUseKey(key, Stack.of(this));
    const logGroup = new logs.LogGroup(this, 'JobLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: key });
    this.role = props.role ?? new iam.Role(this, 'JobRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `Computes drift of ${props.endpointName}` });
    this.grantJob(logGroup);
    this.securityGroups = props.vpc ? (props.securityGroups ?? [this.createSecurityGroup(props.vpc)]) : undefined;
    this.job = this.createJob(key, logGroup);
    new events.Rule(this, 'Schedule', {
      description: `Drift job of ${props.endpointName}`,
      schedule: this.schedule,
      targets: [new targets.LambdaFunction(this.job, { retryAttempts: 2 })],
    });

    props.features.forEach((f) => this.watch(f));
    this.createFeatureAlarms(PREDICTION_FEATURE);
    this.sustainedDrift = this.createSustainedDrift();
    this.featureAlarms.push(this.createJobErrorsAlarm());
    // Features added later are judged with the rest: unique, in the baseline.
    this.node.addValidation({ validate: () => this.validateFeatures() });
  }

  /**
   * Watch one more feature: the job computes its PSI, and it gets the investigate and act alarms
   * and a part in the sustained-drift alarm, at the monitor's thresholds.
   * @param feature a column of the captured records and of the baseline
   */
  public addFeature(feature: string): void {
    validateProps(this, driftFeatureSchema, { feature });
    this.watch(feature);
  }

  private watch(feature: string): void {
    this.features.push(feature);
    // A feature listed twice is reported by validateFeatures at synth, named, not as a clash of ids.
    if (!this.alarmedSlugs.has(featureSlug(feature))) {
      this.createFeatureAlarms(feature);
    }
  }

  /** The props as the schema sees them: the user's keys, Durations in seconds, the schedule's expression. */
  private validateFeatures(): string[] {
    return synthProblems(this, driftMonitorSchema, plainDriftProps(this.props, this.features));
  }

  /** Least privilege: its logs, the capture prefix (or batch partitions), the baseline, the keys of both, metrics of its namespace. */
  private grantJob(logGroup: logs.ILogGroup): void {
    const { capture, batchSource, baselineBucket, baselineKey } = this.props;
    const allow = (statement: iam.PolicyStatementProps) => this.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
    allow({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] });
    if (capture) {
      allow({ actions: ['s3:GetObject'], resources: [capture.bucket.arnForObjects(`${capture.prefix}/*`)] });
      acknowledgeWildcardResources(this.role, [capture.bucket.arnForObjects(`${capture.prefix}/*`)],
        'The job reads the captured requests of its endpoint, which SageMaker writes under keys it names by hour below the capture prefix.');
      allow({ actions: ['s3:ListBucket'], resources: [capture.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${capture.prefix}/*`] } } });
    } else {
      this.grantBatchPartitions(batchSource!);
    }
    allow({ actions: ['s3:GetObject'], resources: [baselineBucket.arnForObjects(baselineKey)] });
    for (const dataKey of [capture?.key ?? batchSource?.encryptionKey, baselineBucket.encryptionKey]) {
      if (dataKey) {
        allow({ actions: ['kms:Decrypt'], resources: [dataKey.keyArn] });
      }
    }
    // PutMetricData has no resource-level permissions: the condition limits it to the drift namespace.
    allow({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': DRIFT_METRIC_NAMESPACE } } });
    acknowledgeWildcardResources(this.role, ['*'], INHERENT_WILDCARD.putMetricData(DRIFT_METRIC_NAMESPACE));
    if (this.props.vpc) {
      // A function in a VPC manages its network interfaces (what AWSLambdaVPCAccessExecutionRole
      // grants); these EC2 actions have no resource-level permissions for that use.
      allow({
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      });
      acknowledgeWildcardResources(this.role, ['*'], INHERENT_WILDCARD.VPC_NETWORK_INTERFACES);
    }
  }

  /**
   * Exactly the committed partitions of the batch output: its manifests (`<prefix>date=????-??-??/_MANIFEST.json`,
   * listed by their own key only) and the files of its runs (`<prefix>date=????-??-??/run=*`), nothing
   * else of the bucket and no listing of a run.
   */
  private grantBatchPartitions(source: BatchDriftSource): void {
    const [bucketName, prefix] = splitS3Prefix(source.outputUri);
    const bucket = s3.Bucket.fromBucketName(this, 'BatchOutput', bucketName);
    const date = `${BATCH_PARTITION_KEY}=????-??-??`;
    const manifests = `${prefix}${date}/${BATCH_MANIFEST_FILE}`;
    const objects = [bucket.arnForObjects(manifests), bucket.arnForObjects(`${prefix}${date}/run=*`)];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
    acknowledgeWildcardResources(this.role, objects,
      'The job reads the batch partitions of its dates: each date\'s manifest, and the files of the run it commits, named by the run\'s id.');
    // Listing the manifest's own key tells "not committed" (no key) from "denied" (GetObject of a
    // missing key answers 403 without s3:ListBucket); the condition allows no other listing.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [manifests] } },
    }));
  }

  /** The job reaches S3 and CloudWatch over HTTPS only. */
  private createSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: `The drift job of ${this.endpointName}: HTTPS out only`, allowAllOutbound: false });
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 and CloudWatch');
    return group;
  }

  private createJob(key: kms.IKey, logGroup: logs.ILogGroup): lambda.Function {
    const job = new lambda.Function(this, 'Job', {
      description: `Drift of ${this.endpointName}: PSI per feature against the training baseline`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: runtimeAssetCode('drift-job'),
      role: this.role,
      logGroup,
      memorySize: 2048,
      // About a minute per 30 minutes of capture read (window and reference), within Lambda's 15.
      timeout: Duration.minutes(Math.min(15, Math.max(2, Math.ceil((this.windowMinutes + this.referenceMinutes) / 30)))),
      reservedConcurrentExecutions: 1,
      environmentEncryption: key,
      environment: this.renderEnvironment(),
      vpc: this.props.vpc,
      vpcSubnets: this.props.vpcSubnets,
      securityGroups: this.securityGroups,
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnResource | undefined;
    if (!this.props.role && policy) {
      // The function depends on its role through the ARN already; keep only the explicit dependency
      // on the role's policy (a DependsOn on the role too is redundant: cfn-lint W3005).
      (job.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', [policy.logicalId]);
    }
    return job;
  }

  /** The job's configuration; the feature list renders at synth (`addFeature`). */
  private renderEnvironment(): Record<string, string> {
    const { capture, batchSource, baselineBucket, baselineKey, minReferenceValues } = this.props;
    return {
      ENDPOINT_NAME: this.endpointName,
      ...(capture ? { CAPTURE_BUCKET: capture.bucket.bucketName, CAPTURE_PREFIX: capture.prefix } : renderBatchEnvironment(batchSource!)),
      BASELINE_BUCKET: baselineBucket.bucketName,
      BASELINE_KEY: baselineKey,
      FEATURE_NAMES: Lazy.string({ produce: () => this.features.join(',') }),
      WINDOW_MINUTES: String(this.windowMinutes),
      METRIC_NAMESPACE: DRIFT_METRIC_NAMESPACE,
      ...(this.reference !== DriftReference.TRAINING
        ? {
          REFERENCE: this.reference,
          REFERENCE_MINUTES: String(this.referenceMinutes),
          ...(minReferenceValues !== undefined ? { MIN_REFERENCE_VALUES: Tokenization.stringifyNumber(minReferenceValues) } : {}),
        }
        : {}),
    };
  }

  /** The investigate and act alarms of one feature (or the predictions), and its sustained-drift alarm. */
  private createFeatureAlarms(feature: string): void {
    const { alarmOwnership: own, alarmTopic } = this.props;
    const label = feature === PREDICTION_FEATURE ? 'predictions' : `feature ${feature}`;
    const slug = featureSlug(feature);
    this.alarmedSlugs.add(slug);
    // No data (an empty window) is not drift.
    const common = {
      metric: this.metricPsi(feature, { period: this.period }),
      comparison: ThresholdComparison.GREATER_THAN,
      owner: own.owner,
      runbookUrl: own.runbookUrl,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const investigate = this.props.investigateThreshold ?? PSI_INVESTIGATE_THRESHOLD;
    const act = this.props.actThreshold ?? PSI_ACT_THRESHOLD;
    for (const [level, threshold] of [['Investigate', investigate], ['Act', act]] as const) {
      const summary = `${level === 'Act' ? 'Act on' : 'Investigate'} drift of ${label} on ${this.endpointName}: PSI > ${threshold}`;
      const spec = { ...common, id: `${level}-${slug}`, threshold, evaluationPeriods: 1, datapointsToAlarm: 1, summary };
      this.featureAlarms.push(ownedAlarm(this, spec, alarmTopic));
    }
    this.sustained.push(
      ownedAlarm(this, {
        ...common,
        id: `Sustained-${slug}`,
        threshold: act,
        evaluationPeriods: this.props.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS,
        datapointsToAlarm: this.props.sustainedDatapoints ?? DEFAULT_SUSTAINED_DRIFT_DATAPOINTS,
        summary: `Sustained drift of ${label} on ${this.endpointName}`,
      }),
    );
  }

  /** Any feature's sustained-drift alarm: the rule renders at synth, with the features added later. */
  private createSustainedDrift(): cloudwatch.CompositeAlarm {
    const own = this.props.alarmOwnership;
    const record = {
      summary: `Sustained drift on ${this.endpointName}: retrain (the training pipeline starts on this alarm).`,
      owner: own.owner,
      runbookUrl: own.runbookUrl,
    };
    const alarm = new cloudwatch.CompositeAlarm(this, 'SustainedDrift', {
      alarmRule: { renderAlarmRule: () => Lazy.string({ produce: () => cloudwatch.AlarmRule.anyOf(...this.sustained).renderAlarmRule() }) },
      alarmDescription: ownedDescription(record),
    });
    recordOwnership(alarm, record);
    if (this.props.alarmTopic) {
      alarm.addAlarmAction(new actions.SnsAction(this.props.alarmTopic));
    }
    return alarm;
  }

  private createJobErrorsAlarm(): cloudwatch.Alarm {
    const own = this.props.alarmOwnership;
    return ownedAlarm(
      this,
      {
        id: 'JobErrors',
        metric: this.job.metricErrors({ period: this.period }),
        threshold: 0,
        comparison: ThresholdComparison.GREATER_THAN,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        owner: own.owner,
        runbookUrl: own.runbookUrl,
        summary: `The drift job of ${this.endpointName} fails: drift is not being measured`,
      },
      this.props.alarmTopic,
    );
  }
}

/** `[bucket, prefix]` of an `s3://bucket/prefix/` (the bucket may be a token: a token's text holds no "/"). */
function splitS3Prefix(uri: string): [string, string] {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`${uri} is not s3://bucket/prefix/`);
  return [m[1], m[2]];
}

/** The drift job's environment for a batch source (lib/runtime/drift-job/handler.ts). */
function renderBatchEnvironment(source: BatchDriftSource): Record<string, string> {
  return {
    BATCH_OUTPUT_URI: source.outputUri,
    BATCH_CONTENT_TYPE: source.contentType ?? DEFAULT_BATCH_CONTENT_TYPE,
    BATCH_DELAY_MINUTES: String(source.delay?.toMinutes() ?? DEFAULT_BATCH_DRIFT_DELAY_MINUTES),
    ...(source.predictionKey !== undefined ? { BATCH_PREDICTION_KEY: source.predictionKey } : {}),
  };
}
