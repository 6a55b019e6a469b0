/**
 * aws-cdk-lib's deploy-time values as they appear in text, recognised without importing
 * aws-cdk-lib (core stays target-neutral, and the Kubernetes constructs do not depend on it).
 *
 * A chart delivered to EKS by `cluster.addCdk8sChart` may carry aws-cdk-lib tokens (a role's ARN,
 * a bucket's name): cdk8s passes their text through, and the manifest's stack resolves them. The
 * encoding is aws-cdk-lib's (2.276.0 `core/lib/private/encoding.js`): a string token is
 * `${Token[<key>]}`, a list element `#{Token[<key>]}`, the key of the characters `a-zA-Z0-9:._-`.
 */

const TOKEN_TEXT = /[$#]\{Token\[[a-zA-Z0-9:._-]+\]\}/;

/** Whether a value is, or contains, the text of an aws-cdk-lib string or list token. */
export function isCdkTokenText(value: unknown): boolean {
  return typeof value === 'string' && TOKEN_TEXT.test(value);
}
