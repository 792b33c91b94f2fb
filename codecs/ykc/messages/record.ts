/** Bodies of the transaction record 0x3B (v1.5/1.6), 0x3D (v1.7) and its confirmation 0x40 (docs/protocols/ykc.md §4, spec §8.7-8.8). */
import type { YkcTimestamp } from '../fields.js';

/** One rate's share of a session. */
export interface RateUsage {
  /** Unit price (electricity + service), CNY/kWh with 5 decimals. */
  readonly unitPrice: number;
  /** kWh, 4 decimals. */
  readonly energyKwh: number;
  /** Loss-adjusted energy, kWh, 4 decimals. */
  readonly lossEnergyKwh: number;
  /** CNY, 4 decimals. */
  readonly amountYuan: number;
}

/** 0x3B charger -> platform: the bill of one start attempt. */
export interface TransactionRecord {
  readonly transactionNo: string;
  readonly pileCode: string;
  readonly gun: string;
  readonly startTime: YkcTimestamp;
  readonly endTime: YkcTimestamp;
  readonly tip: RateUsage;
  readonly peak: RateUsage;
  readonly flat: RateUsage;
  readonly valley: RateUsage;
  /** Meter register at start, kWh with 4 decimals (5 bytes since v1.5). */
  readonly meterStartKwh: number;
  readonly meterEndKwh: number;
  readonly totalEnergyKwh: number;
  readonly totalLossEnergyKwh: number;
  /** Total amount (electricity + service), CNY with 4 decimals. */
  readonly totalAmountYuan: number;
  /** VIN in normal order (not reversed here, spec §8.7); empty when unknown. */
  readonly vin: string;
  /** 1 app, 2 card, 4 offline card, 5 VIN (`TRADE_FLAG`). */
  readonly tradeFlag: number;
  readonly tradeTime: YkcTimestamp;
  /** Stop reason code (docs/protocols/ykc.md §5). */
  readonly stopReason: number;
  /** Physical card number (8 bytes, rendered as configured). */
  readonly physicalCardNo: string;
}

/** 0x3D (v1.7): 0x3B with the meter's signed data after the end time [S6 JCPP v170]. */
export interface TransactionRecordV17 extends TransactionRecord {
  /** Meter serial, 12 BCD digits. */
  readonly meterSerial: string;
  /** Meter ciphertext, 34 opaque bytes as hex. */
  readonly meterCiphertext: string;
  readonly meterProtocolVersion: number;
  readonly meterEncryption: number;
}

/** 0x40 platform -> charger: the record was received (not: settled). */
export interface TransactionRecordConfirm {
  readonly transactionNo: string;
  /** 0 accepted, 1 illegal record. */
  readonly result: number;
}
