import { Duration } from 'aws-cdk-lib';
import { CfnServiceLevelObjective } from 'aws-cdk-lib/aws-applicationsignals';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { BurnRateSeverity, BurnRateWindow, burnRateThreshold, windowLabel } from '../../core/slo/burn-rate';
import { SloIndicator, SloObjective } from '../../core/slo/spec';

// What aws.ServiceLevelObjectives reads and alarms on, as pure functions of an objective and the
// variants watched: the bad and total request counts on the SageMaker metrics, the bad ratio over a
// window, and the SLO resource's request-based SLI. One table of metrics serves the alarms, the
// dashboard and the SLO resource, so all three count the same requests.

/** The endpoint and serving variants an objective is about. */
export interface SloTarget {
  readonly endpointName: string;
  readonly variants: string[];
}

/**
 * Period of the SLO resource's SLI queries: SageMaker publishes the endpoint invocation metrics per
 * minute (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html).
 */
export const SLI_PERIOD_SECONDS = 60;

/** One metric of one variant, read by an expression under `id`. */
interface Series {
  readonly id: string;
  readonly metricName: string;
  readonly statistic: string;
  readonly variant: string;
}

/** The per-variant metrics of an objective and the expressions over them (CloudWatch metric math). */
export interface SliQueries {
  readonly series: Series[];
  /** Requests counted (sum over the variants). */
  readonly totalExpression: string;
  /** Bad requests (sum over the variants). */
  readonly badExpression: string;
}

/** The latency threshold in ModelLatency's unit, microseconds. */
export function latencyThresholdMicros(o: SloObjective): number {
  return Math.round(o.latencyThresholdMillis! * 1000);
}

/**
 * The percentile-rank statistic of ModelLatency that gives the share (percent) of requests at or under
 * the threshold: `PR(:t)` counts values ≤ t (the lower bound exclusive, the upper inclusive:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).
 */
export function fastShareStatistic(o: SloObjective): string {
  return `PR(:${latencyThresholdMicros(o)})`;
}

/**
 * The SLI of an objective as metric math:
 * - AVAILABILITY: bad = Σ Invocation5XXErrors (Sum), total = Σ Invocations (Sum);
 * - LATENCY: total = Σ ModelLatency SampleCount (every answered request has a latency), bad =
 *   Σ SampleCount × (100 − PR(:threshold µs)) / 100: the requests slower than the threshold.
 *   ModelLatency is in microseconds. A percentile rank rather than a trimmed count because `PR(:t)`
 *   is the documented absolute-threshold form (and aws-cdk-lib's `Stats.percentileRank`).
 * FILL(…, 0) keeps a variant without traffic in the window from blanking the sum.
 */
export function sliQueries(o: SloObjective, target: SloTarget, suffix = ''): SliQueries {
  const series: Series[] = [];
  const total: string[] = [];
  const bad: string[] = [];
  target.variants.forEach((variant, i) => {
    const [a, b] = o.indicator === SloIndicator.LATENCY ? [`n${i}${suffix}`, `f${i}${suffix}`] : [`r${i}${suffix}`, `e${i}${suffix}`];
    if (o.indicator === SloIndicator.LATENCY) {
      series.push({ id: a, metricName: 'ModelLatency', statistic: 'SampleCount', variant });
      series.push({ id: b, metricName: 'ModelLatency', statistic: fastShareStatistic(o), variant });
      total.push(`FILL(${a}, 0)`);
      bad.push(`FILL(${a}, 0) * (100 - FILL(${b}, 100)) / 100`);
    } else {
      series.push({ id: a, metricName: 'Invocations', statistic: 'Sum', variant });
      series.push({ id: b, metricName: 'Invocation5XXErrors', statistic: 'Sum', variant });
      total.push(`FILL(${a}, 0)`);
      bad.push(`FILL(${b}, 0)`);
    }
  });
  return { series, totalExpression: total.join(' + '), badExpression: bad.join(' + ') };
}

function metricOf(s: Series, target: SloTarget, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SageMaker',
    metricName: s.metricName,
    dimensionsMap: { EndpointName: target.endpointName, VariantName: s.variant },
    statistic: s.statistic,
    period,
  });
}

/**
 * The bad ratio (0–1) of an objective over one window. The window IS the period: CloudWatch metric
 * math has no rolling sum across periods, so a ratio over 3 days is the Sum (or percentile rank) over
 * one 3-day period; an alarm on it uses one evaluation period and CloudWatch's default sliding
 * evaluation window, which advances at every evaluation rather than at the period's clock boundary
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html), so
 * the 3-day ratio is the last 3 days' at any time (see `BURN_ALARM_LIMITS`). The alternative, a
 * short period with M-of-N evaluation, asks "bad in most periods", not "bad over the window".
 */
export function badRatio(o: SloObjective, target: SloTarget, windowMinutes: number): cloudwatch.MathExpression {
  const period = Duration.minutes(windowMinutes);
  const suffix = querySuffix(o, windowMinutes);
  const q = sliQueries(o, target, suffix);
  const using = Object.fromEntries(q.series.map((s) => [s.id, metricOf(s, target, period)]));
  return new cloudwatch.MathExpression({
    expression: `IF(total${suffix} > 0, bad${suffix} / total${suffix}, 0)`,
    usingMetrics: {
      [`bad${suffix}`]: new cloudwatch.MathExpression({ expression: q.badExpression, usingMetrics: using, period, label: 'bad requests' }),
      [`total${suffix}`]: new cloudwatch.MathExpression({ expression: q.totalExpression, usingMetrics: using, period, label: 'requests' }),
    },
    period,
    label: `${o.name}: bad ratio over ${windowLabel(windowMinutes)}`,
  });
}

/**
 * The ids of an objective's queries over one window end in `_<objective>_<window>` (`bad_availability_1h`):
 * a graph or an alarm that reads several objectives or windows needs every id unique, and CloudWatch
 * ids are lowercase-led letters, digits and `_`.
 */
export function querySuffix(o: SloObjective, windowMinutes: number): string {
  return `_${o.name.replace(/-/g, '_')}_${windowLabel(windowMinutes)}`;
}

/**
 * The limits a burn-rate alarm must fit: Period × EvaluationPeriods ≤ 7 days (604,800 s), and ≤ 1 day
 * (86,400 s) when the period is under an hour; Period is 10, 20, 30 or a multiple of 60
 * (PutMetricAlarm: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * The longest window of the policy (3 d = 259,200 s, one period) and the shortest (5 m) both fit.
 */
export const BURN_ALARM_LIMITS = { maxRangeSeconds: 604_800, maxRangeSecondsUnderAnHour: 86_400 };

/** Whether a window fits the alarm limits as one evaluation period. */
export function fitsOneAlarmPeriod(windowMinutes: number): boolean {
  const s = windowMinutes * 60;
  return s % 60 === 0 && s <= (s < 3600 ? BURN_ALARM_LIMITS.maxRangeSecondsUnderAnHour : BURN_ALARM_LIMITS.maxRangeSeconds);
}

/** The construct id of a policy row's composite (`Burn-<objective>-<long>-<short>`). */
export function burnAlarmId(o: SloObjective, w: BurnRateWindow): string {
  return `Burn-${o.name}-${windowLabel(w.longWindowMinutes)}-${windowLabel(w.shortWindowMinutes)}`;
}

/** What the on-call engineer reads first in a burn-rate alarm's notification. */
export function burnSummary(o: SloObjective, w: BurnRateWindow, endpointName: string, windowDays: number): string {
  const what = o.indicator === SloIndicator.LATENCY ? `requests slower than ${o.latencyThresholdMillis} ms` : '5xx answers';
  const pct = Number((100 * burnRateThreshold(o, w.factor)).toPrecision(6));
  const spent = Number(((100 * w.factor * w.longWindowMinutes) / (windowDays * 1440)).toPrecision(3));
  return (
    `${w.severity === BurnRateSeverity.PAGE ? 'PAGE' : 'TICKET'}: ${endpointName} burns the ${o.name} error budget ` +
    `(${o.objectivePercent} % over ${windowDays} d) at over ${w.factor}×: ${what} above ${pct} % over ` +
    `${windowLabel(w.longWindowMinutes)} and ${windowLabel(w.shortWindowMinutes)} (${spent} % of the budget gone in ${windowLabel(w.longWindowMinutes)})`
  );
}

/** The SLO resource's request-based SLI (bad requests over total requests). */
export function requestBasedSli(o: SloObjective, target: SloTarget): CfnServiceLevelObjective.RequestBasedSliProperty {
  const q = sliQueries(o, target);
  const stats = (ids: (id: string) => boolean): CfnServiceLevelObjective.MetricDataQueryProperty[] =>
    q.series.filter((s) => ids(s.id)).map((s) => ({
      id: s.id,
      returnData: false,
      metricStat: {
        metric: {
          namespace: 'AWS/SageMaker',
          metricName: s.metricName,
          dimensions: [
            { name: 'EndpointName', value: target.endpointName },
            { name: 'VariantName', value: s.variant },
          ],
        },
        period: SLI_PERIOD_SECONDS,
        stat: s.statistic,
      },
    }));
  const latency = o.indicator === SloIndicator.LATENCY;
  return {
    requestBasedSliMetric: {
      totalRequestCountMetric: [
        ...stats((id) => id.startsWith(latency ? 'n' : 'r')),
        { id: 'total', expression: q.totalExpression, returnData: true },
      ],
      monitoredRequestCountMetric: {
        badCountMetric: [...stats((id) => (latency ? true : id.startsWith('e'))), { id: 'bad', expression: q.badExpression, returnData: true }],
      },
    },
  };
}
