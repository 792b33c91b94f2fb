/**
 * Per-charger capture files: every chunk a charger sends and every frame the gateway writes to it,
 * one JSON line each (`{"time":"<ISO>","dir":"in"|"out","hex":"…"}`), for `pilegate replay`.
 *
 * The file is named after the charger id, which the charger only says in its first frames, so
 * lines wait in memory until it is known (or a few dozen lines went by, or the connection closed)
 * and the file is then opened with whichever name is known: `<chargerId>-<start>.jsonl`, else
 * `<address>-<port>-<start>.jsonl`. Capturing never fails the connection: the first write error is
 * logged and later lines are dropped.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Log } from '../core/log.js';

export type CaptureDirection = 'in' | 'out';

/** What a charger session records into; the gateway gives one per connection when capture is on. */
export interface CaptureSink {
  record(dir: CaptureDirection, bytes: Uint8Array): void;
  /** The charger said who it is: the file is named after it. */
  identified(chargerId: string): void;
  close(): void;
}

export interface CaptureFileOptions {
  readonly dir: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  /** Epoch ms; the connection's start time, also used in the file name. */
  readonly now: () => number;
  readonly log: Log;
}

/** Lines kept in memory while the charger id is unknown. */
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

export class CaptureFile implements CaptureSink {
  private readonly started: number;
  private chargerId: string | undefined;
  private pending: string[] = [];
  private stream: WriteStream | undefined;
  private failed = false;
  private closed = false;
  private path: string | undefined;

  constructor(private readonly options: CaptureFileOptions) {
    this.started = options.now();
  }

  /** The file, once it is opened. */
  get file(): string | undefined {
    return this.path;
  }

  record(dir: CaptureDirection, bytes: Uint8Array): void {
    if (this.failed || this.closed) return;
    const line = `${JSON.stringify({ time: new Date(this.options.now()).toISOString(), dir, hex: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') })}\n`;
    if (this.stream !== undefined) {
      this.stream.write(line);
      return;
    }
    this.pending.push(line);
    if (this.pending.length >= MAX_PENDING) this.open();
  }

  identified(chargerId: string): void {
    if (this.chargerId !== undefined) return;
    this.chargerId = chargerId;
    if (this.stream === undefined && !this.closed) this.open();
  }

  close(): void {
    if (this.closed) return;
    if (this.stream === undefined && this.pending.length > 0) this.open();
    this.closed = true;
    this.stream?.end();
  }

  private open(): void {
    if (this.failed) return;
    const { remoteAddress = 'unknown', remotePort } = this.options;
    const who = this.chargerId ?? `${remoteAddress}${remotePort !== undefined ? `-${remotePort}` : ''}`;
    this.path = join(this.options.dir, `${fileNamePart(who)}-${fileTimestamp(this.started)}.jsonl`);
    try {
      mkdirSync(this.options.dir, { recursive: true });
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    const stream = createWriteStream(this.path, { flags: 'a' });
    stream.on('error', (e) => this.fail(e));
    this.stream = stream;
    for (const line of this.pending.splice(0)) stream.write(line);
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.options.log('warn', 'capture file cannot be written: capture stops for this connection', { file: this.path, error: e.message });
    this.stream?.destroy();
  }
}

/** The capture of one accepted charger socket, timed by the wall clock. */
export function captureSocket(dir: string, socket: Socket, log: Log): CaptureFile {
  return new CaptureFile({
    dir,
    ...(socket.remoteAddress !== undefined ? { remoteAddress: socket.remoteAddress } : {}),
    ...(socket.remotePort !== undefined ? { remotePort: socket.remotePort } : {}),
    now: () => Date.now(),
    log,
  });
}
