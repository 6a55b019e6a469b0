import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { GpuNodePool, GpuNodePoolProps } from '../../lib/k8s/gpu-node-pool';
import { expectValidationError } from '../support/aws';

// Issue 14: a pool whose gpuCounts no instance type of its families has, or whose maxGpus is below
// its smallest node, rendered fine and never got a node.
const pool = (props: Partial<GpuNodePoolProps>) => new GpuNodePool(Testing.chart(), 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole', ...props });

describe('GpuNodePool sizes Karpenter can launch', () => {
  it.each<[string, Partial<GpuNodePoolProps>, string, string, RegExp]>([
    ['a GPU count no A10G instance has', { gpuCounts: [1, 3] }, 'gpuCounts[1]', '3', /^must be a GPU count of a A10G instance type of the pool's families \(1, 4, 8\): no instance has 3/],
    ['a GPU count outside the chosen families', { gpu: GpuModel.V100, instanceFamilies: ['p3dn'], gpuCounts: [1] }, 'gpuCounts[0]', '1', /\(8\)/],
    ['maxGpus below the smallest node', { gpu: GpuModel.H100, maxGpus: 4 }, 'maxGpus', '4', /^must be at least 8, the GPUs of the pool's smallest instance type/],
    ['maxGpus below the smallest allowed count', { gpuCounts: [4, 8], maxGpus: 2 }, 'maxGpus', '2', /^must be at least 4/],
  ])('refuses %s', (_what, props, property, received, allowed) => {
    const e = expectValidationError(() => pool(props));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ constructPath: 'test/Pool', property, received });
    expect(e.problems[0].allowed).toMatch(allowed);
  });

  it.each<[string, Partial<GpuNodePoolProps>]>([
    ['every count of its families', { gpuCounts: [1, 4, 8], maxGpus: 1 }],
    ['an H100 pool of one node', { gpu: GpuModel.H100, maxGpus: 8 }],
    ['Neuron chips', { gpu: GpuModel.INFERENTIA2, gpuCounts: [1, 6, 12], maxGpus: 1 }],
  ])('accepts %s', (_what, props) => {
    expect(() => pool(props)).not.toThrow();
  });
});
