/**
 * YKC frames as a charger builds them: real-time data (0x13) and transaction records (0x3B) from a
 * few parameters, for the simulator and for tests.
 */
import { DEFAULT_TIME_ZONE, timestampFromDate, type YkcFrameOf } from '../../../codecs/ykc/index.js';

export const ZERO_TXN = '0'.repeat(32);

export interface RealTimeParams {
  readonly sequence?: number;
  readonly transactionNo?: string;
  readonly pileCode: string;
  readonly gun?: string;
  readonly status: number;
  readonly plugged?: number;
  readonly voltageV?: number;
  readonly currentA?: number;
  readonly energyKwh?: number;
  readonly socPercent?: number;
  readonly gunCableTempC?: number;
  readonly hardwareFaults?: number;
}

export function realTimeFrame(p: RealTimeParams): YkcFrameOf<'realTimeData'> {
  return {
    type: 'realTimeData',
    sequence: p.sequence ?? 0,
    transactionNo: p.transactionNo ?? ZERO_TXN,
    pileCode: p.pileCode,
    gun: p.gun ?? '01',
    status: p.status,
    gunHomed: p.plugged === 1 ? 0 : 1,
    plugged: p.plugged ?? 0,
    outputVoltageV: p.voltageV ?? 0,
    outputCurrentA: p.currentA ?? 0,
    gunCableTempC: p.gunCableTempC ?? 25,
    gunCableCode: '0000000000000000',
    socPercent: p.socPercent ?? 0,
    batteryMaxTempC: 25,
    chargeTimeMin: 0,
    remainingTimeMin: 0,
    energyKwh: p.energyKwh ?? 0,
    lossEnergyKwh: p.energyKwh ?? 0,
    amountYuan: 0,
    hardwareFaults: p.hardwareFaults ?? 0,
  };
}

export interface RecordParams {
  readonly sequence?: number;
  readonly transactionNo: string;
  readonly pileCode: string;
  readonly gun?: string;
  readonly start: Date;
  readonly end: Date;
  readonly meterStartKwh: number;
  readonly meterEndKwh: number;
  readonly amountYuan?: number;
  readonly tradeFlag?: number;
  readonly stopReason: number;
  readonly physicalCardNo?: string;
  readonly vin?: string;
  readonly timeZone?: string;
}

export function recordFrame(p: RecordParams): YkcFrameOf<'transactionRecord'> {
  const tz = p.timeZone ?? DEFAULT_TIME_ZONE;
  const energy = Math.round((p.meterEndKwh - p.meterStartKwh) * 10_000) / 10_000;
  const amount = p.amountYuan ?? Math.round(energy * 1.4 * 10_000) / 10_000;
  const none = { unitPrice: 1.4, energyKwh: 0, lossEnergyKwh: 0, amountYuan: 0 };
  return {
    type: 'transactionRecord',
    sequence: p.sequence ?? 0,
    transactionNo: p.transactionNo,
    pileCode: p.pileCode,
    gun: p.gun ?? '01',
    startTime: timestampFromDate(p.start, tz),
    endTime: timestampFromDate(p.end, tz),
    tip: none,
    peak: none,
    flat: { unitPrice: 1.4, energyKwh: energy, lossEnergyKwh: energy, amountYuan: amount },
    valley: none,
    meterStartKwh: p.meterStartKwh,
    meterEndKwh: p.meterEndKwh,
    totalEnergyKwh: energy,
    totalLossEnergyKwh: energy,
    totalAmountYuan: amount,
    vin: p.vin ?? '',
    tradeFlag: p.tradeFlag ?? 2,
    tradeTime: timestampFromDate(p.end, tz),
    stopReason: p.stopReason,
    physicalCardNo: p.physicalCardNo ?? '0',
  };
}
