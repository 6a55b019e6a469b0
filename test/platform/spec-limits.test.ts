/**
 * SageMaker's limits on what a platform spec renders on AWS (issue 14, "AWS limits that pass synth
 * and fail deploy", "dangerous configurations accepted"), named by the spec's own keys: the same core
 * rules as the AWS constructs (lib/core/sagemaker-limits.ts), refused by `MlPlatform` before any
 * construct is made; each value at the limit accepted. Kubernetes has none of these limits: the
 * Kubernetes rendering accepts what only SageMaker refuses.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV, expectValidationError } from '../support/aws';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

/** The example spec (steps: validate PROCESSING, train TRAINING, evaluate PROCESSING) with its model changed. */
function withModel(change: (m: any) => void): PlatformSpec {
  const spec = structuredClone(SPEC) as any;
  change(spec.models[0]);
  return spec;
}

const envOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, 'v']));

function onAws(spec: PlatformSpec): MlPlatform {
  return new MlPlatform(new Stack(new App(), 'Spec', { env: ENV }), 'Platform', { spec });
}

const REFUSED: Array<[string, (m: any) => void, string, string | RegExp, string]> = [
  ['a bake longer than SageMaker\'s longest wait interval', (m) => { m.serving.bakeMinutes = 61; }, 'models[0].serving.bakeMinutes', '61',
    'must be at most 60 on AWS (SageMaker WaitIntervalInSeconds ≤ 3600)'],
  ['a bake of 0 minutes', (m) => { m.serving.bakeMinutes = 0; }, 'models[0].serving.bakeMinutes', '0',
    'must be at least 1 minute: the rollback alarms act only while a step bakes'],
  ['an EC2 instance type', (m) => { m.serving.instanceType = 'g5.xlarge'; }, 'models[0].serving.instanceType', '"g5.xlarge"',
    'must be a SageMaker instance type (ml.<family>.<size>), e.g. ml.g5.xlarge: SageMaker does not take an EC2 name'],
  ['a processing step running longer than 9 days', (m) => { m.pipeline.steps[0].maxRuntimeSeconds = 777601; }, 'models[0].pipeline.steps[0].maxRuntimeSeconds', '777601',
    'must be at most 9 days (777600 seconds) for a processing step on SageMaker (ProcessingStoppingCondition.MaxRuntimeInSeconds)'],
  ['a processing step environment name with a hyphen', (m) => { m.pipeline.steps[0].environment = { 'MY-VAR': 'x' }; }, 'models[0].pipeline.steps[0].environment', '{"MY-VAR":"x"}',
    'SageMaker CreateProcessingJob Environment); got "MY-VAR"'],
  ['a training step environment value of 513 characters', (m) => { m.pipeline.steps[1].environment = { MODE: 'x'.repeat(513) }; },
    'models[0].pipeline.steps[1].environment.MODE', /^"x{116}\.\.\.$/, 'must be at most 512 characters (SageMaker CreateTrainingJob Environment); got 513'],
  ['a step setting a variable the pipeline sets', (m) => { m.pipeline.steps[2].environment = { CODE_COMMIT: 'abc' }; }, 'models[0].pipeline.steps[2].environment', '{"CODE_COMMIT":"abc"}',
    'must not set DATA_VERSION, DATA_SNAPSHOT, CODE_COMMIT, FEATURE_SET_VERSION: the pipeline sets them in every job'],
  ['97 variables on a step (the pipeline adds 4)', (m) => { m.pipeline.steps[0].environment = envOf(97); }, 'models[0].pipeline.steps[0].environment', /^\{"K0":"v"/,
    'must have at most 100 variables (4 of them the library\'s'],
];

describe('platform spec: SageMaker limits on AWS, named by the spec\'s keys', () => {
  it.each(REFUSED)('refuses %s', (_name, change, property, received, allowed) => {
    const error = expectValidationError(() => onAws(withModel(change)));
    const found = error.problems.find((p) =>
      p.constructPath === 'Spec/Platform' &&
      p.property === property &&
      (typeof received === 'string' ? p.received === received : received.test(p.received)) &&
      p.allowed.includes(allowed));
    expect(found, JSON.stringify(error.problems, null, 1)).toBeDefined();
  });

  const ACCEPTED: Array<[string, (m: any) => void]> = [
    ['a bake of exactly 60 minutes', (m) => { m.serving.bakeMinutes = 60; }],
    ['a processing step of exactly 9 days and a training step of exactly 28 days', (m) => {
      m.pipeline.steps[0].maxRuntimeSeconds = 777600;
      m.pipeline.steps[1].maxRuntimeSeconds = 28 * 86400;
    }],
    ['96 variables on a processing step (100 with the pipeline\'s 4)', (m) => { m.pipeline.steps[0].environment = envOf(96); }],
    ['a training value of exactly 512 characters', (m) => { m.pipeline.steps[1].environment = { MODE: 'x'.repeat(512) }; }],
  ];

  it.each(ACCEPTED)('accepts %s', (_name, change) => {
    const platform = onAws(withModel(change));
    expect(platform.models).toHaveLength(1);
  });

  it('leaves to Kubernetes what only SageMaker refuses (a 90-minute bake, a 10-day processing step, a 300-character variable)', () => {
    const spec = withModel((m) => {
      m.serving.bakeMinutes = 90;
      m.pipeline.steps[0].maxRuntimeSeconds = 10 * 86400;
      m.pipeline.steps[0].environment = { MODE: 'x'.repeat(300) };
    });
    expect(() => new MlPlatformChart(Testing.app(), 'platform', { spec })).not.toThrow();
    expect(expectValidationError(() => onAws(spec)).problems.map((p) => p.property)).toEqual([
      'models[0].serving.bakeMinutes',
      'models[0].pipeline.steps[0].maxRuntimeSeconds',
      'models[0].pipeline.steps[0].environment.MODE',
    ]);
  });
});
