/** Generators of the real-time data frames 0x12 and 0x13 (docs/protocols/ykc.md §4). */
import type { ReadRealTimeData, RealTimeData } from '../messages/realtime.js';
import type { FieldContext } from '../fields.js';
import { BodyWriter } from '../writer.js';

export function encodeReadRealTimeData(v: ReadRealTimeData, ctx: FieldContext): Buffer {
  return new BodyWriter(8, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.gun, 1, 'gun').done();
}

export function encodeRealTimeData(v: RealTimeData, ctx: FieldContext): Buffer {
  return new BodyWriter(60, ctx)
    .bcd(v.transactionNo, 16, 'transactionNo')
    .bcd(v.pileCode, 7, 'pileCode')
    .bcd(v.gun, 1, 'gun')
    .u8(v.status, 'status')
    .u8(v.gunHomed, 'gunHomed')
    .u8(v.plugged, 'plugged')
    .scaled(v.outputVoltageV, 10, 2, 'outputVoltageV')
    .scaled(v.outputCurrentA, 10, 2, 'outputCurrentA')
    .celsius(v.gunCableTempC, 'gunCableTempC')
    .hex(v.gunCableCode, 8, 'gunCableCode')
    .u8(v.socPercent, 'socPercent')
    .celsius(v.batteryMaxTempC, 'batteryMaxTempC')
    .u16(v.chargeTimeMin, 'chargeTimeMin')
    .u16(v.remainingTimeMin, 'remainingTimeMin')
    .scaled(v.energyKwh, 10_000, 4, 'energyKwh')
    .scaled(v.lossEnergyKwh, 10_000, 4, 'lossEnergyKwh')
    .scaled(v.amountYuan, 10_000, 4, 'amountYuan')
    .u16(v.hardwareFaults, 'hardwareFaults')
    .done();
}
