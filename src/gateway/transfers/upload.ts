/**
 * Uploads of the stations' log files (GetLog, N01) over HTTP(S) and FTP(S).
 *
 * Where the file goes: a location ending in `/` is a folder and the file's name is appended to it;
 * any other location is the file itself.
 * - http:, https: PUT of the file (`text/plain; charset=utf-8`). A server that answers PUT with 405
 *   (Method Not Allowed) or 501 (Not Implemented) gets the file again as POST to the location as
 *   given, `multipart/form-data` with one part `file` carrying the file name. Redirects are not
 *   followed. Credentials in the URL are sent as Basic authorization. https: verifies the server's
 *   certificate (the system's roots, NODE_EXTRA_CA_CERTS, or `ca`).
 * - ftp:, ftps: (explicit TLS, AUTH TLS, verified like https:) with the URL's user and password
 *   (anonymous without), passive mode, binary STOR into the location's folder.
 *
 * The answer decides the failure's status: HTTP 401/403, FTP 530/532/550/553 → PermissionDenied;
 * 405/501 to both methods, FTP 502/504 → NotSupportedOperation; HTTP 400/411/413/414/415/422, FTP
 * 500/501, a location whose user, password or path is not valid percent-encoding → BadMessage
 * (nothing sent); anything else (network, time-out, 5xx, redirects) → UploadFailure. Error
 * messages and logs show the location without its credentials and without its query (it may carry
 * a signed token).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Client, FTPError } from 'basic-ftp';
import { UploadError, type Uploader, type UploadFailureStatus, type UploadOptions } from '../../station/diagnostics/ports.js';
import { shownLocation, trustedRoots, urlCredentials } from './location.js';

export interface UploaderOptions {
  /** Extra trusted roots (PEM) for https: and ftps:, besides the system's. */
  readonly ca?: readonly string[];
}

type UploadFile = { readonly name: string; readonly body: Buffer };

/** The gateway's uploader. */
export function createUploader(options: UploaderOptions = {}): Uploader {
  return {
    schemes: ['http', 'https', 'ftp', 'ftps'],
    async upload(location, file, opts) {
      let url: URL;
      try {
        url = new URL(location);
      } catch {
        throw new UploadError('UPLOAD_URL', 'BadMessage', 'upload location is not a URL');
      }
      const scheme = url.protocol.slice(0, -1).toLowerCase();
      if (urlCredentials(url) === undefined || !decodes(url.pathname)) {
        throw new UploadError('UPLOAD_URL', 'BadMessage', `upload location ${shownLocation(url)}: the user, password or path is not valid percent-encoding`);
      }
      if (opts.signal?.aborted === true) throw new UploadError('UPLOAD_ABORTED', 'UploadFailure', `upload to ${shownLocation(url)} aborted`);
      if (scheme === 'http' || scheme === 'https') return httpUpload(url, file, opts, options);
      if (scheme === 'ftp' || scheme === 'ftps') return ftpUpload(url, file, opts, options);
      throw new UploadError('UPLOAD_PROTOCOL', 'NotSupportedOperation', `no uploads over ${scheme}:`);
    },
  };
}

/** True when `text` percent-decodes (the user, password and path are decoded before use). */
function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** A location ending in `/` is a folder: the file's name is appended. */
function target(url: URL, name: string): URL {
  if (!url.pathname.endsWith('/')) return url;
  const t = new URL(url.href);
  t.pathname = `${url.pathname}${encodeURIComponent(name)}`;
  return t;
}

async function httpUpload(url: URL, file: UploadFile, opts: UploadOptions, options: UploaderOptions): Promise<void> {
  const put = await httpSend(url, 'PUT', target(url, file.name), { 'content-type': 'text/plain; charset=utf-8' }, file.body, opts, options);
  if (put === 405 || put === 501) {
    const boundary = `pilegate-${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name.replace(/["\r\n\\]/g, '_')}"\r\ncontent-type: text/plain; charset=utf-8\r\n\r\n`,
      'utf8',
    );
    const body = Buffer.concat([head, file.body, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]);
    const post = await httpSend(url, 'POST', url, { 'content-type': `multipart/form-data; boundary=${boundary}` }, body, opts, options);
    if (post >= 200 && post < 300) return;
    throw httpFailure(url, 'POST', post === 405 || post === 501 ? 'NotSupportedOperation' : statusOf(post), post);
  }
  if (put >= 200 && put < 300) return;
  throw httpFailure(url, 'PUT', statusOf(put), put);
}

function statusOf(code: number): UploadFailureStatus {
  if (code === 401 || code === 403) return 'PermissionDenied';
  if ([400, 411, 413, 414, 415, 422].includes(code)) return 'BadMessage';
  return 'UploadFailure';
}

function httpFailure(url: URL, method: string, status: UploadFailureStatus, code: number): UploadError {
  return new UploadError('UPLOAD_HTTP_STATUS', status, `${method} ${shownLocation(url)} answered HTTP ${code}`);
}

/** Sends one request; resolves with the HTTP status. */
function httpSend(shown: URL, method: string, url: URL, headers: Record<string, string>, body: Buffer, opts: UploadOptions, options: UploaderOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const auth = url.username !== '' ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        ...(url.port !== '' ? { port: Number(url.port) } : {}),
        path: `${url.pathname}${url.search}`,
        method,
        headers: { ...headers, 'content-length': String(body.length), ...(auth !== undefined ? { authorization: `Basic ${Buffer.from(auth, 'utf8').toString('base64')}` } : {}) },
        timeout: opts.timeoutMs,
        ...(https && options.ca !== undefined ? { ca: trustedRoots(options.ca) } : {}),
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      },
      (res: IncomingMessage) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', (e) => reject(networkFailure(shown, method, e)));
      },
    );
    req.once('timeout', () => req.destroy(new UploadError('UPLOAD_TIMEOUT', 'UploadFailure', `${method} ${shownLocation(shown)}: no answer within ${opts.timeoutMs} ms`)));
    req.once('error', (e) => reject(e instanceof UploadError ? e : networkFailure(shown, method, e)));
    req.end(body);
  });
}

function networkFailure(url: URL, what: string, e: Error): UploadError {
  const code = (e as NodeJS.ErrnoException).code;
  return new UploadError(code === 'ABORT_ERR' ? 'UPLOAD_ABORTED' : 'UPLOAD_NETWORK', 'UploadFailure', `${what} ${shownLocation(url)} failed: ${code ?? e.message}`);
}

async function ftpUpload(url: URL, file: UploadFile, opts: UploadOptions, options: UploaderOptions): Promise<void> {
  const client = new Client(opts.timeoutMs);
  const secure = url.protocol === 'ftps:';
  const path = decodeURIComponent(url.pathname);
  const folder = path.endsWith('/') ? path : path.slice(0, path.lastIndexOf('/') + 1);
  const name = path.endsWith('/') ? file.name : path.slice(path.lastIndexOf('/') + 1);
  const abort = (): void => client.close();
  const timer = setTimeout(abort, opts.timeoutMs);
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.access({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port !== '' ? Number(url.port) : 21,
      user: url.username !== '' ? decodeURIComponent(url.username) : 'anonymous',
      password: url.username !== '' ? decodeURIComponent(url.password) : 'anonymous@',
      secure,
      ...(secure && options.ca !== undefined ? { secureOptions: { ca: trustedRoots(options.ca) } } : {}),
    });
    if (folder !== '' && folder !== '/') await client.cd(folder);
    await client.uploadFrom(Readable.from([file.body]), name);
  } catch (e) {
    if (opts.signal?.aborted === true) throw new UploadError('UPLOAD_ABORTED', 'UploadFailure', `upload to ${shownLocation(url)} aborted`);
    if (e instanceof FTPError) throw new UploadError('UPLOAD_FTP_STATUS', ftpStatusOf(e.code), `${shownLocation(url)} answered FTP ${e.code}`);
    throw new UploadError(client.closed ? 'UPLOAD_TIMEOUT' : 'UPLOAD_NETWORK', 'UploadFailure', `upload to ${shownLocation(url)} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
    client.close();
  }
}

function ftpStatusOf(code: number): UploadFailureStatus {
  if ([530, 532, 550, 553].includes(code)) return 'PermissionDenied';
  if (code === 502 || code === 504) return 'NotSupportedOperation';
  if (code === 500 || code === 501) return 'BadMessage';
  return 'UploadFailure';
}
