/** Waits of the firmware block on the engine's injected clock, ended early by a cancel. */
import type { Clock } from '../../core/clock.js';

/** A firmware update replaced by a newer one, or the station stopping: the waits end with this. */
export class UpdateCancelled extends Error {
  override readonly name = 'UpdateCancelled';
  readonly code = 'FIRMWARE_UPDATE_CANCELLED';
}

/** setTimeout takes at most 2^31-1 ms (~24.8 days); a later time is reached in steps. */
const LONGEST_TIMER_MS = 2_147_000_000;

/** Resolves at epoch ms `at` (at once when it passed); rejects with `UpdateCancelled` on abort. */
export function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new UpdateCancelled('cancelled'));
      return;
    }
    let handle: unknown;
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(new UpdateCancelled('cancelled'));
    };
    const arm = (): void => {
      const left = at - clock.now();
      if (left <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      handle = clock.setTimeout(arm, Math.min(left, LONGEST_TIMER_MS));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/** Resolves once `ready()` holds, checked now and on every `poke`; rejects with `UpdateCancelled` on abort. */
export class Condition {
  // Created on the first wait: a station's Condition mostly never waits.
  private waiters: Set<() => void> | undefined;

  wait(ready: () => boolean, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new UpdateCancelled('cancelled'));
        return;
      }
      if (ready()) {
        resolve();
        return;
      }
      const check = (): void => {
        if (!ready()) return;
        done();
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(new UpdateCancelled('cancelled'));
      };
      const done = (): void => {
        this.waiters?.delete(check);
        signal.removeEventListener('abort', onAbort);
      };
      (this.waiters ??= new Set()).add(check);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  poke(): void {
    if (this.waiters === undefined) return;
    for (const w of [...this.waiters]) w();
  }
}
