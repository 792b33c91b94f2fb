/** Bodies of the real-time data frames 0x12 and 0x13 (docs/protocols/ykc.md §4, spec §7.1-7.2). */

/** 0x12 platform -> charger: send a 0x13 now. */
export interface ReadRealTimeData {
  readonly pileCode: string;
  readonly gun: string;
}

/** 0x13 charger -> platform: every 15 s while charging, 5 min idle, on change and on 0x12. */
export interface RealTimeData {
  /** Transaction serial, 32 BCD digits (all zero when idle). */
  readonly transactionNo: string;
  readonly pileCode: string;
  readonly gun: string;
  /** 0 offline, 1 fault, 2 idle, 3 charging (`GUN_STATUS`). */
  readonly status: number;
  /** Gun back in its holster: 0 no, 1 yes, 2 unknown. */
  readonly gunHomed: number;
  /** Gun plugged into the vehicle: 0 no, 1 yes. */
  readonly plugged: number;
  /** V, 0.1 V resolution. */
  readonly outputVoltageV: number;
  /** A, 0.1 A resolution. */
  readonly outputCurrentA: number;
  /** degC (raw - 50). */
  readonly gunCableTempC: number;
  /** Gun-cable code, 8 opaque bytes as hex. */
  readonly gunCableCode: string;
  readonly socPercent: number;
  /** Highest battery temperature, degC (raw - 50). */
  readonly batteryMaxTempC: number;
  readonly chargeTimeMin: number;
  readonly remainingTimeMin: number;
  /** kWh, 4 decimals. */
  readonly energyKwh: number;
  /** Loss-adjusted energy (计损充电度数), kWh, 4 decimals. */
  readonly lossEnergyKwh: number;
  /** Amount charged so far, CNY, 4 decimals. */
  readonly amountYuan: number;
  /** Hardware-fault bitmask, bit 0 first as `HARDWARE_FAULT_BITS`. */
  readonly hardwareFaults: number;
}
