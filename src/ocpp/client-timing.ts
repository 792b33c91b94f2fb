/**
 * The timed parts of an `OcppConnection` (`client.ts`): the reconnect schedule (attempt counter,
 * RetryBackOff delay and retry timer, OCPP-J Part 4 §5.3) and the WebSocket ping keep-alive (§8.4).
 * Neither touches connection state; the connection decides what a due retry or a missing pong means.
 */
import type { Timers } from '../core/clock.js';
import { retryDelayMs, type RetryBackOff } from './backoff.js';
import type { ConnectionLog } from './client-types.js';

/** Used when the RetryBackOff getter throws or returns invalid values (the error is logged). */
const FALLBACK_RETRY_BACK_OFF: RetryBackOff = Object.freeze({ waitMinimumS: 10, randomRangeS: 10, repeatTimes: 3 });

/** The consecutive-failure counter and the one retry timer of a connection. */
export class RetrySchedule {
  private attempt = 0;
  private timer: unknown;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly log: ConnectionLog;

  constructor(timers: Timers, random: () => number, log: ConnectionLog) {
    this.timers = timers;
    this.random = random;
    this.log = log;
  }

  /** The next retry waits the minimum again (after a start, a success or a requested reconnect). */
  reset(): void {
    this.attempt = 0;
  }

  /**
   * Picks the delay before the next attempt and counts that attempt. `source` is read on every
   * call so SetVariables changes apply at once; invalid values fall back to
   * {@link FALLBACK_RETRY_BACK_OFF}.
   */
  next(wasOpen: boolean, source: RetryBackOff | (() => RetryBackOff)): { attempt: number; delayMs: number } {
    // TC_B_57: after a connection that had been open, the next loss starts at the minimum again.
    const attempt = wasOpen ? 0 : this.attempt;
    const delayMs = retryDelayMs(attempt, this.backOff(source), this.random);
    this.attempt = attempt + 1;
    return { attempt, delayMs };
  }

  /** Runs `fn` once after `delayMs` unless {@link clear} is called first. */
  arm(delayMs: number, fn: () => void): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, delayMs);
  }

  clear(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private backOff(source: RetryBackOff | (() => RetryBackOff)): RetryBackOff {
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
}

/** The socket a keep-alive watches, as the connection exposes it. */
export interface KeepAliveSocket {
  /** Whether this is still the connection's current, open socket; a stale tick does nothing. */
  isLive(): boolean;
  ping(): void;
  /** The last ping went unanswered for a whole interval; no further pings are sent. */
  onPongTimeout(intervalS: number): void;
}

/** Pings the open socket every `WebSocketPingInterval` seconds and reports a missing pong. */
export class PingKeepAlive {
  private timer: unknown;
  private awaitingPong = false;
  private readonly timers: Timers;

  constructor(timers: Timers) {
    this.timers = timers;
  }

  /** Reads the interval (seconds; 0 = send no pings) and starts pinging `socket`. */
  start(source: number | (() => number) | undefined, socket: KeepAliveSocket): void {
    const value = source ?? 0;
    const intervalS = typeof value === 'function' ? value() : value;
    if (!Number.isFinite(intervalS) || intervalS <= 0) return;
    this.awaitingPong = false;
    const tick = (): void => {
      this.timer = undefined;
      if (!socket.isLive()) return;
      if (this.awaitingPong) {
        socket.onPongTimeout(intervalS);
        return;
      }
      this.awaitingPong = true;
      socket.ping();
      this.timer = this.timers.setTimeout(tick, intervalS * 1000);
    };
    this.timer = this.timers.setTimeout(tick, intervalS * 1000);
  }

  /** A pong arrived on the watched socket. */
  pong(): void {
    this.awaitingPong = false;
  }

  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.awaitingPong = false;
  }
}
