/** A codec session context for benchmarks: the wall clock without timers, a sink that counts events. */
import type { Clock } from '../../src/core/clock.js';
import type { ConnectionInfo, SessionContext, SessionSink } from '../../codecs/codec.js';

export interface CountingContext<O> {
  readonly context: SessionContext<O>;
  /** Canonical events the session emitted so far. */
  events(): number;
  reset(): void;
}

export function countingContext<O>(options: O, connection: ConnectionInfo = {}): CountingContext<O> {
  let events = 0;
  const clock: Clock = { now: () => Date.now(), setTimeout: () => undefined, clearTimeout: () => undefined };
  const sink: SessionSink = {
    event: () => {
      events++;
    },
    send: () => undefined,
    error: () => undefined,
    close: () => undefined,
    log: () => undefined,
  };
  return {
    context: { options, clock, connection, sink },
    events: () => events,
    reset: () => {
      events = 0;
    },
  };
}
