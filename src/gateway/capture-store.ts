/**
 * The capture directory's limits (`capture.maxAgeHours`, `capture.maxTotalBytes`): capture files
 * older than the age (by their last write) are removed, then the oldest until the directory's
 * capture files fit in the total. Files still being written are never removed. The directory is
 * checked whenever a capture file is opened (a new connection, a rotation) and every few minutes.
 * Only capture files are touched: `*.jsonl`, `*.pcap`, `*.pcapng`, and a pcap's header `*.pcap.json`
 * goes with its pcap.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PointerIssue } from '../config/document.js';
import type { Log } from '../core/log.js';

export type CaptureFormat = 'jsonl' | 'pcap' | 'pcapng';

/** What `capture:` of the gateway config says. */
export interface CaptureConfig {
  /** Off without it. */
  readonly dir?: string;
  /** How a capture is written (default `jsonl`). */
  readonly format: CaptureFormat;
  /** A connection's file is closed and a new one begun (with its own header) once it holds this many bytes. */
  readonly maxFileBytes?: number;
  /** …or once it was begun this many hours ago. */
  readonly maxFileHours?: number;
  /** Capture files last written longer ago than this are removed. */
  readonly maxAgeHours?: number;
  /** The oldest capture files are removed while all of them together hold more than this. */
  readonly maxTotalBytes?: number;
}

/** Disk a capture may fill unless the config says otherwise (0 lifts a limit): a file, and the directory. */
export const DEFAULT_CAPTURE_LIMITS = { maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 1024 * 1024 * 1024 } as const;

/** `capture:` as written → the config the gateway uses: the default limits filled in, `0` (no limit) left out. */
export function captureConfig(raw: Partial<CaptureConfig> | undefined, rel: (path: string) => string, issues: PointerIssue[]): CaptureConfig {
  const sizes: Partial<Record<'maxFileBytes' | 'maxTotalBytes', number>> = {};
  for (const key of ['maxFileBytes', 'maxTotalBytes'] as const) {
    const value = raw?.[key] ?? DEFAULT_CAPTURE_LIMITS[key];
    if (value > 0 && value < 1024) issues.push({ pointer: `/capture/${key}`, reason: 'must be 0 (no limit) or at least 1024' });
    if (value > 0) sizes[key] = value;
  }
  const { maxFileBytes: _file, maxTotalBytes: _total, ...rest } = raw ?? {};
  return { ...rest, ...sizes, format: raw?.format ?? 'jsonl', ...(raw?.dir !== undefined ? { dir: rel(raw.dir) } : {}) };
}

const CAPTURE_FILE = /\.(jsonl|pcap|pcapng)$/;
const HOUR_MS = 3_600_000;
/** How often the directory is checked between openings. */
const CHECK_INTERVAL_MS = 5 * 60_000;
/** The least time between two checks on opening files. */
const PRUNE_ON_OPEN_MS = 10_000;

export class CaptureStore {
  private readonly writing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private prunedAt = -Infinity;

  constructor(
    readonly config: CaptureConfig & { readonly dir: string },
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {
    if (config.maxAgeHours !== undefined || config.maxTotalBytes !== undefined) {
      this.timer = setInterval(() => this.prune(), CHECK_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /**
   * A capture file was opened for writing: it is kept, and the directory checked, at most once per
   * `PRUNE_ON_OPEN_MS` (a reconnect burst must not scan the directory once per connection).
   */
  opened(path: string): void {
    this.writing.add(path);
    if (this.now() - this.prunedAt >= PRUNE_ON_OPEN_MS) this.prune();
  }

  /** A capture file is complete (it may be removed from now on). */
  closed(path: string): void {
    this.writing.delete(path);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Applies the age and total limits now; returns the files removed. */
  prune(): string[] {
    const { maxAgeHours, maxTotalBytes, dir } = this.config;
    if (maxAgeHours === undefined && maxTotalBytes === undefined) return [];
    this.prunedAt = this.now();
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const files: { path: string; size: number; mtime: number }[] = [];
    for (const name of names) {
      if (!CAPTURE_FILE.test(name)) continue;
      const path = join(dir, name);
      try {
        const s = statSync(path);
        if (s.isFile()) files.push({ path, size: s.size, mtime: s.mtimeMs });
      } catch {
        // Gone meanwhile.
      }
    }
    files.sort((a, b) => a.mtime - b.mtime);
    const removed: string[] = [];
    let total = files.reduce((n, f) => n + f.size, 0);
    const cutoff = maxAgeHours !== undefined ? this.now() - maxAgeHours * HOUR_MS : -Infinity;
    for (const f of files) {
      if (this.writing.has(f.path)) continue;
      const tooOld = f.mtime < cutoff;
      const tooMuch = maxTotalBytes !== undefined && total > maxTotalBytes;
      if (!tooOld && !tooMuch) continue;
      try {
        rmSync(f.path, { force: true });
        if (f.path.endsWith('.pcap')) rmSync(`${f.path}.json`, { force: true });
        total -= f.size;
        removed.push(f.path);
      } catch (e) {
        this.log('warn', 'capture file cannot be removed', { file: f.path, error: (e as Error).message });
      }
    }
    if (removed.length > 0) this.log('info', 'capture files removed (capture.maxAgeHours, capture.maxTotalBytes)', { files: removed.length });
    return removed;
  }
}
