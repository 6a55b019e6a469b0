import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/**
 * The one source of the library's restricted security contexts (Pod Security Standard
 * `restricted`): every pod and container of lib/k8s takes its context from here, in the form its
 * API needs (cdk8s-plus props, or the typed L1 `k8s.*SecurityContext`).
 */

/** UID/GID every library container runs as: above 10000, so no overlap with host users (CKV_K8S_40). */
export const RUN_AS = 10001;

/** The seccomp profile of every library pod and container. */
export const RUNTIME_DEFAULT_SECCOMP = { type: 'RuntimeDefault' } as const;

/** The restricted Pod Security Standard for a cdk8s-plus container: non-root, read-only, no capabilities. */
export const RESTRICTED_CONTAINER_PROPS: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: RUN_AS,
  group: RUN_AS,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** The matching pod-level security context (cdk8s-plus has no pod seccomp field: `patchPodSeccomp` sets it). */
export const RESTRICTED_POD_PROPS: kplus.PodSecurityContextProps = { ensureNonRoot: true, user: RUN_AS, group: RUN_AS, fsGroup: RUN_AS };

/** The restricted container security context as a typed L1 value (pod templates built from `k8s.*`). */
export const RESTRICTED_CONTAINER: kplus.k8s.SecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: RUNTIME_DEFAULT_SECCOMP,
};

/** The restricted pod security context as a typed L1 value. */
export const RESTRICTED_POD: kplus.k8s.PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  fsGroup: RUN_AS,
  seccompProfile: RUNTIME_DEFAULT_SECCOMP,
};

/**
 * Set the pod-level RuntimeDefault seccomp profile that cdk8s-plus cannot express, on the pod
 * spec at `podSpecPath` (e.g. `/spec/template/spec`, `/spec/jobTemplate/spec/template/spec`).
 */
export function patchPodSeccomp(obj: ApiObject, podSpecPath: string): void {
  obj.addJsonPatch(JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, { ...RUNTIME_DEFAULT_SECCOMP }));
}
