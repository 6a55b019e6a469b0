import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import type { z } from 'zod';
import { rejectSelfReference } from './spec-cycles';
import { rejectTokenText } from './spec-tokens';
import { MlopsValidationError, ValidationProblem } from '../../core/errors';
import { collectProblems, renderValue } from '../../core/validation';

/**
 * A spec document (YAML, of which JSON is a subset) parsed into plain data for a schema to check,
 * with what is needed to say where in the file a problem is.
 *
 * Every problem of a document is the one error type, `MlopsValidationError`, with property paths
 * spelled as the document's keys (`naming: 'document'`) and a construct path that names the
 * document and, when known, the line and column of the key concerned:
 * `Stack/Platform (platform.yaml:85:7): models[0].serving.canaryPercent must be from 1 to 50; got 80`.
 * Problems no schema can see (an unreadable file, a syntax error, a duplicate key, an empty
 * document, a list or scalar where the spec's mapping belongs) are reported here.
 */
export class SpecDocument {
  /**
   * Read a spec file: a file that cannot be read (missing, a directory, no permission) is reported
   * as the library's error naming the file, not as the file system's `ENOENT`.
   *
   * @param file the file as the user named it
   * @param where the construct path to name in errors
   * @param schema the spec's schema (its keys are named when the document is empty)
   */
  public static read(file: string, where: string, schema: z.ZodType): SpecDocument {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      throw new MlopsValidationError([{
        constructPath: `${where} (${file})`,
        property: path.basename(file),
        received: renderValue(file),
        allowed: `must be a readable YAML or JSON file (${describeFsError(e)})`,
      }], 'document');
    }
    return SpecDocument.parse(decodeText(bytes), path.basename(file), where, file, schema);
  }

  /**
   * Parse a spec document.
   *
   * @param text the document
   * @param name what to call the document as a whole in errors (its file name)
   * @param where the construct path to name in errors
   * @param label how the location names the document (the file as the user named it)
   * @param schema the spec's schema (its keys are named when the document is empty)
   */
  public static parse(text: string, name: string, where: string, label: string, schema: z.ZodType): SpecDocument {
    // A byte order mark is not content (JSON, RFC 8259 §8.1: parsers may ignore it; YAML 1.2 §5.2).
    const body = text.replace(/^\uFEFF/, '');
    const lines = new YAML.LineCounter();
    const parsed = YAML.parseDocument(body, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
    const doc = new SpecDocument(body, name, where, label, lines, parsed);
    doc.checkSyntax();
    let value: unknown;
    try {
      value = parsed.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw doc.documentError(`must be a YAML or JSON document (${firstLine(e)})`, renderValue(excerpt(body)));
    }
    doc.checkShape(value, schema);
    // An alias inside its own anchor makes data that contains itself: no schema can walk it.
    rejectSelfReference(value, where, (p) => doc.locate(p));
    rejectTokenText(value, where, (p) => doc.locate(p));
    doc.value = value;
    return doc;
  }

  /** The document as plain data. */
  public value: unknown = undefined;

  private constructor(
    private readonly text: string,
    private readonly name: string,
    private readonly where: string,
    private readonly label: string,
    private readonly lines: YAML.LineCounter,
    private readonly doc: YAML.Document.Parsed,
  ) {}

  /**
   * Check the document against schemas and throw one error listing every problem of all of them,
   * each located at the line and column of its key in the file.
   */
  public validate(schemas: ReadonlyArray<z.ZodType>): void {
    const problems = schemas.flatMap((schema) => collectProblems(this.where, schema, this.value));
    if (problems.length > 0) {
      throw new MlopsValidationError(problems.map((p) => this.locate(p)), 'document');
    }
  }

  /** The problem with its construct path naming the document and the line and column of its key. */
  private locate(problem: ValidationProblem): ValidationProblem {
    return { ...problem, constructPath: this.at(offsetOf(this.doc.contents, parsePath(problem.property))) };
  }

  /** `where (label:line:column)` for an offset in the document, `where (label)` without one. */
  private at(offset: number | undefined): string {
    if (offset === undefined) {
      return `${this.where} (${this.label})`;
    }
    const { line, col } = this.lines.linePos(offset);
    return `${this.where} (${this.label}:${line}:${col})`;
  }

  /** A syntax error at its line and column, the offending line as what was received. */
  private checkSyntax(): void {
    const error = this.doc.errors[0];
    if (!error) {
      return;
    }
    const offset = error.pos[0];
    if (error.code === 'DUPLICATE_KEY') {
      const key = duplicateKeyPath(this.text, offset);
      if (key) {
        const first = this.lines.linePos(offsetOf(this.doc.contents, key) ?? 0);
        throw new MlopsValidationError([{
          constructPath: this.at(offset),
          property: formatKeyPath(key),
          received: renderValue(this.lineAt(offset)),
          allowed: `must be unique in its mapping (the key is already set at line ${first.line}, column ${first.col})`,
        }], 'document');
      }
    }
    throw new MlopsValidationError([{
      constructPath: this.at(offset),
      property: this.name,
      received: renderValue(this.lineAt(offset)),
      allowed: `must be a YAML or JSON document (${firstLine(error)})`,
    }], 'document');
  }

  /** An empty document, or a list or scalar where the spec's mapping belongs, said as such. */
  private checkShape(value: unknown, schema: z.ZodType): void {
    const keys = describeKeys(schema);
    if (value === null || value === undefined) {
      throw this.documentError(`is empty; must be a platform spec, a mapping with the keys ${keys}`, renderValue(excerpt(this.text.trim())));
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      const kind = Array.isArray(value) ? 'a list' : `a ${typeof value === 'object' ? 'value' : typeof value}`;
      throw this.documentError(`must be a platform spec, a mapping with the keys ${keys}, not ${kind}`, renderValue(value));
    }
  }

  private documentError(allowed: string, received: string): MlopsValidationError {
    const start = this.doc.contents?.range?.[0];
    return new MlopsValidationError([{ constructPath: this.at(start), property: this.name, received, allowed }], 'document');
  }

  /** The text of the line holding `offset`, trimmed and cut to a readable length. */
  private lineAt(offset: number): string {
    const { line } = this.lines.linePos(offset);
    const text = this.text.split(/\r?\n|\r/)[line - 1] ?? '';
    return excerpt(text.trim());
  }
}

/** The text of a file: UTF-8 without its byte order mark, or UTF-16 when its byte order mark says so (YAML 1.2 §5.2). */
function decodeText(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return bytes.subarray(2).toString('utf16le');
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return bytes.toString('utf-8').replace(/^\uFEFF/, '');
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return firstLine(e);
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function excerpt(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `name, ownership, models (optional: kubernetes)`: the keys of the spec's mapping. */
function describeKeys(schema: z.ZodType): string {
  const shape = objectShape(schema);
  if (!shape) {
    return '';
  }
  const keys = Object.keys(shape);
  const optional = keys.filter((k) => shape[k].safeParse(undefined).success);
  const required = keys.filter((k) => !optional.includes(k));
  return `${required.join(', ')}${optional.length > 0 ? ` (optional: ${optional.join(', ')})` : ''}`;
}

/** The shape of the object a schema validates, through refinements, pipes and wrappers. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let s: any = schema;
  for (let depth = 0; depth < 20 && s; depth++) {
    const def = s._zod?.def;
    if (def?.type === 'object') {
      return def.shape;
    }
    s = def?.type === 'pipe' ? def.in : def?.innerType;
  }
  return undefined;
}

/** `models[0].serving.canaryPercent` → `['models', 0, 'serving', 'canaryPercent']` */
function parsePath(property: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of property.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  }
  return out;
}

function formatKeyPath(keys: ReadonlyArray<string | number>): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/**
 * The offset of the deepest node of `keys` present in the document: the key of a mapping entry,
 * the start of a list item. A problem about a missing key is so placed at its mapping's key.
 */
function offsetOf(node: unknown, keys: ReadonlyArray<string | number>): number | undefined {
  let offset: number | undefined;
  let cur: unknown = node;
  for (const key of keys) {
    if (YAML.isMap(cur)) {
      const pair = cur.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) {
        return offset ?? cur.range?.[0];
      }
      offset = (pair.key as YAML.Scalar).range?.[0] ?? offset;
      cur = pair.value;
    } else if (YAML.isSeq(cur) && typeof key === 'number' && cur.items[key] !== undefined) {
      const item = cur.items[key] as YAML.Node;
      offset = item.range?.[0] ?? offset;
      cur = item;
    } else {
      return offset ?? (YAML.isNode(cur) ? cur.range?.[0] : undefined);
    }
  }
  return offset;
}

/**
 * The key path of the duplicate key at `offset`: the document parsed again with duplicates allowed,
 * then walked down to the mapping entry whose key starts there.
 */
function duplicateKeyPath(text: string, offset: number): Array<string | number> | undefined {
  const loose = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const walk = (node: unknown, at: Array<string | number>): Array<string | number> | undefined => {
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : undefined;
        const range = (pair.key as YAML.Node | null)?.range;
        if (key !== undefined && range && range[0] === offset) {
          return [...at, key];
        }
        const found = key !== undefined ? walk(pair.value, [...at, key]) : undefined;
        if (found) return found;
      }
    } else if (YAML.isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const found = walk(item, [...at, i]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(loose.contents, []);
}
