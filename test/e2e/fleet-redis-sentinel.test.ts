/**
 * The gateway on a Redis Sentinel deployment (`store: { sentinel: ... }`): a master, its replica and
 * two sentinels spawned by the test, the master password given through `${ENV}`. A YKC charger's
 * session lands on the master the sentinels name; after a failover (the replica promoted) while the
 * charger is in a session — ordered by `SENTINEL FAILOVER`, or after the master crashed — the
 * gateway follows the new master and the transaction continues with continuous seqNo, the events
 * of the downtime kept, its record confirmed once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { TX_QUEUE } from '../../src/station/transactions/tx-queue.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startSentinel, type TestSentinel } from '../support/redis-sentinel.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';
import { distinctBySeqNo, expectCleanOcpp, txEvents } from './fleet-support.js';

const REDIS_PASSWORD = 'sentinel-redis-secret-42';

let deployment: TestSentinel | undefined;
let csms: TestCsms | undefined;
let gw: YkcGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(async () => {
  sim?.close();
  await gw?.gateway.stop();
  await csms?.close();
  await deployment?.dispose();
  sim = gw = csms = deployment = undefined;
});

async function start(pile: string): Promise<{ d: TestSentinel; c: TestCsms; g: YkcGateway; s: YkcChargerSimulator }> {
  deployment = await startSentinel({ password: REDIS_PASSWORD });
  csms = await startCsms({ passwords: { [pile]: YKC_PASSWORD } });
  const store = `{ sentinel: { sentinels: ${JSON.stringify(deployment.sentinels)}, name: ${deployment.name}, password: "\${TEST_REDIS_PASSWORD}" } }`;
  gw = await startYkcGateway(csms.url, store, { TEST_REDIS_PASSWORD: REDIS_PASSWORD });
  sim = await connectYkcSimulator({ host: '127.0.0.1', port: gw.port, pileCode: pile, gunCount: 2, realTimeIntervalMs: 200, recordResendMs: 500, heartbeatIntervalMs: 300 });
  await csms.waitForCall((x) => x.identity === pile && x.action === 'StatusNotification' && x.params['evseId'] === 2, 20_000);
  return { d: deployment, c: csms, g: gw, s: sim };
}

describe('gateway on Redis Sentinel', () => {
  it('keeps the station state and queue on the master the sentinels name; no password in the logs', async () => {
    const PILE = '32010200000081';
    const { d, c, g, s } = await start(PILE);
    const confirm = await s.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    await until(() => txEvents(c, PILE).length === 1, 'Started at the CSMS', 15_000);
    const txn = s.stopCharging(1, 0x45) ?? '';
    await until(() => s.confirmed.includes(txn), 'the record confirmed', 15_000);
    await until(() => txEvents(c, PILE).some((e) => e.eventType === 'Ended'), 'Ended at the CSMS', 15_000);

    const masterPort = await d.masterPort();
    expect(masterPort).toBe(d.dataPorts[0]);
    const master = d.client(masterPort);
    const tag = `pg:{${PILE}}`;
    // The record is done: its id was written together with its Ended event.
    expect(JSON.parse((await master.hget(`${tag}:kv`, 'records.done')) ?? '[]')).toEqual([txn]);
    // The queue's stream keeps its key once emptied: the TransactionEvents went through it.
    expect(await master.exists(`${tag}:q:${TX_QUEUE}`)).toBe(1);
    expect(await master.xlen(`${tag}:q:${TX_QUEUE}`)).toBe(0);
    expect(await master.get(`${tag}:lease`)).toMatch(/\S/);

    expect(g.lines().some((l) => l['store'] === 'sentinel' && l['msg'] === 'state store is Redis (sentinel)')).toBe(true);
    expect(g.text()).not.toContain(REDIS_PASSWORD);
    expect(g.text()).not.toContain(YKC_PASSWORD);
    expectCleanOcpp(c);
  }, 90_000);

  it('follows a failover while a charger is in a session: the transaction continues, nothing lost or doubled', async () => {
    const PILE = '32010200000082';
    const { d, c, g, s } = await start(PILE);
    const confirm = await s.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    await until(() => txEvents(c, PILE).length === 1, 'Started at the CSMS', 15_000);
    const client = await c.client(PILE);

    const promoted = await d.failover();
    expect(promoted).toBe(d.dataPorts[1]);
    // Through the chain of charger events and the store: the Updated is queued on the new master.
    expect(await client.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
    await until(() => txEvents(c, PILE).some((e) => e.eventType === 'Updated'), 'the triggered Updated at the CSMS', 20_000);
    const txn = s.stopCharging(1, 0x45) ?? '';
    await until(() => s.confirmed.includes(txn), 'the record confirmed after the failover', 30_000);
    await until(() => txEvents(c, PILE).some((e) => e.eventType === 'Ended'), 'Ended at the CSMS', 30_000);

    expect(s.connected).toBe(true);
    expect(g.lines().filter((l) => l['msg'] === 'charger connected')).toHaveLength(1);
    const raw = txEvents(c, PILE);
    const events = distinctBySeqNo(raw);
    expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
    expect(new Set(events.map((e) => e.transactionInfo.transactionId)).size).toBe(1);
    expect(events.map((e) => [e.eventType, e.triggerReason])).toEqual([
      ['Started', 'Authorized'],
      ['Updated', 'Trigger'],
      ['Ended', 'ChargingStateChanged'],
    ]);
    expect(s.confirmed).toEqual([txn]);

    const master = d.client(promoted);
    const tag = `pg:{${PILE}}`;
    expect(JSON.parse((await master.hget(`${tag}:kv`, 'records.done')) ?? '[]')).toEqual([txn]);
    expect(await master.xlen(`${tag}:q:${TX_QUEUE}`)).toBe(0);
    expect(await master.get(`${tag}:lease`)).toMatch(/\S/);
    expectCleanOcpp(c);
  }, 120_000);

  it('waits through a master crash until the sentinels promote the replica: the events of the downtime are kept', async () => {
    const PILE = '32010200000083';
    const { d, c, g, s } = await start(PILE);
    const confirm = await s.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    await until(() => txEvents(c, PILE).length === 1, 'Started at the CSMS', 15_000);
    const client = await c.client(PILE);

    const { promoted } = await d.crashMaster();
    // While no master exists: a triggered Updated and the end of the session wait for the store.
    const triggered = client.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } });
    const txn = s.stopCharging(1, 0x45) ?? '';
    const port = await promoted;
    expect(port).toBe(d.dataPorts[1]);
    expect(await triggered).toEqual({ status: 'Accepted' });
    await until(() => s.confirmed.includes(txn), 'the record confirmed by the new master', 30_000);
    await until(() => txEvents(c, PILE).some((e) => e.eventType === 'Ended'), 'Ended at the CSMS', 30_000);

    expect(s.connected).toBe(true);
    expect(g.lines().filter((l) => l['msg'] === 'charger connected')).toHaveLength(1);
    const events = distinctBySeqNo(txEvents(c, PILE));
    expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
    expect(events.map((e) => [e.eventType, e.triggerReason])).toEqual([
      ['Started', 'Authorized'],
      ['Updated', 'Trigger'],
      ['Ended', 'ChargingStateChanged'],
    ]);
    expect(s.confirmed).toEqual([txn]);
    expect(JSON.parse((await d.client(port).hget(`pg:{${PILE}}:kv`, 'records.done')) ?? '[]')).toEqual([txn]);
    expect(g.text()).not.toContain(REDIS_PASSWORD);
    expectCleanOcpp(c);
  }, 120_000);
});
