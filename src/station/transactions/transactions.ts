/**
 * Transactions (OCPP 2.0.1 E01-E15): TransactionEvents from the charger's canonical sessions.
 * TxStartPoint and TxStopPoint are PowerPathClosed: a legacy session is the period its power
 * path is closed. The station numbers transactions (UUID, persisted per connector so it survives
 * restarts), `seqNo` runs from 0 without gaps, `evse` rides only on the first event, and every
 * event goes through the durable queue, marked `offline` when produced without a CSMS. The
 * in-memory transaction changes only once the store has its new state.
 */
import type { IdleAtConnectEvent, MeasurementsEvent, SessionEndedEvent, SessionStartedEvent, StopReason, TransactionRecordEvent } from '../../model/events.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import type { StateChange } from '../../store/state-store.js';
import type { StationContext } from '../context.js';
import { LatestValues } from '../meter-values/latest-values.js';
import { EnergyReadings } from './energy-readings.js';
import { unreadable, type MeterValue } from '../meter-values/meter-values.js';
import { CHARGING, chargingStateChanged, endedEvent, newTx, startedEvent, isSessionOf, ocppIdToken, type OpenTx, type TxEnd, type UnnumberedTxEvent } from './transaction-events.js';
import { lastSeen, Reconciliation, type AwayStart } from './reconciliation.js';
import { DoneRecords } from './done-records.js';
import { unrecordedEnd, heldEndAt, recordEnd, recordStart, sessionEnd } from './transaction-ends.js';
import { RecordCorrections } from './record-corrections.js';
import { RemoteStarts, type RemoteStart } from '../remote-control/remote-starts.js';
import { ResetEnds } from '../provisioning/reset-ends.js';
import { TransactionRecords } from './transaction-records.js';
import { TransactionSamples } from './transaction-samples.js';
import { TransactionWrites, txKey } from './transaction-writes.js';
import type { TxQueue } from './tx-queue.js';

export { ocppIdToken } from './transaction-events.js';
export type { RemoteStart } from '../remote-control/remote-starts.js';

/** How long a transaction's last known running time may lag its latest reading (see `markSeen`). */
const SEEN_EVERY_MS = 60_000;

export class Transactions {
  private readonly open = new Map<number, OpenTx>();
  /** Legacy transactions whose Ended event is queued. */
  private readonly done: DoneRecords;
  /** RequestStartTransaction requests waiting for their session. */
  readonly remoteStarts: RemoteStarts;
  /**
   * The latest reading of each measurand (and phase) of each connector: every sample is built from
   * these, so a charger reporting one measurand per ASDU still gets samples with all of them.
   */
  readonly latestValues = new LatestValues();
  /** The latest energy register reading of each connector, and the Begin and End readings. */
  private readonly energy: EnergyReadings;
  /** Billing records of transactions other than the open one. */
  private readonly records: TransactionRecords;
  /** Transactions ended before their billing record came, corrected by it. */
  private readonly corrections: RecordCorrections;
  /** Transactions kept open from before, against what the charger reports as it connects. */
  private readonly reconciliation: Reconciliation;
  /** The meter values of open transactions (Updated events, samples kept for Ended). */
  private readonly samples: TransactionSamples;
  /** Connectors whose session ends by a Reset the charger confirmed, however the charger reports that end. */
  readonly resetEnds = new ResetEnds();

  /** Events and state on their way to the store. */
  private readonly writes: TransactionWrites;

  constructor(
    private readonly ctx: StationContext,
    queue: TxQueue,
  ) {
    this.writes = new TransactionWrites(ctx, queue);
    this.remoteStarts = new RemoteStarts(ctx);
    this.done = new DoneRecords(ctx);
    this.energy = new EnergyReadings((level, message, data) => ctx.log(level, message, data));
    this.records = new TransactionRecords(ctx, {
      write: (key, tx, event, last, also) => this.writes.write(key, tx, event, last, also),
      reading: (wh, at, context) => this.energy.reading(wh, at, context),
      finishing: (legacyTransactionId) => this.done.finishing(legacyTransactionId),
    });
    this.corrections = new RecordCorrections(ctx, {
      write: (key, tx, event, last, also) => this.writes.write(key, tx, event, last, also),
      reading: (wh, at, context) => this.energy.reading(wh, at, context),
    });
    this.reconciliation = new Reconciliation({
      open: (connector) => this.open.get(connector),
      end: (connector, tx, how) => this.end(connector, tx, how),
      begin: (e, start) => this.begin(e, start),
      keep: (connector, tx) => this.keep(connector, tx),
      chargingState: (connector, state, at) => this.chargingState(connector, state, at),
      log: (level, message, data) => this.ctx.log(level, message, data),
    });
    this.samples = new TransactionSamples(ctx, this.latestValues, {
      open: (connector) => this.open.get(connector),
      connectors: () => [...this.open.keys()],
      holds: (connector) => this.reconciliation.holds(connector),
      emit: (connector, tx, event, seen) => this.emit(connector, tx, event, false, [], seen),
      keep: (connector, tx) => this.keep(connector, tx),
      mark: (connector, tx) => void this.open.set(connector, tx),
    });
  }

  /** A transaction started (or was loaded open): smart charging applies its profiles (and the TxProfile of a remote start). */
  private started(connector: number, transactionId: string, startedAt: number, remote: RemoteStart | undefined): void {
    this.ctx.blocks.smartCharging.transactionStarted(connector, transactionId, startedAt, remote?.chargingProfile);
  }

  /** A transaction ended: a Reset waiting for the station to be idle may go ahead; smart charging drops its TxProfiles. */
  private ended(connector: number): void {
    const { reset, smartCharging } = this.ctx.blocks;
    reset.idle();
    smartCharging.transactionEnded(connector).catch((err: unknown) => this.ctx.log('warn', 'smart charging', { error: err instanceof Error ? err.message : String(err) }));
  }

  /** Loads transactions that were open when the engine last stopped. */
  async load(): Promise<void> {
    await this.done.load();
    await this.corrections.load();
    for (let c = 1; c <= this.ctx.capabilities.connectorCount; c++) {
      const tx = await this.writes.stored(c);
      if (tx === undefined) continue;
      this.open.set(c, tx);
      // The charger's first report on its connection says whether this transaction still runs.
      if (this.ctx.capabilities.sessionsFromState === true) this.reconciliation.loaded(c);
      this.started(c, tx.transactionId, Date.parse(tx.startedAt), undefined);
    }
  }

  /** The open transaction of a connector, if any. */
  transactionOf(connector: number): string | undefined {
    return this.open.get(connector)?.transactionId;
  }

  connectorOf(transactionId: string): number | undefined {
    for (const [c, tx] of this.open) if (tx.transactionId === transactionId) return c;
    return undefined;
  }

  async sessionStarted(e: SessionStartedEvent): Promise<void> {
    if (this.done.has(e.legacyTransactionId)) {
      // Its Ended is queued (e.g. a Reset ended it): a session over is not opened again, whoever reports it.
      this.reconciliation.settled(e.connector);
      this.ctx.log('info', 'start of a session already ended reported again: no transaction opened', { connector: e.connector, legacyTransactionId: e.legacyTransactionId });
      return;
    }
    if (e.alreadyRunning !== undefined) return this.reconciliation.running(e);
    this.reconciliation.settled(e.connector);
    if (!(await this.replaceStale(e))) return;
    // A register read after the start was seen is stamped when it was read.
    await this.begin(e, { at: e.at, begin: this.energy.reading(e.meterStartWh, e.meterStartAt ?? e.at, 'Transaction.Begin') });
  }

  /** The charger was idle on a connector as its connection came up (see `Reconciliation`). */
  async idleAtConnect(e: IdleAtConnectEvent): Promise<void> {
    this.energy.note(e.connector, e.meterWh, e.meterAt ?? e.at);
    await this.reconciliation.idle(e);
  }

  /** Opens the transaction of session `e`, started at `start.at` with the Transaction.Begin reading `start.begin`. */
  private async begin(e: SessionStartedEvent, start: Pick<AwayStart, 'at' | 'begin'> & Partial<Pick<AwayStart, 'customData'>>): Promise<void> {
    this.energy.note(e.connector, e.meterStartWh, e.meterStartAt ?? e.at);
    const remote = this.remoteStarts.claim(e);
    const tx = newTx(e.legacyTransactionId, start.at, remote !== undefined);
    const idToken = remote?.idToken ?? (e.idToken !== undefined ? ocppIdToken(e.idToken) : undefined);
    // Sessions use reservations (H03): the Started event carries the reservationId and ends the reservation.
    const reservation = this.ctx.blocks.reservations.use(e.connector, idToken);
    const event = startedEvent(tx, {
      connector: e.connector,
      at: start.at,
      begin: start.begin,
      customData: start.customData,
      idToken,
      remoteStartId: remote?.remoteStartId,
      reservationId: reservation?.reservationId,
    });
    // The reservation's key goes in the same atomic write as the event that uses it.
    await this.emit(e.connector, tx, event, false, reservation !== undefined ? [reservation.change] : []);
    reservation?.done();
    this.started(e.connector, tx.transactionId, Date.parse(start.at), remote);
  }

  /**
   * Before a session's transaction opens: false when it is the one already open (nothing to do).
   * A transaction of another session still open on the connector is stale (its end was missed, or
   * the charger renumbered the running session after a reconnect): it is ended first, as abnormal.
   */
  private async replaceStale(e: SessionStartedEvent): Promise<boolean> {
    const stale = this.open.get(e.connector);
    if (stale !== undefined) {
      if (isSessionOf(stale, e.legacyTransactionId)) return false;
      await this.endStale(e.connector, stale, e.at, e.legacyTransactionId);
    }
    return true;
  }

  /**
   * Ends a stale transaction with the last energy reading known for it (Other, AbnormalCondition).
   * A charger with billing records still owes its record, which corrects it (`RecordCorrections`).
   */
  private async endStale(connector: number, tx: OpenTx, at: string, newer: string): Promise<void> {
    this.ctx.log('warn', 'transaction of a session that is no longer running ended as abnormal', {
      connector,
      transactionId: tx.transactionId,
      legacyTransactionId: tx.legacyTransactionId,
      newerLegacyTransactionId: newer,
    });
    await this.endWithoutRecord(connector, tx, at, this.ctx.capabilities.transactionRecords);
  }

  /**
   * The billing record of a connector's session was held as implausible: that session is over,
   * whichever connection of the charger saw it start, and its transaction ends without the record
   * (at the last moment it was known running, `recordPending`; a record released later corrects it).
   * Without this a transaction begun on an earlier connection would stay open until the next session.
   */
  async recordHeld(connector: number, legacyTransactionId: string): Promise<void> {
    const tx = this.open.get(connector);
    if (tx === undefined || !isSessionOf(tx, legacyTransactionId)) return;
    this.ctx.log('warn', 'transaction whose billing record was held ends without it', { connector, transactionId: tx.transactionId, legacyTransactionId: tx.legacyTransactionId });
    await this.endWithoutRecord(connector, tx, heldEndAt(this.energy, connector, tx), true);
  }

  /** Ends `tx` without a record of its own (`unrecordedEnd`); `pending`: its billing record is still owed and corrects it. */
  private endWithoutRecord(connector: number, tx: OpenTx, at: string, pending: boolean, reason: StopReason = 'other'): Promise<void> {
    return this.end(connector, tx, unrecordedEnd(this.energy, connector, tx, at, pending, reason), pending);
  }

  async chargingState(connector: number, state: string, at: string): Promise<void> {
    const tx = this.open.get(connector);
    if (tx !== undefined && this.reconciliation.holds(connector)) return this.reconciliation.stateWhileHeld(connector, state, at);
    const next = CHARGING[state];
    if (tx === undefined || next === undefined || next === tx.chargingState || next === 'Idle' || next === 'EVConnected') return;
    await this.emit(connector, { ...tx, chargingState: next }, chargingStateChanged(tx, next, at));
  }

  /** A measurement: noted (latest values, energy register), then the open transaction's meter values (`TransactionSamples`). */
  async measurements(e: MeasurementsEvent): Promise<void> {
    const dropped = unreadable(e);
    if (dropped.length > 0) this.energy.unreadable({ connector: e.connector, measurands: dropped });
    // A flagged register reading (Measurement.quality) is never a transaction's figure.
    const register = e.values.find((v) => v.measurand === 'energy' && v.phase === undefined && v.quality === undefined);
    this.energy.note(e.connector, register?.value, e.at);
    this.latestValues.note(e);
    await this.samples.measured(e);
    await this.markSeen(e.connector);
  }

  /**
   * For a charger whose sessions come from its state, the latest register reading during the open
   * transaction is written with it at most every `SEEN_EVERY_MS` when no event did: should its end
   * be missed (a restart), it is the last moment the transaction was known running (`lastSeen`),
   * whatever the TxUpdatedInterval (0 sends no periodic event at all).
   */
  private async markSeen(connector: number): Promise<void> {
    const tx = this.open.get(connector);
    if (tx === undefined || this.ctx.capabilities.sessionsFromState !== true || this.reconciliation.holds(connector)) return;
    const reading = this.energy.during(connector, tx);
    if (reading === undefined || Date.parse(reading.at) - Date.parse(lastSeen(tx)) < SEEN_EVERY_MS) return;
    await this.keep(connector, { ...tx, lastEnergy: reading });
  }

  /** Clock-aligned values of a connector in a transaction, as an Updated event (see `TransactionSamples`). */
  clockAligned(connector: number, sample: MeterValue): Promise<boolean> {
    return this.samples.clockAligned(connector, sample);
  }

  /** Keeps a sample for the Ended event of the connector's transaction (see `TransactionSamples`). */
  endedSample(connector: number, sample: MeterValue, at?: number): Promise<void> {
    return this.samples.endedSample(connector, sample, at);
  }

  /** TriggerMessage(TransactionEvent): an Updated event for each open transaction (see `TransactionSamples`). */
  trigger(evse?: number): Promise<boolean> {
    return this.samples.trigger(evse);
  }

  /** When the connector's open transaction started (epoch ms), if one is open. */
  openSince(connector: number): number | undefined {
    const tx = this.open.get(connector);
    return tx === undefined ? undefined : Date.parse(tx.startedAt);
  }

  /** True when a transaction is open (on `evse`, or any). */
  hasOpen(evse?: number): boolean {
    return evse === undefined || evse === 0 ? this.open.size > 0 : this.open.has(evse);
  }

  async sessionEnded(e: SessionEndedEvent): Promise<void> {
    this.reconciliation.settled(e.connector);
    const tx = this.open.get(e.connector);
    if (tx === undefined || this.done.has(e.legacyTransactionId)) return;
    // Another session's end: the open transaction is not running either (one session per connector).
    if (!isSessionOf(tx, e.legacyTransactionId)) return this.endStale(e.connector, tx, e.at, e.legacyTransactionId);
    // Its billing record may still come: the Ended event marks the session done, so the record
    // finds it done and does not open a transaction of its own. A session that ended without its
    // record (the charger says so) is kept for the record's correction.
    await this.end(e.connector, tx, sessionEnd(this.energy, e, this.resetEnds.reasonFor(e.connector, e.reason)), e.recordPending === true);
  }

  /**
   * Ends every open transaction as ended by a Reset (B12: triggerReason ResetCommand, stoppedReason
   * ImmediateReset) now, with the last energy reading known of it; where billing records exist its
   * record is still owed and corrects it.
   */
  async endAllByReset(): Promise<void> {
    this.resetEnds.clear();
    const at = ocppTimestamp(this.ctx.clock.now());
    for (const [connector, tx] of [...this.open]) {
      this.ctx.log('info', 'transaction ended by the Reset', { connector, transactionId: tx.transactionId, legacyTransactionId: tx.legacyTransactionId });
      await this.endWithoutRecord(connector, tx, at, this.ctx.capabilities.transactionRecords, 'immediateReset');
    }
  }

  /** The open connectors: those with a transaction. */
  openConnectors(): number[] {
    return [...this.open.keys()];
  }

  /**
   * A billing record from the charger: ends its transaction (or reports a whole one the gateway
   * never saw start, or corrects one that ended without it), durably queued before the caller
   * confirms the record. A record seen before produces nothing new. Returns true when it was new.
   */
  async record(r: TransactionRecordEvent): Promise<boolean> {
    if (await this.corrections.correct(r)) return true;
    // Done means its Ended event is queued: that write and the mark are one atomic step, so a crash
    // anywhere before it leaves the record not done, and the charger's resend finishes the work
    // (ending the transaction it finds open, or reporting the whole session).
    if (this.done.has(r.legacyTransactionId)) return false;
    const open = this.open.get(r.connector);
    if (open?.legacyTransactionId === r.legacyTransactionId) {
      await this.end(r.connector, open, recordEnd(this.energy, r, this.resetEnds.reasonFor(r.connector, r.reason)));
      return true;
    }
    // Another session's transaction is open (or this record's own was begun beside one): the record
    // is a whole transaction of its own, and the open one is left alone.
    if (open !== undefined || (await this.records.begun(r.legacyTransactionId))) {
      await this.records.report(r);
      return true;
    }
    await this.sessionStarted(recordStart(r));
    const tx = this.open.get(r.connector);
    if (tx !== undefined) await this.end(r.connector, tx, recordEnd(this.energy, r, r.reason));
    return true;
  }

  /**
   * Marks (`on`) or unmarks the open transaction `transactionId` as one the station told the
   * charger to stop because the CSMS did not accept its token (E05, see `InvalidId`).
   */
  async deauthorize(transactionId: string, on: boolean): Promise<void> {
    const connector = this.connectorOf(transactionId);
    const tx = connector === undefined ? undefined : this.open.get(connector);
    if (connector === undefined || tx === undefined || (tx.deauthorized === true) === on) return;
    const { deauthorized: _was, ...rest } = tx;
    await this.keep(connector, on ? { ...rest, deauthorized: true } : rest);
  }

  /** Ends `tx` (`provisional`: without its billing record, kept for the record's correction). */
  private async end(connector: number, tx: OpenTx, how: TxEnd, provisional = false): Promise<void> {
    const done = this.done.finishing(tx.legacyTransactionId);
    // The remote stop the station sent for a token the CSMS refused is that refusal's end.
    const end: TxEnd = tx.deauthorized === true && how.reason === 'remote' ? { ...how, reason: 'deAuthorized' } : how;
    const kept = provisional ? this.corrections.remember(tx, end.reason === 'immediateReset' ? end.reason : undefined) : undefined;
    await this.emit(connector, tx, endedEvent(tx, end), true, [done.change, ...(kept?.changes ?? [])]);
    done.commit();
    kept?.commit();
    this.ended(connector);
  }

  /**
   * Queues one event of the connector's open transaction with `tx` as its new state (see `write`),
   * then makes that state the open one (or closes the transaction after its last event). Unless
   * the event says nothing of the charger (`seen` false), the state keeps it and the latest energy
   * reading during the transaction as the latest moment the transaction was known running, should
   * its end be missed (`lastSeen`).
   */
  private async emit(connector: number, tx: OpenTx, event: UnnumberedTxEvent, last = false, also: readonly StateChange[] = [], seen = true): Promise<void> {
    const reading = seen ? this.energy.during(connector, tx) : undefined;
    const next = await this.writes.write(txKey(connector), seen ? { ...tx, lastEventAt: event.timestamp, ...(reading !== undefined ? { lastEnergy: reading } : {}) } : tx, event, last, also);
    if (last) this.open.delete(connector);
    else this.open.set(connector, next);
  }

  /** Stores `tx` as the connector's open transaction, without an event. */
  private async keep(connector: number, tx: OpenTx): Promise<void> {
    await this.writes.keep(connector, tx);
    this.open.set(connector, tx);
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly transactions: Transactions;
  }
}
