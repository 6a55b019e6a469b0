/**
 * Adversarial sweep of the platform spec FILES (issue 14): the example spec (examples/platform.yaml)
 * with one wrong value, written as YAML or JSON into a temp folder and loaded with
 * `MlPlatform.fromFile` (AWS) and `MlPlatformChart.fromFile` (Kubernetes). Each must be refused with
 * MlopsValidationError naming the platform (and the file), the document key path, the value and
 * what is allowed, with no template or manifest written. Rows the library does not pass yet are in
 * test/sweep/pending.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { describe, it } from 'vitest';
import * as YAML from 'yaml';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { Expected, awsApp, bareK8sApp, expectRefused, outputsIn, specFile } from '../support/sweep';

const EXAMPLE = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8');
const BASE = YAML.parse(EXAMPLE);

type Target = 'aws' | 'k8s';

interface SpecRow {
  readonly name: string;
  /** Change a copy of the example spec (one wrong value). */
  readonly change: (doc: any) => void;
  /** The targets that must refuse it (both by default). */
  readonly targets?: Target[];
  readonly expected: Omit<Expected, 'constructPath'>;
}

type Text = string | RegExp;
const r = (name: string, change: (doc: any) => void, property: string, received: Text, allowed: Text, targets?: Target[]): SpecRow => ({
  name,
  change,
  targets,
  expected: { property, received, allowed },
});
const m = (change: (model: any) => void) => (doc: any) => change(doc.models[0]);
const k = (change: (kube: any) => void) => (doc: any) => change(doc.kubernetes);

/** The path of the platform in the error: the construct, then the file (with the key's line and column). */
function whereOf(target: Target, file: string): RegExp {
  const construct = target === 'aws' ? 'Sweep/Platform' : 'Platform';
  const escaped = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${escaped(construct)} \\(${escaped(file)}(:\\d+:\\d+)?\\)$`);
}

/** Load `file` on `target` in a fresh app and expect the row's refusal, and no output. */
function expectFileRefused(target: Target, file: string, expected: Omit<Expected, 'constructPath'>): void {
  const want = { ...expected, constructPath: whereOf(target, file) };
  if (target === 'aws') {
    const { app, stack, outdir } = awsApp();
    expectRefused(() => {
      MlPlatform.fromFile(stack, 'Platform', file);
      app.synth();
    }, outdir, want);
  } else {
    const { app, outdir } = bareK8sApp();
    expectRefused(() => {
      MlPlatformChart.fromFile(app, 'Platform', file);
      app.synth();
    }, outdir, want);
  }
}

/** One test per row, target and format (YAML for both targets; JSON on the first). */
function sweepSpec(rows: ReadonlyArray<SpecRow>): void {
  const cases = rows.flatMap((row) =>
    (row.targets ?? ['aws', 'k8s']).map((target, i) => [`${row.name} (${target}, ${i === 0 ? 'json' : 'yaml'})`, row, target, i === 0 ? 'json' : 'yaml'] as const),
  );
  it.each(cases)('refuses %s', (_name, row, target, format) => {
    const doc = structuredClone(BASE);
    row.change(doc);
    const file = specFile(`platform.${format}`, format === 'json' ? JSON.stringify(doc, null, 2) : YAML.stringify(doc));
    expectFileRefused(target, file, row.expected);
  });
}

// ---------------------------------------------------------------------------------------------
// The document: platform, ownership and models
// ---------------------------------------------------------------------------------------------

const topRows: SpecRow[] = [
  r('name uppercase', (d) => { d.name = 'Acme'; }, 'name', '"Acme"', 'platform name'),
  r('name 21 characters', (d) => { d.name = 'a'.repeat(21); }, 'name', `"${'a'.repeat(21)}"`, '1-20 characters'),
  r('name starting with a digit', (d) => { d.name = '1acme'; }, 'name', '"1acme"', 'starting with a letter'),
  r('name a number', (d) => { d.name = 42; }, 'name', '42', /string|platform name/),
  r('name missing', (d) => { delete d.name; }, 'name', 'undefined', /string|platform name/),
  r('ownership owner empty', (d) => { d.ownership.owner = ''; }, 'ownership.owner', '""', 'owning team'),
  r('ownership runbookUrl http', (d) => { d.ownership.runbookUrl = 'http://runbooks.example.com'; }, 'ownership.runbookUrl', '"http://runbooks.example.com"', 'https://'),
  r('unknown top-level key', (d) => { d.model = {}; }, 'model', '{}', 'not a known property'),
  r('models empty', (d) => { d.models = []; }, 'models', '[]', /at least/),
  r('models twice the same name', (d) => { d.models.push(structuredClone(d.models[0])); }, 'models[1].name', '"churn"', 'unique'),
  r('model name uppercase', m((x) => { x.name = 'Churn'; }), 'models[0].name', '"Churn"', /lowercase/),
  r('model ownership runbookUrl empty', m((x) => { x.ownership.runbookUrl = ''; }), 'models[0].ownership.runbookUrl', '""', 'https://'),
  r('model unknown key', m((x) => { x.serve = {}; }), 'models[0].serve', '{}', 'not a known property'),
];

// ---------------------------------------------------------------------------------------------
// training and pipeline
// ---------------------------------------------------------------------------------------------

const trainingRows: SpecRow[] = [
  r('codeCommit short', m((x) => { x.training.codeCommit = 'abc123'; }), 'models[0].training.codeCommit', '"abc123"', '40-character'),
  r('dataVersion empty', m((x) => { x.training.dataVersion = ''; }), 'models[0].training.dataVersion', '""', /at least 1|1-200/),
  r('featureSetVersion 201 characters', m((x) => { x.training.featureSetVersion = 'f'.repeat(201); }), 'models[0].training.featureSetVersion', /^"f+/, /at most 200|1-200/),
  r('inputDataUri without trailing slash', m((x) => { x.training.inputDataUri = 's3://acme-ml-data/churn/customers'; }), 'models[0].training.inputDataUri', '"s3://acme-ml-data/churn/customers"', 'ending in "/"'),
  r('weeklyOn MONDAY', m((x) => { x.training.weeklyOn = 'MONDAY'; }), 'models[0].training.weeklyOn', '"MONDAY"', 'one of'),
  r('hourUtc 24', m((x) => { x.training.hourUtc = 24; }), 'models[0].training.hourUtc', '24', 'at most 23'),
  r('hourUtc 2.5', m((x) => { x.training.hourUtc = 2.5; }), 'models[0].training.hourUtc', '2.5', /whole|an int/),
  r('hourUtc a string', m((x) => { x.training.hourUtc = 'two'; }), 'models[0].training.hourUtc', '"two"', 'must be a number'),
  r('training kubernetes nodePool unknown', m((x) => { x.training.kubernetes.nodePool = 'h100-training'; }), 'models[0].training.kubernetes.nodePool', '"h100-training"', 'node pool of kubernetes.nodePools', ['k8s']),
  r('training kubernetes cpu as words', m((x) => { x.training.kubernetes.cpu = 'four'; }), 'models[0].training.kubernetes.cpu', '"four"', 'CPU quantity'),
  r('training kubernetes memory without cpu', m((x) => { delete x.training.kubernetes.cpu; }), 'models[0].training.kubernetes.cpu', 'undefined', 'must be set with memory'),
  r('training kubernetes roleArn malformed', m((x) => { x.training.kubernetes.roleArn = 'acme-churn-training'; }), 'models[0].training.kubernetes.roleArn', '"acme-churn-training"', 'IAM role ARN'),
  r('step kind TRANSFORM', m((x) => { x.pipeline.steps[0].kind = 'TRANSFORM'; }), 'models[0].pipeline.steps[0].kind', '"TRANSFORM"', 'one of'),
  r('step image by tag', m((x) => { x.pipeline.steps[0].image = 'acme/data-checks:latest'; }), 'models[0].pipeline.steps[0].image', '"acme/data-checks:latest"', 'digest'),
  r('step maxRuntimeSeconds 30', m((x) => { x.pipeline.steps[1].maxRuntimeSeconds = 30; }), 'models[0].pipeline.steps[1].maxRuntimeSeconds', '30', 'at least a minute'),
  r('step maxRuntimeSeconds 7200.5', m((x) => { x.pipeline.steps[1].maxRuntimeSeconds = 7200.5; }), 'models[0].pipeline.steps[1].maxRuntimeSeconds', '7200.5', 'whole seconds'),
  r('step gpu unknown', m((x) => { x.pipeline.steps[1].gpu = 'RTX4090'; }), 'models[0].pipeline.steps[1].gpu', '"RTX4090"', 'one of'),
  r('step input of no output', m((x) => { x.pipeline.steps[1].inputs = ['data', 'validate.summary']; }), 'models[0].pipeline.steps[1].inputs[1]', '"validate.summary"', 'upstream step'),
  r('step name twice', m((x) => { x.pipeline.steps[2].name = 'train'; }), 'models[0].pipeline.steps[2].name', '"train"', 'unique'),
  r('gate comparison GT', m((x) => { x.pipeline.gate.comparison = 'GT'; }), 'models[0].pipeline.gate.comparison', '"GT"', 'one of'),
  r('gate metric with spaces', m((x) => { x.pipeline.gate.metric = 'auc value'; }), 'models[0].pipeline.gate.metric', '"auc value"', 'JSON path'),
  r('gate threshold a string', m((x) => { x.pipeline.gate.threshold = 'high'; }), 'models[0].pipeline.gate.threshold', '"high"', 'must be a number'),
  r('gate evaluationStep unknown', m((x) => { x.pipeline.gate.evaluationStep = 'judge'; }), 'models[0].pipeline.gate.evaluationStep', '"judge"', 'processing step'),
  r('inferenceImage by tag', m((x) => { x.pipeline.inferenceImage = 'acme/churn-server:v7'; }), 'models[0].pipeline.inferenceImage', '"acme/churn-server:v7"', 'digest'),
];

// ---------------------------------------------------------------------------------------------
// serving
// ---------------------------------------------------------------------------------------------

const servingRows: SpecRow[] = [
  r('instanceType without GPU', m((x) => { x.serving.instanceType = 'ml.m5.xlarge'; }), 'models[0].serving.instanceType', '"ml.m5.xlarge"', 'GPU', ['aws']),
  r('initialModelVersion 0', m((x) => { x.serving.initialModelVersion = 0; }), 'models[0].serving.initialModelVersion', '0', /at least 1|>=1/),
  r('initialModelVersion 1.5', m((x) => { x.serving.initialModelVersion = 1.5; }), 'models[0].serving.initialModelVersion', '1.5', 'whole version number'),
  r('instanceCount 0', m((x) => { x.serving.instanceCount = 0; }), 'models[0].serving.instanceCount', '0', 'at least 1'),
  r('instanceCount 101', m((x) => { x.serving.instanceCount = 101; }), 'models[0].serving.instanceCount', '101', 'at most 100'),
  r('maxInstanceCount below instanceCount', m((x) => { x.serving.maxInstanceCount = 1; }), 'models[0].serving.maxInstanceCount', '1', 'at least instanceCount (2)'),
  r('targetInvocationsPerInstance without maxInstanceCount', m((x) => { delete x.serving.maxInstanceCount; x.serving.targetInvocationsPerInstance = 100; }), 'models[0].serving.targetInvocationsPerInstance', '100', 'only with maxInstanceCount'),
  r('canaryPercent 0', m((x) => { x.serving.canaryPercent = 0; }), 'models[0].serving.canaryPercent', '0', /from|greater/),
  r('canaryPercent 100', m((x) => { x.serving.canaryPercent = 100; }), 'models[0].serving.canaryPercent', '100', /from|less than 100|at most/),
  r('canaryPercent a string', m((x) => { x.serving.canaryPercent = '50%'; }), 'models[0].serving.canaryPercent', '"50%"', 'must be a number'),
  r('bakeMinutes 0', m((x) => { x.serving.bakeMinutes = 0; }), 'models[0].serving.bakeMinutes', '0', 'rollback alarms act only while a step bakes'),
  r('bakeMinutes 121', m((x) => { x.serving.bakeMinutes = 121; }), 'models[0].serving.bakeMinutes', '121', 'at most'),
  r('maxErrorRatePercent 101', m((x) => { x.serving.maxErrorRatePercent = 101; }), 'models[0].serving.maxErrorRatePercent', '101', 'from 0.01 to 50'),
  r('maxP99LatencyMillis 0', m((x) => { x.serving.maxP99LatencyMillis = 0; }), 'models[0].serving.maxP99LatencyMillis', '0', 'at least 1'),
  r('captureSamplingPercent 0', m((x) => { x.serving.captureSamplingPercent = 0; }), 'models[0].serving.captureSamplingPercent', '0', 'at least 1'),
  r('captureSamplingPercent 101', m((x) => { x.serving.captureSamplingPercent = 101; }), 'models[0].serving.captureSamplingPercent', '101', 'at most 100'),
  r('modelSizeGiB 0', m((x) => { x.serving.modelSizeGiB = 0; }), 'models[0].serving.modelSizeGiB', '0', /greater than 0|more than 0/),
  r('snake_case key', m((x) => { x.serving.canary_percent = 50; }), 'models[0].serving.canary_percent', '50', 'not a known property'),
  r('kubernetes nodePool unknown', m((x) => { x.serving.kubernetes.nodePool = 'h100-serving'; }), 'models[0].serving.kubernetes.nodePool', '"h100-serving"', 'node pool of kubernetes.nodePools', ['k8s']),
  r('kubernetes modelUri not a URI', m((x) => { x.serving.kubernetes.modelUri = 'churn/7'; }), 'models[0].serving.kubernetes.modelUri', '"churn/7"', 'URI'),
  r('kubernetes cpu 0.0001', m((x) => { x.serving.kubernetes.cpu = '0.0001'; }), 'models[0].serving.kubernetes.cpu', '"0.0001"', 'CPU quantity'),
  r('kubernetes memory 16GB', m((x) => { x.serving.kubernetes.memory = '16GB'; }), 'models[0].serving.kubernetes.memory', '"16GB"', 'Ki, Mi, Gi or Ti'),
  r('kubernetes roleArn of a user', m((x) => { x.serving.kubernetes.roleArn = 'arn:aws:iam::123456789012:user/x'; }), 'models[0].serving.kubernetes.roleArn', '"arn:aws:iam::123456789012:user/x"', 'IAM role ARN'),
  r('kubernetes allowedClientNamespaces uppercase', m((x) => { x.serving.kubernetes.allowedClientNamespaces = ['CRM']; }), 'models[0].serving.kubernetes.allowedClientNamespaces[0]', '"CRM"', 'DNS-1123'),
  r('kubernetes gpusPerReplica 17', m((x) => { x.serving.kubernetes.gpusPerReplica = 17; }), 'models[0].serving.kubernetes.gpusPerReplica', '17', 'at most 16'),
  r('kubernetes renderer unknown', m((x) => { x.serving.kubernetes.renderer = 'SELDON'; }), 'models[0].serving.kubernetes.renderer', '"SELDON"', 'one of'),
  r('kubernetes metricsPreset unknown', m((x) => { x.serving.kubernetes.metricsPreset = 'TGI'; }), 'models[0].serving.kubernetes.metricsPreset', '"TGI"', 'one of'),
];

// ---------------------------------------------------------------------------------------------
// drift
// ---------------------------------------------------------------------------------------------

const driftRows: SpecRow[] = [
  r('features empty', m((x) => { x.drift.features = []; }), 'models[0].drift.features', '[]', "model's input columns"),
  r('baselineUri .csv', m((x) => { x.drift.baselineUri = 's3://acme-ml-baselines/churn/v7/baseline.csv'; }), 'models[0].drift.baselineUri', '"s3://acme-ml-baselines/churn/v7/baseline.csv"', 'key.json'),
  r('reference LAST_WEEK', m((x) => { x.drift.reference = 'LAST_WEEK'; }), 'models[0].drift.reference', '"LAST_WEEK"', 'one of'),
  r('referenceSpanMinutes 30', m((x) => { x.drift.referenceSpanMinutes = 30; }), 'models[0].drift.referenceSpanMinutes', '30', 'at least 60'),
  r('referenceSpanMinutes with TRAINING', m((x) => { x.drift.reference = 'TRAINING'; x.drift.referenceSpanMinutes = 600; }), 'models[0].drift.referenceSpanMinutes', '600', 'ROLLING_WINDOW or SAME_PERIOD_LAST_YEAR'),
  r('kubernetes captureUri without prefix', m((x) => { x.drift.kubernetes.captureUri = 's3://acme-ml-capture'; }), 'models[0].drift.kubernetes.captureUri', '"s3://acme-ml-capture"', 's3://bucket/prefix'),
  r('kubernetes roleArn empty', m((x) => { x.drift.kubernetes.roleArn = ''; }), 'models[0].drift.kubernetes.roleArn', '""', 'IAM role ARN'),
];

// ---------------------------------------------------------------------------------------------
// kubernetes
// ---------------------------------------------------------------------------------------------

const kubernetesRows: SpecRow[] = [
  r('clusterName with a space', k((x) => { x.clusterName = 'acme ml'; }), 'kubernetes.clusterName', '"acme ml"', 'EKS cluster name'),
  r('nodeRole an ARN', k((x) => { x.nodeRole = 'arn:aws:iam::123456789012:role/KarpenterNodeRole'; }), 'kubernetes.nodeRole', '"arn:aws:iam::123456789012:role/KarpenterNodeRole"', 'not an ARN'),
  r('namespacePrefix uppercase', k((x) => { x.namespacePrefix = 'Acme'; }), 'kubernetes.namespacePrefix', '"Acme"', 'namespace prefix'),
  r('nodePools empty', k((x) => { x.nodePools = []; }), 'kubernetes.nodePools', '[]', 'at least one GPU node pool'),
  r('nodePools twice the same name', k((x) => { x.nodePools[1].name = 'a10g-serving'; }), 'kubernetes.nodePools[1].name', '"a10g-serving"', 'unique'),
  r('nodePool gpu unknown', k((x) => { x.nodePools[0].gpu = 'RTX4090'; }), 'kubernetes.nodePools[0].gpu', '"RTX4090"', 'one of'),
  r('nodePool maxGpus 0', k((x) => { x.nodePools[0].maxGpus = 0; }), 'kubernetes.nodePools[0].maxGpus', '0', 'at least 1'),
  r('nodePool timeSlicingReplicas 1', k((x) => { x.nodePools[0].timeSlicingReplicas = 1; }), 'kubernetes.nodePools[0].timeSlicingReplicas', '1', 'at least 2'),
  r('nodePool migProfile on A10G', k((x) => { x.nodePools[0].migProfile = '1g.10gb'; }), 'kubernetes.nodePools[0].migProfile', '"1g.10gb"', 'does not support MIG'),
  r('nodePool both sharing kinds', k((x) => { x.nodePools[0].gpu = 'A100_40GB'; x.nodePools[0].timeSlicingReplicas = 4; x.nodePools[0].migProfile = '1g.5gb'; }), 'kubernetes.nodePools[0].migProfile', '"1g.5gb"', 'either time-sliced or partitioned'),
  r('nodePool consolidateAfterMinutes 20000', k((x) => { x.nodePools[1].consolidateAfterMinutes = 20000; }), 'kubernetes.nodePools[1].consolidateAfterMinutes', '20000', 'at most 10080'),
  r('nodePool instanceFamilies of another GPU', k((x) => { x.nodePools[0].instanceFamilies = ['p5']; }), 'kubernetes.nodePools[0].instanceFamilies[0]', '"p5"', 'family with A10G GPUs'),
  r('nodePool amiVersion free text', k((x) => { x.nodePools[0].amiVersion = 'newest'; }), 'kubernetes.nodePools[0].amiVersion', '"newest"', '"latest"'),
  r('mlflow image by tag', k((x) => { x.mlflow.image = 'ghcr.io/mlflow/mlflow:latest'; }), 'kubernetes.mlflow.image', '"ghcr.io/mlflow/mlflow:latest"', /digest|tag/),
  r('mlflow backendStoreUriSecret uppercase', k((x) => { x.mlflow.backendStoreUriSecret = 'MLflow'; }), 'kubernetes.mlflow.backendStoreUriSecret', '"MLflow"', 'DNS-1123 subdomain'),
  r('mlflow artifactRoot gs://', k((x) => { x.mlflow.artifactRoot = 'gs://acme/mlflow'; }), 'kubernetes.mlflow.artifactRoot', '"gs://acme/mlflow"', 's3://'),
  r('mlflow replicas 0', k((x) => { x.mlflow.replicas = 0; }), 'kubernetes.mlflow.replicas', '0', 'at least 1'),
  r('registerImage by tag', k((x) => { x.registerImage = 'acme/mlflow-register:1'; }), 'kubernetes.registerImage', '"acme/mlflow-register:1"', 'digest'),
  r('registerCommand empty', k((x) => { x.registerCommand = []; }), 'kubernetes.registerCommand', '[]', 'at least 1'),
  r('pipelineArtifactRoot a bucket only', k((x) => { x.pipelineArtifactRoot = 's3://acme-ml-artifacts'; }), 'kubernetes.pipelineArtifactRoot', '"s3://acme-ml-artifacts"', 's3://bucket/prefix'),
  r('driftImage by tag', k((x) => { x.driftImage = 'acme/drift:latest'; }), 'kubernetes.driftImage', '"acme/drift:latest"', 'digest'),
  r('pushgatewayUrl without scheme', k((x) => { x.pushgatewayUrl = 'pushgateway:9091'; }), 'kubernetes.pushgatewayUrl', '"pushgateway:9091"', 'http(s) URL'),
  r('prometheusAddress without scheme', k((x) => { x.prometheusAddress = 'prometheus:9090'; }), 'kubernetes.prometheusAddress', '"prometheus:9090"', 'http(s) URL'),
  r('prometheusRuleLabels value 64 characters', k((x) => { x.prometheusRuleLabels.release = 'r'.repeat(64); }), 'kubernetes.prometheusRuleLabels.release', `"${'r'.repeat(64)}"`, 'at most 63'),
  r('monitoringNamespace uppercase', k((x) => { x.monitoringNamespace = 'Monitoring'; }), 'kubernetes.monitoringNamespace', '"Monitoring"', 'DNS-1123'),
  r('kubernetes unknown key', k((x) => { x.nodepools = []; }), 'kubernetes.nodepools', '[]', 'not a known property'),
];

describe('sweep: platform spec files refuse wrong input', () => {
  describe('the document', () => sweepSpec(topRows));
  describe('training and pipeline', () => sweepSpec(trainingRows));
  describe('serving', () => sweepSpec(servingRows));
  describe('drift', () => sweepSpec(driftRows));
  describe('kubernetes', () => sweepSpec(kubernetesRows));
});

// ---------------------------------------------------------------------------------------------
// Files that are not a spec, and specs given in TypeScript
// ---------------------------------------------------------------------------------------------

interface TextRow {
  readonly name: string;
  /** The file's name and text (undefined: the file does not exist). */
  readonly file: string;
  readonly text?: string;
  readonly expected: Omit<Expected, 'constructPath'>;
}

const textRows: TextRow[] = [
  { name: 'a missing file', file: 'missing.yaml', expected: { property: 'missing.yaml', received: /missing\.yaml"$/, allowed: 'readable YAML or JSON file (no such file)' } },
  { name: 'an empty file', file: 'platform.yaml', text: '', expected: { property: 'platform.yaml', received: '""', allowed: 'is empty' } },
  { name: 'a comment-only file', file: 'platform.yaml', text: '# nothing yet\n', expected: { property: 'platform.yaml', received: '"# nothing yet"', allowed: 'is empty' } },
  { name: 'a list at the top', file: 'platform.yaml', text: '- name: acme\n', expected: { property: 'platform.yaml', received: '[{"name":"acme"}]', allowed: 'not a list' } },
  { name: 'a YAML syntax error', file: 'platform.yaml', text: 'name: acme\nownership: [owner\n', expected: { property: 'platform.yaml', received: /.*/, allowed: 'must be a YAML or JSON document' } },
  { name: 'a JSON syntax error', file: 'platform.json', text: '{"name": "acme",, "models": []}', expected: { property: 'platform.json', received: /,,/, allowed: 'must be a YAML or JSON document' } },
  { name: 'a duplicate key', file: 'platform.yaml', text: EXAMPLE.replace(/^name: acme$/m, 'name: acme\nname: other'), expected: { property: 'name', received: /other/, allowed: 'must be unique in its mapping (the key is already set at line 6' } },
];

describe('sweep: files that are not a spec', () => {
  const cases = textRows.flatMap((row) => (['aws', 'k8s'] as const).map((target) => [`${row.name} (${target})`, row, target] as const));
  it.each(cases)('refuses %s', (_name, row, target) => {
    const file = row.text === undefined ? path.join(path.dirname(specFile('other.yaml', '')), row.file) : specFile(row.file, row.text);
    const construct = target === 'aws' ? 'Sweep/Platform' : 'Platform';
    const want = { ...row.expected, constructPath: new RegExp(`^${construct} \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(:\\d+:\\d+)?\\)$`) };
    if (target === 'aws') {
      const { app, stack, outdir } = awsApp();
      expectRefused(() => {
        MlPlatform.fromFile(stack, 'Platform', file);
        app.synth();
      }, outdir, want);
    } else {
      const { app, outdir } = bareK8sApp();
      expectRefused(() => {
        MlPlatformChart.fromFile(app, 'Platform', file);
        app.synth();
      }, outdir, want);
    }
  });
});

describe('sweep: platform specs given in TypeScript', () => {
  it('refuses a platform in a stack without an account and region (AWS)', () => {
    const { app, outdir } = awsApp();
    const bare = new Stack(app, 'Bare');
    expectRefused(() => {
      new MlPlatform(bare, 'Platform', { spec: structuredClone(BASE) });
      app.synth();
    }, outdir, { constructPath: 'Bare/Platform', property: 'stack region', received: /.*/, allowed: 'concrete' });
  });
  it('refuses a spec object with a wrong value under its key path (AWS)', () => {
    const { app, stack, outdir } = awsApp();
    const spec = structuredClone(BASE);
    spec.models[0].serving.captureSamplingPercent = 0;
    expectRefused(() => {
      new MlPlatform(stack, 'Platform', { spec });
      app.synth();
    }, outdir, { constructPath: 'Sweep/Platform', property: 'models[0].serving.captureSamplingPercent', received: '0', allowed: 'at least 1' });
  });
  it('refuses a spec without its kubernetes section on Kubernetes', () => {
    const { app, outdir } = bareK8sApp();
    const spec = structuredClone(BASE);
    delete spec.kubernetes;
    expectRefused(() => {
      new MlPlatformChart(app, 'Platform', { spec });
      app.synth();
    }, outdir, { constructPath: 'Platform', property: 'kubernetes', received: 'undefined', allowed: 'is required to render on Kubernetes' });
  });
});

// ---------------------------------------------------------------------------------------------
// Files that must be accepted
// ---------------------------------------------------------------------------------------------

describe('sweep: platform spec files accept right input', () => {
  const accepted: Array<[string, string, string]> = [
    ['the example as JSON with a byte order mark', 'platform.json', `\uFEFF${JSON.stringify(BASE, null, 2)}`],
    ['the example as YAML with a byte order mark', 'platform.yaml', `\uFEFF${EXAMPLE}`],
    ['the example as .yml with CRLF line ends', 'platform.yml', EXAMPLE.replace(/\n/g, '\r\n')],
    ['a platform name of exactly 20 characters', 'platform.yaml', EXAMPLE.replace(/^name: acme$/m, `name: a${'b'.repeat(19)}`)],
  ];
  it.each(accepted)('accepts %s on Kubernetes', (_name, fileName, text) => {
    const file = specFile(fileName, text);
    const { app, outdir } = bareK8sApp();
    MlPlatformChart.fromFile(app, 'Platform', file);
    app.synth();
    if (outputsIn(outdir).length === 0) {
      throw new Error('no manifest written');
    }
  });
  it.each(accepted.slice(0, 2))('accepts %s on AWS (construction)', (_name, fileName, text) => {
    const file = specFile(fileName, text);
    const { stack } = awsApp();
    MlPlatform.fromFile(stack, 'Platform', file);
  });
});
