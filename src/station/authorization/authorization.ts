/**
 * Authorization (C01, C15, F01): a charger asking whether an id token may charge gets the CSMS's
 * answer as a canonical `authorize` command, and a RequestStartTransaction is checked with the CSMS
 * first when `AuthCtrlr.AuthorizeRemoteStart` says so.
 *
 * Locally known tokens are those of the Local Authorization List (`local-list.ts`, C14/C15);
 * the gateway keeps no authorization cache. So:
 * - `LocalPreAuthorize` true: a token the list holds as Accepted charges at once, without an
 *   AuthorizeRequest (C14); a listed token with another status is refused at once when
 *   `LocalAuthListCtrlr.DisablePostAuthorize` is true, else the CSMS is asked (C14.FR.03);
 * - `LocalAuthorizeOffline` true: while the CSMS cannot be asked, a listed token charges when it
 *   is Accepted in the list and is refused otherwise (C15);
 * - a token the list does not know (or any token when the list does not decide) while the CSMS
 *   cannot be asked follows the offline policy `AuthCtrlr.OfflineTxForUnknownIdEnabled` (the OCPP
 *   variable for starting with unknown tokens offline): true lets every such token charge (the
 *   transaction reaches the CSMS later), false refuses.
 *
 * The CSMS cannot be asked while the OCPP connection is down or the boot is not accepted, and it
 * counts as not answering when no answer came within `OCPPCommCtrlr.MessageTimeout` of asking (a
 * CALL waiting behind another, or one the connection lost): the charger is never left waiting, the
 * AuthorizeRequest is withdrawn and a late answer is ignored.
 *
 * Nothing here writes to the store (the list is read from memory), so a charger's request is
 * handled as soon as it arrives, not after the charger's earlier events: those may be waiting for
 * an unreachable store, and the charger gives up on its request after a few seconds.
 */
import type { AuthorizationRequestEvent } from '../../model/events.js';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { StationContext } from '../context.js';
import { LocalList, type IdTokenInfo } from './local-list.js';
import { ocppIdToken } from '../transactions.js';

type OcppIdToken = RequestOf<'Authorize'>['idToken'];

/** What the station decided about a token, and why (the CSMS's status, or the offline policy). */
export interface AuthorizationOutcome {
  readonly accepted: boolean;
  readonly reason: string;
}

export class Authorization {
  /** The Local Authorization List (D01/D02): the engine registers its handlers and loads it. */
  readonly localList: LocalList;

  constructor(private readonly ctx: StationContext) {
    this.localList = new LocalList(ctx);
  }

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
    const listed = this.localList.lookup(idToken);
    if (!this.ctx.isOnline()) return this.offline('offline', listed);
    if (listed !== undefined && this.ctx.dm.getBoolean('AuthCtrlr', 'LocalPreAuthorize')) {
      if (listed.status === 'Accepted') return { accepted: true, reason: 'Accepted (local list)' };
      if (this.ctx.dm.getBoolean('LocalAuthListCtrlr', 'DisablePostAuthorize')) return { accepted: false, reason: `${listed.status} (local list)` };
    }
    try {
      const r = await this.askCsms(idToken);
      if (r === undefined) return this.offline(`CSMS did not answer within ${this.answerWaitMs() / 1000} s`, listed);
      return { accepted: r.idTokenInfo.status === 'Accepted', reason: r.idTokenInfo.status };
    } catch (err) {
      return this.offline(`CSMS did not answer (${err instanceof Error ? err.message : String(err)})`, listed);
    }
  }

  /**
   * Whether a RequestStartTransaction must be authorized first (F01.FR.01/02): AuthorizeRemoteStart
   * true and a token the CSMS did not issue itself (not Central, not NoAuthorization).
   */
  remoteStartNeedsAuthorization(idToken: RequestOf<'RequestStartTransaction'>['idToken']): boolean {
    return this.ctx.dm.getBoolean('AuthCtrlr', 'AuthorizeRemoteStart') && idToken.type !== 'Central' && idToken.type !== 'NoAuthorization';
  }

  /** How long the CSMS may take to answer an AuthorizeRequest, from the moment it is asked. */
  private answerWaitMs(): number {
    return this.ctx.dm.getNumber('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }) * 1000;
  }

  /**
   * AuthorizeRequest, bounded by `answerWaitMs` whether it is written at once or waits in the queue:
   * undefined when the bound passed first, after which the CALL is withdrawn (dropped if still
   * queued, its answer ignored if already sent).
   */
  private askCsms(idToken: OcppIdToken): Promise<ResponseOf<'Authorize'> | undefined> {
    const withdraw = new AbortController();
    let timer: unknown;
    const bound = new Promise<undefined>((resolve) => {
      timer = this.ctx.clock.setTimeout(() => {
        // Resolved before the abort, so the bound and not the aborted CALL settles the race.
        resolve(undefined);
        withdraw.abort();
        this.ctx.log('warn', 'AuthorizeRequest withdrawn: no answer in time, offline rules apply', { waitedMs: this.answerWaitMs() });
      }, this.answerWaitMs());
    });
    const answer = this.ctx.call('Authorize', { idToken }, { signal: withdraw.signal });
    return Promise.race([answer, bound]).finally(() => this.ctx.clock.clearTimeout(timer));
  }

  private offline(why: string, listed: IdTokenInfo | undefined): AuthorizationOutcome {
    if (listed !== undefined && this.ctx.dm.getBoolean('AuthCtrlr', 'LocalAuthorizeOffline')) {
      return { accepted: listed.status === 'Accepted', reason: `${why}: ${listed.status} in the local list` };
    }
    const accepted = this.ctx.dm.getBoolean('AuthCtrlr', 'OfflineTxForUnknownIdEnabled');
    return { accepted, reason: `${why}: offline policy ${accepted ? 'lets unknown tokens charge' : 'refuses'}` };
  }
}
