/**
 * Network profiles (B09/B10, A05) against ocpp-rpc's strict RPCServer, two of them standing for two
 * CSMS endpoints: SetNetworkProfile answers, NetworkConfigurationPriority + Reset moving the station
 * to another CSMS, the fall-back to the next slot after NetworkProfileConnectionAttempts failed
 * attempts, the security profile raised by a TLS slot and never lowered again, and slots, priority
 * and profile kept across an engine restart on a real redis-server. No log line holds the password.
 */
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { RedisStore } from '../../src/store/redis.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { CONFIRM_ALL, createStation, endStrict, PASSWORD, until, type TestStation } from '../support/station.js';

const NEW_PASSWORD = 'network-profile-new-pw-77';
const csmss: TestCsms[] = [];
const stations: TestStation[] = [];
const allLogs: string[] = [];
let redis: TestRedisServer | undefined;
let tls: { ca: string; cert: string; key: string };

beforeAll(async () => {
  const ca = await generate([{ name: 'commonName', value: 'network profile test root' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', ca: { cert: ca.cert, key: ca.private } });
  tls = { ca: ca.cert, cert: leaf.cert, key: leaf.private };
});

afterEach(async () => {
  for (const s of stations) allLogs.push(...s.logs.map((l) => JSON.stringify(l)));
  const stores = stations.map((s) => s.store);
  const [first, ...others] = csmss.splice(0);
  for (const c of others) {
    expect(c.strictFailures).toEqual([]);
    expect(c.errorsSent).toEqual([]);
    await c.close();
  }
  await endStrict(first, stations);
  for (const store of stores) if (store instanceof RedisStore) await store.close();
  await redis?.dispose();
  redis = undefined;
});

afterAll(() => {
  // The Basic-auth password (and its header) never reaches a log line.
  expect(allLogs.length).toBeGreaterThan(50);
  const header = Buffer.from(`CS-NET:${PASSWORD}`).toString('base64');
  for (const line of allLogs) {
    expect(line).not.toContain(PASSWORD);
    expect(line).not.toContain(NEW_PASSWORD);
    expect(line).not.toContain(header);
  }
});

async function csms(options: Parameters<typeof startCsms>[0] = {}): Promise<TestCsms> {
  const c = await startCsms(options);
  csmss.push(c);
  return c;
}

async function station(options: Parameters<typeof createStation>[0]): Promise<TestStation> {
  const s = await createStation({ answer: CONFIRM_ALL, ...options, preset: { 'OCPPCommCtrlr.NetworkProfileConnectionAttempts': '2', ...options.preset } });
  stations.push(s);
  return s;
}

const profile = (url: string, securityProfile = 1, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ocppVersion: 'OCPP20',
  ocppTransport: 'JSON',
  ocppCsmsUrl: url,
  messageTimeout: 30,
  securityProfile,
  ocppInterface: 'Wired0',
  ...extra,
});

type SetVariablesAnswer = { setVariableResult: { attributeStatus: string; attributeStatusInfo?: { reasonCode: string } }[] };
const setPriority = async (client: RPCClient, value: string): Promise<SetVariablesAnswer> =>
  (await client.call('SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: value }] })) as SetVariablesAnswer;

async function variables(client: RPCClient, ...names: [string, string][]): Promise<(string | undefined)[]> {
  const r = (await client.call('GetVariables', { getVariableData: names.map(([component, variable]) => ({ component: { name: component }, variable: { name: variable } })) })) as {
    getVariableResult: { attributeValue?: string }[];
  };
  return r.getVariableResult.map((x) => x.attributeValue);
}

async function online(id: string, url: string, extra: Partial<Parameters<typeof createStation>[0]> = {}): Promise<TestStation> {
  const s = await station({ id, url, ...extra });
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'accepted', 10_000);
  return s;
}

const boots = (c: TestCsms): number => c.calls.filter((x) => x.action === 'BootNotification').length;

describe('SetNetworkProfile', () => {
  it('stores a valid profile in a free slot and refuses bad slots, other protocols, a URL that does not fit and profiles the station cannot do', async () => {
    const a = await csms({ passwords: { 'CS-NET': PASSWORD } });
    await online('CS-NET', a.url);
    const client = await a.client('CS-NET');
    const set = (configurationSlot: number, connectionData: Record<string, unknown>): Promise<unknown> => client.call('SetNetworkProfile', { configurationSlot, connectionData });

    expect(await set(2, profile('ws://127.0.0.1:9/ocpp'))).toEqual({ status: 'Accepted' });
    await a.waitForCall((x) => x.action === 'SecurityEventNotification' && x.params.type === 'ReconfigurationOfSecurityParameters');
    expect(await set(9, profile('ws://127.0.0.1:9/ocpp'))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidConfSlot' } });
    // Slot 1 is the registry's, and the one in use.
    expect(await set(1, profile('ws://127.0.0.1:9/ocpp'))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidConfSlot' } });
    expect(await set(3, profile('ws://127.0.0.1:9/ocpp', 1, { ocppVersion: 'OCPP16' }))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidNetworkConf' } });
    expect(await set(3, profile('ws://127.0.0.1:9/ocpp', 1, { ocppTransport: 'SOAP' }))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidNetworkConf' } });
    expect(await set(3, profile('wss://127.0.0.1:9/ocpp', 1))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidNetworkConf' } });
    expect(await set(3, profile('ws://user:pw@127.0.0.1:9/ocpp', 1))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidNetworkConf' } });
    // No CSMS root and no client certificate: profiles 2 and 3 are out of reach for this station.
    const noCert = (await set(3, profile('wss://127.0.0.1:9/ocpp', 3))) as { statusInfo?: { reasonCode: string; additionalInfo?: string } };
    expect(noCert).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidNetworkConf' } });
    expect(noCert.statusInfo?.additionalInfo).toContain('CSMS root certificate');

    // NetworkConfigurationPriority names configured slots only; it applies at the next boot.
    expect((await setPriority(client, '3,1')).setVariableResult[0]).toMatchObject({ attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'InvalidNetworkConf' } });
    expect((await setPriority(client, '4')).setVariableResult[0]).toMatchObject({ attributeStatus: 'Rejected' });
    expect((await setPriority(client, '2,1')).setVariableResult[0]).toMatchObject({ attributeStatus: 'RebootRequired' });
    expect(await variables(client, ['OCPPCommCtrlr', 'NetworkConfigurationPriority'], ['OCPPCommCtrlr', 'ActiveNetworkProfile'])).toEqual(['2,1', '1']);
  });

  it('refuses a URL that does not parse without writing the credentials it carries to the log', async () => {
    const a = await csms({ passwords: { 'CS-NET': PASSWORD } });
    const s = await online('CS-NET', a.url);
    const client = await a.client('CS-NET');
    const secret = 'url-secret-55';
    const answer = await client.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profile(`ws://op:${secret}@127.0.0.1:99999/ocpp`) });
    expect(answer).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidNetworkConf' } });
    expect(s.logs.some((l) => l.message === 'SetNetworkProfile rejected')).toBe(true);
    for (const line of s.logs) expect(JSON.stringify(line)).not.toContain(secret);
  });

  it("moves to the new slot's CSMS after NetworkConfigurationPriority and a Reset, and falls back to the next slot after the configured attempts", async () => {
    const passwords: Record<string, string> = { 'CS-NET': PASSWORD };
    const a = await csms({ passwords });
    const b = await csms({ passwords });
    const s = await online('CS-NET', a.url);
    const client = await a.client('CS-NET');
    expect(await client.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profile(b.url) })).toEqual({ status: 'Accepted' });
    expect(await client.call('SetNetworkProfile', { configurationSlot: 3, connectionData: profile('ws://127.0.0.1:9/ocpp') })).toEqual({ status: 'Accepted' });
    expect((await setPriority(client, '2,3,1')).setVariableResult[0]?.attributeStatus).toBe('RebootRequired');
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });

    const boot = await b.waitForCall((x) => x.action === 'BootNotification', 10_000);
    expect(boot.params.reason).toBe('RemoteReset');
    await until(() => s.engine.bootState === 'accepted', 'accepted at B', 10_000);
    const onB = await b.client('CS-NET');
    expect(await variables(onB, ['OCPPCommCtrlr', 'ActiveNetworkProfile'])).toEqual(['2']);
    expect(boots(a)).toBe(1);

    // A new BasicAuthPassword applies to the slot in use: the station reconnects to B with it.
    passwords['CS-NET'] = NEW_PASSWORD;
    const changed = (await onB.call('SetVariables', {
      setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: NEW_PASSWORD }],
    })) as SetVariablesAnswer;
    expect(changed.setVariableResult[0]?.attributeStatus).toBe('Accepted');
    await until(() => b.authAttempts.filter((x) => x.passwordOk).length >= 2, 'B sees the new password', 10_000);
    await until(() => (b.openConnections.get('CS-NET') ?? 0) === 1, 'connected to B again', 10_000);
    expect(a.authAttempts).toHaveLength(1);

    // B goes away: two failed attempts on slot 2, two on slot 3 (nobody listens), then slot 1 (A).
    await b.close();
    await a.waitForCall((x) => x.action === 'BootNotification' && x.connection > 1, 20_000);
    await until(() => s.engine.bootState === 'accepted', 'accepted at A again', 10_000);
    // B10.FR.10: a new boot on the slot it fell back to.
    expect(boots(a)).toBe(2);
    const fellBack = s.logs.filter((l) => l.message === 'falling back to the next network slot').map((l) => l.data);
    expect(fellBack).toEqual([
      { from: 2, to: 3 },
      { from: 3, to: 1 },
    ]);
    expect(await variables(await a.client('CS-NET'), ['OCPPCommCtrlr', 'ActiveNetworkProfile'])).toEqual(['1']);
  });
});

describe('falling back to the next slot', () => {
  it('boots first on the new slot: CALLs queued while the old CSMS was unreachable are not written before the BootNotification', async () => {
    const passwords: Record<string, string> = { 'CS-NET-Q': PASSWORD };
    const a = await csms({ passwords });
    const b = await csms({ passwords });
    const s = await online('CS-NET-Q', a.url);
    const at = (): string => new Date().toISOString();
    for (const connector of [1, 2]) s.engine.chargerEvent({ type: 'connectorStatus', connector, status: 'available', plugged: false, chargingState: 'idle', at: at() });
    await a.waitForCall((x) => x.action === 'StatusNotification' && x.params.evseId === 2);
    const client = await a.client('CS-NET-Q');
    expect(await client.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profile(b.url) })).toEqual({ status: 'Accepted' });
    expect((await setPriority(client, '1,2')).setVariableResult[0]?.attributeStatus).toBe('RebootRequired');
    await a.close();
    csmss.splice(csmss.indexOf(a), 1);
    await until(() => s.engine.connectionState !== 'open', 'connection to A lost', 10_000);
    // While no CSMS can be reached, the charger reports a change: its StatusNotification waits.
    s.engine.chargerEvent({ type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'evConnected', at: at() });
    await b.waitForCall((x) => x.action === 'BootNotification', 20_000);
    await until(() => s.engine.bootState === 'accepted', 'accepted at B', 10_000);
    await b.waitForCall((x) => x.action === 'StatusNotification' && x.params.evseId === 1 && x.params.connectorStatus === 'Occupied', 10_000);
    expect(
      b.calls
        .filter((x) => x.identity === 'CS-NET-Q')
        .map((x) => x.action)
        .slice(0, 1),
    ).toEqual(['BootNotification']);
  }, 60_000);
});

describe('security profile upgrade', () => {
  it('raises the security profile on a TLS slot, keeps it, its slot and priority across a restart on Redis, and never falls back to a lower slot', async () => {
    redis = await startRedisServer();
    const a = await csms({ passwords: { 'CS-NET': PASSWORD } });
    const b = await csms({ passwords: { 'CS-NET': PASSWORD }, tls: { cert: tls.cert, key: tls.key } });
    const csmsTls = { ca: tls.ca };
    const first = await online('CS-NET', a.url, { store: new RedisStore(redis.url), extra: { csmsTls } });
    const client = await a.client('CS-NET');
    expect(await client.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profile(b.url, 2) })).toEqual({ status: 'Accepted' });
    expect((await setPriority(client, '2,1')).setVariableResult[0]?.attributeStatus).toBe('RebootRequired');
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    await b.waitForCall((x) => x.action === 'BootNotification', 10_000);
    await until(() => first.engine.bootState === 'accepted', 'accepted at B', 10_000);
    const onB = await b.client('CS-NET');
    // A05: profile 2 is now the station's; slot 1 (profile 1) left the priority list.
    await expect.poll(() => variables(onB, ['SecurityCtrlr', 'SecurityProfile'], ['OCPPCommCtrlr', 'NetworkConfigurationPriority']), { timeout: 5000 }).toEqual(['2', '2']);
    expect((await setPriority(onB, '2,1')).setVariableResult[0]).toMatchObject({ attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'NoSecurityDowngrade' } });
    expect(await onB.call('SetNetworkProfile', { configurationSlot: 3, connectionData: profile(a.url, 1) })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NoSecurityDowngrade' } });
    await first.engine.stop();
    await first.store.close();
    allLogs.push(...first.logs.map((l) => JSON.stringify(l)));
    stations.splice(0);

    // A new engine on the same Redis (a gateway restart or another fleet instance) starts on slot 2.
    const second = await online('CS-NET', a.url, { store: new RedisStore(redis.url), extra: { csmsTls } });
    const again = await b.waitForCall((x) => x.action === 'BootNotification' && x.connection > 1, 10_000);
    expect(again.params.reason).toBe('PowerUp');
    expect(await variables(await b.client('CS-NET'), ['SecurityCtrlr', 'SecurityProfile'], ['OCPPCommCtrlr', 'ActiveNetworkProfile'])).toEqual(['2', '2']);
    expect(boots(a)).toBe(1);

    // B unreachable: the station keeps trying slot 2 and never goes back to profile 1 at A.
    const connectionsToA = a.calls.length;
    await b.close();
    await until(() => second.logs.filter((l) => l.message === 'connection failure').length >= 4, 'four failed attempts', 15_000);
    expect(a.calls.length).toBe(connectionsToA);
    expect(a.openConnections.get('CS-NET') ?? 0).toBe(0);
    expect(second.logs.some((l) => l.message === 'falling back to the next network slot')).toBe(false);
  });
});
