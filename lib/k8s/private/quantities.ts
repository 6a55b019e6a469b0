import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ComputeResources } from '../compute-resources';

/** Core-validated quantity strings → cdk8s-plus resources (always explicit, never defaulted). */
export function toContainerResources(r: ComputeResources): kplus.ContainerResources {
  return {
    cpu: { request: cpu(r.cpuRequest), limit: cpu(r.cpuLimit) },
    memory: { request: memory(r.memoryRequest), limit: memory(r.memoryLimit) },
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
