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
 * remark carries it as statusInfo `ChargerNote`. A result arriving after the wait ran out changes
 * nothing: the CSMS was told Rejected; it is logged.
 */
import type { CommandOutcome } from '../../codecs/codec.js';
import type { ChargerCommand } from '../model/commands.js';
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

export type ChargerOutcome = { readonly ok: true; readonly status: 'accepted' | 'completed'; readonly note?: string } | Refusal;

/** The `statusInfo` of an answer that reports `r`. */
export function statusInfo(r: Refusal): { reasonCode: string; additionalInfo: string } {
  return { reasonCode: r.reasonCode, additionalInfo: r.additionalInfo.slice(0, 512) };
}

/**
 * What an Accepted answer adds when the charger said more than yes (e.g. a YKC limit clamped to the
 * pile's minimum, a start that waits for the plug): `{ statusInfo }` with reasonCode `ChargerNote`.
 */
export function noteInfo(o: ChargerOutcome): { statusInfo?: { reasonCode: string; additionalInfo: string } } {
  return o.ok && o.note !== undefined && o.note !== '' ? { statusInfo: { reasonCode: 'ChargerNote', additionalInfo: o.note.slice(0, 512) } } : {};
}

/** Late results remembered, so that one arriving after the wait is recognised as late. */
const LATE_KEPT = 64;

export class ChargerCommands {
  private readonly waiting = new Map<string, (o: ChargerOutcome) => void>();
  /** Commands whose wait ran out: id -> command type, oldest first. */
  private readonly expired = new Map<string, string>();

  constructor(private readonly ctx: Pick<StationContext, 'capabilities' | 'charger' | 'clock' | 'dm' | 'log'>) {}

  /** The bound on every wait, in ms (`OCPPCommCtrlr.ChargerCommandTimeout`). */
  waitMs(): number {
    return this.ctx.dm.getNumber('OCPPCommCtrlr', 'ChargerCommandTimeout') * 1000;
  }

  /** Sends `command` and resolves with the charger's outcome, within `waitMs()`. Never rejects. */
  run(command: ChargerCommand): Promise<ChargerOutcome> {
    if (!this.ctx.capabilities.commands.has(command.type)) return Promise.resolve({ ok: false, reasonCode: 'NotSupported', additionalInfo: `this charger has no ${command.type} command` });
    const ms = this.waitMs();
    return new Promise((resolve) => {
      const timer = this.ctx.clock.setTimeout(() => {
        this.waiting.delete(command.id);
        this.expired.set(command.id, command.type);
        if (this.expired.size > LATE_KEPT) this.expired.delete(this.expired.keys().next().value ?? '');
        this.ctx.log('warn', 'charger did not answer in time: the CSMS is told Rejected', { command: command.id, type: command.type, waitedMs: ms });
        resolve({ ok: false, reasonCode: 'Timeout', additionalInfo: `no answer from the charger within ${ms / 1000} s` });
      }, ms);
      this.waiting.set(command.id, (o) => {
        this.ctx.clock.clearTimeout(timer);
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
      const settle = this.waiting.get(command.id);
      this.waiting.delete(command.id);
      settle?.({ ok: false, reasonCode: outcome.status === 'notSupported' ? 'NotSupported' : 'NotSent', additionalInfo: outcome.reason });
    });
  }

  /** A `commandResult` from the charger: settles its wait; false when nobody waits for it. */
  result(e: CommandResultEvent): boolean {
    const settle = this.waiting.get(e.commandId);
    if (settle === undefined) {
      const type = this.expired.get(e.commandId);
      if (type !== undefined && (e.status === 'accepted' || e.status === 'completed' || e.status === 'rejected')) {
        this.expired.delete(e.commandId);
        this.ctx.log('warn', 'charger answered after the CSMS was told Rejected: its answer changes nothing here', { command: e.commandId, type, status: e.status, reason: e.reason });
      }
      return false;
    }
    this.waiting.delete(e.commandId);
    settle(outcomeOf(e));
    return true;
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
