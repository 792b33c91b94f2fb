/**
 * A charger driven by a point-table mapping, playing the IEC 104 *controlled* station: it answers
 * STARTDT, clock sync, general and counter interrogation and the mapped commands, and reports its
 * own changes spontaneously (COT 3). Pure: bytes leave through `send`, time and timers come from the
 * injected clock (`now()` in epoch milliseconds: the charger's clock is derived from it), so tests
 * run it on a fake clock and `src/simulator/iec104.ts` wires it to a socket.
 */
import { COT, TI, type TypeId } from '../../src/iec104/constants.js';
import { decodeAsdu } from '../../src/iec104/asdu-parser.js';
import { encodeAsdu, MAX_ASDU_SIZE } from '../../src/iec104/asdu-generator.js';
import { cp56FromDate, cp56ToDate, DEFAULT_TIME_ZONE } from '../../src/iec104/cp56.js';
import { ControlledLink, type LinkClock, type LinkCloseReason, type LinkParameters, type LinkState } from '../../src/iec104/link.js';
import type { DecodeError } from '../../src/iec104/errors.js';
import type { Asdu, AsduParameters, InformationObject } from '../../src/iec104/types.js';
import type { Measurand } from '../../src/model/units.js';
import type { Iec104PointsMapping, MappedCommand, Point } from './mapping.js';
import {
  CommandDesk,
  executeCommand,
  type CommandBehaviour,
  type CommandFacts,
  type CommandName,
  type CommandOutcome,
} from './simulator-commands.js';
import { ChargerModel, SOC_ON_PLUG, type ConnectorSnapshot, type ConnectorState } from './simulator-model.js';
import { monitorObject, packObjects, pointTypeId, sameRaw, type RawValue } from './simulator-points.js';

export type { CommandBehaviour, CommandName, CommandOutcome } from './simulator-commands.js';
export type { ConnectorSnapshot } from './simulator-model.js';

/** Something the simulator did or was asked; for scripts, logs and tests. Listeners must not throw. */
export type SimulatorEvent =
  | { readonly type: 'link'; readonly from: LinkState; readonly to: LinkState }
  | { readonly type: 'clockSync'; readonly time: Date }
  | { readonly type: 'interrogation'; readonly qoi: number }
  | { readonly type: 'counterInterrogation'; readonly rqt: number; readonly frz: number }
  | {
      readonly type: 'command';
      readonly ti: TypeId;
      readonly ioa: number;
      readonly select: boolean;
      readonly outcome: CommandOutcome;
      readonly command?: CommandName;
      readonly connector?: number;
      /** setLimit: the limit in the command's unit. */
      readonly value?: number;
    }
  /** The charger's state changed (after the spontaneous ASDUs, if any, were queued). */
  | { readonly type: 'state' }
  | { readonly type: 'decodeError'; readonly error: DecodeError }
  /** Answering a received ASDU failed; the ASDU is dropped. */
  | { readonly type: 'error'; readonly error: Error };

export interface ChargerSimulatorOptions {
  readonly mapping: Iec104PointsMapping;
  /** The charger's common address (its id with `identity.source: commonAddress`). */
  readonly commonAddress: number;
  /** `now()` must be epoch milliseconds: CP56 time tags and clock sync are derived from it. */
  readonly clock: LinkClock;
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
  readonly clock: LinkClock;
  readonly timeZone: string;
  readonly asduParams: AsduParameters;
  private readonly opts: ChargerSimulatorOptions;
  private readonly linkParams: Partial<LinkParameters>;
  private link: ControlledLink;
  private readonly model: ChargerModel;
  private readonly monitorPoints: readonly Point[];
  /** What each point was last reported as, by IOA. */
  private readonly reported = new Map<number, RawValue>();
  private readonly listeners = new Set<(event: SimulatorEvent) => void>();
  private readonly pending: SimulatorEvent[] = [];
  private readonly desk: CommandDesk;
  private clockOffsetMs: number;
  private integratedAt: number;
  private counterSequence = 0;
  private meterTimer: unknown;
  private meterArmed = false;
  private busy = 0;
  private mutating = 0;
  private flushing = false;
  private disposed = false;

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
    this.desk = new CommandDesk(
      options.mapping.commands ?? [],
      {
        clock: this.clock,
        reply: (asdu, cause, negative) => this.reply(asdu, cause, negative),
        report: (asdu, outcome, facts) => this.report(asdu, outcome, facts),
        canExecute: (command) => this.canExecute(command),
        execute: (match) => this.mutate(() => executeCommand(this, match)),
      },
      {
        ...(options.commandBehaviour === undefined ? {} : { behaviour: options.commandBehaviour }),
        ...(options.selectTimeoutMs === undefined ? {} : { selectTimeoutMs: options.selectTimeoutMs }),
        ...(options.sendActTerm === undefined ? {} : { sendActTerm: options.sendActTerm }),
      },
    );
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.integratedAt = this.clock.now();
    this.model = new ChargerModel(options.mapping, {
      ...(options.initialEnergyWh === undefined ? {} : { initialEnergyWh: options.initialEnergyWh }),
      ...(options.defaultPowerW === undefined ? {} : { defaultPowerW: options.defaultPowerW }),
    });
    this.monitorPoints = [...options.mapping.points].sort((x, y) => TI[x.ti] - TI[y.ti] || x.ioa - y.ioa);
    for (const p of this.monitorPoints) this.reported.set(p.ioa, this.rawOf(p));
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
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feeds bytes received from the gateway. */
  receive(chunk: Uint8Array): void {
    this.link.receive(chunk);
  }

  /** The connection is gone for good: stops the link and every timer. */
  dispose(): void {
    this.disposed = true;
    this.link.dispose();
    this.desk.clearSelections();
    if (this.meterArmed) this.clock.clearTimeout(this.meterTimer);
    this.meterArmed = false;
  }

  /** A new TCP connection: a fresh link (sequence numbers from 0, waiting for STARTDT); the charger state stays. */
  restartLink(): void {
    this.link.dispose();
    this.desk.clearSelections();
    this.link = this.newLink();
  }

  /** How a command is answered from now on (`all`: every command without its own setting). */
  setCommandBehaviour(command: CommandName | 'all', behaviour: CommandBehaviour): void {
    this.desk.setBehaviour(command, behaviour);
  }

  /** A copy of a connector's state and derived values. @throws RangeError for a connector the mapping lacks. */
  connector(n: number): ConnectorSnapshot {
    return this.model.snapshot(n);
  }

  /** The raw value the point at `ioa` reports now (SPI boolean, DPI, or number), undefined if unmapped. */
  pointValue(ioa: number): RawValue | undefined {
    const point = this.monitorPoints.find((p) => p.ioa === ioa);
    return point === undefined ? undefined : this.rawOf(point);
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
   * Raises the fault point with `code` (on `connector`, or the first point with that code).
   * @throws RangeError when the mapping has no such fault point.
   */
  raiseFault(code: string, connector?: number): void {
    const point = this.model.faultPoint(code, connector);
    this.mutate(() => this.state(point.connector).faults.set(code, point.fault.severity));
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
    return this.mapping.points.some(
      (p) => p.signal === 'measurand' && p.connector === connector && p.measurand === measurand && (phase === undefined || p.phase === phase),
    );
  }

  // --- received ASDUs --------------------------------------------------------------------------

  private newLink(): ControlledLink {
    return new ControlledLink({
      clock: this.clock,
      params: this.linkParams,
      send: (bytes) => this.opts.send(bytes),
      close: (reason) => this.opts.close(reason),
      onAsdu: (asdu) => this.exclusive(() => this.answer(asdu)),
      onStateChange: (from, to) => this.emit({ type: 'link', from, to }),
      onError: (error) => this.emit({ type: 'decodeError', error }),
    });
  }

  /** Answers one received ASDU; input never makes it throw (a socket handler calls this). */
  private answer(bytes: Buffer): void {
    try {
      this.onAsdu(bytes);
    } catch (error) {
      // An echo the encoder or the link refuses (e.g. longer than a reduced maxApduLength allows).
      this.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  private onAsdu(bytes: Buffer): void {
    const decoded = decodeAsdu(bytes, this.asduParams);
    if (!decoded.ok) {
      if (decoded.error.code === 'IEC104_UNKNOWN_TI') this.echoUnknownType(bytes);
      else this.emit({ type: 'decodeError', error: decoded.error });
      return;
    }
    const asdu = decoded.value;
    const broadcast = this.asduParams.caSize === 2 ? 0xffff : 0xff;
    if (asdu.commonAddress !== this.commonAddress && asdu.commonAddress !== broadcast) {
      // The one negative answer that keeps the address it got: the address is what is unknown.
      this.sendAsdu({ ...asdu, cause: COT.UNKNOWN_COMMON_ADDRESS, negative: true });
      this.report(asdu, 'unknown-common-address');
      return;
    }
    switch (asdu.typeId) {
      case TI.C_IC_NA_1:
        return this.onInterrogation(asdu);
      case TI.C_CI_NA_1:
        return this.onCounterInterrogation(asdu);
      case TI.C_CS_NA_1:
        return this.onClockSync(asdu);
      default:
        return this.desk.handle(asdu);
    }
  }

  /** §7.4.4 station interrogation: ACT_CON, every monitor point but the counters with COT 20, ACT_TERM. */
  private onInterrogation(asdu: Asdu): void {
    const qoi = (asdu.objects[0] as { qoi: number }).qoi;
    if (!this.confirmActivation(asdu)) return;
    const known = qoi >= 20 && qoi <= 36;
    this.reply(asdu, COT.ACTIVATION_CON, !known);
    if (!known) return;
    this.emit({ type: 'interrogation', qoi });
    // No point is assigned to a group: a group interrogation (QOI 21..36) is confirmed and terminated empty.
    if (qoi === 20) {
      const points = this.monitorPoints.filter((p) => p.ti !== 'M_IT_NA_1');
      this.sendPoints(points, COT.INTERROGATED_BY_STATION, false, asdu.originator);
    }
    this.reply(asdu, COT.ACTIVATION_TERMINATION, false);
  }

  /** §7.4.5 counter interrogation: ACT_CON, the registers with COT 37 (general request), ACT_TERM. */
  private onCounterInterrogation(asdu: Asdu): void {
    const { rqt, frz } = asdu.objects[0] as { rqt: number; frz: number };
    if (!this.confirmActivation(asdu)) return;
    const known = rqt >= 1 && rqt <= 5;
    this.reply(asdu, COT.ACTIVATION_CON, !known);
    if (!known) return;
    this.emit({ type: 'counterInterrogation', rqt, frz });
    this.integrate();
    // FRZ 1/2 freeze: the sequence number counts freezes (IEC 60870-5-101 §7.2.6.9). FRZ 3 resets: not simulated.
    if (frz === 1 || frz === 2) this.counterSequence = (this.counterSequence + 1) % 32;
    if (rqt === 5 && frz !== 3) {
      const counters = this.monitorPoints.filter((p) => p.ti === 'M_IT_NA_1');
      this.sendPoints(counters, COT.REQUESTED_BY_GENERAL_COUNTER, false, asdu.originator);
    }
    this.reply(asdu, COT.ACTIVATION_TERMINATION, false);
  }

  /** Sets the charger's clock from C_CS_NA_1 and confirms with the clock as now set (local time). */
  private onClockSync(asdu: Asdu): void {
    if (!this.confirmActivation(asdu)) return;
    const object = asdu.objects[0] as { ioa: number; time: NonNullable<InformationObject['time']> };
    const date = object.time.invalid ? undefined : cp56ToDate(object.time, this.timeZone);
    if (date === undefined) {
      this.reply(asdu, COT.ACTIVATION_CON, true);
      return;
    }
    this.clockOffsetMs = date.getTime() - this.clock.now();
    const time = cp56FromDate(new Date(this.chargerNow()), this.timeZone);
    this.sendAsdu({ ...asdu, cause: COT.ACTIVATION_CON, negative: false, commonAddress: this.commonAddress, objects: [{ ioa: object.ioa, time }] });
    this.emit({ type: 'clockSync', time: date });
  }

  /** A remote start needs an available, fault-free connector (and an EV, unless configured otherwise). */
  private canExecute(command: MappedCommand): boolean {
    if (command.command !== 'startCharging') return true;
    const n = command.connector;
    const c = this.state(n);
    if (c.charging) return true;
    if (this.opts.startRequiresPlug !== false && !c.plugged) return false;
    const status = this.model.statusOf(n);
    return status !== 'faulted' && status !== 'unavailable';
  }

  /** COT 6 is the only cause an activation may carry; anything else gets COT 45 negative. */
  private confirmActivation(asdu: Asdu): boolean {
    if (asdu.cause === COT.ACTIVATION) return true;
    this.reply(asdu, COT.UNKNOWN_CAUSE, true);
    this.report(asdu, 'unknown-cause');
    return false;
  }

  /** The TI is not one this library decodes: echo the bytes with COT 44 and P/N set, T bit kept. */
  private echoUnknownType(bytes: Buffer): void {
    if (bytes.length < 3) return;
    const echo = Buffer.from(bytes);
    echo[2] = ((bytes[2] as number) & 0x80) | 0x40 | COT.UNKNOWN_TYPE_ID;
    this.link.sendAsdu(echo);
  }

  private reply(asdu: Asdu, cause: number, negative: boolean): void {
    this.sendAsdu({ ...asdu, cause, negative, commonAddress: this.commonAddress });
  }

  private report(asdu: Asdu, outcome: CommandOutcome, facts: CommandFacts = {}): void {
    const ioa = asdu.objects[0]?.ioa ?? 0;
    const select = (asdu.objects[0] as { select?: boolean } | undefined)?.select === true;
    const defined = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
    this.emit({ type: 'command', ti: asdu.typeId, ioa, select, outcome, ...defined });
  }

  // --- state and reporting ---------------------------------------------------------------------

  private state(n: number): ConnectorState {
    return this.model.state(n);
  }

  private rawOf(p: Point): RawValue {
    return this.model.rawOf(p, this.reported.get(p.ioa));
  }

  /** Integrates every charging connector's energy (and the EV's state of charge) up to now. */
  private integrate(): void {
    const now = this.clock.now();
    this.model.integrate(now - this.integratedAt);
    this.integratedAt = now;
  }

  /** Applies a change with energy integrated up to it, then reports what changed (once, at the outermost level). */
  private mutate(fn: () => void): void {
    this.exclusive(() => {
      this.mutating += 1;
      try {
        if (this.mutating === 1) this.integrate();
        fn();
      } finally {
        this.mutating -= 1;
      }
      if (this.mutating === 0) this.publish();
    });
  }

  /** Spontaneous report (COT 3) of every point whose raw value changed since it was last reported. */
  private publish(): void {
    const changed = this.monitorPoints.filter((p) => {
      if (p.ti === 'M_IT_NA_1' && this.opts.spontaneousCounters === false) return false;
      const raw = this.rawOf(p);
      if (sameRaw(this.reported.get(p.ioa), raw)) return false;
      this.reported.set(p.ioa, raw);
      return true;
    });
    this.sendPoints(changed, COT.SPONTANEOUS, this.opts.timeTagged === true, 0);
    this.emit({ type: 'state' });
    this.armMeter();
  }

  /** Sends the points' current values, one run of ASDUs per TI (they come sorted by TI). */
  private sendPoints(points: readonly Point[], cause: number, timeTagged: boolean, originator: number): void {
    const time = timeTagged ? cp56FromDate(new Date(this.chargerNow()), this.timeZone) : undefined;
    const maxAsdu = Math.min(MAX_ASDU_SIZE, (this.link.params.maxApduLength ?? 253) - 4);
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
      for (const run of packObjects(typeId, objects, this.asduParams, maxAsdu)) {
        this.sendAsdu({ typeId, sq: false, cause, negative: false, test: false, originator, commonAddress: this.commonAddress, objects: run });
      }
    }
  }

  private sendAsdu(asdu: Asdu): void {
    this.link.sendAsdu(encodeAsdu(asdu, this.asduParams));
  }

  /** While anything charges and a meter interval is set, integrate and report on the injected clock. */
  private armMeter(): void {
    const interval = this.opts.meterIntervalMs ?? 0;
    if (interval <= 0 || this.meterArmed || this.disposed) return;
    if (!this.model.anyCharging) return;
    this.meterArmed = true;
    this.meterTimer = this.clock.setTimeout(() => {
      this.meterArmed = false;
      this.tick();
    }, interval);
  }

  // --- events: delivered after the work in hand, so a listener never interleaves with a reply --

  private emit(event: SimulatorEvent): void {
    this.pending.push(event);
    this.flushEvents();
  }

  private exclusive(fn: () => void): void {
    this.busy += 1;
    try {
      fn();
    } finally {
      this.busy -= 1;
    }
    this.flushEvents();
  }

  private flushEvents(): void {
    if (this.busy > 0 || this.flushing) return;
    this.flushing = true;
    try {
      for (let event = this.pending.shift(); event !== undefined; event = this.pending.shift()) {
        for (const listener of [...this.listeners]) listener(event);
      }
    } finally {
      this.flushing = false;
    }
  }
}
