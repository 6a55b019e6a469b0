import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, Chart, Duration, Yaml } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { KubernetesPlatformModel } from './kubernetes-platform-model';
import { withCostLabels } from './private/cost-labels';
import { k8sAlertLink } from './private/diagram';
import { chartFileName, gitOpsFolderOf } from './private/gitops';
import { loopRows } from './private/loop';
import { cell, pascal, renderRunbook } from './private/runbook';
import { SpecDocument } from './private/spec-document';
import { CostEstimate, CostTarget, estimatePlatformCost } from '../core/cost/estimate';
import { PlatformDiagram, platformDiagram } from '../core/diagram';
import { PlatformKubernetesSpec, PlatformNodePoolSpec, PlatformSpec } from '../core/platform-spec';
import { RETRAIN_RECEIVER } from '../core/retrain-events';
import { platformChartOptionsSchema } from '../core/schemas/platform-delivery';
import { EVENTS_NAMESPACE_SUFFIX, MLFLOW_NAMESPACE_SUFFIX, kubernetesPlatformSpecSchema } from '../core/schemas/platform-kubernetes';
import { isCdkTokenText } from '../core/token-text';
import { validateAllOrThrow } from '../core/validation';
import { CostAllocation } from '../k8s/cost-allocation';
import { AlertmanagerEventSource } from '../k8s/drift-events';
import { RETRAIN_NAMESPACE_LABEL, RETRAIN_TEMPLATE_LABEL } from '../k8s/drift-monitor';
import { CapacityType, GpuNodePool } from '../k8s/gpu-node-pool';
import { ServingRenderer } from '../k8s/gpu-serving-endpoint';
import { GpuSharing } from '../k8s/gpu-sharing';
import { ModelRegistry } from '../k8s/model-registry';
import { PlatformPartChart, RenderPass } from './private/chart-render';

/** How `MlPlatformChart` divides the platform into cdk8s charts (each chart is one manifest file, one EKS `KubernetesManifest`). */
export enum PlatformChartLayout {
  /**
   * The platform chart holds what the models share (the GPU node pools with the NVIDIA device
   * plugin's config, and MLflow); each model is a chart of its own, `<id>-<model>`, beside it in
   * the same scope (`<id>-<model>.k8s.yaml`). No chart grows with the number of models but the
   * platform chart, by MLflow's list of client namespaces (about 90 bytes a model).
   */
  CHART_PER_MODEL = 'CHART_PER_MODEL',
  /**
   * Everything in the one platform chart (`<id>.k8s.yaml`), as before issue 15: about 38 KB of
   * manifest a model, so past CloudFormation's 1,000,000-byte template at about 25 models when
   * delivered inline by `cluster.addCdk8sChart`.
   */
  ONE_CHART = 'ONE_CHART',
}

/** Properties of an `MlPlatformChart`. */
export interface MlPlatformChartProps extends MlPlatformChartFileOptions {
  /** The platform, with its `kubernetes` sections (the platform's, and each model's `serving.kubernetes` and `drift.kubernetes`). */
  readonly spec: PlatformSpec;
}

/** Options of `MlPlatformChart.fromFile`. */
export interface MlPlatformChartFileOptions {
  /**
   * Labels added to every object of the platform's charts.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * How the platform is divided into charts.
   * @default PlatformChartLayout.CHART_PER_MODEL
   */
  readonly layout?: PlatformChartLayout;
  /**
   * The AWS Region whose EC2 prices the cost estimate uses for the GPU nodes (`costEstimate()`, the
   * runbook's cost table): the cluster's Region.
   * @default 'us-east-1'
   */
  readonly costRegion?: string;
}

/** One Prometheus alert of the platform on Kubernetes, as the runbook lists it. */
export interface PlatformAlert {
  /** The model it belongs to. */
  readonly model: string;
  /** The alert's name. */
  readonly alert: string;
  /** The PrometheusRule holding it, `<namespace>/<name>`. */
  readonly rule: string;
  /** What it means (the `summary` annotation). */
  readonly summary: string;
  /** The PromQL expression that fires it. */
  readonly expression: string;
  /** How long the expression must hold before it fires (the rule's `for`, e.g. `120s`). */
  readonly forDuration: string;
  /** The `severity` label (`critical`, `warning`). */
  readonly severity: string;
  /** What happens when it fires besides Alertmanager routing it to its owner. */
  readonly action: string;
  /** Who owns it (the `owner` annotation). */
  readonly owner: string;
  /** Where its runbook is (the `runbook_url` annotation). */
  readonly runbookUrl: string;
}

/**
 * A whole ML platform on Kubernetes from the same spec as `MlPlatform` (a TypeScript object, or a
 * YAML / JSON file through `MlPlatformChart.fromFile`, checked by the same schema), as cdk8s charts:
 *
 * - this chart: the GPU node pools (Karpenter NodePool + EC2NodeClass, NVIDIA device-plugin sharing
 *   config) and one MLflow tracking server and registry for the platform (namespace
 *   `<prefix>-mlflow`), where each model is the registered model `<platform>-<model>`, as each has
 *   its model package group on AWS;
 * - per model, in its namespace `<prefix>-<model>` and, by default, in a chart of its own
 *   (`model.chart`, id `<id>-<model>`, beside this one): the training pipeline (Argo
 *   WorkflowTemplate, and a CronWorkflow when `training.weeklyOn` is set), the GPU server (Argo
 *   Rollout canary aborted by the rollback triggers, or KServe), and the drift CronJob with its alerts.
 *
 * Each chart is one manifest file of the cdk8s app (`<id>.k8s.yaml`, `<id>-<model>.k8s.yaml`) and
 * one unit of delivery: on EKS one `KubernetesManifest` per chart (`manifest: chart.toJson()`), each
 * in a stack of its own (aws-eks inlines a manifest into its stack's template, which CloudFormation
 * limits to 1,000,000 bytes; a model's chart takes about 45 KB there however many models there are,
 * but `cluster.addCdk8sChart` puts every manifest into the cluster's one stack); with GitOps a
 * folder per chart and an Argo CD Application each (`writeGitOps`, `ArgoCdApplications`). No object of a
 * model's chart needs one of another chart to exist first (the charts render their namespaces; the
 * node pools and MLflow are only needed at run time), so the charts can be applied in any order and
 * carry no cdk8s dependencies (a dependency between charts would also make cdk8s 2.70 number every
 * manifest file of the app, `0000-<chart>.k8s.yaml`).
 *
 * Sustained drift → retraining: the `DriftSustained` alert carries the labels
 * `retrain_workflow_template` and `retrain_namespace`; this chart renders, in `<prefix>-events`,
 * an Argo Events EventBus, the webhook EventSource Alertmanager posts to (`retrainEvents`) and one
 * Sensor that creates a Workflow from the WorkflowTemplate a firing alert names, for the models'
 * (namespace, template) pairs only (`data-version` `<training.dataVersion>@<alert startsAt>`); each
 * model's chart holds the Role letting that Sensor create Workflows in its namespace.
 * `retrainEvents.alertmanagerConfig()` renders the Alertmanager receiver and route. The gate still
 * stands before registration.
 *
 * Keep all GPU node pools of a cluster in this chart: each chart renders its own NVIDIA device
 * plugin ConfigMap (`kube-system/nvidia-device-plugin-config`).
 */
export class MlPlatformChart extends Chart {
  /**
   * A platform chart from a YAML (`.yaml`, `.yml`) or JSON (`.json`) spec file, checked by the same
   * schema as a TypeScript spec (`MlPlatform.parseSpec`); errors name the file with the line and
   * column, and the key. A file that cannot be read or parsed is reported as the same error.
   */
  public static fromFile(scope: Construct, id: string, file: string, options: MlPlatformChartFileOptions = {}): MlPlatformChart {
    const doc = SpecDocument.read(file, scope.node.path === '' ? id : `${scope.node.path}/${id}`, kubernetesPlatformSpecSchema);
    doc.validate([kubernetesPlatformSpecSchema]);
    return new MlPlatformChart(scope, id, { spec: doc.value as PlatformSpec, ...options });
  }

  /** The platform's name. */
  public readonly platformName: string;
  /** The GPU node pools, in the spec's order. */
  public readonly nodePools: GpuNodePool[];
  /** The platform's MLflow tracking server and registry. */
  public readonly registry: ModelRegistry;
  /**
   * Where Alertmanager sends sustained drift (namespace `<prefix>-events`): the Argo Events
   * EventBus, the webhook EventSource and the Sensor submitting each model's WorkflowTemplate.
   * `retrainEvents.alertmanagerConfig()` renders the Alertmanager receiver and route.
   */
  public readonly retrainEvents: AlertmanagerEventSource;
  /** The models, in the spec's order. */
  public readonly models: KubernetesPlatformModel[];
  /** How the platform is divided into charts. */
  public readonly layout: PlatformChartLayout;
  /**
   * The platform's charts, each one manifest file and one unit of delivery: this chart (node pools
   * and MLflow) first, then each model's chart in the spec's order (`CHART_PER_MODEL`), or this
   * chart alone (`ONE_CHART`).
   */
  public readonly charts: Chart[];
  private readonly _applications: Chart[] = [];
  private readonly renderPass = new RenderPass(this, () => this.charts,
    (chart, objects) => withCostLabels(chart, objects, (o) => this.costLabelsOf(o)));
  /** The Region of the cost estimate's prices. */
  private readonly costRegion: string;
  /** The platform's spec, as validated. */
  private readonly spec: PlatformSpec;
  /** The cost allocation labels of the shared objects, and per model of its objects. */
  private readonly costLabels: { shared: Record<string, string>; models: Map<KubernetesPlatformModel, Record<string, string>> } = {
    shared: {},
    models: new Map(),
  };

  constructor(scope: Construct, id: string, props: MlPlatformChartProps) {
    super(scope, id, { labels: props.labels });
    const { spec: _spec, ...options } = props;
    // aws-cdk-lib tokens (EksMlPlatform's roles and buckets) are not judged: the manifest's stack resolves them.
    validateAllOrThrow(this.node.path, [[kubernetesPlatformSpecSchema, props.spec], [platformChartOptionsSchema, options]], isCdkTokenText);
    const spec = props.spec;
    const kube = spec.kubernetes!;
    const prefix = kube.namespacePrefix ?? spec.name;
    this.platformName = spec.name;
    this.layout = props.layout ?? PlatformChartLayout.CHART_PER_MODEL;
    this.nodePools = kube.nodePools.map((p) => this.createNodePool(kube, p));

    const namespaceOf = (model: string) => `${prefix}-${model}`;
    const mlflow = kube.mlflow;
    this.registry = new ModelRegistry(this, 'Mlflow', {
      name: 'mlflow',
      namespace: `${prefix}-${MLFLOW_NAMESPACE_SUFFIX}`,
      image: mlflow.image,
      backendStoreUriSecret: { name: mlflow.backendStoreUriSecret, key: mlflow.backendStoreUriSecretKey ?? 'uri' },
      artifactRoot: mlflow.artifactRoot!,
      serviceAccountRoleArn: mlflow.roleArn,
      replicas: mlflow.replicas,
      // The pipelines' registration steps run in the models' namespaces.
      allowedClientNamespaces: spec.models.map((m) => namespaceOf(m.name)),
    });

    this.retrainEvents = new AlertmanagerEventSource(this, 'RetrainEvents', {
      namespace: `${prefix}-${EVENTS_NAMESPACE_SUFFIX}`,
      alertmanagerNamespace: kube.monitoringNamespace,
    });

    // A model's chart is a sibling of this one, not a child: cdk8s renders a nested chart to a file
    // named with a hash and makes every chart of the app depend on its children, which numbers
    // all the app's files (cdk8s 2.70 App.synth, IndexedChartNamer).
    const chartOf = (model: string): Chart => this.layout === PlatformChartLayout.ONE_CHART
      ? this : new PlatformPartChart(scope, `${id}-${model}`, props.labels, this.renderPass);
    this.costRegion = props.costRegion ?? 'us-east-1';
    this.spec = spec;
    this.models = spec.models.map((m) => new KubernetesPlatformModel(chartOf(m.name), pascal(m.name), {
      platformName: spec.name,
      platformSpec: spec,
      costRegion: this.costRegion,
      spec: m,
      kubernetes: kube,
      ownership: m.ownership ?? spec.ownership,
      namespace: namespaceOf(m.name),
      nodePools: this.nodePools,
      trackingUri: this.registry.trackingUri,
      retrainEvents: this.retrainEvents,
    }));
    this.charts = [this, ...this.models.map((m) => m.chart).filter((c) => c !== this)];
    // Cost allocation: every object and pod carries model (or "shared"), owner and platform, and the spec's tags.
    this.costLabels.shared = CostAllocation.labelsOf({ platform: spec.name, owner: spec.ownership.owner, tags: spec.tags });
    spec.models.forEach((m, i) => this.costLabels.models.set(this.models[i], CostAllocation.labelsOf({
      platform: spec.name, model: m.name, owner: (m.ownership ?? spec.ownership).owner, tags: { ...spec.tags, ...m.tags },
    })));
  }

  /**
   * The cost allocation labels of a model's objects (or of the shared ones).
   * @internal
   */
  public _costLabelsFor(model?: KubernetesPlatformModel): Record<string, string> {
    return (model && this.costLabels.models.get(model)) ?? this.costLabels.shared;
  }

  /** The cost allocation labels of one of the platform's objects: its model's, or the shared ones. */
  private costLabelsOf(o: IConstruct): Record<string, string> {
    const model = o.node.scopes.find((s): s is KubernetesPlatformModel => s instanceof KubernetesPlatformModel);
    return (model && this.costLabels.models.get(model)) ?? this.costLabels.shared;
  }

  /**
   * Writes the platform's manifests in a GitOps layout under `directory`: `shared/<id>.k8s.yaml` (this
   * chart: node pools and MLflow; every object in the `ONE_CHART` layout),
   * `models/<model>/<id>-<model>.k8s.yaml` (one folder per model's chart), and
   * `argocd/<chart>.k8s.yaml` for each `ArgoCdApplications` of this platform (one Application per
   * folder). Each file holds what `app.synth()` writes for that chart, byte for byte. Other files
   * in `directory` are left alone; returns the files written, relative to it, in that order.
   */
  public writeGitOps(directory: string): string[] {
    // One validation of the app, then each of the platform's charts renders without repeating it.
    this.renderPass.validateApp(this);
    const written: string[] = [];
    for (const chart of [...this.charts, ...this._applications]) {
      const file = path.join(gitOpsFolderOf(this, chart), chartFileName(chart));
      fs.mkdirSync(path.join(directory, path.dirname(file)), { recursive: true });
      fs.writeFileSync(path.join(directory, file), Yaml.stringify(...chart.toJson()));
      written.push(file.split(path.sep).join('/'));
    }
    return written;
  }

  /**
   * The chart's objects, as `Chart.toJson()`; within `app.synth()` each of the platform's charts
   * skips cdk8s' second validation of the whole app (O(N²) with a chart per model) and checks its
   * own constructs instead.
   */
  public toJson(): any[] {
    return this.renderPass.render(this, () => super.toJson());
  }

  /**
   * Called by `ArgoCdApplications`: its chart is written to the `argocd` folder of the layout.
   * @internal
   */
  public _addApplications(chart: Chart): void {
    this._applications.push(chart);
  }

  private createNodePool(kube: PlatformKubernetesSpec, p: PlatformNodePoolSpec): GpuNodePool {
    return new GpuNodePool(this, `Pool${pascal(p.name)}`, {
      name: p.name,
      gpu: p.gpu,
      clusterName: kube.clusterName,
      nodeRole: kube.nodeRole,
      instanceFamilies: p.instanceFamilies,
      gpuCounts: p.gpuCounts,
      capacityTypes: p.allowSpot ? [CapacityType.SPOT, CapacityType.ON_DEMAND] : [CapacityType.ON_DEMAND],
      sharing: p.migProfile !== undefined ? GpuSharing.mig(p.migProfile)
        : p.timeSlicingReplicas !== undefined ? GpuSharing.timeSlicing(p.timeSlicingReplicas) : GpuSharing.exclusive(),
      maxGpus: p.maxGpus,
      modelWeightsGiB: p.modelWeightsGiB,
      amiVersion: p.amiVersion,
      consolidateAfter: p.consolidateAfterMinutes !== undefined ? Duration.minutes(p.consolidateAfterMinutes) : undefined,
    });
  }

  /**
   * The platform's monthly cost estimate on Kubernetes: per model the GPU nodes its pods need (EC2
   * on-demand in `costRegion`, from `core.PRICE_TABLE` with its sources and date). An estimate, not a bill.
   */
  public costEstimate(): CostEstimate {
    return estimatePlatformCost(this.spec, CostTarget.KUBERNETES, { region: this.costRegion });
  }

  /**
   * A picture of the platform: per model its lifecycle loop (capture → drift → retrain → gate →
   * register → approval → canary deploy → auto-rollback) and every alert with its owner, beside the
   * link it watches, as Graphviz DOT (`dot -Tsvg`) and Mermaid text (the runbook embeds the Mermaid).
   */
  public diagram(): PlatformDiagram {
    const alerts = this.alerts();
    return platformDiagram(this.platformName, this.models.map((model) => ({
      name: model.modelName,
      owner: model.ownership.owner,
      stages: model.loop(),
      alarms: alerts.filter((a) => a.model === model.modelName).map((a) => ({
        name: a.alert,
        owner: a.owner,
        link: k8sAlertLink(a.rule, a.alert, a.action.includes('aborts')),
      })),
    })));
  }

  /** Every Prometheus alert of the platform with its expression, severity, action, owner and runbook, by model. */
  public alerts(): PlatformAlert[] {
    const out: PlatformAlert[] = [];
    for (const model of this.models) {
      const triggers = new Set(model.endpoint.triggerAlertNames);
      const rules = model.node.findAll()
        .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'PrometheusRule')
        .map((o) => o.toJson());
      for (const rule of rules) {
        for (const group of rule.spec.groups) {
          for (const r of group.rules) {
            if (r.alert === undefined) continue; // a recording rule
            const labels: Record<string, string> = r.labels ?? {};
            const template = labels[RETRAIN_TEMPLATE_LABEL];
            const action = template !== undefined
              ? `submits the WorkflowTemplate ${labels[RETRAIN_NAMESPACE_LABEL]}/${template} (Alertmanager's ${RETRAIN_RECEIVER} webhook → the Argo Events Sensor in ${this.retrainEvents.namespace})`
              : !triggers.has(r.alert) ? 'notifies its owner'
                : model.renderer === ServingRenderer.ARGO_ROLLOUT ? 'notifies its owner; the same condition on the canary aborts an in-flight rollout (Argo Rollouts analysis)'
                  : 'notifies its owner; roll back by hand (KServe does not abort a canary)';
            out.push({
              model: model.modelName,
              alert: r.alert,
              rule: `${rule.metadata.namespace}/${rule.metadata.name}`,
              summary: r.annotations?.summary ?? '',
              expression: r.expr,
              forDuration: r.for ?? '0s',
              severity: labels.severity ?? '',
              action,
              owner: r.annotations?.owner ?? '',
              runbookUrl: r.annotations?.runbook_url ?? '',
            });
          }
        }
      }
    }
    return out;
  }

  /**
   * The runbook document (Markdown): per model, every alert with its expression, how long it must
   * hold, its severity, what it does, who owns it and where its runbook is.
   */
  public runbook(): string {
    const alerts = this.alerts();
    return renderRunbook(
      `Runbook: the ${this.platformName} ML platform on Kubernetes`,
      [
        'Generated by cdk-mlops from the platform spec. Every alert goes to Alertmanager with its `owner` and',
        '`runbook_url`; the "on alert" column says what else happens. The alerts labelled',
        `\`${RETRAIN_TEMPLATE_LABEL}\` go to the \`${RETRAIN_RECEIVER}\` receiver (\`retrainEvents.alertmanagerConfig()\`), whose Sensor submits that WorkflowTemplate in \`${RETRAIN_NAMESPACE_LABEL}\`.`,
      ],
      ['alert', 'expression', 'for', 'severity', 'on alert', 'owner', 'runbook'],
      this.models.map((model) => ({
        heading: model.modelName,
        summary: `Namespace \`${model.namespace}\`: server \`${model.endpoint.name}\` (${model.renderer === ServingRenderer.ARGO_ROLLOUT ? 'Argo Rollout' : 'KServe InferenceService'}), `
          + `WorkflowTemplate \`${model.pipeline.name}\`, MLflow registered model \`${model.registeredModelName}\` at ${this.registry.trackingUri}.`,
        loop: loopRows(model.loop()),
        rows: alerts.filter((a) => a.model === model.modelName).map((a) => [
          `${cell(a.alert)}: ${cell(a.summary)}`,
          `\`${cell(a.expression)}\``,
          a.forDuration,
          a.severity,
          cell(a.action),
          cell(a.owner),
          a.runbookUrl,
        ]),
        experiment: model._experimentRunbook(),
        slo: model._sloRunbook(),
        batch: model._batchRunbook(),
        cost: model._costRunbook(),
      })),
      this.diagram().mermaid,
    );
  }
}
