/**
 * Platform benchmark: what an `MlPlatform` costs as it grows by models, and whether every template
 * stays within CloudFormation's limits (500 resources, 1 MB) — the reason each model is a nested
 * stack.
 *
 *   npx tsx bench/platform.ts           # N = 1, 10, 25, 50 models; one warm-up, median of 3 runs
 *   npx tsx bench/platform.ts --quick   # N = 1, 10; 1 run
 *
 * Prints a plain-text table. Nothing is asserted on time. The run fails only when a template
 * breaks a CloudFormation limit: then the platform would not deploy, whatever its speed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as YAML from 'yaml';
import { EXAMPLE_FEATURE_FLAGS } from '../examples';
import { core, platform } from '../lib';

const QUICK = process.argv.includes('--quick');
const SIZES = QUICK ? [1, 10] : [1, 10, 25, 50];
const RUNS = QUICK ? 1 : 3;
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1_000_000;

const example: core.PlatformSpec = YAML.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'platform.yaml'), 'utf-8'));

/** The example platform with `n` copies of its model, named m1 … mn. */
function specOf(n: number): core.PlatformSpec {
  const model = example.models[0];
  return { ...example, models: Array.from({ length: n }, (_, i) => ({ ...model, name: `m${i + 1}` })) };
}

interface Run {
  readonly millis: number;
  readonly templates: number;
  readonly resources: number;
  readonly maxResources: number;
  readonly maxBytes: number;
}

function synth(n: number): Run {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-bench-platform-'));
  const started = process.hrtime.bigint();
  const app = new App({ outdir, context: EXAMPLE_FEATURE_FLAGS });
  const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
  new platform.MlPlatform(stack, 'Platform', { spec: specOf(n) });
  app.synth();
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  let resources = 0;
  let maxResources = 0;
  let maxBytes = 0;
  for (const f of files) {
    const text = fs.readFileSync(path.join(outdir, f), 'utf-8');
    const count = Object.keys(JSON.parse(text).Resources ?? {}).length;
    resources += count;
    maxResources = Math.max(maxResources, count);
    maxBytes = Math.max(maxBytes, Buffer.byteLength(text));
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return { millis, templates: files.length, resources, maxResources, maxBytes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  synth(1); // warm-up: module loading and JIT
  const rows: string[][] = [['models', 'synth (median)', 'per model', 'templates', 'resources', 'largest template', 'largest size']];
  let broken = false;
  for (const n of SIZES) {
    const runs = Array.from({ length: RUNS }, () => synth(n));
    const ms = median(runs.map((r) => r.millis));
    const r = runs[0];
    if (r.maxResources > MAX_RESOURCES || r.maxBytes > MAX_TEMPLATE_BYTES) {
      broken = true;
    }
    rows.push([String(n), `${ms.toFixed(0)} ms`, `${(ms / n).toFixed(0)} ms`, String(r.templates), String(r.resources),
      `${r.maxResources} resources`, `${(r.maxBytes / 1024).toFixed(0)} KiB`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log(`MlPlatform synthesis (${RUNS === 1 ? '1 run' : `median of ${RUNS} runs`}, node ${process.version}, ${os.cpus().length} cores); `
    + `example model with ${example.models[0].drift.features.length} features, each model a nested stack`);
  for (const row of rows) {
    console.log(row.map((c, i) => c.padEnd(widths[i])).join('  '));
  }
  if (broken) {
    console.error(`a template exceeds CloudFormation's limits (${MAX_RESOURCES} resources, ${MAX_TEMPLATE_BYTES} bytes)`);
    process.exitCode = 1;
  }
}

main();
