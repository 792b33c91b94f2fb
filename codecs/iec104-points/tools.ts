/**
 * The IEC 104 codec's tools beside its session: framing and describing APDUs without a session
 * (what `pilegate decode` and `replay` print, what a station's DiagnosticsLog shows), the
 * `--cot-size/--ca-size/--ioa-size` flags of `pilegate decode`, reading frames out of context into
 * canonical events (`decode --mapping`), and adapting a capture's frames to a replaying session.
 */
import { ApduFramer } from '../../src/iec104/framer.js';
import { decodeApdu } from '../../src/iec104/apdu.js';
import { DEFAULT_TIME_ZONE } from '../../src/core/time-zone.js';
import { apduToJson, describeApdu } from '../../src/iec104/describe.js';
import type { AsduParameters } from '../../src/iec104/types.js';
import type { ChunkFramer, CodecFlag, FrameInterpreter, FrameReplayer, FrameTools, FrameView, SessionContext } from '../codec.js';
import { Iec104PointsSession, type Iec104PointsOptions } from './session.js';

/** Offset of the ASDU in an I-frame (start, length, four control octets). */
const ASDU_OFFSET = 6;

function sizeFlag(name: string, what: string, allowed: readonly number[], dflt: number): CodecFlag {
  return {
    name,
    value: 'n',
    description: `octets of ${what} (${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}; default ${dflt}, or the mapping's)`,
    check: (value) => (allowed.includes(Number(value)) ? undefined : `--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`),
  };
}

/** Field widths of dialects with narrower ASDU fields than the standard's (checked values: 1..3). */
export const IEC104_FLAGS: readonly CodecFlag[] = [
  sizeFlag('cot-size', 'cause of transmission', [1, 2], 2),
  sizeFlag('ca-size', 'common address', [1, 2], 2),
  sizeFlag('ioa-size', 'information object address', [1, 2, 3], 3),
];

/** The zone of the charger's clock unless its connection says otherwise: the mapping's, else the default. */
export function iec104TimeZone(options: Iec104PointsOptions | undefined): string {
  return options?.mapping.timeZone ?? DEFAULT_TIME_ZONE;
}

/** ASDU field widths: the flags', else the mapping's, else the standard's. */
function asduParameters(options: Iec104PointsOptions | undefined, view: FrameView): AsduParameters {
  const a = options?.mapping.asdu;
  const flag = (name: string): number | undefined => (view.flags?.[name] === undefined ? undefined : Number(view.flags[name]));
  return {
    cotSize: (flag('cot-size') ?? a?.cotSize ?? 2) as 1 | 2,
    caSize: (flag('ca-size') ?? a?.caSize ?? 2) as 1 | 2,
    ioaSize: (flag('ioa-size') ?? a?.ioaSize ?? 3) as 1 | 2 | 3,
  };
}

function apduFramer(): ChunkFramer {
  const framer = new ApduFramer();
  return {
    push: (chunk) => framer.push(chunk),
    end: () => {
      if (framer.buffered === 0) return undefined;
      return { code: 'IEC104_FRAME_TRUNCATED', offset: framer.position - framer.buffered, message: `input ends inside a frame: ${framer.buffered} byte(s) of an incomplete APDU` };
    },
  };
}

/** IEC 104 frame tools: ASDU field widths from the flags or the mapping, times in `view.timeZone`. */
export function iec104FrameTools(options: Iec104PointsOptions | undefined, view: FrameView): FrameTools {
  const params = asduParameters(options, view);
  const { timeZone } = view;
  return {
    framer: apduFramer,
    shown: (frame) => frame,
    jsonKey: 'apdu',
    decode: (frame) => {
      const r = decodeApdu(frame, params);
      return r.ok ? { ok: true, lines: describeApdu(r.value, timeZone), json: apduToJson(r.value, timeZone) } : { ok: false, code: r.error.code, message: r.error.message, offset: r.error.offset };
    },
    replayer: iec104Replayer,
  };
}

/**
 * A session replaying a capture sends its own I-frames, which the captured charger never saw: the
 * N(R) of the charger's frames is rewritten to acknowledge those, so that its link does not close
 * on them.
 */
function iec104Replayer(): FrameReplayer {
  // Counted as they are written: recounting all of them for every frame received is quadratic in the
  // capture's length (a day of a charger is tens of thousands of frames).
  let iFramesSent = 0;
  return {
    sent: (bytes) => {
      iFramesSent += countIFrames(bytes);
    },
    toSession: (frame) => withAcknowledged(frame, iFramesSent),
  };
}

/**
 * `frame` (an APDU from the charger) acknowledging `iFrames` I-frames (what the replaying session
 * wrote): its N(R) is set to their count modulo 2^15 (IEC 60870-5-104 §5.1). U-frames and frames
 * too short to carry an N(R) are returned as they are.
 */
function withAcknowledged(frame: Buffer, iFrames: number): Buffer {
  const control = frame[2];
  // I-frame: bit 0 of the first control octet is 0; S-frame: bits 1..0 are 01.
  if (frame.length < 6 || control === undefined || (control & 0x03) === 0x03) return frame;
  const copy = Buffer.from(frame);
  copy.writeUInt16LE((iFrames % 32768) << 1, 4);
  return copy;
}

/** The I-frames among the APDUs in `bytes` (a session writes whole APDUs). */
function countIFrames(bytes: Buffer): number {
  let count = 0;
  for (let at = 0; at + 2 < bytes.length; at += (bytes[at + 1] ?? 0) + 2) {
    if ((((bytes[at + 2] ?? 1) as number) & 0x01) === 0) count++;
  }
  return count;
}

/**
 * Reads I-frames out of context through a session of the mapping (its ASDU widths and zone as
 * `view` says), without link procedures: connector state carries over from frame to frame.
 */
export function iec104Interpreter(context: SessionContext<Iec104PointsOptions>, view: FrameView): FrameInterpreter {
  const mapping = { ...context.options.mapping, asdu: asduParameters(context.options, view), timeZone: view.timeZone };
  const session = new Iec104PointsSession({ ...context, options: { mapping } });
  return {
    interpret: (frame) => {
      if (frame.length <= ASDU_OFFSET || ((frame[2] ?? 1) & 0x01) !== 0) return false;
      session.interpretAsdu(frame.subarray(ASDU_OFFSET));
      return true;
    },
  };
}
