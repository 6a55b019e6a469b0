import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { Warnings } from '../../lib/k8s/warnings';

describe('Warnings', () => {
  const pool = (sharing?: GpuSharing) => {
    const chart = new Chart(Testing.app(), 'chart');
    new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'KarpenterNodeRole-ml', sharing });
    return chart;
  };

  it('lists the warnings of a chart, with the construct and the id to name them by', () => {
    expect(Warnings.of(pool(GpuSharing.timeSlicing(4)))).toEqual([{
      constructPath: 'chart/Pool',
      id: 'cdk-mlops:gpu-node-pool:time-slicing',
      message: expect.stringContaining('no memory or fault isolation'),
    }]);
  });

  it('lists none when there is nothing to warn about', () => {
    expect(Warnings.of(pool())).toEqual([]);
  });
});
