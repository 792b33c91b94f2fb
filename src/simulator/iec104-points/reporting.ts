/**
 * The simulator's outgoing monitor direction: what each point was last reported as, energy
 * integration on the injected clock, spontaneous reports (COT 3) of whatever changed, the point
 * runs that answer an interrogation, and the meter timer that keeps a charging register rising.
 */
import { COT, TI, type TypeId } from '../../iec104/constants.js';
import { MAX_ASDU_SIZE } from '../../iec104/asdu-generator.js';
import { cp56FromDate } from '../../iec104/cp56.js';
import type { Clock } from '../../core/clock.js';
import type { Asdu, AsduParameters, InformationObject } from '../../iec104/types.js';
import type { Iec104PointsMapping, Point } from '../../../codecs/iec104-points/mapping.js';
import type { ChargerModel } from './model.js';
import { monitorObject, packObjects, pointTypeId, sameRaw, type RawValue } from './points.js';

/** What the reporter needs from the simulator. */
export interface ReportingContext {
  readonly clock: Clock;
  readonly model: ChargerModel;
  readonly commonAddress: number;
  readonly asduParams: AsduParameters;
  readonly timeZone: string;
  /** The charger's own clock (epoch ms), for CP56 time tags. */
  chargerNow(): number;
  /** The current link's maximum APDU length. */
  maxApduLength(): number;
  /** Encodes and sends one ASDU on the current link. */
  sendAsdu(asdu: Asdu): void;
  /** Integrates and reports (the meter timer fired). */
  tick(): void;
}

export interface ReportingOptions {
  readonly timeTagged?: boolean;
  readonly spontaneousCounters?: boolean;
  readonly meterIntervalMs?: number;
}

/** Reports one simulated charger's points. */
export class PointReporter {
  /** The monitor points sorted by TI, then IOA. */
  readonly points: readonly Point[];
  /** What each point was last reported as, by IOA. */
  private readonly reported = new Map<number, RawValue>();
  private integratedAt: number;
  private counterSequence = 0;
  private meterTimer: unknown;
  private meterArmed = false;
  private disposed = false;

  constructor(
    mapping: Iec104PointsMapping,
    private readonly ctx: ReportingContext,
    private readonly options: ReportingOptions = {},
  ) {
    this.integratedAt = ctx.clock.now();
    this.points = [...mapping.points].sort((x, y) => TI[x.ti] - TI[y.ti] || x.ioa - y.ioa);
    for (const p of this.points) this.reported.set(p.ioa, this.rawOf(p));
  }

  /** The raw value the point at `ioa` reports now, undefined if unmapped. */
  pointValue(ioa: number): RawValue | undefined {
    const point = this.points.find((p) => p.ioa === ioa);
    return point === undefined ? undefined : this.rawOf(point);
  }

  /** Integrates every charging connector's energy (and the EV's state of charge) up to now. */
  integrate(): void {
    const now = this.ctx.clock.now();
    this.ctx.model.integrate(now - this.integratedAt);
    this.integratedAt = now;
  }

  /** A counter freeze: the sequence number counts freezes (IEC 60870-5-101 §7.2.6.9). */
  freezeCounters(): void {
    this.counterSequence = (this.counterSequence + 1) % 32;
  }

  /** Spontaneous report (COT 3) of every point whose raw value changed since it was last reported. */
  publish(): void {
    const changed = this.points.filter((p) => {
      if (p.ti === 'M_IT_NA_1' && this.options.spontaneousCounters === false) return false;
      const raw = this.rawOf(p);
      if (sameRaw(this.reported.get(p.ioa), raw)) return false;
      this.reported.set(p.ioa, raw);
      return true;
    });
    this.sendPoints(changed, COT.SPONTANEOUS, this.options.timeTagged === true, 0);
  }

  /** Sends the points' current values, one run of ASDUs per TI (they come sorted by TI). */
  sendPoints(points: readonly Point[], cause: number, timeTagged: boolean, originator: number): void {
    const { ctx } = this;
    const time = timeTagged ? cp56FromDate(new Date(ctx.chargerNow()), ctx.timeZone) : undefined;
    const maxAsdu = Math.min(MAX_ASDU_SIZE, ctx.maxApduLength() - 4);
    const byType = new Map<TypeId, InformationObject[]>();
    for (const p of points) {
      const ti = pointTypeId(p, timeTagged);
      const raw = this.rawOf(p);
      this.reported.set(p.ioa, raw);
      const list = byType.get(ti) ?? [];
      list.push(monitorObject(ti, p.ioa, raw, time, this.counterSequence));
      byType.set(ti, list);
    }
    for (const [typeId, objects] of byType) {
      for (const run of packObjects(typeId, objects, ctx.asduParams, maxAsdu)) {
        ctx.sendAsdu({ typeId, sq: false, cause, negative: false, test: false, originator, commonAddress: ctx.commonAddress, objects: run });
      }
    }
  }

  /** While anything charges and a meter interval is set, integrate and report on the injected clock. */
  armMeter(): void {
    const interval = this.options.meterIntervalMs ?? 0;
    if (interval <= 0 || this.meterArmed || this.disposed) return;
    if (!this.ctx.model.anyCharging) return;
    this.meterArmed = true;
    this.meterTimer = this.ctx.clock.setTimeout(() => {
      this.meterArmed = false;
      this.ctx.tick();
    }, interval);
  }

  /** Stops the meter timer for good. */
  dispose(): void {
    this.disposed = true;
    if (this.meterArmed) this.ctx.clock.clearTimeout(this.meterTimer);
    this.meterArmed = false;
  }

  private rawOf(p: Point): RawValue {
    return this.ctx.model.rawOf(p, this.reported.get(p.ioa));
  }
}
