import { Chart, Cron, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GateComparison, StepKind } from '../../lib/core/pipeline';
import { TZ_DATABASE_NAMES, timeZoneProblem } from '../../lib/core/time-zone';
import { MlPipeline } from '../../lib/k8s/ml-pipeline';
import { expectValidationError } from '../support/aws';

// Issue 14: a CronWorkflow's time zone is loaded by Argo's controller with Go's time.LoadLocation;
// a name it cannot load (Europe/Pariss, utc+2) failed only in the cluster, and the old pattern
// refused aliases with three parts or digits it loads (America/Argentina/Buenos_Aires passed, Etc/GMT+2 and EST5EDT did not).
const ACCEPTED = ['UTC', 'Etc/UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'America/Buenos_Aires', 'Asia/Kolkata', 'Asia/Calcutta', 'US/Pacific', 'Etc/GMT+2', 'Etc/GMT-14', 'EST5EDT', 'GMT', 'Europe/Kyiv', 'Europe/Kiev', 'America/Port-au-Prince'];
const REFUSED: Array<[string, RegExp]> = [
  ['Europe/Pariss', /tz database \(IANA\) time zone/],
  ['utc+2', /a UTC offset is not a zone name/],
  ['UTC+2', /a UTC offset is not a zone name/],
  ['+02:00', /a UTC offset is not a zone name/],
  ['europe/paris', /spells it Europe\/Paris \(names are case-sensitive\)/],
  ['utc', /spells it UTC/],
  ['Local', /tz database/],
  ['', /tz database/],
  ['US/Pacific-New', /tz database/],
  ['Europe/Paris ', /tz database/],
  ['../etc/passwd', /tz database/],
];

describe('time zones (Argo CronWorkflow)', () => {
  it.each(ACCEPTED)('accepts %s', (name) => {
    expect(timeZoneProblem(name)).toBeUndefined();
  });

  it.each(REFUSED)('refuses %j', (name, allowed) => {
    expect(timeZoneProblem(name)).toMatch(allowed);
  });

  it('lists the whole tz database as Go embeds it (598 names)', () => {
    expect(TZ_DATABASE_NAMES.size).toBe(598);
  });

  it('every listed name but Factory is one Node\'s ICU knows too: otherwise ICU accepts more than Go', () => {
    const unknownToIcu = [...TZ_DATABASE_NAMES].filter((name) => {
      try {
        new Intl.DateTimeFormat(undefined, { timeZone: name });
        return false;
      } catch {
        return true;
      }
    });
    // Go loads Factory (the tz database's "-00" placeholder zone); ICU does not know it.
    expect(unknownToIcu).toEqual(['Factory']);
    // …while ICU accepts what Go refuses: case-folded names, offsets, dropped aliases.
    for (const name of ['europe/paris', '+02:00', 'US/Pacific-New']) {
      expect(() => new Intl.DateTimeFormat(undefined, { timeZone: name })).not.toThrow();
      expect(timeZoneProblem(name)).toBeDefined();
    }
  });

  describe('MlPipeline timezone', () => {
    const pipeline = (timezone: string) => new MlPipeline(Testing.chart(), 'Fraud', {
      pipeline: {
        steps: [
          { name: 'train', kind: StepKind.TRAINING, image: `registry.example.com/t@sha256:${'c'.repeat(64)}`, inputs: ['data'] },
          { name: 'evaluate', kind: StepKind.PROCESSING, image: `registry.example.com/e@sha256:${'d'.repeat(64)}`, inputs: ['train.model', 'data'], outputs: ['evaluation'] },
        ],
        gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
        inferenceImage: `registry.example.com/t@sha256:${'e'.repeat(64)}`,
      },
      registerImage: `registry.example.com/r@sha256:${'f'.repeat(64)}`,
      trackingUri: 'http://mlflow.mlflow.svc:5000',
      inputData: 's3://acme-data/fraud/2025-06-01',
      artifactRoot: 's3://acme-artifacts/fraud',
      dataVersion: 'tx-2025-06-01',
      codeCommit: 'a'.repeat(40),
      featureSetVersion: 'fraud-v3',
      schedule: Cron.schedule({ minute: '0', hour: '3' }),
      timezone,
    });

    it.each(['Europe/Pariss', 'utc+2', 'europe/paris'])('refuses %j, naming timezone', (timezone) => {
      const e = expectValidationError(() => pipeline(timezone));
      expect(e.problems).toHaveLength(1);
      expect(e.problems[0]).toMatchObject({ constructPath: 'test/Fraud', property: 'timezone', received: JSON.stringify(timezone) });
      expect(e.problems[0].allowed).toMatch(/^must be a tz database \(IANA\) time zone/);
    });

    it.each(['Etc/UTC', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT-2', 'EST5EDT'])('renders %s as the CronWorkflow timezone', (timezone) => {
      const p = pipeline(timezone);
      const cron = Testing.synth(Chart.of(p)).find((o: any) => o.kind === 'CronWorkflow');
      expect(cron.spec.timezone).toBe(timezone);
    });
  });
});
