/** Parsers of the real-time data frames 0x12 and 0x13 (docs/protocols/ykc.md §4). */
import type { ReadRealTimeData, RealTimeData } from '../messages/realtime.js';
import { celsius, hex, scaled } from '../fields.js';
import { compile, fixed, le, pileGun, txnPileGun, type BodyDecoder } from './common.js';

const read = compile(pileGun(le()));

const realTime = compile(
  txnPileGun(le())
    .uint8('status')
    .uint8('gunHomed')
    .uint8('plugged')
    .uint16('outputVoltageV', { formatter: scaled(10) })
    .uint16('outputCurrentA', { formatter: scaled(10) })
    .uint8('gunCableTempC', { formatter: celsius })
    .buffer('gunCableCode', { length: 8, formatter: hex })
    .uint8('socPercent')
    .uint8('batteryMaxTempC', { formatter: celsius })
    .uint16('chargeTimeMin')
    .uint16('remainingTimeMin')
    .uint32('energyKwh', { formatter: scaled(10_000) })
    .uint32('lossEnergyKwh', { formatter: scaled(10_000) })
    .uint32('amountYuan', { formatter: scaled(10_000) })
    .uint16('hardwareFaults'),
);

export const decodeReadRealTimeData: BodyDecoder<ReadRealTimeData> = fixed(read, 8);
export const decodeRealTimeData: BodyDecoder<RealTimeData> = fixed(realTime, 60);
