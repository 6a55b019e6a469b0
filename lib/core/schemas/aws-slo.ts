import { z } from 'zod';
import { sagemakerName } from '../primitives';
import { ownershipSchema } from '../rollback';
import { checkSloSpec, sloSpecShape } from './slo';
import { knownAtSynthesis, unlessToken } from '../validation';

/**
 * The most serving variants one objective watches on AWS. A metric-math alarm references at most 10
 * metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html, a hard
 * limit), and each variant adds two (AVAILABILITY: Invocations and Invocation5XXErrors; LATENCY:
 * ModelLatency's SampleCount and percentile rank).
 */
export const MAX_SLO_VARIANTS = 5;

/** @internal the props of `aws.ServiceLevelObjectives`, plain (the endpoint as its name, no topics) */
export const awsSloSchema = z
  .strictObject({
    ...sloSpecShape,
    endpointName: z.string().min(1, 'must name the endpoint'),
    variantNames: z
      .array(sagemakerName)
      .min(1, 'must name at least one serving variant')
      .max(MAX_SLO_VARIANTS, `must name at most ${MAX_SLO_VARIANTS} variants: a metric-math alarm reads at most 10 metrics, two per variant`)
      .refine((v) => new Set(v).size === v.length, 'must not name a variant twice')
      .superRefine(knownAtSynthesis('each variant adds metrics to the alarms'))
      .optional(),
    alarmOwnership: ownershipSchema,
    applicationSignals: z.boolean().optional(),
    dashboard: z.boolean().optional(),
  })
  .superRefine(unlessToken((s, ctx) => checkSloSpec(s, ctx)));
