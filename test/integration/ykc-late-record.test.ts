/**
 * A YKC pile that reports real-time data (0x13) of its next session on a gun before the record
 * (0x3B) of the previous one, over real TCP (a raw peer whose frames are built from the protocol's
 * field layouts), the whole gateway on a real Redis, and ocpp-rpc's strict RPCServer as the CSMS:
 * the record decides the previous transaction's figures. Within the wait for it the previous
 * transaction stays open and the next one starts after its Ended; past the wait the previous one
 * ends on its last real-time figures, marked `recordPending`, and a record coming later corrects it
 * with a second Ended — queued before the pile gets its 0x40.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';
import { bcd, cp56, crc16Modbus, YkcRawPeer } from '../support/ykc-raw-peer.js';

interface Sample {
  value: number;
  context?: string;
  measurand?: string;
}
interface TxEvent {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  seqNo: number;
  triggerReason: string;
  offline?: boolean;
  transactionInfo: { transactionId: string; stoppedReason?: string };
  meterValue?: { timestamp: string; sampledValue: Sample[] }[];
  customData?: Record<string, unknown>;
}

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let gw: YkcGateway | undefined;
let peer: YkcRawPeer | undefined;
let dir: string | undefined;

afterEach(async () => {
  peer?.close();
  await gw?.gateway.stop();
  await csms?.close();
  await redis?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  peer = gw = csms = redis = dir = undefined;
});

const events = (c: TestCsms, pile: string): TxEvent[] => c.calls.filter((x) => x.identity === pile && x.action === 'TransactionEvent').map((x) => x.params as unknown as TxEvent);
const ofTx = (c: TestCsms, pile: string, id: string): TxEvent[] => events(c, pile).filter((e) => e.transactionInfo.transactionId === id);
/** The Transaction.End energy of an Ended event, Wh. */
const meterStop = (e: TxEvent | undefined): number | undefined =>
  e?.meterValue?.flatMap((m) => m.sampledValue).find((s) => s.context === 'Transaction.End' && (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')?.value;

/** Starts Redis, the strict CSMS and the gateway (YKC options `options`, if any), and logs `pile` in. */
async function setUp(pile: string, options?: Record<string, unknown>): Promise<{ c: TestCsms; p: YkcRawPeer }> {
  redis = await startRedisServer();
  csms = await startCsms({ passwords: { [pile]: YKC_PASSWORD } });
  let file: string | undefined;
  if (options !== undefined) {
    dir = await mkdtemp(join(tmpdir(), 'pilegate-ykc-'));
    file = join(dir, 'ykc.json');
    await writeFile(file, JSON.stringify(options));
  }
  gw = await startYkcGateway(csms.url, `{ redis: ${JSON.stringify(redis.url)} }`, {}, file);
  peer = await YkcRawPeer.login(gw.port, pile);
  // The gun's state comes with real-time data, as a pile sends it after login.
  peer.realTime({ transactionNo: '0', status: 2, energyKwh: 0 });
  await csms.waitForCall((x) => x.identity === pile && x.action === 'StatusNotification', 10_000);
  return { c: csms, p: peer };
}

/** A serial as the pile makes them: pile (14) + gun (2) + yyMMddHHmmss (12) + counter (4). */
const serial = (pile: string, n: number): string => `${pile}01261125160000${String(n).padStart(4, '0')}`;

describe('the raw YKC peer', () => {
  it('builds frames as the public samples print them (CRC of the spec 0x02 sample, docs/protocols/ykc.md §8.1, CP56 of a public record)', () => {
    // 68 0C 00 00 00 02 55 03 14 12 78 23 05 00 DA 4C: CRC over sequence..body, low byte first.
    const inner = Buffer.from([0x00, 0x00, 0x00, 0x02, 0x55, 0x03, 0x14, 0x12, 0x78, 0x23, 0x05, 0x00]);
    expect(crc16Modbus(inner)).toBe(0x4cda);
    // A public record's start time: B0 36 04 11 6D 0C 17 = 2023-12-13 17:04:14 Shanghai (Wednesday).
    expect(cp56(Date.UTC(2023, 11, 13, 9, 4, 14)).toString('hex')).toBe('b03604116d0c17');
    expect(bcd('20231212000010', 7).toString('hex')).toBe('20231212000010');
  });
});

describe('YKC: the record of a session comes after the next session started on the gun', () => {
  it('the record decides the previous transaction (its energy, a normal stop); the next one starts after its Ended', async () => {
    const pile = '32010200000091';
    const { c, p } = await setUp(pile);
    const a = serial(pile, 1);
    const b = serial(pile, 2);
    const startA = Date.now() - 60_000;

    p.realTime({ transactionNo: a, status: 3, energyKwh: 0.0052 });
    const startedA = await c.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && (x.params as unknown as TxEvent).eventType === 'Started', 10_000);
    const txA = (startedA.params as unknown as TxEvent).transactionInfo.transactionId;
    p.realTime({ transactionNo: a, status: 3, energyKwh: 0.0117 });
    await new Promise((r) => setTimeout(r, 300));
    const endA = Date.now() - 50;
    // The pile starts its next session and reports it before it sends the previous session's record.
    p.realTime({ transactionNo: b, status: 3, energyKwh: 0 });
    await new Promise((r) => setTimeout(r, 1_000));
    p.realTime({ transactionNo: b, status: 3, energyKwh: 0.0021 });
    p.record({ transactionNo: a, startMs: startA, endMs: endA, totalEnergyKwh: 0.0244, totalAmountYuan: 0.0342, stopReason: 0x41 });

    await p.waitFor((f) => f.type === 0x40 && f.body.subarray(0, 16).toString('hex') === a, 10_000);
    await until(() => events(c, pile).some((e) => e.eventType === 'Started' && e.transactionInfo.transactionId !== txA), 'the next transaction Started', 10_000);

    const ofA = ofTx(c, pile, txA);
    const ended = ofA.filter((e) => e.eventType === 'Ended');
    expect(ended).toHaveLength(1);
    expect(meterStop(ended[0])).toBe(24.4);
    expect(ended[0]?.transactionInfo.stoppedReason).toBe('SOCLimitReached');
    expect(ended[0]?.customData).toMatchObject({ legacyTransactionId: a, legacyStopReason: 0x41 });
    expect(ended[0]?.customData?.['recordPending']).toBeUndefined();
    expect(ofA.map((e) => e.seqNo)).toEqual(ofA.map((_, i) => i));
    // One transaction per EVSE at a time: the next one's Started comes after the previous one's
    // Ended, and its time is not before the previous one's end.
    const all = events(c, pile);
    const startedB = all.find((e) => e.eventType === 'Started' && e.transactionInfo.transactionId !== txA);
    expect(all.indexOf(startedB as TxEvent)).toBeGreaterThan(all.indexOf(ended[0] as TxEvent));
    expect(Date.parse(startedB?.timestamp ?? '')).toBeGreaterThanOrEqual(Date.parse(ended[0]?.timestamp ?? ''));
    expect(c.strictFailures).toEqual([]);
    expect(c.errorsSent).toEqual([]);
  });

  it('past the wait: the previous transaction ends on its last real-time figures (recordPending), the next one starts; a record coming later corrects it, queued before its 0x40', async () => {
    const pile = '32010200000092';
    const { c, p } = await setUp(pile, { recordWaitMs: 1_000 });
    const a = serial(pile, 1);
    const b = serial(pile, 2);
    const startA = Date.now() - 60_000;

    p.realTime({ transactionNo: a, status: 3, energyKwh: 0.0117 });
    const startedA = await c.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && (x.params as unknown as TxEvent).eventType === 'Started', 10_000);
    const txA = (startedA.params as unknown as TxEvent).transactionInfo.transactionId;
    const endA = Date.now() - 50;
    p.realTime({ transactionNo: b, status: 3, energyKwh: 0 });

    // No record within the wait: Ended on the last real-time energy, marked provisional, then Started.
    await until(() => events(c, pile).some((e) => e.eventType === 'Started' && e.transactionInfo.transactionId !== txA), 'the next transaction Started', 10_000);
    const provisional = ofTx(c, pile, txA).filter((e) => e.eventType === 'Ended');
    expect(provisional).toHaveLength(1);
    expect(meterStop(provisional[0])).toBe(11.7);
    expect(provisional[0]?.transactionInfo.stoppedReason).toBe('Other');
    expect(provisional[0]?.triggerReason).toBe('AbnormalCondition');
    expect(provisional[0]?.customData).toMatchObject({ legacyTransactionId: a, recordPending: true });
    const all = events(c, pile);
    const startedB = all.find((e) => e.eventType === 'Started' && e.transactionInfo.transactionId !== txA);
    expect(all.indexOf(startedB as TxEvent)).toBeGreaterThan(all.indexOf(provisional[0] as TxEvent));

    // The CSMS goes away; the record comes late and is confirmed: its correction must be in the store.
    const port = c.port;
    await c.close();
    p.record({ transactionNo: a, startMs: startA, endMs: endA, totalEnergyKwh: 0.0244, totalAmountYuan: 0.0342, stopReason: 0x41 });
    await p.waitFor((f) => f.type === 0x40 && f.body.subarray(0, 16).toString('hex') === a, 10_000);
    p.close();
    await gw?.gateway.stop();
    // A new CSMS at the same address and a new gateway on the same Redis: the queued correction arrives.
    csms = await startCsms({ passwords: { [pile]: YKC_PASSWORD }, port });
    gw = await startYkcGateway(csms.url, `{ redis: ${JSON.stringify(redis?.url)} }`, {}, join(dir ?? '', 'ykc.json'));
    peer = await YkcRawPeer.login(gw.port, pile);
    const c2 = csms;
    await until(() => ofTx(c2, pile, txA).some((e) => e.eventType === 'Ended'), 'the correction', 15_000);
    const correction = ofTx(c2, pile, txA).filter((e) => e.eventType === 'Ended');
    expect(correction).toHaveLength(1);
    expect(correction[0]?.seqNo).toBe((provisional[0]?.seqNo ?? -1) + 1);
    expect(meterStop(correction[0])).toBe(24.4);
    expect(correction[0]?.transactionInfo.stoppedReason).toBe('SOCLimitReached');
    expect(correction[0]?.offline).toBe(true);
    expect(correction[0]?.customData).toMatchObject({ legacyTransactionId: a, legacyStopReason: 0x41, correction: true });
    expect(c2.strictFailures).toEqual([]);
    expect(c2.errorsSent).toEqual([]);
  });

  it('a record that never comes: the previous transaction is ended once, on its last real-time figures, and the gun goes on', async () => {
    const pile = '32010200000093';
    const { c, p } = await setUp(pile, { recordWaitMs: 500 });
    const a = serial(pile, 1);
    const b = serial(pile, 2);
    p.realTime({ transactionNo: a, status: 3, energyKwh: 0.0117 });
    const startedA = await c.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && (x.params as unknown as TxEvent).eventType === 'Started', 10_000);
    const txA = (startedA.params as unknown as TxEvent).transactionInfo.transactionId;
    p.realTime({ transactionNo: b, status: 3, energyKwh: 0 });
    await until(() => events(c, pile).some((e) => e.eventType === 'Started' && e.transactionInfo.transactionId !== txA), 'the next transaction Started', 10_000);
    p.realTime({ transactionNo: b, status: 3, energyKwh: 0.003 });
    await new Promise((r) => setTimeout(r, 1_000));
    const ended = ofTx(c, pile, txA).filter((e) => e.eventType === 'Ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]?.customData).toMatchObject({ recordPending: true });
    expect(p.confirmations()).toEqual([]);
    expect(c.strictFailures).toEqual([]);
  });
});
