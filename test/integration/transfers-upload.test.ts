/**
 * The gateway's log uploader on locations it cannot use as given: credentials or a path whose
 * percent-encoding is broken get a typed UploadError (BadMessage), nothing is sent, and the
 * password is in no message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createUploader } from '../../src/gateway/transfers/upload.js';
import { UploadError } from '../../src/station/diagnostics/ports.js';
import { startUploadFtpServer, startUploadHttpServer, type UploadFtpServer, type UploadHttpServer } from '../support/upload-servers.js';

const SECRET = 'log-Secret-91';
const FILE = { name: 'CS-1-DiagnosticsLog.log', body: Buffer.from('line\n') };
const servers: (UploadHttpServer | UploadFtpServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function refusal(location: string): Promise<UploadError> {
  const err = await createUploader()
    .upload(location, FILE, { timeoutMs: 5_000 })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(UploadError);
  const e = err as UploadError;
  expect(e.message).not.toContain(SECRET);
  return e;
}

describe('uploader: broken percent-encoding', () => {
  it('HTTP: a password with a broken escape is UPLOAD_URL, BadMessage, and nothing is sent', async () => {
    const http = await startUploadHttpServer();
    servers.push(http);
    const e = await refusal(`${http.base.replace('//', `//op:${SECRET}%zz@`)}/logs/`);
    expect(e.code).toBe('UPLOAD_URL');
    expect(e.status).toBe('BadMessage');
    expect(http.requests).toHaveLength(0);
  });

  it('FTP: a path or a password with a broken escape is UPLOAD_URL, BadMessage', async () => {
    const ftp = await startUploadFtpServer();
    servers.push(ftp);
    const at = new URL(ftp.url);
    for (const location of [`ftp://op:${SECRET}%e0%a4@${at.host}/logs/`, `ftp://op:${SECRET}@${at.host}/logs%zz/`]) {
      const e = await refusal(location);
      expect(e.code).toBe('UPLOAD_URL');
      expect(e.status).toBe('BadMessage');
    }
    expect(ftp.logins).toHaveLength(0);
  });
});
