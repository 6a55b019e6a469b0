import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import type { z } from 'zod';
import { DriftReference } from '../../lib/core/drift-reference';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { platformSpecSchema } from '../../lib/core/schemas/platform';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { ENV, expectValidationError } from '../support/aws';
import { HAS_EMULATOR, eventBridgeMatches, stackStatusSample, withDeployedValue } from '../support/event-pattern';

const SPEC_FILE = path.join(__dirname, '..', '..', 'examples', 'platform.yaml');
const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(SPEC_FILE, 'utf-8'));

// The TypeScript interfaces and the schema describe the same document.
const parsedIsSpec: PlatformSpec = {} as z.infer<typeof platformSpecSchema>;
void parsedIsSpec;

/** The platform's (shared) stack (`root`) and its first model's stack (`t`). */
function build(spec: PlatformSpec = SPEC): { stack: Stack; platform: MlPlatform; t: Template; root: Template } {
  const stack = new Stack(new App(), 'PlatformStack', { env: ENV });
  const platform = new MlPlatform(stack, 'Platform', { spec });
  return { stack, platform, t: Template.fromStack(platform.models[0]), root: Template.fromStack(stack) };
}

/** The example spec with one model changed. */
function withModel(change: (m: any) => void): PlatformSpec {
  const spec = structuredClone(SPEC) as any;
  change(spec.models[0]);
  return spec;
}

describe('MlPlatform', () => {
  describe('the example spec (examples/platform.yaml)', () => {
    let t: Template;
    let root: Template;
    let platform: MlPlatform;
    beforeAll(() => {
      ({ t, root, platform } = build());
    });

    it('puts each model in a stack of its own and what the models share in the platform\'s stack', () => {
      root.resourceCountIs('AWS::CloudFormation::Stack', 0);
      root.resourceCountIs('AWS::SageMaker::Endpoint', 0);
      expect(Object.keys(root.toJSON().Resources).sort()).toEqual([
        'PlatformAccessLogs397E9FDE', 'PlatformAccessLogsPolicy6089FE55', 'PlatformAlarmsAAC0FDCC', 'PlatformAlarmsKeyFF3C1402', 'PlatformAlarmsPolicy85317A0D',
      ]);
      t.resourceCountIs('AWS::SageMaker::Endpoint', 1);
      // Every feature of the spec (serving, training, drift, experiment, SLO, batch scoring with its drift
      // monitor, budget) in one model stack: far under CloudFormation's 500 resources.
      expect(Object.keys(t.toJSON().Resources).length).toBeLessThan(200);
      const model = platform.models[0];
      expect(model.nested).toBe(false);
      expect(model.stackName).toBe('PlatformStack-churn');
      // The model's stack depends on the shared one (its exports), never the other way round.
      expect(model.dependencies).toEqual([platform.sharedStack]);
      expect(platform.sharedStack.dependencies).toEqual([]);
    });

    it('creates the registry, the pipeline, the endpoint and the drift monitor of each model, named after the platform', () => {
      t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: 'acme-churn' });
      t.hasResourceProperties('AWS::SageMaker::Pipeline', { PipelineName: 'acme-churn-training' });
      t.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'acme-churn' });
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ ENDPOINT_NAME: 'acme-churn', BASELINE_BUCKET: 'acme-ml-baselines', BASELINE_KEY: 'churn/v7/baseline.json', REFERENCE: 'ROLLING_WINDOW' }) },
      });
      expect(platform.models.map((m) => m.modelName)).toEqual(['churn']);
    });

    it('serves the initial approved version through a canary of one of its two instances that rolls back on its alarms', () => {
      // The version served is a parameter of the model's own stack; the shared stack has none.
      t.hasParameter('ModelPackageArn', {
        Type: 'String',
        Default: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/acme-churn/7',
        AllowedPattern: Match.stringLikeRegexp(':model-package/'),
      });
      expect(Object.keys(root.toJSON().Parameters)).toEqual(['BootstrapVersion']);
      t.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelPackageName: { Ref: 'ModelPackageArn' } } });
      const endpoint = Object.values<any>(t.findResources('AWS::SageMaker::Endpoint'))[0].Properties;
      expect(endpoint.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toMatchObject({
        Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 50 }, WaitIntervalInSeconds: 900,
      });
      // 5xx rate, p99 and the SLO's two burn-rate triggers (canaryBurnRate) of each serving variant:
      // primary and (the example's experiment) challenger.
      expect(endpoint.DeploymentConfig.AutoRollbackConfiguration.Alarms).toHaveLength(8);
    });

    it('deploys each approved version by updating its model stack\'s parameter (approval → canary)', () => {
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ STACK_NAME: 'PlatformStack-churn', PARAMETER_NAME: 'ModelPackageArn', MODEL_PACKAGE_GROUP_NAME: 'acme-churn' }) },
      });
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({
          'detail-type': ['SageMaker Model Package State Change'],
          'detail': Match.objectLike({ ModelPackageGroupName: ['acme-churn'], ModelApprovalStatus: ['Approved'] }),
        }),
      });
      expect(platform.models[0].promotion.errorAlarm).toBeDefined();
    });

    it('retrains weekly and on sustained drift', () => {
      t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 2 ? * MON *)' });
      const composite = Object.keys(t.findResources('AWS::CloudWatch::CompositeAlarm'))[0];
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ 'resources': [{ 'Fn::GetAtt': [composite, 'Arn'] }], 'detail-type': ['CloudWatch Alarm State Change'] }),
        Targets: [Match.objectLike({ Arn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':pipeline/acme-churn-training$')])] } })],
      });
    });

    it('gives every alarm an owner and a runbook, and says what each does', () => {
      const alarms = platform.alarms();
      expect(alarms.length).toBeGreaterThan(10);
      for (const a of alarms) {
        expect(a.owner, a.path).toBe('churn-ml-oncall');
        expect(a.runbookUrl, a.path).toBe('https://runbooks.example.com/ml/churn');
        expect(a.summary, a.path).not.toBe('');
      }
      const byAction = (text: string) => alarms.filter((a) => a.action.includes(text)).map((a) => a.summary);
      expect(byAction('rolls back')).toEqual([
        "Rolls back deployments of acme-churn: error-rate of the primary variant's new fleet > 1%",
        "Rolls back deployments of acme-churn: p99-latency of the primary variant's new fleet > 250 ms",
        "Rolls back deployments of acme-churn: burn-availability of the primary variant's new fleet > 5%",
        "Rolls back deployments of acme-churn: burn-latency of the primary variant's new fleet > 10% (share of requests slower than 250 ms)",
        "Rolls back deployments of acme-churn: error-rate of the challenger variant's new fleet > 1%",
        "Rolls back deployments of acme-churn: p99-latency of the challenger variant's new fleet > 250 ms",
        "Rolls back deployments of acme-churn: burn-availability of the challenger variant's new fleet > 5%",
        "Rolls back deployments of acme-churn: burn-latency of the challenger variant's new fleet > 10% (share of requests slower than 250 ms)",
      ]);
      expect(byAction('starts the training pipeline acme-churn-training')).toEqual([
        'Sustained drift on acme-churn: retrain (the training pipeline starts on this alarm).',
        'Sustained drift on acme-churn-batch: retrain (the training pipeline starts on this alarm).',
      ]);
      expect(byAction('counts towards the sustained-drift')).toHaveLength(10); // 4 features and the predictions, served and batch
      // Each burn-rate composite (4 per SLO objective) ANDs a long and a short window alarm.
      expect(byAction('counts towards its burn-rate composite')).toHaveLength(16);
      expect(alarms.filter((a) => a.action.startsWith('none'))).toEqual([]);
    });

    it('writes the runbook: per model, each alarm with its condition, action, owner and link', () => {
      const doc = platform.runbook();
      expect(doc).toMatch(/^# Runbook: the acme ML platform\n/);
      expect(doc).toContain('## churn');
      expect(doc).toContain('| Act on drift of feature monthly_spend on acme-churn: PSI > 0.2 | CdkMlops/Drift PSI (monthly_spend) Maximum > 0.2 in 1 of 1 period of 60 min '
        + '| notifies the alarm topic | churn-ml-oncall | https://runbooks.example.com/ml/churn |');
      expect(doc).toContain('AWS/SageMaker ModelLatency p99 > 250000 µs in 2 of 3 periods of 1 min');
      // One row per alarm in each model's alarm table (the rows after its `| alarm |` header, up to the blank line).
      const rows = doc.split('\n\n').filter((block) => block.startsWith('| alarm |')).flatMap((block) => block.split('\n').slice(2));
      expect(rows).toHaveLength(platform.alarms().length);
      // Then the experiment's design, the SLO, batch scoring and cost parts.
      expect(doc).toMatch(/### Experiment `churn-v8-retention`[\s\S]*### Service-level objectives \(28-day window\)[\s\S]*### Batch scoring `acme-churn-batch`[\s\S]*### Cost: an estimate, not a bill/);
    });

    it('notifies one encrypted topic', () => {
      root.resourceCountIs('AWS::SNS::Topic', 1);
      root.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      t.resourceCountIs('AWS::SNS::Topic', 0);
    });
  });

  it('passes cdk-nag AwsSolutions without any acknowledgment from its user', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-platform-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'PlatformStack', { env: ENV });
    new MlPlatform(stack, 'Platform', { spec: SPEC });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    for (const plugin of report.pluginReports) {
      expect(plugin.violations, plugin.pluginName).toEqual([]);
    }
  });

  it('passes cdk-nag 2.x AwsSolutions (Aspects) without any acknowledgment from its user', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-platform-nag2-')) });
    const stack = new Stack(app, 'PlatformStack', { env: ENV });
    new MlPlatform(stack, 'Platform', { spec: SPEC });
    Aspects.of(app).add(new AwsSolutionsChecksV2());
    app.synth();
    const errors = app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:error').map((m) => `${c.node.path}: ${String(m.data)}`));
    expect(errors).toEqual([]);
    // The checks did run: an unacknowledged finding is reported.
    const bare = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-platform-nag2-bare-')) });
    const open = new Stack(bare, 'Open', { env: ENV });
    new s3.Bucket(open, 'Bucket');
    Aspects.of(bare).add(new AwsSolutionsChecksV2());
    bare.synth();
    expect(bare.node.findAll().some((c) => c.node.metadata.some((m) => m.type === 'aws:cdk:error' && String(m.data).includes('AwsSolutions-S1')))).toBe(true);
  });

  it('needs a stack with a concrete account and region (the served version\'s parameter default names them)', () => {
    const e = expectValidationError(() => new MlPlatform(new Stack(new App(), 'Agnostic'), 'Platform', { spec: SPEC }));
    expect(e.problems.map((p) => [p.constructPath, p.property])).toEqual([['Agnostic/Platform', 'stack region'], ['Agnostic/Platform', 'stack account']]);
  });

  it('renders the same spec from YAML, JSON and TypeScript identically', () => {
    const built = build();
    const fromObject = [built.root.toJSON(), built.t.toJSON()];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-spec-'));
    const json = path.join(dir, 'platform.json');
    fs.writeFileSync(json, JSON.stringify(SPEC));
    for (const file of [SPEC_FILE, json]) {
      const stack = new Stack(new App(), 'PlatformStack', { env: ENV });
      const platform = MlPlatform.fromFile(stack, 'Platform', file);
      expect([Template.fromStack(stack).toJSON(), Template.fromStack(platform.models[0]).toJSON()]).toEqual(fromObject);
    }
  });

  describe('rejects a bad spec with the key that is wrong', () => {
    it.each<[string, PlatformSpec, string, string]>([
      ['a canary above 50%', withModel((m) => { m.serving.canaryPercent = 80; }), 'models[0].serving.canaryPercent', 'must be from 1 to 50'],
      [
        'a 10% canary on 2 instances (one instance: 50% of the traffic on SageMaker)',
        withModel((m) => { m.serving.canaryPercent = 10; m.serving.instanceCount = 2; }),
        'models[0].serving.canaryPercent',
        'must not be under half its real share on AWS: a 10% canary on 2 instances is 1 instance, 50% of the traffic',
      ],
      ['a short commit', withModel((m) => { m.training.codeCommit = 'abc123'; }), 'models[0].training.codeCommit', '40-character'],
      ['autoscaling below the instance count', withModel((m) => { m.serving.maxInstanceCount = 1; }), 'models[0].serving.maxInstanceCount', 'at least instanceCount (2)'],
      ['a reference span with the training baseline', withModel((m) => { m.drift.reference = DriftReference.TRAINING; m.drift.referenceSpanMinutes = 600; }), 'models[0].drift.referenceSpanMinutes', 'applies only to'],
      ['a baseline that is not JSON', withModel((m) => { m.drift.baselineUri = 's3://b/baseline.csv'; }), 'models[0].drift.baselineUri', 's3://bucket/key.json'],
      ['an unknown key', withModel((m) => { m.serving.canary = 10; }), 'models[0].serving.canary', 'is not a known property'],
      ['a mutable training image', withModel((m) => { m.pipeline.steps[1].image = 'train:latest'; }), 'models[0].pipeline.steps[1].image', 'digest'],
      ['no model', { ...SPEC, models: [] }, 'models', 'at least one model'],
      ['two models with one name', { ...SPEC, models: [SPEC.models[0], SPEC.models[0]] }, 'models[1].name', 'must be unique (models[0] has it too)'],
      ['an upper-case platform name', { ...SPEC, name: 'Acme' }, 'name', 'lowercase'],
    ])('%s', (_what, spec, property, allowed) => {
      const e = expectValidationError(() => build(spec));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('PlatformStack/Platform');
      expect(`${p!.allowed} ${p!.received}`).toContain(allowed);
    });

    it('names the file, and reports a document that is not YAML', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-spec-'));
      const file = path.join(dir, 'broken.yaml');
      fs.writeFileSync(file, 'name: acme\nname: again\n');
      const e = expectValidationError(() => MlPlatform.fromFile(new Stack(new App(), 'S'), 'Platform', file));
      expect(e.problems[0]).toMatchObject({ constructPath: `S/Platform (${file}:2:1)`, property: 'name' });
      expect(e.problems[0].allowed).toMatch(/must be unique in its mapping \(the key is already set at line 1, column 1\)/);
      fs.writeFileSync(file, YAML.stringify({ ...SPEC, models: [{ ...SPEC.models[0], serving: { ...SPEC.models[0].serving, bakeMinutes: 0 } }] }));
      const bad = expectValidationError(() => MlPlatform.fromFile(new Stack(new App(), 'S'), 'Platform', file));
      // The file's line and column of the key follow its name (issue 14; test/platform/spec-file.test.ts).
      expect(bad.problems.map((p) => [p.constructPath.replace(/:\d+:\d+\)$/, ')'), p.property])).toEqual([[`S/Platform (${file})`, 'models[0].serving.bakeMinutes']]);
    });
  });
});

describe('MlPlatform: what SageMaker and CloudFormation need at deploy (issue 12)', () => {
  let t: Template;
  let root: Template;
  beforeAll(() => {
    ({ t, root } = build());
  });
  const servingPolicy = () => {
    const policies = Object.entries<any>(t.findResources('AWS::IAM::Policy'))
      .filter(([id, p]) => /^ServingExecutionRoleDefaultPolicy/.test(id) && p.Properties.Roles.some((r: any) => /^ServingExecutionRole/.test(r.Ref)))
      .map(([, p]) => p);
    expect(policies).toHaveLength(1);
    return policies[0].Properties.PolicyDocument.Statement as any[];
  };

  it('lets the serving role pull the inference image the pipeline registers, from its repository only', () => {
    const statements = servingPolicy();
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:123456789012:repository/churn/server']] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }));
  });

  it('creates the model only after the serving role\'s policy (its model data and image grants)', () => {
    const [policy] = Object.keys(t.findResources('AWS::IAM::Policy')).filter((id) => /^ServingExecutionRoleDefaultPolicy/.test(id));
    const models = Object.values<any>(t.findResources('AWS::SageMaker::Model'));
    expect(models).toHaveLength(2); // the served version and the experiment's challenger
    models.forEach((m) => expect(m.DependsOn).toContain(policy));
  });

  it('keeps the instance count autoscaling reached through a promotion, taking the new config\'s weights', () => {
    const endpoint = Object.values<any>(t.findResources('AWS::SageMaker::Endpoint'))[0].Properties;
    expect(endpoint.RetainAllVariantProperties).toBe(true);
    expect(endpoint.ExcludeRetainedVariantProperties).toEqual([{ VariantPropertyType: 'DesiredWeight' }]);
  });

  it('autoscales with Application Auto Scaling\'s service-linked role: no role of its own', () => {
    const services = Object.values<any>(t.findResources('AWS::IAM::Role'))
      .map((r) => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service);
    expect(services).not.toContain('application-autoscaling.amazonaws.com');
    const target = Object.values<any>(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget'))[0].Properties;
    expect(JSON.stringify(target.RoleARN)).toContain('AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint');
  });

  it('lets CloudWatch alarms of this account publish to the encrypted alarm topic', () => {
    const [key] = Object.values<any>(root.findResources('AWS::KMS::Key'));
    expect(key.Properties.KeyPolicy.Statement).toContainEqual({
      Sid: 'CloudWatchAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:123456789012:alarm:*']] } },
      },
    });
  });

  it('lets an AWS service use a key only under a condition naming this account\'s resources', () => {
    const statements = [root, t].flatMap((tpl) => Object.values<any>(tpl.findResources('AWS::KMS::Key')))
      .flatMap((k) => k.Properties.KeyPolicy.Statement as any[])
      .filter((s) => s.Principal?.Service !== undefined);
    expect(statements.length).toBeGreaterThanOrEqual(4); // alarms topic, dead letters, the drift job's and the promotion's logs
    // AWS Budgets' use of the alarm topic's key is the exception (aws.ModelBudget.grantBudgetsPublish): whether
    // Budgets sends aws:SourceAccount to KMS is not documented, and a condition it does not meet would drop
    // every notification; publishing itself is held by the topic policy's aws:SourceAccount / aws:SourceArn.
    statements.filter((s) => s.Principal.Service !== 'budgets.amazonaws.com').forEach((s) => expect(s.Condition, JSON.stringify(s.Principal)).toBeDefined());
    const topicPolicy = Object.values<any>(root.findResources('AWS::SNS::TopicPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
      .find((s) => s.Principal?.Service === 'budgets.amazonaws.com');
    expect(topicPolicy.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
  });

  it('lets CloudWatch Logs use a key only for this account\'s log groups (the aws:logs:arn encryption context)', () => {
    const logs = Object.values<any>(t.findResources('AWS::KMS::Key'))
      .flatMap((k) => k.Properties.KeyPolicy.Statement as any[])
      .filter((s) => s.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(logs).toHaveLength(5); // the drift jobs' (served traffic, batch inputs), the promotion's, the experiment function's, batch scoring's
    logs.forEach((s) => expect(s.Condition).toEqual({
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:*']] } },
    }));
  });
});

describe('MlPlatform: the endpoint choices a spec can make (issue 12.3, 12.9)', () => {
  it('deregisters autoscaling for step 1 of an instance-type change (autoscalingRegistered: false), warning what comes next', () => {
    const { stack, t } = build(withModel((m) => { m.serving.autoscalingRegistered = false; }));
    expect(t.findResources('AWS::ApplicationAutoScaling::ScalableTarget')).toEqual({});
    const before = build().t;
    expect(t.findResources('AWS::SageMaker::EndpointConfig')).toEqual(before.findResources('AWS::SageMaker::EndpointConfig'));
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning');
    expect(warnings.map((w) => String(w.data)).join('\n')).toContain('autoscaling.registered is false');
  });

  it('refuses autoscalingRegistered without autoscaling', () => {
    const e = expectValidationError(() => build(withModel((m) => { delete m.serving.maxInstanceCount; m.serving.autoscalingRegistered = false; })));
    expect(e.problems.find((p) => p.property === 'models[0].serving.autoscalingRegistered')?.allowed).toContain('applies only with maxInstanceCount (autoscaling)');
  });

  it('accepts a coarse canary when the spec says so (acceptCoarseCanary), stating the real share', () => {
    const { stack, t } = build(withModel((m) => { m.serving.canaryPercent = 10; m.serving.instanceCount = 2; m.serving.acceptCoarseCanary = true; }));
    const [endpoint] = Object.values<any>(t.findResources('AWS::SageMaker::Endpoint'));
    expect(endpoint.Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize).toEqual({ Type: 'CAPACITY_PERCENT', Value: 10 });
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning').map((w) => String(w.data));
    expect(warnings.join('\n')).toContain('a 10% canary on 2 instances is 1 instance: 50% of the traffic');
  });
});

describe('MlPlatform: rollbacks are told to the model\'s owner (issue 12.12)', () => {
  const { platform, t, root } = build();
  const STACK_ARN = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/PlatformStack-churn/dca9d690-12fc-11ed-acb4-0e99ce9abea2';
  const rulesOf = (source: string) => Object.values<any>(t.findResources('AWS::Events::Rule'))
    .filter((r) => JSON.stringify(r.Properties.EventPattern?.source) === JSON.stringify([source]));

  it('watches the serving stack (the model\'s own, by its id) reaching UPDATE_ROLLBACK_COMPLETE or _FAILED', () => {
    const rules = rulesOf('aws.cloudformation');
    expect(rules).toHaveLength(1);
    const pattern = rules[0].Properties.EventPattern;
    expect(pattern['detail-type']).toEqual(['CloudFormation Stack Status Change']);
    expect(pattern.detail['status-details']).toEqual({ status: ['UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED'] });
    // Its own stack's id.
    expect(pattern.detail['stack-id']).toEqual([{ Ref: 'AWS::StackId' }]);
    // And the endpoint's own SageMaker rollback events: its alarm's rule and the promotion's reconcile.
    expect(rulesOf('aws.sagemaker').map((r) => r.Properties.EventPattern.detail.EndpointName).filter((n) => n)).toEqual([['acme-churn'], ['acme-churn']]);
  });

  it.skipIf(!HAS_EMULATOR)('the stack rule matches its stack\'s rollback only, as EventBridge matches (moto)', () => {
    const pattern = withDeployedValue(rulesOf('aws.cloudformation')[0].Properties.EventPattern, STACK_ARN);
    const other = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/OtherStack/0e99ce9a-12fc-11ed-acb4-dca9d690bea2';
    expect(eventBridgeMatches(pattern, [
      stackStatusSample(STACK_ARN), // the documentation's example: created
      stackStatusSample(STACK_ARN, 'UPDATE_COMPLETE'),
      stackStatusSample(STACK_ARN, 'UPDATE_ROLLBACK_IN_PROGRESS'),
      stackStatusSample(STACK_ARN, 'UPDATE_ROLLBACK_COMPLETE'),
      stackStatusSample(STACK_ARN, 'UPDATE_ROLLBACK_FAILED'),
      stackStatusSample(other, 'UPDATE_ROLLBACK_COMPLETE'),
    ])).toEqual([false, false, false, true, true, false]);
  });

  it('lists both alarms with owner, runbook and action, and writes them in the runbook', () => {
    const alarms = platform.alarms();
    // (Batch scoring's failed executions are event alarms too: not rollbacks.)
    const rollbacks = alarms.filter((a) => a.condition.startsWith('AWS/Events TriggeredRules') && !a.path.startsWith('Churn/Batch/'));
    expect(rollbacks.map((a) => [a.path, a.summary, a.condition, a.action, a.owner, a.runbookUrl])).toEqual([
      ['Churn/Serving/DeploymentRollbackAlarm',
        'SageMaker rolled back or failed a deployment of acme-churn: check which endpoint config serves and that the stack records it',
        'AWS/Events TriggeredRules Sum > 0 in 1 of 1 period of 1 min', 'notifies the alarm topic', 'churn-ml-oncall', 'https://runbooks.example.com/ml/churn'],
      ['Churn/Promotion/ServingStackRollbackAlarm',
        'The serving stack PlatformStack-churn rolled an update back: acme-churn serves the version before it',
        'AWS/Events TriggeredRules Sum > 0 in 1 of 1 period of 1 min', 'notifies the alarm topic', 'churn-ml-oncall', 'https://runbooks.example.com/ml/churn'],
    ]);
    const doc = platform.runbook();
    for (const a of rollbacks) {
      expect(doc).toContain(`| ${a.summary} | ${a.condition} | notifies the alarm topic | churn-ml-oncall | https://runbooks.example.com/ml/churn |`);
    }
    // Both notify the platform's topic, exported by the shared stack.
    const topic = Object.keys(root.findResources('AWS::SNS::Topic'))[0];
    const exported = Object.values<any>(root.toJSON().Outputs).find((o) => JSON.stringify(o.Value) === JSON.stringify({ Ref: topic })).Export.Name;
    const byMetric = Object.values<any>(t.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.MetricName === 'TriggeredRules');
    expect(byMetric).toHaveLength(3); // the two above and batch scoring's failed executions
    byMetric.forEach((a) => expect(a.Properties.AlarmActions).toEqual([{ 'Fn::ImportValue': exported }]));
  });
});
