/**
 * The Redis station registry against a real redis-server: the whole hash loaded at start (several
 * HSCAN pages), refreshed on its interval and read entry by entry on demand, removals seen after a
 * refresh, invalid entries ignored and logged without their password, and the last snapshot kept
 * while Redis is down (the outage logged once).
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { encodeRegistryEntry } from '../../src/gateway/registry-hash.js';
import { createStationRegistry, REGISTRY_CLIENT_OPTIONS, RedisStationRegistry, type StationRegistry } from '../../src/gateway/registry.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';

const KEY = 'pg:stations';
const SECRET = 'registry-secret-7a1f9c';

let redis: TestRedisServer | undefined;
let admin: Redis | undefined;
let registry: RedisStationRegistry | undefined;

afterEach(async () => {
  await registry?.stop();
  admin?.disconnect();
  await redis?.dispose();
  registry = admin = redis = undefined;
});

interface Harness {
  readonly r: TestRedisServer;
  readonly admin: Redis;
  readonly registry: RedisStationRegistry;
  lines(): Record<string, unknown>[];
  text(): string;
}

/** A registry over a fresh redis-server, its hash filled by `fill` before it starts (`down`: Redis stopped then). */
async function startRegistry(fill: (admin: Redis) => Promise<unknown>, refreshIntervalMs = 60_000, down = false): Promise<Harness> {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
  // The test's own client sees the outages too; its errors are not under test.
  admin.on('error', () => undefined);
  await fill(admin);
  if (down) await redis.stop();
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  const log = pino({ level: 'debug', redact: { paths: ['password', '*.password'], censor: '[redacted]' } }, destination);
  registry = new RedisStationRegistry(new Redis(redis.url, REGISTRY_CLIENT_OPTIONS), {
    key: KEY,
    refreshIntervalMs,
    log,
    env: { STATION_SECRET: SECRET },
    csms: { url: 'ws://127.0.0.1:9/ocpp', securityProfile: 1 },
    commandTimeoutMs: 2_000,
  });
  await registry.start();
  const lines = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { r: redis, admin, registry, lines, text: () => out };
}

describe('Redis station registry', () => {
  it('loads a hash of 100 000 entries (many HSCAN pages) at start', async () => {
    const { registry: reg, lines } = await startRegistry(async (a) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < 100_000; i++) fields[`C${i}`] = encodeRegistryEntry({ stationId: `station-${i}`, password: '${STATION_SECRET}' });
      await a.hset(KEY, fields);
    });
    expect(reg.size).toBe(100_000);
    expect(reg.get('C0')).toEqual({ stationId: 'station-0', password: SECRET });
    expect(reg.get('C99999')?.stationId).toBe('station-99999');
    expect(lines().find((l) => l['msg'] === 'station registry loaded from Redis')?.['stations']).toBe(100_000);
  });

  it('serves an entry added after start on demand and after a refresh; refuses a removed one after a refresh', async () => {
    const { admin: a, registry: reg } = await startRegistry((x) => x.hset(KEY, 'A1', encodeRegistryEntry({ stationId: 'a-1' }), 'A2', encodeRegistryEntry({ stationId: 'a-2' })), 300);
    await a.hset(KEY, 'B1', encodeRegistryEntry({ stationId: 'b-1', timeZone: 'UTC' }), 'B2', encodeRegistryEntry({ stationId: 'b-2' }));
    // On demand: the synchronous lookup misses and starts the read; the asynchronous one awaits it.
    expect(reg.get('B1')).toBeUndefined();
    expect(await reg.lookup('B1')).toEqual({ stationId: 'b-1', timeZone: 'UTC' });
    expect(reg.get('B1')?.timeZone).toBe('UTC');
    expect(await reg.lookup('NOPE')).toBeUndefined();
    // On refresh, without anyone asking: B2 arrives, A2 goes.
    await a.hdel(KEY, 'A2');
    await until(() => reg.size === 3 && reg.get('A2') === undefined, 'the refresh to take B2 in and A2 out', 10_000);
    expect(reg.get('B2')).toEqual({ stationId: 'b-2' });
    expect(reg.get('A1')).toEqual({ stationId: 'a-1' });
  });

  it('ignores invalid entries and logs them once, without their passwords', async () => {
    const {
      admin: a,
      registry: reg,
      lines,
      text,
    } = await startRegistry((x) =>
      x.hset(
        KEY,
        'GOOD',
        encodeRegistryEntry({ stationId: 'good', password: SECRET }),
        'BADZONE',
        JSON.stringify({ stationId: 'z', password: SECRET, timeZone: 'Mars/Olympus' }),
        'BADJSON',
        `{"password":"${SECRET}"`,
        'BADPASS',
        JSON.stringify({ password: 987654321 }),
        'TLS',
        JSON.stringify({ password: SECRET, securityProfile: 2 }),
      ),
    );
    expect(reg.size).toBe(1);
    expect(reg.get('GOOD')?.password).toBe(SECRET);
    for (const id of ['BADZONE', 'BADJSON', 'BADPASS', 'TLS']) expect(await reg.lookup(id), id).toBeUndefined();
    const invalid = lines().filter((l) => l['msg'] === 'invalid station registry entry ignored');
    expect(invalid.map((l) => l['chargerId']).sort()).toEqual(['BADJSON', 'BADPASS', 'BADZONE', 'TLS']);
    expect(invalid.find((l) => l['chargerId'] === 'BADZONE')?.['problems']).toMatch(/^\/timeZone: unknown time zone "Mars\/Olympus"/);
    expect(invalid.find((l) => l['chargerId'] === 'TLS')?.['problems']).toMatch(/security profile 2 needs csms\.ca/);
    // A refresh meets the same values again: no new lines. A fixed entry is served.
    await reg.refresh();
    expect(lines().filter((l) => l['msg'] === 'invalid station registry entry ignored')).toHaveLength(4);
    await a.hset(KEY, 'BADZONE', encodeRegistryEntry({ stationId: 'z', timeZone: 'Asia/Shanghai' }));
    expect(await reg.refresh()).toBe(true);
    expect(reg.get('BADZONE')?.stationId).toBe('z');
    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain('987654321');
  });

  it('starts empty when Redis is down at start, and loads the hash once Redis is back', async () => {
    const { r, registry: reg, lines } = await startRegistry((x) => x.hset(KEY, 'S1', encodeRegistryEntry({ stationId: 's-1' })), 200, true);
    expect(reg.size).toBe(0);
    expect(lines().some((l) => l['msg'] === 'station registry not loaded (Redis unreachable): chargers are looked up one by one until a refresh succeeds')).toBe(true);
    await r.restart();
    await until(() => reg.get('S1') !== undefined, 'the first successful refresh', 15_000);
    expect(reg.get('S1')).toEqual({ stationId: 's-1' });
  });

  it('stops promptly while Redis is down', async () => {
    const { r, registry: reg } = await startRegistry((x) => x.hset(KEY, 'D1', encodeRegistryEntry({})), 200);
    await r.stop();
    expect(await reg.lookup('D2')).toBeUndefined();
    const t0 = Date.now();
    await reg.stop();
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(reg.get('D1')).toEqual({});
  });

  it('reads its hash through the Cluster client of a cluster store', async () => {
    redis = await startRedisServer({ cluster: true });
    admin = new Redis(redis.url);
    await admin.hset('fleet:stations', 'N1', encodeRegistryEntry({ stationId: 'n-1' }));
    const config = parseGatewayConfig(
      [
        'listeners: [{ port: 0, codec: ykc }]',
        'csms: { url: "ws://127.0.0.1:9/ocpp" }',
        'stations: { redis: { key: "fleet:stations" } }',
        `store: { cluster: { nodes: [${JSON.stringify(redis.url)}] } }`,
      ].join('\n'),
      '<cluster>',
      {},
    );
    const reg: StationRegistry = createStationRegistry(config, pino({ level: 'silent' }), {});
    try {
      await reg.start();
      expect(reg.kind).toBe('redis');
      expect(reg.get('N1')).toEqual({ stationId: 'n-1' });
      await admin.hset('fleet:stations', 'N2', encodeRegistryEntry({ stationId: 'n-2' }));
      expect(await reg.lookup('N2')).toEqual({ stationId: 'n-2' });
    } finally {
      await reg.stop();
    }
  });

  it('keeps its last snapshot while Redis is down, logs the outage once, and refreshes again once Redis is back', async () => {
    const { r, registry: reg, lines } = await startRegistry((x) => x.hset(KEY, 'K1', encodeRegistryEntry({ stationId: 'k-1' })), 200);
    await r.stop();
    expect(await reg.refresh()).toBe(false);
    await until(() => lines().filter((l) => l['msg'] === 'station registry: Redis unreachable, serving the last snapshot').length === 1, 'the outage logged', 10_000);
    // Several refresh periods and on-demand misses later, still one line and the same snapshot.
    expect(await reg.lookup('K2')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(reg.get('K1')).toEqual({ stationId: 'k-1' });
    expect(lines().filter((l) => l['msg'] === 'station registry: Redis unreachable, serving the last snapshot')).toHaveLength(1);

    await r.restart();
    const back = new Redis(r.url);
    try {
      await back.hset(KEY, 'K2', encodeRegistryEntry({ stationId: 'k-2' }));
    } finally {
      back.disconnect();
    }
    await until(() => reg.get('K2') !== undefined, 'a refresh after Redis is back', 15_000);
    expect(lines().filter((l) => l['msg'] === 'station registry: Redis reachable again')).toHaveLength(1);
    expect(reg.get('K1')).toEqual({ stationId: 'k-1' });
  });
});
