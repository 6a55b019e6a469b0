import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { describe, expect, it } from 'vitest';
import { DRIFT_METRIC_NAMESPACE, DriftMonitor, DriftMonitorProps } from '../../lib/aws/drift-monitor';
import { ENV, expectValidationError, newStack } from '../support/aws';
import { awsSolutionsFindings } from '../support/nag';

/** A drift monitor on a batch scoring's output (`batchSource`), not on an endpoint's capture. */
function monitor(props: Partial<DriftMonitorProps> = {}, build?: (stack: Stack) => Partial<DriftMonitorProps>): { m: DriftMonitor; t: Template } {
  const stack = newStack();
  const m = new DriftMonitor(stack, 'Drift', {
    endpointName: 'fraud-daily',
    batchSource: { outputUri: 's3://scores-bucket/fraud/daily/' },
    baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
    baselineKey: 'fraud/baseline.json',
    features: ['amount', 'country'],
    alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/drift' },
    ...props,
    ...(build ? build(stack) : {}),
  });
  return { m, t: Template.fromStack(stack) };
}

function statements(t: Template): any[] {
  return Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${resource}`]] });

describe('DriftMonitor (AWS) on a batch scoring\'s output', () => {
  describe('default', () => {
    const { m, t } = monitor();

    it('runs the drift job daily over a day of partitions, read 12 hours after each day ends, as CSV', () => {
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            ENDPOINT_NAME: 'fraud-daily',
            BATCH_OUTPUT_URI: 's3://scores-bucket/fraud/daily/',
            BATCH_CONTENT_TYPE: 'text/csv',
            BATCH_DELAY_MINUTES: '720',
            BASELINE_BUCKET: 'baselines',
            BASELINE_KEY: 'fraud/baseline.json',
            FEATURE_NAMES: 'amount,country',
            WINDOW_MINUTES: '1440',
            METRIC_NAMESPACE: DRIFT_METRIC_NAMESPACE,
          },
        },
      });
      t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    });

    it('reads exactly the prefix\'s manifests and the files of its runs: no other object, no listing but the manifests\' keys', () => {
      const all = statements(t);
      const s3Statements = all.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
      expect(s3Statements).toEqual([
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: [arn('scores-bucket/fraud/daily/date=????-??-??/_MANIFEST.json'), arn('scores-bucket/fraud/daily/date=????-??-??/run=*')],
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: arn('scores-bucket'),
          Condition: { StringLike: { 's3:prefix': ['fraud/daily/date=????-??-??/_MANIFEST.json'] } },
        },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: arn('baselines/fraud/baseline.json') },
      ]);
      // No key of its output: none was given (SSE-S3).
      expect(all.filter((s) => [s.Action].flat().includes('kms:Decrypt'))).toEqual([]);
    });

    it('publishes and alarms under the same names, the batch scoring\'s name as EndpointName, one period per day', () => {
      expect(m.endpointName).toBe('fraud-daily');
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: DRIFT_METRIC_NAMESPACE,
        MetricName: 'PSI',
        Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: 'fraud-daily' }, { Name: 'Feature', Value: 'amount' }]),
        Threshold: 0.2,
        Period: 86400,
      });
      // Sustained drift: 3 of 4 daily runs (4 days, within CloudWatch's 7-day evaluation range).
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'PSI',
        Dimensions: Match.arrayWith([{ Name: 'Feature', Value: '__prediction__' }]),
        EvaluationPeriods: 4,
        DatapointsToAlarm: 3,
        Period: 86400,
      });
    });
  });

  describe('can configure', () => {
    it('JSON Lines, a delay, the prediction key and the output\'s KMS key', () => {
      const { t } = monitor({}, (stack) => ({
        batchSource: {
          outputUri: 's3://scores-bucket/fraud/',
          contentType: 'application/jsonlines',
          delay: Duration.hours(6),
          predictionKey: 'score',
          encryptionKey: new kms.Key(stack, 'ScoresKey'),
        },
        schedule: events.Schedule.rate(Duration.days(2)),
      }));
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            BATCH_CONTENT_TYPE: 'application/jsonlines', BATCH_DELAY_MINUTES: '360', BATCH_PREDICTION_KEY: 'score', WINDOW_MINUTES: '2880',
          }),
        },
      });
      const decrypt = statements(t).filter((s) => [s.Action].flat().includes('kms:Decrypt'));
      expect(decrypt.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^ScoresKey/), 'Arn'] }]);
    });

    it('an output bucket made in the app (a token in the URI)', () => {
      const { t } = monitor({}, (stack) => ({ batchSource: { outputUri: `s3://${new s3.Bucket(stack, 'Scores').bucketName}/fraud/` } }));
      const list = statements(t).find((s) => s.Action === 's3:ListBucket');
      expect(list.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: expect.stringMatching(/^Scores/) }]] });
      expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['fraud/date=????-??-??/_MANIFEST.json'] } });
    });
  });

  describe('cdk-nag: the wildcards of the partitions\' keys are acknowledged with their reason', () => {
    const build = (stack: Stack) => new DriftMonitor(stack, 'Drift', {
      endpointName: 'fraud-daily',
      batchSource: { outputUri: 's3://scores-bucket/fraud/daily/', encryptionKey: new kms.Key(stack, 'ScoresKey', { enableKeyRotation: true }) },
      baselineBucket: s3.Bucket.fromBucketName(stack, 'Baselines', 'baselines'),
      baselineKey: 'fraud/baseline.json',
      features: ['amount'],
      alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/drift' },
    });

    it('AwsSolutions (cdk-nag 3.x): no finding', () => {
      expect(awsSolutionsFindings(build).v3).toEqual([]);
    });

    it('AwsSolutions (cdk-nag 2.x): no error and no warning', () => {
      const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-drift-batch-nag2-')) });
      build(new Stack(app, 'Solo', { env: ENV }));
      Aspects.of(app).add(new AwsSolutionsChecksV2());
      app.synth();
      const found = app.node.findAll().flatMap((c) => c.node.metadata
        .filter((m) => m.type === 'aws:cdk:error' || m.type === 'aws:cdk:warning').map((m) => `${String(m.data).split(': ')[0]} @ ${c.node.path}`));
      expect(found).toEqual([]);
    });
  });

  describe('rejected', () => {
    it.each<[string, (stack: Stack) => Partial<DriftMonitorProps>, string, string]>([
      ['capture and a batch source', (stack) => ({ capture: { bucket: new s3.Bucket(stack, 'C'), prefix: 'c', s3Uri: 's3://c/c' } }), 'batchSource', 'must not be set together with capture'],
      ['neither capture nor a batch source', () => ({ batchSource: undefined }), 'capture', 'a batch scoring\'s output is watched with batchSource instead'],
      ['an hourly schedule', () => ({ schedule: events.Schedule.rate(Duration.hours(1)) }), 'schedule', 'must be a whole number of days with batchSource'],
      ['an output that is not a prefix', () => ({ batchSource: { outputUri: 's3://scores-bucket/fraud' } }), 'batchSource.outputUri', 'must be s3://bucket/prefix/ (ending in "/")'],
      ['a content type batch scoring does not write', () => ({ batchSource: { outputUri: 's3://scores-bucket/f/', contentType: 'application/json' } }), 'batchSource.contentType', 'text/csv'],
      ['a delay of part of a minute', () => ({ batchSource: { outputUri: 's3://scores-bucket/f/', delay: Duration.seconds(90) } }), 'batchSource.delay', 'must be a whole number of minutes'],
      ['a delay over 7 days', () => ({ batchSource: { outputUri: 's3://scores-bucket/f/', delay: Duration.days(8) } }), 'batchSource.delay', 'must be from 0 to 7 days'],
      ['a window shorter than the daily schedule', () => ({ window: Duration.hours(1) }), 'window', 'must be at least the schedule (1440 minutes)'],
    ])('%s', (_name, build, property, allowed) => {
      const e = expectValidationError(() => monitor({}, build));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('TestStack/Drift');
      expect(p!.allowed).toContain(allowed);
    });
  });
});
