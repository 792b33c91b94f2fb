/**
 * The charger's own copy of the Local Authorization List (YKC offline cards): what is handed to it
 * as canonical `setLocalList` commands, and whether it is known to hold the installed list.
 *
 * A change the charger did not confirm (it refused it, did not answer in time, or the link went
 * down on the way) leaves its copy out of step. That is remembered in the StateStore under
 * `LOCAL_LIST_CHARGER_KEY`, with the tokens that may still be on the charger though the list no
 * longer accepts them, and the next time the charger connects it gets the whole list again: those
 * tokens removed, every Accepted token pushed. A copy confirmed in step is left alone on reconnect.
 */
import type { SetLocalListCommand } from '../../model/commands.js';
import type { CommandResultEvent, IdToken } from '../../model/events.js';
import type { JsonValue } from '../../store/state-store.js';
import type { StationContext } from '../context.js';

export const LOCAL_LIST_CHARGER_KEY = 'localListCharger';

/** The StateStore value under `LOCAL_LIST_CHARGER_KEY`. */
interface StoredCopy {
  /** The charger confirmed every change up to the installed list. */
  readonly inSync: boolean;
  /** Tokens that may be on the charger although the list does not accept them (any more). */
  readonly stale: readonly IdToken[];
}

const key = (t: IdToken): string => `${t.type}:${t.id.toUpperCase()}`;

function isToken(t: unknown): t is IdToken {
  return typeof (t as IdToken | undefined)?.id === 'string' && typeof (t as IdToken).type === 'string';
}

export class ChargerListCopy {
  private inSync = true;
  private stale = new Map<string, IdToken>();
  /** Commands sent and not answered yet. */
  private readonly pending = new Set<string>();
  /** One of the commands since the copy was last known in step was not confirmed. */
  private missed = false;

  constructor(private readonly ctx: StationContext) {}

  /** True when the charger has an offline list the gateway keeps in step. */
  get supported(): boolean {
    return this.ctx.capabilities.commands.has('setLocalList');
  }

  /**
   * Loads what is known of the charger's copy; `installed` says whether a list was ever installed
   * (without a record, a charger with an installed list counts as out of step).
   */
  async load(installed: boolean): Promise<void> {
    const stored = (await this.ctx.store.get(this.ctx.id, LOCAL_LIST_CHARGER_KEY)) as Partial<StoredCopy> | undefined | null;
    this.inSync = typeof stored?.inSync === 'boolean' ? stored.inSync : !installed;
    this.stale = new Map();
    for (const t of Array.isArray(stored?.stale) ? stored.stale : []) if (isToken(t)) this.stale.set(key(t), { id: t.id, type: t.type });
    this.missed = !this.inSync;
  }

  /** True when `t` may still be on the charger although the list does not accept it (a removal not confirmed). */
  mayHold(t: IdToken): boolean {
    return this.stale.has(key(t));
  }

  /** The charger needs the whole list again: it connected while its copy is out of step. */
  get needsResync(): boolean {
    return this.supported && !this.inSync;
  }

  /**
   * Hands a change to the charger: recorded as out of step (with `remove` as possibly still there)
   * first, then sent, so that a crash in between errs on the side of sending again.
   */
  async send(update: SetLocalListCommand['update'], add: readonly IdToken[], remove: readonly IdToken[], why: string): Promise<void> {
    for (const t of remove) this.stale.set(key(t), t);
    // A token pushed again is no longer stale: the push puts it back where it belongs.
    for (const t of add) this.stale.delete(key(t));
    const removeAll = update === 'full' ? [...this.stale.values()] : remove;
    const id = this.ctx.commandId('locallist');
    // Pending from now on: an answer to an earlier command must not mark the copy in step meanwhile.
    this.pending.add(id);
    this.inSync = false;
    try {
      await this.save();
    } catch (err) {
      // The pile is better off with the change than without it; only the record of its copy is lost.
      this.ctx.log('warn', 'could not record the charger copy of the local authorization list', { error: err instanceof Error ? err.message : String(err) });
    }
    const outcome = this.ctx.charger.send({ type: 'setLocalList', id, update, add, remove: removeAll });
    if (outcome.status !== 'sent') {
      this.pending.delete(id);
      this.missed = true;
    }
    this.ctx.log(outcome.status === 'sent' ? 'info' : 'warn', 'local authorization list sent to the charger', {
      why,
      command: id,
      add: add.length,
      remove: removeAll.length,
      outcome: outcome.status,
      ...('reason' in outcome ? { reason: outcome.reason } : {}),
    });
  }

  /**
   * The charger's answer to one of the list's commands (false for any other command). Once every
   * command since the copy was last in step is confirmed, it is in step again.
   */
  async commandResult(e: CommandResultEvent): Promise<boolean> {
    if (!this.pending.delete(e.commandId)) return false;
    if (e.status !== 'accepted' && e.status !== 'completed') {
      this.missed = true;
      this.ctx.log('warn', 'charger did not take the local authorization list: it gets the whole list when it connects again', { command: e.commandId, status: e.status, reason: e.reason });
      return true;
    }
    if (this.pending.size === 0 && !this.missed) {
      const was = this.inSync;
      this.inSync = true;
      this.stale.clear();
      await this.save();
      if (!was) this.ctx.log('info', 'the charger confirmed the local authorization list: its copy is in step');
    }
    return true;
  }

  /** Sends the whole list (its Accepted tokens, `accepted`) to a charger whose copy is out of step. */
  resync(accepted: readonly IdToken[]): Promise<void> {
    // Only this attempt's answers count now: the earlier misses are what it repairs.
    this.missed = false;
    return this.send('full', accepted, [], 'charger connected with its copy out of step');
  }

  private save(): Promise<void> {
    const value: StoredCopy = { inSync: this.inSync, stale: [...this.stale.values()] };
    return this.ctx.store.set(this.ctx.id, LOCAL_LIST_CHARGER_KEY, value as unknown as JsonValue);
  }
}
