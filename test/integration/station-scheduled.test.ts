/**
 * What was answered Scheduled (B12 Reset OnIdle, G03/G04 ChangeAvailability during a session) is
 * carried out when the session ends, on the same rule as at once: the charger is told first, and
 * only its confirmation changes the station (reboot, operative state). Against ocpp-rpc's strict
 * RPCServer, with a fake charger whose answers the test chooses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChargerCommand } from '../../src/model/commands.js';
import type { ChargerEvent, CommandResultEvent } from '../../src/model/events.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

const at = (): string => new Date().toISOString();

/** A booted two-connector station, both idle, a session running on EVSE 1; `answer` decides the charger's answers. */
async function charging(id: string, answer: (c: ChargerCommand) => CommandResultEvent['status'] | undefined) {
  const c = (csms = await startCsms());
  const s = await createStation({ id, url: c.url, answer });
  stations.push(s);
  const feed = (...events: ChargerEvent[]): void => {
    for (const e of events) s.engine.chargerEvent(e);
  };
  feed(
    { type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at: at() },
    { type: 'connectorStatus', connector: 2, status: 'available', plugged: false, chargingState: 'idle', at: at() },
    { type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-1', meterStartWh: 0, at: at() },
  );
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'boot accepted');
  await c.waitForCall((x) => x.action === 'TransactionEvent');
  const end = (): void =>
    feed(
      { type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-1', meterStopWh: 1000, at: at(), reason: 'local' },
      { type: 'connectorStatus', connector: 1, status: 'available', plugged: false, chargingState: 'idle', at: at() },
    );
  return { c, s, client: await c.client(id), end };
}

describe('Scheduled, then carried out when the session ends', () => {
  it('Reset OnIdle: the charger is reset once idle and the station boots with ScheduledReset', async () => {
    const { c, s, client, end } = await charging('CS-SCH-RESET', () => 'accepted');
    expect(await client.call('Reset', { type: 'OnIdle' })).toEqual({ status: 'Scheduled' });
    expect(s.commands.some((x) => x.type === 'reset')).toBe(false);
    end();
    await c.waitForCall((x) => x.action === 'BootNotification' && x.params.reason === 'ScheduledReset', 6_000);
    expect(s.commands.filter((x) => x.type === 'reset')).toHaveLength(1);
  });

  it('Reset OnIdle refused by the charger once idle: no reboot, the refusal logged', async () => {
    const { c, s, client, end } = await charging('CS-SCH-NORESET', (x) => (x.type === 'reset' ? 'rejected' : 'accepted'));
    expect(await client.call('Reset', { type: 'OnIdle' })).toEqual({ status: 'Scheduled' });
    end();
    await until(() => s.logs.some((l) => l.message === 'scheduled reset refused by the charger: no reboot'), 'the refusal');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(c.calls.filter((x) => x.action === 'BootNotification')).toHaveLength(1);
  });

  it('ChangeAvailability Inoperative during a session: told to the charger when it ends; Unavailable only once confirmed', async () => {
    let refuse = true;
    const { c, s, client, end } = await charging('CS-SCH-AV', (x) => (x.type === 'setAvailability' && refuse ? 'rejected' : 'accepted'));
    const unavailable = (): boolean => c.calls.some((x) => x.action === 'StatusNotification' && x.params.evseId === 1 && x.params.connectorStatus === 'Unavailable');
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Scheduled' });
    end();
    await until(() => s.logs.some((l) => l.message === 'scheduled availability change refused by the charger: not applied'), 'the refusal');
    await c.waitForCall((x) => x.action === 'StatusNotification' && x.params.evseId === 1 && x.params.connectorStatus === 'Available');
    expect(unavailable()).toBe(false);
    // Asked again now that nothing runs: at once, and confirmed this time.
    refuse = false;
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
    await until(unavailable, 'EVSE 1 Unavailable');
    expect(s.commands.filter((x) => x.type === 'setAvailability').map((x) => (x.type === 'setAvailability' ? `${x.connector}:${x.available}` : ''))).toEqual(['1:false', '1:false']);
  });
});
