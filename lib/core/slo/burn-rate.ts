import { SloObjective, SloSpec } from './spec';

/**
 * Multi-window, multi-burn-rate alerting (Google SRE workbook, "Alerting on SLOs", table 5-8 and the
 * recommended configuration: https://sre.google/workbook/alerting-on-slos/): an alert fires when the
 * budget burns faster than `factor` over BOTH the long window (enough budget is really gone) and the
 * short window (it is still burning: the alert resets soon after the burn stops). The same four rows
 * as sloth's and pyrra's defaults. A factor is a multiple of the rate that exactly spends the budget
 * over the SLO window; the workbook's factors are for a 30-day window (14.4 × 1 h = 2 % of 30 days),
 * and are kept for every window here: over 28 days a 14.4× burn for an hour spends 2.14 % of the
 * budget (`budgetSpent`).
 */

/** How loud a burn-rate alert is. */
export enum BurnRateSeverity {
  /** Wake someone up (fast burns). */
  PAGE = 'PAGE',
  /** A ticket for working hours (slow burns). */
  TICKET = 'TICKET',
}

/** One row of the burn-rate policy. */
export interface BurnRateWindow {
  /** Page or ticket. */
  readonly severity: BurnRateSeverity;
  /** Long window, minutes. */
  readonly longWindowMinutes: number;
  /** Short window, minutes (1/12 of the long one). */
  readonly shortWindowMinutes: number;
  /** Burn-rate factor: the bad ratio must exceed factor × (1 − objective) over both windows. */
  readonly factor: number;
}

/** The policy: 1 h / 5 m at 14.4× and 6 h / 30 m at 6× page; 1 d / 2 h at 3× and 3 d / 6 h at 1× ticket. */
export const BURN_RATE_WINDOWS: BurnRateWindow[] = [
  { severity: BurnRateSeverity.PAGE, longWindowMinutes: 60, shortWindowMinutes: 5, factor: 14.4 },
  { severity: BurnRateSeverity.PAGE, longWindowMinutes: 360, shortWindowMinutes: 30, factor: 6 },
  { severity: BurnRateSeverity.TICKET, longWindowMinutes: 1440, shortWindowMinutes: 120, factor: 3 },
  { severity: BurnRateSeverity.TICKET, longWindowMinutes: 4320, shortWindowMinutes: 360, factor: 1 },
];

/** The default SLO window, days. */
export const DEFAULT_SLO_WINDOW_DAYS = 28;
/** Shortest and longest SLO window, days. */
export const MIN_SLO_WINDOW_DAYS = 7;
export const MAX_SLO_WINDOW_DAYS = 90;
/** Highest objective, percent (a tighter one has a budget of seconds a month: not alertable). */
export const MAX_OBJECTIVE_PERCENT = 99.99;
/** The fastest factor of the policy: an objective whose budget × this ≥ 1 could never page. */
export const FASTEST_BURN_RATE = Math.max(...BURN_RATE_WINDOWS.map((w) => w.factor));
/** The lowest objective, percent: 100 × (1 − 1/14.4) = 93.06 (rounded up to 93.1). */
export const MIN_OBJECTIVE_PERCENT = 93.1;

/** The error budget of an objective: the allowed bad ratio, 1 − objective (0.005 for 99.5 %). */
export function errorBudget(objective: Pick<SloObjective, 'objectivePercent'>): number {
  // Rounded to 12 significant digits so 1 − 0.995 is 0.005, not 0.0050000000000000044.
  return Number((1 - objective.objectivePercent / 100).toPrecision(12));
}

/** The bad ratio above which a window burns faster than `factor`: factor × budget. */
export function burnRateThreshold(objective: Pick<SloObjective, 'objectivePercent'>, factor: number): number {
  return Number((factor * errorBudget(objective)).toPrecision(12));
}

/** The share of the whole budget a burn at `factor` spends over `minutes`, with a window of `windowDays`. */
export function budgetSpent(factor: number, minutes: number, windowDays: number): number {
  return (factor * minutes) / (windowDays * 24 * 60);
}

/** The SLO's window, days (its default applied). */
export function sloWindowDays(spec: Pick<SloSpec, 'windowDays'>): number {
  return spec.windowDays ?? DEFAULT_SLO_WINDOW_DAYS;
}

/** A window in Prometheus / human notation: 5m, 30m, 1h, 6h, 1d, 3d. */
export function windowLabel(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
