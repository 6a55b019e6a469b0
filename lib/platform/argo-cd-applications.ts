import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { MlPlatformChart } from './ml-platform-chart';
import { gitOpsFolderOf } from './private/gitops';
import { argoCdApplicationsSchema } from '../core/schemas/platform-delivery';
import { ApprovalPromotion } from '../k8s/approval-promotion';
import { validateProps } from '../k8s/private/validate';

/** Argo CD's Application kind (argoproj/argo-cd v3.5.1, `manifests/crds/application-crd.yaml`). */
const APPLICATION_API_VERSION = 'argoproj.io/v1alpha1';
/** The API server of the cluster Argo CD runs in, as Argo CD names it (`argocd cluster list`). */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
/** Kinds whose `spec.scaleTargetRef` workload gets its `spec.replicas` changed in the cluster (KEDA, HPA). */
const SCALER_KINDS = new Set(['ScaledObject', 'HorizontalPodAutoscaler']);

/** Properties of `ArgoCdApplications`. */
export interface ArgoCdApplicationsProps {
  /** The platform whose charts the Applications deliver (its GitOps layout: `platform.writeGitOps(dir)`). */
  readonly platform: MlPlatformChart;
  /** The Git repository Argo CD reads the layout from (`spec.source.repoURL`), e.g. `https://github.com/acme/ml-deploy.git`. */
  readonly repoUrl: string;
  /**
   * The folder of that repository where the layout written by `platform.writeGitOps(dir)` is
   * committed, relative to its root (`.` for the root): each Application's `spec.source.path` is
   * `<path>/shared` or `<path>/models/<model>`.
   */
  readonly path: string;
  /**
   * The branch, tag or commit Argo CD follows (`spec.source.targetRevision`).
   * @default 'HEAD'
   */
  readonly targetRevision?: string;
  /**
   * The namespace Argo CD runs in, where the Applications are created.
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * The Argo CD project of the Applications.
   * @default 'default'
   */
  readonly project?: string;
  /**
   * The cluster the platform is deployed to, by its API server's URL as Argo CD knows it.
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly destinationServer?: string;
  /**
   * Sync each Application automatically when its folder changes in Git (with retries, backing off
   * from 5 seconds to 3 minutes). Without it, each change waits for `argocd app sync`.
   * @default true
   */
  readonly autoSync?: boolean;
  /**
   * Let the automated sync delete objects that were removed from Git (deleted last, after the rest
   * is applied). Off, removed objects stay in the cluster and the Application shows them as
   * OutOfSync until someone prunes by hand.
   * @default false
   */
  readonly prune?: boolean;
  /**
   * Let the automated sync undo changes made in the cluster (e.g. `kubectl edit`) as well as follow Git.
   * Replica counts that KEDA or an HPA manage are excluded either way.
   * @default false
   */
  readonly selfHeal?: boolean;
}

/**
 * The Argo CD Applications of a platform's GitOps layout, as a chart of their own: one for the
 * platform chart (node pools and MLflow, destination namespace MLflow's) named `<platform>`, and one
 * per model's chart named `<platform>-<model>` with the model's namespace as destination, each
 * pointing at its folder of `platform.writeGitOps(dir)` (which also writes this chart to the
 * `argocd` folder, e.g. for an app-of-apps Application, or `kubectl apply -f` once).
 *
 * Sync policy: automated by default, never pruning unless `prune` is set (then pruning last),
 * without self-heal unless `selfHeal` is set; `CreateNamespace=false`, as each chart renders its
 * namespace (with the Pod Security labels Argo CD would not set); the `spec.replicas` of a
 * workload that KEDA or an HPA scales is ignored in the diff and left alone by the sync
 * (`RespectIgnoreDifferences=true`), so a sync does not reset a scaled-out server; so is the served
 * model URI a model's `ApprovalPromotion` patches (its Rollout's pod template annotation), so a sync
 * does not put the spec's initial model back. No
 * `resources-finalizer`: deleting an Application leaves its model running.
 */
export class ArgoCdApplications extends Chart {
  /** The Applications: the platform chart's first, then each model's, in the platform's order. */
  public readonly applications: ApiObject[];

  constructor(scope: Construct, id: string, props: ArgoCdApplicationsProps) {
    super(scope, id);
    validateProps(this, argoCdApplicationsSchema, props);
    const platform = props.platform;
    this.applications = platform.charts.map((chart) => {
      const model = platform.models.find((m) => m.chart === chart);
      return this.createApplication(props, chart, {
        name: model?.registeredModelName ?? platform.platformName,
        costLabels: platform._costLabelsFor(model),
        destinationNamespace: model?.namespace ?? platform.registry.namespace,
        component: model !== undefined ? 'ml-model' : 'ml-platform',
      });
    });
    platform._addApplications(this);
  }

  private createApplication(
    props: ArgoCdApplicationsProps, chart: Chart,
    app: { name: string; destinationNamespace: string; component: string; costLabels: Record<string, string> },
  ): ApiObject {
    const folder = gitOpsFolderOf(props.platform, chart);
    const autoSync = props.autoSync ?? true;
    const prune = props.prune ?? false;
    const ignore = Lazy.any({ produce: () => ignoredFields(chart) });
    return new ApiObject(this, app.name, {
      apiVersion: APPLICATION_API_VERSION,
      kind: 'Application',
      metadata: {
        name: app.name,
        namespace: props.namespace ?? 'argocd',
        labels: {
          ...app.costLabels,
          'app.kubernetes.io/name': app.name,
          'app.kubernetes.io/component': app.component,
          'app.kubernetes.io/part-of': props.platform.platformName,
          'app.kubernetes.io/managed-by': 'cdk8s',
        },
      },
      spec: {
        project: props.project ?? 'default',
        source: {
          repoURL: props.repoUrl,
          targetRevision: props.targetRevision ?? 'HEAD',
          path: props.path === '.' ? folder : `${props.path}/${folder}`,
        },
        destination: { server: props.destinationServer ?? IN_CLUSTER_SERVER, namespace: app.destinationNamespace },
        ignoreDifferences: ignore,
        syncPolicy: Lazy.any({
          produce: () => ({
            automated: autoSync ? { prune, selfHeal: props.selfHeal ?? false } : undefined,
            syncOptions: [
              'CreateNamespace=false',
              ...(prune ? ['PruneLast=true'] : []),
              ...(ignoredFields(chart) !== undefined ? ['RespectIgnoreDifferences=true'] : []),
            ],
            retry: autoSync ? { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } } : undefined,
          }),
        }),
      },
    });
  }
}

/**
 * What the cluster changes and Argo CD must leave alone (ignored in the diff and, with
 * `RespectIgnoreDifferences=true`, kept at its live value by a sync): the replicas KEDA or an HPA
 * scale, and the served model URI an `ApprovalPromotion` patches on its Rollout / InferenceService
 * (the pod template annotation its server's MODEL_URI reads), else a sync would put the spec's
 * initial model back.
 */
function ignoredFields(chart: Chart): unknown[] | undefined {
  const all = [...(ignoredReplicas(chart) ?? []), ...ignoredModelUris(chart)];
  return all.length > 0 ? all : undefined;
}

/** `ignoreDifferences` for the served model URI of every `ApprovalPromotion`'s object in the chart. */
function ignoredModelUris(chart: Chart): unknown[] {
  const key = ApprovalPromotion.MODEL_URI_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1');
  return chart.node.findAll()
    .filter((c): c is ApprovalPromotion => c instanceof ApprovalPromotion && Chart.of(c) === chart)
    .map((p) => ({
      group: p.targetKind === 'Rollout' ? 'argoproj.io' : 'serving.kserve.io',
      kind: p.targetKind,
      name: p.targetName,
      namespace: p.namespace,
      jsonPointers: [p.targetKind === 'Rollout' ? `/spec/template/metadata/annotations/${key}` : `/spec/predictor/annotations/${key}`],
    }));
}

/** `ignoreDifferences` for the replicas of every workload of the chart that KEDA or an HPA scales. */
function ignoredReplicas(chart: Chart): unknown[] | undefined {
  const targets = chart.node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject && SCALER_KINDS.has(c.kind) && Chart.of(c) === chart)
    .map((scaler) => ({ namespace: scaler.metadata.namespace, ref: scaler.toJson().spec?.scaleTargetRef }))
    .filter((t) => t.ref?.kind !== undefined && t.ref?.name !== undefined);
  if (targets.length === 0) {
    return undefined;
  }
  return targets.map(({ namespace, ref }) => ({
    // An HPA's and a ScaledObject's target defaults to apps/v1; the core group is "".
    group: String(ref.apiVersion ?? 'apps/v1').includes('/') ? String(ref.apiVersion ?? 'apps/v1').split('/')[0] : '',
    kind: ref.kind,
    name: ref.name,
    namespace,
    jsonPointers: ['/spec/replicas'],
  }));
}
