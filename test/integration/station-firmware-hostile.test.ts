/**
 * UpdateFirmware requests that are valid OCPP but hostile or broken (ocpp-rpc strict CSMS, real
 * HTTP server): absurd retries, a location nobody can download, certificates and signatures that
 * do not parse. The station answers and reports; nothing throws, nothing secret is logged.
 */
import { randomBytes } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../support/csms.js';
import { expectStatuses, firmware, firmwareStation, makeSigning, MemoryFirmwareServer, securityEvents, statuses, type Signing } from '../support/firmware-rig.js';
import { startFileHttpServer, type FileHttpServer } from '../support/firmware-servers.js';
import { endStrict, until, type TestStation } from '../support/station.js';

const IMAGE = randomBytes(10_000);
let signing: Signing;
let csms: TestCsms | undefined;
let http: FileHttpServer | undefined;
const stations: TestStation[] = [];

beforeAll(async () => {
  signing = await makeSigning('Hostile');
});

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
  await http?.close();
  http = undefined;
});

async function station(id: string, server = new MemoryFirmwareServer()): Promise<{ csms: TestCsms; http: FileHttpServer; s: TestStation; client: RPCClient }> {
  csms = await startCsms();
  http = await startFileHttpServer({ '/fw.bin': IMAGE });
  const s = await firmwareStation({ id, csms, server });
  stations.push(s);
  return { csms, http, s, client: await csms.client(id) };
}

describe('hostile UpdateFirmware requests', () => {
  it('caps absurd retries: a location that always fails is tried a bounded number of times, then DownloadFailed', async () => {
    const { csms, http, client } = await station('CS-FW-RETRIES');
    expect(await client.call('UpdateFirmware', { requestId: 1, firmware: firmware(`${http.url}/missing.bin`), retries: 2_000_000_000, retryInterval: 0 })).toEqual({ status: 'Accepted' });
    await until(() => statuses(csms, 'CS-FW-RETRIES').includes('DownloadFailed#1'), `DownloadFailed (saw ${statuses(csms, 'CS-FW-RETRIES').length} statuses)`, 20_000);
    const attempts = statuses(csms, 'CS-FW-RETRIES').filter((x) => x === 'Downloading#1').length;
    expect(attempts).toBe(11);
    expect(http.requests).toHaveLength(11);
  });

  it('a negative retries or retryInterval still makes one attempt', async () => {
    const { csms, http, client } = await station('CS-FW-NEGATIVE');
    expect(await client.call('UpdateFirmware', { requestId: 2, firmware: firmware(`${http.url}/missing.bin`), retries: -5, retryInterval: -30 })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-NEGATIVE', ['Downloading#2', 'DownloadFailed#2']);
  });

  it('a location with an unknown scheme, or no URL at all, is DownloadFailed with the reason logged', async () => {
    const { csms, client, s } = await station('CS-FW-SCHEME');
    expect(await client.call('UpdateFirmware', { requestId: 3, firmware: firmware('gopher://op:Scheme-Secret@192.0.2.1/fw.bin'), retries: 0 })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-SCHEME', ['Downloading#3', 'DownloadFailed#3']);
    expect(await client.call('UpdateFirmware', { requestId: 4, firmware: firmware('not a url at all'), retries: 0 })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-SCHEME', ['Downloading#3', 'DownloadFailed#3', 'Downloading#4', 'DownloadFailed#4']);
    const reasons = s.logs.filter((l) => l.message === 'firmware download failed').map((l) => String(l.data?.['error']));
    expect(reasons[0]).toMatch(/gopher: is not a protocol/);
    expect(reasons[1]).toMatch(/not a URL/);
    expect(JSON.stringify(s.logs)).not.toContain('Scheme-Secret');
  });

  it('URL credentials with a broken percent escape fail the download, not the station, and are not logged', async () => {
    const { csms, http, client, s } = await station('CS-FW-ESCAPE');
    const location = `${http.url.replace('://', '://op%ZZ:pw%E0%A4%A-Secret@')}/fw.bin`;
    expect(await client.call('UpdateFirmware', { requestId: 5, firmware: firmware(location), retries: 0 })).toEqual({ status: 'Accepted' });
    await expectStatuses(csms, 'CS-FW-ESCAPE', ['Downloading#5', 'DownloadFailed#5']);
    const reason = s.logs.find((l) => l.message === 'firmware download failed')?.data?.['error'];
    expect(String(reason)).toMatch(/credentials/);
    expect(JSON.stringify(s.logs)).not.toContain('-Secret');
  });

  it('a signing certificate that is not PEM is InvalidCertificate; a signature that is not base64 is InvalidSignature', async () => {
    const { csms, http, client } = await station('CS-FW-GARBAGE');
    const junkCert = '-----BEGIN CERTIFICATE-----\n%%%not base64%%%\n-----END CERTIFICATE-----';
    const answer = (await client.call('UpdateFirmware', { requestId: 6, firmware: firmware(`${http.url}/fw.bin`, { signingCertificate: junkCert, signature: 'AAAA' }) })) as { status: string };
    expect(answer.status).toBe('InvalidCertificate');
    expect(await client.call('UpdateFirmware', { requestId: 7, firmware: firmware(`${http.url}/fw.bin`, { signingCertificate: signing.certificatePem, signature: '!!!*** not base64 ***' }) })).toEqual(
      { status: 'Accepted' },
    );
    await expectStatuses(csms, 'CS-FW-GARBAGE', ['Downloading#7', 'Downloaded#7', 'InvalidSignature#7']);
    const firmwareEvents = (): string[] => securityEvents(csms, 'CS-FW-GARBAGE').filter((t) => t.includes('Firmware'));
    await until(() => firmwareEvents().length === 2, `two firmware security events (saw ${securityEvents(csms, 'CS-FW-GARBAGE').join(', ')})`);
    expect(firmwareEvents()).toEqual(['InvalidFirmwareSigningCertificate', 'InvalidFirmwareSignature']);
  });
});
