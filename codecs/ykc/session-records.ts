/**
 * Transaction records of a YKC connection (0x3B / 0x3D) and their confirmation (0x40).
 *
 * A plausible record becomes a `transactionRecord` and is confirmed with 0x40 only on
 * `confirmRecord`, which the station sends once the TransactionEvents it produced are durably
 * queued. Its figures are the transaction's: every session is metered from 0 (see
 * `YkcTransactions`), so the record reports 0 and the session's total energy as its start and stop
 * values; its meter register readings (电表总起值 / 电表总止值) are logged, not forwarded. Its
 * amount and, when it itemises them, its tip/peak/flat/valley energies and amounts go along
 * (`amount`, `periods`: the Ended event's custom data).
 *
 * An implausible record (`checkRecord`: inconsistent, more energy than the pile can deliver in the
 * session's time or add to what this connection last saw of it, amounts off the tariff) is held: no `transactionRecord`, no 0x40 (the pile keeps
 * it and sends it again), one `transactionRecordHeld` per record (its resends are counted as
 * `repeat` and logged at debug level; the serials held are remembered across the pile's
 * connections). A session still open for it ends without it (`recordPending`). An operator who
 * reviewed one releases it with `recordChecks.release`; its next copy is then billed.
 *
 * A record with an all-zero transaction number, or for a gun the pile does not have, is confirmed at
 * once (so the pile stops resending it) and logged only.
 */
import type { CommandOutcome, ConfirmRecordCommand } from '../../src/model/commands.js';
import type { IdToken, RecordHoldReason, RecordPeriod } from '../../src/model/events.js';
import { RECORD_HOLD_REASONS } from '../../src/model/events.js';
import { checkRecord, itemised, PERIODS, type RecordCheckContext, type RecordFrame } from './record-checks.js';
import type { YkcOutbox } from './session-io.js';
import { cardId, gunNo, round } from './session-support.js';
import type { YkcTransactions } from './session-transactions.js';
import { mapStopReason, type YkcStopReasonMap } from './stop-reason-map.js';

const ZERO_TXN = /^0+$/;

/** Key of the held serials in the pile's memory (kept across its connections). */
const HELD_KEY = 'ykc.recordsHeld';
/** How many held serials are remembered. */
const HELD_KEPT = 64;

/**
 * The record's energy and amount per time-of-use period, in the units of its totals: Wh, and fen
 * (the minor unit of CNY) to two decimals, as the fields carry 10^-4 kWh and 10^-4 CNY. The
 * loss-adjusted energies are not forwarded (the amount may be computed on either, see `checkRecord`).
 */
function periods(f: RecordFrame): RecordPeriod[] {
  return PERIODS.map((period) => ({ period, energyWh: round(f[period].energyKwh * 1000, 1), amount: round(f[period].amountYuan * 100, 2) }));
}

export class YkcRecords {
  /** Records waiting for `confirmRecord`: serial -> sequence of the last copy received. */
  private readonly toConfirm = new Map<string, number>();
  /** Held serials when the host keeps no memory per pile. */
  private readonly heldHere = new Set<string>();

  constructor(
    private readonly io: YkcOutbox,
    private readonly transactions: YkcTransactions,
    private readonly stopReasons: YkcStopReasonMap,
    /** What the checks compare a record with (rated power, pile type, tariffs given). */
    private readonly checkContext: () => RecordCheckContext,
    private readonly pileCode: () => string | undefined,
  ) {}

  record(f: RecordFrame): void {
    if (ZERO_TXN.test(f.transactionNo)) {
      this.acknowledgeOnly(f, 'ykc record without a transaction number confirmed and dropped');
      return;
    }
    const txn = this.transactions.known(f.transactionNo);
    // What this connection saw of the session, by the gateway's clock (the record's times are the
    // pile's); a real-time energy of 0 says nothing (some firmware leaves the field empty).
    const seen =
      txn?.energyWh !== undefined && txn.energyWh > 0 && txn.seenAt !== undefined
        ? { energyKwh: txn.energyWh / 1000, secondsBefore: (Date.parse(this.io.now()) - Date.parse(txn.seenAt)) / 1000 }
        : undefined;
    const problems = checkRecord(f, this.io.ctx.options.recordChecks ?? {}, { ...this.checkContext(), ...(seen !== undefined ? { seen } : {}) });
    if (problems.length > 0) {
      this.hold(f, problems);
      return;
    }
    const connector = gunNo(f.gun);
    const card = /^0*$/.test(f.physicalCardNo) ? '' : cardId(f.physicalCardNo, this.io.cardFormat);
    const idToken: IdToken | undefined =
      txn?.idToken ?? (f.tradeFlag === 5 && f.vin !== '' ? { id: f.vin, type: 'vin' } : (f.tradeFlag === 2 || f.tradeFlag === 4) && card !== '' ? { id: card, type: 'card' } : undefined);
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
      ...(itemised(f) ? { periods: periods(f) } : {}),
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

  /** An implausible record: not confirmed, not billed; raised once, its session ended without it. */
  private hold(f: RecordFrame, problems: readonly { reason: RecordHoldReason; detail: string }[]): void {
    const held = this.held();
    if (held.has(f.transactionNo)) {
      this.io.ctx.sink.ignored?.('repeat');
      this.io.ctx.sink.log('debug', 'ykc record held before sent again: still held, not confirmed', { transactionNo: f.transactionNo });
      return;
    }
    held.add(f.transactionNo);
    if (held.size > HELD_KEPT) {
      const oldest = held.values().next();
      if (oldest.done !== true) held.delete(oldest.value);
    }
    const reasons = RECORD_HOLD_REASONS.filter((r) => problems.some((p) => p.reason === r));
    const detail = problems.map((p) => `${p.reason}: ${p.detail}`).join('; ');
    const first = reasons[0] ?? 'inconsistent';
    this.io.ctx.sink.log('warn', 'ykc record implausible: held (not confirmed, not billed)', {
      transactionNo: f.transactionNo,
      gun: f.gun,
      detail,
      totalEnergyKwh: f.totalEnergyKwh,
      totalAmountYuan: f.totalAmountYuan,
    });
    this.transactions.held(f.transactionNo, () =>
      this.io.event({
        type: 'transactionRecordHeld',
        connector: gunNo(f.gun),
        legacyTransactionId: f.transactionNo,
        reasons: [first, ...reasons.slice(1)],
        detail,
        ...(f.startTime.utc !== null ? { startedAt: f.startTime.utc } : {}),
        ...(f.endTime.utc !== null ? { endedAt: f.endTime.utc } : {}),
        energyWh: round(f.totalEnergyKwh * 1000, 1),
        amount: round(f.totalAmountYuan * 100, 2),
        at: this.io.now(),
      }),
    );
  }

  /** The serials held, in the pile's memory when the host keeps one (they survive a reconnect). */
  private held(): Set<string> {
    const pile = this.pileCode();
    const memory = pile !== undefined ? this.io.ctx.connection.memoryOf?.(pile) : undefined;
    if (memory === undefined) return this.heldHere;
    const kept = memory.get(HELD_KEY);
    if (kept instanceof Set) return kept as Set<string>;
    const fresh = new Set<string>();
    memory.set(HELD_KEY, fresh);
    return fresh;
  }
}
