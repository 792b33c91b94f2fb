/**
 * Packed BCD as YKC uses it (docs/protocols/ykc.md §2): most-significant digit first, two digits per byte, short
 * values left-padded with 0 (pile code 7 bytes = 14 digits, transaction number 16 bytes = 32
 * digits). Some devices pad on the right with 0xF nibbles instead, and the login "BCD" SIM field
 * carries an ICCID with hex digits, so decoding renders every nibble as a hex digit (uppercase) and
 * never fails: the string always has 2 x length characters and encodes back to the same bytes.
 */
import { YkcEncodeError } from './errors.js';

const HEX = '0123456789ABCDEF';

/** The 2 x `length` digits of `bytes[offset, offset + length)`, nibbles above 9 as `A`..`F`. */
export function readBcd(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  let s = '';
  for (let i = offset; i < offset + length; i++) {
    const b = bytes[i] as number;
    s += HEX[b >> 4] as string;
    s += HEX[b & 0x0f] as string;
  }
  return s;
}

/** How a value with fewer digits than the field is padded. */
export type BcdPadding =
  /** `'123'` in 2 bytes -> `01 23` (the spec: "不足补0"). */
  | 'zero-left'
  /** `'123'` in 2 bytes -> `12 3F` (0xF filler after the digits, as some devices send). */
  | 'f-right';

/**
 * Writes `value` (digits, or hex digits for fields that carry them) as `length` BCD bytes at
 * `offset`. Throws `YkcEncodeError` naming `field` when the value has a non-hex character or more
 * than 2 x `length` digits.
 */
export function writeBcd(value: string, out: Uint8Array, offset: number, length: number, field: string, padding: BcdPadding = 'zero-left'): void {
  if (!/^[0-9A-Fa-f]*$/.test(value)) throw new YkcEncodeError(field, `BCD value ${JSON.stringify(value)} has a non-digit`);
  const width = 2 * length;
  if (value.length > width) throw new YkcEncodeError(field, `BCD value ${value} has more than ${width} digits`);
  const digits = padding === 'zero-left' ? value.padStart(width, '0') : value.padEnd(width, 'F');
  for (let i = 0; i < length; i++) out[offset + i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
}

/** `value` as `length` BCD bytes (see `writeBcd`). */
export function encodeBcd(value: string, length: number, field = 'bcd', padding: BcdPadding = 'zero-left'): Buffer {
  const out = Buffer.alloc(length);
  writeBcd(value, out, 0, length, field, padding);
  return out;
}

/** True when every digit is decimal (a well-formed BCD number). */
export function isDecimalBcd(digits: string): boolean {
  return /^[0-9]*$/.test(digits);
}

/** The digits without 0xF right padding: `'123F'` -> `'123'`. Leading zeros are part of the id and stay. */
export function trimBcdPadding(digits: string): string {
  return digits.replace(/[Ff]+$/, '');
}
