import { z } from 'zod';
import { durationIn } from './duration-value';
import { GpuCatalog, GpuModel } from '../gpu-catalog';
import { poolGpuCounts } from '../gpu-sharing-capacity';
import { k8sLabelName } from '../primitives';
import { unlessToken } from '../validation';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** @internal how long an empty GPU node is kept (Karpenter `consolidateAfter`) */
export const DEFAULT_CONSOLIDATE_AFTER_MINUTES = 10;
/** @internal age after which a GPU node is replaced (Karpenter `expireAfter`): 30 days */
export const DEFAULT_EXPIRE_AFTER_HOURS = 720;
/**
 * @internal the AL2023 EKS-optimized AMI release a GPU pool pins by default (`al2023@<release>`):
 * Karpenter resolves an alias through the SSM parameters of that release, and advises against
 * `@latest` in production, where every new release would roll the nodes (karpenter.sh docs,
 * "NodeClasses", `amiSelectorTerms` alias). Release tag of awslabs/amazon-eks-ami (v20260818, the
 * upstream release named in its PRs #2807 and #2815); raise it as clusters move to newer Kubernetes
 * versions, for which an older release has no AMI.
 */
export const DEFAULT_AL2023_AMI_VERSION = 'v20260818';
/**
 * @internal where the NVIDIA GPU operator reads the device plugin ConfigMap named by its
 * ClusterPolicy `devicePlugin.config.name` (Helm `devicePlugin.config.name`): the operator's own
 * namespace, `gpu-operator` in NVIDIA's install guide ("Time-Slicing GPUs in Kubernetes",
 * https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-sharing.html:
 * `kubectl create -n gpu-operator -f time-slicing-config.yaml`).
 */
export const DEFAULT_DEVICE_PLUGIN_NAMESPACE = 'gpu-operator';

/** @internal */
export const gpuSharingSchema = z.strictObject({
  mode: z.enum(['EXCLUSIVE', 'TIME_SLICING', 'MIG']),
  replicas: z.number().int('must be a whole number of pods per GPU').min(2, 'must be at least 2 pods per GPU').max(48).optional(),
  migProfile: z.string().optional(),
});

/** @internal */
export const gpuNodePoolSchema = z
  .strictObject({
    gpu: z.enum(GpuModel),
    name: k8sLabelName.optional(),
    clusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name'),
    nodeRole: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (not an ARN)'),
    instanceFamilies: z.array(z.string().regex(/^[a-z0-9]+$/, 'must be an EC2 instance family such as g5')).min(1).optional(),
    gpuCounts: z.array(z.number().int().min(1).max(16)).min(1).optional(),
    capacityTypes: z.array(z.enum(['on-demand', 'spot', 'reserved'])).min(1).optional(),
    amiFamily: z.enum(['AL2023', 'BOTTLEROCKET']).optional(),
    amiVersion: z.string().regex(/^(latest|v\d{8}|v?\d+\.\d+\.\d+)$/, 'must be "latest", an AL2023 release such as v20251014, or a Bottlerocket version such as 1.43.0').optional(),
    rootVolumeGiB: z.number().int().min(20).max(16384).optional(),
    modelWeightsGiB: z.number().gt(0).max(4096).optional(),
    maxGpus: z.number().int().min(1).optional(),
    maxCpu: z.number().int().min(1).optional(),
    maxMemoryGiB: z.number().int().min(1).optional(),
    // Durations, in seconds.
    consolidateAfter: durationIn('seconds', z.number()).int('must be whole seconds').min(0).max(7 * DAY, 'must be at most 7 days').optional(),
    expireAfter: durationIn('seconds', z.number()).int('must be whole seconds').min(HOUR, 'must be at least 1 hour').max(365 * DAY, 'must be at most 365 days').optional(),
    disruptionBudgetPercent: z.number().int().min(0).max(100).optional(),
    sharing: gpuSharingSchema.optional(),
    devicePluginNamespace: k8sLabelName.optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const spec = GpuCatalog.spec(p.gpu);
    for (const [i, f] of (p.instanceFamilies ?? []).entries()) {
      if (!spec.ec2Families.includes(f)) {
        ctx.addIssue({ code: 'custom', path: ['instanceFamilies', i], message: `must be a family with ${p.gpu} GPUs: ${spec.ec2Families.join(', ')}` });
      }
    }
    checkPoolSizes(p, ctx);
    const sharing = p.sharing;
    if (sharing?.mode === 'MIG') {
      if (!spec.migCapable) {
        ctx.addIssue({
          code: 'custom',
          path: ['sharing', 'migProfile'],
          message: `must not be set: ${p.gpu} does not support MIG (MIG-capable: ${GpuCatalog.models().filter((m) => GpuCatalog.spec(m).migCapable).join(', ')}); use GpuSharing.timeSlicing() instead`,
        });
      } else if (!GpuCatalog.isMigProfileSupported(p.gpu, sharing.migProfile ?? '')) {
        ctx.addIssue({ code: 'custom', path: ['sharing', 'migProfile'], message: `must be a MIG profile of ${p.gpu}: ${spec.migProfiles.join(', ')}` });
      }
    }
    if (sharing?.mode === 'TIME_SLICING' && sharing.replicas === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sharing', 'replicas'], message: 'must be set for time-slicing' });
    }
    if (sharing && sharing.mode !== 'EXCLUSIVE' && p.amiFamily === 'BOTTLEROCKET') {
      ctx.addIssue({
        code: 'custom',
        path: ['sharing'],
        message:
          'must be exclusive with BOTTLEROCKET: its built-in NVIDIA device plugin is configured through Bottlerocket settings (settings.kubelet-device-plugins.nvidia), not the device plugin ConfigMap; use AL2023',
      });
    }
    if (p.amiFamily === 'BOTTLEROCKET' && p.amiVersion === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['amiVersion'],
        message: 'must be set with BOTTLEROCKET: pin a Bottlerocket release such as v1.46.0 (or "latest" to follow every release, which Karpenter advises against in production)',
      });
    }
    if (sharing && sharing.mode !== 'EXCLUSIVE' && spec.manufacturer !== 'nvidia') {
      ctx.addIssue({ code: 'custom', path: ['sharing'], message: `must be exclusive on ${p.gpu} (NVIDIA device plugin sharing applies to NVIDIA GPUs only)` });
    }
  }));

/**
 * A pool whose requirements match no instance type, or whose GPU limit is below its smallest node,
 * never gets a node: Karpenter finds no instance type for `karpenter.k8s.aws/instance-gpu-count In
 * gpuCounts` within the families, and launches none whose capacity exceeds what remains of the
 * limit (`filterByRemainingResources`, see lib/core/gpu-sharing-capacity.ts). Counts from the GPU
 * catalog (lib/core/gpu-catalog.ts).
 */
function checkPoolSizes(
  p: { gpu: GpuModel; instanceFamilies?: string[]; gpuCounts?: number[]; maxGpus?: number },
  ctx: z.RefinementCtx,
): void {
  const families = (p.instanceFamilies ?? []).filter((f) => GpuCatalog.spec(p.gpu).ec2Families.includes(f));
  if (p.instanceFamilies !== undefined && families.length === 0) {
    return; // reported on instanceFamilies
  }
  const available = poolGpuCounts(p.gpu, p.instanceFamilies);
  (p.gpuCounts ?? []).forEach((count, i) => {
    if (!available.includes(count)) {
      ctx.addIssue({
        code: 'custom',
        path: ['gpuCounts', i],
        message: `must be a GPU count of a ${p.gpu} instance type of the pool's families (${available.join(', ')}): no instance has ${count}`,
      });
    }
  });
  const counts = poolGpuCounts(p.gpu, p.instanceFamilies, p.gpuCounts);
  if (p.maxGpus !== undefined && counts.length > 0 && p.maxGpus < counts[0]) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxGpus'],
      message: `must be at least ${counts[0]}, the GPUs of the pool's smallest instance type: Karpenter launches no node beyond the limit, so the pool would never get one`,
    });
  }
}
