/**
 * Lookup of mapped points and commands, and the conversions between raw IEC 104 values and
 * canonical ones. Built once per mapping and shared by every session of that charger model.
 */
import { TI, type ElementKind } from '../../src/iec104/constants.js';
import type { InformationObject } from '../../src/iec104/types.js';
import type { ChargerCommandType } from '../../src/model/commands.js';
import { toCanonical, type Measurand } from '../../src/model/units.js';
import type { Iec104PointsMapping, MappedCommand, MeasurandPoint, Point } from './mapping.js';

/** A time-tagged type and its plain twin share one address space (IEC 60870-5-101 §7.3.1). */
const FAMILY = new Uint8Array(256).map((_, ti) => ti);
FAMILY[TI.M_SP_TB_1] = TI.M_SP_NA_1;
FAMILY[TI.M_DP_TB_1] = TI.M_DP_NA_1;
FAMILY[TI.M_ME_TD_1] = TI.M_ME_NA_1;
FAMILY[TI.M_ME_TE_1] = TI.M_ME_NB_1;
FAMILY[TI.M_ME_TF_1] = TI.M_ME_NC_1;
FAMILY[TI.M_IT_TB_1] = TI.M_IT_NA_1;

/** The plain type of a (possibly time-tagged) monitor type. */
export function familyOf(ti: number): number {
  return FAMILY[ti & 0xff] as number;
}

export const SIGNAL = { plugged: 0, charging: 1, available: 2, fault: 3, status: 4, measurand: 5 } as const;
export type SignalCode = (typeof SIGNAL)[keyof typeof SIGNAL];
const SIGNAL_CODE: Readonly<Record<Point['signal'], SignalCode>> = SIGNAL;

const key = (family: number, ioa: number): number => family * 0x1000000 + ioa;

/** A mapped point with its conversion to canonical units worked out once. */
export interface PointEntry {
  readonly point: Point;
  /**
   * The point's signal as a small integer: strings read from YAML are not internalised, so a
   * `switch` on them compares characters for every object decoded.
   */
  readonly signal: SignalCode;
  /**
   * Copies of the point's hot fields in one object shape: mapping points come from YAML with
   * varying keys, so reading them directly on every object decoded is a megamorphic load.
   */
  readonly connector: number;
  readonly measurand: Measurand | undefined;
  readonly phase: MeasurandPoint['phase'];
  readonly energy: boolean;
  /** canonical = raw * factor + offset (measurands only; 1 and 0 otherwise). */
  readonly factor: number;
  readonly offset: number;
}

export class PointTable {
  private readonly points = new Map<number, PointEntry>();
  private readonly commands = new Map<string, MappedCommand>();

  constructor(readonly mapping: Iec104PointsMapping) {
    for (const p of mapping.points) {
      const unit = p.signal === 'measurand' ? (toCanonical(p.measurand, 1, p.unit) ?? Number.NaN) : 1;
      const factor = p.signal === 'measurand' ? (p.scale ?? 1) * unit : 1;
      const offset = p.signal === 'measurand' ? (p.offset ?? 0) * unit : 0;
      const energy = p.signal === 'measurand' && p.measurand === 'energy';
      this.points.set(key(TI[p.ti], p.ioa), {
        point: p,
        signal: SIGNAL_CODE[p.signal],
        connector: p.connector,
        measurand: p.signal === 'measurand' ? p.measurand : undefined,
        phase: p.signal === 'measurand' ? p.phase : undefined,
        energy,
        factor,
        offset,
      });
    }
    for (const c of mapping.commands ?? []) this.commands.set(`${c.command}/${c.connector}`, c);
  }

  /** The point at this address, for a monitor TI or its time-tagged twin. */
  point(ti: number, ioa: number): Point | undefined {
    return this.points.get(key(familyOf(ti), ioa))?.point;
  }

  /** The point and its unit conversion at this address. */
  entry(ti: number, ioa: number): PointEntry | undefined {
    return this.points.get(key(familyOf(ti), ioa));
  }

  /** The mapped command for a canonical command on a connector (reset: any connector). */
  command(type: ChargerCommandType, connector: number): MappedCommand | undefined {
    const exact = this.commands.get(`${type}/${connector}`);
    if (exact !== undefined || type !== 'reset') return exact;
    return [...this.commands.values()].find((c) => c.command === 'reset');
  }

  /** Every mapped command whose (TI, IOA) this is. */
  commandsAt(ti: number, ioa: number): MappedCommand[] {
    return [...this.commands.values()].filter((c) => TI[c.ti] === ti && c.ioa === ioa);
  }

  get allCommands(): MappedCommand[] {
    return [...this.commands.values()];
  }

  /** True when connector `c` has an energy register point. */
  hasEnergy(c: number): boolean {
    return this.mapping.points.some((p) => p.signal === 'measurand' && p.measurand === 'energy' && p.connector === c);
  }

  measurands(): Set<Measurand> {
    return new Set(this.mapping.points.filter((p): p is MeasurandPoint => p.signal === 'measurand').map((p) => p.measurand));
  }
}

/**
 * The on/off state of a binary monitor object (by its TI's element kind): SP value, or DP ON (2) / OFF (1). Intermediate and
 * indeterminate double points (0, 3) give undefined: the state is not known.
 */
export function binaryValue(kind: ElementKind | undefined, o: InformationObject): boolean | undefined {
  const v = (o as { value?: unknown }).value;
  if (kind === 'SIQ') return v === true;
  if (kind === 'DIQ') return v === 2 ? true : v === 1 ? false : undefined;
  return undefined;
}

/** The raw number an object carries (status code, measured value, counter), where it has one. */
export function numericValue(kind: ElementKind | undefined, o: InformationObject): number | undefined {
  const v = (o as { value?: unknown }).value;
  switch (kind) {
    case 'SIQ':
      return v === true ? 1 : 0;
    case 'DIQ':
    case 'NVA':
    case 'SVA':
    case 'FLOAT':
    case 'BCR':
      return typeof v === 'number' ? v : undefined;
    default:
      return undefined;
  }
}

/** True when the object's quality (or counter) says its value is not valid (IV). */
export function isInvalid(o: InformationObject): boolean {
  const q = (o as { quality?: unknown }).quality;
  if (typeof q === 'number') return (q & 0x80) !== 0;
  return (o as { invalid?: unknown }).invalid === true;
}

/** canonical = (raw * scale + offset) in the point's unit, converted to the measurand's unit. */
export function toCanonicalValue(p: MeasurandPoint, raw: number): number | undefined {
  const stated = raw * (p.scale ?? 1) + (p.offset ?? 0);
  const v = toCanonical(p.measurand, stated, p.unit);
  return v === undefined ? undefined : round(v);
}

/** The same with a table entry's precomputed factor and offset (the decode hot path). */
export function entryValue(e: PointEntry, raw: number): number {
  return e.factor === 1 && e.offset === 0 ? raw : round(raw * e.factor + e.offset);
}

/** Inverse of `toCanonicalValue`, for simulators and tests. */
export function fromCanonicalValue(p: MeasurandPoint, canonical: number): number | undefined {
  const unitValue = toCanonical(p.measurand, 1, p.unit);
  if (unitValue === undefined) return undefined;
  return round((canonical / unitValue - (p.offset ?? 0)) / (p.scale ?? 1));
}

/** Rounds away binary floating-point noise (0.01 * 1000 = 10.000000000000002). */
export function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
