/**
 * The stream half of every 0x68-style framer (IEC 104, YKC): arbitrary TCP chunks in, whole
 * frames out, several per chunk or split anywhere, garbage skipped up to the next start byte and
 * reported once per stretch, a partial frame kept (copied, so it does not pin the chunk) until the
 * rest arrives. What a frame is, the protocol says in `examine`. It never throws.
 */
export abstract class StartByteFramer<Item> {
  private pending: Buffer = EMPTY;
  /** Stream offset of `pending[0]`. */
  private base = 0;
  /** Set after an error: garbage skipped while resynchronising is not reported again. */
  protected resyncing = false;

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
  }

  /**
   * Looks at the candidate starting at `buf[pos]` (a start byte; `at` is its stream offset).
   * Returns the size of a whole frame after pushing it to `out`; 0 when more bytes are needed;
   * -1 when this is not a frame (after pushing any error): the search resumes one byte further.
   */
  protected abstract examine(buf: Buffer, pos: number, at: number, out: Item[]): number;

  /** Bytes `buf[from, to)` (stream offset `at`) are not a start byte: report them if wanted. */
  protected abstract garbage(buf: Buffer, from: number, to: number, at: number, out: Item[]): void;
}

const EMPTY = Buffer.alloc(0);
