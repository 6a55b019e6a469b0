/**
 * What KServe in Knative mode and Knative Serving need of a predictor and of the network, each
 * constant from the source of the versions KServe 0.20 uses (kserve v0.20.0 go.mod: knative.dev/serving
 * v0.48.1, i.e. Knative Serving 1.21.1, the version its hack/setup/infra/knative templates install).
 * scripts/knative-validate runs Knative's own validation on the rendered predictors.
 */

/**
 * Values of KServe's `serving.kserve.io/deploymentMode` annotation that make a Knative Service
 * (kserve v0.20.0 pkg/constants/constants.go: `Knative`, and `LegacyServerless` = `Serverless`,
 * "deprecated: use Knative", which `ParseDeploymentMode` and the defaulting webhook rewrite to
 * `Knative`; KServe 0.15 and older know only `Serverless`).
 */
export const KSERVE_KNATIVE_MODES: readonly string[] = ['Knative', 'Serverless'];

/**
 * The name of the serving port Knative accepts (knative.dev/serving v0.48.1
 * pkg/apis/serving/k8s_validation.go `validPortNames`: "", "h2c", "http1"; anything else is
 * "Port name … is not allowed"). `http1`: the model servers speak HTTP/1.1.
 */
export const KNATIVE_PORT_NAME = 'http1';

/**
 * Ports of Knative's queue-proxy in every pod of a revision (knative.dev/serving v0.48.1
 * pkg/networking/constants.go; the container ports in pkg/reconciler/revision/resources/queue.go).
 * Requests reach the pod only through these, never on the model server's own port.
 */
export const KNATIVE_QUEUE_PORTS = {
  /** `BackendHTTPPort`: HTTP/1 requests from the activator and the ingress gateway. */
  http: 8012,
  /** `BackendHTTP2Port`: HTTP/2 (h2c) requests. */
  http2: 8013,
  /** `BackendHTTPSPort`: requests when Knative's `system-internal-tls` is on. */
  https: 8112,
  /** `AutoscalingQueueMetricsPort`: scraped by the autoscaler (pkg/autoscaler/metrics/stats_scraper.go). */
  autoscalerMetrics: 9090,
  /** `UserQueueMetricsPort`: request metrics for the user's Prometheus (pkg/queue/sharedmain/otel.go). */
  userMetrics: 9091,
} as const;

/**
 * Namespace of Knative Serving's activator and autoscaler (kserve v0.20.0 pkg/constants
 * `DefaultNSKnativeServing`; Knative's release manifests install there).
 */
export const KNATIVE_SERVING_NAMESPACE = 'knative-serving';

/**
 * Namespace of the ingress gateway in front of Knative with KServe's default network layer, Istio
 * (kserve v0.20.0 hack/setup/global-vars.env `ISTIO_NAMESPACE`, manage.knative-operator-helm.sh
 * `NETWORK_LAYER` default istio). Kourier runs in `kourier-system` (Knative's net-kourier release),
 * or in `knative-serving` when installed by the Knative Operator.
 */
export const DEFAULT_KNATIVE_INGRESS_NAMESPACE = 'istio-system';

/**
 * Knative Serving `config-features` flags the predictor needs, all off by default
 * (knative.dev/serving v0.48.1 pkg/apis/config/features.go `defaultFeaturesConfig`; the pod fields
 * are dropped by `PodSpecMask` in pkg/apis/serving/fieldmask.go unless enabled): node affinity to
 * the GPU pool, the toleration of its taint, the restricted pod securityContext. `multi-container`
 * (sidecars) and `kubernetes.podspec-volumes-emptydir` (the /tmp volume) are on by default.
 * scripts/knative-validate/config-features.yaml holds the same keys; the README lists them.
 */
export const KNATIVE_REQUIRED_FEATURES: readonly string[] = [
  'kubernetes.podspec-affinity',
  'kubernetes.podspec-tolerations',
  'kubernetes.podspec-securitycontext',
];
