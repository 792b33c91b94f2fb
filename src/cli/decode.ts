/**
 * `pilegate decode <hex...>`: decodes one or more concatenated frames and prints a readable dump or
 * JSON. Every frame that decodes is printed; any error is printed with its byte offset and code,
 * and makes the exit code 2.
 */
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../core/time-zone.js';
import type { Command } from 'commander';
import {
  ApduFramer,
  apduToJson,
  decodeApdu,
  describeApdu,
  type AsduParameters,
  type DecodeError,
} from '../iec104/index.js';
import { loadMappingFile } from '../../codecs/iec104-points/load-mapping.js';
import { Iec104PointsSession } from '../../codecs/iec104-points/session.js';
import { decodeYkcFrame, YkcCipher, YkcFramer } from '../../codecs/ykc/index.js';
import { describeYkcFrame, describeYkcHeader } from '../../codecs/ykc/describe.js';
import { loadYkcOptions } from '../../codecs/ykc/options.js';
import type { ChargerEvent } from '../model/events.js';
import { EXIT, parseHexArgs, UsageError, type CliIo } from './io.js';

export interface DecodeOptions {
  readonly json?: boolean;
  readonly tz?: string;
  readonly cotSize?: string;
  readonly caSize?: string;
  readonly ioaSize?: string;
  /** IEC 104 point-table mapping (events too), or YKC options file (time zone, card format, 3DES). */
  readonly mapping?: string;
  /** YKC: 3DES key (48 hex digits) for frames with the encryption flag. */
  readonly ykcKey?: string;
  /** Protocol of the frames: `iec104` (default) or `ykc`. */
  readonly codec?: string;
}

export const DECODE_CODECS = ['iec104', 'ykc'] as const;

interface FrameReport {
  offset: number;
  hex: string;
  apdu?: unknown;
  lines?: string[];
  events?: ChargerEvent[];
  error?: { code: string; offset: number; message: string };
}

/** Runs the command; returns the process exit code. */
export async function runDecode(hexArgs: readonly string[], options: DecodeOptions, io: CliIo): Promise<number> {
  const codec = options.codec ?? 'iec104';
  if (!(DECODE_CODECS as readonly string[]).includes(codec)) {
    throw new UsageError('OPTION_INVALID', `--codec must be one of ${DECODE_CODECS.join(', ')}, got ${JSON.stringify(codec)}`);
  }
  if (codec === 'ykc') return runDecodeYkc(hexArgs, options, io);
  if (options.ykcKey !== undefined) throw new UsageError('OPTION_INVALID', '--ykc-key applies to --codec ykc only');
  const bytes = parseHexArgs(hexArgs);
  const mapping = options.mapping === undefined ? undefined : await loadMappingFile(options.mapping);
  const timeZone = options.tz ?? mapping?.timeZone ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(timeZone)) throw new UsageError('TZ_INVALID', `unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as Asia/Shanghai)`);
  const params: AsduParameters = {
    cotSize: size('--cot-size', options.cotSize ?? String(mapping?.asdu?.cotSize ?? 2), [1, 2]) as 1 | 2,
    caSize: size('--ca-size', options.caSize ?? String(mapping?.asdu?.caSize ?? 2), [1, 2]) as 1 | 2,
    ioaSize: size('--ioa-size', options.ioaSize ?? String(mapping?.asdu?.ioaSize ?? 3), [1, 2, 3]) as 1 | 2 | 3,
  };
  // With a mapping, frames also go through the codec, which keeps connector state across frames.
  let yielded: ChargerEvent[] = [];
  const logs: string[] = [];
  const session =
    mapping === undefined
      ? undefined
      : new Iec104PointsSession({
          options: { mapping: { ...mapping, asdu: params, timeZone } },
          clock: { now: () => Date.now(), setTimeout: () => undefined, clearTimeout: () => undefined },
          connection: {},
          sink: {
            event: (e) => yielded.push(e),
            send: () => undefined,
            error: (e) => logs.push(`codec error ${e.code}: ${e.message}`),
            close: () => undefined,
            log: (level, message, data) => logs.push(`${level}: ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`),
          },
        });
  const framer = new ApduFramer();
  const reports: FrameReport[] = [];
  const errorReport = (e: DecodeError, hex: string, base = 0): FrameReport => ({
    offset: e.offset + base,
    hex,
    error: { code: e.code, offset: e.offset + base, message: e.message },
  });
  for (const item of framer.push(bytes)) {
    if (item.kind === 'error') {
      reports.push(errorReport(item.error, Buffer.from(item.error.raw ?? []).toString('hex')));
      continue;
    }
    const hex = item.frame.toString('hex');
    const r = decodeApdu(item.frame, params);
    if (!r.ok) {
      reports.push(errorReport(r.error, hex, item.offset));
      continue;
    }
    const report: FrameReport =
      options.json === true
        ? { offset: item.offset, hex, apdu: apduToJson(r.value, timeZone) }
        : { offset: item.offset, hex, lines: describeApdu(r.value, timeZone) };
    if (session !== undefined && r.value.asdu !== undefined) {
      yielded = [];
      session.interpretAsdu(item.frame.subarray(6));
      report.events = yielded;
      for (const line of logs.splice(0)) report.lines?.push(`  codec ${line}`);
    }
    reports.push(report);
  }
  if (framer.buffered > 0) {
    const at = framer.position - framer.buffered;
    reports.push({
      offset: at,
      hex: bytes.subarray(at).toString('hex'),
      error: { code: 'IEC104_FRAME_TRUNCATED', offset: at, message: `input ends inside a frame: ${framer.buffered} byte(s) of an incomplete APDU` },
    });
  }

  return printReports(reports, options, io);
}

/** `decode --codec ykc`: frames split by `YkcFramer`, decoded by `decodeYkcFrame`. */
async function runDecodeYkc(hexArgs: readonly string[], options: DecodeOptions, io: CliIo): Promise<number> {
  const bytes = parseHexArgs(hexArgs);
  // --mapping is the YKC listener options file here: time zone, card format and 3DES settings.
  const ykc = options.mapping === undefined ? undefined : await loadYkcOptions({ file: options.mapping });
  const timeZone = options.tz ?? ykc?.timeZone ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(timeZone)) throw new UsageError('TZ_INVALID', `unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as Asia/Shanghai)`);
  let cipher = ykc?.encryption?.cipherFor();
  if (options.ykcKey !== undefined) {
    // Never echo the value: it is a secret.
    if (!/^[0-9A-Fa-f]{48}$/.test(options.ykcKey)) throw new UsageError('OPTION_INVALID', '--ykc-key must be 48 hex digits (a 24-byte 3DES key)');
    cipher = new YkcCipher(options.ykcKey, ykc?.encryption?.params ?? {});
  }
  const decodeOptions = { timeZone, ...(ykc?.cardFormat !== undefined ? { cardFormat: ykc.cardFormat } : {}), ...(cipher !== undefined ? { cipher } : {}) };
  const framer = new YkcFramer();
  const reports: FrameReport[] = [];
  for (const item of framer.push(bytes)) {
    if (item.kind === 'error') {
      const e = item.error;
      reports.push({ offset: e.offset, hex: Buffer.from(e.raw ?? []).toString('hex'), error: { code: e.code, offset: e.offset, message: e.message } });
      continue;
    }
    const hex = item.frame.toString('hex');
    const r = decodeYkcFrame(item.frame, decodeOptions);
    if (!r.ok) {
      const at = r.error.offset + item.offset;
      const error = { code: r.error.code, offset: at, message: r.error.message };
      // An encrypted body without a key: the header is still worth showing.
      reports.push(r.error.code === 'YKC_ENCRYPTED' ? { offset: item.offset, hex, lines: describeYkcHeader(item.frame), error } : { offset: at, hex, error });
      continue;
    }
    reports.push(options.json === true ? { offset: item.offset, hex, apdu: r.value } : { offset: item.offset, hex, lines: describeYkcFrame(r.value) });
  }
  if (framer.buffered > 0) {
    const at = framer.position - framer.buffered;
    reports.push({
      offset: at,
      hex: bytes.subarray(at).toString('hex'),
      error: { code: 'YKC_TRUNCATED', offset: at, message: `input ends inside a frame: ${framer.buffered} byte(s) of an incomplete YKC frame` },
    });
  }
  return printReports(reports, options, io, 'frame');
}

/**
 * JSON has no NaN or infinity (`JSON.stringify` writes them as null, which reads as "no value"): a
 * charger's IEEE 754 float that is one is printed as the string "NaN", "Infinity" or "-Infinity".
 */
function faithfulNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function printReports(reports: readonly FrameReport[], options: DecodeOptions, io: CliIo, jsonKey: 'apdu' | 'frame' = 'apdu'): number {
  const errors = reports.filter((r) => r.error !== undefined);
  if (options.json === true) {
    if (jsonKey === 'frame') {
      io.out(JSON.stringify({ frames: reports.map(({ apdu, ...rest }) => (apdu === undefined ? rest : { ...rest, frame: apdu })) }, faithfulNumbers, 2));
    } else {
      io.out(JSON.stringify({ frames: reports }, faithfulNumbers, 2));
    }
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
    io.err(`error ${e.code} at byte ${e.offset}: ${e.message}`);
  }
  return errors.length > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}

/** Registers the command on the program. */
export function registerDecode(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('decode')
    .description('decode IEC 60870-5-104 (default) or YKC frames given as hex (spaces optional) and print them')
    .argument('<hex...>', 'one or more concatenated frames, e.g. "68 04 07 00 00 00"')
    .option('--codec <name>', `protocol of the frames: ${DECODE_CODECS.join(' or ')} (default iec104)`)
    .option('--json', 'print JSON instead of a readable dump (a NaN or infinite float is printed as the string "NaN", "Infinity" or "-Infinity")')
    .option('--tz <zone>', `time zone of the charger's CP56Time2a clock (default ${DEFAULT_TIME_ZONE}, or the mapping's)`)
    .option('--cot-size <n>', 'octets of cause of transmission (1 or 2; default 2, or the mapping\'s)')
    .option('--ca-size <n>', 'octets of common address (1 or 2; default 2, or the mapping\'s)')
    .option('--ioa-size <n>', 'octets of information object address (1, 2 or 3; default 3, or the mapping\'s)')
    .option('--mapping <file>', 'IEC 104 point-table mapping: also print the canonical events the frames yield; with --codec ykc, the YKC options file (time zone, card format, 3DES settings and key)')
    .option('--ykc-key <hex>', 'with --codec ykc: 3DES key (48 hex digits) for frames with the encryption flag (mode and padding from --mapping, default ECB with zero padding)')
    .action(async (hex: string[], options: DecodeOptions) => setExit(await runDecode(hex, options, io)));
}

function size(flag: string, value: string, allowed: number[]): number {
  const n = Number(value);
  if (!allowed.includes(n)) throw new UsageError('OPTION_INVALID', `${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return n;
}

function spaced(hex: string): string {
  return (hex.match(/../g) ?? []).join(' ');
}
