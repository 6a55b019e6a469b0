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
export function gpuResources(r: ComputeResources, resourceName: string, count: number, disk?: Disk): kplus.k8s.ResourceRequirements {
  const plain = cpuMemoryResources(r, disk);
  // Extended resources cannot be overcommitted: request and limit must be equal.
  const accelerators = { [resourceName]: k8s.Quantity.fromString(String(count)) };
  return {
    requests: { ...plain.requests, ...accelerators },
    limits: { ...plain.limits, ...accelerators },
  };
}

type Quantities = Record<string, kplus.k8s.Quantity>;

/** A container's local disk (`ephemeral-storage`) request and limit (lib/core/ephemeral-storage.ts). */
export interface Disk {
  readonly request: string;
  readonly limit: string;
}

/** CPU and memory (and with `disk`, ephemeral-storage) requests and limits of a typed L1 container without accelerators. */
export function cpuMemoryResources(r: ComputeResources, disk?: Disk): { requests: Quantities; limits: Quantities } {
  const q = (s: string) => k8s.Quantity.fromString(s);
  return {
    requests: { cpu: q(r.cpuRequest), memory: q(r.memoryRequest), ...(disk ? { 'ephemeral-storage': q(disk.request) } : {}) },
    limits: { cpu: q(r.cpuLimit), memory: q(r.memoryLimit), ...(disk ? { 'ephemeral-storage': q(disk.limit) } : {}) },
  };
}
