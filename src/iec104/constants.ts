/**
 * Constants of IEC 60870-5-101/104 built from single lists: the type identifications of the IEC
 * 60870-5-104 companion standard with their element layouts (IEC 60870-5-101 §7.3, restricted by
 * IEC 60870-5-104 §8: no CP24Time2a types, no C_TS_NA_1 or C_CD_NA_1), causes of transmission
 * (§7.2.3) and U-frame functions (IEC 60870-5-104 §5.3).
 */

/**
 * Information element layout families (IEC 60870-5-101 §7.2.6); one decode/encode branch per family
 * in `asdu-parser.ts` (or `asdu-readers.ts`) and `asdu-generator.ts`. A kind names the element
 * without its time tag: M_SP_TB_1 is SIQ with `timeTag`.
 */
export type ElementKind =
  | 'SIQ'
  | 'DIQ'
  | 'VTI'
  | 'BSI'
  | 'NVA'
  | 'SVA'
  | 'FLOAT'
  | 'BCR'
  | 'SCD'
  | 'NVA_ONLY'
  | 'SEP'
  | 'SPE'
  | 'OCI'
  | 'SCO'
  | 'DCO'
  | 'RCO'
  | 'NVA_QOS'
  | 'SVA_QOS'
  | 'FLOAT_QOS'
  | 'BSI_ONLY'
  | 'COI'
  | 'QOI'
  | 'QCC'
  | 'NONE'
  | 'CP56'
  | 'QRP'
  | 'TSC'
  | 'NVA_QPM'
  | 'SVA_QPM'
  | 'FLOAT_QPM'
  | 'QPA'
  | 'FILE_READY'
  | 'SECTION_READY'
  | 'CALL'
  | 'LAST_SECTION'
  | 'ACK'
  | 'SEGMENT'
  | 'DIRECTORY'
  | 'QUERY_LOG';

/**
 * One row per type identification IEC 60870-5-104 §8 allows: [TI, mnemonic, element kind, time tag].
 * `time tag` is a trailing CP56Time2a after the element (the *_TB_1, *_TD/TE/TF_1, C_*_TA_1,
 * C_TS_TA_1 and F_DR_TA_1 types). TIs absent here (private ones, 128..255, and those the standard
 * leaves unassigned or excludes from 104) are IEC104_UNKNOWN_TI unless a codec registers a layout
 * for them in an `AsduTypeTable` (`private-types.ts`).
 */
const TYPE_LIST = [
  // Process information in monitor direction (IEC 60870-5-101 §7.3.1)
  [1, 'M_SP_NA_1', 'SIQ', false],
  [3, 'M_DP_NA_1', 'DIQ', false],
  [5, 'M_ST_NA_1', 'VTI', false],
  [7, 'M_BO_NA_1', 'BSI', false],
  [9, 'M_ME_NA_1', 'NVA', false],
  [11, 'M_ME_NB_1', 'SVA', false],
  [13, 'M_ME_NC_1', 'FLOAT', false],
  [15, 'M_IT_NA_1', 'BCR', false],
  [20, 'M_PS_NA_1', 'SCD', false],
  [21, 'M_ME_ND_1', 'NVA_ONLY', false],
  [30, 'M_SP_TB_1', 'SIQ', true],
  [31, 'M_DP_TB_1', 'DIQ', true],
  [32, 'M_ST_TB_1', 'VTI', true],
  [33, 'M_BO_TB_1', 'BSI', true],
  [34, 'M_ME_TD_1', 'NVA', true],
  [35, 'M_ME_TE_1', 'SVA', true],
  [36, 'M_ME_TF_1', 'FLOAT', true],
  [37, 'M_IT_TB_1', 'BCR', true],
  [38, 'M_EP_TD_1', 'SEP', true],
  [39, 'M_EP_TE_1', 'SPE', true],
  [40, 'M_EP_TF_1', 'OCI', true],
  // Process information in control direction (§7.3.2)
  [45, 'C_SC_NA_1', 'SCO', false],
  [46, 'C_DC_NA_1', 'DCO', false],
  [47, 'C_RC_NA_1', 'RCO', false],
  [48, 'C_SE_NA_1', 'NVA_QOS', false],
  [49, 'C_SE_NB_1', 'SVA_QOS', false],
  [50, 'C_SE_NC_1', 'FLOAT_QOS', false],
  [51, 'C_BO_NA_1', 'BSI_ONLY', false],
  [58, 'C_SC_TA_1', 'SCO', true],
  [59, 'C_DC_TA_1', 'DCO', true],
  [60, 'C_RC_TA_1', 'RCO', true],
  [61, 'C_SE_TA_1', 'NVA_QOS', true],
  [62, 'C_SE_TB_1', 'SVA_QOS', true],
  [63, 'C_SE_TC_1', 'FLOAT_QOS', true],
  [64, 'C_BO_TA_1', 'BSI_ONLY', true],
  // System information in monitor direction (§7.3.3)
  [70, 'M_EI_NA_1', 'COI', false],
  // System information in control direction (§7.3.4)
  [100, 'C_IC_NA_1', 'QOI', false],
  [101, 'C_CI_NA_1', 'QCC', false],
  [102, 'C_RD_NA_1', 'NONE', false],
  [103, 'C_CS_NA_1', 'CP56', false],
  [105, 'C_RP_NA_1', 'QRP', false],
  [107, 'C_TS_TA_1', 'TSC', true],
  // Parameter in control direction (§7.3.5)
  [110, 'P_ME_NA_1', 'NVA_QPM', false],
  [111, 'P_ME_NB_1', 'SVA_QPM', false],
  [112, 'P_ME_NC_1', 'FLOAT_QPM', false],
  [113, 'P_AC_NA_1', 'QPA', false],
  // File transfer (§7.3.6; F_SC_NB_1 from IEC 60870-5-104 edition 2 §8)
  [120, 'F_FR_NA_1', 'FILE_READY', false],
  [121, 'F_SR_NA_1', 'SECTION_READY', false],
  [122, 'F_SC_NA_1', 'CALL', false],
  [123, 'F_LS_NA_1', 'LAST_SECTION', false],
  [124, 'F_AF_NA_1', 'ACK', false],
  [125, 'F_SG_NA_1', 'SEGMENT', false],
  [126, 'F_DR_TA_1', 'DIRECTORY', true],
  [127, 'F_SC_NB_1', 'QUERY_LOG', false],
] as const;

/**
 * Size in octets of each element kind, without time tag. SEGMENT gives its fixed part (NOF, NOS,
 * LOS); the segment itself adds LOS octets.
 */
export const ELEMENT_SIZE: Readonly<Record<ElementKind, number>> = {
  SIQ: 1,
  DIQ: 1,
  VTI: 2,
  BSI: 5,
  NVA: 3,
  SVA: 3,
  FLOAT: 5,
  BCR: 5,
  SCD: 5,
  NVA_ONLY: 2,
  SEP: 3,
  SPE: 4,
  OCI: 4,
  SCO: 1,
  DCO: 1,
  RCO: 1,
  NVA_QOS: 3,
  SVA_QOS: 3,
  FLOAT_QOS: 5,
  BSI_ONLY: 4,
  COI: 1,
  QOI: 1,
  QCC: 1,
  NONE: 0,
  CP56: 7,
  QRP: 1,
  TSC: 2,
  NVA_QPM: 3,
  SVA_QPM: 3,
  FLOAT_QPM: 5,
  QPA: 1,
  FILE_READY: 6,
  SECTION_READY: 7,
  CALL: 4,
  LAST_SECTION: 5,
  ACK: 4,
  SEGMENT: 4,
  DIRECTORY: 6,
  QUERY_LOG: 16,
};

export const CP56_SIZE = 7;

export type TypeName = (typeof TYPE_LIST)[number][1];
export type TypeId = (typeof TYPE_LIST)[number][0];

/** The sections of IEC 60870-5-101 §7.2.1.1 a type identification belongs to. */
export type TypeGroup = 'monitor' | 'control' | 'system-monitor' | 'system-control' | 'parameter' | 'file';

export interface TypeInfo {
  readonly id: TypeId;
  readonly name: TypeName;
  readonly kind: ElementKind;
  /** True when each element carries a trailing CP56Time2a (the *_TB_1 / *_TD/TE/TF_1 types). */
  readonly timeTag: boolean;
  /** Octets per element after the IOA, time tag included; for a variable element, its fixed part. */
  readonly size: number;
  /** True when the element's length varies (F_SG_NA_1: the LOS octet counts the segment). */
  readonly variable: boolean;
  readonly group: TypeGroup;
  /**
   * True for every type but those the controlled station sends in monitor direction (TI 1..44 and
   * M_EI_NA_1): commands, system commands, parameters, and file transfer (which runs both ways and
   * carries no process value a monitor point table could read).
   */
  readonly control: boolean;
}

function groupOf(id: number): TypeGroup {
  if (id < 45) return 'monitor';
  if (id < 70) return 'control';
  if (id < 100) return 'system-monitor';
  if (id < 110) return 'system-control';
  if (id < 120) return 'parameter';
  return 'file';
}

const byId = new Map<number, TypeInfo>();
const byName = new Map<string, TypeInfo>();
for (const [id, name, kind, timeTag] of TYPE_LIST) {
  const group = groupOf(id);
  const info: TypeInfo = {
    id,
    name,
    kind,
    timeTag,
    size: ELEMENT_SIZE[kind] + (timeTag ? CP56_SIZE : 0),
    variable: kind === 'SEGMENT',
    group,
    control: group !== 'monitor' && group !== 'system-monitor',
  };
  byId.set(id, info);
  byName.set(name, info);
}

/** Type information for a TI, or undefined when this library does not know it. */
export function typeInfo(ti: number): TypeInfo | undefined {
  return byId.get(ti);
}

/** Type information by mnemonic (`M_ME_NC_1`). */
export function typeByName(name: string): TypeInfo | undefined {
  return byName.get(name);
}

export const SUPPORTED_TYPES: readonly TypeInfo[] = [...byId.values()];

/** TI -> mnemonic, for every supported type. */
export const TI = Object.fromEntries(TYPE_LIST.map(([id, name]) => [name, id])) as Readonly<Record<TypeName, TypeId>>;

const COT_LIST = [
  [1, 'PERIODIC'],
  [2, 'BACKGROUND_SCAN'],
  [3, 'SPONTANEOUS'],
  [4, 'INITIALIZED'],
  [5, 'REQUEST'],
  [6, 'ACTIVATION'],
  [7, 'ACTIVATION_CON'],
  [8, 'DEACTIVATION'],
  [9, 'DEACTIVATION_CON'],
  [10, 'ACTIVATION_TERMINATION'],
  [11, 'RETURN_INFO_REMOTE'],
  [12, 'RETURN_INFO_LOCAL'],
  [13, 'FILE_TRANSFER'],
  [20, 'INTERROGATED_BY_STATION'],
  ...Array.from({ length: 16 }, (_, i) => [21 + i, `INTERROGATED_BY_GROUP_${i + 1}`] as const),
  [37, 'REQUESTED_BY_GENERAL_COUNTER'],
  [38, 'REQUESTED_BY_GROUP_1_COUNTER'],
  [39, 'REQUESTED_BY_GROUP_2_COUNTER'],
  [40, 'REQUESTED_BY_GROUP_3_COUNTER'],
  [41, 'REQUESTED_BY_GROUP_4_COUNTER'],
  [44, 'UNKNOWN_TYPE_ID'],
  [45, 'UNKNOWN_CAUSE'],
  [46, 'UNKNOWN_COMMON_ADDRESS'],
  [47, 'UNKNOWN_IOA'],
] as const;

const cotNames = new Map<number, string>(COT_LIST);

/** Causes of transmission used by name in code. */
export const COT = {
  PERIODIC: 1,
  BACKGROUND_SCAN: 2,
  SPONTANEOUS: 3,
  INITIALIZED: 4,
  REQUEST: 5,
  ACTIVATION: 6,
  ACTIVATION_CON: 7,
  DEACTIVATION: 8,
  DEACTIVATION_CON: 9,
  ACTIVATION_TERMINATION: 10,
  INTERROGATED_BY_STATION: 20,
  REQUESTED_BY_GENERAL_COUNTER: 37,
  UNKNOWN_TYPE_ID: 44,
  UNKNOWN_CAUSE: 45,
  UNKNOWN_COMMON_ADDRESS: 46,
  UNKNOWN_IOA: 47,
} as const;

/** Name of a cause of transmission, or `COT_<n>` for one the standard leaves unassigned. */
export function cotName(cause: number): string {
  return cotNames.get(cause) ?? `COT_${cause}`;
}

/** QOI 20: station interrogation (IEC 60870-5-101 §7.2.6.22). */
export const QOI_STATION = 20;
/** QCC RQT 5: general counter request. */
export const QCC_GENERAL = 5;
