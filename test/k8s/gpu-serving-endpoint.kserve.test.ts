import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { KNATIVE_QUEUE_PORTS, KNATIVE_REQUIRED_FEATURES } from '../../lib/core/knative';
import { RolloutPolicy } from '../../lib/core/rollout';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, KServeDeploymentMode, ServingRenderer } from '../../lib/k8s/gpu-serving-endpoint';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const ROOT = join(__dirname, '..', '..');
const IMAGE = `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`;
const SIDECAR = {
  name: 'exporter',
  image: `registry.example.com/fraud/exporter@sha256:${'d'.repeat(64)}`,
  resources: { cpuRequest: '100m', cpuLimit: '200m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
};

function render(props: Partial<GpuServingEndpointProps> = {}): any[] {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  new GpuServingEndpoint(chart, 'Fraud', {
    image: IMAGE,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
    alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' },
    renderer: ServingRenderer.KSERVE,
    ...props,
  });
  return synthValid(chart).filter((o) => o.metadata?.namespace === 'serving');
}

/**
 * Whether a NetworkPolicy admits TCP traffic to `port` from a pod in `namespace` (the Kubernetes
 * semantics the library uses: a rule admits when one of its peers and one of its ports match;
 * `podSelector: {}` alone is the policy's own namespace; namespaces by their name label).
 */
function admits(policy: any, namespace: string, port: number): boolean {
  return (policy.spec.ingress ?? []).some((rule: any) => {
    const fromOk = (rule.from ?? []).some((peer: any) =>
      peer.namespaceSelector
        ? peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] === namespace
        : peer.podSelector !== undefined && namespace === policy.metadata.namespace);
    const portOk = (rule.ports ?? []).some((p: any) => (p.protocol ?? 'TCP') === 'TCP' && p.port === port);
    return fromOk && portOk;
  });
}

describe('GpuServingEndpoint on KServe (issue 13.3, 13.8)', () => {
  describe('Knative mode (the default)', () => {
    const objects = render({ allowedClientNamespaces: ['checkout'] });
    const isvc = one(objects, 'InferenceService');
    const predictor = isvc.spec.predictor;

    it('names the mode as KServe 0.16 and newer do: Knative', () => {
      expect(isvc.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Knative' });
    });

    it('names the serving port as Knative allows (empty, h2c or http1; k8s_validation.go validPortNames)', () => {
      expect(predictor.containers[0].ports).toEqual([{ name: 'http1', containerPort: 8080, protocol: 'TCP' }]);
    });

    it('sets no terminationGracePeriodSeconds (Knative refuses it and uses the revision timeout)', () => {
      expect(predictor).not.toHaveProperty('terminationGracePeriodSeconds');
    });

    it('sets only pod fields Knative allows with the README flags (PodSpecMask in fieldmask.go)', () => {
      // Always allowed, or behind one of the flags KNATIVE_REQUIRED_FEATURES lists.
      const allowed = ['serviceAccountName', 'containers', 'volumes', 'automountServiceAccountToken', 'affinity', 'tolerations', 'securityContext'];
      const extension = ['labels', 'minReplicas', 'maxReplicas', 'canaryTrafficPercent'];
      expect(Object.keys(predictor).filter((k) => !extension.includes(k)).sort()).toEqual([...allowed].sort());
      expect(predictor.automountServiceAccountToken).toBe(false);
    });

    const policy = one(objects, 'NetworkPolicy');
    it.each([
      ['the activator', 'knative-serving', KNATIVE_QUEUE_PORTS.http],
      ['the activator (h2c)', 'knative-serving', KNATIVE_QUEUE_PORTS.http2],
      ['the Istio ingress gateway', 'istio-system', KNATIVE_QUEUE_PORTS.http],
      ['the Istio ingress gateway (h2c)', 'istio-system', KNATIVE_QUEUE_PORTS.http2],
      ['a client namespace (with a mesh)', 'checkout', KNATIVE_QUEUE_PORTS.http],
      ['its own namespace', 'serving', KNATIVE_QUEUE_PORTS.http],
      ['the autoscaler scraping the queue-proxy', 'knative-serving', KNATIVE_QUEUE_PORTS.autoscalerMetrics],
      ['Prometheus scraping the queue-proxy request metrics', 'monitoring', KNATIVE_QUEUE_PORTS.userMetrics],
    ])('admits %s (%s) on %i', (_who, namespace, port) => {
      expect(admits(policy, namespace, port)).toBe(true);
    });

    it('admits nobody else to the queue-proxy', () => {
      expect(admits(policy, 'somewhere-else', KNATIVE_QUEUE_PORTS.http)).toBe(false);
      expect(admits(policy, 'monitoring', KNATIVE_QUEUE_PORTS.autoscalerMetrics)).toBe(false);
      expect(admits(policy, 'checkout', KNATIVE_QUEUE_PORTS.userMetrics)).toBe(false);
    });

    it('admits the ingress gateway of another network layer', () => {
      const kourier = one(render({ knativeIngressNamespace: 'kourier-system' }), 'NetworkPolicy');
      expect(admits(kourier, 'kourier-system', KNATIVE_QUEUE_PORTS.http)).toBe(true);
      expect(admits(kourier, 'istio-system', KNATIVE_QUEUE_PORTS.http)).toBe(false);
    });
  });

  it('still renders the pre-0.16 name when asked (KServe 0.15 and older), with the same Knative shape', () => {
    const isvc = one(render({ kserveDeploymentMode: KServeDeploymentMode.SERVERLESS }), 'InferenceService');
    expect(isvc.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Serverless' });
    expect(isvc.spec.predictor.containers[0].ports[0].name).toBe('http1');
    expect(isvc.spec.predictor).not.toHaveProperty('terminationGracePeriodSeconds');
  });

  describe('Standard mode (plain Deployments)', () => {
    const objects = render({ kserveDeploymentMode: KServeDeploymentMode.STANDARD, rollout: RolloutPolicy.allAtOnce() });
    const isvc = one(objects, 'InferenceService');

    it('keeps the drain period and the port name: no Knative involved', () => {
      expect(isvc.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Standard' });
      expect(isvc.spec.predictor.terminationGracePeriodSeconds).toBe(60);
      expect(isvc.spec.predictor.containers[0].ports[0].name).toBe('http');
    });

    it('opens no queue-proxy port', () => {
      const policy = one(objects, 'NetworkPolicy');
      expect(admits(policy, 'knative-serving', KNATIVE_QUEUE_PORTS.http)).toBe(false);
      expect(admits(policy, 'serving', 8080)).toBe(true);
    });

    it('allows a sidecar port', () => {
      const pred = one(render({ kserveDeploymentMode: KServeDeploymentMode.STANDARD, rollout: RolloutPolicy.allAtOnce(), containers: [{ ...SIDECAR, port: 9400 }] }), 'InferenceService').spec.predictor;
      expect(pred.containers[1].ports).toEqual([{ containerPort: 9400, protocol: 'TCP' }]);
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<GpuServingEndpointProps>, string, string]>([
      ['a canary in Standard mode', { kserveDeploymentMode: KServeDeploymentMode.STANDARD }, 'kserveDeploymentMode', 'must be Knative for a canary'],
      ['a sidecar port in Knative mode (Knative admits one port)', { containers: [{ ...SIDECAR, port: 9400 }] }, 'containers[0].port', 'one container port per pod'],
      ['an ingress namespace that is no name', { knativeIngressNamespace: 'Istio System' }, 'knativeIngressNamespace', ''],
    ])('%s', (_w, props, property, allowed) => {
      const e = expectValidationError(() => render(props));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.allowed).toContain(allowed);
    });

    it('a sidecar port added after construction, at synthesis', () => {
      const app = new App();
      const chart = new Chart(app, 'test');
      const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
      const ep = new GpuServingEndpoint(chart, 'Fraud', {
        image: IMAGE,
        nodePool: pool,
        resources: SIDECAR.resources,
        renderer: ServingRenderer.KSERVE,
        alarmOwnership: { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' },
      });
      ep.addContainer({ ...SIDECAR, port: 9400 });
      expect(() => app.synthYaml()).toThrow(/containers\[0\]\.port must not be set with KServe in Knative mode/);
    });
  });

  it('the README, the check and the library name the same Knative feature flags', () => {
    const configMap = YAML.parse(readFileSync(join(ROOT, 'scripts/knative-validate/config-features.yaml'), 'utf8'));
    expect(Object.keys(configMap.data).sort()).toEqual([...KNATIVE_REQUIRED_FEATURES].sort());
    expect(Object.values(configMap.data).every((v) => v === 'enabled')).toBe(true);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    // The flags to set, between the sentence that asks for them and the defaults to keep.
    const start = readme.indexOf('In Knative mode Knative Serving');
    const section = readme.slice(start, start + readme.slice(start).search(/keep\s+`multi-container`/));
    const flagsInReadme = [...section.matchAll(/`(kubernetes\.[a-z-]+|multi-container[a-z-]*|secure-pod-defaults)`/g)].map((m) => m[1]);
    expect(flagsInReadme.sort()).toEqual([...KNATIVE_REQUIRED_FEATURES].sort());
  });
});
