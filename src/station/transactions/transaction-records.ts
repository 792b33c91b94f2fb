/**
 * Billing records of sessions other than the one open on their connector (a record of an earlier
 * session the charger kept while offline): each is reported as a whole transaction of its own,
 * Started then Ended with the record's figures, and the open transaction is left alone. Both events
 * are queued before the record may be confirmed. Between them the transaction is kept under
 * `record:<legacy id>`, so a charger's resend after a crash finishes it rather than starting another.
 */
import { randomUUID } from 'node:crypto';
import type { TransactionRecordEvent } from '../../model/events.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import type { StateChange } from '../../store/state-store.js';
import type { StationContext } from '../context.js';
import type { MeterValue, ReadingContext } from '../meter-values/meter-values.js';
import { recordFigures } from './transaction-ends.js';
import { endedEvent, ocppIdToken, type OpenTx, type UnnumberedTxEvent } from './transaction-events.js';

/** What reporting a record needs of the transactions. */
export interface RecordHost {
  /** Numbers one event of `tx` and queues it with `tx`'s new state under `key` (removed after the last) and `also`, atomically. */
  write(key: string, tx: OpenTx, event: UnnumberedTxEvent, last: boolean, also?: readonly StateChange[]): Promise<OpenTx>;
  /** An energy reading as a meter value, if it is a finite one. */
  reading(wh: number | undefined, at: string, context: ReadingContext): MeterValue | undefined;
  /** The change marking a legacy transaction done, written with its Ended event, and its commit once written. */
  finishing(legacyTransactionId: string): { readonly change: StateChange; commit(): void };
}

const recordKey = (legacyTransactionId: string): string => `record:${legacyTransactionId}`;

export class TransactionRecords {
  constructor(
    private readonly ctx: StationContext,
    private readonly host: RecordHost,
  ) {}

  /** True when the record's transaction was started but not yet ended (a crash came between). */
  async begun(legacyTransactionId: string): Promise<boolean> {
    return (await this.stored(legacyTransactionId)) !== undefined;
  }

  /** Reports the record as a transaction of its own: Started (unless already queued), then Ended. */
  async report(r: TransactionRecordEvent): Promise<void> {
    const key = recordKey(r.legacyTransactionId);
    const tx = (await this.stored(r.legacyTransactionId)) ?? (await this.start(key, r));
    const done = this.host.finishing(r.legacyTransactionId);
    const meterStop = this.host.reading(r.meterStopWh, r.endedAt, 'Transaction.End');
    const ended = endedEvent(tx, { reason: r.reason, raw: r.rawReason, at: r.endedAt, ...(meterStop !== undefined ? { meterStop } : {}), customData: recordFigures(r) });
    await this.host.write(key, tx, ended, true, [done.change]);
    done.commit();
    this.ctx.log('info', 'transaction record of a session other than the open one reported as its own transaction', {
      connector: r.connector,
      legacyTransactionId: r.legacyTransactionId,
      transactionId: tx.transactionId,
    });
  }

  private async start(key: string, r: TransactionRecordEvent): Promise<OpenTx> {
    const tx: OpenTx = {
      transactionId: randomUUID(),
      seqNo: 0,
      legacyTransactionId: r.legacyTransactionId,
      startedAt: r.startedAt,
      lastPeriodicAt: Date.parse(r.startedAt),
      chargingState: 'Charging',
      remote: false,
    };
    const idToken = r.idToken !== undefined ? ocppIdToken(r.idToken) : undefined;
    const begin = this.host.reading(r.meterStartWh, r.startedAt, 'Transaction.Begin');
    return this.host.write(
      key,
      tx,
      {
        eventType: 'Started',
        timestamp: ocppTimestamp(Date.parse(r.startedAt)),
        triggerReason: idToken !== undefined ? 'Authorized' : 'ChargingStateChanged',
        evse: { id: r.connector, connectorId: 1 },
        ...(idToken !== undefined ? { idToken } : {}),
        transactionInfo: { transactionId: tx.transactionId, chargingState: 'Charging' },
        ...(begin !== undefined ? { meterValue: [begin] } : {}),
      },
      false,
    );
  }

  private async stored(legacyTransactionId: string): Promise<OpenTx | undefined> {
    const stored = await this.ctx.store.get(this.ctx.id, recordKey(legacyTransactionId));
    return stored === undefined || stored === null ? undefined : (stored as unknown as OpenTx);
  }
}
