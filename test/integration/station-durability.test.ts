/**
 * The durability rule over Redis: a station engine stopped with TransactionEvents still queued, and
 * a new engine over the same Redis (a real redis-server started by the test), delivers every event
 * exactly once, in order, with continuous seqNo, and the transaction goes on where it stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChargerEvent } from '../../src/model/events.js';
import { RedisStore } from '../../src/store/redis.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { createStation, until } from '../support/station.js';

let redis: TestRedisServer;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis.dispose();
});

const at = (s: number): string => new Date(Date.UTC(2026, 10, 25, 9, 0, s)).toISOString();

describe('durable transactions over Redis', () => {
  it('loses nothing and sends nothing twice when the engine restarts mid-queue', async () => {
    const id = 'CS-DURABLE';
    // The CSMS is down: the first engine can only queue.
    const first = await createStation({ id, url: 'ws://127.0.0.1:9/ocpp', store: new RedisStore(redis.url) });
    const measurements = (s: number, wh: number): ChargerEvent => ({
      type: 'measurements',
      connector: 1,
      at: at(s),
      values: [
        { measurand: 'energy', value: wh },
        { measurand: 'power', value: 7000 },
      ],
    });
    first.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-7', meterStartWh: 1000, at: at(0) });
    for (let s = 61; s <= 301; s += 60) first.engine.chargerEvent(measurements(s, 1000 + s * 2));
    await first.engine.eventsHandled();
    const queued = await first.engine.queuedTransactionEvents();
    expect(queued).toBe(6);
    await first.engine.stop();
    await first.store.close();

    let csms: TestCsms | undefined = await startCsms();
    try {
      const second = await createStation({ id, url: csms.url, store: new RedisStore(redis.url) });
      second.engine.start();
      second.engine.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-7', meterStopWh: 1700, at: at(400), reason: 'evDisconnected' });
      await until(() => (csms?.calls.filter((c) => c.action === 'TransactionEvent').length ?? 0) >= 7, 'seven events', 8000);
      await second.engine.settled();
      const events = csms.calls
        .filter((c) => c.action === 'TransactionEvent')
        .map((c) => c.params as { eventType: string; seqNo: number; offline?: boolean; transactionInfo: { transactionId: string } });
      expect(events.map((e) => [e.eventType, e.seqNo])).toEqual([
        ['Started', 0],
        ['Updated', 1],
        ['Updated', 2],
        ['Updated', 3],
        ['Updated', 4],
        ['Updated', 5],
        ['Ended', 6],
      ]);
      expect(new Set(events.map((e) => e.transactionInfo.transactionId)).size).toBe(1);
      expect(events.slice(0, 6).every((e) => e.offline === true)).toBe(true);
      expect(await second.engine.queuedTransactionEvents()).toBe(0);
      expect(csms.strictFailures).toEqual([]);
      expect(csms.errorsSent).toEqual([]);
      await second.engine.stop();
      await second.store.close();
    } finally {
      await csms.close();
      csms = undefined;
    }
  });
});
