/**
 * Finding 13.13: every model-serving and job container declares its local disk, and every scratch
 * emptyDir is bounded, so a model download cannot fill a node's volume and evict its neighbours.
 * The rules are the kubelet's ("Local ephemeral storage"): an emptyDir past its sizeLimit, a
 * container past its limit, or a pod past the sum of its containers' limits is evicted; requests
 * are what the scheduler and Karpenter reserve.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../lib/core/gpu-catalog';
import { GateComparison, StepKind } from '../../lib/core/pipeline';
import { DriftMonitor } from '../../lib/k8s/drift-monitor';
import { GpuNodePool } from '../../lib/k8s/gpu-node-pool';
import { GpuServingEndpoint } from '../../lib/k8s/gpu-serving-endpoint';
import { MlPipeline } from '../../lib/k8s/ml-pipeline';
import { one, synthValid } from '../support/k8s';

const img = (repo: string, c: string) => `registry.example.com/fraud/${repo}@sha256:${c.repeat(64)}`;
const OWNERSHIP = { owner: 'fraud-oncall', runbookUrl: 'https://runbooks.example.com/fraud' };
const RESOURCES = { cpuRequest: '1', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '2Gi' };

const GI: Record<string, number> = { Mi: 1 / 1024, Gi: 1 };
function gib(q: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * GI[m[2]];
}

/** Every container declares ephemeral-storage; each emptyDir is bounded and fits in the sum of the limits. */
function checkPod(pod: { containers: any[]; volumes?: any[] }) {
  for (const c of pod.containers) {
    expect(c.resources.requests['ephemeral-storage'], c.name).toBeDefined();
    expect(c.resources.limits['ephemeral-storage'], c.name).toBeDefined();
    expect(gib(c.resources.requests['ephemeral-storage'])).toBeLessThanOrEqual(gib(c.resources.limits['ephemeral-storage']));
  }
  const limits = pod.containers.reduce((sum, c) => sum + gib(c.resources.limits['ephemeral-storage']), 0);
  const scratch = (pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.emptyDir.sizeLimit);
  for (const s of scratch) {
    expect(s).toBeDefined();
  }
  expect(scratch.reduce((sum: number, s: string) => sum + gib(s), 0)).toBeLessThan(limits);
}

describe('ephemeral storage', () => {
  it('model server: /tmp sized for the download (2 × model + 1 GiB), one copy requested', () => {
    const chart = Testing.chart();
    const pool = new GpuNodePool(chart, 'Pool', { gpu: GpuModel.A10G, clusterName: 'ml', nodeRole: 'NodeRole' });
    const ep = new GpuServingEndpoint(chart, 'Fraud', { image: img('triton', 'c'), nodePool: pool, resources: RESOURCES, alarmOwnership: OWNERSHIP, modelSizeGiB: 6 });
    ep.addContainer({ name: 'logger', image: img('logger', 'd'), resources: { cpuRequest: '100m', cpuLimit: '200m', memoryRequest: '128Mi', memoryLimit: '256Mi' } });
    const pod = one(synthValid(chart), 'Rollout').spec.template.spec;
    checkPod(pod);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '13Gi' } }]);
    expect(pod.containers[0].resources.requests['ephemeral-storage']).toBe('7Gi');
    expect(pod.containers[0].resources.limits['ephemeral-storage']).toBe('14Gi');
  });

  it('pipeline steps, registration and gate: bounded scratch and declared disk', () => {
    const chart = Testing.chart();
    new MlPipeline(chart, 'Fraud', {
      pipeline: {
        steps: [
          { name: 'train', kind: StepKind.TRAINING, image: img('train', 'c'), inputs: ['data'], command: ['python'], volumeSizeGiB: 50 },
          { name: 'evaluate', kind: StepKind.PROCESSING, image: img('eval', 'd'), inputs: ['train.model'], outputs: ['evaluation'], command: ['python'] },
        ],
        gate: { evaluationStep: 'evaluate', metric: 'auc', comparison: GateComparison.GREATER_THAN_OR_EQUAL, threshold: 0.9 },
        inferenceImage: img('triton', 'e'),
      },
      registerImage: img('register', 'f'),
      registerCommand: ['python'],
      trackingUri: 'http://mlflow.mlflow.svc:5000',
      inputData: 's3://acme-data/fraud/2025-06-01',
      artifactRoot: 's3://acme-artifacts/fraud',
      dataVersion: 'v1',
      codeCommit: 'a'.repeat(40),
      featureSetVersion: 'v3',
    });
    const templates = one(synthValid(chart), 'WorkflowTemplate').spec.templates.filter((t: any) => t.container);
    expect(templates.map((t: any) => t.name).sort()).toEqual(['evaluate', 'gate-failed', 'register', 'train']);
    for (const t of templates) {
      checkPod({ containers: [t.container], volumes: t.volumes });
    }
    const train = templates.find((t: any) => t.name === 'train');
    expect(train.volumes[0].emptyDir.sizeLimit).toBe('50Gi');
    expect(train.container.resources.requests['ephemeral-storage']).toBe('50Gi');
  });

  it('drift job: its logs only, bounded', () => {
    const chart = Testing.chart();
    new DriftMonitor(chart, 'Drift', {
      endpointName: 'fraud',
      image: img('drift', 'a'),
      captureUri: 's3://capture/fraud/',
      baselineUri: 's3://baselines/fraud/baseline.json',
      features: ['amount'],
      alarmOwnership: OWNERSHIP,
      pushgatewayUrl: 'http://pushgateway.monitoring:9091',
    });
    const pod = one(synthValid(chart), 'CronJob').spec.jobTemplate.spec.template.spec;
    checkPod(pod);
  });
});
