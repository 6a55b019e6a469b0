import { ApiObject, Cron, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources } from './compute-resources';
import { PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from '../core/drift';
import { DriftReference, defaultReferenceMinutes } from '../core/drift-reference';
import { checkImage } from '../core/image';
import { k8sLabelName } from '../core/primitives';
import { AlarmOwnership } from '../core/rollback';
import { toContainerResources } from './private/quantities';
import { driftMonitorSchema } from '../core/schemas/drift-monitor';
import { collectProblems, throwIfAny } from '../core/validation';
import { standardLabels } from './private/labels';
import { RESTRICTED_CONTAINER_PROPS, RESTRICTED_POD_PROPS, patchPodSeccomp } from './private/security';
import { DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS } from '../core/policy';

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

/** Properties of a Kubernetes `DriftMonitor`. */
export interface DriftMonitorProps {
  /** Name of the endpoint whose traffic is watched (label of the metrics). */
  readonly endpointName: string;
  /**
   * Image of the drift job: Node.js 20+ with the bundled CLI (`assets/drift-job/index.js` of
   * this package) at `/opt/cdk-mlops/drift-job.js`, pinned by digest. Build it with
   * `docker/drift-job/Dockerfile` (`scripts/build-drift-image.sh`); the project publishes no image.
   */
  readonly image: string;
  /** `s3://bucket/prefix` where the endpoint's traffic is captured (SageMaker data-capture layout). */
  readonly captureUri: string;
  /** `s3://bucket/key.json` of the training baseline (`core.DriftMath` baseline JSON). */
  readonly baselineUri: string;
  /** Features to watch; predictions are always watched. */
  readonly features: string[];
  /** Who owns the alerts and where the runbook is. */
  readonly alarmOwnership: AlarmOwnership;
  /** Pushgateway the job pushes its metrics to (`http://…:9091`). */
  readonly pushgatewayUrl: string;
  /**
   * Run every N minutes (a divisor of 60, or whole hours).
   * @default 60
   */
  readonly scheduleMinutes?: number;
  /**
   * Minutes of traffic per run (at least the schedule).
   * @default - the schedule
   */
  readonly windowMinutes?: number;
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
   * Minutes of earlier traffic in the reference (at least the window; not with `TRAINING`).
   * @default - 7 days for ROLLING_WINDOW, 1 day for SAME_PERIOD_LAST_YEAR
   */
  readonly referenceMinutes?: number;
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
 * WorkflowTemplate to submit when `retrainWorkflowTemplate` is set) and a stale-job alert.
 */
export class DriftMonitor extends Construct {
  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const scheduleMinutes = props.scheduleMinutes ?? 60;
    // Schema problems and the Kubernetes-specific ones are reported together.
    const problems = collectProblems(
      this.node.path,
      driftMonitorSchema,
      {
        endpointName: props.endpointName,
        features: props.features,
        alarmOwnership: props.alarmOwnership,
        scheduleMinutes,
        windowMinutes: props.windowMinutes,
        investigateThreshold: props.investigateThreshold,
        actThreshold: props.actThreshold,
        sustainedDatapoints: props.sustainedDatapoints,
        sustainedPeriods: props.sustainedPeriods,
        reference: props.reference,
        referenceMinutes: props.referenceMinutes,
        minReferenceValues: props.minReferenceValues,
      },
      (v) => v instanceof Lazy,
    );
    const s3 = /^s3:\/\/([^/]+)\/(.+)$/;
    const capture = s3.exec(props.captureUri);
    const baseline = s3.exec(props.baselineUri);
    const where = this.node.path;
    if (!capture) {
      problems.push({ constructPath: where, property: 'captureUri', received: JSON.stringify(props.captureUri), allowed: 'must be s3://bucket/prefix' });
    }
    if (!baseline || !baseline[2].endsWith('.json')) {
      problems.push({ constructPath: where, property: 'baselineUri', received: JSON.stringify(props.baselineUri), allowed: 'must be s3://bucket/key.json' });
    }
    const imageProblem = checkImage(props.image, { allowPinnedTag: false, allowMutableTag: false });
    if (imageProblem) {
      problems.push({ constructPath: where, property: 'image', received: JSON.stringify(props.image), allowed: imageProblem });
    }
    if (!(scheduleMinutes < 60 ? 60 % scheduleMinutes === 0 : scheduleMinutes % 60 === 0 && scheduleMinutes <= 24 * 60)) {
      problems.push({ constructPath: where, property: 'scheduleMinutes', received: String(scheduleMinutes), allowed: 'must divide an hour, or be whole hours up to 24 (a cron schedule)' });
    }
    const retrain = props.retrainWorkflowTemplate;
    for (const key of ['name', 'namespace'] as const) {
      if (retrain && !k8sLabelName.safeParse(retrain[key]).success) {
        problems.push({ constructPath: where, property: `retrainWorkflowTemplate.${key}`, received: JSON.stringify(retrain[key]), allowed: 'must be a DNS-1123 label' });
      }
    }
    if (!/^https?:\/\/\S+$/.test(props.pushgatewayUrl)) {
      problems.push({ constructPath: where, property: 'pushgatewayUrl', received: JSON.stringify(props.pushgatewayUrl), allowed: 'must be an http(s) URL' });
    }
    throwIfAny(problems);

    const ns = props.namespace ?? 'monitoring-drift';
    const name = `drift-${props.endpointName.toLowerCase()}`.slice(0, 52).replace(/-+$/, '');
    const labels = standardLabels('drift-monitor', name, 'drift-monitor');
    const meta = (suffix?: string) => ({ name: suffix ? `${name}-${suffix}` : name, namespace: ns, labels });
    const windowMinutes = props.windowMinutes ?? scheduleMinutes;

    const config = new kplus.ConfigMap(this, 'Config', {
      metadata: meta('config'),
      data: {
        'config.json': JSON.stringify(
          {
            endpointName: props.endpointName,
            captureBucket: capture![1],
            capturePrefix: capture![2].replace(/\/+$/, ''),
            baselineBucket: baseline![1],
            baselineKey: baseline![2],
            featureNames: props.features,
            windowMinutes,
            ...((props.reference ?? DriftReference.TRAINING) !== DriftReference.TRAINING
              ? {
                reference: props.reference,
                referenceMinutes: props.referenceMinutes ?? defaultReferenceMinutes(props.reference!),
                ...(props.minReferenceValues !== undefined ? { minReferenceValues: props.minReferenceValues } : {}),
              }
              : {}),
          },
          null,
          2,
        ),
      },
    });
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta(), annotations: props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } : undefined },
      automountToken: false,
    });
    const schedule = scheduleMinutes < 60 ? Cron.schedule({ minute: `*/${scheduleMinutes}` }) : Cron.schedule({ minute: '0', hour: `*/${scheduleMinutes / 60}` });
    const job = new kplus.CronJob(this, 'Job', {
      metadata: meta(),
      podMetadata: { labels },
      schedule,
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
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
          command: ['node', '/opt/cdk-mlops/drift-job.js'],
          args: ['--config', `${CONFIG_DIR}/config.json`, '--window-minutes', String(windowMinutes), '--pushgateway', props.pushgatewayUrl],
          resources: toContainerResources(props.resources ?? DEFAULT_RESOURCES),
          securityContext: RESTRICTED_CONTAINER_PROPS,
          volumeMounts: [{ path: CONFIG_DIR, volume: kplus.Volume.fromConfigMap(this, 'ConfigVolume', config, { name: 'config' }), readOnly: true }],
        },
      ],
    });
    patchPodSeccomp(ApiObject.of(job), '/spec/jobTemplate/spec/template/spec');

    const investigate = props.investigateThreshold ?? PSI_INVESTIGATE_THRESHOLD;
    const act = props.actThreshold ?? PSI_ACT_THRESHOLD;
    const sel = `endpoint="${props.endpointName}"`;
    const own = props.alarmOwnership;
    const rule = (alert: string, expr: string, severity: string, summary: string, extraLabels: Record<string, string> = {}) => ({
      alert,
      expr,
      for: '0s',
      labels: { severity, owner: own.owner, endpoint: props.endpointName, ...extraLabels },
      annotations: { summary, description: `${summary} (endpoint ${props.endpointName})`, runbook_url: own.runbookUrl, owner: own.owner },
    });
    const periods = props.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS;
    const datapoints = props.sustainedDatapoints ?? DEFAULT_SUSTAINED_DRIFT_DATAPOINTS;
    new ApiObject(this, 'Alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { ...meta(), labels: { ...labels, ...(props.prometheusRuleLabels ?? {}) } },
      spec: {
        groups: [
          {
            name: `${name}.rules`,
            rules: [
              rule('DriftInvestigate', `max by (feature) (cdk_mlops_drift_psi{${sel}}) > ${investigate}`, 'warning', `PSI above ${investigate}: investigate the drift of a feature`),
              rule('DriftAct', `max by (feature) (cdk_mlops_drift_psi{${sel}}) > ${act}`, 'critical', `PSI above ${act}: act on the drift of a feature`),
              // The Pushgateway keeps the last value: sample once per run and count the runs above act.
              rule(
                'DriftSustained',
                `max by (feature) (count_over_time((cdk_mlops_drift_psi{${sel}} > ${act})[${periods * scheduleMinutes}m:${scheduleMinutes}m])) >= ${datapoints}`,
                'critical',
                `Sustained drift: PSI above ${act} in ${datapoints} of ${periods} runs: retrain`,
                retrain ? { [RETRAIN_TEMPLATE_LABEL]: retrain.name, [RETRAIN_NAMESPACE_LABEL]: retrain.namespace } : {},
              ),
              rule(
                'DriftJobStale',
                `time() - max(cdk_mlops_drift_last_run_timestamp_seconds{${sel}}) > ${2 * scheduleMinutes * 60}`,
                'warning',
                'The drift job has not reported for two schedules: drift is not being measured',
              ),
            ],
          },
        ],
      },
    });
  }
}
