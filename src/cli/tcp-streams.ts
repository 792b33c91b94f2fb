/**
 * TCP streams of a packet capture, reassembled for `pilegate replay`: per connection and per
 * direction the bytes in sequence order, whatever order the packets came in, each byte once however
 * often it was sent again. Each connection's sides are told apart as charger (the client) and
 * gateway (the server): by the given listener port when there is one (and then only connections to
 * it are kept), else by who sent the SYN, else by a port the protocols use (2404), else the lower
 * port is taken for the server's.
 */
import type { CaptureEntry } from './capture-file.js';
import type { TcpSegment } from './pcap-read.js';

export interface StreamEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface TcpStream {
  /** 1-based, in the order the connections first appear. */
  readonly index: number;
  readonly charger: StreamEndpoint;
  readonly gateway: StreamEndpoint;
  /** How the sides were told apart. */
  readonly sidesBy: 'port' | 'syn' | 'guess';
  /** The reassembled bytes, `in` from the charger, each at the packet that completed it (`line`: the packet number). */
  readonly entries: CaptureEntry[];
  /** Bytes never seen (the capture missed packets), per direction. */
  readonly missing: { in: number; out: number };
}

const SYN = 0x02;
const ACK = 0x10;
/** Ports the gateway's protocols listen on by convention (IEC 60870-5-104). */
const KNOWN_SERVER_PORTS = new Set([2404]);

interface Direction {
  next: number | undefined;
  pending: TcpSegment[];
}

interface Connection {
  readonly a: StreamEndpoint;
  readonly b: StreamEndpoint;
  /** Who sent the first bare SYN (`a` or `b`), or the SYN-ACK's receiver. */
  client: 'a' | 'b' | undefined;
  readonly dirs: { a: Direction; b: Direction };
  /** Delivered bytes by sender. */
  readonly chunks: { readonly from: 'a' | 'b'; readonly packet: number; readonly time: number; bytes: Buffer }[];
  readonly missing: { a: number; b: number };
}

/**
 * Segments one direction holds behind a gap before the gap is taken as missed: a capture that lost
 * one packet early in a long connection would otherwise hold every later one, and each new segment
 * would scan them all (quadratic in the file's length).
 */
const MAX_WAITING = 256;

const key = (e: StreamEndpoint): string => `${e.address}|${e.port}`;
/** `x - y` in 32-bit sequence space, as a signed number. */
const diff = (x: number, y: number): number => (x - y) | 0;

export interface StreamOptions {
  /** The gateway's listening port: its side is the gateway, and only its connections are kept. */
  readonly port?: number;
}

/** The TCP streams of `segments` (in capture order). */
export function tcpStreams(segments: readonly TcpSegment[], options: StreamOptions = {}): TcpStream[] {
  const open = new Map<string, Connection>();
  const all: Connection[] = [];
  for (const s of segments) {
    const src = { address: s.src, port: s.srcPort };
    const dst = { address: s.dst, port: s.dstPort };
    const id = [key(src), key(dst)].sort().join('>');
    let c = open.get(id);
    const bareSyn = (s.flags & (SYN | ACK)) === SYN;
    // A new SYN on a pair that already carried data is a new connection (the port was used again).
    if (c !== undefined && bareSyn && c.chunks.length > 0) c = undefined;
    if (c === undefined) {
      c = { a: src, b: dst, client: undefined, dirs: { a: { next: undefined, pending: [] }, b: { next: undefined, pending: [] } }, chunks: [], missing: { a: 0, b: 0 } };
      open.set(id, c);
      all.push(c);
    }
    const from: 'a' | 'b' = key(src) === key(c.a) ? 'a' : 'b';
    if (c.client === undefined && s.flags & SYN) c.client = bareSyn ? from : from === 'a' ? 'b' : 'a';
    receive(c, from, s);
  }
  const streams: TcpStream[] = [];
  for (const c of all) {
    for (const from of ['a', 'b'] as const) flush(c, from);
    let gatewaySide: 'a' | 'b';
    let sidesBy: TcpStream['sidesBy'];
    if (options.port !== undefined) {
      if (c.a.port !== options.port && c.b.port !== options.port) continue;
      gatewaySide = c.a.port === options.port ? 'a' : 'b';
      if (c.a.port === c.b.port && c.client !== undefined) gatewaySide = c.client === 'a' ? 'b' : 'a';
      sidesBy = 'port';
    } else if (c.client !== undefined) {
      gatewaySide = c.client === 'a' ? 'b' : 'a';
      sidesBy = 'syn';
    } else {
      gatewaySide = KNOWN_SERVER_PORTS.has(c.a.port) ? 'a' : KNOWN_SERVER_PORTS.has(c.b.port) ? 'b' : c.a.port <= c.b.port ? 'a' : 'b';
      sidesBy = 'guess';
    }
    const chargerSide = gatewaySide === 'a' ? 'b' : 'a';
    if (c.chunks.length === 0) continue;
    streams.push({
      index: streams.length + 1,
      charger: c[chargerSide],
      gateway: c[gatewaySide],
      sidesBy,
      entries: c.chunks.map((k) => ({ line: k.packet, time: k.time, dir: k.from === chargerSide ? 'in' : 'out', bytes: k.bytes })),
      missing: { in: c.missing[chargerSide], out: c.missing[gatewaySide] },
    });
  }
  return streams;
}

function receive(c: Connection, from: 'a' | 'b', s: TcpSegment): void {
  const d = c.dirs[from];
  if (s.flags & SYN) {
    d.next = (s.seq + 1) >>> 0;
    d.pending = d.pending.filter((p) => diff(p.seq + p.payload.length, d.next ?? 0) > 0);
  }
  if (s.payload.length === 0) return;
  const seq = s.flags & SYN ? (s.seq + 1) >>> 0 : s.seq;
  d.next ??= seq;
  d.pending.push({ ...s, seq });
  deliver(c, from, s);
  if (d.pending.length > MAX_WAITING) skipGap(c, from, s);
}

/** Delivers whatever pending bytes follow on from `next`, at the time of packet `at`. */
function deliver(c: Connection, from: 'a' | 'b', at: TcpSegment): void {
  const d = c.dirs[from];
  for (let progress = true; progress;) {
    progress = false;
    for (const [i, p] of d.pending.entries()) {
      const next = d.next ?? p.seq;
      const skip = diff(next, p.seq);
      if (skip < 0) continue;
      d.pending.splice(i, 1);
      if (skip < p.payload.length) {
        const bytes = p.payload.subarray(skip);
        const last = c.chunks[c.chunks.length - 1];
        // What one packet completes is one chunk.
        if (last !== undefined && last.from === from && last.packet === at.packet) last.bytes = Buffer.concat([last.bytes, bytes]);
        else c.chunks.push({ from, packet: at.packet, time: at.time, bytes });
        d.next = (next + bytes.length) >>> 0;
      }
      progress = true;
      break;
    }
  }
}

/** At the end of the capture: bytes still waiting behind a gap are delivered after it, the gap counted as missing. */
function flush(c: Connection, from: 'a' | 'b'): void {
  while (c.dirs[from].pending.length > 0) skipGap(c, from);
}

/** Counts the gap before the earliest waiting segment as missing and delivers what follows it (at packet `at`, else at that segment's). */
function skipGap(c: Connection, from: 'a' | 'b', at?: TcpSegment): void {
  const d = c.dirs[from];
  const first = d.pending.reduce((x, y) => (diff(y.seq, x.seq) < 0 ? y : x));
  c.missing[from] += Math.max(0, diff(first.seq, d.next ?? first.seq));
  d.next = first.seq;
  deliver(c, from, at ?? first);
}
