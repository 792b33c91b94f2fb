/**
 * The simulator's side of a point table: canonical values back to the raw values a charger puts on
 * the wire (the inverse of the mapping's `raw * scale + offset` in `unit`), information objects for
 * each monitor type, and the packing of objects into as few ASDUs as the size limit allows.
 */
import { TI, typeInfo, type TypeId } from '../../iec104/constants.js';
import { headerSize } from '../../iec104/asdu-parser.js';
import type { AsduParameters, Cp56Time, InformationObject } from '../../iec104/types.js';
import type { ChargingState, ConnectorStatus } from '../../model/events.js';
import { UNIT_FACTORS } from '../../model/units.js';
import type { MeasurandPoint, Point, PointType, StatusPoint } from '../../../codecs/iec104-points/mapping.js';

/** A point's value as carried: SPI as boolean, DPI 0..3, or a number in the TI's own encoding. */
export type RawValue = boolean | number;

/** The time-tagged twin of each monitor type (IEC 60870-5-101 §7.3.1: same IOA, CP56Time2a appended). */
export const TIME_TAGGED: Readonly<Record<PointType, TypeId>> = {
  M_SP_NA_1: TI.M_SP_TB_1,
  M_DP_NA_1: TI.M_DP_TB_1,
  M_ME_NA_1: TI.M_ME_TD_1,
  M_ME_NB_1: TI.M_ME_TE_1,
  M_ME_NC_1: TI.M_ME_TF_1,
  M_IT_NA_1: TI.M_IT_TB_1,
};

/** Binary state as the point's TI carries it: SPI, DPI ON (2) / OFF (1), or 1 / 0 in a measurand. */
export function binaryRaw(ti: PointType, on: boolean): RawValue {
  if (ti === 'M_SP_NA_1') return on;
  if (ti === 'M_DP_NA_1') return on ? 2 : 1;
  return on ? 1 : 0;
}

/** The status code as the point's TI carries it (SP: code 0 is OFF, anything else ON). */
export function codeRaw(ti: PointType, code: number): RawValue {
  return ti === 'M_SP_NA_1' ? code !== 0 : code;
}

/**
 * Canonical value (Wh, W, V, A, %, °C) to the raw number of a measurand point, inverting
 * `canonical = (raw * scale + offset) * unitFactor`, then fitted to the TI: NVA as -1..1, SVA and
 * BCR rounded into their integer ranges (an energy register rounds down, as a meter does).
 */
export function measurandRaw(point: MeasurandPoint, canonical: number): number {
  const factor = UNIT_FACTORS[point.measurand][point.unit] ?? 1;
  const raw = (canonical / factor - (point.offset ?? 0)) / (point.scale ?? 1);
  switch (point.ti) {
    case 'M_IT_NA_1':
      // The epsilon absorbs binary fractions such as 100000 / 1000 / 0.01 = 10000.000000000002 or 2.9999999.
      return clamp(Math.floor(raw + 1e-9), -0x80000000, 0x7fffffff);
    case 'M_ME_NB_1':
      return clamp(Math.round(raw), -32768, 32767);
    case 'M_ME_NA_1':
      return clamp(Math.round(raw * 32768), -32768, 32767) / 32768;
    default:
      return Math.fround(raw);
  }
}

/** What a connector is doing, to be matched against a status point's table of codes. */
export interface StatusWanted {
  readonly status: ConnectorStatus;
  readonly chargingState: ChargingState;
  readonly plugged: boolean;
}

/**
 * The code of `point.states` that best describes `wanted`: the status must match; a matching
 * charging state and plug flag each make a code preferable. Undefined when no code has the status.
 */
export function statusCode(point: StatusPoint, wanted: StatusWanted): number | undefined {
  let best: { code: number; score: number } | undefined;
  for (const [key, entry] of Object.entries(point.states)) {
    if (entry.status !== wanted.status) continue;
    const code = Number(key);
    let score = 0;
    if (entry.chargingState === wanted.chargingState) score += 2;
    if (entry.plugged === undefined || entry.plugged === wanted.plugged) score += 1;
    if (best === undefined || score > best.score || (score === best.score && code < best.code)) best = { code, score };
  }
  return best?.code;
}

/** One information object of a monitor TI (plain or time-tagged) carrying `value`. */
export function monitorObject(ti: TypeId, ioa: number, value: RawValue, time?: Cp56Time, sequence = 0): InformationObject {
  const info = typeInfo(ti);
  const tag = info?.timeTag === true && time !== undefined ? { time } : {};
  switch (info?.kind) {
    case 'SIQ':
      return { ioa, value: value === true, quality: 0, ...tag };
    case 'DIQ':
      return { ioa, value: (Number(value) & 3) as 0 | 1 | 2 | 3, quality: 0, ...tag };
    case 'NVA': {
      const raw = clamp(Math.round(Number(value) * 32768), -32768, 32767);
      return { ioa, raw, value: raw / 32768, quality: 0, ...tag };
    }
    case 'SVA':
    case 'FLOAT':
      return { ioa, value: Number(value), quality: 0, ...tag };
    case 'BCR':
      return { ioa, value: Number(value), sequence, carry: false, adjusted: false, invalid: false, ...tag };
    default:
      throw new RangeError(`TI ${ti} is not a monitor type the simulator can send`);
  }
}

/**
 * Splits objects of one TI into runs that each fit one SQ = 0 ASDU of at most `maxAsduSize` octets
 * (and 127 objects, the VSQ limit).
 */
export function packObjects<T>(ti: TypeId, objects: readonly T[], params: AsduParameters, maxAsduSize: number): T[][] {
  const info = typeInfo(ti);
  if (info === undefined) throw new RangeError(`unknown TI ${ti}`);
  const perAsdu = Math.min(127, Math.floor((maxAsduSize - headerSize(params)) / (params.ioaSize + info.size)));
  if (perAsdu < 1) throw new RangeError(`an ASDU of ${maxAsduSize} octets cannot carry one ${info.name} object`);
  const runs: T[][] = [];
  for (let i = 0; i < objects.length; i += perAsdu) runs.push(objects.slice(i, i + perAsdu));
  return runs;
}

/** True when two raw values would encode alike (floats compared at single precision). */
export function sameRaw(a: RawValue | undefined, b: RawValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.fround(a) === Math.fround(b);
  return a === b;
}

/** The monitor TI a point is reported with. */
export function pointTypeId(point: Point, timeTagged: boolean): TypeId {
  return timeTagged ? TIME_TAGGED[point.ti] : TI[point.ti];
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}
