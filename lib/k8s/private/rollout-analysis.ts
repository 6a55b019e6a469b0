import { ANALYSIS_INCONCLUSIVE_LIMIT, ANALYSIS_SCRAPE_INTERVAL_SECONDS } from '../../core/policy';
import { ResolvedTrigger, ThresholdComparison } from '../../core/rollback';

/** Requests per second below which the canary is not judged, when the endpoint sets none. */
export const DEFAULT_MIN_REQUESTS_PER_SECOND = 0.5;

/** The PromQL of the analysis (ServingPrometheus owns the queries; this module owns how they are judged). */
export interface AnalysisQueries {
  /** Prometheus address of the analysis. */
  readonly address: string;
  /** Requests per second reaching the canary over `window` (e.g. `120s`). */
  requestRate(window: string): string;
  /** The trigger's measured value on the canary over `window`. */
  trigger(t: ResolvedTrigger, window: string): string;
}

/**
 * A measurement that has a number: Argo passes a Prometheus vector as `result` (a float list), an
 * empty vector as `[]` and 0/0 as NaN. Unguarded, `result[0]` on `[]` is an evaluation *error*
 * (argo-rollouts utils/evaluate EvalCondition; five in a row error the run, which aborts the
 * Rollout: argo-rollouts #1466), and NaN compares false both ways. So both conditions require a
 * number: an empty or NaN result is neither, which Argo's `EvaluateResult` calls Inconclusive.
 */
const MEASURED = 'len(result) > 0 && !isNaN(result[0])';

/**
 * The canary's background analysis (a Rollout `AnalysisTemplate` spec): a traffic guard, then one
 * metric per rollback trigger. Every metric:
 * - waits `initialDelay` = one scrape interval plus its rate window after the run starts (the Rollout
 *   starts it at `startingStep: 1`, once the first `setWeight` is reached: canary pods available and
 *   taking traffic), so its first measurement sees a full window of canary samples, not none;
 * - measures every trigger period, with no `count`: it runs until the Rollout finishes, which then
 *   terminates it as Successful (a background analysis judges every step);
 * - fails after `datapointsToAlarm` failed measurements (`failureLimit` = that − 1: Argo fails on
 *   `failed > failureLimit`), which aborts the Rollout;
 * - is Inconclusive after more than `ANALYSIS_INCONCLUSIVE_LIMIT` empty or NaN results, which pauses
 *   the Rollout for a person rather than promoting or aborting on no data.
 * The traffic guard never fails: too little traffic is no verdict, only a pause.
 */
export function rolloutAnalysisSpec(q: AnalysisQueries, triggers: ResolvedTrigger[], minRequestsPerSecond?: number): Record<string, unknown> {
  const window = (t: ResolvedTrigger) => 2 * t.periodSeconds;
  const timing = (t: ResolvedTrigger) => ({
    initialDelay: `${ANALYSIS_SCRAPE_INTERVAL_SECONDS + window(t)}s`,
    interval: `${t.periodSeconds}s`,
    inconclusiveLimit: ANALYSIS_INCONCLUSIVE_LIMIT,
  });
  const provider = (query: string) => ({ prometheus: { address: q.address, query } });
  const first = triggers[0];
  return {
    args: [{ name: 'canary-hash' }],
    metrics: [
      {
        name: 'enough-traffic',
        ...timing(first),
        successCondition: `${MEASURED} && result[0] >= ${minRequestsPerSecond ?? DEFAULT_MIN_REQUESTS_PER_SECOND}`,
        failureCondition: 'false',
        provider: provider(q.requestRate(`${window(first)}s`)),
      },
      ...triggers.map((t) => {
        const below = t.comparison === ThresholdComparison.LESS_THAN;
        return {
          name: t.name,
          ...timing(t),
          failureLimit: t.datapointsToAlarm - 1,
          successCondition: `${MEASURED} && result[0] ${below ? '>=' : '<='} ${t.threshold}`,
          failureCondition: `${MEASURED} && result[0] ${below ? '<' : '>'} ${t.threshold}`,
          provider: provider(q.trigger(t, `${window(t)}s`)),
        };
      }),
    ],
  };
}

