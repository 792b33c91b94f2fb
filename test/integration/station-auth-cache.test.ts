/**
 * The Authorization Cache (C10-C12) and ClearCache against ocpp-rpc's strict RPCServer: the cache
 * is filled from AuthorizeResponse and TransactionEventResponse, used offline and for
 * LocalPreAuthorize the way the AuthCacheCtrlr variables say, bounded by Storage's maxLimit, and
 * kept across an engine restart on a real redis-server.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AuthorizationRequestEvent } from '../../src/model/events.js';
import { RedisStore } from '../../src/store/redis.js';
import { AUTH_CACHE_KEY } from '../../src/station/authorization/auth-cache.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];
let redis: TestRedisServer | undefined;

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

afterAll(async () => {
  await redis?.dispose();
});

const card = (id: string): AuthorizationRequestEvent['idToken'] => ({ id, type: 'card' });

/** Swipes `id` on connector 1 and resolves with the station's answer to the charger. */
async function swipe(s: TestStation, id: string): Promise<{ accepted: boolean; reason: string }> {
  const n = s.commands.filter((c) => c.type === 'authorize').length;
  s.engine.chargerEvent({ type: 'authorizationRequest', connector: 1, idToken: card(id), requestId: id });
  await until(() => s.commands.filter((c) => c.type === 'authorize').length > n, `the answer for ${id}`, 8_000);
  const answer = s.commands.filter((c) => c.type === 'authorize')[n];
  if (answer?.type !== 'authorize') throw new Error('no answer');
  return { accepted: answer.accepted, reason: answer.reason ?? '' };
}

/** A station booted against `csms`, with `preset` variables. */
async function booted(c: TestCsms, id: string, preset: Record<string, string>, store?: TestStation['store']): Promise<TestStation> {
  const s = await createStation({ id, url: c.url, preset, ...(store !== undefined ? { store } : {}) });
  stations.push(s);
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted' && s.engine.connectionState === 'open', 'accepted', 10_000);
  return s;
}

/** Stops the CSMS and waits until the station sees it gone (the boot stays accepted). */
async function csmsGone(s: TestStation): Promise<void> {
  await s.engine.settled();
  const c = csms;
  csms = undefined;
  const failures = c?.strictFailures ?? [];
  const errors = c?.errorsSent ?? [];
  await c?.close();
  expect(failures).toEqual([]);
  expect(errors).toEqual([]);
  await until(() => s.engine.connectionState !== 'open', 'connection closed');
}

const authorizes = (c: TestCsms, token: string): number => c.calls.filter((x) => x.action === 'Authorize' && (x.params['idToken'] as { idToken: string }).idToken === token).length;

describe('Authorization Cache', () => {
  it('keeps every answer of the CSMS (Accepted and not) and uses it offline when LocalAuthorizeOffline is true', async () => {
    csms = await startCsms({ authorize: (_id, token) => (token === 'BLOCKED' ? 'Blocked' : 'Accepted') });
    const s = await booted(csms, 'CS-CACHE-OFF', { 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'false' });
    expect(await swipe(s, 'GOOD')).toEqual({ accepted: true, reason: 'Accepted' });
    expect(await swipe(s, 'BLOCKED')).toEqual({ accepted: false, reason: 'Blocked' });

    await csmsGone(s);
    expect(await swipe(s, 'GOOD')).toEqual({ accepted: true, reason: 'offline: Accepted in the authorization cache' });
    expect(await swipe(s, 'BLOCKED')).toEqual({ accepted: false, reason: 'offline: Blocked in the authorization cache' });
    expect(await swipe(s, 'NEVER-SEEN')).toEqual({ accepted: false, reason: 'offline: offline policy refuses' });
  }, 30_000);

  it('is not used offline when LocalAuthorizeOffline is false, nor filled or used when Enabled is false', async () => {
    csms = await startCsms();
    const s = await booted(csms, 'CS-CACHE-NOUSE', { 'AuthCtrlr.LocalAuthorizeOffline': 'false', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'false' });
    expect(await swipe(s, 'GOOD')).toMatchObject({ accepted: true });
    const client = await csms.client('CS-CACHE-NOUSE');
    expect(await client.call('SetVariables', { setVariableData: [{ component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }] })).toMatchObject({
      setVariableResult: [{ attributeStatus: 'Accepted' }],
    });
    expect(await swipe(s, 'OTHER')).toMatchObject({ accepted: true });
    expect(await client.call('SetVariables', { setVariableData: [{ component: { name: 'AuthCtrlr' }, variable: { name: 'LocalAuthorizeOffline' }, attributeValue: 'true' }] })).toMatchObject({
      setVariableResult: [{ attributeStatus: 'Accepted' }],
    });

    await csmsGone(s);
    // Disabled: neither the token cached before nor the one answered while disabled is used.
    expect(await swipe(s, 'GOOD')).toEqual({ accepted: false, reason: 'offline: offline policy refuses' });
    expect(await swipe(s, 'OTHER')).toEqual({ accepted: false, reason: 'offline: offline policy refuses' });
  }, 30_000);

  it('LocalPreAuthorize: a cached Accepted token starts without an AuthorizeRequest; another status is asked again unless DisablePostAuthorize', async () => {
    csms = await startCsms({ authorize: (_id, token) => (token === 'INVALID' ? 'Invalid' : 'Accepted') });
    const c = csms;
    const s = await booted(c, 'CS-CACHE-PRE', { 'AuthCtrlr.LocalPreAuthorize': 'true' });
    expect(await swipe(s, 'GOOD')).toEqual({ accepted: true, reason: 'Accepted' });
    expect(await swipe(s, 'INVALID')).toEqual({ accepted: false, reason: 'Invalid' });
    expect(await swipe(s, 'GOOD')).toEqual({ accepted: true, reason: 'Accepted (authorization cache)' });
    expect(authorizes(c, 'GOOD')).toBe(1);
    // C10.FR.03 / C12.FR.05: a cached Invalid is checked with the CSMS again.
    expect(await swipe(s, 'INVALID')).toEqual({ accepted: false, reason: 'Invalid' });
    expect(authorizes(c, 'INVALID')).toBe(2);

    const client = await c.client('CS-CACHE-PRE');
    await client.call('SetVariables', { setVariableData: [{ component: { name: 'AuthCacheCtrlr' }, variable: { name: 'DisablePostAuthorize' }, attributeValue: 'true' }] });
    expect(await swipe(s, 'INVALID')).toEqual({ accepted: false, reason: 'Invalid (authorization cache)' });
    expect(authorizes(c, 'INVALID')).toBe(2);
  }, 30_000);

  it('takes the idTokenInfo of a TransactionEventResponse (C10.FR.05)', async () => {
    csms = await startCsms();
    const s = await booted(csms, 'CS-CACHE-TX', { 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'true' });
    const client = await csms.client('CS-CACHE-TX');
    client.handle('TransactionEvent', async ({ params }) => ((params as { idToken?: unknown }).idToken !== undefined ? { idTokenInfo: { status: 'NoCredit' } } : {}));
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-1', at: new Date().toISOString(), idToken: card('PREPAID'), meterStartWh: 1000 });
    await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params['idToken'] !== undefined, 10_000);
    await s.engine.settled();

    await csmsGone(s);
    expect(await swipe(s, 'PREPAID')).toEqual({ accepted: false, reason: 'offline: NoCredit in the authorization cache' });
  }, 30_000);

  it('does not use an entry past its cacheExpiryDateTime or LifeTime', async () => {
    csms = await startCsms();
    const s = await booted(csms, 'CS-CACHE-EXP', { 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCacheCtrlr.LifeTime': '2' });
    const client = await csms.client('CS-CACHE-EXP');
    const soon = new Date(Date.now() + 1_000).toISOString();
    client.handle('Authorize', async ({ params }) => {
      const token = (params as { idToken: { idToken: string } }).idToken.idToken;
      if (token === 'SHORT') return { idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: soon } };
      if (token === 'PAST') return { idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: new Date(Date.now() - 60_000).toISOString() } };
      return { idTokenInfo: { status: 'Accepted' } };
    });
    for (const t of ['SHORT', 'PAST', 'IDLE', 'BUSY']) expect(await swipe(s, t)).toMatchObject({ accepted: true });
    await s.engine.settled();
    const stored = (await s.store.get('CS-CACHE-EXP', AUTH_CACHE_KEY)) as { e: unknown[][] };
    // An answer already past its cacheExpiryDateTime is not stored at all.
    expect(stored.e.map((e) => e[1]).sort()).toEqual(['BUSY', 'IDLE', 'SHORT']);

    await csmsGone(s);
    await new Promise((r) => setTimeout(r, 1_200));
    // BUSY is used within LifeTime, which keeps it alive; IDLE is not.
    expect(await swipe(s, 'BUSY')).toEqual({ accepted: true, reason: 'offline: Accepted in the authorization cache' });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await swipe(s, 'SHORT')).toEqual({ accepted: false, reason: 'offline: offline policy refuses' });
    expect(await swipe(s, 'IDLE')).toEqual({ accepted: false, reason: 'offline: offline policy refuses' });
    expect(await swipe(s, 'BUSY')).toEqual({ accepted: true, reason: 'offline: Accepted in the authorization cache' });
  }, 30_000);

  it('stays within Storage maxLimit by replacing the least recently used entry (LRU)', async () => {
    csms = await startCsms();
    const id = 'CS-CACHE-LRU';
    const s = await booted(csms, id, { 'AuthCtrlr.LocalPreAuthorize': 'true' });
    const client = await csms.client(id);
    const storage = async (): Promise<{ value: number; max: number }> => {
      const r = (await client.call('GetVariables', {
        getVariableData: [{ component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Storage' } }],
      })) as { getVariableResult: { attributeValue?: string }[] };
      const report = (await client.call('GetReport', { requestId: 7, componentVariable: [{ component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Storage' } }] })) as { status: string };
      expect(report.status).toBe('Accepted');
      const notify = await csms!.waitForCall((x) => x.action === 'NotifyReport' && x.params['requestId'] === 7);
      const data = notify.params['reportData'] as { variableCharacteristics?: { maxLimit?: number } }[];
      return { value: Number(r.getVariableResult[0]?.attributeValue), max: Number(data[0]?.variableCharacteristics?.maxLimit) };
    };
    const token = (i: number): string => `TOKEN-${String(i).padStart(4, '0')}-ABCDEFGHIJKLMNOPQRSTUVWXY`;
    const { max } = await storage();
    expect(max).toBe(8192);
    // Fill until the first entry had to make room; TOKEN-0001 is kept in use all along.
    let i = 0;
    for (;;) {
      await swipe(s, token(i));
      if (i > 1) expect(await swipe(s, token(1))).toEqual({ accepted: true, reason: 'Accepted (authorization cache)' });
      await s.engine.settled();
      const stored = (await s.store.get(id, AUTH_CACHE_KEY)) as { e: unknown[][] };
      expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(max);
      if (!stored.e.some((e) => e[1] === token(0))) break;
      i++;
      expect(i).toBeLessThan(200);
    }
    expect(i).toBeGreaterThan(20);
    const stored = (await s.store.get(id, AUTH_CACHE_KEY)) as { e: unknown[][] };
    expect(stored.e.map((e) => e[1])).toContain(token(1));
    expect(stored.e.map((e) => e[1])).toContain(token(2));
    expect((await storage()).value).toBe(Buffer.byteLength(JSON.stringify(stored)));
    // The replaced token is asked about again; the kept one is not.
    const before = authorizes(csms, token(0));
    expect(await swipe(s, token(0))).toEqual({ accepted: true, reason: 'Accepted' });
    expect(authorizes(csms, token(0))).toBe(before + 1);
  }, 90_000);

  it('ClearCache empties the cache (Accepted) and is Rejected while the cache is disabled', async () => {
    csms = await startCsms();
    const c = csms;
    const id = 'CS-CACHE-CLEAR';
    const s = await booted(c, id, { 'AuthCtrlr.LocalPreAuthorize': 'true' });
    await swipe(s, 'GOOD');
    await s.engine.settled();
    expect(await s.store.get(id, AUTH_CACHE_KEY)).toBeDefined();
    const client = await c.client(id);
    expect(await client.call('ClearCache', {})).toEqual({ status: 'Accepted' });
    expect(await s.store.get(id, AUTH_CACHE_KEY)).toBeUndefined();
    expect(await swipe(s, 'GOOD')).toEqual({ accepted: true, reason: 'Accepted' });
    expect(authorizes(c, 'GOOD')).toBe(2);

    await client.call('SetVariables', { setVariableData: [{ component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }] });
    expect(await client.call('ClearCache', {})).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'Disabled', additionalInfo: 'AuthCacheCtrlr.Enabled is false' } });
  }, 30_000);

  it('survives an engine restart on a real redis-server (and its restart)', async () => {
    redis = await startRedisServer();
    csms = await startCsms();
    const id = 'CS-CACHE-REDIS';
    const first = await booted(csms, id, { 'AuthCtrlr.LocalAuthorizeOffline': 'true' }, new RedisStore(redis.url));
    expect(await swipe(first, 'KEPT')).toEqual({ accepted: true, reason: 'Accepted' });
    await first.engine.settled();
    await first.engine.stop();
    stations.splice(stations.indexOf(first), 1);
    await first.store.close();
    await redis.restart();

    await csms.close();
    csms = undefined;
    const second = await createStation({ id, url: 'ws://127.0.0.1:9/ocpp', store: new RedisStore(redis.url), preset: { 'AuthCtrlr.LocalAuthorizeOffline': 'true' } });
    stations.push(second);
    const keys = await second.store.getAll(id, AUTH_CACHE_KEY);
    expect([...keys.keys()]).toEqual([AUTH_CACHE_KEY]);
    expect(await swipe(second, 'KEPT')).toEqual({ accepted: true, reason: 'offline: Accepted in the authorization cache' });
    await second.engine.stop();
    stations.splice(stations.indexOf(second), 1);
    await second.store.close();
  }, 40_000);
});
