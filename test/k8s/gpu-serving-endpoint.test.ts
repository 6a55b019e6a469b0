import { ApiObject, App, Chart, Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { RollbackTrigger, ThresholdComparison } from '../../lib/core/rollback';
import { RolloutPolicy } from '../../lib/core/rollout';
import { warningsOf } from '../../lib/core/warnings';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint, GpuServingEndpointProps, KServeDeploymentMode, ServingRenderer } from '../../lib/k8s/gpu-serving-endpoint';
import { GpuSharing } from '../../lib/k8s/gpu-sharing';
import { expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const IMAGE = `registry.example.com/fraud/triton@sha256:${'c'.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };

function setup(sharing?: GpuSharing, gpu = GpuModel.A10G) {
  const chart = Testing.chart();
  const pool = new GpuNodePool(chart, 'Pool', { gpu, clusterName: 'ml', nodeRole: 'NodeRole', sharing });
  return { chart, pool };
}

function build(props: Partial<GpuServingEndpointProps> = {}, sharing?: GpuSharing, gpu?: GpuModel) {
  const { chart, pool } = setup(sharing, gpu);
  const ep = new GpuServingEndpoint(chart, 'Fraud', {
    image: IMAGE,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
    alarmOwnership: OWNERSHIP,
    ...props,
  });
  return { chart, ep };
}

function servingObjects(chart: Chart): any[] {
  return synthValid(chart).filter((o) => o.metadata?.namespace === 'serving' || o.metadata?.name === 'serving' || o.kind === 'InferenceService');
}

function render(props: Partial<GpuServingEndpointProps> = {}, sharing?: GpuSharing, gpu?: GpuModel) {
  const { chart, ep } = build(props, sharing, gpu);
  return { ep, objects: servingObjects(chart) };
}

const SIDECAR_IMAGE = `registry.example.com/fraud/request-logger@sha256:${'d'.repeat(64)}`;
const SIDECAR_RESOURCES = { cpuRequest: '100m', cpuLimit: '200m', memoryRequest: '128Mi', memoryLimit: '256Mi' };

describe('GpuServingEndpoint (Kubernetes)', () => {
  describe('default (Argo Rollout)', () => {
    const { ep, objects } = render({ modelSizeGiB: 10 });
    const rollout = one(objects, 'Rollout');
    const pod = rollout.spec.template.spec;
    const c = pod.containers[0];

    it('renders a Rollout, AnalysisTemplate, Service, PDB, NetworkPolicy and PrometheusRule, all schema-valid', () => {
      expect(objects.map((o) => o.kind).sort()).toEqual(
        ['AnalysisTemplate', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'PrometheusRule', 'Rollout', 'Service', 'ServiceAccount'].sort(),
      );
      expect(ep.name).toBe('fraud');
    });

    it('requests the pool\'s GPU with explicit CPU and memory, as real quantities', () => {
      expect(c.resources).toEqual({
        // ephemeral-storage (13.13): one copy of the 10 GiB model + 1 GiB; the whole /tmp + 1 GiB.
        requests: { 'cpu': '2', 'memory': '8Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '11Gi' },
        limits: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '22Gi' },
      });
      // The FACTS.md trap: the GPU value must survive YAML synthesis too, not only Testing.synth.
      const app = new App();
      const chart = new Chart(app, 'yaml');
      const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
      new GpuServingEndpoint(chart, 'Fraud', { image: IMAGE, nodePool: pool, resources: { cpuRequest: '1', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' }, alarmOwnership: OWNERSHIP });
      const docs = YAML.parseAllDocuments(app.synthYaml()).map((d) => d.toJS());
      expect(docs.find((d) => d.kind === 'Rollout').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    });

    it('tolerates the GPU taint and is attracted to the pool', () => {
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: 'cdk-mlops.io/gpu-pool', operator: 'In', values: ['gpu-a10g'] }] },
      ]);
    });

    it('runs non-root, read-only, with FallbackToLogsOnError and probes sized for the model', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
      expect(c.startupProbe).toMatchObject({ httpGet: { path: '/v2/health/ready', port: 8080 }, periodSeconds: 10, failureThreshold: 72 });
      expect(c.readinessProbe.httpGet.path).toBe('/v2/health/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/v2/health/live');
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it('canaries 10% for 10 minutes with background analysis from the first step', () => {
      expect(rollout.spec.replicas).toBe(2);
      expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 10 }, { pause: { duration: '600s' } }]);
      expect(rollout.spec.strategy.canary.analysis).toEqual({
        templates: [{ templateName: 'fraud-rollback' }],
        startingStep: 1,
        args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
      });
      expect(rollout.spec.progressDeadlineAbort).toBe(true);
    });

    it('analyses the error rate with conditions that stay inconclusive on empty results', () => {
      const metrics = one(objects, 'AnalysisTemplate').spec.metrics;
      expect(metrics.map((m: any) => m.name)).toEqual(['enough-traffic', 'error-rate']);
      const errorRate = metrics[1];
      expect(errorRate.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] <= 1');
      expect(errorRate.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] > 1');
      expect(errorRate.failureLimit).toBe(1);
      // Only the canary's pods (by pod template hash); no 5xx series counts as zero errors.
      const canary = 'namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*"';
      expect(errorRate.provider.prometheus.query).toBe(
        `100 * (sum(rate(http_requests_total{${canary},code=~"5.."}[120s])) or vector(0)) / sum(rate(http_requests_total{${canary}}[120s]))`,
      );
      expect(metrics[0]).toMatchObject({ successCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.5', failureCondition: 'false', inconclusiveLimit: 2 });
    });

    it('alerts with owner and runbook on error rate, GPU memory, XID errors, restarts and OOMKilled', () => {
      const rules = one(objects, 'PrometheusRule').spec.groups[0].rules;
      expect(rules.map((r: any) => r.alert)).toEqual(['FraudErrorRate', 'FraudGpuMemoryHigh', 'FraudGpuXidErrors', 'FraudRestarting', 'FraudOomKilled']);
      for (const r of rules) {
        expect(r.labels.owner).toBe('fraud-oncall');
        expect(r.annotations.runbook_url).toBe('https://runbooks.example.com/fraud');
      }
      expect(rules[1].expr).toContain('DCGM_FI_DEV_FB_USED');
      expect(rules[2].expr).toContain('DCGM_FI_DEV_XID_ERRORS');
      expect(rules[4].expr).toContain('reason="OOMKilled"');
      // The alert watches the whole fleet: every canary-hash placeholder replaced, query parenthesised.
      expect(rules[0].expr).toBe(
        '(100 * (sum(rate(http_requests_total{namespace="serving",pod=~"fraud-.*-.*",code=~"5.."}[120s])) or vector(0)) / sum(rate(http_requests_total{namespace="serving",pod=~"fraud-.*-.*"}[120s]))) > 1',
      );
    });

    it('keeps one replica through disruptions and admits only its namespace', () => {
      expect(one(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
      expect(one(objects, 'NetworkPolicy').spec.ingress[0]).toEqual({
        from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      });
      expect(one(objects, 'Service').spec.selector).toEqual(rollout.spec.selector.matchLabels);
    });
  });

  describe('configured', () => {
    it('staged steps, HPA on the Rollout, p99 and business metric triggers', () => {
      const { objects } = render({
        replicas: 4,
        maxReplicas: 10,
        rollout: RolloutPolicy.staged({
          steps: [
            { percent: 5, bake: Duration.minutes(10) },
            { percent: 25, bake: Duration.minutes(10) },
            { percent: 50, bake: Duration.minutes(15) },
            { percent: 100 },
          ],
        }),
        rollbackTriggers: [
          RollbackTrigger.p99Latency({ maxMillis: 300 }),
          RollbackTrigger.metric({ name: 'conversion-rate', threshold: 2, comparison: ThresholdComparison.LESS_THAN, prometheusQuery: 'conv_rate' }),
        ],
        prometheusRuleLabels: { release: 'kube-prometheus-stack' },
      });
      expect(one(objects, 'Rollout').spec.strategy.canary.steps).toEqual([
        { setWeight: 5 }, { pause: { duration: '600s' } },
        { setWeight: 25 }, { pause: { duration: '600s' } },
        { setWeight: 50 }, { pause: { duration: '900s' } },
      ]);
      // GPU utilisation by default (issue 13.13), through KEDA: it creates the HPA.
      const scaler = one(objects, 'ScaledObject');
      expect(scaler.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'fraud' }, minReplicaCount: 4, maxReplicaCount: 10 });
      const metrics = one(objects, 'AnalysisTemplate').spec.metrics;
      expect(metrics[1]).toMatchObject({
        name: 'p99-latency',
        successCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] <= 300',
        provider: {
          prometheus: {
            query: '1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="serving",pod=~"fraud-{{args.canary-hash}}-.*"}[120s])))',
          },
        },
      });
      expect(metrics[2]).toMatchObject({ name: 'conversion-rate', successCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] >= 2', failureCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] < 2' });
      expect(one(objects, 'PrometheusRule').metadata.labels.release).toBe('kube-prometheus-stack');
    });

    it('annotates the ServiceAccount with an IAM role (IRSA), still without an API token; names the trigger alerts', () => {
      const { ep, objects } = render({ serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/fraud-serving', rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.p99Latency({ maxMillis: 300 })] });
      expect(one(objects, 'ServiceAccount')).toMatchObject({
        metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/fraud-serving' } },
        automountServiceAccountToken: false,
      });
      expect(ep.triggerAlertNames).toEqual(['FraudErrorRate', 'FraudP99Latency']);
      expect(one(objects, 'PrometheusRule').spec.groups[0].rules.slice(0, 2).map((r: any) => r.alert)).toEqual(ep.triggerAlertNames);
    });

    it('requests a MIG slice on a MIG pool', () => {
      const { objects } = render({}, GpuSharing.mig('1g.10gb'), GpuModel.H100);
      expect(one(objects, 'Rollout').spec.template.spec.containers[0].resources.limits).toEqual({ 'cpu': '4', 'memory': '16Gi', 'nvidia.com/mig-1g.10gb': '1', 'ephemeral-storage': '8Gi' });
    });

    it('renders a KServe InferenceService with a canary percentage in Knative mode', () => {
      const { objects } = render({ renderer: ServingRenderer.KSERVE, maxReplicas: 4 });
      const isvc = one(objects, 'InferenceService');
      expect(isvc.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Knative' });
      expect(isvc.spec.predictor).toMatchObject({ minReplicas: 2, maxReplicas: 4, canaryTrafficPercent: 10 });
      expect(isvc.spec.predictor.containers[0]).toMatchObject({ name: 'kserve-container', image: IMAGE, resources: { limits: { 'nvidia.com/gpu': '1' } } });
      expect(objects.map((o) => o.kind)).not.toContain('Rollout');
    });

    it('admits the namespaces it is told to to the server (Knative to the queue-proxy: gpu-serving-endpoint.kserve.test.ts)', () => {
      const { objects } = render({ renderer: ServingRenderer.KSERVE, allowedClientNamespaces: ['checkout'], monitoringNamespace: 'observability' });
      expect(one(objects, 'NetworkPolicy').spec.ingress[0].from.map((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'])).toEqual([
        undefined, 'checkout', 'observability',
      ]);
    });

    it('renders KServe all-at-once in RawDeployment mode', () => {
      const { objects } = render({
        renderer: ServingRenderer.KSERVE,
        kserveDeploymentMode: KServeDeploymentMode.RAW_DEPLOYMENT,
        rollout: RolloutPolicy.allAtOnce(),
      });
      expect(one(objects, 'InferenceService').spec.predictor.canaryTrafficPercent).toBeUndefined();
    });
  });

  describe('children', () => {
    it('exposes the Rollout as defaultChild and every other object as a typed property', () => {
      const { ep } = build({ maxReplicas: 4, targetCpuUtilizationPercent: 60 });
      expect(ep.defaultChild).toBeInstanceOf(ApiObject);
      expect(ep.defaultChild.kind).toBe('Rollout');
      expect(ep.node.defaultChild).toBe(ep.defaultChild);
      expect(ep.analysisTemplate?.kind).toBe('AnalysisTemplate');
      expect(ep.prometheusRule.kind).toBe('PrometheusRule');
      const kinds = [ep.service, ep.autoscaler, ep.disruptionBudget, ep.networkPolicy, ep.serviceAccount, ep.namespaceObject].map((o) => o?.kind);
      expect(kinds).toEqual([
        'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceAccount', 'Namespace',
      ]);
    });

    it('exposes the InferenceService as defaultChild with KServe, and no analysis or Service', () => {
      const { ep } = build({ renderer: ServingRenderer.KSERVE, replicas: 1, createNamespace: false });
      expect(ep.defaultChild.kind).toBe('InferenceService');
      for (const absent of [ep.analysisTemplate, ep.service, ep.autoscaler, ep.disruptionBudget, ep.namespaceObject]) {
        expect(absent).toBeUndefined();
      }
    });

    it('warns (addWarning) when Argo approximates the first weight by replicas, with the real share (Argo surges a pod)', () => {
      const { ep } = build();
      expect(warningsOf(ep)).toEqual([
        { constructPath: 'test/Fraud', id: 'cdk-mlops:gpu-serving-endpoint:weight-by-replicas', message: expect.stringContaining('with 2 replicas setWeight 10% is 1 of 3 pods (33.3% of traffic)') },
      ]);
      expect(warningsOf(build({ replicas: 10 }).ep)).toEqual([]);
    });
  });

  describe('added after construction', () => {
    it('addEnv: the variable reaches the model server, after HOME and env', () => {
      const { chart, ep } = build({ env: { MODEL_URI: 's3://models/fraud' } });
      ep.addEnv('LOG_LEVEL', 'debug');
      const c = one(servingObjects(chart), 'Rollout').spec.template.spec.containers[0];
      expect(c.env).toEqual([{ name: 'HOME', value: '/tmp' }, { name: 'MODEL_URI', value: 's3://models/fraud' }, { name: 'LOG_LEVEL', value: 'debug' }]);
    });

    it('addEnv: a bad name, or a name set already, is refused naming the property', () => {
      const { ep } = build({ env: { MODEL_URI: 'x' } });
      const bad = expectValidationError(() => ep.addEnv('log-level', 'x'));
      expect(bad.problems).toEqual([
        expect.objectContaining({ constructPath: 'test/Fraud', property: 'name', allowed: expect.stringContaining('must be an environment variable name') }),
      ]);
      const twice = expectValidationError(() => ep.addEnv('MODEL_URI', 'y'));
      expect(twice.problems).toEqual([expect.objectContaining({ property: 'name', allowed: expect.stringContaining('must not be set already') })]);
      // HOME is the construct's default, not a user's variable: it may be replaced, in its place.
      ep.addEnv('HOME', '/scratch');
      expect(ep.defaultChild.toJson().spec.template.spec.containers[0].env.map((e: any) => e.name)).toEqual(['HOME', 'MODEL_URI']);
    });

    it('addContainer: a sidecar with the restricted context, explicit resources and probes on its port', () => {
      const { chart, ep } = build();
      ep.addContainer({
        name: 'request-logger', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES, port: 9090, healthPath: '/healthz', env: { SINK: 's3' },
      });
      ep.addContainer({ name: 'exporter', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES, port: 9091 });
      const [server, logger, exporter] = one(servingObjects(chart), 'Rollout').spec.template.spec.containers;
      expect(server.name).toBe('server');
      expect(logger).toMatchObject({
        name: 'request-logger',
        image: SIDECAR_IMAGE,
        env: [{ name: 'HOME', value: '/tmp' }, { name: 'SINK', value: 's3' }],
        ports: [{ containerPort: 9090, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
        securityContext: server.securityContext,
        readinessProbe: { httpGet: { path: '/healthz', port: 9090 }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: '/healthz', port: 9090 } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      });
      expect(exporter.readinessProbe).toEqual({ tcpSocket: { port: 9091 }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    });

    it('addContainer: a sidecar\'s port is reachable: the NetworkPolicy admits it and the Service exposes it', () => {
      const { chart, ep } = build();
      const objects = () => servingObjects(chart);
      const policyPorts = () => one(objects(), 'NetworkPolicy').spec.ingress[0].ports.map((p: any) => p.port);
      expect(policyPorts()).toEqual([8080]);
      expect(one(objects(), 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http']);
      ep.addContainer({ name: 'exporter', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES, port: 9091 });
      ep.addContainer({ name: 'request-logger', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES });
      expect(policyPorts()).toEqual([8080, 9091]);
      expect(one(objects(), 'NetworkPolicy').spec.ingress[0].from).toContainEqual({ podSelector: {} });
      expect(one(objects(), 'Service').spec.ports).toEqual([
        { name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' },
        { name: 'port-9091', port: 9091, targetPort: 9091, protocol: 'TCP' },
      ]);
    });

    it('addContainer: the sidecar joins the KServe predictor after kserve-container', () => {
      const { chart, ep } = build({ renderer: ServingRenderer.KSERVE });
      ep.addContainer({ name: 'request-logger', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES });
      const containers = one(servingObjects(chart), 'InferenceService').spec.predictor.containers;
      expect(containers.map((c: any) => c.name)).toEqual(['kserve-container', 'request-logger']);
      expect(containers[1].securityContext).toEqual(containers[0].securityContext);
      expect(containers[1].readinessProbe).toBeUndefined();
    });

    it('addContainer: an image without digest is refused naming the property', () => {
      const { ep } = build();
      const e = expectValidationError(() => ep.addContainer({ name: 'logger', image: 'busybox:latest', resources: SIDECAR_RESOURCES }));
      expect(e.problems.map((p) => p.property)).toEqual(['image']);
    });

    it('addContainer: a name or port taken in the pod fails synthesis naming the construct path', () => {
      const { chart, ep } = build({ containers: [{ name: 'logger', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES }] });
      ep.addContainer({ name: 'logger', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES, port: 8080 });
      ep.addContainer({ name: 'server', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES });
      const e = expectValidationError(() => ep.node.validate());
      expect(e.problems.map((p) => `${p.constructPath}: ${p.property} ${p.allowed}`)).toEqual([
        expect.stringMatching(/^test\/Fraud: containers\[1\]\.name must be unique among the containers/),
        expect.stringMatching(/^test\/Fraud: containers\[1\]\.port must differ from the model server's port \(8080\)/),
        expect.stringMatching(/^test\/Fraud: containers\[2\]\.name must not be "server" or "kserve-container"/),
      ]);
      expect(chart.node.path).toBe('test');
    });

    it('addRollbackTrigger: a metric of the analysis and an owned alert', () => {
      const { chart, ep } = build();
      expect(ep.addRollbackTrigger(RollbackTrigger.p99Latency({ maxMillis: 250 }))).toBe('FraudP99Latency');
      const objects = servingObjects(chart);
      expect(one(objects, 'AnalysisTemplate').spec.metrics.map((m: any) => m.name)).toEqual(['enough-traffic', 'error-rate', 'p99-latency']);
      expect(ep.triggerAlertNames).toEqual(['FraudErrorRate', 'FraudP99Latency']);
      const rules = one(objects, 'PrometheusRule').spec.groups[0].rules;
      expect(rules.slice(0, 2).map((r: any) => r.alert)).toEqual(ep.triggerAlertNames);
      expect(rules[1]).toMatchObject({ labels: { owner: 'fraud-oncall', severity: 'critical' }, annotations: { summary: 'p99-latency above 250 ms' } });
    });

    it('addRollbackTrigger: a metric trigger without query is refused naming the property', () => {
      const { ep } = build();
      const e = expectValidationError(() => ep.addRollbackTrigger(RollbackTrigger.metric({ name: 'ctr', threshold: 1, comparison: ThresholdComparison.LESS_THAN })));
      expect(e.problems.map((p) => p.property)).toEqual(['prometheusQuery']);
    });

    it('addRollbackTrigger: a second trigger of one name fails synthesis', () => {
      const app = new App();
      const chart = new Chart(app, 'test');
      const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
      const ep = new GpuServingEndpoint(chart, 'Fraud', { image: IMAGE, nodePool: pool, resources: SIDECAR_RESOURCES, alarmOwnership: OWNERSHIP });
      ep.addRollbackTrigger(RollbackTrigger.errorRate({ maxPercent: 5 }));
      expect(() => app.synthYaml()).toThrow(/test\/Fraud: rollbackTriggers\[1\]\.name must be unique among the rollback triggers/);
    });
  });

  describe('rejected', () => {
    it.each<[string, Partial<GpuServingEndpointProps>, GpuSharing | undefined, string, string]>([
      ['a :latest image', { image: 'nvcr.io/nvidia/tritonserver:latest' }, undefined, 'image', 'moving tag'],
      ['a canary silently ignored by KServe RawDeployment', { renderer: ServingRenderer.KSERVE, kserveDeploymentMode: KServeDeploymentMode.RAW_DEPLOYMENT }, undefined, 'kserveDeploymentMode', 'silently ignores canaryTrafficPercent'],
      ['steps on KServe', { renderer: ServingRenderer.KSERVE, rollout: RolloutPolicy.linear({ stepPercent: 25 }) }, undefined, 'rollout', 'must be a canary or all-at-once with KServe'],
      ['canary steps not increasing', { rollout: RolloutPolicy.staged({ steps: [{ percent: 10 }, { percent: 5 }, { percent: 100 }] }) }, undefined, 'rollout.steps', 'must increase and end at 100'],
      ['fractional weights for Argo', { rollout: RolloutPolicy.canary({ percent: 12.5 }) }, undefined, 'rollout', 'whole percentages'],
      ['two GPU shares per replica on a time-sliced pool', { gpusPerReplica: 2 }, GpuSharing.timeSlicing(4), 'gpusPerReplica', 'must be 1 on a pool with time-sliced GPUs'],
      ['0 replicas', { replicas: 0 }, undefined, 'replicas', 'must be at least 1'],
      ['a fractional KServe canary', { renderer: ServingRenderer.KSERVE, rollout: RolloutPolicy.canary({ percent: 7.5 }) }, undefined, 'rollout', 'whole percentages'],
      ['two triggers with one name', { rollbackTriggers: [RollbackTrigger.errorRate(), RollbackTrigger.errorRate({ maxPercent: 5 })] }, undefined, 'rollbackTriggers[1].name', 'must be unique'],
      [
        'a trigger named like the traffic check',
        { rollbackTriggers: [RollbackTrigger.metric({ name: 'enough-traffic', threshold: 1, comparison: ThresholdComparison.LESS_THAN, prometheusQuery: 'x' })] },
        undefined, 'rollbackTriggers[0].name', 'must not be "enough-traffic"',
      ],
      ['maxReplicas below replicas', { replicas: 4, maxReplicas: 2 }, undefined, 'maxReplicas', 'must be at least replicas (4)'],
      ['a metric trigger without query', { rollbackTriggers: [RollbackTrigger.metric({ name: 'ctr', threshold: 1, comparison: ThresholdComparison.LESS_THAN })] }, undefined, 'rollbackTriggers[0].prometheusQuery', 'must be set for a metric trigger used on Kubernetes'],
      ['a sidecar probe path without port', { containers: [{ name: 'logger', image: SIDECAR_IMAGE, resources: SIDECAR_RESOURCES, healthPath: '/healthz' }] }, undefined, 'containers[0].healthPath', 'must come with port'],
      ['memory request above limit', { resources: { cpuRequest: '1', cpuLimit: '1', memoryRequest: '4Gi', memoryLimit: '2Gi' } }, undefined, 'resources.memoryRequest', 'must not exceed memoryLimit (2Gi)'],
    ])('%s', (_w, props, sharing, property, allowed) => {
      const e = expectValidationError(() => render(props, sharing));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('test/Fraud');
      expect(p!.allowed).toContain(allowed);
    });
  });
});
