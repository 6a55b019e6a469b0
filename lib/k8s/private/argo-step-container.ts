import * as kplus from 'cdk8s-plus-28';
import { RESTRICTED_CONTAINER } from './security';

/** The step's writable scratch `/tmp` (the root filesystem is read-only): the volume `tmp`, an emptyDir of the step's template. */
export const TMP_VOLUME_MOUNT: kplus.k8s.VolumeMount = { name: 'tmp', mountPath: '/tmp' };

/** What an Argo step's container is made of. */
export interface ArgoStepContainer {
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env: kplus.k8s.EnvVar[];
  readonly resources: kplus.k8s.ResourceRequirements;
  /** @default - the scratch /tmp only (`TMP_VOLUME_MOUNT`) */
  readonly volumeMounts?: kplus.k8s.VolumeMount[];
}

/**
 * The one container of an Argo Workflows step template (`main`) of MlPipeline and BatchScoring on
 * Kubernetes, rendered as JSON: the restricted security context (Pod Security Standard
 * `restricted`, lib/k8s/private/security.ts), the step's image, command, environment and resources.
 */
export function argoStepContainer(o: ArgoStepContainer): unknown {
  return kplus.k8s.toJson_Container({
    name: 'main',
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    command: o.command,
    args: o.args,
    env: o.env,
    resources: o.resources,
    securityContext: RESTRICTED_CONTAINER,
    // A CUDA out-of-memory crash leaves its last log lines as the termination message.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: o.volumeMounts ?? [TMP_VOLUME_MOUNT],
  });
}
