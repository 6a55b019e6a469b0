import { ApiObject, Cron, Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DriftReference } from '../../lib/core/drift-reference';
import { cronIntervalMinutes } from '../../lib/core/schemas/drift-monitor';
import { DriftMonitor, DriftMonitorProps } from '../../lib/k8s/drift-monitor';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const BASE: DriftMonitorProps = {
  endpointName: 'fraud',
  image: `registry.example.com/drift@sha256:${'a'.repeat(64)}`,
  captureUri: 's3://capture/fraud/',
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

describe('DriftMonitor (Kubernetes)', () => {
  describe('default', () => {
    const objects = render();

    it('configures the job from a ConfigMap: capture, baseline, features, window', () => {
      expect(JSON.parse(one(objects, 'ConfigMap').data['config.json'])).toEqual({
        endpointName: 'fraud',
        captureBucket: 'capture',
        capturePrefix: 'fraud',
        baselineBucket: 'baselines',
        baselineKey: 'fraud/baseline.json',
        featureNames: ['amount', 'country'],
        windowMinutes: 60,
      });
    });

    it('runs hourly, one run at a time, pushing to the Pushgateway, restricted', () => {
      const cron = one(objects, 'CronJob');
      expect(cron.spec.schedule).toBe('0 */1 * * *');
      expect(cron.spec.concurrencyPolicy).toBe('Forbid');
      const pod = cron.spec.jobTemplate.spec.template.spec;
      expect(pod.containers[0].args).toEqual(['--config', '/etc/drift/config.json', '--window-minutes', '60', '--pushgateway', 'http://pushgateway.monitoring:9091']);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    });

    it('alerts at 0.1 and 0.2, on sustained drift (3 of 4 runs) and on a stale job, with owner and runbook', () => {
      const rules = one(objects, 'PrometheusRule').spec.groups[0].rules;
      expect(rules.map((r: any) => [r.alert, r.labels.severity])).toEqual([
        ['DriftInvestigate', 'warning'], ['DriftAct', 'critical'], ['DriftSustained', 'critical'], ['DriftJobStale', 'warning'],
      ]);
      expect(rules[0].expr).toBe('max by (feature) (cdk_mlops_drift_psi{endpoint="fraud"}) > 0.1');
      expect(rules[1].expr).toBe('max by (feature) (cdk_mlops_drift_psi{endpoint="fraud"}) > 0.2');
      expect(rules[2].expr).toBe('max by (feature) (count_over_time((cdk_mlops_drift_psi{endpoint="fraud"} > 0.2)[240m:60m])) >= 3');
      // absent(): a job that never reported (or whose series expired) is stale too (issue 13.9).
      expect(rules[3].expr).toBe('(time() - max(cdk_mlops_drift_last_run_timestamp_seconds{endpoint="fraud"}) > 7200) '
        + 'or absent(cdk_mlops_drift_last_run_timestamp_seconds{endpoint="fraud"})');
      for (const r of rules) {
        expect(r.annotations).toMatchObject({ runbook_url: 'https://runbooks.example.com/drift', owner: 'fraud-oncall' });
      }
    });
  });

  describe('configured', () => {
    it('every 15 minutes over a 30-minute window, other thresholds', () => {
      const objects = render({
        schedule: Cron.schedule({ minute: '*/15' }), window: Duration.minutes(30), investigateThreshold: 0.05, actThreshold: 0.25, sustainedDatapoints: 2, sustainedPeriods: 3,
      });
      expect(one(objects, 'CronJob').spec.schedule).toBe('*/15 * * * *');
      const rules = one(objects, 'PrometheusRule').spec.groups[0].rules;
      expect(rules[0].expr.endsWith('> 0.05')).toBe(true);
      expect(rules[2].expr).toContain('[45m:15m])) >= 2');
    });

    it('labels the sustained-drift alert, and only it, with the WorkflowTemplate that retrains', () => {
      const rules = one(render({ retrainWorkflowTemplate: { name: 'fraud-training', namespace: 'training' } }), 'PrometheusRule').spec.groups[0].rules;
      const sustained = rules.find((r: any) => r.alert === 'DriftSustained');
      expect(sustained.labels).toEqual({ severity: 'critical', owner: 'fraud-oncall', endpoint: 'fraud', retrain_workflow_template: 'fraud-training', retrain_namespace: 'training' });
      expect(rules.filter((r: any) => r.labels.retrain_workflow_template !== undefined)).toEqual([sustained]);
      expect(one(render(), 'PrometheusRule').spec.groups[0].rules[2].labels.retrain_workflow_template).toBeUndefined();
    });
  });

  describe('seasonal reference', () => {
    it('passes the reference to the job through the ConfigMap', () => {
      const config = JSON.parse(one(render({ reference: DriftReference.ROLLING_WINDOW, minReferenceValues: 200 }), 'ConfigMap').data['config.json']);
      expect(config).toMatchObject({ reference: 'ROLLING_WINDOW', referenceMinutes: 7 * 24 * 60, minReferenceValues: 200 });
      const lastYear = JSON.parse(one(render({ reference: DriftReference.SAME_PERIOD_LAST_YEAR, referenceSpan: Duration.hours(3) }), 'ConfigMap').data['config.json']);
      expect(lastYear).toMatchObject({ reference: 'SAME_PERIOD_LAST_YEAR', referenceMinutes: 180 });
      expect(lastYear.minReferenceValues).toBeUndefined();
    });
  });

  describe('schedule', () => {
    it.each<[string, Cron, string, number]>([
      ['hourly', Cron.hourly(), '0 * * * *', 60],
      ['every 15 minutes', Cron.schedule({ minute: '*/15' }), '*/15 * * * *', 15],
      ['every 6 hours at minute 5', Cron.schedule({ minute: '5', hour: '*/6' }), '5 */6 * * *', 360],
      ['daily at 03:00', Cron.schedule({ minute: '0', hour: '3' }), '0 3 * * *', 1440],
    ])('%s: the CronJob runs it, the alerts count runs of its interval', (_w, schedule, expression, minutes) => {
      const objects = render({ schedule });
      expect(one(objects, 'CronJob').spec.schedule).toBe(expression);
      expect(cronIntervalMinutes(expression)).toBe(minutes);
      expect(one(objects, 'PrometheusRule').spec.groups[0].rules[2].expr).toContain(`[${4 * minutes}m:${minutes}m]`);
    });

    it.each(['* * * * *', '0 */5 * * *', '0 9-17 * * *', '0 3 * * 1', '*/7 * * * *'])('%s has no single interval', (expression) => {
      expect(cronIntervalMinutes(expression)).toBeUndefined();
    });
  });

  describe('addFeature', () => {
    it('a feature added after construction is in the job\'s configuration', () => {
      const chart = Testing.chart();
      const drift = new DriftMonitor(chart, 'Drift', BASE);
      drift.addFeature('merchant_risk');
      const config = JSON.parse(one(synthValid(chart), 'ConfigMap').data['config.json']);
      expect(config.featureNames).toEqual(['amount', 'country', 'merchant_risk']);
      expect(drift.node.defaultChild).toBe(drift.defaultChild);
      expect(drift.defaultChild).toBe(ApiObject.of(drift.job));
      expect(drift.serviceAccount.automountToken).toBe(false);
    });

    it('refuses an empty feature name, naming the argument', () => {
      const drift = new DriftMonitor(Testing.chart(), 'Drift', BASE);
      const e = expectValidationError(() => drift.addFeature(''));
      expect(e.problems.map((p) => p.property)).toEqual(['feature']);
    });

    it('fails synthesis on a feature added twice, naming the construct', () => {
      const chart = Testing.chart();
      const drift = new DriftMonitor(chart, 'Drift', BASE);
      drift.addFeature('amount');
      const e = expectValidationError(() => drift.node.validate());
      expect(e.problems).toEqual([expect.objectContaining({ constructPath: 'test/Drift', property: 'features', allowed: 'must not list a feature twice' })]);
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<DriftMonitorProps>, string, string]>([
      ['thresholds not increasing', { investigateThreshold: 0.3, actThreshold: 0.2 }, 'actThreshold', 'thresholds increase'],
      ['a window shorter than the schedule', { schedule: Cron.hourly(), window: Duration.minutes(30) }, 'window', 'must be at least the schedule (60 minutes)'],
      ['a schedule of uneven intervals', { schedule: Cron.schedule({ minute: '0', hour: '*/5' }) }, 'schedule', 'must be a cron schedule with one interval'],
      ['a schedule under 5 minutes', { schedule: Cron.schedule({ minute: '*/2' }) }, 'schedule', 'must run at most every 5 minutes'],
      ['a capture that is not in S3', { captureUri: 'capture/fraud' }, 'captureUri', 'must be s3://bucket/prefix'],
      ['a Pushgateway that is not a URL', { pushgatewayUrl: 'pushgateway:9091' }, 'pushgatewayUrl', 'must be an http(s) URL'],
      ['a namespace that is not a Kubernetes name', { namespace: 'Monitoring' }, 'namespace', 'DNS-1123'],
      ['a baseline that is not JSON in S3', { baselineUri: '/tmp/baseline.json' }, 'baselineUri', 'must be s3://bucket/key.json'],
      ['a moving image tag', { image: 'drift:latest' }, 'image', 'moving tag'],
      ['a reference shorter than the window', { reference: DriftReference.SAME_PERIOD_LAST_YEAR, window: Duration.minutes(120), referenceSpan: Duration.minutes(60) }, 'referenceSpan', 'must be at least the window (120 minutes)'],
      ['reference minutes with the training baseline', { referenceSpan: Duration.minutes(600) }, 'referenceSpan', 'must be set only with a ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR reference'],
      ['a retraining template that is not a Kubernetes name', { retrainWorkflowTemplate: { name: 'Fraud_Training', namespace: 'training' } }, 'retrainWorkflowTemplate.name', 'DNS-1123'],
    ])('%s', (_w, props, property, allowed) => {
      const e = expectValidationError(() => render(props));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.allowed).toContain(allowed);
    });

    it('reports schema and Kubernetes problems together', () => {
      const e = expectValidationError(() => render({ window: Duration.minutes(30), image: 'drift:latest' }));
      expect(e.problems.map((p) => p.property).sort()).toEqual(['image', 'window']);
    });
  });
});
