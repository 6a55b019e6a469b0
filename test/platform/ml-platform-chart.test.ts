import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App as AwsApp, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { App, Testing } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { KubernetesServingRenderer, PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV, expectValidationError } from '../support/aws';
import { one, synthValid } from '../support/k8s';

const SPEC_FILE = path.join(__dirname, '..', '..', 'examples', 'platform.yaml');
const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(SPEC_FILE, 'utf-8'));
const OWNER = { owner: 'churn-ml-oncall', runbook_url: 'https://runbooks.example.com/ml/churn' };

/** Every object of the platform: its chart's, then each model's chart's (validated). */
function build(spec: PlatformSpec = SPEC): { chart: MlPlatformChart; objects: any[] } {
  const chart = new MlPlatformChart(Testing.app(), 'platform', { spec });
  return { chart, objects: chart.charts.flatMap((c) => synthValid(c)) };
}

/** The objects of each of the platform's charts, in order. */
const synthCharts = (chart: MlPlatformChart) => chart.charts.map((c) => Testing.synth(c));

/** The example spec changed by `change` (a deep copy). */
function withSpec(change: (s: any) => void): PlatformSpec {
  const spec = structuredClone(SPEC) as any;
  change(spec);
  return spec;
}

/** The example spec without any `kubernetes` section: what an AWS-only platform writes. */
function awsOnly(): PlatformSpec {
  return withSpec((s) => {
    delete s.kubernetes;
    for (const m of s.models) {
      delete m.training.kubernetes;
      delete m.serving.kubernetes;
      delete m.drift.kubernetes;
      delete m.experiment?.kubernetes;
      delete m.batch?.kubernetes;
    }
  });
}

const find = (objects: any[], kind: string, name: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0];
};

describe('MlPlatformChart', () => {
  describe('the example spec (examples/platform.yaml)', () => {
    let chart: MlPlatformChart;
    let objects: any[];
    beforeAll(() => {
      // Every object is validated against Kubernetes 1.28 and the CRD schemas (synthValid).
      ({ chart, objects } = build());
    });

    it('renders the node pools of the spec: GPU, capacity, limits, the cluster\'s discovery tags and node role', () => {
      const serving = find(objects, 'NodePool', 'a10g-serving');
      const req = (pool: any, key: string) => pool.spec.template.spec.requirements.find((r: any) => r.key === key).values;
      expect(req(serving, 'karpenter.sh/capacity-type')).toEqual(['on-demand']);
      expect(req(serving, 'karpenter.k8s.aws/instance-gpu-name')).toEqual(['a10g']);
      expect(serving.spec.limits).toEqual({ 'nvidia.com/gpu': '12' });
      expect(serving.spec.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }]);
      const training = find(objects, 'NodePool', 'a10g-training');
      expect(req(training, 'karpenter.sh/capacity-type')).toEqual(['spot', 'on-demand']);
      expect(training.spec.disruption).toMatchObject({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '5m' });
      expect(find(objects, 'EC2NodeClass', 'a10g-serving').spec).toMatchObject({
        role: 'KarpenterNodeRole-acme-ml',
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'acme-ml' } }],
      });
      expect(Object.keys(find(objects, 'ConfigMap', 'nvidia-device-plugin-config').data)).toEqual(['a10g-serving', 'a10g-training']);
      expect(chart.nodePools.map((p) => p.name)).toEqual(['a10g-serving', 'a10g-training']);
    });

    it('runs one MLflow for the platform in <platform>-mlflow, reachable from the models\' namespaces', () => {
      const deployment = find(objects, 'Deployment', 'mlflow');
      expect(deployment.metadata.namespace).toBe('acme-mlflow');
      expect(deployment.spec.template.spec.containers[0].image).toContain('/mirror/mlflow@sha256:5555');
      expect(find(objects, 'ServiceAccount', 'mlflow').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/acme-mlflow' });
      expect(find(objects, 'ConfigMap', 'mlflow-config').data).toEqual({ artifactRoot: 's3://acme-ml-artifacts/mlflow' });
      const from = find(objects, 'NetworkPolicy', 'mlflow').spec.ingress[0].from;
      expect(from.map((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'])).toEqual([undefined, 'acme-churn']);
      expect(chart.registry.trackingUri).toBe('http://mlflow.acme-mlflow.svc.cluster.local:5000');
    });

    it('puts each model in its own restricted namespace, <platform>-<model>', () => {
      expect(find(objects, 'Namespace', 'acme-churn').metadata.labels).toEqual({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.28',
        // (issue 19) cost allocation
        'model': 'churn',
        'owner': 'churn-ml-oncall',
        'platform': 'acme',
      });
      // Server, pipeline, drift job, (issue 16) capture, promotion and the retrain Sensor's Role,
      // (issue 17) the experiment's AnalysisTemplates and the NGINX router's Ingress and canary Service,
      // and (issue 18) the SLO's PrometheusRule, batch scoring's templates and its drift job.
      const named = objects.filter((o) => o.metadata.namespace === 'acme-churn').map((o) => `${o.kind}/${o.metadata.name}`).sort();
      expect(named).toEqual([
        'AnalysisTemplate/acme-churn-rollback', 'AnalysisTemplate/churn-v8-retention-decision',
        'AnalysisTemplate/churn-v8-retention-guardrails', 'ConfigMap/acme-churn-batch-config', 'ConfigMap/acme-churn-capture',
        'ConfigMap/drift-acme-churn-batch-config', 'ConfigMap/drift-acme-churn-config', 'CronJob/drift-acme-churn',
        'CronJob/drift-acme-churn-batch', 'CronJob/promote-acme-churn', 'CronWorkflow/acme-churn-batch', 'CronWorkflow/acme-churn-training',
        'Deployment/acme-churn-capture', 'Ingress/acme-churn', 'NetworkPolicy/acme-churn', 'NetworkPolicy/acme-churn-capture',
        'NetworkPolicy/acme-churn-capture-egress', 'PodDisruptionBudget/acme-churn', 'PodMonitor/acme-churn', 'PrometheusRule/acme-churn',
        'PrometheusRule/acme-churn-batch', 'PrometheusRule/acme-churn-slo', 'PrometheusRule/drift-acme-churn',
        'PrometheusRule/drift-acme-churn-batch', 'PrometheusRule/promote-acme-churn', 'Role/acme-churn-batch-executor',
        'Role/acme-churn-training-executor', 'Role/acme-churn-training-retrain', 'Role/promote-acme-churn',
        'RoleBinding/acme-churn-batch-executor', 'RoleBinding/acme-churn-training-executor', 'RoleBinding/acme-churn-training-retrain',
        'RoleBinding/promote-acme-churn', 'Rollout/acme-churn', 'ScaledObject/acme-churn', 'Secret/acme-churn-batch.service-account-token',
        'Secret/acme-churn-training.service-account-token', 'Service/acme-churn', 'Service/acme-churn-canary', 'Service/acme-churn-capture',
        'ServiceAccount/acme-churn', 'ServiceAccount/acme-churn-batch', 'ServiceAccount/acme-churn-capture',
        'ServiceAccount/acme-churn-training', 'ServiceAccount/drift-acme-churn', 'ServiceAccount/drift-acme-churn-batch',
        'ServiceAccount/promote-acme-churn', 'WorkflowTemplate/acme-churn-batch', 'WorkflowTemplate/acme-churn-batch-backfill',
        'WorkflowTemplate/acme-churn-training',
      ]);
      expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['acme-mlflow', 'acme-events', 'acme-churn']);
    });

    it('renders the pipeline as a WorkflowTemplate registering into MLflow, its GPU step on the training pool', () => {
      const wft = find(objects, 'WorkflowTemplate', 'acme-churn-training');
      const template = (name: string) => wft.spec.templates.find((t: any) => t.name === name);
      expect(template('pipeline').dag.tasks.map((t: any) => t.name)).toEqual(['validate', 'train', 'evaluate', 'register', 'gate-failed']);
      expect(template('pipeline').dag.tasks.find((t: any) => t.name === 'register').when)
        .toBe('{{tasks.evaluate.outputs.parameters.metric}} >= 0.8 && {{tasks.evaluate.outputs.parameters.metric}} >= {{workflow.parameters.production-metric}}');
      const params = Object.fromEntries(wft.spec.arguments.parameters.map((p: any) => [p.name, p.value]));
      expect(params).toMatchObject({
        'input-data': 's3://acme-ml-data/churn/customers/',
        'data-version': 'customers@2026-11-22',
        'code-commit': '89abcdef0123456789abcdef0123456789abcdef',
        'feature-set-version': 'fs-77c0d1e2a3b4',
        'artifact-root': 's3://acme-ml-artifacts/pipelines/churn',
      });
      const register = template('register').container;
      expect(register.image).toContain('/acme/mlflow-register@sha256:6666');
      expect(register.command).toEqual(['python', '-m', 'acme.register']);
      expect(Object.fromEntries(register.env.map((e: any) => [e.name, e.value]))).toMatchObject({
        MLFLOW_TRACKING_URI: 'http://mlflow.acme-mlflow.svc.cluster.local:5000',
        REGISTERED_MODEL_NAME: 'acme-churn',
        INFERENCE_IMAGE: SPEC.models[0].pipeline.inferenceImage,
      });
      const train = template('train');
      expect(train.nodeSelector).toEqual({ 'cdk-mlops.io/gpu-pool': 'a10g-training' });
      expect(train.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      // ephemeral-storage: the step's 30 GiB scratch volume, + 1 GiB for logs (core/ephemeral-storage.ts).
      expect(train.container.resources).toEqual({
        requests: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '30Gi' },
        limits: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '31Gi' },
      });
      expect(find(objects, 'ServiceAccount', 'acme-churn-training').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/acme-churn-training' });
    });

    it('retrains weekly at the spec\'s day and hour (UTC)', () => {
      expect(find(objects, 'CronWorkflow', 'acme-churn-training').spec).toMatchObject({
        schedules: ['0 2 * * 1'], timezone: 'UTC', concurrencyPolicy: 'Forbid', workflowSpec: { workflowTemplateRef: { name: 'acme-churn-training' } },
      });
    });

    it('serves the inference image from the model URI on the serving pool, one whole GPU per replica, Guaranteed QoS', () => {
      const rollout = find(objects, 'Rollout', 'acme-churn');
      const pod = rollout.spec.template.spec;
      const c = pod.containers[0];
      expect(c.image).toBe(SPEC.models[0].pipeline.inferenceImage);
      // The model URI through the pod template's annotation the promotion on approval patches; the spec's is its first value.
      // (During the example's experiment the server reads the challenger's annotation instead: ml-platform-chart.experiment.test.ts.)
      const plain = find(build(withSpec((s) => { delete s.models[0].experiment; })).objects, 'Rollout', 'acme-churn');
      expect(plain.spec.template.spec.containers[0].env).toEqual([
        { name: 'HOME', value: '/tmp' },
        { name: 'MODEL_URI', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['mlops.cdk.io/model-uri']" } } },
      ]);
      expect(plain.spec.template.metadata.annotations).toEqual({ 'mlops.cdk.io/model-uri': 's3://acme-ml-models/churn/7/' });
      expect(rollout.spec.template.metadata.annotations['mlops.cdk.io/model-uri']).toBe('s3://acme-ml-models/churn/7/');
      // ephemeral-storage: one copy of the weights + 1 GiB requested, the whole scratch + 1 GiB the limit.
      expect(c.resources).toEqual({
        requests: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '4Gi' },
        limits: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1', 'ephemeral-storage': '8Gi' },
      });
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: 'cdk-mlops.io/gpu-pool', operator: 'In', values: ['a10g-serving'] }] },
      ]);
      expect(find(objects, 'ServiceAccount', 'acme-churn').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/acme-churn-serving' });
      expect(find(objects, 'NetworkPolicy', 'acme-churn').spec.ingress[0].from.map((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name']))
        .toEqual([undefined, 'crm', 'monitoring', 'ingress-nginx']); // the NGINX router's controller too
    });

    it('canaries with the spec\'s percentage and bake, aborted on its 5xx rate and p99 thresholds; scales 2 to 6', () => {
      const rollout = find(objects, 'Rollout', 'acme-churn');
      expect(rollout.spec.replicas).toBe(2);
      // The spec's canary (the example's experiment replaces the steps while it runs: ml-platform-chart.experiment.test.ts).
      const plain = find(build(withSpec((s) => { delete s.models[0].experiment; })).objects, 'Rollout', 'acme-churn');
      expect(plain.spec.strategy.canary.steps).toEqual([{ setWeight: 50 }, { pause: { duration: '900s' } }]);
      expect(plain.spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'acme-churn-rollback' }]);
      expect(rollout.spec.strategy.canary.analysis.templates[0]).toEqual({ templateName: 'acme-churn-rollback' });
      const metrics = find(objects, 'AnalysisTemplate', 'acme-churn-rollback').spec.metrics;
      expect(metrics.map((m: any) => [m.name, m.failureCondition])).toEqual([
        ['enough-traffic', 'false'],
        ['error-rate', 'len(result) > 0 && !isNaN(result[0]) && result[0] > 1'],
        ['p99-latency', 'len(result) > 0 && !isNaN(result[0]) && result[0] > 250'],
        // The SLO's canaryBurnRate 10: 10 × 0.5 % budget of 5xx, 10 × 1 % budget of requests slower than 250 ms.
        ['burn-availability', 'len(result) > 0 && !isNaN(result[0]) && result[0] > 5'],
        ['burn-latency', 'len(result) > 0 && !isNaN(result[0]) && result[0] > 10'],
      ]);
      expect(metrics[1].provider.prometheus.address).toBe('http://prometheus-operated.monitoring.svc.cluster.local:9090');
      // Autoscaling on requests as on AWS: targetInvocationsPerInstance (600 a minute by default) / 60 per replica.
      const scaler = find(objects, 'ScaledObject', 'acme-churn').spec;
      expect(scaler).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 6 });
      expect(scaler.triggers[0].metadata.threshold).toBe('10');
    });

    it('runs the drift job on the model\'s capture, baseline, features and rolling reference, pushing to the Pushgateway', () => {
      expect(JSON.parse(find(objects, 'ConfigMap', 'drift-acme-churn-config').data['config.json'])).toEqual({
        endpointName: 'acme-churn',
        captureBucket: 'acme-ml-capture',
        capturePrefix: 'datacapture',
        baselineBucket: 'acme-ml-baselines',
        baselineKey: 'churn/v7/baseline.json',
        featureNames: ['tenure_months', 'monthly_spend', 'plan', 'support_tickets'],
        windowMinutes: 60,
        reference: 'ROLLING_WINDOW',
        referenceMinutes: 7 * 24 * 60,
      });
      const job = find(objects, 'CronJob', 'drift-acme-churn');
      expect(job.metadata.namespace).toBe('acme-churn');
      const container = job.spec.jobTemplate.spec.template.spec.containers[0];
      expect(container.image).toContain('/cdk-mlops/drift-job@sha256:7777');
      expect(container.args).toEqual(['--config', '/etc/drift/config.json', '--window-minutes', '60', '--pushgateway', 'http://pushgateway.monitoring.svc.cluster.local:9091']);
      expect(find(objects, 'ServiceAccount', 'drift-acme-churn').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/acme-churn-drift' });
    });

    it('gives every alert its owner and runbook, and the rules the label Prometheus selects them by', () => {
      const rules = objects.filter((o) => o.kind === 'PrometheusRule');
      expect(rules.map((r) => r.metadata.name)).toEqual(['acme-churn', 'drift-acme-churn', 'promote-acme-churn', 'acme-churn-slo', 'acme-churn-batch', 'drift-acme-churn-batch']);
      for (const rule of rules) {
        expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
        // Every alert (the SLO's recording rules have no owner: they alert nobody).
        for (const r of rule.spec.groups.flatMap((g: any) => g.rules).filter((x: any) => x.alert !== undefined)) {
          expect(r.annotations, r.alert).toMatchObject(OWNER);
          expect(r.labels.owner, r.alert).toBe('churn-ml-oncall');
        }
      }
    });

    it('labels sustained drift with the WorkflowTemplate that retrains the model (for the Alertmanager webhook)', () => {
      const sustained = find(objects, 'PrometheusRule', 'drift-acme-churn').spec.groups[0].rules.find((r: any) => r.alert === 'DriftSustained');
      expect(sustained.labels).toMatchObject({ retrain_workflow_template: 'acme-churn-training', retrain_namespace: 'acme-churn' });
      // The template it names exists, where it says.
      expect(find(objects, 'WorkflowTemplate', 'acme-churn-training').metadata.namespace).toBe('acme-churn');
    });

    it('scores the batch with the version the promoter serves: the same MLflow, model and alias, reachable from the batch pods', () => {
      const wft = find(objects, 'WorkflowTemplate', 'acme-churn-batch');
      const config = JSON.parse(find(objects, 'ConfigMap', 'acme-churn-batch-config').data['config.json']);
      const promoter = find(objects, 'CronJob', 'promote-acme-churn').spec.jobTemplate.spec.template.spec.containers[0];
      const env = Object.fromEntries(promoter.env.map((e: any) => [e.name, e.value]));
      expect(config.champion).toMatchObject({
        trackingUri: env.MLFLOW_TRACKING_URI, registeredModelName: env.REGISTERED_MODEL_NAME, alias: env.APPROVAL_ALIAS,
      });
      expect(config.modelVersion).toBeUndefined();
      const score = wft.spec.templates.find((t: any) => t.name === 'score').container.env;
      expect(score.find((e: any) => e.name === 'MODEL_VERSION').value).toBe('{{inputs.parameters.model-version}}');
      // MLflow's NetworkPolicy admits the batch namespace on its port; no policy of that namespace selects (restricts) the batch pods.
      const ns = wft.metadata.namespace;
      const mlflow = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'acme-mlflow');
      expect(mlflow.spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
      expect(new URL(config.champion.trackingUri).port).toBe(String(mlflow.spec.ingress[0].ports[0].port));
      const podLabels = wft.spec.podMetadata.labels;
      const selecting = objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns
        && Object.entries(o.spec.podSelector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v));
      expect(selecting).toEqual([]);
      expect(chart.runbook()).toContain('| model | the version MLflow\'s alias `champion` of `acme-churn` names when the run starts');
    });

    it('lists every alert with its expression, duration, severity, action, owner and runbook', () => {
      const alerts = chart.alerts();
      const rules = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert !== undefined);
      expect(alerts.map((a) => a.alert)).toEqual(rules.map((r: any) => r.alert));
      for (const a of alerts) {
        expect(a, a.alert).toMatchObject({ model: 'churn', owner: 'churn-ml-oncall', runbookUrl: 'https://runbooks.example.com/ml/churn' });
        expect(a.summary, a.alert).not.toBe('');
      }
      expect(alerts.find((a) => a.alert === 'AcmeChurnP99Latency')).toMatchObject({
        rule: 'acme-churn/acme-churn',
        expression: '(1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="acme-churn",pod=~"acme-churn-.*-.*"}[120s])))) > 250',
        forDuration: '120s',
        severity: 'critical',
      });
      const byAction = (text: string) => alerts.filter((a) => a.action.includes(text)).map((a) => a.alert);
      expect(byAction('aborts an in-flight rollout')).toEqual(['AcmeChurnErrorRate', 'AcmeChurnP99Latency', 'AcmeChurnBurnAvailability', 'AcmeChurnBurnLatency']);
      // Sustained drift of the served traffic and of the batch inputs.
      expect(byAction('submits the WorkflowTemplate acme-churn/acme-churn-training')).toEqual(['DriftSustained', 'DriftSustained']);
    });

    it('writes the runbook: per model, each alert with its expression, for, severity, action, owner and link', () => {
      const doc = chart.runbook();
      expect(doc).toMatch(/^# Runbook: the acme ML platform on Kubernetes\n/);
      expect(doc).toContain('## churn');
      expect(doc).toContain('WorkflowTemplate `acme-churn-training`, MLflow registered model `acme-churn` at http://mlflow.acme-mlflow.svc.cluster.local:5000.');
      expect(doc).toContain('| DriftAct: PSI above 0.2: act on the drift of a feature | `max by (feature) (cdk_mlops_drift_psi{endpoint="acme-churn"}) > 0.2` | 0s | critical '
        + '| notifies its owner | churn-ml-oncall | https://runbooks.example.com/ml/churn |');
      // One row per alert in each model's alert table (the rows after its `| alert |` header, up to the blank line).
      const rows = doc.split('\n\n').filter((block) => block.startsWith('| alert |')).flatMap((block) => block.split('\n').slice(2));
      expect(rows).toHaveLength(chart.alerts().length);
      expect(doc).toMatch(/### Experiment `churn-v8-retention`[\s\S]*### Service-level objectives \(28-day window\)[\s\S]*### Batch scoring `acme-churn-batch`[\s\S]*### Cost: an estimate, not a bill/);
    });
  });

  describe('configured', () => {
    it('renders no CronWorkflow without a weekly run: training starts on sustained drift (and by hand)', () => {
      // (Batch scoring has a CronWorkflow of its own.)
      const { objects } = build(withSpec((s) => { delete s.models[0].training.weeklyOn; delete s.models[0].batch; }));
      expect(objects.map((o) => o.kind)).not.toContain('CronWorkflow');
      expect(one(objects, 'WorkflowTemplate').metadata.name).toBe('acme-churn-training');
    });

    it('serves with KServe on a time-sliced pool, with its own image, port and namespace prefix', () => {
      const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn/triton@sha256:${'8'.repeat(64)}`;
      const { chart, objects } = build(withSpec((s) => {
        s.kubernetes.namespacePrefix = 'ml';
        s.kubernetes.nodePools[0].timeSlicingReplicas = 4;
        // KServe routes its canary itself and runs no experiment.
        delete s.models[0].experiment;
        delete s.models[0].serving.kubernetes.trafficRouter;
        delete s.models[0].serving.kubernetes.ingressHost;
        Object.assign(s.models[0].serving.kubernetes, { renderer: KubernetesServingRenderer.KSERVE, image, port: 8000, args: ['tritonserver', '--http-port=8000'] });
      }));
      const isvc = one(objects, 'InferenceService');
      expect(isvc.metadata).toMatchObject({ name: 'acme-churn', namespace: 'ml-churn', annotations: { 'serving.kserve.io/deploymentMode': 'Knative' } });
      expect(isvc.spec.predictor).toMatchObject({ minReplicas: 2, maxReplicas: 6, canaryTrafficPercent: 50 });
      expect(isvc.spec.predictor.containers[0]).toMatchObject({ image, args: ['tritonserver', '--http-port=8000'], ports: [{ containerPort: 8000 }] });
      expect(objects.map((o) => o.kind)).not.toContain('Rollout');
      expect(JSON.parse(find(objects, 'ConfigMap', 'nvidia-device-plugin-config').data['a10g-serving']).sharing.timeSlicing.resources)
        .toEqual([{ name: 'nvidia.com/gpu', replicas: 4 }]);
      expect(find(objects, 'Deployment', 'mlflow').metadata.namespace).toBe('ml-mlflow');
      const triggers = chart.alerts().filter((a) => a.alert === 'AcmeChurnErrorRate' || a.alert === 'AcmeChurnP99Latency');
      expect(triggers.map((a) => a.action)).toEqual(Array(2).fill('notifies its owner; roll back by hand (KServe does not abort a canary)'));
    });

    it('requests MIG slices on a MIG pool and picks the training pool by the steps\' GPU when none is named', () => {
      const { objects } = build(withSpec((s) => {
        s.kubernetes.nodePools = [
          { name: 'h100-mig', gpu: GpuModel.H100, migProfile: '1g.10gb' },
          { name: 'a10g', gpu: GpuModel.A10G },
        ];
        s.models[0].serving.kubernetes.nodePool = 'h100-mig';
        s.models[0].batch.kubernetes.nodePool = 'a10g';
        delete s.models[0].training.kubernetes.nodePool;
      }));
      expect(one(objects, 'Rollout').spec.template.spec.containers[0].resources.limits['nvidia.com/mig-1g.10gb']).toBe('1');
      const train = find(objects, 'WorkflowTemplate', 'acme-churn-training').spec.templates.find((t: any) => t.name === 'train');
      expect(train.nodeSelector).toEqual({ 'cdk-mlops.io/gpu-pool': 'a10g' });
    });

    it('serves several models, each in its namespace, all registering into the one MLflow', () => {
      const { chart, objects } = build(withSpec((s) => {
        s.models.push({ ...structuredClone(s.models[1] ?? s.models[0]), name: 'upsell' });
      }));
      expect(chart.models.map((m) => m.namespace)).toEqual(['acme-churn', 'acme-upsell']);
      // One MLflow; each model's capture service beside it (issue 16).
      expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['mlflow', 'acme-churn-capture', 'acme-upsell-capture']);
      expect(find(objects, 'NetworkPolicy', 'mlflow').spec.ingress[0].from.slice(1).map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']))
        .toEqual(['acme-churn', 'acme-upsell']);
      expect(objects.filter((o) => o.kind === 'Rollout').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['acme-churn/acme-churn', 'acme-upsell/acme-upsell']);
      expect(new Set(chart.alerts().map((a) => a.model))).toEqual(new Set(['churn', 'upsell']));
    });
  });

  it('synthesizes byte-identical YAML twice', () => {
    const yaml = () => {
      const app = new App();
      new MlPlatformChart(app, 'platform', { spec: SPEC });
      return app.synthYaml();
    };
    expect(yaml()).toEqual(yaml());
  });

  it('renders the same spec from YAML, JSON and TypeScript identically', () => {
    const fromObject = synthCharts(new MlPlatformChart(Testing.app(), 'platform', { spec: SPEC }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-chart-spec-'));
    const json = path.join(dir, 'platform.json');
    fs.writeFileSync(json, JSON.stringify(SPEC));
    for (const file of [SPEC_FILE, json]) {
      expect(synthCharts(MlPlatformChart.fromFile(Testing.app(), 'platform', file))).toEqual(fromObject);
    }
  });

  it('leaves the AWS rendering unchanged: the kubernetes sections are ignored there', () => {
    const template = (spec: PlatformSpec) => {
      const stack = new Stack(new AwsApp(), 'PlatformStack', { env: ENV });
      new MlPlatform(stack, 'Platform', { spec });
      return Template.fromStack(stack).toJSON();
    };
    expect(template(SPEC)).toEqual(template(awsOnly()));
  });

  describe('rejects a spec it cannot render, with the key that is wrong', () => {
    it('names every kubernetes section an AWS-only spec lacks', () => {
      const e = expectValidationError(() => build(awsOnly()));
      expect(e.problems.map((p) => p.property)).toEqual([
        'kubernetes', 'models[0].serving.kubernetes', 'models[0].drift.kubernetes', 'models[0].experiment.kubernetes', 'models[0].batch.kubernetes',
      ]);
      expect(e.problems[0]).toMatchObject({ constructPath: 'platform', received: 'undefined' });
      expect(e.problems[0].allowed).toMatch(/^is required to render on Kubernetes \(MlPlatformChart\): clusterName, nodeRole, nodePools/);
      expect(e.problems[2].allowed).toContain('captureUri');
    });

    it.each<[string, PlatformSpec, string, string]>([
      ['an unknown serving node pool', withSpec((s) => { s.models[0].serving.kubernetes.nodePool = 'h100'; }),
        'models[0].serving.kubernetes.nodePool', 'must be a node pool of kubernetes.nodePools (a10g-serving, a10g-training)'],
      ['a serving node pool without a kubernetes section', withSpec((s) => { delete s.kubernetes; }),
        'models[0].serving.kubernetes.nodePool', '(none declared: add them under kubernetes.nodePools)'],
      ['an unknown training node pool', withSpec((s) => { s.models[0].training.kubernetes.nodePool = 'l4'; }),
        'models[0].training.kubernetes.nodePool', 'must be a node pool of kubernetes.nodePools'],
      ['a training pool without the steps\' GPU', withSpec((s) => { s.kubernetes.nodePools[1].gpu = GpuModel.L4; }),
        'models[0].training.kubernetes.nodePool', 'must offer the A10G GPUs of pipeline step "train" (node pool "a10g-training" has L4 GPUs)'],
      ['no pool with the steps\' GPU to choose', withSpec((s) => { s.kubernetes.nodePools = [{ name: 'l4', gpu: GpuModel.L4 }]; s.models[0].serving.kubernetes.nodePool = 'l4'; delete s.models[0].training.kubernetes.nodePool; }),
        'models[0].training.kubernetes.nodePool', 'is required: pipeline step "train" needs A10G GPUs and no pool of kubernetes.nodePools (l4: L4) has them'],
      ['a mutable serving image', withSpec((s) => { s.models[0].serving.kubernetes.image = 'churn/server:latest'; }),
        'models[0].serving.kubernetes.image', '":latest" is a moving tag'],
      ['a drift image pinned by tag only', withSpec((s) => { s.kubernetes.driftImage = 'registry.example.com/drift-job:1.2.0'; }),
        'kubernetes.driftImage', 'must be pinned by digest'],
      ['a MIG profile on a GPU without MIG', withSpec((s) => { s.kubernetes.nodePools[0].migProfile = '1g.10gb'; }),
        'kubernetes.nodePools[0].migProfile', 'A10G does not support MIG'],
      ['time-slicing and MIG together', withSpec((s) => { Object.assign(s.kubernetes.nodePools[0], { gpu: GpuModel.H100, timeSlicingReplicas: 2, migProfile: '1g.10gb' }); }),
        'kubernetes.nodePools[0].migProfile', 'must not be set with timeSlicingReplicas'],
      ['two GPUs per replica on a time-sliced pool', withSpec((s) => { s.kubernetes.nodePools[0].timeSlicingReplicas = 4; s.models[0].serving.kubernetes.gpusPerReplica = 2; }),
        'models[0].serving.kubernetes.gpusPerReplica', 'must be 1 on node pool "a10g-serving", whose GPUs are time-sliced'],
      ['two pools with one name', withSpec((s) => { s.kubernetes.nodePools[1].name = 'a10g-serving'; }),
        'kubernetes.nodePools[1].name', 'must be unique (nodePools[0] has it too)'],
      ['an unknown key in a kubernetes section', withSpec((s) => { s.models[0].serving.kubernetes.gpus = 1; }),
        'models[0].serving.kubernetes.gpus', 'is not a known property'],
      ['a step named like the pipeline\'s own Argo task', withSpec((s) => {
        const m = s.models[0];
        m.pipeline.steps[0].name = 'register';
        m.pipeline.steps[1].inputs = ['data', 'register.report'];
      }), 'models[0].pipeline.steps[0].name', 'must not be "pipeline", "register", "gate-failed" on Kubernetes'],
      ['step CPU without memory', withSpec((s) => { delete s.models[0].training.kubernetes.memory; }),
        'models[0].training.kubernetes.memory', 'must be set with cpu'],
      ['a canary percentage Argo cannot set', withSpec((s) => { s.models[0].serving.canaryPercent = 12.5; }),
        'models[0].serving.canaryPercent', 'must be a whole percentage on Kubernetes'],
      // A version label on both targets (the spec's own rule, issue 14's fuzz finding; was Kubernetes-only).
      ['a data version with a space', withSpec((s) => { s.models[0].training.dataVersion = 'customers 2026'; }),
        'models[0].training.dataVersion', 'letters, digits and ._:/@+=- (no spaces)'],
      ['a model named like the MLflow namespace', withSpec((s) => { s.models[0].name = 'mlflow'; }),
        'models[0].name', 'must not be "mlflow" on Kubernetes'],
    ])('%s', (_what, spec, property, allowed) => {
      const e = expectValidationError(() => build(spec));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('platform');
      expect(`${p!.allowed} ${p!.received}`).toContain(allowed);
    });

    it('reports the spec\'s own problems and the Kubernetes ones in one throw (one schema)', () => {
      const spec = withSpec((s) => {
        s.models[0].serving.canaryPercent = 12.5; // Kubernetes: not a whole percentage
        s.models[0].drift.baselineUri = 'baseline.json'; // the shared spec: not an s3:// URI
        s.models[0].name = 'mlflow'; // Kubernetes: the MLflow namespace
      });
      const e = expectValidationError(() => build(spec));
      expect(e.problems.map((p) => p.property)).toEqual(expect.arrayContaining(['models[0].serving.canaryPercent', 'models[0].drift.baselineUri', 'models[0].name']));
    });

    it('names the file when the spec comes from one', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-chart-spec-'));
      const file = path.join(dir, 'aws-only.yaml');
      fs.writeFileSync(file, YAML.stringify(awsOnly()));
      const e = expectValidationError(() => MlPlatformChart.fromFile(Testing.app(), 'platform', file));
      // The file's line and column of the key follow its name (issue 14; test/platform/spec-file.test.ts).
      expect(e.problems.map((p) => [p.constructPath.replace(/:\d+:\d+\)$/, ')'), p.property])[0]).toEqual([`platform (${file})`, 'kubernetes']);
      fs.writeFileSync(file, YAML.stringify(withSpec((s) => { s.models[0].serving.kubernetes.nodePool = 'h100'; })));
      const bad = expectValidationError(() => MlPlatformChart.fromFile(Testing.app(), 'platform', file));
      expect(bad.problems.map((p) => [p.constructPath.replace(/:\d+:\d+\)$/, ')'), p.property])).toEqual([[`platform (${file})`, 'models[0].serving.kubernetes.nodePool']]);
    });
  });
});
