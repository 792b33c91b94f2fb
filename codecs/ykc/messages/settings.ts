/**
 * Bodies of the platform settings frames 0x51/0x52 (work parameters), 0x55/0x56 (time sync) and the
 * parking-lock frames 0x61-0x63 (docs/protocols/ykc.md §4, spec §9.1-9.4, §10).
 */
import type { YkcTimestamp } from '../fields.js';

/** 0x52 platform -> charger. */
export interface WorkParams {
  readonly pileCode: string;
  /** 0 allowed to work, 1 locked / out of service. */
  readonly disabled: number;
  /** Maximum output power, % of rated (spec: 30..100; the value is sent as given). */
  readonly maxPowerPercent: number;
}

/** 0x51 (answer to 0x52), 0x57 (answer to 0x58), 0x91 (answer to 0x92) charger -> platform. */
export interface PileResult {
  readonly pileCode: string;
  /** 0 failure, 1 success. */
  readonly result: number;
}

/** 0x56 platform -> charger (daily) and 0x55 charger -> platform (its answer, echoing the time). */
export interface TimeSync {
  readonly pileCode: string;
  readonly time: YkcTimestamp;
}

/** 0x61 charger -> platform: parking-lock state, on change and every 5 min. */
export interface ParkingLockStatus {
  readonly pileCode: string;
  readonly gun: string;
  /** 0 not in position, 0x55 raised, 0xFF lowered. */
  readonly lockState: number;
  /** 0 empty, 0xFF occupied. */
  readonly spaceState: number;
  readonly batteryPercent: number;
  /** 0 none, 0xFF arm damaged while idle, 0x55 arm lift fault. */
  readonly alarm: number;
  /** 4 reserved bytes as hex. */
  readonly reserved: string;
}

/** 0x62 platform -> charger. */
export interface ParkingLockCommand {
  readonly pileCode: string;
  readonly gun: string;
  /** 0x55 raise, 0xFF lower. */
  readonly action: number;
  readonly reserved: string;
}

/** 0x63 charger -> platform. */
export interface ParkingLockAnswer {
  readonly pileCode: string;
  readonly gun: string;
  /** 1 success, 0 failure. */
  readonly result: number;
  readonly reserved: string;
}
