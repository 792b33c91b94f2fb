/**
 * UpdateFirmware's timing against ocpp-rpc's strict CSMS: retrieveDateTime and installDateTime in
 * the future (DownloadScheduled, InstallScheduled), a newer request cancelling a waiting one
 * (AcceptedCanceled), and an installation that waits for the transactions to end with the EVSEs
 * not in use Unavailable meanwhile (L01.FR.06/07).
 */
import { randomBytes } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChargerEvent } from '../../src/model/events.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { expectStatuses, firmware, firmwareStation, MemoryFirmwareServer, statuses } from '../support/firmware-rig.js';
import { startFileHttpServer, type FileHttpServer } from '../support/firmware-servers.js';
import { endStrict, until, type TestStation } from '../support/station.js';

const IMAGE = randomBytes(20_000);
let csms: TestCsms | undefined;
let http: FileHttpServer | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
  await http?.close();
  http = undefined;
});

async function setUp(id: string, more: { connectors?: number; preset?: Record<string, string> } = {}): Promise<{ csms: TestCsms; http: FileHttpServer; s: TestStation; client: RPCClient }> {
  csms = await startCsms();
  http = await startFileHttpServer({ '/fw.bin': IMAGE });
  const s = await firmwareStation({ id, csms, server: new MemoryFirmwareServer(), ...more });
  stations.push(s);
  return { csms, http, s, client: await csms.client(id) };
}

const callAt = (csms: TestCsms, id: string, status: string): number =>
  csms.calls.find((c) => c.identity === id && c.action === 'FirmwareStatusNotification' && c.params['status'] === status)?.at ?? Number.NaN;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('scheduled firmware updates', () => {
  it('waits for retrieveDateTime (DownloadScheduled) and installDateTime (InstallScheduled)', async () => {
    const { csms, client, s } = await setUp('CS-FW-SCHED');
    const retrieveAt = Date.now() + 1500;
    const installAt = Date.now() + 3000;
    const answer = await client.call('UpdateFirmware', { requestId: 21, firmware: firmware(`${http?.url}/fw.bin`, { retrieveDateTime: iso(retrieveAt), installDateTime: iso(installAt) }) });
    expect(answer).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-SCHED', ['DownloadScheduled#21', 'Downloading#21', 'Downloaded#21', 'InstallScheduled#21', 'Installing#21'], 15_000);
    expect(callAt(csms, 'CS-FW-SCHED', 'Downloading')).toBeGreaterThanOrEqual(retrieveAt - 50);
    expect(callAt(csms, 'CS-FW-SCHED', 'Installing')).toBeGreaterThanOrEqual(installAt - 50);
    expect(s.commands.filter((c) => c.type === 'updateFirmware')).toHaveLength(1);
  });

  it('cancels a waiting update for a newer request (AcceptedCanceled) and runs the newer one only', async () => {
    const { csms, client, s } = await setUp('CS-FW-CANCEL');
    const later = await client.call('UpdateFirmware', { requestId: 31, firmware: firmware(`${http?.url}/fw.bin`, { retrieveDateTime: iso(Date.now() + 3_600_000) }) });
    expect(later).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-CANCEL', ['DownloadScheduled#31']);
    const now = await client.call('UpdateFirmware', { requestId: 32, firmware: firmware(`${http?.url}/fw.bin`) });
    expect(now).toEqual({ status: 'AcceptedCanceled' });
    await expectStatuses(csms, 'CS-FW-CANCEL', ['DownloadScheduled#31', 'Downloading#32', 'Downloaded#32', 'Installing#32']);
    expect(http?.requests).toHaveLength(1);
    expect(s.commands.filter((c) => c.type === 'updateFirmware')).toHaveLength(1);
  });
});

describe('installation and transactions', () => {
  const at = (): string => new Date().toISOString();

  it('waits for the transaction to end, with the other EVSE Unavailable and refusing starts meanwhile', async () => {
    const { csms, client, s } = await setUp('CS-FW-TX', { connectors: 2 });
    const feed = (e: ChargerEvent): void => s.engine.chargerEvent(e);
    feed({ type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at: at() });
    feed({ type: 'connectorStatus', connector: 2, status: 'available', plugged: false, chargingState: 'idle', at: at() });
    feed({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-FW-1', meterStartWh: 1000, at: at() });
    await until(() => csms.calls.some((c) => c.identity === 'CS-FW-TX' && c.action === 'TransactionEvent'), 'the transaction to start');
    expect(await client.call('UpdateFirmware', { requestId: 41, firmware: firmware(`${http?.url}/fw.bin`) })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-TX', ['Downloading#41', 'Downloaded#41']);
    const evse2 = (): unknown[] => csms.calls.filter((c) => c.identity === 'CS-FW-TX' && c.action === 'StatusNotification' && c.params['evseId'] === 2).map((c) => c.params['connectorStatus']);
    await until(() => evse2().at(-1) === 'Unavailable', 'EVSE 2 Unavailable');
    const start = (await client.call('RequestStartTransaction', { evseId: 2, remoteStartId: 1, idToken: { idToken: 'CARD-2', type: 'ISO14443' } })) as { status: string };
    expect(start.status).toBe('Rejected');
    await new Promise((r) => setTimeout(r, 500));
    expect(s.commands.filter((c) => c.type === 'updateFirmware')).toEqual([]);
    expect(statuses(csms, 'CS-FW-TX')).toEqual(['Downloading#41', 'Downloaded#41']);

    feed({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-FW-1', meterStopWh: 2000, at: at(), reason: 'local' });
    feed({ type: 'connectorStatus', connector: 1, status: 'available', plugged: false, chargingState: 'idle', at: at() });
    await expectStatuses(csms, 'CS-FW-TX', ['Downloading#41', 'Downloaded#41', 'Installing#41']);
    expect(s.commands.filter((c) => c.type === 'updateFirmware')).toHaveLength(1);
  });

  it('lets new sessions start while it waits when AllowNewSessionsPendingFirmwareUpdate is true', async () => {
    const { csms, client, s } = await setUp('CS-FW-TX-ALLOW', { connectors: 2, preset: { 'ChargingStation.AllowNewSessionsPendingFirmwareUpdate': 'true' } });
    const feed = (e: ChargerEvent): void => s.engine.chargerEvent(e);
    feed({ type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at: at() });
    feed({ type: 'connectorStatus', connector: 2, status: 'available', plugged: false, chargingState: 'idle', at: at() });
    feed({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-FW-2', meterStartWh: 1000, at: at() });
    expect(await client.call('UpdateFirmware', { requestId: 42, firmware: firmware(`${http?.url}/fw.bin`) })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-TX-ALLOW', ['Downloading#42', 'Downloaded#42']);
    await new Promise((r) => setTimeout(r, 500));
    const evse2 = csms.calls.filter((c) => c.identity === 'CS-FW-TX-ALLOW' && c.action === 'StatusNotification' && c.params['evseId'] === 2).map((c) => c.params['connectorStatus']);
    expect(evse2).not.toContain('Unavailable');
    expect(s.commands.filter((c) => c.type === 'updateFirmware')).toEqual([]);
  });
});
