import { describe, expect, it } from 'vitest';
import { compareQuantities, quantityValue } from '../../lib/core/quantity';

describe('quantities', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['1Ki', 1024],
    ['512Mi', 512 * 2 ** 20],
    ['4Gi', 4 * 2 ** 30],
  ])('%s = %d', (q, v) => {
    expect(quantityValue(q)).toBe(v);
  });

  it('compares across notations', () => {
    expect(compareQuantities('1000m', '1')).toBe(0);
    expect(compareQuantities('2Gi', '1024Mi')).toBeGreaterThan(0);
    expect(compareQuantities('250m', '1')).toBeLessThan(0);
  });

  it('does not understand what it was not given', () => {
    expect(quantityValue('1G')).toBeNaN();
  });
});
