/**
 * Per-charger capture files: every chunk a charger sends and every frame the gateway writes to it,
 * for `pilegate replay` and, as pcap or pcapng (`capture.format`), for Wireshark and tshark. A
 * JSON Lines capture (the default) is a header line (`capture-header.ts`) and then one line per
 * chunk: `{"time":"<ISO>","dir":"in"|"out","hex":"…"}`. A pcap capture is the connection's TCP
 * segments (`capture-pcap.ts`) with its header beside it in `<file>.json`; a pcapng capture keeps
 * the header in its section's comment.
 *
 * The file is named after the charger id, which the charger only says in its first frames, so
 * chunks wait in memory until it is known (or a few dozen went by, or the connection closed) and
 * the file is then opened with whichever name is known: `<chargerId>-<start>.<ext>`, else
 * `<address>-<port>-<start>.<ext>`. A file that reaches `capture.maxFileBytes` or
 * `capture.maxFileHours` is closed and the capture goes on in `<…>-<start>-part<n>.<ext>`, with a
 * header of its own. Capturing never fails the connection: the first write error is logged and
 * later chunks are dropped.
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Log } from '../core/log.js';
import { CAPTURE_HEADER_VERSION, gatewayVersion, type CaptureDirection, type CaptureHeader } from './capture-header.js';
import { pcapFileHeader, pcapngHead, pcapngPacket, pcapRecord, TcpFlow } from './capture-pcap.js';
import type { CaptureFormat, CaptureStore } from './capture-store.js';

export type { CaptureDirection } from './capture-header.js';

/** What a charger session records into; the gateway gives one per connection when capture is on. */
export interface CaptureSink {
  record(dir: CaptureDirection, bytes: Uint8Array): void;
  /** The charger said who it is: the file is named after it. */
  identified(chargerId: string): void;
  close(): void;
}

/** What the header says of the protocol, given the charger id once it is known. */
export type CaptureDescription = Pick<CaptureHeader, 'codec' | 'mapping' | 'timeZone' | 'listenerPort'>;

export interface CaptureFileOptions {
  readonly dir: string;
  readonly format?: CaptureFormat;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  /** Epoch ms; the connection's start time, also used in the file name. */
  readonly now: () => number;
  readonly log: Log;
  readonly describe: (chargerId: string | undefined) => CaptureDescription;
  readonly maxFileBytes?: number;
  readonly maxFileHours?: number;
  /** Told of every file opened and closed (the directory's age and size limits). */
  readonly store?: Pick<CaptureStore, 'opened' | 'closed'>;
}

/**
 * Captures hold the raw frames, secrets included (card passwords, a firmware server's password,
 * anything a codec encrypts with a key the capture does not hold): the gateway's user alone reads
 * them. A directory that exists keeps the mode its owner gave it.
 */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Chunks kept in memory while the charger id is unknown. */
const MAX_PENDING = 64;

/** Turns any text into a safe file-name part. */
export function fileNamePart(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '_')
      .slice(0, 80) || '_'
  );
}

/** `2026-11-26T00:15:00.123Z` → `20261126T001500.123Z`: sortable, no `:` for other file systems. */
export function fileTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

interface Chunk {
  readonly time: number;
  readonly dir: CaptureDirection;
  readonly bytes: Buffer;
}

export class CaptureFile implements CaptureSink {
  private readonly started: number;
  private readonly format: CaptureFormat;
  private readonly flow: TcpFlow;
  private chargerId: string | undefined;
  private pending: Chunk[] = [];
  private stream: WriteStream | undefined;
  private failed = false;
  private closed = false;
  private path: string | undefined;
  private part = 0;
  private written = 0;
  private openedAt = 0;

  constructor(private readonly options: CaptureFileOptions) {
    this.started = options.now();
    this.format = options.format ?? 'jsonl';
    this.flow = new TcpFlow(this.endpoint('charger'), this.endpoint('gateway'));
  }

  /** The file being written (the latest part), once one is opened. */
  get file(): string | undefined {
    return this.path;
  }

  record(dir: CaptureDirection, bytes: Uint8Array): void {
    if (this.failed || this.closed) return;
    const chunk: Chunk = { time: this.options.now(), dir, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    if (this.stream === undefined && this.part === 0) {
      this.pending.push({ ...chunk, bytes: Buffer.from(chunk.bytes) });
      if (this.pending.length >= MAX_PENDING) this.open();
      return;
    }
    if (this.stream === undefined || this.due(chunk.time)) this.rotate();
    this.write(this.encode(chunk));
  }

  identified(chargerId: string): void {
    if (this.chargerId !== undefined) return;
    this.chargerId = chargerId;
    if (this.stream === undefined && this.part === 0 && !this.closed) this.open();
  }

  close(): void {
    if (this.closed) return;
    if (this.stream === undefined && this.part === 0 && this.pending.length > 0) this.open();
    if (this.stream !== undefined && this.format !== 'jsonl') this.write(this.packets(this.options.now(), this.flow.finish()));
    this.closed = true;
    this.end();
  }

  private endpoint(side: 'charger' | 'gateway'): { address: string; port: number } {
    const o = this.options;
    return side === 'charger' ? { address: o.remoteAddress ?? 'unknown', port: o.remotePort ?? 0 } : { address: o.localAddress ?? 'unknown', port: o.localPort ?? 0 };
  }

  private due(time: number): boolean {
    const { maxFileBytes, maxFileHours } = this.options;
    return (maxFileBytes !== undefined && this.written >= maxFileBytes) || (maxFileHours !== undefined && time - this.openedAt >= maxFileHours * 3_600_000);
  }

  private rotate(): void {
    this.end();
    this.open();
  }

  private end(): void {
    const stream = this.stream;
    if (stream === undefined) return;
    this.stream = undefined;
    const path = this.path;
    stream.end(() => {
      if (path !== undefined) this.options.store?.closed(path);
    });
  }

  private header(): CaptureHeader {
    return {
      pilegate: 'capture',
      format: CAPTURE_HEADER_VERSION,
      ...this.options.describe(this.chargerId),
      ...(this.chargerId !== undefined ? { chargerId: this.chargerId } : {}),
      charger: this.endpoint('charger'),
      gateway: this.endpoint('gateway'),
      gatewayVersion: gatewayVersion(),
      started: new Date(this.started).toISOString(),
      part: this.part,
    };
  }

  private open(): void {
    if (this.failed) return;
    this.part += 1;
    const { remoteAddress = 'unknown', remotePort } = this.options;
    const who = this.chargerId ?? `${remoteAddress}${remotePort !== undefined ? `-${remotePort}` : ''}`;
    const path = join(this.options.dir, `${fileNamePart(who)}-${fileTimestamp(this.started)}${this.part > 1 ? `-part${this.part}` : ''}.${this.format}`);
    this.path = path;
    const header = this.header();
    try {
      mkdirSync(this.options.dir, { recursive: true, mode: DIR_MODE });
      if (this.format === 'pcap') writeFileSync(`${path}.json`, `${JSON.stringify(header)}\n`, { mode: FILE_MODE });
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    const stream = createWriteStream(path, { flags: 'a', mode: FILE_MODE });
    stream.on('error', (e) => {
      if (stream === this.stream) this.fail(e);
      else {
        // A part already rotated out: its end is lost, the part being written is not.
        this.options.log('warn', 'capture file could not be completed', { file: path, error: e.message });
        this.options.store?.closed(path);
      }
    });
    this.stream = stream;
    this.written = 0;
    this.openedAt = this.options.now();
    this.options.store?.opened(path);
    if (this.format === 'jsonl') this.write(Buffer.from(`${JSON.stringify(header)}\n`));
    else if (this.format === 'pcap') this.write(pcapFileHeader());
    else this.write(pcapngHead(header));
    if (this.part === 1 && this.format !== 'jsonl') this.write(this.packets(this.started, this.flow.handshake()));
    for (const chunk of this.pending.splice(0)) this.write(this.encode(chunk));
  }

  private encode(chunk: Chunk): Buffer {
    if (this.format === 'jsonl') return Buffer.from(`${JSON.stringify({ time: new Date(chunk.time).toISOString(), dir: chunk.dir, hex: chunk.bytes.toString('hex') })}\n`);
    return this.packets(chunk.time, this.flow.data(chunk.dir, chunk.bytes));
  }

  private packets(time: number, packets: Buffer[]): Buffer {
    return Buffer.concat(packets.map((p) => (this.format === 'pcap' ? pcapRecord(time, p) : pcapngPacket(time, p))));
  }

  private write(bytes: Buffer): void {
    if (this.stream === undefined || this.failed) return;
    this.stream.write(bytes);
    this.written += bytes.length;
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.options.log('warn', 'capture file cannot be written: capture stops for this connection', { file: this.path, error: e.message });
    this.stream?.destroy();
    if (this.path !== undefined) this.options.store?.closed(this.path);
  }
}

/** The capture of one accepted charger socket, timed by the wall clock, into the store's directory. */
export function captureSocket(store: CaptureStore, socket: Socket, describe: CaptureFileOptions['describe'], log: Log): CaptureFile {
  const { dir, format, maxFileBytes, maxFileHours } = store.config;
  return new CaptureFile({
    dir,
    format,
    ...(socket.remoteAddress !== undefined ? { remoteAddress: socket.remoteAddress } : {}),
    ...(socket.remotePort !== undefined ? { remotePort: socket.remotePort } : {}),
    ...(socket.localAddress !== undefined ? { localAddress: socket.localAddress } : {}),
    ...(socket.localPort !== undefined ? { localPort: socket.localPort } : {}),
    ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
    ...(maxFileHours !== undefined ? { maxFileHours } : {}),
    now: () => Date.now(),
    log,
    describe,
    store,
  });
}
