/** The gateway's HTTP side: `/healthz` (alive), `/readyz` (listening and not stopping), `/metrics`. */
import { createServer, type Server } from 'node:http';

export interface HttpHandlers {
  readonly ready: () => boolean;
  /** The Prometheus exposition text and its content type. */
  readonly metrics: () => Promise<{ readonly body: string; readonly type: string }>;
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly type: string;
}

/** Starts listening; rejects when the port cannot be bound. */
export async function startHttpServer(port: number, host: string, handlers: HttpHandlers): Promise<Server> {
  const server = createServer((req, res) => {
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

async function route(url: string, handlers: HttpHandlers): Promise<Reply> {
  const path = url.split('?')[0];
  if (path === '/healthz') return { status: 200, body: 'ok\n', type: 'text/plain' };
  if (path === '/readyz') return handlers.ready() ? { status: 200, body: 'ready\n', type: 'text/plain' } : { status: 503, body: 'not ready\n', type: 'text/plain' };
  if (path === '/metrics') {
    const { body, type } = await handlers.metrics();
    return { status: 200, body, type };
  }
  return { status: 404, body: 'not found\n', type: 'text/plain' };
}
