/**
 * The decoded shape of ASDUs and information objects. Element fields are flattened into the object
 * beside its IOA (one allocation per object on the decode path). Quality descriptors stay as their
 * flag octet; `QUALITY` names the bits (IEC 60870-5-101 §7.2.6.3/§7.2.6.1).
 */
import type { ElementKind, TypeId, TypeName } from './constants.js';

/** Quality flag bits of SIQ, DIQ and QDS (OV only in QDS). */
export const QUALITY = { OV: 0x01, BL: 0x10, SB: 0x20, NT: 0x40, IV: 0x80 } as const;

/** Field widths of the ASDU header and IOA: 104 defaults are COT 2, CA 2, IOA 3 octets. */
export interface AsduParameters {
  readonly cotSize: 1 | 2;
  readonly caSize: 1 | 2;
  readonly ioaSize: 1 | 2 | 3;
}

export const IEC104_ASDU_PARAMETERS: AsduParameters = { cotSize: 2, caSize: 2, ioaSize: 3 };

/** CP56Time2a fields exactly as carried (calendar fields, no time zone applied). */
export interface Cp56Time {
  /** Milliseconds within the minute, 0..59999. */
  readonly milliseconds: number;
  readonly minute: number;
  readonly hour: number;
  /** Day of month 1..31. */
  readonly day: number;
  /** Day of week 1..7 (Monday = 1), 0 when unused. */
  readonly dayOfWeek: number;
  readonly month: number;
  /** Two-digit year, 0..99 = 2000..2099. */
  readonly year: number;
  /** IV bit: the time is not valid. */
  readonly invalid: boolean;
  /** SU bit: summer time. */
  readonly summerTime: boolean;
  /** Bit 6 of the minute octet (RES1 in IEC 60870-5-104; "substituted" in some implementations). */
  readonly substituted: boolean;
}

/** Element payloads by kind; every object also has `ioa` and, for time-tagged types, `time`. */
export interface ElementByKind {
  /** Single point: SPI and quality flags. */
  SIQ: { value: boolean; quality: number };
  /** Double point: DPI 0 intermediate, 1 OFF, 2 ON, 3 indeterminate. */
  DIQ: { value: 0 | 1 | 2 | 3; quality: number };
  /** Bitstring of 32 bits. */
  BSI: { value: number; quality: number };
  /** Normalized value: `raw` int16, `value` = raw / 32768. */
  NVA: { raw: number; value: number; quality: number };
  /** Scaled value, int16. */
  SVA: { value: number; quality: number };
  /** IEEE 754 short float. */
  FLOAT: { value: number; quality: number };
  /** Binary counter reading. */
  BCR: { value: number; sequence: number; carry: boolean; adjusted: boolean; invalid: boolean };
  /** Single command: SCS, qualifier QU 0..31, S/E (select = true). */
  SCO: { state: boolean; qualifier: number; select: boolean };
  /** Double command: DCS 1 OFF, 2 ON (0 and 3 not permitted but carried). */
  DCO: { state: 0 | 1 | 2 | 3; qualifier: number; select: boolean };
  NVA_QOS: { raw: number; value: number; ql: number; select: boolean };
  SVA_QOS: { value: number; ql: number; select: boolean };
  FLOAT_QOS: { value: number; ql: number; select: boolean };
  /** Cause of initialization 0..127 and the "after local parameter change" bit. */
  COI: { cause: number; afterParameterChange: boolean };
  /** Qualifier of interrogation: 20 station, 21..36 group 1..16. */
  QOI: { qoi: number };
  /** Qualifier of counter interrogation: RQT 0..63, FRZ 0..3. */
  QCC: { rqt: number; frz: number };
  /** Clock synchronisation: the time itself. */
  CP56: { time: Cp56Time };
}

export type ElementOf<K extends ElementKind> = ElementByKind[K];

/** One information object of any supported type. */
export type InformationObject = {
  [K in ElementKind]: { ioa: number; time?: Cp56Time } & ElementByKind[K];
}[ElementKind];

/** An object of a given element kind (use with `asdu.typeId` narrowing via `objectsOf`). */
export type ObjectOf<K extends ElementKind> = { ioa: number; time?: Cp56Time } & ElementByKind[K];

export interface Asdu {
  readonly typeId: TypeId;
  /** Structure qualifier: true = one IOA followed by consecutive elements. */
  readonly sq: boolean;
  /** Cause of transmission 0..63. */
  readonly cause: number;
  /** P/N bit: negative confirmation. */
  readonly negative: boolean;
  /** T bit: test. */
  readonly test: boolean;
  /** Originator address (second COT octet), 0 when COT is one octet. */
  readonly originator: number;
  readonly commonAddress: number;
  readonly objects: readonly InformationObject[];
}

export type { ElementKind, TypeId, TypeName };
