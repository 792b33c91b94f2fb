/**
 * Issue 12, point 8: no connector status is reported before the charger said what it is. A
 * connector the charger said nothing about is not reported at all (the station keeps its own
 * default), whether the general interrogation was refused, never terminated, or not asked for; and
 * a stale ACT_TERM resent on reconnect does not end the start-up interrogation before its data is
 * in (the "Available, then Occupied 90 ms later" flap). Real TCP, controlled station.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import type { ChargerEvent } from '../../src/model/events.js';
import type { CodecHost } from '../support/codec-host.js';
import { buildAsdu, interrogation, svaQds, type ControlledStation } from '../support/controlled-station.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { GUN, M_ME_NB_1, dcInterrogation, eventsOf, hostWithPeer, sleep } from '../support/iec104-peer.js';

let host: CodecHost | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await host?.close();
  host = peer = undefined;
});

const CA = 42;
const gun1 = (state: number, cot = 3): Buffer => buildAsdu({ ti: M_ME_NB_1, cot, ca: CA }, [{ ioa: 0x4001, element: svaQds(state) }]);
const statuses = (events: readonly ChargerEvent[]): string[] => events.flatMap((e) => (e.type === 'connectorStatus' ? [`${e.connector} ${e.status}`] : []));

describe('connector statuses at start-up', () => {
  it('reports nothing for a connector the charger said nothing about when it refuses the general interrogation', async () => {
    const setup = await hostWithPeer(CA, { interrogationAnswer: 'refuse' });
    ({ host, peer } = setup);
    await sleep(100);
    expect(eventsOf(setup.conn, 'connectorStatus')).toEqual([]);
    // What the charger then says is reported, and only that.
    peer.sendAsdus([gun1(GUN.charging)]);
    await host.waitFor((e) => e.type === 'connectorStatus');
    await sleep(50);
    expect(statuses(setup.conn.events)).toEqual(['1 occupied']);
  });

  it('reports only the connectors the data named when the interrogation is confirmed but never terminated', async () => {
    const mapping: Iec104PointsMapping = { ...loadExampleMapping('example-dc-2gun'), commandTimeoutSeconds: 0.3 };
    const setup = await hostWithPeer(CA, { interrogationAnswer: 'confirm-only', interrogationData: () => [gun1(GUN.plugged, 20)] }, mapping);
    ({ host, peer } = setup);
    await host.waitFor((e) => e.type === 'connectorStatus');
    await sleep(400);
    expect(statuses(setup.conn.events)).toEqual(['1 occupied']);
  });

  it('does not take a termination resent from the last connection for the end of the new interrogation', async () => {
    const setup = await hostWithPeer(CA, { interrogationAnswer: 'silent' });
    ({ host, peer } = setup);
    // After STARTDT the charger first resends what the last connection left unacknowledged: the
    // end of an interrogation. Its answer to ours comes 90 ms later.
    peer.sendAsdus([interrogation(10, CA)]);
    await sleep(90);
    peer.sendAsdus([interrogation(7, CA), ...dcInterrogation(CA, [GUN.charging, GUN.idle]), interrogation(10, CA)]);
    await host.waitFor((e) => e.type === 'connectorStatus' && e.connector === 2);
    await sleep(50);
    expect(statuses(setup.conn.events)).toEqual(['1 occupied', '2 available']);
    expect(eventsOf(setup.conn, 'sessionStarted')).toHaveLength(1);
  });
});
