/** The Kubernetes rendering's rules on the shared platform spec (MlPlatformChart), named by the spec's keys. */
import { PlatformKubernetesSpec, PlatformModelSpec, PlatformNodePoolSpec, PlatformSpec } from '../platform-spec';
import { versionLabel } from '../primitives';
import { LABEL_KEY_RULE, isKubernetesLabelKey } from './cost-allocation';
import { k8sPipelineSchema } from './k8s-pipeline';
import { platformKubernetesSchema, platformSpecSchema } from './platform';
import { FitIssue, gpuFitIssues, poolFit, surgeOf } from '../gpu-fit';
import { DEFAULT_SERVING_REPLICAS } from '../policy';
import { unlessToken } from '../validation';

/** Suffix of the MLflow namespace (`<prefix>-mlflow`); no model may take it. */
export const MLFLOW_NAMESPACE_SUFFIX = 'mlflow';

/** Suffix of the namespace of the retrain events (`<prefix>-events`: EventBus, EventSource, Sensors); no model may take it. */
export const EVENTS_NAMESPACE_SUFFIX = 'events';

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

/** A problem of a spec on Kubernetes: where in the spec, and what is allowed. */
interface SpecIssue {
  readonly path: Array<string | number>;
  readonly message: string;
}

/**
 * The platform spec as `MlPlatformChart` renders it: the shared schema plus what a spec lacks, or has
 * that Kubernetes refuses, named by the spec's keys: the `kubernetes` sections the AWS rendering
 * does without, and the rules of the Kubernetes constructs on fields of the shared spec (Argo names
 * of pipeline steps, whole canary percentages, version labels as workflow parameters, GPU steps on a
 * node pool). One schema, so one throw lists the spec's problems and the Kubernetes ones together.
 */
export const kubernetesPlatformSpecSchema = platformSpecSchema.superRefine(unlessToken((spec, ctx) => {
  for (const issue of kubernetesIssues(spec as PlatformSpec, true)) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
}));

/**
 * The platform spec as `EksMlPlatform` takes it: the same rules as `MlPlatformChart`'s, but the S3
 * locations the construct creates on AWS (`kubernetes.mlflow.artifactRoot`,
 * `kubernetes.pipelineArtifactRoot`, each model's `drift.kubernetes` / its `captureUri`) may be
 * absent: given ones win, absent ones are filled before the chart is rendered (and judged then,
 * unless they are tokens).
 */
export const eksPlatformSpecSchema = platformSpecSchema.superRefine(unlessToken((spec, ctx) => {
  for (const issue of kubernetesIssues(spec as PlatformSpec, false)) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
}));

/** Where `EksMlPlatform` creates what `MlPlatformChart` requires as a string. */
const CREATED_BY_EKS = '(EksMlPlatform creates it)';

/** `locations`: the spec must name its S3 locations itself (MlPlatformChart), rather than have EksMlPlatform create them. */
function kubernetesIssues(spec: PlatformSpec, locations: boolean): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const problem = (path: Array<string | number>, message: string) => issues.push({ path, message });
  const kube = spec.kubernetes;
  if (!kube) {
    problem(['kubernetes'], 'is required to render on Kubernetes (MlPlatformChart): clusterName, nodeRole, nodePools, mlflow, registerImage, pipelineArtifactRoot, driftImage and pushgatewayUrl');
  } else if (locations) {
    if (kube.mlflow?.artifactRoot === undefined) {
      problem(['kubernetes', 'mlflow', 'artifactRoot'], `is required by MlPlatformChart ${CREATED_BY_EKS}: s3://bucket/prefix where MLflow stores artifacts`);
    }
    if (kube.pipelineArtifactRoot === undefined) {
      problem(['kubernetes', 'pipelineArtifactRoot'], `is required by MlPlatformChart ${CREATED_BY_EKS}: s3://bucket/prefix of the pipeline runs' outputs`);
    }
  }
  labelKeyIssues(spec.tags, ['tags']).forEach((issue) => issues.push(issue));
  spec.models.forEach((m, i) => {
    modelIssues(m, kube, locations).forEach((issue) => problem(['models', i, ...issue.path], issue.message));
    labelKeyIssues(m.tags, ['models', i, 'tags']).forEach((issue) => issues.push(issue));
  });
  return issues;
}


/** The user's tags become labels on Kubernetes: their keys must be label keys (values are made label-safe). */
function labelKeyIssues(tags: Record<string, string> | undefined, path: Array<string | number>): SpecIssue[] {
  return Object.keys(tags ?? {})
    .filter((k) => !isKubernetesLabelKey(k))
    .map((k) => ({ path: [...path, k], message: LABEL_KEY_RULE }));
}

function modelIssues(m: PlatformModelSpec, kube: PlatformKubernetesSpec | undefined, locations: boolean): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const problem = (path: Array<string | number>, message: string) => issues.push({ path, message });
  if (m.name === MLFLOW_NAMESPACE_SUFFIX) {
    problem(['name'], `must not be "${MLFLOW_NAMESPACE_SUFFIX}" on Kubernetes (the namespace <prefix>-${MLFLOW_NAMESPACE_SUFFIX} is the MLflow server's)`);
  }
  if (m.name === EVENTS_NAMESPACE_SUFFIX) {
    problem(['name'], `must not be "${EVENTS_NAMESPACE_SUFFIX}" on Kubernetes (the namespace <prefix>-${EVENTS_NAMESPACE_SUFFIX} is the retrain events' EventBus, EventSource and Sensors)`);
  }
  if (!m.serving.kubernetes) {
    problem(['serving', 'kubernetes'], 'is required to render on Kubernetes: nodePool, modelUri, cpu and memory of the model server');
  }
  if (!m.drift.kubernetes && locations) {
    problem(['drift', 'kubernetes'], 'is required to render on Kubernetes: captureUri, where the served traffic is captured');
  } else if (m.drift.kubernetes && m.drift.kubernetes.captureUri === undefined && locations) {
    problem(['drift', 'kubernetes', 'captureUri'], `is required by MlPlatformChart ${CREATED_BY_EKS}: s3://bucket/prefix where the served traffic is captured`);
  }
  if (m.experiment !== undefined && m.experiment.kubernetes === undefined) {
    problem(['experiment', 'kubernetes'], 'is required to render an experiment on Kubernetes: challengerModelUri, where the challenger version\'s model files are');
  }
  if (m.batch !== undefined && m.batch.kubernetes === undefined) {
    problem(['batch', 'kubernetes'], 'is required to render batch scoring on Kubernetes: nodePool and image of the scoring step');
  }
  const canary = m.serving.canaryPercent;
  if (canary !== undefined && !Number.isInteger(canary)) {
    problem(['serving', 'canaryPercent'], 'must be a whole percentage on Kubernetes (Argo setWeight and KServe canaryTrafficPercent are integers)');
  }
  for (const key of ['dataVersion', 'featureSetVersion'] as const) {
    const parsed = versionLabel.safeParse(m.training[key]);
    if (!parsed.success) {
      problem(['training', key], `${parsed.error.issues[0].message} on Kubernetes (an Argo workflow parameter)`);
    }
  }
  if (kube) {
    issues.push(...pipelineIssues(m, kube), ...servingFitIssues(m, kube));
  }
  return issues;
}

/** The Kubernetes pipeline's own rules on the shared pipeline spec, under the spec's keys. */
function pipelineIssues(m: PlatformModelSpec, kube: PlatformKubernetesSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const gpuSteps = m.pipeline.steps.filter((s) => s.gpu !== undefined);
  const pool = trainingPoolOf(m, kube);
  if (gpuSteps.length > 0 && !pool) {
    issues.push({
      path: ['training', 'kubernetes', 'nodePool'],
      message: `is required: pipeline step "${gpuSteps[0].name}" needs ${gpuSteps[0].gpu} GPUs and no pool of kubernetes.nodePools (${kube.nodePools.map((p) => `${p.name}: ${p.gpu}`).join(', ')}) has them`,
    });
  }
  const checked = k8sPipelineSchema.safeParse({
    // The construct's plain shape: the document's maxRuntimeSeconds is its maxRuntime, in seconds.
    pipeline: { ...m.pipeline, steps: m.pipeline.steps.map(({ maxRuntimeSeconds, ...step }) => ({ ...step, maxRuntime: maxRuntimeSeconds })) },
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
    issues.push({ path, message: issue.message });
  }
  return issues;
}

/**
 * The model's server fits its node pool as `k8s.GpuServingEndpoint` would check it (lib/core/gpu-fit.ts),
 * named by the spec's keys: `serving.kubernetes.gpusPerReplica`, `serving.instanceCount` /
 * `serving.maxInstanceCount`, `serving.modelSizeGiB`.
 */
function servingFitIssues(m: PlatformModelSpec, kube: PlatformKubernetesSpec): FitIssue[] {
  const sk = m.serving.kubernetes;
  const pool = sk === undefined ? undefined : kube.nodePools?.find((p) => p?.name === sk.nodePool);
  // A pool the spec's own rules refuse (or none) is reported by them.
  if (sk === undefined || pool === undefined || !platformKubernetesSchema.shape.nodePools.element.safeParse(pool).success) {
    return [];
  }
  const fit = poolFit({
    ...pool,
    sharing: pool.migProfile !== undefined ? { mode: 'MIG', migProfile: pool.migProfile }
      : pool.timeSlicingReplicas !== undefined ? { mode: 'TIME_SLICING', replicas: pool.timeSlicingReplicas } : { mode: 'EXCLUSIVE' },
  });
  return gpuFitIssues(fit, {
    gpusPerReplica: sk.gpusPerReplica ?? 1,
    replicas: m.serving.instanceCount ?? DEFAULT_SERVING_REPLICAS,
    maxReplicas: m.serving.maxInstanceCount,
    surge: surgeOf(sk.renderer, undefined, undefined),
    modelSizeGiB: m.serving.modelSizeGiB,
    sidecars: 0,
    keys: {
      gpusPerReplica: ['serving', 'kubernetes', 'gpusPerReplica'],
      replicas: ['serving', 'instanceCount'],
      maxReplicas: ['serving', 'maxInstanceCount'],
      modelSizeGiB: ['serving', 'modelSizeGiB'],
    },
  });
}
