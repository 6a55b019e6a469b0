/**
 * Container image references: the reproducibility rule is "by digest", and a mutable tag never
 * reaches a manifest or a template unless the caller says so.
 */

/** Tags that move by convention: a model served from one is not reproducible. */
export const MUTABLE_TAGS: ReadonlyArray<string> = [
  'latest', 'stable', 'main', 'master', 'edge', 'nightly', 'dev', 'develop', 'head', 'current',
];

const IMAGE_RE =
  /^(?<repository>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** The parts of an image reference. */
export interface ParsedImage {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Parse an image reference, or return undefined when it is not one. */
export function parseImage(ref: string): ParsedImage | undefined {
  const m = IMAGE_RE.exec(ref);
  if (!m || !m.groups) {
    return undefined;
  }
  return { repository: m.groups.repository, tag: m.groups.tag, digest: m.groups.digest };
}

/** What an image reference must be. */
export interface ImagePolicy {
  /** Accept a tag without a digest (a pinned, non-moving tag). */
  readonly allowPinnedTag: boolean;
  /** Accept a tag that moves (`latest`, `main`, …). */
  readonly allowMutableTag: boolean;
}

/**
 * Check an image reference against a policy; returns what is wrong ("must …"), or undefined.
 */
export function checkImage(ref: string, policy: ImagePolicy): string | undefined {
  const parsed = parseImage(ref);
  if (!parsed) {
    return 'must be a container image reference such as registry/repo@sha256:<64 hex>';
  }
  if (parsed.digest) {
    return undefined;
  }
  if (!parsed.tag) {
    return policy.allowMutableTag
      ? undefined
      : 'must be pinned: add @sha256:<digest> (an untagged image means :latest)';
  }
  if (MUTABLE_TAGS.includes(parsed.tag.toLowerCase())) {
    return policy.allowMutableTag
      ? undefined
      : `must be pinned by digest; ":${parsed.tag}" is a moving tag (set allowMutableImageTag to accept it)`;
  }
  if (!policy.allowPinnedTag && !policy.allowMutableTag) {
    return 'must be pinned by digest (@sha256:<64 hex>); tags can be re-pushed';
  }
  return undefined;
}
