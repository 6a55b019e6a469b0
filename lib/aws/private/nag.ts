import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

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
  const ids = acknowledgments.map((a) => ({ id: a.finding === undefined ? a.rule : `${a.rule}[${a.finding}]`, reason: a.reason }));
  const fresh = ids.filter((a) => !isAcknowledgedHere(scope, a.id, a.reason));
  if (fresh.length > 0) {
    Validations.of(scope).acknowledge(...fresh);
  }
  if (acknowledgments.length === 0) {
    return;
  }
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

/** Whether `scope` itself already acknowledges `id` with this very reason (the same wildcard granted twice). */
function isAcknowledgedHere(scope: IConstruct, id: string, reason: string): boolean {
  // aws-cdk-lib records the id qualified (`Annotation::<id>`, `annotation::` before 2.262.1).
  return scope.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    && Object.entries<unknown>(m.data ?? {}).some(([k, v]) => k.replace(/^annotation::/i, '') === id && v === reason));
}

const IAM5 = 'AwsSolutions-IAM5';

interface PendingWildcard {
  readonly resource: string;
  readonly finding: string;
  readonly reason: string;
}

/** Per principal, the wildcards acknowledged on it, checked again at synthesis (`recheck`). */
const acknowledgedWildcards = new WeakMap<IConstruct, PendingWildcard[]>();

/**
 * Acknowledge (AwsSolutions-IAM5, with `reason`) the wildcard resources among `resources` of a
 * statement the library has just added to `principal`'s policy: call it right after the
 * `addToPrincipalPolicy` / `Grant.addToPrincipal` that adds them, with the same `resources`.
 *
 * Each finding is rendered from the resource as cdk-nag renders it (`renderNagResource`), so it names
 * exactly that wildcard: a wildcard the library did not add (a different resource pattern) is still
 * reported. Resources without a `*` are skipped; a principal that is not a construct (a service or
 * an account principal: no policy of ours is added to it) is left alone.
 *
 * A cross-stack reference (an `Fn::ImportValue` once the app is prepared) or a logical id overridden
 * after this call is rendered again at synthesis, and acknowledged as rendered then (cdk-nag 3.x).
 *
 * Limit: cdk-nag names a finding by its resource only, so the same resource pattern in a statement
 * the user adds to the same principal's default policy is acknowledged too.
 */
export function acknowledgeWildcardResources(principal: unknown, resources: string[], reason: string): void {
  if (!Construct.isConstruct(principal)) {
    return;
  }
  const stack = Stack.of(principal);
  const wildcards = resources
    .map((resource) => ({ resource, finding: renderNagResource(stack, resource), reason }))
    .filter((w) => w.finding.includes('*'));
  if (wildcards.length === 0) {
    return;
  }
  acknowledgeNag(principal, wildcards.map((w) => ({ rule: IAM5, finding: `Resource::${w.finding}`, reason: w.reason })));
  let list = acknowledgedWildcards.get(principal);
  if (list === undefined) {
    const created: PendingWildcard[] = [];
    acknowledgedWildcards.set(principal, created);
    principal.node.addValidation({ validate: () => recheck(principal, created) });
    list = created;
  }
  list.push(...wildcards);
}

/** At synthesis (references resolved): acknowledge each wildcard as it renders now, where that differs. */
function recheck(principal: IConstruct, wildcards: PendingWildcard[]): string[] {
  const stack = Stack.of(principal);
  const changed = wildcards
    .map((w) => ({ ...w, now: renderNagResource(stack, w.resource) }))
    .filter((w) => w.now !== w.finding);
  if (changed.length > 0) {
    Validations.of(principal).acknowledge(...changed.map((w) => ({ id: `${IAM5}[Resource::${w.now}]`, reason: w.reason })));
  }
  return [];
}

/**
 * A policy resource as cdk-nag's IAM5 names it in a finding: resolved in its stack, then flattened
 * as cdk-nag's `flattenCfnReference` does (cdk-nag 3.0.2 and 2.38.2 alike, src/utils/flatten-cfn-reference.ts):
 * `Fn::Join` joined, `Fn::Sub`'s `${X}` as `<X>`, `Fn::GetAtt` as `<Id.Attr>`, `Ref` as `<Id>`,
 * `Fn::ImportValue` as its export name, anything else as JSON.
 */
export function renderNagResource(stack: Stack, resource: string): string {
  return flatten(stack.resolve(resource));
}

function flatten(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  }
  const o = node as Record<string, any>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'];
    return (items as unknown[]).map(flatten).join(delimiter);
  }
  if (o['Fn::Sub']) {
    return flatten(o['Fn::Sub']);
  }
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (o['Fn::ImportValue']) {
    return flatten(o['Fn::ImportValue']);
  }
  if (o.Ref) {
    return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** Reasons shared by several constructs' inherent wildcards. */
export const INHERENT_WILDCARD = {
  /** `ecr:GetAuthorizationToken` on `*`. */
  ECR_TOKEN: 'ecr:GetAuthorizationToken has no resource-level permissions: it returns a registry login token; the statement next to it limits pulls to the named repositories.',
  /** The EC2 network-interface actions on `*` of a job or function in a VPC. */
  VPC_NETWORK_INTERFACES: 'The EC2 network-interface actions a job or function in a VPC needs (create, describe, delete, assign and unassign addresses) have no resource-level permissions for this use.',
  /** `cloudwatch:PutMetricData` on `*`, limited by a `cloudwatch:namespace` condition. */
  putMetricData: (namespace: string) => `cloudwatch:PutMetricData has no resource-level permissions; a condition limits it to the ${namespace} namespace.`,
  /** The versions of a model package group. */
  MODEL_PACKAGES: 'Model package versions are numbered by SageMaker at registration; the pattern covers only the versions of this group.',
  /** The objects of a registry's artifact bucket. */
  REGISTRY_ARTIFACTS: 'The artifact bucket holds only this registry\'s model artifacts, written under per-version keys chosen by the training jobs at run time.',
};
