/**
 * OCPP-J RPC for one charging station, independent of the socket: the WebSocket owner calls
 * `attach` on open, `receive` for each text message and `detach` on close.
 *
 * Outbound: at most one CALL in flight (Part 4 §4.1.1), the rest wait in a FIFO queue that
 * survives reconnects; each CALL gets a fresh UUID (unless its caller keeps one for it), a
 * timeout from the moment it is written, and a schema check of its request (before sending) and
 * of its response. Inbound CALLs are processed while ours is pending (the directions cross):
 * unknown action → NotImplemented, guard, known action without handler → NotSupported, schema
 * check → mapped code, handler → CALLRESULT and only
 * then the handler's `after()` (answer before consequences, Part 4 §4.1; docs/protocols/ocpp.md §6 #18).
 * Every invalid inbound frame spends a bad-message budget; when it is spent the transport is closed.
 */
import { boundedWait } from '../core/bounded-wait.js';
import { monotonicClock, type Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import { randomUUID } from 'node:crypto';
import { isOcppAction, type CsmsAction, type RequestOf, type ResponseOf, type StationAction } from './actions.js';
import { OcppError, RpcDisconnectedError, RpcRequestInvalidError } from './errors.js';
import { MESSAGE_TYPE, parseFrame, serializeCallError, serializeCallResult, type CallFrame, type FrameFault } from './frames.js';
import { OutboundCalls } from './rpc-calls.js';
import { isHandlerOutcome, type CallOptions, type RpcConnectionState, type RpcCounters, type RpcEndpointOptions, type RpcGuard, type RpcHandler, type RpcTransport } from './rpc-types.js';
import { validateRequest, validateResponse } from './schemas.js';
import { traceEntry } from './trace.js';

export * from './rpc-types.js';

const DEFAULTS = {
  callTimeoutMs: 30_000,
  badMessageLimit: 10,
  badMessageWindowMs: 60_000,
  badMessageCloseCode: 1008,
} as const;

/** An inbound handler, type-erased for storage; `handle()` keeps the typed signature. */
type StoredHandler = (request: unknown, context: { action: CsmsAction; messageId: string }) => unknown;

const noLog: Log = () => {};

function describeThrown(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/**
 * The OCPP-J RPC endpoint of one charging station (see the module comment). Create one per station
 * identity and keep it across reconnects: the queue of unsent CALLs and the handlers live here.
 */
export class RpcEndpoint {
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly badMessageLimit: number;
  private readonly badMessageWindowMs: number;
  private readonly badMessageCloseCode: number;
  private guard: RpcGuard | undefined;

  private transport: RpcTransport | undefined;
  private connState: RpcConnectionState = 'detached';
  /** Bumped on every attach/detach: an answer computed for an older connection is dropped. */
  private generation = 0;
  private disposed = false;

  private readonly outbound: OutboundCalls;
  private readonly handlers = new Map<CsmsAction, StoredHandler>();
  /** Ids of inbound CALLs whose handler is still running. */
  private readonly answering = new Set<string>();
  private badMessageTimes: number[] = [];

  private readonly counts: RpcCounters = {
    callsSent: 0,
    callResults: 0,
    callErrors: 0,
    callTimeouts: 0,
    invalidResponses: 0,
    unmatchedReplies: 0,
    callsReceived: 0,
    resultsSent: 0,
    errorsSent: 0,
    badMessages: 0,
  };

  constructor(private readonly options: RpcEndpointOptions = {}) {
    this.clock = options.clock ?? monotonicClock;
    this.log = options.log ?? noLog;
    this.badMessageLimit = options.badMessageLimit ?? DEFAULTS.badMessageLimit;
    this.badMessageWindowMs = options.badMessageWindowMs ?? DEFAULTS.badMessageWindowMs;
    this.badMessageCloseCode = options.badMessageCloseCode ?? DEFAULTS.badMessageCloseCode;
    this.guard = options.guard;
    this.outbound = new OutboundCalls({
      clock: this.clock,
      log: this.log,
      newMessageId: options.newMessageId ?? randomUUID,
      defaultTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
      counters: this.counts,
      onCallLatency: options.onCallLatency,
      onCallError: options.onCallError === undefined ? undefined : (action, code) => options.onCallError?.('received', action, code),
    });
  }

  /** `detached` (no socket), `attached` (socket open), `closing` (we closed it; waiting for detach). */
  get state(): RpcConnectionState {
    return this.connState;
  }

  /** A snapshot of the metric counters. */
  get counters(): Readonly<RpcCounters> {
    return { ...this.counts };
  }

  /** CALLs waiting for the slot (not yet written). */
  get queued(): number {
    return this.outbound.queued;
  }

  /** The action of the CALL in flight, if any. */
  get pendingAction(): StationAction | undefined {
    return this.outbound.pendingAction;
  }

  /** The socket is open: start writing queued CALLs. A previous transport is detached first. */
  attach(transport: RpcTransport): void {
    if (this.disposed) throw new Error('RpcEndpoint is disposed');
    if (this.transport !== undefined) this.detach('replaced by a new transport');
    this.transport = transport;
    this.generation++;
    this.badMessageTimes = [];
    this.setState('attached');
    this.outbound.open((text) => {
      transport.send(text);
      this.traced('sent', text);
    });
  }

  /**
   * The socket is gone. The CALL in flight is rejected with `RpcDisconnectedError` (sent: true; it
   * is never resent automatically). Queued CALLs wait for the next `attach`, unless `dropQueued`.
   */
  detach(reason: string, options: { dropQueued?: boolean } = {}): void {
    if (this.transport !== undefined) {
      this.transport = undefined;
      this.generation++;
      this.answering.clear();
      this.setState('detached', reason);
    }
    this.outbound.close(reason, options.dropQueued === true);
  }

  /**
   * Before our side closes the socket: stops writing queued CALLs and resolves once the CALL in
   * flight is settled — answered, or timed out by its own call timeout — or after `maxMs`, so that
   * closing cuts no answer off (an answered TransactionEvent would be sent again, same seqNo, on the
   * next connection). Writing resumes on the next `attach`. Resolves true when nothing is in flight.
   */
  async drain(maxMs: number): Promise<boolean> {
    this.outbound.pause();
    const settled = await boundedWait(
      this.outbound.idle().then(() => true),
      maxMs,
      () => false,
      this.clock,
    );
    if (!settled) this.log('warn', 'closing with a CALL still in flight', { action: this.outbound.pendingAction, waitedMs: maxMs });
    return settled;
  }

  /** Rejects every CALL not written yet (`RpcDisconnectedError`, sent: false); returns how many. */
  dropQueued(reason: string): number {
    return this.outbound.dropQueued(reason);
  }

  /** Detaches, rejects every queued CALL and refuses new ones. */
  dispose(reason = 'disposed'): void {
    this.detach(reason, { dropQueued: true });
    this.disposed = true;
  }

  /** Replaces the guard consulted before every inbound CALL (undefined: let everything through). */
  setGuard(guard: RpcGuard | undefined): void {
    this.guard = guard;
  }

  /** Registers the handler of a CSMS action (replacing any previous one); returns an unregister function. */
  handle<A extends CsmsAction>(action: A, handler: RpcHandler<A>): () => void {
    // Type erasure for storage: `onCall` only invokes it with a payload validated against A's schema.
    const stored = handler as unknown as StoredHandler;
    this.handlers.set(action, stored);
    return () => {
      if (this.handlers.get(action) === stored) this.handlers.delete(action);
    };
  }

  /**
   * Sends a CALL and resolves with the schema-valid response. Rejects with `RpcRequestInvalidError`
   * (nothing sent) if `payload` fails its schema, `RpcCallError` on CALLERROR, `RpcResponseInvalidError`
   * on an invalid answer, `RpcTimeoutError`, `RpcDisconnectedError` or `RpcAbortedError`.
   */
  call<A extends StationAction>(action: A, payload: RequestOf<A>, options: CallOptions = {}): Promise<ResponseOf<A>> {
    const invalid = validateRequest(action, payload);
    if (invalid !== undefined) {
      this.log('error', 'outbound request fails its schema; not sent', {
        action,
        code: invalid.code,
        description: invalid.description,
      });
      return Promise.reject(new RpcRequestInvalidError(action, invalid));
    }
    if (this.disposed) return Promise.reject(new RpcDisconnectedError(action, false, 'endpoint disposed'));
    // The answer was checked against ResponseOf<A>'s schema before the promise resolves.
    return this.outbound.enqueue(action, payload, options) as Promise<ResponseOf<A>>;
  }

  /** Feeds one inbound text message. */
  receive(text: string): void {
    if (this.connState !== 'attached') {
      this.log('debug', 'message ignored: not attached', { state: this.connState });
      return;
    }
    this.traced('received', text);
    const parsed = parseFrame(text);
    if (!parsed.ok) {
      this.onBadFrame(parsed);
      return;
    }
    const { frame } = parsed;
    switch (frame.type) {
      case MESSAGE_TYPE.CALL:
        this.onCall(frame);
        return;
      case MESSAGE_TYPE.CALLRESULT: {
        const invalid = this.outbound.onResult(frame);
        if (invalid !== undefined) this.spendBudget(invalid);
        return;
      }
      case MESSAGE_TYPE.CALLERROR:
        this.outbound.onError(frame);
        return;
    }
  }

  // ---- inbound -----------------------------------------------------------------------------

  private onBadFrame(fault: FrameFault): void {
    const { error, id, messageType } = fault;
    this.log('warn', 'invalid frame', { code: error.code, description: error.description, messageId: id });
    const isAnswer = messageType === MESSAGE_TYPE.CALLRESULT || messageType === MESSAGE_TYPE.CALLERROR;
    if (!isAnswer) {
      this.replyError(id, error);
    } else {
      this.outbound.onMalformedAnswer(id, error);
    }
    this.spendBudget(error);
  }

  private onCall(frame: CallFrame): void {
    this.counts.callsReceived++;
    const { id, action } = frame;
    if (this.answering.has(id)) {
      this.log('warn', 'CALL reuses the id of a CALL still being answered', { action, messageId: id });
      const error = new OcppError('RpcFrameworkError', `Already processing a CALL with id ${id}`);
      this.replyError(id, error, isOcppAction(action) ? action : undefined);
      this.spendBudget(error);
      return;
    }
    if (!isOcppAction(action)) {
      this.replyError(id, new OcppError('NotImplemented', `Unknown action "${action}"`), action);
      return;
    }
    let refusal: OcppError | undefined;
    try {
      refusal = this.guard?.(action);
    } catch (err) {
      this.log('error', 'guard threw', { action, error: String(err) });
      refusal = new OcppError('InternalError');
    }
    if (refusal !== undefined) {
      this.replyError(id, refusal, action);
      return;
    }
    const handler = this.handlers.get(action as CsmsAction);
    if (handler === undefined) {
      this.replyError(id, new OcppError('NotSupported', `Action ${action} is not supported`), action);
      return;
    }
    const invalid = validateRequest(action, frame.payload);
    if (invalid !== undefined) {
      this.log('warn', 'invalid CALL', { action, messageId: id, code: invalid.code, description: invalid.description });
      this.replyError(id, invalid, action);
      this.spendBudget(invalid);
      return;
    }
    void this.answer(frame, action as CsmsAction, handler);
  }

  private async answer(frame: CallFrame, action: CsmsAction, handler: StoredHandler): Promise<void> {
    const generation = this.generation;
    this.answering.add(frame.id);
    let result: unknown;
    let failure: OcppError | undefined;
    try {
      result = await handler(frame.payload, { action, messageId: frame.id });
    } catch (err) {
      if (err instanceof OcppError) failure = err;
      else {
        this.log('error', 'handler threw', { action, messageId: frame.id, error: describeThrown(err) });
        failure = new OcppError('InternalError');
      }
    }
    this.answering.delete(frame.id);
    if (generation !== this.generation || this.connState !== 'attached') {
      this.log('warn', 'answer dropped: connection changed while handling', { action, messageId: frame.id });
      return;
    }
    if (failure !== undefined) {
      this.replyError(frame.id, failure, action);
      return;
    }
    const outcome = isHandlerOutcome(result) ? result : { response: result, after: undefined };
    const invalid = validateResponse(action, outcome.response);
    if (invalid !== undefined) {
      // Our own response breaks the schema: a bug. Never send it; the CSMS gets InternalError.
      this.log('error', 'handler response fails its schema; answered InternalError', {
        action,
        messageId: frame.id,
        code: invalid.code,
        description: invalid.description,
      });
      this.replyError(frame.id, new OcppError('InternalError'), action);
      return;
    }
    if (!this.write(serializeCallResult(frame.id, outcome.response as object), action)) return;
    this.counts.resultsSent++;
    if (outcome.after !== undefined) this.runAfter(action, frame.id, outcome.after);
  }

  private runAfter(action: CsmsAction, messageId: string, after: () => unknown): void {
    const report = (err: unknown): void => this.log('error', 'after() failed', { action, messageId, error: describeThrown(err) });
    try {
      Promise.resolve(after()).catch(report);
    } catch (err) {
      report(err);
    }
  }

  /** Answers a CALL with a CALLERROR; `action` as the CALL named it (counted as such only when it is an OCPP action). */
  private replyError(id: string, error: OcppError, action?: string): void {
    if (!this.write(serializeCallError(id, error), action)) return;
    this.counts.errorsSent++;
    this.options.onCallError?.('sent', action !== undefined && isOcppAction(action) ? action : undefined, error.code);
  }

  /** Writes an answer to the CSMS's CALL of `action` (undefined: not known, e.g. an unreadable frame). */
  private write(text: string, action?: string): boolean {
    if (this.transport === undefined || this.connState !== 'attached') return false;
    try {
      this.transport.send(text);
      this.traced('sent', text, action);
      return true;
    } catch (err) {
      this.log('error', 'write failed', { error: String(err) });
      return false;
    }
  }

  /** Counts one invalid inbound frame; the `badMessageLimit`-th within the window closes the transport. */
  private spendBudget(error: OcppError): void {
    this.counts.badMessages++;
    const now = this.clock.now();
    this.badMessageTimes = this.badMessageTimes.filter((t) => now - t < this.badMessageWindowMs);
    this.badMessageTimes.push(now);
    const count = this.badMessageTimes.length;
    if (count < this.badMessageLimit || this.connState !== 'attached' || this.transport === undefined) return;
    const transport = this.transport;
    this.setState('closing', 'bad-message budget spent');
    this.outbound.pause();
    try {
      transport.close(this.badMessageCloseCode, 'Too many invalid messages');
    } catch (err) {
      this.log('error', 'close failed', { error: String(err) });
    }
    this.options.onBadMessageLimit?.({ count, windowMs: this.badMessageWindowMs, lastError: error });
  }

  /** The message on the OCPP trace, when one is on; an answer we send names `answering`, one we receive its CALL's action. */
  private traced(direction: 'sent' | 'received', text: string, answering?: string): void {
    const trace = this.options.trace;
    if (trace === undefined) return;
    try {
      trace(traceEntry(direction, text, (id) => answering ?? this.outbound.actionOf(id)));
    } catch (err) {
      this.log('warn', 'OCPP trace failed', { error: String(err) });
    }
  }

  private setState(next: RpcConnectionState, reason?: string): void {
    if (next === this.connState) return;
    this.log(next === 'closing' ? 'warn' : 'info', `rpc ${this.connState} -> ${next}`, reason === undefined ? undefined : { reason });
    this.connState = next;
  }
}
