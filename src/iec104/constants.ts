/**
 * Constants of IEC 60870-5-101/104 built from single lists: type identifications with their element
 * sizes (IEC 60870-5-101 §7.3), causes of
 * transmission (§7.2.3) and U-frame functions (IEC 60870-5-104 §5.3).
 */

/** Information element layout families; one decode/encode pair per family in `elements.ts`. */
export type ElementKind =
  | 'SIQ'
  | 'DIQ'
  | 'BSI'
  | 'NVA'
  | 'SVA'
  | 'FLOAT'
  | 'BCR'
  | 'SCO'
  | 'DCO'
  | 'NVA_QOS'
  | 'SVA_QOS'
  | 'FLOAT_QOS'
  | 'COI'
  | 'QOI'
  | 'QCC'
  | 'CP56';

/** One row per supported type identification. `size` excludes the IOA and includes any time tag. */
const TYPE_LIST = [
  [1, 'M_SP_NA_1', 'SIQ', false],
  [3, 'M_DP_NA_1', 'DIQ', false],
  [7, 'M_BO_NA_1', 'BSI', false],
  [9, 'M_ME_NA_1', 'NVA', false],
  [11, 'M_ME_NB_1', 'SVA', false],
  [13, 'M_ME_NC_1', 'FLOAT', false],
  [15, 'M_IT_NA_1', 'BCR', false],
  [30, 'M_SP_TB_1', 'SIQ', true],
  [31, 'M_DP_TB_1', 'DIQ', true],
  [34, 'M_ME_TD_1', 'NVA', true],
  [35, 'M_ME_TE_1', 'SVA', true],
  [36, 'M_ME_TF_1', 'FLOAT', true],
  [37, 'M_IT_TB_1', 'BCR', true],
  [45, 'C_SC_NA_1', 'SCO', false],
  [46, 'C_DC_NA_1', 'DCO', false],
  [48, 'C_SE_NA_1', 'NVA_QOS', false],
  [49, 'C_SE_NB_1', 'SVA_QOS', false],
  [50, 'C_SE_NC_1', 'FLOAT_QOS', false],
  [70, 'M_EI_NA_1', 'COI', false],
  [100, 'C_IC_NA_1', 'QOI', false],
  [101, 'C_CI_NA_1', 'QCC', false],
  [103, 'C_CS_NA_1', 'CP56', false],
] as const;

/** Size in octets of each element kind, without time tag. */
export const ELEMENT_SIZE: Readonly<Record<ElementKind, number>> = {
  SIQ: 1,
  DIQ: 1,
  BSI: 5,
  NVA: 3,
  SVA: 3,
  FLOAT: 5,
  BCR: 5,
  SCO: 1,
  DCO: 1,
  NVA_QOS: 3,
  SVA_QOS: 3,
  FLOAT_QOS: 5,
  COI: 1,
  QOI: 1,
  QCC: 1,
  CP56: 7,
};

export const CP56_SIZE = 7;

export type TypeName = (typeof TYPE_LIST)[number][1];
export type TypeId = (typeof TYPE_LIST)[number][0];

export interface TypeInfo {
  readonly id: TypeId;
  readonly name: TypeName;
  readonly kind: ElementKind;
  /** True when each element carries a trailing CP56Time2a (the *_TB_1 / *_TD/TE/TF_1 types). */
  readonly timeTag: boolean;
  /** Octets per element after the IOA, time tag included. */
  readonly size: number;
  /**
   * True for the control direction (commands, interrogations, clock sync: TI >= 45), except
   * M_EI_NA_1 (TI 70, end of initialisation), which the controlled station sends in monitor direction.
   */
  readonly control: boolean;
}

const byId = new Map<number, TypeInfo>();
const byName = new Map<string, TypeInfo>();
for (const [id, name, kind, timeTag] of TYPE_LIST) {
  const info: TypeInfo = {
    id,
    name,
    kind,
    timeTag,
    size: ELEMENT_SIZE[kind] + (timeTag ? CP56_SIZE : 0),
    control: id >= 45 && id !== 70,
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
export const TI = Object.fromEntries(TYPE_LIST.map(([id, name]) => [name, id])) as Readonly<
  Record<TypeName, TypeId>
>;

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
