import { Chart, Cron, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CostEstimate, estimateModelCostKubernetes } from '../core/cost/estimate';
import { ExperimentMath } from '../core/experiment/experiment-math';
import { LoopStage } from '../core/lifecycle-loop';
import { CHALLENGER_MODEL_URI_ANNOTATION } from '../core/mlflow-promotion';
import { PlatformKubernetesSpec, PlatformModelSpec, PlatformSpec, Weekday } from '../core/platform-spec';
import { DEFAULT_CAPTURE_PERCENT, DEFAULT_SERVING_REPLICAS, DEFAULT_TARGET_INVOCATIONS_PER_INSTANCE, DEFAULT_TRAINING_HOUR_UTC } from '../core/policy';
import { AlarmOwnership } from '../core/rollback';
import { DEFAULT_SERVER_PORT } from '../core/schemas/k8s-serving';
import { trainingPoolOf } from '../core/schemas/platform-kubernetes';
import { ApprovalPromotion } from '../k8s/approval-promotion';
import { BatchScoring } from '../k8s/batch-scoring';
import { AlertmanagerEventSource, RetrainOnDrift } from '../k8s/drift-events';
import { DriftMonitor } from '../k8s/drift-monitor';
import { Experiment } from '../k8s/experiment';
import { GpuNodePool } from '../k8s/gpu-node-pool';
import { GpuServingEndpoint, ServingRenderer, TrafficRouter } from '../k8s/gpu-serving-endpoint';
import { MlPipeline } from '../k8s/ml-pipeline';
import { ServiceLevelObjectives } from '../k8s/service-level-objectives';
import { batchRunbook, batchSpecOf } from './private/batch';
import { budgetRunbookInfo, costRunbook, raiseBudgetProblem } from './private/cost';
import { experimentRunbook, experimentSpecOf } from './private/experiment';
import { kubernetesLoop } from './private/loop-k8s';
import { pipelineSpecOf } from './private/pipeline-spec';
import { rollbackTriggersOf, rolloutOf } from './private/serving-policy';
import { sloRunbook } from './private/slo';
import { RequestCapture } from '../k8s/private/capture';

/** Day-of-week field of a cron expression (0 is Sunday). */
const CRON_DAY: Record<Weekday, number> = {
  [Weekday.SUN]: 0,
  [Weekday.MON]: 1,
  [Weekday.TUE]: 2,
  [Weekday.WED]: 3,
  [Weekday.THU]: 4,
  [Weekday.FRI]: 5,
  [Weekday.SAT]: 6,
};

/** Properties of a `KubernetesPlatformModel`. */
export interface KubernetesPlatformModelProps {
  /** The platform's name (prefix of the model's object names). */
  readonly platformName: string;
  /** The model, already validated by `MlPlatformChart` (its `kubernetes` sections present). */
  readonly spec: PlatformModelSpec;
  /** The platform's Kubernetes section, validated. */
  readonly kubernetes: PlatformKubernetesSpec;
  /** Who owns the model's alerts (the model's own, or the platform's). */
  readonly ownership: AlarmOwnership;
  /** The model's namespace (its server, pipeline and drift job). */
  readonly namespace: string;
  /** The platform's GPU node pools. */
  readonly nodePools: GpuNodePool[];
  /** URL of the platform's MLflow tracking server. */
  readonly trackingUri: string;
  /**
   * Where Alertmanager sends sustained drift: its Sensor is told to submit this model's template (`retrainOnDrift`).
   * @default - no Sensor: the alert names the WorkflowTemplate, nothing submits it
   */
  readonly retrainEvents?: AlertmanagerEventSource;
  /**
   * The whole platform's spec (the cost estimate places the model's pods on its node pools).
   * @default - the model's cost estimate is not available (`costEstimate` throws)
   */
  readonly platformSpec?: PlatformSpec;
  /**
   * The AWS Region whose EC2 prices the cost estimate uses.
   * @default 'us-east-1'
   */
  readonly costRegion?: string;
}

/**
 * One model of an `MlPlatformChart`, wired through its lifecycle on Kubernetes, in its own
 * namespace (restricted Pod Security Standard): the training `MlPipeline` (Argo WorkflowTemplate,
 * and a CronWorkflow when `training.weeklyOn` is set) registering into the platform's MLflow as
 * `<platform>-<model>`; the `GpuServingEndpoint` on its node pool, rolled out through the spec's
 * canary and aborted on its rollback triggers; and the `DriftMonitor`, whose sustained-drift alert
 * names the WorkflowTemplate to submit.
 */
export class KubernetesPlatformModel extends Construct {
  /** The model's name in the platform. */
  public readonly modelName: string;
  /** Who owns the model's alerts (the model's own ownership, else the platform's). */
  public readonly ownership: AlarmOwnership;
  /** The model's namespace. */
  public readonly namespace: string;
  /** Name of the MLflow registered model its versions go to (`<platform>-<model>`). */
  public readonly registeredModelName: string;
  /** Trains, evaluates, gates and registers versions. */
  public readonly pipeline: MlPipeline;
  /** Serves the model. */
  public readonly endpoint: GpuServingEndpoint;
  /** Watches the served traffic; its sustained-drift alert names the pipeline's WorkflowTemplate. */
  public readonly drift: DriftMonitor;
  /**
   * Sustained drift → a run of the pipeline: the Role letting the platform's Argo Events Sensor
   * create Workflows in the model's namespace (and that Sensor, `retrainOnDrift.sensor`).
   * @default - none without `retrainEvents`
   */
  public readonly retrainOnDrift?: RetrainOnDrift;
  /**
   * Approval → canary deploy: the version MLflow's `champion` alias names becomes the served model
   * of the endpoint's Rollout / InferenceService (the spec's `modelUri` is the initial one).
   */
  public readonly promotion: ApprovalPromotion;
  /**
   * The spec's online experiment: the challenger as the Rollout's canary, decided by a step analysis.
   * @default - none when the spec has no experiment
   */
  public readonly experiment?: Experiment;
  /**
   * The spec's service-level objectives: the endpoint's burn-rate recording rules and alerts.
   * @default - none when the spec has no `slo`
   */
  public readonly slo?: ServiceLevelObjectives;
  /**
   * The spec's batch scoring (Argo CronWorkflow, WorkflowTemplates for a date and a backfill).
   * @default - none when the spec has no `batch`
   */
  public readonly batch?: BatchScoring;
  /**
   * Watches the batch scoring's inputs for drift (`batch.watchDrift`); its sustained drift retrains too.
   * @default - none without batch scoring, or with `watchDrift: false`
   */
  public readonly batchDrift?: DriftMonitor;
  /** How the server is rendered. */
  public readonly renderer: ServingRenderer;
  /**
   * The chart its objects are in: a chart of its own in `MlPlatformChart`'s default layout (one
   * manifest file, one `cluster.addCdk8sChart`), or the platform chart in the `ONE_CHART` layout.
   */
  public readonly chart: Chart;
  /** The model's spec, as validated. */
  private readonly spec: PlatformModelSpec;
  private readonly platformSpec?: PlatformSpec;
  private readonly costRegion: string;
  /**
   * Captures the served traffic where the drift job reads it (KServe's logger or the capture proxy,
   * and the capture service): for the loop's capture link.
   * @internal
   */
  public readonly _capture: RequestCapture;

  constructor(scope: Construct, id: string, props: KubernetesPlatformModelProps) {
    super(scope, id);
    this.modelName = props.spec.name;
    this.ownership = props.ownership;
    this.namespace = props.namespace;
    this.registeredModelName = `${props.platformName}-${props.spec.name}`;
    this.spec = props.spec;
    this.chart = Chart.of(this);
    // One namespace for the model's server, pipeline and drift job: one owner, one RBAC boundary.
    new kplus.k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: this.namespace,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' },
      },
    });
    this.pipeline = this.createPipeline(props);
    const sk = props.spec.serving.kubernetes!;
    this.renderer = sk.renderer !== undefined ? (sk.renderer as string as ServingRenderer) : ServingRenderer.ARGO_ROLLOUT;
    this.endpoint = this.createEndpoint(props);
    this.drift = this.createDrift(props);
    this._capture = this.createCapture(props);
    this.promotion = this.createPromotion(props);
    this.experiment = this.createExperiment(props);
    this.slo = props.spec.slo && new ServiceLevelObjectives(this, 'Slo', {
      endpoint: this.endpoint,
      objectives: props.spec.slo.objectives,
      windowDays: props.spec.slo.windowDays,
    });
    this.batch = this.createBatch(props);
    this.batchDrift = this.createBatchDrift(props);
    this.platformSpec = props.platformSpec;
    this.costRegion = props.costRegion ?? 'us-east-1';
    if (props.spec.budget !== undefined && props.platformSpec !== undefined) {
      raiseBudgetProblem(this, 'budget.monthlyUsd', this.costEstimate(), props.spec.budget);
    }
    // capture → drift → retrain, as PlatformModel's RetrainOnDrift rule on AWS.
    this.retrainOnDrift = props.retrainEvents
      ? this.drift.onSustainedDrift('RetrainOnDrift', { eventSource: props.retrainEvents, dataVersion: props.spec.training.dataVersion })
      : undefined;
    // The batch inputs' sustained drift retrains the same template: its alert needs the same
    // retrain_data_version (the Sensor reads it from the group's common labels; without it neither
    // monitor's group, alone or together, would start a run). It shares the RetrainOnDrift above.
    if (props.retrainEvents) {
      this.batchDrift?.onSustainedDrift('BatchRetrainOnDrift', { eventSource: props.retrainEvents, dataVersion: props.spec.training.dataVersion });
    }
  }

  /**
   * The model's lifecycle loop, link by link (capture → drift → retrain → gate → register → approval →
   * canary deploy → auto-rollback): what implements each on Kubernetes and which objects do it, the
   * same question `PlatformModel.loop()` answers on AWS.
   */
  public loop(): LoopStage[] {
    return kubernetesLoop(this, this.spec);
  }

  /** Trains, evaluates, gates and registers into the platform's MLflow as `<platform>-<model>`. */
  private createPipeline(props: KubernetesPlatformModelProps): MlPipeline {
    const m = props.spec;
    const kube = props.kubernetes;
    const base = this.registeredModelName;
    const ns = this.namespace;
    const t = m.training;
    const tk = t.kubernetes ?? {};
    const trainingPool = trainingPoolOf(m, kube);
    return new MlPipeline(this, 'Training', {
      name: `${base}-training`,
      namespace: ns,
      createNamespace: false,
      pipeline: pipelineSpecOf(m.pipeline),
      registerImage: kube.registerImage,
      registerCommand: kube.registerCommand,
      trackingUri: props.trackingUri,
      registeredModelName: base,
      inputData: t.inputDataUri,
      artifactRoot: `${kube.pipelineArtifactRoot!.replace(/\/+$/, '')}/${m.name}`,
      dataVersion: t.dataVersion,
      codeCommit: t.codeCommit,
      featureSetVersion: t.featureSetVersion,
      gpuNodePool: trainingPool ? nodePool(props, trainingPool.name) : undefined,
      resources: tk.cpu !== undefined && tk.memory !== undefined
        ? { cpuRequest: tk.cpu, cpuLimit: tk.cpu, memoryRequest: tk.memory, memoryLimit: tk.memory }
        : undefined,
      // No weekly run: the pipeline runs on sustained drift (and by hand), as on AWS.
      schedule: t.weeklyOn !== undefined
        ? Cron.schedule({ minute: '0', hour: String(t.hourUtc ?? DEFAULT_TRAINING_HOUR_UTC), weekDay: String(CRON_DAY[t.weeklyOn]) })
        : undefined,
      serviceAccountRoleArn: tk.roleArn,
    });
  }

  /** Serves the model on its node pool, rolled out through the spec's canary, aborted on its rollback triggers. */
  private createEndpoint(props: KubernetesPlatformModelProps): GpuServingEndpoint {
    const m = props.spec;
    const kube = props.kubernetes;
    const base = this.registeredModelName;
    const ns = this.namespace;
    const s = m.serving;
    const sk = s.kubernetes!;
    return new GpuServingEndpoint(this, 'Serving', {
      name: base,
      namespace: ns,
      createNamespace: false,
      image: sk.image ?? m.pipeline.inferenceImage,
      nodePool: nodePool(props, sk.nodePool),
      // Request = limit: a GPU server gets Guaranteed QoS and is the last to be evicted.
      resources: { cpuRequest: sk.cpu, cpuLimit: sk.cpu, memoryRequest: sk.memory, memoryLimit: sk.memory },
      alarmOwnership: props.ownership,
      port: sk.port,
      command: sk.command,
      args: sk.args,
      env: { MODEL_URI: sk.modelUri },
      gpusPerReplica: sk.gpusPerReplica,
      modelSizeGiB: s.modelSizeGiB,
      replicas: s.instanceCount ?? DEFAULT_SERVING_REPLICAS,
      maxReplicas: s.maxInstanceCount,
      // The same policy objects as on AWS: the same canary, the same rollback thresholds.
      rollout: rolloutOf(s),
      rollbackTriggers: rollbackTriggersOf(s, m.slo),
      renderer: this.renderer,
      trafficRouter: sk.trafficRouter !== undefined ? (sk.trafficRouter as string as TrafficRouter) : undefined,
      ingressHost: sk.ingressHost,
      prometheusAddress: kube.prometheusAddress,
      prometheusRuleLabels: kube.prometheusRuleLabels,
      monitoringNamespace: kube.monitoringNamespace,
      allowedClientNamespaces: sk.allowedClientNamespaces,
      serviceAccountRoleArn: sk.roleArn,
      metricsPreset: sk.metricsPreset,
      // Autoscaling on the requests, as on AWS: invocations per instance per minute (600 there by default).
      targetRequestsPerSecond: s.maxInstanceCount !== undefined
        ? (s.targetInvocationsPerInstance ?? DEFAULT_TARGET_INVOCATIONS_PER_INSTANCE) / 60
        : undefined,
    });
  }

  /**
   * The runbook's part on the experiment (Markdown lines), when the spec has one.
   * @internal
   */
  public _experimentRunbook(): string[] | undefined {
    const e = this.spec.experiment;
    if (e === undefined || this.experiment === undefined) {
      return undefined;
    }
    const x = this.experiment;
    return experimentRunbook(e, ExperimentMath.design(experimentSpecOf(e)), {
      metrics: `a JSON line in the log of the decision Job (AnalysisTemplate \`${x.decisionTemplate.name}\`, a step of Rollout \`${this.endpoint.name}\`): decision, p-value, estimate, bounds, both arms`,
      record: `the Rollout's step AnalysisRun (\`kubectl argo rollouts get rollout ${this.endpoint.name} -n ${this.namespace}\`; the Job's termination message is the decision)`,
      traffic: 'The challenger is the Rollout\'s canary: it wins → the Rollout promotes it to all replicas; the control wins, no difference, a guardrail (background analysis) or the Job past its deadline → the Rollout aborts and all traffic returns to the stable version. ' +
        'Ending it: the control stayed → remove the experiment from the spec (the pod template is then the stable one again: no new rollout). ' +
        `The challenger won → set MLflow's \`champion\` alias of \`${this.registeredModelName}\` to version ${e.challengerVersion}, then remove the experiment: the promoter (paused while the experiment's annotation is there) moves the Rollout to that version at its next run; until then (a minute) the Rollout may start a canary of the control's template (not verified against a live controller).`,
      assignment: x.stickyAssignment
        ? `sticky by user: the caller picks the arm with \`runtime.VariantAssignment.assign(userId, …, '${e.name}')\` and sends \`${x.variantHeader}: always\` (challenger) or \`never\` (control)`
        : 'per request: without a traffic router Argo Rollouts splits by replicas, so a user may see both arms (set a traffic router for sticky assignment)',
    });
  }

  /** The spec's experiment on the endpoint's Rollout, decided by the runtime image's `experiment.js`. */
  private createExperiment(props: KubernetesPlatformModelProps): Experiment | undefined {
    const e = props.spec.experiment;
    if (e === undefined) {
      return undefined;
    }
    const experiment = new Experiment(this, 'Experiment', {
      ...experimentSpecOf(e),
      endpoint: this.endpoint,
      challengerModelUri: e.kubernetes!.challengerModelUri,
      image: props.kubernetes.driftImage,
    });
    // During the experiment the server reads the challenger's annotation; the promoter's annotation
    // keeps the control, so that removing the experiment gives back the stable pod template exactly
    // (Argo Rollouts then returns to it without a canary) and Argo CD's ignored field is untouched.
    const key = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
    this.endpoint.defaultChild.addJsonPatch(
      JsonPatch.add(`/spec/template/metadata/annotations/${key(ApprovalPromotion.MODEL_URI_ANNOTATION)}`, props.spec.serving.kubernetes!.modelUri),
      JsonPatch.test('/spec/template/spec/containers/0/env/1/name', 'MODEL_URI'),
      JsonPatch.replace('/spec/template/spec/containers/0/env/1/valueFrom/fieldRef/fieldPath', `metadata.annotations['${CHALLENGER_MODEL_URI_ANNOTATION}']`),
    );
    return experiment;
  }

  /**
   * Approval → canary deploy: the server reads `MODEL_URI` from its pod template's annotation (the
   * Downward API), which starts as the spec's `modelUri` and which the promoter patches to the
   * approved version's source (lib/k8s/approval-promotion.ts). The endpoint's env is `HOME` then
   * `MODEL_URI` (createEndpoint): the `test` operations fail the synthesis if that ever changes.
   */
  private createPromotion(props: KubernetesPlatformModelProps): ApprovalPromotion {
    const uri = props.spec.serving.kubernetes!.modelUri;
    const served = this.endpoint.defaultChild;
    const pod = served.kind === 'Rollout' ? '/spec/template' : '/spec/predictor';
    const annotations = served.kind === 'Rollout' ? `${pod}/metadata/annotations` : `${pod}/annotations`;
    const env = `${pod}${served.kind === 'Rollout' ? '/spec' : ''}/containers/0/env/1`;
    served.addJsonPatch(
      JsonPatch.test(env, { name: 'MODEL_URI', value: uri }),
      JsonPatch.add(annotations, { [ApprovalPromotion.MODEL_URI_ANNOTATION]: uri }),
      JsonPatch.replace(env, { name: 'MODEL_URI', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${ApprovalPromotion.MODEL_URI_ANNOTATION}']` } } }),
    );
    return new ApprovalPromotion(this, 'Promotion', {
      endpoint: this.endpoint,
      registeredModelName: this.registeredModelName,
      trackingUri: props.trackingUri,
      image: props.kubernetes.driftImage,
      pushgatewayUrl: props.kubernetes.pushgatewayUrl,
      alarmOwnership: props.ownership,
      prometheusRuleLabels: props.kubernetes.prometheusRuleLabels,
    });
  }

  /** Captures a sample of the served traffic in SageMaker's capture format under the drift job's capture URI. */
  private createCapture(props: KubernetesPlatformModelProps): RequestCapture {
    const m = props.spec;
    return new RequestCapture(this, 'Capture', {
      endpoint: this.endpoint,
      renderer: this.renderer,
      serverPort: m.serving.kubernetes!.port ?? DEFAULT_SERVER_PORT,
      image: props.kubernetes.driftImage,
      // The DriftMonitor's captureUri and endpointName (the endpoint's name): the drift job reads what this writes.
      captureUri: m.drift.kubernetes!.captureUri!,
      samplingPercent: m.serving.captureSamplingPercent ?? DEFAULT_CAPTURE_PERCENT,
      roleArn: m.drift.kubernetes!.captureRoleArn,
    });
  }

  /**
   * The model's monthly cost estimate on Kubernetes: the GPU nodes its pods need on their node pools
   * (EC2 on-demand prices of `costRegion` from `core.PRICE_TABLE`). An estimate, not a bill.
   */
  public costEstimate(): CostEstimate {
    if (this.platformSpec === undefined) {
      throw new Error(`${this.node.path}: costEstimate needs the platform's spec (platformSpec)`);
    }
    return estimateModelCostKubernetes(this.platformSpec, this.modelName, { region: this.costRegion });
  }

  /**
   * The runbook's part on cost (Markdown lines).
   * @internal
   */
  public _costRunbook(): string[] | undefined {
    if (this.platformSpec === undefined) return undefined;
    const b = this.spec.budget;
    return costRunbook(this.costEstimate(), b ? budgetRunbookInfo(b, this.ownership) : undefined);
  }

  /**
   * The runbook's part on the SLO (Markdown lines), when the spec has one.
   * @internal
   */
  public _sloRunbook(): string[] | undefined {
    const slo = this.slo;
    return slo && sloRunbook(this.spec.slo!, {
      budget: `\`slo:period_error_budget_remaining:ratio{endpoint="${slo.endpointName}"}\` in Prometheus (one series per objective, label \`slo\`)`,
      alerts: (o) => `\`${slo.alertName(o)}\` (severity critical: page; warning: ticket)`,
    });
  }

  /**
   * The runbook's part on batch scoring (Markdown lines), when the spec has one.
   * @internal
   */
  public _batchRunbook(): string[] | undefined {
    const b = this.batch;
    return b && batchRunbook(batchSpecOf(b.name, this.spec.batch!), {
      runner: `the Argo WorkflowTemplate \`${b.namespace}/${b.name}\` (the CronWorkflow \`${b.name}\` submits it)`,
      rerun: b.runCommand('2026-11-26'),
      backfill: b.backfillCommand('2026-11-01', '2026-11-26'),
      alarm: 'the alert `BatchScoringRunFailed` (a run or a backfill failed)' + (this.batchDrift ? '; drift of the scored inputs: the alerts of the drift job `' + this.batchDrift.name + '` (sustained drift submits the training pipeline)' : ''),
      model: `the version MLflow's alias \`champion\` of \`${this.registeredModelName}\` names when the run starts (read by the validate-input step, the promoter's alias): `
        + 'a promotion reaches the next run, a re-run or backfill scores with today\'s champion; before the first promotion (no version with the alias), '
        + `the spec's version ${this.spec.serving.initialModelVersion}, as the server; a champion the promoter refuses for itself `
        + '(not READY, lineage tags missing, no storage URI) fails the run before scoring',
    });
  }

  /** Batch scoring in the model's namespace, its scoring step on the spec's node pool, with the approved (`champion`) version at each run. */
  private createBatch(props: KubernetesPlatformModelProps): BatchScoring | undefined {
    const m = props.spec;
    const b = m.batch;
    if (b === undefined) return undefined;
    const bk = b.kubernetes!;
    return new BatchScoring(this, 'Batch', {
      ...batchSpecOf(`${this.registeredModelName}-batch`, b),
      namespace: this.namespace,
      createNamespace: false,
      image: bk.image,
      command: bk.command,
      args: bk.args,
      resources: bk.cpu !== undefined && bk.memory !== undefined
        ? { cpuRequest: bk.cpu, cpuLimit: bk.cpu, memoryRequest: bk.memory, memoryLimit: bk.memory }
        : undefined,
      gpuNodePool: nodePool(props, bk.nodePool),
      // What the promoter serves: each run scores with the version of MLflow's `champion` alias when
      // it starts (the promoter's alias and lineage rules), as AWS scores with the latest approved package.
      // MLflow's NetworkPolicy admits the model namespace (allowedClientNamespaces); no policy selects the batch pods.
      championAlias: { trackingUri: props.trackingUri, registeredModelName: this.registeredModelName },
      // Before the first promotion (no version carries the alias) the server serves the spec's version: so does batch.
      modelVersion: String(m.serving.initialModelVersion),
      modelSource: m.serving.kubernetes!.modelUri,
      runtimeImage: props.kubernetes.driftImage,
      alarmOwnership: props.ownership,
      serviceAccountRoleArn: bk.roleArn,
      kmsKeyId: bk.kmsKeyId,
      prometheusRuleLabels: props.kubernetes.prometheusRuleLabels,
    });
  }

  /** A second drift job over the scored batch inputs (the model's features and baseline); its sustained drift retrains too. */
  private createBatchDrift(props: KubernetesPlatformModelProps): DriftMonitor | undefined {
    const m = props.spec;
    if (this.batch === undefined || m.batch!.watchDrift === false) return undefined;
    const kube = props.kubernetes;
    return new DriftMonitor(this, 'BatchDrift', {
      endpointName: this.batch.name,
      namespace: this.namespace,
      image: kube.driftImage,
      batchSource: { outputUri: m.batch!.outputUri, contentType: m.batch!.contentType },
      baselineUri: m.drift.baselineUri,
      features: m.drift.features,
      alarmOwnership: props.ownership,
      pushgatewayUrl: kube.pushgatewayUrl,
      // Its own role (reads the scores and the baseline), or the batch pods' (which must then trust this job's ServiceAccount).
      serviceAccountRoleArn: m.batch!.kubernetes!.driftRoleArn ?? m.batch!.kubernetes!.roleArn,
      prometheusRuleLabels: kube.prometheusRuleLabels,
      retrainWorkflowTemplate: { name: this.pipeline.name, namespace: this.pipeline.namespace },
    });
  }

  /** Watches the served traffic; its sustained-drift alert names the pipeline's WorkflowTemplate. */
  private createDrift(props: KubernetesPlatformModelProps): DriftMonitor {
    const m = props.spec;
    const kube = props.kubernetes;
    const base = this.registeredModelName;
    const ns = this.namespace;
    const d = m.drift;
    return new DriftMonitor(this, 'Drift', {
      endpointName: base,
      namespace: ns,
      image: kube.driftImage,
      captureUri: d.kubernetes!.captureUri!,
      baselineUri: d.baselineUri,
      features: d.features,
      alarmOwnership: props.ownership,
      pushgatewayUrl: kube.pushgatewayUrl,
      serviceAccountRoleArn: d.kubernetes!.roleArn,
      prometheusRuleLabels: kube.prometheusRuleLabels,
      reference: d.reference,
      referenceSpan: d.referenceSpanMinutes !== undefined ? Duration.minutes(d.referenceSpanMinutes) : undefined,
      // capture → drift → retrain: the alert names the WorkflowTemplate an Alertmanager webhook submits.
      retrainWorkflowTemplate: { name: this.pipeline.name, namespace: this.pipeline.namespace },
    });
  }
}

/** The platform's node pool of that name (the spec's schema checked that it exists). */
function nodePool(props: KubernetesPlatformModelProps, name: string): GpuNodePool {
  return props.nodePools.find((p) => p.name === name)!;
}
