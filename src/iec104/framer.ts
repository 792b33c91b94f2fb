/**
 * APDU framer: arbitrary TCP chunks in, whole APDUs out (IEC 60870-5-104 §5.1: start 0x68, one
 * length octet, then exactly that many octets). Several APDUs per chunk and APDUs split anywhere are
 * both normal. Garbage is skipped up to the next start byte; a bad length octet is reported and the
 * framer resynchronises one byte further on. It never throws.
 */
import { MAX_APDU_LENGTH, START_BYTE } from './apci.js';
import { DecodeError } from './errors.js';

export interface FramerOptions {
  /** Largest accepted value of the length octet (4..253, default 253). */
  readonly maxApduLength?: number;
}

export type FramerItem =
  | { readonly kind: 'frame'; readonly frame: Buffer; readonly offset: number }
  | { readonly kind: 'error'; readonly error: DecodeError };

export class ApduFramer {
  readonly maxApduLength: number;
  private pending: Buffer = Buffer.alloc(0);
  /** Stream offset of `pending[0]`. */
  private base = 0;
  /** Set after an error: bytes skipped while searching for the next start byte are not reported again. */
  private resyncing = false;

  constructor(options: FramerOptions = {}) {
    const max = options.maxApduLength ?? MAX_APDU_LENGTH;
    if (!Number.isInteger(max) || max < 4 || max > MAX_APDU_LENGTH) {
      throw new RangeError(`maxApduLength must be an integer in 4..${MAX_APDU_LENGTH}, got ${max}`);
    }
    this.maxApduLength = max;
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
  push(chunk: Uint8Array): FramerItem[] {
    const out: FramerItem[] = [];
    this.pushTo(chunk, out);
    return out;
  }

  /** Like `push`, appending to a caller-owned array (saves an allocation on hot paths). */
  pushTo(chunk: Uint8Array, out: FramerItem[]): void {
    let buf: Buffer;
    if (this.pending.length === 0) {
      buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } else {
      buf = Buffer.concat([this.pending, chunk]);
    }
    const max = this.maxApduLength;
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      if (buf[pos] !== START_BYTE) {
        let next = buf.indexOf(START_BYTE, pos);
        if (next < 0) next = len;
        if (!this.resyncing) {
          out.push({
            kind: 'error',
            error: new DecodeError(
              'IEC104_BAD_START',
              `expected start byte 0x68, skipped ${next - pos} byte(s)`,
              this.base + pos,
              buf.subarray(pos, next),
            ),
          });
          this.resyncing = true;
        }
        pos = next;
        continue;
      }
      if (pos + 1 >= len) break;
      const apduLength = buf[pos + 1] as number;
      if (apduLength < 4 || apduLength > max) {
        const code = apduLength < 4 ? 'IEC104_LENGTH_TOO_SHORT' : 'IEC104_LENGTH_TOO_LONG';
        const bound = apduLength < 4 ? 'at least 4' : `at most ${max}`;
        out.push({
          kind: 'error',
          error: new DecodeError(code, `APDU length ${apduLength}, expected ${bound}`, this.base + pos + 1),
        });
        this.resyncing = true;
        pos += 1;
        continue;
      }
      const end = pos + 2 + apduLength;
      if (end > len) break;
      out.push({ kind: 'frame', frame: buf.subarray(pos, end), offset: this.base + pos });
      this.resyncing = false;
      pos = end;
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
  }
}

const EMPTY = Buffer.alloc(0);
