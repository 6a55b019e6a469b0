import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { buildExamples } from '../../examples';
import { GateComparison, PipelineStep, StepKind } from '../../lib/core/pipeline';
import { MlPipeline } from '../../lib/k8s/ml-pipeline';
import { ARGO_EXECUTOR_DEFAULTS, argoWorkflowPods, strategicMergePodSpec } from '../../scripts/kube-dryrun';

/**
 * Argo Workflows' pods are built by its workflow-controller, not by the chart: beside the step's
 * `main` container it adds the executor's `init` and `wait` containers, whose securityContext is
 * the controller's `executor.securityContext` (empty by default). In a namespace enforcing the
 * restricted Pod Security Standard, Pod Security admission refuses the pod unless every container
 * is restricted. scripts/kube-dryrun.ts builds the pods as the controller does (v4.1.2
 * workflow/controller/workflowpod.go), with the controller's default executor settings; `npm run
 * validate` sends them to a real kube-apiserver. Here the container-level rules of `restricted`
 * (k8s.io/pod-security-admission policy: allowPrivilegeEscalation, capabilities, privileged,
 * runAsNonRoot, seccomp) are checked on the same pods without a server.
 */

const img = (repo: string, c: string) => `registry.example.com/fraud/${repo}@sha256:${c.repeat(64)}`;
const STEPS: PipelineStep[] = [
  { name: 'prepare', kind: StepKind.PROCESSING, image: img('prep', 'b'), inputs: ['data'], outputs: ['train'], command: ['python', '-m', 'prep'] },
  { name: 'train', kind: StepKind.TRAINING, image: img('train', 'c'), inputs: ['prepare.train'], command: ['python', '-m', 'train'] },
  { name: 'evaluate', kind: StepKind.PROCESSING, image: img('eval', 'd'), inputs: ['train.model'], outputs: ['evaluation'], command: ['python', '-m', 'evaluate'] },
];

function pipelineTemplate(): any {
  const chart = Testing.chart();
  new MlPipeline(chart, 'Fraud', {
    pipeline: { steps: STEPS, gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 }, inferenceImage: img('triton', 'e') },
    registerImage: img('register', 'f'),
    registerCommand: ['python', '-m', 'register'],
    trackingUri: 'http://mlflow.mlflow.svc:5000',
    inputData: 's3://acme-data/fraud/2025-06-01',
    artifactRoot: 's3://acme-artifacts/fraud',
    dataVersion: 'tx-2025-06-01',
    codeCommit: 'a'.repeat(40),
    featureSetVersion: 'fraud-v3',
  });
  return Testing.synth(chart).find((o) => o.kind === 'WorkflowTemplate');
}

/** What `restricted` asks of each container of a pod (container value, else the pod's), as problems. */
function restrictedProblems(pod: any): string[] {
  const podSc = pod.spec.securityContext ?? {};
  const problems: string[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${c.name}: capabilities must drop ALL`);
    if (sc.privileged === true) problems.push(`${c.name}: privileged`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) problems.push(`${c.name}: runAsNonRoot must be true`);
    if (!['RuntimeDefault', 'Localhost'].includes((sc.seccompProfile ?? podSc.seccompProfile)?.type)) problems.push(`${c.name}: seccompProfile must be RuntimeDefault`);
  }
  return problems;
}

describe('MlPipeline: the pods Argo Workflows creates pass restricted Pod Security with the controller\'s default executor', () => {
  it('builds each step\'s pod with the executor\'s init and wait containers (the controller\'s pod layout)', () => {
    const wft = pipelineTemplate();
    const pods = argoWorkflowPods(wft.metadata.name, wft.metadata.namespace, wft.spec, ARGO_EXECUTOR_DEFAULTS);
    expect(pods.map((p) => p.from)).toEqual(['template prepare', 'template train', 'template evaluate', 'template register', 'template gate-failed']);
    for (const { pod } of pods) {
      // The patch only reaches the executor's containers: none added, none without an image.
      expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['init']);
      expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['wait', 'main']);
      for (const c of [...pod.spec.initContainers, ...pod.spec.containers]) {
        expect(c.image, c.name).toBeTruthy();
      }
    }
  });

  it('every container of every step pod is restricted, init and wait included', () => {
    const wft = pipelineTemplate();
    for (const { from, pod } of argoWorkflowPods(wft.metadata.name, wft.metadata.namespace, wft.spec, ARGO_EXECUTOR_DEFAULTS)) {
      expect(restrictedProblems(pod), from).toEqual([]);
    }
  });

  it('so do the pods of every WorkflowTemplate of the example charts', () => {
    const { charts } = buildExamples({ nag: false });
    const templates = charts.flatMap((c) => c.toJson()).filter((o: any) => o.kind === 'WorkflowTemplate');
    expect(templates.length).toBeGreaterThan(0);
    for (const wft of templates) {
      for (const { from, pod } of argoWorkflowPods(wft.metadata.name, wft.metadata.namespace, wft.spec, ARGO_EXECUTOR_DEFAULTS)) {
        expect(restrictedProblems(pod), `${wft.metadata.name} ${from}`).toEqual([]);
      }
    }
  });
});

describe('the pod builder of scripts/kube-dryrun.ts', () => {
  it('applies podSpecPatch as Argo does, a strategic merge by container name after init and wait are added', () => {
    const spec = {
      initContainers: [{ name: 'init', image: 'argoexec' }],
      containers: [{ name: 'wait', image: 'argoexec', env: [{ name: 'A', value: '1' }] }, { name: 'main', image: 'app' }],
      tolerations: [{ key: 'a' }],
    };
    const patched = strategicMergePodSpec(spec, {
      containers: [{ name: 'wait', securityContext: { allowPrivilegeEscalation: false }, env: [{ name: 'B', value: '2' }] }],
      tolerations: [{ key: 'b' }],
    });
    expect(patched.containers).toEqual([
      { name: 'wait', image: 'argoexec', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], securityContext: { allowPrivilegeEscalation: false } },
      { name: 'main', image: 'app' },
    ]);
    expect(patched.initContainers).toEqual(spec.initContainers);
    expect(patched.tolerations).toEqual([{ key: 'b' }]); // no merge key: replaced
  });

  it('gives init and wait the executor\'s securityContext, and nothing without one (the controller\'s default)', () => {
    const spec = { serviceAccountName: 'sa', executor: { serviceAccountName: 'sa' }, templates: [{ name: 'a', container: { image: 'x', command: ['run'] } }] };
    const [plain] = argoWorkflowPods('wf', 'ns', spec);
    expect(plain.pod.spec.containers[0].securityContext).toBeUndefined();
    expect(restrictedProblems(plain.pod)).toContain('wait: allowPrivilegeEscalation must be false');
    const [configured] = argoWorkflowPods('wf', 'ns', spec, { securityContext: { allowPrivilegeEscalation: false } });
    expect(configured.pod.spec.initContainers[0].securityContext).toEqual({ allowPrivilegeEscalation: false });
    expect(configured.pod.spec.volumes).toContainEqual({ name: 'exec-sa-token', secret: { secretName: 'sa.service-account-token' } });
  });
});
