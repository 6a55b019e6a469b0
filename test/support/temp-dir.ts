/**
 * vitest setup file: each test file gets its own temporary folder as TMPDIR, removed when the file's
 * tests end. Everything the tests write to `os.tmpdir()` (their own `mkdtempSync` folders and the
 * cloud assemblies aws-cdk-lib writes for an `App` without `outdir`) goes there, so a test run leaves
 * nothing behind.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll } from 'vitest';

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
