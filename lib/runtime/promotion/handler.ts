/**
 * Lambda entry point of the promotion on approval (bundled to assets/promotion/index.js, handler
 * `index.handler`), the target of an EventBridge rule on "SageMaker Model Package State Change"
 * events of one model package group (`ApprovalPromotion`).
 *
 * Environment:
 * - `STACK_NAME`: the serving stack; required.
 * - `PARAMETER_NAME`: logical id of its model package ARN parameter; required.
 * - `MODEL_PACKAGE_GROUP_NAME`: the group whose approvals are deployed; required.
 * - `REQUIRED_LINEAGE_KEYS`: comma-separated `CustomerMetadataProperties` keys an approved package
 *   must carry; default the library's lineage contract (`core.Lineage.metadataKeys()`); empty for none.
 * - `CLOUDFORMATION_ROLE_ARN`: role CloudFormation updates the stack with; default the stack's own.
 * - `ALLOW_ROLLBACK`: `true` to deploy a re-approved older version; default `false`.
 * - `DRY_RUN`: `true` to decide and log without updating the stack; default `false`.
 * - `BUSY_WAIT_SECONDS`: how long to wait for a stack update in progress; default 0.
 *
 * Each invocation logs one JSON line (`message: "model package promotion"`) saying what happened;
 * a refusal or a busy stack is also thrown, so the function's error alarm fires and Lambda retries.
 */

// The AWS SDK is bundled into the asset (scripts/bundle-runtime.ts): the Lambda does not depend on the runtime's SDK version.
// eslint-disable-next-line import/no-extraneous-dependencies
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
// eslint-disable-next-line import/no-extraneous-dependencies
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ModelPackageStateChangeEvent, PromotionConfig, PromotionDeps, PromotionResult, promote } from './promote';
import { Lineage } from '../../core/lineage';

/** Longest wait for a busy stack: within Lambda's 15 minutes, with time left for the promotion. */
export const MAX_BUSY_WAIT_SECONDS = 780;

let clients: PromotionDeps | undefined;

/** Promote the approved package the event names; returns what happened (also logged as one JSON line). */
export async function handler(event: ModelPackageStateChangeEvent): Promise<PromotionResult> {
  const config = configFromEnv(process.env);
  // Created once per container: later invocations reuse the connections.
  clients ??= { sagemaker: new SageMakerClient({}), cloudformation: new CloudFormationClient({}) };
  return promoteAndLog(event, config, clients);
}

/** `promote`, logging one JSON line with the outcome, or with the error (then rethrown). */
export async function promoteAndLog(event: ModelPackageStateChangeEvent, config: PromotionConfig, deps: PromotionDeps): Promise<PromotionResult> {
  const context = {
    message: 'model package promotion',
    eventId: event.id,
    stackName: config.stackName,
    parameterName: config.parameterName,
    dryRun: config.dryRun,
  };
  try {
    const result = await promote(event, config, deps);
    console.log(JSON.stringify({ ...context, ...result }));
    return result;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const outcome = error.name === 'PromotionRefusedError' ? 'REFUSED' : error.name === 'StackBusyError' ? 'STACK_BUSY' : 'FAILED';
    console.log(JSON.stringify({
      ...context,
      outcome,
      modelPackageArn: event.detail?.ModelPackageArn ?? event.resources?.[0],
      error: `${error.name}: ${error.message}`,
    }));
    throw error;
  }
}

/**
 * The promotion's configuration from the Lambda's environment.
 * Throws an `Error` naming every missing or invalid variable.
 */
export function configFromEnv(env: Record<string, string | undefined>): PromotionConfig {
  const errors: string[] = [];
  const required = (name: string): string => {
    const v = env[name]?.trim();
    if (v === undefined || v === '') {
      errors.push(`${name} must be set to a non-empty value`);
      return '';
    }
    return v;
  };
  const flag = (name: string): boolean => {
    const v = env[name]?.trim();
    if (v === undefined || v === '' || v === 'false') {
      return false;
    }
    if (v !== 'true') {
      errors.push(`${name} must be true or false; got ${JSON.stringify(env[name])}`);
    }
    return v === 'true';
  };

  const stackName = required('STACK_NAME');
  const parameterName = required('PARAMETER_NAME');
  const modelPackageGroupName = required('MODEL_PACKAGE_GROUP_NAME');
  if (modelPackageGroupName !== '' && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(modelPackageGroupName)) {
    errors.push(`MODEL_PACKAGE_GROUP_NAME must be a model package group name; got ${JSON.stringify(env.MODEL_PACKAGE_GROUP_NAME)}`);
  }
  const requiredLineageKeys = parseLineageKeys(env.REQUIRED_LINEAGE_KEYS, errors);
  const cloudFormationRoleArn = env.CLOUDFORMATION_ROLE_ARN?.trim() || undefined;
  if (cloudFormationRoleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(cloudFormationRoleArn)) {
    errors.push(`CLOUDFORMATION_ROLE_ARN must be an IAM role ARN; got ${JSON.stringify(env.CLOUDFORMATION_ROLE_ARN)}`);
  }
  const allowRollback = flag('ALLOW_ROLLBACK');
  const dryRun = flag('DRY_RUN');
  let busyWaitSeconds = 0;
  const wait = env.BUSY_WAIT_SECONDS?.trim();
  if (wait !== undefined && wait !== '') {
    if (!/^\d+$/.test(wait) || Number(wait) > MAX_BUSY_WAIT_SECONDS) {
      errors.push(`BUSY_WAIT_SECONDS must be a whole number of seconds from 0 to ${MAX_BUSY_WAIT_SECONDS}; got ${JSON.stringify(env.BUSY_WAIT_SECONDS)}`);
    } else {
      busyWaitSeconds = Number(wait);
    }
  }
  if (errors.length > 0) {
    throw new Error(`promotion configuration: ${errors.join('; ')}`);
  }
  return {
    stackName,
    parameterName,
    modelPackageGroupName,
    requiredLineageKeys,
    ...(cloudFormationRoleArn !== undefined ? { cloudFormationRoleArn } : {}),
    allowRollback,
    dryRun,
    busyWaitSeconds,
  };
}

/** `REQUIRED_LINEAGE_KEYS`: unset → the lineage contract's keys; empty → none; else distinct non-empty keys. */
function parseLineageKeys(value: string | undefined, errors: string[]): string[] {
  if (value === undefined) {
    return Lineage.metadataKeys();
  }
  if (value.trim() === '') {
    return [];
  }
  const keys = value.split(',').map((k) => k.trim());
  if (keys.some((k) => k === '') || new Set(keys).size !== keys.length) {
    errors.push(`REQUIRED_LINEAGE_KEYS must be distinct comma-separated non-empty keys; got ${JSON.stringify(value)}`);
  }
  return keys;
}
