/**
 * OCPP-J stations at scale (issue acceptance): 1,000 stations in this process, each an
 * `OcppConnection` (profile 1, ws://) wired to an `RpcEndpoint`, against a local sink CSMS.
 * Targets: >= 10,000 validated CALL/CALLRESULT round trips per second over all stations, and
 * <= 64 KiB per idle connected station without TLS.
 *
 * Two runs: first with the sink CSMS in a child process (so the memory delta is the gateway's
 * alone: the target row), then with the sink in this process (so both sides share one thread: the
 * throughput target row). Each run connects its stations once, measures them idle, then drives them.
 * Memory is the growth of heapUsed + external after forced collections. RSS is not used: after the
 * other benchmarks (and in the second run) new sockets reuse resident pages, so its delta is noise.
 * Not single-threaded like the other rows: the kernel's loopback TCP and, in the first run, the
 * sink process use the second core.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OcppConnection } from '../src/ocpp/client.js';
import { RpcEndpoint } from '../src/ocpp/rpc.js';
import { ocppTimestamp } from '../src/ocpp/schemas.js';
import { fmt } from './harness.js';
import type { Row } from './iec104.js';
import { forkSinkCsms, startSinkCsms, type SinkCsms } from './support/sink-csms.js';

const STATIONS = 1000;
const BATCH = 100;
const CONNECT_TIMEOUT_MS = 30_000;
const WARMUP_MS = 1000;
const MEASURE_MS = 5000;
const TARGET_ROUND_TRIPS = 10_000;
const TARGET_KIB_PER_STATION = 64;

interface Station {
  readonly conn: OcppConnection;
  readonly rpc: RpcEndpoint;
  readonly opened: Promise<void>;
}

/** Per-call latencies of the measured window (the endpoint's `onCallLatency`). */
const latency = { recording: false, n: 0, ms: new Float64Array(1 << 20) };

function record(ms: number): void {
  if (latency.recording && latency.n < latency.ms.length) latency.ms[latency.n++] = ms;
}

function makeStation(url: string, index: number): Station {
  const rpc = new RpcEndpoint({ onCallLatency: (_action, ms) => record(ms) });
  let markOpen: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpen = resolve));
  const conn = new OcppConnection({
    identity: `BENCH${String(index).padStart(4, '0')}`,
    url,
    security: { profile: 1, password: 'bench-password-0123456789' },
    retryBackOff: { waitMinimumS: 1, randomRangeS: 1, repeatTimes: 2 },
    pingIntervalS: 0,
    handshakeTimeoutMs: 10_000,
    log: () => undefined,
    onOpen: (transport) => {
      rpc.attach(transport);
      markOpen();
    },
    onMessage: (text) => rpc.receive(text),
    onClose: () => rpc.detach('socket closed'),
  });
  return { conn, rpc, opened };
}

/** Resolves with `p`, or with 'timeout' after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, ms))));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens `count` stations (identities from `first`) in batches of BATCH, pushing each into
 * `stations` (so the caller can stop them even on failure). Returns the time taken in ms.
 * @throws Error when they are not all open within CONNECT_TIMEOUT_MS.
 */
async function connectAll(url: string, first: number, count: number, stations: Station[]): Promise<number> {
  const t0 = performance.now();
  for (let at = 0; at < count; at += BATCH) {
    const batch: Promise<void>[] = [];
    for (let i = at; i < Math.min(count, at + BATCH); i++) {
      const station = makeStation(url, first + i);
      stations.push(station);
      station.conn.start();
      batch.push(station.opened);
    }
    if ((await within(Promise.all(batch), t0 + CONNECT_TIMEOUT_MS - performance.now())) === 'timeout') {
      const open = stations.filter((s) => s.conn.state === 'open').length;
      const failure = stations.find((s) => s.conn.lastFailure !== undefined)?.conn.lastFailure;
      throw new Error(`only ${open} of ${count} stations connected within ${CONNECT_TIMEOUT_MS} ms` + (failure === undefined ? '' : ` (e.g. ${failure.kind}: ${failure.message})`));
    }
  }
  return performance.now() - t0;
}

async function stopAll(stations: readonly Station[]): Promise<void> {
  await Promise.all(stations.map((s) => s.conn.stop()));
  for (const s of stations) s.rpc.dispose();
}

/** `global.gc` when node runs with --expose-gc, else the same function obtained at run time. */
function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Live memory after full collections: heapUsed + external (`external` already includes
 * `arrayBuffers`, i.e. all Buffers, so adding `arrayBuffers` again would count them twice).
 */
async function settledFootprint(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Every station calls back to back (one CALL in flight per station, by protocol), alternating
 * Heartbeat {} and StatusNotification; both requests and responses pass schema validation.
 */
async function roundTrips(stations: readonly Station[]): Promise<{ perSec: number; p50: number; p99: number }> {
  let running = true;
  let completed = 0;
  const drive = async (rpc: RpcEndpoint, connectorId: number): Promise<void> => {
    for (let odd = false; running; odd = !odd) {
      if (odd) {
        await rpc.call('StatusNotification', {
          timestamp: ocppTimestamp(Date.now()),
          connectorStatus: 'Available',
          evseId: 1,
          connectorId,
        });
      } else {
        await rpc.call('Heartbeat', {});
      }
      if (latency.recording) completed++;
    }
  };
  const loops = Promise.all(stations.map((s, i) => drive(s.rpc, 1 + (i % 2))));
  const run = async (): Promise<number> => {
    await sleep(WARMUP_MS);
    latency.n = 0;
    latency.recording = true;
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    latency.recording = false;
    const seconds = (performance.now() - t0) / 1000;
    running = false;
    return seconds;
  };
  const [seconds] = await Promise.all([run(), loops]);
  const sorted = latency.ms.slice(0, latency.n).sort();
  const pct = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  for (const s of stations) {
    const c = s.rpc.counters;
    if (c.callErrors + c.invalidResponses + c.callTimeouts + c.unmatchedReplies > 0) {
      throw new Error(`${s.conn.identity}: unexpected RPC outcome ${JSON.stringify(c)}`);
    }
  }
  return { perSec: completed / seconds, p50: pct(0.5), p99: pct(0.99) };
}

interface RunResult {
  connectMs: number;
  kibPerStation: number;
  perSec: number;
  p50: number;
  p99: number;
}

/** Connects STATIONS stations to `sink`, measures them idle, then under round-trip load. */
async function runAgainst(sink: SinkCsms, first: number, gc: () => void): Promise<RunResult> {
  const url = `ws://127.0.0.1:${sink.port}/ocpp`;
  const stations: Station[] = [];
  try {
    // Warm-up: load and compile the connect, call and close paths (and the two validators) so
    // that one-time costs land in the baseline, not in the per-station figure.
    const warm: Station[] = [];
    await connectAll(url, first, 10, warm);
    await Promise.all(warm.map((s) => s.rpc.call('Heartbeat', {})));
    await stopAll(warm);
    const before = await settledFootprint(gc);
    const connectMs = await connectAll(url, first, STATIONS, stations);
    await sleep(200); // let handshake leftovers become garbage
    const after = await settledFootprint(gc);
    const rt = await roundTrips(stations);
    return {
      connectMs,
      kibPerStation: (after - before) / STATIONS / 1024,
      ...rt,
    };
  } finally {
    await stopAll(stations);
  }
}

export async function benchOcpp(): Promise<Row[]> {
  const gc = gcFunction();
  const child = await forkSinkCsms();
  let apart: RunResult;
  try {
    apart = await runAgainst(child, 1, gc);
  } finally {
    await child.close();
  }
  const local = await startSinkCsms();
  let shared: RunResult;
  try {
    shared = await runAgainst(local, 1 + STATIONS, gc);
  } finally {
    await local.close();
  }

  const n = STATIONS.toLocaleString('en');
  const trips = (r: RunResult): string => `${fmt(r.perSec)} round trips/s (latency p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms)`;
  const connected = (r: RunResult): string => `${n} connected in ${(r.connectMs / 1000).toFixed(1)} s`;
  return [
    {
      name: `OCPP validated CALL/CALLRESULT round trips, ${n} stations, sink CSMS in-process`,
      value: trips(shared),
      target: `>= ${fmt(TARGET_ROUND_TRIPS)} round trips/s`,
      met: shared.perSec >= TARGET_ROUND_TRIPS,
    },
    { name: `OCPP round trips, same, sink CSMS in a child process`, value: trips(apart) },
    {
      name: `OCPP memory per idle connected station, no TLS (gateway only)`,
      value: `${apart.kibPerStation.toFixed(1)} KiB heap+external (${connected(apart)})`,
      target: `<= ${TARGET_KIB_PER_STATION} KiB`,
      met: apart.kibPerStation <= TARGET_KIB_PER_STATION,
    },
    {
      name: `OCPP memory per idle station, gateway + in-process sink side`,
      value: `${shared.kibPerStation.toFixed(1)} KiB heap+external (${connected(shared)})`,
    },
  ];
}
