import { describe, expect, it } from 'vitest';
import { boundedWait } from '../../../src/core/bounded-wait.js';
import { FakeClock } from '../../support/fake-clock.js';

/** Lets pending promise callbacks run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('boundedWait', () => {
  it("settles with the work's value when it comes in time, and clears its timer", async () => {
    const clock = new FakeClock();
    let answer!: (v: string) => void;
    const waiting = boundedWait(new Promise<string>((resolve) => (answer = resolve)), 100, () => 'late', clock);
    expect(clock.pending).toBe(1);
    clock.advance(99);
    answer('in time');
    await expect(waiting).resolves.toBe('in time');
    expect(clock.pending).toBe(0);
  });

  it("settles with late()'s value once the time is up", async () => {
    const clock = new FakeClock();
    let settled = false;
    const waiting = boundedWait(new Promise<string>(() => undefined), 100, () => 'late', clock);
    void waiting.then(() => (settled = true));
    clock.advance(99);
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(waiting).resolves.toBe('late');
    expect(clock.pending).toBe(0);
  });

  it('rejects with what late() throws', async () => {
    const clock = new FakeClock();
    const waiting = boundedWait(
      new Promise<string>(() => undefined),
      10,
      () => {
        throw new Error('no answer within 10 ms');
      },
      clock,
    );
    clock.advance(10);
    await expect(waiting).rejects.toThrow('no answer within 10 ms');
  });

  it("passes the work's rejection through and clears its timer", async () => {
    const clock = new FakeClock();
    await expect(boundedWait(Promise.reject(new Error('refused')), 100, () => 'late', clock)).rejects.toThrow('refused');
    expect(clock.pending).toBe(0);
  });

  it('ignores an answer that comes after the time is up', async () => {
    const clock = new FakeClock();
    let answer!: (v: string) => void;
    const waiting = boundedWait(new Promise<string>((resolve) => (answer = resolve)), 5, () => 'late', clock);
    clock.advance(5);
    answer('too late');
    await expect(waiting).resolves.toBe('late');
  });

  it('uses the real timers by default', async () => {
    const started = Date.now();
    await expect(boundedWait(new Promise<number>(() => undefined), 20, () => 0)).resolves.toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    await expect(boundedWait(Promise.resolve(1), 60_000, () => 0)).resolves.toBe(1);
  });
});
