/**
 * `pilegate replay <capture.jsonl>`: plays a capture file back through a codec. Every frame of the
 * capture (both directions) is framed and decoded and printed with its fields; the frames from the
 * charger also go, one at a time, through a codec session whose clock reads the capture's times,
 * and the canonical events each one yields are printed under it. The session's timers never fire
 * and its replies go nowhere: a replay shows what the charger said, not what the gateway would
 * answer now. The captured gateway also sent the CSMS's commands, which a replay does not: an IEC 104
 * charger's acknowledgements (N(R)) are therefore rewritten to acknowledge what the replaying
 * session itself sent, so that its link does not close on them. A malformed capture line exits 2 naming `file:line`; bad frames inside a well-formed
 * capture are part of the record and are printed (the first few, then a count), and the replay ends
 * with a summary on stderr (how many could not be decoded, and which other protocol the capture
 * looks like) and exit code 1.
 */
import type { Clock } from '../core/clock.js';
import type { Command } from 'commander';
import type { CodecSession } from '../../codecs/codec.js';
import { allCodecs, codecNames, DEFAULT_CODEC } from '../../codecs/registry.js';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../core/time-zone.js';
import type { ChargerEvent } from '../model/events.js';
import type { CaptureEntry } from './capture-file.js';
import { readReplayInput, withHeader, type InputOptions, type ReplayOptions } from './replay-input.js';

export type { ReplayOptions } from './replay-input.js';
import type { TcpStream } from './tcp-streams.js';
import { otherCodecsClaiming, tryCodecs } from './codec-guess.js';
import { addCodecFlags, checkFlags, codecOption, flagValues } from './codec-option.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface ReplayFrame {
  readonly line: number;
  readonly time: string;
  readonly dir: 'in' | 'out';
  readonly hex: string;
  readonly lines?: string[];
  readonly frame?: unknown;
  /** Canonical events this frame yielded (frames from the charger, with a codec session). */
  readonly events?: ChargerEvent[];
  /** What the codec session logged or reported while handling this frame. */
  readonly notes?: string[];
  readonly error?: { readonly code: string; readonly message: string };
}

export interface ReplayResult {
  readonly frames: ReplayFrame[];
  /** Events the session yields when the connection ends (link down, interrupted sessions). */
  readonly end?: ChargerEvent[];
  /** Why no events are shown, when they are not. */
  readonly noEvents?: string;
  readonly summary: ReplaySummary;
}

/** How many frames the codec could read, and which other codecs claim the capture's first bytes when some failed. */
export interface ReplaySummary {
  readonly codec: string;
  readonly frames: number;
  readonly failed: number;
  /** Other codecs whose `sniff` claims the start of either direction (empty when none does, or nothing failed). */
  readonly looksLike: readonly string[];
}

/** How many frames that could not be decoded the readable dump shows before it only counts them. */
const ERRORS_SHOWN = 5;

/** Replays parsed capture entries; pure apart from loading the codec's options file. */
export async function replayCapture(entries: readonly CaptureEntry[], options: ReplayOptions): Promise<ReplayResult> {
  const codec = codecOption(options.codec);
  const flags = checkFlags(codec, options.flags ?? {});
  // Without its options file a codec that needs one has no session: the frames are still shown.
  const codecOptions = codec.optionsFile.required && options.mapping === undefined ? undefined : await codec.loadOptions(options.mapping !== undefined ? { file: options.mapping } : {});
  const timeZone = options.tz ?? codec.timeZone(codecOptions);
  if (!isValidTimeZone(timeZone)) throw new UsageError('TZ_INVALID', `unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as Asia/Shanghai)`);
  const tools = codec.frameTools(codecOptions, { timeZone, flags });
  const replayer = tools.replayer?.();

  let now = entries[0]?.time ?? 0;
  const clock: Clock = { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined };
  let events: ChargerEvent[] = [];
  let notes: string[] = [];
  const session: CodecSession | undefined =
    codecOptions === undefined
      ? undefined
      : codec.createSession({
          options: codecOptions,
          clock,
          connection: { timeZone },
          sink: {
            event: (e) => events.push(e),
            send: (bytes) => replayer?.sent(bytes),
            error: (e) => notes.push(`codec error ${e.code}: ${e.message}`),
            close: (reason) => notes.push(`codec closes the connection: ${reason}`),
            log: (level, message, data) => notes.push(`${level}: ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`),
          },
        });
  session?.start();
  const framers = { in: tools.framer(), out: tools.framer() };
  const frames: ReplayFrame[] = [];
  for (const entry of entries) {
    now = entry.time;
    const base = { line: entry.line, time: new Date(entry.time).toISOString(), dir: entry.dir };
    for (const item of framers[entry.dir].push(entry.bytes)) {
      if (item.kind === 'error') {
        frames.push({ ...base, hex: '', error: { code: item.error.code, message: item.error.message } });
        continue;
      }
      const hex = item.frame.toString('hex');
      const decoded = tools.decode(item.frame);
      const fields = decoded.ok ? { lines: decoded.lines, frame: decoded.json } : { error: { code: decoded.code, message: decoded.message } };
      if (entry.dir === 'in' && session !== undefined) {
        events = [];
        notes = [];
        session.receive(replayer?.toSession(item.frame) ?? item.frame);
        frames.push({ ...base, hex, ...fields, events, ...(notes.length > 0 ? { notes } : {}) });
      } else {
        frames.push({ ...base, hex, ...fields });
      }
    }
  }
  const failed = frames.filter((f) => f.error !== undefined).length;
  const heads = failed === 0 ? [] : (['in', 'out'] as const).map((dir) => Buffer.concat(entries.filter((e) => e.dir === dir).map((e) => e.bytes)));
  const summary: ReplaySummary = { codec: codec.name, frames: frames.length, failed, looksLike: otherCodecsClaiming(codec, heads, codecOptions) };
  if (session === undefined) return { frames, noEvents: `canonical events need the ${codec.optionsFile.noun}: --mapping <file>`, summary };
  events = [];
  session.stop('end of capture');
  return { frames, end: events, summary };
}

/** The summary's line for stderr when frames failed: `3 of 44 frames could not be decoded as ykc; …`. */
function summaryLine(s: ReplaySummary): string | undefined {
  if (s.failed === 0) return undefined;
  const hint = s.looksLike.length > 0 ? `; the capture looks like ${s.looksLike.join(' or ')}: ${tryCodecs(s.looksLike)}` : '';
  return `${s.failed} of ${s.frames} frame(s) could not be decoded as ${s.codec}${hint}`;
}

/** Runs the command; returns the process exit code. */
async function runReplay(file: string, given: ReplayOptions & InputOptions, io: CliIo): Promise<number> {
  const input = readReplayInput(file, given);
  const { options, notes } = withHeader(given, input.header);
  for (const note of notes) io.err(note);
  const h = input.header;
  if (h !== undefined && options.json !== true) {
    io.out(
      `capture of ${h.chargerId ?? 'an unidentified charger'} by pilegate ${h.gatewayVersion ?? '?'} (header: ${input.headerFrom ?? file}): replayed as ${options.codec ?? DEFAULT_CODEC}, mapping ${options.mapping ?? '(none)'}, time zone ${options.tz ?? 'the codec default'}`,
    );
  }
  const json = (value: unknown): void => io.out(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
  const results: ReplayResult[] = [];
  if (input.entries !== undefined) {
    const result = await replayCapture(input.entries, options);
    results.push(result);
    if (options.json === true) json(input.header !== undefined ? { header: input.header, ...result } : result);
    else printFrames(result, io, 'line');
  } else {
    const streams = [];
    for (const stream of input.streams ?? []) {
      const result = await replayCapture(stream.entries, options);
      results.push(result);
      const { entries: _entries, ...about } = stream;
      streams.push({ ...about, ...result });
      if (options.json !== true) {
        io.out(`stream ${streamLine(stream)}`);
        printFrames(result, io, 'packet');
      }
    }
    if (options.json === true) json({ ...(input.header !== undefined ? { header: input.header } : {}), skippedPackets: input.skipped ?? 0, streams });
    if (streams.length === 0) io.err(`${file}: no TCP stream with data${given.port !== undefined ? ` to port ${given.port}` : ''}`);
  }
  const summaries = results.map((r) => summaryLine(r.summary)).filter((line) => line !== undefined);
  for (const line of summaries) io.err(line);
  return summaries.length === 0 && results.length > 0 ? EXIT.OK : EXIT.FAILURE;
}

/** The readable dump: every frame, but of those that could not be decoded only the first `ERRORS_SHOWN`. */
function printFrames(result: ReplayResult, io: CliIo, unit: 'line' | 'packet'): void {
  let errors = 0;
  for (const f of result.frames) {
    if (f.error !== undefined && ++errors > ERRORS_SHOWN) continue;
    const head = `${unit} ${f.line} ${f.time} ${f.dir === 'in' ? 'charger -> gateway' : 'gateway -> charger'}`;
    if (f.error !== undefined && f.hex === '') {
      io.out(`${head}: error ${f.error.code}: ${f.error.message}`);
      continue;
    }
    io.out(`${head} (${f.hex.length / 2} bytes): ${(f.hex.match(/../g) ?? []).join(' ')}`);
    if (f.error !== undefined) io.out(`  error ${f.error.code}: ${f.error.message}`);
    for (const line of f.lines ?? []) io.out(line);
    for (const note of f.notes ?? []) io.out(`  codec ${note}`);
    if (f.events !== undefined) {
      io.out(f.events.length === 0 ? '  events (none)' : '  events');
      for (const e of f.events) io.out(`    ${JSON.stringify(e)}`);
    }
  }
  if (errors > ERRORS_SHOWN) io.out(`(${errors - ERRORS_SHOWN} more frame(s) that could not be decoded are not shown; --json shows every frame)`);
  if (result.end !== undefined && result.end.length > 0) {
    io.out('end of capture: events');
    for (const e of result.end) io.out(`    ${JSON.stringify(e)}`);
  }
  if (result.noEvents !== undefined) io.out(`(${result.noEvents})`);
}

/** `1: charger 10.0.0.2:40000 -> gateway 10.0.0.1:2404 (…)`. */
function streamLine(s: TcpStream): string {
  const by = s.sidesBy === 'port' ? 'by --port' : s.sidesBy === 'syn' ? 'the charger sent SYN' : 'guessed: no SYN in the capture, --port to say';
  const missing = s.missing.in + s.missing.out > 0 ? `; ${s.missing.in + s.missing.out} byte(s) missing from the capture` : '';
  return `${s.index}: charger ${s.charger.address}:${s.charger.port} -> gateway ${s.gateway.address}:${s.gateway.port} (${by}${missing})`;
}

/** A commander parser of an integer flag from 1 to `max`. */
function positiveInt(flag: string, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new UsageError('FLAG_INVALID', `${flag} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Registers the command on the program. */
export function registerReplay(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const command = program
    .command('replay')
    .description("play a capture file (capture.dir of the gateway) back through a codec: every frame decoded, and the canonical events the charger's frames yield")
    .argument('<capture>', 'capture file: JSON lines {"time","dir","hex"} (capture.format jsonl), or pcap / pcapng (the gateway\'s, tcpdump\'s, Wireshark\'s)')
    .option('--codec <name>', `protocol of the capture: ${codecNames().join(' or ')} (default ${DEFAULT_CODEC})`)
    .option(
      '--mapping <file>',
      `the codec's options file: ${allCodecs()
        .map((c) => `${c.optionsFile.noun}${c.optionsFile.required ? ' (needed for events)' : ''}`)
        .join(', or ')}`,
    )
    .option('--tz <zone>', `time zone of the charger's clock (default ${DEFAULT_TIME_ZONE}, or the mapping's)`)
    .option(
      '--port <n>',
      "pcap/pcapng: the gateway's listening port (only connections to it; the other side is the charger's). Default: the capture's header, else all connections, the side that sent SYN being the charger",
      positiveInt('--port', 65535),
    )
    .option('--stream <n>', 'pcap/pcapng: play only the n-th TCP stream (as numbered in the output)', positiveInt('--stream', 1_000_000))
    .option('--json', 'print JSON instead of a readable dump');
  addCodecFlags(command);
  command.action(async (file: string, given: ReplayOptions & InputOptions & Record<string, unknown>) => setExit(await runReplay(file, { ...given, flags: flagValues(given, io) }, io)));
}
