/**
 * Fetches a file (a firmware image) from an http:, https:, ftp: or ftps: URL into memory, for the
 * station's firmware block (`Downloader` port). TLS is verified against Node's default CAs plus an
 * optional extra CA; FTPS is explicit TLS (AUTH TLS), passive mode (what basic-ftp does). Every
 * download is bounded in time and size and can be aborted.
 *
 * A URL may carry credentials (`ftp://user:secret@host/fw.bin`, `https://user:secret@host/...`) and
 * a signed URL's query is a credential too: error messages name a URL only as scheme, host, port
 * and path, and any text from the server or the network stack has the user and password taken out
 * before it becomes part of a message.
 */
import { Writable } from 'node:stream';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Client as FtpClient } from 'basic-ftp';
import type { DownloadOptions, Downloader } from '../../station/firmware/ports.js';
import { shownLocation, trustedRoots, urlCredentials, type Credentials } from './location.js';

export type DownloadErrorCode =
  | 'DOWNLOAD_BAD_URL'
  | 'DOWNLOAD_UNSUPPORTED_PROTOCOL'
  | 'DOWNLOAD_TIMEOUT'
  | 'DOWNLOAD_ABORTED'
  | 'DOWNLOAD_TOO_LARGE'
  | 'DOWNLOAD_HTTP_STATUS'
  | 'DOWNLOAD_TOO_MANY_REDIRECTS'
  | 'DOWNLOAD_INSECURE_REDIRECT'
  | 'DOWNLOAD_FAILED';

/** A download that did not deliver the file; `message` is safe to log (no credentials). */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface TransferDownloaderOptions {
  /** A CA (PEM) trusted for https: and ftps: besides Node's default CAs. */
  readonly ca?: string;
  /** Redirects an http(s) download follows (default 5). */
  readonly maxRedirects?: number;
}

const DEFAULT_MAX_REDIRECTS = 5;

/** Text from elsewhere (a server's reply, a socket error) with the URL's secrets taken out. */
function scrub(text: string, url: URL, decoded: Credentials | undefined): string {
  let out = text;
  for (const secret of [url.password, decoded?.password ?? '', url.username, decoded?.user ?? '', url.search.slice(1)]) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  return out.slice(0, 300);
}

export class TransferDownloader implements Downloader {
  private readonly ca: string[] | undefined;
  private readonly maxRedirects: number;

  constructor(options: TransferDownloaderOptions = {}) {
    this.ca = options.ca !== undefined ? trustedRoots([options.ca]) : undefined;
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  }

  async download(location: string, options: DownloadOptions): Promise<Buffer> {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw new DownloadError('DOWNLOAD_BAD_URL', 'not a URL');
    }
    const credentials = urlCredentials(url);
    if (credentials === undefined) throw new DownloadError('DOWNLOAD_BAD_URL', `the credentials of ${shownLocation(url)} are not valid percent-encoding`);
    if (options.signal?.aborted === true) throw new DownloadError('DOWNLOAD_ABORTED', `download of ${shownLocation(url)} aborted`);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
    const onAbort = (): void => deadline.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const why = (): DownloadError =>
      options.signal?.aborted === true
        ? new DownloadError('DOWNLOAD_ABORTED', `download of ${shownLocation(url)} aborted`)
        : new DownloadError('DOWNLOAD_TIMEOUT', `download of ${shownLocation(url)} took longer than ${options.timeoutMs} ms`);
    try {
      switch (url.protocol) {
        case 'http:':
        case 'https:':
          return await this.http(url, credentials, options.maxBytes, deadline.signal, why, 0);
        case 'ftp:':
        case 'ftps:':
          return await this.ftp(url, credentials, options.maxBytes, deadline.signal, why);
        default:
          throw new DownloadError('DOWNLOAD_UNSUPPORTED_PROTOCOL', `${url.protocol} is not a protocol the gateway downloads with (http, https, ftp, ftps)`);
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private http(url: URL, credentials: Credentials, maxBytes: number, signal: AbortSignal, why: () => DownloadError, redirects: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const auth = url.username !== '' ? `${credentials.user}:${credentials.password}` : undefined;
      const req = request(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port === '' ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          ...(auth !== undefined ? { auth } : {}),
          ...(this.ca !== undefined ? { ca: this.ca } : {}),
          signal,
        },
        (res) => this.response(url, res, maxBytes, signal, why, redirects).then(resolve, reject),
      );
      req.on('error', (err) => reject(signal.aborted ? why() : new DownloadError('DOWNLOAD_FAILED', `download of ${shownLocation(url)} failed: ${scrub(err.message, url, credentials)}`)));
      req.end();
    });
  }

  private async response(url: URL, res: IncomingMessage, maxBytes: number, signal: AbortSignal, why: () => DownloadError, redirects: number): Promise<Buffer> {
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.resume();
      if (redirects >= this.maxRedirects) throw new DownloadError('DOWNLOAD_TOO_MANY_REDIRECTS', `download of ${shownLocation(url)}: more than ${this.maxRedirects} redirects`);
      let next: URL;
      try {
        next = new URL(res.headers.location, url);
      } catch {
        throw new DownloadError('DOWNLOAD_BAD_URL', `download of ${shownLocation(url)}: redirected to something that is not a URL`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new DownloadError('DOWNLOAD_UNSUPPORTED_PROTOCOL', `download of ${shownLocation(url)}: redirected to ${next.protocol}`);
      // A download begun over verified TLS stays on it: a redirect to http: would hand the file (and whatever the URL carries) to anyone on the path.
      if (url.protocol === 'https:' && next.protocol === 'http:') throw new DownloadError('DOWNLOAD_INSECURE_REDIRECT', `download of ${shownLocation(url)}: redirected from https: to http:, refused`);
      const nextCredentials = urlCredentials(next);
      if (nextCredentials === undefined) throw new DownloadError('DOWNLOAD_BAD_URL', `download of ${shownLocation(url)}: redirected to credentials that are not valid percent-encoding`);
      return this.http(next, nextCredentials, maxBytes, signal, why, redirects + 1);
    }
    if (status !== 200) {
      res.resume();
      throw new DownloadError('DOWNLOAD_HTTP_STATUS', `download of ${shownLocation(url)}: HTTP ${status}`);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      throw new DownloadError('DOWNLOAD_TOO_LARGE', `download of ${shownLocation(url)}: ${declared} bytes, more than the ${maxBytes} allowed`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res) {
        const b = chunk as Buffer;
        size += b.length;
        if (size > maxBytes) {
          res.destroy();
          throw new DownloadError('DOWNLOAD_TOO_LARGE', `download of ${shownLocation(url)}: more than the ${maxBytes} bytes allowed`);
        }
        chunks.push(b);
      }
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      if (signal.aborted) throw why();
      throw new DownloadError('DOWNLOAD_FAILED', `download of ${shownLocation(url)} failed: ${scrub(err instanceof Error ? err.message : String(err), url, urlCredentials(url))}`);
    }
    if (!res.complete) throw new DownloadError('DOWNLOAD_FAILED', `download of ${shownLocation(url)} failed: the connection closed before the end of the file`);
    return Buffer.concat(chunks);
  }

  private async ftp(url: URL, credentials: Credentials, maxBytes: number, signal: AbortSignal, why: () => DownloadError): Promise<Buffer> {
    // basic-ftp's own timeout bounds each step; the deadline closes the client whatever it waits for.
    const client = new FtpClient(0);
    const close = (): void => client.close();
    signal.addEventListener('abort', close, { once: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          tooLarge = true;
          callback(new Error('too large'));
          return;
        }
        chunks.push(chunk);
        callback();
      },
    });
    try {
      await client.access({
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? 21 : Number(url.port),
        user: url.username !== '' ? credentials.user : 'anonymous',
        password: url.username !== '' ? credentials.password : 'guest',
        secure: url.protocol === 'ftps:',
        ...(url.protocol === 'ftps:' ? { secureOptions: { servername: url.hostname, ...(this.ca !== undefined ? { ca: this.ca } : {}) } } : {}),
      });
      await client.downloadTo(sink, decodeURIComponent(url.pathname));
      return Buffer.concat(chunks);
    } catch (err) {
      if (tooLarge) throw new DownloadError('DOWNLOAD_TOO_LARGE', `download of ${shownLocation(url)}: more than the ${maxBytes} bytes allowed`);
      if (signal.aborted) throw why();
      throw new DownloadError('DOWNLOAD_FAILED', `download of ${shownLocation(url)} failed: ${scrub(err instanceof Error ? err.message : String(err), url, credentials)}`);
    } finally {
      signal.removeEventListener('abort', close);
      client.close();
    }
  }
}
