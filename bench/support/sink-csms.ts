/**
 * A sink CSMS for the OCPP benchmark: a `ws` server on 127.0.0.1 that agrees on `ocpp2.0.1` and
 * answers every CALL with a minimal schema-valid CALLRESULT. It checks nothing (no auth, no schema):
 * it must be cheap, it is not what is measured. permessage-deflate is off, so it is never negotiated.
 *
 * Imported, `startSinkCsms()` runs it in this process; forked (`forkSinkCsms()`), it runs in a child
 * process and reports its port over IPC, so that its sockets do not count in our memory figures.
 */
import { fork } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SinkCsms {
  readonly port: number;
  close(): Promise<void>;
}

/** The CALLRESULT payload of each action the benchmark sends; other actions get `{}`. */
function answer(action: string, intervalS: number): string {
  switch (action) {
    case 'Heartbeat':
      return `{"currentTime":"${new Date().toISOString()}"}`;
    case 'BootNotification':
      return `{"currentTime":"${new Date().toISOString()}","interval":${intervalS},"status":"Accepted"}`;
    case 'Authorize':
      // Every card is good (the family-B fleet starts its sessions with a card).
      return '{"idTokenInfo":{"status":"Accepted"}}';
    default:
      return '{}'; // StatusNotification and the other notifications
  }
}

export interface SinkOptions {
  /**
   * Sees every CALL: the station identity (last segment of the URL path), the action, the payload
   * and the arrival time (`performance.timeOrigin + performance.now()`, taken before parsing).
   * Must not throw.
   */
  readonly onCall?: (identity: string, action: string, payload: unknown, arrivedAt: number) => void;
  /** Heartbeat interval in the BootNotificationResponse, s. Default 300. */
  readonly heartbeatIntervalS?: number;
}

export function startSinkCsms(options: SinkOptions = {}): Promise<SinkCsms> {
  const { onCall } = options;
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('ocpp2.0.1') ? 'ocpp2.0.1' : false),
  });
  server.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const identity = decodeURIComponent((request.url ?? '').split('?')[0]?.split('/').pop() ?? '');
    ws.on('message', (data) => {
      const arrivedAt = onCall === undefined ? 0 : performance.timeOrigin + performance.now();
      const frame = JSON.parse(String(data)) as unknown[];
      if (frame[0] !== 2) return; // only CALLs are answered
      const action = String(frame[2]);
      onCall?.(identity, action, frame[3], arrivedAt);
      ws.send(`[3,${JSON.stringify(frame[1])},${answer(action, options.heartbeatIntervalS ?? 300)}]`);
    });
    ws.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) return reject(new Error('sink CSMS has no TCP address'));
      resolve({
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const client of server.clients) client.terminate();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Runs the sink in a child process (`node dist/bench/support/sink-csms.js`); close() ends it. */
export function forkSinkCsms(): Promise<SinkCsms> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sink CSMS child exited with ${code} before listening`)));
    child.once('message', (message) => {
      resolve({
        port: (message as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      });
    });
  });
}

// Child-process entry point: listen, report the port, exit when the parent disconnects.
if (process.send !== undefined && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sink = await startSinkCsms();
  process.once('disconnect', () => void sink.close().then(() => process.exit(0)));
  process.send({ port: sink.port });
}
