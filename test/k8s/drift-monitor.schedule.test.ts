/**
 * Finding 13.13: the drift CronJob does not skip runs. The Kubernetes CronJob controller starts a
 * due run only while now ≤ scheduled time + startingDeadlineSeconds (pkg/controller/cronjob/
 * cronjob_controllerv2.go, syncCronJob: `tooLate := scheduledTime.Add(StartingDeadlineSeconds).Before(now)`;
 * "CronJob limitations", https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/).
 * It reaches a run late whenever it restarts, loses its lease or is backlogged, and with
 * `concurrencyPolicy: Forbid` it waits for the previous run to finish before starting the next.
 */
import { Cron, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DriftMonitor, DriftMonitorProps } from '../../lib/k8s/drift-monitor';
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

function cronJob(props: Partial<DriftMonitorProps> = {}) {
  const chart = Testing.chart();
  new DriftMonitor(chart, 'Drift', { ...BASE, ...props });
  return one(synthValid(chart), 'CronJob');
}

/** syncCronJob's decision for a run the controller reaches `lateSeconds` after its time. */
function starts(job: any, lateSeconds: number): boolean {
  const deadline = job.spec.startingDeadlineSeconds;
  return deadline === undefined || !(lateSeconds > deadline);
}

describe('DriftMonitor CronJob schedule', () => {
  it('a run reached a minute late (controller restart, lease change) still starts', () => {
    expect(starts(cronJob(), 60)).toBe(true);
  });

  it('a run delayed by the previous one (Forbid) starts while its interval lasts', () => {
    const job = cronJob({ schedule: Cron.schedule({ minute: '*/15' }) });
    expect(starts(job, 14 * 60)).toBe(true);
    expect(job.spec.startingDeadlineSeconds).toBe(15 * 60);
  });

  it('the deadline is at least 200 s (the controller counts missed runs from it) and one interval by default', () => {
    expect(cronJob().spec.startingDeadlineSeconds).toBe(3600);
    expect(cronJob({ schedule: Cron.schedule({ minute: '*/5' }) }).spec.startingDeadlineSeconds).toBeGreaterThanOrEqual(200);
  });
});
