/**
 * Commands to the legacy charger that a CSMS request waits for — the one place a station block
 * waits for the charger (style habit 13: an answer to the CSMS says what the charger did).
 *
 * `run` hands the command to the codec and resolves with its outcome: the charger's first
 * `commandResult` (accepted or completed; rejected, timeout or failed), the codec refusing it at once
 * (not supported, link down, address busy), or the wait running out after
 * `OCPPCommCtrlr.ChargerCommandTimeout` seconds — whichever comes first. A refusal carries an OCPP
 * `statusInfo`: reasonCode `ChargerRefused`, `Timeout`, `ChargerFailed`, `NotSupported` or `NotSent`,
 * additionalInfo the codec's own words (e.g. "negative ACT_CON"); a yes with the charger's own
 * remark carries it as statusInfo `ChargerNote`.
 *
 * A confirmation arriving after the CSMS was told Rejected `Timeout` (the wait ran out, or the
 * codec reported its own time-out) means the charger did it after all: the station must follow
 * what the charger did, so it goes to the `late` handler of the block that sent the command (which
 * applies it as if it had come in time, or puts the charger back in step). A late refusal changes
 * nothing. Either is logged.
 */
import type { ChargerCommand, CommandOutcome } from '../model/commands.js';
import type { CommandResultEvent } from '../model/events.js';
import type { StationContext } from './context.js';

/** Why the charger did not do what was asked (an OCPP `statusInfo.reasonCode`, ≤ 20 characters). */
export type RefusalCode = 'ChargerRefused' | 'Timeout' | 'ChargerFailed' | 'NotSupported' | 'NotSent';

export interface Refusal {
  readonly ok: false;
  readonly reasonCode: RefusalCode;
  /** The codec's or the charger's words (≤ 512 characters, OCPP StatusInfoType). */
  readonly additionalInfo: string;
}

/** The charger did what it was asked. */
export interface Confirmation {
  readonly ok: true;
  readonly status: 'accepted' | 'completed';
  readonly note?: string;
}

export type ChargerOutcome = Confirmation | Refusal;

export interface RunOptions {
  /**
   * Called once when the charger confirms after the CSMS was told Rejected `Timeout`: the block that
   * sent the command makes the station follow what the charger did.
   */
  readonly late?: (o: Confirmation) => void;
  /**
   * Added to `waitMs()` for a command whose answer comes only after work at the charger (a firmware
   * download), so the station's bound stays beyond the codec's own.
   */
  readonly extraWaitMs?: number;
  /**
   * Called at once when the charger confirms in time, before any later charger event is handled
   * (the caller's own continuation runs a step later, after events that came with the answer).
   */
  readonly confirmed?: (o: Confirmation) => void;
}

/** StatusInfoType.additionalInfo's maxLength (OCPP 2.0.1 schemas). */
const ADDITIONAL_INFO_MAX = 512;

/** A `statusInfo` within the schema: `additionalInfo` cut to its 512 characters. */
export function info(reasonCode: string, additionalInfo: string): { reasonCode: string; additionalInfo: string } {
  return { reasonCode, additionalInfo: additionalInfo.slice(0, ADDITIONAL_INFO_MAX) };
}

/** The `statusInfo` of an answer that reports `r`. */
export function statusInfo(r: Refusal): { reasonCode: string; additionalInfo: string } {
  return info(r.reasonCode, r.additionalInfo);
}

/** EVSEs in an answer's words: "any EVSE" when they are all of several (a list of 64 would not fit). */
export function evseNames(evses: readonly number[], count: number): string {
  return count > 1 && evses.length === count ? 'any EVSE' : evses.map((e) => `EVSE ${e}`).join(', ');
}

/**
 * What an Accepted answer adds when the charger said more than yes (e.g. a YKC limit clamped to the
 * pile's minimum, a start that waits for the plug): `{ statusInfo }` with reasonCode `ChargerNote`.
 */
export function noteInfo(o: ChargerOutcome): { statusInfo?: { reasonCode: string; additionalInfo: string } } {
  return o.ok && o.note !== undefined && o.note !== '' ? { statusInfo: info('ChargerNote', o.note) } : {};
}

/** Timed-out commands remembered, so that an answer arriving after the wait is recognised as late. */
const LATE_KEPT = 64;

interface Expired {
  readonly type: string;
  readonly late: RunOptions['late'];
}

export class ChargerCommands {
  // Both maps exist only while they hold something: most stations have no command in flight and
  // none timed out, and an empty Map costs ~180 bytes each, per station.
  private waiting: Map<string, (o: ChargerOutcome) => void> | undefined;
  /** Commands the CSMS was told Rejected `Timeout` for, oldest first. */
  private expired: Map<string, Expired> | undefined;
  private disposed = false;

  constructor(private readonly ctx: Pick<StationContext, 'capabilities' | 'charger' | 'clock' | 'dm' | 'log'>) {}

  /** The bound on every wait, in ms (`OCPPCommCtrlr.ChargerCommandTimeout`). */
  waitMs(): number {
    return this.ctx.dm.getNumber('OCPPCommCtrlr', 'ChargerCommandTimeout') * 1000;
  }

  /**
   * Sends `command` and resolves with the charger's outcome, within `waitMs()`. Never rejects.
   * `options.late` hears a confirmation that comes after a `Timeout` outcome.
   */
  run(command: ChargerCommand, options: RunOptions = {}): Promise<ChargerOutcome> {
    if (this.disposed) return Promise.resolve({ ok: false, reasonCode: 'NotSent', additionalInfo: 'the station stopped' });
    if (!this.ctx.capabilities.commands.has(command.type)) return Promise.resolve({ ok: false, reasonCode: 'NotSupported', additionalInfo: `this charger has no ${command.type} command` });
    const ms = this.waitMs() + (options.extraWaitMs ?? 0);
    return new Promise((resolve) => {
      const timer = this.ctx.clock.setTimeout(() => {
        this.settled(command.id);
        this.expire(command, options);
        this.ctx.log('warn', 'charger did not answer in time: the CSMS is told Rejected', { command: command.id, type: command.type, waitedMs: ms });
        resolve({ ok: false, reasonCode: 'Timeout', additionalInfo: `no answer from the charger within ${ms / 1000} s` });
      }, ms);
      (this.waiting ??= new Map()).set(command.id, (o: ChargerOutcome) => {
        this.ctx.clock.clearTimeout(timer);
        // The codec's own time-out: the charger may still confirm.
        if (!o.ok && o.reasonCode === 'Timeout') this.expire(command, options);
        if (o.ok) options.confirmed?.(o);
        resolve(o);
      });
      let outcome: CommandOutcome;
      try {
        outcome = this.ctx.charger.send(command);
      } catch (e) {
        // A codec must not throw (codec.ts); if one does, the command was not sent.
        outcome = { status: 'rejected', reason: e instanceof Error ? e.message : String(e) };
      }
      if (outcome.status === 'sent') return;
      const settle = this.settled(command.id);
      settle?.({ ok: false, reasonCode: outcome.status === 'notSupported' ? 'NotSupported' : 'NotSent', additionalInfo: outcome.reason });
    });
  }

  /** A `commandResult` from the charger: settles its wait; false when nobody waits for it. */
  result(e: CommandResultEvent): boolean {
    const settle = this.settled(e.commandId);
    if (settle !== undefined) {
      settle(outcomeOf(e));
      return true;
    }
    const expired = this.expired?.get(e.commandId);
    if (expired === undefined || e.status === 'timeout') return false;
    this.expired?.delete(e.commandId);
    if (this.expired?.size === 0) this.expired = undefined;
    const data = { command: e.commandId, type: expired.type, status: e.status, reason: e.reason };
    const o = outcomeOf(e);
    if (!o.ok) {
      // A refusal confirms what the CSMS was told; a failure (connection gone) ends any hope of an answer.
      if (e.status === 'rejected') this.ctx.log('info', 'charger refused after the CSMS was told Rejected: nothing changes', data);
      return false;
    }
    if (expired.late === undefined) {
      this.ctx.log('warn', 'charger confirmed after the CSMS was told Rejected: no state here depends on it', data);
      return false;
    }
    this.ctx.log('warn', 'charger confirmed after the CSMS was told Rejected: the station follows what it did', data);
    try {
      expired.late(o);
    } catch (err) {
      this.ctx.log('warn', 'late confirmation not followed', { ...data, error: err instanceof Error ? err.message : String(err) });
    }
    return true;
  }

  /**
   * The station stops: every wait ends now with its timer (nothing would hear its answer), no later
   * command is sent, and no late confirmation is followed.
   */
  dispose(): void {
    this.disposed = true;
    this.expired = undefined;
    const settles = [...(this.waiting?.values() ?? [])];
    this.waiting = undefined;
    for (const settle of settles) settle({ ok: false, reasonCode: 'ChargerFailed', additionalInfo: 'the station stopped before the charger answered' });
  }

  /** Takes the wait of command `id` off the list: its settle function, undefined when none waits. */
  private settled(id: string): ((o: ChargerOutcome) => void) | undefined {
    const settle = this.waiting?.get(id);
    if (settle === undefined) return undefined;
    this.waiting?.delete(id);
    if (this.waiting?.size === 0) this.waiting = undefined;
    return settle;
  }

  private expire(command: ChargerCommand, options: RunOptions): void {
    const expired = (this.expired ??= new Map());
    expired.set(command.id, { type: command.type, late: options.late });
    if (expired.size > LATE_KEPT) expired.delete(expired.keys().next().value ?? '');
  }
}

/** A `commandResult` as the outcome the CSMS is answered with. */
function outcomeOf(e: CommandResultEvent): ChargerOutcome {
  switch (e.status) {
    case 'accepted':
    case 'completed':
      return { ok: true, status: e.status, ...(e.reason !== undefined ? { note: e.reason } : {}) };
    case 'rejected':
      return { ok: false, reasonCode: 'ChargerRefused', additionalInfo: e.reason ?? (e.raw !== undefined ? `the charger answered failure (code ${e.raw})` : 'the charger answered failure') };
    case 'timeout':
      return { ok: false, reasonCode: 'Timeout', additionalInfo: e.reason ?? 'the charger did not answer' };
    case 'failed':
      return { ok: false, reasonCode: 'ChargerFailed', additionalInfo: e.reason ?? 'the command failed on the way to the charger' };
  }
}

declare module './context.js' {
  interface StationBlocks {
    /** Commands to the charger that a CSMS request waits for: the one bounded wait for its answers. */
    readonly commands: ChargerCommands;
  }
}
