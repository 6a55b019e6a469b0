/**
 * Whether a Kubernetes GPU endpoint can ever be scheduled on its Karpenter node pool: the rule both
 * the `k8s.GpuServingEndpoint` schema and the platform spec (`MlPlatformChart`) apply, on plain facts
 * (no cdk8s). A setup that fails it renders fine and leaves its pods Pending forever.
 *
 * What Karpenter and the scheduler do, which this follows:
 * - A pod fits a node when its extended resource request (`nvidia.com/gpu`, `nvidia.com/mig-<profile>`,
 *   `aws.amazon.com/neuron`) and its `ephemeral-storage` request fit the node's allocatable.
 * - A NodePool's `limits` are compared with the capacity of the nodes it has and would launch, not
 *   with the pods' requests: Karpenter launches no instance type whose capacity exceeds what remains
 *   of the limit (`filterByRemainingResources`, kubernetes-sigs/karpenter
 *   pkg/controllers/provisioning/scheduling/scheduler.go; see gpu-sharing-capacity.ts). So a limit
 *   holds `n` replicas only when some set of the pool's nodes, whose capacities sum to at most the
 *   limit, has room for `n` pods (`minimumCapacities`).
 * - A node's ephemeral storage is its EC2NodeClass volume (`/dev/xvda` on AL2023, `/dev/xvdb` on
 *   Bottlerocket: the AMI family's `EphemeralBlockDevice`); allocatable is that minus kube-reserved
 *   1Gi and the hard eviction threshold, 10 % of it (aws/karpenter-provider-aws v1.14.1,
 *   pkg/providers/instancetype/types.go `ephemeralStorage`, `kubeReservedResources`,
 *   `evictionThreshold`).
 * - A rollout runs more pods than the replicas for a while: Argo Rollouts' basic canary (no traffic
 *   router) one more (`maxSurge: 1`, as the endpoint renders it); with a traffic router the stable
 *   ReplicaSet stays at 100 % while the canary grows to 100 % at promotion, so twice the replicas
 *   (`CalculateReplicaCountsForTrafficRoutedCanary`, argo-rollouts v1.10.1
 *   utils/replicaset/canary.go: without dynamicStableScale "stable should be left fully scaled");
 *   KServe in Knative mode starts the new revision at its min-scale (the replicas) beside the old
 *   one; KServe's Standard mode is a Deployment with `maxSurge: 25%` (kserve
 *   pkg/controller/v1beta1/inferenceservice/reconcilers/deployment/deployment_reconciler.go
 *   `setDefaultDeploymentSpec`), rounded up by the Deployment controller.
 *
 * Not checked (cannot be, at synth): other workloads on the same pool using part of its limit; GPU
 * memory (the weights' size against a GPU's memory depends on the server's precision and
 * batching); the images' share of the node's volume (kubelet capacity does not subtract it).
 */
import { GpuCatalog, GpuModel } from './gpu-catalog';
import { SharingFacts, poolGpuCounts, sharesPerGpu } from './gpu-sharing-capacity';
import { KSERVE_KNATIVE_MODES } from './knative';

/** @internal weights assumed when an endpoint does not give `modelSizeGiB`, GiB (probes, progress deadline, disk) */
export const DEFAULT_MODEL_SIZE_GIB = 3;
/** @internal kube-reserved ephemeral storage Karpenter assumes on a node, GiB (karpenter-provider-aws `kubeReservedResources`) */
export const KUBE_RESERVED_EPHEMERAL_GIB = 1;
/** @internal the kubelet's default hard eviction threshold `nodefs.available<10%`, percent of the volume */
export const NODEFS_EVICTION_PERCENT = 10;
/** @internal ephemeral storage a model server container requests beside its weights, and each sidecar requests, GiB (ephemeral-storage.ts) */
export const CONTAINER_EPHEMERAL_GIB = 1;

const GIB = 1024 ** 3;

/**
 * @internal the volume a GPU pool's nodes get when `rootVolumeGiB` is not set: room for the OS,
 * images and twice the weights (one download, one unpacked copy), at least 100 GiB
 */
export function defaultPoolVolumeGiB(modelWeightsGiB: number | undefined): number {
  return Math.max(100, Math.ceil(60 + 2 * (modelWeightsGiB ?? 0)));
}

/** @internal one kind of node a pool can launch, in the units of the resource its pods request */
export interface PoolNodeType {
  /** EC2 instance type, e.g. `g5.12xlarge`. */
  readonly instanceType: string;
  /** Physical GPUs (or Neuron chips). */
  readonly gpus: number;
  /** What the node advertises of the pool's resource: GPUs × shares per GPU. */
  readonly capacity: number;
}

/** @internal what a pool offers, as plain facts */
export interface GpuPoolFit {
  readonly name: string;
  readonly gpu: GpuModel;
  /** The extended resource a pod requests on it. */
  readonly resource: string;
  /** Shares of `resource` per physical GPU (1 unless time-sliced or MIG-partitioned). */
  readonly sharesPerGpu: number;
  readonly nodeTypes: ReadonlyArray<PoolNodeType>;
  /** Physical GPUs of the NodePool limit (`maxGpus`), or undefined for none. */
  readonly maxGpus?: number;
  /** Size of the node's ephemeral volume, GiB. */
  readonly volumeGiB: number;
}

/** @internal the pool's props (or spec) that decide its fit */
export interface PoolFitInput {
  readonly name: string;
  readonly gpu: GpuModel;
  readonly instanceFamilies?: string[];
  readonly gpuCounts?: number[];
  readonly sharing?: SharingFacts;
  readonly maxGpus?: number;
  readonly rootVolumeGiB?: number;
  readonly modelWeightsGiB?: number;
}

/** @internal what a pool built from these props offers */
export function poolFit(p: PoolFitInput): GpuPoolFit {
  const nvidia = GpuCatalog.spec(p.gpu).manufacturer === 'nvidia';
  const share = nvidia ? sharesPerGpu(p.gpu, p.sharing ?? { mode: 'EXCLUSIVE' }) : { resource: 'aws.amazon.com/neuron', quantity: 1 };
  const counts = poolGpuCounts(p.gpu, p.instanceFamilies, p.gpuCounts);
  const families = p.instanceFamilies ?? GpuCatalog.spec(p.gpu).ec2Families;
  const nodeTypes = GpuCatalog.instanceTypes(p.gpu)
    .filter((it) => families.includes(it.instanceType.split('.')[0]) && counts.includes(it.count))
    .map((it) => ({ instanceType: it.instanceType, gpus: it.count, capacity: it.count * share.quantity }));
  return {
    name: p.name,
    gpu: p.gpu,
    resource: share.resource,
    sharesPerGpu: share.quantity,
    nodeTypes,
    maxGpus: p.maxGpus,
    volumeGiB: p.rootVolumeGiB ?? defaultPoolVolumeGiB(p.modelWeightsGiB),
  };
}

/** @internal how an endpoint is rendered, as far as its peak pod count goes */
export enum RolloutSurge {
  /** Argo Rollouts' basic canary: `maxSurge: 1`. */
  ARGO_BASIC = 'ARGO_BASIC',
  /** Argo Rollouts with a traffic router: the canary grows to 100 % beside the stable. */
  ARGO_TRAFFIC_ROUTED = 'ARGO_TRAFFIC_ROUTED',
  /** KServe in Knative mode: the new revision's min-scale beside the old revision. */
  KSERVE_KNATIVE = 'KSERVE_KNATIVE',
  /** KServe in Standard mode: a Deployment rolling update with `maxSurge: 25%`. */
  KSERVE_STANDARD = 'KSERVE_STANDARD',
}

/** @internal the surge of an endpoint rendered so (the props' values, defaults applied here) */
export function surgeOf(renderer: string | undefined, trafficRouter: string | undefined, kserveDeploymentMode: string | undefined): RolloutSurge {
  if ((renderer ?? 'ARGO_ROLLOUT') === 'KSERVE') {
    return KSERVE_KNATIVE_MODES.includes(kserveDeploymentMode ?? 'Knative') ? RolloutSurge.KSERVE_KNATIVE : RolloutSurge.KSERVE_STANDARD;
  }
  return (trafficRouter ?? 'NONE') === 'NONE' ? RolloutSurge.ARGO_BASIC : RolloutSurge.ARGO_TRAFFIC_ROUTED;
}

/** @internal what an endpoint asks of its pool, and the names of the props that say it */
export interface ServingDemand {
  /** Units of the pool's resource per pod (`gpusPerReplica`). */
  readonly gpusPerReplica: number;
  readonly replicas: number;
  /** Most replicas (autoscaling), or undefined. */
  readonly maxReplicas?: number;
  readonly surge: RolloutSurge;
  /** Model weights, GiB, or undefined for the default. */
  readonly modelSizeGiB?: number;
  /** Containers beside the model server (each requests its own ephemeral storage). */
  readonly sidecars: number;
  /** The props (or spec keys) to name: the path of each. */
  readonly keys: {
    readonly gpusPerReplica: Array<string | number>;
    readonly replicas: Array<string | number>;
    readonly maxReplicas: Array<string | number>;
    readonly modelSizeGiB: Array<string | number>;
  };
}

/** @internal a problem of the fit, on the path of the prop that must change */
export interface FitIssue {
  readonly path: Array<string | number>;
  readonly message: string;
}

/** @internal the most pods one rollout of an endpoint of `replicas` runs at once */
export function peakRolloutPods(replicas: number, surge: RolloutSurge, minReplicas: number): number {
  switch (surge) {
    case RolloutSurge.ARGO_TRAFFIC_ROUTED:
      return 2 * replicas;
    case RolloutSurge.KSERVE_KNATIVE:
      return replicas + minReplicas;
    case RolloutSurge.KSERVE_STANDARD:
      return replicas + Math.ceil(replicas / 4);
    default:
      return replicas + 1;
  }
}

/** @internal allocatable ephemeral storage of a node with a `volumeGiB` volume, bytes (Karpenter's figure) */
export function allocatableEphemeralBytes(volumeGiB: number): number {
  const capacity = volumeGiB * GIB;
  return capacity - KUBE_RESERVED_EPHEMERAL_GIB * GIB - Math.ceil((capacity * NODEFS_EVICTION_PERCENT) / 100);
}

/** @internal the ephemeral storage one server pod requests, GiB (its weights and headroom, plus each sidecar's) */
export function podEphemeralGiB(modelSizeGiB: number | undefined, sidecars: number): number {
  return Math.ceil(modelSizeGiB ?? DEFAULT_MODEL_SIZE_GIB) + CONTAINER_EPHEMERAL_GIB + sidecars * CONTAINER_EPHEMERAL_GIB;
}

/**
 * @internal the least total capacity (in the pool's resource) of nodes that hold `n` pods, for every
 * `n` up to `pods`, each node type holding `perNode` of them; Infinity where no node holds one.
 * Non-decreasing in `n`.
 */
export function minimumCapacities(pods: number, types: ReadonlyArray<{ capacity: number; perNode: number }>): number[] {
  const usable = types.filter((t) => t.perNode > 0);
  const best = new Array<number>(pods + 1).fill(Infinity);
  best[0] = 0;
  for (let n = 1; n <= pods; n++) {
    for (const t of usable) {
      best[n] = Math.min(best[n], t.capacity + best[Math.max(0, n - t.perNode)]);
    }
  }
  return best;
}

const wholeIn = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;

/** @internal why the endpoint's pods would never (all) be scheduled on the pool; empty when they fit */
export function gpuFitIssues(pool: GpuPoolFit, d: ServingDemand): FitIssue[] {
  const g = d.gpusPerReplica;
  // Values the field rules refuse are not judged again here.
  if (!wholeIn(g, 16) || !wholeIn(d.replicas, 1000) || (d.maxReplicas !== undefined && !wholeIn(d.maxReplicas, 1000))
    || (d.modelSizeGiB !== undefined && !(d.modelSizeGiB > 0 && d.modelSizeGiB <= 4096))) {
    return [];
  }
  const unit = pool.sharesPerGpu === 1 ? pool.resource : `${pool.resource} (${pool.sharesPerGpu} per GPU)`;
  const limit = pool.maxGpus === undefined ? undefined : pool.maxGpus * pool.sharesPerGpu;
  const biggest = [...pool.nodeTypes].sort((a, b) => b.capacity - a.capacity)[0];
  if (biggest === undefined) {
    return [];
  }
  if (biggest.capacity < g) {
    return [{
      path: d.keys.gpusPerReplica,
      message: `must be at most ${biggest.capacity}: no instance type of node pool "${pool.name}" has ${g} ${unit} (the largest, ${biggest.instanceType}, has ${biggest.capacity}), so the pods would never be scheduled`,
    }];
  }
  const inLimit = pool.nodeTypes.filter((t) => t.capacity >= g && (limit === undefined || t.capacity <= limit));
  if (inLimit.length === 0) {
    const smallest = pool.nodeTypes.filter((t) => t.capacity >= g).sort((a, b) => a.capacity - b.capacity)[0];
    return [{
      path: d.keys.gpusPerReplica,
      message: `must fit node pool "${pool.name}"'s GPU limit (maxGpus ${pool.maxGpus}: ${limit} ${pool.resource}): the smallest instance type with ${g} ${unit}, ${smallest.instanceType}, has ${smallest.gpus} GPUs, more than Karpenter may launch, so the pods would never be scheduled`,
    }];
  }
  const allocatable = allocatableEphemeralBytes(pool.volumeGiB);
  const disk = podEphemeralGiB(d.modelSizeGiB, d.sidecars);
  const perNodeByDisk = Math.floor(allocatable / (disk * GIB));
  if (perNodeByDisk === 0) {
    return [{
      path: d.keys.modelSizeGiB,
      message: `must fit the ${pool.volumeGiB} GiB volume of node pool "${pool.name}"'s nodes: a replica requests ${disk} GiB of ephemeral storage `
        + `(the weights${d.modelSizeGiB === undefined ? `, ${DEFAULT_MODEL_SIZE_GIB} GiB when modelSizeGiB is not set,` : ''} plus ${disk - Math.ceil(d.modelSizeGiB ?? DEFAULT_MODEL_SIZE_GIB)} GiB for logs) and a node has `
        + `${Math.floor((allocatable / GIB) * 10) / 10} GiB allocatable (the volume less 1 GiB kube-reserved and the 10 % eviction threshold); give the pool a larger rootVolumeGiB (or modelWeightsGiB)`,
    }];
  }
  if (limit === undefined) {
    return [];
  }
  const types = inLimit.map((t) => ({ capacity: t.capacity, perNode: Math.min(Math.floor(t.capacity / g), perNodeByDisk) }));
  const steady = Math.max(d.replicas, d.maxReplicas ?? d.replicas);
  const peak = peakRolloutPods(steady, d.surge, d.replicas);
  const best = minimumCapacities(peak, types);
  if (best[peak] <= limit) {
    return [];
  }
  const holds = best.filter((c) => c <= limit).length - 1;
  const key = d.maxReplicas !== undefined && d.maxReplicas > d.replicas ? d.keys.maxReplicas : d.keys.replicas;
  const what = steady > holds ? `${steady} replicas` : `${steady} replicas and the rollout's extra pods (${peak} pods at once: ${surgeWords(d.surge)})`;
  return [{
    path: key,
    message: `must leave the pods within node pool "${pool.name}"'s GPU limit (maxGpus ${pool.maxGpus}: ${limit} ${pool.resource} of nodes): ${what} of ${g} ${unit} `
      + `need more, and it holds ${holds} pods of this endpoint, so the others would never be scheduled; lower it or raise the pool's maxGpus`,
  }];
}

function surgeWords(surge: RolloutSurge): string {
  switch (surge) {
    case RolloutSurge.ARGO_TRAFFIC_ROUTED:
      return 'with a traffic router Argo Rollouts runs the canary at full size beside the stable before promoting';
    case RolloutSurge.KSERVE_KNATIVE:
      return 'KServe in Knative mode starts the new revision at min-scale beside the old one';
    case RolloutSurge.KSERVE_STANDARD:
      return 'KServe in Standard mode surges 25 %';
    default:
      return 'the canary surges one pod';
  }
}
