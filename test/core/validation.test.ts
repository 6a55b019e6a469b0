import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collectProblems, formatPath, renderValue, unlessToken, validateOrThrow } from '../../lib/core/validation';
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
  ])('formatPath(%j) = %s', (keys, expected) => {
    expect(formatPath(keys as Array<string | number>)).toBe(expected);
  });

  it('cuts long values and names constructs by path', () => {
    expect(renderValue('x'.repeat(200))).toHaveLength(120);
    expect(renderValue({ node: { path: 'Stack/Bucket' } })).toBe('<Stack/Bucket>');
    expect(renderValue(undefined)).toBe('undefined');
  });
});

describe('rules that compare properties judge no token (unlessToken)', () => {
  // A number token as aws-cdk-lib encodes it: a special double; strings carry a marker.
  const NUMBER_TOKEN = -1.8881545897087626e289;
  const isToken = (v: unknown) => v === NUMBER_TOKEN || (typeof v === 'string' && v.includes('${Token['));
  const range = z
    .strictObject({ min: z.number().int().min(0), max: z.number().int().min(1), label: z.string().optional() })
    .superRefine(unlessToken((r, ctx) => {
      if (r.label !== undefined && r.label.length > 5) {
        ctx.addIssue({ code: 'custom', path: ['label'], message: 'must have at most 5 characters' });
      }
      if (r.min > r.max) {
        ctx.addIssue({ code: 'custom', path: ['min'], message: `must not exceed max (${r.max})` });
      }
    }));

  it('drops an issue raised after reading a token, on whichever property it is reported', () => {
    // max is the token, the issue is reported on min: the skip by path alone would keep it
    expect(collectProblems('S/C', range, { min: 3, max: NUMBER_TOKEN }, isToken)).toEqual([]);
    expect(collectProblems('S/C', range, { min: NUMBER_TOKEN, max: 2 }, isToken)).toEqual([]);
  });

  it('keeps an issue decided before any token was read, and judges everything when there is none', () => {
    expect(collectProblems('S/C', range, { min: 1, max: NUMBER_TOKEN, label: 'too long' }, isToken).map((p) => p.property)).toEqual(['label']);
    expect(collectProblems('S/C', range, { min: 3, max: 2 }, isToken)).toEqual([
      { constructPath: 'S/C', property: 'min', received: '3', allowed: 'must not exceed max (2)' },
    ]);
  });

  it('sees tokens read through arrays and nested objects', () => {
    const nested = z.strictObject({ steps: z.array(z.strictObject({ size: z.number() })) }).superRefine(unlessToken((v, ctx) => {
      if (v.steps.map((s) => s.size).reduce((a, b) => a + b, 0) < 10) {
        ctx.addIssue({ code: 'custom', path: ['steps'], message: 'must sum to at least 10' });
      }
    }));
    expect(collectProblems('S/C', nested, { steps: [{ size: 8 }, { size: NUMBER_TOKEN }] }, isToken)).toEqual([]);
    expect(collectProblems('S/C', nested, { steps: [{ size: 1 }, { size: 2 }] }, isToken)).toHaveLength(1);
  });

  it('is the wrapper of every superRefine in lib/core (a rule without it would judge placeholders)', () => {
    const root = path.join(__dirname, '../../lib/core');
    const files = fs.readdirSync(root, { recursive: true, encoding: 'utf-8' }).filter((f) => f.endsWith('.ts'));
    const bare = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(root, f), 'utf-8');
      return [...text.matchAll(/\.superRefine\((?!unlessToken\(|knownAtSynthesis\()/g)].map((m) => `${f}:${text.slice(0, m.index).split('\n').length}`);
    });
    expect(bare).toEqual([]);
  });
});

describe('NaN and infinities are shown as themselves, not as null', () => {
  it('renders them alone and inside objects and lists', () => {
    expect(renderValue(NaN)).toBe('NaN');
    expect(renderValue({ a: NaN, b: [Infinity, -Infinity, 1] })).toBe('{"a":NaN,"b":[Infinity,-Infinity,1]}');
  });

  it('names a NaN that reached a property', () => {
    expect(collectProblems('S/C', schema, { name: 'x', size: NaN })).toEqual([
      { constructPath: 'S/C', property: 'size', received: 'NaN', allowed: 'must be a number' },
    ]);
  });
});

describe('zod\'s generic wording is put in the user\'s terms', () => {
  it('a fraction where a whole number is needed', () => {
    expect(collectProblems('S/C', z.strictObject({ n: z.number().int() }), { n: 1.5 })[0]).toMatchObject({ property: 'n', received: '1.5', allowed: 'must be a whole number' });
  });

  it('a record key that breaks its rule names the key and the rule', () => {
    const env = z.strictObject({ env: z.record(z.string().regex(/^[A-Z_]+$/, 'must be upper case letters and underscores'), z.string()) });
    expect(collectProblems('S/C', env, { env: { 'my-var': 'x' } })).toEqual([
      { constructPath: 'S/C', property: 'env.my-var', received: '"my-var"', allowed: 'is not an allowed key: must be upper case letters and underscores' },
    ]);
  });

  it('a number beyond whole numbers JavaScript holds exactly', () => {
    expect(collectProblems('S/C', z.strictObject({ n: z.number().int() }), { n: 1e21 })[0].allowed).toBe(
      `must be a whole number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
    );
  });
});
