/**
 * Canonical commands to a charger. Each carries an `id` so its `commandResult` event can be matched;
 * a codec answers `notSupported` at once for a command its charger model cannot carry out.
 */
import type { ConnectorId, IdToken, Timestamp } from './events.js';

interface Base {
  /** Correlates the `commandResult` event; unique per charger connection. */
  readonly id: string;
}

/** Start charging on a connector (remote start). */
export interface StartChargingCommand extends Base {
  readonly type: 'startCharging';
  readonly connector: ConnectorId;
  readonly idToken?: IdToken;
  /** The gateway's transaction reference, for protocols that carry one. */
  readonly transactionRef?: string;
  /** Initial limit, for protocols that take one with the start. */
  readonly limit?: PowerLimit;
}

/** Stop charging on a connector (remote stop). */
export interface StopChargingCommand extends Base {
  readonly type: 'stopCharging';
  readonly connector: ConnectorId;
  readonly legacyTransactionId?: string;
}

/** The answer to an `authorizationRequest`. */
export interface AuthorizeCommand extends Base {
  readonly type: 'authorize';
  readonly connector: ConnectorId;
  readonly idToken: IdToken;
  readonly accepted: boolean;
  readonly requestId?: string;
  /** Why not, in the protocol-neutral words of the CSMS (e.g. `Blocked`, `Expired`). */
  readonly reason?: string;
}

/** Confirms a `transactionRecord` (sent only once its OCPP event is durably queued). */
export interface ConfirmRecordCommand extends Base {
  readonly type: 'confirmRecord';
  readonly connector: ConnectorId;
  readonly legacyTransactionId: string;
  readonly accepted: boolean;
}

export interface PowerLimit {
  readonly value: number;
  readonly unit: 'W' | 'A';
}

/** Limit power or current on a connector (0 = whole charger) until a time, or until changed. */
export interface SetLimitCommand extends Base {
  readonly type: 'setLimit';
  readonly connector: ConnectorId;
  readonly limit: PowerLimit;
  readonly until?: Timestamp;
}

/** Make a connector (0 = whole charger) available or unavailable for new sessions. */
export interface SetAvailabilityCommand extends Base {
  readonly type: 'setAvailability';
  readonly connector: ConnectorId;
  readonly available: boolean;
}

export interface ResetCommand extends Base {
  readonly type: 'reset';
  readonly kind: 'soft' | 'hard';
}

export interface UnlockCommand extends Base {
  readonly type: 'unlock';
  readonly connector: ConnectorId;
}

/** Set the charger's clock (the codec converts to the charger's local time). */
export interface SetClockCommand extends Base {
  readonly type: 'setClock';
  readonly time: Timestamp;
}

/** Ask the charger to report everything (`general`) or its counters (`counters`) now. */
export interface InterrogateCommand extends Base {
  readonly type: 'interrogate';
  readonly scope: 'general' | 'counters';
}

/** One price period of a tariff, prices in the currency's minor unit per kWh (energy) and per kWh (service). */
export interface TariffPeriod {
  /** Local time of day the period starts, `HH:MM`. */
  readonly from: string;
  readonly energyPrice: number;
  readonly servicePrice: number;
}

export interface SetTariffCommand extends Base {
  readonly type: 'setTariff';
  readonly tariffId: string;
  readonly periods: readonly TariffPeriod[];
}

/**
 * Where a charger fetches a firmware image: an FTP endpoint (the gateway serves the verified image
 * there). The password is a secret: never logged, never put in a URL that is logged.
 */
export interface FirmwareSource {
  readonly protocol: 'ftp';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Path of the image on the server, e.g. `/fw/abc123.bin`. */
  readonly path: string;
}

/**
 * Have the charger fetch and install a firmware image (YKC 0x94). The outcome is the charger's
 * answer to the command (YKC 0x93); the installation shows when the charger identifies itself again.
 */
export interface UpdateFirmwareCommand extends Base {
  readonly type: 'updateFirmware';
  readonly source: FirmwareSource;
  /** Install at once, or once the charger is idle. */
  readonly installWhen: 'now' | 'idle';
  /** How long the charger may take to download, seconds. */
  readonly downloadTimeoutS?: number;
}

/**
 * The charger's own offline authorization list (e.g. YKC offline cards, 0x44/0x46), kept in step
 * with the OCPP Local Authorization List the gateway holds. `full` means the charger should end up
 * holding exactly `add`; `remove` then names the tokens of the previous list that leave it (the
 * codec may clear more, e.g. everything it pushed on this connection). `differential` adds `add`
 * and removes `remove`. Only tokens the CSMS marked Accepted are ever in `add`.
 */
export interface SetLocalListCommand extends Base {
  readonly type: 'setLocalList';
  readonly update: 'full' | 'differential';
  readonly add: readonly IdToken[];
  readonly remove: readonly IdToken[];
}

export type ChargerCommand =
  | StartChargingCommand
  | StopChargingCommand
  | AuthorizeCommand
  | ConfirmRecordCommand
  | SetLimitCommand
  | SetAvailabilityCommand
  | ResetCommand
  | UnlockCommand
  | SetClockCommand
  | InterrogateCommand
  | SetTariffCommand
  | UpdateFirmwareCommand
  | SetLocalListCommand;

export type ChargerCommandType = ChargerCommand['type'];

export const COMMAND_TYPES = [
  'startCharging',
  'stopCharging',
  'authorize',
  'confirmRecord',
  'setLimit',
  'setAvailability',
  'reset',
  'unlock',
  'setClock',
  'interrogate',
  'setTariff',
  'updateFirmware',
  'setLocalList',
] as const satisfies readonly ChargerCommandType[];

/** What happened to a command at once; its later fate arrives as a `commandResult` event. */
export type CommandOutcome = { readonly status: 'sent' } | { readonly status: 'notSupported'; readonly reason: string } | { readonly status: 'rejected'; readonly reason: string };
