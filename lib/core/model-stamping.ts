import { createHash } from 'crypto';
import { anyCaseName } from './model-package';
import type { PlatformModelSpec, PlatformSpec } from './platform-spec';

/**
 * Stamping model stacks: what a platform needs to write a model's template from another model's.
 *
 * The library derives everything a model's stack says about the model from its name, in a few
 * forms (the name, its PascalCase in construct paths, a case-insensitive pattern in a parameter's
 * `AllowedPattern` (`anyCaseName`, as `modelPackageVersionArnPattern` writes it), `_` for `-` where
 * a service refuses hyphens). Two models with the same spec
 * apart from their names, and names of the same structure (same length, letters, digits and hyphens
 * in the same places, so nothing is cut or padded differently), then have templates that differ
 * only where those forms are. Whether that holds is never assumed: the platform checks it on two
 * models built from constructs before it copies either (`NameSubstitution` applied to one must give
 * the other, byte for byte).
 */

/** "fraud-v2" → "FraudV2" (construct ids of the models and node pools). */
export function pascalName(name: string): string {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/**
 * A name's structure: letters as `a`, digits as `0`, hyphens kept ("fraud-v2" → "aaaaa-a0"). Names
 * of one structure have the same length and their forms change in the same places.
 */
export function nameStructure(name: string): string {
  return name.replace(/[a-z]/g, 'a').replace(/[A-Z]/g, 'A').replace(/[0-9]/g, '0');
}

/** The forms in which the library writes a model's name into its stack, longest first. */
export function nameForms(name: string): string[] {
  const forms = [name, pascalName(name), anyCaseName(name), name.replace(/-/g, '_')];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** Whether a name has a letter that a hexadecimal string cannot (asset hashes, logical id suffixes). */
export function hasNonHexLetter(name: string): boolean {
  return /[g-z]/.test(name);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * aws-cdk-lib's unique id of a construct path (`Names.uniqueId`, a logical id from the path below
 * the stack): the path's ids without `Default`, alphanumerics only, then the first 8 hexadecimal
 * digits of the MD5 of the path. A name in the path changes the hash, which no substitution of the
 * name's forms can follow: a stamped copy maps each such id of its prototype to its own.
 */
export function cdkUniqueId(components: string[]): string {
  const parts = components.filter((c) => c !== 'Default');
  const alnum = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
  if (parts.length === 1 && alnum(parts[0]).length <= 255) return alnum(parts[0]);
  const hash = createHash('md5').update(parts.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const c of parts) {
    if (human.length === 0 || !human[human.length - 1].endsWith(c)) human.push(c);
  }
  return human.filter((c) => c !== 'Resource').map(alnum).join('').slice(0, 240) + hash;
}

/**
 * Replaces every form of one name by the same form of another, and each of the given strings (ids
 * hashed from a path) by its counterpart, in one pass (nothing is replaced inside a replacement).
 * The two names must have the same structure.
 */
export class NameSubstitution {
  private readonly pattern: RegExp;
  private readonly to: Map<string, string>;

  constructor(from: string, to: string, also: ReadonlyMap<string, string> = new Map()) {
    if (nameStructure(from) !== nameStructure(to)) {
      throw new Error(`names of different structure cannot stand for each other: "${from}" (${nameStructure(from)}), "${to}" (${nameStructure(to)})`);
    }
    const fromForms = nameForms(from);
    this.to = new Map([...fromForms.map((f): [string, string] => [f, formLike(f, from, to)]), ...also]);
    const keys = [...this.to.keys()].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(keys.map(escapeRegExp).join('|'), 'g');
  }

  /** The text with every form of the first name replaced by the second's. */
  public apply(text: string): string {
    return text.replace(this.pattern, (m) => this.to.get(m)!);
  }
}

/** The form of `to` that `form` is of `from`. */
function formLike(form: string, from: string, to: string): string {
  if (form === from) return to;
  if (form === pascalName(from)) return pascalName(to);
  if (form === anyCaseName(from)) return anyCaseName(to);
  return to.replace(/-/g, '_');
}

/** Stamping pays from the third model of a shape on: two are built to check the copies. */
export const MIN_STAMPED_GROUP = 3;

/** JSON with object keys sorted: specs equal in content give the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}

/**
 * The shapes with enough models to stamp, in the spec's order: models of one spec apart from the
 * name (the platform's ownership for those without their own) and names of one structure.
 */
export function stampableGroups(spec: PlatformSpec): PlatformModelSpec[][] {
  const groups = new Map<string, PlatformModelSpec[]>();
  for (const m of spec.models) {
    const { name, ...rest } = m;
    const key = `${nameStructure(name)} ${canonicalJson({ ...rest, ownership: m.ownership ?? spec.ownership })}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].filter((members) => members.length >= MIN_STAMPED_GROUP);
}

/**
 * Whether a model's name can stand for others': it must be nowhere else in its template, so not in
 * a hash (a letter g-z), nor in the spec's text or `context` (the platform's path, the stacks'
 * prefix, account, Region).
 */
export function isPrototypeCandidate(spec: PlatformSpec, m: PlatformModelSpec, context: string): boolean {
  const { name, ...shape } = m;
  const text = `${canonicalJson({ ...spec, models: [shape] })} ${context}`.toLowerCase();
  return hasNonHexLetter(name) && !text.includes(name);
}

/** In how many places two names of one structure differ. */
export function unlikeness(a: string, b: string): number {
  return [...a].filter((c, i) => c !== b[i]).length;
}
