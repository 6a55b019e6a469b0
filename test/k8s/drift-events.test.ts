import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { RETRAIN_TARGET_TEMPLATE, exactly, retrainAlertmanagerConfig, targetsPattern } from '../../lib/core/retrain-events';
import { AlertmanagerEventSource } from '../../lib/k8s/drift-events';
import { DriftMonitor, DriftMonitorProps } from '../../lib/k8s/drift-monitor';
import { expectValidationError } from '../support/aws';
import { manifestValidator, synthValid } from '../support/k8s';

const DRIFT: DriftMonitorProps = {
  endpointName: 'fraud',
  namespace: 'fraud',
  image: `registry.example.com/drift@sha256:${'a'.repeat(64)}`,
  captureUri: 's3://capture/fraud/',
  baselineUri: 's3://baselines/fraud/baseline.json',
  features: ['amount'],
  alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/drift' },
  pushgatewayUrl: 'http://pushgateway.monitoring:9091',
  retrainWorkflowTemplate: { name: 'fraud-training', namespace: 'fraud' },
};

function render(): { shared: any[]; model: any[]; source: AlertmanagerEventSource } {
  const app = Testing.app();
  const sharedChart = new Chart(app, 'shared');
  const modelChart = new Chart(app, 'model');
  const source = new AlertmanagerEventSource(sharedChart, 'Events');
  new DriftMonitor(modelChart, 'Drift', DRIFT).onSustainedDrift('RetrainOnDrift', { eventSource: source, dataVersion: 'txns@2026-11' });
  return { shared: synthValid(sharedChart), model: synthValid(modelChart), source };
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);

describe('AlertmanagerEventSource and DriftMonitor.onSustainedDrift', () => {
  const { shared, model, source } = render();

  it('renders the EventBus, the webhook EventSource (with its Service) and a Sensor in the events namespace', () => {
    expect(shared.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace /argo-events',
      'EventBus argo-events/default',
      'EventSource argo-events/alertmanager',
      'NetworkPolicy argo-events/alertmanager-webhook',
      'ServiceAccount argo-events/retrain',
      'Sensor argo-events/retrain',
    ]);
    const es = byKind(shared, 'EventSource')[0];
    expect(es.spec.service.ports).toEqual([{ name: 'webhook', port: 12000, targetPort: 12000 }]);
    expect(es.spec.webhook.alertmanager).toMatchObject({ endpoint: '/alertmanager', method: 'POST', port: '12000' });
    expect(source.webhookUrl).toBe('http://alertmanager-eventsource-svc.argo-events.svc:12000/alertmanager');
  });

  it('keeps every Argo Events pod restricted, with explicit resources', () => {
    const es = byKind(shared, 'EventSource')[0].spec.template;
    const sensor = byKind(shared, 'Sensor')[0].spec.template;
    const bus = byKind(shared, 'EventBus')[0].spec.jetstream;
    for (const pod of [es.securityContext, sensor.securityContext, bus.securityContext]) {
      expect(pod).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    }
    for (const c of [es.container, sensor.container, bus.containerTemplate, bus.reloaderContainerTemplate, bus.metricsContainerTemplate]) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
      expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
    }
  });

  it('admits only Alertmanager\'s namespace to the webhook', () => {
    expect(byKind(shared, 'NetworkPolicy')[0].spec).toEqual({
      podSelector: { matchLabels: { 'eventsource-name': 'alertmanager' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 12000 }] }],
    });
  });

  it('filters on a firing DriftSustained group naming exactly a routed (namespace, template) pair (anchored: Argo Events matches a regexp anywhere)', () => {
    const dep = byKind(shared, 'Sensor')[0].spec.dependencies[0];
    expect(dep).toMatchObject({ name: 'sustained-drift', eventSourceName: 'alertmanager', eventName: 'alertmanager' });
    expect(dep.filters.data).toEqual([
      { path: 'body.status', type: 'string', value: ['^firing$'] },
      { path: 'body.commonLabels.alertname', type: 'string', value: ['^DriftSustained$'] },
      { path: 'body.commonLabels', type: 'string', template: RETRAIN_TARGET_TEMPLATE, value: ['^(fraud/fraud-training)$'] },
      { path: 'body.commonLabels.retrain_data_version', type: 'string', value: ['^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,149}$'] },
    ]);
    expect(new RegExp(exactly('fraud-training')).test('fraud-training-v2')).toBe(false);
    const pattern = targetsPattern([{ namespace: 'a', template: 'a-t' }, { namespace: 'b.c', template: 'b' }]);
    expect(pattern).toBe('^(a/a-t|b\\.c/b)$');
    expect(['a/a-t', 'b.c/b', 'a/a-t-v2', 'bxc/b', 'b.c/a-t'].map((v) => new RegExp(pattern).test(v))).toEqual([true, true, false, false, false]);
    expect(new RegExp(exactly('a.b')).test('axb')).toBe(false);
  });

  it('labels the sustained-drift alert with the run\'s data version', () => {
    const rule = byKind(model, 'PrometheusRule')[0].spec.groups[0].rules.find((r: any) => r.alert === 'DriftSustained');
    expect(rule.labels).toMatchObject({ retrain_workflow_template: 'fraud-training', retrain_namespace: 'fraud', retrain_data_version: 'txns@2026-11' });
  });

  it('creates one Workflow from the alert\'s template in its namespace, data-version <retrain_data_version>@<startsAt>', () => {
    const trigger = byKind(shared, 'Sensor')[0].spec.triggers[0].template.k8s;
    expect(trigger.operation).toBe('create');
    expect(trigger.source.resource).toMatchObject({ kind: 'Workflow', metadata: { generateName: 'drift-retrain-' } });
    const src = (dataKey: string) => ({ dependencyName: 'sustained-drift', dataKey });
    expect(trigger.parameters).toEqual([
      { src: src('body.commonLabels.retrain_namespace'), dest: 'metadata.namespace' },
      { src: src('body.commonLabels.retrain_workflow_template'), dest: 'spec.workflowTemplateRef.name' },
      { src: src('body.commonLabels.retrain_data_version'), dest: 'spec.arguments.parameters.0.value' },
      { src: { dependencyName: 'sustained-drift', value: '@' }, dest: 'spec.arguments.parameters.0.value', operation: 'append' },
      { src: src('body.alerts.0.startsAt'), dest: 'spec.arguments.parameters.0.value', operation: 'append' },
    ]);
  });

  it('lets the Sensor\'s ServiceAccount create Workflows in the model\'s namespace, nothing else', () => {
    expect(model.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').map((o) => ({ kind: o.kind, ns: o.metadata.namespace, rules: o.rules, subjects: o.subjects }))).toEqual([
      { kind: 'Role', ns: 'fraud', rules: [{ apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['create'] }], subjects: undefined },
      { kind: 'RoleBinding', ns: 'fraud', rules: undefined, subjects: [{ kind: 'ServiceAccount', name: 'retrain', namespace: 'argo-events' }] },
    ]);
    expect(byKind(shared, 'Sensor')[0].spec.template.serviceAccountName).toBe('retrain');
  });

  it('renders the Alertmanager receiver and route (one receiver for every model, grouped by model, no resolved notifications)', () => {
    const config = YAML.parse(source.alertmanagerConfig());
    expect(config).toEqual(retrainAlertmanagerConfig(source.webhookUrl, 'default'));
    expect(config.route.routes[0]).toMatchObject({
      receiver: 'argo-events-retrain',
      group_by: ['alertname', 'retrain_namespace', 'retrain_workflow_template'],
      continue: true,
    });
    expect(config.receivers[1].webhook_configs).toEqual([{ url: source.webhookUrl, send_resolved: false, max_alerts: 0 }]);
  });

  it('validates the rendered Argo Events objects against Argo Events\' JSON Schema, strictly', () => {
    const sensor = structuredClone(byKind(shared, 'Sensor')[0]);
    sensor.spec.dependencies[0].eventSoruceName = 'typo';
    const problems = manifestValidator().validate(sensor, 'test');
    expect(problems.map((p) => `${p.path} ${p.message}`)).toContain('/spec/dependencies/0 must NOT have additional properties (eventSoruceName)');
  });
});

describe('several models on one event source', () => {
  it('keeps one Sensor, taking each routed pair, and a Role in each model\'s namespace; the shared chart grows by one filter value a model', () => {
    const size = (n: number) => {
      const app = Testing.app();
      const shared = new Chart(app, 'shared');
      const source = new AlertmanagerEventSource(shared, 'Events');
      for (let i = 0; i < n; i++) {
        const chart = new Chart(app, `m${i}`);
        new DriftMonitor(chart, 'Drift', { ...DRIFT, endpointName: `model${i}`, namespace: `model${i}`, retrainWorkflowTemplate: { name: `model${i}-training`, namespace: `model${i}` } })
          .onSustainedDrift('Retrain', { eventSource: source, dataVersion: 'v1' });
      }
      return { objects: shared.toJson(), app };
    };
    const { objects, app } = size(3);
    expect(byKind(objects, 'Sensor')).toHaveLength(1);
    expect(byKind(objects, 'Sensor')[0].spec.dependencies[0].filters.data[2].value).toEqual(['^(model0/model0-training|model1/model1-training|model2/model2-training)$']);
    const roles = app.charts.flatMap((c) => c.toJson()).filter((o) => o.kind === 'RoleBinding');
    expect(roles.map((r: any) => r.metadata.namespace)).toEqual(['model0', 'model1', 'model2']);
    const bytes = (n: number) => JSON.stringify(size(n).objects).length;
    expect(bytes(11) - bytes(1)).toBeLessThan(10 * 40);
  });
});

describe('two monitors retraining one template (a model\'s served traffic and its batch inputs)', () => {
  it('label both alerts with the data version (Alertmanager groups them; the Sensor reads the common labels) and share one Role and filter value', () => {
    const app = Testing.app();
    const source = new AlertmanagerEventSource(new Chart(app, 'shared'), 'Events');
    const chart = new Chart(app, 'model');
    const served = new DriftMonitor(chart, 'Drift', DRIFT).onSustainedDrift('Retrain', { eventSource: source, dataVersion: 'txns@2026-11' });
    const batch = new DriftMonitor(chart, 'BatchDrift', { ...DRIFT, endpointName: 'fraud-batch', captureUri: undefined, batchSource: { outputUri: 's3://scores/fraud/' } })
      .onSustainedDrift('BatchRetrain', { eventSource: source, dataVersion: 'txns@2026-11' });
    expect(batch).toBe(served);
    const objects = synthValid(chart);
    const sustained = byKind(objects, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert === 'DriftSustained');
    expect(sustained.map((r: any) => [r.labels.endpoint, r.labels.retrain_data_version])).toEqual([['fraud', 'txns@2026-11'], ['fraud-batch', 'txns@2026-11']]);
    expect(byKind(objects, 'Role')).toHaveLength(1);
    expect(byKind(source.sensor!.chart.toJson(), 'Sensor')[0].spec.dependencies[0].filters.data[2].value).toEqual(['^(fraud/fraud-training)$']);
  });
});

describe('onSustainedDrift and AlertmanagerEventSource refuse', () => {
  it('a monitor whose alert names no WorkflowTemplate', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const source = new AlertmanagerEventSource(chart, 'Events');
    const drift = new DriftMonitor(chart, 'Drift', { ...DRIFT, retrainWorkflowTemplate: undefined });
    const e = expectValidationError(() => drift.onSustainedDrift('Retrain', { eventSource: source, dataVersion: 'v1' }));
    expect(e.message).toContain('retrainWorkflowTemplate');
    expect(e.message).toContain('must be set on the DriftMonitor');
  });

  it('a JetStream EventBus of 2 replicas (Argo Events refuses it)', () => {
    const e = expectValidationError(() => new AlertmanagerEventSource(Testing.chart(), 'Events', { eventBusReplicas: 2 }));
    expect(e.message).toContain('eventBusReplicas');
  });

  it('a data version with a space', () => {
    const chart = Testing.chart();
    const source = new AlertmanagerEventSource(chart, 'Events');
    const drift = new DriftMonitor(chart, 'Drift', DRIFT);
    const e = expectValidationError(() => drift.onSustainedDrift('Retrain', { eventSource: source, dataVersion: 'v 1' }));
    expect(e.message).toContain('dataVersion');
  });
});
