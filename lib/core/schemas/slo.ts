import { z } from 'zod';
import { BURN_RATE_WINDOWS, MAX_OBJECTIVE_PERCENT, MAX_SLO_WINDOW_DAYS, MIN_OBJECTIVE_PERCENT, MIN_SLO_WINDOW_DAYS } from '../slo/burn-rate';
import { SloIndicator } from '../slo/spec';
import { knownAtSynthesis, unlessToken } from '../validation';

// The SloSpec's rules (lib/core/slo/spec.ts), for aws.ServiceLevelObjectives,
// k8s.ServiceLevelObjectives and the platform's `slo` section. Keys are the spec's keys.

const NEEDED = 'burn-rate thresholds and alert windows are written at synthesis';

/** @internal one objective */
export const sloObjectiveSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$/, 'must be 1–30 lowercase letters, digits or "-" (it names alarms, alerts and rules)'),
    indicator: z.enum(SloIndicator),
    objectivePercent: z
      .number()
      .min(MIN_OBJECTIVE_PERCENT, `must be from ${MIN_OBJECTIVE_PERCENT} to ${MAX_OBJECTIVE_PERCENT}: below ${MIN_OBJECTIVE_PERCENT} the fastest burn alert (${BURN_RATE_WINDOWS[0].factor}×) could never fire`)
      .max(MAX_OBJECTIVE_PERCENT, `must be from ${MIN_OBJECTIVE_PERCENT} to ${MAX_OBJECTIVE_PERCENT}`)
      .superRefine(knownAtSynthesis(NEEDED)),
    latencyThresholdMillis: z.number().gt(0, 'must be greater than 0 ms').max(600_000, 'must be at most 600000 ms').superRefine(knownAtSynthesis(NEEDED)).optional(),
  })
  .superRefine(unlessToken((o, ctx) => {
    if (o.indicator === SloIndicator.LATENCY && o.latencyThresholdMillis === undefined) {
      ctx.addIssue({ code: 'custom', path: ['latencyThresholdMillis'], message: 'must be set for a LATENCY objective (the latency a good request stays within)' });
    }
    if (o.indicator === SloIndicator.AVAILABILITY && o.latencyThresholdMillis !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['latencyThresholdMillis'], message: 'applies only to a LATENCY objective' });
    }
  }));

/** @internal the SloSpec's keys, to spread into a construct's or the platform's strict object */
export const sloSpecShape = {
  objectives: z.array(sloObjectiveSchema).min(1, 'must declare at least one objective'),
  windowDays: z.number().int('must be whole days').min(MIN_SLO_WINDOW_DAYS).max(MAX_SLO_WINDOW_DAYS).superRefine(knownAtSynthesis(NEEDED)).optional(),
  canaryBurnRate: z.number().gt(1, 'must be greater than 1 (1 spends the budget exactly over the window)').max(100).superRefine(knownAtSynthesis(NEEDED)).optional(),
};

/** @internal rules across the SloSpec's keys (unique objective names; the canary trigger possible) */
export function checkSloSpec(
  s: { objectives?: Array<{ name?: string; objectivePercent?: number }>; canaryBurnRate?: number },
  ctx: z.RefinementCtx,
): void {
  const seen = new Map<string, number>();
  (s.objectives ?? []).forEach((o, i) => {
    if (o?.name === undefined) return;
    if (seen.has(o.name)) ctx.addIssue({ code: 'custom', path: ['objectives', i, 'name'], message: `must be unique (objectives[${seen.get(o.name)}] has it too)` });
    seen.set(o.name, i);
    if (s.canaryBurnRate !== undefined && typeof o.objectivePercent === 'number' && s.canaryBurnRate * (1 - o.objectivePercent / 100) >= 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['canaryBurnRate'],
        message: `must keep canaryBurnRate × budget below 100 % for objectives[${i}] (${s.canaryBurnRate} × ${Number((100 - o.objectivePercent).toPrecision(12))} % ≥ 100 %): such a canary trigger could never fire`,
      });
    }
  });
}

/** @internal the SloSpec as one schema */
export const sloSpecSchema = z.strictObject(sloSpecShape).superRefine(unlessToken((s, ctx) => checkSloSpec(s, ctx)));
