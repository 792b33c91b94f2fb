/**
 * `OcppConnection` against real sockets: each test writes its CSMS as a `ws` WebSocketServer on
 * 127.0.0.1 port 0 (over `https.createServer` for TLS, with a CA and certificates made by
 * `selfsigned`). Back-off parameters are a tenth of a second and the random part is fixed, so
 * the delays are exact in the logs and the observed spacing is checked against them.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerWebSocket } from 'ws';
import type { RetryBackOff } from '../../src/ocpp/backoff.js';
import {
  OcppConfigError,
  OcppConnection,
  TransportClosedError,
  buildStationUrl,
  type OcppConnectionOptions,
  type OcppTransport,
  type SecurityProfileConfig,
} from '../../src/ocpp/client.js';

// ---------------------------------------------------------------------------------------------
// The test CSMS

interface Upgrade {
  readonly at: number;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly req: IncomingMessage;
}

interface Accepted {
  readonly ws: ServerWebSocket;
  readonly req: IncomingMessage;
  readonly messages: string[];
  pings: number;
  closed?: { code: number; reason: string; at: number };
}

interface CsmsOptions {
  readonly tls?: https.ServerOptions;
  /** HTTP status to refuse the n-th upgrade (1-based) with, or undefined to accept it. */
  readonly refuse?: (req: IncomingMessage, n: number) => number | undefined;
  readonly handleProtocols?: (protocols: Set<string>, req: IncomingMessage) => string | false;
  readonly autoPong?: boolean;
  readonly onConnection?: (socket: Accepted, n: number) => void;
}

interface TestCsms {
  readonly base: string;
  readonly upgrades: Upgrade[];
  readonly accepted: Accepted[];
  readonly tlsErrors: Error[];
  close(): Promise<void>;
}

const servers: TestCsms[] = [];

async function startCsms(options: CsmsOptions = {}): Promise<TestCsms> {
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

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

interface TestClient {
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

const FAST: RetryBackOff = { waitMinimumS: 0.1, randomRangeS: 0.1, repeatTimes: 2 };
/** With random 0.5: 150, 250, 450, 450, ... ms. */
const HALF = (): number => 0.5;

const PASSWORD = 'Sup3r-Secret-Passw0rd-4711';
const IDENTITY = 'RDAM 123';

function makeClient(
  options: Partial<OcppConnectionOptions> & Pick<OcppConnectionOptions, 'url' | 'security'>,
): TestClient {
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
    delays: () => logs().filter((l) => l.to === 'waiting').map((l) => l.delayMs as number),
    transitions: () => logs().filter((l) => typeof l.to === 'string').map((l) => l.msg),
  };
  clients.push(client);
  return client;
}

async function waitFor(pred: () => boolean, label: string, timeoutMs = 4000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** Node timers may fire up to ~1 ms early against performance.now(); allow a little more. */
const EARLY_MS = 5;
/** Generous upper slack for a loaded CI machine; still well below the next back-off step. */
const LATE_MS = 120;

function expectSpacing(upgrades: Upgrade[], expected: number[]): void {
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

interface Pki {
  ca: { cert: string; key: string };
  otherCa: { cert: string; key: string };
  server: { cert: string; key: string };
  serverWrongName: { cert: string; key: string };
  client: { cert: string; key: string };
  clientOtherCa: { cert: string; key: string };
}

let pki: Pki;

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

// ---------------------------------------------------------------------------------------------

const SECRETS = (): string[] => [
  PASSWORD,
  'new-Passw0rd-After-SetVariables',
  Buffer.from(`${IDENTITY}:${PASSWORD}`).toString('base64'),
  'BEGIN',
  'PRIVATE KEY',
  ...(pki ? [pki.client.key, pki.server.key].map((k) => k.split('\n')[1] ?? 'unused') : []),
];

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
  // Across every test in this file: no password, Authorization header or key material in logs.
  expect(allLines.length).toBeGreaterThan(50);
  for (const line of allLines) {
    expect(line.toLowerCase()).not.toContain('authorization');
    for (const secret of SECRETS()) expect(line).not.toContain(secret);
  }
});

describe('configuration', () => {
  const ws = 'ws://csms.example.com/ocpp';
  const wss = 'wss://csms.example.com/ocpp';
  const p1: SecurityProfileConfig = { profile: 1, password: PASSWORD };
  const refuse = (options: Partial<OcppConnectionOptions>): OcppConfigError => {
    try {
      new OcppConnection({ identity: 'CS001', url: ws, security: p1, retryBackOff: FAST, log: () => {}, ...options });
    } catch (err) {
      expect(err).toBeInstanceOf(OcppConfigError);
      expect((err as Error).message).not.toContain(PASSWORD);
      return err as OcppConfigError;
    }
    throw new Error('constructor accepted the configuration');
  };

  it('appends the percent-encoded identity to the base URL, with or without a trailing slash', () => {
    expect(buildStationUrl('ws://csms.example.com/ocpp', 'CS001')).toBe('ws://csms.example.com/ocpp/CS001');
    expect(buildStationUrl('ws://csms.example.com/ocpp/', 'RDAM 123')).toBe('ws://csms.example.com/ocpp/RDAM%20123');
    expect(buildStationUrl('wss://csms.example.com:8443', 'a|b@c')).toBe('wss://csms.example.com:8443/a%7Cb%40c');
  });

  it('refuses a URL scheme that does not fit the security profile', () => {
    expect(refuse({ url: ws, security: { profile: 2, password: PASSWORD, ca: pki.ca.cert } }).code).toBe(
      'OCPP_SCHEME_MISMATCH',
    );
    expect(refuse({ url: ws, security: { profile: 3, ...pki.client, ca: pki.ca.cert } }).code).toBe(
      'OCPP_SCHEME_MISMATCH',
    );
    expect(refuse({ url: wss, security: p1 }).code).toBe('OCPP_SCHEME_MISMATCH');
  });

  it('refuses bad URLs, identities, profiles and missing or foreign credentials', () => {
    expect(refuse({ url: 'http://csms.example.com/ocpp' }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ url: `ws://CS001:${PASSWORD}@csms.example.com/ocpp` }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ url: 'ws://csms.example.com/ocpp?x=1' }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ url: 'not a url' }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ identity: 'CS:001' }).code).toBe('OCPP_BAD_IDENTITY');
    expect(refuse({ identity: 'x'.repeat(49) }).code).toBe('OCPP_BAD_IDENTITY');
    expect(refuse({ identity: '' }).code).toBe('OCPP_BAD_IDENTITY');
    expect(refuse({ security: { profile: 4 } as unknown as SecurityProfileConfig }).code).toBe('OCPP_BAD_PROFILE');
    expect(refuse({ security: { profile: 1, password: '' } }).code).toBe('OCPP_MISSING_CREDENTIAL');
    expect(refuse({ url: wss, security: { profile: 2, password: PASSWORD, ca: 'not pem' } }).code).toBe(
      'OCPP_MISSING_CREDENTIAL',
    );
    expect(
      refuse({ url: wss, security: { profile: 3, cert: pki.client.cert, ca: pki.ca.cert } as SecurityProfileConfig })
        .code,
    ).toBe('OCPP_MISSING_CREDENTIAL');
    expect(refuse({ security: { ...p1, ca: pki.ca.cert } as SecurityProfileConfig }).code).toBe(
      'OCPP_CREDENTIAL_NOT_FOR_PROFILE',
    );
    expect(refuse({ pingIntervalS: -1 }).code).toBe('OCPP_BAD_OPTION');
    expect(refuse({ retryBackOff: { ...FAST, repeatTimes: -1 } }).code).toBe('OCPP_BAD_OPTION');
  });

  it('refuses TLS material that does not load, without echoing it', () => {
    const garbage = '-----BEGIN PRIVATE KEY-----\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n-----END PRIVATE KEY-----\n';
    const wrongKey = refuse({ url: wss, security: { profile: 3, cert: pki.client.cert, key: pki.server.key, ca: pki.ca.cert } });
    expect(wrongKey.code).toBe('OCPP_BAD_CREDENTIAL');
    expect(wrongKey.message).not.toContain(pki.server.key.split('\n')[1] ?? 'unused');
    const badKey = refuse({ url: wss, security: { profile: 3, cert: pki.client.cert, key: garbage, ca: pki.ca.cert } });
    expect(badKey.code).toBe('OCPP_BAD_CREDENTIAL');
    expect(badKey.message).not.toContain('QUJDREVG');
  });

  it('has no way to turn certificate verification off', () => {
    const security = { profile: 2, password: PASSWORD, ca: pki.ca.cert, rejectUnauthorized: false };
    // @ts-expect-error rejectUnauthorized is not part of any profile
    const err = refuse({ url: wss, security });
    expect(err.code).toBe('OCPP_CREDENTIAL_NOT_FOR_PROFILE');
    expect(err.message).toContain('rejectUnauthorized');
  });

  it('refuses credentials that do not belong to the profile on update, naming no secret', () => {
    const c = makeClient({ url: ws, security: p1 });
    expect(() => c.conn.updateCredentials({ key: pki.client.key })).toThrow(OcppConfigError);
    expect(() => c.conn.updateCredentials({ password: '' })).toThrow(/non-empty password/);
    c.conn.updateCredentials({ password: 'new-Passw0rd-After-SetVariables' });
    const update = c.logs().find((l) => l.msg === 'credentials updated');
    expect(update).toMatchObject({ level: 'info', profile: 1, fields: ['password'] });
    expect(c.conn.state).toBe('idle');
  });
});

describe('security profile 1 (ws:// + Basic auth)', () => {
  it('sends the percent-encoded identity, the subprotocol and the exact Basic header, then moves text frames', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: `${csms.base}/`, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1 && csms.accepted.length === 1, 'open');

    const up = csms.upgrades[0];
    expect(up?.url).toBe('/ocpp/RDAM%20123');
    expect(decodeURIComponent(up?.url.split('/').pop() ?? '')).toBe(IDENTITY);
    expect(up?.headers.authorization).toBe(basic(IDENTITY, PASSWORD));
    expect(up?.headers['sec-websocket-protocol']).toBe('ocpp2.0.1');
    expect(csms.accepted[0]?.ws.protocol).toBe('ocpp2.0.1');
    expect(c.conn.state).toBe('open');
    expect(c.transitions()).toEqual(['idle -> connecting', 'connecting -> open']);

    c.transports[0]?.send('[2,"a1","Heartbeat",{}]');
    csms.accepted[0]?.ws.send('[3,"a1",{"currentTime":"2026-01-01T00:00:00.000Z"}]');
    await waitFor(() => c.messages.length === 1 && csms.accepted[0]?.messages.length === 1, 'frames');
    expect(csms.accepted[0]?.messages).toEqual(['[2,"a1","Heartbeat",{}]']);
    expect(c.messages).toEqual(['[3,"a1",{"currentTime":"2026-01-01T00:00:00.000Z"}]']);
  });

  it('retries a 401 (wrong password) with back-off, then connects after updateCredentials + reconnectNow', async () => {
    const good = 'new-Passw0rd-After-SetVariables';
    const csms = await startCsms({ refuse: (req) => (req.headers.authorization === basic(IDENTITY, good) ? undefined : 401) });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => csms.upgrades.length >= 3, 'three attempts');

    expect(c.delays().slice(0, 2)).toEqual([150, 250]);
    expectSpacing(csms.upgrades, [150, 250]);
    expect(c.conn.lastFailure).toMatchObject({ kind: 'http', status: 401 });
    expect(c.logs().filter((l) => l.msg === 'connection failure' && l.status === 401).length).toBeGreaterThanOrEqual(2);
    expect(c.transports).toHaveLength(0);

    await waitFor(() => c.conn.state === 'waiting', 'waiting');
    c.conn.updateCredentials({ password: good });
    const before = csms.upgrades.length;
    const t = performance.now();
    c.conn.reconnectNow();
    await waitFor(() => c.transports.length === 1, 'open with the new password');
    expect(performance.now() - t).toBeLessThan(100); // no back-off wait
    expect(csms.upgrades.length).toBe(before + 1);
    expect(csms.upgrades.at(-1)?.headers.authorization).toBe(basic(IDENTITY, good));
  });

  it.each([403, 404])('retries a %i answer with back-off and reports the status', async (status) => {
    const csms = await startCsms({ refuse: () => status });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => csms.upgrades.length >= 2, 'two attempts');
    expectSpacing(csms.upgrades, [150]);
    expect(c.conn.lastFailure).toEqual({ kind: 'http', status, message: `CSMS answered the handshake with HTTP ${status}` });
  });

  it.each([
    ['agrees on no subprotocol', (): false => false, 'Server sent no subprotocol'],
    ['picks one that was not offered', (): string => 'ocpp1.6', 'Server sent an invalid subprotocol'],
  ])('treats a CSMS that %s as a failed attempt', async (_label, handleProtocols, message) => {
    const csms = await startCsms({ handleProtocols });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => csms.upgrades.length >= 2, 'a retry');
    expect(c.transports).toHaveLength(0);
    expect(c.conn.lastFailure).toEqual({ kind: 'subprotocol', message });
    expect(c.transitions().slice(0, 2)).toEqual(['idle -> connecting', 'connecting -> waiting']);
    expect(c.logs().find((l) => l.to === 'waiting')).toMatchObject({ reason: 'handshake-failed', failure: 'subprotocol' });
    expectSpacing(csms.upgrades, [150]);
  });
});

describe('security profile 2 (wss:// + Basic auth, CSMS certificate checked)', () => {
  it('connects when the server certificate chains to the configured CA', async () => {
    const csms = await startCsms({ tls: { cert: pki.server.cert, key: pki.server.key } });
    const c = makeClient({ url: csms.base, security: { profile: 2, password: PASSWORD, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    const req = csms.accepted[0]?.req;
    expect((req?.socket as { encrypted?: boolean }).encrypted).toBe(true);
    expect(req?.headers.authorization).toBe(basic(IDENTITY, PASSWORD));
    expect(req?.url).toBe('/ocpp/RDAM%20123');
  });

  it('refuses a server certificate from another CA and reports it as a certificate failure', async () => {
    const csms = await startCsms({ tls: { cert: pki.server.cert, key: pki.server.key } });
    const c = makeClient({ url: csms.base, security: { profile: 2, password: PASSWORD, ca: pki.otherCa.cert } });
    c.conn.start();
    await waitFor(() => c.logs().filter((l) => l.msg === 'connection failure').length >= 2, 'two refusals');
    expect(c.conn.lastFailure).toMatchObject({
      kind: 'tls',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      certificateRejected: true,
    });
    expect(csms.upgrades).toHaveLength(0); // the password never left the client
    expect(c.transports).toHaveLength(0);
    expect(c.delays()[0]).toBe(150);
  });

  it('refuses a certificate whose names do not match the host', async () => {
    const csms = await startCsms({ tls: { cert: pki.serverWrongName.cert, key: pki.serverWrongName.key } });
    const c = makeClient({ url: csms.base, security: { profile: 2, password: PASSWORD, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => c.conn.lastFailure !== undefined, 'failure');
    expect(c.conn.lastFailure).toMatchObject({ kind: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID', certificateRejected: true });
    expect(csms.upgrades).toHaveLength(0);
  });
});

describe('security profile 3 (wss:// + client certificate)', () => {
  const tls = (): https.ServerOptions => ({
    cert: pki.server.cert,
    key: pki.server.key,
    ca: [pki.ca.cert],
    requestCert: true,
    rejectUnauthorized: true,
  });

  it('presents the client certificate, which the CSMS verifies; no Basic header', async () => {
    const csms = await startCsms({ tls: tls() });
    const c = makeClient({ url: csms.base, security: { profile: 3, ...pki.client, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    const socket = csms.accepted[0]?.req.socket as TLSSocket;
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subject.CN).toBe('SN-0001');
    expect(csms.accepted[0]?.req.headers.authorization).toBeUndefined();
  });

  it('does not open when the CSMS rejects the client certificate', async () => {
    const csms = await startCsms({ tls: tls() });
    const c = makeClient({ url: csms.base, security: { profile: 3, ...pki.clientOtherCa, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => csms.tlsErrors.length >= 2, 'two TLS refusals');
    expect(csms.upgrades).toHaveLength(0);
    expect(c.transports).toHaveLength(0);
    // Under TLS 1.3 the client has finished its handshake before the CSMS checks the certificate;
    // the refusal then usually surfaces as ECONNRESET "socket hang up", sometimes as the TLS alert.
    expect(['tls', 'network']).toContain(c.conn.lastFailure?.kind);
  });
});

describe('reconnecting', () => {
  it('reconnects after the CSMS closes the socket, starting again at the minimum after a success (TC_B_57)', async () => {
    // Attempts 1 and 2 refused, 3 accepted then closed by the CSMS, 4 accepted.
    const csms = await startCsms({
      refuse: (_req, n) => (n <= 2 ? 503 : undefined),
      onConnection: (s, n) => {
        if (n === 1) setTimeout(() => s.ws.close(1001, 'going away'), 20);
      },
    });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 2, 'second open');

    expect(c.delays()).toEqual([150, 250, 150]);
    expect(c.closes).toEqual([{ code: 1001, reason: 'going away' }]);
    expect(c.conn.lastFailure).toMatchObject({ kind: 'connection-lost', code: 1001, reason: 'going away' });
    const closedAt = csms.accepted[0]?.closed?.at ?? Number.NaN;
    const reopened = (csms.upgrades[3]?.at ?? Number.NaN) - closedAt;
    expect(reopened).toBeGreaterThanOrEqual(150 - EARLY_MS);
    expect(reopened).toBeLessThan(150 + LATE_MS);
    expect(() => c.transports[0]?.send('late')).toThrow(TransportClosedError);
    c.transports[1]?.send('[2,"b1","Heartbeat",{}]');
    await waitFor(() => csms.accepted[1]?.messages.length === 1, 'frame on the new socket');
  });

  it('reads the RetryBackOff parameters through the getter before every retry', async () => {
    let params: RetryBackOff = FAST;
    const csms = await startCsms({ refuse: () => 503 });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, retryBackOff: () => params });
    c.conn.start();
    await waitFor(() => c.delays().length === 1, 'first wait');
    params = { waitMinimumS: 0.02, randomRangeS: 0, repeatTimes: 0 };
    await waitFor(() => csms.upgrades.length >= 4, 'retries with new parameters');
    expect(c.delays().slice(0, 3)).toEqual([150, 20, 20]);
  });

  it('reconnectNow on an open socket closes it gracefully first, then reconnects at once', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    c.conn.reconnectNow(1000, 'new password');
    await waitFor(() => c.transports.length === 2, 'reopened');
    const first = csms.accepted[0]?.closed;
    expect(first).toMatchObject({ code: 1000, reason: 'new password' });
    expect(csms.upgrades[1]?.at ?? 0).toBeGreaterThanOrEqual(first?.at ?? Number.POSITIVE_INFINITY);
    expect(c.delays()).toEqual([]);
    expect(c.transitions()).toEqual([
      'idle -> connecting',
      'connecting -> open',
      'open -> closing',
      'closing -> connecting',
      'connecting -> open',
    ]);
  });

  it('closing through the transport reconnects with back-off from the minimum', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    c.transports[0]?.close(4000, 'too many bad frames');
    await waitFor(() => c.transports.length === 2, 'reopened');
    expect(csms.accepted[0]?.closed).toMatchObject({ code: 4000, reason: 'too many bad frames' });
    expect(c.delays()).toEqual([150]);
    expect(c.conn.lastFailure).toBeUndefined(); // our own close is not a failure
    expect(() => c.transports[1]?.close(1006, '')).toThrow(RangeError);
  });

  it('times out a handshake the server never answers, and stop() ends a pending attempt', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const c = makeClient({
        url: `ws://127.0.0.1:${port}/ocpp`,
        security: { profile: 1, password: PASSWORD },
        handshakeTimeoutMs: 100,
      });
      c.conn.start();
      await waitFor(() => c.conn.lastFailure !== undefined, 'handshake time-out');
      expect(c.conn.lastFailure).toEqual({ kind: 'handshake-timeout', message: 'Opening handshake has timed out' });
      await waitFor(() => c.conn.state === 'connecting' && sockets.length === 2, 'second attempt');
      await c.conn.stop();
      expect(c.conn.state).toBe('closed');
      await sleep(300);
      expect(sockets).toHaveLength(2);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('keep-alive', () => {
  it('pings every pingIntervalS and stays open while pongs come back', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: 0.05 });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    await waitFor(() => (csms.accepted[0]?.pings ?? 0) >= 4, 'four pings');
    expect(c.conn.state).toBe('open');
    expect(c.transports).toHaveLength(1);
    expect(c.conn.lastFailure).toBeUndefined();
  });

  it('terminates and reconnects when pongs stop', async () => {
    const csms = await startCsms({ autoPong: false });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: 0.05 });
    c.conn.start();
    await waitFor(() => c.transports.length === 2, 'reconnected');
    expect(csms.accepted[0]?.pings).toBe(1); // the second tick found the first ping unanswered
    expect(c.conn.lastFailure).toEqual({ kind: 'pong-timeout', message: 'no pong within 0.05 s' });
    expect(c.closes[0]?.code).toBe(1006);
    expect(c.logs().find((l) => l.reason === 'pong-timeout')?.msg).toBe('open -> closing');
    expect(c.delays()[0]).toBe(150);
  });

  it('restartKeepAlive applies a changed pingIntervalS to the open socket', async () => {
    let intervalS = 0;
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: () => intervalS });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    await sleep(100);
    expect(csms.accepted[0]?.pings).toBe(0);
    intervalS = 0.03;
    c.conn.restartKeepAlive();
    await waitFor(() => (csms.accepted[0]?.pings ?? 0) >= 3, 'pings after the change');
    expect(c.transports).toHaveLength(1);
  });

  it('sends no pings with pingIntervalS 0 and still answers the CSMS pings', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: 0 });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    let pongs = 0;
    csms.accepted[0]?.ws.on('pong', () => pongs++);
    csms.accepted[0]?.ws.ping();
    await waitFor(() => pongs === 1, 'pong from the station');
    await sleep(150);
    expect(csms.accepted[0]?.pings).toBe(0);
  });
});

describe('stopping and owner errors', () => {
  it('stop() closes gracefully and never reconnects', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    await c.conn.stop(1000, 'bye');
    expect(c.conn.state).toBe('closed');
    expect(c.closes).toEqual([{ code: 1000, reason: 'bye' }]);
    await waitFor(() => csms.accepted[0]?.closed !== undefined, 'server saw the close');
    expect(csms.accepted[0]?.closed).toMatchObject({ code: 1000, reason: 'bye' });
    c.conn.reconnectNow();
    await sleep(400); // longer than any back-off step in use
    expect(csms.upgrades).toHaveLength(1);
    expect(c.transitions().at(-1)).toBe('closing -> closed');
    expect(c.conn.lastFailure).toBeUndefined();
  });

  it('stop() while waiting cancels the retry', async () => {
    const csms = await startCsms({ refuse: () => 401 });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.conn.state === 'waiting', 'waiting');
    await c.conn.stop();
    await sleep(300);
    expect(csms.upgrades).toHaveLength(1);
    expect(c.transitions()).toEqual(['idle -> connecting', 'connecting -> waiting', 'waiting -> closed']);
  });

  it('drops binary frames and survives an owner callback that throws', async () => {
    const csms = await startCsms();
    const c = makeClient({
      url: csms.base,
      security: { profile: 1, password: PASSWORD },
      onOpen: () => {
        throw new Error('owner bug');
      },
    });
    c.conn.start();
    await waitFor(() => csms.accepted.length === 1 && c.conn.state === 'open', 'open');
    csms.accepted[0]?.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    csms.accepted[0]?.ws.send('[2,"c1","Reset",{"type":"Immediate"}]');
    await waitFor(() => c.messages.length === 1, 'text frame');
    expect(c.messages).toEqual(['[2,"c1","Reset",{"type":"Immediate"}]']);
    const levels = c.logs().map((l) => `${l.level}:${l.msg}`);
    expect(levels).toContain('error:onOpen callback threw');
    expect(levels).toContain('warn:binary frame dropped (OCPP-J uses text frames)');
    expect(c.conn.state).toBe('open');
  });
});
