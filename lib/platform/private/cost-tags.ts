/**
 * Cost allocation tags on AWS (core/cost-allocation.ts): `Tags.of(scope)` reaches every taggable
 * resource below it (and the stacks, whose tags CloudFormation also applies). The platform tags its
 * whole tree as shared, each model's stack as that model with a higher priority, so a model's
 * resources carry its own name whatever the nesting (a platform inside the user's stack included).
 */
import { Tags } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { costAllocationTags } from '../../core/cost-allocation';
import { PlatformModelSpec, PlatformSpec } from '../../core/platform-spec';

/** Priority of the platform's (shared) tags; a model's are one higher. aws-cdk-lib's default is 100. */
const PLATFORM_PRIORITY = 100;

/** Tag the platform's tree as shared (`model=shared`, the platform's owner) with the spec's tags. */
export function tagPlatform(scope: IConstruct, spec: PlatformSpec): void {
  apply(scope, costAllocationTags(spec.name, undefined, spec.ownership.owner, spec.tags), PLATFORM_PRIORITY);
}

/** Tag one model's tree (its stack) as that model, with its owner and the spec's and model's tags. */
export function tagModel(scope: IConstruct, spec: PlatformSpec, model: PlatformModelSpec): void {
  const owner = (model.ownership ?? spec.ownership).owner;
  apply(scope, costAllocationTags(spec.name, model.name, owner, { ...spec.tags, ...model.tags }), PLATFORM_PRIORITY + 1);
}

function apply(scope: IConstruct, tags: Record<string, string>, priority: number): void {
  for (const [key, value] of Object.entries(tags)) {
    Tags.of(scope).add(key, value, { priority });
  }
}
