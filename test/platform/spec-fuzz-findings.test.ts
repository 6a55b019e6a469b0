/**
 * What the platform spec fuzz test (spec-fuzz.test.ts) found, one named test each: spec files that
 * crashed (a stack overflow) or were refused by a construct inside the platform, under its own path
 * and props instead of the file's keys, are now the library's error naming the file and the key.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV, expectValidationError } from '../support/aws';
import { MINIMAL_AWS_SPEC } from '../support/spec-fuzz';

const EXAMPLE = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8');

function write(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spec-findings-')), 'platform.yaml');
  fs.writeFileSync(file, text);
  return file;
}

/** The example spec with `change` applied to its parsed data. */
function exampleWith(change: (spec: any) => void): string {
  const spec = YAML.parse(EXAMPLE);
  change(spec);
  return YAML.stringify(spec);
}

const onAws = (file: string) => () => {
  const app = new App();
  MlPlatform.fromFile(new Stack(app, 'S', { env: ENV }), 'Platform', file);
  app.synth();
};
const onK8s = (file: string) => () => Testing.synth(MlPlatformChart.fromFile(Testing.app(), 'platform', file));

/** The one problem at `property`, from a file of the platform (its message names the file). */
function problemAt(run: () => unknown, file: string, property: string) {
  const e = expectValidationError(run);
  expect(e.message).toContain(file);
  const p = e.problems.find((x) => x.property === property);
  expect(p, e.message).toBeDefined();
  expect(p!.constructPath).toContain(file);
  return p!;
}

describe('spec fuzz findings', () => {
  describe('text of a CDK token in a spec file is refused with the file and key, on both targets', () => {
    // fuzz note: `environment: { A: "${Token[TOKEN.5]}" }` failed the AWS synthesis with UnrecognizedTokenKey
    it.each([
      ['a string token in a drift feature', (x: any) => { x.models[0].drift.features = ['${Token[TOKEN.5]}']; }, 'models[0].drift.features[0]', '"${Token[TOKEN.5]}"'],
      ['a list token', (x: any) => { x.models[0].drift.features = ['#{Token[TOKEN.7]}']; }, 'models[0].drift.features[0]', '"#{Token[TOKEN.7]}"'],
      ['a number token', (x: any) => { x.models[0].serving.maxP99LatencyMillis = -1.8881545897087516e+289; }, 'models[0].serving.maxP99LatencyMillis', '-1.8881545897087516e+289'],
    ])('%s', (_what, change, property, received) => {
      const file = write(exampleWith(change));
      for (const run of [onAws(file), onK8s(file)]) {
        const p = problemAt(run, file, property);
        expect(p.allowed).toMatch(/^must not be the text of a CDK token/);
        expect(p.received).toBe(received);
      }
    });
  });

  describe('a YAML alias inside its own anchor (data that contains itself) is refused, not a stack overflow', () => {
    // fuzz seed 7, k8s case 271: `kubernetes: &a843 … pipelineArtifactRoot: *a843`
    const selfInKubernetes = EXAMPLE.replace(/^kubernetes:$/m, 'kubernetes: &k').replace(/pipelineArtifactRoot: .*$/m, 'pipelineArtifactRoot: *k');
    // fuzz seed 7, aws case 101: `pipeline: &a521 … inferenceImage: *a521`
    const selfInPipeline = MINIMAL_AWS_SPEC.replace(/^ {4}pipeline:$/m, '    pipeline: &p').replace(/inferenceImage: .*$/m, 'inferenceImage: *p');

    it.each([
      ['kubernetes', 'aws', selfInKubernetes, 'kubernetes.pipelineArtifactRoot', '"*alias of kubernetes"'],
      ['kubernetes', 'k8s', selfInKubernetes, 'kubernetes.pipelineArtifactRoot', '"*alias of kubernetes"'],
      ['a model\'s pipeline', 'aws', selfInPipeline, 'models[0].pipeline.inferenceImage', '"*alias of models[0].pipeline"'],
      ['the whole document', 'k8s', `${EXAMPLE}\nloop: &all\n  again: *all\n`, 'loop.again', '"*alias of loop"'],
    ])('in %s, on %s', (_where, target, text, property, received) => {
      const file = write(text);
      const p = problemAt(target === 'aws' ? onAws(file) : onK8s(file), file, property);
      expect(p.allowed).toBe('must not contain itself (a YAML alias inside its own anchor)');
      expect(p.received).toBe(received);
    });

    it('accepts an alias that repeats a value outside itself', () => {
      let n = 0;
      const text = EXAMPLE.replace(/^( {8}cpu: )"4"$/gm, (_line, key: string) => (n++ === 0 ? `${key}&cpu "4"` : `${key}*cpu`));
      expect(n).toBe(3); // training, serving and (issue 18) batch scoring
      const file = write(text);
      expect(() => onK8s(file)()).not.toThrow();
    });
  });

  describe('training versions are version labels on both targets (the pipelines refused them under their own props)', () => {
    // fuzz seed 7, aws case 478: featureSetVersion " f1" → "FuzzStack/Platform/A/Training: defaultFeatureSetVersion must be …"
    it.each([
      ['aws', 'featureSetVersion', ' f1'],
      ['aws', 'dataVersion', 'customers 2026'],
      ['k8s', 'featureSetVersion', ' f1'],
      ['k8s', 'dataVersion', 'ü'],
    ])('on %s, %s %j', (target, key, value) => {
      const file = write(exampleWith((s) => { s.models[0].training[key] = value; }));
      const p = problemAt(target === 'aws' ? onAws(file) : onK8s(file), file, `models[0].training.${key}`);
      expect(p.allowed).toMatch(/^must be 1-200 characters of letters, digits and \._:\/@\+=- \(no spaces\)/);
      expect(p.received).toBe(JSON.stringify(value));
    });

    it('on AWS, a data version leaves room for the event time a rule-started run appends (at most 179 characters)', () => {
      const file = write(exampleWith((s) => { s.models[0].training.dataVersion = 'd'.repeat(180); }));
      const p = problemAt(onAws(file), file, 'models[0].training.dataVersion');
      expect(p.allowed).toMatch(/^must be at most 179 characters: a rule-started run registers <dataVersion>@<event time>/);
    });
  });

  it('on AWS, drift features whose letters and digits are the same (their alarm names) are refused under the spec\'s key', () => {
    // fuzz seed 7, aws case 761: features [tenure_months, …, " tenure_months"] →
    // "FuzzStack/Platform/Churn/Drift: features[2] must differ from "tenure_months" …"
    const file = write(exampleWith((s) => { s.models[0].drift.features = ['tenure_months', 'monthly_spend', ' tenure_months']; }));
    const p = problemAt(onAws(file), file, 'models[0].drift.features[2]');
    expect(p.allowed).toBe('must differ from "tenure_months" in its letters or digits: they name the feature\'s alarms');
  });
});
