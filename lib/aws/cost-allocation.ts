import { IConstruct } from 'constructs';
import { addCostAllocationTags } from './private/cost-tags';
import { validateProps } from './private/validate';
import { CostAllocationProps, costAllocationTags } from '../core/cost-allocation';
import { costAllocationSchema } from '../core/schemas/cost-allocation';

/**
 * Cost allocation tags outside a platform (issue 19): `model`, `owner` and `platform` (and the
 * user's own tags) on every taggable resource below a scope, as `MlPlatform` tags its own, so a bill
 * splits by model whatever built the resources. Activate the three as cost allocation tags in the
 * Billing console (of the management account) to see them in Cost Explorer and to filter budgets.
 *
 * ```ts
 * aws.CostAllocation.apply(stack, { platform: 'acme', model: 'fraud', owner: 'fraud-ml-oncall' });
 * ```
 *
 * It is `Tags.of(scope)` (an aspect): resources added later are tagged too, a nested scope's
 * `apply` wins over an outer one, and the resource types aws-cdk-lib cannot tag are not tagged (their
 * L1 has no `tags`: see README "Cost allocation" for the list at the supported aws-cdk-lib versions).
 */
export class CostAllocation {
  /**
   * Tag every taggable resource below `scope` with the model, its owner and the platform.
   * @throws MlopsValidationError naming every bad value (a tag AWS refuses, a reserved key)
   */
  public static apply(scope: IConstruct, props: CostAllocationProps): void {
    validateProps(scope, costAllocationSchema, props);
    addCostAllocationTags(scope, costAllocationTags(props.platform, props.model, props.owner, props.tags));
  }

  /** The tags `apply` sets for these props (the user's, then `model`, `owner`, `platform`), without applying them. */
  public static tagsOf(props: CostAllocationProps): Record<string, string> {
    return costAllocationTags(props.platform, props.model, props.owner, props.tags);
  }

  private constructor() {}
}
