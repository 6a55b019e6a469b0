/**
 * Command line of `k8s.BatchScoring`'s runtime steps (bundled to assets/batch-k8s/index.js, in the
 * runtime image as /opt/cdk-mlops/batch.js), the same run steps `aws.BatchScoring` runs (partition.ts):
 *
 *   node batch.js validate-input --config F --date D --run-id R [--output-dir DIR]
 *   node batch.js commit --config F --date D --run-id R --input-records N --data-version H
 *   node batch.js plan --config F --from A --to B [--output FILE]
 *
 * - `validate-input`: `validateInput` on the input partition of D; writes `input-records` and
 *   `data-version` into DIR (the workflow's output parameters, given to `commit`) and prints a JSON
 *   line with the run's output prefix.
 * - `commit`: `commitRun` (records out = records in, input unchanged; `_LINEAGE.json`, then the
 *   `_MANIFEST.json` PUT, then older runs deleted); prints the manifest's URI and what it replaced.
 * - `plan`: the dates of a backfill (`backfillPlan`, from..to inclusive), as a JSON array into FILE
 *   (the backfill's `withParam`), and printed.
 *
 * `--config` is the ConfigMap the construct renders: `{ spec: BatchScoringSpec, modelVersion,
 * modelSource }`. S3 through the SDK's default credentials (IRSA) and `AWS_ENDPOINT_URL` (tests);
 * `KMS_KEY_ID` (optional, the construct's `kmsKeyId`): `_LINEAGE.json` and `_MANIFEST.json` are written
 * SSE-KMS with that key, as the AWS handler writes them; without it, the bucket's default encryption.
 * Exit codes: 0 done; 1 the run's own failure (`BatchRunError`: too few records, a refused commit,
 * a bad date), which a retry does not fix; 2 usage, configuration or infrastructure error.
 */

import * as fs from 'fs';
import * as path from 'path';
// The AWS SDK is bundled into the asset (scripts/bundle-runtime.ts).
// eslint-disable-next-line import/no-extraneous-dependencies
import { S3Client } from '@aws-sdk/client-s3';
import { BatchRunError, ObjectStore, commitRun, validateInput } from './partition';
import { S3ObjectStore, S3ObjectStoreOptions } from './s3-store';
import { backfillPlan, isLogicalDate, runOutputUri } from '../../core/batch/layout';
import { BatchScoringSpec } from '../../core/batch/spec';

/** The config file the construct renders (`<name>-config`, `config.json`). */
export interface BatchCliConfig {
  readonly spec: BatchScoringSpec;
  readonly modelVersion: string;
  readonly modelSource: string;
}

export const EXIT = { OK: 0, RUN_FAILED: 1, ERROR: 2 } as const;

const USAGE = [
  'usage: batch.js validate-input --config F --date YYYY-MM-DD --run-id R [--output-dir DIR]',
  '       batch.js commit --config F --date YYYY-MM-DD --run-id R --input-records N --data-version H',
  '       batch.js plan --config F --from YYYY-MM-DD --to YYYY-MM-DD [--output FILE]',
].join('\n');

const FLAGS: Record<string, string[]> = {
  'validate-input': ['config', 'date', 'run-id', 'output-dir'],
  'commit': ['config', 'date', 'run-id', 'input-records', 'data-version'],
  'plan': ['config', 'from', 'to', 'output'],
};
const REQUIRED: Record<string, string[]> = {
  'validate-input': ['config', 'date', 'run-id'],
  'commit': ['config', 'date', 'run-id', 'input-records', 'data-version'],
  'plan': ['config', 'from', 'to'],
};

/** A usage or configuration error (exit 2). */
class UsageError extends Error {}

/** `--name value` pairs of a command; throws a UsageError on unknown, repeated or missing flags. */
export function parseArgs(command: string, args: string[]): Record<string, string> {
  const allowed = FLAGS[command];
  if (allowed === undefined) throw new UsageError(`unknown command "${command}"`);
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i];
    const name = flag.startsWith('--') ? flag.slice(2) : '';
    if (!allowed.includes(name)) throw new UsageError(`${command}: unknown argument "${flag}"`);
    if (name in out) throw new UsageError(`${command}: --${name} given twice`);
    if (i + 1 >= args.length) throw new UsageError(`${command}: --${name} needs a value`);
    out[name] = args[i + 1];
  }
  const missing = REQUIRED[command].filter((n) => out[n] === undefined);
  if (missing.length > 0) throw new UsageError(`${command}: missing ${missing.map((m) => `--${m}`).join(', ')}`);
  return out;
}

/** The config file, checked for what the commands use. */
export function readConfig(file: string): BatchCliConfig {
  let c: any;
  try {
    c = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`config ${file}: ${(e as Error).message}`);
  }
  const bad = [
    ...['name', 'inputUri', 'outputUri'].filter((k) => typeof c?.spec?.[k] !== 'string').map((k) => `spec.${k}`),
    ...['modelVersion', 'modelSource'].filter((k) => typeof c?.[k] !== 'string'),
  ];
  if (bad.length > 0) throw new UsageError(`config ${file}: missing or invalid ${bad.join(', ')}`);
  return c as BatchCliConfig;
}

function requireDate(date: string, what: string): string {
  if (!isLogicalDate(date)) {
    // An unresolved Argo expression lands here too (a run started without its logical-date).
    throw new BatchRunError(`${what} "${date}" must be a calendar date written YYYY-MM-DD`);
  }
  return date;
}

/** The backfill plan; a range it refuses (reversed, too long) is the run's own failure. */
function planOrRefuse(from: string, to: string, maxConcurrency: number | undefined) {
  try {
    return backfillPlan(from, to, maxConcurrency);
  } catch (e) {
    throw new BatchRunError((e as Error).message);
  }
}

/** Run one command against `store`; returns the line to print. */
export async function run(command: string, args: string[], store: ObjectStore, now?: () => Date): Promise<string> {
  const a = parseArgs(command, args);
  const config = readConfig(a.config);
  const spec = config.spec;
  switch (command) {
    case 'validate-input': {
      const date = requireDate(a.date, '--date');
      const runUri = runOutputUri(spec, date, a['run-id']);
      const input = await validateInput(store, spec, date);
      if (a['output-dir'] !== undefined) {
        fs.mkdirSync(a['output-dir'], { recursive: true });
        fs.writeFileSync(path.join(a['output-dir'], 'input-records'), String(input.records));
        fs.writeFileSync(path.join(a['output-dir'], 'data-version'), input.dataVersion);
      }
      return JSON.stringify({ step: 'validate-input', logicalDate: date, inputPartitionUri: input.inputPartitionUri, files: input.files.length, records: input.records, dataVersion: input.dataVersion, runUri });
    }
    case 'commit': {
      const date = requireDate(a.date, '--date');
      const records = Number(a['input-records']);
      if (!Number.isInteger(records) || records < 0) throw new UsageError(`commit: --input-records "${a['input-records']}" must be a whole number`);
      const result = await commitRun(store, spec, {
        date,
        runId: a['run-id'],
        modelVersion: config.modelVersion,
        modelSource: config.modelSource,
        input: { records, dataVersion: a['data-version'] },
        now,
      });
      return JSON.stringify({ step: 'commit', logicalDate: date, manifestUri: result.manifestUri, runUri: result.manifest.runUri, files: result.manifest.files.length, replacedRunId: result.replacedRunId, deletedRuns: result.deletedRuns });
    }
    default: {
      const plan = planOrRefuse(requireDate(a.from, '--from'), requireDate(a.to, '--to'), spec.maxConcurrency);
      if (a.output !== undefined) {
        fs.mkdirSync(path.dirname(a.output), { recursive: true });
        fs.writeFileSync(a.output, JSON.stringify(plan.dates));
      }
      return JSON.stringify({ step: 'plan', dates: plan.dates, maxConcurrency: plan.maxConcurrency });
    }
  }
}

/** The S3 store's options from the step's environment: `KMS_KEY_ID` (trimmed; unset or blank: the bucket's default encryption). */
export function s3StoreOptionsFromEnv(env: Record<string, string | undefined>): S3ObjectStoreOptions {
  const kmsKeyId = env.KMS_KEY_ID?.trim();
  return kmsKeyId ? { kmsKeyId } : {};
}

export async function main(
  argv: string[] = process.argv.slice(2),
  store?: ObjectStore,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    (argv.length === 0 ? console.error : console.log)(USAGE);
    return argv.length === 0 ? EXIT.ERROR : EXIT.OK;
  }
  try {
    console.log(await run(argv[0], argv.slice(1), store ?? new S3ObjectStore(new S3Client({}), s3StoreOptionsFromEnv(env))));
    return EXIT.OK;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`batch.js: ${e.message}\n${USAGE}`);
      return EXIT.ERROR;
    }
    if (e instanceof BatchRunError) {
      console.error(`batch.js: ${e.message}`);
      return EXIT.RUN_FAILED;
    }
    console.error(`batch.js: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return EXIT.ERROR;
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  }, (e) => {
    console.error(e);
    process.exitCode = EXIT.ERROR;
  });
}
