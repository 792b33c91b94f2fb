/**
 * Lookup of mapped points and commands, and the conversions between raw IEC 104 values and
 * canonical ones. Built once per mapping and shared by every session of that charger model.
 */
import { TI } from '../../src/iec104/constants.js';
import type { ChargerCommandType } from '../../src/model/commands.js';
import { toCanonical, type Measurand } from '../../src/model/units.js';
import type { MappedFigures } from './session-reports.js';
import type { Iec104PointsMapping, MappedCommand, MeasurandPoint, Point } from './mapping.js';

/**
 * A time-tagged type and its plain twin share one address space (IEC 60870-5-101 §7.3.1), and so do
 * M_ME_NA_1 and M_ME_ND_1 (the same normalized value sent without its quality descriptor, §7.3.1.21,
 * often for cyclic transmission): a point mapped at M_ME_NA_1 is read from all three.
 */
const FAMILY = new Uint8Array(256).map((_, ti) => ti);
FAMILY[TI.M_ME_ND_1] = TI.M_ME_NA_1;
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

/** Signal codes; the session start figures come last (`signal >= SIGNAL.sessionStartEnergy` tells them). */
export const SIGNAL = { plugged: 0, charging: 1, available: 2, fault: 3, status: 4, measurand: 5, sessionStartEnergy: 6, sessionStartTime: 7 } as const;
export type SignalCode = (typeof SIGNAL)[keyof typeof SIGNAL];
const SIGNAL_CODE: Readonly<Record<Point['signal'], SignalCode>> = SIGNAL;

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
  /** The connector's energy register (the phase-less energy point): drives meter start/stop and resets. */
  readonly energy: boolean;
  /** canonical = raw * factor + offset (measurands and start energy only; 1 and 0 otherwise). */
  readonly factor: number;
  readonly offset: number;
  /** False when factor is 1 and offset 0: the raw value is the canonical one. */
  readonly scaled: boolean;
  /** Binary points: ON means false. */
  readonly invert: boolean;
}

/** Spans of IOAs up to this size are looked up in a dense array, wider ones in a map. */
const DENSE_SPAN = 4096;

/**
 * The mapped points of one TI family, by IOA. Point tables follow address conventions that keep
 * each family's IOAs in a narrow band, so a dense array offset by the lowest IOA answers without
 * hashing; a family spread wider falls back to a map.
 */
export class FamilyPoints {
  private readonly base: number;
  private readonly dense: (PointEntry | undefined)[];
  private readonly sparse: Map<number, PointEntry> | undefined;

  constructor(entries: ReadonlyMap<number, PointEntry>) {
    const ioas = [...entries.keys()];
    const lo = Math.min(...ioas);
    const span = Math.max(...ioas) - lo + 1;
    this.base = lo;
    if (span <= DENSE_SPAN) {
      this.dense = new Array<PointEntry | undefined>(span).fill(undefined);
      for (const [ioa, e] of entries) this.dense[ioa - lo] = e;
      this.sparse = undefined;
    } else {
      this.dense = [];
      this.sparse = new Map(entries);
    }
  }

  get(ioa: number): PointEntry | undefined {
    if (this.sparse !== undefined) return this.sparse.get(ioa);
    const i = ioa - this.base;
    return i >= 0 && i < this.dense.length ? this.dense[i] : undefined;
  }
}

export class PointTable {
  /** By plain TI (see `familyOf`); undefined where no point is mapped. */
  private readonly families: (FamilyPoints | undefined)[] = new Array<FamilyPoints | undefined>(256).fill(undefined);
  private readonly commands = new Map<string, MappedCommand>();

  constructor(readonly mapping: Iec104PointsMapping) {
    const byFamily = new Map<number, Map<number, PointEntry>>();
    for (const p of mapping.points) {
      const scaled = p.signal === 'measurand' || p.signal === 'sessionStartEnergy';
      const unit = p.signal === 'measurand' ? (toCanonical(p.measurand, 1, p.unit) ?? Number.NaN) : p.signal === 'sessionStartEnergy' ? (toCanonical('energy', 1, p.unit) ?? Number.NaN) : 1;
      const factor = scaled ? (p.scale ?? 1) * unit : 1;
      const offset = scaled ? (p.offset ?? 0) * unit : 0;
      const energy = isEnergyRegister(p);
      const family = familyOf(TI[p.ti]);
      let points = byFamily.get(family);
      if (points === undefined) byFamily.set(family, (points = new Map()));
      points.set(p.ioa, {
        point: p,
        signal: SIGNAL_CODE[p.signal],
        connector: p.connector,
        measurand: p.signal === 'measurand' ? p.measurand : undefined,
        phase: p.signal === 'measurand' ? p.phase : undefined,
        energy,
        factor,
        offset,
        scaled: factor !== 1 || offset !== 0,
        invert: (p as { invert?: boolean }).invert === true,
      });
    }
    for (const [family, points] of byFamily) this.families[family] = new FamilyPoints(points);
    for (const c of mapping.commands ?? []) this.commands.set(`${c.command}/${c.connector}`, c);
  }

  /** The point at this address, for a monitor TI or its time-tagged twin. */
  point(ti: number, ioa: number): Point | undefined {
    return this.entry(ti, ioa)?.point;
  }

  /** The point and its unit conversion at this address. */
  entry(ti: number, ioa: number): PointEntry | undefined {
    return this.family(ti)?.get(ioa);
  }

  /** The points of a monitor TI's family (plain and time-tagged twin), for one lookup per ASDU. */
  family(ti: number): FamilyPoints | undefined {
    return this.families[familyOf(ti)];
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
    return this.mapping.points.some((p) => isEnergyRegister(p) && p.connector === c);
  }

  /** The figures the table gives connector `c`: its register and the charger's own start figures. */
  figures(c: number): MappedFigures {
    const has = (signal: Point['signal']): boolean => this.mapping.points.some((p) => p.signal === signal && p.connector === c);
    return { register: this.hasEnergy(c), startEnergy: has('sessionStartEnergy'), startTime: has('sessionStartTime') };
  }

  measurands(): Set<Measurand> {
    return new Set(this.mapping.points.filter((p): p is MeasurandPoint => p.signal === 'measurand').map((p) => p.measurand));
  }
}

/** The energy register of a connector: an energy point without phase (per-phase registers are only reported). */
function isEnergyRegister(p: Point): boolean {
  return p.signal === 'measurand' && p.measurand === 'energy' && p.phase === undefined;
}

/** Rounds away binary floating-point noise (0.01 * 1000 = 10.000000000000002). */
export function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
