/**
 * vitest setup file: each test file gets its own temporary folder as TMPDIR, removed when the file's
 * tests end. Everything the tests write to `os.tmpdir()` (their own `mkdtempSync` folders and the
 * cloud assemblies aws-cdk-lib writes for an `App` without `outdir`) goes there, so a test run leaves
 * nothing behind.
 *
 * Without isolation (`vitest run --no-isolate`, .ci/run's Node 24 and floor runs) one worker collects
 * several files before it runs their tests, so a folder per file would be removed under the next
 * file (seen: ENOENT from mkdtemp in a folder nested in the previous file's), and aws-cdk-lib keeps
 * the first TMPDIR it sees (FileSystem.tmpdir). There the files use the run's folder, which
 * test/support/run-temp-dir.ts (vitest's global setup) makes and removes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll } from 'vitest';

const worker = globalThis as { __vitest_worker__?: { config?: { isolate?: boolean } } };

if (worker.__vitest_worker__?.config?.isolate !== false) {
  const previous = process.env.TMPDIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-test-'));
  process.env.TMPDIR = dir;

  afterAll(() => {
    if (previous === undefined) {
      delete process.env.TMPDIR;
    } else {
      process.env.TMPDIR = previous;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
