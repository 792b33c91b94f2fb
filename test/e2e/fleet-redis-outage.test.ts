/**
 * Redis stopped and started again while a YKC charger is in a session behind `pilegate serve`:
 * the charger's TCP connection stays up, its heartbeats are answered and its status reaches the
 * CSMS during the outage; the record it uploads meanwhile is confirmed only once Redis is back
 * (it keeps resending it until then), and the queued TransactionEvents — among them an Updated the
 * CSMS triggered during the outage — then reach the CSMS in order with continuous seqNo.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { cleanupServe, distinctBySeqNo, expectCleanOcpp, PASSWORD, reconnect, startServe, txEvents } from './fleet-support.js';

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

interface Outage {
  /** Redis stays down until the charger has sent its record this many times (every 500 ms). */
  readonly resends: number;
}

async function outage(PILE: string, o: Outage): Promise<void> {
  redis = await startRedisServer();
  csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
  const gw = await startServe({ csmsUrl: csms.url, redisUrl: redis.url, leaseTtlMs: 2000 });
  sim = new YkcChargerSimulator({ host: '127.0.0.1', port: gw.port, pileCode: PILE, gunCount: 2, realTimeIntervalMs: 200, recordResendMs: 500, heartbeatIntervalMs: 300 });
  await reconnect(sim);
  await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification' && c.params['evseId'] === 2, 20_000);
  const confirm = await sim.swipeCard(1, 'D14B0A54');
  expect(confirm.authResult).toBe(1);
  await until(() => txEvents(csms as TestCsms, PILE).length === 1, 'Started at the CSMS', 15_000);
  const client = await csms.client(PILE);

  await redis.stop();
  const s = sim;
  const c = csms;
  const heartbeatsAnswered = (): number => s.received.filter((f) => f.type === 'heartbeatAnswer').length;
  const before = heartbeatsAnswered();
  // The charger side: heartbeats answered, a fault reported to the CSMS.
  await until(() => heartbeatsAnswered() >= before + 4, 'heartbeats answered during the outage', 10_000);
  s.setFault(2, 0, true);
  await c.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification' && x.params['evseId'] === 2 && x.params['connectorStatus'] === 'Faulted', 10_000);
  // The OCPP side: the station answers the CSMS.
  expect(await client.call('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
  await c.waitForCall((x) => x.identity === PILE && x.action === 'Heartbeat', 10_000);
  // The CSMS asks for a TransactionEvent (answered at once, the event taking its place in the
  // station's event chain), then the session ends: neither event can be queued yet (both wait for
  // Redis, however long it takes), so the record is not confirmed and the charger resends it.
  expect(await client.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
  const txn = s.stopCharging(1, 0x45) ?? '';
  await until(() => (s.recordSends.get(txn) ?? 0) >= o.resends, 'the record resent during the outage', o.resends * 1000);
  expect(s.confirmed).toEqual([]);
  expect(txEvents(c, PILE).some((e) => e.eventType === 'Ended')).toBe(false);

  await redis.restart();
  await until(() => s.confirmed.includes(txn), 'the record confirmed once Redis is back', 30_000);
  await until(() => txEvents(c, PILE).some((e) => e.eventType === 'Ended'), 'Ended at the CSMS', 30_000);

  // One TCP connection all along.
  expect(s.connected).toBe(true);
  expect(gw.logs().filter((l) => l['msg'] === 'charger connected')).toHaveLength(1);
  const raw = txEvents(c, PILE);
  const events = distinctBySeqNo(raw);
  expect(raw.map((e) => e.seqNo)).toEqual([...raw.map((e) => e.seqNo)].sort((a, b) => a - b));
  expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
  expect(new Set(events.map((e) => e.transactionInfo.transactionId)).size).toBe(1);
  expect(events.map((e) => [e.eventType, e.triggerReason])).toEqual([
    ['Started', 'Authorized'],
    ['Updated', 'Trigger'],
    ['Ended', 'ChargingStateChanged'],
  ]);
  expect(events.at(-1)).toMatchObject({ customData: { legacyTransactionId: txn } });
  expect(s.confirmed).toEqual([txn]);
  expectCleanOcpp(c);
}

describe('fleet: Redis outage', () => {
  it('keeps serving the charger while Redis is down and catches up once it is back', () => outage('32010200000091', { resends: 3 }), 120_000);

  // Longer than ioredis's default retry budget (~10 s): the gateway's client waits for Redis instead
  // of failing the write, so the Updated triggered early in the outage is not lost, and the record,
  // which the charger resends until confirmed, lands once.
  it('survives an outage longer than the default ioredis retries: the triggered Updated kept, the record confirmed once after it', () => outage('32010200000092', { resends: 26 }), 120_000);
});
