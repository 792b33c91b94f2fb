/**
 * Stream helpers shared by the framer tests of every 0x68-style codec: feeding chunks, splitting a
 * stream, summarising a run, and framing + decoding a whole stream with stream-relative offsets.
 */

interface FrameItem {
  readonly kind: 'frame';
  readonly frame: Buffer;
  readonly offset: number;
}
interface ErrorItem {
  readonly kind: 'error';
  readonly error: { readonly code: string; readonly offset: number };
}
export type AnyFramerItem = FrameItem | ErrorItem;

export interface AnyFramer<I extends AnyFramerItem> {
  push(chunk: Uint8Array): I[];
  readonly buffered: number;
}

export interface ExpectedError {
  readonly code: string;
  readonly offset: number;
}

type Decode = (frame: Buffer) => { ok: true } | { ok: false; error: { code: string; shifted(base: number): { offset: number } } };

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Feeds `chunks` to a fresh framer; returns its items and the framer. */
export function frameChunks<F extends AnyFramer<AnyFramerItem>>(create: () => F, chunks: readonly Uint8Array[]): { items: ReturnType<F['push']>; framer: F } {
  const framer = create();
  const items: AnyFramerItem[] = [];
  for (const chunk of chunks) items.push(...framer.push(chunk));
  return { items: items as ReturnType<F['push']>, framer };
}

/** Frames (as offset + hex) and error codes of a framer run, for whole-list comparisons. */
export function summary(items: readonly AnyFramerItem[]): { frames: { offset: number; hex: string }[]; errors: string[] } {
  const frames: { offset: number; hex: string }[] = [];
  const errors: string[] = [];
  for (const item of items) {
    if (item.kind === 'frame') frames.push({ offset: item.offset, hex: hex(item.frame) });
    else errors.push(`${item.error.code} at ${item.error.offset}`);
  }
  return { frames, errors };
}

/** Splits a stream byte by byte, or into chunks of the given sizes plus the rest. */
export function split(bytes: Buffer, sizes: 'bytes' | number[]): Buffer[] {
  if (sizes === 'bytes') return Array.from(bytes, (b) => Buffer.from([b]));
  const out: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** Framer + decoder over a whole stream: every error with a stream offset, and the good frames. */
export function frameAndDecode(create: () => AnyFramer<AnyFramerItem>, decode: Decode, chunks: readonly Uint8Array[]): { errors: ExpectedError[]; good: number; buffered: number } {
  const { items, framer } = frameChunks(create, chunks);
  const errors: ExpectedError[] = [];
  let good = 0;
  for (const item of items) {
    if (item.kind === 'error') {
      errors.push({ code: item.error.code, offset: item.error.offset });
      continue;
    }
    const r = decode(item.frame);
    if (r.ok) good += 1;
    else errors.push({ code: r.error.code, offset: r.error.shifted(item.offset).offset });
  }
  return { errors, good, buffered: framer.buffered };
}
