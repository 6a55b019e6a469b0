import { z } from 'zod';
import { iamRoleArn, k8sLabelName, port } from '../primitives';
import { ownershipSchema, triggerSchema, uniqueTriggerNames } from '../rollback';
import { RolloutType, expandSteps, rolloutSchema } from '../rollout';
import { imageRef } from './gpu-serving';
import { containerResourcesSchema } from './model-registry';
import { DEFAULT_SERVING_REPLICAS } from '../policy';


/** @internal */
export const k8sGpuServingSchema = z
  .strictObject({
    image: z.string(),
    allowMutableImageTag: z.boolean().optional(),
    name: k8sLabelName.optional(),
    namespace: k8sLabelName.optional(),
    createNamespace: z.boolean().optional(),
    port: port.optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string()).optional(),
    readinessPath: z.string().regex(/^\/\S*$/, 'must be an HTTP path starting with /').optional(),
    livenessPath: z.string().regex(/^\/\S*$/, 'must be an HTTP path starting with /').optional(),
    gpusPerReplica: z.number().int().min(1).max(16).optional(),
    resources: containerResourcesSchema,
    modelSizeGiB: z.number().gt(0).max(4096).optional(),
    replicas: z.number().int().min(1, 'must be at least 1 (a GPU replica takes minutes to start)').max(1000).optional(),
    maxReplicas: z.number().int().min(1).max(1000).optional(),
    targetCpuUtilizationPercent: z.number().int().min(1).max(100).optional(),
    rollout: rolloutSchema,
    rollbackTriggers: z.array(triggerSchema).min(1, 'must have at least one trigger: a rollout needs a way back'),
    alarmOwnership: ownershipSchema,
    minRequestsPerSecond: z.number().min(0).optional(),
    prometheusAddress: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').optional(),
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
    kserveDeploymentMode: z.enum(['Serverless', 'RawDeployment']).optional(),
    allowedClientNamespaces: z.array(k8sLabelName).optional(),
    monitoringNamespace: k8sLabelName.optional(),
    serviceAccountRoleArn: iamRoleArn.optional(),
    sharingMode: z.string(),
  })
  .superRefine((p, ctx) => {
    const img = imageRef(p.allowMutableImageTag ?? false).safeParse(p.image);
    if (!img.success) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: img.error.issues[0].message });
    }
    if ((p.gpusPerReplica ?? 1) > 1 && p.sharingMode !== 'EXCLUSIVE') {
      ctx.addIssue({
        code: 'custom',
        path: ['gpusPerReplica'],
        message: `must be 1 on a pool with ${p.sharingMode === 'MIG' ? 'MIG' : 'time-sliced'} GPUs (a second share adds no capacity; the device plugin refuses it)`,
      });
    }
    if (p.maxReplicas !== undefined && p.maxReplicas < (p.replicas ?? DEFAULT_SERVING_REPLICAS)) {
      ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: `must be at least replicas (${p.replicas ?? DEFAULT_SERVING_REPLICAS})` });
    }
    uniqueTriggerNames(p.rollbackTriggers ?? [], ctx, ['rollbackTriggers']);
    (p.rollbackTriggers ?? []).forEach((t, i) => {
      if (t?.name === 'enough-traffic') {
        ctx.addIssue({ code: 'custom', path: ['rollbackTriggers', i, 'name'], message: 'must not be "enough-traffic" (the analysis\'s own minimum-traffic metric)' });
      }
      if (t?.kind === 'METRIC' && !t.prometheusQuery) {
        ctx.addIssue({ code: 'custom', path: ['rollbackTriggers', i, 'prometheusQuery'], message: 'must be set for a metric trigger used on Kubernetes' });
      }
    });
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
      } else if (rollout.type === RolloutType.CANARY && (p.kserveDeploymentMode ?? 'Serverless') === 'RawDeployment') {
        ctx.addIssue({
          code: 'custom',
          path: ['kserveDeploymentMode'],
          message:
            'must be Serverless for a canary: KServe silently ignores canaryTrafficPercent in RawDeployment mode (kserve #5335, #4074); or use the ARGO_ROLLOUT renderer',
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
  });
