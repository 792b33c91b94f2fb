/**
 * Servers that receive uploads in tests: node:http / node:https recording every request, and an
 * ftp-srv FTP server writing into a temporary folder. Both listen on 127.0.0.1, port 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpSrv } from 'ftp-srv';
import { generate } from 'selfsigned';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface UploadHttpServer {
  /** `http://127.0.0.1:<port>` (or https:). */
  readonly base: string;
  readonly requests: ReceivedRequest[];
  /** PEM of the server's certificate (https only): the client's trusted root. */
  readonly cert?: string;
  close(): Promise<void>;
}

/** Answers each request with `status(request, index)` (default 201); a promise holds the answer back. */
export async function startUploadHttpServer(options: { readonly tls?: boolean; readonly status?: (r: ReceivedRequest, index: number) => number | Promise<number> } = {}): Promise<UploadHttpServer> {
  const requests: ReceivedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(r);
      void Promise.resolve(options.status?.(r, requests.length - 1) ?? 201).then((status) => {
        res.statusCode = status;
        res.end();
      });
    });
  };
  let cert: string | undefined;
  let server: Server;
  if (options.tls === true) {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
    cert = pems.cert;
    server = createHttpsServer({ cert: pems.cert, key: pems.private }, handler);
  } else {
    server = createHttpServer(handler);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `${options.tls === true ? 'https://localhost' : 'http://127.0.0.1'}:${port}`,
    requests,
    ...(cert !== undefined ? { cert } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface UploadFtpServer {
  /** `ftp://<user>:<password>@127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The folder the server writes into (its root). */
  readonly root: string;
  readonly logins: { username: string; ok: boolean }[];
  /** PEM of the server's certificate (with `tls`): the client's trusted root. */
  readonly cert?: string;
  close(): Promise<void>;
}

const quiet = {
  child: () => quiet,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** With `tls`, the server offers explicit TLS (AUTH TLS) with a self-signed certificate for localhost and 127.0.0.1. */
export async function startUploadFtpServer(user = 'logs', password = 'ftp-secret-4711', options: { readonly tls?: boolean } = {}): Promise<UploadFtpServer> {
  const root = mkdtempSync(join(tmpdir(), 'pilegate-ftp-'));
  const pems = options.tls === true ? await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' }) : undefined;
  // Passive ports from a random range: other test files may run FTP servers at the same time.
  const pasvMin = 30_000 + Math.floor(Math.random() * 300) * 100;
  const server = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    pasv_min: pasvMin,
    pasv_max: pasvMin + 99,
    anonymous: false,
    log: quiet as never,
    ...(pems !== undefined ? { tls: { key: pems.private, cert: pems.cert } } : {}),
  });
  const logins: UploadFtpServer['logins'] = [];
  server.on('login', ({ username, password: given }, resolve, reject) => {
    const ok = username === user && given === password;
    logins.push({ username, ok });
    if (ok) resolve({ root });
    else reject(new Error('bad credentials'));
  });
  await server.listen();
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return {
    url: `${pems !== undefined ? 'ftps' : 'ftp'}://${user}:${password}@127.0.0.1:${port}`,
    port,
    root,
    logins,
    ...(pems !== undefined ? { cert: pems.cert } : {}),
    close: async () => {
      await server.close().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
