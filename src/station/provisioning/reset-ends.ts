/**
 * The connectors whose session ends by a Reset the charger confirmed (or by the stop the station
 * sent for one): however the charger reports that end afterwards — its own stop reason, power
 * loss, a billing record — it is the reset's (B12: stoppedReason ImmediateReset). Marked at the
 * confirmation, before any later charger event is handled.
 */
import type { StopReason } from '../../model/events.js';

export class ResetEnds {
  /** Created on first use: most stations are never reset during a session. */
  private marked: Set<number> | undefined;

  /** The sessions of these connectors end by the Reset. */
  mark(connectors: readonly number[]): void {
    for (const c of connectors) (this.marked ??= new Set()).add(c);
  }

  /** The Reset was not carried out, or its transactions have ended: session ends are the charger's own again. */
  clear(): void {
    this.marked = undefined;
  }

  /** How a session of `connector` reported ending with `reason` ends: by the Reset, where one was confirmed for it. */
  reasonFor(connector: number, reason: StopReason): StopReason {
    if (this.marked?.delete(connector) !== true) return reason;
    if (this.marked.size === 0) this.marked = undefined;
    return 'immediateReset';
  }
}
