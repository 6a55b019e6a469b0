import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { ExperimentMath } from '../../lib/core/experiment';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { experimentSpecOf } from '../../lib/platform/private/experiment';
import { ENV, expectValidationError } from '../support/aws';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

function build(spec: PlatformSpec = SPEC): { platform: MlPlatform; t: Template } {
  const stack = new Stack(new App(), 'PlatformStack', { env: ENV });
  const platform = new MlPlatform(stack, 'Platform', { spec });
  return { platform, t: Template.fromStack(platform.models[0]) };
}

function withExperiment(change: (e: any) => void): PlatformSpec {
  const spec = structuredClone(SPEC) as any;
  change(spec.models[0].experiment);
  return spec;
}

describe('MlPlatform experiments (the example churn model runs churn-v8-retention)', () => {
  let t: Template;
  let platform: MlPlatform;
  beforeAll(() => {
    ({ t, platform } = build());
  });

  it('serves the challenger version as the variant "challenger" beside the control, with the spec\'s split', () => {
    const config = Object.values(t.findResources('AWS::SageMaker::EndpointConfig'))[0] as any;
    const variants = config.Properties.ProductionVariants;
    expect(variants.map((v: any) => [v.VariantName, v.InitialVariantWeight])).toEqual([['primary', 50], ['challenger', 50]]);
    // The challenger's model is version 8 of the model's own package group.
    const models = Object.values(t.findResources('AWS::SageMaker::Model')) as any[];
    const arns = JSON.stringify(models.map((m) => m.Properties));
    expect(arns).toContain('model-package/acme-churn/8');
  });

  it('renders aws.Experiment with the spec\'s design, metrics namespace and owned guardrail alarms', () => {
    const e = platform.models[0].experiment!;
    expect(e).toBeDefined();
    const spec = SPEC.models[0].experiment!;
    expect(e.design).toEqual(ExperimentMath.design(experimentSpecOf(spec)));
    expect(e.design.plannedDays).toBe(14);
    expect(e.guardrailAlarms).toHaveLength(3);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ METRICS_NAMESPACE: 'acme/churn' }) },
    });
  });

  it('takes the spec\'s metricsNamespace and challengerPercent', () => {
    const { t: t2, platform: p2 } = build(withExperiment((e) => {
      e.metricsNamespace = 'Acme/Business';
      e.challengerPercent = 10;
    }));
    const config = Object.values(t2.findResources('AWS::SageMaker::EndpointConfig'))[0] as any;
    expect(config.Properties.ProductionVariants.map((v: any) => v.InitialVariantWeight)).toEqual([90, 10]);
    t2.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ METRICS_NAMESPACE: 'Acme/Business' }) } });
    expect(p2.models[0].experiment!.design.challengerFraction).toBeCloseTo(0.1, 12);
  });

  it('puts the design and how to read the result in the runbook', () => {
    const runbook = platform.runbook();
    const d = platform.models[0].experiment!.design;
    expect(runbook).toContain('### Experiment `churn-v8-retention`: the served version (control) against version 8 (challenger)');
    expect(runbook).toContain(`| sample | ${d.sampleSizeControl.toLocaleString('en-US')} control + ${d.sampleSizeChallenger.toLocaleString('en-US')} challenger`);
    expect(runbook).toContain('| planned runtime | 14 days');
    expect(runbook).toContain('the SSM parameter `/cdk-mlops/experiments/acme-churn/churn-v8-retention`');
    // Each guardrail alarm is in the model's alarm table with its owner.
    for (const g of ['errors', 'latency', 'revenue']) {
      expect(runbook).toMatch(new RegExp(`\\| [^|]*${g}[^|]*\\|[^\\n]*churn-ml-oncall`));
    }
  });

  it('renders nothing of the kind without an experiment', () => {
    const spec = structuredClone(SPEC) as any;
    delete spec.models[0].experiment;
    const { t: t2, platform: p2 } = build(spec);
    expect(p2.models[0].experiment).toBeUndefined();
    const config = Object.values(t2.findResources('AWS::SageMaker::EndpointConfig'))[0] as any;
    expect(config.Properties.ProductionVariants.map((v: any) => v.VariantName)).toEqual(['primary']);
    expect(p2.runbook()).not.toContain('### Experiment');
  });

  it('refuses a challenger that is the served version, and an experiment without its Kubernetes part only on Kubernetes', () => {
    const error = expectValidationError(() => build(withExperiment((e) => {
      e.challengerVersion = 7;
    })));
    expect(error.message).toContain('models[0].experiment.challengerVersion must differ from serving.initialModelVersion (7)');
    // AWS ignores the kubernetes part.
    expect(() => build(withExperiment((e) => {
      delete e.kubernetes;
    }))).not.toThrow();
  });
});
