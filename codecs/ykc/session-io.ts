/**
 * The YKC session's way out: frames to the charger (platform sequence numbers, echoed sequences in
 * replies, ykc.md §1), canonical events to the sink, and the commands waiting for their answer frame
 * (each with a time-out, failed all at once when the connection closes).
 */
import type { ChargerEvent, CommandResultEvent, Timestamp } from '../../src/model/events.js';
import type { SessionContext } from '../codec.js';
import type { YkcCipher } from './cipher.js';
import type { YkcTypeName } from './constants.js';
import type { CardFormat } from './fields.js';
import { encodeYkcFrame } from './generator.js';
import type { YkcOptions } from './session-support.js';
import type { YkcFrame, YkcFrameOf } from './types.js';

/** A platform frame without its header fields: the session fills in the sequence. */
export type OutFrame<K extends YkcTypeName> = { readonly type: K } & Omit<YkcFrameOf<K>, 'sequence' | 'type'>;

export type PendingKind = 'start' | 'stop' | 'workParams' | 'reboot' | 'clock' | 'tariff';

/** The two 0x52 work parameters, as sent. */
export interface WorkParams {
  readonly disabled: number;
  readonly maxPowerPercent: number;
}

/** What a waiting command remembers besides its id, kind and connector. */
export interface PendingDetail {
  /** The transaction a 0x34 started. */
  readonly transactionNo?: string;
  /** Sequence of the frame sent (an answer echoes it, ykc.md §1). */
  readonly sequence?: number;
  /** The work parameters a 0x52 proposed: the pile's only once it answered success. */
  readonly proposal?: WorkParams;
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
}

export class YkcOutbox {
  private seq = 0;
  private readonly pending: Pending[] = [];
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

  /** A platform-originated frame with the next sequence number (LE counter, ykc.md §1); returns that number. */
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

  /** Waits for the answer frame of command `commandId`; a `timeout` result when none comes. */
  expect(commandId: string, kind: PendingKind, connector: number, detail: PendingDetail = {}): void {
    const ms = this.ctx.options.commandTimeoutMs ?? 60_000;
    const timer = this.ctx.clock.setTimeout(() => {
      const i = this.pending.findIndex((p) => p.commandId === commandId);
      if (i < 0) return;
      this.pending.splice(i, 1);
      if (detail.internal === true) this.ctx.sink.log('warn', 'ykc charger did not answer', { commandId, kind, timeoutMs: ms });
      else this.result(commandId, 'timeout', `no answer within ${ms} ms`);
    }, ms);
    this.pending.push({ ...detail, commandId, kind, connector, timer });
  }

  /**
   * The oldest command of `kind` waiting: with `transactionNo`, only the one for that transaction;
   * else the oldest for `connector` (any connector when that is undefined too).
   */
  take(kind: PendingKind, connector?: number, transactionNo?: string): Pending | undefined {
    return this.remove(
      this.pending.findIndex((p) => p.kind === kind && (transactionNo !== undefined ? p.transactionNo === transactionNo : connector === undefined || p.connector === connector)),
    );
  }

  /** The command of `kind` whose frame had `sequence` (echoed verbatim or byte-swapped, ykc.md §1). */
  takeBySequence(kind: PendingKind, sequence: number): Pending | undefined {
    return this.remove(this.pending.findIndex((p) => p.kind === kind && p.sequence !== undefined && sameSequence(p.sequence, sequence)));
  }

  /** The newest command of `kind` still waiting. */
  newest(kind: PendingKind): Pending | undefined {
    return this.pending.findLast((p) => p.kind === kind);
  }

  private remove(i: number): Pending | undefined {
    if (i < 0) return undefined;
    const [p] = this.pending.splice(i, 1);
    if (p !== undefined) this.ctx.clock.clearTimeout(p.timer);
    return p;
  }

  /** Answer frames with a plain 0 failure / 1 success byte. */
  simpleResult(kind: PendingKind, result: number): void {
    const p = this.take(kind);
    if (p !== undefined) this.result(p.commandId, result === 1 ? 'accepted' : 'rejected', undefined, result);
  }

  result(commandId: string, status: CommandResultEvent['status'], reason?: string, raw?: number): void {
    this.event({ type: 'commandResult', commandId, status, ...(reason !== undefined ? { reason } : {}), ...(raw !== undefined ? { raw } : {}) });
  }

  /** The connection is gone: every waiting command failed. */
  failAll(reason: string): void {
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
