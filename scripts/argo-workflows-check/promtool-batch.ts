/**
 * The failed-run alert of k8s.BatchScoring, judged by promtool (Prometheus' own rule evaluation) on
 * the series Argo's workflow controller exports (`argo_workflows_workflowtemplate_triggered_total`,
 * counted per WorkflowTemplate and phase, docs/metrics.md), in both label forms (the controller's
 * `namespace` kept, or renamed `exported_namespace` by a ServiceMonitor without honorLabels):
 *
 * - a first failure (the Failed series appears: a counter's first sample has no increase) pages;
 * - a further failure (the counter goes up) pages, of a run or of a backfill;
 * - old failures (a flat counter), succeeded runs, another job's or another namespace's failures do not;
 * - the alert clears once the window has passed without a new failure.
 *
 * Usage: npx tsx scripts/argo-workflows-check/promtool-batch.ts   (promtool from scripts/promtool.sh)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { BatchScoring } from '../../lib/k8s/batch-scoring';

const chart = new Chart(Testing.app(), 'Batch');
new BatchScoring(chart, 'FraudDaily', {
  name: 'fraud-daily',
  inputUri: 's3://acme-data/events/',
  outputUri: 's3://acme-scores/fraud/',
  image: `registry.example.com/fraud/scorer@sha256:${'a'.repeat(64)}`,
  command: ['python', '-m', 'score'],
  modelVersion: '7',
  modelSource: 'models:/fraud/7',
  runtimeImage: `registry.example.com/cdk-mlops/runtime@sha256:${'b'.repeat(64)}`,
  alarmOwnership: { owner: 'fraud-ml-oncall', runbookUrl: 'https://runbooks.example.com/fraud/batch' },
});
const rule = chart.toJson().find((o) => o.kind === 'PrometheusRule');
const alert = rule.spec.groups[0].rules[0];
const NS = 'batch-scoring';

const METRIC = 'argo_workflows_workflowtemplate_triggered_total';
/** A controller series: the controller's own target labels, the metric's attributes in one of the two forms. */
function series(o: { name?: string; phase?: string; namespace?: string; exported?: boolean }, values: string) {
  const ns = o.namespace ?? NS;
  const labels = o.exported
    ? `namespace="argo",pod="workflow-controller-7d9f",exported_namespace="${ns}"`
    : `namespace="${ns}",pod="workflow-controller-7d9f"`;
  return { series: `${METRIC}{${labels},name="${o.name ?? 'fraud-daily'}",phase="${o.phase ?? 'Failed'}",cluster_scope="false"}`, values };
}
const firing = (name: string) => [{
  exp_labels: { ...alert.labels, name },
  exp_annotations: Object.fromEntries(Object.entries(alert.annotations as Record<string, string>).map(([k, v]) => [k, v.replaceAll('{{ $labels.name }}', name)])),
}];
/** Samples once a minute for 12 hours: absent for the first hour, then `from`, `to` from minute 180. */
const appearsAt60 = '_x59 1x660';
const flat = (v: number) => `${v}x720`;
const stepsAt180 = (from: number, to: number) => `${from}x180 ${to}x540`;

const tests = [
  { name: 'a first failure of a run pages (namespace kept)', input: [series({}, appearsAt60), series({ phase: 'Succeeded' }, '0+1x720')], at: ['65m', '5h'], fires: 'fraud-daily' },
  { name: 'a first failure of a run pages (exported_namespace)', input: [series({ exported: true }, appearsAt60)], at: ['65m'], fires: 'fraud-daily' },
  { name: 'a new failure of a backfill pages', input: [series({ name: 'fraud-daily-backfill' }, stepsAt180(2, 3))], at: ['185m', '8h'], fires: 'fraud-daily-backfill' },
  { name: 'a new failure behind a ServiceMonitor pages', input: [series({ exported: true }, stepsAt180(2, 3))], at: ['185m'], fires: 'fraud-daily' },
  { name: 'old failures and succeeded runs are silent', input: [series({}, flat(4)), series({ phase: 'Succeeded' }, '0+1x720')], at: ['7h', '11h'], fires: undefined },
  { name: 'the alert clears once the window passed without a new failure', input: [series({}, stepsAt180(2, 3))], at: ['9h30m', '11h'], fires: undefined },
  { name: 'another job failing is silent', input: [series({ name: 'churn-daily' }, appearsAt60), series({ name: 'fraud-daily-other' }, stepsAt180(0, 1))], at: ['65m', '185m'], fires: undefined },
  { name: 'another namespace failing is silent', input: [series({ namespace: 'other' }, appearsAt60), series({ namespace: 'other', exported: true }, stepsAt180(0, 1))], at: ['65m', '185m'], fires: undefined },
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-batch-'));
fs.writeFileSync(path.join(dir, 'rules.yaml'), YAML.stringify({ groups: rule.spec.groups }));
fs.writeFileSync(path.join(dir, 'tests.yaml'), YAML.stringify({
  rule_files: ['rules.yaml'],
  evaluation_interval: '1m',
  tests: tests.map((t) => ({
    name: t.name,
    interval: '1m',
    input_series: t.input,
    alert_rule_test: t.at.map((at) => ({ eval_time: at, alertname: alert.alert, exp_alerts: t.fires ? firing(t.fires) : [] })),
  })),
}));
const promtool = path.join(__dirname, '..', 'promtool.sh');
for (const args of [['check', 'rules', 'rules.yaml'], ['test', 'rules', 'tests.yaml']]) {
  const r = spawnSync('bash', [promtool, ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`promtool-batch: promtool ${args.join(' ')} failed (files in ${dir}):\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
}
console.log(`promtool-batch: ${alert.alert}: ${tests.length} scenarios (${tests.map((t) => t.name).join('; ')}): ok`);
fs.rmSync(dir, { recursive: true });
