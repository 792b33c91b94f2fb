/**
 * The start of a station once its charger has identified itself: its security from the registry
 * entry, the engine of an earlier connection of the station stopped first (one OCPP connection per
 * station), the fleet's ownership lease taken, the engine built and held under that lease; and the
 * retirement of a station whose charger connection is gone.
 */
import { readConfigFile } from '../config/read.js';
import { boundedWait } from '../core/bounded-wait.js';
import type { IdentifiedEvent } from '../model/events.js';
import type { Capabilities } from '../model/capabilities.js';
import type { Log } from '../core/log.js';
import type { SecurityProfileConfig } from '../ocpp/client.js';
import type { ChargerPort } from '../station/context.js';
import { StationEngine, type StationEngineOptions } from '../station/engine.js';
import type { StateStore } from '../store/state-store.js';
import type { ChargerSession } from './charger-session.js';
import type { GatewayConfig, StationEntry } from './config.js';
import type { StationDiagnostics } from './diagnostics/recorder.js';
import { engineOptions, presetDeviceModel, RETIRE_WAIT_MS, stationSecurity } from './gateway-support.js';
import type { CsmsReachability } from './csms-health.js';
import type { HeldChargers, StartWatch } from './held.js';
import type { IdentityGuard } from './identity.js';
import type { GatewayMetrics } from './metrics.js';
import type { Ownership } from './ownership.js';
import type { TracedStation } from './ocpp-trace.js';
import { TransferDownloader } from './transfers/download.js';
import { createUploader } from './transfers/upload.js';
import type { OcppTrace } from '../ocpp/trace.js';

/** A running station: its charger connection and its engine. */
export interface Station {
  readonly session: ChargerSession;
  readonly engine: StationEngine;
  /** When its engine started (epoch ms). */
  readonly startedAt: number;
}

/** PEM texts of csms.ca / cert / key, read once at start. */
export interface CsmsPems {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * The files every station uses, read once at start: the PEMs of csms.ca / cert / key, and the
 * operator's CA for file servers (`downloads.ca`), trusted for firmware downloads and log uploads alike.
 */
export function stationFiles(config: GatewayConfig): { pems: CsmsPems; transfers: Pick<StationEngineOptions, 'downloader' | 'uploader' | 'firmwareLimits'> } {
  const { ca, cert, key } = config.csms;
  const pems = {
    ...(ca !== undefined ? { ca: readConfigFile(ca) } : {}),
    ...(cert !== undefined ? { cert: readConfigFile(cert) } : {}),
    ...(key !== undefined ? { key: readConfigFile(key) } : {}),
  };
  const { ca: downloadsCa, timeoutMs, maxBytes } = config.downloads;
  const transferCa = downloadsCa !== undefined ? readConfigFile(downloadsCa) : undefined;
  return {
    pems,
    transfers: {
      downloader: new TransferDownloader(transferCa !== undefined ? { ca: transferCa } : {}),
      uploader: createUploader(transferCa !== undefined ? { ca: [transferCa] } : {}),
      firmwareLimits: { downloadTimeoutMs: timeoutMs, maxImageBytes: maxBytes },
    },
  };
}

/** What starting stations needs of the running gateway. */
export interface StationStartDeps {
  readonly config: GatewayConfig;
  readonly store: StateStore;
  readonly ownership: Ownership;
  readonly guard: IdentityGuard;
  readonly metrics: GatewayMetrics;
  /** Watches each start for chargers held back. */
  readonly held: HeldChargers;
  /** Told of every station's OCPP connection opening, closing and failing. */
  readonly csms: CsmsReachability;
  readonly diagnostics: StationDiagnostics;
  readonly pems: CsmsPems;
  /** Engine options every station shares: transfers, the firmware server, the call timeout. */
  readonly shared: Pick<StationEngineOptions, 'downloader' | 'uploader' | 'firmwareLimits' | 'firmwareServer' | 'callTimeoutMs'>;
  /** Device-model presets per new station (tests: fast retries). */
  readonly stationDefaults?: Readonly<Record<string, string>>;
  /** The station's OCPP trace when `log.ocppTrace` names it. */
  readonly ocppTrace?: (station: TracedStation) => OcppTrace | undefined;
  /** The gateway's running stations by station id: a started one is added, a retired one removed. */
  readonly stations: Map<string, Station>;
  stopping(): boolean;
}

export class StationStarts {
  /** Engines of stations whose charger connection is gone, until they have stopped. */
  private readonly retiring = new Map<string, Promise<void>>();
  /** Stations started so far. */
  accepted = 0;

  constructor(private readonly d: StationStartDeps) {}

  /** Starts the station of `entry` for `session`: its engine, or why it was refused. A start that waits is watched (held.ts). */
  async start(
    session: ChargerSession,
    entry: StationEntry & { stationId: string },
    identified: IdentifiedEvent,
    capabilities: Capabilities,
    charger: ChargerPort,
    engineLog: Log,
  ): Promise<StationEngine | string> {
    const { d } = this;
    if (d.stopping()) {
      d.metrics.refused('stopping');
      return 'gateway stopping';
    }
    const security = stationSecurity(entry, d.config, d.pems);
    if (security === undefined) {
      d.metrics.refused('no_password');
      engineLog('error', 'no password for this station (stations.defaults.password, PILEGATE_CSMS_PASSWORD or the registry): refused');
      return 'no password for this station';
    }
    const watch = d.held.watch(engineLog, () => session.state === 'closed');
    try {
      const started = await this.begin(session, entry, identified, capabilities, charger, engineLog, security, watch);
      watch.end(typeof started === 'string' ? 'refused' : 'started');
      return started;
    } catch (err) {
      watch.end('failed');
      throw err;
    }
  }

  private async begin(
    session: ChargerSession,
    entry: StationEntry & { stationId: string },
    identified: IdentifiedEvent,
    capabilities: Capabilities,
    charger: ChargerPort,
    engineLog: Log,
    security: SecurityProfileConfig,
    watch: StartWatch,
  ): Promise<StationEngine | string> {
    const { d } = this;
    const { store, ownership } = d;
    const previous = d.stations.get(entry.stationId);
    if (previous !== undefined) {
      engineLog('warn', 'charger connected again: the previous connection is closed and its engine stopped');
      previous.session.close('replaced by a new connection');
      this.retire(entry.stationId, previous);
    }
    // One OCPP connection per station: the engine of an earlier connection has stopped before ours starts.
    const retiring = this.retiring.get(entry.stationId);
    if (
      retiring !== undefined &&
      !(await boundedWait(
        retiring.then(
          () => true,
          () => false,
        ),
        RETIRE_WAIT_MS,
        () => false,
      ))
    ) {
      engineLog('warn', 'the engine of the previous connection has not stopped in time: starting anyway', { waitedMs: RETIRE_WAIT_MS });
    }
    watch.phase('lease');
    const gone = (): boolean => session.state === 'closed' || d.stopping();
    if (gone()) return 'charger gone before the engine started';
    // Another instance may run this station: it hands it over before our engine exists, or keeps it
    // for its live charger connection (the station's duplicateLogin policy, decided there).
    const lease = await ownership.acquire(entry.stationId, gone, session.remoteAddress);
    if (!lease.ok) {
      if (gone()) return lease.reason;
      if (lease.refused === true) {
        d.guard.refused(session.codecName, 'duplicate_login', lease.reason, { chargerId: identified.chargerId, stationId: entry.stationId, address: session.remoteAddress });
        return `duplicate_login: ${lease.reason}`;
      }
      engineLog('error', 'charger refused: its station runs on another gateway instance that did not hand it over', { reason: lease.reason });
      throw new Error(`station ${entry.stationId} is not ours: ${lease.reason}`);
    }
    watch.phase('state');
    const trace = d.ocppTrace?.({ stationId: entry.stationId, chargerId: identified.chargerId, codec: session.codecName });
    let engine: StationEngine;
    try {
      if (d.stationDefaults !== undefined) await presetDeviceModel(store, entry.stationId, capabilities, d.stationDefaults, security.profile);
      engine = await StationEngine.create({
        ...engineOptions(entry, d.config, identified, security),
        csmsTls: d.pems,
        capabilities,
        store,
        charger,
        log: engineLog,
        ...(trace !== undefined ? { ocppTrace: trace } : {}),
        diagnostics: d.diagnostics.source(entry.stationId),
        onCallLatency: (action, ms) => d.metrics.callDone(action, ms / 1000),
        onRecordHeld: (reason) => d.metrics.recordHeld(reason),
        onCallError: (direction, action, code) => d.metrics.callError(direction, action, code),
        onOcppConnection: () => d.csms.connection(),
        onOcppFailure: (failure, wasOpen) => {
          d.metrics.ocppFailure(failure, wasOpen);
          d.csms.failed(entry.stationId, failure);
        },
        ...d.shared,
      });
    } catch (err) {
      await ownership.release(lease.lease, 'engine failed');
      throw err;
    }
    if (gone()) {
      await engine.stop();
      await ownership.release(lease.lease, 'charger gone before the engine started');
      return 'charger gone before the engine started';
    }
    const held = ownership.hold(lease.lease, {
      ended: () => session.state === 'closed',
      consider: (claim) => d.guard.considerTakeover({ codec: session.codecName, chargerId: identified.chargerId, entry, session }, claim),
      stop: async (reason) => {
        if (d.stations.get(entry.stationId)?.engine === engine) d.stations.delete(entry.stationId);
        engineLog('info', 'station ended by its ownership lease: charger and OCPP connections closed', { reason });
        session.close(reason);
        await engine.eventsHandled().catch(() => undefined);
        await engine.stop();
      },
    });
    if (!held) {
      await engine.stop();
      throw new Error(`station ${entry.stationId}: ownership lease lost while its engine was starting`);
    }
    d.stations.set(entry.stationId, { session, engine, startedAt: Date.now() });
    this.accepted += 1;
    engine.start();
    engineLog('info', 'station engine started', { csmsUrl: entry.csmsUrl ?? d.config.csms.url, instanceId: ownership.instanceId });
    return engine;
  }

  /**
   * A station whose charger connection is gone: its engine stops (`ChargerSession.close` began
   * that) and a new connection of the station waits for it (see `start`). An engine the
   * connection left running (the gateway is stopping) is the gateway's to flush and stop.
   */
  retire(id: string, station: Station): void {
    if (this.d.stations.get(id) === station) this.d.stations.delete(id);
    const stopped = station.session.engineStopped;
    if (stopped === undefined) return;
    this.retiring.set(id, stopped);
    void stopped.then(() => {
      if (this.retiring.get(id) === stopped) this.retiring.delete(id);
    });
  }
}
