/**
 * The gateway's downloader against real servers started here: HTTP, HTTPS (a test CA), FTP and
 * explicit FTPS (ftp-srv). Bounded in time and size, abortable, and no credential of the URL in
 * any error message.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadError, TransferDownloader } from '../../src/gateway/transfers/download.js';
import { startFileFtpServer, startFileHttpServer, testCaAndServer, type FileFtpServer, type FileHttpServer } from '../support/firmware-servers.js';

const IMAGE = randomBytes(200_000);
const SECRET = 'fw-Secret-77';
const LIMITS = { timeoutMs: 10_000, maxBytes: 1_000_000 };

const servers: (FileHttpServer | FileFtpServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function failure(p: Promise<unknown>): Promise<DownloadError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DownloadError);
  const e = err as DownloadError;
  expect(e.message).not.toContain(SECRET);
  return e;
}

describe('http and https', () => {
  it('fetches a file over HTTP, sending the URL user and password as Basic credentials', async () => {
    const http = await startFileHttpServer({ '/fw.bin': IMAGE });
    servers.push(http);
    const url = new URL(`${http.url}/fw.bin`);
    url.username = 'op';
    url.password = SECRET;
    const body = await new TransferDownloader().download(url.href, LIMITS);
    expect(body.equals(IMAGE)).toBe(true);
    expect(http.requests[0]?.authorization).toBe(`Basic ${Buffer.from(`op:${SECRET}`).toString('base64')}`);
  });

  it('follows a redirect', async () => {
    const http = await startFileHttpServer({ '/fw.bin': IMAGE }, { routes: { '/old.bin': (_req, res) => res.writeHead(302, { location: '/fw.bin' }).end() } });
    servers.push(http);
    expect((await new TransferDownloader().download(`${http.url}/old.bin`, LIMITS)).equals(IMAGE)).toBe(true);
  });

  it('fetches over HTTPS from a server whose CA is configured, and refuses it when it is not', async () => {
    const { ca, server } = await testCaAndServer();
    const https = await startFileHttpServer({ '/fw.bin': IMAGE }, { tls: server });
    servers.push(https);
    expect((await new TransferDownloader({ ca: ca.cert }).download(`${https.url}/fw.bin`, LIMITS)).equals(IMAGE)).toBe(true);
    const e = await failure(new TransferDownloader().download(`${https.url}/fw.bin`, LIMITS));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toMatch(/certificate/i);
  });

  it('refuses a redirect from HTTPS to plain HTTP: the verified connection is not traded for an unverified one', async () => {
    const http = await startFileHttpServer({ '/fw.bin': IMAGE });
    servers.push(http);
    const { ca, server } = await testCaAndServer();
    const https = await startFileHttpServer({}, { tls: server, routes: { '/fw.bin': (_req, res) => res.writeHead(302, { location: `${http.url}/fw.bin` }).end() } });
    servers.push(https);
    const e = await failure(new TransferDownloader({ ca: ca.cert }).download(`${https.url}/fw.bin`, LIMITS));
    expect(e.code).toBe('DOWNLOAD_INSECURE_REDIRECT');
    expect(http.requests).toHaveLength(0);
  });

  it('fails on an HTTP error status, naming the URL without its credentials or query', async () => {
    const http = await startFileHttpServer({});
    servers.push(http);
    const url = `${http.url.replace('://', `://op:${SECRET}@`)}/missing.bin?token=${SECRET}`;
    const e = await failure(new TransferDownloader().download(url, LIMITS));
    expect(e.code).toBe('DOWNLOAD_HTTP_STATUS');
    expect(e.message).toContain('HTTP 404');
    expect(e.message).toContain('/missing.bin');
    expect(e.message).not.toContain('token');
  });

  it('refuses a file larger than allowed, declared or not', async () => {
    const http = await startFileHttpServer(
      { '/fw.bin': IMAGE },
      {
        routes: {
          '/chunked.bin': (_req, res) => {
            res.writeHead(200);
            res.write(IMAGE);
            res.end(IMAGE);
          },
        },
      },
    );
    servers.push(http);
    const d = new TransferDownloader();
    expect((await failure(d.download(`${http.url}/fw.bin`, { ...LIMITS, maxBytes: 1000 }))).code).toBe('DOWNLOAD_TOO_LARGE');
    expect((await failure(d.download(`${http.url}/chunked.bin`, { ...LIMITS, maxBytes: 300_000 }))).code).toBe('DOWNLOAD_TOO_LARGE');
  });

  it('gives up after the time-out, and stops when aborted', async () => {
    const http = await startFileHttpServer({}, { routes: { '/slow.bin': (_req, res) => res.writeHead(200, { 'content-length': 100 }).write('x') } });
    servers.push(http);
    const d = new TransferDownloader();
    expect((await failure(d.download(`${http.url}/slow.bin`, { ...LIMITS, timeoutMs: 300 }))).code).toBe('DOWNLOAD_TIMEOUT');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    expect((await failure(d.download(`${http.url}/slow.bin`, { ...LIMITS, signal: abort.signal }))).code).toBe('DOWNLOAD_ABORTED');
  });

  it('refuses what it cannot fetch', async () => {
    const d = new TransferDownloader();
    expect((await failure(d.download('not a url', LIMITS))).code).toBe('DOWNLOAD_BAD_URL');
    expect((await failure(d.download(`sftp://op:${SECRET}@127.0.0.1/fw.bin`, LIMITS))).code).toBe('DOWNLOAD_UNSUPPORTED_PROTOCOL');
  });
});

describe('ftp and ftps', () => {
  it('fetches a file over FTP with the URL user and password', async () => {
    const ftp = await startFileFtpServer({ 'fw.bin': IMAGE }, { user: 'op', password: SECRET });
    servers.push(ftp);
    const body = await new TransferDownloader().download(`ftp://op:${SECRET}@127.0.0.1:${ftp.port}/fw.bin`, LIMITS);
    expect(body.equals(IMAGE)).toBe(true);
    expect(ftp.logins).toEqual([{ username: 'op', ok: true }]);
  });

  it('fetches over explicit FTPS from a server whose CA is configured', async () => {
    const { ca, server } = await testCaAndServer();
    const ftp = await startFileFtpServer({ 'fw.bin': IMAGE }, { user: 'op', password: SECRET, tls: server });
    servers.push(ftp);
    const body = await new TransferDownloader({ ca: ca.cert }).download(`ftps://op:${SECRET}@localhost:${ftp.port}/fw.bin`, LIMITS);
    expect(body.equals(IMAGE)).toBe(true);
    const e = await failure(new TransferDownloader().download(`ftps://op:${SECRET}@localhost:${ftp.port}/fw.bin`, LIMITS));
    expect(e.code).toBe('DOWNLOAD_FAILED');
  });

  it('fails on a refused login or a missing file without showing the password', async () => {
    const ftp = await startFileFtpServer({ 'fw.bin': IMAGE }, { user: 'op', password: 'other' });
    servers.push(ftp);
    const d = new TransferDownloader();
    expect((await failure(d.download(`ftp://op:${SECRET}@127.0.0.1:${ftp.port}/fw.bin`, LIMITS))).code).toBe('DOWNLOAD_FAILED');
    expect((await failure(d.download(`ftp://op:other@127.0.0.1:${ftp.port}/none.bin`, LIMITS))).code).toBe('DOWNLOAD_FAILED');
    expect((await failure(d.download(`ftp://op:other@127.0.0.1:${ftp.port}/fw.bin`, { ...LIMITS, maxBytes: 1000 }))).code).toBe('DOWNLOAD_TOO_LARGE');
  });
});
