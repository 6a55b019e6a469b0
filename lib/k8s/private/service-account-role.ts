import * as kplus from 'cdk8s-plus-28';
import { IRSA_ROLE_ANNOTATION, POD_IDENTITY_AGENT_CIDRS, POD_IDENTITY_AGENT_PORT } from '../../core/pod-credentials';
import { ServiceAccountRoleMode } from '../service-account-role';

/** The ServiceAccount annotations of a role: the IRSA annotation, none with Pod Identity or no role. */
export function roleAnnotations(roleArn: string | undefined, mode: ServiceAccountRoleMode | undefined): Record<string, string> | undefined {
  const irsa = roleArn !== undefined && (mode ?? ServiceAccountRoleMode.IRSA) === ServiceAccountRoleMode.IRSA;
  return irsa ? { [IRSA_ROLE_ANNOTATION]: roleArn } : undefined;
}

/** The egress rules a mode needs beyond HTTPS: the Pod Identity agent's addresses on port 80. */
export function roleEgress(mode: ServiceAccountRoleMode | undefined): kplus.k8s.NetworkPolicyEgressRule[] {
  if (mode !== ServiceAccountRoleMode.POD_IDENTITY) {
    return [];
  }
  return [{
    to: POD_IDENTITY_AGENT_CIDRS.map((cidr) => ({ ipBlock: { cidr } })),
    ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(POD_IDENTITY_AGENT_PORT) }],
  }];
}
