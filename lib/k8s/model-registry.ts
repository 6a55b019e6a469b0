import { ApiObject, ApiObjectMetadata, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources, SecretKeyReference } from './compute-resources';
import { selectorLabels, standardLabels } from './private/labels';
import { serverNetworkPolicy } from './private/network-policy';
import { toContainerResources } from './private/quantities';
import { RESTRICTED_CONTAINER_PROPS, RESTRICTED_POD_PROPS } from './private/security';
import { addStateValidation, validateProps } from './private/validate';
import { MLFLOW_ALLOWED_HOSTS_ENV, MLFLOW_HOST_CHECKED_PROBE_PATH, mlflowAllowedHosts } from '../core/mlflow';
import { DEFAULT_PLATFORM_SERVER_REPLICAS } from '../core/policy';
import { clientNamespaceSchema, mlflowServerSchema } from '../core/schemas/model-registry';

const DEFAULT_PORT = 5000;
const DEFAULT_BACKEND_STORE_PORT = 5432;
const BACKEND_SECRET_DIR = '/etc/mlflow/backend';

const DEFAULT_RESOURCES: ComputeResources = {
  cpuRequest: '500m',
  cpuLimit: '2',
  memoryRequest: '1Gi',
  memoryLimit: '2Gi',
};

/**
 * Properties of a Kubernetes `ModelRegistry` (an MLflow tracking server).
 */
export interface ModelRegistryProps {
  /**
   * MLflow server image, pinned by digest (`repo@sha256:…`) or by a fixed version tag. Moving
   * tags (`latest`, `main`, …) are rejected.
   */
  readonly image: string;

  /**
   * Secret key holding the backend store URI (e.g. `postgresql://user:pass@host:5432/mlflow`).
   * It is mounted as a file, never placed in the manifest or in an environment variable.
   */
  readonly backendStoreUriSecret: SecretKeyReference;

  /**
   * Where artifacts are stored, an `s3://bucket/prefix` URI. The server proxies artifact access,
   * so only its service account needs S3 permissions.
   */
  readonly artifactRoot: string;

  /**
   * Name of the server's objects (Deployment, Service, …).
   * @default 'mlflow'
   */
  readonly name?: string;

  /**
   * Namespace to run in.
   * @default 'mlflow'
   */
  readonly namespace?: string;

  /**
   * Whether to create the namespace (with the `restricted` Pod Security Standard enforced).
   * @default true
   */
  readonly createNamespace?: boolean;

  /**
   * Number of server replicas. With two or more, a PodDisruptionBudget keeps one serving.
   * @default 2
   */
  readonly replicas?: number;

  /**
   * Port the server listens on and the Service exposes.
   * @default 5000
   */
  readonly port?: number;

  /**
   * Port of the backend database, opened for egress.
   * @default 5432
   */
  readonly backendStorePort?: number;

  /**
   * CPU and memory requests and limits of the server.
   * @default - cpu 500m / 2, memory 1Gi / 2Gi
   */
  readonly resources?: ComputeResources;

  /**
   * IAM role for the server's service account (IRSA), granting access to the artifact root.
   * @default - no role annotation; provide S3 access another way (e.g. EKS Pod Identity)
   */
  readonly serviceAccountRoleArn?: string;

  /**
   * Namespaces whose pods may reach the server, besides its own.
   * @default - only pods in the server's namespace
   */
  readonly allowedClientNamespaces?: string[];

  /**
   * Host headers the server accepts besides its Service's names, e.g. the host of an Ingress
   * (`mlflow.example.com`, with `:port` when it is not the scheme's default). MLflow 3.5 and later
   * answer any other Host with 403 (DNS rebinding protection); `*` inside an entry matches any
   * characters, `*` alone turns the check off.
   * @default - the Service's in-cluster names with the port (`mlflow:5000`, `mlflow.mlflow:5000`,
   * `mlflow.mlflow.svc:5000`, `mlflow.mlflow.svc.cluster.local:5000`) and localhost (`kubectl
   * port-forward`)
   */
  readonly allowedHosts?: string[];
}

/**
 * An MLflow tracking server and model registry on Kubernetes: Deployment (non-root, read-only
 * root filesystem, probes, explicit resources), Service, ServiceAccount, ConfigMap, NetworkPolicy,
 * PodDisruptionBudget and, optionally, its namespace.
 *
 * `defaultChild` is the server's Deployment object (for `addJsonPatch` where no prop or method
 * fits); the other objects are properties. Client namespaces can be admitted after construction
 * (`addAllowedClientNamespace`).
 *
 * Models registered through the library carry the lineage contract (`core.Lineage`) as MLflow
 * model version tags under the same keys as on SageMaker.
 */
export class ModelRegistry extends Construct {
  /** The namespace the server runs in. */
  public readonly namespace: string;
  /** In-cluster URL of the tracking server. */
  public readonly trackingUri: string;
  /** The server's Deployment object (`mlflow server`), also `node.defaultChild`. */
  public readonly defaultChild: ApiObject;
  /** The server's Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The server's Service. */
  public readonly service: kplus.Service;
  /** The server's service account (IRSA annotation with `serviceAccountRoleArn`). */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The server's configuration (`artifactRoot`). */
  public readonly config: kplus.ConfigMap;
  /** Ingress from the allowed namespaces; egress to DNS, the backend database and HTTPS. */
  public readonly networkPolicy: kplus.k8s.KubeNetworkPolicy;
  /**
   * Keeps one replica serving through voluntary disruptions.
   * @default - none with a single replica
   */
  public readonly disruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /**
   * The namespace object (restricted Pod Security Standard).
   * @default - none when `createNamespace` is false
   */
  public readonly namespaceObject?: kplus.Namespace;

  private readonly props: ModelRegistryProps;
  private readonly name: string;
  private readonly port: number;
  private readonly labels: Record<string, string>;
  /** Namespaces admitted besides the server's own, as they are now (props, then `addAllowedClientNamespace`). */
  private readonly clientNamespaces: string[];

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    validateProps(this, mlflowServerSchema, props);
    this.props = props;
    this.name = props.name ?? 'mlflow';
    this.namespace = props.namespace ?? 'mlflow';
    this.port = props.port ?? DEFAULT_PORT;
    this.labels = standardLabels('mlflow', this.name, 'model-registry');
    this.clientNamespaces = [...(props.allowedClientNamespaces ?? [])];
    this.trackingUri = `http://${this.name}.${this.namespace}.svc.cluster.local:${this.port}`;

    if (props.createNamespace ?? true) {
      this.namespaceObject = this.createNamespace();
    }
    this.config = new kplus.ConfigMap(this, 'Config', { metadata: this.metadata('config'), data: { artifactRoot: props.artifactRoot } });
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: {
        ...this.metadata(),
        annotations: props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } : undefined,
      },
      automountToken: false,
    });
    this.deployment = this.createDeployment();
    this.defaultChild = ApiObject.of(this.deployment);
    this.node.defaultChild = this.defaultChild;
    this.service = this.createService();
    this.networkPolicy = serverNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.metadata(),
      podLabels: selectorLabels('mlflow', this.name),
      port: this.port,
      clientNamespaces: this.clientNamespaces,
      // Backend database, and HTTPS for S3 / STS.
      egressPorts: [props.backendStorePort ?? DEFAULT_BACKEND_STORE_PORT, 443],
    });
    if ((props.replicas ?? DEFAULT_PLATFORM_SERVER_REPLICAS) >= 2) {
      this.disruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: this.metadata(),
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: selectorLabels('mlflow', this.name) },
        },
      });
    }
    // Namespaces added later are judged with the rest (a namespace listed twice).
    addStateValidation(this, mlflowServerSchema, () => ({ ...this.props, allowedClientNamespaces: this.clientNamespaces }));
  }

  /**
   * Let the pods of one more namespace reach the server (its NetworkPolicy admits them), as an
   * entry of `allowedClientNamespaces` does.
   * @param namespace a namespace name (listed twice, it fails synthesis)
   */
  public addAllowedClientNamespace(namespace: string): void {
    validateProps(this, clientNamespaceSchema, { namespace });
    this.clientNamespaces.push(namespace);
  }

  private metadata(suffix?: string): ApiObjectMetadata {
    return { name: suffix ? `${this.name}-${suffix}` : this.name, namespace: this.namespace, labels: this.labels };
  }

  private createNamespace(): kplus.Namespace {
    return new kplus.Namespace(this, 'Namespace', {
      metadata: {
        name: this.namespace,
        labels: {
          ...this.labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
        },
      },
    });
  }

  private createDeployment(): kplus.Deployment {
    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: this.metadata(),
      podMetadata: { labels: this.labels },
      select: false,
      replicas: this.props.replicas ?? DEFAULT_PLATFORM_SERVER_REPLICAS,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD_PROPS,
      containers: [this.renderServerContainer()],
    });
    deployment.select(kplus.LabelSelector.of({ labels: selectorLabels('mlflow', this.name) }));
    // Ready means the register step's calls are answered: an API read sent with the in-cluster
    // Host header (/health is exempt from MLflow's host check, so it stays green on a wrong host
    // list). cdk8s-plus has no probe headers: patched in (the kubelet sends a Host entry as the
    // request's Host, k8s.io/kubernetes pkg/probe/http/request.go).
    const readiness = '/spec/template/spec/containers/0/readinessProbe/httpGet';
    ApiObject.of(deployment).addJsonPatch(
      JsonPatch.replace(`${readiness}/path`, MLFLOW_HOST_CHECKED_PROBE_PATH),
      JsonPatch.add(`${readiness}/httpHeaders`, [{ name: 'Host', value: `${this.name}.${this.namespace}.svc.cluster.local:${this.port}` }]),
    );
    return deployment;
  }

  /** The Host headers the server accepts. */
  private allowedHosts(): string[] {
    return mlflowAllowedHosts(this.name, this.namespace, this.port, this.props.allowedHosts ?? []);
  }

  private renderServerContainer(): kplus.ContainerProps {
    const backendSecret = kplus.Secret.fromSecretName(this, 'BackendStoreSecret', this.props.backendStoreUriSecret.name);
    const backendVolume = kplus.Volume.fromSecret(this, 'BackendStoreVolume', backendSecret, {
      name: 'backend-store',
      items: { [this.props.backendStoreUriSecret.key]: { path: 'uri' } },
      defaultMode: 0o400,
    });
    const tmpVolume = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: undefined });
    const probe = (failureThreshold: number) =>
      kplus.Probe.fromHttpGet('/health', { port: this.port, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold });
    return {
      name: 'mlflow',
      image: this.props.image,
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      portNumber: this.port,
      // The backend URI holds credentials: read from the mounted Secret file at start, so it
      // never appears in the manifest, the environment or `kubectl describe`.
      command: ['/bin/sh', '-c'],
      args: [
        'exec mlflow server --host 0.0.0.0 --port "$MLFLOW_PORT"' +
          ` --backend-store-uri "$(cat ${BACKEND_SECRET_DIR}/uri)"` +
          ' --serve-artifacts --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION"',
      ],
      envVariables: {
        MLFLOW_PORT: kplus.EnvValue.fromValue(String(this.port)),
        // The Host headers MLflow >= 3.5 accepts (403 for any other): the Service's names. An
        // environment variable, which older versions ignore, rather than --allowed-hosts, which
        // they refuse.
        [MLFLOW_ALLOWED_HOSTS_ENV]: kplus.EnvValue.fromValue(this.allowedHosts().join(',')),
        MLFLOW_ARTIFACTS_DESTINATION: kplus.EnvValue.fromConfigMap(this.config, 'artifactRoot'),
        HOME: kplus.EnvValue.fromValue('/tmp'),
      },
      resources: toContainerResources(this.props.resources ?? DEFAULT_RESOURCES),
      securityContext: RESTRICTED_CONTAINER_PROPS,
      // Migrations of the backend store run at start: give them up to 5 minutes. Liveness and
      // startup ask /health (the process answers); readiness asks the API (patched below).
      startup: probe(30),
      readiness: probe(3),
      liveness: probe(6),
      volumeMounts: [
        { path: '/tmp', volume: tmpVolume },
        { path: BACKEND_SECRET_DIR, volume: backendVolume, readOnly: true },
      ],
    };
  }

  private createService(): kplus.Service {
    const service = new kplus.Service(this, 'Service', {
      metadata: this.metadata(),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: this.port, targetPort: this.port, protocol: kplus.Protocol.TCP }],
    });
    // Select by the stable app.kubernetes.io labels (not cdk8s' construct-path hash), like the
    // NetworkPolicy and the PodDisruptionBudget.
    for (const [k, v] of Object.entries(selectorLabels('mlflow', this.name))) {
      service.selectLabel(k, v);
    }
    return service;
  }
}
