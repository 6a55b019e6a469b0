import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { goPatternToJs } from '../../scripts/manifest-schema';
import { manifestValidator } from '../support/k8s';

const BROKEN = path.join(__dirname, '..', 'fixtures', 'broken', 'broken.k8s.yaml');

describe('manifest schema validation', () => {
  it('knows the Kubernetes 1.28 core kinds and the vendored CRDs', () => {
    const kinds = manifestValidator().kinds;
    expect(kinds).toEqual(expect.arrayContaining(['apps/v1/Deployment', 'policy/v1/PodDisruptionBudget', 'karpenter.sh/v1/NodePool']));
  });

  it('rejects the broken fixture: an unknown core field and an unknown CRD field', () => {
    const { objects, problems } = manifestValidator().validateFile(BROKEN);
    expect(objects).toBe(2);
    expect(problems).toEqual([
      expect.objectContaining({ object: 'apps/v1 Deployment default/broken', path: '/spec/template/spec/containers/0', message: expect.stringContaining('resourcez') }),
      expect.objectContaining({ object: 'karpenter.sh/v1 NodePool broken-gpu', path: '/spec/template/spec', message: expect.stringContaining('gpuCount') }),
    ]);
  });

  it('rejects wrong types and bad metadata', () => {
    const v = manifestValidator();
    const problems = v.validate(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 1 } }, data: { k: 2 } },
      'inline',
    );
    expect(problems.map((p) => p.path).sort()).toEqual(['/data/k', '/metadata/labels/a']);
  });

  it('checks the metadata of custom resources against ObjectMeta', () => {
    const problems = manifestValidator().validate(
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', annotation: {} }, spec: { groups: [] } },
      'inline',
    );
    expect(problems).toEqual([expect.objectContaining({ path: '/metadata', message: expect.stringContaining('annotation') })]);
  });

  it('never skips a kind it has no schema for', () => {
    const problems = manifestValidator().validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, 'inline');
    expect(problems).toEqual([expect.objectContaining({ message: expect.stringContaining('no schema for example.com/v1 Widget') })]);
  });

  it('accepts a valid object', () => {
    expect(manifestValidator().validate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok' }, data: { a: 'b' } }, 'inline')).toEqual([]);
  });
});

describe('goPatternToJs', () => {
  it.each([
    ['^(?i)(abort|warn)?$', '^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$'],
    ['^[a-z]+$', '^[a-z]+$'],
    ['(?i)[a-c]x\\d', '[a-cA-C][xX]\\d'],
    ['(?i)[^\\da-z_]', '[^\\da-z_A-Z]'],
  ])('%s -> %s', (go, js) => {
    expect(goPatternToJs(go)).toBe(js);
  });
});
