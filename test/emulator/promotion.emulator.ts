/**
 * The promotion's shipped handler (assets/promotion/index.js) against moto's server: SageMaker model
 * package groups and packages (CreateModelPackage, UpdateModelPackage, DescribeModelPackage,
 * AddTags/ListTags on the group) and a CloudFormation stack with the model package parameter
 * (DescribeStacks, UpdateStack with the previous template), all as moto implements them.
 *
 * Run by scripts/promotion-emulator.sh (a step of scripts/validate.sh), which bundles the runtime,
 * starts `moto_server` on 127.0.0.1 and passes its URL as AWS_ENDPOINT_URL. The handler talks to a
 * small proxy in this process that forwards every request to moto, with two exceptions moto cannot
 * play: a stack that stays busy (moto finishes every update at once, so while `busy` is set the
 * proxy reports DescribeStacks' StackStatus as UPDATE_IN_PROGRESS) and Lambda's asynchronous queue
 * (moto's Lambda runs functions in Docker: the proxy answers the requeue's Invoke with 202 and
 * keeps the event, which this test then hands to the handler as Lambda would). What a rollback
 * leaves is played by an UpdateStack back to the old version (what CloudFormation's rollback of
 * the parameter does). Not a vitest file: test/runtime/promotion.test.ts covers the decisions with
 * mocked clients; this shows the same handler on the wire. Assertions are node:assert (strict).
 *
 * Scenarios (issue 12, findings 10 and 11):
 * 1. a duplicate approval event after a rollback is a no-op; a new approval of the same version
 *    (rejected, then approved again) is promoted;
 * 2. two approvals racing (v13 and v14 close together, in either order): the newer ends serving,
 *    never the older after it, even when the newer one was rolled back;
 * 3. a stack busy longer than the deployment limit: requeued while the deadline holds, then a
 *    StackBusyError (Lambda retries, then the dead-letter queue); a redrive once idle promotes.
 * 4. SageMaker rolled a deployment back and CloudFormation did not notice (finding 12): the endpoint's
 *    rollback event puts the stack's parameter back to the version the endpoint serves (read through
 *    moto's DescribeEndpoint, DescribeEndpointConfig and DescribeModel), and the refused approval's
 *    repeated event is a duplicate; a stack that rolled back itself is left alone; a busy stack is
 *    waited for (requeued). moto has no UpdateEndpoint, so the "rolled back" endpoint is one created
 *    on the old version's config that the stack update never touched (the serving stack here holds
 *    only the parameter): what SageMaker's auto-rollback leaves. moto cannot fail a stack update
 *    either, so UPDATE_ROLLBACK_COMPLETE is reported by the proxy, as the busy status is.
 *
 * 5. two models, each with its own stack (issue 15): model A's approval updates A's stack at once
 *    while model B's stack is being updated; B's approval waits for B's stack only.
 *
 * Run: `bash scripts/promotion-emulator.sh` (after `bash scripts/install-emulator.sh`).
 * `PROMOTION_BUNDLE=<file>` runs another build of the handler (e.g. an older one, to see a finding).
 */

import { strict as assert } from 'assert';
import { createServer, IncomingMessage, request as httpRequest, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  ListTagsCommand,
  ModelApprovalStatus,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { Lineage } from '../../lib/core/lineage';
import type { ModelPackageStateChangeEvent, PromotionResult } from '../../lib/runtime/promotion/promote';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.resolve(process.env.PROMOTION_BUNDLE ?? path.join(ROOT, 'assets', 'promotion', 'index.js'));

// Never run against real AWS: only a loopback emulator.
const MOTO = process.env.AWS_ENDPOINT_URL ?? '';
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(MOTO)) {
  console.error(`promotion emulator: AWS_ENDPOINT_URL must be a loopback emulator (http://127.0.0.1:<port>); got ${JSON.stringify(MOTO)}. Run through scripts/promotion-emulator.sh.`);
  process.exit(2);
}

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const GROUP = 'fraud';
const STACK = 'FraudServing';
const PARAMETER = 'FraudModelPackage';
const RECORD_TAG_KEY = `cdk-mlops:promotion:${STACK}/${PARAMETER}`;
const FUNCTION_NAME = 'FraudPromotion';
const arn = (version: number) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/${version}`;
const GROUP_ARN = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/${GROUP}`;
const LINEAGE = Lineage.toCustomerMetadata({
  datasetVersion: 'fraud-2026-11-01',
  codeCommit: 'a'.repeat(40),
  featureSetVersion: 'fs-7',
  evaluationReportUri: 's3://acme-ml-models/fraud/eval/7.json',
});

/** The serving stack: the model package parameter, served as the value of an SSM parameter (a type moto creates). */
const TEMPLATE = JSON.stringify({
  Parameters: {
    [PARAMETER]: { Type: 'String', AllowedPattern: `^arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/[1-9][0-9]*$` },
    AlarmEmail: { Type: 'String', Default: 'oncall@example.com' },
  },
  Resources: {
    Served: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/fraud/served-model-package', Type: 'String', Value: { Ref: PARAMETER } } },
  },
});

// ---------------------------------------------------------------------------------------------
// The proxy between the handler and moto: busy stacks and Lambda's asynchronous queue.

let busy = false;
/** Stacks reported busy whatever `busy` says (scenario 5: another model's stack being updated). */
const busyStacks = new Set<string>();
/** A status the proxy reports for the stack instead of moto's (a stack that rolled an update back). */
let statusOverride: string | undefined;
let updateStackCalls = 0;
const requeued: ModelPackageStateChangeEvent[] = [];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
  if (invoke) {
    assert.equal(decodeURIComponent(invoke[1]), FUNCTION_NAME, 'the requeue invokes the function itself');
    assert.equal(req.headers['x-amz-invocation-type'], 'Event', 'the requeue is asynchronous');
    assert.match(String(req.headers.authorization), /^AWS4-HMAC-SHA256 Credential=emulator\/\d{8}\/eu-west-1\/lambda\/aws4_request, /, 'the requeue is SigV4-signed for Lambda');
    requeued.push(JSON.parse(body.toString('utf-8')));
    res.writeHead(202, { 'content-type': 'application/json' }).end('');
    return;
  }
  const target = new URL(req.url ?? '/', MOTO);
  const describeStacks = /(^|&)Action=DescribeStacks(&|$)/.test(body.toString('utf-8'));
  if (/(^|&)Action=UpdateStack(&|$)/.test(body.toString('utf-8'))) {
    updateStackCalls += 1;
  }
  const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    void readBody(answer).then((data) => {
      let out = data;
      const named = /(^|&)StackName=([^&]*)/.exec(body.toString('utf-8'))?.[2];
      const busyHere = busy || (named !== undefined && busyStacks.has(decodeURIComponent(named)));
      if ((busyHere || statusOverride !== undefined) && describeStacks) {
        const status = busyHere ? 'UPDATE_IN_PROGRESS' : statusOverride;
        out = Buffer.from(data.toString('utf-8').replace(/<StackStatus>[A-Z_]+<\/StackStatus>/g, `<StackStatus>${status}</StackStatus>`));
      }
      const headers = { ...answer.headers, 'content-length': String(out.length) };
      res.writeHead(answer.statusCode ?? 500, headers).end(out);
    });
  });
  upstream.on('error', (e) => res.writeHead(502).end(String(e)));
  upstream.end(body);
}

// ---------------------------------------------------------------------------------------------
// The scenario's AWS side, straight to moto.

const sagemaker = new SageMakerClient({ region: REGION, endpoint: MOTO });
const cloudformation = new CloudFormationClient({ region: REGION, endpoint: MOTO });

async function setApproval(version: number, status: ModelApprovalStatus): Promise<void> {
  await sagemaker.send(new UpdateModelPackageCommand({
    ModelPackageArn: arn(version), ModelApprovalStatus: status, CustomerMetadataProperties: LINEAGE,
  }));
}

let eventCount = 0;

/** The "SageMaker Model Package State Change" event of the package as it is now (what EventBridge delivers). */
async function stateChangeEvent(version: number, group = GROUP, arnOf: (version: number) => string = arn): Promise<ModelPackageStateChangeEvent> {
  const pkg = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arnOf(version) }));
  eventCount += 1;
  return {
    'id': `00000000-0000-0000-0000-${String(eventCount).padStart(12, '0')}`,
    'source': 'aws.sagemaker',
    'detail-type': 'SageMaker Model Package State Change',
    'time': new Date().toISOString(),
    'resources': [arnOf(version)],
    'detail': { ModelPackageGroupName: group, ModelPackageArn: pkg.ModelPackageArn, ModelPackageVersion: pkg.ModelPackageVersion, ModelApprovalStatus: pkg.ModelApprovalStatus },
  };
}

/** Approve a version and return its event. */
async function approve(version: number): Promise<ModelPackageStateChangeEvent> {
  await setApproval(version, ModelApprovalStatus.APPROVED);
  return stateChangeEvent(version);
}

/** The same state change delivered again: SageMaker's repeated event (a new id and time, the same package state). */
function again(event: ModelPackageStateChangeEvent): ModelPackageStateChangeEvent {
  eventCount += 1;
  return { ...event, id: `00000000-0000-0000-0000-${String(eventCount).padStart(12, '0')}`, time: new Date().toISOString() };
}

async function servedVersion(): Promise<number> {
  const out = await cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
  const value = out.Stacks?.[0]?.Parameters?.find((p) => p.ParameterKey === PARAMETER)?.ParameterValue ?? '';
  return Number(value.split('/').pop());
}

/** What CloudFormation's rollback of a failed deployment leaves: the stack naming the old version again. */
async function rollBackTo(version: number): Promise<void> {
  await cloudformation.send(new UpdateStackCommand({
    StackName: STACK,
    UsePreviousTemplate: true,
    Parameters: [{ ParameterKey: PARAMETER, ParameterValue: arn(version) }, { ParameterKey: 'AlarmEmail', UsePreviousValue: true }],
  }));
  assert.equal(await servedVersion(), version);
}

async function record(): Promise<string | undefined> {
  const tags = (await sagemaker.send(new ListTagsCommand({ ResourceArn: GROUP_ARN }))).Tags ?? [];
  return tags.filter((t) => t.Key === RECORD_TAG_KEY).pop()?.Value;
}

// ---------------------------------------------------------------------------------------------
// The handler, as Lambda runs it.

type Handler = (event: ModelPackageStateChangeEvent) => Promise<PromotionResult>;
let handler: Handler;

async function run(event: ModelPackageStateChangeEvent): Promise<PromotionResult> {
  const log = console.log;
  console.log = () => undefined; // the handler's JSON line; the result is checked instead
  try {
    return await handler(event);
  } finally {
    console.log = log;
  }
}

async function expectOutcome(event: ModelPackageStateChangeEvent, outcome: string, reason: RegExp, what: string): Promise<PromotionResult> {
  const result = await run(event);
  assert.equal(result.outcome, outcome, `${what}: expected ${outcome}, got ${result.outcome}: ${result.reason}`);
  assert.match(result.reason, reason, what);
  console.log(`  ok  ${what}: ${result.outcome} (${result.reason})`);
  return result;
}

/** The one requeued event (what Lambda's asynchronous queue would run next). */
function takeRequeued(): ModelPackageStateChangeEvent {
  assert.equal(requeued.length, 1, 'exactly one requeue');
  return requeued.pop()!;
}

// ---------------------------------------------------------------------------------------------

async function duplicateAfterRollback(): Promise<void> {
  console.log('1. a repeated approval event after a rollback');
  const e12 = await approve(12);
  await expectOutcome(e12, 'UPDATING', /promoting to version 12$/, 'v12 approved while v11 serves');
  assert.equal(await servedVersion(), 12);
  await rollBackTo(11);
  await expectOutcome(e12, 'DUPLICATE', /version 12 approved at .* was acted on already/, 'the same event redelivered after the rollback');
  await expectOutcome(again(e12), 'DUPLICATE', /acted on already/, 'SageMaker\'s repeated event of the same approval');
  assert.equal(await servedVersion(), 11, 'the rolled-back version is not deployed again');
  await setApproval(12, ModelApprovalStatus.REJECTED);
  await new Promise((resolve) => setTimeout(resolve, 20)); // a later LastModifiedTime
  const reapproved = await approve(12);
  await expectOutcome(reapproved, 'UPDATING', /promoting to version 12$/, 'v12 rejected, then approved again (a new approval)');
  assert.equal(await servedVersion(), 12);
  assert.match((await record()) ?? '', /^12@\d+ 12@\d+$/, 'the record holds both approvals of v12');
}

async function racingApprovals(): Promise<void> {
  console.log('2. two approvals racing');
  // v13 first, v14 a moment later; v13's deployment is in progress when v14's event arrives.
  const e13 = await approve(13);
  const e14 = await approve(14);
  await expectOutcome(e13, 'UPDATING', /promoting to version 13$/, 'v13 first');
  busy = true;
  await expectOutcome(e14, 'WAITING', /UPDATE_IN_PROGRESS .*requeued to wait for it until /, 'v14 while v13 deploys');
  const e14requeued = takeRequeued();
  busy = false;
  await expectOutcome(e14requeued, 'UPDATING', /promoting to version 14$/, 'v14 requeued, v13 deployed');
  await expectOutcome(again(e13), 'DUPLICATE', /acted on already/, 'v13\'s event again after v14');
  assert.equal(await servedVersion(), 14, 'v14 ends serving');

  // The other order: v16's event is handled before v15's.
  const e15 = await approve(15);
  const e16 = await approve(16);
  await expectOutcome(e16, 'UPDATING', /promoting to version 16$/, 'v16 handled first');
  await expectOutcome(e15, 'IGNORED', /overtaken: version 16 was approved after version 15/, 'v15 handled after v16');
  assert.equal(await servedVersion(), 16, 'v16 serves, never v15 after it');
  // v16 rolled back: v15's late event still does not deploy v15 after v16.
  await rollBackTo(14);
  await expectOutcome(again(e15), 'IGNORED', /overtaken/, 'v15\'s event after v16 was rolled back');
  assert.equal(await servedVersion(), 14);
}

async function busyLongerThanTheLimit(): Promise<void> {
  console.log('3. a stack busy longer than the deployment limit');
  process.env.DEPLOYMENT_WAIT_SECONDS = '1';
  try {
    const e17 = await approve(17);
    busy = true;
    const waiting = await expectOutcome(e17, 'WAITING', /requeued/, 'v17 while the stack is busy');
    const e17requeued = takeRequeued();
    assert.equal(e17requeued['cdk-mlops:promotion']?.deadline, waiting.deadline, 'the requeue carries the first delivery\'s deadline');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await assert.rejects(run(e17requeued), (e: Error) => e.name === 'StackBusyError' && /deadline .* passed/.test(e.message), 'after the deadline: StackBusyError');
    assert.equal(requeued.length, 0, 'no requeue after the deadline');
    console.log('  ok  v17 after the deadline: StackBusyError (Lambda retries, then the dead-letter queue)');
    assert.equal(await servedVersion(), 14);
    busy = false;
    await expectOutcome(e17requeued, 'UPDATING', /promoting to version 17$/, 'the dead-lettered event redriven once the stack is idle');
    assert.equal(await servedVersion(), 17);
  } finally {
    process.env.DEPLOYMENT_WAIT_SECONDS = '3600';
  }
}

const ENDPOINT = 'fraud-serving';

/** A model and endpoint config serving `version` (as CloudFormation would make them from the parameter). */
async function servingConfig(version: number): Promise<string> {
  await sagemaker.send(new CreateModelCommand({
    ModelName: `FraudModel-v${version}`,
    ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/fraud-endpoint`,
    PrimaryContainer: { ModelPackageName: arn(version) },
  }));
  await sagemaker.send(new CreateEndpointConfigCommand({
    EndpointConfigName: `FraudConfig-v${version}`,
    ProductionVariants: [{ VariantName: 'primary', ModelName: `FraudModel-v${version}`, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
  }));
  return `FraudConfig-v${version}`;
}

/** SageMaker's event of a blue/green deployment it rolled back: the endpoint in service again, with a failure reason. */
function endpointRolledBack(): ModelPackageStateChangeEvent {
  eventCount += 1;
  return {
    'id': `00000000-0000-0000-0000-${String(eventCount).padStart(12, '0')}`,
    'source': 'aws.sagemaker',
    'detail-type': 'SageMaker Endpoint State Change',
    'time': new Date().toISOString(),
    'resources': [`arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${ENDPOINT}`],
    'detail': { EndpointName: ENDPOINT, EndpointStatus: 'IN_SERVICE', FailureReason: 'Deployment stopped: alarm fraud-Rollback-error-rate in ALARM' },
  };
}

async function rollbackMissedByCloudFormation(): Promise<void> {
  console.log('4. SageMaker rolled a deployment back, CloudFormation did not notice');
  // The endpoint serves v17 (what the stack names after scenario 3); v18's deployment is rolled back by SageMaker.
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: await servingConfig(17) }));
  await servingConfig(18);
  const e18 = await approve(18);
  await expectOutcome(e18, 'UPDATING', /promoting to version 18$/, 'v18 approved while v17 serves');
  assert.equal(await servedVersion(), 18, 'the stack update completed: the stack names v18');
  // ... while the endpoint still serves v17's config (SageMaker's auto-rollback).
  const rollback = endpointRolledBack();

  // A busy stack first: the endpoint event waits, requeued.
  busy = true;
  await expectOutcome(rollback, 'WAITING', /the endpoint event is requeued/, 'the rollback event while the stack is busy');
  const requeuedRollback = takeRequeued();
  busy = false;

  // A stack that rolled its update back itself: nothing to do.
  statusOverride = 'UPDATE_ROLLBACK_COMPLETE';
  const before = updateStackCalls;
  await expectOutcome(endpointRolledBack(), 'IN_SYNC', /rolled its update back itself/, 'the rollback event when the stack rolled back itself');
  assert.equal(updateStackCalls, before, 'no stack update');
  statusOverride = undefined;

  // The stack completed the update CloudFormation thought succeeded: put back to what serves.
  const reconciled = await expectOutcome(requeuedRollback, 'RECONCILED', /endpoint fraud-serving serves version 17 but stack FraudServing named version 18/, 'the requeued rollback event once the stack is idle');
  assert.equal(reconciled.modelPackageArn, arn(17));
  assert.equal(await servedVersion(), 17, 'the parameter is back to the version the endpoint serves');
  await expectOutcome(again(e18), 'DUPLICATE', /acted on already/, 'v18\'s approval event again after the reconcile');
  assert.equal(await servedVersion(), 17, 'the refused version is not deployed again');
  await expectOutcome(endpointRolledBack(), 'IN_SYNC', /names version 17, which endpoint fraud-serving serves/, 'the rollback event again');
}

/**
 * Scenario 5: a second model (churn) with its own group and its own stack, as `MlPlatform` deploys
 * each model (issue 15). The fraud stack is being updated (a deploy of that model); an approval of
 * churn is promoted at once by churn's function (its own STACK_NAME), and churn's stack serves it;
 * fraud's approval waits for fraud's stack.
 */
async function promotionsInParallel(): Promise<void> {
  console.log('5. two models, two stacks: A promoted while B\'s stack is updating');
  const churn = (version: number) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/churn/${version}`;
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn' }));
  for (let v = 1; v <= 2; v++) {
    await sagemaker.send(new CreateModelPackageCommand({
      ModelPackageGroupName: 'churn',
      ModelApprovalStatus: ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
      CustomerMetadataProperties: LINEAGE,
      InferenceSpecification: { Containers: [{ Image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/churn:${v}` }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
    }));
  }
  const approveChurn = (version: number) => sagemaker.send(new UpdateModelPackageCommand({
    ModelPackageArn: churn(version), ModelApprovalStatus: ModelApprovalStatus.APPROVED, CustomerMetadataProperties: LINEAGE,
  }));
  await approveChurn(1);
  const template = JSON.stringify({
    Parameters: { ModelPackageArn: { Type: 'String' } },
    Resources: { Served: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/churn/served-model-package', Type: 'String', Value: { Ref: 'ModelPackageArn' } } } },
  });
  await cloudformation.send(new CreateStackCommand({
    StackName: 'ChurnServing', TemplateBody: template, Parameters: [{ ParameterKey: 'ModelPackageArn', ParameterValue: churn(1) }],
  }));
  const churnServes = async () => (await cloudformation.send(new DescribeStacksCommand({ StackName: 'ChurnServing' })))
    .Stacks?.[0]?.Parameters?.find((p) => p.ParameterKey === 'ModelPackageArn')?.ParameterValue;

  busyStacks.add(STACK);
  const keys = ['STACK_NAME', 'PARAMETER_NAME', 'MODEL_PACKAGE_GROUP_NAME', 'RECORD_TAG_KEY', 'ENDPOINT_NAMES'];
  const fraudEnv = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  try {
    // Churn's function: its own stack, parameter, group and record.
    Object.assign(process.env, {
      STACK_NAME: 'ChurnServing',
      PARAMETER_NAME: 'ModelPackageArn',
      MODEL_PACKAGE_GROUP_NAME: 'churn',
      RECORD_TAG_KEY: 'cdk-mlops:promotion:ChurnServing/ModelPackageArn',
      ENDPOINT_NAMES: 'churn-serving',
    });
    await approveChurn(2);
    const churnApproval = await stateChangeEvent(2, 'churn', churn);
    const started = Date.now();
    await expectOutcome(churnApproval, 'UPDATING', /promoting to version 2$/, 'churn v2 approved while the fraud stack is UPDATE_IN_PROGRESS');
    assert.ok(Date.now() - started < 10_000, 'churn\'s promotion did not wait for fraud\'s stack');
    assert.equal(await churnServes(), churn(2), 'churn\'s stack serves v2');
    assert.equal(requeued.length, 0, 'nothing requeued for churn');

    // Fraud's function: its stack is busy, so its approval waits (requeued), whatever churn does.
    Object.assign(process.env, fraudEnv);
    const served = await servedVersion();
    const next = await approve(served === 18 ? 17 : 18);
    const waiting = await run(next);
    assert.equal(waiting.outcome, 'WAITING', `fraud's approval while its own stack is busy: ${waiting.reason}`);
    console.log(`  ok  fraud's approval while its own stack is busy: WAITING (${waiting.reason})`);
    requeued.length = 0;
  } finally {
    busyStacks.clear();
    Object.assign(process.env, fraudEnv);
  }
}

async function main(): Promise<void> {
  const server = createServer((req, res) => void proxy(req, res).catch((e) => res.writeHead(500).end(String(e))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
    for (let v = 1; v <= 18; v++) {
      await sagemaker.send(new CreateModelPackageCommand({
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
        CustomerMetadataProperties: LINEAGE,
        InferenceSpecification: { Containers: [{ Image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/fraud:${v}` }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
      }));
    }
    await setApproval(11, ModelApprovalStatus.APPROVED);
    await cloudformation.send(new CreateStackCommand({ StackName: STACK, TemplateBody: TEMPLATE, Parameters: [{ ParameterKey: PARAMETER, ParameterValue: arn(11) }, { ParameterKey: 'AlarmEmail', ParameterValue: 'oncall@example.com' }] }));
    assert.equal(await servedVersion(), 11);

    Object.assign(process.env, {
      AWS_ENDPOINT_URL: proxyUrl,
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      STACK_NAME: STACK,
      PARAMETER_NAME: PARAMETER,
      MODEL_PACKAGE_GROUP_NAME: GROUP,
      CLOUDFORMATION_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`,
      BUSY_WAIT_SECONDS: '0',
      DEPLOYMENT_WAIT_SECONDS: '3600',
      RECORD_TAG_KEY,
      ENDPOINT_NAMES: ENDPOINT,
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require(BUNDLE).handler;
    console.log(`promotion emulator: ${path.relative(ROOT, BUNDLE)} against moto (${MOTO}) through ${proxyUrl}`);

    await duplicateAfterRollback();
    await racingApprovals();
    await busyLongerThanTheLimit();
    await rollbackMissedByCloudFormation();
    await promotionsInParallel();
    console.log('promotion emulator: 5 scenarios passed');
  } finally {
    server.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
