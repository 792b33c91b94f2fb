/**
 * One gun of the family-B charger simulator: plugged or not, its session (serial, card, start
 * figures), and a meter that runs in whole 10 Wh steps (0.01 kWh, the finest resolution the dialects
 * carry) so that every figure the charger reports adds up exactly: the time-of-use period energies
 * sum to the session's energy, meter stop = meter start + energy, the period amounts (energy ×
 * (energy price + service price) of the billing model in force, in fen) sum to the amount.
 */
import type { TariffSlot, Sgcc104Tariff } from '../../../codecs/sgcc104/options.js';
import { instantToWall } from '../../core/time-zone.js';
import type { PeriodValues } from './spec.js';

/** The billing model a charger uses until the gateway sends one: one flat period all day. */
export const DEFAULT_TARIFF: Sgcc104Tariff = {
  billingModelId: '0',
  prices: { tip: { energy: 1.2, service: 0.4 }, peak: { energy: 1, service: 0.4 }, flat: { energy: 0.8, service: 0.4 }, valley: { energy: 0.4, service: 0.4 } },
  periods: [{ from: '00:00', slot: 'flat' }],
};

const SLOTS: readonly TariffSlot[] = ['tip', 'peak', 'flat', 'valley'];
/** The meter's step, Wh. */
const STEP_WH = 10;

/** The slot of `tariff` in force at instant `ms` on a clock in `timeZone`. */
export function slotAt(tariff: Sgcc104Tariff, ms: number, timeZone: string): TariffSlot {
  const wall = new Date(instantToWall(ms, timeZone).wall);
  const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes();
  let slot: TariffSlot = tariff.periods[0]?.slot ?? 'flat';
  for (const p of tariff.periods) {
    const [h, m] = p.from.split(':').map(Number);
    if ((h ?? 0) * 60 + (m ?? 0) <= minute) slot = p.slot;
  }
  return slot;
}

/** A finished (or running) session's figures, as the charge record and charging data carry them. */
export interface SessionFigures {
  readonly transactionId: string;
  readonly idToken: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly meterStartWh: number;
  readonly meterStopWh: number;
  readonly energyWh: number;
  readonly amountYuan: number;
  readonly periods: PeriodValues;
  /** Canonical end reason (`VALUE_WORDS.endReason`), once ended. */
  readonly endReason?: string;
  /** Whether the charger was offline when the session ended (the offline record variant, if the dialect has one). */
  readonly offline: boolean;
}

interface Session {
  readonly transactionId: string;
  readonly idToken: string;
  readonly startMs: number;
  readonly meterStartWh: number;
  /** Meter steps (10 Wh) per slot. */
  readonly steps: Record<TariffSlot, number>;
}

export class SimGun {
  plugged = false;
  /** A fault raised by a test (`monitoring` reports it as faulted). */
  faulted = false;
  /** The meter register, Wh (a multiple of 10). */
  registerWh: number;
  /** Energy drawn but not yet a whole meter step, Wh. */
  private carryWh = 0;
  private session: Session | undefined;
  private lastMs = 0;

  constructor(
    readonly connector: number,
    initialWh: number,
    /** Power while charging, W. */
    readonly powerW: number,
    /** Voltage while charging, V. */
    readonly voltageV: number,
  ) {
    this.registerWh = Math.round(initialWh / STEP_WH) * STEP_WH;
  }

  get charging(): boolean {
    return this.session !== undefined;
  }

  get transactionId(): string | undefined {
    return this.session?.transactionId;
  }

  /** Current while charging, A. */
  get currentA(): number {
    return this.charging ? Math.round((this.powerW / this.voltageV) * 100) / 100 : 0;
  }

  start(transactionId: string, idToken: string, nowMs: number): void {
    this.plugged = true;
    this.session = { transactionId, idToken, startMs: nowMs, meterStartWh: this.registerWh, steps: { tip: 0, peak: 0, flat: 0, valley: 0 } };
    this.lastMs = nowMs;
    this.carryWh = 0;
  }

  /** Runs the meter up to `nowMs`, the energy going to the slot in force now. */
  accumulate(nowMs: number, slot: TariffSlot): void {
    const s = this.session;
    if (s === undefined) return;
    this.carryWh += (this.powerW * Math.max(0, nowMs - this.lastMs)) / 3_600_000;
    this.lastMs = nowMs;
    const steps = Math.floor(this.carryWh / STEP_WH);
    if (steps <= 0) return;
    this.carryWh -= steps * STEP_WH;
    s.steps[slot] += steps;
    this.registerWh += steps * STEP_WH;
  }

  /** The running session's figures up to now (after `accumulate`). */
  figures(nowMs: number, tariff: Sgcc104Tariff, offline = false, endReason?: string): SessionFigures | undefined {
    const s = this.session;
    if (s === undefined) return undefined;
    const periods: Record<string, { energyWh: number; amountYuan: number }> = {};
    let fen = 0;
    let energyWh = 0;
    for (const slot of SLOTS) {
      const wh = s.steps[slot] * STEP_WH;
      const price = tariff.prices[slot];
      // Per period in whole fen; the total is their sum, so the record's amounts add up.
      const periodFen = Math.round((wh / 1000) * (price.energy + price.service) * 100);
      periods[slot] = { energyWh: wh, amountYuan: periodFen / 100 };
      fen += periodFen;
      energyWh += wh;
    }
    return {
      transactionId: s.transactionId,
      idToken: s.idToken,
      startMs: s.startMs,
      endMs: nowMs,
      meterStartWh: s.meterStartWh,
      meterStopWh: s.meterStartWh + energyWh,
      energyWh,
      amountYuan: fen / 100,
      periods,
      offline,
      ...(endReason === undefined ? {} : { endReason }),
    };
  }

  /** Ends the session; returns its figures. */
  stop(nowMs: number, tariff: Sgcc104Tariff, endReason: string, offline: boolean): SessionFigures | undefined {
    const f = this.figures(nowMs, tariff, offline, endReason);
    this.session = undefined;
    return f;
  }
}
