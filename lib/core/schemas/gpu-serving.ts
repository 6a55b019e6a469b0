import { z } from 'zod';
import { GpuCatalog } from '../gpu-catalog';
import { checkImage } from '../image';
import { parseModelPackageVersionArn, sameModelPackageGroup } from '../model-package';
import { s3Uri, sagemakerName } from '../primitives';
import { ownershipSchema, triggerSchema, uniqueTriggerNames } from '../rollback';
import { rolloutSchema } from '../rollout';

/** An instance type that has an accelerator the catalog knows (ml.g5.xlarge, g6e.2xlarge, …). */
export const gpuInstanceType = z.string().superRefine((t, ctx) => {
  if (!GpuCatalog.forInstanceType(t)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a GPU or Inferentia/Trainium instance type from the GPU catalog (e.g. ml.g5.xlarge, ml.g6e.2xlarge, ml.p4d.24xlarge)',
    });
  }
});

/** Container image rules for serving: digest required unless a moving tag is explicitly allowed. */
export function imageRef(allowMutable: boolean) {
  return z.string().superRefine((ref, ctx) => {
    const problem = checkImage(ref, { allowPinnedTag: allowMutable, allowMutableTag: allowMutable });
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });
}

/** @internal the plain shape of a ModelSource */
export const modelSourceSchema = z
  .strictObject({
    image: z.string().optional(),
    allowMutableImageTag: z.boolean().optional(),
    modelDataUrl: s3Uri.optional(),
    environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/, 'must be an environment variable name'), z.string().max(1024)).optional(),
    modelPackageVersion: z.number().int().min(1, 'must be a model package version (1, 2, …)').optional(),
    modelPackageArn: z.string().optional(),
    // The registry's group, when known at synth: a model package ARN must be one of its versions.
    modelPackageGroupName: z.string().optional(),
  })
  .superRefine((m, ctx) => {
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
  });

const count = z.number().int('must be a whole number of instances').min(1, 'must be at least 1 instance');

/** @internal */
export const awsGpuServingSchema = z
  .strictObject({
    endpointName: sagemakerName.optional(),
    variantName: sagemakerName.optional(),
    model: modelSourceSchema,
    instanceType: gpuInstanceType,
    initialInstanceCount: count.optional(),
    primaryWeight: z.number().gt(0, 'must be greater than 0').optional(),
    variants: z
      .array(
        z.strictObject({
          name: sagemakerName,
          model: modelSourceSchema,
          weight: z.number().gt(0, 'must be greater than 0'),
          instanceType: gpuInstanceType.optional(),
          initialInstanceCount: count.optional(),
        }),
      )
      .max(9, 'must have at most 9 extra variants (SageMaker allows 10 production variants)')
      .optional(),
    shadow: z
      .strictObject({
        name: sagemakerName.optional(),
        model: modelSourceSchema,
        samplingPercent: z.number().int('must be a whole percentage').min(1).max(100),
        instanceType: gpuInstanceType.optional(),
        initialInstanceCount: count.optional(),
      })
      .optional(),
    rollout: rolloutSchema,
    rollbackTriggers: z.array(triggerSchema).min(1, 'must have at least one trigger: a rollout needs a way back'),
    alarmOwnership: ownershipSchema,
    autoscaling: z
      .strictObject({
        minInstances: z.number().int().min(0).optional(),
        maxInstances: z.number().int().min(1),
        targetInvocationsPerInstance: z.number().gt(0).optional(),
        targetGpuUtilizationPercent: z.number().gt(0).max(100).optional(),
        scaleInCooldownSeconds: z.number().int().min(0).max(3600).optional(),
        scaleOutCooldownSeconds: z.number().int().min(0).max(3600).optional(),
        allowScaleToZero: z.boolean().optional(),
      })
      .superRefine((a, ctx) => {
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
      })
      .optional(),
    dataCapture: z
      .strictObject({
        enabled: z.boolean().optional(),
        samplingPercent: z.number().int('must be a whole percentage').min(1).max(100).optional(),
        captureRequest: z.boolean().optional(),
        captureResponse: z.boolean().optional(),
        prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]{1,200}$/, 'must be an S3 key prefix without spaces').optional(),
      })
      .superRefine((d, ctx) => {
        if (d.captureRequest === false && d.captureResponse === false) {
          ctx.addIssue({ code: 'custom', path: ['captureResponse'], message: 'must be true when captureRequest is false (nothing would be captured)' });
        }
      })
      .optional(),
    modelSizeGiB: z.number().gt(0).max(2000).optional(),
    modelDataDownloadTimeoutSeconds: z.number().int().min(60).max(3600).optional(),
    containerStartupHealthCheckTimeoutSeconds: z.number().int().min(60).max(3600).optional(),
    terminationWaitSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .superRefine((p, ctx) => {
    const names = [p.variantName ?? 'primary', ...(p.variants ?? []).map((v) => v.name), ...(p.shadow ? [p.shadow.name ?? 'shadow'] : [])];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `must have unique variant names; "${dup}" is used twice` });
    }
    if (p.shadow && (p.variants?.length ?? 0) > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['shadow'],
        message: 'must not be combined with variants: SageMaker shadow testing takes exactly one production variant',
      });
    }
    uniqueTriggerNames(p.rollbackTriggers ?? [], ctx, ['rollbackTriggers']);
    (p.rollbackTriggers ?? []).forEach((t, i) => {
      if (t?.kind === 'METRIC' && !t.cloudWatch) {
        ctx.addIssue({ code: 'custom', path: ['rollbackTriggers', i, 'cloudWatch'], message: 'must be set for a metric trigger used on AWS' });
      }
    });
  });
