import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import {
  RolloutSurge, ServingDemand, allocatableEphemeralBytes, defaultPoolVolumeGiB, gpuFitIssues, minimumCapacities, peakRolloutPods, podEphemeralGiB,
  poolFit, surgeOf,
} from '../../lib/core/gpu-fit';

const KEYS = { gpusPerReplica: ['gpusPerReplica'], replicas: ['replicas'], maxReplicas: ['maxReplicas'], modelSizeGiB: ['modelSizeGiB'] };
const demand = (d: Partial<ServingDemand> = {}): ServingDemand => ({
  gpusPerReplica: 1, replicas: 2, surge: RolloutSurge.ARGO_BASIC, sidecars: 0, keys: KEYS, ...d,
});
const GIB = 1024 ** 3;

describe('GPU fit (core)', () => {
  describe('what a pool offers', () => {
    it('lists the catalog instance types of its families and GPU counts, in the units of its resource', () => {
      const fit = poolFit({ name: 'p', gpu: GpuModel.A10G, gpuCounts: [4, 8] });
      expect(fit.resource).toBe('nvidia.com/gpu');
      expect(fit.nodeTypes.map((t) => [t.instanceType, t.capacity])).toEqual([['g5.12xlarge', 4], ['g5.24xlarge', 4], ['g5.48xlarge', 8]]);
      expect(fit.volumeGiB).toBe(100);
    });

    it('counts time-sliced shares and MIG instances as the device plugin advertises them', () => {
      const sliced = poolFit({ name: 'p', gpu: GpuModel.L4, sharing: { mode: 'TIME_SLICING', replicas: 4 }, gpuCounts: [1], maxGpus: 2 });
      expect([sliced.resource, sliced.sharesPerGpu, sliced.nodeTypes[0].capacity]).toEqual(['nvidia.com/gpu', 4, 4]);
      const mig = poolFit({ name: 'p', gpu: GpuModel.H100, sharing: { mode: 'MIG', migProfile: '1g.10gb' } });
      expect([mig.resource, mig.nodeTypes[0].capacity]).toEqual(['nvidia.com/mig-1g.10gb', 56]);
      expect(poolFit({ name: 'p', gpu: GpuModel.INFERENTIA2 }).resource).toBe('aws.amazon.com/neuron');
    });

    it('sizes the default volume for twice the weights, at least 100 GiB (what the EC2NodeClass renders)', () => {
      expect([defaultPoolVolumeGiB(undefined), defaultPoolVolumeGiB(4), defaultPoolVolumeGiB(50)]).toEqual([100, 100, 160]);
    });
  });

  describe('Karpenter\'s and the rollouts\' figures', () => {
    it('allocatable ephemeral storage is the volume less 1 GiB kube-reserved and 10 % eviction', () => {
      expect(allocatableEphemeralBytes(100)).toBe(89 * GIB);
    });

    it('a server pod requests its weights plus 1 GiB, each sidecar 1 GiB', () => {
      expect([podEphemeralGiB(undefined, 0), podEphemeralGiB(10.5, 2)]).toEqual([4, 14]);
    });

    it.each([
      [RolloutSurge.ARGO_BASIC, 6, 2, 7],
      [RolloutSurge.ARGO_TRAFFIC_ROUTED, 6, 2, 12],
      [RolloutSurge.KSERVE_KNATIVE, 6, 2, 8],
      [RolloutSurge.KSERVE_STANDARD, 6, 2, 8],
      [RolloutSurge.KSERVE_STANDARD, 8, 2, 10],
    ])('%s of %i replicas (min %i) peaks at %i pods', (surge, replicas, min, peak) => {
      expect(peakRolloutPods(replicas, surge, min)).toBe(peak);
    });

    it('the surge follows the renderer, the router and the KServe mode', () => {
      expect([surgeOf(undefined, undefined, undefined), surgeOf('ARGO_ROLLOUT', 'NGINX', undefined), surgeOf('KSERVE', undefined, 'Serverless'), surgeOf('KSERVE', undefined, 'RawDeployment')])
        .toEqual([RolloutSurge.ARGO_BASIC, RolloutSurge.ARGO_TRAFFIC_ROUTED, RolloutSurge.KSERVE_KNATIVE, RolloutSurge.KSERVE_STANDARD]);
    });

    it('the least capacity for n pods packs them on the pool\'s nodes', () => {
      // 3-GPU pods on 4- and 8-GPU nodes: one per 4-GPU node, two per 8-GPU node.
      expect(minimumCapacities(3, [{ capacity: 4, perNode: 1 }, { capacity: 8, perNode: 2 }])).toEqual([0, 4, 8, 12]);
      expect(minimumCapacities(2, [{ capacity: 4, perNode: 0 }])).toEqual([0, Infinity, Infinity]);
    });
  });

  describe('refusals', () => {
    it('(a) more GPUs per replica than any instance type of the pool has', () => {
      const issues = gpuFitIssues(poolFit({ name: 'serve', gpu: GpuModel.A10G }), demand({ gpusPerReplica: 16 }));
      expect(issues).toEqual([{ path: ['gpusPerReplica'], message: expect.stringMatching(/^must be at most 8: no instance type of node pool "serve" has 16 nvidia.com\/gpu \(the largest, g5.48xlarge, has 8\)/) }]);
      // gpuCounts narrows the pool.
      expect(gpuFitIssues(poolFit({ name: 'serve', gpu: GpuModel.A10G, gpuCounts: [1] }), demand({ gpusPerReplica: 2 }))[0].message).toMatch(/^must be at most 1/);
    });

    it('(b) more GPUs per replica than the pool\'s limit lets Karpenter launch', () => {
      const issues = gpuFitIssues(poolFit({ name: 'serve', gpu: GpuModel.A10G, maxGpus: 2 }), demand({ gpusPerReplica: 4, replicas: 1 }));
      expect(issues[0].path).toEqual(['gpusPerReplica']);
      expect(issues[0].message).toMatch(/^must fit node pool "serve"'s GPU limit \(maxGpus 2: 2 nvidia.com\/gpu\): the smallest instance type with 4 nvidia.com\/gpu, g5.12xlarge, has 4 GPUs/);
      // A limit below the only node size: even one GPU per replica never gets a node.
      expect(gpuFitIssues(poolFit({ name: 'serve', gpu: GpuModel.H100, maxGpus: 4 }), demand())[0].path).toEqual(['gpusPerReplica']);
    });

    it('(c) more replicas than the pool\'s GPU limit holds, naming maxReplicas when autoscaling', () => {
      const pool = poolFit({ name: 'serve', gpu: GpuModel.A10G, maxGpus: 12 });
      expect(gpuFitIssues(pool, demand({ replicas: 2, maxReplicas: 11 }))).toEqual([]);
      const issues = gpuFitIssues(pool, demand({ replicas: 2, maxReplicas: 12 }));
      expect(issues).toEqual([{ path: ['maxReplicas'], message: expect.stringMatching(/12 replicas and the rollout's extra pods \(13 pods at once: the canary surges one pod\).*holds 12 pods/) }]);
      expect(gpuFitIssues(pool, demand({ replicas: 13 }))[0]).toMatchObject({ path: ['replicas'], message: expect.stringMatching(/: 13 replicas of 1 nvidia.com\/gpu need more, and it holds 12 pods/) });
    });

    it('(c) counts whole nodes: 3-GPU replicas on 4-GPU nodes use 4 of the limit each', () => {
      const pool = poolFit({ name: 'serve', gpu: GpuModel.A10G, gpuCounts: [4], maxGpus: 12 });
      expect(gpuFitIssues(pool, demand({ gpusPerReplica: 3, replicas: 2 }))).toEqual([]);
      expect(gpuFitIssues(pool, demand({ gpusPerReplica: 3, replicas: 3 }))[0].message).toMatch(/holds 3 pods/);
    });

    it('(c) a traffic router doubles the pods at promotion; time-sliced shares count in shares', () => {
      const pool = poolFit({ name: 'serve', gpu: GpuModel.A10G, maxGpus: 8 });
      expect(gpuFitIssues(pool, demand({ replicas: 4, surge: RolloutSurge.ARGO_TRAFFIC_ROUTED }))).toEqual([]);
      expect(gpuFitIssues(pool, demand({ replicas: 5, surge: RolloutSurge.ARGO_TRAFFIC_ROUTED }))[0].message).toMatch(/10 pods at once: with a traffic router/);
      const sliced = poolFit({ name: 'shared', gpu: GpuModel.L4, sharing: { mode: 'TIME_SLICING', replicas: 4 }, gpuCounts: [1], maxGpus: 2 });
      expect(gpuFitIssues(sliced, demand({ replicas: 7 }))).toEqual([]);
      expect(gpuFitIssues(sliced, demand({ replicas: 8 }))[0].message).toMatch(/maxGpus 2: 8 nvidia.com\/gpu of nodes\): 8 replicas and the rollout's extra pods/);
    });

    it('(d) weights larger than the node\'s allocatable ephemeral storage', () => {
      const pool = poolFit({ name: 'serve', gpu: GpuModel.A10G, rootVolumeGiB: 50 });
      // 50 GiB: 50 - 1 - 5 = 44 GiB allocatable; 43 GiB of weights + 1 fits, 44 does not.
      expect(gpuFitIssues(pool, demand({ modelSizeGiB: 43 }))).toEqual([]);
      const issues = gpuFitIssues(pool, demand({ modelSizeGiB: 44 }));
      expect(issues).toEqual([{ path: ['modelSizeGiB'], message: expect.stringMatching(/^must fit the 50 GiB volume of node pool "serve"'s nodes: a replica requests 45 GiB.*44 GiB allocatable/) }]);
    });

    it('(c, d) the disk limits pods per node too, so more nodes count against the limit', () => {
      // 8-GPU nodes with 100 GiB: 89 GiB allocatable holds two pods of 40 GiB weights, not eight.
      const pool = poolFit({ name: 'serve', gpu: GpuModel.A10G, gpuCounts: [8], maxGpus: 8 });
      expect(gpuFitIssues(pool, demand({ replicas: 1, modelSizeGiB: 40 }))).toEqual([]);
      expect(gpuFitIssues(pool, demand({ replicas: 2, modelSizeGiB: 40 }))[0].message).toMatch(/holds 2 pods/);
    });

    it('does not judge values the field rules refuse', () => {
      const pool = poolFit({ name: 'serve', gpu: GpuModel.A10G, maxGpus: 1 });
      expect(gpuFitIssues(pool, demand({ gpusPerReplica: 0 }))).toEqual([]);
      expect(gpuFitIssues(pool, demand({ replicas: Number.NaN }))).toEqual([]);
      expect(gpuFitIssues(pool, demand({ replicas: 1e9 }))).toEqual([]);
    });
  });
});
