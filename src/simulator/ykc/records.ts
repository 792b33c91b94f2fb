/**
 * The YKC charger simulator's transaction records (0x3B) on their way out: each is sent, then sent
 * again every `resendMs` until a 0x40 confirms it; the first `loseConfirms` confirmations are
 * dropped, as a lossy link would. Records still unconfirmed when the link drops go again after login.
 */
import type { YkcFrameOf } from '../../../codecs/ykc/index.js';
import { every, type SimulatorClock } from '../clock.js';

type RecordFrame = YkcFrameOf<'transactionRecord'>;

export class YkcRecordOutbox {
  /** Serials of records the platform confirmed with 0x40. */
  readonly confirmed: string[] = [];
  /** Serial of every 0x40 received, the lost ones and repeats included. */
  readonly confirmations: string[] = [];
  /** How many times each record was sent. */
  readonly recordSends = new Map<string, number>();
  private readonly unconfirmed = new Map<string, { frame: RecordFrame; stopResending: () => void }>();
  private confirmsToLose: number;

  constructor(
    private readonly clock: SimulatorClock,
    private readonly send: (frame: RecordFrame) => void,
    private readonly resendMs: number,
    loseConfirms: number,
  ) {
    this.confirmsToLose = loseConfirms;
  }

  /** Sends `frame` and keeps resending it until it is confirmed. */
  upload(frame: RecordFrame): void {
    const sendOnce = (): void => {
      this.recordSends.set(frame.transactionNo, (this.recordSends.get(frame.transactionNo) ?? 0) + 1);
      this.send(frame);
    };
    sendOnce();
    this.unconfirmed.set(frame.transactionNo, { frame, stopResending: every(this.clock, this.resendMs, sendOnce) });
  }

  /** Uploads again every record not yet confirmed (after a new login). */
  uploadPending(): void {
    const pending = [...this.unconfirmed.values()];
    this.unconfirmed.clear();
    for (const u of pending) {
      u.stopResending();
      this.upload(u.frame);
    }
  }

  /** A 0x40 for `transactionNo`: the record is done with, unless this confirmation is one to lose. */
  confirm(transactionNo: string): void {
    this.confirmations.push(transactionNo);
    if (this.confirmsToLose > 0) {
      this.confirmsToLose -= 1;
      return;
    }
    const u = this.unconfirmed.get(transactionNo);
    if (u !== undefined) {
      u.stopResending();
      this.unconfirmed.delete(transactionNo);
      this.confirmed.push(transactionNo);
    }
  }

  /** Stops resending; the records stay pending for `uploadPending`. */
  stopTimers(): void {
    for (const u of this.unconfirmed.values()) u.stopResending();
  }
}
