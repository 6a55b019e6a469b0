import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { OwnedAlarmSpec } from './alarms';
import { ExperimentGuardrail, ExperimentGuardrailKind } from '../../core/experiment/spec';
import { AlarmOwnership, DEFAULT_DATAPOINTS_TO_ALARM, DEFAULT_EVALUATION_PERIODS, DEFAULT_PERIOD_SECONDS, ThresholdComparison } from '../../core/rollback';

/**
 * A METRIC_DROP guardrail compares hourly means: a business metric per unit is far noisier per
 * minute than an error rate, and the experiment's own test decides on small differences; the drop
 * must hold for three hours in a row to stop the experiment.
 */
const METRIC_DROP_PERIOD = Duration.hours(1);
const METRIC_DROP_PERIODS = 3;

/** What the guardrail alarms of an experiment watch. */
export interface GuardrailTarget {
  readonly experiment: string;
  readonly endpointName: string;
  readonly controlVariant: string;
  readonly challengerVariant: string;
  /** The user's namespace of business metrics (dimension `Variant`). */
  readonly metricsNamespace: string;
  readonly ownership: AlarmOwnership;
}

/**
 * The owned alarm of one guardrail, on the challenger variant (`Guardrail-<name>`):
 * - ERROR_RATE: Invocation5XXErrors / Invocations of the variant (a fraction, as `threshold`);
 * - LATENCY_P99: the variant's ModelLatency p99, reported in microseconds (`threshold` ms × 1,000:
 *   SageMaker developer guide, "Amazon SageMaker AI metrics in Amazon CloudWatch", ModelLatency);
 * - METRIC_DROP: (control − challenger) / control of the business metric's hourly means.
 */
export function guardrailAlarmSpec(g: ExperimentGuardrail, t: GuardrailTarget): OwnedAlarmSpec {
  const common = { owner: t.ownership.owner, runbookUrl: t.ownership.runbookUrl, comparison: ThresholdComparison.GREATER_THAN, id: `Guardrail-${g.name}` };
  const stops = `Stops experiment ${t.experiment} on ${t.endpointName} (all traffic to ${t.controlVariant})`;
  const period = Duration.seconds(DEFAULT_PERIOD_SECONDS);
  const variant = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/SageMaker',
    metricName,
    dimensionsMap: { EndpointName: t.endpointName, VariantName: t.challengerVariant },
    statistic,
    period,
  });
  const sampled = { evaluationPeriods: DEFAULT_EVALUATION_PERIODS, datapointsToAlarm: DEFAULT_DATAPOINTS_TO_ALARM };
  switch (g.kind) {
    case ExperimentGuardrailKind.ERROR_RATE:
      return {
        ...common,
        ...sampled,
        metric: new cloudwatch.MathExpression({
          expression: 'IF(invocations > 0, errors / invocations, 0)',
          usingMetrics: { errors: variant('Invocation5XXErrors', 'Sum'), invocations: variant('Invocations', 'Sum') },
          label: `5xx error rate of the ${t.challengerVariant} variant (fraction)`,
          period,
        }),
        threshold: g.threshold,
        summary: `${stops}: ${g.name}, the ${t.challengerVariant} variant's 5xx error rate > ${g.threshold}`,
      };
    case ExperimentGuardrailKind.LATENCY_P99:
      return {
        ...common,
        ...sampled,
        metric: variant('ModelLatency', 'p99'),
        threshold: g.threshold * 1000,
        summary: `${stops}: ${g.name}, the ${t.challengerVariant} variant's p99 model latency > ${g.threshold} ms`,
      };
    default: {
      const mean = (v: string) => new cloudwatch.Metric({
        namespace: t.metricsNamespace,
        metricName: g.metric!,
        dimensionsMap: { Variant: v },
        statistic: 'Average',
        period: METRIC_DROP_PERIOD,
      });
      return {
        ...common,
        evaluationPeriods: METRIC_DROP_PERIODS,
        datapointsToAlarm: METRIC_DROP_PERIODS,
        metric: new cloudwatch.MathExpression({
          expression: 'IF(control > 0, (control - challenger) / control, 0)',
          usingMetrics: { control: mean(t.controlVariant), challenger: mean(t.challengerVariant) },
          label: `Relative drop of ${g.metric} (${t.challengerVariant} vs ${t.controlVariant})`,
          period: METRIC_DROP_PERIOD,
        }),
        threshold: g.threshold,
        summary: `${stops}: ${g.name}, ${g.metric} of the ${t.challengerVariant} variant more than ${g.threshold * 100} % below the ${t.controlVariant} variant's for ${METRIC_DROP_PERIODS} hours`,
      };
    }
  }
}
