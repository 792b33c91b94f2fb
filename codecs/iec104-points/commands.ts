/**
 * Canonical commands -> IEC 104 control ASDUs, and the bookkeeping of their confirmations:
 * ACT_CON (positive or negative, IEC 60870-5-101 §7.2.3 P/N bit), ACT_TERM, select-before-operate
 * (S/E bit, §7.2.6.15) and a time-out per step. A confirmation counts only when it echoes what was
 * sent: same S/E bit as the step in progress, same state or value.
 */
import type { Clock } from '../../src/core/clock.js';
import { COT, QCC_GENERAL, QOI_STATION, TI, typeInfo } from '../../src/iec104/constants.js';
import { cp56FromDate } from '../../src/iec104/cp56.js';
import type { Asdu, InformationObject } from '../../src/iec104/types.js';
import type { ChargerCommand, PowerLimit } from '../../src/model/commands.js';
import type { CommandResultEvent } from '../../src/model/events.js';
import type { LimitCommand, MappedCommand } from './mapping.js';
import type { PointTable } from './points.js';

/** A control ASDU to send, with what to do on its confirmations. */
export interface PlannedCommand {
  readonly command: ChargerCommand;
  readonly typeId: number;
  readonly ioa: number;
  /** Builds the information object; `select` sets S/E for select-before-operate. */
  readonly object: (select: boolean) => InformationObject;
  readonly selectBeforeOperate: boolean;
  /**
   * A positive ACT_CON completes it: a controlled station answers a clock sync (C_CS_NA_1) with
   * ACT_CON alone, so waiting for an ACT_TERM would keep it "in progress" until the time-out and
   * refuse the next sync meanwhile.
   */
  readonly completesOnCon?: boolean;
  /**
   * setLimit only: the limit that lifts this one at its `until` (a setpoint never expires in the
   * charger), undefined when the command has no `until` or the mapping no maximum to go back to.
   */
  readonly lift?: PowerLimit;
}

export type Plan = { ok: true; plan: PlannedCommand } | { ok: false; status: 'notSupported' | 'rejected'; reason: string };

/** Turns a canonical command into the ASDU this charger model needs, or says why it can't. */
export function planCommand(command: ChargerCommand, table: PointTable, timeZone: string, maxima: ChargerMaxima = {}): Plan {
  switch (command.type) {
    case 'setClock': {
      const time = cp56FromDate(new Date(command.time), timeZone);
      return { ok: true, plan: { command, typeId: TI.C_CS_NA_1, ioa: 0, object: () => ({ ioa: 0, time }), selectBeforeOperate: false, completesOnCon: true } };
    }
    case 'interrogate':
      return command.scope === 'general'
        ? ok(command, TI.C_IC_NA_1, 0, () => ({ ioa: 0, qoi: QOI_STATION }), false)
        : ok(command, TI.C_CI_NA_1, 0, () => ({ ioa: 0, rqt: QCC_GENERAL, frz: 0 }), false);
    case 'startCharging':
    case 'stopCharging':
    case 'reset':
    case 'unlock': {
      const connector = command.type === 'reset' ? 0 : command.connector;
      const m = table.command(command.type, connector);
      if (m === undefined || m.command === 'setLimit' || m.command === 'setAvailability') return notMapped(command.type, connector);
      return switchPlan(command, m, m.value === 'on');
    }
    case 'setAvailability': {
      const m = table.command('setAvailability', command.connector);
      if (m === undefined || m.command !== 'setAvailability') return notMapped(command.type, command.connector);
      const on = m.available === 'on' ? command.available : !command.available;
      return switchPlan(command, m, on);
    }
    case 'setLimit': {
      const m = table.command('setLimit', command.connector);
      if (m === undefined || m.command !== 'setLimit') return notMapped(command.type, command.connector);
      const wantsAmps = m.unit === 'A';
      if ((command.limit.unit === 'A') !== wantsAmps) {
        return { ok: false, status: 'rejected', reason: `this charger takes limits in ${wantsAmps ? 'A' : 'W'}, not ${command.limit.unit}` };
      }
      const inUnit = m.unit === 'kW' ? command.limit.value / 1000 : command.limit.value;
      const raw = inUnit / (m.scale ?? 1);
      const ti = TI[m.ti];
      let value: number;
      let normalizedRaw: number | undefined;
      if (ti === TI.C_SE_NB_1) {
        value = Math.round(raw);
        if (value < -32768 || value > 32767) return { ok: false, status: 'rejected', reason: `limit ${command.limit.value} ${command.limit.unit} does not fit a scaled setpoint (${value})` };
      } else if (ti === TI.C_SE_NA_1) {
        normalizedRaw = Math.round(raw * 32768);
        if (normalizedRaw < -32768 || normalizedRaw > 32767) return { ok: false, status: 'rejected', reason: `limit ${command.limit.value} ${command.limit.unit} does not fit a normalized setpoint` };
        value = normalizedRaw / 32768;
      } else {
        value = raw;
      }
      // A setpoint never expires in the charger: the session lifts it at `until` with the charger's
      // maximum, where the mapping gives one (see `liftingLimit`); else it stays until the next one.
      const lift = command.until !== undefined ? liftingLimit(m, maxima) : undefined;
      const ql = m.qualifier ?? 0;
      const object = (select: boolean): InformationObject => (normalizedRaw !== undefined ? { ioa: m.ioa, raw: normalizedRaw, value, ql, select } : { ioa: m.ioa, value, ql, select });
      const plan = ok(command, ti, m.ioa, object, m.selectBeforeOperate === true);
      return plan.ok && lift !== undefined ? { ok: true, plan: { ...plan.plan, lift } } : plan;
    }
    case 'authorize':
    case 'confirmRecord':
    case 'setTariff':
    case 'updateFirmware':
    case 'setLocalList':
      return { ok: false, status: 'notSupported', reason: `${command.type} has no IEC 104 point-table equivalent` };
  }
}

/** Largest raw value of a scaled or normalized setpoint (IEC 60870-5-101 §7.2.6.6, §7.2.6.7). */
const SETPOINT_RAW_MAX = 32767;

/** The charger's nameplate maxima from the mapping (`charger.maxPowerW`, `charger.maxCurrentA`). */
export interface ChargerMaxima {
  readonly maxPowerW?: number;
  readonly maxCurrentA?: number;
}

/**
 * The limit that stands for "no limit" on this setpoint: the charger's maximum power or current in
 * the setpoint's unit where the mapping gives it, else the largest value the setpoint can carry
 * (scaled or normalized; a float setpoint has none). What lifts a limit at its end, and the
 * maximum the charger's capabilities announce.
 */
export function liftingLimit(m: LimitCommand, maxima: ChargerMaxima): PowerLimit | undefined {
  if (m.unit !== 'A' && maxima.maxPowerW !== undefined) return { value: maxima.maxPowerW, unit: 'W' };
  if (m.unit === 'A' && maxima.maxCurrentA !== undefined) return { value: maxima.maxCurrentA, unit: 'A' };
  const scale = m.scale ?? 1;
  const ti = TI[m.ti];
  let inUnit: number;
  if (ti === TI.C_SE_NB_1) inUnit = SETPOINT_RAW_MAX * scale;
  else if (ti === TI.C_SE_NA_1) inUnit = (SETPOINT_RAW_MAX / 32768) * scale;
  else return undefined;
  return m.unit === 'A' ? { value: inUnit, unit: 'A' } : { value: m.unit === 'kW' ? inUnit * 1000 : inUnit, unit: 'W' };
}

function switchPlan(command: ChargerCommand, m: MappedCommand, on: boolean): Plan {
  const ti = TI[m.ti];
  const qualifier = m.qualifier ?? 0;
  const object =
    ti === TI.C_DC_NA_1
      ? (select: boolean): InformationObject => ({ ioa: m.ioa, state: on ? 2 : 1, qualifier, select })
      : (select: boolean): InformationObject => ({ ioa: m.ioa, state: on, qualifier, select });
  return ok(command, ti, m.ioa, object, m.selectBeforeOperate === true);
}

function ok(command: ChargerCommand, typeId: number, ioa: number, object: PlannedCommand['object'], sbo: boolean): Plan {
  return { ok: true, plan: { command, typeId, ioa, object, selectBeforeOperate: sbo } };
}

function notMapped(type: string, connector: number): Plan {
  return { ok: false, status: 'notSupported', reason: `the mapping has no ${type} command for connector ${connector}` };
}

type Phase = 'selecting' | 'executing' | 'accepted';

interface Pending {
  readonly plan: PlannedCommand;
  phase: Phase;
  /** The object of the step in progress, which a confirmation must echo. */
  sent: InformationObject | undefined;
  timer: unknown;
}

/** Commands given up on (no ACT_CON in time) whose late confirmation is still reported. */
const LATE_KEPT = 16;

/**
 * Commands in flight, one per (TI, IOA): a second command at the same address waits for nothing,
 * it is rejected (the station could not tell the confirmations apart). A command whose execute
 * step had no ACT_CON within the time-out is reported `timeout` and kept a while: its ACT_CON
 * coming later is still the charger's answer to it, and is reported for it (the station follows
 * what the charger did), never taken for another command's.
 */
export class PendingCommands {
  // Both maps exist only while they hold something: a charger is idle between commands, and an
  // empty Map costs ~180 bytes per connection.
  private pending: Map<string, Pending> | undefined;
  /** Timed-out commands by address, oldest first (at most `LATE_KEPT`). */
  private late: Map<string, Pending> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly send: (asdu: Asdu) => void,
    private readonly result: (event: CommandResultEvent) => void,
    private readonly header: () => Pick<Asdu, 'commonAddress' | 'originator'>,
    /** A positively confirmed command whose ACT_TERM did not come within the time-out. */
    private readonly expired: (command: ChargerCommand) => void = () => undefined,
  ) {}

  busy(plan: PlannedCommand): boolean {
    return this.pending?.has(addr(plan.typeId, plan.ioa)) === true;
  }

  /** Sends the first step (select, or execute). */
  start(plan: PlannedCommand): void {
    const p: Pending = { plan, phase: plan.selectBeforeOperate ? 'selecting' : 'executing', sent: undefined, timer: undefined };
    (this.pending ??= new Map()).set(addr(plan.typeId, plan.ioa), p);
    this.transmit(p);
  }

  /**
   * Handles an ASDU echoing a control type; returns true when it matched a pending command. An echo
   * of another step or another command at the same address (a late answer to one that timed out)
   * does not match, nor does a termination before the confirmation: ACT_TERM follows ACT_CON, so
   * one that comes first belongs to an earlier exchange (a frame resent after a reconnect).
   */
  confirm(asdu: Asdu): boolean {
    const o = asdu.objects[0];
    if (o === undefined) return false;
    const key = addr(asdu.typeId, o.ioa);
    const p = this.pending?.get(key);
    if (p === undefined || p.sent === undefined || !echoes(o, p.sent)) return this.confirmLate(key, asdu, o);
    if (asdu.cause === COT.ACTIVATION_TERMINATION && p.phase !== 'accepted') return false;
    const id = p.plan.command.id;
    if (asdu.cause === COT.ACTIVATION_CON) {
      if (asdu.negative) {
        this.finish(key, p, { type: 'commandResult', commandId: id, status: 'rejected', reason: `negative ACT_CON${p.phase === 'selecting' ? ' to select' : ''}`, raw: asdu.cause });
        return true;
      }
      if (p.phase === 'selecting') {
        p.phase = 'executing';
        this.transmit(p);
        return true;
      }
      if (p.phase === 'executing' && p.plan.completesOnCon === true) {
        this.finish(key, p, { type: 'commandResult', commandId: id, status: 'completed' });
        return true;
      }
      if (p.phase === 'executing') {
        p.phase = 'accepted';
        this.result({ type: 'commandResult', commandId: id, status: 'accepted' });
        this.arm(p);
      }
      return true;
    }
    if (asdu.cause === COT.ACTIVATION_TERMINATION) {
      this.finish(key, p, { type: 'commandResult', commandId: id, status: 'completed' });
      return true;
    }
    if (asdu.negative || asdu.cause >= COT.UNKNOWN_TYPE_ID) {
      this.finish(key, p, { type: 'commandResult', commandId: id, status: 'rejected', reason: `charger answered COT ${asdu.cause}`, raw: asdu.cause });
      return true;
    }
    return false;
  }

  /** The ACT_CON of a command that timed out in its execute step: reported for it, once. */
  private confirmLate(key: string, asdu: Asdu, o: InformationObject): boolean {
    const p = this.late?.get(key);
    if (p === undefined || p.sent === undefined || asdu.cause !== COT.ACTIVATION_CON || !echoes(o, p.sent)) return false;
    this.late?.delete(key);
    if (this.late?.size === 0) this.late = undefined;
    const commandId = p.plan.command.id;
    if (asdu.negative) this.result({ type: 'commandResult', commandId, status: 'rejected', reason: 'negative ACT_CON after the time-out', raw: asdu.cause });
    else this.result({ type: 'commandResult', commandId, status: p.plan.completesOnCon === true ? 'completed' : 'accepted' });
    return true;
  }

  /** The link went down: every command in flight has failed. */
  failAll(reason: string): void {
    this.late = undefined;
    for (const [key, p] of [...(this.pending ?? [])]) {
      if (p.phase === 'accepted') this.finish(key, p, undefined);
      else this.finish(key, p, { type: 'commandResult', commandId: p.plan.command.id, status: 'failed', reason });
    }
  }

  private transmit(p: Pending): void {
    const info = typeInfo(p.plan.typeId);
    if (info === undefined) throw new Error(`no type ${p.plan.typeId}`);
    p.sent = p.plan.object(p.phase === 'selecting');
    this.send({
      typeId: info.id,
      sq: false,
      cause: COT.ACTIVATION,
      negative: false,
      test: false,
      ...this.header(),
      objects: [p.sent],
    });
    this.arm(p);
  }

  private arm(p: Pending): void {
    this.clock.clearTimeout(p.timer);
    const key = addr(p.plan.typeId, p.plan.ioa);
    p.timer = this.clock.setTimeout(() => {
      // After a positive ACT_CON, a missing ACT_TERM is not a failure: many stations never send it.
      const event: CommandResultEvent | undefined =
        p.phase === 'accepted'
          ? undefined
          : { type: 'commandResult', commandId: p.plan.command.id, status: 'timeout', reason: `no ${p.phase === 'selecting' ? 'select ' : ''}ACT_CON within ${this.timeoutMs} ms` };
      this.finish(key, p, event);
      if (p.phase === 'accepted') this.expired(p.plan.command);
      // A select confirmed late executed nothing; an execute may have been done.
      else if (p.phase === 'executing') this.keepLate(key, p);
    }, this.timeoutMs);
  }

  private keepLate(key: string, p: Pending): void {
    const late = (this.late ??= new Map());
    late.delete(key);
    late.set(key, p);
    if (late.size > LATE_KEPT) late.delete(late.keys().next().value as string);
  }

  private finish(key: string, p: Pending, event: CommandResultEvent | undefined): void {
    this.clock.clearTimeout(p.timer);
    this.pending?.delete(key);
    if (this.pending?.size === 0) this.pending = undefined;
    if (event !== undefined) this.result(event);
  }
}

const addr = (ti: number, ioa: number): string => `${ti}/${ioa}`;

/** Fields of a sent object its confirmation must repeat; the time of a clock sync is the charger's own. */
const ECHOED = ['select', 'state', 'raw', 'value', 'qoi', 'rqt'] as const;

/** True when `echo` repeats what `sent` carried: S/E bit, command state, setpoint value, qualifier of interrogation. */
function echoes(echo: InformationObject, sent: InformationObject): boolean {
  const e = echo as Readonly<Record<string, unknown>>;
  const s = sent as Readonly<Record<string, unknown>>;
  for (const field of ECHOED) {
    const want = s[field];
    if (want === undefined) continue;
    const got = e[field];
    // A float setpoint travels as IEEE 754 single precision.
    if (typeof want === 'number' && typeof got === 'number' ? Math.fround(want) !== Math.fround(got) : want !== got) return false;
  }
  return true;
}
