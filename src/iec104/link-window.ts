/**
 * The sending side of the IEC 60870-5-104 link's flow control (§5.1, §5.5): V(S), the sent
 * I-frames still awaiting an ack with t1 for the oldest of them, and the queue of ASDUs waiting for
 * the k-window to open. Internal to `link.ts`, which decides when frames may go out.
 */
import type { Clock } from '../core/clock.js';
import { seqDistance, seqNext } from './apci.js';
import { LinkTimer, type LinkParameters } from './link-params.js';

interface SentFrame {
  readonly ns: number;
  readonly sentAt: number;
}

/** V(S) and the sent I-frames not yet acknowledged by the peer, with t1 for the oldest. */
export class SendWindow {
  private sendSeq = 0;
  /** Sent I-frames awaiting an ack, oldest first; their N(S) are consecutive. */
  private unacked: SentFrame[] = [];
  /** t1 for the oldest unacknowledged sent I-frame. */
  private readonly t1: LinkTimer;

  constructor(
    private readonly clock: Clock,
    private readonly params: LinkParameters,
    onT1: () => void,
  ) {
    this.t1 = new LinkTimer(clock, onT1);
  }

  /** V(S): N(S) of the next I-frame to send. */
  get vs(): number {
    return this.sendSeq;
  }

  /** Sent I-frames not yet acknowledged (at most k). */
  get count(): number {
    return this.unacked.length;
  }

  /** Fewer than k frames are unacknowledged (§5.5). */
  hasRoom(): boolean {
    return this.unacked.length < this.params.k;
  }

  /** Records the I-frame with N(S) = V(S) as sent now and advances V(S); t1 starts if none was outstanding. */
  sent(): void {
    const ns = this.sendSeq;
    this.sendSeq = seqNext(ns);
    this.unacked.push({ ns, sentAt: this.clock.now() });
    if (this.unacked.length === 1) this.t1.start(this.params.t1);
  }

  /**
   * Applies a received N(R): valid when it lies in [oldest unacked N(S) .. V(S)] modulo 32768
   * (the window of §5.1); everything before it is released. Returns false, changing
   * nothing, when it is not valid.
   */
  acknowledge(nr: number): boolean {
    const oldest = this.unacked[0];
    const acked = seqDistance(oldest?.ns ?? this.sendSeq, nr);
    if (acked > this.unacked.length) return false;
    if (acked > 0) {
      this.unacked = this.unacked.slice(acked);
      const next = this.unacked[0];
      // §5.1: t1 runs for the oldest unacknowledged I-frame, measured from when it was sent.
      if (next === undefined) this.t1.stop();
      else this.t1.start(Math.max(0, next.sentAt + this.params.t1 - this.clock.now()));
    }
    return true;
  }

  stopTimer(): void {
    this.t1.stop();
  }
}

/** FIFO with O(1) shift: the queue can hold many thousands of ASDUs while the window is closed. */
export class AsduQueue {
  private items: (Uint8Array | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(asdu: Uint8Array): void {
    this.items.push(asdu);
  }

  shift(): Uint8Array | undefined {
    if (this.head >= this.items.length) return undefined;
    const asdu = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return asdu;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
