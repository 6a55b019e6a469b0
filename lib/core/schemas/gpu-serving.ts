import { z } from 'zod';
import { GpuCatalog } from '../gpu-catalog';
import { checkImage } from '../image';
import { parseModelPackageVersionArn, sameModelPackageGroup } from '../model-package';
import { DEFAULT_SERVING_REPLICAS } from '../policy';
import { s3Uri, sagemakerName } from '../primitives';
import { ownershipSchema, triggerSchema, uniqueTriggerNames } from '../rollback';
import { rolloutSchema } from '../rollout';
import { MODEL_CONTAINER_ENVIRONMENT, deploymentWaits, environmentProblems, sagemakerEnvironment, sagemakerInstanceTypeProblem } from '../sagemaker-limits';
import { DEFAULT_TERMINATION_WAIT_SECONDS, FIRST_STEP_AS_CANARY, coldStartTimeouts, deploymentProblems, rollbackAlarmProblems } from '../sagemaker-routing';
import { knownAtSynthesis, unlessToken } from '../validation';
import { durationIn } from './duration-value';

/** SageMaker's limit of production variants on one endpoint config. */
const MAX_PRODUCTION_VARIANTS = 10;

/** A SageMaker instance type (`ml.` prefix: one rule with the platform spec) with an accelerator the catalog knows. */
export const gpuInstanceType = z.string().superRefine(unlessToken((t, ctx) => {
  const notSageMaker = sagemakerInstanceTypeProblem(t);
  if (notSageMaker) {
    ctx.addIssue({ code: 'custom', message: notSageMaker });
  } else if (!GpuCatalog.forInstanceType(t)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a GPU or Inferentia/Trainium instance type from the GPU catalog (e.g. ml.g5.xlarge, ml.g6e.2xlarge, ml.p4d.24xlarge)',
    });
  }
})).superRefine(knownAtSynthesis('its accelerator count sizes the GPU alarms and autoscaling'));

/** Container image rules for serving: digest required unless a moving tag is explicitly allowed. */
export function imageRef(allowMutable: boolean) {
  return z.string().superRefine(unlessToken((ref, ctx) => {
    const problem = checkImage(ref, { allowPinnedTag: allowMutable, allowMutableTag: allowMutable });
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  }));
}

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/, 'must be an environment variable name');
const envValue = z.string().max(1024);

/**
 * @internal `GpuServingEndpoint.addEnv`: one variable of the primary model's container, not set
 * already, within SageMaker's limits of the container's whole map with the `existing` variables.
 */
export function addServingEnvSchema(existing: Readonly<Record<string, string>>) {
  return z
    .strictObject({
      name: envName.refine((n) => !Object.keys(existing).includes(n), { message: 'must not be set already (by the model source or an earlier addEnv)' }),
      value: envValue,
    })
    .superRefine(unlessToken((v, ctx) => {
      for (const [path, message] of environmentProblems({ [v.name]: v.value }, MODEL_CONTAINER_ENVIRONMENT, { existing })) {
        // The name's and the value's own rules are above: here the map's size.
        if (path.length === 0 && !message.startsWith('must have names')) {
          ctx.addIssue({ code: 'custom', path: ['name'], message });
        }
      }
    }));
}

/** @internal the plain shape of a ModelSource */
export const modelSourceSchema = z
  .strictObject({
    image: z.string().optional(),
    allowMutableImageTag: z.boolean().optional(),
    modelDataUrl: s3Uri.optional(),
    environment: sagemakerEnvironment(MODEL_CONTAINER_ENVIRONMENT).optional(),
    modelPackageVersion: z.number().int().min(1, 'must be a model package version (1, 2, …)').optional(),
    modelPackageArn: z.string().optional(),
    // The registry's group, when known at synth: a model package ARN must be one of its versions.
    modelPackageGroupName: z.string().optional(),
  })
  .superRefine(unlessToken((m, ctx) => {
    if (m.image !== undefined) {
      const r = imageRef(m.allowMutableImageTag ?? false).safeParse(m.image);
      if (!r.success) {
        ctx.addIssue({ code: 'custom', path: ['image'], message: r.error.issues[0].message });
      }
    }
    if (m.modelPackageArn !== undefined) {
      const arn = parseModelPackageVersionArn(m.modelPackageArn);
      if (!arn) {
        ctx.addIssue({ code: 'custom', path: ['modelPackageArn'], message: 'must be the ARN of a model package version (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)' });
      } else if (m.modelPackageGroupName !== undefined && !sameModelPackageGroup(arn.group, m.modelPackageGroupName)) {
        ctx.addIssue({ code: 'custom', path: ['modelPackageArn'], message: `must be a version of the registry's model package group "${m.modelPackageGroupName}"` });
      }
    }
  }));

const count = z.number().int('must be a whole number of instances').min(1, 'must be at least 1 instance');

/** Whole seconds within SageMaker's bounds, for a `Duration` prop validated as `prop?.toSeconds()`. */
function seconds(min: number, max: number) {
  return durationIn('seconds', z.number())
    .int('must be a whole number of seconds')
    .min(min, `must be at least ${min} seconds`)
    .max(max, `must be at most ${max / 60} minutes (${max} seconds)`);
}

/** @internal An extra production variant (`variants[i]`, `addVariant`). */
export const productionVariantSchema = z.strictObject({
  name: sagemakerName,
  model: modelSourceSchema,
  weight: z.number().gt(0, 'must be greater than 0'),
  instanceType: gpuInstanceType.optional(),
  initialInstanceCount: count.optional(),
});

/** @internal A shadow variant (`shadow`, `addShadowVariant`). */
export const shadowVariantSchema = z.strictObject({
  name: sagemakerName.optional(),
  model: modelSourceSchema,
  samplingPercent: z.number().int('must be a whole percentage').min(1).max(100),
  instanceType: gpuInstanceType.optional(),
  initialInstanceCount: count.optional(),
});

/** @internal `addShadowVariant`: a valid shadow, and only one (SageMaker takes one shadow variant). */
export function addShadowVariantSchema(hasShadow: boolean) {
  return z.strictObject({
    shadow: hasShadow ? z.never({ error: 'must be added once: SageMaker shadow testing takes one shadow variant, and this endpoint has one' }) : shadowVariantSchema,
  });
}

/** The extra production variants (`variants`, `addVariant`). */
const productionVariantsSchema = z
  .array(productionVariantSchema)
  .max(MAX_PRODUCTION_VARIANTS - 1, `must have at most ${MAX_PRODUCTION_VARIANTS - 1} extra variants (SageMaker allows ${MAX_PRODUCTION_VARIANTS} production variants)`);

/** The rollback triggers (`rollbackTriggers`, `addRollbackTrigger`): CloudWatch metrics, names unique. */
const rollbackTriggersSchema = z
  .array(
    triggerSchema.superRefine(unlessToken((t, ctx) => {
      if (t.kind === 'METRIC' && !t.cloudWatch) {
        ctx.addIssue({ code: 'custom', path: ['cloudWatch'], message: 'must be set for a metric trigger used on AWS' });
      }
    })),
  )
  .min(1, 'must have at least one trigger: a rollout needs a way back')
  .superRefine(unlessToken((triggers, ctx) => uniqueTriggerNames(triggers, ctx, [])));

/** @internal `addVariant`: the variants with the one added. */
export const addVariantSchema = z.strictObject({ variants: productionVariantsSchema });

/** @internal `addRollbackTrigger`: the triggers with the one added. */
export const addRollbackTriggerSchema = z.strictObject({ rollbackTriggers: rollbackTriggersSchema });

const autoscalingSchema = z
  .strictObject({
    minInstances: z.number().int().min(0).optional(),
    maxInstances: z.number().int().min(1),
    targetInvocationsPerInstance: z.number().gt(0).optional(),
    targetGpuUtilizationPercent: z.number().gt(0).max(100).optional(),
    scaleInCooldown: seconds(0, 3600).optional(),
    scaleOutCooldown: seconds(0, 3600).optional(),
    allowScaleToZero: z.boolean().optional(),
    registered: z.boolean().optional(),
  })
  .superRefine(unlessToken((a, ctx) => {
    const min = a.minInstances ?? 1;
    if (min === 0 && !a.allowScaleToZero) {
      ctx.addIssue({
        code: 'custom',
        path: ['minInstances'],
        message: 'must be at least 1 on a GPU endpoint (a cold GPU start takes minutes); set allowScaleToZero to accept 0',
      });
    }
    if (min > a.maxInstances) {
      ctx.addIssue({ code: 'custom', path: ['minInstances'], message: `must not exceed maxInstances (${a.maxInstances})` });
    }
    if (a.targetInvocationsPerInstance === undefined && a.targetGpuUtilizationPercent === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['targetInvocationsPerInstance'],
        message: 'must be set, or targetGpuUtilizationPercent: autoscaling needs a target',
      });
    }
  }));

const dataCaptureSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    samplingPercent: z.number().int('must be a whole percentage').min(1).max(100).optional(),
    captureRequest: z.boolean().optional(),
    captureResponse: z.boolean().optional(),
    bucket: z.any().optional(), // a construct reference: the type system checks it
    prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, 'must be an S3 key prefix without spaces').optional(),
    serverAccessLogsBucket: z.any().optional(), // a construct reference: the type system checks it
  })
  .superRefine(unlessToken((d, ctx) => {
    if (d.captureRequest === false && d.captureResponse === false) {
      ctx.addIssue({ code: 'custom', path: ['captureResponse'], message: 'must be true when captureRequest is false (nothing would be captured)' });
    }
  }));

/**
 * @internal The props of the AWS `GpuServingEndpoint` (keys = `GpuServingEndpointProps` keys), and
 * its state after `addVariant` / `addShadowVariant` / `addRollbackTrigger`, re-checked at synth.
 * Durations are whole seconds; `rollout` and `rollbackTriggers` arrive with their defaults.
 */
export const awsGpuServingSchema = z
  .strictObject({
    model: modelSourceSchema,
    instanceType: gpuInstanceType,
    alarmOwnership: ownershipSchema,
    endpointName: sagemakerName.optional(),
    variantName: sagemakerName.optional(),
    initialInstanceCount: count.optional(),
    primaryWeight: z.number().gt(0, 'must be greater than 0').optional(),
    variants: productionVariantsSchema.optional(),
    shadow: shadowVariantSchema.optional(),
    rollout: rolloutSchema,
    rollbackTriggers: rollbackTriggersSchema,
    stagedRolloutFallback: z.enum(['REJECT', FIRST_STEP_AS_CANARY]).optional(),
    acceptCoarseCanary: z.boolean().optional(),
    terminationWait: seconds(0, 3600).superRefine(knownAtSynthesis('the deployment\'s time limit is computed from it at synthesis')).optional(),
    autoscaling: autoscalingSchema.optional(),
    dataCapture: dataCaptureSchema.optional(),
    modelSizeGiB: z.number().gt(0).max(2000).optional(),
    modelDataDownloadTimeout: seconds(60, 3600).optional(),
    containerStartupHealthCheckTimeout: seconds(60, 3600).optional(),
    encryptionKey: z.any().optional(), // a construct reference: the type system checks it
    alarmTopic: z.any().optional(), // a construct reference: the type system checks it
    dashboard: z.boolean().optional(),
    role: z.any().optional(), // a construct reference: the type system checks it
    vpc: z.any().optional(), // a construct reference: the type system checks it
    vpcSubnets: z.any().optional(), // a subnet selection (constructs inside): the type system checks it
    securityGroups: z.array(z.any()).min(1).max(5, 'must have at most 5 security groups (SageMaker VpcConfig)').optional(), // construct references
  })
  .superRefine(unlessToken((p, ctx) => {
    const names = [p.variantName ?? 'primary', ...(p.variants ?? []).map((v) => v.name), ...(p.shadow ? [p.shadow.name ?? 'shadow'] : [])];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
      // Named where the second use is: the shadow's own name when it is the shadow's (addShadowVariant).
      const onShadow = p.shadow !== undefined && names.lastIndexOf(dup) === names.length - 1;
      ctx.addIssue({ code: 'custom', path: onShadow ? ['shadow', 'name'] : ['variants'], message: `must have unique variant names; "${dup}" is used twice` });
    }
    if (p.shadow && (p.variants?.length ?? 0) > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['shadow'],
        message: 'must not be combined with variants: SageMaker shadow testing takes exactly one production variant',
      });
    }
    for (const key of ['vpcSubnets', 'securityGroups'] as const) {
      if (p[key] !== undefined && p.vpc === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must be given only with vpc' });
      }
    }
    deploymentRules(p, ctx);
  }));

/** What SageMaker blue/green deployment cannot do with this rollout, fleet and termination wait. */
function deploymentRules(p: Record<string, any>, ctx: z.RefinementCtx): void {
  // Judged only on valid input: the pieces' own problems are reported already.
  const valid =
    rolloutSchema.safeParse(p.rollout).success &&
    count.optional().safeParse(p.initialInstanceCount).success &&
    seconds(0, 3600).optional().safeParse(p.terminationWait).success &&
    z.number().gt(0).optional().safeParse(p.modelSizeGiB).success &&
    seconds(60, 3600).optional().safeParse(p.modelDataDownloadTimeout).success &&
    seconds(60, 3600).optional().safeParse(p.containerStartupHealthCheckTimeout).success;
  const problems = valid
    ? deploymentProblems(
      p.rollout,
      p.initialInstanceCount ?? DEFAULT_SERVING_REPLICAS,
      p.stagedRolloutFallback ?? 'REJECT',
      p.terminationWait ?? DEFAULT_TERMINATION_WAIT_SECONDS,
      {
        coldStart: coldStartTimeouts(p.modelSizeGiB, p.modelDataDownloadTimeout, p.containerStartupHealthCheckTimeout),
        acceptCoarseCanary: p.acceptCoarseCanary,
      },
    )
    : [];
  if (valid) {
    // A canary or linear rollout with no bake and no termination wait: nothing can roll it back.
    const instances = p.initialInstanceCount ?? DEFAULT_SERVING_REPLICAS;
    problems.push(...deploymentWaits(p.rollout, instances, p.stagedRolloutFallback ?? 'REJECT', p.terminationWait ?? DEFAULT_TERMINATION_WAIT_SECONDS).problems);
  }
  if (Array.isArray(p.rollbackTriggers) && (p.variants === undefined || Array.isArray(p.variants))) {
    // One alarm per serving variant and trigger on the endpoint's metrics (the shadow is not watched).
    const kinds: unknown[] = p.rollbackTriggers.map((t: any) => t?.kind);
    problems.push(...rollbackAlarmProblems({
      perVariantTriggers: kinds.filter((k) => k !== 'METRIC').length,
      metricTriggers: kinds.filter((k) => k === 'METRIC').length,
      servingVariants: 1 + (p.variants?.length ?? 0),
    }));
  }
  for (const [property, message] of problems) {
    ctx.addIssue({ code: 'custom', path: property.split('.'), message });
  }
}
