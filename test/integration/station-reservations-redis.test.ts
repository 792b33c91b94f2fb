/**
 * Reservations survive a restart (or a hand-over) over Redis: a real redis-server started by the
 * test, one station engine stopped and a new one built over the same store. The new engine shows
 * the EVSE Reserved again, still refuses other tokens there, expires the reservation on time, and
 * one that expired while no engine ran is reported Expired once the CSMS accepted the boot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { StationEngine } from '../../src/station/engine.js';
import { RedisStore } from '../../src/store/redis.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let redis: TestRedisServer;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis.dispose();
});

const ID = 'CS-RES-REDIS';
const TOKEN = { idToken: 'RES-REDIS-1', type: 'ISO14443' } as const;
const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();

/** A booted engine over Redis whose charger confirms every command; `told` collects its setAvailability commands. */
async function engine(csms: TestCsms, told: string[]): Promise<TestStation> {
  const ref: { engine?: StationEngine } = {};
  const send = (c: ChargerCommand): CommandOutcome => {
    if (c.type === 'setAvailability') told.push(`${c.connector}:${c.available ? 'on' : 'off'}`);
    setImmediate(() => ref.engine?.chargerEvent({ type: 'commandResult', commandId: c.id, status: 'accepted' }));
    return { status: 'sent' };
  };
  const s = await createStation({ id: ID, url: csms.url, store: new RedisStore(redis.url), extra: { charger: { send } } });
  ref.engine = s.engine;
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'boot accepted');
  return s;
}

describe('reservations over Redis', () => {
  it('are kept across an engine restart: Reserved again, other tokens refused, expiry on time', async () => {
    let csms: TestCsms | undefined = await startCsms();
    const told: string[] = [];
    const first = await engine(csms, told);
    const now = (): string => new Date().toISOString();
    for (const connector of [1, 2]) first.engine.chargerEvent({ type: 'connectorStatus', connector, status: 'available', plugged: false, chargingState: 'idle', at: now() });
    const client = await csms.client(ID);
    expect(await client.call('ReserveNow', { id: 21, expiryDateTime: inSeconds(6), idToken: TOKEN, evseId: 1 })).toEqual({ status: 'Accepted' });
    expect(await client.call('ReserveNow', { id: 22, expiryDateTime: inSeconds(1), idToken: TOKEN, evseId: 2 })).toEqual({ status: 'Accepted' });
    expect(told).toEqual(['1:off', '2:off']);
    const stopped = Date.now();
    await endStrict(csms, [first]);
    await first.store.close();
    // Reservation 22 expires while no engine runs.
    await new Promise((r) => setTimeout(r, Math.max(0, 1500 - (Date.now() - stopped))));

    csms = await startCsms();
    try {
      const second = await engine(csms, told);
      // The charger reports what it was told: connector 1 unavailable for the reservation.
      second.engine.chargerEvent({ type: 'connectorStatus', connector: 1, status: 'unavailable', plugged: false, chargingState: 'idle', at: now() });
      second.engine.chargerEvent({ type: 'connectorStatus', connector: 2, status: 'unavailable', plugged: false, chargingState: 'idle', at: now() });
      const c = csms;
      const statuses = (evse: number): string[] => c.calls.filter((x) => x.action === 'StatusNotification' && x.params.evseId === evse).map((x) => String(x.params.connectorStatus));
      await until(() => statuses(1).includes('Reserved'), 'EVSE 1 Reserved after the restart');
      const update = await c.waitForCall((x) => x.action === 'ReservationStatusUpdate');
      expect(update.params).toEqual({ reservationId: 22, reservationUpdateStatus: 'Expired' });
      // The expired one's charger hold is lifted.
      await until(() => told.includes('2:on'), 'connector 2 made available again');

      const client2 = await c.client(ID);
      expect(await client2.call('RequestStartTransaction', { idToken: { idToken: 'SOMEONE-ELSE', type: 'ISO14443' }, remoteStartId: 1, evseId: 1 })).toMatchObject({
        status: 'Rejected',
        statusInfo: { reasonCode: 'Reserved' },
      });

      await c.waitForCall((x) => x.action === 'ReservationStatusUpdate' && x.params.reservationId === 21, 10_000);
      await until(() => told.includes('1:on'), 'connector 1 made available again');
      expect(c.calls.filter((x) => x.action === 'ReservationStatusUpdate').map((x) => x.params)).toEqual([
        { reservationId: 22, reservationUpdateStatus: 'Expired' },
        { reservationId: 21, reservationUpdateStatus: 'Expired' },
      ]);
      // Deleted once the charger confirmed it is available again.
      for (let i = 0; i < 50 && (await second.store.getAll(ID, 'reservation:')).size > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await second.store.getAll(ID, 'reservation:')).toEqual(new Map());
      await endStrict(c, [second]);
      await second.store.close();
    } finally {
      await csms.close();
      csms = undefined;
    }
  }, 40_000);
});
