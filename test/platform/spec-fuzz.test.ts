/**
 * Fuzz test over the platform spec (issue 14): random, seeded mutations of valid spec files (the
 * example's examples/platform.yaml and two minimal specs) — deleted keys, values of another type,
 * out-of-range numbers, duplicate keys, reordered / duplicated / emptied lists, unknown keys, wrong
 * nesting, aliases, a duplicated line or a cut text — rendered on both targets: `MlPlatform.fromFile`
 * in a stack and `app.synth()` on AWS, `MlPlatformChart.fromFile` and the cdk8s app's synth on
 * Kubernetes. Each outcome must be a synthesized platform or the library's `MlopsValidationError`
 * naming the spec file; anything else fails with the seed, the case and the mutated YAML.
 *
 * And the forms of one spec that must be accepted (map keys reordered, comments, JSON, a BOM, CRLF,
 * flow style, quoting, document markers) synthesize exactly what the original does.
 *
 * More cases locally: `FUZZ_CASES=2000 FUZZ_SEED=123 npx vitest run test/platform/spec-fuzz.test.ts`;
 * one case again: `FUZZ_SEED=<seed> FUZZ_TARGET=<aws|k8s> FUZZ_CASE=<n>` (the report prints the command). Findings become
 * named tests in spec-fuzz-findings.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import {
  EQUIVALENT_FORMS, FuzzCase, FuzzTarget, MINIMAL_AWS_SPEC, MINIMAL_K8S_SPEC, Outcome, Rng,
  classify, describeError, exampleSpecs, makeCase, reportCase, synthAws, synthK8s,
} from '../support/spec-fuzz';

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number; got ${JSON.stringify(v)}`);
  return n;
}

const SEED = envInt('FUZZ_SEED') ?? 20261126;
const ONLY_CASE = envInt('FUZZ_CASE');
// Measured on the 2-core CI machine: an AWS case ~0.3 s (a synthesized one ~1 s), a Kubernetes case ~0.07 s.
const CASES: Record<FuzzTarget, number> = { aws: envInt('FUZZ_CASES') ?? 30, k8s: envInt('FUZZ_CASES') ?? 150 };
const SYNTH: Record<FuzzTarget, (file: string) => string> = { aws: synthAws, k8s: synthK8s };
const TIMEOUT = 600_000;

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'spec-fuzz-'));

function runCase(c: FuzzCase, into: string): Outcome {
  const file = path.join(into, `fuzz-${c.target}-${SEED}-${c.index}.yaml`);
  fs.writeFileSync(file, c.text);
  try {
    return classify(file, () => SYNTH[c.target](file));
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const TARGETS: FuzzTarget[] = process.env.FUZZ_TARGET ? [process.env.FUZZ_TARGET as FuzzTarget] : ['aws', 'k8s'];

describe.each<FuzzTarget>(TARGETS)('the platform spec, mutated, on %s', (target) => {
  it(`is synthesized or refused with the library's error naming the file, never another exception (seed ${SEED})`, () => {
    const into = dir();
    const indexes = ONLY_CASE !== undefined ? [ONLY_CASE] : Array.from({ length: CASES[target] }, (_, i) => i);
    const failures: string[] = [];
    const tally: Record<Outcome['kind'], number> = { synthesized: 0, refused: 0, crashed: 0 };
    for (const i of indexes) {
      const c = makeCase(SEED, target, i);
      const outcome = runCase(c, into);
      tally[outcome.kind]++;
      if (outcome.kind === 'crashed') {
        failures.push(reportCase(SEED, c, outcome.error));
      } else if (outcome.kind === 'synthesized' && !outcome.output) {
        failures.push(reportCase(SEED, c, new Error('synthesized nothing')));
      }
    }
    if (ONLY_CASE !== undefined) {
      // One case run again: show it whatever happened.
      const c = makeCase(SEED, target, ONLY_CASE);
      console.log(`${target} case ${ONLY_CASE}: ${JSON.stringify(tally)}; ${c.log.join('; ')}\n${c.text}`);
    }
    expect(failures, `${failures.length} of ${indexes.length} cases crashed (${JSON.stringify(tally)}):\n\n${failures.slice(0, 5).join('\n\n')}`).toEqual([]);
    // The mutations are not all fatal: some cases must still synthesize (else the test proves little).
    if (indexes.length >= 40) {
      expect(tally.synthesized, JSON.stringify(tally)).toBeGreaterThan(0);
    }
  }, TIMEOUT);
});

describe('the same spec written another way synthesizes identical output', () => {
  const bases: Array<{ name: string; text: string; targets: FuzzTarget[] }> = [
    ...exampleSpecs().map((e) => ({ ...e, targets: ['aws', 'k8s'] as FuzzTarget[] })),
    { name: 'minimal (AWS only)', text: MINIMAL_AWS_SPEC, targets: ['aws'] },
    { name: 'minimal (both targets)', text: MINIMAL_K8S_SPEC, targets: ['k8s'] },
  ];
  const rows = bases.flatMap((b) => b.targets.map((t) => [b.name, t, b] as const));

  it.each(rows)('%s on %s', (_name, target, base) => {
    const into = dir();
    const original = path.join(into, 'original.yaml');
    fs.writeFileSync(original, base.text);
    const expected = classify(original, () => SYNTH[target](original));
    expect(expected.kind, describeError(expected.error)).toBe('synthesized');
    const rng = new Rng(SEED);
    for (const [form, write] of Object.entries(EQUIVALENT_FORMS)) {
      const { text, ext } = write(base.text, rng);
      const file = path.join(into, `${form.replace(/\W+/g, '-')}.${ext}`);
      fs.writeFileSync(file, text);
      const got = classify(file, () => SYNTH[target](file));
      expect(got.kind, `${form}: ${describeError(got.error)}\n--- spec ---\n${text}`).toBe('synthesized');
      expect(got.output === expected.output, `${form}: the output differs from the original's`).toBe(true);
    }
  }, TIMEOUT);
});
