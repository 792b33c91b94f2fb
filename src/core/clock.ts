/**
 * Time and one-shot timers, injected wherever code waits or stamps (codecs, the IEC 104 link, the
 * OCPP endpoint and client, the station engine), so tests and replay are deterministic.
 */

/** Opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = unknown;

/** A time source and one-shot timers. Tests inject a fake one that only moves when told. */
export interface Clock {
  /**
   * Milliseconds. From `systemClock`, epoch milliseconds (what a timestamp needs); from
   * `monotonicClock`, a steady count that only suits intervals.
   */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The part of a clock that only sets and clears timers (a reconnect back-off needs no time of day). */
export type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

/** The real clock: epoch milliseconds and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The real timers with `performance.now()`: sub-millisecond and immune to wall-clock steps, for
 * what only measures intervals (call latency, link timers) when no clock is injected.
 */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimeout: systemClock.setTimeout,
  clearTimeout: systemClock.clearTimeout,
};
