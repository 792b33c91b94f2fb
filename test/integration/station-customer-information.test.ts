/**
 * CustomerInformation (N09 report, N10 clear) against ocpp-rpc's strict RPCServer: the answer,
 * then NotifyCustomerInformation in parts (requestId, seqNo from 0, tbc on all but the last), and
 * on clear the cached authorization removed while the Local Authorization List and undelivered
 * TransactionEvents are kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_CACHE_KEY } from '../../src/station/authorization/auth-cache.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

async function booted(c: TestCsms, id: string, preset: Record<string, string> = {}): Promise<TestStation> {
  const s = await createStation({ id, url: c.url, preset });
  stations.push(s);
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted' && s.engine.connectionState === 'open', 'accepted', 10_000);
  return s;
}

async function swipe(s: TestStation, id: string): Promise<boolean> {
  const n = s.commands.filter((c) => c.type === 'authorize').length;
  s.engine.chargerEvent({ type: 'authorizationRequest', connector: 1, idToken: { id, type: 'card' }, requestId: id });
  await until(() => s.commands.filter((c) => c.type === 'authorize').length > n, `the answer for ${id}`, 8_000);
  const a = s.commands.filter((c) => c.type === 'authorize')[n];
  return a?.type === 'authorize' && a.accepted;
}

/** The NotifyCustomerInformation messages of `requestId`, once the one without tbc came. */
async function notified(c: TestCsms, requestId: number): Promise<Record<string, unknown>[]> {
  const mine = (x: StationCall): boolean => x.action === 'NotifyCustomerInformation' && x.params['requestId'] === requestId;
  await c.waitForCall((x) => mine(x) && x.params['tbc'] !== true, 10_000);
  return c.calls.filter(mine).map((x) => x.params);
}

const token = (idToken: string) => ({ idToken, type: 'ISO14443' as const });

describe('CustomerInformation', () => {
  it('answers Invalid without exactly one customer reference, Rejected with neither report nor clear', async () => {
    csms = await startCsms();
    await booted(csms, 'CS-CUST-ANS');
    const client = await csms.client('CS-CUST-ANS');
    expect(await client.call('CustomerInformation', { requestId: 1, report: true, clear: false })).toMatchObject({ status: 'Invalid', statusInfo: { reasonCode: 'InvalidValue' } });
    expect(await client.call('CustomerInformation', { requestId: 2, report: true, clear: false, idToken: token('A'), customerIdentifier: 'someone' })).toMatchObject({ status: 'Invalid' });
    expect(await client.call('CustomerInformation', { requestId: 3, report: false, clear: false, idToken: token('A') })).toMatchObject({ status: 'Rejected' });
    // Customer identifiers and certificates: nothing held, said so.
    expect(await client.call('CustomerInformation', { requestId: 4, report: true, clear: true, customerIdentifier: 'OpenChargeAlliance' })).toEqual({ status: 'Accepted' });
    const [only] = await notified(csms, 4);
    expect(only).toMatchObject({ seqNo: 0, requestId: 4 });
    expect(only?.['tbc']).toBeUndefined();
    expect(String(only?.['data'])).toMatch(/^No data found/);
    const cert = { hashAlgorithm: 'SHA256', issuerNameHash: 'a'.repeat(64), issuerKeyHash: 'b'.repeat(64), serialNumber: '01' } as const;
    expect(await client.call('CustomerInformation', { requestId: 5, report: true, clear: false, customerCertificate: cert })).toEqual({ status: 'Accepted' });
    expect(String((await notified(csms, 5))[0]?.['data'])).toMatch(/no ISO 15118 certificates/);
    expect(csms.calls.filter((x) => x.action === 'NotifyCustomerInformation')).toHaveLength(2);
  }, 30_000);

  it('reports the cached authorization and the undelivered TransactionEvents of a token in several parts', async () => {
    csms = await startCsms();
    const c = csms;
    const id = 'CS-CUST-REPORT';
    const s = await booted(c, id);
    expect(await swipe(s, 'CUSTOMER-1')).toBe(true);
    const client = await c.client(id);
    // Hold the CSMS's answer to the first TransactionEvent: the station's events wait in its queue.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    client.handle('TransactionEvent', async () => {
      await gate;
      return {};
    });
    const at = new Date().toISOString();
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-1', at, idToken: { id: 'CUSTOMER-1', type: 'card' }, meterStartWh: 100 });
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 2, legacyTransactionId: 'L-2', at, idToken: { id: 'CUSTOMER-1', type: 'card' }, meterStartWh: 200 });
    await c.waitForCall((x) => x.action === 'TransactionEvent', 10_000);
    await s.engine.eventsHandled();
    expect(await s.engine.queuedTransactionEvents()).toBe(2);

    expect(await client.call('CustomerInformation', { requestId: 42, report: true, clear: false, idToken: token('customer-1') })).toEqual({ status: 'Accepted' });
    release();
    const msgs = await notified(c, 42);
    expect(msgs.map((m) => [m['seqNo'], m['tbc']])).toEqual([
      [0, true],
      [1, true],
      [2, undefined],
    ]);
    expect(msgs.every((m) => typeof m['generatedAt'] === 'string' && String(m['data']).length <= 512)).toBe(true);
    expect(String(msgs[0]?.['data'])).toMatch(/^Authorization cache: status Accepted, last used /);
    expect(String(msgs[1]?.['data'])).toMatch(/^TransactionEvent not yet delivered: transactionId .*, eventType Started, seqNo 0, .*evse 1\.$/);
    expect(String(msgs[2]?.['data'])).toMatch(/evse 2\.$/);
    await s.engine.settled();
    // A report alone clears nothing.
    expect(await s.store.get(id, AUTH_CACHE_KEY)).toBeDefined();
  }, 30_000);

  it('clear removes the cached authorization, keeps the Local Authorization List entry, and reports what it did', async () => {
    csms = await startCsms();
    const c = csms;
    const id = 'CS-CUST-CLEAR';
    const s = await booted(c, id, { 'AuthCtrlr.LocalPreAuthorize': 'true' });
    const client = await c.client(id);
    expect(await client.call('SendLocalList', { versionNumber: 3, updateType: 'Full', localAuthorizationList: [{ idToken: token('LISTED'), idTokenInfo: { status: 'Accepted' } }] })).toEqual({
      status: 'Accepted',
    });
    expect(await swipe(s, 'CACHED')).toBe(true);
    await s.engine.settled();

    expect(await client.call('CustomerInformation', { requestId: 7, report: true, clear: true, idToken: token('CACHED') })).toEqual({ status: 'Accepted' });
    const [cleared] = await notified(c, 7);
    expect(String(cleared?.['data'])).toMatch(/^Authorization cache: status Accepted, .*; removed\.$/);
    await s.engine.settled();
    expect(await s.store.get(id, AUTH_CACHE_KEY)).toBeUndefined();
    // Gone from the cache: the CSMS is asked again.
    const asked = c.calls.filter((x) => x.action === 'Authorize').length;
    expect(await swipe(s, 'CACHED')).toBe(true);
    expect(c.calls.filter((x) => x.action === 'Authorize')).toHaveLength(asked + 1);

    expect(await client.call('CustomerInformation', { requestId: 8, report: true, clear: true, idToken: token('LISTED') })).toEqual({ status: 'Accepted' });
    expect(String((await notified(c, 8))[0]?.['data'])).toBe('Local Authorization List (version 3): ISO14443 LISTED, status Accepted; kept: only the CSMS changes the list (SendLocalList).');
    expect(await client.call('GetLocalListVersion', {})).toEqual({ versionNumber: 3 });
    expect(await swipe(s, 'LISTED')).toBe(true);

    // Clear without report: one message saying it was done; nothing held: one saying so.
    expect(await client.call('CustomerInformation', { requestId: 9, report: false, clear: true, idToken: token('CACHED') })).toEqual({ status: 'Accepted' });
    expect((await notified(c, 9)).map((m) => m['data'])).toEqual([
      'Customer data for idToken ISO14443 CACHED cleared (the Local Authorization List and TransactionEvents not yet delivered are kept).',
    ]);
    expect(await client.call('CustomerInformation', { requestId: 10, report: true, clear: true, idToken: token('CACHED') })).toEqual({ status: 'Accepted' });
    expect((await notified(c, 10)).map((m) => m['data'])).toEqual(['No data found: the station holds nothing for idToken ISO14443 CACHED.']);
  }, 30_000);
});
