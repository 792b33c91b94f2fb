/**
 * The Authorization Cache (OCPP 2.0.1 C10 store, C11 ClearCache, C12 start with a cached token),
 * device-model component AuthCacheCtrlr. It remembers the CSMS's latest idTokenInfo for each token
 * it was asked about (AuthorizeResponse) or told about (TransactionEventResponse), whatever the
 * status: a Blocked or Invalid answer is as useful offline as an Accepted one.
 *
 * - Persisted per station in the StateStore under one key (`AUTH_CACHE_KEY`), so it survives a
 *   restart and moves with the station (C10.FR.02). Writes go out in the background, one at a time,
 *   each with the cache as it is then: a charger is never kept waiting for the store.
 * - Bounded by bytes, not entries: `Storage` reports the bytes the stored value takes, its maxLimit
 *   is the most it may take. An addition that would pass it first removes entries by `Policy`:
 *   LRU (least recently presented or updated), LFU (fewest uses, then LRU), FIFO (oldest added).
 * - An entry expires when `cacheExpiryDateTime` has passed (C10.FR.13; one already past is not
 *   stored, or removes the entry) or when it was neither used nor updated for `LifeTime` seconds
 *   (C10.FR.08/10). Expired entries are removed as they are found, never used.
 * - `Enabled` false: nothing is added or used (what is held stays, for when it is enabled again).
 * - Memory: the running station keeps the stored form itself, as one JSON string (nothing while
 *   empty, at most Storage's maxLimit bytes), and parses it when a token is looked up or changed:
 *   a few times an hour per charger, against ~370 bytes of heap per token as objects.
 *
 * Tokens are the same when their type is and their idToken is, ignoring case (as in the list).
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { JsonValue } from '../../store/state-store.js';
import type { StationContext } from '../context.js';

export const AUTH_CACHE_KEY = 'authCache';

type OcppIdToken = RequestOf<'Authorize'>['idToken'];
type IdTokenInfo = ResponseOf<'Authorize'>['idTokenInfo'];
/** What is kept of an idTokenInfo: all but its customData. */
export type CachedInfo = Omit<IdTokenInfo, 'customData'>;
type Policy = 'LRU' | 'LFU' | 'FIFO';

/**
 * One cached token as stored: its type and idToken, the kept idTokenInfo, when it was added (ms,
 * FIFO), when it was last presented or updated (ms, LRU and LifeTime), and how often (LFU).
 */
type Entry = [type: OcppIdToken['type'], idToken: string, info: CachedInfo, added: number, used: number, hits: number];
const ADDED = 3;
const USED = 4;
const HITS = 5;

/** The StateStore value: `{"e":[...]}`. */
interface StoredCache {
  readonly e: Entry[];
}

/** Bytes of `{"e":[` and `]}` around the entries. */
const FRAME_BYTES = 8;

/** Tokens are the same when their type is and their idToken is, ignoring case. */
export const cacheTokenKey = (t: Pick<OcppIdToken, 'type' | 'idToken'>): string => `${t.type}:${t.idToken.toUpperCase()}`;
const entryKey = (e: Entry): string => `${e[0]}:${e[1].toUpperCase()}`;
const bytesOf = (e: Entry): number => Buffer.byteLength(JSON.stringify(e));

function isEntry(v: unknown): v is Entry {
  if (!Array.isArray(v) || v.length !== 6) return false;
  const [type, id, info, added, used, hits] = v as unknown[];
  return typeof type === 'string' && typeof id === 'string' && typeof (info as CachedInfo | null)?.status === 'string' && [added, used, hits].every((n) => typeof n === 'number' && Number.isFinite(n));
}

export class AuthCache {
  /** The stored form as JSON text; undefined while empty. */
  private text: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** A write queued and not started yet: it will write the cache as it is when it starts. */
  private queued: Promise<void> | undefined;

  constructor(private readonly ctx: StationContext) {}

  /** Loads the persisted cache (malformed entries are skipped). */
  async load(): Promise<void> {
    const stored = (await this.ctx.store.get(this.ctx.id, AUTH_CACHE_KEY)) as Partial<StoredCache> | undefined | null;
    this.keep(Array.isArray(stored?.e) ? stored.e.filter(isEntry) : []);
  }

  get enabled(): boolean {
    return this.ctx.dm.getBoolean('AuthCacheCtrlr', 'Enabled');
  }

  /** Number of cached tokens. */
  get size(): number {
    return this.entries().length;
  }

  /**
   * The cached idTokenInfo of `idToken` when the cache is enabled and holds a live entry; a lookup
   * that finds one counts as a use (LRU, LFU, LifeTime). An expired entry is removed instead.
   */
  use(idToken: OcppIdToken): CachedInfo | undefined {
    if (!this.enabled || this.text === undefined) return undefined;
    const entries = this.entries();
    const i = this.indexOf(entries, idToken);
    const entry = entries[i];
    if (entry === undefined) return undefined;
    const now = this.ctx.clock.now();
    const expired = this.expired(entry, now);
    if (expired) {
      entries.splice(i, 1);
      this.ctx.log('info', 'cached authorization expired and removed', { status: entry[2].status });
    } else {
      entry[USED] = now;
      entry[HITS] += 1;
    }
    this.keep(entries);
    this.persistInBackground();
    return expired ? undefined : entry[2];
  }

  /** The entry of `idToken` as held (expired or not, enabled or not): CustomerInformation. */
  peek(idToken: OcppIdToken): { readonly info: CachedInfo; readonly used: number; readonly expired: boolean } | undefined {
    const entries = this.entries();
    const entry = entries[this.indexOf(entries, idToken)];
    if (entry === undefined) return undefined;
    return { info: entry[2], used: entry[USED], expired: this.expired(entry, this.ctx.clock.now()) };
  }

  /**
   * Stores the CSMS's idTokenInfo for `idToken` (C10.FR.04/05): added or replaced, making room by
   * Policy. A cacheExpiryDateTime already past removes the entry instead. No-op when disabled.
   */
  update(idToken: OcppIdToken, idTokenInfo: IdTokenInfo): void {
    if (!this.enabled) return;
    const now = this.ctx.clock.now();
    const { customData: _dropped, ...info } = idTokenInfo;
    const entries = this.entries();
    const i = this.indexOf(entries, idToken);
    const before = i >= 0 ? entries.splice(i, 1)[0] : undefined;
    const expiry = info.cacheExpiryDateTime !== undefined ? Date.parse(info.cacheExpiryDateTime) : Number.NaN;
    if (!Number.isNaN(expiry) && expiry <= now) {
      this.ctx.log('debug', 'authorization not cached: its cacheExpiryDateTime has passed', { status: info.status });
    } else {
      const entry: Entry = [idToken.type, idToken.idToken, info, before?.[ADDED] ?? now, now, (before?.[HITS] ?? 0) + 1];
      const fits = this.makeRoom(entries, bytesOf(entry), now);
      if (fits) entries.push(entry);
      else this.ctx.log('warn', 'authorization not cached: the entry alone is larger than AuthCacheCtrlr.Storage maxLimit', { bytes: bytesOf(entry) });
    }
    this.keep(entries);
    this.persistInBackground();
  }

  /** Removes `idToken`'s entry; true when there was one. Resolves once the store has the change. */
  async remove(idToken: OcppIdToken): Promise<boolean> {
    const entries = this.entries();
    const i = this.indexOf(entries, idToken);
    if (i < 0) return false;
    entries.splice(i, 1);
    this.keep(entries);
    await this.persist();
    return true;
  }

  /** C11: empties the cache; resolves once the store has it (rejects when it could not be written). */
  async clear(): Promise<void> {
    this.keep([]);
    await this.persist();
  }

  /** Resolves once every change so far reached the store (or failed to). */
  flushed(): Promise<void> {
    return this.chain;
  }

  private entries(): Entry[] {
    return this.text === undefined ? [] : (JSON.parse(this.text) as StoredCache).e;
  }

  private keep(entries: readonly Entry[]): void {
    this.text = entries.length === 0 ? undefined : JSON.stringify({ e: entries });
    this.ctx.dm.setRuntime('AuthCacheCtrlr', 'Storage', this.text === undefined ? 0 : Buffer.byteLength(this.text));
  }

  private indexOf(entries: readonly Entry[], idToken: OcppIdToken): number {
    const key = cacheTokenKey(idToken);
    return entries.findIndex((e) => entryKey(e) === key);
  }

  private expired(e: Entry, now: number): boolean {
    const at = e[2].cacheExpiryDateTime;
    const expiry = at !== undefined ? Date.parse(at) : Number.NaN;
    if (!Number.isNaN(expiry) && now > expiry) return true;
    return now - e[USED] > this.ctx.dm.getNumber('AuthCacheCtrlr', 'LifeTime') * 1000;
  }

  /**
   * Removes expired entries, then entries by Policy, until one more entry of `bytes` fits within
   * maxLimit; false when it cannot fit even alone.
   */
  private makeRoom(entries: Entry[], bytes: number, now: number): boolean {
    const max = this.maxBytes();
    if (FRAME_BYTES + bytes > max) return false;
    for (let i = entries.length - 1; i >= 0; i--) if (this.expired(entries[i] as Entry, now)) entries.splice(i, 1);
    const sizes = entries.map(bytesOf);
    let total = FRAME_BYTES + bytes + sizes.reduce((a, b) => a + b + 1, 0);
    const policy = this.policy();
    while (total > max && entries.length > 0) {
      let victim = 0;
      for (let i = 1; i < entries.length; i++) if (replacedFirst(entries[i] as Entry, entries[victim] as Entry, policy)) victim = i;
      const [gone] = entries.splice(victim, 1);
      total -= (sizes.splice(victim, 1)[0] ?? 0) + 1;
      this.ctx.log('debug', 'cached authorization replaced to make room', { policy, status: gone?.[2].status });
    }
    return true;
  }

  private maxBytes(): number {
    return this.ctx.dm.variables.find((v) => v.component.name === 'AuthCacheCtrlr' && v.variable.name === 'Storage')?.def.maxLimit ?? Number.POSITIVE_INFINITY;
  }

  private policy(): Policy {
    const p = this.ctx.dm.getString('AuthCacheCtrlr', 'Policy');
    return p === 'LFU' || p === 'FIFO' ? p : 'LRU';
  }

  /** `persist` for a caller that does not wait: a failure is logged by the chain. */
  private persistInBackground(): void {
    this.persist().catch(() => undefined);
  }

  /**
   * Writes the cache as it is when the write starts, after the writes before it; a change made
   * while a write waits joins that write. Failures are logged (the memory copy stays in use).
   */
  private persist(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const run = this.chain.then(async () => {
      this.queued = undefined;
      const text = this.text;
      if (text === undefined) await this.ctx.store.delete(this.ctx.id, AUTH_CACHE_KEY);
      else await this.ctx.store.set(this.ctx.id, AUTH_CACHE_KEY, JSON.parse(text) as JsonValue);
    });
    this.queued = run;
    this.chain = run.catch((err: unknown) => this.ctx.log('warn', 'authorization cache not written to the store', { error: err instanceof Error ? err.message : String(err) }));
    return run;
  }
}

/** True when `a` should be replaced before `b` under `policy`. */
function replacedFirst(a: Entry, b: Entry, policy: Policy): boolean {
  if (policy === 'FIFO') return a[ADDED] < b[ADDED];
  if (policy === 'LFU' && a[HITS] !== b[HITS]) return a[HITS] < b[HITS];
  return a[USED] < b[USED];
}
