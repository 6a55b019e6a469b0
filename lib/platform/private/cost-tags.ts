/**
 * Cost allocation tags of a platform on AWS (core/cost-allocation.ts), through the one place that
 * puts them (aws/private/cost-tags.ts, as `aws.CostAllocation.apply`). The platform tags its whole
 * tree as shared, each model's stack as that model with a higher priority, so a model's resources
 * carry its own name whatever the nesting (a platform inside the user's stack included).
 */
import { IConstruct } from 'constructs';
import { DEFAULT_TAG_PRIORITY, addCostAllocationTags } from '../../aws/private/cost-tags';
import { costAllocationTags } from '../../core/cost-allocation';
import { PlatformModelSpec, PlatformSpec } from '../../core/platform-spec';

/** Tag the platform's tree as shared (`model=shared`, the platform's owner) with the spec's tags. */
export function tagPlatform(scope: IConstruct, spec: PlatformSpec): void {
  addCostAllocationTags(scope, costAllocationTags(spec.name, undefined, spec.ownership.owner, spec.tags), DEFAULT_TAG_PRIORITY);
}

/** Tag one model's tree (its stack) as that model, with its owner and the spec's and model's tags. */
export function tagModel(scope: IConstruct, spec: PlatformSpec, model: PlatformModelSpec): void {
  const owner = (model.ownership ?? spec.ownership).owner;
  addCostAllocationTags(scope, costAllocationTags(spec.name, model.name, owner, { ...spec.tags, ...model.tags }), DEFAULT_TAG_PRIORITY + 1);
}
