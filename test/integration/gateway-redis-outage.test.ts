/**
 * The gateway's Redis client waits for Redis during an outage (no retry budget), so what must not
 * wait forever is bounded: `/metrics` answers at once while Redis is down, `Gateway.stop()`
 * completes while a charger event still waits for the store (logged as abandoned), and the
 * ownership loop does not pile renewals up behind the one waiting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let gw: YkcGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(async () => {
  sim?.close();
  await gw?.gateway.stop();
  await csms?.close();
  await redis?.dispose();
  sim = gw = csms = redis = undefined;
});

/** A gateway on a private Redis with a YKC charger in a session (Started at the CSMS). */
async function inSession(pile: string): Promise<{ r: TestRedisServer; c: TestCsms; g: YkcGateway; s: YkcChargerSimulator }> {
  redis = await startRedisServer();
  csms = await startCsms({ passwords: { [pile]: YKC_PASSWORD } });
  gw = await startYkcGateway(csms.url, `{ redis: ${JSON.stringify(redis.url)} }`);
  sim = await connectYkcSimulator({ host: '127.0.0.1', port: gw.port, pileCode: pile, realTimeIntervalMs: 200, recordResendMs: 500, heartbeatIntervalMs: 300 });
  await csms.waitForCall((x) => x.identity === pile && x.action === 'StatusNotification', 20_000);
  expect((await sim.swipeCard(1, 'D14B0A54')).authResult).toBe(1);
  await csms.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 15_000);
  return { r: redis, c: csms, g: gw, s: sim };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await work;
  return { value, ms: Date.now() - t0 };
}

describe('gateway: bounded waits while Redis is down', () => {
  it('answers /metrics at once and completes stop() while a charger event waits for Redis', async () => {
    const { r, g, s } = await inSession('32010200000061');
    await r.stop();
    // The session ends: its Ended TransactionEvent waits for Redis in the engine's event chain.
    const txn = s.stopCharging(1, 0x45) ?? '';
    await until(() => (s.recordSends.get(txn) ?? 0) >= 2, 'the record sent while Redis is down', 10_000);
    expect(s.confirmed).toEqual([]);

    const scrape = await timed(fetch(`http://127.0.0.1:${g.gateway.httpPort ?? 0}/metrics`).then((res) => res.text()));
    expect(scrape.ms).toBeLessThan(3_000);
    expect(scrape.value).toMatch(/^pilegate_transaction_events_queued 0$/m);

    const stop = await timed(g.gateway.stop());
    expect(stop.ms).toBeLessThan(15_000);
    const msgs = g.lines().map((l) => l['msg']);
    expect(msgs).toContain('station stopped with charger events still waiting for the store: abandoned');
    expect(msgs).toContain('ownership stopped with leases not released in time (the store is not answering): they expire by themselves');
    expect(msgs.at(-1)).toBe('gateway stopped');
    // Nothing was confirmed to the charger that was not stored: it keeps its record.
    expect(s.confirmed).toEqual([]);
  }, 60_000);

  it('does not pile renewals up behind one waiting for Redis', async () => {
    const { r, c, g } = await inSession('32010200000062');
    expect(g.gateway.config.fleet.renewIntervalMs).toBe(666);
    await r.stop();
    // Many renewal periods of outage: a loop that armed a round per period would queue one each.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await r.restart();
    const calls = async (): Promise<number> => {
      const { Redis } = await import('ioredis');
      const probe = new Redis(r.url);
      try {
        const stats = await probe.info('commandstats');
        return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      } finally {
        probe.disconnect();
      }
    };
    // The restarted server counts from zero: the lease renewal waiting since the outage arrives first.
    await until(() => g.lines().some((l) => l['msg'] === 'Redis reachable again'), 'the gateway reconnected', 15_000);
    const afterReconnect = await calls();
    // 9 periods passed during the outage, but only the round in progress ran: its renewal and, the
    // lease having expired meanwhile, its re-acquisition, each an EVALSHA answered NOSCRIPT (the
    // restarted server lost its script cache) and an EVAL; perhaps one more round since. Piled-up
    // rounds would each have sent their own renewal.
    expect(afterReconnect).toBeGreaterThanOrEqual(1);
    expect(afterReconnect).toBeLessThanOrEqual(6);
    expect(c.strictFailures).toEqual([]);
  }, 60_000);
});
