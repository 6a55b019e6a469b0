/**
 * The one place cost allocation tags are put on AWS resources (`aws.CostAllocation.apply`, and
 * `MlPlatform` / `EksMlPlatform` for their shared and model stacks): `Tags.of(scope)` reaches every
 * taggable resource below it (and the stacks, whose tags CloudFormation also applies).
 */
import { Tags } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** aws-cdk-lib's default tag priority. */
export const DEFAULT_TAG_PRIORITY = 100;

/** Add the tags below `scope` at `priority` (a higher one wins on a resource both reach). */
export function addCostAllocationTags(scope: IConstruct, tags: Record<string, string>, priority: number = DEFAULT_TAG_PRIORITY): void {
  for (const [key, value] of Object.entries(tags)) {
    Tags.of(scope).add(key, value, { priority });
  }
}
