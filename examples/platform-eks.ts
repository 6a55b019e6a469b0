/**
 * EksMlPlatform: the acme platform of examples/platform.yaml on an EKS cluster from one CDK app.
 * The spec here leaves out the IAM roles and S3 locations the file names, so the construct creates
 * them (buckets with KMS, IRSA roles trusted by exactly their ServiceAccounts) and fills them in;
 * each chart is delivered with `addCdk8sChart`, the platform chart in `MlopsPlatformEks`, the churn
 * model's in `MlopsPlatformEks-churn` with its roles.
 *
 * The cluster is imported with a kubectl provider of its own (`KubectlProvider.fromKubectlProviderAttributes`,
 * e.g. the one of the stack that created the cluster): with `kubectlRoleArn` and `kubectlLayer`
 * instead, aws-eks makes one in the shared stack, whose nested template (aws-eks' code) cfn-lint
 * (W3005) and checkov (Lambda checks) do not pass, and which moto cannot create.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { core, platform } from '../lib';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

export function addPlatformEksExamples(awsApp: App): Stack {
  const stack = new Stack(awsApp, 'MlopsPlatformEks', { env: { account: ACCOUNT, region: REGION } });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'acme-ml',
    openIdConnectProvider: iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc',
      `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`),
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
      functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:acme-ml-kubectl`,
      kubectlRoleArn: `arn:aws:iam::${ACCOUNT}:role/acme-ml-kubectl`,
      handlerRole: iam.Role.fromRoleArn(stack, 'KubectlHandler', `arn:aws:iam::${ACCOUNT}:role/acme-ml-kubectl-handler`),
    }),
  });
  new platform.EksMlPlatform(stack, 'Platform', {
    cluster,
    spec: withoutCreatedParts(platform.MlPlatform.parseSpec(
      fs.readFileSync(path.join(__dirname, 'platform.yaml'), 'utf8'), 'platform.yaml')),
  });
  return stack;
}

/** The spec without what EksMlPlatform creates: the roles, the artifact roots and the capture locations. */
function withoutCreatedParts(spec: core.PlatformSpec): core.PlatformSpec {
  const kube = spec.kubernetes!;
  const { pipelineArtifactRoot: _p, ...rest } = kube;
  const { artifactRoot: _a, roleArn: _r, ...mlflow } = kube.mlflow;
  return {
    ...spec,
    kubernetes: { ...rest, mlflow },
    models: spec.models.map((m) => ({
      ...m,
      training: { ...m.training, kubernetes: { ...m.training.kubernetes, roleArn: undefined } },
      serving: { ...m.serving, kubernetes: { ...m.serving.kubernetes!, roleArn: undefined } },
      drift: { ...m.drift, kubernetes: undefined },
      batch: m.batch && { ...m.batch, kubernetes: { ...m.batch.kubernetes!, roleArn: undefined } },
    })),
  };
}
