import { z } from 'zod';
import { IDuration, secondsOf } from './duration';
import { durationIn } from './schemas/duration-value';
import { burnRateThreshold } from './slo/burn-rate';
import { SloIndicator, SloObjective } from './slo/spec';
import { knownAtSynthesis, unlessToken } from './validation';

/** Default 5xx error-rate threshold (percent of invocations) that rolls a deployment back. */
export const DEFAULT_MAX_ERROR_RATE_PERCENT = 1;

/** Default alarm period, in seconds (SageMaker endpoint metrics are emitted per minute). */
export const DEFAULT_PERIOD_SECONDS = 60;

/** Default: the alarm fires when 2 of the last 3 periods breach (one noisy minute is not enough). */
export const DEFAULT_DATAPOINTS_TO_ALARM = 2;
export const DEFAULT_EVALUATION_PERIODS = 3;

/** What a rollback trigger watches. */
export enum RollbackTriggerKind {
  /** Share of requests answered with a server error (5xx), percent. */
  ERROR_RATE = 'ERROR_RATE',
  /** 99th percentile model latency, milliseconds. */
  P99_LATENCY = 'P99_LATENCY',
  /** Any metric, e.g. a business metric such as conversion rate. */
  METRIC = 'METRIC',
  /** Share of requests slower than `latencyThresholdMillis` (model latency), percent. */
  SLOW_REQUESTS = 'SLOW_REQUESTS',
}

/** Which side of the threshold is bad. */
export enum ThresholdComparison {
  /** Bad when the value goes above the threshold (errors, latency). */
  GREATER_THAN = 'GREATER_THAN',
  /** Bad when the value drops below the threshold (conversion rate, click-through). */
  LESS_THAN = 'LESS_THAN',
}

/** Who is paged and what they read: every alarm the library creates carries both. */
export interface AlarmOwnership {
  /** Team or on-call rotation that owns the alarm, e.g. `fraud-ml-oncall`. */
  readonly owner: string;
  /** HTTPS link to the runbook saying what to do when it fires. */
  readonly runbookUrl: string;
}

/** Options shared by every rollback trigger. */
export interface RollbackTriggerOptions {
  /**
   * Owner of this trigger's alarm.
   * @default - the owning construct's `alarmOwnership.owner`
   */
  readonly owner?: string;
  /**
   * Runbook of this trigger's alarm.
   * @default - the owning construct's `alarmOwnership.runbookUrl`
   */
  readonly runbookUrl?: string;
  /**
   * Periods that must breach within `evaluationPeriods` for the alarm to fire.
   * @default 2
   */
  readonly datapointsToAlarm?: number;
  /**
   * Periods looked at.
   * @default 3
   */
  readonly evaluationPeriods?: number;
  /**
   * Length of a period: whole minutes (`Duration` of aws-cdk-lib or cdk8s).
   * @default Duration.minutes(1)
   */
  readonly period?: IDuration;
}

/** Options of `RollbackTrigger.errorRate`. */
export interface ErrorRateTriggerOptions extends RollbackTriggerOptions {
  /**
   * Highest acceptable share of 5xx answers, percent.
   * @default 1
   */
  readonly maxPercent?: number;
}

/** Options of `RollbackTrigger.p99Latency`. */
export interface LatencyTriggerOptions extends RollbackTriggerOptions {
  /** Highest acceptable 99th percentile model latency, in milliseconds. */
  readonly maxMillis: number;
}

/** Options of `RollbackTrigger.slowRequests`. */
export interface SlowRequestsTriggerOptions extends RollbackTriggerOptions {
  /** The latency a request must stay within, milliseconds. */
  readonly latencyThresholdMillis: number;
  /** Highest acceptable share of requests slower than `latencyThresholdMillis`, percent. */
  readonly maxPercent: number;
  /**
   * Short name (alarm names, Argo analysis metric names; `[a-z0-9-]`).
   * @default 'slow-requests'
   */
  readonly name?: string;
}

/** A CloudWatch metric. */
export interface CloudWatchMetricReference {
  /** Namespace, e.g. `Acme/Checkout`. */
  readonly namespace: string;
  /** Metric name, e.g. `ConversionRate`. */
  readonly metricName: string;
  /**
   * Dimensions.
   * @default - none
   */
  readonly dimensions?: Record<string, string>;
  /**
   * Statistic (`Average`, `Sum`, `p99`, …).
   * @default 'Average'
   */
  readonly statistic?: string;
}

/** Options of `RollbackTrigger.metric`. */
export interface MetricTriggerOptions extends RollbackTriggerOptions {
  /** Short name, used in alarm names and Argo analysis metric names (`[a-z0-9-]`). */
  readonly name: string;
  /** The threshold. */
  readonly threshold: number;
  /** Which side of the threshold rolls back. */
  readonly comparison: ThresholdComparison;
  /**
   * The metric on AWS. Required when the trigger is used on AWS.
   * @default - not usable on AWS
   */
  readonly cloudWatch?: CloudWatchMetricReference;
  /**
   * A PromQL query returning one value, for Kubernetes. Required when the trigger is used on Kubernetes.
   * @default - not usable on Kubernetes
   */
  readonly prometheusQuery?: string;
}

/**
 * A condition that rolls a deployment back, defined before the deployment starts. On AWS it
 * becomes a CloudWatch alarm in the endpoint's `AutoRollbackConfiguration`; on Kubernetes a
 * metric of the Argo `AnalysisTemplate` and a `PrometheusRule` alert.
 */
export class RollbackTrigger {
  /** Roll back when the share of 5xx answers exceeds `maxPercent` (default 1%). */
  public static errorRate(options: ErrorRateTriggerOptions = {}): RollbackTrigger {
    return new RollbackTrigger(RollbackTriggerKind.ERROR_RATE, {
      ...options,
      name: 'error-rate',
      threshold: options.maxPercent ?? DEFAULT_MAX_ERROR_RATE_PERCENT,
      comparison: ThresholdComparison.GREATER_THAN,
    });
  }

  /** Roll back when the 99th percentile model latency exceeds `maxMillis`. */
  public static p99Latency(options: LatencyTriggerOptions): RollbackTrigger {
    return new RollbackTrigger(RollbackTriggerKind.P99_LATENCY, {
      ...options,
      name: 'p99-latency',
      threshold: options.maxMillis,
      comparison: ThresholdComparison.GREATER_THAN,
    });
  }

  /**
   * Roll back when more than `maxPercent` of requests take longer than `latencyThresholdMillis`
   * (on AWS, CloudWatch's percentile rank of ModelLatency; on Kubernetes, the server's latency
   * histogram, whose buckets must include the threshold).
   */
  public static slowRequests(options: SlowRequestsTriggerOptions): RollbackTrigger {
    return new RollbackTrigger(RollbackTriggerKind.SLOW_REQUESTS, {
      ...options,
      name: options.name ?? 'slow-requests',
      threshold: options.maxPercent,
      comparison: ThresholdComparison.GREATER_THAN,
    });
  }

  /**
   * Roll back a canary that burns an SLO objective's error budget faster than `burnRate` (its bad
   * ratio above burnRate × (1 − objective)): an AVAILABILITY objective becomes an error-rate trigger,
   * a LATENCY objective a slow-requests trigger, named `burn-<objective name>`.
   */
  public static fromSlo(objective: SloObjective, burnRate: number, options: RollbackTriggerOptions = {}): RollbackTrigger {
    const maxPercent = Number((100 * burnRateThreshold(objective, burnRate)).toPrecision(12));
    const name = `burn-${objective.name}`;
    if (objective.indicator === SloIndicator.LATENCY) {
      return new RollbackTrigger(RollbackTriggerKind.SLOW_REQUESTS, {
        ...options,
        name,
        latencyThresholdMillis: objective.latencyThresholdMillis,
        maxPercent,
        threshold: maxPercent,
        comparison: ThresholdComparison.GREATER_THAN,
      });
    }
    return new RollbackTrigger(RollbackTriggerKind.ERROR_RATE, {
      ...options,
      name,
      maxPercent,
      threshold: maxPercent,
      comparison: ThresholdComparison.GREATER_THAN,
    });
  }

  /** Roll back on any metric crossing a threshold (e.g. conversion rate below 2%). */
  public static metric(options: MetricTriggerOptions): RollbackTrigger {
    return new RollbackTrigger(RollbackTriggerKind.METRIC, { ...options });
  }

  /** @internal the options as given, validated with the construct's path */
  public readonly _spec: Record<string, any>;

  private constructor(public readonly kind: RollbackTriggerKind, spec: Record<string, unknown>) {
    // The period is carried in seconds, validated under the user's name `period`.
    this._spec = { kind, ...spec, period: secondsOf(spec.period as IDuration | undefined) };
  }

  /** Short name of the trigger (`error-rate`, `p99-latency`, or the metric's name). */
  public get name(): string {
    return this._spec.name;
  }

  /** The threshold, in the trigger's unit (percent, milliseconds, or the metric's unit). */
  public get threshold(): number {
    return this._spec.threshold;
  }

  /** Which side of the threshold rolls back. */
  public get comparison(): ThresholdComparison {
    return this._spec.comparison;
  }
}

/** A resolved trigger: every default applied, owner and runbook filled in. */
export interface ResolvedTrigger {
  readonly kind: RollbackTriggerKind;
  readonly name: string;
  readonly threshold: number;
  readonly comparison: ThresholdComparison;
  readonly owner: string;
  readonly runbookUrl: string;
  readonly datapointsToAlarm: number;
  readonly evaluationPeriods: number;
  readonly periodSeconds: number;
  readonly cloudWatch?: CloudWatchMetricReference;
  readonly prometheusQuery?: string;
  /** SLOW_REQUESTS only: the latency a request must stay within, milliseconds. */
  readonly latencyThresholdMillis?: number;
}

/** Apply defaults and the construct's ownership to a (valid) trigger. */
export function resolveTrigger(trigger: RollbackTrigger, ownership: AlarmOwnership): ResolvedTrigger {
  const s = trigger._spec;
  return {
    kind: trigger.kind,
    name: s.name,
    threshold: s.threshold,
    comparison: s.comparison,
    owner: s.owner ?? ownership.owner,
    runbookUrl: s.runbookUrl ?? ownership.runbookUrl,
    datapointsToAlarm: s.datapointsToAlarm ?? DEFAULT_DATAPOINTS_TO_ALARM,
    evaluationPeriods: s.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS,
    periodSeconds: s.period ?? DEFAULT_PERIOD_SECONDS,
    cloudWatch: s.cloudWatch,
    prometheusQuery: s.prometheusQuery,
    latencyThresholdMillis: s.latencyThresholdMillis,
  };
}

/** @internal */
export const ownershipSchema = z.strictObject({
  owner: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._@/-]{0,99}$/, 'must name an owning team or rotation (1-100 characters)'),
  runbookUrl: z.string().regex(/^https:\/\/\S+$/, 'must be an https:// link to the runbook'),
});

/** @internal every trigger name once (they name alarms and analysis metrics) */
export function uniqueTriggerNames(triggers: Array<{ name?: unknown }>, ctx: z.RefinementCtx, path: Array<string | number>): void {
  const names = triggers.map((t) => t?.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) {
      ctx.addIssue({ code: 'custom', path: [...path, i, 'name'], message: `must be unique among the rollback triggers; "${String(n)}" is used twice` });
    }
  });
}

/** @internal */
export const triggerSchema = z
  .strictObject({
    kind: z.enum(RollbackTriggerKind),
    name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be 1-40 lowercase letters, digits or hyphens'),
    threshold: z.number().refine(Number.isFinite, 'must be a finite number'),
    comparison: z.enum(ThresholdComparison),
    maxPercent: z.number().gt(0, 'must be greater than 0').max(100, 'must be at most 100').optional(),
    maxMillis: z.number().gt(0, 'must be greater than 0 ms').optional(),
    latencyThresholdMillis: z.number().gt(0, 'must be greater than 0 ms').refine(Number.isFinite, 'must be a finite number').optional(),
    owner: ownershipSchema.shape.owner.optional(),
    runbookUrl: ownershipSchema.shape.runbookUrl.optional(),
    datapointsToAlarm: z.number().int().min(1).optional(),
    evaluationPeriods: z.number().int().min(1).max(100).optional(),
    period: durationIn('seconds', z.number()).min(60, 'must be at least a minute').refine((n) => n % 60 === 0, 'must be whole minutes')
      .superRefine(knownAtSynthesis('CloudWatch alarm and Prometheus rule periods are written at synthesis')).optional(),
    cloudWatch: z
      .strictObject({
        namespace: z.string().min(1).max(255),
        metricName: z.string().min(1).max(255),
        dimensions: z.record(z.string(), z.string()).optional(),
        statistic: z.string().regex(/^(Average|Sum|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?)$/, 'must be Average, Sum, Minimum, Maximum, SampleCount or pNN').optional(),
      })
      .optional(),
    prometheusQuery: z.string().min(1).optional(),
  })
  .superRefine(unlessToken((t, ctx) => {
    if ((t.datapointsToAlarm ?? DEFAULT_DATAPOINTS_TO_ALARM) > (t.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS)) {
      ctx.addIssue({ code: 'custom', path: ['datapointsToAlarm'], message: 'must not exceed evaluationPeriods' });
    }
    if (t.kind === RollbackTriggerKind.SLOW_REQUESTS && t.latencyThresholdMillis === undefined) {
      ctx.addIssue({ code: 'custom', path: ['latencyThresholdMillis'], message: 'must be set for a slow-requests trigger (the objective\'s latencyThresholdMillis)' });
    }
  }));
