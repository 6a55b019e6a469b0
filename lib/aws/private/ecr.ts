import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { INHERENT_WILDCARD, acknowledgeWildcardResources } from './nag';

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]`: an image in a private ECR registry. */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)/;

/** The ARN of the ECR repository an image reference names, or undefined for other registries. */
export function ecrRepositoryArn(stack: Stack, image: string): string | undefined {
  const m = ECR_IMAGE.exec(image);
  if (!m) {
    return undefined;
  }
  const [, account, region, repository] = m;
  return stack.formatArn({ service: 'ecr', account, region, resource: 'repository', resourceName: repository });
}

/**
 * Let `role` pull `images` from their private ECR repositories: what SageMaker does with the
 * execution role to run a model ("CreateModel API: Execution Role Permissions", SageMaker Developer
 * Guide: ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository, ecr:GetAuthorizationToken).
 * Images of other registries need no grant.
 */
export function grantImagePull(role: iam.IRole, images: string[]): void {
  const stack = Stack.of(role);
  const repositories = [...new Set(images.map((i) => ecrRepositoryArn(stack, i)).filter((a): a is string => a !== undefined))];
  if (repositories.length === 0) {
    return;
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], resources: repositories }));
  // GetAuthorizationToken has no resource-level permissions: it returns a login token, the statement
  // above limits what the token can pull.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  acknowledgeWildcardResources(role, ['*'], INHERENT_WILDCARD.ECR_TOKEN);
}
