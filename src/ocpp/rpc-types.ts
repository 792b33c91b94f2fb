/**
 * Contracts of `RpcEndpoint`: what it needs injected (transport, clock, log, hooks) and what
 * handlers look like. Kept apart from the state machine in `rpc.ts`.
 */
import type { Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import type { CsmsAction, OcppAction, RequestOf, ResponseOf, StationAction } from './actions.js';
import type { OcppError } from './errors.js';
import type { OcppTrace } from './trace.js';

/** The open WebSocket as the endpoint sees it: write one text message, close with a code. */
export interface RpcTransport {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/**
 * Refuses an inbound CALL before validation and handler, e.g. `SecurityError` for everything
 * while the boot is Rejected (TC_B_30). Return undefined to let the call through.
 */
export type RpcGuard = (action: OcppAction) => OcppError | undefined;

/** What the endpoint reports when the bad-message budget is spent and it closed the transport. */
export interface BadMessageLimitInfo {
  readonly count: number;
  readonly windowMs: number;
  readonly lastError: OcppError;
}

export interface RpcEndpointOptions {
  /** Time to wait for the answer to one of our CALLs, from the moment it is sent. Default 30 000. */
  readonly callTimeoutMs?: number;
  /** Invalid inbound frames tolerated within `badMessageWindowMs`; reaching it closes. Default 10. */
  readonly badMessageLimit?: number;
  /** Sliding window of the bad-message budget. Default 60 000 ms. */
  readonly badMessageWindowMs?: number;
  /** WebSocket close code when the budget is spent. Default 1008 (policy violation). */
  readonly badMessageCloseCode?: number;
  /** Time and timers; `now()` only measures intervals (call latency, the bad-message window). Default `monotonicClock`. */
  readonly clock?: Clock;
  /** Message id generator; default `crypto.randomUUID()` (ids must never repeat per identity). */
  readonly newMessageId?: () => string;
  /** Structured log sink; the endpoint imports no logger. */
  readonly log?: Log;
  /** Latency of every answered CALL (CALLRESULT or CALLERROR), in clock milliseconds. */
  readonly onCallLatency?: (action: StationAction, ms: number) => void;
  /**
   * A CALLERROR: `received` from the peer in answer to one of our CALLs, or `sent` by us in answer
   * to one of its CALLs. `action` is undefined when the CALL named no OCPP action (or none could be
   * read); `code` is the error code as sent or received.
   */
  readonly onCallError?: (direction: 'received' | 'sent', action: OcppAction | undefined, code: string) => void;
  /** Called after the endpoint closed the transport because of too many invalid frames. */
  readonly onBadMessageLimit?: (info: BadMessageLimitInfo) => void;
  readonly guard?: RpcGuard;
  /** Every message written and read, redacted (`trace.ts`); absent: no trace. */
  readonly trace?: OcppTrace;
}

export interface CallOptions {
  /** Overrides `callTimeoutMs` for this call. */
  readonly timeoutMs?: number;
  /** Cancels the call: dropped from the queue, or its answer ignored if already sent. */
  readonly signal?: AbortSignal;
  /**
   * The message id to send it with, instead of a fresh one: for a message sent again after its
   * answer was lost (OCPP-J allows a retry of an unanswered message to keep its id), so the CSMS
   * receives the very same CALL. The caller keeps the id unique to that message.
   */
  readonly messageId?: string;
}

/** A response plus work that must happen only after the CALLRESULT is on the wire. */
export interface HandlerOutcome<A extends CsmsAction> {
  readonly response: ResponseOf<A>;
  readonly after: () => void | Promise<void>;
}

export type HandlerResult<A extends CsmsAction> = ResponseOf<A> | HandlerOutcome<A>;

export interface HandlerContext<A extends CsmsAction> {
  readonly action: A;
  readonly messageId: string;
}

/**
 * Answers one CSMS CALL. Gets the schema-valid request; returns the response, or
 * `{ response, after }`. Throw an `OcppError` to answer with that CALLERROR; anything else thrown
 * becomes InternalError.
 */
export type RpcHandler<A extends CsmsAction> = (request: RequestOf<A>, context: HandlerContext<A>) => HandlerResult<A> | Promise<HandlerResult<A>>;

/** Monotonic counters for metrics. */
export interface RpcCounters {
  /** CALLs we wrote. */
  callsSent: number;
  /** Valid CALLRESULTs to our CALLs. */
  callResults: number;
  /** CALLERRORs to our CALLs. */
  callErrors: number;
  /** Our CALLs that timed out. */
  callTimeouts: number;
  /** CALLRESULTs to our CALLs whose payload or frame was invalid. */
  invalidResponses: number;
  /** Answers whose id matched no CALL in flight (late after timeout/abort, or unknown). */
  unmatchedReplies: number;
  /** CALLs received from the peer (well-formed frames). */
  callsReceived: number;
  /** CALLRESULTs we wrote. */
  resultsSent: number;
  /** CALLERRORs we wrote. */
  errorsSent: number;
  /** Invalid inbound frames (each one spends the bad-message budget). */
  badMessages: number;
}

export type RpcConnectionState = 'detached' | 'attached' | 'closing';

/** True when a handler returned `{ response, after }` rather than a bare response payload. */
export function isHandlerOutcome(value: unknown): value is { response: unknown; after: () => unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  // No OCPP 2.0.1 response has properties named `response` and `after`, so exactly these two
  // keys with a function `after` cannot be a payload.
  return keys.length === 2 && 'response' in value && 'after' in value && typeof (value as { after: unknown }).after === 'function';
}
