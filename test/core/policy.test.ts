import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { PSI_ACT_THRESHOLD, PSI_INVESTIGATE_THRESHOLD } from '../../lib/core/drift';
import { PlatformSpec } from '../../lib/core/platform-spec';
import {
  DEFAULT_CANARY_PERCENT, DEFAULT_DRIFT_SCHEDULE_MINUTES,
  DEFAULT_SERVING_REPLICAS, DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS,
  GPU_MEMORY_ALARM_PERCENT,
} from '../../lib/core/policy';
import { DEFAULT_MAX_ERROR_RATE_PERCENT } from '../../lib/core/rollback';
import { DEFAULT_BAKE_MINUTES } from '../../lib/core/rollout';
import { defaultCanaryPercent } from '../../lib/core/sagemaker-routing';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV } from '../support/aws';

/**
 * One spec rendered on both targets: what each enforces must be the same policy. The example spec
 * with the serving policy left to the defaults (no canary share, bake, error rate or instance count).
 */
const SPEC: PlatformSpec = (() => {
  const spec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
  for (const m of spec.models) {
    delete m.serving.canaryPercent;
    delete m.serving.bakeMinutes;
    delete m.serving.maxErrorRatePercent;
    delete m.serving.instanceCount;
    delete m.serving.maxInstanceCount;
    // An experiment replaces the canary while it runs (test/platform/*.experiment.test.ts).
    delete m.experiment;
  }
  return spec;
})();

describe('one policy on both targets (the example platform with default serving policy)', () => {
  let aws: Template;
  let k8s: any[];
  const awsAlarm = (prefix: string) => Object.entries<any>(aws.findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith(prefix))![1].Properties;
  const k8sRule = (alert: RegExp) => k8s.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules)).find((r: any) => alert.test(r.alert));

  beforeAll(() => {
    const stack = new Stack(new App(), 'Platform', { env: ENV });
    aws = Template.fromStack(new MlPlatform(stack, 'Platform', { spec: SPEC }).models[0]);
    k8s = new MlPlatformChart(Testing.app(), 'platform', { spec: SPEC }).charts.flatMap((c) => Testing.synth(c));
  });

  it('the canary: the same share of traffic and the same bake before the rest moves', () => {
    // 10 %, or one instance of a fleet too small for it: on the default 2 instances, one of them (50 %).
    const share = defaultCanaryPercent(DEFAULT_SERVING_REPLICAS);
    expect(share).toBe(50);
    expect(defaultCanaryPercent(10)).toBe(DEFAULT_CANARY_PERCENT);
    const routing = Object.values<any>(aws.findResources('AWS::SageMaker::Endpoint'))[0].Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration;
    expect(routing).toEqual({ Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: share }, WaitIntervalInSeconds: DEFAULT_BAKE_MINUTES * 60 });
    const steps = k8s.find((o) => o.kind === 'Rollout').spec.strategy.canary.steps;
    expect(steps.slice(0, 2)).toEqual([{ setWeight: share }, { pause: { duration: `${DEFAULT_BAKE_MINUTES * 60}s` } }]);
  });

  it('the fleet: the same number of instances and replicas', () => {
    const config = Object.values<any>(aws.findResources('AWS::SageMaker::EndpointConfig'))[0].Properties;
    expect(config.ProductionVariants[0].InitialInstanceCount).toBe(DEFAULT_SERVING_REPLICAS);
    expect(k8s.find((o) => o.kind === 'Rollout').spec.replicas).toBe(DEFAULT_SERVING_REPLICAS);
  });

  it('the rollback trigger: the same 5xx rate, judged on AWS by the alarm and on Kubernetes by the analysis and the alert', () => {
    expect(awsAlarm('ServingRollbackerrorrate').Threshold).toBe(DEFAULT_MAX_ERROR_RATE_PERCENT);
    const analysis = k8s.find((o) => o.kind === 'AnalysisTemplate').spec.metrics.find((m: any) => /error/.test(m.name));
    expect(analysis.failureCondition).toBe(`len(result) > 0 && !isNaN(result[0]) && result[0] > ${DEFAULT_MAX_ERROR_RATE_PERCENT}`);
    expect(k8sRule(/error/i).expr).toMatch(new RegExp(`\\) > ${DEFAULT_MAX_ERROR_RATE_PERCENT}$`));
  });

  it('GPU memory: the same share of the GPUs\' memory', () => {
    expect(awsAlarm('ServingGpuMemoryAlarm').Threshold).toBe(GPU_MEMORY_ALARM_PERCENT); // one GPU on ml.g5
    expect(k8sRule(/GpuMemory/i).expr).toMatch(new RegExp(`\\) > ${GPU_MEMORY_ALARM_PERCENT / 100}$`));
  });

  it('drift: the same PSI thresholds, and sustained drift as the same M of N runs', () => {
    expect(awsAlarm('DriftInvestigate').Threshold).toBe(PSI_INVESTIGATE_THRESHOLD);
    expect(awsAlarm('DriftAct').Threshold).toBe(PSI_ACT_THRESHOLD);
    const sustained = awsAlarm('DriftSustained');
    expect([sustained.Threshold, sustained.DatapointsToAlarm, sustained.EvaluationPeriods])
      .toEqual([PSI_ACT_THRESHOLD, DEFAULT_SUSTAINED_DRIFT_DATAPOINTS, DEFAULT_SUSTAINED_DRIFT_PERIODS]);
    expect(k8sRule(/Investigate/i).expr).toMatch(new RegExp(` > ${PSI_INVESTIGATE_THRESHOLD}$`));
    expect(k8sRule(/Act/).expr).toMatch(new RegExp(` > ${PSI_ACT_THRESHOLD}$`));
    const k8sSustained = k8sRule(/Sustained/i).expr;
    expect(k8sSustained).toContain(`> ${PSI_ACT_THRESHOLD})[${DEFAULT_SUSTAINED_DRIFT_PERIODS * 60}m:60m]`);
    expect(k8sSustained).toMatch(new RegExp(`>= ${DEFAULT_SUSTAINED_DRIFT_DATAPOINTS}$`));
  });

  it('drift runs: the same interval, and each run judges the traffic since the last one', () => {
    const lambda = Object.values<any>(aws.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.WINDOW_MINUTES);
    expect(lambda.Properties.Environment.Variables.WINDOW_MINUTES).toBe(String(DEFAULT_DRIFT_SCHEDULE_MINUTES));
    const rule = Object.values<any>(aws.findResources('AWS::Events::Rule')).find((r) => r.Properties.ScheduleExpression?.startsWith('rate('));
    expect(rule.Properties.ScheduleExpression).toBe(`rate(${DEFAULT_DRIFT_SCHEDULE_MINUTES / 60} hour)`);
    const cron = k8s.find((o) => o.kind === 'CronJob' && /drift/.test(o.metadata.name));
    expect(cron.spec.schedule).toBe(`0 */${DEFAULT_DRIFT_SCHEDULE_MINUTES / 60} * * *`);
    expect(JSON.parse(k8s.find((o) => o.kind === 'ConfigMap' && /drift/.test(o.metadata.name)).data['config.json']).windowMinutes).toBe(DEFAULT_DRIFT_SCHEDULE_MINUTES);
  });
});
