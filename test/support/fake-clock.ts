/**
 * A deterministic `Clock` for unit tests: time only moves in `advance`, which fires every due
 * timer in deadline order (ties in the order they were set), including timers set by those timers.
 */
import type { Clock, TimerHandle } from '../../src/core/clock.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, Pending>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers one at a time at their own deadlines. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const due = this.nextDue(target);
      if (due === undefined) break;
      this.timers.delete(due.id);
      this.time = due.at;
      due.fn();
    }
    this.time = target;
  }

  private nextDue(limit: number): Pending | undefined {
    let best: Pending | undefined;
    for (const t of this.timers.values()) {
      if (t.at > limit) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }
}
