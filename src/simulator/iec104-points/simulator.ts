/**
 * A charger driven by a point-table mapping, playing the IEC 104 *controlled* station: it answers
 * STARTDT, clock sync, general and counter interrogation and the mapped commands, and reports its
 * own changes spontaneously (COT 3). Pure: bytes leave through `send`, time and timers come from the
 * injected clock (`now()` in epoch milliseconds: the charger's clock is derived from it), so tests
 * run it on a fake clock and `connect.ts` wires it to a socket.
 */
import { encodeAsdu } from '../../iec104/asdu-generator.js';
import { DEFAULT_TIME_ZONE } from '../../core/time-zone.js';
import type { Clock } from '../../core/clock.js';
import { ControlledLink, type LinkCloseReason, type LinkParameters, type LinkState } from '../../iec104/link.js';
import type { Asdu, AsduParameters } from '../../iec104/types.js';
import type { Measurand } from '../../model/units.js';
import type { Iec104PointsMapping } from '../../../codecs/iec104-points/mapping.js';
import { StationAnswers } from './answers.js';
import { executeCommand, type CommandBehaviour, type CommandName } from './commands.js';
import { EventQueue, type SimulatorEvent } from './events.js';
import { ChargerModel, SOC_ON_PLUG, type ConnectorSnapshot, type ConnectorState } from './model.js';
import type { RawValue } from './points.js';
import { PointReporter } from './reporting.js';

export type { CommandBehaviour, CommandName, CommandOutcome } from './commands.js';
export type { ConnectorSnapshot } from './model.js';
export type { SimulatorEvent } from './events.js';

export interface ChargerSimulatorOptions {
  readonly mapping: Iec104PointsMapping;
  /** The charger's common address (its id with `identity.source: commonAddress`). */
  readonly commonAddress: number;
  /** `now()` must be epoch milliseconds: CP56 time tags and clock sync are derived from it. */
  readonly clock: Clock;
  /** Writes bytes to the gateway. */
  send(bytes: Buffer): void;
  /** The link asks for the connection to be closed (t1, bad sequence number). */
  close(reason: LinkCloseReason): void;
  /** IANA zone of the charger's clock; default the mapping's, then Asia/Shanghai. */
  readonly timeZone?: string;
  /** One behaviour for every command, or per command (unlisted ones execute). Default `execute`. */
  readonly commandBehaviour?: CommandBehaviour | Partial<Record<CommandName, CommandBehaviour>>;
  /** Send ACT_TERM after carrying out a command. Default true. */
  readonly sendActTerm?: boolean;
  /** Spontaneous changes as M_SP_TB_1 / M_ME_TF_1 ... with a CP56 tag in the charger's local time. */
  readonly timeTagged?: boolean;
  /** Report energy registers spontaneously as they rise (besides counter interrogation). Default true. */
  readonly spontaneousCounters?: boolean;
  /** Link parameters in ms; default the mapping's `link` section (seconds), then the IEC defaults. */
  readonly link?: Partial<LinkParameters>;
  /** Starting energy register of connector n: `initialEnergyWh * n`. Default 100 000 Wh. */
  readonly initialEnergyWh?: number;
  /** Power drawn by a charging EV before limits; default the charger's maximum shared by its connectors. */
  readonly defaultPowerW?: number;
  /** The charger's clock runs this far ahead of `clock` until a clock sync sets it. Default 0. */
  readonly clockOffsetMs?: number;
  /** While a connector charges, integrate and report energy this often (0 = only on `tick()`). Default 0. */
  readonly meterIntervalMs?: number;
  /** A select is forgotten when no execute follows within this time. Default 10 000 ms. */
  readonly selectTimeoutMs?: number;
  /** Refuse a remote start while no EV is plugged in (negative ACT_CON). Default true. */
  readonly startRequiresPlug?: boolean;
}

/** The IEC 104 controlled station of one charger, simulated from its mapping. */
export class ChargerSimulator {
  readonly mapping: Iec104PointsMapping;
  readonly commonAddress: number;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly asduParams: AsduParameters;
  private readonly opts: ChargerSimulatorOptions;
  private readonly linkParams: Partial<LinkParameters>;
  private link: ControlledLink;
  private readonly model: ChargerModel;
  private readonly reporter: PointReporter;
  private readonly answers: StationAnswers;
  private readonly events = new EventQueue();
  private clockOffsetMs: number;
  private mutating = 0;

  constructor(options: ChargerSimulatorOptions) {
    this.opts = options;
    this.mapping = options.mapping;
    this.commonAddress = options.commonAddress;
    this.clock = options.clock;
    this.timeZone = options.timeZone ?? options.mapping.timeZone ?? DEFAULT_TIME_ZONE;
    const a = options.mapping.asdu;
    this.asduParams = { cotSize: a?.cotSize ?? 2, caSize: a?.caSize ?? 2, ioaSize: a?.ioaSize ?? 3 };
    const l = options.mapping.link;
    const fromMapping = Object.fromEntries(
      (['k', 'w', 't1', 't2', 't3'] as const).flatMap((name) => {
        const v = l?.[name];
        return v === undefined ? [] : [[name, name.startsWith('t') ? v * 1000 : v]];
      }),
    ) as Partial<LinkParameters>;
    this.linkParams = { ...fromMapping, ...options.link };
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.model = new ChargerModel(options.mapping, {
      ...(options.initialEnergyWh === undefined ? {} : { initialEnergyWh: options.initialEnergyWh }),
      ...(options.defaultPowerW === undefined ? {} : { defaultPowerW: options.defaultPowerW }),
    });
    const station = {
      clock: this.clock,
      model: this.model,
      commonAddress: this.commonAddress,
      asduParams: this.asduParams,
      timeZone: this.timeZone,
      chargerNow: () => this.chargerNow(),
      sendAsdu: (asdu: Asdu) => this.link.sendAsdu(encodeAsdu(asdu, this.asduParams)),
    };
    const maxApduLength = (): number => this.link.params.maxApduLength ?? 253;
    this.reporter = new PointReporter(options.mapping, { ...station, maxApduLength, tick: () => this.tick() }, options);
    this.answers = new StationAnswers(
      options.mapping,
      {
        ...station,
        reporter: this.reporter,
        setChargerTime: (date) => {
          this.clockOffsetMs = date.getTime() - this.clock.now();
        },
        sendEncoded: (bytes) => this.link.sendAsdu(bytes),
        execute: (match) => this.mutate(() => executeCommand(this, match)),
        emit: (event) => this.events.emit(event),
      },
      options,
    );
    this.link = this.newLink();
  }

  /** The link's state: I-frames flow only while `active` (after the gateway's STARTDT act). */
  get linkState(): LinkState {
    return this.link.state;
  }

  /** The largest charging power of one connector, W. */
  get maxPowerW(): number {
    return this.model.maxPowerW;
  }

  /** What a charging EV draws before limits, W. */
  get defaultPowerW(): number {
    return this.model.defaultPowerW;
  }

  /** The charger's own clock (epoch ms): the injected clock plus the offset a clock sync set. */
  chargerNow(): number {
    return this.clock.now() + this.clockOffsetMs;
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: SimulatorEvent) => void): () => void {
    return this.events.on(listener);
  }

  /** Feeds bytes received from the gateway. */
  receive(chunk: Uint8Array): void {
    this.link.receive(chunk);
  }

  /** The connection is gone for good: stops the link and every timer. */
  dispose(): void {
    this.reporter.dispose();
    this.link.dispose();
    this.answers.desk.clearSelections();
  }

  /** A new TCP connection: a fresh link (sequence numbers from 0, waiting for STARTDT); the charger state stays. */
  restartLink(): void {
    this.link.dispose();
    this.answers.desk.clearSelections();
    this.link = this.newLink();
  }

  /** How a command is answered from now on (`all`: every command without its own setting). */
  setCommandBehaviour(command: CommandName | 'all', behaviour: CommandBehaviour): void {
    this.answers.desk.setBehaviour(command, behaviour);
  }

  /** A copy of a connector's state and derived values. @throws RangeError for a connector the mapping lacks. */
  connector(n: number): ConnectorSnapshot {
    return this.model.snapshot(n);
  }

  /** The raw value the point at `ioa` reports now (SPI boolean, DPI, or number), undefined if unmapped. */
  pointValue(ioa: number): RawValue | undefined {
    return this.reporter.pointValue(ioa);
  }

  /** Runs several changes and reports them together (one ASDU per TI where they fit). */
  batch(fn: () => void): void {
    this.mutate(fn);
  }

  /** Integrates energy up to now and reports whatever changed. */
  tick(): void {
    this.mutate(() => undefined);
  }

  setPlugged(connector: number, plugged: boolean): void {
    this.mutate(() => {
      const c = this.state(connector);
      c.plugged = plugged;
      if (!plugged) c.charging = false;
      c.soc = plugged ? Math.max(c.soc, SOC_ON_PLUG) : 0;
    });
  }

  /** Starts or stops charging locally; starting plugs the connector in (an EV must be there). */
  setCharging(connector: number, charging: boolean): void {
    this.mutate(() => {
      const c = this.state(connector);
      if (charging && !c.plugged) {
        c.plugged = true;
        c.soc = Math.max(c.soc, SOC_ON_PLUG);
      }
      // The charger's own start figures (start energy and start time points, where mapped).
      if (charging && !c.charging) c.sessionStart = { wh: c.energyWh, atMs: this.chargerNow() };
      c.charging = charging;
    });
  }

  setAvailable(connector: number, available: boolean): void {
    this.mutate(() => {
      this.state(connector).available = available;
    });
  }

  /** What the EV on `connector` draws, W (the delivered power is capped by limits). */
  setPower(connector: number, watts: number): void {
    this.mutate(() => {
      this.state(connector).requestedPowerW = Math.max(0, watts);
    });
  }

  /** A power limit on a connector, 0 for the whole charger; undefined lifts it. */
  setPowerLimit(connector: number, watts: number | undefined): void {
    this.mutate(() => {
      const c = this.state(connector);
      if (watts === undefined) delete c.limitW;
      else c.limitW = watts;
    });
  }

  /** A current limit in A on a connector, 0 for the whole charger; undefined lifts it. */
  setCurrentLimit(connector: number, amps: number | undefined): void {
    this.mutate(() => {
      const c = this.state(connector);
      if (amps === undefined) delete c.limitA;
      else c.limitA = amps;
    });
  }

  /**
   * Raises the fault point with `code` (on `connector`, or the first point with that code). A fault
   * that stops delivery (error or critical; on connector 0, of every connector) ends the charging
   * session, as a real charger's protection does: clearing it does not charge again, a new start does.
   * @throws RangeError when the mapping has no such fault point.
   */
  raiseFault(code: string, connector?: number): void {
    const point = this.model.faultPoint(code, connector);
    this.mutate(() => {
      this.state(point.connector).faults.set(code, point.fault.severity);
      this.model.endBlockedSessions();
    });
  }

  /** Clears a fault raised by `raiseFault`. @throws RangeError when the mapping has no such fault point. */
  clearFault(code: string, connector?: number): void {
    const point = this.model.faultPoint(code, connector);
    this.mutate(() => this.state(point.connector).faults.delete(code));
  }

  /**
   * Sets a measurand in canonical units (Wh, W, V, A, %, °C). Energy and power feed the simulation
   * (the register, the delivered power); others stay as set until set again. `phase` sets only that
   * phase's points. Returns false when the mapping has no point for it (the value is kept anyway).
   */
  setMeasurand(connector: number, measurand: Measurand, value: number, phase?: 'L1' | 'L2' | 'L3' | 'N'): boolean {
    this.mutate(() => {
      const c = this.state(connector);
      if (measurand === 'energy') c.energyWh = value;
      else if (measurand === 'soc') c.soc = value;
      else c.overrides.set(phase === undefined ? measurand : `${measurand}:${phase}`, value);
    });
    return this.mapping.points.some((p) => p.signal === 'measurand' && p.connector === connector && p.measurand === measurand && (phase === undefined || p.phase === phase));
  }

  // --- received ASDUs --------------------------------------------------------------------------

  private newLink(): ControlledLink {
    return new ControlledLink({
      clock: this.clock,
      params: this.linkParams,
      send: (bytes) => this.opts.send(bytes),
      close: (reason) => this.opts.close(reason),
      onAsdu: (asdu) => this.events.exclusive(() => this.answer(asdu)),
      onStateChange: (from, to) => this.events.emit({ type: 'link', from, to }),
      onError: (error) => this.events.emit({ type: 'decodeError', error }),
    });
  }

  /** Answers one received ASDU; input never makes it throw (a socket handler calls this). */
  private answer(bytes: Buffer): void {
    try {
      this.answers.handle(bytes);
    } catch (error) {
      // An echo the encoder or the link refuses (e.g. longer than a reduced maxApduLength allows).
      this.events.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  // --- changes: integrated before, reported after ------------------------------------------------------------------

  private state(n: number): ConnectorState {
    return this.model.state(n);
  }

  /** Applies a change with energy integrated up to it, then reports what changed (once, at the outermost level). */
  private mutate(fn: () => void): void {
    this.events.exclusive(() => {
      this.mutating += 1;
      try {
        if (this.mutating === 1) this.reporter.integrate();
        fn();
      } finally {
        this.mutating -= 1;
      }
      if (this.mutating === 0) {
        this.reporter.publish();
        this.events.emit({ type: 'state' });
        this.reporter.armMeter();
      }
    });
  }
}
