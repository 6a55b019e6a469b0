/**
 * Command line of `k8s.BatchScoring`'s runtime steps (bundled to assets/batch-k8s/index.js, in the
 * runtime image as /opt/cdk-mlops/batch.js), the same run steps `aws.BatchScoring` runs (partition.ts):
 *
 *   node batch.js validate-input --config F --date D --run-id R [--output-dir DIR]
 *   node batch.js commit --config F --date D --run-id R --input-records N --data-version H [--model-version V --model-source U]
 *   node batch.js plan --config F --from A --to B [--output FILE]
 *
 * - `validate-input`: `validateInput` on the input partition of D; writes `input-records` and
 *   `data-version` into DIR (the workflow's output parameters, given to `commit`) and prints a JSON
 *   line with the run's output prefix. With the config's `champion`, it first resolves the MLflow
 *   alias (champion.ts: the version the promoter serves) and writes `model-version` and
 *   `model-source` into DIR too, for the score and commit steps; no version with the alias (or one
 *   the promoter would not serve) fails the run.
 * - `commit`: `commitRun` (records out = records in, input unchanged; `_LINEAGE.json`, then the
 *   `_MANIFEST.json` PUT, then older runs deleted); prints the manifest's URI and what it replaced.
 *   The model is `--model-version`/`--model-source` (what validate-input resolved), else the config's.
 * - `plan`: the dates of a backfill (`backfillPlan`, from..to inclusive), as a JSON array into FILE
 *   (the backfill's `withParam`), and printed.
 *
 * `--config` is the ConfigMap the construct renders: `{ spec: BatchScoringSpec, modelVersion,
 * modelSource }` or `{ spec, champion: { trackingUri, registeredModelName, alias, requiredLineageKeys } }`;
 * `MLFLOW_TRACKING_TOKEN` (optional): a bearer token for MLflow. S3 through the SDK's default credentials (IRSA) and `AWS_ENDPOINT_URL` (tests);
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
import { AliasReader, ChampionConfig, ResolvedModel, resolveChampion } from './champion';
import { BatchRunError, ObjectStore, commitRun, validateInput } from './partition';
import { S3ObjectStore, S3ObjectStoreOptions } from './s3-store';
import { backfillPlan, isLogicalDate, runOutputUri } from '../../core/batch/layout';
import { BatchScoringSpec } from '../../core/batch/spec';
import { MlflowClient } from '../k8s-promotion/clients';

/** The config file the construct renders (`<name>-config`, `config.json`). */
export interface BatchCliConfig {
  readonly spec: BatchScoringSpec;
  /** The model of every run (without `champion`). */
  readonly modelVersion?: string;
  readonly modelSource?: string;
  /** The MLflow alias each run resolves (validate-input), instead of a fixed model. */
  readonly champion?: ChampionConfig;
}

/** The output parameters validate-input writes (files of `--output-dir`). */
export const OUTPUT_FILES = { inputRecords: 'input-records', dataVersion: 'data-version', modelVersion: 'model-version', modelSource: 'model-source' } as const;

export const EXIT = { OK: 0, RUN_FAILED: 1, ERROR: 2 } as const;

const USAGE = [
  'usage: batch.js validate-input --config F --date YYYY-MM-DD --run-id R [--output-dir DIR]',
  '       batch.js commit --config F --date YYYY-MM-DD --run-id R --input-records N --data-version H [--model-version V --model-source U]',
  '       batch.js plan --config F --from YYYY-MM-DD --to YYYY-MM-DD [--output FILE]',
].join('\n');

const FLAGS: Record<string, string[]> = {
  'validate-input': ['config', 'date', 'run-id', 'output-dir'],
  'commit': ['config', 'date', 'run-id', 'input-records', 'data-version', 'model-version', 'model-source'],
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
  const champion = c?.champion;
  const bad = [
    ...['name', 'inputUri', 'outputUri'].filter((k) => typeof c?.spec?.[k] !== 'string').map((k) => `spec.${k}`),
    ...(champion === undefined
      ? ['modelVersion', 'modelSource'].filter((k) => typeof c?.[k] !== 'string')
      : ['trackingUri', 'registeredModelName'].filter((k) => typeof champion?.[k] !== 'string').map((k) => `champion.${k}`)),
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

/** The MLflow client of a tracking URI (the promoter's; `MLFLOW_TRACKING_TOKEN` as a bearer token when set). */
export type MlflowFactory = (trackingUri: string) => AliasReader;

/** The promoter's MLflow client, with `MLFLOW_TRACKING_TOKEN` of `env` (trimmed; unset or blank: none). */
export function mlflowFromEnv(env: Record<string, string | undefined>): MlflowFactory {
  return (uri) => new MlflowClient(uri, env.MLFLOW_TRACKING_TOKEN?.trim() || undefined);
}

/** The model a commit records: the flags (what validate-input resolved) or the config's fixed model. */
function commitModel(a: Record<string, string>, config: BatchCliConfig): ResolvedModel {
  const version = a['model-version'];
  const source = a['model-source'];
  if ((version === undefined) !== (source === undefined)) throw new UsageError('commit: --model-version and --model-source go together');
  if (version !== undefined && source !== undefined) {
    if (version.trim() === '' || source.trim() === '') throw new UsageError('commit: --model-version and --model-source must not be empty');
    return { modelVersion: version, modelSource: source };
  }
  if (config.champion !== undefined || config.modelVersion === undefined || config.modelSource === undefined) {
    throw new UsageError('commit: the model is resolved at each run (the config\'s champion): --model-version and --model-source (validate-input\'s output) are required');
  }
  return { modelVersion: config.modelVersion, modelSource: config.modelSource };
}

/** validate-input: the champion (when the config names one), then the input partition; the output parameters into `--output-dir`. */
async function validateCommand(a: Record<string, string>, config: BatchCliConfig, store: ObjectStore, mlflow: MlflowFactory): Promise<string> {
  const spec = config.spec;
  const date = requireDate(a.date, '--date');
  const runUri = runOutputUri(spec, date, a['run-id']);
  const model = config.champion !== undefined ? await resolveChampion(config.champion, mlflow(config.champion.trackingUri)) : undefined;
  const input = await validateInput(store, spec, date);
  const dir = a['output-dir'];
  if (dir !== undefined) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, OUTPUT_FILES.inputRecords), String(input.records));
    fs.writeFileSync(path.join(dir, OUTPUT_FILES.dataVersion), input.dataVersion);
    if (model !== undefined) {
      fs.writeFileSync(path.join(dir, OUTPUT_FILES.modelVersion), model.modelVersion);
      fs.writeFileSync(path.join(dir, OUTPUT_FILES.modelSource), model.modelSource);
    }
  }
  return JSON.stringify({
    step: 'validate-input', logicalDate: date, inputPartitionUri: input.inputPartitionUri, files: input.files.length, records: input.records, dataVersion: input.dataVersion, runUri, ...model,
  });
}

/** Run one command against `store` (and MLflow, for a config with `champion`); returns the line to print. */
export async function run(
  command: string, args: string[], store: ObjectStore, now?: () => Date, mlflow: MlflowFactory = mlflowFromEnv(process.env),
): Promise<string> {
  const a = parseArgs(command, args);
  const config = readConfig(a.config);
  const spec = config.spec;
  switch (command) {
    case 'validate-input':
      return validateCommand(a, config, store, mlflow);
    case 'commit': {
      const date = requireDate(a.date, '--date');
      const records = Number(a['input-records']);
      if (!Number.isInteger(records) || records < 0) throw new UsageError(`commit: --input-records "${a['input-records']}" must be a whole number`);
      const model = commitModel(a, config);
      const result = await commitRun(store, spec, {
        date,
        runId: a['run-id'],
        modelVersion: model.modelVersion,
        modelSource: model.modelSource,
        input: { records, dataVersion: a['data-version'] },
        now,
      });
      return JSON.stringify({ step: 'commit', logicalDate: date, modelVersion: model.modelVersion, manifestUri: result.manifestUri, runUri: result.manifest.runUri, files: result.manifest.files.length, replacedRunId: result.replacedRunId, deletedRuns: result.deletedRuns });
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
    const objects = store ?? new S3ObjectStore(new S3Client({}), s3StoreOptionsFromEnv(env));
    console.log(await run(argv[0], argv.slice(1), objects, undefined, mlflowFromEnv(env)));
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
