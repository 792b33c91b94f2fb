/**
 * Test-side gateway: a `net.Server` on port 0 that wraps every accepted socket in a
 * `ControllingLink` (the adapter the real connection owner will be) and records what the link
 * reports. Plus `waitUntil`, a polling wait for conditions on either side of the connection.
 */
import net from 'node:net';
import type { DecodeError } from '../../src/iec104/errors.js';
import { ControllingLink, type LinkCloseReason, type LinkParameters } from '../../src/iec104/link.js';

/** One accepted connection with its link and everything the link reported. */
export interface LinkedSocket {
  readonly link: ControllingLink;
  readonly socket: net.Socket;
  readonly asdus: Buffer[];
  readonly transitions: string[];
  readonly closeReasons: LinkCloseReason[];
  readonly errors: DecodeError[];
  /** Size of every chunk the socket delivered. */
  readonly chunks: number[];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
}

/** Wraps an accepted socket: link output to the socket, socket data to the link, close both ways. */
function attachLink(socket: net.Socket, params: Partial<LinkParameters>): LinkedSocket {
  const asdus: Buffer[] = [];
  const transitions: string[] = [];
  const closeReasons: LinkCloseReason[] = [];
  const errors: DecodeError[] = [];
  const chunks: number[] = [];
  socket.setNoDelay(true);
  const link = new ControllingLink({
    params,
    send: (bytes) => socket.write(bytes),
    close: (reason) => {
      closeReasons.push(reason);
      socket.destroy();
    },
    onAsdu: (asdu) => asdus.push(Buffer.from(asdu)),
    onStateChange: (from, to, reason) => transitions.push(`${from} -> ${to} (${reason})`),
    onError: (error) => errors.push(error),
  });
  socket.on('data', (chunk) => {
    chunks.push(chunk.length);
    link.receive(chunk);
  });
  socket.on('error', () => undefined); // the peer vanishing is part of several tests
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      link.dispose();
      resolve();
    }),
  );
  return { link, socket, asdus, transitions, closeReasons, errors, chunks, closed };
}

export interface TestGateway {
  readonly port: number;
  /** The next accepted connection (already started: STARTDT act is on its way). */
  accepted(): Promise<LinkedSocket>;
  /** Destroys every accepted socket and closes the server. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0; each accepted connection gets a link with `params` and `start()`. */
export async function startGateway(params: Partial<LinkParameters>): Promise<TestGateway> {
  const sockets = new Set<LinkedSocket>();
  const waiting: ((s: LinkedSocket) => void)[] = [];
  const ready: LinkedSocket[] = [];
  const server = net.createServer((socket) => {
    const linked = attachLink(socket, params);
    sockets.add(linked);
    linked.link.start();
    const waiter = waiting.shift();
    if (waiter) waiter(linked);
    else ready.push(linked);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    port: address.port,
    accepted: () => {
      const first = ready.shift();
      return first ? Promise.resolve(first) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      for (const s of sockets) s.socket.destroy();
      await Promise.all([...sockets].map((s) => s.closed));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `condition` every few ms; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
