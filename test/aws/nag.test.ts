import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { describe, expect, it } from 'vitest';
import {
  ApprovalPromotion, DataCaptureLocation, DataQualityMonitor, DriftMonitor, FeatureStore, GpuServingEndpoint, MlPipeline, ModelQualityMonitor,
  ModelQualityProblemType, ModelRegistry, ModelSource,
} from '../../lib/aws';
import { EntityDefinition, FeatureType, GateComparison, PipelineSpec, RolloutPolicy, StepKind } from '../../lib/core';
import { ENV } from '../support/aws';

/**
 * Each AWS construct used alone (not through MlPlatform), in its typical configurations, passes
 * cdk-nag's AwsSolutions pack with no acknowledgment from its user: the constructs acknowledge the
 * wildcards their policies need by construction, each by its exact finding and with its reason
 * (lib/aws/private/nag.ts). Before they did, these stacks failed with IAM5 findings (seen: 3 to 10
 * per stack); the examples acknowledged them by hand with computed logical ids.
 */

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const pin = (repo: string, c: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repo}@sha256:${c.repeat(64)}`;
const SPEC: PipelineSpec = {
  steps: [
    { name: 'prep', kind: StepKind.PROCESSING, image: pin('prep', 'b'), inputs: ['data'], outputs: ['train', 'test'] },
    { name: 'train', kind: StepKind.TRAINING, image: pin('train', 'c'), inputs: ['prep.train'], instanceType: 'ml.g5.2xlarge' },
    { name: 'evaluate', kind: StepKind.PROCESSING, image: pin('eval', 'd'), inputs: ['train.model', 'prep.test'], outputs: ['evaluation'] },
  ],
  gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
  inferenceImage: pin('serve', 'e'),
};
const PIPELINE = {
  codeCommit: '0123456789abcdef0123456789abcdef01234567',
  defaultDataVersion: 'tx@2026-11-01',
  defaultFeatureSetVersion: 'fs-abc',
  defaultInputDataUri: 's3://acme-data/fraud/transactions/',
};
const USER: EntityDefinition = {
  name: 'user',
  recordIdentifier: 'user_id',
  eventTime: 'event_time',
  features: [{ name: '30d_spend', type: FeatureType.FRACTIONAL }, { name: 'country', type: FeatureType.STRING }],
};
const MERCHANT: EntityDefinition = { name: 'merchant', recordIdentifier: 'merchant_id', eventTime: 'ts', features: [{ name: 'risk_score', type: FeatureType.FRACTIONAL }] };

/** The construct `id` of `s`, made once. */
const once = <T>(s: Stack, id: string, make: () => T): T => (s.node.tryFindChild(id) as T | undefined) ?? make();
const accessLogs = (s: Stack) => once(s, 'AccessLogs', () => s3.Bucket.fromBucketName(s, 'AccessLogs', 'acme-access-logs'));
const vpc = (s: Stack) => once(s, 'Vpc', () =>
  ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] }));
const key = (s: Stack, id = 'Key') => new kms.Key(s, id, { enableKeyRotation: true });
const userRole = (s: Stack, id: string) => new iam.Role(s, id, { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
const registry = (s: Stack) => new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud', serverAccessLogsBucket: accessLogs(s) });
const endpoint = (s: Stack, props: Partial<ConstructorParameters<typeof GpuServingEndpoint>[2]> = {}) =>
  new GpuServingEndpoint(s, 'Fraud', {
    model: ModelSource.fromImage({ image: pin('fraud/server', 'a'), modelDataUrl: 's3://acme-models/fraud/v42/model.tar.gz' }),
    instanceType: 'ml.g5.xlarge',
    alarmOwnership: OWNERSHIP,
    dataCapture: { serverAccessLogsBucket: accessLogs(s) },
    ...props,
  });
/** A capture location of an endpoint defined elsewhere (an encrypted bucket of another team). */
const importedCapture = (s: Stack): DataCaptureLocation => {
  const captureKey = kms.Key.fromKeyArn(s, 'CaptureKey', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555');
  const bucket = s3.Bucket.fromBucketAttributes(s, 'Capture', { bucketName: 'acme-capture', encryptionKey: captureKey });
  return { bucket, prefix: 'data-capture/fraud', s3Uri: 's3://acme-capture/data-capture/fraud', key: captureKey };
};
const baselines = (s: Stack) => once(s, 'Baselines', () => s3.Bucket.fromBucketName(s, 'Baselines', 'acme-baselines'));
const drift = (s: Stack, capture: DataCaptureLocation, props: Partial<ConstructorParameters<typeof DriftMonitor>[2]> = {}) =>
  new DriftMonitor(s, 'Drift', {
    endpointName: 'fraud',
    capture,
    baselineBucket: baselines(s),
    baselineKey: 'fraud/v42/baseline.json',
    features: ['amount', 'country'],
    alarmOwnership: OWNERSHIP,
    ...props,
  });
const monitors = (s: Stack, capture: DataCaptureLocation, withVpc: boolean) => {
  const common = {
    endpoint: GpuServingEndpoint.fromGpuServingEndpointAttributes(s, 'Endpoint', { endpointName: 'fraud' }),
    capture,
    reportBucket: s3.Bucket.fromBucketName(s, 'Reports', 'acme-reports'),
    vpc: withVpc ? vpc(s) : undefined,
  };
  new DataQualityMonitor(s, 'DataQuality', {
    ...common,
    baselineStatistics: { bucket: baselines(s), key: 'fraud/statistics.json' },
    baselineConstraints: { bucket: baselines(s), key: 'fraud/constraints.json' },
  });
  new ModelQualityMonitor(s, 'ModelQuality', {
    ...common,
    problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
    probabilityAttribute: '0',
    probabilityThreshold: 0.5,
    groundTruthBucket: s3.Bucket.fromBucketName(s, 'Labels', 'acme-labels'),
    groundTruthPrefix: 'ground-truth/fraud',
    groundTruthDelay: Duration.days(1),
  });
};
const promotion = (s: Stack, props: Partial<ConstructorParameters<typeof ApprovalPromotion>[2]> = {}) => {
  const r = registry(s);
  const parameter = ApprovalPromotion.modelPackageParameter(s, 'FraudModelPackage', r, 1);
  endpoint(s, { model: ModelSource.fromModelPackageArn(r, parameter.valueAsString) });
  return new ApprovalPromotion(s, 'Promotion', { registry: r, modelPackageParameter: parameter, alarmOwnership: OWNERSHIP, ...props });
};

/** Typical configurations of each construct, alone in a stack (`app` for the few spanning stacks). */
const CONFIGURATIONS: Array<[string, (stack: Stack, app: App) => void]> = [
  ['ModelRegistry with access logs', (s) => { registry(s); }],
  ['ModelRegistry read across accounts, with its key, and its grants to a trainer and an approver', (s) => {
    const r = new ModelRegistry(s, 'Registry', {
      modelPackageGroupName: 'fraud', serverAccessLogsBucket: accessLogs(s), artifactKey: key(s), crossAccountReadAccountIds: ['210987654321'],
    });
    r.grantRegister(userRole(s, 'Trainer'));
    const approver = userRole(s, 'Approver');
    r.grantApprove(approver);
    r.grantRead(approver);
  }],
  ['an imported ModelRegistry\'s grants', (s) => {
    const r = ModelRegistry.fromModelRegistryAttributes(s, 'Registry', { modelPackageGroupName: 'fraud', artifactBucket: s3.Bucket.fromBucketName(s, 'Artifacts', 'acme-artifacts') });
    r.grantRead(userRole(s, 'Reader'));
  }],
  ['MlPipeline, weekly', (s) => {
    new MlPipeline(s, 'Training', { spec: SPEC, registry: registry(s), pipelineName: 'fraud-training', ...PIPELINE, schedule: events.Schedule.rate(Duration.days(7)) });
  }],
  ['MlPipeline in a VPC, with its key, an input data bucket and a step added', (s) => {
    const p = new MlPipeline(s, 'Training', {
      spec: SPEC, registry: registry(s), ...PIPELINE, vpc: vpc(s), encryptionKey: key(s), inputDataBucket: s3.Bucket.fromBucketName(s, 'Input', 'acme-input'),
    });
    p.addStep({ name: 'explain', kind: StepKind.PROCESSING, image: pin('explain', 'f'), inputs: ['train.model'] });
  }],
  ['GpuServingEndpoint with capture and autoscaling', (s) => {
    endpoint(s, { autoscaling: { maxInstances: 4, targetInvocationsPerInstance: 600 } });
  }],
  ['GpuServingEndpoint of a registry version, in a VPC, with its key and a shadow of an uncompressed model', (s) => {
    endpoint(s, {
      model: ModelSource.fromModelPackage(registry(s), 3),
      vpc: vpc(s),
      encryptionKey: key(s),
      shadow: { model: ModelSource.fromImage({ image: pin('fraud/server', 'b'), modelDataUrl: 's3://acme-models/fraud/v43/' }), samplingPercent: 20 },
    });
  }],
  ['GpuServingEndpoint A/B without capture, linear rollout, alarms to a topic', (s) => {
    endpoint(s, {
      model: ModelSource.fromImage({ image: pin('ranking/server', 'c') }),
      variantName: 'control',
      variants: [{ name: 'treatment', model: ModelSource.fromImage({ image: pin('ranking/server', 'd') }), weight: 1 }],
      rollout: RolloutPolicy.linear({ stepPercent: 50, interval: Duration.minutes(5) }),
      dataCapture: { enabled: false },
      alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: key(s, 'TopicKey'), enforceSSL: true }),
    });
  }],
  ['GpuServingEndpoint capturing into a bucket of its user', (s) => {
    const bucket = new s3.Bucket(s, 'Capture', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs(s),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });
    endpoint(s, { dataCapture: { bucket, prefix: 'capture/fraud' } });
  }],
  ['FeatureStore online only', (s) => {
    new FeatureStore(s, 'Features', { entities: [USER], offlineStore: { enabled: false } });
  }],
  ['FeatureStore online and offline, a group added, and its three grants', (s) => {
    const store = new FeatureStore(s, 'Features', { entities: [USER], namePrefix: 'fraud-', offlineStore: { serverAccessLogsBucket: accessLogs(s) } });
    store.addFeatureGroup(MERCHANT);
    store.grantIngest(userRole(s, 'Ingest'));
    store.grantReadOnline(userRole(s, 'Serving'));
    store.grantReadOffline(userRole(s, 'Training'));
  }],
  ['FeatureStore with its user\'s key and role', (s) => {
    new FeatureStore(s, 'Features', { entities: [USER, MERCHANT], encryptionKey: key(s), role: userRole(s, 'StoreRole'), offlineStore: { serverAccessLogsBucket: accessLogs(s) } });
  }],
  ['DriftMonitor of an endpoint of the same stack', (s) => {
    drift(s, endpoint(s).dataCaptureLocation!);
  }],
  ['DriftMonitor in a VPC, of a capture bucket of another team, alarms to a topic', (s) => {
    drift(s, importedCapture(s), { vpc: vpc(s), alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: key(s, 'TopicKey'), enforceSSL: true }) });
  }],
  ['DataQualityMonitor and ModelQualityMonitor', (s) => monitors(s, importedCapture(s), false)],
  ['DataQualityMonitor and ModelQualityMonitor in a VPC', (s) => monitors(s, importedCapture(s), true)],
  ['ApprovalPromotion with the endpoint serving its parameter', (s) => { promotion(s); }],
  ['ApprovalPromotion in a VPC, alarms to a topic, lineage required', (s) => {
    promotion(s, { vpc: vpc(s), alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: key(s, 'TopicKey'), enforceSSL: true }), requiredLineageKeys: ['team'] });
  }],
  ['a registry stack, and a serving stack with an endpoint of its version, drift and monitors (cross-stack references)', (s, app) => {
    const r = registry(s);
    const serving = new Stack(app, 'Serving', { env: ENV });
    const e = endpoint(serving, { model: ModelSource.fromModelPackage(r, 3) });
    drift(serving, e.dataCaptureLocation!);
    const other = new Stack(app, 'Monitoring', { env: ENV });
    monitors(other, e.dataCaptureLocation!, false);
    new MlPipeline(other, 'Training', { spec: SPEC, registry: r, ...PIPELINE });
  }],
];

interface Findings {
  readonly errors: string[];
  readonly warnings: string[];
}

/** Build into a fresh app, synthesize with cdk-nag 3.x's AwsSolutions pack, and return what it found. */
function nag(build: (stack: Stack, app: App) => void): Findings {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-nag-'));
  const app = new App({ outdir });
  build(new Stack(app, 'Solo', { env: ENV }), app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (e) {
    if (!fs.existsSync(path.join(outdir, 'validation-report.json'))) {
      throw e;
    }
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const found = (severity: string) => report.pluginReports
    .filter((p: any) => p.pluginName === 'AwsSolutions')
    .flatMap((p: any) => p.violations)
    .filter((v: any) => v.severity === severity)
    .flatMap((v: any) => v.violatingConstructs.map((c: any) => `${v.ruleName} @ ${c.constructPath}`))
    .sort();
  return { errors: found('error'), warnings: found('warning') };
}

/** The same with cdk-nag 2.x (an Aspect; findings are error and warning annotations). */
function nagV2(build: (stack: Stack, app: App) => void): Findings {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-nag2-')) });
  build(new Stack(app, 'Solo', { env: ENV }), app);
  Aspects.of(app).add(new AwsSolutionsChecksV2());
  app.synth();
  const found = (type: string) => app.node.findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === type && String(m.data).startsWith('AwsSolutions-')).map((m) => `${String(m.data).split(': ')[0]} @ ${c.node.path}`))
    .sort();
  return { errors: found('aws:cdk:error'), warnings: found('aws:cdk:warning') };
}

describe('cdk-nag AwsSolutions on each AWS construct used alone, with no acknowledgment from its user', () => {
  it.each(CONFIGURATIONS)('%s: no error and no warning (cdk-nag 3.x)', (_name, build) => {
    expect(nag(build)).toEqual({ errors: [], warnings: [] });
  });

  it.each(CONFIGURATIONS)('%s: no error and no warning (cdk-nag 2.x)', (_name, build) => {
    expect(nagV2(build)).toEqual({ errors: [], warnings: [] });
  });
});

describe('what the constructs acknowledge', () => {
  it('only exact wildcard findings (never a whole rule), each with a reason', () => {
    const app = new App();
    for (const [name, build] of CONFIGURATIONS) {
      build(new Stack(app, name.replace(/[^A-Za-z0-9]/g, '').slice(0, 60), { env: ENV }), app);
    }
    const acknowledged = app.node.findAll().flatMap((c) =>
      c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries<string>(m.data).map(([id, reason]) => [id.replace(/^Annotation::/, ''), reason] as const)));
    expect(acknowledged.length).toBeGreaterThan(50);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/^AwsSolutions-IAM5\[Resource::.*\*.*\]$/);
      expect(reason.length, id).toBeGreaterThan(40);
    }
    // `Resource::*` only for actions without resource-level permissions (ECR login, PutMetricData,
    // VPC network interfaces); the feature store's role names its own groups' tables, not all of them.
    expect(new Set(acknowledged.filter(([id]) => id === 'AwsSolutions-IAM5[Resource::*]').map(([, reason]) => reason.split(' ')[0]))).toEqual(
      new Set(['The', 'cloudwatch:PutMetricData', 'ecr:GetAuthorizationToken']));
    expect(acknowledged.map(([id]) => id)).not.toContain('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:eu-west-1:123456789012:table/sagemaker_featurestore/*]');
  });

  it('a wildcard on an object of another stack is acknowledged as it renders once the app is prepared (Fn::ImportValue)', () => {
    const app = new App();
    const registryStack = new Stack(app, 'Registry', { env: ENV });
    const serving = new Stack(app, 'Serving', { env: ENV });
    const e = endpoint(serving, { model: ModelSource.fromModelPackage(registry(registryStack), 3) });
    const ids = () => e.role.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data));
    expect(ids().filter((id) => id.includes('Registry:ExportsOutput'))).toEqual([]);
    app.synth();
    expect(ids().filter((id) => id.includes('Registry:ExportsOutput'))).toEqual([
      'Annotation::AwsSolutions-IAM5[Resource::Registry:ExportsOutputFnGetAttRegistryArtifactBucketE7127E99Arn3D555E43/*]',
    ]);
  });

  it('a wildcard its user adds to a construct\'s role is still reported', () => {
    const found = nag((s) => {
      const e = endpoint(s);
      e.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::acme-everything/*'] }));
    });
    expect(found.errors).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::acme-everything/*] @ Solo/Fraud/ExecutionRole/DefaultPolicy/Resource']);
  });

  it('a finding that is its user\'s choice is still reported: a bucket without access logs', () => {
    const found = nag((s) => {
      new ModelRegistry(s, 'Registry', { modelPackageGroupName: 'fraud' });
      endpoint(s, { dataCapture: {} });
    });
    expect(found.errors).toEqual(['AwsSolutions-S1 @ Solo/Fraud/CaptureBucket/Resource', 'AwsSolutions-S1 @ Solo/Registry/ArtifactBucket/Resource']);
  });

  it('grants of a registry to a principal that is not a construct acknowledge nothing and add nothing', () => {
    const stack = new Stack(new App(), 'Solo', { env: ENV });
    const r = registry(stack);
    r.grantRead(new iam.AccountPrincipal('210987654321'));
    const acknowledged = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    expect(acknowledged).toEqual([]);
  });
});
