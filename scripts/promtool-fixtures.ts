/**
 * Series that `scripts/promtool-rules.ts` feeds promtool for each alert and analysis query: per
 * metric family, the healthy state and the bad states, in the label forms the exporters really use
 * (Triton, vLLM and generic HTTP servers scraped by the endpoint's PodMonitor; DCGM through the GPU
 * operator's ServiceMonitor — `exported_namespace` / `exported_pod` — or with its labels kept; kube-
 * state-metrics; the drift job through the Pushgateway). An alert or query reading a metric no family
 * here knows fails the check: add its family.
 */

/** A promtool input series: `metric{labels}` and its values at the test's 1-minute interval. */
export interface Series {
  readonly series: string;
  readonly values: string;
}

/** What a family writes series for. */
export interface SeriesContext {
  readonly namespace: string;
  readonly pod: string;
  readonly endpoint: string;
  /** DCGM label form: as the GPU operator's ServiceMonitor delivers it (`exported_*`), or kept. */
  readonly dcgm: 'exported' | 'direct';
  /** The experiment a k8s.Experiment query selects (`experiment="<name>"`), when it selects one. */
  readonly experiment?: string;
  /** The batch scoring a k8s.BatchScoring alert watches (its `batch` label: the WorkflowTemplate's name). */
  readonly batch?: string;
  /** Samples per series when the test looks later than `N` minutes (a daily drift monitor's days). */
  readonly samples?: number;
}

/** Bad states, one per kind of alert; a family writes healthy series for a state it does not know. */
export type State = 'healthy' | 'errors' | 'idle' | 'busy' | 'gpu-busy' | 'slow' | 'gpu-memory-full' | 'xid' | 'restarts' | 'oom' | 'drift' | 'stale' | 'conversion-drop'
  | 'promotion-refused' | 'metric-drop' | 'run-failed';

export interface Family {
  readonly name: string;
  /** Metric names of the family (as they appear in a query). */
  readonly metrics: readonly string[];
  /** Per pod (the analysis writes a canary and a stable pod) or once (business, drift). */
  readonly podScoped: boolean;
  readonly series: (ctx: SeriesContext, state: State) => Series[];
}

/** Samples per series, one a minute: past the latest evaluation time (5 h, for the drift alerts' 4-hour window). */
const N = 310;
const counter = (perMinute: number) => `0+${perMinute}x${N}`;
const gauge = (v: number) => `${v}x${N}`;
const sel = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
const pod = (c: SeriesContext, more: Record<string, string> = {}) => sel({ namespace: c.namespace, pod: c.pod, container: 'server', ...more });

/** A histogram's `_bucket` series (cumulative per `le`) and `_count`, `perMinute` observations all at `seconds`. */
function histogram(metric: string, labels: (more: Record<string, string>) => string, perMinute: number, seconds: number): Series[] {
  // The generic client defaults' bounds and vLLM's sub-second ones (0.3, 0.8): an SLO's latency threshold must be one of them.
  const les = ['0.05', '0.1', '0.25', '0.3', '0.5', '0.8', '1', '2.5', '+Inf'];
  return [
    ...les.map((le) => ({ series: `${metric}_bucket${labels({ le })}`, values: counter(le === '+Inf' || Number(le) >= seconds ? perMinute : 0) })),
    { series: `${metric}_count${labels({})}`, values: counter(perMinute) },
  ];
}

/** Requests per minute: 600 (10/s) healthy, 6 (0.1/s) idle, 6000 (100/s) busy; errors 60 a minute (about 9 %) when failing. */
const REQUESTS = 600;
const BUSY = 6000;
const rate = (s: State) => (s === 'idle' ? IDLE : s === 'busy' ? BUSY : REQUESTS);
const IDLE = 6;
const ERRORS = 60;

/** Business metrics of the experiments the checks render (k8s.Experiment's per-arm counters). */
const EXPERIMENT_METRICS = ['checkout_revenue', 'checkout_conversion', 'revenue_per_user', 'retained'];

export const FAMILIES: Family[] = [
  {
    name: 'triton-requests',
    metrics: ['nv_inference_request_success', 'nv_inference_request_failure'],
    podScoped: true,
    series: (c, s) => [
      { series: `nv_inference_request_success${pod(c, { model: 'fraud', version: '1' })}`, values: counter(rate(s)) },
      { series: `nv_inference_request_failure${pod(c, { model: 'fraud', version: '1', reason: 'BACKEND' })}`, values: counter(s === 'errors' ? ERRORS : 0) },
    ],
  },
  {
    name: 'triton-latency',
    metrics: ['nv_inference_request_summary_us'],
    podScoped: true,
    series: (c, s) => [
      { series: `nv_inference_request_summary_us${pod(c, { model: 'fraud', version: '1', quantile: '0.99' })}`, values: gauge(s === 'slow' ? 2_000_000 : 40_000) },
      { series: `nv_inference_request_summary_us${pod(c, { model: 'fraud', version: '1', quantile: '0.5' })}`, values: gauge(20_000) },
    ],
  },
  {
    name: 'vllm-requests',
    metrics: ['http_requests_total#vllm'],
    podScoped: true,
    series: (c, s) => [
      { series: `http_requests_total${pod(c, { handler: '/v1/chat/completions', method: 'POST', status: '2xx' })}`, values: counter(rate(s)) },
      { series: `http_requests_total${pod(c, { handler: '/v1/chat/completions', method: 'POST', status: '5xx' })}`, values: counter(s === 'errors' ? ERRORS : 0) },
      // Health checks are not requests: a busy probe must not hide an idle server.
      { series: `http_requests_total${pod(c, { handler: '/health', method: 'GET', status: '2xx' })}`, values: counter(REQUESTS) },
    ],
  },
  {
    name: 'vllm-latency',
    metrics: ['vllm:e2e_request_latency_seconds_bucket', 'vllm:e2e_request_latency_seconds_count'],
    podScoped: true,
    series: (c, s) => histogram('vllm:e2e_request_latency_seconds', (m) => pod(c, { model_name: 'fraud', ...m }), REQUESTS, s === 'slow' ? 2 : 0.08),
  },
  {
    name: 'http-requests',
    metrics: ['http_requests_total'],
    podScoped: true,
    series: (c, s) => [
      { series: `http_requests_total${pod(c, { code: '200', method: 'POST' })}`, values: counter(rate(s)) },
      { series: `http_requests_total${pod(c, { code: '503', method: 'POST' })}`, values: counter(s === 'errors' ? ERRORS : 0) },
    ],
  },
  {
    name: 'http-latency',
    metrics: ['http_request_duration_seconds_bucket', 'http_request_duration_seconds_count'],
    podScoped: true,
    series: (c, s) => histogram('http_request_duration_seconds', (m) => pod(c, { method: 'POST', ...m }), REQUESTS, s === 'slow' ? 2 : 0.08),
  },
  {
    name: 'dcgm',
    metrics: ['DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_XID_ERRORS', 'DCGM_FI_DEV_GPU_UTIL'],
    podScoped: true,
    series: (c, s) => {
      // The GPU operator's ServiceMonitor: the exporter's own pod and namespace, the workload's as exported_*.
      const labels = c.dcgm === 'exported'
        ? sel({ namespace: 'gpu-operator', pod: 'nvidia-dcgm-exporter-x7k2p', container: 'nvidia-dcgm-exporter', exported_namespace: c.namespace, exported_pod: c.pod, exported_container: 'server', gpu: '0', UUID: `GPU-${c.pod}` })
        : sel({ namespace: c.namespace, pod: c.pod, container: 'server', gpu: '0', UUID: `GPU-${c.pod}` });
      const full = s === 'gpu-memory-full';
      return [
        { series: `DCGM_FI_DEV_FB_USED${labels}`, values: gauge(full ? 22_000 : 8_000) },
        { series: `DCGM_FI_DEV_FB_FREE${labels}`, values: gauge(full ? 500 : 14_500) },
        { series: `DCGM_FI_DEV_XID_ERRORS${labels}`, values: gauge(s === 'xid' ? 79 : 0) },
        { series: `DCGM_FI_DEV_GPU_UTIL${labels}`, values: gauge(s === 'gpu-busy' ? 97 : 40) },
      ];
    },
  },
  {
    name: 'kube-state-metrics',
    metrics: ['kube_pod_container_status_restarts_total', 'kube_pod_container_status_last_terminated_reason'],
    podScoped: true,
    series: (c, s) => {
      const ksm = (more: Record<string, string> = {}) => sel({ namespace: c.namespace, pod: c.pod, container: 'server', job: 'kube-state-metrics', ...more });
      return [
        { series: `kube_pod_container_status_restarts_total${ksm()}`, values: counter(s === 'restarts' ? 1 : 0) },
        { series: `kube_pod_container_status_last_terminated_reason${ksm({ reason: s === 'oom' ? 'OOMKilled' : 'Completed' })}`, values: gauge(1) },
      ];
    },
  },
  {
    name: 'drift',
    metrics: ['cdk_mlops_drift_psi', 'cdk_mlops_drift_last_run_timestamp_seconds'],
    podScoped: false,
    series: (c, s) => {
      const n = Math.max(N, c.samples ?? 0);
      return [
        ...['amount', 'country'].map((feature) => ({
          series: `cdk_mlops_drift_psi${sel({ endpoint: c.endpoint, feature, job: 'pushgateway' })}`,
          values: `${s === 'drift' && feature === 'amount' ? 0.5 : 0.02}x${n}`,
        })),
        // The timestamp of the last run: now (fresh) or 0 (the job stopped reporting long ago).
        { series: `cdk_mlops_drift_last_run_timestamp_seconds${sel({ endpoint: c.endpoint, job: 'pushgateway' })}`, values: s === 'stale' ? `0x${n}` : `0+60x${n}` },
      ];
    },
  },
  {
    // The promoter through the Pushgateway (lib/runtime/k8s-promotion): refused (or failing) while the failure is 1.
    name: 'promotion',
    metrics: ['cdk_mlops_promotion_failed', 'cdk_mlops_promotion_last_run_timestamp_seconds', 'cdk_mlops_promotion_served_version'],
    podScoped: false,
    series: (c, s) => [
      { series: `cdk_mlops_promotion_failed${sel({ endpoint: c.endpoint, job: 'pushgateway' })}`, values: gauge(s === 'promotion-refused' ? 1 : 0) },
      { series: `cdk_mlops_promotion_served_version${sel({ endpoint: c.endpoint, job: 'pushgateway' })}`, values: gauge(7) },
      // The timestamp of the last run: now (fresh) or 0 (the promoter stopped reporting long ago).
      { series: `cdk_mlops_promotion_last_run_timestamp_seconds${sel({ endpoint: c.endpoint, job: 'pushgateway' })}`, values: s === 'stale' ? gauge(0) : counter(60) },
    ],
  },
  {
    // A k8s.Experiment's business metrics per arm (lib/k8s/private/experiment-analysis.ts: counters
    // <metric>_units_total / _sum_total / _sum_of_squares_total, labels experiment and variant):
    // 1,000 users a minute per arm; the challenger's mean 20 % below the control's when it drops.
    // The metrics: scripts/argo-analysis/render-experiment.ts's and the example platform's (examples/platform.yaml).
    name: 'experiment-business',
    metrics: EXPERIMENT_METRICS.flatMap((m) => [`${m}_units_total`, `${m}_sum_total`, `${m}_sum_of_squares_total`]),
    podScoped: false,
    series: (c, s) => EXPERIMENT_METRICS.flatMap((m) => (['control', 'challenger'] as const).flatMap((variant) => {
      const labels = sel({ experiment: c.experiment ?? 'none', variant, job: 'checkout' });
      const mean = variant === 'challenger' && s === 'metric-drop' ? 40 : 50;
      return [
        { series: `${m}_units_total${labels}`, values: counter(1000) },
        { series: `${m}_sum_total${labels}`, values: counter(1000 * mean) },
        { series: `${m}_sum_of_squares_total${labels}`, values: counter(1000 * mean * mean * 2) },
      ];
    })),
  },
  {
    // Argo's workflow controller (docs/metrics.md): runs per WorkflowTemplate and phase, in the
    // controller's namespace label form (scripts/argo-workflows-check/promtool-batch.ts judges the
    // exported_namespace form, backfills, old failures and the window too). Healthy: a run succeeded,
    // no Failed series; run-failed: the Failed series appears at minute 10 and counts a second failure
    // at minute 20. Another template's failures, in the same namespace, are there in both states.
    name: 'argo-workflows',
    metrics: ['argo_workflows_workflowtemplate_triggered_total'],
    podScoped: false,
    series: (c, s) => {
      const runs = (name: string, phase: string) =>
        `argo_workflows_workflowtemplate_triggered_total${sel({ namespace: c.namespace, pod: 'workflow-controller-7d9f', name, phase, cluster_scope: 'false' })}`;
      const batch = c.batch ?? 'none';
      return [
        { series: runs(batch, 'Succeeded'), values: `_x10 1x${N - 10}` },
        { series: runs(`${batch}-other`, 'Failed'), values: `_x10 1x10 2x${N - 20}` },
        ...(s === 'run-failed' ? [{ series: runs(batch, 'Failed'), values: `_x10 1x10 2x${N - 20}` }] : []),
      ];
    },
  },
  {
    // The example's business trigger (examples/gpu-serving-k8s.ts): conversions per session.
    name: 'checkout',
    metrics: ['checkout_conversions_total', 'checkout_sessions_total'],
    podScoped: false,
    series: (_c, s) => [
      { series: 'checkout_sessions_total{job="checkout"}', values: counter(1000) },
      { series: 'checkout_conversions_total{job="checkout"}', values: counter(s === 'conversion-drop' ? 10 : 50) },
    ],
  },
];

/** What an alert or analysis metric watches, by its name: the bad state and what absent series mean. */
export interface Kind {
  readonly bad: State;
  /** Whether no series at all must fire (a staleness alert) rather than stay silent. */
  readonly firesWhenAbsent?: boolean;
  /** DCGM queries are tested in both label forms (the GPU operator's exported_* and kept labels). */
  readonly perPod?: boolean;
  /** The alert must name the workload's pod (`max by (pod)`), whichever the label form. */
  readonly podLabel?: boolean;
  /** Bad is `slow` when the query reads a latency histogram (an SLO-derived trigger: availability or latency). */
  readonly slowWhenHistogram?: boolean;
}

/** Kinds by alert name (suffix) or analysis metric name. */
export const KINDS: Array<{ readonly match: RegExp; readonly kind: Kind }> = [
  { match: /(ErrorRate|^error-rate)$/, kind: { bad: 'errors' } },
  { match: /(P99Latency|^p99-latency)$/, kind: { bad: 'slow' } },
  // RollbackTrigger.slowRequests and RollbackTrigger.fromSlo (`burn-<objective>`: errors, or slow requests for a latency objective).
  { match: /(SlowRequests|^slow-requests)$/, kind: { bad: 'slow' } },
  { match: /(Burn[A-Z][A-Za-z0-9]*|^burn-[a-z0-9-]+)$/, kind: { bad: 'errors', slowWhenHistogram: true } },
  { match: /^enough-traffic$/, kind: { bad: 'idle' } },
  { match: /GpuMemoryHigh$/, kind: { bad: 'gpu-memory-full', perPod: true, podLabel: true } },
  { match: /GpuXidErrors$/, kind: { bad: 'xid', perPod: true, podLabel: true } },
  { match: /Restarting$/, kind: { bad: 'restarts' } },
  { match: /OomKilled$/, kind: { bad: 'oom' } },
  { match: /^Drift(Investigate|Act|Sustained)$/, kind: { bad: 'drift' } },
  { match: /^DriftJobStale$/, kind: { bad: 'stale', firesWhenAbsent: true } },
  { match: /^PromotionFailed$/, kind: { bad: 'promotion-refused' } },
  { match: /^PromotionStale$/, kind: { bad: 'stale', firesWhenAbsent: true } },
  { match: /^(BusinessConversionRate|conversion-rate)$/, kind: { bad: 'conversion-drop' } },
  // k8s.BatchScoring: a failed run (or backfill) of its WorkflowTemplates.
  { match: /^BatchScoringRunFailed$/, kind: { bad: 'run-failed' } },
  // k8s.Experiment's guardrails (lib/k8s/private/experiment-analysis.ts GUARDRAIL_METRIC_PREFIX).
  { match: /^guardrail-error-rate-/, kind: { bad: 'errors' } },
  { match: /^guardrail-p99-latency-/, kind: { bad: 'slow' } },
  { match: /^guardrail-metric-drop-/, kind: { bad: 'metric-drop' } },
  { match: /^keda:.*:gpu$/, kind: { bad: 'gpu-busy', perPod: true } },
  { match: /^keda:.*:requests$/, kind: { bad: 'busy' } },
];
