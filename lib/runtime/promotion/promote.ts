/**
 * The promotion on approval: a SageMaker model package of the serving group became `Approved`, so
 * the serving stack is updated, with its previous template, to the package's ARN. CloudFormation
 * then replaces the Model and EndpointConfig and updates the Endpoint through its DeploymentConfig
 * (blue/green with auto-rollback alarms). If SageMaker rolls the deployment back, the stack update
 * is expected to fail and CloudFormation to roll the parameter back too (not verified against a
 * live account): if it does not, the endpoint's rollback event makes the function put the parameter
 * back to what serves (reconcile.ts). CloudFormation stays the record of what serves.
 *
 * The record of what was attempted. SageMaker "may send multiple events … for each state change"
 * (SageMaker developer guide, "Automating SageMaker with Amazon EventBridge"), EventBridge and
 * Lambda deliver at least once, and a dead-letter redrive repeats an event: after a rollback the
 * stack again serves the old version, so the stack alone cannot tell a repeated approval from a
 * new one. Each approval the function acted on (started an UpdateStack for) is therefore recorded
 * as `<version>@<LastModifiedTime in epoch ms>` in one tag of the model package group
 * (`RECORD_TAG_KEY`, e.g. `cdk-mlops:promotion:FraudServing/FraudModelPackage`), the last
 * `RECORD_SIZE` attempts, space-separated. Why there:
 * - the identity of an approval is the package's `LastModifiedTime` (DescribeModelPackage): a
 *   repeated event of one state change carries the same one, a rejection and a new approval change
 *   it (so does any other update of the package, which then counts as a new approval);
 * - a tag is not the package's state: writing it changes no `LastModifiedTime` and sends no
 *   model package state change, and the grant is least privilege: `sagemaker:AddTags` on the one
 *   group with `aws:TagKeys` limited to this key (the function cannot approve anything, as
 *   `UpdateModelPackage` on the package's metadata would allow), `sagemaker:ListTags` to read it;
 * - not a stack tag (CloudFormation propagates stack tags to every resource and `cdk deploy`
 *   resets them) nor a stack parameter (rolled back with the failed update it should remember);
 * - no resource of its own, and it survives redeploys of the promotion's stack and of the group's
 *   (CloudFormation adds and removes only the tags its template names).
 * The record is written before UpdateStack and restored if UpdateStack fails, so an approval is
 * never marked as acted on without a deployment having started.
 *
 * A busy stack (a deployment of the previous promotion, a CI deploy) is waited for up to
 * `BUSY_WAIT_SECONDS` in one invocation; while the approval's deadline (`DEPLOYMENT_WAIT_SECONDS`
 * after it was first handled, derived by ApprovalPromotion from the serving stack's deployment
 * limit) has not passed, the event is then requeued to the function (an asynchronous Invoke
 * carrying the deadline) and the invocation ends WAITING; after the deadline it fails with
 * `StackBusyError` (retried by Lambda, then kept in the dead-letter queue).
 */

// The AWS SDK is a dev dependency: esbuild bundles it into the Lambda asset (scripts/bundle-runtime.ts).
// eslint-disable-next-line import/no-extraneous-dependencies
import { CloudFormationClient, DescribeStacksCommand, Parameter, Stack, UpdateStackCommand, UpdateStackCommandInput } from '@aws-sdk/client-cloudformation';
// eslint-disable-next-line import/no-extraneous-dependencies
import { AddTagsCommand, DescribeModelPackageCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ModelPackageVersionArn, parseModelPackageVersionArn, sameModelPackageGroup } from '../../core/model-package';

/** EventBridge `source` and `detail-type` of model package state changes (SageMaker developer guide). */
export const SAGEMAKER_SOURCE = 'aws.sagemaker';
export const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';

/**
 * What a stack made by the CDK needs acknowledged on every update: IAM resources (named or not)
 * and macros. The CDK CLI passes the same three to CreateChangeSet on `cdk deploy`.
 */
export const CDK_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;

/** How often a busy stack is looked at again while waiting for it. */
export const BUSY_POLL_SECONDS = 30;

/**
 * How many attempts the record keeps: a tag value holds at most 256 characters (SageMaker API
 * reference, `Tag.Value`), an attempt `<version>@<epoch ms>` at most 24 with its separator.
 */
export const RECORD_SIZE = 10;

/** The event's key for what a requeue carries (the deadline stays that of the first delivery). */
export const REQUEUE_KEY = 'cdk-mlops:promotion';

/**
 * The part of a "SageMaker Model Package State Change" event the promotion reads, and of the
 * endpoint events the reconcile reads (reconcile.ts): both reach the one function.
 */
export interface ModelPackageStateChangeEvent {
  readonly 'id'?: string;
  readonly 'source'?: string;
  readonly 'detail-type'?: string;
  /** When the state changed (ISO 8601). */
  readonly 'time'?: string;
  readonly 'resources'?: string[];
  readonly 'detail'?: {
    readonly ModelPackageGroupName?: string;
    readonly ModelPackageArn?: string;
    readonly ModelPackageVersion?: number;
    readonly ModelApprovalStatus?: string;
    /** Endpoint events (reconcile.ts): the endpoint, its status, why its update failed. */
    readonly EndpointName?: string;
    readonly EndpointStatus?: string;
    readonly FailureReason?: string;
  };
  /** Set on an event the function requeued to itself while the stack was busy. */
  readonly 'cdk-mlops:promotion'?: RequeueState;
}

/** What a requeued event carries. */
export interface RequeueState {
  /** Until when (ISO 8601) a busy stack is waited for: the first delivery's time plus the deployment wait. */
  readonly deadline: string;
  /** How many times the event was requeued. */
  readonly requeues: number;
}

/** What the promotion does, from the environment (handler.ts). */
export interface PromotionConfig {
  /** Name of the serving stack. */
  readonly stackName: string;
  /** Logical id of the stack's model package ARN parameter. */
  readonly parameterName: string;
  /** The model package group whose approvals are promoted. */
  readonly modelPackageGroupName: string;
  /** `CustomerMetadataProperties` keys an approved package must carry (non-empty) to be deployed. */
  readonly requiredLineageKeys: readonly string[];
  /**
   * Role CloudFormation updates the stack with (the one `cdk deploy` passes).
   * @default - the role associated with the stack
   */
  readonly cloudFormationRoleArn?: string;
  /** Deploy a version older than the one serving when its approval is newer than the stack's last update. */
  readonly allowRollback: boolean;
  /** Decide and log, but do not update the stack. */
  readonly dryRun: boolean;
  /** How long to wait for a busy stack (an update in progress) in one invocation. */
  readonly busyWaitSeconds: number;
  /**
   * How long an approval may wait for a busy stack in all, from its first delivery: while this has
   * not passed, a stack still busy after `busyWaitSeconds` requeues the event (`PromotionDeps.requeue`).
   * @default 0 - no requeue: a stack busy after `busyWaitSeconds` fails the invocation
   */
  readonly deploymentWaitSeconds?: number;
  /**
   * Tag key of the model package group recording the approvals acted on (see the module comment).
   * @default - no record: a repeated approval event after a rollback deploys the version again
   */
  readonly recordTagKey?: string;
  /**
   * The serving stack's endpoints (names): their rollback events are reconciled (reconcile.ts).
   * @default - none: endpoint events are ignored
   */
  readonly endpointNames?: readonly string[];
}

/** Clients and clock (injected for tests). */
export interface PromotionDeps {
  readonly sagemaker: SageMakerClient;
  readonly cloudformation: CloudFormationClient;
  /** @default - the system clock */
  readonly now?: () => Date;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Hands the event to a later invocation of the function (an asynchronous Invoke of itself).
   * @default - none: a busy stack fails the invocation after `busyWaitSeconds`
   */
  readonly requeue?: (event: ModelPackageStateChangeEvent) => Promise<void>;
}

/** What a promotion did. */
export enum PromotionOutcome {
  /** The stack update started: CloudFormation now deploys the version through the rollout policy. */
  UPDATING = 'UPDATING',
  /** `dryRun`: the stack update that would have started. */
  DRY_RUN = 'DRY_RUN',
  /** The stack already serves the version: nothing to do (a repeated event, or a redrive). */
  ALREADY_DEPLOYED = 'ALREADY_DEPLOYED',
  /** The event is not a promotion for this stack (another group, not Approved, a stale approval). */
  IGNORED = 'IGNORED',
  /** The approval was acted on already (the record has it): a repeated event, after a rollback too. */
  DUPLICATE = 'DUPLICATE',
  /** The stack is still busy: the event was requeued to the function, to be promoted when it is idle. */
  WAITING = 'WAITING',
  /**
   * An endpoint event (reconcile.ts): the stack named another version than the one the endpoint
   * serves (SageMaker rolled a deployment back and CloudFormation did not); the stack update to the
   * serving version started, and the refused version's approval is recorded as acted on.
   */
  RECONCILED = 'RECONCILED',
  /** An endpoint event: the stack names the version the endpoint serves, or rolled back itself. */
  IN_SYNC = 'IN_SYNC',
}

/** The result of one promotion (also logged as one JSON line by the handler). */
export interface PromotionResult {
  readonly outcome: PromotionOutcome;
  /** Why, in words. */
  readonly reason: string;
  /** The approved model package, when the event named one. */
  readonly modelPackageArn?: string;
  readonly modelPackageVersion?: number;
  /** The package the stack served before. */
  readonly servingModelPackageArn?: string;
  readonly servingModelPackageVersion?: number;
  /** An endpoint event (reconcile.ts): the endpoint it is about. */
  readonly endpointName?: string;
  /** The UpdateStack request (sent, or that would have been with `dryRun`). */
  readonly updateStack?: UpdateStackCommandInput;
  /** The approval's identity: the package's LastModifiedTime (ISO 8601). */
  readonly approvedAt?: string;
  /** `WAITING`: until when the requeued event waits for the stack. */
  readonly deadline?: string;
}

/**
 * The approved package must not be deployed: it is no longer approved, lacks lineage, or is older
 * than what serves. Thrown so the function's error alarm fires; retrying does not change the answer.
 */
export class PromotionRefusedError extends Error {
  public readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'PromotionRefusedError';
  }
}

/**
 * The serving stack is being updated (a CI deploy, or an earlier promotion): CloudFormation rejects
 * a concurrent update. Thrown so Lambda retries the event (asynchronous invocation: twice, one and
 * then two minutes later), after which it lands in the dead-letter queue.
 */
export class StackBusyError extends Error {
  public readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = 'StackBusyError';
  }
}

/** Promote the package an approval event names, if it is one for this stack; see the module comment. */
export async function promote(event: ModelPackageStateChangeEvent, config: PromotionConfig, deps: PromotionDeps): Promise<PromotionResult> {
  const eventArn = approvalOf(event, config);
  if (typeof eventArn !== 'string') {
    return eventArn;
  }
  const approval = await approvedPackage(event, eventArn, config, deps);
  const { packageArn, target } = approval;
  const about = { modelPackageArn: packageArn, modelPackageVersion: target.version, approvedAt: new Date(approval.approvedAt).toISOString() };

  // --- the record: an approval acted on already, or overtaken by a later approval of a newer version
  const record = await readRecord(approval, config, deps);
  const seen = record?.attempts.find((a) => a.version === target.version && a.approvedAt === approval.approvedAt);
  if (seen !== undefined) {
    return { outcome: PromotionOutcome.DUPLICATE, reason: `version ${target.version} approved at ${about.approvedAt} was acted on already (a repeated event): nothing to do`, ...about };
  }
  const overtaking = record?.attempts.find((a) => a.version > target.version && a.approvedAt > approval.approvedAt);
  if (overtaking !== undefined) {
    return ignoredAs(`overtaken: version ${overtaking.version} was approved after version ${target.version} (at ${new Date(overtaking.approvedAt).toISOString()}) and its deployment was started`, about);
  }

  // --- the stack: idle, and what it serves --------------------------------------------------------
  const stack = await idleStack(event, config, deps);
  if (!('StackStatus' in stack)) {
    return { outcome: PromotionOutcome.WAITING, reason: stack.reason, ...about, deadline: stack.deadline };
  }
  const parameters = stack.Parameters ?? [];
  const servingArn = servingParameter(parameters, config).ParameterValue;
  const serving = servingArn === undefined ? undefined : parseModelPackageVersionArn(servingArn);
  const was = { servingModelPackageArn: servingArn, servingModelPackageVersion: serving?.version };
  if (serving !== undefined && sameVersion(serving, target)) {
    return { outcome: PromotionOutcome.ALREADY_DEPLOYED, reason: `stack ${config.stackName} already serves version ${target.version}`, ...about, ...was };
  }
  if (serving !== undefined && target.version < serving.version) {
    const stale = staleApproval(event, stack, config, target, serving, packageArn);
    if (stale !== undefined) {
      return { outcome: PromotionOutcome.IGNORED, reason: stale, ...about, ...was };
    }
  }

  // --- the update: same template, this one parameter changed --------------------------------------
  const updateStack = updateRequest(parameters, config, packageArn);
  const direction = serving !== undefined && target.version < serving.version ? 'rolling back' : 'promoting';
  if (config.dryRun) {
    return { outcome: PromotionOutcome.DRY_RUN, reason: `dry run: would update stack ${config.stackName}, ${direction} to version ${target.version}`, ...about, ...was, updateStack };
  }
  // Recorded first: an UpdateStack that started is never forgotten; restored if it did not start.
  await writeRecord(approval, config, deps, [...(record?.attempts ?? []), { version: target.version, approvedAt: approval.approvedAt }]);
  try {
    await deps.cloudformation.send(new UpdateStackCommand(updateStack));
  } catch (e) {
    // The parameter already has the value (a concurrent promotion got there between the two calls).
    if (e instanceof Error && e.name === 'ValidationError' && /No updates are to be performed/.test(e.message)) {
      return { outcome: PromotionOutcome.ALREADY_DEPLOYED, reason: `stack ${config.stackName}: ${e.message}`, ...about, ...was };
    }
    await writeRecord(approval, config, deps, record?.attempts ?? []).catch(() => undefined);
    throw e;
  }
  return { outcome: PromotionOutcome.UPDATING, reason: `stack ${config.stackName} updating, ${direction} to version ${target.version}`, ...about, ...was, updateStack };
}

/** The approved version's ARN if the event is an approval of this group, or why it is ignored. */
function approvalOf(event: ModelPackageStateChangeEvent, config: PromotionConfig): string | PromotionResult {
  const detail = event.detail ?? {};
  if (event.source !== SAGEMAKER_SOURCE || event['detail-type'] !== MODEL_PACKAGE_STATE_CHANGE) {
    return ignored(`not a ${MODEL_PACKAGE_STATE_CHANGE} event (source ${JSON.stringify(event.source)}, detail-type ${JSON.stringify(event['detail-type'])})`);
  }
  if (detail.ModelPackageGroupName === undefined || !sameModelPackageGroup(detail.ModelPackageGroupName, config.modelPackageGroupName)) {
    return ignored(`model package group ${JSON.stringify(detail.ModelPackageGroupName)} is not ${JSON.stringify(config.modelPackageGroupName)}`);
  }
  if (detail.ModelApprovalStatus !== 'Approved') {
    return ignored(`approval status ${JSON.stringify(detail.ModelApprovalStatus)} is not Approved`);
  }
  const eventArn = detail.ModelPackageArn ?? event.resources?.[0];
  if (eventArn === undefined || parseModelPackageVersionArn(eventArn) === undefined) {
    throw new PromotionRefusedError(`the approval event ${event.id ?? ''} names no model package version ARN (detail.ModelPackageArn ${JSON.stringify(detail.ModelPackageArn)}, resources ${JSON.stringify(event.resources)})`);
  }
  return eventArn;
}

/** An approved version, as SageMaker describes it now. */
export interface ApprovedPackage {
  readonly packageArn: string;
  readonly target: ModelPackageVersionArn;
  /** The approval's identity: the package's LastModifiedTime (else the event's time), epoch ms. */
  readonly approvedAt: number;
}

/** The package as it is now: a version of this group, still approved, with its lineage; refused otherwise. */
async function approvedPackage(
  event: ModelPackageStateChangeEvent, eventArn: string, config: PromotionConfig, deps: PromotionDeps,
): Promise<ApprovedPackage> {
  const pkg = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: eventArn }));
  const packageArn = pkg.ModelPackageArn ?? eventArn;
  const target = parseModelPackageVersionArn(packageArn);
  const otherGroup = pkg.ModelPackageGroupName !== undefined && !sameModelPackageGroup(pkg.ModelPackageGroupName, config.modelPackageGroupName);
  if (target === undefined || otherGroup) {
    throw new PromotionRefusedError(
      `${packageArn} is not a version of the model package group ${config.modelPackageGroupName} (SageMaker says group ${JSON.stringify(pkg.ModelPackageGroupName)})`,
    );
  }
  if (pkg.ModelApprovalStatus !== 'Approved') {
    throw new PromotionRefusedError(`${packageArn} is ${pkg.ModelApprovalStatus ?? 'without an approval status'} now, no longer Approved: not deployed`);
  }
  const metadata = pkg.CustomerMetadataProperties ?? {};
  const missing = config.requiredLineageKeys.filter((k) => (metadata[k] ?? '').trim() === '');
  if (missing.length > 0) {
    throw new PromotionRefusedError(
      `${packageArn} lacks lineage metadata ${missing.join(', ')} (CustomerMetadataProperties): a model that cannot be rebuilt is not deployed; register it with its lineage (core.Lineage)`,
    );
  }
  const eventTime = event.time === undefined ? NaN : Date.parse(event.time);
  const approvedAt = pkg.LastModifiedTime?.getTime() ?? (Number.isNaN(eventTime) ? 0 : eventTime);
  return { packageArn, target, approvedAt };
}

/** The stack's model package parameter; refused when the stack has none. */
export function servingParameter(parameters: Parameter[], config: PromotionConfig): Parameter {
  const current = parameters.find((p) => p.ParameterKey === config.parameterName);
  if (current === undefined) {
    throw new PromotionRefusedError(`stack ${config.stackName} has no parameter ${config.parameterName} (it has ${parameters.map((p) => p.ParameterKey).join(', ') || 'none'})`);
  }
  return current;
}

/**
 * An older version than the one serving: why it is ignored (approved before the stack's last
 * update), or undefined when it is a rollback to deploy; refused when rollback on approval is off.
 */
function staleApproval(
  event: ModelPackageStateChangeEvent,
  stack: Stack,
  config: PromotionConfig,
  target: ModelPackageVersionArn,
  serving: ModelPackageVersionArn,
  packageArn: string,
): string | undefined {
  // An approval older than the stack's last update was overtaken (events can arrive late or out of
  // order, and retries reorder them): deploying it would silently undo a newer promotion.
  const approvedAt = event.time === undefined ? undefined : Date.parse(event.time);
  const updatedAt = (stack.LastUpdatedTime ?? stack.CreationTime)?.getTime();
  if (approvedAt !== undefined && !Number.isNaN(approvedAt) && updatedAt !== undefined && approvedAt < updatedAt) {
    return `stale approval: version ${target.version} was approved at ${event.time}, before stack ${config.stackName} was last updated (${new Date(updatedAt).toISOString()}) to serve version ${serving.version}`;
  }
  if (!config.allowRollback) {
    throw new PromotionRefusedError(
      `version ${target.version} is older than version ${serving.version}, which stack ${config.stackName} serves: rolling back on approval is off ` +
      `(ApprovalPromotion allowRollbackToOlderVersion); to roll back, deploy it explicitly: cdk deploy --parameters ${config.stackName}:${config.parameterName}=${packageArn}`,
    );
  }
  return undefined;
}

/** UpdateStack with the previous template, the model package parameter set and every other one kept. */
export function updateRequest(parameters: Parameter[], config: PromotionConfig, packageArn: string): UpdateStackCommandInput {
  return {
    StackName: config.stackName,
    UsePreviousTemplate: true,
    Parameters: parameters.map((p): Parameter => (p.ParameterKey === config.parameterName
      ? { ParameterKey: p.ParameterKey, ParameterValue: packageArn }
      : { ParameterKey: p.ParameterKey, UsePreviousValue: true })),
    Capabilities: [...CDK_CAPABILITIES],
    ...(config.cloudFormationRoleArn !== undefined ? { RoleARN: config.cloudFormationRoleArn } : {}),
    // Explicit: a failed deployment (SageMaker's auto-rollback) must roll the parameter back too.
    DisableRollback: false,
  };
}

function ignored(reason: string): PromotionResult {
  return { outcome: PromotionOutcome.IGNORED, reason };
}

function ignoredAs(reason: string, about: Partial<PromotionResult>): PromotionResult {
  return { ...about, outcome: PromotionOutcome.IGNORED, reason };
}

export function sameVersion(a: ModelPackageVersionArn, b: ModelPackageVersionArn): boolean {
  return a.version === b.version && a.account === b.account && a.region === b.region && sameModelPackageGroup(a.group, b.group);
}

/** Why a busy stack was not waited for any longer in this invocation: the event was requeued. */
export interface Requeued {
  readonly reason: string;
  readonly deadline: string;
}

/**
 * The stack once no operation is in progress on it. Busy after `busyWaitSeconds`: the event is
 * requeued while its deadline has not passed (`Requeued`), else a `StackBusyError`.
 */
export async function idleStack(event: ModelPackageStateChangeEvent, config: PromotionConfig, deps: PromotionDeps): Promise<Stack | Requeued> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now().getTime();
  const carried = event[REQUEUE_KEY];
  const deadline = carried !== undefined && !Number.isNaN(Date.parse(carried.deadline))
    ? Date.parse(carried.deadline)
    : started + Math.max(config.deploymentWaitSeconds ?? 0, config.busyWaitSeconds) * 1000;
  const waitUntil = Math.min(started + config.busyWaitSeconds * 1000, deadline);
  for (;;) {
    const out = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: config.stackName }));
    const stack = out.Stacks?.[0];
    if (stack === undefined) {
      throw new Error(`stack ${config.stackName} not found`);
    }
    if (!(stack.StackStatus ?? '').endsWith('_IN_PROGRESS')) {
      return stack;
    }
    const remaining = waitUntil - now().getTime();
    if (remaining > 0) {
      await sleep(Math.min(BUSY_POLL_SECONDS * 1000, remaining));
      continue;
    }
    const waited = Math.round((now().getTime() - started) / 1000);
    if (deps.requeue !== undefined && now().getTime() < deadline) {
      const until = new Date(deadline).toISOString();
      await deps.requeue({ ...event, [REQUEUE_KEY]: { deadline: until, requeues: (carried?.requeues ?? 0) + 1 } });
      const what = event.detail?.EndpointName !== undefined ? 'endpoint event' : 'approval';
      return { reason: `stack ${config.stackName} is ${stack.StackStatus} (waited ${waited} s): the ${what} is requeued to wait for it until ${until}`, deadline: until };
    }
    throw new StackBusyError(
      `stack ${config.stackName} is ${stack.StackStatus} (waited ${waited} s, deadline ${new Date(deadline).toISOString()} passed): CloudFormation rejects concurrent updates; ` +
      'the event is retried, then kept in the dead-letter queue (do not deploy the serving stack from CI while promoting)',
    );
  }
}

/** One approval acted on: the version and its LastModifiedTime (epoch ms). */
export interface Attempt {
  readonly version: number;
  readonly approvedAt: number;
}

/** The record's tag as read. */
export interface PromotionRecord {
  readonly attempts: readonly Attempt[];
}

/** The group's ARN (the tagged resource) from a version's. */
function groupArnOf(p: ModelPackageVersionArn): string {
  return `arn:${p.partition}:sagemaker:${p.region}:${p.account}:model-package-group/${p.group}`;
}

/** Formats and parses the tag value: `<version>@<epoch ms>` separated by spaces, oldest first. */
export function formatRecord(attempts: readonly Attempt[]): string {
  return attempts.slice(-RECORD_SIZE).map((a) => `${a.version}@${a.approvedAt}`).join(' ');
}

export function parseRecord(value: string): Attempt[] {
  return value.split(' ')
    .map((part) => /^(\d{1,10})@(\d{1,15})$/.exec(part))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), approvedAt: Number(m[2]) }));
}

/** The record, when one is configured (the last tag of its key: an emulator may keep repeated keys). */
export async function readRecord(approval: ApprovedPackage, config: PromotionConfig, deps: PromotionDeps): Promise<PromotionRecord | undefined> {
  if (config.recordTagKey === undefined) {
    return undefined;
  }
  const values: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await deps.sagemaker.send(new ListTagsCommand({ ResourceArn: groupArnOf(approval.target), NextToken: nextToken }));
    values.push(...(out.Tags ?? []).filter((t) => t.Key === config.recordTagKey).map((t) => t.Value ?? ''));
    nextToken = out.NextToken;
  } while (nextToken);
  return { attempts: values.length > 0 ? parseRecord(values[values.length - 1]) : [] };
}

/** Writes the record's tag (AddTags overwrites the value of an existing key). */
export async function writeRecord(
  approval: ApprovedPackage, config: PromotionConfig, deps: PromotionDeps, attempts: readonly Attempt[],
): Promise<void> {
  if (config.recordTagKey === undefined) {
    return;
  }
  // A tag value cannot be empty in every API: an empty record is written as "-".
  const value = formatRecord(attempts) || '-';
  await deps.sagemaker.send(new AddTagsCommand({ ResourceArn: groupArnOf(approval.target), Tags: [{ Key: config.recordTagKey, Value: value }] }));
}
