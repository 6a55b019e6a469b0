/**
 * Capture in the Kubernetes platform (issue 16): each model of `MlPlatformChart` gets a capture service
 * writing where its drift CronJob reads, sampled at the spec's `captureSamplingPercent`, under the
 * capture role, fed by the capture proxy (ARGO_ROLLOUT) or KServe's logger (KSERVE). Before issue 16 the
 * example rendered none of these objects: the model server had to write its capture itself.
 */

import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { KubernetesServingRenderer, PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { parseServiceConfig } from '../../lib/runtime/capture/service';
import { parseCliConfig } from '../../lib/runtime/drift-job/cli';
import { synthValid } from '../support/k8s';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

function build(change: (s: any) => void = () => undefined): any[] {
  const spec = structuredClone(SPEC) as any;
  change(spec);
  const chart = new MlPlatformChart(Testing.app(), 'platform', { spec });
  return chart.charts.flatMap((c) => synthValid(c));
}

const find = (objects: any[], kind: string, name: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0];
};

describe('MlPlatformChart capture', () => {
  const objects = build();

  it('writes where the drift job reads, at the spec sampling, under the capture role', () => {
    const capture = parseServiceConfig(find(objects, 'ConfigMap', 'acme-churn-capture').data['config.json']);
    const drift = parseCliConfig(find(objects, 'ConfigMap', 'drift-acme-churn-config').data['config.json']);
    expect(capture).toMatchObject({
      endpointName: drift.endpointName,
      captureBucket: drift.captureBucket,
      capturePrefix: drift.capturePrefix,
      samplingPercent: SPEC.models[0].serving.captureSamplingPercent,
    });
    expect(find(objects, 'ServiceAccount', 'acme-churn-capture').metadata.annotations)
      .toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/acme-churn-capture' });
    expect(find(objects, 'Deployment', 'acme-churn-capture').spec.template.spec.containers[0].image).toBe(SPEC.kubernetes!.driftImage);
  });

  it('puts the capture proxy in front of a Rollout-served model', () => {
    const containers = find(objects, 'Rollout', 'acme-churn').spec.template.spec.containers;
    expect(containers.map((c: any) => c.name)).toEqual(['server', 'capture-proxy']);
    expect(find(objects, 'Service', 'acme-churn').spec.ports[0].targetPort).toBe(9301);
  });

  it('samples 10 % without captureSamplingPercent, as on AWS, and has no role annotation without captureRoleArn', () => {
    const objs = build((s) => {
      delete s.models[0].serving.captureSamplingPercent;
      delete s.models[0].drift.kubernetes.captureRoleArn;
    });
    expect(parseServiceConfig(find(objs, 'ConfigMap', 'acme-churn-capture').data['config.json']).samplingPercent).toBe(10);
    expect(find(objs, 'ServiceAccount', 'acme-churn-capture').metadata.annotations).toBeUndefined();
  });

  it('uses KServe\'s logger for a KServe-served model', () => {
    const objs = build((s) => {
      s.models[0].serving.kubernetes.renderer = KubernetesServingRenderer.KSERVE;
      // KServe routes its canary itself and runs no experiment.
      delete s.models[0].serving.kubernetes.trafficRouter;
      delete s.models[0].serving.kubernetes.ingressHost;
      delete s.models[0].experiment;
    });
    expect(find(objs, 'InferenceService', 'acme-churn').spec.predictor.logger)
      .toEqual({ mode: 'all', url: 'http://acme-churn-capture.acme-churn.svc.cluster.local:9300/' });
  });
});
