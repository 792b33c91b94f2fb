/**
 * Bit layouts of the GB/T 27930 status bytes the YKC BMS frames relay (spec §7.6-7.10). Each layout
 * lists its fields from the least significant bit up ("1-2 位" = bits 0-1), widths summing to the
 * byte or word. Reserved bits are named too, so decoding is lossless. Used by both the parsers and
 * the generators.
 */
import { YkcEncodeError } from './errors.js';

export type BitLayout = readonly (readonly [name: string, width: number])[];

/** The decoded fields of a layout, each a small unsigned integer. */
export type BitValues<L extends BitLayout> = { readonly [K in L[number][0]]: number };

/**
 * 0x1B error frame, 8 bytes. Bytes 1-4: the BMS timed out receiving charger messages (BEM); bytes
 * 5-8: the charger timed out receiving BMS messages (CEM). Each 2-bit value: 0 normal, 1 timeout,
 * 2 untrusted.
 */
export const ERROR_REPORT_LAYOUT = [
  [
    ['crm00Timeout', 2],
    ['crmAaTimeout', 2],
    ['reserved1', 4],
  ],
  [
    ['cmlTimeout', 2],
    ['croTimeout', 2],
    ['reserved2', 4],
  ],
  [
    ['ccsTimeout', 2],
    ['cstTimeout', 2],
    ['reserved3', 4],
  ],
  [
    ['csdTimeout', 2],
    ['bmsOther', 6],
  ],
  [
    ['brmTimeout', 2],
    ['reserved5', 6],
  ],
  [
    ['bcpTimeout', 2],
    ['broTimeout', 2],
    ['reserved6', 4],
  ],
  [
    ['bcsTimeout', 2],
    ['bclTimeout', 2],
    ['bstTimeout', 2],
    ['reserved7', 2],
  ],
  [
    ['bsdTimeout', 2],
    ['chargerOther', 6],
  ],
] as const satisfies readonly BitLayout[];

/** 0x1D byte "BMS 中止充电原因" (BST). */
export const BMS_ABORT_REASON = [
  ['socTargetReached', 2],
  ['totalVoltageReached', 2],
  ['cellVoltageReached', 2],
  ['chargerStopped', 2],
] as const satisfies BitLayout;

/** 0x1D word "BMS 中止充电故障原因". */
export const BMS_ABORT_FAULT = [
  ['insulation', 2],
  ['connectorOverTemp', 2],
  ['bmsComponentOverTemp', 2],
  ['connectorFault', 2],
  ['batteryOverTemp', 2],
  ['hvRelayFault', 2],
  ['cp2VoltageFault', 2],
  ['other', 2],
] as const satisfies BitLayout;

/** 0x1D byte "BMS 中止充电错误原因". */
export const BMS_ABORT_ERROR = [
  ['overCurrent', 2],
  ['voltageAbnormal', 2],
  ['reserved', 4],
] as const satisfies BitLayout;

/** 0x21 byte "充电机中止充电原因" (CST). */
export const CHARGER_ABORT_REASON = [
  ['conditionReached', 2],
  ['manualStop', 2],
  ['faultStop', 2],
  ['bmsStopped', 2],
] as const satisfies BitLayout;

/** 0x21 word "充电机中止充电故障原因". */
export const CHARGER_ABORT_FAULT = [
  ['chargerOverTemp', 2],
  ['connectorFault', 2],
  ['internalOverTemp', 2],
  ['energyNotDeliverable', 2],
  ['emergencyStop', 2],
  ['other', 2],
  ['reserved', 4],
] as const satisfies BitLayout;

/** 0x21 byte "充电机中止充电错误原因". */
export const CHARGER_ABORT_ERROR = [
  ['currentMismatch', 2],
  ['voltageAbnormal', 2],
  ['reserved', 4],
] as const satisfies BitLayout;

/**
 * 0x25 status flags (BSM): cell voltage and SOC 0 normal / 1 high / 2 low; over-current,
 * over-temperature, insulation, connector 0 normal / 1 fault / 2 untrusted; charge allowed
 * 0 forbidden / 1 allowed. Packed as 2-bit fields in one word by the spec.
 */
export const BMS_INFO_FLAGS = [
  ['cellVoltage', 2],
  ['soc', 2],
  ['overCurrent', 2],
  ['overTemp', 2],
  ['insulation', 2],
  ['connector', 2],
  ['chargeAllowed', 2],
  ['reserved', 2],
] as const satisfies BitLayout;

/** Packs `values` by `layout`; throws `YkcEncodeError` when a value does not fit its width. */
export function packBits(values: Readonly<Record<string, number>>, layout: BitLayout, field: string): number {
  let word = 0;
  let shift = 0;
  for (const [name, width] of layout) {
    const v = values[name];
    if (v === undefined || !Number.isInteger(v) || v < 0 || v >= 1 << width) {
      throw new YkcEncodeError(`${field}.${name}`, `${v} does not fit ${width} bit(s)`);
    }
    word |= v << shift;
    shift += width;
  }
  return word;
}
