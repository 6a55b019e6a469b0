/**
 * What a shared GPU node offers Kubernetes, and how Karpenter counts it: the facts behind the
 * `NodeOverlay`s and NodePool `limits` of a shared GPU pool, so that `maxGpus` means physical GPUs
 * on every sharing mode.
 *
 * How Karpenter counts (kubernetes-sigs/karpenter, pkg/, read at 226646810):
 * - before a node exists, `filterByRemainingResources` and `subtractMax`
 *   (controllers/provisioning/scheduling/scheduler.go) compare the NodePool `limits` with the
 *   instance type's `Capacity`; a matching NodeOverlay's `capacity` is merged into it with
 *   `lo.Assign` (`InstanceType.ApplyCapacityOverlay`, cloudprovider/types.go), so it *replaces* a
 *   resource the provider already declared (`nvidia.com/gpu`), only cpu, memory, ephemeral-storage
 *   and pods being refused (`validateCapacity`, apis/v1alpha1/nodeoverlay_validation.go);
 * - once a node is initialized, `StateNode.Capacity()` (controllers/state/statenode.go) is the
 *   kubelet's `Node.Status.Capacity`, summed per NodePool by `updateNodePoolResources`
 *   (controllers/state/cluster.go) and checked by `Limits.ExceededBy` (apis/v1/nodepool.go).
 * So a limit holds both before and after launch only on a resource whose instance-type capacity
 * (with the overlay) equals what the device plugin then advertises on the node. AWS declares
 * `nvidia.com/gpu` = the physical GPUs; a time-sliced node advertises GPUs × replicas of it, a MIG
 * node (`mixed` strategy, every GPU partitioned) none of it and `nvidia.com/mig-<profile>` =
 * GPUs × instances per GPU instead, which AWS does not declare at all (aws/karpenter-provider-aws#8710:
 * pods requesting it stay Pending when no node exists). NodeOverlays are alpha: Karpenter ignores
 * them unless started with the feature gate `NodeOverlay=true` (pkg/operator/options/options.go,
 * default false).
 */
import { GpuCatalog, GpuModel } from './gpu-catalog';

/**
 * MIG instances of one profile a GPU is partitioned into by the MIG manager's `all-<profile>`
 * configuration, the layout the `nvidia.com/mig.config=all-<profile>` node label selects:
 * NVIDIA/gpu-operator assets/state-mig-manager/0400_configmap.yaml (`default-mig-parted-config`,
 * read at 0b0b6b154bdd7ed54102f3efe0239108b0c4a433), which agrees with the maximum instance counts
 * of the NVIDIA MIG User Guide, "Supported MIG Profiles"
 * (https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html). `1g.10gb`
 * on the 40 GB A100 is 4 per GPU (its `device-filter` entry), 7 on the 80 GB GPUs.
 */
const MIG_INSTANCES_PER_GPU: Readonly<Partial<Record<GpuModel, Readonly<Record<string, number>>>>> = Object.freeze({
  [GpuModel.A100_40GB]: { '1g.5gb': 7, '1g.10gb': 4, '2g.10gb': 3, '3g.20gb': 2, '4g.20gb': 1, '7g.40gb': 1 },
  [GpuModel.A100_80GB]: { '1g.10gb': 7, '1g.20gb': 4, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  [GpuModel.H100]: { '1g.10gb': 7, '1g.20gb': 4, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  [GpuModel.H200]: { '1g.18gb': 7, '1g.35gb': 4, '2g.35gb': 3, '3g.71gb': 2, '4g.71gb': 1, '7g.141gb': 1 },
});

/**
 * @internal MIG instances of `profile` on one `model` GPU partitioned `all-<profile>`, or undefined
 * when the GPU has no such profile.
 */
export function migInstancesPerGpu(model: GpuModel, profile: string): number | undefined {
  const row = MIG_INSTANCES_PER_GPU[model];
  return row !== undefined && Object.hasOwn(row, profile) ? row[profile] : undefined;
}

/** @internal the sharing of a pool, as plain values */
export interface SharingFacts {
  readonly mode: 'EXCLUSIVE' | 'TIME_SLICING' | 'MIG';
  readonly replicas?: number;
  readonly migProfile?: string;
}

/** @internal one extended resource and its quantity */
export interface ResourceQuantity {
  readonly resource: string;
  readonly quantity: number;
}

/**
 * @internal the resource a pod of the pool requests, and how many of it one physical GPU gives:
 * `nvidia.com/gpu` × 1 (exclusive), × replicas (time-slicing), `nvidia.com/mig-<profile>` ×
 * instances per GPU (MIG).
 */
export function sharesPerGpu(model: GpuModel, sharing: SharingFacts): ResourceQuantity {
  switch (sharing.mode) {
    case 'TIME_SLICING':
      return { resource: 'nvidia.com/gpu', quantity: sharing.replicas ?? 1 };
    case 'MIG': {
      const profile = sharing.migProfile ?? '';
      const perGpu = migInstancesPerGpu(model, profile);
      if (perGpu === undefined) {
        throw new Error(`no MIG profile ${profile} on ${model}`);
      }
      return { resource: GpuCatalog.migResourceName(profile), quantity: perGpu };
    }
    default:
      return { resource: 'nvidia.com/gpu', quantity: 1 };
  }
}

/**
 * @internal the capacity a node of `gpuCount` GPUs advertises once the device plugin runs, for the
 * resources whose figure differs from what the AWS provider declares (so a NodeOverlay must say it):
 * none when exclusive; `nvidia.com/gpu` = GPUs × replicas when time-sliced; the MIG resource and
 * `nvidia.com/gpu` = 0 (every GPU is partitioned) with MIG.
 */
export function sharedNodeCapacity(model: GpuModel, sharing: SharingFacts, gpuCount: number): Record<string, number> {
  if (sharing.mode === 'EXCLUSIVE') {
    return {};
  }
  const share = sharesPerGpu(model, sharing);
  const capacity: Record<string, number> = { [share.resource]: gpuCount * share.quantity };
  if (sharing.mode === 'MIG') {
    capacity['nvidia.com/gpu'] = 0;
  }
  return capacity;
}

/**
 * @internal the GPU counts per instance of the catalog's instance types of `model` in `families`
 * (all its families by default), restricted to `gpuCounts` when given; ascending.
 */
export function poolGpuCounts(model: GpuModel, families?: string[], gpuCounts?: number[]): number[] {
  const allowed = families ?? GpuCatalog.spec(model).ec2Families;
  const counts = new Set<number>();
  for (const it of GpuCatalog.instanceTypes(model)) {
    const family = it.instanceType.split('.')[0];
    if (allowed.includes(family) && (gpuCounts === undefined || gpuCounts.includes(it.count))) {
      counts.add(it.count);
    }
  }
  return [...counts].sort((a, b) => a - b);
}
