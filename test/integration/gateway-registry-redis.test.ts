/**
 * A gateway whose station registry is a Redis hash (`stations: { redis: true }`) on its Redis store:
 * a YKC pile listed there logs in and boots as its registry station at the strict test CSMS; one
 * that is not gets login result 1; one added to the hash after the gateway started is refused at
 * its first login (the synchronous login answer only sees the snapshot; the on-demand read starts)
 * and accepted at the next. An IEC 104 charger added after start is read from Redis before its
 * engine would be refused, so its first connection is served. Real TCP, real redis-server, the full Gateway.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { encodeRegistryEntry } from '../../src/gateway/registry-hash.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { EXAMPLE_MAPPING } from '../support/gateway-harness.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';

const KNOWN = '32010200000021';
const UNKNOWN = '32010200000098';
const LATE = '32010200000022';
const PASSWORD = 'ykc-redis-registry-secret-0123';
const LATE_PASSWORD = 'ykc-redis-registry-late-4567';

let redis: TestRedisServer | undefined;
let admin: Redis | undefined;
let csms: TestCsms | undefined;
let gateway: Gateway | undefined;
const sims: YkcChargerSimulator[] = [];
const chargers: SimulatorHandle[] = [];

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await Promise.all(chargers.splice(0).map((c) => c.close()));
  await gateway?.stop();
  await csms?.close();
  admin?.disconnect();
  await redis?.dispose();
  gateway = csms = admin = redis = undefined;
});

function pile(port: number, pileCode: string): YkcChargerSimulator {
  const sim = new YkcChargerSimulator({ host: '127.0.0.1', port, pileCode });
  sims.push(sim);
  return sim;
}

/** A gateway with one listener (`listenerYaml`) and the registry in the Redis hash `pg:stations`; its log text. */
async function startGateway(r: TestRedisServer, c: TestCsms, listenerYaml: string): Promise<{ g: Gateway; out: () => string }> {
  const text = [
    'listeners:',
    `  - ${listenerYaml}`,
    `csms: { url: ${JSON.stringify(c.url)} }`,
    'stations: { redis: true, unknownChargers: refuse }',
    `store: { redis: ${JSON.stringify(r.url)} }`,
    'http: { port: 0, host: 127.0.0.1 }',
    'log: { level: info }',
  ].join('\n');
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  const g = new Gateway(parseGatewayConfig(text, '<registry-redis>', {}), { destination, callTimeoutMs: 3_000 });
  gateway = g;
  await g.start();
  return { g, out: () => out };
}

describe('chargers against a station registry in Redis', () => {
  it('serves an IEC 104 charger added to the hash after start at its first connection', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    csms = await startCsms({ passwords: { 'depot-dc-45': PASSWORD } });
    const { g, out } = await startGateway(redis, csms, `{ port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`);
    expect(g.stationRegistry.size).toBe(0);
    await admin.hset('pg:stations', 'EXDC45', encodeRegistryEntry({ stationId: 'depot-dc-45', password: PASSWORD }));
    chargers.push(await connectSimulator({ host: '127.0.0.1', port: g.ports[0] ?? 0, mapping: loadExampleMapping('example-dc-2gun'), commonAddress: 45, meterIntervalMs: 1_000 }));
    await csms.waitForCall((c) => c.identity === 'depot-dc-45' && c.action === 'BootNotification', 15_000);
    expect(g.stationRegistry.get('EXDC45')?.stationId).toBe('depot-dc-45');
    expect(await g.metrics()).not.toMatch(/pilegate_chargers_refused_total\{reason="unknown_charger"\} [1-9]/);
    expect(csms.strictFailures).toEqual([]);
    expect(out()).not.toContain(PASSWORD);
  });

  it('accepts a pile listed in the Redis hash, refuses one that is not, and finds one added later at its next login', async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    await admin.hset('pg:stations', KNOWN, encodeRegistryEntry({ stationId: 'depot-ykc-21', password: PASSWORD }));
    csms = await startCsms({ passwords: { 'depot-ykc-21': PASSWORD, 'depot-ykc-22': LATE_PASSWORD } });
    const { g, out: text } = await startGateway(redis, csms, '{ port: 0, host: 127.0.0.1, codec: ykc }');
    const port = g.ports[0] ?? 0;
    const logs = (): Record<string, unknown>[] =>
      text()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(g.stationRegistry.kind).toBe('redis');
    expect(g.stationRegistry.size).toBe(1);

    await expect(pile(port, UNKNOWN).connect()).rejects.toThrow('login rejected');
    await until(() => logs().some((l) => l['msg'] === 'unknown charger refused at login (not in the station registry)' && l['chargerId'] === UNKNOWN), 'refusal logged', 5_000);

    await pile(port, KNOWN).connect();
    expect((await csms.waitForCall((c) => c.identity === 'depot-ykc-21' && c.action === 'BootNotification', 15_000)).identity).toBe('depot-ykc-21');

    // Added after start, well before the next full refresh (30 s by default).
    await admin.hset('pg:stations', LATE, encodeRegistryEntry({ stationId: 'depot-ykc-22', password: LATE_PASSWORD }));
    await expect(pile(port, LATE).connect()).rejects.toThrow('login rejected');
    await until(() => g.stationRegistry.get(LATE) !== undefined, 'the on-demand read of the refused pile', 5_000);
    await pile(port, LATE).connect();
    await csms.waitForCall((c) => c.identity === 'depot-ykc-22' && c.action === 'BootNotification', 15_000);

    expect(csms.calls.some((c) => c.identity === UNKNOWN)).toBe(false);
    expect(csms.strictFailures).toEqual([]);
    expect(await g.metrics()).toMatch(/pilegate_chargers_refused_total\{reason="unknown_charger"\} 2/);
    expect(text()).not.toContain(PASSWORD);
    expect(text()).not.toContain(LATE_PASSWORD);
  });
});
