/**
 * APDU framer: arbitrary TCP chunks in, whole APDUs out (IEC 60870-5-104 §5.1: start 0x68, one
 * length octet, then exactly that many octets). Several APDUs per chunk and APDUs split anywhere are
 * both normal. Garbage is skipped up to the next start byte; a bad length octet is reported and the
 * framer resynchronises one byte further on. It never throws.
 */
import { MAX_APDU_LENGTH, START_BYTE } from './apci.js';
import { StartByteFramer } from '../framing/start-byte-framer.js';
import { DecodeError } from './errors.js';

export interface FramerOptions {
  /** Largest accepted value of the length octet (4..253, default 253). */
  readonly maxApduLength?: number;
}

export type FramerItem = { readonly kind: 'frame'; readonly frame: Buffer; readonly offset: number } | { readonly kind: 'error'; readonly error: DecodeError };

export class ApduFramer extends StartByteFramer<FramerItem> {
  readonly maxApduLength: number;

  constructor(options: FramerOptions = {}) {
    super(START_BYTE);
    const max = options.maxApduLength ?? MAX_APDU_LENGTH;
    if (!Number.isInteger(max) || max < 4 || max > MAX_APDU_LENGTH) {
      throw new RangeError(`maxApduLength must be an integer in 4..${MAX_APDU_LENGTH}, got ${max}`);
    }
    this.maxApduLength = max;
  }

  protected examine(buf: Buffer, pos: number, at: number, out: FramerItem[]): number {
    if (pos + 1 >= buf.length) return 0;
    const apduLength = buf[pos + 1] as number;
    if (apduLength < 4 || apduLength > this.maxApduLength) {
      const code = apduLength < 4 ? 'IEC104_LENGTH_TOO_SHORT' : 'IEC104_LENGTH_TOO_LONG';
      const bound = apduLength < 4 ? 'at least 4' : `at most ${this.maxApduLength}`;
      out.push({ kind: 'error', error: new DecodeError(code, `APDU length ${apduLength}, expected ${bound}`, at + 1) });
      return -1;
    }
    const total = 2 + apduLength;
    if (pos + total > buf.length) return 0;
    out.push({ kind: 'frame', frame: buf.subarray(pos, pos + total), offset: at });
    return total;
  }

  protected garbage(buf: Buffer, from: number, to: number, at: number, out: FramerItem[]): void {
    out.push({
      kind: 'error',
      error: new DecodeError('IEC104_BAD_START', `expected start byte 0x68, skipped ${to - from} byte(s)`, at, buf.subarray(from, to)),
    });
  }

  protected longGarbage(at: number, skipped: number, out: FramerItem[]): void {
    out.push({ kind: 'error', error: new DecodeError('IEC104_BAD_START', `no APDU in ${skipped} bytes`, at) });
  }
}
