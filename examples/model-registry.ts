/**
 * ModelRegistry, on both targets.
 *
 * AWS: a registry whose artifacts a production account may read, and an SNS notification when
 * a model version is approved. Kubernetes: an MLflow tracking server for the same team.
 */
import { App, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { FRAUD_COST, SHARED_COST, accessLogsBucket } from './shared';
import { aws, k8s } from '../lib';

/** The example ML platform's registry on AWS. */
export class ModelRegistryExampleStack extends Stack {
  public readonly registry: aws.ModelRegistry;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // Cost allocation: every resource below is billed to the fraud model, its owner and the platform.
    aws.CostAllocation.apply(this, FRAUD_COST);

    // One bucket per account receives S3 server access logs of every data bucket.
    const accessLogs = accessLogsBucket(this);

    this.registry = new aws.ModelRegistry(this, 'FraudModels', {
      modelPackageGroupName: 'fraud-detection',
      description: 'Fraud detection models, registered by the training pipeline after its gate',
      crossAccountReadAccountIds: ['210987654321'],
      serverAccessLogsBucket: accessLogs,
    });

    // Approved models are announced to the on-call channel.
    const topicKey = new kms.Key(this, 'ApprovalsKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    const approvals = new sns.Topic(this, 'Approvals', { masterKey: topicKey, enforceSSL: true });
    topicKey.grantEncryptDecrypt(new iam.ServicePrincipal('events.amazonaws.com'));
    this.registry.onApproved('OnApproved', { target: new targets.SnsTopic(approvals) });

    // The training pipeline registers, a release manager approves.
    const trainer = new iam.Role(this, 'TrainingRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Registers model versions into fraud-detection',
    });
    this.registry.grantRegister(trainer);
    const approver = new iam.Role(this, 'ApproverRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Approves or rejects fraud-detection model versions',
    });
    this.registry.grantApprove(approver);
    this.registry.grantRead(approver);

  }
}

/** The example ML platform's registry on Kubernetes (MLflow). */
export class ModelRegistryExampleChart extends Chart {
  public readonly registry: k8s.ModelRegistry;

  constructor(scope: Construct, id: string, props?: ChartProps) {
    super(scope, id, props);
    // Cost allocation: what the models share (model=shared), billed to the platform team.
    k8s.CostAllocation.apply(this, SHARED_COST);
    this.registry = new k8s.ModelRegistry(this, 'Mlflow', {
      // A mirror of the upstream MLflow image in the team's registry, pinned by digest.
      image:
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/mlflow@sha256:3f1e5c8b9a7d6e4f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f',
      backendStoreUriSecret: { name: 'mlflow-backend', key: 'uri' },
      artifactRoot: 's3://acme-ml-artifacts/mlflow',
      serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/mlflow-artifacts',
      allowedClientNamespaces: ['training', 'serving'],
    });
  }
}

/** Add the ModelRegistry examples to the two apps. */
export function addModelRegistryExamples(awsApp: App, k8sApp: import('cdk8s').App): { stacks: Stack[]; charts: Chart[] } {
  const env = { account: '123456789012', region: 'eu-west-1' };
  return {
    stacks: [new ModelRegistryExampleStack(awsApp, 'MlopsModelRegistry', { env })],
    charts: [new ModelRegistryExampleChart(k8sApp, 'model-registry')],
  };
}
