/**
 * The pile's offline-card list (docs/protocols/ykc.md §4, §6 step 6: the pile authorises these cards itself while
 * the platform is unreachable), kept in step with the gateway's local authorization list through
 * the canonical `setLocalList` command:
 * - `full`: YKC has no "clear all", so 0x46 clears the cards the command says leave the list plus
 *   every card pushed on this connection that is not in the new list; then 0x44 pushes the new list;
 * - `differential`: 0x46 for the removed cards, 0x44 for the added ones.
 * Frames carry at most 24 (0x46) and 15 (0x44) cards; longer lists go out in several frames. The
 * command's result is one `commandResult` once every answer (0x45 per clear, 0x43 per push) came.
 *
 * Only `card` tokens exist on a pile: others are skipped (and named in the result's reason). The
 * physical card number is the token rendered per `cardFormat`; the logical (printed) card number,
 * 16 BCD digits, is unknown to OCPP: the same number when it is decimal, else zeros (as in 0x32).
 *
 * An answer finds its frame as in `YkcOutbox.answerOf`: by the sequence it echoes; a 0x45 else by
 * the cards it names; else the oldest frame of its kind waiting, logged. An answer echoing a frame
 * of a command that already timed out is logged and ignored (the list is sent whole again when the
 * pile next connects, `local-list-charger.ts`).
 */
import type { CommandOutcome, SetLocalListCommand } from '../../src/model/commands.js';
import type { IdToken } from '../../src/model/events.js';
import { sameSequence, type YkcOutbox } from './session-io.js';
import type { YkcFrameOf } from './types.js';

/** Cards per 0x44 and per 0x46 frame (docs/protocols/ykc.md §3: n ≤ 15, n ≤ 24). */
const SYNC_CARDS_PER_FRAME = 15;
const CLEAR_CARDS_PER_FRAME = 24;

/** 0x43 fail reasons. */
const SYNC_FAIL: Readonly<Record<number, string>> = { 1: 'bad card format', 2: 'storage full' };

/** Frames of timed-out commands remembered, to recognise their late answers. */
const EXPIRED_KEPT = 32;

type CardFrameKind = 'sync' | 'clear';

/** A frame whose answer is still to come. */
interface Awaited {
  readonly kind: CardFrameKind;
  readonly sequence: number;
  /** Its cards, as `cardKey` spells them. */
  readonly cards: readonly string[];
}

interface CardOp {
  readonly commandId: string;
  /** Answers still to come, in the order the frames went out. */
  readonly awaiting: Awaited[];
  readonly failures: string[];
  readonly skipped: readonly string[];
  timer: unknown;
}

export class YkcCards {
  /** Cards pushed with 0x44 on this connection and not cleared since (physical numbers, upper case). */
  private readonly pushed = new Set<string>();
  private readonly ops: CardOp[] = [];
  /** Sequences of the frames of timed-out commands, newest last. */
  private readonly expired: number[] = [];

  constructor(private readonly io: YkcOutbox) {}

  /** Carries out `c` for the logged-in pile `pile`. */
  command(c: SetLocalListCommand, pile: string): CommandOutcome {
    const skipped: string[] = [];
    const add = this.cards(c.add, skipped);
    const addSet = new Set(add);
    const clear = new Set(this.cards(c.remove, skipped));
    if (c.update === 'full') for (const card of this.pushed) clear.add(card);
    for (const card of addSet) clear.delete(card);
    const countLayout = 'spec' as const;
    const clears = chunks([...clear], CLEAR_CARDS_PER_FRAME);
    const syncs = chunks(add, SYNC_CARDS_PER_FRAME);
    // Encode everything first: a card the frame cannot carry rejects the command before any byte goes out.
    const frames = [
      ...clears.map((cards) => ({ kind: 'clear' as const, frame: { type: 'offlineCardClear' as const, pileCode: pile, countLayout, cards } })),
      ...syncs.map((cards) => ({
        kind: 'sync' as const,
        frame: {
          type: 'offlineCardSync' as const,
          pileCode: pile,
          countLayout,
          cards: cards.map((physicalCardNo) => ({ logicalCardNo: /^[0-9]{1,16}$/.test(physicalCardNo) ? physicalCardNo : '0', physicalCardNo })),
        },
      })),
    ];
    for (const f of frames) this.io.encode({ ...f.frame, sequence: 0 });
    if (frames.length === 0) {
      this.io.result(c.id, 'completed', skipped.length > 0 ? `nothing to send; not cards: ${skipped.join(', ')}` : 'nothing to send');
      return { status: 'sent' };
    }
    const awaiting = frames.map((f) => ({
      kind: f.kind,
      sequence: this.io.send(f.frame),
      cards: (f.kind === 'sync' ? f.frame.cards.map((x) => x.physicalCardNo) : f.frame.cards).map(cardKey),
    }));
    for (const card of clear) this.pushed.delete(card);
    for (const card of add) this.pushed.add(card);
    const op: CardOp = { commandId: c.id, awaiting, failures: [], skipped, timer: undefined };
    const ms = this.io.timeoutMs();
    op.timer = this.io.ctx.clock.setTimeout(() => {
      const i = this.ops.indexOf(op);
      if (i < 0) return;
      this.ops.splice(i, 1);
      this.expired.push(...op.awaiting.map((a) => a.sequence));
      this.expired.splice(0, Math.max(0, this.expired.length - EXPIRED_KEPT));
      this.io.result(op.commandId, 'timeout', `${op.awaiting.length} offline-card answer(s) missing after ${ms} ms`);
    }, ms);
    this.ops.push(op);
    return { status: 'sent' };
  }

  /** 0x43. False when no command waits for it. */
  syncAnswer(f: YkcFrameOf<'offlineCardSyncAnswer'>): boolean {
    return this.answer('sync', f, f.result === 1 ? [] : [`0x44 refused: ${SYNC_FAIL[f.failReason] ?? `reason ${f.failReason}`}`]);
  }

  /** 0x45. False when no command waits for it. */
  clearAnswer(f: YkcFrameOf<'offlineCardClearAnswer'>): boolean {
    return this.answer(
      'clear',
      f,
      f.results.filter((r) => r.cleared !== 1).map((r) => `0x46 did not clear ${r.physicalCardNo}${r.failReason === 1 ? ' (bad card format)' : ''}`),
      f.results.map((r) => cardKey(r.physicalCardNo)),
    );
  }

  /** The connection closed: commands still waiting failed (the outbox reports nothing for these). */
  failAll(reason: string): void {
    for (const op of this.ops.splice(0)) {
      this.io.ctx.clock.clearTimeout(op.timer);
      this.io.result(op.commandId, 'failed', reason);
    }
  }

  private answer(kind: CardFrameKind, f: { readonly type: string; readonly sequence: number }, failures: readonly string[], cards?: readonly string[]): boolean {
    const found = this.find(kind, f, cards);
    if (found === 'late') return true;
    if (found === undefined) return false;
    const { op, index } = found;
    op.awaiting.splice(index, 1);
    op.failures.push(...failures);
    if (op.awaiting.length > 0) return true;
    this.ops.splice(this.ops.indexOf(op), 1);
    this.io.ctx.clock.clearTimeout(op.timer);
    const notes = [...op.failures, ...(op.skipped.length > 0 ? [`not cards: ${op.skipped.join(', ')}`] : [])];
    this.io.result(op.commandId, op.failures.length === 0 ? 'accepted' : 'rejected', notes.length > 0 ? notes.join('; ') : undefined);
    return true;
  }

  /** The frame an answer answers (see the file comment); 'late' for one of a timed-out command. */
  private find(kind: CardFrameKind, f: { readonly type: string; readonly sequence: number }, cards: readonly string[] | undefined): { op: CardOp; index: number } | 'late' | undefined {
    const where = (pred: (a: Awaited) => boolean): { op: CardOp; index: number } | undefined => {
      for (const op of this.ops) {
        const index = op.awaiting.findIndex((a) => a.kind === kind && pred(a));
        if (index >= 0) return { op, index };
      }
      return undefined;
    };
    for (const same of [(a: number, b: number) => a === b, sameSequence]) {
      const byOwn = where((a) => same(a.sequence, f.sequence));
      if (byOwn !== undefined) return byOwn;
      if (this.expired.some((s) => same(s, f.sequence))) {
        this.io.ctx.sink.log('info', 'ykc offline-card answer after its command timed out: ignored', { type: f.type, sequence: f.sequence });
        return 'late';
      }
    }
    const wanted = cards === undefined ? undefined : [...cards].sort().join(',');
    const byCards = wanted === undefined ? undefined : where((a) => [...a.cards].sort().join(',') === wanted);
    const candidates = this.ops.reduce((n, op) => n + op.awaiting.filter((a) => a.kind === kind).length, 0);
    const found = byCards ?? where(() => true);
    if (found !== undefined) {
      this.io.ctx.sink.log(byCards === undefined && candidates > 1 ? 'warn' : 'info', 'ykc answer matched without its sequence', {
        type: f.type,
        sequence: f.sequence,
        commandId: found.op.commandId,
        by: byCards !== undefined ? 'cards' : 'oldest',
        candidates,
      });
    }
    return found;
  }

  /** The physical card numbers of the `card` tokens, unique; other tokens' ids go to `skipped`. */
  private cards(tokens: readonly IdToken[], skipped: string[]): string[] {
    const out = new Set<string>();
    for (const t of tokens) {
      if (t.type === 'card' && this.fits(t.id)) out.add(this.io.cardFormat === 'hex' ? t.id.toUpperCase() : t.id);
      else skipped.push(`${t.type}:${t.id}`);
    }
    return [...out];
  }

  private fits(id: string): boolean {
    return this.io.cardFormat === 'hex' ? /^[0-9A-Fa-f]{1,16}$/.test(id) : /^-?[0-9]{1,19}$/.test(id);
  }
}

/** A physical card number as compared between a frame and its answer: upper case, no zero padding. */
function cardKey(card: string): string {
  return card.toUpperCase().replace(/^0+(?=.)/, '');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
