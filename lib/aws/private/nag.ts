import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag finding the library acknowledges, with the reason it is inherent. */
export interface NagAcknowledgment {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly rule: string;
  /** The finding within the rule, e.g. `Resource::*`; every finding of the rule when absent. */
  readonly finding?: string;
  /** Why the finding is inherent (at least 10 characters, as cdk-nag asks). */
  readonly reason: string;
}

/**
 * Acknowledge findings on `scope` and the resources below it, for both lines of cdk-nag users run:
 *
 * - 3.x, and aws-cdk-lib's policy validation: `Validations.of(scope).acknowledge(...)` with the
 *   finding in the id (`AwsSolutions-IAM5[Resource::*]`);
 * - 2.x (`Aspects.of(app).add(new AwsSolutionsChecks())`): the `cdk_nag` metadata that its
 *   `NagSuppressions.addResourceSuppressions(scope, …, true)` writes on each CloudFormation resource
 *   below the scope, with the finding in `applies_to`. Written here without depending on cdk-nag.
 *
 * Call it once the resources exist (at the end of the owning construct's constructor): resources
 * added later are not covered, as with cdk-nag 2.x's own suppressions.
 */
export function acknowledgeNag(scope: IConstruct, acknowledgments: NagAcknowledgment[]): void {
  if (acknowledgments.length === 0) {
    return;
  }
  Validations.of(scope).acknowledge(
    ...acknowledgments.map((a) => ({ id: a.finding === undefined ? a.rule : `${a.rule}[${a.finding}]`, reason: a.reason })),
  );
  for (const child of scope.node.findAll()) {
    const resource = child.node.defaultChild ?? child;
    if (!CfnResource.isCfnResource(resource)) {
      continue;
    }
    const existing: Array<Record<string, unknown>> = (resource.getMetadata('cdk_nag')?.rules_to_suppress as Array<Record<string, unknown>>) ?? [];
    const rules = [...existing];
    for (const a of acknowledgments) {
      const rule = { reason: a.reason, id: a.rule, ...(a.finding === undefined ? {} : { applies_to: [a.finding] }) };
      if (!rules.some((r) => JSON.stringify(r) === JSON.stringify(rule))) {
        rules.push(rule);
      }
    }
    resource.addMetadata('cdk_nag', { rules_to_suppress: rules });
  }
}
