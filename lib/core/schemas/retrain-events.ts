import { z } from 'zod';
import { k8sLabelName, versionLabel } from '../primitives';
import { unlessToken } from '../validation';

/** @internal the props of `k8s.AlertmanagerEventSource` */
export const alertmanagerEventSourceSchema = z.strictObject({
  name: k8sLabelName.optional(),
  namespace: k8sLabelName.optional(),
  createNamespace: z.boolean().optional(),
  alertmanagerNamespace: k8sLabelName.optional(),
  eventBusReplicas: z
    .number()
    .int('must be a whole number of replicas')
    .superRefine(unlessToken((n: number, ctx) => {
      // argo-events v1.9.11 pkg/reconciler/eventbus/validate.go: "a jetstream eventbus requires 1 replica or >= 3 replicas".
      if (n < 1 || n === 2) {
        ctx.addIssue({ code: 'custom', message: 'must be 1 or at least 3: a JetStream EventBus refuses 2 replicas and fewer than 1 (Argo Events)' });
      }
    }))
    .optional(),
});

/**
 * @internal the call `k8s.DriftMonitor.onSustainedDrift(id, options)`: the options, and the
 * monitor's `retrainWorkflowTemplate`, without which its alert names no template to submit.
 */
export const onSustainedDriftSchema = z.strictObject({
  retrainWorkflowTemplate: z.any().refine(
    (t) => t !== undefined,
    'must be set on the DriftMonitor to route its sustained drift (the alert carries the template the Sensor submits)',
  ),
  options: z.strictObject({
    eventSource: z.any(),
    dataVersion: versionLabel.refine((v) => v.length <= 150, 'must be at most 150 characters (the run records <dataVersion>@<time the alert started>)'),
  }),
});
