import * as kplus from 'cdk8s-plus-28';
import { KNATIVE_PORT_NAME, KNATIVE_QUEUE_PORTS, KNATIVE_SERVING_NAMESPACE, KSERVE_KNATIVE_MODES } from '../../core/knative';

const k8s = kplus.k8s;

/** Whether KServe makes a Knative Service of an InferenceService in this deployment mode. */
export function isKnativeMode(mode: string): boolean {
  return KSERVE_KNATIVE_MODES.includes(mode);
}

/** What the predictor is made of. */
export interface KServePredictorOptions {
  /** The endpoint's pod: the model server first, then the sidecars. */
  readonly pod: kplus.k8s.PodSpec;
  readonly labels: Record<string, string>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly canaryTrafficPercent?: number;
  /** Knative mode: only what Knative Serving's validation admits. */
  readonly knative: boolean;
}

/**
 * The KServe predictor: the endpoint's pod, the model server renamed `kserve-container` (the
 * container KServe's custom predictor serves, kserve v0.20.0 pkg/apis/serving/v1beta1/predictor_custom.go).
 * In Knative mode KServe copies the pod spec into a Knative Service (reconcilers/knative/ksvc_reconciler.go),
 * whose validation (knative.dev/serving pkg/apis/serving/k8s_validation.go, fieldmask.go) refuses a
 * serving port named other than "", `h2c` or `http1`, and any `terminationGracePeriodSeconds`:
 * Knative gives a revision's pods its `timeoutSeconds` instead (pkg/reconciler/revision/resources/deploy.go;
 * 300 s by default, longer than the 60 s drain the other renderers set).
 */
export function kservePredictor(o: KServePredictorOptions): Record<string, unknown> {
  const [server, ...sidecars] = o.pod.containers;
  const podJson = k8s.toJson_PodSpec(o.pod)!;
  const serverJson: Record<string, unknown> = { ...k8s.toJson_Container(server), name: 'kserve-container' };
  const ports = serverJson.ports as Array<Record<string, unknown>> | undefined;
  return {
    labels: o.labels,
    minReplicas: o.minReplicas,
    maxReplicas: o.maxReplicas,
    canaryTrafficPercent: o.canaryTrafficPercent,
    serviceAccountName: podJson.serviceAccountName,
    automountServiceAccountToken: false,
    securityContext: podJson.securityContext,
    tolerations: podJson.tolerations,
    affinity: podJson.affinity,
    volumes: podJson.volumes,
    terminationGracePeriodSeconds: o.knative ? undefined : podJson.terminationGracePeriodSeconds,
    containers: [
      o.knative && ports ? { ...serverJson, ports: ports.map((p, i) => (i === 0 ? { ...p, name: KNATIVE_PORT_NAME } : p)) } : serverJson,
      ...sidecars.map((c) => k8s.toJson_Container(c)),
    ],
  };
}

/** Who reaches a Knative revision's pods, and on which port. */
export interface KnativeIngressOptions {
  /** Namespaces of the endpoint's clients (with a mesh they reach the pods directly). */
  readonly clientNamespaces: string[];
  /** Namespace of the ingress gateway in front of Knative (Istio, Kourier). */
  readonly ingressNamespace: string;
  /** Namespace of Prometheus. */
  readonly monitoringNamespace: string;
}

/**
 * The NetworkPolicy rules of a Knative revision's pods: requests arrive at the queue-proxy
 * (8012 HTTP/1, 8013 h2c, 8112 with internal TLS) from the activator in `knative-serving`, the
 * ingress gateway, the endpoint's own namespace and its clients; the autoscaler in
 * `knative-serving` scrapes 9090; Prometheus scrapes the request metrics on 9091 (core/knative.ts).
 */
export function knativeIngressRules(o: KnativeIngressOptions): kplus.k8s.NetworkPolicyIngressRule[] {
  const ns = (name: string): kplus.k8s.NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
  const tcp = (n: number): kplus.k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(n) });
  const callers = [...new Set([KNATIVE_SERVING_NAMESPACE, o.ingressNamespace, ...o.clientNamespaces])];
  return [
    {
      from: [{ podSelector: {} }, ...callers.map(ns)],
      ports: [KNATIVE_QUEUE_PORTS.http, KNATIVE_QUEUE_PORTS.http2, KNATIVE_QUEUE_PORTS.https].map(tcp),
    },
    { from: [ns(KNATIVE_SERVING_NAMESPACE)], ports: [tcp(KNATIVE_QUEUE_PORTS.autoscalerMetrics)] },
    { from: [ns(o.monitoringNamespace)], ports: [tcp(KNATIVE_QUEUE_PORTS.userMetrics)] },
  ];
}
