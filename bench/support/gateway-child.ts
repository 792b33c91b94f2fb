/**
 * The gateway under test, alone in its process so that its CPU time and memory are its own: one
 * IEC 104 listener (the DC two-gun example mapping), unknown chargers auto-provisioned, the memory
 * store, pino at `info` into /dev/null. Driven by `bench/gateway.ts` over IPC (see `child.ts`):
 * `start` -> listener port, `usage` -> CPU and memory figures, `snapshot` -> a heap snapshot file, `stop`.
 */
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { destination } from 'pino';
import { findPackageFile } from '../../src/config/read.js';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { collectGarbage, isForkedEntry, serveParent, sharedNow } from './child.js';
import { BENCH_MAPPING } from './load-chargers.js';

export interface GatewayStartArgs {
  readonly csmsUrl: string;
  /** Device-model presets of every station (`Component.Variable` -> value). */
  readonly stationDefaults: Readonly<Record<string, string>>;
  readonly logLevel?: string;
  /** Where the gateway's log goes; default /dev/null. */
  readonly logFile?: string;
}

export interface GatewayUsage {
  /** `sharedNow()` when sampled. */
  readonly at: number;
  /** process.cpuUsage(), µs. */
  readonly userUs: number;
  readonly systemUs: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Includes arrayBuffers (Buffers). */
  readonly external: number;
  readonly stations: number;
  /** Event-loop delay since the previous `usage` with `reset`, ms. */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Garbage-collection pauses since the previous `usage` with `reset`. */
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number; readonly major: number; readonly majorMaxMs: number; readonly minorMaxMs: number };
}

let gateway: Gateway | undefined;
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
const NO_PAUSES = { count: 0, totalMs: 0, maxMs: 0, major: 0, majorMaxMs: 0, minorMaxMs: 0 };
const pauses = { ...NO_PAUSES };
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    pauses.count += 1;
    pauses.totalMs += e.duration;
    pauses.maxMs = Math.max(pauses.maxMs, e.duration);
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
      pauses.major += 1;
      pauses.majorMaxMs = Math.max(pauses.majorMaxMs, e.duration);
    } else if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
      pauses.minorMaxMs = Math.max(pauses.minorMaxMs, e.duration);
    }
  }
});

async function start(args: GatewayStartArgs): Promise<{ port: number }> {
  const mapping = findPackageFile(import.meta.url, BENCH_MAPPING);
  const text = JSON.stringify({
    listeners: [{ port: 0, host: '127.0.0.1', codec: 'iec104-points', mapping }],
    csms: { url: args.csmsUrl },
    stations: { unknownChargers: 'provision', defaults: { password: 'bench-password-0123456789' } },
    store: 'memory',
    http: { port: 0, host: '127.0.0.1' },
    log: { level: args.logLevel ?? 'info' },
    // Every simulated charger dials from 127.0.0.1: no per-address limit.
    connections: { maxPerAddress: 0 },
  });
  const config = parseGatewayConfig(text, '<bench>', {});
  gateway = new Gateway(config, { destination: destination({ dest: args.logFile ?? '/dev/null', sync: false }), stationDefaults: args.stationDefaults });
  await gateway.start();
  loopDelay.enable();
  gcObserver.observe({ entryTypes: ['gc'] });
  const port = gateway.ports[0];
  if (port === undefined) throw new Error('gateway has no listener');
  return { port };
}

function usage(args: { gc?: boolean; reset?: boolean } | undefined): GatewayUsage {
  if (args?.gc === true) collectGarbage();
  const cpu = process.cpuUsage();
  const m = process.memoryUsage();
  const ms = (ns: number): number => ns / 1e6;
  const delay = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  const gc = { ...pauses };
  if (args?.reset === true) {
    loopDelay.reset();
    Object.assign(pauses, NO_PAUSES);
  }
  return {
    loopDelay: delay,
    gc,
    at: sharedNow(),
    userUs: cpu.user,
    systemUs: cpu.system,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    stations: gateway?.stationIds.length ?? 0,
  };
}

async function stop(): Promise<void> {
  loopDelay.disable();
  gcObserver.disconnect();
  await gateway?.stop();
  gateway = undefined;
}

if (isForkedEntry(import.meta.url)) {
  serveParent({ start, usage, stop, snapshot: (args: { file: string }) => writeHeapSnapshot(args.file) }, stop);
}
