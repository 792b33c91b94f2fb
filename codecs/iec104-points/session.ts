/**
 * One charger connection speaking IEC 104 with a point table: the controlling-station link, the
 * start-up sequence (clock sync, general and counter interrogation), monitor ASDUs -> canonical
 * events through the mapping, canonical commands -> control ASDUs with their confirmations.
 */
import { COT, TI, type TypeInfo } from '../../src/iec104/constants.js';
import { DEFAULT_TIME_ZONE } from '../../src/core/time-zone.js';
import { cp56ToDate } from '../../src/iec104/cp56.js';
import { encodeAsdu } from '../../src/iec104/asdu-generator.js';
import { ControllingLink } from '../../src/iec104/link.js';
import type { Asdu, AsduParameters, Cp56Time } from '../../src/iec104/types.js';
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { ChargerEvent, CommandResultEvent, Timestamp } from '../../src/model/events.js';
import type { CodecSession, SessionContext } from '../codec.js';
import { PendingCommands, planCommand } from './commands.js';
import { ConnectorStates } from './connectors.js';
import { capabilitiesOf } from './capabilities.js';
import { ClockSync, DEFAULT_CLOCK_RETRY_SECONDS } from './clock-sync.js';
import { FINAL_METER_ID, FinalMeter } from './final-meter.js';
import { logFlowWarning } from './flow-advice.js';
import { AsduIntake, TYPE_INFO } from './intake.js';
import { LimitLifts } from './limit-lifts.js';
import type { Iec104PointsMapping } from './mapping.js';
import { readMonitor, type MonitorContext } from './monitor.js';
import { Periodic } from './periodic.js';
import { PointTable } from './points.js';
import { QualityRules } from './quality.js';
import { RepeatFilter } from './repeats.js';

export { capabilitiesOf } from './capabilities.js';

export interface Iec104PointsOptions {
  readonly mapping: Iec104PointsMapping;
  /** Shared lookup tables (built from the mapping when absent). */
  readonly table?: PointTable;
}

/** The control types the session sends, whose confirmations it expects: 1 at their TI. */
const SENT_TYPES = Uint8Array.from({ length: 256 }, (_, ti) =>
  [TI.C_SC_NA_1, TI.C_DC_NA_1, TI.C_SE_NA_1, TI.C_SE_NB_1, TI.C_SE_NC_1, TI.C_IC_NA_1, TI.C_CI_NA_1, TI.C_CS_NA_1].includes(ti as never) ? 1 : 0,
);
/** Longest wait for the final meter reading of a session before ending it anyway. */
const FINAL_METER_WAIT_MS = 5_000;
/** Prefix of the ids of commands the session sends by itself. */
const INTERNAL = 'internal:';

export class Iec104PointsSession implements CodecSession {
  readonly capabilities: Capabilities;
  private readonly mapping: Iec104PointsMapping;
  private readonly table: PointTable;
  private readonly params: AsduParameters;
  /** The listener's (or mapping's) zone, replaced by the registry's zone for the charger once identified. */
  private timeZone: string;
  private readonly link: ControllingLink;
  private readonly states: ConnectorStates;
  private readonly commands: PendingCommands;
  private chargerId: string | undefined;
  /** Decodes and screens the charger's ASDUs; knows its common address. */
  private readonly intake: AsduIntake;
  /** Start/stop commands in flight, to forget what they announced when they fail. */
  private readonly intents = new Map<string, { kind: 'start' | 'stop'; connector: number }>();
  private readonly finalMeter: FinalMeter;
  private readonly periodic: Periodic;
  private readonly lifts: LimitLifts;
  private readonly clockSync: ClockSync;
  private stopped = false;
  /** Resolves a pending `goodbye`. */
  private farewell: (() => void) | undefined;
  private isoMs = Number.NaN;
  private iso: Timestamp = '';
  private monitor: MonitorContext;
  /** Fault events of the monitor ASDU being read (emptied before they are emitted). */
  private readonly faults: ChargerEvent[] = [];

  constructor(private readonly ctx: SessionContext<Iec104PointsOptions>) {
    this.mapping = ctx.options.mapping;
    this.table = ctx.options.table ?? new PointTable(this.mapping);
    const a = this.mapping.asdu ?? {};
    this.params = { cotSize: a.cotSize ?? 2, caSize: a.caSize ?? 2, ioaSize: a.ioaSize ?? 3 };
    this.timeZone = ctx.connection.timeZone ?? this.mapping.timeZone ?? DEFAULT_TIME_ZONE;
    this.capabilities = capabilitiesOf(this.mapping, this.table);
    this.intake = new AsduIntake(ctx.sink, this.params, this.mapping.commonAddress);
    const figures = Array.from({ length: this.mapping.charger.connectors + 1 }, (_, c) => this.table.figures(c));
    this.states = new ConnectorStates(
      this.mapping.charger.connectors,
      () => this.chargerId ?? `ca${this.intake.commonAddress}`,
      (c) => figures[c] ?? this.table.figures(c),
    );
    this.monitor = {
      table: this.table,
      states: this.states,
      timeZone: this.timeZone,
      reports: this.intake,
      quality: QualityRules.of(this.mapping),
      repeats: undefined,
      changed: this.stateChanged,
    };
    const l = this.mapping.link ?? {};
    const sec = (v: number | undefined): number | undefined => (v === undefined ? undefined : v * 1000);
    this.link = new ControllingLink({
      params: dropUndefined({ k: l.k, w: l.w, t1: sec(l.t1), t2: sec(l.t2), t3: sec(l.t3) }),
      clock: ctx.clock,
      send: (bytes) => ctx.sink.send(bytes),
      close: (reason) => this.linkLost(`link ${reason}`),
      onFrame: () => ctx.sink.frameReceived?.(),
      onAsdu: (bytes) => this.onAsdu(bytes),
      onError: (e) => ctx.sink.error({ code: e.code, message: e.message, offset: e.offset }),
      onFlowWarning: (w) => logFlowWarning(ctx.sink.log, w, this.link.params),
      onStateChange: (from, to, reason) => {
        ctx.sink.log('debug', 'iec104 link', { from, to, reason });
        if (to === 'active') this.onActive();
        if ((to === 'stopped' || to === 'closed') && this.farewell !== undefined) {
          this.farewell();
          this.farewell = undefined;
        }
      },
    });
    this.commands = new PendingCommands(
      ctx.clock,
      (this.mapping.commandTimeoutSeconds ?? 10) * 1000,
      (asdu) => this.sendAsdu(asdu),
      (event) => this.onCommandResult(event),
      () => ({ commonAddress: this.intake.commonAddress, originator: 0 }),
      (command) => this.onExpired(command),
    );
    this.periodic = new Periodic(ctx.clock);
    // Both send through this session and report to its sink: no host objects or closures per connection.
    this.finalMeter = new FinalMeter(this, ctx, this.states, this.table, Math.min((this.mapping.commandTimeoutSeconds ?? 10) * 1000, FINAL_METER_WAIT_MS));
    this.clockSync = new ClockSync(this, ctx, this.mapping.interrogation?.clockSyncRetrySeconds ?? DEFAULT_CLOCK_RETRY_SECONDS);
    this.lifts = new LimitLifts(
      ctx.clock,
      (connector, limit) => this.command({ type: 'setLimit', id: `${INTERNAL}limit-lift-${connector}-${ctx.clock.now()}`, connector, limit }),
      () => !this.stopped && this.link.state === 'active',
      (connector, outcome) => ctx.sink.log('warn', 'could not lift an expired charging limit', { connector, status: outcome.status, reason: outcome.reason }),
    );
  }

  start(): void {
    if (this.table.hasEnergy(0)) {
      // Accepted: a charger-wide meter is worth reporting, but only a connector's register makes meterStart/Stop.
      this.ctx.sink.log('warn', 'energy point on connector 0: reported as a charger-wide measurement, never as the meter of a session');
    }
    if (this.mapping.identity.source === 'connection') {
      const id = this.ctx.connection.chargerId;
      if (id === undefined) this.ctx.sink.log('warn', 'mapping says identity comes from the connection, but none is configured: using the common address');
      else this.identify(id);
    }
    this.link.start();
  }

  receive(chunk: Uint8Array): void {
    if (!this.stopped) this.link.receive(chunk);
  }

  command(command: ChargerCommand): CommandOutcome {
    const plan = planCommand(command, this.table, this.timeZone, this.mapping.charger);
    if (!plan.ok) return { status: plan.status, reason: plan.reason };
    if (this.stopped) return { status: 'rejected', reason: 'connection closed' };
    if (this.link.state !== 'active') return { status: 'rejected', reason: `IEC 104 link is ${this.link.state}` };
    if (this.commands.busy(plan.plan)) {
      // A clock sync is short (ACT_CON ends it): the next waits for it rather than being refused.
      if (command.type === 'setClock' && !command.id.startsWith(INTERNAL)) return this.clockSync.hold(command);
      return { status: 'rejected', reason: 'another command is in progress at the same address' };
    }
    const running = command.type === 'stopCharging' || command.type === 'startCharging' ? this.states.sessionOf(command.connector) : undefined;
    if (command.type === 'stopCharging' && running !== undefined) {
      this.states.expectStop(command.connector, { reason: 'remote' });
      this.intents.set(command.id, { kind: 'stop', connector: command.connector });
    }
    if (command.type === 'startCharging' && running === undefined) {
      this.states.expectStart(command.connector, command.id);
      this.intents.set(command.id, { kind: 'start', connector: command.connector });
    }
    if (command.type === 'setClock') this.clockSync.sent(command.id, this.timeZone);
    this.commands.start(plan.plan);
    if (command.type === 'setLimit') {
      this.lifts.arm(command.connector, command.until, plan.plan.lift);
      if (command.until !== undefined && plan.plan.lift === undefined) {
        this.ctx.sink.log('warn', 'charging limit sent without an end: the mapping gives no maximum to restore at its end, so it stays until the next limit', {
          connector: command.connector,
          until: command.until,
        });
      }
    }
    return { status: 'sent' };
  }

  /**
   * A command confirmed but never terminated (many stations send no ACT_TERM): it is over. A general
   * interrogation that stays without ACT_TERM is taken as done, so that statuses flow.
   */
  private onExpired(command: ChargerCommand): void {
    this.intents.delete(command.id);
    if (command.id.startsWith(`${INTERNAL}gi`) && !this.states.isReady) this.ready();
  }

  /**
   * Results of the session's own commands (start-up and periodic interrogations, clock syncs) stay
   * inside; a start-up interrogation that fails still lets statuses flow.
   */
  private onCommandResult(event: CommandResultEvent): void {
    if (this.clockSync.owns(event.commandId)) {
      // Emitted before the clock sync sends what waited for this one.
      if (!event.commandId.startsWith(INTERNAL)) this.emit([event]);
      this.clockSync.finished(event);
      return;
    }
    if (!event.commandId.startsWith(INTERNAL)) {
      const intent = this.intents.get(event.commandId);
      if (intent !== undefined && event.status !== 'accepted') {
        this.intents.delete(event.commandId);
        if (event.status !== 'completed') this.states.cancelIntent(intent.connector, intent.kind);
      }
      this.emit([event]);
      return;
    }
    if (event.commandId.startsWith(FINAL_METER_ID) && event.status !== 'accepted') this.finalMeter.finish();
    // One the connection's end cut short (the gateway refusing the charger, a drop, a shutdown) is
    // no failure of the charger's: the end is logged on its own.
    if (event.status !== 'accepted' && event.status !== 'completed') {
      if (this.stopped) this.ctx.sink.log('debug', 'internal command ended with the connection', { command: event.commandId, reason: event.reason });
      else this.ctx.sink.log('warn', 'charger did not confirm', { command: event.commandId, status: event.status, reason: event.reason });
    }
    if (event.commandId.startsWith(`${INTERNAL}gi`) && event.status !== 'accepted' && !this.states.isReady) this.ready();
  }

  /** STOPDT act (IEC 60870-5-104 §5.3), resolved once the charger confirmed it or the link closed. */
  goodbye(): Promise<void> {
    if (this.stopped || (this.link.state !== 'active' && this.link.state !== 'starting')) return Promise.resolve();
    return new Promise((resolve) => {
      this.farewell = resolve;
      this.link.stop();
    });
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.farewell?.();
    this.farewell = undefined;
    this.stopped = true;
    this.periodic.clear();
    this.lifts.clearAll();
    this.clockSync.stop();
    this.commands.failAll(`connection closed: ${reason}`);
    this.finalMeter.finish();
    this.link.dispose();
    this.emit([{ type: 'link', state: 'down', reason }]);
  }

  private linkLost(reason: string): void {
    this.ctx.sink.close(reason);
    this.stop(reason);
  }

  private onActive(): void {
    this.emit([{ type: 'link', state: 'up' }]);
    const i = this.mapping.interrogation ?? {};
    if (i.clockSyncOnConnect ?? true) this.clockSync.sync();
    if (i.generalOnConnect ?? true) this.command({ type: 'interrogate', id: `${INTERNAL}gi`, scope: 'general' });
    else this.ready();
    if (i.countersOnConnect ?? true) this.command({ type: 'interrogate', id: `${INTERNAL}ci`, scope: 'counters' });
    this.periodic.every(i.generalEveryMinutes ?? 15, () => this.command({ type: 'interrogate', id: `${INTERNAL}gi-${this.ctx.clock.now()}`, scope: 'general' }));
    this.periodic.every(i.countersEveryMinutes ?? 5, () => this.command({ type: 'interrogate', id: `${INTERNAL}ci-${this.ctx.clock.now()}`, scope: 'counters' }));
    this.periodic.every(i.clockSyncEveryMinutes ?? 1440, () => this.clockSync.sync(`-${this.ctx.clock.now()}`));
  }

  private identify(chargerId: string): void {
    if (this.chargerId !== undefined) return;
    this.chargerId = chargerId;
    const memoryOf = this.ctx.connection.memoryOf;
    if (memoryOf !== undefined) this.monitor = { ...this.monitor, repeats: new RepeatFilter(memoryOf, chargerId) };
    const zone = this.ctx.connection.timeZoneOf?.(chargerId);
    if (zone !== undefined && zone !== this.timeZone) {
      this.timeZone = zone;
      this.monitor = { ...this.monitor, timeZone: zone };
      // The start-up clock sync went out in the listener's zone: set the clock again in the charger's.
      // When the sync is still in flight (identification often comes with its ACT_CON), it follows
      // once that one is over.
      this.clockSync.zoneChanged(zone);
    }
    const c = this.mapping.charger;
    this.emit([
      {
        type: 'identified',
        chargerId,
        vendor: c.vendor,
        model: c.model,
        connectorCount: c.connectors,
        currentType: c.currentType,
        protocol: { name: 'iec104-points', version: this.mapping.name },
      },
    ]);
  }

  private sendAsdu(asdu: Asdu): void {
    this.link.sendAsdu(encodeAsdu(asdu, this.params));
  }

  /**
   * Interprets an ASDU as if it had arrived on an active link, without link procedures: for
   * `pilegate decode --mapping` and replay. Connector snapshots are emitted from the first call on.
   */
  interpretAsdu(bytes: Buffer): void {
    if (!this.states.isReady) this.states.markReady();
    this.onAsdu(bytes);
  }

  private onAsdu(bytes: Buffer): void {
    const asdu = this.intake.accept(bytes);
    if (asdu === undefined) return;
    // The charger's first ASDU tells its common address, which names it (unless its connection does).
    if (this.chargerId === undefined && this.intake.addressLearned) this.identify((this.mapping.identity.template ?? '{ca}').replace(/\{ca\}/g, String(this.intake.commonAddress)));
    const info = TYPE_INFO[asdu.typeId] as TypeInfo;
    if (!info.control) {
      this.onMonitor(asdu, info);
      return;
    }
    if (asdu.typeId === TI.C_CS_NA_1 && asdu.cause === COT.ACTIVATION_CON && !asdu.negative) {
      const t = (asdu.objects[0] as { time?: Cp56Time } | undefined)?.time;
      const d = t === undefined ? undefined : cp56ToDate(t, this.timeZone);
      if (d !== undefined) this.emit([{ type: 'clockReport', chargerTime: d.toISOString(), at: this.nowIso() }]);
    }
    // Only the end of an interrogation in flight ends the start-up one (not a stale ACT_TERM).
    const matched = this.commands.confirm(asdu);
    const giDone = matched && asdu.typeId === TI.C_IC_NA_1 && (asdu.cause === COT.ACTIVATION_TERMINATION || asdu.negative);
    if (!matched) {
      if (SENT_TYPES[asdu.typeId] === 1) {
        this.intake.report('unsolicited', `${info.name}/${asdu.cause}`, 'control confirmation matching no command in flight: ignored', { ti: info.name, cause: asdu.cause, negative: asdu.negative });
      } else {
        this.intake.report('unused_type', info.name, `${info.name} is not used by this gateway: ignored`, { ti: info.name, cause: asdu.cause });
      }
    }
    if (giDone && !this.states.isReady) this.ready();
  }

  /** The first general interrogation is over: from now on connector snapshots are emitted. */
  private ready(): void {
    this.states.markReady();
    this.emit(this.states.flush(this.nowIso()));
    // A connector found charging or idle may wait for its register (the counter interrogation).
    if (this.finalMeter.waiting) this.finalMeter.afterMonitor([]);
  }

  private onMonitor(asdu: Asdu, info: TypeInfo): void {
    if (asdu.typeId === TI.M_EI_NA_1) {
      this.ctx.sink.log('info', 'charger (re)initialised: interrogating again');
      this.command({ type: 'interrogate', id: `${INTERNAL}gi-init-${this.ctx.clock.now()}`, scope: 'general' });
      return;
    }
    const family = this.table.family(asdu.typeId);
    if (family === undefined) {
      this.intake.report('unused_type', info.name, `${info.name} is not used by the mapping: ignored`, { ti: info.name, cause: asdu.cause });
      return;
    }
    const now = this.nowIso();
    const measured = readMonitor(this.monitor, asdu, info, now, this.faults, family);
    if (measured !== undefined) this.emit(measured);
    if (this.faults.length > 0) this.emit(this.faults.splice(0));
    this.emit(this.states.flush(now));
    if (this.finalMeter.waiting) this.finalMeter.afterMonitor(measured ?? []);
  }

  /**
   * A state point of a time-tagged ASDU changed: its events carry the object's own time, before the
   * next object of the ASDU changes the state again.
   */
  private readonly stateChanged = (at: Timestamp): void => {
    if (this.faults.length > 0) this.emit(this.faults.splice(0));
    this.emit(this.states.flush(at));
  };

  private nowIso(): Timestamp {
    // Formatting a Date costs more than interpreting a whole ASDU: reuse it within a millisecond.
    const ms = this.ctx.clock.now();
    if (ms !== this.isoMs) {
      this.isoMs = ms;
      this.iso = new Date(ms).toISOString();
    }
    return this.iso;
  }

  private emit(events: readonly ChargerEvent[]): void {
    const sink = this.ctx.sink;
    for (let i = 0; i < events.length; i++) sink.event(events[i] as ChargerEvent);
  }
}

function dropUndefined<T extends Record<string, number | undefined>>(o: T): Partial<Record<keyof T, number>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, number>>;
}
