/**
 * The station registry at run time: charger id → station settings, looked up synchronously (the
 * codec hooks `admit` and `timeZoneOf` run inside a login) from an in-memory snapshot.
 *
 * - File registry (`stations.file`): the snapshot is the file as loaded with the config.
 * - Redis registry (`stations.redis`): one hash on the store's Redis (see `registry-hash.ts`),
 *   read in full at start (HSCAN in pages) and again every `stations.refreshIntervalMs`, over a
 *   client of its own whose commands fail fast instead of waiting for Redis like the store's.
 *   A charger missing from the snapshot is read on demand (HGET): `lookup` awaits that read (the
 *   gateway does before it refuses a charger at engine creation, e.g. IEC 104), while `get` only
 *   starts it — a charger refused at a synchronous login (YKC 0x02) because an operator added it
 *   after the last refresh is found at its next login attempt. An entry removed from the hash is
 *   refused once a refresh has run. While Redis is unreachable the last snapshot stays in use;
 *   the outage is logged once, and its end once.
 *
 * `reload()` (SIGHUP to `pilegate serve`) reads the file again, or refreshes from Redis at once, and
 * says what changed. A charger removed from either is refused at its next login; a connection it
 * has open stays until it closes.
 */
import { boundedWait } from '../core/bounded-wait.js';
import type { Logger } from 'pino';
import type { ChargerKeys } from '../../codecs/codec.js';
import { ConfigError, formatIssue } from '../config/errors.js';
import { redactUserinfo } from '../core/url-userinfo.js';
import type { Env, GatewayConfig, StationEntry } from './config.js';
import { decodeRegistryEntry, describeIssues, encodeRegistryEntry, scanRegistryHash, scrubSecret, type RegistryClient } from './registry-hash.js';
import { loadCheckedRegistry } from './stations-config.js';
import { createRedisClient } from './store.js';

export interface StationRegistry {
  /** `file` (possibly empty: no registry configured) or `redis`. */
  readonly kind: 'file' | 'redis';
  /** Entries in the snapshot. */
  readonly size: number;
  /** The snapshot's entry; for the Redis registry a miss starts an on-demand read of that entry. */
  get(chargerId: string): StationEntry | undefined;
  /** The snapshot's entry, else the source's own (read now, then kept in the snapshot). */
  lookup(chargerId: string): Promise<StationEntry | undefined>;
  /** Loads the snapshot and starts refreshing it. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Charger ids of the snapshot with a `ykcKey`, and their keys. */
  keyed(): Iterable<readonly [string, string]>;
  /** Changes whenever `keyed()` does; unique across registries (see `ChargerKeys.revision`). */
  readonly keyRevision: number;
  /** Reads the source again now (the file, or the whole Redis hash); on failure the snapshot stays as it was. */
  reload(): Promise<RegistryReload>;
}

/** Entries of a reload by what happened to them (never their contents: they hold passwords). */
export interface RegistryChanges {
  readonly stations: number;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** A reload's outcome: what changed, or why nothing did (`problems` never quotes a secret). */
export type RegistryReload = ({ readonly ok: true } & RegistryChanges) | { readonly ok: false; readonly problems: string };

/** Reloads `registry` and logs the outcome: the counts, or why the previous copy stays (never a password). */
export async function reloadLogged(registry: StationRegistry, log: Logger, signal: string): Promise<void> {
  const at = { signal, registry: registry.kind };
  let r: RegistryReload;
  try {
    r = await registry.reload();
  } catch (e) {
    // Not bad input (that is a ConfigError, reported in `problems`): a fault, still never fatal here.
    r = { ok: false, problems: redactUserinfo(e instanceof Error ? e.message : String(e)) };
  }
  if (r.ok) log.info({ ...at, stations: r.stations, added: r.added, removed: r.removed, changed: r.changed }, 'station registry reloaded');
  else log.error({ ...at, problems: r.problems }, 'station registry not reloaded: the previous copy stays in use');
}

/** How `after` differs from `before`. */
function changesOf(before: ReadonlyMap<string, StationEntry>, after: ReadonlyMap<string, StationEntry>): RegistryChanges {
  let added = 0;
  let changed = 0;
  for (const [id, e] of after) {
    const old = before.get(id);
    if (old === undefined) added += 1;
    else if (encodeRegistryEntry(old) !== encodeRegistryEntry(e)) changed += 1;
  }
  const removed = [...before.keys()].filter((id) => !after.has(id)).length;
  return { stations: after.size, added, removed, changed };
}

let revisions = 0;
/** A revision no registry has used yet. */
function nextRevision(): number {
  revisions += 1;
  return revisions;
}

/** The charger ids of `entries` with a key, and their keys. */
function keyedOf(entries: Iterable<readonly [string, StationEntry]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, e] of entries) if (e.ykcKey !== undefined) out.set(id, e.ykcKey);
  return out;
}

/** The snapshot of a registry file (none: empty), replaced by `reload` when the file validates. */
export class FileStationRegistry implements StationRegistry {
  readonly kind = 'file';
  private revision = nextRevision();
  private keys: ReadonlyMap<string, string>;
  /**
   * @param load reads and checks the file again (throws ConfigError); absent: no file, nothing to reload.
   */
  constructor(
    private entries: ReadonlyMap<string, StationEntry>,
    private readonly load?: () => ReadonlyMap<string, StationEntry>,
  ) {
    this.keys = keyedOf(entries);
  }
  get keyRevision(): number {
    return this.revision;
  }
  keyed(): Iterable<readonly [string, string]> {
    return this.keys;
  }
  get size(): number {
    return this.entries.size;
  }
  get(chargerId: string): StationEntry | undefined {
    return this.entries.get(chargerId);
  }
  lookup(chargerId: string): Promise<StationEntry | undefined> {
    return Promise.resolve(this.entries.get(chargerId));
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  reload(): Promise<RegistryReload> {
    if (this.load === undefined) return Promise.resolve({ ok: true, ...changesOf(this.entries, this.entries) });
    let next: ReadonlyMap<string, StationEntry>;
    try {
      next = this.load();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return Promise.resolve({ ok: false, problems: e.issues.map((i) => formatIssue(e.file, scrubSecret(i))).join('; ') || `${e.file}: ${e.code}` });
    }
    const changes = changesOf(this.entries, next);
    this.entries = next;
    this.keys = keyedOf(next);
    this.revision = nextRevision();
    return Promise.resolve({ ok: true, ...changes });
  }
}

export interface RedisRegistryOptions {
  readonly key: string;
  readonly refreshIntervalMs: number;
  readonly log: Logger;
  /** Resolves `${ENV}` in passwords stored in the hash. */
  readonly env: Env;
  /** The gateway's CSMS section: an entry whose security profile it cannot serve is ignored. */
  readonly csms?: GatewayConfig['csms'];
  /** Bound of each Redis command (default 5000 ms); a late one counts as Redis unreachable. */
  readonly commandTimeoutMs?: number;
  /** Quit the client in `stop()` (default true). */
  readonly quitOnStop?: boolean;
}

export class RedisStationRegistry implements StationRegistry {
  readonly kind = 'redis';
  private snapshot = new Map<string, StationEntry>();
  /** The hash values the snapshot was decoded from: an unchanged value is not validated again. */
  private values = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<boolean> | undefined;
  private readonly reading = new Map<string, Promise<StationEntry | undefined>>();
  private reachable = true;
  private stopped = false;
  /** Invalid values already logged, so a refresh does not log the same one again. */
  private readonly logged = new Map<string, string>();
  private keys = new Map<string, string>();
  private revision = nextRevision();

  constructor(
    private readonly client: RegistryClient,
    private readonly options: RedisRegistryOptions,
  ) {
    // ioredis reports every failed reconnect; the first one is the outage.
    client.on('error', (err: Error) => this.setReachable(false, err.message));
  }

  get size(): number {
    return this.snapshot.size;
  }

  get keyRevision(): number {
    return this.revision;
  }

  keyed(): Iterable<readonly [string, string]> {
    return this.keys;
  }

  get(chargerId: string): StationEntry | undefined {
    const hit = this.snapshot.get(chargerId);
    if (hit === undefined) void this.lookup(chargerId);
    return hit;
  }

  lookup(chargerId: string): Promise<StationEntry | undefined> {
    const hit = this.snapshot.get(chargerId);
    if (hit !== undefined || this.stopped) return Promise.resolve(hit);
    // One read per charger id at a time, however many logins wait for it.
    let read = this.reading.get(chargerId);
    if (read === undefined) {
      read = this.readOne(chargerId).finally(() => this.reading.delete(chargerId));
      this.reading.set(chargerId, read);
    }
    return read;
  }

  async start(): Promise<void> {
    const loaded = await this.refresh();
    const { key, refreshIntervalMs } = this.options;
    if (loaded) this.options.log.info({ registry: 'redis', key, stations: this.snapshot.size }, 'station registry loaded from Redis');
    else this.options.log.warn({ registry: 'redis', key }, 'station registry not loaded (Redis unreachable): chargers are looked up one by one until a refresh succeeds');
    this.timer = setInterval(() => void this.refresh(), refreshIntervalMs);
    this.timer.unref();
  }

  async reload(): Promise<RegistryReload> {
    const before = this.snapshot;
    if (!(await this.refresh())) return { ok: false, problems: `Redis hash ${this.options.key} could not be read (Redis unreachable)` };
    return { ok: true, ...changesOf(before, this.snapshot) };
  }

  /** Reads the whole hash into a new snapshot; false (the old snapshot kept) when Redis fails. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.refreshing;
    if (this.options.quitOnStop !== false) await this.client.quit().catch(() => this.client.disconnect());
  }

  private async load(): Promise<boolean> {
    if (this.stopped) return false;
    let raw: Map<string, string>;
    try {
      raw = await scanRegistryHash(this.client, this.options.key, (work) => this.bounded(work));
    } catch (err) {
      this.setReachable(false, err instanceof Error ? err.message : String(err));
      return false;
    }
    this.setReachable(true);
    const next = new Map<string, StationEntry>();
    for (const [chargerId, value] of raw) {
      const known = this.values.get(chargerId) === value ? this.snapshot.get(chargerId) : undefined;
      const entry = known ?? this.decode(chargerId, value);
      if (entry !== undefined) next.set(chargerId, entry);
    }
    for (const id of this.logged.keys()) if (!raw.has(id)) this.logged.delete(id);
    this.snapshot = next;
    this.values = raw;
    const keys = keyedOf(next);
    if (keys.size !== this.keys.size || [...keys].some(([id, k]) => this.keys.get(id) !== k)) {
      this.keys = keys;
      this.revision = nextRevision();
    }
    this.options.log.debug({ registry: 'redis', key: this.options.key, stations: next.size }, 'station registry refreshed');
    return true;
  }

  private async readOne(chargerId: string): Promise<StationEntry | undefined> {
    let value: string | null;
    try {
      value = await this.bounded(this.client.hget(this.options.key, chargerId));
    } catch (err) {
      this.setReachable(false, err instanceof Error ? err.message : String(err));
      return undefined;
    }
    this.setReachable(true);
    if (value === null) return undefined;
    const entry = this.decode(chargerId, value);
    if (entry !== undefined && !this.stopped) {
      this.snapshot.set(chargerId, entry);
      this.values.set(chargerId, value);
      if (entry.ykcKey !== undefined && this.keys.get(chargerId) !== entry.ykcKey) {
        this.keys = new Map(this.keys).set(chargerId, entry.ykcKey);
        this.revision = nextRevision();
      }
      this.options.log.info({ registry: 'redis', chargerId, stationId: entry.stationId ?? chargerId }, 'station registry entry read on demand');
    }
    return entry;
  }

  /** The entry, or undefined after logging (once per value) why it is ignored; never its password. */
  private decode(chargerId: string, value: string): StationEntry | undefined {
    const decoded = decodeRegistryEntry(value, this.options.env, this.options.csms);
    if ('entry' in decoded) {
      this.logged.delete(chargerId);
      return decoded.entry;
    }
    if (this.logged.get(chargerId) !== value) {
      this.logged.set(chargerId, value);
      this.options.log.warn({ registry: 'redis', key: this.options.key, chargerId, problems: describeIssues(decoded.issues) }, 'invalid station registry entry ignored');
    }
    return undefined;
  }

  private setReachable(reachable: boolean, error?: string): void {
    if (reachable === this.reachable || this.stopped) return;
    this.reachable = reachable;
    const at = { registry: 'redis', key: this.options.key, stations: this.snapshot.size };
    if (reachable) this.options.log.info(at, 'station registry: Redis reachable again');
    else this.options.log.warn({ ...at, error }, 'station registry: Redis unreachable, serving the last snapshot');
  }

  private bounded<T>(work: Promise<T>): Promise<T> {
    const ms = this.options.commandTimeoutMs ?? 5_000;
    return boundedWait(work, ms, () => {
      throw new Error(`no answer from Redis within ${ms} ms`);
    });
  }
}

/**
 * The `ykcKey`s of whichever registry `current` returns (the gateway puts its configured one in
 * place at start), as codecs read them. One object per gateway: codecs cache what they derive by it.
 */
export function registryKeys(current: () => StationRegistry): ChargerKeys {
  return {
    keyOf: (chargerId) => current().get(chargerId)?.ykcKey,
    entries: () => current().keyed(),
    get revision() {
      return current().keyRevision;
    },
  };
}

/** Client options of the registry's own Redis client: commands fail after one reconnect attempt instead of waiting. */
export const REGISTRY_CLIENT_OPTIONS = { maxRetriesPerRequest: 1 } as const;

/** The registry a gateway config names: its file (or none), or its Redis hash on the store's Redis. */
export function createStationRegistry(config: GatewayConfig, log: Logger, env: Env = process.env): StationRegistry {
  const { redis, refreshIntervalMs, file } = config.stations;
  if (redis === undefined || config.store === 'memory')
    return new FileStationRegistry(config.stations.registry, file !== undefined ? () => loadCheckedRegistry(file, config.csms, env, { refuseEmpty: true }) : undefined);
  const client = createRedisClient(config.store, REGISTRY_CLIENT_OPTIONS);
  return new RedisStationRegistry(client, { key: redis.key, refreshIntervalMs, log, env, csms: config.csms });
}
