/**
 * The header of a capture file: what `pilegate replay` needs to play it back without flags (the
 * codec, its options file, the charger's time zone) and what an engineer wants to know of where it
 * came from (listener port, charger id and address, gateway version). A JSON Lines capture has it
 * as its first line; a pcapng capture in the comment of its section header; a pcap capture, whose
 * format has no room for it, in a side file `<capture>.json`.
 *
 * The options file is named by its path and the SHA-256 of its content, never copied: options
 * files may hold keys. Nothing secret goes into a header.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { findPackageFile } from '../config/read.js';

/** The header's `format`: a reader refuses a newer one rather than misreading it. */
export const CAPTURE_HEADER_VERSION = 1;

/** `in`: from the charger; `out`: from the gateway. */
export type CaptureDirection = 'in' | 'out';

export interface CaptureEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface CaptureHeader {
  /** Always `"capture"`: tells a header line from a frame line. */
  readonly pilegate: 'capture';
  readonly format: number;
  readonly codec: string;
  /** The codec's options file (mapping, dialect) as the gateway read it at start, and the SHA-256 of its content then. */
  readonly mapping?: { readonly path: string; readonly sha256?: string };
  /** IANA zone of the charger's clock, as the gateway used it. */
  readonly timeZone?: string;
  /** The gateway's listening port (the charger's side is the other one). */
  readonly listenerPort?: number;
  readonly chargerId?: string;
  /** The charger's end of the connection. */
  readonly charger?: CaptureEndpoint;
  /** The gateway's end of the connection. */
  readonly gateway?: CaptureEndpoint;
  readonly gatewayVersion?: string;
  /** When the connection was accepted (ISO 8601). */
  readonly started?: string;
  /** 1 for the connection's first file; rotation continues with 2, 3… */
  readonly part?: number;
}

/** The SHA-256 (hex) of a file's content, or undefined when it cannot be read. */
export function fileSha256(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/** A header's `mapping`: the options file's path and its content's SHA-256 now (undefined without a file). */
export function mappingRecord(path: string | undefined): CaptureHeader['mapping'] {
  if (path === undefined) return undefined;
  const sha256 = fileSha256(path);
  return { path, ...(sha256 !== undefined ? { sha256 } : {}) };
}

let version: string | undefined;
/** The gateway's package version. */
export function gatewayVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(findPackageFile(import.meta.url, 'package.json'), 'utf8')) as { version?: unknown };
      version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/** Whether a parsed JSON value is a capture header (of any format version). */
export function isCaptureHeader(value: unknown): value is CaptureHeader {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && (value as Record<string, unknown>)['pilegate'] === 'capture';
}

/** Why a parsed header cannot be used, or undefined when it can. */
export function captureHeaderProblem(value: CaptureHeader): string | undefined {
  if (typeof value.format !== 'number' || value.format > CAPTURE_HEADER_VERSION) return `header format ${JSON.stringify(value.format)} is newer than this pilegate reads (${CAPTURE_HEADER_VERSION})`;
  if (typeof value.codec !== 'string' || value.codec === '') return 'header has no "codec"';
  if (value.mapping !== undefined && typeof value.mapping.path !== 'string') return 'header "mapping" has no "path"';
  if (value.timeZone !== undefined && typeof value.timeZone !== 'string') return 'header "timeZone" is not a string';
  if (value.listenerPort !== undefined && !Number.isInteger(value.listenerPort)) return 'header "listenerPort" is not a port';
  return undefined;
}
