/**
 * Authorization (C01, C15, F01): a charger asking whether an id token may charge gets the CSMS's
 * answer as a canonical `authorize` command, and a RequestStartTransaction is checked with the CSMS
 * first when `AuthCtrlr.AuthorizeRemoteStart` says so.
 *
 * The gateway keeps no local authorization list and no authorization cache, so:
 * - `LocalPreAuthorize` has nothing to pre-authorize from and behaves as false: the station always
 *   waits for the CSMS's answer;
 * - `LocalAuthorizeOffline` has no locally known token to let through;
 * - what happens to a token while the CSMS cannot be asked is the offline policy
 *   `AuthCtrlr.OfflineTxForUnknownIdEnabled` (the OCPP variable for starting with unknown tokens
 *   offline): true lets every token charge (the transaction reaches the CSMS later), false refuses.
 */
import type { AuthorizationRequestEvent } from '../model/events.js';
import type { RequestOf } from '../ocpp/actions.js';
import type { StationContext } from './context.js';
import { ocppIdToken } from './transactions.js';

type OcppIdToken = RequestOf<'Authorize'>['idToken'];

/** What the station decided about a token, and why (the CSMS's status, or the offline policy). */
export interface AuthorizationOutcome {
  readonly accepted: boolean;
  readonly reason: string;
}

export class Authorization {
  constructor(private readonly ctx: StationContext) {}

  /** A charger's request: asks the CSMS (or applies the offline policy) and answers the charger. */
  async request(e: AuthorizationRequestEvent): Promise<void> {
    const { accepted, reason } = await this.authorize(ocppIdToken(e.idToken));
    const outcome = this.ctx.charger.send({
      type: 'authorize',
      id: this.ctx.commandId('authorize'),
      connector: e.connector,
      idToken: e.idToken,
      accepted,
      ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
      reason,
    });
    this.ctx.log('info', 'authorization answered', { connector: e.connector, accepted, reason, sent: outcome.status });
  }

  /**
   * AuthorizeRequest for `idToken` when the CSMS can be asked; only `Accepted` lets it charge
   * (Blocked, Expired, Invalid, NoCredit, Unknown... refuse). Without an answer the offline policy decides.
   */
  async authorize(idToken: OcppIdToken): Promise<AuthorizationOutcome> {
    if (!this.ctx.isAccepted()) return this.offline('offline');
    try {
      const r = await this.ctx.call('Authorize', { idToken });
      return { accepted: r.idTokenInfo.status === 'Accepted', reason: r.idTokenInfo.status };
    } catch (err) {
      return this.offline(`CSMS did not answer (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  /**
   * Whether a RequestStartTransaction must be authorized first (F01.FR.01/02): AuthorizeRemoteStart
   * true and a token the CSMS did not issue itself (not Central, not NoAuthorization).
   */
  remoteStartNeedsAuthorization(idToken: RequestOf<'RequestStartTransaction'>['idToken']): boolean {
    return this.ctx.dm.getBoolean('AuthCtrlr', 'AuthorizeRemoteStart') && idToken.type !== 'Central' && idToken.type !== 'NoAuthorization';
  }

  private offline(why: string): AuthorizationOutcome {
    const accepted = this.ctx.dm.getBoolean('AuthCtrlr', 'OfflineTxForUnknownIdEnabled');
    return { accepted, reason: `${why}: offline policy ${accepted ? 'lets unknown tokens charge' : 'refuses'}` };
  }
}
