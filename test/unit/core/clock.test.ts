import { describe, expect, it } from 'vitest';
import { monotonicClock, systemClock } from '../../../src/core/clock.js';

describe('systemClock', () => {
  it('reads epoch milliseconds', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires a timer and lets one be cleared', async () => {
    const fired: string[] = [];
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 1);
    systemClock.clearTimeout(cleared);
    await new Promise<void>((resolve) =>
      systemClock.setTimeout(() => {
        fired.push('kept');
        resolve();
      }, 5),
    );
    expect(fired).toEqual(['kept']);
  });
});

describe('monotonicClock', () => {
  it('reads performance.now(), not the time of day', () => {
    const before = performance.now();
    const now = monotonicClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThan(Date.now() / 2);
  });
});
