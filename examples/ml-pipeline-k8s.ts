/**
 * Fraud-detection training pipeline on Kubernetes as Argo Workflows: validate → preprocess → train
 * on an A10G GPU pool → evaluate → gate (AUC at least 0.90 and at least the production model's) →
 * register in MLflow, every Sunday at 03:00 UTC.
 */
import { Chart, ChartProps, Cron } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../lib';
import { FRAUD_PIPELINE } from './ml-pipeline';
import { FRAUD_COST } from './shared';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const image = (repo: string, byte: string) => `${ECR}/fraud/${repo}@sha256:${byte.repeat(32)}`;

/** The pipeline spec (target-neutral: the same spec renders on SageMaker Pipelines). */
export class MlPipelineK8sExampleChart extends Chart {
  public readonly pipeline: k8s.MlPipeline;

  /**
   * @param trainingPool the GPU pool for training steps; all pools live in one chart so that they
   * share the one NVIDIA device plugin ConfigMap
   */
  constructor(scope: Construct, id: string, trainingPool: k8s.GpuNodePool, props?: ChartProps) {
    super(scope, id, props);
    // Cost allocation: every resource below is billed to the fraud model, its owner and the platform.
    k8s.CostAllocation.apply(this, FRAUD_COST);
    // The same spec as the SageMaker pipeline (examples/ml-pipeline.ts): same DAG, same gate.
    this.pipeline = new k8s.MlPipeline(this, 'FraudTraining', {
      name: 'fraud-training',
      pipeline: FRAUD_PIPELINE,
      gpuNodePool: trainingPool,
      registerImage: image('mlflow-register', 'f6'),
      registerCommand: ['python', '-m', 'fraud.register'],
      trackingUri: 'http://mlflow.mlflow.svc.cluster.local:5000',
      inputData: 's3://acme-ml-data/fraud/transactions/2025-06-01',
      artifactRoot: 's3://acme-ml-artifacts/fraud/pipeline',
      dataVersion: 'transactions-2025-06-01',
      codeCommit: '3f2a9c1e7b4d5a6f8e9d0c1b2a3f4e5d6c7b8a90',
      featureSetVersion: 'fraud-features-v3',
      resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '16Gi' },
      serviceAccountRoleArn: 'arn:aws:iam::123456789012:role/fraud-training-pipeline',
      // Sundays at 03:00 (UTC)
      schedule: Cron.schedule({ minute: '0', hour: '3', weekDay: '0' }),
    });
  }
}

export function addMlPipelineK8sExamples(k8sApp: import('cdk8s').App, trainingPool: k8s.GpuNodePool): Chart[] {
  return [new MlPipelineK8sExampleChart(k8sApp, 'ml-pipeline', trainingPool)];
}
