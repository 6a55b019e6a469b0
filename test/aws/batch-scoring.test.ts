import { Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { BatchScoring, BatchScoringProps } from '../../lib/aws/batch-scoring';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { expectValidationError, newStack } from '../support/aws';
import { awsSolutionsFindings } from '../support/nag';
import { pipelineDefinitionValidator } from '../support/pipeline-schema';

const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud-batch' };

function batch(overrides: Partial<BatchScoringProps> = {}, stack: Stack = newStack()): { stack: Stack; scoring: BatchScoring } {
  const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
  const scoring = new BatchScoring(stack, 'Batch', {
    name: 'fraud-daily',
    inputUri: 's3://acme-data/events/',
    outputUri: 's3://acme-scores/fraud/',
    registry,
    alarmOwnership: OWNERSHIP,
    ...overrides,
  });
  return { stack, scoring };
}

/** The pipeline definition as CloudFormation renders it (tokens resolved to intrinsics, then the JSON parsed). */
function definition(stack: Stack): any {
  const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'))[0] as any;
  const body = pipeline.Properties.PipelineDefinition.PipelineDefinitionBody;
  // Fn::Join of strings and intrinsics: keep the strings, render each intrinsic as a marker.
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join('');
  return JSON.parse(text);
}

function stepOf(def: any, name: string): any {
  return def.Steps.find((s: any) => s.Name === name);
}

/** Every statement of the policies attached to the role whose logical id starts with `rolePrefix`. */
function statements(stack: Stack, rolePrefix: string): any[] {
  const t = Template.fromStack(stack);
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref?.startsWith(rolePrefix)))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function actionsOf(stack: Stack, rolePrefix: string): string[] {
  return statements(stack, rolePrefix).flatMap((s) => [s.Action].flat()).sort();
}

describe('the pipeline', () => {
  it('validates input, creates the model from the package, transforms into the run prefix, then commits', () => {
    const { stack } = batch();
    const def = definition(stack);

    expect(def.Steps.map((s: any) => `${s.Name}:${s.Type}`)).toEqual(['ValidateInput:Lambda', 'CreateModel:Model', 'Transform:Transform', 'Commit:Lambda']);
    expect(def.Parameters).toEqual([
      { Name: 'LogicalDate', Type: 'String', DefaultValue: '' },
      { Name: 'ScheduledTime', Type: 'String', DefaultValue: '' },
      { Name: 'ModelVersion', Type: 'String', DefaultValue: 'latest' },
    ]);
    expect(stepOf(def, 'ValidateInput').Arguments).toEqual({
      step: 'validate',
      logicalDate: { Get: 'Parameters.LogicalDate' },
      scheduledTime: { Get: 'Parameters.ScheduledTime' },
      startedAt: { Get: 'Execution.StartDateTime' },
      modelVersion: { Get: 'Parameters.ModelVersion' },
      runId: { Get: 'Execution.PipelineExecutionId' },
    });
    expect(stepOf(def, 'CreateModel').Arguments.PrimaryContainer).toEqual({ ModelPackageName: { Get: "Steps.ValidateInput.OutputParameters['ModelPackageArn']" } });
    expect(stepOf(def, 'CreateModel').Arguments.EnableNetworkIsolation).toBe(true);
    expect(stepOf(def, 'Commit').DependsOn).toEqual(['Transform']);
    expect(stepOf(def, 'Commit').Arguments).toMatchObject({
      step: 'commit',
      logicalDate: { Get: "Steps.ValidateInput.OutputParameters['LogicalDate']" },
      runId: { Get: 'Execution.PipelineExecutionId' },
      inputRecords: { Get: "Steps.ValidateInput.OutputParameters['InputRecords']" },
      dataVersion: { Get: "Steps.ValidateInput.OutputParameters['DataVersion']" },
    });
  });

  it('idempotent layout: the transform writes to the run prefix the validate step returns, never to the partition; lines in, lines out', () => {
    const { stack } = batch({ contentType: 'application/jsonlines' });
    const transform = stepOf(definition(stack), 'Transform').Arguments;

    expect(transform.TransformOutput.S3OutputPath).toEqual({ Get: "Steps.ValidateInput.OutputParameters['RunUri']" });
    expect(transform.TransformInput).toEqual({
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: { Get: "Steps.ValidateInput.OutputParameters['InputUri']" } } },
      ContentType: 'application/jsonlines',
      SplitType: 'Line',
      CompressionType: 'None',
    });
    expect(transform.TransformOutput.AssembleWith).toBe('Line');
    expect(transform.TransformOutput.KmsKeyId).toMatch(/Fn::GetAtt.*BatchKey/);
    expect(transform.ModelName).toEqual({ Get: 'Steps.CreateModel.ModelName' });
  });

  it('a pinned model version is the ModelVersion default; instance type and count reach the transform (GPU: no volume key on instance storage)', () => {
    const { stack } = batch({ modelVersion: 7, instanceType: 'ml.g4dn.xlarge', instanceCount: 3 });
    const def = definition(stack);

    expect(def.Parameters[2]).toEqual({ Name: 'ModelVersion', Type: 'String', DefaultValue: '7' });
    expect(stepOf(def, 'Transform').Arguments.TransformResources).toEqual({ InstanceType: 'ml.g4dn.xlarge', InstanceCount: 3 });
    const cpu = stepOf(definition(batch({ instanceType: 'ml.m5.2xlarge' }).stack), 'Transform').Arguments.TransformResources;
    expect(cpu).toEqual({ InstanceType: 'ml.m5.2xlarge', InstanceCount: 1, VolumeKmsKeyId: expect.stringMatching(/BatchKey/) });
  });

  it('matches the published SageMaker pipeline definition schema', () => {
    const { stack } = batch({ vpc: undefined });
    const validate = pipelineDefinitionValidator();
    const ok = validate(definition(stack));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('in a VPC: the model\'s containers and the function get the subnets and an HTTPS-only group', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    batch({ vpc }, stack);
    const model = stepOf(definition(stack), 'CreateModel').Arguments;
    expect(model.VpcConfig.Subnets).toHaveLength(2);
    expect(model.VpcConfig.SecurityGroupIds).toHaveLength(1);
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .find((f: any) => f.Properties.Description?.startsWith('Batch scoring')) as any;
    // the definition renders each reference as a marker of its intrinsic
    const marker = (v: unknown) => `<${JSON.stringify(v).replace(/"/g, "'")}>`;
    expect(fn.Properties.VpcConfig.SubnetIds.map(marker)).toEqual(model.VpcConfig.Subnets);
    expect(fn.Properties.VpcConfig.SecurityGroupIds.map(marker)).toEqual(model.VpcConfig.SecurityGroupIds);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Batch scoring fraud-daily: HTTPS out only',
      SecurityGroupEgress: [Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
    });
  });
});

describe('the step function', () => {
  it.each([[undefined, 5], [10, 13]])('maxConcurrency %s: reserved concurrency %i (a scheduled run, the backfill\'s runs, one by hand, plan or report); 10 minutes, the Lambda step\'s limit', (maxConcurrency, reserved) => {
    const { stack } = batch(maxConcurrency === undefined ? {} : { maxConcurrency });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Batch scoring fraud-daily'),
      ReservedConcurrentExecutions: reserved,
      Timeout: 600,
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ INPUT_URI: 's3://acme-data/events/', OUTPUT_URI: 's3://acme-scores/fraud/', MIN_RECORDS: '1', MODEL_PACKAGE_GROUP: 'fraud' }) },
      KmsKeyArn: Match.anyValue(),
    });
  });
});

describe('the schedule', () => {
  it.each([[undefined, 3], [22, 22]])('hourUtc %s: daily at %i:00 UTC, passing the scheduled time and a token made of it', (hourUtc, hour) => {
    const { stack } = batch(hourUtc === undefined ? {} : { hourUtc });
    const schedules = Template.fromStack(stack).findResources('AWS::Scheduler::Schedule');
    const schedule = Object.values(schedules)[0] as any;
    expect(schedule.Properties.ScheduleExpression).toBe(`cron(0 ${hour} * * ? *)`);
    expect(schedule.Properties.ScheduleExpressionTimezone).toBe('UTC');
    expect(schedule.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(schedule.Properties.Target.Arn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:sagemaker:startPipelineExecution']] });
    const input = JSON.parse(schedule.Properties.Target.Input);
    expect(input.PipelineParameters).toEqual([{ Name: 'ScheduledTime', Value: '<aws.scheduler.scheduled-time>' }]);
    expect(input.ClientRequestToken).toBe('cdk-mlops-batch-fraud-daily-<aws.scheduler.scheduled-time>');
    // the token is at least 32 characters once the time (20 characters) is in
    expect(input.ClientRequestToken.replace('<aws.scheduler.scheduled-time>', '2026-11-27T03:00:00Z').length).toBeGreaterThanOrEqual(32);
  });

  it('scores each record into a line holding the record and its prediction (JoinSource Input: drift monitoring reads the scored inputs)', () => {
    const { stack } = batch();
    const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'))[0] as any;
    const text = JSON.stringify(pipeline.Properties.PipelineDefinition);
    expect(text).toContain('\\"DataProcessing\\":{\\"JoinSource\\":\\"Input\\"}');
  });

  it('names the backfill state machine <name>-backfill, so backfillCommand is concrete', () => {
    const { scoring } = batch();
    expect(scoring.backfillCommand('2026-11-01', '2026-11-03'))
      .toBe('aws stepfunctions start-execution --state-machine-arn arn:aws:states:eu-west-1:123456789012:stateMachine:fraud-daily-backfill --input \'{"from":"2026-11-01","to":"2026-11-03"}\'');
  });

  it('the scheduler may start this pipeline (and decrypt the schedule) and nothing else', () => {
    const { stack } = batch();
    const [start, decrypt, ...others] = statements(stack, 'BatchScheduleRole');
    expect(others).toEqual([]);
    expect(start.Action).toBe('sagemaker:StartPipelineExecution');
    // The pipeline is named by the spec's name (the runbook's commands are known at synthesis).
    expect(JSON.stringify(start.Resource)).toMatch(/:sagemaker:eu-west-1:123456789012:pipeline\/fraud-daily"/);
    expect(decrypt).toEqual({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^BatchKey/), 'Arn'] } });
    // the key's policy names no service principal of the scheduler (any account's schedules could use it)
    const key = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0] as any;
    expect(JSON.stringify(key.Properties.KeyPolicy)).not.toContain('scheduler.amazonaws.com');
  });
});

describe('the backfill', () => {
  function machine(stack: Stack): any {
    const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0] as any;
    const body = sm.Properties.DefinitionString;
    const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'X')).join('');
    return JSON.parse(text);
  }

  it.each([[undefined, 2], [5, 5]])('maxConcurrency %s: plans the dates, then a distributed map of at most %i pipeline runs at once', (maxConcurrency, expected) => {
    const { stack } = batch(maxConcurrency === undefined ? {} : { maxConcurrency });
    const def = machine(stack);

    expect(def.StartAt).toBe('PlanDates');
    expect(def.States.PlanDates.Parameters).toEqual({ 'step': 'plan', 'from.$': '$.from', 'to.$': '$.to' });
    const map = def.States.EachDate;
    expect(map.Type).toBe('Map');
    expect(map.MaxConcurrency).toBe(expected);
    expect(map.ItemsPath).toBe('$.plan.dates');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    const start = map.ItemProcessor.States.StartRun;
    expect(start.Resource).toBe('arn:X:states:::aws-sdk:sagemaker:startPipelineExecution');
    expect(start.Parameters.PipelineParameters).toEqual([{ 'Name': 'LogicalDate', 'Value.$': '$.date' }]);
    expect(start.Parameters['ClientRequestToken.$']).toBe('$.token');
    expect(map.ItemSelector['token.$']).toBe("States.Hash(States.Format('{}/{}', $$.Execution.Id, $$.Map.Item.Value), 'SHA-256')");
    // polls until the execution leaves Executing/Stopping, then records its status for the report
    expect(map.ItemProcessor.States['RunEnded?'].Choices[0].Or.map((c: any) => c.StringEquals)).toEqual(['Executing', 'Stopping']);
    expect(map.ItemProcessor.States.RunEnded.Parameters).toEqual({ 'date.$': '$.date', 'status.$': '$.run.status', 'executionArn.$': '$.execution.arn' });
    expect(def.States.Report.Parameters).toEqual({ 'step': 'report', 'results.$': '$.results' });
  });

  it('backfillCommand prints the one command; a range the plan refuses is refused at once', () => {
    const { stack, scoring } = batch();
    const command = stack.resolve(scoring.backfillCommand('2026-01-01', '2026-01-31'));
    expect(JSON.stringify(command)).toContain('aws stepfunctions start-execution --state-machine-arn ');
    expect(JSON.stringify(command)).toContain('--input \'{\\"from\\":\\"2026-01-01\\",\\"to\\":\\"2026-01-31\\"}\'');
    expect(() => scoring.backfillCommand('2026-02-01', '2026-01-01')).toThrow('to (2026-01-01) must not be before from (2026-02-01)');
    expect(() => scoring.backfillCommand('2024-01-01', '2026-01-01')).toThrow('a backfill covers at most 366 dates');
  });
});

describe('failures are owned and alarmed', () => {
  it('a failed pipeline execution raises the owned alarm', () => {
    const { stack, scoring } = batch();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
        'detail': { currentPipelineExecutionStatus: ['Failed'], pipelineArn: [Match.anyValue()] },
      },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp(`^Batch scoring fraud-daily failed.*\nOwner: fraud-oncall\nRunbook: ${OWNERSHIP.runbookUrl}$`),
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const rule = Object.values(t.findResources('AWS::Events::Rule'))[0] as any;
    expect(stack.resolve(rule.Properties.EventPattern.detail.pipelineArn)).toEqual([stack.resolve(scoring.pipelineArn)]);
    expect(stack.resolve(scoring.executionFailedAlarm.alarmArn)).toBeDefined();
  });

  it('a backfill that fails, aborts or times out raises the owned alarm', () => {
    const { stack, scoring } = batch();
    const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
      .find((a: any) => a.Properties.AlarmDescription.startsWith('A backfill')) as any;
    expect(alarm.Properties.AlarmDescription).toMatch(/\nOwner: fraud-oncall\nRunbook: https:\/\/runbooks\.example\.com\/fraud-batch$/);
    expect(alarm.Properties.Threshold).toBe(0);
    expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanThreshold');
    const metrics = alarm.Properties.Metrics;
    expect(metrics.find((m: any) => m.ReturnData !== false).Expression).toBe('FILL(failed, 0) + FILL(aborted, 0) + FILL(timedOut, 0)');
    expect(metrics.filter((m: any) => m.MetricStat).map((m: any) => `${m.Id}:${m.MetricStat.Metric.Namespace}/${m.MetricStat.Metric.MetricName}`).sort())
      .toEqual(['aborted:AWS/States/ExecutionsAborted', 'failed:AWS/States/ExecutionsFailed', 'timedOut:AWS/States/ExecutionsTimedOut']);
    expect(metrics.find((m: any) => m.Id === 'failed').MetricStat.Metric.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/^BatchBackfill/) } }]);
    expect(scoring.backfillFailedAlarm).toBeDefined();
  });
});

describe('IAM: exactly what is needed', () => {
  it('the step function: its logs, read the input partition and the outputs, write/delete only under the output prefix, read the group', () => {
    const { stack } = batch();
    expect(actionsOf(stack, 'BatchStepRole')).toEqual([
      'kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:ListBucket', 's3:PutObject',
      'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages',
    ]);
    const write = statements(stack, 'BatchStepRole').find((s) => [s.Action].flat().includes('s3:DeleteObject'));
    expect(write.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-scores/fraud/*']] });
    const list = statements(stack, 'BatchStepRole').filter((s) => s.Action === 's3:ListBucket').map((s) => s.Condition);
    expect(list).toEqual([{ StringLike: { 's3:prefix': ['events/*'] } }, { StringLike: { 's3:prefix': ['fraud/*'] } }]);
  });

  it('the pipeline role: its function, its models and transform jobs, the model package, the data, the key, transform logs; pass only itself to SageMaker', () => {
    const { stack } = batch();
    expect([...new Set(actionsOf(stack, 'BatchExecutionRole'))]).toEqual([
      'iam:PassRole',
      'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey',
      'lambda:InvokeFunction',
      'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject',
      'sagemaker:AddTags', 'sagemaker:CreateModel', 'sagemaker:CreateTransformJob', 'sagemaker:DescribeModel', 'sagemaker:DescribeModelPackage',
      'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob',
    ]);
    const pass = statements(stack, 'BatchExecutionRole').find((s) => s.Action === 'iam:PassRole');
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    const put = statements(stack, 'BatchExecutionRole').find((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(put.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-scores/fraud/*']] });
    // The containers never delete: only the commit replaces runs.
    expect(actionsOf(stack, 'BatchExecutionRole')).not.toContain('s3:DeleteObject');
  });

  it('private image repositories are pulled from, and only those', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'fraud/server');
    batch({ imageRepositories: [repo] }, stack);
    const pull = statements(stack, 'BatchExecutionRole').find((s) => [s.Action].flat().includes('ecr:BatchGetImage'));
    expect(pull.Resource).toEqual(expect.objectContaining({ 'Fn::Join': expect.anything() }));
    expect(JSON.stringify(pull.Resource)).toContain('repository/fraud/server');
  });

  it('grantReadScores: the output prefix and the key', () => {
    const { stack, scoring } = batch();
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    scoring.grantReadScores(reader);
    expect(actionsOf(stack, 'Reader')).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
  });
});

describe('validation', () => {
  it('names every bad prop at once', () => {
    const message = expectValidationError(() => batch({
      name: 'Fraud Daily',
      inputUri: 's3://acme-data/events',
      outputUri: 's3://acme-data/events/scores/',
      hourUtc: 24,
      maxConcurrency: 11,
      instanceType: 'm5.xlarge',
      instanceCount: 0,
      modelVersion: 0,
    })).message;
    expect(message).toMatch(/Batch: name must be 1–40 lowercase letters/);
    expect(message).toMatch(/inputUri must be s3:\/\/bucket\/prefix\/ \(ending in "\/"\)/);
    expect(message).toMatch(/hourUtc/);
    expect(message).toMatch(/maxConcurrency/);
    expect(message).toMatch(/instanceType must be a SageMaker instance type/);
    expect(message).toMatch(/instanceCount/);
    expect(message).toMatch(/modelVersion/);
  });

  it('the URIs and the concurrency must be known at synthesis (the IAM policies and reserved concurrency derive from them); other tokens pass', () => {
    const stack = newStack();
    const token = Lazy.string({ produce: () => 's3://acme-data/events/' });
    const message = expectValidationError(() => batch({ inputUri: token, maxConcurrency: Lazy.number({ produce: () => 3 }) }, stack)).message;
    expect(message).toMatch(/inputUri must be known at synthesis/);
    expect(message).toMatch(/maxConcurrency must be known at synthesis/);
    const { stack: tokens } = batch({
      hourUtc: Lazy.number({ produce: () => 5 }),
      minRecords: Lazy.number({ produce: () => 10 }),
      modelVersion: Lazy.number({ produce: () => 4 }),
      instanceType: Lazy.string({ produce: () => 'ml.m5.xlarge' }),
    });
    // numbers rendered into strings resolve (not an encoded number token)
    const t = Template.fromStack(tokens);
    expect((Object.values(t.findResources('AWS::Scheduler::Schedule'))[0] as any).Properties.ScheduleExpression).toBe('cron(0 5 * * ? *)');
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MIN_RECORDS: '10' }) } });
    expect(definition(tokens).Parameters[2]).toEqual({ Name: 'ModelVersion', Type: 'String', DefaultValue: '4' });
  });

  it('the output must not overlap the input', () => {
    expect(expectValidationError(() => batch({ outputUri: 's3://acme-data/events/scores/' })).message)
      .toMatch(/outputUri must not overlap inputUri/);
  });
});


describe('cdk-nag AwsSolutions, with no acknowledgment from the user', () => {
  it('no error and no warning (3.x and 2.x)', () => {
    expect(awsSolutionsFindings((s) => { batch({}, s); })).toEqual({ v3: [], v2: [] });
  });
});
