/**
 * The gateway end to end (issue: the gateway, acceptance): N simulated IEC 104 chargers (default
 * 5,000; `PILEGATE_BENCH_CHARGERS`) of the two-gun DC example mapping, every gun charging, meter
 * data every 10 s and the link's own keep-alive (S-frames, TESTFR on t3), through one gateway
 * process to a sink CSMS (BootNotification interval 300 s, so OCPP Heartbeats at their usual
 * pace). Targets: latency from charger frame to CSMS p99 <= 50 ms, <= 100 KiB per charger. The
 * per-charger memory figure is meant for large N: below ~1,000 chargers RSS noise dominates it.
 *
 * Chargers dial from many loopback addresses (127.1.x.y, 40 each), as a fleet dials from many
 * hosts: the gateway limits connections per source address.
 *
 * Three processes besides this one would blur the figures, so: the gateway alone in a child
 * (its CPU time and memory are read there), the chargers in a second child
 * (`support/load-chargers.ts`), the sink CSMS in this process. Chargers connect at 250/s; once
 * every one is booted and has its two transactions started, the run settles for 5 s and then
 * measures a steady window (60 s; `PILEGATE_BENCH_WINDOW_S`).
 *
 * Latency: each energy-register frame carries a value unique per charger, step and gun; the
 * charger process notes the time it wrote it, this process the time the TransactionEvent carrying
 * that value arrived, both on `performance.timeOrigin + performance.now()` (one machine, one
 * clock). The stations run with TxUpdatedInterval 1 s and TxUpdatedMeasurands = the energy
 * register, so every register frame becomes one TransactionEvent(Updated).
 *
 * Memory per charger: growth of the gateway's RSS (and of heap + external, after full
 * collections) from a warmed-up gateway without chargers to the end of the window, divided by N.
 *
 * `PILEGATE_BENCH_DUMP=<file.csv>` writes every timed frame of the window (charger, send time in
 * the window, latency) for a closer look at the tail; `PILEGATE_BENCH_HEAP_SNAPSHOT=<file>` has
 * the gateway write a heap snapshot at the end (what a charger costs, by constructor);
 * `PILEGATE_BENCH_GATEWAY_LOG=<file>` keeps the gateway's log (default /dev/null);
 * `PILEGATE_BENCH_GATEWAY_NODE_ARGS="--flag ..."` runs the gateway with extra node flags.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Row } from './iec104.js';
import { forkBenchChild, siblingModule, type BenchChild } from './support/child.js';
import type { GatewayStartArgs, GatewayUsage } from './support/gateway-child.js';
import { BASE_COUNT, MAX_STEPS, type OpenArgs, type OpenResult } from './support/load-chargers.js';
import { startSinkCsms, type SinkCsms } from './support/sink-csms.js';

const CHARGERS = envInt('PILEGATE_BENCH_CHARGERS', 5000, 1, 60_000);
const WINDOW_S = envInt('PILEGATE_BENCH_WINDOW_S', 60, 5, 3600);
const RATE_PER_S = 250;
const METER_MS = 10_000;
const SETTLE_MS = 5_000;
const WARM_CHARGERS = 5;
/** Common addresses: warm-up chargers first, then the measured ones. */
const WARM_CA = 60_001;
const FIRST_CA = 1;
/** The mapping's identity template is `EXDC{ca}`. */
const IDENTITY = /^EXDC(\d+)$/;
const TARGET_P99_MS = 50;
const TARGET_KIB = 100;

const STATION_DEFAULTS: GatewayStartArgs['stationDefaults'] = {
  'SampledDataCtrlr.TxUpdatedInterval': '1',
  'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register',
};

function envInt(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/** What the sink CSMS saw. */
class Arrivals {
  readonly at: Float64Array;
  boots = 0;
  started = 0;
  warmUpdated = 0;
  /** Wh per energy-register count (the chargers' mapping says). */
  whPerCount = 1;
  updated = 0;
  calls = 0;

  constructor(readonly n: number) {
    this.at = new Float64Array(n * MAX_STEPS * 2);
  }

  onCall(identity: string, action: string, payload: unknown, arrivedAt: number): void {
    this.calls += 1;
    const m = IDENTITY.exec(identity);
    const ca = m === null ? -1 : Number(m[1]);
    const measured = ca >= FIRST_CA && ca < FIRST_CA + this.n;
    if (action === 'BootNotification') {
      if (measured) this.boots += 1;
      return;
    }
    if (action !== 'TransactionEvent') return;
    const tx = payload as { eventType?: string; meterValue?: { sampledValue?: { value?: number; measurand?: string }[] }[] };
    if (tx.eventType === 'Started') {
      if (measured) this.started += 1;
      return;
    }
    if (tx.eventType !== 'Updated') return;
    if (!measured) {
      this.warmUpdated += 1;
      return;
    }
    this.updated += 1;
    for (const mv of tx.meterValue ?? []) {
      for (const sv of mv.sampledValue ?? []) {
        if (sv.measurand !== 'Energy.Active.Import.Register' || sv.value === undefined) continue;
        const count = Math.round(sv.value / this.whPerCount) - BASE_COUNT;
        if (count < 0) continue; // a start-up reading, never timed
        const step = Math.floor(count / 2);
        if (step >= MAX_STEPS) continue;
        const slot = ((ca - FIRST_CA) * MAX_STEPS + step) * 2 + (count % 2);
        if (this.at[slot] === 0) this.at[slot] = arrivedAt;
      }
    }
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number, progress: () => string): Promise<number> {
  const t0 = performance.now();
  while (!condition()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`gateway bench: ${what} not reached within ${(timeoutMs / 1000).toFixed(0)} s (${progress()})`);
    await sleep(100);
  }
  return performance.now() - t0;
}

/** The soft limit on open files, from /proc (Linux); undefined elsewhere. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

interface Figures {
  readonly connectS: number;
  readonly bootedS: number;
  readonly latencies: Float64Array;
  readonly lost: number;
  readonly cpuPct: number;
  readonly windowS: number;
  readonly rssKib: number;
  readonly heapKib: number;
  readonly rssTotalMib: number;
  readonly txPerS: number;
  /** The gateway's, over the window. */
  readonly loopDelay: GatewayUsage['loopDelay'];
  readonly gc: GatewayUsage['gc'];
  readonly sinkLoopMaxMs: number;
  /** 1-minute load average at the end of the window: other work on the machine shows in the tail. */
  readonly load: number;
}

async function run(sink: SinkCsms, arrivals: Arrivals, gateway: BenchChild, chargers: BenchChild): Promise<Figures> {
  const n = arrivals.n;
  const log = process.env['PILEGATE_BENCH_GATEWAY_LOG'];
  const logFile = log !== undefined && log !== '' ? { logFile: log } : {};
  const { port } = await gateway.request<{ port: number }>('start', { csmsUrl: `ws://127.0.0.1:${sink.port}/ocpp`, stationDefaults: STATION_DEFAULTS, ...logFile } satisfies GatewayStartArgs);
  const open = (a: Omit<OpenArgs, 'host' | 'port'>): Promise<OpenResult> => chargers.request<OpenResult>('open', { host: '127.0.0.1', port, ...a } satisfies OpenArgs);

  // Warm-up: a few chargers through boot, transactions and meter updates, so that compiled code,
  // schema validators and pools land in the baseline, not in the per-charger figure.
  arrivals.whPerCount = (await open({ firstCa: WARM_CA, count: WARM_CHARGERS, ratePerSec: RATE_PER_S, meterMs: 500 })).whPerCount;
  await waitFor(
    'warm-up meter updates',
    () => arrivals.warmUpdated >= 4 * WARM_CHARGERS,
    60_000,
    () => `${arrivals.warmUpdated} updates`,
  );
  await chargers.request('close', { firstCa: WARM_CA, count: WARM_CHARGERS });
  await sleep(1000);
  const baseline = await gateway.request<GatewayUsage>('usage', { gc: true });

  const opened = await open({ firstCa: FIRST_CA, count: n, ratePerSec: RATE_PER_S, meterMs: METER_MS, recordFrom: FIRST_CA });
  if (opened.failed > 0) throw new Error(`gateway bench: ${opened.failed} of ${n} chargers could not connect (${opened.firstError ?? '?'})`);
  const bootMs = await waitFor(
    'every charger booted with both transactions started',
    () => arrivals.boots >= n && arrivals.started >= 2 * n,
    60_000,
    () => `${arrivals.boots} boots, ${arrivals.started} of ${2 * n} transactions started`,
  );
  await sleep(SETTLE_MS);

  const u0 = await gateway.request<GatewayUsage>('usage', { reset: true });
  const updated0 = arrivals.updated;
  // This process hosts the sink: a stalled loop here would show as latency that is not the gateway's.
  const sinkLoop = monitorEventLoopDelay({ resolution: 5 });
  sinkLoop.enable();
  await sleep(WINDOW_S * 1000);
  sinkLoop.disable();
  const u1 = await gateway.request<GatewayUsage>('usage', { reset: true });
  const updated1 = arrivals.updated;
  await sleep(3000); // frames sent at the end of the window are still on their way
  const end = await gateway.request<GatewayUsage>('usage', { gc: true });
  const snapshot = process.env['PILEGATE_BENCH_HEAP_SNAPSHOT'];
  if (snapshot !== undefined && snapshot !== '') await gateway.request('snapshot', { file: snapshot });

  const sends = await chargers.request<Float64Array>('sends');
  const latencies: number[] = [];
  let lost = 0;
  for (let i = 0; i < Math.min(sends.length, arrivals.at.length); i++) {
    const sent = sends[i] as number;
    if (sent < u0.at || sent > u1.at) continue;
    const got = arrivals.at[i] as number;
    if (got === 0) lost += 1;
    else latencies.push(got - sent);
  }
  const dump = process.env['PILEGATE_BENCH_DUMP'];
  if (dump !== undefined && dump !== '') {
    const rows: string[] = [];
    for (let i = 0; i < Math.min(sends.length, arrivals.at.length); i++) {
      const sent = sends[i] as number;
      if (sent >= u0.at && sent <= u1.at) rows.push(`${Math.floor(i / (MAX_STEPS * 2))},${(sent - u0.at).toFixed(3)},${((arrivals.at[i] as number) - sent).toFixed(3)}`);
    }
    writeFileSync(dump, `charger,sentMs,latencyMs\n${rows.join('\n')}\n`);
  }
  const windowS = (u1.at - u0.at) / 1000;
  const cpuUs = u1.userUs + u1.systemUs - (u0.userUs + u0.systemUs);
  return {
    connectS: opened.ms / 1000,
    bootedS: (opened.ms + bootMs) / 1000,
    latencies: Float64Array.from(latencies).sort(),
    lost,
    cpuPct: (cpuUs / 1000 / (u1.at - u0.at)) * 100,
    windowS,
    rssKib: (end.rss - baseline.rss) / n / 1024,
    heapKib: (end.heapUsed + end.external - baseline.heapUsed - baseline.external) / n / 1024,
    rssTotalMib: end.rss / 2 ** 20,
    txPerS: (updated1 - updated0) / windowS,
    loopDelay: u1.loopDelay,
    gc: u1.gc,
    sinkLoopMaxMs: sinkLoop.max / 1e6,
    load: loadavg()[0] ?? NaN,
  };
}

export async function benchGateway(): Promise<Row[]> {
  const n = CHARGERS;
  const limit = openFileLimit();
  // The gateway holds two sockets per charger, the sink and the chargers one each.
  if (limit !== undefined && limit < 2 * n + 256) {
    return [{ name: `gateway end to end, ${n.toLocaleString('en')} chargers`, value: `not run: open-file limit ${limit} < ${2 * n + 256} (raise ulimit -n)` }];
  }
  const arrivals = new Arrivals(n);
  const sink = await startSinkCsms({ onCall: (identity, action, payload, at) => arrivals.onCall(identity, action, payload, at) });
  let gateway: BenchChild | undefined;
  let chargers: BenchChild | undefined;
  let f: Figures;
  try {
    const nodeArgs = (process.env['PILEGATE_BENCH_GATEWAY_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    gateway = await forkBenchChild(siblingModule(import.meta.url, './support/gateway-child'), nodeArgs);
    chargers = await forkBenchChild(siblingModule(import.meta.url, './support/load-chargers'));
    f = await run(sink, arrivals, gateway, chargers);
  } finally {
    await chargers?.close();
    await gateway?.request('stop').catch(() => undefined);
    await gateway?.close();
    await sink.close();
  }
  const pct = (q: number): number => f.latencies[Math.min(f.latencies.length - 1, Math.floor(q * f.latencies.length))] ?? NaN;
  const p99 = pct(0.99);
  const count = n.toLocaleString('en');
  const samples = f.latencies.length;
  return [
    {
      name: `gateway end to end: ${count} IEC 104 chargers -> 1 gateway -> sink CSMS, latency frame to CSMS`,
      value: `p50 ${pct(0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, p99.9 ${pct(0.999).toFixed(1)} ms, max ${(f.latencies[samples - 1] ?? NaN).toFixed(1)} ms (${samples.toLocaleString('en')} register frames in ${f.windowS.toFixed(0)} s, ${f.lost} not delivered; load average ${f.load.toFixed(1)} on ${cpus().length} CPUs)`,
      target: `p99 <= ${TARGET_P99_MS} ms`,
      met: f.lost === 0 && p99 <= TARGET_P99_MS,
    },
    {
      name: `gateway CPU, ${count} chargers (2 guns, meter data every 10 s), steady state`,
      value: `${f.cpuPct.toFixed(1)} % of one core (${f.txPerS.toFixed(0)} TransactionEvents/s)`,
    },
    {
      name: `gateway event loop over the window (for the latency tail)`,
      value:
        `delay p50 ${f.loopDelay.p50.toFixed(1)} ms, p99 ${f.loopDelay.p99.toFixed(1)} ms, max ${f.loopDelay.max.toFixed(1)} ms; ` +
        `GC ${f.gc.count} pauses, ${f.gc.totalMs.toFixed(0)} ms in all, longest ${f.gc.maxMs.toFixed(1)} ms ` +
        `(${f.gc.major} major, longest ${f.gc.majorMaxMs.toFixed(1)} ms; longest minor ${f.gc.minorMaxMs.toFixed(1)} ms); sink process loop delay max ${f.sinkLoopMaxMs.toFixed(1)} ms`,
    },
    {
      name: `gateway memory per charger (TCP + codec session + engine + OCPP WebSocket)`,
      value: `${f.rssKib.toFixed(1)} KiB RSS, ${f.heapKib.toFixed(1)} KiB heap+external (RSS ${f.rssTotalMib.toFixed(0)} MiB in all)`,
      target: `<= ${TARGET_KIB} KiB`,
      met: f.rssKib <= TARGET_KIB,
    },
    {
      name: `gateway ramp-up, ${count} chargers at ${RATE_PER_S}/s`,
      value: `connected in ${f.connectS.toFixed(1)} s, all booted with transactions started at ${f.bootedS.toFixed(1)} s`,
    },
  ];
}

// Run alone: `node dist/bench/gateway.js` (or `npx tsx bench/gateway.ts`).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchGateway()) {
    const verdict = r.met === undefined ? '' : r.met ? `  target ${r.target}: met` : `  target ${r.target}: MISSED`;
    console.log(`${r.name}  ${r.value}${verdict}`);
  }
}
