/**
 * SageMaker's own limits on what the AWS constructs render (issue 14, "AWS limits that pass synth
 * and fail deploy", "dangerous configurations accepted"): each wrong input refused with the one error
 * type naming the construct path, the user's property, the value and what is allowed; each input at
 * the limit accepted. The limits and their sources are in lib/core/sagemaker-limits.ts.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ApprovalPromotion } from '../../lib/aws/approval-promotion';
import { DataQualityMonitor, DataQualityMonitorProps } from '../../lib/aws/data-quality-monitor';
import { GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/aws/gpu-serving-endpoint';
import { MlPipeline, MlPipelineProps } from '../../lib/aws/ml-pipeline';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { ModelSource } from '../../lib/aws/model-source';
import { GateComparison, PipelineSpec, PipelineStep, StepKind } from '../../lib/core/pipeline';
import { RolloutPolicy } from '../../lib/core/rollout';
import { MAX_PROCESSING_RUNTIME_SECONDS, MAX_TRAINING_RUNTIME_SECONDS } from '../../lib/core/sagemaker-limits';
import { PIPELINE_LINEAGE_ENVIRONMENT } from '../../lib/core/schemas/aws-pipeline';
import { ENV, expectValidationError } from '../support/aws';

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@sha256:${'a'.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const pin = (repo: string, c: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repo}@sha256:${c.repeat(64)}`;

/** A SageMaker name of exactly `n` characters, hyphens between letters: `a-a-a…a`. */
function hyphenated(n: number): string {
  let s = 'a';
  while (s.length < n) {
    s += s.length + 2 <= n ? '-a' : 'a';
  }
  return s;
}

/** `n` variables `K0…` with `value`. */
const envOf = (n: number, value = 'v', prefix = 'K') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value]));

function newStack(): Stack {
  return new Stack(new App(), 'Limits', { env: ENV });
}

const model = (environment?: Record<string, string>) => ModelSource.fromImage({ image: IMAGE, modelDataUrl: 's3://models/fraud/model.tar.gz', environment });

function endpoint(stack: Stack, props: Partial<GpuServingEndpointProps> = {}): GpuServingEndpoint {
  return new GpuServingEndpoint(stack, 'Endpoint', { model: model(), instanceType: 'ml.g5.xlarge', alarmOwnership: OWNERSHIP, endpointName: 'fraud', ...props });
}

const SPEC: PipelineSpec = {
  steps: [
    { name: 'prep', kind: StepKind.PROCESSING, image: pin('prep', 'b'), inputs: ['data'], outputs: ['train', 'test'] },
    { name: 'train', kind: StepKind.TRAINING, image: pin('train', 'c'), inputs: ['prep.train'], instanceType: 'ml.g5.2xlarge' },
    { name: 'evaluate', kind: StepKind.PROCESSING, image: pin('eval', 'd'), inputs: ['train.model', 'prep.test'], outputs: ['evaluation'] },
  ],
  gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
  inferenceImage: pin('serve', 'e'),
};

/** The spec with `prep` (steps[0], processing) or `train` (steps[1], training) changed. */
function specWith(index: 0 | 1, change: Partial<PipelineStep>): PipelineSpec {
  return { ...SPEC, steps: SPEC.steps.map((s, i) => (i === index ? { ...s, ...change } : s)) };
}

function pipeline(stack: Stack, props: Partial<MlPipelineProps> = {}): MlPipeline {
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
  return new MlPipeline(stack, 'Pipeline', {
    spec: SPEC,
    registry,
    pipelineName: 'fraud-training',
    codeCommit: '0123456789abcdef0123456789abcdef01234567',
    defaultDataVersion: 'tx@2026-11-01',
    defaultFeatureSetVersion: 'fs-abc',
    defaultInputDataUri: 's3://data/fraud/',
    ...props,
  });
}

function dataQuality(stack: Stack, props: Partial<DataQualityMonitorProps> = {}): DataQualityMonitor {
  const key = new kms.Key(stack, 'CaptureKey');
  const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
  const baselines = s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines');
  return new DataQualityMonitor(stack, 'DataQuality', {
    endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Served', { endpointName: 'fraud' }),
    capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
    reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
    baselineStatistics: { bucket: baselines, key: 'fraud/v42/statistics.json' },
    baselineConstraints: { bucket: baselines, key: 'fraud/v42/constraints.json' },
    ...props,
  });
}

interface Refused {
  /** Builds the construct with the one wrong input (and synthesizes: a refusal at synth counts). */
  readonly build: (stack: Stack) => void;
  readonly constructPath: string;
  readonly property: string;
  readonly received: string | RegExp;
  readonly allowed: string;
}

const EP = 'Limits/Endpoint';
const PIPE = 'Limits/Pipeline';
const bake0 = Duration.seconds(0);

const REFUSED: Array<[string, Refused]> = [
  // Names: the pattern lets hyphens through, the maximum length counts them.
  ['an endpoint name of 64 characters with hyphens', {
    build: (s) => endpoint(s, { endpointName: hyphenated(64) }), constructPath: EP, property: 'endpointName', received: JSON.stringify(hyphenated(64)), allowed: 'at most 63 characters, hyphens included',
  }],
  ['a variant name of 64 characters with hyphens', {
    build: (s) => endpoint(s, { variantName: hyphenated(64) }), constructPath: EP, property: 'variantName', received: JSON.stringify(hyphenated(64)), allowed: 'at most 63 characters, hyphens included',
  }],
  ['an extra variant named with 65 characters', {
    build: (s) => endpoint(s, { initialInstanceCount: 2, variants: [{ name: hyphenated(65), model: model(), weight: 1 }] }),
    constructPath: EP,
    property: 'variants[0].name',
    received: JSON.stringify(hyphenated(65)),
    allowed: 'at most 63 characters, hyphens included',
  }],
  ['addVariant with a 64-character name', {
    build: (s) => endpoint(s, { initialInstanceCount: 2 }).addVariant({ name: hyphenated(64), model: model(), weight: 1 }),
    constructPath: EP,
    property: 'variants[0].name',
    received: JSON.stringify(hyphenated(64)),
    allowed: 'at most 63 characters, hyphens included',
  }],
  ['a shadow named with 64 characters', {
    build: (s) => endpoint(s, { shadow: { name: hyphenated(64), model: model(), samplingPercent: 10 } }),
    constructPath: EP,
    property: 'shadow.name',
    received: JSON.stringify(hyphenated(64)),
    allowed: 'at most 63 characters, hyphens included',
  }],
  ['a model package group name of 64 characters with hyphens', {
    build: (s) => new ModelRegistry(s, 'Registry', { modelPackageGroupName: hyphenated(64) }),
    constructPath: 'Limits/Registry',
    property: 'modelPackageGroupName',
    received: JSON.stringify(hyphenated(64)),
    allowed: 'at most 63 characters, hyphens included',
  }],
  ['a promotion parameter for an imported group of 64 characters', {
    build: (s) => ApprovalPromotion.modelPackageParameter(s, 'Served', ModelRegistry.fromModelRegistryAttributes(s, 'Imported', { modelPackageGroupName: hyphenated(64) }), 1),
    constructPath: 'Limits/Served',
    property: 'modelPackageGroupName',
    received: JSON.stringify(hyphenated(64)),
    allowed: 'at most 63 characters, hyphens included',
  }],
  ['a pipeline name of 257 characters with hyphens', {
    build: (s) => pipeline(s, { pipelineName: hyphenated(257) }),
    constructPath: PIPE,
    property: 'pipelineName',
    received: /^"a-a-a/,
    allowed: 'at most 256 characters, hyphens included (SageMaker PipelineName)',
  }],
  ['a monitoring schedule name of 64 characters with hyphens', {
    build: (s) => dataQuality(s, { monitoringScheduleName: hyphenated(64) }),
    constructPath: 'Limits/DataQuality',
    property: 'monitoringScheduleName',
    received: JSON.stringify(hyphenated(64)),
    allowed: 'at most 63 characters, hyphens included',
  }],
  // Instance types: SageMaker's are ml.<family>.<size>, as the platform spec already requires.
  ['an EC2 instance type on the endpoint', {
    build: (s) => endpoint(s, { instanceType: 'g5.xlarge' }), constructPath: EP, property: 'instanceType', received: '"g5.xlarge"', allowed: 'must be a SageMaker instance type (ml.<family>.<size>), e.g. ml.g5.xlarge',
  }],
  ['an EC2 instance type on an extra variant', {
    build: (s) => endpoint(s, { initialInstanceCount: 2, variants: [{ name: 'b', model: model(), weight: 1, instanceType: 'g6e.2xlarge' }] }),
    constructPath: EP,
    property: 'variants[0].instanceType',
    received: '"g6e.2xlarge"',
    allowed: 'ml.<family>.<size>',
  }],
  ['an EC2 instance type on the shadow', {
    build: (s) => endpoint(s, { shadow: { model: model(), samplingPercent: 10, instanceType: 'p4d.24xlarge' } }),
    constructPath: EP,
    property: 'shadow.instanceType',
    received: '"p4d.24xlarge"',
    allowed: 'e.g. ml.p4d.24xlarge',
  }],
  // Maximum runtime: a processing job stops at 9 days.
  ['a processing step running 10 days', {
    build: (s) => pipeline(s, { spec: specWith(0, { maxRuntime: Duration.days(10) }) }),
    constructPath: PIPE,
    property: 'spec.steps[0].maxRuntime',
    received: 'Duration 10 days',
    allowed: 'at most 9 days (777600 seconds) for a processing step on SageMaker',
  }],
  ['a processing step added with a runtime of 777601 seconds', {
    build: (s) => pipeline(s).addStep({ name: 'report', kind: StepKind.PROCESSING, image: pin('report', 'f'), inputs: ['train.model'], maxRuntime: Duration.seconds(777601) }),
    constructPath: PIPE,
    property: 'step.maxRuntime',
    received: 'Duration 9 days 1 second',
    allowed: 'ProcessingStoppingCondition.MaxRuntimeInSeconds',
  }],
  // Environment of the endpoint's container (ContainerDefinition.Environment).
  ['an environment name starting with a digit', {
    build: (s) => endpoint(s, { model: model({ '1BAD': 'x' }) }), constructPath: EP, property: 'model.environment', received: '{"1BAD":"x"}', allowed: 'got "1BAD"',
  }],
  ['an environment name with a hyphen', {
    build: (s) => endpoint(s, { model: model({ 'LOG-LEVEL': 'debug' }) }), constructPath: EP, property: 'model.environment', received: '{"LOG-LEVEL":"debug"}', allowed: 'a letter or "_" then letters, digits or "_"',
  }],
  ['101 environment variables', {
    build: (s) => endpoint(s, { model: model(envOf(101)) }), constructPath: EP, property: 'model.environment', received: /^\{"K0":"v","K1":"v"/, allowed: 'at most 100 variables (SageMaker ContainerDefinition.Environment); got 101',
  }],
  ['an environment of more than 32 KB', {
    build: (s) => endpoint(s, { model: model(envOf(33, 'x'.repeat(1000))) }), constructPath: EP, property: 'model.environment', received: /^\{"K0":"xxx/, allowed: 'at most 32768 bytes of names and values together',
  }],
  ['a variant model environment name with a dot', {
    build: (s) => endpoint(s, { initialInstanceCount: 2, variants: [{ name: 'b', model: model({ 'app.mode': 'x' }), weight: 1 }] }),
    constructPath: EP,
    property: 'variants[0].model.environment',
    received: '{"app.mode":"x"}',
    allowed: 'got "app.mode"',
  }],
  ['addEnv past 100 variables', {
    build: (s) => endpoint(s, { model: model(envOf(100)) }).addEnv('ONE_MORE', 'x'), constructPath: EP, property: 'name', received: '"ONE_MORE"', allowed: 'at most 100 variables',
  }],
  ['addEnv past 32 KB', {
    build: (s) => {
      const ep = endpoint(s, { model: model(envOf(31, 'x'.repeat(1024))) }); // 31827 bytes
      ep.addEnv('LAST', 'x'.repeat(1024));
    },
    constructPath: EP,
    property: 'name',
    received: '"LAST"',
    allowed: 'at most 32768 bytes',
  }],
  // Environment of the pipeline's jobs (CreateProcessingJob / CreateTrainingJob Environment).
  ['a processing step environment name with a hyphen', {
    build: (s) => pipeline(s, { spec: specWith(0, { environment: { 'MY-VAR': 'x' } }) }),
    constructPath: PIPE,
    property: 'spec.steps[0].environment',
    received: '{"MY-VAR":"x"}',
    allowed: 'SageMaker CreateProcessingJob Environment); got "MY-VAR"',
  }],
  ['a processing step environment value of 257 characters', {
    build: (s) => pipeline(s, { spec: specWith(0, { environment: { MODE: 'x'.repeat(257) } }) }),
    constructPath: PIPE,
    property: 'spec.steps[0].environment.MODE',
    received: /^"xxxx.*\.\.\.$/,
    allowed: 'at most 256 characters (SageMaker CreateProcessingJob Environment); got 257',
  }],
  ['a training step environment value of 513 characters', {
    build: (s) => pipeline(s, { spec: specWith(1, { environment: { MODE: 'x'.repeat(513) } }) }),
    constructPath: PIPE,
    property: 'spec.steps[1].environment.MODE',
    received: /^"xxxx/,
    allowed: 'at most 512 characters (SageMaker CreateTrainingJob Environment); got 513',
  }],
  ['a processing step with 97 variables (the pipeline adds 4)', {
    build: (s) => pipeline(s, { spec: specWith(0, { environment: envOf(97) }) }),
    constructPath: PIPE,
    property: 'spec.steps[0].environment',
    received: /^\{"K0":"v"/,
    allowed: 'at most 100 variables (4 of them the library\'s',
  }],
  ['a step setting a lineage variable the pipeline sets', {
    build: (s) => pipeline(s, { spec: specWith(1, { environment: { DATA_VERSION: 'mine' } }) }),
    constructPath: PIPE,
    property: 'spec.steps[1].environment',
    received: '{"DATA_VERSION":"mine"}',
    allowed: 'must not set DATA_VERSION, DATA_SNAPSHOT, CODE_COMMIT, FEATURE_SET_VERSION',
  }],
  // Dangerous: no bake and no termination wait, so the rollback alarms can never act.
  ['a canary with zero bake and zero termination wait', {
    build: (s) => endpoint(s, { initialInstanceCount: 2, rollout: RolloutPolicy.canary({ percent: 50, bake: bake0 }), terminationWait: bake0 }),
    constructPath: EP,
    property: 'rollout.bake',
    received: 'Duration 0 seconds',
    allowed: 'must be more than 0 seconds when terminationWait is 0',
  }],
  ['a linear rollout with zero interval and zero termination wait', {
    build: (s) => endpoint(s, {
      initialInstanceCount: 4,
      rollout: RolloutPolicy.linear({ stepPercent: 25, interval: bake0 }),
      terminationWait: bake0,
    }),
    constructPath: EP,
    property: 'rollout.interval',
    received: 'Duration 0 seconds',
    allowed: 'the rollback alarms (rollbackTriggers) can never act',
  }],
  ['equal staged steps with zero bake and zero termination wait (rendered linear)', {
    build: (s) => endpoint(s, {
      initialInstanceCount: 2,
      rollout: RolloutPolicy.staged({ steps: [{ percent: 50, bake: bake0 }, { percent: 100 }] }),
      terminationWait: bake0,
    }),
    constructPath: EP,
    property: 'rollout.steps',
    received: '[{"percent":50,"bake":0},{"percent":100}]',
    allowed: 'when terminationWait is 0',
  }],
];

describe('SageMaker limits and dangerous configurations (AWS constructs)', () => {
  it.each(REFUSED)('refuses %s', (_name, row) => {
    const stack = newStack();
    const error = expectValidationError(() => {
      row.build(stack);
      Template.fromStack(stack);
    });
    const want = { constructPath: row.constructPath, property: row.property };
    const found = error.problems.find((p) =>
      p.constructPath === want.constructPath &&
      p.property === want.property &&
      (typeof row.received === 'string' ? p.received === row.received : row.received.test(p.received)) &&
      p.allowed.includes(row.allowed));
    expect(found, JSON.stringify(error.problems, null, 1)).toBeDefined();
  });

  const ACCEPTED: Array<[string, (stack: Stack) => void]> = [
    ['an endpoint name of exactly 63 characters with hyphens', (s) => endpoint(s, { endpointName: hyphenated(63) })],
    ['a variant name of exactly 63 characters', (s) => endpoint(s, { variantName: hyphenated(63) })],
    ['a model package group name of exactly 63 characters', (s) => new ModelRegistry(s, 'Registry', { modelPackageGroupName: hyphenated(63) })],
    ['a pipeline name of exactly 256 characters with hyphens', (s) => pipeline(s, { pipelineName: hyphenated(256) })],
    ['a monitoring schedule name of exactly 63 characters', (s) => dataQuality(s, { monitoringScheduleName: hyphenated(63) })],
    ['a processing step of exactly 9 days', (s) => pipeline(s, { spec: specWith(0, { maxRuntime: Duration.seconds(MAX_PROCESSING_RUNTIME_SECONDS) }) })],
    ['a training step of exactly 28 days', (s) => pipeline(s, { spec: specWith(1, { maxRuntime: Duration.seconds(MAX_TRAINING_RUNTIME_SECONDS) }) })],
    ['exactly 100 environment variables on the endpoint', (s) => endpoint(s, { model: model(envOf(100)) })],
    ['exactly 32768 bytes of environment on the endpoint', (s) => {
      // 32 names of 3 bytes (K00…K31) with values of 1021: 32 × 1024 bytes.
      const env = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`K${String(i).padStart(2, '0')}`, 'x'.repeat(1021)]));
      endpoint(s, { model: model(env) });
    }],
    ['an environment value of exactly 1024 characters', (s) => endpoint(s, { model: model({ PROMPT: 'x'.repeat(1024) }) })],
    ['addEnv up to 100 variables', (s) => endpoint(s, { model: model(envOf(99)) }).addEnv('LAST', 'x')],
    ['a processing step with 96 variables (100 with the pipeline\'s 4)', (s) => pipeline(s, { spec: specWith(0, { environment: envOf(96) }) })],
    ['a processing value of exactly 256 and a training value of exactly 512 characters', (s) => pipeline(s, {
      spec: { ...SPEC, steps: [{ ...SPEC.steps[0], environment: { A: 'x'.repeat(256) } }, { ...SPEC.steps[1], environment: { A: 'x'.repeat(512) } }, SPEC.steps[2]] },
    })],
    ['a canary with zero bake kept by a termination wait', (s) => endpoint(s, { initialInstanceCount: 2, rollout: RolloutPolicy.canary({ percent: 50, bake: bake0 }) })],
    ['a canary with a bake and zero termination wait', (s) => endpoint(s, { initialInstanceCount: 2, rollout: RolloutPolicy.canary({ percent: 50, bake: Duration.minutes(1) }), terminationWait: bake0 })],
    ['all at once with zero bake and zero termination wait (warned, not refused)', (s) => endpoint(s, { rollout: RolloutPolicy.allAtOnce({ bake: bake0 }), terminationWait: bake0 })],
  ];

  it.each(ACCEPTED)('accepts %s', (_name, build) => {
    const stack = newStack();
    build(stack);
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources).length).toBeGreaterThan(0);
  });

  it('warns of a zero wait that is not refused, and stays silent when every wait is > 0', () => {
    const warnings = (props: Partial<GpuServingEndpointProps>) => {
      const stack = newStack();
      endpoint(stack, props);
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-mlops:gpu-serving-endpoint:zero-bake')).map((w) => String(w.entry.data));
    };
    const [canary] = warnings({ initialInstanceCount: 2, rollout: RolloutPolicy.canary({ percent: 50, bake: bake0 }) });
    expect(canary).toContain('rollout.bake is 0 seconds: SageMaker gives the canary no baking period (WaitIntervalInSeconds 0)');
    expect(canary).toContain('only in the 300 s the old fleet is kept (terminationWait)');
    const linearZero = RolloutPolicy.linear({ stepPercent: 25, interval: bake0 });
    const [linear] = warnings({ initialInstanceCount: 4, rollout: linearZero, terminationWait: Duration.minutes(1) });
    expect(linear).toContain('rollout.interval is 0 seconds: SageMaker gives each linear step no baking period');
    const [allAtOnce] = warnings({ rollout: RolloutPolicy.allAtOnce({ bake: bake0 }), terminationWait: bake0 });
    expect(allAtOnce).toContain('the rollback alarms can never act');
    const oneMinute = RolloutPolicy.canary({ percent: 50, bake: Duration.minutes(1) });
    expect(warnings({ initialInstanceCount: 2, rollout: oneMinute, terminationWait: bake0 })).toEqual([]);
    expect(warnings({})).toEqual([]);
  });

  it('derives a monitoring schedule name within 63 characters from an endpoint name at the limit', () => {
    const stack = newStack();
    const endpointName = hyphenated(63);
    const monitor = dataQuality(stack, { endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Long', { endpointName }) });
    expect(monitor.monitoringScheduleName.length).toBeLessThanOrEqual(63);
    expect(monitor.monitoringScheduleName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::MonitoringSchedule', { MonitoringScheduleName: monitor.monitoringScheduleName });
  });

  it('counts the variables the pipeline adds to every job as PIPELINE_LINEAGE_ENVIRONMENT says', () => {
    const stack = newStack();
    const p = pipeline(stack, { spec: specWith(0, { environment: { MODE: 'fast' } }) });
    const steps: any[] = stack.resolve(p.definition).Steps;
    for (const step of steps.filter((s) => s.Type === 'Processing' || s.Type === 'Training')) {
      const own = step.Name === 'prep' ? ['MODE'] : [];
      expect(Object.keys(step.Arguments.Environment).sort()).toEqual([...own, ...PIPELINE_LINEAGE_ENVIRONMENT].sort());
    }
  });
});
