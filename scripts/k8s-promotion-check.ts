/**
 * The Kubernetes promotion on approval, end to end against real servers (validate step; run by
 * scripts/k8s-promotion-check.sh inside scripts/kube-apiserver.sh --exec, which sets APISERVER_URL,
 * APISERVER_TOKEN_FILE and APISERVER_CA_FILE):
 *
 * - the MLflow server from PyPI (scripts/requirements-mlflow-check.txt) on loopback, with versions
 *   registered with and without lineage tags and the `champion` alias moved between them;
 * - the real kube-apiserver (RBAC authorization) holding the synthesized promoter's ServiceAccount,
 *   Role, RoleBinding and the Rollout / InferenceService it serves, created for real;
 * - the bundled promoter (assets/k8s-promotion/index.js) run with the CronJob's own environment and
 *   a token of its ServiceAccount (TokenRequest), its metrics pushed to a Pushgateway stand-in.
 *
 * Asserted: the Role lets the account get and patch its object and nothing else (the server answers
 * 403 on another Rollout, on list, on delete); an approved version with lineage is served, a repeat
 * changes nothing, a version without lineage, an older one and one whose canary was aborted are not
 * served and land in the dead letter (the object's mlops.cdk.io/refused-model-versions annotation)
 * with cdk_mlops_promotion_failed 1; a Forbidden run fails with the metric set too.
 *
 * Usage: tsx scripts/k8s-promotion-check.ts --mlflow <venv>/bin/mlflow [--broken <manifest>] <manifest files…>
 * With --broken, the manifest given there must then fail the RBAC check (its Role is not limited to
 * one object): the self-test.
 */

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { Lineage } from '../lib/core/lineage';
import { CHALLENGER_MODEL_URI_ANNOTATION, EXPERIMENT_ANNOTATION, MLFLOW_PROMOTION_TAG, MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION, REFUSED_ANNOTATION, STABLE_VERSION_ANNOTATION } from '../lib/core/mlflow-promotion';

type Obj = Record<string, any>;
const ROOT = path.resolve(__dirname, '..');
const PROMOTER = path.join(ROOT, 'assets/k8s-promotion/index.js');
const CRDS = ['schemas/crds/argoproj.io_rollouts.yaml', 'schemas/crds/serving.kserve.io_inferenceservices.yaml'];

class CheckFailed extends Error {}

// ------------------------------------------------------------------------------------------------
// HTTP

interface Reply { readonly status: number; readonly body: Obj }

function call(url: string, method: string, opts: { token?: string; ca?: Buffer; body?: unknown; contentType?: string } = {}): Promise<Reply> {
  const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, {
      method,
      ca: opts.ca,
      headers: {
        Accept: 'application/json',
        ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
        ...(data ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}),
      },
      timeout: 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Obj;
        try {
          body = JSON.parse(text);
        } catch {
          body = { message: text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

class Api {
  constructor(private readonly url: string, public readonly token: string, public readonly ca: Buffer) {}
  public req(method: string, p: string, body?: unknown, contentType?: string, token = this.token): Promise<Reply> {
    return call(`${this.url}${p}`, method, { token, ca: this.ca, body, contentType });
  }
  public async must(method: string, p: string, body?: unknown, contentType?: string): Promise<Obj> {
    const r = await this.req(method, p, body, contentType);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.body.message ?? JSON.stringify(r.body)}`);
    return r.body;
  }
}

function pathOf(o: Obj): string {
  const ns = o.metadata.namespace;
  const plural: Record<string, string> = {
    Namespace: 'namespaces',
    ServiceAccount: 'serviceaccounts',
    Role: 'roles',
    RoleBinding: 'rolebindings',
    Rollout: 'rollouts',
    InferenceService: 'inferenceservices',
  };
  const base = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion}`;
  return `${base}${ns ? `/namespaces/${ns}` : ''}/${plural[o.kind]}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// The servers

async function startMlflow(bin: string, dir: string, started: (proc: ChildProcess) => void): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const log = fs.openSync(path.join(dir, 'mlflow.log'), 'w');
  // Its own process group: stopped by its PID (the group it leads), with the workers it starts.
  const proc = spawn(bin, ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
    '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`, '--default-artifact-root', path.join(dir, 'artifacts')],
  { stdio: ['ignore', log, log], detached: true });
  started(proc);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`MLflow exited (${proc.exitCode}):\n${fs.readFileSync(path.join(dir, 'mlflow.log'), 'utf8').slice(-2000)}`);
    try {
      if ((await call(`${url}/health`, 'GET')).status === 200) return { url, proc };
    } catch { /* not yet */ }
    await sleep(500);
  }
  throw new Error('MLflow did not answer /health within 180 s');
}

function stopGroup(proc: ChildProcess | undefined): void {
  if (proc?.pid === undefined || proc.exitCode !== null) return;
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch { /* gone */ }
}

/** A Pushgateway stand-in: remembers the last body PUT to each grouping path. */
async function startPushgateway(): Promise<{ url: string; server: http.Server; pushed: Map<string, string> }> {
  const pushed = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') pushed.set(req.url ?? '', Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, server, pushed };
}

// ------------------------------------------------------------------------------------------------
// The manifests

interface Promoter {
  readonly namespace: string;
  readonly env: Record<string, string>;
  readonly objects: Obj[];
  readonly target: Obj;
}

function promoterOf(files: string[]): Promoter {
  const docs: Obj[] = files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS()).filter(Boolean));
  const job = docs.find((d) => d.kind === 'CronJob'
    && (d.spec?.jobTemplate?.spec?.template?.spec?.containers ?? []).some((c: Obj) => (c.command ?? []).includes('/opt/cdk-mlops/promotion.js')));
  if (job === undefined) throw new CheckFailed(`no promotion CronJob (command node /opt/cdk-mlops/promotion.js) in ${files.join(', ')}`);
  const ns = job.metadata.namespace;
  const pod = job.spec.jobTemplate.spec.template.spec;
  const container = pod.containers.find((c: Obj) => c.command.includes('/opt/cdk-mlops/promotion.js'));
  const env: Record<string, string> = Object.fromEntries((container.env ?? []).map((e: Obj) => [e.name, e.value]));
  const sa = pod.serviceAccountName;
  const find = (kind: string, name: string) => {
    const o = docs.find((d) => d.kind === kind && d.metadata?.name === name && (kind === 'Namespace' || d.metadata?.namespace === ns));
    if (o === undefined) throw new CheckFailed(`no ${kind} ${name} in namespace ${ns}`);
    return o;
  };
  const binding = docs.find((d) => d.kind === 'RoleBinding' && d.metadata?.namespace === ns && (d.subjects ?? []).some((s: Obj) => s.kind === 'ServiceAccount' && s.name === sa));
  if (binding === undefined) throw new CheckFailed(`no RoleBinding of ServiceAccount ${sa} in ${ns}`);
  const target = find(env.TARGET_KIND, env.TARGET_NAME);
  return { namespace: ns, env, target, objects: [find('Namespace', ns), find('ServiceAccount', sa), find('Role', binding.roleRef.name), binding, target] };
}

// ------------------------------------------------------------------------------------------------
// The check

interface RunResult { readonly code: number; readonly line: Obj; readonly pushed?: string; readonly stderr: string }

class Check {
  private failures = 0;
  constructor(
    public readonly api: Api,
    private readonly mlflow: string,
    private readonly gateway: { url: string; pushed: Map<string, string> },
    private readonly dir: string,
  ) {}

  public expect(ok: boolean, what: string, detail: unknown = ''): void {
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
    if (!ok) this.failures++;
  }

  public get failed(): number {
    return this.failures;
  }

  /** Install the two CRDs the targets need, wait until served. */
  public async installCrds(): Promise<void> {
    for (const f of CRDS) {
      const crd = YAML.parse(fs.readFileSync(path.join(ROOT, f), 'utf8'));
      const r = await this.api.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      if (r.status !== 201 && r.status !== 409) throw new Error(`CRD ${crd.metadata.name}: ${r.status} ${r.body.message}`);
      const v = crd.spec.versions.find((x: Obj) => x.served).name;
      const deadline = Date.now() + 60_000;
      while ((await this.api.req('GET', `/apis/${crd.spec.group}/${v}/${crd.spec.names.plural}`)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not served within 60 s`);
        await sleep(300);
      }
    }
  }

  /** Create the objects for real; a copy of the target named `<name>-other` too. Returns the account's token file. */
  public async create(p: Promoter): Promise<string> {
    for (const o of p.objects) {
      await this.api.must('POST', `${pathOf(o)}?fieldValidation=Strict`, o);
    }
    const other = { ...p.target, metadata: { ...p.target.metadata, name: `${p.target.metadata.name}-other` } };
    await this.api.must('POST', pathOf(other), other);
    const sa = p.objects.find((o) => o.kind === 'ServiceAccount')!;
    const tr = await this.api.must('POST', `/api/v1/namespaces/${p.namespace}/serviceaccounts/${sa.metadata.name}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
    const file = path.join(this.dir, `${p.namespace}.token`);
    fs.writeFileSync(file, tr.status.token, { mode: 0o600 });
    return file;
  }

  /** The Role, judged by the API server itself with the account's token. */
  public async rbac(p: Promoter, tokenFile: string): Promise<void> {
    const token = fs.readFileSync(tokenFile, 'utf8');
    const own = `${pathOf(p.target)}/${p.target.metadata.name}`;
    const other = `${own}-other`;
    const as = (method: string, url: string, body?: unknown, ct?: string) => this.api.req(method, url, body, ct, token);
    const mark = { metadata: { annotations: { 'mlops.cdk.io/rbac-check': 'x' } } };
    this.expect((await as('GET', own)).status === 200, `the ServiceAccount can GET ${p.target.kind} ${p.target.metadata.name}`);
    this.expect((await as('PATCH', own, mark, 'application/merge-patch+json')).status === 200, `the ServiceAccount can PATCH ${p.target.kind} ${p.target.metadata.name}`);
    const patchOther = await as('PATCH', other, mark, 'application/merge-patch+json');
    this.expect(patchOther.status === 403, `the ServiceAccount is Forbidden to PATCH another ${p.target.kind} (${p.target.metadata.name}-other): the Role names only its object`, `HTTP ${patchOther.status}`);
    this.expect((await as('GET', other)).status === 403, `the ServiceAccount is Forbidden to GET another ${p.target.kind}`);
    this.expect((await as('GET', pathOf(p.target))).status === 403, `the ServiceAccount is Forbidden to LIST ${p.target.kind}s`);
    this.expect((await as('DELETE', own)).status === 403, `the ServiceAccount is Forbidden to DELETE its ${p.target.kind}`);
  }

  // --- MLflow
  public async mlflowCall(method: string, p: string, body?: unknown): Promise<Obj> {
    const r = await call(`${this.mlflow}/api/2.0/mlflow${p}`, method, { body });
    if (r.status !== 200) throw new Error(`MLflow ${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  public async registerVersion(name: string, source: string, lineage: boolean): Promise<string> {
    const tags = lineage ? Lineage.metadataKeys().map((key) => ({ key, value: `${key.split(':')[1]}-value` })) : [];
    return (await this.mlflowCall('POST', '/model-versions/create', { name, source, tags })).model_version.version;
  }

  public async approve(name: string, version: string): Promise<void> {
    await this.mlflowCall('POST', '/registered-models/alias', { name, alias: 'champion', version });
  }

  public async versionTag(name: string, version: string): Promise<string | undefined> {
    const v = (await this.mlflowCall('GET', `/model-versions/get?name=${encodeURIComponent(name)}&version=${version}`)).model_version;
    return (v.tags ?? []).find((t: Obj) => t.key === MLFLOW_PROMOTION_TAG)?.value;
  }

  // --- the promoter
  /** One run of the bundled promoter (asynchronous: the Pushgateway stand-in answers from this process). */
  public async run(p: Promoter, tokenFile: string, overrides: Record<string, string> = {}): Promise<RunResult> {
    const key = `/metrics/job/${p.env.PUSHGATEWAY_JOB}/endpoint/${encodeURIComponent(p.env.REGISTERED_MODEL_NAME)}`;
    this.gateway.pushed.delete(key);
    const env = {
      PATH: process.env.PATH ?? '',
      ...p.env,
      MLFLOW_TRACKING_URI: this.mlflow,
      PUSHGATEWAY_URL: this.gateway.url,
      KUBE_API_URL: process.env.APISERVER_URL!,
      KUBE_TOKEN_FILE: tokenFile,
      KUBE_CA_FILE: process.env.APISERVER_CA_FILE!,
      ...overrides,
    };
    const r = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [PROMOTER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => { clearTimeout(timer); resolve({ status: code ?? -1, stdout, stderr }); });
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let line: Obj = {};
    try {
      line = JSON.parse(last);
    } catch { line = { raw: last }; }
    return { code: r.status, line, pushed: this.gateway.pushed.get(key), stderr: r.stderr };
  }

  public async target(p: Promoter): Promise<Obj> {
    return this.api.must('GET', `${pathOf(p.target)}/${p.target.metadata.name}`);
  }
}

function templateAnnotations(o: Obj): Obj {
  return (o.kind === 'Rollout' ? o.spec?.template?.metadata?.annotations : o.spec?.predictor?.annotations) ?? {};
}

function failedMetric(pushed: string | undefined): string | undefined {
  return /^cdk_mlops_promotion_failed\{[^}]*\} (\d+)$/m.exec(pushed ?? '')?.[1];
}

async function scenarios(c: Check, p: Promoter, tokenFile: string): Promise<void> {
  const name = p.env.REGISTERED_MODEL_NAME;
  const initialUri = templateAnnotations(p.target)[MODEL_URI_ANNOTATION];
  c.expect(initialUri !== undefined, `the ${p.target.kind} serves the spec's URI through the ${MODEL_URI_ANNOTATION} annotation`, templateAnnotations(p.target));
  await c.mlflowCall('POST', '/registered-models/create', { name });
  const src = (n: number) => `s3://acme-ml-models/${name}/mlflow/${n}/`;
  const v1 = await c.registerVersion(name, src(1), true);
  const v2 = await c.registerVersion(name, src(2), false);
  const v3 = await c.registerVersion(name, src(3), true);
  const v4 = await c.registerVersion(name, src(4), true);

  const step = async (title: string, setup: () => Promise<void>, check: (r: RunResult, o: Obj, before: Obj) => void | Promise<void>) => {
    console.log(`- ${title}`);
    const before = await c.target(p);
    await setup();
    const r = await c.run(p, tokenFile);
    c.expect(r.code === 0, 'the promoter exits 0', { code: r.code, line: r.line, stderr: r.stderr.slice(-500) });
    await check(r, await c.target(p), before);
  };
  const uriOf = (o: Obj) => templateAnnotations(o)[MODEL_URI_ANNOTATION];
  const refused = (o: Obj) => JSON.parse(o.metadata.annotations?.[REFUSED_ANNOTATION] ?? '{}');

  const experiment = templateAnnotations(p.target)[EXPERIMENT_ANNOTATION];
  if (experiment !== undefined && p.target.kind === 'Rollout') {
    // The example's model runs an experiment (issue 17): the promoter must leave its Rollout alone.
    await step(`experiment ${experiment} runs on the ${p.target.kind}: the promoter waits`, async () => undefined, (r, o, before) => {
      c.expect(r.line.kind === 'EXPERIMENT_RUNNING' && r.line.patched === false, 'decision EXPERIMENT_RUNNING, no patch', r.line);
      c.expect(o.metadata.resourceVersion === before.metadata.resourceVersion, 'the object is unchanged (same resourceVersion)');
      c.expect(failedMetric(r.pushed) === '0', 'cdk_mlops_promotion_failed 0', r.pushed);
    });
    // The experiment removed from the spec: the pod template loses its two annotations (a merge patch
    // with null, as applying the manifest without them does) and MODEL_URI reads the promoter's again.
    console.log('- the experiment removed from the spec');
    const own = `${pathOf(p.target)}/${p.target.metadata.name}`;
    const containers = (await c.target(p)).spec.template.spec.containers.map((k: Obj) => ({
      ...k,
      env: (k.env ?? []).map((e: Obj) => e.name === 'MODEL_URI'
        ? { name: 'MODEL_URI', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${MODEL_URI_ANNOTATION}']` } } } : e),
    }));
    await c.api.must('PATCH', own, {
      spec: {
        template: {
          metadata: { annotations: { [EXPERIMENT_ANNOTATION]: null, [CHALLENGER_MODEL_URI_ANNOTATION]: null } },
          spec: { containers },
        },
      },
    }, 'application/merge-patch+json');
  }
  await step('no version carries the alias', async () => undefined, (r, o) => {
    c.expect(r.line.kind === 'NO_APPROVAL', 'decision NO_APPROVAL', r.line);
    c.expect(uriOf(o) === initialUri, 'still the spec\'s URI', uriOf(o));
    c.expect(failedMetric(r.pushed) === '0', 'cdk_mlops_promotion_failed 0', r.pushed);
  });
  await step(`champion → version ${v1} (lineage tags)`, () => c.approve(name, v1), async (r, o) => {
    c.expect(r.line.kind === 'PROMOTE' && r.line.patched === true, 'decision PROMOTE, patched', r.line);
    c.expect(uriOf(o) === src(1) && templateAnnotations(o)[MODEL_VERSION_ANNOTATION] === v1, `the pod template serves ${src(1)}`, templateAnnotations(o));
    c.expect(failedMetric(r.pushed) === '0', 'cdk_mlops_promotion_failed 0', r.pushed);
    c.expect((await c.versionTag(name, v1))?.startsWith('promoted') === true, `MLflow version ${v1} tagged ${MLFLOW_PROMOTION_TAG}=promoted…`);
  });
  await step('the same approval again (idempotent)', async () => undefined, (r, o, before) => {
    c.expect(r.line.kind === 'ALREADY_SERVED' && r.line.patched === false, 'decision ALREADY_SERVED, no patch', r.line);
    c.expect(o.metadata.resourceVersion === before.metadata.resourceVersion, 'the object is unchanged (same resourceVersion)');
  });
  await step(`champion → version ${v2} (no lineage tags)`, () => c.approve(name, v2), async (r, o) => {
    c.expect(r.line.kind === 'REFUSE' && /lineage/.test(r.line.reason), 'decision REFUSE for lineage', r.line);
    c.expect(uriOf(o) === src(1), `still serves ${src(1)}`, uriOf(o));
    c.expect(refused(o)[v2] !== undefined, `version ${v2} in the dead letter (${REFUSED_ANNOTATION})`, o.metadata.annotations);
    c.expect(failedMetric(r.pushed) === '1', 'cdk_mlops_promotion_failed 1', r.pushed);
    c.expect((await c.versionTag(name, v2))?.startsWith('refused') === true, `MLflow version ${v2} tagged ${MLFLOW_PROMOTION_TAG}=refused…`);
  });
  await step('the refused approval again', async () => undefined, (r, o, before) => {
    c.expect(r.line.kind === 'REFUSED_BEFORE', 'decision REFUSED_BEFORE', r.line);
    c.expect(o.metadata.resourceVersion === before.metadata.resourceVersion, 'the object is unchanged');
    c.expect(failedMetric(r.pushed) === '1', 'cdk_mlops_promotion_failed stays 1', r.pushed);
  });
  await step(`champion → version ${v3} (lineage tags)`, () => c.approve(name, v3), (r, o) => {
    c.expect(r.line.kind === 'PROMOTE', 'decision PROMOTE', r.line);
    c.expect(uriOf(o) === src(3), `serves ${src(3)}`, uriOf(o));
    c.expect(o.metadata.annotations?.[STABLE_VERSION_ANNOTATION] === v1, `stable version ${v1} recorded`, o.metadata.annotations);
    c.expect(failedMetric(r.pushed) === '0', 'cdk_mlops_promotion_failed 0', r.pushed);
  });
  await step(`champion → version ${v1} (older than the served ${v3})`, () => c.approve(name, v1), (r, o) => {
    c.expect(r.line.kind === 'REFUSE' && /older/.test(r.line.reason), 'decision REFUSE as older', r.line);
    c.expect(uriOf(o) === src(3), `still serves ${src(3)}`, uriOf(o));
    c.expect(failedMetric(r.pushed) === '1', 'cdk_mlops_promotion_failed 1', r.pushed);
  });
  await step(`champion → version ${v4} (lineage tags)`, () => c.approve(name, v4), (r, o) => {
    c.expect(r.line.kind === 'PROMOTE' && uriOf(o) === src(4), `decision PROMOTE, serves ${src(4)}`, r.line);
  });
  if (p.target.kind === 'Rollout') {
    const own = `${pathOf(p.target)}/${p.target.metadata.name}`;
    await step(`the canary of version ${v4} aborted (status.abort, as Argo Rollouts sets it when the analysis fails)`,
      // The status subresource (the Rollout CRD has one): where the controller writes abort.
      async () => { await c.api.must('PATCH', `${own}/status`, { status: { abort: true } }, 'application/merge-patch+json'); },
      (r, o) => {
        c.expect(r.line.kind === 'REFUSED_BEFORE' && r.line.servedVersion === Number(v3), `decision REFUSED_BEFORE, served version ${v3} (the stable one)`, r.line);
        c.expect(/rolled back/.test(refused(o)[v4]?.reason ?? ''), `version ${v4} in the dead letter as rolled back`, o.metadata.annotations);
        c.expect(failedMetric(r.pushed) === '1', 'cdk_mlops_promotion_failed 1', r.pushed);
        c.expect(/cdk_mlops_promotion_served_version\{[^}]*\} 3$/m.test(r.pushed ?? ''), `cdk_mlops_promotion_served_version ${v3}`, r.pushed);
      });
    await step(`the same aborted version ${v4} again: not promoted again`, async () => undefined, (r, o, before) => {
      c.expect(r.line.kind === 'REFUSED_BEFORE' && o.metadata.resourceVersion === before.metadata.resourceVersion, 'decision REFUSED_BEFORE, object unchanged', r.line);
    });
  }
  console.log('- the promoter pointed at an object its Role does not name');
  const forbidden = await c.run(p, tokenFile, { TARGET_NAME: `${p.target.metadata.name}-other` });
  c.expect(forbidden.code === 1 && /403/.test(String(forbidden.line.reason)), 'exits 1 with the API server\'s 403', forbidden.line);
  c.expect(failedMetric(forbidden.pushed) === '1', 'cdk_mlops_promotion_failed 1', forbidden.pushed);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const take = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const [, v] = args.splice(i, 2);
    return v;
  };
  const mlflowBin = take('--mlflow');
  const broken = take('--broken');
  if (mlflowBin === undefined || args.length === 0) {
    console.error('usage: k8s-promotion-check.ts --mlflow <mlflow> [--broken <manifest>] <manifests…>');
    process.exit(2);
  }
  if (!fs.existsSync(PROMOTER)) throw new Error(`${PROMOTER} missing: npx tsx scripts/bundle-runtime.ts`);
  const promoter = promoterOf(args);
  const brokenPromoter = broken !== undefined ? promoterOf([broken]) : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-promotion.'));
  let mlflow: { url: string; proc: ChildProcess } | undefined;
  let mlflowProc: ChildProcess | undefined;
  const gateway = await startPushgateway();
  const started = Date.now();
  // Stopped from outside (kube-apiserver.sh's trap, a CI timeout): MLflow's process group too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopGroup(mlflowProc);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  try {
    const mlflowStarting = startMlflow(mlflowBin, dir, (proc) => { mlflowProc = proc; });
    const api = new Api(process.env.APISERVER_URL!, fs.readFileSync(process.env.APISERVER_TOKEN_FILE!, 'utf8').trim(), Buffer.alloc(0));
    // Wait for the API server (its certificate is written at start).
    const deadline = Date.now() + 90_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      try {
        const ca = fs.readFileSync(process.env.APISERVER_CA_FILE!);
        ready = (await call(`${process.env.APISERVER_URL}/readyz`, 'GET', { token: api.token, ca })).status === 200;
        if (ready) Object.assign(api, { ca });
      } catch { /* not yet */ }
      if (!ready) await sleep(500);
    }
    if (!ready) throw new Error('the API server was not ready within 90 s');
    mlflow = await mlflowStarting;
    console.log(`k8s-promotion-check: MLflow ${mlflow.url}, API server ${process.env.APISERVER_URL} ready in ${Math.round((Date.now() - started) / 1000)} s`);
    const check = new Check(api, mlflow.url, gateway, dir);
    await check.installCrds();

    console.log(`${promoter.target.kind} ${promoter.namespace}/${promoter.target.metadata.name}, promoted from MLflow ${promoter.env.REGISTERED_MODEL_NAME}@${promoter.env.APPROVAL_ALIAS}`);
    const token = await check.create(promoter);
    console.log('- RBAC, judged by the API server');
    await check.rbac(promoter, token);
    await scenarios(check, promoter, token);
    const failures = check.failed;

    let brokenCaught = true;
    if (brokenPromoter !== undefined) {
      console.log(`self-test: ${broken} (${brokenPromoter.target.kind} ${brokenPromoter.namespace}/${brokenPromoter.target.metadata.name}) must fail the RBAC check`);
      const selfCheck = new Check(api, mlflow.url, gateway, dir);
      await selfCheck.rbac(brokenPromoter, await selfCheck.create(brokenPromoter));
      brokenCaught = selfCheck.failed > 0;
      console.log(brokenCaught ? `k8s-promotion-check rejects ${broken}: ok` : `k8s-promotion-check: accepted ${broken}: it is not really checking`);
    }
    if (failures > 0 || !brokenCaught) {
      throw new CheckFailed(`${failures} assertion(s) failed${brokenCaught ? '' : ', and the broken manifest passed'}`);
    }
    console.log(`k8s-promotion-check: the promotion on approval holds against MLflow and the API server (${Math.round((Date.now() - started) / 1000)} s)`);
  } finally {
    stopGroup(mlflowProc);
    gateway.server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`k8s-promotion-check: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
