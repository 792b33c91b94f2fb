/**
 * An implausible YKC record over real TCP (a raw peer whose frames are built from the protocol's
 * field layouts), the whole gateway on a real Redis, ocpp-rpc's strict RPCServer as the CSMS: the
 * forged record of a short session (999.99 kWh, 99,999.99 CNY) is held — never confirmed to the
 * pile, never a meterStop at the CSMS — reported once as a SecurityEventNotification and counted in
 * `pilegate_records_held_total`, however often the pile sends it; the transaction it claims to end
 * ends on its real-time figures, marked `recordPending`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';
import { YkcRawPeer } from '../support/ykc-raw-peer.js';

interface TxEvent {
  eventType: string;
  seqNo: number;
  transactionInfo: { transactionId: string; stoppedReason?: string };
  meterValue?: { sampledValue: { value: number; context?: string }[] }[];
  customData?: Record<string, unknown>;
}

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let gw: YkcGateway | undefined;
let peer: YkcRawPeer | undefined;

afterEach(async () => {
  peer?.close();
  await gw?.gateway.stop();
  await csms?.close();
  await redis?.dispose();
  peer = gw = csms = redis = undefined;
});

const PILE = '32010200000095';
const A = `${PILE}01261125160000` + '0001';
const B = `${PILE}01261125160000` + '0002';

/** Redis, the strict CSMS and the gateway; the pile logs in and charges session A: its transaction id. */
async function sessionA(): Promise<{ c: TestCsms; g: YkcGateway; p: YkcRawPeer; txA: string }> {
  redis = await startRedisServer();
  const c = (csms = await startCsms({ passwords: { [PILE]: YKC_PASSWORD } }));
  const g = (gw = await startYkcGateway(c.url, `{ redis: ${JSON.stringify(redis.url)} }`));
  const p = (peer = await YkcRawPeer.login(g.port, PILE));
  p.realTime({ transactionNo: '0', status: 2, energyKwh: 0 });
  await c.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification', 10_000);
  p.realTime({ transactionNo: A, status: 3, energyKwh: 0.0117 });
  const started = await c.waitForCall((x) => x.identity === PILE && x.action === 'TransactionEvent', 10_000);
  return { c, g, p, txA: (started.params as unknown as TxEvent).transactionInfo.transactionId };
}

describe('YKC: an implausible transaction record', () => {
  it('the forged record (999.99 kWh, 99,999.99 CNY in a minute) is held: not confirmed, never a meterStop, reported once, counted', async () => {
    const { c, g, p, txA } = await sessionA();
    const now = Date.now();
    const forged = { transactionNo: A, startMs: now - 60_000, endMs: now, totalEnergyKwh: 999.99, totalAmountYuan: 99_999.99, stopReason: 0x45 };
    p.record(forged);
    const security = await c.waitForCall((x) => x.identity === PILE && x.action === 'SecurityEventNotification' && x.params['type'] === 'ImplausibleTransactionRecord', 10_000);
    expect(String(security.params['techInfo'])).toContain(A);
    // The pile sends it again, as piles do without a 0x40; then a plausible record of another session.
    p.record(forged);
    p.record(forged);
    p.record({ transactionNo: B, startMs: now - 30_000, endMs: now - 20_000, totalEnergyKwh: 0.01, totalAmountYuan: 0.014, stopReason: 0x45 });
    await p.waitFor((f) => f.type === 0x40 && f.body.subarray(0, 16).toString('hex') === B, 10_000);
    await until(
      () =>
        c.calls.some((x) => x.action === 'TransactionEvent' && (x.params as unknown as TxEvent).customData?.['legacyTransactionId'] === B && (x.params as unknown as TxEvent).eventType === 'Ended'),
      'the plausible record billed',
      10_000,
    );

    // Never confirmed, never billed.
    expect(p.confirmations().map((x) => x.transactionNo)).toEqual([B]);
    const events = c.calls.filter((x) => x.identity === PILE && x.action === 'TransactionEvent').map((x) => x.params as unknown as TxEvent);
    const stops = events
      .flatMap((e) => e.meterValue ?? [])
      .flatMap((m) => m.sampledValue)
      .filter((v) => v.context === 'Transaction.End')
      .map((v) => v.value);
    expect(stops).not.toContain(999_990);
    expect(Math.max(...stops)).toBeLessThan(100);
    // The transaction it claims to end ends on its real-time figures, marked as waiting for its record.
    const endedA = events.filter((e) => e.transactionInfo.transactionId === txA && e.eventType === 'Ended');
    expect(endedA).toHaveLength(1);
    expect(endedA[0]?.customData).toMatchObject({ legacyTransactionId: A, recordPending: true });
    expect(endedA[0]?.meterValue?.flatMap((m) => m.sampledValue).find((v) => v.context === 'Transaction.End')?.value).toBe(11.7);
    // Reported once, counted once.
    expect(c.calls.filter((x) => x.action === 'SecurityEventNotification' && x.params['type'] === 'ImplausibleTransactionRecord')).toHaveLength(1);
    const metrics = await (await fetch(`http://127.0.0.1:${g.gateway.httpPort ?? 0}/metrics`)).text();
    expect(metrics).toMatch(/^pilegate_records_held_total\{reason="energy"\} 1$/m);
    expect(metrics).toMatch(/^pilegate_records_held_total\{reason="tariff"\} 0$/m);
    expect(g.lines().some((l) => l['msg'] === 'transaction record held: implausible, not confirmed to the charger and not billed' && l['legacyTransactionId'] === A)).toBe(true);
    expect(c.strictFailures).toEqual([]);
    expect(c.errorsSent).toEqual([]);
  });

  it('held on a later connection than the one its session started on: the transaction the station keeps open for it ends (recordPending), once', async () => {
    const { c, g, p: first, txA } = await sessionA();
    // The pile's connection drops; it logs in again and sends the forged record of that session.
    first.close();
    await new Promise((r) => setTimeout(r, 300));
    const p = (peer = await YkcRawPeer.login(g.port, PILE));
    const now = Date.now();
    const forged = { transactionNo: A, startMs: now - 60_000, endMs: now, totalEnergyKwh: 999.99, totalAmountYuan: 99_999.99, stopReason: 0x45 };
    p.record(forged);
    await c.waitForCall((x) => x.identity === PILE && x.action === 'SecurityEventNotification' && x.params['type'] === 'ImplausibleTransactionRecord', 10_000);
    p.record(forged);
    const ofA = (): TxEvent[] =>
      c.calls
        .filter((x) => x.identity === PILE && x.action === 'TransactionEvent')
        .map((x) => x.params as unknown as TxEvent)
        .filter((e) => e.transactionInfo.transactionId === txA);
    await until(() => ofA().some((e) => e.eventType === 'Ended'), 'the held session ended', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const endedA = ofA().filter((e) => e.eventType === 'Ended');
    expect(endedA).toHaveLength(1);
    expect(endedA[0]?.customData).toMatchObject({ legacyTransactionId: A, recordPending: true });
    expect(endedA[0]?.transactionInfo.stoppedReason).toBe('Other');
    // On the last figure of the session the station had queued (this connection never saw it), not the record's.
    const before = ofA()
      .filter((e) => e.eventType !== 'Ended')
      .flatMap((e) => e.meterValue ?? [])
      .flatMap((m) => m.sampledValue)
      .map((v) => v.value);
    expect(endedA[0]?.meterValue?.flatMap((m) => m.sampledValue).find((v) => v.context === 'Transaction.End')?.value).toBe(before.at(-1));
    expect(p.confirmations()).toEqual([]);
    expect(c.strictFailures).toEqual([]);
    expect(c.errorsSent).toEqual([]);
  });
});
