/**
 * The production `StateStore`: Redis (standalone, Sentinel or Cluster) through ioredis. Durable when the
 * server runs with AOF (`appendonly yes`; `appendfsync always` for "acknowledged = on disk",
 * `everysec` loses up to a second on a host crash). Several gateway instances may share one Redis:
 * every operation is one Redis command or one Lua script, never a read-modify-write in JS.
 *
 * Key layout (`pg` is the configurable `prefix`; `<s>` is the escaped station name, see below):
 *
 *   pg:{<s>}:kv           hash    field = key, value = JSON          get / set / delete / getAll
 *   pg:{<s>}:q:<queue>    stream  one entry per item, field `v` = JSON, field `k` = idempotency key;
 *                                 the entry id is the item id
 *   pg:{<s>}:qk:<queue>   hash    idempotency key → id of its entry, while the entry is queued
 *   pg:{<s>}:once:<key>   string  "1", SET NX [PX ttl]               markOnce
 *   pg:{<s>}:lease        string  owner, SET PX ttl                  acquire/renew/releaseLease, leaseOwner
 *
 * The `{<s>}` hash tag puts every key of a station in one Redis Cluster slot, so a station's data
 * lives on one node and may be used together by multi-key scripts. `<s>` is the station name with
 * `%`, `{` and `}` percent-encoded (`%25`, `%7B`, `%7D`): the first `}` of a key always closes the
 * tag, and distinct station names always give distinct keys. Queue names and mark keys come after
 * the tag and need no escaping (`q:` / `qk:` / `once:` followed by the raw name is injective).
 *
 * Queues are streams: `XADD *` (inside the ENQUEUE script) hands out ids (`<ms>-<seq>`) that only
 * grow for the life of the stream key — also across removals, restarts (the AOF records the
 * generated ids) and a server clock going backwards — so an id is never reused. `peek` is `XRANGE - + COUNT n`, `remove` is
 * `XDEL` plus the key's `HDEL` (one script), `size` is `XLEN`. An emptied stream keeps its key (and
 * its last id); nothing deletes it.
 *
 * `enqueue` is one Lua script: it looks the idempotency key up, appends, records the key and applies
 * the optional state change to the station hash — atomically, and as one unit in the AOF. Every call
 * carries an idempotency key (the caller's or a fresh UUID), so when ioredis resends an EVALSHA that
 * Redis applied but could not acknowledge, the replay finds the key and returns the first id instead
 * of appending a duplicate.
 *
 * `getAll(prefix)` is one Lua script that filters the station hash by a byte prefix server-side:
 * atomic, one round trip, O(fields of the station). Leases compare-and-set the owner in Lua;
 * expiry is Redis's own (`PX`), on the Redis server's clock.
 *
 * Outages: reconnecting is ioredis's job. An operation issued while Redis is down waits in
 * ioredis's offline queue (`enableOfflineQueue: true`) and runs once the connection is back. How
 * long it may wait is the client's `maxRetriesPerRequest`: with ioredis's default (20 reconnect
 * attempts of `retryStrategy` 50 ms · attempt up to 2 s, ~10 s) it then rejects with
 * `MaxRetriesPerRequestError`; the gateway creates its clients with `null` (see
 * `src/gateway/store.ts`), so its operations wait for as long as the outage lasts and a charger
 * event is never dropped for want of a store — the callers bound what must not wait forever
 * (stopping, metrics). A command in flight when the connection drops is resent after reconnect
 * (`autoResendUnfulfilledCommands`), and a waiting one may be sent to a new master after a Sentinel
 * failover: `enqueue` is idempotent per call (see above), so a resend that Redis had already
 * applied returns the first id; every other operation is idempotent or reports its outcome
 * truthfully from the state it finds. `close()` fails whatever still waits.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { checkEnqueueOptions, checkLimit, checkName, checkTtl, decodeJson, encodeJson } from './state-store.js';
import type { EnqueueOptions, JsonValue, QueueEntry, StateStore } from './state-store.js';

/** What a `RedisStore` talks to: a client of the caller's, or how to create one. */
export type RedisConnection = Redis | Cluster | string | RedisOptions;

export interface RedisStoreOptions {
  /** First segment of every key (default `pg`). Must not contain `{` or `}`. */
  readonly prefix?: string;
  /**
   * Quit the client in `close()`. Default: true when the store created the client (from a URL or
   * options), false for a client passed in — that one stays the caller's to close.
   */
  readonly quitOnClose?: boolean;
  /**
   * Receives the connection errors of a client the store created (ioredis emits them on every
   * failed reconnect; without a listener ioredis prints them). Operations report their own
   * failures by rejecting, so the default ignores these.
   */
  readonly onError?: (err: Error) => void;
}

/** A Lua script run by EVALSHA, falling back to EVAL when the server does not know it yet. */
interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** KEYS[1] = hash, ARGV[1] = prefix → flat [field, value, ...] of the fields starting with prefix. */
const GET_ALL = script(`
local all = redis.call('HGETALL', KEYS[1])
local p = ARGV[1]
local n = #p
if n == 0 then return all end
local out = {}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, n) == p then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return out
`);

/**
 * KEYS = stream, key hash, station hash; ARGV = item JSON, idempotency key, then per state change
 * op ('set' | 'del'), key, JSON → the id of the entry (the earlier one when the key is known).
 */
const ENQUEUE = script(`
local prior = redis.call('HGET', KEYS[2], ARGV[2])
if prior then return prior end
local id = redis.call('XADD', KEYS[1], '*', 'v', ARGV[1], 'k', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], id)
for i = 3, #ARGV, 3 do
  if ARGV[i] == 'set' then
    redis.call('HSET', KEYS[3], ARGV[i + 1], ARGV[i + 2])
  else
    redis.call('HDEL', KEYS[3], ARGV[i + 1])
  end
end
return id
`);

/** KEYS = stream, key hash; ARGV[1] = entry id → 1 when removed (with its idempotency key), else 0. */
const REMOVE = script(`
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return 0 end
local fields = found[1][2]
for i = 1, #fields, 2 do
  if fields[i] == 'k' then redis.call('HDEL', KEYS[2], fields[i + 1]) end
end
return redis.call('XDEL', KEYS[1], ARGV[1])
`);

/** KEYS[1] = lease, ARGV = owner, ttlMs → 1 when taken (free, expired, or already ours), else 0. */
const ACQUIRE = script(`
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** KEYS[1] = lease, ARGV = owner, ttlMs → 1 when ours and extended, else 0 (nothing changed). */
const RENEW = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** KEYS[1] = lease, ARGV = owner → 1 when ours and deleted, else 0 (nothing changed). */
const RELEASE = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`);

/** A stream entry id `<ms>-<seq>`, both unsigned 64-bit. */
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;
const U64_MAX = 2n ** 64n - 1n;

/** Percent-encodes what would break the hash tag (`{`, `}`) and `%` itself, so the encoding is injective. */
export function escapeStation(station: string): string {
  return station.replace(/[%{}]/g, (c) => (c === '%' ? '%25' : c === '{' ? '%7B' : '%7D'));
}

export class RedisStore implements StateStore {
  readonly durable = true;
  /** The ioredis client in use (the caller's, or the one the store created). */
  readonly client: Redis | Cluster;
  private readonly prefix: string;
  private readonly quitOnClose: boolean;
  private closed = false;
  private closing: Promise<void> | undefined;

  /**
   * @param connection an ioredis `Redis` or `Cluster` client to use as is, or a `redis://` URL or
   *   ioredis options to create a standalone client from.
   * @throws TypeError when `options.prefix` is empty or contains `{` or `}`.
   */
  constructor(connection: RedisConnection, options: RedisStoreOptions = {}) {
    const prefix = options.prefix ?? 'pg';
    if (prefix.length === 0 || /[{}]/.test(prefix)) {
      throw new TypeError(`prefix must be non-empty and without '{' or '}', got ${JSON.stringify(prefix)}`);
    }
    this.prefix = prefix;
    if (isClient(connection)) {
      this.client = connection;
      this.quitOnClose = options.quitOnClose ?? false;
    } else {
      this.client = typeof connection === 'string' ? new Redis(connection) : new Redis(connection);
      const onError = options.onError ?? ((): void => {});
      this.client.on('error', onError);
      this.quitOnClose = options.quitOnClose ?? true;
    }
  }

  async get(station: string, key: string): Promise<JsonValue | undefined> {
    checkName('key', key, true);
    const text = await this.client.hget(this.key(station, 'kv'), key);
    return text === null ? undefined : decodeJson(text);
  }

  async set(station: string, key: string, value: JsonValue): Promise<void> {
    checkName('key', key, true);
    const text = encodeJson(value);
    await this.client.hset(this.key(station, 'kv'), key, text);
  }

  async delete(station: string, key: string): Promise<boolean> {
    checkName('key', key, true);
    return (await this.client.hdel(this.key(station, 'kv'), key)) > 0;
  }

  async getAll(station: string, prefix = ''): Promise<Map<string, JsonValue>> {
    checkName('prefix', prefix, true);
    const flat = await this.run(GET_ALL, [this.key(station, 'kv')], prefix);
    const out = new Map<string, JsonValue>();
    if (!Array.isArray(flat)) throw new Error(`unexpected getAll reply from Redis: ${typeof flat}`);
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.set(String(flat[i]), decodeJson(String(flat[i + 1])));
    }
    return out;
  }

  async enqueue(station: string, queue: string, item: JsonValue, options?: EnqueueOptions): Promise<string> {
    checkName('queue', queue);
    const text = encodeJson(item);
    const { idempotencyKey, state } = checkEnqueueOptions(options);
    const keys = [this.key(station, `q:${queue}`), this.key(station, `qk:${queue}`), this.key(station, 'kv')];
    const changes = state.flatMap((c) => [c.text === undefined ? 'del' : 'set', c.key, c.text ?? '']);
    const id = await this.run(ENQUEUE, keys, text, idempotencyKey ?? randomUUID(), ...changes);
    if (typeof id !== 'string') throw new Error(`unexpected enqueue reply from Redis: ${typeof id}`);
    return id;
  }

  async peek(station: string, queue: string, limit: number): Promise<QueueEntry[]> {
    checkName('queue', queue);
    checkLimit(limit);
    const key = this.key(station, `q:${queue}`);
    if (limit === 0) return [];
    const entries = await this.client.xrange(key, '-', '+', 'COUNT', limit);
    return entries.map(([id, fields]) => {
      const at = fields.indexOf('v');
      const text = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
      if (text === undefined) throw new Error(`queue entry ${id} of ${key} has no value`);
      return { id, item: decodeJson(text) };
    });
  }

  async remove(station: string, queue: string, id: string): Promise<boolean> {
    checkName('queue', queue);
    checkName('id', id);
    const keys = [this.key(station, `q:${queue}`), this.key(station, `qk:${queue}`)];
    // XRANGE refuses a malformed id with an error; such an id was never handed out, so it is not there.
    if (!isStreamId(id)) return false;
    return (await this.run(REMOVE, keys, id)) === 1;
  }

  async size(station: string, queue: string): Promise<number> {
    checkName('queue', queue);
    return this.client.xlen(this.key(station, `q:${queue}`));
  }

  async markOnce(station: string, key: string, ttlMs?: number): Promise<boolean> {
    checkName('key', key, true);
    if (ttlMs !== undefined) checkTtl('ttlMs', ttlMs);
    const k = this.key(station, `once:${key}`);
    const reply = ttlMs === undefined ? await this.client.set(k, '1', 'NX') : await this.client.set(k, '1', 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  async acquireLease(station: string, owner: string, ttlMs: number): Promise<boolean> {
    checkName('owner', owner);
    checkTtl('ttlMs', ttlMs);
    return (await this.run(ACQUIRE, [this.key(station, 'lease')], owner, String(ttlMs))) === 1;
  }

  async renewLease(station: string, owner: string, ttlMs: number): Promise<boolean> {
    checkName('owner', owner);
    checkTtl('ttlMs', ttlMs);
    return (await this.run(RENEW, [this.key(station, 'lease')], owner, String(ttlMs))) === 1;
  }

  async releaseLease(station: string, owner: string): Promise<boolean> {
    checkName('owner', owner);
    return (await this.run(RELEASE, [this.key(station, 'lease')], owner)) === 1;
  }

  async leaseOwner(station: string): Promise<string | undefined> {
    return (await this.client.get(this.key(station, 'lease'))) ?? undefined;
  }

  /**
   * Marks the store closed (every other method rejects from now on) and, when the store owns the
   * client (see `quitOnClose`), quits it — or drops the connection at once when Redis is not
   * reachable, failing whatever still waits in ioredis's offline queue. Idempotent.
   */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.quit();
    return this.closing;
  }

  /** The key of `station`'s `part`; also the one place that checks `closed` and the station name. */
  private key(station: string, part: string): string {
    if (this.closed) throw new Error('state store is closed');
    checkName('station', station);
    return `${this.prefix}:{${escapeStation(station)}}:${part}`;
  }

  /** Runs a script on `keys` (all of one station: one hash tag, one Cluster slot). */
  private async run(s: Script, keys: readonly string[], ...args: string[]): Promise<unknown> {
    try {
      return await this.client.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      // First use on this server (or it restarted and lost its script cache): EVAL loads it.
      return this.client.eval(s.lua, keys.length, ...keys, ...args);
    }
  }

  private async quit(): Promise<void> {
    if (!this.quitOnClose) return;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Connection lost while quitting: fall through and drop it.
      }
    }
    this.client.disconnect();
  }
}

/** A client rather than options; duck-typed, so a client of another copy of ioredis also counts. */
function isClient(connection: RedisConnection): connection is Redis | Cluster {
  return connection instanceof Redis || connection instanceof Cluster || typeof (connection as { evalsha?: unknown }).evalsha === 'function';
}

function isStreamId(id: string): boolean {
  const m = STREAM_ID.exec(id);
  return m !== null && BigInt(m[1] as string) <= U64_MAX && BigInt(m[2] as string) <= U64_MAX;
}
