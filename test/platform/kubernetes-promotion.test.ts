/**
 * Promotion on approval in the Kubernetes platform (issue 16): the server reads MODEL_URI from its pod
 * template's annotation (the spec's modelUri its initial value), which the model's ApprovalPromotion
 * may get and patch on that one Rollout, and which Argo CD leaves alone. Before issue 16 MODEL_URI was
 * the spec's string and nothing promoted an approved version.
 */

import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { ArgoCdApplications } from '../../lib/platform/argo-cd-applications';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { synthValid } from '../support/k8s';

// The example without its experiment: while one runs, the server reads the challenger's annotation and
// the promoter waits (test/platform/ml-platform-chart.experiment.test.ts, test/runtime/k8s-promotion.test.ts).
const SPEC: PlatformSpec = (() => {
  const spec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
  for (const m of spec.models) delete m.experiment;
  return spec;
})();

describe('MlPlatformChart promotion on approval', () => {
  const app = Testing.app();
  const chart = new MlPlatformChart(app, 'platform', { spec: structuredClone(SPEC) });
  const argo = new ArgoCdApplications(app, 'argocd', { platform: chart, repoUrl: 'https://git.example.com/ml.git', path: '.' });
  const objects = chart.charts.flatMap((c) => synthValid(c));
  const rollout = objects.find((o) => o.kind === 'Rollout' && o.metadata.name === 'acme-churn');

  it('the server reads MODEL_URI from the pod template annotation, which starts as the spec\'s modelUri', () => {
    expect(rollout.spec.template.metadata.annotations).toEqual({ 'mlops.cdk.io/model-uri': 's3://acme-ml-models/churn/7/' });
    const server = rollout.spec.template.spec.containers[0];
    expect(server.env.find((e: any) => e.name === 'MODEL_URI')).toEqual({
      name: 'MODEL_URI', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['mlops.cdk.io/model-uri']" } },
    });
  });

  it('the promoter may get and patch that one Rollout', () => {
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'promote-acme-churn');
    expect(role.rules).toEqual([{ apiGroups: ['argoproj.io'], resources: ['rollouts'], resourceNames: ['acme-churn'], verbs: ['get', 'patch'] }]);
  });

  it('Argo CD leaves the promoted annotation alone (ignored in the diff, kept by a sync)', () => {
    const application = Testing.synth(argo).find((o: any) => o.metadata.name === 'acme-churn');
    expect(application.spec.ignoreDifferences).toContainEqual({
      group: 'argoproj.io',
      kind: 'Rollout',
      name: 'acme-churn',
      namespace: 'acme-churn',
      jsonPointers: ['/spec/template/metadata/annotations/mlops.cdk.io~1model-uri'],
    });
    expect(application.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });
});
