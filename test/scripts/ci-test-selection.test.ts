import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The lists of test files .ci/run leaves out of its Node.js 24 and floor-version runs
 * (.ci/tests-not-on-node24.txt, .ci/tests-not-at-floor.txt) cannot rot silently: every entry is an
 * existing test file with its reason, and .ci/test-selection.sh refuses a list naming a missing one.
 */
const ROOT = path.join(__dirname, '..', '..');
const LISTS = ['.ci/tests-not-on-node24.txt', '.ci/tests-not-at-floor.txt'];

function entries(list: string): Array<{ file: string; reason: string }> {
  return fs.readFileSync(path.join(ROOT, list), 'utf8').split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
    .map((line) => {
      const [file, ...rest] = line.trim().split(/\s+/);
      return { file, reason: rest.join(' ') };
    });
}

describe.each(LISTS)('%s', (list) => {
  it('names existing test files, once each, each with its reason', () => {
    const all = entries(list);
    expect(all.length).toBeGreaterThan(0);
    for (const { file, reason } of all) {
      expect(file, `${list}: ${file}`).toMatch(/^test\/.+\.test\.ts$/);
      expect(fs.existsSync(path.join(ROOT, file)), `${list}: ${file} does not exist`).toBe(true);
      expect(reason.length, `${list}: ${file} has no reason`).toBeGreaterThan(20);
    }
    expect(new Set(all.map((e) => e.file)).size).toBe(all.length);
  });
});

describe('.ci/test-selection.sh', () => {
  it('refuses a list that names a missing file (seen: a renamed test would otherwise run nowhere or everywhere unnoticed)', () => {
    // A copy of the script and a broken list in a scratch tree: the real lists stay untouched.
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-selection-'));
    fs.mkdirSync(path.join(tree, '.ci'));
    fs.copyFileSync(path.join(ROOT, '.ci', 'test-selection.sh'), path.join(tree, '.ci', 'test-selection.sh'));
    fs.writeFileSync(path.join(tree, '.ci', 'tests-not-on-node24.txt'), 'test/gone/renamed.test.ts  a reason long enough to count\n');
    const run = spawnSync('bash', ['.ci/test-selection.sh', 'node24'], { cwd: tree, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('test/gone/renamed.test.ts does not exist');
    expect(run.stdout).toBe('');
  });

  it('prints one --exclude a line for the Node.js 24 list', () => {
    const run = spawnSync('bash', ['.ci/test-selection.sh', 'node24'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n').sort()).toEqual(entries(LISTS[0]).map((e) => `--exclude=${e.file}`).sort());
  });
});
