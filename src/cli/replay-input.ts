/**
 * What `pilegate replay` plays: a JSON Lines capture (one stream) or a pcap / pcapng file (its TCP
 * streams reassembled, `tcp-streams.ts`), and the capture header when the file has one: the first
 * line of a JSON Lines capture, a pcapng section comment, or `<file>.json` beside a pcap. The
 * header stands in for the flags that are not given (`--codec`, `--mapping`, `--tz`, `--port`);
 * given flags always win.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CaptureHeader } from '../gateway/capture-header.js';
import { fileSha256, isCaptureHeader } from '../gateway/capture-header.js';
import { parseCaptureFile, parseHeader, type CaptureEntry } from './capture-file.js';
import { UsageError } from './io.js';
import { isPacketCapture, readPacketCapture } from './pcap-read.js';
import { tcpStreams, type TcpStream } from './tcp-streams.js';

/** How `replay` decodes a capture (flags, or the capture's header). */
export interface ReplayOptions {
  /** A registered codec's name (default: the IEC 104 one). */
  readonly codec?: string;
  /** The codec's options file: the IEC 104 point-table mapping, or YKC options. */
  readonly mapping?: string;
  readonly json?: boolean;
  readonly tz?: string;
  /** Values of the codec's own flags (`Codec.cliFlags`) by name: the family-B `dialect` of a capture without an options file. */
  readonly flags?: Readonly<Record<string, string>>;
}

export interface ReplayInput {
  /** `jsonl`: one stream whose entries are numbered by line; `packets`: streams numbered by packet. */
  readonly kind: 'jsonl' | 'packets';
  readonly header?: CaptureHeader;
  /** Where the header was read from (the file itself, or its `.json`). */
  readonly headerFrom?: string;
  /** A JSON Lines capture's entries. */
  readonly entries?: CaptureEntry[];
  /** A packet capture's TCP streams (only `--stream n` when given). */
  readonly streams?: TcpStream[];
  /** Packets of a packet capture that carried no TCP (or were cut short). */
  readonly skipped?: number;
}

export interface InputOptions {
  /** The gateway's listening port (`--port`). */
  readonly port?: number;
  /** 1-based stream (`--stream`). */
  readonly stream?: number;
}

/** Reads `file` as a JSON Lines or packet capture. */
export function readReplayInput(file: string, options: InputOptions): ReplayInput {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError('CAPTURE_READ', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isPacketCapture(bytes)) {
    if (options.stream !== undefined && options.stream !== 1) throw new UsageError('STREAM_INVALID', `${file} is a JSON Lines capture: it has one stream`);
    const { header, entries } = parseCaptureFile(bytes.toString('utf8'), file);
    return { kind: 'jsonl', entries, ...(header !== undefined ? { header, headerFrom: file } : {}) };
  }
  const capture = readPacketCapture(bytes, file);
  let header: CaptureHeader | undefined;
  let headerFrom: string | undefined;
  for (const comment of capture.comments) {
    let value: unknown;
    try {
      value = JSON.parse(comment);
    } catch {
      continue;
    }
    if (isCaptureHeader(value)) {
      header = parseHeader(comment, `${file} (section comment)`);
      headerFrom = file;
      break;
    }
  }
  const side = `${file}.json`;
  if (header === undefined && existsSync(side)) {
    header = parseHeader(readFileSync(side, 'utf8').trim(), side);
    headerFrom = side;
  }
  const port = options.port ?? header?.listenerPort;
  const all = tcpStreams(capture.segments, port !== undefined ? { port } : {});
  if (options.stream !== undefined && (options.stream < 1 || options.stream > all.length)) {
    throw new UsageError('STREAM_INVALID', `${file} has ${all.length} TCP stream(s)${port !== undefined ? ` to port ${port}` : ''} with data: --stream must be 1 to ${all.length}`);
  }
  const streams = options.stream !== undefined ? all.filter((s) => s.index === options.stream) : all;
  return { kind: 'packets', streams, skipped: capture.skipped, ...(header !== undefined ? { header } : {}), ...(headerFrom !== undefined ? { headerFrom } : {}) };
}

/** The replay options with the header filling what the flags left out; `notes` say what of the header could not be used. */
export function withHeader(given: ReplayOptions, header: CaptureHeader | undefined): { options: ReplayOptions; notes: string[] } {
  if (header === undefined) return { options: given, notes: [] };
  const notes: string[] = [];
  const sameCodec = given.codec === undefined || given.codec === header.codec;
  let mapping = given.mapping;
  if (mapping === undefined && sameCodec && header.mapping !== undefined) {
    const { path, sha256 } = header.mapping;
    if (!existsSync(path)) notes.push(`the capture's ${header.codec} options file ${path} is not here: give it with --mapping <file>`);
    else {
      mapping = path;
      if (sha256 !== undefined && fileSha256(path) !== sha256) notes.push(`${path} changed since the capture was made: the replay reads it as it is now`);
    }
  }
  const tz = given.tz ?? (sameCodec ? header.timeZone : undefined);
  return {
    options: { ...given, codec: given.codec ?? header.codec, ...(mapping !== undefined ? { mapping } : {}), ...(tz !== undefined ? { tz } : {}) },
    notes,
  };
}
