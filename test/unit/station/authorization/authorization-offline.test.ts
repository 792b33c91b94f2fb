/**
 * Authorization when the CSMS cannot answer (C15, OfflineTxForUnknownIdEnabled): a boot accepted
 * earlier does not make the station online once the connection is gone, and an AuthorizeRequest
 * that gets no answer within OCPPCommCtrlr.MessageTimeout (waiting behind another CALL, or written
 * and never answered) gives way to the offline rules; the CALL is withdrawn and a late answer ignored.
 * A real RPC endpoint on a fake clock stands for the OCPP connection.
 */
import { describe, expect, it } from 'vitest';
import type { ChargerCommand } from '../../../../src/model/commands.js';
import type { AuthorizationRequestEvent } from '../../../../src/model/events.js';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import { RpcEndpoint } from '../../../../src/ocpp/rpc.js';
import { Authorization } from '../../../../src/station/authorization/authorization.js';
import type { StationContext } from '../../../../src/station/context.js';
import { engineStubs } from '../context-stubs.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { MemoryTransport } from '../../../support/rpc-endpoint.js';
import { PILE_CAPABILITIES } from '../../../support/station.js';

/** OCPPCommCtrlr.MessageTimeout's default, in ms. */
const MESSAGE_TIMEOUT_MS = 30_000;

type Entry = NonNullable<RequestOf<'SendLocalList'>['localAuthorizationList']>[number];

const request = (id: string, requestId = 'r1'): AuthorizationRequestEvent => ({ type: 'authorizationRequest', connector: 1, idToken: { id, type: 'card' }, requestId });

/** Lets promise reactions run (the fake clock fires timers synchronously). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function station(preset: Record<string, string> = {}, options: { rpcTimeoutMs?: number } = {}) {
  const store = new MemoryStore();
  const clock = new FakeClock(Date.UTC(2025, 0, 6, 8));
  const dm = await DeviceModel.load({
    store,
    capabilities: PILE_CAPABILITIES,
    config: { identity: 'CS-AO', securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456' },
    now: () => new Date(clock.now()),
  });
  const values = Object.entries(preset).map(([path, attributeValue]) => {
    const [component, variable] = path.split('.') as [string, string];
    return { component: { name: component }, variable: { name: variable }, attributeValue };
  });
  if (values.length > 0) expect((await dm.set(values)).map((r) => r.attributeStatus)).toEqual(values.map(() => 'Accepted'));
  const logs: string[] = [];
  const rpc = new RpcEndpoint({ clock, callTimeoutMs: options.rpcTimeoutMs ?? MESSAGE_TIMEOUT_MS, log: (level, message) => logs.push(`${level} ${message}`) });
  const transport = new MemoryTransport();
  const commands: ChargerCommand[] = [];
  let seq = 0;
  const ctx: StationContext = {
    id: 'CS-AO',
    identity: { vendor: 'V', model: 'M' },
    capabilities: PILE_CAPABILITIES,
    store,
    dm,
    rpc,
    clock,
    log: (level, message) => logs.push(`${level} ${message}`),
    charger: {
      send: (c) => {
        commands.push(c);
        return { status: 'sent' };
      },
    },
    call: (action, payload, callOptions) => rpc.call(action, payload, callOptions),
    // The boot was accepted earlier in the engine's life; only the connection comes and goes.
    isAccepted: () => true,
    isOnline: () => rpc.state === 'attached',
    commandId: (p) => `${p}-${++seq}`,
    ...engineStubs(),
  };
  const auth = new Authorization(ctx);
  await auth.localList.load();
  /** Installs a Full local list (and lets the charger copy go out). */
  const localList = async (entries: Entry[]): Promise<void> => {
    const r = await auth.localList.sendLocalList({ versionNumber: 1, updateType: 'Full', localAuthorizationList: entries });
    if ('after' in r) await r.after();
  };
  /** Answers to the charger's authorization requests. */
  const answers = () => commands.filter((c) => c.type === 'authorize');
  /** Authorize CALLs written to the CSMS. */
  const written = () => transport.sent.filter((f) => f[0] === 2 && f[2] === 'Authorize');
  return { auth, rpc, transport, clock, logs, localList, answers, written };
}

describe('Authorization while the CSMS cannot answer', () => {
  it('a boot accepted earlier with the connection gone: the offline policy answers at once and no AuthorizeRequest waits for the next connection', async () => {
    for (const [policy, accepted] of [
      ['true', true],
      ['false', false],
    ] as const) {
      const s = await station({ 'AuthCtrlr.OfflineTxForUnknownIdEnabled': policy });
      s.rpc.attach(s.transport);
      s.rpc.detach('CSMS went away');
      await s.auth.request(request('CARD1'));
      expect(s.answers()).toMatchObject([{ connector: 1, requestId: 'r1', accepted, reason: expect.stringMatching(/^offline: offline policy/) }]);
      expect(s.rpc.queued).toBe(0);
      s.rpc.attach(s.transport);
      expect(s.written()).toEqual([]);
    }
  });

  it('LocalAuthorizeOffline with the connection gone: a listed token follows its list status, an unknown one the policy', async () => {
    const s = await station({ 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'false' });
    await s.localList([
      { idToken: { idToken: 'AA01', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } },
      { idToken: { idToken: 'AA02', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } },
    ]);
    expect(await s.auth.authorize({ idToken: 'AA01', type: 'ISO14443' })).toEqual({ accepted: true, reason: 'offline: Accepted in the local list' });
    expect(await s.auth.authorize({ idToken: 'AA02', type: 'ISO14443' })).toEqual({ accepted: false, reason: 'offline: Blocked in the local list' });
    expect(await s.auth.authorize({ idToken: 'ZZ99', type: 'ISO14443' })).toMatchObject({ accepted: false });
    expect(s.rpc.queued).toBe(0);
  });

  it('an AuthorizeRequest waiting behind an unanswered CALL: after MessageTimeout the offline rules answer and the request is never written', async () => {
    const s = await station({ 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'true' }, { rpcTimeoutMs: 120_000 });
    s.rpc.attach(s.transport);
    const blocking = s.rpc.call('Heartbeat', {}).catch((e: unknown) => e);
    let done = false;
    void s.auth.request(request('CARD1')).then(() => (done = true));
    await settle();
    expect(s.rpc.queued).toBe(1);
    s.clock.advance(MESSAGE_TIMEOUT_MS - 1);
    await settle();
    expect(done).toBe(false);
    s.clock.advance(1);
    await settle();
    expect(done).toBe(true);
    expect(s.answers()).toMatchObject([{ accepted: true, reason: 'CSMS did not answer within 30 s: offline policy lets unknown tokens charge' }]);
    expect(s.rpc.queued).toBe(0);
    s.clock.advance(120_000);
    await blocking;
    expect(s.written()).toEqual([]);
    expect(s.logs).toContain('warn AuthorizeRequest withdrawn: no answer in time, offline rules apply');
  });

  it('an AuthorizeRequest written and not answered within MessageTimeout: the offline rules answer, a late answer is ignored', async () => {
    const s = await station({ 'AuthCtrlr.LocalAuthorizeOffline': 'true', 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'false' }, { rpcTimeoutMs: 120_000 });
    await s.localList([{ idToken: { idToken: 'AA02', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } }]);
    s.rpc.attach(s.transport);
    const pending = s.auth.request({ type: 'authorizationRequest', connector: 1, idToken: { id: 'AA02', type: 'card' } });
    await settle();
    const [frame] = s.written();
    expect(frame).toBeDefined();
    s.clock.advance(MESSAGE_TIMEOUT_MS);
    await pending;
    expect(s.answers()).toMatchObject([{ accepted: false, reason: 'CSMS did not answer within 30 s: Blocked in the local list' }]);
    s.rpc.receive(JSON.stringify([3, frame?.[1], { idTokenInfo: { status: 'Accepted' } }]));
    await settle();
    expect(s.answers()).toHaveLength(1);
    expect(s.logs).toContain('info late CALLRESULT ignored');
  });

  it('the CSMS answering in time decides, and the bound is cleared', async () => {
    const s = await station({ 'AuthCtrlr.OfflineTxForUnknownIdEnabled': 'true' });
    s.rpc.attach(s.transport);
    const pending = s.auth.request(request('CARD1'));
    await settle();
    const [frame] = s.written();
    s.clock.advance(MESSAGE_TIMEOUT_MS - 1_000);
    s.rpc.receive(JSON.stringify([3, frame?.[1], { idTokenInfo: { status: 'Blocked' } }]));
    await pending;
    expect(s.answers()).toMatchObject([{ accepted: false, reason: 'Blocked' }]);
    expect(s.clock.pending).toBe(0);
  });
});
