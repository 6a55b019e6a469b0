/**
 * The SLO burn-rate alerts of `k8s.ServiceLevelObjectives`, judged by promtool (Prometheus' own rule
 * evaluation) over simulated days of traffic:
 *
 *   npx tsx scripts/slo-promtool.ts [--keep DIR] [--measure] [manifest files or folders]
 *
 * Without arguments it renders its own objectives (a 99.5 % availability objective of a GENERIC_HTTP
 * server and of a vLLM server, a 99 % latency objective under 250 ms of a GENERIC_HTTP histogram
 * and one under 1 s of vLLM's, whose `le="1.0"` is Python's spelling) and a canary whose
 * SLOW_REQUESTS trigger comes from the latency objective (`RollbackTrigger.fromSlo(objective,
 * 14.4)`), judged by scripts/promtool-rules.ts (its analysis and alert: healthy, slow, absent). With
 * arguments it judges the SLO PrometheusRules found there (those recording `slo:sli_error:ratio_rate5m`).
 *
 * Per objective (budget b = 1 − objective), after a healthy day (bad ratio 0.2 b), each scenario:
 * - outage (100 % bad) and fast burn (20 b): the PAGE fires within 3 minutes of the time the
 *   workbook's windows predict (both windows of a row above factor × b, then `for`);
 * - slow burn (2 b, between the ticket's 1× and 3×): the TICKET fires when predicted; the page never;
 * - healthy (0.2 b) for a day more: neither fires, and the budget remaining reads 0.8 (± 0.05).
 * Own objectives only: a mutant whose page factors are ten times too high must fail the outage scenario.
 * The first firing minute (`timestamp(ALERTS)`) is asserted against the prediction; with --measure it
 * is also printed (one more promtool run per scenario, asking for an impossible value to read it).
 * Each objective's groups are evaluated alone (a rule file per objective).
 *
 * promtool comes from scripts/promtool.sh. Exit 1 on any failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { GpuModel } from '../lib/core/gpu-catalog';
import { RollbackTrigger } from '../lib/core/rollback';
import { ServingMetrics } from '../lib/core/serving-metrics';
import { BURN_RATE_WINDOWS, BurnRateSeverity } from '../lib/core/slo/burn-rate';
import { SloIndicator, SloObjective } from '../lib/core/slo/spec';
import { GpuNodePool } from '../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint } from '../lib/k8s/gpu-serving-endpoint';
import { BURN_ALERT_FOR } from '../lib/k8s/private/slo-rules';
import { ServiceLevelObjectives } from '../lib/k8s/service-level-objectives';

/**
 * Requests a minute of the simulated fleet. Counts are whole numbers (rounded): promtool expands
 * `a+bxn` by repeated addition, and fractional steps drift so that the next run's exact start can
 * fall below the last value, which rate() reads as a counter reset.
 */
const REQUESTS = 100_000;
/**
 * Healthy history before each scenario: a day, so every window but the 3-day one starts full and
 * healthy (the 3-day one reads the day and the burn, as Prometheus' rate reads a younger series).
 */
const HISTORY_MINUTES = 1440;
/** The healthy bad ratio, as a share of the budget. */
const HEALTHY = 0.2;
const CANARY_POD_SUFFIX = '7c9d8f6b5-q7x2z';

/** One objective of a rendered SLO PrometheusRule, with how to write its series. */
export interface SloUnderTest {
  readonly source: string;
  readonly endpoint: string;
  readonly objective: string;
  readonly budget: number;
  readonly alert: string;
  /** The input series of a run: per-minute bad ratios, one entry per minute. */
  readonly series: (bad: number[]) => Array<{ series: string; values: string }>;
}

interface Scenario {
  readonly name: string;
  readonly bad: number[];
  readonly burnStart: number;
  /** Which alert must fire (and when it is predicted to), which must stay silent. */
  readonly fires?: BurnRateSeverity;
  readonly silent: BurnRateSeverity[];
  readonly budgetRemaining?: number;
}

function main(): void {
  const args = process.argv.slice(2);
  const keepAt = args.indexOf('--keep');
  const keep = keepAt >= 0 ? args.splice(keepAt, 2)[1] : undefined;
  const measureAt = args.indexOf('--measure');
  const measure = measureAt >= 0 && args.splice(measureAt, 1).length > 0;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'slo-promtool-'));
  fs.mkdirSync(dir, { recursive: true });
  const ownObjectives = args.length === 0;
  const inputs = ownObjectives ? [renderOwn(dir)] : args;
  const rules = inputs.flatMap(yamlFiles).flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => ({ o: d.toJS(), source: f })))
    .filter(({ o }) => o?.kind === 'PrometheusRule' && isSloRule(o));
  if (rules.length === 0) throw new Error(`no SLO PrometheusRule in ${inputs.join(' ')}`);

  let failed = false;
  let tests = 0;
  for (const { o, source } of rules) {
    const ruleFile = path.join(dir, `slo.${o.metadata.namespace ?? 'default'}.${o.metadata.name}.yaml`);
    fs.writeFileSync(ruleFile, YAML.stringify({ groups: o.spec.groups }));
    const check = promtool(['check', 'rules', ruleFile]);
    if (check.status !== 0) {
      failed = true;
      process.stderr.write(check.stdout + check.stderr);
      continue;
    }
    for (const slo of slosOf(o, source)) {
      // The objective's own groups: its recordings and alerts, not the other objectives' (half the work).
      const own = path.join(dir, `slo.${o.metadata.namespace ?? 'default'}.${o.metadata.name}.${slo.objective}.yaml`);
      fs.writeFileSync(own, YAML.stringify({ groups: o.spec.groups.filter((g: any) => g.name.startsWith(`${slo.endpoint}.slo.${slo.objective}.`)) }));
      for (const s of scenarios(slo)) {
        const { ok, detail } = runScenario(slo, s, own, dir, measure);
        tests += 1;
        failed ||= !ok;
        console.log(`${ok ? 'ok  ' : 'FAIL'} ${slo.endpoint}/${slo.objective} ${s.name}: ${detail}`);
      }
    }
  }
  if (ownObjectives) {
    // The harness must be able to fail: with the page's factors ten times too high, the outage must not page in time.
    const { o, source } = rules[0];
    const slo = slosOf(o, source)[0];
    const mutant = path.join(dir, 'slo.mutant.yaml');
    const groups = o.spec.groups.filter((g: any) => g.name.startsWith(`${slo.endpoint}.slo.${slo.objective}.`)).map((g: any) => ({
      ...g,
      rules: g.rules.map((r: any) => (r.alert ? { ...r, expr: String(r.expr).replace(/\(14\.4 \* /g, '(144 * ').replace(/\(6 \* /g, '(60 * ') } : r)),
    }));
    fs.writeFileSync(mutant, YAML.stringify({ groups }));
    const outage = scenarios(slo)[0];
    const caught = !runScenario(slo, outage, mutant, dir, false).ok;
    console.log(`${caught ? 'ok  ' : 'FAIL'} mutant (page factors ×10) fails its outage scenario: ${caught ? 'it does' : 'it passed: the scenarios are not testing'}`);
    failed ||= !caught;
    // The canary's SLOW_REQUESTS trigger (from the latency objective): its analysis and alert.
    const run = spawnSync('npx', ['--no-install', 'tsx', path.join(__dirname, 'promtool-rules.ts'), path.join(dir, 'canary')], { encoding: 'utf8' });
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    failed ||= run.status !== 0;
  }
  if (failed) {
    console.error(`slo-promtool: FAILED (files kept in ${dir})`);
    process.exit(1);
  }
  console.log(`slo-promtool: ${rules.length} SLO rule files, ${tests} scenarios passed`);
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

/** Whether a PrometheusRule is an SLO's (it records the 5-minute bad ratio). */
export function isSloRule(o: any): boolean {
  return (o.spec?.groups ?? []).some((g: any) => (g.rules ?? []).some((r: any) => r.record === 'slo:sli_error:ratio_rate5m'));
}

/** The objectives of an SLO PrometheusRule, read from its rules: budget, alert, and the series its 5-minute ratio reads. */
export function slosOf(o: any, source: string): SloUnderTest[] {
  const rules: any[] = o.spec.groups.flatMap((g: any) => g.rules);
  return rules.filter((r) => r.record === 'slo:sli_error:ratio_rate5m').map((r) => {
    const { slo, endpoint } = r.labels;
    const what = `${source}: ${endpoint}/${slo}`;
    const budgetRule = rules.find((x) => x.record === 'slo:error_budget:ratio' && x.labels.slo === slo && x.labels.endpoint === endpoint);
    const alert = rules.find((x) => x.alert && x.labels?.slo === slo && x.labels?.slo_severity === 'page');
    if (!budgetRule || !alert) throw new Error(`${what}: no error budget or page alert`);
    const budget = Number(/^vector\(([\d.e-]+)\)$/.exec(budgetRule.expr)?.[1]);
    return { source, endpoint, objective: slo, budget, alert: alert.alert, series: seriesWriter(String(r.expr), what) };
  });
}

/** The scenarios of one objective (bad ratios per minute, after three healthy days). */
function scenarios(slo: SloUnderTest): Scenario[] {
  const healthy = HEALTHY * slo.budget;
  const run = (burn: number, minutes: number) => [...Array(HISTORY_MINUTES).fill(healthy), ...Array(minutes).fill(burn)];
  return [
    { name: 'outage (100 % bad)', bad: run(1, 60), burnStart: HISTORY_MINUTES, fires: BurnRateSeverity.PAGE, silent: [] },
    { name: `fast burn (20× budget: ${pct(20 * slo.budget)} bad)`, bad: run(20 * slo.budget, 120), burnStart: HISTORY_MINUTES, fires: BurnRateSeverity.PAGE, silent: [] },
    { name: `slow burn (2× budget: ${pct(2 * slo.budget)} bad)`, bad: run(2 * slo.budget, 21 * 60), burnStart: HISTORY_MINUTES, fires: BurnRateSeverity.TICKET, silent: [BurnRateSeverity.PAGE] },
    {
      name: `healthy (0.2× budget: ${pct(healthy)} bad) for two days`,
      bad: run(healthy, 1440),
      burnStart: HISTORY_MINUTES,
      silent: [BurnRateSeverity.PAGE, BurnRateSeverity.TICKET],
      budgetRemaining: 1 - HEALTHY,
    },
  ];
}

/**
 * The minute (from the burn's start) the alert of `severity` is predicted to fire: the first minute
 * at which a row's short and long windows both average above factor × budget, plus `for`.
 */
export function predictedFiring(bad: number[], burnStart: number, budget: number, severity: BurnRateSeverity): number | undefined {
  const prefix = [0];
  for (const b of bad) prefix.push(prefix[prefix.length - 1] + b);
  const mean = (t: number, w: number) => (prefix[t] - prefix[Math.max(0, t - w)]) / Math.min(t, w);
  const rows = BURN_RATE_WINDOWS.filter((w) => w.severity === severity);
  const forMinutes = Number(BURN_ALERT_FOR[severity].replace(/m$/, ''));
  for (let t = burnStart + 1; t <= bad.length; t++) {
    if (rows.some((w) => mean(t, w.shortWindowMinutes) > w.factor * budget && mean(t, w.longWindowMinutes) > w.factor * budget)) {
      return t - burnStart + forMinutes;
    }
  }
  return undefined;
}

function runScenario(slo: SloUnderTest, s: Scenario, ruleFile: string, dir: string, measure: boolean): { ok: boolean; detail: string } {
  const total = s.bad.length;
  const firing = (sev: BurnRateSeverity) => `ALERTS{alertname="${slo.alert}",alertstate="firing",slo_severity="${sev.toLowerCase()}"}`;
  const firstMinute = (sev: BurnRateSeverity) => `(min_over_time(timestamp(${firing(sev)})[${total}m:1m]) - ${s.burnStart * 60}) / 60`;
  const checks: Array<{ expr: string; value: number; what: string }> = [];
  const predicted = s.fires ? predictedFiring(s.bad, s.burnStart, slo.budget, s.fires) : undefined;
  if (s.fires) {
    if (predicted === undefined) throw new Error(`${slo.source}: ${s.name}: the model predicts no ${s.fires} (a wrong scenario)`);
    const slack = Math.max(3, Math.ceil(predicted * 0.02));
    checks.push({ expr: `count(((${firstMinute(s.fires)}) >= ${predicted - slack}) <= ${predicted + slack}) or vector(0)`, value: 1, what: `${s.fires} within ${predicted} ± ${slack} min` });
  }
  for (const sev of s.silent) {
    checks.push({ expr: `count(count_over_time(${firing(sev)}[${total}m])) or vector(0)`, value: 0, what: `no ${sev}` });
  }
  if (s.budgetRemaining !== undefined) {
    const remaining = `slo:period_error_budget_remaining:ratio{slo="${slo.objective}",endpoint="${slo.endpoint}"}`;
    checks.push({ expr: `count(((${remaining}) >= ${s.budgetRemaining - 0.05}) <= ${s.budgetRemaining + 0.05}) or vector(0)`, value: 1, what: `budget remaining ${s.budgetRemaining}` });
  }
  const test = (exprs: typeof checks) => ({
    interval: '1m',
    input_series: slo.series(s.bad),
    promql_expr_test: exprs.map((c) => ({ expr: c.expr, eval_time: `${total}m`, exp_samples: [{ labels: '{}', value: c.value }] })),
  });
  const testFile = path.join(dir, `${path.basename(ruleFile, '.yaml')}.${slo.objective}.${s.name.replace(/[^a-z0-9]+/gi, '-')}.test.yaml`);
  fs.writeFileSync(testFile, YAML.stringify({ rule_files: [path.basename(ruleFile)], evaluation_interval: '1m', tests: [test(checks)] }));
  const result = promtool(['test', 'rules', testFile], dir);
  // The measured first firing minute, for the report: the same run asked for an impossible value prints it.
  let measured = '';
  if (s.fires && measure) {
    const probeFile = testFile.replace(/\.test\.yaml$/, '.probe.yaml');
    fs.writeFileSync(probeFile, YAML.stringify({
      rule_files: [path.basename(ruleFile)],
      evaluation_interval: '1m',
      tests: [test([{ expr: firstMinute(s.fires), value: -1, what: 'probe' }])],
    }));
    const probe = promtool(['test', 'rules', probeFile], dir);
    const got = /got:\s*\[?\{[^}]*\}\s*=?>?\s*([\d.eE+-]+)/.exec(probe.stdout + probe.stderr)?.[1];
    measured = got !== undefined ? `; fired after ${Number(got)} min (predicted ${predicted})` : '; first firing minute not measured';
  }
  const detail = `${checks.map((c) => c.what).join(', ')}${measured}`;
  return result.status === 0 ? { ok: true, detail } : { ok: false, detail: `${detail}\n${result.stdout}${result.stderr}` };
}

/**
 * How to write the series a 5-minute bad ratio reads: the pods from its `pod=~"<prefix>.*"`
 * matcher, the metrics of its preset (Triton's counters, vLLM's `http_requests_total` with `status`,
 * a generic counter with `code`, or a latency histogram with a bucket at its threshold).
 */
function seriesWriter(expr: string, what: string): (bad: number[]) => Array<{ series: string; values: string }> {
  const ns = /namespace="([^"]+)"/.exec(expr)?.[1];
  const podPrefix = /pod=~"([^"]+)\.\*"/.exec(expr)?.[1];
  if (!ns || !podPrefix) throw new Error(`${what}: cannot tell the pods from ${expr} (expected namespace="…",pod=~"<prefix>.*")`);
  const labels = (more: Record<string, string>) => `{${Object.entries({ namespace: ns, pod: `${podPrefix}${CANARY_POD_SUFFIX}`, container: 'server', ...more }).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const histogram = /([a-zA-Z_:][a-zA-Z0-9_:]*)_bucket\{/.exec(expr)?.[1];
  if (histogram) {
    const exact = /le="([^"]+)"/.exec(expr)?.[1];
    const whole = /le=~"(\d+)\(\[\.\]0\)\?"/.exec(expr)?.[1];
    const bound = Number(exact ?? whole);
    if (!Number.isFinite(bound)) throw new Error(`${what}: no bucket bound in ${expr}`);
    // vLLM (Python's client) writes whole bounds as "1.0"; Go clients as "1".
    const python = histogram.startsWith('vllm:');
    const le = (b: number) => (Number.isInteger(b) && python ? `${b}.0` : `${b}`);
    const fast = bound / 4;
    const slow = bound * 4;
    const bounds = [...new Set([bound / 10, bound / 2, bound, bound * 2, bound * 10])].sort((a, b) => a - b);
    return (bad) => [
      ...bounds.map((b) => ({
        series: `${histogram}_bucket${labels({ le: le(b) })}`,
        values: counter(bad.map((f) => REQUESTS * ((fast <= b ? 1 - f : 0) + (slow <= b ? f : 0)))),
      })),
      { series: `${histogram}_bucket${labels({ le: '+Inf' })}`, values: counter(bad.map(() => REQUESTS)) },
      { series: `${histogram}_count${labels({})}`, values: counter(bad.map(() => REQUESTS)) },
    ];
  }
  if (expr.includes('nv_inference_request_failure')) {
    return (bad) => [
      { series: `nv_inference_request_success${labels({ model: 'fraud', version: '1' })}`, values: counter(bad.map((f) => REQUESTS * (1 - f))) },
      { series: `nv_inference_request_failure${labels({ model: 'fraud', version: '1', reason: 'BACKEND' })}`, values: counter(bad.map((f) => REQUESTS * f)) },
    ];
  }
  if (/status="5xx"/.test(expr)) {
    const http = (status: string, handler = '/v1/chat/completions') => `http_requests_total${labels({ handler, method: 'POST', status })}`;
    return (bad) => [
      { series: http('2xx'), values: counter(bad.map((f) => REQUESTS * (1 - f))) },
      { series: http('5xx'), values: counter(bad.map((f) => REQUESTS * f)) },
      // Health checks are not requests: they must not dilute the ratio.
      { series: http('2xx', '/health'), values: counter(bad.map(() => REQUESTS)) },
    ];
  }
  const requests = /sum\(rate\(([a-zA-Z_:][a-zA-Z0-9_:]*)\{/.exec(expr)?.[1];
  if (!requests || !expr.includes('code=~"5.."')) throw new Error(`${what}: cannot write series for ${expr} (a request counter with code=~"5.." expected)`);
  return (bad) => [
    { series: `${requests}${labels({ code: '200', method: 'POST' })}`, values: counter(bad.map((f) => REQUESTS * (1 - f))) },
    { series: `${requests}${labels({ code: '503', method: 'POST' })}`, values: counter(bad.map((f) => REQUESTS * f)) },
  ];
}

/** A counter's promtool values from per-minute increments: runs of equal increments as `a+bxn`. */
function counter(exact: number[]): string {
  const perMinute = exact.map(Math.round);
  const parts: string[] = [];
  let value = 0;
  let i = 0;
  parts.push('0');
  while (i < perMinute.length) {
    let j = i;
    while (j + 1 < perMinute.length && perMinute[j + 1] === perMinute[i]) j++;
    const step = perMinute[i];
    const n = j - i + 1;
    const first = round(value + step);
    parts.push(n === 1 ? `${first}` : `${first}+${round(step)}x${n - 1}`);
    value += step * n;
    i = j + 1;
  }
  return parts.join(' ');
}

const round = (x: number) => Number(x.toFixed(6));
const pct = (ratio: number) => `${Number((ratio * 100).toPrecision(4))} %`;

/** The script's own objectives and the canary with the SLO-derived trigger, written under `dir`. */
function renderOwn(dir: string): string {
  const owner = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud-slo' };
  const availability: SloObjective = { name: 'availability', indicator: SloIndicator.AVAILABILITY, objectivePercent: 99.5 };
  const latency: SloObjective = { name: 'latency', indicator: SloIndicator.LATENCY, objectivePercent: 99, latencyThresholdMillis: 250 };
  const chart = Testing.chart();
  new ServiceLevelObjectives(chart, 'Generic', { endpointName: 'fraud', alarmOwnership: owner, objectives: [availability, latency] });
  new ServiceLevelObjectives(chart, 'Vllm', {
    endpointName: 'chat',
    metricsPreset: ServingMetrics.VLLM,
    alarmOwnership: owner,
    objectives: [availability, { ...latency, latencyThresholdMillis: 1000 }],
  });
  const sloDir = path.join(dir, 'slo');
  fs.mkdirSync(sloDir, { recursive: true });
  fs.writeFileSync(path.join(sloDir, 'slo.k8s.yaml'), Testing.synth(chart).map((o) => YAML.stringify(o)).join('---\n'));

  const canary = Testing.chart();
  const pool = new GpuNodePool(canary, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
  const endpoint = new GpuServingEndpoint(canary, 'Fraud', {
    image: `registry.example.com/fraud/server@sha256:${'c'.repeat(64)}`,
    nodePool: pool,
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
    alarmOwnership: owner,
  });
  endpoint.addRollbackTrigger(RollbackTrigger.fromSlo(latency, 14.4));
  const canaryDir = path.join(dir, 'canary');
  fs.mkdirSync(canaryDir, { recursive: true });
  fs.writeFileSync(path.join(canaryDir, 'canary.k8s.yaml'), Testing.synth(canary).map((o) => YAML.stringify(o)).join('---\n'));
  return sloDir;
}

function promtool(args: string[], cwd?: string) {
  return spawnSync('bash', [path.resolve(__dirname, 'promtool.sh'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function yamlFiles(p: string): string[] {
  if (!fs.existsSync(p)) throw new Error(`${p}: no such file or folder`);
  if (fs.statSync(p).isDirectory()) return fs.readdirSync(p).sort().flatMap((e) => yamlFiles(path.join(p, e)));
  return /\.ya?ml$/.test(p) ? [p] : [];
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`slo-promtool: ${(e as Error).message}`);
    process.exit(1);
  }
}
