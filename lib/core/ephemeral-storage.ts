/**
 * Local disk (`ephemeral-storage`) for the library's pods. The kubelet evicts a pod whose emptyDir
 * outgrows its `sizeLimit`, a container whose logs and writable layer outgrow its limit, and a pod
 * whose emptyDirs and containers together outgrow the sum of its containers' limits; requests are
 * what the scheduler (and Karpenter) reserve on the node's volume ("Local ephemeral storage",
 * https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage).
 * Without them a model download can fill the node's disk and evict every pod on it.
 */

/**
 * @internal GiB every container's limit keeps for its own logs (the kubelet rotates them at
 * containerLogMaxSize 10Mi × containerLogMaxFiles 5 by default, KubeletConfiguration) and the
 * read-only root's writable layer.
 */
export const CONTAINER_DISK_HEADROOM_GIB = 1;

/** @internal requests and limits of one container, and the sizeLimit of its pod's scratch emptyDir */
export interface DiskPlan {
  readonly request: string;
  readonly limit: string;
  readonly scratchSizeLimit: string;
}

/**
 * @internal a model server's disk: its `/tmp` holds the downloaded weights and one unpacked copy
 * (`2 × modelSizeGiB + 1` GiB); it requests one copy and its headroom, and its limit covers the
 * whole scratch volume (the pod-level sum of limits must, or a full download evicts the pod).
 */
export function servingDisk(modelSizeGiB: number): DiskPlan {
  const scratch = Math.ceil(2 * modelSizeGiB) + 1;
  return {
    request: `${Math.ceil(modelSizeGiB) + CONTAINER_DISK_HEADROOM_GIB}Gi`,
    limit: `${scratch + CONTAINER_DISK_HEADROOM_GIB}Gi`,
    scratchSizeLimit: `${scratch}Gi`,
  };
}

/** @internal a batch step's disk: it reserves and may use its whole scratch volume of `volumeGiB`. */
export function stepDisk(volumeGiB: number): DiskPlan {
  return {
    request: `${volumeGiB}Gi`,
    limit: `${volumeGiB + CONTAINER_DISK_HEADROOM_GIB}Gi`,
    scratchSizeLimit: `${volumeGiB}Gi`,
  };
}

/**
 * @internal a container that writes only its logs (sidecars, the drift job): 1 GiB reserved and at
 * most (whole GiB: cdk8s-plus renders ephemeral storage in GiB only)
 */
export const LOGS_ONLY_DISK: Omit<DiskPlan, 'scratchSizeLimit'> = Object.freeze({ request: `${CONTAINER_DISK_HEADROOM_GIB}Gi`, limit: `${CONTAINER_DISK_HEADROOM_GIB}Gi` });

/** @internal scratch of a short helper step (registration, gate): 2 GiB */
export const HELPER_STEP_SCRATCH_GIB = 2;
