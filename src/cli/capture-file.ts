/**
 * Reading a capture file (what `capture.dir` makes the gateway write): its header line
 * (`{"pilegate":"capture",…}`, see `capture-header.ts`; files from before it have none), then one
 * JSON object per line, `{"time":"<ISO 8601>","dir":"in"|"out","hex":"…"}`. Blank lines are
 * allowed; anything else that is not such an object is a UsageError naming `file:line` (exit 2).
 */
import type { CaptureDirection } from '../gateway/capture.js';
import { captureHeaderProblem, isCaptureHeader, type CaptureHeader } from '../gateway/capture-header.js';
import { UsageError } from './io.js';

export interface CaptureEntry {
  /** 1-based line in the file. */
  readonly line: number;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly dir: CaptureDirection;
  readonly bytes: Buffer;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses the text of a capture file; `file` names it in errors. */
export function parseCapture(text: string, file: string): CaptureEntry[] {
  return parseCaptureFile(text, file).entries;
}

/** Parses the text of a capture file, its header (when it has one) apart. */
export function parseCaptureFile(text: string, file: string): { header?: CaptureHeader; entries: CaptureEntry[] } {
  const entries: CaptureEntry[] = [];
  let header: CaptureHeader | undefined;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (header === undefined && entries.length === 0 && trimmed.includes('"pilegate"')) {
      header = parseHeader(trimmed, `${file}:${line}`);
      continue;
    }
    entries.push(parseCaptureLine(trimmed, file, line));
  }
  return { ...(header !== undefined ? { header } : {}), entries };
}

/** A capture header from its JSON text; `where` names it in errors. */
export function parseHeader(text: string, where: string): CaptureHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError('CAPTURE_INVALID', `${where}: capture header is not JSON (${(e as Error).message})`);
  }
  if (!isCaptureHeader(value)) throw new UsageError('CAPTURE_INVALID', `${where}: expected a capture header {"pilegate":"capture",…}`);
  const problem = captureHeaderProblem(value);
  if (problem !== undefined) throw new UsageError('CAPTURE_INVALID', `${where}: ${problem}`);
  return value;
}

/** Parses one non-blank line. */
function parseCaptureLine(text: string, file: string, line: number): CaptureEntry {
  const bad = (reason: string): UsageError => new UsageError('CAPTURE_INVALID', `${file}:${line}: ${reason}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('expected an object {"time", "dir", "hex"}');
  const { time, dir, hex } = value as Record<string, unknown>;
  if (typeof time !== 'string' || !ISO_TIME.test(time) || Number.isNaN(Date.parse(time))) throw bad(`"time" must be an ISO 8601 time such as 2026-01-31T08:00:00.000Z, got ${JSON.stringify(time)}`);
  if (dir !== 'in' && dir !== 'out') throw bad(`"dir" must be "in" or "out", got ${JSON.stringify(dir)}`);
  if (typeof hex !== 'string' || hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw bad(`"hex" must be a non-empty even number of hex digits, got ${JSON.stringify(hex)}`);
  }
  return { line, time: Date.parse(time), dir, bytes: Buffer.from(hex, 'hex') };
}
