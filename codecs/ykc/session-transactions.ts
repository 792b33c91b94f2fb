/**
 * Charging sessions of a YKC connection (docs/protocols/ykc.md §6): card/VIN starts authorized with a gateway serial
 * (`YkcAuthorizations`, session-auth.ts), remote starts (0x34 / 0x33) and stops (0x36 / 0x35), and
 * the session seen charging in 0x13. Its transaction records (0x3B / 0x3D) are `YkcRecords`'
 * (session-records.ts).
 *
 * Energy: YKC real-time data has no meter register, only the energy charged in the session (0x13).
 * Every session is therefore metered from 0: `sessionStarted` carries `meterStartWh: 0` and the record
 * reports 0 and the session's total energy as its start and stop values, so that the Begin, periodic
 * and End values of one transaction are on one scale.
 *
 * A transaction whose record came (or was confirmed) is finished: a later 0x13 still naming it (a
 * stored frame sent after a reconnect, the last frames of the session) or a late 0x33 success does
 * not start it again. A gun seen charging under a new transaction while the session it had before
 * waits for its record keeps that session open until the record comes or `recordWaitMs` runs out
 * (`YkcRecordWaits`); only then does the new one start. A session that ends without its record
 * (the wait ran out, its record was held, or waits are off) ends on its last real-time energy with
 * `recordPending`, and its record, when it comes and is plausible, corrects it.
 */
import type { CommandOutcome, StartChargingCommand } from '../../src/model/commands.js';
import type { IdToken, StopReason, Timestamp } from '../../src/model/events.js';
import { START_FAIL_REASON, STOP_FAIL_REASON } from './constants.js';
import type { YkcOutbox } from './session-io.js';
import { DEFAULT_RECORD_WAIT_MS, YkcRecordWaits } from './session-record-waits.js';
import { gunCode, gunNo, localStamp, reasonText, round } from './session-support.js';
import type { YkcFrameOf } from './types.js';

/** A transaction as this connection knows it. */
export interface Txn {
  readonly connector: number;
  readonly idToken?: IdToken;
  readonly commandId?: string;
  started: boolean;
  ended?: boolean;
  /** When its session ended, as its end was reported (the record's end time, or its last real-time frame). */
  endedAt?: Timestamp;
  /** Energy of the session in its last 0x13, Wh, and when that frame came. */
  energyWh?: number;
  seenAt?: Timestamp;
}

/** How a session this connection saw start ends on its record. */
export interface RecordEnd {
  readonly idToken?: IdToken;
  readonly meterStopWh: number;
  readonly at: Timestamp;
  readonly reason: StopReason;
  readonly rawReason: number;
}

/** How many finished transaction numbers are remembered. */
const FINISHED_KEPT = 64;

const ZERO_TXN = /^0+$/;

/** 0x33 failure reason 5: the gun is not plugged in yet (docs/protocols/ykc.md §4). */
const GUN_NOT_PLUGGED = 5;

export class YkcTransactions {
  private counter = 0;
  private readonly txns = new Map<string, Txn>();
  /** Transactions whose record came or was confirmed, oldest first (at most `FINISHED_KEPT`). */
  private readonly finished = new Set<string>();
  private readonly waits: YkcRecordWaits;

  constructor(
    private readonly io: YkcOutbox,
    private readonly pileCode: () => string | undefined,
    /** Runs a 0x13 kept back during a wait through the session, once the wait is over. */
    private readonly replay: (f: YkcFrameOf<'realTimeData'>, at: Timestamp) => void,
  ) {
    this.waits = new YkcRecordWaits(io.ctx.clock, io.ctx.options.recordWaitMs ?? DEFAULT_RECORD_WAIT_MS, (connector) => this.waitExpired(connector));
  }

  // --- frames from the charger -------------------------------------------------------------

  /**
   * A 0x13 frame, before anything else is made of it: true when its gun waits for a record (the
   * frame is kept back, see `YkcRecordWaits`), which it may start: the gun charges under a new
   * transaction while the session it had before has not had its record.
   */
  keptBack(f: YkcFrameOf<'realTimeData'>, at: Timestamp): boolean {
    const connector = gunNo(f.gun);
    const no = f.transactionNo;
    const charging = f.status === 3 && !ZERO_TXN.test(no) && !this.finished.has(no);
    if (charging && no !== this.waits.of(connector)?.previous && this.txns.get(no)?.started !== true) {
      const txn = this.txns.get(no) ?? { connector, started: false };
      if (txn.connector === connector && this.mustWait(no, txn, at)) this.txns.set(no, txn);
    }
    const wait = this.waits.of(connector);
    if (wait === undefined) return false;
    if (no === wait.previous) {
      // A late frame of the session waiting for its record: its energy, nothing else.
      const txn = this.txns.get(no);
      if (txn !== undefined && txn.ended !== true) this.note(txn, round(f.energyKwh * 1000, 1), at);
      return true;
    }
    wait.frame = { f, at };
    return true;
  }

  /** A 0x13 frame naming `transactionNo` with `energyWh` charged; `charging` when its status is 3. */
  realTime(transactionNo: string, connector: number, charging: boolean, energyWh: number, at: Timestamp): void {
    if (ZERO_TXN.test(transactionNo)) return;
    const seen = this.txns.get(transactionNo);
    if (seen !== undefined && seen.connector === connector && seen.ended !== true) this.note(seen, energyWh, at);
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
    const next: Txn = txn ?? { connector, started: false, energyWh, seenAt: at };
    this.txns.set(transactionNo, next);
    this.startSession(transactionNo, next, at);
  }

  /**
   * `transactionNo` starts on its gun now, unless it has to wait for the record of the session
   * before it there (`mustWait`). Without waits, the sessions before end at once, without record.
   */
  private startSession(transactionNo: string, txn: Txn, at: Timestamp): void {
    if (this.mustWait(transactionNo, txn, at)) return;
    for (const no of this.openOn(txn.connector, transactionNo)) {
      this.io.ctx.sink.log('warn', 'ykc gun charging under a new transaction: the previous session ends without its record, which corrects it when it comes', {
        connector: txn.connector,
        previous: no,
        transactionNo,
      });
      this.endWithoutRecord(no, at);
    }
    txn.started = true;
    this.sessionStarted(transactionNo, txn, at);
  }

  /**
   * True when `transactionNo`, about to start, has to wait for the record of the session its gun
   * had before (waits on): it becomes the next session of the gun's wait, begun now if needed.
   */
  private mustWait(transactionNo: string, txn: Txn, at: Timestamp): boolean {
    const connector = txn.connector;
    const wait = this.waits.of(connector);
    if (wait !== undefined) {
      if (wait.next !== transactionNo) {
        if (wait.next !== undefined)
          this.io.ctx.sink.log('warn', 'ykc gun charging under a third transaction while waiting for a record: the one before it is reported by its own record', {
            connector,
            skipped: wait.next,
            transactionNo,
          });
        wait.next = transactionNo;
        wait.nextSince = at;
      }
      return true;
    }
    const previous = this.waits.enabled ? this.openOn(connector, transactionNo)[0] : undefined;
    if (previous === undefined) return false;
    this.waits.begin(connector, previous, transactionNo, at);
    this.io.ctx.sink.log('info', 'ykc gun charging under a new transaction before the record of the previous one: that one stays open until its record comes', {
      connector,
      previous,
      transactionNo,
      waitMs: this.io.ctx.options.recordWaitMs ?? DEFAULT_RECORD_WAIT_MS,
    });
    return true;
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
    // docs/protocols/ykc.md §4: "gun not plugged" is no refusal: a gun plugged in within 60 s of the 0x34 starts
    // charging and the pile sends a second 0x33, with success. The start waits for the EV.
    const waiting = !ok && f.failReason === GUN_NOT_PLUGGED;
    if (p !== undefined) {
      const reason = ok
        ? undefined
        : waiting
          ? `${reasonText(START_FAIL_REASON, f.failReason)}: the pile starts once the gun is plugged in (within 60 s)`
          : reasonText(START_FAIL_REASON, f.failReason);
      this.io.result(p.commandId, ok || waiting ? 'accepted' : 'rejected', reason, f.failReason);
    }
    const txn = this.txns.get(f.transactionNo);
    if (ok && this.finished.has(f.transactionNo)) {
      this.io.ctx.sink.log('info', 'ykc start result for a finished transaction ignored', { transactionNo: f.transactionNo });
    } else if (ok && txn !== undefined && !txn.started) {
      this.startSession(f.transactionNo, txn, this.io.now());
    }
  }

  /** 0x35 (pile and gun, no transaction): the stop whose 0x36 it echoes, else the oldest on its gun. */
  remoteStopResult(f: YkcFrameOf<'remoteStopResult'>): void {
    const p = this.io.answerOf('stop', f, { connector: gunNo(f.gun) });
    if (p !== undefined) {
      this.io.result(p.commandId, f.result === 1 ? 'accepted' : 'rejected', f.result === 1 ? undefined : reasonText(STOP_FAIL_REASON, f.failReason), f.failReason);
    }
  }

  // --- commands ----------------------------------------------------------------------------

  /** A card or VIN start accepted (`YkcAuthorizations`): its transaction, under a new gateway serial for the 0x32. */
  authorized(pile: string, connector: number, gun: string, idToken: IdToken): string {
    const transactionNo = this.serial(pile, gun);
    this.txns.set(transactionNo, { connector, idToken, started: false });
    return transactionNo;
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

  // --- what the records do to sessions (`YkcRecords`) --------------------------------------

  /** The transaction as this connection knows it. */
  known(transactionNo: string): Txn | undefined {
    return this.txns.get(transactionNo);
  }

  /**
   * The transaction's record came and goes to the station (which confirms it once queued): the
   * transaction is finished, a session this connection saw start ends (after the record, which
   * carries the bill), and a gun waiting for this record goes on with its next session.
   */
  recorded(transactionNo: string, connector: number, end: RecordEnd): void {
    this.finish(transactionNo);
    const txn = this.txns.get(transactionNo);
    if (txn !== undefined && txn.started && txn.ended !== true) {
      txn.ended = true;
      txn.endedAt = end.at;
      this.io.event({
        type: 'sessionEnded',
        connector,
        legacyTransactionId: transactionNo,
        ...(end.idToken !== undefined ? { idToken: end.idToken } : {}),
        meterStopWh: end.meterStopWh,
        at: end.at,
        reason: end.reason,
        rawReason: end.rawReason,
      });
    }
    this.afterRecord(transactionNo);
  }

  /**
   * The transaction's record was held: a session still open ends without it (see
   * `endWithoutRecord`) before `report` raises the hold, so that its end carries this connection's
   * last real-time figures (the host ends a transaction it still has open for a held record on
   * what it knows); then a gun waiting for the record goes on.
   */
  held(transactionNo: string, report: () => void): void {
    const txn = this.txns.get(transactionNo);
    if (txn !== undefined && txn.started && txn.ended !== true) this.endWithoutRecord(transactionNo, txn.seenAt ?? this.io.now());
    report();
    this.afterRecord(transactionNo);
  }

  /** The record was confirmed to the pile (0x40). */
  confirmed(transactionNo: string): void {
    this.txns.delete(transactionNo);
    this.finish(transactionNo);
  }

  /** True while `connector` waits for the record of the session it had (see `YkcRecordWaits`). */
  waiting(connector: number): boolean {
    return this.waits.of(connector) !== undefined;
  }

  /** Stops the waits' timers (the connection closed). */
  stop(): void {
    this.waits.stop();
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

  private note(txn: Txn, energyWh: number, at: Timestamp): void {
    txn.energyWh = energyWh;
    txn.seenAt = at;
  }

  /** Transactions other than `except` whose session on `connector` started and has not ended, oldest first. */
  private openOn(connector: number, except: string): string[] {
    return [...this.txns].filter(([no, t]) => no !== except && t.connector === connector && t.started && t.ended !== true).map(([no]) => no);
  }

  /**
   * A session ends without its record: on the last energy its real-time data showed, at the time of
   * that frame (`at` when there was none), reason `other`, `recordPending` (its record corrects it).
   */
  private endWithoutRecord(transactionNo: string, at: Timestamp): void {
    const txn = this.txns.get(transactionNo);
    if (txn === undefined || txn.ended === true) return;
    txn.ended = true;
    txn.endedAt = txn.seenAt ?? at;
    this.io.event({
      type: 'sessionEnded',
      connector: txn.connector,
      legacyTransactionId: transactionNo,
      ...(txn.idToken !== undefined ? { idToken: txn.idToken } : {}),
      ...(txn.energyWh !== undefined ? { meterStopWh: txn.energyWh } : {}),
      at: txn.endedAt,
      reason: 'other',
      recordPending: true,
    });
  }

  /** A record of `transactionNo` came (billed or held): a wait for it ends, a wait that would start it forgets it. */
  private afterRecord(transactionNo: string): void {
    const prior = this.waits.previousOf(transactionNo);
    if (prior !== undefined) this.release(prior.connector);
    this.waits.forgetNext(transactionNo);
  }

  /** The wait of `connector` ran out: its session ends without the record, and the gun goes on. */
  private waitExpired(connector: number): void {
    const wait = this.waits.of(connector);
    if (wait === undefined) return;
    this.io.ctx.sink.log('warn', 'ykc record not received in time: the session ends on its last real-time energy, its record corrects it when it comes', { connector, transactionNo: wait.previous });
    this.endWithoutRecord(wait.previous, wait.nextSince);
    this.release(connector);
  }

  /**
   * Ends the wait of `connector`: its next session starts as of when it was first seen, but not
   * before the previous one's end as reported (one transaction at a time on an EVSE), unless that
   * end lies ahead of the gateway's clock (a pile clock running ahead); its latest frame is replayed.
   */
  private release(connector: number): void {
    const wait = this.waits.end(connector);
    if (wait === undefined) return;
    const next = wait.next !== undefined ? this.txns.get(wait.next) : undefined;
    if (wait.next !== undefined && next !== undefined && !next.started && !this.finished.has(wait.next)) {
      next.started = true;
      const floor = Math.min(Date.parse(this.txns.get(wait.previous)?.endedAt ?? wait.nextSince), Date.parse(this.io.now()));
      this.sessionStarted(wait.next, next, floor > Date.parse(wait.nextSince) ? new Date(floor).toISOString() : wait.nextSince);
    }
    if (wait.frame !== undefined) this.replay(wait.frame.f, wait.frame.at);
  }

  /** Gateway-generated transaction serial: pile (14) + gun (2) + yyMMddHHmmss (12) + counter (4), docs/protocols/ykc.md §2. */
  private serial(pile: string, gun: string): string {
    this.counter = (this.counter + 1) % 10_000;
    return `${pile.padStart(14, '0')}${gun.padStart(2, '0')}${localStamp(this.io.ctx.clock.now(), this.io.timeZone)}${String(this.counter).padStart(4, '0')}`;
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
