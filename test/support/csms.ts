/**
 * An independent CSMS for tests: ocpp-rpc's RPCServer in strict mode (its own validator and schema
 * bundle), recording every CALL a station sends and every strict-validation failure.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { RPCServer, type RPCClient } from 'ocpp-rpc';
import { ocppTimestamp } from '../../src/ocpp/schemas.js';

export interface StationCall {
  readonly identity: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly at: number;
  /** The CALL's message id. */
  readonly messageId: string;
  /** The CALL frame as it came over the wire. */
  readonly raw: string;
  /** Which OCPP connection brought it: 1 for the CSMS's first, counting every identity's. */
  readonly connection: number;
}

export type BootAnswer = { status: 'Accepted' | 'Pending' | 'Rejected'; interval: number };

export interface TestCsmsOptions {
  /** Basic-auth password per identity; a station with another password gets 401. */
  readonly passwords?: Readonly<Record<string, string>>;
  /** Decides each BootNotification; default Accepted with interval 300. */
  readonly boot?: (identity: string, params: Record<string, unknown>, n: number) => BootAnswer;
  /** Serve TLS with this server certificate (security profile 2/3). */
  readonly tls?: {
    readonly cert: string;
    readonly key: string;
    readonly ca?: string;
    readonly requestCert?: boolean;
    /** Drops a TLS connection whose client certificate (DER) this refuses, before the WebSocket handshake. */
    readonly refuseClient?: (certificate: Buffer) => boolean;
  };
  /** Listen on this port (to restart a stopped CSMS at the same address). */
  readonly port?: number;
  /** Answers these actions only after this many ms (a slow CSMS). */
  readonly replyDelayMs?: Readonly<Record<string, number>>;
  /** The `idTokenInfo.status` an AuthorizeRequest gets for this token; default Accepted. */
  readonly authorize?: (identity: string, idToken: string) => 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'Unknown';
  /** The `idTokenInfo.groupIdToken` (type Central) an AuthorizeRequest gets for this token; default none. */
  readonly authorizeGroup?: (identity: string, idToken: string) => string | undefined;
  /** The `idTokenInfo` a TransactionEventRequest's answer carries (undefined: none). */
  readonly transactionEventIdTokenInfo?: (identity: string, params: Record<string, unknown>) => Record<string, unknown> | undefined;
}

export interface TestCsms {
  readonly port: number;
  readonly url: string;
  readonly calls: StationCall[];
  readonly strictFailures: unknown[];
  /** CALLERRORs the CSMS sent in answer to station CALLs. */
  readonly errorsSent: { identity: string; frame: unknown[] }[];
  /** Frames the station sent that answer CSMS CALLs (CALLRESULT / CALLERROR), raw. */
  readonly replies: { identity: string; frame: unknown[] }[];
  /** Message ids of station CALLs the CSMS answered (CALLRESULT written while its socket was open). */
  readonly answered: Set<string>;
  readonly authAttempts: { identity: string; passwordOk: boolean; at: number }[];
  /** The client certificate (DER) each TLS connection presented, in order; empty without `tls`. */
  readonly clientCertificates: Buffer[];
  readonly clients: Map<string, RPCClient>;
  /** OCPP connections open now, per identity. */
  readonly openConnections: Map<string, number>;
  /** The most OCPP connections one identity ever had open at the same time. */
  readonly maxOpenConnections: Map<string, number>;
  /** Resolves with the first call matching, waiting for it if needed. */
  waitForCall(pred: (c: StationCall) => boolean, timeoutMs?: number): Promise<StationCall>;
  client(identity: string, timeoutMs?: number): Promise<RPCClient>;
  close(): Promise<void>;
}

export async function startCsms(options: TestCsmsOptions = {}): Promise<TestCsms> {
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  const calls: StationCall[] = [];
  const strictFailures: unknown[] = [];
  const errorsSent: TestCsms['errorsSent'] = [];
  const replies: TestCsms['replies'] = [];
  const answered = new Set<string>();
  const authAttempts: TestCsms['authAttempts'] = [];
  const clientCertificates: Buffer[] = [];
  const clients = new Map<string, RPCClient>();
  const openConnections = new Map<string, number>();
  const maxOpenConnections = new Map<string, number>();
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const boots = new Map<string, number>();
  let connections = 0;

  server.auth((accept, reject, handshake) => {
    const who = String(handshake.identity);
    const expected = options.passwords?.[who];
    if (expected === undefined) {
      accept();
      return;
    }
    const ok = handshake.password !== undefined && handshake.password.toString('utf8') === expected;
    authAttempts.push({ identity: who, passwordOk: ok, at: Date.now() });
    if (ok) accept();
    else reject(401, 'bad credentials');
  });

  server.on('client', (client: RPCClient) => {
    const identity = String(client.identity);
    const connection = ++connections;
    clients.set(identity, client);
    const open = (openConnections.get(identity) ?? 0) + 1;
    openConnections.set(identity, open);
    maxOpenConnections.set(identity, Math.max(open, maxOpenConnections.get(identity) ?? 0));
    client.once('close', () => openConnections.set(identity, (openConnections.get(identity) ?? 1) - 1));
    client.on('strictValidationFailure', (e: unknown) => strictFailures.push(e));
    client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
      try {
        const frame = JSON.parse(message) as unknown[];
        if (outbound) {
          if (frame[0] === 4) errorsSent.push({ identity, frame });
          // ocpp-rpc writes while closing too; an answer then may never reach the station.
          if (frame[0] === 3 && client.state === 1) answered.add(String(frame[1]));
          return;
        }
        if (frame[0] === 3 || frame[0] === 4) {
          replies.push({ identity, frame });
          wake();
        }
        if (frame[0] === 2) {
          calls.push({ identity, action: String(frame[2]), params: (frame[3] ?? {}) as Record<string, unknown>, at: Date.now(), messageId: String(frame[1]), raw: String(message), connection });
          wake();
        }
      } catch {
        // Not JSON: the strict server answers it; nothing to record.
      }
    });
    client.handle('BootNotification', async ({ params }) => {
      const n = (boots.get(identity) ?? 0) + 1;
      boots.set(identity, n);
      const answer = options.boot?.(identity, (params ?? {}) as Record<string, unknown>, n) ?? { status: 'Accepted', interval: 300 };
      return { currentTime: ocppTimestamp(Date.now()), ...answer };
    });
    client.handle('Heartbeat', async () => ({ currentTime: ocppTimestamp(Date.now()) }));
    client.handle('SignCertificate', async () => ({ status: 'Accepted' }));
    client.handle('Authorize', async ({ params }) => {
      const token = String((params as { idToken?: { idToken?: unknown } } | undefined)?.idToken?.idToken ?? '');
      const group = options.authorizeGroup?.(identity, token);
      return { idTokenInfo: { status: options.authorize?.(identity, token) ?? 'Accepted', ...(group !== undefined ? { groupIdToken: { idToken: group, type: 'Central' } } : {}) } };
    });
    for (const action of [
      'StatusNotification',
      'NotifyReport',
      'SecurityEventNotification',
      'MeterValues',
      'FirmwareStatusNotification',
      'LogStatusNotification',
      'NotifyEvent',
      'TransactionEvent',
      'NotifyCustomerInformation',
      'ReservationStatusUpdate',
    ]) {
      const delay = options.replyDelayMs?.[action] ?? 0;
      client.handle(action, async ({ params }) => {
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        const idTokenInfo = action === 'TransactionEvent' ? options.transactionEventIdTokenInfo?.(identity, (params ?? {}) as Record<string, unknown>) : undefined;
        return idTokenInfo !== undefined ? { idTokenInfo } : {};
      });
    }
    wake();
  });

  let port: number;
  let tlsServer: HttpsServer | undefined;
  if (options.tls !== undefined) {
    tlsServer = createHttpsServer({
      cert: options.tls.cert,
      key: options.tls.key,
      ...(options.tls.ca !== undefined ? { ca: options.tls.ca } : {}),
      requestCert: options.tls.requestCert ?? false,
      rejectUnauthorized: false,
    });
    tlsServer.on('upgrade', server.handleUpgrade);
    tlsServer.on('secureConnection', (socket) => {
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      if (raw !== undefined) clientCertificates.push(raw);
      if (raw !== undefined && options.tls?.refuseClient?.(raw) === true) socket.destroy();
    });
    await new Promise<void>((resolve) => tlsServer?.listen(options.port ?? 0, '127.0.0.1', resolve));
    port = (tlsServer.address() as AddressInfo).port;
  } else {
    const http = await server.listen(options.port ?? 0, '127.0.0.1');
    port = (http.address() as AddressInfo).port;
  }

  const waitFor = <T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const v = get();
        if (v === undefined) return false;
        waiters.delete(check as () => void);
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check as () => void);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      if (!check()) waiters.add(check as () => void);
    });

  return {
    port,
    url: `${options.tls !== undefined ? 'wss' : 'ws'}://127.0.0.1:${port}/ocpp`,
    calls,
    strictFailures,
    errorsSent,
    replies,
    answered,
    authAttempts,
    clientCertificates,
    clients,
    openConnections,
    maxOpenConnections,
    waitForCall: (pred, timeoutMs = 5000) => waitFor(() => calls.find(pred), timeoutMs, 'a station call'),
    client: (identity, timeoutMs = 5000) => waitFor(() => clients.get(identity), timeoutMs, `client ${identity}`),
    async close() {
      await server.close({ force: true });
      if (tlsServer !== undefined) await new Promise<void>((resolve) => tlsServer?.close(() => resolve()));
    },
  };
}
