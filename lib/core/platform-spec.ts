/**
 * The platform spec: one declarative description of an ML platform (its models, how each is
 * trained, served and watched), written in TypeScript or as a YAML / JSON file and validated by the
 * same schema (`platformSpecSchema`). Target-neutral: `platform.MlPlatform` renders it on AWS and
 * `platform.MlPlatformChart` on Kubernetes. What only Kubernetes needs (node pools, MLflow, images,
 * model URIs) lives in optional `kubernetes` sections, so a spec for AWS alone stays valid;
 * `MlPlatformChart` requires them.
 */

import { DriftReference } from './drift-reference';
import { ExperimentSpec } from './experiment/spec';
import { GpuModel } from './gpu-catalog';
import { PipelineGate, PipelineStepBase } from './pipeline';
import { AlarmOwnership } from './rollback';
import { ServingMetrics } from './serving-metrics';
import { SloSpec } from './slo/spec';

/** Day of the week of a scheduled retraining run. */
export enum Weekday {
  /** Monday. */
  MON = 'MON',
  /** Tuesday. */
  TUE = 'TUE',
  /** Wednesday. */
  WED = 'WED',
  /** Thursday. */
  THU = 'THU',
  /** Friday. */
  FRI = 'FRI',
  /** Saturday. */
  SAT = 'SAT',
  /** Sunday. */
  SUN = 'SUN',
}

/** A whole ML platform. */
export interface PlatformSpec {
  /** Platform name: lowercase letters, digits and "-", 1-20 characters; prefixes resource names. */
  readonly name: string;
  /** Who owns the platform's alarms and where the runbook is (a model can name its own). */
  readonly ownership: AlarmOwnership;
  /** The models: each trained, registered, served and watched (at least one, names unique). */
  readonly models: PlatformModelSpec[];
  /**
   * What rendering on Kubernetes needs besides the models: cluster, GPU node pools, the MLflow
   * server, images and monitoring endpoints.
   * @default - none: required by `MlPlatformChart`, ignored on AWS
   */
  readonly kubernetes?: PlatformKubernetesSpec;
  /**
   * Tags of every AWS resource of the platform and labels of every Kubernetes object and pod
   * (values made label-safe: `k8s.CostAllocation.labelsOf`), beside the library's `model`, `owner` and `platform`
   * (cost allocation), which they may not replace.
   * @default - only the library's cost allocation tags
   */
  readonly tags?: Record<string, string>;
}

/** How a model server is rendered on Kubernetes (the values of `k8s.ServingRenderer`). */
export enum KubernetesServingRenderer {
  /** An Argo Rollout: canary with the spec's bake and automatic abort on the rollback triggers. */
  ARGO_ROLLOUT = 'ARGO_ROLLOUT',
  /** A KServe InferenceService (Serverless mode): the canary percentage, promoted by hand; no bake, no automatic abort. */
  KSERVE = 'KSERVE',
}

/** What splits a model's traffic between the stable and the canary version on Kubernetes (the values of `k8s.TrafficRouter`). */
export enum KubernetesTrafficRouter {
  /** No router: Argo approximates the weights by replicas; a user may see both versions. */
  NONE = 'NONE',
  /**
   * ingress-nginx: exact weights, and a header pinning a request to an experiment's arm (sticky
   * assignment by user); only traffic through the Ingress is split.
   */
  NGINX = 'NGINX',
}

/** The platform on Kubernetes: cluster, GPU node pools, MLflow, pipeline and drift-job images, monitoring. */
export interface PlatformKubernetesSpec {
  /** EKS cluster name: Karpenter finds subnets and security groups by the tag `karpenter.sh/discovery: <clusterName>`. */
  readonly clusterName: string;
  /** Name (not ARN) of the IAM role of the GPU nodes, in the pools' EC2NodeClass. */
  readonly nodeRole: string;
  /**
   * Prefix of the namespaces: one per model (`<prefix>-<model>`: its server, pipeline and drift
   * job) and one for MLflow (`<prefix>-mlflow`).
   * @default - the platform name
   */
  readonly namespacePrefix?: string;
  /** The GPU node pools models are served and trained on (names unique, at least one). */
  readonly nodePools: PlatformNodePoolSpec[];
  /** The MLflow tracking server and model registry, shared by the platform's models (one registered model each, `<platform>-<model>`). */
  readonly mlflow: PlatformMlflowSpec;
  /**
   * Image of the pipelines' registration step, pinned by digest: registers the model version in
   * MLflow under `REGISTERED_MODEL_NAME` with the lineage tags (see `k8s.MlPipeline`).
   */
  readonly registerImage: string;
  /**
   * Entrypoint of the registration step.
   * @default - the image's
   */
  readonly registerCommand?: string[];
  /**
   * `s3://bucket/prefix` under which each model's pipeline runs write their outputs (`<prefix>/<model>/<run>/…`).
   * @default - none: required by `MlPlatformChart`; `EksMlPlatform` creates it (`pipelines` in its artifacts bucket)
   */
  readonly pipelineArtifactRoot?: string;
  /** Image of the drift job (`k8s.DriftMonitor`), pinned by digest. */
  readonly driftImage: string;
  /** Prometheus Pushgateway the drift jobs push to, e.g. `http://pushgateway.monitoring.svc.cluster.local:9091`. */
  readonly pushgatewayUrl: string;
  /**
   * Prometheus queried by the rollouts' analysis.
   * @default 'http://prometheus-operated.monitoring.svc.cluster.local:9090'
   */
  readonly prometheusAddress?: string;
  /**
   * Labels of every PrometheusRule, so that Prometheus' `ruleSelector` picks them up (e.g. `release: kube-prometheus-stack`).
   * @default - none
   */
  readonly prometheusRuleLabels?: Record<string, string>;
  /**
   * Namespace of Prometheus, allowed to scrape the model servers.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
}

/**
 * A Karpenter GPU node pool (`k8s.GpuNodePool`) of the platform. GPUs are exclusive unless
 * `timeSlicingReplicas` or `migProfile` is set.
 */
export interface PlatformNodePoolSpec {
  /** Name of the NodePool, referenced by the models (`serving.kubernetes.nodePool`, `training.kubernetes.nodePool`); a DNS label. */
  readonly name: string;
  /** The GPU model; instance families and Karpenter requirements come from the GPU catalog. */
  readonly gpu: GpuModel;
  /**
   * Instance families to choose from.
   * @default - every family with this GPU in the catalog
   */
  readonly instanceFamilies?: string[];
  /**
   * GPUs per node to allow.
   * @default - any
   */
  readonly gpuCounts?: number[];
  /**
   * Also use spot capacity (Karpenter prefers it when allowed; reclaimed with two minutes' notice): for restartable training.
   * @default false
   */
  readonly allowSpot?: boolean;
  /**
   * Pods sharing each GPU by time-slicing (2-48); no memory or fault isolation.
   * @default - exclusive GPUs
   */
  readonly timeSlicingReplicas?: number;
  /**
   * MIG profile every GPU is partitioned into (e.g. `1g.10gb`); MIG-capable GPUs only.
   * @default - exclusive GPUs
   */
  readonly migProfile?: string;
  /**
   * Most GPUs in the pool (a cost guard).
   * @default - no GPU limit
   */
  readonly maxGpus?: number;
  /**
   * Size of the model weights the pool serves, GiB, to size the node volume.
   * @default - not considered
   */
  readonly modelWeightsGiB?: number;
  /**
   * AMI release (`al2023@<version>`), pinned for reproducible nodes.
   * @default 'latest'
   */
  readonly amiVersion?: string;
  /**
   * Minutes an empty node is kept before removal (busy GPU nodes are never consolidated).
   * @default 10
   */
  readonly consolidateAfterMinutes?: number;
}

/** The platform's MLflow tracking server (`k8s.ModelRegistry`). */
export interface PlatformMlflowSpec {
  /** MLflow server image, pinned by digest or by a fixed version tag. */
  readonly image: string;
  /** Name of the Secret (in the MLflow namespace) holding the backend store URI (`postgresql://…`); mounted as a file, never copied. */
  readonly backendStoreUriSecret: string;
  /**
   * Key of the backend store URI in that Secret.
   * @default 'uri'
   */
  readonly backendStoreUriSecretKey?: string;
  /**
   * `s3://bucket/prefix` where MLflow stores artifacts (the server proxies them).
   * @default - none: required by `MlPlatformChart`; `EksMlPlatform` creates it (`mlflow` in its artifacts bucket)
   */
  readonly artifactRoot?: string;
  /**
   * IAM role of the server (IRSA), with access to the artifact root.
   * @default - no role annotation (`EksMlPlatform`: a role it creates)
   */
  readonly roleArn?: string;
  /**
   * Server replicas.
   * @default 2
   */
  readonly replicas?: number;
}

/** A step of a platform's training pipeline: a `core.PipelineStep` whose longest run is a number of seconds, as a spec document writes it. */
export interface PlatformPipelineStep extends PipelineStepBase {
  /**
   * Longest run, whole seconds from 60 to 28 days.
   * @default 86400
   */
  readonly maxRuntimeSeconds?: number;
}

/** A platform's training pipeline: `core.PipelineSpec` as a spec document writes it. */
export interface PlatformPipelineSpec {
  /** The steps (validate → preprocess → train → evaluate …), in any order: the DAG comes from inputs. */
  readonly steps: PlatformPipelineStep[];
  /** The gate; registration only happens when it passes. */
  readonly gate: PipelineGate;
  /** Inference image of the registered model, pinned by digest and different from the training image. */
  readonly inferenceImage: string;
}

/** One model of the platform, through its whole lifecycle. */
export interface PlatformModelSpec {
  /** Model name: lowercase letters, digits and "-", 1-20 characters, unique in the platform. */
  readonly name: string;
  /**
   * Who owns this model's alarms and where its runbook is.
   * @default - the platform's ownership
   */
  readonly ownership?: AlarmOwnership;
  /**
   * Tags (and Kubernetes labels) of this model's resources, over the platform's `tags`.
   * @default - the platform's tags
   */
  readonly tags?: Record<string, string>;
  /** The training pipeline: steps, gate and inference image (`core.PipelineSpec`, run times in seconds). */
  readonly pipeline: PlatformPipelineSpec;
  /** Lineage defaults and schedule of training runs. */
  readonly training: PlatformTrainingSpec;
  /** How approved versions are served. */
  readonly serving: PlatformServingSpec;
  /** How the served model's inputs and predictions are watched. */
  readonly drift: PlatformDriftSpec;
  /**
   * An online experiment: the served version (control) against a challenger version, decided on a
   * business metric with guardrails (`aws.Experiment` / `k8s.Experiment`).
   * @default - no experiment
   */
  readonly experiment?: PlatformExperimentSpec;
  /**
   * Service-level objectives of the model's endpoint (availability, latency) over a rolling window,
   * with error budgets and multi-window burn-rate alerts (`aws.ServiceLevelObjectives` /
   * `k8s.ServiceLevelObjectives`); with `canaryBurnRate`, also the canary's rollback triggers.
   * @default - no SLO: the serving spec's fixed-threshold rollback alarms only
   */
  readonly slo?: SloSpec;
  /**
   * Scheduled batch scoring of a data set with the model's approved version (`aws.BatchScoring` /
   * `k8s.BatchScoring`): one partition per logical date, re-runs replace it atomically, backfill.
   * @default - no batch scoring
   */
  readonly batch?: PlatformBatchSpec;
  /**
   * A monthly cost budget of the model: on AWS an `AWS::Budgets::Budget` on the model's cost
   * allocation tag (`aws.ModelBudget`, notifying the alarm topic); at synthesis the model's cost
   * estimate (`core.CostEstimates`, `estimateModelCostAws` / `estimateModelCostKubernetes`) is compared with it.
   * @default - no budget
   */
  readonly budget?: PlatformBudgetSpec;
}

/** A model's monthly cost budget. */
export interface PlatformBudgetSpec {
  /** The budget, US dollars a month (more than 0). */
  readonly monthlyUsd: number;
  /**
   * Whether an estimate above the budget fails synthesis (cost as a release blocker) rather than
   * warning. Compared with the estimate's minimum (what the model costs at its smallest).
   * @default false
   */
  readonly failOnEstimateOver?: boolean;
}

/** A model's scheduled batch scoring (the layout: `core.BatchScoringSpec`). */
export interface PlatformBatchSpec {
  /**
   * `s3://bucket/prefix/` of the data set, one partition per day: `<inputUri>date=YYYY-MM-DD/`.
   */
  readonly inputUri: string;
  /** `s3://bucket/prefix/` of the scores: `<outputUri>date=YYYY-MM-DD/_MANIFEST.json` and its runs. */
  readonly outputUri: string;
  /**
   * Hour (UTC) of the daily run (which scores the day before).
   * @default 3
   */
  readonly hourUtc?: number;
  /**
   * Content type of the input, one record per line (`text/csv` or `application/jsonlines`).
   * @default 'text/csv'
   */
  readonly contentType?: string;
  /**
   * A partition with fewer records fails validation (nothing is scored or replaced).
   * @default 1
   */
  readonly minRecords?: number;
  /**
   * Dates a backfill scores at once (1–10).
   * @default 2
   */
  readonly maxConcurrency?: number;
  /**
   * Instance type of the Batch Transform (AWS).
   * @default - the serving instance type
   */
  readonly instanceType?: string;
  /**
   * Instances of the Batch Transform (AWS).
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Whether the model's drift monitor also watches the scored batch inputs (a second monitor over
   * the committed partitions, with the model's drift features and baseline).
   * @default true
   */
  readonly watchDrift?: boolean;
  /**
   * Batch scoring on Kubernetes: the scoring container and where it runs.
   * @default - none: required by `MlPlatformChart` when the model has a batch section
   */
  readonly kubernetes?: PlatformBatchKubernetesSpec;
}

/** A model's batch scoring on Kubernetes (`k8s.BatchScoring`). */
export interface PlatformBatchKubernetesSpec {
  /** Node pool of the scoring step (its GPU). */
  readonly nodePool: string;
  /** The scoring container's image, pinned by digest (reads the input partition, writes the run prefix). */
  readonly image: string;
  /**
   * The scoring container's command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * The scoring container's arguments.
   * @default - none
   */
  readonly args?: string[];
  /**
   * CPU of the scoring container, request and limit; set with `memory`.
   * @default - request 1, limit 2
   */
  readonly cpu?: string;
  /**
   * Memory of the scoring container, request and limit; set with `cpu`.
   * @default - request 4Gi, limit 8Gi
   */
  readonly memory?: string;
  /**
   * IAM role of the batch pods (IRSA, ServiceAccount `<platform>-<model>-batch`): read the input and the
   * model, read, write and delete under the output prefix; also the batch drift job's unless
   * `driftRoleArn` is given (it must then trust `drift-<platform>-<model>-batch` too and read the baseline).
   * @default - no role annotation (`EksMlPlatform`: a role it creates, trusted by the batch pods only)
   */
  readonly roleArn?: string;
  /**
   * IAM role of the drift job over the scored inputs (IRSA, ServiceAccount `drift-<platform>-<model>-batch`):
   * read under the output prefix (the committed partitions' manifests and files) and the drift baseline.
   * @default - `roleArn` (`EksMlPlatform`: a read-only role it creates, when it creates the batch role)
   */
  readonly driftRoleArn?: string;
  /**
   * KMS key the runtime steps write the partition's `_LINEAGE.json` and `_MANIFEST.json` with (SSE-KMS),
   * for an output bucket whose policy requires it (`k8s.BatchScoring`'s `kmsKeyId`). `EksMlPlatform`
   * grants its batch role `kms:GenerateDataKey` and `kms:Decrypt` on it (through S3) when it is a key
   * ARN, and its batch drift role `kms:Decrypt`.
   * @default - none: the output bucket's default encryption
   */
  readonly kmsKeyId?: string;
}

/** A model's online experiment: champion (the served version) against a challenger version. */
export interface PlatformExperimentSpec extends ExperimentSpec {
  /**
   * The challenger: a version of this model in the registry (AWS: the model package version in the
   * model's group; it is served as the production variant `challenger` beside `primary`).
   */
  readonly challengerVersion: number;
  /**
   * CloudWatch namespace the application publishes the business metrics in, per unit with the
   * dimension `Variant` (`aws.Experiment`); Prometheus needs none (metric families with a `variant` label).
   * @default - `<platform>/<model>`
   */
  readonly metricsNamespace?: string;
  /**
   * The experiment on Kubernetes: where the challenger's model is.
   * @default - none: required by `MlPlatformChart` when the model has an experiment
   */
  readonly kubernetes?: PlatformExperimentKubernetesSpec;
}

/** A model's online experiment on Kubernetes. */
export interface PlatformExperimentKubernetesSpec {
  /** URI of the challenger version's model files (like `serving.kubernetes.modelUri`). */
  readonly challengerModelUri: string;
}

/** Training runs of a model: lineage defaults and schedule (drift also starts runs). */
export interface PlatformTrainingSpec {
  /** Full 40-character git commit of the training code. */
  readonly codeCommit: string;
  /** Version of the training data a scheduled or drift-started run reads (a snapshot id, a tag). */
  readonly dataVersion: string;
  /** Version of the feature set (`FeatureStore` definitions version). */
  readonly featureSetVersion: string;
  /** `s3://bucket/prefix/` of the training data. */
  readonly inputDataUri: string;
  /**
   * Day of a weekly retraining run.
   * @default - no schedule: runs start on sustained drift (and by hand)
   */
  readonly weeklyOn?: Weekday;
  /**
   * Hour (UTC) of the weekly run.
   * @default 3
   */
  readonly hourUtc?: number;
  /**
   * Training on Kubernetes (Argo Workflows).
   * @default - the first node pool with the GPU of the pipeline's GPU steps, the pipeline's default resources, no IAM role
   */
  readonly kubernetes?: PlatformTrainingKubernetesSpec;
}

/** Training of a model on Kubernetes. */
export interface PlatformTrainingKubernetesSpec {
  /**
   * Node pool of the pipeline's GPU steps (its GPU must be theirs).
   * @default - the first pool of `kubernetes.nodePools` with the GPU of the GPU steps
   */
  readonly nodePool?: string;
  /**
   * CPU of every step container, request and limit (e.g. `4`, `500m`); set with `memory`.
   * @default - request 1, limit 2
   */
  readonly cpu?: string;
  /**
   * Memory of every step container, request and limit (e.g. `16Gi`); set with `cpu`.
   * @default - request 4Gi, limit 8Gi
   */
  readonly memory?: string;
  /**
   * IAM role of the pipeline's pods (IRSA): read the training data, write the artifact root.
   * @default - no role annotation (`EksMlPlatform`: a role it creates)
   */
  readonly roleArn?: string;
}

/** Serving of a model: the endpoint, its rollout and its rollback triggers. */
export interface PlatformServingSpec {
  /** A GPU instance type from the catalog (`ml.g5.xlarge`, …). */
  readonly instanceType: string;
  /** The registered version served until the first promotion (a version of the model's package group). */
  readonly initialModelVersion: number;
  /**
   * Instances at deploy time (at least 2 in production: one failing instance is not an outage).
   * @default 2
   */
  readonly instanceCount?: number;
  /**
   * Upper bound of autoscaling on invocations per instance.
   * @default - no autoscaling
   */
  readonly maxInstanceCount?: number;
  /**
   * Invocations per instance per minute autoscaling aims at (with `maxInstanceCount`).
   * @default 600
   */
  readonly targetInvocationsPerInstance?: number;
  /**
   * Whether autoscaling is registered for the endpoint's variant (with `maxInstanceCount`, AWS).
   * SageMaker refuses to change the instance type of an autoscaled variant: changing `instanceType`
   * takes two deployments, first with `false` (autoscaling deregistered, the fleet stays as it is),
   * then the new `instanceType` with this back to `true`.
   * @default true
   */
  readonly autoscalingRegistered?: boolean;
  /**
   * Share of traffic the canary gets before the rest, 1-50. On AWS a canary is whole instances: a
   * share far coarser than asked (10 % of 2 instances is one: 50 %) is refused unless
   * `acceptCoarseCanary`.
   * @default - 10, or one instance when `instanceCount` is too small for it (50 for 2 instances)
   */
  readonly canaryPercent?: number;
  /**
   * Accept a canary more than twice as coarse as `canaryPercent` on AWS (the real share is still stated
   * as a warning at synthesis).
   * @default false
   */
  readonly acceptCoarseCanary?: boolean;
  /**
   * Minutes the canary bakes before full traffic.
   * @default 10
   */
  readonly bakeMinutes?: number;
  /**
   * 5xx rate (percent of invocations) that rolls a deployment back.
   * @default 1
   */
  readonly maxErrorRatePercent?: number;
  /**
   * p99 model latency (milliseconds) that rolls a deployment back.
   * @default - no latency trigger
   */
  readonly maxP99LatencyMillis?: number;
  /**
   * Share of requests captured for drift, 1-100: SageMaker data capture on AWS, the capture service
   * fed by KServe's logger or the capture proxy on Kubernetes.
   * @default 10
   */
  readonly captureSamplingPercent?: number;
  /**
   * Size of the model in GiB, to size cold-start timeouts.
   * @default - SageMaker's default timeouts
   */
  readonly modelSizeGiB?: number;
  /**
   * Serving on Kubernetes: where the weights are, which node pool, how big a replica is.
   * `instanceCount` (replicas), `maxInstanceCount` with `targetInvocationsPerInstance` (KEDA on the
   * requests per second, the target divided by 60), `canaryPercent`, `bakeMinutes`,
   * `maxErrorRatePercent`, `maxP99LatencyMillis`, `modelSizeGiB` and `captureSamplingPercent` (the
   * capture service's sampling) apply there too; `instanceType` and `initialModelVersion` are AWS-only.
   * @default - none: required by `MlPlatformChart`
   */
  readonly kubernetes?: PlatformServingKubernetesSpec;
}

/** Serving of a model on Kubernetes (`k8s.GpuServingEndpoint`). */
export interface PlatformServingKubernetesSpec {
  /** The node pool the replicas run on (one of `kubernetes.nodePools`). */
  readonly nodePool: string;
  /** URI of the model weights the server loads, given to it as `MODEL_URI` (e.g. `s3://bucket/churn/7/`). */
  readonly modelUri: string;
  /** CPU of each replica, request and limit (e.g. `4`). */
  readonly cpu: string;
  /** Memory of each replica, request and limit (e.g. `16Gi`). */
  readonly memory: string;
  /**
   * Model server image, pinned by digest.
   * @default - the pipeline's `inferenceImage`
   */
  readonly image?: string;
  /**
   * GPUs (or GPU shares) per replica.
   * @default 1
   */
  readonly gpusPerReplica?: number;
  /**
   * How the server is rendered.
   * @default KubernetesServingRenderer.ARGO_ROLLOUT
   */
  readonly renderer?: KubernetesServingRenderer;
  /**
   * What splits the canary's (and an experiment's) traffic (ARGO_ROLLOUT renderer; NGINX needs
   * ingress-nginx and renders an Ingress for `ingressHost`).
   * @default KubernetesTrafficRouter.NONE
   */
  readonly trafficRouter?: KubernetesTrafficRouter;
  /**
   * Host name of the model's Ingress (NGINX router).
   * @default - any host
   */
  readonly ingressHost?: string;
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
   * IAM role of the server (IRSA), to read the weights.
   * @default - no role annotation (`EksMlPlatform`: a role it creates)
   */
  readonly roleArn?: string;
  /**
   * Namespaces allowed to call the server, besides its own.
   * @default - only the model's namespace
   */
  readonly allowedClientNamespaces?: string[];
  /**
   * What the model server exports (scrape port and path, metric names of analysis, alerts and autoscaling).
   * @default ServingMetrics.GENERIC_HTTP
   */
  readonly metricsPreset?: ServingMetrics;
}

/** Drift monitoring of a model. */
export interface PlatformDriftSpec {
  /** The model's input columns in order (CSV columns / JSON keys), all watched. */
  readonly features: string[];
  /** `s3://bucket/key.json` of the training baseline (`core.DriftMath` baseline JSON). */
  readonly baselineUri: string;
  /**
   * What each window is compared with.
   * @default DriftReference.TRAINING
   */
  readonly reference?: DriftReference;
  /**
   * Minutes of earlier traffic in the reference (not with TRAINING).
   * @default - 7 days (rolling), 1 day (same period last year)
   */
  readonly referenceSpanMinutes?: number;
  /**
   * Drift monitoring on Kubernetes: where the served traffic is captured.
   * @default - none: required by `MlPlatformChart` (`EksMlPlatform` fills the capture URI and the role)
   */
  readonly kubernetes?: PlatformDriftKubernetesSpec;
}

/** Drift monitoring of a model on Kubernetes (`k8s.DriftMonitor`). */
export interface PlatformDriftKubernetesSpec {
  /**
   * `s3://bucket/prefix` of the captured traffic, in the SageMaker data-capture layout under the
   * endpoint's name (`<prefix>/<platform>-<model>/<variant>/yyyy/mm/dd/hh/*.jsonl`), written by the
   * server or a request logger.
   * @default - none: required by `MlPlatformChart`; `EksMlPlatform` creates it (`datacapture` in its capture bucket)
   */
  readonly captureUri?: string;
  /**
   * IAM role of the drift job (IRSA): read the capture prefix and the baseline.
   * @default - no role annotation (`EksMlPlatform`: a role it creates)
   */
  readonly roleArn?: string;
  /**
   * IAM role of the model's capture service (IRSA): write the capture prefix (`s3:PutObject`, and
   * `kms:GenerateDataKey` on the bucket's key).
   * @default - no role annotation (`EksMlPlatform`: a role it creates)
   */
  readonly captureRoleArn?: string;
}
