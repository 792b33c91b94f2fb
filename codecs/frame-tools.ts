/**
 * Framing and describing one codec's frames without any session: what `pilegate replay` prints and
 * what a station's DiagnosticsLog shows of its charger's frames. Pure: bytes in, text out.
 */
import { DEFAULT_TIME_ZONE } from '../src/core/time-zone.js';
import { ApduFramer, apduToJson, decodeApdu, describeApdu, type AsduParameters } from '../src/iec104/index.js';
import { describeYkcFrame, describeYkcHeader } from './ykc/describe.js';
import { decodeYkcFrame, YkcFramer } from './ykc/index.js';

export type DecodedFrame = { ok: true; lines: string[]; json: unknown } | { ok: false; code: string; message: string; lines?: string[] };

/** A framer over one direction of a connection: arbitrary chunks in, whole frames or errors out. */
export interface ChunkFramer {
  push(chunk: Uint8Array): Iterable<{ kind: 'frame'; frame: Buffer } | { kind: 'error'; error: { code: string; message: string } }>;
}

export interface FrameTools {
  framer(): ChunkFramer;
  /** The frame's fields, one line each (indented by two spaces), or why it cannot be read. */
  decode(frame: Buffer): DecodedFrame;
  /** The frame's bytes as a dump may show them: a copy with secrets overwritten, or the frame itself. */
  shown(frame: Buffer): Buffer;
}

export type Iec104AsduSizes = { cotSize?: 1 | 2; caSize?: 1 | 2; ioaSize?: 1 | 2 | 3 } | undefined;

export function iec104FrameTools(asdu: Iec104AsduSizes, timeZone: string): FrameTools {
  const params: AsduParameters = { cotSize: asdu?.cotSize ?? 2, caSize: asdu?.caSize ?? 2, ioaSize: asdu?.ioaSize ?? 3 };
  return {
    framer: () => new ApduFramer(),
    shown: (frame) => frame,
    decode: (frame) => {
      const r = decodeApdu(frame, params);
      return r.ok ? { ok: true, lines: describeApdu(r.value, timeZone), json: apduToJson(r.value, timeZone) } : { ok: false, code: r.error.code, message: r.error.message };
    },
  };
}

/**
 * The one-time FTP password of a plain (not 3DES) YKC 0x94 remote update: after the 6 header bytes
 * (start, length, sequence 2, encryption flag, type), pile code 7, model 1, power 2, server 16,
 * port 2 and user 16 come its 16 bytes (docs/protocols/ykc.md §4.1).
 */
const YKC_0X94_PASSWORD = { start: 6 + 44, end: 6 + 60 } as const;

/** A copy of a YKC frame with the 0x94 password overwritten by '*', or the frame when it has none. */
function ykcShown(frame: Buffer): Buffer {
  if (frame[5] !== 0x94 || frame[4] !== 0 || frame.length < YKC_0X94_PASSWORD.end) return frame;
  const copy = Buffer.from(frame);
  copy.fill(0x2a, YKC_0X94_PASSWORD.start, YKC_0X94_PASSWORD.end);
  return copy;
}

export function ykcFrameTools(timeZone: string): FrameTools {
  return {
    framer: () => new YkcFramer(),
    shown: ykcShown,
    decode: (frame) => {
      const r = decodeYkcFrame(frame, { timeZone });
      if (r.ok) return { ok: true, lines: describeYkcFrame(r.value).map((l) => `  ${l}`), json: r.value };
      // A 3DES body without its key still has a readable header.
      const header = describeYkcHeader(frame).map((l) => `  ${l}`);
      return { ok: false, code: r.error.code, message: r.error.message, ...(header.length > 0 ? { lines: header } : {}) };
    },
  };
}

/**
 * The frame tools of a registered codec (`iec104-points`, `ykc`) given its loaded options, or
 * undefined for a codec without them. Times are shown in `timeZone`, else the options' zone.
 */
export function frameToolsOf(codec: string, options: unknown, timeZone?: string): FrameTools | undefined {
  const o = options as { timeZone?: string; mapping?: { timeZone?: string; asdu?: Iec104AsduSizes } } | undefined;
  const zone = timeZone ?? o?.mapping?.timeZone ?? o?.timeZone ?? DEFAULT_TIME_ZONE;
  if (codec === 'ykc') return ykcFrameTools(zone);
  if (codec === 'iec104-points') return iec104FrameTools(o?.mapping?.asdu, zone);
  return undefined;
}
