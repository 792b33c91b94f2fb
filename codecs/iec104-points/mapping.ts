/**
 * The shape of an IEC 104 point-table mapping file after validation against
 * `mappings/schema/iec104-points.schema.json` (the schema is the reference; this mirrors it).
 * A mapping describes one charger model: which (TI, IOA) carries which canonical signal, and which
 * commands exist at which IOA. Vendors add a charger model by writing one of these, no code.
 */
import type { ChargingState, ConnectorStatus, CurrentType, FaultSeverity, StopReason } from '../../src/model/events.js';
import type { Measurand } from '../../src/model/units.js';

/**
 * Monitor types a point may name; the time-tagged variant (M_SP_TB_1...) is accepted at the same
 * IOA, and for M_ME_NA_1 also M_ME_ND_1 (without quality descriptor).
 */
export const POINT_TYPES = ['M_SP_NA_1', 'M_DP_NA_1', 'M_ME_NA_1', 'M_ME_NB_1', 'M_ME_NC_1', 'M_IT_NA_1'] as const;
export type PointType = (typeof POINT_TYPES)[number];

/** Control types a command may name. */
export const COMMAND_TYPES_104 = ['C_SC_NA_1', 'C_DC_NA_1', 'C_SE_NA_1', 'C_SE_NB_1', 'C_SE_NC_1'] as const;
export type CommandType104 = (typeof COMMAND_TYPES_104)[number];

export type OnOff = 'on' | 'off';

/** Per quality flag: use the value marked with the flag, or drop it. */
export interface QualityPolicy {
  /** NT: the value was not updated when it should have been. Default `drop`. */
  readonly notTopical?: 'drop' | 'mark';
  /** OV: the value is beyond its range. Default `mark`. */
  readonly overflow?: 'drop' | 'mark';
  /** SB: the value was set by an operator or automatic source, not measured. Default `mark`. */
  readonly substituted?: 'drop' | 'mark';
  /** BL: the value is blocked for transmission (the one before blocking). Default `mark`. */
  readonly blocked?: 'drop' | 'mark';
}

interface PointBase {
  readonly ti: PointType;
  readonly ioa: number;
  /** 1..n, or 0 for the charger as a whole. */
  readonly connector: number;
  /** Human label, shown by `mapping check` and in logs. */
  readonly label?: string;
}

/** A binary point (SP, or DP with ON/OFF): true when ON, unless inverted. */
interface BinaryPointBase extends PointBase {
  readonly invert?: boolean;
}

export interface PluggedPoint extends BinaryPointBase {
  readonly signal: 'plugged';
}

export interface ChargingPoint extends BinaryPointBase {
  readonly signal: 'charging';
}

/** Connector availability as a binary point: ON = available unless inverted. */
export interface AvailablePoint extends BinaryPointBase {
  readonly signal: 'available';
}

export interface FaultPoint extends BinaryPointBase {
  readonly signal: 'fault';
  readonly fault: {
    readonly code: string;
    readonly name?: string;
    readonly severity: FaultSeverity;
    /** Why a session ends when this fault is active as its charging stops (default: evseFault for error and critical). */
    readonly stopReason?: StopReason;
  };
}

/** A status code (scaled value, or SP/DP value) mapped through a table to status and charging state. */
export interface StatusPoint extends PointBase {
  readonly signal: 'status';
  readonly states: Readonly<Record<string, { readonly status: ConnectorStatus; readonly chargingState?: ChargingState; readonly plugged?: boolean }>>;
}

/** A measured value: canonical = (raw * scale + offset) converted from `unit`. */
export interface MeasurandPoint extends PointBase {
  readonly signal: 'measurand';
  readonly measurand: Measurand;
  readonly unit: string;
  readonly scale?: number;
  readonly offset?: number;
  readonly phase?: 'L1' | 'L2' | 'L3' | 'N';
}

/**
 * The energy register reading at the start of the session running on the connector, as the charger
 * itself keeps it: canonical = (raw * scale + offset) converted from `unit`, like the register.
 * Read only when a session is found running as a connection comes up (optional).
 */
export interface SessionStartEnergyPoint extends PointBase {
  readonly ti: 'M_ME_NB_1' | 'M_ME_NC_1' | 'M_IT_NA_1';
  readonly signal: 'sessionStartEnergy';
  readonly unit: 'Wh' | 'kWh' | 'MWh';
  readonly scale?: number;
  readonly offset?: number;
}

/**
 * When the session running on the connector started, as the charger itself keeps it: a counter
 * (M_IT_NA_1) of seconds since 1970-01-01T00:00:00Z (Unix time; 0 = none). Read only when a session
 * is found running as a connection comes up (optional).
 */
export interface SessionStartTimePoint extends PointBase {
  readonly ti: 'M_IT_NA_1';
  readonly signal: 'sessionStartTime';
}

export type Point = PluggedPoint | ChargingPoint | AvailablePoint | FaultPoint | StatusPoint | MeasurandPoint | SessionStartEnergyPoint | SessionStartTimePoint;

interface CommandBase {
  readonly ti: CommandType104;
  readonly ioa: number;
  /** Send select (S/E = 1) and wait for its ACT_CON before execute. */
  readonly selectBeforeOperate?: boolean;
  /** Qualifier of command (QU) or setpoint (QL); 0 by default. */
  readonly qualifier?: number;
}

/** start/stop/reset/unlock: a single or double command sending `value`. */
export interface SwitchCommand extends CommandBase {
  readonly command: 'startCharging' | 'stopCharging' | 'reset' | 'unlock';
  readonly connector: number;
  readonly value: OnOff;
}

/** setAvailability: sends `available` to make available, the opposite to make unavailable. */
export interface AvailabilityCommand extends CommandBase {
  readonly command: 'setAvailability';
  readonly connector: number;
  readonly available: OnOff;
}

/** setLimit: a setpoint carrying `limit / scale` in `unit` (W, kW or A). */
export interface LimitCommand extends CommandBase {
  readonly command: 'setLimit';
  readonly connector: number;
  readonly unit: 'W' | 'kW' | 'A';
  readonly scale?: number;
}

export type MappedCommand = SwitchCommand | AvailabilityCommand | LimitCommand;

export interface Iec104PointsMapping {
  readonly kind: 'iec104-points';
  readonly version: 1;
  /** Mapping name (defaults to the file name without extension). */
  readonly name: string;
  readonly description?: string;
  readonly charger: {
    readonly vendor: string;
    readonly model: string;
    readonly currentType: CurrentType;
    readonly connectors: number;
    readonly maxPowerW?: number;
    /** Largest output current of one connector (A): what lifts a current limit on it. */
    readonly maxCurrentA?: number;
  };
  readonly identity: {
    /** `commonAddress`: the charger's id is its CA; `connection`: configured per connection. */
    readonly source: 'commonAddress' | 'connection';
    /** Charger id template; `{ca}` is replaced by the common address. Default `{ca}`. */
    readonly template?: string;
  };
  /** Common address to use before the charger identifies (65535 = broadcast). */
  readonly commonAddress?: number;
  readonly timeZone?: string;
  readonly asdu?: { readonly cotSize?: 1 | 2; readonly caSize?: 1 | 2; readonly ioaSize?: 1 | 2 | 3 };
  /** IEC 104 link parameters; times in seconds. */
  readonly link?: { readonly k?: number; readonly w?: number; readonly t1?: number; readonly t2?: number; readonly t3?: number };
  readonly interrogation?: {
    readonly generalOnConnect?: boolean;
    readonly generalEveryMinutes?: number;
    readonly countersOnConnect?: boolean;
    readonly countersEveryMinutes?: number;
    readonly clockSyncOnConnect?: boolean;
    readonly clockSyncEveryMinutes?: number;
    /** Waits before a refused or unanswered clock sync of the gateway's own is sent again; the last repeats. */
    readonly clockSyncRetrySeconds?: readonly number[];
  };
  /**
   * What to do with a value whose quality descriptor flags it (see `docs/iec104-points.md`): `drop`
   * it, or report it with the flag (`mark`). Invalid (IV) values are always dropped, an energy
   * value that is invalid or not topical is never used, and a flagged energy register reading is
   * never a session's meter start or stop, whatever this says.
   */
  readonly quality?: QualityPolicy;
  /** Seconds to wait for a command's ACT_CON (and ACT_TERM) before reporting `timeout`. */
  readonly commandTimeoutSeconds?: number;
  readonly points: readonly Point[];
  readonly commands?: readonly MappedCommand[];
}
