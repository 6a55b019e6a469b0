import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Testing } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { LoopLink } from '../../lib/core/lifecycle-loop';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatform } from '../../lib/platform/ml-platform';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { ENV } from '../support/aws';

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));
/** The example with a second model, so "every model" means more than one. */
const TWO_MODELS: PlatformSpec = { ...SPEC, models: [...SPEC.models, { ...structuredClone(SPEC.models[0]), name: 'upsell', experiment: undefined }] };

const dotLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const mermaidLabel = (s: string) => s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

describe('MlPlatform.diagram() (AWS)', () => {
  let platform: MlPlatform;
  beforeAll(() => {
    platform = new MlPlatform(new Stack(new App(), 'PlatformStack', { env: ENV }), 'Platform', { spec: TWO_MODELS });
  });

  it('names every model and every alarm of the platform, with its owner, in both notations', () => {
    const { dot, mermaid } = platform.diagram();
    const alarms = platform.alarms();
    expect(alarms.length).toBeGreaterThan(20);
    for (const m of platform.models) {
      expect(dot).toContain(`subgraph "cluster_${m.modelName}"`);
      expect(mermaid).toContain(`subgraph ${m.modelName}["${m.modelName} (owner ${m.ownership.owner})"]`);
    }
    for (const a of alarms) {
      const name = a.path.split('/').slice(1).join('/').replace(/\/Resource$/, '');
      expect(dot, a.path).toContain(`"${dotLabel(name)}\\nowner: ${a.owner}"`);
      expect(mermaid, a.path).toContain(`"${mermaidLabel(name)}<br/>owner: ${a.owner}"`);
    }
  });

  it('draws the rollback alarms beside auto-rollback and the drift alarms beside drift', () => {
    const { dot } = platform.diagram();
    const linkOf = (name: string) => {
      const id = new RegExp(`(churn_alarm_\\d+) \\[shape=note, fillcolor="#fdecea", label="${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(dot)?.[1];
      return id && new RegExp(`${id} -> churn_([A-Z_]+) `).exec(dot)?.[1];
    };
    expect(linkOf('Serving/Rollback-error-rate')).toBe(LoopLink.AUTO_ROLLBACK);
    expect(linkOf('Drift/SustainedDrift')).toBe(LoopLink.DRIFT);
  });

  it('is embedded in the runbook as Mermaid', () => {
    expect(platform.runbook()).toContain(`\`\`\`mermaid\n${platform.diagram().mermaid.trimEnd()}\n\`\`\``);
  });
});

describe('MlPlatformChart.diagram() (Kubernetes)', () => {
  let chart: MlPlatformChart;
  beforeAll(() => {
    chart = new MlPlatformChart(Testing.app(), 'platform', { spec: TWO_MODELS });
  });

  it('names every model and every alert of the platform, with its owner, in both notations', () => {
    const { dot, mermaid } = chart.diagram();
    const alerts = chart.alerts();
    expect(alerts.length).toBeGreaterThan(10);
    for (const m of chart.models) expect(dot).toContain(`subgraph "cluster_${m.modelName}"`);
    for (const a of alerts) {
      expect(dot, a.alert).toContain(`"${dotLabel(a.alert)}\\nowner: ${a.owner}"`);
      expect(mermaid, a.alert).toContain(`"${mermaidLabel(a.alert)}<br/>owner: ${a.owner}"`);
    }
    expect(chart.runbook()).toContain('```mermaid\nflowchart LR\n');
  });
});
