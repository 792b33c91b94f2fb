/**
 * Composite charging schedules (OCPP 2.0.1 K08) and the limit in force at an instant, from the
 * installed charging profiles. Pure: no I/O, no clock; times are epoch ms.
 *
 * Rules (Part 2 §K, "Smart charging"; stated from the use cases K01/K08 and the K01.FR list):
 * - A profile counts at instant t when validFrom ≤ t < validTo and its schedule has a period at t:
 *   Absolute starts at `startSchedule`; Relative at the start of the EVSE's transaction (without
 *   one: the composite's start, or — for the live limit — "a session starting now", i.e. always
 *   its first period); Recurring repeats `startSchedule` every day/week (also backwards: it gives
 *   the phase), each occurrence cut by the next one. A schedule ends `duration` s after its start;
 *   without `duration` its last period lasts until the next occurrence (Recurring) or forever.
 *   Only the first chargingSchedule is used (more than one is ISO 15118 only).
 * - Per purpose, the counting profile with the highest stackLevel wins (a profile whose schedule
 *   has expired leaves room for lower levels). An EVSE's TxDefaultProfile overrides one on EVSE 0.
 * - EVSE n: TxProfile (of the running transaction) if one counts, else TxDefaultProfile; the result
 *   is the minimum of that, ChargingStationMaxProfile (EVSE 0) and any
 *   ChargingStationExternalConstraints (EVSE n or 0). EVSE 0: ChargingStationMaxProfile and
 *   external constraints on EVSE 0 only.
 * - A↔W: AC: W = A × U × phases, U = 230 V nominal phase voltage (configurable), phases =
 *   numberPhases or 3 when absent (ChargingSchedulePeriodType: "numberPhases=3 will be assumed").
 *   DC: W = A × U only when a DC voltage is given; otherwise mixing units throws
 *   {@link UnitConversionError}. Converted values are rounded DOWN to 0.1 (limits carry at most one
 *   decimal; rounding down never exceeds the limit).
 * - Composite periods are merged while the limit (and numberPhases) does not change.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';

export type ChargingProfile = RequestOf<'SetChargingProfile'>['chargingProfile'];
export type ChargingSchedule = ChargingProfile['chargingSchedule'][number];
export type ChargingProfilePurpose = ChargingProfile['chargingProfilePurpose'];
export type RateUnit = ChargingSchedule['chargingRateUnit'];
export type CompositeSchedule = NonNullable<ResponseOf<'GetCompositeSchedule'>['schedule']>;
type CompositePeriod = CompositeSchedule['chargingSchedulePeriod'][number];

/** A profile as installed by SetChargingProfile, with the evseId it was set for (0 = station). */
export interface InstalledProfile {
  readonly evseId: number;
  readonly profile: ChargingProfile;
}

/** The transaction running on an EVSE. */
export interface RunningTransaction {
  readonly id: string;
  /** Epoch ms: where Relative schedules start. */
  readonly startedAt: number;
}

/** What A↔W conversion needs. */
export interface ElectricalSpec {
  readonly currentType: 'AC' | 'DC';
  /** Nominal phase-to-neutral voltage of an AC supply; default {@link NOMINAL_AC_PHASE_VOLTAGE}. */
  readonly acPhaseVoltage?: number;
  /** DC output voltage to convert with; without it a DC charger never mixes A and W. */
  readonly dcVoltage?: number;
}

export interface Limit {
  readonly limit: number;
  readonly unit: RateUnit;
  /** AC only: phases of the winning period (absent = 3). */
  readonly numberPhases?: number;
}

export interface EffectiveLimit extends Limit {
  /** Epoch ms when this limit stops applying (the next change), absent when none is in sight. */
  readonly until?: number;
}

export interface LimitOptions {
  /** Default: AC at 230 V. */
  readonly spec?: ElectricalSpec;
  /** The transaction on the EVSE: selects its TxProfiles and anchors Relative schedules. */
  readonly transaction?: RunningTransaction;
  /** Fold the station-wide limits (EVSE 0) into an EVSE's limit. Default true. */
  readonly includeStation?: boolean;
  /** How far `until`/`nextChange` look ahead, ms. Default {@link LOOKAHEAD_MS}. */
  readonly lookaheadMs?: number;
}

/** A and W cannot be compared or converted (DC without a voltage). */
export class UnitConversionError extends Error {
  override readonly name = 'UnitConversionError';
}

/** No profile applies somewhere in a composite schedule and no fallback limit was given. */
export class NoLimitError extends Error {
  override readonly name = 'NoLimitError';
}

const NOMINAL_AC_PHASE_VOLTAGE = 230;
const DEFAULT_NUMBER_PHASES = 3;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Longer than a weekly recurrence: every recurring change is seen. */
export const LOOKAHEAD_MS = 8 * DAY_MS;
const AC_230: ElectricalSpec = { currentType: 'AC' };

/** Relative schedules start at a fixed instant, or at the evaluation instant itself ("floating"). */
type Anchor = number | 'floating';

interface Active extends Limit {
  readonly stackLevel: number;
  readonly specific: boolean;
}

const floorTenth = (x: number): number => Math.floor(x * 10 + 1e-9) / 10;

function voltsPerAmp(l: Limit, spec: ElectricalSpec): number {
  if (spec.currentType === 'AC') return (spec.acPhaseVoltage ?? NOMINAL_AC_PHASE_VOLTAGE) * (l.numberPhases ?? DEFAULT_NUMBER_PHASES);
  if (spec.dcVoltage === undefined) throw new UnitConversionError('DC charger without a voltage: A and W cannot be converted');
  return spec.dcVoltage;
}

/** The limit in W. @throws UnitConversionError for A on DC without a voltage. */
export function toWatts(l: Limit, spec: ElectricalSpec): number {
  return l.unit === 'W' ? l.limit : l.limit * voltsPerAmp(l, spec);
}

/** The limit's value in `to`, rounded down to 0.1 when converted. @throws UnitConversionError */
export function convertLimit(l: Limit, to: RateUnit, spec: ElectricalSpec): number {
  if (l.unit === to) return l.limit;
  return floorTenth(to === 'W' ? l.limit * voltsPerAmp(l, spec) : l.limit / voltsPerAmp(l, spec));
}

/** The lower of two limits (compared in W unless both are in the same unit and phases). */
function lower(a: Limit, b: Limit, spec: ElectricalSpec): Limit {
  const raw = a.unit === b.unit && (a.unit === 'W' || spec.currentType === 'DC' || (a.numberPhases ?? 3) === (b.numberPhases ?? 3));
  return (raw ? b.limit < a.limit : toWatts(b, spec) < toWatts(a, spec)) ? b : a;
}

const time = (iso: string | undefined, missing: number): number => (iso === undefined ? missing : Date.parse(iso));

function scheduleStart(p: ChargingProfile, s: ChargingSchedule, t: number, anchor: Anchor): number {
  const fixed = anchor === 'floating' ? t : anchor;
  if (p.chargingProfileKind === 'Relative') return fixed;
  const base = time(s.startSchedule ?? p.validFrom, fixed);
  if (p.chargingProfileKind !== 'Recurring') return base;
  const every = p.recurrencyKind === 'Weekly' ? WEEK_MS : DAY_MS;
  return base + Math.floor((t - base) / every) * every;
}

/** The period of `e` in force at `t`, if any. */
function activeAt(e: InstalledProfile, t: number, anchor: Anchor): Active | undefined {
  const p = e.profile;
  if (t < time(p.validFrom, -Infinity) || t >= time(p.validTo, Infinity)) return undefined;
  const s = p.chargingSchedule[0];
  if (s === undefined) return undefined;
  const start = scheduleStart(p, s, t, anchor);
  const offset = (t - start) / 1000;
  if (offset < 0 || (s.duration !== undefined && offset >= s.duration)) return undefined;
  let period: ChargingSchedule['chargingSchedulePeriod'][number] | undefined;
  for (const q of s.chargingSchedulePeriod) {
    if (q.startPeriod > offset) break;
    period = q;
  }
  if (period === undefined) return undefined;
  return { limit: period.limit, unit: s.chargingRateUnit, numberPhases: period.numberPhases, stackLevel: p.stackLevel, specific: e.evseId !== 0 };
}

interface Eval {
  readonly profiles: readonly InstalledProfile[];
  readonly evseId: number;
  readonly spec: ElectricalSpec;
  readonly tx: RunningTransaction | undefined;
  readonly anchor: Anchor;
  readonly includeStation: boolean;
}

function pick(ev: Eval, purpose: ChargingProfilePurpose, evse: number, t: number): Active | undefined {
  let best: Active | undefined;
  for (const e of ev.profiles) {
    if (e.evseId !== evse || e.profile.chargingProfilePurpose !== purpose) continue;
    if (purpose === 'TxProfile' && e.profile.transactionId !== ev.tx?.id) continue;
    const a = activeAt(e, t, ev.anchor);
    if (a !== undefined && (best === undefined || a.stackLevel > best.stackLevel)) best = a;
  }
  return best;
}

/** The limit in force at `t` (undefined = unlimited). @throws UnitConversionError */
function limitAt(ev: Eval, t: number): Limit | undefined {
  const parts: (Limit | undefined)[] = [];
  if (ev.evseId !== 0) {
    const tx = ev.tx !== undefined ? pick(ev, 'TxProfile', ev.evseId, t) : undefined;
    parts.push(tx ?? pick(ev, 'TxDefaultProfile', ev.evseId, t) ?? pick(ev, 'TxDefaultProfile', 0, t));
    parts.push(pick(ev, 'ChargingStationExternalConstraints', ev.evseId, t));
  }
  if (ev.evseId === 0 || ev.includeStation) {
    parts.push(pick(ev, 'ChargingStationMaxProfile', 0, t), pick(ev, 'ChargingStationExternalConstraints', 0, t));
  }
  let result: Limit | undefined;
  for (const p of parts) {
    if (p === undefined) continue;
    const l: Limit = { limit: p.limit, unit: p.unit, ...(p.numberPhases !== undefined && ev.spec.currentType === 'AC' ? { numberPhases: p.numberPhases } : {}) };
    result = result === undefined ? l : lower(result, l, ev.spec);
  }
  return result;
}

/** Every instant in (from, to) at which some relevant profile may change what is in force, sorted. */
function breakpoints(ev: Eval, from: number, to: number): number[] {
  const out = new Set<number>();
  const add = (x: number): void => {
    if (x > from && x < to) out.add(x);
  };
  for (const { profile: p } of ev.profiles) {
    add(time(p.validFrom, -Infinity));
    add(time(p.validTo, Infinity));
    const s = p.chargingSchedule[0];
    if (s === undefined || (p.chargingProfileKind === 'Relative' && ev.anchor === 'floating')) continue;
    const starts: number[] = [];
    if (p.chargingProfileKind === 'Recurring') {
      const every = p.recurrencyKind === 'Weekly' ? WEEK_MS : DAY_MS;
      for (let st = scheduleStart(p, s, from, ev.anchor); st < to; st += every) starts.push(st);
    } else {
      starts.push(scheduleStart(p, s, from, ev.anchor));
    }
    for (const st of starts) {
      for (const q of s.chargingSchedulePeriod) add(st + q.startPeriod * 1000);
      if (s.duration !== undefined) add(st + s.duration * 1000);
    }
  }
  return [...out].sort((a, b) => a - b);
}

function evaluation(profiles: readonly InstalledProfile[], evseId: number, opts: LimitOptions, anchor: Anchor): Eval {
  return {
    profiles: profiles.filter((e) => e.evseId === evseId || e.evseId === 0),
    evseId,
    spec: opts.spec ?? AC_230,
    tx: opts.transaction,
    anchor: opts.transaction?.startedAt ?? anchor,
    includeStation: opts.includeStation ?? true,
  };
}

const sameLimit = (a: Limit | undefined, b: Limit | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.limit === b.limit && a.unit === b.unit && a.numberPhases === b.numberPhases;

function firstChange(ev: Eval, at: number, lookaheadMs: number, current: Limit | undefined): number | undefined {
  return breakpoints(ev, at, at + lookaheadMs).find((t) => !sameLimit(limitAt(ev, t), current));
}

/**
 * The limit in force on `evseId` at `at` (EVSE 0: the station-wide limit), in the unit of the
 * profile that sets it, with `until` = the next instant it changes; undefined when unlimited.
 * Without a transaction, Relative profiles give their first period ("a session starting now").
 * @throws UnitConversionError when limits in A and W must be compared on DC without a voltage.
 */
export function effectiveLimit(profiles: readonly InstalledProfile[], evseId: number, at: number, opts: LimitOptions = {}): EffectiveLimit | undefined {
  const ev = evaluation(profiles, evseId, opts, 'floating');
  const current = limitAt(ev, at);
  if (current === undefined) return undefined;
  const until = firstChange(ev, at, opts.lookaheadMs ?? LOOKAHEAD_MS, current);
  return until === undefined ? current : { ...current, until };
}

/** The next instant after `at` when the limit of `evseId` changes (also from or to unlimited), within the lookahead. */
export function nextChange(profiles: readonly InstalledProfile[], evseId: number, at: number, opts: LimitOptions = {}): number | undefined {
  const ev = evaluation(profiles, evseId, opts, 'floating');
  return firstChange(ev, at, opts.lookaheadMs ?? LOOKAHEAD_MS, limitAt(ev, at));
}

export interface CompositeRequest {
  readonly evseId: number;
  /** Epoch ms; rounded down to the second (startPeriod counts whole seconds). */
  readonly start: number;
  readonly durationS: number;
  readonly unit: RateUnit;
  /** Where no profile applies (e.g. the charger's nameplate maximum). */
  readonly fallback?: Limit;
}

/**
 * The composite schedule of `evseId` over [start, start + duration) in `unit` (GetCompositeSchedule,
 * K08). Without a transaction, Relative schedules start at `start`.
 * @throws UnitConversionError when units must be mixed on DC without a voltage.
 * @throws NoLimitError when no profile applies somewhere and there is no `fallback`.
 */
export function compositeSchedule(profiles: readonly InstalledProfile[], req: CompositeRequest, opts: LimitOptions = {}): CompositeSchedule {
  const start = Math.floor(req.start / 1000) * 1000;
  const ev = evaluation(profiles, req.evseId, opts, start);
  const periods: CompositePeriod[] = [];
  for (const t of [start, ...breakpoints(ev, start, start + req.durationS * 1000)]) {
    const l = limitAt(ev, t) ?? req.fallback;
    if (l === undefined) throw new NoLimitError(`no limit applies at ${ocppTimestamp(t)} and no fallback was given`);
    const numberPhases = ev.spec.currentType === 'AC' ? l.numberPhases : undefined;
    const period: CompositePeriod = { startPeriod: Math.floor((t - start) / 1000), limit: convertLimit(l, req.unit, ev.spec), ...(numberPhases !== undefined ? { numberPhases } : {}) };
    if (periods.at(-1)?.startPeriod === period.startPeriod) periods.pop();
    const last = periods.at(-1);
    if (last !== undefined && last.limit === period.limit && last.numberPhases === period.numberPhases) continue;
    periods.push(period);
  }
  return { evseId: req.evseId, duration: req.durationS, scheduleStart: ocppTimestamp(start), chargingRateUnit: req.unit, chargingSchedulePeriod: periods };
}
