import { z } from 'zod';
import { pipelineSpecSchema } from '../pipeline';
import { gitCommitSha, s3Uri, versionLabel } from '../primitives';

/** @internal */
export const awsPipelineSchema = z.strictObject({
  spec: pipelineSpecSchema,
  pipelineName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/, 'must be 1-256 letters, digits or hyphens (SageMaker PipelineName)').optional(),
  codeCommit: gitCommitSha,
  defaultDataVersion: versionLabel,
  defaultFeatureSetVersion: versionLabel,
  defaultInputDataUri: s3Uri,
  artifactPrefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, 'must be an S3 key prefix without spaces').optional(),
  caching: z.boolean().optional(),
  cacheExpireAfterDays: z.number().int().min(1).max(3650).optional(),
  retryAttempts: z.number().int().min(0).max(20).optional(),
  subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id')).optional(),
  securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id')).optional(),
}).superRefine((p, ctx) => {
  (p.spec?.steps ?? []).forEach((s, i) => {
    if (s?.gpu && !s.instanceType) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'steps', i, 'instanceType'], message: `must be set to a ${s.gpu} instance type on AWS when gpu is set` });
    }
  });
  if (!p.subnetIds !== !p.securityGroupIds) {
    ctx.addIssue({ code: 'custom', path: ['securityGroupIds'], message: 'must be given together with subnetIds (a VPC config needs both)' });
  }
});
