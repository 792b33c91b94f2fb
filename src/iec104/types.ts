/**
 * The decoded shape of ASDUs and information objects. Element fields are flattened into the object
 * beside its IOA (one allocation per object on the decode path). Quality descriptors stay as their
 * flag octet; `QUALITY` names the bits (IEC 60870-5-101 §7.2.6.3/§7.2.6.1).
 */
import type { ElementKind, TypeId, TypeName } from './constants.js';

/** Quality flag bits of SIQ, DIQ and QDS (OV only in QDS). */
export const QUALITY = { OV: 0x01, BL: 0x10, SB: 0x20, NT: 0x40, IV: 0x80 } as const;

/**
 * EI, "elapsed time invalid": bit 3 of QDP and of SEP (IEC 60870-5-101 §7.2.6.4/§7.2.6.10), the
 * quality of protection events; their other flags are those of `QUALITY` but OV.
 */
export const QDP_EI = 0x08;

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

/**
 * Element payloads by kind; every object also has `ioa` and, for time-tagged types, `time`.
 * Qualifier and status octets whose bits the standard names (QDS, QDP, SPE, OCI, FRQ, SRQ, SCQ, LSQ,
 * AFQ, SOF) are kept whole, reserved bits included, so that encoding gives back the bytes received;
 * `describe.ts` names their bits.
 */
export interface ElementByKind {
  /** Single point: SPI and quality flags. */
  SIQ: { value: boolean; quality: number };
  /** Double point: DPI 0 intermediate, 1 OFF, 2 ON, 3 indeterminate. */
  DIQ: { value: 0 | 1 | 2 | 3; quality: number };
  /** Step position (§7.2.6.5 VTI + QDS): value -64..63 and the transient bit T. */
  VTI: { value: number; transient: boolean; quality: number };
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
  /** Packed single points with status change detection (§7.2.6.40 SCD + QDS): ST and CD, 16 bits each. */
  SCD: { status: number; changeDetection: number; quality: number };
  /** Normalized value without quality descriptor (M_ME_ND_1, §7.3.1.21). */
  NVA_ONLY: { raw: number; value: number };
  /**
   * Event of protection equipment (M_EP_TD_1): SEP event state 0 and 3 indeterminate, 1 OFF, 2 ON;
   * `quality` is the SEP octet's flag bits (EI, BL, SB, NT, IV; bit 2 reserved), `elapsedTime` the
   * CP16Time2a in milliseconds.
   */
  SEP: { state: 0 | 1 | 2 | 3; quality: number; elapsedTime: number };
  /** Packed start events (M_EP_TE_1): SPE bits GS SL1 SL2 SL3 SIE SRD, QDP, relay duration (CP16Time2a ms). */
  SPE: { start: number; quality: number; relayDurationTime: number };
  /** Packed output circuit information (M_EP_TF_1): OCI bits GC CL1 CL2 CL3, QDP, relay operation (CP16Time2a ms). */
  OCI: { output: number; quality: number; relayOperationTime: number };
  /** Single command: SCS, qualifier QU 0..31, S/E (select = true). */
  SCO: { state: boolean; qualifier: number; select: boolean };
  /** Double command: DCS 1 OFF, 2 ON (0 and 3 not permitted but carried). */
  DCO: { state: 0 | 1 | 2 | 3; qualifier: number; select: boolean };
  /** Regulating step command: RCS 1 next step lower, 2 next step higher (0 and 3 not permitted but carried). */
  RCO: { state: 0 | 1 | 2 | 3; qualifier: number; select: boolean };
  NVA_QOS: { raw: number; value: number; ql: number; select: boolean };
  SVA_QOS: { value: number; ql: number; select: boolean };
  FLOAT_QOS: { value: number; ql: number; select: boolean };
  /** Bitstring of 32 bits without quality (C_BO_NA_1, C_BO_TA_1). */
  BSI_ONLY: { value: number };
  /** Cause of initialization 0..127 and the "after local parameter change" bit. */
  COI: { cause: number; afterParameterChange: boolean };
  /** Qualifier of interrogation: 20 station, 21..36 group 1..16. */
  QOI: { qoi: number };
  /** Qualifier of counter interrogation: RQT 0..63, FRZ 0..3. */
  QCC: { rqt: number; frz: number };
  /** No element: the read command C_RD_NA_1 is its IOA alone. */
  NONE: Record<never, never>;
  /** Clock synchronisation: the time itself. */
  CP56: { time: Cp56Time };
  /** Qualifier of reset process command: 1 general reset, 2 reset of pending time-tagged information. */
  QRP: { qrp: number };
  /** Test sequence counter of C_TS_TA_1 (with its time tag). */
  TSC: { tsc: number };
  /**
   * Parameter of measured value (P_ME_*): the value and QPM, whose KPA 0..63 is 1 threshold,
   * 2 smoothing factor, 3 low limit, 4 high limit; LPC local parameter change; POP not in operation.
   */
  NVA_QPM: { raw: number; value: number; kpa: number; lpc: boolean; pop: boolean };
  SVA_QPM: { value: number; kpa: number; lpc: boolean; pop: boolean };
  FLOAT_QPM: { value: number; kpa: number; lpc: boolean; pop: boolean };
  /** Qualifier of parameter activation: 1 previously loaded parameters, 2 the object's parameter, 3 its cyclic transmission. */
  QPA: { qpa: number };
  /** F_FR_NA_1 file ready: name of file, length of file (24 bits), FRQ. */
  FILE_READY: { nof: number; lof: number; frq: number };
  /** F_SR_NA_1 section ready: NOF, name of section, length of section (24 bits), SRQ. */
  SECTION_READY: { nof: number; nos: number; lof: number; srq: number };
  /** F_SC_NA_1 call directory, select or call file or section: NOF, NOS, SCQ. */
  CALL: { nof: number; nos: number; scq: number };
  /** F_LS_NA_1 last section or segment: NOF, NOS, LSQ, checksum CHS. */
  LAST_SECTION: { nof: number; nos: number; lsq: number; chs: number };
  /** F_AF_NA_1 acknowledge file or section: NOF, NOS, AFQ. */
  ACK: { nof: number; nos: number; afq: number };
  /** F_SG_NA_1 segment: NOF, NOS and the segment octets (their count is the LOS octet, 0..255). */
  SEGMENT: { nof: number; nos: number; segment: number[] };
  /** F_DR_TA_1 directory entry: NOF, LOF (24 bits), status of file SOF; the creation time is `time`. */
  DIRECTORY: { nof: number; lof: number; sof: number };
  /** F_SC_NB_1 query log (request archive file): NOF and the range start and stop times. */
  QUERY_LOG: { nof: number; rangeStart: Cp56Time; rangeStop: Cp56Time };
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
