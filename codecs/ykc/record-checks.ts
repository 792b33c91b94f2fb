/**
 * Plausibility of a YKC transaction record (0x3B / 0x3D) before anything is billed from it. A
 * record is a claim the pile makes about money; these checks compare it with what the gateway
 * knows independently of it:
 *
 * - `inconsistent`: the record contradicts itself: a start or end time that cannot be read, an end
 *   before the start, a meter stop below the meter start, per-period energies or amounts (tip,
 *   peak, flat, valley) that do not add up to the totals (a record whose per-period fields are all
 *   empty, as some firmware sends them, itemises nothing: only its totals are checked);
 * - `energy`: more energy than the pile's rated power (the options' `recordChecks.maxPowerW`, else
 *   `ratedPowerW`, else a ceiling by pile type from the login: `DEFAULT_MAX_POWER_W`) could
 *   deliver between the record's start and end, with a margin and a grace period for clocks and
 *   rounding; and, for a session the gateway watched, more than that power could have added to
 *   the energy its last real-time data showed, since then by the gateway's own clock (the record's
 *   times are the pile's word: an early start time makes any energy fit its duration);
 * - `tariff`: per-period amounts that disagree, beyond a tolerance, with energy x (electricity +
 *   service price) of every billing model the gateway gave this pile (0x0A, 0x58); a record with
 *   totals only, a total amount outside energy x the cheapest and the dearest rate the model uses.
 *   The amount may be computed on the energy or on the loss-adjusted energy.
 *
 * A record with no energy and no amount bills nothing and is never held. Pure: no clock, no I/O.
 */
import type { CurrentType, RecordHoldReason } from '../../src/model/events.js';
import type { RateUsage } from './messages/record.js';
import type { YkcTariff } from './messages/billing.js';
import type { YkcFrameOf } from './types.js';

export type RecordFrame = YkcFrameOf<'transactionRecord'> | YkcFrameOf<'transactionRecordV17'>;

/** The `recordChecks` section of the YKC options; every field is optional. */
export interface RecordCheckOptions {
  /** Rated power (W) a record's energy is measured against; default `ratedPowerW`, else by pile type. */
  readonly maxPowerW?: number;
  /** Margin on that power, percent (default 10). */
  readonly powerMarginPercent?: number;
  /** Seconds added to a session's duration (clock steps, rounding of the record's times; default 60). */
  readonly graceSeconds?: number;
  /** Tolerance of an amount against the tariff: the larger of this percentage (default 5) ... */
  readonly amountTolerancePercent?: number;
  /** ... and this many CNY (default 0.5). */
  readonly amountToleranceYuan?: number;
  /** Each family of checks can be switched off (default: all on). */
  readonly consistency?: boolean;
  readonly energy?: boolean;
  readonly tariff?: boolean;
  /**
   * Transaction serials an operator reviewed and releases: billed as they are, whatever the checks
   * say (effective when the options are loaded, i.e. at the gateway's start).
   */
  readonly release?: readonly string[];
}

/** One thing wrong with a record. */
export interface RecordProblem {
  readonly reason: RecordHoldReason;
  readonly detail: string;
}

/** What the gateway knows about the pile beside the record. */
export interface RecordCheckContext {
  /** The pile's rated power from the options (`ratedPowerW`), if configured. */
  readonly ratedPowerW?: number;
  /** AC or DC, from the pile's login. */
  readonly currentType: CurrentType;
  /** Every billing model the gateway gave this pile, the one in force first. */
  readonly tariffs: readonly YkcTariff[];
  /** What the gateway saw of the session: its energy in the last real-time data, and how long before the record that came (gateway clock). */
  readonly seen?: { readonly energyKwh: number; readonly secondsBefore: number };
}

/**
 * Ceilings when no rated power is configured: a DC gun of the newest GB/T generation stays below
 * 800 kW; GB/T AC charging tops out at 63 A on three phases (about 44 kW), 48 kW with a margin.
 */
const DEFAULT_MAX_POWER_W: Readonly<Record<CurrentType, number>> = { DC: 800_000, AC: 48_000 };

/** A record's time-of-use periods, in the order of its fields. */
export const PERIODS = ['tip', 'peak', 'flat', 'valley'] as const;
/** Per-period sums against the totals: the fields are integers of 10^-4 kWh / CNY, four of them. */
const SUM_TOLERANCE = 0.001;

/** The record's problems, most telling reason first; empty when it is plausible or released. */
export function checkRecord(f: RecordFrame, o: RecordCheckOptions, ctx: RecordCheckContext): RecordProblem[] {
  if (o.release?.some((no) => no.toUpperCase() === f.transactionNo.toUpperCase()) === true) return [];
  if (f.totalEnergyKwh === 0 && f.totalAmountYuan === 0 && PERIODS.every((p) => f[p].energyKwh === 0 && f[p].amountYuan === 0)) return [];
  const problems: RecordProblem[] = [];
  const start = f.startTime.utc === null ? undefined : Date.parse(f.startTime.utc);
  const end = f.endTime.utc === null ? undefined : Date.parse(f.endTime.utc);
  if (o.consistency !== false) problems.push(...inconsistencies(f, start, end));
  if (o.energy !== false) {
    const maxW = o.maxPowerW ?? ctx.ratedPowerW ?? DEFAULT_MAX_POWER_W[ctx.currentType];
    const margin = 1 + (o.powerMarginPercent ?? 10) / 100;
    const power = `${maxW / 1000} kW (+${Math.round((margin - 1) * 100)} %)`;
    const deliverable = (seconds: number): number => (maxW * margin * (seconds + (o.graceSeconds ?? 60))) / 3_600_000;
    const seconds = start !== undefined && end !== undefined && end >= start ? (end - start) / 1000 : undefined;
    const seen = ctx.seen;
    if (seconds !== undefined && f.totalEnergyKwh > deliverable(seconds)) {
      problems.push({ reason: 'energy', detail: `${f.totalEnergyKwh} kWh in ${Math.round(seconds)} s: more than ${power} can deliver (${deliverable(seconds).toFixed(3)} kWh)` });
    } else if (seen !== undefined && f.totalEnergyKwh > seen.energyKwh + deliverable(Math.max(0, seen.secondsBefore))) {
      const limitKwh = seen.energyKwh + deliverable(Math.max(0, seen.secondsBefore));
      problems.push({
        reason: 'energy',
        detail: `${f.totalEnergyKwh} kWh, but the session showed ${seen.energyKwh} kWh ${Math.round(seen.secondsBefore)} s before: more than ${power} can add (${limitKwh.toFixed(3)} kWh)`,
      });
    }
  }
  if (o.tariff !== false && ctx.tariffs.length > 0 && !ctx.tariffs.some((t) => tariffMismatch(f, t, o) === undefined)) {
    problems.push({ reason: 'tariff', detail: tariffMismatch(f, ctx.tariffs[0] as YkcTariff, o) ?? 'amounts disagree with the billing model' });
  }
  return problems;
}

/** False when every per-period field is empty: the record states its totals only. */
export function itemised(f: RecordFrame): boolean {
  return PERIODS.some((p) => f[p].energyKwh !== 0 || f[p].lossEnergyKwh !== 0 || f[p].amountYuan !== 0);
}

function inconsistencies(f: RecordFrame, start: number | undefined, end: number | undefined): RecordProblem[] {
  const found: string[] = [];
  if (start === undefined || end === undefined) found.push('start or end time unreadable');
  else if (end < start) found.push(`ends (${f.endTime.utc}) before it starts (${f.startTime.utc})`);
  if (f.meterEndKwh < f.meterStartKwh) found.push(`meter stop ${f.meterEndKwh} kWh below meter start ${f.meterStartKwh} kWh`);
  if (!itemised(f)) return found.map((detail) => ({ reason: 'inconsistent', detail }));
  const energy = sum(PERIODS.map((p) => f[p].energyKwh));
  if (Math.abs(energy - f.totalEnergyKwh) > SUM_TOLERANCE) found.push(`period energies add up to ${round4(energy)} kWh, the total says ${f.totalEnergyKwh} kWh`);
  const amount = sum(PERIODS.map((p) => f[p].amountYuan));
  if (Math.abs(amount - f.totalAmountYuan) > SUM_TOLERANCE) found.push(`period amounts add up to ${round4(amount)} CNY, the total says ${f.totalAmountYuan} CNY`);
  return found.map((detail) => ({ reason: 'inconsistent', detail }));
}

/** Why the record's amounts disagree with `t`, or undefined when they agree. */
function tariffMismatch(f: RecordFrame, t: YkcTariff, o: RecordCheckOptions): string | undefined {
  const tolerance = (expected: number): number => Math.max(o.amountToleranceYuan ?? 0.5, ((o.amountTolerancePercent ?? 5) / 100) * expected);
  if (!itemised(f)) return totalMismatch(f, t, tolerance);
  const agrees = (u: RateUsage, price: number): boolean => [u.energyKwh, u.lossEnergyKwh].some((kwh) => Math.abs(u.amountYuan - kwh * price) <= tolerance(kwh * price));
  let expected = 0;
  for (const p of PERIODS) {
    const price = t[p].electricity + t[p].service;
    const u = f[p];
    expected += u.energyKwh * price;
    if (!agrees(u, price)) return `${p}: ${u.amountYuan} CNY for ${u.energyKwh} kWh, billing model ${t.billingModelId} says ${round4(u.energyKwh * price)} CNY at ${round4(price)} CNY/kWh`;
  }
  const loss = sum(PERIODS.map((p) => f[p].lossEnergyKwh * (t[p].electricity + t[p].service)));
  if (Math.abs(f.totalAmountYuan - expected) > tolerance(expected) && Math.abs(f.totalAmountYuan - loss) > tolerance(loss)) {
    return `total ${f.totalAmountYuan} CNY, billing model ${t.billingModelId} says ${round4(expected)} CNY`;
  }
  return undefined;
}

/**
 * A record with totals only: its time-of-use split is unknown, so its total amount must lie between
 * its energy (or loss-adjusted energy) at the cheapest and at the dearest rate `t`'s periods use.
 */
function totalMismatch(f: RecordFrame, t: YkcTariff, tolerance: (expected: number) => number): string | undefined {
  const used = PERIODS.filter((p, i) => t.periods.includes(i));
  const prices = (used.length > 0 ? used : PERIODS).map((p) => t[p].electricity + t[p].service);
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  const within = (kwh: number): boolean => f.totalAmountYuan >= kwh * low - tolerance(kwh * low) && f.totalAmountYuan <= kwh * high + tolerance(kwh * high);
  if (within(f.totalEnergyKwh) || within(f.totalLossEnergyKwh)) return undefined;
  const says =
    low === high
      ? `${round4(f.totalEnergyKwh * low)} CNY (${round4(low)} CNY/kWh)`
      : `${round4(f.totalEnergyKwh * low)} to ${round4(f.totalEnergyKwh * high)} CNY (${round4(low)} to ${round4(high)} CNY/kWh)`;
  return `total ${f.totalAmountYuan} CNY for ${f.totalEnergyKwh} kWh, billing model ${t.billingModelId} says ${says}`;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
