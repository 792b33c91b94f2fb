/**
 * One outbound OCPP-J WebSocket for one station identity (OCPP 2.0.1 Part 4): URL and subprotocol
 * negotiation (§3.1), reconnect back-off (§5.3), WebSocket ping keep-alive (§8.4) and the security
 * profiles 1–3 (Part 2 A00). It moves text frames only; RPC, schemas and the station logic live above.
 *
 * Secrets (Basic-auth password, the Authorization header, private keys) never reach the log
 * callback, error messages or `lastFailure`.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { retryDelayMs, type RetryBackOff } from './backoff.js';
import {
  buildClientOptions,
  credentialFields,
  mergeCredentials,
  resolveConfig,
  type CredentialsUpdate,
  type SecurityProfileConfig,
} from './client-config.js';
import { classifyError, credentialsFailure, type ConnectionFailure } from './client-failures.js';

// Re-exported so importers of `client.js` need not know about the split.
export {
  CONFIG_ERROR_CODES,
  OcppConfigError,
  buildStationUrl,
  type ConfigErrorCode,
  type CredentialsUpdate,
  type PemList,
  type SecurityProfileConfig,
} from './client-config.js';
export type { ConnectionFailure } from './client-failures.js';

/** The only subprotocol offered; a handshake that does not agree on it is a failure (Part 4 §3.1.2). */
export const OCPP_SUBPROTOCOL = 'ocpp2.0.1';

/** `OcppTransport.send` on a socket that is no longer open: the frame was not sent. */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
  readonly code = 'OCPP_TRANSPORT_CLOSED';
  constructor() {
    super('the OCPP WebSocket this transport belongs to is no longer open');
  }
}

/**
 * Connection states; changed only by `setState`, which logs every `from -> to`.
 * `closed` is final until `start()` is called again; `waiting` means a retry timer runs.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed' | 'waiting';

/** Why the state changed; carried in the log data of every transition. */
export type StateChangeReason =
  | 'start'
  | 'retry-timer'
  | 'reconnect-requested'
  | 'handshake-complete'
  | 'handshake-failed'
  | 'connection-lost'
  | 'closed-by-owner'
  | 'pong-timeout'
  | 'stop'
  | 'stopped'
  | 'closed';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Injected log sink; `data` never contains secrets. */
export type ConnectionLog = (level: LogLevel, message: string, data: Readonly<Record<string, unknown>>) => void;

/** One-shot timers, injected so back-off and keep-alive tests are deterministic. */
export interface ConnectionTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the owner gets on every successful connection; bound to that one socket. */
export interface OcppTransport {
  /**
   * Sends one text frame.
   * @throws TransportClosedError when this socket is no longer open (the frame was not sent).
   */
  send(text: string): void;
  /**
   * Closes this socket (e.g. too many bad frames); the connection then reconnects with back-off.
   * No effect once the socket has gone. @throws RangeError for an invalid close code or reason.
   */
  close(code: number, reason: string): void;
}

export interface OcppConnectionOptions {
  /** Station identity (identifierString, ≤ 48 chars, no `:`); also the Basic-auth username. */
  readonly identity: string;
  /** CSMS endpoint, `ws://` or `wss://`, with or without a trailing `/`; the identity is appended. */
  readonly url: string;
  readonly security: SecurityProfileConfig;
  /** RetryBackOff variables, read before every retry so SetVariables changes apply at once. */
  readonly retryBackOff: RetryBackOff | (() => RetryBackOff);
  /** `OCPPCommCtrlr.WebSocketPingInterval` in seconds; 0 = send no pings. Read at each ping. */
  readonly pingIntervalS?: number | (() => number);
  readonly log: ConnectionLog;
  /** A socket opened with the agreed subprotocol. */
  readonly onOpen?: (transport: OcppTransport) => void;
  /** A received text frame (binary frames are dropped with a warning: OCPP-J is text only). */
  readonly onMessage?: (text: string) => void;
  /** A socket that had reached `onOpen` has closed (1006 when it was dropped without a close frame). */
  readonly onClose?: (code: number, reason: string) => void;
  readonly timers?: ConnectionTimers;
  /** Source of the random part of the back-off, in [0, 1). */
  readonly random?: () => number;
  /** Opening-handshake time-out (ws `handshakeTimeout`); default 30 s. */
  readonly handshakeTimeoutMs?: number;
  /** Time to wait for the peer's close frame before dropping the socket; default 5 s. */
  readonly closeTimeoutMs?: number;
  /** Largest accepted inbound message; default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Offer RFC 7692 compression (optional for a station); default off, see client-config.ts. */
  readonly perMessageDeflate?: boolean;
}

/** Used when the RetryBackOff getter throws or returns invalid values (the error is logged). */
export const FALLBACK_RETRY_BACK_OFF: RetryBackOff = Object.freeze({ waitMinimumS: 10, randomRangeS: 10, repeatTimes: 3 });

const systemTimers: ConnectionTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

type AfterClose = 'retry' | 'reconnect' | 'stop';

/** One outbound OCPP-J WebSocket for one station identity, reconnecting until stopped. */
export class OcppConnection {
  /** The full endpoint: `<base>/<percent-encoded identity>`. */
  readonly url: string;
  readonly identity: string;
  private security: SecurityProfileConfig;
  private readonly opts: OcppConnectionOptions;
  private readonly timers: ConnectionTimers;
  private readonly random: () => number;

  private current: ConnectionState = 'idle';
  private socket: WebSocket | undefined;
  private socketOpened = false;
  private socketFailure: ConnectionFailure | undefined;
  private invalidateTransport: (() => void) | undefined;
  private afterClose: AfterClose = 'retry';
  private ownerClosing = false;
  private attempt = 0;
  private retryTimer: unknown;
  private closeTimer: unknown;
  private pingTimer: unknown;
  private awaitingPong = false;
  private failure: ConnectionFailure | undefined;
  private closedWaiters: (() => void)[] = [];

  /** @throws OcppConfigError for an invalid URL, identity, profile/scheme mismatch or missing credentials. */
  constructor(options: OcppConnectionOptions) {
    const resolved = resolveConfig(options);
    this.url = resolved.url;
    this.identity = options.identity;
    this.security = resolved.security;
    this.opts = options;
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The most recent failed attempt or connection loss (kept after a later success). */
  get lastFailure(): ConnectionFailure | undefined {
    return this.failure;
  }

  /** Connects now (from `idle` or `closed`); ignored in any other state. */
  start(): void {
    if (this.current !== 'idle' && this.current !== 'closed') {
      this.log('debug', 'start ignored', { state: this.current });
      return;
    }
    this.attempt = 0;
    this.connect('start');
  }

  /**
   * Closes for good: no reconnect until `start()`. Resolves once the state is `closed`.
   * @throws RangeError for an invalid close code or a reason longer than 123 bytes.
   */
  stop(code = 1000, reason = ''): Promise<void> {
    validateClose(code, reason);
    const done = new Promise<void>((resolve) => {
      if (this.current === 'closed') resolve();
      else this.closedWaiters.push(resolve);
    });
    switch (this.current) {
      case 'idle':
      case 'waiting':
        this.clearRetryTimer();
        this.setState('closed', 'stopped');
        break;
      case 'connecting':
      case 'open':
        this.afterClose = 'stop';
        this.closeSocket('stop', code, reason);
        break;
      case 'closing':
        this.afterClose = 'stop';
        break;
      case 'closed':
        break;
    }
    return done;
  }

  /**
   * Drops the current socket (gracefully when open) and connects again at once, with the back-off
   * reset; e.g. after the Basic-auth password changed (TC_A_09). Ignored when not started or stopping.
   */
  reconnectNow(code = 1000, reason = ''): void {
    validateClose(code, reason);
    switch (this.current) {
      case 'waiting':
        this.clearRetryTimer();
        this.attempt = 0;
        this.connect('reconnect-requested');
        break;
      case 'connecting':
      case 'open':
        this.afterClose = 'reconnect';
        this.closeSocket('reconnect-requested', code, reason);
        break;
      case 'closing':
        if (this.afterClose !== 'stop') this.afterClose = 'reconnect';
        break;
      default:
        this.log('debug', 'reconnect ignored', { state: this.current });
    }
  }

  /**
   * Replaces credentials of the configured profile; used from the next connection attempt on
   * (call `reconnectNow()` to apply them at once).
   * @throws OcppConfigError when a field does not belong to the profile or is empty/not PEM.
   */
  updateCredentials(update: CredentialsUpdate): void {
    this.security = mergeCredentials(this.security, update);
    this.log('info', 'credentials updated', { profile: this.security.profile, fields: credentialFields(update) });
  }

  /** Re-reads `pingIntervalS` and restarts the keep-alive timer (after SetVariables changed it). */
  restartKeepAlive(): void {
    if (this.current !== 'open' || this.socket === undefined) return;
    this.stopPing();
    this.schedulePing(this.socket);
  }

  private connect(reason: StateChangeReason): void {
    this.afterClose = 'retry';
    this.ownerClosing = false;
    this.socketOpened = false;
    this.socketFailure = undefined;
    this.setState('connecting', reason);
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, [OCPP_SUBPROTOCOL], buildClientOptions(this.identity, this.security, this.opts));
    } catch (err) {
      // Only reachable with TLS material OpenSSL refuses (checked at construction, so this means
      // an update slipped through): retry with back-off until the credentials change.
      this.recordFailure(credentialsFailure(err));
      this.scheduleRetry(false);
      return;
    }
    this.socket = ws;
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      if (ws !== this.socket) return;
      const status = res.statusCode ?? 0;
      // 401/403/404 are retried too: the CSMS may be mid-provisioning (Part 4 §3.2 answers 404).
      this.recordFailure({ kind: 'http', status, message: `CSMS answered the handshake with HTTP ${status}` });
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => this.onSocketOpen(ws));
    ws.on('message', (data, isBinary) => this.onSocketMessage(ws, data, isBinary));
    ws.on('pong', () => {
      if (ws === this.socket) this.awaitingPong = false;
    });
    ws.on('error', (err) => {
      if (ws !== this.socket) return;
      if (this.afterClose !== 'retry' || this.ownerClosing || this.socketFailure !== undefined) {
        this.log('debug', 'socket error after close requested', { message: err.message });
        return;
      }
      this.recordFailure(classifyError(err));
    });
    ws.on('close', (code, reason) => this.onSocketClose(ws, code, reason.toString('utf8')));
  }

  private onSocketOpen(ws: WebSocket): void {
    if (ws !== this.socket) return;
    if (ws.protocol !== OCPP_SUBPROTOCOL) {
      // ws already refuses a missing or unoffered subprotocol; this guards against that changing.
      this.recordFailure({ kind: 'subprotocol', message: `server agreed on "${ws.protocol}"`, received: ws.protocol });
      ws.terminate();
      return;
    }
    this.socketOpened = true;
    this.attempt = 0;
    this.setState('open', 'handshake-complete', { protocol: ws.protocol });
    this.schedulePing(ws);
    let live = true;
    this.invalidateTransport = () => {
      live = false;
    };
    const transport: OcppTransport = {
      send: (text) => {
        if (!live || ws.readyState !== WebSocket.OPEN) throw new TransportClosedError();
        ws.send(text);
      },
      close: (code, reason) => {
        validateClose(code, reason);
        if (!live || ws !== this.socket || this.current !== 'open') return;
        this.ownerClosing = true;
        this.closeSocket('closed-by-owner', code, reason);
      },
    };
    this.callOwner('onOpen', () => this.opts.onOpen?.(transport));
  }

  private onSocketMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (ws !== this.socket) return;
    if (isBinary) {
      this.log('warn', 'binary frame dropped (OCPP-J uses text frames)', {});
      return;
    }
    // ws delivers a Buffer with the default binaryType; the other RawData shapes are handled anyway.
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const text = buf.toString('utf8');
    this.callOwner('onMessage', () => this.opts.onMessage?.(text));
  }

  private onSocketClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.socket) return;
    this.socket = undefined;
    this.stopPing();
    this.clearCloseTimer();
    this.invalidateTransport?.();
    this.invalidateTransport = undefined;
    const wasOpen = this.socketOpened;
    if (wasOpen && this.afterClose === 'retry' && !this.ownerClosing && this.socketFailure === undefined) {
      this.recordFailure({ kind: 'connection-lost', code, reason, message: `connection closed by peer (${code})` });
    }
    switch (this.afterClose) {
      case 'stop':
        this.setState('closed', 'stopped', { code });
        break;
      case 'reconnect':
        this.attempt = 0;
        this.connect('reconnect-requested');
        break;
      case 'retry':
        this.scheduleRetry(wasOpen);
        break;
    }
    if (wasOpen) this.callOwner('onClose', () => this.opts.onClose?.(code, reason));
  }

  /** Starts closing the current socket: graceful when open, dropped while still handshaking. */
  private closeSocket(reason: StateChangeReason, code: number, text: string): void {
    const ws = this.socket;
    if (ws === undefined) return;
    this.stopPing();
    this.setState('closing', reason);
    if (ws.readyState !== WebSocket.OPEN) {
      ws.terminate();
      return;
    }
    ws.close(code, text);
    this.clearCloseTimer();
    this.closeTimer = this.timers.setTimeout(() => {
      this.closeTimer = undefined;
      if (ws === this.socket) {
        this.log('warn', 'no close frame from the CSMS in time; dropping the socket', {});
        ws.terminate();
      }
    }, this.opts.closeTimeoutMs ?? 5000);
  }

  private scheduleRetry(wasOpen: boolean): void {
    // TC_B_57: after a connection that had been open, the next loss starts at the minimum again.
    const attempt = wasOpen ? 0 : this.attempt;
    const delayMs = retryDelayMs(attempt, this.backOff(), this.random);
    this.attempt = attempt + 1;
    const reason = this.current === 'closing' ? 'closed' : wasOpen ? 'connection-lost' : 'handshake-failed';
    this.setState('waiting', reason, {
      attempt,
      delayMs,
      failure: this.socketFailure?.kind,
    });
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.current === 'waiting') this.connect('retry-timer');
    }, delayMs);
  }

  private backOff(): RetryBackOff {
    const source = this.opts.retryBackOff;
    try {
      const params = typeof source === 'function' ? source() : source;
      retryDelayMs(0, params, () => 0); // validates
      return params;
    } catch (err) {
      this.log('error', 'invalid RetryBackOff parameters; using fallback', {
        message: err instanceof Error ? err.message : String(err),
        fallback: FALLBACK_RETRY_BACK_OFF,
      });
      return FALLBACK_RETRY_BACK_OFF;
    }
  }

  private schedulePing(ws: WebSocket): void {
    const source = this.opts.pingIntervalS ?? 0;
    const intervalS = typeof source === 'function' ? source() : source;
    if (!Number.isFinite(intervalS) || intervalS <= 0) return;
    this.awaitingPong = false;
    const tick = (): void => {
      this.pingTimer = undefined;
      if (ws !== this.socket || this.current !== 'open') return;
      if (this.awaitingPong) {
        this.recordFailure({ kind: 'pong-timeout', message: `no pong within ${intervalS} s` });
        this.setState('closing', 'pong-timeout');
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
      this.pingTimer = this.timers.setTimeout(tick, intervalS * 1000);
    };
    this.pingTimer = this.timers.setTimeout(tick, intervalS * 1000);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) this.timers.clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    this.awaitingPong = false;
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearCloseTimer(): void {
    if (this.closeTimer !== undefined) this.timers.clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
  }

  private recordFailure(failure: ConnectionFailure): void {
    this.socketFailure = failure;
    this.failure = failure;
    this.log('warn', 'connection failure', { ...failure });
  }

  /** Owner callbacks must not take the socket's event loop down with them. */
  private callOwner(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('error', `${name} callback threw`, { message: err instanceof Error ? err.message : String(err) });
    }
  }

  private log(level: LogLevel, message: string, data: Record<string, unknown>): void {
    try {
      this.opts.log(level, message, data);
    } catch {
      // A failing log sink must not change connection behaviour.
    }
  }

  /** The one place the state changes. */
  private setState(to: ConnectionState, reason: StateChangeReason, extra: Record<string, unknown> = {}): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.log('info', `${from} -> ${to}`, { from, to, reason, ...extra });
    if (to === 'closed') {
      const waiters = this.closedWaiters;
      this.closedWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** The close codes `ws` accepts from an endpoint (RFC 6455 §7.4) and the 123-byte reason limit. */
function validateClose(code: number, reason: string): void {
  const ok =
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
  if (!ok) throw new RangeError(`invalid WebSocket close code ${code}`);
  if (Buffer.byteLength(reason, 'utf8') > 123) throw new RangeError('close reason longer than 123 bytes');
}
