import { z } from 'zod';
import { ownershipSchema } from '../rollback';

/**
 * A `CustomerMetadataProperties` key without commas (the promotion handler reads the keys as a
 * comma-separated list) or surrounding spaces.
 * Source: SageMaker API reference, `CreateModelPackage.CustomerMetadataProperties` keys:
 * 1-128 characters, `^([\p{L}\p{Z}\p{N}_.:\/=+\-@]*)$`.
 */
const metadataKey = z
  .string()
  .regex(
    /^[\p{L}\p{N}_.:/=+\-@]([\p{L}\p{Z}\p{N}_.:/=+\-@]{0,126}[\p{L}\p{N}_.:/=+\-@])?$/u,
    'must be a model package metadata key: 1-128 letters, digits, spaces and _.:/=+-@, not starting or ending with a space',
  );

/** @internal the plain shape of the ApprovalPromotion props */
export const approvalPromotionSchema = z.strictObject({
  alarmOwnership: ownershipSchema,
  requiredLineageKeys: z
    .array(metadataKey)
    .refine((keys) => new Set(keys).size === keys.length, 'must not list a key twice')
    .optional(),
  modelPackageParameterType: z.string().refine((t) => t === 'String', 'must be of type String (it holds a model package ARN)'),
  allowRollbackToOlderVersion: z.boolean().optional(),
});

/** @internal the initial version of `ApprovalPromotion.modelPackageParameter` */
export const modelPackageParameterSchema = z.strictObject({
  initialVersion: z.number().int('must be a whole version number').min(1, 'must be a model package version (1, 2, …)'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be a concrete region: a parameter default cannot hold a deploy-time value (give the stack an env)'),
  account: z.string().regex(/^\d{12}$/, 'must be a concrete 12-digit account: a parameter default cannot hold a deploy-time value (give the stack an env)'),
  modelPackageGroupName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a concrete model package group name (the parameter\'s pattern and default name it)'),
});
