import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeResources, SecretKeyReference } from './compute-resources';
import { selectorLabels, standardLabels } from './private/labels';
import { serverNetworkPolicy } from './private/network-policy';
import { toContainerResources } from './private/quantities';
import { RESTRICTED_CONTAINER_PROPS, RESTRICTED_POD_PROPS } from './private/security';
import { validateProps } from './private/validate';
import { DEFAULT_PLATFORM_SERVER_REPLICAS } from '../core/policy';
import { mlflowServerSchema } from '../core/schemas/model-registry';

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
}

/**
 * An MLflow tracking server and model registry on Kubernetes: Deployment (non-root, read-only
 * root filesystem, probes, explicit resources), Service, ServiceAccount, ConfigMap, NetworkPolicy,
 * PodDisruptionBudget and, optionally, its namespace.
 *
 * Models registered through the library carry the lineage contract (`core.Lineage`) as MLflow
 * model version tags under the same keys as on SageMaker.
 */
export class ModelRegistry extends Construct {
  /** The namespace the server runs in. */
  public readonly namespace: string;
  /** The server's Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The server's Service. */
  public readonly service: kplus.Service;
  /** In-cluster URL of the tracking server. */
  public readonly trackingUri: string;

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    validateProps(this, mlflowServerSchema, props);

    const name = props.name ?? 'mlflow';
    const namespace = props.namespace ?? 'mlflow';
    const port = props.port ?? DEFAULT_PORT;
    const replicas = props.replicas ?? DEFAULT_PLATFORM_SERVER_REPLICAS;
    const labels = standardLabels('mlflow', name, 'model-registry');
    const selector = selectorLabels('mlflow', name);
    const meta = (suffix?: string) => ({ name: suffix ? `${name}-${suffix}` : name, namespace, labels });
    this.namespace = namespace;

    if (props.createNamespace ?? true) {
      new kplus.Namespace(this, 'Namespace', {
        metadata: {
          name: namespace,
          labels: {
            ...labels,
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'v1.28',
          },
        },
      });
    }

    const config = new kplus.ConfigMap(this, 'Config', {
      metadata: meta('config'),
      data: { artifactRoot: props.artifactRoot },
    });

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: {
        ...meta(),
        annotations: props.serviceAccountRoleArn ? { 'eks.amazonaws.com/role-arn': props.serviceAccountRoleArn } : undefined,
      },
      automountToken: false,
    });

    const backendSecret = kplus.Secret.fromSecretName(this, 'BackendStoreSecret', props.backendStoreUriSecret.name);
    const backendVolume = kplus.Volume.fromSecret(this, 'BackendStoreVolume', backendSecret, {
      name: 'backend-store',
      items: { [props.backendStoreUriSecret.key]: { path: 'uri' } },
      defaultMode: 0o400,
    });
    const tmpVolume = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp', { sizeLimit: undefined });

    const probe = (failureThreshold: number) =>
      kplus.Probe.fromHttpGet('/health', {
        port,
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold,
      });

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: meta(),
      podMetadata: { labels },
      select: false,
      replicas,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: RESTRICTED_POD_PROPS,
      containers: [
        {
          name: 'mlflow',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
          portNumber: port,
          // The backend URI holds credentials: read from the mounted Secret file at start, so it
          // never appears in the manifest, the environment or `kubectl describe`.
          command: ['/bin/sh', '-c'],
          args: [
            'exec mlflow server --host 0.0.0.0 --port "$MLFLOW_PORT"' +
              ` --backend-store-uri "$(cat ${BACKEND_SECRET_DIR}/uri)"` +
              ' --serve-artifacts --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION"',
          ],
          envVariables: {
            MLFLOW_PORT: kplus.EnvValue.fromValue(String(port)),
            MLFLOW_ARTIFACTS_DESTINATION: kplus.EnvValue.fromConfigMap(config, 'artifactRoot'),
            HOME: kplus.EnvValue.fromValue('/tmp'),
          },
          resources: toContainerResources(props.resources ?? DEFAULT_RESOURCES),
          securityContext: RESTRICTED_CONTAINER_PROPS,
          // Migrations of the backend store run at start: give them up to 5 minutes.
          startup: probe(30),
          readiness: probe(3),
          liveness: probe(6),
          volumeMounts: [
            { path: '/tmp', volume: tmpVolume },
            { path: BACKEND_SECRET_DIR, volume: backendVolume, readOnly: true },
          ],
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selector }));

    this.service = new kplus.Service(this, 'Service', {
      metadata: meta(),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port, targetPort: port, protocol: kplus.Protocol.TCP }],
    });
    // Select by the stable app.kubernetes.io labels (not cdk8s' construct-path hash), like the
    // NetworkPolicy and the PodDisruptionBudget.
    for (const [k, v] of Object.entries(selector)) {
      this.service.selectLabel(k, v);
    }
    this.trackingUri = `http://${name}.${namespace}.svc.cluster.local:${port}`;

    serverNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta(),
      podLabels: selector,
      port,
      clientNamespaces: props.allowedClientNamespaces ?? [],
      // Backend database, and HTTPS for S3 / STS.
      egressPorts: [props.backendStorePort ?? DEFAULT_BACKEND_STORE_PORT, 443],
    });

    if (replicas >= 2) {
      new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: meta(),
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: selector },
        },
      });
    }
  }
}
