// ARNs of versioned SageMaker model packages (`arn:…:model-package/<group>/<version>`): parsed by
// the promotion handler, checked by `ModelSource.fromModelPackageArn`, and rendered as the
// `AllowedPattern` of the serving stack's model package parameter. Pure functions, no dependencies.

/**
 * A versioned model package ARN.
 * Source: SageMaker API reference, `ModelPackageSummary.ModelPackageArn`
 * (`arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/[\S]{1,2048}`), with the
 * resource name of a versioned package (`<group>/<version>`, the group as `ModelPackageGroupName`:
 * `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`).
 */
const VERSION_ARN = /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]{9,16}):(\d{12}):model-package\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/([1-9]\d{0,9})$/;

/** The parts of a versioned model package ARN. */
export interface ModelPackageVersionArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** Model package group name, as written in the ARN. */
  readonly group: string;
  readonly version: number;
}

/** The parts of a versioned model package ARN, or undefined when `arn` is not one. */
export function parseModelPackageVersionArn(arn: string): ModelPackageVersionArn | undefined {
  const m = VERSION_ARN.exec(arn);
  if (!m) {
    return undefined;
  }
  return { partition: m[1], region: m[2], account: m[3], group: m[4], version: Number(m[5]) };
}

/**
 * Whether two model package group names are the same group. Compared without case: SageMaker
 * lower-cases some resource names in ARNs (endpoints), and unverified whether it does for groups.
 */
export function sameModelPackageGroup(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Where a versioned model package ARN is rendered as a regular expression, the values of its parts (or any). */
export interface ModelPackageArnPatternOptions {
  readonly group?: string;
  readonly region?: string;
  readonly account?: string;
}

/** "fraud-v2" → "[fF][rR][aA][uU][dD]-[vV]2": the name matching either case, as a pattern writes it. */
export function anyCaseName(name: string): string {
  return [...name].map((c) => (/[a-zA-Z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join('');
}

/**
 * A regular expression (as a string, anchored) matching the versioned model package ARNs of one
 * group, for a CloudFormation parameter's `AllowedPattern`: letters of the group match either
 * case, parts not given match any valid value.
 */
export function modelPackageVersionArnPattern(options: ModelPackageArnPatternOptions = {}): string {
  const group = options.group === undefined
    ? '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}'
    : anyCaseName(options.group);
  const region = options.region ?? '[a-z0-9-]{9,16}';
  const account = options.account ?? '[0-9]{12}';
  return `^arn:aws[a-z-]*:sagemaker:${region}:${account}:model-package/${group}/[1-9][0-9]{0,9}$`;
}
