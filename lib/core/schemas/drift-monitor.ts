import { z } from 'zod';
import { captureLocationRef } from './capture-location';
import { durationIn } from './duration-value';
import { DEFAULT_BATCH_DRIFT_SCHEDULE_MINUTES, MAX_BATCH_DRIFT_DELAY_MINUTES } from '../batch/drift-source';
import { BATCH_CONTENT_TYPES } from '../batch/layout';
import { PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from '../drift';
import { DriftReference, MAX_REFERENCE_MINUTES, defaultReferenceMinutes } from '../drift-reference';
import { IDuration, secondsOf } from '../duration';
import { checkImage } from '../image';
import { DEFAULT_DRIFT_SCHEDULE_MINUTES, DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS } from '../policy';
import { iamRoleArn, k8sLabelName, sagemakerName } from '../primitives';
import { ownershipSchema } from '../rollback';
import { containerResourcesSchema } from './model-registry';
import { knownAtSynthesis, unlessToken } from '../validation';

// The DriftMonitor schemas of both targets. Their keys are the props' keys (AWS: times as
// Durations, validated in seconds, and an EventBridge schedule expression; Kubernetes: cdk8s
// Durations in seconds and a cron expression); the rules both targets enforce are written once, in
// `checkDrift`.
const MIN_SCHEDULE_MINUTES = 5;
const MAX_AWS_SCHEDULE_MINUTES = 7 * 24 * 60;
const MAX_WINDOW_MINUTES = 31 * 24 * 60;

/**
 * @internal the name of a watched feature (constructor `features`, `addFeature`, the platform spec's
 * `drift.features`): one column of the captured CSV / JSON rows, matched by position or key. A comma
 * would make one list item stand for two CSV columns (`'age,income'`), so the job would watch a
 * feature that no row has, or the wrong column: each feature is its own list item.
 */
export const featureName = z
  .string()
  .min(1)
  .max(255)
  .refine((f) => !f.includes(','), 'must be one feature name without a comma: give each feature as its own list item (features: [age, income], not [\'age,income\'])')
  .refine((f) => f.length === 0 || f.trim().length > 0, 'must not be blank (only whitespace): name a column of the captured rows');

const featureList = z
  .array(featureName)
  .min(1, 'must list at least one feature to watch')
  .refine((f) => new Set(f).size === f.length, 'must not list a feature twice')
  .superRefine(knownAtSynthesis('each feature gets its own alarms'));

/** The part of a feature's name that names its alarms on AWS (`Act-<slug>`): its letters and digits. */
export function featureSlug(feature: string): string {
  return feature.replace(/[^A-Za-z0-9]/g, '');
}

/** @internal the argument of `DriftMonitor.addFeature` (both targets) */
export const driftFeatureSchema = z.strictObject({ feature: featureName });

/**
 * Minutes between the runs of an EventBridge rate expression (`rate(15 minutes)`, `rate(1 hour)`,
 * `rate(2 days)`), or undefined for anything else (a cron expression has no single interval).
 */
export function rateIntervalMinutes(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) {
    return undefined;
  }
  const n = Number(m[1]);
  return m[2].startsWith('minute') ? n : m[2].startsWith('hour') ? n * 60 : n * 24 * 60;
}

/**
 * `startingDeadlineSeconds` of a CronJob on `expression`, in minutes: one schedule interval, at least
 * `MIN_STARTING_DEADLINE_MINUTES` (and that for an expression of uneven intervals). The CronJob
 * controller skips a run it reaches later than startingDeadlineSeconds after its time (kubernetes
 * pkg/controller/cronjob/cronjob_controllerv2.go, syncCronJob: `tooLate :=
 * scheduledTime.Add(StartingDeadlineSeconds).Before(now)`); cdk8s-plus' default of 10 s loses a run
 * to any controller restart or backlog ("CronJob limitations",
 * https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/). One interval lets a late run
 * start until the next one is due.
 */
export function cronStartingDeadlineMinutes(expression: string): number {
  return Math.max(MIN_STARTING_DEADLINE_MINUTES, cronIntervalMinutes(expression) ?? MIN_STARTING_DEADLINE_MINUTES);
}

/** The shortest `startingDeadlineSeconds` the CronJobs get, minutes (see `cronStartingDeadlineMinutes`). */
export const MIN_STARTING_DEADLINE_MINUTES = 5;

/**
 * Minutes between the runs of a Kubernetes cron expression with one interval, or undefined: every
 * N minutes (`*∕N * * * *`, N dividing 60), hourly (`M * * * *`), every H hours (`M *∕H * * *`, H
 * dividing 24) or daily (`M H * * *`). Other expressions run at uneven intervals, which the
 * sustained-drift rule (one sample per run) cannot count.
 */
export function cronIntervalMinutes(expression: string): number | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields.slice(2).some((f) => f !== '*')) {
    return undefined;
  }
  const [minute, hour] = fields;
  const everyMinutes = /^\*\/(\d+)$/.exec(minute);
  if (everyMinutes && hour === '*') {
    const n = Number(everyMinutes[1]);
    return n >= 1 && 60 % n === 0 ? n : undefined;
  }
  if (!/^\d+$/.test(minute) || Number(minute) > 59) {
    return undefined;
  }
  if (hour === '*') {
    return 60;
  }
  const everyHours = /^\*\/(\d+)$/.exec(hour);
  if (everyHours) {
    const h = Number(everyHours[1]);
    return h >= 1 && 24 % h === 0 ? h * 60 : undefined;
  }
  return /^\d+$/.test(hour) && Number(hour) <= 23 ? 24 * 60 : undefined;
}

/** A time given as a Duration, validated in seconds: whole minutes from 5 minutes to `maxMinutes`. */
function minutesAsSeconds(maxMinutes: number, maxText: string) {
  return durationIn('seconds', z.number())
    .refine((s) => s % 60 === 0, 'must be a whole number of minutes')
    .refine((s) => s >= 5 * 60, 'must be at least 5 minutes')
    .refine((s) => s <= maxMinutes * 60, `must be at most ${maxText} (${maxMinutes} minutes)`);
}

/**
 * The batch source of both monitors (`batchSource`): batch scoring's output instead of data capture.
 * The prefix's form is checked unless it holds a token (a bucket made in the app).
 */
const batchSourceShape = {
  outputUri: z.string().superRefine(unlessToken((uri, ctx) => {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(\S+\/)?$/.test(uri)) {
      ctx.addIssue({ code: 'custom', message: 'must be s3://bucket/prefix/ (ending in "/"): the outputUri of the batch scoring' });
    }
  })),
  contentType: z.enum(BATCH_CONTENT_TYPES as [string, ...string[]]).optional(),
  delay: durationIn('seconds', z.number())
    .refine((s) => s % 60 === 0, 'must be a whole number of minutes')
    .refine((s) => s >= 0 && s <= MAX_BATCH_DRIFT_DELAY_MINUTES * 60, `must be from 0 to 7 days (${MAX_BATCH_DRIFT_DELAY_MINUTES} minutes)`)
    .superRefine(knownAtSynthesis('the job reads each date this long after its day ends'))
    .optional(),
  predictionKey: z.string().min(1).optional(),
};

/** With a batch source, runs are whole days apart: one partition per day, one PSI per run for the sustained-drift count. */
function checkBatchSchedule(scheduleMinutes: number | undefined, ctx: z.RefinementCtx): void {
  if (scheduleMinutes !== undefined && scheduleMinutes % DEFAULT_BATCH_DRIFT_SCHEDULE_MINUTES !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['schedule'],
      message: `must be a whole number of days with batchSource (got every ${scheduleMinutes} minutes): batch scoring writes one partition a day, `
        + 'so a shorter interval has runs with nothing to read and the sustained-drift count of M of N runs never reaches M',
    });
  }
}

/** What both targets validate alike. */
const common = {
  endpointName: sagemakerName,
  features: featureList,
  alarmOwnership: ownershipSchema,
  investigateThreshold: z.number().gt(0).optional(),
  actThreshold: z.number().gt(0).optional(),
  sustainedDatapoints: z.number().int().min(1).optional(),
  sustainedPeriods: z.number().int().min(1).max(100).optional(),
  reference: z.enum(DriftReference).optional(),
  minReferenceValues: z.number().int('must be a whole number').min(1).optional(),
};

interface CommonChecked {
  readonly features?: string[];
  readonly investigateThreshold?: number;
  readonly actThreshold?: number;
  readonly sustainedDatapoints?: number;
  readonly sustainedPeriods?: number;
  readonly reference?: DriftReference;
  readonly minReferenceValues?: number;
}

/** The times of one target, in minutes, with the keys its props name them by. */
interface DriftTimes {
  readonly scheduleMinutes?: number;
  readonly windowKey: string;
  readonly windowMinutes?: number;
  readonly referenceKey: string;
  readonly referenceMinutes?: number;
}

/** The cross-field rules of both targets. */
function checkDrift(p: CommonChecked, t: DriftTimes, ctx: z.RefinementCtx): void {
  const investigate = p.investigateThreshold ?? PSI_INVESTIGATE_THRESHOLD;
  const act = p.actThreshold ?? PSI_ACT_THRESHOLD;
  if (!(investigate < act)) {
    ctx.addIssue({ code: 'custom', path: ['actThreshold'], message: `must be greater than investigateThreshold (${investigate}): thresholds increase` });
  }
  const schedule = t.scheduleMinutes ?? DEFAULT_DRIFT_SCHEDULE_MINUTES;
  const window = t.windowMinutes ?? schedule;
  if (window < schedule) {
    ctx.addIssue({
      code: 'custom',
      path: [t.windowKey],
      message: `must be at least the schedule (${schedule} minutes): a shorter window leaves traffic no run ever looks at`,
    });
  }
  if ((p.sustainedDatapoints ?? DEFAULT_SUSTAINED_DRIFT_DATAPOINTS) > (p.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS)) {
    ctx.addIssue({ code: 'custom', path: ['sustainedDatapoints'], message: `must not exceed sustainedPeriods (${p.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS})` });
  }
  const reference = p.reference ?? DriftReference.TRAINING;
  if (reference === DriftReference.TRAINING) {
    for (const [key, value] of [[t.referenceKey, t.referenceMinutes], ['minReferenceValues', p.minReferenceValues]] as const) {
      if (value !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must be set only with a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference (reference is ${reference})` });
      }
    }
  } else if ((t.referenceMinutes ?? defaultReferenceMinutes(reference)) < window) {
    ctx.addIssue({
      code: 'custom',
      path: [t.referenceKey],
      message: `must be at least the window (${window} minutes): a reference shorter than the window it judges is noise`,
    });
  }
}

/** A construct reference: the type system checks it. */
const constructRef = z.any();

/** @internal plain shape of the AWS DriftMonitor's props (Durations in seconds, the schedule as its expression) */
export const driftMonitorSchema = z
  .strictObject({
    ...common,
    capture: captureLocationRef.optional(),
    batchSource: z.strictObject({ ...batchSourceShape, encryptionKey: constructRef.optional() }).optional(),
    baselineBucket: constructRef, // a construct reference: the type system checks it
    baselineKey: z.string().regex(/^[^\s]+\.json$/, 'must be the S3 key of a .json baseline'),
    baseline: z.looseObject({ features: z.array(z.looseObject({ name: z.string() })) }).optional(),
    schedule: z
      .string()
      .refine((e) => rateIntervalMinutes(e) !== undefined, 'must be a rate (events.Schedule.rate): the alarms judge one run per interval, which a cron expression does not have')
      .refine((e) => (rateIntervalMinutes(e) ?? MIN_SCHEDULE_MINUTES) >= MIN_SCHEDULE_MINUTES, `must be at least ${MIN_SCHEDULE_MINUTES} minutes`)
      .refine((e) => (rateIntervalMinutes(e) ?? 0) <= MAX_AWS_SCHEDULE_MINUTES, `must be at most 7 days (${MAX_AWS_SCHEDULE_MINUTES} minutes)`)
      .optional(),
    window: minutesAsSeconds(MAX_WINDOW_MINUTES, '31 days').superRefine(knownAtSynthesis('the job\'s window, its alarms and the reference are sized from it')).optional(),
    alarmTopic: constructRef.optional(), // a construct reference: the type system checks it
    referenceSpan: minutesAsSeconds(MAX_REFERENCE_MINUTES, '31 days').superRefine(knownAtSynthesis('it is compared with the window at synthesis')).optional(),
    role: constructRef.optional(), // a construct reference: the type system checks it
    vpc: constructRef.optional(), // a construct reference: the type system checks it
    vpcSubnets: z.any().optional(), // a subnet selection (of constructs): the type system checks it
    securityGroups: z.array(z.any()).max(5, 'must list at most 5 security groups (a Lambda function allows 5)').optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const minutes = (s: number | undefined) => (s === undefined ? undefined : s / 60);
    const batch = p.batchSource !== undefined;
    if (batch === (p.capture !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [batch ? 'batchSource' : 'capture'],
        message: batch
          ? 'must not be set together with capture: a monitor watches an endpoint\'s captured traffic or a batch scoring\'s output, not both'
          : 'must be the data capture location of an endpoint whose data capture is on (GpuServingEndpoint.dataCaptureLocation is undefined '
            + 'when dataCapture.enabled is false; a batch scoring\'s output is watched with batchSource instead): turn data capture on at the endpoint',
      });
    }
    const schedule = p.schedule === undefined ? undefined : rateIntervalMinutes(p.schedule);
    if (batch) checkBatchSchedule(schedule, ctx);
    checkDrift(
      p,
      {
        scheduleMinutes: schedule ?? (batch ? DEFAULT_BATCH_DRIFT_SCHEDULE_MINUTES : undefined),
        windowKey: 'window',
        windowMinutes: minutes(p.window),
        referenceKey: 'referenceSpan',
        referenceMinutes: minutes(p.referenceSpan),
      },
      ctx,
    );
    const slugs = new Map<string, string>();
    (p.features ?? []).forEach((f, i) => {
      const other = slugs.get(featureSlug(f));
      if (other !== undefined && other !== f) {
        ctx.addIssue({ code: 'custom', path: ['features', i], message: `must differ from ${JSON.stringify(other)} in its letters or digits: they name the feature's alarms` });
      }
      slugs.set(featureSlug(f), other ?? f);
    });
    const known = p.baseline?.features.map((f) => f.name);
    if (known) {
      (p.features ?? []).forEach((f, i) => {
        if (!known.includes(f)) {
          ctx.addIssue({ code: 'custom', path: ['features', i], message: `must be a feature of the baseline (${known.join(', ')})` });
        }
      });
    }
    if (p.vpc === undefined) {
      for (const key of ['vpcSubnets', 'securityGroups'] as const) {
        if (p[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'must be set only together with vpc' });
        }
      }
    }
  }));

const s3Location = /^s3:\/\/([^/]+)\/(.+)$/;

/** `[bucket, key]` of an `s3://bucket/key` URI, or undefined. */
export function parseS3Location(uri: string): [string, string] | undefined {
  const m = s3Location.exec(uri);
  return m ? [m[1], m[2]] : undefined;
}

/** @internal plain shape of the Kubernetes DriftMonitor's props (the schedule as its cron expression) */
export const k8sDriftMonitorSchema = z
  .strictObject({
    ...common,
    image: z.string().superRefine(unlessToken((ref, ctx) => {
      const problem = checkImage(ref, { allowPinnedTag: false, allowMutableTag: false });
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
      }
    })),
    captureUri: z.string().regex(s3Location, 'must be s3://bucket/prefix').optional(),
    batchSource: z.strictObject(batchSourceShape).optional(),
    baselineUri: z.string().regex(/^s3:\/\/[^/]+\/.+\.json$/, 'must be s3://bucket/key.json'),
    pushgatewayUrl: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
    schedule: z
      .string()
      .refine(
        (e) => cronIntervalMinutes(e) !== undefined,
        'must be a cron schedule with one interval: every N minutes with N dividing 60 ("*/15 * * * *"), hourly ("0 * * * *"), every H hours with H dividing 24 ("0 */6 * * *") or daily ("0 3 * * *")',
      )
      .refine((e) => (cronIntervalMinutes(e) ?? MIN_SCHEDULE_MINUTES) >= MIN_SCHEDULE_MINUTES, `must run at most every ${MIN_SCHEDULE_MINUTES} minutes`)
      .optional(),
    window: minutesAsSeconds(MAX_WINDOW_MINUTES, '31 days').superRefine(knownAtSynthesis('the job\'s window, its alarms and the reference are sized from it')).optional(),
    namespace: k8sLabelName.optional(),
    createNamespace: z.boolean().optional(),
    serviceAccountRoleArn: iamRoleArn.optional(),
    prometheusRuleLabels: z.record(z.string(), z.string()).optional(),
    resources: containerResourcesSchema.optional(),
    referenceSpan: minutesAsSeconds(MAX_REFERENCE_MINUTES, '31 days').superRefine(knownAtSynthesis('it is compared with the window at synthesis')).optional(),
    retrainWorkflowTemplate: z.strictObject({ name: k8sLabelName, namespace: k8sLabelName }).optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const batch = p.batchSource !== undefined;
    if (batch === (p.captureUri !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [batch ? 'batchSource' : 'captureUri'],
        message: batch
          ? 'must not be set together with captureUri: a monitor watches an endpoint\'s captured traffic or a batch scoring\'s output, not both'
          : 'must be set (s3://bucket/prefix of the captured traffic), or watch a batch scoring\'s output with batchSource',
      });
    }
    const schedule = p.schedule === undefined ? undefined : cronIntervalMinutes(p.schedule);
    if (batch) checkBatchSchedule(schedule, ctx);
    checkDrift(
      p,
      {
        scheduleMinutes: schedule ?? (batch ? DEFAULT_BATCH_DRIFT_SCHEDULE_MINUTES : undefined),
        windowKey: 'window',
        windowMinutes: p.window === undefined ? undefined : p.window / 60,
        referenceKey: 'referenceSpan',
        referenceMinutes: p.referenceSpan === undefined ? undefined : p.referenceSpan / 60,
      },
      ctx,
    );
  }));

/**
 * @internal the plain shape both drift monitors validate: the props with the features as they are
 * now, the Durations in seconds and the schedule (EventBridge or cdk8s Cron) as its expression
 */
export function plainDriftProps<P extends {
  schedule?: { expressionString: string }; window?: IDuration; referenceSpan?: IDuration; batchSource?: { delay?: IDuration };
}>(
  props: P,
  features: string[],
): Record<string, unknown> {
  const { window, referenceSpan, batchSource } = props;
  return {
    ...props,
    features,
    schedule: props.schedule?.expressionString,
    window: secondsOf(window),
    referenceSpan: secondsOf(referenceSpan),
    ...(batchSource !== undefined ? { batchSource: { ...batchSource, delay: secondsOf(batchSource.delay) } } : {}),
  };
}
