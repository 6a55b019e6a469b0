import { AlarmOwnership } from '../../core/rollback';
import { ServingMetrics, errorRatioQuery, latencyHistogram, leMatcher, slowRequestsRatioQuery } from '../../core/serving-metrics';
import { BURN_RATE_WINDOWS, BurnRateSeverity, BurnRateWindow, burnRateThreshold, errorBudget, windowLabel } from '../../core/slo/burn-rate';
import { SloIndicator, SloObjective } from '../../core/slo/spec';
import type { PrometheusServingMetrics } from '../gpu-serving-endpoint';

/**
 * The PrometheusRule of a model's SLOs, in the shape sloth generates (slok/sloth
 * examples/_gen/k8s-getting-started.yml): per objective, one group of SLI recording rules (the bad
 * ratio `slo:sli_error:ratio_rate<window>` over every window the alerts read, and over the SLO
 * window), one of metadata (`slo:objective:ratio`, `slo:error_budget:ratio`, `slo:time_period:days`,
 * the burn rates and `slo:period_error_budget_remaining:ratio`) and one of alerts: the page and the
 * ticket of the multi-window, multi-burn-rate policy (`BURN_RATE_WINDOWS`), both named
 * `<Endpoint><Objective>ErrorBudgetBurn` as sloth and pyrra name them once, told apart by `severity`
 * (so Alertmanager's usual inhibition of a warning by a critical of the same name holds the ticket
 * back while the page fires). Sloth's `sloth_*` labels are `slo`, `endpoint`, `namespace` and
 * `slo_window` here.
 */

/** What `k8s.ServiceLevelObjectives` reads from a `GpuServingEndpoint`. */
export interface SloTarget {
  readonly name: string;
  readonly namespace: string;
  readonly metricsPreset: ServingMetrics;
  readonly metrics?: PrometheusServingMetrics;
  readonly alarmOwnership: AlarmOwnership;
  readonly prometheusRuleLabels?: Record<string, string>;
}

/** Whose series, judged over which window, owned by whom. */
export interface SloRulesContext {
  readonly endpoint: string;
  readonly namespace: string;
  readonly metricsPreset: ServingMetrics;
  readonly metrics?: PrometheusServingMetrics;
  readonly windowDays: number;
  readonly alarmOwnership: AlarmOwnership;
}

/** The library's severities (the serving alerts'): a page is `critical`, a ticket `warning`. */
const SEVERITY: Record<BurnRateSeverity, string> = { [BurnRateSeverity.PAGE]: 'critical', [BurnRateSeverity.TICKET]: 'warning' };

/**
 * How long a burn must last before it notifies. The short window already makes the alert reset
 * minutes after a burn stops; `for` only keeps one evaluation's blip (a scrape that lands a burst of
 * errors at once) from paging: two minutes for a page (it still pages within minutes of a total
 * outage), fifteen for a ticket (nobody acts on it within the hour).
 */
export const BURN_ALERT_FOR: Record<BurnRateSeverity, string> = { [BurnRateSeverity.PAGE]: '2m', [BurnRateSeverity.TICKET]: '15m' };

/** Every window the alerts read, minutes, shortest first: 5m, 30m, 1h, 2h, 6h, 1d, 3d. */
export const SLO_ALERT_WINDOWS_MINUTES: number[] = [...new Set(BURN_RATE_WINDOWS.flatMap((w) => [w.shortWindowMinutes, w.longWindowMinutes]))]
  .sort((a, b) => a - b);

/** The recording rules' name of the bad ratio over a window (sloth's). */
export function sliErrorRecord(minutes: number): string {
  return `slo:sli_error:ratio_rate${windowLabel(minutes)}`;
}

/** The name of an objective's burn-rate alert (page and ticket alike). */
export function sloAlertName(endpoint: string, objective: string): string {
  return `${camel(endpoint)}${camel(objective)}ErrorBudgetBurn`;
}

/** The name of a latency objective's alert on a threshold the histogram has no bucket for. */
export function sloBucketAlertName(endpoint: string, objective: string): string {
  return `${camel(endpoint)}${camel(objective)}SloThresholdNotABucket`;
}

/** The PrometheusRule's groups: per objective its SLI recordings, its metadata and its alerts. */
export function sloRuleGroups(ctx: SloRulesContext, objectives: readonly SloObjective[]): Array<Record<string, unknown>> {
  return objectives.flatMap((o) => {
    const group = `${ctx.endpoint}.slo.${o.name}`;
    return [
      { name: `${group}.sli`, rules: sliRecordings(ctx, o) },
      { name: `${group}.meta`, rules: metaRecordings(ctx, o) },
      { name: `${group}.alerts`, rules: alerts(ctx, o) },
    ];
  });
}

/** The series of the endpoint's pods, whatever their template hash (the canary's too). */
function seriesSelector(ctx: SloRulesContext): string {
  return ctx.metrics?.selector?.replaceAll('{{args.canary-hash}}', '.*') ?? `namespace="${ctx.namespace}",pod=~"${ctx.endpoint}-.*"`;
}

/** The labels identifying an objective's series (sloth's sloth_id / sloth_service / sloth_slo). */
function ids(ctx: SloRulesContext, o: SloObjective): Record<string, string> {
  return { slo: o.name, endpoint: ctx.endpoint, namespace: ctx.namespace };
}

function matchers(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
}

/** The bad ratio of an objective over a window, from the endpoint's own series. */
function badRatio(ctx: SloRulesContext, o: SloObjective, window: string): string {
  const sel = seriesSelector(ctx);
  return o.indicator === SloIndicator.LATENCY
    ? slowRequestsRatioQuery(ctx.metricsPreset, sel, window, o.latencyThresholdMillis!, ctx.metrics)
    : errorRatioQuery(ctx.metricsPreset, sel, window, ctx.metrics);
}

function sliRecordings(ctx: SloRulesContext, o: SloObjective): Array<Record<string, unknown>> {
  const labels = ids(ctx, o);
  const rate5m = `${sliErrorRecord(5)}{${matchers(labels)}}`;
  const period = `${ctx.windowDays}d`;
  return [
    ...SLO_ALERT_WINDOWS_MINUTES.map((m) => ({
      record: sliErrorRecord(m),
      // `>= 0` drops the NaN of a window without requests (0 / 0): no sample, rather than one that
      // would make the SLO window's average NaN for weeks; the alerts are silent either way.
      expr: `(${badRatio(ctx, o, windowLabel(m))}) >= 0`,
      labels: { ...labels, slo_window: windowLabel(m) },
    })),
    {
      // Sloth's SLI over the SLO window: the mean of the 5-minute ratios (each window with requests
      // weighs the same), without reading weeks of raw series.
      record: sliErrorRecord(ctx.windowDays * 1440),
      expr: `sum_over_time(${rate5m}[${period}]) / ignoring (slo_window) count_over_time(${rate5m}[${period}])`,
      labels: { ...labels, slo_window: period },
    },
  ];
}

function metaRecordings(ctx: SloRulesContext, o: SloObjective): Array<Record<string, unknown>> {
  const labels = ids(ctx, o);
  const sel = `{${matchers(labels)}}`;
  const on = `on (${Object.keys(labels).join(', ')}) group_left`;
  return [
    { record: 'slo:objective:ratio', expr: `vector(${Number((o.objectivePercent / 100).toPrecision(12))})`, labels },
    { record: 'slo:error_budget:ratio', expr: `vector(${errorBudget(o)})`, labels },
    { record: 'slo:time_period:days', expr: `vector(${ctx.windowDays})`, labels },
    { record: 'slo:current_burn_rate:ratio', expr: `${sliErrorRecord(5)}${sel} / ${on} slo:error_budget:ratio${sel}`, labels },
    { record: 'slo:period_burn_rate:ratio', expr: `${sliErrorRecord(ctx.windowDays * 1440)}${sel} / ${on} slo:error_budget:ratio${sel}`, labels },
    { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${sel}`, labels },
  ];
}

function alerts(ctx: SloRulesContext, o: SloObjective): Array<Record<string, unknown>> {
  const rules = [BurnRateSeverity.PAGE, BurnRateSeverity.TICKET]
    .map((severity) => burnAlert(ctx, o, severity, BURN_RATE_WINDOWS.filter((w) => w.severity === severity)));
  return o.indicator === SloIndicator.LATENCY ? [...rules, bucketAlert(ctx, o)] : rules;
}

/** Sloth's expression: each row's short and long windows both above factor × budget; the rows or'ed. */
function burnAlert(ctx: SloRulesContext, o: SloObjective, severity: BurnRateSeverity, rows: BurnRateWindow[]): Record<string, unknown> {
  const sel = `{${matchers(ids(ctx, o))}}`;
  const budget = errorBudget(o);
  const above = (minutes: number, factor: number) => `max(${sliErrorRecord(minutes)}${sel} > (${factor} * ${budget})) without (slo_window)`;
  const expr = rows.map((w) => `(\n  ${above(w.shortWindowMinutes, w.factor)}\n  and\n  ${above(w.longWindowMinutes, w.factor)}\n)`).join('\nor\n');
  const what = o.indicator === SloIndicator.LATENCY ? `requests slower than ${o.latencyThresholdMillis} ms` : 'server errors (5xx)';
  const burns = rows
    .map((w) => `${w.factor}× over ${windowLabel(w.longWindowMinutes)} and ${windowLabel(w.shortWindowMinutes)} (${what} above ${percent(burnRateThreshold(o, w.factor))})`)
    .join(', or ');
  const summary = `${ctx.endpoint} ${o.name}: the ${o.objectivePercent} % objective's error budget burns ${severity === BurnRateSeverity.PAGE ? 'fast' : 'slowly'}`;
  return owned(ctx, {
    alert: sloAlertName(ctx.endpoint, o.name),
    expr,
    for: BURN_ALERT_FOR[severity],
    labels: { severity: SEVERITY[severity], slo_severity: severity.toLowerCase(), slo: o.name },
    summary,
    description: `${summary}: ${burns}; ${ctx.windowDays}-day budget ${percent(budget)} of requests (endpoint ${ctx.namespace}/${ctx.endpoint})`,
  });
}

/**
 * A latency objective reads the bucket at its threshold; a histogram without that bound leaves the
 * ratio empty and the burn alerts silent for good. This alert says so: the histogram is there, the
 * bucket is not.
 */
function bucketAlert(ctx: SloRulesContext, o: SloObjective): Record<string, unknown> {
  const h = latencyHistogram(ctx.metricsPreset, ctx.metrics)!;
  const sel = seriesSelector(ctx);
  const bound = h.unitSeconds ? Number((o.latencyThresholdMillis! / 1000).toPrecision(12)) : o.latencyThresholdMillis!;
  const summary = `${ctx.endpoint} ${o.name}: ${h.metric} has no bucket at ${bound}${h.unitSeconds ? ' s' : ' ms'}, so the latency objective is not measured`;
  return owned(ctx, {
    alert: sloBucketAlertName(ctx.endpoint, o.name),
    expr: `count(${h.metric}_count{${sel}}) unless on () count(${h.metric}_bucket{${sel},${leMatcher(bound)}})`,
    for: '10m',
    labels: { severity: 'warning', slo: o.name },
    summary,
    description: `${summary} (endpoint ${ctx.namespace}/${ctx.endpoint}): set latencyThresholdMillis to one of the server's bucket bounds`,
  });
}

function owned(
  ctx: SloRulesContext,
  r: { alert: string; expr: string; for: string; labels: Record<string, string>; summary: string; description: string },
): Record<string, unknown> {
  const own = ctx.alarmOwnership;
  return {
    alert: r.alert,
    expr: r.expr,
    for: r.for,
    labels: { ...r.labels, owner: own.owner, endpoint: ctx.endpoint },
    annotations: { summary: r.summary, description: r.description, runbook_url: own.runbookUrl, owner: own.owner },
  };
}

const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(4))} %`;

/** `fraud-model` → `FraudModel` (alert names). */
function camel(s: string): string {
  return s.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}
