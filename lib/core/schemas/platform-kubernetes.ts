/** The Kubernetes rendering's rules on the shared platform spec (MlPlatformChart), named by the spec's keys. */
import { ValidationProblem } from '../errors';
import { PlatformKubernetesSpec, PlatformModelSpec, PlatformNodePoolSpec, PlatformSpec } from '../platform-spec';
import { versionLabel } from '../primitives';
import { k8sPipelineSchema } from './k8s-pipeline';
import { formatPath, renderValue } from '../validation';

/** Suffix of the MLflow namespace (`<prefix>-mlflow`); no model may take it. */
export const MLFLOW_NAMESPACE_SUFFIX = 'mlflow';

/**
 * The node pool a model's GPU pipeline steps run on: the one it names, or else the first pool with
 * their GPU. Undefined when the pipeline has no GPU step or no pool fits.
 */
export function trainingPoolOf(model: PlatformModelSpec, kube: PlatformKubernetesSpec): PlatformNodePoolSpec | undefined {
  const named = model.training.kubernetes?.nodePool;
  if (named !== undefined) {
    return kube.nodePools.find((p) => p.name === named);
  }
  const gpu = model.pipeline.steps.find((s) => s.gpu !== undefined)?.gpu;
  return gpu === undefined ? undefined : kube.nodePools.find((p) => p.gpu === gpu);
}

/** The device-plugin sharing mode of a pool of the spec. */
export function sharingModeOf(pool: PlatformNodePoolSpec): string {
  return pool.migProfile !== undefined ? 'MIG' : pool.timeSlicingReplicas !== undefined ? 'TIME_SLICING' : 'EXCLUSIVE';
}

/**
 * What a (schema-valid) spec lacks, or has that Kubernetes refuses, to render on Kubernetes, named
 * by the spec's keys: the `kubernetes` sections the AWS rendering does without, and the rules of
 * the Kubernetes constructs on fields of the shared spec (Argo names of pipeline steps, whole
 * canary percentages, version labels as workflow parameters, GPU steps on a node pool).
 */
export function kubernetesProblems(spec: PlatformSpec, where: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const problem = (property: string, received: unknown, allowed: string) => {
    problems.push({ constructPath: where, property, received: renderValue(received), allowed });
  };
  const kube = spec.kubernetes;
  if (!kube) {
    problem('kubernetes', undefined, 'is required to render on Kubernetes (MlPlatformChart): clusterName, nodeRole, nodePools, mlflow, registerImage, pipelineArtifactRoot, driftImage and pushgatewayUrl');
  }
  spec.models.forEach((m, i) => {
    const at = `models[${i}]`;
    if (m.name === MLFLOW_NAMESPACE_SUFFIX) {
      problem(`${at}.name`, m.name, `must not be "${MLFLOW_NAMESPACE_SUFFIX}" on Kubernetes (the namespace <prefix>-${MLFLOW_NAMESPACE_SUFFIX} is the MLflow server's)`);
    }
    if (!m.serving.kubernetes) {
      problem(`${at}.serving.kubernetes`, undefined, 'is required to render on Kubernetes: nodePool, modelUri, cpu and memory of the model server');
    }
    if (!m.drift.kubernetes) {
      problem(`${at}.drift.kubernetes`, undefined, 'is required to render on Kubernetes: captureUri, where the served traffic is captured');
    }
    const canary = m.serving.canaryPercent;
    if (canary !== undefined && !Number.isInteger(canary)) {
      problem(`${at}.serving.canaryPercent`, canary, 'must be a whole percentage on Kubernetes (Argo setWeight and KServe canaryTrafficPercent are integers)');
    }
    for (const key of ['dataVersion', 'featureSetVersion'] as const) {
      const parsed = versionLabel.safeParse(m.training[key]);
      if (!parsed.success) {
        problem(`${at}.training.${key}`, m.training[key], `${parsed.error.issues[0].message} on Kubernetes (an Argo workflow parameter)`);
      }
    }
    if (!kube) {
      return;
    }
    const gpuSteps = m.pipeline.steps.map((s, j) => ({ s, j })).filter((x) => x.s.gpu !== undefined);
    const pool = trainingPoolOf(m, kube);
    if (gpuSteps.length > 0 && !pool) {
      problem(`${at}.training.kubernetes.nodePool`, undefined,
        `is required: pipeline step "${gpuSteps[0].s.name}" needs ${gpuSteps[0].s.gpu} GPUs and no pool of kubernetes.nodePools (${kube.nodePools.map((p) => `${p.name}: ${p.gpu}`).join(', ')}) has them`);
    }
    // The Kubernetes pipeline's own rules on the shared pipeline spec, under the spec's keys.
    const checked = k8sPipelineSchema.safeParse({
      pipeline: m.pipeline,
      registerImage: kube.registerImage,
      trackingUri: 'http://mlflow:5000',
      inputData: m.training.inputDataUri,
      artifactRoot: 's3://bucket/prefix',
      dataVersion: 'v',
      codeCommit: m.training.codeCommit,
      featureSetVersion: 'v',
      gpuNodePool: pool ? { name: pool.name, gpu: pool.gpu, sharingMode: sharingModeOf(pool) } : undefined,
    });
    for (const issue of checked.error?.issues ?? []) {
      const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
      // Without a pool the missing pool is reported once, above.
      if (path[0] !== 'pipeline' || (!pool && path[path.length - 1] === 'gpu')) {
        continue;
      }
      problem(`${at}.${formatPath(path)}`, valueAt(m, path), issue.message);
    }
  });
  return problems;
}

function valueAt(input: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur: any = input;
  for (const key of path) {
    cur = cur?.[key];
  }
  return cur;
}
