/**
 * Offline schema validation of Kubernetes manifests: core kinds against the Kubernetes 1.28
 * OpenAPI schema (strict: unknown fields are errors), custom resources against the
 * `openAPIV3Schema` of their published CRDs (schemas/crds), with strict field validation as
 * `kubectl apply --validate=strict` does. An object whose kind has no schema is an error, never a
 * skip. Used by the tests and by `npm run validate` (run this file with tsx: files or folders).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as YAML from 'yaml';

export const SCHEMAS_DIR = path.join(__dirname, '..', 'schemas');
const K8S_VERSION_DIR = 'kubernetes/v1.28.0-local-strict';
const K8S_DEFS_ID = 'https://kubernetes.io/api/_definitions.json';
/**
 * Argo Events' published JSON Schema (api/jsonschema/schema.json at v1.9.11): its CRDs carry no
 * schema (`spec` preserves unknown fields), so Sensor, EventSource and EventBus are judged against
 * this instead, strict (unknown fields are errors, as a typo in a filter would otherwise do nothing).
 */
const ARGO_EVENTS_SCHEMA = 'argo-events/argo-events-v1.9.11.jsonschema.json';
const ARGO_EVENTS_ID = 'https://cdk-mlops.local/argo-events-v1.9.11.jsonschema.json';

/** Formats used by the Kubernetes and CRD schemas that carry no constraint JSON Schema can check. */
const OPAQUE_FORMATS = ['int32', 'int64', 'int64-or-string', 'double', 'float', 'byte', 'int-or-string', 'duration', 'quantity', 'uint32', 'uint64', 'binary', 'password'];

export interface ManifestProblem {
  /** File (or label) the object came from. */
  readonly source: string;
  /** `apiVersion kind namespace/name` of the object. */
  readonly object: string;
  /** JSON pointer inside the object. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

export class ManifestValidator {
  public static load(schemasDir: string = SCHEMAS_DIR): ManifestValidator {
    return new ManifestValidator(schemasDir);
  }

  private readonly core: Ajv2020;
  private readonly crd: Ajv;
  /** `group/version/Kind` → validator. */
  private readonly validators = new Map<string, () => ValidateFunction>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly objectMeta: () => ValidateFunction;
  private readonly coreKinds = new Set<string>();

  private constructor(schemasDir: string) {
    this.core = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.core);
    this.crd = new Ajv({ strict: false, allErrors: true });
    addFormats(this.crd);
    for (const f of OPAQUE_FORMATS) {
      this.core.addFormat(f, true);
      this.crd.addFormat(f, true);
    }

    const defs = JSON.parse(fs.readFileSync(path.join(schemasDir, K8S_VERSION_DIR, '_definitions.json'), 'utf8'));
    this.core.addSchema(defs, K8S_DEFS_ID);
    for (const [name, def] of Object.entries<any>(defs.$defs)) {
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
        const key = gvkKey(gvk.group, gvk.version, gvk.kind);
        this.coreKinds.add(key);
        this.validators.set(key, this.lazy(key, () => this.core.compile({ $ref: `${K8S_DEFS_ID}#/$defs/${name}` })));
      }
    }
    const metaRef = `${K8S_DEFS_ID}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
    this.objectMeta = this.lazy('ObjectMeta', () => this.core.compile({ $ref: metaRef }));

    const crdDir = path.join(schemasDir, 'crds');
    for (const file of fs.existsSync(crdDir) ? fs.readdirSync(crdDir).sort() : []) {
      if (!/\.ya?ml$/.test(file)) {
        continue;
      }
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') {
          continue;
        }
        for (const version of crd.spec.versions ?? []) {
          const key = gvkKey(crd.spec.group, version.name, crd.spec.names.kind);
          const schema = version.schema?.openAPIV3Schema;
          if (schema) {
            this.validators.set(key, this.lazy(key, () => this.crd.compile(strictStructural(schema, true))));
          }
        }
      }
    }
    this.loadArgoEvents(path.join(schemasDir, ARGO_EVENTS_SCHEMA));
  }

  /** Sensor, EventSource and EventBus against Argo Events' JSON Schema (over their CRDs' stubs). */
  private loadArgoEvents(file: string): void {
    if (!fs.existsSync(file)) {
      return;
    }
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    const definitions: Record<string, any> = Object.fromEntries(Object.entries<any>(doc.definitions).map(([k, v]) => [k, strictJsonSchema(v)]));
    this.crd.addSchema({ definitions }, ARGO_EVENTS_ID);
    for (const [name, def] of Object.entries<any>(doc.definitions)) {
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
        if (gvk.group === 'argoproj.io') {
          const key = gvkKey(gvk.group, gvk.version, gvk.kind);
          this.validators.set(key, this.lazy(key, () => this.crd.compile({ $ref: `${ARGO_EVENTS_ID}#/definitions/${name}` })));
        }
      }
    }
  }

  /** Kinds this validator knows, as `group/version/Kind`. */
  public get kinds(): string[] {
    return [...this.validators.keys()].sort();
  }

  /** Validate one object; returns its problems (empty when valid). */
  public validate(obj: any, source: string): ManifestProblem[] {
    const [group, version] = splitApiVersion(String(obj?.apiVersion ?? ''));
    const kind = String(obj?.kind ?? '');
    const label = `${obj?.apiVersion} ${kind} ${obj?.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj?.metadata?.name ?? '<no name>'}`;
    const get = this.validators.get(gvkKey(group, version, kind));
    if (!get) {
      return [{ source, object: label, path: '', message: `no schema for ${obj?.apiVersion} ${kind}: add its CRD to schemas/crds` }];
    }
    const problems: ManifestProblem[] = [];
    const check = (fn: ValidateFunction, value: unknown, prefix: string) => {
      if (!fn(value)) {
        for (const e of fn.errors ?? []) {
          const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as any).additionalProperty})` : '';
          problems.push({ source, object: label, path: prefix + e.instancePath, message: `${e.message}${extra}` });
        }
      }
    };
    check(get(), obj, '');
    if (!obj?.metadata?.name) {
      problems.push({ source, object: label, path: '/metadata/name', message: 'must be set' });
    }
    // CRD schemas leave metadata open; hold it to the real ObjectMeta.
    if (!this.isCore(group, version, kind)) {
      check(this.objectMeta(), obj?.metadata, '/metadata');
    }
    return problems;
  }

  /** Validate every document of a YAML file. */
  public validateFile(file: string): { objects: number; problems: ManifestProblem[] } {
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
    const problems: ManifestProblem[] = [];
    let objects = 0;
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        problems.push({ source: file, object: '<yaml>', path: '', message: doc.errors.map((e) => e.message).join('; ') });
        continue;
      }
      const obj = doc.toJS();
      if (obj === null || obj === undefined) {
        continue;
      }
      objects++;
      problems.push(...this.validate(obj, file));
    }
    return { objects, problems };
  }

  private isCore(group: string, version: string, kind: string): boolean {
    return this.coreKinds.has(gvkKey(group, version, kind));
  }

  private lazy(key: string, build: () => ValidateFunction): () => ValidateFunction {
    return () => {
      let fn = this.compiled.get(key);
      if (!fn) {
        fn = build();
        this.compiled.set(key, fn);
      }
      return fn;
    };
  }
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/**
 * Make a CRD structural schema strict the way the API server's strict field validation is:
 * unknown fields are errors unless `x-kubernetes-preserve-unknown-fields`; int-or-string made
 * explicit. The root's `metadata` is checked separately.
 */
function strictStructural(schema: any, root = false): any {
  if (Array.isArray(schema)) {
    return schema.map((s) => strictStructural(s));
  }
  if (schema === null || typeof schema !== 'object') {
    return schema;
  }
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v as any).map(([pk, pv]) => [pk, strictStructural(pv)]));
    } else if (k === 'description' || k === 'example') {
      continue;
    } else if (k === 'pattern' && typeof v === 'string') {
      out[k] = goPatternToJs(v);
    } else {
      out[k] = strictStructural(v);
    }
  }
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const isObject = out.type === 'object' || out.properties !== undefined;
  if (isObject && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (root && out.properties) {
    out.properties.metadata = { type: 'object' };
  }
  return out;
}

/**
 * A JSON Schema made strict: an object with `properties` and no `additionalProperties` admits no
 * other field; descriptions dropped.
 */
function strictJsonSchema(schema: any): any {
  if (Array.isArray(schema)) {
    return schema.map(strictJsonSchema);
  }
  if (schema === null || typeof schema !== 'object') {
    return schema;
  }
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description') {
      continue;
    }
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as any).map(([pk, pv]) => [pk, strictJsonSchema(pv)])) : strictJsonSchema(v);
  }
  if (out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * CRD patterns are Go (RE2) regular expressions. JavaScript lacks the inline `(?i)` flag: expand
 * the letters it covers into `[xX]` classes. Anything else RE2-only fails loudly at compile time.
 */
export function goPatternToJs(pattern: string): string {
  const i = pattern.indexOf('(?i)');
  if (i < 0) {
    return pattern;
  }
  let out = pattern.slice(0, i);
  const rest = pattern.slice(i + 4);
  for (let j = 0; j < rest.length; j++) {
    const c = rest[j];
    if (c === '\\') {
      out += c + (rest[++j] ?? '');
    } else if (c === '[') {
      // A class: keep it, then add the other case of its unescaped letters (ranges included).
      let body = '';
      let k = j + 1;
      if (rest[k] === '^') {
        body += '^';
        k++;
      }
      const start = body.length;
      while (k < rest.length && rest[k] !== ']') {
        body += rest[k] === '\\' ? rest[k] + rest[++k] : rest[k];
        k++;
      }
      const items = body.slice(start);
      out += `[${body}${otherCase(items)}]`;
      j = k;
    } else if (/[a-z]/i.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    } else {
      out += c;
    }
  }
  return out;
}

/** The letters and letter ranges of a character class body in the other case; escapes dropped. */
function otherCase(items: string): string {
  let out = '';
  for (let k = 0; k < items.length; k++) {
    if (items[k] === '\\') {
      k++;
      continue;
    }
    const c = items[k];
    if (/[a-z]/i.test(c)) {
      const swap = (x: string) => (x === x.toLowerCase() ? x.toUpperCase() : x.toLowerCase());
      if (items[k + 1] === '-' && /[a-z]/i.test(items[k + 2] ?? '')) {
        out += `${swap(c)}-${swap(items[k + 2])}`;
        k += 2;
      } else {
        out += swap(c);
      }
    }
  }
  return out;
}

/** Every `*.yaml` / `*.yml` file below the given files and folders, sorted. */
export function findManifests(inputs: string[]): string[] {
  const files: string[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) {
        walk(path.join(p, e));
      }
    } else if (/\.ya?ml$/.test(p)) {
      files.push(p);
    }
  };
  inputs.forEach(walk);
  return files;
}

function main(argv: string[]): number {
  if (argv.length === 0) {
    console.error('usage: tsx scripts/manifest-schema.ts <file-or-dir>...');
    return 2;
  }
  const validator = ManifestValidator.load();
  const files = findManifests(argv);
  let objects = 0;
  let failures = 0;
  for (const file of files) {
    const r = validator.validateFile(file);
    objects += r.objects;
    for (const p of r.problems) {
      failures++;
      console.error(`${p.source}: ${p.object}: ${p.path || '/'} ${p.message}`);
    }
  }
  if (files.length === 0 || objects === 0) {
    console.error(`manifest-schema: no Kubernetes objects found in ${argv.join(' ')}`);
    return 1;
  }
  console.log(`manifest-schema: ${objects} objects in ${files.length} files, ${failures} problems (Kubernetes 1.28 strict + CRDs)`);
  return failures === 0 ? 0 : 1;
}

if (require.main === module) {
  process.exit(main(process.argv.slice(2)));
}
