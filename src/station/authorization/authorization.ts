/**
 * Authorization (C01, C10-C15, F01): a charger asking whether an id token may charge gets the
 * CSMS's answer as a canonical `authorize` command, and a RequestStartTransaction is checked with
 * the CSMS first when `AuthCtrlr.AuthorizeRemoteStart` says so.
 *
 * Locally known tokens are those of the Local Authorization List (`local-list.ts`, C14/C15) and,
 * for tokens the list does not hold, those of the Authorization Cache (`auth-cache.ts`, C10-C12):
 * the list is the CSMS's own statement and wins. So:
 * - `LocalPreAuthorize` true: a token known as Accepted charges at once, without an
 *   AuthorizeRequest (C12, C14; the TransactionEvent that follows carries the token, and the
 *   CSMS's idTokenInfo in its answer updates the cache); a token known with another status is
 *   refused at once when the DisablePostAuthorize of where it is known (LocalAuthListCtrlr or
 *   AuthCacheCtrlr) is true, else the CSMS is asked (C10.FR.03, C12.FR.05, C14.FR.03);
 * - `LocalAuthorizeOffline` true: while the CSMS cannot be asked, a known token charges when it
 *   is Accepted and is refused otherwise (C12, C15);
 * - a token known nowhere (or any token when neither decides) while the CSMS cannot be asked
 *   follows the offline policy `AuthCtrlr.OfflineTxForUnknownIdEnabled`: true lets every such
 *   token charge (the transaction reaches the CSMS later), false refuses.
 * Every answer of the CSMS about a token the list does not hold is cached, whatever its status.
 *
 * The CSMS cannot be asked while the OCPP connection is down or the boot is not accepted, and it
 * counts as not answering when no answer came within `OCPPCommCtrlr.MessageTimeout` of asking (a
 * CALL waiting behind another, or one the connection lost): the charger is never left waiting, the
 * AuthorizeRequest is withdrawn and a late answer is ignored.
 *
 * Nothing here waits for the store (the list and the cache are read from memory, the cache is
 * written in the background), so a charger's request is handled as soon as it arrives, not after
 * the charger's earlier events: those may be waiting for an unreachable store, and the charger
 * gives up on its request after a few seconds.
 */
import type { AuthorizationRequestEvent } from '../../model/events.js';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { StationContext } from '../context.js';
import { AuthCache } from './auth-cache.js';
import { CustomerInformation } from './customer-information.js';
import { LocalList } from './local-list.js';
import { ocppIdToken } from '../transactions/transactions.js';

type OcppIdToken = RequestOf<'Authorize'>['idToken'];

/** What the station decided about a token, and why (the CSMS's status, or the offline policy). */
export interface AuthorizationOutcome {
  readonly accepted: boolean;
  readonly reason: string;
  /** The token's group, as the CSMS, the local list or the cache gave it. */
  readonly groupIdToken?: OcppIdToken;
}

/**
 * Who may start on a reserved EVSE (H03): the reservation's verdict on a token (undefined: the EVSE
 * is not reserved), whether the token's group is the reservation's, and the token let start there.
 */
export interface StartGuard {
  verdict(evse: number, token: OcppIdToken): 'own' | 'group' | 'other' | undefined;
  groupMatches(evse: number, group: OcppIdToken | undefined): boolean;
  admitted(evse: number, token: OcppIdToken): void;
}

/** The reason a charger is given for a token refused at an EVSE that takes no session now (Inoperative, firmware). */
const HELD_OFF_REASON = 'NotAtThisTime';

/** The reason a charger is given for a token refused at a reserved EVSE (an AuthorizationStatusEnumType value). */
const RESERVED_REASON = 'NotAtThisTime';

export class Authorization {
  /** The Local Authorization List (D01/D02): the engine registers its handlers and loads it. */
  readonly localList: LocalList;
  /** The Authorization Cache (C10-C12): the engine loads it; ClearCache and CustomerInformation reach it. */
  readonly cache: AuthCache;
  /** CustomerInformation (N09/N10): what the list, the cache and the queue hold for a token. */
  readonly customers: CustomerInformation;

  constructor(private readonly ctx: StationContext) {
    this.localList = new LocalList(ctx);
    this.cache = new AuthCache(ctx);
    this.customers = new CustomerInformation(ctx, this.localList, this.cache);
  }

  /** A charger's request: asks the CSMS (or applies the offline policy) and answers the charger. */
  async request(e: AuthorizationRequestEvent): Promise<void> {
    const { accepted, reason } = await this.decide(e.connector, ocppIdToken(e.idToken));
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
   * A token presented at `evse`: at an EVSE that takes no session (Inoperative, firmware hold) and,
   * on a reserved EVSE, another token are refused without asking the CSMS,
   * and one that may be of the reservation's group only when the CSMS (or the list, or the cache) names it.
   */
  private async decide(evse: number, token: OcppIdToken): Promise<AuthorizationOutcome> {
    // An EVSE that takes no new session (Inoperative, a firmware installation's hold).
    if (this.ctx.blocks.availability.heldOff(evse)) return { accepted: false, reason: HELD_OFF_REASON };
    const guard: StartGuard = this.ctx.blocks.reservations;
    const verdict = guard.verdict(evse, token);
    if (verdict === 'other') return { accepted: false, reason: RESERVED_REASON };
    const outcome = await this.authorize(token);
    if (!outcome.accepted || verdict === undefined) return outcome;
    if (verdict === 'group' && !guard.groupMatches(evse, outcome.groupIdToken)) return { accepted: false, reason: RESERVED_REASON };
    guard.admitted(evse, token);
    return outcome;
  }

  /**
   * AuthorizeRequest for `idToken` when the CSMS can be asked; only `Accepted` lets it charge
   * (Blocked, Expired, Invalid, NoCredit, Unknown... refuse). Without an answer the offline policy decides.
   */
  async authorize(idToken: OcppIdToken): Promise<AuthorizationOutcome> {
    const known = this.known(idToken);
    if (!this.ctx.isOnline()) return this.offline('offline', known);
    if (known !== undefined && this.ctx.dm.getBoolean('AuthCtrlr', 'LocalPreAuthorize')) {
      if (known.status === 'Accepted') return { accepted: true, reason: `Accepted (${known.where})`, ...group(known.group) };
      if (this.ctx.dm.getBoolean(known.component, 'DisablePostAuthorize')) return { accepted: false, reason: `${known.status} (${known.where})` };
    }
    try {
      const r = await this.askCsms(idToken);
      if (r === undefined) return this.offline(`CSMS did not answer within ${this.answerWaitMs() / 1000} s`, known);
      if (known?.where !== 'local list') this.cache.update(idToken, r.idTokenInfo);
      return { accepted: r.idTokenInfo.status === 'Accepted', reason: r.idTokenInfo.status, ...group(r.idTokenInfo.groupIdToken ?? known?.group) };
    } catch (err) {
      return this.offline(`CSMS did not answer (${err instanceof Error ? err.message : String(err)})`, known);
    }
  }

  /**
   * The CSMS's idTokenInfo in a TransactionEventResponse (C10.FR.05): cached for the event's token,
   * unless the Local Authorization List holds it.
   */
  transactionEventAnswered(req: RequestOf<'TransactionEvent'>, res: ResponseOf<'TransactionEvent'>): void {
    if (req.idToken === undefined || res.idTokenInfo === undefined) return;
    if (this.localList.lookup(req.idToken) !== undefined) return;
    this.cache.update(req.idToken, res.idTokenInfo);
  }

  /** C11 ClearCache: Rejected while the cache is disabled (C11.FR.04) or when it could not be cleared (C11.FR.05). */
  async clearCache(): Promise<ResponseOf<'ClearCache'>> {
    if (!this.cache.enabled) return { status: 'Rejected', statusInfo: { reasonCode: 'Disabled', additionalInfo: 'AuthCacheCtrlr.Enabled is false' } };
    try {
      await this.cache.clear();
      this.ctx.log('info', 'authorization cache cleared');
      return { status: 'Accepted' };
    } catch (err) {
      this.ctx.log('warn', 'authorization cache not cleared', { error: err instanceof Error ? err.message : String(err) });
      return { status: 'Rejected', statusInfo: { reasonCode: 'InternalError', additionalInfo: 'the station store could not be written' } };
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

  /** Where the station knows `idToken` from: the Local Authorization List first, else the cache. */
  private known(idToken: OcppIdToken): Known | undefined {
    const listed = this.localList.lookup(idToken);
    if (listed !== undefined) return { status: listed.status, where: 'local list', component: 'LocalAuthListCtrlr', ...group(listed.groupIdToken) };
    const cached = this.cache.use(idToken);
    if (cached !== undefined) return { status: cached.status, where: 'authorization cache', component: 'AuthCacheCtrlr', ...group(cached.groupIdToken) };
    return undefined;
  }

  private offline(why: string, known: Known | undefined): AuthorizationOutcome {
    if (known !== undefined && this.ctx.dm.getBoolean('AuthCtrlr', 'LocalAuthorizeOffline')) {
      return { accepted: known.status === 'Accepted', reason: `${why}: ${known.status} in the ${known.where}`, ...group(known.group) };
    }
    const accepted = this.ctx.dm.getBoolean('AuthCtrlr', 'OfflineTxForUnknownIdEnabled');
    return { accepted, reason: `${why}: offline policy ${accepted ? 'lets unknown tokens charge' : 'refuses'}` };
  }
}

/** A token the station knows locally: its status and where it is held. */
interface Known {
  readonly status: string;
  readonly where: 'local list' | 'authorization cache';
  /** The component whose DisablePostAuthorize applies. */
  readonly component: 'LocalAuthListCtrlr' | 'AuthCacheCtrlr';
  /** The token's group, where it is known. */
  readonly group?: OcppIdToken;
}

function group(g: OcppIdToken | undefined): { groupIdToken?: OcppIdToken } {
  return g !== undefined ? { groupIdToken: g } : {};
}

declare module '../context.js' {
  interface StationBlocks {
    readonly authorization: Authorization;
  }
}
