/**
 * Contracts of `OcppConnection` (`client.ts`): what it needs injected (options, log sink, timers),
 * what the owner gets on each connection (`OcppTransport`), the connection states, and the close
 * code check its public methods share. Kept apart from the state machine in `client.ts`.
 */
import type { Timers } from '../core/clock.js';
import type { LogLevel } from '../core/log.js';
import type { RetryBackOff } from './backoff.js';
import type { SecurityProfileConfig, StationTlsMaterial } from './client-config.js';
import type { ConnectionFailure } from './client-failures.js';

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
  'start' | 'retry-timer' | 'reconnect-requested' | 'handshake-complete' | 'handshake-failed' | 'connection-lost' | 'closed-by-owner' | 'pong-timeout' | 'stop' | 'stopped' | 'closed';

/**
 * Injected log sink: the core `Log` (any `Log` is one) with `data` always present, since the
 * client passes it on every line and a sink may read it unchecked (the station engine's does).
 * `data` never contains secrets.
 */
export type ConnectionLog = (level: LogLevel, message: string, data: Readonly<Record<string, unknown>>) => void;

/** What the owner gets on every successful connection; bound to that one socket. */
export interface OcppTransport {
  /** The certificates the CSMS presented in the TLS handshake (DER, leaf first); undefined over ws://. */
  readonly peerCertificates?: readonly Buffer[];
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
  /** The station's own TLS material, read before every attempt (see `StationTlsMaterial`). */
  readonly tlsMaterial?: () => StationTlsMaterial;
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
  /**
   * An attempt failed or an open connection was lost, before the retry is scheduled: the owner may
   * call `setEndpoint` here to make the next attempt elsewhere (network configuration slots, B10).
   * `wasOpen` tells a loss from a failed attempt; `failure` is undefined when nothing was recorded.
   */
  readonly onAttemptFailed?: (info: { readonly failure: ConnectionFailure | undefined; readonly wasOpen: boolean }) => void;
  /** One-shot timers, injected so back-off and keep-alive tests are deterministic. Default `systemClock`. */
  readonly timers?: Timers;
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

/** The close codes `ws` accepts from an endpoint (RFC 6455 §7.4) and the 123-byte reason limit. */
export function validateClose(code: number, reason: string): void {
  const ok = Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
  if (!ok) throw new RangeError(`invalid WebSocket close code ${code}`);
  if (Buffer.byteLength(reason, 'utf8') > 123) throw new RangeError('close reason longer than 123 bytes');
}
