/**
 * One charger connection: the TCP socket, the codec session that speaks the charger's protocol and,
 * once the charger has said who it is, the station engine that speaks OCPP for it. Events the
 * charger produces before its engine exists wait in order. Bad input is counted against a budget
 * per connection; past it the connection is closed with a log line. A charger that does not say who
 * it is within the login timeout, or sends nothing for the idle timeout, is disconnected; so is one
 * that does not read what the gateway writes to it (its unsent bytes past `maxWriteBufferBytes`).
 */
import { boundedWait } from '../core/bounded-wait.js';
import type { Clock } from '../core/clock.js';
import type { Socket } from 'node:net';
import type { ChargerKeys, Codec, CodecError, CodecSession, IgnoredReason, LoginProof, LoginRefusal } from '../../codecs/codec.js';
import type { Capabilities } from '../model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../model/commands.js';
import type { ChargerEvent, IdentifiedEvent } from '../model/events.js';
import type { Log } from '../core/log.js';
import type { ChargerPort } from '../station/context.js';
import type { StationEngine } from '../station/engine.js';
import type { CaptureSink } from './capture.js';
import { BAD_FRAME_LINES_PER_CONNECTION, LineBudget } from './log-budget.js';
import type { DisconnectReason } from './metrics.js';

/** What the gateway counts about a connection; every hook is optional. */
export interface SessionObserver {
  /** A whole frame from the charger (see `SessionSink.frameReceived`). */
  frameReceived?(): void;
  /** A frame written to the charger. */
  sent?(frame: Buffer): void;
  /** Bad input from the charger (framing or decoding), by its stable code. */
  badFrame?(code: string): void;
  /** A well-framed message the codec had no use for (never a bad frame), by why. */
  ignored?(reason: IgnoredReason): void;
  /** The connection closed (once). */
  closed?(reason: DisconnectReason, detail: string): void;
  /** The codec refused a login it could not attribute to a charger (see `SessionSink.loginRefused`). */
  loginRefused?(reason: LoginRefusal, detail: string): void;
}

export interface ChargerSessionOptions<O> {
  readonly socket: Socket;
  readonly codec: Codec<O>;
  readonly codecOptions: O;
  /** What the charger sent before the session existed (its listener held it to tell the protocol): given to the codec right after `start`. */
  readonly held?: Buffer;
  readonly clock: Clock;
  readonly log: Log;
  /** Builds (and starts) the station engine for an identified charger, or says why there is none. */
  readonly createEngine: (identified: IdentifiedEvent, capabilities: Capabilities, charger: ChargerPort) => Promise<StationEngine | string>;
  /** Bad frames tolerated per connection within `badFrameWindowMs`. Default 20. */
  readonly badFrameLimit?: number;
  readonly badFrameWindowMs?: number;
  /**
   * Whether the gateway-wide log budget lets one more bad-frame line through (the connection's own
   * budget let it through already); absent: always. A line held back is counted by whoever says no.
   */
  readonly badFrameLine?: () => boolean;
  /** The charger must identify itself within this time; 0 or absent: no limit. */
  readonly loginTimeoutMs?: number;
  /** Disconnect after this long without a byte from the charger; 0 or absent: never. */
  readonly idleTimeoutMs?: number;
  /** Disconnect once this many bytes wait unsent to the charger; 0: never. Default 1 MiB. */
  readonly maxWriteBufferBytes?: number;
  readonly observer?: SessionObserver;
  /** Records the connection's bytes (capture files). */
  readonly capture?: CaptureSink;
  /** Charger id for protocols that carry none (configured per listener). */
  readonly chargerId?: string;
  readonly timeZone?: string;
  /** Whether the gateway serves a charger id; passed to the codec (see `ConnectionInfo.admit`). */
  readonly admit?: (chargerId: string, proof: LoginProof) => boolean;
  /** Charger keys of the station registry; passed to the codec (see `ConnectionInfo.keys`). */
  readonly keys?: ChargerKeys;
  /** The registry's zone for a charger id; passed to the codec (see `ConnectionInfo.timeZoneOf`). */
  readonly timeZoneOf?: (chargerId: string) => string | undefined;
  /** What the gateway keeps per charger across connections; passed to the codec (see `ConnectionInfo.memoryOf`). */
  readonly memoryOf?: (chargerId: string) => Map<string, unknown>;
}

/** The bad-frame window unless configured otherwise. */
const DEFAULT_BAD_FRAME_WINDOW_MS = 60_000;

/** Unsent bytes to a charger beyond which it is disconnected, unless configured otherwise. */
const DEFAULT_MAX_WRITE_BUFFER_BYTES = 1_048_576;

export type ChargerSessionState = 'connected' | 'identified' | 'running' | 'closed';

export class ChargerSession {
  private current: ChargerSessionState = 'connected';
  private readonly session: CodecSession;
  private engine: StationEngine | undefined;
  private readonly early: ChargerEvent[] = [];
  private readonly badFrames: number[] = [];
  /** The first few bad-frame lines per window are logged; the rest are counted and reported. */
  private readonly badFrameLines: LineBudget;
  private closedReason: string | undefined;
  private loginTimer: unknown;
  private idleTimer: unknown;
  private lastDataAt = 0;
  /** Whether the charger has sent a byte on this connection. */
  private heard = false;
  /** Set once its first bytes are another codec's protocol (see `speaksOtherProtocol`). */
  private otherProtocol: { readonly words: string; readonly data: Readonly<Record<string, unknown>> } | undefined;
  /** Set by `shutdown`: closing leaves the engine to the gateway, which flushes it first. */
  private keepEngine = false;
  /** The engine's stop, once `close` has begun it. */
  private engineStop: Promise<void> | undefined;
  /** The charger's address, kept: a closed socket no longer tells it. */
  readonly remoteAddress: string | undefined;

  constructor(private readonly options: ChargerSessionOptions<unknown>) {
    const { socket } = options;
    this.badFrameLines = new LineBudget(BAD_FRAME_LINES_PER_CONNECTION, options.badFrameWindowMs || DEFAULT_BAD_FRAME_WINDOW_MS, () => options.clock.now());
    this.remoteAddress = socket.remoteAddress;
    // Legacy protocols are request/answer with small frames: Nagle would hold an answer back until
    // the charger acknowledged the previous segment (up to its delayed-ACK time, 40 ms and more).
    socket.setNoDelay(true);
    this.session = options.codec.createSession({
      options: options.codecOptions,
      clock: options.clock,
      connection: {
        ...(options.chargerId !== undefined ? { chargerId: options.chargerId } : {}),
        ...(socket.remoteAddress !== undefined ? { remoteAddress: socket.remoteAddress } : {}),
        ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
        ...(options.admit !== undefined ? { admit: options.admit } : {}),
        ...(options.timeZoneOf !== undefined ? { timeZoneOf: options.timeZoneOf } : {}),
        ...(options.memoryOf !== undefined ? { memoryOf: options.memoryOf } : {}),
        ...(options.keys !== undefined ? { keys: options.keys } : {}),
      },
      sink: {
        event: (e) => this.onEvent(e),
        frameReceived: () => options.observer?.frameReceived?.(),
        send: (bytes) => {
          if (socket.destroyed) return;
          options.capture?.record('out', bytes);
          options.observer?.sent?.(bytes);
          socket.write(bytes);
          this.checkWriteBuffer();
        },
        error: (e) => this.onBadFrame(e),
        ignored: (reason) => options.observer?.ignored?.(reason),
        close: (reason) => this.close(reason, 'protocol'),
        loginRefused: (reason, detail) => options.observer?.loginRefused?.(reason, detail),
        log: (level, message, data) => options.log(level, message, data),
      },
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.close('charger disconnected', 'charger'));
    socket.on('error', (e) => options.log('warn', 'charger socket error', { error: e.message }));
  }

  /** The codec's name (a metrics label). */
  get codecName(): string {
    return this.options.codec.name;
  }

  get state(): ChargerSessionState {
    return this.current;
  }

  /** Milliseconds since the charger last sent a byte (since it connected, before its first). */
  get idleMs(): number {
    return this.options.clock.now() - this.lastDataAt;
  }

  /**
   * Settles once the engine this connection ran has stopped, when `close` stopped it (undefined
   * before `close`, when no engine ran, or when `shutdown` left the engine to the gateway).
   */
  get engineStopped(): Promise<void> | undefined {
    return this.engineStop;
  }

  /** The engine, once the charger is identified and accepted by the gateway. */
  get station(): StationEngine | undefined {
    return this.engine;
  }

  start(): void {
    const { clock, loginTimeoutMs = 0, idleTimeoutMs = 0 } = this.options;
    this.lastDataAt = clock.now();
    if (loginTimeoutMs > 0) {
      this.loginTimer = clock.setTimeout(() => {
        this.loginTimer = undefined;
        if (this.current !== 'connected') return;
        if (!this.heard && this.otherProtocol === undefined) {
          // Not a slow login but none at all: the words an operator needs (the listener warned of the silence earlier).
          const silent = `sent nothing for ${loginTimeoutMs / 1000} s`;
          this.options.log('warn', `charger at ${this.remoteAddress ?? 'unknown'} ${silent} after connecting: disconnected`, { loginTimeoutMs, reason: 'silent' });
          this.close(silent, 'silent');
          return;
        }
        this.options.log('warn', 'charger did not identify itself in time: disconnected', { loginTimeoutMs });
        this.close(`login timeout (${loginTimeoutMs} ms)`, 'login_timeout');
      }, loginTimeoutMs);
    }
    if (idleTimeoutMs > 0) this.armIdle(idleTimeoutMs);
    this.session.start();
    const { held } = this.options;
    if (held !== undefined && held.length > 0) this.onData(held);
  }

  /**
   * Closes the connection and stops its engine; `kind` is the reason's class for metrics (default:
   * the gateway decided, e.g. stopping or a replacing connection).
   */
  close(cause: string, why: DisconnectReason = 'gateway'): void {
    if (this.current === 'closed') return;
    let reason = cause;
    let kind = why;
    const other = this.otherProtocol;
    // The configured codec's own reason (an IEC 104 link's `invalid-nr`) would hide the cause: it stays a detail.
    if (other !== undefined && kind !== 'gateway') {
      this.options.log('warn', `${other.words}: disconnected`, { ...other.data, reason: 'protocol_mismatch', detail: cause });
      reason = other.words;
      kind = 'protocol_mismatch';
    }
    this.closedReason = reason;
    this.setState('closed', reason);
    this.clearTimers();
    this.reportUnlogged(this.badFrameLines.flush());
    this.session.stop(reason);
    if (!this.options.socket.destroyed) this.options.socket.destroy();
    this.options.capture?.close();
    this.options.observer?.closed?.(kind, reason);
    // The codec's last events (link down, sessions ended) are handed over before the engine stops.
    const engine = this.engine;
    if (engine !== undefined && !this.keepEngine) {
      this.engineStop = engine
        .eventsHandled()
        .then(
          () => engine.stop(),
          () => engine.stop(),
        )
        .catch((err: unknown) => this.options.log('warn', 'station engine stop', { error: err instanceof Error ? err.message : String(err) }));
    }
  }

  /**
   * The charger's first bytes are another codec's protocol (`words` say which, and which the
   * listener serves; `data` goes with the log line): the connection is served as configured all the
   * same, and when it closes (the gateway stopping aside) it closes in these words.
   */
  speaksOtherProtocol(words: string, data: Readonly<Record<string, unknown>> = {}): void {
    if (this.current !== 'closed') this.otherProtocol = { words, data };
  }

  /**
   * The gateway is stopping: the protocol's goodbye (bounded by `goodbyeMs`), then the connection
   * closes. Unlike `close`, the engine keeps running: it is returned for the gateway to flush its
   * queue and stop.
   */
  async shutdown(reason: string, goodbyeMs: number): Promise<StationEngine | undefined> {
    if (this.current === 'closed') return undefined;
    const goodbye = goodbyeMs > 0 ? this.session.goodbye?.() : undefined;
    if (goodbye !== undefined) {
      await boundedWait(
        goodbye.catch(() => undefined),
        goodbyeMs,
        () => undefined,
        this.options.clock,
      );
    }
    this.keepEngine = true;
    this.close(reason);
    return this.engine;
  }

  private onEvent(e: ChargerEvent): void {
    if (this.engine !== undefined) {
      this.engine.chargerEvent(e);
      return;
    }
    this.early.push(e);
    if (e.type === 'identified' && this.current === 'connected') {
      this.setState('identified', e.chargerId);
      this.options.capture?.identified(e.chargerId);
      if (this.loginTimer !== undefined) this.options.clock.clearTimeout(this.loginTimer);
      this.loginTimer = undefined;
      const port: ChargerPort = { send: (c: ChargerCommand): CommandOutcome => this.session.command(c) };
      this.options.createEngine(e, this.session.capabilities, port).then(
        (engine) => {
          if (typeof engine === 'string') {
            // Gone already (the charger hung up, the gateway is stopping): nothing is refused.
            if (this.current === 'closed') return;
            this.options.log('warn', 'charger refused', { chargerId: e.chargerId, reason: engine });
            this.close(engine, 'refused');
            return;
          }
          if (this.current === 'closed') return;
          this.engine = engine;
          this.setState('running', e.chargerId);
          for (const x of this.early.splice(0)) engine.chargerEvent(x);
        },
        (err: unknown) => {
          this.options.log('error', 'station engine could not start', { chargerId: e.chargerId, error: err instanceof Error ? err.message : String(err) });
          this.close('engine failed', 'engine_failed');
        },
      );
    }
  }

  private onBadFrame(e: CodecError): void {
    const now = this.options.clock.now();
    const window = this.options.badFrameWindowMs ?? DEFAULT_BAD_FRAME_WINDOW_MS;
    this.badFrames.push(now);
    while ((this.badFrames[0] ?? now) < now - window) this.badFrames.shift();
    this.options.observer?.badFrame?.(e.code);
    this.logBadFrame(e);
    if (this.badFrames.length >= (this.options.badFrameLimit ?? 20) && this.current !== 'closed') {
      this.options.log('warn', 'bad-frame budget spent: disconnected', { code: e.code, limit: this.options.badFrameLimit ?? 20, windowMs: window, notLogged: this.badFrameLines.flush() });
      void this.engine?.securityEvent('InvalidMessages', `bad-frame budget spent: ${this.badFrames.length} bad frames, last ${e.code}`);
      this.close(`bad-frame budget spent (${e.code})`, 'bad_frames');
    }
  }

  /**
   * One line per bad frame would let a charger (or anyone who can open connections) write the log:
   * the first few per window are logged, within the gateway-wide budget too; the others are
   * counted (the metrics count every frame) and reported in one line.
   */
  private logBadFrame(e: CodecError): void {
    const mine = this.badFrameLines.spend();
    this.reportUnlogged(mine.droppedBefore);
    if (!mine.log || this.options.badFrameLine?.() === false) return;
    this.options.log('warn', 'bad frame from charger', { code: e.code, message: e.message, count: this.badFrames.length });
  }

  private reportUnlogged(notLogged: number): void {
    if (notLogged > 0) this.options.log('warn', 'bad frames from charger not logged', { notLogged, windowMs: this.badFrameLines.windowMs });
  }

  /** A charger that does not read what it is sent would make the gateway buffer it without end. */
  private checkWriteBuffer(): void {
    const limit = this.options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES;
    const waiting = this.options.socket.writableLength;
    if (limit <= 0 || waiting <= limit || this.current === 'closed') return;
    this.options.log('warn', 'charger does not read what it is sent: disconnected', { unsentBytes: waiting, maxWriteBufferBytes: limit });
    this.close(`charger not reading (${waiting} bytes unsent)`, 'slow_reader');
  }

  private onData(chunk: Buffer): void {
    if (this.current === 'closed') return;
    this.heard = true;
    this.lastDataAt = this.options.clock.now();
    this.options.capture?.record('in', chunk);
    this.session.receive(chunk);
  }

  /**
   * One timer per connection, re-armed for the time left when it fires, rather than reset on every
   * chunk: chargers send often, and a clear + set per chunk across thousands of them is waste.
   */
  private armIdle(idleTimeoutMs: number): void {
    const { clock } = this.options;
    const due = this.lastDataAt + idleTimeoutMs - clock.now();
    this.idleTimer = clock.setTimeout(
      () => {
        this.idleTimer = undefined;
        if (this.current === 'closed') return;
        if (clock.now() - this.lastDataAt >= idleTimeoutMs) {
          this.options.log('warn', 'charger sent nothing for the idle timeout: disconnected', { idleTimeoutMs });
          this.close(`idle timeout (${idleTimeoutMs} ms)`, 'idle_timeout');
          return;
        }
        this.armIdle(idleTimeoutMs);
      },
      Math.max(1, due),
    );
  }

  private clearTimers(): void {
    const { clock } = this.options;
    if (this.loginTimer !== undefined) clock.clearTimeout(this.loginTimer);
    if (this.idleTimer !== undefined) clock.clearTimeout(this.idleTimer);
    this.loginTimer = undefined;
    this.idleTimer = undefined;
  }

  private setState(to: ChargerSessionState, reason: string): void {
    this.options.log('info', `charger ${this.current} -> ${to}`, { from: this.current, to, reason });
    this.current = to;
  }

  /** Why the connection closed, once it has. */
  get closeReason(): string | undefined {
    return this.closedReason;
  }
}
