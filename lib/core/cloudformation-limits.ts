/**
 * CloudFormation's limits on what a synthesized cloud assembly may hold, in one place, with the
 * rules that check a template against them (`bench/scale.ts` fails on any of them; the library can
 * use them too). Pure: a template is the parsed JSON of a `*.template.json` file.
 *
 * Source of the numbers, unless said otherwise: "Understand CloudFormation quotas",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html, as in
 * the last version of its published source (awsdocs/aws-cloudformation-user-guide,
 * doc_source/cloudformation-limits.md at 972bedb, 2023-07-15, before that repository was archived);
 * cfn-lint 1.58.0 (`cfnlint/helpers.py`, `LIMITS`) checks the same per-template numbers (resources
 * 500, parameters 200, outputs 200, mappings 200, template body 1,000,000 bytes). The per-template
 * limits were raised to these values on 2020-10-22 ("AWS CloudFormation now supports increased
 * limits on five service quotas", What's New); older pages say 200 / 60 / 60 / 100 / 460,800.
 */

/** "Resources: Maximum number of resources that you can declare in your CloudFormation template: 500 resources." */
export const MAX_TEMPLATE_RESOURCES = 500;

/** "Parameters: Maximum number of parameters that you can declare in your CloudFormation template: 200 parameters." */
export const MAX_TEMPLATE_PARAMETERS = 200;

/** "Outputs: Maximum number of outputs that you can declare in your CloudFormation template: 200 outputs." */
export const MAX_TEMPLATE_OUTPUTS = 200;

/** "Mappings: Maximum number of mappings that you can declare in your CloudFormation template: 200 mappings." */
export const MAX_TEMPLATE_MAPPINGS = 200;

/** "Template description: Maximum size of a template description: 1,024 bytes." */
export const MAX_TEMPLATE_DESCRIPTION_BYTES = 1024;

/**
 * "Template body size in an Amazon S3 object: Maximum size of a template body that you can pass in
 * an Amazon S3 object for a CreateStack, UpdateStack, ValidateTemplate request with an Amazon S3
 * template URL: 1 MB", taken as 1,000,000 bytes as cfn-lint 1.58.0 does (rule E1002, `LIMITS`).
 *
 * This is the limit that applies to a CDK app: with the `DefaultStackSynthesizer` every template is
 * a file asset uploaded to the bootstrap bucket, and the CLI deploys it by URL. aws-cdk 2.1148.1
 * (the CLI this project pins), `@aws-cdk/toolkit-lib` `api/cloudformation/template-body-parameter.ts`,
 * `makeBodyParameter`: `if (stack.stackTemplateAssetObjectUrl && !overrideTemplate) return {
 * TemplateURL: ... }`; only a stack without that URL (legacy synthesizer) is sent inline, and then
 * only up to `LARGE_TEMPLATE_SIZE_KB = 50` before it too is uploaded. Nested stack templates are
 * always referenced by `TemplateURL`.
 */
export const MAX_TEMPLATE_BODY_BYTES = 1_000_000;

/**
 * "Template body size in a request: Maximum size of a template body that you can pass in a
 * CreateStack, UpdateStack, or ValidateTemplate request: 51,200 bytes." Does not apply to CDK
 * deployments (see `MAX_TEMPLATE_BODY_BYTES`); kept to say why it is not checked.
 */
export const MAX_TEMPLATE_BODY_BYTES_INLINE = 51_200;

/**
 * "Stacks: Maximum number of CloudFormation stacks that you can create: 2000 stacks" — per account
 * and Region, a default quota that can be raised ("request an increase in the maximum number of
 * stacks in your AWS account"). Nested stacks are stacks and count too.
 */
export const MAX_STACKS_PER_ACCOUNT_REGION = 2000;

/**
 * "Nested stacks: Maximum number of CloudFormation resources a nested stack can create, update, or
 * delete per operation: 2500 resources." Checked here over a root stack and all its nested stacks,
 * which one operation on the root can touch together.
 */
export const MAX_NESTED_STACK_OPERATION_RESOURCES = 2500;

/** The counts of a template that its limits apply to. */
export interface TemplateLimitCounts {
  /** Entries of `Resources`. */
  readonly resources: number;
  /** Entries of `Parameters`. */
  readonly parameters: number;
  /** Entries of `Outputs`. */
  readonly outputs: number;
  /** Entries of `Mappings`. */
  readonly mappings: number;
  /** UTF-8 bytes of the template's `Description`. */
  readonly descriptionBytes: number;
  /** UTF-8 bytes of the template body as deployed (the synthesized file). */
  readonly bodyBytes: number;
}

function entries(section: unknown): number {
  return section !== null && typeof section === 'object' ? Object.keys(section).length : 0;
}

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * The counts of a parsed template.
 *
 * @param template the parsed template (`JSON.parse` of the `*.template.json` file)
 * @param bodyBytes the template file's size in bytes (default: the bytes of `JSON.stringify(template)`, which is smaller than CDK's indented file)
 */
export function templateLimitCounts(template: Record<string, unknown>, bodyBytes?: number): TemplateLimitCounts {
  const description = template.Description;
  return {
    resources: entries(template.Resources),
    parameters: entries(template.Parameters),
    outputs: entries(template.Outputs),
    mappings: entries(template.Mappings),
    descriptionBytes: typeof description === 'string' ? utf8Bytes(description) : 0,
    bodyBytes: bodyBytes ?? utf8Bytes(JSON.stringify(template)),
  };
}

/**
 * Every per-template CloudFormation limit the template breaks, one sentence each (empty when it
 * deploys): resources, parameters, outputs, mappings, description and body size.
 *
 * @param name what to call the template in the sentences (its file or stack name)
 * @param template the parsed template
 * @param bodyBytes the template file's size in bytes (see `templateLimitCounts`)
 */
export function templateLimitProblems(name: string, template: Record<string, unknown>, bodyBytes?: number): string[] {
  const c = templateLimitCounts(template, bodyBytes);
  const checks: Array<[number, number, string]> = [
    [c.resources, MAX_TEMPLATE_RESOURCES, 'resources'],
    [c.parameters, MAX_TEMPLATE_PARAMETERS, 'parameters'],
    [c.outputs, MAX_TEMPLATE_OUTPUTS, 'outputs'],
    [c.mappings, MAX_TEMPLATE_MAPPINGS, 'mappings'],
    [c.descriptionBytes, MAX_TEMPLATE_DESCRIPTION_BYTES, 'bytes of description'],
    [c.bodyBytes, MAX_TEMPLATE_BODY_BYTES, 'bytes of template body (deployed from S3)'],
  ];
  return checks
    .filter(([count, max]) => count > max)
    .map(([count, max, what]) => `${name}: ${count} ${what}, CloudFormation allows at most ${max}`);
}

/**
 * The stack-count quota: the problem when an account and Region would hold more stacks than the
 * default quota allows (nested stacks included), else undefined.
 *
 * @param environment the account and Region, as written in messages (`aws://123456789012/eu-west-1`)
 * @param stacks the stacks deployed there, nested stacks included
 * @param quota the account's quota, when raised
 */
export function stackCountProblem(environment: string, stacks: number, quota: number = MAX_STACKS_PER_ACCOUNT_REGION): string | undefined {
  return stacks > quota
    ? `${environment}: ${stacks} stacks (nested stacks included), the default CloudFormation quota is ${quota} per account and Region`
    : undefined;
}

/**
 * The nested-stack operation limit: the problem when a root stack and its nested stacks hold more
 * resources than one operation may create, update or delete, else undefined.
 *
 * @param root the root stack's name
 * @param resources resources of the root and every stack nested in it, at any depth
 */
export function nestedOperationProblem(root: string, resources: number): string | undefined {
  return resources > MAX_NESTED_STACK_OPERATION_RESOURCES
    ? `${root}: ${resources} resources in the stack and its nested stacks, one CloudFormation operation may touch at most ${MAX_NESTED_STACK_OPERATION_RESOURCES}`
    : undefined;
}

/**
 * Export names declared more than once in one account and Region, one sentence each: "For each AWS
 * account, Export names must be unique within a region" (`Fn::ImportValue` reference page,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html).
 * The quotas page lists no number of exports per account and Region (the often-quoted 5,000 is not
 * in it), so only this and `MAX_TEMPLATE_OUTPUTS` (every export is an output) are checked.
 *
 * @param environment the account and Region, as written in messages
 * @param names every `Outputs.*.Export.Name` of the stacks deployed there (literal names only)
 */
export function exportNameProblems(environment: string, names: string[]): string[] {
  const seen = new Map<string, number>();
  for (const n of names) {
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  return [...seen.entries()]
    .filter(([, count]) => count > 1)
    .map(([n, count]) => `${environment}: export name ${n} declared ${count} times, export names must be unique per account and Region`);
}
