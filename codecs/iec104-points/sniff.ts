/**
 * Whether a connection's first bytes are plain IEC 104 (docs/protocols/state-grid-dialects.md §1,
 * docs/protocols/iec104.md §1): an APDU of length 4..253 whose control field is a U-frame of a known
 * function (STARTDT, STOPDT, TESTFR), an S-frame, or an I-frame whose ASDU is a standard type that
 * decodes whole, with a cause of transmission of the standard's, under the mapping's field widths
 * (without a mapping: any of 1 or 2 octets of cause and common address, 1 to 3 of address). What
 * follows a whole APDU must begin as one does.
 */
import { decodeApdu } from '../../src/iec104/apdu.js';
import { MAX_APDU_LENGTH, START_BYTE } from '../../src/iec104/apci.js';
import { typeInfo } from '../../src/iec104/constants.js';
import type { AsduParameters } from '../../src/iec104/types.js';
import type { SniffResult } from '../codec.js';
import type { Iec104PointsOptions } from './session.js';

/** Every field width a mapping may give (`asdu:` in a point table). */
const ALL_PARAMETERS: readonly AsduParameters[] = ([1, 2] as const).flatMap((cotSize) => ([1, 2] as const).flatMap((caSize) => ([1, 2, 3] as const).map((ioaSize) => ({ cotSize, caSize, ioaSize }))));

/** The causes of transmission the standard defines (its 48..63 are for special use). */
const MAX_CAUSE = 47;

export function sniffIec104(head: Uint8Array, options: Iec104PointsOptions | undefined): SniffResult {
  if (head.length === 0) return 'more';
  if (head[0] !== START_BYTE) return 'no';
  if (head.length < 2) return 'more';
  const length = head[1] as number;
  if (length < 4 || length > MAX_APDU_LENGTH) return 'no';
  if (head.length < 3) return 'more';
  const cf1 = head[2] as number;
  if ((cf1 & 0x01) !== 0 && length !== 4) return 'no';
  if (!controlFits(head)) return 'no';
  if ((cf1 & 0x01) === 0 && !asduStartFits(head)) return 'no';
  const total = length + 2;
  if (head.length < total) return 'more';
  const frame = head.subarray(0, total);
  const params = options === undefined ? ALL_PARAMETERS : [asduParameters(options)];
  if (!params.some((p) => decodeApdu(frame, p).ok)) return 'no';
  return head.length === total || head[total] === START_BYTE ? 'yes' : 'no';
}

/** The control octets seen so far: reserved bits clear, a U-frame one known function and zeros after it. */
function controlFits(head: Uint8Array): boolean {
  const cf1 = head[2] as number;
  const cf3 = head[4];
  if ((cf1 & 0x03) === 0x03) return [0x07, 0x0b, 0x13, 0x23, 0x43, 0x83].includes(cf1) && head.subarray(3, 6).every((b) => b === 0);
  if ((cf1 & 0x03) === 0x01 && (cf1 !== 0x01 || (head[3] ?? 0) !== 0)) return false;
  return cf3 === undefined || (cf3 & 0x01) === 0;
}

/** An I-frame's type, object count and cause as far as they came: a standard type, some objects, a defined cause. */
function asduStartFits(head: Uint8Array): boolean {
  const ti = head[6];
  if (ti !== undefined && typeInfo(ti) === undefined) return false;
  const vsq = head[7];
  if (vsq !== undefined && (vsq & 0x7f) === 0) return false;
  const cause = head[8];
  return cause === undefined || causeFits(cause);
}

function causeFits(cot: number): boolean {
  const cause = cot & 0x3f;
  return cause >= 1 && cause <= MAX_CAUSE;
}

function asduParameters(options: Iec104PointsOptions): AsduParameters {
  const a = options.mapping.asdu ?? {};
  return { cotSize: a.cotSize ?? 2, caSize: a.caSize ?? 2, ioaSize: a.ioaSize ?? 3 };
}
