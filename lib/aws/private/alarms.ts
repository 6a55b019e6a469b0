import { Duration, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { ThresholdComparison } from '../../core/rollback';

/** One row of an alarm table: everything an owned alarm needs. */
export interface OwnedAlarmSpec {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: ThresholdComparison;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly owner: string;
  readonly runbookUrl: string;
  readonly summary: string;
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/** Who owns an alarm and what it says: recorded as data when the alarm is made (`ownershipOf`). */
export interface AlarmRecord {
  /** The first line of the alarm's description. */
  readonly summary: string;
  readonly owner: string;
  readonly runbookUrl: string;
}

const RECORDS = new WeakMap<IConstruct, AlarmRecord>();

/** Record the ownership of an alarm the library made (ownedAlarm does it for its alarms). */
export function recordOwnership(alarm: IConstruct, record: AlarmRecord): void {
  RECORDS.set(alarm, record);
}

/** The ownership recorded for an alarm the library made, or undefined for any other alarm. */
export function ownershipOf(alarm: IConstruct): AlarmRecord | undefined {
  return RECORDS.get(alarm);
}

/** The description of an owned alarm: what an on-call engineer reads in the notification. */
export function ownedDescription(record: AlarmRecord): string {
  return `${record.summary}\nOwner: ${record.owner}\nRunbook: ${record.runbookUrl}`;
}

// Tag values allow letters, digits, spaces and _.:/=+-@ only.
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/**
 * The one alarm factory: every alarm the library creates goes through it, so every alarm carries
 * its owner and runbook (in the description, which is what an on-call engineer sees in the
 * notification, and as tags) and notifies the topic when there is one.
 */
export function ownedAlarm(scope: Construct, spec: OwnedAlarmSpec, topic?: sns.ITopic): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, spec.id, {
    metric: spec.metric,
    threshold: spec.threshold,
    comparisonOperator:
      spec.comparison === ThresholdComparison.LESS_THAN
        ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
        : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm,
    treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: ownedDescription(spec),
  });
  recordOwnership(alarm, { summary: spec.summary, owner: spec.owner, runbookUrl: spec.runbookUrl });
  Tags.of(alarm).add('mlops:owner', spec.owner);
  if (TAG_VALUE.test(spec.runbookUrl)) {
    Tags.of(alarm).add('mlops:runbook', spec.runbookUrl);
  }
  if (topic) {
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
  }
  return alarm;
}

/** A period in seconds as a Duration. */
export function seconds(n: number): Duration {
  return Duration.seconds(n);
}
