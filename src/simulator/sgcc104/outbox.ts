/**
 * The family-B charger simulator's charge records on their way out: each is sent, then sent again
 * every `resendMs` until the gateway's confirmation names its serial, at most `maxSends` times per
 * connection (a dialect's charger gives up after a few, e.g. docs/protocols/state-grid-dialects.md §5
 * says three). Records still unconfirmed when the connection drops go again once the link is back.
 * Test knobs: `loseConfirms` confirmations are ignored (as if lost), `duplicate` sends each copy twice.
 */
import { every, type SimulatorClock } from '../clock.js';

export interface OutboxOptions {
  readonly resendMs: number;
  /** Sends per connection before giving up until the next one; default no limit. */
  readonly maxSends?: number;
  readonly loseConfirms?: number;
  readonly duplicate?: boolean;
}

interface Pending {
  /** Encodes and sends the record once. */
  readonly send: () => void;
  sends: number;
  stop?: () => void;
}

export class RecordOutbox {
  /** Serials the gateway confirmed (and the charger took). */
  readonly confirmed: string[] = [];
  /** Serial of every confirmation received, the lost ones and repeats included. */
  readonly confirmations: string[] = [];
  /** How many times each record was sent, over all connections. */
  readonly sends = new Map<string, number>();
  /** Confirmations still to ignore; may be changed while running (Infinity: hold every one). */
  loseConfirms: number;
  private readonly pending = new Map<string, Pending>();
  private online = false;

  constructor(
    private readonly clock: SimulatorClock,
    private readonly options: OutboxOptions,
  ) {
    this.loseConfirms = options.loseConfirms ?? 0;
  }

  /** Serials sent and not confirmed yet. */
  get unconfirmed(): string[] {
    return [...this.pending.keys()];
  }

  /** Sends a new record now if online (else once the link is up), then again until confirmed. */
  add(serial: string, send: () => void): void {
    const p: Pending = { send, sends: 0 };
    this.pending.get(serial)?.stop?.();
    this.pending.set(serial, p);
    if (this.online) this.begin(serial, p);
  }

  /** The link is up: every record not confirmed goes (again). */
  up(): void {
    this.online = true;
    for (const [serial, p] of this.pending) {
      p.stop?.();
      p.sends = 0;
      this.begin(serial, p);
    }
  }

  /** The connection is gone: resends wait for the next link. */
  down(): void {
    this.online = false;
    for (const p of this.pending.values()) {
      p.stop?.();
      delete p.stop;
    }
  }

  /** A confirmation for `serial`: the record is done with, unless this one is to be lost. Returns whether it was taken. */
  confirm(serial: string): boolean {
    this.confirmations.push(serial);
    if (this.loseConfirms > 0) {
      this.loseConfirms -= 1;
      return false;
    }
    const p = this.pending.get(serial);
    if (p === undefined) return false;
    p.stop?.();
    this.pending.delete(serial);
    this.confirmed.push(serial);
    return true;
  }

  dispose(): void {
    this.down();
  }

  private begin(serial: string, p: Pending): void {
    const once = (): void => {
      if (this.options.maxSends !== undefined && p.sends >= this.options.maxSends) {
        p.stop?.();
        delete p.stop;
        return;
      }
      p.sends += 1;
      this.sends.set(serial, (this.sends.get(serial) ?? 0) + 1);
      p.send();
      if (this.options.duplicate === true) p.send();
    };
    once();
    // `once` may have dropped the connection (a test knob): no resend timer then.
    if (this.online && this.pending.get(serial) === p) p.stop = every(this.clock, this.options.resendMs, once);
  }
}
