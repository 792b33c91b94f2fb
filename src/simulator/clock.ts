/**
 * The clock a simulated charger runs on: epoch milliseconds and timers, injected so that tests
 * can run a charger model on a fake clock. The charger models (never the socket) take it.
 */
import { systemClock } from '../core/clock.js';
import type { SimulatorClock } from './factory.js';

export type { SimulatorClock } from './factory.js';

/** The real clock. */
export const systemSimulatorClock: SimulatorClock = systemClock;

/** Calls `fn` every `ms` on `clock` until the returned function is called (setInterval over an injected clock). */
export function every(clock: SimulatorClock, ms: number, fn: () => void): () => void {
  let stopped = false;
  let handle: unknown;
  const arm = (): void => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      arm();
      fn();
    }, ms);
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}
