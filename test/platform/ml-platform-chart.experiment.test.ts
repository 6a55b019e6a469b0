import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { ExperimentMath } from '../../lib/core/experiment';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { experimentSpecOf } from '../../lib/platform/private/experiment';
import { expectValidationError } from '../support/aws';
import { synthValid } from '../support/k8s';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

function build(spec: PlatformSpec = SPEC): { chart: MlPlatformChart; objects: any[] } {
  const chart = new MlPlatformChart(Testing.app(), 'platform', { spec });
  return { chart, objects: chart.charts.flatMap((c) => synthValid(c)) };
}

describe('MlPlatformChart experiments (the example churn model runs churn-v8-retention)', () => {
  let objects: any[];
  let chart: MlPlatformChart;
  beforeAll(() => {
    ({ chart, objects } = build());
  });

  it('runs the challenger as the Rollout\'s canary at the spec\'s split, decided by the decision analysis', () => {
    const rollout = objects.find((o) => o.kind === 'Rollout' && o.metadata.name === 'acme-churn');
    // The challenger has an annotation of its own, which the server reads during the experiment; the
    // promoter's annotation keeps the control, and the experiment's annotation pauses the promoter.
    expect(rollout.spec.template.metadata.annotations).toEqual({
      'mlops.cdk.io/model-uri': 's3://acme-ml-models/churn/7/',
      'mlops.cdk.io/challenger-model-uri': 's3://acme-ml-models/churn/8/',
      'mlops.cdk.io/experiment': 'churn-v8-retention',
    });
    expect(rollout.spec.template.spec.containers[0].env[1]).toEqual({
      name: 'MODEL_URI', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['mlops.cdk.io/challenger-model-uri']" } },
    });
    expect(rollout.spec.strategy.canary.steps[0]).toEqual({ setWeight: 50 });
    expect(rollout.spec.strategy.canary.steps[1].analysis.templates).toEqual([{ templateName: 'churn-v8-retention-decision' }]);
    const background = rollout.spec.strategy.canary.analysis.templates.map((t: any) => t.templateName);
    expect(background).toContain('churn-v8-retention-guardrails');
  });

  it('gives the decision Job the spec as the construct reads it, and the same design as AWS', () => {
    const decision = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === 'churn-v8-retention-decision');
    const env = JSON.stringify(decision.spec);
    const spec = experimentSpecOf(SPEC.models[0].experiment!);
    expect(env).toContain(JSON.stringify(JSON.stringify(spec)).slice(1, -1));
    const model = chart.models[0];
    expect(model.experiment!.plannedDays).toBe(ExperimentMath.design(spec).plannedDays);
  });

  it('has the guardrails in an AnalysisTemplate in the model\'s namespace', () => {
    const guardrails = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === 'churn-v8-retention-guardrails');
    expect(guardrails.metadata.namespace).toBe(chart.models[0].namespace);
    expect(guardrails.spec.metrics.map((m: any) => m.name).sort()).toEqual(expect.arrayContaining([expect.stringContaining('errors'), expect.stringContaining('latency'), expect.stringContaining('revenue')]));
  });

  it('renders no experiment without the section', () => {
    const spec = structuredClone(SPEC) as any;
    delete spec.models[0].experiment;
    const { objects: plain } = build(spec);
    expect(plain.filter((o) => o.kind === 'AnalysisTemplate' && /retention/.test(o.metadata.name))).toHaveLength(0);
    // Removing the experiment gives back the pod template without it: the stable one, for Argo Rollouts.
    const rollout = plain.find((o) => o.kind === 'Rollout' && o.metadata.name === 'acme-churn');
    expect(rollout.spec.template.metadata.annotations).toEqual({ 'mlops.cdk.io/model-uri': 's3://acme-ml-models/churn/7/' });
    expect(rollout.spec.template.spec.containers[0].env[1].valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['mlops.cdk.io/model-uri']");
    const withIt = objects.find((o) => o.kind === 'Rollout' && o.metadata.name === 'acme-churn');
    const { containers: a, ...restWith } = withIt.spec.template.spec;
    const { containers: b, ...restPlain } = rollout.spec.template.spec;
    expect(restWith).toEqual(restPlain);
    expect({ ...a[0], env: undefined }).toEqual({ ...b[0], env: undefined });
  });

  it('refuses an experiment without its Kubernetes part', () => {
    const spec = structuredClone(SPEC) as any;
    delete spec.models[0].experiment.kubernetes;
    const error = expectValidationError(() => build(spec));
    expect(error.message).toContain('models[0].experiment.kubernetes is required to render an experiment on Kubernetes');
  });
});
