/**
 * Sustained drift → retraining on Kubernetes, through Alertmanager and Argo Events: the facts the
 * rendering relies on, each with its source, and the pure parts of it (the Sensor's dependency
 * filter, the Workflow it creates, the Alertmanager receiver and route), shared by the construct
 * (`k8s.AlertmanagerEventSource`, `k8s.DriftMonitor.onSustainedDrift`) and its tests.
 */

/** Name of the sustained-drift alert (`k8s.DriftMonitor`), what the retrain route and the Sensor match. */
export const SUSTAINED_DRIFT_ALERT = 'DriftSustained';

/**
 * Port of the webhook EventSource: Argo Events' own examples use 12000
 * (argoproj/argo-events v1.9.11 examples/event-sources/webhook.yaml).
 */
export const RETRAIN_WEBHOOK_PORT = 12000;

/** Path of the webhook that Alertmanager posts to. */
export const RETRAIN_WEBHOOK_ENDPOINT = '/alertmanager';

/** Name of the event of the webhook EventSource (the key under `spec.webhook`, the Sensor's `eventName`). */
export const RETRAIN_EVENT_NAME = 'alertmanager';

/** Name of the Sensor's one dependency. */
export const RETRAIN_DEPENDENCY = 'sustained-drift';

/** Name of the Alertmanager receiver that posts the sustained-drift alerts to the EventSource. */
export const RETRAIN_RECEIVER = 'argo-events-retrain';

/**
 * The Service the Argo Events controller creates for an EventSource with `spec.service`:
 * `<eventsource>-eventsource-svc` (argo-events v1.9.11 pkg/reconciler/eventsource/resource.go
 * `buildService`), selecting its pods by the label `eventsource-name: <eventsource>`
 * (pkg/reconciler/eventsource/controller.go, `v1alpha1.LabelEventSourceName`).
 */
export function eventSourceServiceName(eventSource: string): string {
  return `${eventSource}-eventsource-svc`;
}

/** The pod label the Argo Events controller puts on an EventSource's pods (see `eventSourceServiceName`). */
export const EVENT_SOURCE_POD_LABEL = 'eventsource-name';

/**
 * JetStream version of the EventBus: `latest`, the entry of the v1.9.11 controller's default
 * config (manifests/base/controller-manager/controller-config.yaml, nats:2.10.29); the controller
 * refuses a JetStream bus without a version, and with 2 or fewer than 1 replicas
 * (pkg/reconciler/eventbus/validate.go).
 */
export const EVENT_BUS_JETSTREAM_VERSION = 'latest';

/**
 * How often Alertmanager re-sends a group that is still firing, and sends a group that changed
 * (another feature's alert joins it): 120 hours, Alertmanager's default `--data.retention`, the
 * time its notification log remembers a sent group (a longer interval is cut to it in effect). The
 * AWS rule starts a run when the alarm goes into ALARM; here the first notification of a group
 * starts one, and a drift that lasts starts another at most every 5 days, however many features
 * drift.
 */
export const RETRAIN_NOTIFY_INTERVAL = '120h';

/** Labels every notification of the retrain route is grouped by: one group per model (its WorkflowTemplate). */
export const RETRAIN_GROUP_BY = ['alertname', 'retrain_namespace', 'retrain_workflow_template'];

/**
 * An anchored regular expression matching exactly `value`: Argo Events matches a `string` data
 * filter with Go's `regexp.Match`, which finds the pattern anywhere in the value
 * (pkg/sensors/dependencies/filter.go `filterData`), so a bare `acme-churn-training` would also
 * accept the alert of a template named `acme-churn-training-v2`.
 */
export function exactly(value: string): string {
  return `^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/** Label of the sustained-drift alert with the data version of the run it starts (set by `onSustainedDrift`). */
export const RETRAIN_DATA_VERSION_LABEL = 'retrain_data_version';

/** Name of the one retrain Sensor and of its ServiceAccount, in the event source's namespace. */
export const RETRAIN_SENSOR = 'retrain';

/** A WorkflowTemplate the retrain Sensor may submit. */
export interface RetrainTarget {
  /** The WorkflowTemplate. */
  readonly template: string;
  /** Its namespace, where the Workflow is created. */
  readonly namespace: string;
}

/**
 * Where the Sensor reads the pair (namespace, template): the alert group's common labels, which a
 * data filter's `template` (Go template with sprig, given the value at `path` as its JSON text:
 * pkg/sensors/dependencies/filter.go `filterData`) renders as `<namespace>/<template>`, so one
 * filter value takes exact pairs and a template only in its own namespace.
 */
export const RETRAIN_TARGET_PATH = 'body.commonLabels';
/** The data filter template rendering `<namespace>/<template>` from the common labels (sprig's `fromJson`). */
export const RETRAIN_TARGET_TEMPLATE = '{{ $l := fromJson .Input }}{{ $l.retrain_namespace }}/{{ $l.retrain_workflow_template }}';

/** The one filter value taking exactly these targets: `^(<ns>/<template>|…)$`, about 30 bytes a model. */
export function targetsPattern(targets: RetrainTarget[]): string {
  const esc = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^(${targets.map((t) => `${esc(t.namespace)}/${esc(t.template)}`).join('|')})$`;
}

/**
 * The retrain Sensor's dependency filter on the Alertmanager webhook payload (the webhook
 * EventSource publishes `{"header": …, "body": <payload>}`, pkg/eventsources/sources/webhook/start.go):
 * a firing group of the sustained-drift alert whose common labels name one of the routed
 * (namespace, template) pairs (the retrain route groups by them, so they are common labels of every
 * notification it sends) and carry a data version. One alternative a model in one value: the chart
 * grows by about 30 bytes a model, not by a Sensor.
 */
export function retrainDataFilters(targets: RetrainTarget[]): Array<Record<string, unknown>> {
  return [
    { path: 'body.status', type: 'string', value: [exactly('firing')] },
    { path: 'body.commonLabels.alertname', type: 'string', value: [exactly(SUSTAINED_DRIFT_ALERT)] },
    { path: RETRAIN_TARGET_PATH, type: 'string', template: RETRAIN_TARGET_TEMPLATE, value: [targetsPattern(targets)] },
    // The characters of a data version (core/primitives versionLabel): nothing else reaches the Workflow.
    { path: `body.commonLabels.${RETRAIN_DATA_VERSION_LABEL}`, type: 'string', value: ['^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,149}$'] },
  ];
}

/**
 * The Sensor's trigger: a `k8s` trigger creating one Workflow from the alert's WorkflowTemplate in
 * the alert's namespace (the object's namespace wins over the Sensor's: pkg/sensors/triggers/standard-k8s
 * `Execute`), its `data-version` parameter `<retrain_data_version>@<startsAt of the first alert>`
 * (pkg/sensors/triggers/params.go `ApplyParams`: a key's value, then `append`): the same lineage as
 * a rule-started run on AWS (`<DataVersion>@<event time>`). Only the namespace, the template's name
 * and the data version come from the alert, and the filter admitted only routed pairs. The `k8s`
 * trigger needs only `create` on `workflows`; the `argoWorkflow` trigger would run the `argo` CLI
 * (which also reads WorkflowTemplates) and then list Workflows (pkg/sensors/triggers/argo-workflow `Execute`).
 */
export function retrainTrigger(labels: Record<string, string>): Record<string, unknown> {
  const src = (dataKey: string) => ({ dependencyName: RETRAIN_DEPENDENCY, dataKey });
  return {
    template: {
      name: 'submit-retrain',
      k8s: {
        operation: 'create',
        source: {
          resource: {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Workflow',
            metadata: { generateName: 'drift-retrain-', namespace: 'set-from-the-alert', labels },
            spec: {
              workflowTemplateRef: { name: 'set-from-the-alert' },
              arguments: { parameters: [{ name: 'data-version', value: '' }] },
            },
          },
        },
        parameters: [
          { src: src('body.commonLabels.retrain_namespace'), dest: 'metadata.namespace' },
          { src: src('body.commonLabels.retrain_workflow_template'), dest: 'spec.workflowTemplateRef.name' },
          { src: src(`body.commonLabels.${RETRAIN_DATA_VERSION_LABEL}`), dest: 'spec.arguments.parameters.0.value' },
          { src: { dependencyName: RETRAIN_DEPENDENCY, value: '@' }, dest: 'spec.arguments.parameters.0.value', operation: 'append' },
          { src: src('body.alerts.0.startsAt'), dest: 'spec.arguments.parameters.0.value', operation: 'append' },
        ],
      },
    },
    // A refused create (API server restarting) is tried again, not dropped.
    retryStrategy: { steps: 3, duration: '10s', factor: 2 },
  };
}

/**
 * A complete Alertmanager configuration holding the retrain receiver and route: the receiver posts
 * to the EventSource's URL, without resolved notifications; the route matches every sustained-drift
 * alert that names a WorkflowTemplate, groups by model and goes on (`continue`) to the routes after
 * it, so the owners are still notified. Merge `receivers[1]` and `route.routes[0]` into the
 * cluster's configuration (first among the routes).
 */
export function retrainAlertmanagerConfig(url: string, defaultReceiver: string): Record<string, unknown> {
  return {
    route: {
      receiver: defaultReceiver,
      routes: [
        {
          receiver: RETRAIN_RECEIVER,
          matchers: [`alertname="${SUSTAINED_DRIFT_ALERT}"`, 'retrain_workflow_template=~".+"', 'retrain_namespace=~".+"'],
          group_by: [...RETRAIN_GROUP_BY],
          group_wait: '30s',
          group_interval: RETRAIN_NOTIFY_INTERVAL,
          repeat_interval: RETRAIN_NOTIFY_INTERVAL,
          continue: true,
        },
      ],
    },
    receivers: [
      { name: defaultReceiver },
      { name: RETRAIN_RECEIVER, webhook_configs: [{ url, send_resolved: false, max_alerts: 0 }] },
    ],
  };
}
