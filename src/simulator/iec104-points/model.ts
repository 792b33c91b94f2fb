/**
 * The simulated charger itself, without the protocol: connector states, the values derived from
 * them (status, delivered power, voltage, current), energy integration over time, and the raw value
 * each mapped point reports for the current state. `ChargerSimulator` changes it and reports.
 */
import type { ChargingState, ConnectorStatus, FaultSeverity } from '../../model/events.js';
import type { Measurand } from '../../model/units.js';
import type { FaultPoint, Iec104PointsMapping, Point } from '../../../codecs/iec104-points/mapping.js';
import { binaryRaw, codeRaw, measurandRaw, statusCode, type RawValue } from './points.js';

/** One connector as the simulation holds it (connector 0 is the charger as a whole). */
export interface ConnectorState {
  plugged: boolean;
  charging: boolean;
  available: boolean;
  /** Raised faults by code, with the severity the mapping gives them. */
  readonly faults: Map<string, FaultSeverity>;
  /** What the EV would draw; the delivered power is capped by limits and the charger maximum. */
  requestedPowerW: number;
  energyWh: number;
  soc: number;
  limitW?: number;
  limitA?: number;
  /** Measurands set explicitly, by `measurand` or `measurand:phase`. */
  readonly overrides: Map<string, number>;
  /** The register and the charger's clock (epoch ms) when the latest session started; kept after it ends. */
  sessionStart?: { readonly wh: number; readonly atMs: number };
}

/** A read-only view of a connector with its derived values. */
export interface ConnectorSnapshot {
  readonly connector: number;
  readonly plugged: boolean;
  readonly charging: boolean;
  readonly available: boolean;
  readonly faults: readonly string[];
  readonly status: ConnectorStatus;
  readonly chargingState: ChargingState;
  readonly powerW: number;
  readonly energyWh: number;
  readonly soc: number;
  readonly limitW?: number;
  readonly limitA?: number;
}

export interface ChargerModelOptions {
  /** Starting energy register of connector n: `initialEnergyWh * n`. Default 100 000 Wh. */
  readonly initialEnergyWh?: number;
  /** Power a charging EV draws before limits; default the charger's maximum shared by its connectors. */
  readonly defaultPowerW?: number;
}

/** SoC an EV arrives with, and the battery its SoC rises against. */
export const SOC_ON_PLUG = 30;
const BATTERY_WH = 60_000;
const AC_VOLTAGE = 230;
const DC_VOLTAGE = 400;

export class ChargerModel {
  /** The largest charging power of one connector, W. */
  readonly maxPowerW: number;
  /** What a charging EV draws before limits, W. */
  readonly defaultPowerW: number;
  private readonly connectors: ConnectorState[] = [];

  constructor(
    readonly mapping: Iec104PointsMapping,
    options: ChargerModelOptions = {},
  ) {
    const { currentType, connectors } = mapping.charger;
    this.maxPowerW = mapping.charger.maxPowerW ?? (currentType === 'AC' ? 7_000 : 60_000);
    this.defaultPowerW = options.defaultPowerW ?? (currentType === 'AC' ? this.maxPowerW : this.maxPowerW / connectors);
    const initialWh = options.initialEnergyWh ?? 100_000;
    for (let n = 0; n <= connectors; n++) {
      this.connectors.push({
        plugged: false,
        charging: false,
        available: true,
        faults: new Map(),
        requestedPowerW: this.defaultPowerW,
        energyWh: initialWh * n,
        soc: 0,
        overrides: new Map(),
      });
    }
  }

  /** The mutable state of connector `n` (0 = the charger). @throws RangeError for one the mapping lacks. */
  state(n: number): ConnectorState {
    const c = this.connectors[n];
    if (c === undefined) throw new RangeError(`connector ${n} is not in the mapping (0..${this.connectors.length - 1})`);
    return c;
  }

  get anyCharging(): boolean {
    return this.connectors.some((c) => c.charging);
  }

  snapshot(n: number): ConnectorSnapshot {
    const c = this.state(n);
    return {
      connector: n,
      plugged: c.plugged,
      charging: c.charging,
      available: c.available,
      faults: [...c.faults.keys()],
      status: this.statusOf(n),
      chargingState: this.chargingStateOf(n),
      powerW: this.powerOf(n),
      energyWh: c.energyWh,
      soc: c.soc,
      ...(c.limitW === undefined ? {} : { limitW: c.limitW }),
      ...(c.limitA === undefined ? {} : { limitA: c.limitA }),
    };
  }

  /** The fault point with `code` (on `connector`, or the first). @throws RangeError when there is none. */
  faultPoint(code: string, connector?: number): FaultPoint {
    const point = this.mapping.points.find((p): p is FaultPoint => p.signal === 'fault' && p.fault.code === code && (connector === undefined || p.connector === connector));
    if (point === undefined) {
      throw new RangeError(`mapping ${this.mapping.name} has no fault point ${code}${connector === undefined ? '' : ` on connector ${connector}`}`);
    }
    return point;
  }

  /** An error or critical fault on the connector, or on the charger as a whole, stops delivery. */
  blocked(n: number): boolean {
    const severe = (c: ConnectorState): boolean => [...c.faults.values()].some((s) => s === 'error' || s === 'critical');
    return severe(this.state(n)) || (n !== 0 && severe(this.state(0)));
  }

  /** Every connector a fault blocks stops charging: its session is over (see `ChargerSimulator.raiseFault`). */
  endBlockedSessions(): void {
    for (let n = 1; n < this.connectors.length; n++) if (this.blocked(n)) this.state(n).charging = false;
  }

  statusOf(n: number): ConnectorStatus {
    const c = this.state(n);
    if (this.blocked(n)) return 'faulted';
    if (!c.available || (n !== 0 && !this.state(0).available)) return 'unavailable';
    return c.plugged ? 'occupied' : 'available';
  }

  chargingStateOf(n: number): ChargingState {
    const c = this.state(n);
    if (c.charging) return this.powerOf(n) > 0 ? 'charging' : 'suspendedEVSE';
    return c.plugged ? 'evConnected' : 'idle';
  }

  /** Delivered power: what the EV asks, capped by the charger maximum and the power/current limits; connector 0 sums. */
  powerOf(n: number): number {
    const c = this.state(n);
    if (n === 0) return this.connectors.slice(1).reduce((sum, _, i) => sum + this.powerOf(i + 1), 0);
    if (!c.charging || this.blocked(n)) return 0;
    const charger = this.state(0);
    const voltage = this.overrideOf(n, 'voltage') ?? this.nominalVoltage(n);
    const amps = [c.limitA, charger.limitA].map((a) => (a === undefined ? undefined : a * voltage));
    const caps = [c.requestedPowerW, this.maxPowerW, c.limitW, charger.limitW, ...amps];
    return Math.max(0, Math.min(...caps.filter((v): v is number => v !== undefined)));
  }

  /** A measurand in canonical units for connector `n` (and `phase`, where points are per phase). */
  measurandOf(n: number, measurand: Measurand, phase?: string): number {
    const c = this.state(n);
    if (measurand === 'energy') return c.energyWh;
    if (measurand === 'soc') return c.soc;
    const override = this.overrideOf(n, measurand, phase);
    if (override !== undefined) return override;
    switch (measurand) {
      case 'power':
        return this.powerOf(n);
      case 'voltage':
        return this.nominalVoltage(n);
      case 'current': {
        const v = this.overrideOf(n, 'voltage', phase) ?? this.nominalVoltage(n);
        return v > 0 ? this.powerOf(n) / v : 0;
      }
      case 'temperature':
        return n === 0 ? 30 : 25;
    }
  }

  /** The raw value point `p` carries for the current state; `previous` stands when no status code fits. */
  rawOf(p: Point, previous?: RawValue): RawValue {
    const c = this.state(p.connector);
    const binary = (on: boolean): RawValue => binaryRaw(p.ti, 'invert' in p && p.invert === true ? !on : on);
    switch (p.signal) {
      case 'plugged':
        return binary(c.plugged);
      case 'charging':
        return binary(c.charging);
      case 'available':
        return binary(c.available);
      case 'fault':
        return binary(c.faults.has(p.fault.code));
      case 'status': {
        const wanted = { status: this.statusOf(p.connector), chargingState: this.chargingStateOf(p.connector), plugged: c.plugged };
        const code = statusCode(p, wanted);
        return code === undefined ? (previous ?? codeRaw(p.ti, 0)) : codeRaw(p.ti, code);
      }
      case 'measurand':
        return measurandRaw(p, this.measurandOf(p.connector, p.measurand, p.phase));
      case 'sessionStartEnergy':
        return measurandRaw({ ...p, signal: 'measurand', measurand: 'energy' }, c.sessionStart?.wh ?? 0);
      case 'sessionStartTime':
        return Math.floor((c.sessionStart?.atMs ?? 0) / 1000);
    }
  }

  /** Adds `ms` of delivery at the present power to every connector's register and the EV's SoC. */
  integrate(ms: number): void {
    if (ms <= 0) return;
    for (let n = 1; n < this.connectors.length; n++) {
      const c = this.state(n);
      const wh = (this.powerOf(n) * ms) / 3_600_000;
      c.energyWh += wh;
      if (c.plugged) c.soc = Math.min(100, c.soc + (wh / BATTERY_WH) * 100);
    }
  }

  private nominalVoltage(n: number): number {
    if (this.mapping.charger.currentType === 'AC') return AC_VOLTAGE;
    return this.state(n).charging ? DC_VOLTAGE : 0;
  }

  private overrideOf(n: number, measurand: string, phase?: string): number | undefined {
    const o = this.state(n).overrides;
    return (phase === undefined ? undefined : o.get(`${measurand}:${phase}`)) ?? o.get(measurand);
  }
}
