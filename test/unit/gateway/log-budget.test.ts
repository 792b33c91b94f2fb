import { describe, expect, it } from 'vitest';
import { LineBudget } from '../../../src/gateway/log-budget.js';

describe('LineBudget', () => {
  it('logs the first lines of each window, counts the rest and hands the count over once', () => {
    let now = 1_000;
    const b = new LineBudget(2, 100, () => now);
    expect([b.spend(), b.spend(), b.spend(), b.spend()].map((s) => s.log)).toEqual([true, true, false, false]);
    expect(b.endsAt).toBe(1_100);
    now = 1_099;
    expect(b.spend()).toEqual({ log: false, droppedBefore: 0 });
    now = 1_100;
    // A new window: the three left out in the last one are handed over with its first line.
    expect(b.spend()).toEqual({ log: true, droppedBefore: 3 });
    expect(b.spend()).toEqual({ log: true, droppedBefore: 0 });
    expect(b.spend()).toEqual({ log: false, droppedBefore: 0 });
    // Flushed (e.g. at the connection's close): reported there, not again.
    expect(b.flush()).toBe(1);
    expect(b.flush()).toBe(0);
    now = 5_000;
    expect(b.spend()).toEqual({ log: true, droppedBefore: 0 });
  });
});
