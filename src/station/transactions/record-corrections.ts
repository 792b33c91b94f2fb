/**
 * Transactions that ended before their billing record came, and the correction the record brings.
 *
 * A charger with transaction records (YKC) may have to end a transaction without its record: the
 * codec's wait for it ran out, the record that came was held as implausible, or (after a reconnect)
 * a newer session on its connector replaced it. That Ended event carries the last real-time figures and
 * `recordPending: true` in its customData, and the transaction is kept under
 * `provisional:<legacy id>` (with its next seqNo) in the same atomic write. When the record comes,
 * a second Ended event of the same transaction (next seqNo, `correction: true`) carries the
 * record's stop reason, end time and Transaction.End reading; it is queued together with the
 * removal of the entry, in one atomic write, before the record is confirmed to the charger.
 *
 * OCPP 2.0.1 sends nothing after Ended. The correction is the one exception, and an Ended rather
 * than an Updated: a CSMS that keeps a transaction's state from its latest event keeps it ended
 * (an Updated would make it look running again), and one that bills on Ended sees final figures.
 * At most `PROVISIONAL_KEPT` such transactions are kept (the oldest is forgotten first).
 */
import type { StopReason, TransactionRecordEvent } from '../../model/events.js';
import type { JsonValue, StateChange } from '../../store/state-store.js';
import type { StationContext } from '../context.js';
import { recordFigures } from './transaction-ends.js';
import { endedEvent, type OpenTx } from './transaction-events.js';
import type { RecordHost } from './transaction-records.js';

/** What correcting a transaction needs of the transactions: what reporting a record needs, but marking it done. */
export type CorrectionHost = Pick<RecordHost, 'write' | 'reading'>;

/** Station key of the legacy ids of the transactions kept for a correction, oldest first. */
const INDEX_KEY = 'records.provisional';
const PROVISIONAL_KEPT = 64;

const provisionalKey = (legacyTransactionId: string): string => `provisional:${legacyTransactionId}`;

/** A transaction kept for its record's correction, and why it ended where the station knows. */
type Kept = OpenTx & { readonly stoppedBy?: StopReason };

export class RecordCorrections {
  private order: string[] = [];

  constructor(
    private readonly ctx: StationContext,
    private readonly host: CorrectionHost,
  ) {}

  async load(): Promise<void> {
    const stored = await this.ctx.store.get(this.ctx.id, INDEX_KEY);
    this.order = Array.isArray(stored) ? stored.filter((x): x is string => typeof x === 'string') : [];
  }

  /**
   * `tx` is ending now without its record: the state changes to write with its Ended event (the
   * transaction with its next seqNo, the index, the entry it evicts), and what to do in memory once
   * that write succeeded. `stoppedBy`: the station itself knows why it ended (a Reset), which the
   * record's stop code does not overrule; the record corrects the figures.
   */
  remember(tx: OpenTx, stoppedBy?: StopReason): { readonly changes: StateChange[]; commit(): void } {
    const kept: Kept = {
      ...(stoppedBy !== undefined ? { stoppedBy } : {}),
      transactionId: tx.transactionId,
      seqNo: tx.seqNo + 1,
      legacyTransactionId: tx.legacyTransactionId,
      startedAt: tx.startedAt,
      lastPeriodicAt: tx.lastPeriodicAt,
      chargingState: tx.chargingState,
      remote: tx.remote,
    };
    const order = [...this.order.filter((id) => id !== tx.legacyTransactionId), tx.legacyTransactionId];
    const evicted = order.splice(0, Math.max(0, order.length - PROVISIONAL_KEPT));
    return {
      changes: [
        { key: provisionalKey(tx.legacyTransactionId), value: kept as unknown as JsonValue },
        { key: INDEX_KEY, value: order },
        ...evicted.map((id) => ({ key: provisionalKey(id), delete: true as const })),
      ],
      commit: () => {
        this.order = order;
        // Not silent: the forgotten transaction keeps its provisional figures, and its record, should it
        // still come, is reported as a transaction of its own beside it (nothing is confirmed unbilled).
        for (const id of evicted) {
          this.ctx.log('warn', 'transaction ended without its record forgotten: more than 64 wait for theirs; its record, if it comes, is reported as a transaction of its own', {
            legacyTransactionId: id,
            kept: PROVISIONAL_KEPT,
          });
        }
      },
    };
  }

  /**
   * The record of a transaction that ended without it: queues the correcting Ended event and
   * returns true; false when no transaction waits for this record.
   */
  async correct(r: TransactionRecordEvent): Promise<boolean> {
    if (!this.order.includes(r.legacyTransactionId)) return false;
    const key = provisionalKey(r.legacyTransactionId);
    const stored = await this.ctx.store.get(this.ctx.id, key);
    const order = this.order.filter((id) => id !== r.legacyTransactionId);
    if (stored === undefined || stored === null) {
      this.order = order;
      return false;
    }
    const tx = stored as unknown as Kept;
    const meterStop = this.host.reading(r.meterStopWh, r.endedAt, 'Transaction.End');
    const event = endedEvent(tx, {
      reason: tx.stoppedBy ?? r.reason,
      raw: r.rawReason,
      at: r.endedAt,
      ...(meterStop !== undefined ? { meterStop } : {}),
      customData: { correction: true, ...recordFigures(r) },
    });
    await this.host.write(key, tx, event, true, [{ key: INDEX_KEY, value: order }]);
    this.order = order;
    this.ctx.log('info', 'transaction ended without its record corrected by the record', {
      connector: r.connector,
      legacyTransactionId: r.legacyTransactionId,
      transactionId: tx.transactionId,
      seqNo: tx.seqNo,
    });
    return true;
  }
}
