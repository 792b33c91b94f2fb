/**
 * Pile-wide settings of a YKC connection: the billing model (0x05/0x06, 0x09/0x0A, set with 0x58 and
 * answered by 0x57), work parameters (0x52: availability and maximum power %), reboot (0x92), clock
 * (0x56) and a real-time data read (0x12) — each from its canonical command, answered by its frame.
 *
 * Work parameters are the pile's once it answered 0x51 success: each 0x52 proposes the newest
 * proposal still waiting (else the pile's) with its own change. A 0x52 carries both parameters, so
 * a pile that confirms a later 0x52 has also done what an earlier unanswered one asked when the
 * later one carries the same values: those are confirmed with it. 0x52 has no expiry, so a limit
 * with `until` arms a timer on the session clock that proposes 100 % again then. The time sync the
 * session sends by itself (at login and daily) is told apart from `setClock` by its sequence.
 * Answers find their command as `YkcOutbox.answerOf` says (sequence first).
 */
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import { timestampFromDate } from './fields.js';
import { sameSequence, type Pending, type WorkParams, type YkcOutbox } from './session-io.js';
import { DEFAULT_TARIFF, gunCode, tariffFromPeriods, type YkcTariff } from './session-support.js';
import type { YkcFrameOf } from './types.js';

/** The commands this part carries out. */
export type PileCommand = Extract<ChargerCommand, { type: 'setAvailability' | 'setLimit' | 'reset' | 'setClock' | 'interrogate' | 'setTariff' }>;

/** Lowest max-power % a 0x52 takes (docs/protocols/ykc.md §4). */
const MIN_POWER_PERCENT = 30;

/** Key of the billing models given to a pile in its memory, and how many are kept. */
const GIVEN_KEY = 'ykc.tariffsGiven';
const GIVEN_KEPT = 4;

export class YkcSettings {
  /** The work parameters the pile last accepted (0x51 success). */
  private workParams: WorkParams = { disabled: 0, maxPowerPercent: 100 };
  /** `Pending.order` of the 0x52 that set `workParams` (a late answer to an older one does not). */
  private workParamsOrder = -1;
  /** Restores 100 % at the `until` of the last limit. */
  private limitTimer: unknown;
  private limitSerial = 0;
  /** Sequences of the session's own 0x56 not answered yet (newest last, a few kept). */
  private readonly autoSyncs: number[] = [];
  /** A billing model set by `setTariff` and accepted by the charger (0x57): used for later 0x05/0x09. */
  private tariffOverride: YkcTariff | undefined;
  /** Billing models given to the pile, newest first, when the host keeps no memory per pile. */
  private readonly givenHere: YkcTariff[] = [];

  constructor(private readonly io: YkcOutbox) {}

  tariff(pileCode: string): YkcTariff {
    const o = this.io.ctx.options;
    return this.tariffOverride ?? o.tariffs?.[pileCode] ?? o.tariff ?? DEFAULT_TARIFF;
  }

  /**
   * Every billing model the pile may bill a session with, the one in force first: the configured
   * one and those it was given (0x0A) or accepted (0x57), also on its earlier connections (the
   * pile's memory in the host, when it keeps one). A record's amounts are checked against these.
   */
  tariffsGiven(pileCode: string): YkcTariff[] {
    const all = [this.tariff(pileCode), ...this.given(pileCode)];
    return all.filter((t, i) => all.findIndex((u) => JSON.stringify(u) === JSON.stringify(t)) === i);
  }

  private given(pileCode: string): YkcTariff[] {
    const memory = this.io.ctx.connection.memoryOf?.(pileCode);
    if (memory === undefined) return this.givenHere;
    const kept = memory.get(GIVEN_KEY);
    if (Array.isArray(kept)) return kept as YkcTariff[];
    const fresh: YkcTariff[] = [];
    memory.set(GIVEN_KEY, fresh);
    return fresh;
  }

  private gave(pileCode: string, t: YkcTariff): void {
    const list = this.given(pileCode);
    const i = list.findIndex((u) => JSON.stringify(u) === JSON.stringify(t));
    if (i >= 0) list.splice(i, 1);
    list.unshift(t);
    list.splice(GIVEN_KEPT);
  }

  billingModelVerify(f: YkcFrameOf<'billingModelVerify'>): void {
    const t = this.tariff(f.pileCode);
    this.io.reply(f, { type: 'billingModelVerifyAnswer', pileCode: f.pileCode, billingModelId: t.billingModelId, result: f.billingModelId === t.billingModelId ? 0 : 1 });
  }

  billingModelRequest(f: YkcFrameOf<'billingModelRequest'>): void {
    const t = this.tariff(f.pileCode);
    this.gave(f.pileCode, t);
    this.io.reply(f, {
      type: 'billingModelAnswer',
      pileCode: f.pileCode,
      billingModelId: t.billingModelId,
      tip: t.tip,
      peak: t.peak,
      flat: t.flat,
      valley: t.valley,
      lossRatio: t.lossRatio ?? 0,
      periods: t.periods,
    });
  }

  /** 0x57: the billing model of the 0x58 it answers is the pile's on success only. */
  billingModelSetAnswer(f: YkcFrameOf<'billingModelSetAnswer'>): void {
    const p = this.io.answerOf('tariff', f);
    if (p === undefined) return;
    if (f.result === 1 && p.tariff !== undefined) {
      this.tariffOverride = p.tariff;
      this.gave(f.pileCode, p.tariff);
    }
    this.io.result(p.commandId, f.result === 1 ? 'accepted' : 'rejected', undefined, f.result);
  }

  /**
   * 0x51: the proposal it answers becomes the pile's on success (unless a later 0x52 was confirmed
   * already), and so does every earlier 0x52 still waiting whose change it carries.
   */
  workParamsAnswer(f: YkcFrameOf<'workParamsAnswer'>): void {
    const p = this.io.answerOf('workParams', f);
    if (p === undefined) return;
    const ok = f.result === 1;
    this.settleWork(p, ok, f.result, ok ? p.note : undefined);
    if (!ok || p.proposal === undefined) return;
    const proposal = p.proposal;
    for (const q of this.io.waitingBefore('workParams', p)) {
      if (!Object.entries(q.change ?? {}).every(([k, v]) => proposal[k as keyof WorkParams] === v)) continue;
      this.io.take(q);
      const note = 'the pile did not answer this 0x52 but confirmed a later one carrying the same parameters';
      this.settleWork(q, true, f.result, q.note !== undefined ? `${q.note}; ${note}` : note);
    }
  }

  private settleWork(p: Pending, ok: boolean, raw: number, note: string | undefined): void {
    if (ok && p.proposal !== undefined && p.order > this.workParamsOrder) {
      this.workParams = p.proposal;
      this.workParamsOrder = p.order;
    }
    if (p.internal === true) this.io.ctx.sink.log(ok ? 'info' : 'warn', 'ykc work parameters answered', { commandId: p.commandId, result: raw, ...p.proposal });
    else this.io.result(p.commandId, ok ? 'accepted' : 'rejected', note, raw);
  }

  /** The session's own time sync (at login and daily): its answer resolves no `setClock`. */
  syncClock(pile: string): void {
    this.autoSyncs.push(this.io.send({ type: 'timeSync', pileCode: pile, time: timestampFromDate(new Date(this.io.ctx.clock.now()), this.io.timeZone) }));
    if (this.autoSyncs.length > 4) this.autoSyncs.shift();
  }

  /**
   * 0x55: answers the `setClock` whose 0x56 had its sequence; an answer to the session's own sync
   * resolves nothing. One matching neither (a charger not echoing the sequence) goes to the oldest
   * `setClock` waiting.
   */
  timeSyncAnswer(f: YkcFrameOf<'timeSyncAnswer'>): void {
    const own = (sequence: number): boolean => {
      const i = this.autoSyncs.findIndex((s) => sameSequence(s, sequence));
      if (i >= 0) this.autoSyncs.splice(i, 1);
      return i >= 0;
    };
    const p = this.io.answerOf('clock', f, { own });
    if (p !== undefined) this.io.result(p.commandId, 'accepted', undefined, 1);
  }

  /** The connection closed: no limit to restore any more. */
  stop(): void {
    this.io.ctx.clock.clearTimeout(this.limitTimer);
  }

  /** Carries out `c` for the logged-in pile `pile` with `connectorCount` guns. */
  command(c: PileCommand, pile: string, connectorCount: number): CommandOutcome {
    switch (c.type) {
      case 'setAvailability': {
        if (c.connector !== 0) return { status: 'notSupported', reason: 'YKC work parameters (0x52) apply to the whole pile only' };
        this.proposeWork(c.id, pile, { disabled: c.available ? 0 : 1 });
        return { status: 'sent' };
      }
      case 'setLimit': {
        const rated = this.io.ctx.options.ratedPowerW;
        if (rated === undefined) return { status: 'notSupported', reason: 'rated power unknown: cannot express a limit as a percentage' };
        if (c.limit.unit !== 'W') return { status: 'notSupported', reason: 'YKC limits power (0x52 max power %), not current' };
        if (c.connector !== 0) return { status: 'notSupported', reason: 'YKC work parameters (0x52) apply to the whole pile only' };
        return this.setLimit(c, pile, rated);
      }
      case 'reset':
        this.io.expect(c.id, 'reboot', 0, { sequence: this.io.send({ type: 'reboot', pileCode: pile, mode: c.kind === 'hard' ? 1 : 2 }) });
        return { status: 'sent' };
      case 'setClock':
        this.io.expect(c.id, 'clock', 0, { sequence: this.io.send({ type: 'timeSync', pileCode: pile, time: timestampFromDate(new Date(c.time), this.io.timeZone) }) });
        return { status: 'sent' };
      case 'interrogate':
        for (let g = 1; g <= connectorCount; g++) this.io.send({ type: 'readRealTimeData', pileCode: pile, gun: gunCode(g) });
        this.io.result(c.id, 'completed');
        return { status: 'sent' };
      case 'setTariff': {
        const t = tariffFromPeriods(c.tariffId, c.periods, this.tariff(pile).billingModelId);
        if (typeof t === 'string') return { status: 'rejected', reason: t };
        this.io.expect(c.id, 'tariff', 0, { sequence: this.io.send({ type: 'billingModelSet', pileCode: pile, ...t, lossRatio: t.lossRatio ?? 0 }), tariff: t });
        return { status: 'sent' };
      }
    }
  }

  /**
   * 0x52 max power % for a limit in W. A limit below the pile's minimum is sent as the minimum and
   * the `accepted` result says so (the canonical result carries a reason; rejecting would leave the
   * pile at its previous, higher power). With `until`, 100 % is proposed again then.
   */
  private setLimit(c: Extract<PileCommand, { type: 'setLimit' }>, pile: string, rated: number): CommandOutcome {
    const until = c.until === undefined ? undefined : Date.parse(c.until);
    if (until !== undefined && Number.isNaN(until)) return { status: 'rejected', reason: `invalid until ${c.until}` };
    const now = this.io.ctx.clock.now();
    if (until !== undefined && until <= now) return { status: 'rejected', reason: `until ${c.until} has passed` };
    const wanted = Math.round((c.limit.value / rated) * 100);
    const percent = Math.min(100, Math.max(MIN_POWER_PERCENT, wanted));
    const note = wanted < MIN_POWER_PERCENT ? `limit ${c.limit.value} W is below the pile minimum: clamped to ${percent} % (${Math.round((rated * percent) / 100)} W)` : undefined;
    this.io.ctx.clock.clearTimeout(this.limitTimer);
    this.limitTimer = undefined;
    this.proposeWork(c.id, pile, { maxPowerPercent: percent }, note);
    if (until !== undefined) {
      const serial = ++this.limitSerial;
      this.limitTimer = this.io.ctx.clock.setTimeout(() => {
        this.limitTimer = undefined;
        this.proposeWork(`ykc-limit-expiry-${serial}`, pile, { maxPowerPercent: 100 }, undefined, true);
      }, until - now);
    }
    return { status: 'sent' };
  }

  /** A 0x52 with `change` on top of the newest proposal waiting (else the pile's parameters). */
  private proposeWork(commandId: string, pile: string, change: Partial<WorkParams>, note?: string, internal = false): void {
    const proposal: WorkParams = { ...(this.io.newest('workParams')?.proposal ?? this.workParams), ...change };
    const sequence = this.io.send({ type: 'workParams', pileCode: pile, ...proposal });
    this.io.expect(commandId, 'workParams', 0, { sequence, proposal, change, ...(note !== undefined ? { note } : {}), ...(internal ? { internal } : {}) });
  }
}
