/**
 * Scale benchmark (issue 15): a platform of N models on both targets, beside the cheapest honest
 * hand-written baselines, measured interleaved in one run; fails on any CloudFormation limit.
 *
 *   npx tsx bench/scale.ts                 # N = 10, 50, 300, 1000 (runs per size: see RUNS below)
 *   npx tsx bench/scale.ts --quick         # N = 10, 50; 1 run (CI)
 *   npx tsx bench/scale.ts --sizes 10,50 --runs 3
 *   npx tsx bench/scale.ts --with-validation   # keep aws-cdk-lib's built-in template validation on
 *   npx tsx bench/scale.ts --sizes 50,300 --aws-only   # only the two AWS variants (working on AWS synthesis)
 *   npx tsx bench/scale.ts --help          # this text; any unknown option prints it too (and runs nothing)
 *   npx tsx bench/scale.ts --check cdk.out --k8s cdk.out/k8s   # only the limit checks, on existing output
 *   npx tsx bench/scale.ts --self-test     # the checks refuse test/fixtures/broken/cloudformation-limits
 *
 * WHAT IS MEASURED. For each N, five variants, each in a fresh child Node process (so nothing is
 * cached from another variant, and the peak memory is the measurement's own), in alternating order
 * per repetition (rep 0: library, stamped library, L1, cdk8s library, cdk8s baseline; rep 1: the
 * reverse; ...):
 *
 * - `aws-lib`: the example platform (examples/platform.yaml) with its model copied N times, named
 *   m1 … mN, `new platform.MlPlatform(app, 'Acme', { spec, env })` directly in an App (one shared
 *   stack and one stack per model), then `app.synth()` into a fresh directory.
 * - `aws-stamped`: the same with `modelSynthesis: ModelSynthesis.STAMPED` (per name structure —
 *   m1…m9, m10…m99, m100…m999 — two models built from constructs and checked against each other,
 *   the others written from the first's template). Its templates must be byte for byte those of
 *   `aws-lib` (a SHA-256 over every template file, compared in the parent), else the run fails.
 * - `aws-l1`: the same cloud assembly written with aws-cdk-lib's L1 layer only. A reference
 *   platform of ONE model (named with a placeholder) is synthesized once, before any measurement,
 *   in its own child. The timed L1 child then builds, per stack of that reference, the stack again
 *   (the shared stack once, the model stack N times with the placeholder replaced by m<i> / M<i>):
 *   `new Stack` with the reference's env, stack name and dependencies, every resource as
 *   `new CfnResource(stack, logicalId, { type, properties })` with its literal properties (parsed
 *   from the reference text after substitution: what an object literal in hand-written code costs),
 *   its DependsOn / DeletionPolicy / UpdateReplacePolicy / Metadata, `CfnParameter`, `CfnOutput`
 *   (with its export), `CfnCondition`, `CfnMapping`, and the same file assets registered with
 *   `stack.synthesizer.addFileAsset` (the reference's staged bundles; nothing is copied), then
 *   `app.synth()`. Why this is the honest floor: it is what a team writing the platform by hand in
 *   CDK would get at best — no L2 defaults computed, no validation, no lazy values, no token
 *   resolution beyond what the templates need — and it produces the same templates (same logical
 *   ids, same properties, same cross-stack imports), which the bench checks: the per-type resource
 *   counts, template count and per-template resource counts of `aws-l1` must equal `aws-lib`'s,
 *   else the run fails (a baseline that produces less would flatter the library). The typed
 *   `Cfn*` classes would add per-property validation and renaming on top of `CfnResource`, so they
 *   are not cheaper.
 * - `k8s-lib`: `platform.MlPlatformChart` with the same spec (its Kubernetes sections), in a cdk8s
 *   App with one YAML file per chart, `app.synth()`.
 * - `k8s-base`: the same objects as plain cdk8s `ApiObject`s, from the library's rendering of the
 *   one-model reference: per reference chart, a `Chart` with one `ApiObject` per object (a chart
 *   named for the model is repeated per model; in a shared chart, objects named for the model are
 *   repeated per model and lists naming the model are expanded to all models).
 *
 * The time is measured inside the child, around construction and `app.synth()` only (module
 * loading, reading the spec and the reference are outside). Memory is the child's
 * `process.resourceUsage().maxRSS` right after synthesis. Children run with
 * `--max-old-space-size=12288` (12 GiB heap cap; the machine is shared).
 *
 * aws-cdk-lib 2.276 validates every template at synthesis against CloudFormation's resource schemas
 * (`builtinCloudFormationValidation`, on by default; `CDK_VALIDATION=false` turns it off), about
 * 2 ms per resource on this machine: the same for both AWS variants (same templates), so it would
 * hide the library's own cost. It is OFF for both unless `--with-validation`; the figures say so.
 *
 * WHAT FAILS (exit 1): any CloudFormation limit broken by the library's output (lib/core/
 * cloudformation-limits.ts: resources 500, parameters 200, outputs 200, mappings 200, description
 * 1,024 bytes and template body 1,000,000 bytes per template; 2,000 stacks per account and Region,
 * nested stacks included; 2,500 resources per operation over a stack and its nested stacks; unique
 * export names), a chart whose inlined manifest exceeds 1,000,000 bytes (EKS `addCdk8sChart`
 * inlines the chart into a template), a library synthesis that throws, and a baseline that is no
 * longer comparable. The issue's two synthesis targets (library ≤ 1.5x L1 per resource at N = 300;
 * marginal cost per model 300 → 1,000 within 15 % of 50 → 300) are printed with PASS / FAIL, and
 * do not change the exit code.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  App, CfnCondition, CfnDeletionPolicy, CfnMapping, CfnOutput, CfnParameter, CfnResource, FileAssetPackaging, IResolvable, Stack,
} from 'aws-cdk-lib';
import { ApiObject, App as K8sApp, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { EXAMPLE_FEATURE_FLAGS } from '../examples';
import { core, platform } from '../lib';

// ---------------------------------------------------------------------------------------------
// Configuration

const ARGS = process.argv.slice(2);
const QUICK = ARGS.includes('--quick');
const WITH_VALIDATION = ARGS.includes('--with-validation');
function option(name: string): string | undefined {
  const i = ARGS.indexOf(name);
  return i >= 0 ? ARGS[i + 1] : undefined;
}
/** The options of a measured run (anything else prints the usage). */
const KNOWN_OPTIONS = ['--quick', '--with-validation', '--sizes', '--runs', '--aws-only'];
const SIZES = (option('--sizes') ?? (QUICK ? '10,50' : '10,50,300,1000')).split(',').map(Number);
/** Repetitions per size. Full mode: 3 runs up to N = 300, 1 run at N = 1,000 (the run would take too long on 2 cores otherwise). */
function runsFor(n: number): number {
  const forced = option('--runs');
  if (forced) return Number(forced);
  return QUICK ? 1 : n >= 1000 ? 1 : 3;
}
const HEAP_MB = 12288;
const ENV = { account: '123456789012', region: 'eu-west-1' };
/** The reference model's name: replaced by m<i> (and its PascalCase by M<i>) in the baselines. */
const PLACEHOLDER = 'zqmodelzq';
const PLACEHOLDER_PASCAL = 'Zqmodelzq';
const CHILD_TIMEOUT_MS = 30 * 60_000;

type Variant = 'aws-lib' | 'aws-stamped' | 'aws-l1' | 'k8s-lib' | 'k8s-base';
const AWS_ONLY = ARGS.includes('--aws-only');
const VARIANTS: Variant[] = AWS_ONLY ? ['aws-lib', 'aws-stamped', 'aws-l1'] : ['aws-lib', 'aws-stamped', 'aws-l1', 'k8s-lib', 'k8s-base'];

const example: core.PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'platform.yaml'), 'utf-8'));

function specOf(names: string[]): core.PlatformSpec {
  const model = example.models[0];
  return { ...example, models: names.map((name) => ({ ...model, name })) };
}
const modelNames = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);

// ---------------------------------------------------------------------------------------------
// What a child reports

interface TemplateStat {
  readonly file: string;
  readonly resources: number;
  readonly parameters: number;
  readonly outputs: number;
  readonly mappings: number;
  readonly bytes: number;
  readonly nested: boolean;
}

interface AwsOutput {
  readonly templates: TemplateStat[];
  readonly stacks: number;
  readonly nestedStacks: number;
  readonly exports: number;
  readonly byType: Record<string, number>;
  readonly problems: string[];
  /** SHA-256 of every template file's name and bytes, in name order (the two library variants must agree). */
  readonly digest: string;
}

interface ChartStat {
  readonly file: string;
  readonly objects: number;
  readonly bytes: number;
}

interface K8sOutput {
  readonly charts: ChartStat[];
  readonly byKind: Record<string, number>;
  /** Inlined (EKS addCdk8sChart) size of the largest chart by YAML bytes. */
  readonly largestInlineBytes: number;
  readonly problems: string[];
}

interface Result {
  readonly variant: Variant;
  readonly n: number;
  readonly ms: number;
  readonly maxRssMiB: number;
  /** CPU time (user + system) of the child over the same region as `ms`: on a loaded machine `ms` is mostly waiting for a core, this is not. */
  readonly cpuMs?: number;
  readonly error?: string;
  readonly aws?: AwsOutput;
  readonly k8s?: K8sOutput;
}

// ---------------------------------------------------------------------------------------------
// The reference (one model), from which the baselines are written

interface RefStack {
  /** The stack's construct path (the manifest's display name), e.g. `Acme/Zqmodelzq`. */
  readonly path: string;
  readonly perModel: boolean;
  readonly stackName?: string;
  readonly tags?: Record<string, string>;
  /** Construct paths of the stacks it depends on. */
  readonly dependencies: string[];
  /** The template text, with the placeholder. */
  readonly template: string;
  readonly assets: Array<{ hash: string; path: string; packaging: string; displayName?: string }>;
}

interface RefChart {
  readonly id: string;
  readonly perModel: boolean;
  /** Each object's JSON text, with the placeholder; `perModel` when it is repeated per model. */
  readonly objects: Array<{ json: string; perModel: boolean }>;
}

interface Reference {
  readonly outdir: string;
  readonly stacks: RefStack[];
  readonly nested: boolean;
  readonly charts: RefChart[];
}

/** A name as a case-insensitive pattern, as the model stack's `AllowedPattern` writes it (`[mM]1`). */
const anyCase = (name: string) => name.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
/** The forms in which the reference names its model, and what each becomes for model i. */
const FORMS: Array<[string, (i: number) => string]> = [
  [anyCase(PLACEHOLDER), (i) => anyCase(`m${i}`)],
  [PLACEHOLDER, (i) => `m${i}`],
  [PLACEHOLDER_PASCAL, (i) => `M${i}`],
];
const mentionsModel = (text: string) => FORMS.some(([form]) => text.includes(form));

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf-8'));
}

/** Stack artifacts of a cloud assembly, from its manifest. */
function stackArtifacts(outdir: string): Array<[string, any]> {
  const manifest = readJson(path.join(outdir, 'manifest.json'));
  return Object.entries<any>(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack');
}

function makeReference(file: string): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-bench-scale-ref-'));
  const app = new App({ outdir, context: EXAMPLE_FEATURE_FLAGS, analyticsReporting: false, builtinCloudFormationValidation: false });
  buildAwsLibrary(app, specOf([PLACEHOLDER]));
  app.synth();
  const artifacts = stackArtifacts(outdir);
  const pathOf = new Map(artifacts.map(([id, a]) => [id, a.displayName ?? id]));
  const stacks: RefStack[] = artifacts.map(([id, a]) => {
    const assetsFile = (a.dependencies ?? []).map((d: string) => path.join(outdir, `${d}.json`)).find((f: string) => f.endsWith('.assets.json') && fs.existsSync(f));
    const templateFile = a.properties.templateFile;
    const files = assetsFile ? Object.entries<any>(readJson(assetsFile).files ?? {}) : [];
    return {
      path: pathOf.get(id)!,
      perModel: mentionsModel(pathOf.get(id)!),
      stackName: a.properties.stackName,
      tags: a.properties.tags,
      dependencies: (a.dependencies ?? []).filter((d: string) => pathOf.has(d)).map((d: string) => pathOf.get(d)!),
      template: fs.readFileSync(path.join(outdir, templateFile), 'utf-8'),
      assets: files
        .filter(([, f]) => f.source.path !== templateFile)
        .map(([hash, f]) => ({ hash, path: path.resolve(outdir, f.source.path), packaging: f.source.packaging ?? 'file', displayName: f.displayName })),
    };
  });
  const nested = fs.readdirSync(outdir).some((f) => f.endsWith('.nested.template.json'));

  // Rendered in memory (chart.toJson), never written: the folder is only cdk8s' outdir, removed below.
  const k8sOutdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-bench-scale-ref8s-'));
  const k8sApp = new K8sApp({ outdir: k8sOutdir });
  buildK8sLibrary(k8sApp, specOf([PLACEHOLDER]));
  const charts: RefChart[] = k8sApp.charts.map((chart) => {
    const perModel = mentionsModel(chart.node.id);
    return {
      id: chart.node.id,
      perModel,
      objects: chart.toJson().map((o: any) => ({
        json: JSON.stringify(o),
        perModel: perModel || mentionsModel(String(o.metadata?.name ?? '')) || mentionsModel(String(o.metadata?.namespace ?? '')),
      })),
    };
  });
  fs.rmSync(k8sOutdir, { recursive: true, force: true });
  fs.writeFileSync(file, JSON.stringify({ outdir, stacks, nested, charts } satisfies Reference));
}

// ---------------------------------------------------------------------------------------------
// The four variants (children)

/**
 * The library on AWS. The App form (issue 15): the platform makes its stacks itself. The old form
 * (models as nested stacks of one parent) is used when the App form is refused, so the bench also
 * measures main before the topology change.
 */
function buildAwsLibrary(app: App, spec: core.PlatformSpec, modelSynthesis?: platform.ModelSynthesis): void {
  const props = { spec, env: ENV, modelSynthesis };
  try {
    new platform.MlPlatform(app, 'Acme', props);
  } catch (e) {
    if (!/No stack could be identified|enclosing stack|must be (in|inside) a [Ss]tack/i.test(String((e as Error).message))) throw e;
    const stack = new Stack(app, 'Acme', { env: ENV });
    new platform.MlPlatform(stack, 'Platform', props);
  }
}

function buildK8sLibrary(app: K8sApp, spec: core.PlatformSpec): void {
  new platform.MlPlatformChart(app, 'platform', { spec });
}

/** The reference text for model i (placeholder replaced). */
function forModel(text: string, i: number): string {
  return FORMS.reduce((t, [form, to]) => t.split(form).join(to(i)), text);
}

/** Whether a list inside `value` (not `value` itself) has an item naming the model. */
function listInsideNamesModel(value: any): boolean {
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some((v) => (Array.isArray(v) && v.some((x) => mentionsModel(JSON.stringify(x)))) || listInsideNamesModel(v));
}

/**
 * A value of a shared document for N models: object keys and the innermost list items that name
 * the model are repeated per model (e.g. a network policy's `from` listing every model's
 * namespace), the rest kept.
 */
function expand(value: any, names: number[]): any {
  if (Array.isArray(value)) {
    return value.flatMap((v) => {
      const text = JSON.stringify(v);
      return mentionsModel(text) && !listInsideNamesModel(v) ? names.map((i) => JSON.parse(forModel(text, i))) : [expand(v, names)];
    });
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) {
      if (mentionsModel(k)) {
        for (const i of names) out[forModel(k, i)] = JSON.parse(forModel(JSON.stringify(v), i));
      } else {
        out[k] = expand(v, names);
      }
    }
    return out;
  }
  return value;
}

/** A literal value where aws-cdk-lib asks for an expression (conditions). */
function literal(value: unknown): IResolvable {
  return { creationStack: [], resolve: () => value, toString: () => JSON.stringify(value) } as IResolvable;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * One stack of the reference, written again with L1 classes, at the same construct path (plain
 * `Construct` scopes above it, as the library's platform construct), hence the same artifact id.
 */
function buildL1Stack(
  app: App, scopes: Map<string, Construct>, stackPath: string, ref: RefStack, template: any, stackName: string | undefined,
): Stack {
  const parts = stackPath.split('/');
  let scope: Construct = app;
  for (let k = 1; k < parts.length; k++) {
    const at = parts.slice(0, k).join('/');
    scope = scopes.get(at) ?? scopes.set(at, new Construct(scope, parts[k - 1])).get(at)!;
  }
  const stack = new Stack(scope, parts[parts.length - 1], { env: ENV, stackName, tags: ref.tags, description: template.Description });
  for (const a of ref.assets) {
    const packaging = a.packaging as FileAssetPackaging;
    stack.synthesizer.addFileAsset({ sourceHash: a.hash, fileName: a.path, packaging, displayName: a.displayName });
  }
  // Sections in the reference's order: the template's keys come out in the order written.
  for (const sectionName of Object.keys(template)) {
    writeSection[sectionName]?.(stack, template[sectionName]);
  }
  return stack;
}

const writeSection: Record<string, (stack: Stack, section: any) => void> = {
  Parameters: (stack, section) => {
    for (const [k, p] of Object.entries<any>(section)) {
      if (k === 'BootstrapVersion') continue; // the synthesizer adds it
      new CfnParameter(stack, k, Object.fromEntries(Object.entries(p).map(([key, v]) => [lowerFirst(key), v])));
    }
  },
  Mappings: (stack, section) => {
    for (const [k, m] of Object.entries<any>(section)) new CfnMapping(stack, k, { mapping: m });
  },
  Conditions: (stack, section) => {
    for (const [k, c] of Object.entries<any>(section)) new CfnCondition(stack, k, { expression: literal(c) as any });
  },
  Resources: writeResources,
  Outputs: (stack, section) => {
    for (const [k, o] of Object.entries<any>(section)) {
      new CfnOutput(stack, k, { value: o.Value, description: o.Description, exportName: o.Export?.Name });
    }
  },
  Rules: (_stack, section) => {
    for (const k of Object.keys(section)) {
      if (k !== 'CheckBootstrapVersion') throw new Error(`the L1 baseline does not write rules (rule ${k})`); // the synthesizer adds that one
    }
  },
  Metadata: (stack, section) => {
    stack.templateOptions.metadata = section;
  },
  Transform: (stack, section) => {
    stack.templateOptions.transforms = [].concat(section);
  },
};

function writeResources(stack: Stack, section: any): void {
  const byId = new Map<string, CfnResource>();
  const dependsOn: Array<[CfnResource, string[]]> = [];
  for (const [k, r] of Object.entries<any>(section)) {
    const res = new CfnResource(stack, k, { type: r.Type, properties: r.Properties });
    if (r.DeletionPolicy) res.cfnOptions.deletionPolicy = r.DeletionPolicy as CfnDeletionPolicy;
    if (r.UpdateReplacePolicy) res.cfnOptions.updateReplacePolicy = r.UpdateReplacePolicy as CfnDeletionPolicy;
    if (r.Metadata) res.cfnOptions.metadata = r.Metadata;
    for (const attr of ['Condition', 'CreationPolicy', 'UpdatePolicy']) {
      if (r[attr] !== undefined) res.addOverride(attr, r[attr]);
    }
    if (r.DependsOn) dependsOn.push([res, [].concat(r.DependsOn)]);
    byId.set(k, res);
  }
  for (const [res, deps] of dependsOn) {
    for (const d of deps) res.addDependency(byId.get(d)!);
  }
}

function buildAwsL1(app: App, ref: Reference, n: number): void {
  const names = Array.from({ length: n }, (_, i) => i + 1);
  const stacks = new Map<string, Stack>();
  const scopes = new Map<string, Construct>();
  const pending: Array<[Stack, RefStack, number | undefined]> = [];
  for (const s of ref.stacks) {
    if (s.perModel) {
      for (const i of names) {
        const at = forModel(s.path, i);
        const stack = buildL1Stack(app, scopes, at, s, JSON.parse(forModel(s.template, i)), s.stackName && forModel(s.stackName, i));
        stacks.set(at, stack);
        pending.push([stack, s, i]);
      }
    } else {
      const stack = buildL1Stack(app, scopes, s.path, s, expand(JSON.parse(s.template), names), s.stackName);
      stacks.set(s.path, stack);
      pending.push([stack, s, undefined]);
    }
  }
  for (const [stack, s, i] of pending) {
    for (const d of s.dependencies) {
      const ids = mentionsModel(d) ? (i !== undefined ? [forModel(d, i)] : names.map((j) => forModel(d, j))) : [d];
      for (const dep of ids) stack.addDependency(stacks.get(dep)!);
    }
  }
}

function buildK8sBaseline(app: K8sApp, ref: Reference, n: number): void {
  const names = Array.from({ length: n }, (_, i) => i + 1);
  const add = (chart: Chart, objects: any[]) => objects.forEach((o, k) => new ApiObject(chart, `o${k}`, o));
  for (const c of ref.charts) {
    if (c.perModel) {
      for (const i of names) {
        add(new Chart(app, forModel(c.id, i)), c.objects.map((o) => JSON.parse(forModel(o.json, i))));
      }
    } else {
      const objects = c.objects.flatMap((o) => (o.perModel
        ? names.map((i) => JSON.parse(forModel(o.json, i)))
        : [expand(JSON.parse(o.json), names)]));
      add(new Chart(app, c.id), objects);
    }
  }
}

function increment(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Counts and limit problems of a cloud assembly, every template included (nested ones too). */
function inspectAssembly(outdir: string): AwsOutput {
  const problems: string[] = [];
  const templates: TemplateStat[] = [];
  const byType: Record<string, number> = {};
  const parsed = new Map<string, any>();
  const digest = createHash('sha256');
  for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).sort()) {
    const text = fs.readFileSync(path.join(outdir, file), 'utf-8');
    digest.update(`${file}\n${text}\n`);
    const template = JSON.parse(text);
    parsed.set(file, template);
    const bytes = Buffer.byteLength(text);
    const c = core.templateLimitCounts(template, bytes);
    templates.push({ file, resources: c.resources, parameters: c.parameters, outputs: c.outputs, mappings: c.mappings, bytes, nested: file.endsWith('.nested.template.json') });
    problems.push(...core.templateLimitProblems(file, template, bytes));
    for (const r of Object.values<any>(template.Resources ?? {})) increment(byType, r.Type);
  }

  // Stacks, exports and nested trees per account and Region.
  const perEnv: Record<string, number> = {};
  const exportsPerEnv: Record<string, string[]> = {};
  let exports = 0;
  let nestedStacks = 0;
  const artifacts = stackArtifacts(outdir);
  for (const [id, a] of artifacts) {
    const env: string = a.environment;
    const root = a.properties.templateFile;
    const tree = nestedTree(outdir, root, a, parsed);
    nestedStacks += tree.length - 1;
    increment(perEnv, env, tree.length);
    const resources = tree.reduce((sum, f) => sum + Object.keys(parsed.get(f)?.Resources ?? {}).length, 0);
    if (tree.length > 1) {
      const p = core.nestedOperationProblem(id, resources);
      if (p) problems.push(p);
    }
    for (const f of tree) {
      for (const o of Object.values<any>(parsed.get(f)?.Outputs ?? {})) {
        if (o.Export?.Name === undefined) continue;
        exports++;
        if (typeof o.Export.Name === 'string') (exportsPerEnv[env] = exportsPerEnv[env] ?? []).push(o.Export.Name);
      }
    }
  }
  for (const [env, count] of Object.entries(perEnv)) {
    const p = core.stackCountProblem(env, count);
    if (p) problems.push(p);
  }
  for (const [env, names] of Object.entries(exportsPerEnv)) problems.push(...core.exportNameProblems(env, names));
  return { templates, stacks: artifacts.length, nestedStacks, exports, byType, problems, digest: digest.digest('hex') };
}

/**
 * A stack's template file and those of its nested stacks, at any depth: a nested stack's
 * `TemplateURL` names its template asset by hash, which the stack's asset manifest maps to the file.
 */
function nestedTree(outdir: string, templateFile: string, artifact: any, parsed: Map<string, any>): string[] {
  const assetsFile = (artifact.dependencies ?? []).map((d: string) => path.join(outdir, `${d}.json`)).find((f: string) => f.endsWith('.assets.json') && fs.existsSync(f));
  const files: Record<string, any> = assetsFile ? readJson(assetsFile).files ?? {} : {};
  const out: string[] = [];
  const visit = (file: string) => {
    out.push(file);
    for (const r of Object.values<any>(parsed.get(file)?.Resources ?? {})) {
      if (r.Type !== 'AWS::CloudFormation::Stack') continue;
      const hash = /([0-9a-f]{64})\.json/.exec(JSON.stringify(r.Properties?.TemplateURL ?? ''))?.[1];
      const nested = hash ? files[hash]?.source?.path : undefined;
      if (nested && parsed.has(nested)) visit(nested);
    }
  };
  visit(templateFile);
  return out;
}

function inspectCharts(outdir: string): K8sOutput {
  const charts: ChartStat[] = [];
  const byKind: Record<string, number> = {};
  let largest = { file: '', bytes: -1, text: '' };
  for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = fs.readFileSync(path.join(outdir, file), 'utf-8');
    const bytes = Buffer.byteLength(text);
    // Top-level keys are not indented: one `kind:` line per object.
    const kinds = text.match(/^kind: .*$/gm) ?? [];
    const versions = text.match(/^apiVersion: .*$/gm) ?? [];
    kinds.forEach((k, i) => increment(byKind, `${(versions[i] ?? '').slice(12)} ${k.slice(6)}`));
    charts.push({ file, objects: kinds.length, bytes });
    if (bytes > largest.bytes) largest = { file, bytes, text };
  }
  const objects = largest.text ? YAML.parseAllDocuments(largest.text).map((d) => d.toJSON()).filter((o) => o !== null) : [];
  const largestInlineBytes = core.utf8Bytes(JSON.stringify(JSON.stringify(objects)));
  const problems = largestInlineBytes > core.MAX_TEMPLATE_BODY_BYTES
    ? [`${largest.file}: ${largestInlineBytes} bytes inlined by EKS addCdk8sChart, a CloudFormation template allows at most ${core.MAX_TEMPLATE_BODY_BYTES}`]
    : [];
  return { charts, byKind, largestInlineBytes, problems };
}

function runChild(variant: Variant, n: number, refFile: string, resultFile: string): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-mlops-bench-scale-${variant}-`));
  const base: { variant: Variant; n: number } = { variant, n };
  let result: Result;
  try {
    const ref: Reference | undefined = variant === 'aws-l1' || variant === 'k8s-base' ? readJson(refFile) : undefined;
    const spec = specOf(modelNames(n));
    const appProps = { outdir, context: EXAMPLE_FEATURE_FLAGS, analyticsReporting: false, builtinCloudFormationValidation: WITH_VALIDATION };
    const k8sProps = { outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART };
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    if (variant === 'aws-lib') {
      const app = new App(appProps);
      buildAwsLibrary(app, spec);
      app.synth();
    } else if (variant === 'aws-stamped') {
      const app = new App(appProps);
      buildAwsLibrary(app, spec, platform.ModelSynthesis.STAMPED);
      app.synth();
    } else if (variant === 'aws-l1') {
      const app = new App(appProps);
      buildAwsL1(app, ref!, n);
      app.synth();
    } else if (variant === 'k8s-lib') {
      const app = new K8sApp(k8sProps);
      buildK8sLibrary(app, spec);
      app.synth();
    } else {
      const app = new K8sApp(k8sProps);
      buildK8sBaseline(app, ref!, n);
      app.synth();
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;
    result = variant.startsWith('aws') ? { ...base, ms, cpuMs, maxRssMiB, aws: inspectAssembly(outdir) } : { ...base, ms, cpuMs, maxRssMiB, k8s: inspectCharts(outdir) };
  } catch (e) {
    result = { ...base, ms: NaN, maxRssMiB: process.resourceUsage().maxRSS / 1024, error: String((e as Error).stack ?? e).split('\n').slice(0, 6).join('\n') };
  } finally {
    // BENCH_SCALE_KEEP=1 keeps the output (to compare the variants' files by hand).
    if (process.env.BENCH_SCALE_KEEP === '1') process.stderr.write(`kept ${outdir}\n`);
    else fs.rmSync(outdir, { recursive: true, force: true });
  }
  fs.writeFileSync(resultFile, JSON.stringify(result));
}

// ---------------------------------------------------------------------------------------------
// The parent: runs the children, prints, judges

function spawnChild(args: string[]): void {
  const flags = WITH_VALIDATION ? ['--with-validation'] : [];
  const child = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', __filename, ...args, ...flags], {
    cwd: path.join(__dirname, '..'),
    stdio: ['ignore', 'ignore', process.env.BENCH_SCALE_KEEP === '1' ? 'inherit' : 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...(WITH_VALIDATION ? {} : { CDK_VALIDATION: 'false' }) },
  });
  if (child.status !== 0) {
    throw new Error(`child ${args.join(' ')} failed (status ${child.status}, signal ${child.signal}):\n${child.stderr?.toString().slice(-3000)}`);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

interface Cell {
  readonly ms: number;
  readonly cpuMs: number;
  readonly rss: number;
  readonly last: Result;
}

function comparable(a: Result, b: Result): string | undefined {
  if (a.aws && b.aws) {
    const counts = (r: AwsOutput) => r.templates.map((t) => t.resources).sort((x, y) => x - y).join(',');
    if (a.aws.templates.length !== b.aws.templates.length) return `${a.aws.templates.length} templates vs ${b.aws.templates.length}`;
    if (counts(a.aws) !== counts(b.aws)) return 'per-template resource counts differ';
    if (JSON.stringify(sortKeys(a.aws.byType)) !== JSON.stringify(sortKeys(b.aws.byType))) return 'resource counts per type differ';
    return undefined;
  }
  if (a.k8s && b.k8s) {
    if (a.k8s.charts.length !== b.k8s.charts.length) return `${a.k8s.charts.length} charts vs ${b.k8s.charts.length}`;
    if (JSON.stringify(sortKeys(a.k8s.byKind)) !== JSON.stringify(sortKeys(b.k8s.byKind))) return 'object counts per kind differ';
    return undefined;
  }
  return 'no output';
}

function sortKeys(o: Record<string, number>): Array<[string, number]> {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

function main(): void {
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-bench-scale-'));
  const refFile = path.join(work, 'reference.json');
  spawnChild(['--reference', refFile]);
  const ref: Reference = readJson(refFile);

  const results = new Map<string, Result[]>();
  const key = (v: Variant, n: number) => `${v}:${n}`;
  let seq = 0;
  for (const n of SIZES) {
    for (let rep = 0; rep < runsFor(n); rep++) {
      const order: Variant[] = rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const v of order) {
        const resultFile = path.join(work, `result-${seq++}.json`);
        const t0 = Date.now();
        spawnChild(['--child', v, String(n), refFile, resultFile]);
        const r: Result = readJson(resultFile);
        process.stderr.write(`  ${v.padEnd(8)} N=${String(n).padStart(4)} run ${rep + 1}: ${fmt(r.ms, 0)} ms synth (${fmt(r.cpuMs ?? NaN, 0)} ms CPU), ${fmt(r.maxRssMiB, 0)} MiB, load ${os.loadavg()[0].toFixed(1)}, child ${((Date.now() - t0) / 1000).toFixed(1)} s${r.error ? ` ERROR ${r.error.split('\n')[0]}` : ''}\n`);
        results.set(key(v, n), [...(results.get(key(v, n)) ?? []), r]);
      }
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(ref.outdir, { recursive: true, force: true });

  const cell = (v: Variant, n: number): Cell => {
    const rs = results.get(key(v, n))!;
    return {
      ms: median(rs.map((r) => r.ms)),
      cpuMs: median(rs.map((r) => r.cpuMs ?? NaN)),
      rss: Math.max(...rs.map((r) => r.maxRssMiB)),
      last: rs[rs.length - 1],
    };
  };

  const failures: string[] = [];
  console.log(`Scale benchmark (issue 15): node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; `
    + `median of ${SIZES.map(runsFor).join('/')} run(s) at N = ${SIZES.join('/')}; each measurement a fresh child process (--max-old-space-size=${HEAP_MB}); `
    + `aws-cdk-lib built-in template validation ${WITH_VALIDATION ? 'ON' : 'OFF (CDK_VALIDATION=false)'}; `
    + `AWS topology: ${ref.nested ? 'nested stacks (old form)' : `${ref.stacks.filter((s) => !s.perModel).length} shared stack(s) + one stack per model`}`);

  // AWS
  const awsRows = [['N', 'variant', 'synth ms', 'ms/model', 'ms/resource', 'CPU ms/resource', 'peak RSS MiB', 'templates', 'resources', 'largest: res', 'params', 'outputs', 'mappings', 'KiB', 'exports', 'comparable']];
  for (const n of SIZES) {
    for (const v of ['aws-lib', 'aws-stamped', 'aws-l1'] as Variant[]) {
      const c = cell(v, n);
      const o = c.last.aws;
      if (c.last.error || !o) {
        awsRows.push([String(n), v, 'ERROR', '', '', '', fmt(c.rss, 0)]);
        failures.push(`${v} N=${n}: ${c.last.error}`);
        continue;
      }
      const resources = sum(o.templates.map((t) => t.resources));
      const big = [...o.templates].sort((a, b) => b.resources - a.resources || b.bytes - a.bytes)[0];
      const maxOf = (f: (t: TemplateStat) => number) => Math.max(...o.templates.map(f));
      let cmp = '';
      if (v === 'aws-l1' || v === 'aws-stamped') {
        const lib = cell('aws-lib', n).last;
        const why = !lib.aws ? 'library failed'
          : v === 'aws-stamped' && lib.aws.digest !== o.digest ? 'templates differ from ModelSynthesis.CONSTRUCTS\'s (digest)'
            : comparable(lib, c.last);
        cmp = why ? `NO: ${why}` : 'yes';
        if (why && lib.aws) failures.push(`${v} N=${n} is not comparable to the library: ${why}`);
      }
      if (v !== 'aws-l1') {
        failures.push(...o.problems);
      }
      awsRows.push([String(n), v, fmt(c.ms, 0), fmt(c.ms / n, 2), fmt(c.ms / resources, 3), fmt(c.cpuMs / resources, 3), fmt(c.rss, 0),
        String(o.templates.length),
        String(resources), String(big.resources),
        String(maxOf((t) => t.parameters)), String(maxOf((t) => t.outputs)), String(maxOf((t) => t.mappings)),
        fmt(maxOf((t) => t.bytes) / 1024, 0), String(o.exports), cmp]);
    }
  }
  console.log('\nAWS (largest: the largest template by resources; params/outputs/mappings/KiB: the largest over all templates)');
  console.log(table(awsRows));

  // Kubernetes (skipped with --aws-only)
  if (!AWS_ONLY) {
    const k8sRows = [['N', 'variant', 'synth ms', 'ms/model', 'ms/object', 'peak RSS MiB', 'charts', 'objects', 'largest chart KiB', 'inlined KiB', 'comparable']];
    for (const n of SIZES) {
      for (const v of ['k8s-lib', 'k8s-base'] as Variant[]) {
        const c = cell(v, n);
        const o = c.last.k8s;
        if (c.last.error || !o) {
          k8sRows.push([String(n), v, 'ERROR', '', '', fmt(c.rss, 0)]);
          failures.push(`${v} N=${n}: ${c.last.error}`);
          continue;
        }
        const objects = sum(o.charts.map((ch) => ch.objects));
        let cmp = '';
        if (v === 'k8s-base') {
          const lib = cell('k8s-lib', n).last;
          const why = lib.k8s ? comparable(lib, c.last) : 'library failed';
          cmp = why ? `NO: ${why}` : 'yes';
          if (why && lib.k8s) failures.push(`k8s-base N=${n} is not comparable to the library: ${why}`);
        } else {
          failures.push(...o.problems);
        }
        k8sRows.push([String(n), v, fmt(c.ms, 0), fmt(c.ms / n, 2), fmt(c.ms / objects, 3), fmt(c.rss, 0), String(o.charts.length), String(objects),
          fmt(Math.max(...o.charts.map((ch) => ch.bytes)) / 1024, 0), fmt(o.largestInlineBytes / 1024, 0), cmp]);
      }
    }
    console.log('\nKubernetes (largest chart: YAML bytes; inlined: its size as EKS addCdk8sChart writes it into a template)');
    console.log(table(k8sRows));
  }

  // Marginal cost per model and the issue's targets.
  console.log('\nmarginal ms per model (synth time difference / model difference):');
  const marginal = (v: Variant, a: number, b: number) => (cell(v, b).ms - cell(v, a).ms) / (b - a);
  const steps = SIZES.slice(1).map((b, i) => [SIZES[i], b]);
  console.log(table([['variant', ...steps.map(([a, b]) => `${a} -> ${b}`)],
    ...VARIANTS.map((v) => [v, ...steps.map(([a, b]) => fmt(marginal(v, a, b), 1))]),
    ...VARIANTS.filter((v) => v.startsWith('aws')).map((v) => [`${v} (CPU)`, ...steps.map(([a, b]) => fmt((cell(v, b).cpuMs - cell(v, a).cpuMs) / (b - a), 1))])]));

  const perResource = (v: Variant, n: number) => {
    const c = cell(v, n);
    return c.last.aws ? c.ms / sum(c.last.aws.templates.map((t) => t.resources)) : NaN;
  };
  console.log('\nissue 15, item 2 (printed, not enforced):');
  for (const v of ['aws-lib', 'aws-stamped'] as Variant[]) {
    const what = v === 'aws-lib' ? 'library, ModelSynthesis.CONSTRUCTS (the default)' : 'library, ModelSynthesis.STAMPED';
    if (SIZES.includes(300)) {
      const ratio = perResource(v, 300) / perResource('aws-l1', 300);
      const cpuRatio = cell(v, 300).cpuMs / cell('aws-l1', 300).cpuMs;
      console.log(`  ${what}: per-resource synth cost at N = 300 ${fmt(perResource(v, 300), 3)} ms, L1 ${fmt(perResource('aws-l1', 300), 3)} ms, `
        + `ratio ${fmt(ratio, 2)}x, in CPU time ${fmt(cpuRatio, 2)}x (target <= 1.5x): ${ratio <= 1.5 ? 'PASS' : 'FAIL'}`);
    } else {
      console.log(`  ${what}: per-resource cost at N = 300 not measured (N = 300 not in this run)`);
    }
    if ([50, 300, 1000].every((n) => SIZES.includes(n))) {
      const m1 = marginal(v, 50, 300);
      const m2 = marginal(v, 300, 1000);
      const change = m2 / m1 - 1;
      console.log(`  ${what}: marginal ms per model 50 -> 300 ${fmt(m1, 1)}, 300 -> 1000 ${fmt(m2, 1)} (${change >= 0 ? '+' : ''}${fmt(change * 100, 1)} %; `
        + `target: within 15 %, a lower cost also passes): ${change <= 0.15 ? 'PASS' : 'FAIL'}`);
    } else {
      console.log(`  ${what}: marginal cost 300 -> 1000 vs 50 -> 300 not measured (needs N = 50, 300 and 1000)`);
    }
  }
  console.log(`  (load average now ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')})`);

  console.log(`\nlimits checked (lib/core/cloudformation-limits.ts): per template ${core.MAX_TEMPLATE_RESOURCES} resources, ${core.MAX_TEMPLATE_PARAMETERS} parameters, `
    + `${core.MAX_TEMPLATE_OUTPUTS} outputs, ${core.MAX_TEMPLATE_MAPPINGS} mappings, ${core.MAX_TEMPLATE_BODY_BYTES} bytes; ${core.MAX_STACKS_PER_ACCOUNT_REGION} stacks per account and Region; `
    + `${core.MAX_NESTED_STACK_OPERATION_RESOURCES} resources per nested-stack operation; unique export names; charts inlined by EKS within ${core.MAX_TEMPLATE_BODY_BYTES} bytes`);
  console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (failures.length > 0) {
    console.error(`\nFAILED (${failures.length}):\n${[...new Set(failures)].slice(0, 40).map((f) => `  - ${f}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('no CloudFormation limit broken; baselines comparable');
  }
}

/**
 * `--check <cloud assembly> [--k8s <folder of YAML files>]`: the limit checks alone, on output
 * synthesized elsewhere (scripts/validate.sh runs them on the examples' cdk.out). Exit 1 on any problem.
 */
function check(assemblyDir: string, k8sDir: string | undefined): void {
  const aws = inspectAssembly(assemblyDir);
  const big = [...aws.templates].sort((a, b) => b.resources - a.resources)[0];
  console.log(`${assemblyDir}: ${aws.stacks} stacks (${aws.nestedStacks} nested), ${aws.templates.length} templates, `
    + `${sum(aws.templates.map((t) => t.resources))} resources, ${aws.exports} exports; largest ${big?.file} with ${big?.resources} resources; `
    + `largest body ${Math.max(0, ...aws.templates.map((t) => t.bytes))} bytes`);
  const problems = [...aws.problems];
  if (k8sDir) {
    const k8s = inspectCharts(k8sDir);
    console.log(`${k8sDir}: ${k8s.charts.length} chart files, ${sum(k8s.charts.map((c) => c.objects))} objects; largest chart inlined ${k8s.largestInlineBytes} bytes`);
    problems.push(...k8s.problems);
  }
  if (problems.length > 0) {
    console.error(`CloudFormation limits broken (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('no CloudFormation limit broken');
  }
}

/**
 * `--self-test`: the checks must refuse test/fixtures/broken/cloudformation-limits for each of its
 * three reasons (501 resources, 201 parameters, an export name declared twice). Exit 1 otherwise.
 */
function selfTest(): void {
  const fixture = path.join(__dirname, '..', 'test', 'fixtures', 'broken', 'cloudformation-limits');
  const problems = inspectAssembly(fixture).problems;
  const expected = ['501 resources', '201 parameters', 'export name broken-shared declared 2 times'];
  const missed = expected.filter((e) => !problems.some((p) => p.includes(e)));
  if (missed.length > 0 || problems.length !== expected.length) {
    console.error(`self-test: the limit checks did not refuse ${fixture} as expected: missed ${JSON.stringify(missed)}; got ${JSON.stringify(problems)}`);
    process.exitCode = 1;
  } else {
    console.log(`self-test: ${fixture} refused for each of its ${expected.length} reasons: ok`);
  }
}

if (ARGS[0] === '--self-test') {
  selfTest();
} else if (ARGS[0] === '--check') {
  check(ARGS[1], option('--k8s'));
} else if (ARGS[0] === '--child') {
  runChild(ARGS[1] as Variant, Number(ARGS[2]), ARGS[3], ARGS[4]);
} else if (ARGS[0] === '--reference') {
  makeReference(ARGS[1]);
} else if (ARGS.some((a, i) => a.startsWith('--') && !KNOWN_OPTIONS.includes(a) && ARGS[i - 1] !== '--sizes' && ARGS[i - 1] !== '--runs')) {
  // --help, or a typo: print the usage (this file's header) and run nothing (a full run takes an hour).
  console.log(fs.readFileSync(__filename, 'utf-8').split('\n */')[0].replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exitCode = ARGS.includes('--help') ? 0 : 2;
} else {
  main();
}
