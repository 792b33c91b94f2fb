/**
 * Plausibility of a family-B charge record before anything is billed from it. A record is a claim
 * the charger makes about money; these checks compare it with itself and with what the charger can
 * physically do:
 *
 * - `inconsistent`: a start or end time that cannot be read, an end before the start, a meter stop
 *   below the meter start, time-of-use energies or amounts that do not add up to the totals (a record
 *   whose period fields are all empty itemises nothing: only its totals count), meter readings
 *   whose difference is not the total energy;
 * - `energy`: more energy than the charger's rated power (`ratedPowerW` of the options, else a
 *   ceiling by current type) could deliver between the record's start and end, with a margin and a
 *   grace period for clocks and rounding.
 *
 * A record with no energy and no amount bills nothing and is never held. Pure: no clock, no I/O.
 */
import type { CurrentType, RecordHoldReason } from '../../src/model/events.js';
import type { TariffSlot } from './options.js';

/** A charge record's figures in canonical units (Wh, fen, UTC times). */
export interface RecordFigures {
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly meterStartWh?: number;
  readonly meterStopWh?: number;
  readonly energyWh: number;
  readonly amount?: number;
  readonly periods: readonly { readonly period: TariffSlot; readonly energyWh: number; readonly amount?: number }[];
}

export interface RecordProblem {
  readonly reason: RecordHoldReason;
  readonly detail: string;
}

/**
 * Ceilings when no rated power is configured: a DC charger of the newest GB/T generation stays below
 * 800 kW; GB/T AC charging tops out near 44 kW on three phases, 48 kW with a margin.
 */
const DEFAULT_MAX_POWER_W: Readonly<Record<CurrentType, number>> = { DC: 800_000, AC: 48_000 };
const POWER_MARGIN = 1.1;
const GRACE_SECONDS = 60;
/** Period sums against totals: each field rounds to 0.01 kWh / 0.01 yuan, four of them. */
const ENERGY_TOLERANCE_WH = 20;
const AMOUNT_TOLERANCE_FEN = 2;

export function checkRecordFigures(f: RecordFigures, ctx: { readonly ratedPowerW?: number; readonly currentType: CurrentType }): RecordProblem[] {
  const periodEnergy = f.periods.reduce((a, p) => a + p.energyWh, 0);
  const periodAmount = f.periods.reduce((a, p) => a + (p.amount ?? 0), 0);
  if (f.energyWh === 0 && (f.amount ?? 0) === 0 && periodEnergy === 0 && periodAmount === 0) return [];
  const problems: RecordProblem[] = [];
  const start = f.startedAt === undefined ? Number.NaN : Date.parse(f.startedAt);
  const end = f.endedAt === undefined ? Number.NaN : Date.parse(f.endedAt);
  const inconsistent = (detail: string): void => void problems.push({ reason: 'inconsistent', detail });
  if (!Number.isFinite(start) || !Number.isFinite(end)) inconsistent('start or end time unreadable');
  else if (end < start) inconsistent(`ends (${f.endedAt}) before it starts (${f.startedAt})`);
  if (f.meterStartWh !== undefined && f.meterStopWh !== undefined && f.meterStopWh < f.meterStartWh) inconsistent(`meter stop ${f.meterStopWh} Wh below meter start ${f.meterStartWh} Wh`);
  else if (f.meterStartWh !== undefined && f.meterStopWh !== undefined && Math.abs(f.meterStopWh - f.meterStartWh - f.energyWh) > ENERGY_TOLERANCE_WH + f.energyWh / 1000) {
    inconsistent(`meter readings ${f.meterStartWh} Wh to ${f.meterStopWh} Wh, the total energy says ${f.energyWh} Wh`);
  }
  const itemised = f.periods.some((p) => p.energyWh !== 0 || (p.amount ?? 0) !== 0);
  if (itemised && Math.abs(periodEnergy - f.energyWh) > ENERGY_TOLERANCE_WH + f.energyWh / 1000) {
    inconsistent(`period energies add up to ${round(periodEnergy)} Wh, the total says ${f.energyWh} Wh`);
  }
  if (itemised && f.amount !== undefined && f.periods.some((p) => p.amount !== undefined) && Math.abs(periodAmount - f.amount) > AMOUNT_TOLERANCE_FEN + f.amount / 1000) {
    inconsistent(`period amounts add up to ${round(periodAmount)} fen, the total says ${f.amount} fen`);
  }
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) {
    const maxW = ctx.ratedPowerW ?? DEFAULT_MAX_POWER_W[ctx.currentType];
    const seconds = (end - start) / 1000;
    const deliverable = (maxW * POWER_MARGIN * (seconds + GRACE_SECONDS)) / 3600;
    if (f.energyWh > deliverable) {
      problems.push({ reason: 'energy', detail: `${f.energyWh} Wh in ${Math.round(seconds)} s: more than ${maxW / 1000} kW (+10 %) can deliver (${Math.round(deliverable)} Wh)` });
    }
  }
  return problems;
}

const round = (x: number): number => Math.round(x * 100) / 100;
