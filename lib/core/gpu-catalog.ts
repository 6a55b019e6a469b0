/**
 * The one place that knows which accelerator sits in which instance type, how much memory it has,
 * what Karpenter calls it and how NVIDIA MIG can slice it. SageMaker instance-type validation,
 * Karpenter node requirements and MIG resource names are all derived from these tables, so a new
 * instance family is added here once.
 */
import { MlopsValidationError } from './errors';

/**
 * An accelerator model found in AWS instance types.
 */
export enum GpuModel {
  /** NVIDIA T4 (Turing), 16 GiB. */
  T4 = 'T4',
  /** NVIDIA A10G (Ampere), 24 GiB. */
  A10G = 'A10G',
  /** NVIDIA L4 (Ada Lovelace), 24 GiB. */
  L4 = 'L4',
  /** NVIDIA L40S (Ada Lovelace), 48 GiB. */
  L40S = 'L40S',
  /** NVIDIA V100 (Volta), 16 GiB (32 GiB on p3dn). */
  V100 = 'V100',
  /** NVIDIA A100 (Ampere), 40 GiB. */
  A100_40GB = 'A100_40GB',
  /** NVIDIA A100 (Ampere), 80 GiB. */
  A100_80GB = 'A100_80GB',
  /** NVIDIA H100 (Hopper), 80 GiB. */
  H100 = 'H100',
  /** NVIDIA H200 (Hopper), 141 GiB. */
  H200 = 'H200',
  /** AWS Inferentia2 chip, 32 GiB; counted per chip, not per NeuronCore. */
  INFERENTIA2 = 'INFERENTIA2',
  /** AWS Trainium (first generation) chip, 32 GiB; counted per chip, not per NeuronCore. */
  TRAINIUM = 'TRAINIUM',
}

/**
 * Facts about one accelerator model.
 */
export interface GpuSpec {
  /**
   * The model described.
   */
  readonly model: GpuModel;

  /**
   * Who makes the device: `nvidia` or `aws`. For NVIDIA devices this is also the value of the
   * Karpenter label `karpenter.k8s.aws/instance-gpu-manufacturer`.
   */
  readonly manufacturer: string;

  /**
   * Device memory of one GPU (one chip for Inferentia/Trainium), in GiB.
   */
  readonly memoryGiB: number;

  /**
   * Value of the Karpenter label `karpenter.k8s.aws/instance-gpu-name`.
   *
   * Not unique per model: A100 40 GB and 80 GB are both `a100`, so select those by
   * `karpenter.k8s.aws/instance-family` (or `instance-gpu-memory`) as well.
   *
   * @default - undefined for AWS accelerators, which Karpenter does not label as GPUs; select them
   * by `karpenter.k8s.aws/instance-family`.
   */
  readonly karpenterGpuName?: string;

  /**
   * EC2 instance families that carry this device, e.g. `g5`.
   */
  readonly ec2Families: string[];

  /**
   * NVIDIA MIG profile names the device can be partitioned into, e.g. `1g.10gb`; empty when the
   * device does not support MIG. Media-extension variants (`+me`) are not listed.
   */
  readonly migProfiles: string[];

  /**
   * Whether the device supports NVIDIA Multi-Instance GPU (it has at least one MIG profile).
   */
  readonly migCapable: boolean;
}

/**
 * The accelerators of one instance type.
 */
export interface InstanceGpus {
  /**
   * The instance type exactly as it was looked up (`ml.g5.xlarge` or `g5.xlarge`).
   */
  readonly instanceType: string;

  /**
   * The accelerator model in the instance.
   */
  readonly gpu: GpuModel;

  /**
   * How many devices (GPUs, or Inferentia/Trainium chips) the instance has.
   */
  readonly count: number;
}

interface SpecRow {
  readonly manufacturer: 'nvidia' | 'aws';
  readonly memoryGiB: number;
  readonly karpenterGpuName: string | undefined;
  readonly ec2Families: ReadonlyArray<string>;
  readonly migProfiles: ReadonlyArray<string>;
}

function spec(row: SpecRow): SpecRow {
  Object.freeze(row.ec2Families);
  Object.freeze(row.migProfiles);
  return Object.freeze(row);
}

// Memory, families and GPU names: Amazon EC2 User Guide, "Accelerated computing instances"
// (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html) and the instance pages for
// G4dn, G5, G6, G6e, P3, P4, P5, Inf2 and Trn1.
// Karpenter names: karpenter-provider-aws derives `instance-gpu-name` from the EC2
// DescribeInstanceTypes GpuInfo name, lower-cased (its e2e tests select `t4` with memory `16384`).
// MIG profiles: NVIDIA Multi-Instance GPU User Guide, "Supported MIG Profiles"
// (https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html),
// A100-SXM4-40GB, A100-SXM4-80GB, H100-SXM5-80GB and H200-SXM5-141GB tables. The 1g.10gb profile on
// the 40 GB A100 needs an R510 or later driver.
const SPECS: Readonly<Record<GpuModel, SpecRow>> = Object.freeze({
  [GpuModel.T4]: spec({
    manufacturer: 'nvidia', memoryGiB: 16, karpenterGpuName: 't4', ec2Families: ['g4dn'], migProfiles: [],
  }),
  [GpuModel.A10G]: spec({
    manufacturer: 'nvidia', memoryGiB: 24, karpenterGpuName: 'a10g', ec2Families: ['g5'], migProfiles: [],
  }),
  [GpuModel.L4]: spec({
    manufacturer: 'nvidia', memoryGiB: 24, karpenterGpuName: 'l4', ec2Families: ['g6'], migProfiles: [],
  }),
  [GpuModel.L40S]: spec({
    manufacturer: 'nvidia', memoryGiB: 48, karpenterGpuName: 'l40s', ec2Families: ['g6e'], migProfiles: [],
  }),
  // p3 carries the 16 GiB V100 and p3dn.24xlarge the 32 GiB one. The smaller figure is kept so that
  // anything sized from it fits on both; the instance table does not carry per-instance memory.
  [GpuModel.V100]: spec({
    manufacturer: 'nvidia', memoryGiB: 16, karpenterGpuName: 'v100', ec2Families: ['p3', 'p3dn'], migProfiles: [],
  }),
  [GpuModel.A100_40GB]: spec({
    manufacturer: 'nvidia',
    memoryGiB: 40,
    karpenterGpuName: 'a100',
    ec2Families: ['p4d'],
    migProfiles: ['1g.5gb', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb'],
  }),
  [GpuModel.A100_80GB]: spec({
    manufacturer: 'nvidia',
    memoryGiB: 80,
    karpenterGpuName: 'a100',
    ec2Families: ['p4de'],
    migProfiles: ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  }),
  [GpuModel.H100]: spec({
    manufacturer: 'nvidia',
    memoryGiB: 80,
    karpenterGpuName: 'h100',
    ec2Families: ['p5'],
    migProfiles: ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  }),
  [GpuModel.H200]: spec({
    manufacturer: 'nvidia',
    memoryGiB: 141,
    karpenterGpuName: 'h200',
    ec2Families: ['p5e', 'p5en'],
    migProfiles: ['1g.18gb', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb'],
  }),
  // Neuron devices: Karpenter labels them with instance-accelerator-* rather than instance-gpu-*.
  [GpuModel.INFERENTIA2]: spec({
    manufacturer: 'aws', memoryGiB: 32, karpenterGpuName: undefined, ec2Families: ['inf2'], migProfiles: [],
  }),
  [GpuModel.TRAINIUM]: spec({
    manufacturer: 'aws', memoryGiB: 32, karpenterGpuName: undefined, ec2Families: ['trn1', 'trn1n'], migProfiles: [],
  }),
});

interface InstanceRow {
  readonly gpu: GpuModel;
  readonly count: number;
}

function gpus(gpu: GpuModel, count: number): InstanceRow {
  return Object.freeze({ gpu, count });
}

// Device counts per instance: Amazon EC2 User Guide, "Accelerated computing instances"
// (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html), and Amazon SageMaker pricing
// (https://aws.amazon.com/sagemaker/pricing/), whose `ml.` instance types are these EC2 types.
// Keyed by EC2 name; SageMaker offers a subset of the sizes (g4dn.metal, for one, is EC2-only).
const INSTANCES: Readonly<Record<string, InstanceRow>> = Object.freeze({
  'g4dn.xlarge': gpus(GpuModel.T4, 1),
  'g4dn.2xlarge': gpus(GpuModel.T4, 1),
  'g4dn.4xlarge': gpus(GpuModel.T4, 1),
  'g4dn.8xlarge': gpus(GpuModel.T4, 1),
  'g4dn.16xlarge': gpus(GpuModel.T4, 1),
  'g4dn.12xlarge': gpus(GpuModel.T4, 4),
  'g4dn.metal': gpus(GpuModel.T4, 8),

  'g5.xlarge': gpus(GpuModel.A10G, 1),
  'g5.2xlarge': gpus(GpuModel.A10G, 1),
  'g5.4xlarge': gpus(GpuModel.A10G, 1),
  'g5.8xlarge': gpus(GpuModel.A10G, 1),
  'g5.16xlarge': gpus(GpuModel.A10G, 1),
  'g5.12xlarge': gpus(GpuModel.A10G, 4),
  'g5.24xlarge': gpus(GpuModel.A10G, 4),
  'g5.48xlarge': gpus(GpuModel.A10G, 8),

  'g6.xlarge': gpus(GpuModel.L4, 1),
  'g6.2xlarge': gpus(GpuModel.L4, 1),
  'g6.4xlarge': gpus(GpuModel.L4, 1),
  'g6.8xlarge': gpus(GpuModel.L4, 1),
  'g6.16xlarge': gpus(GpuModel.L4, 1),
  'g6.12xlarge': gpus(GpuModel.L4, 4),
  'g6.24xlarge': gpus(GpuModel.L4, 4),
  'g6.48xlarge': gpus(GpuModel.L4, 8),

  'g6e.xlarge': gpus(GpuModel.L40S, 1),
  'g6e.2xlarge': gpus(GpuModel.L40S, 1),
  'g6e.4xlarge': gpus(GpuModel.L40S, 1),
  'g6e.8xlarge': gpus(GpuModel.L40S, 1),
  'g6e.16xlarge': gpus(GpuModel.L40S, 1),
  'g6e.12xlarge': gpus(GpuModel.L40S, 4),
  'g6e.24xlarge': gpus(GpuModel.L40S, 4),
  'g6e.48xlarge': gpus(GpuModel.L40S, 8),

  'p3.2xlarge': gpus(GpuModel.V100, 1),
  'p3.8xlarge': gpus(GpuModel.V100, 4),
  'p3.16xlarge': gpus(GpuModel.V100, 8),
  'p3dn.24xlarge': gpus(GpuModel.V100, 8),

  'p4d.24xlarge': gpus(GpuModel.A100_40GB, 8),
  'p4de.24xlarge': gpus(GpuModel.A100_80GB, 8),

  'p5.48xlarge': gpus(GpuModel.H100, 8),
  'p5e.48xlarge': gpus(GpuModel.H200, 8),
  'p5en.48xlarge': gpus(GpuModel.H200, 8),

  // Counted in chips (2 NeuronCores each), the unit of `aws.amazon.com/neuron` in Kubernetes.
  'inf2.xlarge': gpus(GpuModel.INFERENTIA2, 1),
  'inf2.8xlarge': gpus(GpuModel.INFERENTIA2, 1),
  'inf2.24xlarge': gpus(GpuModel.INFERENTIA2, 6),
  'inf2.48xlarge': gpus(GpuModel.INFERENTIA2, 12),

  'trn1.2xlarge': gpus(GpuModel.TRAINIUM, 1),
  'trn1.32xlarge': gpus(GpuModel.TRAINIUM, 16),
  'trn1n.32xlarge': gpus(GpuModel.TRAINIUM, 16),
});

const SAGEMAKER_PREFIX = 'ml.';

// `<compute slices>g.<memory>gb`, as the NVIDIA device plugin names MIG resources. `+me` variants are
// left out: `+` is not allowed in a Kubernetes extended resource name.
const MIG_PROFILE_RE = /^[1-7]g\.[1-9][0-9]*gb$/;

/**
 * GPU facts for choosing and validating instance types, Karpenter node requirements and MIG
 * profiles. Values returned are copies: changing them does not change the catalog.
 */
export class GpuCatalog {
  /**
   * The facts about one accelerator model.
   *
   * @param model the accelerator model
   */
  public static spec(model: GpuModel): GpuSpec {
    const row = Object.hasOwn(SPECS, model) ? SPECS[model] : undefined;
    if (row === undefined) {
      throw new MlopsValidationError([{
        constructPath: 'GpuCatalog.spec',
        property: 'model',
        received: render(model),
        allowed: `must be one of ${Object.values(GpuModel).join(', ')}`,
      }]);
    }
    const out: GpuSpec = {
      model,
      manufacturer: row.manufacturer,
      memoryGiB: row.memoryGiB,
      ec2Families: [...row.ec2Families],
      migProfiles: [...row.migProfiles],
      migCapable: row.migProfiles.length > 0,
    };
    // Leave the key out rather than set it to undefined, so `'karpenterGpuName' in spec` means it.
    return row.karpenterGpuName === undefined ? out : { ...out, karpenterGpuName: row.karpenterGpuName };
  }

  /**
   * Every accelerator model, in declaration order.
   */
  public static models(): GpuModel[] {
    return Object.values(GpuModel);
  }

  /**
   * The accelerators of an instance type, or undefined when it has none this catalog knows of.
   *
   * Accepts the SageMaker name (`ml.g5.xlarge`) and the EC2 name (`g5.xlarge`). Names are matched
   * exactly: no trimming or case folding.
   *
   * @param instanceType a SageMaker or EC2 instance type
   */
  public static forInstanceType(instanceType: string): InstanceGpus | undefined {
    if (typeof instanceType !== 'string') {
      return undefined;
    }
    const ec2Name = instanceType.startsWith(SAGEMAKER_PREFIX)
      ? instanceType.slice(SAGEMAKER_PREFIX.length)
      : instanceType;
    if (!Object.hasOwn(INSTANCES, ec2Name)) {
      return undefined;
    }
    const row = INSTANCES[ec2Name];
    return { instanceType, gpu: row.gpu, count: row.count };
  }

  /**
   * The EC2 instance types of the catalog that carry this accelerator model, with their device
   * counts, in the catalog's order.
   *
   * @param model the accelerator model
   */
  public static instanceTypes(model: GpuModel): InstanceGpus[] {
    return Object.entries(INSTANCES)
      .filter(([, row]) => row.gpu === model)
      .map(([instanceType, row]) => ({ instanceType, gpu: row.gpu, count: row.count }));
  }

  /**
   * Whether a device of this model can be partitioned into the named MIG profile (e.g. `1g.10gb`).
   * Always false for devices that do not support MIG.
   *
   * @param model the accelerator model
   * @param profile a MIG profile name such as `1g.10gb`
   */
  public static isMigProfileSupported(model: GpuModel, profile: string): boolean {
    return Object.hasOwn(SPECS, model) && SPECS[model].migProfiles.includes(profile);
  }

  /**
   * The Kubernetes extended resource a MIG profile is requested by under the NVIDIA device plugin's
   * `mixed` strategy: `1g.10gb` → `nvidia.com/mig-1g.10gb`.
   *
   * @param profile a MIG profile name such as `1g.10gb`
   * @throws MlopsValidationError when `profile` is not shaped like a MIG profile name
   */
  public static migResourceName(profile: string): string {
    if (typeof profile !== 'string' || !MIG_PROFILE_RE.test(profile)) {
      throw new MlopsValidationError([{
        constructPath: 'GpuCatalog.migResourceName',
        property: 'profile',
        received: render(profile),
        allowed: 'must be a MIG profile name <compute slices 1-7>g.<memory>gb, such as 1g.10gb',
      }]);
    }
    return `nvidia.com/mig-${profile}`;
  }

  private constructor() {}
}

function render(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
