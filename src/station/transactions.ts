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
import type { JsonValue } from '../store/state-store.js';
import type { StationContext } from './context.js';
import { ocppMeasurand } from './device-model.js';
import type { TxQueue } from './tx-queue.js';

type TxEvent = RequestOf<'TransactionEvent'>;
type MeterValue = NonNullable<TxEvent['meterValue']>[number];
type SampledValue = MeterValue['sampledValue'][number];
type Context = NonNullable<SampledValue['context']>;
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
}

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

const CHARGING: Readonly<Record<string, ChargingState>> = {
  idle: 'Idle',
  evConnected: 'EVConnected',
  charging: 'Charging',
  suspendedEV: 'SuspendedEV',
  suspendedEVSE: 'SuspendedEVSE',
};

const UNITS: Readonly<Record<string, string>> = { energy: 'Wh', power: 'W', voltage: 'V', current: 'A', soc: 'Percent' };

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
  private readonly remoteStarts = new Map<number, RemoteStart>();
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

  /** Periodic meter values, at most every TxUpdatedInterval seconds. */
  async measurements(e: MeasurementsEvent): Promise<void> {
    const tx = this.open.get(e.connector);
    if (tx === undefined) return;
    const interval = this.ctx.dm.getNumber('SampledDataCtrlr', 'TxUpdatedInterval') * 1000;
    const at = Date.parse(e.at);
    if (!(interval > 0) || at - tx.lastPeriodicAt < interval) return;
    const wanted = new Set(this.ctx.dm.getList('SampledDataCtrlr', 'TxUpdatedMeasurands'));
    const sampledValue = e.values.flatMap((v): SampledValue[] => {
      const measurand = ocppMeasurand(v.measurand);
      const unit = UNITS[v.measurand];
      if (measurand === undefined || unit === undefined || !wanted.has(measurand)) return [];
      return [{ value: v.value, context: 'Sample.Periodic', measurand, ...(v.phase !== undefined ? { phase: v.phase } : {}), unitOfMeasure: { unit } } as SampledValue];
    });
    if (sampledValue.length === 0) return;
    tx.lastPeriodicAt = at;
    await this.emit(e.connector, tx, {
      eventType: 'Updated',
      timestamp: ocppTimestamp(at),
      triggerReason: 'MeterValuePeriodic',
      transactionInfo: { transactionId: tx.transactionId, chargingState: tx.chargingState },
      meterValue: [{ timestamp: ocppTimestamp(at), sampledValue: sampledValue as [SampledValue, ...SampledValue[]] }],
    });
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
    await this.end(e.connector, tx, e.reason, e.rawReason, e.meterStopWh, e.at);
  }

  /**
   * A billing record from the charger: ends its transaction (or reports a whole one the gateway
   * never saw start), durably queued before the caller confirms the record. A record seen before
   * produces nothing new. Returns true when it was new.
   */
  async record(r: TransactionRecordEvent): Promise<boolean> {
    const first = await this.ctx.store.markOnce(this.ctx.id, `record:${r.legacyTransactionId}`);
    if (!first) return false;
    let tx = this.open.get(r.connector);
    if (tx === undefined || tx.legacyTransactionId !== r.legacyTransactionId) {
      await this.sessionStarted({ type: 'sessionStarted', connector: r.connector, legacyTransactionId: r.legacyTransactionId, at: r.startedAt, ...(r.idToken !== undefined ? { idToken: r.idToken } : {}), ...(r.meterStartWh !== undefined ? { meterStartWh: r.meterStartWh } : {}) });
      tx = this.open.get(r.connector);
    }
    if (tx !== undefined) await this.end(r.connector, tx, r.reason, r.rawReason, r.meterStopWh, r.endedAt);
    return true;
  }

  private async end(connector: number, tx: OpenTx, reason: StopReason, raw: number | string | undefined, meterStopWh: number | undefined, at: string): Promise<void> {
    const stoppedReason = STOPPED[reason];
    await this.emit(connector, tx, {
      eventType: 'Ended',
      timestamp: ocppTimestamp(Date.parse(at)),
      triggerReason: reason === 'remote' ? 'RemoteStop' : reason === 'evDisconnected' ? 'EVCommunicationLost' : reason === 'evseFault' || reason === 'emergencyStop' ? 'AbnormalCondition' : 'ChargingStateChanged',
      transactionInfo: { transactionId: tx.transactionId, chargingState: 'EVConnected', ...(stoppedReason !== 'Local' ? { stoppedReason } : {}) },
      ...this.energy(meterStopWh, at, 'Transaction.End'),
      customData: { vendorId: 'pilegate', legacyTransactionId: tx.legacyTransactionId, ...(raw !== undefined ? { legacyStopReason: raw } : {}) },
    });
    this.open.delete(connector);
    await this.ctx.store.delete(this.ctx.id, txKey(connector));
    for (const l of this.listeners) l.ended(connector);
  }

  /** Numbers, marks and persists one event of `tx`, then queues it. */
  private async emit(connector: number, tx: OpenTx, event: Omit<TxEvent, 'seqNo' | 'offline'>): Promise<void> {
    const payload: TxEvent = { ...event, seqNo: tx.seqNo, ...(this.online() ? {} : { offline: true }) } as TxEvent;
    tx.seqNo += 1;
    this.open.set(connector, tx);
    await this.ctx.store.set(this.ctx.id, txKey(connector), tx as unknown as JsonValue);
    await this.queue.enqueue(payload);
  }

  private energy(wh: number | undefined, at: string, context: Context): { meterValue?: [MeterValue] } {
    if (wh === undefined) return {};
    return { meterValue: [{ timestamp: ocppTimestamp(Date.parse(at)), sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }] };
  }
}

/** A canonical id token as OCPP wants it (at most 36 characters, see ocpp201.md §6 #14). */
export function ocppIdToken(t: IdToken): RequestOf<'Authorize'>['idToken'] {
  return { idToken: t.id.slice(0, 36), type: ID_TOKEN_TYPES[t.type] };
}
