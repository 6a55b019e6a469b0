import { ApiObject, Cron, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GpuServingEndpoint } from './gpu-serving-endpoint';
import { standardLabels } from './private/labels';
import { toContainerResources } from './private/quantities';
import { RESTRICTED_CONTAINER_PROPS, RESTRICTED_POD_PROPS, patchPodSeccomp } from './private/security';
import { validateProps } from './private/validate';
import { LOGS_ONLY_DISK } from '../core/ephemeral-storage';
import { Lineage } from '../core/lineage';
import { DEFAULT_APPROVAL_ALIAS, MODEL_URI_ANNOTATION } from '../core/mlflow-promotion';
import { AlarmOwnership } from '../core/rollback';
import { k8sApprovalPromotionSchema } from '../core/schemas/k8s-approval-promotion';

/** Pushgateway job of the promoter's metrics (lib/runtime/k8s-promotion/cli.ts). */
const PUSHGATEWAY_JOB = 'cdk-mlops-promotion';

/** Properties of a Kubernetes `ApprovalPromotion`. */
export interface ApprovalPromotionProps {
  /**
   * The endpoint whose served model follows the approvals: its Argo Rollout or KServe
   * InferenceService is the one object the promoter may get and patch. Its server must read
   * `MODEL_URI` from the pod template's annotation `ApprovalPromotion.MODEL_URI_ANNOTATION`
   * (an env `valueFrom.fieldRef`; `KubernetesPlatformModel` renders it so).
   */
  readonly endpoint: GpuServingEndpoint;
  /** The MLflow registered model whose approved version is served (e.g. `<platform>-<model>`). */
  readonly registeredModelName: string;
  /** MLflow tracking server URL, e.g. `http://mlflow.mlflow.svc.cluster.local:5000`. */
  readonly trackingUri: string;
  /**
   * Image with the bundled promoter at `/opt/cdk-mlops/promotion.js` (the drift job's image,
   * `docker/drift-job/Dockerfile`), pinned by digest.
   */
  readonly image: string;
  /** Pushgateway the promoter pushes its metrics to (`http://…:9091`). */
  readonly pushgatewayUrl: string;
  /** Who owns the promotion's alerts and where the runbook is. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * The MLflow alias that approves a version: the version carrying it is served.
   * @default 'champion'
   */
  readonly alias?: string;
  /**
   * Model version tags an approved version must carry (non-empty) to be served.
   * @default - every lineage key (`Lineage.metadataKeys()`), as the pipeline's register step writes them
   */
  readonly requiredLineageKeys?: string[];
  /**
   * Serve a version older than the served one when the alias is moved back to it.
   * @default false - refused into the dead letter; roll back by moving the alias to a newer version, or with Argo Rollouts
   */
  readonly allowOlderVersion?: boolean;
  /**
   * Labels of the PrometheusRule for Prometheus' `ruleSelector`.
   * @default - none
   */
  readonly prometheusRuleLabels?: Record<string, string>;
}

/**
 * Promotion on approval on Kubernetes: a CronJob (every minute, one run at a time) running the
 * promoter (lib/runtime/k8s-promotion) that reads the version MLflow's alias names and, when the
 * rules allow it (its lineage tags present, not older than the served one unless allowed, not a
 * version whose canary was rolled back), patches the endpoint's pod template annotation
 * `MODEL_URI_ANNOTATION` to the version's source: Argo Rollouts runs the canary with its analysis
 * (KServe: a new revision with its canary traffic). A refusal or a rolled back canary is recorded in
 * the serving object's `mlops.cdk.io/refused-model-versions` annotation (the dead letter; remove an
 * entry to replay it) and sets `cdk_mlops_promotion_failed`, which the `PromotionFailed` alert
 * reads. The ServiceAccount may `get` and `patch` that one object and nothing else.
 *
 * The names mirror the AWS `ApprovalPromotion` (`requiredLineageKeys`, `allowOlderVersion`).
 */
export class ApprovalPromotion extends Construct {
  /** The pod template annotation the server's `MODEL_URI` reads (the Downward API). */
  public static readonly MODEL_URI_ANNOTATION = MODEL_URI_ANNOTATION;

  /** Name of the CronJob, ServiceAccount, Role, RoleBinding and PrometheusRule (`promote-<endpoint>`). */
  public readonly name: string;
  /** Namespace (the endpoint's). */
  public readonly namespace: string;
  /** Kind of the patched object: `Rollout` or `InferenceService`. */
  public readonly targetKind: string;
  /** Name of the patched object (the endpoint's). */
  public readonly targetName: string;
  /** The CronJob running the promoter. */
  public readonly job: kplus.CronJob;
  /** The Role: get and patch on the one serving object. */
  public readonly role: kplus.k8s.KubeRole;
  /** The PrometheusRule with `PromotionFailed` and `PromotionStale`. */
  public readonly alerts: ApiObject;
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: ApprovalPromotionProps) {
    super(scope, id);
    const endpoint = props.endpoint;
    validateProps(this, k8sApprovalPromotionSchema, {
      ...props, endpoint: undefined, targetName: endpoint.name, targetNamespace: endpoint.namespace,
    });
    this.namespace = endpoint.namespace;
    this.name = `promote-${endpoint.name}`.slice(0, 52).replace(/-+$/, '');
    this.targetKind = endpoint.defaultChild.kind;
    this.targetName = endpoint.name;
    this.labels = standardLabels('approval-promotion', this.name, 'approval-promotion');
    const isRollout = this.targetKind === 'Rollout';

    // The promoter talks to the API server with this account's token (and with nothing else).
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: this.metadata(), automountToken: true });
    this.role = new kplus.k8s.KubeRole(this, 'Role', {
      metadata: this.metadata(),
      // Exactly the one object: get it, patch it. No list, no watch, no other object.
      rules: [{
        apiGroups: [isRollout ? 'argoproj.io' : 'serving.kserve.io'],
        resources: [isRollout ? 'rollouts' : 'inferenceservices'],
        resourceNames: [endpoint.name],
        verbs: ['get', 'patch'],
      }],
    });
    new kplus.k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: this.metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });

    const env: Record<string, string> = {
      MLFLOW_TRACKING_URI: props.trackingUri,
      REGISTERED_MODEL_NAME: props.registeredModelName,
      APPROVAL_ALIAS: props.alias ?? DEFAULT_APPROVAL_ALIAS,
      TARGET_KIND: this.targetKind,
      TARGET_NAME: endpoint.name,
      TARGET_NAMESPACE: this.namespace,
      REQUIRED_LINEAGE_KEYS: (props.requiredLineageKeys ?? Lineage.metadataKeys()).join(','),
      ALLOW_OLDER: String(props.allowOlderVersion ?? false),
      PUSHGATEWAY_URL: props.pushgatewayUrl,
      PUSHGATEWAY_JOB,
    };
    this.job = new kplus.CronJob(this, 'Job', {
      metadata: this.metadata(),
      podMetadata: { labels: this.labels },
      schedule: Cron.everyMinute(),
      startingDeadline: Duration.minutes(1),
      // One run at a time: two runs would read the same object and one patch would answer 409.
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      successfulJobsRetained: 1,
      failedJobsRetained: 3,
      backoffLimit: 0,
      activeDeadline: Duration.seconds(50),
      serviceAccount,
      automountServiceAccountToken: true,
      securityContext: RESTRICTED_POD_PROPS,
      containers: [{
        name: 'promote',
        image: props.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['node', '/opt/cdk-mlops/promotion.js'],
        envVariables: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
        resources: toContainerResources({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' }, LOGS_ONLY_DISK),
        securityContext: RESTRICTED_CONTAINER_PROPS,
      }],
    });
    patchPodSeccomp(ApiObject.of(this.job), '/spec/jobTemplate/spec/template/spec');

    this.alerts = new ApiObject(this, 'Alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { ...this.metadata(), labels: { ...this.labels, ...(props.prometheusRuleLabels ?? {}) } },
      spec: { groups: [{ name: `${this.name}.rules`, rules: this.renderAlertRules(props) }] },
    });
  }

  private metadata() {
    return { name: this.name, namespace: this.namespace, labels: this.labels };
  }

  private renderAlertRules(props: ApprovalPromotionProps): Array<Record<string, unknown>> {
    // By `endpoint` only, as the drift alerts: the `job` label depends on the scrape's honor_labels.
    const sel = `endpoint="${props.registeredModelName}"`;
    const own = props.alarmOwnership;
    const rule = (alert: string, expr: string, severity: string, summary: string, forDuration: string) => ({
      alert,
      expr,
      for: forDuration,
      labels: { severity, owner: own.owner, endpoint: props.registeredModelName },
      annotations: {
        summary,
        description: `${summary} (model ${props.registeredModelName}, ${this.targetKind} ${this.namespace}/${props.endpoint.name}; see the annotation mlops.cdk.io/refused-model-versions and the promoter's log)`,
        runbook_url: own.runbookUrl,
        owner: own.owner,
      },
    });
    return [
      rule('PromotionFailed', `max(cdk_mlops_promotion_failed{${sel}}) > 0`, 'critical',
        'The approved model version is not served: refused (lineage, older, rolled back) or the promoter failed', '2m'),
      // absent(): a promoter that never reported is stale too.
      rule('PromotionStale',
        `(time() - max(cdk_mlops_promotion_last_run_timestamp_seconds{${sel}}) > 600) or absent(cdk_mlops_promotion_last_run_timestamp_seconds{${sel}})`,
        'warning', 'The promoter has not reported for 10 minutes: approvals are not being promoted', '0s'),
    ];
  }
}
