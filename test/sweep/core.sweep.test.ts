/**
 * Adversarial sweep of the target-neutral policies and core functions (issue 14): RolloutPolicy,
 * RollbackTrigger and PipelineStep used by the constructs of both targets (they are judged where
 * they are used, under the prop that holds them), and the core functions that check their own input
 * (Lineage, DriftMath, PointInTime). Each row is refused with MlopsValidationError naming the path,
 * the property, the value and what is allowed, with nothing synthesized. Rows the library does not
 * pass yet are in test/sweep/pending.md.
 */
import { Duration as AwsDuration } from 'aws-cdk-lib';
import { Chart, Duration as K8sDuration } from 'cdk8s';
import { describe } from 'vitest';
import { GpuServingEndpoint as AwsEndpoint } from '../../lib/aws/gpu-serving-endpoint';
import { MlPipeline as AwsPipeline } from '../../lib/aws/ml-pipeline';
import { ModelRegistry as AwsRegistry } from '../../lib/aws/model-registry';
import { ModelSource } from '../../lib/aws/model-source';
import { DriftMath } from '../../lib/core/drift';
import { EntityDefinition, Features, FeatureType } from '../../lib/core/features';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { Lineage } from '../../lib/core/lineage';
import { GateComparison, PipelineStep, StepKind } from '../../lib/core/pipeline';
import { PointInTime } from '../../lib/core/point-in-time';
import { RollbackTrigger, ThresholdComparison } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint as K8sEndpoint } from '../../lib/k8s/gpu-serving-endpoint';
import { MlPipeline as K8sPipeline } from '../../lib/k8s/ml-pipeline';
import { AwsRow, chars, dur, K8sRow, sweepAws, sweepK8s } from '../support/sweep';

const awsImage = (repo: string, c: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repo}@sha256:${c.repeat(64)}`;
const k8sImage = (repo: string, c: string) => `registry.example.com/fraud/${repo}@sha256:${c.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const RESOURCES = { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' };

/** The policy on an AWS endpoint of 4 instances (every SageMaker share of the fleet is whole there). */
function awsEndpoint(stack: any, props: object): AwsEndpoint {
  return new AwsEndpoint(stack, 'Endpoint', {
    model: ModelSource.fromImage({ image: awsImage('fraud/server', 'a') }),
    instanceType: 'ml.g5.xlarge',
    initialInstanceCount: 4,
    alarmOwnership: OWNERSHIP,
    ...props,
  });
}

function k8sEndpoint(chart: Chart, props: object): K8sEndpoint {
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  return new K8sEndpoint(chart, 'Fraud', { image: k8sImage('triton', 'c'), nodePool: pool, resources: RESOURCES, alarmOwnership: OWNERSHIP, ...props });
}

const STEPS = (image: (r: string, c: string) => string): PipelineStep[] => [
  { name: 'prep', kind: StepKind.PROCESSING, image: image('prep', 'b'), inputs: ['data'], outputs: ['train', 'test'] },
  { name: 'train', kind: StepKind.TRAINING, image: image('train', 'c'), inputs: ['prep.train'], instanceType: 'ml.g5.2xlarge' },
  { name: 'evaluate', kind: StepKind.PROCESSING, image: image('eval', 'd'), inputs: ['train.model', 'prep.test'], outputs: ['evaluation'] },
];
const GATE = { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 };

function awsPipeline(stack: any): AwsPipeline {
  return new AwsPipeline(stack, 'Pipeline', {
    spec: { steps: STEPS(awsImage), gate: GATE, inferenceImage: awsImage('serve', 'e') },
    registry: new AwsRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' }),
    codeCommit: '0123456789abcdef0123456789abcdef01234567',
    defaultDataVersion: 'tx@2026-11-01',
    defaultFeatureSetVersion: 'fs-abc',
    defaultInputDataUri: 's3://data/fraud/',
  });
}

function k8sPipeline(chart: Chart): K8sPipeline {
  return new K8sPipeline(chart, 'Training', {
    pipeline: { steps: STEPS(k8sImage), gate: GATE, inferenceImage: k8sImage('serve', 'e') },
    registerImage: k8sImage('register', 'f'),
    trackingUri: 'http://mlflow.mlflow.svc:5000',
    inputData: 's3://acme-data/fraud/2025-06-01',
    artifactRoot: 's3://acme-artifacts/fraud',
    dataVersion: 'tx-2025-06-01',
    codeCommit: 'a'.repeat(40),
    featureSetVersion: 'fraud-v3',
  });
}

type Text = string | RegExp;
const expected = (constructPath: string, property: string, received: Text, allowed: Text) => ({ constructPath, property, received, allowed });

/** A policy row on both targets: the AWS endpoint (aws-cdk-lib Durations) and the Kubernetes one (cdk8s Durations). */
interface PolicyCase {
  readonly name: string;
  readonly props: (d: typeof AwsDuration | typeof K8sDuration) => object;
  readonly property: string;
  readonly received: string | RegExp;
  readonly allowed: string | RegExp;
}

const policy = (name: string, props: PolicyCase['props'], property: string, received: string | RegExp, allowed: string | RegExp): PolicyCase => ({ name, props, property, received, allowed });

const policies: PolicyCase[] = [
  // RolloutPolicy
  policy('canary percent -5', () => ({ rollout: RolloutPolicy.canary({ percent: -5 }) }), 'rollout.percent', '-5', 'greater than 0'),
  policy('canary percent 100', () => ({ rollout: RolloutPolicy.canary({ percent: 100 }) }), 'rollout.percent', '100', 'less than 100'),
  policy('canary bake 2 days', (d) => ({ rollout: RolloutPolicy.canary({ percent: 25, bake: d.days(2) }) }), 'rollout.bake', dur(172800), 'one day'),
  policy('canary bake 1.5 s', (d) => ({ rollout: RolloutPolicy.canary({ percent: 25, bake: d.millis(1500) }) }), 'rollout.bake', dur(1.5), 'whole seconds'),
  policy('linear step 0', () => ({ rollout: RolloutPolicy.linear({ stepPercent: 0 }) }), 'rollout.stepPercent', '0', 'at least 1'),
  policy('linear step 150', () => ({ rollout: RolloutPolicy.linear({ stepPercent: 150 }) }), 'rollout.stepPercent', '150', 'less than 100'),
  policy('linear interval 25 hours', (d) => ({ rollout: RolloutPolicy.linear({ stepPercent: 25, interval: d.hours(25) }) }), 'rollout.interval', dur(90000), 'one day'),
  policy('allAtOnce bake 2 days', (d) => ({ rollout: RolloutPolicy.allAtOnce({ bake: d.days(2) }) }), 'rollout.bake', dur(172800), 'one day'),
  policy('staged without steps', () => ({ rollout: RolloutPolicy.staged({ steps: [] }) }), 'rollout.steps', '[]', 'at least one step'),
  policy('staged step 0%', () => ({ rollout: RolloutPolicy.staged({ steps: [{ percent: 0 }, { percent: 100 }] }) }), 'rollout.steps[0].percent', '0', 'greater than 0'),
  policy('staged step 120%', () => ({ rollout: RolloutPolicy.staged({ steps: [{ percent: 50 }, { percent: 120 }] }) }), 'rollout.steps[1].percent', '120', 'at most 100'),
  policy('staged not ending at 100', () => ({ rollout: RolloutPolicy.staged({ steps: [{ percent: 25 }, { percent: 50 }] }) }), 'rollout.steps', /percent/, 'end at 100'),
  policy('staged going back', () => ({ rollout: RolloutPolicy.staged({ steps: [{ percent: 50 }, { percent: 25 }, { percent: 100 }] }) }), 'rollout.steps', /percent/, 'increase'),
  policy('staged step bake 2 days', (d) => ({ rollout: RolloutPolicy.staged({ steps: [{ percent: 50, bake: d.days(2) }, { percent: 100 }] }) }), 'rollout.steps[0].bake', dur(172800), 'one day'),
  // RollbackTrigger
  policy('errorRate maxPercent -1', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ maxPercent: -1 })] }), 'rollbackTriggers[0].maxPercent', '-1', 'greater than 0'),
  policy('errorRate maxPercent 101', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ maxPercent: 101 })] }), 'rollbackTriggers[0].maxPercent', '101', 'at most 100'),
  policy('errorRate period 30 s', (d) => ({ rollbackTriggers: [RollbackTrigger.errorRate({ period: d.seconds(30) })] }), 'rollbackTriggers[0].period', dur(30), 'at least a minute'),
  policy('errorRate period 90 s', (d) => ({ rollbackTriggers: [RollbackTrigger.errorRate({ period: d.seconds(90) })] }), 'rollbackTriggers[0].period', dur(90), 'whole minutes'),
  policy('errorRate evaluationPeriods 0', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ evaluationPeriods: 0 })] }), 'rollbackTriggers[0].evaluationPeriods', '0', 'at least 1'),
  policy('errorRate evaluationPeriods 101', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ evaluationPeriods: 101 })] }), 'rollbackTriggers[0].evaluationPeriods', '101', 'at most 100'),
  policy('errorRate datapoints > periods', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ evaluationPeriods: 2, datapointsToAlarm: 3 })] }), 'rollbackTriggers[0].datapointsToAlarm', '3', 'must not exceed evaluationPeriods'),
  policy('errorRate datapointsToAlarm 0', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ datapointsToAlarm: 0 })] }), 'rollbackTriggers[0].datapointsToAlarm', '0', 'at least 1'),
  policy('errorRate owner with a comma', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ owner: 'a,b' })] }), 'rollbackTriggers[0].owner', '"a,b"', /owning team|owner/),
  policy('errorRate runbookUrl http', () => ({ rollbackTriggers: [RollbackTrigger.errorRate({ runbookUrl: 'http://x.example.com' })] }), 'rollbackTriggers[0].runbookUrl', '"http://x.example.com"', 'https://'),
  policy('p99Latency maxMillis 0', () => ({ rollbackTriggers: [RollbackTrigger.p99Latency({ maxMillis: 0 })] }), 'rollbackTriggers[0].maxMillis', '0', 'greater than 0'),
  policy('p99Latency period 45 s', (d) => ({ rollbackTriggers: [RollbackTrigger.p99Latency({ maxMillis: 200, period: d.seconds(45) })] }), 'rollbackTriggers[0].period', dur(45), 'at least a minute'),
  policy('metric name 41 characters', () => ({
    rollbackTriggers: [RollbackTrigger.metric({ name: chars(41), threshold: 1, comparison: ThresholdComparison.GREATER_THAN, cloudWatch: { namespace: 'X', metricName: 'Y' }, prometheusQuery: 'up' })],
  }), 'rollbackTriggers[0].name', `"${chars(41)}"`, '1-40 lowercase'),
  policy('metric name with underscore', () => ({
    rollbackTriggers: [RollbackTrigger.metric({ name: 'queue_depth', threshold: 1, comparison: ThresholdComparison.GREATER_THAN, cloudWatch: { namespace: 'X', metricName: 'Y' }, prometheusQuery: 'up' })],
  }), 'rollbackTriggers[0].name', '"queue_depth"', '1-40 lowercase'),
  policy('metric comparison unknown', () => ({
    rollbackTriggers: [RollbackTrigger.metric({ name: 'queue', threshold: 1, comparison: 'EQUAL' as any, cloudWatch: { namespace: 'X', metricName: 'Y' }, prometheusQuery: 'up' })],
  }), 'rollbackTriggers[0].comparison', '"EQUAL"', 'one of'),
];

const awsPolicyRows: AwsRow[] = policies.map((c) => ({
  name: `${c.name} on the AWS endpoint`,
  build: (stack) => awsEndpoint(stack, c.props(AwsDuration)),
  expected: expected('Sweep/Endpoint', c.property, c.received, c.allowed),
}));

const k8sPolicyRows: K8sRow[] = policies
  .map((c) => ({
    name: `${c.name} on the Kubernetes endpoint`,
    build: (chart: Chart) => k8sEndpoint(chart, c.props(K8sDuration)),
    expected: expected('Sweep/Fraud', c.property, c.received, c.allowed),
  }));

/** CloudWatch-only rules of a metric trigger: on AWS. */
const awsMetricRows: AwsRow[] = [
  {
    name: 'metric trigger cloudWatch namespace empty',
    build: (s) => awsEndpoint(s, { rollbackTriggers: [RollbackTrigger.metric({ name: 'queue', threshold: 1, comparison: ThresholdComparison.GREATER_THAN, cloudWatch: { namespace: '', metricName: 'Y' } })] }),
    expected: expected('Sweep/Endpoint', 'rollbackTriggers[0].cloudWatch.namespace', '""', 'at least 1'),
  },
  {
    name: 'metric trigger cloudWatch metricName 256 characters',
    build: (s) => awsEndpoint(s, { rollbackTriggers: [RollbackTrigger.metric({ name: 'queue', threshold: 1, comparison: ThresholdComparison.GREATER_THAN, cloudWatch: { namespace: 'X', metricName: chars(256) } })] }),
    expected: expected('Sweep/Endpoint', 'rollbackTriggers[0].cloudWatch.metricName', /^"a+/, 'at most 255'),
  },
  {
    name: 'metric trigger cloudWatch statistic Median',
    build: (s) => awsEndpoint(s, { rollbackTriggers: [RollbackTrigger.metric({ name: 'queue', threshold: 1, comparison: ThresholdComparison.GREATER_THAN, cloudWatch: { namespace: 'X', metricName: 'Y', statistic: 'Median' } })] }),
    expected: expected('Sweep/Endpoint', 'rollbackTriggers[0].cloudWatch.statistic', '"Median"', 'Average, Sum'),
  },
  {
    name: 'metric trigger without cloudWatch on AWS',
    build: (s) => awsEndpoint(s, { rollbackTriggers: [RollbackTrigger.metric({ name: 'queue', threshold: 1, comparison: ThresholdComparison.GREATER_THAN, prometheusQuery: 'up' })] }),
    expected: expected('Sweep/Endpoint', 'rollbackTriggers[0].cloudWatch', 'undefined', 'metric trigger used on AWS'),
  },
];

// ---------------------------------------------------------------------------------------------
// PipelineStep (addStep on both targets)
// ---------------------------------------------------------------------------------------------

interface StepCase {
  readonly name: string;
  readonly step: (image: (r: string, c: string) => string) => object;
  readonly property: string;
  readonly received: string | RegExp;
  readonly allowed: string | RegExp;
}
const stepCase = (name: string, over: object, property: string, received: string | RegExp, allowed: string | RegExp): StepCase => ({
  name,
  step: (image) => ({ name: 'report', kind: StepKind.PROCESSING, image: image('report', '7'), inputs: ['evaluate.evaluation'], outputs: ['summary'], ...over }),
  property,
  received,
  allowed,
});

const steps: StepCase[] = [
  stepCase('name empty', { name: '' }, 'step.name', '""', '1-48'),
  stepCase('name with a slash', { name: 're/port' }, 'step.name', '"re/port"', '1-48'),
  stepCase('kind MAP', { kind: 'MAP' }, 'step.kind', '"MAP"', 'one of'),
  stepCase('image by tag', { image: 'report:latest' }, 'step.image', '"report:latest"', 'digest'),
  stepCase('inputs malformed', { inputs: ['evaluate..evaluation'] }, 'step.inputs[0]', '"evaluate..evaluation"', '"<step>.<output>"'),
  stepCase('outputs with a space', { outputs: ['sum mary'] }, 'step.outputs[0]', '"sum mary"', 'letters, digits'),
  stepCase('instanceType without ml.', { instanceType: 'm5.xlarge' }, 'step.instanceType', '"m5.xlarge"', 'SageMaker instance type'),
  stepCase('instanceCount 101', { instanceCount: 101 }, 'step.instanceCount', '101', 'at most 100'),
  stepCase('gpuCount 0', { gpu: GpuModel.A10G, instanceType: 'ml.g5.xlarge', gpuCount: 0 }, 'step.gpuCount', '0', 'at least 1'),
  stepCase('volumeSizeGiB 20000', { volumeSizeGiB: 20000 }, 'step.volumeSizeGiB', '20000', 'at most 16384'),
  stepCase('unknown key', { retries: 3 }, 'step.retries', '3', 'not a known property'),
];

const awsStepRows: AwsRow[] = steps.map((c) => ({
  name: `PipelineStep ${c.name} (AWS addStep)`,
  build: (stack) => awsPipeline(stack).addStep(c.step(awsImage) as PipelineStep),
  expected: expected('Sweep/Pipeline', c.property, c.received, c.allowed),
}));
const k8sStepRows: K8sRow[] = steps
  .filter((c) => !['instanceType without ml.', 'instanceCount 101', 'gpuCount 0'].includes(c.name))
  .map((c) => ({
    name: `PipelineStep ${c.name} (Kubernetes addStep)`,
    build: (chart: Chart) => k8sPipeline(chart).addStep(c.step(k8sImage) as PipelineStep),
    expected: expected('Sweep/Training', c.property, c.received, c.allowed),
  }));

// ---------------------------------------------------------------------------------------------
// Core functions checking their own input
// ---------------------------------------------------------------------------------------------

const LINEAGE = { datasetVersion: 'tx@2026-11-01', codeCommit: 'a'.repeat(40), featureSetVersion: 'fs-1', evaluationReportUri: 's3://reports/fraud/eval.json' };
const USER: EntityDefinition = { name: 'user', recordIdentifier: 'user_id', eventTime: 'event_time', features: [{ name: 'spend', type: FeatureType.FRACTIONAL }] };
const PIT = {
  labels: { table: 'labels', timestampColumn: 'ts', entityColumns: { user: 'user_id' } },
  features: ['user:spend'],
  entities: [USER],
  featureTables: { user: 'user_offline' },
};

const coreRows: AwsRow[] = [
  { name: 'Features.parseReference without a colon', build: () => Features.parseReference('nocolon'), expected: expected('Features.parseReference', 'ref', '"nocolon"', 'entity:feature') },
  { name: 'Lineage.validate codeCommit short', build: () => Lineage.validate({ ...LINEAGE, codeCommit: 'abc' }, 'Fraud/Lineage'), expected: expected('Fraud/Lineage', 'codeCommit', '"abc"', '40-character') },
  { name: 'Lineage.validate datasetVersion with a space', build: () => Lineage.validate({ ...LINEAGE, datasetVersion: 'tx 1' }, 'Fraud/Lineage'), expected: expected('Fraud/Lineage', 'datasetVersion', '"tx 1"', 'no spaces') },
  { name: 'Lineage.validate featureSetVersion empty', build: () => Lineage.validate({ ...LINEAGE, featureSetVersion: '' }, 'Fraud/Lineage'), expected: expected('Fraud/Lineage', 'featureSetVersion', '""', '1-200') },
  { name: 'Lineage.validate evaluationReportUri a bucket', build: () => Lineage.validate({ ...LINEAGE, evaluationReportUri: 's3://reports' }, 'Fraud/Lineage'), expected: expected('Fraud/Lineage', 'evaluationReportUri', '"s3://reports"', 'bucket and a key') },
  { name: 'Lineage.toCustomerMetadata unknown key', build: () => Lineage.toCustomerMetadata({ ...LINEAGE, dataset: 'x' } as any, 'Fraud/Lineage'), expected: expected('Fraud/Lineage', 'dataset', '"x"', 'not a known property') },
  { name: 'DriftMath.buildBaseline bins 1', build: () => DriftMath.buildBaseline([{ name: 'amount', numericValues: [1, 2, 3] }], { bins: 1 }), expected: expected('DriftMath.buildBaseline', 'bins', '1', 'at least 2') },
  { name: 'DriftMath.buildBaseline column without values', build: () => DriftMath.buildBaseline([{ name: 'amount' }]), expected: expected('DriftMath.buildBaseline', 'features[0]', /amount/, /numericValues|categoricalValues/) },
  { name: 'DriftMath.parseBaseline not JSON', build: () => DriftMath.parseBaseline('{features: [}'), expected: expected('DriftMath.parseBaseline', '', /features/, 'JSON document') },
  { name: 'DriftMath.parseBaseline without version', build: () => DriftMath.parseBaseline('{}'), expected: expected('DriftMath.parseBaseline', 'version', 'undefined', 'must be 1') },
  { name: 'PointInTime.query feature of unknown entity', build: () => PointInTime.query({ ...PIT, features: ['merchant:risk'] }), expected: expected('PointInTime.query', 'features[0]', '"merchant:risk"', 'defined entity (user)') },
  { name: 'PointInTime.query no features', build: () => PointInTime.query({ ...PIT, features: [] }), expected: expected('PointInTime.query', 'features', '[]', /at least/) },
];

describe('sweep: core policies on both targets', () => {
  describe('RolloutPolicy / RollbackTrigger on AWS', () => sweepAws([...awsPolicyRows, ...awsMetricRows]));
  describe('RolloutPolicy / RollbackTrigger on Kubernetes', () => sweepK8s(k8sPolicyRows));
  describe('PipelineStep on AWS', () => sweepAws(awsStepRows));
  describe('PipelineStep on Kubernetes', () => sweepK8s(k8sStepRows));
  describe('core functions', () => sweepAws(coreRows));
});
