/**
 * The YKC session's way out: frames to the charger (platform sequence numbers, echoed sequences in
 * replies, docs/protocols/ykc.md §1), canonical events to the sink, and the commands waiting for their answer frame
 * (each with a time-out, failed all at once when the connection closes).
 *
 * Which command an answer frame answers (`answerOf`): the sequence it echoes first. The spec says a
 * reply echoes its request's sequence (docs/protocols/ykc.md §1; JCPP echoes it byte-swapped, §9 #2), and the
 * public fixtures show it for the platform's replies to the pile; that piles echo it in their
 * answers to platform commands (0x33, 0x35, 0x43, 0x45, 0x51, 0x55, 0x57, 0x91) is the same rule,
 * but no capture confirms it. So an answer whose sequence matches no command is matched by what it
 * carries (the transaction of a 0x33, the gun of a 0x33 / 0x35), and only then, logged, to the
 * oldest command of its kind. Commands answered or given up on are remembered a while: an answer
 * echoing one of those is a late (or repeated) answer to it, never credited to another command.
 */
import type { ChargerEvent, CommandResultEvent, Timestamp } from '../../src/model/events.js';
import type { SessionContext } from '../codec.js';
import type { YkcCipher } from './cipher.js';
import type { YkcTypeName } from './constants.js';
import type { CardFormat } from './fields.js';
import { encodeYkcFrame } from './generator.js';
import type { YkcOptions, YkcTariff } from './session-support.js';
import type { YkcFrame, YkcFrameOf } from './types.js';

/** A platform frame without its header fields: the session fills in the sequence. */
export type OutFrame<K extends YkcTypeName> = { readonly type: K } & Omit<YkcFrameOf<K>, 'sequence' | 'type'>;

export type PendingKind = 'start' | 'stop' | 'workParams' | 'reboot' | 'clock' | 'tariff' | 'firmware';

/**
 * How long a command waits for its answer frame by default: inside the station's default wait
 * (OCPPCommCtrlr.ChargerCommandTimeout, 10 s), so that the codec has given up on a command before
 * the CSMS is answered and its answer can no longer be taken for a later one's.
 */
const DEFAULT_COMMAND_TIMEOUT_MS = 8_000;

/** Commands answered or given up on, remembered to recognise a late or repeated answer. */
const SETTLED_KEPT = 32;

/** The two 0x52 work parameters, as sent. */
export interface WorkParams {
  readonly disabled: number;
  readonly maxPowerPercent: number;
}

/** What a waiting command remembers besides its id, kind and connector. */
export interface PendingDetail {
  /** The transaction a 0x34 started. */
  readonly transactionNo?: string;
  /** Sequence of the frame sent (an answer echoes it, docs/protocols/ykc.md §1). */
  readonly sequence?: number;
  /** The work parameters a 0x52 proposed: the pile's only once it answered success. */
  readonly proposal?: WorkParams;
  /** What the command behind a 0x52 changed in the proposal it built on. */
  readonly change?: Partial<WorkParams>;
  /** The billing model a 0x58 sent: the pile's once it answered success. */
  readonly tariff?: YkcTariff;
  /** Said with an `accepted` result (e.g. a limit clamped to what the pile takes). */
  readonly note?: string;
  /** Sent by the session itself (no canonical command): its answer or time-out is only logged. */
  readonly internal?: boolean;
}

export interface Pending extends PendingDetail {
  readonly commandId: string;
  readonly kind: PendingKind;
  readonly connector: number;
  readonly timer: unknown;
  /** The order the commands went out in (the sequence wraps; this does not). */
  readonly order: number;
}

/** What identifies an answer beyond its sequence (see `answerOf`). */
export interface AnswerFields {
  /** The gun it names (0x33, 0x35): only a command for that connector. */
  readonly connector?: number;
  /** A transaction the session knows (0x33): only the command for that transaction, nothing else. */
  readonly transactionNo?: string;
  /** True for a sequence of a frame the session sent by itself (no command waits for its answer). */
  readonly own?: (sequence: number) => boolean;
}

export class YkcOutbox {
  private seq = 0;
  private order = 0;
  private readonly pending: Pending[] = [];
  /** Commands answered (`timedOut` false) or given up on, newest last. */
  private readonly settled: { readonly p: Pending; timedOut: boolean }[] = [];
  /** Set once the charger has sent an encrypted frame: every frame to it is then encrypted. */
  cipher: YkcCipher | undefined;

  constructor(
    readonly ctx: SessionContext<YkcOptions>,
    /** Changes once the pile logged in when the registry names a zone for it. */
    public timeZone: string,
    readonly cardFormat: CardFormat,
  ) {}

  event(e: ChargerEvent): void {
    this.ctx.sink.event(e);
  }

  now(): Timestamp {
    return new Date(this.ctx.clock.now()).toISOString();
  }

  /** An answer to `request`, echoing its sequence bytes. */
  reply<K extends YkcTypeName>(request: { readonly sequence: number }, frame: OutFrame<K>): void {
    this.ctx.sink.send(this.encode({ ...frame, sequence: request.sequence } as unknown as YkcFrame));
  }

  /** A platform-originated frame with the next sequence number (LE counter, docs/protocols/ykc.md §1); returns that number. */
  send<K extends YkcTypeName>(frame: OutFrame<K>): number {
    const sequence = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    this.ctx.sink.send(this.encode({ ...frame, sequence } as unknown as YkcFrame));
    return sequence;
  }

  /** A whole frame, its sequence already set. */
  sendFrame(frame: YkcFrame): void {
    this.ctx.sink.send(this.encode(frame));
  }

  encode(frame: YkcFrame): Buffer {
    return encodeYkcFrame(frame, { timeZone: this.timeZone, cardFormat: this.cardFormat, ...(this.cipher !== undefined ? { cipher: this.cipher } : {}) });
  }

  /** Waits `ms` (default `timeoutMs()`) for the answer frame of command `commandId`; a `timeout` result when none comes. */
  expect(commandId: string, kind: PendingKind, connector: number, detail: PendingDetail = {}, ms = this.timeoutMs()): void {
    const timer = this.ctx.clock.setTimeout(() => {
      const i = this.pending.findIndex((p) => p.commandId === commandId);
      if (i < 0) return;
      const [p] = this.pending.splice(i, 1);
      if (p !== undefined) this.settle(p, true);
      if (detail.internal === true) this.ctx.sink.log('warn', 'ykc charger did not answer', { commandId, kind, timeoutMs: ms });
      else this.result(commandId, 'timeout', `no answer within ${ms} ms`);
    }, ms);
    this.pending.push({ ...detail, commandId, kind, connector, timer, order: this.order++ });
  }

  /** How long a command waits for its answer frame. */
  timeoutMs(): number {
    return this.ctx.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  /**
   * The command answer frame `f` of `kind` answers, no longer waiting (see the file comment): with
   * `fields.transactionNo`, the command for that transaction only; else the one whose frame had
   * `f.sequence` (a command given up on is returned too: its answer came late); else, when the
   * sequence is not the session's own (`fields.own`), the oldest command of `kind` (on
   * `fields.connector`), logged. Undefined, logged, when it answers none.
   */
  answerOf(kind: PendingKind, f: { readonly type: string; readonly sequence: number }, fields: AnswerFields = {}): Pending | undefined {
    const ofKind = (p: Pending): boolean => p.kind === kind;
    if (fields.transactionNo !== undefined) {
      const t = fields.transactionNo;
      const p = this.remove(this.pending.findIndex((x) => ofKind(x) && x.transactionNo === t));
      return (
        p ??
        this.late(
          f,
          this.settled.findLastIndex((x) => ofKind(x.p) && x.p.transactionNo === t),
        )
      );
    }
    for (const same of [(a: number, b: number) => a === b, sameSequence]) {
      const p = this.remove(this.pending.findIndex((x) => ofKind(x) && x.sequence !== undefined && same(x.sequence, f.sequence)));
      if (p !== undefined) return p;
      const s = this.settled.findLastIndex((x) => ofKind(x.p) && x.p.sequence !== undefined && same(x.p.sequence, f.sequence));
      if (s >= 0) return this.late(f, s);
    }
    if (fields.own?.(f.sequence) === true) return undefined;
    const candidates = this.pending.filter((x) => ofKind(x) && (fields.connector === undefined || x.connector === fields.connector));
    const first = candidates[0];
    const p = first === undefined ? undefined : this.remove(this.pending.indexOf(first));
    if (p === undefined) {
      this.ctx.sink.log('info', 'ykc answer without a command', { type: f.type, sequence: f.sequence });
      return undefined;
    }
    // Nothing in the answer names its command: with one candidate it is most likely that one,
    // with several a guess (a pile that ignored the oldest and answers a later one is misread).
    this.ctx.sink.log(candidates.length > 1 ? 'warn' : 'info', 'ykc answer matched without its sequence', {
      type: f.type,
      sequence: f.sequence,
      commandId: p.commandId,
      by: fields.connector !== undefined ? 'gun' : 'oldest',
      candidates: candidates.length,
    });
    return p;
  }

  /** The commands of `kind` still waiting that went out before `p`, oldest first. */
  waitingBefore(kind: PendingKind, p: Pending): readonly Pending[] {
    return this.pending.filter((x) => x.kind === kind && x.order < p.order);
  }

  /** Takes `p` off the waiting list (answered). */
  take(p: Pending): void {
    this.remove(this.pending.indexOf(p));
  }

  /** The newest command of `kind` still waiting. */
  newest(kind: PendingKind): Pending | undefined {
    return this.pending.findLast((p) => p.kind === kind);
  }

  private remove(i: number): Pending | undefined {
    if (i < 0) return undefined;
    const [p] = this.pending.splice(i, 1);
    if (p === undefined) return undefined;
    this.ctx.clock.clearTimeout(p.timer);
    this.settle(p, false);
    return p;
  }

  private settle(p: Pending, timedOut: boolean): void {
    this.settled.push({ p, timedOut });
    if (this.settled.length > SETTLED_KEPT) this.settled.shift();
  }

  /** Settled command `i` answered again: late after its time-out (returned once), else a repeat (nothing). */
  private late(f: { readonly type: string; readonly sequence: number }, i: number): Pending | undefined {
    const s = this.settled[i];
    if (s === undefined) return undefined;
    if (!s.timedOut) {
      this.ctx.sink.log('debug', 'ykc answer repeated: already taken', { type: f.type, sequence: f.sequence, commandId: s.p.commandId });
      return undefined;
    }
    s.timedOut = false;
    this.ctx.sink.log('info', 'ykc answer after its command timed out: reported late', { type: f.type, sequence: f.sequence, commandId: s.p.commandId });
    return s.p;
  }

  /** Answer frames with a plain 0 failure / 1 success byte (0x91). */
  simpleResult(kind: PendingKind, f: { readonly type: string; readonly sequence: number; readonly result: number }): void {
    const p = this.answerOf(kind, f);
    if (p !== undefined) this.result(p.commandId, f.result === 1 ? 'accepted' : 'rejected', undefined, f.result);
  }

  result(commandId: string, status: CommandResultEvent['status'], reason?: string, raw?: number): void {
    this.event({ type: 'commandResult', commandId, status, ...(reason !== undefined ? { reason } : {}), ...(raw !== undefined ? { raw } : {}) });
  }

  /** The connection is gone: every waiting command failed. */
  failAll(reason: string): void {
    this.settled.length = 0;
    for (const p of this.pending.splice(0)) {
      this.ctx.clock.clearTimeout(p.timer);
      if (p.internal !== true) this.result(p.commandId, 'failed', reason);
    }
  }
}

/** True when `echoed` is `sent` as sent or with its two bytes swapped (some chargers echo it so). */
export function sameSequence(sent: number, echoed: number): boolean {
  return echoed === sent || echoed === (((sent & 0xff) << 8) | (sent >> 8));
}
