import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { EksMlPlatform } from '../../lib/platform/eks-ml-platform';
import { ENV } from '../support/aws';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const OIDC_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const GIVEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/mlflow-db-AbCdEf';
const GIVEN_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

function build(given?: (stack: Stack) => secretsmanager.ISecret) {
  const app = new App();
  const stack = new Stack(app, 'AcmeEks', { env: ENV });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'acme-ml',
    openIdConnectProvider: iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc', OIDC_ARN),
    kubectlRoleArn: 'arn:aws:iam::123456789012:role/acme-ml-kubectl',
    kubectlLayer: lambda.LayerVersion.fromLayerVersionArn(stack, 'Kubectl', 'arn:aws:lambda:eu-west-1:123456789012:layer:kubectl:1'),
  });
  const platform = new EksMlPlatform(stack, 'Platform', { cluster, spec: SPEC, mlflowBackendSecret: given?.(stack) });
  const template = Template.fromStack(stack);
  const objects: any[] = platform.chart.toJson();
  return { stack, platform, template, objects };
}

/** The role described `description` and the statements of its one policy. */
function roleAndPolicy(t: Template, description: string): [any, any[]] {
  const roles = Object.entries(t.findResources('AWS::IAM::Role', { Properties: { Description: description } }));
  expect(roles).toHaveLength(1);
  const [id, role] = roles[0];
  const policies = Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: id }]));
  expect(policies).toHaveLength(1);
  return [role, (policies[0] as any).Properties.PolicyDocument.Statement];
}

const STORE_ROLE = 'External Secrets Operator\'s SecretStore of the acme ML platform\'s MLflow backend store URI';
const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);

describe('EksMlPlatform: the MLflow backend store URI from Secrets Manager (External Secrets Operator)', () => {
  const { template, objects, platform } = build();
  const deployment = byKind(objects, 'Deployment').find((d) => d.metadata.namespace === 'acme-mlflow');
  const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'backend-store');

  it('the SecretStore\'s role: trusted by its ServiceAccount in the MLflow namespace only (IRSA); reads the one secret, decrypts through Secrets Manager only', () => {
    const [role, statements] = roleAndPolicy(template, STORE_ROLE);
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Action: 'sts:AssumeRoleWithWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: OIDC_ARN },
        Condition: { StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:acme-mlflow:mlflow-backend-store', [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
      }],
    });
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0];
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    expect(statements).toEqual([
      { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: secretId } },
      {
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      },
    ]);
    expect(platform.mlflowSecretStoreRole.roleArn).toBeDefined();
  });

  it('the default secret: one, encrypted with the platform key, retained, no value in the template', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as any[];
    expect(secrets).toHaveLength(1);
    expect(secrets[0].DeletionPolicy).toBe('Retain');
    expect(secrets[0].Properties.KmsKeyId['Fn::GetAtt'][0]).toMatch(/^PlatformKey/);
    expect(secrets[0].Properties.SecretString).toBeUndefined();
    expect(secrets[0].Properties.GenerateSecretString).toEqual({});
  });

  it('the ServiceAccount carries the role; the SecretStore reads Secrets Manager in the region with its token', () => {
    const [sa] = byKind(objects, 'ServiceAccount').filter((o) => o.metadata.name === 'mlflow-backend-store');
    expect(sa.metadata.namespace).toBe('acme-mlflow');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(Object.keys(sa.metadata.annotations)).toEqual(['eks.amazonaws.com/role-arn']);
    const [store] = byKind(objects, 'SecretStore');
    expect(store.apiVersion).toBe('external-secrets.io/v1');
    expect(store.metadata).toMatchObject({ name: 'mlflow-backend-store', namespace: 'acme-mlflow' });
    expect(store.spec).toEqual({
      provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'mlflow-backend-store' } } } } },
    });
  });

  it('the ExternalSecret makes the Secret and key the MLflow Deployment mounts', () => {
    const [es] = byKind(objects, 'ExternalSecret');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(es.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'mlflow-backend-store' });
    expect(es.spec.refreshInterval).toBe('1h');
    expect(es.spec.target).toEqual({ name: volume.secret.secretName, creationPolicy: 'Owner' });
    expect(es.spec.data).toHaveLength(1);
    expect(volume.secret.items).toEqual([{ key: es.spec.data[0].secretKey, path: 'uri' }]);
    expect(volume.secret.secretName).toBe(SPEC.kubernetes!.mlflow.backendStoreUriSecret);
  });
});

describe('a given secret wins', () => {
  it('creates no secret; the role reads the given one (its key through Secrets Manager); the ExternalSecret names its ARN', () => {
    const { template, objects, platform } = build((stack) => secretsmanager.Secret.fromSecretAttributes(stack, 'Db', {
      secretCompleteArn: GIVEN_ARN,
      encryptionKey: kms.Key.fromKeyArn(stack, 'DbKey', GIVEN_KEY),
    }));
    expect(template.findResources('AWS::SecretsManager::Secret')).toEqual({});
    expect(platform.mlflowBackendSecret.secretArn).toBe(GIVEN_ARN);
    const [, statements] = roleAndPolicy(template, STORE_ROLE);
    expect(statements).toEqual([
      { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: GIVEN_ARN },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: GIVEN_KEY, Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } },
    ]);
    const [es] = byKind(objects, 'ExternalSecret');
    expect(es.spec.data[0].remoteRef).toEqual({ key: GIVEN_ARN });
  });

  it('a secret imported by name: the role reads the name\'s ARN with Secrets Manager\'s six-character suffix, the ExternalSecret names it', () => {
    const { template, objects } = build((stack) => secretsmanager.Secret.fromSecretNameV2(stack, 'Db', 'acme/mlflow-db'));
    const [, statements] = roleAndPolicy(template, STORE_ROLE);
    expect(statements).toEqual([{
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:acme/mlflow-db-??????']] },
    }]);
    expect(byKind(objects, 'ExternalSecret')[0].spec.data[0].remoteRef).toEqual({ key: 'acme/mlflow-db' });
  });
});
