/**
 * The gauges that mirror the gateway's state, read from it on every scrape: connections and
 * stations, charger link states, held chargers, readiness, the store's reachability, and the
 * TransactionEvent queues (read once per scrape, however many gauges show them).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { HOLD_REASONS, type HoldReason } from './held.js';

/**
 * Where a charger connection is: `detecting` (its listener weighs its first bytes), `awaiting_login`
 * (connected, not identified), `starting` (identified, its station not yet started: see
 * `pilegate_chargers_held` for those held back), `csms_offline` (its station runs without an OCPP
 * connection), `booting` (connected, the boot not Accepted), `online`.
 */
const CHARGER_STATES = ['detecting', 'awaiting_login', 'starting', 'csms_offline', 'booting', 'online'] as const;
export type ChargerState = (typeof CHARGER_STATES)[number];

/** One station's TransactionEvent queue as a scrape reads it. */
export interface QueueDepth {
  readonly station: string;
  readonly size: number;
  /** When its oldest entry was queued (epoch ms), when it has one. */
  readonly oldestAt?: number;
}

/** What the gauges read from the gateway at scrape time. */
export interface GatewayState {
  /** Open charger connections by codec name. */
  chargersByCodec(): ReadonlyMap<string, number>;
  /** Charger connections by link state. */
  chargersByState(): ReadonlyMap<ChargerState, number>;
  /** Chargers held back now, by reason. */
  held(): ReadonlyMap<HoldReason, number>;
  /** Station engines whose OCPP WebSocket is open. */
  ocppConnectionsOpen(): number;
  /** Station engines running. */
  stations(): number;
  /** The running stations' TransactionEvent queues (a station the store does not answer for in time: what it last answered, else empty). */
  queues(): Promise<readonly QueueDepth[]>;
  /** Station engines started since the gateway started. */
  stationsStarted(): number;
  storeReachable(): boolean;
  /** What `/readyz` answers now. */
  ready(): boolean;
  now(): number;
}

/** Stations shown by `station_transaction_events_queued`: the ones with the most queued. */
const TOP_QUEUES = 10;

/** Registers the gauges; call `newScrape` before each scrape so the queues are read once for it. */
export function registerStateGauges(registry: Registry, prefix: string, state: GatewayState, codecs: readonly string[]): { newScrape(): void } {
  const registers = [registry];
  let queues: Promise<readonly QueueDepth[]> | undefined;
  const read = (): Promise<readonly QueueDepth[]> => (queues ??= state.queues());
  new Gauge({
    name: `${prefix}chargers_connected`,
    help: 'Charger TCP connections open, by codec',
    labelNames: ['codec'],
    registers,
    collect() {
      this.reset();
      for (const codec of codecs) this.set({ codec }, 0);
      for (const [codec, n] of state.chargersByCodec()) this.set({ codec }, n);
    },
  });
  new Gauge({
    name: `${prefix}chargers`,
    help: 'Charger connections by link state: detecting, awaiting_login, starting (identified, no station yet), csms_offline, booting (boot not Accepted), online',
    labelNames: ['state'],
    registers,
    collect() {
      const by = state.chargersByState();
      for (const s of CHARGER_STATES) this.set({ state: s }, by.get(s) ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}chargers_held`,
    help: 'Identified chargers whose station is held back from starting, by reason (store_unreachable, ownership_lease, previous_connection, slow_start)',
    labelNames: ['reason'],
    registers,
    collect() {
      const by = state.held();
      for (const reason of HOLD_REASONS) this.set({ reason }, by.get(reason) ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}store_reachable`,
    help: 'Whether the state store answers (1) or not (0); the memory store always does',
    registers,
    collect() {
      this.set(state.storeReachable() ? 1 : 0);
    },
  });
  new Gauge({
    name: `${prefix}ready`,
    help: 'What /readyz answers: 1 ready, 0 not ready (store unreachable, CSMS unreachable past the grace period, starting or stopping)',
    registers,
    collect() {
      this.set(state.ready() ? 1 : 0);
    },
  });
  new Gauge({
    name: `${prefix}ocpp_connections_open`,
    help: 'OCPP WebSocket connections open',
    registers,
    collect() {
      this.set(state.ocppConnectionsOpen());
    },
  });
  new Gauge({
    name: `${prefix}stations`,
    help: 'Station engines running',
    registers,
    collect() {
      this.set(state.stations());
    },
  });
  new Gauge({
    name: `${prefix}transaction_events_queued`,
    help: 'TransactionEvents waiting in the queues of the running stations',
    registers,
    async collect() {
      this.set((await read()).reduce((n, q) => n + q.size, 0));
    },
  });
  new Gauge({
    name: `${prefix}station_transaction_events_queued`,
    help: `TransactionEvents queued per station, for the ${TOP_QUEUES} stations with the most (stations with none, and the rest, are not shown)`,
    labelNames: ['station'],
    registers,
    async collect() {
      this.reset();
      const top = [...(await read())].filter((q) => q.size > 0).sort((a, b) => b.size - a.size || a.station.localeCompare(b.station));
      for (const q of top.slice(0, TOP_QUEUES)) this.set({ station: q.station }, q.size);
    },
  });
  new Gauge({
    name: `${prefix}transaction_events_oldest_age_seconds`,
    help: 'How long the oldest queued TransactionEvent of the running stations has waited, in seconds (0 when none waits)',
    registers,
    async collect() {
      const oldest = Math.min(...(await read()).map((q) => (q.size > 0 ? (q.oldestAt ?? Infinity) : Infinity)));
      this.set(Number.isFinite(oldest) ? Math.max(0, (state.now() - oldest) / 1000) : 0);
    },
  });
  new Counter({
    name: `${prefix}stations_started_total`,
    help: 'Station engines started',
    registers,
    collect() {
      this.reset();
      this.inc(state.stationsStarted());
    },
  });
  return {
    newScrape() {
      queues = undefined;
    },
  };
}
