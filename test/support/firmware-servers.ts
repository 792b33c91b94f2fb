/**
 * File servers for transfer tests, started on port 0 by the test: HTTP, HTTPS (a test CA signs the
 * server certificate) and FTP with optional explicit TLS (ftp-srv), serving files from memory or a
 * temporary folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpSrv } from 'ftp-srv';
import { generate } from 'selfsigned';

export interface TestCa {
  readonly cert: string;
  readonly key: string;
}

/** A CA and a server certificate it signed for 127.0.0.1 / localhost. */
export async function testCaAndServer(): Promise<{ ca: TestCa; server: TestCa }> {
  const ca = await generate([{ name: 'commonName', value: 'pilegate test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', ca: { cert: ca.cert, key: ca.private } });
  return { ca: { cert: ca.cert, key: ca.private }, server: { cert: server.cert, key: server.private } };
}

export interface FileHttpServer {
  readonly url: string;
  /** Requests seen, by path (with query). */
  readonly requests: { path: string; authorization?: string }[];
  close(): Promise<void>;
}

export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves `files` (path -> body) over HTTP, or HTTPS with `tls`; `routes` answer other paths their own way. */
export async function startFileHttpServer(files: Record<string, Buffer>, options: { tls?: TestCa; routes?: Record<string, HttpRoute> } = {}): Promise<FileHttpServer> {
  const requests: FileHttpServer['requests'] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    requests.push({ path, ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}) });
    const route = options.routes?.[path.split('?')[0] ?? path];
    if (route !== undefined) {
      route(req, res);
      return;
    }
    const body = files[path.split('?')[0] ?? path];
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  };
  const server: Server = options.tls !== undefined ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls !== undefined ? 'https' : 'http'}://${options.tls !== undefined ? 'localhost' : '127.0.0.1'}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface FileFtpServer {
  readonly port: number;
  readonly logins: { username: string; ok: boolean }[];
  close(): Promise<void>;
}

/** Serves `files` (name -> body) over FTP to `user`/`password`; with `tls`, explicit TLS (AUTH TLS) is offered. */
export async function startFileFtpServer(files: Record<string, Buffer>, options: { user: string; password: string; tls?: TestCa }): Promise<FileFtpServer> {
  const root = await mkdtemp(join(tmpdir(), 'pilegate-ftp-'));
  for (const [name, body] of Object.entries(files)) await writeFile(join(root, name), body);
  const logins: FileFtpServer['logins'] = [];
  const silent = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
  const server = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    pasv_min: 40000,
    pasv_max: 49999,
    anonymous: false,
    greeting: 'pilegate test FTP',
    log: silent,
    ...(options.tls !== undefined ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
  });
  server.on('login', ({ username, password }, resolve, reject) => {
    const ok = username === options.user && password === options.password;
    logins.push({ username, ok });
    if (ok) resolve({ root });
    else reject(new Error('bad login'));
  });
  await server.listen();
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return {
    port,
    logins,
    close: async () => {
      await server.close().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
