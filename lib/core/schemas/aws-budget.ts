import { z } from 'zod';
import { ownershipSchema } from '../rollback';
import { unlessToken } from '../validation';

/**
 * A budget's name: 1–100 characters, no `:` or `\` (AWS Budgets API, `Budget.BudgetName`,
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html).
 */
export const budgetName = z.string().min(1).max(100, 'must be at most 100 characters (AWS Budgets)').regex(/^[^:\\]+$/, 'must not contain ":" or "\\" (AWS Budgets)');

/**
 * Notifications of one budget: at most 10 (AWS Budgets API, `Notification`: "A budget can have up to
 * ten notifications", https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Notification.html).
 */
export const MAX_BUDGET_NOTIFICATIONS = 10;

const percents = z.array(z.number().min(0.1, 'must be at least 0.1 (percent of the budget)').max(1_000_000, 'must be at most 1,000,000 (percent of the budget)'))
  .refine((a) => new Set(a).size === a.length, 'must not repeat a threshold');

/** @internal the props of `aws.ModelBudget`, plain (no topic) */
export const modelBudgetSchema = z
  .strictObject({
    modelName: z.string().min(1).max(63),
    platformName: z.string().min(1).max(63),
    monthlyUsd: z.number().positive('must be more than 0 (US dollars a month)').max(1e9, 'must be at most 1,000,000,000 (US dollars a month)'),
    alarmOwnership: ownershipSchema,
    alarmTopic: z.any().optional(), // a construct reference: the type system checks it
    budgetName: budgetName.optional(),
    costAllocationTagKey: z.string().min(1).max(128).regex(/^[^$]+$/, 'must be a tag key without "$" (the filter is user:<key>$<value>)').optional(),
    actualPercents: percents.optional(),
    forecastedPercents: percents.optional(),
  })
  .superRefine(unlessToken((p, ctx) => {
    const n = (p.actualPercents ?? [80, 100]).length + (p.forecastedPercents ?? [100]).length;
    if (n === 0) {
      ctx.addIssue({ code: 'custom', path: ['actualPercents'], message: 'must leave at least one notification (with forecastedPercents): a budget nobody hears of is no budget' });
    }
    if (n > MAX_BUDGET_NOTIFICATIONS) {
      ctx.addIssue({ code: 'custom', path: ['actualPercents'], message: `must be at most ${MAX_BUDGET_NOTIFICATIONS} thresholds with forecastedPercents (AWS Budgets: ten notifications a budget); got ${n}` });
    }
  }));
