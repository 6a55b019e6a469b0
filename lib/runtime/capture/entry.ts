/**
 * The capture bundle (assets/capture/index.js, at /opt/cdk-mlops/capture.js in the drift-job image):
 *
 * - `node capture.js serve --config <file>`: the capture service (service.ts), which KServe's
 *   InferenceService logger and the capture proxy post to, writing SageMaker data-capture JSON Lines to S3;
 * - `node capture.js proxy …`: the capture proxy (proxy.ts), a sidecar in front of a Rollout-served model server.
 */

import { proxyMain } from './proxy';
import { serveMain } from './service';

/** Run a subcommand; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serveMain(rest);
  if (command === 'proxy') return proxyMain(rest);
  if (command === '--help' || command === '-h') {
    process.stdout.write('usage: node capture.js serve --config <file.json> | proxy --listen <port> --upstream <url> --sink <url> --endpoint-name <name> --sampling-percent <n>\n');
    return 0;
  }
  process.stderr.write(`capture: unknown command ${JSON.stringify(command)} (serve or proxy)\n`);
  return 2;
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // The servers' handles are closed by now; exit also if an SDK socket lingers.
    process.exit(code);
  });
}
