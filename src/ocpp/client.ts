/**
 * One outbound OCPP-J WebSocket for one station identity (OCPP 2.0.1 Part 4): URL and subprotocol
 * negotiation (§3.1), reconnect back-off (§5.3), WebSocket ping keep-alive (§8.4) and the security
 * profiles 1–3 (Part 2 A00). It moves text frames only; RPC, schemas and the station logic live above.
 * This file is the connection state machine; its contracts are in `client-types.ts`, the retry
 * schedule and keep-alive timers in `client-timing.ts`, what one socket tells it (TLS chain, HTTP
 * refusal, text frames) in `client-socket.ts`.
 *
 * Secrets (Basic-auth password, the Authorization header, private keys) never reach the log
 * callback, error messages or `lastFailure`.
 */
import { systemClock, type Timers } from '../core/clock.js';
import type { LogLevel } from '../core/log.js';
import { WebSocket } from 'ws';
import { buildClientOptions, credentialFields, mergeCredentials, resolveConfig, type CredentialsUpdate, type SecurityProfileConfig } from './client-config.js';
import { classifyError, credentialsFailure, type ConnectionFailure } from './client-failures.js';
import { listenToSocket } from './client-socket.js';
import { PingKeepAlive, RetrySchedule } from './client-timing.js';
import { OCPP_SUBPROTOCOL, TransportClosedError, validateClose, type ConnectionState, type OcppConnectionOptions, type OcppTransport, type StateChangeReason } from './client-types.js';

// Re-exported so importers of `client.js` need not know about the split.
export { OcppConfigError, buildStationUrl, type ConfigErrorCode, type CredentialsUpdate, type PemList, type SecurityProfileConfig, type StationTlsMaterial } from './client-config.js';
export type { ConnectionFailure } from './client-failures.js';
export { TransportClosedError, type ConnectionLog, type ConnectionState, type OcppConnectionOptions, type OcppTransport, type StateChangeReason } from './client-types.js';

type AfterClose = 'retry' | 'reconnect' | 'stop';

/** One outbound OCPP-J WebSocket for one station identity, reconnecting until stopped. */
export class OcppConnection {
  readonly identity: string;
  private endpoint: string;
  private security: SecurityProfileConfig;
  private readonly opts: OcppConnectionOptions;
  private readonly timers: Timers;
  private readonly retry: RetrySchedule;
  private readonly keepAlive: PingKeepAlive;

  private current: ConnectionState = 'idle';
  private socket: WebSocket | undefined;
  private socketOpened = false;
  private socketFailure: ConnectionFailure | undefined;
  /** The CSMS's TLS chain on the current socket (DER, leaf first), from the handshake. */
  private peerCertificates: Buffer[] | undefined;
  private invalidateTransport: (() => void) | undefined;
  private afterClose: AfterClose = 'retry';
  private ownerClosing = false;
  private closeTimer: unknown;
  private failure: ConnectionFailure | undefined;
  private closedWaiters: (() => void)[] = [];

  /** @throws OcppConfigError for an invalid URL, identity, profile/scheme mismatch or missing credentials. */
  constructor(options: OcppConnectionOptions) {
    const resolved = resolveConfig(options);
    this.endpoint = resolved.url;
    this.identity = options.identity;
    this.security = resolved.security;
    this.opts = options;
    this.timers = options.timers ?? systemClock;
    this.retry = new RetrySchedule(this.timers, options.random ?? Math.random, (level, message, data) => this.log(level, message, data));
    this.keepAlive = new PingKeepAlive(this.timers);
  }

  /** The full endpoint of the next (or current) attempt: `<base>/<percent-encoded identity>`. */
  get url(): string {
    return this.endpoint;
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
    this.retry.reset();
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
        this.retry.clear();
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
        this.retry.clear();
        this.retry.reset();
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

  /**
   * Moves the following connection attempts to another CSMS endpoint and security profile (a
   * network configuration slot); the socket open now, if any, is left alone (call `reconnectNow()`
   * to apply it at once). The back-off starts again at the minimum.
   * @throws OcppConfigError for an invalid URL, profile/scheme mismatch or credentials; nothing changes then.
   */
  setEndpoint(url: string, security: SecurityProfileConfig): void {
    const resolved = resolveConfig({ ...this.opts, url, security });
    this.endpoint = resolved.url;
    this.security = resolved.security;
    this.retry.reset();
    this.log('info', 'endpoint changed', { url: resolved.url, profile: resolved.security.profile });
  }

  /** Re-reads `pingIntervalS` and restarts the keep-alive timer (after SetVariables changed it). */
  restartKeepAlive(): void {
    if (this.current !== 'open' || this.socket === undefined) return;
    this.keepAlive.stop();
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
      ws = new WebSocket(this.endpoint, [OCPP_SUBPROTOCOL], buildClientOptions(this.identity, this.security, this.opts, this.opts.tlsMaterial?.()));
    } catch (err) {
      // Only reachable with TLS material OpenSSL refuses (checked at construction, so this means
      // an update slipped through): retry with back-off until the credentials change.
      this.recordFailure(credentialsFailure(err));
      this.scheduleRetry(false);
      return;
    }
    this.socket = ws;
    this.peerCertificates = undefined;
    listenToSocket(ws, {
      current: () => ws === this.socket,
      peer: (chain) => {
        this.peerCertificates = chain;
      },
      // 401/403/404 are retried too: the CSMS may be mid-provisioning (Part 4 §3.2 answers 404).
      refused: (status) => this.recordFailure({ kind: 'http', status, message: `CSMS answered the handshake with HTTP ${status}` }),
      open: () => this.onSocketOpen(ws),
      text: (text) => this.callOwner('onMessage', () => this.opts.onMessage?.(text)),
      binary: () => this.log('warn', 'binary frame dropped (OCPP-J uses text frames)', {}),
      pong: () => this.keepAlive.pong(),
      error: (err) => {
        if (this.afterClose !== 'retry' || this.ownerClosing || this.socketFailure !== undefined) {
          this.log('debug', 'socket error after close requested', { message: err.message });
          return;
        }
        this.recordFailure(classifyError(err));
      },
      close: (code, reason) => this.onSocketClose(code, reason),
    });
  }

  private onSocketOpen(ws: WebSocket): void {
    if (ws.protocol !== OCPP_SUBPROTOCOL) {
      // ws already refuses a missing or unoffered subprotocol; this guards against that changing.
      this.recordFailure({ kind: 'subprotocol', message: `server agreed on "${ws.protocol}"`, received: ws.protocol });
      ws.terminate();
      return;
    }
    this.socketOpened = true;
    this.retry.reset();
    this.setState('open', 'handshake-complete', { protocol: ws.protocol });
    this.schedulePing(ws);
    let live = true;
    this.invalidateTransport = () => {
      live = false;
    };
    const transport: OcppTransport = {
      ...(this.peerCertificates !== undefined ? { peerCertificates: this.peerCertificates } : {}),
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

  private onSocketClose(code: number, reason: string): void {
    this.socket = undefined;
    this.keepAlive.stop();
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
        this.retry.reset();
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
    this.keepAlive.stop();
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
    const failure = this.socketFailure;
    this.callOwner('onAttemptFailed', () => this.opts.onAttemptFailed?.({ failure, wasOpen }));
    const { attempt, delayMs } = this.retry.next(wasOpen, this.opts.retryBackOff);
    const reason = this.current === 'closing' ? 'closed' : wasOpen ? 'connection-lost' : 'handshake-failed';
    this.setState('waiting', reason, {
      attempt,
      delayMs,
      failure: failure?.kind,
    });
    this.retry.arm(delayMs, () => {
      if (this.current === 'waiting') this.connect('retry-timer');
    });
  }

  private schedulePing(ws: WebSocket): void {
    this.keepAlive.start(this.opts.pingIntervalS, {
      isLive: () => ws === this.socket && this.current === 'open',
      ping: () => ws.ping(),
      onPongTimeout: (intervalS) => {
        this.recordFailure({ kind: 'pong-timeout', message: `no pong within ${intervalS} s` });
        this.setState('closing', 'pong-timeout');
        ws.terminate();
      },
    });
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
