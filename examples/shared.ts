import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { core } from '../lib';

/** Who owns the fraud model's alarms in the examples. */
export const FRAUD_ONCALL: core.AlarmOwnership = {
  owner: 'fraud-ml-oncall',
  runbookUrl: 'https://runbooks.example.com/ml/fraud-endpoint',
};

/**
 * Who pays for the fraud model's resources: the cost allocation tags (AWS) and labels (Kubernetes)
 * of every standalone example, as MlPlatform tags its own (`aws.CostAllocation`, `k8s.CostAllocation`).
 */
export const FRAUD_COST: core.CostAllocationProps = { platform: 'acme', model: 'fraud', owner: FRAUD_ONCALL.owner };

/** What the fraud model shares with others (GPU pools, the MLflow server): `model=shared`, the platform team's. */
export const SHARED_COST: core.CostAllocationProps = { platform: 'acme', owner: 'ml-platform-oncall' };

/**
 * The examples' access-log target: one per stack, receiving the S3 server access logs of the
 * data buckets. (In a real account it is shared and lives in a logging stack.)
 */
export function accessLogsBucket(scope: Construct): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log target bucket; logging it into itself would loop.',
  });
  return bucket;
}
