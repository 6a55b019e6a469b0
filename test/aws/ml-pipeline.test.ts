import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { DriftMonitor } from '../../lib/aws/drift-monitor';
import { MlPipeline, MlPipelineProps } from '../../lib/aws/ml-pipeline';
import { ModelRegistry } from '../../lib/aws/model-registry';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { Lineage } from '../../lib/core/lineage';
import { GateComparison, PipelineSpec, StepKind } from '../../lib/core/pipeline';
import { expectValidationError, newStack } from '../support/aws';
import { pipelineDefinitionValidator } from '../support/pipeline-schema';

const pin = (repo: string, c: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${repo}@sha256:${c.repeat(64)}`;
const SPEC: PipelineSpec = {
  steps: [
    { name: 'evaluate', kind: StepKind.PROCESSING, image: pin('eval', 'd'), inputs: ['train.model', 'prep.test'], outputs: ['evaluation'] },
    { name: 'train', kind: StepKind.TRAINING, image: pin('train', 'c'), inputs: ['prep.train'], instanceType: 'ml.g5.2xlarge' },
    { name: 'prep', kind: StepKind.PROCESSING, image: pin('prep', 'b'), inputs: ['data'], outputs: ['train', 'test'] },
  ],
  gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
  inferenceImage: pin('serve', 'e'),
};
const BASE = {
  codeCommit: '0123456789abcdef0123456789abcdef01234567',
  defaultDataVersion: 'tx@2026-11-01',
  defaultFeatureSetVersion: 'fs-abc',
  defaultInputDataUri: 's3://data/fraud/',
};

function pipeline(props: Partial<MlPipelineProps> = {}, spec: PipelineSpec = SPEC) {
  const stack = newStack();
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
  const p = new MlPipeline(stack, 'Pipeline', { spec, registry, pipelineName: 'fraud-training', ...BASE, ...props });
  return { stack, p, t: Template.fromStack(stack), def: resolvedDefinition(stack, p) };
}

/** The definition with tokens resolved to readable placeholders (what SageMaker receives, minus CFN intrinsics). */
function resolvedDefinition(stack: Stack, p: MlPipeline): any {
  const str = (v: any): string => {
    if (typeof v === 'string') {
      return v;
    }
    if (v['Fn::Join']) {
      return v['Fn::Join'][1].map(str).join(v['Fn::Join'][0]);
    }
    return v.Ref ? `<${v.Ref}>` : v['Fn::GetAtt'] ? `<${v['Fn::GetAtt'].join('.')}>` : '<token>';
  };
  return JSON.parse(str(stack.resolve(stack.toJsonString(p.definition))));
}

describe('MlPipeline (AWS)', () => {
  describe('default', () => {
    const { def, t } = pipeline();

    it('renders a definition valid against the published SageMaker schema (plus its documented overlay)', () => {
      const validate = pipelineDefinitionValidator();
      expect(validate(def), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
      t.hasResourceProperties('AWS::SageMaker::Pipeline', { PipelineName: 'fraud-training', RoleArn: Match.anyValue() });
    });

    it('orders steps by their data flow and ends in the gate', () => {
      expect(def.Steps.map((s: any) => `${s.Name}:${s.Type}`)).toEqual(['prep:Processing', 'train:Training', 'evaluate:Processing', 'Gate:Condition']);
    });

    it('wires inputs to upstream outputs and the pipeline data parameter', () => {
      const [prep, train, evaluate] = def.Steps;
      expect(prep.Arguments.ProcessingInputs[0].S3Input.S3Uri).toEqual({ Get: 'Parameters.InputDataUri' });
      expect(train.Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri).toEqual({
        Get: "Steps.prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
      });
      expect(evaluate.Arguments.ProcessingInputs.map((i: any) => i.S3Input.S3Uri)).toEqual([
        { Get: 'Steps.train.ModelArtifacts.S3ModelArtifacts' },
        { Get: "Steps.prep.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri" },
      ]);
      expect(prep.Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri['Std:Join'].Values[1]).toEqual({ Get: 'Execution.PipelineExecutionId' });
    });

    it('records data version, code commit and feature-set version as parameters passed to every job', () => {
      expect(def.Parameters).toEqual([
        { Name: 'InputDataUri', Type: 'String', DefaultValue: 's3://data/fraud/' },
        { Name: 'DataVersion', Type: 'String', DefaultValue: 'tx@2026-11-01' },
        { Name: 'DataSnapshot', Type: 'String', DefaultValue: 'manual' },
        { Name: 'CodeCommit', Type: 'String', DefaultValue: '0123456789abcdef0123456789abcdef01234567' },
        { Name: 'FeatureSetVersion', Type: 'String', DefaultValue: 'fs-abc' },
        { Name: 'ProductionMetric', Type: 'Float', DefaultValue: 0.9 },
      ]);
      for (const s of def.Steps.slice(0, 3)) {
        expect(s.Arguments.Environment).toMatchObject({ DATA_VERSION: { Get: 'Parameters.DataVersion' }, CODE_COMMIT: { Get: 'Parameters.CodeCommit' } });
      }
    });

    it('reads the evaluation report through a property file and gates registration on it', () => {
      const evaluate = def.Steps[2];
      expect(evaluate.PropertyFiles).toEqual([{ PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' }]);
      const gate = def.Steps[3].Arguments;
      expect(gate.Conditions).toEqual([
        {
          Type: 'GreaterThanOrEqualTo',
          LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.evaluate.PropertyFiles.EvaluationReport' }, Path: 'metrics.auc.value' } },
          RightValue: 0.9,
        },
      ]);
      expect(gate.IfSteps.map((s: any) => s.Type)).toEqual(['RegisterModel']);
      expect(gate.ElseSteps).toEqual([expect.objectContaining({ Name: 'GateFailed', Type: 'Fail' })]);
    });

    it('registers PendingManualApproval with the inference image, lineage and the report as model metrics', () => {
      const reg = def.Steps[3].Arguments.IfSteps[0].Arguments;
      expect(reg.ModelPackageGroupName).toBe('fraud');
      // A literal, not a run parameter: no run can register an Approved model.
      expect(reg.ModelApprovalStatus).toBe('PendingManualApproval');
      expect(def.Parameters.map((p: any) => p.Name)).not.toContain('ModelApprovalStatus');
      expect(reg.InferenceSpecification.Containers).toEqual([{ Image: SPEC.inferenceImage, ModelDataUrl: { Get: 'Steps.train.ModelArtifacts.S3ModelArtifacts' } }]);
      const report = { 'Std:Join': { On: '/', Values: [{ Get: "Steps.evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" }, 'evaluation.json'] } };
      expect(reg.ModelMetrics).toEqual({ ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: report } } });
      expect(reg.CustomerMetadataProperties).toEqual({
        'lineage:dataset-version': { 'Std:Join': { On: '@', Values: [{ Get: 'Parameters.DataVersion' }, { Get: 'Parameters.DataSnapshot' }] } },
        'lineage:code-commit': { Get: 'Parameters.CodeCommit' },
        'lineage:feature-set-version': { Get: 'Parameters.FeatureSetVersion' },
        'lineage:evaluation-report': report,
      });
    });

    it('caches, retries, encrypts and isolates every job', () => {
      const [prep, train] = def.Steps;
      expect(prep.CacheConfig).toEqual({ Enabled: true, ExpireAfter: 'P30D' });
      expect(prep.RetryPolicies.map((r: any) => r.ExceptionType)).toEqual([
        ['SageMaker.CAPACITY_ERROR', 'SageMaker.JOB_INTERNAL_ERROR'],
        ['Step.THROTTLING', 'Step.SERVICE_FAULT'],
      ]);
      expect(prep.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toMatch(/^<.*Registry.*ArtifactKey/);
      // ml.g5 has local NVMe storage: SageMaker rejects a volume key there.
      expect(train.Arguments.ResourceConfig.VolumeKmsKeyId).toBeUndefined();
      expect(train.Arguments.OutputDataConfig.KmsKeyId).toMatch(/ArtifactKey/);
      expect(prep.Arguments.NetworkConfig).toEqual({ EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true });
      expect(train.Arguments).toMatchObject({ EnableNetworkIsolation: true, ResourceConfig: { InstanceType: 'ml.g5.2xlarge' } });
    });

    it('runs with a least-privilege role: its own jobs, pass-role to SageMaker only, no wildcard actions', () => {
      const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const jobs = statements.find((s) => [s.Action].flat().includes('sagemaker:CreateTrainingJob'));
      expect(JSON.stringify(jobs.Resource)).toContain('training-job/pipelines-*');
      const pass = statements.find((s) => s.Action === 'iam:PassRole');
      expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
      expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.includes('*'))).toEqual([]);
      expect(statements.find((s) => [s.Action].flat().includes('sagemaker:CreateModelPackage'))).toBeDefined();
    });
  });

  describe('configured', () => {
    it('reads the default input data, and the input bucket with its key', () => {
      const { t } = pipeline();
      const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual({
        Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::data/fraud/*']] },
      });
    });

    it('passes the training entrypoint and arguments', () => {
      const { def } = pipeline({}, { ...SPEC, steps: SPEC.steps.map((s) => (s.name === 'train' ? { ...s, command: ['python'], args: ['train.py'] } : s)) });
      expect(def.Steps[1].Arguments.AlgorithmSpecification).toMatchObject({ ContainerEntrypoint: ['python'], ContainerArguments: ['train.py'] });
      expect(pipelineDefinitionValidator()(def)).toBe(true);
    });

    it('compares against the production model when asked ("at least as good", even with a strict gate)', () => {
      const { def } = pipeline({}, { ...SPEC, gate: { ...SPEC.gate, comparison: GateComparison.GREATER_THAN, compareToProduction: true } });
      expect(def.Steps[3].Arguments.Conditions[0].Type).toBe('GreaterThan');
      expect(def.Steps[3].Arguments.Conditions[1]).toEqual({
        Type: 'GreaterThanOrEqualTo',
        LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.evaluate.PropertyFiles.EvaluationReport' }, Path: 'metrics.auc.value' } },
        RightValue: { Get: 'Parameters.ProductionMetric' },
      });
    });

    it('runs on a schedule and on sustained drift, with one EventBridge role', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const p = new MlPipeline(stack, 'Pipeline', {
        spec: SPEC,
        registry,
        pipelineName: 'fraud-training',
        ...BASE,
        schedule: events.Schedule.cron({ weekDay: 'SUN', hour: '3', minute: '0' }),
      });
      const drift = DriftMonitor.fromDriftMonitorAttributes(stack, 'Drift', {
        endpointName: 'fraud',
        sustainedDriftAlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-drift',
      });
      drift.onSustainedDrift('RetrainOnDrift', { target: p.startTarget() });
      const t = Template.fromStack(stack);
      const target = {
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:pipeline/fraud-training']] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineStartRole'), 'Arn'] },
        Id: Match.anyValue(),
      };
      t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 ? * SUN *)', Targets: [target] });
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'resources': ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-drift'], 'detail': { state: { value: ['ALARM'] } } },
        Targets: [target],
      });
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sagemaker:StartPipelineExecution', Resource: target.Arn }] },
      });
      const startRoles = Object.values<any>(t.findResources('AWS::IAM::Role')).filter((r) => JSON.stringify(r).includes('events.amazonaws.com'));
      expect(startRoles).toHaveLength(1);
      const grantee = new iam.Role(stack, 'Ops', { assumedBy: new iam.AccountRootPrincipal() });
      expect(p.grantStartExecution(grantee).success).toBe(true);
    });

    describe('a rule-started run trains on the data of that run (issue 12.6)', () => {
      // SageMaker's cache key per step type ("Default cache key attributes by pipeline step type").
      const KEY: Record<string, string[]> = {
        Processing: ['AppSpecification', 'Environment', 'ProcessingInputs'],
        Training: ['AlgorithmSpecification', 'CheckpointConfig', 'DebugHookConfig', 'DebugRuleConfigurations', 'Environment', 'HyperParameters', 'InputDataConfig'],
      };
      /** What StartPipelineExecution receives from a rule target for an event (dynamic JSON paths read from it). */
      const passed = (target: any, event: Record<string, string>) =>
        Object.fromEntries((target.SageMakerPipelineParameters?.PipelineParameterList ?? []).map((p: any) =>
          [p.Name, p.Value.startsWith('$.') ? event[p.Value.slice(2)] : p.Value]));
      /** A step's cache key in a run with these parameters (upstream step references left as they are). */
      const cacheKey = (step: any, params: Record<string, string>, def: any) => {
        const values = { ...Object.fromEntries(def.Parameters.map((p: any) => [p.Name, p.DefaultValue])), ...params };
        const resolve = (v: any): any => v && typeof v === 'object'
          ? (typeof v.Get === 'string' && v.Get.startsWith('Parameters.') ? values[v.Get.slice(11)] : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)])))
          : v;
        return JSON.stringify(KEY[step.Type].map((k) => resolve(step.Arguments[k])));
      };

      function started() {
        const stack = newStack();
        const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
        const p = new MlPipeline(stack, 'Pipeline', { spec: SPEC, registry, pipelineName: 'fraud-training', ...BASE, schedule: events.Schedule.cron({ weekDay: 'SUN', hour: '3', minute: '0' }) });
        const drift = DriftMonitor.fromDriftMonitorAttributes(stack, 'Drift', { endpointName: 'fraud', sustainedDriftAlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-drift' });
        drift.onSustainedDrift('RetrainOnDrift', { target: p.startTarget() });
        const targets = Object.values<any>(Template.fromStack(stack).findResources('AWS::Events::Rule')).map((r) => r.Properties.Targets[0]);
        return { def: resolvedDefinition(stack, p), targets };
      }

      it('two runs of a rule (a week apart, or two drift alarms) reuse no cached result of any step', () => {
        const { def, targets } = started();
        expect(targets).toHaveLength(2);
        const cached = def.Steps.filter((s: any) => s.CacheConfig?.Enabled);
        expect(cached.map((s: any) => s.Name)).toEqual(['prep', 'train', 'evaluate']);
        for (const target of targets) {
          const first = passed(target, { time: '2026-11-22T03:00:00Z', id: 'a' });
          const next = passed(target, { time: '2026-11-29T03:00:00Z', id: 'b' });
          for (const step of cached) {
            expect(cacheKey(step, next, def), `${step.Name} would reuse the earlier run's result`).not.toBe(cacheKey(step, first, def));
          }
        }
      });

      it('passes the event time as DataSnapshot, a declared parameter every job receives', () => {
        const { def, targets } = started();
        for (const target of targets) {
          expect(target.SageMakerPipelineParameters).toEqual({ PipelineParameterList: [{ Name: 'DataSnapshot', Value: '$.time' }] });
        }
        expect(def.Parameters).toContainEqual({ Name: 'DataSnapshot', Type: 'String', DefaultValue: 'manual' });
        for (const s of def.Steps.slice(0, 3)) {
          expect(s.Arguments.Environment.DATA_SNAPSHOT).toEqual({ Get: 'Parameters.DataSnapshot' });
        }
      });

      it('registers the data of the run as its dataset version: <DataVersion>@<DataSnapshot>', () => {
        const { def } = started();
        const reg = def.Steps[3].Arguments.IfSteps[0].Arguments;
        expect(reg.CustomerMetadataProperties['lineage:dataset-version']).toEqual({
          'Std:Join': { On: '@', Values: [{ Get: 'Parameters.DataVersion' }, { Get: 'Parameters.DataSnapshot' }] },
        });
        // what a scheduled run registers is a valid lineage record
        expect(() => Lineage.validate({
          datasetVersion: `${BASE.defaultDataVersion}@2026-11-29T03:00:00Z`,
          codeCommit: BASE.codeCommit,
          featureSetVersion: BASE.defaultFeatureSetVersion,
          evaluationReportUri: 's3://bucket/pipelines/fraud-training/run/evaluate/evaluation/evaluation.json',
        })).not.toThrow();
      });

      it('passes DataSnapshot to an imported pipeline only when it declares it', () => {
        const stack = newStack();
        const mine = MlPipeline.fromMlPipelineAttributes(stack, 'Mine', { pipelineName: 'fraud-training', declaresDataSnapshot: true });
        const other = MlPipeline.fromMlPipelineAttributes(stack, 'Other', { pipelineName: 'other-training' });
        new events.Rule(stack, 'Nightly', { schedule: events.Schedule.cron({ hour: '2', minute: '0' }), targets: [other.startTarget(), mine.startTarget()] });
        const [rule] = Object.values<any>(Template.fromStack(stack).findResources('AWS::Events::Rule'));
        expect(rule.Properties.Targets.map((x: any) => x.SageMakerPipelineParameters)).toEqual([
          undefined,
          { PipelineParameterList: [{ Name: 'DataSnapshot', Value: '$.time' }] },
        ]);
      });
    });

    it('makes no EventBridge role when nothing starts the pipeline', () => {
      const { t } = pipeline();
      expect(Object.values<any>(t.findResources('AWS::IAM::Role')).filter((r) => JSON.stringify(r).includes('events.amazonaws.com'))).toEqual([]);
    });

    it('keeps cached results as long as asked', () => {
      const { def } = pipeline({ cacheExpireAfter: Duration.hours(36) });
      expect(def.Steps[0].CacheConfig).toEqual({ Enabled: true, ExpireAfter: 'P1DT12H' });
    });

    it('runs with a given execution role, adding its statements to it', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const p = new MlPipeline(stack, 'Pipeline', { spec: SPEC, registry, pipelineName: 'fraud-training', ...BASE, role });
      expect(p.role).toBe(role);
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::SageMaker::Pipeline', { RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mine'), 'Arn'] } });
      t.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^Mine') }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sagemaker:CreateTrainingJob']) })]) },
      });
      expect(Object.keys(t.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('PipelineExecutionRole'))).toEqual([]);
      expect(resolvedDefinition(stack, p).Steps[0].Arguments.RoleArn).toMatch(/^<Mine.*\.Arn>$/);
    });

    it('turns off caching and retries, and runs in a VPC', () => {
      const inVpc = (props: Partial<MlPipelineProps>, groups?: (vpc: ec2.IVpc, stack: Stack) => ec2.ISecurityGroup[]) => {
        const stack = newStack();
        const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
        const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
        const p = new MlPipeline(stack, 'Pipeline', { spec: SPEC, registry, pipelineName: 'fraud-training', ...BASE, ...props, vpc, securityGroups: groups?.(vpc, stack) });
        return { t: Template.fromStack(stack), def: resolvedDefinition(stack, p) };
      };
      const { def } = inVpc({ caching: false, retryAttempts: 0 }, (_vpc, stack) => [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0')]);
      expect(def.Steps[0].CacheConfig).toBeUndefined();
      expect(def.Steps[0].RetryPolicies).toBeUndefined();
      expect(def.Steps[0].Arguments.NetworkConfig.VpcConfig).toEqual({ Subnets: ['subnet-0123456789abcdef0'], SecurityGroupIds: ['sg-0123456789abcdef0'] });
      expect(pipelineDefinitionValidator()(def)).toBe(true);
      const { t } = inVpc({});
      // Without groups: one that allows HTTPS out only.
      t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      });
      const actions = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((s) => [s.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeSubnets']));
    });
  });

  describe('imported (fromMlPipelineAttributes)', () => {
    it('starts an existing pipeline on rules with one EventBridge role, and grants starting it', () => {
      const stack = newStack();
      const training = MlPipeline.fromMlPipelineAttributes(stack, 'Training', { pipelineName: 'Fraud-Training' });
      const drift = DriftMonitor.fromDriftMonitorAttributes(stack, 'Drift', { endpointName: 'fraud', sustainedDriftAlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-drift' });
      drift.onSustainedDrift('RetrainOnDrift', { target: training.startTarget() });
      new events.Rule(stack, 'Nightly', { schedule: events.Schedule.cron({ hour: '2', minute: '0' }), targets: [training.startTarget()] });
      const deployer = new iam.Role(stack, 'Deployer', { assumedBy: new iam.AccountRootPrincipal() });
      training.grantStartExecution(deployer);

      const t = Template.fromStack(stack);
      // SageMaker lower-cases pipeline names in ARNs.
      const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:pipeline/fraud-training']] };
      expect(stack.resolve(training.pipelineArn)).toEqual(arn);
      t.resourceCountIs('AWS::Events::Rule', 2);
      for (const rule of Object.values<any>(t.findResources('AWS::Events::Rule'))) {
        expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: arn, RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^TrainingStartRole/), 'Arn'] } })]);
      }
      const startRoles = Object.entries<any>(t.findResources('AWS::IAM::Role')).filter(([, r]) => JSON.stringify(r).includes('events.amazonaws.com'));
      expect(startRoles).toHaveLength(1);
      const policies = Object.values<any>(t.findResources('AWS::IAM::Policy'));
      const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
      const starts = statements.filter((st) => st.Action === 'sagemaker:StartPipelineExecution');
      expect(starts.map((st) => st.Resource)).toEqual([arn, arn]); // the EventBridge role, the deployer
    });
  });

  describe('addStep', () => {
    const explain = { name: 'explain', kind: StepKind.PROCESSING, image: pin('explain', 'f'), inputs: ['train.model', 'prep.test'], outputs: ['shap'] };

    it('renders a step added after construction in its place in the DAG, and lets it pull its image', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const p = new MlPipeline(stack, 'Pipeline', { spec: SPEC, registry, pipelineName: 'fraud-training', ...BASE });
      p.addStep(explain);
      const def = resolvedDefinition(stack, p);
      expect(def.Steps.map((s: any) => s.Name)).toEqual(['prep', 'train', 'evaluate', 'explain', 'Gate']);
      expect(def.Steps[3].Arguments.ProcessingInputs.map((i: any) => i.S3Input.S3Uri)).toEqual([
        { Get: 'Steps.train.ModelArtifacts.S3ModelArtifacts' },
        { Get: "Steps.prep.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri" },
      ]);
      expect(pipelineDefinitionValidator()(def)).toBe(true);
      const body = JSON.stringify(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'));
      expect(body).toContain('explain');
      const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((x) => x.Properties.PolicyDocument.Statement);
      const pulls = statements.filter((st) => [st.Action].flat().includes('ecr:BatchGetImage')).flatMap((st) => [st.Resource].flat());
      expect(JSON.stringify(pulls)).toContain('repository/explain');
    });

    it('refuses a bad step at once, naming the property', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const p = new MlPipeline(stack, 'Pipeline', { spec: SPEC, registry, pipelineName: 'fraud-training', ...BASE });
      const e = expectValidationError(() => p.addStep({ ...explain, image: 'explain:latest', gpu: GpuModel.A10G }));
      expect(e.problems.map((x) => `${x.constructPath} ${x.property}`)).toEqual(expect.arrayContaining(['TestStack/Pipeline step.image', 'TestStack/Pipeline step.instanceType']));
    });

    it('fails synthesis when an added step conflicts with the others (same name, missing input)', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const p = new MlPipeline(stack, 'Pipeline', { spec: SPEC, registry, pipelineName: 'fraud-training', ...BASE });
      p.addStep({ ...explain, name: 'prep' });
      p.addStep({ ...explain, name: 'other', inputs: ['nowhere.out'] });
      expect(() => Template.fromStack(stack)).toThrow(/TestStack\/Pipeline: spec\.steps\[3\]\.name must be unique[\s\S]*spec\.steps\[4\]\.inputs\[0\] must be produced by an upstream step/);
    });
  });

  describe('rejected', () => {
    const step = (i: number, patch: object) => ({ ...SPEC, steps: SPEC.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
    it.each<[string, PipelineSpec, string, string]>([
      ['a cycle', step(2, { inputs: ['data', 'evaluate.evaluation'] }), 'spec.steps', 'must form a DAG; cycle'],
      ['a missing input', step(1, { inputs: ['prep.features'] }), 'spec.steps[1].inputs[0]', 'no step outputs "prep.features"'],
      ['a :latest image', step(1, { image: 'pytorch/pytorch:latest' }), 'spec.steps[1].image', 'moving tag'],
      ['a gate on a step that is not an evaluation', { ...SPEC, gate: { ...SPEC.gate, evaluationStep: 'train' } }, 'spec.gate.evaluationStep', 'must name a processing step with output "evaluation"'],
      ['an evaluation that does not follow training', step(0, { inputs: ['prep.test'] }), 'spec.gate.evaluationStep', 'must run after the training step "train"'],
      ['the training image as inference image', { ...SPEC, inferenceImage: SPEC.steps[1].image }, 'spec.inferenceImage', 'must differ from the training image'],
      ['two steps with one name', step(0, { name: 'prep' }), 'spec.steps[2].name', 'must be unique'],
    ])('%s', (_w, spec, property, allowed) => {
      const e = expectValidationError(() => pipeline({}, spec));
      const p = e.problems.find((x) => x.property === property);
      expect(p, e.message).toBeDefined();
      expect(p!.constructPath).toBe('TestStack/Pipeline');
      expect(p!.allowed).toContain(allowed);
    });

    it('a registry without an artifact bucket and no artifactBucket, with the other problems in one error', () => {
      const stack = newStack();
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', { modelPackageGroupName: 'fraud' });
      const e = expectValidationError(() => new MlPipeline(stack, 'Pipeline', { spec: SPEC, registry, ...BASE, codeCommit: 'abc1234' }));
      expect(e.problems.map((p) => `${p.property} ${p.allowed}`)).toEqual(expect.arrayContaining([
        'artifactBucket must be set when the registry has no artifact bucket',
        expect.stringMatching(/^codeCommit /),
      ]));
    });

    it.each<[string, Partial<MlPipelineProps>, string]>([
      ['a short commit', { codeCommit: 'abc1234' }, 'codeCommit'],
      ['an input outside S3', { defaultInputDataUri: '/data' }, 'defaultInputDataUri'],
      ['a data version too long for <version>@<event time>', { defaultDataVersion: `tx@${'a'.repeat(177)}` }, 'defaultDataVersion'],
      ['security groups without a VPC', { securityGroups: [] }, 'securityGroups'],
      ['a cache kept for less than an hour', { cacheExpireAfter: Duration.minutes(5) }, 'cacheExpireAfter'],
      ['a GPU step without a GPU instance type', { spec: { ...SPEC, steps: SPEC.steps.map((s) => (s.name === 'train' ? { ...s, instanceType: undefined, gpu: GpuModel.A10G } : s)) } }, 'spec.steps[1].instanceType'],
    ])('%s', (_w, props, property) => {
      expect(expectValidationError(() => pipeline(props)).problems.map((p) => p.property)).toContain(property);
    });
  });
});
