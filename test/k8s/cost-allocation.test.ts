import * as cdk from 'aws-cdk-lib';
import { ApiObject, Chart, Cron, Lazy, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { CostAllocation } from '../../lib/k8s/cost-allocation';
import { expectValidationError } from '../support/aws';
import { synthValid } from '../support/k8s';

const FRAUD = { platform: 'acme', model: 'fraud', owner: 'fraud-ml-oncall' };
const LABELS = { model: 'fraud', owner: 'fraud-ml-oncall', platform: 'acme' };
const image = `registry.example.com/server@sha256:${'a'.repeat(64)}`;

function byName(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

describe('k8s.CostAllocation', () => {
  it('labels every object and the pods of cdk8s-plus workloads and CronJobs', () => {
    const chart = Testing.chart();
    new kplus.Deployment(chart, 'Server', { containers: [{ image, securityContext: { user: 1000 } }] });
    new kplus.CronJob(chart, 'Nightly', { schedule: Cron.daily(), containers: [{ image, securityContext: { user: 1000 } }] });
    new kplus.ConfigMap(chart, 'Config', { data: { a: 'b' } });
    CostAllocation.apply(chart, FRAUD);
    const objects = synthValid(chart);
    expect(objects.length).toBeGreaterThanOrEqual(3);
    for (const o of objects) expect(o.metadata.labels, `${o.kind} ${o.metadata.name}`).toMatchObject(LABELS);
    expect(objects.find((o) => o.kind === 'Deployment').spec.template.metadata.labels).toMatchObject(LABELS);
    expect(objects.find((o) => o.kind === 'CronJob').spec.jobTemplate.spec.template.metadata.labels).toMatchObject(LABELS);
    // The selector is the Deployment's own and still matches its pods.
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('labels pods where each kind keeps them: Rollout, Workflow templates, CronWorkflow, InferenceService', () => {
    const chart = Testing.chart();
    new ApiObject(chart, 'Rollout', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'r' },
      spec: { template: { metadata: { labels: { app: 'r' } }, spec: { containers: [] } } },
    });
    new ApiObject(chart, 'Template', { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name: 't' }, spec: { entrypoint: 'main' } });
    new ApiObject(chart, 'Cron', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: { name: 'c' },
      spec: { schedule: '0 1 * * *', workflowSpec: { podMetadata: { annotations: { a: 'b' } } } },
    });
    new ApiObject(chart, 'Isvc', { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'i' }, spec: { predictor: { model: {} } } });
    CostAllocation.apply(chart, FRAUD);
    const objects = Testing.synth(chart);
    expect(byName(objects, 'Rollout', 'r').spec.template.metadata.labels).toEqual({ app: 'r', ...LABELS });
    expect(byName(objects, 'WorkflowTemplate', 't').spec.podMetadata).toEqual({ labels: LABELS });
    expect(byName(objects, 'CronWorkflow', 'c').spec.workflowSpec.podMetadata).toEqual({ annotations: { a: 'b' }, labels: LABELS });
    expect(byName(objects, 'InferenceService', 'i').spec.predictor.labels).toEqual(LABELS);
  });

  it('labels the pods of Argo Events (EventSource, Sensor, EventBus) and KServe components, creating no component', () => {
    const chart = Testing.chart();
    const pods = { template: { container: { image } } };
    new ApiObject(chart, 'Source', { apiVersion: 'argoproj.io/v1alpha1', kind: 'EventSource', metadata: { name: 's' }, spec: { ...pods, webhook: {} } });
    new ApiObject(chart, 'Sensor', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Sensor', metadata: { name: 'n' }, spec: { ...pods, triggers: [] } });
    new ApiObject(chart, 'Bus', { apiVersion: 'argoproj.io/v1alpha1', kind: 'EventBus', metadata: { name: 'default' }, spec: { jetstream: { version: 'latest' } } });
    new ApiObject(chart, 'Isvc', {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'i' },
      spec: { predictor: { model: {} }, transformer: { labels: { app: 't' }, containers: [] } },
    });
    CostAllocation.apply(chart, FRAUD);
    const objects = Testing.synth(chart);
    expect(byName(objects, 'EventSource', 's').spec.template.metadata.labels).toEqual(LABELS);
    expect(byName(objects, 'Sensor', 'n').spec.template.metadata.labels).toEqual(LABELS);
    expect(byName(objects, 'EventBus', 'default').spec.jetstream.metadata.labels).toEqual(LABELS);
    const isvc = byName(objects, 'InferenceService', 'i').spec;
    expect(isvc.transformer.labels).toEqual({ app: 't', ...LABELS });
    expect(isvc.explainer).toBeUndefined();
    expect(byName(objects, 'EventBus', 'default').spec.nats).toBeUndefined();
  });

  it('replaces a chart\'s label (it never reaches the pods): the object and its pods say the same model', () => {
    const chart = new Chart(Testing.app(), 'c', { labels: { model: 'chart-model', team: 'ml' } });
    new ApiObject(chart, 'Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { containers: [] } } } });
    CostAllocation.apply(chart, FRAUD);
    const job = Testing.synth(chart)[0];
    expect(job.metadata.labels).toEqual({ team: 'ml', ...LABELS });
    expect(job.spec.template.metadata.labels).toEqual(LABELS);
  });

  it('keeps an aws-cdk-lib token as it is (its stack resolves it), not made label-safe', () => {
    const chart = Testing.chart();
    new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    const owner = cdk.Lazy.string({ produce: () => 'team' });
    CostAllocation.apply(chart, { platform: 'acme', owner });
    expect(Testing.synth(chart)[0].metadata.labels.owner).toBe(owner);
  });

  it('keeps a label an object sets itself, lets a nearer apply win, labels objects added after apply', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'serving');
    const model = new Construct(chart, 'Fraud');
    CostAllocation.apply(chart, { platform: 'acme', owner: 'ml-platform-oncall', tags: { 'acme.io/team': 'ML Platform' } });
    CostAllocation.apply(model, FRAUD);
    new ApiObject(chart, 'Shared', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', labels: { owner: 'finance' } } });
    new ApiObject(model, 'Job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'score' },
      spec: { template: { metadata: { labels: { model: 'own' } }, spec: { containers: [] } } },
    });
    const objects = Testing.synth(chart);
    expect(byName(objects, 'ConfigMap', 'shared').metadata.labels).toEqual({ 'acme.io/team': 'ML-Platform', 'model': 'shared', 'owner': 'finance', 'platform': 'acme' });
    const job = byName(objects, 'Job', 'score');
    expect(job.metadata.labels).toEqual({ 'acme.io/team': 'ML-Platform', ...LABELS });
    // The pod template's own `model` stays; the rest is the nearer apply's.
    expect(job.spec.template.metadata.labels).toEqual({ 'acme.io/team': 'ML-Platform', ...LABELS, 'model': 'own' });
    // A second synthesis renders the same (the labels are added once).
    expect(Testing.synth(chart)).toEqual(objects);
  });

  it('refuses every bad value at once: tag keys that are no label keys, values with no letter or digit, reserved keys', () => {
    const chart = Testing.chart();
    const error = expectValidationError(() => CostAllocation.apply(chart, {
      platform: 'acme', owner: '@@', tags: { 'cost center': 'x', 'platform': 'y' },
    }));
    expect(error.problems.map((p) => p.property).sort()).toEqual(['owner', 'tags.cost center', 'tags.platform']);
    expect(error.problems.find((p) => p.property === 'tags.cost center')!.allowed).toMatch(/Kubernetes label key/);
    expect(error.problems[0].constructPath).toBe(chart.node.path);
  });

  it('does not judge a value known at synthesis only (Lazy)', () => {
    const chart = Testing.chart();
    new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    CostAllocation.apply(chart, { platform: 'acme', owner: Lazy.any({ produce: () => 'ml team' }) as unknown as string });
    expect(Testing.synth(chart)[0].metadata.labels.owner).toBe('ml-team');
  });

  it('labelsOf says what apply sets, label-safe', () => {
    expect(CostAllocation.labelsOf({ platform: 'acme', owner: 'ml team@acme' })).toEqual({ model: 'shared', owner: 'ml-team-acme', platform: 'acme' });
  });
});
