/**
 * Command-line entry point of the drift job, for the Kubernetes CronJob (bundled to
 * assets/drift-job/index.js with the Lambda handler, see entry.ts):
 *
 * ```sh
 * node index.js --config /etc/drift/config.json [--window-minutes 60] [--window-end 2026-11-23T01:00:00Z] [--pushgateway URL]
 * ```
 *
 * The config file (a ConfigMap) is a JSON object:
 *
 * ```json
 * {
 *   "endpointName": "fraud", "captureBucket": "capture", "capturePrefix": "datacapture",
 *   "baselineBucket": "models", "baselineKey": "fraud/baseline.json", "featureNames": ["amount", "country"],
 *   "windowMinutes": 60, "pushgatewayUrl": "http://pushgateway.monitoring:9091", "pushgatewayJob": "cdk-mlops-drift",
 *   "region": "eu-west-1", "reference": "SAME_PERIOD_LAST_YEAR", "referenceMinutes": 1440, "minReferenceValues": 1000
 * }
 * ```
 *
 * `windowMinutes` (default 60), `pushgatewayUrl`, `pushgatewayJob` (default `cdk-mlops-drift`) and
 * `region` (default: the SDK's resolution, `AWS_REGION`), `reference` (`TRAINING`, `ROLLING_WINDOW` or
 * `SAME_PERIOD_LAST_YEAR`; default `TRAINING`), `referenceMinutes` and `minReferenceValues` (see
 * `DriftJobConfig`) are optional; other keys are rejected. For batch scoring's output instead of
 * data capture: `batchOutputUri` (`s3://bucket/prefix/`; then `captureBucket` and `capturePrefix`
 * are left out and `endpointName` names the batch job), with the optional `batchContentType`
 * (`text/csv`, the default, or `application/jsonlines`), `batchDelayMinutes` (default 720) and
 * `batchPredictionKey` (JSON Lines; default `SageMakerOutput`): see `batch.ts`. The
 * options override the file. S3 is read with the default credential chain (IRSA / Pod Identity in a
 * cluster). The window is `[end - windowMinutes, end)` with `end` the start time truncated to the
 * minute (a CronJob starts a few seconds after its scheduled minute) or `--window-end`.
 *
 * Prints the metrics in Prometheus text format to stdout, or pushes them to the Pushgateway
 * (and prints a one-line summary to stderr). Exit code 0 on success, also for an empty window;
 * 1 on any error (bad arguments or config, unreadable baseline, S3 or Pushgateway failure).
 */

import { readFileSync } from 'fs';
// The AWS SDK is bundled into the asset by esbuild (scripts/bundle-runtime.ts).
// eslint-disable-next-line import/no-extraneous-dependencies
import { S3Client } from '@aws-sdk/client-s3';
import { BatchSourceConfig } from './batch';
import { DEFAULT_WINDOW_MINUTES, parseWindowMinutes } from './handler';
import { DriftJobConfig, runDriftJob } from './job';
import { FetchLike, pushToGateway, renderPrometheus } from './prometheus';
import { DEFAULT_BATCH_DRIFT_DELAY_MINUTES } from '../../core/batch/drift-source';
import { DEFAULT_BATCH_CONTENT_TYPE } from '../../core/batch/layout';
import { DriftReference } from '../../core/drift-reference';

/** Pushgateway job name when the config sets none. */
export const DEFAULT_PUSHGATEWAY_JOB = 'cdk-mlops-drift';

/** The CLI's config file, after checks. */
export interface DriftCliConfig {
  readonly endpointName: string;
  /** Absent with `batch`. */
  readonly captureBucket?: string;
  /** Absent with `batch`. */
  readonly capturePrefix?: string;
  /** Batch scoring's output instead of data capture. */
  readonly batch?: BatchSourceConfig;
  readonly baselineBucket: string;
  readonly baselineKey: string;
  readonly featureNames: string[];
  readonly windowMinutes: number;
  readonly pushgatewayUrl?: string;
  readonly pushgatewayJob: string;
  readonly region?: string;
  readonly reference?: DriftReference;
  readonly referenceMinutes?: number;
  readonly minReferenceValues?: number;
}

/** What the CLI talks to (replaced in tests). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile?: (path: string) => string;
  readonly now?: () => Date;
  readonly s3?: S3Client;
  readonly fetchImpl?: FetchLike;
}

const USAGE = 'usage: node index.js --config <file.json> [--window-minutes <n>] [--window-end <ISO time>] [--pushgateway <url>]';

const STRING_KEYS = ['endpointName', 'captureBucket', 'capturePrefix', 'baselineBucket', 'baselineKey'] as const;
const BATCH_KEYS = ['batchOutputUri', 'batchContentType', 'batchDelayMinutes', 'batchPredictionKey'] as const;
const KNOWN_KEYS = new Set<string>([
  ...STRING_KEYS, ...BATCH_KEYS, 'featureNames', 'windowMinutes', 'pushgatewayUrl', 'pushgatewayJob', 'region', 'reference', 'referenceMinutes', 'minReferenceValues',
]);

/** Run the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(USAGE + '\n');
      return 0;
    }
    const file = parseCliConfig((io.readFile ?? ((p: string) => readFileSync(p, 'utf-8')))(args.config!));
    const errors: string[] = [];
    const minutes = args.windowMinutes !== undefined ? parseWindowMinutes(args.windowMinutes, '--window-minutes', errors) : file.windowMinutes;
    throwIfErrors(errors);
    const end = args.windowEnd !== undefined ? new Date(Date.parse(args.windowEnd)) : truncateToMinute((io.now ?? (() => new Date()))());
    const config: DriftJobConfig = {
      endpointName: file.endpointName,
      ...(file.batch !== undefined ? { batch: file.batch } : { captureBucket: file.captureBucket, capturePrefix: file.capturePrefix }),
      baselineBucket: file.baselineBucket,
      baselineKey: file.baselineKey,
      featureNames: file.featureNames,
      windowStart: new Date(end.getTime() - minutes * 60_000),
      windowEnd: end,
      ...(file.reference !== undefined ? { reference: file.reference } : {}),
      ...(file.referenceMinutes !== undefined ? { referenceMinutes: file.referenceMinutes } : {}),
      ...(file.minReferenceValues !== undefined ? { minReferenceValues: file.minReferenceValues } : {}),
    };
    const s3 = io.s3 ?? new S3Client(file.region !== undefined ? { region: file.region } : {});
    const result = await runDriftJob(config, { s3, ...(io.now ? { now: io.now } : {}) });
    const text = renderPrometheus(result);
    const gateway = args.pushgateway ?? file.pushgatewayUrl;
    if (gateway === undefined) {
      io.stdout(text);
    } else {
      await pushToGateway(gateway, file.pushgatewayJob, result.endpointName, text, io.fetchImpl);
      io.stderr(`pushed drift metrics of ${result.endpointName} (${result.counters.records} records, ${result.features.length} features) to ${gateway}\n`);
    }
    return 0;
  } catch (e) {
    io.stderr(`drift job failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/** Check the config file's JSON; throws an `Error` naming every problem. */
export function parseCliConfig(json: string): DriftCliConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(`config must be a JSON document (${(e as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('config must be a JSON object');
  }
  const c = doc as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of Object.keys(c)) {
    if (!KNOWN_KEYS.has(key)) {
      errors.push(`config key ${JSON.stringify(key)} is unknown (allowed: ${[...KNOWN_KEYS].join(', ')})`);
    }
  }
  const batch = c.batchOutputUri !== undefined;
  for (const key of STRING_KEYS) {
    const v = c[key];
    if (batch && (key === 'captureBucket' || key === 'capturePrefix')) {
      if (v !== undefined) errors.push(`config.${key} must not be set with batchOutputUri (the job reads one source)`);
      continue;
    }
    if (typeof v !== 'string' || (v === '' && key !== 'capturePrefix')) {
      errors.push(`config.${key} must be a ${key === 'capturePrefix' ? '' : 'non-empty '}string`);
    }
  }
  const names = c.featureNames;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== '')) {
    errors.push('config.featureNames must be a non-empty list of non-empty strings');
  }
  let windowMinutes = DEFAULT_WINDOW_MINUTES;
  if (c.windowMinutes !== undefined) {
    if (!Number.isInteger(c.windowMinutes) || !((c.windowMinutes as number) > 0)) {
      errors.push(`config.windowMinutes must be a whole number of minutes above 0; got ${JSON.stringify(c.windowMinutes)}`);
    } else {
      windowMinutes = c.windowMinutes as number;
    }
  }
  for (const key of ['pushgatewayUrl', 'pushgatewayJob', 'region']) {
    if (c[key] !== undefined && (typeof c[key] !== 'string' || c[key] === '')) {
      errors.push(`config.${key} must be a non-empty string when set`);
    }
  }
  if (c.reference !== undefined && !(Object.values(DriftReference) as unknown[]).includes(c.reference)) {
    errors.push(`config.reference must be one of ${Object.values(DriftReference).join(', ')}; got ${JSON.stringify(c.reference)}`);
  }
  for (const key of ['referenceMinutes', 'minReferenceValues']) {
    if (c[key] !== undefined && (!Number.isInteger(c[key]) || !((c[key] as number) > 0))) {
      errors.push(`config.${key} must be a whole number above 0; got ${JSON.stringify(c[key])}`);
    }
  }
  const batchSource = parseBatchKeys(c, errors);
  throwIfErrors(errors);
  return {
    endpointName: c.endpointName as string,
    ...(batchSource !== undefined ? { batch: batchSource } : { captureBucket: c.captureBucket as string, capturePrefix: c.capturePrefix as string }),
    baselineBucket: c.baselineBucket as string,
    baselineKey: c.baselineKey as string,
    featureNames: [...(names as string[])],
    windowMinutes,
    pushgatewayJob: (c.pushgatewayJob as string | undefined) ?? DEFAULT_PUSHGATEWAY_JOB,
    ...(c.pushgatewayUrl !== undefined ? { pushgatewayUrl: c.pushgatewayUrl as string } : {}),
    ...(c.region !== undefined ? { region: c.region as string } : {}),
    ...(c.reference !== undefined ? { reference: c.reference as DriftReference } : {}),
    ...(c.referenceMinutes !== undefined ? { referenceMinutes: c.referenceMinutes as number } : {}),
    ...(c.minReferenceValues !== undefined ? { minReferenceValues: c.minReferenceValues as number } : {}),
  };
}

/** The batch source of the config file (`batchOutputUri`…), or undefined without `batchOutputUri`. */
function parseBatchKeys(c: Record<string, unknown>, errors: string[]): BatchSourceConfig | undefined {
  if (c.batchOutputUri === undefined) {
    for (const key of BATCH_KEYS) {
      if (c[key] !== undefined) errors.push(`config.${key} must be set only with batchOutputUri`);
    }
    return undefined;
  }
  for (const key of ['batchOutputUri', 'batchContentType', 'batchPredictionKey'] as const) {
    if (c[key] !== undefined && (typeof c[key] !== 'string' || c[key] === '')) errors.push(`config.${key} must be a non-empty string`);
  }
  const delay = c.batchDelayMinutes;
  if (delay !== undefined && (!Number.isInteger(delay) || (delay as number) < 0)) {
    errors.push(`config.batchDelayMinutes must be a whole number of minutes; got ${JSON.stringify(delay)}`);
  }
  return {
    outputUri: c.batchOutputUri as string,
    contentType: (c.batchContentType as string | undefined) ?? DEFAULT_BATCH_CONTENT_TYPE,
    delayMinutes: (delay as number | undefined) ?? DEFAULT_BATCH_DRIFT_DELAY_MINUTES,
    ...(c.batchPredictionKey !== undefined ? { predictionKey: c.batchPredictionKey as string } : {}),
  };
}

interface Args {
  config?: string;
  windowMinutes?: string;
  windowEnd?: string;
  pushgateway?: string;
  help?: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {};
  const flags: Record<string, keyof Args> = {
    '--config': 'config',
    '--window-minutes': 'windowMinutes',
    '--window-end': 'windowEnd',
    '--pushgateway': 'pushgateway',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      return { help: true };
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const key = flags[flag];
    if (key === undefined) {
      throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') {
      throw new Error(`${flag} needs a value\n${USAGE}`);
    }
    (args as Record<string, string>)[key] = value;
  }
  if (args.config === undefined) {
    throw new Error(`--config is required\n${USAGE}`);
  }
  if (args.windowEnd !== undefined && Number.isNaN(Date.parse(args.windowEnd))) {
    throw new Error(`--window-end must be an ISO 8601 time; got ${JSON.stringify(args.windowEnd)}`);
  }
  return args;
}

function throwIfErrors(errors: string[]): void {
  if (errors.length > 0) {
    throw new Error(errors.join('; '));
  }
}

function truncateToMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 60_000) * 60_000);
}

function processIo(): CliIo {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
}

// Run when executed (`node index.js`), not when imported by tests.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
