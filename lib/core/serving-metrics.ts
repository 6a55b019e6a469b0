/**
 * The metrics a model server exports, by server, and the PromQL the library builds from them for the
 * canary analysis, the alerts and the autoscaler. Pure functions: the Kubernetes constructs render
 * the scrape object, the NetworkPolicy port and the queries from the same table.
 *
 * Sources of the names:
 * - Triton Inference Server, docs/user_guide/metrics.md (triton-inference-server/server r24.04):
 *   metrics on port 8002 (`--metrics-port`) at `/metrics`; counters `nv_inference_request_success`
 *   and `nv_inference_request_failure` (per model and version; failures carry a `reason` since
 *   24.0x); latencies are cumulative counters in microseconds (`nv_inference_request_duration_us`)
 *   and, only with `--metrics-config summary_latencies=true`, the summary
 *   `nv_inference_request_summary_us` with the quantiles 0.5, 0.9, 0.95 and 0.99.
 * - vLLM, docs/design/v1/metrics.md and vllm/entrypoints/openai/api_server.py (vllm-project/vllm):
 *   `/metrics` on the API server's own port; `vllm:e2e_request_latency_seconds` (histogram, seconds),
 *   `vllm:request_success_total`; HTTP requests counted by prometheus-fastapi-instrumentator as
 *   `http_requests_total{handler,method,status}` with the status grouped (`2xx`, `5xx`: the
 *   instrumentator's default `should_group_status_codes=True`).
 * - Generic HTTP (KServe's and custom servers): the names of `PrometheusServingMetrics`, by default
 *   `http_requests_total{code}` and the histogram `http_request_duration_seconds`, on the server port.
 * - DCGM exporter (NVIDIA/dcgm-exporter, default-counters.csv): `DCGM_FI_DEV_FB_USED`,
 *   `DCGM_FI_DEV_FB_FREE` (MiB), `DCGM_FI_DEV_GPU_UTIL` (percent), `DCGM_FI_DEV_XID_ERRORS`. Scraped
 *   through the GPU operator's ServiceMonitor (no `honorLabels`), the exporter's `namespace` and `pod`
 *   labels arrive renamed `exported_namespace` / `exported_pod` (NVIDIA/gpu-operator#2938), while a
 *   scrape that honours labels keeps `namespace` / `pod`: `dcgmSeries` matches both.
 */

/** Which metrics the model server exports: decides the scrape port and path and the PromQL of analysis, alerts and autoscaling. */
export enum ServingMetrics {
  /**
   * NVIDIA Triton Inference Server: `nv_inference_*` on port 8002 at `/metrics`. The p99 latency
   * trigger reads `nv_inference_request_summary_us`, which Triton exports only when started with
   * `--metrics-config summary_latencies=true`.
   */
  TRITON = 'TRITON',
  /** vLLM's OpenAI-compatible server: `vllm:*` and `http_requests_total` on the API port at `/metrics`. */
  VLLM = 'VLLM',
  /**
   * Any HTTP server (KServe's model servers, custom ones) exporting a request counter with a status
   * code label and a latency histogram on its own port at `/metrics`: the names of `metrics`.
   */
  GENERIC_HTTP = 'GENERIC_HTTP',
}

/** Port of Triton's metrics endpoint unless `--metrics-port` says otherwise (Triton docs, metrics.md). */
export const TRITON_METRICS_PORT = 8002;

/** Path every preset serves its metrics on. */
export const METRICS_PATH = '/metrics';

/** Metric names of the generic HTTP preset (`PrometheusServingMetrics`) */
export interface GenericMetricNames {
  readonly requestsTotal?: string;
  readonly errorMatcher?: string;
  readonly latencyHistogram?: string;
  readonly latencyUnitSeconds?: boolean;
}

/** The port Prometheus scrapes: Triton's own metrics port, else the server's */
export function metricsPort(preset: ServingMetrics, serverPort: number): number {
  return preset === ServingMetrics.TRITON ? TRITON_METRICS_PORT : serverPort;
}

/** Requests per second of the selected pods over `window`; empty when the server exports nothing. */
export function requestRateQuery(preset: ServingMetrics, sel: string, window: string, names: GenericMetricNames = {}): string {
  switch (preset) {
    case ServingMetrics.TRITON:
      // Failures are counted apart from successes; a server without a failure series has none.
      return `(sum(rate(nv_inference_request_success{${sel}}[${window}])) + (sum(rate(nv_inference_request_failure{${sel}}[${window}])) or vector(0)))`;
    case ServingMetrics.VLLM:
      return `sum(rate(http_requests_total{${sel},${VLLM_API_HANDLERS}}[${window}]))`;
    default:
      return `sum(rate(${names.requestsTotal ?? 'http_requests_total'}{${sel}}[${window}]))`;
  }
}

/**
 * Share of failed requests, percent. No error series at all means no errors, not no data: `or
 * vector(0)` keeps the ratio defined, while no requests at all (an empty or zero denominator) yields
 * an empty result or NaN, both inconclusive for the analysis and silent for the alert.
 */
export function errorRatePercentQuery(preset: ServingMetrics, sel: string, window: string, names: GenericMetricNames = {}): string {
  return `100 * ${errorRatioQuery(preset, sel, window, names)}`;
}

/** Share of failed requests, 0-1: `errorRatePercentQuery` without the 100 (an SLO's availability bad ratio). */
export function errorRatioQuery(preset: ServingMetrics, sel: string, window: string, names: GenericMetricNames = {}): string {
  switch (preset) {
    case ServingMetrics.TRITON:
      return `(sum(rate(nv_inference_request_failure{${sel}}[${window}])) or vector(0)) / ${requestRateQuery(preset, sel, window)}`;
    case ServingMetrics.VLLM:
      return `(sum(rate(http_requests_total{${sel},${VLLM_API_HANDLERS},status="5xx"}[${window}])) or vector(0)) / ${requestRateQuery(preset, sel, window)}`;
    default: {
      const requests = names.requestsTotal ?? 'http_requests_total';
      return `(sum(rate(${requests}{${sel},${names.errorMatcher ?? 'code=~"5.."'}}[${window}])) or vector(0)) / sum(rate(${requests}{${sel}}[${window}]))`;
    }
  }
}

/**
 * The upper bounds of vLLM's `vllm:e2e_request_latency_seconds` buckets, seconds
 * (vllm-project/vllm vllm/v1/metrics/buckets.py REQUEST_LATENCY_BUCKETS; up to 60 s before the
 * longer ones were added, in vllm/engine/metrics.py `request_latency_buckets`).
 */
export const VLLM_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];

/** A latency histogram's name (without `_bucket`) and unit. */
export interface LatencyHistogram {
  readonly metric: string;
  readonly unitSeconds: boolean;
}

/** The request latency histogram of a preset (`_bucket` / `_count` series), or none (Triton: counters and a summary). */
export function latencyHistogram(preset: ServingMetrics, names: GenericMetricNames = {}): LatencyHistogram | undefined {
  switch (preset) {
    case ServingMetrics.TRITON:
      return undefined;
    case ServingMetrics.VLLM:
      return { metric: 'vllm:e2e_request_latency_seconds', unitSeconds: true };
    default:
      return { metric: names.latencyHistogram ?? 'http_request_duration_seconds', unitSeconds: names.latencyUnitSeconds ?? true };
  }
}

/**
 * Why a latency threshold cannot be measured with a preset's histogram, or undefined when it can (as
 * far as is known at synthesis: a GENERIC_HTTP server's buckets are its own, not known here).
 */
export function latencyThresholdProblem(preset: ServingMetrics, thresholdMillis: number): string | undefined {
  if (preset === ServingMetrics.TRITON) {
    return 'cannot be measured with metricsPreset TRITON: Triton exports request latency as cumulative counters and a summary (quantiles), '
      + 'not a histogram, so the share of requests under a threshold is unknown; use GENERIC_HTTP with a histogram the server exports';
  }
  if (preset === ServingMetrics.VLLM && !VLLM_LATENCY_BUCKETS_SECONDS.some((b) => Math.abs(b * 1000 - thresholdMillis) < 1e-6)) {
    return `must be a bucket bound of vLLM's vllm:e2e_request_latency_seconds: ${VLLM_LATENCY_BUCKETS_SECONDS.map((b) => b * 1000).join(', ')} ms`;
  }
  return undefined;
}

/**
 * The `le` matcher of a bucket bound, in both spellings exporters and Prometheus use: Go clients
 * write a whole number without a decimal point (`le="1"`), Python's client and Prometheus 3's
 * normalisation of classic histograms with one (`le="1.0"`). Other bounds are written alike
 * (`le="0.25"`). A bound the histogram does not have selects nothing.
 */
export function leMatcher(bound: number): string {
  return Number.isInteger(bound) ? `le=~"${bound}([.]0)?"` : `le="${bound}"`;
}

/**
 * Share of requests slower than `thresholdMillis`, 0-1: 1 − (requests in the bucket at the
 * threshold) / (all requests), from the preset's latency histogram; the threshold must be one of
 * its bucket bounds (`latencyThresholdProblem`). No requests: NaN (silent, inconclusive).
 */
export function slowRequestsRatioQuery(
  preset: ServingMetrics, sel: string, window: string, thresholdMillis: number, names: GenericMetricNames = {},
): string {
  const h = latencyHistogram(preset, names);
  if (h === undefined) throw new Error(`slow requests ${latencyThresholdProblem(preset, thresholdMillis)}`);
  const bound = h.unitSeconds ? Number((thresholdMillis / 1000).toPrecision(12)) : thresholdMillis;
  return `1 - sum(rate(${h.metric}_bucket{${sel},${leMatcher(bound)}}[${window}])) / sum(rate(${h.metric}_count{${sel}}[${window}]))`;
}

/** Share of requests slower than `thresholdMillis`, percent (the SLOW_REQUESTS rollback trigger). */
export function slowRequestsPercentQuery(
  preset: ServingMetrics, sel: string, window: string, thresholdMillis: number, names: GenericMetricNames = {},
): string {
  return `100 * (${slowRequestsRatioQuery(preset, sel, window, thresholdMillis, names)})`;
}

/** 99th percentile request latency, milliseconds. */
export function p99LatencyMillisQuery(preset: ServingMetrics, sel: string, window: string, names: GenericMetricNames = {}): string {
  switch (preset) {
    case ServingMetrics.TRITON:
      // A summary: its quantiles are already over Triton's own sliding window; the slowest pod's counts.
      return `max(nv_inference_request_summary_us{${sel},quantile="0.99"}) / 1000`;
    case ServingMetrics.VLLM:
      return `1000 * histogram_quantile(0.99, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{${sel}}[${window}])))`;
    default: {
      const scale = (names.latencyUnitSeconds ?? true) ? '1000 * ' : '';
      return `${scale}histogram_quantile(0.99, sum by (le) (rate(${names.latencyHistogram ?? 'http_request_duration_seconds'}_bucket{${sel}}[${window}])))`;
    }
  }
}

/** vLLM's API routes (`/v1/completions`, `/v1/chat/completions`, …), not its health or metrics handlers. */
const VLLM_API_HANDLERS = 'handler=~"/v1/.*"';

/**
 * A DCGM exporter series of the pods `podRegex` in `namespace`, whichever way it was scraped: with the
 * exporter's labels renamed `exported_namespace` / `exported_pod` (the GPU operator's ServiceMonitor,
 * gpu-operator#2938) — copied back to `namespace` / `pod` — or kept as `namespace` / `pod`.
 */
export function dcgmSeries(metric: string, namespace: string, podRegex: string): string {
  const exported = `${metric}{exported_namespace="${namespace}",exported_pod=~"${podRegex}"}`;
  const relabelled = `label_replace(label_replace(${exported}, "namespace", "$1", "exported_namespace", "(.+)"), "pod", "$1", "exported_pod", "(.+)")`;
  return `(${relabelled} or ${metric}{namespace="${namespace}",pod=~"${podRegex}"})`;
}

/** Share of GPU memory in use per pod, 0-1 (either label form). */
export function gpuMemoryUsedRatioQuery(namespace: string, podRegex: string): string {
  const used = dcgmSeries('DCGM_FI_DEV_FB_USED', namespace, podRegex);
  const free = dcgmSeries('DCGM_FI_DEV_FB_FREE', namespace, podRegex);
  return `max by (pod) (${used} / (${used} + ${free}))`;
}

/** GPU utilisation summed over the pods, percent (one fully busy GPU per pod: 100 per pod). */
export function gpuUtilizationSumQuery(namespace: string, podRegex: string): string {
  return `sum(max by (pod) (${dcgmSeries('DCGM_FI_DEV_GPU_UTIL', namespace, podRegex)}))`;
}

/** What the serving autoscaler follows (Kubernetes `GpuServingEndpoint` with the ARGO_ROLLOUT renderer). */
export enum ServingScaleMetric {
  /**
   * GPU utilisation of the replicas (DCGM `DCGM_FI_DEV_GPU_UTIL`, either label form), through a KEDA
   * `ScaledObject` with a Prometheus trigger. On a time-sliced or MIG pool the utilisation is the
   * whole GPU's, shared with other pods: prefer REQUEST_RATE there.
   */
  GPU_UTILIZATION = 'GPU_UTILIZATION',
  /** Requests per second per replica, in the metrics preset's request counter, through a KEDA `ScaledObject`. */
  REQUEST_RATE = 'REQUEST_RATE',
  /**
   * CPU utilisation of the CPU request (a plain `HorizontalPodAutoscaler`): only for servers whose
   * CPU work tracks the load (pre- and post-processing); a GPU-bound server's CPU stays low while
   * its GPU saturates.
   */
  CPU = 'CPU',
}

/** Default GPU utilisation target of the autoscaler, percent per replica (NVIDIA's Triton autoscaling guides use 60-80). */
export const DEFAULT_TARGET_GPU_UTILIZATION_PERCENT = 70;

/**
 * The autoscaler's metric: the one asked for; else CPU when a CPU target is given (the explicit
 * choice of earlier versions), REQUEST_RATE when a request-rate target is given, GPU_UTILIZATION
 * otherwise.
 */
export function resolveScaleMetric(p: {
  scaleMetric?: ServingScaleMetric;
  targetCpuUtilizationPercent?: number;
  targetRequestsPerSecond?: number;
}): ServingScaleMetric {
  if (p.scaleMetric !== undefined) return p.scaleMetric;
  if (p.targetCpuUtilizationPercent !== undefined) return ServingScaleMetric.CPU;
  if (p.targetRequestsPerSecond !== undefined) return ServingScaleMetric.REQUEST_RATE;
  return ServingScaleMetric.GPU_UTILIZATION;
}
