/**
 * The runbook's part on cost (issue 19), on both targets: a model's (or the platform's) monthly cost
 * estimate as a Markdown table, with the price table's date and sources and the estimate's
 * assumptions, and the model's budget with what to do when it notifies.
 */

import { cell } from './runbook';
import type { ModelBudget } from '../../aws/model-budget';
import { CostEstimate, CostLine, NO_PRICE, budgetProblems, money } from '../../core/cost/estimate';
import { MlopsValidationError } from '../../core/errors';
import { PlatformBudgetSpec } from '../../core/platform-spec';
import { AlarmOwnership } from '../../core/rollback';
import { WarningScope, addWarning } from '../../core/warnings';

/** Id of the warning an estimate above a model's budget raises (acknowledge it with this id). */
export const BUDGET_WARNING_ID = 'cdk-mlops:platform:estimate-over-budget';

/** A model's budget as the runbook states it. */
export interface BudgetRunbookInfo {
  /** The budget, US dollars a month. */
  readonly monthlyUsd: number;
  /** Whether an estimate above it fails synthesis. */
  readonly failOnEstimateOver?: boolean;
  /** On AWS: the `AWS::Budgets::Budget`'s name. */
  readonly budgetName?: string;
  /** On AWS: its filter (`user:model$<model>`). */
  readonly costFilter?: string;
  /** On AWS: its notifications, e.g. `actual > 80 %`. */
  readonly notifications?: string[];
  /** Who owns its notifications. */
  readonly owner: string;
  /** The runbook of its notifications. */
  readonly runbookUrl: string;
}

const usd = (n: number | undefined) => (n === undefined ? '—' : `$${money(n)}`);
const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const span = (a: string, b: string) => (a === b ? a : `${a}–${b}`);

function row(l: CostLine, ref: number | undefined, withModel: boolean): string {
  const cells = [
    ...(withModel ? [l.model === '' ? '(platform)' : `\`${l.model}\``] : []),
    l.counted ? l.what : `${l.what} (not added)`,
    l.unitPriceUsd === undefined ? NO_PRICE : `$${l.unitPriceUsd} / ${l.unit}`,
    `${span(num(l.quantityMin), num(l.quantityMax))} ${l.unit}s`,
    l.unitPriceUsd === undefined ? '—' : span(usd(l.monthlyUsdMin), usd(l.monthlyUsdMax)),
    ref === undefined ? NO_PRICE : `[${ref}]`,
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

/**
 * The runbook's part on cost (Markdown lines): one row per line of the estimate (what, unit price,
 * quantity a month, US dollars a month from the least to the most, source), the totals, the price
 * table's date and sources, the assumptions; then the budget when there is one.
 *
 * @param estimate a model's or the platform's estimate
 * @param budget the model's budget
 */
export function costRunbook(estimate: CostEstimate, budget?: BudgetRunbookInfo): string[] {
  const sources = [...new Set(estimate.lines.filter((l) => l.source !== NO_PRICE).map((l) => l.source))];
  const withModel = estimate.lines.some((l) => l.model !== estimate.subject);
  const header = [...(withModel ? ['model'] : []), 'what', 'unit price', 'quantity a month', 'US dollars a month', 'source'];
  const unpriced = estimate.unpricedLines > 0 ? ` (without ${estimate.unpricedLines} line(s) that have no price)` : '';
  const lines = [
    `### Cost: an estimate, not a bill (${estimate.region})`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...estimate.lines.map((l) => row(l, l.source === NO_PRICE ? undefined : sources.indexOf(l.source) + 1, withModel)),
    `| ${[...(withModel ? [''] : []), '**total**', '', '', `**${span(usd(estimate.totalMonthlyUsdMin), usd(estimate.totalMonthlyUsdMax))}**${unpriced}`, ''].map(cell).join(' | ')} |`,
    '',
    `Prices: on-demand list prices, read on ${estimate.pricesReadOn} (the library's price table, \`core.PRICE_TABLE\`). Sources:`,
    '',
    ...sources.map((s, i) => `${i + 1}. ${s}`),
    ...(sources.length === 0 ? ['(none: no line of this estimate has a price for this Region)'] : []),
    '',
    'Assumptions:',
    '',
    ...estimate.assumptions.map((a) => `- ${a}`),
  ];
  if (budget !== undefined) {
    lines.push('', ...budgetRunbook(estimate, budget));
  }
  return lines;
}

/** The runbook's part on a model's budget (Markdown lines). */
export function budgetRunbook(estimate: CostEstimate, budget: BudgetRunbookInfo): string[] {
  const fits = estimate.totalMonthlyUsdMin <= budget.monthlyUsd;
  const verdict = fits
    ? `The estimate's minimum, ${usd(estimate.totalMonthlyUsdMin)}, fits it`
    : `The estimate's minimum, ${usd(estimate.totalMonthlyUsdMin)}, is above it (${budget.failOnEstimateOver ? 'synthesis fails' : 'a warning at synthesis'})`;
  const aws = budget.budgetName !== undefined
    ? ` AWS Budgets watches the spend: budget \`${budget.budgetName}\` on the cost allocation tag \`${budget.costFilter}\`, `
      + `notifying the alarm topic at ${(budget.notifications ?? []).join(', ')}.`
    : '';
  return [
    `### Budget: $${money(budget.monthlyUsd)} a month`,
    '',
    `${verdict}; its maximum is ${usd(estimate.totalMonthlyUsdMax)}.${aws} Owner: ${budget.owner}. Runbook: ${budget.runbookUrl}.`,
    '',
    (budget.budgetName !== undefined
      ? '- A notification (actual spend past a threshold, or the month\'s forecast past the budget): open Cost Explorer filtered by the model\'s tag '
        + 'and grouped by usage type'
      : '- No AWS budget watches the spend on Kubernetes: watch it in OpenCost or Kubecost by the pods\' `model` label; over budget, open the allocation by that label')
      + '; the usual causes are more instances than planned (autoscaling at its maximum, an '
      + 'experiment\'s challenger left running), training runs longer or more frequent than scheduled, or a larger instance type.',
    '- Lower what runs (instance count, maxInstanceCount, end the experiment, shorten maxRuntimeSeconds) or raise budget.monthlyUsd '
      + 'with the owner\'s agreement; the estimate here is re-computed at every synthesis.',
    ...(budget.budgetName !== undefined
      ? ['- The budget sees only cost tagged with the model (the tag must be activated as a cost allocation tag; costs appear up to a day late).']
      : []),
  ];
}

/**
 * The budget as the runbook states it: the spec's budget and the model's ownership, and on AWS what
 * its `aws.ModelBudget` renders (name, filter, notifications).
 */
export function budgetRunbookInfo(budget: PlatformBudgetSpec, ownership: AlarmOwnership, aws?: ModelBudget): BudgetRunbookInfo {
  return {
    monthlyUsd: budget.monthlyUsd,
    failOnEstimateOver: budget.failOnEstimateOver,
    owner: ownership.owner,
    runbookUrl: ownership.runbookUrl,
    ...(aws === undefined ? {} : {
      budgetName: aws.budgetName,
      costFilter: aws.costFilter,
      notifications: aws.notifications.map((n) => `${n.notificationType === 'ACTUAL' ? 'actual' : 'forecast'} > ${n.percent} %`),
    }),
  };
}

/**
 * The estimate against the model's budget, raised at synthesis: nothing when the estimate's minimum
 * fits; else a warning on `scope` (id `BUDGET_WARNING_ID`), or, with `failOnEstimateOver`, the one
 * validation error naming the model's budget in the spec (cost as a release blocker).
 *
 * @param scope the model's construct
 * @param property where the budget is in the spec, e.g. `models[0].budget.monthlyUsd`
 */
export function raiseBudgetProblem(scope: WarningScope, property: string, estimate: CostEstimate, budget: PlatformBudgetSpec): void {
  const problem = budgetProblems(estimate, budget);
  if (problem === undefined) {
    return;
  }
  if (!problem.isError) {
    addWarning(scope, BUDGET_WARNING_ID, problem.message);
    return;
  }
  throw new MlopsValidationError([{
    constructPath: scope.node.path,
    property,
    received: String(budget.monthlyUsd),
    allowed: `must be at least the estimated monthly cost's minimum with failOnEstimateOver: ${problem.message}`,
  }]);
}
