import { z } from 'zod';
import { pipelineSpecSchema, pipelineStepSchema } from '../pipeline';
import { gitCommitSha, s3Uri, versionLabel } from '../primitives';

/** How long cached step results may be reused (SageMaker `CacheConfig.ExpireAfter`), seconds. */
const CACHE_EXPIRE_MIN_SECONDS = 3600;
const CACHE_EXPIRE_MAX_SECONDS = 3650 * 86400;

/** A step must name its GPU instance type on AWS (the catalog maps instance types to GPUs, not back). */
function checkAwsStep(step: { gpu?: string; instanceType?: string } | undefined, ctx: z.RefinementCtx, path: Array<string | number>): void {
  if (step?.gpu && !step.instanceType) {
    ctx.addIssue({ code: 'custom', path: [...path, 'instanceType'], message: `must be set to a ${step.gpu} instance type on AWS when gpu is set` });
  }
}

/** @internal the plain shape of the AWS MlPipeline props (Durations as seconds) */
export const awsPipelineSchema = z.strictObject({
  spec: pipelineSpecSchema,
  // a construct reference: the type system checks it (its artifactBucket is read below)
  registry: z.any(),
  pipelineName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/, 'must be 1-256 letters, digits or hyphens (SageMaker PipelineName)').optional(),
  codeCommit: gitCommitSha,
  defaultDataVersion: versionLabel,
  defaultFeatureSetVersion: versionLabel,
  defaultInputDataUri: s3Uri,
  // a construct reference: the type system checks it
  inputDataBucket: z.any().optional(),
  // a construct reference: the type system checks it
  artifactBucket: z.any().optional(),
  artifactPrefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, 'must be an S3 key prefix without spaces').optional(),
  // a construct reference: the type system checks it
  encryptionKey: z.any().optional(),
  caching: z.boolean().optional(),
  cacheExpireAfter: z
    .number()
    .min(CACHE_EXPIRE_MIN_SECONDS, 'must be at least 1 hour')
    .max(CACHE_EXPIRE_MAX_SECONDS, 'must be at most 3650 days')
    .optional(),
  retryAttempts: z.number().int().min(0).max(20).optional(),
  // construct references: the type system checks them (SageMaker VpcConfig: 1-5 security groups)
  vpc: z.any().optional(),
  vpcSubnets: z.any().optional(),
  securityGroups: z.array(z.any()).min(1).max(5, 'must list at most 5 security groups (SageMaker VpcConfig)').optional(),
  // an events.Schedule: its factory methods check it
  schedule: z.any().optional(),
  // a construct reference: the type system checks it
  role: z.any().optional(),
}).superRefine((p, ctx) => {
  (p.spec?.steps ?? []).forEach((s, i) => checkAwsStep(s, ctx, ['spec', 'steps', i]));
  for (const key of ['vpcSubnets', 'securityGroups'] as const) {
    if (p[key] !== undefined && p.vpc === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'must be given only with vpc' });
    }
  }
  if (p.artifactBucket === undefined && p.registry !== undefined && p.registry.artifactBucket === undefined) {
    ctx.addIssue({ code: 'custom', path: ['artifactBucket'], message: 'must be set when the registry has no artifact bucket' });
  }
});

/** @internal a step added with `MlPipeline.addStep` (the rules between steps run at synthesis, with `awsPipelineSchema`) */
export const awsPipelineStepSchema = z.strictObject({ step: pipelineStepSchema }).superRefine((p, ctx) => checkAwsStep(p.step, ctx, ['step']));
