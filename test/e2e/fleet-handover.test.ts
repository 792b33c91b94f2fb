/**
 * Two `pilegate serve` instances, one Redis, a TCP switch playing the load balancer: a YKC charger
 * moves from one instance to the other mid-transaction and back. The old instance still believes
 * its charger is connected (the switch leaves its side open), so the handover goes through the
 * takeover request, which the old instance grants under `duplicateLogin: replace` because the
 * newcomer comes from the live connection's address (the switch's); the last move is a clean hang-up, after which the old instance releases the
 * lease by itself. At no moment does the CSMS see two OCPP connections for the station, and the
 * transaction continues on each new instance with continuous seqNo.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { cleanupServe, distinctBySeqNo, expectCleanOcpp, PASSWORD, reconnect, startServe, TcpSwitch, txEvents, type ServeProcess } from './fleet-support.js';

const PILE = '32010200000081';

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let sim: YkcChargerSimulator | undefined;
let lb: TcpSwitch | undefined;

afterEach(async () => {
  sim?.close();
  await cleanupServe();
  await lb?.close();
  await csms?.close();
  await redis?.dispose();
  sim = csms = redis = lb = undefined;
});

const msgs = (g: ServeProcess, msg: string): Record<string, unknown>[] => g.logs().filter((l) => l['msg'] === msg);

/** Moves the charger to `to`: the switch routes new connections there and drops the charger side (or both, `clean`). */
async function move(s: YkcChargerSimulator, sw: TcpSwitch, to: ServeProcess, clean = false): Promise<void> {
  sw.target = to.port;
  sw.cut(clean);
  await until(() => !s.connected, 'the charger to notice', 5_000);
  await reconnect(s);
}

/** Asks the station (on whichever instance runs it now) for a TransactionEvent Updated; waits for the `n`th event. */
async function trigger(c: TestCsms, n: number): Promise<void> {
  const client = await c.client(PILE);
  await until(() => client.state === 1, 'the newest OCPP connection open', 10_000);
  expect(await client.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
  await until(() => txEvents(c, PILE).length >= n, `TransactionEvent #${n}`, 10_000);
  expect(txEvents(c, PILE).at(-1)).toMatchObject({ eventType: 'Updated', triggerReason: 'Trigger', seqNo: n - 1 });
}

describe('fleet: two instances, one Redis', () => {
  it('a charger moving between instances never has two OCPP connections and its transaction continues', async () => {
    redis = await startRedisServer();
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    const [a, b] = await Promise.all([
      startServe({ csmsUrl: csms.url, redisUrl: redis.url, instanceId: 'gw-a', leaseTtlMs: 3000, duplicateLogin: 'replace' }),
      startServe({ csmsUrl: csms.url, redisUrl: redis.url, instanceId: 'gw-b', leaseTtlMs: 3000, duplicateLogin: 'replace' }),
    ]);
    lb = await TcpSwitch.start();
    lb.target = a.port;
    sim = new YkcChargerSimulator({ host: '127.0.0.1', port: lb.port, pileCode: PILE, realTimeIntervalMs: 200, recordResendMs: 1000, heartbeatIntervalMs: 1000 });
    await reconnect(sim);
    await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification', 20_000);
    const confirm = await sim.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    await until(() => txEvents(csms as TestCsms, PILE).some((e) => e.eventType === 'Started'), 'Started at the CSMS', 15_000);

    // To B, while A still holds the station: B asks, A hands over, then B connects.
    await move(sim, lb, b);
    await until(() => msgs(b, 'station engine started').length === 1, 'the engine on B', 30_000);
    await until(() => msgs(a, 'takeover requested by another instance: handing the station over').length === 1, 'A to log the handover', 5_000);
    expect(msgs(b, 'ownership lease acquired')[0]).toMatchObject({ station: PILE, from: 'gw-a' });
    const logins = (): number => csms?.authAttempts.filter((x) => x.identity === PILE && x.passwordOk).length ?? 0;
    await until(() => logins() === 2 && csms?.openConnections.get(PILE) === 1, 'B connected to the CSMS', 15_000);
    await trigger(csms, 2);

    // And back to A.
    await move(sim, lb, a);
    await until(() => msgs(a, 'station engine started').length === 2, 'the engine on A again', 30_000);
    expect(msgs(a, 'ownership lease acquired').at(-1)).toMatchObject({ station: PILE, from: 'gw-b' });
    await until(() => logins() === 3 && csms?.openConnections.get(PILE) === 1, 'A connected to the CSMS again', 15_000);
    await trigger(csms, 3);

    // To B again, this time hanging up properly: A sees the charger go and releases the lease itself.
    await move(sim, lb, b, true);
    await until(() => msgs(b, 'station engine started').length === 2, 'the engine on B again', 30_000);
    await until(() => msgs(a, 'ownership lease released').some((l) => l['reason'] === 'charger disconnected'), 'A to release the lease', 10_000);
    expect(msgs(a, 'takeover requested by another instance: handing the station over')).toHaveLength(1);
    await until(() => logins() === 4 && csms?.openConnections.get(PILE) === 1, 'B connected to the CSMS again', 15_000);
    await trigger(csms, 4);

    const txn = sim.stopCharging(1, 0x45);
    expect(txn).toBe(confirm.transactionNo);
    await until(() => sim?.confirmed.includes(confirm.transactionNo) === true, 'the record confirmed', 20_000);
    await until(() => txEvents(csms as TestCsms, PILE).some((e) => e.eventType === 'Ended'), 'Ended at the CSMS', 20_000);

    expect(csms.maxOpenConnections.get(PILE)).toBe(1);
    const events = distinctBySeqNo(txEvents(csms, PILE));
    expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
    expect(new Set(events.map((e) => e.transactionInfo.transactionId)).size).toBe(1);
    expect(events.map((e) => e.eventType)).toEqual(['Started', 'Updated', 'Updated', 'Updated', 'Ended']);
    expect(events.at(-1)).toMatchObject({ eventType: 'Ended', customData: { legacyTransactionId: confirm.transactionNo } });
    expect(events.filter((e) => e.eventType === 'Started')).toHaveLength(1);
    expectCleanOcpp(csms);
  }, 150_000);

  it('a hand-over while a TransactionEvent waits for a slow CSMS: the old instance closes only once it is answered, so no seqNo is sent twice', async () => {
    redis = await startRedisServer();
    csms = await startCsms({ passwords: { [PILE]: PASSWORD }, replyDelayMs: { TransactionEvent: 5_000 } });
    const [a, b] = await Promise.all([
      startServe({ csmsUrl: csms.url, redisUrl: redis.url, instanceId: 'gw-a', leaseTtlMs: 3000, duplicateLogin: 'replace' }),
      startServe({ csmsUrl: csms.url, redisUrl: redis.url, instanceId: 'gw-b', leaseTtlMs: 3000, duplicateLogin: 'replace' }),
    ]);
    lb = await TcpSwitch.start();
    lb.target = a.port;
    sim = new YkcChargerSimulator({ host: '127.0.0.1', port: lb.port, pileCode: PILE, realTimeIntervalMs: 200, recordResendMs: 1000, heartbeatIntervalMs: 1000 });
    await reconnect(sim);
    await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification', 20_000);
    expect((await sim.swipeCard(1, 'D14B0A54')).authResult).toBe(1);
    // The Started event is written and waits 5 s for its answer: the charger moves to B meanwhile.
    await until(() => txEvents(csms as TestCsms, PILE).some((e) => e.eventType === 'Started'), 'Started at the CSMS', 15_000);
    await move(sim, lb, b);
    await until(() => msgs(a, 'takeover requested by another instance: handing the station over').length === 1, 'A to hand over', 30_000);
    await until(() => csms?.openConnections.get(PILE) === 1 && msgs(b, 'station engine started').length === 1, 'B connected to the CSMS', 30_000);
    await trigger(csms, 2);

    expect(csms.maxOpenConnections.get(PILE)).toBe(1);
    const sent = txEvents(csms, PILE).map((e) => e.seqNo);
    // Each seqNo exactly once (no resend of an answered event), and every one answered on an open connection.
    expect(sent).toEqual([0, 1]);
    const calls = csms.calls.filter((c) => c.identity === PILE && c.action === 'TransactionEvent');
    await until(() => calls.every((c) => csms?.answered.has(c.messageId) === true), 'every TransactionEvent answered', 20_000);
    // The Started on A's connection, the Updated on B's.
    expect(new Set(calls.map((c) => c.connection)).size).toBe(2);
    expectCleanOcpp(csms);
  }, 150_000);
});
