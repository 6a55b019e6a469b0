import { CfnElement, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNag } from '../../aws/private/nag';
import { StepKind } from '../../core/pipeline';
import { PlatformModelSpec } from '../../core/platform-spec';
import { PlatformModel } from '../platform-model';

interface Finding {
  readonly resource: string;
  readonly reason: string;
}

/**
 * Acknowledge, by exact finding id and with its reason, each wildcard resource a platform model's
 * roles need by construction (AwsSolutions-IAM5). The list is computed from the model, so a change
 * in a construct's policy that is not listed here fails cdk-nag instead of being silenced.
 */
export function acknowledgeInherentWildcards(model: PlatformModel, spec: PlatformModelSpec): void {
  const stack = Stack.of(model);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const arn = (service: string, resource: string) => `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
  const ref = (c: IConstruct) => `<${stack.getLogicalId(c.node.defaultChild as CfnElement)}.Arn>`;
  const group = model.registry.modelPackageGroupName;
  const artifacts = ref(model.registry.artifactBucket!);
  const capture = model.endpoint.dataCaptureLocation!;
  const captureObjects = `${ref(capture.bucket)}/${capture.prefix}/*`;
  const packages: Finding = { resource: arn('sagemaker', `model-package/${group}/*`), reason: 'Model package versions are numbered at registration.' };
  const registryObjects: Finding = { resource: `${artifacts}/*`, reason: 'Registered versions keep their artifacts under per-version keys of the registry bucket.' };

  const kinds = new Set(spec.pipeline.steps.map((s) => s.kind));
  const jobs = [...kinds].sort().map((k) => (k === StepKind.TRAINING ? ['training-job', 'TrainingJobs'] : ['processing-job', 'ProcessingJobs']));
  const input = /^s3:\/\/(.+)$/.exec(spec.training.inputDataUri)![1];
  acknowledge(model.pipeline.role, [
    { resource: '*', reason: 'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are limited to the steps\' repositories.' },
    ...jobs.map(([job]) => ({ resource: arn('sagemaker', `${job}/pipelines-*`), reason: 'SageMaker Pipelines names its jobs pipelines-<execution id>-<step>-<suffix> at run time.' })),
    ...jobs.map(([, logs]) => ({ resource: arn('logs', `log-group:/aws/sagemaker/${logs}:*`), reason: 'Jobs write to log streams named after the run-time job name.' })),
    { resource: `${artifacts}/pipelines/${model.pipeline.pipelineName}/*`, reason: 'Step outputs are written under per-execution keys below the pipeline prefix.' },
    { resource: `arn:<AWS::Partition>:s3:::${input}*`, reason: 'Scheduled and drift-started runs read every object of the training data prefix.' },
    packages,
    registryObjects,
  ]);
  acknowledge(model.endpoint.role, [
    {
      resource: '*',
      reason: 'ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level permissions; PutMetricData is limited to the /aws/sagemaker/Endpoints namespace by a condition.',
    },
    { resource: arn('logs', `log-group:/aws/sagemaker/Endpoints/${model.endpoint.endpointName}:log-stream:*`), reason: 'SageMaker names the endpoint\'s log streams at run time.' },
    { resource: captureObjects, reason: 'SageMaker writes captured requests under dated keys below the endpoint\'s capture prefix.' },
    packages,
    registryObjects,
  ]);
  acknowledge(model.promotion.handler.role!, [
    packages,
    {
      resource: `arn:<AWS::Partition>:cloudformation:${region}:${account}:stack/${Stack.of(model.modelPackageParameter).stackName}/*`,
      reason: 'A stack\'s ARN ends in the unique id CloudFormation gives it at creation; the statement names the platform\'s stack.',
    },
    ...['endpoint-config', 'model'].map((type) => ({
      resource: arn('sagemaker', `${type}/*`),
      reason: 'CloudFormation names the serving stack\'s endpoint configs and models; a condition on its aws:cloudformation:stack-name tag limits the reconcile\'s reads to that stack\'s.',
    })),
  ]);
  acknowledge(model.drift.job.role!, [
    { resource: '*', reason: 'cloudwatch:PutMetricData has no resource-level permissions; a condition limits it to the drift namespace.' },
    { resource: captureObjects, reason: 'The drift job reads the captured objects of its endpoint, named by SageMaker by hour.' },
  ]);
}

function acknowledge(scope: IConstruct, findings: Finding[]): void {
  acknowledgeNag(scope, findings.map((f) => ({ rule: 'AwsSolutions-IAM5', finding: `Resource::${f.resource}`, reason: f.reason })));
}
