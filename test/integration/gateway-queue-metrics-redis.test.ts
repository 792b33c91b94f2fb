/**
 * The queue metrics on a Redis store, against a real redis-server the test stops and restarts: the
 * TransactionEvents queued in Redis while the CSMS is away are counted per station with the age of
 * the oldest; a scrape while Redis is down still answers at once, saying the store is unreachable
 * and showing the queue sizes Redis last answered rather than none; once Redis and the CSMS are back the queue drains and the gauges fall to zero.
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

describe('queue metrics on a Redis store', () => {
  it('counts the events queued in Redis per station, answers a scrape while Redis is down, and drains once both are back', async () => {
    const r = (redis = await startRedisServer());
    const first = (csms = await startCsms());
    const g = (rig = await startHealthRig(first.url, { store: `{ redis: ${JSON.stringify(r.url)} }` }));
    const pile = '32010200000091';
    const sim = await connectYkcSimulator({ host: '127.0.0.1', port: g.port, pileCode: pile, heartbeatIntervalMs: 500, realTimeIntervalMs: 200, recordResendMs: 500 });
    sims.push(sim);
    await first.waitForCall((x) => x.identity === pile && x.action === 'StatusNotification', 15_000);
    expect((await sim.swipeCard(1, 'D14B0A54')).authResult).toBe(1);
    await first.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 15_000);

    await first.close();
    csms = undefined;
    const txn = sim.stopCharging(1, 0x45) ?? '';
    // The billing record is confirmed only once its Ended event is in Redis.
    await until(() => sim.confirmed.includes(txn), 'the record confirmed once queued in Redis', 15_000);
    const waiting = await poll(g.metrics, (t) => (sample(t, 'pilegate_transaction_events_oldest_age_seconds') ?? 0) >= 1, 'an event waiting a second in Redis');
    const queued = sample(waiting, `pilegate_station_transaction_events_queued{station="${pile}"}`) ?? 0;
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(sample(waiting, 'pilegate_transaction_events_queued')).toBe(queued);
    expect(sample(waiting, 'pilegate_store_reachable')).toBe(1);

    await r.stop();
    const started = Date.now();
    const down = await poll(g.metrics, (t) => sample(t, 'pilegate_store_reachable') === 0, 'the store unreachable in /metrics');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sample(down, 'pilegate_ready')).toBe(0);
    // An outage is not an empty queue: the sizes Redis last answered, the oldest event still ageing.
    expect(sample(down, `pilegate_station_transaction_events_queued{station="${pile}"}`)).toBe(queued);
    expect(sample(down, 'pilegate_transaction_events_queued')).toBe(queued);
    expect(sample(down, 'pilegate_transaction_events_oldest_age_seconds')).toBeGreaterThan(sample(waiting, 'pilegate_transaction_events_oldest_age_seconds') ?? 0);

    await r.restart();
    csms = await startCsms({ port: first.port });
    await csms.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 30_000);
    const drained = await poll(g.metrics, (t) => sample(t, 'pilegate_transaction_events_queued') === 0 && sample(t, 'pilegate_store_reachable') === 1, 'the queue drained', 15_000);
    expect(sample(drained, 'pilegate_transaction_events_oldest_age_seconds')).toBe(0);
    expect(drained).not.toMatch(/^pilegate_station_transaction_events_queued\{/m);
    expect(csms.strictFailures).toEqual([]);
  }, 90_000);
});
