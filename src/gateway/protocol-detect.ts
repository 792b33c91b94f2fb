/**
 * Telling protocols apart by a connection's first bytes (docs/protocols/state-grid-dialects.md §1):
 * on a listener that serves several codecs, which one a new charger speaks; on a listener that serves
 * one, whether a charger speaks another protocol than it (a clear warning, never a switch). Each
 * codec judges the bytes with its `sniff`; this file only weighs their answers and holds the bytes.
 */
import type { Clock } from '../core/clock.js';
import type { SniffResult } from '../../codecs/codec.js';

/** One codec as detection sees it: its name, its judgement of the first bytes, whether its chargers wait for the gateway. */
export interface Sniffer {
  readonly name: string;
  sniff(head: Uint8Array): SniffResult;
  readonly gatewaySpeaksFirst?: boolean;
}

/** Why a connection no codec could claim is refused (`pilegate_chargers_refused_total` reasons). */
export const DETECT_REFUSALS = ['protocol_unknown', 'protocol_ambiguous', 'protocol_timeout'] as const;
export type DetectRefusal = (typeof DETECT_REFUSALS)[number];

/** What the first bytes decide: wait for more, one codec (by its sniff, or by the charger's silence), or a refusal. */
export type Detection =
  | { readonly kind: 'wait' }
  | { readonly kind: 'codec'; readonly index: number; readonly by: 'sniff' | 'silence' }
  | { readonly kind: 'refuse'; readonly reason: DetectRefusal; readonly detail: string };

/** How long and how many bytes a listener with several codecs holds a new connection's first bytes. */
export interface DetectLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export const DEFAULT_DETECT_LIMITS: DetectLimits = { timeoutMs: 3_000, maxBytes: 512 };

/** A sniff that throws is a codec's bug: it counts as `no` rather than taking the gateway down. */
function answer(s: Sniffer, head: Uint8Array): SniffResult {
  try {
    const a = s.sniff(head);
    return a === 'yes' || a === 'more' ? a : 'no';
  } catch {
    return 'no';
  }
}

/**
 * Weighs the codecs' answers to `head`. A codec is chosen once it alone says `yes` and every other
 * says `no`; all saying `no` refuses at once. With `final` (the time or byte limit is reached) one
 * `yes` is enough, several are ambiguous, none is a refusal; a charger that sent nothing at all goes
 * to the one codec whose chargers wait for the gateway to speak, if there is exactly one.
 */
export function detect(sniffers: readonly Sniffer[], head: Uint8Array, final: boolean): Detection {
  const names = sniffers.map((s) => s.name).join(', ');
  if (head.length === 0) {
    if (!final) return { kind: 'wait' };
    const quiet = sniffers.flatMap((s, index) => (s.gatewaySpeaksFirst === true ? [index] : []));
    if (quiet.length === 1) return { kind: 'codec', index: quiet[0] as number, by: 'silence' };
    return { kind: 'refuse', reason: 'protocol_timeout', detail: `sent nothing, and ${quiet.length === 0 ? 'none' : 'more than one'} of ${names} waits for the gateway to speak first` };
  }
  const answers = sniffers.map((s) => answer(s, head));
  const yes = answers.flatMap((a, index) => (a === 'yes' ? [index] : []));
  const more = answers.filter((a) => a === 'more').length;
  if (yes.length === 1 && (more === 0 || final)) return { kind: 'codec', index: yes[0] as number, by: 'sniff' };
  if (yes.length === 0 && more === 0) return { kind: 'refuse', reason: 'protocol_unknown', detail: `its first ${head.length} byte(s) are none of ${names}` };
  if (!final) return { kind: 'wait' };
  if (yes.length > 1) return { kind: 'refuse', reason: 'protocol_ambiguous', detail: `its first ${head.length} byte(s) could be ${yes.map((i) => sniffers[i]?.name).join(' or ')}` };
  return { kind: 'refuse', reason: 'protocol_timeout', detail: `its first ${head.length} byte(s) are no whole frame of ${names}` };
}

/**
 * Whether a charger on a single-codec listener speaks another protocol: `wait` while the answer
 * needs more bytes, else the other codecs that claim the bytes (empty: nothing to say, including
 * when the configured codec claims them).
 */
export function mismatch(configured: Sniffer, others: readonly Sniffer[], head: Uint8Array, final: boolean): { readonly kind: 'wait' } | { readonly kind: 'done'; readonly speaks: readonly string[] } {
  const own = answer(configured, head);
  if (own === 'yes') return { kind: 'done', speaks: [] };
  const answers = others.map((s) => answer(s, head));
  const speaks = others.filter((_, i) => answers[i] === 'yes').map((s) => s.name);
  if (own === 'more' && !final) return { kind: 'wait' };
  if (speaks.length === 0 && answers.includes('more') && !final) return { kind: 'wait' };
  return { kind: 'done', speaks: own === 'more' ? [] : speaks };
}

/** What a charger's first bytes are kept as: at most `maxBytes`, in the order they came. */
class Head {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a chunk (what goes past `maxBytes` is not judged, but kept: it goes to the session). */
  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  get full(): boolean {
    return this.size >= this.maxBytes;
  }

  /** Every byte so far. */
  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** The bytes a sniff judges. */
  judged(): Buffer {
    return this.bytes().subarray(0, this.maxBytes);
  }
}

/** The part of a socket detection reads from (a `net.Socket`). */
export interface DataSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/**
 * Holds a new connection's bytes until `detect` decides, the byte limit is reached or the time
 * runs out; then stops reading and calls `decided` once with the decision and every byte held.
 * `cancel` (the connection closed, the gateway stops) ends it without a call.
 */
export class FirstBytes {
  private readonly head: Head;
  private timer: unknown;
  private done = false;
  private readonly onData = (chunk: Buffer): void => this.data(chunk);

  constructor(
    private readonly source: DataSource,
    private readonly sniffers: readonly Sniffer[],
    limits: DetectLimits,
    private readonly clock: Clock,
    private readonly decided: (detection: Exclude<Detection, { kind: 'wait' }>, held: Buffer) => void,
  ) {
    this.head = new Head(limits.maxBytes);
    source.on('data', this.onData);
    this.timer = clock.setTimeout(() => this.finish(detect(this.sniffers, this.head.judged(), true)), limits.timeoutMs);
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.clock.clearTimeout(this.timer);
    this.source.off('data', this.onData);
  }

  private data(chunk: Buffer): void {
    if (this.done) return;
    this.head.add(chunk);
    const d = detect(this.sniffers, this.head.judged(), this.head.full);
    if (d.kind !== 'wait') this.finish(d);
  }

  private finish(d: Detection): void {
    if (this.done || d.kind === 'wait') return;
    this.cancel();
    this.decided(d, this.head.bytes());
  }
}

/**
 * Watches a single-codec connection's first bytes beside its session (which gets them as usual)
 * until `mismatch` is done or `maxBytes` came; calls `found` once when other codecs claim them.
 */
export class FirstFrameCheck {
  private readonly head: Head;
  private done = false;
  private readonly onData = (chunk: Buffer): void => this.data(chunk);

  constructor(
    private readonly source: DataSource,
    private readonly configured: Sniffer,
    private readonly others: readonly Sniffer[],
    maxBytes: number,
    private readonly found: (speaks: readonly string[]) => void,
  ) {
    this.head = new Head(maxBytes);
    source.on('data', this.onData);
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.source.off('data', this.onData);
  }

  private data(chunk: Buffer): void {
    if (this.done) return;
    this.head.add(chunk);
    const m = mismatch(this.configured, this.others, this.head.judged(), this.head.full);
    if (m.kind === 'wait') return;
    this.cancel();
    if (m.speaks.length > 0) this.found(m.speaks);
  }
}
