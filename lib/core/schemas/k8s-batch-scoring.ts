import { z } from 'zod';
import { batchScoringSpecShape, checkBatchScoringSpec } from './batch';
import { durationIn } from './duration-value';
import { mlflowAliasName } from './k8s-approval-promotion';
import { containerResourcesSchema } from './model-registry';
import { checkImage } from '../image';
import { iamRoleArn, k8sLabelName } from '../primitives';
import { ownershipSchema } from '../rollback';
import { unlessToken } from '../validation';

/** @internal the scoring step's deadline when `maxRuntime` is not set: 6 hours */
export const DEFAULT_BATCH_SCORING_MAX_RUNTIME_SECONDS = 6 * 3600;
/**
 * @internal the longest scoring step: 20 hours. With the validate and commit steps (an hour each at
 * most) a daily run ends before the next one is due, so `concurrencyPolicy: Forbid` never skips a date.
 */
export const MAX_BATCH_SCORING_MAX_RUNTIME_SECONDS = 20 * 3600;
/** @internal the deadline of the validate-input, commit and plan steps (listing and hashing a partition, one PUT) */
export const BATCH_HELPER_DEADLINE_SECONDS = 3600;

/** Environment variables the construct sets on the scoring container (`environment` must not set them). */
export const BATCH_SCORING_ENV: ReadonlyArray<string> = [
  'LOGICAL_DATE', 'RUN_ID', 'INPUT_URI', 'OUTPUT_URI', 'CONTENT_TYPE', 'MODEL_VERSION', 'MODEL_SOURCE', 'HOME',
];

const pinnedImage = (what: string) => z.string().superRefine(unlessToken((ref: string, ctx) => {
  const problem = checkImage(ref, { allowPinnedTag: false, allowMutableTag: false });
  if (problem) {
    ctx.addIssue({ code: 'custom', message: `${problem} (${what} is part of the scores' lineage)` });
  }
}));

/** A KMS key as S3's SSE-KMS names it: a key id (multi-Region `mrk-…` too), a key ARN, an alias (`alias/…`) or an alias ARN. */
export const kmsKeyReference = z.string().regex(
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})|alias\/[A-Za-z0-9/_-]{1,250})|alias\/[A-Za-z0-9/_-]{1,250}|mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
  'must be a KMS key id, key ARN, alias (alias/…) or alias ARN',
);

/** `championAlias`: the MLflow registered model alias resolved at each run. */
const championAliasSchema = z.strictObject({
  trackingUri: z.string().regex(/^https?:\/\/\S+$/, 'must be the http(s) URL of the MLflow tracking server'),
  registeredModelName: z.string().min(1).max(256),
  alias: mlflowAliasName.optional(),
  requiredLineageKeys: z.array(z.string().min(1)).refine((k) => new Set(k).size === k.length, 'must not list a key twice').optional(),
});

/**
 * The model: the static version and source, or the alias resolved at each run; with the alias, the
 * static pair (both or neither) is what is scored while no version carries the alias.
 */
function checkModel(p: { modelVersion?: string; modelSource?: string; championAlias?: unknown }, ctx: z.RefinementCtx): void {
  if (p.championAlias !== undefined) {
    for (const [key, other] of [['modelVersion', 'modelSource'], ['modelSource', 'modelVersion']] as const) {
      if (p[key] === undefined && p[other] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is required with ${other} and championAlias: together they are the model scored while no version carries the alias` });
      }
    }
    return;
  }
  for (const key of ['modelVersion', 'modelSource'] as const) {
    if (p[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'is required, unless championAlias names the model to resolve at each run' });
    }
  }
}

/**
 * The plain shape of `k8s.BatchScoring`'s props: the BatchScoringSpec (its shape and rules, as
 * `aws.BatchScoring` and the platform judge it) plus the Kubernetes props (the GPU pool as its name,
 * GPU model and sharing mode; `maxRuntime` in seconds).
 * @internal
 */
export const k8sBatchScoringSchema = z
  .strictObject({
    ...batchScoringSpecShape,
    image: pinnedImage('the scoring image'),
    command: z.array(z.string().min(1)).min(1, 'must name the scoring program, or be left out (the image\'s entrypoint)').optional(),
    args: z.array(z.string()).optional(),
    environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string()).optional(),
    resources: containerResourcesSchema.optional(),
    gpuNodePool: z.strictObject({ name: z.string(), gpu: z.string(), sharingMode: z.string() }).optional(),
    gpuCount: z.number().int().min(1).max(16).optional(),
    maxRuntime: durationIn('seconds', z.number())
      .int('must be whole seconds')
      .min(60, 'must be at least 1 minute')
      .max(MAX_BATCH_SCORING_MAX_RUNTIME_SECONDS, 'must be at most 20 hours (a daily run must end before the next one is due)')
      .optional(),
    modelVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a model version: 1-128 letters, digits, ".", "_" or "-"').optional(),
    modelSource: z.string().regex(/^[a-z][a-z0-9+.-]*:\S+$/, 'must be a model URI with a scheme (models:/fraud/7, s3://bucket/key, arn:aws:sagemaker:…)').optional(),
    championAlias: championAliasSchema.optional(),
    runtimeImage: pinnedImage('the runtime image that validates and commits'),
    alarmOwnership: ownershipSchema,
    namespace: k8sLabelName.optional(),
    createNamespace: z.boolean().optional(),
    serviceAccountRoleArn: iamRoleArn.optional(),
    kmsKeyId: kmsKeyReference.optional(),
    prometheusRuleLabels: z.record(z.string(), z.string()).optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    checkBatchScoringSpec(p, ctx);
    checkModel(p, ctx);
    for (const key of Object.keys(p.environment ?? {})) {
      if (BATCH_SCORING_ENV.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['environment', key], message: `must not be set: the construct sets ${BATCH_SCORING_ENV.join(', ')}` });
      }
    }
    if (p.gpuCount !== undefined && p.gpuNodePool === undefined) {
      ctx.addIssue({ code: 'custom', path: ['gpuCount'], message: 'must be set only with gpuNodePool (the GPUs come from its nodes)' });
    }
    if ((p.gpuCount ?? 1) > 1 && p.gpuNodePool !== undefined && p.gpuNodePool.sharingMode !== 'EXCLUSIVE') {
      ctx.addIssue({
        code: 'custom',
        path: ['gpuCount'],
        message: `must be 1 on a pool with ${p.gpuNodePool.sharingMode === 'MIG' ? 'MIG' : 'time-sliced'} GPUs (a second share adds no capacity; the device plugin refuses it)`,
      });
    }
  }));
