/**
 * The simulator's command desk: which mapped command a received C_SC / C_DC / C_SE object is, the
 * select-before-operate bookkeeping, the configured behaviour (execute, reject, ignore) and the
 * ACT_CON / ACT_TERM answers (IEC 60870-5-101 §7.4.7 command transmission, §7.2.3 negative causes).
 * Several commands may share one (TI, IOA): start and stop are usually the ON and OFF of one command.
 */
import { COT, TI, typeInfo, type TypeId } from '../../iec104/constants.js';
import type { Clock } from '../../core/clock.js';
import type { Asdu, InformationObject } from '../../iec104/types.js';
import type { MappedCommand } from '../../../codecs/iec104-points/mapping.js';

export type CommandName = MappedCommand['command'];

/** What the simulator does with a mapped command. */
export type CommandBehaviour = 'execute' | 'reject' | 'ignore';

/**
 * How a received request ended; `unknown-*` are the negative answers of IEC 60870-5-101 §7.2.3
 * (`unknown-cause` and `unknown-common-address` are also reported for interrogations and clock sync).
 */
export type CommandOutcome = 'selected' | 'executed' | 'rejected' | 'ignored' | 'deactivated' | 'not-selected' | 'unknown-ioa' | 'unknown-type' | 'unknown-cause' | 'unknown-common-address';

/** Extra facts about a command for its event. */
export interface CommandFacts {
  readonly command?: CommandName | undefined;
  readonly connector?: number | undefined;
  readonly value?: number | undefined;
}

/** A received command object resolved against the mapping. */
export interface CommandMatch {
  readonly command: MappedCommand;
  /** Switch state carried (SCS, or DCS ON/OFF). */
  readonly on?: boolean;
  /** setLimit: the limit in the command's unit (setpoint value times its scale). */
  readonly limit?: number;
}

/** The part of the simulator that carrying out a command changes. */
export interface CommandTarget {
  setCharging(connector: number, charging: boolean): void;
  setAvailable(connector: number, available: boolean): void;
  setPowerLimit(connector: number, watts: number | undefined): void;
  setCurrentLimit(connector: number, amps: number | undefined): void;
}

/** What the desk needs from the simulator. */
export interface CommandContext {
  readonly clock: Clock;
  /** Sends `asdu` back with this cause and P/N bit, from the charger's common address. */
  reply(asdu: Asdu, cause: number, negative: boolean): void;
  /** Reports the outcome (an event for scripts and tests). */
  report(asdu: Asdu, outcome: CommandOutcome, facts?: CommandFacts): void;
  /** Whether the charger can carry the command out now (a start needs an EV and a working connector). */
  canExecute(command: MappedCommand): boolean;
  /** Carries the command out, reporting the changes it makes. */
  execute(match: CommandMatch): void;
}

export interface CommandDeskOptions {
  readonly behaviour?: CommandBehaviour | Partial<Record<CommandName, CommandBehaviour>>;
  readonly selectTimeoutMs?: number;
  readonly sendActTerm?: boolean;
}

/** Answers commands for one simulator. */
export class CommandDesk {
  private behaviour: Partial<Record<CommandName | 'all', CommandBehaviour>>;
  private readonly selections = new Map<string, { readonly element: string; readonly timer: unknown }>();

  constructor(
    private readonly commands: readonly MappedCommand[],
    private readonly ctx: CommandContext,
    private readonly options: CommandDeskOptions = {},
  ) {
    const b = options.behaviour;
    this.behaviour = typeof b === 'string' ? { all: b } : { ...b };
  }

  /** How a command is answered from now on (`all`: every command without its own setting). */
  setBehaviour(command: CommandName | 'all', behaviour: CommandBehaviour): void {
    if (command === 'all') this.behaviour = { all: behaviour };
    else this.behaviour[command] = behaviour;
  }

  /** Answers one command ASDU whose common address has been checked. */
  handle(asdu: Asdu): void {
    const { ctx } = this;
    const object = asdu.objects[0] as InformationObject;
    if (!this.commands.some((c) => TI[c.ti] === asdu.typeId) || asdu.objects.length !== 1) {
      ctx.reply(asdu, COT.UNKNOWN_TYPE_ID, true);
      return ctx.report(asdu, 'unknown-type');
    }
    const atIoa = this.commands.filter((c) => TI[c.ti] === asdu.typeId && c.ioa === object.ioa);
    if (atIoa.length === 0) {
      ctx.reply(asdu, COT.UNKNOWN_IOA, true);
      return ctx.report(asdu, 'unknown-ioa');
    }
    const key = `${asdu.typeId}:${object.ioa}`;
    if (asdu.cause === COT.DEACTIVATION) {
      // Deactivation withdraws a select that has not been executed.
      this.clearSelection(key);
      ctx.reply(asdu, COT.DEACTIVATION_CON, false);
      return ctx.report(asdu, 'deactivated');
    }
    if (asdu.cause !== COT.ACTIVATION) {
      ctx.reply(asdu, COT.UNKNOWN_CAUSE, true);
      return ctx.report(asdu, 'unknown-cause');
    }
    const match = matchCommand(atIoa, asdu.typeId, object);
    const facts: CommandFacts = { command: match?.command.command, connector: match?.command.connector, value: match?.limit };
    const behaviour = match === undefined ? 'reject' : (this.behaviour[match.command.command] ?? this.behaviour.all ?? 'execute');
    if (behaviour === 'ignore') return ctx.report(asdu, 'ignored', facts);
    if (match === undefined || behaviour === 'reject') return this.refuse(asdu, 'rejected', facts);
    const element = elementKey(object);
    if ((object as { select?: boolean }).select === true) {
      this.clearSelection(key);
      const timer = ctx.clock.setTimeout(() => this.selections.delete(key), this.options.selectTimeoutMs ?? 10_000);
      this.selections.set(key, { element, timer });
      ctx.reply(asdu, COT.ACTIVATION_CON, false);
      return ctx.report(asdu, 'selected', facts);
    }
    // The execute must repeat what was selected (same state or value, same qualifier).
    const selected = this.selections.get(key)?.element === element;
    this.clearSelection(key);
    if (match.command.selectBeforeOperate === true && !selected) return this.refuse(asdu, 'not-selected', facts);
    if (!ctx.canExecute(match.command)) return this.refuse(asdu, 'rejected', facts);
    ctx.reply(asdu, COT.ACTIVATION_CON, false);
    ctx.execute(match);
    if (this.options.sendActTerm !== false) ctx.reply(asdu, COT.ACTIVATION_TERMINATION, false);
    ctx.report(asdu, 'executed', facts);
  }

  /** Forgets every select (the connection is gone). */
  clearSelections(): void {
    for (const key of [...this.selections.keys()]) this.clearSelection(key);
  }

  private refuse(asdu: Asdu, outcome: CommandOutcome, facts: CommandFacts): void {
    this.ctx.reply(asdu, COT.ACTIVATION_CON, true);
    this.ctx.report(asdu, outcome, facts);
  }

  private clearSelection(key: string): void {
    const s = this.selections.get(key);
    if (s !== undefined) this.ctx.clock.clearTimeout(s.timer);
    this.selections.delete(key);
  }
}

/**
 * The command among `candidates` (all at the object's TI and IOA) that `object` selects, or
 * undefined when none does: a switch state no command at that address sends, a DCS of 0 or 3
 * (not permitted, IEC 60870-5-101 §7.2.6.16), a negative or non-finite limit.
 */
export function matchCommand(candidates: readonly MappedCommand[], ti: TypeId, object: InformationObject): CommandMatch | undefined {
  const kind = typeInfo(ti)?.kind;
  if (kind === 'SCO' || kind === 'DCO') {
    const state = (object as { state: boolean | number }).state;
    const on = kind === 'SCO' ? state === true : state === 2 ? true : state === 1 ? false : undefined;
    if (on === undefined) return undefined;
    const value = on ? 'on' : 'off';
    const command = candidates.find((c) => (c.command === 'setAvailability' ? true : c.command !== 'setLimit' && c.value === value));
    return command === undefined ? undefined : { command, on };
  }
  const command = candidates.find((c) => c.command === 'setLimit');
  if (command === undefined || command.command !== 'setLimit') return undefined;
  const limit = (object as { value: number }).value * (command.scale ?? 1);
  if (!Number.isFinite(limit) || limit < 0) return undefined;
  return { command, limit };
}

/** Carries out a matched command. Reset and unlock change nothing the points show. */
export function executeCommand(target: CommandTarget, match: CommandMatch): void {
  const c = match.command;
  switch (c.command) {
    case 'startCharging':
      return target.setCharging(c.connector, true);
    case 'stopCharging':
      return target.setCharging(c.connector, false);
    case 'setAvailability':
      return target.setAvailable(c.connector, (match.on === true ? 'on' : 'off') === c.available);
    case 'setLimit': {
      const limit = match.limit ?? 0;
      if (c.unit === 'A') return target.setCurrentLimit(c.connector, limit);
      return target.setPowerLimit(c.connector, c.unit === 'kW' ? limit * 1000 : limit);
    }
    case 'reset':
    case 'unlock':
      return;
  }
}

/** The command element compared between select and execute (state or setpoint value, qualifier). */
function elementKey(o: InformationObject): string {
  const { ioa: _ioa, select: _select, ...rest } = o as InformationObject & { select?: boolean };
  return JSON.stringify(rest);
}
