import type { ExperimentTarget } from './experiment-target';
import { ANALYSIS_INCONCLUSIVE_LIMIT, ANALYSIS_SCRAPE_INTERVAL_SECONDS } from '../../core/policy';

/**
 * How a `k8s.Experiment` is judged by Argo Rollouts (v1.10.1, the version scripts/argo-analysis
 * pins), and why so:
 *
 * - The challenger is the Rollout's canary: `setWeight: challengerPercent`, then an `analysis` step
 *   whose one metric is the decision Job. A step analysis is an "indefinite step", exempt from the
 *   progress deadline (argo-rollouts rollout/sync.go `isIndefiniteStep`), so it may run for weeks.
 * - The decision is a Job-provider metric with `count` 1: Argo judges a Job by its conditions only
 *   (metricproviders/job/job.go `Resume`: JobComplete → Successful, JobFailed → Failed; Inconclusive
 *   only for an image that cannot be pulled). A Job cannot say "continue", so the container loops
 *   (`node experiment.js analyze`: an analysis every `analysisInterval` until `ExperimentMath.decide`
 *   decides) and exits 0 only when the challenger wins — the step analysis succeeds and the Rollout
 *   goes on to 100 % (the challenger becomes stable) — and 1 for CONTROL_WINS, NO_DIFFERENCE or
 *   STOP_GUARDRAIL: `failureLimit` 0 fails the run, a failed step analysis aborts the Rollout and all
 *   traffic returns to the stable ReplicaSet, the control (rollout/analysis.go).
 * - The guardrails are Prometheus metrics added to the endpoint's *background* analysis (beside its
 *   rollback triggers), not to the step: a step's AnalysisRun completes only when all its metrics
 *   do (analysis/analysis.go `assessRunStatus`), and a guardrail measured until the end never
 *   completes. In the background they are judged from `startingStep` until the Rollout finishes;
 *   one failed measurement (`failureLimit` 0) fails the run and aborts the Rollout within one
 *   interval.
 * - Assignment: ingress-nginx splits a canary by weight per request (a user may see both arms). With
 *   the NGINX router the Rollout's `additionalIngressAnnotations` (argo-rollouts
 *   rollout/trafficrouting/nginx/nginx.go: copied to the canary Ingress, prefixed
 *   `nginx.ingress.kubernetes.io/`) set `canary-by-header: <variantHeader>`: a request whose header
 *   is `always` goes to the canary, `never` to the stable version, any other value (or none) by
 *   the weight (ingress-nginx docs, annotations "Canary"). A caller assigning users with
 *   `runtime.VariantAssignment` and sending the header makes the assignment sticky per user. Argo's
 *   own `setHeaderRoute` step is refused for NGINX (validation.go: Istio, ALB and Apisix only).
 * - Not an Argo `Experiment` (a canary `experiment` step or a standalone object): its templates'
 *   `weight` is refused unless the traffic router is SMI, ALB, Istio or a plugin
 *   (pkg/apis/rollouts/validation/validation.go), and the endpoint's routers are none and NGINX;
 *   without a weight an Experiment's pods take no traffic through the Rollout's Services. A
 *   standalone Experiment would not move the endpoint's traffic at all.
 */

/** Metric-name prefixes of the guardrails in the background analysis (scripts/promtool-fixtures.ts keys its fixtures on them). */
export const GUARDRAIL_METRIC_PREFIX: Record<string, string> = {
  ERROR_RATE: 'guardrail-error-rate-',
  LATENCY_P99: 'guardrail-p99-latency-',
  METRIC_DROP: 'guardrail-metric-drop-',
};

/** Window of a METRIC_DROP guardrail: an hour of the business metric per arm (a shorter one is mostly noise). */
export const METRIC_DROP_WINDOW_SECONDS = 3600;

/** Argo's guard: a number was measured (empty and NaN results are Inconclusive: see rollout-analysis.ts). */
const MEASURED = 'len(result) > 0 && !isNaN(result[0])';

/** A guardrail as the schema has it. */
export interface GuardrailInput {
  readonly name: string;
  readonly kind: string;
  readonly threshold: number;
  readonly metric?: string;
}

/** A guardrail as PromQL: what is compared with which limit, breached above or below it. */
export interface GuardrailQuery {
  readonly name: string;
  readonly metricName: string;
  readonly query: string;
  readonly windowSeconds: number;
  /** The limit in the query's unit (ERROR_RATE: percent). */
  readonly threshold: number;
  /** Breached when the value is below the threshold (METRIC_DROP), else above it. */
  readonly below: boolean;
}

/**
 * The business metric's series, per arm: counters `<metric>_units_total`, `<metric>_sum_total` and
 * `<metric>_sum_of_squares_total` labelled `experiment="<name>"` and `variant="control"|"challenger"`.
 */
export function businessSeries(metric: string, suffix: 'units' | 'sum' | 'sum_of_squares', experiment: string, variant: 'control' | 'challenger'): string {
  return `${metric}_${suffix}_total{experiment="${experiment}",variant="${variant}"}`;
}

/** The challenger's mean of `metric` relative to the control's, minus 1, over `window` (−0.05: 5 % lower). */
export function relativeMeanChangeQuery(metric: string, experiment: string, window: string): string {
  const mean = (variant: 'control' | 'challenger') =>
    `(sum(increase(${businessSeries(metric, 'sum', experiment, variant)}[${window}])) / sum(increase(${businessSeries(metric, 'units', experiment, variant)}[${window}])))`;
  return `${mean('challenger')} / ${mean('control')} - 1`;
}

/** The guardrails as PromQL on the canary (`{{args.canary-hash}}`) or on the business metric. */
export function guardrailQueries(
  target: ExperimentTarget,
  experiment: string,
  guardrails: GuardrailInput[],
  intervalSeconds: number,
): GuardrailQuery[] {
  const window = 2 * intervalSeconds;
  return guardrails.map((g) => {
    const metricName = `${GUARDRAIL_METRIC_PREFIX[g.kind]}${g.name}`;
    switch (g.kind) {
      case 'ERROR_RATE':
        return { name: g.name, metricName, query: target.errorRatePercent(`${window}s`), windowSeconds: window, threshold: round(g.threshold * 100), below: false };
      case 'LATENCY_P99':
        return { name: g.name, metricName, query: target.p99LatencyMillis(`${window}s`), windowSeconds: window, threshold: g.threshold, below: false };
      default:
        return {
          name: g.name,
          metricName,
          query: relativeMeanChangeQuery(g.metric!, experiment, `${METRIC_DROP_WINDOW_SECONDS}s`),
          windowSeconds: METRIC_DROP_WINDOW_SECONDS,
          threshold: round(-g.threshold),
          below: true,
        };
    }
  });
}

/**
 * The guardrails' AnalysisTemplate spec (added to the Rollout's background analysis): each waits a
 * scrape interval plus its window, measures every `intervalSeconds`, fails at the first breach
 * (`failureLimit` 0) and is Inconclusive (the Rollout pauses) after more than
 * `ANALYSIS_INCONCLUSIVE_LIMIT` empty or NaN results, like the endpoint's rollback triggers.
 */
export function guardrailAnalysisSpec(address: string, queries: GuardrailQuery[], intervalSeconds: number): Record<string, unknown> {
  return {
    args: [{ name: 'canary-hash' }],
    metrics: queries.map((q) => ({
      name: q.metricName,
      initialDelay: `${ANALYSIS_SCRAPE_INTERVAL_SECONDS + q.windowSeconds}s`,
      interval: `${intervalSeconds}s`,
      inconclusiveLimit: ANALYSIS_INCONCLUSIVE_LIMIT,
      failureLimit: 0,
      successCondition: `${MEASURED} && result[0] ${q.below ? '>=' : '<='} ${q.threshold}`,
      failureCondition: `${MEASURED} && result[0] ${q.below ? '<' : '>'} ${q.threshold}`,
      provider: { prometheus: { address, query: q.query } },
    })),
  };
}

/** What the decision Job runs. */
export interface DecisionJobOptions {
  readonly labels: Record<string, string>;
  readonly image: string;
  readonly env: Record<string, string>;
  /** How long the Job may run: past the planned runtime, it fails (the control stays). */
  readonly activeDeadlineSeconds: number;
  readonly podSecurityContext: Record<string, unknown>;
  readonly containerSecurityContext: Record<string, unknown>;
}

/** Command of the decision container in the runtime image (docker/drift-job/Dockerfile). */
export const DECISION_COMMAND = ['node', '/opt/cdk-mlops/experiment.js', 'analyze'];

/**
 * The decision's AnalysisTemplate spec: one Job-provider metric, measured once (`count` 1), failed
 * at its first failure. The Job retries a pod that died (eviction, node loss) up to `backoffLimit`
 * times: the analysis is stateless (it reads the whole experiment from Prometheus each time).
 */
export function decisionAnalysisSpec(o: DecisionJobOptions): Record<string, unknown> {
  return {
    args: [{ name: 'canary-hash' }],
    metrics: [
      {
        name: 'decision',
        count: 1,
        failureLimit: 0,
        provider: {
          job: {
            metadata: { labels: o.labels },
            spec: {
              backoffLimit: 6,
              activeDeadlineSeconds: o.activeDeadlineSeconds,
              template: {
                metadata: { labels: o.labels },
                spec: {
                  restartPolicy: 'Never',
                  automountServiceAccountToken: false,
                  securityContext: o.podSecurityContext,
                  containers: [
                    {
                      name: 'analyze',
                      image: o.image,
                      imagePullPolicy: 'IfNotPresent',
                      command: DECISION_COMMAND,
                      env: Object.entries({ HOME: '/tmp', ...o.env }).map(([name, value]) => ({ name, value })),
                      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                      securityContext: o.containerSecurityContext,
                      // The decision's JSON line is the termination message (`kubectl get pod … -o jsonpath='{..terminated.message}'`).
                      terminationMessagePolicy: 'FallbackToLogsOnError',
                    },
                  ],
                },
              },
            },
          },
        },
      },
    ],
  };
}

/** `0.01 * 100` → 1, not 1.0000000000000002. */
function round(x: number): number {
  return Number(x.toPrecision(12));
}
