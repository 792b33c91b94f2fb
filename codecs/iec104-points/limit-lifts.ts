/**
 * Limits that run out: an IEC 104 setpoint never expires in the charger, so at a setLimit's `until`
 * the session itself sends the limit that lifts it (see `PlannedCommand.lift`). One timer per
 * connector, replaced by every setLimit sent there.
 */
import type { Clock } from '../../src/core/clock.js';
import type { CommandOutcome, PowerLimit } from '../../src/model/commands.js';
import type { Timestamp } from '../../src/model/events.js';

/** Retry interval of a lift while the setpoint's address is busy. */
const RETRY_MS = 1_000;

export class LimitLifts {
  /** By connector; created with the first (most chargers are never limited for a while). */
  private timers: Map<number, unknown> | undefined;

  constructor(
    private readonly clock: Clock,
    /** Sends the lifting setLimit. */
    private readonly send: (connector: number, lift: PowerLimit) => CommandOutcome,
    /** True while a rejected lift is worth trying again (the link is active). */
    private readonly canRetry: () => boolean,
    private readonly failed: (connector: number, outcome: Exclude<CommandOutcome, { status: 'sent' }>) => void,
  ) {}

  /** A setLimit went out on `connector`: replaces its timer, arming one at `until` when there is a lift. */
  arm(connector: number, until: Timestamp | undefined, lift: PowerLimit | undefined): void {
    this.forget(connector);
    if (until === undefined || lift === undefined) return;
    this.at(connector, Math.max(0, Date.parse(until) - this.clock.now()), lift);
  }

  /** The connection is gone. */
  clearAll(): void {
    for (const t of this.timers?.values() ?? []) this.clock.clearTimeout(t);
    this.timers = undefined;
  }

  /** Forgets `connector`'s timer, cleared first unless it is the one firing. */
  private forget(connector: number, firing = false): void {
    if (this.timers === undefined) return;
    if (!firing) this.clock.clearTimeout(this.timers.get(connector));
    this.timers.delete(connector);
    if (this.timers.size === 0) this.timers = undefined;
  }

  /** Sends `lift` after `delay` ms; while the address is busy (the limit's own confirmation), a second later. */
  private at(connector: number, delay: number, lift: PowerLimit): void {
    const timer = this.clock.setTimeout(() => {
      this.forget(connector, true);
      const outcome = this.send(connector, lift);
      if (outcome.status === 'rejected' && this.canRetry()) this.at(connector, RETRY_MS, lift);
      else if (outcome.status !== 'sent') this.failed(connector, outcome);
    }, delay);
    (this.timers ??= new Map()).set(connector, timer);
  }
}
