/**
 * Reservations (OCPP 2.0.1 H01-H04) against ocpp-rpc's strict RPCServer, the charger driven by
 * canonical events: the EVSE shown Reserved, other tokens refused (remote start and card), the
 * reserved token's session carrying the reservationId, expiry, cancel, removal, the ReserveNow
 * answers, and the charger told to refuse other starts where only it decides them (the IEC 104
 * example mapping: `setAvailability` per connector).
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { ChargerEvent } from '../../src/model/events.js';
import type { StationEngine } from '../../src/station/engine.js';
import { startCsms, type TestCsms, type TestCsmsOptions } from '../support/csms.js';
import { createStation, endStrict, PILE_CAPABILITIES, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();
const RES_TOKEN = { idToken: 'RES-0001', type: 'ISO14443' } as const;
const OTHER_TOKEN = { idToken: 'OTHER-0002', type: 'ISO14443' } as const;

interface Rig {
  readonly s: TestStation;
  readonly client: RPCClient;
  readonly csms: TestCsms;
  /** Every command the charger was given. */
  readonly commands: ChargerCommand[];
  feed(...events: ChargerEvent[]): void;
  /** `setAvailability` commands so far, as `connector:on|off`. */
  told(): string[];
  statuses(evse: number): string[];
}

/**
 * A booted station with every connector reported available. Its charger confirms every command
 * (`canHold` false: it has no availability command for its connectors); `pile`: a charger that
 * asks the gateway about every card (YKC-like), with no availability command at all.
 */
async function rig(
  id: string,
  opts: { pile?: boolean; canHold?: boolean; holdAnswer?: () => 'accepted' | 'rejected'; csmsOptions?: TestCsmsOptions; preset?: Record<string, string> } = {},
): Promise<Rig> {
  csms ??= await startCsms(opts.csmsOptions);
  const c = csms;
  const ref: { engine?: StationEngine } = {};
  const send = (command: ChargerCommand): CommandOutcome => {
    if (command.type === 'setAvailability' && opts.canHold === false) return { status: 'notSupported', reason: `no availability command for connector ${command.connector}` };
    const status = command.type === 'setAvailability' ? (opts.holdAnswer?.() ?? 'accepted') : 'accepted';
    setImmediate(() => ref.engine?.chargerEvent({ type: 'commandResult', commandId: command.id, status }));
    return { status: 'sent' };
  };
  const commands: ChargerCommand[] = [];
  const s = await createStation({
    id,
    url: c.url,
    ...(opts.preset !== undefined ? { preset: opts.preset } : {}),
    extra: {
      charger: {
        send: (command) => {
          commands.push(command);
          return send(command);
        },
      },
      ...(opts.pile === true ? { capabilities: PILE_CAPABILITIES } : {}),
    },
  });
  stations.push(s);
  ref.engine = s.engine;
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'boot accepted');
  const feed = (...events: ChargerEvent[]): void => {
    for (const e of events) s.engine.chargerEvent(e);
  };
  const connectors = opts.pile === true ? 1 : 2;
  for (let n = 1; n <= connectors; n++) feed({ type: 'connectorStatus', connector: n, status: 'available', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
  const statuses = (evse: number): string[] => c.calls.filter((x) => x.identity === id && x.action === 'StatusNotification' && x.params.evseId === evse).map((x) => String(x.params.connectorStatus));
  await until(() => statuses(1).includes('Available'), 'EVSE 1 reported Available');
  return {
    s,
    client: await c.client(id),
    csms: c,
    commands,
    feed,
    told: () => commands.filter((x) => x.type === 'setAvailability').map((x) => (x.type === 'setAvailability' ? `${x.connector}:${x.available ? 'on' : 'off'}` : '')),
    statuses,
  };
}

const last = (list: string[]): string | undefined => list[list.length - 1];
const updates = (c: TestCsms, id: string): unknown[] => c.calls.filter((x) => x.identity === id && x.action === 'ReservationStatusUpdate').map((x) => x.params);

describe('ReserveNow on a charger that decides its own starts (IEC 104 point table)', () => {
  it('holds the charger, shows Reserved, refuses other tokens, and lets the reserved token start with its reservationId', async () => {
    const r = await rig('CS-RES-HOLD');
    expect(await r.client.call('ReserveNow', { id: 7, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    expect(r.told()).toEqual(['1:off']);
    await until(() => last(r.statuses(1)) === 'Reserved', 'EVSE 1 Reserved');
    // The charger now reports the connector it was told to refuse: still Reserved, never Unavailable.
    r.feed({ type: 'connectorStatus', connector: 1, status: 'unavailable', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await r.s.engine.eventsHandled();
    expect(r.statuses(1)).not.toContain('Unavailable');

    expect(await r.client.call('RequestStartTransaction', { idToken: OTHER_TOKEN, remoteStartId: 1, evseId: 1 })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Reserved' } });
    // Without an EVSE, another token goes to the EVSE nobody reserved.
    expect(await r.client.call('RequestStartTransaction', { idToken: OTHER_TOKEN, remoteStartId: 2 })).toEqual({ status: 'Accepted' });
    expect(r.commands.filter((x) => x.type === 'startCharging').map((x) => (x.type === 'startCharging' ? x.connector : 0))).toEqual([2]);

    expect(await r.client.call('RequestStartTransaction', { idToken: RES_TOKEN, remoteStartId: 3, evseId: 1 })).toEqual({ status: 'Accepted' });
    // Made available first, then started.
    expect(r.told()).toEqual(['1:off', '1:on']);
    const start = r.commands.filter((x) => x.type === 'startCharging').find((x) => x.type === 'startCharging' && x.connector === 1);
    expect(start).toBeDefined();
    r.feed({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-1', meterStartWh: 1000, at: new Date().toISOString(), commandId: start?.id ?? '' });
    const started = await r.csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started' && (x.params.evse as { id: number }).id === 1);
    expect(started.params).toMatchObject({ reservationId: 7, triggerReason: 'RemoteStart', idToken: RES_TOKEN, transactionInfo: { remoteStartId: 3 } });
    expect(await r.s.store.get('CS-RES-HOLD', 'reservation:7')).toBeUndefined();
    // Used: no ReservationStatusUpdate, and a cancel finds nothing.
    expect(await r.client.call('CancelReservation', { reservationId: 7 })).toMatchObject({ status: 'Rejected' });
    expect(updates(r.csms, 'CS-RES-HOLD')).toEqual([]);
  }, 30_000);

  it('holds the charger again when it comes back available (a reset, a power cycle, a reconnection dropped the hold)', async () => {
    const r = await rig('CS-RES-REHOLD');
    expect(await r.client.call('ReserveNow', { id: 11, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    r.feed({ type: 'connectorStatus', connector: 1, status: 'unavailable', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await until(() => last(r.statuses(1)) === 'Reserved', 'EVSE 1 Reserved');
    // The charger reports the connector available: it no longer refuses other starts there.
    r.feed({ type: 'connectorStatus', connector: 1, status: 'available', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await until(() => r.told().length === 2, 'charger told to hold again');
    expect(r.told()).toEqual(['1:off', '1:off']);
    await r.s.engine.eventsHandled();
    expect(last(r.statuses(1))).toBe('Reserved');
    expect(updates(r.csms, 'CS-RES-REHOLD')).toEqual([]);
  }, 30_000);

  it('removes the reservation (ReservationStatusUpdate Removed) when the charger came back available and refuses to be held again', async () => {
    let holds = 0;
    const r = await rig('CS-RES-LOST', { holdAnswer: () => (++holds === 1 ? 'accepted' : 'rejected') });
    expect(await r.client.call('ReserveNow', { id: 12, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    r.feed({ type: 'connectorStatus', connector: 1, status: 'unavailable', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await until(() => last(r.statuses(1)) === 'Reserved', 'EVSE 1 Reserved');
    r.feed({ type: 'connectorStatus', connector: 1, status: 'available', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await r.csms.waitForCall((x) => x.action === 'ReservationStatusUpdate', 8_000);
    expect(updates(r.csms, 'CS-RES-LOST')).toEqual([{ reservationId: 12, reservationUpdateStatus: 'Removed' }]);
    await until(() => last(r.statuses(1)) === 'Available', 'EVSE 1 Available');
    expect(await r.s.store.get('CS-RES-LOST', 'reservation:12')).toBeUndefined();
    // Nothing to lift: the charger is available already.
    expect(r.told()).toEqual(['1:off', '1:off']);
  }, 30_000);

  it('expires: ReservationStatusUpdate Expired, the charger made available again, the EVSE Available', async () => {
    const r = await rig('CS-RES-EXPIRE');
    expect(await r.client.call('ReserveNow', { id: 8, expiryDateTime: inSeconds(1.5), idToken: RES_TOKEN, evseId: 2 })).toEqual({ status: 'Accepted' });
    await until(() => last(r.statuses(2)) === 'Reserved', 'EVSE 2 Reserved');
    await r.csms.waitForCall((x) => x.action === 'ReservationStatusUpdate', 8_000);
    expect(updates(r.csms, 'CS-RES-EXPIRE')).toEqual([{ reservationId: 8, reservationUpdateStatus: 'Expired' }]);
    await until(() => last(r.statuses(2)) === 'Available', 'EVSE 2 Available again');
    await until(() => r.told().length === 2, 'charger made available');
    expect(r.told()).toEqual(['2:off', '2:on']);
    expect(await r.s.store.get('CS-RES-EXPIRE', 'reservation:8')).toBeUndefined();
  }, 30_000);

  it('cancels a known reservation (Accepted, Available again) and rejects an unknown one', async () => {
    const r = await rig('CS-RES-CANCEL');
    await r.client.call('ReserveNow', { id: 9, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 1 });
    await until(() => last(r.statuses(1)) === 'Reserved', 'EVSE 1 Reserved');
    expect(await r.client.call('CancelReservation', { reservationId: 99 })).toMatchObject({ status: 'Rejected' });
    expect(await r.client.call('CancelReservation', { reservationId: 9 })).toEqual({ status: 'Accepted' });
    await until(() => last(r.statuses(1)) === 'Available', 'EVSE 1 Available');
    expect(r.told()).toEqual(['1:off', '1:on']);
    expect(updates(r.csms, 'CS-RES-CANCEL')).toEqual([]);
  }, 30_000);

  it('answers Faulted, Occupied, Unavailable and Rejected where it cannot reserve, and replaces a reservation with the same id', async () => {
    const r = await rig('CS-RES-ANSWERS');
    const reserve = (id: number, evseId: number | undefined, extra: Record<string, unknown> = {}): Promise<unknown> =>
      r.client.call('ReserveNow', { id, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, ...(evseId !== undefined ? { evseId } : {}), ...extra });
    expect(await reserve(1, undefined)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NoEvse' } });
    expect(await reserve(1, 3)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } });
    // The DC example publishes cCCS2 (no connector type configured).
    expect(await reserve(1, 1, { connectorType: 'cType2' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'UnknownConnector' } });
    expect(await r.client.call('ReserveNow', { id: 1, expiryDateTime: inSeconds(-5), idToken: RES_TOKEN, evseId: 1 })).toMatchObject({ status: 'Rejected' });

    r.feed({ type: 'connectorStatus', connector: 2, status: 'faulted', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await r.s.engine.eventsHandled();
    expect(await reserve(1, 2)).toEqual({ status: 'Faulted' });
    r.feed({ type: 'connectorStatus', connector: 2, status: 'occupied', plugged: true, chargingState: 'evConnected', at: new Date().toISOString() });
    await r.s.engine.eventsHandled();
    expect(await reserve(1, 2)).toEqual({ status: 'Occupied' });
    expect(await r.client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
    expect(await reserve(1, 1)).toEqual({ status: 'Unavailable' });
    expect(await r.client.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });

    expect(await reserve(1, 1, { connectorType: 'cCCS2' })).toEqual({ status: 'Accepted' });
    expect(await reserve(2, 1)).toMatchObject({ status: 'Occupied', statusInfo: { reasonCode: 'AlreadyReserved' } });
    // Same id, later expiry, same EVSE: replaced, still held (nothing more told to the charger).
    const toldBefore = r.told().length;
    expect(await r.client.call('ReserveNow', { id: 1, expiryDateTime: inSeconds(900), idToken: OTHER_TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    expect(r.told().length).toBe(toldBefore);
    expect(await r.client.call('RequestStartTransaction', { idToken: RES_TOKEN, remoteStartId: 5, evseId: 1 })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Reserved' } });
    expect(((await r.s.store.get('CS-RES-ANSWERS', 'reservation:1')) as { idToken: unknown }).idToken).toEqual(OTHER_TOKEN);
  }, 30_000);

  it('moves a reservation to another EVSE when its id comes again, and keeps it where it was when the new EVSE cannot be reserved', async () => {
    const r = await rig('CS-RES-MOVE');
    expect(await r.client.call('ReserveNow', { id: 5, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    await until(() => last(r.statuses(1)) === 'Reserved', 'EVSE 1 Reserved');
    r.feed({ type: 'connectorStatus', connector: 2, status: 'faulted', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await r.s.engine.eventsHandled();
    expect(await r.client.call('ReserveNow', { id: 5, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 2 })).toEqual({ status: 'Faulted' });
    expect(await r.s.store.get('CS-RES-MOVE', 'reservation:5')).toMatchObject({ evseId: 1 });
    r.feed({ type: 'connectorStatus', connector: 2, status: 'available', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await r.s.engine.eventsHandled();
    expect(await r.client.call('ReserveNow', { id: 5, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 2 })).toEqual({ status: 'Accepted' });
    await until(() => last(r.statuses(1)) === 'Available' && last(r.statuses(2)) === 'Reserved', 'EVSE 1 Available, EVSE 2 Reserved');
    expect(r.told()).toEqual(['1:off', '2:off', '1:on']);
    expect(await r.s.store.get('CS-RES-MOVE', 'reservation:5')).toMatchObject({ evseId: 2 });
    expect(updates(r.csms, 'CS-RES-MOVE')).toEqual([]);
  });

  it('rejects everything while ReservationCtrlr.Enabled is false', async () => {
    const r = await rig('CS-RES-OFF', { preset: { 'ReservationCtrlr.Enabled': 'false' } });
    expect(await r.client.call('ReserveNow', { id: 1, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 1 })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Disabled' } });
    expect(await r.client.call('CancelReservation', { reservationId: 1 })).toMatchObject({ status: 'Rejected' });
    expect(r.told()).toEqual([]);
  });

  it('says GatewayEnforced when the charger cannot be told, and removes the reservation when the EVSE faults', async () => {
    const r = await rig('CS-RES-ENFORCED', { canHold: false });
    expect(await r.client.call('ReserveNow', { id: 4, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 2 })).toMatchObject({
      status: 'Accepted',
      statusInfo: { reasonCode: 'GatewayEnforced' },
    });
    await until(() => last(r.statuses(2)) === 'Reserved', 'EVSE 2 Reserved');
    r.feed({ type: 'connectorStatus', connector: 2, status: 'faulted', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    await r.csms.waitForCall((x) => x.action === 'ReservationStatusUpdate');
    expect(updates(r.csms, 'CS-RES-ENFORCED')).toEqual([{ reservationId: 4, reservationUpdateStatus: 'Removed' }]);
    await until(() => last(r.statuses(2)) === 'Faulted', 'EVSE 2 Faulted');
    expect(r.statuses(2)).toEqual(['Available', 'Reserved', 'Faulted']);
  });
});

describe('card swipes at a reserved EVSE of a charger that asks the gateway (YKC-like)', () => {
  it('refuses another card without asking the CSMS, lets the reserved card and a card of its group start, and the session uses the reservation', async () => {
    const r = await rig('CS-RES-CARD', { pile: true, csmsOptions: { authorizeGroup: (_id, token) => (token === 'MEMBER-1' ? 'GROUP-A' : undefined) } });
    expect(await r.client.call('ReserveNow', { id: 11, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, groupIdToken: { idToken: 'GROUP-A', type: 'Central' }, evseId: 1 })).toEqual({
      status: 'Accepted',
    });
    expect(r.told()).toEqual([]);
    await until(() => last(r.statuses(1)) === 'Reserved', 'EVSE 1 Reserved');
    const answers = (): unknown[] => r.commands.filter((x) => x.type === 'authorize').map((x) => (x.type === 'authorize' ? [x.idToken.id, x.accepted] : []));
    const authorizeCalls = (): string[] => r.csms.calls.filter((x) => x.action === 'Authorize').map((x) => (x.params.idToken as { idToken: string }).idToken);

    r.feed({ type: 'authorizationRequest', connector: 1, idToken: { id: 'STRANGER-9', type: 'card' }, requestId: 'a' });
    await until(() => answers().length === 1, 'first answer');
    // The reservation has a group: the CSMS is asked, names no group for this card, and it is refused.
    expect(answers()).toEqual([['STRANGER-9', false]]);
    expect(r.commands.find((x) => x.type === 'authorize')).toMatchObject({ reason: 'NotAtThisTime' });
    r.feed({ type: 'authorizationRequest', connector: 1, idToken: { id: 'MEMBER-1', type: 'card' }, requestId: 'b' });
    await until(() => answers().length === 2, 'second answer');
    expect(answers()[1]).toEqual(['MEMBER-1', true]);
    expect(authorizeCalls()).toEqual(['STRANGER-9', 'MEMBER-1']);

    r.feed({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'Y-1', idToken: { id: 'MEMBER-1', type: 'card' }, meterStartWh: 0, at: new Date().toISOString() });
    const started = await r.csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started');
    expect(started.params).toMatchObject({ reservationId: 11, idToken: { idToken: 'MEMBER-1', type: 'ISO14443' } });
  });

  it('refuses another card at once when the reservation has no group, and accepts the reserved card', async () => {
    const r = await rig('CS-RES-CARD2', { pile: true });
    expect(await r.client.call('ReserveNow', { id: 12, expiryDateTime: inSeconds(600), idToken: RES_TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    r.feed({ type: 'authorizationRequest', connector: 1, idToken: { id: 'OTHER-0002', type: 'card' }, requestId: 'a' });
    await until(() => r.commands.some((x) => x.type === 'authorize'), 'answer');
    expect(r.commands.find((x) => x.type === 'authorize')).toMatchObject({ accepted: false, reason: 'NotAtThisTime' });
    expect(r.csms.calls.filter((x) => x.action === 'Authorize')).toEqual([]);
    r.feed({ type: 'authorizationRequest', connector: 1, idToken: { id: 'res-0001', type: 'card' }, requestId: 'b' });
    await until(() => r.commands.filter((x) => x.type === 'authorize').length === 2, 'second answer');
    expect(r.commands.filter((x) => x.type === 'authorize')[1]).toMatchObject({ accepted: true });
  });
});
