/**
 * UpdateFirmware (L01 signed, L02 unsigned) against ocpp-rpc's strict CSMS: the image comes from a
 * real HTTP server, its signature is made here with a test manufacturer CA, and the charger's
 * firmware update command is answered by the test. Installed is reported once the charger logs in
 * again (a new engine over the same store) with another firmware version.
 */
import { randomBytes } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TransferDownloader } from '../../src/gateway/transfers/download.js';
import type { UpdateFirmwareCommand } from '../../src/model/commands.js';
import { MemoryStore } from '../../src/store/memory.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { expectStatuses, firmware, firmwareStation, makeSigning, MemoryFirmwareServer, securityEvents, statuses, type Signing } from '../support/firmware-rig.js';
import { startFileHttpServer, type FileHttpServer } from '../support/firmware-servers.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

const IMAGE = randomBytes(50_000);
let signing: Signing;
let other: Signing;
let csms: TestCsms | undefined;
let http: FileHttpServer | undefined;
const stations: TestStation[] = [];

beforeAll(async () => {
  signing = await makeSigning('Example');
  other = await makeSigning('Someone else');
});

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
  await http?.close();
  http = undefined;
});

async function setUp(): Promise<{ csms: TestCsms; http: FileHttpServer }> {
  csms = await startCsms();
  http = await startFileHttpServer({ '/fw-2.0.0.bin': IMAGE });
  return { csms, http };
}

async function update(
  client: RPCClient,
  requestId: number,
  fw: Record<string, unknown>,
  more: Record<string, unknown> = {},
): Promise<{ status: string; statusInfo?: { reasonCode: string; additionalInfo?: string } }> {
  return (await client.call('UpdateFirmware', { requestId, firmware: fw, ...more })) as { status: string; statusInfo?: { reasonCode: string } };
}

describe('signed firmware, the charger installs it', () => {
  it('downloads, verifies, publishes, has the charger install it, and reports Installed when it comes back with a new version', async () => {
    const { csms, http } = await setUp();
    const server = new MemoryFirmwareServer();
    const store = new MemoryStore();
    const s = await firmwareStation({ id: 'CS-FW-OK', csms, server, store, extra: { manufacturerRoots: () => Promise.resolve([signing.rootPem]) } });
    stations.push(s);
    const client = await csms.client('CS-FW-OK');
    const fw = firmware(`${http.url}/fw-2.0.0.bin`, { signingCertificate: signing.certificatePem, signature: signing.sign(IMAGE) });
    expect(await update(client, 7, fw)).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-OK', ['Downloading#7', 'Downloaded#7', 'SignatureVerified#7', 'Installing#7']);
    const command = s.commands.find((c): c is UpdateFirmwareCommand => c.type === 'updateFirmware');
    expect(command).toMatchObject({ installWhen: 'idle', source: server.published[0]?.source });
    expect(server.published[0]?.image.equals(IMAGE)).toBe(true);
    expect(server.published[0]?.name).toBe('fw-2.0.0.bin');
    expect(server.published[0]?.released).toBe(false);
    // A second request cannot take back what the charger is installing (L01.FR.27).
    expect(await update(client, 8, fw)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'UnableToCancel' } });

    // The charger reboots into the new firmware: its connection, and so the engine, ends; a new one starts.
    await s.engine.stop();
    const back = await createStation({ id: 'CS-FW-OK', url: csms.url, store, extra: { identity: { vendor: 'Example', model: 'EX-DC120-2', firmwareVersion: '2.0.0' } } });
    stations.push(back);
    back.engine.chargerEvent({ type: 'identified', chargerId: 'CS-FW-OK', firmware: '2.0.0', connectorCount: 1, currentType: 'DC', protocol: { name: 'test' } });
    back.engine.start();
    await expectStatuses(csms, 'CS-FW-OK', ['Downloading#7', 'Downloaded#7', 'SignatureVerified#7', 'Installing#7', 'Installed#7']);
    const boots = csms.calls.filter((c) => c.identity === 'CS-FW-OK' && c.action === 'BootNotification');
    expect(boots.map((b) => b.params['reason'])).toEqual(['PowerUp', 'FirmwareUpdate']);
    await until(() => securityEvents(csms, 'CS-FW-OK').includes('FirmwareUpdated'), 'FirmwareUpdated security event');
    // Installed was said: a trigger now hears Idle (L01.FR.25).
    const again = await csms.client('CS-FW-OK');
    expect(await again.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-OK', ['Downloading#7', 'Downloaded#7', 'SignatureVerified#7', 'Installing#7', 'Installed#7', 'Idle']);
  });

  it('reports InvalidSignature (and the security event) for an image the signature does not match; the charger is told nothing', async () => {
    const { csms, http } = await setUp();
    const server = new MemoryFirmwareServer();
    const s = await firmwareStation({ id: 'CS-FW-BADSIG', csms, server });
    stations.push(s);
    const client = await csms.client('CS-FW-BADSIG');
    const fw = firmware(`${http.url}/fw-2.0.0.bin`, { signingCertificate: signing.certificatePem, signature: signing.sign(randomBytes(100)) });
    expect(await update(client, 3, fw)).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-BADSIG', ['Downloading#3', 'Downloaded#3', 'InvalidSignature#3']);
    await until(() => securityEvents(csms, 'CS-FW-BADSIG').includes('InvalidFirmwareSignature'), 'InvalidFirmwareSignature security event');
    expect(s.commands.filter((c) => c.type === 'updateFirmware')).toEqual([]);
    expect(server.published).toEqual([]);
    // The last status, with its request, to a trigger (L01.FR.26).
    expect(await client.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-BADSIG', ['Downloading#3', 'Downloaded#3', 'InvalidSignature#3', 'InvalidSignature#3']);
  });

  it('answers InvalidCertificate for a signing certificate no installed manufacturer root issued, before downloading anything', async () => {
    const { csms, http } = await setUp();
    const s = await firmwareStation({ id: 'CS-FW-BADCERT', csms, server: new MemoryFirmwareServer(), extra: { manufacturerRoots: () => Promise.resolve([signing.rootPem]) } });
    stations.push(s);
    const client = await csms.client('CS-FW-BADCERT');
    const fw = firmware(`${http.url}/fw-2.0.0.bin`, { signingCertificate: other.certificatePem, signature: other.sign(IMAGE) });
    expect(await update(client, 4, fw)).toMatchObject({ status: 'InvalidCertificate', statusInfo: { reasonCode: 'InvalidCertificate' } });
    expect(await update(client, 5, firmware(`${http.url}/fw-2.0.0.bin`, { signingCertificate: 'not a certificate', signature: other.sign(IMAGE) }))).toMatchObject({ status: 'InvalidCertificate' });
    await until(() => securityEvents(csms, 'CS-FW-BADCERT').filter((t) => t === 'InvalidFirmwareSigningCertificate').length === 2, 'two InvalidFirmwareSigningCertificate events', 15_000);
    expect(http.requests).toEqual([]);
    expect(statuses(csms, 'CS-FW-BADCERT')).toEqual([]);
  });

  it('reports InstallationFailed when the charger refuses the update, and takes the image down', async () => {
    const { csms, http } = await setUp();
    const server = new MemoryFirmwareServer();
    const s = await firmwareStation({ id: 'CS-FW-REFUSED', csms, server, answer: (type) => (type === 'updateFirmware' ? 'rejected' : 'accepted') });
    stations.push(s);
    const client = await csms.client('CS-FW-REFUSED');
    expect(await update(client, 9, firmware(`${http.url}/fw-2.0.0.bin`))).toEqual({ status: 'Accepted' });
    // Unsigned (L02): no signature step.
    await expectStatuses(csms, 'CS-FW-REFUSED', ['Downloading#9', 'Downloaded#9', 'InstallationFailed#9']);
    expect(server.published[0]?.released).toBe(true);
    expect(s.logs.some((l) => l.message === 'charger did not take the firmware update' && l.data?.['reasonCode'] === 'ChargerRefused')).toBe(true);
  });
});

describe('a charger that answers once it fetched the image', () => {
  it('is waited for beyond ChargerCommandTimeout, for as long as it is given to download', async () => {
    const { csms, http } = await setUp();
    const server = new MemoryFirmwareServer();
    // ChargerCommandTimeout is 2 s here; the charger answers after 3.5 s of its 5 s download window.
    const s = await firmwareStation({
      id: 'CS-FW-SLOW',
      csms,
      server,
      answer: (type) => (type === 'updateFirmware' ? undefined : 'accepted'),
      extra: { firmwareLimits: { defaultRetryIntervalS: 1, chargerDownloadTimeoutS: 5 } },
    });
    stations.push(s);
    const client = await csms.client('CS-FW-SLOW');
    expect(await update(client, 12, firmware(`${http.url}/fw-2.0.0.bin`))).toEqual({ status: 'Accepted' });
    await until(() => s.commands.some((c) => c.type === 'updateFirmware'), 'the update command', 10_000);
    const command = s.commands.find((c): c is UpdateFirmwareCommand => c.type === 'updateFirmware');
    expect(command?.downloadTimeoutS).toBe(5);
    await new Promise((r) => setTimeout(r, 3_500));
    s.engine.chargerEvent({ type: 'commandResult', commandId: command?.id ?? '', status: 'accepted' });
    await expectStatuses(csms, 'CS-FW-SLOW', ['Downloading#12', 'Downloaded#12', 'Installing#12']);
    expect(statuses(csms, 'CS-FW-SLOW')).not.toContain('InstallationFailed#12');
  }, 30_000);
});

describe('downloads', () => {
  it('retries a failed download `retries` times, `retryInterval` apart, then reports DownloadFailed; the URL password is not logged', async () => {
    const { csms, http } = await setUp();
    const s = await firmwareStation({ id: 'CS-FW-RETRY', csms, server: new MemoryFirmwareServer() });
    stations.push(s);
    const client = await csms.client('CS-FW-RETRY');
    const location = `${http.url.replace('://', '://op:pw-Secret-9@')}/missing.bin`;
    expect(await update(client, 11, firmware(location), { retries: 2, retryInterval: 1 })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-RETRY', ['Downloading#11', 'Downloading#11', 'Downloading#11', 'DownloadFailed#11'], 15_000);
    const downloads = csms.calls.filter((c) => c.identity === 'CS-FW-RETRY' && c.params['status'] === 'Downloading').map((c) => c.at);
    expect((downloads[1] ?? 0) - (downloads[0] ?? 0)).toBeGreaterThanOrEqual(900);
    expect((downloads[2] ?? 0) - (downloads[1] ?? 0)).toBeGreaterThanOrEqual(900);
    expect(http.requests.filter((r) => r.path === '/missing.bin')).toHaveLength(3);
    expect(JSON.stringify(s.logs)).not.toContain('pw-Secret-9');
    expect(s.logs.filter((l) => l.message === 'firmware download failed')).toHaveLength(3);
  });
});

describe('stations without a firmware path', () => {
  it('answers Rejected NotSupported for an IEC 104 point-table charger, and Idle to a trigger', async () => {
    const { csms, http } = await setUp();
    const s = await createStation({ id: 'CS-FW-104', url: csms.url, extra: { downloader: new TransferDownloader(), firmwareServer: new MemoryFirmwareServer() } });
    stations.push(s);
    s.engine.start();
    await until(() => s.engine.bootState === 'accepted', 'boot accepted');
    const client = await csms.client('CS-FW-104');
    const answer = await update(client, 1, firmware(`${http.url}/fw-2.0.0.bin`));
    expect(answer).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
    expect(answer.statusInfo?.additionalInfo).toMatch(/no firmware update/);
    expect(await client.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-104', ['Idle']);
    expect(http.requests).toEqual([]);
  });

  it('answers Rejected NotSupported when the gateway serves no firmware to chargers', async () => {
    const { csms, http } = await setUp();
    const s = await firmwareStation({ id: 'CS-FW-NOSERVER', csms });
    stations.push(s);
    const client = await csms.client('CS-FW-NOSERVER');
    expect(await update(client, 2, firmware(`${http.url}/fw-2.0.0.bin`))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
  });
});
