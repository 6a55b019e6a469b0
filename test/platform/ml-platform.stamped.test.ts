import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, CfnResource, Names, Stack } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { MlopsValidationError } from '../../lib/core/errors';
import { NameSubstitution, cdkUniqueId, nameStructure } from '../../lib/core/model-stamping';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatform, ModelSynthesis } from '../../lib/platform/ml-platform';
import { PlatformModel } from '../../lib/platform/platform-model';
import { ENV } from '../support/aws';

const EXAMPLE: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
// Names of four structures: "aaaaa" (3: one stamped, from fraud and click; churn is named in the
// spec's owner, so it is not a prototype), "a0" (4: a1 and b2 stamped from m1 and m3, a1 and b2 have
// only hexadecimal letters), "aaaaa-a0" (3: the second prototype the name most unlike fraud-v2,
// ranks-v4) and one alone.
const NAMES = ['churn', 'fraud', 'click', 'm1', 'a1', 'm3', 'b2', 'fraud-v2', 'spams-v3', 'ranks-v4', 'ranking'];
const spec = (names: string[] = NAMES): PlatformSpec => ({ ...EXAMPLE, models: names.map((name) => ({ ...EXAMPLE.models[0], name })) });

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A stack of the app's own, with one resource (an empty template is a synthesis warning). */
function otherStack(app: App): Stack {
  const stack = new Stack(app, 'Other', { env: ENV });
  new CfnResource(stack, 'Handle', { type: 'AWS::CloudFormation::WaitConditionHandle' });
  return stack;
}

function synth(modelSynthesis?: ModelSynthesis, names?: string[]): { platform: MlPlatform; assembly: cxapi.CloudAssembly; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-stamped-'));
  outdirs.push(outdir);
  // As the CLI synthesizes: analytics and path metadata on.
  const app = new App({ outdir, analyticsReporting: true, context: { [cxapi.PATH_METADATA_ENABLE_CONTEXT]: true } });
  const platform = new MlPlatform(app, 'Acme', { spec: spec(names), env: ENV, modelSynthesis });
  return { platform, assembly: app.synth(), outdir };
}

describe('MlPlatform with ModelSynthesis.STAMPED', () => {
  const constructs = synth();
  const stamped = synth(ModelSynthesis.STAMPED);

  it('builds from constructs only the prototypes and the models of groups too small to stamp', () => {
    expect(constructs.platform.models.map((m) => m.modelName)).toEqual(NAMES);
    const built = stamped.platform.models.map((m) => m.modelName);
    expect(built).toEqual(['fraud', 'click', 'm1', 'm3', 'fraud-v2', 'ranks-v4', 'ranking']);
    expect(stamped.platform.modelNames).toEqual(NAMES);
    expect(stamped.platform.modelStacks.map((s) => s.stackName)).toEqual(NAMES.map((n) => `acme-${n}`));
  });

  it('writes every stack as the constructs do: the same templates byte for byte, assets and stack properties', () => {
    const byName = (a: cxapi.CloudAssembly) => new Map(a.stacks.map((s) => [s.stackName, s]));
    const want = byName(constructs.assembly);
    const got = byName(stamped.assembly);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, w] of want) {
      const g = got.get(name)!;
      expect(fs.readFileSync(g.templateFullPath, 'utf-8'), name).toBe(fs.readFileSync(w.templateFullPath, 'utf-8'));
      expect(g.tags, name).toEqual(w.tags);
      expect(g.dependencies.map((d) => d.id).sort(), name).toEqual(w.dependencies.map((d) => d.id).sort());
      expect(g.terminationProtection, name).toEqual(w.terminationProtection);
      const assets = (a: cxapi.CloudFormationStackArtifact, outdir: string) => {
        const manifest = a.dependencies.find((d) => d.id.endsWith('.assets'))!;
        return JSON.parse(fs.readFileSync(path.join(outdir, `${manifest.id}.json`), 'utf-8'));
      };
      expect(assets(g, stamped.outdir), name).toEqual(assets(w, constructs.outdir));
    }
    // Stamped copies exist: 4 of the 11 stacks.
    expect(NAMES.filter((n) => !stamped.platform.models.some((m) => m.modelName === n))).toEqual(['churn', 'a1', 'b2', 'spams-v3']);
  });

  it('lists the same alarms and writes the same runbook and diagram', () => {
    expect(stamped.platform.alarms()).toEqual(constructs.platform.alarms());
    expect(stamped.platform.runbook()).toBe(constructs.platform.runbook());
    expect(stamped.platform.diagram()).toEqual(constructs.platform.diagram());
  });

  it('passes over a name its template holds anyway, and one the spec holds, as prototypes', () => {
    // "alarm" is in AWS::CloudWatch::Alarm (PascalCase): built, not a prototype. "churn" is in the
    // spec's owner: not tried. fraud and click stand for churn and spams.
    const names = ['alarm', 'churn', 'fraud', 'click', 'spams'];
    const a = synth(ModelSynthesis.STAMPED, names);
    const b = synth(ModelSynthesis.CONSTRUCTS, names);
    expect(a.platform.models.map((m) => m.modelName)).toEqual(['alarm', 'fraud', 'click']);
    const template = (x: typeof a, name: string) => fs.readFileSync(x.assembly.getStackByName(`acme-${name}`).templateFullPath, 'utf-8');
    for (const name of names) expect(template(a, name), name).toBe(template(b, name));
  });

  it('writes from the second prototype when the first\'s name is a word of the template ("risk" in "OOM risk")', () => {
    const names = ['risk', 'fees', 'loan'];
    const a = synth(ModelSynthesis.STAMPED, names);
    const b = synth(ModelSynthesis.CONSTRUCTS, names);
    expect(a.platform.models.map((m) => m.modelName)).toEqual(['risk', 'fees']);
    const template = (x: typeof a, name: string) => fs.readFileSync(x.assembly.getStackByName(`acme-${name}`).templateFullPath, 'utf-8');
    expect(template(a, 'loan')).toContain('(OOM risk)');
    for (const name of names) expect(template(a, name), name).toBe(template(b, name));
    expect(a.platform.runbook()).toBe(b.platform.runbook());
  });

  it('gives copies what the prototypes\' stacks share: termination protection, dependencies, template settings', () => {
    const customize = (app: App, platform: MlPlatform, other: Stack) => {
      // What a team's app does to every model stack: an aspect, and a loop over the models.
      Aspects.of(app).add({
        visit: (node) => {
          if (node instanceof PlatformModel) node.terminationProtection = true;
          if (Stack.isStack(node) && node.stackName.startsWith('acme-')) node.templateOptions.description = `tracked: ${node.stackName}`;
        },
      });
      platform.models.forEach((m) => m.addStackDependency(other));
    };
    const build = (mode: ModelSynthesis) => {
      const app = new App();
      const other = otherStack(app);
      const platform = new MlPlatform(app, 'Acme', { spec: spec(['fraud', 'click', 'spams']), env: ENV, modelSynthesis: mode });
      customize(app, platform, other);
      return app.synth().getStackByName('acme-spams');
    };
    const [copy, built] = [build(ModelSynthesis.STAMPED), build(ModelSynthesis.CONSTRUCTS)];
    expect(copy.terminationProtection).toBe(true);
    expect(copy.terminationProtection).toBe(built.terminationProtection);
    expect(copy.dependencies.map((d) => d.id).sort()).toEqual(built.dependencies.map((d) => d.id).sort());
    expect(copy.dependencies.map((d) => d.id)).toContain('Other');
    expect(copy.template.Description).toBe('tracked: acme-spams');
    expect(fs.readFileSync(copy.templateFullPath, 'utf-8')).toBe(fs.readFileSync(built.templateFullPath, 'utf-8'));
  });

  it('refuses to write copies when one prototype\'s stack was changed alone', () => {
    const app = new App();
    const platform = new MlPlatform(app, 'Acme', { spec: spec(['fraud', 'click', 'drift']), env: ENV, modelSynthesis: ModelSynthesis.STAMPED });
    platform.models[0].addStackDependency(otherStack(app));
    expect(() => app.synth()).toThrow(/models "fraud" and "click", the prototypes of their shape: their stacks differ/);
  });

  it('refuses to write copies from a prototype changed after the platform was made', () => {
    const app = new App();
    const platform = new MlPlatform(app, 'Acme', { spec: spec(['fraud', 'click', 'drift']), env: ENV, modelSynthesis: ModelSynthesis.STAMPED });
    expect(platform.models.map((m) => m.modelName)).toEqual(['fraud', 'click']);
    (platform.models[0].endpoint.node.defaultChild as CfnResource).addPropertyOverride('Tags.0.Value', 'changed');
    const error = (() => {
      try {
        app.synth();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MlopsValidationError);
    expect(String((error as Error).message)).toMatch(/Acme: modelSynthesis .*models "fraud" and "click", the prototypes of their shape: their templates differ beyond their names/);
  });

  it('is off by default; from 25 models built from constructs, an info says it exists', () => {
    const app = new App();
    const platform = new MlPlatform(app, 'Acme', { spec: spec(['fraud', 'click', 'drift']), env: ENV });
    expect(platform.models.length).toBe(3);
    expect(platform.sharedStack.node.metadata.filter((m) => m.type === 'aws:cdk:info')).toEqual([]);
    const names = Array.from({ length: 25 }, (_, i) => `m${i + 1}`);
    const infos = (mode?: ModelSynthesis) => {
      const big = new MlPlatform(new App(), 'Big', { spec: spec(names), env: ENV, modelSynthesis: mode });
      return big.sharedStack.node.metadata.filter((m) => m.type === 'aws:cdk:info').map((m) => String(m.data));
    };
    expect(infos()).toEqual([expect.stringMatching(/^25 models, each built from constructs: modelSynthesis ModelSynthesis.STAMPED writes/)]);
    expect(infos(ModelSynthesis.STAMPED)).toEqual([
      'ModelSynthesis.STAMPED: 21 of 25 models written from 4 prototypes; 4 built from constructs (the prototypes, names passed over as prototypes, '
      + 'and shapes of fewer than three models: a shape is the spec apart from the name, with names of one structure)',
    ]);
  });
});

describe('model stamping helpers', () => {
  it('computes aws-cdk-lib\'s unique ids', () => {
    const app = new App();
    const stack = new Stack(app, 'Acme');
    const deep = new Construct(new Construct(new Construct(stack, 'Fraud'), 'Default'), 'Resource');
    const rule = new Construct(stack, 'AllowEventRuleAcmeFraudPromotionRegistryOnApproved75705251');
    const dupes = new Construct(new Construct(stack, 'Model'), 'Model');
    const long = new Construct(new Construct(stack, 'A'.repeat(200)), 'B'.repeat(100));
    for (const c of [stack, deep, rule, dupes, long, new Construct(app, 'x-y'), new Construct(app, 'C'.repeat(300))]) {
      expect(cdkUniqueId(c.node.scopes.slice(1).map((s) => s.node.id))).toBe(Names.uniqueId(c));
    }
  });

  it('replaces every form of a name in one pass, and only names of one structure', () => {
    const sub = new NameSubstitution('fraud-v2', 'churn-v3');
    expect(sub.apply('fraud-v2 FraudV2 [fF][rR][aA][uU][dD]-[vV]2 fraud_v2')).toBe('churn-v3 ChurnV3 [cC][hH][uU][rR][nN]-[vV]3 churn_v3');
    expect(nameStructure('fraud-v2')).toBe('aaaaa-a0');
    expect(() => new NameSubstitution('fraud', 'fraud-v2')).toThrow(/different structure/);
  });
});
