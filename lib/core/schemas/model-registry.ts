import { z } from 'zod';
import { durationIn } from './duration-value';
import { checkImage } from '../image';
import {
  awsAccountId,
  cpuQuantity,
  iamRoleArn,
  k8sLabelName,
  k8sSubdomainName,
  memoryQuantity,
  port,
  s3Uri,
  sagemakerName,
} from '../primitives';
import { compareQuantities } from '../quantity';
import { knownAtSynthesis, unlessToken } from '../validation';

// Target-neutral rules for the ModelRegistry props. The target layers map their props (which hold
// constructs and Durations) onto these plain shapes before validating, keeping the user's names.

/** @internal plain shape of the AWS ModelRegistry props (the retention in days, construct references as they are) */
export const awsModelRegistrySchema = z.strictObject({
  modelPackageGroupName: sagemakerName.optional(),
  description: z.string().max(1024).optional(),
  artifactBucket: z.any().optional(), // a construct reference: the type system checks it
  artifactKey: z.any().optional(), // a construct reference: the type system checks it
  crossAccountReadAccountIds: z
    .array(awsAccountId)
    .max(100)
    .refine((ids) => new Set(ids).size === ids.length, 'must not list an account id twice')
    .superRefine(knownAtSynthesis('each account is a principal of the bucket and key policies'))
    .optional(),
  // Carried in days: a Duration is rendered to days before validation.
  noncurrentVersionExpiration: durationIn('days', z.number())
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .superRefine(knownAtSynthesis('the bucket\'s lifecycle rule takes whole days'))
    .optional(),
  serverAccessLogsBucket: z.any().optional(), // a construct reference: the type system checks it
  // RemovalPolicy's values; S3 buckets and KMS keys have no snapshots.
  artifactRemovalPolicy: z
    .enum(['retain', 'destroy', 'retain-on-update-or-delete'], 'must be RETAIN, DESTROY or RETAIN_ON_UPDATE_OR_DELETE (buckets and keys have no snapshots)')
    .optional(),
});

/** @internal the argument of `ModelRegistry.addCrossAccountRead(accountId)` (listed twice, the registry's schema reports it at synth) */
export const crossAccountReadSchema = z.strictObject({ accountId: awsAccountId });

/** @internal */
export const secretKeyRefSchema = z.strictObject({
  name: k8sSubdomainName,
  key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, 'must be a Secret key: letters, digits, "-", "_" or "."'),
});

/** @internal */
export const containerResourcesSchema = z
  .strictObject({
    cpuRequest: cpuQuantity,
    cpuLimit: cpuQuantity,
    memoryRequest: memoryQuantity,
    memoryLimit: memoryQuantity,
  })
  .superRefine(unlessToken((r, ctx) => {
    if (compareQuantities(r.cpuRequest, r.cpuLimit) > 0) {
      ctx.addIssue({ code: 'custom', path: ['cpuRequest'], message: `must not exceed cpuLimit (${r.cpuLimit})` });
    }
    if (compareQuantities(r.memoryRequest, r.memoryLimit) > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['memoryRequest'],
        message: `must not exceed memoryLimit (${r.memoryLimit})`,
      });
    }
  }));

/** @internal plain shape of the Kubernetes ModelRegistry props (MLflow) */
export const mlflowServerSchema = z.strictObject({
  image: z.string().superRefine(unlessToken((ref, ctx) => {
    const problem = checkImage(ref, { allowPinnedTag: true, allowMutableTag: false });
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  })),
  name: k8sLabelName.optional(),
  namespace: k8sLabelName.optional(),
  createNamespace: z.boolean().optional(),
  replicas: z.number().int().min(1).max(20).optional(),
  port: port.optional(),
  backendStoreUriSecret: secretKeyRefSchema,
  artifactRoot: s3Uri,
  resources: containerResourcesSchema.optional(),
  serviceAccountRoleArn: iamRoleArn.optional(),
  allowedClientNamespaces: z
    .array(k8sLabelName)
    .refine((ns) => new Set(ns).size === ns.length, 'must not list a namespace twice')
    .optional(),
  backendStorePort: port.optional(),
  // One entry of MLFLOW_SERVER_ALLOWED_HOSTS, which MLflow splits on commas (core/mlflow.ts).
  allowedHosts: z
    .array(
      z.string().regex(
        /^[A-Za-z0-9*.[\]:-]{1,261}$/,
        'must be a Host header or pattern: a host name or IP address, optionally :port, "*" matching any characters (no commas or spaces)',
      ),
    )
    .refine((hs) => new Set(hs).size === hs.length, 'must not list a host twice')
    .optional(),
});

/** @internal the argument of `ModelRegistry.addAllowedClientNamespace(namespace)` (Kubernetes) */
export const clientNamespaceSchema = z.strictObject({ namespace: k8sLabelName });
