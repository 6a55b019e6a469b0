import { z } from 'zod';
import { captureLocationRef } from './capture-location';
import { durationIn } from './duration-value';
import {
  ALARM_MAX_EVALUATION_SECONDS,
  HOURLY_SCHEDULE,
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS,
  MODEL_QUALITY_METRICS,
  MONITORING_MAX_RUNTIME_SECONDS,
  monitorScheduleIntervalHours,
} from '../model-monitor';
import { sagemakerName } from '../primitives';
import { ownershipSchema } from '../rollback';
import { knownAtSynthesis, unlessToken } from '../validation';

// Plain shapes of the SageMaker Model Monitor constructs: the props' keys, Durations in seconds,
// the schedule as its expression.

/** An S3 key prefix: no leading or trailing slash, no spaces (the S3 URI of an output is ≤ 512). */
const keyPrefix = z
  .string()
  .max(400)
  .regex(/^[^\s/](\S*[^\s/])?$/, 'must be an S3 key prefix without spaces and without a leading or trailing slash');

/** The key of a baseline file written by a Model Monitor baselining job. */
const baselineKey = z
  .string()
  .max(400)
  .regex(/^[^\s/]\S*\.json$/, 'must be the S3 key of a .json file (e.g. baselines/fraud/statistics.json), without a leading slash');

/** An ML instance type that processing jobs accept (`ml.<family>.<size>`). */
const processingInstanceType = z.string().regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, 'must be an ML instance type such as ml.m5.xlarge');

/** Index or JSONPath of a value in the captured data (CloudFormation: at most 256 characters). */
const attribute = z.string().min(1).max(256);

/** A construct reference: the type system checks it. */
const constructRef = z.any();

/**
 * The schedule expressions SageMaker runs (`monitorScheduleIntervalHours`). Source: SageMaker API
 * reference, `ScheduleConfig.ScheduleExpression`: "Currently the only supported cron expressions
 * are: hourly `cron(0 * ? * * *)`; daily `cron(0 [00-23] ? * * *)`; every 6, 12 hours
 * `cron(0 [00-23]/[01-24] ? * * *)`" (day of month `?`, day of week `*`).
 */
const monitoringScheduleExpression = z.string().refine((e) => monitorScheduleIntervalHours(e) !== undefined, {
  message:
    'must be one of the forms Model Monitor accepts: cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily at hour H UTC) or cron(0 H/N ? * * *) ' +
    "(every N hours), H 0-23, N 1-24; with events.Schedule.cron, give minute '0', the hour and weekDay '*', e.g. " +
    "events.Schedule.cron({ minute: '0', hour: '4', weekDay: '*' })",
});

/** What every monitor validates: the keys of `ModelMonitorOptions` (Durations in seconds, the schedule as its expression). */
const shared = {
  endpoint: constructRef, // a construct reference: the type system checks it
  capture: captureLocationRef,
  reportBucket: constructRef, // a construct reference: the type system checks it
  reportPrefix: keyPrefix.optional(),
  schedule: monitoringScheduleExpression.optional(),
  monitoringScheduleName: sagemakerName.optional(),
  encryptionKey: constructRef.optional(), // a construct reference: the type system checks it
  role: constructRef.optional(), // a construct reference: the type system checks it
  vpc: constructRef.optional(), // a construct reference: the type system checks it
  vpcSubnets: z.any().optional(), // a subnet selection (of constructs): the type system checks it
  securityGroups: z.array(z.any()).max(5, 'must list at most 5 security groups').optional(),
  instanceType: processingInstanceType.optional(),
  instanceCount: z.number().int().min(1).max(100).optional(),
  volumeSizeGb: z.number().int().min(1).max(16384).optional(),
  maxRuntime: durationIn('seconds', z.number())
    .refine((s) => Number.isInteger(s), 'must be a whole number of seconds')
    .refine((s) => s >= 1 && s <= MONITORING_MAX_RUNTIME_SECONDS, `must be from 1 second to 24 hours (${MONITORING_MAX_RUNTIME_SECONDS} seconds)`)
    .optional(),
  imageUri: z.string().regex(/^\S{1,255}$/, 'must be a container image URI of at most 255 characters without spaces').optional(),
  publishMetrics: z.boolean().optional(),
};

interface SharedChecked {
  readonly imageUri?: string;
  readonly vpc?: unknown;
  readonly vpcSubnets?: unknown;
  readonly securityGroups?: unknown[];
}

/** `region`: the stack's region when it is concrete (a region-agnostic stack resolves the image at deploy time). */
function checkShared(p: SharedChecked, region: string | undefined, ctx: z.RefinementCtx): void {
  if (p.imageUri === undefined && region !== undefined && !Object.prototype.hasOwnProperty.call(MODEL_MONITOR_ANALYZER_ACCOUNTS, region)) {
    ctx.addIssue({
      code: 'custom',
      path: ['imageUri'],
      message: `must be set in ${region}: the prebuilt Model Monitor analyzer exists only in ${Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS).join(', ')}`,
    });
  }
  if (p.vpc === undefined) {
    for (const key of ['vpcSubnets', 'securityGroups'] as const) {
      if (p[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must be set only together with vpc' });
      }
    }
  }
}

/** A baseline file of a Model Monitor baselining job. */
const baselineObject = z.strictObject({ bucket: constructRef, key: baselineKey });

/**
 * @internal plain shape of a DataQualityMonitor, for a stack in `region` (undefined when the
 * stack's region is a token)
 */
export function dataQualityMonitorSchemaFor(region: string | undefined) {
  return z
    .strictObject({
      ...shared,
      baselineStatistics: baselineObject,
      baselineConstraints: baselineObject,
    })
    .superRefine(unlessToken((p, ctx) => checkShared(p, region, ctx)));
}

/** @internal plain shape of a DataQualityMonitor (region-agnostic) */
export const dataQualityMonitorSchema = dataQualityMonitorSchemaFor(undefined);

/** @internal plain shape of a ModelQualityMonitor's alarm */
const modelQualityAlarmSchema = z.strictObject({
  metricName: z.string().min(1).max(255),
  threshold: z.number(),
  comparison: z.enum(['GREATER_THAN', 'LESS_THAN']),
  alarmOwnership: ownershipSchema,
  evaluationPeriods: z.number().int().min(1).max(100).optional(),
  datapointsToAlarm: z.number().int().min(1).optional(),
  alarmTopic: constructRef.optional(), // a construct reference: the type system checks it
});

/** Whole hours given as a Duration, validated in seconds. */
const hoursAsSeconds = durationIn('seconds', z.number()).refine((s) => s % 3600 === 0, 'must be a whole number of hours');

/** The object of a ModelQualityMonitor's props (its rules are added per region). */
const modelQualityObject = z.strictObject({
  ...shared,
  problemType: z.enum(['BinaryClassification', 'MulticlassClassification', 'Regression']),
  groundTruthBucket: constructRef, // a construct reference: the type system checks it
  groundTruthPrefix: keyPrefix,
  groundTruthDelay: hoursAsSeconds.refine((s) => s >= 3600, 'must be at least 1 hour: the end of the analysed window (EndTimeOffset) must lie before the run')
    .superRefine(knownAtSynthesis('the job\'s offsets are written in hours')),
  groundTruthWindow: hoursAsSeconds.refine((s) => s >= 3600, 'must be at least 1 hour').superRefine(knownAtSynthesis('the job\'s offsets are written in hours')).optional(),
  inferenceAttribute: attribute.optional(),
  probabilityAttribute: attribute.optional(),
  probabilityThreshold: z.number().min(0).max(1).optional(),
  baselineConstraints: baselineObject.optional(),
  alarm: modelQualityAlarmSchema.optional(),
});

/**
 * @internal plain shape of a ModelQualityMonitor, for a stack in `region` (undefined when the
 * stack's region is a token)
 */
export function modelQualityMonitorSchemaFor(region: string | undefined) {
  return modelQualityObject.superRefine(unlessToken((p, ctx) => checkModelQuality(p, region, ctx)));
}

/** @internal plain shape of a ModelQualityMonitor (region-agnostic) */
export const modelQualityMonitorSchema = modelQualityMonitorSchemaFor(undefined);

function checkModelQuality(p: z.infer<typeof modelQualityObject>, region: string | undefined, ctx: z.RefinementCtx): void {
  checkShared(p, region, ctx);
  checkAttributes(p, ctx);
  const interval = monitorScheduleIntervalHours(p.schedule ?? HOURLY_SCHEDULE);
  if (interval === 1 && p.maxRuntime !== undefined && p.maxRuntime > MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxRuntime'],
      message: `must be at most ${MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS} seconds on an hourly schedule: the ground-truth merge job and the monitoring job share the hour`,
    });
  }
  if (interval !== undefined && p.groundTruthWindow !== undefined && p.groundTruthWindow < interval * 3600) {
    ctx.addIssue({
      code: 'custom',
      path: ['groundTruthWindow'],
      message: `must be at least the schedule interval (${interval} hours): a shorter window leaves traffic no run ever evaluates`,
    });
  }
  if (p.alarm && p.publishMetrics === false) {
    ctx.addIssue({ code: 'custom', path: ['publishMetrics'], message: 'must not be false with an alarm: the alarm watches a published metric' });
  }
  if (p.alarm && p.problemType !== undefined) {
    const metrics = MODEL_QUALITY_METRICS[p.problemType];
    if (!metrics.includes(p.alarm.metricName)) {
      ctx.addIssue({ code: 'custom', path: ['alarm', 'metricName'], message: `must be a ${p.problemType} metric (${metrics.join(', ')})` });
    }
    const evaluation = p.alarm.evaluationPeriods ?? 1;
    if ((p.alarm.datapointsToAlarm ?? 1) > evaluation) {
      ctx.addIssue({ code: 'custom', path: ['alarm', 'datapointsToAlarm'], message: `must not exceed evaluationPeriods (${evaluation})` });
    }
    // The alarm's period is the schedule interval (one datapoint per run).
    if (interval !== undefined && interval * 3600 * evaluation > ALARM_MAX_EVALUATION_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarm', 'evaluationPeriods'],
        message: `must be at most ${Math.floor(ALARM_MAX_EVALUATION_SECONDS / (interval * 3600))} with a ${interval}-hour schedule: CloudWatch looks at most 7 days back`,
      });
    }
  }
}

/** Which attributes a problem type needs. */
function checkAttributes(p: z.infer<typeof modelQualityObject>, ctx: z.RefinementCtx): void {
  // Which attributes a problem type needs: the SageMaker Python SDK (`ModelQualityMonitor`) and
  // the AWS MLOps Workload Orchestrator: an inference attribute for regression and multiclass; for
  // binary classification an inference attribute, or a probability attribute with its threshold.
  if (p.problemType === 'BinaryClassification') {
    if (p.inferenceAttribute === undefined) {
      if (p.probabilityAttribute === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['inferenceAttribute'],
          message: 'must be set for BinaryClassification, unless probabilityAttribute and probabilityThreshold are',
        });
      } else if (p.probabilityThreshold === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['probabilityThreshold'],
          message: 'must be set with probabilityAttribute when there is no inferenceAttribute: it turns probabilities into labels',
        });
      }
    }
  } else if (p.problemType !== undefined) {
    if (p.inferenceAttribute === undefined) {
      ctx.addIssue({ code: 'custom', path: ['inferenceAttribute'], message: `must be set for ${p.problemType}: it locates the predicted label or value` });
    }
    for (const key of ['probabilityAttribute', 'probabilityThreshold'] as const) {
      if (p[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must be set only for BinaryClassification (problemType is ${p.problemType})` });
      }
    }
  }
}
