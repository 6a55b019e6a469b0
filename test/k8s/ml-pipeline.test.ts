import { Cron, Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { GateComparison, PipelineSpec, PipelineStep, StepKind } from '../../lib/core/pipeline';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { MlPipeline, MlPipelineProps } from '../../lib/k8s/ml-pipeline';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const img = (repo: string, c: string) => `registry.example.com/fraud/${repo}@sha256:${c.repeat(64)}`;
const COMMIT = 'a'.repeat(40);
const ROOT = '{{workflow.parameters.artifact-root}}/{{workflow.uid}}';
const METRIC = '{{tasks.evaluate.outputs.parameters.metric}}';

const STEPS: PipelineStep[] = [
  // Deliberately out of order: the DAG comes from the inputs.
  { name: 'evaluate', kind: StepKind.PROCESSING, image: img('eval', 'd'), inputs: ['train.model', 'preprocess.test'], outputs: ['evaluation'] },
  { name: 'validate', kind: StepKind.PROCESSING, image: img('validate', 'a'), inputs: ['data'], outputs: ['report'] },
  { name: 'preprocess', kind: StepKind.PROCESSING, image: img('prep', 'b'), inputs: ['data', 'validate.report'], outputs: ['train', 'test'] },
  { name: 'train', kind: StepKind.TRAINING, image: img('train', 'c'), inputs: ['preprocess.train'], command: ['python', '-m', 'train'] },
];

function spec(o: { steps?: PipelineStep[]; gate?: Partial<PipelineSpec['gate']> } = {}): PipelineSpec {
  return {
    steps: o.steps ?? STEPS,
    gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9, ...o.gate },
    inferenceImage: img('triton', 'e'),
  };
}

const gpuSteps = (gpu = GpuModel.A10G, extra: Partial<PipelineStep> = {}) =>
  STEPS.map((s) => (s.name === 'train' ? { ...s, gpu, ...extra } : s));

function render(props: Partial<MlPipelineProps> = {}, pool?: { gpu?: GpuModel; sharing?: GpuSharing }) {
  const chart = Testing.chart();
  const gpuNodePool = pool ? new GpuNodePool(chart, 'Pool', { gpu: pool.gpu ?? GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole', sharing: pool.sharing }) : undefined;
  const pipeline = new MlPipeline(chart, 'Fraud', {
    pipeline: spec(),
    registerImage: img('register', 'f'),
    trackingUri: 'http://mlflow.mlflow.svc:5000',
    inputData: 's3://acme-data/fraud/2025-06-01',
    artifactRoot: 's3://acme-artifacts/fraud',
    dataVersion: 'tx-2025-06-01',
    codeCommit: COMMIT,
    featureSetVersion: 'fraud-v3',
    gpuNodePool,
    ...props,
  });
  const objects = synthValid(chart).filter((o) => o.metadata?.namespace === (props.namespace ?? 'training') || o.kind === 'Namespace');
  const wft = one(objects, 'WorkflowTemplate');
  const template = (name: string) => wft.spec.templates.find((t: any) => t.name === name);
  const task = (name: string) => template('pipeline').dag.tasks.find((t: any) => t.name === name);
  const env = (name: string) => Object.fromEntries(template(name).container.env.map((e: any) => [e.name, e.value]));
  return { pipeline, objects, wft, template, task, env };
}

describe('MlPipeline (Kubernetes, Argo Workflows)', () => {
  describe('default', () => {
    const { pipeline, objects, wft, template, task, env } = render();

    it('renders a WorkflowTemplate, ServiceAccount, executor token and RBAC, all schema-valid, and no CronWorkflow without a schedule', () => {
      expect(objects.map((o) => o.kind).sort()).toEqual(
        ['Namespace', 'Role', 'RoleBinding', 'Secret', 'ServiceAccount', 'WorkflowTemplate'].sort(),
      );
      expect(pipeline.node.defaultChild).toBe(pipeline.workflowTemplate);
      expect(pipeline.defaultChild).toBe(pipeline.workflowTemplate);
      const typed = [pipeline.namespaceObject, pipeline.serviceAccount, pipeline.executorToken, pipeline.executorRole, pipeline.executorRoleBinding];
      expect(typed.map((o) => o?.kind)).toEqual(['Namespace', 'ServiceAccount', 'Secret', 'Role', 'RoleBinding']);
      expect(pipeline.cronWorkflow).toBeUndefined();
      expect(pipeline.name).toBe('fraud');
      expect(pipeline.namespace).toBe('training');
      expect(one(objects, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    });

    it('has one DAG task per step in dependency order, with dependencies from the inputs, then register and gate-failed', () => {
      expect(wft.spec.entrypoint).toBe('pipeline');
      const tasks = template('pipeline').dag.tasks;
      expect(tasks.map((t: any) => [t.name, t.template, t.dependencies])).toEqual([
        ['validate', 'validate', undefined],
        ['preprocess', 'preprocess', ['validate']],
        ['train', 'train', ['preprocess']],
        ['evaluate', 'evaluate', ['preprocess', 'train']],
        ['register', 'register', ['evaluate']],
        ['gate-failed', 'gate-failed', ['evaluate']],
      ]);
    });

    it('gates registration on the metric, and fails the run otherwise', () => {
      expect(task('register').when).toBe(`${METRIC} >= 0.9`);
      expect(task('gate-failed').when).toBe(`${METRIC} < 0.9`);
      expect(task('register').arguments).toEqual({ parameters: [{ name: 'metric', value: METRIC }] });
      expect(template('evaluate').outputs).toEqual({ parameters: [{ name: 'metric', valueFrom: { path: '/tmp/outputs/metric' } }] });
      expect(env('evaluate')).toMatchObject({ METRIC_PATH: 'metrics.auc.value', METRIC_OUTPUT: '/tmp/outputs/metric', REPORT_FILE: 'evaluation.json' });
      expect(template('gate-failed').container.command).toEqual(['/bin/sh', '-c', 'echo "$MESSAGE" >&2; exit 1']);
      expect(env('gate-failed').MESSAGE).toBe(
        'gate failed: metrics.auc.value = {{inputs.parameters.metric}} does not pass metrics.auc.value >= 0.9; the model is not registered',
      );
    });

    it('declares the run parameters, production-metric defaulting to the threshold', () => {
      expect(wft.spec.arguments.parameters.map((p: any) => [p.name, p.value])).toEqual([
        ['input-data', 's3://acme-data/fraud/2025-06-01'],
        ['data-version', 'tx-2025-06-01'],
        ['code-commit', COMMIT],
        ['feature-set-version', 'fraud-v3'],
        ['production-metric', '0.9'],
        ['artifact-root', 's3://acme-artifacts/fraud'],
      ]);
    });

    it('passes artifacts by S3 reference and the lineage to every step', () => {
      const lineage = {
        DATA_VERSION: '{{workflow.parameters.data-version}}',
        CODE_COMMIT: '{{workflow.parameters.code-commit}}',
        FEATURE_SET_VERSION: '{{workflow.parameters.feature-set-version}}',
      };
      expect(env('validate')).toEqual({ ...lineage, INPUT_DATA: '{{workflow.parameters.input-data}}', OUTPUT_REPORT: `${ROOT}/validate/report`, HOME: '/tmp' });
      expect(env('train')).toEqual({ ...lineage, INPUT_TRAIN: `${ROOT}/preprocess/train`, OUTPUT_MODEL: `${ROOT}/train/model`, HOME: '/tmp' });
      expect(env('evaluate')).toMatchObject({ ...lineage, INPUT_MODEL: `${ROOT}/train/model`, INPUT_TEST: `${ROOT}/preprocess/test`, OUTPUT_EVALUATION: `${ROOT}/evaluate/evaluation` });
      expect(env('register')).toEqual({
        MLFLOW_TRACKING_URI: 'http://mlflow.mlflow.svc:5000',
        MODEL_URI: `${ROOT}/train/model`,
        INFERENCE_IMAGE: img('triton', 'e'),
        METRIC_NAME: 'metrics.auc.value',
        METRIC_VALUE: '{{inputs.parameters.metric}}',
        EVALUATION_REPORT_URI: `${ROOT}/evaluate/evaluation/evaluation.json`,
        ...lineage,
        HOME: '/tmp',
      });
      expect(template('register').container.image).toBe(img('register', 'f'));
    });

    it('runs every container non-root, read-only, with explicit resources, a /tmp emptyDir and a deadline', () => {
      for (const t of wft.spec.templates.filter((x: any) => x.container)) {
        expect(t.container.securityContext, t.name).toMatchObject({
          runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(t.container.volumeMounts, t.name).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
        expect(t.volumes[0].name, t.name).toBe('tmp');
        expect(t.activeDeadlineSeconds, t.name).toBeGreaterThan(0);
      }
      // ephemeral-storage (13.13): the step's 30 GiB scratch reserved, + 1 GiB for logs at most.
      expect(template('train').container.resources).toEqual({
        requests: { 'cpu': '1', 'memory': '4Gi', 'ephemeral-storage': '30Gi' },
        limits: { 'cpu': '2', 'memory': '8Gi', 'ephemeral-storage': '31Gi' },
      });
      expect(template('train').activeDeadlineSeconds).toBe(86400);
      expect(template('train').volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '30Gi' } }]);
      expect(template('train').tolerations).toBeUndefined();
      expect(template('train').nodeSelector).toBeUndefined();
    });

    it('runs as its ServiceAccount without an API token in the steps, GCs pods on success and expires runs', () => {
      expect(wft.spec).toMatchObject({
        serviceAccountName: 'fraud',
        automountServiceAccountToken: false,
        executor: { serviceAccountName: 'fraud' },
        podGC: { strategy: 'OnWorkflowSuccess' },
        ttlStrategy: { secondsAfterSuccess: 86400, secondsAfterFailure: 604800 },
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      });
      const sa = one(objects, 'ServiceAccount');
      expect(sa.automountServiceAccountToken).toBe(false);
      expect(sa.metadata.annotations).toBeUndefined();
      expect(one(objects, 'Secret')).toMatchObject({
        type: 'kubernetes.io/service-account-token',
        metadata: { name: 'fraud.service-account-token', annotations: { 'kubernetes.io/service-account.name': 'fraud' } },
      });
      expect(one(objects, 'Role').rules).toEqual([{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }]);
    });

  });

  describe('configured', () => {
    it('names the MLflow registered model for the registration step', () => {
      const { env } = render({ registeredModelName: 'acme-fraud' });
      expect(env('register')).toMatchObject({ MLFLOW_TRACKING_URI: 'http://mlflow.mlflow.svc:5000', REGISTERED_MODEL_NAME: 'acme-fraud' });
      expect(render().env('register').REGISTERED_MODEL_NAME).toBeUndefined();
    });

    it('schedules the template on its Cron in UTC, never two runs at once', () => {
      const { objects, pipeline } = render({ schedule: Cron.schedule({ minute: '0', hour: '3', weekDay: '0' }) });
      expect(one(objects, 'CronWorkflow').spec).toMatchObject({
        schedules: ['0 3 * * 0'],
        timezone: 'UTC',
        concurrencyPolicy: 'Forbid',
        workflowSpec: { workflowTemplateRef: { name: 'fraud' } },
      });
      expect(pipeline.cronWorkflow?.kind).toBe('CronWorkflow');
    });

    it('runs a GPU step on the pool with its GPU, toleration and node selector', () => {
      const steps = gpuSteps(GpuModel.A10G, { gpuCount: 2, maxRuntime: Duration.seconds(7200), volumeSizeGiB: 100 });
      const { template } = render({ pipeline: spec({ steps }) }, {});
      const train = template('train');
      expect(train.container.resources).toEqual({
        requests: { 'cpu': '1', 'memory': '4Gi', 'nvidia.com/gpu': '2', 'ephemeral-storage': '100Gi' },
        limits: { 'cpu': '2', 'memory': '8Gi', 'nvidia.com/gpu': '2', 'ephemeral-storage': '101Gi' },
      });
      expect(train.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(train.nodeSelector).toEqual({ 'cdk-mlops.io/gpu-pool': 'gpu-a10g' });
      expect(train.activeDeadlineSeconds).toBe(7200);
      expect(train.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '100Gi' } }]);
      expect(template('evaluate').container.resources.limits['nvidia.com/gpu']).toBeUndefined();
    });

    it('requests the MIG slice of a MIG pool', () => {
      const { template } = render({ pipeline: spec({ steps: gpuSteps(GpuModel.H100) }) }, { gpu: GpuModel.H100, sharing: GpuSharing.mig('1g.10gb') });
      expect(template('train').container.resources.limits).toEqual({ 'cpu': '2', 'memory': '8Gi', 'nvidia.com/mig-1g.10gb': '1', 'ephemeral-storage': '31Gi' });
    });

    it('refuses a TTL Argo cannot hold, naming the prop', () => {
      const e = expectValidationError(() => render({ pipeline: spec(), keepSucceededFor: Duration.millis(1500) }));
      expect(e.problems.map((p) => [p.property, p.allowed])).toEqual([['keepSucceededFor', 'must be whole seconds']]);
    });

    it('also compares with production; resources, schedule, names, IRSA and TTLs as given', () => {
      const { objects, wft, task, template } = render({
        pipeline: spec({ gate: { compareToProduction: true } }),
        name: 'fraud-training',
        namespace: 'ml',
        createNamespace: false,
        schedule: Cron.daily(),
        timezone: 'Europe/Paris',
        serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/fraud-training',
        resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' },
        keepSucceededFor: Duration.hours(1),
        keepFailedFor: Duration.days(1),
      });
      expect(task('register').when).toBe(`${METRIC} >= 0.9 && ${METRIC} >= {{workflow.parameters.production-metric}}`);
      expect(task('gate-failed').when).toBe(`${METRIC} < 0.9 || ${METRIC} < {{workflow.parameters.production-metric}}`);
      expect(template('validate').container.resources).toEqual({
        requests: { 'cpu': '500m', 'memory': '1Gi', 'ephemeral-storage': '30Gi' },
        limits: { 'cpu': '1', 'memory': '2Gi', 'ephemeral-storage': '31Gi' },
      });
      expect(wft.metadata).toMatchObject({ name: 'fraud-training', namespace: 'ml' });
      expect(wft.spec.ttlStrategy).toEqual({ secondsAfterSuccess: 3600, secondsAfterFailure: 86400 });
      expect(objects.map((o) => o.kind)).not.toContain('Namespace');
      expect(one(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/fraud-training' });
      expect(one(objects, 'CronWorkflow')).toMatchObject({
        metadata: { name: 'fraud-training', namespace: 'ml' },
        spec: { schedules: ['0 0 * * *'], timezone: 'Europe/Paris', concurrencyPolicy: 'Forbid', workflowSpec: { workflowTemplateRef: { name: 'fraud-training' } } },
      });
    });

    it.each<[GateComparison, string, string, string]>([
      [GateComparison.GREATER_THAN, '>', '<=', '>='],
      [GateComparison.LESS_THAN_OR_EQUAL, '<=', '>', '<='],
      [GateComparison.LESS_THAN, '<', '>=', '<='],
    ])('%s: gate operators and the production comparison in the better direction', (comparison, pass, fail, prod) => {
      const { task } = render({ pipeline: spec({ gate: { comparison, threshold: 0.2, compareToProduction: true } }) });
      const negProd = prod === '>=' ? '<' : '>';
      expect(task('register').when).toBe(`${METRIC} ${pass} 0.2 && ${METRIC} ${prod} {{workflow.parameters.production-metric}}`);
      expect(task('gate-failed').when).toBe(`${METRIC} ${fail} 0.2 || ${METRIC} ${negProd} {{workflow.parameters.production-metric}}`);
    });
  });

  describe('rejected', () => {
    const cycle: PipelineStep[] = STEPS.map((s) => (s.name === 'validate' ? { ...s, inputs: ['evaluate.evaluation'] } : s));
    const missing: PipelineStep[] = STEPS.map((s) => (s.name === 'train' ? { ...s, inputs: ['preprocess.features'] } : s));
    type Pool = { gpu?: GpuModel; sharing?: GpuSharing } | undefined;
    it.each<[string, Partial<MlPipelineProps>, Pool, string, string]>([
      ['a GPU step without a pool', { pipeline: spec({ steps: gpuSteps() }) }, undefined, 'pipeline.steps[3].gpu', 'must have a gpuNodePool offering A10G GPUs'],
      ['a GPU step on a pool with another GPU', { pipeline: spec({ steps: gpuSteps(GpuModel.L4) }) }, {}, 'pipeline.steps[3].gpu', 'must be the GPU of gpuNodePool "gpu-a10g" (A10G)'],
      ['a :latest register image', { registerImage: 'registry.example.com/fraud/register:latest' }, undefined, 'registerImage', '":latest" is a moving tag'],
      ['a registered model name with a slash', { registeredModelName: 'acme/fraud' }, undefined, 'registeredModelName', 'must be an MLflow model name'],
      ['a cycle in the spec', { pipeline: spec({ steps: cycle }) }, undefined, 'pipeline.steps', 'must form a DAG; cycle'],
      ['a missing input', { pipeline: spec({ steps: missing }) }, undefined, 'pipeline.steps[3].inputs[0]', 'no step outputs "preprocess.features"'],
      ['two GPUs per step on a time-sliced pool', { pipeline: spec({ steps: gpuSteps(GpuModel.A10G, { gpuCount: 2 }) }) }, { sharing: GpuSharing.timeSlicing(4) }, 'pipeline.steps[3].gpuCount', 'must be 1 on a pool with time-sliced GPUs'],
      ['gpuCount without gpu', { pipeline: spec({ steps: STEPS.map((s) => (s.name === 'train' ? { ...s, gpuCount: 1 } : s)) }) }, undefined, 'pipeline.steps[3].gpuCount', 'must be set only with gpu'],
      ['a step named like the register task', { pipeline: spec({ steps: [...STEPS, { name: 'register', kind: StepKind.PROCESSING, image: img('x', '1'), inputs: ['data'] }] }) }, undefined, 'pipeline.steps[4].name', 'must not be "pipeline", "register", "gate-failed"'],
      ['step names that collide as Argo names', { pipeline: spec({ steps: [...STEPS, { name: 'Train', kind: StepKind.PROCESSING, image: img('x', '1'), inputs: ['data'] }] }) }, undefined, 'pipeline.steps[4].name', 'must stay unique on Kubernetes'],
      ['a step environment setting a pipeline variable', { pipeline: spec({ steps: STEPS.map((s) => (s.name === 'train' ? { ...s, environment: { OUTPUT_MODEL: 'x' } } : s)) }) }, undefined, 'pipeline.steps[3].environment.OUTPUT_MODEL', 'must not be set'],
      ['distributed training', { pipeline: spec({ steps: STEPS.map((s) => (s.name === 'train' ? { ...s, instanceCount: 2 } : s)) }) }, undefined, 'pipeline.steps[3].instanceCount', 'must be 1 on Kubernetes'],
      ['an artifact root with a trailing slash', { artifactRoot: 's3://acme-artifacts/fraud/' }, undefined, 'artifactRoot', 'must not end with "/"'],
      ['a schedule of six fields', { schedule: Cron.schedule({ minute: '0 0', hour: '3' }) }, undefined, 'schedule', 'must be a cron expression'],
      ['a short commit', { codeCommit: 'abc123' }, undefined, 'codeCommit', 'must be a full 40-character'],
    ])('%s', (_w, props, pool, property, allowed) => {
      const e = expectValidationError(() => render(props, pool));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('test/Fraud');
      expect(p!.allowed).toContain(allowed);
    });
  });
  describe('addStep', () => {
    const PROPS: MlPipelineProps = {
      pipeline: spec(),
      registerImage: img('register', 'f'),
      trackingUri: 'http://mlflow.mlflow.svc:5000',
      inputData: 's3://acme-data/fraud/2025-06-01',
      artifactRoot: 's3://acme-artifacts/fraud',
      dataVersion: 'tx-2025-06-01',
      codeCommit: COMMIT,
      featureSetVersion: 'fraud-v3',
    };
    const explain: PipelineStep = { name: 'explain', kind: StepKind.PROCESSING, image: img('explain', '9'), inputs: ['train.model', 'preprocess.test'], outputs: ['shap'] };

    it('renders a step added after construction as a DAG task and a template', () => {
      const chart = Testing.chart();
      const p = new MlPipeline(chart, 'Fraud', PROPS);
      p.addStep(explain);
      const wft = one(synthValid(chart), 'WorkflowTemplate');
      const tasks = wft.spec.templates.find((t: any) => t.name === 'pipeline').dag.tasks;
      expect(tasks.find((t: any) => t.name === 'explain')).toEqual({ name: 'explain', template: 'explain', dependencies: ['preprocess', 'train'] });
      const env = wft.spec.templates.find((t: any) => t.name === 'explain').container.env;
      expect(env).toContainEqual({ name: 'INPUT_MODEL', value: `${ROOT}/train/model` });
      expect(env).toContainEqual({ name: 'OUTPUT_SHAP', value: `${ROOT}/explain/shap` });
    });

    it('refuses a bad step at once, naming the property', () => {
      const { pipeline } = render();
      const e = expectValidationError(() => pipeline.addStep({ ...explain, name: 'register', instanceCount: 2, gpu: GpuModel.A10G }));
      expect(e.problems.map((x) => `${x.constructPath} ${x.property}`)).toEqual(expect.arrayContaining([
        'test/Fraud step.name', 'test/Fraud step.instanceCount', 'test/Fraud step.gpu',
      ]));
    });

    it('fails synthesis when an added step conflicts with the others (Argo name, missing input)', () => {
      const chart = Testing.chart();
      const p = new MlPipeline(chart, 'Fraud', PROPS);
      p.addStep({ ...explain, name: 'Train' });
      p.addStep({ ...explain, name: 'other', inputs: ['nowhere.out'] });
      expect(() => Testing.synth(chart)).toThrow(/test\/Fraud: pipeline\.steps\[4\]\.name must stay unique on Kubernetes/);
      expect(() => Testing.synth(chart)).toThrow(/test\/Fraud: pipeline\.steps\[5\]\.inputs\[0\] must be produced by an upstream step/);
    });
  });
});
