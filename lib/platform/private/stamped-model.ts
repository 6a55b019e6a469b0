import { CfnElement, CfnResource, DockerImageAssetSource, Environment, FileAssetSource, ISynthesisSession, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MlopsValidationError } from '../../core/errors';
import { NameSubstitution, cdkUniqueId, nameForms } from '../../core/model-stamping';
import type { PlatformModel } from '../platform-model';

/** The assets a stack's synthesizer was given, recorded to give a stamped copy the same. */
export interface RecordedAssets {
  readonly files: FileAssetSource[];
  readonly images: DockerImageAssetSource[];
}

/**
 * Records every asset given to the stack's synthesizer from now on (the Lambda bundles of a model
 * stack): a stamped copy names the same assets in its own asset manifest, so that deploying the
 * copy alone publishes them.
 */
export function recordAssets(stack: Stack): RecordedAssets {
  const recorded: RecordedAssets = { files: [], images: [] };
  const synthesizer = stack.synthesizer;
  const addFile = synthesizer.addFileAsset.bind(synthesizer);
  const addImage = synthesizer.addDockerImageAsset.bind(synthesizer);
  Object.assign(synthesizer, {
    addFileAsset: (asset: FileAssetSource) => {
      // Not the stack's own template (added at synthesis): a copy has its own.
      if (asset.fileName !== stack.templateFile) recorded.files.push(asset);
      return addFile(asset);
    },
    addDockerImageAsset: (asset: DockerImageAssetSource) => {
      recorded.images.push(asset);
      return addImage(asset);
    },
  });
  return recorded;
}

/** What the stack's synthesizer adds itself: a copy's synthesizer adds them again. */
const SYNTHESIZER_PARTS: Array<[string, string]> = [['Parameters', 'BootstrapVersion'], ['Rules', 'CheckBootstrapVersion']];

/** The template's own settings (`Stack.templateOptions`): a copy sets them on itself, not in an element. */
const TEMPLATE_OPTIONS = ['Description', 'Transform', 'AWSTemplateFormatVersion', 'Metadata'];

/** What a synthesis of the group found: the prototype the copies are written from, and its template. */
interface CheckedSource {
  readonly source: PlatformModel;
  readonly text: string;
  readonly hashedPaths: HashedPath[];
}

/**
 * Models of one spec and name structure: two built from constructs (the prototypes), the others
 * written from one prototype's template (its assets, stack dependencies and settings). At each
 * synthesis the group renders both prototypes and checks that one's template with the other's name
 * is the other's, byte for byte, and that their stacks' settings agree, before any copy is written:
 * a customization of one prototype, or a name the library writes in a form the substitution does
 * not know (a hash, a cut, a word of the template), fails the synthesis instead of deploying wrong
 * copies.
 */
export class StampGroup {
  private checked?: { readonly assembly: unknown; readonly result: CheckedSource };

  constructor(
    private readonly platformPath: string,
    /** A prototype. */
    public readonly first: PlatformModel,
    /** The other prototype. */
    public readonly second: PlatformModel,
  ) {}

  /** The prototype to write copies from, and its template (without the synthesizer's parts), checked for this synthesis. */
  public check(assembly: unknown): CheckedSource {
    if (this.checked !== undefined && this.checked.assembly === assembly) return this.checked.result;
    const texts = new Map([this.first, this.second].map((m) => [m, renderWithoutSynthesizerParts(m)]));
    const hashedPaths = new Map([this.first, this.second].map((m) => [m, hashedPathsIn(m, texts.get(m)!)]));
    const source = this.sourceOf(texts, (from, to) => substitution(from, hashedPaths.get(from)!, to.modelName));
    if (source === undefined) {
      const written = substitution(this.first, hashedPaths.get(this.first)!, this.second.modelName).apply(texts.get(this.first)!);
      throw this.error(`their templates differ beyond their names: ${firstDifference(written, texts.get(this.second)!)}`);
    }
    this.checkSettings(this.first, this.second);
    const result = { source, text: texts.get(source)!, hashedPaths: hashedPaths.get(source)! };
    this.checked = { assembly, result };
    return result;
  }

  /**
   * `of` a stamped model (its alarms, its runbook section): `of` a prototype with the name replaced,
   * checked against the other prototype the same way as the templates.
   */
  public rowsFor<T>(name: string, of: (model: PlatformModel) => T): T {
    const texts = new Map([this.first, this.second].map((m) => [m, JSON.stringify(of(m))]));
    const source = this.sourceOf(texts, (from, to) => new NameSubstitution(from.modelName, to.modelName));
    if (source === undefined) throw this.error('their alarms and runbook differ beyond their names');
    return JSON.parse(new NameSubstitution(source.modelName, name).apply(texts.get(source)!)) as T;
  }

  /**
   * The prototype whose text, written for the other's name, is the other's, trying both: either
   * that holds is sound (a prototype's name elsewhere in its own text would be replaced too, and
   * the result could not equal the other's).
   */
  private sourceOf(texts: Map<PlatformModel, string>, sub: (from: PlatformModel, to: PlatformModel) => NameSubstitution): PlatformModel | undefined {
    return [[this.first, this.second], [this.second, this.first]]
      .find(([from, to]) => sub(from, to).apply(texts.get(from)!) === texts.get(to))?.[0];
  }

  /** What turns `source`'s template into `name`'s (see `substitution`). */
  public substitution(checked: CheckedSource, name: string): NameSubstitution {
    return substitution(checked.source, checked.hashedPaths, name);
  }

  /** The prototypes' stacks must agree on what a copy takes from one: termination protection, notifications, dependencies. */
  private checkSettings(a: PlatformModel, b: PlatformModel): void {
    const settings = (m: PlatformModel) => JSON.stringify({
      terminationProtection: m.terminationProtection,
      notificationArns: notificationArnsOf(m),
      dependencies: m.dependencies.filter((d) => d !== a && d !== b).map((d) => d.node.path).sort(),
    });
    if (settings(a) !== settings(b)) {
      throw this.error(`their stacks differ: ${settings(a)} and ${settings(b)}`);
    }
  }

  private error(why: string): MlopsValidationError {
    return new MlopsValidationError([{
      constructPath: this.platformPath,
      property: 'modelSynthesis',
      received: `STAMPED (models "${this.first.modelName}" and "${this.second.modelName}", the prototypes of their shape: ${why})`,
      allowed: 'prototypes whose templates and stacks differ only in the name: none changed alone after the platform was made, and none '
        + 'named by a word its template holds anyway (the prototypes are the first names of a shape, in the spec\'s order, with a letter g-z, '
        + 'that the spec, the construct ids and the resource types do not hold: put others first), or ModelSynthesis.CONSTRUCTS',
    }]);
  }
}

/**
 * Whether a built model's name, in any form, is in a construct id or a resource type of its stack
 * (`alarm` in `AWS::CloudWatch::Alarm`): its template would hold it beyond the name.
 */
export function namedInItsTree(model: PlatformModel): boolean {
  const forms = nameForms(model.modelName);
  // Ids made of another construct's unique id (`AllowEventRule<path of the rule>…`) start it with
  // the stack's path, which names the model: those are substituted as hashed ids.
  const pathPrefix = model.node.scopes.slice(1).map((s) => s.node.id.replace(/[^A-Za-z0-9]/g, '')).join('');
  return model.node.findAll().some((c) => c !== model && forms.some((f) => c.node.id.split(pathPrefix).join('').includes(f)
    || (CfnResource.isCfnResource(c) && c.cfnResourceType.includes(f))));
}

/** The stack's notification topics (`notificationArns`, in the cloud assembly as given). */
function notificationArnsOf(stack: Stack): string[] | undefined {
  return (stack as unknown as { _notificationArns?: string[] })._notificationArns;
}

interface HashedPath {
  readonly components: string[];
  readonly id: string;
}

/**
 * What turns `source`'s template into `name`'s: the name's forms, and each id hashed from a path
 * that names the model (computed for the copy's path; an id inside another's path, as
 * `AllowEventRule<rule's id>`, mapped first).
 */
function substitution(source: PlatformModel, hashedPaths: HashedPath[], name: string): NameSubstitution {
  let ids = new Map<string, string>();
  for (let pass = 0; pass < 2; pass++) {
    const sub = new NameSubstitution(source.modelName, name, ids);
    ids = new Map(hashedPaths.map((p) => [p.id, cdkUniqueId(p.components.map((c) => sub.apply(c)))]));
  }
  return new NameSubstitution(source.modelName, name, ids);
}

/**
 * The paths of `stack`'s constructs whose ids aws-cdk-lib hashes from a path naming the model
 * (`Names.uniqueId`: generated alarm names, `AllowEventRule…` permissions and statement ids; and
 * logical ids below the stack that hold one) and that `template` holds.
 */
function hashedPathsIn(stack: Stack, template: string): HashedPath[] {
  const out: HashedPath[] = [];
  const below = stack.node.scopes.length;
  for (const c of stack.node.findAll()) {
    const full = c.node.scopes.slice(1).map((s) => s.node.id);
    const inStack = c.node.scopes.slice(below).map((s) => s.node.id);
    for (const components of [full, inStack]) {
      if (components.length === 0) continue;
      const id = cdkUniqueId(components);
      if (template.includes(id)) out.push({ components, id });
    }
  }
  return out;
}

function renderWithoutSynthesizerParts(stack: Stack): string {
  const template = (stack as unknown as { _toCloudFormation(): Record<string, any> })._toCloudFormation();
  for (const [section, key] of SYNTHESIZER_PARTS) {
    if (template[section]?.[key] !== undefined) {
      delete template[section][key];
      if (Object.keys(template[section]).length === 0) delete template[section];
    }
  }
  return JSON.stringify(template);
}

/** Where two texts first differ, with some context of each. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 40), i + 40));
  return `at character ${i}, ${around(a)} written from the first, ${around(b)} built`;
}

/** Properties of a `StampedModelStack`. */
export interface StampedModelStackProps {
  readonly group: StampGroup;
  readonly modelName: string;
  readonly stackName: string;
  readonly env?: Environment;
}

/**
 * A model's stack written from a prototype of its group: the same resources, parameters, outputs,
 * conditions and template settings with the model's name, the same assets, stack dependencies,
 * termination protection and notification topics. No constructs of the model: nothing to customize
 * (use `ModelSynthesis.CONSTRUCTS` for that).
 */
export class StampedModelStack extends Stack {
  constructor(scope: Construct, id: string, props: StampedModelStackProps) {
    super(scope, id, {
      env: props.env,
      stackName: props.stackName,
      // The prototype's CDKMetadata (when analytics are on) is in the copied template.
      analyticsReporting: false,
    });
    const template = new StampedTemplate(this, 'Template');
    // Written when this stack is synthesized (its synthesizer's public entry point), once the
    // app's references are resolved and the prototypes are final.
    const synthesizer = this.synthesizer;
    const synthesize = synthesizer.synthesize.bind(synthesizer);
    Object.assign(synthesizer, {
      synthesize: (session: ISynthesisSession) => {
        this.writeFrom(props.group, props.modelName, session, template);
        synthesize(session);
      },
    });
  }

  private writeFrom(group: StampGroup, modelName: string, session: ISynthesisSession, element: StampedTemplate): void {
    const checked = group.check(session.assembly);
    const prototype = checked.source;
    const content = JSON.parse(group.substitution(checked, modelName).apply(checked.text));
    if (Object.keys(content.Resources ?? {}).length === 0) {
      throw new Error(`${this.node.path}: the template written from ${prototype.node.path} has no resources`);
    }
    this.templateOptions.description = content.Description;
    this.templateOptions.transforms = content.Transform === undefined ? undefined : [].concat(content.Transform);
    this.templateOptions.templateFormatVersion = content.AWSTemplateFormatVersion;
    this.templateOptions.metadata = content.Metadata;
    for (const key of TEMPLATE_OPTIONS) delete content[key];
    element.content = content;
    this.terminationProtection = prototype.terminationProtection;
    Object.assign(this, { _notificationArns: notificationArnsOf(prototype) });
    for (const dependency of prototype.dependencies) {
      if (dependency !== group.first && dependency !== group.second) this.addStackDependency(dependency);
    }
    // Before the synthesizer writes the asset manifest (after the template).
    for (const asset of prototype._assets.files) this.synthesizer.addFileAsset(asset);
    for (const asset of prototype._assets.images) this.synthesizer.addDockerImageAsset(asset);
  }
}

/** The prototype's template with this model's name, as one element of the copy's template. */
class StampedTemplate extends CfnElement {
  /**
   * The template's sections, set when the stack is synthesized. Before (when the app's references
   * are looked for) the element is empty: it holds no reference.
   */
  public content: object = {};

  /** @internal */
  public _toCloudFormation(): object {
    return this.content;
  }
}
