/**
 * What a `k8s.Experiment` needs of the `GpuServingEndpoint` it runs on (the endpoint's private
 * configuration, handed over by its internal `_experimentTarget()`): how it is rendered and routed,
 * where Prometheus is, and the canary's serving queries — the same PromQL its rollback triggers use,
 * so an experiment's ERROR_RATE / LATENCY_P99 guardrails judge the challenger exactly as a rollout
 * judges a canary.
 */
export interface ExperimentTarget {
  /** `ServingRenderer` value: `ARGO_ROLLOUT` or `KSERVE`. */
  readonly renderer: string;
  /** `TrafficRouter` value: `NONE` or `NGINX`. */
  readonly trafficRouter: string;
  /** Replicas of the endpoint (the weight a router-less split can reach). */
  readonly replicas: number;
  /** Prometheus address of the endpoint's analysis. */
  readonly prometheusAddress: string;
  /** Name of the endpoint's background AnalysisTemplate (its rollback triggers). */
  readonly analysisTemplateName: string;
  /** The canary's (`{{args.canary-hash}}`) 5xx share over `window`, percent. */
  errorRatePercent(window: string): string;
  /** The canary's p99 model latency over `window`, milliseconds. */
  p99LatencyMillis(window: string): string;
}
