import { z } from 'zod';
import {
  ALARM_MAX_EVALUATION_SECONDS,
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS,
  MODEL_QUALITY_METRICS,
  MONITORING_MAX_RUNTIME_SECONDS,
  monitorScheduleIntervalHours,
} from '../model-monitor';
import { sagemakerName } from '../primitives';
import { ownershipSchema } from '../rollback';

// Plain shapes of the SageMaker Model Monitor constructs (durations in whole hours or seconds).

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

const shared = {
  endpointName: sagemakerName,
  monitoringScheduleName: sagemakerName.optional(),
  /** The stack's region when it is concrete (region-agnostic stacks resolve the image at deploy time). */
  region: z.string().optional(),
  imageUri: z.string().regex(/^\S{1,255}$/, 'must be a container image URI of at most 255 characters without spaces').optional(),
  schedule: z.string().refine((e) => monitorScheduleIntervalHours(e) !== undefined, {
    message:
      'must be one of the forms Model Monitor accepts: cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily at hour H UTC) or cron(0 H/N ? * * *) (every N hours), H 0-23, N 1-24',
  }),
  instanceType: processingInstanceType.optional(),
  instanceCount: z.number().int().min(1).max(100).optional(),
  volumeSizeGb: z.number().int().min(1).max(16384).optional(),
  maxRuntimeSeconds: z.number().int('must be a whole number of seconds').min(1).max(MONITORING_MAX_RUNTIME_SECONDS).optional(),
  reportPrefix: keyPrefix.optional(),
  vpc: z.boolean().optional(),
  vpcSubnets: z.boolean().optional(),
  securityGroups: z.number().int().max(5, 'must list at most 5 security groups').optional(),
  publishMetrics: z.boolean().optional(),
};

interface SharedChecked {
  readonly region?: string;
  readonly imageUri?: string;
  readonly vpc?: boolean;
  readonly vpcSubnets?: boolean;
  readonly securityGroups?: number;
}

function checkShared(p: SharedChecked, ctx: z.RefinementCtx): void {
  if (p.imageUri === undefined && p.region !== undefined && !Object.prototype.hasOwnProperty.call(MODEL_MONITOR_ANALYZER_ACCOUNTS, p.region)) {
    ctx.addIssue({
      code: 'custom',
      path: ['region'],
      message: `must be a region with the prebuilt Model Monitor analyzer (${Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS).join(', ')}), or imageUri must be set`,
    });
  }
  if (!p.vpc) {
    if (p.vpcSubnets) {
      ctx.addIssue({ code: 'custom', path: ['vpcSubnets'], message: 'must be set only together with vpc' });
    }
    if (p.securityGroups !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['securityGroups'], message: 'must be set only together with vpc' });
    }
  }
}

/** @internal plain shape of a DataQualityMonitor */
export const dataQualityMonitorSchema = z
  .strictObject({
    ...shared,
    baselineStatistics: z.strictObject({ key: baselineKey }),
    baselineConstraints: z.strictObject({ key: baselineKey }),
  })
  .superRefine((p, ctx) => checkShared(p, ctx));

/** @internal plain shape of a ModelQualityMonitor's alarm */
const modelQualityAlarmSchema = z.strictObject({
  metricName: z.string().min(1).max(255),
  threshold: z.number(),
  comparison: z.enum(['GREATER_THAN', 'LESS_THAN']),
  alarmOwnership: ownershipSchema,
  evaluationPeriods: z.number().int().min(1).max(100).optional(),
  datapointsToAlarm: z.number().int().min(1).optional(),
});

/** @internal plain shape of a ModelQualityMonitor */
export const modelQualityMonitorSchema = z
  .strictObject({
    ...shared,
    problemType: z.enum(['BinaryClassification', 'MulticlassClassification', 'Regression']),
    inferenceAttribute: attribute.optional(),
    probabilityAttribute: attribute.optional(),
    probabilityThreshold: z.number().min(0).max(1).optional(),
    groundTruthPrefix: keyPrefix,
    groundTruthDelayHours: z
      .number()
      .int('must be a whole number of hours')
      .min(1, 'must be at least 1 hour: the end of the analysed window (EndTimeOffset) must lie before the run'),
    groundTruthWindowHours: z.number().int('must be a whole number of hours').min(1, 'must be at least 1 hour').optional(),
    baselineConstraints: z.strictObject({ key: baselineKey }).optional(),
    alarm: modelQualityAlarmSchema.optional(),
  })
  .superRefine((p, ctx) => {
    checkShared(p, ctx);
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
    const interval = monitorScheduleIntervalHours(p.schedule ?? '');
    if (interval === 1 && p.maxRuntimeSeconds !== undefined && p.maxRuntimeSeconds > MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxRuntimeSeconds'],
        message: `must be at most ${MODEL_QUALITY_HOURLY_MAX_RUNTIME_SECONDS} seconds on an hourly schedule: the ground-truth merge job and the monitoring job share the hour`,
      });
    }
    if (interval !== undefined && p.groundTruthWindowHours !== undefined && p.groundTruthWindowHours < interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['groundTruthWindowHours'],
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
  });
