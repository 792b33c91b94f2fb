/**
 * Canonical events a charger produces, whatever its protocol. The only contract between the
 * legacy side (codecs) and the OCPP side (station engine): a codec knows nothing of OCPP, the
 * station engine nothing of bytes. Units are SI-ish and fixed per field (Wh, W, V, A, %, °C);
 * times are UTC ISO 8601 strings (codecs convert the charger's local clock at the edge).
 * `raw` fields keep the legacy code or value beside the canonical one, for logs and OCPP customData.
 */
import type { Measurand } from './units.js';

/** UTC instant, ISO 8601 with `Z` (e.g. `2026-11-25T08:00:00.000Z`). */
export type Timestamp = string;

/** Connector number: 1..n for a connector (gun), 0 for the charger as a whole. */
export type ConnectorId = number;

export type CurrentType = 'AC' | 'DC';

/** Connector availability as the station engine reports it. */
export const CONNECTOR_STATUSES = ['available', 'occupied', 'reserved', 'unavailable', 'faulted'] as const;
export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

/** What the EV and the charger are doing on a connector. */
export const CHARGING_STATES = ['idle', 'evConnected', 'charging', 'suspendedEV', 'suspendedEVSE'] as const;
export type ChargingState = (typeof CHARGING_STATES)[number];

/**
 * Why a charging session ended. `raw` on the event keeps the protocol's own code. `local` is a
 * stop asked for at the charger (the driver); a codec that does not know why says `other`. Every
 * stoppedReason of OCPP 2.0.1 a charger can cause has its own reason here; `evseFault` is a fault
 * of the charger none of the specific ones names.
 */
export const STOP_REASONS = [
  'local',
  'remote',
  'evDisconnected',
  'deAuthorized',
  'emergencyStop',
  'energyLimitReached',
  'socLimitReached',
  'timeLimitReached',
  'costLimitReached',
  'powerLoss',
  'reboot',
  'immediateReset',
  'groundFault',
  'overcurrentFault',
  'powerQuality',
  'evseFault',
  'evFault',
  'other',
] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export const ID_TOKEN_TYPES = ['card', 'vin', 'password', 'app', 'local', 'noAuthorization'] as const;
export type IdTokenType = (typeof ID_TOKEN_TYPES)[number];

/** Who or what authorises a session, as the charger reports it. */
export interface IdToken {
  readonly id: string;
  readonly type: IdTokenType;
}

export const FAULT_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
/** `error` and `critical` make the connector (or the charger, on connector 0) faulted. */
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];

/**
 * Flags a charger set on a value it still reports (IEC 60870-5-101 quality descriptor: OV, SB, BL,
 * NT, IV). A codec never uses a `notTopical` or `invalid` value as an energy register reading.
 */
export const MEASUREMENT_QUALITIES = ['overflow', 'substituted', 'blocked', 'notTopical', 'invalid'] as const;
export type MeasurementQuality = (typeof MEASUREMENT_QUALITIES)[number];

/** One measured value in canonical units (see `MEASURAND_UNITS`). */
export interface Measurement {
  readonly measurand: Measurand;
  readonly value: number;
  /** Phase for AC values where the charger reports per phase. */
  readonly phase?: 'L1' | 'L2' | 'L3' | 'N';
  /** Set when an energy register went backwards: the meter was reset or replaced. */
  readonly meterReset?: boolean;
  /** The value as carried by the protocol, before scale/offset/unit conversion. */
  readonly raw?: number;
  /** Set when the charger flagged the value; absent for a good one. */
  readonly quality?: readonly MeasurementQuality[];
}

/** The charger told us who it is (login frame, configured identity, or first ASDU). */
export interface IdentifiedEvent {
  readonly type: 'identified';
  /** The charger's own id in its protocol (YKC pile code, terminal id, IEC 104 common address...). */
  readonly chargerId: string;
  readonly vendor?: string;
  readonly model?: string;
  readonly firmware?: string;
  readonly serial?: string;
  /** Modem SIM ICCID where the protocol carries it. */
  readonly iccid?: string;
  readonly connectorCount: number;
  readonly currentType: CurrentType;
  /** Protocol name and version, e.g. `{ name: 'iec104-points', version: 'example-dc-2gun' }`. */
  readonly protocol: { readonly name: string; readonly version?: string };
}

/** The legacy link came up (ready for commands) or went down (with why). */
export interface LinkEvent {
  readonly type: 'link';
  readonly state: 'up' | 'down';
  readonly reason?: string;
}

/** Full snapshot of one connector, emitted whenever any part of it changes. */
export interface ConnectorStatusEvent {
  readonly type: 'connectorStatus';
  readonly connector: ConnectorId;
  readonly status: ConnectorStatus;
  readonly plugged: boolean;
  readonly chargingState: ChargingState;
  readonly at: Timestamp;
  /** Protocol status code, where the status came from one. */
  readonly raw?: number | string;
}

/** Values measured together on one connector (0 = charger). */
export interface MeasurementsEvent {
  readonly type: 'measurements';
  readonly connector: ConnectorId;
  /** When the charger measured (its timestamp if it sent one, else reception time). */
  readonly at: Timestamp;
  readonly values: readonly Measurement[];
}

/** The charger asks whether an id token may charge. Answered by an `authorize` command. */
export interface AuthorizationRequestEvent {
  readonly type: 'authorizationRequest';
  readonly connector: ConnectorId;
  readonly idToken: IdToken;
  /** Correlates the answer, where the protocol needs it echoed. */
  readonly requestId?: string;
}

/** Energy started flowing for a session (a legacy transaction). */
export interface SessionStartedEvent {
  readonly type: 'sessionStarted';
  readonly connector: ConnectorId;
  /** The protocol's transaction id, or one the codec derived when the protocol has none. */
  readonly legacyTransactionId: string;
  readonly idToken?: IdToken;
  readonly meterStartWh?: number;
  /** When `meterStartWh` was read, where that is later than `at` (a register read after the start was seen). */
  readonly meterStartAt?: Timestamp;
  readonly at: Timestamp;
  /** Id of the start command that caused it, when it was remote. */
  readonly commandId?: string;
  /**
   * Set when the charger was already charging as its connection came up (see
   * `Capabilities.sessionsFromState`): the session began before, while nobody was listening. `at` is
   * then when it was first seen running and `meterStartWh` the first register reading; the
   * charger's own start figures ride here where its protocol reports them.
   */
  readonly alreadyRunning?: SessionStartFigures;
}

/** A running session's start as the charger itself reports it (each where reported). */
export interface SessionStartFigures {
  readonly startedAt?: Timestamp;
  /** The energy register at the start, Wh. */
  readonly startWh?: number;
}

/**
 * The charger said, as its connection came up, that no session runs on the connector (see
 * `Capabilities.sessionsFromState`): a session the station still holds open there ended while
 * nobody was listening.
 */
export interface IdleAtConnectEvent {
  readonly type: 'idleAtConnect';
  readonly connector: ConnectorId;
  /** When the charger was seen idle. */
  readonly at: Timestamp;
  /** The energy register as read then (a session that ended since has no more), if read. */
  readonly meterWh?: number;
  /** When `meterWh` was read. */
  readonly meterAt?: Timestamp;
  /** Why a session would have ended, as far as the charger's present state tells (an active fault); else `other`. */
  readonly reason: StopReason;
}

/** A session ended. */
export interface SessionEndedEvent {
  readonly type: 'sessionEnded';
  readonly connector: ConnectorId;
  readonly legacyTransactionId: string;
  readonly idToken?: IdToken;
  readonly meterStopWh?: number;
  readonly at: Timestamp;
  readonly reason: StopReason;
  /** The protocol's own stop reason code. */
  readonly rawReason?: number | string;
  /**
   * The session ended without its billing record (none came in time, or the one that came was
   * held): its figures are the last the charger reported, and its record, when one comes and is
   * plausible, corrects them.
   */
  readonly recordPending?: boolean;
}

/** What a billing record says of one time-of-use period: tip (尖), peak (峰), flat (平) or valley (谷). */
export interface RecordPeriod {
  readonly period: 'tip' | 'peak' | 'flat' | 'valley';
  readonly energyWh: number;
  /** Amount charged for the period, in the currency's minor unit as `TransactionRecordEvent.amount`. */
  readonly amount?: number;
}

/**
 * A billing record the charger wants confirmed. The gateway confirms it (command `confirmRecord`)
 * only after the OCPP event it produces is durably queued; a resent record has the same id.
 */
export interface TransactionRecordEvent {
  readonly type: 'transactionRecord';
  readonly connector: ConnectorId;
  readonly legacyTransactionId: string;
  readonly idToken?: IdToken;
  readonly startedAt: Timestamp;
  readonly endedAt: Timestamp;
  readonly meterStartWh?: number;
  readonly meterStopWh?: number;
  readonly energyWh: number;
  /** Amount charged, in the currency's minor unit as the charger computed it. */
  readonly amount?: number;
  /** The energy and amount per tariff period, where the charger itemises them. */
  readonly periods?: readonly RecordPeriod[];
  readonly reason: StopReason;
  readonly rawReason?: number | string;
}

/**
 * Why a billing record is held: `inconsistent` (its own figures contradict each other: end before
 * start, meter stop below meter start, per-period figures that do not add up to the totals, a time
 * that cannot be read), `energy` (more energy than the charger's rated power could deliver in the
 * session's duration), `tariff` (amounts that disagree with the tariff the charger was given).
 * Listed from the most to the least telling; a bounded set, used as a metric label.
 */
export const RECORD_HOLD_REASONS = ['inconsistent', 'energy', 'tariff'] as const;
export type RecordHoldReason = (typeof RECORD_HOLD_REASONS)[number];

/**
 * A billing record the codec found implausible and holds: it is neither confirmed to the charger
 * nor produces a `transactionRecord` (nothing is billed from it). Raised once per record; the
 * charger's resends of it are not raised again.
 */
export interface TransactionRecordHeldEvent {
  readonly type: 'transactionRecordHeld';
  readonly connector: ConnectorId;
  readonly legacyTransactionId: string;
  /** Every reason found, most telling first (`RECORD_HOLD_REASONS` order). */
  readonly reasons: readonly [RecordHoldReason, ...RecordHoldReason[]];
  /** What was found, in words (figures included), for logs and the operator. */
  readonly detail: string;
  /** The record's figures as it states them. */
  readonly startedAt?: Timestamp;
  readonly endedAt?: Timestamp;
  readonly energyWh: number;
  /** Amount in the currency's minor unit. */
  readonly amount?: number;
  readonly at: Timestamp;
}

/** A fault raised or cleared. The same `code` on the same connector pairs raise and clear. */
export interface FaultEvent {
  readonly type: 'fault';
  readonly connector: ConnectorId;
  readonly code: string;
  readonly name?: string;
  readonly severity: FaultSeverity;
  readonly active: boolean;
  readonly at: Timestamp;
  /** The protocol's own code, bit or point. */
  readonly raw?: number | string;
}

/**
 * The fate of a command. `accepted`: the charger took it (positive ACT_CON); `completed`: it has
 * been carried out (ACT_TERM or state seen); `rejected`: negative confirmation; `timeout`: no
 * answer in time; `failed`: the link went down first.
 */
export interface CommandResultEvent {
  readonly type: 'commandResult';
  readonly commandId: string;
  readonly status: 'accepted' | 'completed' | 'rejected' | 'timeout' | 'failed';
  readonly reason?: string;
  readonly raw?: number | string;
}

/** Information about the EV from the BMS, as far as the protocol carries it. */
export interface EvInfoEvent {
  readonly type: 'evInfo';
  readonly connector: ConnectorId;
  readonly vin?: string;
  readonly socPercent?: number;
  readonly maxVoltageV?: number;
  readonly maxCurrentA?: number;
  readonly batteryCapacityWh?: number;
}

/** The charger's clock, as it reported it (after a clock sync or on its own). */
export interface ClockReportEvent {
  readonly type: 'clockReport';
  readonly chargerTime: Timestamp;
  readonly at: Timestamp;
}

export type ChargerEvent =
  | IdentifiedEvent
  | LinkEvent
  | ConnectorStatusEvent
  | MeasurementsEvent
  | AuthorizationRequestEvent
  | SessionStartedEvent
  | SessionEndedEvent
  | IdleAtConnectEvent
  | TransactionRecordEvent
  | TransactionRecordHeldEvent
  | FaultEvent
  | CommandResultEvent
  | EvInfoEvent
  | ClockReportEvent;

export type ChargerEventType = ChargerEvent['type'];
