import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { RolloutPolicy } from '../../lib/core/rollout';
import { GpuNodePool, GpuNodePoolProps } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, KServeDeploymentMode, ServingRenderer, TrafficRouter } from '../../lib/k8s/gpu-serving-endpoint';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { expectValidationError } from '../support/aws';

// Issue 14, "Kubernetes setups that never schedule": an endpoint whose replicas no node of its pool
// can hold (GPUs per replica, the pool's GPU limit, the node volume against the weights) rendered
// fine and stayed Pending. The endpoint now refuses it, naming its path and its prop.

const IMAGE = `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`;
const RESOURCES = { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' };
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };

function endpoint(pool: Partial<GpuNodePoolProps>, props: Partial<GpuServingEndpointProps> = {}): { chart: Chart; ep: () => GpuServingEndpoint } {
  const chart = new Chart(new App(), 'serving');
  const nodePool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole', ...pool });
  return {
    chart,
    ep: () => new GpuServingEndpoint(chart, 'Fraud', { image: IMAGE, nodePool, resources: RESOURCES, alarmOwnership: OWNERSHIP, ...props }),
  };
}

function refused(pool: Partial<GpuNodePoolProps>, props: Partial<GpuServingEndpointProps>) {
  const e = expectValidationError(endpoint(pool, props).ep);
  expect(e.problems).toHaveLength(1);
  expect(e.problems[0].constructPath).toBe('serving/Fraud');
  return e.problems[0];
}

describe('GpuServingEndpoint fits its GpuNodePool (Kubernetes)', () => {
  it.each<[string, Partial<GpuNodePoolProps>, Partial<GpuServingEndpointProps>, string, string, RegExp]>([
    ['(a) more GPUs per replica than any A10G instance', {}, { gpusPerReplica: 16 }, 'gpusPerReplica', '16', /^must be at most 8: no instance type of node pool "gpu-a10g" has 16 nvidia.com\/gpu/],
    ['(a) more GPUs than the pool\'s gpuCounts allow', { gpuCounts: [1] }, { gpusPerReplica: 4, replicas: 1 }, 'gpusPerReplica', '4', /^must be at most 1/],
    ['(a) more Neuron chips than an inf2 has', { gpu: GpuModel.INFERENTIA2 }, { gpusPerReplica: 16 }, 'gpusPerReplica', '16', /^must be at most 12: .*aws.amazon.com\/neuron/],
    ['(b) a replica bigger than the pool\'s GPU limit', { maxGpus: 2 }, { gpusPerReplica: 4, replicas: 1 }, 'gpusPerReplica', '4', /GPU limit \(maxGpus 2/],
    ['(b) a replica only a node beyond the limit holds', { maxGpus: 6 }, { gpusPerReplica: 8, replicas: 1 }, 'gpusPerReplica', '8', /g5.48xlarge, has 8 GPUs, more than Karpenter may launch/],
    ['(c) more replicas than the limit', { maxGpus: 4 }, { replicas: 5 }, 'replicas', '5', /5 replicas of 1 nvidia.com\/gpu need more, and it holds 4 pods/],
    ['(c) an autoscaling maximum beyond the limit', { maxGpus: 12 }, { replicas: 2, maxReplicas: 20, targetRequestsPerSecond: 10 }, 'maxReplicas', '20', /20 replicas .* holds 12 pods/],
    ['(c) the canary\'s surge pod beyond the limit', { maxGpus: 4 }, { replicas: 4 }, 'replicas', '4', /5 pods at once: the canary surges one pod/],
    ['(c) a traffic router doubling the pods at promotion', { maxGpus: 6 }, { replicas: 4, trafficRouter: TrafficRouter.NGINX }, 'replicas', '4', /8 pods at once: with a traffic router/],
    ['(c) KServe Standard surging 25 %', { maxGpus: 8 }, { replicas: 8, renderer: ServingRenderer.KSERVE, kserveDeploymentMode: KServeDeploymentMode.STANDARD, rollout: RolloutPolicy.allAtOnce() }, 'replicas', '8', /10 pods at once: KServe in Standard mode/],
    ['(c) time-sliced shares', { gpu: GpuModel.L4, sharing: GpuSharing.timeSlicing(4), gpuCounts: [1], maxGpus: 1 }, { replicas: 4, targetRequestsPerSecond: undefined }, 'replicas', '4', /4 nvidia.com\/gpu \(4 per GPU\)|holds 4 pods/],
    ['(d) weights larger than the node volume', { rootVolumeGiB: 50 }, { modelSizeGiB: 60 }, 'modelSizeGiB', '60', /^must fit the 50 GiB volume of node pool "gpu-a10g"'s nodes: a replica requests 61 GiB/],
    ['(d) the default volume against big weights', {}, { modelSizeGiB: 100 }, 'modelSizeGiB', '100', /100 GiB volume/],
  ])('refuses %s', (_what, pool, props, property, received, allowed) => {
    const problem = refused(pool, props);
    expect(problem.property).toBe(property);
    expect(problem.received).toBe(received);
    expect(problem.allowed).toMatch(allowed);
  });

  it.each<[string, Partial<GpuNodePoolProps>, Partial<GpuServingEndpointProps>]>([
    ['the default pool and endpoint', {}, {}],
    ['8 GPUs per replica on g5.48xlarge', {}, { gpusPerReplica: 8 }],
    ['replicas and the surge pod exactly at the limit', { maxGpus: 5 }, { replicas: 4 }],
    ['KServe Knative: the new revision beside the old', { maxGpus: 4 }, { replicas: 2, renderer: ServingRenderer.KSERVE }],
    ['weights sized by the pool', { modelWeightsGiB: 80 }, { modelSizeGiB: 80 }],
    ['MIG instances: 21 pods (and the surge) on one p4d node, whose disk holds 22 of them', { gpu: GpuModel.A100_40GB, sharing: GpuSharing.mig('1g.5gb'), maxGpus: 8 }, { replicas: 21 }],
  ])('accepts %s', (_what, pool, props) => {
    const { chart, ep } = endpoint(pool, props);
    ep();
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  it('counts the pods a node\'s disk holds: 40 MIG pods of 4 GiB need two p4d nodes, beyond maxGpus 8', () => {
    const problem = refused({ gpu: GpuModel.A100_40GB, sharing: GpuSharing.mig('1g.5gb'), maxGpus: 8 }, { replicas: 40 });
    expect(problem.allowed).toMatch(/56 nvidia.com\/mig-1g.5gb of nodes\): 40 replicas .* holds 22 pods/);
  });

  it('judges again at synthesis, on the pool as it is then (the same schema)', () => {
    const { chart, ep } = endpoint({ maxGpus: 4 }, { replicas: 2 });
    const e = ep();
    // A replica count changed after construction (as an escape hatch would) is caught at synth.
    (e as any).props = { ...(e as any).props, replicas: 8 };
    expect(() => Testing.synth(chart)).toThrow(/serving\/Fraud: replicas must leave the pods within node pool "gpu-a10g"'s GPU limit/);
  });
});
