/**
 * The transactional path with the Redis store (issue: station engine II): TransactionEvents per
 * second through the durable queue (produced, persisted, delivered to a sink CSMS and removed),
 * and the time to drain 10,000 queued events after a reconnect. A redis-server with AOF
 * (`appendfsync always`) is started for the run, as the tests do.
 */
import { capabilitiesOf } from '../codecs/iec104-points/session.js';
import { PointTable } from '../codecs/iec104-points/points.js';
import { loadMappingFile } from '../codecs/iec104-points/load-mapping.js';
import { findPackageFile } from '../src/config/read.js';
import type { ChargerEvent } from '../src/model/events.js';
import { StationEngine } from '../src/station/engine.js';
import { RedisStore } from '../src/store/redis.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { fmt } from './harness.js';
import type { Row } from './iec104.js';
import { startSinkCsms } from './support/sink-csms.js';

const PASSWORD = 'bench-password-0001';

export async function benchTransactions(): Promise<Row[]> {
  const mapping = loadMappingFile(findPackageFile(import.meta.url, 'mappings/iec104-points/example-dc-2gun.yaml'));
  const capabilities = capabilitiesOf(mapping, new PointTable(mapping));
  const redis = await startRedisServer();
  const sink = await startSinkCsms();
  const stores: RedisStore[] = [];
  const engines: StationEngine[] = [];
  const engine = async (id: string, url: string): Promise<StationEngine> => {
    const store = new RedisStore(redis.url);
    stores.push(store);
    const e = await StationEngine.create({
      id,
      csmsUrl: url,
      security: { profile: 1, password: PASSWORD },
      identity: { vendor: 'Bench', model: 'BENCH' },
      capabilities,
      store,
      charger: { send: () => ({ status: 'sent' }) },
    });
    engines.push(e);
    return e;
  };
  /** One session of `n` events on connector 1: Started, n-2 periodic Updated, Ended. */
  const session = (e: StationEngine, n: number, tag: string): void => {
    const t0 = Date.UTC(2026, 0, 1);
    const at = (s: number): string => new Date(t0 + s * 1000).toISOString();
    e.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: tag, meterStartWh: 0, at: at(0) });
    for (let i = 1; i <= n - 2; i++) {
      const m: ChargerEvent = {
        type: 'measurements',
        connector: 1,
        at: at(i * 61),
        values: [
          { measurand: 'energy', value: i * 100 },
          { measurand: 'power', value: 7000 },
        ],
      };
      e.chargerEvent(m);
    }
    e.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: tag, meterStopWh: n * 100, at: at(n * 61), reason: 'local' });
  };
  const rows: Row[] = [];
  try {
    const url = `ws://127.0.0.1:${sink.port}/ocpp`;
    // 1. Throughput: 20 stations online, each with a session of 500 events.
    const stations = await Promise.all(Array.from({ length: 20 }, (_, i) => engine(`BENCH-TX-${i}`, url)));
    for (const s of stations) s.start();
    const t0 = Date.now();
    while (stations.some((s) => s.bootState !== 'accepted')) {
      if (Date.now() - t0 > 20_000) throw new Error('stations did not boot');
      await new Promise((r) => setTimeout(r, 10));
    }
    const start = performance.now();
    stations.forEach((s, i) => session(s, 500, `BENCH-${i}`));
    await Promise.all(stations.map((s) => s.settled()));
    const seconds = (performance.now() - start) / 1000;
    const events = 20 * 500;
    rows.push({ name: 'TransactionEvents through the Redis-backed durable queue, 20 stations, delivered', value: `${fmt(events / seconds)} events/s (${events} in ${seconds.toFixed(2)} s)` });

    // 2. Drain: 10,000 events queued while the CSMS is unreachable, then a new engine connects.
    const offline = await engine('BENCH-DRAIN', 'ws://127.0.0.1:9/ocpp');
    const q0 = performance.now();
    session(offline, 10_000, 'BENCH-DRAIN');
    await offline.eventsHandled();
    const queueSeconds = (performance.now() - q0) / 1000;
    const queued = await offline.queuedTransactionEvents();
    if (queued !== 10_000) throw new Error(`expected 10,000 queued events, found ${queued}`);
    await offline.stop();
    rows.push({ name: 'TransactionEvents produced and persisted while offline (Redis, AOF always)', value: `${fmt(10_000 / queueSeconds)} events/s (10,000 in ${queueSeconds.toFixed(2)} s)` });
    const online = await engine('BENCH-DRAIN', url);
    const d0 = performance.now();
    online.start();
    await online.settled();
    while ((await online.queuedTransactionEvents()) > 0) await new Promise((r) => setTimeout(r, 10));
    const drainSeconds = (performance.now() - d0) / 1000;
    rows.push({ name: 'drain 10,000 queued TransactionEvents after a reconnect (boot included)', value: `${drainSeconds.toFixed(2)} s (${fmt(10_000 / drainSeconds)} events/s)` });
  } finally {
    for (const e of engines) await e.stop().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await sink.close();
    await redis.dispose();
  }
  return rows;
}
