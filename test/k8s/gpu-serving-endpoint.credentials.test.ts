/**
 * Finding 13.11: a model server that reads S3 can get AWS credentials. The node's role is out of
 * reach (IMDS hop limit 1), so the pod needs IRSA or EKS Pod Identity, and with Pod Identity its
 * NetworkPolicy must let it reach the node's agent (169.254.170.23 / fd00:ec2::23, TCP 80).
 * Egress is judged with the NetworkPolicy rules of the Kubernetes API (networking.k8s.io/v1
 * NetworkPolicyEgressRule): a connection is allowed when some rule has no `to` or a peer whose
 * ipBlock holds the address, and no `ports` or a port matching protocol and number.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps } from '../../lib/k8s/gpu-serving-endpoint';
import { ServiceAccountRoleMode } from '../../lib/k8s/service-account-role';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const IMAGE = `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`;

function render(props: Partial<GpuServingEndpointProps>) {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  new GpuServingEndpoint(chart, 'Fraud', {
    image: IMAGE,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
    alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' },
    ...props,
  });
  const objects = synthValid(chart).filter((o) => o.metadata?.namespace === 'serving');
  return { sa: one(objects, 'ServiceAccount'), policy: one(objects, 'NetworkPolicy') };
}

function ipv4InCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (!/^[\d.]+$/.test(ip) || !/^[\d.]+$/.test(base)) {
    return false;
  }
  // Compare the first `bits` bits as a string of binary digits.
  const binary = (s: string) => s.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  return binary(ip).slice(0, Number(bits)) === binary(base).slice(0, Number(bits));
}

function inCidr(ip: string, cidr: string): boolean {
  // IPv6: only exact /128 blocks are rendered by the library.
  return ip.includes(':') ? cidr === `${ip}/128` : ipv4InCidr(ip, cidr);
}

/** May a pod under this policy open a connection to ip:port/protocol (outside the cluster)? */
function egressAllowed(policy: any, ip: string, port: number, protocol = 'TCP'): boolean {
  return (policy.spec.egress ?? []).some((rule: any) => {
    const toOk = rule.to === undefined || rule.to.length === 0 || rule.to.some((peer: any) => peer.ipBlock && inCidr(ip, peer.ipBlock.cidr)
      && !(peer.ipBlock.except ?? []).some((e: string) => inCidr(ip, e)));
    const portOk = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((p: any) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port));
    return toOk && portOk;
  });
}

describe('GpuServingEndpoint AWS credentials', () => {
  it('EKS Pod Identity: no IRSA annotation, and the agent is reachable on IPv4 and IPv6, port 80 only', () => {
    const { sa, policy } = render({ serviceAccountRoleMode: ServiceAccountRoleMode.POD_IDENTITY });
    expect(sa.metadata.annotations).toBeUndefined();
    expect(egressAllowed(policy, '169.254.170.23', 80)).toBe(true);
    expect(egressAllowed(policy, 'fd00:ec2::23', 80)).toBe(true);
    // The node's instance metadata stays closed, and nothing else opens on port 80.
    expect(egressAllowed(policy, '169.254.169.254', 80)).toBe(false);
    expect(egressAllowed(policy, '203.0.113.7', 80)).toBe(false);
    expect(egressAllowed(policy, '203.0.113.7', 443)).toBe(true);
  });

  it('IRSA (the default mode): the role annotation, STS over HTTPS, no opening to the agent', () => {
    const { sa, policy } = render({ serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/fraud-serving' });
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/fraud-serving' });
    expect(egressAllowed(policy, '169.254.170.23', 80)).toBe(false);
  });

  it('a role ARN with Pod Identity is refused: the association gives the role', () => {
    const e = expectValidationError(() => render({ serviceAccountRoleMode: ServiceAccountRoleMode.POD_IDENTITY, serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/x' }));
    expect(e.problems.find((p) => p.property === 'serviceAccountRoleArn')?.allowed).toContain('must not be set with POD_IDENTITY');
  });
});
