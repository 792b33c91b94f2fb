/**
 * A firmware update outlives its engine (the charger's connection, or the gateway, goes away and
 * the station runs again over the same store): a running update resumes from its request, and an
 * update the charger took is decided by the charger's next login.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/store/state-store.js';
import { MemoryStore } from '../../src/store/memory.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { expectStatuses, firmware, firmwareStation, MemoryFirmwareServer, statuses } from '../support/firmware-rig.js';
import { startFileHttpServer, type FileHttpServer } from '../support/firmware-servers.js';
import { endStrict, until, type TestStation } from '../support/station.js';

const IMAGE = randomBytes(10_000);
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

async function again(id: string, store: StateStore, server: MemoryFirmwareServer, firmwareVersion: string): Promise<TestStation> {
  if (csms === undefined) throw new Error('no CSMS');
  const s = await firmwareStation({ id, csms, store, server, firmwareVersion });
  stations.push(s);
  s.engine.chargerEvent({ type: 'identified', chargerId: id, firmware: firmwareVersion, connectorCount: 1, currentType: 'DC', protocol: { name: 'test' } });
  return s;
}

describe('firmware updates across restarts', () => {
  it('resumes a scheduled update from its request when the station runs again', async () => {
    csms = await startCsms();
    http = await startFileHttpServer({ '/fw.bin': IMAGE });
    const store = new MemoryStore();
    const server = new MemoryFirmwareServer();
    const first = await firmwareStation({ id: 'CS-FW-RESUME', csms, store, server });
    stations.push(first);
    const client = await csms.client('CS-FW-RESUME');
    const retrieveAt = new Date(Date.now() + 2_000).toISOString();
    expect(await client.call('UpdateFirmware', { requestId: 51, firmware: firmware(`${http.url}/fw.bin`, { retrieveDateTime: retrieveAt }) })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-RESUME', ['DownloadScheduled#51']);
    await first.engine.stop();
    const second = await again('CS-FW-RESUME', store, server, '1.2.3');
    await expectStatuses(csms, 'CS-FW-RESUME', ['DownloadScheduled#51', 'DownloadScheduled#51', 'Downloading#51', 'Downloaded#51', 'Installing#51'], 15_000);
    expect(http.requests).toHaveLength(1);
    expect(first.commands.filter((c) => c.type === 'updateFirmware')).toEqual([]);
    expect(second.commands.filter((c) => c.type === 'updateFirmware')).toHaveLength(1);
  });

  it('keeps waiting when the charger comes back with the version it had, and fails the installation at the deadline', async () => {
    csms = await startCsms();
    http = await startFileHttpServer({ '/fw.bin': IMAGE });
    const store = new MemoryStore();
    const server = new MemoryFirmwareServer();
    const first = await firmwareStation({ id: 'CS-FW-SAME', csms, store, server, extra: { firmwareLimits: { installWaitMs: 3_000 } } });
    stations.push(first);
    const client = await csms.client('CS-FW-SAME');
    expect(await client.call('UpdateFirmware', { requestId: 52, firmware: firmware(`${http.url}/fw.bin`) })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-SAME', ['Downloading#52', 'Downloaded#52', 'Installing#52']);
    await first.engine.stop();
    const second = await again('CS-FW-SAME', store, server, '1.2.3');
    const boots = csms.calls.filter((c) => c.identity === 'CS-FW-SAME' && c.action === 'BootNotification').map((c) => c.params['reason']);
    expect(boots).toEqual(['PowerUp', 'PowerUp']);
    await new Promise((r) => setTimeout(r, 500));
    expect(statuses(csms, 'CS-FW-SAME')).toEqual(['Downloading#52', 'Downloaded#52', 'Installing#52']);
    expect(second.logs.some((l) => l.message === 'charger identified with the firmware version it had: the installation is still awaited')).toBe(true);
    await expectStatuses(csms, 'CS-FW-SAME', ['Downloading#52', 'Downloaded#52', 'Installing#52', 'InstallationFailed#52'], 10_000);
  });

  it('keeps an image the charger was told to fetch published when its connection drops before it answered, for the time it was given', async () => {
    csms = await startCsms();
    http = await startFileHttpServer({ '/fw.bin': IMAGE });
    const store = new MemoryStore();
    const server = new MemoryFirmwareServer();
    // The charger never answers: it is still fetching when its connection drops.
    const first = await firmwareStation({ id: 'CS-FW-FETCHING', csms, store, server, answer: () => undefined, extra: { firmwareLimits: { chargerDownloadTimeoutS: 2 } } });
    stations.push(first);
    const client = await csms.client('CS-FW-FETCHING');
    expect(await client.call('UpdateFirmware', { requestId: 54, firmware: firmware(`${http.url}/fw.bin`) })).toEqual({ status: 'Accepted' });
    await until(() => first.commands.some((c) => c.type === 'updateFirmware'), 'the update command');
    await first.engine.stop();
    expect(server.published.map((p) => p.released)).toEqual([false]);
    await until(() => server.published[0]?.released === true, 'the image released after the download time', 5_000);
    // The charger comes back with the new firmware: Installed, from the stored update.
    await again('CS-FW-FETCHING', store, server, '2.0.0');
    await expectStatuses(csms, 'CS-FW-FETCHING', ['Downloading#54', 'Downloaded#54', 'Installed#54']);
  });

  it('does not resume an update the station can no longer carry out (no firmware server now): InstallationFailed, nothing downloaded', async () => {
    csms = await startCsms();
    http = await startFileHttpServer({ '/fw.bin': IMAGE });
    const store = new MemoryStore();
    const first = await firmwareStation({ id: 'CS-FW-NOPATH', csms, store, server: new MemoryFirmwareServer() });
    stations.push(first);
    const client = await csms.client('CS-FW-NOPATH');
    const retrieveAt = new Date(Date.now() + 1_000).toISOString();
    expect(await client.call('UpdateFirmware', { requestId: 55, firmware: firmware(`${http.url}/fw.bin`, { retrieveDateTime: retrieveAt }) })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-NOPATH', ['DownloadScheduled#55']);
    await first.engine.stop();
    const second = await firmwareStation({ id: 'CS-FW-NOPATH', csms, store });
    stations.push(second);
    await expectStatuses(csms, 'CS-FW-NOPATH', ['DownloadScheduled#55', 'InstallationFailed#55']);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(http.requests).toEqual([]);
    expect(second.logs.find((l) => l.message === 'stored firmware update dropped: the station can no longer carry it out')?.data?.['reason']).toMatch(/no firmware server/);
  });
});
