/**
 * The gateway runtime: one TCP listener per configured port (codec + mapping), one ChargerSession
 * per connection, identity resolution through the station registry, one StationEngine per station
 * identity, the state store, pino logs (a child per charger) and an HTTP server for `/healthz`,
 * `/readyz` and `/metrics`.
 */
import { boundedWait } from '../core/bounded-wait.js';
import { systemClock } from '../core/clock.js';
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import type { ChargerKeys } from '../../codecs/codec.js';
import type { Log } from '../core/log.js';
import type { StationEngine } from '../station/engine.js';
import type { StateStore } from '../store/state-store.js';
import { AddressLimit } from './address-limit.js';
import { captureSocket, type CaptureDescription } from './capture.js';
import { CaptureStore } from './capture-store.js';
import { ChargerMemories } from './charger-memory.js';
import { ChargerSession } from './charger-session.js';
import { StationDiagnostics } from './diagnostics/recorder.js';
import { startFirmwareServer, type GatewayFirmwareServer } from './firmware-server.js';
import { gatewayState, offline, sessionObserver, warnQueuedAtStop } from './gateway-support.js';
import { startGatewayHttp, stopHttpServer } from './http.js';
import { Admission, IdentityGuard, UNKNOWN_CHARGER_HINT } from './identity.js';
import { GatewayBadFrameLines } from './log-budget.js';
import { hintOnSilence, holdUntilDetected, warnOnMismatch, type ServedBy } from './listener-detect.js';
import { captureDescription, chargerTimeZone, openListener, prepareListeners, viewOf, type Listener, type ListenerCodec } from './listeners.js';
import { GatewayMetrics } from './metrics.js';
import { startOwnership, type Ownership } from './ownership.js';
import { stationFiles, StationStarts, type Station } from './station-start.js';
import { GatewayHealth, type Readiness } from './readiness.js';
import { createStationRegistry, FileStationRegistry, registryKeys, reloadLogged, type StationRegistry } from './registry.js';
import { pinoLog } from './pino-log.js';
import { createGatewayLogger } from './logger.js';
import { ocppTraceFor } from './ocpp-trace.js';
import { createGatewayStore } from './store.js';
import type { GatewayConfig, ListenerConfig, StationEntry } from './config.js';

export interface GatewayOptions {
  /** Where pino writes (default stdout). */
  readonly destination?: DestinationStream;
  /** Whether `destination` is a terminal: `log.format: auto` writes readable lines there (default: only stdout's own terminal). */
  readonly terminal?: boolean;
  /** A ready logger instead (takes precedence over `destination`). */
  readonly logger?: Logger;
  /** Device-model presets per new station (tests: fast retries). */
  readonly stationDefaults?: Readonly<Record<string, string>>;
  readonly callTimeoutMs?: number;
}

export class Gateway {
  readonly log: Logger;
  /** How the log is written: JSON lines, or readable lines for a terminal (`log.format`). */
  readonly logFormat: 'json' | 'pretty';
  private store: StateStore | undefined;
  /** The store's reachability, the stations' CSMS connections, the chargers held back: `/readyz`. */
  private readonly health: GatewayHealth;
  private ownership: Ownership | undefined;
  /** The registry file's snapshot until `start` puts the configured registry (file or Redis) in place. */
  private registry: StationRegistry;
  private readonly listeners: Listener[] = [];
  private readonly sessions = new Set<ChargerSession>();
  /** Connections whose first bytes are held until their protocol is known. */
  private readonly detecting = new Set<Socket>();
  private readonly stations = new Map<string, Station>();
  /** Starts and retires stations; there once `start` has the store and the leases. */
  private starts: StationStarts | undefined;
  private http: HttpServer | undefined;
  /** The firmware FTP server (config `firmware`), handed to every station engine. */
  private firmware: GatewayFirmwareServer | undefined;
  private ready = false;
  private stopping = false;
  /** The registry reload under way (SIGHUP), so that reloads run one after the other. */
  private reloading: Promise<void> = Promise.resolve();
  /** Prometheus metrics of this gateway (its own registry). */
  readonly metricsRegistry: GatewayMetrics;
  /** Open charger connections per source address. */
  private readonly perAddress: AddressLimit;
  /** What the codecs keep per charger across its connections. */
  private readonly memories = new ChargerMemories();
  /** Bad-frame log lines across all connections (each connection has its own budget too). */
  private readonly badFrameLines: GatewayBadFrameLines;
  /** Who may claim which identity (see identity.ts). */
  private readonly guard: IdentityGuard;
  /** The registry's charger keys, for codecs whose login a key authenticates (one object: codecs cache by it). */
  private readonly keys: ChargerKeys;
  /** Each station's frames and log lines (GetLog DiagnosticsLog). */
  private readonly diagnostics: StationDiagnostics;
  /** The capture directory and its limits, when `capture.dir` is set. */
  private readonly captures: CaptureStore | undefined;

  constructor(
    readonly config: GatewayConfig,
    private readonly options: GatewayOptions = {},
  ) {
    const made = options.logger !== undefined ? { logger: options.logger, format: 'json' as const } : createGatewayLogger(config.log, options.destination, options.terminal);
    this.log = made.logger;
    this.logFormat = made.format;
    this.perAddress = new AddressLimit(config.connections.maxPerAddress);
    this.badFrameLines = new GatewayBadFrameLines(config.connections.badFrameWindowMs || 60_000, (notLogged, windowMs) =>
      this.log.warn({ notLogged, windowMs }, 'bad frames from chargers not logged (gateway-wide limit)'),
    );
    this.registry = new FileStationRegistry(config.stations.registry);
    const names = (ls: readonly ListenerConfig[]): string[] => [...new Set(ls.flatMap((l) => l.codecs.map((c) => c.codec)))];
    this.health = new GatewayHealth(config.http.csmsGraceMs, (reason) => this.metricsRegistry.chargerHeld(reason));
    this.metricsRegistry = new GatewayMetrics(
      gatewayState({
        sessions: this.sessions,
        detecting: () => this.detecting.size,
        stations: this.stations,
        store: () => this.store,
        started: () => this.starts?.accepted ?? 0,
        held: () => this.health.held.counts(),
        storeReachable: () => this.health.store?.reachable ?? false,
        ready: () => this.readiness().ready,
      }),
      names(config.listeners),
      names(config.listeners.filter((l) => l.codecs.length > 1)),
    );
    this.guard = new IdentityGuard({ defaults: config.stations.defaults, metrics: this.metricsRegistry, log: this.log, engineOf: (id) => this.stations.get(id)?.engine });
    this.keys = registryKeys(() => this.registry);
    this.diagnostics = new StationDiagnostics(config.diagnostics.bytes);
    const { dir } = config.capture;
    this.captures = dir !== undefined ? new CaptureStore({ ...config.capture, dir }, (level, message, data) => this.log[level](data ?? {}, message)) : undefined;
  }

  /** Ports the listeners are bound to, in config order (useful with port 0). */
  get ports(): number[] {
    return this.listeners.map((l) => l.port);
  }

  /** The firmware FTP server's control port, when `firmware` is configured. */
  get firmwarePort(): number | undefined {
    return this.firmware?.port;
  }

  get httpPort(): number | undefined {
    const a = this.http?.address();
    return a !== null && typeof a === 'object' ? a.port : undefined;
  }

  /** What `/readyz` answers (see readiness.ts). */
  get isReady(): boolean {
    return this.readiness().ready;
  }

  readiness(): Readiness {
    const stations = [...this.stations.values()].map((s) => ({ startedAt: s.startedAt, open: s.engine.connectionState === 'open' }));
    return this.health.report({ listening: this.ready, stopping: this.stopping, stations });
  }

  /** Station identities with an engine. */
  get stationIds(): string[] {
    return [...this.stations.keys()];
  }

  /** The station registry in use (the file's, or the Redis hash's snapshot once started). */
  get stationRegistry(): StationRegistry {
    return this.registry;
  }

  /**
   * Reads the station registry again (SIGHUP to `pilegate serve`): the file, validated as at start,
   * or the Redis hash at once. Logs the changes as counts; a registry that cannot be read or does
   * not validate is logged and the previous copy stays in use. One reload at a time.
   */
  reloadStations(signal = 'SIGHUP'): Promise<void> {
    this.reloading = this.reloading.then(() => (this.ready ? reloadLogged(this.registry, this.log, signal) : this.log.warn({ signal }, 'station registry not reloaded: the gateway is not running')));
    return this.reloading;
  }

  station(id: string): StationEngine | undefined {
    return this.stations.get(id)?.engine;
  }

  async start(): Promise<void> {
    const { config } = this;
    // Codec options first: a bad mapping is a config error before anything listens.
    const prepared = await prepareListeners(config);
    const { pems, transfers } = stationFiles(config);
    const { store, health } = createGatewayStore(config.store, this.log);
    this.store = store;
    this.health.store = health;
    const ownership = (this.ownership = startOwnership(this.config.fleet, this.store, this.log));
    this.registry = createStationRegistry(config, this.log);
    await this.registry.start();
    if (this.registry.size === 0 && config.stations.unknownChargers === 'refuse') {
      this.log.warn({ hint: UNKNOWN_CHARGER_HINT }, 'the station registry is empty and unknown chargers are refused: every charger will be refused');
    }
    this.http = await startGatewayHttp(config.http, this.log, {
      readiness: () => this.readiness(),
      metrics: async () => ({ body: await this.metrics(), type: this.metricsRegistry.contentType }),
    });
    if (config.firmware !== undefined) this.firmware = await startFirmwareServer(config.firmware, this.log);
    this.starts = new StationStarts({
      config,
      store,
      ownership,
      guard: this.guard,
      metrics: this.metricsRegistry,
      held: this.health.held,
      csms: this.health.csms,
      diagnostics: this.diagnostics,
      pems,
      stations: this.stations,
      // What the stations fetch firmware images and upload logs with (`downloads` in the config).
      shared: {
        ...transfers,
        ...(this.firmware !== undefined ? { firmwareServer: this.firmware } : {}),
        ...(this.options.callTimeoutMs !== undefined ? { callTimeoutMs: this.options.callTimeoutMs } : {}),
      },
      ...(this.options.stationDefaults !== undefined ? { stationDefaults: this.options.stationDefaults } : {}),
      stopping: () => this.stopping,
      ocppTrace: (station) => ocppTraceFor(config.log, this.log, station),
    });
    const metrics = this.metricsRegistry;
    const perCodec = (codec: string): Pick<ListenerCodec, 'memoryOf' | 'ignored'> => ({
      memoryOf: (chargerId) => this.memories.of(codec, chargerId),
      ignored: (reason) => metrics.ignored(codec, reason),
    });
    for (const p of prepared) this.listeners.push(await openListener(p, perCodec, (listener, socket) => this.accept(listener, socket), this.log));
    this.ready = true;
  }

  /**
   * Graceful stop: no new chargers; each charger gets its protocol's goodbye (IEC 104 STOPDT,
   * bounded by `shutdown.goodbyeTimeoutMs`) and is disconnected; the engines hand over the
   * chargers' last events and deliver their queued TransactionEvents to a connected CSMS (bounded
   * by `shutdown.drainTimeoutMs`; what is left stays in the store); then every OCPP connection
   * closes, the leases are released and the store closes.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.ready = false;
    const { goodbyeTimeoutMs, drainTimeoutMs } = this.config.shutdown;
    const closing = this.listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
    for (const socket of this.detecting) socket.destroy();
    const handed = await Promise.all([...this.sessions].map((s) => s.shutdown('gateway stopping', goodbyeTimeoutMs)));
    const engines = new Set([...handed, ...[...this.stations.values()].map((s) => s.engine)].filter((e): e is StationEngine => e !== undefined));
    // A station whose CSMS is not (or no longer) connected only hands over its charger's events:
    // its queue waits in the store.
    const settling = [...engines].map((e) => Promise.race([e.settled(), e.eventsHandled().then(() => offline(e))]));
    const flushed = await boundedWait(
      Promise.all(settling).then(
        () => true,
        () => false,
      ),
      drainTimeoutMs,
      () => false,
    );
    await warnQueuedAtStop(engines, this.store?.durable === true, drainTimeoutMs, this.log);
    await Promise.all([...engines].map((e) => e.stop().catch(() => undefined)));
    this.stations.clear();
    // Leases are released only now, with every OCPP connection closed.
    await this.ownership?.stop();
    await Promise.all(closing);
    await stopHttpServer(this.http);
    await this.firmware?.stop();
    await this.registry.stop();
    await this.store?.close().catch(() => undefined);
    this.badFrameLines.stop();
    this.captures?.stop();
    this.health.held.stop();
    this.log.info({ flushed }, 'gateway stopped');
  }

  private accept(listener: Listener, socket: Socket): void {
    const metrics = this.metricsRegistry;
    const codecs = listener.codecs.map((c) => c.codec.name);
    if (this.stopping) {
      metrics.refused('stopping');
      socket.destroy();
      return;
    }
    const address = socket.remoteAddress ?? 'unknown';
    if (!this.perAddress.acquire(address)) {
      metrics.refused('address_limit');
      this.log.warn(
        { ...(codecs.length === 1 ? { codec: codecs[0] } : { codecs }), remote: address, remotePort: socket.remotePort, maxPerAddress: this.config.connections.maxPerAddress },
        'charger connection refused: too many connections from this address',
      );
      socket.destroy();
      return;
    }
    const only = listener.codecs[0];
    if (listener.codecs.length === 1 && only !== undefined) {
      this.serve(listener, only, socket, Buffer.alloc(0), 'configured');
      return;
    }
    this.log.info({ codecs, remote: address, port: listener.port }, 'charger connected');
    this.detecting.add(socket);
    socket.on('error', () => undefined);
    const released = (): void => {
      this.detecting.delete(socket);
      this.perAddress.release(address);
    };
    socket.once('close', released);
    const hold = holdUntilDetected(socket, viewOf(listener), { log: this.log, metrics, clock: systemClock }, (served, held, by) => {
      this.detecting.delete(socket);
      socket.off('close', released);
      // Closed while its first bytes were weighed: nothing to serve.
      if (socket.destroyed) return this.perAddress.release(address);
      this.serve(listener, served, socket, held, by);
    });
    socket.once('close', () => hold.cancel());
  }

  /** Serves a connection with one of its listener's codecs (its address already counted), `held` being what the charger sent so far. */
  private serve(listener: Listener, served: ListenerCodec, socket: Socket, held: Buffer, by: ServedBy): void {
    const metrics = this.metricsRegistry;
    const codec = served.codec.name;
    const address = socket.remoteAddress ?? 'unknown';
    let log: Logger = this.log.child({ codec, remote: socket.remoteAddress });
    const plainLog: Log = pinoLog(() => log);
    const limits = this.config.connections;
    const describe = (chargerId: string | undefined): CaptureDescription => captureDescription(listener, served, chargerId !== undefined ? this.registry.get(chargerId)?.timeZone : undefined);
    const capture = this.captures !== undefined ? captureSocket(this.captures, socket, describe, plainLog) : undefined;
    const recorder = this.diagnostics.connection(`${address}:${socket.remotePort ?? ''}`, capture);
    const engineLog = recorder.wrap(plainLog, (level) => log.isLevelEnabled(level));
    // Before the session reads the socket: a chunk of another protocol is named before the session acts on it (and closes).
    const check = by === 'sniff' ? undefined : warnOnMismatch(socket, viewOf(listener), served, by, { log: this.log, metrics }, (words, data) => session.speaksOtherProtocol(words, data));
    const silence = by === 'sniff' ? undefined : hintOnSilence(socket, listener, served, limits.loginTimeoutMs, { log: this.log, clock: systemClock });
    const session: ChargerSession = new ChargerSession({
      socket,
      codec: served.codec,
      codecOptions: served.codecOptions,
      held,
      clock: systemClock,
      log: engineLog,
      ...(listener.config.timeZone !== undefined ? { timeZone: listener.config.timeZone } : {}),
      timeZoneOf: (chargerId) => this.registry.get(chargerId)?.timeZone,
      memoryOf: served.memoryOf,
      admit: (chargerId, proof) => admission.atLogin(chargerId, proof, this.registry.get(chargerId), this.resolve(chargerId)),
      keys: this.keys,
      loginTimeoutMs: limits.loginTimeoutMs,
      idleTimeoutMs: limits.idleTimeoutMs,
      badFrameLimit: limits.badFrameLimit,
      badFrameWindowMs: limits.badFrameWindowMs,
      badFrameLine: () => this.badFrameLines.allow(),
      ...(limits.maxWriteBufferBytes !== undefined ? { maxWriteBufferBytes: limits.maxWriteBufferBytes } : {}),
      observer: sessionObserver(metrics, codec, served.ignored, (reason, detail) => this.guard.refused(codec, reason, detail, { address: session.remoteAddress })),
      capture: recorder,
      createEngine: async (identified, capabilities, charger) => {
        // A charger missing from the snapshot is read from the registry itself before it is refused.
        if (this.registry.get(identified.chargerId) === undefined) await this.registry.lookup(identified.chargerId);
        const resolved = this.resolve(identified.chargerId);
        log = this.log.child({ chargerId: identified.chargerId, stationId: resolved?.stationId, codec });
        // Protocols without a login answer (IEC 104) are checked here; the others again when the entry is new since their login.
        const verdict = admission.atStation(identified.chargerId, this.registry.get(identified.chargerId), resolved);
        if (!verdict.ok) return `${verdict.reason}: ${verdict.detail}`;
        if (resolved === undefined) return 'unknown charger (not in the station registry)';
        const zone = chargerTimeZone(listener, served, this.registry.get(identified.chargerId)?.timeZone);
        recorder.bind(resolved.stationId, served.codec.frameTools(served.codecOptions, { timeZone: zone }));
        return this.starts?.start(session, resolved, identified, capabilities, charger, engineLog) ?? 'gateway stopping';
      },
    });
    const admission = new Admission(this.guard, codec, session);
    this.sessions.add(session);
    socket.once('close', () => {
      check?.cancel();
      silence?.();
      this.perAddress.release(address);
      this.sessions.delete(session);
      this.guard.release(session);
      for (const [id, s] of this.stations) if (s.session === session) this.starts?.retire(id, s);
    });
    if (by === 'configured') log.info('charger connected');
    session.start();
  }

  /** Registry entry (or provisioned defaults) for a charger; undefined refuses it. */
  private resolve(chargerId: string): (StationEntry & { stationId: string }) | undefined {
    const entry = this.registry.get(chargerId);
    if (entry === undefined && this.config.stations.unknownChargers !== 'provision') return undefined;
    return { ...entry, stationId: entry?.stationId ?? chargerId };
  }

  /** Prometheus text exposition of the gateway's metrics. */
  async metrics(): Promise<string> {
    return this.metricsRegistry.text();
  }
}
