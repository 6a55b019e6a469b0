import { describe, expect, it } from 'vitest';
import { VariantAssignment } from '../../lib/runtime/variant-assignment';
import { expectValidationError } from '../support/aws';

const AB = [
  { name: 'control', weight: 1 },
  { name: 'treatment', weight: 1 },
];

describe('VariantAssignment', () => {
  it('is sticky: the same id always gets the same variant', () => {
    for (let i = 0; i < 1000; i++) {
      const id = `user-${i}`;
      const first = VariantAssignment.assign(id, AB);
      expect(VariantAssignment.assign(id, AB)).toBe(first);
      expect(VariantAssignment.assign(id, [...AB])).toBe(first);
    }
  });

  it.each([
    [[50, 50]],
    [[90, 10]],
    [[70, 20, 10]],
    [[1, 1, 1, 1]],
  ])('splits 100k ids within 1%% of weights %j', (weights) => {
    const variants = weights.map((w, i) => ({ name: `v${i}`, weight: w }));
    const counts = new Map<string, number>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = VariantAssignment.assign(`customer-${i}`, variants, 'exp-2026-11');
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    variants.forEach((v) => {
      const share = (counts.get(v.name) ?? 0) / n;
      expect(Math.abs(share - v.weight / total)).toBeLessThan(0.01);
    });
  });

  it('reshuffles with a new salt, independently of the old one', () => {
    let same = 0;
    for (let i = 0; i < 10_000; i++) {
      if (VariantAssignment.assign(`u${i}`, AB, 'exp-1') === VariantAssignment.assign(`u${i}`, AB, 'exp-2')) {
        same++;
      }
    }
    expect(same / 10_000).toBeGreaterThan(0.47);
    expect(same / 10_000).toBeLessThan(0.53);
  });

  it('matches MurmurHash3 x86_32 reference values', () => {
    // Reference values of murmur3_32(seed 0) from the canonical implementation.
    expect(VariantAssignment.unitHash('') * 2 ** 32).toBe(0);
    expect(VariantAssignment.unitHash('hello') * 2 ** 32).toBe(0x248bfa47);
    expect(VariantAssignment.unitHash('The quick brown fox jumps over the lazy dog') * 2 ** 32).toBe(0x2e4ff723);
  });

  it('rejects no variants and bad weights', () => {
    expect(expectValidationError(() => VariantAssignment.assign('u', [])).message).toBe('VariantAssignment.assign: variants must not be empty; got []');
    expect(expectValidationError(() => VariantAssignment.assign('u', [{ name: 'a', weight: 0 }])).message).toBe(
      'VariantAssignment.assign: variants[0].weight must be a finite number greater than 0; got 0',
    );
  });
});
