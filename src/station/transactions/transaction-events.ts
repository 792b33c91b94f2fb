/**
 * The shapes of transaction state and events: the open transaction as persisted, the canonical to
 * OCPP 2.0.1 mappings (stop reasons, triggers, charging states, id tokens), a new transaction's
 * state, and the Started, ChargingStateChanged and Ended events built from a transaction.
 */
import { randomUUID } from 'node:crypto';
import type { IdToken, StopReason } from '../../model/events.js';
import type { RequestOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import type { JsonValue } from '../../store/state-store.js';
import type { MeterValue } from '../meter-values/meter-values.js';

export type TxEvent = RequestOf<'TransactionEvent'>;
export type ChargingState = NonNullable<TxEvent['transactionInfo']['chargingState']>;
/** An event before the queue numbers and marks it. */
export type UnnumberedTxEvent = Omit<TxEvent, 'seqNo' | 'offline'>;

/** An energy register reading (Wh) and when it was taken (canonical timestamp). */
export interface EnergyReading {
  readonly wh: number;
  readonly at: string;
}

/** A transaction with events still to come, persisted under its state key. */
export interface OpenTx {
  readonly transactionId: string;
  readonly seqNo: number;
  readonly legacyTransactionId: string;
  readonly startedAt: string;
  readonly lastPeriodicAt: number;
  readonly chargingState: ChargingState;
  readonly remote: boolean;
  /** Samples collected for the Ended event (SampledDataCtrlr / AlignedDataCtrlr TxEndedInterval). */
  readonly endedSamples?: readonly MeterValue[];
  readonly lastEndedSampleAt?: number;
  /** Set once the Ended event's samples reached their limit (and that was logged). */
  readonly endedSamplesFull?: boolean;
  /** The latest energy reading during the transaction when it was last written. */
  readonly lastEnergy?: EnergyReading;
  /** The timestamp of the transaction's latest event (canonical), where written since it started. */
  readonly lastEventAt?: string;
  /**
   * The id the charger's codec gives the session on its present connection, where that is not
   * `legacyTransactionId`: a codec that derives ids from what it sees gives a session found
   * running after a reconnect a new one (`Capabilities.sessionsFromState`).
   */
  readonly alias?: string;
  /**
   * The station told the charger to stop because the CSMS did not accept the token (E05): the
   * session end that stop produces (a remote stop) is DeAuthorized.
   */
  readonly deauthorized?: boolean;
}

/** True when `legacyTransactionId` names the session of `tx` (its own id, or the present connection's). */
export function isSessionOf(tx: OpenTx, legacyTransactionId: string): boolean {
  return tx.legacyTransactionId === legacyTransactionId || tx.alias === legacyTransactionId;
}

/** How a transaction ended. */
export interface TxEnd {
  readonly reason: StopReason;
  /** The protocol's own stop reason code. */
  readonly raw?: number | string;
  /** When it ended (canonical timestamp). */
  readonly at: string;
  /** The Transaction.End energy reading, if there is one. */
  readonly meterStop?: MeterValue;
  /** Overrides the trigger the stop reason implies. */
  readonly trigger?: TxEvent['triggerReason'];
  /** More custom data (`recordPending`, `correction`, `stoppedWhileAway`, a record's `amount` and `periods`) beside the legacy id and stop code. */
  readonly customData?: Readonly<Record<string, JsonValue>>;
}

/**
 * OCPP 2.0.1 stoppedReason by canonical stop reason: total, so a reason added to the model cannot
 * go unmapped. MasterPass and Timeout are not here: they are decisions of the station itself
 * (C16, E03), which its transactions never take (the start point is PowerPathClosed).
 */
const STOPPED: Readonly<Record<StopReason, NonNullable<TxEvent['transactionInfo']['stoppedReason']>>> = {
  local: 'Local',
  remote: 'Remote',
  evDisconnected: 'EVDisconnected',
  deAuthorized: 'DeAuthorized',
  emergencyStop: 'EmergencyStop',
  energyLimitReached: 'EnergyLimitReached',
  socLimitReached: 'SOCLimitReached',
  timeLimitReached: 'TimeLimitReached',
  // The credit the charger was given (its own balance or amount limit) ran out.
  costLimitReached: 'LocalOutOfCredit',
  powerLoss: 'PowerLoss',
  reboot: 'Reboot',
  immediateReset: 'ImmediateReset',
  groundFault: 'GroundFault',
  overcurrentFault: 'OvercurrentFault',
  powerQuality: 'PowerQuality',
  evseFault: 'Other',
  evFault: 'StoppedByEV',
  other: 'Other',
};

/**
 * The triggerReason of an Ended event by canonical stop reason; others end on ChargingStateChanged.
 * A fault, a loss of power or an unexpected reboot is an AbnormalCondition.
 */
const STOP_TRIGGER: Readonly<Partial<Record<StopReason, TxEvent['triggerReason']>>> = {
  remote: 'RemoteStop',
  evDisconnected: 'EVCommunicationLost',
  evseFault: 'AbnormalCondition',
  emergencyStop: 'AbnormalCondition',
  groundFault: 'AbnormalCondition',
  overcurrentFault: 'AbnormalCondition',
  powerQuality: 'AbnormalCondition',
  powerLoss: 'AbnormalCondition',
  reboot: 'AbnormalCondition',
  immediateReset: 'ResetCommand',
  energyLimitReached: 'EnergyLimitReached',
  timeLimitReached: 'TimeLimitReached',
  deAuthorized: 'Deauthorized',
};

/** OCPP charging states by canonical charging state. */
export const CHARGING: Readonly<Record<string, ChargingState>> = {
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

/** A canonical id token as OCPP wants it (at most 36 characters, IdTokenType.idToken is string[0..36]). */
export function ocppIdToken(t: IdToken): RequestOf<'Authorize'>['idToken'] {
  return { idToken: t.id.slice(0, 36), type: ID_TOKEN_TYPES[t.type] };
}

/** How a transaction started: what its Started event says beside the transaction itself. */
export interface TxStart {
  readonly connector: number;
  /** The Started event's timestamp (canonical). */
  readonly at: string;
  /** The Transaction.Begin reading. */
  readonly begin?: MeterValue | undefined;
  readonly customData?: Readonly<Record<string, JsonValue>> | undefined;
  readonly idToken?: RequestOf<'Authorize'>['idToken'] | undefined;
  /** The RequestStartTransaction that asked for it. */
  readonly remoteStartId?: number | undefined;
  /** The reservation it used (H03). */
  readonly reservationId?: number | undefined;
}

/**
 * The Started event of `tx`, the only one that carries `evse`: triggered by the remote start that
 * asked for it, else by the token presented, else by the charging state.
 */
export function startedEvent(tx: OpenTx, s: TxStart): UnnumberedTxEvent {
  return {
    eventType: 'Started',
    timestamp: ocppTimestamp(Date.parse(s.at)),
    triggerReason: s.remoteStartId !== undefined ? 'RemoteStart' : s.idToken !== undefined ? 'Authorized' : 'ChargingStateChanged',
    evse: { id: s.connector, connectorId: 1 },
    ...(s.idToken !== undefined ? { idToken: s.idToken } : {}),
    transactionInfo: { transactionId: tx.transactionId, chargingState: 'Charging', ...(s.remoteStartId !== undefined ? { remoteStartId: s.remoteStartId } : {}) },
    ...(s.begin !== undefined ? { meterValue: [s.begin] } : {}),
    ...(s.customData !== undefined ? { customData: { ...s.customData, vendorId: 'pilegate' } } : {}),
    ...(s.reservationId !== undefined ? { reservationId: s.reservationId } : {}),
  };
}

/**
 * The Ended event of `tx`: its kept samples and the Transaction.End reading, the stop reason
 * (omitted for Local only: the schema's default; every other end carries its reason) and the
 * legacy id and stop code as custom data. The EV is
 * still plugged when the session ends (EVConnected) unless it ended because the EV went (Idle).
 */
export function endedEvent(tx: OpenTx, end: TxEnd): UnnumberedTxEvent {
  const stoppedReason = STOPPED[end.reason];
  const meterValues = [...(tx.endedSamples ?? []), ...(end.meterStop !== undefined ? [end.meterStop] : [])];
  return {
    eventType: 'Ended',
    timestamp: ocppTimestamp(Date.parse(end.at)),
    triggerReason: end.trigger ?? STOP_TRIGGER[end.reason] ?? 'ChargingStateChanged',
    transactionInfo: { transactionId: tx.transactionId, chargingState: end.reason === 'evDisconnected' ? 'Idle' : 'EVConnected', ...(stoppedReason !== 'Local' ? { stoppedReason } : {}) },
    ...(meterValues.length > 0 ? { meterValue: meterValues as [MeterValue, ...MeterValue[]] } : {}),
    customData: { vendorId: 'pilegate', legacyTransactionId: tx.legacyTransactionId, ...(end.raw !== undefined ? { legacyStopReason: end.raw } : {}), ...end.customData },
  };
}

/** The state of a transaction opened now for session `legacyTransactionId`, started at `at` (`remote`: by a RequestStartTransaction). */
export function newTx(legacyTransactionId: string, at: string, remote: boolean): OpenTx {
  return { transactionId: randomUUID(), seqNo: 0, legacyTransactionId, startedAt: at, lastPeriodicAt: Date.parse(at), chargingState: 'Charging', remote };
}

/** The Updated event of `tx` whose charging state turned `next` at `at` (canonical timestamp). */
export function chargingStateChanged(tx: OpenTx, next: ChargingState, at: string): UnnumberedTxEvent {
  return { eventType: 'Updated', timestamp: ocppTimestamp(Date.parse(at)), triggerReason: 'ChargingStateChanged', transactionInfo: { transactionId: tx.transactionId, chargingState: next } };
}
