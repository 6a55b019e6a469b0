import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources } from './compute-resources';
import { GpuNodePool, GPU_POOL_LABEL } from './gpu-node-pool';
import {
  AlarmOwnership,
  ResolvedTrigger,
  RollbackTrigger,
  RollbackTriggerKind,
  ThresholdComparison,
  resolveTrigger,
} from '../core/rollback';
import { DEFAULT_ROLLOUT, RolloutPolicy, RolloutType, expandSteps } from '../core/rollout';
import { gpuResources } from './private/gpu-pod';
import { selectorLabels, standardLabels } from './private/labels';
import { serverNetworkPolicy } from './private/network-policy';
import { RESTRICTED_CONTAINER, RESTRICTED_POD } from './private/security';
import { validateProps } from './private/validate';
import { DEFAULT_SERVING_REPLICAS, GPU_MEMORY_ALARM_PERCENT } from '../core/policy';
import { k8sGpuServingSchema } from '../core/schemas/k8s-serving';

const k8s = kplus.k8s;

/** How the endpoint is rendered. */
export enum ServingRenderer {
  /** An Argo Rollouts `Rollout` with canary steps and a Prometheus `AnalysisTemplate`. */
  ARGO_ROLLOUT = 'ARGO_ROLLOUT',
  /** A KServe `InferenceService` (one canary percentage, promoted by hand). */
  KSERVE = 'KSERVE',
}

/** KServe deployment modes. */
export enum KServeDeploymentMode {
  /** Knative-based: supports `canaryTrafficPercent`. */
  SERVERLESS = 'Serverless',
  /** Plain Deployments: ignores `canaryTrafficPercent` before KServe 0.20. */
  RAW_DEPLOYMENT = 'RawDeployment',
}

/** Names of the serving metrics in Prometheus. */
export interface PrometheusServingMetrics {
  /**
   * Counter of requests, with a status-code label.
   * @default 'http_requests_total'
   */
  readonly requestsTotal?: string;
  /**
   * Label matcher selecting server errors.
   * @default 'code=~"5.."'
   */
  readonly errorMatcher?: string;
  /**
   * Latency histogram, without `_bucket`.
   * @default 'http_request_duration_seconds'
   */
  readonly latencyHistogram?: string;
  /**
   * Whether the histogram is in seconds (else milliseconds).
   * @default true
   */
  readonly latencyUnitSeconds?: boolean;
  /**
   * Label matchers selecting this endpoint's series. In the analysis, `{{args.canary-hash}}` is the
   * canary's pod template hash; in the alerts it stands for any hash.
   * @default 'namespace="<namespace>",pod=~"<name>-{{args.canary-hash}}-.*"' (the canary's pods only)
   */
  readonly selector?: string;
}

/** Properties of a Kubernetes `GpuServingEndpoint`. */
export interface GpuServingEndpointProps {
  /** Model server image, pinned by digest. */
  readonly image: string;
  /** The GPU node pool the replicas run on (tolerations, node affinity and GPU resource come from it). */
  readonly nodePool: GpuNodePool;
  /** CPU and memory of each replica, always explicit. */
  readonly resources: ComputeResources;
  /** Who owns the alerts and where the runbook is. */
  readonly alarmOwnership: AlarmOwnership;
  /**
   * Accept an image without a digest.
   * @default false
   */
  readonly allowMutableImageTag?: boolean;
  /**
   * Name of the endpoint's objects.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Namespace.
   * @default 'serving'
   */
  readonly namespace?: string;
  /**
   * Create the namespace (restricted Pod Security Standard).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Port of the model server.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Container command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Container arguments.
   * @default - the image's command
   */
  readonly args?: string[];
  /**
   * Environment variables.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Readiness path.
   * @default '/v2/health/ready' (Open Inference Protocol)
   */
  readonly readinessPath?: string;
  /**
   * Liveness path.
   * @default '/v2/health/live'
   */
  readonly livenessPath?: string;
  /**
   * GPUs (or GPU shares) per replica.
   * @default 1
   */
  readonly gpusPerReplica?: number;
  /**
   * Size of the model weights, GiB: the startup probe allows a minute per GiB plus two minutes.
   * @default - five minutes
   */
  readonly modelSizeGiB?: number;
  /**
   * Replicas (the minimum when autoscaling).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Most replicas; an HPA is created when larger than `replicas`.
   * @default - no autoscaling
   */
  readonly maxReplicas?: number;
  /**
   * CPU utilization target of the HPA, percent of the request.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * How a new version takes traffic.
   * @default RolloutPolicy.canary({ percent: 10, bakeMinutes: 10 })
   */
  readonly rollout?: RolloutPolicy;
  /**
   * What aborts the rollout and raises an alert.
   * @default [RollbackTrigger.errorRate()]
   */
  readonly rollbackTriggers?: RollbackTrigger[];
  /**
   * Below this many requests per second the analysis is inconclusive (the rollout pauses) rather
   * than judged on too little traffic.
   * @default 0.5
   */
  readonly minRequestsPerSecond?: number;
  /**
   * Prometheus address for the analysis.
   * @default 'http://prometheus-operated.monitoring.svc.cluster.local:9090'
   */
  readonly prometheusAddress?: string;
  /**
   * Serving metric names.
   * @default - see `PrometheusServingMetrics`
   */
  readonly metrics?: PrometheusServingMetrics;
  /**
   * Labels on the PrometheusRule so that Prometheus' `ruleSelector` picks it up (e.g. `release: kube-prometheus-stack`).
   * @default - none
   */
  readonly prometheusRuleLabels?: Record<string, string>;
  /**
   * Renderer.
   * @default ServingRenderer.ARGO_ROLLOUT
   */
  readonly renderer?: ServingRenderer;
  /**
   * KServe deployment mode (KSERVE renderer).
   * @default KServeDeploymentMode.SERVERLESS
   */
  readonly kserveDeploymentMode?: KServeDeploymentMode;
  /**
   * Namespaces allowed to call the endpoint, besides its own.
   * @default - only its own namespace
   */
  readonly allowedClientNamespaces?: string[];
  /**
   * Namespace of Prometheus, allowed to scrape the server (the analysis and alerts need its metrics).
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
  /**
   * IAM role of the server's service account (IRSA), e.g. to read the model weights from S3. The
   * EKS webhook projects its token; the Kubernetes API token stays unmounted.
   * @default - no role annotation
   */
  readonly serviceAccountRoleArn?: string;
}


/**
 * GPU model serving on Kubernetes with a safe rollout: an Argo Rollout whose canary steps come
 * from the rollout policy and whose background analysis aborts on the rollback triggers (guarded
 * against empty Prometheus results), or a KServe InferenceService; plus Service, HPA, PDB,
 * NetworkPolicy and a PrometheusRule with owned alerts (error rate, p99, GPU memory, XID errors,
 * restarts, OOMKilled).
 */
export class GpuServingEndpoint extends Construct {
  /** Name of the endpoint's objects. */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** Warnings about this endpoint. */
  public readonly warnings: string[] = [];
  /**
   * Names of the PrometheusRule alerts of the rollback triggers, in their order. With the
   * ARGO_ROLLOUT renderer the same conditions, measured on the canary, abort a rollout.
   */
  public readonly triggerAlertNames: string[] = [];

  constructor(scope: Construct, id: string, props: GpuServingEndpointProps) {
    super(scope, id);
    const rollout = props.rollout ?? DEFAULT_ROLLOUT;
    const triggers = props.rollbackTriggers ?? [RollbackTrigger.errorRate()];
    validateProps(this, k8sGpuServingSchema, {
      ...props,
      nodePool: undefined,
      rollout: rollout._spec,
      rollbackTriggers: triggers.map((t) => t._spec),
      sharingMode: props.nodePool?.sharing?.mode ?? 'EXCLUSIVE',
    });

    this.name = props.name ?? id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    this.namespace = props.namespace ?? 'serving';
    const ns = this.namespace;
    const port = props.port ?? 8080;
    const replicas = props.replicas ?? DEFAULT_SERVING_REPLICAS;
    const labels = standardLabels(this.name, this.name, 'model-server');
    const selector = selectorLabels(this.name, this.name);
    const renderer = props.renderer ?? ServingRenderer.ARGO_ROLLOUT;
    const resolved = triggers.map((t) => resolveTrigger(t, props.alarmOwnership));
    const meta = (name = this.name) => ({ name, namespace: ns, labels });

    if (props.createNamespace ?? true) {
      new kplus.k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: ns,
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' },
        },
      });
    }

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta(), annotations: props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } : undefined },
      automountServiceAccountToken: false,
    });

    const container = this.container(props, port);
    const pod: kplus.k8s.PodSpec = {
      serviceAccountName: this.name,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD,
      containers: [container],
      volumes: [{ name: 'tmp', emptyDir: {} }],
      tolerations: [{ key: props.nodePool.taintKey, operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_POOL_LABEL, operator: 'In', values: [props.nodePool.name] }] }],
          },
        },
      },
      // A model server drains in-flight requests before it stops.
      terminationGracePeriodSeconds: 60,
    };

    if (renderer === ServingRenderer.ARGO_ROLLOUT) {
      this.renderRollout(props, rollout, resolved, pod, { labels, selector, replicas, port });
    } else {
      this.renderKServe(props, rollout, pod, { labels, selector, replicas });
    }

    if (replicas >= 2) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: meta(),
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }

    // Model weights come from object storage over HTTPS.
    serverNetworkPolicy(this, 'NetworkPolicy', { metadata: meta(), podLabels: selector, port, clientNamespaces: this.clientNamespaces(props), egressPorts: [443] });

    this.renderAlerts(props, resolved);
    this.warnings.forEach((w) => this.node.addMetadata('cdk-mlops:warning', w));
  }

  /** Typed container: explicit resources plus the pool's GPU resource, probes sized for model load. */
  private container(props: GpuServingEndpointProps, port: number): kplus.k8s.Container {
    const startupSeconds = 120 + 60 * (props.modelSizeGiB ?? 3);
    const probe = (path: string, failureThreshold: number): kplus.k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromNumber(port), scheme: 'HTTP' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold,
    });
    return {
      name: 'server',
      image: props.image,
      imagePullPolicy: 'Always',
      command: props.command,
      args: props.args,
      env: Object.entries({ HOME: '/tmp', ...(props.env ?? {}) }).map(([name, value]) => ({ name, value })),
      ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
      resources: gpuResources(props.resources, props.nodePool.resourceName, props.gpusPerReplica ?? 1),
      securityContext: RESTRICTED_CONTAINER,
      startupProbe: probe(props.readinessPath ?? '/v2/health/ready', Math.ceil(startupSeconds / 10)),
      readinessProbe: probe(props.readinessPath ?? '/v2/health/ready', 3),
      livenessProbe: probe(props.livenessPath ?? '/v2/health/live', 6),
      // A CUDA out-of-memory crash leaves its last log lines as the termination message.
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    };
  }

  private renderRollout(
    props: GpuServingEndpointProps,
    rollout: RolloutPolicy,
    triggers: ResolvedTrigger[],
    pod: kplus.k8s.PodSpec,
    o: { labels: Record<string, string>; selector: Record<string, string>; replicas: number; port: number },
  ): void {
    const ns = this.namespace;
    const analysisName = `${this.name}-rollback`;
    const steps = expandSteps(rollout._spec);
    const argoSteps: Array<Record<string, unknown>> = [];
    for (const step of steps.slice(0, -1)) {
      argoSteps.push({ setWeight: step.percent });
      if (step.bakeMinutes > 0) {
        argoSteps.push({ pause: { duration: `${Math.round(step.bakeMinutes * 60)}s` } });
      }
    }
    if (rollout.type === RolloutType.ALL_AT_ONCE && steps[0].bakeMinutes > 0) {
      argoSteps.push({ setWeight: 100 }, { pause: { duration: `${Math.round(steps[0].bakeMinutes * 60)}s` } });
    }
    const smallest = Math.min(...steps.map((s) => s.percent));
    if (o.replicas * smallest < 100) {
      this.warnings.push(
        `${this.name}: without a traffic router Argo approximates setWeight ${smallest}% by replicas; with ${o.replicas} replicas the first step sends ${Math.round(100 / o.replicas)}% of traffic to the canary.`,
      );
    }

    new ApiObject(this, 'Rollout', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: this.name, namespace: ns, labels: o.labels },
      spec: {
        replicas: o.replicas,
        revisionHistoryLimit: 3,
        selector: { matchLabels: o.selector },
        // Give GPU replicas time to pull the image and load the model before declaring failure.
        progressDeadlineSeconds: 600 + 60 * Math.ceil(props.modelSizeGiB ?? 3),
        progressDeadlineAbort: true,
        template: k8s.toJson_PodTemplateSpec({ metadata: { labels: o.labels }, spec: pod }),
        strategy: {
          canary: {
            maxSurge: 1,
            maxUnavailable: 0,
            steps: argoSteps,
            analysis: {
              templates: [{ templateName: analysisName }],
              startingStep: 1,
              args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
            },
          },
        },
      },
    });

    const interval = (t: ResolvedTrigger) => `${t.periodSeconds}s`;
    const window = (t: ResolvedTrigger) => `${2 * t.periodSeconds}s`;
    const prometheus = { address: props.prometheusAddress ?? 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };
    const minRps = props.minRequestsPerSecond ?? 0.5;
    const first = triggers[0];
    new ApiObject(this, 'AnalysisTemplate', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: analysisName, namespace: ns, labels: o.labels },
      spec: {
        args: [{ name: 'canary-hash' }],
        metrics: [
          // With too little traffic nothing can be judged: inconclusive pauses the rollout.
          {
            name: 'enough-traffic',
            interval: interval(first),
            successCondition: `len(result) > 0 && result[0] >= ${minRps}`,
            failureCondition: 'false',
            inconclusiveLimit: 0,
            provider: { prometheus: { ...prometheus, query: this.requestRateQuery(props, window(first)) } },
          },
          ...triggers.map((t) => ({
            name: t.name,
            interval: interval(t),
            failureLimit: t.datapointsToAlarm - 1,
            // Guarded: an empty result (or NaN from 0/0) is neither success nor failure, so it is
            // inconclusive, never an index error that aborts (argo-rollouts #1466).
            successCondition: `len(result) > 0 && result[0] ${t.comparison === ThresholdComparison.LESS_THAN ? '>=' : '<='} ${t.threshold}`,
            failureCondition: `len(result) > 0 && result[0] ${t.comparison === ThresholdComparison.LESS_THAN ? '<' : '>'} ${t.threshold}`,
            provider: { prometheus: { ...prometheus, query: this.triggerQuery(props, t, window(t)) } },
          })),
        ],
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: ns, labels: o.labels },
      spec: { type: 'ClusterIP', selector: o.selector, ports: [{ name: 'http', port: o.port, targetPort: k8s.IntOrString.fromNumber(o.port), protocol: 'TCP' }] },
    });

    if (props.maxReplicas !== undefined && props.maxReplicas > o.replicas) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: this.name, namespace: ns, labels: o.labels },
        spec: {
          scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: this.name },
          minReplicas: o.replicas,
          maxReplicas: props.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.targetCpuUtilizationPercent ?? 70 } } }],
          // Scale in slowly: a GPU replica is expensive to bring back.
          behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] } },
        },
      });
    }
  }

  private renderKServe(
    props: GpuServingEndpointProps,
    rollout: RolloutPolicy,
    pod: kplus.k8s.PodSpec,
    o: { labels: Record<string, string>; selector: Record<string, string>; replicas: number },
  ): void {
    const container = { ...k8s.toJson_Container(pod.containers[0])!, name: 'kserve-container' };
    const podJson = k8s.toJson_PodSpec(pod)!;
    new ApiObject(this, 'InferenceService', {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: o.labels,
        annotations: { 'serving.kserve.io/deploymentMode': props.kserveDeploymentMode ?? KServeDeploymentMode.SERVERLESS },
      },
      spec: {
        predictor: {
          labels: o.labels,
          minReplicas: o.replicas,
          maxReplicas: props.maxReplicas ?? o.replicas,
          canaryTrafficPercent: rollout.type === RolloutType.CANARY ? rollout.steps[0].percent : undefined,
          serviceAccountName: podJson.serviceAccountName,
          automountServiceAccountToken: false,
          securityContext: podJson.securityContext,
          tolerations: podJson.tolerations,
          affinity: podJson.affinity,
          volumes: podJson.volumes,
          terminationGracePeriodSeconds: podJson.terminationGracePeriodSeconds,
          containers: [container],
        },
      },
    });
  }

  private renderAlerts(props: GpuServingEndpointProps, triggers: ResolvedTrigger[]): void {
    const sel = `namespace="${this.namespace}",pod=~"${this.name}-.*"`;
    const owner = props.alarmOwnership;
    const alert = (name: string, expr: string, forSeconds: number, severity: string, summary: string, o: { owner: string; runbookUrl: string }) => ({
      alert: name,
      expr,
      for: `${forSeconds}s`,
      labels: { severity, owner: o.owner, endpoint: this.name },
      annotations: { summary, description: `${summary} (endpoint ${this.namespace}/${this.name})`, runbook_url: o.runbookUrl, owner: o.owner },
    });
    const camel = (s: string) => s.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    const base = camel(this.name);
    this.triggerAlertNames.push(...triggers.map((t) => `${base}${camel(t.name)}`));
    const rules = [
      ...triggers.map((t, i) =>
        alert(
          this.triggerAlertNames[i],
          `(${this.triggerQuery(props, t, `${2 * t.periodSeconds}s`).replaceAll('{{args.canary-hash}}', '.*')}) ${t.comparison === ThresholdComparison.LESS_THAN ? '<' : '>'} ${t.threshold}`,
          t.datapointsToAlarm * t.periodSeconds,
          'critical',
          `${t.name} ${t.comparison === ThresholdComparison.LESS_THAN ? 'below' : 'above'} ${t.threshold}${t.kind === RollbackTriggerKind.ERROR_RATE ? '%' : t.kind === RollbackTriggerKind.P99_LATENCY ? ' ms' : ''}`,
          t,
        ),
      ),
      alert(
        `${base}GpuMemoryHigh`,
        `max by (pod) (DCGM_FI_DEV_FB_USED{${sel}} / (DCGM_FI_DEV_FB_USED{${sel}} + DCGM_FI_DEV_FB_FREE{${sel}})) > ${GPU_MEMORY_ALARM_PERCENT / 100}`,
        300,
        'warning',
        `GPU memory above ${GPU_MEMORY_ALARM_PERCENT}% (out-of-memory risk)`,
        owner,
      ),
      alert(`${base}GpuXidErrors`, `max by (pod) (DCGM_FI_DEV_XID_ERRORS{${sel}}) > 0`, 0, 'critical', 'GPU reported an XID error (driver or hardware fault)', owner),
      alert(
        `${base}Restarting`,
        `increase(kube_pod_container_status_restarts_total{${sel}}[15m]) > 2`,
        0,
        'warning',
        'Model server restarted more than twice in 15 minutes',
        owner,
      ),
      alert(
        `${base}OomKilled`,
        `max by (pod) (kube_pod_container_status_last_terminated_reason{${sel},reason="OOMKilled"}) > 0`,
        0,
        'warning',
        'Model server was OOMKilled (its termination message holds the last log lines)',
        owner,
      ),
    ];
    new ApiObject(this, 'Alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: this.name, namespace: this.namespace, labels: { ...standardLabels(this.name, this.name, 'model-server'), ...(props.prometheusRuleLabels ?? {}) } },
      spec: { groups: [{ name: `${this.name}.rules`, rules }] },
    });
  }

  /**
   * Series of this endpoint. In the analysis, `{{args.canary-hash}}` is the canary's pod template
   * hash (Rollout pods are named `<rollout>-<hash>-<suffix>`), so only the canary is judged; the
   * alerts replace it with `.*` to watch the whole fleet.
   */
  /** Namespaces admitted besides the endpoint's own: clients, Prometheus, and Knative for KServe Serverless. */
  private clientNamespaces(props: GpuServingEndpointProps): string[] {
    const knative =
      props.renderer === ServingRenderer.KSERVE && (props.kserveDeploymentMode ?? KServeDeploymentMode.SERVERLESS) === KServeDeploymentMode.SERVERLESS
        ? ['knative-serving']
        : [];
    return [...new Set([...(props.allowedClientNamespaces ?? []), props.monitoringNamespace ?? 'monitoring', ...knative])];
  }

  private selector(props: GpuServingEndpointProps): string {
    return props.metrics?.selector ?? `namespace="${this.namespace}",pod=~"${this.name}-{{args.canary-hash}}-.*"`;
  }

  private requestRateQuery(props: GpuServingEndpointProps, window: string): string {
    const requests = props.metrics?.requestsTotal ?? 'http_requests_total';
    return `sum(rate(${requests}{${this.selector(props)}}[${window}]))`;
  }

  private triggerQuery(props: GpuServingEndpointProps, t: ResolvedTrigger, window: string): string {
    const m = props.metrics ?? {};
    const sel = this.selector(props);
    const requests = m.requestsTotal ?? 'http_requests_total';
    switch (t.kind) {
      case RollbackTriggerKind.ERROR_RATE:
        // No 5xx series at all means no errors, not no data: `or vector(0)` keeps the ratio defined
        // while the denominator (no traffic) still yields an empty, inconclusive result.
        return `100 * (sum(rate(${requests}{${sel},${m.errorMatcher ?? 'code=~"5.."'}}[${window}])) or vector(0)) / sum(rate(${requests}{${sel}}[${window}]))`;
      case RollbackTriggerKind.P99_LATENCY: {
        const scale = (m.latencyUnitSeconds ?? true) ? '1000 * ' : '';
        return `${scale}histogram_quantile(0.99, sum by (le) (rate(${m.latencyHistogram ?? 'http_request_duration_seconds'}_bucket{${sel}}[${window}])))`;
      }
      default:
        return t.prometheusQuery!;
    }
  }
}
