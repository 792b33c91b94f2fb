/**
 * `Gateway.reloadStations` (what SIGHUP to `pilegate serve` runs) on a Redis station registry: the
 * hash is read again at once, not at the next refresh, and the change is logged as counts; a removed
 * charger is gone from the registry, an added one is in it; with Redis down the reload is logged as
 * failed and the previous copy stays. Real redis-server, the full Gateway.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { encodeRegistryEntry } from '../../src/gateway/registry-hash.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';

const KEY = 'pg:stations';
const SECRET = 'reload-secret-4c1d';

let redis: TestRedisServer | undefined;
let admin: Redis | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  admin?.disconnect();
  await redis?.dispose();
  gateway = admin = redis = undefined;
});

describe('reloading a Redis station registry', () => {
  it('reads the hash at once, logs the counts, and keeps the copy when Redis is down', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    admin.on('error', () => undefined);
    await admin.hset(KEY, 'R1', encodeRegistryEntry({ stationId: 'r-1', password: SECRET }), 'R2', encodeRegistryEntry({ stationId: 'r-2' }));
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString('utf8');
        done();
      },
    });
    const text = [
      'listeners: [{ port: 0, host: 127.0.0.1, codec: ykc }]',
      'csms: { url: "ws://127.0.0.1:9/ocpp" }',
      // A refresh interval far beyond the test: only the reload can show the change.
      'stations: { redis: true, refreshIntervalMs: 600000 }',
      `store: { redis: ${JSON.stringify(redis.url)} }`,
      'http: { port: 0, host: 127.0.0.1 }',
      'shutdown: { drainTimeoutMs: 1000 }',
    ].join('\n');
    const g = (gateway = new Gateway(parseGatewayConfig(text, '<reload>', {}), { destination }));
    await g.start();
    const lines = (): Record<string, unknown>[] =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    await admin.hdel(KEY, 'R2');
    await admin.hset(KEY, 'R1', encodeRegistryEntry({ stationId: 'r-1', password: `${SECRET}-new` }), 'R3', encodeRegistryEntry({ stationId: 'r-3' }));
    expect(g.stationRegistry.get('R2')?.stationId).toBe('r-2');
    await g.reloadStations();
    expect(lines().find((l) => l['msg'] === 'station registry reloaded')).toMatchObject({ signal: 'SIGHUP', registry: 'redis', stations: 2, added: 1, removed: 1, changed: 1 });
    expect(g.stationRegistry.get('R2')).toBeUndefined();
    expect(g.stationRegistry.get('R3')?.stationId).toBe('r-3');

    await redis.stop();
    await g.reloadStations();
    expect(lines().find((l) => l['msg'] === 'station registry not reloaded: the previous copy stays in use')).toMatchObject({ level: 50, registry: 'redis' });
    expect(g.stationRegistry.get('R3')?.stationId).toBe('r-3');
    expect(out).not.toContain(SECRET);
  });
});
