import { ApiObject, Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { warningsOf } from '../../lib/core/warnings';
import { CapacityType, GpuAmiFamily, GpuNodePool, GpuNodePoolProps } from '../../lib/k8s/gpu-node-pool';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const BASE: GpuNodePoolProps = { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'KarpenterNodeRole-ml' };

function render(props: Partial<GpuNodePoolProps> = {}) {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { ...BASE, ...props });
  return { pool, objects: synthValid(chart) };
}

describe('GpuNodePool', () => {
  describe('default', () => {
    const { pool, objects } = render();
    const nodePool = one(objects, 'NodePool');
    const nodeClass = one(objects, 'EC2NodeClass');

    it('selects the catalog families and GPU name of the model, on demand', () => {
      expect(nodePool.metadata.name).toBe('gpu-a10g');
      expect(nodePool.spec.template.spec.requirements).toEqual([
        { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g5'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
        { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
        { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
        { key: 'karpenter.k8s.aws/instance-gpu-name', operator: 'In', values: ['a10g'] },
      ]);
    });

    it('taints nodes nvidia.com/gpu:NoSchedule and labels them with the pool and device plugin config', () => {
      expect(nodePool.spec.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }]);
      expect(nodePool.spec.template.metadata.labels).toEqual({ 'cdk-mlops.io/gpu-pool': 'gpu-a10g', 'nvidia.com/device-plugin.config': 'gpu-a10g' });
      expect(pool.resourceName).toBe('nvidia.com/gpu');
    });

    it('only consolidates empty nodes, within a 10% budget, and expires nodes after 30 days', () => {
      expect(nodePool.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m', budgets: [{ nodes: '10%' }] });
      expect(nodePool.spec.template.spec.expireAfter).toBe('720h');
      expect(nodePool.spec.limits).toBeUndefined();
    });

    it('uses AL2023 with encrypted gp3 root volumes, IMDSv2 and discovery by cluster tag', () => {
      expect(nodeClass.spec).toMatchObject({
        role: 'KarpenterNodeRole-ml',
        // Pinned (13.13): Karpenter advises against @latest in production.
        amiSelectorTerms: [{ alias: 'al2023@v20260818' }],
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'ml' } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'ml' } }],
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '100Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }],
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      });
      expect(nodePool.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu-a10g' });
    });

    it('configures the device plugin for exclusive GPUs', () => {
      const cm = one(objects, 'ConfigMap');
      // Where the GPU operator reads devicePlugin.config.name (13.13), not kube-system.
      expect(cm.metadata).toMatchObject({ name: 'nvidia-device-plugin-config', namespace: 'gpu-operator' });
      expect(YAML.parse(cm.data['gpu-a10g'])).toEqual({ version: 'v1', flags: { migStrategy: 'none' } });
      expect(warningsOf(pool)).toEqual([]);
    });
  });

  describe('configured', () => {
    it('time-slicing: N replicas per GPU, refusing multi-share requests, with a warning', () => {
      const { pool, objects } = render({ sharing: GpuSharing.timeSlicing(4) });
      const cm = one(objects, 'ConfigMap');
      expect(YAML.parse(cm.data['gpu-a10g'])).toEqual({
        version: 'v1',
        flags: { migStrategy: 'none' },
        sharing: { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: 'nvidia.com/gpu', replicas: 4 }] } },
      });
      expect(warningsOf(pool)).toEqual([{ constructPath: 'test/Pool', id: 'cdk-mlops:gpu-node-pool:time-slicing', message: expect.stringContaining('no memory or fault isolation') }]);
      expect(cm.metadata.annotations['cdk-mlops.io/warning-gpu-a10g']).toContain('no memory or fault isolation');
      expect(pool.resourceName).toBe('nvidia.com/gpu');
    });

    it('MIG: mixed strategy, mig.config node label, MIG resource name', () => {
      const { pool, objects } = render({ gpu: GpuModel.A100_80GB, sharing: GpuSharing.mig('1g.10gb') });
      expect(one(objects, 'NodePool').spec.template.metadata.labels['nvidia.com/mig.config']).toBe('all-1g.10gb');
      expect(YAML.parse(one(objects, 'ConfigMap').data['gpu-a100-80gb']).flags).toEqual({ migStrategy: 'mixed' });
      expect(pool.resourceName).toBe('nvidia.com/mig-1g.10gb');
      expect(one(objects, 'NodePool').spec.template.spec.requirements[0].values).toEqual(['p4de']);
    });

    it('limits, capacity types, GPU counts, Bottlerocket, volume sized for weights', () => {
      const { objects } = render({
        maxGpus: 8,
        maxCpu: 192,
        maxMemoryGiB: 768,
        capacityTypes: [CapacityType.SPOT],
        gpuCounts: [1, 4],
        amiFamily: GpuAmiFamily.BOTTLEROCKET,
        amiVersion: '1.43.0',
        modelWeightsGiB: 70,
        consolidateAfter: Duration.minutes(30),
        expireAfter: Duration.days(7),
        disruptionBudgetPercent: 0,
      });
      const np = one(objects, 'NodePool');
      expect(np.spec.limits).toEqual({ 'nvidia.com/gpu': '8', 'cpu': '192', 'memory': '768Gi' });
      expect(np.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] });
      expect(np.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'In', values: ['1', '4'] });
      expect(np.spec.disruption).toMatchObject({ consolidateAfter: '30m', budgets: [{ nodes: '0%' }] });
      expect(np.spec.template.spec.expireAfter).toBe('168h');
      const nc = one(objects, 'EC2NodeClass');
      expect(nc.spec.amiSelectorTerms).toEqual([{ alias: 'bottlerocket@1.43.0' }]);
      expect(nc.spec.blockDeviceMappings[0]).toMatchObject({ deviceName: '/dev/xvdb', ebs: { volumeSize: '200Gi' } });
    });

    it('puts every pool of a chart in the one ConfigMap the device plugin reads, a key per pool', () => {
      const chart = Testing.chart();
      new GpuNodePool(chart, 'A', { ...BASE, sharing: GpuSharing.timeSlicing(2) });
      new GpuNodePool(chart, 'B', { ...BASE, gpu: GpuModel.H100, sharing: GpuSharing.mig('1g.10gb') });
      const cm = one(synthValid(chart), 'ConfigMap');
      expect(Object.keys(cm.data).sort()).toEqual(['gpu-a10g', 'gpu-h100']);
      expect(YAML.parse(cm.data['gpu-h100']).flags.migStrategy).toBe('mixed');
    });

    it('amiVersion latest is followed only when asked, with a warning; Bottlerocket must pin', () => {
      const { pool, objects } = render({ amiVersion: 'latest' });
      expect(one(objects, 'EC2NodeClass').spec.amiSelectorTerms).toEqual([{ alias: 'al2023@latest' }]);
      expect(warningsOf(pool).map((w) => w.id)).toEqual(['cdk-mlops:gpu-node-pool:ami-latest']);
      const e = expectValidationError(() => render({ amiFamily: GpuAmiFamily.BOTTLEROCKET }));
      expect(e.problems.find((x) => x.property === 'amiVersion')?.allowed).toContain('must be set with BOTTLEROCKET');
    });

    it('durations render in the largest whole unit Karpenter reads', () => {
      const np = one(render({ consolidateAfter: Duration.seconds(90), expireAfter: Duration.minutes(90) }).objects, 'NodePool');
      expect(np.spec.disruption.consolidateAfter).toBe('90s');
      expect(np.spec.template.spec.expireAfter).toBe('90m');
    });

    it('exposes the NodePool as defaultChild and the EC2NodeClass and device plugin ConfigMap as typed properties', () => {
      const { pool } = render();
      expect(pool.defaultChild).toBeInstanceOf(ApiObject);
      expect(pool.defaultChild.kind).toBe('NodePool');
      expect(pool.node.defaultChild).toBe(pool.defaultChild);
      expect(pool.nodeClass.kind).toBe('EC2NodeClass');
      expect(pool.devicePluginConfig?.name).toBe('nvidia-device-plugin-config');
      expect(render({ gpu: GpuModel.INFERENTIA2 }).pool.devicePluginConfig).toBeUndefined();
    });

    it('Inferentia2: neuron taint and resource, no NVIDIA device plugin config', () => {
      const { pool, objects } = render({ gpu: GpuModel.INFERENTIA2 });
      expect(one(objects, 'NodePool').spec.template.spec.taints).toEqual([{ key: 'aws.amazon.com/neuron', effect: 'NoSchedule' }]);
      expect(objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
      expect(pool.resourceName).toBe('aws.amazon.com/neuron');
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<GpuNodePoolProps>, string, string]>([
      ['MIG on a T4', { gpu: GpuModel.T4, sharing: GpuSharing.mig('1g.5gb') }, 'sharing.migProfile', 'T4 does not support MIG'],
      ['a MIG profile the GPU lacks', { gpu: GpuModel.A100_40GB, sharing: GpuSharing.mig('1g.20gb') }, 'sharing.migProfile', 'must be a MIG profile of A100_40GB'],
      ['time-slicing with 1 replica', { sharing: GpuSharing.timeSlicing(1) }, 'sharing.replicas', 'must be at least 2'],
      ['a family without that GPU', { instanceFamilies: ['g6'] }, 'instanceFamilies[0]', 'must be a family with A10G GPUs: g5'],
      ['a role ARN instead of a name', { nodeRole: 'arn:aws:iam::123456789012:role/x' }, 'nodeRole', 'must be an IAM role name'],
      ['a floating AMI version', { amiVersion: 'stable' }, 'amiVersion', 'must be "latest"'],
      ['sharing on Bottlerocket', { amiFamily: GpuAmiFamily.BOTTLEROCKET, sharing: GpuSharing.timeSlicing(2) }, 'sharing', 'must be exclusive with BOTTLEROCKET'],
      ['consolidation after more than 7 days', { consolidateAfter: Duration.days(8) }, 'consolidateAfter', 'must be at most 7 days'],
      ['expiry under an hour', { expireAfter: Duration.minutes(30) }, 'expireAfter', 'must be at least 1 hour'],
      ['sharing an Inferentia chip', { gpu: GpuModel.INFERENTIA2, sharing: GpuSharing.timeSlicing(2) }, 'sharing', 'must be exclusive on INFERENTIA2'],
    ])('%s', (_w, props, property, allowed) => {
      const e = expectValidationError(() => new GpuNodePool(Testing.chart(), 'Pool', { ...BASE, ...props }));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.allowed).toContain(allowed);
    });
  });
});
