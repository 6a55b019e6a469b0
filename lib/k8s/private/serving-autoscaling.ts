import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

/** What the endpoint's KEDA ScaledObject needs. */
export interface ServingScaledObjectOptions {
  readonly metadata: ApiObjectMetadata;
  /** The Argo Rollout scaled (it has the `/scale` subresource KEDA drives). */
  readonly rolloutName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly prometheusAddress: string;
  /** PromQL summed over the fleet: KEDA's HPA divides it by the replicas (`AverageValue`). */
  readonly query: string;
  /** Target per replica, in the query's unit. */
  readonly threshold: number;
  /** The HPA's scaling behaviour (slow scale-in of GPU replicas). */
  readonly behavior: Record<string, unknown>;
}

/**
 * A KEDA `ScaledObject` (keda.sh/v1alpha1) scaling the Rollout on a Prometheus query: KEDA creates
 * and owns the HorizontalPodAutoscaler (`keda-hpa-<name>`), serving the query as an external metric,
 * so no prometheus-adapter rule is needed (KEDA docs, scalers/prometheus; scaleTargetRef of any
 * resource with a scale subresource, such as argoproj.io/v1alpha1 Rollout).
 */
export function servingScaledObject(scope: Construct, id: string, o: ServingScaledObjectOptions): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: o.metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: o.rolloutName },
      minReplicaCount: o.minReplicas,
      maxReplicaCount: o.maxReplicas,
      pollingInterval: 30,
      advanced: { horizontalPodAutoscalerConfig: { behavior: o.behavior } },
      triggers: [
        {
          type: 'prometheus',
          metricType: 'AverageValue',
          metadata: { serverAddress: o.prometheusAddress, query: o.query, threshold: String(o.threshold) },
        },
      ],
    },
  });
}
