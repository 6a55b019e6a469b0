import { z } from 'zod';
import { DriftReference, MAX_REFERENCE_MINUTES } from '../drift-reference';
import { pipelineSpecSchema } from '../pipeline';
import { Weekday } from '../platform-spec';
import { ownershipSchema } from '../rollback';

const shortName = (what: string) => z.string().regex(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$|^[a-z]$/, `must be a ${what}: lowercase letters, digits and "-", 1-20 characters, starting with a letter`);
const percent = (min: number, max: number) => z.number().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`);

/** @internal The platform spec, as written in TypeScript, YAML or JSON (every key checked, unknown keys rejected). */
export const platformSpecSchema = z
  .strictObject({
    name: shortName('platform name'),
    ownership: ownershipSchema,
    models: z
      .array(
        z.strictObject({
          name: shortName('model name'),
          ownership: ownershipSchema.optional(),
          pipeline: pipelineSpecSchema,
          training: z.strictObject({
            codeCommit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character git commit SHA'),
            dataVersion: z.string().min(1).max(200),
            featureSetVersion: z.string().min(1).max(200),
            inputDataUri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(\S+\/)?$/, 'must be s3://bucket/prefix/ (ending in "/")'),
            weeklyOn: z.enum(Weekday).optional(),
            hourUtc: z.number().int().min(0).max(23).optional(),
          }),
          serving: z
            .strictObject({
              instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a SageMaker instance type (ml.<family>.<size>)'),
              initialModelVersion: z.number().int('must be a whole version number').min(1),
              instanceCount: z.number().int().min(1).max(100).optional(),
              maxInstanceCount: z.number().int().min(1).max(100).optional(),
              targetInvocationsPerInstance: z.number().int().min(1).optional(),
              canaryPercent: percent(1, 50).optional(),
              bakeMinutes: z.number().int().min(1).max(120).optional(),
              maxErrorRatePercent: percent(0.01, 50).optional(),
              maxP99LatencyMillis: z.number().int().min(1).optional(),
              captureSamplingPercent: z.number().int().min(1).max(100).optional(),
              modelSizeGiB: z.number().gt(0).max(1000).optional(),
            })
            .superRefine((s, ctx) => {
              if (s.maxInstanceCount !== undefined && s.maxInstanceCount < (s.instanceCount ?? 2)) {
                ctx.addIssue({ code: 'custom', path: ['maxInstanceCount'], message: `must be at least instanceCount (${s.instanceCount ?? 2})` });
              }
              if (s.targetInvocationsPerInstance !== undefined && s.maxInstanceCount === undefined) {
                ctx.addIssue({ code: 'custom', path: ['targetInvocationsPerInstance'], message: 'applies only with maxInstanceCount (autoscaling)' });
              }
            }),
          drift: z
            .strictObject({
              features: z.array(z.string().min(1).max(255)).min(1, 'must list the model\'s input columns')
                .refine((f) => new Set(f).size === f.length, 'must not list a feature twice'),
              baselineUri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+\.json$/, 'must be s3://bucket/key.json'),
              reference: z.enum(DriftReference).optional(),
              referenceSpanMinutes: z.number().int().min(60).max(MAX_REFERENCE_MINUTES).optional(),
            })
            .superRefine((d, ctx) => {
              if (d.referenceSpanMinutes !== undefined && (d.reference ?? DriftReference.TRAINING) === DriftReference.TRAINING) {
                ctx.addIssue({ code: 'custom', path: ['referenceSpanMinutes'], message: 'applies only to a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference' });
              }
            }),
        }),
      )
      .min(1, 'must declare at least one model'),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.models.forEach((m, i) => {
      if (seen.has(m.name)) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `must be unique (models[${seen.get(m.name)}] has it too)` });
      }
      seen.set(m.name, i);
    });
  });
