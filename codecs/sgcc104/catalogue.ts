/**
 * A family-B dialect as data: what a vendor writes in a YAML catalogue (`mappings/sgcc104/*.yaml`,
 * schema `mappings/schema/sgcc104-dialect.schema.json`) once it is loaded and checked. One generic
 * engine (framing, link, field vocabulary, business flows) reads any catalogue; nothing of a
 * particular dialect is a constant in code. The dialects are described in
 * docs/protocols/state-grid-dialects.md.
 *
 * A catalogue has four parts: `framing` (how frames look on the wire), `login` (the frame a charger
 * sends first, which is not an APDU), `records` (per private type identification and record-type
 * octet, the ordered field list and the business meaning) and `values` tables (per dialect codes:
 * work states, end reasons, fail reasons).
 */
import { STOP_REASONS } from '../../src/model/events.js';

/** How a field's octets carry its value. */
export type FieldEncoding =
  /** Packed BCD, two digits per octet; `order: reversed` sends the octets last first (B3's ids). */
  | 'bcd'
  /** Unsigned binary integer of 1..4 octets, little-endian unless `endian: big`; value = raw × `scale`. */
  | 'uint'
  /** CP56Time2a (7 octets), the charger's local time. */
  | 'cp56'
  /** Fixed-width ASCII, padded with NUL or spaces (stripped on reading, NUL-padded on writing). */
  | 'ascii'
  /** Octets shown as hex, carried as they are. */
  | 'bytes'
  /** Octets of no meaning: ignored on reading, zeros (or `value`) on writing. */
  | 'reserved'
  /** A repeated group of fields: `count` times (a number, or the name of an earlier `uint` field). */
  | 'group';

/**
 * The part a field plays in its record's business meaning (see `MEANINGS`). Fields without a role
 * are decoded, described and kept in the record's details, and written as `value` or zeros.
 */
export type FieldRole =
  // who and where
  | 'chargerId'
  | 'connector'
  /** Login only: how many connectors the charger has (B3's gun count); a 0 or absurd count keeps the dialect's `connectors`. */
  | 'connectorCount'
  | 'idToken'
  | 'password'
  // transactions
  | 'transactionId'
  | 'startTime'
  | 'endTime'
  | 'meterStart'
  | 'meterStop'
  | 'energy'
  | 'amount'
  | 'endReason'
  // time-of-use periods (tip, peak, flat, valley): energies and amounts, kept as the record's details
  | 'periodEnergy'
  | 'periodAmount'
  // real-time monitoring
  | 'workState'
  | 'plugged'
  | 'voltage'
  | 'current'
  | 'power'
  | 'energyRegister'
  | 'soc'
  | 'fault'
  // answers and results
  | 'result'
  | 'failReason'
  | 'accepted'
  | 'balance'
  // billing model download
  | 'billingModelId'
  | 'periodCount'
  | 'periodStart'
  | 'periodSlot'
  | 'energyPrice'
  | 'servicePrice'
  // clock
  | 'time';

/** One field of a record, in wire order. */
export interface FieldSpec {
  /** A name unique in its record (camelCase), shown by `decode` and kept in details. */
  readonly name: string;
  readonly encoding: FieldEncoding;
  /** Octets on the wire (cp56: 7; group: omitted, the group's fields decide). */
  readonly octets?: number;
  /** bcd: octets in reading order (`forward`, default) or last octet first (`reversed`). */
  readonly order?: 'forward' | 'reversed';
  /** uint: byte order, default little. */
  readonly endian?: 'little' | 'big';
  /** uint: value = raw × scale (0.01 for two decimals); default 1. */
  readonly scale?: number;
  /** uint: the value's unit after scaling (`kWh`, `V`, `A`, `yuan`, `%`, `min`...): the engine converts to canonical units. */
  readonly unit?: string;
  readonly role?: FieldRole;
  /** Time-of-use period of a `periodEnergy` / `periodAmount` field: `tip`, `peak`, `flat`, `valley`. */
  readonly period?: 'tip' | 'peak' | 'flat' | 'valley';
  /** The name of the table in `Dialect.values` this field's codes are read through (`workState`, `endReason`, `failReason`, `result`). */
  readonly values?: string;
  /** A fault flag (`role: fault`): nonzero raises it, zero clears it. */
  readonly fault?: { readonly code: string; readonly severity: 'info' | 'warning' | 'error' | 'critical' };
  /** Written when the engine has nothing for it (a constant of the dialect); decoded values are not checked against it. */
  readonly value?: number | string;
  /** A secret (a password): never shown by `decode`, `replay`, logs or the diagnostics log. */
  readonly secret?: boolean;
  /** group: how many times (a constant, or the name of an earlier uint field of the same record). */
  readonly count?: number | string;
  /** group: the largest count accepted (a charger saying more is a decode error). */
  readonly maxCount?: number;
  /** group: the repeated fields. */
  readonly fields?: readonly FieldSpec[];
  /** Why this field's layout or value is not settled by a public source (shown by `mapping check`); absent when confirmed. */
  readonly unconfirmed?: string;
}

/**
 * What a record means to the engine: each uplink meaning turns into canonical events, each downlink
 * meaning is what the engine sends for a command or an answer.
 */
export const MEANINGS = {
  // charger -> gateway
  authorizationRequest: { direction: 'up', roles: ['chargerId', 'connector', 'idToken', 'password'], required: ['idToken'] },
  startResult: { direction: 'up', roles: ['chargerId', 'connector', 'transactionId', 'result', 'failReason', 'idToken', 'meterStart'], required: ['result'] },
  stopResult: { direction: 'up', roles: ['chargerId', 'connector', 'result', 'failReason'], required: ['result'] },
  sessionStart: { direction: 'up', roles: ['chargerId', 'connector', 'transactionId', 'idToken', 'startTime', 'meterStart'], required: ['transactionId'] },
  chargingData: {
    direction: 'up',
    roles: [
      'chargerId',
      'connector',
      'transactionId',
      'idToken',
      'startTime',
      'endTime',
      'meterStart',
      'meterStop',
      'energy',
      'amount',
      'periodEnergy',
      'periodAmount',
      'voltage',
      'current',
      'power',
      'soc',
    ],
    required: ['energy'],
  },
  chargeRecord: {
    direction: 'up',
    roles: ['chargerId', 'connector', 'transactionId', 'idToken', 'startTime', 'endTime', 'meterStart', 'meterStop', 'energy', 'amount', 'endReason', 'periodEnergy', 'periodAmount'],
    required: ['transactionId', 'startTime', 'endTime', 'energy'],
  },
  monitoring: { direction: 'up', roles: ['chargerId', 'connector', 'workState', 'plugged', 'voltage', 'current', 'power', 'energyRegister', 'soc', 'fault', 'transactionId'], required: ['workState'] },
  billingModelRequest: { direction: 'up', roles: ['chargerId', 'connector', 'billingModelId'], required: [] },
  billingModelResult: { direction: 'up', roles: ['chargerId', 'connector', 'billingModelId', 'result'], required: [] },
  clockReport: { direction: 'up', roles: ['time'], required: ['time'] },
  // gateway -> charger
  authorizationResult: { direction: 'down', roles: ['chargerId', 'connector', 'idToken', 'accepted', 'failReason', 'balance', 'transactionId'], required: ['accepted'] },
  remoteStart: { direction: 'down', roles: ['chargerId', 'connector', 'idToken', 'transactionId', 'balance'], required: [] },
  remoteStop: { direction: 'down', roles: ['chargerId', 'connector', 'transactionId'], required: [] },
  sessionStartAnswer: { direction: 'down', roles: ['chargerId', 'connector', 'transactionId', 'result'], required: [] },
  recordConfirm: { direction: 'down', roles: ['chargerId', 'connector', 'transactionId', 'result'], required: ['transactionId'] },
  billingModel: { direction: 'down', roles: ['chargerId', 'connector', 'billingModelId', 'periodCount', 'periodStart', 'periodSlot', 'energyPrice', 'servicePrice'], required: [] },
  clockSync: { direction: 'down', roles: ['time'], required: ['time'] },
  /** Decoded and described, nothing more (a record the engine has no use for). */
  informational: { direction: 'either', roles: [], required: [] },
} as const satisfies Record<string, { direction: 'up' | 'down' | 'either'; roles: readonly FieldRole[]; required: readonly FieldRole[] }>;
export type Meaning = keyof typeof MEANINGS;

/** One record of the catalogue: a (type identification, record type) pair and its fields. */
export interface RecordSpec {
  /** Unique in the catalogue (camelCase): how answers and `decode` name it. */
  readonly name: string;
  readonly title?: string;
  /** The ASDU type identification (0..255), private (0x82...) or one the dialect reuses. */
  readonly type: number;
  /**
   * The record-type octet(s) that select this record after the ASDU header (and IOA), or `none`
   * when the type carries no record-type octet (B1's TI 0x45 stop, clock sync). Several values:
   * the octet itself is a field too (B1's charge record, whose record type is its end reason).
   * Two records of one direction share a (type, record) pair only when both have a fixed length and
   * the lengths differ: the ASDU's length then tells them apart (B1's auth request is record 0x01,
   * and so is its charge record ended by an unplugged gun).
   */
  readonly record: readonly number[] | 'none';
  /** Cause of transmission sent with it (downlink) or expected (uplink: informative, any is accepted). */
  readonly cause?: number;
  readonly meaning: Meaning;
  readonly fields: readonly FieldSpec[];
  /** Uplink: the downlink record (by name) the engine answers it with. */
  readonly answer?: string;
  /** Downlink: the uplink record (by name) that carries the charger's result. */
  readonly resultIn?: string;
  /** chargeRecord: the end reason comes from the record-type octet through this values table (B1). */
  readonly endReasonFromRecordType?: string;
  /**
   * chargeRecord: what an all-zero transaction serial means. `keep` (default): the record cannot be
   * billed and is not confirmed. `derive`: the engine bills it under a legacy id derived from the
   * charger id, the connector and the record's start time (`<charger>-<connector>-<yyyyMMddHHmmss UTC>`),
   * so that a resend is the same transaction, and confirms it with the serial the charger sent.
   */
  readonly zeroSerial?: 'derive' | 'keep';
  /** Why this record (its number, layout or very existence) is not settled by a public source (shown by `mapping check`); absent when confirmed. */
  readonly unconfirmed?: string;
}

/** How frames look on the wire. */
export interface Framing {
  /** Octets of the APDU length after 0x68: 1 (IEC) or 2 little-endian (B2, B3). */
  readonly lengthOctets: 1 | 2;
  /** U-frames on the wire: 6 octets (IEC) or 7 (`68 04 00 fn 00 00 00`, B3). */
  readonly uFrameOctets: 6 | 7;
  /** A 16-bit additive checksum after every I-frame (sum of the octets from the first control octet, little-endian; B2 v4) or none. */
  readonly checksum: 'none' | 'sum16le';
  /** Private ASDUs carry an IOA before the record-type octet (B2, B3) or not (B1). */
  readonly privateIoa: boolean;
  /** ASDU field widths. */
  readonly cotOctets: 1 | 2;
  readonly caOctets: 1 | 2;
  readonly ioaOctets: 1 | 2 | 3;
  /** The common address the gateway writes in what it sends. */
  readonly commonAddress: number;
  /** The IOA the gateway writes in private ASDUs that carry one. */
  readonly ioa: number;
  /**
   * Downlink private ASDUs carry the connector (wire numbering) in the high nibble of the IOA's first
   * octet, added to `ioa` (B3's chargers read it there); default false.
   */
  readonly connectorInIoa?: boolean;
}

/** The roles a login's fields may have: who the charger is, its billing model, how many connectors it has. */
export const LOGIN_ROLES = ['chargerId', 'billingModelId', 'connectorCount'] as const satisfies readonly FieldRole[];

/** The login ("protocol frame") a charger sends right after connecting, which is not an APDU. */
export interface LoginSpec {
  /** The octets a login frame starts with (0x68 included): `68 01 02` (B1), `68 16 00 FF 02` (B3). */
  readonly prefix: readonly number[];
  /** Total length in octets, fixed. */
  readonly octets: number;
  /** The fields after the prefix, in order; one has role `chargerId`, at most one (a uint) `connectorCount`. */
  readonly fields: readonly FieldSpec[];
  /** What the gateway answers: the login echoed (`echo`), with the octet at `answerMarker.offset` set, or nothing. */
  readonly answer: 'echo' | 'none';
  /** Octets of the echo to overwrite (B1's answer carries 0x01 at offset 1, already there). */
  readonly answerPatch?: readonly { readonly offset: number; readonly value: number }[];
}

/** What the link does beyond IEC 104 defaults. */
export interface LinkSpec {
  /** The gateway sends STARTDT act after the login (all three dialects do). */
  readonly startDt: boolean;
  /** The gateway syncs the charger's clock (C_CS_NA_1, TI 103) after STARTDT con, and every `clockSyncHours`. */
  readonly clockSync: boolean;
  readonly clockSyncHours?: number;
  /** General interrogation (C_IC_NA_1) after STARTDT con: the charger answers with its monitoring records. */
  readonly interrogate: boolean;
  /** IEC 104 timers and windows, seconds and frames: t1, t2, t3, k, w (IEC defaults when absent). */
  readonly t1?: number;
  readonly t2?: number;
  readonly t3?: number;
  readonly k?: number;
  readonly w?: number;
}

/** The codes of one values table: wire code -> canonical word (see `VALUE_WORDS`). */
export type ValuesTable = ReadonlyMap<number, string>;

/**
 * The canonical words a values table may map codes to, by the role that reads through it.
 * `workState`: a connector's state; `endReason`: why a session ended (`StopReason`); `result`:
 * a charger's answer; `failReason`: why a card was refused, in the CSMS's words (downlink: the
 * gateway sends the code of the CSMS's AuthorizationStatus, `default` for any other); `accepted`:
 * the success flag of an answer.
 */
export const VALUE_WORDS = {
  workState: ['available', 'preparing', 'charging', 'suspended', 'finishing', 'faulted', 'unavailable'],
  endReason: STOP_REASONS,
  result: ['accepted', 'rejected'],
  accepted: ['accepted', 'rejected'],
  failReason: ['Accepted', 'Blocked', 'ConcurrentTx', 'Expired', 'Invalid', 'NoCredit', 'NotAllowedTypeEVSE', 'NotAtThisLocation', 'NotAtThisTime', 'Unknown', 'default'],
} as const;

/** A loaded, checked catalogue. */
export interface Dialect {
  /** Short name (`b1`), unique among catalogues, shown in logs and `protocol.version`. */
  readonly name: string;
  readonly title: string;
  /** How much of it public sources confirm (`medium`, `low`), for `mapping check`. */
  readonly confidence?: string;
  readonly framing: Framing;
  readonly login: LoginSpec;
  readonly link: LinkSpec;
  /** Private type identifications and their names (`0x82: M_RE_NA`). */
  readonly types: ReadonlyMap<number, { readonly name: string; readonly direction: 'up' | 'down' }>;
  readonly records: readonly RecordSpec[];
  /** Values tables by name (`workState`, `endReason`, `failReason`...). */
  readonly values: ReadonlyMap<string, ValuesTable>;
  /** Connectors a charger of this dialect has when its login does not say (no `connectorCount` field, or a count out of range; default 1). */
  readonly connectors: number;
  readonly currentType: 'AC' | 'DC';
  /** Connector numbering on the wire: gun 0 = connector 1 (`zeroBased`) or gun 1 = connector 1 (`oneBased`). */
  readonly connectorBase: 0 | 1;
}
