/**
 * Guns waiting for a record. A pile may report its next session on a gun (0x13 charging under a new
 * transaction number) before the record (0x3B) of the session it had there: the spec gives the pile
 * 30 s after the end of a charge to send it, and 30 s between resends. The record decides the
 * previous transaction's figures, and OCPP 2.0.1 has one transaction per EVSE at a time, so the gun
 * waits: the previous transaction stays open, the next one is started only after the previous one
 * ended, and the gun's real-time data meanwhile (the next session's) is kept back, its latest frame
 * replayed once the wait is over. A wait lasts until the record comes or `recordWaitMs` ran out
 * (then the previous transaction ends on its last real-time figures, marked as waiting for its
 * record). This class keeps the waits and their timers; what ending one means is the caller's.
 */
import type { Clock } from '../../src/core/clock.js';
import type { Timestamp } from '../../src/model/events.js';
import type { YkcFrameOf } from './types.js';

/** Default bound of a wait: the 30 s the spec gives the pile after the charge ended, plus one resend. */
export const DEFAULT_RECORD_WAIT_MS = 60_000;

export interface RecordWait {
  /** The transaction whose record is awaited (started, not ended). */
  readonly previous: string;
  /** The transaction charging meanwhile, started once `previous` ended; none when its own record came first. */
  next: string | undefined;
  /** When the gun was first seen charging under `next`. */
  nextSince: Timestamp;
  /** The gun's latest 0x13 during the wait (not one naming `previous`), and when it came. */
  frame?: { readonly f: YkcFrameOf<'realTimeData'>; readonly at: Timestamp };
  readonly timer: unknown;
}

export class YkcRecordWaits {
  private readonly waits = new Map<number, RecordWait>();

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    /** The wait of `connector` ran out (it is still in place: `end` it). */
    private readonly expired: (connector: number) => void,
  ) {}

  /** False when waits are off (`recordWaitMs: 0`): a superseded session ends at once. */
  get enabled(): boolean {
    return this.ms > 0;
  }

  of(connector: number): RecordWait | undefined {
    return this.waits.get(connector);
  }

  /** The wait whose `previous` is `transactionNo`, with its connector. */
  previousOf(transactionNo: string): { readonly connector: number; readonly wait: RecordWait } | undefined {
    for (const [connector, wait] of this.waits) if (wait.previous === transactionNo) return { connector, wait };
    return undefined;
  }

  begin(connector: number, previous: string, next: string, at: Timestamp): RecordWait {
    const timer = this.clock.setTimeout(() => this.expired(connector), this.ms);
    const wait: RecordWait = { previous, next, nextSince: at, timer };
    this.waits.set(connector, wait);
    return wait;
  }

  /** `transactionNo` is not a wait's next session any more (its own record came first: it is reported by it). */
  forgetNext(transactionNo: string): void {
    for (const w of this.waits.values()) if (w.next === transactionNo) w.next = undefined;
  }

  /** Removes the wait of `connector` and returns it. */
  end(connector: number): RecordWait | undefined {
    const wait = this.waits.get(connector);
    if (wait === undefined) return undefined;
    this.clock.clearTimeout(wait.timer);
    this.waits.delete(connector);
    return wait;
  }

  /** The connection closed: the timers stop (the station keeps the open transaction; the pile resends). */
  stop(): void {
    for (const w of this.waits.values()) this.clock.clearTimeout(w.timer);
    this.waits.clear();
  }
}
