import { z } from 'zod';
import { k8sGpuServingSchema } from './k8s-serving';
import { checkSloSpec, sloSpecShape } from './slo';
import { k8sLabelName } from '../primitives';
import { ownershipSchema } from '../rollback';
import { ServingMetrics, latencyThresholdProblem } from '../serving-metrics';
import { unlessToken } from '../validation';

/**
 * @internal `k8s.ServiceLevelObjectives`: the SloSpec's objectives and window, and whose series they
 * judge: a `GpuServingEndpoint` (`endpoint`, read as its name, namespace, preset and metric names),
 * or those given plainly.
 */
export const k8sSloSchema = z
  .strictObject({
    objectives: sloSpecShape.objectives,
    windowDays: sloSpecShape.windowDays,
    // a construct reference (the type system checks it), read as its SLO target
    endpoint: z.any().optional(),
    endpointName: k8sLabelName.optional(),
    namespace: k8sLabelName.optional(),
    metricsPreset: z.enum(ServingMetrics).optional(),
    metrics: k8sGpuServingSchema.shape.metrics,
    alarmOwnership: ownershipSchema.optional(),
    prometheusRuleLabels: z.record(z.string(), z.string()).optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    checkSloSpec(p, ctx);
    const endpoint = p.endpoint as { metricsPreset?: ServingMetrics; metrics?: Record<string, unknown> } | undefined;
    if (endpoint !== undefined) {
      for (const key of ['endpointName', 'namespace', 'metricsPreset', 'metrics'] as const) {
        if (p[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'must not be set with endpoint (it is the endpoint\'s)' });
      }
    } else {
      if (p.endpointName === undefined) ctx.addIssue({ code: 'custom', path: ['endpointName'], message: 'must be set when endpoint is not (whose series the objectives judge)' });
      if (p.alarmOwnership === undefined) ctx.addIssue({ code: 'custom', path: ['alarmOwnership'], message: 'must be set when endpoint is not (who is paged)' });
    }
    const preset = endpoint?.metricsPreset ?? p.metricsPreset ?? ServingMetrics.GENERIC_HTTP;
    if (preset !== ServingMetrics.GENERIC_HTTP && endpoint === undefined) {
      for (const key of ['requestsTotal', 'errorMatcher', 'latencyHistogram', 'latencyUnitSeconds']) {
        if ((p.metrics as Record<string, unknown> | undefined)?.[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['metrics', key], message: `must not be set with metricsPreset ${preset} (its metric names are fixed); use GENERIC_HTTP for other names` });
        }
      }
    }
    (p.objectives ?? []).forEach((o, i) => {
      if (o?.indicator !== 'LATENCY' || typeof o.latencyThresholdMillis !== 'number') return;
      const problem = latencyThresholdProblem(preset, o.latencyThresholdMillis);
      if (problem) ctx.addIssue({ code: 'custom', path: ['objectives', i, 'latencyThresholdMillis'], message: problem });
    });
  }));
