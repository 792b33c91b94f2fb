/**
 * The template protocol's framer (codecs/example/README.md §Frames): start byte 0x68, a length byte
 * L (the type byte and the body, 1..255), the L bytes, and a checksum byte (the sum of the L bytes,
 * modulo 256). Built on the shared start-byte framer: chunks in any size, garbage skipped to the next
 * 0x68 and reported once per stretch, never a throw.
 */
import { StartByteFramer } from '../../src/framing/start-byte-framer.js';
import { ExampleDecodeError, type ExampleErrorCode } from './errors.js';

export const START_BYTE = 0x68;
/** Start byte, length byte and checksum around the L bytes. */
export const FRAME_OVERHEAD = 3;

export type ExampleFramerItem = { readonly kind: 'frame'; readonly frame: Buffer; readonly offset: number } | { readonly kind: 'error'; readonly error: ExampleDecodeError };

/** The checksum of `bytes`: their sum modulo 256. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

export class ExampleFramer extends StartByteFramer<ExampleFramerItem> {
  constructor() {
    super(START_BYTE);
  }

  protected examine(buf: Buffer, pos: number, at: number, out: ExampleFramerItem[]): number {
    if (pos + 1 >= buf.length) return 0;
    const length = buf[pos + 1] as number;
    if (length === 0) {
      out.push(error('EXAMPLE_LENGTH', 'length field 0, expected at least 1 (the type byte)', at + 1));
      return -1;
    }
    const total = length + FRAME_OVERHEAD;
    if (pos + total > buf.length) return 0;
    const frame = buf.subarray(pos, pos + total);
    const expected = checksum(frame.subarray(2, 2 + length));
    if (frame[total - 1] !== expected) {
      out.push(error('EXAMPLE_CHECKSUM', `checksum ${hex(frame[total - 1] ?? 0)}, expected ${hex(expected)}`, at + total - 1));
      return -1;
    }
    out.push({ kind: 'frame', frame, offset: at });
    return total;
  }

  protected garbage(buf: Buffer, from: number, to: number, at: number, out: ExampleFramerItem[]): void {
    out.push(error('EXAMPLE_BAD_START', `expected start byte 0x68, skipped ${to - from} byte(s)`, at));
  }

  protected longGarbage(at: number, skipped: number, out: ExampleFramerItem[]): void {
    out.push(error('EXAMPLE_BAD_START', `no frame in ${skipped} bytes`, at));
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function error(code: ExampleErrorCode, message: string, offset: number): ExampleFramerItem {
  return { kind: 'error', error: new ExampleDecodeError(code, message, offset) };
}
