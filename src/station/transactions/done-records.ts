/**
 * The legacy transactions whose Ended event is queued ("done"), persisted under one station key
 * (newest last) and written in the same atomic step as that event. Chargers resend only recent
 * unconfirmed records, so the last `DONE_RECORDS_KEPT` are enough to answer a resend with a
 * confirmation and nothing new — and to open nothing again for a session reported once more after
 * its end (a Reset ended it, say).
 */
import type { StateChange } from '../../store/state-store.js';
import type { StationContext } from '../context.js';

const DONE_RECORDS_KEY = 'records.done';
const DONE_RECORDS_KEPT = 64;

export class DoneRecords {
  /** Oldest first. */
  private order: string[] = [];
  private ids = new Set<string>();

  constructor(private readonly ctx: Pick<StationContext, 'id' | 'store'>) {}

  async load(): Promise<void> {
    const done = await this.ctx.store.get(this.ctx.id, DONE_RECORDS_KEY);
    this.order = Array.isArray(done) ? done.filter((x): x is string => typeof x === 'string') : [];
    this.ids = new Set(this.order);
  }

  /** True when this legacy transaction's Ended event is queued. */
  has(legacyTransactionId: string): boolean {
    return this.ids.has(legacyTransactionId);
  }

  /**
   * Marking a legacy transaction done: the state change to write with its Ended event (the done
   * list with it added, newest last), and what to do in memory once that write succeeded.
   */
  finishing(legacyTransactionId: string): { readonly change: StateChange; commit(): void } {
    const done = [...this.order.filter((id) => id !== legacyTransactionId), legacyTransactionId].slice(-DONE_RECORDS_KEPT);
    return {
      change: { key: DONE_RECORDS_KEY, value: done },
      commit: () => {
        this.order = done;
        this.ids = new Set(done);
      },
    };
  }
}
