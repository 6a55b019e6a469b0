import { App, CfnParameter, Duration, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ApprovalPromotion } from '../../lib/aws/approval-promotion';
import { DataQualityMonitor } from '../../lib/aws/data-quality-monitor';
import { DriftMonitor } from '../../lib/aws/drift-monitor';
import { FeatureStore, ThroughputMode } from '../../lib/aws/feature-store';
import { GpuServingEndpoint } from '../../lib/aws/gpu-serving-endpoint';
import { MlPipeline } from '../../lib/aws/ml-pipeline';
import { ModelQualityMonitor, ModelQualityProblemType } from '../../lib/aws/model-quality-monitor';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { ModelSource } from '../../lib/aws/model-source';
import { DriftReference } from '../../lib/core/drift-reference';
import { MlopsValidationError } from '../../lib/core/errors';
import { FeatureType } from '../../lib/core/features';
import { GateComparison, StepKind } from '../../lib/core/pipeline';
import { RollbackTrigger } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';

/**
 * Deploy-time values are never judged (issue 14): every number, string, list and Duration a user
 * can pass is replaced, one at a time, by a token of each kind aws-cdk-lib makes, including in the
 * rules that compare two properties. The outcome must be a synthesized template, or the library's
 * error naming that very property and saying it must be known at synthesis; never another
 * exception, never a placeholder (`-1.888e+289`, `${Token[…]}`) judged in a message.
 */

type Knobs = Record<string, number | string | string[] | Duration>;

interface Subject {
  readonly name: string;
  readonly knobs: Knobs;
  build(stack: Stack, k: Knobs): void;
}

const DIGEST = `sha256:${'a'.repeat(64)}`;
const pin = (repo: string, c: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repo}@sha256:${c.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };

const n = (k: Knobs, key: string) => k[key] as number;
const s = (k: Knobs, key: string) => k[key] as string;
const d = (k: Knobs, key: string) => k[key] as Duration;

const SUBJECTS: Subject[] = [
  {
    name: 'GpuServingEndpoint, canary and autoscaling',
    knobs: {
      'instanceType': 'ml.g5.xlarge',
      'endpointName': 'fraud',
      'initialInstanceCount': 2,
      'rollout.percent': 50,
      'rollout.bake': Duration.minutes(10),
      'terminationWait': Duration.minutes(5),
      'autoscaling.minInstances': 2,
      'autoscaling.maxInstances': 6,
      'autoscaling.targetInvocationsPerInstance': 500,
      'autoscaling.scaleInCooldown': Duration.minutes(10),
      'dataCapture.samplingPercent': 10,
      'rollbackTriggers[0].maxPercent': 5,
      'rollbackTriggers[0].period': Duration.minutes(1),
      'rollbackTriggers[0].evaluationPeriods': 3,
      'rollbackTriggers[0].datapointsToAlarm': 2,
      'model.modelDataUrl': 's3://models/fraud/model.tar.gz',
    },
    build: (stack, k) =>
      new GpuServingEndpoint(stack, 'Endpoint', {
        model: ModelSource.fromImage({ image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@${DIGEST}`, modelDataUrl: s(k, 'model.modelDataUrl') }),
        instanceType: s(k, 'instanceType'),
        endpointName: s(k, 'endpointName'),
        alarmOwnership: OWNERSHIP,
        initialInstanceCount: n(k, 'initialInstanceCount'),
        rollout: RolloutPolicy.canary({ percent: n(k, 'rollout.percent'), bake: d(k, 'rollout.bake') }),
        terminationWait: d(k, 'terminationWait'),
        autoscaling: {
          minInstances: n(k, 'autoscaling.minInstances'),
          maxInstances: n(k, 'autoscaling.maxInstances'),
          targetInvocationsPerInstance: n(k, 'autoscaling.targetInvocationsPerInstance'),
          scaleInCooldown: d(k, 'autoscaling.scaleInCooldown'),
        },
        dataCapture: { samplingPercent: n(k, 'dataCapture.samplingPercent') },
        rollbackTriggers: [
          RollbackTrigger.errorRate({
            maxPercent: n(k, 'rollbackTriggers[0].maxPercent'),
            period: d(k, 'rollbackTriggers[0].period'),
            evaluationPeriods: n(k, 'rollbackTriggers[0].evaluationPeriods'),
            datapointsToAlarm: n(k, 'rollbackTriggers[0].datapointsToAlarm'),
          }),
        ],
      }),
  },
  {
    name: 'GpuServingEndpoint, A/B variants and a linear rollout',
    knobs: {
      'primaryWeight': 1,
      'variants[0].weight': 1,
      'variants[0].initialInstanceCount': 2,
      'variants[0].instanceType': 'ml.g5.2xlarge',
      'initialInstanceCount': 4,
      'rollout.stepPercent': 50,
      'rollout.interval': Duration.minutes(5),
    },
    build: (stack, k) =>
      new GpuServingEndpoint(stack, 'Endpoint', {
        model: ModelSource.fromImage({ image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@${DIGEST}` }),
        instanceType: 'ml.g5.xlarge',
        alarmOwnership: OWNERSHIP,
        initialInstanceCount: n(k, 'initialInstanceCount'),
        primaryWeight: n(k, 'primaryWeight'),
        variants: [{
          name: 'challenger',
          model: ModelSource.fromImage({ image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@${DIGEST}` }),
          weight: n(k, 'variants[0].weight'),
          initialInstanceCount: n(k, 'variants[0].initialInstanceCount'),
          instanceType: s(k, 'variants[0].instanceType'),
        }],
        rollout: RolloutPolicy.linear({ stepPercent: n(k, 'rollout.stepPercent'), interval: d(k, 'rollout.interval') }),
      }),
  },
  {
    name: 'MlPipeline',
    knobs: {
      'pipelineName': 'fraud-training',
      'modelPackageGroupName': 'fraud',
      'codeCommit': '0123456789abcdef0123456789abcdef01234567',
      'defaultDataVersion': 'tx@2026-11-01',
      'defaultInputDataUri': 's3://data/fraud/',
      'spec.gate.threshold': 0.9,
      'spec.steps[1].instanceType': 'ml.g5.2xlarge',
      'spec.steps[0].maxRuntime': Duration.hours(1),
    },
    build: (stack, k) => {
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: s(k, 'modelPackageGroupName') });
      new MlPipeline(stack, 'Pipeline', {
        spec: {
          steps: [
            { name: 'prep', kind: StepKind.PROCESSING, image: pin('prep', 'b'), inputs: ['data'], outputs: ['train', 'test'], maxRuntime: d(k, 'spec.steps[0].maxRuntime') },
            { name: 'train', kind: StepKind.TRAINING, image: pin('train', 'c'), inputs: ['prep.train'], instanceType: s(k, 'spec.steps[1].instanceType') },
            { name: 'evaluate', kind: StepKind.PROCESSING, image: pin('eval', 'd'), inputs: ['train.model', 'prep.test'], outputs: ['evaluation'] },
          ],
          gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: n(k, 'spec.gate.threshold') },
          inferenceImage: pin('serve', 'e'),
        },
        registry,
        pipelineName: s(k, 'pipelineName'),
        codeCommit: s(k, 'codeCommit'),
        defaultDataVersion: s(k, 'defaultDataVersion'),
        defaultFeatureSetVersion: 'fs-abc',
        defaultInputDataUri: s(k, 'defaultInputDataUri'),
      });
    },
  },
  {
    name: 'DriftMonitor',
    knobs: {
      endpointName: 'fraud',
      baselineKey: 'fraud/baseline.json',
      features: ['amount', 'country'],
      window: Duration.hours(1),
      investigateThreshold: 0.1,
      actThreshold: 0.2,
      sustainedDatapoints: 2,
      sustainedPeriods: 3,
      referenceSpan: Duration.days(7),
      minReferenceValues: 100,
    },
    build: (stack, k) => {
      const key = new kms.Key(stack, 'CaptureKey');
      const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
      new DriftMonitor(stack, 'Drift', {
        endpointName: s(k, 'endpointName'),
        capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
        baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
        baselineKey: s(k, 'baselineKey'),
        features: k.features as string[],
        window: d(k, 'window'),
        investigateThreshold: n(k, 'investigateThreshold'),
        actThreshold: n(k, 'actThreshold'),
        sustainedDatapoints: n(k, 'sustainedDatapoints'),
        sustainedPeriods: n(k, 'sustainedPeriods'),
        referenceSpan: d(k, 'referenceSpan'),
        minReferenceValues: n(k, 'minReferenceValues'),
        reference: DriftReference.ROLLING_WINDOW,
        alarmOwnership: OWNERSHIP,
      });
    },
  },
  {
    name: 'ModelRegistry',
    knobs: {
      modelPackageGroupName: 'fraud',
      description: 'Fraud models',
      crossAccountReadAccountIds: ['210987654321'],
      noncurrentVersionExpiration: Duration.days(90),
    },
    build: (stack, k) =>
      new ModelRegistry(stack, 'Registry', {
        modelPackageGroupName: s(k, 'modelPackageGroupName'),
        description: s(k, 'description'),
        crossAccountReadAccountIds: k.crossAccountReadAccountIds as string[],
        noncurrentVersionExpiration: d(k, 'noncurrentVersionExpiration'),
      }),
  },
  {
    name: 'DataQualityMonitor',
    knobs: { 'baselineStatistics.key': 'fraud/v42/statistics.json', 'baselineConstraints.key': 'fraud/v42/constraints.json' },
    build: (stack, k) => {
      const key = new kms.Key(stack, 'CaptureKey');
      const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
      const baselines = s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines');
      new DataQualityMonitor(stack, 'DataQuality', {
        endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Endpoint', { endpointName: 'fraud' }),
        capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
        reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
        baselineStatistics: { bucket: baselines, key: s(k, 'baselineStatistics.key') },
        baselineConstraints: { bucket: baselines, key: s(k, 'baselineConstraints.key') },
      });
    },
  },
  {
    name: 'FeatureStore, provisioned online store',
    knobs: {
      'namePrefix': 'fraud-',
      'onlineStore.ttl': Duration.days(30),
      'provisionedReadCapacityUnits': 10,
      'provisionedWriteCapacityUnits': 5,
    },
    build: (stack, k) =>
      new FeatureStore(stack, 'Features', {
        entities: [{
          name: 'user',
          recordIdentifier: 'user_id',
          eventTime: 'event_time',
          features: [{ name: 'spend_30d', type: FeatureType.FRACTIONAL }],
        }],
        namePrefix: s(k, 'namePrefix'),
        onlineStore: { ttl: d(k, 'onlineStore.ttl') },
        throughputMode: ThroughputMode.PROVISIONED,
        provisionedReadCapacityUnits: n(k, 'provisionedReadCapacityUnits'),
        provisionedWriteCapacityUnits: n(k, 'provisionedWriteCapacityUnits'),
      }),
  },
  {
    name: 'ModelQualityMonitor',
    knobs: {
      inferenceAttribute: '0',
      groundTruthPrefix: 'ground-truth/fraud',
      groundTruthDelay: Duration.days(1),
      groundTruthWindow: Duration.days(2),
    },
    build: (stack, k) => {
      const key = new kms.Key(stack, 'CaptureKey');
      const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
      new ModelQualityMonitor(stack, 'ModelQuality', {
        endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Endpoint', { endpointName: 'fraud' }),
        capture: { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://x/data-capture/fraud', key },
        reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
        problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
        inferenceAttribute: s(k, 'inferenceAttribute'),
        groundTruthBucket: s3.Bucket.fromBucketName(stack, 'Labels', 'labels'),
        groundTruthPrefix: s(k, 'groundTruthPrefix'),
        groundTruthDelay: d(k, 'groundTruthDelay'),
        groundTruthWindow: d(k, 'groundTruthWindow'),
      });
    },
  },
  {
    name: 'ApprovalPromotion',
    knobs: {
      modelPackageGroupName: 'fraud',
      deploymentWait: Duration.hours(2),
      requiredLineageKeys: ['lineage:code-commit'],
    },
    build: (stack, k) => {
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: s(k, 'modelPackageGroupName') });
      const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', registry, 3);
      new ApprovalPromotion(stack, 'Promotion', {
        registry,
        modelPackageParameter: parameter,
        alarmOwnership: OWNERSHIP,
        deploymentWait: d(k, 'deploymentWait'),
        requiredLineageKeys: k.requiredLineageKeys as string[],
      });
    },
  },
];

/** Tokens of every kind aws-cdk-lib makes for a value of this type, each with its name. */
function tokensFor(stack: Stack, value: Knobs[string], id: string): Array<[string, Knobs[string]]> {
  // Every Ref names a parameter of the stack (a Ref to nothing is a synthesis warning).
  const param = (suffix: string, type: string) => new CfnParameter(stack, `${id}${suffix}`, { type });
  if (typeof value === 'number') {
    return [
      ['Token.asNumber', Token.asNumber({ Ref: param('N', 'Number').logicalId })],
      ['CfnParameter number', param('P', 'Number').valueAsNumber],
      ['Lazy.number', Lazy.number({ produce: () => value })],
    ];
  }
  if (typeof value === 'string') {
    return [
      ['Token.asString', Token.asString({ Ref: param('S', 'String').logicalId })],
      ['CfnParameter string', param('P', 'String').valueAsString],
      ['Fn.importValue', Fn.importValue(`${id}Export`)],
      ['Lazy.string', Lazy.string({ produce: () => value })],
    ];
  }
  if (Array.isArray(value)) {
    return [['Token.asList', param('L', 'CommaDelimitedList').valueAsList]];
  }
  return [
    ['Duration of a number token', Duration.seconds(Token.asNumber({ Ref: param('D', 'Number').logicalId }))],
    ['Duration of a CfnParameter', Duration.seconds(param('P', 'Number').valueAsNumber)],
    ['Duration in minutes of a token', Duration.minutes(Token.asNumber({ Ref: param('M', 'Number').logicalId }))],
  ];
}

const PLACEHOLDER = /-1\.8\d*e\+?289|\$\{Token\[|#\{Token\[/;

const cases = SUBJECTS.flatMap((subject) =>
  Object.keys(subject.knobs).flatMap((knob) => {
    const probe = new Stack();
    return tokensFor(probe, subject.knobs[knob], 'P').map(([kind]) => ({ subject, knob, kind, label: `${knob} as ${kind} (${subject.name})` }));
  }),
);

describe('tokens are never judged (every property, every kind of token)', () => {
  it('covers every knob with at least one token kind', () => {
    expect(cases.length).toBeGreaterThan(SUBJECTS.reduce((sum, x) => sum + Object.keys(x.knobs).length, 0));
  });

  it('synthesizes each subject with its concrete values', () => {
    for (const subject of SUBJECTS) {
      const app = new App();
      const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
      subject.build(stack, subject.knobs);
      expect(() => app.synth()).not.toThrow();
    }
  });

  it.each(cases)('$label', ({ subject, knob, kind }) => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const token = tokensFor(stack, subject.knobs[knob], 'T').find(([k]) => k === kind)![1];
    try {
      subject.build(stack, { ...subject.knobs, [knob]: token });
      const assembly = app.synth();
      // Neither the template nor a warning may carry a placeholder computed with (a broken number).
      const template = JSON.stringify(assembly.getStackByName('S').template);
      expect(template).not.toMatch(PLACEHOLDER);
      const messages = assembly.getStackByName('S').messages.map((m) => String(m.entry.data));
      expect(messages.filter((m) => PLACEHOLDER.test(m))).toEqual([]);
    } catch (e) {
      if (!MlopsValidationError.isMlopsValidationError(e)) {
        throw e;
      }
      const problems = (e as MlopsValidationError).problems;
      // A token may be refused only where the value is needed at synthesis, on that property, saying so.
      expect(problems.map((p) => p.property)).toEqual([knob]);
      expect(problems[0].allowed).toMatch(kind === 'Duration in minutes of a token' ? /known at synth|must be made with Duration.seconds\(\)/ : /known at synth/);
      expect((e as Error).message).not.toMatch(PLACEHOLDER);
    }
  });
});
