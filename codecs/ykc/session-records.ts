/**
 * Transaction records of a YKC connection (0x3B / 0x3D) and their confirmation (0x40).
 *
 * A record becomes a `transactionRecord` and is confirmed with 0x40 only on
 * `confirmRecord`, which the station sends once the TransactionEvents it produced are durably
 * queued. Its figures are the transaction's: every session is metered from 0 (see
 * `YkcTransactions`), so the record reports 0 and the session's total energy as its start and stop
 * values; its meter register readings (电表总起值 / 电表总止值) are logged, not forwarded.
 *
 * A record with an all-zero transaction number, or for a gun the pile does not have, is confirmed at
 * once (so the pile stops resending it) and logged only.
 */
import type { ConfirmRecordCommand } from '../../src/model/commands.js';
import type { IdToken } from '../../src/model/events.js';
import type { CommandOutcome } from '../codec.js';
import type { YkcOutbox } from './session-io.js';
import { cardId, gunNo, round } from './session-support.js';
import type { YkcTransactions } from './session-transactions.js';
import { mapStopReason, type YkcStopReasonMap } from './stop-reason-map.js';
import type { YkcFrameOf } from './types.js';

type RecordFrame = YkcFrameOf<'transactionRecord'> | YkcFrameOf<'transactionRecordV17'>;

const ZERO_TXN = /^0+$/;

export class YkcRecords {
  /** Records waiting for `confirmRecord`: serial -> sequence of the last copy received. */
  private readonly toConfirm = new Map<string, number>();

  constructor(
    private readonly io: YkcOutbox,
    private readonly transactions: YkcTransactions,
    private readonly stopReasons: YkcStopReasonMap,
  ) {}

  record(f: RecordFrame): void {
    if (ZERO_TXN.test(f.transactionNo)) {
      this.acknowledgeOnly(f, 'ykc record without a transaction number confirmed and dropped');
      return;
    }
    const connector = gunNo(f.gun);
    const txn = this.transactions.known(f.transactionNo);
    const card = /^0*$/.test(f.physicalCardNo) ? '' : cardId(f.physicalCardNo, this.io.cardFormat);
    const idToken: IdToken | undefined =
      txn?.idToken ??
      (f.tradeFlag === 5 && f.vin !== '' ? { id: f.vin, type: 'vin' } : (f.tradeFlag === 2 || f.tradeFlag === 4) && card !== '' ? { id: card, type: 'card' } : undefined);
    this.toConfirm.set(f.transactionNo, f.sequence);
    const now = this.io.now();
    const reason = mapStopReason(this.stopReasons, f.stopReason);
    const endedAt = f.endTime.utc ?? now;
    const energyWh = round(f.totalEnergyKwh * 1000, 1);
    this.io.ctx.sink.log('debug', 'ykc record meter register', { transactionNo: f.transactionNo, meterStartKwh: f.meterStartKwh, meterEndKwh: f.meterEndKwh });
    this.io.event({
      type: 'transactionRecord',
      connector,
      legacyTransactionId: f.transactionNo,
      ...(idToken !== undefined ? { idToken } : {}),
      startedAt: f.startTime.utc ?? now,
      endedAt,
      meterStartWh: 0,
      meterStopWh: energyWh,
      energyWh,
      amount: round(f.totalAmountYuan * 100, 2),
      reason,
      rawReason: f.stopReason,
    });
    this.transactions.recorded(f.transactionNo, connector, { ...(idToken !== undefined ? { idToken } : {}), meterStopWh: energyWh, at: endedAt, reason, rawReason: f.stopReason });
  }

  /** 0x40 for a record, echoing the sequence of its last copy (every copy gets its own 0x40). */
  confirmRecord(c: ConfirmRecordCommand): CommandOutcome {
    const sequence = this.toConfirm.get(c.legacyTransactionId);
    this.toConfirm.delete(c.legacyTransactionId);
    const frame = { type: 'transactionRecordConfirm', transactionNo: c.legacyTransactionId, result: c.accepted ? 0 : 1 } as const;
    if (sequence !== undefined) this.io.sendFrame({ ...frame, sequence });
    else this.io.send(frame);
    this.transactions.confirmed(c.legacyTransactionId);
    this.io.result(c.id, 'completed');
    return { status: 'sent' };
  }

  /**
   * A record the session forwards nothing of (no transaction number, a gun the pile does not have):
   * logged with its content and confirmed with 0x40 at once, so that the pile stops resending it.
   */
  acknowledgeOnly(f: RecordFrame, message: string): void {
    this.io.ctx.sink.log('warn', message, {
      transactionNo: f.transactionNo,
      gun: f.gun,
      startTime: f.startTime.utc,
      endTime: f.endTime.utc,
      totalEnergyKwh: f.totalEnergyKwh,
      totalAmountYuan: f.totalAmountYuan,
      stopReason: f.stopReason,
      physicalCardNo: f.physicalCardNo,
    });
    this.io.sendFrame({ type: 'transactionRecordConfirm', sequence: f.sequence, transactionNo: f.transactionNo, result: 0 });
  }

}
