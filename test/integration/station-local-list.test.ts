/**
 * Local Authorization List against ocpp-rpc's strict RPCServer: SendLocalList / GetLocalListVersion
 * with exact payloads both ways, the change handed to a charger that has an offline list, a listed
 * card started at once under LocalPreAuthorize (no Authorize CALL), and the list surviving a new
 * engine that cannot reach the CSMS, deciding offline under LocalAuthorizeOffline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../codecs/iec104-points/session.js';
import type { RequestOf } from '../../src/ocpp/actions.js';
import { MemoryStore } from '../../src/store/memory.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

/** The example charger, plus an offline-list command (as a YKC pile has). */
function withListCommand() {
  const caps = capabilitiesOf(loadExampleMapping('example-dc-2gun'));
  return { ...caps, commands: new Set([...caps.commands, 'setLocalList' as const]) };
}

async function online(id: string, preset: Record<string, string> = {}, store = new MemoryStore()): Promise<{ c: TestCsms; s: TestStation }> {
  csms ??= await startCsms();
  const c = csms;
  const s = await createStation({ id, url: c.url, preset, store, extra: { capabilities: withListCommand() } });
  stations.push(s);
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'accepted');
  return { c, s };
}

const entry = (idToken: string, status?: 'Accepted' | 'Blocked'): NonNullable<RequestOf<'SendLocalList'>['localAuthorizationList']>[number] => ({
  idToken: { idToken, type: 'ISO14443' },
  ...(status !== undefined ? { idTokenInfo: { status } } : {}),
});

describe('Local Authorization List through the CSMS', () => {
  it('SendLocalList then GetLocalListVersion; VersionMismatch for an old differential; the charger gets each change', async () => {
    const { c, s } = await online('CS-LL-1');
    const client = await c.client('CS-LL-1');
    expect(await client.call('GetLocalListVersion', {})).toEqual({ versionNumber: 0 });
    expect(await client.call('SendLocalList', { versionNumber: 4, updateType: 'Full', localAuthorizationList: [entry('D14B0A54', 'Accepted'), entry('0BAD0BAD', 'Blocked')] })).toEqual({
      status: 'Accepted',
    });
    expect(await client.call('GetLocalListVersion', {})).toEqual({ versionNumber: 4 });
    expect(await client.call('SendLocalList', { versionNumber: 4, updateType: 'Differential', localAuthorizationList: [entry('11112222', 'Accepted')] })).toMatchObject({ status: 'VersionMismatch' });
    expect(await client.call('SendLocalList', { versionNumber: 5, updateType: 'Differential', localAuthorizationList: [entry('11112222', 'Accepted'), entry('D14B0A54')] })).toEqual({
      status: 'Accepted',
    });
    expect(await client.call('GetLocalListVersion', {})).toEqual({ versionNumber: 5 });
    const got = (await client.call('GetVariables', { getVariableData: [{ component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Entries' } }] })) as {
      getVariableResult: { attributeValue?: string }[];
    };
    expect(got.getVariableResult[0]?.attributeValue).toBe('2');

    await until(() => s.commands.filter((x) => x.type === 'setLocalList').length === 2, 'two list commands');
    expect(s.commands.filter((x) => x.type === 'setLocalList').map((x) => (x.type === 'setLocalList' ? [x.update, x.add.map((t) => t.id), x.remove.map((t) => t.id)] : []))).toEqual([
      ['full', ['D14B0A54'], []],
      ['differential', ['11112222'], ['D14B0A54']],
    ]);
  });

  it('LocalPreAuthorize: a card Accepted in the list is answered at once, without an Authorize CALL; an unlisted one still asks', async () => {
    const { c, s } = await online('CS-LL-2', { 'AuthCtrlr.LocalPreAuthorize': 'true' });
    const client = await c.client('CS-LL-2');
    client.handle('Authorize', async () => ({ idTokenInfo: { status: 'Invalid' } }));
    expect(await client.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [entry('CARD-7', 'Accepted')] })).toEqual({ status: 'Accepted' });
    s.engine.chargerEvent({ type: 'authorizationRequest', connector: 1, idToken: { id: 'CARD-7', type: 'card' }, requestId: 'r1' });
    await until(() => s.commands.some((x) => x.type === 'authorize'), 'authorize answer');
    expect(s.commands.filter((x) => x.type === 'authorize')).toMatchObject([{ connector: 1, accepted: true, requestId: 'r1', reason: 'Accepted (local list)' }]);

    s.engine.chargerEvent({ type: 'authorizationRequest', connector: 2, idToken: { id: 'CARD-8', type: 'card' }, requestId: 'r2' });
    await until(() => s.commands.filter((x) => x.type === 'authorize').length === 2, 'second answer');
    expect(s.commands.filter((x) => x.type === 'authorize')[1]).toMatchObject({ connector: 2, accepted: false, reason: 'Invalid' });
    expect(c.calls.filter((x) => x.action === 'Authorize').map((x) => (x.params.idToken as { idToken: string }).idToken)).toEqual(['CARD-8']);
  });

  it('the list survives a new engine that cannot reach the CSMS: LocalAuthorizeOffline accepts listed cards, unknown ones follow the offline policy', async () => {
    const store = new MemoryStore();
    const preset = { 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'false' };
    const first = await online('CS-LL-3', preset, store);
    const client = await first.c.client('CS-LL-3');
    expect(await client.call('SendLocalList', { versionNumber: 9, updateType: 'Full', localAuthorizationList: [entry('CARD-1', 'Accepted'), entry('CARD-2', 'Blocked')] })).toEqual({
      status: 'Accepted',
    });
    await first.s.engine.stop();

    const s = await createStation({ id: 'CS-LL-3', url: 'ws://127.0.0.1:9/ocpp', store, preset });
    stations.push(s);
    s.engine.start();
    for (const [n, card] of ['CARD-1', 'CARD-2', 'CARD-3'].entries()) s.engine.chargerEvent({ type: 'authorizationRequest', connector: 1, idToken: { id: card, type: 'card' }, requestId: `q${n}` });
    await until(() => s.commands.filter((x) => x.type === 'authorize').length === 3, 'three answers');
    const answers = new Map(s.commands.flatMap((x) => (x.type === 'authorize' ? [[x.idToken.id, x.accepted] as const] : [])));
    expect(Object.fromEntries(answers)).toEqual({ 'CARD-1': true, 'CARD-2': false, 'CARD-3': false });
  });
});
