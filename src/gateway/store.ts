/**
 * The gateway's state store from its `store` config: the memory store, or a `RedisStore` over an
 * ioredis client for one server, a Sentinel deployment or a Cluster.
 *
 * The gateway waits for Redis rather than giving up on it: its clients run with
 * `maxRetriesPerRequest: null`, so an operation issued while Redis is down stays in ioredis's
 * offline queue until the connection is back, however long the outage (a charger event is never
 * dropped because its TransactionEvent could not be queued in time). What must not wait forever
 * bounds itself: engine stop, ownership stop and the `/metrics` queue depth. Closing the store
 * drops the connection and fails whatever still waits.
 *
 * Logs name the kind of store only, never a URL, host list or password; connection trouble is
 * logged once per outage (ioredis reports every failed reconnect).
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { MemoryStore } from '../store/memory.js';
import { RedisStore } from '../store/redis.js';
import type { StateStore } from '../store/state-store.js';
import { storeKind, type StoreConfig } from './store-config.js';

/** Options shared by every Redis client of the gateway. */
const WAITING_CLIENT_OPTIONS = { maxRetriesPerRequest: null } as const satisfies RedisOptions;

/** The ioredis client for a Redis store config (ioredis connects on creation); `clientOptions` default to waiting ones. */
export function createRedisClient(store: Exclude<StoreConfig, 'memory'>, clientOptions: RedisOptions = WAITING_CLIENT_OPTIONS): Redis | Cluster {
  if ('sentinel' in store) {
    const s = store.sentinel;
    return new Redis({
      ...clientOptions,
      sentinels: s.sentinels.map((h) => ({ host: h.host, port: h.port })),
      name: s.name,
      // Reconnects at once when the sentinels announce a new master, instead of on the next error.
      failoverDetector: true,
      // A write that reaches the old master after it was demoted fails READONLY: reconnect (the
      // sentinels name the new master) and resend it there rather than fail it.
      reconnectOnError: (err: Error) => (err.message.includes('READONLY') ? 2 : false),
      ...(s.password !== undefined ? { password: s.password } : {}),
      ...(s.sentinelPassword !== undefined ? { sentinelPassword: s.sentinelPassword } : {}),
      ...(s.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    });
  }
  if ('cluster' in store) {
    const c = store.cluster;
    const options: ClusterOptions = {
      redisOptions: {
        ...clientOptions,
        ...(c.password !== undefined ? { password: c.password } : {}),
        ...(c.tls ? { tls: {} } : {}),
      },
    };
    return new Cluster(
      c.nodes.map((n) => ({ host: n.host, port: n.port })),
      options,
    );
  }
  return new Redis(store.redis, { ...clientOptions, ...(store.password !== undefined ? { password: store.password } : {}) });
}

/**
 * Whether the gateway's store answers, as `/readyz` and `pilegate_store_reachable` report it. The
 * memory store always does; a Redis store is reachable from its client's `ready` until its
 * connection closes or fails, and unreachable (since when, and why) until the next `ready`.
 */
export class StoreHealth {
  private up: boolean;
  private changedAt: number;
  private error: string | undefined;

  constructor(
    /** `memory`, `redis`, `sentinel` or `cluster`. */
    readonly kind: string,
    reachable: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.up = reachable;
    this.changedAt = now();
  }

  get reachable(): boolean {
    return this.up;
  }

  /** When the store last became reachable or unreachable (epoch ms). */
  get since(): number {
    return this.changedAt;
  }

  /** The error that made it unreachable, when one was reported. */
  get lastError(): string | undefined {
    return this.error;
  }

  /** Records a change; true when it is one (not the same state again). */
  set(reachable: boolean, error?: string): boolean {
    if (!reachable && error !== undefined) this.error ??= error;
    if (reachable === this.up) return false;
    this.up = reachable;
    this.changedAt = this.now();
    if (reachable) this.error = undefined;
    return true;
  }
}

/** The store the gateway runs on and its health; logs which kind it is. */
export function createGatewayStore(store: StoreConfig, log: Logger): { readonly store: StateStore; readonly health: StoreHealth } {
  const kind = storeKind(store);
  if (store === 'memory') {
    log.warn(
      { store: kind },
      'state store is in memory: NOT DURABLE, open transactions and queued TransactionEvents are lost on restart; use a Redis store (redis, sentinel or cluster) in production',
    );
    return { store: new MemoryStore(), health: new StoreHealth(kind, true) };
  }
  const client = createRedisClient(store);
  // Unreachable until the first connection is ready: the gateway starts without waiting for it.
  const health = new StoreHealth(kind, false);
  let warned = false;
  const down = (error: string | undefined): void => {
    health.set(false, error);
    if (warned) return;
    warned = true;
    log.warn({ store: kind, ...(error !== undefined ? { error } : {}) }, 'Redis unreachable: store operations wait until it is back');
  };
  client.on('error', (err: Error) => down(err.message));
  // A server that shuts down closes the connection before any reconnect fails (a connection the
  // gateway closes itself ends without reconnecting).
  client.on('reconnecting', () => {
    if (health.reachable) down(undefined);
  });
  client.on('ready', () => {
    health.set(true);
    if (!warned) return;
    warned = false;
    log.info({ store: kind }, 'Redis reachable again');
  });
  log.info({ store: kind }, `state store is Redis (${kind})`);
  return { store: new RedisStore(client, { quitOnClose: true }), health };
}
