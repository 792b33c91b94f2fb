/**
 * The Local Authorization List (D01/D02) and its use by Authorization: version rules, Full and
 * Differential updates, refusals that change nothing, persistence across a new engine over the same
 * store, the change handed to the charger, and LocalPreAuthorize / LocalAuthorizeOffline.
 */
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../../src/model/capabilities.js';
import type { ChargerCommand } from '../../../../src/model/commands.js';
import type { CommandResultEvent } from '../../../../src/model/events.js';
import type { RequestOf, ResponseOf } from '../../../../src/ocpp/actions.js';
import type { RpcEndpoint } from '../../../../src/ocpp/rpc.js';
import type { HandlerOutcome, HandlerResult } from '../../../../src/ocpp/rpc-types.js';
import { validateRequest, validateResponse } from '../../../../src/ocpp/schemas.js';
import { Authorization } from '../../../../src/station/authorization/authorization.js';
import type { StationContext } from '../../../../src/station/context.js';
import { engineStubs } from '../context-stubs.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { LOCAL_LIST_KEY } from '../../../../src/station/authorization/local-list.js';
import { LOCAL_LIST_CHARGER_KEY } from '../../../../src/station/authorization/local-list-charger.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import type { JsonValue } from '../../../../src/store/state-store.js';
import { PILE_CAPABILITIES } from '../../../support/station.js';

type Entry = NonNullable<RequestOf<'SendLocalList'>['localAuthorizationList']>[number];
type Status = NonNullable<Entry['idTokenInfo']>['status'];

const card = (id: string, status?: Status, type: Entry['idToken']['type'] = 'ISO14443'): Entry => ({ idToken: { idToken: id, type }, ...(status !== undefined ? { idTokenInfo: { status } } : {}) });

async function station(options: { store?: MemoryStore; caps?: Partial<Capabilities>; online?: boolean; preset?: Record<string, string> } = {}) {
  const store = options.store ?? new MemoryStore();
  const capabilities = { ...PILE_CAPABILITIES, ...options.caps };
  const dm = await DeviceModel.load({ store, capabilities, config: { identity: 'CS-LL', securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456' } });
  const preset = Object.entries(options.preset ?? {}).map(([path, attributeValue]) => {
    const [component, variable] = path.split('.') as [string, string];
    return { component: { name: component }, variable: { name: variable }, attributeValue };
  });
  if (preset.length > 0) expect((await dm.set(preset)).map((r) => r.attributeStatus)).toEqual(preset.map(() => 'Accepted'));
  const commands: ChargerCommand[] = [];
  const calls: [string, unknown][] = [];
  const logs: string[] = [];
  let seq = 0;
  const state = { online: options.online ?? true, authorizeStatus: 'Invalid' as Status, chargerLinked: true };
  const ctx: StationContext = {
    id: 'CS-LL',
    identity: { vendor: 'V', model: 'M' },
    capabilities,
    store,
    dm,
    rpc: {} as RpcEndpoint,
    clock: { now: () => Date.now(), setTimeout: () => undefined, clearTimeout: () => undefined },
    log: (level, message) => logs.push(`${level} ${message}`),
    charger: {
      send: (c) => {
        if (!state.chargerLinked) return { status: 'rejected', reason: 'link down' };
        commands.push(c);
        return { status: 'sent' };
      },
    },
    call: (action, payload) => {
      calls.push([action, payload]);
      if (!state.online) return Promise.reject(new Error('offline'));
      return Promise.resolve({ idTokenInfo: { status: state.authorizeStatus } } as never);
    },
    isAccepted: () => state.online,
    isOnline: () => state.online,
    commandId: (p) => `${p}-${++seq}`,
    ...engineStubs(),
  };
  const auth = new Authorization(ctx);
  await auth.localList.load();
  const list = auth.localList;
  /** Sends a SendLocalList (schema-checked both ways), runs its `after`, returns the answer. */
  const send = async (req: RequestOf<'SendLocalList'>): Promise<ResponseOf<'SendLocalList'>> => {
    expect(validateRequest('SendLocalList', req)).toBeUndefined();
    const r: HandlerResult<'SendLocalList'> = await list.sendLocalList(req);
    const outcome: { response: ResponseOf<'SendLocalList'>; after?: (() => unknown) | undefined } = 'response' in r ? (r as HandlerOutcome<'SendLocalList'>) : { response: r };
    expect(validateResponse('SendLocalList', outcome.response)).toBeUndefined();
    await outcome.after?.();
    return outcome.response;
  };
  /** The charger answers the list command `id`; resolves once the list has taken it in. */
  const answer = (id: string, status: CommandResultEvent['status']): Promise<boolean> => list.commandResult({ type: 'commandResult', commandId: id, status });
  /** The charger connects; resolves once whatever it is sent went out. */
  const connected = (): Promise<void> => list.chargerConnected();
  const entries = (): string | undefined => dm.get([{ component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Entries' } }])[0]?.attributeValue;
  return { store, dm, list, auth, send, answer, connected, commands, calls, logs, state, entries };
}

describe('LocalList (D01/D02)', () => {
  it('has version 0 and no entries before any list, and publishes LocalAuthListCtrlr', async () => {
    const s = await station();
    expect(s.list.getLocalListVersion()).toEqual({ versionNumber: 0 });
    expect(validateResponse('GetLocalListVersion', s.list.getLocalListVersion())).toBeUndefined();
    expect(s.entries()).toBe('0');
    const names = s.dm.reportFiltered([{ component: { name: 'LocalAuthListCtrlr' } }]).map((r) => `${r.variable.name}:${r.variableAttribute[0]?.mutability}`);
    expect(names).toEqual(['Available:ReadOnly', 'BytesPerMessage:ReadOnly', 'DisablePostAuthorize:ReadWrite', 'Enabled:ReadWrite', 'Entries:ReadOnly', 'ItemsPerMessage:ReadOnly']);
  });

  it('Full replaces the list and sets the version; Full without entries empties it', async () => {
    const s = await station();
    expect(await s.send({ versionNumber: 3, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted'), card('AA02', 'Blocked')] })).toEqual({ status: 'Accepted' });
    expect(s.list.state).toEqual({ version: 3, size: 2 });
    expect(s.entries()).toBe('2');
    // A Full update may lower the version: it replaces everything.
    expect(await s.send({ versionNumber: 2, updateType: 'Full', localAuthorizationList: [card('BB01', 'Accepted')] })).toEqual({ status: 'Accepted' });
    expect(s.list.lookup({ idToken: 'AA01', type: 'ISO14443' })).toBeUndefined();
    expect(s.list.lookup({ idToken: 'BB01', type: 'ISO14443' })).toEqual({ status: 'Accepted' });
    expect(await s.send({ versionNumber: 4, updateType: 'Full' })).toEqual({ status: 'Accepted' });
    expect(s.list.state).toEqual({ version: 4, size: 0 });
    expect(s.entries()).toBe('0');
  });

  it('Differential adds, replaces and removes; a version not above the installed one is VersionMismatch and changes nothing', async () => {
    const s = await station();
    await s.send({ versionNumber: 5, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted'), card('AA02', 'Accepted')] });
    for (const versionNumber of [5, 4]) {
      expect(await s.send({ versionNumber, updateType: 'Differential', localAuthorizationList: [card('AA03', 'Accepted')] })).toMatchObject({ status: 'VersionMismatch' });
    }
    expect(s.list.state).toEqual({ version: 5, size: 2 });
    expect(await s.send({ versionNumber: 6, updateType: 'Differential', localAuthorizationList: [card('AA03', 'Accepted'), card('AA02', 'Blocked'), card('AA01')] })).toEqual({ status: 'Accepted' });
    expect(s.list.state).toEqual({ version: 6, size: 2 });
    expect(s.list.lookup({ idToken: 'AA01', type: 'ISO14443' })).toBeUndefined();
    expect(s.list.lookup({ idToken: 'AA02', type: 'ISO14443' })).toEqual({ status: 'Blocked' });
    // Tokens compare without case, and by type.
    expect(s.list.lookup({ idToken: 'aa03', type: 'ISO14443' })).toEqual({ status: 'Accepted' });
    expect(s.list.lookup({ idToken: 'AA03', type: 'Central' })).toBeUndefined();
  });

  it('answers Failed and changes nothing for a duplicate token, too many items, a bad version, a full store or a disabled list', async () => {
    const s = await station();
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted')] });
    const refused = async (req: RequestOf<'SendLocalList'>, reasonCode: string): Promise<void> => {
      expect(await s.send(req)).toMatchObject({ status: 'Failed', statusInfo: { reasonCode } });
      expect(s.list.state).toEqual({ version: 1, size: 1 });
    };
    await refused({ versionNumber: 2, updateType: 'Full', localAuthorizationList: [card('CC01', 'Accepted'), card('cc01', 'Blocked')] }, 'DuplicateToken');
    await refused({ versionNumber: 2, updateType: 'Full', localAuthorizationList: Array.from({ length: 101 }, (_, i) => card(`D${i}`, 'Accepted')) }, 'TooManyElements');
    await refused({ versionNumber: 0, updateType: 'Full' }, 'InvalidValue');
    // 1000 tokens at most (Entries maxLimit): with AA01 and nine differentials of 100, the tenth would make 1001.
    for (let v = 2; v <= 11; v++) {
      const batch = Array.from({ length: 100 }, (_, i) => card(`E${v}-${i}`, 'Accepted'));
      const r = await s.send({ versionNumber: v, updateType: 'Differential', localAuthorizationList: batch });
      expect(r.status, `version ${v}`).toBe(v === 11 ? 'Failed' : 'Accepted');
    }
    expect(s.list.state).toEqual({ version: 10, size: 901 });
    await s.send({ versionNumber: 12, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted')] });
    await s.dm.set([{ component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }]);
    expect(await s.send({ versionNumber: 13, updateType: 'Differential', localAuthorizationList: [card('FF01', 'Accepted')] })).toMatchObject({
      status: 'Failed',
      statusInfo: { reasonCode: 'Disabled' },
    });
    // Disabled: the list is kept but no longer used.
    expect(s.list.lookup({ idToken: 'AA01', type: 'ISO14443' })).toBeUndefined();
    expect(s.list.state).toEqual({ version: 12, size: 1 });
  });

  it('persists the list and its version in the StateStore: a new engine over the same store has them', async () => {
    const store = new MemoryStore();
    const first = await station({ store });
    await first.send({ versionNumber: 7, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted'), card('AA02', 'Expired')] });
    await first.send({ versionNumber: 8, updateType: 'Differential', localAuthorizationList: [card('AA03', 'Accepted')] });
    expect(await store.get('CS-LL', LOCAL_LIST_KEY)).toMatchObject({ version: 8 });
    const second = await station({ store });
    expect(second.list.getLocalListVersion()).toEqual({ versionNumber: 8 });
    expect(second.entries()).toBe('3');
    expect(second.list.lookup({ idToken: 'AA02', type: 'ISO14443' })).toEqual({ status: 'Expired' });
    expect(await second.send({ versionNumber: 8, updateType: 'Differential', localAuthorizationList: [card('AA04', 'Accepted')] })).toMatchObject({ status: 'VersionMismatch' });
  });

  it('hands each accepted change to the charger: Accepted tokens added, the rest removed', async () => {
    const s = await station();
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted'), card('AA02', 'Accepted'), card('AA03', 'Blocked'), card('K1', 'Accepted', 'KeyCode')] });
    await s.send({ versionNumber: 2, updateType: 'Full', localAuthorizationList: [card('AA02', 'Accepted'), card('AA04', 'Accepted'), card('AA01', 'Blocked')] });
    await s.send({ versionNumber: 3, updateType: 'Differential', localAuthorizationList: [card('AA05', 'Accepted'), card('AA02'), card('AA04', 'Invalid')] });
    await s.send({ versionNumber: 3, updateType: 'Differential', localAuthorizationList: [card('AA06', 'Accepted')] });
    expect(s.commands).toEqual([
      {
        type: 'setLocalList',
        id: 'locallist-1',
        update: 'full',
        add: [
          { id: 'AA01', type: 'card' },
          { id: 'AA02', type: 'card' },
          { id: 'K1', type: 'password' },
        ],
        remove: [],
      },
      {
        type: 'setLocalList',
        id: 'locallist-2',
        update: 'full',
        add: [
          { id: 'AA02', type: 'card' },
          { id: 'AA04', type: 'card' },
        ],
        remove: [
          { id: 'AA01', type: 'card' },
          { id: 'K1', type: 'password' },
        ],
      },
      {
        type: 'setLocalList',
        id: 'locallist-3',
        update: 'differential',
        add: [{ id: 'AA05', type: 'card' }],
        remove: [
          { id: 'AA02', type: 'card' },
          { id: 'AA04', type: 'card' },
        ],
      },
    ]);
  });

  it('resends the whole list when the charger connects after a change it did not confirm, and only then', async () => {
    const s = await station();
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted'), card('AA02', 'Accepted')] });
    expect(await s.answer('locallist-1', 'accepted')).toBe(true);
    expect(await s.answer('other-1', 'rejected')).toBe(false);
    await s.connected();
    expect(s.commands.map((c) => c.id)).toEqual(['locallist-1']);

    // Refused (say, storage full): the removal of AA01 may not have happened either.
    await s.send({ versionNumber: 2, updateType: 'Differential', localAuthorizationList: [card('AA01'), card('AA03', 'Accepted')] });
    await s.answer('locallist-2', 'rejected');
    await s.connected();
    expect(s.commands.at(-1)).toEqual({
      type: 'setLocalList',
      id: 'locallist-3',
      update: 'full',
      add: [
        { id: 'AA02', type: 'card' },
        { id: 'AA03', type: 'card' },
      ],
      remove: [{ id: 'AA01', type: 'card' }],
    });
    await s.answer('locallist-3', 'accepted');
    await s.connected();
    expect(s.commands).toHaveLength(3);
    expect(s.logs).toContain('info the charger confirmed the local authorization list: its copy is in step');
  });

  it('counts a change that could not reach the charger, and remembers it in the store for the next engine', async () => {
    const store = new MemoryStore();
    const s = await station({ store });
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted')] });
    await s.answer('locallist-1', 'accepted');
    s.state.chargerLinked = false;
    await s.send({ versionNumber: 2, updateType: 'Differential', localAuthorizationList: [card('AA01'), card('AA02', 'Accepted')] });
    expect(s.commands).toHaveLength(1);
    expect(s.logs).toContain('warn local authorization list sent to the charger');

    const next = await station({ store });
    await next.connected();
    expect(next.commands).toEqual([{ type: 'setLocalList', id: 'locallist-1', update: 'full', add: [{ id: 'AA02', type: 'card' }], remove: [{ id: 'AA01', type: 'card' }] }]);
    // Timed out on that connection: the one after tries again.
    await next.answer('locallist-1', 'timeout');
    const third = await station({ store });
    await third.connected();
    expect(third.commands).toHaveLength(1);
  });

  it('an answer to an earlier change does not mark the copy in step while a later one is on its way', async () => {
    /** Holds writes of the charger copy's record until released. */
    class HoldingStore extends MemoryStore {
      readonly held: (() => void)[] = [];
      hold = false;
      override async set(station: string, key: string, value: JsonValue): Promise<void> {
        if (this.hold && key === LOCAL_LIST_CHARGER_KEY) await new Promise<void>((resolve) => this.held.push(resolve));
        return super.set(station, key, value);
      }
    }
    const store = new HoldingStore();
    const s = await station({ store });
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted')] });
    store.hold = true;
    const second = s.send({ versionNumber: 2, updateType: 'Differential', localAuthorizationList: [card('AA02', 'Accepted')] });
    await expect.poll(() => store.held.length).toBe(1);
    const first = s.answer('locallist-1', 'accepted');
    store.hold = false;
    for (const release of store.held.splice(0)) release();
    await Promise.all([first, second]);
    await s.answer('locallist-2', 'rejected');

    const next = await station({ store });
    await next.connected();
    expect(next.commands).toEqual([
      {
        type: 'setLocalList',
        id: 'locallist-1',
        update: 'full',
        add: [
          { id: 'AA01', type: 'card' },
          { id: 'AA02', type: 'card' },
        ],
        remove: [],
      },
    ]);
  });

  it('resends an installed list once when nothing is known of the charger copy, and never without a list', async () => {
    const store = new MemoryStore();
    const none = await station({ store });
    await none.connected();
    expect(none.commands).toEqual([]);
    await store.set('CS-LL', LOCAL_LIST_KEY, { version: 4, entries: [{ idToken: { idToken: 'AA09', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }] });
    const s = await station({ store });
    await s.connected();
    expect(s.commands).toEqual([{ type: 'setLocalList', id: 'locallist-1', update: 'full', add: [{ id: 'AA09', type: 'card' }], remove: [] }]);
  });

  it('keeps the list at the gateway only when the charger has no list command', async () => {
    const s = await station({ caps: { commands: new Set(['startCharging', 'authorize']) } });
    expect(await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted')] })).toEqual({ status: 'Accepted' });
    expect(s.commands).toEqual([]);
    expect(s.logs).toContain('debug local authorization list kept at the gateway only: the charger has no offline list command');
  });
});

describe('Authorization with the local list', () => {
  const token = (id: string) => ({ idToken: id, type: 'ISO14443' as const });

  it('LocalPreAuthorize: an Accepted listed token needs no Authorize; others ask the CSMS unless DisablePostAuthorize', async () => {
    const s = await station({ preset: { 'AuthCtrlr.LocalPreAuthorize': 'true' } });
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted'), card('AA02', 'Blocked')] });
    expect(await s.auth.authorize(token('aa01'))).toEqual({ accepted: true, reason: 'Accepted (local list)' });
    expect(s.calls).toEqual([]);
    s.state.authorizeStatus = 'Accepted';
    expect(await s.auth.authorize(token('AA02'))).toEqual({ accepted: true, reason: 'Accepted' });
    expect(await s.auth.authorize(token('ZZ99'))).toEqual({ accepted: true, reason: 'Accepted' });
    expect(s.calls.map(([, p]) => (p as { idToken: { idToken: string } }).idToken.idToken)).toEqual(['AA02', 'ZZ99']);
    await s.dm.set([{ component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'DisablePostAuthorize' }, attributeValue: 'true' }]);
    expect(await s.auth.authorize(token('AA02'))).toEqual({ accepted: false, reason: 'Blocked (local list)' });
    expect(s.calls).toHaveLength(2);
  });

  it('without LocalPreAuthorize a listed token is still authorized by the CSMS', async () => {
    const s = await station();
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted')] });
    expect(await s.auth.authorize(token('AA01'))).toEqual({ accepted: false, reason: 'Invalid' });
    expect(s.calls).toHaveLength(1);
  });

  it('LocalAuthorizeOffline: offline, listed tokens follow their list status; unknown ones the offline policy', async () => {
    const s = await station({ online: false, preset: { 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'false' } });
    await s.send({ versionNumber: 1, updateType: 'Full', localAuthorizationList: [card('AA01', 'Accepted'), card('AA02', 'Blocked')] });
    expect(await s.auth.authorize(token('AA01'))).toMatchObject({ accepted: true });
    expect(await s.auth.authorize(token('AA02'))).toMatchObject({ accepted: false, reason: 'offline: Blocked in the local list' });
    expect(await s.auth.authorize(token('ZZ99'))).toMatchObject({ accepted: false });
    await s.dm.set([{ component: { name: 'AuthCtrlr' }, variable: { name: 'OfflineTxForUnknownIdEnabled' }, attributeValue: 'true' }]);
    expect(await s.auth.authorize(token('ZZ99'))).toMatchObject({ accepted: true });
    expect(await s.auth.authorize(token('AA02'))).toMatchObject({ accepted: false });
    // LocalAuthorizeOffline false: the list does not decide, the policy does.
    await s.dm.set([{ component: { name: 'AuthCtrlr' }, variable: { name: 'LocalAuthorizeOffline' }, attributeValue: 'false' }]);
    expect(await s.auth.authorize(token('AA02'))).toMatchObject({ accepted: true });
    expect(s.calls).toEqual([]);
  });
});
