/**
 * Security events and AuthCtrlr behaviour against ocpp-rpc's strict RPCServer: security events
 * queued while the CSMS is unreachable (and across an engine restart) and delivered after the
 * boot; the CSMS refusing the station's credentials reported once it lets the station in;
 * AuthorizeRemoteStart, LocalPreAuthorize without a local list, and the offline policy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, PASSWORD, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

async function station(options: Parameters<typeof createStation>[0]): Promise<TestStation> {
  const s = await createStation(options);
  stations.push(s);
  return s;
}

const securityTypes = (c: TestCsms): string[] => c.calls.filter((x) => x.action === 'SecurityEventNotification').map((x) => String(x.params.type));

describe('SecurityEventNotification', () => {
  it('keeps events raised without a CSMS in their own durable queue and delivers them in order after the next boot, from a new engine', async () => {
    const store = new MemoryStore();
    const first = await station({ id: 'CS-SEC', url: 'ws://127.0.0.1:9/ocpp', store });
    await first.engine.securityEvent('InvalidMessages', 'bad-frame budget spent: 20 bad frames, last CRC');
    await first.engine.securityEvent('ChargerLoginRefused', 'x'.repeat(300));
    expect(await first.engine.queuedSecurityEvents()).toBe(2);
    expect(await first.engine.queuedTransactionEvents()).toBe(0);
    await first.engine.stop();

    csms = await startCsms();
    const second = await station({ id: 'CS-SEC', url: csms.url, store });
    second.engine.start();
    await until(() => (csms?.calls.filter((x) => x.action === 'SecurityEventNotification').length ?? 0) >= 3, 'three security events');
    const c = csms;
    expect(securityTypes(c)).toEqual(['StartupOfTheDevice', 'InvalidMessages', 'ChargerLoginRefused']);
    const [, invalid, refused] = c.calls.filter((x) => x.action === 'SecurityEventNotification');
    expect(invalid?.params).toMatchObject({ techInfo: 'bad-frame budget spent: 20 bad frames, last CRC' });
    expect(String(refused?.params.techInfo)).toHaveLength(255);
    await expect.poll(() => second.engine.queuedSecurityEvents(), { timeout: 5000, interval: 20 }).toBe(0);
  });

  it('reports the CSMS refusing the station credentials (HTTP 401) once the CSMS lets the station in', async () => {
    const passwords: Record<string, string> = { 'CS-401': 'not-the-station-password' };
    csms = await startCsms({ passwords });
    const s = await station({ id: 'CS-401', url: csms.url });
    s.engine.start();
    await until(() => (csms?.authAttempts.filter((a) => !a.passwordOk).length ?? 0) >= 2, 'two refused handshakes', 8000);
    passwords['CS-401'] = PASSWORD;
    const event = await csms.waitForCall((x) => x.action === 'SecurityEventNotification' && x.params.type === 'FailedToAuthenticateAtCsms', 10_000);
    expect(String(event.params.techInfo)).toContain('HTTP 401');
    await until(() => s.engine.bootState === 'accepted', 'accepted');
    // One event for the whole run of refusals.
    await expect.poll(() => s.engine.queuedSecurityEvents(), { timeout: 5000, interval: 20 }).toBe(0);
    expect(securityTypes(csms).filter((t) => t === 'FailedToAuthenticateAtCsms')).toHaveLength(1);
  });
});

type AuthorizeStatus = 'Accepted' | 'Blocked' | 'Invalid';

async function online(id: string, preset: Record<string, string>, statusOf: (token: string) => AuthorizeStatus): Promise<{ c: TestCsms; s: TestStation }> {
  csms = await startCsms();
  const c = csms;
  const s = await station({ id, url: c.url, preset });
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'accepted');
  const client = await c.client(id);
  client.handle('Authorize', async ({ params }) => ({ idTokenInfo: { status: statusOf(String((params as { idToken: { idToken: string } }).idToken.idToken)) } }));
  return { c, s };
}

describe('AuthCtrlr', () => {
  it('AuthorizeRemoteStart: answers Accepted, asks Authorize, starts the charger only for an accepted token, never for a Central one', async () => {
    const { c, s } = await online('CS-ARS', { 'AuthCtrlr.AuthorizeRemoteStart': 'true' }, (t) => (t === 'GOOD-CARD' ? 'Accepted' : t === 'BLOCKED-CARD' ? 'Blocked' : 'Invalid'));
    const client = await c.client('CS-ARS');
    const starts = (): number => s.commands.filter((x) => x.type === 'startCharging').length;

    for (const [token, n] of [
      ['BAD-CARD', 1],
      ['BLOCKED-CARD', 2],
    ] as const) {
      expect(await client.call('RequestStartTransaction', { idToken: { idToken: token, type: 'ISO14443' }, remoteStartId: n, evseId: 1 })).toEqual({ status: 'Accepted' });
      await c.waitForCall((x) => x.action === 'Authorize' && (x.params.idToken as { idToken: string }).idToken === token);
      await until(() => s.logs.filter((l) => l.message === 'remote start refused: the CSMS did not authorize its token').length === n, `refusal ${n}`);
    }
    expect(starts()).toBe(0);

    const authorizeCalls = (): number => c.calls.filter((x) => x.action === 'Authorize').length;
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'GOOD-CARD', type: 'ISO14443' }, remoteStartId: 3, evseId: 1 })).toEqual({ status: 'Accepted' });
    await until(() => starts() === 1, 'start command');
    expect(authorizeCalls()).toBe(3);
    const start = s.commands.find((x) => x.type === 'startCharging');
    if (start?.type !== 'startCharging') throw new Error('no start command');
    expect(start).toMatchObject({ connector: 1, idToken: { id: 'GOOD-CARD' } });
    s.engine.chargerEvent({ type: 'commandResult', commandId: start.id, status: 'accepted' });
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-R', meterStartWh: 10, at: new Date().toISOString(), commandId: start.id });
    const started = await c.waitForCall((x) => x.action === 'TransactionEvent');
    expect(started.params).toMatchObject({ eventType: 'Started', triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 3 }, idToken: { idToken: 'GOOD-CARD' } });

    // A token the CSMS issued itself is not authorized again (F01.FR.02): the answer is the charger's.
    const central = client.call('RequestStartTransaction', { idToken: { idToken: 'APP-1', type: 'Central' }, remoteStartId: 4, evseId: 2 });
    await until(() => starts() === 2, 'second start command');
    const second = s.commands.filter((x) => x.type === 'startCharging')[1];
    s.engine.chargerEvent({ type: 'commandResult', commandId: second?.id ?? '', status: 'rejected' });
    expect(await central).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    expect(authorizeCalls()).toBe(3);
  });

  it('LocalPreAuthorize with a token not in the local list: the charger waits for the CSMS answer', async () => {
    const { c, s } = await online('CS-LPA', { 'AuthCtrlr.LocalPreAuthorize': 'true', 'AuthCtrlr.LocalAuthorizeOffline': 'true' }, () => 'Invalid');
    s.engine.chargerEvent({ type: 'authorizationRequest', connector: 2, idToken: { id: 'CARD-9', type: 'card' }, requestId: 'q' });
    await until(() => s.commands.some((x) => x.type === 'authorize'), 'authorize answer');
    expect(c.calls.filter((x) => x.action === 'Authorize')).toHaveLength(1);
    expect(s.commands.filter((x) => x.type === 'authorize')).toMatchObject([{ connector: 2, accepted: false, reason: 'Invalid', requestId: 'q' }]);
  });

  it('applies the offline policy OfflineTxForUnknownIdEnabled when the CSMS cannot be asked', async () => {
    for (const [policy, accepted] of [
      ['false', false],
      ['true', true],
    ] as const) {
      // LocalAuthorizeOffline alone lets nothing through: the token is not in the (empty) local list.
      const s = await station({ id: `CS-OFF-${policy}`, url: 'ws://127.0.0.1:9/ocpp', preset: { 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': policy } });
      s.engine.chargerEvent({ type: 'authorizationRequest', connector: 1, idToken: { id: 'CARD-1', type: 'card' } });
      await until(() => s.commands.some((x) => x.type === 'authorize'), 'authorize answer');
      expect(s.commands.find((x) => x.type === 'authorize')).toMatchObject({ accepted });
    }
  });
});
