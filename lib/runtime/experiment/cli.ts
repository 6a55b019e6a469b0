/**
 * Command line of the Kubernetes experiment's decision (bundled to assets/experiment-k8s/index.js,
 * in the runtime image as /opt/cdk-mlops/experiment.js), run by k8s.Experiment's decision Job (an
 * Argo Rollouts step analysis, lib/k8s/private/experiment-analysis.ts):
 *
 *   node experiment.js analyze [--once]
 *
 * Configured by the environment the construct renders:
 * - `EXPERIMENT_SPEC`: the core ExperimentSpec as JSON;
 * - `PROMETHEUS_URL`: Prometheus' HTTP API base; `PROMETHEUS_TIMEOUT_SECONDS` (default 30);
 * - `GUARDRAILS`: JSON `[{name, query, threshold, below}]`, the same PromQL as the guardrails of the
 *   Rollout's background analysis (breached above `threshold`, or below it when `below`);
 * - `ANALYSIS_INTERVAL_SECONDS` (default 86400): time between analyses;
 * - `TERMINATION_LOG` (default /dev/termination-log): where the final decision's JSON line is written.
 *
 * Each analysis reads the experiment's start and both arms from Prometheus (stateless: a restarted
 * pod carries on), the breached guardrails, and runs `ExperimentMath.decide` — the decision the AWS
 * handler runs too — printing one JSON line. Exit codes tell Argo Rollouts (Job provider: Complete
 * → Successful, Failed → Failed):
 * - 0: CHALLENGER_WINS (the step analysis succeeds: the Rollout promotes the challenger);
 * - 1: CONTROL_WINS, NO_DIFFERENCE or STOP_GUARDRAIL (the analysis fails: the Rollout aborts, all
 *   traffic to the control);
 * - 2: configuration error, or Prometheus failed `MAX_CONSECUTIVE_ERRORS` analyses in a row (the
 *   analysis fails too: without data the control stays);
 * - 3: CONTINUE, with `--once` only (without it the command waits for the next analysis).
 */

import * as fs from 'fs';
import { PrometheusClient, experimentStart, readArms } from './prometheus';
import { ExperimentMath } from '../../core/experiment';
import { ExperimentDecisionKind, ExperimentMetricKind, ExperimentSpec } from '../../core/experiment/spec';

/** A guardrail's query as the construct renders it. */
export interface GuardrailCheck {
  readonly name: string;
  readonly query: string;
  readonly threshold: number;
  readonly below: boolean;
}

export interface AnalyzeConfig {
  readonly spec: ExperimentSpec;
  readonly prometheusUrl: string;
  readonly timeoutSeconds: number;
  readonly guardrails: GuardrailCheck[];
  readonly intervalSeconds: number;
  readonly terminationLog: string;
}

/** Analyses in a row Prometheus may fail before the command gives up (exit 2). */
export const MAX_CONSECUTIVE_ERRORS = 6;
/** Wait before retrying a failed analysis, at most the interval. */
export const RETRY_SECONDS = 300;

export const EXIT = { CHALLENGER_WINS: 0, CONTROL_STAYS: 1, ERROR: 2, CONTINUE: 3 } as const;

/** The config from the environment; throws naming what is missing or wrong. */
export function configFromEnv(env: NodeJS.ProcessEnv): AnalyzeConfig {
  const need = (k: string) => {
    const v = env[k]?.trim();
    if (!v) throw new Error(`${k} is not set`);
    return v;
  };
  const json = (k: string, fallback?: string) => {
    try {
      return JSON.parse(env[k]?.trim() || fallback || need(k));
    } catch (e) {
      throw new Error(`${k} is not JSON: ${(e as Error).message}`);
    }
  };
  const num = (k: string, d: number) => {
    const v = env[k]?.trim();
    const n = v ? Number(v) : d;
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} is ${JSON.stringify(v)}: a positive number`);
    return n;
  };
  const spec = json('EXPERIMENT_SPEC') as ExperimentSpec;
  if (typeof spec?.name !== 'string' || typeof spec?.primaryMetric?.name !== 'string') {
    throw new Error('EXPERIMENT_SPEC must have a name and a primaryMetric with a name');
  }
  const guardrails = json('GUARDRAILS', '[]') as GuardrailCheck[];
  if (!Array.isArray(guardrails)) throw new Error('GUARDRAILS must be a JSON list');
  return {
    spec,
    prometheusUrl: need('PROMETHEUS_URL'),
    timeoutSeconds: num('PROMETHEUS_TIMEOUT_SECONDS', 30),
    guardrails,
    intervalSeconds: num('ANALYSIS_INTERVAL_SECONDS', 86400),
    terminationLog: env.TERMINATION_LOG?.trim() || '/dev/termination-log',
  };
}

/** One analysis's record (the JSON line). */
export interface AnalysisRecord {
  readonly experiment: string;
  readonly at: string;
  readonly decision: ExperimentDecisionKind;
  readonly reason: string;
  readonly daysElapsed: number;
  readonly breachedGuardrails: string[];
  readonly control: unknown;
  readonly challenger: unknown;
  readonly pValue?: number;
  readonly estimate?: number;
  readonly lower?: number;
  readonly upper?: number;
  readonly plannedDays?: number;
}

/** Guardrails whose query is measured and beyond its threshold (empty or NaN: not breached — no data is no verdict). */
export async function breachedGuardrails(client: PrometheusClient, checks: GuardrailCheck[], now: Date): Promise<string[]> {
  const out: string[] = [];
  for (const g of checks) {
    const v = await client.value(g.query, now);
    if (v !== undefined && !Number.isNaN(v) && (g.below ? v < g.threshold : v > g.threshold)) {
      out.push(g.name);
    }
  }
  return out;
}

/** One analysis: read Prometheus, decide. */
export async function analyzeOnce(config: AnalyzeConfig, now: Date, previousPValue?: number): Promise<AnalysisRecord> {
  const client = new PrometheusClient(config.prometheusUrl, config.timeoutSeconds);
  const spec = config.spec;
  const metric = spec.primaryMetric.name;
  const plannedDays = ExperimentMath.design(spec).plannedDays;
  // A week of slack before the planned runtime for a late start.
  const started = await experimentStart(client, metric, spec.name, (plannedDays + 7) * 86400, now);
  const elapsedSeconds = started ? Math.max(0, (now.getTime() - started.getTime()) / 1000) : 0;
  const arms = started
    ? await readArms(client, metric, spec.name, elapsedSeconds, now, spec.primaryMetric.kind === ExperimentMetricKind.PROPORTION)
    : { control: { units: 0, sum: 0, sumOfSquares: 0 }, challenger: { units: 0, sum: 0, sumOfSquares: 0 } };
  const breached = await breachedGuardrails(client, config.guardrails, now);
  const daysElapsed = elapsedSeconds / 86400;
  const d = ExperimentMath.decide({
    spec,
    control: arms.control,
    challenger: arms.challenger,
    daysElapsed,
    breachedGuardrails: breached,
    previousPValue,
  });
  return {
    experiment: spec.name,
    at: now.toISOString(),
    decision: d.kind,
    reason: d.reason,
    daysElapsed: Math.round(daysElapsed * 1000) / 1000,
    breachedGuardrails: breached,
    control: arms.control,
    challenger: arms.challenger,
    pValue: d.pValue,
    estimate: d.estimate,
    lower: d.lower,
    upper: d.upper,
    plannedDays: d.plannedDays,
  };
}

/** The exit code of a decision. */
export function exitCodeOf(kind: ExperimentDecisionKind): number {
  switch (kind) {
    case ExperimentDecisionKind.CHALLENGER_WINS:
      return EXIT.CHALLENGER_WINS;
    case ExperimentDecisionKind.CONTINUE:
      return EXIT.CONTINUE;
    default:
      return EXIT.CONTROL_STAYS;
  }
}

export interface RunOptions {
  readonly once: boolean;
  readonly now?: () => Date;
  readonly sleep?: (seconds: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

/** Analyse until decided (or once); returns the exit code. */
export async function analyze(config: AnalyzeConfig, o: RunOptions): Promise<number> {
  const now = o.now ?? (() => new Date());
  const sleep = o.sleep ?? ((s: number) => new Promise<void>((r) => setTimeout(r, s * 1000)));
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  let errors = 0;
  let previousPValue: number | undefined;
  for (;;) {
    try {
      const record = await analyzeOnce(config, now(), previousPValue);
      errors = 0;
      previousPValue = record.pValue;
      const line = JSON.stringify(record);
      log(line);
      const code = exitCodeOf(record.decision);
      if (code !== EXIT.CONTINUE || o.once) {
        if (code !== EXIT.CONTINUE) writeTerminationLog(config.terminationLog, line);
        return code;
      }
      await sleep(config.intervalSeconds);
    } catch (e) {
      errors += 1;
      log(JSON.stringify({ experiment: config.spec.name, at: now().toISOString(), error: (e as Error).message, consecutiveErrors: errors }));
      if (o.once || errors >= MAX_CONSECUTIVE_ERRORS) {
        writeTerminationLog(config.terminationLog, `analysis failed ${errors} time(s): ${(e as Error).message}`);
        return EXIT.ERROR;
      }
      await sleep(Math.min(RETRY_SECONDS, config.intervalSeconds));
    }
  }
}

/** The container's termination message (what `kubectl get pod` shows after it ended); best effort. */
function writeTerminationLog(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text.slice(0, 4000));
  } catch {
    // Not in a pod (or not writable): the log line is the record.
  }
}

const USAGE = 'usage: experiment.js analyze [--once]   (configured by EXPERIMENT_SPEC, PROMETHEUS_URL, GUARDRAILS, ANALYSIS_INTERVAL_SECONDS)';

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (argv[0] !== 'analyze' || argv.slice(1).some((a) => a !== '--once')) {
    console.error(USAGE);
    return EXIT.ERROR;
  }
  let config: AnalyzeConfig;
  try {
    config = configFromEnv(env);
  } catch (e) {
    console.error(`experiment.js: ${(e as Error).message}`);
    return EXIT.ERROR;
  }
  return analyze(config, { once: argv.includes('--once') });
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  }, (e) => {
    console.error(e);
    process.exitCode = EXIT.ERROR;
  });
}
