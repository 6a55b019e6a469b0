import { z } from 'zod';
import { MAX_SAGEMAKER_NAME_LENGTH, sagemakerNameSchema } from './sagemaker-limits';

// Shared zod building blocks. Each carries a "must …" message naming what is allowed, so the one
// error type reads the same everywhere. Internal to the library (zod types stay off the jsii API).

/** A 12-digit AWS account id. */
export const awsAccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

/**
 * A SageMaker resource name (model package group, endpoint, …): 1–63 characters, hyphens included,
 * letters, digits and hyphens, starting and ending with a letter or digit. The API's pattern
 * `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$` alone lets more hyphens through: see `sagemaker-limits.ts`.
 */
export const sagemakerName = sagemakerNameSchema(MAX_SAGEMAKER_NAME_LENGTH, 'entity name');

/** An `s3://bucket/key` URI that names an object or a prefix (not just a bucket). */
export const s3ObjectUri = z
  .string()
  .regex(
    /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/,
    'must be an s3:// URI with a bucket and a key, e.g. s3://my-bucket/reports/eval.json',
  );

/** An `s3://bucket` or `s3://bucket/prefix` URI. */
export const s3Uri = z
  .string()
  .regex(
    /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/,
    'must be an s3:// URI, e.g. s3://my-bucket/prefix',
  );

/** A full 40-hex git commit SHA (lowercase, as git prints it). */
export const gitCommitSha = z
  .string()
  .regex(/^[0-9a-f]{40}$/, 'must be a full 40-character lowercase hex git commit SHA');

/**
 * A version label (dataset version, feature-set version): short, printable, no spaces, and
 * within the 256-character value limit of SageMaker customer metadata.
 */
export const versionLabel = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,199}$/,
    'must be 1-200 characters of letters, digits and ._:/@+=- (no spaces), starting with a letter or digit',
  );

/** A Kubernetes DNS-1123 label (namespace, service, container names). */
export const k8sLabelName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be a DNS-1123 label: 1-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
  );

/** A Kubernetes DNS-1123 subdomain (names of Secrets, ConfigMaps, …). */
export const k8sSubdomainName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a DNS-1123 subdomain: lowercase letters, digits, hyphens and dots',
  );

/** A Kubernetes quantity for CPU, e.g. `500m`, `2`. */
export const cpuQuantity = z
  .string()
  .regex(/^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/, 'must be a CPU quantity such as "500m" or "2"');

/** A Kubernetes quantity for memory, e.g. `512Mi`, `4Gi`. */
export const memoryQuantity = z
  .string()
  .regex(/^[0-9]+(Ki|Mi|Gi|Ti)$/, 'must be a memory quantity in Ki, Mi, Gi or Ti, e.g. "512Mi"');

/** A TCP port. */
export const port = z.number().int('must be an integer port').min(1).max(65535);

/** An ARN of an IAM role. */
export const iamRoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN');

/** Plain tags: string keys and values within the AWS tag limits. */
export const tags = z.record(
  z.string().min(1).max(128),
  z.string().max(256, 'must be at most 256 characters'),
);
