import { describe, expect, it } from 'vitest';
import { DriftColumnKind, DriftMath, OTHER_CATEGORY, numericDriftOf } from '../../lib/core/drift';
import {
  DEFAULT_ROLLING_REFERENCE_MINUTES,
  DriftReference,
  rebaselineOnReference,
  referenceRangeOf,
} from '../../lib/core/drift-reference';
import { expectValidationError } from '../support/aws';

const hour = (iso: string) => new Date(iso);

describe('referenceRangeOf', () => {
  const start = hour('2026-11-27T10:00:00Z'); // Black Friday 2026, 10:00–11:00 UTC
  const end = hour('2026-11-27T11:00:00Z');

  it('TRAINING has no reference range', () => {
    expect(referenceRangeOf(DriftReference.TRAINING, start, end)).toBeUndefined();
  });

  it('ROLLING_WINDOW is the 7 days just before the window, by default', () => {
    expect(DEFAULT_ROLLING_REFERENCE_MINUTES).toBe(10080);
    expect(referenceRangeOf(DriftReference.ROLLING_WINDOW, start, end)).toEqual({ start: hour('2026-11-20T10:00:00Z'), end: start });
    expect(referenceRangeOf(DriftReference.ROLLING_WINDOW, start, end, 90)).toEqual({ start: hour('2026-11-27T08:30:00Z'), end: start });
  });

  it('SAME_PERIOD_LAST_YEAR is a day centred on the window 364 days earlier: the same weekday', () => {
    const range = referenceRangeOf(DriftReference.SAME_PERIOD_LAST_YEAR, start, end)!;
    expect(range).toEqual({ start: hour('2025-11-27T22:30:00Z'), end: hour('2025-11-28T22:30:00Z') });
    // 2025-11-28 was Black Friday too, and a Friday like 2026-11-27.
    expect(new Date('2025-11-28T10:30:00Z').getUTCDay()).toBe(start.getUTCDay());
    expect(referenceRangeOf(DriftReference.SAME_PERIOD_LAST_YEAR, start, end, 60)).toEqual({
      start: hour('2025-11-28T10:00:00Z'), end: hour('2025-11-28T11:00:00Z'),
    });
  });

  it('rejects bad input, naming each problem', () => {
    const e = expectValidationError(() => referenceRangeOf('WEEKLY' as DriftReference, end, start, 0));
    expect(e.problems.map((p) => [p.property, p.allowed])).toEqual([
      ['reference', 'must be one of TRAINING, ROLLING_WINDOW, SAME_PERIOD_LAST_YEAR'],
      ['windowEnd', 'must be a valid Date after windowStart'],
      ['referenceMinutes', 'must be a whole number of minutes from 1 to 44640'],
    ]);
  });
});

describe('rebaselineOnReference', () => {
  const training = DriftMath.buildBaseline([
    { name: 'amount', numericValues: Array.from({ length: 100 }, (_, i) => i) },
    { name: 'country', categoricalValues: ['US', 'US', 'DE', 'FR'] },
  ], { bins: 4, prediction: { name: 'score', numericValues: Array.from({ length: 10 }, (_, i) => i / 10) } });

  it('keeps the training bins and takes the counts from the reference traffic', () => {
    const amounts = Float64Array.from([1, 2, 3, 80, 81, 82, 83, 99]);
    const { baseline, fallbackFeatures, predictionFallback } = rebaselineOnReference(
      training, new Map<string, ArrayLike<number> | string[]>([['amount', amounts], ['country', ['DE', 'DE', 'BR', 'US']]]), [0.1, 0.9, 0.95], 3);
    expect(baseline.features[0]).toEqual({ ...training.features[0], counts: [3, 0, 0, 5] });
    expect(baseline.features[1]).toEqual({ ...training.features[1], counts: [1, 2, 0, 1] });
    expect(training.features[1].categories).toEqual(['US', 'DE', 'FR', OTHER_CATEGORY]);
    expect(baseline.prediction).toEqual({ ...training.prediction!, counts: [1, 0, 0, 2] });
    expect(fallbackFeatures).toEqual([]);
    expect(predictionFallback).toBe(false);
    // The same traffic against its own re-counted baseline is stable.
    expect(numericDriftOf(baseline.features[0], amounts).psi).toBe(0);
  });

  it('keeps the training counts of a column with too few reference values, and says so', () => {
    const result = rebaselineOnReference(training, new Map([['amount', [1, 2, 3]]]), undefined, 3);
    expect(result.baseline.features[0].counts).toEqual([3, 0, 0, 0]);
    expect(result.baseline.features[1]).toBe(training.features[1]);
    expect(result.baseline.prediction).toBe(training.prediction);
    expect(result.fallbackFeatures).toEqual(['country']);
    expect(result.predictionFallback).toBe(true);
    expect(result.baseline.features[0].kind).toBe(DriftColumnKind.NUMERIC);
  });

  it('spares a seasonal shift the training baseline would call drift', () => {
    const lastBlackFriday = Array.from({ length: 2000 }, (_, i) => 70 + (i % 30));
    const thisBlackFriday = Array.from({ length: 2000 }, (_, i) => 71 + (i % 29));
    const { baseline } = rebaselineOnReference(training, new Map([['amount', lastBlackFriday], ['country', Array(2000).fill('US')]]), undefined);
    expect(numericDriftOf(training.features[0], thisBlackFriday).psi).toBeGreaterThan(0.2);
    expect(numericDriftOf(baseline.features[0], thisBlackFriday).psi).toBeLessThan(0.1);
  });

  it('rejects a minimum below 1', () => {
    expect(expectValidationError(() => rebaselineOnReference(training, new Map(), undefined, 0)).message).toContain('minValues');
  });
});
