import { existsSync } from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The runtime bundles the package ships under `assets/` (built by `npm run bundle`). */
export type RuntimeAsset = 'drift-job' | 'promotion' | 'experiment' | 'batch';

/**
 * Lambda code from a bundled runtime asset. An installed package always contains the bundles; in a
 * clone of the repository they are built by `npm run bundle` (which `npm run synth`, `npm test` and
 * the `cdk` app command of cdk.json run first), and a missing one names that command.
 */
export function runtimeAssetCode(name: RuntimeAsset): lambda.Code {
  // lib/aws/private (sources under tsx) and build/aws/private (compiled) are both three levels deep.
  const dir = path.join(__dirname, '..', '..', '..', 'assets', name);
  if (!existsSync(path.join(dir, 'index.js'))) {
    throw new Error(
      `cdk-mlops: the bundled runtime ${path.join(dir, 'index.js')} is missing. In a clone of the cdk-mlops ` +
        'repository, run `npm run bundle` first (an installed package always contains it).',
    );
  }
  return lambda.Code.fromAsset(dir);
}
