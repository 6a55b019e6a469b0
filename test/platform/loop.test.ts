import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { LOOP_LINKS, LoopStage } from '../../lib/core/lifecycle-loop';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { loopMarkdown } from '../../lib/platform/private/loop';

const SPEC = path.join(__dirname, '..', '..', 'examples', 'platform.yaml');
const README = path.join(__dirname, '..', '..', 'README.md');

function awsPlatform() {
  const app = new App();
  const stack = new Stack(app, 'acme', { env: { account: '123456789012', region: 'eu-west-1' } });
  return MlPlatform.fromFile(stack, 'Platform', SPEC);
}

function k8sPlatform(renderer?: string) {
  const app = new cdk8s.App();
  if (renderer === undefined) return { app, chart: MlPlatformChart.fromFile(app, 'platform', SPEC) };
  const spec = YAML.parse(fs.readFileSync(SPEC, 'utf8'));
  for (const m of spec.models) {
    m.serving.kubernetes.renderer = renderer;
    if (renderer === 'KSERVE') {
      // KServe routes its canary itself and runs no experiment.
      delete m.serving.kubernetes.trafficRouter;
      delete m.serving.kubernetes.ingressHost;
      delete m.experiment;
    }
  }
  return { app, chart: new MlPlatformChart(app, 'platform', { spec }) };
}

/** `Kind namespace/name` of every object the app renders. */
function renderedObjects(app: cdk8s.App): Set<string> {
  const out = new Set<string>();
  for (const chart of app.charts) {
    for (const o of chart.toJson()) {
      out.add(o.metadata.namespace !== undefined ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : `${o.kind} ${o.metadata.name}`);
    }
  }
  return out;
}

describe('the lifecycle loop, link by link', () => {
  it('lists the same links in the same order on both targets, for every model of the example', () => {
    const aws = awsPlatform();
    const { chart } = k8sPlatform();
    const order = LOOP_LINKS.map((l) => l.link);
    expect(aws.models.length).toBeGreaterThan(0);
    for (const m of aws.models) expect(m.loop().map((s) => s.link)).toEqual(order);
    for (const m of chart.models) expect(m.loop().map((s) => s.link)).toEqual(order);
  });

  it('names on AWS only constructs that exist, and renders every link', () => {
    const aws = awsPlatform();
    const paths = new Set(aws.node.root.node.findAll().map((c) => c.node.path));
    for (const m of aws.models) {
      for (const stage of m.loop()) {
        expect(stage.rendered, stage.link).toBe(true);
        expect(stage.resources.length, stage.link).toBeGreaterThan(0);
        for (const r of stage.resources) expect(paths.has(r), `${stage.link}: ${r}`).toBe(true);
      }
    }
  });

  it('names on Kubernetes only objects the charts render', () => {
    const { app, chart } = k8sPlatform();
    const objects = renderedObjects(app);
    for (const m of chart.models) {
      for (const stage of m.loop()) {
        for (const r of stage.resources) expect(objects.has(r), `${m.modelName} ${stage.link}: ${r}`).toBe(true);
        if (stage.rendered) expect(stage.resources.length, `${m.modelName} ${stage.link}`).toBeGreaterThan(0);
      }
    }
  });

  it('says a KServe-served model has no automatic rollback (KServe does not abort a canary)', () => {
    const { app, chart } = k8sPlatform('KSERVE');
    const objects = renderedObjects(app);
    const kserve = chart.models.filter((m) => m.renderer === 'KSERVE');
    expect(kserve.length).toBeGreaterThan(0);
    for (const m of kserve) {
      const rollback = m.loop().find((s) => s.link === 'AUTO_ROLLBACK')!;
      expect(rollback.rendered).toBe(false);
      expect(rollback.implementation).toMatch(/by hand/);
      for (const stage of m.loop()) for (const r of stage.resources) expect(objects.has(r), `${stage.link}: ${r}`).toBe(true);
    }
  });

  it('prints the loop in each runbook before the alarms', () => {
    const aws = awsPlatform();
    const { chart } = k8sPlatform();
    for (const doc of [aws.runbook(), chart.runbook()]) {
      // Every model's section (not the picture of the platform at the top).
      const sections = doc.split('\n## ').slice(1).filter((s) => !s.startsWith('The platform at a glance'));
      expect(sections.length).toBeGreaterThan(0);
      for (const s of sections) {
        const rows = s.split('\n').filter((l) => l.startsWith('| '));
        expect(rows[0]).toBe('| link | what does it | resources |');
        expect(rows.slice(2, 2 + LOOP_LINKS.length).map((r) => r.split(' | ')[0].slice(2))).toEqual(LOOP_LINKS.map((l) => l.name));
      }
    }
  });

  it('README shows the example\'s loop as the two renderings report it', () => {
    const aws = awsPlatform().models[0];
    const k8s = k8sPlatform().chart.models.find((m) => m.modelName === aws.modelName)!;
    const expected = loopMarkdown([
      { name: 'AWS', stages: aws.loop() },
      { name: 'Kubernetes', stages: k8s.loop() as LoopStage[] },
    ]);
    const readme = fs.readFileSync(README, 'utf8');
    const block = /<!-- loop:begin -->\n([\s\S]*?)<!-- loop:end -->/.exec(readme);
    expect(block, 'README has a <!-- loop:begin --> … <!-- loop:end --> block').not.toBeNull();
    expect(block![1], `README's loop block must be:\n${expected}`).toBe(expected);
  });
});
