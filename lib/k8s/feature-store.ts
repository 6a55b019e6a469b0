import { ApiObject, Cron, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources, SecretKeyReference } from './compute-resources';
import { REDIS_PLACEHOLDER, feastFeatureDefinitions, feastFeatureStoreYaml } from '../core/feast';
import { EntityDefinition, Features } from '../core/features';
import { selectorLabels, standardLabels } from './private/labels';
import { serverNetworkPolicy } from './private/network-policy';
import { toContainerResources } from './private/quantities';
import { RESTRICTED_CONTAINER_PROPS, RESTRICTED_POD_PROPS, patchPodSeccomp } from './private/security';
import { validateProps } from './private/validate';
import { DEFAULT_PLATFORM_SERVER_REPLICAS } from '../core/policy';
import { k8sFeatureStoreSchema } from '../core/schemas/feature-store-k8s';

const FEAST_PORT = 6566;
const REPO = '/etc/feast/repo';
const TEMPLATE = '/etc/feast/template';
const REDIS_DIR = '/etc/feast/redis';

/** The offline store Feast reads (the SageMaker offline store tables, through Athena). */
export interface FeastOfflineStoreOptions {
  /** AWS region of the Athena work group. */
  readonly region: string;
  /** Athena work group (`FeatureStore.athenaWorkGroup` on AWS). */
  readonly workGroup: string;
  /** `s3://` location for Athena query results. */
  readonly s3StagingLocation: string;
  /**
   * Glue database of the offline tables.
   * @default 'sagemaker_featurestore'
   */
  readonly database?: string;
  /**
   * Glue table or view per entity (SageMaker names tables `<group>_<creation time>`). Feast needs a
   * timestamp-typed event time column, while SageMaker stores event times as text or Unix seconds:
   * point this at a view that casts them (`from_iso8601_timestamp` / `from_unixtime`) and drops
   * deleted records (`is_deleted`). Required for every entity.
   */
  readonly tables: Record<string, string>;
}

/** Properties of a Kubernetes `FeatureStore` (Feast). */
export interface FeatureStoreProps {
  /** The entities, the same definitions as the AWS `FeatureStore`. */
  readonly entities: EntityDefinition[];
  /** Feast feature server image, pinned by digest or a fixed version tag. */
  readonly image: string;
  /** Secret key holding the Redis connection string (`host:port,password=…,ssl=true`), read from a file at start. */
  readonly redisConnectionSecret: SecretKeyReference;
  /** Where the Feast registry lives (`s3://…/registry.db`). */
  readonly registry: string;
  /** The offline store. */
  readonly offlineStore: FeastOfflineStoreOptions;
  /**
   * Feast project name.
   * @default 'cdk_mlops'
   */
  readonly project?: string;
  /**
   * Namespace.
   * @default 'feast'
   */
  readonly namespace?: string;
  /**
   * Create the namespace.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Feature server replicas.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Resources of the feature server.
   * @default - cpu 500m / 2, memory 1Gi / 2Gi
   */
  readonly resources?: ComputeResources;
  /**
   * How often features are materialized from the offline to the online store.
   * @default Cron.hourly()
   */
  readonly materializationSchedule?: Cron;
  /**
   * Online time to live of the feature views, seconds.
   * @default - no TTL
   */
  readonly ttlSeconds?: number;
  /**
   * IAM role for the service account (IRSA): Athena, Glue, S3 registry and staging access.
   * @default - none
   */
  readonly serviceAccountRoleArn?: string;
  /**
   * Namespaces allowed to call the feature server, besides its own.
   * @default - only its own namespace
   */
  readonly allowedClientNamespaces?: string[];
  /**
   * Redis port, opened for egress.
   * @default 6379
   */
  readonly redisPort?: number;
}

const DEFAULT_RESOURCES: ComputeResources = { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '2Gi' };

/**
 * Feast on Kubernetes from the same feature definitions as SageMaker Feature Store: generated
 * `feature_store.yaml` and `features.py` (ConfigMap), a feature server (Deployment, Service,
 * NetworkPolicy, PDB) with a Redis online store by reference, and a materialization CronJob.
 * The Redis connection string is read from its Secret as a file when the pod starts, never placed
 * in a manifest or an environment variable.
 */
export class FeatureStore extends Construct {
  /** Version of the feature definitions. */
  public readonly version: string;
  /** Namespace. */
  public readonly namespace: string;
  /** In-cluster URL of the feature server. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    validateProps(this, k8sFeatureStoreSchema, { ...props, materializationSchedule: undefined });
    this.version = Features.version(props.entities);
    this.namespace = props.namespace ?? 'feast';
    const name = 'feast';
    const labels = { ...standardLabels('feast', name, 'feature-store'), 'cdk-mlops.io/feature-set-version': this.version };
    const selector = selectorLabels('feast', name);
    const meta = (suffix?: string) => ({ name: suffix ? `${name}-${suffix}` : name, namespace: this.namespace, labels });
    this.url = `http://${name}.${this.namespace}.svc.cluster.local:${FEAST_PORT}`;

    if (props.createNamespace ?? true) {
      new kplus.Namespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' } },
      });
    }

    const offline = {
      region: props.offlineStore.region,
      database: props.offlineStore.database ?? 'sagemaker_featurestore',
      workGroup: props.offlineStore.workGroup,
      s3StagingLocation: props.offlineStore.s3StagingLocation,
      tables: props.offlineStore.tables,
    };
    const config = new kplus.ConfigMap(this, 'Repo', {
      metadata: meta('repo'),
      data: {
        'feature_store.yaml': feastFeatureStoreYaml(props.project ?? 'cdk_mlops', props.registry, offline),
        'features.py': feastFeatureDefinitions(props.entities, offline, props.ttlSeconds),
      },
    });

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta(), annotations: props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } : undefined },
      automountToken: false,
    });

    const volumes = {
      template: kplus.Volume.fromConfigMap(this, 'TemplateVolume', config, { name: 'template' }),
      repo: kplus.Volume.fromEmptyDir(this, 'RepoVolume', 'repo'),
      tmp: kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp'),
      redis: kplus.Volume.fromSecret(this, 'RedisVolume', kplus.Secret.fromSecretName(this, 'RedisSecret', props.redisConnectionSecret.name), {
        name: 'redis',
        items: { [props.redisConnectionSecret.key]: { path: 'connection-string' } },
        defaultMode: 0o400,
      }),
    };
    const securityContext = RESTRICTED_CONTAINER_PROPS;
    // Renders the repository into an emptyDir: the config with the connection string (JSON-quoted,
    // so any character in a password is safe) and the feature definitions.
    const render: kplus.ContainerProps = {
      name: 'render-config',
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      command: ['python', '-c'],
      args: [
        [
          'import json, pathlib',
          `conn = pathlib.Path("${REDIS_DIR}/connection-string").read_text().strip()`,
          `text = pathlib.Path("${TEMPLATE}/feature_store.yaml").read_text().replace(json.dumps("${REDIS_PLACEHOLDER}"), json.dumps(conn))`,
          `pathlib.Path("${REPO}/feature_store.yaml").write_text(text)`,
          `pathlib.Path("${REPO}/features.py").write_text(pathlib.Path("${TEMPLATE}/features.py").read_text())`,
        ].join('\n'),
      ],
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
      },
      securityContext,
      volumeMounts: [
        { path: TEMPLATE, volume: volumes.template, readOnly: true },
        { path: REDIS_DIR, volume: volumes.redis, readOnly: true },
        { path: REPO, volume: volumes.repo },
      ],
    };
    const mounts = [
      { path: REPO, volume: volumes.repo },
      { path: '/tmp', volume: volumes.tmp },
    ];
    const env = { HOME: kplus.EnvValue.fromValue('/tmp') };
    const probe = (failureThreshold: number) =>
      kplus.Probe.fromTcpSocket({ port: FEAST_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold });

    const deployment = new kplus.Deployment(this, 'Server', {
      metadata: meta(),
      podMetadata: { labels },
      select: false,
      replicas: props.replicas ?? DEFAULT_PLATFORM_SERVER_REPLICAS,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD_PROPS,
      initContainers: [render],
      containers: [
        {
          name: 'feature-server',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
          portNumber: FEAST_PORT,
          command: ['feast', '--chdir', REPO, 'serve', '--host', '0.0.0.0', '--port', String(FEAST_PORT)],
          envVariables: env,
          resources: toContainerResources(props.resources ?? DEFAULT_RESOURCES),
          securityContext,
          startup: probe(30),
          readiness: probe(3),
          liveness: probe(6),
          volumeMounts: mounts,
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selector }));

    const service = new kplus.Service(this, 'Service', {
      metadata: meta(),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: FEAST_PORT, targetPort: FEAST_PORT, protocol: kplus.Protocol.TCP }],
    });
    Object.entries(selector).forEach(([k, v]) => service.selectLabel(k, v));

    // Materialization: offline → online, incrementally up to now.
    const materialize = new kplus.CronJob(this, 'Materialize', {
      metadata: meta('materialize'),
      podMetadata: { labels },
      schedule: props.materializationSchedule ?? Cron.hourly(),
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: 2,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD_PROPS,
      initContainers: [render],
      containers: [
        {
          name: 'materialize',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
          command: ['python', '-c'],
          // Apply first (idempotent): the registry then holds exactly these definitions.
          args: [
            'import datetime, subprocess, sys\n' +
              `rc = subprocess.call(["feast", "--chdir", "${REPO}", "apply"])\n` +
              'if rc:\n    sys.exit(rc)\n' +
              'now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")\n' +
              `sys.exit(subprocess.call(["feast", "--chdir", "${REPO}", "materialize-incremental", now]))`,
          ],
          envVariables: env,
          resources: toContainerResources(props.resources ?? DEFAULT_RESOURCES),
          securityContext,
          volumeMounts: mounts,
        },
      ],
    });

    // `feast serve` and materialization read feature views from the registry, not from
    // features.py: a Job named after the definitions' version registers them (`feast apply`), once
    // per version, when the manifests are applied.
    const apply = new kplus.Job(this, 'Apply', {
      metadata: meta(`apply-${this.version}`),
      podMetadata: { labels },
      backoffLimit: 3,
      ttlAfterFinished: Duration.days(1),
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD_PROPS,
      initContainers: [render],
      containers: [
        {
          name: 'apply',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
          command: ['feast', '--chdir', REPO, 'apply'],
          envVariables: env,
          resources: toContainerResources(props.resources ?? DEFAULT_RESOURCES),
          securityContext,
          volumeMounts: mounts,
        },
      ],
    });

    // cdk8s-plus has no pod-level seccomp profile: set RuntimeDefault on the jobs' pods (the
    // containers already have it) so the restricted Pod Security Standard holds at pod level too.
    patchPodSeccomp(ApiObject.of(materialize), '/spec/jobTemplate/spec/template/spec');
    patchPodSeccomp(ApiObject.of(apply), '/spec/template/spec');

    // Redis, and HTTPS for Athena, Glue, S3 and STS.
    serverNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta(),
      podLabels: { 'app.kubernetes.io/name': 'feast' },
      port: FEAST_PORT,
      clientNamespaces: props.allowedClientNamespaces ?? [],
      egressPorts: [props.redisPort ?? 6379, 443],
    });

    if ((props.replicas ?? DEFAULT_PLATFORM_SERVER_REPLICAS) >= 2) {
      new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: meta(),
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }
  }
}
