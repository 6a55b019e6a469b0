import { describe, expect, it } from 'vitest';
import { checkImage, parseImage } from '../../lib/core/image';

const DIGEST = 'sha256:' + 'a'.repeat(64);
const digestOnly = { allowPinnedTag: false, allowMutableTag: false };
const pinnedTag = { allowPinnedTag: true, allowMutableTag: false };

describe('checkImage', () => {
  it.each([
    [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@${DIGEST}`, digestOnly],
    [`ghcr.io/mlflow/mlflow:v2.17.2@${DIGEST}`, digestOnly],
    ['ghcr.io/mlflow/mlflow:v2.17.2', pinnedTag],
    ['localhost:5000/team/model:1.4.0', pinnedTag],
  ])('accepts %s', (ref, policy) => {
    expect(checkImage(ref, policy)).toBeUndefined();
  });

  it.each([
    ['nginx:latest', pinnedTag, /moving tag/],
    ['nginx:Latest', pinnedTag, /moving tag/],
    ['registry.example.com/model:main', pinnedTag, /moving tag/],
    ['nginx', pinnedTag, /untagged image means :latest/],
    ['ghcr.io/mlflow/mlflow:v2.17.2', digestOnly, /pinned by digest/],
    ['Not An Image', pinnedTag, /container image reference/],
    ['repo@sha256:abc', pinnedTag, /container image reference/],
  ])('rejects %s', (ref, policy, message) => {
    expect(checkImage(ref, policy)).toMatch(message);
  });

  it('accepts a moving tag only when explicitly allowed', () => {
    expect(checkImage('nginx:latest', { allowPinnedTag: true, allowMutableTag: true })).toBeUndefined();
  });

  it('parses registry ports, tags and digests apart', () => {
    expect(parseImage(`localhost:5000/a/b:1.0@${DIGEST}`)).toEqual({ repository: 'localhost:5000/a/b', tag: '1.0', digest: DIGEST });
  });
});
