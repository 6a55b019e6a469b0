import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { addWarning } from '../../core/warnings';

/** What differs between the library's data buckets (artifacts, captured data, offline features). */
export interface DataBucketOptions {
  readonly key: kms.IKey;
  readonly lifecycleRules: s3.LifecycleRule[];
  readonly removalPolicy?: RemovalPolicy;
  readonly accessLogs?: s3.IBucket;
  readonly accessLogsPrefix: string;
  /** Warning id and prop to name when there are no access logs. */
  readonly noAccessLogsWarning: { readonly id: string; readonly prop: string };
}

/**
 * The one way the library creates a bucket for ML data: KMS with a bucket key, versioned, TLS 1.2+
 * only, public access blocked, objects owned by the bucket owner, retained unless told otherwise,
 * access logs where a log bucket is given (a warning otherwise).
 */
export function dataBucket(scope: Construct, id: string, o: DataBucketOptions): s3.Bucket {
  if (!o.accessLogs) {
    addWarning(scope, o.noAccessLogsWarning.id, `The ${id} bucket has no server access logs; pass ${o.noAccessLogsWarning.prop}.`);
  }
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: o.key,
    bucketKeyEnabled: true,
    versioned: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: o.removalPolicy ?? RemovalPolicy.RETAIN,
    serverAccessLogsBucket: o.accessLogs,
    serverAccessLogsPrefix: o.accessLogs ? o.accessLogsPrefix : undefined,
    lifecycleRules: o.lifecycleRules,
  });
}
