/**
 * The topology of an `MlPlatform` (issue 15): one stack per model and one shared stack that holds
 * nothing per model, so that a platform grows by models without any template growing, a change to
 * one model touches only its stack, and an approval updates only its model's stack while another
 * model's stack is being updated.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CloudFormationClient, DescribeStacksCommand, StackStatus, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { AddTagsCommand, DescribeModelPackageCommand, ListTagsCommand, ModelApprovalStatus, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { Lineage } from '../../lib/core/lineage';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { configFromEnv } from '../../lib/runtime/promotion/handler';
import { PromotionOutcome, StackBusyError, promote } from '../../lib/runtime/promotion/promote';
import { ENV } from '../support/aws';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

/** The example spec with its model copied `n` times (m1 … mn), the i-th changed by `change`. */
function specOf(n: number, change?: { index: number; apply: (m: any) => void }): PlatformSpec {
  const spec = structuredClone(SPEC) as any;
  const model = spec.models[0];
  spec.models = Array.from({ length: n }, (_, i) => {
    const m = { ...structuredClone(model), name: `m${i + 1}` };
    if (change?.index === i) change.apply(m);
    return m;
  });
  return spec;
}

/** A platform placed directly in an App, and every template by stack name. */
function synth(spec: PlatformSpec): { platform: MlPlatform; templates: Record<string, any> } {
  const app = new App();
  const platform = new MlPlatform(app, 'Acme', { spec, env: ENV });
  const templates: Record<string, any> = {};
  for (const stack of app.node.findAll().filter(Stack.isStack)) {
    templates[stack.stackName] = Template.fromStack(stack).toJSON();
  }
  return { platform, templates };
}

describe('MlPlatform placed in an App: one shared stack and one stack per model', () => {
  const one = synth(specOf(1));
  const four = synth(specOf(4));

  it('names the stacks after the platform: <name>-shared and <name>-<model>', () => {
    expect(Object.keys(four.templates).sort()).toEqual(['acme-m1', 'acme-m2', 'acme-m3', 'acme-m4', 'acme-shared']);
    expect(four.platform.sharedStack.stackName).toBe('acme-shared');
    expect(four.platform.models.map((m) => [m.stackName, m.account, m.region, m.nested])).toEqual(
      [1, 2, 3, 4].map((i) => [`acme-m${i}`, ENV.account, ENV.region, false]));
  });

  it('holds nothing per model in the shared stack: its template is the same for one model and for four', () => {
    expect(four.templates['acme-shared']).toEqual(one.templates['acme-shared']);
    const shared = four.templates['acme-shared'];
    expect(Object.keys(shared.Resources)).toHaveLength(5);
    expect(Object.keys(shared.Parameters)).toEqual(['BootstrapVersion']);
    // What the models import: the alarm topic and the access-log bucket, whatever their number.
    expect(Object.keys(shared.Outputs)).toHaveLength(2);
  });

  it('gives every model a template of the same size, with its own served-version parameter', () => {
    const sizes = [1, 2, 3, 4].map((i) => Object.keys(four.templates[`acme-m${i}`].Resources).length);
    expect(new Set(sizes).size).toBe(1);
    expect(sizes[0]).toBe(Object.keys(one.templates['acme-m1'].Resources).length);
    for (const i of [1, 2, 3, 4]) {
      expect(Object.keys(four.templates[`acme-m${i}`].Parameters).sort()).toEqual(['BootstrapVersion', 'ModelPackageArn']);
      expect(four.templates[`acme-m${i}`].Outputs).toBeUndefined();
    }
  });

  it('makes each model\'s stack depend on the shared one only, never on another model\'s', () => {
    for (const model of four.platform.models) {
      expect(model.dependencies).toEqual([four.platform.sharedStack]);
    }
    expect(four.platform.sharedStack.dependencies).toEqual([]);
  });

  it('changes only m2\'s template when m2\'s spec changes (cdk deploy of that change touches one stack)', () => {
    const changed = synth(specOf(4, { index: 1, apply: (m) => { m.serving.canaryPercent = 25; } }));
    const differing = Object.keys(four.templates).filter((name) => JSON.stringify(four.templates[name]) !== JSON.stringify(changed.templates[name]));
    expect(differing).toEqual(['acme-m2']);
  });

  it('names the stacks after stackNamePrefix when given', () => {
    const app = new App();
    const platform = new MlPlatform(app, 'Acme', { spec: specOf(2), env: ENV, stackNamePrefix: 'prod-acme' });
    expect([platform.sharedStack, ...platform.models].map((s) => s.stackName)).toEqual(['prod-acme-shared', 'prod-acme-m1', 'prod-acme-m2']);
  });

  it('lets each model\'s promotion update its own stack, and no other', () => {
    for (const i of [1, 2, 3, 4]) {
      const template = four.templates[`acme-m${i}`];
      const statements = Object.values<any>(template.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .filter((s) => [s.Action].flat().includes('cloudformation:UpdateStack'));
      expect(statements).toHaveLength(1);
      // Its own stack, by id (the stack's own pseudo parameter), not a pattern that could match another's.
      expect(statements[0].Resource).toEqual({ Ref: 'AWS::StackId' });
    }
  });
});

describe('promotion of model A proceeds while model B\'s stack is updating', () => {
  const sagemaker = mockClient(SageMakerClient);
  const cloudformation = mockClient(CloudFormationClient);
  const deps = { sagemaker: new SageMakerClient({ region: ENV.region }), cloudformation: new CloudFormationClient({ region: ENV.region }) };
  const { templates } = synth(specOf(2));
  const LINEAGE = Lineage.toCustomerMetadata({
    datasetVersion: 'churn-2026-11-01', codeCommit: 'a'.repeat(40), featureSetVersion: 'fs-3', evaluationReportUri: 's3://acme-ml-models/churn/eval/8.json',
  });
  const arn = (group: string, version: number) => `arn:aws:sagemaker:${ENV.region}:${ENV.account}:model-package/${group}/${version}`;

  /** The promotion function's configuration, read from the synthesized template of a model's stack. */
  function configOf(stackName: string) {
    const fn = Object.values<any>(templates[stackName].Resources)
      .find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.STACK_NAME !== undefined);
    const variables: Record<string, string> = {};
    for (const [k, v] of Object.entries<any>(fn.Properties.Environment.Variables)) {
      // The CloudFormation role's ARN is an Fn::Sub of the partition: resolved as CloudFormation would.
      variables[k] = typeof v === 'string' ? v : String(v['Fn::Sub']).replace('${AWS::Partition}', 'aws');
    }
    return configFromEnv(variables);
  }

  function stackDescription(name: string, status: StackStatus, group: string) {
    return {
      StackName: name,
      StackId: `arn:aws:cloudformation:${ENV.region}:${ENV.account}:stack/${name}/0a1b2c3d-0000-0000-0000-000000000000`,
      StackStatus: status,
      CreationTime: new Date('2026-11-01T00:00:00Z'),
      LastUpdatedTime: new Date('2026-11-20T09:00:00Z'),
      Parameters: [
        { ParameterKey: 'ModelPackageArn', ParameterValue: arn(group, 7) },
        { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version', ResolvedValue: '30' },
      ],
    };
  }

  function approval(group: string, version: number) {
    return {
      'id': `event-${group}-${version}`,
      'source': 'aws.sagemaker',
      'detail-type': 'SageMaker Model Package State Change',
      'time': '2026-11-27T10:00:00Z',
      'resources': [arn(group, version)],
      'detail': { ModelPackageGroupName: group, ModelPackageArn: arn(group, version), ModelPackageVersion: version, ModelApprovalStatus: 'Approved' },
    };
  }

  beforeEach(() => {
    sagemaker.reset();
    cloudformation.reset();
    for (const group of ['acme-m1', 'acme-m2']) {
      sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(group, 8) }).resolves({
        ModelPackageGroupName: group,
        ModelPackageVersion: 8,
        ModelPackageArn: arn(group, 8),
        ModelApprovalStatus: ModelApprovalStatus.APPROVED,
        CustomerMetadataProperties: LINEAGE,
        LastModifiedTime: new Date('2026-11-27T09:59:00Z'),
      });
    }
    sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
    sagemaker.on(AddTagsCommand).resolves({});
    // Model B's (m2's) stack is being updated (a cdk deploy, or its own promotion); A's (m1's) is idle.
    cloudformation.on(DescribeStacksCommand, { StackName: 'acme-m1' }).resolves({ Stacks: [stackDescription('acme-m1', StackStatus.UPDATE_COMPLETE, 'acme-m1')] });
    cloudformation.on(DescribeStacksCommand, { StackName: 'acme-m2' }).resolves({ Stacks: [stackDescription('acme-m2', StackStatus.UPDATE_IN_PROGRESS, 'acme-m2')] });
    cloudformation.on(UpdateStackCommand).resolves({ StackId: 'updating' });
  });

  it('updates A\'s stack at once, without waiting, while B\'s approval waits for B\'s stack', async () => {
    const a = configOf('acme-m1');
    const b = configOf('acme-m2');
    expect([a.stackName, a.parameterName, a.modelPackageGroupName]).toEqual(['acme-m1', 'ModelPackageArn', 'acme-m1']);
    expect([b.stackName, b.parameterName, b.modelPackageGroupName]).toEqual(['acme-m2', 'ModelPackageArn', 'acme-m2']);
    const sleeps: number[] = [];
    let clock = Date.parse('2026-11-27T10:00:05Z');
    const timed = { ...deps, now: () => new Date(clock), sleep: async (ms: number) => { sleeps.push(ms); clock += ms; } };

    // A: promoted at once, though B's stack is busy (the configuration's own wait is untouched).
    const resultA = await promote(approval('acme-m1', 8), a, timed);
    expect(resultA.outcome).toBe(PromotionOutcome.UPDATING);
    expect(sleeps).toEqual([]);
    const updated = cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input);
    expect(updated.map((u) => [u.StackName, u.Parameters?.find((p) => p.ParameterKey === 'ModelPackageArn')?.ParameterValue]))
      .toEqual([['acme-m1', arn('acme-m1', 8)]]);
    expect(cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual(['acme-m1']);

    // B: its own stack is busy; without a requeue and with no time left it fails to be retried.
    await expect(promote(approval('acme-m2', 8), { ...b, busyWaitSeconds: 0 }, timed)).rejects.toThrow(StackBusyError);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(1);
  });
});
