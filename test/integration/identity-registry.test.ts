/**
 * Identity checks against a station registry in Redis whose snapshot does not hold the charger yet
 * (added after the last refresh, or not loaded at start): with `unknownChargers: provision` a YKC
 * login is answered from the snapshot (a provisioned charger), and the entry read on demand before
 * the engine starts decides the station. That entry's `allowedSources` and `ykcKey` are checked
 * then, before the station runs: an impostor admitted as "unknown, provisioned" never gets the
 * registered station. Real TCP, a real redis-server, the full Gateway and the strict CSMS.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { YkcCipher } from '../../codecs/ykc/cipher.js';
import { encodeRegistryEntry } from '../../src/gateway/registry-hash.js';
import { IDENTITY_PASSWORD, metricValue, rawYkc, startIdentityRig, ykcLogin, type IdentityRig, type RawYkc } from '../support/identity-rig.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';

const PILE = '32010200000131';
const STATION = 'ykc-registry-131';
const KEY = '0123456789ABCDEF1032547698BADCFE0F1E2D3C4B5A6978';

let redis: TestRedisServer | undefined;
let admin: Redis | undefined;
let rig: IdentityRig | undefined;
const peers: RawYkc[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.socket.destroy();
  const failures = rig?.csms.strictFailures ?? [];
  await rig?.close();
  admin?.disconnect();
  await redis?.dispose();
  rig = admin = redis = undefined;
  expect(failures).toEqual([]);
});

/** A gateway provisioning unknown chargers, its registry in Redis refreshed rarely (the snapshot stays behind). */
async function provisioningGateway(): Promise<{ r: IdentityRig; a: Redis }> {
  redis = await startRedisServer();
  const a = (admin = new Redis(redis.url));
  const r = (rig = await startIdentityRig({
    registry: '',
    registryInRedis: true,
    refreshIntervalMs: 600_000,
    unknownChargers: 'provision',
    stations: 'defaults: { password: "${IDENTITY_PASSWORD}" }',
    extra: [`store: { redis: ${JSON.stringify(redis.url)} }`],
  }));
  return { r, a };
}

async function dial(r: IdentityRig, localAddress: string): Promise<RawYkc> {
  const p = await rawYkc(r.port, localAddress);
  peers.push(p);
  return p;
}

const boots = (r: IdentityRig): string[] => r.csms.calls.filter((c) => c.action === 'BootNotification').map((c) => c.identity);
const refused = async (r: IdentityRig, reason: string): Promise<number | undefined> => metricValue(await r.metrics(), `pilegate_logins_refused_total{codec="ykc",reason="${reason}"}`);

describe('identity against an entry read on demand (Redis registry, unknown chargers provisioned)', () => {
  it("checks the entry's allowedSources before its station starts: an impostor admitted as provisioned is closed", async () => {
    const { r, a } = await provisioningGateway();
    await a.hset('pg:stations', PILE, encodeRegistryEntry({ stationId: STATION, password: IDENTITY_PASSWORD, allowedSources: ['127.0.0.1/32'] }));

    const bad = await dial(r, '127.0.0.2');
    bad.send(ykcLogin(PILE));
    // Answered from the snapshot, which does not know the pile: provisioned.
    expect(await bad.next()).toMatchObject({ type: 'loginAnswer', result: 0 });
    await until(() => bad.isClosed() || boots(r).length > 0, 'the impostor closed, or a station booted', 10_000);
    expect(boots(r)).toEqual([]);
    expect(bad.isClosed()).toBe(true);
    expect(await refused(r, 'source_not_allowed')).toBe(1);

    // The pile from its own network gets its registered station.
    const good = await dial(r, '127.0.0.1');
    good.send(ykcLogin(PILE));
    expect(await good.next()).toMatchObject({ type: 'loginAnswer', result: 0 });
    await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'BootNotification', 10_000);
    expect(good.isClosed()).toBe(false);
  });

  it("checks the entry's ykcKey before its station starts: a login in clear admitted as provisioned is closed", async () => {
    const { r, a } = await provisioningGateway();
    await a.hset('pg:stations', PILE, encodeRegistryEntry({ stationId: STATION, password: IDENTITY_PASSWORD, ykcKey: KEY }));

    const bad = await dial(r, '127.0.0.1');
    bad.send(ykcLogin(PILE));
    expect(await bad.next()).toMatchObject({ type: 'loginAnswer', result: 0 });
    await until(() => bad.isClosed() || boots(r).length > 0, 'the impostor closed, or a station booted', 10_000);
    expect(boots(r)).toEqual([]);
    expect(bad.isClosed()).toBe(true);
    expect(await refused(r, 'bad_key')).toBe(1);

    // The entry is in the snapshot now: the pile logs in under its key and gets its station.
    const key = new YkcCipher(KEY);
    const good = await dial(r, '127.0.0.1');
    good.send(ykcLogin(PILE), key);
    expect(await good.next(key)).toMatchObject({ type: 'loginAnswer', result: 0 });
    await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'BootNotification', 10_000);
  });
});
