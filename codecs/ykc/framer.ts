/**
 * YKC framer: arbitrary TCP chunks in, whole CRC-checked frames out (docs/protocols/ykc.md §1, §7). A frame is the
 * start byte 0x68, a length byte L, L bytes (sequence, encryption flag, type, body) and a two-byte
 * CRC-16/MODBUS, accepted in either byte order (docs/protocols/ykc.md §9 #1) and reported with the frame.
 *
 * Several frames per chunk and frames split anywhere are normal. Garbage is skipped up to the next
 * 0x68 and reported once per bad stretch. A candidate whose length byte is out of limits or whose
 * CRC fails is reported and the search resumes one byte after its start byte, so a frame hidden
 * behind a corrupted length byte is still found; candidates starting inside a frame that just
 * failed its CRC are skipped silently (they are its body bytes, not new errors). It never throws.
 */
import { MAX_LENGTH, LENGTH_OVERHEAD, START_BYTE } from './constants.js';
import { checkCrc, type CrcOrder } from './crc.js';
import { StartByteFramer } from '../../src/framing/start-byte-framer.js';
import { YkcDecodeError } from './errors.js';

export interface YkcFramerOptions {
  /** Largest accepted length field L (4..255, default 255: whatever one byte can say). */
  readonly maxLength?: number;
}

export type YkcFramerItem = { readonly kind: 'frame'; readonly frame: Buffer; readonly offset: number; readonly crcOrder: CrcOrder } | { readonly kind: 'error'; readonly error: YkcDecodeError };

export class YkcFramer extends StartByteFramer<YkcFramerItem> {
  readonly maxLength: number;
  /** Stream offset up to which failing candidates are not reported (inside a frame whose CRC failed). */
  private quietUntil = 0;

  constructor(options: YkcFramerOptions = {}) {
    super(START_BYTE);
    const max = options.maxLength ?? MAX_LENGTH;
    if (!Number.isInteger(max) || max < LENGTH_OVERHEAD || max > MAX_LENGTH) {
      throw new RangeError(`maxLength must be an integer in ${LENGTH_OVERHEAD}..${MAX_LENGTH}, got ${max}`);
    }
    this.maxLength = max;
  }

  override reset(): void {
    super.reset();
    this.quietUntil = 0;
  }

  protected examine(buf: Buffer, pos: number, at: number, out: YkcFramerItem[]): number {
    if (pos + 1 >= buf.length) return 0;
    const length = buf[pos + 1] as number;
    if (length < LENGTH_OVERHEAD || length > this.maxLength) {
      if (at >= this.quietUntil) {
        const bound = length < LENGTH_OVERHEAD ? `at least ${LENGTH_OVERHEAD}` : `at most ${this.maxLength}`;
        out.push(error('YKC_LENGTH', `length field ${length}, expected ${bound}`, at + 1));
      }
      return -1;
    }
    const total = length + LENGTH_OVERHEAD;
    if (pos + total > buf.length) return 0;
    const crcOrder = checkCrc(buf, pos, total);
    if (crcOrder === undefined) {
      if (at >= this.quietUntil) {
        out.push(error('YKC_CRC', `CRC matches in neither byte order (length field ${length})`, at + total - 2, buf.subarray(pos, pos + total)));
        this.quietUntil = at + total;
      }
      return -1;
    }
    out.push({ kind: 'frame', frame: buf.subarray(pos, pos + total), offset: at, crcOrder });
    return total;
  }

  /** Reports the first stretch of garbage after a good frame, except inside a frame that failed its CRC. */
  protected garbage(buf: Buffer, from: number, to: number, at: number, out: YkcFramerItem[]): void {
    if (at + (to - from) <= this.quietUntil) return;
    const start = Math.max(at, this.quietUntil);
    const skipped = buf.subarray(from + (start - at), to);
    out.push(error('YKC_BAD_START', `expected start byte 0x68, skipped ${skipped.length} byte(s)`, start, skipped));
  }

  protected longGarbage(at: number, skipped: number, out: YkcFramerItem[]): void {
    out.push(error('YKC_BAD_START', `no frame in ${skipped} bytes`, at));
  }
}

function error(code: YkcDecodeError['code'], message: string, offset: number, raw?: Uint8Array): YkcFramerItem {
  return { kind: 'error', error: new YkcDecodeError(code, message, offset, raw) };
}
