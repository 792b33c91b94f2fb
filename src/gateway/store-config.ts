/**
 * The `store` section of the gateway config: `memory`, one Redis server by URL, a Redis Sentinel
 * deployment (the master found by name through the sentinels) or a Redis Cluster. The schema checks
 * the shapes; this file turns them into plain data for `createGatewayStore` and reads the secrets:
 * `${ENV_NAME}` in a password or in the Redis URL, `PILEGATE_STORE_PASSWORD` (the Redis password, any
 * form) and `PILEGATE_STORE_SENTINEL_PASSWORD`, which win over the file.
 */
import { pointerOf, type PointerIssue } from '../config/document.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface SentinelStoreConfig {
  readonly sentinels: readonly HostPort[];
  /** The master's name as the sentinels know it (`sentinel monitor <name> ...`). */
  readonly name: string;
  /** Password of the Redis master and replicas. */
  readonly password?: string;
  /** Password of the sentinels themselves, when they require one. */
  readonly sentinelPassword?: string;
  /** TLS to the sentinels and to the Redis servers. */
  readonly tls: boolean;
}

export interface ClusterStoreConfig {
  /** Startup nodes; the client learns the rest of the cluster from them. */
  readonly nodes: readonly HostPort[];
  /** Password of every node. */
  readonly password?: string;
  /** TLS to every node (`rediss://` nodes). */
  readonly tls: boolean;
}

export type StoreConfig = 'memory' | { readonly redis: string; readonly password?: string } | { readonly sentinel: SentinelStoreConfig } | { readonly cluster: ClusterStoreConfig };

/** The store section as the schema lets it through. */
export type RawStoreConfig =
  'memory' | { redis: string } | { sentinel: { sentinels: string[]; name: string; password?: string; sentinelPassword?: string; tls?: boolean } } | { cluster: { nodes: string[]; password?: string } };

type Env = Readonly<Record<string, string | undefined>>;
/** Replaces `${NAME}` in `text` from the environment; a missing variable becomes an issue at `pointer`. */
type Interpolate = (text: string | undefined, pointer: string) => string | undefined;

/** Which kind of store a config names; the only store detail the gateway logs. */
export function storeKind(store: StoreConfig): 'memory' | 'redis' | 'sentinel' | 'cluster' {
  if (store === 'memory') return 'memory';
  if ('sentinel' in store) return 'sentinel';
  if ('cluster' in store) return 'cluster';
  return 'redis';
}

/** The store config from its raw (schema-valid) form; problems are added to `issues`. */
export function parseStoreConfig(raw: RawStoreConfig | undefined, env: Env, issues: PointerIssue[], interpolate: Interpolate): StoreConfig {
  if (raw === undefined || raw === 'memory') return 'memory';
  const envPassword = nonEmpty(env['PILEGATE_STORE_PASSWORD']);
  if ('sentinel' in raw) {
    const s = raw.sentinel;
    const password = envPassword ?? interpolate(s.password, '/store/sentinel/password');
    const sentinelPassword = nonEmpty(env['PILEGATE_STORE_SENTINEL_PASSWORD']) ?? interpolate(s.sentinelPassword, '/store/sentinel/sentinelPassword');
    return {
      sentinel: {
        sentinels: s.sentinels.map((text, i) => hostPort(text, pointerOf('store', 'sentinel', 'sentinels', i), issues)),
        name: s.name,
        ...(password !== undefined ? { password } : {}),
        ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
        tls: s.tls ?? false,
      },
    };
  }
  if ('cluster' in raw) {
    const c = raw.cluster;
    const password = envPassword ?? interpolate(c.password, '/store/cluster/password');
    const nodes = c.nodes.map((text, i) => nodeUrl(text, pointerOf('store', 'cluster', 'nodes', i), issues));
    const tls = nodes.map((n) => n.tls);
    if (tls.some((t) => t !== tls[0])) issues.push({ pointer: '/store/cluster/nodes', reason: 'mixes redis:// and rediss:// nodes; use one scheme for the whole cluster' });
    return {
      cluster: {
        nodes: nodes.map((n) => ({ host: n.host, port: n.port })),
        ...(password !== undefined ? { password } : {}),
        tls: tls[0] ?? false,
      },
    };
  }
  const url = interpolate(raw.redis, '/store/redis') ?? raw.redis;
  return { redis: url, ...(envPassword !== undefined ? { password: envPassword } : {}) };
}

/** A node `redis[s]://host[:port]` (default port 6379); the schema checked the shape. */
function nodeUrl(text: string, pointer: string, issues: PointerIssue[]): HostPort & { tls: boolean } {
  const m = /^(rediss?):\/\/(\[[^\]]*\]|[^:/]+)(?::([0-9]+))?\/?$/.exec(text);
  const hp = hostPort(`${m?.[2] ?? ''}:${m?.[3] ?? '6379'}`, pointer, issues);
  return { ...hp, tls: m?.[1] === 'rediss' };
}

/** `host:port` (IPv6 in brackets) with the port checked; the schema checked the shape. */
function hostPort(text: string, pointer: string, issues: PointerIssue[]): HostPort {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) issues.push({ pointer, reason: `port must be 1..65535, got ${JSON.stringify(text.slice(colon + 1))}` });
  return { host, port };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
