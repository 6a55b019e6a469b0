/** How the pods of a construct get their IAM role on EKS. */
export enum ServiceAccountRoleMode {
  /**
   * IAM roles for service accounts: the ServiceAccount carries the annotation
   * `eks.amazonaws.com/role-arn` of `serviceAccountRoleArn`; the SDK exchanges the projected token
   * with STS over HTTPS. Needs the cluster's OIDC provider trusted by the role.
   */
  IRSA = 'IRSA',
  /**
   * EKS Pod Identity: the role is given by a Pod Identity association of the namespace and
   * ServiceAccount, made outside the chart (`aws eks create-pod-identity-association`, or
   * `AWS::EKS::PodIdentityAssociation` in the stack that owns the cluster); no annotation is
   * rendered. The NetworkPolicy admits the node's Pod Identity agent (169.254.170.23 and
   * fd00:ec2::23, port 80), where the SDK asks for credentials. Needs the `eks-pod-identity-agent`
   * add-on.
   */
  POD_IDENTITY = 'POD_IDENTITY',
}
