import { JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LOGS_ONLY_DISK } from '../../core/ephemeral-storage';
import { parseS3Location } from '../../core/schemas/drift-monitor';
import { ComputeResources } from '../compute-resources';
import { GpuServingEndpoint, ServingRenderer } from '../gpu-serving-endpoint';
import { cpuMemoryResources } from './gpu-pod';
import { selectorLabels, standardLabels } from './labels';
import { serverNetworkPolicy } from './network-policy';
import { RESTRICTED_CONTAINER, RESTRICTED_POD } from './security';
import { roleAnnotations } from './service-account-role';

const k8s = kplus.k8s;

/** Port of the capture service (lib/runtime/capture/service.ts `DEFAULT_CAPTURE_PORT`). */
export const CAPTURE_SERVICE_PORT = 9300;
/** Port of the capture proxy in front of a Rollout-served model server. */
export const CAPTURE_PROXY_PORT = 9301;
/** Name of the capture proxy container. */
export const CAPTURE_PROXY_CONTAINER = 'capture-proxy';
/** The bundled capture program in the drift-job image (docker/drift-job/Dockerfile). */
const CAPTURE_SCRIPT = '/opt/cdk-mlops/capture.js';
/** Its health path (lib/runtime/capture/proxy.ts `PROXY_HEALTH_PATH`). */
const PROXY_HEALTH_PATH = '/capture-proxy/healthz';
const CONFIG_DIR = '/etc/capture';
const SERVICE_RESOURCES: ComputeResources = { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' };
const PROXY_RESOURCES: ComputeResources = { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '256Mi' };

/** What request capture of one served model needs. */
export interface RequestCaptureOptions {
  /** The served model: its name is the capture path's endpoint segment (the drift job's `endpointName`). */
  readonly endpoint: GpuServingEndpoint;
  /** How it is served: KSERVE gets the InferenceService logger, ARGO_ROLLOUT the capture proxy sidecar. */
  readonly renderer: ServingRenderer;
  /** The model server's port (the proxy passes requests on to it). */
  readonly serverPort: number;
  /** The drift-job image (it holds the capture program too), pinned by digest. */
  readonly image: string;
  /** `s3://bucket/prefix` of the capture (the DriftMonitor's `captureUri`). */
  readonly captureUri: string;
  /** Share of inferences captured, 1-100. */
  readonly samplingPercent: number;
  /** IAM role (IRSA) allowed to write the capture prefix (and use its KMS key). */
  readonly roleArn?: string;
  /** KMS key of SSE-KMS, for a bucket whose policy requires it. */
  readonly kmsKeyId?: string;
}

/**
 * Request/response capture of one served model, written as SageMaker data capture where the
 * model's `DriftMonitor` reads it: a capture service (`<name>-capture`: Deployment of one replica,
 * since it pairs a request with its response in memory; Service; ServiceAccount with the IRSA
 * role; NetworkPolicy admitting only the model server's pods, egress only DNS and HTTPS), fed by
 *
 * - KSERVE: the InferenceService's own logger (`spec.predictor.logger`, mode `all`), which KServe's
 *   agent in each predictor pod posts as CloudEvents;
 * - ARGO_ROLLOUT: a capture proxy container in each server pod, in front of the server: the
 *   Service (and the canary Service) send clients to the proxy's port, the proxy passes every
 *   request to the server on loopback and posts the sampled pairs the same way.
 *
 * A NetworkPolicy of its own lets the server's pods reach the capture pods on the service's port.
 */
export class RequestCapture extends Construct {
  /** Name of the capture objects (`<endpoint>-capture`). */
  public readonly name: string;
  /** The URL the logger / proxy post to. */
  public readonly url: string;
  public readonly config: kplus.k8s.KubeConfigMap;
  public readonly serviceAccount: kplus.k8s.KubeServiceAccount;
  public readonly deployment: kplus.k8s.KubeDeployment;
  public readonly service: kplus.k8s.KubeService;
  public readonly networkPolicy: kplus.k8s.KubeNetworkPolicy;
  /** Lets the model server's pods reach the capture pods (their own policy allows DNS and HTTPS only). */
  public readonly serverEgress: kplus.k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, o: RequestCaptureOptions) {
    super(scope, id);
    const endpoint = o.endpoint;
    const namespace = endpoint.namespace;
    this.name = `${endpoint.name}-capture`;
    this.url = `http://${this.name}.${namespace}.svc.cluster.local:${CAPTURE_SERVICE_PORT}/`;
    const labels = standardLabels(this.name, this.name, 'request-capture');
    const selector = selectorLabels(this.name, this.name);
    const metadata = { name: this.name, namespace, labels };
    const [captureBucket, capturePrefix] = parseS3Location(o.captureUri)!;

    // The capture service's config (lib/runtime/capture/service.ts parseServiceConfig).
    this.config = new k8s.KubeConfigMap(this, 'Config', {
      metadata,
      data: {
        'config.json': JSON.stringify({
          endpointName: endpoint.name,
          captureBucket,
          capturePrefix: capturePrefix.replace(/\/+$/, ''),
          samplingPercent: o.samplingPercent,
          port: CAPTURE_SERVICE_PORT,
          ...(o.kmsKeyId !== undefined ? { kmsKeyId: o.kmsKeyId } : {}),
        }, null, 2),
      },
    });
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...metadata, annotations: roleAnnotations(o.roleArn, undefined) },
      automountServiceAccountToken: false,
    });
    this.deployment = this.createDeployment(o, metadata, labels, selector);
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: CAPTURE_SERVICE_PORT, targetPort: k8s.IntOrString.fromNumber(CAPTURE_SERVICE_PORT), protocol: 'TCP' }],
      },
    });
    // Only the model server's pods post events; the service reaches DNS and S3 (HTTPS) only.
    const serverPods = selectorLabels(endpoint.name, endpoint.name);
    this.networkPolicy = serverNetworkPolicy(this, 'NetworkPolicy', {
      metadata,
      podLabels: selector,
      port: CAPTURE_SERVICE_PORT,
      clientNamespaces: [],
      egressPorts: [443],
    });
    // serverNetworkPolicy admits every pod of the namespace; narrow it to the server's pods.
    this.networkPolicy.addJsonPatch(JsonPatch.replace('/spec/ingress/0/from', [{ podSelector: { matchLabels: serverPods } }]));

    // The server's pods may reach the capture pods: a policy of its own (NetworkPolicies add up),
    // the server's stays as GpuServingEndpoint renders it.
    this.serverEgress = new k8s.KubeNetworkPolicy(this, 'ServerEgress', {
      metadata: { name: `${this.name}-egress`, namespace, labels },
      spec: {
        podSelector: { matchLabels: serverPods },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: selector } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(CAPTURE_SERVICE_PORT) }] }],
      },
    });
    if (o.renderer === ServingRenderer.KSERVE) {
      // KServe's logger (kserve pkg/apis/serving/v1beta1 LoggerSpec): every request and its 200 response.
      endpoint.defaultChild.addJsonPatch(JsonPatch.add('/spec/predictor/logger', { mode: 'all', url: this.url }));
    } else {
      this.addProxy(endpoint, o);
    }
  }

  /** The capture service: one replica (a request and its response must meet in one process), restricted, probed. */
  private createDeployment(o: RequestCaptureOptions, metadata: kplus.k8s.ObjectMeta, labels: Record<string, string>,
    selector: Record<string, string>): kplus.k8s.KubeDeployment {
    const probe = (failureThreshold: number): kplus.k8s.Probe => ({
      httpGet: { path: '/healthz', port: k8s.IntOrString.fromNumber(CAPTURE_SERVICE_PORT), scheme: 'HTTP' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold,
    });
    return new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        // One replica: a request and its response must reach the same process to be paired.
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            securityContext: RESTRICTED_POD,
            // SIGTERM writes what is buffered (one PutObject per variant and batch).
            terminationGracePeriodSeconds: 60,
            containers: [{
              name: 'capture',
              image: o.image,
              imagePullPolicy: 'Always',
              command: ['node', CAPTURE_SCRIPT],
              args: ['serve', '--config', `${CONFIG_DIR}/config.json`],
              ports: [{ name: 'http', containerPort: CAPTURE_SERVICE_PORT, protocol: 'TCP' }],
              resources: cpuMemoryResources(SERVICE_RESOURCES, LOGS_ONLY_DISK),
              securityContext: RESTRICTED_CONTAINER,
              readinessProbe: probe(3),
              livenessProbe: probe(6),
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
            }],
            volumes: [{ name: 'config', configMap: { name: this.name } }],
          },
        },
      },
    });
  }

  /** The proxy container in the server's pods, and the Services sending clients to it. */
  private addProxy(endpoint: GpuServingEndpoint, o: RequestCaptureOptions): void {
    const serverPort = o.serverPort;
    endpoint.addContainer({
      name: CAPTURE_PROXY_CONTAINER,
      image: o.image,
      resources: PROXY_RESOURCES,
      command: ['node', CAPTURE_SCRIPT],
      args: [
        'proxy',
        '--listen', String(CAPTURE_PROXY_PORT),
        '--upstream', `http://127.0.0.1:${serverPort}`,
        '--sink', this.url,
        '--endpoint-name', endpoint.name,
        '--sampling-percent', String(o.samplingPercent),
      ],
      port: CAPTURE_PROXY_PORT,
      healthPath: PROXY_HEALTH_PATH,
    });
    for (const service of [endpoint.service, endpoint.canaryService]) {
      // Port 0 is the server's `http` port (GpuServingEndpoint.createService): its target becomes the proxy.
      // The L1's own type: KubeService.toJson() renders the patched props through toJson_KubeServiceProps.
      service?.addJsonPatch(JsonPatch.replace('/spec/ports/0/targetPort', k8s.IntOrString.fromNumber(CAPTURE_PROXY_PORT)));
    }
  }
}
