/**
 * Lambda entry point of an online experiment on a SageMaker endpoint (`aws.Experiment`; bundled to
 * assets/experiment/index.js, handler `index.handler`): the target of the experiment's analysis
 * schedule and of its guardrail alarms' ALARM state changes (EventBridge). See aws-experiment.ts.
 *
 * Environment:
 * - `EXPERIMENT_SPEC`: the core `ExperimentSpec` as JSON; required.
 * - `ENDPOINT_NAME`, `CONTROL_VARIANT`, `CHALLENGER_VARIANT`: the endpoint and its two variants; required.
 * - `METRICS_NAMESPACE`: the user's namespace of the business metrics (dimension `Variant`); required.
 * - `STATE_PARAMETER`: the SSM parameter recording the experiment (aws-state.ts); required.
 * - `GUARDRAIL_ALARMS`: JSON object, alarm name → guardrail name; default none.
 * - `START_TIME`: when the experiment started (ISO 8601); default its first run.
 * - `EXPERIMENT_DESIGN`: the design (sample sizes, planned days) as JSON, logged only.
 *
 * Each invocation logs one JSON line (`message: "experiment"`) saying what happened; an error is
 * logged and rethrown (Lambda retries; the function's error alarm fires).
 */

// The AWS SDK is bundled into the asset (scripts/bundle-runtime.ts): the Lambda does not depend on the runtime's SDK version.
// eslint-disable-next-line import/no-extraneous-dependencies
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ExperimentConfig, ExperimentDeps, ExperimentEvent, ExperimentOutcome, runExperiment } from './aws-experiment';
import { sageMakerApi } from './aws-sagemaker';
import { serviceEndpoint, ssmStateStore } from './aws-state';

let cloudwatch: CloudWatchClient | undefined;

/** Run the experiment once for the event (a schedule's or a guardrail alarm's). */
export async function handler(event: ExperimentEvent): Promise<ExperimentOutcome> {
  const config = configFromEnv(process.env);
  // Created once per container: later invocations reuse the connections.
  cloudwatch ??= new CloudWatchClient({});
  return runAndLog(event, config, depsOf(cloudwatch, process.env));
}

/**
 * The CloudWatch client, SageMaker's two calls and the record in `STATE_PARAMETER`, the last two
 * signed with the client's credentials (the function's role).
 */
export function depsOf(client: CloudWatchClient, env: Record<string, string | undefined>): ExperimentDeps {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || '';
  const credentials = () => client.config.credentials();
  return {
    cloudwatch: client,
    sagemaker: sageMakerApi({ region, endpoint: serviceEndpoint(env, region, 'sagemaker'), credentials }),
    state: ssmStateStore({ name: required(env, 'STATE_PARAMETER', []), region, endpoint: serviceEndpoint(env, region, 'ssm'), credentials }),
  };
}

/** `runExperiment`, logging one JSON line with the outcome, or with the error (then rethrown). */
export async function runAndLog(event: ExperimentEvent, config: ExperimentConfig, d: ExperimentDeps): Promise<ExperimentOutcome> {
  const context = { message: 'experiment', experiment: config.spec.name, endpointName: config.endpointName, trigger: event['detail-type'] ?? 'invoke' };
  try {
    const outcome = await runExperiment(event, config, d);
    console.log(JSON.stringify({ ...context, outcome: outcome.outcome, record: outcome.record }));
    return outcome;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    console.log(JSON.stringify({ ...context, outcome: 'FAILED', error: `${error.name}: ${error.message}` }));
    throw error;
  }
}

function required(env: Record<string, string | undefined>, name: string, errors: string[]): string {
  const v = env[name]?.trim();
  if (v === undefined || v === '') {
    errors.push(`${name} must be set to a non-empty value`);
    return '';
  }
  return v;
}

function json(env: Record<string, string | undefined>, name: string, errors: string[], fallback?: unknown): any {
  const v = env[name]?.trim();
  if (v === undefined || v === '') {
    if (fallback === undefined) {
      errors.push(`${name} must be set to a non-empty value`);
    }
    return fallback;
  }
  try {
    return JSON.parse(v);
  } catch {
    errors.push(`${name} must be JSON; got ${JSON.stringify(v.slice(0, 80))}`);
    return fallback;
  }
}

/** The experiment's configuration from the Lambda's environment; throws naming every missing or invalid variable. */
export function configFromEnv(env: Record<string, string | undefined>): ExperimentConfig {
  const errors: string[] = [];
  const spec = json(env, 'EXPERIMENT_SPEC', errors);
  const config: ExperimentConfig = {
    spec,
    endpointName: required(env, 'ENDPOINT_NAME', errors),
    controlVariant: required(env, 'CONTROL_VARIANT', errors),
    challengerVariant: required(env, 'CHALLENGER_VARIANT', errors),
    metricsNamespace: required(env, 'METRICS_NAMESPACE', errors),
    guardrailAlarms: json(env, 'GUARDRAIL_ALARMS', errors, {}),
    startTime: env.START_TIME?.trim() || undefined,
  };
  required(env, 'STATE_PARAMETER', errors);
  if (config.startTime !== undefined && Number.isNaN(Date.parse(config.startTime))) {
    errors.push(`START_TIME must be an ISO 8601 time; got ${JSON.stringify(config.startTime)}`);
  }
  if (errors.length > 0) {
    throw new Error(`experiment: invalid environment: ${errors.join('; ')}`);
  }
  return config;
}
