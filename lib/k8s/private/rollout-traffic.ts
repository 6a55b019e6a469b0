import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

const k8s = kplus.k8s;

/** Ingress class of ingress-nginx's Helm chart (`controller.ingressClassResource.name`). */
export const DEFAULT_NGINX_INGRESS_CLASS = 'nginx';
/** Namespace of ingress-nginx in its install guide (`helm upgrade --install ingress-nginx … --namespace ingress-nginx`). */
export const DEFAULT_NGINX_NAMESPACE = 'ingress-nginx';

/**
 * What a traffic router needs of the Rollout's canary strategy. The names are the endpoint's
 * Service (the stable one: clients keep using it) and `<name>-canary`. Argo Rollouts requires both
 * `canaryService` and `stableService` whenever `trafficRouting` is NGINX (argo-rollouts
 * pkg/apis/rollouts/validation/validation.go `requireCanaryStableServices`), and the stable Ingress
 * must have a rule whose backend is the stable Service (validation_references.go `validateNginxIngress`).
 * It then adds `rollouts-pod-template-hash` to both Services' selectors and creates
 * `<ingress>-<name>-canary` Ingress with the `nginx.ingress.kubernetes.io/canary-weight` annotation
 * (docs/features/traffic-management/nginx.md).
 */
export function canaryRouting(router: string, name: string): Record<string, unknown> {
  if (router !== 'NGINX') {
    return {};
  }
  return { canaryService: canaryServiceName(name), stableService: name, trafficRouting: { nginx: { stableIngress: name } } };
}

/** The canary Service's name (`<name>-canary`). */
export function canaryServiceName(name: string): string {
  return `${name}-canary`;
}

/** What the stable Ingress is made of. */
export interface StableIngressOptions {
  readonly metadata: { name: string; namespace: string; labels: Record<string, string> };
  readonly host?: string;
  readonly ingressClassName?: string;
}

/** The stable Ingress: every path of `host` (or of any host) to the Service's `http` port. */
export function stableIngress(scope: Construct, id: string, options: StableIngressOptions): kplus.k8s.KubeIngress {
  const name = options.metadata.name;
  return new k8s.KubeIngress(scope, id, {
    metadata: options.metadata,
    spec: {
      ingressClassName: options.ingressClassName ?? DEFAULT_NGINX_INGRESS_CLASS,
      rules: [
        {
          host: options.host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] },
        },
      ],
    },
  });
}

/**
 * The canary's real share of pods when Argo approximates `setWeight` by replicas (no traffic router):
 * a port of argo-rollouts utils/replicaset/canary.go `approximateWeightedCanaryStableReplicaCounts`
 * (the closest of ceil/floor over `replicas` and, with surge, `replicas + 1`; a weight in 1-99 never
 * gets zero canary pods with two or more replicas).
 * @returns canary pods and all pods at that step
 */
export function basicCanaryPods(replicas: number, weight: number, maxSurge: number): { canary: number; total: number } {
  const exact = (replicas * weight) / 100;
  const ceil = Math.ceil(exact);
  const floor = Math.floor(exact);
  const tied = (total: number) => (total * weight) / 100 - Math.floor((total * weight) / 100) === 0.5;
  const zeroAllowed = weight === 100 || weight === 0 || (replicas === 1 && maxSurge === 0);
  const options: Array<{ canary: number; total: number }> = [];
  if (ceil < replicas || zeroAllowed) options.push({ canary: ceil, total: replicas });
  if (!tied(replicas) && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: replicas });
  if (maxSurge > 0) {
    options.push({ canary: ceil, total: replicas + 1 });
    if (!tied(replicas + 1) && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: replicas + 1 });
  }
  const delta = (o: { canary: number; total: number }) => Math.abs((o.canary * 100) / o.total - weight);
  return options.reduce((best, o) => (delta(o) < delta(best) ? o : best), options[0] ?? { canary: 0, total: replicas });
}
