import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources } from './compute-resources';
import { GpuNodePool, GPU_POOL_LABEL } from './gpu-node-pool';
import {
  DATA_INPUT,
  EVALUATION_OUTPUT,
  GateComparison,
  MODEL_OUTPUT,
  PipelineSpec,
  PipelineStep,
  StepKind,
  topologicalOrder,
} from '../core/pipeline';
import { gpuResources } from './private/gpu-pod';
import { standardLabels } from './private/labels';
import { RESTRICTED_CONTAINER, RESTRICTED_POD } from './private/security';
import { validateProps } from './private/validate';
import { argoStepName, envSuffix, inputName, k8sPipelineSchema } from '../core/schemas/k8s-pipeline';

const k8s = kplus.k8s;

/** Where the evaluation container writes the gate metric (the value alone, e.g. `0.93`). */
export const METRIC_OUTPUT_PATH = '/tmp/outputs/metric';

const DEFAULT_RESOURCES: ComputeResources = { cpuRequest: '1', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '8Gi' };
const DEFAULT_SCHEDULE = '0 3 * * 0';
const DEFAULT_MAX_RUNTIME_SECONDS = 86400;
const DEFAULT_VOLUME_GIB = 30;
/** Registration is one MLflow call: an hour is generous. */
const REGISTER_DEADLINE_SECONDS = 3600;
const ONE_DAY = 86400;

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
   * When the pipeline runs, a cron expression (or `@daily`, `@every 6h` …).
   * @default '0 3 * * 0' (Sundays at 03:00)
   */
  readonly schedule?: string;
  /**
   * Create the CronWorkflow. Without it, runs are submitted from the WorkflowTemplate by hand or
   * on an event (e.g. sustained drift, see `DriftMonitorProps.retrainWorkflowTemplate`).
   * @default true
   */
  readonly createSchedule?: boolean;
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
   * Seconds a succeeded workflow is kept.
   * @default 86400
   */
  readonly secondsAfterSuccess?: number;
  /**
   * Seconds a failed workflow (and its pods, for debugging) is kept.
   * @default 604800
   */
  readonly secondsAfterFailure?: number;
}

/**
 * A training pipeline on Kubernetes as Argo Workflows: a `WorkflowTemplate` whose DAG has one task
 * per step (dependencies from the step inputs), a go/no-go gate and a registration task, a
 * `CronWorkflow` that runs it on a schedule, and the ServiceAccount its pods run as.
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
 * from the Secret `<name>.service-account-token` (Argo 3.4+ looks it up by that name). In a
 * namespace enforcing the restricted Pod Security Standard, the workflow controller's
 * `executor.securityContext` must be restricted too (non-root, no privilege escalation, all
 * capabilities dropped, RuntimeDefault seccomp), or the pods are refused.
 */
export class MlPipeline extends Construct {
  /** Name of the WorkflowTemplate (and CronWorkflow). */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** ServiceAccount the pipeline's pods run as. */
  public readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: MlPipelineProps) {
    super(scope, id);
    validateProps(this, k8sPipelineSchema, {
      ...props,
      gpuNodePool: props.gpuNodePool
        ? { name: props.gpuNodePool.name, gpu: props.gpuNodePool.gpu, sharingMode: props.gpuNodePool.sharing.mode }
        : undefined,
    });

    this.name = props.name ?? id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    this.namespace = props.namespace ?? 'training';
    this.serviceAccountName = this.name;
    const ns = this.namespace;
    const labels = standardLabels(this.name, this.name, 'training-pipeline');
    const spec = props.pipeline;

    if (props.createNamespace ?? true) {
      new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: ns,
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' },
        },
      });
    }

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: {
        name: this.serviceAccountName,
        namespace: ns,
        labels,
        annotations: props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } : undefined,
      },
      automountServiceAccountToken: false,
    });
    // Kubernetes 1.24+ creates no token Secret: the Argo executor (and only it) mounts this one.
    new k8s.KubeSecret(this, 'ExecutorToken', {
      metadata: {
        name: `${this.serviceAccountName}.service-account-token`,
        namespace: ns,
        labels,
        annotations: { 'kubernetes.io/service-account.name': this.serviceAccountName },
      },
      type: 'kubernetes.io/service-account-token',
    });
    // What the emissary executor needs: report each task's outputs.
    new k8s.KubeRole(this, 'ExecutorRole', {
      metadata: { name: `${this.name}-executor`, namespace: ns, labels },
      rules: [{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }],
    });
    new k8s.KubeRoleBinding(this, 'ExecutorRoleBinding', {
      metadata: { name: `${this.name}-executor`, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${this.name}-executor` },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: ns }],
    });

    const gate = spec.gate;
    const ordered = topologicalOrder(spec.steps);
    const training = spec.steps.find((s) => s.kind === StepKind.TRAINING)!;
    const evaluation = argoStepName(gate.evaluationStep);
    const metric = `{{tasks.${evaluation}.outputs.parameters.metric}}`;
    const passes = this.gateExpression(metric, gate.comparison, String(gate.threshold), gate.compareToProduction ?? false);
    const fails = this.gateExpression(metric, gate.comparison, String(gate.threshold), gate.compareToProduction ?? false, true);
    const reportUri = `${uri(gate.evaluationStep, EVALUATION_OUTPUT)}/${gate.reportFile ?? 'evaluation.json'}`;
    const metricArgument = { parameters: [{ name: 'metric', value: metric }] };

    const tasks: Array<Record<string, unknown>> = ordered.map((s) => {
      const deps = [...new Set((s.inputs ?? []).filter((i) => i !== DATA_INPUT).map((i) => argoStepName(i.split('.')[0])))].sort();
      return { name: argoStepName(s.name), template: argoStepName(s.name), dependencies: deps.length > 0 ? deps : undefined };
    });
    tasks.push(
      { name: 'register', template: 'register', dependencies: [evaluation], when: passes, arguments: metricArgument },
      { name: 'gate-failed', template: 'gate-failed', dependencies: [evaluation], when: fails, arguments: metricArgument },
    );

    const resources = props.resources ?? DEFAULT_RESOURCES;
    const lineage = [
      { name: 'DATA_VERSION', value: '{{workflow.parameters.data-version}}' },
      { name: 'CODE_COMMIT', value: '{{workflow.parameters.code-commit}}' },
      { name: 'FEATURE_SET_VERSION', value: '{{workflow.parameters.feature-set-version}}' },
    ];
    const tmp = (sizeGiB?: number) => [{ name: 'tmp', emptyDir: { sizeLimit: sizeGiB ? `${sizeGiB}Gi` : undefined } }];

    const stepTemplates = ordered.map((s) => {
      const isEvaluation = s.name === gate.evaluationStep;
      const env = [
        ...lineage,
        ...(s.inputs ?? []).map((i) => ({ name: `INPUT_${envSuffix(inputName(i))}`, value: i === DATA_INPUT ? '{{workflow.parameters.input-data}}' : uri(...splitInput(i)) })),
        ...outputsOf(s).map((o) => ({ name: `OUTPUT_${envSuffix(o)}`, value: uri(s.name, o) })),
        ...(isEvaluation
          ? [
            { name: 'METRIC_PATH', value: gate.metric },
            { name: 'METRIC_OUTPUT', value: METRIC_OUTPUT_PATH },
            { name: 'REPORT_FILE', value: gate.reportFile ?? 'evaluation.json' },
          ]
          : []),
        { name: 'HOME', value: '/tmp' },
        ...Object.entries(s.environment ?? {}).map(([name, value]) => ({ name, value })),
      ];
      const pool = s.gpu ? props.gpuNodePool! : undefined;
      return {
        name: argoStepName(s.name),
        activeDeadlineSeconds: s.maxRuntimeSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS,
        container: this.container({
          image: s.image,
          command: s.command,
          args: s.args,
          env,
          resources: pool ? gpuResources(resources, pool.resourceName, s.gpuCount ?? 1) : cpuResources(resources),
        }),
        volumes: tmp(s.volumeSizeGiB ?? DEFAULT_VOLUME_GIB),
        outputs: isEvaluation ? { parameters: [{ name: 'metric', valueFrom: { path: METRIC_OUTPUT_PATH } }] } : undefined,
        tolerations: pool ? [{ key: pool.taintKey, operator: 'Exists', effect: 'NoSchedule' }] : undefined,
        nodeSelector: pool ? { [GPU_POOL_LABEL]: pool.name } : undefined,
      };
    });

    const registerTemplate = {
      name: 'register',
      inputs: { parameters: [{ name: 'metric' }] },
      activeDeadlineSeconds: REGISTER_DEADLINE_SECONDS,
      container: this.container({
        image: props.registerImage,
        command: props.registerCommand,
        args: props.registerArgs,
        env: [
          { name: 'MLFLOW_TRACKING_URI', value: props.trackingUri },
          ...(props.registeredModelName !== undefined ? [{ name: 'REGISTERED_MODEL_NAME', value: props.registeredModelName }] : []),
          { name: 'MODEL_URI', value: uri(training.name, MODEL_OUTPUT) },
          { name: 'INFERENCE_IMAGE', value: spec.inferenceImage },
          { name: 'METRIC_NAME', value: gate.metric },
          { name: 'METRIC_VALUE', value: '{{inputs.parameters.metric}}' },
          { name: 'EVALUATION_REPORT_URI', value: reportUri },
          ...lineage,
          { name: 'HOME', value: '/tmp' },
        ],
        resources: cpuResources(resources),
      }),
      volumes: tmp(),
    };
    const gateFailedTemplate = {
      name: 'gate-failed',
      inputs: { parameters: [{ name: 'metric' }] },
      activeDeadlineSeconds: 300,
      container: this.container({
        image: props.registerImage,
        command: ['/bin/sh', '-c', 'echo "$MESSAGE" >&2; exit 1'],
        env: [
          {
            name: 'MESSAGE',
            value: `gate failed: ${gate.metric} = {{inputs.parameters.metric}} does not pass ${passes.replaceAll(metric, gate.metric)}; the model is not registered`,
          },
        ],
        resources: cpuResources({ cpuRequest: '100m', cpuLimit: '100m', memoryRequest: '64Mi', memoryLimit: '64Mi' }),
      }),
      volumes: tmp(),
    };

    const parameters = [
      { name: 'input-data', value: props.inputData, description: 's3:// URI of the input data' },
      { name: 'data-version', value: props.dataVersion, description: 'Version of the input data (lineage)' },
      { name: 'code-commit', value: props.codeCommit, description: 'Git commit of the training code (lineage)' },
      { name: 'feature-set-version', value: props.featureSetVersion, description: 'Version of the feature set (lineage)' },
      { name: 'production-metric', value: String(gate.threshold), description: `${gate.metric} of the production model (the gate threshold when not given)` },
      { name: 'artifact-root', value: props.artifactRoot, description: 's3:// prefix of the run outputs' },
    ];

    new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: { name: this.name, namespace: ns, labels },
      spec: {
        entrypoint: 'pipeline',
        arguments: { parameters },
        serviceAccountName: this.serviceAccountName,
        // The steps get no Kubernetes API token; the executor gets its own (see the Secret above).
        automountServiceAccountToken: false,
        executor: { serviceAccountName: this.serviceAccountName },
        securityContext: k8s.toJson_PodSecurityContext(RESTRICTED_POD),
        podMetadata: { labels },
        podGC: { strategy: 'OnWorkflowSuccess' },
        ttlStrategy: {
          secondsAfterSuccess: props.secondsAfterSuccess ?? ONE_DAY,
          secondsAfterFailure: props.secondsAfterFailure ?? 7 * ONE_DAY,
        },
        templates: [{ name: 'pipeline', dag: { tasks } }, ...stepTemplates, registerTemplate, gateFailedTemplate],
      },
    });

    if (props.createSchedule === false) {
      return;
    }
    new ApiObject(this, 'Schedule', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: { name: this.name, namespace: ns, labels },
      spec: {
        // argo-workflows v4 replaced `schedule` by the list `schedules`.
        schedules: [props.schedule ?? DEFAULT_SCHEDULE],
        timezone: props.timezone ?? 'UTC',
        // A retrain still running when the next one is due is not doubled.
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        workflowMetadata: { labels },
        workflowSpec: { workflowTemplateRef: { name: this.name } },
      },
    });
  }

  /**
   * `metric OP threshold` and, with compareToProduction, `metric OP production-metric`; negated, the
   * opposite operators joined by `||` (so exactly one of register / gate-failed runs).
   */
  private gateExpression(metric: string, comparison: GateComparison, threshold: string, production: boolean, negated = false): string {
    const parts = [`${metric} ${OPERATORS[negated ? negate(comparison) : comparison]} ${threshold}`];
    if (production) {
      // "At least as good as production": higher is better for > and >=, lower for < and <=.
      const higherIsBetter = comparison === GateComparison.GREATER_THAN_OR_EQUAL || comparison === GateComparison.GREATER_THAN;
      const prodOp = higherIsBetter ? (negated ? '<' : '>=') : negated ? '>' : '<=';
      parts.push(`${metric} ${prodOp} {{workflow.parameters.production-metric}}`);
    }
    return parts.join(negated ? ' || ' : ' && ');
  }

  private container(o: { image: string; command?: string[]; args?: string[]; env: kplus.k8s.EnvVar[]; resources: kplus.k8s.ResourceRequirements }) {
    return k8s.toJson_Container({
      name: 'main',
      image: o.image,
      imagePullPolicy: 'IfNotPresent',
      command: o.command,
      args: o.args,
      env: o.env,
      resources: o.resources,
      securityContext: RESTRICTED_CONTAINER,
      // A CUDA out-of-memory crash leaves its last log lines as the termination message.
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
  }
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

/** Typed CPU/memory requirements (quantities as `Quantity`, which the generated converters keep). */
function cpuResources(r: ComputeResources): kplus.k8s.ResourceRequirements {
  const q = (s: string) => k8s.Quantity.fromString(s);
  return {
    requests: { cpu: q(r.cpuRequest), memory: q(r.memoryRequest) },
    limits: { cpu: q(r.cpuLimit), memory: q(r.memoryLimit) },
  };
}
