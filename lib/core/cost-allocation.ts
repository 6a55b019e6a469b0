/**
 * Cost allocation (issue 19): every AWS resource a platform creates carries the tags `model`, `owner`
 * and `platform` (AWS cost allocation tags, once activated in the Billing console), every Kubernetes
 * object and pod the labels of the same names (OpenCost / Kubecost allocate by pod labels), so a bill
 * splits by model. What the models share carries `model=shared` (a model may not take that name).
 */

/** The tag (and label) naming the model. */
export const MODEL_TAG = 'model';
/** The tag (and label) naming the owning team. */
export const OWNER_TAG = 'owner';
/** The tag (and label) naming the platform. */
export const PLATFORM_TAG = 'platform';
/** The `model` value of what the models of a platform share (alarm topic, MLflow, node pools). */
export const SHARED_MODEL_TAG_VALUE = 'shared';
/** The keys the library sets; a user's own tags may not take them. */
export const COST_ALLOCATION_TAG_KEYS: string[] = [MODEL_TAG, OWNER_TAG, PLATFORM_TAG];

/** The cost allocation tags of a model (or of the shared resources, `model` undefined), the user's first. */
export function costAllocationTags(
  platform: string, model: string | undefined, owner: string, userTags: Record<string, string> = {},
): Record<string, string> {
  return { ...userTags, [MODEL_TAG]: model ?? SHARED_MODEL_TAG_VALUE, [OWNER_TAG]: owner, [PLATFORM_TAG]: platform };
}

/**
 * A tag value as a Kubernetes label value: at most 63 characters of `[A-Za-z0-9._-]`, starting and
 * ending with a letter or digit; anything else becomes "-" (`ml team@acme` → `ml-team-acme`).
 */
export function labelValue(value: string): string {
  const v = value.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  return v.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/**
 * Who a set of resources is billed to, for `aws.CostAllocation.apply` and `k8s.CostAllocation.apply`
 * (what `MlPlatform` and `MlPlatformChart` apply to their own resources): the resources outside a
 * platform (a standalone `GpuServingEndpoint`, a node pool) carry the same three tags, so one bill
 * splits by model whatever built them.
 */
export interface CostAllocationProps {
  /** The platform the resources belong to: the `platform` tag. */
  readonly platform: string;
  /** The team that owns (and pays for) the resources: the `owner` tag. */
  readonly owner: string;
  /**
   * The model the resources serve, train or watch: the `model` tag.
   * @default 'shared' (what the models of the platform share)
   */
  readonly model?: string;
  /**
   * The user's own tags (cost center, environment, …), beside the three; they may not take the
   * keys `model`, `owner`, `platform` nor start with `aws:`. On Kubernetes their keys must be
   * label keys and their values are made label-safe (`k8s.CostAllocation.labelsOf`).
   * @default - none
   */
  readonly tags?: Record<string, string>;
}
