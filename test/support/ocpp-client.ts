/**
 * Real-socket harness for the `OcppConnection` tests: a test CSMS as a `ws` WebSocketServer on
 * 127.0.0.1 port 0 (over `https.createServer` for TLS, with a CA and certificates made by
 * `selfsigned`), the client under test with its log lines captured as JSON, and the hooks that
 * clean up after each test and check the logs for secrets. Back-off parameters are a tenth of a
 * second and the random part is fixed, so the delays are exact in the logs and the observed
 * spacing is checked against them.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { WebSocketServer, type WebSocket as ServerWebSocket } from 'ws';
import type { RetryBackOff } from '../../src/ocpp/backoff.js';
import { OcppConnection, type OcppConnectionOptions, type OcppTransport } from '../../src/ocpp/client.js';

// ---------------------------------------------------------------------------------------------
// The test CSMS

export interface Upgrade {
  readonly at: number;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly req: IncomingMessage;
}

export interface Accepted {
  readonly ws: ServerWebSocket;
  readonly req: IncomingMessage;
  readonly messages: string[];
  pings: number;
  closed?: { code: number; reason: string; at: number };
}

export interface CsmsOptions {
  readonly tls?: https.ServerOptions;
  /** HTTP status to refuse the n-th upgrade (1-based) with, or undefined to accept it. */
  readonly refuse?: (req: IncomingMessage, n: number) => number | undefined;
  readonly handleProtocols?: (protocols: Set<string>, req: IncomingMessage) => string | false;
  readonly autoPong?: boolean;
  readonly onConnection?: (socket: Accepted, n: number) => void;
}

export interface TestCsms {
  readonly base: string;
  readonly upgrades: Upgrade[];
  readonly accepted: Accepted[];
  readonly tlsErrors: Error[];
  close(): Promise<void>;
}

const servers: TestCsms[] = [];

export async function startCsms(options: CsmsOptions = {}): Promise<TestCsms> {
  const server = options.tls ? https.createServer(options.tls) : http.createServer();
  const upgrades: Upgrade[] = [];
  const accepted: Accepted[] = [];
  const tlsErrors: Error[] = [];
  server.on('upgrade', (req: IncomingMessage) => {
    upgrades.push({ at: performance.now(), url: req.url ?? '', headers: req.headers, req });
  });
  server.on('tlsClientError', (err: Error) => tlsErrors.push(err));
  const wss = new WebSocketServer({
    server,
    autoPong: options.autoPong ?? true,
    ...(options.handleProtocols ? { handleProtocols: options.handleProtocols } : {}),
    verifyClient: (info, cb) => {
      const status = options.refuse?.(info.req, upgrades.length);
      if (status === undefined) cb(true);
      else cb(false, status, http.STATUS_CODES[status]);
    },
  });
  wss.on('connection', (ws, req) => {
    const socket: Accepted = { ws, req, messages: [], pings: 0 };
    accepted.push(socket);
    ws.on('message', (data) => socket.messages.push(String(data)));
    ws.on('ping', () => socket.pings++);
    ws.on('close', (code, reason) => {
      socket.closed = { code, reason: reason.toString(), at: performance.now() };
    });
    options.onConnection?.(socket, accepted.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const csms: TestCsms = {
    base: `${options.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ocpp`,
    upgrades,
    accepted,
    tlsErrors,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(csms);
  return csms;
}

// ---------------------------------------------------------------------------------------------
// The client under test, with its log lines captured as JSON (as pino would write them)

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface TestClient {
  readonly conn: OcppConnection;
  readonly transports: OcppTransport[];
  readonly messages: string[];
  readonly closes: { code: number; reason: string }[];
  /** Raw JSON log lines, as a log file would hold them. */
  readonly lines: string[];
  logs(): LogLine[];
  /** `delayMs` of every transition into `waiting`. */
  delays(): number[];
  transitions(): string[];
}

const clients: TestClient[] = [];
const allLines: string[] = [];

export const FAST: RetryBackOff = { waitMinimumS: 0.1, randomRangeS: 0.1, repeatTimes: 2 };
/** With random 0.5: 150, 250, 450, 450, ... ms. */
const HALF = (): number => 0.5;

export const PASSWORD = 'Sup3r-Secret-Passw0rd-4711';
export const IDENTITY = 'RDAM 123';

export function makeClient(options: Partial<OcppConnectionOptions> & Pick<OcppConnectionOptions, 'url' | 'security'>): TestClient {
  const transports: OcppTransport[] = [];
  const messages: string[] = [];
  const closes: { code: number; reason: string }[] = [];
  const lines: string[] = [];
  const conn = new OcppConnection({
    identity: IDENTITY,
    retryBackOff: FAST,
    random: HALF,
    closeTimeoutMs: 500,
    handshakeTimeoutMs: 2000,
    onOpen: (t) => transports.push(t),
    onMessage: (text) => messages.push(text),
    onClose: (code, reason) => closes.push({ code, reason }),
    log: (level, msg, data) => {
      const line = JSON.stringify({ level, msg, ...data });
      lines.push(line);
      allLines.push(line);
    },
    ...options,
  });
  const logs = (): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine);
  const client: TestClient = {
    conn,
    transports,
    messages,
    closes,
    lines,
    logs,
    delays: () =>
      logs()
        .filter((l) => l.to === 'waiting')
        .map((l) => l.delayMs as number),
    transitions: () =>
      logs()
        .filter((l) => typeof l.to === 'string')
        .map((l) => l.msg),
  };
  clients.push(client);
  return client;
}

export async function waitFor(pred: () => boolean, label: string, timeoutMs = 4000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** Node timers may fire up to ~1 ms early against performance.now(); allow a little more. */
export const EARLY_MS = 5;
/** Generous upper slack for a loaded CI machine; still well below the next back-off step. */
export const LATE_MS = 120;

export function expectSpacing(upgrades: Upgrade[], expected: number[]): void {
  expected.forEach((delay, i) => {
    const a = upgrades[i];
    const b = upgrades[i + 1];
    if (a === undefined || b === undefined) throw new Error(`missing upgrade ${i + 1}`);
    const gap = b.at - a.at;
    expect(gap).toBeGreaterThanOrEqual(delay - EARLY_MS);
    expect(gap).toBeLessThan(delay + LATE_MS);
  });
}

// ---------------------------------------------------------------------------------------------
// Certificates (EC keys: fast to generate)

export interface Pki {
  ca: { cert: string; key: string };
  otherCa: { cert: string; key: string };
  server: { cert: string; key: string };
  serverWrongName: { cert: string; key: string };
  client: { cert: string; key: string };
  clientOtherCa: { cert: string; key: string };
}

export let pki: Pki;

async function makeCa(cn: string): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function makeLeaf(cn: string, ca: { cert: string; key: string }): Promise<{ cert: string; key: string }> {
  // No extensions given: selfsigned adds serverAuth+clientAuth and a DNS SAN = CN (+ IP 127.0.0.1
  // when CN is localhost), which is what both the server and the client certificates need here.
  const pems = await generate([{ name: 'commonName', value: cn }], { keyType: 'ec', algorithm: 'sha256', ca });
  return { cert: pems.cert, key: pems.private };
}

// ---------------------------------------------------------------------------------------------
// Hooks

const SECRETS = (): string[] => [
  PASSWORD,
  'new-Passw0rd-After-SetVariables',
  Buffer.from(`${IDENTITY}:${PASSWORD}`).toString('base64'),
  'BEGIN',
  'PRIVATE KEY',
  ...(pki ? [pki.client.key, pki.server.key].map((k) => k.split('\n')[1] ?? 'unused') : []),
];

/**
 * Registers the hooks of a test file: the certificates are made before its tests; after each test
 * its clients are stopped (their transitions checked) and its CSMSs closed; after them all, no
 * log line of the file holds a secret.
 */
export function useOcppClientHarness(): void {
  beforeAll(async () => {
    const ca = await makeCa('pilegate test CSMS root');
    const otherCa = await makeCa('someone else');
    pki = {
      ca,
      otherCa,
      server: await makeLeaf('localhost', ca),
      serverWrongName: await makeLeaf('csms.example.com', ca),
      client: await makeLeaf('SN-0001', ca),
      clientOtherCa: await makeLeaf('SN-0001', otherCa),
    };
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) {
      await c.conn.stop();
      // Every transition is logged once, as `from -> to`, and they chain.
      const states = c.logs().filter((l) => typeof l.to === 'string');
      for (const [i, l] of states.entries()) {
        expect(l.msg).toBe(`${String(l.from)} -> ${String(l.to)}`);
        if (i > 0) expect(l.from).toBe(states[i - 1]?.to);
      }
    }
    for (const s of servers.splice(0)) await s.close();
  });

  afterAll(() => {
    // Across every test in the file: no password, Authorization header or key material in logs.
    expect(allLines.length).toBeGreaterThan(50);
    for (const line of allLines) {
      expect(line.toLowerCase()).not.toContain('authorization');
      for (const secret of SECRETS()) expect(line).not.toContain(secret);
    }
  });
}
