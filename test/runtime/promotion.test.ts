/**
 * The promotion on approval (lib/runtime/promotion) against aws-sdk-client-mock SageMaker and
 * CloudFormation clients: the mock checks what the handler sends (the exact UpdateStack request)
 * and feeds it what the services answer. What it cannot check is the services' behaviour (an
 * UpdateStack with the previous template really starting the blue/green deployment, rollbacks):
 * that needs an AWS account and is not tested here. The same handler, bundled, runs against moto's
 * SageMaker and CloudFormation in test/emulator/promotion.emulator.ts (scripts/validate.sh); a stack
 * busy for longer than the deployment limit is simulated here with a stubbed client and a fake
 * clock (moto finishes every stack update at once; the emulator fakes the busy status in a proxy).
 */

import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  Stack,
  StackStatus,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  AddTagsCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  ListTagsCommand,
  ModelApprovalStatus,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Lineage } from '../../lib/core/lineage';
import { configFromEnv, handler } from '../../lib/runtime/promotion/handler';
import {
  ModelPackageStateChangeEvent,
  PromotionConfig,
  PromotionOutcome,
  PromotionRefusedError,
  RECORD_SIZE,
  StackBusyError,
  formatRecord,
  parseRecord,
  promote,
} from '../../lib/runtime/promotion/promote';
import { UnreconciledError, reconcile } from '../../lib/runtime/promotion/reconcile';
import { lambdaEndpoint, requeueTo } from '../../lib/runtime/promotion/requeue';

const sagemaker = mockClient(SageMakerClient);
const cloudformation = mockClient(CloudFormationClient);
const deps = { sagemaker: new SageMakerClient({ region: 'eu-west-1' }), cloudformation: new CloudFormationClient({ region: 'eu-west-1' }) };

const arn = (version: number, group = 'fraud') => `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${group}/${version}`;
const CFN_ROLE = 'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1';
const CONFIG: PromotionConfig = {
  stackName: 'FraudServing',
  parameterName: 'FraudModelPackage',
  modelPackageGroupName: 'fraud',
  requiredLineageKeys: Lineage.metadataKeys(),
  cloudFormationRoleArn: CFN_ROLE,
  allowRollback: false,
  dryRun: false,
  busyWaitSeconds: 0,
};
const LINEAGE = Lineage.toCustomerMetadata({
  datasetVersion: 'fraud-2026-11-01',
  codeCommit: 'a'.repeat(40),
  featureSetVersion: 'fs-7',
  evaluationReportUri: 's3://acme-ml-models/fraud/eval/7.json',
});
/** When the stack was last updated (to serve the current version); approvals in the tests come later. */
const STACK_UPDATED = new Date('2026-11-20T09:00:00Z');

function approval(
  version: number, overrides: Partial<ModelPackageStateChangeEvent> = {}, detail: Record<string, unknown> = {},
): ModelPackageStateChangeEvent {
  return {
    'id': `event-${version}`,
    'source': 'aws.sagemaker',
    'detail-type': 'SageMaker Model Package State Change',
    'time': '2026-11-23T10:00:00Z',
    'resources': [arn(version)],
    ...overrides,
    'detail': { ModelPackageGroupName: 'fraud', ModelPackageArn: arn(version), ModelPackageVersion: version, ModelApprovalStatus: 'Approved', ...detail },
  };
}

function givenPackage(
  version: number, options: { status?: ModelApprovalStatus; metadata?: Record<string, string>; lastModified?: Date } = {},
): void {
  sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(version) }).resolves({
    LastModifiedTime: options.lastModified,
    ModelPackageGroupName: 'fraud',
    ModelPackageVersion: version,
    ModelPackageArn: arn(version),
    ModelApprovalStatus: options.status ?? ModelApprovalStatus.APPROVED,
    CustomerMetadataProperties: options.metadata ?? LINEAGE,
  });
}

function stack(servingVersion: number, status: StackStatus = StackStatus.UPDATE_COMPLETE): Stack {
  return {
    StackName: 'FraudServing',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/FraudServing/0a1b2c3d-0000-0000-0000-000000000000',
    StackStatus: status,
    CreationTime: new Date('2026-11-01T00:00:00Z'),
    LastUpdatedTime: STACK_UPDATED,
    Parameters: [
      { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version', ResolvedValue: '30' },
      { ParameterKey: 'FraudModelPackage', ParameterValue: arn(servingVersion) },
      { ParameterKey: 'AlarmEmail', ParameterValue: 'oncall@example.com' },
    ],
  };
}

function givenStack(servingVersion: number, status?: StackStatus): void {
  cloudformation.on(DescribeStacksCommand, { StackName: 'FraudServing' }).resolves({ Stacks: [stack(servingVersion, status)] });
}

const updates = () => cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input);

beforeEach(() => {
  sagemaker.reset();
  cloudformation.reset();
  cloudformation.on(UpdateStackCommand).resolves({ StackId: stack(0).StackId });
});

describe('promote', () => {
  it('updates the serving stack with its previous template, the approved ARN and every other parameter kept', async () => {
    givenPackage(4);
    givenStack(3);

    const result = await promote(approval(4), CONFIG, deps);

    expect(updates()).toEqual([{
      StackName: 'FraudServing',
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
        { ParameterKey: 'FraudModelPackage', ParameterValue: arn(4) },
        { ParameterKey: 'AlarmEmail', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      RoleARN: CFN_ROLE,
      DisableRollback: false,
    }]);
    expect(sagemaker.commandCalls(DescribeModelPackageCommand).map((c) => c.args[0].input)).toEqual([{ ModelPackageName: arn(4) }]);
    expect(result).toMatchObject({
      outcome: PromotionOutcome.UPDATING,
      reason: 'stack FraudServing updating, promoting to version 4',
      modelPackageArn: arn(4),
      modelPackageVersion: 4,
      servingModelPackageArn: arn(3),
      servingModelPackageVersion: 3,
    });
  });

  it('reads the package ARN from the event resources when the detail lacks it, and passes no role when none is configured', async () => {
    givenPackage(4);
    givenStack(3);
    const { cloudFormationRoleArn: _, ...withoutRole } = CONFIG;

    await promote(approval(4, {}, { ModelPackageArn: undefined }), withoutRole, deps);

    expect(updates()).toHaveLength(1);
    expect(updates()[0].RoleARN).toBeUndefined();
    expect(updates()[0].Parameters?.[1]).toEqual({ ParameterKey: 'FraudModelPackage', ParameterValue: arn(4) });
  });

  it.each<[string, ModelPackageStateChangeEvent, string]>([
    ['another group', approval(4, {}, { ModelPackageGroupName: 'ranking' }), 'model package group "ranking" is not "fraud"'],
    ['a package pending approval', approval(4, {}, { ModelApprovalStatus: 'PendingManualApproval' }), 'approval status "PendingManualApproval" is not Approved'],
    ['a rejected package', approval(4, {}, { ModelApprovalStatus: 'Rejected' }), 'approval status "Rejected" is not Approved'],
    ['another kind of event', approval(4, { 'detail-type': 'SageMaker Endpoint State Change' }), 'not a SageMaker Model Package State Change event'],
  ])('ignores %s without calling AWS', async (_name, event, reason) => {
    const result = await promote(event, CONFIG, deps);
    expect(result.outcome).toBe(PromotionOutcome.IGNORED);
    expect(result.reason).toContain(reason);
    expect(sagemaker.calls()).toHaveLength(0);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  it('refuses a package that lacks lineage metadata, naming each missing key', async () => {
    const { [Lineage.CODE_COMMIT_KEY]: _c, [Lineage.EVALUATION_REPORT_KEY]: _e, ...partial } = LINEAGE;
    givenPackage(4, { metadata: { ...partial, [Lineage.FEATURE_SET_VERSION_KEY]: ' ' } });
    givenStack(3);

    const run = promote(approval(4), CONFIG, deps);

    await expect(run).rejects.toThrow(PromotionRefusedError);
    await expect(run).rejects.toThrow(
      `${arn(4)} lacks lineage metadata lineage:code-commit, lineage:feature-set-version, lineage:evaluation-report (CustomerMetadataProperties)`,
    );
    expect(updates()).toEqual([]);
  });

  it('deploys without lineage when no keys are required', async () => {
    givenPackage(4, { metadata: {} });
    givenStack(3);
    const result = await promote(approval(4), { ...CONFIG, requiredLineageKeys: [] }, deps);
    expect(result.outcome).toBe(PromotionOutcome.UPDATING);
  });

  it('refuses a package that is no longer approved when the event is handled', async () => {
    givenPackage(4, { status: ModelApprovalStatus.REJECTED });
    givenStack(3);
    await expect(promote(approval(4), CONFIG, deps)).rejects.toThrow(`${arn(4)} is Rejected now, no longer Approved: not deployed`);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  it('fails with a retryable error while the stack is being updated', async () => {
    givenPackage(4);
    givenStack(3, StackStatus.UPDATE_IN_PROGRESS);

    const run = promote(approval(4), CONFIG, deps);

    await expect(run).rejects.toThrow(StackBusyError);
    await expect(run).rejects.toThrow(/^stack FraudServing is UPDATE_IN_PROGRESS \(waited 0 s, deadline [0-9TZ:.-]+ passed\): CloudFormation rejects concurrent updates/);
    await expect(run).rejects.toMatchObject({ retryable: true });
    expect(updates()).toEqual([]);
  });

  it('waits for a busy stack within busyWaitSeconds, then promotes', async () => {
    // GIVEN a stack finishing an update (cleanup in progress, then complete) and a fake clock
    givenPackage(4);
    cloudformation.on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack(3, StackStatus.UPDATE_COMPLETE_CLEANUP_IN_PROGRESS)] })
      .resolves({ Stacks: [stack(3)] });
    let clock = Date.parse('2026-11-23T10:00:05Z');
    const sleeps: number[] = [];
    const sleep = async (ms: number) => { sleeps.push(ms); clock += ms; };

    // WHEN promoting with a minute of patience
    const result = await promote(approval(4), { ...CONFIG, busyWaitSeconds: 60 }, { ...deps, now: () => new Date(clock), sleep });

    // THEN it looked again 30 s later and updated the stack
    expect(sleeps).toEqual([30_000]);
    expect(result.outcome).toBe(PromotionOutcome.UPDATING);
    expect(updates()).toHaveLength(1);
  });

  it('does nothing when the stack already serves the version (a repeated event or a redrive)', async () => {
    givenPackage(4);
    givenStack(4);
    const result = await promote(approval(4), CONFIG, deps);
    expect(result).toMatchObject({ outcome: PromotionOutcome.ALREADY_DEPLOYED, reason: 'stack FraudServing already serves version 4' });
    expect(updates()).toEqual([]);
  });

  it('treats CloudFormation\'s "No updates are to be performed" as already deployed, and rethrows other errors', async () => {
    givenPackage(4);
    givenStack(3);
    const validationError = (message: string) =>
      new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
    cloudformation.on(UpdateStackCommand).rejectsOnce(validationError('No updates are to be performed.'));

    expect(await promote(approval(4), CONFIG, deps)).toMatchObject({
      outcome: PromotionOutcome.ALREADY_DEPLOYED,
      reason: 'stack FraudServing: No updates are to be performed.',
    });

    cloudformation.on(UpdateStackCommand).rejects(validationError('Stack:arn:… is in UPDATE_ROLLBACK_FAILED state and can not be updated.'));
    await expect(promote(approval(4), CONFIG, deps)).rejects.toThrow('UPDATE_ROLLBACK_FAILED state');
  });

  describe('an older version than the one serving', () => {
    it('is refused by default, saying how to roll back explicitly', async () => {
      givenPackage(4);
      givenStack(5);
      await expect(promote(approval(4), CONFIG, deps)).rejects.toThrow(
        'version 4 is older than version 5, which stack FraudServing serves: rolling back on approval is off (ApprovalPromotion allowRollbackToOlderVersion); ' +
        `to roll back, deploy it explicitly: cdk deploy --parameters FraudServing:FraudModelPackage=${arn(4)}`,
      );
      expect(updates()).toEqual([]);
    });

    it('is deployed when rollback on approval is allowed and the approval is newer than the stack\'s last update', async () => {
      givenPackage(4);
      givenStack(5);
      const result = await promote(approval(4), { ...CONFIG, allowRollback: true }, deps);
      expect(result).toMatchObject({ outcome: PromotionOutcome.UPDATING, reason: 'stack FraudServing updating, rolling back to version 4' });
      expect(updates()[0].Parameters?.[1]).toEqual({ ParameterKey: 'FraudModelPackage', ParameterValue: arn(4) });
    });

    it.each([false, true])('is ignored when approved before the stack\'s last update, an overtaken event (allowRollback %s)', async (allowRollback) => {
      givenPackage(4);
      givenStack(5);
      const result = await promote(approval(4, { time: '2026-11-20T08:59:59Z' }), { ...CONFIG, allowRollback }, deps);
      expect(result.outcome).toBe(PromotionOutcome.IGNORED);
      expect(result.reason).toBe(
        'stale approval: version 4 was approved at 2026-11-20T08:59:59Z, before stack FraudServing was last updated (2026-11-20T09:00:00.000Z) to serve version 5',
      );
      expect(updates()).toEqual([]);
    });
  });

  it('in a dry run, returns the update it would have made without making it', async () => {
    givenPackage(4);
    givenStack(3);
    const result = await promote(approval(4), { ...CONFIG, dryRun: true }, deps);
    expect(result.outcome).toBe(PromotionOutcome.DRY_RUN);
    expect(result.updateStack?.Parameters?.[1]).toEqual({ ParameterKey: 'FraudModelPackage', ParameterValue: arn(4) });
    expect(updates()).toEqual([]);
  });

  it('refuses when the stack has no such parameter', async () => {
    givenPackage(4);
    givenStack(3);
    await expect(promote(approval(4), { ...CONFIG, parameterName: 'ModelArn' }, deps)).rejects.toThrow(
      'stack FraudServing has no parameter ModelArn (it has BootstrapVersion, FraudModelPackage, AlarmEmail)',
    );
  });
});

describe('the record of approvals acted on (a model package group tag)', () => {
  const KEY = 'cdk-mlops:promotion:FraudServing/FraudModelPackage';
  const GROUP_ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud';
  const RECORDED = { ...CONFIG, recordTagKey: KEY };
  const approvedAt = (iso: string) => new Date(iso);
  const V12_APPROVED = approvedAt('2026-11-23T10:00:00.000Z');
  const givenRecord = (value?: string) => sagemaker.on(ListTagsCommand, { ResourceArn: GROUP_ARN })
    .resolves({ Tags: value === undefined ? [{ Key: 'team', Value: 'fraud' }] : [{ Key: 'team', Value: 'fraud' }, { Key: KEY, Value: value }] });
  const recordWrites = () => sagemaker.commandCalls(AddTagsCommand).map((c) => c.args[0].input);

  it('records the approval (version and LastModifiedTime) on the group before updating the stack', async () => {
    givenPackage(12, { lastModified: V12_APPROVED });
    givenStack(11);
    givenRecord('10@1763800000000');

    const result = await promote(approval(12), RECORDED, deps);

    expect(result).toMatchObject({ outcome: PromotionOutcome.UPDATING, approvedAt: '2026-11-23T10:00:00.000Z' });
    expect(recordWrites()).toEqual([{ ResourceArn: GROUP_ARN, Tags: [{ Key: KEY, Value: `10@1763800000000 12@${V12_APPROVED.getTime()}` }] }]);
    // Written first: an update that started is never forgotten.
    const [tagged] = sagemaker.commandCalls(AddTagsCommand);
    const [updated] = cloudformation.commandCalls(UpdateStackCommand);
    expect(tagged.calledBefore(updated)).toBe(true);
  });

  it('does nothing for an approval acted on already: the same event after SageMaker rolled the deployment back (issue 12, finding 10)', async () => {
    // GIVEN the stack rolled back to v11 after v12's deployment failed, and v12's approval recorded
    givenPackage(12, { lastModified: V12_APPROVED });
    givenStack(11);
    givenRecord(`11@1763000000000 12@${V12_APPROVED.getTime()}`);

    // WHEN the approval event of v12 arrives again (before the fix: UPDATING, promoting to version 12)
    const result = await promote(approval(12, { id: 'event-12-again', time: '2026-11-23T11:00:00Z' }), RECORDED, deps);

    // THEN nothing is deployed
    expect(result).toMatchObject({
      outcome: PromotionOutcome.DUPLICATE,
      reason: 'version 12 approved at 2026-11-23T10:00:00.000Z was acted on already (a repeated event): nothing to do',
    });
    expect(updates()).toEqual([]);
    expect(recordWrites()).toEqual([]);
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('promotes a new approval of the same version (rejected, then approved again: a later LastModifiedTime)', async () => {
    givenPackage(12, { lastModified: approvedAt('2026-11-23T12:00:00.000Z') });
    givenStack(11);
    givenRecord(`12@${V12_APPROVED.getTime()}`);
    const result = await promote(approval(12), RECORDED, deps);
    expect(result).toMatchObject({ outcome: PromotionOutcome.UPDATING, reason: 'stack FraudServing updating, promoting to version 12' });
    expect(recordWrites()[0].Tags?.[0].Value).toBe(`12@${V12_APPROVED.getTime()} 12@${Date.parse('2026-11-23T12:00:00.000Z')}`);
  });

  it('ignores an approval overtaken by a later approval of a newer version, even when that one was rolled back', async () => {
    // v13 approved after v12 and deployed (then rolled back: the stack serves v11); v12's event comes late.
    givenPackage(12, { lastModified: V12_APPROVED });
    givenStack(11);
    givenRecord(`13@${Date.parse('2026-11-23T10:00:05.000Z')}`);
    const result = await promote(approval(12), RECORDED, deps);
    expect(result).toMatchObject({
      outcome: PromotionOutcome.IGNORED,
      reason: 'overtaken: version 13 was approved after version 12 (at 2026-11-23T10:00:05.000Z) and its deployment was started',
    });
    expect(updates()).toEqual([]);
  });

  it('restores the record when UpdateStack fails, so a retry deploys', async () => {
    givenPackage(12, { lastModified: V12_APPROVED });
    givenStack(11);
    givenRecord('10@1763800000000');
    cloudformation.on(UpdateStackCommand).rejects(new Error('Rate exceeded'));
    await expect(promote(approval(12), RECORDED, deps)).rejects.toThrow('Rate exceeded');
    expect(recordWrites().map((w) => w.Tags?.[0].Value)).toEqual([`10@1763800000000 12@${V12_APPROVED.getTime()}`, '10@1763800000000']);
  });

  it('writes no record in a dry run, and an empty record as "-"', async () => {
    givenPackage(12, { lastModified: V12_APPROVED });
    givenStack(11);
    givenRecord();
    expect((await promote(approval(12), { ...RECORDED, dryRun: true }, deps)).outcome).toBe(PromotionOutcome.DRY_RUN);
    expect(recordWrites()).toEqual([]);
    expect(formatRecord([])).toBe('');
    expect(parseRecord('-')).toEqual([]);
  });

  it(`keeps the last ${RECORD_SIZE} attempts, within a tag value's 256 characters`, () => {
    const attempts = Array.from({ length: RECORD_SIZE + 3 }, (_, i) => ({ version: 9_999_999_980 + i, approvedAt: 9_999_999_999_999 }));
    const value = formatRecord(attempts);
    expect(value.length).toBeLessThanOrEqual(256);
    expect(parseRecord(value)).toEqual(attempts.slice(3));
  });
});

describe('a busy stack: waiting, requeued until the deployment limit (issue 12, finding 11)', () => {
  /** A fake clock and sleep, and the requeues the function made of itself. */
  function harness(start = '2026-11-23T10:00:00Z') {
    let clock = Date.parse(start);
    const requeued: ModelPackageStateChangeEvent[] = [];
    return {
      deps: {
        ...deps,
        now: () => new Date(clock),
        sleep: async (ms: number) => { clock += ms; },
        requeue: async (event: ModelPackageStateChangeEvent) => { requeued.push(event); },
      },
      requeued,
      advance: (ms: number) => { clock += ms; },
      now: () => clock,
    };
  }
  const WAITING = { ...CONFIG, busyWaitSeconds: 600, deploymentWaitSeconds: 3900 };

  it('requeues the approval after busyWaitSeconds, carrying the deadline of its first delivery', async () => {
    givenPackage(4);
    givenStack(3, StackStatus.UPDATE_IN_PROGRESS);
    const h = harness();

    const result = await promote(approval(4), WAITING, h.deps);

    expect(result).toMatchObject({
      outcome: PromotionOutcome.WAITING,
      reason: 'stack FraudServing is UPDATE_IN_PROGRESS (waited 600 s): the approval is requeued to wait for it until 2026-11-23T11:05:00.000Z',
      deadline: '2026-11-23T11:05:00.000Z',
    });
    expect(h.requeued).toEqual([{ ...approval(4), 'cdk-mlops:promotion': { deadline: '2026-11-23T11:05:00.000Z', requeues: 1 } }]);
    expect(updates()).toEqual([]);
  });

  it('promotes a requeued approval once the stack is idle (v13 after v12\'s deployment: the newer ends serving)', async () => {
    givenPackage(13);
    givenStack(12);
    const h = harness();
    const requeuedEvent = { ...approval(13), 'cdk-mlops:promotion': { deadline: '2026-11-23T11:05:00.000Z', requeues: 2 } };
    const result = await promote(requeuedEvent, WAITING, h.deps);
    expect(result).toMatchObject({ outcome: PromotionOutcome.UPDATING, reason: 'stack FraudServing updating, promoting to version 13' });
  });

  it('fails with StackBusyError when the stack stays busy longer than the deployment limit (stubbed: moto finishes updates at once)', async () => {
    // GIVEN a stack busy for longer than the 3,900 s limit, and Lambda running each requeue at once
    givenPackage(4);
    givenStack(3, StackStatus.UPDATE_IN_PROGRESS);
    const h = harness();
    let event: ModelPackageStateChangeEvent = approval(4);
    const outcomes: string[] = [];

    // WHEN the approval and its requeues are handled until one fails
    let failure: unknown;
    for (let invocation = 0; invocation < 20 && failure === undefined; invocation++) {
      try {
        outcomes.push((await promote(event, WAITING, h.deps)).outcome);
        event = h.requeued[h.requeued.length - 1];
        h.advance(1_000); // Lambda picks the requeued event up
      } catch (e) {
        failure = e;
      }
    }

    // THEN it waited through 7 invocations (6 requeues) of up to 600 s, then gave up, never deploying
    expect(outcomes).toEqual(Array(6).fill(PromotionOutcome.WAITING));
    expect(h.requeued.map((e) => e['cdk-mlops:promotion'])).toEqual([1, 2, 3, 4, 5, 6].map((requeues) => ({ deadline: '2026-11-23T11:05:00.000Z', requeues })));
    expect(failure).toBeInstanceOf(StackBusyError);
    expect((failure as Error).message).toMatch(/^stack FraudServing is UPDATE_IN_PROGRESS \(waited \d+ s, deadline 2026-11-23T11:05:00.000Z passed\)/);
    expect(h.now()).toBeGreaterThanOrEqual(Date.parse('2026-11-23T11:05:00Z'));
    expect(updates()).toEqual([]);
  });

  it('without a requeue (or past the deadline) fails after busyWaitSeconds, as before', async () => {
    givenPackage(4);
    givenStack(3, StackStatus.UPDATE_IN_PROGRESS);
    const { requeue: _, ...withoutRequeue } = harness().deps;
    await expect(promote(approval(4), WAITING, withoutRequeue)).rejects.toThrow(StackBusyError);
  });
});

describe('the reconcile of an endpoint rollback: the stack records what serves (issue 12, finding 12)', () => {
  const KEY = 'cdk-mlops:promotion:FraudServing/FraudModelPackage';
  const GROUP_ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud';
  const RECONCILING = { ...CONFIG, recordTagKey: KEY, endpointNames: ['fraud-serving'] };
  const V12_APPROVED = new Date('2026-11-23T10:00:00.000Z');

  /** SageMaker's event of a blue/green deployment it rolled back: back in service, with a failure reason. */
  function rolledBack(endpointName = 'fraud-serving'): ModelPackageStateChangeEvent {
    return {
      'id': 'endpoint-event-1',
      'source': 'aws.sagemaker',
      'detail-type': 'SageMaker Endpoint State Change',
      'time': '2026-11-23T10:40:00Z',
      'resources': [`arn:aws:sagemaker:eu-west-1:123456789012:endpoint/${endpointName}`],
      'detail': { EndpointName: endpointName, EndpointStatus: 'IN_SERVICE', FailureReason: 'Deployment stopped: alarm fraud-Rollback-error-rate in ALARM' },
    };
  }

  /** The endpoint serving `version` (config and model as CloudFormation named them). */
  function givenEndpointServes(version: number, endpointName = 'fraud-serving'): void {
    sagemaker.on(DescribeEndpointCommand, { EndpointName: endpointName }).resolves({ EndpointName: endpointName, EndpointConfigName: `FraudConfig-v${version}`, EndpointStatus: 'InService' } as never);
    sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: `FraudConfig-v${version}` }).resolves({
      EndpointConfigName: `FraudConfig-v${version}`,
      ProductionVariants: [{ VariantName: 'primary', ModelName: `FraudModel-v${version}` }],
    } as never);
    sagemaker.on(DescribeModelCommand, { ModelName: `FraudModel-v${version}` }).resolves({ ModelName: `FraudModel-v${version}`, PrimaryContainer: { ModelPackageName: arn(version) } } as never);
  }
  const givenRecord = (value: string) => sagemaker.on(ListTagsCommand, { ResourceArn: GROUP_ARN }).resolves({ Tags: [{ Key: KEY, Value: value }] });
  const recordWrites = () => sagemaker.commandCalls(AddTagsCommand).map((c) => c.args[0].input);

  it('puts the parameter back to the version the endpoint serves when CloudFormation missed SageMaker\'s rollback', async () => {
    // GIVEN the stack names v12 (its update completed) but SageMaker rolled v12's deployment back to v11
    givenStack(12);
    givenEndpointServes(11);
    givenPackage(12, { lastModified: V12_APPROVED });
    givenRecord('10@1763800000000');

    const result = await reconcile(rolledBack(), RECONCILING, deps);

    expect(result).toMatchObject({
      outcome: PromotionOutcome.RECONCILED,
      endpointName: 'fraud-serving',
      modelPackageArn: arn(11),
      servingModelPackageVersion: 12,
    });
    expect(updates()).toEqual([{
      StackName: 'FraudServing',
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
        { ParameterKey: 'FraudModelPackage', ParameterValue: arn(11) },
        { ParameterKey: 'AlarmEmail', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      RoleARN: CFN_ROLE,
      DisableRollback: false,
    }]);
    // The refused approval is recorded as acted on: its repeated event is a DUPLICATE, not a redeploy.
    expect(recordWrites()).toEqual([{ ResourceArn: GROUP_ARN, Tags: [{ Key: KEY, Value: `10@1763800000000 12@${V12_APPROVED.getTime()}` }] }]);
    givenRecord(`10@1763800000000 12@${V12_APPROVED.getTime()}`);
    givenStack(11);
    expect(await promote(approval(12), RECONCILING, deps)).toMatchObject({ outcome: PromotionOutcome.DUPLICATE });
    // A new approval of v12 (rejected, then approved again) is deployed.
    givenPackage(12, { lastModified: new Date('2026-11-24T08:00:00Z') });
    expect(await promote(approval(12, { time: '2026-11-24T08:00:00Z' }), RECONCILING, deps)).toMatchObject({ outcome: PromotionOutcome.UPDATING });
  });

  it('does nothing when the stack rolled its update back itself', async () => {
    givenStack(11, StackStatus.UPDATE_ROLLBACK_COMPLETE);
    givenEndpointServes(11);
    const result = await reconcile(rolledBack(), RECONCILING, deps);
    expect(result).toMatchObject({ outcome: PromotionOutcome.IN_SYNC, reason: expect.stringContaining('rolled its update back itself') });
    expect(updates()).toEqual([]);
    expect(sagemaker.commandCalls(DescribeEndpointCommand)).toHaveLength(0);
  });

  it('does nothing when the stack names the version that serves', async () => {
    givenStack(11);
    givenEndpointServes(11);
    expect(await reconcile(rolledBack(), RECONCILING, deps)).toMatchObject({ outcome: PromotionOutcome.IN_SYNC });
    expect(updates()).toEqual([]);
    expect(recordWrites()).toEqual([]);
  });

  it('waits for a busy stack: requeued, as an approval is', async () => {
    givenStack(12, StackStatus.UPDATE_IN_PROGRESS);
    const requeued: ModelPackageStateChangeEvent[] = [];
    const result = await reconcile(rolledBack(), { ...RECONCILING, deploymentWaitSeconds: 3900 }, {
      ...deps, now: () => new Date('2026-11-23T10:40:00Z'), requeue: async (e) => { requeued.push(e); },
    });
    expect(result).toMatchObject({ outcome: PromotionOutcome.WAITING, reason: expect.stringContaining('the endpoint event is requeued') });
    expect(requeued).toEqual([{ ...rolledBack(), 'cdk-mlops:promotion': { deadline: '2026-11-23T11:45:00.000Z', requeues: 1 } }]);
    expect(updates()).toEqual([]);
  });

  it('ignores another endpoint\'s events', async () => {
    expect(await reconcile(rolledBack('other'), RECONCILING, deps)).toMatchObject({ outcome: PromotionOutcome.IGNORED });
    expect(cloudformation.calls()).toHaveLength(0);
  });

  it('fails, leaving the stack as it is, when what serves cannot be read (a config CloudFormation deleted)', async () => {
    givenStack(12);
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'fraud-serving', EndpointConfigName: 'FraudConfig-v11' } as never);
    sagemaker.on(DescribeEndpointConfigCommand).rejects(Object.assign(new Error('Could not find endpoint configuration'), { name: 'ValidationException' }));
    await expect(reconcile(rolledBack(), RECONCILING, deps)).rejects.toThrow(UnreconciledError);
    expect(updates()).toEqual([]);
  });

  it('the handler reconciles endpoint events and logs them', async () => {
    Object.assign(process.env, {
      STACK_NAME: 'FraudServing', PARAMETER_NAME: 'FraudModelPackage', MODEL_PACKAGE_GROUP_NAME: 'fraud', CLOUDFORMATION_ROLE_ARN: CFN_ROLE, ENDPOINT_NAMES: 'fraud-serving',
    });
    givenStack(12);
    givenEndpointServes(11);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect((await handler(rolledBack())).outcome).toBe(PromotionOutcome.RECONCILED);
      expect(JSON.parse(log.mock.calls[0][0])).toMatchObject({ message: 'model package promotion', outcome: 'RECONCILED', endpointName: 'fraud-serving', modelPackageVersion: 11 });
    } finally {
      log.mockRestore();
      for (const k of ['STACK_NAME', 'PARAMETER_NAME', 'MODEL_PACKAGE_GROUP_NAME', 'CLOUDFORMATION_ROLE_ARN', 'ENDPOINT_NAMES']) {
        delete process.env[k];
      }
    }
  });
});

describe('the requeue (an asynchronous Invoke of the function itself)', () => {
  it('posts the event to Lambda\'s Invoke API, SigV4-signed, as an Event invocation', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fetchStub = (async (url: URL, init: RequestInit) => {
      calls.push({ url: String(url), init });
      return new Response('', { status: 202 });
    }) as unknown as typeof fetch;
    const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });

    await requeueTo({ functionName: 'FraudPromotion', region: 'eu-west-1', endpoint: 'https://lambda.eu-west-1.amazonaws.com', credentials, fetch: fetchStub }, approval(4));

    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/FraudPromotion/invocations');
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers['x-amz-invocation-type']).toBe('Event');
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(String(calls[0].init.body))).toEqual(approval(4));
  });

  it('fails unless Lambda accepted the event, and finds Lambda\'s endpoint', async () => {
    const fetchStub = (async () => new Response('{"Message":"denied"}', { status: 403 })) as unknown as typeof fetch;
    const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
    await expect(requeueTo({ functionName: 'F', region: 'eu-west-1', endpoint: 'https://lambda.eu-west-1.amazonaws.com', credentials, fetch: fetchStub }, approval(4)))
      .rejects.toThrow('requeue: Lambda Invoke of F answered HTTP 403: {"Message":"denied"}');
    expect(lambdaEndpoint({}, 'eu-west-1')).toBe('https://lambda.eu-west-1.amazonaws.com');
    expect(lambdaEndpoint({}, 'cn-north-1')).toBe('https://lambda.cn-north-1.amazonaws.com.cn');
    expect(lambdaEndpoint({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, 'eu-west-1')).toBe('http://127.0.0.1:5000');
  });
});

describe('configuration', () => {
  it('names every missing or invalid variable at once', () => {
    expect(() => configFromEnv({
      MODEL_PACKAGE_GROUP_NAME: 'fraud_models',
      REQUIRED_LINEAGE_KEYS: 'a,,a',
      CLOUDFORMATION_ROLE_ARN: 'cdk-exec-role',
      ALLOW_ROLLBACK: 'yes',
      DRY_RUN: '1',
      BUSY_WAIT_SECONDS: '900',
      DEPLOYMENT_WAIT_SECONDS: '1.5',
      RECORD_TAG_KEY: 'a,b',
    })).toThrow(
      'promotion configuration: STACK_NAME must be set to a non-empty value; PARAMETER_NAME must be set to a non-empty value; ' +
      'MODEL_PACKAGE_GROUP_NAME must be a model package group name; got "fraud_models"; ' +
      'REQUIRED_LINEAGE_KEYS must be distinct comma-separated non-empty keys; got "a,,a"; ' +
      'CLOUDFORMATION_ROLE_ARN must be an IAM role ARN; got "cdk-exec-role"; ALLOW_ROLLBACK must be true or false; got "yes"; ' +
      'DRY_RUN must be true or false; got "1"; BUSY_WAIT_SECONDS must be a whole number of seconds from 0 to 780; got "900"; ' +
      'DEPLOYMENT_WAIT_SECONDS must be a whole number of seconds from 0 to 115200; got "1.5"; RECORD_TAG_KEY must be a SageMaker tag key; got "a,b"',
    );
  });

  it('defaults to the lineage contract, no rollback, no dry run and no wait', () => {
    expect(configFromEnv({ STACK_NAME: 'FraudServing', PARAMETER_NAME: 'FraudModelPackage', MODEL_PACKAGE_GROUP_NAME: 'fraud' })).toEqual({
      stackName: 'FraudServing',
      parameterName: 'FraudModelPackage',
      modelPackageGroupName: 'fraud',
      requiredLineageKeys: ['lineage:dataset-version', 'lineage:code-commit', 'lineage:feature-set-version', 'lineage:evaluation-report'],
      allowRollback: false,
      dryRun: false,
      busyWaitSeconds: 0,
    });
  });

  it('reads every setting, and an empty key list as none', () => {
    expect(configFromEnv({
      STACK_NAME: 'FraudServing',
      PARAMETER_NAME: 'FraudModelPackage',
      MODEL_PACKAGE_GROUP_NAME: 'fraud',
      REQUIRED_LINEAGE_KEYS: '',
      CLOUDFORMATION_ROLE_ARN: CFN_ROLE,
      ALLOW_ROLLBACK: 'true',
      DRY_RUN: 'true',
      BUSY_WAIT_SECONDS: '600',
      DEPLOYMENT_WAIT_SECONDS: '3900',
      RECORD_TAG_KEY: 'cdk-mlops:promotion:FraudServing/FraudModelPackage',
    })).toEqual({
      ...CONFIG,
      requiredLineageKeys: [],
      allowRollback: true,
      dryRun: true,
      busyWaitSeconds: 600,
      deploymentWaitSeconds: 3900,
      recordTagKey: 'cdk-mlops:promotion:FraudServing/FraudModelPackage',
    });
  });
});

describe('the Lambda handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });

  function environment(): void {
    Object.assign(process.env, {
      STACK_NAME: 'FraudServing',
      PARAMETER_NAME: 'FraudModelPackage',
      MODEL_PACKAGE_GROUP_NAME: 'fraud',
      CLOUDFORMATION_ROLE_ARN: CFN_ROLE,
    });
  }

  it('promotes from its environment and logs one JSON line of what happened', async () => {
    environment();
    givenPackage(4);
    givenStack(3);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);

    const result = await handler(approval(4));

    expect(result.outcome).toBe(PromotionOutcome.UPDATING);
    expect(log).toHaveBeenCalledTimes(1);
    expect(JSON.parse(log.mock.calls[0][0])).toMatchObject({
      message: 'model package promotion',
      eventId: 'event-4',
      stackName: 'FraudServing',
      parameterName: 'FraudModelPackage',
      dryRun: false,
      outcome: 'UPDATING',
      modelPackageArn: arn(4),
      modelPackageVersion: 4,
      servingModelPackageVersion: 3,
    });
  });

  it('logs one JSON line for a refusal too, then throws so the error alarm fires', async () => {
    environment();
    givenPackage(4, { metadata: {} });
    givenStack(3);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);

    await expect(handler(approval(4))).rejects.toThrow(PromotionRefusedError);

    expect(log).toHaveBeenCalledTimes(1);
    expect(JSON.parse(log.mock.calls[0][0])).toMatchObject({
      outcome: 'REFUSED',
      modelPackageArn: arn(4),
      error: expect.stringMatching(/^PromotionRefusedError: .* lacks lineage metadata lineage:dataset-version, /),
    });
  });

  it('names every missing variable before calling AWS', async () => {
    process.env = {};
    await expect(handler(approval(4))).rejects.toThrow(
      'promotion configuration: STACK_NAME must be set to a non-empty value; PARAMETER_NAME must be set to a non-empty value; MODEL_PACKAGE_GROUP_NAME must be set to a non-empty value',
    );
    expect(sagemaker.calls()).toHaveLength(0);
  });
});
