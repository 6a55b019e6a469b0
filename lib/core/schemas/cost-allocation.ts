import { z } from 'zod';
import { COST_ALLOCATION_TAG_KEYS, labelValue } from '../cost-allocation';
import { unlessToken } from '../validation';

/**
 * AWS tag rules (keys 1–128, values 0–256 characters of letters, digits, spaces and `_.:/=+-@`;
 * no `aws:` prefix): https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html
 */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** A tag value (and so, made label-safe, a label value). */
export const tagValue = z.string().max(256, 'must be at most 256 characters').regex(TAG_CHARS, 'must be a tag value: letters, digits, spaces and _.:/=+-@');

/** A user's own tags: AWS tag rules, and not a key the library sets for cost allocation. */
const tagKey = z.string().min(1).max(128).regex(TAG_CHARS, 'must be a tag key: letters, digits, spaces and _.:/=+-@')
  .refine((k) => !k.toLowerCase().startsWith('aws:'), 'must not start with "aws:" (reserved by AWS)')
  .refine((k) => !COST_ALLOCATION_TAG_KEYS.includes(k), `must not be ${COST_ALLOCATION_TAG_KEYS.join(', ')}: the library sets them for cost allocation`);
export const userTagsSchema = z.record(tagKey, tagValue).optional();

/** A Kubernetes label key: an optional DNS subdomain prefix and "/", then 1–63 of [A-Za-z0-9._-], alphanumeric at both ends. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** What a tag key must be on Kubernetes, where the tags label every object. */
export const LABEL_KEY_RULE = 'must be a Kubernetes label key on Kubernetes (the tags label every object): an optional DNS prefix and "/", '
  + 'then 1-63 letters, digits, "-", "_" or ".", alphanumeric at both ends';

/** Whether a tag key can be a Kubernetes label key (at most 253 characters of prefix, "/", 63 of name). */
export function isKubernetesLabelKey(key: string): boolean {
  return LABEL_KEY.test(key) && key.length <= 317;
}

const named = (what: string) => z.string().min(1, `must name the ${what}`).pipe(tagValue);

/** `aws.CostAllocation.apply`'s props (core/cost-allocation.ts `CostAllocationProps`). */
export const costAllocationSchema = z.strictObject({
  platform: named('platform'),
  owner: named('owning team'),
  model: named('model').optional(),
  tags: userTagsSchema,
});

/** A value that must keep a letter or digit once label-safe (`core.labelValue`). */
const labelSafe = <T extends z.ZodType<string | undefined>>(schema: T) => schema.superRefine(unlessToken((v: string | undefined, ctx) => {
  if (v !== undefined && labelValue(v) === '') {
    ctx.addIssue({ code: 'custom', message: 'must keep a letter or digit as a Kubernetes label value (other characters become "-", trimmed at both ends)' });
  }
}));

/**
 * `k8s.CostAllocation.apply`'s props: as on AWS, and the values must keep a letter or digit once
 * label-safe, the tags' keys must be label keys (every problem reported at once).
 */
export const kubernetesCostAllocationSchema = z.strictObject({
  platform: labelSafe(named('platform')),
  owner: labelSafe(named('owning team')),
  model: labelSafe(named('model').optional()),
  tags: z.record(tagKey.refine(isKubernetesLabelKey, LABEL_KEY_RULE), tagValue).optional(),
});
