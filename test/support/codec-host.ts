/**
 * A minimal host for codec sessions over real TCP, for integration tests: one session per accepted
 * connection, every output recorded. (The gateway's charger sessions add identity, budgets and OCPP.)
 */
import { systemClock } from '../../src/core/clock.js';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Codec, CodecError, CodecSession, IgnoredReason } from '../../codecs/codec.js';
import type { ChargerEvent } from '../../src/model/events.js';

export interface HostedConnection {
  readonly socket: Socket;
  readonly session: CodecSession;
  readonly events: ChargerEvent[];
  readonly errors: CodecError[];
  /** What the session ignored, by reason, in order. */
  readonly ignored: IgnoredReason[];
  readonly logs: { level: string; message: string; data?: unknown }[];
  closedBy?: string;
}

export interface CodecHost {
  readonly port: number;
  readonly connections: HostedConnection[];
  /** Resolves once some connection has an event matching `pred` (checks past events too). */
  waitFor(pred: (e: ChargerEvent, c: HostedConnection) => boolean, timeoutMs?: number): Promise<ChargerEvent>;
  close(): Promise<void>;
}

export async function hostCodec<O>(codec: Codec<O>, options: O): Promise<CodecHost> {
  const connections: HostedConnection[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    const c = { socket, events: [], errors: [], ignored: [], logs: [] } as unknown as HostedConnection & { session: CodecSession };
    c.session = codec.createSession({
      options,
      clock: systemClock,
      connection: { remoteAddress: socket.remoteAddress ?? '' },
      sink: {
        event: (e) => {
          c.events.push(e);
          wake();
        },
        send: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
        error: (e) => c.errors.push(e),
        ignored: (reason) => c.ignored.push(reason),
        close: (reason) => {
          c.closedBy = reason;
          socket.destroy();
        },
        log: (level, message, data) => c.logs.push({ level, message, data }),
      },
    });
    connections.push(c);
    socket.on('data', (chunk) => c.session.receive(chunk));
    socket.on('close', () => c.session.stop('socket closed'));
    socket.on('error', () => undefined);
    c.session.start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    waitFor(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          for (const c of connections) {
            const hit = c.events.find((e) => pred(e, c));
            if (hit !== undefined) {
              waiters.delete(check as () => void);
              clearTimeout(timer);
              resolve(hit);
              return true;
            }
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(new Error(`no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    async close() {
      for (const c of connections) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
