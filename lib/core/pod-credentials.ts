/**
 * How a pod gets AWS credentials on EKS, and what its NetworkPolicy must admit for it.
 *
 * - IRSA: the ServiceAccount annotation `eks.amazonaws.com/role-arn` makes the EKS Pod Identity
 *   webhook project a web identity token; the SDK exchanges it with STS over HTTPS (443)
 *   (https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html).
 * - EKS Pod Identity: an association (EKS API `CreatePodIdentityAssociation`, CloudFormation
 *   `AWS::EKS::PodIdentityAssociation`) maps a namespace + ServiceAccount to a role; the SDK asks the
 *   node's Pod Identity agent, which listens on 169.254.170.23 (IPv4) and fd00:ec2::23 (IPv6)
 *   ("Set up the Amazon EKS Pod Identity Agent", Considerations,
 *   https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html), port 80
 *   (`AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials`, "Understand how EKS
 *   Pod Identity works", https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html).
 * - The node's own role is out of reach on purpose: the library's EC2NodeClass sets the IMDSv2
 *   hop limit to 1, so a pod's request (one more hop) never gets a response.
 */

/** @internal the ServiceAccount annotation IRSA reads */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** @internal the EKS Pod Identity agent's link-local addresses, as NetworkPolicy CIDRs */
export const POD_IDENTITY_AGENT_CIDRS: readonly string[] = Object.freeze(['169.254.170.23/32', 'fd00:ec2::23/128']);
/** @internal the port the EKS Pod Identity agent serves credentials on */
export const POD_IDENTITY_AGENT_PORT = 80;
