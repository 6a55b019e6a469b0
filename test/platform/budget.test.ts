/**
 * Budgets through the platforms (issue 19 item 3): the spec's budget becomes an AWS budget on the model's
 * cost allocation tag, notifying the platform's alarm topic; an estimate above it warns at synthesis, or
 * fails it with failOnEstimateOver, on both targets.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { MlopsValidationError } from '../../lib/core/errors';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { Warnings } from '../../lib/k8s/warnings';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { BUDGET_WARNING_ID } from '../../lib/platform/private/cost';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
/** us-east-1: the price table prices the example's serving there (eu-west-1 has no ml.g5.xlarge hosting price). */
const US_EAST_1 = { account: '123456789012', region: 'us-east-1' };

function withBudget(budget: Record<string, unknown>): PlatformSpec {
  const spec = structuredClone(SPEC) as any;
  spec.models[0].budget = budget;
  return spec;
}

function warningsOf(scope: { node: { findAll(): Array<{ node: { metadata: Array<{ type: string; data: unknown }> } }> } }): string[] {
  return scope.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
}

describe('budgets on AWS (MlPlatform)', () => {
  it('renders the model\'s monthly COST budget on its cost allocation tag, notifying the alarm topic, which Budgets may publish to', () => {
    const platform = new MlPlatform(new Stack(new App(), 'S', { env: US_EAST_1 }), 'P', { spec: withBudget({ monthlyUsd: 9000 }) });
    const budget = Object.values<any>(Template.fromStack(platform.models[0]).findResources('AWS::Budgets::Budget'))[0].Properties;
    expect(budget.Budget).toMatchObject({
      BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 9000, Unit: 'USD' }, CostFilters: { TagKeyValue: ['user:model$churn'] },
    });
    const notifications = budget.NotificationsWithSubscribers as any[];
    expect(notifications.map((n) => [n.Notification.NotificationType, n.Notification.Threshold, n.Subscribers[0].SubscriptionType]))
      .toEqual([['ACTUAL', 80, 'SNS'], ['ACTUAL', 100, 'SNS'], ['FORECASTED', 100, 'SNS']]);
    const topicPolicy = Object.values<any>(Template.fromStack(platform.sharedStack).findResources('AWS::SNS::TopicPolicy'))[0];
    expect(JSON.stringify(topicPolicy)).toContain('budgets.amazonaws.com');
    // The estimate's minimum (two ml.g5.xlarge of the primary variant and two of the challenger, all month) fits.
    expect(platform.models[0].costEstimate().totalMonthlyUsdMin).toBeLessThan(9000);
    expect(warningsOf(platform).filter((w) => w.includes(BUDGET_WARNING_ID))).toEqual([]);
  });

  it('warns when the estimate\'s minimum is above the budget, and fails with failOnEstimateOver', () => {
    const platform = new MlPlatform(new Stack(new App(), 'S', { env: US_EAST_1 }), 'P', { spec: withBudget({ monthlyUsd: 1000 }) });
    expect(warningsOf(platform).filter((w) => w.includes(BUDGET_WARNING_ID))).toHaveLength(1);
    let error: unknown;
    try {
      new MlPlatform(new Stack(new App(), 'S', { env: US_EAST_1 }), 'P', { spec: withBudget({ monthlyUsd: 1000, failOnEstimateOver: true }) });
    } catch (e) {
      error = e;
    }
    expect(MlopsValidationError.isMlopsValidationError(error)).toBe(true);
    expect((error as MlopsValidationError).problems[0]).toMatchObject({ property: 'budget.monthlyUsd', received: '1000' });
  });
});

describe('budgets on Kubernetes (MlPlatformChart)', () => {
  it('warns when the estimate (GPU nodes in costRegion) is above the budget, fails with failOnEstimateOver, and prints the cost table', () => {
    const ok = new MlPlatformChart(Testing.app(), 'platform', { spec: withBudget({ monthlyUsd: 20000 }) });
    expect(ok.models[0].costEstimate().totalMonthlyUsdMin).toBeGreaterThan(0);
    expect(warningsOf(ok).filter((w) => w.includes(BUDGET_WARNING_ID))).toEqual([]);
    expect(ok.runbook()).toMatch(/### Cost: an estimate, not a bill \(us-east-1\)[\s\S]*### Budget: \$20,000\.00 a month/);
    // The warning is on the model, in its own chart beside the platform's: read the app's (k8s.Warnings.of(app)).
    const app = Testing.app();
    new MlPlatformChart(app, 'platform', { spec: withBudget({ monthlyUsd: 100 }) });
    expect(Warnings.of(app).filter((w) => w.id === BUDGET_WARNING_ID).map((w) => w.constructPath)).toEqual(['platform-churn/Churn']);
    expect(() => new MlPlatformChart(Testing.app(), 'platform', { spec: withBudget({ monthlyUsd: 100, failOnEstimateOver: true }) }))
      .toThrow(/budget\.monthlyUsd/);
  });
});
