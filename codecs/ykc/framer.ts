/**
 * YKC framer: arbitrary TCP chunks in, whole CRC-checked frames out (ykc.md §1, §7). A frame is the
 * start byte 0x68, a length byte L, L bytes (sequence, encryption flag, type, body) and a two-byte
 * CRC-16/MODBUS, accepted in either byte order (ykc.md §9 #1) and reported with the frame.
 *
 * Several frames per chunk and frames split anywhere are normal. Garbage is skipped up to the next
 * 0x68 and reported once per bad stretch. A candidate whose length byte is out of limits or whose
 * CRC fails is reported and the search resumes one byte after its start byte, so a frame hidden
 * behind a corrupted length byte is still found; candidates starting inside a frame that just
 * failed its CRC are skipped silently (they are its body bytes, not new errors). It never throws.
 */
import { MAX_LENGTH, LENGTH_OVERHEAD, START_BYTE } from './constants.js';
import { checkCrc, type CrcOrder } from './crc.js';
import { YkcDecodeError } from './errors.js';

export interface YkcFramerOptions {
  /** Largest accepted length field L (4..255, default 255: whatever one byte can say). */
  readonly maxLength?: number;
}

export type YkcFramerItem =
  | { readonly kind: 'frame'; readonly frame: Buffer; readonly offset: number; readonly crcOrder: CrcOrder }
  | { readonly kind: 'error'; readonly error: YkcDecodeError };

export class YkcFramer {
  readonly maxLength: number;
  private pending: Buffer = EMPTY;
  /** Stream offset of `pending[0]`. */
  private base = 0;
  /** Set after an error: garbage skipped while resynchronising is not reported again. */
  private resyncing = false;
  /** Stream offset up to which failing candidates are not reported (inside a frame whose CRC failed). */
  private quietUntil = 0;

  constructor(options: YkcFramerOptions = {}) {
    const max = options.maxLength ?? MAX_LENGTH;
    if (!Number.isInteger(max) || max < LENGTH_OVERHEAD || max > MAX_LENGTH) {
      throw new RangeError(`maxLength must be an integer in ${LENGTH_OVERHEAD}..${MAX_LENGTH}, got ${max}`);
    }
    this.maxLength = max;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Total stream bytes seen so far. */
  get position(): number {
    return this.base + this.pending.length;
  }

  /** Feeds one chunk; returns the whole frames and errors it completes, in stream order. */
  push(chunk: Uint8Array): YkcFramerItem[] {
    const out: YkcFramerItem[] = [];
    this.pushTo(chunk, out);
    return out;
  }

  /** Like `push`, appending to a caller-owned array. */
  pushTo(chunk: Uint8Array, out: YkcFramerItem[]): void {
    const buf =
      this.pending.length === 0
        ? Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([this.pending, chunk]);
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      if (buf[pos] !== START_BYTE) {
        let next = buf.indexOf(START_BYTE, pos);
        if (next < 0) next = len;
        this.garbage(buf, pos, next, out);
        pos = next;
        continue;
      }
      if (pos + 1 >= len) break;
      const at = this.base + pos;
      const length = buf[pos + 1] as number;
      if (length < LENGTH_OVERHEAD || length > this.maxLength) {
        if (at >= this.quietUntil) {
          const bound = length < LENGTH_OVERHEAD ? `at least ${LENGTH_OVERHEAD}` : `at most ${this.maxLength}`;
          out.push(error('YKC_LENGTH', `length field ${length}, expected ${bound}`, at + 1));
        }
        this.resyncing = true;
        pos += 1;
        continue;
      }
      const total = length + LENGTH_OVERHEAD;
      if (pos + total > len) break;
      const crcOrder = checkCrc(buf, pos, total);
      if (crcOrder === undefined) {
        if (at >= this.quietUntil) {
          const message = `CRC matches in neither byte order (length field ${length})`;
          out.push(error('YKC_CRC', message, at + total - 2, buf.subarray(pos, pos + total)));
          this.quietUntil = at + total;
        }
        this.resyncing = true;
        pos += 1;
        continue;
      }
      out.push({ kind: 'frame', frame: buf.subarray(pos, pos + total), offset: at, crcOrder });
      this.resyncing = false;
      pos += total;
    }
    this.base += pos;
    // Copy the tail so a retained partial frame does not pin the whole chunk in memory.
    this.pending = pos === len ? EMPTY : Buffer.from(buf.subarray(pos));
  }

  /** Drops any partial frame (on reconnect). */
  reset(): void {
    this.pending = EMPTY;
    this.base = 0;
    this.resyncing = false;
    this.quietUntil = 0;
  }

  /** Bytes `buf[from, to)` are not a start byte: report the first stretch after a good frame. */
  private garbage(buf: Buffer, from: number, to: number, out: YkcFramerItem[]): void {
    if (this.resyncing) return;
    this.resyncing = true;
    const at = this.base + from;
    if (at + (to - from) <= this.quietUntil) return;
    const start = Math.max(at, this.quietUntil);
    const skipped = buf.subarray(start - this.base, to);
    out.push(error('YKC_BAD_START', `expected start byte 0x68, skipped ${skipped.length} byte(s)`, start, skipped));
  }
}

function error(code: YkcDecodeError['code'], message: string, offset: number, raw?: Uint8Array): YkcFramerItem {
  return { kind: 'error', error: new YkcDecodeError(code, message, offset, raw) };
}

const EMPTY = Buffer.alloc(0);
