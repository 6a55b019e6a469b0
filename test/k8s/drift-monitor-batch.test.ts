import { Cron, Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DriftMonitor, DriftMonitorProps } from '../../lib/k8s/drift-monitor';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

/** A drift monitor on a batch scoring's output (`batchSource`), not on an endpoint's capture. */
const BASE: DriftMonitorProps = {
  endpointName: 'fraud-daily',
  image: `registry.example.com/drift@sha256:${'a'.repeat(64)}`,
  batchSource: { outputUri: 's3://scores/fraud/daily/' },
  baselineUri: 's3://baselines/fraud/baseline.json',
  features: ['amount', 'country'],
  alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/drift' },
  pushgatewayUrl: 'http://pushgateway.monitoring:9091',
};

function render(props: Partial<DriftMonitorProps> = {}) {
  const chart = Testing.chart();
  new DriftMonitor(chart, 'Drift', { ...BASE, ...props });
  return synthValid(chart);
}

describe('DriftMonitor (Kubernetes) on a batch scoring\'s output', () => {
  describe('default', () => {
    const objects = render();

    it('configures the job with the batch output instead of capture: CSV, read 12 hours after each day ends, a day per run', () => {
      expect(JSON.parse(one(objects, 'ConfigMap').data['config.json'])).toEqual({
        endpointName: 'fraud-daily',
        batchOutputUri: 's3://scores/fraud/daily/',
        batchContentType: 'text/csv',
        batchDelayMinutes: 720,
        baselineBucket: 'baselines',
        baselineKey: 'fraud/baseline.json',
        featureNames: ['amount', 'country'],
        windowMinutes: 1440,
      });
    });

    it('runs daily at 12:00, when the previous day has settled', () => {
      const cron = one(objects, 'CronJob');
      expect(cron.spec.schedule).toBe('0 12 * * *');
      expect(cron.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual([
        '--config', '/etc/drift/config.json', '--window-minutes', '1440', '--pushgateway', 'http://pushgateway.monitoring:9091',
      ]);
    });

    it('alerts under the same names with the batch scoring as endpoint; sustained drift counts daily runs', () => {
      const rules = one(objects, 'PrometheusRule').spec.groups[0].rules;
      expect(rules.map((r: any) => r.alert)).toEqual(['DriftInvestigate', 'DriftAct', 'DriftSustained', 'DriftJobStale']);
      expect(rules[1].expr).toBe('max by (feature) (cdk_mlops_drift_psi{endpoint="fraud-daily"}) > 0.2');
      expect(rules[2].expr).toBe('max by (feature) (count_over_time((cdk_mlops_drift_psi{endpoint="fraud-daily"} > 0.2)[5760m:1440m])) >= 3');
      // Stale after two missed daily runs.
      expect(rules[3].expr).toContain('> 172800)');
      expect(rules.every((r: any) => r.labels.endpoint === 'fraud-daily')).toBe(true);
    });
  });

  it('can configure JSON Lines, a delay and the prediction key', () => {
    const objects = render({
      batchSource: { outputUri: 's3://scores/fraud/', contentType: 'application/jsonlines', delay: Duration.hours(6), predictionKey: 'score' },
      schedule: Cron.schedule({ minute: '30', hour: '7' }),
    });
    expect(JSON.parse(one(objects, 'ConfigMap').data['config.json'])).toMatchObject({
      batchOutputUri: 's3://scores/fraud/', batchContentType: 'application/jsonlines', batchDelayMinutes: 360, batchPredictionKey: 'score',
    });
    expect(one(objects, 'CronJob').spec.schedule).toBe('30 7 * * *');
  });

  it.each<[string, Partial<DriftMonitorProps>, string, string]>([
    ['capture and a batch source', { captureUri: 's3://capture/fraud/' }, 'batchSource', 'must not be set together with captureUri'],
    ['neither capture nor a batch source', { batchSource: undefined }, 'captureUri', 'or watch a batch scoring\'s output with batchSource'],
    ['an hourly schedule', { schedule: Cron.hourly() }, 'schedule', 'must be a whole number of days with batchSource'],
    ['an output that is not a prefix', { batchSource: { outputUri: 'scores/fraud/' } }, 'batchSource.outputUri', 'must be s3://bucket/prefix/'],
    ['a delay of part of a minute', { batchSource: { outputUri: 's3://scores/f/', delay: Duration.seconds(30) } }, 'batchSource.delay', 'whole number of minutes'],
  ])('throws for %s', (_name, props, property, allowed) => {
    const e = expectValidationError(() => render(props));
    const p = e.problems.find((x) => x.property === property);
    expect(p, e.message).toBeDefined();
    expect(p!.allowed).toContain(allowed);
  });
});
