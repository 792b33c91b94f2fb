/**
 * `/readyz` tells the truth about what the gateway depends on: a real redis-server the test stops
 * and restarts, and the strict test CSMS the test closes and starts again on the same port. A
 * charger that connects while Redis is down is held back, said at warn with the reason, counted,
 * and reaches the CSMS once Redis is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { sample } from '../support/gateway-harness.js';
import { poll, startHealthRig, type HealthRig } from '../support/health-rig.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let rig: HealthRig | undefined;
const sims: YkcChargerSimulator[] = [];

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await rig?.gateway.stop();
  await csms?.close();
  await redis?.dispose();
  rig = csms = redis = undefined;
});

async function charger(port: number, pileCode: string): Promise<YkcChargerSimulator> {
  const sim = await connectYkcSimulator({ host: '127.0.0.1', port, pileCode, heartbeatIntervalMs: 500 });
  sims.push(sim);
  return sim;
}

describe('gateway /readyz and held chargers', () => {
  it('answers 503 naming the store while Redis is down, and holds back a charger that connects meanwhile until Redis is back', async () => {
    const r = (redis = await startRedisServer());
    const c = (csms = await startCsms());
    const g = (rig = await startHealthRig(c.url, { store: `{ redis: ${JSON.stringify(r.url)} }` }));
    const ready = await poll(g.readyz, (x) => x.status === 200, 'ready with Redis up');
    expect(ready.body).toMatch(/^ready\n/);
    expect(ready.body).toMatch(/^\[\+\] store: redis reachable$/m);
    expect(sample(await g.metrics(), 'pilegate_store_reachable')).toBe(1);

    await r.stop();
    const down = await poll(g.readyz, (x) => x.status === 503, 'not ready with Redis down');
    expect(down.body).toMatch(/^not ready\n/);
    expect(down.body).toMatch(/^\[-\] store: redis unreachable since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/m);
    const metrics = await g.metrics();
    expect(sample(metrics, 'pilegate_store_reachable')).toBe(0);
    expect(sample(metrics, 'pilegate_ready')).toBe(0);

    const pile = '32010200000071';
    await charger(g.port, pile);
    await until(() => g.lines().some((l) => l['msg'] === 'charger held back' && l['chargerId'] === pile), 'the held-back line', 10_000);
    const held = g.lines().find((l) => l['msg'] === 'charger held back' && l['chargerId'] === pile) ?? {};
    expect(held['level']).toBe(40);
    expect(held['reason']).toBe('store_unreachable');
    expect(held['stationId']).toBe(pile);
    const waiting = await g.metrics();
    expect(sample(waiting, 'pilegate_chargers_held_total{reason="store_unreachable"}')).toBe(1);
    expect(sample(waiting, 'pilegate_chargers_held{reason="store_unreachable"}')).toBe(1);
    expect(sample(waiting, 'pilegate_chargers{state="starting"}')).toBe(1);
    expect((await g.readyz()).body).toMatch(/^\[!\] chargers: 1 held back \(store_unreachable 1\)$/m);

    await r.restart();
    await poll(g.readyz, (x) => x.status === 200, 'ready again with Redis back', 15_000);
    await c.waitForCall((x) => x.identity === pile && x.action === 'BootNotification', 20_000);
    const after = await poll(g.metrics, (t) => sample(t, 'pilegate_chargers{state="online"}') === 1, 'the charger online', 10_000);
    expect(sample(after, 'pilegate_chargers_held{reason="store_unreachable"}')).toBe(0);
    expect(sample(after, 'pilegate_chargers_held_total{reason="store_unreachable"}')).toBe(1);
    expect(sample(after, 'pilegate_store_reachable')).toBe(1);
    expect(g.lines().some((l) => l['msg'] === 'charger no longer held back: its station starts' && l['chargerId'] === pile)).toBe(true);
    expect(c.strictFailures).toEqual([]);
  }, 60_000);

  it('answers 503 once no station reached the CSMS for the grace period, naming how many and the last error', async () => {
    const first = await startCsms();
    csms = first;
    const g = (rig = await startHealthRig(first.url, { http: 'csmsGraceMs: 1500' }));
    await charger(g.port, '32010200000072');
    await first.waitForCall((x) => x.identity === '32010200000072' && x.action === 'BootNotification', 10_000);
    const up = await poll(g.readyz, (x) => x.body.includes('[+] csms: 1 of 1 stations connected'), 'the station connected');
    expect(up.status).toBe(200);
    expect(up.body).toMatch(/^\[\+\] store: memory$/m);

    await first.close();
    csms = undefined;
    // Within the grace period the gateway stays ready: a CSMS restart is not an outage.
    const early = await poll(g.readyz, (x) => x.body.includes('0 of 1 stations connected'), 'the station offline', 5_000);
    expect(early.status).toBe(200);
    const down = await poll(g.readyz, (x) => x.status === 503, 'not ready past the grace period', 10_000);
    expect(down.body).toMatch(/^\[-\] csms: unreachable for 1 of 1 stations since \d{4}-.*; last error at \d{4}-.* \(\d+ s\): refused \(.*ECONNREFUSED.*\)$/m);
    const metrics = await g.metrics();
    expect(sample(metrics, 'pilegate_ocpp_connect_failures_total{reason="refused"}')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'pilegate_chargers{state="csms_offline"}')).toBe(1);
    expect(sample(metrics, 'pilegate_ready')).toBe(0);

    csms = await startCsms({ port: first.port });
    await poll(g.readyz, (x) => x.status === 200, 'ready with the CSMS back', 15_000);
    expect(sample(await g.metrics(), 'pilegate_ready')).toBe(1);
  }, 60_000);
});
