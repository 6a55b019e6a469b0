import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources } from './compute-resources';
import { GpuNodePool, GPU_POOL_LABEL } from './gpu-node-pool';
import { ServiceAccountRoleMode } from './service-account-role';
import { AlarmOwnership, ResolvedTrigger, RollbackTrigger, RollbackTriggerKind, resolveTrigger } from '../core/rollback';
import { DEFAULT_ROLLOUT, RolloutPolicy, RolloutType, expandSteps } from '../core/rollout';
import type { ExperimentTarget } from './private/experiment-target';
import { cpuMemoryResources, gpuResources } from './private/gpu-pod';
import { isKnativeMode, knativeIngressRules, kservePredictor } from './private/kserve';
import { selectorLabels, standardLabels } from './private/labels';
import { serverNetworkPolicy } from './private/network-policy';
import { DEFAULT_NGINX_NAMESPACE, basicCanaryPods, canaryRouting, canaryServiceName, stableIngress } from './private/rollout-traffic';
import { RESTRICTED_CONTAINER, RESTRICTED_POD } from './private/security';
import { roleAnnotations, roleEgress } from './private/service-account-role';
import { servingScaledObject } from './private/serving-autoscaling';
import { ServingPrometheus } from './private/serving-prometheus';
import { servingPodMonitor } from './private/serving-scrape';
import type { SloTarget } from './private/slo-rules';
import { DiskPlan, LOGS_ONLY_DISK, servingDisk } from '../core/ephemeral-storage';
import { DEFAULT_MODEL_SIZE_GIB } from '../core/gpu-fit';
import { DEFAULT_SERVING_REPLICAS, DOWNLOAD_SECONDS_PER_GIB, SCALE_IN_COOLDOWN_SECONDS } from '../core/policy';
import { ServingMetrics, ServingScaleMetric, DEFAULT_TARGET_GPU_UTILIZATION_PERCENT, metricsPort, resolveScaleMetric } from '../core/serving-metrics';
import { addStateValidation, validateProps } from './private/validate';
import { DEFAULT_KNATIVE_INGRESS_NAMESPACE } from '../core/knative';
import {
  DEFAULT_SERVER_PORT,
  k8sGpuServingSchema,
  k8sTriggerSchema,
  servingContainerSchema,
  servingEnvEntrySchema,
} from '../core/schemas/k8s-serving';
import { addWarning } from '../core/warnings';

const k8s = kplus.k8s;

/** How the endpoint is rendered. */
export enum ServingRenderer {
  /** An Argo Rollouts `Rollout` with canary steps and a Prometheus `AnalysisTemplate`. */
  ARGO_ROLLOUT = 'ARGO_ROLLOUT',
  /** A KServe `InferenceService` (one canary percentage, promoted by hand). */
  KSERVE = 'KSERVE',
}

/**
 * KServe deployment modes: the value of the `serving.kserve.io/deploymentMode` annotation. KServe
 * 0.16 renamed `Serverless` to `Knative` and `RawDeployment` to `Standard`; 0.16 to 0.20 still
 * accept the old names and rewrite them (kserve v0.20.0 pkg/constants/constants.go).
 */
export enum KServeDeploymentMode {
  /** Knative-based (KServe 0.16 and newer): supports `canaryTrafficPercent`. */
  KNATIVE = 'Knative',
  /** Plain Deployments (KServe 0.16 and newer): ignores `canaryTrafficPercent`. */
  STANDARD = 'Standard',
  /**
   * `KNATIVE` under its name up to KServe 0.15.
   * @deprecated KServe 0.16 and newer call it KNATIVE; use SERVERLESS only with KServe 0.15 or older.
   */
  SERVERLESS = 'Serverless',
  /**
   * `STANDARD` under its name up to KServe 0.15.
   * @deprecated KServe 0.16 and newer call it STANDARD; use RAW_DEPLOYMENT only with KServe 0.15 or older.
   */
  RAW_DEPLOYMENT = 'RawDeployment',
}

/**
 * What splits traffic between the stable and the canary version of an ARGO_ROLLOUT endpoint.
 */
export enum TrafficRouter {
  /**
   * No router: Argo approximates each `setWeight` by the canary's share of pods (with 4 replicas,
   * 5 % is one pod in five, 20 %); the construct warns with the real share.
   */
  NONE = 'NONE',
  /**
   * ingress-nginx splits exactly: the construct renders a stable Ingress and a canary Service, and
   * Argo creates the canary Ingress with NGINX's `canary-weight` annotation. Only traffic through
   * the Ingress is split: in-cluster clients calling the Service directly reach the stable version.
   */
  NGINX = 'NGINX',
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

/**
 * A container added to the model server's pods (`containers`, `addContainer`): a sidecar such as
 * a request logger or a metrics exporter. It gets the restricted security context, the writable
 * `/tmp` of the pod (`HOME=/tmp`), explicit resources, and probes on its port when it has one.
 */
export interface ServingContainerOptions {
  /** Container name, unique in the pod (`server` and `kserve-container` are the model server's). */
  readonly name: string;
  /** Image, pinned by digest. */
  readonly image: string;
  /** CPU and memory, always explicit. */
  readonly resources: ComputeResources;
  /**
   * Accept an image without a digest.
   * @default false
   */
  readonly allowMutableImageTag?: boolean;
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
   * Environment variables (besides `HOME=/tmp`).
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Port the container listens on, other than the model server's (e.g. a metrics exporter's). It
   * gets readiness and liveness probes on it, the NetworkPolicy admits it from the sources the model
   * server admits (its namespace and `allowedClientNamespaces`), and the Service (ARGO_ROLLOUT
   * renderer) exposes it as `port-<port>`.
   * @default - no port and no probes
   */
  readonly port?: number;
  /**
   * HTTP path of the readiness and liveness probes on `port`.
   * @default - a TCP check of `port`
   */
  readonly healthPath?: string;
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
   * Environment variables of the model server (besides `HOME=/tmp`); `addEnv` adds more.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Containers beside the model server in each pod; `addContainer` adds more.
   * @default - none
   */
  readonly containers?: ServingContainerOptions[];
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
   * What the autoscaler follows (with `maxReplicas` above `replicas`): GPU utilisation or requests
   * per second through a KEDA `ScaledObject` on Prometheus, or CPU through a plain HPA.
   * @default - CPU when `targetCpuUtilizationPercent` is set, REQUEST_RATE when `targetRequestsPerSecond` is, else GPU_UTILIZATION
   */
  readonly scaleMetric?: ServingScaleMetric;
  /**
   * GPU utilisation target of the autoscaler (GPU_UTILIZATION), percent per replica.
   * @default 70
   */
  readonly targetGpuUtilizationPercent?: number;
  /**
   * Requests per second one replica should serve (REQUEST_RATE); required with it.
   * @default - none (GPU utilisation is followed)
   */
  readonly targetRequestsPerSecond?: number;
  /**
   * CPU utilization target of the HPA (scaleMetric CPU), percent of the request. Setting it chooses CPU.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * How a new version takes traffic.
   * @default RolloutPolicy.canary({ percent: 10, bake: Duration.minutes(10) })
   */
  readonly rollout?: RolloutPolicy;
  /**
   * What splits traffic during a rollout (ARGO_ROLLOUT renderer). NGINX needs ingress-nginx
   * installed; its namespace (`ingressControllerNamespace`) is admitted by the NetworkPolicy.
   * @default TrafficRouter.NONE (weights approximated by replicas)
   */
  readonly trafficRouter?: TrafficRouter;
  /**
   * Host of the stable Ingress (NGINX router).
   * @default - every host
   */
  readonly ingressHost?: string;
  /**
   * `ingressClassName` of the stable Ingress (NGINX router).
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
  /**
   * Namespace of the ingress controller's pods, admitted by the NetworkPolicy (NGINX router).
   * @default 'ingress-nginx'
   */
  readonly ingressControllerNamespace?: string;
  /**
   * What aborts the rollout and raises an alert; `addRollbackTrigger` adds more.
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
   * What the model server exports: decides the port and path the PodMonitor scrapes (and the
   * NetworkPolicy opens to `monitoringNamespace`), and the metric names of the analysis, the alerts
   * and the autoscaler. TRITON: `nv_inference_*` on 8002; VLLM: `vllm:*` and `http_requests_total`
   * on `port`; GENERIC_HTTP: the names of `metrics` on `port`.
   * @default ServingMetrics.GENERIC_HTTP
   */
  readonly metricsPreset?: ServingMetrics;
  /**
   * Serving metric names of the GENERIC_HTTP preset (`selector` applies to every preset).
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
   * KServe deployment mode (KSERVE renderer). In Knative mode Knative Serving must allow the pod's
   * fields: see the README for its `config-features` flags.
   * @default KServeDeploymentMode.KNATIVE (KServe 0.16 or newer; SERVERLESS for older)
   */
  readonly kserveDeploymentMode?: KServeDeploymentMode;
  /**
   * Namespace of the ingress gateway in front of Knative (KSERVE renderer in Knative mode),
   * admitted with the activator to the queue-proxy's ports: `kourier-system` for Kourier
   * (`knative-serving` when the Knative Operator installed it).
   * @default 'istio-system' (KServe's default network layer, Istio)
   */
  readonly knativeIngressNamespace?: string;
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
   * EKS webhook projects its token; the Kubernetes API token stays unmounted. A pod never gets the
   * node's role (the pool's IMDS hop limit is 1): a server that reads S3 needs this, or
   * `serviceAccountRoleMode: POD_IDENTITY`.
   * @default - no role annotation
   */
  readonly serviceAccountRoleArn?: string;
  /**
   * How the server's pods get their IAM role: the IRSA annotation of `serviceAccountRoleArn`, or an
   * EKS Pod Identity association made outside the chart (then the NetworkPolicy admits the node's
   * Pod Identity agent, and `serviceAccountRoleArn` is not set).
   * @default ServiceAccountRoleMode.IRSA
   */
  readonly serviceAccountRoleMode?: ServiceAccountRoleMode;
}


/** Labels and sizes every object of one endpoint shares. */
interface EndpointShape {
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly replicas: number;
  readonly port: number;
}

/**
 * GPU model serving on Kubernetes with a safe rollout: an Argo Rollout whose canary steps come
 * from the rollout policy and whose background analysis aborts on the rollback triggers (guarded
 * against empty Prometheus results), or a KServe InferenceService; plus Service, HPA, PDB,
 * NetworkPolicy and a PrometheusRule with owned alerts (error rate, p99, GPU memory, XID errors,
 * restarts, OOMKilled).
 *
 * The pod template, the analysis and the alerts render at synthesis, so `addEnv`, `addContainer`
 * and `addRollbackTrigger` change them after construction.
 */
export class GpuServingEndpoint extends Construct {
  /** Name of the endpoint's objects. */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /**
   * The main object: the Argo `Rollout` (ARGO_ROLLOUT renderer) or the KServe
   * `InferenceService` (KSERVE renderer), for `addJsonPatch` where no prop or `addX` method fits.
   */
  public readonly defaultChild: ApiObject;
  /** The Argo `AnalysisTemplate` judging the canary on the rollback triggers (ARGO_ROLLOUT renderer only). */
  public readonly analysisTemplate?: ApiObject;
  /** The ClusterIP Service of the model server (ARGO_ROLLOUT renderer only: KServe creates its own); the stable Service with a traffic router. */
  public readonly service?: kplus.k8s.KubeService;
  /** The HorizontalPodAutoscaler on CPU (ARGO_ROLLOUT renderer, `maxReplicas` above `replicas`, scaleMetric CPU only). */
  public readonly autoscaler?: kplus.k8s.KubeHorizontalPodAutoscalerV2;
  /** The canary Service `<name>-canary` (ARGO_ROLLOUT renderer with a traffic router only). */
  public readonly canaryService?: kplus.k8s.KubeService;
  /** The stable Ingress whose traffic Argo splits (NGINX traffic router only). */
  public readonly ingress?: kplus.k8s.KubeIngress;
  /** The KEDA `ScaledObject` on GPU utilisation or request rate (ARGO_ROLLOUT renderer, `maxReplicas` above `replicas`, scaleMetric not CPU). */
  public readonly scaledObject?: ApiObject;
  /** The PodDisruptionBudget (with two replicas or more only). */
  public readonly disruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy admitting clients, Prometheus (and in KServe's Knative mode the activator, autoscaler and ingress gateway to the queue-proxy). */
  public readonly networkPolicy: kplus.k8s.KubeNetworkPolicy;
  /** The `PrometheusRule` with the endpoint's owned alerts. */
  public readonly prometheusRule: ApiObject;
  /** The prometheus-operator `PodMonitor` scraping the model server on the metrics preset's port and path. */
  public readonly podMonitor: ApiObject;
  /** The model server's ServiceAccount (no API token mounted). */
  public readonly serviceAccount: kplus.k8s.KubeServiceAccount;
  /** The Namespace, with the restricted Pod Security Standard (when `createNamespace` is true only). */
  public readonly namespaceObject?: kplus.k8s.KubeNamespace;

  private readonly props: GpuServingEndpointProps;
  private readonly rollout: RolloutPolicy;
  private readonly renderer: ServingRenderer;
  private readonly shape: EndpointShape;
  /** Rollback triggers: the props' (or the default), then `addRollbackTrigger`'s. */
  private readonly triggers: RollbackTrigger[];
  /** Environment variables the user set: `env`, then `addEnv`'s. */
  private readonly env: Record<string, string>;
  /** Containers beside the model server: `containers`, then `addContainer`'s. */
  private readonly sidecars: ServingContainerOptions[];
  /** The analysis and alert queries. */
  private readonly prometheus: ServingPrometheus;

  constructor(scope: Construct, id: string, props: GpuServingEndpointProps) {
    super(scope, id);
    this.props = props;
    this.rollout = props.rollout ?? DEFAULT_ROLLOUT;
    this.triggers = [...(props.rollbackTriggers ?? [RollbackTrigger.errorRate()])];
    this.env = { ...(props.env ?? {}) };
    this.sidecars = [...(props.containers ?? [])];
    validateProps(this, k8sGpuServingSchema, this.state());
    // Cross-object rules (unique names, free ports) again on what addX methods added.
    addStateValidation(this, k8sGpuServingSchema, () => this.state());

    this.name = props.name ?? id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    this.namespace = props.namespace ?? 'serving';
    this.renderer = props.renderer ?? ServingRenderer.ARGO_ROLLOUT;
    this.shape = {
      labels: standardLabels(this.name, this.name, 'model-server'),
      selector: selectorLabels(this.name, this.name),
      replicas: props.replicas ?? DEFAULT_SERVING_REPLICAS,
      port: props.port ?? DEFAULT_SERVER_PORT,
    };
    this.prometheus = new ServingPrometheus({ ...props, name: this.name, namespace: this.namespace, metricsPreset: this.metricsPreset });

    this.namespaceObject = (props.createNamespace ?? true) ? this.createNamespace() : undefined;
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...this.metadata(), annotations: roleAnnotations(props.serviceAccountRoleArn, props.serviceAccountRoleMode) },
      automountServiceAccountToken: false,
    });
    if (this.renderer === ServingRenderer.ARGO_ROLLOUT) {
      this.warnIfWeightsApproximated();
      this.defaultChild = this.createRollout();
      this.analysisTemplate = this.createAnalysisTemplate();
      this.service = this.createService();
      if (this.trafficRouter === TrafficRouter.NGINX) {
        this.canaryService = this.createService('CanaryService', canaryServiceName(this.name));
        this.ingress = stableIngress(this, 'Ingress', { metadata: this.metadata(), host: props.ingressHost, ingressClassName: props.ingressClassName });
      }
      this.autoscaler = this.createAutoscaler();
      this.scaledObject = this.createScaledObject();
    } else {
      this.defaultChild = this.createInferenceService();
    }
    this.node.defaultChild = this.defaultChild;
    this.disruptionBudget = this.createDisruptionBudget();
    // Model weights come from object storage over HTTPS.
    this.networkPolicy = serverNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.metadata(),
      podLabels: this.shape.selector,
      port: this.shape.port,
      morePorts: () => this.sidecarPorts(),
      clientNamespaces: this.clientNamespaces(),
      egressPorts: [443],
      moreEgress: roleEgress(props.serviceAccountRoleMode),
      scrape: this.metricsPort !== this.shape.port ? { port: this.metricsPort, namespace: props.monitoringNamespace ?? 'monitoring' } : undefined,
      // Knative: requests come through the queue-proxy of each pod, on its own ports.
      moreIngress: this.knative
        ? knativeIngressRules({
          clientNamespaces: props.allowedClientNamespaces ?? [],
          ingressNamespace: props.knativeIngressNamespace ?? DEFAULT_KNATIVE_INGRESS_NAMESPACE,
          monitoringNamespace: props.monitoringNamespace ?? 'monitoring',
        })
        : undefined,
    });
    this.prometheusRule = this.createPrometheusRule();
    this.podMonitor = servingPodMonitor(this, 'PodMonitor', {
      metadata: { ...this.metadata(), labels: { ...this.shape.labels, ...(props.prometheusRuleLabels ?? {}) } },
      podLabels: this.shape.selector,
      port: this.metricsPort,
      declaredPort: this.metricsPort !== this.shape.port && !this.declaresMetricsPort ? this.shape.port : undefined,
    });
  }

  /**
   * Names of the PrometheusRule alerts of the rollback triggers, in their order. With the
   * ARGO_ROLLOUT renderer the same conditions, measured on the canary, abort a rollout.
   */
  public get triggerAlertNames(): string[] {
    return this.prometheus.triggerAlertNames(this.triggers);
  }

  /**
   * What a `k8s.Experiment` on this endpoint needs: renderer, router, Prometheus and the canary's queries.
   * @internal
   */
  public _experimentTarget(): ExperimentTarget {
    const query = (kind: RollbackTriggerKind, window: string) => this.prometheus.triggerQuery({ kind } as ResolvedTrigger, window);
    return {
      renderer: this.renderer,
      trafficRouter: this.trafficRouter,
      replicas: this.shape.replicas,
      prometheusAddress: this.props.prometheusAddress ?? 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
      analysisTemplateName: this.analysisName,
      errorRatePercent: (window) => query(RollbackTriggerKind.ERROR_RATE, window),
      p99LatencyMillis: (window) => query(RollbackTriggerKind.P99_LATENCY, window),
    };
  }

  /**
   * What a `k8s.ServiceLevelObjectives` on this endpoint reads: its series (name, namespace, metrics
   * preset and names), its owners and its PrometheusRule labels.
   * @internal
   */
  public _sloTarget(): SloTarget {
    return {
      name: this.name,
      namespace: this.namespace,
      metricsPreset: this.metricsPreset,
      metrics: this.props.metrics,
      alarmOwnership: this.props.alarmOwnership,
      prometheusRuleLabels: this.props.prometheusRuleLabels,
    };
  }

  /**
   * Add an environment variable to the model server container. The name must not be set already
   * (by `env` or an earlier `addEnv`); `HOME` (`/tmp` by default) may be replaced once.
   */
  public addEnv(name: string, value: string): void {
    validateProps(this, servingEnvEntrySchema(Object.keys(this.env)), { name, value });
    this.env[name] = value;
  }

  /**
   * Add a container beside the model server in each pod (a sidecar), with the restricted security
   * context and explicit resources. Its name and port must be unique in the pod (checked at synthesis).
   */
  public addContainer(options: ServingContainerOptions): void {
    validateProps(this, servingContainerSchema, options);
    this.sidecars.push({ ...options });
  }

  /**
   * Add a rollback trigger: a metric of the rollout analysis (ARGO_ROLLOUT renderer) and an owned
   * alert of the PrometheusRule. The default error-rate trigger stays when `rollbackTriggers` was
   * not set. Its name must be unique among the triggers (checked at synthesis).
   * @returns the name of its PrometheusRule alert (as the AWS endpoint returns its alarm)
   */
  public addRollbackTrigger(trigger: RollbackTrigger): string {
    validateProps(this, k8sTriggerSchema, trigger._spec);
    this.triggers.push(trigger);
    return this.prometheus.triggerAlertNames([trigger])[0];
  }

  /** The props as the schema sees them, with what `addX` methods added. */
  private state(): Record<string, unknown> {
    return {
      ...this.props,
      env: this.props.env === undefined && Object.keys(this.env).length === 0 ? undefined : this.env,
      containers: this.props.containers === undefined && this.sidecars.length === 0 ? undefined : this.sidecars,
      rollout: this.rollout._spec,
      rollbackTriggers: this.triggers.map((t) => t._spec),
    };
  }

  private get metricsPreset(): ServingMetrics {
    return this.props.metricsPreset ?? ServingMetrics.GENERIC_HTTP;
  }

  /** The port Prometheus scrapes: the preset's (Triton's 8002), else the server's. */
  private get metricsPort(): number {
    return metricsPort(this.metricsPreset, this.shape.port);
  }

  /** Whether the server container can declare the metrics port: not on KServe Serverless (Knative admits one port). */
  private get declaresMetricsPort(): boolean {
    return !this.knative;
  }

  /** Whether KServe serves the endpoint through Knative (KSERVE renderer in Knative mode). */
  private get knative(): boolean {
    return this.renderer === ServingRenderer.KSERVE && isKnativeMode(this.props.kserveDeploymentMode ?? KServeDeploymentMode.KNATIVE);
  }

  private metadata(name = this.name) {
    return { name, namespace: this.namespace, labels: this.shape.labels };
  }

  private createNamespace(): kplus.k8s.KubeNamespace {
    return new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: this.namespace,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' },
      },
    });
  }

  /**
   * Argo approximates a weight by pods without a traffic router: say the real share of every step
   * that is off (Argo's own rounding, with the one pod of surge the strategy allows).
   */
  private warnIfWeightsApproximated(): void {
    if (this.trafficRouter !== TrafficRouter.NONE) {
      return;
    }
    const replicas = this.shape.replicas;
    const off = expandSteps(this.rollout._spec)
      .filter((s) => s.percent < 100)
      .map((s) => ({ percent: s.percent, ...basicCanaryPods(replicas, s.percent, 1) }))
      .filter((s) => Math.abs((100 * s.canary) / s.total - s.percent) >= 0.5);
    if (off.length > 0) {
      const shares = off.map((s) => `setWeight ${s.percent}% is ${s.canary} of ${s.total} pods (${Math.round((1000 * s.canary) / s.total) / 10}% of traffic)`);
      addWarning(
        this,
        'cdk-mlops:gpu-serving-endpoint:weight-by-replicas',
        `${this.name}: without a traffic router Argo approximates weights by pods; with ${replicas} replicas ${shares.join(', ')}. Set trafficRouter (TrafficRouter.NGINX) for exact weights.`,
      );
    }
  }

  private get trafficRouter(): TrafficRouter {
    return this.props.trafficRouter ?? TrafficRouter.NONE;
  }

  /** Local disk of the server: its /tmp sized for the download, requests and limits to match. */
  private get disk(): DiskPlan {
    return servingDisk(this.props.modelSizeGiB ?? DEFAULT_MODEL_SIZE_GIB);
  }

  /** The pod: service account, restricted context, the pool's toleration and affinity, the containers. */
  private renderPodSpec(): kplus.k8s.PodSpec {
    const pool = this.props.nodePool;
    return {
      serviceAccountName: this.name,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD,
      containers: [this.renderServerContainer(), ...this.sidecars.map((c) => this.renderSidecar(c))],
      // The weights are downloaded to /tmp: bounded, so a download cannot fill the node's disk.
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(this.disk.scratchSizeLimit) } }],
      tolerations: [{ key: pool.taintKey, operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_POOL_LABEL, operator: 'In', values: [pool.name] }] }],
          },
        },
      },
      // A model server drains in-flight requests before it stops.
      terminationGracePeriodSeconds: 60,
    };
  }

  /** Typed container: explicit resources plus the pool's GPU resource, probes sized for model load. */
  private renderServerContainer(): kplus.k8s.Container {
    const props = this.props;
    const port = this.shape.port;
    const startupSeconds = 120 + DOWNLOAD_SECONDS_PER_GIB * (props.modelSizeGiB ?? DEFAULT_MODEL_SIZE_GIB);
    const probe = (path: string, failureThreshold: number) => httpProbe(path, port, failureThreshold);
    return {
      name: 'server',
      image: props.image,
      imagePullPolicy: 'Always',
      command: props.command,
      args: props.args,
      env: envList(this.env),
      ports: [
        { name: 'http', containerPort: port, protocol: 'TCP' },
        // The PodMonitor's `portNumber` finds only declared ports.
        ...(this.metricsPort !== port && this.declaresMetricsPort ? [{ name: 'metrics', containerPort: this.metricsPort, protocol: 'TCP' }] : []),
      ],
      resources: gpuResources(props.resources, props.nodePool.resourceName, props.gpusPerReplica ?? 1, this.disk),
      securityContext: RESTRICTED_CONTAINER,
      startupProbe: probe(props.readinessPath ?? '/v2/health/ready', Math.ceil(startupSeconds / 10)),
      readinessProbe: probe(props.readinessPath ?? '/v2/health/ready', 3),
      livenessProbe: probe(props.livenessPath ?? '/v2/health/live', 6),
      // A CUDA out-of-memory crash leaves its last log lines as the termination message.
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    };
  }

  /** An added container: the same restricted context, explicit resources and probe timing as the server. */
  private renderSidecar(c: ServingContainerOptions): kplus.k8s.Container {
    const probe = (): kplus.k8s.Probe | undefined => {
      if (c.port === undefined) return undefined;
      if (c.healthPath !== undefined) return httpProbe(c.healthPath, c.port, 3);
      return { tcpSocket: { port: k8s.IntOrString.fromNumber(c.port) }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
    };
    return {
      name: c.name,
      image: c.image,
      imagePullPolicy: 'Always',
      command: c.command,
      args: c.args,
      env: envList(c.env ?? {}),
      ports: c.port !== undefined ? [{ containerPort: c.port, protocol: 'TCP' }] : undefined,
      resources: cpuMemoryResources(c.resources, LOGS_ONLY_DISK),
      securityContext: RESTRICTED_CONTAINER,
      readinessProbe: probe(),
      livenessProbe: probe(),
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    };
  }

  private createRollout(): ApiObject {
    return new ApiObject(this, 'Rollout', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.renderRolloutSpec() }),
    });
  }

  private renderRolloutSpec(): Record<string, unknown> {
    const { labels, selector, replicas } = this.shape;
    return {
      replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selector },
      // Give GPU replicas time to pull the image and load the model before declaring failure.
      progressDeadlineSeconds: 600 + DOWNLOAD_SECONDS_PER_GIB * Math.ceil(this.props.modelSizeGiB ?? DEFAULT_MODEL_SIZE_GIB),
      progressDeadlineAbort: true,
      template: k8s.toJson_PodTemplateSpec({ metadata: { labels }, spec: this.renderPodSpec() }),
      strategy: {
        canary: {
          maxSurge: 1,
          maxUnavailable: 0,
          ...canaryRouting(this.trafficRouter, this.name),
          steps: this.renderCanarySteps(),
          analysis: {
            templates: [{ templateName: this.analysisName }],
            startingStep: 1,
            args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
          },
        },
      },
    };
  }

  /** The rollout policy as Argo steps: setWeight and a pause per bake, the last (100 %) step implied. */
  private renderCanarySteps(): Array<Record<string, unknown>> {
    const steps = expandSteps(this.rollout._spec);
    const pause = (seconds: number) => ({ pause: { duration: `${seconds}s` } });
    const argoSteps: Array<Record<string, unknown>> = [];
    for (const step of steps.slice(0, -1)) {
      argoSteps.push({ setWeight: step.percent });
      if (step.bakeSeconds > 0) {
        argoSteps.push(pause(step.bakeSeconds));
      }
    }
    if (this.rollout.type === RolloutType.ALL_AT_ONCE && steps[0].bakeSeconds > 0) {
      argoSteps.push({ setWeight: 100 }, pause(steps[0].bakeSeconds));
    }
    return argoSteps;
  }

  private get analysisName(): string {
    return `${this.name}-rollback`;
  }

  private createAnalysisTemplate(): ApiObject {
    return new ApiObject(this, 'AnalysisTemplate', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: this.metadata(this.analysisName),
      spec: Lazy.any({ produce: () => this.prometheus.analysisSpec(this.resolvedTriggers()) }),
    });
  }

  private createService(id = 'Service', name = this.name): kplus.k8s.KubeService {
    const { selector, port } = this.shape;
    const servicePort = (portName: string, n: number) => ({ name: portName, port: n, targetPort: k8s.IntOrString.fromNumber(n), protocol: 'TCP' });
    return new k8s.KubeService(this, id, {
      metadata: this.metadata(name),
      spec: {
        type: 'ClusterIP',
        selector,
        // At synth: ports of sidecars added later are exposed too (`port-<n>`: a valid IANA service name).
        ports: Lazy.any({ produce: () => [servicePort('http', port), ...this.sidecarPorts().map((n) => servicePort(`port-${n}`, n))] }),
      },
    });
  }

  /** The ports of the sidecars, in their order. */
  private sidecarPorts(): number[] {
    return this.sidecars.flatMap((c) => (c.port === undefined ? [] : [c.port]));
  }

  /** Whether the replicas scale (`maxReplicas` above `replicas`). */
  private get scales(): boolean {
    return this.props.maxReplicas !== undefined && this.props.maxReplicas > this.shape.replicas;
  }

  /** Scale in slowly: a GPU replica is expensive to bring back. */
  private get scaleBehavior() {
    return { scaleDown: { stabilizationWindowSeconds: SCALE_IN_COOLDOWN_SECONDS, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] } };
  }

  /** KEDA on GPU utilisation or request rate, from the same PromQL as the alerts (`ServingScaleMetric`). */
  private createScaledObject(): ApiObject | undefined {
    const metric = resolveScaleMetric(this.props);
    if (!this.scales || metric === ServingScaleMetric.CPU) {
      return undefined;
    }
    const gpu = metric === ServingScaleMetric.GPU_UTILIZATION;
    if (gpu && (this.props.nodePool.sharing?.mode ?? 'EXCLUSIVE') !== 'EXCLUSIVE') {
      addWarning(
        this,
        'cdk-mlops:gpu-serving-endpoint:gpu-utilization-shared',
        `${this.name}: the autoscaler follows GPU utilisation on a ${this.props.nodePool.sharing?.mode} pool, where it is the whole GPU's, shared with other pods; set targetRequestsPerSecond (scaleMetric REQUEST_RATE).`,
      );
    }
    return servingScaledObject(this, 'ScaledObject', {
      metadata: this.metadata(),
      rolloutName: this.name,
      minReplicas: this.shape.replicas,
      maxReplicas: this.props.maxReplicas!,
      prometheusAddress: this.props.prometheusAddress ?? 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
      query: gpu ? this.prometheus.fleetGpuUtilizationQuery() : this.prometheus.fleetRequestRateQuery('2m'),
      threshold: gpu ? (this.props.targetGpuUtilizationPercent ?? DEFAULT_TARGET_GPU_UTILIZATION_PERCENT) : this.props.targetRequestsPerSecond!,
      behavior: this.scaleBehavior,
    });
  }

  private createAutoscaler(): kplus.k8s.KubeHorizontalPodAutoscalerV2 | undefined {
    const maxReplicas = this.props.maxReplicas;
    if (maxReplicas === undefined || !this.scales || resolveScaleMetric(this.props) !== ServingScaleMetric.CPU) {
      return undefined;
    }
    return new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
      metadata: this.metadata(),
      spec: {
        scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: this.name },
        minReplicas: this.shape.replicas,
        maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.props.targetCpuUtilizationPercent ?? 70 } } }],
        behavior: this.scaleBehavior,
      },
    });
  }

  private createInferenceService(): ApiObject {
    return new ApiObject(this, 'InferenceService', {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        ...this.metadata(),
        annotations: { 'serving.kserve.io/deploymentMode': this.props.kserveDeploymentMode ?? KServeDeploymentMode.KNATIVE },
      },
      spec: Lazy.any({ produce: () => this.renderInferenceServiceSpec() }),
    });
  }

  /** The KServe predictor: the same pod, the model server renamed `kserve-container`. */
  private renderInferenceServiceSpec(): Record<string, unknown> {
    const rollout = this.rollout;
    return {
      predictor: kservePredictor({
        pod: this.renderPodSpec(),
        labels: this.shape.labels,
        minReplicas: this.shape.replicas,
        maxReplicas: this.props.maxReplicas ?? this.shape.replicas,
        canaryTrafficPercent: rollout.type === RolloutType.CANARY ? expandSteps(rollout._spec)[0].percent : undefined,
        knative: this.knative,
      }),
    };
  }

  private createDisruptionBudget(): kplus.k8s.KubePodDisruptionBudget | undefined {
    if (this.shape.replicas < 2) {
      return undefined;
    }
    return new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: this.metadata(),
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.shape.selector } },
    });
  }

  private createPrometheusRule(): ApiObject {
    return new ApiObject(this, 'Alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: this.name, namespace: this.namespace, labels: { ...this.shape.labels, ...(this.props.prometheusRuleLabels ?? {}) } },
      spec: Lazy.any({ produce: () => ({ groups: [{ name: `${this.name}.rules`, rules: this.prometheus.alertRules(this.resolvedTriggers()) }] }) }),
    });
  }

  private resolvedTriggers(): ResolvedTrigger[] {
    return this.triggers.map((t) => resolveTrigger(t, this.props.alarmOwnership));
  }

  /** Namespaces admitted to the server's port besides the endpoint's own: clients, Prometheus (Knative's callers reach the queue-proxy: `knativeIngressRules`). */
  private clientNamespaces(): string[] {
    const props = this.props;
    const ingress = this.trafficRouter === TrafficRouter.NGINX ? [props.ingressControllerNamespace ?? DEFAULT_NGINX_NAMESPACE] : [];
    return [...new Set([...(props.allowedClientNamespaces ?? []), props.monitoringNamespace ?? 'monitoring', ...ingress])];
  }
}

/** `HOME=/tmp` (the root filesystem is read-only), then the given variables in their order. */
function envList(env: Record<string, string>): kplus.k8s.EnvVar[] {
  return Object.entries({ HOME: '/tmp', ...env }).map(([name, value]) => ({ name, value }));
}

/** An HTTP probe every 10 s with a 5 s timeout. */
function httpProbe(path: string, port: number, failureThreshold: number): kplus.k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromNumber(port), scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold };
}
