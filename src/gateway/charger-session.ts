/**
 * One charger connection: the TCP socket, the codec session that speaks the charger's protocol and,
 * once the charger has said who it is, the station engine that speaks OCPP for it. Events the
 * charger produces before its engine exists wait in order. Bad input is counted against a budget
 * per connection; past it the connection is closed with a log line.
 */
import type { Socket } from 'node:net';
import type { Codec, CodecClock, CodecError, CodecSession, CommandOutcome } from '../../codecs/codec.js';
import type { Capabilities } from '../model/capabilities.js';
import type { ChargerCommand } from '../model/commands.js';
import type { ChargerEvent, IdentifiedEvent } from '../model/events.js';
import type { ChargerPort, EngineLog } from '../station/context.js';
import type { StationEngine } from '../station/engine.js';

export interface ChargerSessionOptions<O> {
  readonly socket: Socket;
  readonly codec: Codec<O>;
  readonly codecOptions: O;
  readonly clock: CodecClock;
  readonly log: EngineLog;
  /** Builds (and starts) the station engine for an identified charger; undefined refuses it. */
  readonly createEngine: (identified: IdentifiedEvent, capabilities: Capabilities, charger: ChargerPort) => Promise<StationEngine | undefined>;
  /** Bad frames tolerated per connection within `badFrameWindowMs`. Default 20. */
  readonly badFrameLimit?: number;
  readonly badFrameWindowMs?: number;
  /** Charger id for protocols that carry none (configured per listener). */
  readonly chargerId?: string;
  readonly timeZone?: string;
}

export type ChargerSessionState = 'connected' | 'identified' | 'running' | 'closed';

export class ChargerSession {
  private current: ChargerSessionState = 'connected';
  private readonly session: CodecSession;
  private engine: StationEngine | undefined;
  private readonly early: ChargerEvent[] = [];
  private readonly badFrames: number[] = [];
  private closedReason: string | undefined;

  constructor(private readonly options: ChargerSessionOptions<unknown>) {
    const { socket } = options;
    this.session = options.codec.createSession({
      options: options.codecOptions,
      clock: options.clock,
      connection: {
        ...(options.chargerId !== undefined ? { chargerId: options.chargerId } : {}),
        ...(socket.remoteAddress !== undefined ? { remoteAddress: socket.remoteAddress } : {}),
        ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
      },
      sink: {
        event: (e) => this.onEvent(e),
        send: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
        error: (e) => this.onBadFrame(e),
        close: (reason) => this.close(reason),
        log: (level, message, data) => options.log(level, message, data),
      },
    });
    socket.on('data', (chunk: Buffer) => this.session.receive(chunk));
    socket.on('close', () => this.close('charger disconnected'));
    socket.on('error', (e) => options.log('warn', 'charger socket error', { error: e.message }));
  }

  get state(): ChargerSessionState {
    return this.current;
  }

  /** The engine, once the charger is identified and accepted by the gateway. */
  get station(): StationEngine | undefined {
    return this.engine;
  }

  start(): void {
    this.session.start();
  }

  close(reason: string): void {
    if (this.current === 'closed') return;
    this.closedReason = reason;
    this.setState('closed', reason);
    this.session.stop(reason);
    if (!this.options.socket.destroyed) this.options.socket.destroy();
    // The codec's last events (link down, sessions ended) are handed over before the engine stops.
    const engine = this.engine;
    if (engine !== undefined) {
      engine.eventsHandled().then(
        () => engine.stop(),
        () => engine.stop(),
      ).catch((err: unknown) => this.options.log('warn', 'station engine stop', { error: err instanceof Error ? err.message : String(err) }));
    }
  }

  private onEvent(e: ChargerEvent): void {
    if (this.engine !== undefined) {
      this.engine.chargerEvent(e);
      return;
    }
    this.early.push(e);
    if (e.type === 'identified' && this.current === 'connected') {
      this.setState('identified', e.chargerId);
      const port: ChargerPort = { send: (c: ChargerCommand): CommandOutcome => this.session.command(c) };
      this.options.createEngine(e, this.session.capabilities, port).then(
        (engine) => {
          if (engine === undefined) {
            this.options.log('warn', 'unknown charger refused', { chargerId: e.chargerId });
            this.close('unknown charger');
            return;
          }
          if (this.current === 'closed') return;
          this.engine = engine;
          this.setState('running', e.chargerId);
          for (const x of this.early.splice(0)) engine.chargerEvent(x);
        },
        (err: unknown) => {
          this.options.log('error', 'station engine could not start', { chargerId: e.chargerId, error: err instanceof Error ? err.message : String(err) });
          this.close('engine failed');
        },
      );
    }
  }

  private onBadFrame(e: CodecError): void {
    const now = this.options.clock.now();
    const window = this.options.badFrameWindowMs ?? 60_000;
    this.badFrames.push(now);
    while ((this.badFrames[0] ?? now) < now - window) this.badFrames.shift();
    this.options.log('warn', 'bad frame from charger', { code: e.code, message: e.message, count: this.badFrames.length });
    if (this.badFrames.length >= (this.options.badFrameLimit ?? 20)) this.close(`bad-frame budget spent (${e.code})`);
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
