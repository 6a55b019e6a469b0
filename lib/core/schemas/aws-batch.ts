import { z } from 'zod';
import { batchScoringSpecShape, checkBatchScoringSpec } from './batch';
import { ownershipSchema } from '../rollback';
import { sagemakerInstanceType } from '../sagemaker-limits';
import { knownAtSynthesis, unlessToken } from '../validation';

/**
 * Instances of one batch transform job: 1 to 100 here. SageMaker's own quota is per instance type
 * and account ("ml.<type> for transform job usage", Service Quotas, SageMaker); 100 keeps a typo
 * (1000) from queueing a job that can never start.
 */
export const MAX_BATCH_TRANSFORM_INSTANCES = 100;

/** @internal the plain shape of `aws.BatchScoring`'s props: the BatchScoringSpec's keys and rules, then the AWS ones */
export const awsBatchScoringSchema = z
  .strictObject({
    ...batchScoringSpecShape,
    // The partition layout, the IAM policies (bucket, prefix) and the pipeline are derived from them.
    inputUri: batchScoringSpecShape.inputUri.superRefine(knownAtSynthesis('its bucket and prefix name the IAM policies\' resources')),
    outputUri: batchScoringSpecShape.outputUri.superRefine(knownAtSynthesis('its bucket and prefix name the IAM policies\' resources')),
    maxConcurrency: batchScoringSpecShape.maxConcurrency.superRefine(knownAtSynthesis('the step function\'s reserved concurrency is derived from it')),
    modelVersion: z.number().int().min(1).optional(),
    instanceType: sagemakerInstanceType.optional(),
    instanceCount: z.number().int().min(1).max(MAX_BATCH_TRANSFORM_INSTANCES).optional(),
    alarmOwnership: ownershipSchema,
    // construct references: the type system checks them
    registry: z.any(),
    alarmTopic: z.any().optional(),
    role: z.any().optional(),
    encryptionKey: z.any().optional(),
    inputKey: z.any().optional(),
    imageRepositories: z.array(z.any()).optional(),
    vpc: z.any().optional(),
    vpcSubnets: z.any().optional(),
    securityGroups: z.array(z.any()).min(1).max(5).optional(),
  })
  .superRefine(unlessToken((p, ctx) => checkBatchScoringSpec(p, ctx)))
  .superRefine(unlessToken((p, ctx) => {
    if (p.securityGroups !== undefined && p.vpc === undefined) {
      ctx.addIssue({ code: 'custom', path: ['securityGroups'], message: 'needs vpc: the groups are those of the model\'s containers in that VPC' });
    }
  }));
