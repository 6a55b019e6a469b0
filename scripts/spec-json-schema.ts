/**
 * The JSON Schema of the platform spec (spec/platform-spec.schema.json), generated from the one zod
 * schema that `platform.MlPlatform.fromFile` and `platform.MlPlatformChart.fromFile` validate with
 * (`platformSpecSchema`, lib/core/schemas/platform.ts). Editors use it to complete and check a spec
 * file (yaml-language-server: `# yaml-language-server: $schema=<path>` as the first line).
 *
 *   npx tsx scripts/spec-json-schema.ts          write the file
 *   npx tsx scripts/spec-json-schema.ts --check  exit 1 if the committed file differs from a fresh one
 *
 * Draft-07: the draft every JSON Schema tool (yaml-language-server, ajv, IDEs) supports. The schema
 * holds what JSON Schema can say (shape, types, enums, patterns, ranges); zod refinements cannot be
 * expressed, so cross-field rules stay checked at synth. Output is deterministic: keywords in a fixed
 * order, properties in the order the zod schema declares them, 2-space indent, trailing newline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { platformSpecSchema } from '../lib/core/schemas/platform';

export const SPEC_SCHEMA_FILE = path.join(__dirname, '..', 'spec', 'platform-spec.schema.json');
export const REGENERATE_COMMAND = 'npx tsx scripts/spec-json-schema.ts';
export const SPEC_SCHEMA_ID = 'https://raw.githubusercontent.com/cdk-mlops/cdk-mlops/main/spec/platform-spec.schema.json';

const TITLE = 'cdk-mlops platform spec';
const DESCRIPTION = [
  'The platform spec of cdk-mlops: the YAML or JSON file read by platform.MlPlatform.fromFile (AWS) and',
  'platform.MlPlatformChart.fromFile (Kubernetes). Generated from the library\'s zod schema by',
  'scripts/spec-json-schema.ts; do not edit. It checks the shape of a spec: keys (unknown keys are errors),',
  'types, enums, patterns and ranges. Cross-field rules are checked at synth, not here: unique model and',
  'node pool names, node pools that models name, images pinned by digest, the pipeline\'s DAG, training',
  'step and gate, instance counts and autoscaling, drift reference spans, and what only the Kubernetes',
  'rendering requires.',
].join(' ');

/** Draft-07 formats (a zod-only format such as `starts_with` is dropped; its `pattern` stays). */
const STANDARD_FORMATS = new Set([
  'date-time', 'date', 'time', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6', 'uri',
  'uri-reference', 'iri', 'iri-reference', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
]);

/** Keywords of a schema object in the order they are written; others follow, sorted. */
const KEYWORD_ORDER = [
  '$schema', '$id', '$ref', 'title', 'description', '$comment', 'type', 'const', 'enum', 'default',
  'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum',
  'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'items', 'additionalItems', 'contains',
  'minProperties', 'maxProperties', 'properties', 'required', 'propertyNames', 'patternProperties',
  'additionalProperties', 'dependencies', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'definitions',
];
/** Keywords whose value is a schema, an array of schemas, or a map of names to schemas. */
const SCHEMA_KEYWORDS = new Set(['items', 'additionalItems', 'contains', 'propertyNames', 'additionalProperties', 'not', 'if', 'then', 'else']);
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'items']);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);

export interface SpecJsonSchema {
  /** The JSON Schema, keys in their written order. */
  readonly schema: Record<string, unknown>;
  /** The file's text. */
  readonly text: string;
  /** Where the zod schema has what JSON Schema cannot express: there the JSON Schema accepts anything, or drops a pattern. */
  readonly unrepresentable: string[];
  /** Where a zod refinement applies (checked at synth only): `<where>` of the spec, `(root)` for the whole spec. */
  readonly refinements: string[];
}

/** The JSON Schema of a zod schema of the spec (the platform spec unless told). */
export function specJsonSchema(schema: z.ZodType = platformSpecSchema): SpecJsonSchema {
  const unrepresentable = new Set<string>();
  const refinements = new Set<string>();
  const generated = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    // As `unrepresentable: 'any'` (the site accepts anything), recording the site and saying so on it.
    unrepresentable: (ctx) => {
      unrepresentable.add(`${where(ctx.path)}: ${ctx.message}`);
      return { description: `Not checked by this schema (${ctx.message}); checked at synth.` };
    },
    override: (ctx) => {
      const json = ctx.jsonSchema as Record<string, unknown>;
      for (const check of (ctx.zodSchema._zod.def as { checks?: Array<{ _zod: { def: any } }> }).checks ?? []) {
        const def = check._zod.def;
        if (def.check === 'custom') {
          refinements.add(where(ctx.path));
        }
        // JSON Schema patterns have no flags: a flagged regex would check something else, so drop it.
        const pattern: unknown = def.pattern;
        if (pattern instanceof RegExp && pattern.flags.replace(/[gyu]/g, '') !== '') {
          dropPattern(json, pattern.source);
          unrepresentable.add(`${where(ctx.path)}: the regex /${pattern.source}/${pattern.flags} (flags cannot be expressed; pattern dropped)`);
        }
      }
      if (typeof json.format === 'string' && !STANDARD_FORMATS.has(json.format)) {
        delete json.format;
      }
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const ordered = canonical({ $schema, $id: SPEC_SCHEMA_ID, title: TITLE, description: DESCRIPTION, ...rest }) as Record<string, unknown>;
  return {
    schema: ordered,
    text: `${JSON.stringify(ordered, undefined, 2)}\n`,
    unrepresentable: [...unrepresentable].sort(),
    refinements: [...refinements].sort(),
  };
}

/** A schema with its keywords in the written order, recursively (property maps keep their declared order). */
function canonical(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    return node;
  }
  const obj = node as Record<string, unknown>;
  const rank = (k: string) => (KEYWORD_ORDER.includes(k) ? KEYWORD_ORDER.indexOf(k) : KEYWORD_ORDER.length);
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b) || (rank(a) === KEYWORD_ORDER.length ? compare(a, b) : 0));
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = obj[k];
    if (SCHEMA_ARRAY_KEYWORDS.has(k) && Array.isArray(v)) {
      out[k] = v.map(canonical);
    } else if (SCHEMA_KEYWORDS.has(k)) {
      out[k] = canonical(v);
    } else if (SCHEMA_MAP_KEYWORDS.has(k) && typeof v === 'object' && v !== null) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, Array.isArray(s) ? s : canonical(s)]));
    } else {
      out[k] = v;
    }
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dropPattern(json: Record<string, unknown>, source: string): void {
  if (json.pattern === source) {
    delete json.pattern;
  }
  if (Array.isArray(json.allOf)) {
    json.allOf = json.allOf.filter((s: Record<string, unknown>) => s.pattern !== source);
    if ((json.allOf as unknown[]).length === 0) {
      delete json.allOf;
    }
  }
}

/** A JSON Schema path (`properties/models/items/properties/name`) as the spec's key (`models[].name`). */
function where(schemaPath: ReadonlyArray<string | number>): string {
  let out = '';
  for (let i = 0; i < schemaPath.length; i++) {
    const k = schemaPath[i];
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out += `${out ? '.' : ''}${schemaPath[++i]}`;
    } else if (k === 'items' || k === 'additionalItems') {
      out += '[]';
    } else if (k === 'additionalProperties') {
      out += '.*';
    } else if (k === 'propertyNames') {
      out += '.<key>';
    }
  }
  return out || '(root)';
}

/** What `--check` finds: undefined when the file is the fresh generation, else what to do. */
export function checkSpecSchemaFile(file: string = SPEC_SCHEMA_FILE, expected: string = specJsonSchema().text): string | undefined {
  const rel = path.relative(path.join(__dirname, '..'), file);
  if (!fs.existsSync(file)) {
    return `${rel} is missing: run \`${REGENERATE_COMMAND}\` and commit it`;
  }
  const actual = fs.readFileSync(file, 'utf-8');
  if (actual === expected) {
    return undefined;
  }
  const a = actual.split('\n');
  const e = expected.split('\n');
  let line = 0;
  while (line < a.length && line < e.length && a[line] === e[line]) {
    line++;
  }
  return `${rel} is out of date with the zod schema of the spec (lib/core/schemas/platform.ts), first difference at line ${line + 1}: `
    + `run \`${REGENERATE_COMMAND}\` and commit the result`;
}

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`usage: ${REGENERATE_COMMAND} [--check]`);
    return 2;
  }
  const generated = specJsonSchema();
  const rel = path.relative(process.cwd(), SPEC_SCHEMA_FILE);
  for (const u of generated.unrepresentable) {
    console.error(`spec-json-schema: not expressible in JSON Schema, checked at synth only: ${u}`);
  }
  if (argv.includes('--check')) {
    const problem = checkSpecSchemaFile(SPEC_SCHEMA_FILE, generated.text);
    if (problem) {
      console.error(`spec-json-schema: ${problem}`);
      return 1;
    }
    console.log(`spec-json-schema: ${rel} is up to date`);
    return 0;
  }
  const before = fs.existsSync(SPEC_SCHEMA_FILE) ? fs.readFileSync(SPEC_SCHEMA_FILE, 'utf-8') : undefined;
  if (before === generated.text) {
    console.log(`spec-json-schema: ${rel} unchanged (${generated.text.length} bytes)`);
    return 0;
  }
  fs.mkdirSync(path.dirname(SPEC_SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SPEC_SCHEMA_FILE, generated.text);
  console.log(`spec-json-schema: wrote ${rel} (${generated.text.length} bytes; ${generated.refinements.length} refined places checked at synth only)`);
  return 0;
}

if (require.main === module) {
  process.exit(main(process.argv.slice(2)));
}
