/**
 * GetLog (N01) against ocpp-rpc's strict CSMS, uploading with the gateway's uploader to real
 * HTTP(S) and FTP servers started here: the LogStatusNotification sequence, retries, permission
 * failures, PUT then POST, one upload at a time, the triggered status, SecurityLog contents.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { createUploader } from '../../src/gateway/transfers/upload.js';
import type { StationEngineOptions } from '../../src/station/engine.js';
import { appendSecurityLog } from '../../src/station/security/security-log.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';
import { startUploadFtpServer, startUploadHttpServer, type UploadFtpServer, type UploadHttpServer } from '../support/upload-servers.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];
const servers: (UploadHttpServer | UploadFtpServer)[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
  for (const s of servers.splice(0)) await s.close();
});

async function accepted(id: string, extra: Partial<StationEngineOptions> = { uploader: createUploader() }): Promise<{ station: TestStation; client: RPCClient; csms: TestCsms }> {
  csms ??= await startCsms();
  const station = await createStation({ id, url: csms.url, extra });
  stations.push(station);
  station.engine.start();
  await until(() => station.engine.bootState === 'accepted', 'boot accepted');
  return { station, client: await csms.client(id), csms };
}

function logStatuses(c: TestCsms, id: string): { status: unknown; requestId: unknown }[] {
  return c.calls.filter((x: StationCall) => x.identity === id && x.action === 'LogStatusNotification').map((x) => ({ status: x.params.status, requestId: x.params.requestId }));
}

async function finalStatus(c: TestCsms, id: string, requestId: number): Promise<string> {
  const done = await c.waitForCall((x) => x.identity === id && x.action === 'LogStatusNotification' && x.params.requestId === requestId && x.params.status !== 'Uploading', 20_000);
  return String(done.params.status);
}

describe('GetLog over HTTP', () => {
  it('PUTs the SecurityLog into a folder location: Uploading then Uploaded, the events in the file', async () => {
    const http = await startUploadHttpServer();
    servers.push(http);
    const { station, client, csms: c } = await accepted('CS-LOG-1');
    await station.engine.securityEvent('SettingSystemTime', 'clock set by the CSMS');
    const answer = (await client.call('GetLog', { logType: 'SecurityLog', requestId: 11, log: { remoteLocation: `${http.base}/upload/` } })) as { status: string; filename: string };
    expect(answer.status).toBe('Accepted');
    expect(answer.filename).toMatch(/^CS-LOG-1-SecurityLog-\d{8}T\d{6}Z\.log$/);
    expect(await finalStatus(c, 'CS-LOG-1', 11)).toBe('Uploaded');
    expect(logStatuses(c, 'CS-LOG-1')).toEqual([
      { status: 'Uploading', requestId: 11 },
      { status: 'Uploaded', requestId: 11 },
    ]);
    expect(http.requests).toHaveLength(1);
    const put = http.requests[0];
    expect(put?.method).toBe('PUT');
    expect(put?.url).toBe(`/upload/${answer.filename}`);
    const text = put?.body.toString('utf8') ?? '';
    expect(text).toContain('# pilegate SecurityLog of station CS-LOG-1');
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z SettingSystemTime clock set by the CSMS$/m);
  });

  it('keeps only the security events inside oldestTimestamp..latestTimestamp', async () => {
    const http = await startUploadHttpServer();
    servers.push(http);
    const { station, client, csms: c } = await accepted('CS-LOG-2');
    for (const [timestamp, type] of [
      ['2026-01-01T00:00:00.000Z', 'TooEarly'],
      ['2026-01-02T00:00:00.000Z', 'InWindow'],
      ['2026-01-03T00:00:00.000Z', 'TooLate'],
    ]) {
      await appendSecurityLog(station.store, 'CS-LOG-2', { timestamp: timestamp as string, type: type as string });
    }
    await client.call('GetLog', {
      logType: 'SecurityLog',
      requestId: 12,
      log: { remoteLocation: `${http.base}/x.log`, oldestTimestamp: '2026-01-01T12:00:00Z', latestTimestamp: '2026-01-02T12:00:00Z' },
    });
    expect(await finalStatus(c, 'CS-LOG-2', 12)).toBe('Uploaded');
    const text = http.requests[0]?.body.toString('utf8') ?? '';
    expect(http.requests[0]?.url).toBe('/x.log');
    expect(text).toContain('2026-01-02T00:00:00.000Z InWindow');
    expect(text).not.toContain('TooEarly');
    expect(text).not.toContain('TooLate');
  });

  it('retries a failing server `retries` times, `retryInterval` apart, then reports UploadFailure', async () => {
    const http = await startUploadHttpServer({ status: () => 503 });
    servers.push(http);
    const { client, csms: c } = await accepted('CS-LOG-3');
    const asked = Date.now();
    await client.call('GetLog', { logType: 'DiagnosticsLog', requestId: 13, retries: 2, retryInterval: 1, log: { remoteLocation: `${http.base}/d/` } });
    expect(await finalStatus(c, 'CS-LOG-3', 13)).toBe('UploadFailure');
    expect(http.requests).toHaveLength(3);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(1900);
    expect(logStatuses(c, 'CS-LOG-3')).toEqual([
      { status: 'Uploading', requestId: 13 },
      { status: 'UploadFailure', requestId: 13 },
    ]);
  });

  it('caps the retries a request asks for (any integer passes the schema): at most 10 after the first, then UploadFailure', async () => {
    const http = await startUploadHttpServer({ status: () => 503 });
    servers.push(http);
    const { client, csms: c } = await accepted('CS-LOG-CAP');
    await client.call('GetLog', { logType: 'SecurityLog', requestId: 31, retries: 2_000_000_000, retryInterval: 0, log: { remoteLocation: `${http.base}/d/` } });
    expect(await finalStatus(c, 'CS-LOG-CAP', 31)).toBe('UploadFailure');
    expect(http.requests).toHaveLength(11);
  }, 30_000);

  it('reports PermissionDenied at once when the server refuses (no retry), and sends URL credentials as Basic', async () => {
    const http = await startUploadHttpServer({ status: () => 403 });
    servers.push(http);
    const { station, client, csms: c } = await accepted('CS-LOG-4');
    const location = http.base.replace('http://', 'http://op:url-secret-99@');
    await client.call('GetLog', { logType: 'SecurityLog', requestId: 14, retries: 3, retryInterval: 1, log: { remoteLocation: `${location}/s.log` } });
    expect(await finalStatus(c, 'CS-LOG-4', 14)).toBe('PermissionDenied');
    expect(http.requests).toHaveLength(1);
    expect(http.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('op:url-secret-99').toString('base64')}`);
    expect(JSON.stringify(station.logs)).not.toContain('url-secret-99');
  });

  it('falls back to POST multipart/form-data when the server answers PUT with 405', async () => {
    const http = await startUploadHttpServer({ status: (r) => (r.method === 'PUT' ? 405 : 200) });
    servers.push(http);
    const { client, csms: c } = await accepted('CS-LOG-5');
    const answer = (await client.call('GetLog', { logType: 'SecurityLog', requestId: 15, log: { remoteLocation: `${http.base}/form` } })) as { filename: string };
    expect(await finalStatus(c, 'CS-LOG-5', 15)).toBe('Uploaded');
    expect(http.requests.map((r) => r.method)).toEqual(['PUT', 'POST']);
    const post = http.requests[1];
    expect(post?.url).toBe('/form');
    expect(post?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(post?.body.toString('utf8')).toContain(`name="file"; filename="${answer.filename}"`);
    expect(post?.body.toString('utf8')).toContain('# pilegate SecurityLog of station CS-LOG-5');
  });

  it('verifies the HTTPS server: trusted root → Uploaded; unknown certificate → UploadFailure', async () => {
    const https = await startUploadHttpServer({ tls: true });
    servers.push(https);
    const { client, csms: c } = await accepted('CS-LOG-6', { uploader: createUploader({ ca: [https.cert ?? ''] }) });
    await client.call('GetLog', { logType: 'SecurityLog', requestId: 16, log: { remoteLocation: `${https.base}/s/` } });
    expect(await finalStatus(c, 'CS-LOG-6', 16)).toBe('Uploaded');
    const { client: other } = await accepted('CS-LOG-6b');
    await other.call('GetLog', { logType: 'SecurityLog', requestId: 17, retries: 0, log: { remoteLocation: `${https.base}/s/` } });
    expect(await finalStatus(c, 'CS-LOG-6b', 17)).toBe('UploadFailure');
    expect(https.requests).toHaveLength(1);
  });
});

describe('GetLog over FTP', () => {
  it('STORs the DiagnosticsLog from the station’s diagnostics source into the location’s folder', async () => {
    const ftp = await startUploadFtpServer();
    servers.push(ftp);
    const windows: unknown[] = [];
    const { client, csms: c } = await accepted('CS-LOG-7', {
      uploader: createUploader(),
      diagnostics: {
        diagnostics: (w) => {
          windows.push(w);
          return ['2026-01-02T00:00:00.000Z in  68 0d 00 01 00 03 | Heartbeat (0x03)'];
        },
      },
    });
    const answer = (await client.call('GetLog', { logType: 'DiagnosticsLog', requestId: 21, log: { remoteLocation: `${ftp.url}/`, oldestTimestamp: '2026-01-01T00:00:00Z' } })) as { filename: string };
    expect(await finalStatus(c, 'CS-LOG-7', 21)).toBe('Uploaded');
    expect(readdirSync(ftp.root)).toEqual([answer.filename]);
    const text = readFileSync(join(ftp.root, answer.filename), 'utf8');
    expect(text).toContain('# pilegate DiagnosticsLog of station CS-LOG-7');
    expect(text).toContain('Heartbeat (0x03)');
    expect(windows).toEqual([{ from: Date.parse('2026-01-01T00:00:00Z') }]);
    expect(ftp.logins).toEqual([{ username: 'logs', ok: true }]);
  });

  it('uploads over explicit FTPS to a server whose certificate it trusts, and refuses one it does not', async () => {
    const ftps = await startUploadFtpServer('logs', 'ftp-secret-4711', { tls: true });
    servers.push(ftps);
    const { client, csms: c } = await accepted('CS-LOG-12', { uploader: createUploader({ ca: [ftps.cert ?? ''] }) });
    const answer = (await client.call('GetLog', { logType: 'SecurityLog', requestId: 23, log: { remoteLocation: `${ftps.url}/` } })) as { filename: string };
    expect(await finalStatus(c, 'CS-LOG-12', 23)).toBe('Uploaded');
    expect(readFileSync(join(ftps.root, answer.filename), 'utf8')).toContain('# pilegate SecurityLog of station CS-LOG-12');
    const { client: other } = await accepted('CS-LOG-13');
    await other.call('GetLog', { logType: 'SecurityLog', requestId: 24, retries: 0, log: { remoteLocation: `${ftps.url}/` } });
    expect(await finalStatus(c, 'CS-LOG-13', 24)).toBe('UploadFailure');
    expect(readdirSync(ftps.root)).toEqual([answer.filename]);
  });

  it('reports PermissionDenied when the FTP server refuses the login', async () => {
    const ftp = await startUploadFtpServer();
    servers.push(ftp);
    const { station, client, csms: c } = await accepted('CS-LOG-8');
    const wrong = ftp.url.replace('ftp-secret-4711', 'wrong-secret-1');
    await client.call('GetLog', { logType: 'SecurityLog', requestId: 22, log: { remoteLocation: `${wrong}/` } });
    expect(await finalStatus(c, 'CS-LOG-8', 22)).toBe('PermissionDenied');
    expect(JSON.stringify(station.logs)).not.toContain('wrong-secret-1');
  });
});

describe('one upload at a time, and what the station answers', () => {
  it('cancels a running upload for a newer request: AcceptedCanceled for both, then the new one uploads; TriggerMessage tells Uploading, then Idle', async () => {
    let release: (n: number) => void = () => undefined;
    const http = await startUploadHttpServer({ status: (_r, i) => (i === 0 ? new Promise<number>((resolve) => (release = resolve)) : 201) });
    servers.push(http);
    const { client, csms: c } = await accepted('CS-LOG-9');
    await client.call('GetLog', { logType: 'SecurityLog', requestId: 31, log: { remoteLocation: `${http.base}/a/` } });
    await until(() => http.requests.length === 1, 'the first upload reaches the server');
    expect(await client.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' })).toEqual({ status: 'Accepted' });
    await until(() => logStatuses(c, 'CS-LOG-9').length === 2, 'triggered LogStatusNotification');
    const second = (await client.call('GetLog', { logType: 'SecurityLog', requestId: 32, log: { remoteLocation: `${http.base}/b/` } })) as { status: string };
    expect(second.status).toBe('AcceptedCanceled');
    expect(await finalStatus(c, 'CS-LOG-9', 32)).toBe('Uploaded');
    release(201);
    await client.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' });
    await until(() => logStatuses(c, 'CS-LOG-9').length === 6, 'second triggered LogStatusNotification');
    expect(logStatuses(c, 'CS-LOG-9')).toEqual([
      { status: 'Uploading', requestId: 31 },
      { status: 'Uploading', requestId: 31 },
      { status: 'AcceptedCanceled', requestId: 31 },
      { status: 'Uploading', requestId: 32 },
      { status: 'Uploaded', requestId: 32 },
      { status: 'Idle', requestId: undefined },
    ]);
  });

  it('rejects GetLog without an uploader, and for a location it cannot upload to', async () => {
    const { client } = await accepted('CS-LOG-10', {});
    expect(await client.call('GetLog', { logType: 'SecurityLog', requestId: 41, log: { remoteLocation: 'http://127.0.0.1:9/x' } })).toMatchObject({
      status: 'Rejected',
      statusInfo: { reasonCode: 'NoUploader' },
    });
    const { client: other } = await accepted('CS-LOG-11');
    expect(await other.call('GetLog', { logType: 'SecurityLog', requestId: 42, log: { remoteLocation: 'sftp://127.0.0.1/x' } })).toMatchObject({
      status: 'Rejected',
      statusInfo: { reasonCode: 'UnsupportedProtocol' },
    });
    expect(await other.call('GetLog', { logType: 'SecurityLog', requestId: 43, log: { remoteLocation: 'not a url' } })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidURL' } });
  });
});
