/** Generators of the GB/T 27930 relay frames 0x15-0x25 (docs/protocols/ykc.md §4, spec §7.3-7.10). */
import type { BmsAbort, BmsDemand, BmsInfo, ChargerAbort, ChargingEnd, ChargingHandshake, ErrorReport, ParameterConfig } from '../messages/bms.js';
import type { FieldContext } from '../fields.js';
import { BMS_ABORT_ERROR, BMS_ABORT_FAULT, BMS_ABORT_REASON, BMS_INFO_FLAGS, CHARGER_ABORT_ERROR, CHARGER_ABORT_FAULT, CHARGER_ABORT_REASON, ERROR_REPORT_LAYOUT, packBits } from '../gbt-bits.js';
import { head } from './common.js';

/** GB/T current: 0.1 A per bit with a -400 A offset. */
const GBT_AMP_OFFSET = 4000;

export function encodeChargingHandshake(v: ChargingHandshake, ctx: FieldContext): Buffer {
  return head(73, v, ctx)
    .hex(v.bmsProtocolVersion, 3, 'bmsProtocolVersion')
    .u8(v.batteryType, 'batteryType')
    .scaled(v.ratedCapacityAh, 10, 2, 'ratedCapacityAh')
    .scaled(v.ratedVoltageV, 10, 2, 'ratedVoltageV')
    .ascii(v.batteryManufacturer, 4, 'batteryManufacturer')
    .hex(v.batteryPackSerial, 4, 'batteryPackSerial')
    .scaled(v.productionYear, 1, 1, 'productionYear', -1985)
    .u8(v.productionMonth, 'productionMonth')
    .u8(v.productionDay, 'productionDay')
    .uint(v.chargeCycles, 3, 'chargeCycles')
    .u8(v.ownership, 'ownership')
    .u8(v.reserved, 'reserved')
    .ascii(v.vin, 17, 'vin')
    .hex(v.bmsSoftwareVersion, 8, 'bmsSoftwareVersion')
    .done();
}

export function encodeParameterConfig(v: ParameterConfig, ctx: FieldContext): Buffer {
  return head(45, v, ctx)
    .scaled(v.maxCellVoltageV, 100, 2, 'maxCellVoltageV')
    .scaled(v.maxChargeCurrentA, 10, 2, 'maxChargeCurrentA', GBT_AMP_OFFSET)
    .scaled(v.nominalEnergyKwh, 10, 2, 'nominalEnergyKwh')
    .scaled(v.maxTotalVoltageV, 10, 2, 'maxTotalVoltageV')
    .celsius(v.maxTempC, 'maxTempC')
    .scaled(v.socPercent, 10, 2, 'socPercent')
    .scaled(v.batteryVoltageV, 10, 2, 'batteryVoltageV')
    .scaled(v.chargerMaxVoltageV, 10, 2, 'chargerMaxVoltageV')
    .scaled(v.chargerMinVoltageV, 10, 2, 'chargerMinVoltageV')
    .scaled(v.chargerMaxCurrentA, 10, 2, 'chargerMaxCurrentA', GBT_AMP_OFFSET)
    .scaled(v.chargerMinCurrentA, 10, 2, 'chargerMinCurrentA', GBT_AMP_OFFSET)
    .done();
}

export function encodeChargingEnd(v: ChargingEnd, ctx: FieldContext): Buffer {
  return head(39, v, ctx)
    .u8(v.endSocPercent, 'endSocPercent')
    .scaled(v.minCellVoltageV, 100, 2, 'minCellVoltageV')
    .scaled(v.maxCellVoltageV, 100, 2, 'maxCellVoltageV')
    .celsius(v.minTempC, 'minTempC')
    .celsius(v.maxTempC, 'maxTempC')
    .u16(v.chargeTimeMin, 'chargeTimeMin')
    .scaled(v.outputEnergyKwh, 10, 2, 'outputEnergyKwh')
    .u32(v.chargerNo, 'chargerNo')
    .done();
}

export function encodeErrorReport(v: ErrorReport, ctx: FieldContext): Buffer {
  const w = head(32, v, ctx);
  const values = v as unknown as Readonly<Record<string, number>>;
  ERROR_REPORT_LAYOUT.forEach((layout, i) => w.u8(packBits(values, layout, `errorReport[${i}]`), `errorReport[${i}]`));
  return w.done();
}

export function encodeBmsAbort(v: BmsAbort, ctx: FieldContext): Buffer {
  return head(28, v, ctx)
    .u8(packBits(v.reason, BMS_ABORT_REASON, 'reason'), 'reason')
    .u16(packBits(v.fault, BMS_ABORT_FAULT, 'fault'), 'fault')
    .u8(packBits(v.error, BMS_ABORT_ERROR, 'error'), 'error')
    .done();
}

export function encodeChargerAbort(v: ChargerAbort, ctx: FieldContext): Buffer {
  return head(28, v, ctx)
    .u8(packBits(v.reason, CHARGER_ABORT_REASON, 'reason'), 'reason')
    .u16(packBits(v.fault, CHARGER_ABORT_FAULT, 'fault'), 'fault')
    .u8(packBits(v.error, CHARGER_ABORT_ERROR, 'error'), 'error')
    .done();
}

export function encodeBmsDemand(v: BmsDemand, ctx: FieldContext): Buffer {
  const cell = Math.round(v.maxCellVoltageV * 100);
  const w = head(44, v, ctx)
    .scaled(v.demandVoltageV, 10, 2, 'demandVoltageV')
    .scaled(v.demandCurrentA, 10, 2, 'demandCurrentA', GBT_AMP_OFFSET)
    .u8(v.chargeMode, 'chargeMode')
    .scaled(v.measuredVoltageV, 10, 2, 'measuredVoltageV')
    .scaled(v.measuredCurrentA, 10, 2, 'measuredCurrentA', GBT_AMP_OFFSET);
  // One word: bits 0-11 the cell voltage in 0.01 V, bits 12-15 its group.
  const word = packBits({ cell, group: v.maxCellVoltageGroup }, CELL_AND_GROUP, 'maxCellVoltage');
  return w
    .u16(word, 'maxCellVoltageV')
    .u8(v.socPercent, 'socPercent')
    .u16(v.remainingTimeMin, 'remainingTimeMin')
    .scaled(v.outputVoltageV, 10, 2, 'outputVoltageV')
    .scaled(v.outputCurrentA, 10, 2, 'outputCurrentA', GBT_AMP_OFFSET)
    .u16(v.chargeTimeMin, 'chargeTimeMin')
    .done();
}

const CELL_AND_GROUP = [
  ['cell', 12],
  ['group', 4],
] as const;

export function encodeBmsInfo(v: BmsInfo, ctx: FieldContext): Buffer {
  const words = v.flagLayout === 'words';
  const w = head(words ? 45 : 31, v, ctx)
    .u8(v.maxCellVoltageIndex, 'maxCellVoltageIndex')
    .celsius(v.maxTempC, 'maxTempC')
    .u8(v.maxTempProbe, 'maxTempProbe')
    .celsius(v.minTempC, 'minTempC')
    .u8(v.minTempProbe, 'minTempProbe');
  if (words) {
    for (const [name] of BMS_INFO_FLAGS) w.u16(v.flags[name], `flags.${name}`);
  } else {
    w.u16(packBits(v.flags, BMS_INFO_FLAGS, 'flags'), 'flags');
  }
  return w.done();
}
