import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ComputeResources } from '../compute-resources';

/**
 * Core-validated quantity strings → cdk8s-plus resources (always explicit, never defaulted); with
 * `disk`, the container's ephemeral-storage request and limit (lib/core/ephemeral-storage.ts).
 */
export function toContainerResources(r: ComputeResources, disk?: { readonly request: string; readonly limit: string }): kplus.ContainerResources {
  return {
    cpu: { request: cpu(r.cpuRequest), limit: cpu(r.cpuLimit) },
    memory: { request: memory(r.memoryRequest), limit: memory(r.memoryLimit) },
    ephemeralStorage: disk ? { request: memory(disk.request), limit: memory(disk.limit) } : undefined,
  };
}

function cpu(q: string): kplus.Cpu {
  return q.endsWith('m') ? kplus.Cpu.millis(Number(q.slice(0, -1))) : kplus.Cpu.units(Number(q));
}

function memory(q: string): Size {
  const n = Number(q.slice(0, -2));
  switch (q.slice(-2)) {
    case 'Ki':
      return Size.kibibytes(n);
    case 'Mi':
      return Size.mebibytes(n);
    case 'Gi':
      return Size.gibibytes(n);
    default:
      return Size.tebibytes(n);
  }
}
