/**
 * `pilegate decode <hex...>`: decodes one or more concatenated frames and prints a readable dump or
 * JSON. Every frame that decodes is printed; any error is printed with its byte offset and code,
 * and makes the exit code 2.
 */
import type { Command } from 'commander';
import {
  ApduFramer,
  apduToJson,
  decodeApdu,
  DEFAULT_TIME_ZONE,
  describeApdu,
  isValidTimeZone,
  type AsduParameters,
  type DecodeError,
} from '../iec104/index.js';
import { EXIT, parseHexArgs, UsageError, type CliIo } from './io.js';

export interface DecodeOptions {
  readonly json?: boolean;
  readonly tz?: string;
  readonly cotSize?: string;
  readonly caSize?: string;
  readonly ioaSize?: string;
}

interface FrameReport {
  offset: number;
  hex: string;
  apdu?: unknown;
  lines?: string[];
  error?: { code: string; offset: number; message: string };
}

/** Runs the command; returns the process exit code. */
export function runDecode(hexArgs: readonly string[], options: DecodeOptions, io: CliIo): number {
  const timeZone = options.tz ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(timeZone)) throw new UsageError('TZ_INVALID', `unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as Asia/Shanghai)`);
  const params: AsduParameters = {
    cotSize: size('--cot-size', options.cotSize ?? '2', [1, 2]) as 1 | 2,
    caSize: size('--ca-size', options.caSize ?? '2', [1, 2]) as 1 | 2,
    ioaSize: size('--ioa-size', options.ioaSize ?? '3', [1, 2, 3]) as 1 | 2 | 3,
  };
  const bytes = parseHexArgs(hexArgs);
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
    reports.push(
      options.json === true
        ? { offset: item.offset, hex, apdu: apduToJson(r.value, timeZone) }
        : { offset: item.offset, hex, lines: describeApdu(r.value, timeZone) },
    );
  }
  if (framer.buffered > 0) {
    const at = framer.position - framer.buffered;
    reports.push({
      offset: at,
      hex: bytes.subarray(at).toString('hex'),
      error: { code: 'IEC104_FRAME_TRUNCATED', offset: at, message: `input ends inside a frame: ${framer.buffered} byte(s) of an incomplete APDU` },
    });
  }

  const errors = reports.filter((r) => r.error !== undefined);
  if (options.json === true) {
    io.out(JSON.stringify({ frames: reports }, null, 2));
  } else {
    let n = 0;
    for (const r of reports) {
      if (r.error !== undefined) continue;
      n += 1;
      io.out(`frame ${n} at byte ${r.offset} (${r.hex.length / 2} bytes): ${spaced(r.hex)}`);
      for (const line of r.lines ?? []) io.out(line);
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
    .description('decode IEC 60870-5-104 frames given as hex (spaces optional) and print them')
    .argument('<hex...>', 'one or more concatenated frames, e.g. "68 04 07 00 00 00"')
    .option('--json', 'print JSON instead of a readable dump')
    .option('--tz <zone>', `time zone of the charger's CP56Time2a clock`, DEFAULT_TIME_ZONE)
    .option('--cot-size <n>', 'octets of cause of transmission (1 or 2)', '2')
    .option('--ca-size <n>', 'octets of common address (1 or 2)', '2')
    .option('--ioa-size <n>', 'octets of information object address (1, 2 or 3)', '3')
    .action((hex: string[], options: DecodeOptions) => setExit(runDecode(hex, options, io)));
}

function size(flag: string, value: string, allowed: number[]): number {
  const n = Number(value);
  if (!allowed.includes(n)) throw new UsageError('OPTION_INVALID', `${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return n;
}

function spaced(hex: string): string {
  return (hex.match(/../g) ?? []).join(' ');
}
