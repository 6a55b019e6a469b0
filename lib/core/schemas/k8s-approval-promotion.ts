import { z } from 'zod';
import { checkImage } from '../image';
import { k8sLabelName } from '../primitives';
import { ownershipSchema } from '../rollback';
import { unlessToken } from '../validation';

/**
 * @internal an MLflow registered model alias. MLflow's own rule (mlflow/utils/validation.py
 * `_validate_model_alias_name`, read at 3.17.2): a non-empty name of at most 255 characters of
 * letters, digits, `_` and `-`, not `latest` (reserved) and not `v<digits>` (the version syntax of
 * `models:/<name>@…`); case-insensitive for both.
 */
export const mlflowAliasName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be an MLflow alias: 1-255 letters, digits, _ or -')
  .refine((a) => a.toLowerCase() !== 'latest', 'must not be "latest": MLflow reserves it')
  .refine((a) => !/^v\d+$/i.test(a), 'must not look like a version ("v<number>"): MLflow refuses it');

/** @internal the Kubernetes `ApprovalPromotion`'s props (the targets' names, as plain values) */
export const k8sApprovalPromotionSchema = z.strictObject({
  registeredModelName: z.string().min(1).max(256),
  trackingUri: z.string().regex(/^https?:\/\/\S+$/, 'must be the http(s) URL of the MLflow tracking server'),
  image: z.string().superRefine(unlessToken((ref, ctx) => {
    const problem = checkImage(ref, { allowPinnedTag: false, allowMutableTag: false });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })),
  pushgatewayUrl: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
  alarmOwnership: ownershipSchema,
  alias: mlflowAliasName.optional(),
  requiredLineageKeys: z.array(z.string().min(1).refine((k) => !k.includes(','), 'must be one tag key without a comma'))
    .refine((k) => new Set(k).size === k.length, 'must not list a key twice').optional(),
  allowOlderVersion: z.boolean().optional(),
  targetName: k8sLabelName,
  targetNamespace: k8sLabelName,
  prometheusRuleLabels: z.record(z.string(), z.string()).optional(),
});
