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
