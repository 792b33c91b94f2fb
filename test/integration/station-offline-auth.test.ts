/**
 * A charger's authorization request after the CSMS (ocpp-rpc's strict RPCServer) went away, with
 * the boot accepted earlier: the offline rules answer the charger at once, and no AuthorizeRequest
 * is left waiting to reach the CSMS once it is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

describe('Authorization with the CSMS stopped after the boot', () => {
  it('answers from the local list and the offline policy at once, and sends no stale AuthorizeRequest on reconnect', async () => {
    csms = await startCsms();
    const first = csms;
    const s = await createStation({ id: 'CS-GONE', url: first.url, preset: { 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'true' } });
    stations.push(s);
    s.engine.start();
    await until(() => s.engine.bootState === 'accepted', 'accepted');
    const client = await first.client('CS-GONE');
    client.handle('Authorize', async () => ({ idTokenInfo: { status: 'Accepted' } }));
    expect(
      await client.call('SendLocalList', {
        versionNumber: 1,
        updateType: 'Full',
        localAuthorizationList: [{ idToken: { idToken: 'BLOCKED-CARD', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } }],
      }),
    ).toEqual({ status: 'Accepted' });

    const { port } = first;
    await first.close();
    csms = undefined;
    await until(() => s.engine.connectionState !== 'open', 'connection closed');
    expect(s.engine.bootState).toBe('accepted');

    const asked = Date.now();
    s.engine.chargerEvent({ type: 'authorizationRequest', connector: 1, idToken: { id: 'UNKNOWN-CARD', type: 'card' }, requestId: 'u' });
    s.engine.chargerEvent({ type: 'authorizationRequest', connector: 2, idToken: { id: 'BLOCKED-CARD', type: 'card' }, requestId: 'b' });
    await until(() => s.commands.filter((c) => c.type === 'authorize').length === 2, 'both answers', 2_000);
    expect(Date.now() - asked).toBeLessThan(2_000);
    expect(s.commands.filter((c) => c.type === 'authorize')).toMatchObject([
      { connector: 1, requestId: 'u', accepted: true, reason: 'offline: offline policy lets unknown tokens charge' },
      { connector: 2, requestId: 'b', accepted: false, reason: 'offline: Blocked in the local list' },
    ]);

    // Back on the same address: the station reconnects and asks nothing about those tokens.
    csms = await startCsms({ port });
    const second = csms;
    await second.client('CS-GONE', 10_000);
    await until(() => s.engine.connectionState === 'open', 'reconnected');
    await s.engine.settled();
    expect(second.calls.filter((c) => c.action === 'Authorize')).toEqual([]);
  }, 20_000);
});
