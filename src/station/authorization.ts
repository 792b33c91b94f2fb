/**
 * Authorization (C01): a charger asking whether an id token may charge gets the CSMS's answer as a
 * canonical `authorize` command. Without a CSMS, `AuthCtrlr.LocalAuthorizeOffline` decides: true
 * lets the token charge (the transaction reaches the CSMS later), false refuses it.
 */
import type { AuthorizationRequestEvent } from '../model/events.js';
import type { StationContext } from './context.js';
import { ocppIdToken } from './transactions.js';

export class Authorization {
  constructor(private readonly ctx: StationContext) {}

  async request(e: AuthorizationRequestEvent): Promise<void> {
    let accepted: boolean;
    let reason: string | undefined;
    if (this.ctx.isAccepted()) {
      try {
        const r = await this.ctx.call('Authorize', { idToken: ocppIdToken(e.idToken) });
        accepted = r.idTokenInfo.status === 'Accepted';
        reason = r.idTokenInfo.status;
      } catch (err) {
        accepted = this.ctx.dm.getBoolean('AuthCtrlr', 'LocalAuthorizeOffline');
        reason = `CSMS did not answer (${err instanceof Error ? err.message : String(err)})`;
      }
    } else {
      accepted = this.ctx.dm.getBoolean('AuthCtrlr', 'LocalAuthorizeOffline');
      reason = 'offline';
    }
    const outcome = this.ctx.charger.send({
      type: 'authorize',
      id: this.ctx.commandId('authorize'),
      connector: e.connector,
      idToken: e.idToken,
      accepted,
      ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
    this.ctx.log('info', 'authorization answered', { connector: e.connector, accepted, reason, sent: outcome.status });
  }
}
