import * as kplus from 'cdk8s-plus-28';

/** UID/GID every library container runs as: above 10000, so no overlap with host users (CKV_K8S_40). */
export const RUN_AS = 10001;

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

/** The matching pod-level security context (cdk8s-plus has no pod seccomp field: patch it where needed). */
export const RESTRICTED_POD_PROPS: kplus.PodSecurityContextProps = { ensureNonRoot: true, user: RUN_AS, group: RUN_AS, fsGroup: RUN_AS };
