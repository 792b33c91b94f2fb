/**
 * `pilegate decode [hex | file | -]...`: decodes one or more concatenated frames, given as hex
 * arguments, in files of hex (the `.hex` fixtures, `#` comments allowed) or on standard input, and
 * prints a readable dump or JSON. Every frame that decodes is printed; any error is printed with its
 * byte offset (and `file:line`) and code, and makes the exit code 2. When the frames do not decode
 * and another codec's `sniff` claims them, a hint names that codec.
 */
import type { Command } from 'commander';
import type { FramingError } from '../../codecs/codec.js';
import { allCodecs, codecNames, DEFAULT_CODEC, findCodec } from '../../codecs/registry.js';
import { isValidTimeZone } from '../core/time-zone.js';
import type { ChargerEvent } from '../model/events.js';
import { otherCodecsClaiming, tryCodecs } from './codec-guess.js';
import { addCodecFlags, checkFlags, codecOption, flagValues } from './codec-option.js';
import { readHexInput, type HexInput } from './hex-input.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface DecodeOptions {
  readonly json?: boolean;
  readonly tz?: string;
  /** The codec's options file: an IEC 104 point-table mapping (events too), or YKC options (time zone, card format, 3DES). */
  readonly mapping?: string;
  /** A registered codec (default: the IEC 104 one). */
  readonly codec?: string;
  /** Values of the codecs' own flags (`Codec.cliFlags`) by name: `cot-size`, `ykc-key`. */
  readonly flags?: Readonly<Record<string, string>>;
  /** A file of hex text to read first (`-`: standard input). */
  readonly file?: string;
}

interface FrameReport {
  offset: number;
  hex: string;
  lines?: string[];
  events?: ChargerEvent[];
  error?: { code: string; offset: number; message: string; at?: string };
  /** The decoded frame as JSON, under the codec's key (`apdu`, `frame`). */
  [jsonKey: string]: unknown;
}

/** Runs the command; returns the process exit code. */
async function runDecode(hexArgs: readonly string[], options: DecodeOptions, io: CliIo): Promise<number> {
  const codec = codecOption(options.codec);
  const flags = checkFlags(codec, options.flags ?? {});
  const input = await readHexInput(hexArgs, options.file, io);
  const bytes = input.bytes;
  const codecOptions = options.mapping === undefined ? undefined : await codec.loadOptions({ file: options.mapping });
  const timeZone = options.tz ?? codec.timeZone(codecOptions);
  if (!isValidTimeZone(timeZone)) throw new UsageError('TZ_INVALID', `unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as Asia/Shanghai)`);
  const view = { timeZone, flags };
  const tools = codec.frameTools(codecOptions, view);
  const jsonKey = tools.jsonKey ?? 'frame';
  // With the options file, frames also go through the codec's interpreter, which keeps state across frames.
  let yielded: ChargerEvent[] = [];
  const logs: string[] = [];
  const interpreter =
    codecOptions === undefined
      ? undefined
      : codec.interpreter?.(
          {
            options: codecOptions,
            clock: { now: () => Date.now(), setTimeout: () => undefined, clearTimeout: () => undefined },
            connection: {},
            sink: {
              event: (e) => yielded.push(e),
              send: () => undefined,
              error: (e) => logs.push(`codec error ${e.code}: ${e.message}`),
              close: () => undefined,
              log: (level, message, data) => logs.push(`${level}: ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`),
            },
          },
          view,
        );
  const framer = tools.framer();
  const reports: FrameReport[] = [];
  const framingReport = (e: FramingError, hex: string): FrameReport => ({ offset: e.offset, hex, error: { code: e.code, offset: e.offset, message: e.message } });
  for (const item of framer.push(bytes)) {
    if (item.kind === 'error') {
      reports.push(framingReport(item.error, Buffer.from(item.error.raw ?? []).toString('hex')));
      continue;
    }
    const hex = item.frame.toString('hex');
    const decoded = tools.decode(item.frame);
    if (!decoded.ok) {
      const at = decoded.offset + item.offset;
      const error = { code: decoded.code, offset: at, message: decoded.message };
      // What can still be read of the frame (the header of an encrypted one) is shown at the frame.
      reports.push(decoded.lines !== undefined ? { offset: item.offset, hex, lines: decoded.lines, error } : { offset: at, hex, error });
      continue;
    }
    const report: FrameReport = options.json === true ? { offset: item.offset, hex, [jsonKey]: decoded.json } : { offset: item.offset, hex, lines: decoded.lines };
    if (interpreter !== undefined) {
      yielded = [];
      if (interpreter.interpret(item.frame)) {
        report.events = yielded;
        for (const line of logs.splice(0)) report.lines?.push(`  codec ${line}`);
      }
    }
    reports.push(report);
  }
  const end = framer.end();
  if (end !== undefined) reports.push(framingReport(end, bytes.subarray(end.offset).toString('hex')));
  return printReports(placed(reports, input), options, io, reports.some((r) => r.error !== undefined) ? otherCodecsClaiming(codec, input.heads, codecOptions) : []);
}

/** The reports with each error's `file:line`, when its bytes came from a file or stdin. */
function placed(reports: readonly FrameReport[], input: HexInput): FrameReport[] {
  return reports.map((r) => {
    const at = r.error === undefined ? undefined : input.place(r.error.offset);
    return at === undefined || r.error === undefined ? r : { ...r, error: { ...r.error, at } };
  });
}

/**
 * JSON has no NaN or infinity (`JSON.stringify` writes them as null, which reads as "no value"): a
 * charger's IEEE 754 float that is one is printed as the string "NaN", "Infinity" or "-Infinity".
 */
function faithfulNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function printReports(reports: readonly FrameReport[], options: DecodeOptions, io: CliIo, looksLike: readonly string[]): number {
  const errors = reports.filter((r) => r.error !== undefined);
  if (options.json === true) {
    io.out(JSON.stringify({ frames: reports, ...(looksLike.length > 0 ? { looksLike } : {}) }, faithfulNumbers, 2));
  } else {
    let n = 0;
    for (const r of reports) {
      if (r.error !== undefined && r.lines === undefined) continue;
      n += 1;
      io.out(`frame ${n} at byte ${r.offset} (${r.hex.length / 2} bytes): ${spaced(r.hex)}`);
      for (const line of r.lines ?? []) io.out(line);
      if (r.events !== undefined) {
        io.out(r.events.length === 0 ? '  events (none)' : '  events');
        for (const e of r.events) io.out(`    ${JSON.stringify(e, faithfulNumbers)}`);
      }
    }
  }
  for (const r of errors) {
    const e = r.error as NonNullable<FrameReport['error']>;
    io.err(`error ${e.code} at byte ${e.offset}${e.at === undefined ? '' : ` (${e.at})`}: ${e.message}`);
  }
  if (looksLike.length > 0) io.err(`hint: this looks like ${/^[aeiou]/.test(looksLike[0] ?? '') ? 'an' : 'a'} ${looksLike.join(' or ')} frame: ${tryCodecs(looksLike)}`);
  return errors.length > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}

/** Registers the command on the program, with every registered codec's own flags. */
export function registerDecode(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const codecs = allCodecs();
  const command = program
    .command('decode')
    .description(`decode frames given as hex (spaces optional) and print them; codecs: ${codecs.map((c) => c.description).join('; ')}`)
    .argument('[input...]', 'frames as hex, e.g. "68 04 07 00 00 00"; a file of hex (# comments allowed); or - for standard input (the default when it is not a terminal)')
    .option('--file <file>', 'read hex from this file (- for standard input): one frame per line or a stream, # comments and whitespace ignored')
    .option('--codec <name>', `protocol of the frames: ${codecNames().join(' or ')} (default ${DEFAULT_CODEC})`)
    .option('--json', 'print JSON instead of a readable dump (a NaN or infinite float is printed as the string "NaN", "Infinity" or "-Infinity")')
    .option('--tz <zone>', `time zone of the charger's clock (default ${findCodec(DEFAULT_CODEC)?.timeZone(undefined)}, or the mapping's)`)
    .option(
      '--mapping <file>',
      `the codec's options file (${codecs.map((c) => c.optionsFile.noun).join(', or ')}); with a codec that interprets frames (${codecs
        .filter((c) => c.interpreter !== undefined)
        .map((c) => c.name)
        .join(', ')}) also print the canonical events the frames yield`,
    );
  addCodecFlags(command);
  command.action(async (hex: string[], given: Record<string, unknown>) => {
    const values = flagValues(given, io);
    const options: DecodeOptions = {
      ...(given['json'] === true ? { json: true } : {}),
      ...(typeof given['tz'] === 'string' ? { tz: given['tz'] } : {}),
      ...(typeof given['mapping'] === 'string' ? { mapping: given['mapping'] } : {}),
      ...(typeof given['codec'] === 'string' ? { codec: given['codec'] } : {}),
      ...(typeof given['file'] === 'string' ? { file: given['file'] } : {}),
      flags: values,
    };
    setExit(await runDecode(hex, options, io));
  });
}

function spaced(hex: string): string {
  return (hex.match(/../g) ?? []).join(' ');
}
