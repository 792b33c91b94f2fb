/**
 * What the charger is told of the installed charging profiles (K01/K10 seen from the charger): one
 * canonical `setLimit` per limit target each time its effective limit changes, confirmed by the
 * charger before anything counts as in force.
 *
 * Routes. A limit goes where the charger can take it (`Capabilities.limitTargets`):
 * - a charger with a connector-0 limit (a whole-charger setpoint, YKC 0x52) gets the station-wide
 *   limit (ChargingStationMaxProfile) there, and each EVSE with a limit of its own gets that EVSE's
 *   limit without the station's folded in;
 * - a charger without one gets the station-wide limit folded into every EVSE's limit;
 * - a one-connector charger limited only as a whole gets its EVSE's limit (with the station's) at
 *   connector 0;
 * - a limit that reaches no route cannot be installed (SetChargingProfile answers NotSupported).
 * Each route's limit is sent in the unit of the profile that sets it when its target takes that
 * unit, else converted. A limit lifted early (profile cleared, transaction ended) is replaced by
 * the target's maximum (or the nameplate power, converted); a limit that runs out at its `until`
 * needs no command (the codec lifts it then).
 *
 * A limit the charger confirms after the wait ran out (the CSMS was told Rejected, or the change
 * was logged as not taken) is in force on the charger all the same: it is recorded as such, and
 * `onLate` has the installed profiles enforced again. Recording alone would leave the charger with
 * the limit of a profile the CSMS was told is not installed (or without the limit of one it was
 * told stays) until the next change; re-sending without recording would compare against a limit
 * the charger no longer has. Recorded, the next enforcement sends exactly what differs — nothing
 * when the late limit is what the profiles want (a period boundary answered late).
 */
import type { Capabilities, LimitTarget } from '../../model/capabilities.js';
import type { ChargerCommand } from '../../model/commands.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { evseNames, type ChargerCommands, type ChargerOutcome, type Refusal } from '../charger-commands.js';
import {
  convertLimit,
  effectiveLimit,
  nextChange,
  type ChargingProfile,
  type ElectricalSpec,
  type InstalledProfile,
  type Limit,
  type RateUnit,
  type RunningTransaction,
} from './composite-schedule.js';
import type { StationContext } from '../context.js';

/** Where one computed limit goes. */
export interface Route {
  /** The connector the limit is sent to (0 = the whole charger). */
  readonly connector: number;
  /** The EVSE whose limit is computed (0 = the station-wide limit). */
  readonly evse: number;
  /** Station-wide profiles are folded into this EVSE's limit. */
  readonly includeStation: boolean;
  readonly target: LimitTarget;
}

interface Sent {
  readonly value: number;
  readonly unit: RateUnit;
  readonly until: number | undefined;
}

/** Why a profile cannot be delivered: an OCPP reasonCode and its explanation. */
export interface Undeliverable {
  readonly reasonCode: 'NotSupported' | 'UnsupportedRateUnit';
  readonly additionalInfo: string;
}

type Purpose = ChargingProfile['chargingProfilePurpose'];

export class ChargingLimits {
  readonly routes: readonly Route[];
  // Both maps are created with their first entry (`sent` dropped again once empty): most chargers
  // are never limited, and an empty Map costs ~180 bytes per station.
  /** The limit the charger confirmed per connector and still believed in force. */
  private sent: Map<number, Sent> | undefined;
  /** The last setLimit sent per connector: a late confirmation of an older one is stale. */
  private lastSent: Map<number, string> | undefined;

  constructor(
    private readonly ctx: StationContext,
    private readonly commands: ChargerCommands,
    private readonly spec: ElectricalSpec,
    /** A limit was confirmed late and recorded: the installed profiles must be enforced again. */
    private readonly onLate: () => void = () => undefined,
  ) {
    this.routes = routesOf(ctx.capabilities);
  }

  /** The routes a profile set for `evseId` with `purpose` takes part in. */
  affected(evseId: number, purpose: Purpose): Route[] {
    return this.routes.filter((r) => takesPart(r, evseId, purpose));
  }

  /**
   * Why a profile on `evseId` cannot reach the charger, with `profiles` the set it would join
   * (itself included); undefined when it can.
   */
  check(evseId: number, p: ChargingProfile, profiles: readonly InstalledProfile[]): Undeliverable | undefined {
    const purpose = p.chargingProfilePurpose;
    const routes = this.affected(evseId, purpose);
    const evses = evseId === 0 ? Array.from({ length: this.ctx.capabilities.connectorCount }, (_, i) => i + 1) : [evseId];
    // A station-wide or per-EVSE limit must reach every EVSE it applies to.
    const missing = purpose === 'ChargingStationMaxProfile' && this.routes.some((r) => r.connector === 0 && r.evse === 0) ? [] : evses.filter((e) => !this.routes.some((r) => r.evse === e));
    if (routes.length === 0 || missing.length > 0) {
      const where = missing.length > 0 ? evseNames(missing, this.ctx.capabilities.connectorCount) : `EVSE ${evseId}`;
      return {
        reasonCode: 'NotSupported',
        additionalInfo: `the charger takes no limit for ${where}${this.routes.some((r) => r.connector === 0) ? ': only for the whole charger (ChargingStationMaxProfile)' : ''}`,
      };
    }
    const unit = p.chargingSchedule[0]?.chargingRateUnit ?? 'W';
    for (const r of routes) {
      if (!r.target.units.has(unit) && !this.convertible()) {
        return {
          reasonCode: 'UnsupportedRateUnit',
          additionalInfo: `${r.connector === 0 ? 'the charger' : `EVSE ${r.connector}`} takes ${[...r.target.units].join(',')} and ${unit} cannot be converted (DC, no voltage)`,
        };
      }
      if (!this.convertible()) {
        const units = new Set(profiles.filter((e) => takesPart(r, e.evseId, e.profile.chargingProfilePurpose)).map((e) => e.profile.chargingSchedule[0]?.chargingRateUnit));
        if (units.size > 1) return { reasonCode: 'UnsupportedRateUnit', additionalInfo: 'A and W cannot be mixed on this DC charger (no voltage to convert with)' };
      }
    }
    return undefined;
  }

  /**
   * Sends every route's limit under `profiles` that differs from what the charger has, and waits
   * for the charger: resolves with the first refusal, else ok. What the charger confirmed is
   * remembered as in force; what it refused is not.
   */
  async enforce(profiles: readonly InstalledProfile[], transactionOf: (evse: number) => RunningTransaction | undefined, now: number): Promise<ChargerOutcome> {
    const plan: { command: ChargerCommand & { type: 'setLimit' }; sent: Sent | undefined }[] = [];
    let problem: Refusal | undefined;
    for (const r of this.routes) {
      const tx = transactionOf(r.evse);
      let limit: ReturnType<typeof effectiveLimit>;
      try {
        limit = effectiveLimit(profiles, r.evse, now, { spec: this.spec, includeStation: r.includeStation, ...(tx !== undefined ? { transaction: tx } : {}) });
      } catch (e) {
        problem ??= { ok: false, reasonCode: 'NotSupported', additionalInfo: e instanceof Error ? e.message : String(e) };
        continue;
      }
      const last = this.sent?.get(r.connector);
      const inForce = last !== undefined && (last.until === undefined || last.until > now) ? last : undefined;
      if (limit === undefined) {
        if (inForce === undefined) {
          this.record(r.connector, undefined);
          continue;
        }
        const lift = this.maximum(r);
        if (lift === undefined) {
          problem ??= {
            ok: false,
            reasonCode: 'NotSupported',
            additionalInfo: `the charger's maximum for connector ${r.connector} is unknown: its limit of ${inForce.value} ${inForce.unit} cannot be lifted`,
          };
          continue;
        }
        plan.push({ command: this.command(r.connector, lift, undefined), sent: undefined });
        continue;
      }
      const value = this.inTargetUnit(limit, r);
      if (value === undefined) {
        problem ??= { ok: false, reasonCode: 'NotSupported', additionalInfo: `a limit in ${limit.unit} cannot be converted for connector ${r.connector}` };
        continue;
      }
      if (inForce !== undefined && inForce.value === value.limit && inForce.unit === value.unit && inForce.until === limit.until) continue;
      plan.push({ command: this.command(r.connector, value, limit.until), sent: { value: value.limit, unit: value.unit, until: limit.until } });
    }
    if (plan.length > 0) {
      const lastSent = (this.lastSent ??= new Map());
      for (const p of plan) lastSent.set(p.command.connector, p.command.id);
    }
    const outcomes = await Promise.all(plan.map((p) => this.commands.run(p.command, { late: () => this.lateConfirmed(p.command, p.sent) })));
    for (const [i, p] of plan.entries()) {
      const o = outcomes[i];
      if (o?.ok !== true) continue;
      this.record(p.command.connector, p.sent);
    }
    const refusal = outcomes.find((o): o is Refusal => !o.ok) ?? problem;
    for (const [i, p] of plan.entries()) {
      const o = outcomes[i];
      if (o !== undefined && !o.ok)
        this.ctx.log('warn', 'charging limit not taken by the charger', { connector: p.command.connector, limit: p.command.limit, reasonCode: o.reasonCode, reason: o.additionalInfo });
    }
    const notes = outcomes.flatMap((o) => (o.ok && o.note !== undefined ? [o.note] : []));
    return refusal ?? { ok: true, status: 'accepted', ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
  }

  /** The next instant a route's limit changes, within the lookahead. */
  nextChange(profiles: readonly InstalledProfile[], transactionOf: (evse: number) => RunningTransaction | undefined, now: number): number | undefined {
    let wake: number | undefined;
    for (const r of this.routes) {
      const tx = transactionOf(r.evse);
      try {
        const next = nextChange(profiles, r.evse, now, { spec: this.spec, includeStation: r.includeStation, ...(tx !== undefined ? { transaction: tx } : {}) });
        if (next !== undefined) wake = Math.min(wake ?? next, next);
      } catch {
        // A limit that cannot be computed was refused by `check`; nothing to wake for.
      }
    }
    return wake;
  }

  /** `command` (a limit, or a lift when `sent` is undefined) was confirmed after its wait ran out. */
  private lateConfirmed(command: ChargerCommand & { type: 'setLimit' }, sent: Sent | undefined): void {
    const connector = command.connector;
    if (this.lastSent?.get(connector) !== command.id) {
      this.ctx.log('info', 'late limit confirmation overtaken by a newer limit: not recorded', { connector, command: command.id });
      return;
    }
    this.record(connector, sent);
    this.ctx.log('info', 'limit confirmed late: recorded as in force, the installed profiles are enforced again', { connector, limit: command.limit });
    this.onLate();
  }

  /** The charger (re)connected and may have lost its limits: nothing counts as in force. */
  forget(): void {
    this.sent = undefined;
  }

  /** `sent` is in force on `connector` (undefined: no limit is). */
  private record(connector: number, sent: Sent | undefined): void {
    if (sent !== undefined) {
      (this.sent ??= new Map()).set(connector, sent);
      return;
    }
    this.sent?.delete(connector);
    if (this.sent?.size === 0) this.sent = undefined;
  }

  private command(connector: number, l: Limit, until: number | undefined): ChargerCommand & { type: 'setLimit' } {
    return { type: 'setLimit', id: this.ctx.commandId('limit'), connector, limit: { value: l.limit, unit: l.unit }, ...(until !== undefined ? { until: ocppTimestamp(until) } : {}) };
  }

  /** What lifts a route's limit: its target's maximum, else the nameplate power in a unit it takes. */
  private maximum(r: Route): Limit | undefined {
    const m = r.target.maximum;
    if (m !== undefined) return { limit: m.value, unit: m.unit };
    const w = this.ctx.capabilities.maxPowerW;
    return w === undefined ? undefined : this.inTargetUnit({ limit: w, unit: 'W' }, r);
  }

  /** `l` in a unit the route's target takes: its own when possible. */
  private inTargetUnit(l: Limit, r: Route): Limit | undefined {
    if (r.target.units.has(l.unit)) return { limit: l.limit, unit: l.unit };
    const unit: RateUnit = l.unit === 'W' ? 'A' : 'W';
    if (!r.target.units.has(unit)) return undefined;
    try {
      return { limit: convertLimit(l, unit, this.spec), unit };
    } catch {
      return undefined;
    }
  }

  /** AC converts A↔W at its phase voltage; DC only with a configured voltage. */
  private convertible(): boolean {
    return this.spec.currentType === 'AC' || this.spec.dcVoltage !== undefined;
  }
}

/** Whether a profile on `evseId` with `purpose` takes part in route `r`'s limit (composite-schedule `limitAt`). */
function takesPart(r: Route, evseId: number, purpose: Purpose): boolean {
  const station = purpose === 'ChargingStationMaxProfile' || purpose === 'ChargingStationExternalConstraints';
  if (r.evse === 0) return evseId === 0 && station;
  if (evseId === r.evse) return true;
  return evseId === 0 && (station ? r.includeStation : purpose === 'TxDefaultProfile');
}

/** The routes of each charger model: a codec hands every charger of one model the same capabilities. */
const ROUTES = new WeakMap<Capabilities, readonly Route[]>();

/** The routes of a charger (see the file comment), built once per capabilities object. */
function routesOf(caps: Capabilities): readonly Route[] {
  let routes = ROUTES.get(caps);
  if (routes === undefined) ROUTES.set(caps, (routes = buildRoutes(caps)));
  return routes;
}

function buildRoutes(caps: Capabilities): Route[] {
  if (caps.limitUnits.size === 0) return [];
  const n = caps.connectorCount;
  const targets = caps.limitTargets ?? new Map<number, LimitTarget>(Array.from({ length: n }, (_, i) => [i + 1, { units: caps.limitUnits }]));
  const whole = targets.get(0);
  const routes: Route[] = [];
  for (let e = 1; e <= n; e++) {
    const t = targets.get(e);
    if (t !== undefined) routes.push({ connector: e, evse: e, includeStation: whole === undefined, target: t });
  }
  if (whole !== undefined) {
    // A one-connector charger limited only as a whole: its EVSE's limit, with the station's, goes there.
    routes.unshift(n === 1 && routes.length === 0 ? { connector: 0, evse: 1, includeStation: true, target: whole } : { connector: 0, evse: 0, includeStation: true, target: whole });
  }
  return routes;
}
