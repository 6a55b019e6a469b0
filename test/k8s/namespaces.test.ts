import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { buildExamples } from '../../examples';
import { DriftMonitor, DriftMonitorProps } from '../../lib/k8s/drift-monitor';
import { PREREQUISITE_NAMESPACES } from '../../scripts/kube-dryrun';

/**
 * An object in a namespace that does not exist is refused (404) by the API server, as the drift
 * monitor's `monitoring-drift` was (issue 13.1): every namespace a chart's objects use is created
 * by that chart (each chart is applied on its own: one file of cdk.out/k8s), or is one of the
 * prerequisites the README names (scripts/kube-dryrun.ts PREREQUISITE_NAMESPACES, which `npm run
 * validate` creates before sending the charts to a real kube-apiserver).
 */
describe('namespaces', () => {
  it('every namespace used by an example chart is created by that chart or a documented prerequisite', () => {
    const { charts } = buildExamples({ nag: false });
    const missing: string[] = [];
    for (const chart of charts) {
      const objects: any[] = chart.toJson();
      const created = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
      for (const o of objects) {
        const ns = o.metadata?.namespace;
        if (ns && !created.has(ns) && !PREREQUISITE_NAMESPACES.includes(ns)) {
          missing.push(`${chart.node.id}: ${o.kind} ${ns}/${o.metadata.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('the README names each prerequisite namespace', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('Namespaces a chart uses without creating them'));
    for (const ns of PREREQUISITE_NAMESPACES) {
      expect(section.slice(0, 800), ns).toContain(`\`${ns}\``);
    }
  });

  describe('DriftMonitor', () => {
    const BASE: DriftMonitorProps = {
      endpointName: 'fraud',
      image: `registry.example.com/drift@sha256:${'a'.repeat(64)}`,
      captureUri: 's3://capture/fraud/',
      baselineUri: 's3://baselines/fraud/baseline.json',
      features: ['amount'],
      alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/drift' },
      pushgatewayUrl: 'http://pushgateway.monitoring:9091',
    };
    const namespaces = (objects: any[]) => objects.filter((o) => o.kind === 'Namespace');

    it('creates its namespace, enforcing the restricted Pod Security Standard like the other constructs', () => {
      const chart = Testing.chart();
      const drift = new DriftMonitor(chart, 'Drift', BASE);
      expect(namespaces(Testing.synth(chart))).toEqual([{
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'monitoring-drift', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' } },
      }]);
      expect(drift.namespaceObject?.name).toBe('monitoring-drift');
    });

    it('creates a namespace once for the monitors sharing it, and not one the chart creates already', () => {
      const chart = Testing.chart();
      const first = new DriftMonitor(chart, 'Fraud', BASE);
      const second = new DriftMonitor(chart, 'Churn', { ...BASE, endpointName: 'churn' });
      expect(namespaces(Testing.synth(chart)).map((n) => n.metadata.name)).toEqual(['monitoring-drift']);
      expect(first.namespaceObject).toBeDefined();
      expect(second.namespaceObject).toBeUndefined();
    });

    it('creates none with createNamespace: false', () => {
      const chart = Testing.chart();
      new DriftMonitor(chart, 'Drift', { ...BASE, namespace: 'monitoring', createNamespace: false });
      expect(namespaces(Testing.synth(chart))).toEqual([]);
    });
  });
});
