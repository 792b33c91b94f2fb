/**
 * The gateway's HTTP side: `/healthz` (alive: the process answers), `/readyz` (ready to do its job:
 * 200 or 503 with a line per check, see readiness.ts), `/metrics`.
 * With credentials configured every request must carry them (RFC 9110 §11: `Authorization:
 * Bearer <token>` or `Basic <base64(user:password)>`), else it is answered 401 with a challenge.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Logger } from 'pino';
import { isLoopbackHost, type HttpAuth, type HttpConfig } from './http-config.js';
import type { Readiness } from './readiness.js';

export interface HttpHandlers {
  readonly readiness: () => Readiness;
  /** The Prometheus exposition text and its content type. */
  readonly metrics: () => Promise<{ readonly body: string; readonly type: string }>;
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly type: string;
}

/**
 * The gateway's endpoints as configured: started, logged (the scheme, never the secret), and a
 * warning when other hosts reach them without credentials. Rejects when the port cannot be bound.
 */
export async function startGatewayHttp(config: HttpConfig, log: Logger, handlers: HttpHandlers): Promise<Server> {
  const server = await startHttpServer(config.port, config.host, handlers, config.auth);
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : config.port;
  log.info({ port, host: config.host, auth: config.auth?.scheme ?? 'none' }, 'http: /healthz /readyz /metrics');
  if (config.auth === undefined && !isLoopbackHost(config.host)) {
    log.warn({ host: config.host }, 'http endpoints reachable from other hosts without authentication: set http.auth, or http.host to 127.0.0.1');
  }
  return server;
}

/** Starts listening; rejects when the port cannot be bound. Without `auth` every request is answered. */
async function startHttpServer(port: number, host: string, handlers: HttpHandlers, auth?: HttpAuth): Promise<Server> {
  const allowed = auth === undefined ? () => true : authorizer(auth);
  const challenge = auth?.scheme === 'basic' ? 'Basic realm="pilegate", charset="UTF-8"' : 'Bearer realm="pilegate"';
  const server = createServer((req, res) => {
    if (!allowed(req)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': challenge });
      res.end('unauthorized\n');
      return;
    }
    route(req.url ?? '/', handlers).then(
      ({ status, body, type }) => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err instanceof Error ? err.message : 'error');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Closes the server and every keep-alive connection. */
export async function stopHttpServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/**
 * Whether a request carries the configured credentials. Both sides are compared as SHA-256 digests
 * with `timingSafeEqual`: equal lengths, and a time that says nothing about the secret.
 */
function authorizer(auth: HttpAuth): (req: IncomingMessage) => boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  const scheme = auth.scheme;
  const expected = digest(auth.scheme === 'basic' ? `${auth.username}:${auth.secret}` : auth.secret);
  return (req) => {
    const header = req.headers.authorization;
    if (header === undefined) return false;
    const m = /^([A-Za-z]+) +(\S+) *$/.exec(header);
    if (m === null || m[1]?.toLowerCase() !== scheme) return false;
    const credentials = m[2] ?? '';
    const presented = scheme === 'basic' ? Buffer.from(credentials, 'base64').toString('utf8') : credentials;
    return timingSafeEqual(digest(presented), expected);
  };
}

async function route(url: string, handlers: HttpHandlers): Promise<Reply> {
  const path = url.split('?')[0];
  if (path === '/healthz') return { status: 200, body: 'ok\n', type: 'text/plain' };
  if (path === '/readyz') {
    const { ready, body } = handlers.readiness();
    return { status: ready ? 200 : 503, body, type: 'text/plain; charset=utf-8' };
  }
  if (path === '/metrics') {
    const { body, type } = await handlers.metrics();
    return { status: 200, body, type };
  }
  return { status: 404, body: 'not found\n', type: 'text/plain' };
}
