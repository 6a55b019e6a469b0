/**
 * Adversarial sweep of the AWS constructs (issue 14): one wrong input per row, built on shared valid
 * props, each refused with MlopsValidationError naming the construct path, the property, the value
 * and what is allowed, with no template written. Rows the library does not pass yet are in
 * test/sweep/pending.md.
 */
import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe } from 'vitest';
import { ApprovalPromotion, ApprovalPromotionProps } from '../../lib/aws/approval-promotion';
import { DataQualityMonitor, DataQualityMonitorProps } from '../../lib/aws/data-quality-monitor';
import { DriftMonitor, DriftMonitorProps } from '../../lib/aws/drift-monitor';
import { FeatureStore, FeatureStoreProps, OnlineStorageType, ThroughputMode } from '../../lib/aws/feature-store';
import { GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/aws/gpu-serving-endpoint';
import { MlPipeline, MlPipelineProps } from '../../lib/aws/ml-pipeline';
import { ModelQualityMonitor, ModelQualityMonitorProps, ModelQualityProblemType } from '../../lib/aws/model-quality-monitor';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { ModelSource } from '../../lib/aws/model-source';
import { DriftReference } from '../../lib/core/drift-reference';
import { EntityDefinition, FeatureType } from '../../lib/core/features';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { GateComparison, PipelineSpec, StepKind } from '../../lib/core/pipeline';
import { RollbackTrigger } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';
import { acceptAws, AcceptRow, AwsRow, chars, dur, sweepAws } from '../support/sweep';

const DIGEST = `sha256:${'a'.repeat(64)}`;
export const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server@${DIGEST}`;
export const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const MODEL = ModelSource.fromImage({ image: IMAGE, modelDataUrl: 's3://models/fraud/model.tar.gz' });

// ---------------------------------------------------------------------------------------------
// Valid base props, one wrong input per row
// ---------------------------------------------------------------------------------------------

export function endpoint(stack: Stack, props: Partial<GpuServingEndpointProps> = {}): GpuServingEndpoint {
  return new GpuServingEndpoint(stack, 'Endpoint', { model: MODEL, instanceType: 'ml.g5.xlarge', alarmOwnership: OWNERSHIP, endpointName: 'fraud', ...props });
}

const model = (over: object = {}) => ModelSource.fromImage({ image: IMAGE, ...over } as any);

function registry(stack: Stack, props: object = {}): ModelRegistry {
  return new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud', ...props });
}

const USER: EntityDefinition = {
  name: 'user',
  recordIdentifier: 'user_id',
  eventTime: 'event_time',
  features: [{ name: 'spend_30d', type: FeatureType.FRACTIONAL }, { name: 'country', type: FeatureType.STRING }],
};
const entity = (over: object) => ({ ...USER, ...over }) as EntityDefinition;

function featureStore(stack: Stack, props: Partial<FeatureStoreProps> = {}): FeatureStore {
  return new FeatureStore(stack, 'Features', { entities: [USER], ...props });
}

function capture(stack: Stack) {
  const key = new kms.Key(stack, 'CaptureKey');
  const bucket = new s3.Bucket(stack, 'Capture', { encryptionKey: key });
  return { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://capture/data-capture/fraud', key };
}

function drift(stack: Stack, props: Partial<DriftMonitorProps> = {}): DriftMonitor {
  return new DriftMonitor(stack, 'Drift', {
    endpointName: 'fraud',
    capture: capture(stack),
    baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
    baselineKey: 'fraud/baseline.json',
    features: ['amount', 'country'],
    alarmOwnership: OWNERSHIP,
    ...props,
  });
}

function dataQuality(stack: Stack, props: Partial<DataQualityMonitorProps> = {}): DataQualityMonitor {
  const baselines = s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines');
  return new DataQualityMonitor(stack, 'DataQuality', {
    endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Ep', { endpointName: 'fraud' }),
    capture: capture(stack),
    reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
    baselineStatistics: { bucket: baselines, key: 'fraud/statistics.json' },
    baselineConstraints: { bucket: baselines, key: 'fraud/constraints.json' },
    ...props,
  });
}

function modelQuality(stack: Stack, props: Partial<ModelQualityMonitorProps> = {}): ModelQualityMonitor {
  return new ModelQualityMonitor(stack, 'ModelQuality', {
    endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(stack, 'Ep', { endpointName: 'fraud' }),
    capture: capture(stack),
    reportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'),
    problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
    inferenceAttribute: '0',
    groundTruthBucket: s3.Bucket.fromBucketName(stack, 'Labels', 'labels'),
    groundTruthPrefix: 'ground-truth/fraud',
    groundTruthDelay: Duration.days(1),
    ...props,
  });
}

const pin = (repo: string, c: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repo}@sha256:${c.repeat(64)}`;
export const SPEC: PipelineSpec = {
  steps: [
    { name: 'prep', kind: StepKind.PROCESSING, image: pin('prep', 'b'), inputs: ['data'], outputs: ['train', 'test'] },
    { name: 'train', kind: StepKind.TRAINING, image: pin('train', 'c'), inputs: ['prep.train'], instanceType: 'ml.g5.2xlarge' },
    { name: 'evaluate', kind: StepKind.PROCESSING, image: pin('eval', 'd'), inputs: ['train.model', 'prep.test'], outputs: ['evaluation'] },
  ],
  gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
  inferenceImage: pin('serve', 'e'),
};
const withStep = (i: number, over: object): PipelineSpec => ({
  ...SPEC,
  steps: SPEC.steps.map((s, j) => (j === i ? ({ ...s, ...over } as any) : s)),
});

function pipeline(stack: Stack, props: Partial<MlPipelineProps> = {}): MlPipeline {
  return new MlPipeline(stack, 'Pipeline', {
    spec: SPEC,
    registry: registry(stack),
    pipelineName: 'fraud-training',
    codeCommit: '0123456789abcdef0123456789abcdef01234567',
    defaultDataVersion: 'tx@2026-11-01',
    defaultFeatureSetVersion: 'fs-abc',
    defaultInputDataUri: 's3://data/fraud/',
    ...props,
  });
}

function promotion(stack: Stack, props: Partial<ApprovalPromotionProps> = {}): ApprovalPromotion {
  const reg = ModelRegistry.fromModelRegistryAttributes(stack, 'Reg', { modelPackageGroupName: 'fraud' });
  const parameter = ApprovalPromotion.modelPackageParameter(stack, 'FraudModelPackage', reg, 3);
  return new ApprovalPromotion(stack, 'Promotion', { registry: reg, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP, ...props });
}

const EP = 'Sweep/Endpoint';
const row = (name: string, build: AwsRow['build'], constructPath: string, property: string, received: string | RegExp, allowed: string | RegExp): AwsRow => ({
  name,
  build,
  expected: { constructPath, property, received, allowed },
});
const ep = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`GpuServingEndpoint ${name}`, (s) => endpoint(s, props as any), EP, property, received, allowed);

// ---------------------------------------------------------------------------------------------
// GpuServingEndpoint (AWS) and ModelSource
// ---------------------------------------------------------------------------------------------

const endpointRows: AwsRow[] = [
  ep('canary percent on SageMaker without a double got', { initialInstanceCount: 4, rollout: RolloutPolicy.canary({ percent: 75 }) }, 'rollout.percent', '75', /^(?!.*; got ).*at most 50/),
  ep('instanceType without accelerator', { instanceType: 'ml.m5.xlarge' }, 'instanceType', '"ml.m5.xlarge"', 'GPU'),
  ep('instanceType empty', { instanceType: '' }, 'instanceType', '""', /GPU|SageMaker instance type/),
  ep('instanceType a number', { instanceType: 5 }, 'instanceType', '5', 'must be'),
  ep('instanceType unknown family', { instanceType: 'ml.z9.xlarge' }, 'instanceType', '"ml.z9.xlarge"', 'GPU catalog'),
  ep('endpointName with underscore', { endpointName: 'fraud_ep' }, 'endpointName', '"fraud_ep"', '1-63 letters'),
  ep('endpointName 64 characters', { endpointName: chars(64) }, 'endpointName', `"${chars(64)}"`, '1-63'),
  ep('endpointName empty', { endpointName: '' }, 'endpointName', '""', '1-63'),
  ep('endpointName trailing hyphen', { endpointName: 'fraud-' }, 'endpointName', '"fraud-"', 'ending with a letter or digit'),
  ep('variantName with a dot', { variantName: 'v1.0' }, 'variantName', '"v1.0"', '1-63'),
  ep('initialInstanceCount 0', { initialInstanceCount: 0 }, 'initialInstanceCount', '0', 'at least 1'),
  ep('initialInstanceCount 1.5', { initialInstanceCount: 1.5 }, 'initialInstanceCount', '1.5', 'whole number'),
  ep('initialInstanceCount negative', { initialInstanceCount: -2 }, 'initialInstanceCount', '-2', 'at least 1'),
  ep('initialInstanceCount a string', { initialInstanceCount: '2' }, 'initialInstanceCount', '"2"', 'must be a number'),
  ep('primaryWeight 0', { primaryWeight: 0 }, 'primaryWeight', '0', 'greater than 0'),
  ep('primaryWeight negative', { primaryWeight: -1 }, 'primaryWeight', '-1', 'greater than 0'),
  ep('alarmOwnership owner empty', { alarmOwnership: { ...OWNERSHIP, owner: '' } }, 'alarmOwnership.owner', '""', 'owning team'),
  ep('alarmOwnership owner 101 characters', { alarmOwnership: { ...OWNERSHIP, owner: chars(101) } }, 'alarmOwnership.owner', /^"a{101}"$|^"a+\.\.\.$/, '1-100'),
  ep('alarmOwnership runbookUrl http', { alarmOwnership: { ...OWNERSHIP, runbookUrl: 'http://runbooks.example.com' } }, 'alarmOwnership.runbookUrl', '"http://runbooks.example.com"', 'https://'),
  ep('alarmOwnership runbookUrl missing', { alarmOwnership: { owner: 'x' } }, 'alarmOwnership.runbookUrl', 'undefined', /must be a string|https/),
  ep('alarmOwnership unknown key', { alarmOwnership: { ...OWNERSHIP, team: 'x' } }, 'alarmOwnership.team', '"x"', 'not a known property'),
  ep('terminationWait over an hour', { terminationWait: Duration.hours(2) }, 'terminationWait', dur(7200), 'at most 60 minutes'),
  ep('terminationWait fractional seconds', { terminationWait: Duration.millis(1500) }, 'terminationWait', dur(1.5), 'whole number of seconds'),
  ep('modelSizeGiB 0', { modelSizeGiB: 0 }, 'modelSizeGiB', '0', /greater than 0|more than 0/),
  ep('modelSizeGiB over 2000', { modelSizeGiB: 5000 }, 'modelSizeGiB', '5000', '2000'),
  ep('modelDataDownloadTimeout 30 s', { modelDataDownloadTimeout: Duration.seconds(30) }, 'modelDataDownloadTimeout', dur(30), 'at least 60 seconds'),
  ep('modelDataDownloadTimeout 2 h', { modelDataDownloadTimeout: Duration.hours(2) }, 'modelDataDownloadTimeout', dur(7200), 'at most 60 minutes'),
  ep('containerStartupHealthCheckTimeout 10 s', { containerStartupHealthCheckTimeout: Duration.seconds(10) }, 'containerStartupHealthCheckTimeout', dur(10), 'at least 60 seconds'),
  ep('stagedRolloutFallback unknown', { stagedRolloutFallback: 'ACCEPT' }, 'stagedRolloutFallback', '"ACCEPT"', 'one of'),
  ep('autoscaling min > max', { initialInstanceCount: 2, autoscaling: { minInstances: 4, maxInstances: 2, targetInvocationsPerInstance: 100 } }, 'autoscaling.minInstances', '4', 'must not exceed maxInstances (2)'),
  ep('autoscaling maxInstances 0', { autoscaling: { maxInstances: 0, targetInvocationsPerInstance: 100 } }, 'autoscaling.maxInstances', '0', 'at least 1'),
  ep('autoscaling no target', { autoscaling: { maxInstances: 4 } }, 'autoscaling.targetInvocationsPerInstance', 'undefined', 'autoscaling needs a target'),
  ep('autoscaling minInstances 0 without allowScaleToZero', { autoscaling: { minInstances: 0, maxInstances: 4, targetInvocationsPerInstance: 100 } }, 'autoscaling.minInstances', '0', 'allowScaleToZero'),
  ep('autoscaling GPU utilization 150%', { autoscaling: { maxInstances: 4, targetGpuUtilizationPercent: 150 } }, 'autoscaling.targetGpuUtilizationPercent', '150', 'at most 100'),
  ep('autoscaling target invocations 0', { autoscaling: { maxInstances: 4, targetInvocationsPerInstance: 0 } }, 'autoscaling.targetInvocationsPerInstance', '0', /greater than 0|more than 0/),
  ep('autoscaling scaleInCooldown 2 h', { autoscaling: { maxInstances: 4, targetInvocationsPerInstance: 10, scaleInCooldown: Duration.hours(2) } }, 'autoscaling.scaleInCooldown', dur(7200), 'at most 60 minutes'),
  ep('autoscaling maxInstances 2.5', { autoscaling: { maxInstances: 2.5, targetInvocationsPerInstance: 10 } }, 'autoscaling.maxInstances', '2.5', /whole|an int/),
  ep('dataCapture samplingPercent 0', { dataCapture: { samplingPercent: 0 } }, 'dataCapture.samplingPercent', '0', 'at least 1'),
  ep('dataCapture samplingPercent 101', { dataCapture: { samplingPercent: 101 } }, 'dataCapture.samplingPercent', '101', 'at most 100'),
  ep('dataCapture samplingPercent 12.5', { dataCapture: { samplingPercent: 12.5 } }, 'dataCapture.samplingPercent', '12.5', 'whole percentage'),
  ep('dataCapture captures nothing', { dataCapture: { captureRequest: false, captureResponse: false } }, 'dataCapture.captureResponse', 'false', 'nothing would be captured'),
  ep('dataCapture prefix with a space', { dataCapture: { prefix: 'data capture' } }, 'dataCapture.prefix', '"data capture"', 'without spaces'),
  ep('rollout canary 0%', { rollout: RolloutPolicy.canary({ percent: 0 }) }, 'rollout.percent', '0', 'greater than 0'),
  ep('rollout canary 100%', { rollout: RolloutPolicy.canary({ percent: 100 }) }, 'rollout.percent', '100', 'less than 100'),
  ep('rollout canary bake 2 days', { rollout: RolloutPolicy.canary({ percent: 50, bake: Duration.days(2) }) }, 'rollout.bake', dur(172800), 'one day'),
  ep('rollout linear step 0.5', { rollout: RolloutPolicy.linear({ stepPercent: 0.5 }) }, 'rollout.stepPercent', '0.5', 'at least 1'),
  ep('rollout staged not ending at 100', { rollout: RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 50 }] }) }, 'rollout.steps', /percent/, 'end at 100'),
  ep('rollout staged decreasing', { rollout: RolloutPolicy.staged({ steps: [{ percent: 50 }, { percent: 10 }, { percent: 100 }] }) }, 'rollout.steps', /percent/, 'increase'),
  ep('rollout staged empty', { rollout: RolloutPolicy.staged({ steps: [] }) }, 'rollout.steps', '[]', 'at least one step'),
  ep('rollbackTriggers empty', { rollbackTriggers: [] }, 'rollbackTriggers', '[]', 'at least one trigger'),
  ep('rollbackTriggers duplicate', { rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.errorRate()] }, 'rollbackTriggers[1].name', /error/, 'unique'),
  ep('errorRate maxPercent 0', { rollbackTriggers: [RollbackTrigger.errorRate({ maxPercent: 0 })] }, 'rollbackTriggers[0].maxPercent', '0', 'greater than 0'),
  ep('errorRate maxPercent 150', { rollbackTriggers: [RollbackTrigger.errorRate({ maxPercent: 150 })] }, 'rollbackTriggers[0].maxPercent', '150', 'at most 100'),
  ep('p99Latency maxMillis 0', { rollbackTriggers: [RollbackTrigger.p99Latency({ maxMillis: 0 })] }, 'rollbackTriggers[0].maxMillis', '0', 'greater than 0'),
  ep('p99Latency maxMillis negative', { rollbackTriggers: [RollbackTrigger.p99Latency({ maxMillis: -5 })] }, 'rollbackTriggers[0].maxMillis', '-5', 'greater than 0'),
  ep('model image with a tag', { model: model({ image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server:latest' }) }, 'model.image', '"123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/server:latest"', 'digest'),
  ep('model image empty', { model: model({ image: '' }) }, 'model.image', '""', /image|digest/),
  ep('model image short digest', { model: model({ image: 'repo/x@sha256:abc' }) }, 'model.image', '"repo/x@sha256:abc"', /digest|sha256/),
  ep('model modelDataUrl not s3', { model: model({ modelDataUrl: 'https://bucket/model.tar.gz' }) }, 'model.modelDataUrl', '"https://bucket/model.tar.gz"', 's3://'),
  ep('model environment value too long', { model: model({ environment: { LONG: chars(1025) } }) }, 'model.environment.LONG', /^"a+/, '1024'),
  ep('variants weight 0', { variants: [{ name: 'challenger', model: MODEL, weight: 0 }] }, 'variants[0].weight', '0', 'greater than 0'),
  ep('variants name duplicate of primary', { variants: [{ name: 'primary', model: MODEL, weight: 1 }] }, 'variants', /primary/, 'unique variant names'),
  ep('variants name invalid', { variants: [{ name: 'chal_lenger', model: MODEL, weight: 1 }] }, 'variants[0].name', '"chal_lenger"', '1-63'),
  ep('variants 10 extra', { variants: Array.from({ length: 10 }, (_, i) => ({ name: `v${i}`, model: MODEL, weight: 1 })) }, 'variants', /v0/, 'at most 9 extra variants'),
  ep('variants instanceType CPU', { variants: [{ name: 'challenger', model: MODEL, weight: 1, instanceType: 'ml.c5.xlarge' }] }, 'variants[0].instanceType', '"ml.c5.xlarge"', 'GPU'),
  ep('shadow samplingPercent 0', { shadow: { model: MODEL, samplingPercent: 0 } }, 'shadow.samplingPercent', '0', 'at least 1'),
  ep('shadow samplingPercent 150', { shadow: { model: MODEL, samplingPercent: 150 } }, 'shadow.samplingPercent', '150', 'at most 100'),
  ep('shadow with variants', { shadow: { model: MODEL, samplingPercent: 10 }, variants: [{ name: 'b', model: MODEL, weight: 1 }] }, 'shadow', /^\{"model":/, 'must not be combined with variants'),
  row('GpuServingEndpoint securityGroups without vpc', (s) => {
    const vpc = new ec2.Vpc(s, 'Vpc');
    endpoint(s, { securityGroups: [new ec2.SecurityGroup(s, 'Sg', { vpc })] });
  }, EP, 'securityGroups', /Sweep\/Sg/, 'only with vpc'),
  row('GpuServingEndpoint 6 security groups', (s) => {
    const vpc = new ec2.Vpc(s, 'Vpc');
    endpoint(s, { vpc, securityGroups: Array.from({ length: 6 }, (_, i) => new ec2.SecurityGroup(s, `Sg${i}`, { vpc })) });
  }, EP, 'securityGroups', /Sweep\/Sg0/, 'at most 5'),
  row('GpuServingEndpoint addVariant weight negative', (s) => endpoint(s).addVariant({ name: 'b', model: MODEL, weight: -1 }), EP, 'variants[0].weight', '-1', 'greater than 0'),
  row('GpuServingEndpoint addVariant duplicate name', (s) => {
    const e = endpoint(s);
    e.addVariant({ name: 'b', model: MODEL, weight: 1 });
    e.addVariant({ name: 'b', model: MODEL, weight: 1 });
  }, EP, 'variants', /"b"/, 'unique variant names'),
  row('GpuServingEndpoint addShadowVariant twice', (s) => {
    const e = endpoint(s);
    e.addShadowVariant({ model: MODEL, samplingPercent: 10 });
    e.addShadowVariant({ model: MODEL, samplingPercent: 10 });
  }, EP, 'shadow', /^\{"model":/, 'added once'),
  row('GpuServingEndpoint addVariant after a shadow', (s) => endpoint(s, { shadow: { model: MODEL, samplingPercent: 10 } }).addVariant({ name: 'b', model: MODEL, weight: 1 }),
    EP, 'shadow', /^\{"model":/, 'must not be combined with variants'),
  row('GpuServingEndpoint addShadowVariant after variants', (s) => endpoint(s, { variants: [{ name: 'b', model: MODEL, weight: 1 }] }).addShadowVariant({ model: MODEL, samplingPercent: 10 }),
    EP, 'shadow', /^\{"model":/, 'must not be combined with variants'),
  row('GpuServingEndpoint addShadowVariant with the primary\'s name', (s) => endpoint(s).addShadowVariant({ name: 'primary', model: MODEL, samplingPercent: 10 }),
    EP, 'shadow.name', '"primary"', 'unique variant names'),
  ep('shadow named like a variant', { variants: [{ name: 'b', model: MODEL, weight: 1 }], shadow: { name: 'b', model: MODEL, samplingPercent: 10 } }, 'shadow.name', '"b"', 'unique variant names'),
  row('GpuServingEndpoint addEnv bad name', (s) => endpoint(s).addEnv('MY-VAR', 'x'), EP, 'name', '"MY-VAR"', 'environment variable name'),
  row('GpuServingEndpoint addEnv twice', (s) => {
    const e = endpoint(s);
    e.addEnv('MODE', 'a');
    e.addEnv('MODE', 'b');
  }, EP, 'name', '"MODE"', 'must not be set already'),
  row('GpuServingEndpoint addRollbackTrigger duplicate', (s) => endpoint(s).addRollbackTrigger(RollbackTrigger.errorRate()), EP, 'rollbackTriggers[1].name', '"error-rate"', 'unique'),
  row('ModelSource.fromModelPackage version 0', (s) => endpoint(s, { model: ModelSource.fromModelPackage(registry(s), 0) }), EP, 'model.modelPackageVersion', '0', 'model package version'),
  row('ModelSource.fromModelPackage version 1.5', (s) => endpoint(s, { model: ModelSource.fromModelPackage(registry(s), 1.5) }), EP, 'model.modelPackageVersion', '1.5', /whole|an int/),
  row('ModelSource.fromModelPackageArn not an ARN', (s) => endpoint(s, { model: ModelSource.fromModelPackageArn(registry(s), 'fraud/3') }), EP, 'model.modelPackageArn', '"fraud/3"', 'ARN of a model package version'),
  row('ModelSource.fromModelPackageArn of another group', (s) => endpoint(s, {
    model: ModelSource.fromModelPackageArn(registry(s), 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3'),
  }), EP, 'model.modelPackageArn', '"arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"', 'model package group "fraud"'),
];

// ---------------------------------------------------------------------------------------------
// ModelRegistry (AWS)
// ---------------------------------------------------------------------------------------------

const REG = 'Sweep/Registry';
const reg = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`ModelRegistry ${name}`, (s) => registry(s, props), REG, property, received, allowed);

const registryRows: AwsRow[] = [
  reg('modelPackageGroupName with a space', { modelPackageGroupName: 'fraud models' }, 'modelPackageGroupName', '"fraud models"', '1-63 letters'),
  reg('modelPackageGroupName 64 characters', { modelPackageGroupName: chars(64) }, 'modelPackageGroupName', `"${chars(64)}"`, '1-63'),
  reg('modelPackageGroupName empty', { modelPackageGroupName: '' }, 'modelPackageGroupName', '""', '1-63'),
  reg('modelPackageGroupName leading hyphen', { modelPackageGroupName: '-fraud' }, 'modelPackageGroupName', '"-fraud"', 'starting'),
  reg('description 1025 characters', { description: chars(1025) }, 'description', /^"a+/, '1024'),
  reg('crossAccountReadAccountIds 11 digits', { crossAccountReadAccountIds: ['12345678901'] }, 'crossAccountReadAccountIds[0]', '"12345678901"', '12-digit AWS account id'),
  reg('crossAccountReadAccountIds with letters', { crossAccountReadAccountIds: ['12345678901a'] }, 'crossAccountReadAccountIds[0]', '"12345678901a"', '12-digit'),
  reg('crossAccountReadAccountIds duplicate', { crossAccountReadAccountIds: ['111111111111', '111111111111'] }, 'crossAccountReadAccountIds', '["111111111111","111111111111"]', 'twice'),
  reg('crossAccountReadAccountIds a number', { crossAccountReadAccountIds: [123456789012] }, 'crossAccountReadAccountIds[0]', '123456789012', /string|12-digit/),
  reg('noncurrentVersionExpiration 0 days', { noncurrentVersionExpiration: Duration.days(0) }, 'noncurrentVersionExpiration', dur(0, 'days'), 'at least 1 day'),
  reg('noncurrentVersionExpiration 11 years', { noncurrentVersionExpiration: Duration.days(4000) }, 'noncurrentVersionExpiration', dur(4000, 'days'), 'at most 3650 days'),
  reg('noncurrentVersionExpiration 36 hours', { noncurrentVersionExpiration: Duration.hours(36) }, 'noncurrentVersionExpiration', dur(1.5, 'days'), 'whole number of days'),
  reg('artifactRemovalPolicy SNAPSHOT', { artifactRemovalPolicy: 'snapshot' }, 'artifactRemovalPolicy', '"snapshot"', 'RETAIN, DESTROY'),
  reg('unknown prop', { modelPackageGroup: 'fraud' }, 'modelPackageGroup', '"fraud"', 'not a known property'),
  row('ModelRegistry addCrossAccountRead bad id', (s) => registry(s).addCrossAccountRead('1234'), REG, 'accountId', '"1234"', '12-digit'),
];

// ---------------------------------------------------------------------------------------------
// FeatureStore (AWS)
// ---------------------------------------------------------------------------------------------

const FS = 'Sweep/Features';
const fst = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`FeatureStore ${name}`, (s) => featureStore(s, props as any), FS, property, received, allowed);

const featureStoreRows: AwsRow[] = [
  fst('no entities', { entities: [] }, 'entities', '[]', 'at least one entity'),
  fst('entity name with a dot', { entities: [entity({ name: 'user.v2' })] }, 'entities[0].name', '"user.v2"', 'FeatureGroupName'),
  fst('entity name 65 characters', { entities: [entity({ name: chars(65) })] }, 'entities[0].name', `"${chars(65)}"`, '64'),
  fst('entity twice', { entities: [USER, USER] }, 'entities[1].name', '"user"', 'defined twice'),
  fst('recordIdentifier with a space', { entities: [entity({ recordIdentifier: 'user id' })] }, 'entities[0].recordIdentifier', '"user id"', 'FeatureName'),
  fst('eventTime equals recordIdentifier', { entities: [entity({ eventTime: 'user_id' })] }, 'entities[0].eventTime', '"user_id"', 'differ from recordIdentifier'),
  fst('recordIdentifierType FRACTIONAL', { entities: [entity({ recordIdentifierType: FeatureType.FRACTIONAL })] }, 'entities[0].recordIdentifierType', '"Fractional"', 'String or Integral'),
  fst('eventTimeType INTEGRAL', { entities: [entity({ eventTimeType: FeatureType.INTEGRAL })] }, 'entities[0].eventTimeType', '"Integral"', 'String (ISO-8601) or Fractional'),
  fst('no features', { entities: [entity({ features: [] })] }, 'entities[0].features', '[]', 'at least one feature'),
  fst('reserved feature name', { entities: [entity({ features: [{ name: 'write_time', type: FeatureType.STRING }] })] }, 'entities[0].features[0].name', '"write_time"', 'reserved'),
  fst('feature type unknown', { entities: [entity({ features: [{ name: 'x', type: 'Boolean' }] })] }, 'entities[0].features[0].type', '"Boolean"', 'one of'),
  fst('feature names differ only in case', { entities: [entity({ features: [{ name: 'Spend', type: FeatureType.STRING }, { name: 'spend', type: FeatureType.STRING }] })] }, 'entities[0].features[1].name', '"spend"', 'unique in the entity'),
  fst('namePrefix with a dot', { namePrefix: 'acme.' }, 'namePrefix', '"acme."', '1-41'),
  fst('namePrefix making the group name 65 characters', { namePrefix: chars(41, 'p'), entities: [entity({ name: chars(24, 'u') })] }, 'entities[0].name', `"${chars(24, 'u')}"`, 'at most 64 characters with namePrefix'),
  fst('onlineStore ttl 30 s', { onlineStore: { ttl: Duration.seconds(30) } }, 'onlineStore.ttl', dur(30), 'at least 1 minute'),
  fst('onlineStore ttl on offline-only group', { onlineStore: { enabled: false, ttl: Duration.days(1) } }, 'onlineStore.ttl', dur(86400), 'offline-only'),
  fst('both stores disabled', { onlineStore: { enabled: false }, offlineStore: { enabled: false } }, 'onlineStore.enabled', 'false', 'a group needs a store'),
  fst('storageType unknown', { onlineStore: { storageType: 'Fast' } }, 'onlineStore.storageType', '"Fast"', 'one of'),
  fst('offlineStore prefix with a space', { offlineStore: { prefix: 'feature store' } }, 'offlineStore.prefix', '"feature store"', 'without spaces'),
  fst('offlineStore tableFormat unknown', { offlineStore: { tableFormat: 'Delta' } }, 'offlineStore.tableFormat', '"Delta"', 'one of'),
  fst('Provisioned without capacities', { throughputMode: ThroughputMode.PROVISIONED }, 'throughputMode', '"Provisioned"', 'provisionedReadCapacityUnits'),
  fst('capacities without Provisioned', { provisionedReadCapacityUnits: 5, provisionedWriteCapacityUnits: 5 }, 'throughputMode', 'undefined', 'must be Provisioned'),
  fst('Provisioned with InMemory', { throughputMode: ThroughputMode.PROVISIONED, provisionedReadCapacityUnits: 5, provisionedWriteCapacityUnits: 5, onlineStore: { storageType: OnlineStorageType.IN_MEMORY } }, 'throughputMode', '"Provisioned"', 'InMemory'),
  fst('read capacity 0', { throughputMode: ThroughputMode.PROVISIONED, provisionedReadCapacityUnits: 0, provisionedWriteCapacityUnits: 5 }, 'provisionedReadCapacityUnits', '0', 'at least 1'),
  row('FeatureStore addFeature to unknown entity', (s) => featureStore(s).addFeature('merchant', { name: 'risk', type: FeatureType.FRACTIONAL }), FS, 'entityName', '"merchant"', 'entity of the store (user)'),
  row('FeatureStore addFeature already defined', (s) => featureStore(s).addFeature('user', { name: 'Country', type: FeatureType.STRING }), FS, 'entities[0].features[2].name', '"Country"', 'unique in the entity'),
  row('FeatureStore addFeature reserved name', (s) => featureStore(s).addFeature('user', { name: 'api_invocation_time', type: FeatureType.STRING }), FS, 'feature.name', '"api_invocation_time"', 'reserved'),
  row('FeatureStore addFeatureGroup twice', (s) => featureStore(s).addFeatureGroup(USER), FS, 'entities[1].name', '"user"', 'defined twice'),
];

// ---------------------------------------------------------------------------------------------
// DriftMonitor (AWS)
// ---------------------------------------------------------------------------------------------

const DM = 'Sweep/Drift';
const dm = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`DriftMonitor ${name}`, (s) => drift(s, props as any), DM, property, received, allowed);

const driftRows: AwsRow[] = [
  row('DriftMonitor given the capture of an endpoint whose capture is off', (s) => {
    const e = endpoint(s, { dataCapture: { enabled: false } });
    drift(s, { capture: e.dataCaptureLocation! });
  }, DM, 'capture', 'undefined', /data capture|dataCapture|capture is off|enabled/),
  dm('endpointName with underscore', { endpointName: 'fraud_ep' }, 'endpointName', '"fraud_ep"', '1-63'),
  dm('no features', { features: [] }, 'features', '[]', 'at least one feature'),
  dm('feature twice', { features: ['amount', 'amount'] }, 'features', '["amount","amount"]', 'twice'),
  dm('feature empty', { features: [''] }, 'features[0]', '""', 'at least 1'),
  dm('features differing only in punctuation', { features: ['amount_usd', 'amount-usd'] }, 'features[1]', '"amount-usd"', 'must differ from "amount_usd"'),
  dm('baselineKey not .json', { baselineKey: 'fraud/baseline.csv' }, 'baselineKey', '"fraud/baseline.csv"', '.json'),
  dm('investigateThreshold 0', { investigateThreshold: 0 }, 'investigateThreshold', '0', /greater than 0|more than 0/),
  dm('actThreshold below investigate', { investigateThreshold: 0.3, actThreshold: 0.2 }, 'actThreshold', '0.2', 'greater than investigateThreshold (0.3)'),
  dm('sustainedDatapoints > sustainedPeriods', { sustainedDatapoints: 5, sustainedPeriods: 3 }, 'sustainedDatapoints', '5', 'must not exceed sustainedPeriods (3)'),
  dm('sustainedPeriods 101', { sustainedPeriods: 101 }, 'sustainedPeriods', '101', 'at most 100'),
  dm('schedule a cron', { schedule: events.Schedule.cron({ minute: '0' }) }, 'schedule', '"cron(0 * * * ? *)"', 'must be a rate'),
  dm('schedule every 2 minutes', { schedule: events.Schedule.rate(Duration.minutes(2)) }, 'schedule', '"rate(2 minutes)"', 'at least 5 minutes'),
  dm('schedule every 8 days', { schedule: events.Schedule.rate(Duration.days(8)) }, 'schedule', '"rate(8 days)"', 'at most 7 days'),
  dm('window 90 s', { window: Duration.seconds(90) }, 'window', dur(90), 'whole number of minutes'),
  dm('window shorter than schedule', { window: Duration.minutes(30) }, 'window', dur(1800), 'at least the schedule (60 minutes)'),
  dm('window 40 days', { window: Duration.days(40) }, 'window', dur(3456000), '31 days'),
  dm('referenceSpan with TRAINING reference', { referenceSpan: Duration.days(7) }, 'referenceSpan', dur(604800), 'ROLLING_WINDOW'),
  dm('minReferenceValues with TRAINING reference', { minReferenceValues: 100 }, 'minReferenceValues', '100', 'ROLLING_WINDOW'),
  dm('referenceSpan shorter than window', { reference: DriftReference.ROLLING_WINDOW, window: Duration.hours(2), referenceSpan: Duration.hours(1) }, 'referenceSpan', dur(3600), 'at least the window (120 minutes)'),
  dm('reference unknown', { reference: 'LAST_WEEK' }, 'reference', '"LAST_WEEK"', 'one of'),
  dm('minReferenceValues 0', { reference: DriftReference.ROLLING_WINDOW, minReferenceValues: 0 }, 'minReferenceValues', '0', /at least 1|>=1/),
  dm('alarmOwnership runbookUrl not a URL', { alarmOwnership: { ...OWNERSHIP, runbookUrl: 'see wiki' } }, 'alarmOwnership.runbookUrl', '"see wiki"', 'https://'),
  row('DriftMonitor securityGroups without vpc', (s) => {
    const vpc = new ec2.Vpc(s, 'Vpc');
    drift(s, { securityGroups: [new ec2.SecurityGroup(s, 'Sg', { vpc })] });
  }, DM, 'securityGroups', /Sweep\/Sg/, 'only together with vpc'),
  row('DriftMonitor addFeature twice', (s) => drift(s).addFeature('amount'), DM, 'features', '["amount","country","amount"]', 'twice'),
  row('DriftMonitor addFeature empty', (s) => drift(s).addFeature(''), DM, 'feature', '""', /at least 1/),
];

// ---------------------------------------------------------------------------------------------
// DataQualityMonitor and ModelQualityMonitor (AWS)
// ---------------------------------------------------------------------------------------------

const DQ = 'Sweep/DataQuality';
const dq = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`DataQualityMonitor ${name}`, (s) => dataQuality(s, props as any), DQ, property, received, allowed);
const MQ = 'Sweep/ModelQuality';
const mq = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`ModelQualityMonitor ${name}`, (s) => modelQuality(s, props as any), MQ, property, received, allowed);

const monitorRows: AwsRow[] = [
  dq('reportPrefix with leading slash', { reportPrefix: '/reports' }, 'reportPrefix', '"/reports"', 'leading or trailing slash'),
  dq('reportPrefix with a space', { reportPrefix: 'my reports' }, 'reportPrefix', '"my reports"', 'without spaces'),
  dq('schedule every 30 minutes', { schedule: events.Schedule.rate(Duration.minutes(30)) }, 'schedule', '"rate(30 minutes)"', 'Model Monitor accepts'),
  dq('schedule cron at minute 15', { schedule: events.Schedule.cron({ minute: '15', hour: '*', weekDay: '*' }) }, 'schedule', /cron\(15/, 'Model Monitor accepts'),
  dq('monitoringScheduleName with underscore', { monitoringScheduleName: 'fraud_dq' }, 'monitoringScheduleName', '"fraud_dq"', '1-63'),
  dq('instanceType without ml.', { instanceType: 'm5.xlarge' }, 'instanceType', '"m5.xlarge"', 'ML instance type'),
  dq('instanceCount 0', { instanceCount: 0 }, 'instanceCount', '0', 'at least 1'),
  dq('volumeSizeGb 20000', { volumeSizeGb: 20000 }, 'volumeSizeGb', '20000', '16384'),
  dq('maxRuntime 2 days', { maxRuntime: Duration.days(2) }, 'maxRuntime', dur(172800), '24 hours'),
  dq('maxRuntime fractional', { maxRuntime: Duration.millis(2500) }, 'maxRuntime', dur(2.5), 'whole number of seconds'),
  dq('imageUri with a space', { imageUri: 'my image' }, 'imageUri', '"my image"', 'without spaces'),
  row('DataQualityMonitor baselineStatistics key not .json', (s) => dataQuality(s, { baselineStatistics: { bucket: s3.Bucket.fromBucketName(s, 'B2', 'other-baselines'), key: 'fraud/statistics.csv' } }), DQ, 'baselineStatistics.key', '"fraud/statistics.csv"', '.json'),
  row('DataQualityMonitor baselineConstraints key leading slash', (s) => dataQuality(s, { baselineConstraints: { bucket: s3.Bucket.fromBucketName(s, 'B2', 'other-baselines'), key: '/fraud/constraints.json' } }), DQ, 'baselineConstraints.key', '"/fraud/constraints.json"', 'leading slash'),
  row('DataQualityMonitor region without the analyzer', (s) => {
    const other = new Stack(s.node.scope as any, 'Far', { env: { account: '123456789012', region: 'xx-nowhere-1' } });
    dataQuality(other);
  }, 'Far/DataQuality', 'imageUri', 'undefined', 'prebuilt Model Monitor analyzer'),
  mq('problemType unknown', { problemType: 'Ranking' }, 'problemType', '"Ranking"', 'one of'),
  mq('groundTruthDelay 30 minutes', { groundTruthDelay: Duration.minutes(30) }, 'groundTruthDelay', dur(1800), 'whole number of hours'),
  mq('groundTruthDelay 0', { groundTruthDelay: Duration.hours(0) }, 'groundTruthDelay', dur(0), 'at least 1 hour'),
  mq('groundTruthWindow shorter than daily schedule', { schedule: events.Schedule.cron({ minute: '0', hour: '4', weekDay: '*' }), groundTruthWindow: Duration.hours(2) }, 'groundTruthWindow', dur(7200), 'at least the schedule interval (24 hours)'),
  mq('groundTruthPrefix trailing slash', { groundTruthPrefix: 'ground-truth/' }, 'groundTruthPrefix', '"ground-truth/"', 'trailing slash'),
  mq('binary without any attribute', { inferenceAttribute: undefined }, 'inferenceAttribute', 'undefined', 'BinaryClassification'),
  mq('probabilityAttribute without threshold', { inferenceAttribute: undefined, probabilityAttribute: '1' }, 'probabilityThreshold', 'undefined', 'probabilityAttribute'),
  mq('probabilityThreshold 1.5', { probabilityAttribute: '1', probabilityThreshold: 1.5 }, 'probabilityThreshold', '1.5', 'at most 1'),
  mq('probabilityAttribute on regression', { problemType: ModelQualityProblemType.REGRESSION, probabilityAttribute: '1' }, 'probabilityAttribute', '"1"', 'only for BinaryClassification'),
  mq('inferenceAttribute empty', { inferenceAttribute: '' }, 'inferenceAttribute', '""', 'at least 1'),
  mq('maxRuntime over 30 minutes hourly', { maxRuntime: Duration.hours(1) }, 'maxRuntime', dur(3600), 'hourly schedule'),
  mq('alarm metric of another problem type', { alarm: { metricName: 'mse', threshold: 1, comparison: 'GREATER_THAN', alarmOwnership: OWNERSHIP } }, 'alarm.metricName', '"mse"', 'BinaryClassification metric'),
  mq('alarm with publishMetrics false', { publishMetrics: false, alarm: { metricName: 'f1', threshold: 0.8, comparison: 'LESS_THAN', alarmOwnership: OWNERSHIP } }, 'publishMetrics', 'false', 'published metric'),
  mq('alarm datapoints > periods', { alarm: { metricName: 'f1', threshold: 0.8, comparison: 'LESS_THAN', alarmOwnership: OWNERSHIP, evaluationPeriods: 2, datapointsToAlarm: 3 } }, 'alarm.datapointsToAlarm', '3', 'must not exceed evaluationPeriods (2)'),
  mq('alarm comparison unknown', { alarm: { metricName: 'f1', threshold: 0.8, comparison: 'EQUALS', alarmOwnership: OWNERSHIP } }, 'alarm.comparison', '"EQUALS"', 'one of'),
  mq('alarm looking back over 7 days', { schedule: events.Schedule.cron({ minute: '0', hour: '4', weekDay: '*' }), alarm: { metricName: 'f1', threshold: 0.8, comparison: 'LESS_THAN', alarmOwnership: OWNERSHIP, evaluationPeriods: 8 } }, 'alarm.evaluationPeriods', '8', '7 days'),
];

// ---------------------------------------------------------------------------------------------
// MlPipeline (AWS) and PipelineSpec
// ---------------------------------------------------------------------------------------------

const PL = 'Sweep/Pipeline';
const pl = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`MlPipeline ${name}`, (s) => pipeline(s, props as any), PL, property, received, allowed);

const pipelineRows: AwsRow[] = [
  pl('gate threshold Infinity', { spec: { ...SPEC, gate: { ...SPEC.gate, threshold: Infinity } } }, 'spec.gate.threshold', 'Infinity', /number|finite/),
  pl('gate threshold NaN', { spec: { ...SPEC, gate: { ...SPEC.gate, threshold: NaN } } }, 'spec.gate.threshold', 'NaN', /number|finite/),
  pl('pipelineName with underscore', { pipelineName: 'fraud_training' }, 'pipelineName', '"fraud_training"', '1-256'),
  pl('pipelineName 257 characters', { pipelineName: chars(257) }, 'pipelineName', /^"a+/, '1-256'),
  pl('codeCommit short SHA', { codeCommit: 'abc1234' }, 'codeCommit', '"abc1234"', '40-character'),
  pl('codeCommit uppercase', { codeCommit: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }, 'codeCommit', '"ABCDEF0123456789ABCDEF0123456789ABCDEF01"', 'lowercase'),
  pl('defaultDataVersion with a space', { defaultDataVersion: 'tx 2026' }, 'defaultDataVersion', '"tx 2026"', 'no spaces'),
  pl('defaultDataVersion 190 characters', { defaultDataVersion: chars(190) }, 'defaultDataVersion', /^"a+/, 'at most 179 characters'),
  pl('defaultFeatureSetVersion empty', { defaultFeatureSetVersion: '' }, 'defaultFeatureSetVersion', '""', '1-200'),
  pl('defaultInputDataUri not s3', { defaultInputDataUri: '/data/fraud' }, 'defaultInputDataUri', '"/data/fraud"', 's3://'),
  pl('artifactPrefix with a space', { artifactPrefix: 'pipe line' }, 'artifactPrefix', '"pipe line"', 'without spaces'),
  pl('cacheExpireAfter 10 minutes', { caching: true, cacheExpireAfter: Duration.minutes(10) }, 'cacheExpireAfter', dur(600), 'at least 1 hour'),
  pl('retryAttempts 21', { retryAttempts: 21 }, 'retryAttempts', '21', 'at most 20'),
  pl('retryAttempts -1', { retryAttempts: -1 }, 'retryAttempts', '-1', 'at least 0'),
  pl('one step only', { spec: { ...SPEC, steps: [SPEC.steps[1]] } }, 'spec.steps', /train/, 'at least'),
  pl('step name with a space', { spec: withStep(0, { name: 'pre process' }) }, 'spec.steps[0].name', '"pre process"', '1-48'),
  pl('step name 49 characters', { spec: withStep(0, { name: chars(49) }) }, 'spec.steps[0].name', `"${chars(49)}"`, '1-48'),
  pl('step kind unknown', { spec: withStep(0, { kind: 'TRANSFORM' }) }, 'spec.steps[0].kind', '"TRANSFORM"', 'one of'),
  pl('step image by tag', { spec: withStep(0, { image: 'repo/prep:latest' }) }, 'spec.steps[0].image', '"repo/prep:latest"', 'digest'),
  pl('step input of no output', { spec: withStep(1, { inputs: ['prep.validation'] }) }, 'spec.steps[1].inputs[0]', '"prep.validation"', 'upstream step'),
  pl('step input malformed', { spec: withStep(1, { inputs: ['prep/train'] }) }, 'spec.steps[1].inputs[0]', '"prep/train"', '"<step>.<output>"'),
  pl('step reads its own output', { spec: withStep(0, { inputs: ['prep.train'] }) }, 'spec.steps[0].inputs[0]', '"prep.train"', 'own output'),
  pl('step name twice', { spec: withStep(2, { name: 'prep' }) }, 'spec.steps[2].name', '"prep"', 'unique'),
  pl('two training steps', { spec: withStep(0, { kind: StepKind.TRAINING, outputs: undefined, inputs: ['data'] }) }, 'spec.steps', /prep/, /exactly one training step|cycle|upstream/),
  pl('training step with outputs', { spec: withStep(1, { outputs: ['extra'] }) }, 'spec.steps[1].outputs', '["extra"]', 'training step'),
  pl('step instanceType without ml.', { spec: withStep(1, { instanceType: 'g5.2xlarge' }) }, 'spec.steps[1].instanceType', '"g5.2xlarge"', 'SageMaker instance type'),
  pl('step instanceCount 0', { spec: withStep(1, { instanceCount: 0 }) }, 'spec.steps[1].instanceCount', '0', 'at least 1'),
  pl('step gpuCount 17', { spec: withStep(1, { gpu: GpuModel.A10G, gpuCount: 17 }) }, 'spec.steps[1].gpuCount', '17', 'at most 16'),
  pl('step gpu without instanceType', { spec: withStep(1, { gpu: GpuModel.A10G, instanceType: undefined }) }, 'spec.steps[1].instanceType', 'undefined', 'on AWS when gpu is set'),
  pl('step gpu not matching instanceType', { spec: withStep(1, { gpu: GpuModel.H100 }) }, 'spec.steps[1].instanceType', '"ml.g5.2xlarge"', 'H100'),
  pl('step volumeSizeGiB 0', { spec: withStep(1, { volumeSizeGiB: 0 }) }, 'spec.steps[1].volumeSizeGiB', '0', 'at least 1'),
  pl('step maxRuntime 30 s', { spec: withStep(1, { maxRuntime: Duration.seconds(30) }) }, 'spec.steps[1].maxRuntime', dur(30), 'at least a minute'),
  pl('step maxRuntime 30 days', { spec: withStep(1, { maxRuntime: Duration.days(30) }) }, 'spec.steps[1].maxRuntime', dur(2592000), '28 days'),
  pl('gate evaluationStep unknown', { spec: { ...SPEC, gate: { ...SPEC.gate, evaluationStep: 'judge' } } }, 'spec.gate.evaluationStep', '"judge"', 'processing step with output "evaluation"'),
  pl('gate metric with spaces', { spec: { ...SPEC, gate: { ...SPEC.gate, metric: 'auc value' } } }, 'spec.gate.metric', '"auc value"', 'JSON path'),
  pl('gate comparison unknown', { spec: { ...SPEC, gate: { ...SPEC.gate, comparison: 'ABOUT' } } }, 'spec.gate.comparison', '"ABOUT"', 'one of'),
  pl('gate reportFile not .json', { spec: { ...SPEC, gate: { ...SPEC.gate, reportFile: 'eval.txt' } } }, 'spec.gate.reportFile', '"eval.txt"', '.json'),
  pl('inferenceImage by tag', { spec: { ...SPEC, inferenceImage: 'repo/serve:v1' } }, 'spec.inferenceImage', '"repo/serve:v1"', 'digest'),
  pl('inferenceImage equals training image', { spec: { ...SPEC, inferenceImage: pin('train', 'c') } }, 'spec.inferenceImage', /^"123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/train@sha256:c+/, 'differ from the training image'),
  row('MlPipeline addStep name twice', (s) => pipeline(s).addStep({ ...SPEC.steps[0] }), PL, 'spec.steps[3].name', '"prep"', 'unique'),
  row('MlPipeline addStep a second training step', (s) => pipeline(s).addStep({ ...SPEC.steps[1], name: 'train2' }), PL, 'spec.steps', /^\[\{"name":"prep"/, 'exactly one training step'),
  row('MlPipeline addStep reading an unknown output', (s) => pipeline(s).addStep({ ...SPEC.steps[0], name: 'report', inputs: ['evaluate.summary'], outputs: ['report'] }), PL, 'spec.steps[3].inputs[0]', '"evaluate.summary"', 'upstream step'),
  row('MlPipeline addStep bad kind', (s) => pipeline(s).addStep({ ...SPEC.steps[0], name: 'extra', kind: 'MAP' as any }), PL, 'step.kind', '"MAP"', 'one of'),
];

// ---------------------------------------------------------------------------------------------
// ApprovalPromotion
// ---------------------------------------------------------------------------------------------

const AP = 'Sweep/Promotion';
const promotionRows: AwsRow[] = [
  row('ApprovalPromotion requiredLineageKeys twice', (s) => promotion(s, { requiredLineageKeys: ['data', 'data'] }), AP, 'requiredLineageKeys', '["data","data"]', 'twice'),
  row('ApprovalPromotion requiredLineageKeys empty key', (s) => promotion(s, { requiredLineageKeys: [''] }), AP, 'requiredLineageKeys[0]', '""', 'metadata key'),
  row('ApprovalPromotion requiredLineageKeys leading space', (s) => promotion(s, { requiredLineageKeys: [' data'] }), AP, 'requiredLineageKeys[0]', '" data"', 'not starting or ending with a space'),
  row('ApprovalPromotion deploymentWait 2 days', (s) => promotion(s, { deploymentWait: Duration.days(2) }), AP, 'deploymentWait', dur(172800), 'at most 32 hours'),
  row('ApprovalPromotion deploymentWait fractional', (s) => promotion(s, { deploymentWait: Duration.millis(1500) }), AP, 'deploymentWait', dur(1.5), 'whole number of seconds'),
  row('ApprovalPromotion alarmOwnership owner empty', (s) => promotion(s, { alarmOwnership: { owner: '', runbookUrl: OWNERSHIP.runbookUrl } }), AP, 'alarmOwnership.owner', '""', 'owning team'),
  row('ApprovalPromotion modelPackageParameter version 0', (s) => {
    const reg2 = ModelRegistry.fromModelRegistryAttributes(s, 'Reg', { modelPackageGroupName: 'fraud' });
    ApprovalPromotion.modelPackageParameter(s, 'FraudModelPackage', reg2, 0);
  }, 'Sweep/FraudModelPackage', 'initialVersion', '0', 'model package version'),
  row('ApprovalPromotion modelPackageParameter version 2.5', (s) => {
    const reg2 = ModelRegistry.fromModelRegistryAttributes(s, 'Reg', { modelPackageGroupName: 'fraud' });
    ApprovalPromotion.modelPackageParameter(s, 'FraudModelPackage', reg2, 2.5);
  }, 'Sweep/FraudModelPackage', 'initialVersion', '2.5', 'whole version number'),
  row('ApprovalPromotion in a stack without env', (s, app) => {
    const bare = new Stack(app, 'Bare');
    const reg2 = ModelRegistry.fromModelRegistryAttributes(bare, 'Reg', { modelPackageGroupName: 'fraud' });
    ApprovalPromotion.modelPackageParameter(bare, 'FraudModelPackage', reg2, 1);
    void s;
  }, 'Bare/FraudModelPackage', 'region', '<deploy-time value>', /known at synthesis.*give the stack an env/),
];


// SageMaker limits and dangerous configurations (issue 14, fixed by aws-limits).
const HYPHENATED_81 = `${'a-'.repeat(40)}a`;
const limitRows: AwsRow[] = [
  ep('endpointName of 81 characters with hyphens', { endpointName: HYPHENATED_81 }, 'endpointName', `"${HYPHENATED_81}"`, '63'),
  reg('modelPackageGroupName of 81 characters with hyphens', { modelPackageGroupName: HYPHENATED_81 }, 'modelPackageGroupName', `"${HYPHENATED_81}"`, '63'),
  pl('pipelineName of 301 characters with hyphens', { pipelineName: `${'a-'.repeat(150)}a` }, 'pipelineName', /^"a-a-/, '256'),
  ep('instanceType without the ml. prefix', { instanceType: 'g5.xlarge' }, 'instanceType', '"g5.xlarge"', 'ml.'),
  pl('processing step maxRuntime 10 days', { spec: withStep(0, { maxRuntime: Duration.days(10) }) }, 'spec.steps[0].maxRuntime', dur(864000), /9 days|777600/),
  ep('model environment bad name', { model: model({ environment: { '1BAD': 'x' } }) }, 'model.environment', '{"1BAD":"x"}', 'SageMaker ContainerDefinition.Environment'),
  ep('model environment key with a hyphen', { model: model({ environment: { 'MY-VAR': 'x' } }) }, 'model.environment', '{"MY-VAR":"x"}', 'SageMaker ContainerDefinition.Environment'),
  ep('canary with zero bake and zero terminationWait', { rollout: RolloutPolicy.canary({ percent: 50, bake: Duration.seconds(0) }), terminationWait: Duration.seconds(0) }, 'rollout.bake', dur(0), /alarm/),
];

describe('sweep: AWS constructs refuse wrong input', () => {
  describe('GpuServingEndpoint', () => sweepAws(endpointRows));
  describe('ModelRegistry', () => sweepAws(registryRows));
  describe('FeatureStore', () => sweepAws(featureStoreRows));
  describe('DriftMonitor', () => sweepAws(driftRows));
  describe('Model Monitor', () => sweepAws(monitorRows));
  describe('MlPipeline', () => sweepAws(pipelineRows));
  describe('ApprovalPromotion', () => sweepAws(promotionRows));
  describe('SageMaker limits', () => sweepAws(limitRows));
});

// ---------------------------------------------------------------------------------------------
// Inputs that must be accepted
// ---------------------------------------------------------------------------------------------

const accepted: AcceptRow<Stack>[] = [
  { name: 'endpointName of exactly 63 characters', build: (s) => endpoint(s, { endpointName: chars(63) }) },
  { name: 'modelPackageGroupName of exactly 63 characters with hyphens', build: (s) => registry(s, { modelPackageGroupName: `a${'-b'.repeat(31)}` }) },
  { name: 'owner of exactly 100 characters', build: (s) => endpoint(s, { alarmOwnership: { ...OWNERSHIP, owner: chars(100) } }) },
  { name: 'a feature group name of exactly 64 characters', build: (s) => featureStore(s, { entities: [entity({ name: chars(64, 'u') })] }) },
  { name: 'a canary of exactly 50 percent (SageMaker\'s largest) on 4 instances', build: (s) => endpoint(s, { initialInstanceCount: 4, rollout: RolloutPolicy.canary({ percent: 50 }) }) },
  { name: 'a string token (CfnParameter) as endpointName', build: (s) => endpoint(s, { endpointName: new CfnParameter(s, 'Name').valueAsString }) },
  { name: 'a string token as modelPackageGroupName', build: (s) => registry(s, { modelPackageGroupName: new CfnParameter(s, 'Group').valueAsString }) },
  { name: 'a string token as the model image', build: (s) => endpoint(s, { model: ModelSource.fromImage({ image: new CfnParameter(s, 'Image').valueAsString }) }) },
  { name: 'a string token as codeCommit', build: (s) => pipeline(s, { codeCommit: new CfnParameter(s, 'Commit').valueAsString }) },
  { name: 'a number token as samplingPercent', build: (s) => endpoint(s, { dataCapture: { samplingPercent: new CfnParameter(s, 'Pct', { type: 'Number' }).valueAsNumber } }) },
  { name: 'terminationWait of exactly one hour', build: (s) => endpoint(s, { terminationWait: Duration.hours(1) }) },
  { name: 'noncurrentVersionExpiration of exactly 3650 days', build: (s) => registry(s, { noncurrentVersionExpiration: Duration.days(3650) }) },
];

describe('sweep: AWS constructs accept right input', () => acceptAws(accepted));
