/**
 * Framing and describing one codec's frames without any session: what `pilegate replay` prints and
 * what a station's DiagnosticsLog shows of its charger's frames. Pure: bytes in, text out.
 */
import { ApduFramer, apduToJson, decodeApdu, DEFAULT_TIME_ZONE, describeApdu, type AsduParameters } from '../src/iec104/index.js';
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
}

export type Iec104AsduSizes = { cotSize?: 1 | 2; caSize?: 1 | 2; ioaSize?: 1 | 2 | 3 } | undefined;

export function iec104FrameTools(asdu: Iec104AsduSizes, timeZone: string): FrameTools {
  const params: AsduParameters = { cotSize: asdu?.cotSize ?? 2, caSize: asdu?.caSize ?? 2, ioaSize: asdu?.ioaSize ?? 3 };
  return {
    framer: () => new ApduFramer(),
    decode: (frame) => {
      const r = decodeApdu(frame, params);
      return r.ok ? { ok: true, lines: describeApdu(r.value, timeZone), json: apduToJson(r.value, timeZone) } : { ok: false, code: r.error.code, message: r.error.message };
    },
  };
}

export function ykcFrameTools(timeZone: string): FrameTools {
  return {
    framer: () => new YkcFramer(),
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
