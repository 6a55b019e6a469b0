import { ApiObject, Chart, Cron, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources } from './compute-resources';
import { RetrainOnDrift, SustainedDriftOptions } from './drift-events';
import { DEFAULT_BATCH_DRIFT_DELAY_MINUTES } from '../core/batch/drift-source';
import { DEFAULT_BATCH_CONTENT_TYPE } from '../core/batch/layout';
import { PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from '../core/drift';
import { DriftReference, defaultReferenceMinutes } from '../core/drift-reference';
import { AlarmOwnership } from '../core/rollback';
import { standardLabels } from './private/labels';
import { toContainerResources } from './private/quantities';
import { LOGS_ONLY_DISK } from '../core/ephemeral-storage';
import { RESTRICTED_CONTAINER_PROPS, RESTRICTED_POD_PROPS, patchPodSeccomp } from './private/security';
import { addStateValidation, validateProps } from './private/validate';
import { DEFAULT_DRIFT_SCHEDULE_MINUTES, DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS } from '../core/policy';
import { RETRAIN_DATA_VERSION_LABEL } from '../core/retrain-events';
import { cronIntervalMinutes, cronStartingDeadlineMinutes, driftFeatureSchema, k8sDriftMonitorSchema, parseS3Location, plainDriftProps } from '../core/schemas/drift-monitor';
import { onSustainedDriftSchema } from '../core/schemas/retrain-events';

const CONFIG_DIR = '/etc/drift';
const DEFAULT_RESOURCES: ComputeResources = { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '2Gi' };

/** An Argo WorkflowTemplate, by name. */
export interface WorkflowTemplateReference {
  /** Name of the WorkflowTemplate (e.g. `MlPipeline.name`). */
  readonly name: string;
  /** Its namespace (e.g. `MlPipeline.namespace`). */
  readonly namespace: string;
}

/** Label of the sustained-drift alert naming the WorkflowTemplate that retrains the model. */
export const RETRAIN_TEMPLATE_LABEL = 'retrain_workflow_template';
/** Label of the sustained-drift alert naming that WorkflowTemplate's namespace. */
export const RETRAIN_NAMESPACE_LABEL = 'retrain_namespace';

/**
 * Batch scoring's output, watched by a Kubernetes `DriftMonitor` instead of an endpoint's data
 * capture: each run reads the committed partitions (`<outputUri>date=YYYY-MM-DD/_MANIFEST.json` and
 * exactly the files it lists; a run that has not committed is never read) of the logical dates
 * that settled since the previous run. Records are Batch Transform's output with `JoinSource:
 * Input`: CSV lines with the features in the order of `features`, then the prediction; or JSON
 * Lines objects with the features by name and the prediction under `predictionKey`.
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
}

/** Properties of a Kubernetes `DriftMonitor`. */
export interface DriftMonitorProps {
  /**
   * Name of the endpoint whose traffic is watched; with `batchSource`, the batch scoring's name.
   * The `endpoint` label of the metrics and alerts either way.
   */
  readonly endpointName: string;
  /**
   * Image of the drift job: Node.js 20+ with the bundled CLI (`assets/drift-job/index.js` of
   * this package) at `/opt/cdk-mlops/drift-job.js`, pinned by digest. Build it with
   * `docker/drift-job/Dockerfile` (`scripts/build-drift-image.sh`); the project publishes no image.
   */
  readonly image: string;
  /**
   * `s3://bucket/prefix` where the endpoint's traffic is captured (SageMaker data-capture layout).
   * @default - none: `batchSource` must be set (one of the two)
   */
  readonly captureUri?: string;
  /**
   * Watch a batch scoring's output instead of an endpoint's capture. The IRSA role
   * (`serviceAccountRoleArn`) needs `s3:GetObject` on `<prefix>date=????-??-??/_MANIFEST.json` and
   * `<prefix>date=????-??-??/run=*`, and `s3:ListBucket` with `s3:prefix` like the manifests' keys.
   * @default - none: `captureUri` must be set (one of the two)
   */
  readonly batchSource?: BatchDriftSource;
  /** `s3://bucket/key.json` of the training baseline (`core.DriftMath` baseline JSON). */
  readonly baselineUri: string;
  /** Features to watch; predictions are always watched. */
  readonly features: string[];
  /** Who owns the alerts and where the runbook is. */
  readonly alarmOwnership: AlarmOwnership;
  /** Pushgateway the job pushes its metrics to (`http://…:9091`). */
  readonly pushgatewayUrl: string;
  /**
   * When the job runs: a cron schedule with one interval of at least 5 minutes, the only kind the
   * sustained-drift alert (one sample per run) can count: every N minutes with N dividing 60 (a
   * step of N in the minute field), hourly (`Cron.hourly()`), every H hours with H dividing 24 (a
   * step of H in the hour field, at a fixed minute) or daily (`Cron.daily()`). With `batchSource`,
   * daily only (one partition a day).
   * @default - every hour on the hour (minute 0, a step of 1 in the hour field); with `batchSource`,
   * daily at 12:00 (when the previous day settles with the default delay)
   */
  readonly schedule?: Cron;
  /**
   * Traffic per run: whole minutes, at least the schedule's interval, at most 31 days.
   * @default - the schedule's interval
   */
  readonly window?: Duration;
  /**
   * PSI from which a feature is investigated.
   * @default 0.1
   */
  readonly investigateThreshold?: number;
  /**
   * PSI from which to act.
   * @default 0.2
   */
  readonly actThreshold?: number;
  /**
   * Runs above act, out of `sustainedPeriods`, that make drift sustained.
   * @default 3
   */
  readonly sustainedDatapoints?: number;
  /**
   * Runs looked at for sustained drift.
   * @default 4
   */
  readonly sustainedPeriods?: number;
  /**
   * Namespace.
   * @default 'monitoring-drift'
   */
  readonly namespace?: string;
  /**
   * Create the namespace (restricted Pod Security Standard), unless an object of the chart creates
   * it already (e.g. another monitor in the same namespace, or the model's namespace in a platform).
   * Without it, the namespace must exist before the chart is applied.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * IAM role for the service account (IRSA): read the capture prefix and the baseline.
   * @default - none
   */
  readonly serviceAccountRoleArn?: string;
  /**
   * Labels of the PrometheusRule for Prometheus' `ruleSelector`.
   * @default - none
   */
  readonly prometheusRuleLabels?: Record<string, string>;
  /**
   * Resources of the job.
   * @default - cpu 500m / 2, memory 1Gi / 2Gi
   */
  readonly resources?: ComputeResources;
  /**
   * What each window is compared with: the training baseline, or earlier capture re-counted on its
   * bins (`ROLLING_WINDOW`, `SAME_PERIOD_LAST_YEAR`) so seasonal shifts do not page anyone.
   * @default DriftReference.TRAINING
   */
  readonly reference?: DriftReference;
  /**
   * Earlier traffic in the reference: whole minutes, at least the window, at most 31 days (not with
   * `TRAINING`).
   * @default - 7 days for ROLLING_WINDOW, 1 day for SAME_PERIOD_LAST_YEAR
   */
  readonly referenceSpan?: Duration;
  /**
   * Values a column needs in the reference traffic; with fewer it is compared with the training baseline.
   * @default 1000
   */
  readonly minReferenceValues?: number;
  /**
   * The Argo WorkflowTemplate sustained drift should submit (the model's training pipeline). The
   * `DriftSustained` alert then carries the labels `retrain_workflow_template` and
   * `retrain_namespace`: an Alertmanager route matching them sends the alert to a webhook that
   * submits the template (e.g. an Argo Events webhook EventSource and a Sensor with an Argo
   * Workflow trigger), so one receiver serves every model.
   * @default - the alert names no workflow
   */
  readonly retrainWorkflowTemplate?: WorkflowTemplateReference;
}

/**
 * Drift monitoring on Kubernetes: a CronJob running the same drift job as on AWS (its config in a
 * ConfigMap), pushing PSI per feature to a Prometheus Pushgateway, and a PrometheusRule with the
 * same thresholds (investigate 0.1, act 0.2), sustained drift (M of N runs; labelled with the
 * WorkflowTemplate to submit when `retrainWorkflowTemplate` is set) and a stale-job alert. With
 * `batchSource` it watches a batch scoring's inputs instead (its committed partitions, daily), under
 * the same metrics and alerts with the scoring's name as the `endpoint` label.
 */
export class DriftMonitor extends Construct {
  /** The props as the schema sees them: the user's keys, the schedule as its cron expression, times in seconds. */
  /** Name of the CronJob, ConfigMap and PrometheusRule (`drift-<endpoint>`). */
  public readonly name: string;
  /** Namespace of the objects. */
  public readonly namespace: string;
  /**
   * The Namespace this monitor creates, restricted by Pod Security admission.
   * @default - none when `createNamespace` is false or an object of the chart created it first
   */
  public readonly namespaceObject?: ApiObject;
  /** The job's configuration (`config.json`: capture, baseline, features, window, reference). */
  public readonly config: kplus.ConfigMap;
  /** The CronJob running the drift job. */
  public readonly job: kplus.CronJob;
  /** The ServiceAccount the job runs as (IRSA with `serviceAccountRoleArn`; no API token mounted). */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The main object, the CronJob's `ApiObject` (for `addJsonPatch` where no prop or method fits), also `node.defaultChild`. */
  public readonly defaultChild: ApiObject;
  /** The PrometheusRule with the drift alerts. */
  public readonly alerts: ApiObject;

  private readonly props: DriftMonitorProps;
  /** The watched features, in order: the props' then those added (predictions are implied). */
  private readonly features: string[];
  private readonly schedule: Cron;
  private readonly scheduleMinutes: number;
  private readonly windowMinutes: number;
  private readonly labels: Record<string, string>;
  /** The data version `onSustainedDrift` labels the sustained-drift alert with. */
  private retrainDataVersion?: string;

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    validateProps(this, k8sDriftMonitorSchema, plainDriftProps(props, props.features));
    this.props = props;
    this.features = [...props.features];
    this.schedule = props.schedule ?? (props.batchSource
      ? Cron.schedule({ minute: '0', hour: String(DEFAULT_BATCH_DRIFT_DELAY_MINUTES / 60) })
      : Cron.schedule({ minute: '0', hour: `*/${DEFAULT_DRIFT_SCHEDULE_MINUTES / 60}` }));
    this.scheduleMinutes = cronIntervalMinutes(this.schedule.expressionString)!;
    this.windowMinutes = props.window ? props.window.toSeconds() / 60 : this.scheduleMinutes;
    this.namespace = props.namespace ?? 'monitoring-drift';
    this.name = `drift-${props.endpointName.toLowerCase()}`.slice(0, 52).replace(/-+$/, '');
    this.labels = standardLabels('drift-monitor', this.name, 'drift-monitor');
    if ((props.createNamespace ?? true) && !namespaceInChart(this, this.namespace)) {
      this.namespaceObject = new kplus.k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: this.namespace,
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' },
        },
      });
    }

    this.config = new kplus.ConfigMap(this, 'Config', { metadata: this.metadata('config') });
    // Rendered at synth: features added with addFeature are part of it.
    this.config.addData('config.json', Lazy.any({ produce: () => JSON.stringify(this.renderConfig(), null, 2) }) as unknown as string);
    this.serviceAccount = this.createServiceAccount();
    this.job = this.createJob();
    this.alerts = new ApiObject(this, 'Alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { ...this.metadata(), labels: { ...this.labels, ...(props.prometheusRuleLabels ?? {}) } },
      // At synth: onSustainedDrift labels the sustained-drift alert with the run's data version.
      spec: { groups: [{ name: `${this.name}.rules`, rules: Lazy.any({ produce: () => this.renderAlertRules() }) }] },
    });
    this.defaultChild = ApiObject.of(this.job);
    this.node.defaultChild = this.defaultChild;
    // Features added later are judged with the rest (a feature listed twice).
    addStateValidation(this, k8sDriftMonitorSchema, () => plainDriftProps(this.props, this.features));
  }

  /**
   * Watch one more feature: the job computes its PSI and the alerts judge it at the monitor's
   * thresholds (they are per feature already).
   * @param feature a column of the captured records and of the baseline
   */
  public addFeature(feature: string): void {
    validateProps(this, driftFeatureSchema, { feature });
    this.features.push(feature);
  }

  /**
   * Start the model's training on sustained drift, as `onSustainedDrift` with `pipeline.startTarget()`
   * does on AWS: the Sensor of `options.eventSource` submits the `retrainWorkflowTemplate` (which
   * must be set) when Alertmanager posts a firing `DriftSustained` group of this monitor, with
   * `data-version` `<dataVersion>@<time the alert started>` (the alert is labelled
   * `retrain_data_version`), and a Role in the template's namespace lets the Sensor create
   * Workflows there and nothing else.
   * @param id the construct id
   * @param options the event source and the data version of the runs
   */
  public onSustainedDrift(id: string, options: SustainedDriftOptions): RetrainOnDrift {
    const template = this.props.retrainWorkflowTemplate;
    validateProps(this, onSustainedDriftSchema, {
      retrainWorkflowTemplate: template,
      options: { eventSource: options.eventSource, dataVersion: options.dataVersion },
    });
    // Every monitor of the template labels its alert: Alertmanager groups them by the template, and the
    // Sensor reads retrain_data_version from the group's common labels. A second monitor of the same
    // template (the model's batch inputs) shares the first one's RetrainOnDrift.
    this.retrainDataVersion = options.dataVersion;
    return options.eventSource._retrainOnDrift(template!.namespace, template!.name,
      () => new RetrainOnDrift(this, id, { eventSource: options.eventSource, templateName: template!.name, templateNamespace: template!.namespace }));
  }

  private metadata(suffix?: string) {
    return { name: suffix ? `${this.name}-${suffix}` : this.name, namespace: this.namespace, labels: this.labels };
  }

  /** The drift job's `config.json` (the CLI's `DriftJobConfig`). */
  private renderConfig(): Record<string, unknown> {
    const p = this.props;
    const [baselineBucket, baselineKey] = parseS3Location(p.baselineUri)!;
    const reference = p.reference ?? DriftReference.TRAINING;
    return {
      endpointName: p.endpointName,
      ...(p.captureUri !== undefined ? renderCaptureConfig(p.captureUri) : renderBatchConfig(p.batchSource!)),
      baselineBucket,
      baselineKey,
      featureNames: [...this.features],
      windowMinutes: this.windowMinutes,
      ...(reference !== DriftReference.TRAINING
        ? {
          reference,
          referenceMinutes: p.referenceSpan ? p.referenceSpan.toSeconds() / 60 : defaultReferenceMinutes(reference),
          ...(p.minReferenceValues !== undefined ? { minReferenceValues: p.minReferenceValues } : {}),
        }
        : {}),
    };
  }

  private createServiceAccount(): kplus.ServiceAccount {
    const p = this.props;
    return new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { ...this.metadata(), annotations: p.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': p.serviceAccountRoleArn } : undefined },
      automountToken: false,
    });
  }

  private createJob(): kplus.CronJob {
    const p = this.props;
    const serviceAccount = this.serviceAccount;
    const job = new kplus.CronJob(this, 'Job', {
      metadata: this.metadata(),
      podMetadata: { labels: this.labels },
      schedule: this.schedule,
      // One schedule interval: a run the controller reaches late still starts (core, cronStartingDeadlineMinutes).
      startingDeadline: Duration.minutes(cronStartingDeadlineMinutes(this.schedule.expressionString)),
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: 2,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD_PROPS,
      containers: [
        {
          name: 'drift',
          image: p.image,
          imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
          command: ['node', '/opt/cdk-mlops/drift-job.js'],
          args: ['--config', `${CONFIG_DIR}/config.json`, '--window-minutes', String(this.windowMinutes), '--pushgateway', p.pushgatewayUrl],
          resources: toContainerResources(p.resources ?? DEFAULT_RESOURCES, LOGS_ONLY_DISK),
          securityContext: RESTRICTED_CONTAINER_PROPS,
          volumeMounts: [{ path: CONFIG_DIR, volume: kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.config, { name: 'config' }), readOnly: true }],
        },
      ],
    });
    patchPodSeccomp(ApiObject.of(job), '/spec/jobTemplate/spec/template/spec');
    return job;
  }

  /** Investigate, act, sustained (M of N runs) and stale-job alerts, per feature through `max by (feature)`. */
  private renderAlertRules(): Array<Record<string, unknown>> {
    const p = this.props;
    const investigate = p.investigateThreshold ?? PSI_INVESTIGATE_THRESHOLD;
    const act = p.actThreshold ?? PSI_ACT_THRESHOLD;
    const sel = `endpoint="${p.endpointName}"`;
    const every = this.scheduleMinutes;
    const periods = p.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS;
    const datapoints = p.sustainedDatapoints ?? DEFAULT_SUSTAINED_DRIFT_DATAPOINTS;
    const retrain = p.retrainWorkflowTemplate;
    return [
      this.alertRule('DriftInvestigate', `max by (feature) (cdk_mlops_drift_psi{${sel}}) > ${investigate}`, 'warning', `PSI above ${investigate}: investigate the drift of a feature`),
      this.alertRule('DriftAct', `max by (feature) (cdk_mlops_drift_psi{${sel}}) > ${act}`, 'critical', `PSI above ${act}: act on the drift of a feature`),
      // The Pushgateway keeps the last value: sample once per run and count the runs above act.
      this.alertRule(
        'DriftSustained',
        `max by (feature) (count_over_time((cdk_mlops_drift_psi{${sel}} > ${act})[${periods * every}m:${every}m])) >= ${datapoints}`,
        'critical',
        `Sustained drift: PSI above ${act} in ${datapoints} of ${periods} runs: retrain`,
        {
          ...(retrain ? { [RETRAIN_TEMPLATE_LABEL]: retrain.name, [RETRAIN_NAMESPACE_LABEL]: retrain.namespace } : {}),
          ...(this.retrainDataVersion !== undefined ? { [RETRAIN_DATA_VERSION_LABEL]: this.retrainDataVersion } : {}),
        },
      ),
      this.alertRule(
        'DriftJobStale',
        // absent(): a job that never reported (or whose series the Pushgateway lost) is stale too;
        // without it the comparison of no series is empty and the alert never fires.
        `(time() - max(cdk_mlops_drift_last_run_timestamp_seconds{${sel}}) > ${2 * every * 60}) or absent(cdk_mlops_drift_last_run_timestamp_seconds{${sel}})`,
        'warning',
        'The drift job has not reported for two schedules: drift is not being measured',
      ),
    ];
  }

  private alertRule(alert: string, expr: string, severity: string, summary: string, extra: Record<string, string> = {}): Record<string, unknown> {
    const { alarmOwnership: own, endpointName } = this.props;
    return {
      alert,
      expr,
      for: '0s',
      labels: { severity, owner: own.owner, endpoint: endpointName, ...extra },
      annotations: { summary, description: `${summary} (endpoint ${endpointName})`, runbook_url: own.runbookUrl, owner: own.owner },
    };
  }
}

/** The capture keys of the job's config. */
function renderCaptureConfig(captureUri: string): Record<string, unknown> {
  const [captureBucket, capturePrefix] = parseS3Location(captureUri)!;
  return { captureBucket, capturePrefix: capturePrefix.replace(/\/+$/, '') };
}

/** The batch keys of the job's config (lib/runtime/drift-job/cli.ts). */
function renderBatchConfig(source: BatchDriftSource): Record<string, unknown> {
  return {
    batchOutputUri: source.outputUri,
    batchContentType: source.contentType ?? DEFAULT_BATCH_CONTENT_TYPE,
    batchDelayMinutes: source.delay ? source.delay.toSeconds() / 60 : DEFAULT_BATCH_DRIFT_DELAY_MINUTES,
    ...(source.predictionKey !== undefined ? { batchPredictionKey: source.predictionKey } : {}),
  };
}

/** Whether an object of the chart of `scope` creates the Namespace `name`. */
function namespaceInChart(scope: Construct, name: string): boolean {
  return Chart.of(scope).node.findAll().some((c) => c instanceof ApiObject && c.kind === 'Namespace' && c.name === name);
}
