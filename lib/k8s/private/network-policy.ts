import { ApiObjectMetadata, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** What differs between the library's server NetworkPolicies. */
export interface ServerNetworkPolicyOptions {
  readonly metadata: ApiObjectMetadata;
  /** Labels of the pods the policy applies to. */
  readonly podLabels: Record<string, string>;
  /** The port clients call. */
  readonly port: number;
  /** More ports admitted from the same sources, read at synth (e.g. sidecars added later). */
  readonly morePorts?: () => number[];
  /** Namespaces admitted besides the server's own (read at synth: the caller may add to it). */
  readonly clientNamespaces: string[];
  /** TCP ports the pods may reach, besides DNS (databases, Redis, 443 for AWS APIs). */
  readonly egressPorts: number[];
  /** More egress rules, e.g. to the EKS Pod Identity agent (`roleEgress`). */
  readonly moreEgress?: kplus.k8s.NetworkPolicyEgressRule[];
  /** A metrics port apart from the served ones, admitted from Prometheus' namespace only (e.g. Triton's 8002). */
  readonly scrape?: { readonly port: number; readonly namespace: string };
  /** More ingress rules, e.g. Knative's queue-proxy ports (`knativeIngressRules`). */
  readonly moreIngress?: kplus.k8s.NetworkPolicyIngressRule[];
}

const port = (protocol: string, n: number) => ({ protocol, port: kplus.k8s.IntOrString.fromNumber(n) });

/**
 * The one NetworkPolicy shape of the library's servers: ingress on their port from their own
 * namespace and the listed ones; egress only to DNS in kube-system and the listed TCP ports.
 */
export function serverNetworkPolicy(scope: Construct, id: string, o: ServerNetworkPolicyOptions): kplus.k8s.KubeNetworkPolicy {
  return new kplus.k8s.KubeNetworkPolicy(scope, id, {
    metadata: o.metadata,
    spec: {
      podSelector: { matchLabels: o.podLabels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          // At synth: namespaces added to the array later (addAllowedClientNamespace) are admitted too.
          from: Lazy.any({
            produce: () => [
              { podSelector: {} },
              ...o.clientNamespaces.map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } })),
            ],
          }),
          ports: o.morePorts ? Lazy.any({ produce: () => [o.port, ...o.morePorts!()].map((n) => port('TCP', n)) }) : [port('TCP', o.port)],
        },
        ...(o.scrape
          ? [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.scrape.namespace } } }], ports: [port('TCP', o.scrape.port)] }]
          : []),
        ...(o.moreIngress ?? []),
      ],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
          ports: [port('UDP', 53), port('TCP', 53)],
        },
        { ports: o.egressPorts.map((p) => port('TCP', p)) },
        ...(o.moreEgress ?? []),
      ],
    },
  });
}
