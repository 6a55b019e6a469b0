import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * vitest global setup (runs once, in vitest's main process, before the workers start): one temporary
 * folder for the whole run as TMPDIR, which the workers inherit, removed when the run ends. The
 * setup file test/support/temp-dir.ts gives each test file a folder of its own inside it when files
 * are isolated; without isolation (`--no-isolate`) the files share this one, and it is still removed
 * even though vitest ends its worker processes without their exit handlers running.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-run-'));
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) {
      delete process.env.TMPDIR;
    } else {
      process.env.TMPDIR = previous;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
