/**
 * Transactions (OCPP 2.0.1 E01-E15): TransactionEvents from the charger's canonical sessions.
 * TxStartPoint and TxStopPoint are PowerPathClosed: a legacy session is the period its power
 * path is closed. The station numbers transactions (UUID, persisted per connector so it survives
 * restarts), `seqNo` runs from 0 without gaps, `evse` rides only on the first event, and every
 * event goes through the durable queue, marked `offline` when produced without a CSMS.
 */
import { randomUUID } from 'node:crypto';
import type { IdToken, MeasurementsEvent, SessionEndedEvent, SessionStartedEvent, StopReason, TransactionRecordEvent } from '../model/events.js';
import type { RequestOf } from '../ocpp/actions.js';
import { ocppTimestamp } from '../ocpp/schemas.js';
import type { JsonValue, StateChange } from '../store/state-store.js';
import type { StationContext } from './context.js';
import { meterValue, sampledValues, type MeterValue, type ReadingContext } from './meter-values.js';
import type { TxQueue } from './tx-queue.js';

type TxEvent = RequestOf<'TransactionEvent'>;
type ChargingState = NonNullable<TxEvent['transactionInfo']['chargingState']>;

/** An open transaction, persisted under `tx:<connector>`. */
interface OpenTx {
  transactionId: string;
  seqNo: number;
  legacyTransactionId: string;
  startedAt: string;
  lastPeriodicAt: number;
  chargingState: ChargingState;
  remote: boolean;
  /** Samples collected for the Ended event (SampledDataCtrlr / AlignedDataCtrlr TxEndedInterval). */
  endedSamples?: MeterValue[];
  lastEndedSampleAt?: number;
}

/**
 * Station key of the legacy transaction ids whose Ended event is queued (newest last), written in
 * the same atomic step as that event. Chargers resend only recent unconfirmed records, so the last
 * `DONE_RECORDS_KEPT` are enough to answer a resend with a confirmation and nothing new.
 */
const DONE_RECORDS_KEY = 'records.done';
const DONE_RECORDS_KEPT = 64;

/** Samples an Ended event carries at most: the oldest are kept, later ones dropped with a warning. */
const MAX_ENDED_SAMPLES = 500;

/** A RequestStartTransaction waiting for the charger's session to start. */
export interface RemoteStart {
  readonly remoteStartId: number;
  readonly idToken: RequestOf<'RequestStartTransaction'>['idToken'];
  /** A TxProfile that came with the request, installed once the transaction exists. */
  readonly chargingProfile?: RequestOf<'RequestStartTransaction'>['chargingProfile'];
}

const STOPPED: Readonly<Record<StopReason, NonNullable<TxEvent['transactionInfo']['stoppedReason']>>> = {
  local: 'Local',
  remote: 'Remote',
  evDisconnected: 'EVDisconnected',
  deAuthorized: 'DeAuthorized',
  emergencyStop: 'EmergencyStop',
  energyLimitReached: 'EnergyLimitReached',
  socLimitReached: 'SOCLimitReached',
  timeLimitReached: 'TimeLimitReached',
  costLimitReached: 'LocalOutOfCredit',
  powerLoss: 'PowerLoss',
  reboot: 'Reboot',
  evseFault: 'Other',
  evFault: 'StoppedByEV',
  other: 'Other',
};

/** The triggerReason of an Ended event by canonical stop reason; others end on ChargingStateChanged. */
const STOP_TRIGGER: Readonly<Partial<Record<StopReason, TxEvent['triggerReason']>>> = {
  remote: 'RemoteStop',
  evDisconnected: 'EVCommunicationLost',
  evseFault: 'AbnormalCondition',
  emergencyStop: 'AbnormalCondition',
  energyLimitReached: 'EnergyLimitReached',
  timeLimitReached: 'TimeLimitReached',
  deAuthorized: 'Deauthorized',
};

const CHARGING: Readonly<Record<string, ChargingState>> = {
  idle: 'Idle',
  evConnected: 'EVConnected',
  charging: 'Charging',
  suspendedEV: 'SuspendedEV',
  suspendedEVSE: 'SuspendedEVSE',
};

const ID_TOKEN_TYPES: Readonly<Record<IdToken['type'], RequestOf<'Authorize'>['idToken']['type']>> = {
  card: 'ISO14443',
  vin: 'MacAddress',
  password: 'KeyCode',
  app: 'Central',
  local: 'Local',
  noAuthorization: 'NoAuthorization',
};

const txKey = (connector: number): string => `tx:${connector}`;

/** Who wants to know when transactions start and end (smart charging). */
export interface TransactionListener {
  started(connector: number, transactionId: string, startedAt: number, remote: RemoteStart | undefined): void;
  ended(connector: number): void;
}

export class Transactions {
  private readonly open = new Map<number, OpenTx>();
  /** Legacy transaction ids whose Ended event is queued (`DONE_RECORDS_KEY`), oldest first. */
  private doneOrder: string[] = [];
  private done = new Set<string>();
  private readonly remoteStarts = new Map<number, RemoteStart>();
  /** The parsed measurand lists of the last values read, by variable (read on every measurement). */
  private readonly measurandSets = new Map<string, { readonly list: string; readonly set: ReadonlySet<string> }>();
  private readonly listeners: TransactionListener[] = [];

  constructor(
    private readonly ctx: StationContext,
    private readonly queue: TxQueue,
    private readonly online: () => boolean,
  ) {}

  listen(l: TransactionListener): void {
    this.listeners.push(l);
  }

  /** Loads transactions that were open when the engine last stopped. */
  async load(): Promise<void> {
    const done = await this.ctx.store.get(this.ctx.id, DONE_RECORDS_KEY);
    this.doneOrder = Array.isArray(done) ? done.filter((x): x is string => typeof x === 'string') : [];
    this.done = new Set(this.doneOrder);
    for (let c = 1; c <= this.ctx.capabilities.connectorCount; c++) {
      const stored = await this.ctx.store.get(this.ctx.id, txKey(c));
      if (stored === undefined || stored === null) continue;
      const tx = stored as unknown as OpenTx;
      this.open.set(c, tx);
      for (const l of this.listeners) l.started(c, tx.transactionId, Date.parse(tx.startedAt), undefined);
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

  /** RequestStartTransaction accepted: the next session on `connector` is remote. */
  expectRemoteStart(connector: number, start: RemoteStart): void {
    this.remoteStarts.set(connector, start);
  }

  cancelRemoteStart(connector: number): void {
    this.remoteStarts.delete(connector);
  }

  async sessionStarted(e: SessionStartedEvent): Promise<void> {
    if (this.open.has(e.connector)) return;
    const remote = this.remoteStarts.get(e.connector);
    this.remoteStarts.delete(e.connector);
    const tx: OpenTx = {
      transactionId: randomUUID(),
      seqNo: 0,
      legacyTransactionId: e.legacyTransactionId,
      startedAt: e.at,
      lastPeriodicAt: Date.parse(e.at),
      chargingState: 'Charging',
      remote: remote !== undefined,
    };
    const idToken = remote?.idToken ?? (e.idToken !== undefined ? ocppIdToken(e.idToken) : undefined);
    await this.emit(e.connector, tx, {
      eventType: 'Started',
      timestamp: ocppTimestamp(Date.parse(e.at)),
      triggerReason: remote !== undefined ? 'RemoteStart' : idToken !== undefined ? 'Authorized' : 'ChargingStateChanged',
      evse: { id: e.connector, connectorId: 1 },
      ...(idToken !== undefined ? { idToken } : {}),
      transactionInfo: { transactionId: tx.transactionId, chargingState: 'Charging', ...(remote !== undefined ? { remoteStartId: remote.remoteStartId } : {}) },
      ...this.energy(e.meterStartWh, e.at, 'Transaction.Begin'),
    });
    for (const l of this.listeners) l.started(e.connector, tx.transactionId, Date.parse(e.at), remote);
  }

  async chargingState(connector: number, state: string, at: string): Promise<void> {
    const tx = this.open.get(connector);
    const next = CHARGING[state];
    if (tx === undefined || next === undefined || next === tx.chargingState || next === 'Idle' || next === 'EVConnected') return;
    tx.chargingState = next;
    await this.emit(connector, tx, {
      eventType: 'Updated',
      timestamp: ocppTimestamp(Date.parse(at)),
      triggerReason: 'ChargingStateChanged',
      transactionInfo: { transactionId: tx.transactionId, chargingState: next },
    });
  }

  /**
   * Periodic meter values, at most every TxUpdatedInterval seconds; and, every
   * SampledDataCtrlr.TxEndedInterval seconds, a sample kept for the Ended event.
   */
  async measurements(e: MeasurementsEvent): Promise<void> {
    const tx = this.open.get(e.connector);
    if (tx === undefined) return;
    const at = Date.parse(e.at);
    const endedInterval = this.ctx.dm.getNumber('SampledDataCtrlr', 'TxEndedInterval') * 1000;
    if (endedInterval > 0 && at - (tx.lastEndedSampleAt ?? Date.parse(tx.startedAt)) >= endedInterval) {
      const sample = meterValue(ocppTimestamp(at), sampledValues(e, 'Sample.Periodic', this.measurands('TxEndedMeasurands')));
      if (sample !== undefined) await this.endedSample(e.connector, sample, at);
    }
    const interval = this.ctx.dm.getNumber('SampledDataCtrlr', 'TxUpdatedInterval') * 1000;
    if (!(interval > 0) || at - tx.lastPeriodicAt < interval) return;
    const timestamp = ocppTimestamp(at);
    const sample = meterValue(timestamp, sampledValues(e, 'Sample.Periodic', this.measurands('TxUpdatedMeasurands')));
    if (sample === undefined) return;
    tx.lastPeriodicAt = at;
    await this.emit(e.connector, tx, {
      eventType: 'Updated',
      timestamp,
      triggerReason: 'MeterValuePeriodic',
      transactionInfo: { transactionId: tx.transactionId, chargingState: tx.chargingState },
      meterValue: [sample],
    });
  }

  /** The members of a SampledDataCtrlr measurand list, parsed again only when its value changed. */
  private measurands(variable: 'TxEndedMeasurands' | 'TxUpdatedMeasurands'): ReadonlySet<string> {
    const list = this.ctx.dm.getString('SampledDataCtrlr', variable);
    const known = this.measurandSets.get(variable);
    if (known !== undefined && known.list === list) return known.set;
    const set = new Set(this.ctx.dm.getList('SampledDataCtrlr', variable));
    if (list !== undefined) this.measurandSets.set(variable, { list, set });
    return set;
  }

  /** Clock-aligned values (AlignedDataCtrlr.Interval) of a connector in a transaction ride in an Updated event (J01). */
  async clockAligned(connector: number, sample: MeterValue): Promise<boolean> {
    const tx = this.open.get(connector);
    if (tx === undefined) return false;
    await this.emit(connector, tx, {
      eventType: 'Updated',
      timestamp: sample.timestamp,
      triggerReason: 'MeterValueClock',
      transactionInfo: { transactionId: tx.transactionId, chargingState: tx.chargingState },
      meterValue: [sample],
    });
    return true;
  }

  /** Keeps a sample for the Ended event of the connector's transaction (persisted with it). */
  async endedSample(connector: number, sample: MeterValue, at = Date.parse(sample.timestamp)): Promise<void> {
    const tx = this.open.get(connector);
    if (tx === undefined) return;
    tx.lastEndedSampleAt = at;
    const samples = tx.endedSamples ?? [];
    if (samples.length >= MAX_ENDED_SAMPLES) {
      if (samples.length === MAX_ENDED_SAMPLES) this.ctx.log('warn', 'Ended event sample limit reached: later samples are dropped', { transactionId: tx.transactionId, limit: MAX_ENDED_SAMPLES });
      return;
    }
    samples.push(sample);
    tx.endedSamples = samples;
    await this.ctx.store.set(this.ctx.id, txKey(connector), tx as unknown as JsonValue);
  }

  /** TriggerMessage(TransactionEvent): an Updated event for each open transaction (F06.FR.07). */
  async trigger(evse?: number): Promise<boolean> {
    const targets = [...this.open].filter(([c]) => evse === undefined || evse === 0 || c === evse);
    for (const [connector, tx] of targets) {
      await this.emit(connector, tx, {
        eventType: 'Updated',
        timestamp: ocppTimestamp(this.ctx.clock.now()),
        triggerReason: 'Trigger',
        transactionInfo: { transactionId: tx.transactionId, chargingState: tx.chargingState },
      });
    }
    return targets.length > 0;
  }

  /** True when a transaction is open (on `evse`, or any). */
  hasOpen(evse?: number): boolean {
    return evse === undefined || evse === 0 ? this.open.size > 0 : this.open.has(evse);
  }

  async sessionEnded(e: SessionEndedEvent): Promise<void> {
    const tx = this.open.get(e.connector);
    if (tx === undefined || tx.legacyTransactionId !== e.legacyTransactionId) return;
    // Its billing record may still come: the Ended event marks the session done, so the record
    // finds it done and does not open a transaction of its own.
    await this.end(e.connector, tx, e.reason, e.rawReason, e.meterStopWh, e.at);
  }

  /**
   * A billing record from the charger: ends its transaction (or reports a whole one the gateway
   * never saw start), durably queued before the caller confirms the record. A record seen before
   * produces nothing new. Returns true when it was new.
   */
  async record(r: TransactionRecordEvent): Promise<boolean> {
    // Done means its Ended event is queued: that write and the mark are one atomic step, so a crash
    // anywhere before it leaves the record not done, and the charger's resend finishes the work
    // (ending the transaction it finds open, or reporting the whole session).
    if (this.done.has(r.legacyTransactionId)) return false;
    let tx = this.open.get(r.connector);
    if (tx === undefined || tx.legacyTransactionId !== r.legacyTransactionId) {
      await this.sessionStarted({ type: 'sessionStarted', connector: r.connector, legacyTransactionId: r.legacyTransactionId, at: r.startedAt, ...(r.idToken !== undefined ? { idToken: r.idToken } : {}), ...(r.meterStartWh !== undefined ? { meterStartWh: r.meterStartWh } : {}) });
      tx = this.open.get(r.connector);
    }
    if (tx !== undefined) await this.end(r.connector, tx, r.reason, r.rawReason, r.meterStopWh, r.endedAt);
    return true;
  }

  private async end(connector: number, tx: OpenTx, reason: StopReason, raw: number | string | undefined, meterStopWh: number | undefined, at: string): Promise<void> {
    const done = [...this.doneOrder.filter((id) => id !== tx.legacyTransactionId), tx.legacyTransactionId].slice(-DONE_RECORDS_KEPT);
    const stoppedReason = STOPPED[reason];
    const end = this.energy(meterStopWh, at, 'Transaction.End').meterValue ?? [];
    const meterValues = [...(tx.endedSamples ?? []), ...end];
    await this.emit(connector, tx, {
      eventType: 'Ended',
      timestamp: ocppTimestamp(Date.parse(at)),
      triggerReason: STOP_TRIGGER[reason] ?? 'ChargingStateChanged',
      transactionInfo: { transactionId: tx.transactionId, chargingState: 'EVConnected', ...(stoppedReason !== 'Local' ? { stoppedReason } : {}) },
      ...(meterValues.length > 0 ? { meterValue: meterValues as [MeterValue, ...MeterValue[]] } : {}),
      customData: { vendorId: 'pilegate', legacyTransactionId: tx.legacyTransactionId, ...(raw !== undefined ? { legacyStopReason: raw } : {}) },
    }, true, [{ key: DONE_RECORDS_KEY, value: done }]);
    this.doneOrder = done;
    this.done = new Set(done);
    for (const l of this.listeners) l.ended(connector);
  }

  /**
   * Numbers and marks one event of `tx` and queues it together with the transaction's new state (or
   * its removal, for the last event) in one atomic store write: a crash leaves either both or
   * neither, never a seqNo gap. The idempotency key (transaction, seqNo) makes a replayed write land once.
   */
  private async emit(connector: number, tx: OpenTx, event: Omit<TxEvent, 'seqNo' | 'offline'>, last = false, also: readonly StateChange[] = []): Promise<void> {
    const payload: TxEvent = { ...event, seqNo: tx.seqNo, ...(this.online() ? {} : { offline: true }) } as TxEvent;
    const next: OpenTx = { ...tx, seqNo: tx.seqNo + 1 };
    const state: StateChange = last ? { key: txKey(connector), delete: true } : { key: txKey(connector), value: next as unknown as JsonValue };
    await this.queue.enqueue(payload, also.length === 0 ? state : [state, ...also]);
    tx.seqNo = next.seqNo;
    if (last) this.open.delete(connector);
    else this.open.set(connector, tx);
  }

  private energy(wh: number | undefined, at: string, context: ReadingContext): { meterValue?: [MeterValue] } {
    if (wh === undefined) return {};
    return { meterValue: [{ timestamp: ocppTimestamp(Date.parse(at)), sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }] };
  }
}

/** A canonical id token as OCPP wants it (at most 36 characters, see ocpp201.md §6 #14). */
export function ocppIdToken(t: IdToken): RequestOf<'Authorize'>['idToken'] {
  return { idToken: t.id.slice(0, 36), type: ID_TOKEN_TYPES[t.type] };
}
