/**
 * The platform spec fuzzer (issue 14): seeded, deterministic mutations of a valid spec document,
 * applied to its parsed YAML `Document` (deleted keys, values of another type, out-of-range
 * numbers, duplicate keys, reordered / duplicated / emptied lists, unknown keys, wrong nesting,
 * aliases) and to its text (a duplicated line, a cut), and the mutations a spec file must survive
 * unchanged (reordered map keys, comments, its JSON form, a BOM, CRLF, flow style, quoting).
 *
 * Used by test/platform/spec-fuzz.test.ts; no dependency beyond `yaml` (already the library's).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { App as K8sApp } from 'cdk8s';
import * as YAML from 'yaml';
import { MlopsValidationError } from '../../lib/core/errors';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';

/* eslint-disable no-bitwise -- a 32-bit PRNG and hash are bit operations */

/** mulberry32: a small, fast, seeded 32-bit PRNG (deterministic on every platform). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  public int(n: number): number {
    return Math.floor(this.next() * n);
  }

  public pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  public chance(p: number): boolean {
    return this.next() < p;
  }

  public shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** FNV-1a of a text: the seed of one case, from the run's seed, the target and the case number. */
export function caseSeed(seed: number, target: string, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${target}:${index}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/* eslint-enable no-bitwise */

/** Values of every type a spec key might wrongly get. */
const WRONG_VALUES: unknown[] = [
  '', ' ', 'x', 'true', 'null', '~', '-1', '0', '1e400', 'NaN', '.nan', 'Infinity', '0x10', '1_000',
  'ü日本語🚀', 'a'.repeat(5000), 'tab\there', 'line\nbreak', '__proto__', 'constructor', 'toString',
  'MON ', 'mon', 'ARGO_ROLLOUT ', 'argo_rollout', 's3://', 's3://b/', 'http://', 'ml.', 'ml.g5.xlarge ',
  0, -1, -0.5, 0.5, 1.5, 7, 99.99, 1e308, -1e308, 2 ** 53 + 1, Infinity, -Infinity, NaN, 1e-300,
  true, false, null,
  [], ['a'], [1, 2], [[]], [{}], [null],
  {}, { a: 1 }, { name: 'x' }, { '': '' },
];

/** Numbers outside (and at the edges of) every range the spec has. */
const EXTREME_NUMBERS: number[] = [
  -1, 0, -0.0001, 0.5, 1.0000001, 23.5, 24, 50.5, 51, 100.5, 101, 120.5, 121, 1000, 1001, 10081, 65536,
  2 ** 31, 2 ** 53 + 1, 1e21, 1e308, -1e308, Infinity, -Infinity, NaN, 5e-324,
];

/** Names of keys the spec does not have (typos, prototype names, odd text). */
const UNKNOWN_KEYS = ['extra', 'nodepool', 'InstanceType', 'replicas', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'ü', '0', 'null', 'a.b', '<<'];

type Parent = YAML.YAMLMap | YAML.YAMLSeq;

/** A place in the document: an item of a map (a pair) or of a sequence. */
interface Slot {
  readonly parent: Parent;
  readonly index: number;
  readonly path: string;
}

function slotValue(s: Slot): unknown {
  const item = s.parent.items[s.index];
  return YAML.isPair(item) ? item.value : item;
}

function setSlotValue(s: Slot, value: unknown): void {
  if (YAML.isMap(s.parent)) {
    (s.parent.items[s.index] as YAML.Pair).value = value;
  } else {
    (s.parent as YAML.YAMLSeq).items[s.index] = value;
  }
}

function keyOf(pair: unknown): string {
  const key = YAML.isPair(pair) ? pair.key : undefined;
  return YAML.isScalar(key) ? String(key.value) : String(key);
}

function collect(node: unknown, at: string, slots: Slot[], collections: Array<{ node: Parent; path: string }>): void {
  if (YAML.isMap(node)) {
    collections.push({ node, path: at });
    node.items.forEach((pair, index) => {
      const p = at === '' ? keyOf(pair) : `${at}.${keyOf(pair)}`;
      slots.push({ parent: node, index, path: p });
      collect(pair.value, p, slots, collections);
    });
  } else if (YAML.isSeq(node)) {
    collections.push({ node, path: at });
    node.items.forEach((item, index) => {
      const p = `${at}[${index}]`;
      slots.push({ parent: node, index, path: p });
      collect(item, p, slots, collections);
    });
  }
}

interface Walked {
  readonly slots: Slot[];
  readonly maps: Array<{ node: YAML.YAMLMap; path: string }>;
  readonly seqs: Array<{ node: YAML.YAMLSeq; path: string }>;
}

function walk(doc: YAML.Document): Walked {
  const slots: Slot[] = [];
  const collections: Array<{ node: Parent; path: string }> = [];
  collect(doc.contents, '', slots, collections);
  return {
    slots,
    maps: collections.filter((c): c is { node: YAML.YAMLMap; path: string } => YAML.isMap(c.node)),
    seqs: collections.filter((c): c is { node: YAML.YAMLSeq; path: string } => YAML.isSeq(c.node)),
  };
}

const show = (v: unknown) => {
  const text = typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/** One mutation of the document; returns what it did, or undefined when it found nothing to do. */
type Operator = (doc: YAML.Document, rng: Rng) => string | undefined;

const operators: Record<string, Operator> = {
  deleteKey: (doc, rng) => {
    const slots = walk(doc).slots.filter((s) => YAML.isMap(s.parent));
    if (slots.length === 0) return undefined;
    const s = rng.pick(slots);
    s.parent.items.splice(s.index, 1);
    return `delete ${s.path}`;
  },
  wrongType: (doc, rng) => {
    const s = rng.pick(walk(doc).slots);
    const value = rng.pick(WRONG_VALUES);
    setSlotValue(s, doc.createNode(value));
    return `set ${s.path} = ${show(value)}`;
  },
  outOfRange: (doc, rng) => {
    const slots = walk(doc).slots;
    const numeric = slots.filter((s) => YAML.isScalar(slotValue(s)) && typeof (slotValue(s) as YAML.Scalar).value === 'number');
    const s = rng.pick(numeric.length > 0 && rng.chance(0.85) ? numeric : slots);
    const value = rng.pick(EXTREME_NUMBERS);
    setSlotValue(s, doc.createNode(value));
    return `set ${s.path} = ${show(value)}`;
  },
  duplicateKey: (doc, rng) => {
    const slots = walk(doc).slots.filter((s) => YAML.isMap(s.parent));
    if (slots.length === 0) return undefined;
    const s = rng.pick(slots);
    const pair = s.parent.items[s.index] as YAML.Pair;
    const value = rng.chance(0.5) ? doc.createNode(rng.pick(WRONG_VALUES)) : YAML.isNode(pair.value) ? pair.value.clone() : pair.value;
    s.parent.items.splice(s.index + 1, 0, new YAML.Pair(doc.createNode(keyOf(pair)), value));
    return `duplicate key ${s.path}`;
  },
  reorderList: (doc, rng) => {
    const seqs = walk(doc).seqs.filter((c) => c.node.items.length > 1);
    if (seqs.length === 0) return undefined;
    const c = rng.pick(seqs);
    if (rng.chance(0.5)) {
      c.node.items.reverse();
    } else {
      rng.shuffle(c.node.items);
    }
    return `reorder ${c.path || '<root>'}`;
  },
  duplicateItem: (doc, rng) => {
    const seqs = walk(doc).seqs.filter((c) => c.node.items.length > 0);
    if (seqs.length === 0) return undefined;
    const c = rng.pick(seqs);
    const i = rng.int(c.node.items.length);
    const item = c.node.items[i];
    c.node.items.splice(rng.int(c.node.items.length + 1), 0, YAML.isNode(item) ? item.clone() : item);
    return `duplicate ${c.path}[${i}]`;
  },
  emptyList: (doc, rng) => {
    const seqs = walk(doc).seqs;
    if (seqs.length === 0) return undefined;
    const c = rng.pick(seqs);
    if (rng.chance(0.5) || c.node.items.length < 2) {
      c.node.items = [];
      return `empty ${c.path}`;
    }
    const i = rng.int(c.node.items.length);
    c.node.items.splice(i, 1);
    return `remove ${c.path}[${i}]`;
  },
  unknownKey: (doc, rng) => {
    const maps = walk(doc).maps;
    if (maps.length === 0) return undefined;
    const c = rng.pick(maps);
    const key = rng.pick(UNKNOWN_KEYS);
    const value = rng.pick(WRONG_VALUES);
    c.node.items.splice(rng.int(c.node.items.length + 1), 0, new YAML.Pair(doc.createNode(key), doc.createNode(value)));
    return `add ${c.path || '<root>'}.${JSON.stringify(key)} = ${show(value)}`;
  },
  nestWrong: (doc, rng) => {
    const { slots, maps } = walk(doc);
    const s = rng.pick(slots);
    const value = slotValue(s);
    switch (rng.int(4)) {
      case 0: { // a value wrapped in a list
        const seq = new YAML.YAMLSeq();
        seq.items.push(value);
        setSlotValue(s, seq);
        return `wrap ${s.path} in a list`;
      }
      case 1: { // a value wrapped in a map
        const map = new YAML.YAMLMap();
        map.items.push(new YAML.Pair(doc.createNode('value'), value));
        setSlotValue(s, map);
        return `wrap ${s.path} in a map`;
      }
      case 2: { // a key moved into another map
        if (!YAML.isMap(s.parent)) return undefined;
        const target = rng.pick(maps);
        if (target.node === s.parent) return undefined;
        const [pair] = s.parent.items.splice(s.index, 1);
        target.node.items.push(pair as YAML.Pair);
        return `move ${s.path} into ${target.path || '<root>'}`;
      }
      default: { // a list item's contents unwrapped into its parent
        if (!YAML.isSeq(value) || value.items.length === 0) return undefined;
        setSlotValue(s, value.items[0]);
        return `unwrap ${s.path} (its first item instead of the list)`;
      }
    }
  },
  renameKey: (doc, rng) => {
    const slots = walk(doc).slots.filter((s) => YAML.isMap(s.parent));
    if (slots.length === 0) return undefined;
    const s = rng.pick(slots);
    const pair = s.parent.items[s.index] as YAML.Pair;
    const key = keyOf(pair);
    const renamed = rng.pick([key.toUpperCase(), key.toLowerCase(), `${key}s`, key.slice(0, -1), ` ${key}`, key.replace(/[A-Z]/, (c) => `_${c.toLowerCase()}`)]);
    pair.key = doc.createNode(renamed);
    return `rename ${s.path} to ${JSON.stringify(renamed)}`;
  },
  editString: (doc, rng) => {
    const strings = walk(doc).slots.filter((s) => YAML.isScalar(slotValue(s)) && typeof (slotValue(s) as YAML.Scalar).value === 'string');
    if (strings.length === 0) return undefined;
    const s = rng.pick(strings);
    const v = String((slotValue(s) as YAML.Scalar).value);
    const edited = rng.pick([v.toUpperCase(), `${v} `, ` ${v}`, v.repeat(20), v.slice(0, Math.floor(v.length / 2)), `${v}-`, `${v}\u00e9`, v.replace(/[a-z]/, 'Ü'), `${v},x`, `${v}/`, '']);
    setSlotValue(s, doc.createNode(edited));
    return `set ${s.path} = ${show(edited)}`;
  },
  alias: (doc, rng) => {
    const slots = walk(doc).slots;
    // An alias after its anchor in the document's order (one inside the anchored node is a cycle).
    const i = rng.int(slots.length - 1);
    const from = slots[i];
    const to = slots[i + 1 + rng.int(slots.length - i - 1)];
    const node = slotValue(from);
    if (!YAML.isNode(node) || YAML.isAlias(node)) return undefined;
    node.anchor = node.anchor ?? `a${rng.int(1000)}`;
    setSlotValue(to, doc.createAlias(node as YAML.Scalar | YAML.YAMLMap | YAML.YAMLSeq, node.anchor));
    return `alias ${to.path} to ${from.path}`;
  },
};

/** Mutations of the text itself. */
const textOperators: Record<string, (text: string, rng: Rng) => string | undefined> = {
  duplicateLine: (text, rng) => {
    const lines = text.split('\n');
    const keyed = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*(- )?[A-Za-z_]+:/.test(l));
    if (keyed.length === 0) return undefined;
    const [line, i] = rng.pick(keyed);
    lines.splice(i + 1, 0, line.replace(/^(\s*)- /, '$1  '));
    return lines.join('\n');
  },
  cut: (text, rng) => text.slice(0, rng.int(text.length)),
};

/** Mutate a spec document `mutations` times; returns the text and what was done. */
export function mutateSpec(text: string, rng: Rng, mutations: number): { text: string; log: string[] } {
  for (;;) {
    try {
      return mutateOnce(text, rng, mutations);
    } catch {
      // A later mutation moved or removed an alias's anchor: the document cannot be written. Again.
    }
  }
}

function mutateOnce(text: string, rng: Rng, mutations: number): { text: string; log: string[] } {
  const doc = YAML.parseDocument(text);
  const log: string[] = [];
  const names = Object.keys(operators);
  let guard = 0;
  while (log.length < mutations && guard++ < mutations * 20) {
    const name = rng.pick(names);
    const did = operators[name](doc, rng);
    if (did !== undefined) {
      log.push(did);
    }
  }
  let out = doc.toString({ lineWidth: 0 });
  // One case in eight also has its text mutated (a duplicated key line, a cut).
  if (rng.chance(0.125)) {
    const name = rng.chance(0.8) ? 'duplicateLine' : 'cut';
    const changed = textOperators[name](out, rng);
    if (changed !== undefined) {
      out = changed;
      log.push(`text: ${name}`);
    }
  }
  return { text: out, log };
}

/** Ways of writing the same spec: each must synthesize exactly what the original does. */
export const EQUIVALENT_FORMS: Record<string, (text: string, rng: Rng) => { text: string; ext: string }> = {
  'map keys reordered': (text, rng) => {
    const doc = YAML.parseDocument(text);
    for (const m of walk(doc).maps) {
      rng.shuffle(m.node.items);
    }
    return { text: doc.toString({ lineWidth: 0 }), ext: 'yaml' };
  },
  'comments added': (text, rng) => {
    const doc = YAML.parseDocument(text);
    for (const s of walk(doc).slots) {
      const node = slotValue(s);
      if (YAML.isNode(node) && rng.chance(0.3)) {
        if (YAML.isScalar(node)) {
          node.comment = ` note on ${s.path}: "quoted", # hash, key: value`;
        } else {
          node.commentBefore = ` before ${s.path}`;
        }
      }
    }
    doc.commentBefore = ' a spec, commented';
    return { text: doc.toString({ lineWidth: 0 }), ext: 'yaml' };
  },
  'JSON, indented': (text) => ({ text: JSON.stringify(YAML.parse(text), null, 2), ext: 'json' }),
  'JSON, compact': (text) => ({ text: JSON.stringify(YAML.parse(text)), ext: 'json' }),
  'BOM before the YAML': (text) => ({ text: `\uFEFF${text}`, ext: 'yaml' }),
  'BOM before the JSON': (text) => ({ text: `\uFEFF${JSON.stringify(YAML.parse(text), null, 2)}`, ext: 'json' }),
  'CRLF line ends': (text) => ({ text: text.replace(/\r?\n/g, '\r\n'), ext: 'yaml' }),
  'flow style': (text) => ({ text: new YAML.Document(YAML.parse(text)).toString({ collectionStyle: 'flow', lineWidth: 0 }), ext: 'yaml' }),
  'strings double-quoted': (text) => ({ text: new YAML.Document(YAML.parse(text)).toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 }), ext: 'yaml' }),
  'document markers and blank lines': (text) => ({ text: `---\n\n${text.trimEnd()}\n\n...\n`, ext: 'yml' }),
};

/** A minimal spec for AWS only (no kubernetes sections): every optional key left out. */
export const MINIMAL_AWS_SPEC = `name: m
ownership:
  owner: oncall
  runbookUrl: https://runbooks.example.com/m
models:
  - name: a
    pipeline:
      steps:
        - name: train
          kind: TRAINING
          image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/a/train@sha256:${'1'.repeat(64)}
          inputs: [data]
        - name: evaluate
          kind: PROCESSING
          image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/a/eval@sha256:${'2'.repeat(64)}
          inputs: [train.model, data]
          outputs: [evaluation]
      gate:
        evaluationStep: evaluate
        metric: auc
        comparison: GREATER_THAN
        threshold: 0.5
      inferenceImage: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/a/serve@sha256:${'3'.repeat(64)}
    training:
      codeCommit: ${'a'.repeat(40)}
      dataVersion: d1
      featureSetVersion: f1
      inputDataUri: s3://bucket-a/data/
    serving:
      instanceType: ml.g5.xlarge
      initialModelVersion: 1
    drift:
      features: [x]
      baselineUri: s3://bucket-a/baseline.json
`;

/** A minimal spec for both targets: the minimal AWS spec with the kubernetes sections required. */
export const MINIMAL_K8S_SPEC = `${MINIMAL_AWS_SPEC.replace(
  '      initialModelVersion: 1\n',
  '      initialModelVersion: 1\n      kubernetes:\n        nodePool: gpu\n        modelUri: s3://bucket-a/model/\n        cpu: "2"\n        memory: 8Gi\n',
)}      kubernetes:
        captureUri: s3://bucket-a/capture
kubernetes:
  clusterName: c
  nodeRole: node-role
  nodePools:
    - name: gpu
      gpu: A10G
  mlflow:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlflow@sha256:${'4'.repeat(64)}
    backendStoreUriSecret: mlflow-db
    artifactRoot: s3://bucket-a/mlflow
  registerImage: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/register@sha256:${'5'.repeat(64)}
  pipelineArtifactRoot: s3://bucket-a/pipelines
  driftImage: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/drift@sha256:${'6'.repeat(64)}
  pushgatewayUrl: http://pushgateway:9091
`;

/** The spec files the example apps use (examples/*.yaml, *.yml, *.json). */
export function exampleSpecs(): Array<{ name: string; text: string }> {
  const dir = path.join(__dirname, '..', '..', 'examples');
  return fs.readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('tsconfig'))
    .sort()
    .map((f) => ({ name: `examples/${f}`, text: fs.readFileSync(path.join(dir, f), 'utf-8') }));
}

/** How a spec file fared: synthesized (with its output), or refused by the library, or crashed. */
export interface Outcome {
  readonly kind: 'synthesized' | 'refused' | 'crashed';
  /** The synthesized output (templates or manifests) when synthesized. */
  readonly output?: string;
  readonly error?: unknown;
}

/** Classify what running a spec file did: the library's error must name the file. */
export function classify(file: string, run: () => string): Outcome {
  try {
    return { kind: 'synthesized', output: run() };
  } catch (e) {
    const ours = MlopsValidationError.isMlopsValidationError(e) && (e as Error).message.includes(path.basename(file));
    return { kind: ours ? 'refused' : 'crashed', error: e };
  }
}

/** The AWS rendering of a spec file: `MlPlatform.fromFile` in a stack with an environment, then `app.synth()`; every template. */
export function synthAws(file: string): string {
  const app = new App();
  const stack = new Stack(app, 'FuzzStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  MlPlatform.fromFile(stack, 'Platform', file);
  const assembly = app.synth();
  return fs.readdirSync(assembly.directory)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => `# ${f}\n${fs.readFileSync(path.join(assembly.directory, f), 'utf-8')}`)
    .join('\n');
}

/** The Kubernetes rendering of a spec file: `MlPlatformChart.fromFile` in a cdk8s app, then its synthesized YAML. */
export function synthK8s(file: string): string {
  const app = new K8sApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-k8s-')) });
  MlPlatformChart.fromFile(app, 'platform', file);
  return app.synthYaml();
}

/** Text of an error for a report: its name, message and the top of its stack. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    return `${e.name}: ${e.message.slice(0, 2000)}\n${(e.stack ?? '').split('\n').slice(1, 8).join('\n')}`;
  }
  return String(e);
}

/** The targets a spec renders on. */
export type FuzzTarget = 'aws' | 'k8s';

/** One fuzz case: the base it started from, what was done to it, and the resulting text. */
export interface FuzzCase {
  readonly target: FuzzTarget;
  readonly index: number;
  readonly base: string;
  readonly log: string[];
  readonly text: string;
}

/** The bases of a target's cases (the example spec weighs most), by name. */
export function fuzzBases(target: FuzzTarget): Array<{ name: string; text: string; weight: number }> {
  const examples = exampleSpecs().map((e) => ({ ...e, weight: 4 }));
  return [
    ...examples,
    { name: 'minimal (AWS only)', text: MINIMAL_AWS_SPEC, weight: target === 'aws' ? 2 : 1 },
    { name: 'minimal (both targets)', text: MINIMAL_K8S_SPEC, weight: 2 },
  ];
}

/** Case `index` of a run with `seed` on `target`: the same numbers always give the same case. */
export function makeCase(seed: number, target: FuzzTarget, index: number): FuzzCase {
  const rng = new Rng(caseSeed(seed, target, index));
  const bases = fuzzBases(target).flatMap((b) => Array<typeof b>(b.weight).fill(b));
  const base = rng.pick(bases);
  const mutations = rng.pick([1, 1, 1, 2, 2, 3, 4]);
  const { text, log } = mutateSpec(base.text, rng, mutations);
  return { target, index, base: base.name, log, text };
}

/** A failed case as a report: how to run it again, what was done, the error and the mutated YAML. */
export function reportCase(seed: number, c: FuzzCase, error: unknown): string {
  return [
    `seed ${seed}, ${c.target} case ${c.index} (run again: FUZZ_SEED=${seed} FUZZ_TARGET=${c.target} FUZZ_CASE=${c.index} npx vitest run test/platform/spec-fuzz.test.ts)`,
    `base: ${c.base}; mutations: ${c.log.join('; ')}`,
    `error: ${describeError(error)}`,
    '--- mutated spec ---',
    c.text.length > 20000 ? `${c.text.slice(0, 20000)}\n… (${c.text.length} characters)` : c.text,
    '---',
  ].join('\n');
}
