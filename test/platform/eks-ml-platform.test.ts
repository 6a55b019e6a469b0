import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { App as Cdk8sApp } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { EKS_INLINE_MANIFEST_MAX_BYTES } from '../../lib/core/kubernetes-delivery';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { EksMlPlatform } from '../../lib/platform/eks-ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV, expectValidationError } from '../support/aws';

const SPEC_FILE = path.join(__dirname, '..', '..', 'examples', 'platform.yaml');
const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(SPEC_FILE, 'utf-8'));
const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const OIDC_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const KUBECTL_ROLE = 'arn:aws:iam::123456789012:role/acme-ml-kubectl';

/** The example spec without the locations and roles EksMlPlatform creates. */
function bareSpec(): PlatformSpec {
  const s = structuredClone(SPEC) as any;
  delete s.kubernetes.pipelineArtifactRoot;
  delete s.kubernetes.mlflow.artifactRoot;
  delete s.kubernetes.mlflow.roleArn;
  for (const m of s.models) {
    delete m.training.kubernetes.roleArn;
    delete m.serving.kubernetes.roleArn;
    delete m.drift.kubernetes;
    if (m.batch) delete m.batch.kubernetes.roleArn;
  }
  return s;
}

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly platform: EksMlPlatform;
}

/** The cluster as a user imports it: OIDC provider, kubectl role and layer. */
function importCluster(stack: Stack, attrs: Partial<eks.ClusterAttributes> = {}): eks.ICluster {
  return eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'acme-ml',
    openIdConnectProvider: iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc', OIDC_ARN),
    kubectlRoleArn: KUBECTL_ROLE,
    kubectlLayer: lambda.LayerVersion.fromLayerVersionArn(stack, 'Kubectl', 'arn:aws:lambda:eu-west-1:123456789012:layer:kubectl:1'),
    ...attrs,
  });
}

function build(spec: PlatformSpec = bareSpec(), attrs: Partial<eks.ClusterAttributes> = {}): Built {
  const app = new App();
  const stack = new Stack(app, 'AcmeEks', { env: ENV });
  const platform = new EksMlPlatform(stack, 'Platform', { cluster: importCluster(stack, attrs), spec });
  return { app, stack, platform };
}

/** The resources of `type` in a template. */
const resources = (t: Template, type: string): any[] => Object.values(t.findResources(type));
/** The one resource of `type` whose `Description` is `description`. */
const roleDescribed = (t: Template, description: string): [string, any] => {
  const found = Object.entries(t.findResources('AWS::IAM::Role', { Properties: { Description: description } }));
  expect(found).toHaveLength(1);
  return found[0];
};
/** The default policy of the role with logical id `roleId`. */
const policyOf = (t: Template, roleId: string): any[] => {
  const found = resources(t, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
  expect(found).toHaveLength(1);
  return found[0].Properties.PolicyDocument.Statement;
};
const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${rest}`]] });
const imported = (name: string) => ({ 'Fn::ImportValue': Match.stringLikeRegexp(`^AcmeEks:ExportsOutputFnGetAttPlatform${name}`) });
const under = (name: string, prefix: string) => ({ 'Fn::Join': ['', [imported(name), prefix]] });

/** IRSA: only this ServiceAccount, through the cluster's OIDC provider, for STS. */
const trustOf = (namespace: string, serviceAccount: string) => ({
  Version: '2012-10-17',
  Statement: [{
    Action: 'sts:AssumeRoleWithWebIdentity',
    Effect: 'Allow',
    Principal: { Federated: OIDC_ARN },
    Condition: { StringEquals: { [`${ISSUER}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
  }],
});

/** The key statement of a reader (decrypt) or writer of the platform's bucket `bucket`. */
const keyStatement = (bucket: string, write: boolean) => ({
  Action: write ? ['kms:Decrypt', 'kms:GenerateDataKey'] : 'kms:Decrypt',
  Effect: 'Allow',
  Resource: imported('Key'),
  Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': imported(bucket) } },
});
/** The role's policy (`policyOf`) holds exactly these statements, in this order, each exactly. */
function expectStatements(t: Template, roleId: string, statements: object[]): void {
  Template.fromJSON({ Resources: { P: { Type: 'X', Properties: { S: policyOf(t, roleId) } } } }).hasResourceProperties('X', {
    S: Match.exact(statements.map((s) => Match.objectEquals(s as Record<string, unknown>))),
  });
}
const listStatement = (bucketArn: unknown, prefix: string) => ({
  Action: 's3:ListBucket',
  Effect: 'Allow',
  Resource: bucketArn,
  Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } },
});

describe('EksMlPlatform from the example spec without the locations and roles it creates', () => {
  const { app, platform } = build();
  const assembly = app.synth();
  const shared = Template.fromJSON(assembly.getStackByName('AcmeEks').template);
  const churn = Template.fromJSON(assembly.getStackByName('AcmeEks-churn').template);
  const model = platform.chart.models[0];

  it('makes the shared stack and one stack per model', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['AcmeEks', 'AcmeEks-churn']);
    expect(platform.models.map((m) => m.stackName)).toEqual(['AcmeEks-churn']);
  });

  it('the training role: trusted by the pipeline\'s ServiceAccount only; reads the training data, reads and writes the model\'s pipeline outputs', () => {
    const [id, role] = roleDescribed(churn, 'Training pipeline of acme-churn');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustOf('acme-churn', model.pipeline.serviceAccountName));
    expect(model.pipeline.serviceAccountName).toBe('acme-churn-training');
    expectStatements(churn, id, [
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arn('acme-ml-data/churn/customers/*') },
      listStatement(arn('acme-ml-data'), 'churn/customers'),
      { Action: ['s3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: under('Artifacts', '/pipelines/churn/*') },
      listStatement(imported('Artifacts'), 'pipelines/churn'),
      keyStatement('Artifacts', true),
    ]);
  });

  it('the serving role: trusted by the server\'s ServiceAccount only; reads the weights: the spec\'s first version and every version the pipeline registers', () => {
    const [id, role] = roleDescribed(churn, 'Model server of acme-churn');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustOf('acme-churn', model.endpoint.serviceAccount.name));
    expectStatements(churn, id, [
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arn('acme-ml-models/churn/7/*') },
      listStatement(arn('acme-ml-models'), 'churn/7'),
      // A retrained version's source is the pipeline's MODEL_URI, <pipeline root>/churn/<run>/train/model: the promoter serves it.
      { Action: 's3:GetObject', Effect: 'Allow', Resource: under('Artifacts', '/pipelines/churn/*/train/model/*') },
      listStatement(imported('Artifacts'), 'pipelines/churn/*/train/model'),
      keyStatement('Artifacts', false),
    ]);
    // The source the pipeline registers (MODEL_URI) is what that statement matches: <root>/<uid>/train/model.
    const template = model.chart.toJson().find((o: any) => o.kind === 'WorkflowTemplate' && o.metadata.name === model.pipeline.name);
    const root = template.spec.arguments.parameters.find((p: any) => p.name === 'artifact-root').value;
    expect(root).toMatch(/^s3:\/\/.+\/pipelines\/churn$/);
    const register = template.spec.templates.find((t: any) => t.name === 'register');
    expect(register.container.env.find((e: any) => e.name === 'MODEL_URI').value).toBe('{{workflow.parameters.artifact-root}}/{{workflow.uid}}/train/model');
  });

  it('the capture role: trusted by the capture service\'s ServiceAccount only; writes the model\'s capture prefix, reads nothing', () => {
    const [id, role] = roleDescribed(churn, 'Request capture of acme-churn');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustOf('acme-churn', model._capture.serviceAccount.name));
    expect(model._capture.serviceAccount.name).toBe('acme-churn-capture');
    expectStatements(churn, id, [
      { Action: 's3:PutObject', Effect: 'Allow', Resource: under('Capture', '/datacapture/acme-churn/*') },
      keyStatement('Capture', true),
    ]);
  });

  it('the drift role: trusted by the drift job\'s ServiceAccount only; reads the model\'s capture prefix and its baseline object', () => {
    const [id, role] = roleDescribed(churn, 'Drift job of acme-churn');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustOf('acme-churn', model.drift.serviceAccount.name));
    expectStatements(churn, id, [
      { Action: 's3:GetObject', Effect: 'Allow', Resource: under('Capture', '/datacapture/acme-churn/*') },
      listStatement(imported('Capture'), 'datacapture/acme-churn'),
      keyStatement('Capture', false),
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arn('acme-ml-baselines/churn/v7/baseline.json') },
    ]);
  });

  it('the batch role: trusted by the batch pods\' ServiceAccount only; reads the inputs and the weights, reads, writes and deletes the scores', () => {
    const [id, role] = roleDescribed(churn, 'Batch scoring of acme-churn');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustOf('acme-churn', model.batch!.serviceAccount.name));
    expectStatements(churn, id, [
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arn('acme-ml-data/churn/scoring/*') },
      listStatement(arn('acme-ml-data'), 'churn/scoring'),
      { Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Effect: 'Allow', Resource: arn('acme-ml-scores/churn/*') },
      listStatement(arn('acme-ml-scores'), 'churn'),
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arn('acme-ml-models/churn/7/*') },
      listStatement(arn('acme-ml-models'), 'churn/7'),
      { Action: 's3:GetObject', Effect: 'Allow', Resource: under('Artifacts', '/pipelines/churn/*/train/model/*') },
      listStatement(imported('Artifacts'), 'pipelines/churn/*/train/model'),
      keyStatement('Artifacts', false),
    ]);
    expect(platform.models[0].batchRole).toBeDefined();
  });

  it('the batch drift role: trusted by the batch drift job\'s ServiceAccount only; reads the scores and the baseline, writes nothing', () => {
    const [id, role] = roleDescribed(churn, 'Drift job of the batch scoring of acme-churn');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustOf('acme-churn', model.batchDrift!.serviceAccount.name));
    expectStatements(churn, id, [
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arn('acme-ml-scores/churn/*') },
      listStatement(arn('acme-ml-scores'), 'churn'),
      { Action: 's3:GetObject', Effect: 'Allow', Resource: arn('acme-ml-baselines/churn/v7/baseline.json') },
    ]);
    expect(platform.models[0].batchDriftRole).toBeDefined();
  });

  it('batch.kubernetes.kmsKeyId: the runtime steps write with it, and the created roles may use it through S3', () => {
    const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab';
    const spec = bareSpec() as any;
    spec.models[0].batch.kubernetes.kmsKeyId = KEY;
    const built = build(spec);
    const t = Template.fromJSON(built.app.synth().getStackByName('AcmeEks-churn').template);
    const keyStatements = (description: string) => policyOf(t, roleDescribed(t, description)[0]).filter((st: any) => st.Resource === KEY);
    const via = { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } };
    expect(keyStatements('Batch scoring of acme-churn')).toEqual([{ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: KEY, Condition: via }]);
    expect(keyStatements('Drift job of the batch scoring of acme-churn')).toEqual([{ Action: 'kms:Decrypt', Effect: 'Allow', Resource: KEY, Condition: via }]);
    const template = built.platform.chart.models[0].chart.toJson().find((o: any) => o.kind === 'WorkflowTemplate' && o.metadata.name === 'acme-churn-batch');
    const env = template.spec.templates.find((x: any) => x.name === 'commit').container.env;
    expect(env).toContainEqual({ name: 'KMS_KEY_ID', value: KEY });
    spec.models[0].batch.kubernetes.kmsKeyId = 'not-a-key';
    expect(expectValidationError(() => build(spec)).message).toMatch(/models\[0\]\.batch\.kubernetes\.kmsKeyId.*KMS key id, key ARN, alias/);
  });

  it('a given batch role serves the batch drift job too (no drift role made), unless driftRoleArn is given', () => {
    const spec = bareSpec() as any;
    spec.models[0].batch.kubernetes.roleArn = 'arn:aws:iam::123456789012:role/given-batch';
    const one = build(spec);
    const churnOf = (b: Built) => Template.fromJSON(b.app.synth().getStackByName('AcmeEks-churn').template);
    const text = (t: Template) => JSON.stringify(resources(t, 'Custom::AWSCDK-EKS-KubernetesResource')[0].Properties.Manifest);
    expect(one.platform.models[0].batchRole).toBeUndefined();
    expect(one.platform.models[0].batchDriftRole).toBeUndefined();
    expect(text(churnOf(one)).match(/role\/given-batch/g)).toHaveLength(2);
    spec.models[0].batch.kubernetes.driftRoleArn = 'arn:aws:iam::123456789012:role/given-batch-drift';
    const two = churnOf(build(spec));
    expect(text(two).match(/role\/given-batch(?!-)/g)).toHaveLength(1);
    expect(text(two).match(/role\/given-batch-drift/g)).toHaveLength(1);
  });

  it('the MLflow role: trusted by the server\'s ServiceAccount in the MLflow namespace only; its artifacts prefix and nothing else', () => {
    const [id, role] = roleDescribed(shared, 'MLflow server of the acme ML platform');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trustOf('acme-mlflow', platform.chart.registry.serviceAccount.name));
    const local = (name: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^Platform${name}`), 'Arn'] });
    expectStatements(shared, id, [
      { Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Effect: 'Allow', Resource: { 'Fn::Join': ['', [local('Artifacts'), '/mlflow/*']] } },
      listStatement(local('Artifacts'), 'mlflow'),
      {
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: local('Key'),
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': local('Artifacts') } },
      },
    ]);
  });

  it('no other role in the platform\'s stacks but aws-eks\' kubectl handler (in its nested stack)', () => {
    expect(resources(churn, 'AWS::IAM::Role')).toHaveLength(6);
    // MLflow's, and its backend secret's SecretStore's (test/platform/eks-ml-platform.mlflow-secret.test.ts).
    expect(resources(shared, 'AWS::IAM::Role')).toHaveLength(2);
  });

  it('buckets: KMS with the platform key (bucket key), TLS only, versioned, public access blocked, retained, access-logged', () => {
    const buckets = shared.findResources('AWS::S3::Bucket');
    const data = Object.entries(buckets).filter(([id]) => /^Platform(Artifacts|Capture)/.test(id));
    expect(data).toHaveLength(2);
    for (const [id, b] of data) {
      expect(b.DeletionPolicy).toBe('Retain');
      expect(b.UpdateReplacePolicy).toBe('Retain');
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^PlatformKey/), 'Arn'] } },
      }]);
      expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
      expect(b.Properties.LoggingConfiguration.DestinationBucketName.Ref).toMatch(/^PlatformAccessLogs/);
      const policy = resources(shared, 'AWS::S3::BucketPolicy').find((p) => p.Properties.Bucket.Ref === id);
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
        Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }));
    }
    const key = Object.values(shared.findResources('AWS::KMS::Key'));
    expect(key).toHaveLength(1);
    expect((key[0] as any).DeletionPolicy).toBe('Retain');
    expect((key[0] as any).Properties.EnableKeyRotation).toBe(true);
  });

  it('each chart is one KubernetesManifest (addCdk8sChart) in its own stack, each template under 1 MB', () => {
    const manifests = (t: Template) => resources(t, 'Custom::AWSCDK-EKS-KubernetesResource');
    expect(manifests(shared)).toHaveLength(1);
    expect(manifests(churn)).toHaveLength(1);
    for (const s of assembly.stacks) {
      expect(JSON.stringify(s.template).length).toBeLessThan(EKS_INLINE_MANIFEST_MAX_BYTES);
    }
    // The model chart's objects, all of them, in its manifest (the prune label added by aws-eks).
    const text = JSON.stringify(manifests(churn)[0].Properties.Manifest);
    for (const kind of ['Namespace', 'WorkflowTemplate', 'CronWorkflow', 'Rollout', 'CronJob', 'PrometheusRule']) {
      expect(text).toContain(`\\"kind\\":\\"${kind}\\"`);
    }
    expect(JSON.stringify(manifests(shared)[0].Properties.Manifest)).toContain('\\"name\\":\\"acme-mlflow\\"');
    // One kubectl provider for the platform, in the shared stack (nested).
    expect(resources(shared, 'AWS::CloudFormation::Stack')).toHaveLength(1);
    expect(resources(churn, 'AWS::CloudFormation::Stack')).toHaveLength(0);
  });

  it('fills the spec: each ServiceAccount carries its created role, the URIs name the created buckets', () => {
    const text = JSON.stringify(resources(churn, 'Custom::AWSCDK-EKS-KubernetesResource')[0].Properties.Manifest);
    // Each role's ARN right after its ServiceAccount's IRSA annotation, in that ServiceAccount.
    const manifest = resources(churn, 'Custom::AWSCDK-EKS-KubernetesResource')[0].Properties.Manifest['Fn::Join'][1] as unknown[];
    const annotated = new Map<string, string>();
    manifest.forEach((part, i) => {
      if (typeof part === 'string' && part.endsWith('"eks.amazonaws.com/role-arn":"')) {
        const role = (manifest[i + 1] as any)['Fn::GetAtt'][0] as string;
        const name = /"name":"([^"]+)","namespace":"acme-churn"/.exec(manifest[i + 2] as string)![1];
        annotated.set(name, role.replace(/[0-9A-F]{8}$/, ''));
      }
    });
    expect(Object.fromEntries(annotated)).toEqual({
      'acme-churn-training': 'TrainingRole',
      'acme-churn': 'ServingRole',
      'acme-churn-capture': 'CaptureRole',
      [model.drift.serviceAccount.name]: 'DriftRole',
      [model.batch!.serviceAccount.name]: 'BatchRole',
      [model.batchDrift!.serviceAccount.name]: 'BatchDriftRole',
    });
    // No role ARN is given: every one is created.
    expect(text.match(/arn:aws:iam::123456789012:role\/[\w-]+/g)).toBeNull();
    // The capture service writes, and the drift job reads, the created capture bucket.
    expect(text).toContain('"Fn::ImportValue":"AcmeEks:ExportsOutputRefPlatformCapture');
  });
});

describe('given locations and roles win', () => {
  const { app, platform } = build(SPEC);
  const assembly = app.synth();
  const shared = Template.fromJSON(assembly.getStackByName('AcmeEks').template);
  const churn = Template.fromJSON(assembly.getStackByName('AcmeEks-churn').template);

  it('creates no role and no bucket the spec gives, and delivers the spec\'s ARNs and URIs as given', () => {
    expect(resources(churn, 'AWS::IAM::Role')).toHaveLength(0);
    // Only the SecretStore's role of MLflow's backend secret, which no spec key gives.
    expect(resources(shared, 'AWS::IAM::Role')).toHaveLength(1);
    expect(platform.mlflowSecretStoreRole).toBeDefined();
    expect(resources(shared, 'AWS::S3::Bucket')).toHaveLength(0);
    expect(platform.mlflowRole).toBeUndefined();
    expect(platform.models[0].trainingRole).toBeUndefined();
    const text = JSON.stringify(resources(churn, 'Custom::AWSCDK-EKS-KubernetesResource')[0].Properties.Manifest);
    for (const given of ['role/acme-churn-training', 'role/acme-churn-serving', 'role/acme-churn-drift', 'role/acme-churn-capture', 'acme-ml-capture', 's3://acme-ml-artifacts/pipelines/churn']) {
      expect(text).toContain(given);
    }
  });

  it('renders the same objects as MlPlatformChart from the same spec (but for aws-eks\' prune label), and the MLflow backend secret\'s ESO objects', () => {
    const alone = new MlPlatformChart(new Cdk8sApp(), 'acme', { spec: SPEC });
    const strip = (objects: any[]) => JSON.parse(JSON.stringify(objects).replace(/"aws\.cdk\.eks\/prune-[0-9a-f]+":"",?/g, '').replace(/,}/g, '}'));
    // The shared manifest joins the SecretStore role's ARN and the secret's (CloudFormation references, only in the ESO objects).
    const text = (m: any) => typeof m === 'string' ? m : m['Fn::Join'][1].map((p: unknown) => typeof p === 'string' ? p : 'REF').join('');
    const delivered = (t: Template) => strip(JSON.parse(text(resources(t, 'Custom::AWSCDK-EKS-KubernetesResource')[0].Properties.Manifest)));
    expect(delivered(churn)).toEqual(strip(alone.models[0].chart.toJson()));
    const eso = (o: any) => o.metadata.name === 'mlflow-backend-store';
    expect(delivered(shared).filter((o: any) => !eso(o))).toEqual(strip(alone.toJson()));
    expect(delivered(shared).filter(eso).map((o: any) => o.kind)).toEqual(['ServiceAccount', 'SecretStore', 'ExternalSecret']);
  });
});

describe('EksMlPlatform.fromFile', () => {
  it('reads the spec file as MlPlatformChart.fromFile does; the roles and locations the file names win', () => {
    const app = new App();
    const stack = new Stack(app, 'AcmeEks', { env: ENV });
    const platform = EksMlPlatform.fromFile(stack, 'Platform', SPEC_FILE, { cluster: importCluster(stack) });
    expect(platform.models.map((m) => m.modelName)).toEqual(['churn']);
    expect(platform.artifactsBucket).toBeUndefined();
    expect(platform.captureBucket).toBeUndefined();
  });

  it('names the file, line and key of a problem', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-eks-spec-')), 'platform.yaml');
    fs.writeFileSync(file, fs.readFileSync(SPEC_FILE, 'utf8').replace('pipelineArtifactRoot: s3://acme-ml-artifacts/pipelines', 'pipelineArtifactRoot: s3://acme-ml-artifacts'));
    const app = new App();
    const stack = new Stack(app, 'AcmeEks', { env: ENV });
    const e = expectValidationError(() => EksMlPlatform.fromFile(stack, 'Platform', file, { cluster: importCluster(stack) }));
    expect(e.problems.map((p) => p.property)).toEqual(['kubernetes.pipelineArtifactRoot']);
    expect(e.message).toMatch(/platform\.yaml:\d+:\d+/);
  });
});

describe('what EksMlPlatform refuses', () => {
  it('MlPlatformChart alone still requires the locations, each named by its key', () => {
    const e = expectValidationError(() => new MlPlatformChart(new Cdk8sApp(), 'acme', { spec: bareSpec() }));
    expect(e.problems.map((p) => [p.property, p.allowed])).toEqual([
      ['kubernetes.mlflow.artifactRoot', 'is required by MlPlatformChart (EksMlPlatform creates it): s3://bucket/prefix where MLflow stores artifacts'],
      ['kubernetes.pipelineArtifactRoot', 'is required by MlPlatformChart (EksMlPlatform creates it): s3://bucket/prefix of the pipeline runs\' outputs'],
      ['models[0].drift.kubernetes', 'is required to render on Kubernetes: captureUri, where the served traffic is captured'],
    ]);
  });

  it('MlPlatformChart names a missing capture URI under drift.kubernetes', () => {
    const s = structuredClone(SPEC) as any;
    delete s.models[0].drift.kubernetes.captureUri;
    const e = expectValidationError(() => new MlPlatformChart(new Cdk8sApp(), 'acme', { spec: s }));
    expect(e.problems.map((p) => p.property)).toEqual(['models[0].drift.kubernetes.captureUri']);
  });

  it('a cluster without OIDC provider, kubectl role or kubectl layer; a spec naming another cluster', () => {
    const app = new App();
    const stack = new Stack(app, 'AcmeEks', { env: ENV });
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'other' });
    const e = expectValidationError(() => new EksMlPlatform(stack, 'Platform', { cluster, spec: bareSpec() }));
    expect(e.problems.map((p) => p.property)).toEqual(['cluster.openIdConnectProvider', 'cluster.kubectlRoleArn', 'cluster.kubectlLayer', 'spec.kubernetes.clusterName']);
  });

  it('a cluster with its own kubectl provider needs no role or layer, and the platform uses that provider', () => {
    const app = new App();
    const stack = new Stack(app, 'AcmeEks', { env: ENV });
    const kubectlProvider = eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:kubectl',
      kubectlRoleArn: KUBECTL_ROLE,
      handlerRole: iam.Role.fromRoleArn(stack, 'Handler', 'arn:aws:iam::123456789012:role/kubectl-handler'),
    });
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
      clusterName: 'acme-ml', kubectlProvider, openIdConnectProvider: iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc', OIDC_ARN),
    });
    new EksMlPlatform(stack, 'Platform', { cluster, spec: bareSpec() });
    const assembly = app.synth();
    const churn = Template.fromJSON(assembly.getStackByName('AcmeEks-churn').template);
    expect(resources(churn, 'Custom::AWSCDK-EKS-KubernetesResource')[0].Properties.ServiceToken).toBe('arn:aws:lambda:eu-west-1:123456789012:function:kubectl');
    expect(resources(Template.fromJSON(assembly.getStackByName('AcmeEks').template), 'AWS::CloudFormation::Stack')).toHaveLength(0);
  });
});

describe('cdk-nag AwsSolutions', () => {
  /** Every AwsSolutions finding (errors and warnings) of the platform's stacks, by rule and construct path. */
  function findings(attrs: Partial<eks.ClusterAttributes> = {}): string[] {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-eks-nag-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'AcmeEks', { env: ENV });
    new EksMlPlatform(stack, 'Platform', { cluster: importCluster(stack, attrs), spec: bareSpec() });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch (e) {
      if (!fs.existsSync(path.join(outdir, 'validation-report.json'))) {
        throw e;
      }
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    // aws-cdk-lib's own template validation, beside cdk-nag: nothing either.
    expect(report.pluginReports.filter((p: any) => p.pluginName !== 'AwsSolutions').flatMap((p: any) => p.violations)).toEqual([]);
    return report.pluginReports
      .filter((p: any) => p.pluginName === 'AwsSolutions')
      .flatMap((p: any) => p.violations)
      .flatMap((v: any) => v.violatingConstructs.map((c: any) => `${v.severity} ${v.ruleName} @ ${c.constructPath}`))
      .sort();
  }

  it('no finding in the platform\'s stacks, with no acknowledgment from its user (cdk-nag 3.x)', () => {
    expect(findings()).toEqual([]);
  });

  it('the same with cdk-nag 2.x (an Aspect; findings are error and warning annotations)', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-eks-nag2-')) });
    const stack = new Stack(app, 'AcmeEks', { env: ENV });
    new EksMlPlatform(stack, 'Platform', { cluster: importCluster(stack), spec: bareSpec() });
    Aspects.of(app).add(new AwsSolutionsChecksV2());
    app.synth();
    const found = app.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => (m.type === 'aws:cdk:error' || m.type === 'aws:cdk:warning') && String(m.data).startsWith('AwsSolutions-'))
      .map((m) => `${String(m.data).split(': ')[0]} @ ${c.node.path}`));
    expect(found).toEqual([]);
  });
});
