/**
 * `pilegate simulate --gateway <host:port> [--codec iec104-points|ykc] [--mapping <file>] [--count N]
 * [--first-address N | --first-pile <code>] [--duration <s>] [--script standard|idle] [--interval-ms N]`:
 * N simulated chargers dial a running gateway and play charging sessions in a loop. The codec's
 * simulator comes from the codec registry (`Codec.simulator`); this file puts each charger on a
 * socket and prints one line per charger event of interest and a summary at the end; stops after
 * `--duration` or on SIGINT / SIGTERM. A charger counts as connected only once the gateway accepted
 * it in its protocol's terms, a session as started only once the gateway's answer said so; the exit
 * code is 1 when fewer chargers connected than asked or a session start was refused.
 */
import { boundedWait } from '../core/bounded-wait.js';
import type { Command } from 'commander';
import type { Codec } from '../../codecs/codec.js';
import { codecNames, findCodec } from '../../codecs/registry.js';
import { findPackageFile } from '../config/read.js';
import { systemSimulatorClock } from '../simulator/clock.js';
import type { ChargerSimulatorFactory, SimulatorReport } from '../simulator/factory.js';
import { connectCharger, type ChargerSocket } from '../simulator/socket.js';
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
  /** The first charger's id under each codec's own option (`firstId.option`, camel-cased as commander gives it). */
  readonly [firstIdOption: string]: string | undefined;
}

const DEFAULT_CODEC = 'iec104-points';
const RECONNECT_DELAY_MS = 2_000;

interface Settings {
  readonly host: string;
  readonly port: number;
  readonly codec: Codec;
  readonly simulator: ChargerSimulatorFactory;
  /** The codec options file (an IEC 104 point table), when the codec takes one. */
  readonly optionsFile?: string;
  readonly count: number;
  /** Charger ids, one per charger. */
  readonly ids: readonly string[];
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

/** The codecs that offer a charger simulator, by name. */
function simulatingCodecs(): Codec[] {
  return codecNames().flatMap((name) => {
    const codec = findCodec(name);
    return codec?.simulator === undefined ? [] : [codec];
  });
}

/** The options naming the first charger's id (`--first-address`, `--first-pile`...), one or more per codec. */
function firstIdOptions(): string[] {
  return [...new Set(simulatingCodecs().flatMap((c) => (c.simulator === undefined ? [] : [c.simulator.firstId.option])))];
}

/** How commander names `--first-address` in the parsed options. */
function camel(option: string): string {
  return option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Which codec names the first charger with `option`. */
function codecOfOption(option: string): string {
  return simulatingCodecs().find((c) => c.simulator?.firstId.option === option)?.name ?? '?';
}

/** Validates the options; every mistake is a UsageError (exit 2). */
function parseSimulateOptions(options: SimulateOptions): Settings {
  if (options.gateway === undefined) throw usage('--gateway <host:port> is required');
  const m = /^(.+):(\d{1,5})$/.exec(options.gateway);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 1 && port <= 65_535)) throw usage(`--gateway must be host:port with a port from 1 to 65535, got ${JSON.stringify(options.gateway)}`);
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  const codecName = options.codec ?? DEFAULT_CODEC;
  const codecs = simulatingCodecs();
  const codec = codecs.find((c) => c.name === codecName);
  const simulator = codec?.simulator;
  if (codec === undefined || simulator === undefined) throw usage(`--codec must be ${codecs.map((c) => c.name).join(' or ')}, got ${JSON.stringify(codecName)}`);
  const script = options.script ?? 'standard';
  if (script !== 'standard' && script !== 'idle') throw usage(`--script must be standard or idle, got ${JSON.stringify(script)}`);
  const given = firstIdOptions().filter((o) => options[camel(o)] !== undefined);
  if (given.length > 1) throw usage(`give ${given.map((o) => `--${o} (${codecOfOption(o)})`).join(' or ')}, not both`);
  const own = simulator.firstId.option;
  for (const o of given) if (o !== own) throw usage(`--${o} is for --codec ${codecOfOption(o)}; use --${own} with ${codec.name}`);
  if (simulator.defaultOptionsFile === undefined && options.mapping !== undefined) {
    throw usage(
      `--mapping is for --codec ${codecs
        .filter((c) => c.simulator?.defaultOptionsFile !== undefined)
        .map((c) => c.name)
        .join(' or ')} only`,
    );
  }
  const count = number('count', options.count, 1, 1, 1000, true);
  const first = options[camel(own)] ?? simulator.firstId.default;
  let ids: string[];
  try {
    ids = simulator.fleetIds(first, count);
  } catch (e) {
    throw usage(e instanceof Error ? e.message : String(e));
  }
  const duration = options.duration === undefined ? undefined : number('duration', options.duration, 0, 0.001, 86_400 * 365, false);
  const intervalMs = number('interval-ms', options.intervalMs, simulator.meterIntervalMs, 100, 3_600_000, true);
  const optionsFile = options.mapping ?? (simulator.defaultOptionsFile === undefined ? undefined : findPackageFile(import.meta.url, simulator.defaultOptionsFile));
  return {
    host,
    port,
    codec,
    simulator,
    ...(optionsFile === undefined ? {} : { optionsFile }),
    count,
    ids,
    ...(duration === undefined ? {} : { duration }),
    script,
    intervalMs,
  };
}

/** Counters for the summary. */
interface Stats {
  /** Chargers the gateway accepted at least once. */
  readonly connected: Set<string>;
  /** Chargers the gateway refused, with the last reason. */
  readonly refused: Map<string, string>;
  sessionsStarted: number;
  sessionsRefused: number;
  sessionsCompleted: number;
  reconnects: number;
}

/** One running simulated charger. */
interface Runner {
  /** As the gateway knows it. */
  name(): string;
  stop(): Promise<void>;
}

function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One simulated charger on a socket that dials again after a drop; the first dial is retried too. */
function runCharger(s: Settings, codecOptions: unknown, index: number, stats: Stats, print: (name: string, text: string) => void): Runner {
  const id = s.ids[index] ?? '';
  let name = id;
  let stopped = false;
  let socket: ChargerSocket | undefined;
  let retry: NodeJS.Timeout | undefined;
  let everOnline = false;
  /** Whether the gateway accepted the current connection. */
  let online = false;
  const report = (r: SimulatorReport): void => {
    switch (r.type) {
      case 'online':
        if (everOnline) stats.reconnects += 1;
        everOnline = online = true;
        stats.connected.add(name);
        return print(name, r.text);
      case 'offline':
        if (online) print(name, 'disconnected');
        online = false;
        return;
      case 'refused':
        online = false;
        // A refused charger dials again every few seconds: its reason is printed when it changes.
        if (stats.refused.get(name) !== r.text) print(name, r.text);
        stats.refused.set(name, r.text);
        return;
      case 'sessionStarted':
        stats.sessionsStarted += 1;
        return print(name, r.text);
      case 'sessionRefused':
        stats.sessionsRefused += 1;
        return print(name, r.text);
      case 'sessionEnded':
        stats.sessionsCompleted += 1;
        return print(name, r.text);
      case 'note':
        return print(name, r.text);
    }
  };
  const charger = s.simulator.create({
    options: codecOptions,
    id,
    index,
    clock: systemSimulatorClock,
    meterIntervalMs: s.intervalMs,
    sessions: s.script === 'idle' ? 'idle' : 'loop',
    report,
  });
  name = charger.name;

  const start = (): void => {
    connectCharger({ host: s.host, port: s.port, reconnectDelayMs: RECONNECT_DELAY_MS }, charger).then(
      (x) => {
        if (stopped) void x.close();
        else socket = x;
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
    name: () => name,
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await socket?.close();
      charger.dispose();
    },
  };
}

async function runSimulate(options: SimulateOptions, io: CliIo): Promise<number> {
  const s = parseSimulateOptions(options);
  const codecOptions = await s.codec.loadOptions(s.optionsFile === undefined ? {} : { file: s.optionsFile });
  const stats: Stats = { connected: new Set(), refused: new Map(), sessionsStarted: 0, sessionsRefused: 0, sessionsCompleted: 0, reconnects: 0 };
  const print = (name: string, text: string): void => io.out(`${stamp()}  ${name}  ${text}`);
  io.out(`simulating ${s.count} ${s.codec.name} charger(s) against ${s.host}:${s.port}${s.optionsFile === undefined ? '' : ` (options ${s.optionsFile})`}, script ${s.script}`);

  const runners: Runner[] = [];
  for (let i = 0; i < s.count; i++) runners.push(runCharger(s, codecOptions, i, stats, print));

  const signal = waitForSignal();
  const reason = s.duration === undefined ? await signal : await boundedWait<NodeJS.Signals | 'duration'>(signal, s.duration * 1000, () => 'duration');
  io.out(reason === 'duration' ? `duration of ${s.duration ?? 0} s over: stopping` : `${reason}: stopping`);
  await Promise.all(runners.map((r) => r.stop()));
  for (const r of runners) if (!stats.connected.has(r.name()) && !stats.refused.has(r.name())) print(r.name(), 'still waiting for the gateway at the end: never accepted');
  const refused = [...stats.refused.keys()].filter((n) => !stats.connected.has(n)).length;
  io.out(
    `summary: ${stats.connected.size} of ${s.count} charger(s) connected, ${refused} refused, ${stats.sessionsStarted} session(s) started, ${stats.sessionsCompleted} completed, ${stats.reconnects} reconnect(s)` +
      (stats.sessionsRefused > 0 ? `, ${stats.sessionsRefused} session start(s) refused` : ''),
  );
  const short = shortfall(s.count, stats.connected.size, refused, stats.sessionsRefused);
  if (short === undefined) return EXIT.OK;
  io.err(`simulate fell short: ${short}`);
  return EXIT.FAILURE;
}

/** What the run lacked, in words, or undefined when every charger was accepted and no session start was refused. */
function shortfall(count: number, connected: number, refused: number, sessionsRefused: number): string | undefined {
  const parts: string[] = [];
  if (connected < count) parts.push(`${connected} of ${count} charger(s) connected${refused > 0 ? ` (${refused} refused by the gateway)` : ''}`);
  if (sessionsRefused > 0) parts.push(`${sessionsRefused} session start(s) refused by the gateway`);
  return parts.length === 0 ? undefined : parts.join('; ');
}

export function registerSimulate(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const codecs = simulatingCodecs();
  const withFile = codecs.filter((c) => c.simulator?.defaultOptionsFile !== undefined);
  const command = program
    .command('simulate')
    .description('run simulated legacy chargers against a running gateway')
    .option('--gateway <host:port>', 'the gateway listener to dial (required)')
    .option('--codec <codec>', `${codecs.map((c) => c.name).join(' or ')} (default ${DEFAULT_CODEC})`)
    .option('--mapping <file>', `codec options file: ${withFile.map((c) => `${c.name} (default ${c.simulator?.defaultOptionsFile ?? ''})`).join(', ')}`)
    .option('--count <n>', 'number of chargers (default 1)');
  for (const option of firstIdOptions()) {
    const first = codecs.find((c) => c.simulator?.firstId.option === option)?.simulator?.firstId;
    command.option(`--${option} <id>`, `${first?.description ?? ''} (default ${first?.default ?? ''})`);
  }
  command
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--script <name>', 'standard (charging sessions in a loop, default) or idle (connect only)')
    .option('--interval-ms <n>', `meter report interval while charging (default ${codecs.map((c) => `${c.simulator?.meterIntervalMs ?? ''} for ${c.name}`).join(', ')})`)
    .action(async (options: SimulateOptions) => setExit(await runSimulate(options, io)));
}
