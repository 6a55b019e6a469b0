/**
 * The reconcile: the served version recorded by the platform (the serving stack's model package
 * parameter) must equal the one the endpoint serves, whether or not CloudFormation notices that
 * SageMaker rolled a deployment back (issue 12, finding 12; not verified against a live account).
 *
 * The same function as the promotion receives the serving stack's endpoint events that say a
 * deployment was rolled back or failed (core/rollback-events.ts, `endpointRollbackPattern`) and:
 * - waits (requeued, as a promotion does) while the serving stack is busy: CloudFormation is still
 *   deploying, and may yet roll the update back itself;
 * - when the stack rolled the update back (`UPDATE_ROLLBACK_COMPLETE`), does nothing: the parameter
 *   is back to the version before, the one SageMaker kept serving;
 * - otherwise reads what serves (DescribeEndpoint → EndpointConfigName → DescribeEndpointConfig →
 *   the production variants' ModelName → DescribeModel → the containers' ModelPackageName) and, when
 *   the parameter names another version, updates the stack with the parameter set to the serving
 *   version (previous template, every other parameter kept: the promotion's request). The refused
 *   version's current approval is recorded as acted on (the group's record tag, promote.ts), so a
 *   repeated event of that approval is a DUPLICATE: deploying the refused version again takes a new
 *   approval (reject it, then approve it again).
 *
 * Either answer is safe: when CloudFormation notices (the stack fails and rolls back), nothing is
 * done; when it does not, the parameter is put back to what serves. What cannot be read (the
 * serving config or model deleted, as CloudFormation's cleanup does after an update it thinks
 * succeeded, or an endpoint serving several versions of the group) fails as `UnreconciledError`,
 * so the error alarm fires and the event stays in the dead-letter queue: never a silent mismatch.
 */

// eslint-disable-next-line import/no-extraneous-dependencies
import { UpdateStackCommand } from '@aws-sdk/client-cloudformation';
// eslint-disable-next-line import/no-extraneous-dependencies
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import {
  ModelPackageStateChangeEvent,
  PromotionConfig,
  PromotionDeps,
  PromotionOutcome,
  PromotionResult,
  idleStack,
  readRecord,
  sameVersion,
  servingParameter,
  updateRequest,
  writeRecord,
} from './promote';
import { ModelPackageVersionArn, parseModelPackageVersionArn, sameModelPackageGroup } from '../../core/model-package';
import { ENDPOINT_DEPLOYMENT_STATE_CHANGE, ENDPOINT_STATE_CHANGE, SAGEMAKER_EVENT_SOURCE } from '../../core/rollback-events';

/** The stack status after CloudFormation rolled a failed update back: its parameters are the previous ones. */
const ROLLED_BACK = 'UPDATE_ROLLBACK_COMPLETE';

/**
 * What serves cannot be read or is ambiguous: the stack is left as it is, and the event fails
 * (error alarm, dead-letter queue) so that a person compares the endpoint and the stack.
 */
export class UnreconciledError extends Error {
  public readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'UnreconciledError';
  }
}

/** Whether the event is an endpoint event (reconciled) rather than an approval (promoted). */
export function isEndpointEvent(event: ModelPackageStateChangeEvent): boolean {
  const type = event['detail-type'];
  return event.source === SAGEMAKER_EVENT_SOURCE && (type === ENDPOINT_STATE_CHANGE || type === ENDPOINT_DEPLOYMENT_STATE_CHANGE);
}

/** Reconcile the serving stack's parameter with what its endpoint serves; see the module comment. */
export async function reconcile(event: ModelPackageStateChangeEvent, config: PromotionConfig, deps: PromotionDeps): Promise<PromotionResult> {
  const endpointName = event.detail?.EndpointName;
  if (!isEndpointEvent(event) || endpointName === undefined) {
    return { outcome: PromotionOutcome.IGNORED, reason: `not an endpoint event (source ${JSON.stringify(event.source)}, detail-type ${JSON.stringify(event['detail-type'])})` };
  }
  const about = { endpointName };
  if (!(config.endpointNames ?? []).includes(endpointName)) {
    return { outcome: PromotionOutcome.IGNORED, reason: `endpoint ${endpointName} is not one of stack ${config.stackName}'s (${(config.endpointNames ?? []).join(', ') || 'none'})`, ...about };
  }

  const stack = await idleStack(event, config, deps);
  if (!('StackStatus' in stack)) {
    return { outcome: PromotionOutcome.WAITING, reason: stack.reason, ...about, deadline: stack.deadline };
  }
  const parameters = stack.Parameters ?? [];
  const recordedArn = servingParameter(parameters, config).ParameterValue;
  const recorded = recordedArn === undefined ? undefined : parseModelPackageVersionArn(recordedArn);
  const was = { servingModelPackageArn: recordedArn, servingModelPackageVersion: recorded?.version };
  if (stack.StackStatus === ROLLED_BACK) {
    return { outcome: PromotionOutcome.IN_SYNC, reason: `stack ${config.stackName} rolled its update back itself (${ROLLED_BACK}): it names the version before, nothing to do`, ...about, ...was };
  }

  const served = await servedVersions(endpointName, config, deps);
  if (served.length === 0) {
    return { outcome: PromotionOutcome.IGNORED, reason: `endpoint ${endpointName} serves no version of ${config.modelPackageGroupName}`, ...about, ...was };
  }
  if (recorded !== undefined && served.some((v) => sameVersion(v, recorded))) {
    return { outcome: PromotionOutcome.IN_SYNC, reason: `stack ${config.stackName} names version ${recorded.version}, which endpoint ${endpointName} serves`, ...about, ...was };
  }
  if (served.length > 1) {
    throw new UnreconciledError(
      `endpoint ${endpointName} serves versions ${served.map((v) => v.version).join(', ')} of ${config.modelPackageGroupName} and stack ${config.stackName} names ${recordedArn}: ` +
      'which one to record is not clear; compare them and deploy the serving one explicitly (cdk deploy --parameters)',
    );
  }
  const target = served[0];
  const packageArn = arnOf(target);
  const updateStack = updateRequest(parameters, config, packageArn);
  const reason = `endpoint ${endpointName} serves version ${target.version} but stack ${config.stackName} named ${recorded === undefined ? recordedArn : `version ${recorded.version}`} ` +
    '(SageMaker rolled the deployment back, CloudFormation did not)';
  const result = { ...about, ...was, modelPackageArn: packageArn, modelPackageVersion: target.version, updateStack };
  if (config.dryRun) {
    return { outcome: PromotionOutcome.DRY_RUN, reason: `dry run: ${reason}; would update the stack to version ${target.version}`, ...result };
  }
  await recordRefused(recorded, config, deps);
  try {
    await deps.cloudformation.send(new UpdateStackCommand(updateStack));
  } catch (e) {
    if (e instanceof Error && e.name === 'ValidationError' && /No updates are to be performed/.test(e.message)) {
      return { outcome: PromotionOutcome.IN_SYNC, reason: `stack ${config.stackName}: ${e.message}`, ...result };
    }
    throw e;
  }
  return { outcome: PromotionOutcome.RECONCILED, reason: `${reason}: stack updating back to version ${target.version}`, ...result };
}

/** The versions of the group the endpoint's production variants serve (distinct, in variant order). */
async function servedVersions(endpointName: string, config: PromotionConfig, deps: PromotionDeps): Promise<ModelPackageVersionArn[]> {
  const unreadable = (what: string, e: unknown): UnreconciledError => new UnreconciledError(
    `what endpoint ${endpointName} serves cannot be read (${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); ` +
    `stack ${config.stackName} is left as it is: compare the endpoint's EndpointConfigName with the stack's ${config.parameterName}`,
  );
  const endpoint = await deps.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const configName = endpoint.EndpointConfigName;
  if (configName === undefined) {
    throw unreadable('DescribeEndpoint', 'no EndpointConfigName');
  }
  const endpointConfig = await deps.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }))
    .catch((e: unknown) => { throw unreadable(`endpoint config ${configName}`, e); });
  const versions: ModelPackageVersionArn[] = [];
  for (const modelName of new Set((endpointConfig.ProductionVariants ?? []).map((v) => v.ModelName).filter((n): n is string => n !== undefined))) {
    const model = await deps.sagemaker.send(new DescribeModelCommand({ ModelName: modelName }))
      .catch((e: unknown) => { throw unreadable(`model ${modelName}`, e); });
    const containers = [...(model.PrimaryContainer ? [model.PrimaryContainer] : []), ...(model.Containers ?? [])];
    for (const name of containers.map((c) => c.ModelPackageName).filter((n): n is string => n !== undefined)) {
      const version = parseModelPackageVersionArn(name);
      const ours = version !== undefined && sameModelPackageGroup(version.group, config.modelPackageGroupName);
      if (ours && !versions.some((v) => sameVersion(v, version))) {
        versions.push(version);
      }
    }
  }
  return versions;
}

/**
 * The refused version's current approval, recorded as acted on (when a record is kept and it is
 * not there yet): a repeated event of it is then a DUPLICATE, not a second deployment.
 */
async function recordRefused(refused: ModelPackageVersionArn | undefined, config: PromotionConfig, deps: PromotionDeps): Promise<void> {
  if (refused === undefined || config.recordTagKey === undefined) {
    return;
  }
  const pkg = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arnOf(refused) }));
  const approval = { packageArn: arnOf(refused), target: refused, approvedAt: pkg.LastModifiedTime?.getTime() ?? 0 };
  const record = await readRecord(approval, config, deps);
  const attempts = record?.attempts ?? [];
  if (!attempts.some((a) => a.version === refused.version && a.approvedAt === approval.approvedAt)) {
    await writeRecord(approval, config, deps, [...attempts, { version: refused.version, approvedAt: approval.approvedAt }]);
  }
}

function arnOf(p: ModelPackageVersionArn): string {
  return `arn:${p.partition}:sagemaker:${p.region}:${p.account}:model-package/${p.group}/${p.version}`;
}
