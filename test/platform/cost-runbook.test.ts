import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { ModelBudget } from '../../lib/aws/model-budget';
import { CostTarget, estimateModelCostAws, estimatePlatformCost } from '../../lib/core/cost';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { warningsOf } from '../../lib/core/warnings';
import { BUDGET_WARNING_ID, BudgetRunbookInfo, budgetRunbookInfo, costRunbook, raiseBudgetProblem } from '../../lib/platform/private/cost';
import { ENV, expectValidationError } from '../support/aws';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
const OWNERSHIP = { owner: 'churn-ml-oncall', runbookUrl: 'https://runbooks.example.com/ml/churn' };
const BUDGET: BudgetRunbookInfo = {
  monthlyUsd: 3000,
  owner: 'churn-ml-oncall',
  runbookUrl: 'https://runbooks.example.com/ml/churn',
  budgetName: 'acme-churn monthly cost (owner churn-ml-oncall)',
  costFilter: 'user:model$churn',
  notifications: ['actual > 80 %', 'actual > 100 %', 'forecast > 100 %'],
};

describe('costRunbook', () => {
  const lines = costRunbook(estimateModelCostAws(SPEC.models[0], { region: 'us-east-1' }));

  it('says it is an estimate, one table row per line, and the totals', () => {
    expect(lines[0]).toBe('### Cost: an estimate, not a bill (us-east-1)');
    expect(lines.slice(2, 11)).toEqual([
      '| what | unit price | quantity a month | US dollars a month | source |',
      '| --- | --- | --- | --- | --- |',
      '| serving: variant primary, 2–6 × ml.g5.xlarge, 730 h a month | $1.408 / instance-hour | 1,460–4,380 instance-hours | $2,055.68–$6,167.04 | [1] |',
      '| serving: experiment churn-v8-retention, variant challenger, 2 × ml.g5.xlarge, 730 h a month | $1.408 / instance-hour | 1,460 instance-hours | $2,055.68 | [1] |',
      '| training: step validate (processing job), 1 × ml.m5.xlarge, 0–24 h a run, 4.35 runs a month (weekly) | no price | 0–104.4 instance-hours | — | no price |',
      '| training: step train (training job), 1 × ml.g5.xlarge, 0–2 h a run, 4.35 runs a month (weekly) | no price | 0–8.7 instance-hours | — | no price |',
      '| training: step evaluate (processing job), 1 × ml.m5.xlarge, 0–24 h a run, 4.35 runs a month (weekly) | no price | 0–104.4 instance-hours | — | no price |',
      '| batch scoring: 1 × ml.g5.xlarge, 1 h a day (assumed), 30.42 days a month | no price | 30.42 instance-hours | — | no price |',
      '| **total** |  |  | **$4,111.36–$8,222.72** (without 4 line(s) that have no price) |  |',
    ]);
  });

  it('names the price table\'s date and each source with its address', () => {
    const text = lines.join('\n');
    expect(text).toContain('read on 2026-11-27');
    expect(text).toMatch(/^1\. AWS FMBench price configuration.*\(figures: not dated \(the file at that commit\)\): https:\/\/github\.com\/aws-samples\/foundation-model-benchmarking-tool\/blob\/[0-9a-f]{40}\//m);
  });

  it('lists the assumptions, the first that it is not a bill', () => {
    const at = lines.indexOf('Assumptions:');
    expect(lines[at + 2]).toMatch(/^- An estimate, not a bill: on-demand list prices in USD of us-east-1/);
  });

  it('adds the budget with its verdict, its AWS budget and what to do', () => {
    const withBudget = costRunbook(estimateModelCostAws(SPEC.models[0], { region: 'us-east-1' }), BUDGET);
    const at = withBudget.indexOf('### Budget: $3,000.00 a month');
    expect(at).toBeGreaterThan(0);
    expect(withBudget[at + 2]).toBe('The estimate\'s minimum, $4,111.36, is above it (a warning at synthesis); its maximum is $8,222.72. '
      + 'AWS Budgets watches the spend: budget `acme-churn monthly cost (owner churn-ml-oncall)` on the cost allocation tag `user:model$churn`, '
      + 'notifying the alarm topic at actual > 80 %, actual > 100 %, forecast > 100 %. Owner: churn-ml-oncall. Runbook: https://runbooks.example.com/ml/churn.');
    expect(costRunbook(estimateModelCostAws(SPEC.models[0], { region: 'us-east-1' }), { ...BUDGET, monthlyUsd: 5000 }).join('\n'))
      .toContain('The estimate\'s minimum, $4,111.36, fits it');
  });

  it('names the model per row, and shows the node pools\' limits as not added, for a platform on Kubernetes', () => {
    const k = costRunbook(estimatePlatformCost(SPEC, CostTarget.KUBERNETES, { region: 'us-east-1' }));
    expect(k[2]).toBe('| model | what | unit price | quantity a month | US dollars a month | source |');
    expect(k).toContain('| (platform) | node pool a10g-serving: 0–12 A10G GPUs (its maxGpus limit), 730 h a month, priced as g5.xlarge ($1.006 an hour, 1 GPU) '
      + '(not added) | $1.006 / GPU-hour | 0–8,760 GPU-hours | $0.00–$8,812.56 | [1] |');
    expect(k).toContain('|  | **total** |  |  | **$2,691.15–$8,010.25** |  |');
    expect(k.find((l) => l.startsWith('1. '))).toMatch(/^1\. Karpenter's on-demand EC2 price table for us-east-1.*\(figures: 2026-07-20\): https:\/\/github\.com\/aws\/karpenter-provider-aws\/blob\/[0-9a-f]{40}\/pkg\/providers\/pricing\/zz_generated\.pricing_aws\.go$/);
  });

  it('says when nothing has a price', () => {
    // eu-central-1: the price table has no EC2 price there (eu-west-1 has since 2026-11-27)
    const k = costRunbook(estimatePlatformCost(SPEC, CostTarget.KUBERNETES, { region: 'eu-central-1' }));
    expect(k).toContain('(none: no line of this estimate has a price for this Region)');
  });
});

describe('raiseBudgetProblem', () => {
  const estimate = estimateModelCostAws(SPEC.models[0], { region: 'us-east-1' });

  it('does nothing when the minimum fits', () => {
    const scope = new Construct(new App(), 'Churn');
    raiseBudgetProblem(scope, 'models[0].budget.monthlyUsd', estimate, { monthlyUsd: 5000 });
    expect(warningsOf(scope)).toEqual([]);
  });

  it('warns, acknowledgeably, when the minimum is above the budget', () => {
    const scope = new Construct(new App(), 'Churn');
    raiseBudgetProblem(scope, 'models[0].budget.monthlyUsd', estimate, { monthlyUsd: 3000 });
    const [w] = warningsOf(scope);
    expect(w.id).toBe(BUDGET_WARNING_ID);
    expect(w.message).toMatch(/^churn: the estimated monthly cost is at least \$4,111\.36/);
  });

  it('fails synthesis with the one validation error when the budget asks for it', () => {
    const scope = new Construct(new App(), 'Churn');
    const e = expectValidationError(() => raiseBudgetProblem(scope, 'models[0].budget.monthlyUsd', estimate, { monthlyUsd: 3000, failOnEstimateOver: true }));
    expect(e.problems.map((p) => [p.constructPath, p.property, p.received])).toEqual([['Churn', 'models[0].budget.monthlyUsd', '3000']]);
    expect(e.message).toContain('above its budget of $3,000.00');
  });
});

describe('budgetRunbookInfo', () => {
  it('states what aws.ModelBudget renders', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const topic = new sns.Topic(stack, 'T');
    const b = new ModelBudget(stack, 'B', { modelName: 'churn', platformName: 'acme', monthlyUsd: 3000, alarmOwnership: OWNERSHIP, alarmTopic: topic });
    expect(budgetRunbookInfo({ monthlyUsd: 3000 }, OWNERSHIP, b)).toEqual({ ...BUDGET, failOnEstimateOver: undefined });
    expect(budgetRunbookInfo({ monthlyUsd: 3000, failOnEstimateOver: true }, OWNERSHIP)).toEqual({
      monthlyUsd: 3000, failOnEstimateOver: true, owner: OWNERSHIP.owner, runbookUrl: OWNERSHIP.runbookUrl,
    });
  });
});
