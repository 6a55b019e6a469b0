import { z } from 'zod';
import { PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from '../drift';
import { DriftReference, MAX_REFERENCE_MINUTES, defaultReferenceMinutes } from '../drift-reference';
import { DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS } from '../policy';
import { sagemakerName } from '../primitives';
import { ownershipSchema } from '../rollback';

/** @internal plain shape shared by both targets (durations in minutes) */
export const driftMonitorSchema = z
  .strictObject({
    endpointName: sagemakerName,
    features: z
      .array(z.string().min(1).max(255))
      .min(1, 'must list at least one feature to watch')
      .refine((f) => new Set(f).size === f.length, 'must not list a feature twice'),
    baselineFeatures: z.array(z.string()).optional(),
    alarmOwnership: ownershipSchema,
    scheduleMinutes: z.number().int('must be a whole number of minutes').min(5, 'must be at least 5 minutes').max(7 * 24 * 60).optional(),
    windowMinutes: z.number().int('must be a whole number of minutes').min(5).max(31 * 24 * 60).optional(),
    investigateThreshold: z.number().gt(0).optional(),
    actThreshold: z.number().gt(0).optional(),
    sustainedDatapoints: z.number().int().min(1).optional(),
    sustainedPeriods: z.number().int().min(1).max(100).optional(),
    baselineKey: z.string().regex(/^[^\s]+\.json$/, 'must be the S3 key of a .json baseline').optional(),
    reference: z.enum(DriftReference).optional(),
    referenceMinutes: z.number().int('must be a whole number of minutes').min(5).max(MAX_REFERENCE_MINUTES).optional(),
    minReferenceValues: z.number().int('must be a whole number').min(1).optional(),
  })
  .superRefine((p, ctx) => {
    const investigate = p.investigateThreshold ?? PSI_INVESTIGATE_THRESHOLD;
    const act = p.actThreshold ?? PSI_ACT_THRESHOLD;
    if (!(investigate < act)) {
      ctx.addIssue({ code: 'custom', path: ['actThreshold'], message: `must be greater than investigateThreshold (${investigate}): thresholds increase` });
    }
    const schedule = p.scheduleMinutes ?? 60;
    if ((p.windowMinutes ?? schedule) < schedule) {
      ctx.addIssue({
        code: 'custom',
        path: ['windowMinutes'],
        message: `must be at least the schedule (${schedule} minutes): a shorter window leaves traffic no run ever looks at`,
      });
    }
    if ((p.sustainedDatapoints ?? DEFAULT_SUSTAINED_DRIFT_DATAPOINTS) > (p.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS)) {
      ctx.addIssue({ code: 'custom', path: ['sustainedDatapoints'], message: `must not exceed sustainedPeriods (${p.sustainedPeriods ?? DEFAULT_SUSTAINED_DRIFT_PERIODS})` });
    }
    const reference = p.reference ?? DriftReference.TRAINING;
    if (reference === DriftReference.TRAINING) {
      for (const key of ['referenceMinutes', 'minReferenceValues'] as const) {
        if (p[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `applies only to a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference (reference is ${reference})` });
        }
      }
    } else {
      const window = p.windowMinutes ?? schedule;
      const referenceMinutes = p.referenceMinutes ?? defaultReferenceMinutes(reference);
      if (referenceMinutes < window) {
        ctx.addIssue({
          code: 'custom',
          path: ['referenceMinutes'],
          message: `must be at least the window (${window} minutes): a reference shorter than the window it judges is noise`,
        });
      }
    }
    if (p.baselineFeatures) {
      (p.features ?? []).forEach((f, i) => {
        if (!p.baselineFeatures!.includes(f)) {
          ctx.addIssue({ code: 'custom', path: ['features', i], message: `must be a feature of the baseline (${p.baselineFeatures!.join(', ')})` });
        }
      });
    }
  });
