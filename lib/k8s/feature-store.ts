import { ApiObject, ApiObjectMetadata, Cron, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources, SecretKeyReference } from './compute-resources';
import { FeastAthenaOffline, REDIS_PLACEHOLDER, feastFeatureDefinitions, feastFeatureStoreYaml } from '../core/feast';
import { EntityDefinition, FeatureDefinition, Features, featureArgumentsSchema } from '../core/features';
import { selectorLabels, standardLabels } from './private/labels';
import { serverNetworkPolicy } from './private/network-policy';
import { toContainerResources } from './private/quantities';
import { RESTRICTED_CONTAINER_PROPS, RESTRICTED_POD_PROPS, patchPodSeccomp } from './private/security';
import { addStateValidation, validateProps } from './private/validate';
import { DEFAULT_PLATFORM_SERVER_REPLICAS } from '../core/policy';
import { cronStartingDeadlineMinutes } from '../core/schemas/drift-monitor';
import { k8sFeatureStoreSchema, k8sFeatureViewSchema } from '../core/schemas/feature-store-k8s';
import { clientNamespaceSchema } from '../core/schemas/model-registry';

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
   * Glue table per entity: its SageMaker offline store table (SageMaker names it `<group>_<creation
   * time>`), or a view with the same columns and types (e.g. one that drops deleted records). Feast
   * reads it through a generated query that quotes every column (feature names may start with a
   * digit) and converts the event time, text or Unix seconds as `eventTimeType` declares, to a
   * timestamp. Required for every entity.
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
   * Online time to live of the feature views (whole seconds, at least one): older feature values
   * are not served.
   * @default - no TTL
   */
  readonly ttl?: Duration;
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

/** Name of the feature server's objects (the others are `feast-<suffix>`). */
const NAME = 'feast';

/**
 * A string cdk8s renders at synth (an implicit token: cdk8s calls `resolve()`), which also reads as
 * its current value: the definitions' version in labels and in the apply Job's name follows
 * `addFeatureView` and `addFeature`.
 */
class SynthString {
  constructor(private readonly producer: () => string) {}
  public resolve(): string {
    return this.producer();
  }
  public toString(): string {
    return this.producer();
  }
}

function synthString(producer: () => string): string {
  return new SynthString(producer) as unknown as string;
}

/** The volumes of the feature server and the jobs. */
interface FeastVolumes {
  readonly template: kplus.Volume;
  readonly repo: kplus.Volume;
  readonly tmp: kplus.Volume;
  readonly redis: kplus.Volume;
}

/**
 * Feast on Kubernetes from the same feature definitions as SageMaker Feature Store: generated
 * `feature_store.yaml` and `features.py` (ConfigMap), a feature server (Deployment, Service,
 * NetworkPolicy, PDB) with a Redis online store by reference, and a materialization CronJob.
 * The Redis connection string is read from its Secret as a file when the pod starts, never placed
 * in a manifest or an environment variable.
 *
 * `defaultChild` is the feature server's Deployment object (for `addJsonPatch` where no prop or
 * method fits); the other objects are properties. Feature views and features can be added after
 * construction (`addFeatureView`, `addFeature`): the generated `features.py`, the version labels
 * and the apply Job's name follow; so can client namespaces (`addAllowedClientNamespace`).
 */
export class FeatureStore extends Construct {
  /** Namespace. */
  public readonly namespace: string;
  /** In-cluster URL of the feature server. */
  public readonly url: string;
  /** The feature server's Deployment object (`feast serve`), also `node.defaultChild`. */
  public readonly defaultChild: ApiObject;
  /** The feature server. */
  public readonly deployment: kplus.Deployment;
  /** The feature server's ClusterIP Service. */
  public readonly service: kplus.Service;
  /** The service account of the server and the jobs (IRSA annotation with `serviceAccountRoleArn`). */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The Feast repository: `feature_store.yaml` and `features.py`. */
  public readonly config: kplus.ConfigMap;
  /** Materializes features offline → online on `materializationSchedule`. */
  public readonly materializeJob: kplus.CronJob;
  /** Registers the definitions (`feast apply`), named after their version. */
  public readonly applyJob: kplus.Job;
  /** Ingress from the allowed namespaces; egress to DNS, Redis and HTTPS. */
  public readonly networkPolicy: kplus.k8s.KubeNetworkPolicy;
  /**
   * Keeps one server replica through voluntary disruptions.
   * @default - none with a single replica
   */
  public readonly disruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /**
   * The namespace object (restricted Pod Security Standard).
   * @default - none when `createNamespace` is false
   */
  public readonly namespaceObject?: kplus.Namespace;

  private readonly props: FeatureStoreProps;
  /** The entities as they are now (props, then `addFeatureView` / `addFeature`). */
  private readonly entities: EntityDefinition[];
  /** The offline table or view of each entity, as it is now. */
  private readonly tables: Record<string, string>;
  private readonly labels: Record<string, string>;
  private readonly volumes: FeastVolumes;
  /** Namespaces admitted besides the server's own, as they are now (props, then `addAllowedClientNamespace`). */
  private readonly clientNamespaces: string[];

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    validateProps(this, k8sFeatureStoreSchema, plainProps(props, props.entities, props.offlineStore.tables, props.allowedClientNamespaces));
    this.props = props;
    this.entities = [...props.entities];
    this.tables = { ...props.offlineStore.tables };
    this.clientNamespaces = [...(props.allowedClientNamespaces ?? [])];
    this.namespace = props.namespace ?? 'feast';
    this.labels = { ...standardLabels('feast', NAME, 'feature-store'), 'cdk-mlops.io/feature-set-version': synthString(() => this.version) };
    this.url = `http://${NAME}.${this.namespace}.svc.cluster.local:${FEAST_PORT}`;

    if (props.createNamespace ?? true) {
      this.namespaceObject = new kplus.Namespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: { ...this.labels, 'pod-security.kubernetes.io/enforce': 'restricted' } },
      });
    }
    this.config = this.createConfig();
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { ...this.metadata(), annotations: props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } : undefined },
      automountToken: false,
    });
    this.volumes = this.createVolumes();
    this.deployment = this.createServer();
    this.defaultChild = ApiObject.of(this.deployment);
    this.node.defaultChild = this.defaultChild;
    this.service = this.createService();
    this.materializeJob = this.createMaterializeJob();
    this.applyJob = this.createApplyJob();
    // Redis, and HTTPS for Athena, Glue, S3 and STS.
    this.networkPolicy = serverNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.metadata(),
      podLabels: { 'app.kubernetes.io/name': 'feast' },
      port: FEAST_PORT,
      clientNamespaces: this.clientNamespaces,
      egressPorts: [props.redisPort ?? 6379, 443],
    });
    if ((props.replicas ?? DEFAULT_PLATFORM_SERVER_REPLICAS) >= 2) {
      this.disruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: this.metadata(),
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels('feast', NAME) } },
      });
    }
    // What was added later is judged with the rest (an entity or a feature defined twice).
    addStateValidation(this, k8sFeatureStoreSchema, () => plainProps(this.props, this.entities, this.tables, this.clientNamespaces));
  }

  /**
   * Version of the feature definitions (`fs-<12 hex>`). It follows `addFeatureView` and
   * `addFeature`: read it after adding.
   */
  public get version(): string {
    return Features.version(this.entities);
  }

  /**
   * Add an entity after construction: its Feast entity, Athena source and feature view, like an
   * entry of `entities` with its table in `offlineStore.tables`.
   * @param entity the entity (validated as an entry of `entities`; a name already used fails synthesis)
   * @param offlineTable the Glue table or view Feast reads for it (see `offlineStore.tables`)
   */
  public addFeatureView(entity: EntityDefinition, offlineTable: string): void {
    validateProps(this, k8sFeatureViewSchema, { entity, offlineTable });
    this.entities.push(entity);
    this.tables[entity.name] = offlineTable;
  }

  /**
   * Add a feature to an entity after construction: its feature view gets the field.
   * @param entityName the entity, by name
   * @param feature the feature (a name already used in the entity fails synthesis)
   */
  public addFeature(entityName: string, feature: FeatureDefinition): void {
    validateProps(this, featureArgumentsSchema(this.entities.map((e) => e.name)), { entityName, feature });
    const i = this.entities.findIndex((e) => e.name === entityName);
    this.entities[i] = { ...this.entities[i], features: [...this.entities[i].features, feature] };
  }

  /**
   * Let the pods of one more namespace call the feature server (its NetworkPolicy admits them), as
   * an entry of `allowedClientNamespaces` does.
   * @param namespace a namespace name (listed twice, it fails synthesis)
   */
  public addAllowedClientNamespace(namespace: string): void {
    validateProps(this, clientNamespaceSchema, { namespace });
    this.clientNamespaces.push(namespace);
  }

  private metadata(suffix?: string, name?: string): ApiObjectMetadata {
    return { name: name ?? (suffix ? `${NAME}-${suffix}` : NAME), namespace: this.namespace, labels: this.labels };
  }

  private offline(): FeastAthenaOffline {
    const o = this.props.offlineStore;
    return { region: o.region, database: o.database ?? 'sagemaker_featurestore', workGroup: o.workGroup, s3StagingLocation: o.s3StagingLocation, tables: this.tables };
  }

  private createConfig(): kplus.ConfigMap {
    const config = new kplus.ConfigMap(this, 'Repo', { metadata: this.metadata('repo') });
    config.addData('feature_store.yaml', feastFeatureStoreYaml(this.props.project ?? 'cdk_mlops', this.props.registry, this.offline()));
    // Rendered at synth: views and features added later are part of it.
    config.addData('features.py', synthString(() => feastFeatureDefinitions(this.entities, this.offline(), this.props.ttl?.toSeconds({ integral: false }))));
    return config;
  }

  private createVolumes(): FeastVolumes {
    const secret = this.props.redisConnectionSecret;
    return {
      template: kplus.Volume.fromConfigMap(this, 'TemplateVolume', this.config, { name: 'template' }),
      repo: kplus.Volume.fromEmptyDir(this, 'RepoVolume', 'repo'),
      tmp: kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp'),
      redis: kplus.Volume.fromSecret(this, 'RedisVolume', kplus.Secret.fromSecretName(this, 'RedisSecret', secret.name), {
        name: 'redis',
        items: { [secret.key]: { path: 'connection-string' } },
        defaultMode: 0o400,
      }),
    };
  }

  /**
   * Renders the repository into an emptyDir: the config with the connection string (JSON-quoted,
   * so any character in a password is safe) and the feature definitions.
   */
  private renderInitContainer(): kplus.ContainerProps {
    return {
      name: 'render-config',
      image: this.props.image,
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
      securityContext: RESTRICTED_CONTAINER_PROPS,
      volumeMounts: [
        { path: TEMPLATE, volume: this.volumes.template, readOnly: true },
        { path: REDIS_DIR, volume: this.volumes.redis, readOnly: true },
        { path: REPO, volume: this.volumes.repo },
      ],
    };
  }

  /** A Feast container (server or job) reading the rendered repository. */
  private renderContainer(name: string, command: string[], args?: string[]): kplus.ContainerProps {
    return {
      name,
      image: this.props.image,
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      command,
      args,
      envVariables: { HOME: kplus.EnvValue.fromValue('/tmp') },
      resources: toContainerResources(this.props.resources ?? DEFAULT_RESOURCES),
      securityContext: RESTRICTED_CONTAINER_PROPS,
      volumeMounts: [
        { path: REPO, volume: this.volumes.repo },
        { path: '/tmp', volume: this.volumes.tmp },
      ],
    };
  }

  /** What the server's and the jobs' pods share: labels, service account, restricted context, the init container. */
  private podProps() {
    return {
      podMetadata: { labels: this.labels },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD_PROPS,
      initContainers: [this.renderInitContainer()],
    };
  }

  private createServer(): kplus.Deployment {
    const probe = (failureThreshold: number) =>
      kplus.Probe.fromTcpSocket({ port: FEAST_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold });
    const server = this.renderContainer('feature-server', ['feast', '--chdir', REPO, 'serve', '--host', '0.0.0.0', '--port', String(FEAST_PORT)]);
    const deployment = new kplus.Deployment(this, 'Server', {
      metadata: this.metadata(),
      ...this.podProps(),
      select: false,
      replicas: this.props.replicas ?? DEFAULT_PLATFORM_SERVER_REPLICAS,
      containers: [{ ...server, portNumber: FEAST_PORT, startup: probe(30), readiness: probe(3), liveness: probe(6) }],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selectorLabels('feast', NAME) }));
    return deployment;
  }

  private createService(): kplus.Service {
    const service = new kplus.Service(this, 'Service', {
      metadata: this.metadata(),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: FEAST_PORT, targetPort: FEAST_PORT, protocol: kplus.Protocol.TCP }],
    });
    Object.entries(selectorLabels('feast', NAME)).forEach(([k, v]) => service.selectLabel(k, v));
    return service;
  }

  /** Materialization: offline → online, incrementally up to now. Apply first (idempotent): the registry then holds exactly these definitions. */
  private createMaterializeJob(): kplus.CronJob {
    const script =
      'import datetime, subprocess, sys\n' +
      `rc = subprocess.call(["feast", "--chdir", "${REPO}", "apply"])\n` +
      'if rc:\n    sys.exit(rc)\n' +
      'now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")\n' +
      `sys.exit(subprocess.call(["feast", "--chdir", "${REPO}", "materialize-incremental", now]))`;
    const job = new kplus.CronJob(this, 'Materialize', {
      metadata: this.metadata('materialize'),
      ...this.podProps(),
      schedule: this.props.materializationSchedule ?? Cron.hourly(),
      // One schedule interval: a run the controller reaches late still starts (core, cronStartingDeadlineMinutes).
      startingDeadline: Duration.minutes(cronStartingDeadlineMinutes((this.props.materializationSchedule ?? Cron.hourly()).expressionString)),
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: 2,
      containers: [this.renderContainer('materialize', ['python', '-c'], [script])],
    });
    patchPodSeccomp(ApiObject.of(job), '/spec/jobTemplate/spec/template/spec');
    return job;
  }

  /**
   * `feast serve` and materialization read feature views from the registry, not from features.py:
   * a Job named after the definitions' version registers them (`feast apply`), once per version,
   * when the manifests are applied.
   */
  private createApplyJob(): kplus.Job {
    const job = new kplus.Job(this, 'Apply', {
      metadata: this.metadata(undefined, synthString(() => `${NAME}-apply-${this.version}`)),
      ...this.podProps(),
      backoffLimit: 3,
      ttlAfterFinished: Duration.days(1),
      containers: [this.renderContainer('apply', ['feast', '--chdir', REPO, 'apply'])],
    });
    patchPodSeccomp(ApiObject.of(job), '/spec/template/spec');
    return job;
  }
}

/**
 * The props as the schema sees them: the user's keys, the TTL in seconds, the schedule's
 * expression, entities, tables and client namespaces as they are now.
 */
function plainProps(
  props: FeatureStoreProps,
  entities: EntityDefinition[],
  tables: Record<string, string>,
  clients: string[] | undefined,
): Record<string, unknown> {
  return {
    ...props,
    entities,
    allowedClientNamespaces: clients,
    offlineStore: { ...props.offlineStore, tables },
    materializationSchedule: props.materializationSchedule?.expressionString,
    ttl: props.ttl?.toSeconds({ integral: false }),
  };
}
