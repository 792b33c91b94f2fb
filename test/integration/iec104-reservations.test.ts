/**
 * Reservations on a real IEC 104 charger: the whole gateway over TCP, the IEC 104 charger simulator
 * of the DC example mapping (its `setAvailability` commands per gun make a gun refuse starts) and
 * ocpp-rpc's strict RPCServer as the CSMS. The reserved gun is made unavailable on the charger and
 * shown Reserved; another token's remote start is refused; the reserved token's remote start makes
 * the gun available, starts it, and its Started event carries the reservationId; an expired
 * reservation gives the gun back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { startGatewayHarness, until, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness | undefined;

afterEach(async () => {
  const failures = h?.csms.strictFailures ?? [];
  const errors = h?.csms.errorsSent ?? [];
  await h?.close();
  h = undefined;
  expect(failures).toEqual([]);
  expect(errors).toEqual([]);
});

const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();
const TOKEN = { idToken: 'RES-IEC-1', type: 'ISO14443' } as const;

describe('reservations on an IEC 104 charger', () => {
  it('holds the reserved gun on the charger, lets only the reserved token start there, and gives an expired one back', async () => {
    h = await startGatewayHarness();
    const harness = h;
    const sim: SimulatorHandle = await harness.charger(61);
    const id = 'EXDC61';
    const statuses = (evse: number): string[] =>
      harness.csms.calls.filter((c) => c.identity === id && c.action === 'StatusNotification' && c.params.evseId === evse).map((c) => String(c.params.connectorStatus));
    for (const evse of [1, 2]) await until(() => statuses(evse).includes('Available'), `EVSE ${evse} Available`, 15_000);
    const client = await harness.csms.client(id);
    const gun = (n: number): ReturnType<SimulatorHandle['simulator']['connector']> => sim.simulator.connector(n);

    expect(await client.call('ReserveNow', { id: 31, expiryDateTime: inSeconds(600), idToken: TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    expect(gun(1).available).toBe(false);
    await until(() => statuses(1).at(-1) === 'Reserved', 'EVSE 1 Reserved', 10_000);
    // The EV arrives: the gun stays Reserved (no session yet), never Unavailable.
    sim.simulator.setPlugged(1, true);
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'SOMEONE-ELSE', type: 'ISO14443' }, remoteStartId: 1, evseId: 1 })).toMatchObject({
      status: 'Rejected',
      statusInfo: { reasonCode: 'Reserved' },
    });
    expect(gun(1).charging).toBe(false);

    expect(await client.call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 2, evseId: 1 })).toEqual({ status: 'Accepted' });
    expect(gun(1).available).toBe(true);
    const started = await harness.csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && c.params.eventType === 'Started', 15_000);
    expect(started.params).toMatchObject({ reservationId: 31, evse: { id: 1 }, transactionInfo: { remoteStartId: 2 } });
    expect(statuses(1)).not.toContain('Unavailable');
    await until(() => statuses(1).at(-1) === 'Occupied', 'EVSE 1 Occupied by the session', 10_000);

    expect(await client.call('ReserveNow', { id: 32, expiryDateTime: inSeconds(2), idToken: TOKEN, evseId: 2 })).toEqual({ status: 'Accepted' });
    expect(gun(2).available).toBe(false);
    const expired = await harness.csms.waitForCall((c) => c.identity === id && c.action === 'ReservationStatusUpdate', 10_000);
    expect(expired.params).toEqual({ reservationId: 32, reservationUpdateStatus: 'Expired' });
    await until(() => gun(2).available, 'gun 2 available again on the charger', 10_000);
    await until(() => statuses(2).at(-1) === 'Available', 'EVSE 2 Available', 10_000);
    expect(statuses(2)).toEqual(['Available', 'Reserved', 'Available']);
    expect(statuses(1)).toEqual(['Available', 'Reserved', 'Occupied']);
  }, 60_000);
});
