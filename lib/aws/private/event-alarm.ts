import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ownedAlarm } from './alarms';
import { ThresholdComparison } from '../../core/rollback';
import { EventPatternJson } from '../../core/rollback-events';

/** An owned alarm on the events one rule matches. */
export interface EventAlarmSpec {
  /** Construct ids: `<id>Rule` and `<id>Alarm`. */
  readonly id: string;
  /** The rule's description. */
  readonly description: string;
  /** The events (core/rollback-events.ts). */
  readonly pattern: EventPatternJson;
  readonly summary: string;
  readonly owner: string;
  readonly runbookUrl: string;
}

/**
 * A rule matching `pattern` and an owned alarm on the rule's `TriggeredRules` (AWS/Events, dimension
 * `RuleName`: "Monitoring Amazon EventBridge", EventBridge User Guide,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html), firing when the rule
 * matched any event in a minute.
 *
 * An alarm rather than the topic as the rule's target: every alarm of the library is owned (owner and
 * runbook in its description and tags, listed by `MlPlatform.alarms()` and the runbook) and notifies
 * the topic through CloudWatch, whose publishing the topic's key already allows; EventBridge
 * publishing to an encrypted topic would need its own key grant, and the notification would carry
 * neither owner nor runbook. EventBridge metrics are best effort (same page): the stack or endpoint
 * status stays the record; the alarm is the prompt to look at it.
 */
export function eventAlarm(scope: Construct, spec: EventAlarmSpec, topic?: sns.ITopic): { rule: events.Rule; alarm: cloudwatch.Alarm } {
  const p = spec.pattern as Record<string, any>;
  const rule = new events.Rule(scope, `${spec.id}Rule`, {
    description: spec.description,
    eventPattern: { source: p.source, detailType: p['detail-type'], detail: p.detail, resources: p.resources },
  });
  const alarm = ownedAlarm(scope, {
    id: `${spec.id}Alarm`,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: rule.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(1),
    }),
    threshold: 0,
    comparison: ThresholdComparison.GREATER_THAN,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    summary: spec.summary,
    owner: spec.owner,
    runbookUrl: spec.runbookUrl,
  }, topic);
  return { rule, alarm };
}
