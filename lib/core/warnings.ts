/**
 * The one warning mechanism of both targets.
 *
 * A warning is construct metadata in the format of aws-cdk-lib's `Annotations.addWarningV2`
 * (type `aws:cdk:warning`, data `<message> [ack: <id>]`), written through `constructs` only, so
 * core stays target-neutral and a cdk8s chart carries warnings the same way a CDK stack does:
 * - on AWS, `cdk synth` prints them, `Annotations.fromStack(stack).hasWarning(...)` finds them and
 *   `Annotations.of(scope).acknowledgeWarning(id)` removes them (call it after the construct is built:
 *   an acknowledgement recorded before a warning exists is aws-cdk-lib's private state, which this
 *   target-neutral helper cannot read);
 * - on Kubernetes, `warningsOf(scope)` lists them (cdk8s itself prints nothing).
 */

/** The metadata type aws-cdk-lib uses for warnings (cloud-assembly-schema `ArtifactMetadataEntryType.WARN`). */
export const WARNING_METADATA_TYPE = 'aws:cdk:warning';

/** The part of a construct a warning needs (structural, so core does not import `constructs`). */
export interface WarningScope {
  readonly node: {
    readonly path: string;
    readonly metadata: ReadonlyArray<{ readonly type: string; readonly data: unknown }>;
    readonly children: ReadonlyArray<WarningScope>;
    addMetadata(type: string, data: unknown, options?: { stackTrace?: boolean }): void;
  };
}

/** `<message> [ack: <id>]`: what `Annotations.addWarningV2` writes. */
export function formatWarning(id: string, message: string): string {
  return `${message} [ack: ${id}]`;
}

/** Add a warning to `scope` once (the same warning twice is kept once). */
export function addWarning(scope: WarningScope, id: string, message: string): void {
  const data = formatWarning(id, message);
  if (!scope.node.metadata.some((m) => m.type === WARNING_METADATA_TYPE && m.data === data)) {
    scope.node.addMetadata(WARNING_METADATA_TYPE, data, { stackTrace: false });
  }
}

/** A warning found on a construct. */
export interface FoundWarning {
  /** Path of the construct that carries it. */
  readonly constructPath: string;
  /** The id to acknowledge it with. */
  readonly id: string;
  /** The message. */
  readonly message: string;
}

/** Every warning on `scope` and below, in construct-tree order. */
export function warningsOf(scope: WarningScope): FoundWarning[] {
  const out: FoundWarning[] = [];
  const visit = (c: WarningScope) => {
    for (const m of c.node.metadata) {
      if (m.type !== WARNING_METADATA_TYPE || typeof m.data !== 'string') continue;
      const match = /^(.*) \[ack: ([^\]]+)\]$/s.exec(m.data);
      out.push({ constructPath: c.node.path, id: match ? match[2] : '', message: match ? match[1] : m.data });
    }
    c.node.children.forEach(visit);
  };
  visit(scope);
  return out;
}
