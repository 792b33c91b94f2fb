/**
 * The session's recurring work (general and counter interrogation, clock sync), each on its own
 * timer that re-arms itself: one live timer per schedule, all cleared when the connection ends.
 */
import type { Clock } from '../../src/core/clock.js';

const MINUTE = 60_000;

export class Periodic {
  /** The pending timer of each schedule. */
  private readonly timers = new Map<number, unknown>();
  private next = 0;
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  /** Runs `fn` every `minutes` (0 = never) until `clear`. */
  every(minutes: number, fn: () => void): void {
    if (minutes <= 0 || this.stopped) return;
    const id = this.next++;
    const arm = (): void => {
      this.timers.set(
        id,
        this.clock.setTimeout(() => {
          if (this.stopped) return;
          fn();
          arm();
        }, minutes * MINUTE),
      );
    };
    arm();
  }

  clear(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }
}
