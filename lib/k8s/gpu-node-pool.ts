import { ApiObject, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GpuSharing, GpuSharingMode } from './gpu-sharing';
import { GpuCatalog, GpuModel } from '../core/gpu-catalog';
import { GpuPoolFit, defaultPoolVolumeGiB, poolFit } from '../core/gpu-fit';
import { poolGpuCounts, SharingFacts, sharedNodeCapacity, sharesPerGpu } from '../core/gpu-sharing-capacity';
import { standardLabels } from './private/labels';
import { validateProps } from './private/validate';
import {
  DEFAULT_AL2023_AMI_VERSION,
  DEFAULT_CONSOLIDATE_AFTER_MINUTES,
  DEFAULT_DEVICE_PLUGIN_NAMESPACE,
  DEFAULT_EXPIRE_AFTER_HOURS,
  gpuNodePoolSchema,
} from '../core/schemas/k8s-gpu';
import { addWarning } from '../core/warnings';

/** Node label every GPU pool's nodes carry; workloads are attracted to a pool by it. */
export const GPU_POOL_LABEL = 'cdk-mlops.io/gpu-pool';
/** Node label that selects the NVIDIA device plugin configuration of a node. */
export const DEVICE_PLUGIN_CONFIG_LABEL = 'nvidia.com/device-plugin.config';
/** Name of the ConfigMap holding every pool's NVIDIA device plugin configuration (one key per pool). */
export const DEVICE_PLUGIN_CONFIG_MAP = 'nvidia-device-plugin-config';
/** Node label read by the NVIDIA MIG manager to partition the node's GPUs. */
export const MIG_CONFIG_LABEL = 'nvidia.com/mig.config';

/** Karpenter capacity types. */
export enum CapacityType {
  ON_DEMAND = 'on-demand',
  SPOT = 'spot',
  RESERVED = 'reserved',
}

/** AMI families for GPU nodes (both ship the NVIDIA driver in their GPU variants). */
export enum GpuAmiFamily {
  AL2023 = 'AL2023',
  BOTTLEROCKET = 'BOTTLEROCKET',
}

/** Properties of a `GpuNodePool`. */
export interface GpuNodePoolProps {
  /** The GPU model; instance families and Karpenter requirements come from the GPU catalog. */
  readonly gpu: GpuModel;
  /** EKS cluster name: subnets and security groups are discovered by the tag `karpenter.sh/discovery: <clusterName>`. */
  readonly clusterName: string;
  /** Name of the IAM role of the nodes (not its ARN). */
  readonly nodeRole: string;
  /**
   * Name of the NodePool and EC2NodeClass.
   * @default - `gpu-<model>` in lowercase, e.g. `gpu-a10g`
   */
  readonly name?: string;
  /**
   * Instance families to choose from.
   * @default - every family with this GPU in the catalog
   */
  readonly instanceFamilies?: string[];
  /**
   * GPUs per node to allow.
   * @default - any
   */
  readonly gpuCounts?: number[];
  /**
   * Capacity types. Spot GPUs can be reclaimed with two minutes' notice.
   * @default [CapacityType.ON_DEMAND]
   */
  readonly capacityTypes?: CapacityType[];
  /**
   * AMI family.
   * @default GpuAmiFamily.AL2023
   */
  readonly amiFamily?: GpuAmiFamily;
  /**
   * AMI release in the alias (`al2023@<version>`, `bottlerocket@<version>`). Pinned, so nodes change
   * only when you change it: Karpenter advises against `latest` in production, where every AMI
   * release replaces the nodes (drift). `'latest'` is accepted with a warning. Required with
   * Bottlerocket. Raise it with the cluster's Kubernetes version (a release has AMIs only for the
   * versions EKS supported then).
   * @default - the AL2023 release this library version pins (`v20260818`)
   */
  readonly amiVersion?: string;
  /**
   * Size of the root (AL2023) or data (Bottlerocket) volume, GiB.
   * @default - room for images and twice `modelWeightsGiB`, at least 100
   */
  readonly rootVolumeGiB?: number;
  /**
   * Size of the model weights the pool serves, GiB, to size the volume.
   * @default - not considered
   */
  readonly modelWeightsGiB?: number;
  /**
   * Most physical GPUs in the pool (a cost guard), whatever the sharing: rendered as the NodePool
   * limit on the resource Karpenter counts, `nvidia.com/gpu` × replicas when time-sliced,
   * `nvidia.com/mig-<profile>` × MIG instances per GPU with MIG (a MIG node has no `nvidia.com/gpu`).
   * @default - no GPU limit
   */
  readonly maxGpus?: number;
  /**
   * Most vCPUs in the pool.
   * @default - no CPU limit
   */
  readonly maxCpu?: number;
  /**
   * Most memory in the pool, GiB.
   * @default - no memory limit
   */
  readonly maxMemoryGiB?: number;
  /**
   * How long an empty node is kept before removal (whole seconds, at most 7 days). Busy GPU nodes
   * are never consolidated (`WhenEmpty`): moving a model server means a cold start.
   * @default Duration.minutes(10)
   */
  readonly consolidateAfter?: Duration;
  /**
   * Age after which a node is replaced (patching), 1 hour to 365 days in whole seconds.
   * Replacement respects PodDisruptionBudgets.
   * @default Duration.hours(720)
   */
  readonly expireAfter?: Duration;
  /**
   * Share of the pool's nodes that may be disrupted at once.
   * @default 10
   */
  readonly disruptionBudgetPercent?: number;
  /**
   * How pods share the GPUs.
   * @default GpuSharing.exclusive()
   */
  readonly sharing?: GpuSharing;
  /**
   * Namespace of the device plugin's configuration ConfigMap: where the NVIDIA GPU operator reads
   * the ConfigMap its ClusterPolicy `devicePlugin.config.name` names (its own namespace), or, with the
   * standalone device plugin Helm chart, the chart's release namespace (`config.name`).
   * @default 'gpu-operator'
   */
  readonly devicePluginNamespace?: string;
}

/**
 * A Karpenter GPU node pool (NodePool + EC2NodeClass, karpenter.sh/v1): GPU instance families from
 * the catalog, the `nvidia.com/gpu:NoSchedule` taint, limits, a disruption policy safe for
 * inference, encrypted volumes sized for model weights, IMDSv2, and GPU sharing rendered as the
 * NVIDIA device plugin configuration.
 *
 * The NVIDIA device plugin (or GPU operator) must run on these nodes and tolerate the taint, or
 * they never report GPUs (karpenter-provider-aws #1914); point it at the ConfigMap
 * `nvidia-device-plugin-config` (GPU operator ClusterPolicy / Helm `devicePlugin.config.name`, the
 * ConfigMap in the operator's namespace), where every pool of the chart has its key.
 * Shared pools render Karpenter `NodeOverlay`s: start Karpenter with the feature gate
 * `NodeOverlay=true`, or MIG pods never get a node.
 * Keep all pools of a cluster in one chart: a second chart would render a second ConfigMap of the
 * same name.
 * On Bottlerocket the built-in device plugin is configured through Bottlerocket settings instead,
 * so only exclusive GPUs are accepted there.
 */
export class GpuNodePool extends Construct {
  /** Name of the NodePool (the value of the `cdk-mlops.io/gpu-pool` node label). */
  public readonly name: string;
  /** The GPU model. */
  public readonly gpu: GpuModel;
  /** GPU sharing of the pool. */
  public readonly sharing: GpuSharing;
  /** Taint key on the pool's nodes. */
  public readonly taintKey: string;
  /** Extended resource a pod requests to get a GPU (or a share of one). */
  public readonly resourceName: string;
  /** The main object: the Karpenter `NodePool`, for `addJsonPatch` where no prop fits. */
  public readonly defaultChild: ApiObject;
  /** The Karpenter `EC2NodeClass` (AMI, volumes, IMDSv2, subnet and security group discovery). */
  public readonly nodeClass: ApiObject;
  /**
   * The NVIDIA device plugin ConfigMap this pool has its key in, shared by every pool of the chart
   * (NVIDIA GPUs only).
   */
  public readonly devicePluginConfig?: kplus.ConfigMap;
  /**
   * Karpenter `NodeOverlay`s (karpenter.sh/v1alpha1, feature gate `NodeOverlay=true`) declaring what a
   * shared node offers, one per GPU count of the pool's instance types: `nvidia.com/gpu` = GPUs ×
   * replicas when time-sliced; `nvidia.com/mig-<profile>` = GPUs × instances per GPU and no
   * `nvidia.com/gpu` with MIG. Without them Karpenter never launches a node for a MIG pod and counts
   * time-sliced shares as whole GPUs. Empty for exclusive GPUs.
   */
  public readonly capacityOverlays: ApiObject[];

  private readonly props: GpuNodePoolProps;
  private readonly nvidia: boolean;
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    validateProps(this, gpuNodePoolSchema, {
      ...props,
      consolidateAfter: props.consolidateAfter?.toSeconds({ integral: false }),
      expireAfter: props.expireAfter?.toSeconds({ integral: false }),
      sharing: props.sharing?._spec,
    });
    this.props = props;
    this.gpu = props.gpu;
    this.name = props.name ?? `gpu-${props.gpu.toLowerCase().replace(/_/g, '-')}`;
    this.sharing = props.sharing ?? GpuSharing.exclusive();
    this.nvidia = GpuCatalog.spec(props.gpu).manufacturer === 'nvidia';
    this.taintKey = this.nvidia ? 'nvidia.com/gpu' : 'aws.amazon.com/neuron';
    this.resourceName = this.nvidia ? this.sharing.resourceName : 'aws.amazon.com/neuron';
    this.labels = standardLabels('gpu-node-pool', this.name, 'gpu-node-pool');

    const warning = this.sharingWarning();
    if (warning) {
      addWarning(this, 'cdk-mlops:gpu-node-pool:time-slicing', warning);
    }
    if (props.amiVersion === 'latest') {
      addWarning(this, 'cdk-mlops:gpu-node-pool:ami-latest', `GPU pool ${this.name}: amiVersion 'latest' replaces every node at each AMI release (Karpenter advises against it in production); pin a release.`);
    }
    this.nodeClass = this.createNodeClass();
    this.defaultChild = this.createNodePool();
    this.node.defaultChild = this.defaultChild;
    this.capacityOverlays = this.createCapacityOverlays();
    this.devicePluginConfig = this.nvidia ? this.addDevicePluginConfig(warning) : undefined;
  }

  /**
   * What the pool offers a workload, as plain facts (instance types and what each advertises, the GPU
   * limit, the node volume), read when an endpoint on it is validated, at construction and synthesis.
   * @internal
   */
  public get _gpuFit(): GpuPoolFit {
    return poolFit({ ...this.props, name: this.name, sharing: this.sharingFacts() });
  }

  private sharingFacts(): SharingFacts {
    return { mode: this.sharing.mode as unknown as SharingFacts['mode'], replicas: this.sharing.replicas, migProfile: this.sharing.migProfile };
  }

  /** Time-slicing shares memory and faults between pods: say so. */
  private sharingWarning(): string | undefined {
    if (this.sharing.mode !== GpuSharingMode.TIME_SLICING) {
      return undefined;
    }
    return `GPU pool ${this.name}: time-slicing ${this.sharing.replicas} pods per GPU gives no memory or fault isolation; one pod can exhaust the GPU memory of the others.`;
  }

  private createNodeClass(): ApiObject {
    const props = this.props;
    const amiFamily = props.amiFamily ?? GpuAmiFamily.AL2023;
    const volumeGiB = props.rootVolumeGiB ?? defaultPoolVolumeGiB(props.modelWeightsGiB);
    return new ApiObject(this, 'NodeClass', {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: this.name, labels: this.labels },
      spec: {
        role: props.nodeRole,
        amiSelectorTerms: [{ alias: `${amiFamily === GpuAmiFamily.AL2023 ? 'al2023' : 'bottlerocket'}@${props.amiVersion ?? DEFAULT_AL2023_AMI_VERSION}` }],
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': props.clusterName } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': props.clusterName } }],
        blockDeviceMappings: [
          {
            // Bottlerocket keeps images and data on its second volume.
            deviceName: amiFamily === GpuAmiFamily.BOTTLEROCKET ? '/dev/xvdb' : '/dev/xvda',
            ebs: { volumeSize: `${volumeGiB}Gi`, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
          },
        ],
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, httpProtocolIPv6: 'disabled' },
        tags: { 'cdk-mlops.io/gpu-pool': this.name },
      },
    });
  }

  private createNodePool(): ApiObject {
    const props = this.props;
    const limits = this.renderLimits();
    return new ApiObject(this, 'NodePool', {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.name, labels: this.labels },
      spec: {
        template: {
          metadata: { labels: this.renderNodeLabels() },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: this.name },
            requirements: this.renderRequirements(),
            taints: [{ key: this.taintKey, effect: 'NoSchedule' }],
            expireAfter: goDuration(props.expireAfter ?? Duration.hours(DEFAULT_EXPIRE_AFTER_HOURS), 'h'),
          },
        },
        limits: Object.keys(limits).length > 0 ? limits : undefined,
        disruption: {
          // Never move a busy model server to save money: only empty nodes go.
          consolidationPolicy: 'WhenEmpty',
          consolidateAfter: goDuration(props.consolidateAfter ?? Duration.minutes(DEFAULT_CONSOLIDATE_AFTER_MINUTES), 'm'),
          budgets: [{ nodes: `${props.disruptionBudgetPercent ?? 10}%` }],
        },
      },
    });
  }

  /** Node labels: pool membership, device plugin configuration, MIG layout. */
  private renderNodeLabels(): Record<string, string> {
    const nodeLabels: Record<string, string> = { [GPU_POOL_LABEL]: this.name };
    if (this.nvidia) {
      nodeLabels[DEVICE_PLUGIN_CONFIG_LABEL] = this.name;
    }
    if (this.sharing.mode === GpuSharingMode.MIG) {
      nodeLabels[MIG_CONFIG_LABEL] = `all-${this.sharing.migProfile}`;
    }
    return nodeLabels;
  }

  /** Karpenter requirements: the catalog's families and GPU name, capacity types, GPU counts. */
  private renderRequirements(): Array<{ key: string; operator: string; values: string[] }> {
    const props = this.props;
    const spec = GpuCatalog.spec(props.gpu);
    return [
      { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: props.instanceFamilies ?? spec.ec2Families },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: props.capacityTypes ?? [CapacityType.ON_DEMAND] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
      ...(this.nvidia ? [{ key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] }] : []),
      ...(spec.karpenterGpuName ? [{ key: 'karpenter.k8s.aws/instance-gpu-name', operator: 'In', values: [spec.karpenterGpuName] }] : []),
      ...(props.gpuCounts ? [{ key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'In', values: props.gpuCounts.map(String) }] : []),
    ];
  }

  /**
   * NodePool limits. Karpenter sums the capacity of the pool's nodes per resource, so the GPU limit
   * is on the resource a node advertises, in its units: physical GPUs × shares per GPU.
   */
  private renderLimits(): Record<string, string> {
    const props = this.props;
    const limits: Record<string, string> = {};
    if (props.maxGpus !== undefined) {
      if (this.nvidia) {
        const share = sharesPerGpu(this.gpu, this.sharingFacts());
        limits[share.resource] = String(props.maxGpus * share.quantity);
      } else {
        limits['aws.amazon.com/neuron'] = String(props.maxGpus);
      }
    }
    if (props.maxCpu !== undefined) {
      limits.cpu = String(props.maxCpu);
    }
    if (props.maxMemoryGiB !== undefined) {
      limits.memory = `${props.maxMemoryGiB}Gi`;
    }
    return limits;
  }

  /**
   * One NodeOverlay per GPU count: the capacity of a shared node, for this pool's instance types
   * only (`karpenter.sh/nodepool`), so Karpenter's simulation and limits see what the device plugin
   * will advertise.
   */
  private createCapacityOverlays(): ApiObject[] {
    if (!this.nvidia || this.sharing.mode === GpuSharingMode.EXCLUSIVE) {
      return [];
    }
    const props = this.props;
    return poolGpuCounts(this.gpu, props.instanceFamilies, props.gpuCounts).map((count) => new ApiObject(this, `CapacityOverlay${count}`, {
      apiVersion: 'karpenter.sh/v1alpha1',
      kind: 'NodeOverlay',
      metadata: { name: `${this.name}-${count}gpu`, labels: this.labels },
      spec: {
        requirements: [
          { key: 'karpenter.sh/nodepool', operator: 'In', values: [this.name] },
          { key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'In', values: [String(count)] },
        ],
        capacity: Object.fromEntries(
          Object.entries(sharedNodeCapacity(this.gpu, this.sharingFacts(), count)).map(([r, q]) => [r, String(q)]),
        ),
      },
    }));
  }

  /** This pool's key in the chart's device plugin ConfigMap (the warning, if any, as an annotation). */
  private addDevicePluginConfig(warning: string | undefined): kplus.ConfigMap {
    const config = devicePluginConfigMap(this, this.props.devicePluginNamespace ?? DEFAULT_DEVICE_PLUGIN_NAMESPACE);
    config.addData(this.name, devicePluginConfig(this.sharing));
    if (warning) {
      config.metadata.addAnnotation(`cdk-mlops.io/warning-${this.name}`, warning);
    }
    return config;
  }
}

/**
 * A Karpenter duration (Go `time.ParseDuration`) in the largest of `unit`, minutes and seconds
 * that holds it whole: `720h`, `10m`, `90s`.
 */
function goDuration(d: Duration, unit: 'h' | 'm'): string {
  const seconds = d.toSeconds();
  if (unit === 'h' && seconds % 3600 === 0) {
    return `${seconds / 3600}h`;
  }
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/**
 * The NVIDIA device plugin reads one ConfigMap (Helm `config.name`) whose keys are the values of
 * the `nvidia.com/device-plugin.config` node label: every pool of a chart adds its key to the same
 * ConfigMap, which is why it is created once, in the chart's scope, not in the pool's.
 */
function devicePluginConfigMap(pool: Construct, namespace: string): kplus.ConfigMap {
  const chart = Chart.of(pool);
  const id = `NvidiaDevicePluginConfig-${namespace}`;
  const existing = chart.node.tryFindChild(id);
  if (existing) {
    return existing as kplus.ConfigMap;
  }
  return new kplus.ConfigMap(chart, id, {
    metadata: {
      name: DEVICE_PLUGIN_CONFIG_MAP,
      namespace,
      labels: standardLabels('nvidia-device-plugin', 'config', 'gpu-node-pool'),
    },
  });
}

/** The NVIDIA device plugin configuration (config file format `version: v1`) of a sharing mode. */
function devicePluginConfig(sharing: GpuSharing): string {
  const config: Record<string, unknown> = {
    version: 'v1',
    flags: { migStrategy: sharing.mode === GpuSharingMode.MIG ? 'mixed' : 'none' },
  };
  if (sharing.mode === GpuSharingMode.TIME_SLICING) {
    config.sharing = {
      timeSlicing: {
        renameByDefault: false,
        // A pod asking for 2 shares would get no more GPU than with 1: refuse it instead.
        failRequestsGreaterThanOne: true,
        resources: [{ name: 'nvidia.com/gpu', replicas: sharing.replicas }],
      },
    };
  }
  // JSON is YAML: the device plugin reads it as its config file.
  return JSON.stringify(config, null, 2);
}
