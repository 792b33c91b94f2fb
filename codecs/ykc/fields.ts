/**
 * Field conventions shared by the YKC parsers and generators (docs/protocols/ykc.md §2): codec options, CP56Time2a
 * timestamps in the charger's time zone, physical card numbers, ASCII and opaque binary fields, and
 * the binary-parser formatters that apply the spec's scales.
 */
import { DEFAULT_TIME_ZONE } from '../../src/core/time-zone.js';
import { cp56FromDate, cp56ToDate } from '../../src/iec104/cp56.js';
import type { Cp56Time } from '../../src/iec104/types.js';
import { readBcd } from './bcd.js';
import { YkcEncodeError } from './errors.js';

export { DEFAULT_TIME_ZONE };

/**
 * How an 8-byte physical card number (物理卡号, "BIN") is rendered (docs/protocols/ykc.md §9 #3):
 * - `hex`: the 8 bytes as 16 uppercase hex digits in wire order, as the spec prints them
 *   (`00000000D14B0A54`). Encoding accepts up to 16 hex digits, left-padded with 0.
 * - `int64le`: the bytes read as a little-endian signed 64-bit integer in decimal, as JCPP does.
 */
export type CardFormat = 'hex' | 'int64le';

export interface YkcCodecOptions {
  /** IANA zone of the charger's clock, for CP56Time2a <-> UTC (default Asia/Shanghai). */
  readonly timeZone?: string;
  /** Rendering of physical card numbers (default `hex`). */
  readonly cardFormat?: CardFormat;
}

export interface FieldContext {
  readonly timeZone: string;
  readonly cardFormat: CardFormat;
}

export function fieldContext(options: YkcCodecOptions = {}): FieldContext {
  return { timeZone: options.timeZone ?? DEFAULT_TIME_ZONE, cardFormat: options.cardFormat ?? 'hex' };
}

/**
 * A CP56Time2a stamp (charger local time) with the instant it names. The encoder writes `cp56`
 * only; `utc` is what the decoder computed with the configured time zone, null when the fields are
 * not a real date.
 */
export interface YkcTimestamp {
  readonly cp56: Cp56Time;
  readonly utc: string | null;
}

export function timestamp(cp56: Cp56Time, timeZone: string): YkcTimestamp {
  return { cp56, utc: cp56ToDate(cp56, timeZone)?.toISOString() ?? null };
}

/** The stamp a charger in `timeZone` would show at `date` (day of week filled in). */
export function timestampFromDate(date: Date, timeZone: string = DEFAULT_TIME_ZONE): YkcTimestamp {
  return timestamp(cp56FromDate(date, timeZone), timeZone);
}

/** The 14-digit pile code at `offset`. */
export function readPile(bytes: Uint8Array, offset: number): string {
  return readBcd(bytes, offset, 7);
}

/** Renders 8 card bytes. */
export function cardToString(bytes: Uint8Array, format: CardFormat): string {
  if (format === 'hex') return readBcd(bytes, 0, 8);
  return Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigInt64LE(0).toString();
}

/** Writes a rendered card number as 8 bytes at `offset`; throws `YkcEncodeError` naming `field`. */
export function writeCard(value: string, format: CardFormat, out: Buffer, offset: number, field: string): void {
  if (format === 'hex') {
    if (!/^[0-9A-Fa-f]{0,16}$/.test(value)) {
      throw new YkcEncodeError(field, `card number ${JSON.stringify(value)} is not up to 16 hex digits`);
    }
    out.write(value.padStart(16, '0'), offset, 8, 'hex');
    return;
  }
  if (!/^-?[0-9]{1,20}$/.test(value)) {
    throw new YkcEncodeError(field, `card number ${JSON.stringify(value)} is not a decimal integer`);
  }
  const n = BigInt(value);
  if (n < -(1n << 63n) || n >= 1n << 63n) throw new YkcEncodeError(field, `card number ${value} does not fit 64 bits`);
  out.writeBigInt64LE(n, offset);
}

/** ASCII field: Latin-1 bytes without the zero padding at the end (inner zeros are kept). */
export function asciiString(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
}

/** Writes `value` zero-padded to `length` bytes; throws when it is longer or not Latin-1. */
export function writeAscii(value: string, out: Buffer, offset: number, length: number, field: string): void {
  if (value.length > length) throw new YkcEncodeError(field, `text is longer than ${length} bytes`);
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) throw new YkcEncodeError(field, 'text has characters outside Latin-1');
  }
  out.fill(0, offset, offset + length);
  out.write(value, offset, length, 'latin1');
}

/** Opaque binary field as uppercase hex in wire order. */
export function hexString(bytes: Uint8Array): string {
  return readBcd(bytes, 0, bytes.length);
}

/** Writes an opaque hex field, left-padded with zero bytes. */
export function writeHex(value: string, out: Buffer, offset: number, length: number, field: string): void {
  if (!/^(?:[0-9A-Fa-f]{2})*$/.test(value) || value.length > 2 * length) {
    throw new YkcEncodeError(field, `expected up to ${length} bytes of hex, got ${JSON.stringify(value)}`);
  }
  out.write(value.padStart(2 * length, '0'), offset, length, 'hex');
}

/**
 * The body at its layout size: zero-filled when the charger sent less (docs/protocols/ykc.md §7 "zero-fill
 * missing optional tails"), the same bytes when it sent more (the decoder reports the rest).
 */
export function atLeast(body: Buffer, size: number): Buffer {
  if (body.length >= size) return body;
  const out = Buffer.alloc(size);
  body.copy(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// binary-parser formatters. Scaled values divide the raw integer (never multiply by 0.1), so the
// result is the double nearest to the decimal and the generator's Math.round gets the raw back.

/** Raw BIN value with `offset` (in raw units) removed, divided by `scale`. */
export const scaled = (scale: number, offset = 0) =>
  function (this: unknown, raw: number): number {
    return (raw - offset) / scale;
  };

/** Temperatures: 1 degC per bit, -50 degC offset. */
export const celsius = function (this: unknown, raw: number): number {
  return raw - 50;
};

export const bcd = function (this: unknown, b: Buffer): string {
  return readBcd(b, 0, b.length);
};

export const ascii = function (this: unknown, b: Buffer): string {
  return asciiString(b);
};

export const hex = function (this: unknown, b: Buffer): string {
  return hexString(b);
};

/** Little-endian unsigned integer of a 3..6-byte buffer (charge cycles, meter readings). */
export const uintLE = function (this: unknown, b: Buffer): number {
  return b.readUIntLE(0, b.length);
};

/** Little-endian unsigned integer divided by `scale` (5-byte meter readings). */
export const uintLEScaled = (scale: number) =>
  function (this: unknown, b: Buffer): number {
    return b.readUIntLE(0, b.length) / scale;
  };
