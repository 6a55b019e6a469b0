/**
 * Synthesis benchmark: how much `ModelRegistry` costs at synthesis time, on both targets, against
 * a hand-written baseline that produces the same output with plain L1 / `ApiObject` classes.
 *
 *   npx tsx bench/synth.ts           # N = 10, 50, 200; one warm-up, median of 3 runs
 *   npx tsx bench/synth.ts --quick   # N = 5, 20; one warm-up, 1 run
 *
 * Prints a plain-text table. Nothing is asserted on time: this is a measurement, not a test. The
 * only failure is a baseline that no longer produces the library's output (then the comparison
 * would be meaningless); see "same output" below.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aws, CfnDeletionPolicy, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { App as K8sApp, Chart, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { EXAMPLE_FEATURE_FLAGS } from '../examples';
import { aws, k8s } from '../lib';

// ---------------------------------------------------------------------------------------------
// Configuration

const QUICK = process.argv.includes('--quick');
const SIZES = QUICK ? [5, 20] : [10, 50, 200];
const RUNS = QUICK ? 1 : 3;
/** `global.gc`, present when Node runs with --expose-gc. */
const GC = (globalThis as { gc?: () => void }).gc;

/**
 * Registries per stack. CloudFormation allows 500 resources per stack and a registry with its
 * defaults is 4 resources (group, key, bucket, bucket policy), about 5 with options: 50 per stack
 * stays far below the limit whatever is enabled.
 */
const REGISTRIES_PER_STACK = 50;

/** Fixed environment: nothing is looked up, and the templates do not depend on the machine. */
const ENV = { account: '123456789012', region: 'eu-west-1' };

const IMAGE =
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/mlflow@sha256:3f1e5c8b9a7d6e4f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f';

type Variant = 'library' | 'baseline';

/** What one synthesis produced, read after the clock stopped. */
interface Output {
  /** Resources (AWS) or objects (Kubernetes), in total. */
  readonly count: number;
  /** Resources or objects per type, e.g. `AWS::S3::Bucket` or `apps/v1 Deployment`. */
  readonly byType: Map<string, number>;
  /** The synthesized documents, serialized, to compare the two variants. */
  readonly documents: string[];
}

interface Run {
  readonly ms: number;
  readonly output: Output;
}

// ---------------------------------------------------------------------------------------------
// AWS

function groupName(i: number): string {
  return `bench-registry-${i}`;
}

/** The library: one `aws.ModelRegistry` per registry, with its defaults and a name. */
function awsLibrary(scope: Construct, i: number): void {
  new aws.ModelRegistry(scope, `Registry${i}`, { modelPackageGroupName: groupName(i) });
}

/**
 * The baseline: the same four resources with L1 classes only. The plain `Construct` scopes
 * reproduce the construct paths of the L2s, so the logical IDs, and therefore the whole
 * template, are identical to the library's; they add nothing measurable.
 */
function awsBaseline(scope: Construct, i: number): void {
  const name = groupName(i);
  const registry = new Construct(scope, `Registry${i}`);

  const key = new kms.CfnKey(new Construct(registry, 'ArtifactKey'), 'Resource', {
    description: `Encrypts model artifacts of the ${name} model registry`,
    enableKeyRotation: true,
    keyPolicy: {
      Statement: [
        {
          Action: 'kms:*',
          Effect: 'Allow',
          Principal: { AWS: Fn.join('', ['arn:', Aws.PARTITION, `:iam::${Stack.of(scope).account}:root`]) },
          Resource: '*',
        },
      ],
      Version: '2012-10-17',
    },
  });
  retain(key);

  const bucketScope = new Construct(registry, 'ArtifactBucket');
  const bucket = new s3.CfnBucket(bucketScope, 'Resource', {
    bucketEncryption: {
      serverSideEncryptionConfiguration: [
        {
          bucketKeyEnabled: true,
          serverSideEncryptionByDefault: { kmsMasterKeyId: key.attrArn, sseAlgorithm: 'aws:kms' },
        },
      ],
    },
    lifecycleConfiguration: {
      rules: [
        {
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          id: 'expire-noncurrent-artifacts',
          noncurrentVersionExpiration: { noncurrentDays: 90 },
          status: 'Enabled',
        },
      ],
    },
    ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
    publicAccessBlockConfiguration: {
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    versioningConfiguration: { status: 'Enabled' },
  });
  retain(bucket);

  // Deny plain HTTP, and TLS older than 1.2.
  const bucketAndObjects = [bucket.attrArn, Fn.join('', [bucket.attrArn, '/*'])];
  const deny = (condition: Record<string, unknown>) => ({
    Action: 's3:*',
    Condition: condition,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Resource: bucketAndObjects,
  });
  new s3.CfnBucketPolicy(new Construct(bucketScope, 'Policy'), 'Resource', {
    bucket: bucket.ref,
    policyDocument: {
      Statement: [
        deny({ Bool: { 'aws:SecureTransport': 'false' } }),
        deny({ NumericLessThan: { 's3:TlsVersion': 1.2 } }),
      ],
      Version: '2012-10-17',
    },
  });

  new sagemaker.CfnModelPackageGroup(registry, 'Resource', { modelPackageGroupName: name });
}

function retain(resource: CfnResource): void {
  resource.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
  resource.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
}

/** Construct and synthesize `n` registries into a cloud assembly in a fresh temp dir. */
function runAws(variant: Variant, n: number): Run {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-bench-'));
  try {
    const define = variant === 'library' ? awsLibrary : awsBaseline;
    collectGarbage();
    const start = process.hrtime.bigint();

    // The same App settings as the examples and tests (examples/index.ts), without cdk-nag.
    const app = new App({ outdir, context: EXAMPLE_FEATURE_FLAGS, analyticsReporting: false });
    let stack: Stack | undefined;
    for (let i = 0; i < n; i++) {
      if (i % REGISTRIES_PER_STACK === 0) {
        stack = new Stack(app, `Registries${i / REGISTRIES_PER_STACK}`, { env: ENV });
      }
      define(stack!, i);
    }
    const assembly = app.synth();

    const ms = elapsedMs(start);
    const templates = assembly.stacks.map((s) => s.template);
    const byType = new Map<string, number>();
    for (const template of templates) {
      for (const resource of Object.values<{ Type: string }>(template.Resources ?? {})) {
        increment(byType, resource.Type);
      }
    }
    return { ms, output: summarize(byType, templates.map((t) => JSON.stringify(t))) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

const RUN_AS = 10001;
const PORT = 5000;

function k8sProps(i: number): k8s.ModelRegistryProps {
  return {
    image: IMAGE,
    backendStoreUriSecret: { name: 'mlflow-backend', key: 'uri' },
    artifactRoot: `s3://acme-ml-artifacts/mlflow-${i}`,
    namespace: `mlflow-${i}`,
  };
}

/** The library: one `k8s.ModelRegistry` (MLflow) per chart, with its defaults. */
function k8sLibrary(chart: Chart, i: number): void {
  new k8s.ModelRegistry(chart, 'Mlflow', k8sProps(i));
}

/**
 * The baseline: the same 7 objects written with the `k8s.Kube*` classes of cdk8s-plus-28, every
 * field the library sets (cdk8s-plus defaults included) spelled out, so that the YAML is
 * identical. The Deployment keeps the library's construct path, hence the same pod address label.
 */
function k8sBaseline(chart: Chart, i: number): void {
  const props = k8sProps(i);
  const namespace = props.namespace!;
  const scope = new Construct(chart, 'Mlflow');
  const labels = {
    'app.kubernetes.io/name': 'mlflow',
    'app.kubernetes.io/instance': 'mlflow',
    'app.kubernetes.io/component': 'model-registry',
    'app.kubernetes.io/part-of': 'cdk-mlops',
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
  const selector = { 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/instance': 'mlflow' };
  const metadata = (name: string) => ({ name, namespace, labels });
  const int = (value: number) => kplus.k8s.IntOrString.fromNumber(value);

  new kplus.k8s.KubeNamespace(scope, 'Namespace', {
    metadata: {
      name: namespace,
      labels: {
        ...labels,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.28',
      },
    },
    spec: {},
  });

  new kplus.k8s.KubeConfigMap(scope, 'Config', {
    metadata: metadata('mlflow-config'),
    data: { artifactRoot: props.artifactRoot },
    immutable: false,
  });

  new kplus.k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: metadata('mlflow'),
    automountServiceAccountToken: false,
  });

  // cdk8s-plus labels pods with the address of their workload's construct, and the Service
  // selects that label: it is known once the Deployment exists, and the props are only read at
  // synthesis, so it is added to the pod labels right after.
  const podLabels: Record<string, string> = { ...labels };
  const probe = (failureThreshold: number): kplus.k8s.Probe => ({
    failureThreshold,
    httpGet: { path: '/health', port: int(PORT), scheme: 'HTTP' },
    periodSeconds: 10,
    timeoutSeconds: 5,
  });
  const deployment = new kplus.k8s.KubeDeployment(scope, 'Deployment', {
    metadata: metadata('mlflow'),
    spec: {
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      replicas: 2,
      selector: { matchLabels: selector },
      strategy: {
        rollingUpdate: { maxSurge: kplus.k8s.IntOrString.fromString('25%'), maxUnavailable: kplus.k8s.IntOrString.fromString('25%') },
        type: 'RollingUpdate',
      },
      template: {
        metadata: { labels: podLabels },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'mlflow',
              image: props.image,
              imagePullPolicy: 'Always',
              command: ['/bin/sh', '-c'],
              args: [
                'exec mlflow server --host 0.0.0.0 --port "$MLFLOW_PORT"' +
                  ' --backend-store-uri "$(cat /etc/mlflow/backend/uri)"' +
                  ' --serve-artifacts --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION"',
              ],
              env: [
                { name: 'MLFLOW_PORT', value: String(PORT) },
                { name: 'MLFLOW_ARTIFACTS_DESTINATION', valueFrom: { configMapKeyRef: { key: 'artifactRoot', name: 'mlflow-config' } } },
                { name: 'HOME', value: '/tmp' },
              ],
              ports: [{ containerPort: PORT }],
              resources: {
                limits: { cpu: kplus.k8s.Quantity.fromString('2'), memory: kplus.k8s.Quantity.fromString('2048Mi') },
                requests: { cpu: kplus.k8s.Quantity.fromString('500m'), memory: kplus.k8s.Quantity.fromString('1024Mi') },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsGroup: RUN_AS,
                runAsNonRoot: true,
                runAsUser: RUN_AS,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              startupProbe: probe(30),
              readinessProbe: probe(3),
              livenessProbe: probe(6),
              volumeMounts: [
                { mountPath: '/tmp', name: 'tmp' },
                { mountPath: '/etc/mlflow/backend', name: 'backend-store', readOnly: true },
              ],
            },
          ],
          dnsPolicy: 'ClusterFirst',
          hostNetwork: false,
          restartPolicy: 'Always',
          securityContext: {
            fsGroup: RUN_AS,
            fsGroupChangePolicy: 'Always',
            runAsGroup: RUN_AS,
            runAsNonRoot: true,
            runAsUser: RUN_AS,
          },
          serviceAccountName: 'mlflow',
          setHostnameAsFqdn: false,
          terminationGracePeriodSeconds: 30,
          volumes: [
            { emptyDir: {}, name: 'tmp' },
            {
              name: 'backend-store',
              secret: { defaultMode: 0o400, items: [{ key: 'uri', path: 'uri' }], secretName: 'mlflow-backend' },
            },
          ],
        },
      },
    },
  });
  const address = { 'cdk8s.io/metadata.addr': Names.toLabelValue(deployment) };
  Object.assign(podLabels, address);

  new kplus.k8s.KubeService(scope, 'Service', {
    metadata: metadata('mlflow'),
    spec: {
      externalIPs: [],
      ports: [{ name: 'http', port: PORT, protocol: 'TCP', targetPort: int(PORT) }],
      selector,
      type: 'ClusterIP',
    },
  });

  new kplus.k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
    metadata: metadata('mlflow'),
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: int(PORT) }] }],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
          ports: [
            { protocol: 'UDP', port: int(53) },
            { protocol: 'TCP', port: int(53) },
          ],
        },
        {
          ports: [
            { protocol: 'TCP', port: int(5432) },
            { protocol: 'TCP', port: int(443) },
          ],
        },
      ],
    },
  });

  new kplus.k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
    metadata: metadata('mlflow'),
    spec: { maxUnavailable: int(1), selector: { matchLabels: selector } },
  });
}

/** Construct `n` charts and synthesize them to one YAML string (`App.synthYaml`, in memory). */
function runK8s(variant: Variant, n: number): Run {
  const define = variant === 'library' ? k8sLibrary : k8sBaseline;
  collectGarbage();
  const start = process.hrtime.bigint();

  const app = new K8sApp();
  for (let i = 0; i < n; i++) {
    define(new Chart(app, `registry-${i}`), i);
  }
  const yaml = app.synthYaml();

  const ms = elapsedMs(start);
  const byType = new Map<string, number>();
  for (const doc of parseAllDocuments(yaml)) {
    const object = doc.toJS() as { apiVersion: string; kind: string } | null;
    if (object) {
      increment(byType, `${object.apiVersion} ${object.kind}`);
    }
  }
  return { ms, output: summarize(byType, [yaml]) };
}

// ---------------------------------------------------------------------------------------------
// Measurement and report

interface Row {
  readonly target: string;
  readonly n: number;
  readonly library: number;
  readonly baseline: number;
  readonly libraryOutput: Output;
  readonly baselineOutput: Output;
  readonly sameOutput: boolean;
}

function measure(target: string, run: (variant: Variant, n: number) => Run, n: number): Row {
  // One warm-up of each variant (JIT, module-level caches), then the timed runs, interleaved so
  // that drift of the machine affects both alike.
  const warmLibrary = run('library', n);
  const warmBaseline = run('baseline', n);
  const times: Record<Variant, number[]> = { library: [], baseline: [] };
  for (let r = 0; r < RUNS; r++) {
    times.library.push(run('library', n).ms);
    times.baseline.push(run('baseline', n).ms);
  }
  const sameOutput =
    warmLibrary.output.documents.length === warmBaseline.output.documents.length &&
    warmLibrary.output.documents.every((d, i) => d === warmBaseline.output.documents[i]);
  return {
    target,
    n,
    library: median(times.library),
    baseline: median(times.baseline),
    libraryOutput: warmLibrary.output,
    baselineOutput: warmBaseline.output,
    sameOutput,
  };
}

function report(rows: Row[]): string {
  const header = [
    'target',
    'N',
    'library ms',
    'ms/registry',
    'baseline ms',
    'ms/registry',
    'ratio',
    'lib res/obj',
    'base res/obj',
    'same output',
  ];
  const cells = rows.map((r) => [
    r.target,
    String(r.n),
    r.library.toFixed(1),
    (r.library / r.n).toFixed(2),
    r.baseline.toFixed(1),
    (r.baseline / r.n).toFixed(2),
    `${(r.library / r.baseline).toFixed(2)}x`,
    String(r.libraryOutput.count),
    String(r.baselineOutput.count),
    r.sameOutput ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function perRegistry(rows: Row[], target: string): string {
  const row = rows.find((r) => r.target === target)!;
  const types = (o: Output) =>
    [...o.byType.entries()].map(([type, count]) => `${type} ${count / row.n}`).join(', ');
  const library = types(row.libraryOutput);
  const baseline = types(row.baselineOutput);
  return library === baseline
    ? `  ${target}: ${library} (both)`
    : `  ${target}: library ${library}\n  ${' '.repeat(target.length)}  baseline ${baseline}`;
}

function main(): void {
  const cpus = os.cpus();
  console.log('cdk-mlops synthesis benchmark' + (QUICK ? ' (quick)' : ''));
  console.log(`node ${process.version} on ${os.platform()}/${os.arch()}; ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores`);
  console.log(
    `aws-cdk-lib ${packageVersion('aws-cdk-lib')}, cdk8s ${packageVersion('cdk8s')}, cdk8s-plus-28 ${packageVersion('cdk8s-plus-28')}`,
  );
  console.log(
    `1 warm-up run, then the median of ${RUNS} run${RUNS > 1 ? 's' : ''} per cell; ` +
      `AWS: construct + App.synth() to a temp dir, ${REGISTRIES_PER_STACK} registries per stack; ` +
      'Kubernetes: construct + App.synthYaml(), one chart per registry',
  );
  console.log(GC ? 'garbage collected before each run (--expose-gc)' : 'no forced garbage collection between runs (run with --expose-gc for it)');
  console.log('');

  const rows: Row[] = [];
  for (const n of SIZES) {
    rows.push(measure('aws', runAws, n));
  }
  for (const n of SIZES) {
    rows.push(measure('k8s', runK8s, n));
  }

  console.log(report(rows));
  console.log('');
  console.log('per registry (AWS resources / Kubernetes objects):');
  console.log(perRegistry(rows, 'aws'));
  console.log(perRegistry(rows, 'k8s'));
  if (rows.some((r) => !r.sameOutput)) {
    console.log('');
    console.log('WARNING: a baseline no longer produces the library\'s output; update it before reading the ratios.');
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function summarize(byType: Map<string, number>, documents: string[]): Output {
  const sorted = new Map([...byType.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const count = [...sorted.values()].reduce((a, b) => a + b, 0);
  return { count, byType: sorted, documents };
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Collect garbage before a timed run when Node was started with --expose-gc. */
function collectGarbage(): void {
  GC?.();
}

function packageVersion(name: string): string {
  const file = require.resolve(`${name}/package.json`);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

main();
