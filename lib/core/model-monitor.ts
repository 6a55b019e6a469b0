import { sha256Hex } from './sha256';

// SageMaker Model Monitor facts: where the analyzer image lives, what a monitoring schedule may say,
// what the jobs publish. Pure and target-neutral (the AWS constructs render them).

/**
 * AWS account holding the `sagemaker-model-monitor-analyzer` image, per region.
 * Source: https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html
 * (the same table as the SageMaker Python SDK, `src/sagemaker/image_uri_config/model-monitor.json`).
 */
export const MODEL_MONITOR_ANALYZER_ACCOUNTS: Readonly<Record<string, string>> = Object.freeze({
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
  'af-south-1': '875698925577',
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
  'eu-central-1': '048819808253',
  'eu-north-1': '895015795356',
  'eu-south-1': '933208885752',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
  'us-gov-west-1': '362178532790',
});

/** Repository of the prebuilt analyzer (same source as the accounts). */
export const MODEL_MONITOR_ANALYZER_REPOSITORY = 'sagemaker-model-monitor-analyzer';

/**
 * The analyzer image of a concrete region, or undefined when the region has none. China regions
 * serve ECR under `amazonaws.com.cn`.
 */
export function modelMonitorAnalyzerImage(region: string): string | undefined {
  const account = Object.prototype.hasOwnProperty.call(MODEL_MONITOR_ANALYZER_ACCOUNTS, region) ? MODEL_MONITOR_ANALYZER_ACCOUNTS[region] : undefined;
  if (!account) {
    return undefined;
  }
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${suffix}/${MODEL_MONITOR_ANALYZER_REPOSITORY}`;
}

/**
 * CloudWatch namespaces of the prebuilt analyzer's metrics for real-time endpoints (dimensions
 * `Endpoint` and `MonitoringSchedule`, and `Feature` for a data quality metric of one feature: see
 * `DATA_QUALITY_FEATURE_DIMENSION`). Sources: "Model quality metrics and Amazon CloudWatch
 * monitoring" (SageMaker developer guide) for model metrics; the SageMaker Python SDK's automatic
 * dashboards (`sagemaker/dashboard/*_dashboard.py`) for both namespaces and their dimensions.
 */
export const DATA_QUALITY_NAMESPACE = 'aws/sagemaker/Endpoints/data-metrics';

/**
 * The dimension naming the feature of a data quality metric (`feature_baseline_drift_<feature>`,
 * `feature_non_null_<feature>` …): the SDK's data quality dashboard searches
 * `{aws/sagemaker/Endpoints/data-metrics,Endpoint,Feature,MonitoringSchedule}` (model quality:
 * `{aws/sagemaker/Endpoints/model-metrics,Endpoint,MonitoringSchedule}`), so a per-feature metric read
 * without `Feature` matches nothing. The developer guide is not consistent here: "CloudWatch Metrics"
 * (model-monitor-interpreting-cloudwatch) names `/aws/sagemaker/Endpoints/data-metric` with
 * `EndpointName` and `ScheduleName`, "CloudWatch Metrics for Bring Your Own Containers" names
 * `/aws/sagemaker/Endpoint/data-metrics` with `Endpoint` and `MonitoringSchedule`; the SDK's dashboards
 * are the code that reads the prebuilt analyzer's metrics, so they are followed.
 * https://github.com/aws/sagemaker-python-sdk/blob/master/src/sagemaker/dashboard/data_quality_dashboard.py
 */
export const DATA_QUALITY_FEATURE_DIMENSION = 'Feature';
/** See `DATA_QUALITY_NAMESPACE`. */
export const MODEL_QUALITY_NAMESPACE = 'aws/sagemaker/Endpoints/model-metrics';

/**
 * Metrics a model quality job computes, per problem type. Source: "Model quality metrics and Amazon
 * CloudWatch monitoring" (SageMaker developer guide) and the SDK's model quality dashboard (`au_prc`).
 */
export const MODEL_QUALITY_METRICS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Regression: ['mae', 'mse', 'rmse', 'r2'],
  BinaryClassification: [
    'accuracy', 'precision', 'recall', 'f0_5', 'f1', 'f2', 'auc', 'au_prc',
    'true_positive_rate', 'true_negative_rate', 'false_positive_rate', 'false_negative_rate',
    'accuracy_best_constant_classifier', 'precision_best_constant_classifier', 'recall_best_constant_classifier',
    'f0_5_best_constant_classifier', 'f1_best_constant_classifier', 'f2_best_constant_classifier',
  ],
  MulticlassClassification: [
    'accuracy', 'weighted_precision', 'weighted_recall', 'weighted_f0_5', 'weighted_f1', 'weighted_f2',
    'accuracy_best_constant_classifier', 'weighted_precision_best_constant_classifier', 'weighted_recall_best_constant_classifier',
    'weighted_f0_5_best_constant_classifier', 'weighted_f1_best_constant_classifier', 'weighted_f2_best_constant_classifier',
  ],
});

/**
 * Longest run of an hourly model quality execution: the hour is shared by the ground-truth merge
 * job and the monitoring job. Source: "Schedule model quality monitoring jobs" (SageMaker developer
 * guide): "for an hourly model quality monitoring job, the value of MaxRuntimeInSeconds … should be
 * no more than 1800".
 */
export const MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS = 1800;

/** Longest `MaxRuntimeInSeconds` of a monitoring job (CloudFormation and API: 1 to 86400). */
export const MONITORING_MAX_RUNTIME_SECONDS = 86400;

/**
 * Longest span an alarm may look at when its period is an hour or more: period × evaluation periods
 * ≤ 604,800 seconds (7 days). Source: CloudWatch API reference, `PutMetricAlarm`, `Period`.
 */
export const ALARM_MAX_EVALUATION_SECONDS = 604800;

/** Instances of a monitoring job when none is given. */
export const DEFAULT_MONITORING_INSTANCE_COUNT = 1;
/** Instance type of a monitoring job when none is given (the SageMaker Python SDK's examples). */
export const DEFAULT_MONITORING_INSTANCE_TYPE = 'ml.m5.xlarge';
/** Volume of each monitoring instance when none is given, GB. */
export const DEFAULT_MONITORING_VOLUME_GB = 20;

/** Hourly, the default cadence (`ScheduleConfig.ScheduleExpression`). */
export const HOURLY_SCHEDULE = 'cron(0 * ? * * *)';

const HOURLY = /^cron\(0 \* \? \* \* \*\)$/;
const DAILY = /^cron\(0 (\d{1,2}) \? \* \* \*\)$/;
const EVERY_N_HOURS = /^cron\(0 (\d{1,2})\/(\d{1,2}) \? \* \* \*\)$/;

/**
 * Hours between two runs of a Model Monitor schedule expression, or undefined when SageMaker does
 * not accept it. The accepted forms are `cron(0 * ? * * *)` (hourly), `cron(0 H ? * * *)` (daily
 * at hour H UTC) and `cron(0 H/N ? * * *)` (every N hours from hour H), H in 0–23 and N in 1–24.
 * `NOW` (one run, with an explicit analysis window) is not a recurring schedule and is not accepted.
 * Source: `ScheduleConfig` (SageMaker API reference) and "The cron expression for monitoring schedule".
 */
export function monitorScheduleIntervalHours(expression: string): number | undefined {
  if (HOURLY.test(expression)) {
    return 1;
  }
  const daily = DAILY.exec(expression);
  if (daily) {
    return Number(daily[1]) <= 23 ? 24 : undefined;
  }
  const every = EVERY_N_HOURS.exec(expression);
  if (every) {
    const [start, n] = [Number(every[1]), Number(every[2])];
    return start <= 23 && n >= 1 && n <= 24 ? n : undefined;
  }
  return undefined;
}

/** A negative ISO-8601 offset of whole hours as Model Monitor writes it: `-P8D` or `-PT7H`. */
export function negativeIsoOffset(hours: number): string {
  return hours % 24 === 0 ? `-P${hours / 24}D` : `-PT${hours}H`;
}

/**
 * A Model Monitor resource name (`^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`, at most 63 characters) made from
 * an endpoint name and a kind: `fraud-data-quality`; when too long, the endpoint part is cut and an
 * 8-character hash of the full name keeps it unique and deterministic.
 */
export function monitorScheduleName(endpointName: string, kind: string): string {
  const full = `${endpointName}-${kind}`;
  if (full.length <= 63) {
    return full;
  }
  const tail = `-${kind}-${sha256Hex(full).slice(0, 8)}`;
  return `${endpointName.slice(0, 63 - tail.length).replace(/-+$/, '')}${tail}`;
}
