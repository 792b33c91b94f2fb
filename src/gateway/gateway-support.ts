/** Small helpers of the gateway runtime: how long it waits, device-model presets, a station's engine settings, the metrics' view. */
import { boundedWait } from '../core/bounded-wait.js';
import type { Capabilities } from '../model/capabilities.js';
import type { IdentifiedEvent } from '../model/events.js';
import type { SecurityProfileConfig } from '../ocpp/client.js';
import type { StationEngine, StationEngineOptions } from '../station/engine.js';
import { queuedAtOf, TX_QUEUE } from '../station/transactions/tx-queue.js';
import type { StateStore } from '../store/state-store.js';
import type { GatewayConfig, StationEntry } from './config.js';
import type { Logger } from 'pino';
import type { IgnoredReason, LoginRefusal } from '../../codecs/codec.js';
import type { SessionObserver } from './charger-session.js';
import type { HoldReason } from './held.js';
import type { GatewayMetrics } from './metrics.js';
import type { ChargerState, GatewayState, QueueDepth } from './metrics-state.js';

/** What `/metrics` reads of a gateway at scrape time. */
export function gatewayState(g: {
  readonly sessions: ReadonlySet<{ readonly state: string; readonly codecName: string; readonly station: StationEngine | undefined }>;
  /** Connections whose listener still weighs their first bytes. */
  readonly detecting: () => number;
  readonly stations: ReadonlyMap<string, { readonly engine: StationEngine }>;
  readonly store: () => StateStore | undefined;
  readonly started: () => number;
  readonly held: () => ReadonlyMap<HoldReason, number>;
  readonly storeReachable: () => boolean;
  readonly ready: () => boolean;
}): GatewayState {
  const lastRead = new Map<string, QueueDepth>();
  const reading = new Map<string, Promise<QueueDepth>>();
  return {
    chargersByCodec: () => {
      const by = new Map<string, number>();
      for (const s of g.sessions) if (s.state !== 'closed') by.set(s.codecName, (by.get(s.codecName) ?? 0) + 1);
      return by;
    },
    chargersByState: () => {
      const by = new Map<ChargerState, number>([['detecting', g.detecting()]]);
      for (const s of g.sessions) {
        const state = chargerState(s.state, s.station);
        if (state !== undefined) by.set(state, (by.get(state) ?? 0) + 1);
      }
      return by;
    },
    held: g.held,
    ocppConnectionsOpen: () => [...g.stations.values()].filter((s) => s.engine.connectionState === 'open').length,
    stations: () => g.stations.size,
    queues: () => {
      for (const id of lastRead.keys()) if (!g.stations.has(id)) lastRead.delete(id);
      // While the store is unreachable nothing is asked: the client would hold every command until
      // Redis is back, a scrape's worth per station each time.
      if (!g.storeReachable()) return Promise.resolve([...g.stations.keys()].map((id) => lastRead.get(id) ?? { station: id, size: 0 }));
      return Promise.all([...g.stations.keys()].map((id) => queueDepth(g.store(), id, lastRead, reading)));
    },
    stationsStarted: g.started,
    storeReachable: g.storeReachable,
    ready: g.ready,
    now: () => Date.now(),
  };
}

/** A charger connection's link state (undefined once closed). */
function chargerState(session: string, engine: StationEngine | undefined): ChargerState | undefined {
  if (session === 'connected') return 'awaiting_login';
  if (session === 'identified' || (session === 'running' && engine === undefined)) return 'starting';
  if (session !== 'running' || engine === undefined) return undefined;
  if (engine.connectionState !== 'open') return 'csms_offline';
  return engine.bootState === 'accepted' ? 'online' : 'booting';
}

/**
 * A station's queue: its size and its oldest entry. The store waits for Redis during an outage:
 * a station whose queue does not come within the bound shows what the store last answered for it
 * (`lastRead`; empty if never), so the scrape stays prompt and an outage does not read as an empty
 * queue.
 */
async function queueDepth(store: StateStore | undefined, station: string, lastRead: Map<string, QueueDepth>, reading: Map<string, Promise<QueueDepth>>): Promise<QueueDepth> {
  if (store === undefined) return { station, size: 0 };
  // One read per station at a time: a slow answer is shared by the scrapes that come meanwhile.
  const read =
    reading.get(station) ??
    Promise.all([store.size(station, TX_QUEUE), store.peek(station, TX_QUEUE, 1)])
      .then(([size, head]) => {
        const oldestAt = head[0] !== undefined ? queuedAtOf(head[0].item) : undefined;
        const depth: QueueDepth = { station, size, ...(oldestAt !== undefined ? { oldestAt } : {}) };
        lastRead.set(station, depth);
        return depth;
      })
      .finally(() => reading.delete(station));
  reading.set(station, read);
  const known = (): QueueDepth => lastRead.get(station) ?? { station, size: 0 };
  return boundedWait(read.catch(known), METRICS_STORE_TIMEOUT_MS, known);
}

/** Resolves once the engine's OCPP connection is not open (checked every 100 ms). */
export function offline(engine: StationEngine): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (engine.connectionState !== 'open') resolve();
      else setTimeout(check, 100).unref();
    };
    check();
  });
}

/**
 * How long a charger's new connection waits for the engine of its previous one to stop. That stop
 * is bounded (charger events, the security-event flush and the OCPP close handshake each have
 * their own limit); this bound only keeps a stop that hangs regardless from blocking the station.
 */
export const RETIRE_WAIT_MS = 15_000;

/** How long `/metrics` waits for the store's queue sizes. */
const METRICS_STORE_TIMEOUT_MS = 500;

/** Persists device-model values for a station before its engine loads them (e.g. retry timing). */
export async function presetDeviceModel(store: StateStore, id: string, capabilities: Capabilities, values: Readonly<Record<string, string>>, profile: 1 | 2 | 3): Promise<void> {
  const { DeviceModel } = await import('../station/device-model/device-model.js');
  const dm = await DeviceModel.load({ store, capabilities, config: { identity: id, securityProfile: profile } });
  await dm.set(
    Object.entries(values).map(([path, attributeValue]) => {
      const [component = '', variable = ''] = path.split('.');
      const [name = '', instance] = variable.split('#');
      return { component: { name: component }, variable: { name, ...(instance !== undefined ? { instance } : {}) }, attributeValue };
    }),
  );
}

/**
 * How a station connects to the CSMS: its registry entry over the gateway's defaults. Undefined when
 * the profile needs a password and none is configured.
 */
export function stationSecurity(entry: StationEntry, config: GatewayConfig, pems: { ca?: string; cert?: string; key?: string }): SecurityProfileConfig | undefined {
  const profile = entry.securityProfile ?? config.csms.securityProfile;
  const password = entry.password ?? config.stations.defaults.password;
  const { ca = '', cert = '', key = '' } = pems;
  if (profile === 3) return { profile, ca, cert, key };
  if (password === undefined) return undefined;
  return profile === 1 ? { profile, password } : { profile, password, ca };
}

/** The engine settings a station takes from its registry entry, the configuration and its charger's identification. */
export function engineOptions(
  entry: StationEntry & { stationId: string },
  config: GatewayConfig,
  identified: IdentifiedEvent,
  security: SecurityProfileConfig,
): Pick<StationEngineOptions, 'id' | 'csmsUrl' | 'security' | 'identity' | 'alignedSpreadMs'> {
  return {
    id: entry.stationId,
    csmsUrl: entry.csmsUrl ?? config.csms.url,
    security,
    // The registry entry names the maker and model where the charger's protocol does not (YKC).
    identity: {
      vendor: entry.vendor ?? identified.vendor ?? 'unknown',
      model: entry.model ?? identified.model ?? 'unknown',
      ...(identified.serial !== undefined ? { serialNumber: identified.serial } : {}),
      ...(identified.firmware !== undefined ? { firmwareVersion: identified.firmware } : {}),
      ...(identified.iccid !== undefined ? { iccid: identified.iccid } : {}),
    },
    // Every station shares the clock-aligned boundaries: spread their meter values over 2 s.
    alignedSpreadMs: 2_000,
  };
}

/** A charger connection's observer: its frames, bad frames, ignored input and closing, counted. */
export function sessionObserver(metrics: GatewayMetrics, codec: string, ignored: (reason: IgnoredReason) => void, loginRefused: (reason: LoginRefusal, detail: string) => void): SessionObserver {
  return {
    frameReceived: () => metrics.frame(codec, 'in'),
    sent: () => metrics.frame(codec, 'out'),
    badFrame: (code) => metrics.decodeError(code),
    ignored,
    closed: (reason) => metrics.disconnected(reason),
    loginRefused,
  };
}

/** The gateway stops: says how many TransactionEvents are still queued, and what becomes of them. */
export async function warnQueuedAtStop(engines: Iterable<StationEngine>, durable: boolean, drainTimeoutMs: number, log: Logger): Promise<void> {
  const left = (
    await boundedWait(
      Promise.all([...engines].map((e) => e.queuedTransactionEvents())).catch((): number[] => []),
      METRICS_STORE_TIMEOUT_MS,
      (): number[] => [],
    )
  ).reduce((a, b) => a + b, 0);
  if (left === 0) return;
  const fate = durable ? 'they stay in the store and are sent when the station connects again' : 'the memory store loses them';
  log.warn({ drainTimeoutMs, queued: left }, `stopping with TransactionEvents still queued: ${fate}`);
}
