import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { PlatformSpec } from '../../lib/core/platform-spec';
import { MlPlatformChart } from '../../lib/platform/ml-platform-chart';
import { expectValidationError } from '../support/aws';

// Issue 14: the platform spec applies the endpoint's GPU fit (lib/core/gpu-fit.ts) under its own keys,
// before any construct: a model whose server its node pool can never hold is refused naming
// models[i].serving.…, not platform/Churn/Serving's props.

const SPEC: PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform.yaml'), 'utf-8'));

function withSpec(change: (s: any) => void): PlatformSpec {
  const spec = structuredClone(SPEC) as any;
  change(spec);
  return spec;
}

const chart = (spec: PlatformSpec) => new MlPlatformChart(Testing.app(), 'platform', { spec });

describe('MlPlatformChart: each model\'s server fits its node pool', () => {
  it('the example spec fits (a10g-serving, maxGpus 12: 6 replicas at most and the surge pod)', () => {
    expect(() => Testing.synth(chart(SPEC))).not.toThrow();
  });

  it.each<[string, (s: any) => void, string, string, RegExp]>([
    ['(a) more GPUs per replica than an A10G instance has', (s) => { s.models[0].serving.kubernetes.gpusPerReplica = 16; },
      'models[0].serving.kubernetes.gpusPerReplica', '16', /^must be at most 8: no instance type of node pool "a10g-serving" has 16/],
    ['(a) GPU counts the pool excludes', (s) => { s.kubernetes.nodePools[0].gpuCounts = [1]; s.models[0].serving.kubernetes.gpusPerReplica = 4; },
      'models[0].serving.kubernetes.gpusPerReplica', '4', /^must be at most 1/],
    ['(b) a replica bigger than the pool\'s limit', (s) => { s.kubernetes.nodePools[0].maxGpus = 2; s.models[0].serving.kubernetes.gpusPerReplica = 4; },
      'models[0].serving.kubernetes.gpusPerReplica', '4', /GPU limit \(maxGpus 2/],
    ['(c) an autoscaling maximum beyond the limit', (s) => { s.models[0].serving.maxInstanceCount = 51; },
      'models[0].serving.maxInstanceCount', '51', /51 replicas of 1 nvidia.com\/gpu need more, and it holds 12 pods/],
    ['(c) the surge pod beyond the limit', (s) => { s.models[0].serving.maxInstanceCount = 12; },
      'models[0].serving.maxInstanceCount', '12', /13 pods at once: the canary surges one pod/],
    ['(c) replicas beyond the limit without autoscaling', (s) => { delete s.models[0].serving.maxInstanceCount; s.models[0].serving.instanceCount = 13; },
      'models[0].serving.instanceCount', '13', /13 replicas/],
    ['(d) weights larger than the node volume', (s) => { s.models[0].serving.modelSizeGiB = 200; },
      'models[0].serving.modelSizeGiB', '200', /^must fit the 100 GiB volume of node pool "a10g-serving"'s nodes: a replica requests 201 GiB/],
  ])('refuses %s, naming the spec key', (_what, change, property, received, allowed) => {
    const e = expectValidationError(() => chart(withSpec(change)));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ constructPath: 'platform', property, received });
    expect(e.problems[0].allowed).toMatch(allowed);
  });

  it('refuses a node pool that never gets a node, under kubernetes.nodePools[i]', () => {
    const e = expectValidationError(() => chart(withSpec((s) => { s.kubernetes.nodePools[1].gpuCounts = [2]; })));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ property: 'kubernetes.nodePools[1].gpuCounts[0]', received: '2' });
    expect(e.problems[0].allowed).toMatch(/^must be a GPU count of a A10G instance type/);
  });

  it('accepts big weights when the pool is sized for them (modelWeightsGiB)', () => {
    const spec = withSpec((s) => { s.models[0].serving.modelSizeGiB = 200; s.kubernetes.nodePools[0].modelWeightsGiB = 200; });
    expect(() => Testing.synth(chart(spec))).not.toThrow();
  });

  it('from a file: the error names the file and the key', () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'fit-'));
    const file = path.join(dir, 'platform.yaml');
    fs.writeFileSync(file, YAML.stringify(withSpec((s) => { s.models[0].serving.kubernetes.gpusPerReplica = 16; })));
    const e = expectValidationError(() => MlPlatformChart.fromFile(Testing.app(), 'platform', file));
    expect(e.problems[0].constructPath).toContain(file);
    expect(e.problems[0].property).toBe('models[0].serving.kubernetes.gpusPerReplica');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
