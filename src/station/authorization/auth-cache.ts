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
 * - Memory: nothing while empty; one small object per cached token otherwise (the byte bound keeps
 *   that to a few dozen tokens per station).
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

/** One cached token, with what the replacement policies and LifeTime need. */
interface Entry {
  readonly idToken: OcppIdToken;
  readonly info: CachedInfo;
  /** When it was added (ms): FIFO. */
  readonly added: number;
  /** When it was last presented or updated (ms): LRU and LifeTime. */
  used: number;
  /** Times presented or updated: LFU. */
  hits: number;
  /** Bytes of its stored form. */
  bytes: number;
}

/** An entry's stored form: [type, idToken, idTokenInfo, added, used, hits]. */
type StoredEntry = [OcppIdToken['type'], string, CachedInfo, number, number, number];

/** The StateStore value: `{"e":[...]}`. */
interface StoredCache {
  readonly e: readonly StoredEntry[];
}

/** Bytes of `{"e":[` and `]}` around the entries. */
const FRAME_BYTES = 8;

export const cacheTokenKey = (t: Pick<OcppIdToken, 'type' | 'idToken'>): string => `${t.type}:${t.idToken.toUpperCase()}`;

const storedForm = (e: Pick<Entry, 'idToken' | 'info' | 'added' | 'used' | 'hits'>): StoredEntry => [e.idToken.type, e.idToken.idToken, e.info, e.added, e.used, e.hits];
const bytesOf = (e: Pick<Entry, 'idToken' | 'info' | 'added' | 'used' | 'hits'>): number => Buffer.byteLength(JSON.stringify(storedForm(e)));

function isStoredEntry(v: unknown): v is StoredEntry {
  if (!Array.isArray(v) || v.length !== 6) return false;
  const [type, id, info, added, used, hits] = v as unknown[];
  return typeof type === 'string' && typeof id === 'string' && typeof (info as CachedInfo | null)?.status === 'string' && [added, used, hits].every((n) => typeof n === 'number' && Number.isFinite(n));
}

export class AuthCache {
  /** Undefined while empty. */
  private entries: Map<string, Entry> | undefined;
  /** Bytes of the entries' stored forms, without the frame and the commas. */
  private entryBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  /** A write queued and not started yet: it will write the cache as it is when it starts. */
  private queued: Promise<void> | undefined;

  constructor(private readonly ctx: StationContext) {}

  /** Loads the persisted cache (malformed entries are skipped). */
  async load(): Promise<void> {
    const stored = (await this.ctx.store.get(this.ctx.id, AUTH_CACHE_KEY)) as Partial<StoredCache> | undefined | null;
    this.entries = undefined;
    this.entryBytes = 0;
    for (const s of Array.isArray(stored?.e) ? stored.e : []) {
      if (!isStoredEntry(s)) continue;
      const [type, idToken, info, added, used, hits] = s;
      this.put({ idToken: { idToken, type }, info, added, used, hits, bytes: 0 });
    }
    this.updateStorage();
  }

  get enabled(): boolean {
    return this.ctx.dm.getBoolean('AuthCacheCtrlr', 'Enabled');
  }

  /** Number of cached tokens. */
  get size(): number {
    return this.entries?.size ?? 0;
  }

  /**
   * The cached idTokenInfo of `idToken` when the cache is enabled and holds a live entry; a lookup
   * that finds one counts as a use (LRU, LFU, LifeTime). An expired entry is removed instead.
   */
  use(idToken: OcppIdToken): CachedInfo | undefined {
    if (!this.enabled) return undefined;
    const entry = this.live(idToken);
    if (entry === undefined) return undefined;
    this.touch(entry, this.ctx.clock.now());
    this.persistInBackground();
    return entry.info;
  }

  /** The entry of `idToken` as held (expired or not, enabled or not): CustomerInformation. */
  peek(idToken: OcppIdToken): { readonly info: CachedInfo; readonly used: number; readonly expired: boolean } | undefined {
    const entry = this.entries?.get(cacheTokenKey(idToken));
    if (entry === undefined) return undefined;
    return { info: entry.info, used: entry.used, expired: this.expired(entry, this.ctx.clock.now()) };
  }

  /**
   * Stores the CSMS's idTokenInfo for `idToken` (C10.FR.04/05): added or replaced, making room by
   * Policy. A cacheExpiryDateTime already past removes the entry instead. No-op when disabled.
   */
  update(idToken: OcppIdToken, idTokenInfo: IdTokenInfo): void {
    if (!this.enabled) return;
    const now = this.ctx.clock.now();
    const { customData: _dropped, ...info } = idTokenInfo;
    const key = cacheTokenKey(idToken);
    const before = this.entries?.get(key);
    if (before !== undefined) this.drop(key);
    const expiry = info.cacheExpiryDateTime !== undefined ? Date.parse(info.cacheExpiryDateTime) : Number.NaN;
    if (!Number.isNaN(expiry) && expiry <= now) {
      this.ctx.log('debug', 'authorization not cached: its cacheExpiryDateTime has passed', { status: info.status });
    } else {
      const entry: Entry = { idToken: { idToken: idToken.idToken, type: idToken.type }, info, added: before?.added ?? now, used: now, hits: (before?.hits ?? 0) + 1, bytes: 0 };
      this.makeRoom(bytesOf(entry), now);
      if (bytesOf(entry) + FRAME_BYTES <= this.maxBytes()) this.put(entry);
      else this.ctx.log('warn', 'authorization not cached: the entry alone is larger than AuthCacheCtrlr.Storage maxLimit', { bytes: bytesOf(entry) });
    }
    this.updateStorage();
    this.persistInBackground();
  }

  /** Removes `idToken`'s entry; true when there was one. Resolves once the store has the change. */
  async remove(idToken: OcppIdToken): Promise<boolean> {
    const key = cacheTokenKey(idToken);
    if (this.entries?.has(key) !== true) return false;
    this.drop(key);
    this.updateStorage();
    await this.persist();
    return true;
  }

  /** C11: empties the cache; resolves once the store has it (rejects when it could not be written). */
  async clear(): Promise<void> {
    this.entries = undefined;
    this.entryBytes = 0;
    this.updateStorage();
    await this.persist();
  }

  /** Resolves once every change so far reached the store (or failed to). */
  flushed(): Promise<void> {
    return this.chain;
  }

  private live(idToken: OcppIdToken): Entry | undefined {
    const key = cacheTokenKey(idToken);
    const entry = this.entries?.get(key);
    if (entry === undefined) return undefined;
    if (!this.expired(entry, this.ctx.clock.now())) return entry;
    this.drop(key);
    this.updateStorage();
    this.persistInBackground();
    this.ctx.log('info', 'cached authorization expired and removed', { status: entry.info.status });
    return undefined;
  }

  private expired(e: Entry, now: number): boolean {
    const expiry = e.info.cacheExpiryDateTime !== undefined ? Date.parse(e.info.cacheExpiryDateTime) : Number.NaN;
    if (!Number.isNaN(expiry) && now > expiry) return true;
    return now - e.used > this.ctx.dm.getNumber('AuthCacheCtrlr', 'LifeTime') * 1000;
  }

  private touch(e: Entry, now: number): void {
    this.entryBytes -= e.bytes;
    e.used = now;
    e.hits += 1;
    e.bytes = bytesOf(e);
    this.entryBytes += e.bytes;
  }

  /** Removes expired entries, then entries by Policy, until `bytes` more fit within maxLimit. */
  private makeRoom(bytes: number, now: number): void {
    const entries = this.entries;
    if (entries === undefined) return;
    for (const [key, e] of entries) if (this.expired(e, now)) this.drop(key);
    const policy = this.policy();
    while (this.entries !== undefined && this.totalBytes(bytes) > this.maxBytes()) {
      let victim: [string, Entry] | undefined;
      for (const pair of this.entries) if (victim === undefined || before(pair[1], victim[1], policy)) victim = pair;
      if (victim === undefined) break;
      this.drop(victim[0]);
      this.ctx.log('debug', 'cached authorization replaced to make room', { policy, status: victim[1].info.status });
    }
  }

  /** Bytes of the stored value with `extra` bytes of one more entry. */
  private totalBytes(extra = 0): number {
    const n = this.size + (extra > 0 ? 1 : 0);
    return n === 0 ? 0 : FRAME_BYTES + this.entryBytes + extra + (n - 1);
  }

  private put(e: Entry): void {
    e.bytes = bytesOf(e);
    this.entries ??= new Map();
    this.entries.set(cacheTokenKey(e.idToken), e);
    this.entryBytes += e.bytes;
  }

  private drop(key: string): void {
    const e = this.entries?.get(key);
    if (e === undefined) return;
    this.entries?.delete(key);
    this.entryBytes -= e.bytes;
    if (this.entries?.size === 0) this.entries = undefined;
  }

  private maxBytes(): number {
    return this.ctx.dm.variables.find((v) => v.component.name === 'AuthCacheCtrlr' && v.variable.name === 'Storage')?.def.maxLimit ?? Number.POSITIVE_INFINITY;
  }

  private policy(): Policy {
    const p = this.ctx.dm.getString('AuthCacheCtrlr', 'Policy');
    return p === 'LFU' || p === 'FIFO' ? p : 'LRU';
  }

  private updateStorage(): void {
    this.ctx.dm.setRuntime('AuthCacheCtrlr', 'Storage', this.totalBytes());
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
      const entries = this.entries;
      if (entries === undefined) await this.ctx.store.delete(this.ctx.id, AUTH_CACHE_KEY);
      else await this.ctx.store.set(this.ctx.id, AUTH_CACHE_KEY, { e: [...entries.values()].map(storedForm) } as unknown as JsonValue);
    });
    this.queued = run;
    this.chain = run.catch((err: unknown) => this.ctx.log('warn', 'authorization cache not written to the store', { error: err instanceof Error ? err.message : String(err) }));
    return run;
  }
}

/** True when `a` should be replaced before `b` under `policy`. */
function before(a: Entry, b: Entry, policy: Policy): boolean {
  if (policy === 'FIFO') return a.added < b.added;
  if (policy === 'LFU' && a.hits !== b.hits) return a.hits < b.hits;
  return a.used < b.used;
}
