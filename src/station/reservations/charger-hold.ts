/**
 * Telling the charger about a reservation, where only the charger can refuse a start. A charger
 * that asks the gateway to authorize every local start (`capabilities.localAuthorization`: a YKC
 * pile's card, password and VIN starts 0x31 → 0x32) needs nothing: the gateway refuses the other
 * tokens itself. One that decides local starts by itself (an IEC 104 point table) is made
 * unavailable on the reserved connector (`setAvailability`, the connector's own command, or the
 * whole charger's when it has one connector) and made available again when the reservation ends,
 * or just before the reserved token's own remote start. A charger that cannot be told is left as it
 * is, and the CSMS is told so (`GatewayEnforced`).
 */
import { statusInfo, type ChargerCommands, type ChargerOutcome, type Confirmation } from '../charger-commands.js';
import type { StationContext } from '../context.js';
import type { EvseStates } from './types.js';

export type HoldOutcome = ChargerOutcome | { readonly ok: 'notNeeded' };

export class ChargerHold {
  /**
   * EVSEs whose charger was told to be available again after a reservation held it, until it
   * reports so (or the wait for it runs out): its `unavailable` meanwhile is the hold's, not its
   * own. Created on first use.
   */
  private releasing: Map<number, unknown> | undefined;

  constructor(
    private readonly ctx: StationContext,
    private readonly commands: ChargerCommands,
  ) {}

  /** The charger's state of each EVSE (availability). */
  private get host(): Pick<EvseStates, 'chargerState' | 'refresh'> {
    return this.ctx.blocks.availability;
  }

  dispose(): void {
    for (const t of this.releasing?.values() ?? []) this.ctx.clock.clearTimeout(t);
    this.releasing = undefined;
  }

  /** True while the charger of `evse` is being made available again after a hold. */
  lifting(evse: number): boolean {
    return this.releasing?.has(evse) === true;
  }

  /** The charger reported `evse`: once it is no longer unavailable, the lifted hold is over. */
  reported(evse: number): void {
    if (this.lifting(evse) && this.host.chargerState(evse) !== 'unavailable') this.lifted(evse);
  }

  /**
   * Lifts the hold of `evse` (for `what`, in the log): marks it lifting now, so the EVSE is reported
   * as the charger will be rather than Unavailable, and returns the telling, to run in turn. If the
   * charger refuses, or confirms but does not report within the wait, what it reports is shown.
   */
  lift(evse: number, what: string): () => Promise<void> {
    const releasing = (this.releasing ??= new Map());
    const previous = releasing.get(evse);
    if (previous !== undefined) this.ctx.clock.clearTimeout(previous);
    releasing.set(evse, undefined);
    return async () => {
      const outcome = await this.tell(evse, true, () => undefined);
      if (outcome.ok === false) {
        this.ctx.log('warn', 'charger not made available again after the reservation', { what, evse, ...statusInfo(outcome) });
        this.lifted(evse);
        this.host.refresh(evse);
      } else if (this.lifting(evse) && this.host.chargerState(evse) === 'unavailable') {
        this.releasing?.set(
          evse,
          this.ctx.clock.setTimeout(() => {
            this.lifted(evse);
            this.host.refresh(evse);
          }, this.commands.waitMs()),
        );
      } else {
        this.lifted(evse);
      }
    };
  }

  private lifted(evse: number): void {
    const t = this.releasing?.get(evse);
    if (t !== undefined) this.ctx.clock.clearTimeout(t);
    this.releasing?.delete(evse);
    if (this.releasing?.size === 0) this.releasing = undefined;
  }

  /** True when starts at the charger are decided by the charger alone (they never reach the gateway). */
  needed(): boolean {
    return !this.ctx.capabilities.localAuthorization;
  }

  /**
   * Makes `connector` unavailable (`available` false) or available again and waits for the charger:
   * a refusal `NotSupported` means no command reaches that connector. `late` runs when the charger
   * confirms after the wait ran out.
   */
  async tell(connector: number, available: boolean, late: (o: Confirmation) => void): Promise<HoldOutcome> {
    if (!this.needed()) return { ok: 'notNeeded' };
    if (!this.ctx.capabilities.commands.has('setAvailability')) {
      return { ok: false, reasonCode: 'NotSupported', additionalInfo: 'the charger has no availability command' };
    }
    const targets = this.ctx.capabilities.connectorCount === 1 ? [connector, 0] : [connector];
    let outcome: ChargerOutcome = { ok: false, reasonCode: 'NotSupported', additionalInfo: `no availability command for connector ${connector}` };
    for (const target of targets) {
      outcome = await this.commands.run({ type: 'setAvailability', id: this.ctx.commandId('reservation'), connector: target, available }, { late });
      if (outcome.ok || outcome.reasonCode !== 'NotSupported') return outcome;
    }
    return outcome;
  }
}
