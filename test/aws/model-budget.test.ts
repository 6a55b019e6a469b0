import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, RemovalPolicy, Stack, TagManager } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { ModelBudget, ModelBudgetProps } from '../../lib/aws/model-budget';
import { ENV, expectValidationError, newStack } from '../support/aws';
import { awsSolutionsFindings } from '../support/nag';

const OWNERSHIP = { owner: 'churn-ml-oncall', runbookUrl: 'https://runbooks.example.com/ml/churn' };

/** The platform's alarm topic as MlPlatform makes it: encrypted with its own key. */
function encryptedTopic(stack: Stack): sns.Topic {
  const key = new kms.Key(stack, 'AlarmsKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  return new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true });
}

function budget(overrides: Partial<ModelBudgetProps> = {}, stack: Stack = newStack()): { stack: Stack; topic: sns.Topic; b: ModelBudget } {
  const topic = encryptedTopic(stack);
  ModelBudget.grantBudgetsPublish(topic);
  const b = new ModelBudget(stack, 'Budget', {
    modelName: 'churn', platformName: 'acme', monthlyUsd: 5000, alarmOwnership: OWNERSHIP, alarmTopic: topic, ...overrides,
  });
  return { stack, topic, b };
}

const topicRef = { Ref: Match.stringLikeRegexp('^Alarms') };
const note = (type: string, threshold: number) => ({
  Notification: { NotificationType: type, ComparisonOperator: 'GREATER_THAN', Threshold: threshold, ThresholdType: 'PERCENTAGE' },
  Subscribers: [{ SubscriptionType: 'SNS', Address: topicRef }],
});

describe('default ModelBudget', () => {
  it('is a monthly COST budget of the model\'s cost allocation tag, in USD, before credits and refunds', () => {
    const { stack } = budget();
    Template.fromStack(stack).hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'acme-churn monthly cost (owner churn-ml-oncall)',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 5000, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:model$churn'] },
        CostTypes: { IncludeCredit: false, IncludeRefund: false },
      },
    });
  });

  it('notifies the topic at 80 % and 100 % of actual spend and at 100 % of the forecast', () => {
    const { stack, b } = budget();
    Template.fromStack(stack).hasResourceProperties('AWS::Budgets::Budget', {
      NotificationsWithSubscribers: [note('ACTUAL', 80), note('ACTUAL', 100), note('FORECASTED', 100)],
    });
    expect(b.notifications).toEqual([
      { notificationType: 'ACTUAL', percent: 80 }, { notificationType: 'ACTUAL', percent: 100 }, { notificationType: 'FORECASTED', percent: 100 },
    ]);
  });

  it('is owned: owner and runbook as tags, the owner in the name a notification shows', () => {
    const { stack } = budget();
    const cfn = stack.node.findAll().find((c) => c instanceof CfnResource && c.cfnResourceType === 'AWS::Budgets::Budget')!;
    // aws-cdk-lib before `ResourceTags` on CfnBudget (the peer floor): no tags to carry; the name still says the owner.
    if (TagManager.of(cfn) === undefined) return;
    Template.fromStack(stack).hasResourceProperties('AWS::Budgets::Budget', {
      ResourceTags: Match.arrayWith([
        { Key: 'mlops:owner', Value: 'churn-ml-oncall' },
        { Key: 'mlops:runbook', Value: 'https://runbooks.example.com/ml/churn' },
      ]),
    });
  });

  it('is created after the topic\'s policy (AWS Budgets checks it may publish)', () => {
    const { stack } = budget();
    const t = Template.fromStack(stack);
    const [b] = Object.values<any>(t.findResources('AWS::Budgets::Budget'));
    const policy = Object.keys(t.findResources('AWS::SNS::TopicPolicy'))[0];
    // on the policy only: the topic is a dependency through its Ref already (cfn-lint W3005)
    expect(b.DependsOn).toEqual([policy]);
  });
});

describe('ModelBudget in a model stack, the topic in the platform\'s shared stack (as MlPlatform splits them)', () => {
  it('waits for the shared stack (its topic policy) and synthesizes without a cycle', () => {
    const app = new App();
    const shared = new Stack(app, 'Shared', { env: ENV });
    const topic = encryptedTopic(shared);
    ModelBudget.grantBudgetsPublish(topic);
    const model = new Stack(app, 'Churn', { env: ENV });
    new ModelBudget(model, 'Budget', { modelName: 'churn', platformName: 'acme', monthlyUsd: 5000, alarmOwnership: OWNERSHIP, alarmTopic: topic });
    const assembly = app.synth();
    expect(model.dependencies.map((d) => d.stackName)).toEqual(['Shared']);
    const [rendered] = Object.values<any>(Template.fromJSON(assembly.getStackByName('Churn').template).findResources('AWS::Budgets::Budget'));
    expect(rendered.Properties.NotificationsWithSubscribers[0].Subscribers[0].Address).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^Shared:ExportsOutputRefAlarms/) });
    expect(rendered.DependsOn).toBeUndefined();
  });
});

describe('ModelBudget.grantBudgetsPublish', () => {
  it('lets budgets.amazonaws.com publish, on behalf of this account\'s budgets only', () => {
    const { stack } = budget();
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Sid: 'AWSBudgetsPublish',
          Effect: 'Allow',
          Principal: { Service: 'budgets.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topicRef,
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::123456789012:*']] } },
          },
        }]),
      },
    });
  });

  it('lets it use the topic\'s key to publish to the encrypted topic', () => {
    const { stack } = budget();
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'AWSBudgetsPublishToEncryptedTopic',
          Effect: 'Allow',
          Principal: { Service: 'budgets.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
        }]),
      },
    });
  });

  it('says so when it cannot grant: an imported topic\'s policy is not this app\'s', () => {
    const stack = newStack();
    const imported = sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-west-1:123456789012:alarms');
    expect(ModelBudget.grantBudgetsPublish(imported)).toBe(false);
    expect(ModelBudget.grantBudgetsPublish(encryptedTopic(stack))).toBe(true);
  });
});

describe('configured ModelBudget', () => {
  it('takes thresholds, a name and a tag key', () => {
    const { stack, b } = budget({ actualPercents: [50], forecastedPercents: [90, 110], budgetName: 'churn budget', costAllocationTagKey: 'cost-model' });
    Template.fromStack(stack).hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetName: 'churn budget', CostFilters: { TagKeyValue: ['user:cost-model$churn'] } },
      NotificationsWithSubscribers: [note('ACTUAL', 50), note('FORECASTED', 90), note('FORECASTED', 110)],
    });
    expect(b.costFilter).toBe('user:cost-model$churn');
  });

  it('leaves the owner out of a default name that would be over 100 characters', () => {
    const { b } = budget({ alarmOwnership: { ...OWNERSHIP, owner: 'o'.repeat(90) } });
    expect(b.budgetName).toBe('acme-churn monthly cost');
  });
});

describe('ModelBudget rejects', () => {
  it.each([
    [{ monthlyUsd: 0 }, 'monthlyUsd'],
    [{ budgetName: 'a:b' }, 'budgetName'],
    [{ budgetName: 'x'.repeat(101) }, 'budgetName'],
    [{ actualPercents: [80, 80] }, 'actualPercents'],
    [{ actualPercents: [], forecastedPercents: [] }, 'actualPercents'],
    [{ actualPercents: [1, 2, 3, 4, 5, 6, 7, 8, 9], forecastedPercents: [100, 110] }, 'actualPercents'],
    [{ costAllocationTagKey: 'a$b' }, 'costAllocationTagKey'],
  ])('%j', (overrides, property) => {
    const e = expectValidationError(() => budget(overrides as Partial<ModelBudgetProps>));
    expect(e.problems.map((p) => p.property)).toContain(property);
    expect(e.message).toContain('TestStack/Budget');
  });
});


describe('cdk-nag AwsSolutions, with no acknowledgment from the user', () => {
  it('no error and no warning (3.x and 2.x)', () => {
    expect(awsSolutionsFindings((s) => { budget({}, s); })).toEqual({ v3: [], v2: [] });
  });
});

describe('the template for cfn-lint', () => {
  it('writes test/fixtures-out/model-budget.template.json when CFN_LINT_OUT is set', () => {
    // validate.sh's cfn-lint step reads cdk.out; this lets the budget's template be linted alone:
    // CFN_LINT_OUT=/tmp/x npx vitest run test/aws/model-budget.test.ts && .tools/venv/bin/cfn-lint /tmp/x/*.json
    const out = process.env.CFN_LINT_OUT;
    const { stack } = budget();
    const t = Template.fromStack(stack).toJSON();
    if (out) {
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, 'model-budget.template.json'), JSON.stringify(t, undefined, 1));
    }
    expect(Object.keys(t.Resources).length).toBeGreaterThan(0);
  });
});
