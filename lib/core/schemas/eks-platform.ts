/**
 * The rules of `platform.EksMlPlatform` on what it is given besides the spec (the spec itself is
 * judged by `eksPlatformSpecSchema`): the imported cluster must let the construct reach it with
 * kubectl and its roles trust its OIDC provider (IRSA).
 *
 * What aws-cdk-lib 2.276.0 needs of an imported cluster to deploy manifests (read in
 * `aws-eks/lib/kubectl-provider.js`, `KubectlProvider.getOrCreate` and its constructor): its own
 * `kubectlProvider`, or else a `kubectlRole` (the constructor throws `"kubectlRole" is not defined,
 * cannot issue kubectl commands against this cluster`); the handler it then creates runs
 * `/opt/kubectl/kubectl` from the `kubectlLayer`, of which aws-eks gives none ("@default - No
 * default layer will be provided", `ClusterAttributes.kubectlLayer`): without it the first
 * manifest fails at deployment, so the layer is required here, at synthesis.
 */
import { z } from 'zod';
import { unlessToken } from '../validation';

/** @internal What the construct knows of the imported cluster, as plain values. */
export const eksClusterFactsSchema = z
  .strictObject({
    clusterName: z.string().min(1),
    kubectlProvider: z.boolean(),
    kubectlRole: z.boolean(),
    kubectlLayer: z.boolean(),
    openIdConnectProvider: z.boolean(),
  })
  .superRefine(unlessToken((c, ctx) => {
    if (!c.openIdConnectProvider) {
      ctx.addIssue({
        code: 'custom',
        path: ['openIdConnectProvider'],
        message: 'is required: the roles EksMlPlatform creates trust the cluster\'s OIDC provider (IRSA); import the cluster with '
          + 'openIdConnectProvider: iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(...)',
      });
    }
    if (c.kubectlProvider) {
      return;
    }
    if (!c.kubectlRole) {
      ctx.addIssue({
        code: 'custom',
        path: ['kubectlRoleArn'],
        message: 'is required without a kubectlProvider: aws-eks applies the charts with kubectl as this role (mapped to system:masters or given cluster-admin access)',
      });
    }
    if (!c.kubectlLayer) {
      ctx.addIssue({
        code: 'custom',
        path: ['kubectlLayer'],
        message: 'is required without a kubectlProvider: aws-eks provides no kubectl for an imported cluster (e.g. KubectlV31Layer of @aws-cdk/lambda-layer-kubectl-v31)',
      });
    }
  }));

/** @internal The props of `EksMlPlatform` (the spec is judged by `eksPlatformSpecSchema`; construct references by the type system). */
export const eksMlPlatformSchema = z
  .strictObject({
    cluster: eksClusterFactsSchema,
    spec: z.any(),
    encryptionKey: z.any().optional(),
    serverAccessLogsBucket: z.any().optional(),
    mlflowBackendSecret: z.any().optional(),
    env: z.any().optional(),
    stackNamePrefix: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,100}$/, 'must be a stack name prefix: letters, digits and "-", starting with a letter').optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const named = (p.spec as { kubernetes?: { clusterName?: unknown } } | undefined)?.kubernetes?.clusterName;
    if (typeof named === 'string' && named !== p.cluster.clusterName) {
      ctx.addIssue({
        code: 'custom',
        path: ['spec', 'kubernetes', 'clusterName'],
        message: `must be the cluster's name, "${p.cluster.clusterName}" (Karpenter finds the cluster's subnets and security groups by it)`,
      });
    }
  }));
