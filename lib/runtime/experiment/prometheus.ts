/**
 * Prometheus' HTTP query API (`POST /api/v1/query`, form-encoded: long PromQL fits) over plain
 * http(s), with a timeout, for the Kubernetes experiment's decision (`experiment.js analyze`), and
 * the per-variant reads of the business metric.
 *
 * Business metric convention (k8s.Experiment): counters `<metric>_units_total`,
 * `<metric>_sum_total` and `<metric>_sum_of_squares_total` labelled `experiment="<name>"` and
 * `variant="control"|"challenger"` (units: users exposed; sum: their conversions or values; sum of
 * squares: of the per-user values, MEAN metrics only).
 */

import type { ArmSummary } from '../../core/experiment/spec';

/** One sample of an instant vector. */
export interface PrometheusSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** The `fetch` this client needs (the global one in Node 18+). */
export type PrometheusFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
}>;

/** Seconds a query may take before it is abandoned. */
export const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 30;

export class PrometheusClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly timeoutSeconds: number = DEFAULT_PROMETHEUS_TIMEOUT_SECONDS,
    private readonly fetchFn: PrometheusFetch = fetch as unknown as PrometheusFetch,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** An instant query at `time` (default now): the vector's samples, or a scalar as one sample. */
  public async query(promql: string, time?: Date): Promise<PrometheusSample[]> {
    const body = new URLSearchParams({ query: promql, ...(time ? { time: String(time.getTime() / 1000) } : {}) }).toString();
    let res;
    try {
      res = await this.fetchFn(`${this.base}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutSeconds * 1000),
      });
    } catch (e) {
      throw new Error(`Prometheus ${this.base}: ${(e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutSeconds} s` : (e as Error).message}`);
    }
    const text = await res.text();
    // Prometheus answers a bad query 400 (or 422) with a JSON error: name its type and message.
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`Prometheus ${this.base}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    }
    if (!res.ok || json.status !== 'success') {
      throw new Error(`Prometheus ${this.base}: HTTP ${res.status}: ${json.errorType ?? 'error'}: ${json.error ?? text.slice(0, 300)}`);
    }
    const data = json.data;
    if (data.resultType === 'scalar') {
      return [{ metric: {}, value: Number(data.result[1]) }];
    }
    if (data.resultType !== 'vector') {
      throw new Error(`Prometheus ${this.base}: expected an instant vector, got ${data.resultType}`);
    }
    const result = data.result as Array<{ metric: Record<string, string>; value: [number, string] }>;
    return result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The first sample's value, or undefined for an empty vector. */
  public async value(promql: string, time?: Date): Promise<number | undefined> {
    const samples = await this.query(promql, time);
    return samples.length > 0 ? samples[0].value : undefined;
  }
}

/** A counter of the business metric, one arm or both. */
export function businessCounter(metric: string, suffix: 'units' | 'sum' | 'sum_of_squares', experiment: string, variant?: string): string {
  return `${metric}_${suffix}_total{experiment="${experiment}"${variant ? `,variant="${variant}"` : ''}}`;
}

/** Seconds between subquery steps when looking for the experiment's start. */
export const START_RESOLUTION_SECONDS = 600;

/**
 * When the experiment started: the first time the challenger's units counter existed within
 * `lookbackSeconds` (to `START_RESOLUTION_SECONDS`), from Prometheus itself — so the analysis is
 * stateless and a restarted pod continues where the last one was. Undefined before any unit.
 */
export async function experimentStart(
  client: PrometheusClient,
  metric: string,
  experiment: string,
  lookbackSeconds: number,
  now: Date,
): Promise<Date | undefined> {
  const units = businessCounter(metric, 'units', experiment, 'challenger');
  const q = `min_over_time(timestamp(sum(${units}))[${lookbackSeconds}s:${START_RESOLUTION_SECONDS}s])`;
  const t = await client.value(q, now);
  return t === undefined || !Number.isFinite(t) ? undefined : new Date(t * 1000);
}

/** Both arms' summaries over `[now − rangeSeconds, now]` (`increase`, so counter resets are counted). */
export async function readArms(
  client: PrometheusClient,
  metric: string,
  experiment: string,
  rangeSeconds: number,
  now: Date,
  proportion: boolean,
): Promise<{ control: ArmSummary; challenger: ArmSummary }> {
  const range = `${Math.max(60, Math.ceil(rangeSeconds))}s`;
  const byVariant = async (suffix: 'units' | 'sum' | 'sum_of_squares') => {
    const samples = await client.query(`sum by (variant) (increase(${businessCounter(metric, suffix, experiment)}[${range}]))`, now);
    const of = (v: string) => {
      const x = samples.find((s) => s.metric.variant === v)?.value ?? 0;
      return Number.isFinite(x) ? x : 0;
    };
    return { control: of('control'), challenger: of('challenger') };
  };
  const units = await byVariant('units');
  const sum = await byVariant('sum');
  const squares = proportion ? undefined : await byVariant('sum_of_squares');
  // increase() extrapolates to the range's ends: counts of users and conversions are whole numbers.
  const arm = (v: 'control' | 'challenger'): ArmSummary => {
    const u = Math.round(units[v]);
    const s = proportion ? Math.min(u, Math.round(sum[v])) : sum[v];
    return { units: u, sum: s, sumOfSquares: proportion ? s : squares![v] };
  };
  return { control: arm('control'), challenger: arm('challenger') };
}
