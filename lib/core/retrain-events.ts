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

/** What the Sensor of one model matches and what it submits. */
export interface RetrainTarget {
  /** The WorkflowTemplate to submit. */
  readonly template: string;
  /** Its namespace, where the Workflow is created. */
  readonly namespace: string;
  /** The data version the run records: `<dataVersion>@<startsAt of the alert>`. */
  readonly dataVersion: string;
  /** Labels of the Workflow. */
  readonly labels: Record<string, string>;
}

/**
 * The Sensor's dependency filter on the Alertmanager webhook payload (the webhook EventSource
 * publishes `{"header": …, "body": <payload>}`, pkg/eventsources/sources/webhook/start.go): a
 * firing group of the sustained-drift alert whose common labels name this template and namespace
 * (the retrain route groups by them, so they are common labels of every notification it sends).
 */
export function retrainDataFilters(target: RetrainTarget): Array<Record<string, unknown>> {
  return [
    { path: 'body.status', type: 'string', value: [exactly('firing')] },
    { path: 'body.commonLabels.alertname', type: 'string', value: [exactly(SUSTAINED_DRIFT_ALERT)] },
    { path: 'body.commonLabels.retrain_namespace', type: 'string', value: [exactly(target.namespace)] },
    { path: 'body.commonLabels.retrain_workflow_template', type: 'string', value: [exactly(target.template)] },
  ];
}

/**
 * The Sensor's trigger: a `k8s` trigger creating one Workflow from the WorkflowTemplate in its
 * namespace (the object's namespace wins over the Sensor's: pkg/sensors/triggers/standard-k8s
 * `Execute`), its `data-version` parameter `<dataVersion>@` with the first alert's `startsAt`
 * appended (pkg/sensors/triggers/params.go `ApplyParams`, operation `append`): the same lineage as
 * a rule-started run on AWS (`<DataVersion>@<event time>`). The `k8s` trigger needs only `create`
 * on `workflows` there; the `argoWorkflow` trigger would run the `argo` CLI (which also reads
 * WorkflowTemplates) and then list Workflows (pkg/sensors/triggers/argo-workflow `Execute`).
 */
export function retrainTrigger(target: RetrainTarget): Record<string, unknown> {
  return {
    template: {
      name: 'submit-retrain',
      k8s: {
        operation: 'create',
        source: {
          resource: {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Workflow',
            metadata: { generateName: `${target.template.slice(0, 52)}-drift-`, namespace: target.namespace, labels: target.labels },
            spec: {
              workflowTemplateRef: { name: target.template },
              arguments: { parameters: [{ name: 'data-version', value: `${target.dataVersion}@` }] },
            },
          },
        },
        parameters: [
          {
            src: { dependencyName: RETRAIN_DEPENDENCY, dataKey: 'body.alerts.0.startsAt' },
            dest: 'spec.arguments.parameters.0.value',
            operation: 'append',
          },
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
