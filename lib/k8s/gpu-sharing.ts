import { GpuCatalog } from '../core/gpu-catalog';

/** How pods share the GPUs of a node pool. */
export enum GpuSharingMode {
  /** One pod per GPU. */
  EXCLUSIVE = 'EXCLUSIVE',
  /** Several pods take turns on one GPU: no memory or fault isolation. */
  TIME_SLICING = 'TIME_SLICING',
  /** The GPU is partitioned into isolated MIG instances (A100, H100, H200). */
  MIG = 'MIG',
}

/**
 * GPU sharing, declared in one line: `GpuSharing.exclusive()`, `GpuSharing.timeSlicing(4)`,
 * `GpuSharing.mig('1g.10gb')`. Rendered as the NVIDIA device plugin configuration and node labels
 * of the pool.
 */
export class GpuSharing {
  /** One pod per GPU (the default). */
  public static exclusive(): GpuSharing {
    return new GpuSharing(GpuSharingMode.EXCLUSIVE, undefined, undefined);
  }

  /**
   * `replicas` pods share each GPU by time-slicing. There is no memory or fault isolation: one
   * pod can exhaust the memory of the others, and an error resets all of them.
   */
  public static timeSlicing(replicas: number): GpuSharing {
    return new GpuSharing(GpuSharingMode.TIME_SLICING, replicas, undefined);
  }

  /** Partition every GPU into MIG instances of `profile` (e.g. `1g.10gb`); MIG-capable GPUs only. */
  public static mig(profile: string): GpuSharing {
    return new GpuSharing(GpuSharingMode.MIG, undefined, profile);
  }

  private constructor(
    /** The sharing mode. */
    public readonly mode: GpuSharingMode,
    /** Pods per GPU with time-slicing. */
    public readonly replicas: number | undefined,
    /** MIG profile. */
    public readonly migProfile: string | undefined,
  ) {}

  /** The extended resource a pod requests to get one share: `nvidia.com/gpu` or `nvidia.com/mig-<profile>`. */
  public get resourceName(): string {
    return this.mode === GpuSharingMode.MIG ? GpuCatalog.migResourceName(this.migProfile!) : 'nvidia.com/gpu';
  }

  /** @internal plain shape for validation */
  public get _spec(): Record<string, unknown> {
    return { mode: this.mode, replicas: this.replicas, migProfile: this.migProfile };
  }
}
