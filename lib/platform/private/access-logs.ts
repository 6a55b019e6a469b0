import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../../aws/private/nag';

/**
 * The access-log bucket a platform creates when it is given none (`MlPlatform`, `EksMlPlatform`):
 * SSE-S3 (S3 server access logging delivers only to SSE-S3 buckets), TLS-only, versioned, public
 * access blocked, retained, logs expiring after a year.
 */
export function platformAccessLogsBucket(scope: Construct): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
  });
  acknowledgeNag(bucket, [{ rule: 'AwsSolutions-S1', reason: 'This is the access-log target of the platform\'s buckets; logging it into itself would loop.' }]);
  return bucket;
}
