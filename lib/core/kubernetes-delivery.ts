/**
 * What delivering cdk8s charts to a cluster through aws-cdk-lib's `aws-eks` costs and allows: the
 * size a chart takes when inlined into a CloudFormation template, and the limit it must stay under.
 */
import { MAX_TEMPLATE_BODY_BYTES, utf8Bytes } from './cloudformation-limits';

/**
 * The most a chart's manifest may take in a template when EKS delivers it: the template body
 * limit, 1,000,000 bytes (`MAX_TEMPLATE_BODY_BYTES`), which the manifest shares with the rest of its
 * stack.
 *
 * `cluster.addCdk8sChart(id, chart)` (aws-cdk-lib 2.276.0 `aws-eks`, `Cluster.addCdk8sChart`) makes a
 * `KubernetesManifest` in the cluster's scope whose custom resource carries the chart inline, as
 * the property `Manifest: stack.toJsonString(chart.toJson())` (`aws-eks/lib/k8s-manifest.js`): the
 * chart's JSON is a string in the stack's template. CloudFormation refuses a larger template with
 * "Template may not exceed 1000000 bytes in size" (the error quoted in aws/aws-cdk#17362, "Reduce
 * template size when using addCdk8sChart on Cluster with many resources"). Every manifest added
 * with `addCdk8sChart` lands in the cluster's stack: to spread charts over templates, make each
 * `KubernetesManifest` in a stack of its own.
 *
 * The same properties travel in the event CloudFormation sends to the custom resource's Lambda
 * function, an asynchronous invocation, limited to 1 MB (Lambda `Invoke` API reference; 262,144
 * bytes until 2025, the error of aws/aws-cdk#19165): the template limit, with the manifest escaped
 * once more inside the template, is reached first.
 */
export const EKS_INLINE_MANIFEST_MAX_BYTES = MAX_TEMPLATE_BODY_BYTES;

/**
 * The bytes a chart's objects take inside a CloudFormation template when `aws-eks` inlines them:
 * the JSON text of the list (`stack.toJsonString`), written as a JSON string (quotes and
 * backslashes escaped), UTF-8.
 */
export function inlinedManifestBytes(objects: readonly unknown[]): number {
  return utf8Bytes(JSON.stringify(JSON.stringify(objects)));
}
