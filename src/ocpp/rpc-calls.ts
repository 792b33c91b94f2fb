/**
 * The outbound half of `RpcEndpoint`: our CALLs to the CSMS. One CALL in flight at a time
 * (Part 4 §4.1.1), the rest in a FIFO queue that survives reconnects; each gets a fresh id (or the
 * one its caller keeps for a message sent again), a timeout counted from the moment it is
 * written, and a schema check of its answer.
 */
import type { Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import type { RequestOf, StationAction } from './actions.js';
import { RpcAbortedError, RpcCallError, RpcDisconnectedError, RpcResponseInvalidError, RpcTimeoutError, type OcppError } from './errors.js';
import { serializeCall, type CallErrorFrame, type CallResultFrame } from './frames.js';
import type { CallOptions, RpcCounters } from './rpc-types.js';
import { validateResponse } from './schemas.js';

/** Ids of CALLs that timed out or were aborted, remembered to tell a late answer from a stray one. */
const EXPIRED_MEMORY = 32;

export interface OutboundDeps {
  readonly clock: Clock;
  readonly log: Log;
  readonly newMessageId: () => string;
  readonly defaultTimeoutMs: number;
  /** Shared with the endpoint; this half updates the call* and reply counters. */
  readonly counters: RpcCounters;
  readonly onCallLatency: ((action: StationAction, ms: number) => void) | undefined;
  /** A CALLERROR answered one of our CALLs. */
  readonly onCallError: ((action: StationAction, code: string) => void) | undefined;
}

interface QueuedCall {
  readonly action: StationAction;
  readonly payload: object;
  readonly timeoutMs: number;
  readonly resolve: (response: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly signal: AbortSignal | undefined;
  /** The id the caller chose (`CallOptions.messageId`); else a fresh one per write. */
  readonly messageId: string | undefined;
  onAbort: (() => void) | undefined;
}

interface InFlight {
  readonly call: QueuedCall;
  readonly id: string;
  readonly sentAt: number;
  readonly timer: unknown;
}

export class OutboundCalls {
  private readonly queue: QueuedCall[] = [];
  private inFlight: InFlight | undefined;
  private readonly expired: string[] = [];
  /** Waiting for no CALL to be in flight (`idle`). */
  private idleWaiters: (() => void)[] = [];
  /** Writes one text message; undefined while there is no open socket. */
  private send: ((text: string) => void) | undefined;

  constructor(private readonly deps: OutboundDeps) {}

  get queued(): number {
    return this.queue.length;
  }

  get pendingAction(): StationAction | undefined {
    return this.inFlight?.call.action;
  }

  /** The action of the CALL in flight when its id is `id`. */
  actionOf(id: string): StationAction | undefined {
    return this.inFlight?.id === id ? this.inFlight.call.action : undefined;
  }

  /** A socket is open: write queued CALLs through `send`. */
  open(send: (text: string) => void): void {
    this.send = send;
    this.pump();
  }

  /** Stops writing (socket closing or gone); queued CALLs stay queued. */
  pause(): void {
    this.send = undefined;
  }

  /** Resolves once no CALL is in flight (answered, failed, timed out or aborted), now if none is. */
  idle(): Promise<void> {
    if (this.inFlight === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Rejects every CALL not written yet (nothing was sent); the one in flight is left alone. */
  dropQueued(reason: string): number {
    const dropped = this.queue.splice(0);
    for (const call of dropped) this.settle(call, new RpcDisconnectedError(call.action, false, reason));
    return dropped.length;
  }

  /** Socket gone: rejects the CALL in flight (sent: true) and, if asked, every queued one. */
  close(reason: string, dropQueued: boolean): void {
    this.send = undefined;
    const flight = this.take();
    if (flight !== undefined) this.settle(flight.call, new RpcDisconnectedError(flight.call.action, true, reason));
    if (dropQueued) {
      for (const call of this.queue.splice(0)) this.settle(call, new RpcDisconnectedError(call.action, false, reason));
    }
  }

  /** Queues a CALL whose request already passed its schema; settles with the raw valid response. */
  enqueue<A extends StationAction>(action: A, payload: RequestOf<A>, options: CallOptions): Promise<unknown> {
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(new RpcAbortedError(action, false));
    return new Promise<unknown>((resolve, reject) => {
      const call: QueuedCall = {
        action,
        payload,
        timeoutMs: options.timeoutMs ?? this.deps.defaultTimeoutMs,
        resolve,
        reject,
        signal,
        messageId: options.messageId,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        call.onAbort = () => this.abort(call);
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.queue.push(call);
      this.pump();
    });
  }

  /**
   * A CALLRESULT arrived. Returns the schema error when its payload is invalid (the caller counts
   * it as a bad message), else undefined (also for a late or unknown id, which is only logged).
   */
  onResult(frame: CallResultFrame): OcppError | undefined {
    const flight = this.match(frame.id, 'CALLRESULT');
    if (flight === undefined) return undefined;
    const { action } = flight.call;
    const invalid = validateResponse(action, frame.payload);
    if (invalid === undefined) {
      this.deps.counters.callResults++;
      this.settle(flight.call, { value: frame.payload });
    } else {
      this.deps.counters.invalidResponses++;
      this.deps.log('warn', 'invalid CALLRESULT', {
        action,
        messageId: frame.id,
        code: invalid.code,
        description: invalid.description,
      });
      this.settle(flight.call, new RpcResponseInvalidError(action, frame.id, invalid));
    }
    this.pump();
    return invalid;
  }

  /** A CALLERROR arrived: rejects the matching CALL with `RpcCallError`. */
  onError(frame: CallErrorFrame): void {
    const flight = this.match(frame.id, 'CALLERROR');
    if (flight === undefined) return;
    this.deps.counters.callErrors++;
    const { action } = flight.call;
    this.deps.log('info', 'CALLERROR received', { action, messageId: frame.id, code: frame.code, description: frame.description });
    this.deps.onCallError?.(action, frame.code);
    this.settle(flight.call, new RpcCallError(action, frame.id, frame.code, frame.description, frame.details));
    this.pump();
  }

  /** A malformed CALLRESULT/CALLERROR with this id: settles the matching CALL now, not at its timeout. */
  onMalformedAnswer(id: string, error: OcppError): void {
    const flight = this.take(id);
    if (flight === undefined) return;
    this.deps.counters.invalidResponses++;
    this.settle(flight.call, new RpcResponseInvalidError(flight.call.action, id, error));
    this.pump();
  }

  private pump(): void {
    while (this.send !== undefined && this.inFlight === undefined) {
      const call = this.queue.shift();
      if (call === undefined) return;
      const id = call.messageId ?? this.deps.newMessageId();
      try {
        this.send(serializeCall(id, call.action, call.payload));
      } catch (err) {
        // The transport refused the frame (socket closing: client.ts throws TransportClosedError).
        // Nothing was sent, so the CALL keeps its place and waits for the next attach.
        this.deps.log('warn', 'CALL could not be written; kept queued until the next attach', {
          action: call.action,
          error: String(err),
        });
        this.queue.unshift(call);
        this.send = undefined;
        return;
      }
      this.deps.counters.callsSent++;
      const timer = this.deps.clock.setTimeout(() => this.onTimeout(id), call.timeoutMs);
      this.inFlight = { call, id, sentAt: this.deps.clock.now(), timer };
      this.deps.log('debug', 'CALL sent', { action: call.action, messageId: id });
    }
  }

  /** Removes and returns the CALL in flight (only if its id is `id`, when given) and stops its timer. */
  private take(id?: string): InFlight | undefined {
    const flight = this.inFlight;
    if (flight === undefined || (id !== undefined && flight.id !== id)) return undefined;
    this.deps.clock.clearTimeout(flight.timer);
    this.inFlight = undefined;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
    return flight;
  }

  private settle(call: QueuedCall, outcome: Error | { value: unknown }): void {
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort);
    if (outcome instanceof Error) call.reject(outcome);
    else call.resolve(outcome.value);
  }

  private forget(id: string): void {
    this.expired.push(id);
    if (this.expired.length > EXPIRED_MEMORY) this.expired.shift();
  }

  private onTimeout(id: string): void {
    const flight = this.take(id);
    if (flight === undefined) return;
    const { action, timeoutMs } = flight.call;
    this.deps.counters.callTimeouts++;
    this.forget(id);
    this.deps.log('warn', 'CALL timed out', { action, messageId: id, timeoutMs });
    this.settle(flight.call, new RpcTimeoutError(action, id, timeoutMs));
    this.pump();
  }

  private abort(call: QueuedCall): void {
    const index = this.queue.indexOf(call);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.settle(call, new RpcAbortedError(call.action, false));
      return;
    }
    if (this.inFlight?.call !== call) return;
    const flight = this.take();
    if (flight === undefined) return;
    this.forget(flight.id);
    this.settle(call, new RpcAbortedError(call.action, true));
    this.pump();
  }

  /** Takes the CALL in flight an answer belongs to and reports its latency, or logs a stray answer. */
  private match(id: string, kind: string): InFlight | undefined {
    const flight = this.take(id);
    if (flight !== undefined) {
      this.deps.onCallLatency?.(flight.call.action, this.deps.clock.now() - flight.sentAt);
      return flight;
    }
    this.deps.counters.unmatchedReplies++;
    const late = this.expired.includes(id);
    this.deps.log(late ? 'info' : 'warn', late ? `late ${kind} ignored` : `${kind} for unknown id ignored`, { messageId: id });
    return undefined;
  }
}
