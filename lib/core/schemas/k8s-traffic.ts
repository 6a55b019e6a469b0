import { z } from 'zod';
import { k8sLabelName } from '../primitives';

/**
 * Host of an Ingress rule: a lowercase DNS name, optionally with one leading `*.` label (Kubernetes
 * networking/v1 IngressRule.host; an IP address is not allowed).
 */
export const ingressHost = z
  .string()
  .max(253)
  .regex(/^(?![0-9.]+$)(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, 'must be a DNS name such as models.example.com (a leading *. allowed), not an IP address');

/** The keys of the traffic router props (`k8sGpuServingSchema`). */
export const trafficRouterKeys = {
  trafficRouter: z.enum(['NONE', 'NGINX']).optional(),
  ingressHost: ingressHost.optional(),
  ingressClassName: k8sLabelName.optional(),
  ingressControllerNamespace: k8sLabelName.optional(),
};

/** A traffic router splits an Argo Rollout's traffic; its Ingress settings mean nothing without NGINX. */
export function checkTrafficRouter(
  p: { trafficRouter?: string; renderer?: string; ingressHost?: string; ingressClassName?: string; ingressControllerNamespace?: string },
  ctx: z.RefinementCtx,
): void {
  const router = p.trafficRouter ?? 'NONE';
  if (router !== 'NONE' && (p.renderer ?? 'ARGO_ROLLOUT') !== 'ARGO_ROLLOUT') {
    ctx.addIssue({ code: 'custom', path: ['trafficRouter'], message: 'must be NONE with the KSERVE renderer (KServe routes its canary itself)' });
  }
  if (router !== 'NGINX') {
    for (const key of ['ingressHost', 'ingressClassName', 'ingressControllerNamespace'] as const) {
      if (p[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must only be set with trafficRouter NGINX (no Ingress is rendered without it)' });
      }
    }
  }
}
