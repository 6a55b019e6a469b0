import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv, { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { z } from 'zod';
import { platformSpecSchema } from '../../lib/core/schemas/platform';
import { checkSpecSchemaFile, REGENERATE_COMMAND, SPEC_SCHEMA_FILE, specJsonSchema } from '../../scripts/spec-json-schema';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'platform.yaml');
const EXAMPLE_TEXT = fs.readFileSync(EXAMPLE, 'utf-8');
const COMMITTED = JSON.parse(fs.readFileSync(SPEC_SCHEMA_FILE, 'utf-8'));

/** Strict ajv: an unknown keyword or format in the schema is a compile error, not a silent pass. */
function validator() {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(COMMITTED);
}
const validate = validator();

function errorsOf(doc: unknown): ErrorObject[] {
  return validate(doc) ? [] : validate.errors ?? [];
}

function example(): any {
  return YAML.parse(EXAMPLE_TEXT);
}

/** The example with one change. */
function variant(change: (spec: any) => void): unknown {
  const spec = example();
  change(spec);
  return spec;
}

/** The sub-schema that describes a key path of a spec (array indexes go to `items`). */
function schemaAt(keys: ReadonlyArray<string | number>): any {
  let s: any = COMMITTED;
  for (const k of keys) {
    s = typeof k === 'number' ? s?.items : s?.properties?.[k] ?? (typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined);
  }
  return s;
}

/** Every key path of a parsed document, leaves and containers. */
function keyPaths(node: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(node)) {
    return node.flatMap((v, i) => [[...at, i], ...keyPaths(v, [...at, i])]);
  }
  if (typeof node === 'object' && node !== null) {
    return Object.entries(node).flatMap(([k, v]) => [[...at, k], ...keyPaths(v, [...at, k])]);
  }
  return [];
}

describe('the JSON Schema of the platform spec (spec/platform-spec.schema.json)', () => {
  it('is the fresh generation from the zod schema (regenerate with the script when this fails)', () => {
    const fresh = specJsonSchema();
    expect(fs.readFileSync(SPEC_SCHEMA_FILE, 'utf-8'), `run ${REGENERATE_COMMAND}`).toBe(fresh.text);
    expect(checkSpecSchemaFile()).toBeUndefined();
  });

  it('is deterministic, draft-07, 2-space indented, with a trailing newline and its $id, title and description', () => {
    const a = specJsonSchema().text;
    expect(specJsonSchema().text).toBe(a);
    expect(a.endsWith('}\n')).toBe(true);
    expect(a.split('\n')[1]).toBe('  "$schema": "http://json-schema.org/draft-07/schema#",');
    expect(Object.keys(COMMITTED).slice(0, 5)).toEqual(['$schema', '$id', 'title', 'description', 'type']);
    expect(COMMITTED.$id).toMatch(/^https:\/\/.+\/spec\/platform-spec\.schema\.json$/);
    expect(COMMITTED.description).toContain('checked at synth');
  });

  it('--check names the file and the command to regenerate it when the committed file differs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spec-schema-'));
    const stale = path.join(dir, 'platform-spec.schema.json');
    fs.writeFileSync(stale, specJsonSchema().text.replace('"minItems": 1', '"minItems": 2'));
    expect(checkSpecSchemaFile(stale)).toMatch(/platform-spec\.schema\.json is out of date .* line \d+: run `npx tsx scripts\/spec-json-schema\.ts`/);
    expect(checkSpecSchemaFile(path.join(dir, 'missing.json'))).toContain(`run \`${REGENERATE_COMMAND}\``);
  });

  it('is referenced by the example\'s first line, for yaml-language-server', () => {
    const [first] = EXAMPLE_TEXT.split('\n');
    expect(first).toBe('# yaml-language-server: $schema=../spec/platform-spec.schema.json');
    expect(path.resolve(path.dirname(EXAMPLE), first.split('$schema=')[1])).toBe(SPEC_SCHEMA_FILE);
  });

  it('accepts the example spec (examples/platform.yaml), which the zod schema accepts too', () => {
    expect(platformSpecSchema.safeParse(example()).success).toBe(true);
    expect(errorsOf(example())).toEqual([]);
  });

  it('describes every key of the example spec with a type or an enum (none fell back to "anything")', () => {
    const paths = keyPaths(example());
    expect(paths.length).toBeGreaterThan(100);
    const undescribed = paths.filter((p) => {
      const s = schemaAt(p);
      return s === undefined || (s.type === undefined && s.enum === undefined);
    });
    expect(undescribed.map((p) => p.join('.'))).toEqual([]);
  });

  describe.each<[string, (spec: any) => void, string, string | string[], Array<string | number>]>([
    // what, change, JSON Schema instancePath, keyword(s), zod issue path
    ['unknown key at the top level', (s) => { s.nmae = 'acme'; }, '', 'additionalProperties', []],
    ['unknown key in a model', (s) => { s.models[0].serving.canaryPercnt = 10; }, '/models/0/serving', 'additionalProperties', ['models', 0, 'serving']],
    ['unknown key in a node pool', (s) => { s.kubernetes.nodePools[1].spot = true; }, '/kubernetes/nodePools/1', 'additionalProperties', ['kubernetes', 'nodePools', 1]],
    ['wrong type: a string for a number', (s) => { s.models[0].serving.initialModelVersion = '7'; }, '/models/0/serving/initialModelVersion', 'type', ['models', 0, 'serving', 'initialModelVersion']],
    ['wrong type: a fraction for an integer', (s) => { s.models[0].serving.bakeMinutes = 1.5; }, '/models/0/serving/bakeMinutes', 'type', ['models', 0, 'serving', 'bakeMinutes']],
    ['wrong type: a number for a CPU quantity', (s) => { s.models[0].training.kubernetes.cpu = 4; }, '/models/0/training/kubernetes/cpu', 'type', ['models', 0, 'training', 'kubernetes', 'cpu']],
    ['enum: a GPU the catalog lacks', (s) => { s.kubernetes.nodePools[0].gpu = 'A10'; }, '/kubernetes/nodePools/0/gpu', 'enum', ['kubernetes', 'nodePools', 0, 'gpu']],
    ['enum: a weekday in lowercase', (s) => { s.models[0].training.weeklyOn = 'mon'; }, '/models/0/training/weeklyOn', 'enum', ['models', 0, 'training', 'weeklyOn']],
    ['missing required name (platform)', (s) => { delete s.name; }, '', 'required', ['name']],
    ['missing required name (model)', (s) => { delete s.models[0].name; }, '/models/0', 'required', ['models', 0, 'name']],
    ['out of range: hourUtc 24', (s) => { s.models[0].training.hourUtc = 24; }, '/models/0/training/hourUtc', 'maximum', ['models', 0, 'training', 'hourUtc']],
    ['out of range: canaryPercent 60', (s) => { s.models[0].serving.canaryPercent = 60; }, '/models/0/serving/canaryPercent', 'maximum', ['models', 0, 'serving', 'canaryPercent']],
    ['out of range: modelSizeGiB 0 (exclusive minimum)', (s) => { s.models[0].serving.modelSizeGiB = 0; }, '/models/0/serving/modelSizeGiB', 'exclusiveMinimum', ['models', 0, 'serving', 'modelSizeGiB']],
    ['pattern: a short commit SHA', (s) => { s.models[0].training.codeCommit = '89abcde'; }, '/models/0/training/codeCommit', 'pattern', ['models', 0, 'training', 'codeCommit']],
    ['pattern: a label key of prometheusRuleLabels', (s) => { s.kubernetes.prometheusRuleLabels['not a key'] = 'x'; }, '/kubernetes/prometheusRuleLabels', ['pattern', 'propertyNames'], ['kubernetes', 'prometheusRuleLabels', 'not a key']],
    ['minItems: no model', (s) => { s.models = []; }, '/models', 'minItems', ['models']],
  ])('%s', (_what, change, instancePath, keyword, zodPath) => {
    const spec = variant(change);

    it(`fails the JSON Schema at "${instancePath}" (${keyword})`, () => {
      const expected = (Array.isArray(keyword) ? keyword : [keyword]).map((k) => ({ instancePath, keyword: k }));
      expect(errorsOf(spec).map((e) => ({ instancePath: e.instancePath, keyword: e.keyword }))).toEqual(expected);
    });

    it('is refused by the zod schema too, at the same key', () => {
      const parsed = platformSpecSchema.safeParse(spec);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => i.path)).toContainEqual(zodPath);
    });
  });

  it('generates from zod types JSON Schema cannot express without throwing, accepting anything there and saying so', () => {
    const g = specJsonSchema(z.strictObject({
      custom: z.custom<string>((v) => typeof v === 'string'),
      transformed: z.string().transform((v) => v.length),
      when: z.date().optional(),
      caseless: z.string().regex(/^abc$/i),
      prefixed: z.string().startsWith('x-'),
      refined: z.string().min(1).refine((v) => v !== 'x'),
    }));
    const props = (g.schema as any).properties;
    expect(props.custom).toEqual({ description: expect.stringContaining('checked at synth') });
    expect(props.transformed).toEqual({ type: 'string' });
    expect(props.when.description).toContain('checked at synth');
    // A flagged regex would check something else: it is dropped, not turned case-sensitive.
    expect(props.caseless).toEqual({ type: 'string' });
    expect(props.prefixed).toEqual({ type: 'string', pattern: '^x-.*' });
    expect(g.unrepresentable).toEqual([
      'caseless: the regex /^abc$/i (flags cannot be expressed; pattern dropped)',
      'custom: Custom types cannot be represented in JSON Schema',
      'when: Date cannot be represented in JSON Schema',
    ]);
    expect(g.refinements).toEqual(['refined']);
    const ajv = new Ajv({ strict: true });
    expect(ajv.validate(g.schema, { custom: 1, transformed: 'abc', caseless: 'ABC', prefixed: 'x-1', refined: 'x' })).toBe(true);
  });

  it('lists the refinements of the platform spec it cannot express (checked at synth)', () => {
    expect(specJsonSchema().refinements).toEqual(expect.arrayContaining([
      '(root)', 'kubernetes', 'kubernetes.registerImage', 'models[].pipeline', 'models[].serving', 'models[].drift.features',
    ]));
    expect(specJsonSchema().unrepresentable).toEqual([]);
  });
});
