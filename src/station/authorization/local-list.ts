/**
 * Local Authorization List Management (D01 SendLocalList, D02 GetLocalListVersion), device-model
 * component LocalAuthListCtrlr. The list lives in the gateway, in the StateStore under one key per
 * station (at most `Entries.maxLimit` tokens, so the value stays bounded), and survives restarts.
 * `Authorization` reads it (LocalPreAuthorize, LocalAuthorizeOffline); after each accepted update
 * the change is handed to the charger as a canonical `setLocalList` when its codec has one (YKC
 * offline cards), so the pile can authorize listed cards itself while the gateway is unreachable;
 * `ChargerListCopy` keeps that copy in step across refusals and reconnects.
 *
 * Rules (OCPP 2.0.1 Part 2 D01/D02):
 * - GetLocalListVersion: the stored version; 0 when no list was ever installed.
 * - Full: the list becomes exactly the request's entries (none: empty list), version = versionNumber.
 * - Differential: versionNumber not above the installed version -> VersionMismatch. Entries with
 *   idTokenInfo are added or replaced, entries without it removed; version = versionNumber.
 * - Failed (nothing changes): LocalAuthListCtrlr.Enabled false, versionNumber < 1, a token listed
 *   twice (idTokens must be unique), more entries than ItemsPerMessage or a payload above
 *   BytesPerMessage, or a result above the Entries maxLimit.
 * Tokens are the same when their type is and their idToken is, ignoring case (IdTokenType:
 * "case insensitive").
 */
import type { CommandResultEvent, IdToken } from '../../model/events.js';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { HandlerResult } from '../../ocpp/rpc-types.js';
import type { JsonValue } from '../../store/state-store.js';
import { background, type StationContext } from '../context.js';
import { ChargerListCopy } from './local-list-charger.js';

export const LOCAL_LIST_KEY = 'localList';

type AuthorizationData = NonNullable<RequestOf<'SendLocalList'>['localAuthorizationList']>[number];
type OcppIdToken = AuthorizationData['idToken'];
export type IdTokenInfo = NonNullable<AuthorizationData['idTokenInfo']>;
type SendLocalListResponse = ResponseOf<'SendLocalList'>;

/** One token of the installed list. */
interface Listed {
  readonly idToken: OcppIdToken;
  readonly idTokenInfo: IdTokenInfo;
}

/** The StateStore value under `LOCAL_LIST_KEY`. */
interface StoredList {
  readonly version: number;
  readonly entries: readonly Listed[];
}

/** The canonical token type an OCPP token type is handed to the charger as. */
const CANONICAL_TYPE: Readonly<Record<OcppIdToken['type'], IdToken['type']>> = {
  ISO14443: 'card',
  ISO15693: 'card',
  KeyCode: 'password',
  MacAddress: 'vin',
  Central: 'app',
  eMAID: 'app',
  Local: 'local',
  NoAuthorization: 'noAuthorization',
};

const accepted = (e: { idTokenInfo?: IdTokenInfo }): boolean => e.idTokenInfo?.status === 'Accepted';
const tokenKey = (t: OcppIdToken): string => `${t.type}:${t.idToken.toUpperCase()}`;
const canonical = (t: OcppIdToken): IdToken => ({ id: t.idToken, type: CANONICAL_TYPE[t.type] });

function failed(reasonCode: string, additionalInfo: string): SendLocalListResponse {
  return { status: 'Failed', statusInfo: { reasonCode, additionalInfo: additionalInfo.slice(0, 512) } };
}

export class LocalList {
  private version = 0;
  private entries = new Map<string, Listed>();
  /** Updates one after the other: each reads the list the previous one wrote. */
  private chain: Promise<unknown> = Promise.resolve();
  /** The charger's own copy (YKC offline cards), where it has one. */
  private readonly copy: ChargerListCopy;

  constructor(private readonly ctx: StationContext) {
    this.copy = new ChargerListCopy(ctx);
  }

  /** Loads the persisted list (a malformed one counts as no list). */
  async load(): Promise<void> {
    const stored = (await this.ctx.store.get(this.ctx.id, LOCAL_LIST_KEY)) as Partial<StoredList> | undefined | null;
    this.version = typeof stored?.version === 'number' && Number.isSafeInteger(stored.version) ? stored.version : 0;
    this.entries = new Map();
    for (const e of Array.isArray(stored?.entries) ? stored.entries : []) {
      if (typeof e?.idToken?.idToken === 'string' && typeof e.idToken.type === 'string' && typeof e.idTokenInfo?.status === 'string') this.entries.set(tokenKey(e.idToken), e);
    }
    this.updateEntries();
    if (this.copy.supported) await this.copy.load(this.version > 0);
  }

  /** D02: the installed version (0: none). */
  getLocalListVersion(): ResponseOf<'GetLocalListVersion'> {
    return { versionNumber: this.version };
  }

  /** The installed version and number of tokens. */
  get state(): { readonly version: number; readonly size: number } {
    return { version: this.version, size: this.entries.size };
  }

  /** The list's idTokenInfo for `idToken`, or undefined when not listed or the list is disabled. */
  lookup(idToken: OcppIdToken): IdTokenInfo | undefined {
    if (!this.enabled()) return undefined;
    return this.entries.get(tokenKey(idToken))?.idTokenInfo;
  }

  /** D01: checks, applies, persists; once answered, the change goes to the charger. */
  sendLocalList(req: RequestOf<'SendLocalList'>): Promise<HandlerResult<'SendLocalList'>> {
    const run = this.chain.then(() => this.apply(req));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async apply(req: RequestOf<'SendLocalList'>): Promise<HandlerResult<'SendLocalList'>> {
    const { dm } = this.ctx;
    if (!this.enabled()) return failed('Disabled', 'LocalAuthListCtrlr.Enabled is false');
    if (req.versionNumber < 1) return failed('InvalidValue', 'versionNumber must be at least 1');
    const list = req.localAuthorizationList ?? [];
    const items = dm.getNumber('LocalAuthListCtrlr', 'ItemsPerMessage');
    if (list.length > items) return failed('TooManyElements', `${list.length} entries, at most ${items} per message (LocalAuthListCtrlr.ItemsPerMessage)`);
    const bytes = dm.getNumber('LocalAuthListCtrlr', 'BytesPerMessage');
    const size = Buffer.byteLength(JSON.stringify(req));
    if (size > bytes) return failed('TooLargeElement', `${size} bytes, at most ${bytes} (LocalAuthListCtrlr.BytesPerMessage)`);
    const seen = new Set<string>();
    for (const e of list) {
      const key = tokenKey(e.idToken);
      if (seen.has(key)) return failed('DuplicateToken', `idToken ${e.idToken.idToken} (${e.idToken.type}) is listed twice`);
      seen.add(key);
    }
    if (req.updateType === 'Differential' && req.versionNumber <= this.version) {
      return { status: 'VersionMismatch', statusInfo: { reasonCode: 'VersionMismatch', additionalInfo: `installed version is ${this.version}` } };
    }

    const before = this.entries;
    const next = req.updateType === 'Full' ? new Map<string, Listed>() : new Map(before);
    for (const e of list) {
      const key = tokenKey(e.idToken);
      if (e.idTokenInfo !== undefined) next.set(key, { idToken: e.idToken, idTokenInfo: e.idTokenInfo });
      else next.delete(key);
    }
    const max = dm.variables.find((v) => v.component.name === 'LocalAuthListCtrlr' && v.variable.name === 'Entries')?.def.maxLimit ?? Number.POSITIVE_INFINITY;
    if (next.size > max) return failed('OutOfStorage', `the list would hold ${next.size} tokens, at most ${max} (LocalAuthListCtrlr.Entries maxLimit)`);

    const stored: StoredList = { version: req.versionNumber, entries: [...next.values()] };
    await this.ctx.store.set(this.ctx.id, LOCAL_LIST_KEY, stored as unknown as JsonValue);
    this.entries = next;
    this.version = req.versionNumber;
    this.updateEntries();
    this.ctx.log('info', 'local authorization list updated', { updateType: req.updateType, version: this.version, entries: next.size });
    return { response: { status: 'Accepted' }, after: () => this.toCharger(req, before, next) };
  }

  /** The change as the charger's offline list sees it: only Accepted tokens are on it. */
  private toCharger(req: RequestOf<'SendLocalList'>, before: ReadonlyMap<string, Listed>, after: ReadonlyMap<string, Listed>): void {
    if (!this.copy.supported) {
      this.ctx.log('debug', 'local authorization list kept at the gateway only: the charger has no offline list command');
      return;
    }
    let add: IdToken[];
    let remove: IdToken[];
    if (req.updateType === 'Full') {
      add = [...after.values()].filter(accepted).map((e) => canonical(e.idToken));
      remove = [...before.entries()].filter(([key, e]) => accepted(e) && after.get(key)?.idTokenInfo.status !== 'Accepted').map(([, e]) => canonical(e.idToken));
    } else {
      const list = req.localAuthorizationList ?? [];
      add = list.filter(accepted).map((e) => canonical(e.idToken));
      remove = list.filter((e) => !accepted(e)).map((e) => canonical(e.idToken));
    }
    this.toChargerInOrder(() => this.copy.send(req.updateType === 'Full' ? 'full' : 'differential', add, remove, `SendLocalList version ${req.versionNumber}`));
  }

  /**
   * The charger (re)connected: when its copy of the list is out of step (a change it never
   * confirmed), it gets the whole list again. Resolves once that went out (never rejects).
   */
  chargerConnected(): Promise<void> {
    if (!this.copy.needsResync || !this.enabled()) return Promise.resolve();
    const tokens = [...this.entries.values()].filter(accepted).map((e) => canonical(e.idToken));
    return this.toChargerInOrder(() => this.copy.resync(tokens));
  }

  /**
   * What the charger's own offline list holds of `idToken`, as far as the gateway knows: `copy`
   * when the list accepts it (the charger holds it as the list's copy), `stale` when a removal was
   * not confirmed yet, `none` when the gateway never put it there (another system may have),
   * `unsupported` when the charger has no offline list.
   */
  chargerHolds(idToken: OcppIdToken): 'copy' | 'stale' | 'none' | 'unsupported' {
    if (!this.copy.supported) return 'unsupported';
    if (this.enabled() && accepted(this.entries.get(tokenKey(idToken)) ?? {})) return 'copy';
    return this.copy.mayHold(canonical(idToken)) ? 'stale' : 'none';
  }

  /**
   * Removes `idToken` from the charger's offline list (CustomerInformation clear), in order with
   * the list's own changes: false (nothing sent) when the charger has no offline list or holds the
   * token as the copy of the list, which only the CSMS changes. Resolves once sent.
   */
  async removeFromCharger(idToken: OcppIdToken, why: string): Promise<boolean> {
    const holds = this.chargerHolds(idToken);
    if (holds === 'unsupported' || holds === 'copy') return false;
    await this.toChargerInOrder(() => this.copy.send('differential', [], [canonical(idToken)], why));
    return true;
  }

  /** The charger's answer to a command: true when it was one of the list's. */
  commandResult(e: CommandResultEvent): Promise<boolean> {
    return this.copy.commandResult(e);
  }

  /**
   * Changes reach the charger in the order they were made, after the updates before them. Resolves
   * once sent; a failure (the store) is logged, not thrown.
   */
  private toChargerInOrder(send: () => Promise<void>): Promise<void> {
    const run = this.chain.then(send);
    background(this.ctx, 'local authorization list to the charger', run);
    const settled = run.catch(() => undefined);
    this.chain = settled;
    return settled;
  }

  private enabled(): boolean {
    return this.ctx.dm.getBoolean('LocalAuthListCtrlr', 'Enabled');
  }

  private updateEntries(): void {
    this.ctx.dm.setRuntime('LocalAuthListCtrlr', 'Entries', this.entries.size);
  }
}
