import { Stack, Tags, Token } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { validateProps } from './private/validate';
import { AlarmOwnership } from '../core/rollback';
import { modelBudgetSchema } from '../core/schemas/aws-budget';

/** The cost allocation tag a model's budget filters on by default (issue 19: every resource carries it). */
export const DEFAULT_BUDGET_TAG_KEY = 'model';
/** Percentages of the budget whose actual spend notifies, by default. */
export const DEFAULT_ACTUAL_PERCENTS = [80, 100];
/** Percentages of the budget whose forecasted spend notifies, by default. */
export const DEFAULT_FORECASTED_PERCENTS = [100];

/** Properties of a `ModelBudget`. */
export interface ModelBudgetProps {
  /** The model's name: the value of its cost allocation tag. */
  readonly modelName: string;
  /** The platform's name (in the budget's name and tags). */
  readonly platformName: string;
  /** The budget, US dollars a month. */
  readonly monthlyUsd: number;
  /** Who owns the budget's notifications and where the runbook is (in the budget's name and tags). */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * Topic the notifications go to (the platform's alarm topic). AWS Budgets must be allowed to publish
   * to it, and to use its KMS key when it is encrypted: call `ModelBudget.grantBudgetsPublish(topic)`
   * before creating the budget, which then waits for the topic's policy.
   */
  readonly alarmTopic: sns.ITopic;
  /**
   * The budget's name (unique in the account: budgets are global).
   * @default - `<platform>-<model> monthly cost (owner <owner>)`, without the owner when that is over 100 characters
   */
  readonly budgetName?: string;
  /**
   * Key of the cost allocation tag whose value is the model's name. It must be activated as a cost
   * allocation tag in the Billing console (of the management account) before the budget sees any cost.
   * @default 'model'
   */
  readonly costAllocationTagKey?: string;
  /**
   * Percentages of the budget whose actual spend notifies the topic.
   * @default [80, 100]
   */
  readonly actualPercents?: number[];
  /**
   * Percentages of the budget whose forecasted spend (for the month) notifies the topic.
   * @default [100]
   */
  readonly forecastedPercents?: number[];
}

/** One notification of a budget, as plain values (for the runbook). */
export interface BudgetNotificationInfo {
  /** `ACTUAL` or `FORECASTED`. */
  readonly notificationType: string;
  /** Percent of the budget. */
  readonly percent: number;
}

/**
 * A model's monthly cost budget (`AWS::Budgets::Budget`, type COST): the spend of everything tagged
 * with the model's cost allocation tag (`user:model$<model>`), with notifications to the platform's
 * alarm topic when the actual spend passes 80 % and 100 % of it and when the month's forecast passes
 * 100 %. Owned like an alarm: the owner is in the budget's name (what a notification shows) and, with
 * the runbook, in its tags.
 *
 * What it needs outside itself: the tag activated as a cost allocation tag (Billing console →
 * Cost allocation tags; costs are seen from its activation on, up to 24 h later), and a topic AWS
 * Budgets may publish to (`ModelBudget.grantBudgetsPublish`). Budgets see cost, not estimates: the
 * first notification can come a day after the spend.
 *
 * The filter is the model tag alone (`CostFilters.TagKeyValue`, AWS Budgets' documented form for a
 * user-defined tag): two platforms with a model of the same name in one account share its spend.
 */
export class ModelBudget extends Construct {
  /**
   * Let AWS Budgets publish to a topic: the topic policy statement of "Creating an Amazon SNS topic
   * for budget notifications" (budgets.amazonaws.com, `SNS:Publish`, on behalf of this account's
   * budgets only: aws:SourceAccount, aws:SourceArn `arn:<partition>:budgets::<account>:*`,
   * https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html) and, for a
   * topic encrypted with a customer managed key, `kms:GenerateDataKey*` and `kms:Decrypt` for the same
   * principal in the key policy (what an AWS service needs to publish to an encrypted topic, "Key
   * management", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). The key statement
   * carries no source condition: whether AWS Budgets sends aws:SourceAccount to KMS is not documented,
   * and a condition it does not meet would drop every notification silently; the topic policy keeps
   * the publishing to this account's budgets.
   *
   * Returns whether the topic policy took the statement (false for an imported topic, whose policy
   * this app does not manage: grant it where the topic is defined).
   *
   * @param topic the topic
   * @param key the topic's key (by default the topic's `masterKey`, when it has one)
   */
  public static grantBudgetsPublish(topic: sns.ITopic, key?: kms.IKey): boolean {
    const stack = Stack.of(topic);
    const principal = new iam.ServicePrincipal('budgets.amazonaws.com');
    const added = topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AWSBudgetsPublish',
      principals: [principal],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:budgets::${stack.account}:*` },
      },
    })).statementAdded;
    const topicKey = key ?? topic.masterKey;
    topicKey?.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AWSBudgetsPublishToEncryptedTopic',
      principals: [principal],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));
    return added;
  }

  /** The budget's name. */
  public readonly budgetName: string;
  /** The filter's value: `user:<tag key>$<model>`. */
  public readonly costFilter: string;
  /** The notifications, in order. */
  public readonly notifications: BudgetNotificationInfo[];
  /** The budget, US dollars a month. */
  public readonly monthlyUsd: number;

  constructor(scope: Construct, id: string, props: ModelBudgetProps) {
    super(scope, id);
    validateProps(this, modelBudgetSchema, props);
    const o = props.alarmOwnership;
    this.monthlyUsd = props.monthlyUsd;
    this.budgetName = props.budgetName ?? defaultBudgetName(props.platformName, props.modelName, o.owner);
    this.costFilter = `user:${props.costAllocationTagKey ?? DEFAULT_BUDGET_TAG_KEY}$${props.modelName}`;
    this.notifications = [
      ...(props.actualPercents ?? DEFAULT_ACTUAL_PERCENTS).map((percent) => ({ notificationType: 'ACTUAL', percent })),
      ...(props.forecastedPercents ?? DEFAULT_FORECASTED_PERCENTS).map((percent) => ({ notificationType: 'FORECASTED', percent })),
    ];
    const budget = new budgets.CfnBudget(this, 'Resource', {
      budget: {
        budgetName: this.budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyUsd, unit: 'USD' },
        // A user-defined tag is `user:<key>$<value>` in CostFilters.TagKeyValue
        // (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-create-filters.html, as
        // hashicorp/terraform-provider-aws#40987 quotes it); values of one key are ORed, so the model tag alone.
        costFilters: { TagKeyValue: [this.costFilter] },
        // Spend before credits and refunds: a credit would hide what the model costs, which is what the
        // estimate it is compared with prices.
        costTypes: { includeCredit: false, includeRefund: false },
      },
      notificationsWithSubscribers: this.notifications.map((n) => ({
        notification: {
          notificationType: n.notificationType,
          comparisonOperator: 'GREATER_THAN',
          threshold: n.percent,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: props.alarmTopic.topicArn }],
      })),
    });
    // AWS Budgets checks at creation that it may publish to the topic: after the topic's policy when this
    // app manages it (the topic itself is already a dependency through its ARN; cfn-lint W3005).
    const policy = props.alarmTopic.node.tryFindChild('Policy');
    if (policy !== undefined) {
      budget.node.addDependency(policy);
    }
    Tags.of(budget).add('mlops:owner', o.owner);
    if (TAG_VALUE.test(o.runbookUrl)) {
      Tags.of(budget).add('mlops:runbook', o.runbookUrl);
    }
  }
}

// Tag values allow letters, digits, spaces and _.:/=+-@ only (as private/alarms.ts).
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

function defaultBudgetName(platform: string, model: string, owner: string): string {
  const base = `${platform}-${model} monthly cost`;
  if (Token.isUnresolved(platform) || Token.isUnresolved(model)) {
    return base;
  }
  const owned = `${base} (owner ${owner})`;
  return owned.length <= 100 && !/[:\\]/.test(owned) ? owned : base;
}
