import { ApiObject, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources } from './compute-resources';
import { GpuNodePool, GPU_POOL_LABEL } from './gpu-node-pool';
import { ENTRYPOINT_LOOKUP_WARNING } from './private/argo-entrypoint';
import { argoStepContainer, TMP_VOLUME_MOUNT } from './private/argo-step-container';
import {
  EXECUTOR_POD_SPEC_PATCH,
  LOGICAL_DATE_EXPRESSION,
  LOGICAL_DATE_PARAMETER,
  RUN_ID_PARAMETER,
  inputPartitionTemplate,
  runOutputTemplate,
} from './private/batch-workflow';
import { cpuMemoryResources, gpuResources } from './private/gpu-pod';
import { standardLabels } from './private/labels';
import { RESTRICTED_POD } from './private/security';
import {
  DEFAULT_BATCH_CONTENT_TYPE,
  DEFAULT_BATCH_HOUR_UTC,
  DEFAULT_BATCH_MAX_CONCURRENCY,
  DEFAULT_BATCH_MIN_RECORDS,
  backfillPlan,
  isLogicalDate,
} from '../core/batch/layout';
import { BatchScoringSpec } from '../core/batch/spec';
import { HELPER_STEP_SCRATCH_GIB, stepDisk } from '../core/ephemeral-storage';
import { Lineage } from '../core/lineage';
import { DEFAULT_APPROVAL_ALIAS } from '../core/mlflow-promotion';
import { DEFAULT_STEP_VOLUME_GIB } from '../core/pipeline';
import { AlarmOwnership } from '../core/rollback';
import { addWarning } from '../core/warnings';
import { validateProps } from './private/validate';
import {
  BATCH_HELPER_DEADLINE_SECONDS,
  DEFAULT_BATCH_SCORING_MAX_RUNTIME_SECONDS,
  k8sBatchScoringSchema,
} from '../core/schemas/k8s-batch-scoring';

const k8s = kplus.k8s;

/** The batch CLI in the runtime image (lib/runtime/batch/cli.ts, bundled to assets/batch/index.js). */
export const BATCH_CLI = '/opt/cdk-mlops/batch.js';
/** Where the validate, commit and plan steps read the job's config (a ConfigMap). */
const CONFIG_DIR = '/etc/batch-scoring';
const CONFIG_FILE = 'config.json';
/** Where the runtime steps write their output parameters (Argo reads them from the files). */
const OUTPUTS_DIR = '/tmp/outputs';
/** Where the plan step writes the dates (Argo reads it as the output parameter `dates`). */
const DATES_OUTPUT_PATH = `${OUTPUTS_DIR}/dates`;
/** What validate-input tells the commit (files of OUTPUTS_DIR, parameters of the commit). */
const INPUT_FACTS = ['input-records', 'data-version'];
/** What validate-input resolves with `championAlias` (files of OUTPUTS_DIR, parameters of the score and commit steps). */
const MODEL_FACTS = ['model-version', 'model-source'];
/** A parameter of the step's template. */
const input = (name: string) => `{{inputs.parameters.${name}}}`;

/**
 * The MLflow registered model alias a Kubernetes `BatchScoring` resolves at each run: the version
 * `ApprovalPromotion` serves (the same alias and lineage rules).
 */
export interface BatchScoringChampionAlias {
  /** MLflow tracking server URL, e.g. `http://mlflow.mlflow.svc.cluster.local:5000` (its NetworkPolicy must admit the job's namespace). */
  readonly trackingUri: string;
  /** The MLflow registered model (e.g. `<platform>-<model>`). */
  readonly registeredModelName: string;
  /**
   * The alias whose version is scored.
   * @default 'champion'
   */
  readonly alias?: string;
  /**
   * Model version tags the version must carry (non-empty) to be scored: the promoter's, so a version
   * it refuses to serve is not scored either.
   * @default - every lineage key (`Lineage.metadataKeys()`), as `ApprovalPromotion`'s default
   */
  readonly requiredLineageKeys?: string[];
}

const DEFAULT_RESOURCES: ComputeResources = { cpuRequest: '1', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '8Gi' };
/** The validate, commit and plan steps: listing a partition and hashing its listing, one PUT. */
const HELPER_RESOURCES: ComputeResources = { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '512Mi' };
/**
 * How late the controller may still start a missed run (controller down or restarting at the
 * scheduled hour): the logical date comes from the scheduled time, not the start, so a late run
 * still scores the right day; 12 hours leaves it time to finish before the next one.
 */
const STARTING_DEADLINE_SECONDS = 12 * 3600;
const ONE_DAY = 86400;
/** Window of the failed-run alert: one page per failure, cleared within the window once no run fails. */
const FAILED_ALERT_WINDOW = '6h';

/** Properties of a Kubernetes `BatchScoring`. */
export interface BatchScoringProps extends BatchScoringSpec {
  /**
   * Image of the scoring step, pinned by digest. It reads the records of `INPUT_URI` (the input
   * partition, `CONTENT_TYPE`), scores them with the model (`MODEL_SOURCE`, `MODEL_VERSION`) and
   * writes its files under `OUTPUT_URI` (the run's own prefix `<outputUri>date=D/run=<RUN_ID>/`)
   * and nowhere else; `LOGICAL_DATE` and `RUN_ID` are set too. The commit step then makes them the
   * partition.
   */
  readonly image: string;
  /**
   * Entrypoint of the scoring step. Set it: without it the Argo controller must read the image's
   * entrypoint from its registry, which fails for a private registry such as ECR (a warning says so).
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments of the scoring step.
   * @default - none
   */
  readonly args?: string[];
  /**
   * More environment variables of the scoring step (not those the construct sets).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * CPU and memory of the scoring step.
   * @default - cpu 1 / 2, memory 4Gi / 8Gi
   */
  readonly resources?: ComputeResources;
  /**
   * The GPU node pool the scoring step runs on (node selector, toleration and GPU resource come from it).
   * @default - no GPU: the step runs on any node
   */
  readonly gpuNodePool?: GpuNodePool;
  /**
   * GPUs (or GPU shares) of the scoring step, with `gpuNodePool`.
   * @default 1
   */
  readonly gpuCount?: number;
  /**
   * Deadline of the scoring step (Argo `activeDeadlineSeconds`), at most 20 hours.
   * @default Duration.hours(6)
   */
  readonly maxRuntime?: Duration;
  /**
   * The model version every run scores with (lineage: `MODEL_VERSION`, and the manifest's `modelVersion`).
   * Required unless `championAlias` is set; with it, the version scored while no version carries the
   * alias (before the first promotion: the one the server starts with), given with `modelSource`.
   * @default - none: `championAlias` resolves it at each run, and a run without a version carrying the alias fails
   */
  readonly modelVersion?: string;
  /**
   * Where that model comes from, e.g. `models:/fraud/7` (lineage: `MODEL_SOURCE`, and the manifest's `modelSource`).
   * Required unless `championAlias` is set; with it, given with `modelVersion` (see there).
   * @default - none: `championAlias` resolves it at each run, and a run without a version carrying the alias fails
   */
  readonly modelSource?: string;
  /**
   * Score with the version an MLflow alias names when the run starts, instead of `modelVersion` /
   * `modelSource`: the validate-input step reads the alias (MLflow's REST API) and gives the version
   * and its source to the score step (`MODEL_VERSION`, `MODEL_SOURCE`) and the lineage. A version
   * `ApprovalPromotion` would not serve for itself (not READY, lineage tags missing, a source that is
   * no storage URI) is not scored; without a version carrying the alias the run scores `modelVersion`
   * / `modelSource` when they are given (the server's first version, before any promotion), and
   * fails otherwise (the failed-run alert), before anything is scored. Each date of a backfill
   * resolves it when it starts. MLflow must answer without authentication (as for `ApprovalPromotion`).
   * @default - the fixed `modelVersion` and `modelSource`
   */
  readonly championAlias?: BatchScoringChampionAlias;
  /**
   * The runtime image (`docker/drift-job/Dockerfile`: the batch CLI at `/opt/cdk-mlops/batch.js`),
   * pinned by digest: it validates the input partition, plans backfills and commits runs.
   */
  readonly runtimeImage: string;
  /** Who owns the failed-run alert and where its runbook is. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * Namespace.
   * @default 'batch-scoring'
   */
  readonly namespace?: string;
  /**
   * Create the namespace (restricted Pod Security Standard), unless an object of the chart creates it.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * IAM role of the pods (IRSA): read `inputUri`, read and write `outputUri` (delete included: the
   * commit removes superseded runs).
   * @default - no role annotation
   */
  readonly serviceAccountRoleArn?: string;
  /**
   * KMS key (key id, key ARN, alias or alias ARN) the runtime steps write `_LINEAGE.json` and
   * `_MANIFEST.json` with (SSE-KMS), as `aws.BatchScoring` writes them: for an output bucket whose
   * policy requires SSE-KMS with a given key. The runtime steps get it as `KMS_KEY_ID`; the role
   * (`serviceAccountRoleArn`) needs `kms:GenerateDataKey` and `kms:Decrypt` on it. The scoring
   * container writes its own files: give it the key through `environment` if it must name one.
   * @default - none: the output bucket's default encryption
   */
  readonly kmsKeyId?: string;
  /**
   * Labels of the PrometheusRule for Prometheus' `ruleSelector`.
   * @default - none
   */
  readonly prometheusRuleLabels?: Record<string, string>;
}

/**
 * Scheduled batch scoring on Kubernetes with Argo Workflows: the `BatchScoringSpec` that
 * `aws.BatchScoring` runs as a SageMaker pipeline, with the same layout (lib/core/batch/layout.ts).
 *
 * - The WorkflowTemplate `<name>` scores one logical date (parameter `logical-date`, YYYY-MM-DD):
 *   `validate-input` (the runtime image: the input partition has at least `minRecords` records),
 *   `score` (the scoring image, on the GPU pool: writes under `<outputUri>date=D/run=<workflow uid>/`
 *   only), then `commit` (lineage beside the run's files, then `<outputUri>date=D/_MANIFEST.json`,
 *   one PUT: the partition switches at once; older runs are deleted). A failed run changes nothing;
 *   a re-run of D replaces D.
 * - The CronWorkflow `<name>` submits it daily at `hourUtc` (UTC), with `logical-date` the UTC day
 *   before the scheduled time.
 * - The WorkflowTemplate `<name>-backfill` scores `from`..`to` (inclusive), `maxConcurrency` dates at
 *   once, each an ordinary run: `backfillCommand(from, to)` is the one command.
 * - The model is `modelVersion` / `modelSource`, or with `championAlias` the version MLflow's alias
 *   names when the run starts (validate-input resolves it; score and commit take it from there): a
 *   promotion reaches the next run, as on AWS.
 * - A PrometheusRule pages the owner when a run or a backfill fails (Argo's controller metric
 *   `argo_workflows_workflowtemplate_triggered_total`).
 *
 * Every pod is restricted (non-root, read-only root, no capabilities, RuntimeDefault seccomp, an
 * emptyDir `/tmp`); the steps get no Kubernetes API token, the Argo executor its own (as `MlPipeline`).
 * Run-to-completion steps have no probes: a deadline bounds each.
 */
export class BatchScoring extends Construct {
  /** Name of the WorkflowTemplate, CronWorkflow, ServiceAccount and PrometheusRule. */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** The WorkflowTemplate scoring one date (also `node.defaultChild`). */
  public readonly workflowTemplate: ApiObject;
  /** The daily CronWorkflow. */
  public readonly cronWorkflow: ApiObject;
  /** The WorkflowTemplate `<name>-backfill`. */
  public readonly backfillTemplate: ApiObject;
  /** The configuration the runtime steps read (`config.json`). */
  public readonly config: ApiObject;
  /** The ServiceAccount the pods run as (IRSA with `serviceAccountRoleArn`; no API token mounted). */
  public readonly serviceAccount: ApiObject;
  /** The PrometheusRule with the failed-run alert. */
  public readonly alerts: ApiObject;
  /**
   * The namespace, restricted by Pod Security admission.
   * @default - none when `createNamespace` is false or an object of the chart creates it
   */
  public readonly namespaceObject?: ApiObject;

  private readonly props: BatchScoringProps;
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: BatchScoringProps) {
    super(scope, id);
    validateProps(this, k8sBatchScoringSchema, plainProps(props));
    this.props = props;
    this.name = props.name;
    this.namespace = props.namespace ?? 'batch-scoring';
    this.labels = standardLabels(this.name, this.name, 'batch-scoring');

    if ((props.createNamespace ?? true) && !namespaceInChart(this, this.namespace)) {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' } },
      });
    }
    this.serviceAccount = this.createIdentity();
    this.config = new k8s.KubeConfigMap(this, 'Config', {
      metadata: this.metadata(`${this.name}-config`),
      data: { [CONFIG_FILE]: JSON.stringify(this.renderConfig(), null, 2) },
    });
    this.workflowTemplate = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: this.metadata(this.name),
      spec: this.renderRunSpec(),
    });
    this.node.defaultChild = this.workflowTemplate;
    this.cronWorkflow = new ApiObject(this, 'Schedule', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: this.metadata(this.name),
      spec: this.renderCronSpec(),
    });
    this.backfillTemplate = new ApiObject(this, 'Backfill', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: this.metadata(`${this.name}-backfill`),
      spec: this.renderBackfillSpec(),
    });
    if (props.command === undefined) {
      addWarning(
        this,
        ENTRYPOINT_LOOKUP_WARNING,
        `BatchScoring ${this.name}: the scoring step has no command, so the Argo workflow controller must read the entrypoint of ${props.image} from its registry `
          + 'before it starts the pod, which fails for a private registry such as ECR (the controller does not have the node\'s pull credentials) unless the '
          + 'ServiceAccount has imagePullSecrets or the image is listed under `images` in the workflow-controller ConfigMap; set `command`.',
      );
    }
    this.alerts = new ApiObject(this, 'Alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { ...this.metadata(this.name), labels: { ...this.labels, ...(props.prometheusRuleLabels ?? {}) } },
      spec: { groups: [{ name: `${this.name}.rules`, rules: [this.renderFailedAlert()] }] },
    });
  }

  /** The hour (UTC) of the daily run. */
  public get hourUtc(): number {
    return this.props.hourUtc ?? DEFAULT_BATCH_HOUR_UTC;
  }

  /** Dates scored at once by a backfill. */
  public get maxConcurrency(): number {
    return this.props.maxConcurrency ?? DEFAULT_BATCH_MAX_CONCURRENCY;
  }

  /**
   * The one command that backfills `from`..`to` (inclusive, YYYY-MM-DD): one workflow running every
   * date as an ordinary run, `maxConcurrency` at once; a date that fails does not stop the others.
   * Re-running it, or a range overlapping scheduled runs, replaces partitions and duplicates none.
   * @param from first date, YYYY-MM-DD
   * @param to last date, YYYY-MM-DD (at most 366 dates after `from`)
   */
  public backfillCommand(from: string, to: string): string {
    backfillPlan(from, to, this.maxConcurrency);
    return `argo submit --from workflowtemplate/${this.name}-backfill -n ${this.namespace} -p from=${from} -p to=${to}`;
  }

  /**
   * The command that (re-)scores one date: a new run, which replaces the partition when it commits.
   * @param date the logical date, YYYY-MM-DD
   */
  public runCommand(date: string): string {
    if (!isLogicalDate(date)) {
      throw new Error(`${this.node.path}: date "${date}" must be a calendar date written YYYY-MM-DD`);
    }
    return `argo submit --from workflowtemplate/${this.name} -n ${this.namespace} -p logical-date=${date}`;
  }

  private metadata(name: string) {
    return { name, namespace: this.namespace, labels: this.labels };
  }

  /** The runtime CLI's config (lib/runtime/batch/cli.ts `BatchCliConfig`): the spec with its defaults, and the model. */
  private renderConfig(): Record<string, unknown> {
    const p = this.props;
    return {
      spec: {
        name: p.name,
        inputUri: p.inputUri,
        outputUri: p.outputUri,
        hourUtc: this.hourUtc,
        contentType: p.contentType ?? DEFAULT_BATCH_CONTENT_TYPE,
        minRecords: p.minRecords ?? DEFAULT_BATCH_MIN_RECORDS,
        maxConcurrency: this.maxConcurrency,
      },
      ...(p.championAlias !== undefined
        ? {
          champion: {
            trackingUri: p.championAlias.trackingUri,
            registeredModelName: p.championAlias.registeredModelName,
            alias: p.championAlias.alias ?? DEFAULT_APPROVAL_ALIAS,
            requiredLineageKeys: p.championAlias.requiredLineageKeys ?? Lineage.metadataKeys(),
            ...(p.modelVersion !== undefined && p.modelSource !== undefined
              ? { fallback: { modelVersion: p.modelVersion, modelSource: p.modelSource } }
              : {}),
          },
        }
        : { modelVersion: p.modelVersion, modelSource: p.modelSource }),
    };
  }

  /** The ServiceAccount, the executor's token and what the executor may do (report task results). */
  private createIdentity(): ApiObject {
    const ns = this.namespace;
    const labels = this.labels;
    const roleArn = this.props.serviceAccountRoleArn;
    const serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace: ns, labels, annotations: roleArn ? { 'eks.amazonaws.com/role-arn': roleArn } : undefined },
      automountServiceAccountToken: false,
    });
    // Kubernetes 1.24+ creates no token Secret: the Argo executor (and only it) mounts this one.
    new k8s.KubeSecret(this, 'ExecutorToken', {
      metadata: { name: `${this.name}.service-account-token`, namespace: ns, labels, annotations: { 'kubernetes.io/service-account.name': this.name } },
      type: 'kubernetes.io/service-account-token',
    });
    new k8s.KubeRole(this, 'ExecutorRole', {
      metadata: { name: `${this.name}-executor`, namespace: ns, labels },
      rules: [{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }],
    });
    new k8s.KubeRoleBinding(this, 'ExecutorRoleBinding', {
      metadata: { name: `${this.name}-executor`, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${this.name}-executor` },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: ns }],
    });
    return serviceAccount;
  }

  /** What every workflow of the job shares: identity, restricted pods, clean-up. */
  private workflowDefaults(): Record<string, unknown> {
    return {
      serviceAccountName: this.name,
      // The steps get no Kubernetes API token; the executor gets its own (see the Secret).
      automountServiceAccountToken: false,
      executor: { serviceAccountName: this.name },
      securityContext: k8s.toJson_PodSecurityContext(RESTRICTED_POD),
      podSpecPatch: EXECUTOR_POD_SPEC_PATCH,
      podMetadata: { labels: this.labels },
      podGC: { strategy: 'OnWorkflowSuccess' },
      ttlStrategy: { secondsAfterSuccess: ONE_DAY, secondsAfterFailure: 7 * ONE_DAY },
    };
  }

  /**
   * One date: validate-input → score → commit, each step given the date explicitly (so the backfill
   * can call `run`); with `championAlias`, the model validate-input resolved too.
   */
  private renderRunSpec(): Record<string, unknown> {
    const scoreSeconds = this.props.maxRuntime?.toSeconds() ?? DEFAULT_BATCH_SCORING_MAX_RUNTIME_SECONDS;
    const date = [{ name: 'logical-date', value: LOGICAL_DATE_PARAMETER }];
    const resolved = this.props.championAlias !== undefined ? MODEL_FACTS : [];
    const fromValidate = (facts: string[]) => facts.map((f) => ({ name: f, value: `{{steps.validate-input.outputs.parameters.${f}}}` }));
    const modelArgs = resolved.length > 0 ? ['--model-version', input('model-version'), '--model-source', input('model-source')] : [];
    return {
      entrypoint: 'run',
      arguments: { parameters: [{ name: 'logical-date', description: 'The logical date to score, YYYY-MM-DD (its partition is replaced)' }] },
      // A scheduled run ends before the next one is due (so Forbid never skips a date).
      activeDeadlineSeconds: scoreSeconds + 2 * BATCH_HELPER_DEADLINE_SECONDS,
      ...this.workflowDefaults(),
      templates: [
        {
          name: 'run',
          inputs: { parameters: [{ name: 'logical-date' }] },
          steps: [
            [{ name: 'validate-input', template: 'validate-input', arguments: { parameters: date } }],
            // The model validate-input resolved (championAlias): the score and the commit name the same version.
            [{ name: 'score', template: 'score', arguments: { parameters: [...date, ...fromValidate(resolved)] } }],
            // What validate-input found travels to the commit: it refuses when the input changed since.
            [{ name: 'commit', template: 'commit', arguments: { parameters: [...date, ...fromValidate([...INPUT_FACTS, ...resolved])] } }],
          ],
        },
        this.cliTemplate('validate-input', ['validate-input', '--date', LOGICAL_DATE_PARAMETER, '--run-id', RUN_ID_PARAMETER, '--output-dir', OUTPUTS_DIR], {
          outputs: { parameters: [...INPUT_FACTS, ...resolved].map((f) => ({ name: f, valueFrom: { path: `${OUTPUTS_DIR}/${f}` } })) },
        }),
        this.renderScoreTemplate(scoreSeconds, resolved),
        this.cliTemplate('commit', [
          'commit', '--date', LOGICAL_DATE_PARAMETER, '--run-id', RUN_ID_PARAMETER,
          '--input-records', input('input-records'), '--data-version', input('data-version'), ...modelArgs,
        ], { inputs: { parameters: [{ name: 'logical-date' }, ...[...INPUT_FACTS, ...resolved].map((f) => ({ name: f }))] } }),
      ],
    };
  }

  private renderScoreTemplate(deadlineSeconds: number, resolved: string[]): Record<string, unknown> {
    const p = this.props;
    const pool = p.gpuNodePool;
    const disk = stepDisk(DEFAULT_STEP_VOLUME_GIB);
    const resources = p.resources ?? DEFAULT_RESOURCES;
    return {
      name: 'score',
      inputs: { parameters: [{ name: 'logical-date' }, ...resolved.map((f) => ({ name: f }))] },
      activeDeadlineSeconds: deadlineSeconds,
      container: argoStepContainer({
        image: p.image,
        command: p.command,
        args: p.args,
        env: [
          { name: 'LOGICAL_DATE', value: LOGICAL_DATE_PARAMETER },
          { name: 'RUN_ID', value: RUN_ID_PARAMETER },
          { name: 'INPUT_URI', value: inputPartitionTemplate(p) },
          { name: 'OUTPUT_URI', value: runOutputTemplate(p) },
          { name: 'CONTENT_TYPE', value: p.contentType ?? DEFAULT_BATCH_CONTENT_TYPE },
          { name: 'MODEL_VERSION', value: resolved.length > 0 ? input('model-version') : p.modelVersion },
          { name: 'MODEL_SOURCE', value: resolved.length > 0 ? input('model-source') : p.modelSource },
          { name: 'HOME', value: '/tmp' },
          ...Object.entries(p.environment ?? {}).map(([name, value]) => ({ name, value })),
        ],
        resources: pool ? gpuResources(resources, pool.resourceName, p.gpuCount ?? 1, disk) : cpuMemoryResources(resources, disk),
      }),
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: disk.scratchSizeLimit } }],
      tolerations: pool ? [{ key: pool.taintKey, operator: 'Exists', effect: 'NoSchedule' }] : undefined,
      nodeSelector: pool ? { [GPU_POOL_LABEL]: pool.name } : undefined,
    };
  }

  /** A step of the runtime CLI (validate-input, commit, plan), reading the ConfigMap. */
  private cliTemplate(name: string, args: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
    const disk = stepDisk(HELPER_STEP_SCRATCH_GIB);
    return {
      name,
      inputs: name === 'plan' ? undefined : { parameters: [{ name: 'logical-date' }] },
      activeDeadlineSeconds: BATCH_HELPER_DEADLINE_SECONDS,
      // Idempotent steps: a pod lost with its node (OnError, not a failed check) runs again.
      retryStrategy: { limit: 2, retryPolicy: 'OnError' },
      container: argoStepContainer({
        image: this.props.runtimeImage,
        command: ['node', BATCH_CLI],
        args: [args[0], '--config', `${CONFIG_DIR}/${CONFIG_FILE}`, ...args.slice(1)],
        env: [
          { name: 'HOME', value: '/tmp' },
          ...(this.props.kmsKeyId !== undefined ? [{ name: 'KMS_KEY_ID', value: this.props.kmsKeyId }] : []),
        ],
        resources: cpuMemoryResources(HELPER_RESOURCES, disk),
        volumeMounts: [TMP_VOLUME_MOUNT, { name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
      }),
      volumes: [
        { name: 'tmp', emptyDir: { sizeLimit: disk.scratchSizeLimit } },
        { name: 'config', configMap: { name: `${this.name}-config` } },
      ],
      ...extra,
    };
  }

  /** Daily at hourUtc (UTC), the logical date the UTC day before the scheduled time. */
  private renderCronSpec(): Record<string, unknown> {
    return {
      // argo-workflows v4 replaced `schedule` by the list `schedules`.
      schedules: [`0 ${this.hourUtc} * * *`],
      // The spec's hour is UTC, and so is the logical date (logicalDateOf): no other zone is offered.
      timezone: 'UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: STARTING_DEADLINE_SECONDS,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 7,
      workflowMetadata: { labels: this.labels },
      workflowSpec: {
        workflowTemplateRef: { name: this.name },
        arguments: { parameters: [{ name: 'logical-date', value: LOGICAL_DATE_EXPRESSION }] },
      },
    };
  }

  /** plan (the dates from..to) → one `run` per date, maxConcurrency at once, none stopping the others. */
  private renderBackfillSpec(): Record<string, unknown> {
    return {
      entrypoint: 'backfill',
      arguments: {
        parameters: [
          { name: 'from', description: 'First logical date, YYYY-MM-DD' },
          { name: 'to', description: 'Last logical date, YYYY-MM-DD (inclusive)' },
        ],
      },
      ...this.workflowDefaults(),
      templates: [
        {
          name: 'backfill',
          // Template-level parallelism bounds the active children of this template: the per-date
          // `run` Steps nodes (argo-workflows workflow/controller/operator.go checkParallelism,
          // node_counters.go getActiveChildren), so at most maxConcurrency dates are in flight.
          parallelism: this.maxConcurrency,
          failFast: false,
          steps: [
            [{ name: 'plan', template: 'plan' }],
            [{
              name: 'score-date',
              templateRef: { name: this.name, template: 'run' },
              arguments: { parameters: [{ name: 'logical-date', value: '{{item}}' }] },
              withParam: '{{steps.plan.outputs.parameters.dates}}',
            }],
          ],
        },
        this.cliTemplate(
          'plan',
          ['plan', '--from', '{{workflow.parameters.from}}', '--to', '{{workflow.parameters.to}}', '--output', DATES_OUTPUT_PATH],
          { outputs: { parameters: [{ name: 'dates', valueFrom: { path: DATES_OUTPUT_PATH } }] } },
        ),
      ],
    };
  }

  /**
   * A run or a backfill of this job failed (phase Failed or Error). Argo's controller counts the
   * workflows of a WorkflowTemplate as they enter each phase (`workflowtemplate_triggered_total`,
   * attributes name, namespace, cluster_scope, phase; exported as `argo_workflows_…`, docs/metrics.md).
   * Scraped through a ServiceMonitor without `honorLabels`, its `namespace` label arrives as
   * `exported_namespace` (the target's own namespace wins): both are matched. A counter's first
   * sample has no increase, so a series that appears failed (the first failure since the controller
   * started) is caught by `unless … offset`.
   */
  private renderFailedAlert(): Record<string, unknown> {
    const own = this.props.alarmOwnership;
    const series = (nsLabel: string) =>
      `argo_workflows_workflowtemplate_triggered_total{${nsLabel}="${this.namespace}",name=~"${this.name}|${this.name}-backfill",phase=~"Failed|Error"}`;
    const forms = [series('namespace'), series('exported_namespace')];
    const increased = forms.map((s) => `increase(${s}[${FAILED_ALERT_WINDOW}])`).join(' or ');
    const appeared = forms.map((s) => `(${s} unless ${s} offset ${FAILED_ALERT_WINDOW})`).join(' or ');
    const expr = `sum by (name) (${increased}) > 0 or sum by (name) (${appeared})`;
    const summary = `A batch scoring run of ${this.name} failed: its partition was not replaced`;
    return {
      alert: 'BatchScoringRunFailed',
      expr,
      for: '0s',
      labels: { severity: 'critical', owner: own.owner, batch: this.name, namespace: this.namespace },
      annotations: {
        summary,
        description: `${summary} (WorkflowTemplate {{ $labels.name }} in ${this.namespace}); re-run a date with \`argo submit --from workflowtemplate/${this.name} -n ${this.namespace} -p logical-date=<date>\``,
        runbook_url: own.runbookUrl,
        owner: own.owner,
      },
    };
  }
}

/** The props as the schema sees them (the pool as its name, GPU and sharing mode; durations in seconds). */
function plainProps(p: BatchScoringProps): Record<string, unknown> {
  return {
    ...p,
    gpuNodePool: p.gpuNodePool ? { name: p.gpuNodePool.name, gpu: p.gpuNodePool.gpu, sharingMode: p.gpuNodePool.sharing.mode } : undefined,
    maxRuntime: p.maxRuntime?.toSeconds({ integral: false }),
  };
}

/** Whether an object of the chart of `scope` creates the Namespace `name`. */
function namespaceInChart(scope: Construct, name: string): boolean {
  return Chart.of(scope).node.findAll().some((c) => c instanceof ApiObject && c.kind === 'Namespace' && c.name === name);
}
