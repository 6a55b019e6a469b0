import { z } from 'zod';
import { timeZoneProblem } from '../time-zone';
import { unlessToken } from '../validation';

/**
 * @internal a time zone Argo's controller loads (Go `time.LoadLocation` on the tz database): every
 * tz database name and alias (`UTC`, `Etc/UTC`, `America/Argentina/Buenos_Aires`), spelled exactly;
 * see lib/core/time-zone.ts for the source and why Node's `Intl` is not the test
 */
export const ianaTimeZone = z.string().superRefine(unlessToken((name, ctx) => {
  const problem = timeZoneProblem(name);
  if (problem !== undefined) {
    ctx.addIssue({ code: 'custom', message: problem });
  }
}));
