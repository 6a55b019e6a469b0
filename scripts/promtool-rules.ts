/**
 * Alert and analysis semantics, judged by promtool (Prometheus' own rule evaluation):
 *
 *   npx tsx scripts/promtool-rules.ts [--keep DIR] <manifest files or folders>   (default cdk.out/k8s)
 *
 * 1. Every `PrometheusRule` is written as a rules file and checked (`promtool check rules`).
 * 2. Every `AnalysisTemplate` metric becomes two alerting rules, `<metric>:success` and
 *    `<metric>:failure`: its query with the arguments the Rollout passes (`podTemplateHashValue` →
 *    a canary hash), compared as its `successCondition` / `failureCondition` say. Neither firing is
 *    Argo's Inconclusive. Conditions other than `len(result) > 0 && result[0] <op> <number>` (and
 *    `false`) are refused: their translation would be a guess.
 * 3. For every alert and every analysis metric a unit test (`promtool test rules`) with the series
 *    of scripts/promtool-fixtures.ts: silent when healthy, firing on the bad state (a spike of
 *    errors or latency, a full GPU, drift, …), silent on absent series (firing for a staleness
 *    alert), and for the GPU alerts both DCGM label forms (the GPU operator's `exported_*`). The
 *    analysis is also fed the stable pods in the opposite state: only the canary may count.
 *    An SLO's PrometheusRule (it records `slo:sli_error:ratio_rate5m`) is checked only: its burn-rate
 *    alerts need days of traffic, simulated by scripts/slo-promtool.ts.
 * 4. Every KEDA `ScaledObject` Prometheus trigger, as `(query) > threshold` (KEDA's HPA then wants more
 *    than one replica): silent at the healthy load of one pod, firing when it is busy, silent on absent series.
 *
 * promtool comes from scripts/promtool.sh (Debian's prometheus package). Exit 1 on any failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { FAMILIES, Family, KINDS, Kind, Series, SeriesContext, State } from './promtool-fixtures';

/** The pod template hash the tests give the canary, and one for the stable pods. */
const CANARY_HASH = '7c9d8f6b5';
const STABLE_HASH = '5b6c7d8e4';
/** When the tests look: past every `for` and window; past the drift alerts' 4-hour window for their rules. */
const EVAL_MINUTES = 40;
const DRIFT_EVAL_MINUTES = 300;
/** Rules evaluated every 5 minutes (the rates' windows still read the 1-minute samples). */
const EVALUATION_INTERVAL = '5m';

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
}
interface RulesFile {
  readonly file: string;
  readonly source: string;
  readonly namespace: string;
  readonly rules: Rule[];
  /** Set for an analysis: pods are `<rollout>-<hash>-…`, canary and stable. */
  readonly rollout?: string;
}

function main(): void {
  const args = process.argv.slice(2);
  const keepAt = args.indexOf('--keep');
  const keep = keepAt >= 0 ? args.splice(keepAt, 2)[1] : undefined;
  const inputs = args.length > 0 ? args : ['cdk.out/k8s'];
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-rules-'));
  fs.mkdirSync(dir, { recursive: true });

  const objects = inputs.flatMap(yamlFiles).flatMap((f) =>
    YAML.parseAllDocuments(fs.readFileSync(f, 'utf8'))
      .map((d) => d.toJS())
      .filter((o) => o?.kind)
      .map((o) => ({ o, source: f })),
  );
  const rollouts = objects.filter(({ o }) => o.kind === 'Rollout').map(({ o }) => o);
  const files: RulesFile[] = [];
  for (const { o, source } of objects) {
    const ns = o.metadata?.namespace ?? 'default';
    if (o.kind === 'PrometheusRule') {
      const file = path.join(dir, `rule.${ns}.${o.metadata.name}.yaml`);
      fs.writeFileSync(file, YAML.stringify({ groups: o.spec.groups }));
      // An SLO's burn-rate alerts (k8s.ServiceLevelObjectives) need days of simulated traffic:
      // scripts/slo-promtool.ts judges them; here their rules are only checked.
      const slo = (o.spec.groups as any[]).some((g) => (g.rules as any[]).some((r) => r.record === 'slo:sli_error:ratio_rate5m'));
      const rules = slo ? [] : (o.spec.groups as any[]).flatMap((g) => (g.rules as any[]).filter((r) => r.alert));
      files.push({ file, source, namespace: ns, rules });
    } else if (o.kind === 'AnalysisTemplate') {
      // Job metrics only (k8s.Experiment's decision): no PromQL; scripts/argo-analysis runs them through Argo's Job provider.
      if ((o.spec?.metrics ?? []).every((m: any) => m.provider?.job)) continue;
      const rollout = rollouts.find((r) => r.metadata?.namespace === o.metadata?.namespace
        && (r.spec?.strategy?.canary?.analysis?.templates ?? []).some((t: any) => t.templateName === o.metadata.name));
      if (!rollout) throw new Error(`${source}: AnalysisTemplate ${ns}/${o.metadata.name}: no Rollout uses it`);
      const rules = analysisRules(o, rollout, source);
      const file = path.join(dir, `analysis.${ns}.${o.metadata.name}.yaml`);
      fs.writeFileSync(file, YAML.stringify({ groups: [{ name: `${o.metadata.name}.analysis`, interval: '1m', rules }] }));
      files.push({ file, source, namespace: ns, rules, rollout: rollout.metadata.name });
    } else if (o.kind === 'ScaledObject') {
      // KEDA's HPA wants ceil(value / threshold) replicas: above the threshold, more than one.
      const rules: Rule[] = (o.spec.triggers as any[]).filter((t) => t.type === 'prometheus').map((t) => ({
        alert: `keda:${o.metadata.name}:${/DCGM_FI_DEV_GPU_UTIL/.test(t.metadata.query) ? 'gpu' : 'requests'}`,
        expr: `(${t.metadata.query}) > ${Number(t.metadata.threshold)}`,
        labels: { endpoint: o.spec.scaleTargetRef.name },
      }));
      if (rules.length === 0) continue;
      const file = path.join(dir, `scaler.${ns}.${o.metadata.name}.yaml`);
      fs.writeFileSync(file, YAML.stringify({ groups: [{ name: `${o.metadata.name}.scaler`, interval: '1m', rules }] }));
      files.push({ file, source, namespace: ns, rules });
    }
  }
  if (files.length === 0) throw new Error(`no PrometheusRule or AnalysisTemplate in ${inputs.join(' ')}`);

  const check = promtool(['check', 'rules', ...files.map((f) => f.file)]);
  let failed = check.status !== 0;
  if (failed) process.stderr.write(check.stdout + check.stderr);
  let tests = 0;
  for (const f of files) {
    const testFile = f.file.replace(/\.yaml$/, '.test.yaml');
    const cases = f.rules.flatMap((r) => testCases(f, r));
    if (cases.length === 0) continue;
    tests += cases.length;
    fs.writeFileSync(testFile, YAML.stringify({ rule_files: [path.basename(f.file)], evaluation_interval: EVALUATION_INTERVAL, tests: cases }));
    const run = promtool(['test', 'rules', testFile], dir);
    if (run.status !== 0) {
      failed = true;
      process.stderr.write(`promtool-rules: ${f.source}: ${path.basename(f.file)} (tests in ${testFile}):\n${run.stdout}${run.stderr}\n`);
    }
  }
  const alerts = files.reduce((n, f) => n + f.rules.length, 0);
  if (failed) {
    console.error(`promtool-rules: FAILED (${files.length} rule files, ${alerts} alerts and analysis conditions, ${tests} tests; files kept in ${dir})`);
    process.exit(1);
  }
  console.log(`promtool-rules: ${files.length} rule files, ${alerts} alerts and analysis conditions, ${tests} unit tests passed`);
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

/** Each analysis metric as alerts: its query (arguments substituted) under its success and failure conditions. */
function analysisRules(template: any, rollout: any, source: string): Rule[] {
  const passed = new Map<string, string>();
  for (const a of rollout.spec.strategy.canary.analysis.args ?? []) {
    if (a.value !== undefined) passed.set(a.name, String(a.value));
    else if (a.valueFrom?.podTemplateHashValue === 'Latest') passed.set(a.name, CANARY_HASH);
    else if (a.valueFrom?.podTemplateHashValue === 'Stable') passed.set(a.name, STABLE_HASH);
    else throw new Error(`${source}: Rollout ${rollout.metadata.name}: analysis argument ${a.name} has no value the test can give`);
  }
  const substitute = (q: string) => q.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_m, name: string) => {
    const v = passed.get(name) ?? (template.spec.args ?? []).find((a: any) => a.name === name)?.value;
    if (v === undefined) throw new Error(`${source}: AnalysisTemplate ${template.metadata.name}: argument ${name} is not passed`);
    return v;
  });
  const rules: Rule[] = [];
  for (const m of template.spec.metrics) {
    const query = m.provider?.prometheus?.query;
    if (!query) throw new Error(`${source}: AnalysisTemplate ${template.metadata.name}: metric ${m.name} has no Prometheus query`);
    for (const [outcome, condition] of [['success', m.successCondition], ['failure', m.failureCondition]] as const) {
      const expr = conditionExpr(condition, substitute(query), `${template.metadata.name} ${m.name} ${outcome}Condition`);
      if (expr !== undefined) rules.push({ alert: `${m.name}:${outcome}`, expr, labels: { metric: m.name, outcome } });
    }
  }
  return rules;
}

/**
 * An Argo condition on a Prometheus result as PromQL: `len(result) > 0 && result[0] >= 2` → `(q) >= 2`
 * (an empty result is neither: inconclusive; NaN compares false in both). `false` (or none) → undefined.
 */
function conditionExpr(condition: string | undefined, query: string, what: string): string | undefined {
  if (condition === undefined || condition.trim() === 'false') return undefined;
  const clauses = condition.split('&&').map((c) => c.trim());
  const guards = [/^len\(result\)\s*>\s*0$/, /^!\s*isNaN\(result\[0\]\)$/];
  const comparisons = clauses.filter((c) => !guards.some((g) => g.test(c)));
  const m = comparisons.length === 1 ? /^result\[0\]\s*(>=|<=|>|<|==|!=)\s*(-?[\d.]+(?:e-?\d+)?)$/.exec(comparisons[0]) : null;
  if (!m || condition.includes('||') || !clauses.some((c) => guards[0].test(c))) {
    throw new Error(`${what}: cannot translate "${condition}" (expected len(result) > 0 && result[0] <op> <number>)`);
  }
  return `(${query}) ${m[1]} ${m[2]}`;
}

/** Healthy, bad and absent (and for the GPU alerts both DCGM label forms) for one rule. */
function testCases(f: RulesFile, r: Rule): unknown[] {
  const key = r.labels?.metric ?? r.alert;
  const found = KINDS.find((k) => k.match.test(key));
  if (!found) throw new Error(`${f.source}: ${r.alert}: no fixture kind (add one to scripts/promtool-fixtures.ts)`);
  const kind: Kind = found.kind.slowWhenHistogram && /_bucket\{/.test(r.expr) ? { ...found.kind, bad: 'slow' } : found.kind;
  const families = familiesOf(r.expr, `${f.source}: ${r.alert}`);
  const endpoint = r.labels?.endpoint ?? f.rollout ?? f.namespace;
  const canaryPod = `${f.rollout ?? endpoint}-${CANARY_HASH}-q7x2z`;
  const stablePod = `${f.rollout ?? endpoint}-${STABLE_HASH}-m4n8p`;
  const analysis = f.rollout !== undefined;
  const outcome = r.labels?.outcome;
  // The alert fires in the bad state, an analysis success condition in the healthy one.
  const firesWhen = (state: 'healthy' | 'bad') => (outcome === 'success' ? state === 'healthy' : state === 'bad');
  const forms: Array<SeriesContext['dcgm']> = kind.perPod ? ['exported', 'direct'] : ['exported'];
  const minutes = families.some((fam) => fam.name === 'drift') ? driftEvalMinutes(f) : EVAL_MINUTES;
  const cases: unknown[] = [];
  for (const dcgm of forms) {
    for (const state of ['healthy', 'bad'] as const) {
      const s: State = state === 'bad' ? kind.bad : 'healthy';
      const other: State = state === 'bad' ? 'healthy' : kind.bad;
      const ctx = (pod: string): SeriesContext => ({ namespace: f.namespace, pod, endpoint, dcgm, samples: minutes + 10, experiment: /experiment="([^"]+)"/.exec(r.expr)?.[1], batch: r.labels?.batch });
      const series: Series[] = families.flatMap((fam) => [
        ...fam.series(ctx(canaryPod), s),
        // The analysis must judge the canary only: the stable pods are in the opposite state.
        ...(analysis && fam.podScoped ? fam.series(ctx(stablePod), other) : []),
      ]);
      const fires = firesWhen(state);
      cases.push(alertCase(`${r.alert} ${state}${kind.perPod ? ` (DCGM ${dcgm} labels)` : ''}`, r.alert, minutes, series, fires, kind.podLabel && fires ? canaryPod : undefined));
    }
  }
  const absentFires = outcome === undefined && kind.firesWhenAbsent === true;
  cases.push(alertCase(`${r.alert} absent series`, r.alert, minutes, [{ series: 'up{job="unrelated"}', values: `1x${minutes}` }], absentFires));
  return cases;
}

/**
 * When a drift monitor's tests look: past its 4-run window, 5 schedules: 5 h for an hourly job, 5 days
 * for a daily one (a batch input's DriftMonitor); the schedule is the step of the file's
 * `count_over_time((…)[<4 runs>m:<schedule>m])`.
 */
function driftEvalMinutes(f: RulesFile): number {
  const steps = f.rules.flatMap((r) => [...r.expr.matchAll(/\[\d+m:(\d+)m\]/g)].map((m) => Number(m[1])));
  return Math.max(DRIFT_EVAL_MINUTES, ...steps.map((step) => 5 * step));
}

/** One promtool test: whether `alert` fires after `minutes` (and on `pod` when given), read from ALERTS. */
function alertCase(name: string, alert: string, minutes: number, series: Series[], fires: boolean, pod?: string): unknown {
  const podMatch = pod ? `,pod="${pod}"` : '';
  return {
    name,
    interval: '1m',
    input_series: series,
    promql_expr_test: [
      {
        expr: `clamp_max(count(ALERTS{alertname="${alert}",alertstate="firing"${podMatch}}), 1) or vector(0)`,
        eval_time: `${minutes}m`,
        exp_samples: [{ labels: '{}', value: fires ? 1 : 0 }],
      },
    ],
  };
}

/** The fixture families of every metric the expression reads; a metric none knows is an error. */
function familiesOf(expr: string, what: string): Family[] {
  const names = new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]));
  const out = new Set<Family>();
  for (const n of names) {
    // vLLM's http_requests_total carries `handler` and a grouped `status`; a generic server's a `code`.
    const key = n === 'http_requests_total' && /handler=~"\/v1/.test(expr) ? 'http_requests_total#vllm' : n;
    const fam = FAMILIES.find((f) => f.metrics.includes(key));
    if (!fam) throw new Error(`${what}: no fixture series for metric ${n} (add a family to scripts/promtool-fixtures.ts)`);
    out.add(fam);
  }
  if (out.size === 0) throw new Error(`${what}: reads no metric`);
  return [...out];
}

function promtool(args: string[], cwd?: string) {
  return spawnSync('bash', [path.resolve(__dirname, 'promtool.sh'), ...args], { cwd, encoding: 'utf8' });
}

function yamlFiles(p: string): string[] {
  if (!fs.existsSync(p)) throw new Error(`${p}: no such file or folder`);
  if (fs.statSync(p).isDirectory()) {
    return fs.readdirSync(p).sort().flatMap((e) => yamlFiles(path.join(p, e)));
  }
  return /\.ya?ml$/.test(p) ? [p] : [];
}

try {
  main();
} catch (e) {
  console.error(`promtool-rules: ${(e as Error).message}`);
  process.exit(1);
}
