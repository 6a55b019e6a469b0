/**
 * MlPipeline on AWS: the fraud-detection training pipeline, validate → preprocess → train (GPU) →
 * evaluate → gate (AUC ≥ 0.90 and at least the production model) → register, weekly and on drift.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { FRAUD_COST, accessLogsBucket } from './shared';
import { aws, core } from '../lib';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const pin = (repo: string, n: string) => `${ECR}/${repo}@sha256:${n.repeat(32)}`;

/** The fraud pipeline, target-neutral: rendered on SageMaker here and on Argo in ml-pipeline-k8s.ts. */
export const FRAUD_PIPELINE: core.PipelineSpec = {
  steps: [
    { name: 'validate', kind: core.StepKind.PROCESSING, image: pin('fraud/data-checks', 'a1'), inputs: ['data'], outputs: ['report'] },
    { name: 'preprocess', kind: core.StepKind.PROCESSING, image: pin('fraud/features', 'b2'), inputs: ['data', 'validate.report'], outputs: ['train', 'test'] },
    {
      name: 'train',
      kind: core.StepKind.TRAINING,
      image: pin('fraud/train', 'c3'),
      inputs: ['preprocess.train'],
      instanceType: 'ml.g5.2xlarge',
      gpu: core.GpuModel.A10G,
      maxRuntime: Duration.hours(4),
    },
    { name: 'evaluate', kind: core.StepKind.PROCESSING, image: pin('fraud/evaluate', 'd4'), inputs: ['train.model', 'preprocess.test'], outputs: ['evaluation'] },
  ],
  gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: core.GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9, compareToProduction: true },
  inferenceImage: pin('fraud/server', 'e5'),
};

export interface MlPipelineExampleStackProps extends StackProps {
  /** The served model's drift monitor (of the serving stack): its sustained drift starts a retraining run. */
  readonly retrainOn: aws.IDriftMonitor;
}

export class MlPipelineExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: MlPipelineExampleStackProps) {
    super(scope, id, props);
    // Cost allocation: every resource below is billed to the fraud model, its owner and the platform.
    aws.CostAllocation.apply(this, FRAUD_COST);
    const accessLogs = accessLogsBucket(this);
    const registry = new aws.ModelRegistry(this, 'Registry', { modelPackageGroupName: 'fraud-detection-candidates', serverAccessLogsBucket: accessLogs });
    const pipeline = new aws.MlPipeline(this, 'Training', {
      spec: FRAUD_PIPELINE,
      registry,
      pipelineName: 'fraud-training',
      codeCommit: '0123456789abcdef0123456789abcdef01234567',
      defaultDataVersion: 'transactions@latest-snapshot',
      defaultFeatureSetVersion: 'fs-3f9a2c1b0d4e',
      defaultInputDataUri: 's3://acme-ml-data/fraud/transactions/',
      schedule: events.Schedule.cron({ weekDay: 'SUN', hour: '3', minute: '0' }),
    });
    // capture → drift → retrain: the serving stack's sustained drift starts a run (the gate and the
    // manual approval still stand between that run and production). The rule lives in this stack, on
    // the drift monitor imported here: in the serving stack it would need this stack's start role. Like
    // the weekly schedule, the rule passes its event's time as DataSnapshot: the run trains on the data
    // of that moment (no cached step) and registers transactions@latest-snapshot@<time> as its lineage.
    const drift = aws.DriftMonitor.fromDriftMonitorAttributes(this, 'FraudDrift', {
      endpointName: props.retrainOn.endpointName,
      sustainedDriftAlarmArn: props.retrainOn.sustainedDriftAlarm.alarmArn,
    });
    drift.onSustainedDrift('RetrainOnDrift', {
      description: `Retrain ${pipeline.pipelineName} when ${props.retrainOn.sustainedDriftAlarm.alarmName} fires`,
      target: pipeline.startTarget(),
    });
  }
}

export function addMlPipelineExamples(awsApp: import('aws-cdk-lib').App, retrainOn: aws.IDriftMonitor): Stack[] {
  return [new MlPipelineExampleStack(awsApp, 'MlopsPipeline', { env: { account: '123456789012', region: 'eu-west-1' }, retrainOn })];
}
