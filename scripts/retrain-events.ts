/**
 * Sustained drift → retraining, judged by the real programs on each side:
 *
 *   npx tsx scripts/retrain-events.ts <alertmanager.yaml> <manifest files or folders>
 *   npx tsx scripts/retrain-events.ts --self-test
 *
 * 1. Alertmanager (Debian's prometheus-alertmanager, scripts/amtool.sh): `amtool check-config` on
 *    the rendered configuration, and `amtool config routes test`: the sustained-drift alert of each
 *    rendered PrometheusRule goes to the retrain receiver, its act alert does not.
 * 2. The real Alertmanager on loopback runs that configuration (only the receiver's URL pointed at a
 *    local listener and group_wait cut to 1 s) and is sent alerts with the rendered rules' labels:
 *    each model's sustained drift on two features, the same for a model with no Sensor and for a
 *    template whose name starts with a rendered one, and an act alert. What it posts is recorded.
 * 3. Those webhook payloads (and each firing one turned resolved) go through Argo Events' own sensor
 *    code (scripts/argo-events-sensor.sh, v1.9.11) against the rendered Sensors, Roles and
 *    RoleBindings: each model's firing group must make its Sensor create exactly one Workflow from
 *    its WorkflowTemplate, in its namespace, with `data-version` `<default>@<startsAt>`, allowed by
 *    its Role; a resolved group and every other alert must create nothing.
 *
 * Exit 1 on any failure. The self-test runs 3 on test/fixtures/broken/broken.retrain-sensor.k8s.yaml
 * (an unanchored filter and a Role allowing more), which must be rejected.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { RETRAIN_TARGET_PATH } from '../lib/core/retrain-events';

const ROOT = path.join(__dirname, '..');
const RETRAIN_RECEIVER = 'argo-events-retrain';

interface Model {
  readonly namespace: string;
  readonly template: string;
  readonly defaultDataVersion: string;
  readonly labels: Record<string, string>;
  readonly actLabels: Record<string, string>;
}

interface Case {
  readonly name: string;
  readonly payload: string;
  readonly expect: Array<{ sensor: string; namespace: string; workflowTemplate: string; dataVersion: string }>;
}

function manifestFiles(inputs: string[]): string[] {
  const files: string[] = [];
  const walk = (p: string) => {
    if (fs.statSync(p).isDirectory()) {
      fs.readdirSync(p).sort().forEach((e) => walk(path.join(p, e)));
    } else if (/\.ya?ml$/.test(p)) {
      files.push(p);
    }
  };
  inputs.forEach(walk);
  return files;
}

function manifestObjects(files: string[]): any[] {
  return files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS())).filter((o) => o && o.kind);
}

/** The models whose sustained-drift alert names a WorkflowTemplate, with that template's default data version. */
function modelsOf(objects: any[]): Model[] {
  const models: Model[] = [];
  for (const rule of objects.filter((o) => o.kind === 'PrometheusRule')) {
    for (const group of rule.spec.groups) {
      const sustained = group.rules.find((r: any) => r.alert === 'DriftSustained' && r.labels?.retrain_workflow_template);
      const act = group.rules.find((r: any) => r.alert === 'DriftAct');
      if (!sustained) {
        continue;
      }
      const namespace = sustained.labels.retrain_namespace;
      const template = sustained.labels.retrain_workflow_template;
      const wt = objects.find((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === template && o.metadata.namespace === namespace);
      const dv = wt?.spec?.arguments?.parameters?.find((p: any) => p.name === 'data-version')?.value;
      if (dv === undefined) {
        throw new Error(`the alert names the WorkflowTemplate ${namespace}/${template}, which the manifests do not render with a data-version parameter`);
      }
      models.push({ namespace, template, defaultDataVersion: dv, labels: { alertname: 'DriftSustained', ...sustained.labels }, actLabels: { alertname: 'DriftAct', ...act?.labels } });
    }
  }
  return models;
}

function run(cmd: string, args: string[]): { status: number; out: string; stdout: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** 1. amtool: the configuration, and where each model's alerts are routed. */
function checkRouting(config: string, models: Model[]): string[] {
  const problems: string[] = [];
  const check = run('bash', ['scripts/amtool.sh', 'check-config', config]);
  console.log(check.out.trim().split('\n')[0]);
  if (check.status !== 0) {
    problems.push(`amtool check-config ${config}:\n${check.out}`);
  }
  for (const m of models) {
    for (const [labels, receivers] of [[m.labels, RETRAIN_RECEIVER], [m.actLabels, '']] as const) {
      const r = run('bash', ['scripts/amtool.sh', 'config', 'routes', 'test', `--config.file=${config}`, ...labelArgs({ ...labels, feature: 'age' })]);
      const got = r.stdout.trim();
      const ok = receivers === RETRAIN_RECEIVER ? got === RETRAIN_RECEIVER : !got.split(',').includes(RETRAIN_RECEIVER);
      console.log(`amtool config routes test ${labels.alertname} of ${m.namespace}/${m.template} → ${got}: ${ok ? 'ok' : 'WRONG'}`);
      if (!ok || r.status !== 0) {
        problems.push(`${labels.alertname} of ${m.template} is routed to ${got}`);
      }
    }
  }
  return problems;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** 2. The real Alertmanager: what it posts to the retrain receiver for the alerts. */
async function capturePayloads(config: string, alerts: any[], expectedPosts: number, dir: string): Promise<any[]> {
  const received: any[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      if (process.env.RETRAIN_EVENTS_DEBUG) {
        console.log(body);
      }
      res.end();
    });
  });
  const hookPort = await freePort();
  await new Promise<void>((r) => server.listen(hookPort, '127.0.0.1', () => r()));
  const cfg = YAML.parse(fs.readFileSync(config, 'utf8'));
  const receiver = cfg.receivers.find((r: any) => r.name === RETRAIN_RECEIVER);
  receiver.webhook_configs[0].url = `http://127.0.0.1:${hookPort}/alertmanager`;
  cfg.route.routes.find((r: any) => r.receiver === RETRAIN_RECEIVER).group_wait = '1s';
  const local = path.join(dir, 'alertmanager.yaml');
  fs.writeFileSync(local, YAML.stringify(cfg));
  const amPort = await freePort();
  const bin = run('bash', ['-c', 'bash scripts/amtool.sh --install >&2; command -v prometheus-alertmanager']).out.trim().split('\n').pop()!;
  const am: ChildProcess = spawn(bin, [
    `--config.file=${local}`, `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  am.stderr!.on('data', (c) => (log += c));
  try {
    const api = `http://127.0.0.1:${amPort}/api/v2`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${api}/status`)).ok) {
          break;
        }
      } catch {
        // not up yet
      }
      if (i > 100) {
        throw new Error(`Alertmanager did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const posted = await fetch(`${api}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    if (!posted.ok) {
      throw new Error(`POST /api/v2/alerts: ${posted.status} ${await posted.text()}`);
    }
    // group_wait 1 s: every group is posted within seconds; wait a little past the last expected one.
    const deadline = Date.now() + 20_000;
    while (received.length < expectedPosts && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`Alertmanager ${bin} posted ${received.length} notifications to the retrain receiver (${expectedPosts} expected)`);
    return received;
  } finally {
    am.kill('SIGTERM');
    server.close();
  }
}

function sensorCheck(casesFile: string, manifests: string[]): { status: number; out: string } {
  return run('bash', ['scripts/argo-events-sensor.sh', '-cases', casesFile, ...manifests]);
}

async function main(argv: string[]): Promise<number> {
  const selfTest = argv[0] === '--self-test';
  // The self-test replays payloads the real Alertmanager posted (test/fixtures/retrain/payloads.json).
  const config = selfTest ? '(recorded payloads)' : argv[0];
  const manifests = manifestFiles(selfTest ? [path.join(ROOT, 'test/fixtures/broken/broken.retrain-sensor.k8s.yaml')] : argv.slice(1));
  if (!config || manifests.length === 0) {
    console.error('usage: tsx scripts/retrain-events.ts <alertmanager.yaml> <manifest files or folders> | --self-test');
    return 2;
  }
  const objects = manifestObjects(manifests);
  const models = modelsOf(objects);
  if (models.length === 0) {
    console.error('retrain-events: no sustained-drift alert names a WorkflowTemplate in the manifests');
    return 1;
  }
  const problems = selfTest ? [] : checkRouting(config, models);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrain-events-'));
  try {
    // Each model's alert on two features; a model with no Sensor; a template named like one with a suffix.
    const startsAt = new Date(Date.now() - 3600_000);
    startsAt.setUTCMilliseconds(0);
    const iso = startsAt.toISOString();
    const foreign = (m: Model, ns: string, t: string) => ({ ...m.labels, retrain_namespace: ns, retrain_workflow_template: t, endpoint: `${t}-endpoint` });
    const alerts = models.flatMap((m) => [
      ...['age', 'income'].map((feature) => ({ labels: { ...m.labels, feature }, annotations: { summary: 'sustained drift' }, startsAt: iso })),
      { labels: { ...foreign(m, `${m.namespace}-other`, `${m.template}-other`), feature: 'age' }, startsAt: iso },
      { labels: { ...foreign(m, m.namespace, `${m.template}-v2`), feature: 'age' }, startsAt: iso },
      { labels: { ...m.actLabels, feature: 'age' }, startsAt: iso },
    ]);
    let payloads: any[];
    if (selfTest) {
      payloads = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/retrain/payloads.json'), 'utf8'));
    } else {
      // Alertmanager groups by (namespace, template): two monitors of one template (a model's served
      // traffic and its batch inputs) post one group, whose common labels must still carry the data version.
      const groups = 3 * new Set(models.map((m) => `${m.namespace}/${m.template}`)).size;
      payloads = await capturePayloads(config, alerts, groups, dir);
      if (payloads.length !== groups) {
        problems.push(`Alertmanager posted ${payloads.length} notifications, expected ${groups} (one per model's template, per foreign template, per suffixed template)`);
      }
      const acts = payloads.filter((p) => p.commonLabels?.alertname !== 'DriftSustained');
      if (acts.length > 0) {
        problems.push(`Alertmanager posted ${acts.length} notifications of other alerts to the retrain receiver`);
      }
    }
    const cases: Case[] = [];
    payloads.forEach((p, i) => {
      const ns = p.commonLabels?.retrain_namespace;
      const t = p.commonLabels?.retrain_workflow_template;
      const m = models.find((x) => x.namespace === ns && x.template === t);
      const file = `payload-${i}.json`;
      fs.writeFileSync(path.join(dir, file), JSON.stringify(p));
      const expect = m && p.status === 'firing'
        ? [{ sensor: sensorFor(objects, m), namespace: m.namespace, workflowTemplate: m.template, dataVersion: `${m.defaultDataVersion}@${p.alerts[0].startsAt}` }]
        : [];
      cases.push({ name: `${p.status} ${p.commonLabels?.alertname} of ${ns}/${t} (${p.alerts.length} alerts)`, payload: file, expect });
      if (p.status === 'firing') {
        const resolved = { ...p, status: 'resolved', alerts: p.alerts.map((a: any) => ({ ...a, status: 'resolved', endsAt: new Date().toISOString() })) };
        fs.writeFileSync(path.join(dir, `resolved-${i}.json`), JSON.stringify(resolved));
        cases.push({ name: `resolved DriftSustained of ${ns}/${t}`, payload: `resolved-${i}.json`, expect: [] });
      }
    });
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases, null, 2));
    const r = sensorCheck(path.join(dir, 'cases.json'), manifests);
    if (selfTest) {
      // The suffixed template's alert taken by churn's Sensor; the Role's extra verb.
      const reasons = [/acme-churn-training-v2 .*: submitted retrain .*, expected nothing/, /Role acme-churn\/\S+ allows more than creating Workflows/];
      const missing = reasons.filter((x) => !x.test(r.out));
      if (r.status === 0 || missing.length > 0) {
        console.error(`retrain-events: the broken Sensor was not rejected for ${missing.join(', ') || 'anything'}:\n${r.out}`);
        return 1;
      }
      console.log(`retrain-events rejects ${path.relative(ROOT, manifests[0])} (a suffixed template's alert taken; a Role allowing more): ok`);
      return 0;
    }
    console.log(r.out.trim());
    if (r.status !== 0) {
      problems.push('Argo Events\' sensor code did not submit what it should (see above)');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const p of problems) {
    console.error(`retrain-events: ${p}`);
  }
  return problems.length === 0 ? 0 : 1;
}

/** The Sensor whose filter takes the model's (namespace, template) pair. */
function sensorFor(objects: any[], m: Model): string {
  // The pattern is RE2 and JavaScript alike (anchors, a group, alternatives, escapes).
  const filterTakes = (f: any) => f.path === RETRAIN_TARGET_PATH && f.value.some((v: string) => new RegExp(v).test(`${m.namespace}/${m.template}`));
  const takes = (o: any) => o.spec.dependencies.some((d: any) => (d.filters?.data ?? []).some(filterTakes));
  const s = objects.find((o) => o.kind === 'Sensor' && takes(o));
  return s?.metadata.name ?? `(no Sensor takes ${m.namespace}/${m.template})`;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  console.error(`retrain-events: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
