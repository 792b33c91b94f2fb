import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, retryDelayMs, validateRetryBackOff, type RetryBackOff } from '../../../src/ocpp/backoff.js';
import { testSeed } from '../../support/seed.js';

const P: RetryBackOff = { waitMinimumS: 10, randomRangeS: 4, repeatTimes: 3 };
const zero = (): number => 0;

describe('retryDelayMs (OCPP RetryBackOff, Part 4 §5.3)', () => {
  it('starts at WaitMinimum and doubles after each failure, RepeatTimes times, then keeps the last wait', () => {
    const delays = [0, 1, 2, 3, 4, 5, 10].map((attempt) => retryDelayMs(attempt, P, zero));
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 80_000, 80_000, 80_000]);
  });

  it('never doubles with RepeatTimes 0', () => {
    const p = { ...P, repeatTimes: 0 };
    expect([0, 1, 7].map((a) => retryDelayMs(a, p, zero))).toEqual([10_000, 10_000, 10_000]);
  });

  it('adds a random part of 0..RandomRange that is not doubled', () => {
    expect(retryDelayMs(0, P, () => 0.5)).toBe(12_000);
    expect(retryDelayMs(2, P, () => 0.5)).toBe(42_000);
    expect(retryDelayMs(9, P, () => 0.25)).toBe(81_000);
  });

  it('draws a new random part on every call', () => {
    const draws = [0.1, 0.9, 0.3];
    let i = 0;
    const random = (): number => draws[i++] ?? 0;
    expect([0, 0, 0].map((a) => retryDelayMs(a, P, random))).toEqual([10_400, 13_600, 11_200]);
    expect(i).toBe(3);
  });

  it('stays within [WaitMinimum·2^min(n,R), that + RandomRange] for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 8 }),
        (attempt, r, waitMinimumS, randomRangeS, repeatTimes) => {
          const d = retryDelayMs(attempt, { waitMinimumS, randomRangeS, repeatTimes }, () => r);
          const base = waitMinimumS * 1000 * 2 ** Math.min(attempt, repeatTimes);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(base);
          expect(d).toBeLessThanOrEqual(base + randomRangeS * 1000);
        },
      ),
      { seed: testSeed('ocpp backoff property') },
    );
  });

  it('accepts fractional seconds and rounds down to whole milliseconds', () => {
    expect(retryDelayMs(1, { waitMinimumS: 0.05, randomRangeS: 0.01, repeatTimes: 2 }, () => 0.55)).toBe(105);
  });

  it('clamps a random source outside [0, 1) and ignores NaN', () => {
    expect(retryDelayMs(0, P, () => 7)).toBe(14_000);
    expect(retryDelayMs(0, P, () => -3)).toBe(10_000);
    expect(retryDelayMs(0, P, () => Number.NaN)).toBe(10_000);
  });

  it('saturates at the largest delay a Node timer can hold', () => {
    expect(retryDelayMs(60, { waitMinimumS: 3600, randomRangeS: 0, repeatTimes: 60 }, zero)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('uses Math.random by default, within bounds', () => {
    for (let i = 0; i < 50; i++) {
      const d = retryDelayMs(1, P);
      expect(d).toBeGreaterThanOrEqual(20_000);
      expect(d).toBeLessThanOrEqual(24_000);
    }
  });

  it('rejects invalid attempts and parameters with a RangeError naming them', () => {
    expect(() => retryDelayMs(-1, P, zero)).toThrow(/attempt/);
    expect(() => retryDelayMs(1.5, P, zero)).toThrow(RangeError);
    expect(() => retryDelayMs(0, { ...P, waitMinimumS: -1 }, zero)).toThrow(/waitMinimumS/);
    expect(() => retryDelayMs(0, { ...P, randomRangeS: Number.NaN }, zero)).toThrow(/randomRangeS/);
    expect(() => retryDelayMs(0, { ...P, repeatTimes: 1.5 }, zero)).toThrow(/repeatTimes/);
    expect(() => validateRetryBackOff({ ...P, repeatTimes: -2 })).toThrow(RangeError);
    expect(() => validateRetryBackOff(P)).not.toThrow();
  });
});
