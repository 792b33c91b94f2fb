/**
 * Charging sessions of a YKC connection (ykc.md §6): card/VIN starts (0x31) -> `authorizationRequest`
 * -> 0x32 with a gateway serial, remote starts (0x34 / 0x33) and stops (0x36 / 0x35), the session
 * seen charging in 0x13, and transaction records (0x3B / 0x3D) confirmed with 0x40 only on
 * `confirmRecord` (after the gateway queued what they produced).
 *
 * Energy: YKC real-time data has no meter register, only the energy charged in the session (0x13).
 * Every session is therefore metered from 0: `sessionStarted` carries `meterStartWh: 0` and the record
 * reports 0 and the session's total energy as its start and stop values, so that the Begin, periodic
 * and End values of one transaction are on one scale, also for a record whose start this connection
 * never saw (uploaded after an offline period or a reconnect). The record's meter register readings
 * (电表总起值 / 电表总止值) are logged, not forwarded.
 *
 * A transaction whose record came (or was confirmed) is finished: a later 0x13 still naming it (a
 * stored frame sent after a reconnect, the last frames of the session) or a late 0x33 success does
 * not start it again. A gun seen charging under a new transaction ends the session it had before
 * (reason `other`, with the last energy seen) when that one's record has not ended it yet. A record
 * with an all-zero transaction number is confirmed (so the pile stops resending it) and logged only.
 */
import type { AuthorizeCommand, ConfirmRecordCommand, StartChargingCommand } from '../../src/model/commands.js';
import type { IdToken, Timestamp } from '../../src/model/events.js';
import type { CommandOutcome } from '../codec.js';
import { START_FAIL_REASON, STOP_FAIL_REASON } from './constants.js';
import type { YkcOutbox } from './session-io.js';
import { authFailCode, gunCode, gunNo, localStamp, reasonText, round } from './session-support.js';
import { mapStopReason, type YkcStopReasonMap } from './stop-reason-map.js';
import type { YkcFrameOf } from './types.js';

interface AuthRequest {
  readonly requestId: string;
  readonly sequence: number;
  readonly connector: number;
  readonly gun: string;
  readonly idToken: IdToken;
  readonly cardNo: string;
}

interface Txn {
  readonly connector: number;
  readonly idToken?: IdToken;
  readonly commandId?: string;
  started: boolean;
  ended?: boolean;
  /** Energy of the session in its last 0x13, Wh. */
  energyWh?: number;
}

/** How many finished transaction numbers are remembered. */
const FINISHED_KEPT = 64;

const ZERO_TXN = /^0+$/;

/** 0x33 failure reason 5: the gun is not plugged in yet (ykc.md §4). */
const GUN_NOT_PLUGGED = 5;

export class YkcTransactions {
  private counter = 0;
  private readonly auths = new Map<string, AuthRequest>();
  private readonly txns = new Map<string, Txn>();
  /** Records waiting for `confirmRecord`: serial -> sequence of the last copy received. */
  private readonly records = new Map<string, number>();
  /** Transactions whose record came or was confirmed, oldest first (at most `FINISHED_KEPT`). */
  private readonly finished = new Set<string>();

  constructor(
    private readonly io: YkcOutbox,
    private readonly stopReasons: YkcStopReasonMap,
    private readonly pileCode: () => string | undefined,
  ) {}

  // --- frames from the charger -------------------------------------------------------------

  /** A 0x13 frame naming `transactionNo` with `energyWh` charged; `charging` when its status is 3. */
  realTime(transactionNo: string, connector: number, charging: boolean, energyWh: number, at: Timestamp): void {
    if (ZERO_TXN.test(transactionNo)) return;
    const seen = this.txns.get(transactionNo);
    if (seen !== undefined && seen.connector === connector && seen.ended !== true) seen.energyWh = energyWh;
    if (charging) this.charging(transactionNo, connector, energyWh, at);
  }

  /** A 0x13 frame showing the gun charging under `transactionNo`: the session has started. */
  private charging(transactionNo: string, connector: number, energyWh: number, at: Timestamp): void {
    if (this.finished.has(transactionNo)) {
      this.io.ctx.sink.log('debug', 'ykc real-time data for a finished transaction ignored', { transactionNo, connector });
      return;
    }
    const txn = this.txns.get(transactionNo);
    if (txn?.started === true) return;
    this.endSuperseded(transactionNo, connector, at);
    if (txn === undefined) {
      const seen: Txn = { connector, started: true, energyWh };
      this.txns.set(transactionNo, seen);
      this.sessionStarted(transactionNo, seen, at);
    } else {
      txn.started = true;
      this.sessionStarted(transactionNo, txn, at);
    }
  }

  startRequest(f: YkcFrameOf<'startRequest'>): void {
    const connector = gunNo(f.gun);
    const card = this.cardId(f.cardNo);
    const idToken: IdToken =
      f.startMode === 3 ? { id: f.vin, type: 'vin' } : f.startMode === 2 && f.passwordRequired === 1 ? { id: card, type: 'password' } : { id: card, type: 'card' };
    const requestId = `${f.gun}-${f.sequence}-${this.io.ctx.clock.now()}`;
    const req: AuthRequest = { requestId, sequence: f.sequence, connector, gun: f.gun, idToken, cardNo: f.cardNo };
    this.io.event({ type: 'authorizationRequest', connector, idToken, requestId });
    if (this.io.ctx.options.authorizeLocally === true) {
      this.answerAuth(req, true, undefined);
    } else {
      this.auths.set(requestId, req);
    }
  }

  /**
   * 0x33: answers the start of its transaction; only one naming no transaction this session knows
   * (all zeros, or rewritten by the charger) answers the start whose 0x34 it echoes, else the
   * oldest start on its gun (`YkcOutbox.answerOf`).
   */
  remoteStartResult(f: YkcFrameOf<'remoteStartResult'>): void {
    const known = !ZERO_TXN.test(f.transactionNo) && (this.txns.has(f.transactionNo) || this.finished.has(f.transactionNo));
    const p = this.io.answerOf('start', f, known ? { transactionNo: f.transactionNo } : { connector: gunNo(f.gun) });
    const ok = f.result === 1;
    // ykc.md §4: "gun not plugged" is no refusal: a gun plugged in within 60 s of the 0x34 starts
    // charging and the pile sends a second 0x33, with success. The start waits for the EV.
    const waiting = !ok && f.failReason === GUN_NOT_PLUGGED;
    if (p !== undefined) {
      const reason = ok ? undefined : waiting ? `${reasonText(START_FAIL_REASON, f.failReason)}: the pile starts once the gun is plugged in (within 60 s)` : reasonText(START_FAIL_REASON, f.failReason);
      this.io.result(p.commandId, ok || waiting ? 'accepted' : 'rejected', reason, f.failReason);
    }
    const txn = this.txns.get(f.transactionNo);
    if (ok && this.finished.has(f.transactionNo)) {
      this.io.ctx.sink.log('info', 'ykc start result for a finished transaction ignored', { transactionNo: f.transactionNo });
    } else if (ok && txn !== undefined && !txn.started) {
      txn.started = true;
      this.sessionStarted(f.transactionNo, txn, this.io.now());
    }
  }

  /** 0x35 (pile and gun, no transaction): the stop whose 0x36 it echoes, else the oldest on its gun. */
  remoteStopResult(f: YkcFrameOf<'remoteStopResult'>): void {
    const p = this.io.answerOf('stop', f, { connector: gunNo(f.gun) });
    if (p !== undefined) {
      this.io.result(p.commandId, f.result === 1 ? 'accepted' : 'rejected', f.result === 1 ? undefined : reasonText(STOP_FAIL_REASON, f.failReason), f.failReason);
    }
  }

  record(f: YkcFrameOf<'transactionRecord'> | YkcFrameOf<'transactionRecordV17'>): void {
    if (ZERO_TXN.test(f.transactionNo)) {
      this.acknowledgeOnly(f, 'ykc record without a transaction number confirmed and dropped');
      return;
    }
    const connector = gunNo(f.gun);
    const txn = this.txns.get(f.transactionNo);
    const card = /^0*$/.test(f.physicalCardNo) ? '' : this.cardId(f.physicalCardNo);
    const idToken: IdToken | undefined =
      txn?.idToken ??
      (f.tradeFlag === 5 && f.vin !== '' ? { id: f.vin, type: 'vin' } : (f.tradeFlag === 2 || f.tradeFlag === 4) && card !== '' ? { id: card, type: 'card' } : undefined);
    this.records.set(f.transactionNo, f.sequence);
    this.finish(f.transactionNo);
    const now = this.io.now();
    const reason = mapStopReason(this.stopReasons, f.stopReason);
    const endedAt = f.endTime.utc ?? now;
    const energyWh = round(f.totalEnergyKwh * 1000, 1);
    // Every session is metered from 0 (see the file comment); the register readings go to the log.
    const meterStopWh = energyWh;
    this.io.ctx.sink.log('debug', 'ykc record meter register', { transactionNo: f.transactionNo, meterStartKwh: f.meterStartKwh, meterEndKwh: f.meterEndKwh });
    this.io.event({
      type: 'transactionRecord',
      connector,
      legacyTransactionId: f.transactionNo,
      ...(idToken !== undefined ? { idToken } : {}),
      startedAt: f.startTime.utc ?? now,
      endedAt,
      meterStartWh: 0,
      meterStopWh,
      energyWh,
      amount: round(f.totalAmountYuan * 100, 2),
      reason,
      rawReason: f.stopReason,
    });
    // A session this connection saw start also ends here (after the record, which carries the bill:
    // the engine ends the transaction on the record and treats this as the end of the running session).
    if (txn !== undefined && txn.started && txn.ended !== true) {
      txn.ended = true;
      this.io.event({
        type: 'sessionEnded',
        connector,
        legacyTransactionId: f.transactionNo,
        ...(idToken !== undefined ? { idToken } : {}),
        meterStopWh,
        at: endedAt,
        reason,
        rawReason: f.stopReason,
      });
    }
  }

  // --- commands ----------------------------------------------------------------------------

  authorize(c: AuthorizeCommand): CommandOutcome {
    const req = c.requestId !== undefined ? this.auths.get(c.requestId) : [...this.auths.values()].find((a) => a.connector === c.connector);
    if (req === undefined) return { status: 'rejected', reason: 'no open authorization request' };
    this.auths.delete(req.requestId);
    this.answerAuth(req, c.accepted, c.reason);
    this.io.result(c.id, 'completed');
    return { status: 'sent' };
  }

  /** 0x34 with a new serial; the caller checked the pile and the connector. */
  startCharging(c: StartChargingCommand, pile: string): CommandOutcome {
    const gun = gunCode(c.connector);
    const transactionNo = this.serial(pile, gun);
    const card = c.idToken?.id ?? '';
    this.txns.set(transactionNo, { connector: c.connector, ...(c.idToken !== undefined ? { idToken: c.idToken } : {}), commandId: c.id, started: false });
    const sequence = this.io.send({
      type: 'remoteStart',
      transactionNo,
      pileCode: pile,
      gun,
      logicalCardNo: /^[0-9]{1,16}$/.test(card) ? card : '0',
      physicalCardNo: this.io.cardFormat === 'hex' ? (/^[0-9A-Fa-f]{1,16}$/.test(card) ? card : '0') : /^[0-9]{1,18}$/.test(card) ? card : '0',
      balanceYuan: this.io.ctx.options.balanceYuan ?? 1000,
    });
    this.io.expect(c.id, 'start', c.connector, { transactionNo, sequence });
    return { status: 'sent' };
  }

  /** 0x40 for a record, echoing the sequence of its last copy (every copy gets its own 0x40). */
  confirmRecord(c: ConfirmRecordCommand): CommandOutcome {
    const sequence = this.records.get(c.legacyTransactionId);
    this.records.delete(c.legacyTransactionId);
    const frame = { type: 'transactionRecordConfirm', transactionNo: c.legacyTransactionId, result: c.accepted ? 0 : 1 } as const;
    if (sequence !== undefined) this.io.sendFrame({ ...frame, sequence });
    else this.io.send(frame);
    this.txns.delete(c.legacyTransactionId);
    this.finish(c.legacyTransactionId);
    this.io.result(c.id, 'completed');
    return { status: 'sent' };
  }

  /**
   * A record the session forwards nothing of (no transaction number, a gun the pile does not have):
   * logged with its content and confirmed with 0x40 at once, so that the pile stops resending it.
   */
  acknowledgeOnly(f: YkcFrameOf<'transactionRecord'> | YkcFrameOf<'transactionRecordV17'>, message: string): void {
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

  // --- helpers -----------------------------------------------------------------------------

  private finish(transactionNo: string): void {
    this.finished.delete(transactionNo);
    this.finished.add(transactionNo);
    if (this.finished.size > FINISHED_KEPT) {
      const oldest = this.finished.values().next();
      if (oldest.done !== true) this.finished.delete(oldest.value);
    }
  }

  /** The gun charges under `transactionNo`: a session it had under another number and still runs ends. */
  private endSuperseded(transactionNo: string, connector: number, at: Timestamp): void {
    for (const [no, txn] of this.txns) {
      if (no === transactionNo || txn.connector !== connector || !txn.started || txn.ended === true) continue;
      txn.ended = true;
      this.io.ctx.sink.log('warn', 'ykc gun charging under a new transaction: the previous session ends without its record', { connector, previous: no, transactionNo });
      this.io.event({
        type: 'sessionEnded',
        connector,
        legacyTransactionId: no,
        ...(txn.idToken !== undefined ? { idToken: txn.idToken } : {}),
        ...(txn.energyWh !== undefined ? { meterStopWh: txn.energyWh } : {}),
        at,
        reason: 'other',
      });
    }
  }

  private answerAuth(req: AuthRequest, accepted: boolean, reason: string | undefined): void {
    const pile = this.pileCode() ?? '0';
    const transactionNo = accepted ? this.serial(pile, req.gun) : '0';
    if (accepted) this.txns.set(transactionNo, { connector: req.connector, idToken: req.idToken, started: false });
    this.io.sendFrame({
      type: 'startConfirm',
      sequence: req.sequence,
      transactionNo,
      pileCode: pile,
      gun: req.gun,
      logicalCardNo: /^[0-9]{1,16}$/.test(req.cardNo) ? req.cardNo : '0',
      balanceYuan: this.io.ctx.options.balanceYuan ?? 1000,
      authResult: accepted ? 1 : 0,
      failReason: accepted ? 0 : authFailCode(reason, req.idToken),
    });
  }

  /** Gateway-generated transaction serial: pile (14) + gun (2) + yyMMddHHmmss (12) + counter (4), ykc.md §2. */
  private serial(pile: string, gun: string): string {
    this.counter = (this.counter + 1) % 10_000;
    return `${pile.padStart(14, '0')}${gun.padStart(2, '0')}${localStamp(this.io.ctx.clock.now(), this.io.timeZone)}${String(this.counter).padStart(4, '0')}`;
  }

  /** Card number as an id token: hex rendering without its zero padding (`00000000D14B0A54` -> `D14B0A54`). */
  private cardId(cardNo: string): string {
    return this.io.cardFormat === 'hex' ? cardNo.replace(/^0+(?=.)/, '') : cardNo;
  }

  private sessionStarted(transactionNo: string, txn: Txn, at: Timestamp): void {
    this.io.event({
      type: 'sessionStarted',
      connector: txn.connector,
      legacyTransactionId: transactionNo,
      ...(txn.idToken !== undefined ? { idToken: txn.idToken } : {}),
      meterStartWh: 0,
      ...(txn.commandId !== undefined ? { commandId: txn.commandId } : {}),
      at,
    });
  }
}
