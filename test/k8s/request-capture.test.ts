/**
 * Request capture on Kubernetes (lib/k8s/private/capture.ts): the capture service and how each
 * renderer feeds it: KServe's InferenceService logger, the capture proxy in a Rollout's pods.
 * The rendered config is the one the drift job's CronJob reads (same endpoint, bucket and prefix);
 * the end-to-end proof against S3 is test/emulator/capture.emulator.ts (`npm run validate`).
 */

import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { DriftMonitor } from '../../lib/k8s/drift-monitor';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, ServingRenderer, TrafficRouter } from '../../lib/k8s/gpu-serving-endpoint';
import { CAPTURE_PROXY_PORT, CAPTURE_SERVICE_PORT, RequestCapture } from '../../lib/k8s/private/capture';
import { parseServiceConfig } from '../../lib/runtime/capture/service';
import { parseCliConfig } from '../../lib/runtime/drift-job/cli';
import { synthValid } from '../support/k8s';

const IMAGE = `registry.example.com/churn/server@sha256:${'c'.repeat(64)}`;
const DRIFT_IMAGE = `registry.example.com/cdk-mlops/drift-job@sha256:${'d'.repeat(64)}`;
const OWNERSHIP = { owner: 'churn-oncall', runbookUrl: 'https://runbooks.example.com/churn' };
const CAPTURE_URI = 's3://acme-ml-capture/datacapture/';
const ROLE = 'arn:aws:iam::123456789012:role/acme-churn-capture';

function render(renderer: ServingRenderer, trafficRouter?: TrafficRouter) {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  const endpoint = new GpuServingEndpoint(chart, 'Serving', {
    name: 'acme-churn',
    namespace: 'acme-churn',
    image: IMAGE,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' },
    alarmOwnership: OWNERSHIP,
    renderer,
    trafficRouter,
    port: 8081,
  });
  new RequestCapture(chart, 'Capture', {
    endpoint, renderer, serverPort: 8081, image: DRIFT_IMAGE, captureUri: CAPTURE_URI, samplingPercent: 20, roleArn: ROLE,
  });
  new DriftMonitor(chart, 'Drift', {
    endpointName: 'acme-churn',
    namespace: 'acme-churn',
    createNamespace: false,
    image: DRIFT_IMAGE,
    captureUri: CAPTURE_URI,
    baselineUri: 's3://acme-ml-baselines/churn/baseline.json',
    features: ['tenure_months'],
    alarmOwnership: OWNERSHIP,
    pushgatewayUrl: 'http://pushgateway.monitoring:9091',
  });
  const objects = synthValid(chart);
  const find = (kind: string, name: string) => {
    const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    expect(found).toHaveLength(1);
    return found[0];
  };
  return { objects, find };
}

describe('RequestCapture', () => {
  describe.each([ServingRenderer.ARGO_ROLLOUT, ServingRenderer.KSERVE])('%s', (renderer) => {
    const { find } = render(renderer);

    it('writes where the drift CronJob reads, as the platform samples', () => {
      const capture = parseServiceConfig(find('ConfigMap', 'acme-churn-capture').data['config.json']);
      const drift = parseCliConfig(find('ConfigMap', 'drift-acme-churn-config').data['config.json']);
      expect(capture).toMatchObject({
        endpointName: drift.endpointName,
        captureBucket: drift.captureBucket,
        capturePrefix: drift.capturePrefix,
        samplingPercent: 20,
      });
      expect(capture.capturePrefix).toBe('datacapture');
    });

    it('runs the capture service restricted, one replica, with the IRSA role and probes', () => {
      const deployment = find('Deployment', 'acme-churn-capture');
      expect(deployment.spec.replicas).toBe(1);
      const pod = deployment.spec.template.spec;
      expect(pod).toMatchObject({ serviceAccountName: 'acme-churn-capture', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } });
      const [c] = pod.containers;
      expect(c).toMatchObject({
        image: DRIFT_IMAGE,
        command: ['node', '/opt/cdk-mlops/capture.js'],
        args: ['serve', '--config', '/etc/capture/config.json'],
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        readinessProbe: { httpGet: { path: '/healthz', port: CAPTURE_SERVICE_PORT } },
        livenessProbe: { httpGet: { path: '/healthz', port: CAPTURE_SERVICE_PORT } },
      });
      expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
      expect(find('ServiceAccount', 'acme-churn-capture').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': ROLE });
    });

    it('admits only the model server pods, and lets them reach it', () => {
      const np = find('NetworkPolicy', 'acme-churn-capture').spec;
      expect(np.ingress).toEqual([{
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'acme-churn', 'app.kubernetes.io/instance': 'acme-churn' } } }],
        ports: [{ protocol: 'TCP', port: CAPTURE_SERVICE_PORT }],
      }]);
      expect(np.egress.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort()).toEqual([443, 53, 53]);
      const egress = find('NetworkPolicy', 'acme-churn-capture-egress').spec;
      expect(egress).toEqual({
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'acme-churn', 'app.kubernetes.io/instance': 'acme-churn' } },
        policyTypes: ['Egress'],
        egress: [{
          to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'acme-churn-capture', 'app.kubernetes.io/instance': 'acme-churn-capture' } } }],
          ports: [{ protocol: 'TCP', port: CAPTURE_SERVICE_PORT }],
        }],
      });
    });
  });

  it('KSERVE: the InferenceService logger posts every request and response to the service', () => {
    const { find } = render(ServingRenderer.KSERVE);
    const predictor = find('InferenceService', 'acme-churn').spec.predictor;
    expect(predictor.logger).toEqual({ mode: 'all', url: 'http://acme-churn-capture.acme-churn.svc.cluster.local:9300/' });
    expect(predictor.containers.map((c: any) => c.name)).toEqual(['kserve-container']);
  });

  it('ARGO_ROLLOUT: the proxy sits in front of the server, the Service targets it', () => {
    const { find } = render(ServingRenderer.ARGO_ROLLOUT);
    const containers = find('Rollout', 'acme-churn').spec.template.spec.containers;
    expect(containers.map((c: any) => c.name)).toEqual(['server', 'capture-proxy']);
    expect(containers[1]).toMatchObject({
      image: DRIFT_IMAGE,
      command: ['node', '/opt/cdk-mlops/capture.js'],
      args: ['proxy', '--listen', '9301', '--upstream', 'http://127.0.0.1:8081', '--sink', 'http://acme-churn-capture.acme-churn.svc.cluster.local:9300/',
        '--endpoint-name', 'acme-churn', '--sampling-percent', '20'],
      readinessProbe: { httpGet: { path: '/capture-proxy/healthz', port: CAPTURE_PROXY_PORT } },
      securityContext: { readOnlyRootFilesystem: true },
    });
    expect(find('Service', 'acme-churn').spec.ports[0]).toEqual({ name: 'http', port: 8081, targetPort: CAPTURE_PROXY_PORT, protocol: 'TCP' });
    const ingress = find('NetworkPolicy', 'acme-churn').spec.ingress[0];
    expect(ingress.ports.map((p: any) => p.port)).toEqual([8081, CAPTURE_PROXY_PORT]);
  });

  it('ARGO_ROLLOUT with NGINX: the canary Service targets the proxy too', () => {
    const { find } = render(ServingRenderer.ARGO_ROLLOUT, TrafficRouter.NGINX);
    for (const name of ['acme-churn', 'acme-churn-canary']) {
      expect(find('Service', name).spec.ports[0].targetPort).toBe(CAPTURE_PROXY_PORT);
    }
  });
});
