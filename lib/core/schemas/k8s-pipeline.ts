import { z } from 'zod';
import { parsableCron } from '../cron';
import { checkImage } from '../image';
import { DATA_INPUT, MODEL_OUTPUT, StepKind, pipelineSpecSchema, pipelineStepSchema } from '../pipeline';
import { gitCommitSha, iamRoleArn, k8sLabelName, s3Uri, versionLabel } from '../primitives';
import { containerResourcesSchema } from './model-registry';
import { ianaTimeZone } from './time-zone';
import { unlessToken } from '../validation';
import { durationIn } from './duration-value';

/** Names of the Argo templates/tasks the construct adds besides the steps. */
export const RESERVED_ARGO_NAMES: ReadonlyArray<string> = ['pipeline', 'register', 'gate-failed'];

/** Environment variables the pipeline sets on every step container (a step's `environment` must not set them). */
export const LINEAGE_ENV: ReadonlyArray<string> = ['DATA_VERSION', 'CODE_COMMIT', 'FEATURE_SET_VERSION'];
const RESERVED_ENV = [...LINEAGE_ENV, 'METRIC_PATH', 'METRIC_OUTPUT', 'REPORT_FILE', 'HOME'];

/** Argo name of a step: Argo task and template names allow letters, digits and `-` only. */
export function argoStepName(step: string): string {
  return step.toLowerCase().replace(/_/g, '-');
}

/** The environment variable suffix of an input or output name (`feature-set` → `FEATURE_SET`). */
export function envSuffix(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** The name of an input (`data`, or the output part of `<step>.<output>`). */
export function inputName(input: string): string {
  return input === DATA_INPUT ? DATA_INPUT : input.split('.')[1];
}

/**
 * Cron expressions as the CronWorkflow CRD (argo-workflows v4.1) accepts them in `spec.schedules`.
 */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every\s+([0-9]+(ns|us|µs|ms|s|m|h))+|([A-Za-z0-9*,/?-]+\s+){4}[A-Za-z0-9*,/?-]+)$/;

/** The GPU node pool as the rules need it (name, GPU model, sharing mode). */
const gpuNodePoolShape = z.strictObject({ name: z.string(), gpu: z.string(), sharingMode: z.string() });
type PoolShape = z.infer<typeof gpuNodePoolShape>;
type Step = z.infer<typeof pipelineStepSchema>;
/** A path under the step being checked. */
type At = (...rest: Array<string | number>) => Array<string | number>;

/** @internal the plain shape of the Kubernetes MlPipeline props (the schedule as its cron expression) */
export const k8sPipelineSchema = z
  .strictObject({
    pipeline: pipelineSpecSchema,
    registerImage: z.string().superRefine(unlessToken((ref, ctx) => {
      const problem = checkImage(ref, { allowPinnedTag: false, allowMutableTag: false });
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `${problem} (what registers the model is part of its lineage)` });
      }
    })),
    registerCommand: z.array(z.string()).optional(),
    registerArgs: z.array(z.string()).optional(),
    trackingUri: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL of the MLflow tracking server'),
    registeredModelName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'must be an MLflow model name: 1-255 letters, digits, ".", "_" or "-"').optional(),
    inputData: s3Uri,
    artifactRoot: s3Uri.refine((u) => !u.endsWith('/'), 'must not end with "/" (run folders are appended)'),
    dataVersion: versionLabel,
    codeCommit: gitCommitSha,
    featureSetVersion: versionLabel,
    gpuNodePool: gpuNodePoolShape.optional(),
    resources: containerResourcesSchema.optional(),
    name: k8sLabelName.optional(),
    namespace: k8sLabelName.optional(),
    createNamespace: z.boolean().optional(),
    schedule: parsableCron(CRON, 'must be a cron expression of 5 fields (or @daily, @weekly, @every 6h …), e.g. "0 3 * * 0"').optional(),
    timezone: ianaTimeZone.optional(),
    serviceAccountRoleArn: iamRoleArn.optional(),
    // Durations, in seconds: Argo's ttlStrategy takes whole seconds (an int32).
    keepSucceededFor: durationIn('seconds', z.number()).int('must be whole seconds').min(0).max(2147483647, 'must be at most 2147483647 seconds').optional(),
    keepFailedFor: durationIn('seconds', z.number()).int('must be whole seconds').min(0).max(2147483647, 'must be at most 2147483647 seconds').optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const steps = Array.isArray(p.pipeline?.steps) ? p.pipeline.steps : [];
    const argoNames = new Map<string, string>();
    steps.forEach((s, i) => {
      if (typeof s?.name !== 'string') {
        return;
      }
      checkK8sStep(s, p.gpuNodePool, ctx, ['pipeline', 'steps', i]);
      const argo = argoStepName(s.name);
      const other = argoNames.get(argo);
      if (other !== undefined && other !== s.name) {
        ctx.addIssue({
          code: 'custom',
          path: ['pipeline', 'steps', i, 'name'],
          message: `must stay unique on Kubernetes after lowercasing and replacing "_" with "-" (Argo task names); "${s.name}" and "${other}" both give "${argo}"`,
        });
      }
      argoNames.set(argo, s.name);
    });
  }));

/** @internal a step added with `MlPipeline.addStep` (the rules between steps run at synthesis, with `k8sPipelineSchema`) */
export const k8sPipelineStepSchema = z
  .strictObject({ step: pipelineStepSchema, gpuNodePool: gpuNodePoolShape.optional() })
  .superRefine(unlessToken((p, ctx) => {
    if (typeof p.step?.name === 'string') {
      checkK8sStep(p.step, p.gpuNodePool, ctx, ['step']);
    }
  }));

/** The rules of one step on Kubernetes: Argo names, one pod, the GPU pool, environment variable names. */
function checkK8sStep(s: Step, pool: PoolShape | undefined, ctx: z.RefinementCtx, path: Array<string | number>): void {
  const at: At = (...rest) => [...path, ...rest];
  const argo = argoStepName(s.name);
  if (/^[0-9]/.test(s.name)) {
    ctx.addIssue({ code: 'custom', path: at('name'), message: 'must start with a letter on Kubernetes (Argo refuses DAG task names starting with a digit)' });
  }
  if (RESERVED_ARGO_NAMES.includes(argo)) {
    const reserved = RESERVED_ARGO_NAMES.map((n) => `"${n}"`).join(', ');
    ctx.addIssue({ code: 'custom', path: at('name'), message: `must not be ${reserved} on Kubernetes (the pipeline's own Argo tasks)` });
  }
  if ((s.instanceCount ?? 1) > 1) {
    ctx.addIssue({ code: 'custom', path: at('instanceCount'), message: 'must be 1 on Kubernetes (one pod per step; distributed training is not rendered)' });
  }
  if (s.gpuCount !== undefined && !s.gpu) {
    ctx.addIssue({ code: 'custom', path: at('gpuCount'), message: 'must be set only with gpu' });
  }
  if (s.gpu) {
    checkGpuPool(s, pool, ctx, at);
  }
  checkEnvironment(s, ctx, at);
}

function checkGpuPool(s: Step, pool: PoolShape | undefined, ctx: z.RefinementCtx, at: At): void {
  if (!pool) {
    ctx.addIssue({ code: 'custom', path: at('gpu'), message: `must have a gpuNodePool offering ${s.gpu} GPUs to run on (set gpuNodePool)` });
  } else if (pool.gpu !== s.gpu) {
    ctx.addIssue({ code: 'custom', path: at('gpu'), message: `must be the GPU of gpuNodePool "${pool.name}" (${pool.gpu})` });
  } else if ((s.gpuCount ?? 1) > 1 && pool.sharingMode !== 'EXCLUSIVE') {
    ctx.addIssue({
      code: 'custom',
      path: at('gpuCount'),
      message: `must be 1 on a pool with ${pool.sharingMode === 'MIG' ? 'MIG' : 'time-sliced'} GPUs (a second share adds no capacity; the device plugin refuses it)`,
    });
  }
}

/** Environment variable names derived from inputs and outputs must not collide, nor be set by the step. */
function checkEnvironment(s: Step, ctx: z.RefinementCtx, at: At): void {
  const inputEnv = new Map<string, string>();
  (s.inputs ?? []).forEach((input, j) => {
    const env = `INPUT_${envSuffix(inputName(input) ?? '')}`;
    const seen = inputEnv.get(env);
    if (seen !== undefined && seen !== input) {
      ctx.addIssue({ code: 'custom', path: at('inputs', j), message: `must have a name distinct from "${seen}" on Kubernetes (both would be ${env})` });
    }
    inputEnv.set(env, input);
  });
  const outputs = s.kind === StepKind.TRAINING ? [MODEL_OUTPUT] : s.outputs ?? [];
  const outputEnv = new Map<string, string>();
  outputs.forEach((output, j) => {
    const env = `OUTPUT_${envSuffix(output)}`;
    const seen = outputEnv.get(env);
    if (seen !== undefined) {
      ctx.addIssue({ code: 'custom', path: at('outputs', j), message: `must be distinct from "${seen}" on Kubernetes (both would be ${env})` });
    }
    outputEnv.set(env, output);
  });
  for (const key of Object.keys(s.environment ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      ctx.addIssue({ code: 'custom', path: at('environment', key), message: 'must be an environment variable name' });
    } else if (RESERVED_ENV.includes(key) || key.startsWith('INPUT_') || key.startsWith('OUTPUT_')) {
      ctx.addIssue({
        code: 'custom',
        path: at('environment', key),
        message: `must not be set: the pipeline sets INPUT_*, OUTPUT_* and ${RESERVED_ENV.join(', ')}`,
      });
    }
  }
}
