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
import type { ChargerCommands, ChargerOutcome, Confirmation } from '../charger-commands.js';
import type { StationContext } from '../context.js';

export type HoldOutcome = ChargerOutcome | { readonly ok: 'notNeeded' };

export class ChargerHold {
  constructor(
    private readonly ctx: StationContext,
    private readonly commands: ChargerCommands,
  ) {}

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
