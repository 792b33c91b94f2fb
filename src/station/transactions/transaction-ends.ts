/**
 * How a transaction ends, from what ended it: the session's end the charger reported, its billing
 * record, or nothing of its own (a stale transaction, a record held as implausible, a Reset), in
 * which case the last energy reading known of it stands in. Plain functions over the connector's
 * energy readings: `Transactions` decides when a transaction ends, these what its end says.
 */
import type { SessionEndedEvent, SessionStartedEvent, StopReason, TransactionRecordEvent } from '../../model/events.js';
import type { JsonValue } from '../../store/state-store.js';
import type { EnergyReadings } from './energy-readings.js';
import { lastSeen } from './reconciliation.js';
import type { OpenTx, TxEnd } from './transaction-events.js';

/**
 * The end of `tx` as abnormal (Other), or for `reason`, with the last energy reading known for it;
 * `pending`: its billing record is still owed and corrects it (`RecordCorrections`).
 */
export function unrecordedEnd(energy: EnergyReadings, connector: number, tx: OpenTx, at: string, pending: boolean, reason: StopReason): TxEnd {
  const last = energy.during(connector, tx) ?? tx.lastEnergy;
  return {
    reason,
    at,
    ...(reason === 'other' ? { trigger: 'AbnormalCondition' as const } : {}),
    ...(last !== undefined ? energy.meterStop(last.wh, last.at) : {}),
    ...(pending ? { customData: { recordPending: true } } : {}),
  };
}

/** When a transaction whose billing record was held ended: the later of its latest energy reading and the last moment it was known running. */
export function heldEndAt(energy: EnergyReadings, connector: number, tx: OpenTx): string {
  const last = energy.during(connector, tx) ?? tx.lastEnergy;
  const seen = lastSeen(tx);
  return last !== undefined && Date.parse(last.at) > Date.parse(seen) ? last.at : seen;
}

/**
 * The end of the session `e` reported, for `reason`. A session that ended without its record (the
 * charger says so, `recordPending`) is abnormal unless a Reset ended it, and is kept for the record's correction.
 */
export function sessionEnd(energy: EnergyReadings, e: SessionEndedEvent, reason: StopReason): TxEnd {
  const pending = e.recordPending === true;
  const abnormal = pending && reason !== 'immediateReset';
  return {
    reason,
    raw: e.rawReason,
    at: e.at,
    ...energy.meterStop(e.meterStopWh, e.at),
    ...(abnormal ? { trigger: 'AbnormalCondition' } : {}),
    ...(pending ? { customData: { recordPending: true } } : {}),
  };
}

/** The end a billing record gives its transaction, for `reason`, with the record's figures OCPP has no field for. */
export function recordEnd(energy: EnergyReadings, r: TransactionRecordEvent, reason: StopReason): TxEnd {
  const figures = recordFigures(r);
  return { reason, raw: r.rawReason, at: r.endedAt, ...energy.meterStop(r.meterStopWh, r.endedAt), ...(Object.keys(figures).length > 0 ? { customData: figures } : {}) };
}

/**
 * What a billing record says that OCPP 2.0.1 has no field for, as custom data of the Ended event it
 * produces: the amount charged (`amount`, the currency's minor unit) and the energy and amount per
 * time-of-use period (`periods`). Non-finite figures are left out (JSON has no place for them).
 */
export function recordFigures(r: TransactionRecordEvent): Record<string, JsonValue> {
  const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
  const periods = (r.periods ?? []).filter((p) => finite(p.energyWh)).map((p) => ({ period: p.period, energyWh: p.energyWh, ...(finite(p.amount) ? { amount: p.amount } : {}) }));
  return { ...(finite(r.amount) ? { amount: r.amount } : {}), ...(periods.length > 0 ? { periods } : {}) };
}

/** The start of the session a billing record reports whole (no transaction of it was seen). */
export function recordStart(r: TransactionRecordEvent): SessionStartedEvent {
  return {
    type: 'sessionStarted',
    connector: r.connector,
    legacyTransactionId: r.legacyTransactionId,
    at: r.startedAt,
    ...(r.idToken !== undefined ? { idToken: r.idToken } : {}),
    ...(r.meterStartWh !== undefined ? { meterStartWh: r.meterStartWh } : {}),
  };
}
