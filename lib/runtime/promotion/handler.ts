/**
 * Lambda entry point of the promotion on approval (bundled to assets/promotion/index.js, handler
 * `index.handler`), the target of an EventBridge rule on "SageMaker Model Package State Change"
 * events of one model package group (`ApprovalPromotion`), and of a second rule on the serving
 * stack's endpoint rollback events, which it reconciles (reconcile.ts).
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
 * - `BUSY_WAIT_SECONDS`: how long to wait for a stack update in progress in one invocation; default 0.
 * - `DEPLOYMENT_WAIT_SECONDS`: how long an approval may wait for a busy stack in all, requeued to
 *   the function (`AWS_LAMBDA_FUNCTION_NAME`, set by Lambda) every `BUSY_WAIT_SECONDS`; default 0 (no requeue).
 * - `RECORD_TAG_KEY`: the model package group's tag recording the approvals acted on (promote.ts);
 *   default none (no record: a repeated approval after a rollback is deployed again).
 * - `ENDPOINT_NAMES`: comma-separated names of the serving stack's endpoints whose events are
 *   reconciled; default none (endpoint events are ignored).
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
import { isEndpointEvent, reconcile } from './reconcile';
import { lambdaEndpoint, requeueTo } from './requeue';
import { Lineage } from '../../core/lineage';
import { MAX_DEPLOYMENT_WAIT_SECONDS } from '../../core/schemas/approval-promotion';

/** Longest wait for a busy stack: within Lambda's 15 minutes, with time left for the promotion. */
export const MAX_BUSY_WAIT_SECONDS = 780;


let clients: PromotionDeps | undefined;

/** Promote the approved package the event names; returns what happened (also logged as one JSON line). */
export async function handler(event: ModelPackageStateChangeEvent): Promise<PromotionResult> {
  const config = configFromEnv(process.env);
  // Created once per container: later invocations reuse the connections.
  clients ??= withRequeue({ sagemaker: new SageMakerClient({}), cloudformation: new CloudFormationClient({}) }, process.env);
  return promoteAndLog(event, config, clients);
}

/** The clients, and the requeue to this function when Lambda runs it (its name and region are set). */
function withRequeue(deps: PromotionDeps, env: Record<string, string | undefined>): PromotionDeps {
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME?.trim();
  const region = env.AWS_REGION?.trim();
  if (!functionName || !region) {
    return deps;
  }
  const credentials = deps.sagemaker.config.credentials;
  return {
    ...deps,
    requeue: (event) => requeueTo({ functionName, region, endpoint: lambdaEndpoint(env, region), credentials: () => credentials() }, event),
  };
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
    const result = await (isEndpointEvent(event) ? reconcile(event, config, deps) : promote(event, config, deps));
    console.log(JSON.stringify({ ...context, ...result }));
    return result;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const outcomes: Record<string, string> = { PromotionRefusedError: 'REFUSED', StackBusyError: 'STACK_BUSY', UnreconciledError: 'UNRECONCILED' };
    const outcome = outcomes[error.name] ?? 'FAILED';
    console.log(JSON.stringify({
      ...context,
      outcome,
      ...(isEndpointEvent(event)
        ? { endpointName: event.detail?.EndpointName }
        : { modelPackageArn: event.detail?.ModelPackageArn ?? event.resources?.[0] }),
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
  const seconds = (name: string, max: number): number => {
    const v = env[name]?.trim();
    if (v === undefined || v === '') {
      return 0;
    }
    if (!/^\d+$/.test(v) || Number(v) > max) {
      errors.push(`${name} must be a whole number of seconds from 0 to ${max}; got ${JSON.stringify(env[name])}`);
      return 0;
    }
    return Number(v);
  };
  const busyWaitSeconds = seconds('BUSY_WAIT_SECONDS', MAX_BUSY_WAIT_SECONDS);
  const deploymentWaitSeconds = seconds('DEPLOYMENT_WAIT_SECONDS', MAX_DEPLOYMENT_WAIT_SECONDS);
  const recordTagKey = env.RECORD_TAG_KEY?.trim() || undefined;
  const endpointNames = (env.ENDPOINT_NAMES ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  // A SageMaker endpoint name (SageMaker API reference, CreateEndpoint: EndpointName).
  if (endpointNames.some((n) => !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(n))) {
    errors.push(`ENDPOINT_NAMES must be comma-separated endpoint names; got ${JSON.stringify(env.ENDPOINT_NAMES)}`);
  }
  // A SageMaker tag key: 1-128 letters, digits, spaces and _.:/=+-@ (SageMaker API reference, Tag).
  if (recordTagKey !== undefined && !/^[\p{L}\p{N}_.:/=+\-@ ]{1,128}$/u.test(recordTagKey)) {
    errors.push(`RECORD_TAG_KEY must be a SageMaker tag key; got ${JSON.stringify(env.RECORD_TAG_KEY)}`);
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
    ...(deploymentWaitSeconds > 0 ? { deploymentWaitSeconds } : {}),
    ...(recordTagKey !== undefined ? { recordTagKey } : {}),
    ...(endpointNames.length > 0 ? { endpointNames } : {}),
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
