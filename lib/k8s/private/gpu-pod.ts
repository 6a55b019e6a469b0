import * as kplus from 'cdk8s-plus-28';
import { ComputeResources } from '../compute-resources';

const k8s = kplus.k8s;

/**
 * The one place that puts extended resources (`nvidia.com/gpu`, `nvidia.com/mig-1g.10gb`,
 * `aws.amazon.com/neuron`) on a container. cdk8s-plus-28 has no extended resources, and a JSON
 * patch with a plain string value is silently dropped by the generated converters (see FACTS.md):
 * the pod templates of GPU workloads are therefore typed L1 objects whose quantities are
 * `Quantity` values, rendered through `toJson_*`.
 */
export function gpuResources(r: ComputeResources, resourceName: string, count: number): kplus.k8s.ResourceRequirements {
  const q = (s: string) => k8s.Quantity.fromString(s);
  // Extended resources cannot be overcommitted: request and limit must be equal.
  const accelerators = { [resourceName]: q(String(count)) };
  return {
    requests: { cpu: q(r.cpuRequest), memory: q(r.memoryRequest), ...accelerators },
    limits: { cpu: q(r.cpuLimit), memory: q(r.memoryLimit), ...accelerators },
  };
}

/** Restricted-profile security context for a serving container. */
export const RESTRICTED_CONTAINER: kplus.k8s.SecurityContext = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
