/**
 * Judge synthesized manifests with a real kube-apiserver (started by scripts/kube-apiserver.sh,
 * which sets APISERVER_URL, APISERVER_TOKEN_FILE and APISERVER_CA_FILE):
 *
 *   1. `--crds <dir>`: install every CRD of the folder (schemas/crds, the same CRDs as
 *      scripts/manifest-schema.ts) and wait until each is Established and served;
 *   2. create every Namespace for real, labelled `pod-security.kubernetes.io/enforce=restricted`
 *      (Pod Security admission judges Pods against the namespace's label), then every
 *      ServiceAccount (the ServiceAccount admission plugin refuses a Pod whose account is missing);
 *   3. send every other object with `dryRun=All&fieldValidation=Strict`: OpenAPI and structural
 *      schemas (unknown fields are errors), the CRDs' CEL rules, defaulting and admission;
 *   4. send the Pod each workload would create the same way, so Pod Security admission judges it
 *      (it warns on a Deployment but only refuses Pods): Deployment, StatefulSet, DaemonSet, Job,
 *      CronJob, Argo Rollout, the Job of each Job metric of an Argo AnalysisTemplate, and each
 *      container or script template of an Argo WorkflowTemplate, CronWorkflow or Workflow, built as
 *      Argo Workflows' controller builds it (`argoWorkflowPods`).
 *
 * Any rejection fails, printing the object and the server's message. With `--expect-rejected`, the
 * opposite: every object of the files (but Namespaces and ServiceAccounts), or a Pod built from it,
 * must be rejected; this is the check's self-test on test/fixtures/broken/broken.apiserver.k8s.yaml.
 *
 * Usage: npx tsx scripts/kube-dryrun.ts [--crds <dir>] [--expect-rejected] <manifest files…>
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import * as YAML from 'yaml';

type Obj = Record<string, any>;

/**
 * The settings of Argo Workflows' executor (the `init` and `wait` containers of every workflow pod)
 * that pods are built with: the controller's defaults, as the README asks for none (a Helm chart
 * leaves `executor.securityContext`, `executor.resources`, `executor.args` and `executor.env`
 * empty). The WorkflowTemplates' own `podSpecPatch` makes the executor restricted.
 */
export interface ArgoExecutorSettings {
  readonly image?: string;
  readonly imagePullPolicy?: string;
  readonly resources?: Obj;
  readonly securityContext?: Obj;
  readonly args?: string[];
  readonly env?: Obj[];
}

/**
 * Argo Workflows v4.1.2 (argoproj/argo-workflows@16a52d67daf2f4a8a76fa8bec02a76a46aa46257), the
 * release the CRDs of schemas/crds come from: the default executor image
 * (workflow/controller/config.go `executorImage()`).
 */
export const ARGO_WORKFLOWS_VERSION = 'v4.1.2';
export const ARGO_EXECUTOR_DEFAULTS: ArgoExecutorSettings = {};

/**
 * The namespaces a chart may use without creating them, as the README documents: `kube-system`
 * (in every cluster) and the NVIDIA GPU operator's (`GpuNodePool.devicePluginNamespace`, default
 * `gpu-operator`: the operator reads the device plugin's ConfigMap there and its Helm release
 * creates it), and Argo CD's (`argocd`, `platform.ArgoCdApplications`' default `namespace`: its
 * installation creates it and it reads Applications only there). Every other namespace of a chart's
 * objects is created by the chart (test/k8s/namespaces.test.ts); the dry-run creates these first,
 * as a cluster has them.
 */
export const PREREQUISITE_NAMESPACES = ['kube-system', 'gpu-operator', 'argocd'];

/** Annotation of a self-test object: a part of the message the server must reject it with. */
export const EXPECTED_REJECTION = 'dryrun.cdk-mlops.io/expected-rejection';

/** A Pod a workload would create, and what it was built from. */
export interface WorkloadPod {
  /** e.g. `Deployment serving/fraud` or `WorkflowTemplate training/fraud-training template train`. */
  readonly from: string;
  readonly pod: Obj;
}

/**
 * The Pods an object would create (none for an object that is not a workload). `docs` are the other
 * objects of the manifests (a CronWorkflow's `workflowTemplateRef` is resolved among them).
 */
export function workloadPods(obj: Obj, docs: Obj[] = [], executor: ArgoExecutorSettings = ARGO_EXECUTOR_DEFAULTS): WorkloadPod[] {
  const { kind } = obj;
  const meta = obj.metadata ?? {};
  const id = `${kind} ${meta.namespace ?? '-'}/${meta.name}`;
  const fromTemplate = (template: Obj | undefined): WorkloadPod[] => (template?.spec ? [{ from: id, pod: podFromTemplate(obj, template) }] : []);
  switch (`${String(obj.apiVersion).split('/')[0]}/${kind}`) {
    case 'apps/Deployment':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case 'apps/ReplicaSet':
    case 'batch/Job':
      return fromTemplate(obj.spec?.template);
    case 'batch/CronJob':
      return fromTemplate(obj.spec?.jobTemplate?.spec?.template);
    case 'argoproj.io/Rollout':
      // A Rollout with `workloadRef` takes its pods from that Deployment, dry-run on its own.
      return fromTemplate(obj.spec?.template);
    case 'argoproj.io/AnalysisTemplate':
      // A Job metric's Job (k8s.Experiment's decision): Argo's Job provider creates it in the run's namespace.
      return ((obj.spec?.metrics ?? []) as Obj[]).filter((m) => m.provider?.job?.spec?.template?.spec)
        .map((m) => ({ from: `${id} metric ${m.name}`, pod: podFromTemplate(obj, m.provider.job.spec.template) }));
    case 'argoproj.io/WorkflowTemplate':
    case 'argoproj.io/Workflow':
      return argoWorkflowPods(meta.name, meta.namespace, obj.spec ?? {}, executor).map((p) => ({ from: `${id} ${p.from}`, pod: p.pod }));
    case 'argoproj.io/CronWorkflow':
      return argoWorkflowPods(meta.name, meta.namespace, resolveWorkflowTemplateRef(obj.spec?.workflowSpec ?? {}, meta.namespace, docs), executor)
        .map((p) => ({ from: `${id} ${p.from}`, pod: p.pod }));
    default:
      return [];
  }
}

function podFromTemplate(owner: Obj, template: Obj): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${owner.metadata.name}-dryrun`, namespace: owner.metadata.namespace, labels: template.metadata?.labels, annotations: template.metadata?.annotations },
    spec: template.spec,
  };
}

/** A workflow spec with `workflowTemplateRef`: the referenced template's spec under the workflow's own fields (Argo's merge, for the fields pods read). */
function resolveWorkflowTemplateRef(spec: Obj, namespace: string | undefined, docs: Obj[]): Obj {
  const ref = spec.workflowTemplateRef;
  if (!ref) {
    return spec;
  }
  const template = docs.find((d) => d.kind === (ref.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate')
    && d.metadata?.name === ref.name && (ref.clusterScope || d.metadata?.namespace === namespace));
  if (!template) {
    throw new Error(`workflowTemplateRef ${ref.name} (namespace ${namespace}) is not in the manifests`);
  }
  const { workflowTemplateRef: _, ...own } = spec;
  return { ...template.spec, ...own };
}

/**
 * The Pods Argo Workflows' workflow-controller creates for a workflow spec, one per container or
 * script template, in its default (legacy) pod layout, following `podBuilder.build` of
 * workflow/controller/workflowpod.go (v4.1.2): volumes `var-run-argo` and `tmp-dir-argo` plus the
 * template's (and the workflow's it mounts); the `init` container (`argoexec init`) and the `wait`
 * container (`argoexec wait`, before `main`), both made by `newExecContainer` from the executor
 * settings (image, pull policy, resources, securityContext, args) and mounting the executor's
 * service-account token (Secret `<executor SA>.service-account-token`, volume `exec-sa-token`);
 * `main` run through `/var/run/argo/argoexec emissary --`; the template's init containers and
 * sidecars; service account and token automount; the pod securityContext (template, else
 * workflow); scheduling (node selector, tolerations, affinity, priority class, scheduler, host
 * aliases, DNS); the template's deadline; then the workflow's and the template's `podSpecPatch`,
 * applied last by strategic merge (util.ApplyPodSpecPatch), so they reach `init` and `wait` too.
 */
export function argoWorkflowPods(
  workflowName: string,
  namespace: string | undefined,
  spec: Obj,
  executor: ArgoExecutorSettings = ARGO_EXECUTOR_DEFAULTS,
): WorkloadPod[] {
  const pods: WorkloadPod[] = [];
  for (const t of spec.templates ?? []) {
    if (t.containerSet || t.resource || t.data) {
      throw new Error(`template ${t.name}: building the pods of containerSet, resource and data templates is not implemented in scripts/kube-dryrun.ts`);
    }
    if (!t.container && !t.script) {
      continue; // dag, steps, suspend: no pod; http and plugin: the agent pod, not the workflow's
    }
    pods.push({ from: `template ${t.name}`, pod: argoPod(workflowName, namespace, spec, t, executor) });
  }
  return pods;
}

/** `getExecutorLogOpts` with the controller's default log settings. */
const EXECUTOR_LOG_OPTS = ['--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'];

function argoPod(workflowName: string, namespace: string | undefined, wf: Obj, t: Obj, executor: ArgoExecutorSettings): Obj {
  const volumes: Obj[] = [
    { name: 'var-run-argo', emptyDir: {} },
    { name: 'tmp-dir-argo', emptyDir: {} },
    ...(t.volumes ?? []),
  ];
  const spec: Obj = { restartPolicy: 'Never', volumes, activeDeadlineSeconds: integer(t.activeDeadlineSeconds), imagePullSecrets: wf.imagePullSecrets };

  // setupServiceAccount
  spec.serviceAccountName = t.serviceAccountName ?? wf.serviceAccountName;
  const automount = t.automountServiceAccountToken ?? wf.automountServiceAccountToken;
  if (automount === false) {
    spec.automountServiceAccountToken = false;
  }
  const executorAccount = t.executor?.serviceAccountName ?? wf.executor?.serviceAccountName;
  if (executorAccount) {
    volumes.push({ name: 'exec-sa-token', secret: { secretName: `${executorAccount}.service-account-token` } });
  } else if (automount === false) {
    throw new Error(`template ${t.name}: executor.serviceAccountName must not be empty if automountServiceAccountToken is false (Argo refuses the pod)`);
  }
  const execContainer = (name: string, command: string[]): Obj => clean({
    name,
    image: executor.image ?? `quay.io/argoproj/argoexec:${ARGO_WORKFLOWS_VERSION}`,
    imagePullPolicy: executor.imagePullPolicy,
    command: [...command, ...EXECUTOR_LOG_OPTS],
    args: executor.args,
    env: [
      { name: 'ARGO_POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'ARGO_POD_UID', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.uid' } } },
      { name: 'ARGO_WORKFLOW_NAME', value: workflowName },
      ...(executor.env ?? []),
    ],
    resources: executor.resources,
    securityContext: executor.securityContext,
    volumeMounts: executorAccount ? [{ name: 'exec-sa-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] : undefined,
  });

  const varRunArgo = { name: 'var-run-argo', mountPath: '/var/run/argo' };
  const source = t.container ?? t.script;
  const { source: _script, ...mainFields } = source;
  const mainCtr: Obj = { ...mainFields, name: 'main' };
  // Without a command the controller reads the image's entrypoint from its registry (not done
  // here: the entrypoint does not change what the API server judges).
  mainCtr.command = ['/var/run/argo/argoexec', 'emissary', ...EXECUTOR_LOG_OPTS, '--', ...(mainCtr.command ?? []), ...(t.script ? ['/argo/staging/script'] : [])];
  const wait = execContainer('wait', ['argoexec', 'wait']);
  const containers = [wait, mainCtr, ...(t.sidecars ?? [])];
  const initContainers = [execContainer('init', ['argoexec', 'init']), ...(t.initContainers ?? [])];
  if (t.script) {
    volumes.push({ name: 'argo-staging', emptyDir: {} });
    initContainers[0].volumeMounts = [...(initContainers[0].volumeMounts ?? []), { name: 'argo-staging', mountPath: '/argo/staging' }];
    mainCtr.volumeMounts = [...(mainCtr.volumeMounts ?? []), { name: 'argo-staging', mountPath: '/argo/staging' }];
  }
  // addVolumeReferences: the workflow's volumes the containers mount.
  for (const c of [...containers, ...initContainers]) {
    for (const m of c.volumeMounts ?? []) {
      const v = (wf.volumes ?? []).find((x: Obj) => x.name === m.name);
      if (v && !volumes.some((x) => x.name === m.name)) {
        volumes.push(v);
      }
    }
  }
  for (const c of initContainers) {
    c.volumeMounts = [...(c.volumeMounts ?? []), varRunArgo];
  }
  containers.forEach((c, i) => {
    if (c === wait) {
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: 'tmp-dir-argo', mountPath: '/tmp', subPath: String(i) }];
    }
    c.volumeMounts = [...(c.volumeMounts ?? []), varRunArgo];
  });
  spec.containers = containers;
  spec.initContainers = initContainers;

  // addSchedulingConstraints: the template's value, else the workflow's.
  spec.nodeSelector = t.nodeSelector ?? wf.nodeSelector;
  spec.affinity = t.affinity ?? wf.affinity;
  spec.tolerations = t.tolerations?.length ? t.tolerations : wf.tolerations;
  spec.schedulerName = t.schedulerName ?? wf.schedulerName;
  spec.priorityClassName = t.priorityClassName ?? wf.podPriorityClassName;
  spec.hostAliases = [...(wf.hostAliases ?? []), ...(t.hostAliases ?? [])];
  spec.securityContext = t.securityContext ?? wf.securityContext;
  spec.dnsPolicy = wf.dnsPolicy;
  spec.dnsConfig = wf.dnsConfig;
  spec.hostNetwork = wf.hostNetwork;

  let podSpec = clean(spec);
  for (const patch of [wf.podSpecPatch, t.podSpecPatch].filter((p) => typeof p === 'string' && p.length > 0)) {
    podSpec = strategicMergePodSpec(podSpec, YAML.parse(patch));
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: clean({
      name: `${workflowName}-${String(t.name)}-dryrun`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 253),
      namespace,
      labels: {
        ...(wf.podMetadata?.labels ?? {}),
        ...(t.metadata?.labels ?? {}),
        'workflows.argoproj.io/workflow': workflowName,
        'workflows.argoproj.io/completed': 'false',
      },
      annotations: { ...(wf.podMetadata?.annotations ?? {}), ...(t.metadata?.annotations ?? {}), 'workflows.argoproj.io/node-name': `${workflowName}.${t.name}` },
    }),
    spec: podSpec,
  };
}

/**
 * Patch merge keys of the PodSpec's lists (k8s.io/api core/v1 `patchMergeKey` tags): such lists
 * merge item by item (an item the patch names that is not there is appended); other lists are
 * replaced, maps merge, `null` deletes.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** A strategic merge patch of a PodSpec, as `strategicpatch.StrategicMergePatch(…, PodSpec{})` (no `$patch` directives). */
export function strategicMergePodSpec(spec: Obj, patch: Obj): Obj {
  return merge(spec, patch) as Obj;
}

function merge(orig: unknown, patch: unknown): unknown {
  if (!isMap(patch) || !isMap(orig)) {
    return structuredClone(patch);
  }
  const out: Obj = { ...orig };
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) {
      throw new Error(`podSpecPatch directive ${k} is not supported by scripts/kube-dryrun.ts`);
    }
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v) && MERGE_KEYS[k] && Array.isArray(out[k])) {
      const key = MERGE_KEYS[k];
      const list = [...out[k]];
      for (const item of v) {
        const i = list.findIndex((x) => isMap(x) && isMap(item) && x[key] === item[key]);
        if (i >= 0) {
          list[i] = merge(list[i], item);
        } else {
          list.push(structuredClone(item));
        }
      }
      out[k] = list;
    } else {
      out[k] = merge(out[k], v);
    }
  }
  return out;
}

function isMap(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function integer(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : Number(v);
}

/** Without undefined values and empty lists (as Go's `omitempty`). */
function clean<T extends Obj>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;
}

// ---------------------------------------------------------------------------------------------
// The API server

interface Reply {
  readonly status: number;
  readonly body: Obj;
  readonly warnings: string[];
}

class ApiServer {
  private readonly discovery = new Map<string, Obj[]>();

  private ca?: Buffer;

  /** `caFile`: the API server's self-signed certificate (read once it exists: the server writes it at start). */
  constructor(private readonly url: string, private readonly token: string, private readonly caFile: string) {}

  public request(method: string, urlPath: string, body?: Obj): Promise<Reply> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    this.ca ??= fs.readFileSync(this.caFile);
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(urlPath, this.url), {
        method,
        ca: this.ca,
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json' } : {}) },
        timeout: 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Obj;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { message: text };
          }
          const w = res.headers.warning;
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings: w === undefined ? [] : Array.isArray(w) ? w : [w] });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Wait (up to 90 s) for `/readyz`. */
  public async waitReady(): Promise<void> {
    const deadline = Date.now() + 90_000;
    let last = '';
    while (Date.now() < deadline) {
      for (const pid of (process.env.APISERVER_PIDS ?? '').split(' ').filter(Boolean)) {
        if (!alive(Number(pid))) {
          throw new Error(`a server (PID ${pid}) exited before the API server was ready; API server log:\n${tail(process.env.APISERVER_LOG)}`);
        }
      }
      try {
        const r = await this.request('GET', '/readyz');
        if (r.status === 200) {
          return;
        }
        last = `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
      } catch (e) {
        last = String(e);
      }
      await sleep(500);
    }
    throw new Error(`the API server was not ready within 90 s (${last}); its log:\n${tail(process.env.APISERVER_LOG)}`);
  }

  /** The resource of a kind (`/apis/<group>/<version>` or `/api/v1`, its plural, whether namespaced), from discovery. */
  public async resource(apiVersion: string, kind: string, retryFor = 0): Promise<{ base: string; plural: string; namespaced: boolean }> {
    const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
    const deadline = Date.now() + retryFor;
    for (;;) {
      let resources = this.discovery.get(base);
      if (!resources) {
        const r = await this.request('GET', base);
        if (r.status === 200) {
          resources = r.body.resources as Obj[];
          this.discovery.set(base, resources);
        }
      }
      const found = resources?.find((x) => x.kind === kind && !String(x.name).includes('/'));
      if (found) {
        return { base, plural: found.name, namespaced: found.namespaced };
      }
      if (Date.now() >= deadline) {
        throw new Error(`the API server serves no ${kind} in ${apiVersion} (is its CRD in schemas/crds?)`);
      }
      this.discovery.delete(base);
      await sleep(500);
    }
  }

  public async create(obj: Obj, dryRun: boolean): Promise<Reply> {
    const { base, plural, namespaced } = await this.resource(obj.apiVersion, obj.kind);
    const ns = obj.metadata?.namespace;
    const where = namespaced ? `/namespaces/${ns ?? 'default'}` : '';
    return this.request('POST', `${base}${where}/${plural}?fieldValidation=Strict${dryRun ? '&dryRun=All' : ''}`, obj);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string | undefined, lines = 30): string {
  return file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function describe(obj: Obj): string {
  return `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
}

function message(r: Reply): string {
  return `HTTP ${r.status}: ${r.body.message ?? JSON.stringify(r.body)}`;
}

async function installCrds(api: ApiServer, dir: string): Promise<void> {
  const crds = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()
    .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()).filter((d) => d?.kind === 'CustomResourceDefinition'));
  for (const crd of crds) {
    const r = await api.create(crd, false);
    if (r.status !== 201 && r.status !== 409) {
      throw new Error(`CRD ${crd.metadata.name}: ${message(r)}`);
    }
  }
  for (const crd of crds) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await api.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      const conditions: Obj[] = r.body.status?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`CRD ${crd.metadata.name} not Established within 60 s: ${JSON.stringify(conditions)}`);
      }
      await sleep(300);
    }
    for (const v of crd.spec.versions.filter((x: Obj) => x.served)) {
      await api.resource(`${crd.spec.group}/${v.name}`, crd.spec.names.kind, 30_000);
    }
  }
  console.log(`kube-dryrun: ${crds.length} CRDs from ${dir} installed and Established`);
}

/** A Namespace as created here: Pod Security `restricted` enforced, whatever the chart says. */
function restrictedNamespace(ns: Obj): Obj {
  return { ...ns, metadata: { ...ns.metadata, labels: { ...(ns.metadata?.labels ?? {}), 'pod-security.kubernetes.io/enforce': 'restricted' } } };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let crdDir: string | undefined;
  let expectRejected = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--crds') {
      crdDir = args[++i];
    } else if (args[i] === '--expect-rejected') {
      expectRejected = true;
    } else {
      files.push(args[i]);
    }
  }
  const url = process.env.APISERVER_URL;
  const tokenFile = process.env.APISERVER_TOKEN_FILE;
  const caFile = process.env.APISERVER_CA_FILE;
  if (!url || !tokenFile || !caFile || files.length === 0) {
    console.error('usage: APISERVER_URL=… APISERVER_TOKEN_FILE=… APISERVER_CA_FILE=… tsx scripts/kube-dryrun.ts [--crds <dir>] [--expect-rejected] <files…> (run through scripts/kube-apiserver.sh)');
    process.exit(2);
  }
  const api = new ApiServer(url, fs.readFileSync(tokenFile, 'utf8').trim(), caFile);
  await api.waitReady();
  if (crdDir) {
    await installCrds(api, crdDir);
  }

  const docs: Array<{ file: string; obj: Obj }> = files.flatMap((file) => YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS()).filter((obj) => obj && typeof obj === 'object').map((obj) => ({ file: path.basename(file), obj })));
  const all = docs.map((d) => d.obj);
  const rejections: string[] = [];
  const accepted: string[] = [];
  /** Self-test: objects rejected for another reason than their annotation names. */
  const wrongReason: string[] = [];
  const reject = (file: string, what: string, r: Reply) => {
    rejections.push(`[${file}] ${what}: ${message(r)}`);
  };

  // For real, first: the namespaces a cluster has, the chart's (restricted), then the service accounts pods run as.
  for (const name of PREREQUISITE_NAMESPACES) {
    const r = await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, false);
    if (r.status !== 201 && r.status !== 409) {
      throw new Error(`Namespace ${name}: ${message(r)}`);
    }
  }
  for (const kind of ['Namespace', 'ServiceAccount']) {
    for (const { file, obj } of docs.filter((d) => d.obj.kind === kind && d.obj.apiVersion === 'v1')) {
      const r = await api.create(kind === 'Namespace' ? restrictedNamespace(obj) : obj, false);
      if (r.status !== 201 && r.status !== 409) {
        reject(file, describe(obj), r);
      }
      if (kind === 'Namespace') {
        // What kube-controller-manager (absent here) does in every new namespace.
        await api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: obj.metadata.name } }, false);
      }
    }
  }

  let objects = 0;
  let pods = 0;
  for (const { file, obj } of docs.filter((d) => !(d.obj.apiVersion === 'v1' && ['Namespace', 'ServiceAccount'].includes(d.obj.kind)))) {
    const before = rejections.length;
    objects++;
    let built: WorkloadPod[] = [];
    try {
      const r = await api.create(obj, true);
      if (r.status !== 200 && r.status !== 201) {
        reject(file, describe(obj), r);
      }
      built = workloadPods(obj, all);
    } catch (e) {
      rejections.push(`[${file}] ${describe(obj)}: ${(e as Error).message}`);
    }
    for (const { from, pod } of built) {
      pods++;
      const r = await api.create(pod, true);
      if (r.status !== 200 && r.status !== 201) {
        reject(file, `Pod of ${from}`, r);
      }
    }
    if (rejections.length === before) {
      accepted.push(`[${file}] ${describe(obj)}`);
    }
    const expected = obj.metadata?.annotations?.[EXPECTED_REJECTION];
    if (expectRejected && rejections.length > before && !rejections.slice(before).every((m) => m.includes(expected ?? '\0'))) {
      wrongReason.push(`[${file}] ${describe(obj)}: expected a rejection containing ${JSON.stringify(expected)}, got:\n    ${rejections.slice(before).join('\n    ')}`);
    }
  }

  if (expectRejected) {
    for (const r of rejections) {
      console.log(`kube-dryrun: rejected as expected: ${r}`);
    }
    if (accepted.length > 0) {
      console.error(`kube-dryrun: the API server accepted broken objects, so the check is not really checking:\n  ${accepted.join('\n  ')}`);
      process.exit(1);
    }
    if (wrongReason.length > 0) {
      console.error(`kube-dryrun: broken objects rejected for another reason than the one they test:\n  ${wrongReason.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`kube-dryrun: every one of the ${objects} broken objects rejected: ok`);
    return;
  }
  if (rejections.length > 0) {
    console.error(`kube-dryrun: ${rejections.length} rejected (dryRun=All, fieldValidation=Strict, Pod Security restricted):\n  ${rejections.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`kube-dryrun: ${objects} objects and ${pods} workload pods accepted (dryRun=All, fieldValidation=Strict, Pod Security restricted)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`kube-dryrun: ${(e as Error).message}`);
    process.exit(1);
  });
}
