/**
 * Connector status before the charger said anything (issue 12, point 8): the station never reports
 * a guessed Available. After the boot (B01) a connector whose state the charger reported is
 * reported at once; one still unknown waits for the charger up to `OCPPCommCtrlr.ChargerCommandTimeout`
 * and is then reported Unavailable. Against ocpp-rpc's strict RPCServer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorStatusEvent } from '../../src/model/events.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

const status = (connector: number, s: ConnectorStatusEvent['status']): ConnectorStatusEvent => ({
  type: 'connectorStatus',
  connector,
  status: s,
  plugged: s === 'occupied',
  chargingState: s === 'occupied' ? 'evConnected' : 'idle',
  at: new Date().toISOString(),
});

async function station(id: string): Promise<{ c: TestCsms; s: TestStation; reported: (evse: number) => unknown[] }> {
  const c = (csms = await startCsms());
  const s = await createStation({ id, url: c.url, preset: { 'OCPPCommCtrlr.ChargerCommandTimeout': '1' } });
  stations.push(s);
  const reported = (evse: number): unknown[] => c.calls.filter((x) => x.action === 'StatusNotification' && x.params.evseId === evse).map((x) => x.params.connectorStatus);
  return { c, s, reported };
}

describe('status before the charger reported it', () => {
  it('a connector the charger never reported is Unavailable after the boot, not Available', async () => {
    const { c, s, reported } = await station('CS-ST-UNKNOWN');
    s.engine.chargerEvent(status(1, 'occupied'));
    s.engine.start();
    await c.waitForCall((x) => x.action === 'StatusNotification' && x.params.evseId === 2, 4_000);
    expect(reported(1)).toEqual(['Occupied']);
    expect(reported(2)).toEqual(['Unavailable']);
    const client = await c.client('CS-ST-UNKNOWN');
    expect(await client.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 2, connectorId: 1 } })).toEqual({ status: 'Accepted' });
    await until(() => reported(2).length === 2, 'the triggered status');
    expect(reported(2)).toEqual(['Unavailable', 'Unavailable']);
    // Once the charger says, its state is reported.
    s.engine.chargerEvent(status(2, 'available'));
    await until(() => reported(2).length === 3, 'the reported status');
    expect(reported(2)).toEqual(['Unavailable', 'Unavailable', 'Available']);
  });

  it('a state the charger reports soon after the boot is the first one sent: no guessed status before it', async () => {
    const { c, s, reported } = await station('CS-ST-LATE');
    s.engine.start();
    await c.waitForCall((x) => x.action === 'BootNotification');
    await new Promise((resolve) => setTimeout(resolve, 200));
    s.engine.chargerEvent(status(1, 'occupied'));
    s.engine.chargerEvent(status(2, 'available'));
    await until(() => reported(1).length > 0 && reported(2).length > 0, 'both statuses');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(reported(1)).toEqual(['Occupied']);
    expect(reported(2)).toEqual(['Available']);
  });
});
