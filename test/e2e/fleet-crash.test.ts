/**
 * `kill -9` of `pilegate serve` mid-session with the Redis store, then a restart (a new instance:
 * it waits for the dead one's lease to expire): every YKC transaction record the charger saw
 * confirmed (0x40) reaches the CSMS exactly once as an Ended TransactionEvent, records the crash
 * left unconfirmed are resent by the charger and end up confirmed too, and the session that was
 * running across the crash ends on the restarted gateway with continuous seqNo.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { cleanupServe, distinctBySeqNo, expectCleanOcpp, freePort, PASSWORD, reconnect, startServe, txEvents, type TxParams } from './fleet-support.js';

const PILE = '32010200000071';

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(async () => {
  sim?.close();
  await cleanupServe();
  await csms?.close();
  await redis?.dispose();
  sim = csms = redis = undefined;
});

const started = (c: TestCsms, n: number): Promise<void> => until(() => txEvents(c, PILE).filter((e) => e.eventType === 'Started').length >= n, `Started #${n}`, 15_000);

describe('fleet: kill -9 of the gateway', () => {
  it('every record the charger saw confirmed is exactly one Ended TransactionEvent after a crash and restart', async () => {
    redis = await startRedisServer();
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    const port = await freePort();
    const first = await startServe({ csmsUrl: csms.url, redisUrl: redis.url, port, leaseTtlMs: 2000 });
    sim = new YkcChargerSimulator({ host: '127.0.0.1', port, pileCode: PILE, gunCount: 2, realTimeIntervalMs: 200, recordResendMs: 1000, heartbeatIntervalMs: 1000 });
    await reconnect(sim);
    await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification', 20_000);

    const serials: string[] = [];
    // Two whole sessions on gun 1, confirmed before the crash.
    for (const card of ['C0000001', 'C0000002']) {
      const c = await sim.swipeCard(1, card);
      expect(c.authResult).toBe(1);
      await started(csms, serials.length + 1);
      serials.push(sim.stopCharging(1) ?? '');
      await until(() => sim?.confirmed.length === serials.length, 'record confirmed', 15_000);
    }
    // A session on gun 2 runs across the crash; a third record on gun 1 is in flight when it comes.
    expect((await sim.swipeCard(2, 'C0000003')).authResult).toBe(1);
    await started(csms, 3);
    expect((await sim.swipeCard(1, 'C0000004')).authResult).toBe(1);
    await started(csms, 4);
    serials.push(sim.stopCharging(1) ?? '');
    await first.kill9();

    const second = await startServe({ csmsUrl: csms.url, redisUrl: redis.url, port, leaseTtlMs: 2000 });
    await until(() => sim?.connected === false, 'the charger to see the crash', 5_000);
    await reconnect(sim);
    await until(() => second.logs().some((l) => l['msg'] === 'station engine started'), 'the engine after the restart', 20_000);
    serials.push(sim.stopCharging(2) ?? '');

    await until(() => serials.every((s) => sim?.confirmed.includes(s) === true), 'every record confirmed', 30_000);
    const ended = (serial: string): TxParams[] => txEvents(csms as TestCsms, PILE).filter((e) => e.eventType === 'Ended' && e.customData?.legacyTransactionId === serial);
    await until(() => serials.every((s) => ended(s).length > 0), 'every Ended at the CSMS', 30_000);

    expect(new Set(serials).size).toBe(4);
    expect([...sim.confirmed].sort()).toEqual([...serials].sort());
    const all = txEvents(csms, PILE);
    const byTx = new Map<string, TxParams[]>();
    for (const e of all) byTx.set(e.transactionInfo.transactionId, [...(byTx.get(e.transactionInfo.transactionId) ?? []), e]);
    expect(byTx.size).toBe(4);
    for (const serial of sim.confirmed) {
      const ends = ended(serial);
      const txId = ends[0]?.transactionInfo.transactionId ?? '';
      // Exactly once: one Ended message for the record (a resend of the very same message after the
      // crash would carry the same seqNo and content, and counts once).
      expect(distinctBySeqNo(ends)).toHaveLength(1);
      const events = distinctBySeqNo(byTx.get(txId) ?? []);
      expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
      expect(events[0]?.eventType).toBe('Started');
      expect(events.at(-1)?.eventType).toBe('Ended');
    }
    expectCleanOcpp(csms);
    // The restarted gateway took the dead instance's lease once it expired.
    expect(second.logs().some((l) => l['msg'] === 'ownership lease acquired' && l['station'] === PILE)).toBe(true);
  }, 150_000);
});
