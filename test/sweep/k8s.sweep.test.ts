/**
 * Adversarial sweep of the Kubernetes constructs (issue 14): one wrong input per row, built on shared
 * valid props, each refused with MlopsValidationError naming the construct path, the property, the
 * value and what is allowed, with no manifest written. Rows the library does not pass yet are in
 * test/sweep/pending.md.
 */
import { Chart, Cron, Duration, Lazy } from 'cdk8s';
import { describe } from 'vitest';
import { DriftReference } from '../../lib/core/drift-reference';
import { EntityDefinition, FeatureType } from '../../lib/core/features';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { GateComparison, PipelineSpec, PipelineStep, StepKind } from '../../lib/core/pipeline';
import { RollbackTrigger, ThresholdComparison } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';
import { DriftMonitor, DriftMonitorProps } from '../../lib/k8s/drift-monitor';
import { FeatureStore, FeatureStoreProps } from '../../lib/k8s/feature-store';
import { GpuNodePool, GpuNodePoolProps } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, ServingRenderer } from '../../lib/k8s/gpu-serving-endpoint';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { MlPipeline, MlPipelineProps } from '../../lib/k8s/ml-pipeline';
import { ModelRegistry, ModelRegistryProps } from '../../lib/k8s/model-registry';
import { acceptK8s, AcceptRow, chars, dur, K8sRow, sweepK8s } from '../support/sweep';

const img = (repo: string, c: string) => `registry.example.com/fraud/${repo}@sha256:${c.repeat(64)}`;
const IMAGE = img('triton', 'c');
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const RESOURCES = { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' };
const SIDE = { name: 'logger', image: img('logger', 'd'), resources: { cpuRequest: '100m', cpuLimit: '200m', memoryRequest: '128Mi', memoryLimit: '256Mi' } };

// ---------------------------------------------------------------------------------------------
// Valid base props, one wrong input per row
// ---------------------------------------------------------------------------------------------

function pool(chart: Chart, props: Partial<GpuNodePoolProps> = {}): GpuNodePool {
  return new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'KarpenterNodeRole-ml', ...props });
}

function serving(chart: Chart, props: Partial<GpuServingEndpointProps> = {}, poolProps: Partial<GpuNodePoolProps> = {}): GpuServingEndpoint {
  return new GpuServingEndpoint(chart, 'Fraud', { image: IMAGE, nodePool: pool(chart, poolProps), resources: RESOURCES, alarmOwnership: OWNERSHIP, ...props });
}

function mlflow(chart: Chart, props: Partial<ModelRegistryProps> = {}): ModelRegistry {
  return new ModelRegistry(chart, 'Registry', {
    image: img('mlflow', 'b'),
    backendStoreUriSecret: { name: 'mlflow-db', key: 'uri' },
    artifactRoot: 's3://acme-ml/mlflow',
    ...props,
  });
}

const USER: EntityDefinition = {
  name: 'user',
  recordIdentifier: 'user_id',
  eventTime: 'event_time',
  features: [{ name: 'spend_30d', type: FeatureType.FRACTIONAL }, { name: 'txn_count', type: FeatureType.INTEGRAL }],
};
const OFFLINE = { region: 'eu-west-1', workGroup: 'features', s3StagingLocation: 's3://features/athena/', tables: { user: 'user_features_v' } };

function feast(chart: Chart, props: Partial<FeatureStoreProps> = {}): FeatureStore {
  return new FeatureStore(chart, 'Feast', {
    entities: [USER],
    image: img('feast', 'd'),
    redisConnectionSecret: { name: 'redis', key: 'conn' },
    registry: 's3://features/registry.db',
    offlineStore: OFFLINE,
    ...props,
  });
}

function drift(chart: Chart, props: Partial<DriftMonitorProps> = {}): DriftMonitor {
  return new DriftMonitor(chart, 'Drift', {
    endpointName: 'fraud',
    image: img('drift', 'a'),
    captureUri: 's3://capture/fraud/',
    baselineUri: 's3://baselines/fraud/baseline.json',
    features: ['amount', 'country'],
    alarmOwnership: OWNERSHIP,
    pushgatewayUrl: 'http://pushgateway.monitoring:9091',
    ...props,
  });
}

const STEPS: PipelineStep[] = [
  { name: 'prep', kind: StepKind.PROCESSING, image: img('prep', 'b'), inputs: ['data'], outputs: ['train', 'test'] },
  { name: 'train', kind: StepKind.TRAINING, image: img('train', 'c'), inputs: ['prep.train'] },
  { name: 'evaluate', kind: StepKind.PROCESSING, image: img('eval', 'd'), inputs: ['train.model', 'prep.test'], outputs: ['evaluation'] },
];
const SPEC: PipelineSpec = {
  steps: STEPS,
  gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
  inferenceImage: img('serve', 'e'),
};
const withStep = (i: number, over: object): PipelineSpec => ({ ...SPEC, steps: STEPS.map((s, j) => (j === i ? ({ ...s, ...over } as any) : s)) });

function pipeline(chart: Chart, props: Partial<MlPipelineProps> = {}): MlPipeline {
  return new MlPipeline(chart, 'Training', {
    pipeline: SPEC,
    registerImage: img('register', 'f'),
    trackingUri: 'http://mlflow.mlflow.svc:5000',
    inputData: 's3://acme-data/fraud/2025-06-01',
    artifactRoot: 's3://acme-artifacts/fraud',
    dataVersion: 'tx-2025-06-01',
    codeCommit: 'a'.repeat(40),
    featureSetVersion: 'fraud-v3',
    ...props,
  });
}

/** A negative time: cdk8s's Duration refuses one itself, a core.IDuration of the caller's own may hold it. */
const negative = (seconds: number): any => ({ toSeconds: () => seconds, toHumanString: () => `${seconds} seconds`, toMinutes: () => seconds / 60 });

const row = (name: string, build: K8sRow['build'], constructPath: string, property: string, received: string | RegExp, allowed: string | RegExp): K8sRow => ({
  name,
  build,
  expected: { constructPath, property, received, allowed },
});

// ---------------------------------------------------------------------------------------------
// GpuNodePool and GpuSharing
// ---------------------------------------------------------------------------------------------

const GP = 'Sweep/Pool';
const gp = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`GpuNodePool ${name}`, (c) => pool(c, props as any), GP, property, received, allowed);

const poolRows: K8sRow[] = [
  gp('gpu unknown', { gpu: 'RTX4090' }, 'gpu', '"RTX4090"', 'one of'),
  gp('name uppercase', { name: 'GPU-A10G' }, 'name', '"GPU-A10G"', 'DNS-1123 label'),
  gp('name 64 characters', { name: chars(64) }, 'name', `"${chars(64)}"`, '1-63'),
  gp('clusterName with a space', { clusterName: 'ml cluster' }, 'clusterName', '"ml cluster"', 'EKS cluster name'),
  gp('clusterName empty', { clusterName: '' }, 'clusterName', '""', 'EKS cluster name'),
  gp('nodeRole an ARN', { nodeRole: 'arn:aws:iam::123456789012:role/KarpenterNodeRole' }, 'nodeRole', '"arn:aws:iam::123456789012:role/KarpenterNodeRole"', 'not an ARN'),
  gp('nodeRole 65 characters', { nodeRole: chars(65) }, 'nodeRole', `"${chars(65)}"`, 'IAM role name'),
  gp('instanceFamilies without the GPU', { instanceFamilies: ['p4d'] }, 'instanceFamilies[0]', '"p4d"', 'family with A10G GPUs: g5'),
  gp('instanceFamilies with a size', { instanceFamilies: ['g5.xlarge'] }, 'instanceFamilies[0]', '"g5.xlarge"', 'EC2 instance family'),
  gp('instanceFamilies empty', { instanceFamilies: [] }, 'instanceFamilies', '[]', 'at least 1'),
  gp('gpuCounts 0', { gpuCounts: [0] }, 'gpuCounts[0]', '0', 'at least 1'),
  gp('gpuCounts 17', { gpuCounts: [17] }, 'gpuCounts[0]', '17', 'at most 16'),
  gp('capacityTypes unknown', { capacityTypes: ['preemptible'] }, 'capacityTypes[0]', '"preemptible"', 'one of'),
  gp('amiFamily unknown', { amiFamily: 'UBUNTU' }, 'amiFamily', '"UBUNTU"', 'one of'),
  gp('amiVersion free text', { amiVersion: 'newest' }, 'amiVersion', '"newest"', '"latest"'),
  gp('BOTTLEROCKET without amiVersion', { amiFamily: 'BOTTLEROCKET' }, 'amiVersion', 'undefined', 'pin a Bottlerocket release'),
  gp('rootVolumeGiB 10', { rootVolumeGiB: 10 }, 'rootVolumeGiB', '10', 'at least 20'),
  gp('rootVolumeGiB 20000', { rootVolumeGiB: 20000 }, 'rootVolumeGiB', '20000', 'at most 16384'),
  gp('modelWeightsGiB 0', { modelWeightsGiB: 0 }, 'modelWeightsGiB', '0', /greater than 0|more than 0/),
  gp('maxGpus 0', { maxGpus: 0 }, 'maxGpus', '0', 'at least 1'),
  gp('maxCpu 1.5', { maxCpu: 1.5 }, 'maxCpu', '1.5', /whole|an int/),
  gp('maxMemoryGiB negative', { maxMemoryGiB: -4 }, 'maxMemoryGiB', '-4', 'at least 1'),
  gp('consolidateAfter 8 days', { consolidateAfter: Duration.days(8) }, 'consolidateAfter', dur(691200), 'at most 7 days'),
  gp('consolidateAfter fractional', { consolidateAfter: Duration.millis(1500) }, 'consolidateAfter', dur(1.5), 'whole seconds'),
  gp('expireAfter 30 minutes', { expireAfter: Duration.minutes(30) }, 'expireAfter', dur(1800), 'at least 1 hour'),
  gp('expireAfter 2 years', { expireAfter: Duration.days(730) }, 'expireAfter', dur(63072000), 'at most 365 days'),
  gp('disruptionBudgetPercent 101', { disruptionBudgetPercent: 101 }, 'disruptionBudgetPercent', '101', 'at most 100'),
  gp('disruptionBudgetPercent negative', { disruptionBudgetPercent: -1 }, 'disruptionBudgetPercent', '-1', 'at least 0'),
  gp('devicePluginNamespace uppercase', { devicePluginNamespace: 'GPU' }, 'devicePluginNamespace', '"GPU"', 'DNS-1123 label'),
  gp('timeSlicing 1 replica', { sharing: GpuSharing.timeSlicing(1) }, 'sharing.replicas', '1', 'at least 2 pods per GPU'),
  gp('timeSlicing 49 replicas', { sharing: GpuSharing.timeSlicing(49) }, 'sharing.replicas', '49', 'at most 48'),
  gp('timeSlicing 2.5 replicas', { sharing: GpuSharing.timeSlicing(2.5) }, 'sharing.replicas', '2.5', 'whole number of pods'),
  gp('MIG on A10G', { sharing: GpuSharing.mig('1g.10gb') }, 'sharing.migProfile', '"1g.10gb"', 'does not support MIG'),
  gp('MIG profile of another GPU', { gpu: GpuModel.A100_40GB, sharing: GpuSharing.mig('1g.99gb') }, 'sharing.migProfile', '"1g.99gb"', 'MIG profile of A100_40GB'),
  gp('time slicing with BOTTLEROCKET', { amiFamily: 'BOTTLEROCKET', amiVersion: '1.43.0', sharing: GpuSharing.timeSlicing(4) }, 'sharing', /TIME_SLICING/, 'exclusive with BOTTLEROCKET'),
  gp('unknown prop', { maxGPUs: 4 }, 'maxGPUs', '4', 'not a known property'),
];

// ---------------------------------------------------------------------------------------------
// GpuServingEndpoint (Kubernetes)
// ---------------------------------------------------------------------------------------------

const SV = 'Sweep/Fraud';
const sv = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp, poolProps: object = {}) =>
  row(`GpuServingEndpoint ${name}`, (c) => serving(c, props as any, poolProps as any), SV, property, received, allowed);

const servingRows: K8sRow[] = [
  sv('image by tag', { image: 'registry.example.com/fraud/triton:24.05' }, 'image', '"registry.example.com/fraud/triton:24.05"', 'digest'),
  sv('image empty', { image: '' }, 'image', '""', /image|digest/),
  sv('name uppercase', { name: 'Fraud' }, 'name', '"Fraud"', 'DNS-1123 label'),
  sv('namespace with underscore', { namespace: 'ml_serving' }, 'namespace', '"ml_serving"', 'DNS-1123 label'),
  sv('port 0', { port: 0 }, 'port', '0', 'at least 1'),
  sv('port 70000', { port: 70000 }, 'port', '70000', 'at most 65535'),
  sv('port 80.5', { port: 80.5 }, 'port', '80.5', 'integer port'),
  sv('env bad name', { env: { 'MY-VAR': 'x' } }, 'env', '{"MY-VAR":"x"}', 'environment variable names (a letter or "_", then letters, digits or "_"); "MY-VAR" is not'),
  sv('container env bad name', { containers: [{ ...SIDE, env: { '2FAST': 'x', 'OK_1': 'y', 'A.B': 'z' } }] }, 'containers[0].env', '{"2FAST":"x","OK_1":"y","A.B":"z"}', '"2FAST", "A.B" are not'),
  sv('readinessPath without slash', { readinessPath: 'health' }, 'readinessPath', '"health"', 'starting with /'),
  sv('livenessPath with a space', { livenessPath: '/he alth' }, 'livenessPath', '"/he alth"', 'HTTP path'),
  sv('gpusPerReplica 0', { gpusPerReplica: 0 }, 'gpusPerReplica', '0', 'at least 1'),
  sv('gpusPerReplica 17', { gpusPerReplica: 17 }, 'gpusPerReplica', '17', 'at most 16'),
  sv('gpusPerReplica 2 on a time-sliced pool', { gpusPerReplica: 2 }, 'gpusPerReplica', '2', 'time-sliced', { sharing: GpuSharing.timeSlicing(4) }),
  sv('resources cpuRequest above limit', { resources: { ...RESOURCES, cpuRequest: '8' } }, 'resources.cpuRequest', '"8"', 'must not exceed cpuLimit (4)'),
  sv('resources memoryRequest above limit', { resources: { ...RESOURCES, memoryRequest: '32Gi' } }, 'resources.memoryRequest', '"32Gi"', 'must not exceed memoryLimit (16Gi)'),
  sv('resources memory in GB', { resources: { ...RESOURCES, memoryLimit: '16GB' } }, 'resources.memoryLimit', '"16GB"', 'Ki, Mi, Gi or Ti'),
  sv('resources cpu as words', { resources: { ...RESOURCES, cpuLimit: 'four' } }, 'resources.cpuLimit', '"four"', 'CPU quantity'),
  sv('resources missing cpuLimit', { resources: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' } }, 'resources.cpuLimit', 'undefined', /string|CPU quantity/),
  sv('modelSizeGiB 0', { modelSizeGiB: 0 }, 'modelSizeGiB', '0', /greater than 0|more than 0/),
  sv('modelSizeGiB 5000', { modelSizeGiB: 5000 }, 'modelSizeGiB', '5000', 'at most 4096'),
  sv('replicas 0', { replicas: 0 }, 'replicas', '0', 'a GPU replica takes minutes to start'),
  sv('replicas 1001', { replicas: 1001 }, 'replicas', '1001', 'at most 1000'),
  sv('maxReplicas below replicas', { replicas: 4, maxReplicas: 2 }, 'maxReplicas', '2', 'at least replicas (4)'),
  sv('targetCpuUtilizationPercent 0', { scaleMetric: 'CPU', targetCpuUtilizationPercent: 0 }, 'targetCpuUtilizationPercent', '0', 'at least 1'),
  sv('targetGpuUtilizationPercent 120', { targetGpuUtilizationPercent: 120 }, 'targetGpuUtilizationPercent', '120', 'at most 100'),
  sv('scaleMetric unknown', { scaleMetric: 'MEMORY' }, 'scaleMetric', '"MEMORY"', 'one of'),
  sv('REQUEST_RATE without target', { scaleMetric: 'REQUEST_RATE' }, 'targetRequestsPerSecond', 'undefined', 'scaleMetric REQUEST_RATE'),
  sv('targetRequestsPerSecond 0', { scaleMetric: 'REQUEST_RATE', targetRequestsPerSecond: 0 }, 'targetRequestsPerSecond', '0', 'greater than 0'),
  sv('CPU target with GPU metric', { scaleMetric: 'GPU_UTILIZATION', targetCpuUtilizationPercent: 70 }, 'targetCpuUtilizationPercent', '70', 'must not be set with scaleMetric'),
  sv('rollout canary 0%', { rollout: RolloutPolicy.canary({ percent: 0 }) }, 'rollout.percent', '0', 'greater than 0'),
  sv('rollout canary 12.5%', { rollout: RolloutPolicy.canary({ percent: 12.5 }) }, 'rollout', /CANARY/, 'whole percentages on Kubernetes'),
  sv('rollout canary bake negative', { rollout: RolloutPolicy.canary({ percent: 10, bake: negative(-60) }) }, 'rollout.bake', dur(-60), 'at least 0 seconds'),
  sv('rollout canary bake fractional', { rollout: RolloutPolicy.canary({ percent: 10, bake: Duration.millis(1500) }) }, 'rollout.bake', dur(1.5), 'whole seconds'),
  sv('rollout linear 100%', { rollout: RolloutPolicy.linear({ stepPercent: 100 }) }, 'rollout.stepPercent', '100', 'less than 100'),
  sv('rollout staged step over 100', { rollout: RolloutPolicy.staged({ steps: [{ percent: 50 }, { percent: 150 }] }) }, 'rollout.steps[1].percent', '150', 'at most 100'),
  sv('rollbackTriggers empty', { rollbackTriggers: [] }, 'rollbackTriggers', '[]', 'at least one trigger'),
  sv('rollbackTriggers duplicate name', { rollbackTriggers: [RollbackTrigger.p99Latency({ maxMillis: 200 }), RollbackTrigger.p99Latency({ maxMillis: 300 })] }, 'rollbackTriggers[1].name', /latency/, 'unique'),
  sv('metric trigger without prometheusQuery', { rollbackTriggers: [RollbackTrigger.metric({ name: 'queue', threshold: 5, comparison: ThresholdComparison.GREATER_THAN, cloudWatch: { namespace: 'X', metricName: 'Y' } })] }, 'rollbackTriggers[0].prometheusQuery', 'undefined', 'on Kubernetes'),
  sv('metric trigger named enough-traffic', { rollbackTriggers: [RollbackTrigger.metric({ name: 'enough-traffic', threshold: 5, comparison: ThresholdComparison.GREATER_THAN, prometheusQuery: 'up' })] }, 'rollbackTriggers[0].name', '"enough-traffic"', 'must not be "enough-traffic"'),
  sv('metric trigger name uppercase', { rollbackTriggers: [RollbackTrigger.metric({ name: 'Queue', threshold: 5, comparison: ThresholdComparison.GREATER_THAN, prometheusQuery: 'up' })] }, 'rollbackTriggers[0].name', '"Queue"', '1-40 lowercase'),
  sv('alarmOwnership owner with a comma', { alarmOwnership: { ...OWNERSHIP, owner: 'a,b' } }, 'alarmOwnership.owner', '"a,b"', 'owning team'),
  sv('minRequestsPerSecond negative', { minRequestsPerSecond: -1 }, 'minRequestsPerSecond', '-1', 'at least 0'),
  sv('prometheusAddress not a URL', { prometheusAddress: 'prometheus:9090' }, 'prometheusAddress', '"prometheus:9090"', 'http(s) URL'),
  sv('metricsPreset unknown', { metricsPreset: 'TGI' }, 'metricsPreset', '"TGI"', 'one of'),
  sv('metrics requestsTotal with a dash', { metrics: { requestsTotal: 'http-requests' } }, 'metrics.requestsTotal', '"http-requests"', 'Prometheus metric name'),
  sv('metrics names with a preset', { metricsPreset: 'TRITON', metrics: { requestsTotal: 'x_total' } }, 'metrics.requestsTotal', '"x_total"', 'metricsPreset TRITON'),
  sv('TRITON on Triton metrics port', { metricsPreset: 'TRITON', port: 8002 }, 'port', '8002', "Triton's metrics port"),
  sv('renderer unknown', { renderer: 'SELDON' }, 'renderer', '"SELDON"', 'one of'),
  sv('kserveDeploymentMode unknown', { renderer: 'KSERVE', kserveDeploymentMode: 'Serverful' }, 'kserveDeploymentMode', '"Serverful"', 'one of'),
  sv('KServe Standard with a canary', { renderer: 'KSERVE', kserveDeploymentMode: 'Standard' }, 'kserveDeploymentMode', '"Standard"', 'must be Knative for a canary'),
  sv('NGINX with KServe', { renderer: 'KSERVE', trafficRouter: 'NGINX', ingressHost: 'models.example.com' }, 'trafficRouter', '"NGINX"', 'KSERVE renderer'),
  sv('ingressHost without NGINX', { ingressHost: 'models.example.com' }, 'ingressHost', '"models.example.com"', 'only be set with trafficRouter NGINX'),
  sv('ingressHost an IP', { trafficRouter: 'NGINX', ingressHost: '10.0.0.1' }, 'ingressHost', '"10.0.0.1"', 'not an IP address'),
  sv('trafficRouter unknown', { trafficRouter: 'ISTIO' }, 'trafficRouter', '"ISTIO"', 'one of'),
  sv('allowedClientNamespaces uppercase', { allowedClientNamespaces: ['CRM'] }, 'allowedClientNamespaces[0]', '"CRM"', 'DNS-1123 label'),
  sv('serviceAccountRoleArn a name', { serviceAccountRoleArn: 'fraud-serving' }, 'serviceAccountRoleArn', '"fraud-serving"', 'IAM role ARN'),
  sv('serviceAccountRoleArn 11-digit account', { serviceAccountRoleArn: 'arn:aws:iam::12345678901:role/x' }, 'serviceAccountRoleArn', '"arn:aws:iam::12345678901:role/x"', 'IAM role ARN'),
  sv('POD_IDENTITY with a role ARN', { serviceAccountRoleMode: 'POD_IDENTITY', serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/x' }, 'serviceAccountRoleArn', '"arn:aws:iam::123456789012:role/x"', 'POD_IDENTITY'),
  sv('serviceAccountRoleMode unknown', { serviceAccountRoleMode: 'KIAM' }, 'serviceAccountRoleMode', '"KIAM"', 'one of'),
  sv('containers named server', { containers: [{ ...SIDE, name: 'server' }] }, 'containers[0].name', '"server"', "model server's"),
  sv('containers on the server port', { containers: [{ ...SIDE, port: 8080 }] }, 'containers[0].port', '8080', "model server's port (8080)"),
  sv('containers twice the same name', { containers: [SIDE, SIDE] }, 'containers[1].name', '"logger"', 'unique among the containers'),
  sv('container image by tag', { containers: [{ ...SIDE, image: 'fluentbit:2' }] }, 'containers[0].image', '"fluentbit:2"', 'digest'),
  sv('container healthPath without port', { containers: [{ ...SIDE, healthPath: '/healthz' }] }, 'containers[0].healthPath', '"/healthz"', 'must come with port'),
  row('GpuServingEndpoint addEnv twice', (c) => {
    const e = serving(c);
    e.addEnv('MODE', 'a');
    e.addEnv('MODE', 'b');
  }, SV, 'name', '"MODE"', 'must not be set already'),
  row('GpuServingEndpoint addEnv bad name', (c) => serving(c).addEnv('1MODE', 'a'), SV, 'name', '"1MODE"', 'environment variable name'),
  row('GpuServingEndpoint addContainer bad name', (c) => serving(c).addContainer({ ...SIDE, name: 'Logger' }), SV, 'name', '"Logger"', 'DNS-1123'),
  row('GpuServingEndpoint addContainer twice', (c) => {
    const e = serving(c);
    e.addContainer(SIDE);
    e.addContainer(SIDE);
  }, SV, 'containers[1].name', '"logger"', 'unique among the containers'),
  row('GpuServingEndpoint addContainer with a port on KServe Knative', (c) => serving(c, { renderer: ServingRenderer.KSERVE }).addContainer({ ...SIDE, port: 9000 }), SV, 'containers[0].port', '9000', 'Knative admits one container port'),
  row('GpuServingEndpoint addContainer on the server port', (c) => serving(c).addContainer({ ...SIDE, port: 8080 }), SV, 'containers[0].port', '8080', "model server's port"),
  row('GpuServingEndpoint addRollbackTrigger duplicate', (c) => serving(c).addRollbackTrigger(RollbackTrigger.errorRate()), SV, 'rollbackTriggers[1].name', '"error-rate"', 'unique'),
  row('GpuServingEndpoint addRollbackTrigger without query', (c) => serving(c).addRollbackTrigger(RollbackTrigger.metric({ name: 'queue', threshold: 1, comparison: ThresholdComparison.GREATER_THAN, cloudWatch: { namespace: 'X', metricName: 'Y' } })), SV, 'prometheusQuery', 'undefined', 'on Kubernetes'),
];

// ---------------------------------------------------------------------------------------------
// ModelRegistry (MLflow)
// ---------------------------------------------------------------------------------------------

const MR = 'Sweep/Registry';
const mr = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`ModelRegistry ${name}`, (c) => mlflow(c, props as any), MR, property, received, allowed);

const registryRows: K8sRow[] = [
  mr('image latest', { image: 'ghcr.io/mlflow/mlflow:latest' }, 'image', '"ghcr.io/mlflow/mlflow:latest"', /digest|tag/),
  mr('replicas 0', { replicas: 0 }, 'replicas', '0', 'at least 1'),
  mr('replicas 21', { replicas: 21 }, 'replicas', '21', 'at most 20'),
  mr('port 0', { port: 0 }, 'port', '0', 'at least 1'),
  mr('backendStoreUriSecret name uppercase', { backendStoreUriSecret: { name: 'MLflow', key: 'uri' } }, 'backendStoreUriSecret.name', '"MLflow"', 'DNS-1123 subdomain'),
  mr('backendStoreUriSecret key with slash', { backendStoreUriSecret: { name: 'mlflow', key: 'a/b' } }, 'backendStoreUriSecret.key', '"a/b"', 'Secret key'),
  mr('backendStoreUriSecret name 254 characters', { backendStoreUriSecret: { name: chars(254), key: 'uri' } }, 'backendStoreUriSecret.name', /^"a+/, 'at most 253'),
  mr('artifactRoot not s3', { artifactRoot: 'gs://bucket/mlflow' }, 'artifactRoot', '"gs://bucket/mlflow"', 's3://'),
  mr('artifactRoot bucket uppercase', { artifactRoot: 's3://ACME/mlflow' }, 'artifactRoot', '"s3://ACME/mlflow"', 's3://'),
  mr('serviceAccountRoleArn user ARN', { serviceAccountRoleArn: 'arn:aws:iam::123456789012:user/x' }, 'serviceAccountRoleArn', '"arn:aws:iam::123456789012:user/x"', 'IAM role ARN'),
  mr('allowedClientNamespaces twice', { allowedClientNamespaces: ['crm', 'crm'] }, 'allowedClientNamespaces', '["crm","crm"]', 'twice'),
  mr('backendStorePort 99999', { backendStorePort: 99999 }, 'backendStorePort', '99999', 'at most 65535'),
  mr('allowedHosts with a comma', { allowedHosts: ['a.example.com,b.example.com'] }, 'allowedHosts[0]', '"a.example.com,b.example.com"', 'no commas'),
  mr('allowedHosts twice', { allowedHosts: ['mlflow.example.com', 'mlflow.example.com'] }, 'allowedHosts', '["mlflow.example.com","mlflow.example.com"]', 'twice'),
  mr('resources cpu 0.0001', { resources: { cpuRequest: '0.0001', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' } }, 'resources.cpuRequest', '"0.0001"', 'CPU quantity'),
  row('ModelRegistry addAllowedClientNamespace invalid', (c) => mlflow(c).addAllowedClientNamespace('CRM'), MR, 'namespace', '"CRM"', 'DNS-1123'),
];

// ---------------------------------------------------------------------------------------------
// FeatureStore (Feast)
// ---------------------------------------------------------------------------------------------

const FE = 'Sweep/Feast';
const fe = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`FeatureStore ${name}`, (c) => feast(c, props as any), FE, property, received, allowed);

const feastRows: K8sRow[] = [
  fe('image by tag', { image: 'feastdev/feature-server:latest' }, 'image', '"feastdev/feature-server:latest"', /digest|tag/),
  fe('no entities', { entities: [], offlineStore: { ...OFFLINE, tables: {} } }, 'entities', '[]', 'at least one entity'),
  fe('entity feature reserved', { entities: [{ ...USER, features: [{ name: 'is_deleted', type: FeatureType.STRING }] }] }, 'entities[0].features[0].name', '"is_deleted"', 'reserved'),
  fe('redisConnectionSecret key empty', { redisConnectionSecret: { name: 'redis', key: '' } }, 'redisConnectionSecret.key', '""', 'Secret key'),
  fe('registry not s3', { registry: '/var/feast/registry.db' }, 'registry', '"/var/feast/registry.db"', 's3://'),
  fe('offlineStore region invalid', { offlineStore: { ...OFFLINE, region: 'europe-west1' } }, 'offlineStore.region', '"europe-west1"', 'AWS region'),
  fe('offlineStore workGroup with a space', { offlineStore: { ...OFFLINE, workGroup: 'my group' } }, 'offlineStore.workGroup', '"my group"', 'Athena work group'),
  fe('offlineStore s3StagingLocation not s3', { offlineStore: { ...OFFLINE, s3StagingLocation: 'features/athena' } }, 'offlineStore.s3StagingLocation', '"features/athena"', 's3://'),
  fe('offlineStore database uppercase', { offlineStore: { ...OFFLINE, database: 'Features' } }, 'offlineStore.database', '"Features"', 'Glue database name'),
  fe('offlineStore table uppercase', { offlineStore: { ...OFFLINE, tables: { user: 'User_Features' } } }, 'offlineStore.tables.user', '"User_Features"', 'Glue table name'),
  fe('offlineStore table of unknown entity', { offlineStore: { ...OFFLINE, tables: { user: 'u', merchant: 'm' } } }, 'offlineStore.tables.merchant', '"m"', 'defined entity (user)'),
  fe('project with a dash', { project: 'fraud-features' }, 'project', '"fraud-features"', 'Feast project name'),
  fe('replicas 51', { replicas: 51 }, 'replicas', '51', 'at most 50'),
  fe('materializationSchedule minute 61', { materializationSchedule: Cron.schedule({ minute: '61' }) }, 'materializationSchedule', '"61 * * * *"', 'minute "61" is outside 0-59'),
  fe('materializationSchedule hour 24', { materializationSchedule: Cron.schedule({ minute: '0', hour: '24' }) }, 'materializationSchedule', '"0 24 * * *"', 'hour "24" is outside 0-23'),
  fe('ttl 0', { ttl: Duration.seconds(0) }, 'ttl', dur(0), 'at least 1 second'),
  fe('ttl fractional', { ttl: Duration.millis(1500) }, 'ttl', dur(1.5), 'whole number of seconds'),
  fe('allowedClientNamespaces twice', { allowedClientNamespaces: ['a', 'a'] }, 'allowedClientNamespaces', '["a","a"]', 'twice'),
  fe('redisPort 0', { redisPort: 0 }, 'redisPort', '0', 'at least 1'),
  row('FeatureStore addFeature to unknown entity', (c) => feast(c).addFeature('merchant', { name: 'risk', type: FeatureType.FRACTIONAL }), FE, 'entityName', '"merchant"', 'entity of the store (user)'),
  row('FeatureStore addFeatureView bad table', (c) => feast(c).addFeatureView({ ...USER, name: 'merchant' }, 'Merchant Table'), FE, 'offlineTable', '"Merchant Table"', 'Glue table name'),
  row('FeatureStore addFeature already defined', (c) => feast(c).addFeature('user', { name: 'TXN_COUNT', type: FeatureType.INTEGRAL }), FE, 'entities[0].features[2].name', '"TXN_COUNT"', 'unique in the entity'),
  row('FeatureStore addFeatureView of a defined entity', (c) => feast(c).addFeatureView(USER, 'user_features_v2'), FE, 'entities[1].name', '"user"', 'defined twice'),
  row('FeatureStore addAllowedClientNamespace invalid', (c) => feast(c).addAllowedClientNamespace('-crm'), FE, 'namespace', '"-crm"', 'DNS-1123'),
];

// ---------------------------------------------------------------------------------------------
// DriftMonitor (Kubernetes)
// ---------------------------------------------------------------------------------------------

const DM = 'Sweep/Drift';
const dm = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`DriftMonitor ${name}`, (c) => drift(c, props as any), DM, property, received, allowed);

const driftRows: K8sRow[] = [
  dm('image by tag', { image: 'drift:1.0' }, 'image', '"drift:1.0"', 'digest'),
  dm('captureUri without prefix', { captureUri: 's3://capture' }, 'captureUri', '"s3://capture"', 's3://bucket/prefix'),
  dm('baselineUri not .json', { baselineUri: 's3://baselines/fraud/baseline.parquet' }, 'baselineUri', '"s3://baselines/fraud/baseline.parquet"', '.json'),
  dm('pushgatewayUrl without scheme', { pushgatewayUrl: 'pushgateway:9091' }, 'pushgatewayUrl', '"pushgateway:9091"', 'http(s) URL'),
  dm('schedule every 7 minutes', { schedule: Cron.schedule({ minute: '*/7' }) }, 'schedule', '"*/7 * * * *"', 'one interval'),
  dm('schedule every 2 minutes', { schedule: Cron.schedule({ minute: '*/2' }) }, 'schedule', '"*/2 * * * *"', 'at most every 5 minutes'),
  dm('schedule weekly', { schedule: Cron.schedule({ minute: '0', hour: '3', weekDay: '1' }) }, 'schedule', '"0 3 * * 1"', 'one interval'),
  dm('window shorter than schedule', { window: Duration.minutes(30) }, 'window', dur(1800), 'at least the schedule (60 minutes)'),
  dm('window not whole minutes', { window: Duration.seconds(3630) }, 'window', dur(3630), 'whole number of minutes'),
  dm('window negative', { window: negative(-3600) }, 'window', dur(-3600), 'at least 5 minutes'),
  dm('namespace uppercase', { namespace: 'Monitoring' }, 'namespace', '"Monitoring"', 'DNS-1123'),
  dm('serviceAccountRoleArn malformed', { serviceAccountRoleArn: 'arn:aws:iam:::role/x' }, 'serviceAccountRoleArn', '"arn:aws:iam:::role/x"', 'IAM role ARN'),
  dm('features empty', { features: [] }, 'features', '[]', 'at least one feature'),
  dm('actThreshold equals investigate', { investigateThreshold: 0.2, actThreshold: 0.2 }, 'actThreshold', '0.2', 'greater than investigateThreshold'),
  dm('sustainedDatapoints 0', { sustainedDatapoints: 0 }, 'sustainedDatapoints', '0', 'at least 1'),
  dm('referenceSpan with TRAINING', { referenceSpan: Duration.days(7) }, 'referenceSpan', dur(604800), 'ROLLING_WINDOW'),
  dm('referenceSpan 40 days', { reference: DriftReference.ROLLING_WINDOW, referenceSpan: Duration.days(40) }, 'referenceSpan', dur(3456000), '31 days'),
  dm('retrainWorkflowTemplate name uppercase', { retrainWorkflowTemplate: { name: 'Retrain', namespace: 'training' } }, 'retrainWorkflowTemplate.name', '"Retrain"', 'DNS-1123'),
  dm('resources memory without unit', { resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '512', memoryLimit: '1Gi' } }, 'resources.memoryRequest', '"512"', 'Ki, Mi, Gi or Ti'),
  row('DriftMonitor addFeature twice', (c) => drift(c).addFeature('country'), DM, 'features', '["amount","country","country"]', 'twice'),
];

// ---------------------------------------------------------------------------------------------
// MlPipeline (Argo)
// ---------------------------------------------------------------------------------------------

const PL = 'Sweep/Training';
const pl = (name: string, props: object, property: string, received: string | RegExp, allowed: string | RegExp) =>
  row(`MlPipeline ${name}`, (c) => pipeline(c, props as any), PL, property, received, allowed);

const pipelineRows: K8sRow[] = [
  pl('registerImage by tag', { registerImage: 'register:1' }, 'registerImage', '"register:1"', 'digest'),
  pl('trackingUri without scheme', { trackingUri: 'mlflow.mlflow.svc:5000' }, 'trackingUri', '"mlflow.mlflow.svc:5000"', 'http(s) URL'),
  pl('registeredModelName with a space', { registeredModelName: 'fraud model' }, 'registeredModelName', '"fraud model"', 'MLflow model name'),
  pl('inputData not s3', { inputData: 'hdfs://data' }, 'inputData', '"hdfs://data"', 's3://'),
  pl('artifactRoot trailing slash', { artifactRoot: 's3://acme-artifacts/fraud/' }, 'artifactRoot', '"s3://acme-artifacts/fraud/"', 'must not end with "/"'),
  pl('dataVersion with a space', { dataVersion: 'tx 2025' }, 'dataVersion', '"tx 2025"', 'no spaces'),
  pl('codeCommit 39 characters', { codeCommit: 'a'.repeat(39) }, 'codeCommit', `"${'a'.repeat(39)}"`, '40-character'),
  pl('featureSetVersion 201 characters', { featureSetVersion: chars(201) }, 'featureSetVersion', /^"a+/, '1-200'),
  pl('name uppercase', { name: 'Fraud' }, 'name', '"Fraud"', 'DNS-1123'),
  pl('schedule hour 25', { schedule: Cron.schedule({ minute: '0', hour: '25' }) }, 'schedule', '"0 25 * * *"', 'hour "25" is outside 0-23'),
  pl('schedule day of week 7', { schedule: Cron.schedule({ minute: '0', hour: '3', weekDay: '7' }) }, 'schedule', '"0 3 * * 7"', 'day of week "7" is outside 0-6'),
  pl('schedule step 0', { schedule: Cron.schedule({ minute: '*/0' }) }, 'schedule', '"*/0 * * * *"', 'step that is not a whole number of at least 1'),
  pl('schedule month JANUARY', { schedule: Cron.schedule({ minute: '0', hour: '3', day: '1', month: 'JANUARY' }) }, 'schedule', '"0 3 1 JANUARY *"', 'not a number or JAN-DEC'),
  pl('schedule range reversed', { schedule: Cron.schedule({ minute: '30-10' }) }, 'schedule', '"30-10 * * * *"', 'starts after it ends'),
  pl('schedule day of month 0', { schedule: Cron.schedule({ minute: '0', hour: '3', day: '0' }) }, 'schedule', '"0 3 0 * *"', 'day of month "0" is outside 1-31'),
  pl('timezone an offset', { schedule: Cron.daily(), timezone: '+02:00' }, 'timezone', '"+02:00"', 'IANA'),
  pl('keepSucceededFor fractional', { keepSucceededFor: Duration.millis(1500) }, 'keepSucceededFor', dur(1.5), 'whole seconds'),
  pl('keepFailedFor negative', { keepFailedFor: negative(-1) }, 'keepFailedFor', dur(-1), 'at least 0'),
  pl('serviceAccountRoleArn with spaces', { serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/my role' }, 'serviceAccountRoleArn', '"arn:aws:iam::123456789012:role/my role"', 'IAM role ARN'),
  pl('step name starting with a digit', { pipeline: withStep(0, { name: '1prep' }) }, 'pipeline.steps[0].name', '"1prep"', 'start with a letter on Kubernetes'),
  pl('step names equal after lowercasing', { pipeline: { ...SPEC, steps: [...STEPS, { name: 'Prep', kind: StepKind.PROCESSING, image: img('x', '1'), inputs: ['data'], outputs: ['o'] }] } }, 'pipeline.steps[3].name', '"Prep"', 'unique on Kubernetes'),
  pl('step instanceCount 2', { pipeline: withStep(1, { instanceCount: 2 }) }, 'pipeline.steps[1].instanceCount', '2', 'must be 1 on Kubernetes'),
  pl('step gpuCount without gpu', { pipeline: withStep(1, { gpuCount: 2 }) }, 'pipeline.steps[1].gpuCount', '2', 'only with gpu'),
  pl('step gpu without a pool', { pipeline: withStep(1, { gpu: GpuModel.A10G }) }, 'pipeline.steps[1].gpu', '"A10G"', 'gpuNodePool'),
  pl('step environment reserved', { pipeline: withStep(1, { environment: { INPUT_DATA: 'x' } }) }, 'pipeline.steps[1].environment.INPUT_DATA', '"x"', 'must not be set'),
  pl('step environment bad name', { pipeline: withStep(1, { environment: { 'A-B': 'x' } }) }, 'pipeline.steps[1].environment.A-B', '"x"', 'environment variable name'),
  pl('step outputs clash on Kubernetes', { pipeline: withStep(0, { outputs: ['train', 'test', 'Train'] }) }, 'pipeline.steps[0].outputs[2]', '"Train"', 'distinct from "train"'),
  pl('gate evaluation before training', { pipeline: { ...SPEC, steps: [STEPS[0], { ...STEPS[1], inputs: ['prep.train', 'evaluate.evaluation'] }, { ...STEPS[2], inputs: ['prep.test'] }] } }, 'pipeline.gate.evaluationStep', '"evaluate"', 'after the training step'),
  pl('steps with a cycle', { pipeline: { ...SPEC, steps: [{ ...STEPS[0], inputs: ['evaluate.evaluation'] }, STEPS[1], STEPS[2]] } }, 'pipeline.steps', /prep/, 'DAG'),
  row('MlPipeline gpu not the pool\'s', (c) => pipeline(c, { gpuNodePool: pool(c), pipeline: withStep(1, { gpu: GpuModel.H100 }) }), PL, 'pipeline.steps[1].gpu', '"H100"', 'GPU of gpuNodePool'),
  row('MlPipeline addStep bad image', (c) => pipeline(c).addStep({ name: 'report', kind: StepKind.PROCESSING, image: 'report:latest', inputs: ['evaluate.evaluation'] }), PL, 'step.image', '"report:latest"', 'digest'),
  row('MlPipeline addStep a second training step', (c) => pipeline(c).addStep({ ...STEPS[1], name: 'retrain' }), PL, 'pipeline.steps', /^\[\{"name":"prep"/, 'exactly one training step'),
  row('MlPipeline addStep with a GPU and no pool', (c) => pipeline(c).addStep({ name: 'embed', kind: StepKind.PROCESSING, image: img('embed', '8'), inputs: ['data'], gpu: GpuModel.L4 }), PL, 'step.gpu', '"L4"', 'gpuNodePool'),
  row('MlPipeline addStep name starting with a digit', (c) => pipeline(c).addStep({ name: '9report', kind: StepKind.PROCESSING, image: img('r', '9'), inputs: ['data'] }), PL, 'step.name', '"9report"', 'start with a letter'),
];

describe('sweep: Kubernetes constructs refuse wrong input', () => {
  describe('GpuNodePool', () => sweepK8s(poolRows));
  describe('GpuServingEndpoint', () => sweepK8s(servingRows));
  describe('ModelRegistry', () => sweepK8s(registryRows));
  describe('FeatureStore', () => sweepK8s(feastRows));
  describe('DriftMonitor', () => sweepK8s(driftRows));
  describe('MlPipeline', () => sweepK8s(pipelineRows));
});

// ---------------------------------------------------------------------------------------------
// Inputs that must be accepted
// ---------------------------------------------------------------------------------------------

const accepted: AcceptRow<Chart>[] = [
  { name: 'a pool name of exactly 63 characters', build: (c) => pool(c, { name: chars(63) }) },
  { name: 'a serving name of exactly 63 characters', build: (c) => serving(c, { name: chars(63) }) },
  { name: 'a Secret name of exactly 253 characters', build: (c) => mlflow(c, { backendStoreUriSecret: { name: chars(253), key: 'uri' } }) },
  { name: 'a Lazy image on the serving endpoint', build: (c) => serving(c, { image: Lazy.any({ produce: () => IMAGE }) as any }) },
  { name: 'time slicing with 48 replicas (the maximum)', build: (c) => pool(c, { sharing: GpuSharing.timeSlicing(48) }) },
  { name: 'a disruption budget of 0 percent', build: (c) => pool(c, { disruptionBudgetPercent: 0 }) },
  { name: 'a pipeline schedule with day names, a range and a step', build: (c) => pipeline(c, { schedule: Cron.schedule({ minute: '0-30/15', hour: '3', day: '?', weekDay: 'MON-fri' }) }) },
  { name: 'a pipeline schedule @every 6h', build: (c) => pipeline(c, { schedule: { expressionString: '@every 6h' } as Cron }) },
  { name: 'a materialization schedule with month names and lists', build: (c) => feast(c, { materializationSchedule: Cron.schedule({ minute: '5,35', hour: '*/2', month: 'jan-jun' }) }) },
  { name: 'a drift window of exactly 31 days', build: (c) => drift(c, { schedule: Cron.daily(), window: Duration.days(31) }) },
];

describe('sweep: Kubernetes constructs accept right input', () => acceptK8s(accepted));
