/**
 * How transactions reach the store: each event numbered (`seqNo` without gaps) and marked `offline`
 * when produced without a CSMS, queued in one atomic write with the transaction's new state, and
 * the open transaction of each connector kept under its state key so it survives restarts.
 */
import type { JsonValue, StateChange } from '../../store/state-store.js';
import type { StationContext } from '../context.js';
import type { OpenTx, TxEvent, UnnumberedTxEvent } from './transaction-events.js';
import type { TxQueue } from './tx-queue.js';

/** The state key of a connector's open transaction. */
export const txKey = (connector: number): string => `tx:${connector}`;

export class TransactionWrites {
  constructor(
    private readonly ctx: StationContext,
    private readonly queue: TxQueue,
  ) {}

  /** The connector's open transaction as stored, if any. */
  async stored(connector: number): Promise<OpenTx | undefined> {
    const stored = await this.ctx.store.get(this.ctx.id, txKey(connector));
    return stored === undefined || stored === null ? undefined : (stored as unknown as OpenTx);
  }

  /** Stores `tx` as the connector's open transaction, without an event. */
  async keep(connector: number, tx: OpenTx): Promise<void> {
    await this.ctx.store.set(this.ctx.id, txKey(connector), tx as unknown as JsonValue);
  }

  /**
   * Numbers and marks one event of `tx` and queues it together with the transaction's new state
   * under `key` (or its removal, for the last event) in one atomic store write: a crash leaves
   * either both or neither, never a seqNo gap. The idempotency key (transaction, seqNo) makes a
   * replayed write land once. Returns the state written; `tx` itself is left as it was.
   */
  async write(key: string, tx: OpenTx, event: UnnumberedTxEvent, last: boolean, also: readonly StateChange[] = []): Promise<OpenTx> {
    const payload: TxEvent = { ...event, seqNo: tx.seqNo, ...(this.ctx.isOnline() ? {} : { offline: true }) } as TxEvent;
    const next: OpenTx = { ...tx, seqNo: tx.seqNo + 1 };
    const state: StateChange = last ? { key, delete: true } : { key, value: next as unknown as JsonValue };
    await this.queue.enqueue(payload, also.length === 0 ? state : [state, ...also]);
    return next;
  }
}
