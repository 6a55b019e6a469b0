/**
 * The platform's SLOs, on both targets: the runbook's part (the objectives, their budgets and the
 * burn-rate policy with each alert's threshold), the same text whichever target renders it.
 */

import { cell } from './runbook';
import { BURN_RATE_WINDOWS, BurnRateSeverity, budgetSpent, burnRateThreshold, errorBudget, sloWindowDays, windowLabel } from '../../core/slo/burn-rate';
import { SloIndicator, SloObjective, SloSpec } from '../../core/slo/spec';

/** Where a target shows an SLO's state (the runbook's "where to look"). */
export interface SloReading {
  /** Where the budget remaining is seen (a dashboard, a recording rule). */
  readonly budget: string;
  /** What the page and ticket alerts are called on this target (given an objective's name). */
  readonly alerts: (objective: string) => string;
}

const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(4))} %`;

function good(o: SloObjective): string {
  return o.indicator === SloIndicator.LATENCY ? `answered within ${o.latencyThresholdMillis} ms` : 'answered without a 5xx';
}

/** The runbook's part on a model's SLO (Markdown lines). */
export function sloRunbook(slo: SloSpec, reading: SloReading): string[] {
  const days = sloWindowDays(slo);
  const header = ['objective', 'promise', 'budget', ...BURN_RATE_WINDOWS.map((w) => `${w.severity === BurnRateSeverity.PAGE ? 'page' : 'ticket'}: ${w.factor}× over ${windowLabel(w.longWindowMinutes)} and ${windowLabel(w.shortWindowMinutes)}`)];
  const rows = slo.objectives.map((o) => [
    `\`${o.name}\``,
    `${o.objectivePercent} % of requests ${good(o)}, over ${days} days`,
    `${percent(errorBudget(o))} of requests`,
    ...BURN_RATE_WINDOWS.map((w) => `bad ratio > ${percent(burnRateThreshold(o, w.factor))}`),
  ]);
  const spent = BURN_RATE_WINDOWS.map((w) => `${windowLabel(w.longWindowMinutes)} at ${w.factor}× spends ${percent(budgetSpent(w.factor, w.longWindowMinutes, days))}`).join(', ');
  const lines = [
    `### Service-level objectives (${days}-day window)`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
    `An alert fires when the budget burns faster than the factor over both windows (the long one: enough is gone; the short one: it is still burning). Of the whole budget, ${spent}. ` +
      `Alarms: ${slo.objectives.map((o) => reading.alerts(o.name)).join('; ')}. Budget remaining: ${reading.budget}.`,
    '',
    '- A page: the budget will be gone within days at this rate. Find the cause now (a deploy? roll it back; a dependency? fail over); the burn-rate alert resets minutes after the burn stops.',
    '- A ticket: a slow burn. Plan the fix this week; if the budget runs out, freeze risky releases until it recovers.',
  ];
  if (slo.canaryBurnRate !== undefined) {
    lines.push(`- Canaries: a new fleet burning a budget faster than ${slo.canaryBurnRate}× rolls back (rollback triggers ${slo.objectives.map((o) => `\`burn-${o.name}\` at ${percent(burnRateThreshold(o, slo.canaryBurnRate!))}`).join(', ')}).`);
  }
  return lines;
}
