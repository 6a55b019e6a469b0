import { CfnElement, DockerImageAssetSource, Environment, FileAssetSource, ISynthesisSession, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MlopsValidationError } from '../../core/errors';
import { NameSubstitution, cdkUniqueId } from '../../core/model-stamping';
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

/**
 * Models of one spec and name structure: two built from constructs (the prototypes), the others
 * written from the first's template (its assets, stack dependencies). At synthesis the group renders both prototypes and checks that
 * the first's template with the second's name is the second's, byte for byte, before any copy is
 * written: a customization of one prototype, or a name the library writes in a form the
 * substitution does not know (a hash, a cut), fails the synthesis instead of deploying wrong copies.
 */
export class StampGroup {
  private text?: string;
  /** The prototype's construct paths whose hashed ids its template holds (full path, and below the stack for elements). */
  private hashedPaths?: Array<{ readonly components: string[]; readonly id: string }>;

  private prototypes?: [PlatformModel, PlatformModel];

  constructor(private readonly platformPath: string) {}

  /** The two models built from constructs (set once they are built). */
  public setPrototypes(first: PlatformModel, second: PlatformModel): void {
    this.prototypes = [first, second];
  }

  /** The prototype whose template the copies are written from. */
  public get first(): PlatformModel {
    return this.prototypes![0];
  }

  /** The prototype the first is checked against. */
  public get second(): PlatformModel {
    return this.prototypes![1];
  }

  /** The first prototype's template (without the synthesizer's parts), checked against the second. */
  public templateText(): string {
    if (this.text === undefined) {
      const first = renderWithoutSynthesizerParts(this.first);
      this.hashedPaths = hashedPathsIn(this.first, first);
      const second = renderWithoutSynthesizerParts(this.second);
      const written = this.substitution(this.second.modelName).apply(first);
      if (written !== second) {
        throw new MlopsValidationError([{
          constructPath: this.platformPath,
          property: 'modelSynthesis',
          received: `STAMPED (models "${this.first.modelName}" and "${this.second.modelName}" differ beyond their names: ${firstDifference(written, second)})`,
          allowed: 'models of one spec and name structure whose templates differ only in the name (was one of them changed after the platform was made?); use ModelSynthesis.CONSTRUCTS to build every model from constructs',
        }]);
      }
      this.text = first;
    }
    return this.text;
  }

  /**
   * What turns the first prototype's template into `name`'s: the name's forms, and each id hashed
   * from a path that names the model (computed for the copy's path; an id inside another's path,
   * as `AllowEventRule<rule's id>`, mapped first).
   */
  public substitution(name: string): NameSubstitution {
    const from = this.first.modelName;
    let ids = new Map<string, string>();
    for (let pass = 0; pass < 2; pass++) {
      const sub = new NameSubstitution(from, name, ids);
      ids = new Map(this.hashedPaths!.map((p) => [p.id, cdkUniqueId(p.components.map((c) => sub.apply(c)))]));
    }
    return new NameSubstitution(from, name, ids);
  }
}

/**
 * The paths of `stack`'s constructs whose ids aws-cdk-lib hashes from a path naming the model
 * (`Names.uniqueId`: generated alarm names, `AllowEventRule…` permissions and statement ids; and
 * logical ids below the stack that hold one) and that `template` holds.
 */
function hashedPathsIn(stack: Stack, template: string): Array<{ components: string[]; id: string }> {
  const out: Array<{ components: string[]; id: string }> = [];
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
  readonly terminationProtection?: boolean;
}

/**
 * A model's stack written from its group's first prototype: the same resources, parameters,
 * outputs and conditions with the model's name, the same assets and the same stack dependencies.
 * No constructs of the model: nothing to customize (use `ModelSynthesis.CONSTRUCTS` for that).
 */
export class StampedModelStack extends Stack {
  private readonly group: StampGroup;
  private readonly template: StampedTemplate;

  constructor(scope: Construct, id: string, props: StampedModelStackProps) {
    super(scope, id, {
      env: props.env,
      stackName: props.stackName,
      terminationProtection: props.terminationProtection,
      // The prototype's CDKMetadata (when analytics are on) is in the copied template.
      analyticsReporting: false,
    });
    this.group = props.group;
    this.template = new StampedTemplate(this, 'Template', props.group, props.modelName);
  }

  /**
   * Written once references are resolved (the synthesis proper): the prototype's template, and its
   * stack dependencies (the shared stack, any stack of a given topic or bucket).
   * @internal
   */
  public _synthesizeTemplate(
    session: ISynthesisSession, lookupRoleArn?: string, lookupRoleExternalId?: string, lookupRoleAdditionalOptions?: { [key: string]: any },
  ): void {
    const prototype = this.group.first;
    for (const dependency of prototype.dependencies) this.addStackDependency(dependency);
    // Before the synthesizer writes the asset manifest (after the template).
    for (const asset of prototype._assets.files) this.synthesizer.addFileAsset(asset);
    for (const asset of prototype._assets.images) this.synthesizer.addDockerImageAsset(asset);
    this.template.written = true;
    super._synthesizeTemplate(session, lookupRoleArn, lookupRoleExternalId, lookupRoleAdditionalOptions);
  }
}

/** The prototype's template with this model's name, as one element of the copy's template. */
class StampedTemplate extends CfnElement {
  /**
   * Whether the synthesis proper has begun. Before (when the app's references are looked for) the
   * element is empty: it holds no reference, and the prototypes' templates are not final yet.
   */
  public written = false;

  constructor(scope: Stack, id: string, private readonly group: StampGroup, private readonly modelName: string) {
    super(scope, id);
  }

  /** @internal */
  public _toCloudFormation(): object {
    if (!this.written) return {};
    const text = this.group.templateText();
    return JSON.parse(this.group.substitution(this.modelName).apply(text));
  }
}
