/**
 * Waiting for something at most so long: a stop that might hang, a store that might not answer, a
 * goodbye the peer might never confirm. One helper so every such wait clears its timer and none
 * keeps a process alive past its answer.
 */
import { systemClock, type Timers } from './clock.js';

/**
 * Settles as `work` does when it settles within `ms`; otherwise with `late()`'s value, or rejects
 * with what `late` throws. The timer is cleared as soon as either side wins. A rejection of `work`
 * passes through: callers that want a fallback for it too catch it on `work` first.
 */
export function boundedWait<T>(work: Promise<T>, ms: number, late: () => T, timers: Timers = systemClock): Promise<T> {
  let handle: unknown;
  const timeout = new Promise<T>((resolve, reject) => {
    handle = timers.setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => timers.clearTimeout(handle));
}
