/**
 * Issue 15, item 4: the Kubernetes platform at scale. One chart per model and one for the shared
 * node pools and MLflow, each far under CloudFormation's 1,000,000-byte template when aws-eks
 * inlines it (measured in a real aws-cdk-lib template), rendered in O(N), and a GitOps layout with
 * one Argo CD Application per model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App as AwsApp, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiObject, App, Chart, Testing, Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { buildExamples } from '../../examples';
import { EKS_INLINE_MANIFEST_MAX_BYTES, inlinedManifestBytes } from '../../lib/core/kubernetes-delivery';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { ArgoCdApplications, ArgoCdApplicationsProps } from '../../lib/platform/argo-cd-applications';
import { MlPlatformChart, PlatformChartLayout } from '../../lib/platform/ml-platform-chart';
import { ENV, expectValidationError } from '../support/aws';
import { synthValid } from '../support/k8s';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

/** The example platform with `n` copies of its model, `m0` … `m<n-1>`. */
function platformOf(n: number): PlatformSpec {
  return { ...SPEC, models: Array.from({ length: n }, (_, i) => ({ ...structuredClone(SPEC.models[0]), name: `m${i}` })) };
}

/** A fresh output folder (test/support/temp-dir.ts gives each test file its own TMPDIR). */
function outdir(name: string): string {
  return fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', `${name}-`));
}

/** The files `app.synth()` wrote, by name. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** cdk8s-plus labels a workload's pods with its construct address, which moves with the chart (the drift CronJob's). */
function withoutAddress(objects: any[]): any[] {
  return JSON.parse(JSON.stringify(objects).replace(/"cdk8s\.io\/metadata\.addr":"[^"]*"/g, '"cdk8s.io/metadata.addr":"-"'));
}

/**
 * The template aws-eks makes for a chart's objects delivered as a `KubernetesManifest` in a stack of its own
 * (the cluster imported with its kubectl provider), as `cdk synth` writes it (1-space indentation).
 */
function eksTemplateBytes(manifest: any[]): number {
  const stack = new Stack(new AwsApp(), 'Manifest', { env: ENV });
  const kubectlProvider = eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:kubectl-provider',
    kubectlRoleArn: 'arn:aws:iam::123456789012:role/acme-ml-kubectl',
    handlerRole: iam.Role.fromRoleArn(stack, 'Handler', 'arn:aws:iam::123456789012:role/kubectl-handler'),
  });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'acme-ml', kubectlProvider });
  // aws-eks adds its prune label to each object it is given: give it a copy.
  new eks.KubernetesManifest(stack, 'Chart', { cluster, manifest: structuredClone(manifest) });
  const template = AwsApp.of(stack)!.synth().getStackByName(stack.stackName).template;
  return Buffer.byteLength(JSON.stringify(template, undefined, 1));
}

/**
 * N models: one app.synth() of an N-model platform, each chart's objects captured as rendered.
 * 150, not the 300: 300 takes about 28 s under vitest on this machine (10 s in a plain
 * process), and what matters is shown at 150: a model's chart does not grow with N, the shared one
 * by a measured number of bytes a model, and each model is validated a constant number of times.
 */
const N = 150;
let big: { dir: string; platform: MlPlatformChart; written: string[]; rendered: Map<Chart, any[]>; validations: number[] } | undefined;
function bigPlatform(): NonNullable<typeof big> {
  if (!big) {
    const dir = outdir('scale');
    const app = new App({ outdir: dir });
    const platform = new MlPlatformChart(app, 'platform', { spec: platformOf(N) });
    // How often each model's constructs are validated during one app.synth().
    const validations = platform.models.map(() => 0);
    platform.models.forEach((m, i) => m.node.addValidation({ validate: () => (validations[i]++, []) }));
    const rendered = new Map<Chart, any[]>();
    for (const chart of platform.charts) {
      const render = chart.toJson.bind(chart);
      chart.toJson = () => {
        const objects = render();
        rendered.set(chart, objects);
        return objects;
      };
    }
    app.synth();
    big = { dir, platform, written: fs.readdirSync(dir).sort(), rendered, validations };
  }
  return big;
}

describe('MlPlatformChart at scale: one chart per model', () => {
  it(`renders ${N + 1} charts, one manifest file each, named by chart (no index prefix: the charts carry no dependencies)`, () => {
    const { platform, written, dir, rendered } = bigPlatform();
    expect(platform.charts).toHaveLength(N + 1);
    expect(platform.charts[0]).toBe(platform);
    expect(written).toEqual(['platform.k8s.yaml', ...platform.models.map((m) => `platform-${m.modelName}.k8s.yaml`)].sort());
    expect(platform.models.every((m) => m.chart.node.id === `platform-${m.modelName}` && m.chart.node.scope === platform.node.scope)).toBe(true);
    for (const chart of [platform.charts[0], platform.charts[1], platform.charts[N]]) {
      expect(fs.readFileSync(path.join(dir, `${chart.node.id}.k8s.yaml`), 'utf8')).toEqual(Yaml.stringify(...rendered.get(chart)!));
    }
  });

  it('keeps every chart far under the 1,000,000-byte template when aws-eks inlines it, the shared one too', () => {
    const { platform, rendered } = bigPlatform();
    const sizes = platform.charts.map((c) => inlinedManifestBytes(rendered.get(c)!));
    // A model's chart does not grow with the platform (only with its name's length); the shared
    // one by MLflow's list of client namespaces only (about 60 bytes a model).
    expect(Math.max(...sizes.slice(1)) / Math.min(...sizes.slice(1))).toBeLessThan(1.02);
    // A model with every section (experiment, SLO, batch scoring and its drift job) inlines to about
    // 110 KB: a fifth of the limit leaves five times that.
    expect(Math.max(...sizes)).toBeLessThan(EKS_INLINE_MANIFEST_MAX_BYTES / 5);
    const small = new MlPlatformChart(Testing.app(), 'platform', { spec: platformOf(3) });
    const perModel = (sizes[0] - inlinedManifestBytes(Testing.synth(small))) / (N - 3);
    expect(perModel).toBeGreaterThan(0);
    expect(perModel).toBeLessThan(120);
    // So the shared chart stays under a fifth of the limit at 1,000 models.
    expect(sizes[0] + (1000 - N) * perModel).toBeLessThan(EKS_INLINE_MANIFEST_MAX_BYTES / 5);
  });

  it('validates each model once per synthesis plus once for its own render, not once per chart (O(N), not O(N²))', () => {
    // cdk8s alone would validate the whole app again in each chart's toJson(): N + 2 times each.
    expect(new Set(bigPlatform().validations)).toEqual(new Set([2]));
  });

  it('writes the GitOps layout of all its charts validating each model twice more (not once per chart), the same files', () => {
    const { platform, validations, dir } = bigPlatform();
    const before = [...validations];
    const gitops = outdir('scale-gitops');
    const list = platform.writeGitOps(gitops);
    expect(list).toHaveLength(N + 1);
    expect(validations.map((v, i) => v - before[i])).toEqual(validations.map(() => 2));
    for (const file of [list[0], list[1], list[N]]) {
      expect(fs.readFileSync(path.join(gitops, file), 'utf8')).toEqual(fs.readFileSync(path.join(dir, path.basename(file)), 'utf8'));
    }
  });

  it('puts no object of a model in another model\'s chart, nor any in the shared chart', () => {
    const { platform, rendered } = bigPlatform();
    const namespaces = new Set(platform.models.map((m) => m.namespace));
    platform.models.forEach((m) => {
      const foreign = rendered.get(m.chart)!.filter((o) => (o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace) !== m.namespace);
      expect(foreign.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`), m.modelName).toEqual([]);
    });
    const shared = rendered.get(platform)!;
    expect(shared.filter((o) => namespaces.has(o.metadata.namespace) || (o.kind === 'Namespace' && namespaces.has(o.metadata.name)))).toEqual([]);
    // The retrain events (issue 16): EventBus, webhook EventSource and the one Sensor of every model.
    expect(new Set(shared.map((o) => o.kind))).toEqual(new Set(['EC2NodeClass', 'NodePool', 'ConfigMap', 'Namespace', 'ServiceAccount', 'Deployment', 'Service', 'NetworkPolicy', 'PodDisruptionBudget',
      'EventBus', 'EventSource', 'Sensor']));
  });
});

describe('MlPlatformChart layouts', () => {
  it('renders the same objects in CHART_PER_MODEL as in ONE_CHART, in the same order (but the drift CronJob\'s pod address label)', () => {
    const objects = (layout: PlatformChartLayout) => {
      const chart = new MlPlatformChart(Testing.app(), 'platform', { spec: platformOf(3), layout });
      return chart.charts.flatMap((c) => Testing.synth(c));
    };
    const split = objects(PlatformChartLayout.CHART_PER_MODEL);
    const one = objects(PlatformChartLayout.ONE_CHART);
    expect(withoutAddress(split)).toEqual(withoutAddress(one));
    expect(split).not.toEqual(one);
  });

  it('keeps the one chart of ONE_CHART: the models in the platform chart, one file, past the limit at 30 models', () => {
    const dir = outdir('one-chart');
    const app = new App({ outdir: dir });
    const chart = new MlPlatformChart(app, 'platform', { spec: platformOf(30), layout: PlatformChartLayout.ONE_CHART });
    app.synth();
    expect(chart.charts).toEqual([chart]);
    expect(chart.models.every((m) => m.chart === chart)).toBe(true);
    expect(Object.keys(files(dir))).toEqual(['platform.k8s.yaml']);
    // Why the default changed: the one chart cannot be delivered inline past about 25 models.
    expect(inlinedManifestBytes(Testing.synth(chart))).toBeGreaterThan(EKS_INLINE_MANIFEST_MAX_BYTES);
  });

  it('renders within app.synth() exactly what cdk8s renders for each chart alone', () => {
    const dir = outdir('same-render');
    const app = new App({ outdir: dir });
    const chart = new MlPlatformChart(app, 'platform', { spec: platformOf(3) });
    app.synth();
    const written = files(dir);
    for (const c of chart.charts) {
      // Testing.synth goes through cdk8s' own path (the pass's fast render is used once per synthesis).
      expect(written[`${c.node.id}.k8s.yaml`]).toEqual(Yaml.stringify(...Testing.synth(c)));
    }
  });

  it('still fails app.synth() and a later render of a model chart alone on a problem in that chart', () => {
    const app = new App({ outdir: outdir('invalid') });
    const chart = new MlPlatformChart(app, 'platform', { spec: platformOf(2) });
    let broken = true;
    chart.models[1].endpoint.node.addValidation({ validate: () => (broken ? ['the server is broken'] : []) });
    expect(() => app.synth()).toThrow(/platform-m1\/M1\/Serving\] the server is broken/);
    // The whole-app validation ran and failed: the model's chart alone still checks its own constructs.
    expect(() => chart.models[1].chart.toJson()).toThrow(/the server is broken/);
    broken = false;
    expect(chart.models[1].chart.toJson().length).toBeGreaterThan(0);
  });

  it('refuses a layout that is not one of the enum', () => {
    const e = expectValidationError(() => new MlPlatformChart(Testing.app(), 'platform', { spec: SPEC, layout: 'SHARDED' as PlatformChartLayout }));
    expect(e.problems).toEqual([expect.objectContaining({ property: 'layout', allowed: expect.stringContaining('CHART_PER_MODEL, ONE_CHART') })]);
  });
});

describe('EKS delivery through aws-cdk-lib: one KubernetesManifest per chart, each in a stack of its own', () => {
  it(`keeps the template of the example's charts and of a ${N}-model platform's largest charts under 1,000,000 bytes`, () => {
    const example = new MlPlatformChart(Testing.app(), 'platform', { spec: SPEC });
    const { platform, rendered } = bigPlatform();
    const charts: Array<[Chart, any[]]> = [
      ...example.charts.map((c): [Chart, any[]] => [c, c.toJson()]),
      [platform, rendered.get(platform)!],
      [platform.charts[N], rendered.get(platform.charts[N])!],
    ];
    for (const [chart, objects] of charts) {
      const bytes = eksTemplateBytes(objects);
      expect(bytes, chart.node.id).toBeLessThan(EKS_INLINE_MANIFEST_MAX_BYTES / 5);
      // inlinedManifestBytes is the manifest's share of that template; the rest is a few resources.
      expect(inlinedManifestBytes(objects)).toBeLessThan(bytes);
      expect(bytes - inlinedManifestBytes(objects)).toBeLessThan(5_000);
    }
  });

  it('would not fit as the one chart of before at 30 models (the limit really is what the template holds)', () => {
    const one = new MlPlatformChart(Testing.app(), 'platform', { spec: platformOf(30), layout: PlatformChartLayout.ONE_CHART });
    expect(eksTemplateBytes(one.toJson())).toBeGreaterThan(EKS_INLINE_MANIFEST_MAX_BYTES);
  });
});

describe('GitOps layout and Argo CD Applications', () => {
  const REPO = { repoUrl: 'https://github.com/acme/ml-deploy.git', path: 'clusters/acme-ml' };
  const build = (props: Partial<ArgoCdApplicationsProps> = {}, n = 3) => {
    const dir = outdir('gitops-app');
    const app = new App({ outdir: dir });
    const platform = new MlPlatformChart(app, 'platform', { spec: platformOf(n) });
    const apps = new ArgoCdApplications(app, 'argocd', { platform, ...REPO, ...props });
    return { app, dir, platform, apps, objects: synthValid(apps) };
  };

  it('writes a folder per model, the shared folder and the Applications, each file as app.synth() writes it', () => {
    const { app, dir, platform } = build();
    app.synth();
    const gitops = outdir('gitops');
    const list = platform.writeGitOps(gitops);
    expect(list).toEqual([
      'shared/platform.k8s.yaml',
      'models/m0/platform-m0.k8s.yaml',
      'models/m1/platform-m1.k8s.yaml',
      'models/m2/platform-m2.k8s.yaml',
      'argocd/argocd.k8s.yaml',
    ]);
    const flat = files(dir);
    for (const file of list) {
      expect(fs.readFileSync(path.join(gitops, file), 'utf8'), file).toEqual(flat[path.basename(file)]);
    }
    expect(fs.readdirSync(gitops).sort()).toEqual(['argocd', 'models', 'shared']);
  });

  it('renders one Application per model and one for the shared chart, valid against Argo CD\'s CRD (v3.5.1)', () => {
    const { objects } = build();
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name} -> ${o.spec.source.path} @ ${o.spec.destination.namespace}`)).toEqual([
      'Application argocd/acme -> clusters/acme-ml/shared @ acme-mlflow',
      'Application argocd/acme-m0 -> clusters/acme-ml/models/m0 @ acme-m0',
      'Application argocd/acme-m1 -> clusters/acme-ml/models/m1 @ acme-m1',
      'Application argocd/acme-m2 -> clusters/acme-ml/models/m2 @ acme-m2',
    ]);
    const model = objects[1];
    expect(model.spec).toEqual({
      project: 'default',
      source: { repoURL: REPO.repoUrl, targetRevision: 'HEAD', path: 'clusters/acme-ml/models/m0' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'acme-m0' },
      // KEDA scales the Rollout: a sync must not reset its replicas; nor the model URI the promotion on approval patched.
      ignoreDifferences: [
        { group: 'argoproj.io', kind: 'Rollout', name: 'acme-m0', namespace: 'acme-m0', jsonPointers: ['/spec/replicas'] },
        { group: 'argoproj.io', kind: 'Rollout', name: 'acme-m0', namespace: 'acme-m0', jsonPointers: ['/spec/template/metadata/annotations/mlops.cdk.io~1model-uri'] },
      ],
      syncPolicy: {
        automated: { prune: false, selfHeal: false },
        syncOptions: ['CreateNamespace=false', 'RespectIgnoreDifferences=true'],
        retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
      },
    });
    expect(objects[0].spec.ignoreDifferences).toBeUndefined();
    expect(objects[0].spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=false']);
  });

  it('creates no namespace through Argo CD: each chart renders its own (with its Pod Security labels)', () => {
    const { platform } = build();
    for (const m of platform.models) {
      const ns = Testing.synth(m.chart).filter((o) => o.kind === 'Namespace');
      expect(ns.map((o) => o.metadata.name)).toEqual([m.namespace]);
    }
  });

  it('prunes only when asked (last), heals only when asked, and syncs by hand with autoSync: false', () => {
    expect(build({ prune: true, selfHeal: true }).objects[1].spec.syncPolicy).toMatchObject({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=false', 'PruneLast=true', 'RespectIgnoreDifferences=true'],
    });
    const manual = build({ autoSync: false }).objects[1].spec.syncPolicy;
    expect(manual.automated).toBeUndefined();
    expect(manual.retry).toBeUndefined();
  });

  it('uses the given revision, project, Argo CD namespace, cluster, and the repository root for path "."', () => {
    const { objects } = build({ path: '.', targetRevision: 'v1.2.0', project: 'ml', namespace: 'gitops', destinationServer: 'https://10.0.0.1:6443' });
    expect(objects[2].metadata.namespace).toBe('gitops');
    expect(objects[2].spec).toMatchObject({
      project: 'ml',
      source: { targetRevision: 'v1.2.0', path: 'models/m1' },
      destination: { server: 'https://10.0.0.1:6443', namespace: 'acme-m1' },
    });
  });

  it('points the one Application of the ONE_CHART layout at the shared folder, which holds every model', () => {
    const platform = new MlPlatformChart(Testing.app(), 'platform', { spec: platformOf(2), layout: PlatformChartLayout.ONE_CHART });
    const apps = new ArgoCdApplications(platform.node.scope as any, 'argocd', { platform, ...REPO });
    expect(synthValid(apps).map((o) => o.spec.source.path)).toEqual(['clusters/acme-ml/shared']);
    expect(platform.writeGitOps(outdir('one-gitops'))).toEqual(['shared/platform.k8s.yaml', 'argocd/argocd.k8s.yaml']);
  });

  const bad: Array<[string, Partial<ArgoCdApplicationsProps>, string, RegExp]> = [
    ['a repository URL with a space', { repoUrl: 'https://github.com/acme/ml deploy.git' }, 'repoUrl', /without spaces/],
    ['an absolute path', { path: '/clusters/acme' }, 'path', /relative to its root/],
    ['a path leaving the repository', { path: 'clusters/../..' }, 'path', /relative to its root/],
    ['an empty path', { path: '' }, 'path', /relative to its root/],
    ['a trailing slash', { path: 'clusters/acme/' }, 'path', /relative to its root/],
    ['a revision with a space', { targetRevision: 'main branch' }, 'targetRevision', /without spaces/],
    ['an Argo CD namespace that is not a DNS label', { namespace: 'Argo_CD' }, 'namespace', /DNS-1123 label/],
    ['a project that is not a DNS subdomain', { project: 'ML Team' }, 'project', /DNS-1123 subdomain/],
    ['a cluster by plain http', { destinationServer: 'http://10.0.0.1:6443' }, 'destinationServer', /https:\/\//],
    ['prune without automated sync', { autoSync: false, prune: true }, 'prune', /without automated sync/],
    ['self-heal without automated sync', { autoSync: false, selfHeal: true }, 'selfHeal', /without automated sync/],
  ];
  it.each(bad)('refuses %s', (_name, props, property, message) => {
    const platform = new MlPlatformChart(Testing.app(), 'platform', { spec: SPEC });
    const e = expectValidationError(() => new ArgoCdApplications(platform.node.scope as any, 'argocd', { platform, ...REPO, ...props }));
    expect(e.problems.map((p) => p.property)).toEqual([property]);
    expect(e.problems[0].allowed).toMatch(message);
    expect(e.problems[0].constructPath).toBe('argocd');
  });
});

describe('the example app', () => {
  it('delivers its platform as per-model charts with Argo CD Applications validated like every object', () => {
    const examples = buildExamples({ nag: false });
    const ids = examples.charts.map((c) => c.node.id);
    expect(ids).toEqual(expect.arrayContaining(['platform', 'platform-churn', 'platform-argocd']));
    const apps = examples.charts.find((c) => c.node.id === 'platform-argocd')!;
    expect(apps.node.children.filter((c) => c instanceof ApiObject).map((c) => (c as ApiObject).name)).toEqual(['acme', 'acme-churn']);
    expect(synthValid(apps).map((o) => o.spec.source.path)).toEqual(['clusters/acme-ml/shared', 'clusters/acme-ml/models/churn']);
  });
});
