import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { OwnedAlarmSpec } from './alarms';
import { GpuCatalog } from '../../core/gpu-catalog';
import { GPU_MEMORY_ALARM_PERCENT } from '../../core/policy';
import { AlarmOwnership, ResolvedTrigger, RollbackTriggerKind, ThresholdComparison } from '../../core/rollback';
import { NEW_FLEET_DIMENSION } from '../../core/sagemaker-routing';

/** Disk alarm level of the operational alarms, percent. */
const DISK_ALARM_PERCENT = 85;

/** What the alarms of one serving variant of an endpoint are about. */
export interface EndpointVariant {
  /** The endpoint's name (a token at synthesis for a generated name). */
  readonly endpointName: string;
  /** The variant watched. */
  readonly variant: string;
  /** The endpoint's first variant: its alarms keep the unsuffixed ids. */
  readonly primary: boolean;
}

/**
 * The spec of a rollback trigger's alarm on one serving variant (its `id` is the base to number:
 * `Rollback-<name>` on the primary, else `Rollback-<name>-<variant>`).
 */
export function rollbackAlarmSpec(r: ResolvedTrigger, v: EndpointVariant, endpointConfigName: string): OwnedAlarmSpec {
  const unit = r.kind === RollbackTriggerKind.ERROR_RATE || r.kind === RollbackTriggerKind.SLOW_REQUESTS ? '%' : r.kind === RollbackTriggerKind.P99_LATENCY ? ' ms' : '';
  const watched = r.kind === RollbackTriggerKind.METRIC ? '' : ` of the ${v.variant} variant's new fleet`;
  const slower = r.kind === RollbackTriggerKind.SLOW_REQUESTS ? ` (share of requests slower than ${r.latencyThresholdMillis} ms)` : '';
  return {
    id: v.primary ? `Rollback-${r.name}` : `Rollback-${r.name}-${v.variant}`,
    metric: rollbackMetric(r, v, endpointConfigName),
    // ModelLatency is reported in microseconds.
    threshold: r.kind === RollbackTriggerKind.P99_LATENCY ? r.threshold * 1000 : r.threshold,
    comparison: r.comparison,
    evaluationPeriods: r.evaluationPeriods,
    datapointsToAlarm: r.datapointsToAlarm,
    owner: r.owner,
    runbookUrl: r.runbookUrl,
    summary: `Rolls back deployments of ${v.endpointName}: ${r.name}${watched} ${r.comparison === ThresholdComparison.LESS_THAN ? '<' : '>'} ${r.threshold}${unit}${slower}`,
  };
}

/**
 * What a rollback alarm reads: the endpoint's invocation metrics of one variant's fleet of the config
 * being deployed (its EndpointConfigName changes with every new config, so the alarm follows the new
 * fleet: core/sagemaker-routing.ts, NEW_FLEET_DIMENSION), or the user's metric as given. A
 * SLOW_REQUESTS trigger reads the share of the fleet's requests slower than its threshold, percent.
 */
function rollbackMetric(r: ResolvedTrigger, v: EndpointVariant, endpointConfigName: string): cloudwatch.IMetric {
  const period = Duration.seconds(r.periodSeconds);
  const fleet = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: v.endpointName, VariantName: v.variant, [NEW_FLEET_DIMENSION]: endpointConfigName },
      statistic,
      period,
    });
  if (r.kind === RollbackTriggerKind.ERROR_RATE) {
    return new cloudwatch.MathExpression({
      expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
      usingMetrics: { errors: fleet('Invocation5XXErrors', 'Sum'), invocations: fleet('Invocations', 'Sum') },
      label: `5xx error rate of the ${v.variant} variant's new fleet (%)`,
      period,
    });
  }
  if (r.kind === RollbackTriggerKind.P99_LATENCY) {
    return fleet('ModelLatency', 'p99');
  }
  if (r.kind === RollbackTriggerKind.SLOW_REQUESTS) {
    // ModelLatency is in microseconds; PR(:t) is the percent of requests at or under t
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).
    return new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 - fast, 0)',
      usingMetrics: {
        fast: fleet('ModelLatency', `PR(:${Math.round(r.latencyThresholdMillis! * 1000)})`),
        requests: fleet('ModelLatency', 'SampleCount'),
      },
      label: `Requests of the ${v.variant} variant's new fleet slower than ${r.latencyThresholdMillis} ms (%)`,
      period,
    });
  }
  return new cloudwatch.Metric({
    namespace: r.cloudWatch!.namespace,
    metricName: r.cloudWatch!.metricName,
    dimensionsMap: r.cloudWatch!.dimensions,
    statistic: r.cloudWatch!.statistic ?? 'Average',
    period,
  });
}

/**
 * The GPU memory and disk alarms of one serving variant (`GpuMemoryAlarm`, `DiskAlarm` on the
 * primary, `…-<variant>` on the others; ids are the bases to number). `metric` reads one of the
 * variant's instance metrics (`/aws/sagemaker/Endpoints`).
 */
export function operationalAlarmSpecs(
  v: EndpointVariant,
  instanceType: string,
  ownership: AlarmOwnership,
  metric: (name: string) => cloudwatch.IMetric,
): OwnedAlarmSpec[] {
  const of = v.primary ? v.endpointName : `${v.endpointName} (${v.variant} variant)`;
  const suffix = v.primary ? '' : `-${v.variant}`;
  const common = {
    comparison: ThresholdComparison.GREATER_THAN,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    owner: ownership.owner,
    runbookUrl: ownership.runbookUrl,
  };
  // GPU metrics add up across devices: 100% per GPU (core/policy.ts, GPU_MEMORY_ALARM_PERCENT).
  return [
    {
      id: `GpuMemoryAlarm${suffix}`,
      metric: metric('GPUMemoryUtilization'),
      threshold: GPU_MEMORY_ALARM_PERCENT * GpuCatalog.forInstanceType(instanceType)!.count,
      summary: `GPU memory of ${of} above ${GPU_MEMORY_ALARM_PERCENT}% (OOM risk)`,
      ...common,
    },
    { id: `DiskAlarm${suffix}`, metric: metric('DiskUtilization'), threshold: DISK_ALARM_PERCENT, summary: `Disk of ${of} above ${DISK_ALARM_PERCENT}%`, ...common },
  ];
}
