/**
 * The stream half of every 0x68-style framer (IEC 104, YKC): arbitrary TCP chunks in, whole
 * frames out, several per chunk or split anywhere, garbage skipped up to the next start byte and
 * reported once per stretch, a partial frame kept (copied, so it does not pin the chunk) until the
 * rest arrives. What a frame is, the protocol says in `examine`. It never throws.
 *
 * A long run without a frame is reported again every `GARBAGE_REPORT_BYTES` skipped bytes (counted
 * from the last whole frame, at fixed stream offsets, so however the stream is cut): a peer that
 * sends bytes without any start byte spends its bad-frame budget like one sending broken frames,
 * instead of being read for free until some timeout.
 */

/**
 * Skipped bytes per further report of a run without a frame: twice the largest frame of either
 * protocol (IEC 104: 255, YKC: 259 bytes), so one frame whose start byte was lost counts once.
 */
export const GARBAGE_REPORT_BYTES = 512;

export abstract class StartByteFramer<Item> {
  private pending: Buffer = EMPTY;
  /** Stream offset of `pending[0]`. */
  private base = 0;
  /** Set after an error: garbage skipped while resynchronising is not reported again. */
  protected resyncing = false;
  /** Bytes skipped as garbage since the last whole frame. */
  private skipped = 0;

  constructor(private readonly startByte: number) {}

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Total stream bytes seen so far. */
  get position(): number {
    return this.base + this.pending.length;
  }

  /** Feeds one chunk; returns the whole frames and errors it completes, in stream order. */
  push(chunk: Uint8Array): Item[] {
    const out: Item[] = [];
    this.pushTo(chunk, out);
    return out;
  }

  /** Like `push`, appending to a caller-owned array (saves an allocation on hot paths). */
  pushTo(chunk: Uint8Array, out: Item[]): void {
    let buf: Buffer;
    if (this.pending.length === 0) {
      buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } else {
      buf = Buffer.concat([this.pending, chunk]);
    }
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      if (buf[pos] !== this.startByte) {
        let next = buf.indexOf(this.startByte, pos);
        if (next < 0) next = len;
        if (!this.resyncing) {
          this.resyncing = true;
          this.garbage(buf, pos, next, this.base + pos, out);
        }
        // Each GARBAGE_REPORT_BYTES-th skipped byte is reported, at its own stream offset.
        const run = next - pos;
        for (let k = GARBAGE_REPORT_BYTES - (this.skipped % GARBAGE_REPORT_BYTES); k <= run; k += GARBAGE_REPORT_BYTES) {
          this.longGarbage(this.base + pos + k - 1, this.skipped + k, out);
        }
        this.skipped += run;
        pos = next;
        continue;
      }
      const n = this.examine(buf, pos, this.base + pos, out);
      if (n === 0) break;
      if (n < 0) {
        this.resyncing = true;
        pos += 1;
        continue;
      }
      this.resyncing = false;
      this.skipped = 0;
      pos += n;
    }
    this.base += pos;
    this.pending = pos === len ? EMPTY : Buffer.from(buf.subarray(pos));
  }

  /** Drops any partial frame (on reconnect). */
  reset(): void {
    this.pending = EMPTY;
    this.base = 0;
    this.resyncing = false;
    this.skipped = 0;
  }

  /**
   * Looks at the candidate starting at `buf[pos]` (a start byte; `at` is its stream offset).
   * Returns the size of a whole frame after pushing it to `out`; 0 when more bytes are needed;
   * -1 when this is not a frame (after pushing any error): the search resumes one byte further.
   */
  protected abstract examine(buf: Buffer, pos: number, at: number, out: Item[]): number;

  /** Bytes `buf[from, to)` (stream offset `at`) are not a start byte: report them if wanted. */
  protected abstract garbage(buf: Buffer, from: number, to: number, at: number, out: Item[]): void;

  /**
   * `skipped` bytes (a multiple of `GARBAGE_REPORT_BYTES`) were skipped since the last whole frame,
   * the last of them at stream offset `at`: report it.
   */
  protected abstract longGarbage(at: number, skipped: number, out: Item[]): void;
}

const EMPTY = Buffer.alloc(0);
