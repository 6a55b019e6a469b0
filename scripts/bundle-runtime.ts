/**
 * Bundles the runtime code (lib/runtime) into self-contained CommonJS files under assets/, which the
 * constructs ship as Lambda code and as the CronJob's script:
 *
 * - lib/runtime/drift-job/entry.ts   → assets/drift-job/index.js (Lambda handler `index.handler`, and the
 *   CronJob's command line `node index.js --config …`: one file, shipped once)
 * - lib/runtime/promotion/handler.ts → assets/promotion/index.js (Lambda handler `index.handler`)
 * - lib/runtime/capture/entry.ts     → assets/capture/index.js (the Kubernetes capture service and proxy,
 *   `node index.js serve|proxy …`, in the drift-job image beside the drift CLI)
 * - lib/runtime/experiment/aws-handler.ts → assets/experiment/index.js (Lambda handler `index.handler`: the
 *   online experiment on a SageMaker endpoint, `aws.Experiment`)
 * - lib/runtime/k8s-promotion/cli.ts → assets/k8s-promotion/index.js (the Kubernetes promotion on approval,
 *   `node index.js`, in the drift-job image as /opt/cdk-mlops/promotion.js)
 * - lib/runtime/experiment/cli.ts  → assets/experiment-k8s/index.js (k8s.Experiment's decision Job,
 *   `node index.js analyze`, in the drift-job image as /opt/cdk-mlops/experiment.js)
 * - lib/runtime/batch/cli.ts → assets/batch-k8s/index.js (k8s.BatchScoring's validate-input, commit and plan steps,
 *   `node index.js validate-input|commit|plan …`, in the drift-job image as /opt/cdk-mlops/batch.js)
 * - lib/runtime/batch/aws-handler.ts → assets/batch/index.js (Lambda handler `index.handler`: the validate and
 *   commit steps of `aws.BatchScoring`'s pipeline, and its backfill's plan and report)
 *
 * The AWS SDK clients are bundled in, so the Lambda does not depend on the SDK version of its runtime.
 * The output is deterministic: no timestamps, no source maps, paths relative to the repository root.
 * It is minified (names kept, so stack traces stay readable) to keep the package small.
 *
 * Run: `npx tsx scripts/bundle-runtime.ts [--quiet]` (the `cdk` app command of cdk.json runs it first, so
 * `cdk synth`, `cdk deploy` and `cdk watch` work right after `npm ci`).
 */

import { statSync } from 'fs';
import * as path from 'path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');

/** Entry point → output file, both relative to the repository root. */
export const RUNTIME_BUNDLES: ReadonlyArray<{ entry: string; outfile: string }> = [
  { entry: 'lib/runtime/drift-job/entry.ts', outfile: 'assets/drift-job/index.js' },
  { entry: 'lib/runtime/promotion/handler.ts', outfile: 'assets/promotion/index.js' },
  { entry: 'lib/runtime/capture/entry.ts', outfile: 'assets/capture/index.js' },
  { entry: 'lib/runtime/k8s-promotion/cli.ts', outfile: 'assets/k8s-promotion/index.js' },
  { entry: 'lib/runtime/experiment/cli.ts', outfile: 'assets/experiment-k8s/index.js' },
  { entry: 'lib/runtime/experiment/aws-handler.ts', outfile: 'assets/experiment/index.js' },
  { entry: 'lib/runtime/batch/aws-handler.ts', outfile: 'assets/batch/index.js' },
  { entry: 'lib/runtime/batch/cli.ts', outfile: 'assets/batch-k8s/index.js' },
];

async function main(): Promise<void> {
  for (const bundle of RUNTIME_BUNDLES) {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [bundle.entry],
      outfile: bundle.outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      keepNames: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
    });
    if (result.errors.length > 0) {
      throw new Error(`esbuild failed for ${bundle.entry}`);
    }
    const bytes = statSync(path.join(ROOT, bundle.outfile)).size;
    if (process.argv.includes('--quiet')) continue;
    console.log(`${bundle.outfile}: ${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes) from ${bundle.entry}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
