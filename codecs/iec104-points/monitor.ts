/**
 * Monitor-direction interpretation: the information objects of one monitor ASDU, through the point
 * table, into connector state changes, measurement events and fault events.
 *
 * This runs for every spontaneous or interrogated ASDU a charger sends, so it is written for the
 * JIT: one table lookup per ASDU for the TI family and an array index per object, element kinds
 * resolved once per ASDU, and event objects built in one fixed shape each.
 */
import { typeInfo, type ElementKind, type TypeInfo } from '../../src/iec104/constants.js';
import { cp56ToDate } from '../../src/iec104/cp56.js';
import type { Asdu, Cp56Time, InformationObject } from '../../src/iec104/types.js';
import type { ChargerEvent, Measurement, MeasurementQuality, MeasurementsEvent, Timestamp } from '../../src/model/events.js';
import type { ConnectorStates } from './connectors.js';
import type { FaultPoint, StatusPoint } from './mapping.js';
import { familyOf, round, SIGNAL, type FamilyPoints, type PointEntry, type PointTable } from './points.js';
import { QUALITY_BITS, type QualityRules, type Verdict } from './quality.js';
import type { RepeatFilter } from './repeats.js';

/** How an element kind carries its value. */
const enum Carrier {
  /** No value a point can use (bitstrings, commands). */
  none,
  /** Single point: a boolean. */
  single,
  /** Double point: 1 = OFF, 2 = ON, 0 and 3 undetermined. */
  double,
  /** A number: normalised, scaled, float or counter. */
  number,
}

function carrierOf(kind: ElementKind | undefined): Carrier {
  switch (kind) {
    case 'SIQ':
      return Carrier.single;
    case 'DIQ':
      return Carrier.double;
    case 'NVA':
    case 'NVA_ONLY':
    case 'SVA':
    case 'FLOAT':
    case 'BCR':
      return Carrier.number;
    default:
      return Carrier.none;
  }
}

/** The carrier of each TI, so that no element kind name is compared per ASDU. */
const CARRIER = Uint8Array.from({ length: 256 }, (_, ti) => carrierOf(typeInfo(ti)?.kind));
/** IV of a quality octet, which counters (BCR) carry as a flag of their own. */
const IV = 0x80;
/** TIs whose elements are counters (BCR), which flag IV without a quality octet. */
const COUNTER = Uint8Array.from({ length: 256 }, (_, ti) => (typeInfo(ti)?.kind === 'BCR' ? 1 : 0));

/** The fields the decoder gives monitor objects, read without narrowing per element kind. */
interface MonitorObject {
  readonly ioa: number;
  readonly value?: unknown;
  readonly quality?: number;
  /** Counters (BCR) carry IV as a flag instead of a quality octet. */
  readonly invalid?: boolean;
  readonly time?: Cp56Time;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Group = Mutable<MeasurementsEvent>;

/** Told of the objects of an ASDU that are not used as they came (the session counts and logs them). */
export interface MonitorReports {
  /** An object whose IOA is not mapped, or whose status code is not in the mapping (`why`). */
  unknownObject(asdu: Asdu, o: InformationObject, why?: string): void;
  /** An object whose quality descriptor flags it, with the verdict (undefined: dropped). */
  flaggedObject(asdu: Asdu, o: InformationObject, q: number, verdict: Verdict): void;
  /** A time-tagged object that was processed before (resent after a reconnect). */
  repeatedObject(asdu: Asdu, o: InformationObject): void;
}

/** What reading monitor ASDUs needs from its session. */
export interface MonitorContext {
  readonly table: PointTable;
  readonly states: ConnectorStates;
  /** The charger's time zone, for its time tags. */
  readonly timeZone: string;
  /** Told of unmapped, flagged and repeated objects. */
  readonly reports: MonitorReports;
  /** The mapping's quality policy. */
  readonly quality: QualityRules;
  /** Time-tagged objects already processed (on an earlier connection too); undefined before identification. */
  readonly repeats: RepeatFilter | undefined;
  /**
   * Called after each state object (not measured values) of a time-tagged ASDU, with its time: the
   * change is reported at that time, before the next object of the ASDU changes the state again.
   */
  readonly changed: (at: Timestamp) => void;
}

/**
 * Applies the objects of `asdu` (a monitor TI other than M_EI_NA_1) to the connector states, appends
 * the faults it raises or clears to `faults` and returns its measurement events, grouped by
 * connector and time in order of first appearance. `now` is the reception time, used where an
 * object has no time tag. State changes of a time-tagged ASDU are handed to `ctx.changed` object by
 * object; those of other ASDUs are left for the caller to flush once. `family`: the mapped points of
 * the ASDU's type, when the caller has looked them up already.
 *
 * The groups live in locals until returned: storing each new event into a long-lived object would
 * take the write barrier's slow path for every one.
 */
export function readMonitor(
  ctx: MonitorContext,
  asdu: Asdu,
  info: TypeInfo,
  now: Timestamp,
  faults: ChargerEvent[],
  family: FamilyPoints | undefined = ctx.table.family(asdu.typeId),
): Group[] | undefined {
  // Groups in order of appearance: the first alone, then a list once there are two (a list grown by
  // push starts at one slot and its first growth is a runtime call).
  let first: Group | undefined;
  let more: Group[] | undefined;
  /** The group the previous measured value went to: values of one group usually come together. */
  let last: Group | undefined;
  // The values of a new group's first run (up to four) wait in locals and become one array of the
  // right size when the run ends: building the array value by value would allocate it again for
  // each value.
  let run: Group | undefined;
  let h0: Measurement | undefined;
  let h1: Measurement | undefined;
  let h2: Measurement | undefined;
  let h3: Measurement | undefined;
  let held = 0;
  const { states, timeZone, reports } = ctx;
  const objects = asdu.objects as readonly MonitorObject[];
  const carrier = CARRIER[asdu.typeId] as Carrier;
  const counter = COUNTER[asdu.typeId] === 1;
  // Without time tags every value of the ASDU has time `now`: groups differ by connector only, and no
  // string comparison is needed.
  const timeTag = info.timeTag;
  const repeats = timeTag ? ctx.repeats : undefined;
  const familyTi = repeats === undefined ? 0 : familyOf(asdu.typeId);
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i] as MonitorObject;
    const entry = family === undefined ? undefined : family.get(o.ioa);
    if (entry === undefined) {
      reports.unknownObject(asdu, o as InformationObject);
      continue;
    }
    // A good value has no quality bit set: one test, and the policy is read only for flagged ones.
    const q = counter ? (o.invalid === true ? IV : 0) : (o.quality as number) & QUALITY_BITS;
    let marks: Verdict;
    if (q !== 0) {
      // A session's start figures are billing figures: a flagged one is never used.
      marks = entry.signal >= SIGNAL.sessionStartEnergy ? undefined : ctx.quality.verdict(q, entry.measurand === 'energy');
      reports.flaggedObject(asdu, o as InformationObject, q, marks);
      if (marks === undefined) continue;
    }
    let at = now;
    if (timeTag) {
      const d = dateOf(o.time, timeZone);
      if (d !== undefined) {
        if (repeats !== undefined && repeats.repeated(familyTi, o.ioa, d.getTime(), numberIn(carrier, o.value) ?? Number.NaN)) {
          reports.repeatedObject(asdu, o as InformationObject);
          continue;
        }
        at = d.toISOString();
      }
    }
    const signal = entry.signal;
    if (signal === SIGNAL.measurand) {
      const raw = numberIn(carrier, o.value);
      if (raw === undefined) continue;
      // A float may carry NaN or an infinity (IEEE 754): no measurand has such a value.
      if (!Number.isFinite(raw)) {
        reports.unknownObject(asdu, o as InformationObject, 'value is not a finite number');
        continue;
      }
      const v = marks === undefined ? measurement(entry, raw, states, at) : marked(entry, raw, marks);
      const connector = entry.connector;
      if (last === undefined || !isGroup(last, connector, at, timeTag)) {
        if (run !== undefined) {
          run.values = packed(held, h0, h1, h2, h3);
          run = undefined;
        }
        last = more !== undefined ? groupOf(more, connector, at, timeTag) : first !== undefined && isGroup(first, connector, at, timeTag) ? first : undefined;
      }
      if (last === undefined) {
        last = { type: 'measurements', connector, at, values: NO_VALUES };
        run = last;
        h0 = v;
        held = 1;
        if (first === undefined) first = last;
        else if (more === undefined) more = [first, last];
        else more.push(last);
      } else if (last !== run) last.values = appended(last.values, v);
      else if (held < 4) {
        if (held === 1) h1 = v;
        else if (held === 2) h2 = v;
        else h3 = v;
        held++;
      } else {
        last.values = appended(packed(held, h0, h1, h2, h3), v);
        run = undefined;
      }
      continue;
    }
    if (signal === SIGNAL.status) {
      const raw = numberIn(carrier, o.value);
      const p = entry.point as StatusPoint;
      const state = raw === undefined ? undefined : p.states[String(raw)];
      if (raw === undefined || state === undefined) reports.unknownObject(asdu, o as InformationObject, `status code ${raw} not in the mapping's states`);
      else {
        states.setCoded(entry.connector, { ...state, raw });
        if (timeTag) ctx.changed(at);
      }
      continue;
    }
    if (signal >= SIGNAL.sessionStartEnergy) {
      const raw = numberIn(carrier, o.value);
      if (raw === undefined || !Number.isFinite(raw)) reports.unknownObject(asdu, o as InformationObject, 'value is not a finite number');
      else if (signal === SIGNAL.sessionStartEnergy) states.setStartEnergy(entry.connector, entry.scaled ? round(raw * entry.factor + entry.offset) : raw);
      else states.setStartTime(entry.connector, raw);
      continue;
    }
    const v = carrier === Carrier.single ? o.value === true : carrier === Carrier.double ? (o.value === 2 ? true : o.value === 1 ? false : undefined) : undefined;
    if (v === undefined) continue;
    const on = entry.invert ? !v : v;
    if (signal === SIGNAL.plugged) states.setPlugged(entry.connector, on);
    else if (signal === SIGNAL.charging) states.setCharging(entry.connector, on);
    else if (signal === SIGNAL.available) states.setAvailable(entry.connector, on);
    else if (signal === SIGNAL.fault) {
      const e = states.setFault(entry.connector, (entry.point as FaultPoint).fault, on, at, o.ioa);
      if (e !== undefined) faults.push(e);
    }
    if (timeTag) ctx.changed(at);
  }
  if (run !== undefined) run.values = packed(held, h0, h1, h2, h3);
  return more ?? (first === undefined ? undefined : [first]);
}

/** One measured value in canonical units; records energy register readings (taken at `at`). */
function measurement(entry: PointEntry, raw: number, states: ConnectorStates, at: Timestamp): Measurement {
  const value = entry.scaled ? round(raw * entry.factor + entry.offset) : raw;
  const reset = entry.energy && states.setEnergy(entry.connector, value, at);
  const measurand = entry.measurand as Measurement['measurand'];
  // Built whole (fields in the same order as always): adding a field later moves it out of the object.
  if (!reset) return entry.phase === undefined ? { measurand, value, raw } : { measurand, value, raw, phase: entry.phase };
  return entry.phase === undefined ? { measurand, value, raw, meterReset: true } : { measurand, value, raw, phase: entry.phase, meterReset: true };
}

/**
 * A measured value the charger flagged and the policy lets through, with its flags. It is never the
 * connector's register reading: a value of doubtful quality is never a session's meter start or
 * stop (it would be billed), so `states` does not hear of it.
 */
function marked(entry: PointEntry, raw: number, quality: readonly MeasurementQuality[]): Measurement {
  const value = entry.scaled ? round(raw * entry.factor + entry.offset) : raw;
  const measurand = entry.measurand as Measurement['measurand'];
  return entry.phase === undefined ? { measurand, value, raw, quality } : { measurand, value, raw, phase: entry.phase, quality };
}

function isGroup(g: Group, connector: number, at: Timestamp, timeTag: boolean): boolean {
  return g.connector === connector && (!timeTag || g.at === at);
}

/** The group already opened for this connector and time (a handful per ASDU at most: a list beats a map). */
function groupOf(groups: readonly Group[], connector: number, at: Timestamp, timeTag: boolean): Group | undefined {
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as Group;
    if (isGroup(group, connector, at, timeTag)) return group;
  }
  return undefined;
}

/** A group's values until its first run is over. */
const NO_VALUES: readonly Measurement[] = [];

/** The first `n` (1 to 4) of the held values as an array of that size. */
function packed(n: number, a?: Measurement, b?: Measurement, c?: Measurement, d?: Measurement): Measurement[] {
  switch (n) {
    case 1:
      return [a as Measurement];
    case 2:
      return [a as Measurement, b as Measurement];
    case 3:
      return [a as Measurement, b as Measurement, c as Measurement];
    default:
      return [a as Measurement, b as Measurement, c as Measurement, d as Measurement];
  }
}

/**
 * `values` with `v` added. A group holds a handful of values: up to four are copied into a new
 * array of the exact size, which costs less than the first growth of an array by push (from one
 * slot to seventeen, through a runtime call).
 */
function appended(values: readonly Measurement[], v: Measurement): Measurement[] {
  switch (values.length) {
    case 1:
      return [values[0] as Measurement, v];
    case 2:
      return [values[0] as Measurement, values[1] as Measurement, v];
    case 3:
      return [values[0] as Measurement, values[1] as Measurement, values[2] as Measurement, v];
    default: {
      const grown = values as Measurement[];
      grown.push(v);
      return grown;
    }
  }
}

/** The raw number an object carries (status code, measured value, counter), where it has one. */
function numberIn(carrier: Carrier, v: unknown): number | undefined {
  if (carrier >= Carrier.double) return typeof v === 'number' ? v : undefined;
  return carrier === Carrier.single ? (v === true ? 1 : 0) : undefined;
}

/** The charger's time tag as an instant, or undefined when it is missing, flagged invalid or impossible (reception time stands in). */
function dateOf(t: Cp56Time | undefined, timeZone: string): Date | undefined {
  return t === undefined || t.invalid ? undefined : cp56ToDate(t, timeZone);
}
