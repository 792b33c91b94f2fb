/**
 * Bodies of the GB/T 27930 relay frames 0x15-0x25 (docs/protocols/ykc.md §4, spec §7.3-7.10). All charger ->
 * platform. Currents with the GB/T -400 A offset are decoded to signed amperes.
 */
import type {
  BitValues,
  BMS_ABORT_ERROR,
  BMS_ABORT_FAULT,
  BMS_ABORT_REASON,
  BMS_INFO_FLAGS,
  CHARGER_ABORT_ERROR,
  CHARGER_ABORT_FAULT,
  CHARGER_ABORT_REASON,
  ERROR_REPORT_LAYOUT,
} from '../gbt-bits.js';

/** Transaction number, pile code and gun: the head of every frame of this family. */
export interface SessionHead {
  readonly transactionNo: string;
  readonly pileCode: string;
  readonly gun: string;
}

/** 0x15 charging handshake (BHM/BRM). */
export interface ChargingHandshake extends SessionHead {
  /** BMS protocol version, 3 bytes as hex in wire order (`010100` = V1.1). */
  readonly bmsProtocolVersion: string;
  /** 1 lead-acid, 2 NiMH, 3 LFP, 4 LMO, 5 LCO, 6 NCM, 7 polymer Li-ion, 8 LTO, 0xFF other. */
  readonly batteryType: number;
  /** Ah, 0.1 Ah resolution. */
  readonly ratedCapacityAh: number;
  /** V, 0.1 V resolution. */
  readonly ratedVoltageV: number;
  /** Battery manufacturer, 4 ASCII bytes. */
  readonly batteryManufacturer: string;
  /** Battery pack serial, 4 opaque bytes as hex. */
  readonly batteryPackSerial: string;
  /** Production date: year (raw + 1985), month, day. */
  readonly productionYear: number;
  readonly productionMonth: number;
  readonly productionDay: number;
  /** Charge cycles (3-byte count). */
  readonly chargeCycles: number;
  /** 0 leased, 1 owned. */
  readonly ownership: number;
  readonly reserved: number;
  /** VIN, 17 ASCII bytes. */
  readonly vin: string;
  /** BMS software version, 8 opaque bytes as hex. */
  readonly bmsSoftwareVersion: string;
}

/** 0x17 parameter configuration (BCP/CML). */
export interface ParameterConfig extends SessionHead {
  /** V, 0.01 V resolution. */
  readonly maxCellVoltageV: number;
  /** A (GB/T -400 A offset removed), 0.1 A resolution. */
  readonly maxChargeCurrentA: number;
  /** kWh, 0.1 kWh resolution. */
  readonly nominalEnergyKwh: number;
  readonly maxTotalVoltageV: number;
  readonly maxTempC: number;
  /** %, 0.1 % resolution. */
  readonly socPercent: number;
  readonly batteryVoltageV: number;
  readonly chargerMaxVoltageV: number;
  readonly chargerMinVoltageV: number;
  readonly chargerMaxCurrentA: number;
  readonly chargerMinCurrentA: number;
}

/** 0x19 charging end (BSD/CSD). */
export interface ChargingEnd extends SessionHead {
  readonly endSocPercent: number;
  /** V, 0.01 V resolution. */
  readonly minCellVoltageV: number;
  readonly maxCellVoltageV: number;
  readonly minTempC: number;
  readonly maxTempC: number;
  readonly chargeTimeMin: number;
  /** kWh, 0.1 kWh resolution. */
  readonly outputEnergyKwh: number;
  /** Charger number as sent (the spec gives it a 1 offset; not applied). */
  readonly chargerNo: number;
}

type ErrorReportFlags = BitValues<(typeof ERROR_REPORT_LAYOUT)[number]>;

/** 0x1B error frame (BEM/CEM): 2-bit timeout flags, 0 normal, 1 timeout, 2 untrusted. */
export type ErrorReport = SessionHead & ErrorReportFlags;

/** 0x1D BMS abort (BST). */
export interface BmsAbort extends SessionHead {
  readonly reason: BitValues<typeof BMS_ABORT_REASON>;
  readonly fault: BitValues<typeof BMS_ABORT_FAULT>;
  readonly error: BitValues<typeof BMS_ABORT_ERROR>;
}

/** 0x21 charger abort (CST). */
export interface ChargerAbort extends SessionHead {
  readonly reason: BitValues<typeof CHARGER_ABORT_REASON>;
  readonly fault: BitValues<typeof CHARGER_ABORT_FAULT>;
  readonly error: BitValues<typeof CHARGER_ABORT_ERROR>;
}

/** 0x23 BMS demand and charger output (BCL/BCS/CCS), every 15 s. */
export interface BmsDemand extends SessionHead {
  readonly demandVoltageV: number;
  /** A (GB/T -400 A offset removed). */
  readonly demandCurrentA: number;
  /** 1 constant voltage, 2 constant current. */
  readonly chargeMode: number;
  readonly measuredVoltageV: number;
  readonly measuredCurrentA: number;
  /** Highest cell voltage, V (bits 0-11, 0.01 V resolution). */
  readonly maxCellVoltageV: number;
  /** Group of the highest cell (bits 12-15). */
  readonly maxCellVoltageGroup: number;
  readonly socPercent: number;
  readonly remainingTimeMin: number;
  readonly outputVoltageV: number;
  readonly outputCurrentA: number;
  readonly chargeTimeMin: number;
}

/**
 * 0x25 BMS information (BSM), every 15 s. The spec packs the flags as 2-bit fields in one word
 * (body 31 bytes, `packed`); JCPP sends each flag as a 2-byte word (body 45 bytes, `words`,
 * docs/protocols/ykc.md §9 #4). The decoder picks the layout from the body length.
 */
export interface BmsInfo extends SessionHead {
  /** Number of the highest-voltage cell, as sent (the spec gives it a 1 offset; not applied). */
  readonly maxCellVoltageIndex: number;
  readonly maxTempC: number;
  /** Probe number of the highest temperature, as sent (1 offset not applied). */
  readonly maxTempProbe: number;
  readonly minTempC: number;
  readonly minTempProbe: number;
  readonly flagLayout: 'packed' | 'words';
  readonly flags: BitValues<typeof BMS_INFO_FLAGS>;
}
