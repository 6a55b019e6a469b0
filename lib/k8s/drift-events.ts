import { ApiObject, Lazy, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LOGS_ONLY_DISK } from '../core/ephemeral-storage';
import {
  EVENT_BUS_JETSTREAM_VERSION,
  EVENT_SOURCE_POD_LABEL,
  RETRAIN_DEPENDENCY,
  RETRAIN_EVENT_NAME,
  RETRAIN_SENSOR,
  RETRAIN_WEBHOOK_ENDPOINT,
  RETRAIN_WEBHOOK_PORT,
  RetrainTarget,
  eventSourceServiceName,
  retrainAlertmanagerConfig,
  retrainDataFilters,
  retrainTrigger,
} from '../core/retrain-events';
import { standardLabels } from './private/labels';
import { RESTRICTED_CONTAINER, RESTRICTED_POD } from './private/security';
import { validateProps } from './private/validate';
import { alertmanagerEventSourceSchema } from '../core/schemas/retrain-events';

const k8s = kplus.k8s;

/** Name of the EventBus: `default`, the one an EventSource or Sensor without `eventBusName` uses. */
const EVENT_BUS_NAME = 'default';

/** Resources of the webhook EventSource and the Sensors (one HTTP handler, one API call per alert). */
const SMALL_RESOURCES = {
  requests: { 'cpu': k8s.Quantity.fromString('50m'), 'memory': k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString(LOGS_ONLY_DISK.request) },
  limits: { 'cpu': k8s.Quantity.fromString('200m'), 'memory': k8s.Quantity.fromString('128Mi'), 'ephemeral-storage': k8s.Quantity.fromString(LOGS_ONLY_DISK.limit) },
};
/** Resources of each JetStream server of the EventBus. */
const BUS_RESOURCES = {
  requests: { 'cpu': k8s.Quantity.fromString('100m'), 'memory': k8s.Quantity.fromString('256Mi'), 'ephemeral-storage': k8s.Quantity.fromString(LOGS_ONLY_DISK.request) },
  limits: { 'cpu': k8s.Quantity.fromString('1'), 'memory': k8s.Quantity.fromString('1Gi'), 'ephemeral-storage': k8s.Quantity.fromString('2Gi') },
};
/** Resources of the EventBus' config reloader and metrics exporter. */
const BUS_SIDECAR_RESOURCES = {
  requests: { 'cpu': k8s.Quantity.fromString('10m'), 'memory': k8s.Quantity.fromString('32Mi'), 'ephemeral-storage': k8s.Quantity.fromString(LOGS_ONLY_DISK.request) },
  limits: { 'cpu': k8s.Quantity.fromString('100m'), 'memory': k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString(LOGS_ONLY_DISK.limit) },
};

/** A container of an Argo Events pod: restricted, with explicit resources. */
function container(resources: typeof SMALL_RESOURCES): Record<string, unknown> {
  return {
    resources: k8s.toJson_ResourceRequirements(resources),
    securityContext: k8s.toJson_SecurityContext(RESTRICTED_CONTAINER),
  };
}

/** Properties of an `AlertmanagerEventSource`. */
export interface AlertmanagerEventSourceProps {
  /**
   * Name of the EventSource (its Service is `<name>-eventsource-svc`).
   * @default 'alertmanager'
   */
  readonly name?: string;
  /**
   * Namespace of the EventBus, the EventSource and the Sensors.
   * @default 'argo-events'
   */
  readonly namespace?: string;
  /**
   * Create the namespace (restricted Pod Security Standard).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Namespace of Alertmanager: the only one the NetworkPolicy lets reach the webhook.
   * @default 'monitoring'
   */
  readonly alertmanagerNamespace?: string;
  /**
   * JetStream servers of the EventBus: 1, or 3 and more (Argo Events refuses 2).
   * @default 3
   */
  readonly eventBusReplicas?: number;
}

/**
 * Where Alertmanager sends the sustained-drift alerts on Kubernetes, so that they start retraining
 * (the `onSustainedDrift` of AWS's EventBridge rule): an Argo Events EventBus (JetStream), a webhook
 * EventSource with its Service (`webhookUrl`), a NetworkPolicy admitting only Alertmanager's
 * namespace to it and, from the first `DriftMonitor.onSustainedDrift(id, { eventSource, dataVersion })`,
 * one Sensor that submits the WorkflowTemplate a firing sustained-drift group names, if that
 * (namespace, template) pair was routed here; each model's Role lets it create Workflows in that
 * model's namespace. `alertmanagerConfig()` renders the receiver and route that send the alerts
 * here. Needs the Argo Events controller (v1.9) in the cluster.
 */
export class AlertmanagerEventSource extends Construct {
  /** Name of the EventSource. */
  public readonly name: string;
  /** Namespace of the EventBus, the EventSource and the Sensors. */
  public readonly namespace: string;
  /** Name of the EventBus the EventSource publishes to and the Sensors read. */
  public readonly eventBusName: string;
  /** Name of the webhook's event (the Sensors' `eventName`). */
  public readonly eventName: string;
  /** The URL Alertmanager posts to: `http://<name>-eventsource-svc.<namespace>.svc:12000/alertmanager`. */
  public readonly webhookUrl: string;
  /**
   * The namespace, restricted by Pod Security admission.
   * @default - none when `createNamespace` is false
   */
  public readonly namespaceObject?: ApiObject;
  /** The Argo Events EventBus (JetStream). */
  public readonly eventBus: ApiObject;
  /** The webhook EventSource (also `node.defaultChild`). */
  public readonly eventSource: ApiObject;
  /** The main object, the EventSource. */
  public readonly defaultChild: ApiObject;
  /** Admits only Alertmanager's namespace to the webhook. */
  public readonly networkPolicy: ApiObject;
  /** Name of the retrain Sensor's ServiceAccount (the subject of each model's RoleBinding). */
  public readonly sensorServiceAccountName: string;
  private readonly labels: Record<string, string>;
  /** The (namespace, template) pairs the Sensor submits, one per `onSustainedDrift`. */
  private readonly targets: RetrainTarget[] = [];
  private readonly retrains = new Map<string, RetrainOnDrift>();
  private _sensor?: ApiObject;
  private _sensorServiceAccount?: ApiObject;

  constructor(scope: Construct, id: string, props: AlertmanagerEventSourceProps = {}) {
    super(scope, id);
    validateProps(this, alertmanagerEventSourceSchema, props);
    this.name = props.name ?? 'alertmanager';
    this.namespace = props.namespace ?? 'argo-events';
    this.eventBusName = EVENT_BUS_NAME;
    this.eventName = RETRAIN_EVENT_NAME;
    this.webhookUrl = `http://${eventSourceServiceName(this.name)}.${this.namespace}.svc:${RETRAIN_WEBHOOK_PORT}${RETRAIN_WEBHOOK_ENDPOINT}`;
    this.labels = standardLabels('drift-events', this.name, 'retrain-events');
    this.sensorServiceAccountName = RETRAIN_SENSOR;
    if (props.createNamespace ?? true) {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: this.namespace,
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' },
        },
      });
    }
    this.eventBus = this.createEventBus(props.eventBusReplicas ?? 3);
    this.eventSource = this.createEventSource();
    this.defaultChild = this.eventSource;
    this.node.defaultChild = this.eventSource;
    this.networkPolicy = this.createNetworkPolicy(props.alertmanagerNamespace ?? 'monitoring');
  }

  /**
   * A complete Alertmanager configuration (YAML) with the receiver posting to `webhookUrl` and the
   * route sending it every sustained-drift alert that names a WorkflowTemplate (grouped by model,
   * no resolved notifications, at most one notification per group every 120 hours, then on to the
   * next routes). Merge its receiver `argo-events-retrain` and its first route into the cluster's
   * configuration, as the first of the routes.
   * @param defaultReceiver name of the top-level route's receiver in the rendered file
   */
  public alertmanagerConfig(defaultReceiver: string = 'default'): string {
    return Yaml.stringify(retrainAlertmanagerConfig(this.webhookUrl, defaultReceiver));
  }

  /**
   * The one retrain Sensor: it submits the WorkflowTemplate a firing sustained-drift group names, if
   * a `DriftMonitor.onSustainedDrift` routed that (namespace, template) pair here.
   * @default - none until the first `onSustainedDrift`
   */
  public get sensor(): ApiObject | undefined {
    return this._sensor;
  }

  /**
   * The ServiceAccount the Sensor runs as; each model's RoleBinding lets it create Workflows in the model's namespace.
   * @default - none until the first `onSustainedDrift`
   */
  public get sensorServiceAccount(): ApiObject | undefined {
    return this._sensorServiceAccount;
  }

  /**
   * Let the Sensor submit `template` in `namespace` (called by `DriftMonitor.onSustainedDrift`).
   * @internal
   */
  public _addRetrainTarget(target: RetrainTarget): void {
    this.targets.push({ template: target.template, namespace: target.namespace });
    if (!this._sensor) {
      [this._sensorServiceAccount, this._sensor] = this.createSensor();
    }
  }

  /**
   * The RetrainOnDrift already made for `template` in `namespace`: a second DriftMonitor of the same
   * template (a model's batch inputs beside its served traffic) shares it (one Role, one filter value).
   * @internal
   */
  public _retrainOnDrift(namespace: string, template: string, make: () => RetrainOnDrift): RetrainOnDrift {
    const key = `${namespace}/${template}`;
    if (!this.retrains.has(key)) this.retrains.set(key, make());
    return this.retrains.get(key)!;
  }

  /** One Sensor for every model: the chart grows by a filter value a model, not by a Sensor (see `retrainDataFilters`). */
  private createSensor(): [ApiObject, ApiObject] {
    const labels = standardLabels('drift-events', RETRAIN_SENSOR, 'retrain-sensor');
    const serviceAccount = new k8s.KubeServiceAccount(this, 'SensorServiceAccount', {
      metadata: { name: this.sensorServiceAccountName, namespace: this.namespace, labels },
    });
    const sensor = new ApiObject(this, 'Sensor', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Sensor',
      metadata: { name: RETRAIN_SENSOR, namespace: this.namespace, labels },
      spec: {
        eventBusName: this.eventBusName,
        replicas: 1,
        template: {
          serviceAccountName: this.sensorServiceAccountName,
          securityContext: k8s.toJson_PodSecurityContext(RESTRICTED_POD),
          container: container(SMALL_RESOURCES),
        },
        dependencies: [
          {
            name: RETRAIN_DEPENDENCY,
            eventSourceName: this.name,
            eventName: this.eventName,
            // At synth: the pairs of every onSustainedDrift.
            filters: { data: Lazy.any({ produce: () => retrainDataFilters(this.targets) }) },
          },
        ],
        // The runs it starts are labelled as the CronWorkflows label theirs, by component.
        triggers: [retrainTrigger({ 'app.kubernetes.io/component': 'training-pipeline', 'app.kubernetes.io/part-of': 'cdk-mlops', 'cdk-mlops/started-by': 'sustained-drift' })],
      },
    });
    return [serviceAccount, sensor];
  }

  private metadata(name: string) {
    return { name, namespace: this.namespace, labels: this.labels };
  }

  private createEventBus(replicas: number): ApiObject {
    return new ApiObject(this, 'EventBus', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventBus',
      metadata: this.metadata(this.eventBusName),
      spec: {
        jetstream: {
          version: EVENT_BUS_JETSTREAM_VERSION,
          replicas,
          securityContext: k8s.toJson_PodSecurityContext(RESTRICTED_POD),
          containerTemplate: container(BUS_RESOURCES),
          reloaderContainerTemplate: container(BUS_SIDECAR_RESOURCES),
          metricsContainerTemplate: container(BUS_SIDECAR_RESOURCES),
        },
      },
    });
  }

  private createEventSource(): ApiObject {
    const port = String(RETRAIN_WEBHOOK_PORT);
    return new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventSource',
      metadata: this.metadata(this.name),
      spec: {
        eventBusName: this.eventBusName,
        replicas: 1,
        template: { securityContext: k8s.toJson_PodSecurityContext(RESTRICTED_POD), container: container(SMALL_RESOURCES) },
        // The controller creates the Service <name>-eventsource-svc from this.
        service: { ports: [{ name: 'webhook', port: RETRAIN_WEBHOOK_PORT, targetPort: RETRAIN_WEBHOOK_PORT }] },
        webhook: {
          [this.eventName]: { endpoint: RETRAIN_WEBHOOK_ENDPOINT, method: 'POST', port, url: this.webhookUrl.replace(/\/alertmanager$/, '') },
        },
      },
    });
  }

  private createNetworkPolicy(alertmanagerNamespace: string): ApiObject {
    return new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.metadata(`${this.name}-webhook`),
      spec: {
        // The pods the controller runs for this EventSource (label from pkg/reconciler/eventsource).
        podSelector: { matchLabels: { [EVENT_SOURCE_POD_LABEL]: this.name } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': alertmanagerNamespace } } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(RETRAIN_WEBHOOK_PORT) }],
          },
        ],
      },
    });
  }
}

/** Options of `DriftMonitor.onSustainedDrift`. */
export interface SustainedDriftOptions {
  /** Where Alertmanager sends the alerts: its one Sensor takes this monitor's template. */
  readonly eventSource: AlertmanagerEventSource;
  /**
   * Data version of the runs it starts: each records `<dataVersion>@<time the alert started>` as
   * its `data-version` parameter (as a rule-started run on AWS records `<DataVersion>@<event time>`).
   */
  readonly dataVersion: string;
}

/** What a `RetrainOnDrift` needs of the monitor. */
export interface RetrainOnDriftProps {
  /** Where Alertmanager sends the alerts (its Sensor submits the template). */
  readonly eventSource: AlertmanagerEventSource;
  /** The WorkflowTemplate's name. */
  readonly templateName: string;
  /** The WorkflowTemplate's namespace. */
  readonly templateNamespace: string;
}

/**
 * Sustained drift of one model → one run of its training WorkflowTemplate: the event source's
 * Sensor is told to take this (namespace, template) pair, and a Role and RoleBinding in the
 * template's namespace let the Sensor's ServiceAccount create Workflows there, nothing else. Made
 * by `DriftMonitor.onSustainedDrift`, which also labels the alert with the run's data version.
 */
export class RetrainOnDrift extends Construct {
  /** The Sensor that submits the template (the event source's one retrain Sensor). */
  public readonly sensor: ApiObject;
  /** The Role allowing `create` on `workflows` in the template's namespace. */
  public readonly role: ApiObject;
  /** Binds `role` to the Sensor's ServiceAccount. */
  public readonly roleBinding: ApiObject;

  constructor(scope: Construct, id: string, props: RetrainOnDriftProps) {
    super(scope, id);
    const source = props.eventSource;
    source._addRetrainTarget({ template: props.templateName, namespace: props.templateNamespace });
    this.sensor = source.sensor!;
    const labels = standardLabels('drift-events', props.templateName, 'retrain-rbac');
    const roleName = `${props.templateName.slice(0, 56)}-retrain`;
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: { name: roleName, namespace: props.templateNamespace, labels },
      rules: [{ apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['create'] }],
    });
    this.roleBinding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: roleName, namespace: props.templateNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: source.sensorServiceAccountName, namespace: source.namespace }],
    });
  }
}
