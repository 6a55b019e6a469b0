/**
 * Finding 13.13: an Argo step without `command` makes the workflow controller look the image's
 * entrypoint up in its registry before it creates the pod (argo-workflows
 * workflow/controller/workflowpod.go, createWorkflowPod), which fails for ECR images pulled with
 * the node's role. Every such step is named in a warning; steps with a command are not.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GateComparison, PipelineStep, StepKind } from '../../lib/core/pipeline';
import { warningsOf } from '../../lib/core/warnings';
import { MlPipeline, MlPipelineProps } from '../../lib/k8s/ml-pipeline';
import { ENTRYPOINT_LOOKUP_WARNING } from '../../lib/k8s/private/argo-entrypoint';
import { synthValid } from '../support/k8s';

const img = (repo: string, c: string) => `registry.example.com/fraud/${repo}@sha256:${c.repeat(64)}`;

const STEPS: PipelineStep[] = [
  { name: 'prepare', kind: StepKind.PROCESSING, image: img('prep', 'b'), inputs: ['data'], outputs: ['train'] },
  { name: 'train', kind: StepKind.TRAINING, image: img('train', 'c'), inputs: ['prepare.train'], command: ['python', '-m', 'train'] },
  { name: 'evaluate', kind: StepKind.PROCESSING, image: img('eval', 'd'), inputs: ['train.model'], outputs: ['evaluation'], command: ['python', '-m', 'evaluate'] },
];

function build(props: Partial<MlPipelineProps> = {}) {
  const chart = Testing.chart();
  const pipeline = new MlPipeline(chart, 'Fraud', {
    pipeline: {
      steps: STEPS,
      gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
      inferenceImage: img('triton', 'e'),
    },
    registerImage: img('register', 'f'),
    trackingUri: 'http://mlflow.mlflow.svc:5000',
    inputData: 's3://acme-data/fraud/2025-06-01',
    artifactRoot: 's3://acme-artifacts/fraud',
    dataVersion: 'tx-2025-06-01',
    codeCommit: 'a'.repeat(40),
    featureSetVersion: 'fraud-v3',
    ...props,
  });
  return { chart, pipeline };
}

const lookups = (pipeline: MlPipeline) => warningsOf(pipeline).filter((w) => w.id === ENTRYPOINT_LOOKUP_WARNING).map((w) => w.message);

describe('MlPipeline steps without a command', () => {
  it('names each step whose entrypoint the controller would look up, and only those', () => {
    const { chart, pipeline } = build();
    pipeline.addStep({ name: 'bias', kind: StepKind.PROCESSING, image: img('bias', '1'), inputs: ['train.model'] });
    synthValid(chart);
    const messages = lookups(pipeline);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain('step prepare has no command');
    expect(messages[1]).toContain('step register has no command');
    expect(messages[2]).toContain('step bias has no command');
    expect(messages.join('\n')).not.toContain('step train ');
  });

  it('no warning when every step and the registration have a command', () => {
    const { pipeline } = build({
      pipeline: {
        steps: STEPS.map((s) => ({ ...s, command: s.command ?? ['python', '-m', s.name] })),
        gate: { evaluationStep: 'evaluate', metric: 'metrics.auc.value', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
        inferenceImage: img('triton', 'e'),
      },
      registerCommand: ['python', '-m', 'register'],
    });
    expect(lookups(pipeline)).toEqual([]);
  });
});
