import { z } from 'zod';
import { ownershipSchema } from '../rollback';
import { MAX_SAGEMAKER_NAME_LENGTH, sagemakerNameSchema } from '../sagemaker-limits';
import { knownAtSynthesis, unlessToken } from '../validation';
import { durationIn } from './duration-value';

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

/** A Lambda function takes at most 5 security groups. */
const MAX_SECURITY_GROUPS = 5;

/**
 * How long CloudFormation works on a serving stack's update besides the endpoint's deployment:
 * creating the new Model and EndpointConfig before it, deleting the old ones after it
 * (`UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`), or rolling a failed one back. A margin, not an AWS limit.
 */
export const DEPLOYMENT_WAIT_MARGIN_SECONDS = 900;

/**
 * The deployment limit assumed for a serving stack whose endpoints name none (no `DeploymentConfig`
 * with a `MaximumExecutionTimeoutInSeconds`, or no endpoint in the stack): an hour.
 */
export const DEFAULT_DEPLOYMENT_LIMIT_SECONDS = 3600;

/**
 * The longest `deploymentWait`: SageMaker's longest deployment (`MaximumExecutionTimeoutInSeconds`
 * at most 28,800 s: SageMaker API reference, BlueGreenUpdatePolicy / RollingUpdatePolicy) and a day
 * to spare; the handler refuses more in `DEPLOYMENT_WAIT_SECONDS` (lib/runtime/promotion/handler.ts).
 */
export const MAX_DEPLOYMENT_WAIT_SECONDS = 28_800 + 86_400;

/**
 * @internal the plain shape of the ApprovalPromotion props: the parameter and the serving stack as
 * the facts the rules need (deploy-time values left out), construct references as they are
 */
export const approvalPromotionSchema = z
  .strictObject({
    // a construct reference: the type system checks it
    registry: z.any(),
    modelPackageParameter: z.strictObject({
      type: z.string().refine((t) => t === 'String', 'must be String (the parameter holds a model package ARN)'),
      /** Path of the parameter's stack. */
      stack: z.string(),
    }),
    alarmOwnership: ownershipSchema,
    /** The serving stack (given, or the promotion's own). */
    servingStack: z.strictObject({
      path: z.string(),
      nested: z.boolean(),
      /** Concrete account and region (absent when deploy-time values), and the promotion's own. */
      account: z.string().optional(),
      region: z.string().optional(),
      promotionAccount: z.string().optional(),
      promotionRegion: z.string().optional(),
      /** Class name of its synthesizer, and whether that synthesizer names a CloudFormation execution role. */
      synthesizer: z.string(),
      namesExecutionRole: z.boolean(),
    }),
    // a construct reference: the type system checks it
    alarmTopic: z.any().optional(),
    requiredLineageKeys: z
      .array(metadataKey)
      .refine((keys) => new Set(keys).size === keys.length, 'must not list a key twice')
      .superRefine(knownAtSynthesis('the function checks each key of an approved version'))
      .optional(),
    allowRollbackToOlderVersion: z.boolean().optional(),
    deploymentWait: durationIn('seconds', z.number())
      .int('must be a whole number of seconds')
      .min(0, 'must not be negative')
      .max(MAX_DEPLOYMENT_WAIT_SECONDS, `must be at most ${MAX_DEPLOYMENT_WAIT_SECONDS / 3600} hours (${MAX_DEPLOYMENT_WAIT_SECONDS} seconds: SageMaker's longest deployment and a day)`)
      .optional(),
    // a construct reference: the type system checks it
    cloudFormationExecutionRole: z.any().optional(),
    // a construct reference: the type system checks it
    role: z.any().optional(),
    // a construct reference: the type system checks it
    vpc: z.any().optional(),
    // a subnet selection (of constructs): the type system checks it
    vpcSubnets: z.any().optional(),
    securityGroups: z.array(z.any()).max(MAX_SECURITY_GROUPS, `must list at most ${MAX_SECURITY_GROUPS} security groups (a Lambda function allows ${MAX_SECURITY_GROUPS})`).optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const serving = p.servingStack;
    if (p.modelPackageParameter && serving && p.modelPackageParameter.stack !== serving.path) {
      ctx.addIssue({ code: 'custom', path: ['modelPackageParameter', 'stack'], message: `must be the serving stack ${serving.path}` });
    }
    if (!serving) {
      return;
    }
    if (serving.nested) {
      ctx.addIssue({ code: 'custom', path: ['servingStack', 'nested'], message: 'must be false: CloudFormation updates a nested stack through its parent' });
    }
    for (const [dimension, here, there] of [['account', serving.promotionAccount, serving.account], ['region', serving.promotionRegion, serving.region]] as const) {
      if (here !== undefined && there !== undefined && here !== there) {
        ctx.addIssue({ code: 'custom', path: ['servingStack', dimension], message: `must be the ${dimension} of the promotion (${here}): the function calls CloudFormation there` });
      }
    }
    if (p.cloudFormationExecutionRole === undefined && !serving.namesExecutionRole && !serving.nested) {
      ctx.addIssue({
        code: 'custom',
        path: ['cloudFormationExecutionRole'],
        message: `must be given: the serving stack's synthesizer (${serving.synthesizer}) names no CloudFormation execution role`,
      });
    }
    if (p.vpc === undefined) {
      for (const key of ['vpcSubnets', 'securityGroups'] as const) {
        if (p[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'must be given only with vpc' });
        }
      }
    }
  }));

/** @internal the initial version of `ApprovalPromotion.modelPackageParameter` */
export const modelPackageParameterSchema = z.strictObject({
  initialVersion: z.number().int('must be a whole version number').min(1, 'must be a model package version (1, 2, …)'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be a region such as eu-west-1')
    .superRefine(knownAtSynthesis('a parameter default cannot hold a deploy-time value: give the stack an env')),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id')
    .superRefine(knownAtSynthesis('a parameter default cannot hold a deploy-time value: give the stack an env')),
  modelPackageGroupName: sagemakerNameSchema(MAX_SAGEMAKER_NAME_LENGTH, 'ModelPackageGroupName')
    .superRefine(knownAtSynthesis('the parameter\'s pattern and default name it')),
});
