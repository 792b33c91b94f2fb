/**
 * What the capacity benchmarks share: a gateway in this process (one listener, memory store, a sink
 * CSMS in a fleet child), stepped up to each fleet size, its CPU time over a window giving its load
 * and heap + external after forced collections its memory, and the rows that print them.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { Row } from '../iec104.js';

/** `global.gc` when node runs with --expose-gc, else the same function obtained at run time. */
export function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function footprint(gc: () => void): Promise<{ heap: number; rss: number }> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

export interface AddResult {
  added: number;
  charging: number;
  failed: number;
  firstError?: string;
}

export interface BenchGatewayOptions {
  /** The listener's YAML flow mapping, without port and host. */
  readonly listener: string;
  readonly sinkPort: number;
  /** More top-level config lines. */
  readonly extra?: readonly string[];
  /** Where the config counts as read from (relative mapping paths resolve against it). */
  readonly configPath: string;
  readonly stationDefaults?: Readonly<Record<string, string>>;
}

/** A gateway of one listener on a free port, its log thrown away, started. */
export async function startBenchGateway(o: BenchGatewayOptions): Promise<Gateway> {
  const config = parseGatewayConfig(
    [
      'listeners:',
      `  - { port: 0, host: 127.0.0.1, ${o.listener} }`,
      `csms: { url: "ws://127.0.0.1:${o.sinkPort}/ocpp", securityProfile: 1 }`,
      'stations: { unknownChargers: provision }',
      'store: memory',
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: error }',
      ...(o.extra ?? []),
    ].join('\n'),
    o.configPath,
    { PILEGATE_CSMS_PASSWORD: 'bench-password-0123456789' },
  );
  const sink = new Writable({
    write(_chunk: Buffer, _enc, done) {
      done();
    },
  });
  const gateway = new Gateway(config, { destination: sink, ...(o.stationDefaults !== undefined ? { stationDefaults: o.stationDefaults } : {}) });
  await gateway.start();
  return gateway;
}

export interface CapacityStep<E> {
  readonly chargers: number;
  readonly charging: number;
  readonly failed: number;
  readonly cpuPercent: number;
  readonly kibPerCharger: number;
  readonly rssMiB: number;
  readonly stations: number;
  /** What the window hook gathered. */
  readonly extra: E;
}

export interface CapacityRun<E> {
  readonly gateway: Gateway;
  readonly fleet: { add(count: number, port: number): Promise<AddResult> };
  readonly steps: readonly number[];
  readonly settleMs: number;
  readonly windowMs: number;
  /** Names the benchmark in the message about a failed charger. */
  readonly label: string;
  /** Opens the window (before the CPU time is taken) and closes it (after), giving the step's `extra`. */
  readonly window: { open(): Promise<void>; close(): Promise<E> };
}

/** Steps the fleet up to each size in turn and measures the gateway over a window at each. */
export async function measureCapacity<E>(run: CapacityRun<E>): Promise<CapacityStep<E>[]> {
  const gc = gcFunction();
  const port = run.gateway.ports[0] ?? 0;
  const base = await footprint(gc);
  const steps: CapacityStep<E>[] = [];
  let total = 0;
  let charging = 0;
  let failed = 0;
  for (const target of run.steps) {
    const r = await run.fleet.add(target - total, port);
    total = target;
    charging += r.charging;
    failed += r.failed;
    if (r.firstError !== undefined) console.error(`${run.label} bench: a charger failed: ${r.firstError}`);
    await sleep(run.settleMs);
    await run.window.open();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(run.windowMs);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    const extra = await run.window.close();
    const mem = await footprint(gc);
    steps.push({
      chargers: total,
      charging,
      failed,
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
      kibPerCharger: (mem.heap - base.heap) / total / 1024,
      rssMiB: mem.rss / 2 ** 20,
      stations: run.gateway.stationIds.length,
      extra,
    });
  }
  return steps;
}

/** A window that gathers nothing. */
export const plainWindow = { open: async (): Promise<void> => undefined, close: async (): Promise<undefined> => undefined };

/** The load and memory of one step, as a row's value. */
export function loadValue(s: CapacityStep<unknown>): string {
  return (
    `gateway CPU ${s.cpuPercent.toFixed(1)} % of one core, ${s.kibPerCharger.toFixed(1)} KiB heap+external per charger, RSS ${s.rssMiB.toFixed(0)} MiB` +
    ` (${s.stations} stations, ${s.charging} charging${s.failed > 0 ? `, ${s.failed} failed to connect` : ''})`
  );
}

/** The linear estimate from the largest step of how many chargers one core carries, if it measured any load. */
export function perCoreRow(steps: readonly CapacityStep<unknown>[], what: string): Row[] {
  const last = steps[steps.length - 1];
  if (last === undefined || last.cpuPercent <= 0) return [];
  const perCore = Math.floor(last.chargers / (last.cpuPercent / 100));
  return [
    {
      name: `${what} chargers per gateway process at 100 % of one core (linear estimate from the largest step)`,
      value: `~${perCore.toLocaleString('en')} chargers (memory then ~${((perCore * last.kibPerCharger) / 1024).toFixed(0)} MiB heap+external)`,
    },
  ];
}
