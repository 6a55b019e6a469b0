/**
 * FeatureStore for fraud detection: `user` and `merchant` entities defined once, stored in
 * SageMaker Feature Store (online + Iceberg offline) on AWS and served by Feast on Kubernetes.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Chart, ChartProps, Duration as K8sDuration } from 'cdk8s';
import { Construct } from 'constructs';
import { FRAUD_COST, accessLogsBucket } from './shared';
import { aws, core, k8s } from '../lib';

export const FRAUD_ENTITIES: core.EntityDefinition[] = [
  {
    name: 'user',
    recordIdentifier: 'user_id',
    eventTime: 'event_time',
    description: 'A customer',
    features: [
      { name: '30d_spend', type: core.FeatureType.FRACTIONAL, description: 'Spend over the last 30 days, EUR' },
      { name: 'txn_count_24h', type: core.FeatureType.INTEGRAL },
      { name: 'country', type: core.FeatureType.STRING },
    ],
  },
  {
    name: 'merchant',
    recordIdentifier: 'merchant_id',
    eventTime: 'event_time',
    eventTimeType: core.FeatureType.FRACTIONAL,
    features: [
      { name: 'risk_score', type: core.FeatureType.FRACTIONAL },
      { name: 'chargeback_rate_30d', type: core.FeatureType.FRACTIONAL },
    ],
  },
];

export class FeatureStoreExampleStack extends Stack {
  public readonly store: aws.FeatureStore;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // Cost allocation: every resource below is billed to the fraud model, its owner and the platform.
    aws.CostAllocation.apply(this, FRAUD_COST);
    const accessLogs = accessLogsBucket(this);

    this.store = new aws.FeatureStore(this, 'Features', {
      entities: FRAUD_ENTITIES,
      namePrefix: 'fraud-',
      onlineStore: { ttl: Duration.days(7) },
      offlineStore: { serverAccessLogsBucket: accessLogs },
    });

    // The ingestion job writes, the model server reads online, the training pipeline reads offline.
    const ingest = new iam.Role(this, 'IngestRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const serving = new iam.Role(this, 'ServingRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const training = new iam.Role(this, 'TrainingRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    this.store.grantIngest(ingest);
    this.store.grantReadOnline(serving);
    this.store.grantReadOffline(training);

  }
}

export class FeatureStoreExampleChart extends Chart {
  constructor(scope: Construct, id: string, props?: ChartProps) {
    super(scope, id, props);
    // Cost allocation: every resource below is billed to the fraud model, its owner and the platform.
    k8s.CostAllocation.apply(this, FRAUD_COST);
    new k8s.FeatureStore(this, 'Feast', {
      entities: FRAUD_ENTITIES,
      image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/feast-feature-server@sha256:${'f6'.repeat(32)}`,
      redisConnectionSecret: { name: 'feast-redis', key: 'connection-string' },
      registry: 's3://acme-ml-features/feast/registry.db',
      offlineStore: {
        region: 'eu-west-1',
        workGroup: 'fraud-feature-store',
        s3StagingLocation: 's3://acme-ml-features/athena-results/',
        tables: { user: 'fraud_user_1732300000', merchant: 'fraud_merchant_1732300000' },
      },
      ttl: K8sDuration.days(7),
      serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/feast',
      allowedClientNamespaces: ['serving'],
    });
  }
}

export function addFeatureStoreExamples(awsApp: import('aws-cdk-lib').App, k8sApp: import('cdk8s').App): { stacks: Stack[]; charts: Chart[] } {
  return {
    stacks: [new FeatureStoreExampleStack(awsApp, 'MlopsFeatureStore', { env: { account: '123456789012', region: 'eu-west-1' } })],
    charts: [new FeatureStoreExampleChart(k8sApp, 'feature-store')],
  };
}
