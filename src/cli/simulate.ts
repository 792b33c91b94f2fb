/**
 * `pilegate simulate --gateway <host:port> [--codec iec104|ykc] [--mapping <file>] [--count N]
 * [--first-address N | --first-pile <code>] [--duration <s>] [--script standard|idle] [--interval-ms N]`:
 * N simulated chargers dial a running gateway and play a scripted session in a loop (IEC 104:
 * `standardSession` on each connector; YKC: `runYkcScenario`). Prints one line per charger event
 * of interest and a summary at the end; stops after `--duration` or on SIGINT / SIGTERM.
 */
import { boundedWait } from '../core/bounded-wait.js';
import type { Command } from 'commander';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import { loadMappingFile } from '../../codecs/iec104-points/load-mapping.js';
import { playScript, standardSession, type ScriptPlayer } from '../../codecs/iec104-points/simulator-script.js';
import { findPackageFile } from '../config/read.js';
import { connectSimulator, type SimulatorHandle } from '../simulator/iec104.js';
import { connectYkcSimulator, runYkcScenario, type YkcChargerSimulator } from '../simulator/ykc.js';
import { EXIT, UsageError, type CliIo } from './io.js';
import { waitForSignal } from './serve.js';

export interface SimulateOptions {
  readonly gateway?: string;
  readonly codec?: string;
  readonly mapping?: string;
  readonly count?: string;
  readonly firstAddress?: string;
  readonly firstPile?: string;
  readonly duration?: string;
  readonly script?: string;
  readonly intervalMs?: string;
}

const DEFAULT_MAPPING = 'mappings/iec104-points/example-dc-2gun.yaml';
const DEFAULT_FIRST_PILE = '32010200000001';
const RECONNECT_DELAY_MS = 2_000;
const YKC_FIRST_SESSION_DELAY_MS = 3_000;

interface Settings {
  readonly host: string;
  readonly port: number;
  readonly codec: 'iec104' | 'ykc';
  readonly mappingFile?: string;
  readonly count: number;
  readonly firstAddress: number;
  readonly firstPile: bigint;
  readonly duration?: number;
  readonly script: 'standard' | 'idle';
  readonly intervalMs: number;
}

function usage(message: string): UsageError {
  return new UsageError('SIMULATE_ARG', message);
}

function number(name: string, text: string | undefined, fallback: number, min: number, max: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw usage(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Validates the options; every mistake is a UsageError (exit 2). */
export function parseSimulateOptions(options: SimulateOptions): Settings {
  if (options.gateway === undefined) throw usage('--gateway <host:port> is required');
  const m = /^(.+):(\d{1,5})$/.exec(options.gateway);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 1 && port <= 65_535)) throw usage(`--gateway must be host:port with a port from 1 to 65535, got ${JSON.stringify(options.gateway)}`);
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  const codec = options.codec ?? 'iec104';
  if (codec !== 'iec104' && codec !== 'ykc') throw usage(`--codec must be iec104 or ykc, got ${JSON.stringify(codec)}`);
  const script = options.script ?? 'standard';
  if (script !== 'standard' && script !== 'idle') throw usage(`--script must be standard or idle, got ${JSON.stringify(script)}`);
  if (options.firstAddress !== undefined && options.firstPile !== undefined) throw usage('give --first-address (iec104) or --first-pile (ykc), not both');
  if (codec === 'iec104' && options.firstPile !== undefined) throw usage('--first-pile is for --codec ykc; use --first-address with iec104');
  if (codec === 'ykc' && options.firstAddress !== undefined) throw usage('--first-address is for --codec iec104; use --first-pile with ykc');
  if (codec === 'ykc' && options.mapping !== undefined) throw usage('--mapping is for --codec iec104 only');
  const count = number('count', options.count, 1, 1, 1000, true);
  const firstAddress = number('first-address', options.firstAddress, 101, 1, 65_534, true);
  if (firstAddress + count - 1 > 65_534) throw usage(`--first-address ${firstAddress} with --count ${count} goes past common address 65534`);
  const pileText = options.firstPile ?? DEFAULT_FIRST_PILE;
  if (!/^\d{14}$/.test(pileText)) throw usage(`--first-pile must be a 14-digit pile code, got ${JSON.stringify(pileText)}`);
  const firstPile = BigInt(pileText);
  if (firstPile + BigInt(count - 1) > 99_999_999_999_999n) throw usage(`--first-pile ${pileText} with --count ${count} goes past 14 digits`);
  const duration = options.duration === undefined ? undefined : number('duration', options.duration, 0, 0.001, 86_400 * 365, false);
  const intervalMs = number('interval-ms', options.intervalMs, codec === 'iec104' ? 1_000 : 5_000, 100, 3_600_000, true);
  return {
    host,
    port,
    codec,
    ...(options.mapping === undefined ? {} : { mappingFile: options.mapping }),
    count,
    firstAddress,
    firstPile,
    ...(duration === undefined ? {} : { duration }),
    script,
    intervalMs,
  };
}

/** Counters for the summary. */
interface Stats {
  readonly connected: Set<string>;
  sessionsCompleted: number;
  reconnects: number;
}

/** One running simulated charger. */
interface Runner {
  stop(): Promise<void>;
}

function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function chargerName(mapping: Iec104PointsMapping, ca: number): string {
  return mapping.identity.source === 'commonAddress' ? (mapping.identity.template ?? '{ca}').replaceAll('{ca}', String(ca)) : `CA ${ca}`;
}

function runIec104(s: Settings, mapping: Iec104PointsMapping, ca: number, stats: Stats, print: (name: string, text: string) => void): Runner {
  const name = chargerName(mapping, ca);
  let stopped = false;
  let handle: SimulatorHandle | undefined;
  let retry: NodeJS.Timeout | undefined;
  let everConnected = false;
  let wasConnected = false;
  const players = new Map<number, ScriptPlayer>();
  const charging = new Map<number, boolean>();

  const onConnected = (): void => {
    if (wasConnected) return;
    wasConnected = true;
    if (everConnected) stats.reconnects += 1;
    everConnected = true;
    stats.connected.add(name);
    print(name, 'connected');
  };
  const onDisconnected = (): void => {
    if (!wasConnected) return;
    wasConnected = false;
    print(name, 'disconnected');
  };

  const loop = (h: SimulatorHandle, connector: number): void => {
    if (stopped || s.script === 'idle') return;
    const player = playScript(h.simulator, standardSession(connector, { startTimeoutSeconds: 5, chargeSeconds: 20, intervalSeconds: 2 }));
    players.set(connector, player);
    void player.done.then((r) => {
      if (stopped || r.status === 'cancelled') return;
      if (r.status === 'failed') print(name, `connector ${connector}: script failed: ${r.error?.message ?? 'unknown error'}`);
      // A short pause between sessions, then the next one.
      setTimeout(() => loop(h, connector), 3_000).unref();
    });
  };

  const start = (): void => {
    connectSimulator({
      host: s.host,
      port: s.port,
      mapping,
      commonAddress: ca,
      meterIntervalMs: s.intervalMs,
      reconnectDelayMs: RECONNECT_DELAY_MS,
      onEvent: (event) => {
        const h = handle;
        if (event.type === 'link') {
          if (h?.connected === false) onDisconnected();
          else if (event.to === 'active') onConnected();
          return;
        }
        if (event.type !== 'state' || h === undefined) return;
        for (let c = 1; c <= mapping.charger.connectors; c++) {
          const now = h.simulator.connector(c).charging;
          const before = charging.get(c) ?? false;
          if (now === before) continue;
          charging.set(c, now);
          if (now) print(name, `connector ${c}: session started`);
          else {
            stats.sessionsCompleted += 1;
            print(name, `connector ${c}: session stopped`);
          }
        }
      },
    }).then(
      (h) => {
        if (stopped) {
          void h.close();
          return;
        }
        handle = h;
        onConnected();
        // The handle reconnects by itself; poll to notice drops the link does not report.
        const watch = setInterval(() => {
          if (h.connected) onConnected();
          else onDisconnected();
        }, 250);
        void h.closed.then(() => clearInterval(watch));
        for (let c = 1; c <= mapping.charger.connectors; c++) loop(h, c);
      },
      (e: unknown) => {
        if (stopped) return;
        print(name, `cannot connect to ${s.host}:${s.port}: ${errorText(e)}; retrying in ${RECONNECT_DELAY_MS / 1000} s`);
        retry = setTimeout(start, RECONNECT_DELAY_MS);
      },
    );
  };
  start();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      for (const p of players.values()) p.cancel();
      if (handle !== undefined) {
        await handle.close();
        onDisconnected();
      }
    },
  };
}

function runYkc(s: Settings, pileCode: string, stats: Stats, print: (name: string, text: string) => void): Runner {
  let stopped = false;
  let sim: YkcChargerSimulator | undefined;
  let stopScenario: (() => void) | undefined;
  let retry: NodeJS.Timeout | undefined;
  let watch: NodeJS.Timeout | undefined;
  let everConnected = false;
  const recordsSeen = new Set<string>();

  const isOpen = (x: YkcChargerSimulator): boolean => x.connected;

  const dropped = (): void => {
    clearInterval(watch);
    stopScenario?.();
    stopScenario = undefined;
    sim?.close();
    sim = undefined;
    print(pileCode, 'disconnected');
    if (!stopped) retry = setTimeout(start, RECONNECT_DELAY_MS);
  };

  const start = (): void => {
    connectYkcSimulator({
      host: s.host,
      port: s.port,
      pileCode,
      gunCount: 2,
      realTimeIntervalMs: s.intervalMs,
      heartbeatIntervalMs: 10_000,
      recordResendMs: 30_000,
      onFrame: (direction, f) => {
        if (direction === 'in' && f.type === 'startConfirm') print(pileCode, `gun ${Number(f.gun)}: ${f.authResult === 1 ? 'session started (card)' : `card start refused (reason ${f.failReason})`}`);
        else if (direction === 'in' && f.type === 'remoteStart') print(pileCode, `gun ${Number(f.gun)}: remote start requested`);
        else if (direction === 'out' && f.type === 'transactionRecord' && !recordsSeen.has(f.transactionNo)) {
          recordsSeen.add(f.transactionNo);
          stats.sessionsCompleted += 1;
          print(pileCode, `gun ${Number(f.gun)}: session stopped, record ${f.transactionNo} uploaded`);
        } else if (direction === 'in' && f.type === 'transactionRecordConfirm') print(pileCode, `record ${f.transactionNo} confirmed`);
      },
    }).then(
      (x) => {
        if (stopped) {
          x.close();
          return;
        }
        sim = x;
        if (everConnected) stats.reconnects += 1;
        everConnected = true;
        stats.connected.add(pileCode);
        print(pileCode, 'connected (logged in)');
        if (s.script === 'standard') {
          // Give the gateway a moment to bring the station up before the first card start.
          const first = setTimeout(() => {
            if (sim === x && !stopped) stopScenario = runYkcScenario(x, { sessionEveryMs: 30_000, sessionLengthMs: 15_000 });
          }, YKC_FIRST_SESSION_DELAY_MS);
          stopScenario = () => clearTimeout(first);
        }
        watch = setInterval(() => {
          if (!isOpen(x)) dropped();
        }, 250);
      },
      (e: unknown) => {
        if (stopped) return;
        print(pileCode, `cannot connect to ${s.host}:${s.port}: ${errorText(e)}; retrying in ${RECONNECT_DELAY_MS / 1000} s`);
        retry = setTimeout(start, RECONNECT_DELAY_MS);
      },
    );
  };
  start();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(watch);
      stopScenario?.();
      if (sim !== undefined) {
        sim.close();
        sim = undefined;
        print(pileCode, 'disconnected');
      }
    },
  };
}

export async function runSimulate(options: SimulateOptions, io: CliIo): Promise<number> {
  const s = parseSimulateOptions(options);
  let mapping: Iec104PointsMapping | undefined;
  if (s.codec === 'iec104') mapping = loadMappingFile(s.mappingFile ?? findPackageFile(import.meta.url, DEFAULT_MAPPING));
  const stats: Stats = { connected: new Set(), sessionsCompleted: 0, reconnects: 0 };
  const print = (name: string, text: string): void => io.out(`${stamp()}  ${name}  ${text}`);
  io.out(`simulating ${s.count} ${s.codec} charger(s) against ${s.host}:${s.port}${mapping === undefined ? '' : ` (mapping ${mapping.name})`}, script ${s.script}`);

  const runners: Runner[] = [];
  for (let i = 0; i < s.count; i++) {
    if (mapping !== undefined) runners.push(runIec104(s, mapping, s.firstAddress + i, stats, print));
    else runners.push(runYkc(s, (s.firstPile + BigInt(i)).toString().padStart(14, '0'), stats, print));
  }

  const signal = waitForSignal();
  const reason = s.duration === undefined ? await signal : await boundedWait<NodeJS.Signals | 'duration'>(signal, s.duration * 1000, () => 'duration');
  io.out(reason === 'duration' ? `duration of ${s.duration ?? 0} s over: stopping` : `${reason}: stopping`);
  await Promise.all(runners.map((r) => r.stop()));
  io.out(`summary: ${stats.connected.size} of ${s.count} charger(s) connected, ${stats.sessionsCompleted} session(s) completed, ${stats.reconnects} reconnect(s)`);
  return EXIT.OK;
}

export function registerSimulate(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('simulate')
    .description('run simulated legacy chargers (IEC 104 or YKC) against a running gateway')
    .option('--gateway <host:port>', 'the gateway listener to dial (required)')
    .option('--codec <codec>', 'iec104 (default) or ykc')
    .option('--mapping <file>', `IEC 104 point mapping (default ${DEFAULT_MAPPING})`)
    .option('--count <n>', 'number of chargers (default 1)')
    .option('--first-address <n>', 'IEC 104 common address of the first charger, the others follow (default 101)')
    .option('--first-pile <code>', `YKC 14-digit pile code of the first charger, the others follow (default ${DEFAULT_FIRST_PILE})`)
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--script <name>', 'standard (charging sessions in a loop, default) or idle (connect only)')
    .option('--interval-ms <n>', 'meter report interval while charging (default 1000 for iec104, 5000 for ykc)')
    .action(async (options: SimulateOptions) => setExit(await runSimulate(options, io)));
}
