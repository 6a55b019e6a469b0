/**
 * Finding 13.7: a shared pool scales up, and `maxGpus` means physical GPUs on every sharing mode.
 *
 * The rendered NodePool and NodeOverlays are judged by a transcription of how Karpenter counts
 * (kubernetes-sigs/karpenter, read at 226646810, cited in lib/core/gpu-sharing-capacity.ts):
 * - an instance type's capacity is the AWS provider's (`nvidia.com/gpu` = physical GPUs, no MIG
 *   resource) with every matching NodeOverlay's capacity assigned over it (`lo.Assign`);
 * - a pod fits an instance type when each requested resource fits its capacity;
 * - a new node is allowed while, for every limited resource, its capacity ≤ limit − the summed
 *   capacity of the pool's nodes (`filterByRemainingResources`), a node counting with its instance
 *   type's capacity before it is initialized and with what the device plugin advertises after.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuCatalog, GpuModel } from '../../lib/core/gpu-catalog';
import { migInstancesPerGpu } from '../../lib/core/gpu-sharing-capacity';
import { GpuNodePool, GpuNodePoolProps } from '../../lib/k8s/gpu-node-pool';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { synthValid } from '../support/k8s';

type Resources = Record<string, number>;

function render(props: Partial<GpuNodePoolProps>) {
  const chart = Testing.chart();
  new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'KarpenterNodeRole-ml', ...props });
  const objects = synthValid(chart);
  return {
    nodePool: objects.find((o) => o.kind === 'NodePool'),
    overlays: objects.filter((o) => o.kind === 'NodeOverlay'),
  };
}

/** Karpenter's view of an instance type of the pool: the provider's capacity, overlays assigned over it. */
function instanceCapacity(pool: ReturnType<typeof render>, instanceType: string): Resources {
  const gpus = GpuCatalog.forInstanceType(instanceType)!.count;
  const labels: Record<string, string> = { 'karpenter.sh/nodepool': pool.nodePool.metadata.name, 'karpenter.k8s.aws/instance-gpu-count': String(gpus) };
  let capacity: Resources = { 'nvidia.com/gpu': gpus };
  for (const o of pool.overlays) {
    const matches = o.spec.requirements.every((r: any) => r.operator === 'In' && r.values.includes(labels[r.key]));
    if (matches) {
      capacity = { ...capacity, ...Object.fromEntries(Object.entries(o.spec.capacity).map(([k, v]) => [k, Number(v)])) };
    }
  }
  return capacity;
}

/** What the device plugin advertises on an initialized node of `gpus` GPUs. */
function advertised(gpus: number, sharing: { replicas?: number; mig?: { resource: string; perGpu: number } }): Resources {
  if (sharing.mig) {
    return { 'nvidia.com/gpu': 0, [sharing.mig.resource]: gpus * sharing.mig.perGpu };
  }
  return { 'nvidia.com/gpu': gpus * (sharing.replicas ?? 1) };
}

/** filterByRemainingResources: may one more node of `capacity` join the pool with these nodes? */
function withinLimits(limits: Record<string, string> | undefined, nodes: Resources[], capacity: Resources): boolean {
  return Object.entries(limits ?? {}).every(([resource, limit]) => {
    const used = nodes.reduce((sum, n) => sum + (n[resource] ?? 0), 0);
    return (capacity[resource] ?? 0) <= Number(limit) - used;
  });
}

/** Nodes Karpenter launches for an endless queue of pods, counting initialized nodes as advertised. */
function nodesLaunched(pool: ReturnType<typeof render>, instanceType: string, podRequest: Resources, initialized: Resources, cap = 100): number {
  const capacity = instanceCapacity(pool, instanceType);
  const fits = Object.entries(podRequest).every(([r, q]) => (capacity[r] ?? 0) >= q);
  if (!fits) {
    return 0;
  }
  const nodes: Resources[] = [];
  while (nodes.length < cap && withinLimits(pool.nodePool.spec.limits, nodes, capacity)) {
    nodes.push(initialized);
  }
  return nodes.length;
}

describe('GpuNodePool capacity: scale-up and maxGpus counted as Karpenter counts', () => {
  it('MIG: a pod asking for a MIG instance gets a node, and maxGpus stops the pool at that many GPUs', () => {
    const pool = render({ gpu: GpuModel.A100_80GB, sharing: GpuSharing.mig('1g.10gb'), maxGpus: 16 });
    const mig = { resource: 'nvidia.com/mig-1g.10gb', perGpu: 7 };
    // p4de.24xlarge: 8 GPUs, so 16 GPUs are two nodes.
    expect(nodesLaunched(pool, 'p4de.24xlarge', { 'nvidia.com/mig-1g.10gb': 1 }, advertised(8, { mig }))).toBe(2);
    expect(pool.nodePool.spec.limits).toEqual({ 'nvidia.com/mig-1g.10gb': '112' });
    expect(pool.overlays.map((o) => o.spec)).toEqual([{
      requirements: [
        { key: 'karpenter.sh/nodepool', operator: 'In', values: ['gpu-a100-80gb'] },
        { key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'In', values: ['8'] },
      ],
      capacity: { 'nvidia.com/mig-1g.10gb': '56', 'nvidia.com/gpu': '0' },
    }]);
  });

  it('time-slicing: maxGpus 16 on 4-GPU nodes is four nodes, before and after they initialize', () => {
    const pool = render({ sharing: GpuSharing.timeSlicing(4), maxGpus: 16, gpuCounts: [4] });
    expect(nodesLaunched(pool, 'g5.12xlarge', { 'nvidia.com/gpu': 1 }, advertised(4, { replicas: 4 }))).toBe(4);
    // Before initialization a node counts with its instance type's capacity: the same figure.
    expect(nodesLaunched(pool, 'g5.12xlarge', { 'nvidia.com/gpu': 1 }, instanceCapacity(pool, 'g5.12xlarge'))).toBe(4);
    expect(pool.nodePool.spec.limits).toEqual({ 'nvidia.com/gpu': '64' });
  });

  it('time-slicing: one overlay per GPU count of the pool, shares = GPUs × replicas', () => {
    const pool = render({ sharing: GpuSharing.timeSlicing(3) });
    expect(pool.overlays.map((o) => [o.metadata.name, o.spec.capacity])).toEqual([
      ['gpu-a10g-1gpu', { 'nvidia.com/gpu': '3' }],
      ['gpu-a10g-4gpu', { 'nvidia.com/gpu': '12' }],
      ['gpu-a10g-8gpu', { 'nvidia.com/gpu': '24' }],
    ]);
  });

  it('exclusive GPUs: no overlay, the limit on nvidia.com/gpu as before', () => {
    const pool = render({ maxGpus: 8 });
    expect(pool.overlays).toEqual([]);
    expect(pool.nodePool.spec.limits).toEqual({ 'nvidia.com/gpu': '8' });
    expect(nodesLaunched(pool, 'g5.12xlarge', { 'nvidia.com/gpu': 1 }, advertised(4, {}))).toBe(2);
  });

  it('every MIG profile of the catalog has its instance count per GPU', () => {
    for (const model of GpuCatalog.models()) {
      for (const profile of GpuCatalog.spec(model).migProfiles) {
        expect(migInstancesPerGpu(model, profile), `${model} ${profile}`).toBeGreaterThanOrEqual(1);
      }
    }
    expect(migInstancesPerGpu(GpuModel.A100_40GB, '1g.10gb')).toBe(4);
    expect(migInstancesPerGpu(GpuModel.H200, '1g.18gb')).toBe(7);
    expect(migInstancesPerGpu(GpuModel.A10G, '1g.10gb')).toBeUndefined();
  });
});
