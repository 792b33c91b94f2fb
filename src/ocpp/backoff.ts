/**
 * The OCPP 2.0.1 reconnect back-off (OCPP-J Part 4 §5.3, exercised by TC_B_57) as a pure function:
 * no timers, no state, randomness injected. The connection keeps the attempt counter and asks for
 * the next delay; the station engine owns the three device-model variables
 * `OCPPCommCtrlr.RetryBackOffWaitMinimum`, `RetryBackOffRandomRange` and `RetryBackOffRepeatTimes`.
 */

/** The RetryBackOff device-model variables, in seconds (fractions allowed, e.g. for tests). */
export interface RetryBackOff {
  /** `RetryBackOffWaitMinimum`: the wait before the first retry, doubled after each failure. */
  readonly waitMinimumS: number;
  /** `RetryBackOffRandomRange`: upper bound of the random part added to every wait. */
  readonly randomRangeS: number;
  /** `RetryBackOffRepeatTimes`: how many times the wait is doubled; later retries keep the last wait. */
  readonly repeatTimes: number;
}

/**
 * Node fires a timer longer than 2^31-1 ms at once (with a TimeoutOverflowWarning), so a large
 * `repeatTimes` must saturate here rather than turn into a reconnect storm.
 */
export const MAX_RETRY_DELAY_MS = 2_147_483_647;

/**
 * Delay in milliseconds before reconnect attempt `attempt` after a connection loss.
 *
 * `attempt` counts consecutive failures: 0 is the first retry after a loss (or after a connection
 * that had been open), 1 the retry after that one failed, and so on. The result is
 * `waitMinimum * 2^min(attempt, repeatTimes) + random() * randomRange`, with a new random part on
 * every call, rounded down to whole milliseconds and capped at {@link MAX_RETRY_DELAY_MS}.
 *
 * @param random returns a number in [0, 1); values outside are clamped.
 * @throws RangeError when `attempt` is not a non-negative integer or a parameter is negative,
 *   not finite, or (for `repeatTimes`) not an integer.
 */
export function retryDelayMs(attempt: number, params: RetryBackOff, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`retry attempt must be a non-negative integer, got ${attempt}`);
  }
  validateRetryBackOff(params);
  const doublings = Math.min(attempt, params.repeatTimes);
  const waitMs = params.waitMinimumS * 1000 * 2 ** doublings;
  const r = Math.min(1, Math.max(0, random()));
  const randomMs = r * params.randomRangeS * 1000;
  // `r` may be NaN from a broken generator; Math.min/max propagate it, so fall back to no random part.
  const delay = Math.floor(waitMs + (Number.isNaN(randomMs) ? 0 : randomMs));
  return Math.min(delay, MAX_RETRY_DELAY_MS);
}

/**
 * Checks the three variables the way SetVariables must (negative or non-numeric values rejected).
 * @throws RangeError naming the first offending variable.
 */
export function validateRetryBackOff(params: RetryBackOff): void {
  for (const name of ['waitMinimumS', 'randomRangeS'] as const) {
    const v = params[name];
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`RetryBackOff ${name} must be a finite number >= 0, got ${v}`);
    }
  }
  if (!Number.isInteger(params.repeatTimes) || params.repeatTimes < 0) {
    throw new RangeError(`RetryBackOff repeatTimes must be an integer >= 0, got ${params.repeatTimes}`);
  }
}
