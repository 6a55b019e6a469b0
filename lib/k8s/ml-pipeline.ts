import { ApiObject, Cron, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources } from './compute-resources';
import { GpuNodePool, GPU_POOL_LABEL } from './gpu-node-pool';
import {
  DATA_INPUT,
  EVALUATION_OUTPUT,
  GateComparison,
  MODEL_OUTPUT,
  PipelineGate,
  PipelineSpec,
  PipelineStep,
  StepKind,
  topologicalOrder,
  DEFAULT_REPORT_FILE,
  DEFAULT_STEP_MAX_RUNTIME_SECONDS,
  DEFAULT_STEP_VOLUME_GIB,
  plainPipelineSpec,
  plainStep,
} from '../core/pipeline';
import { warnEntrypointLookup } from './private/argo-entrypoint';
import { argoStepContainer } from './private/argo-step-container';
import { cpuMemoryResources, gpuResources } from './private/gpu-pod';
import { HELPER_STEP_SCRATCH_GIB, stepDisk } from '../core/ephemeral-storage';
import { standardLabels } from './private/labels';
import { RESTRICTED_POD } from './private/security';
import { synthProblems, validateProps } from './private/validate';
import { argoStepName, envSuffix, inputName, k8sPipelineSchema, k8sPipelineStepSchema } from '../core/schemas/k8s-pipeline';

const k8s = kplus.k8s;

/** Where the evaluation container writes the gate metric (the value alone, e.g. `0.93`). */
export const METRIC_OUTPUT_PATH = '/tmp/outputs/metric';

const DEFAULT_RESOURCES: ComputeResources = { cpuRequest: '1', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '8Gi' };
const GATE_FAILED_RESOURCES: ComputeResources = { cpuRequest: '100m', cpuLimit: '100m', memoryRequest: '64Mi', memoryLimit: '64Mi' };
/** Registration is one MLflow call: an hour is generous. */
const REGISTER_DEADLINE_SECONDS = 3600;
/** Failing a run with a message takes seconds. */
const GATE_FAILED_DEADLINE_SECONDS = 300;
const ONE_DAY = 86400;

/**
 * The restricted security context of Argo's executor containers. The workflow-controller adds an
 * `init` and a `wait` container (image argoexec) to every step's pod, with the controller's
 * `executor.securityContext`, empty by default (argo-workflows v4.1.2
 * workflow/controller/workflowpod.go `newExecContainer`), so Pod Security `restricted` refuses the
 * pod (allowPrivilegeEscalation, capabilities). The workflow's `podSpecPatch` is applied last, by
 * strategic merge on container names, after init and wait are added (`podBuilder.build` →
 * `util.ApplyPodSpecPatch`): it makes them restricted whatever the controller's settings. Root
 * filesystem left writable, as Argo's own `MinimalCtrSC` leaves it for init and wait
 * (argo-workflows #10787); run as non-root with RuntimeDefault seccomp from the pod as well.
 */
const EXECUTOR_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
/** The workflow's `podSpecPatch`: the executor's `init` and `wait` containers restricted. */
const EXECUTOR_POD_SPEC_PATCH = JSON.stringify({
  initContainers: [{ name: 'init', securityContext: EXECUTOR_SECURITY_CONTEXT }],
  containers: [{ name: 'wait', securityContext: EXECUTOR_SECURITY_CONTEXT }],
});

/** The lineage of a run, as every step container and the registration see it. */
const LINEAGE_ENV: kplus.k8s.EnvVar[] = [
  { name: 'DATA_VERSION', value: '{{workflow.parameters.data-version}}' },
  { name: 'CODE_COMMIT', value: '{{workflow.parameters.code-commit}}' },
  { name: 'FEATURE_SET_VERSION', value: '{{workflow.parameters.feature-set-version}}' },
];

/** Properties of a Kubernetes `MlPipeline`. */
export interface MlPipelineProps {
  /** The pipeline: steps, gate and inference image (the same spec renders on AWS). */
  readonly pipeline: PipelineSpec;
  /**
   * Image of the registration step, pinned by digest. It reads `MLFLOW_TRACKING_URI`,
   * `REGISTERED_MODEL_NAME` (when `registeredModelName` is set), `MODEL_URI`,
   * `INFERENCE_IMAGE`, `METRIC_VALUE`, `EVALUATION_REPORT_URI` and the lineage variables
   * `DATA_VERSION`, `CODE_COMMIT`, `FEATURE_SET_VERSION`, and registers the model version in MLflow.
   * It must also provide `/bin/sh`: the `gate-failed` task runs it to fail the run with a message.
   */
  readonly registerImage: string;
  /**
   * Entrypoint of the registration step.
   * @default - the image's
   */
  readonly registerCommand?: string[];
  /**
   * Arguments of the registration step.
   * @default - none
   */
  readonly registerArgs?: string[];
  /** MLflow tracking server URL, e.g. `http://mlflow.mlflow.svc.cluster.local:5000`. */
  readonly trackingUri: string;
  /**
   * Name of the MLflow registered model the versions go to, given to the registration step as
   * `REGISTERED_MODEL_NAME` (one MLflow server can hold the models of a whole platform).
   * @default - not set: the registration image decides
   */
  readonly registeredModelName?: string;
  /** `s3://` URI of the input data of a run: the default of the `input-data` parameter. */
  readonly inputData: string;
  /** `s3://` prefix under which each run writes its outputs (`<root>/<workflow uid>/<step>/<output>`), without a trailing `/`. */
  readonly artifactRoot: string;
  /** Version of the input data: the default of the `data-version` parameter (lineage). */
  readonly dataVersion: string;
  /** Full git commit SHA of the training code: the default of the `code-commit` parameter (lineage). */
  readonly codeCommit: string;
  /** Version of the feature set: the default of the `feature-set-version` parameter (lineage). */
  readonly featureSetVersion: string;
  /**
   * The GPU node pool GPU steps run on (toleration, node selector and GPU resource come from it).
   * @default - no pool: a step with `gpu` is rejected
   */
  readonly gpuNodePool?: GpuNodePool;
  /**
   * CPU and memory of every step container, always explicit.
   * @default - cpu 1 / 2, memory 4Gi / 8Gi
   */
  readonly resources?: ComputeResources;
  /**
   * Name of the WorkflowTemplate, CronWorkflow and ServiceAccount.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Namespace.
   * @default 'training'
   */
  readonly namespace?: string;
  /**
   * Create the namespace (restricted Pod Security Standard).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * When the pipeline runs: a `CronWorkflow` with this schedule, e.g.
   * `Cron.schedule({ minute: '0', hour: '3', weekDay: '0' })` (Sundays at 03:00). Without it, runs
   * are submitted from the WorkflowTemplate by hand or on an event (e.g. sustained drift, see
   * `DriftMonitorProps.retrainWorkflowTemplate`).
   * @default - no CronWorkflow
   */
  readonly schedule?: Cron;
  /**
   * Time zone of the schedule.
   * @default 'UTC'
   */
  readonly timezone?: string;
  /**
   * IAM role of the pipeline's pods (IRSA), with access to the input data and the artifact root.
   * @default - no role annotation
   */
  readonly serviceAccountRoleArn?: string;
  /**
   * How long a succeeded workflow is kept (Argo `ttlStrategy.secondsAfterSuccess`, whole seconds).
   * @default Duration.days(1)
   */
  readonly keepSucceededFor?: Duration;
  /**
   * How long a failed workflow (and its pods, for debugging) is kept (Argo
   * `ttlStrategy.secondsAfterFailure`, whole seconds).
   * @default Duration.days(7)
   */
  readonly keepFailedFor?: Duration;
}

/**
 * A training pipeline on Kubernetes as Argo Workflows: a `WorkflowTemplate` whose DAG has one task
 * per step (dependencies from the step inputs), a go/no-go gate and a registration task, with a
 * `schedule` a `CronWorkflow` that runs it, and the ServiceAccount its pods run as. `addStep` adds a
 * step after construction.
 *
 * Artifacts pass by reference: every run's outputs live under `<artifactRoot>/<workflow uid>/<step>/<output>`
 * in S3, and each step container gets `INPUT_<NAME>` and `OUTPUT_<NAME>` environment variables with
 * those URIs (`INPUT_DATA` is the `input-data` parameter), plus `DATA_VERSION`, `CODE_COMMIT` and
 * `FEATURE_SET_VERSION` from the run's parameters. Steps read and write S3 themselves (IRSA).
 *
 * The gate: the evaluation container reads the metric at `METRIC_PATH` (e.g. `metrics.auc.value`)
 * from its report (written to `OUTPUT_EVALUATION/<REPORT_FILE>`) and writes the bare value to
 * `METRIC_OUTPUT` (`/tmp/outputs/metric`, creating `/tmp/outputs`); Argo reads it as the output
 * parameter `metric`. `register` runs only when the metric passes the threshold (and, with
 * `compareToProduction`, the run's `production-metric` parameter, which defaults to the threshold:
 * pass the production model's value when submitting); otherwise `gate-failed` fails the run.
 * A metric that is not a number fails both `when` expressions, and so the run: the gate fails closed.
 *
 * Every container runs non-root with a read-only root filesystem and an emptyDir at `/tmp`. The
 * main containers get no Kubernetes API token; the Argo executor gets the ServiceAccount's token
 * from the Secret `<name>.service-account-token` (Argo 3.4+ looks it up by that name). The
 * executor's own `init` and `wait` containers, which the workflow controller adds to every pod, are
 * made restricted by the workflow's `podSpecPatch` (no privilege escalation, all capabilities
 * dropped), so the pods pass the restricted Pod Security Standard with the controller's default
 * `executor` settings. The patch names `init` and `wait`, the containers of Argo's default pod
 * layout: with the controller's beta `initlessPod` layout it would add an `init` container without
 * an image; there, remove it (`defaultChild.addJsonPatch(JsonPatch.remove('/spec/podSpecPatch'))`)
 * and set the controller's `executor.securityContext` instead.
 */
export class MlPipeline extends Construct {
  /** Name of the WorkflowTemplate (and CronWorkflow). */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** ServiceAccount the pipeline's pods run as. */
  public readonly serviceAccountName: string;
  /** The Argo `WorkflowTemplate` (also `node.defaultChild`). */
  public readonly workflowTemplate: ApiObject;
  /** The main object, the Argo `WorkflowTemplate` (for `addJsonPatch` where no prop or method fits). */
  public readonly defaultChild: ApiObject;
  /**
   * The namespace, restricted by Pod Security admission.
   * @default - none when `createNamespace` is false
   */
  public readonly namespaceObject?: ApiObject;
  /** The ServiceAccount the steps run as (no API token mounted). */
  public readonly serviceAccount: ApiObject;
  /** The token Secret only the Argo executor mounts. */
  public readonly executorToken: ApiObject;
  /** The Role letting the executor report task results, and its RoleBinding. */
  public readonly executorRole: ApiObject;
  /** The RoleBinding of `executorRole` to `serviceAccount`. */
  public readonly executorRoleBinding: ApiObject;
  /**
   * The Argo `CronWorkflow` running the template on `schedule`.
   * @default - none without `schedule`
   */
  public readonly cronWorkflow?: ApiObject;
  private readonly props: MlPipelineProps;
  /** The props as validated (plain values), re-validated with the steps added at synthesis. */
  private readonly validated: Record<string, unknown>;
  private readonly steps: PipelineStep[];
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: MlPipelineProps) {
    super(scope, id);
    this.validated = {
      ...props,
      pipeline: plainPipelineSpec(props.pipeline),
      gpuNodePool: poolShape(props.gpuNodePool),
      schedule: props.schedule?.expressionString,
      keepSucceededFor: props.keepSucceededFor?.toSeconds({ integral: false }),
      keepFailedFor: props.keepFailedFor?.toSeconds({ integral: false }),
    };
    validateProps(this, k8sPipelineSchema, this.validated);
    this.props = props;
    this.steps = [...props.pipeline.steps];
    this.name = props.name ?? id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    this.namespace = props.namespace ?? 'training';
    this.serviceAccountName = this.name;
    this.labels = standardLabels(this.name, this.name, 'training-pipeline');

    if (props.createNamespace ?? true) {
      this.namespaceObject = this.createNamespace();
    }
    [this.serviceAccount, this.executorToken, this.executorRole, this.executorRoleBinding] = this.createServiceAccount();
    this.workflowTemplate = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
      spec: Lazy.any({ produce: () => this.renderWorkflowSpec() }),
    });
    this.defaultChild = this.workflowTemplate;
    if (props.schedule) {
      this.cronWorkflow = this.createSchedule(props.schedule);
    }
    this.node.addValidation({ validate: () => this.validateSteps() });
    for (const s of this.steps) {
      warnEntrypointLookup(this, this.name, s.name, s.image, s.command);
    }
    warnEntrypointLookup(this, this.name, 'register', props.registerImage, props.registerCommand);
  }

  /**
   * Add a step after construction, e.g. a bias report reading `train.model`. It is checked like the
   * steps of the spec: alone now, and with the others (unique names, inputs produced upstream, no
   * cycle, one training step) at synthesis.
   */
  public addStep(step: PipelineStep): void {
    validateProps(this, k8sPipelineStepSchema, { step: plainStep(step), gpuNodePool: poolShape(this.props.gpuNodePool) });
    this.steps.push(step);
    warnEntrypointLookup(this, this.name, step.name, step.image, step.command);
  }

  private createNamespace(): ApiObject {
    return new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: this.namespace,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' },
      },
    });
  }

  /** The ServiceAccount, the executor's token and what the emissary executor may do (report task outputs). */
  private createServiceAccount(): [ApiObject, ApiObject, ApiObject, ApiObject] {
    const ns = this.namespace;
    const labels = this.labels;
    const serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: {
        name: this.serviceAccountName,
        namespace: ns,
        labels,
        annotations: this.props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': this.props.serviceAccountRoleArn } : undefined,
      },
      automountServiceAccountToken: false,
    });
    // Kubernetes 1.24+ creates no token Secret: the Argo executor (and only it) mounts this one.
    const token = new k8s.KubeSecret(this, 'ExecutorToken', {
      metadata: {
        name: `${this.serviceAccountName}.service-account-token`,
        namespace: ns,
        labels,
        annotations: { 'kubernetes.io/service-account.name': this.serviceAccountName },
      },
      type: 'kubernetes.io/service-account-token',
    });
    const role = new k8s.KubeRole(this, 'ExecutorRole', {
      metadata: { name: `${this.name}-executor`, namespace: ns, labels },
      rules: [{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }],
    });
    const binding = new k8s.KubeRoleBinding(this, 'ExecutorRoleBinding', {
      metadata: { name: `${this.name}-executor`, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${this.name}-executor` },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: ns }],
    });
    return [serviceAccount, token, role, binding];
  }

  private createSchedule(schedule: Cron): ApiObject {
    return new ApiObject(this, 'Schedule', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
      spec: {
        // argo-workflows v4 replaced `schedule` by the list `schedules`.
        schedules: [schedule.expressionString],
        timezone: this.props.timezone ?? 'UTC',
        // A retrain still running when the next one is due is not doubled.
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        workflowMetadata: { labels: this.labels },
        workflowSpec: { workflowTemplateRef: { name: this.name } },
      },
    });
  }

  /** The steps with every one added, against the same schema as the props. */
  private validateSteps(): string[] {
    const current = { ...this.validated, pipeline: plainPipelineSpec(this.props.pipeline, this.steps) };
    return synthProblems(this, k8sPipelineSchema, current);
  }

  private renderWorkflowSpec(): Record<string, unknown> {
    const ordered = topologicalOrder(this.steps);
    return {
      entrypoint: 'pipeline',
      arguments: { parameters: this.renderParameters() },
      serviceAccountName: this.serviceAccountName,
      // The steps get no Kubernetes API token; the executor gets its own (see the Secret).
      automountServiceAccountToken: false,
      executor: { serviceAccountName: this.serviceAccountName },
      securityContext: k8s.toJson_PodSecurityContext(RESTRICTED_POD),
      // Argo's executor containers (init, wait) restricted too: see EXECUTOR_POD_SPEC_PATCH.
      podSpecPatch: EXECUTOR_POD_SPEC_PATCH,
      podMetadata: { labels: this.labels },
      podGC: { strategy: 'OnWorkflowSuccess' },
      ttlStrategy: {
        secondsAfterSuccess: this.props.keepSucceededFor?.toSeconds() ?? ONE_DAY,
        secondsAfterFailure: this.props.keepFailedFor?.toSeconds() ?? 7 * ONE_DAY,
      },
      templates: [
        { name: 'pipeline', dag: { tasks: this.renderTasks(ordered) } },
        ...ordered.map((s) => this.renderStepTemplate(s)),
        this.renderRegisterTemplate(),
        this.renderGateFailedTemplate(),
      ],
    };
  }

  private renderParameters(): Array<Record<string, string>> {
    const { props } = this;
    const gate = props.pipeline.gate;
    return [
      { name: 'input-data', value: props.inputData, description: 's3:// URI of the input data' },
      { name: 'data-version', value: props.dataVersion, description: 'Version of the input data (lineage)' },
      { name: 'code-commit', value: props.codeCommit, description: 'Git commit of the training code (lineage)' },
      { name: 'feature-set-version', value: props.featureSetVersion, description: 'Version of the feature set (lineage)' },
      { name: 'production-metric', value: String(gate.threshold), description: `${gate.metric} of the production model (the gate threshold when not given)` },
      { name: 'artifact-root', value: props.artifactRoot, description: 's3:// prefix of the run outputs' },
    ];
  }

  /** One task per step (dependencies from its inputs), then `register` or `gate-failed` after the evaluation. */
  private renderTasks(ordered: PipelineStep[]): Array<Record<string, unknown>> {
    const evaluation = argoStepName(this.gate.evaluationStep);
    const metricArgument = { parameters: [{ name: 'metric', value: this.metricParameter }] };
    const tasks: Array<Record<string, unknown>> = ordered.map((s) => {
      const deps = [...new Set((s.inputs ?? []).filter((i) => i !== DATA_INPUT).map((i) => argoStepName(i.split('.')[0])))].sort();
      return { name: argoStepName(s.name), template: argoStepName(s.name), dependencies: deps.length > 0 ? deps : undefined };
    });
    tasks.push(
      { name: 'register', template: 'register', dependencies: [evaluation], when: this.gateExpression(false), arguments: metricArgument },
      { name: 'gate-failed', template: 'gate-failed', dependencies: [evaluation], when: this.gateExpression(true), arguments: metricArgument },
    );
    return tasks;
  }

  private renderStepTemplate(s: PipelineStep): Record<string, unknown> {
    const isEvaluation = s.name === this.gate.evaluationStep;
    const resources = this.props.resources ?? DEFAULT_RESOURCES;
    const pool = s.gpu ? this.props.gpuNodePool! : undefined;
    const disk = stepDisk(s.volumeSizeGiB ?? DEFAULT_STEP_VOLUME_GIB);
    return {
      name: argoStepName(s.name),
      activeDeadlineSeconds: s.maxRuntime?.toSeconds() ?? DEFAULT_STEP_MAX_RUNTIME_SECONDS,
      container: argoStepContainer({
        image: s.image,
        command: s.command,
        args: s.args,
        env: this.renderStepEnv(s, isEvaluation),
        resources: pool ? gpuResources(resources, pool.resourceName, s.gpuCount ?? 1, disk) : cpuMemoryResources(resources, disk),
      }),
      volumes: tmpVolume(disk.scratchSizeLimit),
      outputs: isEvaluation ? { parameters: [{ name: 'metric', valueFrom: { path: METRIC_OUTPUT_PATH } }] } : undefined,
      tolerations: pool ? [{ key: pool.taintKey, operator: 'Exists', effect: 'NoSchedule' }] : undefined,
      nodeSelector: pool ? { [GPU_POOL_LABEL]: pool.name } : undefined,
    };
  }

  /** Lineage, the input and output URIs, the gate's variables on the evaluation step, then the step's own. */
  private renderStepEnv(s: PipelineStep, isEvaluation: boolean): kplus.k8s.EnvVar[] {
    const gate = this.gate;
    return [
      ...LINEAGE_ENV,
      ...(s.inputs ?? []).map((i) => ({ name: `INPUT_${envSuffix(inputName(i))}`, value: i === DATA_INPUT ? '{{workflow.parameters.input-data}}' : uri(...splitInput(i)) })),
      ...outputsOf(s).map((o) => ({ name: `OUTPUT_${envSuffix(o)}`, value: uri(s.name, o) })),
      ...(isEvaluation
        ? [
          { name: 'METRIC_PATH', value: gate.metric },
          { name: 'METRIC_OUTPUT', value: METRIC_OUTPUT_PATH },
          { name: 'REPORT_FILE', value: gate.reportFile ?? DEFAULT_REPORT_FILE },
        ]
        : []),
      { name: 'HOME', value: '/tmp' },
      ...Object.entries(s.environment ?? {}).map(([name, value]) => ({ name, value })),
    ];
  }

  private renderRegisterTemplate(): Record<string, unknown> {
    const { props, gate } = this;
    const training = this.steps.find((s) => s.kind === StepKind.TRAINING)!;
    return {
      name: 'register',
      inputs: { parameters: [{ name: 'metric' }] },
      activeDeadlineSeconds: REGISTER_DEADLINE_SECONDS,
      container: argoStepContainer({
        image: props.registerImage,
        command: props.registerCommand,
        args: props.registerArgs,
        env: [
          { name: 'MLFLOW_TRACKING_URI', value: props.trackingUri },
          ...(props.registeredModelName !== undefined ? [{ name: 'REGISTERED_MODEL_NAME', value: props.registeredModelName }] : []),
          { name: 'MODEL_URI', value: uri(training.name, MODEL_OUTPUT) },
          { name: 'INFERENCE_IMAGE', value: props.pipeline.inferenceImage },
          { name: 'METRIC_NAME', value: gate.metric },
          { name: 'METRIC_VALUE', value: '{{inputs.parameters.metric}}' },
          { name: 'EVALUATION_REPORT_URI', value: `${uri(gate.evaluationStep, EVALUATION_OUTPUT)}/${gate.reportFile ?? DEFAULT_REPORT_FILE}` },
          ...LINEAGE_ENV,
          { name: 'HOME', value: '/tmp' },
        ],
        resources: cpuMemoryResources(props.resources ?? DEFAULT_RESOURCES, stepDisk(HELPER_STEP_SCRATCH_GIB)),
      }),
      volumes: tmpVolume(stepDisk(HELPER_STEP_SCRATCH_GIB).scratchSizeLimit),
    };
  }

  private renderGateFailedTemplate(): Record<string, unknown> {
    const gate = this.gate;
    const passes = this.gateExpression(false).replaceAll(this.metricParameter, gate.metric);
    return {
      name: 'gate-failed',
      inputs: { parameters: [{ name: 'metric' }] },
      activeDeadlineSeconds: GATE_FAILED_DEADLINE_SECONDS,
      container: argoStepContainer({
        image: this.props.registerImage,
        command: ['/bin/sh', '-c', 'echo "$MESSAGE" >&2; exit 1'],
        env: [{ name: 'MESSAGE', value: `gate failed: ${gate.metric} = {{inputs.parameters.metric}} does not pass ${passes}; the model is not registered` }],
        resources: cpuMemoryResources(GATE_FAILED_RESOURCES, stepDisk(HELPER_STEP_SCRATCH_GIB)),
      }),
      volumes: tmpVolume(stepDisk(HELPER_STEP_SCRATCH_GIB).scratchSizeLimit),
    };
  }

  private get gate(): PipelineGate {
    return this.props.pipeline.gate;
  }

  /** The evaluation task's output parameter, as the DAG refers to it. */
  private get metricParameter(): string {
    return `{{tasks.${argoStepName(this.gate.evaluationStep)}.outputs.parameters.metric}}`;
  }

  /**
   * `metric OP threshold` and, with compareToProduction, `metric OP production-metric`; negated, the
   * opposite operators joined by `||` (so exactly one of register / gate-failed runs).
   */
  private gateExpression(negated: boolean): string {
    const { comparison, threshold } = this.gate;
    const metric = this.metricParameter;
    const parts = [`${metric} ${OPERATORS[negated ? negate(comparison) : comparison]} ${String(threshold)}`];
    if (this.gate.compareToProduction ?? false) {
      // "At least as good as production": higher is better for > and >=, lower for < and <=.
      const higherIsBetter = comparison === GateComparison.GREATER_THAN_OR_EQUAL || comparison === GateComparison.GREATER_THAN;
      const prodOp = higherIsBetter ? (negated ? '<' : '>=') : negated ? '>' : '<=';
      parts.push(`${metric} ${prodOp} {{workflow.parameters.production-metric}}`);
    }
    return parts.join(negated ? ' || ' : ' && ');
  }
}

/** The GPU node pool as the schema sees it. */
function poolShape(pool: GpuNodePool | undefined): { name: string; gpu: string; sharingMode: string } | undefined {
  return pool ? { name: pool.name, gpu: pool.gpu, sharingMode: pool.sharing.mode } : undefined;
}

/** The step's scratch /tmp, bounded (lib/core/ephemeral-storage.ts). */
function tmpVolume(sizeLimit: string) {
  return [{ name: 'tmp', emptyDir: { sizeLimit } }];
}

const OPERATORS: Record<GateComparison, string> = {
  [GateComparison.GREATER_THAN_OR_EQUAL]: '>=',
  [GateComparison.GREATER_THAN]: '>',
  [GateComparison.LESS_THAN_OR_EQUAL]: '<=',
  [GateComparison.LESS_THAN]: '<',
};

function negate(c: GateComparison): GateComparison {
  switch (c) {
    case GateComparison.GREATER_THAN_OR_EQUAL:
      return GateComparison.LESS_THAN;
    case GateComparison.GREATER_THAN:
      return GateComparison.LESS_THAN_OR_EQUAL;
    case GateComparison.LESS_THAN_OR_EQUAL:
      return GateComparison.GREATER_THAN;
    default:
      return GateComparison.GREATER_THAN_OR_EQUAL;
  }
}

function outputsOf(s: PipelineStep): string[] {
  return s.kind === StepKind.TRAINING ? [MODEL_OUTPUT] : s.outputs ?? [];
}

function splitInput(input: string): [string, string] {
  const [step, output] = input.split('.');
  return [step, output];
}

/** S3 URI of a step output in the current run. */
function uri(step: string, output: string): string {
  return `{{workflow.parameters.artifact-root}}/{{workflow.uid}}/${step}/${output}`;
}
