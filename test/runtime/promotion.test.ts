/**
 * The promotion on approval (lib/runtime/promotion) against aws-sdk-client-mock SageMaker and
 * CloudFormation clients: the mock checks what the handler sends (the exact UpdateStack request)
 * and feeds it what the services answer. What it cannot check is the services' behaviour (an
 * UpdateStack with the previous template really starting the blue/green deployment, rollbacks):
 * that needs an AWS account and is not tested here.
 */

import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  Stack,
  StackStatus,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageCommand, ModelApprovalStatus, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Lineage } from '../../lib/core/lineage';
import { configFromEnv, handler } from '../../lib/runtime/promotion/handler';
import {
  ModelPackageStateChangeEvent,
  PromotionConfig,
  PromotionOutcome,
  PromotionRefusedError,
  StackBusyError,
  promote,
} from '../../lib/runtime/promotion/promote';

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

function givenPackage(version: number, options: { status?: ModelApprovalStatus; metadata?: Record<string, string> } = {}): void {
  sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(version) }).resolves({
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
    await expect(run).rejects.toThrow('stack FraudServing is UPDATE_IN_PROGRESS (waited 0 s): CloudFormation rejects concurrent updates');
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

describe('configuration', () => {
  it('names every missing or invalid variable at once', () => {
    expect(() => configFromEnv({
      MODEL_PACKAGE_GROUP_NAME: 'fraud_models',
      REQUIRED_LINEAGE_KEYS: 'a,,a',
      CLOUDFORMATION_ROLE_ARN: 'cdk-exec-role',
      ALLOW_ROLLBACK: 'yes',
      DRY_RUN: '1',
      BUSY_WAIT_SECONDS: '900',
    })).toThrow(
      'promotion configuration: STACK_NAME must be set to a non-empty value; PARAMETER_NAME must be set to a non-empty value; ' +
      'MODEL_PACKAGE_GROUP_NAME must be a model package group name; got "fraud_models"; ' +
      'REQUIRED_LINEAGE_KEYS must be distinct comma-separated non-empty keys; got "a,,a"; ' +
      'CLOUDFORMATION_ROLE_ARN must be an IAM role ARN; got "cdk-exec-role"; ALLOW_ROLLBACK must be true or false; got "yes"; ' +
      'DRY_RUN must be true or false; got "1"; BUSY_WAIT_SECONDS must be a whole number of seconds from 0 to 780; got "900"',
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
    })).toEqual({ ...CONFIG, requiredLineageKeys: [], allowRollback: true, dryRun: true, busyWaitSeconds: 600 });
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
