/**
 * Link-layer parameters of IEC 60870-5-104 (§5.2 timers, §5.5 flow control k/w) as plain data, and
 * the clock the link runs its timers on. Kept apart from `link.ts` so configuration code can
 * validate parameters without pulling in the state machine.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { MAX_APDU_LENGTH } from './apci.js';

/** The APCI parameters; times are milliseconds. */
export interface LinkParameters {
  /** Most sent I-frames that may be unacknowledged; the sender stalls at k (§5.5). */
  readonly k: number;
  /** Acknowledge at the latest after w received I-frames (§5.5). */
  readonly w: number;
  /** Connection establishment time-out. Not used by the link (it runs on an accepted socket); carried for the owner. */
  readonly t0: number;
  /** Time-out for the ack of a sent I-frame or the con of a sent U-frame; expiry closes the connection (§5.2). */
  readonly t1: number;
  /** Longest delay before acknowledging received I-frames when there is nothing to piggyback on (§5.2). */
  readonly t2: number;
  /** Idle time without received frames after which TESTFR act is sent (§5.2). */
  readonly t3: number;
  /** Largest APDU length octet accepted and sent (4..253); the ASDU may use `maxApduLength - 4` octets. */
  readonly maxApduLength: number;
}

/** IEC 60870-5-104 default values (IEC §5.2 / §5.5). */
export const DEFAULT_LINK_PARAMETERS: LinkParameters = Object.freeze({
  k: 12,
  w: 8,
  t0: 30_000,
  t1: 15_000,
  t2: 10_000,
  t3: 20_000,
  maxApduLength: MAX_APDU_LENGTH,
});

/** Sequence numbers are 15 bits: at most 32767 frames can be outstanding. */
const MAX_K = 32767;

/**
 * Merges `overrides` onto the defaults and validates the result.
 * @throws RangeError naming the first parameter that is out of range.
 */
export function resolveLinkParameters(overrides: Partial<LinkParameters> = {}): LinkParameters {
  const p: LinkParameters = { ...DEFAULT_LINK_PARAMETERS, ...overrides };
  integerIn('k', p.k, 1, MAX_K);
  integerIn('w', p.w, 1, MAX_K);
  if (p.w > p.k) {
    // §5.5: the receiver must ack before the sender's window closes, otherwise the link stalls until t1.
    throw new RangeError(`link parameter w (${p.w}) must not exceed k (${p.k})`);
  }
  for (const name of ['t0', 't1', 't2', 't3'] as const) {
    const v = p[name];
    if (!Number.isFinite(v) || v <= 0) {
      throw new RangeError(`link parameter ${name} must be a positive number of milliseconds, got ${v}`);
    }
  }
  if (p.t2 >= p.t1) {
    // §5.2: an ack delayed by t2 must reach the peer before its t1 fires.
    throw new RangeError(`link parameter t2 (${p.t2} ms) must be less than t1 (${p.t1} ms)`);
  }
  integerIn('maxApduLength', p.maxApduLength, 4, MAX_APDU_LENGTH);
  return Object.freeze(p);
}

function integerIn(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`link parameter ${name} must be an integer in ${min}..${max}, got ${v}`);
  }
}

/** A one-shot timer on a `Clock` that knows whether it is armed (internal to the link). */
export class LinkTimer {
  private handle: TimerHandle = undefined;
  private armed = false;
  /** `clock.now()` at which the timer is due. */
  private dueAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly fire: () => void,
  ) {}

  get running(): boolean {
    return this.armed;
  }

  start(ms: number): void {
    this.stop();
    this.armed = true;
    this.dueAt = this.clock.now() + ms;
    this.arm(ms);
  }

  /**
   * Like `start`, but a running timer whose expiry only moves later keeps its clock timer and is
   * re-armed for the rest when that fires. For t3, restarted on every received frame: a clear and
   * set per frame across thousands of links is timer churn for nothing.
   */
  restart(ms: number): void {
    const dueAt = this.clock.now() + ms;
    if (!this.armed || dueAt < this.dueAt) {
      this.start(ms);
      return;
    }
    this.dueAt = dueAt;
  }

  stop(): void {
    if (!this.armed) return;
    this.armed = false;
    this.clock.clearTimeout(this.handle);
  }

  private arm(ms: number): void {
    const armedFor = this.dueAt;
    this.handle = this.clock.setTimeout(() => {
      if (this.dueAt !== armedFor) {
        this.arm(Math.max(0, this.dueAt - this.clock.now()));
        return;
      }
      this.armed = false;
      this.fire();
    }, ms);
  }
}
