import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collectProblems, formatPath, renderValue, validateOrThrow } from '../../lib/core/validation';
import { expectValidationError } from '../support/aws';

const schema = z.strictObject({
  name: z.string().min(1),
  size: z.number().int().min(1).max(10).optional(),
  kind: z.enum(['a', 'b']).optional(),
  ids: z.array(z.string().regex(/^\d{3}$/, 'must be three digits')).optional(),
});

describe('validateOrThrow', () => {
  it('accepts valid input', () => {
    expect(() => validateOrThrow('S/C', schema, { name: 'x', size: 3 })).not.toThrow();
  });

  it('phrases generic zod issues as what is allowed', () => {
    const problems = collectProblems('S/C', schema, { name: '', size: 11, kind: 'c' });
    expect(problems).toEqual([
      { constructPath: 'S/C', property: 'name', received: '""', allowed: 'must have at least 1 characters' },
      { constructPath: 'S/C', property: 'size', received: '11', allowed: 'must be at most 10' },
      { constructPath: 'S/C', property: 'kind', received: '"c"', allowed: 'must be one of "a" | "b"' },
    ]);
  });

  it('uses the schema\'s own "must" message and indexes array elements', () => {
    const e = expectValidationError(() => validateOrThrow('S/C', schema, { name: 'x', ids: ['123', '12'] }));
    expect(e.message).toBe('S/C: ids[1] must be three digits; got "12"');
  });

  it('reports a missing required property as undefined', () => {
    const [p] = collectProblems('S/C', schema, {});
    expect(p).toMatchObject({ property: 'name', received: 'undefined', allowed: 'must be a string' });
  });

  it('reports each unknown property by its own path', () => {
    const problems = collectProblems('S/C', schema, { name: 'x', sise: 3 });
    expect(problems).toEqual([
      { constructPath: 'S/C', property: 'sise', received: '3', allowed: 'is not a known property (check its spelling and nesting)' },
    ]);
  });

  it('does not judge unresolved tokens', () => {
    const isToken = (v: unknown) => typeof v === 'string' && v.startsWith('${Token[');
    expect(collectProblems('S/C', schema, { name: 'x', ids: ['${Token[TOKEN.1]}'] }, isToken)).toEqual([]);
    // ...but still judges the resolved values next to them
    expect(collectProblems('S/C', schema, { name: 'x', ids: ['${Token[TOKEN.1]}', 'no'] }, isToken)).toHaveLength(1);
  });
});

describe('formatPath and renderValue', () => {
  it.each([
    [['a'], 'a'],
    [['a', 0, 'b'], 'a[0].b'],
    [[0], '[0]'],
    [[], ''],
  ])('formatPath(%j) = %s', (path, expected) => {
    expect(formatPath(path as Array<string | number>)).toBe(expected);
  });

  it('cuts long values and names constructs by path', () => {
    expect(renderValue('x'.repeat(200))).toHaveLength(120);
    expect(renderValue({ node: { path: 'Stack/Bucket' } })).toBe('<Stack/Bucket>');
    expect(renderValue(undefined)).toBe('undefined');
  });
});
