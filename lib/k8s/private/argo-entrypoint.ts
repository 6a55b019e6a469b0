import { Construct } from 'constructs';
import { addWarning } from '../../core/warnings';

/** The warning id users acknowledge once their workflow controller can resolve the images' entrypoints. */
export const ENTRYPOINT_LOOKUP_WARNING = 'cdk-mlops:ml-pipeline:entrypoint-lookup';

/**
 * A container without `command` makes the Argo workflow controller look the image's ENTRYPOINT/CMD
 * up in its registry before it creates the pod (argo-workflows workflow/controller/workflowpod.go,
 * createWorkflowPod: `entrypoint.Lookup` with the workflow's ServiceAccount and imagePullSecrets
 * only, else "failed to look-up entrypoint/cmd for image …, you must either explicitly specify the
 * command, or list the image's command in the index"; the index is the controller ConfigMap's
 * `images`, https://argo-workflows.readthedocs.io/en/latest/workflow-executors/#emissary-emissary).
 * On EKS an ECR image is pulled with the node's role, which the controller does not have: the step
 * never starts. Say so for each such step.
 */
export function warnEntrypointLookup(scope: Construct, pipeline: string, step: string, image: string, command: string[] | undefined): void {
  if (command !== undefined && command.length > 0) {
    return;
  }
  addWarning(
    scope,
    ENTRYPOINT_LOOKUP_WARNING,
    `MlPipeline ${pipeline}: step ${step} has no command, so the Argo workflow controller must read the entrypoint of ${image} from its registry before it starts the pod, `
      + 'which fails for a private registry such as ECR (the controller does not have the node\'s pull credentials) unless the pipeline\'s ServiceAccount has imagePullSecrets '
      + 'or the image is listed under `images` in the workflow-controller ConfigMap; set the step\'s command.',
  );
}
