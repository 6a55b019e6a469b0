// Prints the test files (test/**/*.test.ts) whose import graph reaches no peer dependency of
// package.json (aws-cdk-lib, cdk8s, cdk8s-plus-28, constructs): the peer versions cannot change
// their outcome, so scripts/floor-test.sh need not run them at the floor. esbuild follows our own
// imports (lib/, test/support/, examples/) and stops at packages, which it reports as external.
// It sees static imports, require() and import() of literal names; a test that would reach a peer
// otherwise (a computed module name, a child process running our code) must not be in this set:
// none does today (of these files only test/scripts/ci-test-selection.test.ts starts a process: the
// bash script .ci/test-selection.sh reading its lists).
// Usage: node .ci/peer-free-tests.mjs [--peers]   (--peers: the other files, with the peers each reaches)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

const peers = Object.keys(JSON.parse(fs.readFileSync('package.json', 'utf8')).peerDependencies);
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'test/**/*.test.ts'], { encoding: 'utf8' })
  .split('\n').filter((f) => f && fs.existsSync(f));
const result = await esbuild.build({
  entryPoints: files, bundle: true, write: false, metafile: true, platform: 'node', format: 'esm',
  packages: 'external', outdir: 'peer-free-tests.out', logLevel: 'error',
});
const reached = new Map();
for (const output of Object.values(result.metafile.outputs)) {
  if (!output.entryPoint) continue;
  const hit = new Set(output.imports.filter((i) => i.external)
    .map((i) => peers.find((p) => i.path === p || i.path.startsWith(p + '/'))).filter(Boolean));
  reached.set(output.entryPoint, [...hit].sort());
}
if (reached.size !== files.length) throw new Error(`esbuild reported ${reached.size} entry points for ${files.length} test files`);
const showPeers = process.argv.includes('--peers');
for (const [file, hit] of [...reached].sort()) {
  if (showPeers ? hit.length > 0 : hit.length === 0) console.log(showPeers ? `${file} ${hit.join(',')}` : file);
}
