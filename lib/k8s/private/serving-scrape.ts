import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { METRICS_PATH } from '../../core/serving-metrics';

/** What the endpoint's PodMonitor needs. */
export interface ServingPodMonitorOptions {
  readonly metadata: ApiObjectMetadata;
  /** Labels of the model server's pods. */
  readonly podLabels: Record<string, string>;
  /** The container port serving the metrics (the preset's). */
  readonly port: number;
  /**
   * A declared container port to find the pods by when `port` cannot be declared (KServe Serverless:
   * Knative admits one container port): the target's address is then rewritten to `port`.
   */
  readonly declaredPort?: number;
}

/**
 * A prometheus-operator `PodMonitor` (monitoring.coreos.com/v1) scraping the model server's pods on
 * the preset's port and path. A pod monitor, not a service monitor: the KServe renderer has no
 * Service of the library's, and the analysis selects pods by name. The operator sets the `namespace`
 * and `pod` target labels the queries select on. `portNumber` (not a named port): Knative admits one
 * container port, so on a KServe Serverless predictor Triton's 8002 is not declared: the pods are
 * found by the server's port and the address rewritten to the pod IP and 8002 (prometheus-operator's
 * documented way to scrape an undeclared port; IPv4 pod addresses).
 */
export function servingPodMonitor(scope: Construct, id: string, o: ServingPodMonitorOptions): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: o.metadata,
    spec: {
      selector: { matchLabels: o.podLabels },
      podMetricsEndpoints: [
        {
          portNumber: o.declaredPort ?? o.port,
          path: METRICS_PATH,
          scheme: 'http',
          interval: '30s',
          relabelings:
            o.declaredPort === undefined
              ? undefined
              : [{ sourceLabels: ['__meta_kubernetes_pod_ip'], targetLabel: '__address__', regex: '(.+)', replacement: `$1:${o.port}`, action: 'replace' }],
        },
      ],
    },
  });
}
