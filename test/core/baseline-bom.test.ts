import { describe, expect, it } from 'vitest';
import { DriftMath } from '../../lib/core/drift';

/**
 * A JSON document with a UTF-8 byte order mark (what Windows editors and PowerShell's
 * `Set-Content -Encoding UTF8` write) must be accepted (issue 14): RFC 8259 §8.1 lets parsers ignore
 * it, but `JSON.parse` refuses it. The spec files' case is in test/platform/spec-file.test.ts.
 */
describe('DriftMath.parseBaseline', () => {
  const doc = { version: 1, features: [{ name: 'amount', kind: 'NUMERIC', edges: [null, 10, null], counts: [3, 7] }] };

  it('accepts a baseline with a byte order mark, as without one', () => {
    const withBom = DriftMath.parseBaseline(`\uFEFF${JSON.stringify(doc)}`);
    expect(withBom).toEqual(DriftMath.parseBaseline(JSON.stringify(doc)));
    expect(withBom.features.map((f) => f.name)).toEqual(['amount']);
  });

  it('still refuses a byte order mark that is not at the start', () => {
    expect(() => DriftMath.parseBaseline('{"version": 1,\uFEFF"features": []}')).toThrow(/must be a JSON document/);
  });
});
