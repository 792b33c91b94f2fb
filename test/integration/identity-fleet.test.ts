/**
 * A duplicate login on another gateway instance: two full Gateways share a real redis-server (store,
 * ownership leases and the station registry, filled with `pilegate stations import`), one strict
 * CSMS. The real pile runs a transaction on instance A; an impostor claiming its code from another
 * address on instance B is closed there (B asked A, whose live connection keeps the identity under
 * `keep-live`), the real pile keeps its session and transaction on A, B counts the refusal and A
 * reports it to the station. A pile that really moved (its connection on A closed) is served by B.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectYkcSimulator, recordFrame, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { runCli } from '../support/cli.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { metricValue, rawYkc, startIdentityRig, ykcLogin, type IdentityRig, type RawYkc } from '../support/identity-rig.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';

const PILE = '32010200000111';
const STATION = 'ykc-fleet-111';
const PASSWORD_ENV = 'IDENTITY_FLEET_PASSWORD';

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let dir: string | undefined;
const rigs: IdentityRig[] = [];
const sims: YkcChargerSimulator[] = [];
const peers: RawYkc[] = [];

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  for (const p of peers.splice(0)) p.socket.destroy();
  for (const r of rigs.splice(0)) await r.close();
  const failures = csms?.strictFailures ?? [];
  await csms?.close();
  await redis?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  Reflect.deleteProperty(process.env, PASSWORD_ENV);
  redis = csms = dir = undefined;
  expect(failures).toEqual([]);
});

async function instance(id: string, url: string): Promise<IdentityRig> {
  const r = await startIdentityRig({
    registry: '',
    registryInRedis: true,
    csms,
    extra: [`store: { redis: ${JSON.stringify(url)} }`, `fleet: { instanceId: ${id}, leaseTtlMs: 2000 }`, 'shutdown: { drainTimeoutMs: 2000 }'],
  });
  rigs.push(r);
  return r;
}

describe('identity across gateway instances', () => {
  it('refuses a duplicate login on another instance; the live pile keeps its station and transaction there', async () => {
    redis = await startRedisServer();
    csms = await startCsms();
    const c = csms;
    dir = mkdtempSync(join(tmpdir(), 'pilegate-identity-fleet-'));
    writeFileSync(join(dir, 'stations.yaml'), `"${PILE}":\n  stationId: ${STATION}\n  password: \${${PASSWORD_ENV}}\n  allowedSources: [127.0.0.0/8]\n  duplicateLogin: keep-live\n`);
    writeFileSync(
      join(dir, 'pilegate.yaml'),
      ['listeners:', '  - { port: 0, codec: ykc }', `csms: { url: ${JSON.stringify(c.url)} }`, 'stations: { redis: true }', `store: { redis: ${JSON.stringify(redis.url)} }`].join('\n'),
    );
    process.env[PASSWORD_ENV] = 'identity-secret-0123456789';
    expect(await runCli(['stations', 'import', join(dir, 'stations.yaml'), '--config', join(dir, 'pilegate.yaml')])).toMatchObject({ code: 0 });

    const a = await instance('gw-a', redis.url);
    const b = await instance('gw-b', redis.url);
    const sim = await connectYkcSimulator({ host: '127.0.0.1', port: a.port, localAddress: '127.0.0.1', pileCode: PILE, heartbeatIntervalMs: 200, realTimeIntervalMs: 100, recordResendMs: 10_000 });
    sims.push(sim);
    await c.waitForCall((x) => x.identity === STATION && x.action === 'StatusNotification', 10_000);
    const confirm = await sim.swipeCard(1, 'D14B0A54');
    const started = await c.waitForCall((x) => x.identity === STATION && x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 10_000);
    const txId = (started.params['transactionInfo'] as { transactionId: string }).transactionId;

    const bad = await rawYkc(b.port, '127.0.0.2');
    peers.push(bad);
    bad.send(ykcLogin(PILE));
    bad.send(
      recordFrame({
        transactionNo: confirm.transactionNo,
        pileCode: PILE,
        start: new Date(Date.now() - 60_000),
        end: new Date(),
        meterStartKwh: 0,
        meterEndKwh: 999.99,
        amountYuan: 99_999.99,
        stopReason: 0x40,
        sequence: 1,
      }),
    );
    await bad.closed;
    expect(sim.connected).toBe(true);
    expect(a.gateway.station(STATION)?.connectionState).toBe('open');
    expect(b.gateway.station(STATION)).toBeUndefined();
    expect(c.maxOpenConnections.get(STATION)).toBe(1);
    expect(metricValue(await b.metrics(), 'pilegate_logins_refused_total{codec="ykc",reason="duplicate_login"}')).toBe(1);
    await until(
      () => c.calls.some((x) => x.identity === STATION && x.action === 'SecurityEventNotification' && String(x.params['techInfo']).startsWith('duplicate_login')),
      'the security event from the owner',
      10_000,
    );
    sim.stopCharging(1, 0x45);
    const ended = await c.waitForCall((x) => x.identity === STATION && x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 10_000);
    expect((ended.params['transactionInfo'] as { transactionId: string }).transactionId).toBe(txId);
    await until(() => sim.confirmed.length === 1, 'the real record confirmed', 10_000);
    expect(c.calls.filter((x) => x.identity === STATION && x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended')).toHaveLength(1);

    // A pile that really moves (its connection on A gone) is served by B.
    sim.close();
    const moved = await connectYkcSimulator({ host: '127.0.0.1', port: b.port, localAddress: '127.0.0.1', pileCode: PILE, heartbeatIntervalMs: 200 });
    sims.push(moved);
    await until(() => b.gateway.station(STATION)?.connectionState === 'open', 'the station on B', 15_000);
    expect(c.maxOpenConnections.get(STATION)).toBe(1);
  }, 60_000);
});
