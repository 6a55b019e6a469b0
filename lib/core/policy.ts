/**
 * The defaults with meaning that both targets enforce: one home, used by lib/aws, lib/k8s and
 * lib/platform (test/core/policy.test.ts renders one spec on both targets and compares what each
 * enforces). A number here changes behaviour on AWS and Kubernetes together.
 *
 * The rollout and rollback defaults live beside the policy types they parameterize:
 * `DEFAULT_BAKE_MINUTES` (core/rollout.ts), `DEFAULT_MAX_ERROR_RATE_PERCENT` (core/rollback.ts).
 */

/** The canary's share of traffic when a rollout gives none, percent: small enough that a bad model hurts few requests, large enough to be measured. */
export const DEFAULT_CANARY_PERCENT = 10;

/**
 * Instances (AWS) or replicas (Kubernetes) serving a model when none is given: two, so that one can
 * fail or be replaced without an outage, and a canary has a stable fleet beside it.
 */
export const DEFAULT_SERVING_REPLICAS = 2;

/**
 * Replicas of the platform's own servers (MLflow, the Feast feature server) when none is given: two,
 * with a PodDisruptionBudget, so that a node drain does not take them down.
 */
export const DEFAULT_PLATFORM_SERVER_REPLICAS = 2;

/**
 * GPU memory in use above which serving alarms (AWS) and alerts (Kubernetes) fire, percent of the GPUs' memory: near out-of-memory.
 * On AWS the threshold is this times the GPUs of the instance type: GPUMemoryUtilization (and
 * GPUUtilization) of `/aws/sagemaker/Endpoints` has "The value range is 0–100 and is multiplied by the
 * number of GPUs. For example, if there are four GPUs, the GPUMemoryUtilization range is 0%–400%", while
 * DiskUtilization is 0–100% ("Amazon SageMaker AI metrics in Amazon CloudWatch", endpoint instance metrics,
 * https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html).
 */
export const GPU_MEMORY_ALARM_PERCENT = 90;

/** Runs above the act threshold that make drift "sustained" (and start retraining), out of `DEFAULT_SUSTAINED_DRIFT_PERIODS`: one spike is noise, three in four runs is a trend. */
export const DEFAULT_SUSTAINED_DRIFT_DATAPOINTS = 3;

/** Minutes between two drift runs when no schedule is given (the AWS rate and the Kubernetes cron), and so the default window of traffic each run judges. */
export const DEFAULT_DRIFT_SCHEDULE_MINUTES = 60;

/** Share of served requests captured for drift statistics when none is given, percent: enough for drift statistics at a bounded cost. */
export const DEFAULT_CAPTURE_PERCENT = 10;

/**
 * Cold start of large models: about a minute per GiB of weights to download (kserve/kserve#2529),
 * what both targets size their start-up allowance by (the SageMaker download timeout, the Kubernetes
 * startup probe).
 */
export const DOWNLOAD_SECONDS_PER_GIB = 60;

/** Seconds after a scale-in before the fleet shrinks again (SageMaker's scale-in cooldown, the HPA's scale-down stabilization window): GPU capacity comes back slowly. */
export const SCALE_IN_COOLDOWN_SECONDS = 600;

/**
 * A platform model's autoscaling target when the spec sets none: invocations per instance per
 * minute (SageMaker's `SageMakerVariantInvocationsPerInstance`; on Kubernetes, divided by 60 as
 * requests per second).
 */
export const DEFAULT_TARGET_INVOCATIONS_PER_INSTANCE = 600;

/** Drift runs looked at for sustained drift. */
export const DEFAULT_SUSTAINED_DRIFT_PERIODS = 4;

/** Hour of the day (UTC) at which scheduled training runs start when the spec names a weekday but no hour: a quiet hour for most traffic. */
export const DEFAULT_TRAINING_HOUR_UTC = 3;

/**
 * Scrape interval the canary analysis assumes, seconds: Prometheus' default `global.scrape_interval`
 * is 1m (https://prometheus.io/docs/prometheus/latest/configuration/configuration/), the longest a
 * ServiceMonitor/PodMonitor without `interval` gets. A canary's first series sample arrives within one
 * interval of its first request, and `rate()` needs two samples, so the analysis waits
 * (`initialDelay`) one interval plus the rate window before its first measurement.
 */
export const ANALYSIS_SCRAPE_INTERVAL_SECONDS = 60;

/**
 * Empty or NaN results (no canary series, no traffic: 0/0) a canary analysis metric tolerates before
 * it is Inconclusive, which pauses the Rollout for a person (`kubectl argo rollouts promote` or
 * `abort`): one missed scrape or a Prometheus restart is no verdict, a third empty interval is.
 * Argo counts `result.Inconclusive > inconclusiveLimit` over the run (argo-rollouts
 * analysis/analysis.go `assessMetricFailureInconclusiveOrError`; the default limit is 0).
 */
export const ANALYSIS_INCONCLUSIVE_LIMIT = 2;
