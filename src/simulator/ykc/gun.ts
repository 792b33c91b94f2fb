/**
 * One gun of the YKC charger simulator: its state (idle / charging, plugged, fault bits), the meter
 * it runs up while charging, and the real-time data (0x13) and transaction record (0x3B) it reports.
 */
import type { YkcFrameOf } from '../../../codecs/ykc/index.js';
import { every, systemSimulatorClock, type SimulatorClock } from '../clock.js';
import { realTimeFrame, recordFrame, ZERO_TXN } from './frames.js';

/** Two-digit gun code as frames carry it (gun 1 -> `01`). */
export function gunCode(gun: number): string {
  return String(gun).padStart(2, '0');
}

export interface YkcGunSetup {
  readonly pileCode: string;
  /** Gun number, from 1. */
  readonly gun: number;
  /** Output while charging. */
  readonly voltageV: number;
  readonly currentA: number;
  readonly timeZone: string;
  /** Default the real clock. */
  readonly clock?: SimulatorClock;
}

export class YkcSimGun {
  readonly code: string;
  transactionNo = ZERO_TXN;
  /** 0x13 status: 2 idle, 3 charging (1 fault is reported while faults are set and not charging). */
  status = 2;
  plugged = 0;
  /** Hardware-fault bitmask (0x13). */
  faults = 0;
  startedAt = 0;
  meterStartKwh = 0;
  meterKwh = 1000;
  tradeFlag = 1;
  card = '0';
  vin = '';
  private stopReports?: () => void;
  private readonly clock: SimulatorClock;
  /** When the meter was last run up in this session. */
  private lastAccumulate: number | undefined;

  constructor(private readonly setup: YkcGunSetup) {
    this.code = gunCode(setup.gun);
    this.clock = setup.clock ?? systemSimulatorClock;
  }

  get charging(): boolean {
    return this.status === 3;
  }

  /** Starts a session: reports it, then runs up the meter and reports again every `reportEveryMs`. */
  start(transactionNo: string, tradeFlag: number, card: string, reportEveryMs: number, report: () => void): void {
    // A start on a charging gun replaces its session (and its report timer).
    this.stopTimer();
    this.lastAccumulate = undefined;
    this.transactionNo = transactionNo;
    this.status = 3;
    this.plugged = 1;
    this.tradeFlag = tradeFlag;
    this.card = card;
    this.startedAt = this.clock.now();
    this.meterStartKwh = this.meterKwh;
    report();
    this.stopReports = every(this.clock, reportEveryMs, () => {
      this.accumulate();
      report();
    });
  }

  /** Ends the session (the meter run up to now); `takeRecord` then gives its record. */
  stop(): void {
    this.accumulate();
    this.stopTimer();
    this.status = 2;
  }

  /** The record of the session just stopped, with `stopReason` (docs/protocols/ykc.md §5); the gun forgets its serial. */
  takeRecord(stopReason: number): YkcFrameOf<'transactionRecord'> {
    const frame = recordFrame({
      transactionNo: this.transactionNo,
      pileCode: this.setup.pileCode,
      gun: this.code,
      start: new Date(this.startedAt),
      end: new Date(this.clock.now()),
      meterStartKwh: this.meterStartKwh,
      meterEndKwh: this.meterKwh,
      tradeFlag: this.tradeFlag,
      stopReason,
      physicalCardNo: this.tradeFlag === 2 ? this.card : '0',
      vin: this.vin,
      timeZone: this.setup.timeZone,
    });
    this.transactionNo = ZERO_TXN;
    return frame;
  }

  stopTimer(): void {
    this.stopReports?.();
    this.stopReports = undefined;
  }

  realTime(): YkcFrameOf<'realTimeData'> {
    const charging = this.charging;
    return realTimeFrame({
      transactionNo: charging ? this.transactionNo : ZERO_TXN,
      pileCode: this.setup.pileCode,
      gun: this.code,
      status: this.faults !== 0 && !charging ? 1 : this.status,
      plugged: this.plugged,
      voltageV: charging ? this.setup.voltageV : 0,
      currentA: charging ? this.setup.currentA : 0,
      energyKwh: charging ? Math.round((this.meterKwh - this.meterStartKwh) * 10_000) / 10_000 : 0,
      socPercent: charging ? 50 : 0,
      hardwareFaults: this.faults,
    });
  }

  private accumulate(): void {
    const now = this.clock.now();
    const last = this.lastAccumulate ?? this.startedAt;
    const kw = (this.setup.voltageV * this.setup.currentA) / 1000;
    this.meterKwh = Math.round((this.meterKwh + (kw * (now - last)) / 3_600_000) * 10_000) / 10_000;
    this.lastAccumulate = now;
  }
}
