import { z } from 'zod';
import { iamRoleArn, k8sLabelName, port } from '../primitives';
import { ownershipSchema, triggerSchema, uniqueTriggerNames } from '../rollback';
import { RolloutType, expandSteps, rolloutSchema } from '../rollout';
import { imageRef } from './gpu-serving';
import { checkTrafficRouter, trafficRouterKeys } from './k8s-traffic';
import { containerResourcesSchema } from './model-registry';
import { gpuFitIssues, GpuPoolFit, surgeOf } from '../gpu-fit';
import { KSERVE_KNATIVE_MODES } from '../knative';
import { DEFAULT_SERVING_REPLICAS } from '../policy';
import { ServingMetrics, TRITON_METRICS_PORT, latencyThresholdProblem, resolveScaleMetric } from '../serving-metrics';
import { unlessToken } from '../validation';

/** Container names of the model server (ARGO_ROLLOUT, KSERVE): an added container takes another. */
const SERVER_CONTAINER_NAMES = ['server', 'kserve-container'];
/** @internal port of the model server when `port` is not set */
export const DEFAULT_SERVER_PORT = 8080;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const httpPath = z.string().regex(/^\/\S*$/, 'must be an HTTP path starting with /');

/**
 * @internal environment variables of a container, by name. A wrong name is reported on the map
 * with the name in the message (a record key of its own schema would say only "Invalid key in record").
 */
export const servingEnvSchema = z.record(z.string(), z.string()).superRefine(unlessToken((env, ctx) => {
  const bad = Object.keys(env).filter((n) => !envName.safeParse(n).success);
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must have environment variable names (a letter or "_", then letters, digits or "_"); ${bad.map((n) => JSON.stringify(n)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not`,
    });
  }
}));

/** @internal one `addEnv(name, value)`: a name not set before (by `env` or an earlier `addEnv`) */
export function servingEnvEntrySchema(taken: readonly string[]) {
  return z.strictObject({
    name: envName.refine((n) => !taken.includes(n), 'must not be set already (by env or an earlier addEnv): one value per variable'),
    value: z.string(),
  });
}

/** @internal one rollback trigger as the Kubernetes endpoint renders it (an analysis metric and an alert) */
export const k8sTriggerSchema = triggerSchema.superRefine(unlessToken((t, ctx) => {
  if (t.name === 'enough-traffic') {
    ctx.addIssue({ code: 'custom', path: ['name'], message: 'must not be "enough-traffic" (the analysis\'s own minimum-traffic metric)' });
  }
  if (t.kind === 'METRIC' && !t.prometheusQuery) {
    ctx.addIssue({ code: 'custom', path: ['prometheusQuery'], message: 'must be set for a metric trigger used on Kubernetes' });
  }
}));

/** @internal a container beside the model server (`containers`, `addContainer`) */
export const servingContainerSchema = z
  .strictObject({
    name: k8sLabelName,
    image: z.string(),
    resources: containerResourcesSchema,
    allowMutableImageTag: z.boolean().optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: servingEnvSchema.optional(),
    port: port.optional(),
    healthPath: httpPath.optional(),
  })
  .superRefine(unlessToken((c, ctx) => {
    const img = imageRef(c.allowMutableImageTag ?? false).safeParse(c.image);
    if (!img.success) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: img.error.issues[0].message });
    }
    if (c.healthPath !== undefined && c.port === undefined) {
      ctx.addIssue({ code: 'custom', path: ['healthPath'], message: 'must come with port (the health check calls the container on it)' });
    }
  }));

/** @internal */
export const k8sGpuServingSchema = z
  .strictObject({
    image: z.string(),
    // a construct reference: the type system checks it; the rules below read its `sharing.mode`
    nodePool: z.any(),
    allowMutableImageTag: z.boolean().optional(),
    name: k8sLabelName.optional(),
    namespace: k8sLabelName.optional(),
    createNamespace: z.boolean().optional(),
    port: port.optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: servingEnvSchema.optional(),
    containers: z.array(servingContainerSchema).optional(),
    readinessPath: httpPath.optional(),
    livenessPath: httpPath.optional(),
    gpusPerReplica: z.number().int().min(1).max(16).optional(),
    resources: containerResourcesSchema,
    modelSizeGiB: z.number().gt(0).max(4096).optional(),
    replicas: z.number().int().min(1, 'must be at least 1 (a GPU replica takes minutes to start)').max(1000).optional(),
    maxReplicas: z.number().int().min(1).max(1000).optional(),
    targetCpuUtilizationPercent: z.number().int().min(1).max(100).optional(),
    scaleMetric: z.enum(['GPU_UTILIZATION', 'REQUEST_RATE', 'CPU']).optional(),
    targetGpuUtilizationPercent: z.number().int().min(1).max(100).optional(),
    targetRequestsPerSecond: z.number().gt(0, 'must be greater than 0 (requests per second per replica)').optional(),
    rollout: rolloutSchema,
    ...trafficRouterKeys,
    rollbackTriggers: z.array(k8sTriggerSchema).min(1, 'must have at least one trigger: a rollout needs a way back'),
    alarmOwnership: ownershipSchema,
    minRequestsPerSecond: z.number().min(0).optional(),
    prometheusAddress: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').optional(),
    metricsPreset: z.enum(['TRITON', 'VLLM', 'GENERIC_HTTP']).optional(),
    metrics: z
      .strictObject({
        requestsTotal: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name').optional(),
        errorMatcher: z.string().min(1).optional(),
        latencyHistogram: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name (without _bucket)').optional(),
        latencyUnitSeconds: z.boolean().optional(),
        selector: z.string().min(1).optional(),
      })
      .optional(),
    prometheusRuleLabels: z.record(z.string(), z.string()).optional(),
    renderer: z.enum(['ARGO_ROLLOUT', 'KSERVE']).optional(),
    kserveDeploymentMode: z.enum(['Knative', 'Standard', 'Serverless', 'RawDeployment']).optional(),
    knativeIngressNamespace: k8sLabelName.optional(),
    allowedClientNamespaces: z.array(k8sLabelName).optional(),
    monitoringNamespace: k8sLabelName.optional(),
    serviceAccountRoleArn: iamRoleArn.optional(),
    serviceAccountRoleMode: z.enum(['IRSA', 'POD_IDENTITY']).optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    if (p.serviceAccountRoleMode === 'POD_IDENTITY' && p.serviceAccountRoleArn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['serviceAccountRoleArn'],
        message: 'must not be set with POD_IDENTITY: the role comes from the Pod Identity association of the ServiceAccount (made outside the chart); an IRSA annotation would take precedence in the SDK',
      });
    }
    const img = imageRef(p.allowMutableImageTag ?? false).safeParse(p.image);
    if (!img.success) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: img.error.issues[0].message });
    }
    const sharingMode = (p.nodePool as { sharing?: { mode?: string } } | undefined)?.sharing?.mode ?? 'EXCLUSIVE';
    if ((p.gpusPerReplica ?? 1) > 1 && sharingMode !== 'EXCLUSIVE') {
      ctx.addIssue({
        code: 'custom',
        path: ['gpusPerReplica'],
        message: `must be 1 on a pool with ${sharingMode === 'MIG' ? 'MIG' : 'time-sliced'} GPUs (a second share adds no capacity; the device plugin refuses it)`,
      });
    }
    if (p.maxReplicas !== undefined && p.maxReplicas < (p.replicas ?? DEFAULT_SERVING_REPLICAS)) {
      ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: `must be at least replicas (${p.replicas ?? DEFAULT_SERVING_REPLICAS})` });
    }
    uniqueTriggerNames(p.rollbackTriggers ?? [], ctx, ['rollbackTriggers']);
    checkContainers(p.containers ?? [], p.port ?? DEFAULT_SERVER_PORT, ctx);
    checkRollout(p, ctx);
    checkKnative(p, ctx);
    checkTrafficRouter(p, ctx);
    checkMetrics(p, ctx);
    checkSlowRequests(p, ctx);
    checkScaling(p, ctx);
    checkGpuFit(p, ctx);
  }));

/** Each autoscaling target belongs to one scale metric; REQUEST_RATE has no default target. */
function checkScaling(
  p: { scaleMetric?: string; targetCpuUtilizationPercent?: number; targetGpuUtilizationPercent?: number; targetRequestsPerSecond?: number },
  ctx: z.RefinementCtx,
): void {
  const metric: string = resolveScaleMetric(p as Parameters<typeof resolveScaleMetric>[0]);
  const owners: Array<[keyof typeof p, string]> = [['targetCpuUtilizationPercent', 'CPU'], ['targetGpuUtilizationPercent', 'GPU_UTILIZATION'], ['targetRequestsPerSecond', 'REQUEST_RATE']];
  for (const [key, owner] of owners) {
    if (p[key] !== undefined && metric !== owner) {
      ctx.addIssue({ code: 'custom', path: [key], message: `must not be set with scaleMetric ${metric} (it is the target of ${owner})` });
    }
  }
  if (metric === 'REQUEST_RATE' && p.targetRequestsPerSecond === undefined) {
    ctx.addIssue({ code: 'custom', path: ['targetRequestsPerSecond'], message: 'must be set with scaleMetric REQUEST_RATE (requests per second one replica should serve)' });
  }
}

/** The metric names of `metrics` are the GENERIC_HTTP preset's; Triton and vLLM export fixed names. */
function checkMetrics(p: { metricsPreset?: string; metrics?: Record<string, unknown>; port?: number }, ctx: z.RefinementCtx): void {
  const preset = p.metricsPreset ?? 'GENERIC_HTTP';
  if (preset !== 'GENERIC_HTTP') {
    for (const key of ['requestsTotal', 'errorMatcher', 'latencyHistogram', 'latencyUnitSeconds']) {
      if (p.metrics?.[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['metrics', key], message: `must not be set with metricsPreset ${preset} (its metric names are fixed); use GENERIC_HTTP for other names` });
      }
    }
  }
  if (preset === 'TRITON' && p.port === TRITON_METRICS_PORT) {
    ctx.addIssue({ code: 'custom', path: ['port'], message: `must not be ${TRITON_METRICS_PORT} with metricsPreset TRITON (Triton's metrics port)` });
  }
}

/** A slow-requests trigger reads the preset's latency histogram at a bucket bound (none on Triton; vLLM's are known). */
function checkSlowRequests(
  p: { metricsPreset?: string; rollbackTriggers?: Array<{ kind?: string; latencyThresholdMillis?: number }> },
  ctx: z.RefinementCtx,
): void {
  (p.rollbackTriggers ?? []).forEach((t, i) => {
    if (t?.kind !== 'SLOW_REQUESTS' || typeof t.latencyThresholdMillis !== 'number') return;
    const problem = latencyThresholdProblem((p.metricsPreset ?? 'GENERIC_HTTP') as ServingMetrics, t.latencyThresholdMillis);
    if (problem) ctx.addIssue({ code: 'custom', path: ['rollbackTriggers', i, 'latencyThresholdMillis'], message: problem });
  });
}

/** Added containers: names unique in the pod, ports free (the pod's containers share one network). */
function checkContainers(containers: ReadonlyArray<{ name?: unknown; port?: unknown }>, serverPort: number, ctx: z.RefinementCtx): void {
  const names = containers.map((c) => c?.name);
  const ports = containers.map((c) => c?.port);
  containers.forEach((c, i) => {
    if (SERVER_CONTAINER_NAMES.includes(String(c?.name))) {
      ctx.addIssue({ code: 'custom', path: ['containers', i, 'name'], message: `must not be ${SERVER_CONTAINER_NAMES.map((n) => `"${n}"`).join(' or ')} (the model server's)` });
    } else if (names.indexOf(c?.name) !== i) {
      ctx.addIssue({ code: 'custom', path: ['containers', i, 'name'], message: `must be unique among the containers; "${String(c?.name)}" is used twice` });
    }
    if (c?.port === serverPort) {
      ctx.addIssue({ code: 'custom', path: ['containers', i, 'port'], message: `must differ from the model server's port (${serverPort})` });
    } else if (c?.port !== undefined && ports.indexOf(c.port) !== i) {
      ctx.addIssue({ code: 'custom', path: ['containers', i, 'port'], message: `must be unique among the containers; ${String(c.port)} is used twice` });
    }
  });
}

/**
 * KServe in Knative mode: Knative Serving admits one container port in the pod, the model server's
 * ("more than one container port is set", knative.dev/serving v0.48.1 pkg/apis/serving/k8s_validation.go
 * validateContainersPorts); a sidecar still listens on its port without declaring it.
 */
function checkKnative(
  p: { renderer?: string; kserveDeploymentMode?: string; containers?: ReadonlyArray<{ port?: unknown }> },
  ctx: z.RefinementCtx,
): void {
  if ((p.renderer ?? 'ARGO_ROLLOUT') !== 'KSERVE' || !KSERVE_KNATIVE_MODES.includes(p.kserveDeploymentMode ?? 'Knative')) {
    return;
  }
  (p.containers ?? []).forEach((c, i) => {
    if (c?.port !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['containers', i, 'port'],
        message: 'must not be set with KServe in Knative mode: Knative admits one container port per pod, the model server\'s; use the Standard mode or the ARGO_ROLLOUT renderer',
      });
    }
  });
}

/** What each renderer can do with the rollout policy. */
function checkRollout(p: { rollout?: unknown; renderer?: string; kserveDeploymentMode?: string }, ctx: z.RefinementCtx): void {
  const rollout = p.rollout as Record<string, unknown> | undefined;
  if (!rollout || !rolloutSchema.safeParse(rollout).success) {
    return;
  }
  if ((p.renderer ?? 'ARGO_ROLLOUT') === 'KSERVE') {
    if (rollout.type === RolloutType.LINEAR || rollout.type === RolloutType.STAGED) {
      ctx.addIssue({
        code: 'custom',
        path: ['rollout'],
        message: 'must be a canary or all-at-once with KServe (one canaryTrafficPercent, promoted by hand); use the ARGO_ROLLOUT renderer for steps',
      });
    } else if (rollout.type === RolloutType.CANARY && !KSERVE_KNATIVE_MODES.includes(p.kserveDeploymentMode ?? 'Knative')) {
      ctx.addIssue({
        code: 'custom',
        path: ['kserveDeploymentMode'],
        message:
          'must be Knative for a canary: KServe silently ignores canaryTrafficPercent in Standard (RawDeployment) mode (kserve #5335, #4074); or use the ARGO_ROLLOUT renderer',
      });
    }
  }
  const bad = expandSteps(rollout).find((s) => !Number.isInteger(s.percent));
  if (bad) {
    ctx.addIssue({
      code: 'custom',
      path: ['rollout'],
      message: `must use whole percentages on Kubernetes (Argo setWeight and KServe canaryTrafficPercent are integers); got ${bad.percent}`,
    });
  }
}

/** The endpoint's props the GPU fit reads. */
interface ServingFitProps {
  readonly nodePool?: unknown;
  readonly gpusPerReplica?: number;
  readonly replicas?: number;
  readonly maxReplicas?: number;
  readonly modelSizeGiB?: number;
  readonly containers?: unknown[];
  readonly renderer?: string;
  readonly trafficRouter?: string;
  readonly kserveDeploymentMode?: string;
}

/**
 * The replicas fit their node pool: GPUs per replica that an instance type of the pool has and its
 * GPU limit lets Karpenter launch, the weights on the node's volume, the most replicas and the
 * rollout's extra pods within the limit (lib/core/gpu-fit.ts). Read from the pool at construction and
 * again at synthesis.
 */
function checkGpuFit(
  p: ServingFitProps,
  ctx: z.RefinementCtx,
): void {
  const pool = (p.nodePool as { _gpuFit?: GpuPoolFit } | undefined)?._gpuFit;
  if (pool === undefined) {
    return;
  }
  const issues = gpuFitIssues(pool, {
    gpusPerReplica: p.gpusPerReplica ?? 1,
    replicas: p.replicas ?? DEFAULT_SERVING_REPLICAS,
    maxReplicas: p.maxReplicas,
    surge: surgeOf(p.renderer, p.trafficRouter, p.kserveDeploymentMode),
    modelSizeGiB: p.modelSizeGiB,
    sidecars: p.containers?.length ?? 0,
    keys: { gpusPerReplica: ['gpusPerReplica'], replicas: ['replicas'], maxReplicas: ['maxReplicas'], modelSizeGiB: ['modelSizeGiB'] },
  });
  for (const issue of issues) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
}
