/**
 * A bounded record of one station's traffic: raw frames (both directions) and log lines, each with
 * its time, packed into a few byte chunks. Nothing is allocated until the first record; the chunks
 * together never exceed `maxBytes`, and when a new chunk is needed the oldest one goes (records
 * leave a quarter of the budget at a time). Frames are kept raw and only decoded when a log is
 * asked for: a gateway serves thousands of chargers and most logs are never read.
 *
 * Record layout: float64 LE time (epoch ms), uint8 kind, uint16 LE length, the bytes.
 */

/** A frame from / to the charger, a log line, or the start of a connection (its remote address). */
export type RecordKind = 'in' | 'out' | 'log' | 'open';

const KINDS: readonly RecordKind[] = ['in', 'out', 'log', 'open'];
const HEADER = 11;
/** A chunk is at most this large (and at least a quarter of the budget, whatever is smaller). */
const MAX_CHUNK = 4096;
const MIN_CHUNK = 256;

interface Chunk {
  readonly buf: Buffer;
  used: number;
}

export interface RingRecord {
  readonly at: number;
  readonly kind: RecordKind;
  readonly bytes: Buffer;
}

export class RecordRing {
  private chunks: Chunk[] | undefined;
  private readonly chunkSize: number;

  constructor(private readonly maxBytes: number) {
    this.chunkSize = Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, Math.floor(maxBytes / 4)));
  }

  /** True while nothing was recorded (or the budget is 0). */
  get empty(): boolean {
    return this.chunks === undefined;
  }

  /** Bytes allocated. */
  get allocated(): number {
    return (this.chunks?.length ?? 0) * this.chunkSize;
  }

  /** Records `bytes` (cut to what one chunk holds). */
  add(at: number, kind: RecordKind, bytes: Uint8Array): void {
    if (this.maxBytes < this.chunkSize) return;
    const length = Math.min(bytes.length, this.chunkSize - HEADER, 0xffff);
    const chunks = (this.chunks ??= []);
    let last = chunks[chunks.length - 1];
    if (last === undefined || last.used + HEADER + length > this.chunkSize) {
      if ((chunks.length + 1) * this.chunkSize > this.maxBytes) {
        // The oldest chunk's buffer is reused for the newest: no allocation once the budget is full.
        const oldest = chunks.shift() as Chunk;
        oldest.used = 0;
        last = oldest;
      } else {
        last = { buf: Buffer.allocUnsafeSlow(this.chunkSize), used: 0 };
      }
      chunks.push(last);
    }
    const { buf } = last;
    buf.writeDoubleLE(at, last.used);
    buf.writeUInt8(KINDS.indexOf(kind), last.used + 8);
    buf.writeUInt16LE(length, last.used + 9);
    buf.set(bytes.subarray(0, length), last.used + HEADER);
    last.used += HEADER + length;
  }

  /** Every record, oldest first (the bytes are copies). */
  *records(): Generator<RingRecord> {
    for (const chunk of this.chunks ?? []) {
      for (let at = 0; at + HEADER <= chunk.used;) {
        const length = chunk.buf.readUInt16LE(at + 9);
        yield { at: chunk.buf.readDoubleLE(at), kind: KINDS[chunk.buf.readUInt8(at + 8)] ?? 'log', bytes: Buffer.from(chunk.buf.subarray(at + HEADER, at + HEADER + length)) };
        at += HEADER + length;
      }
    }
  }
}
