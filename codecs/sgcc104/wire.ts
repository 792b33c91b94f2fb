/**
 * Family-B frames on the wire (docs/protocols/state-grid-dialects.md §3-§5): the login a charger
 * sends first, which is not an APDU (recognised by the dialect's prefix, of fixed length), and
 * APDUs with a one- or two-octet little-endian length, S- and U-frames of six or seven octets
 * (`68 04 00 fn 00 00 00`), and, where the dialect has one, a 16-bit additive checksum after each
 * I-frame: the sum of its octets from the first control octet, little-endian, not counted by the
 * length. `linkWire` gives the IEC 104 link the same view of frames.
 */
import { decodeApci, encodeIFrame, encodeSFrame, encodeUFrame, type UFunction } from '../../src/iec104/apci.js';
import { MAX_ASDU_SIZE } from '../../src/iec104/asdu-generator.js';
import { DecodeError, EncodeError } from '../../src/iec104/errors.js';
import type { LinkWire } from '../../src/iec104/link-types.js';
import { RecordReader, RecordStop, RecordWriter } from '../../src/iec104/record-io.js';
import { StartByteFramer } from '../../src/framing/start-byte-framer.js';
import type { FramingError } from '../codec.js';
import type { Dialect, Framing } from './catalogue.js';
import { FieldStop, Sgcc104Error, type Sgcc104ErrorCode } from './errors.js';
import { readFields, writeFields, type FieldValues } from './fields.js';

export type WireItem =
  | { readonly kind: 'login'; readonly frame: Buffer; readonly offset: number }
  | { readonly kind: 'apdu'; readonly frame: Buffer; readonly offset: number }
  | { readonly kind: 'error'; readonly error: FramingError };

const START = 0x68;

/** Where a frame's four control octets start: after the length, or after `68 04` / `68 04 00` for a short S/U form. */
export function controlOffset(framing: Framing, frame: Uint8Array): number {
  const length = framing.lengthOctets;
  if (frame[1] === 4 && frame.length >= 3) {
    const c = frame[2] as number;
    if (length === 2 && framing.uFrameOctets === 6 && (c & 1) === 1) return 2;
    if (length === 1 && framing.uFrameOctets === 7 && c === 0 && ((frame[3] ?? 0) & 1) === 1) return 3;
  }
  return 1 + length;
}

/** Octets of the checksum at the end of `frame` (an I-frame of a dialect with one), else 0. */
function trailerOf(framing: Framing, frame: Uint8Array, control: number): number {
  return framing.checksum === 'sum16le' && ((frame[control] ?? 1) & 1) === 0 ? 2 : 0;
}

/** The 16-bit additive checksum of `bytes[from, to)`. */
export function sum16(bytes: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += bytes[i] as number;
  return sum & 0xffff;
}

/** Frames a family-B byte stream: logins, APDUs and framing errors, in any chunking. Never throws. */
export class Sgcc104Framer extends StartByteFramer<WireItem> {
  private readonly framing: Framing;
  private readonly prefix: readonly number[];
  private readonly loginOctets: number;
  private readonly maxLength: number;

  constructor(dialect: Dialect) {
    super(START);
    this.framing = dialect.framing;
    this.prefix = dialect.login.prefix;
    this.loginOctets = dialect.login.octets;
    this.maxLength = 4 + MAX_ASDU_SIZE;
  }

  protected examine(buf: Buffer, pos: number, at: number, out: WireItem[]): number {
    const login = this.matchLogin(buf, pos);
    if (login === 'wait') return 0;
    if (login) {
      if (pos + this.loginOctets > buf.length) return 0;
      out.push({ kind: 'login', frame: buf.subarray(pos, pos + this.loginOctets), offset: at });
      return this.loginOctets;
    }
    const f = this.framing;
    // Enough octets to tell the form: the length, and the octet after a short form's `68 04 (00)`.
    if (pos + 1 + f.lengthOctets + 1 > buf.length) return 0;
    const view = buf.subarray(pos, Math.min(buf.length, pos + 4));
    const control = controlOffset(f, view);
    const length = control === 1 + f.lengthOctets ? (f.lengthOctets === 2 ? buf.readUInt16LE(pos + 1) : (buf[pos + 1] as number)) : 4;
    if (length < 4 || length > this.maxLength) {
      const bound = length < 4 ? 'at least 4' : `at most ${this.maxLength}`;
      out.push({ kind: 'error', error: new Sgcc104Error('SGCC104_BAD_LENGTH', `APDU length ${length}, expected ${bound}`, at + 1) });
      return -1;
    }
    if (pos + control + 1 > buf.length) return 0;
    const trailer = trailerOf(f, buf.subarray(pos), control);
    const total = control + length + trailer;
    if (pos + total > buf.length) return 0;
    const frame = buf.subarray(pos, pos + total);
    if (trailer > 0) {
      const expected = sum16(frame, control, total - 2);
      const found = frame.readUInt16LE(total - 2);
      if (expected !== found) {
        const error = new Sgcc104Error('SGCC104_BAD_CHECKSUM', `checksum 0x${hex4(found)}, the octets sum to 0x${hex4(expected)}`, at + total - 2, Buffer.from(frame));
        out.push({ kind: 'error', error });
        return total;
      }
    }
    out.push({ kind: 'apdu', frame, offset: at });
    return total;
  }

  /** True when the login prefix starts at `pos`, 'wait' when what is there so far could be its start. */
  private matchLogin(buf: Buffer, pos: number): boolean | 'wait' {
    const p = this.prefix;
    if (p.length === 0) return false;
    for (let i = 0; i < p.length; i++) {
      if (pos + i >= buf.length) return 'wait';
      if (buf[pos + i] !== p[i]) return false;
    }
    return true;
  }

  protected garbage(buf: Buffer, from: number, to: number, at: number, out: WireItem[]): void {
    out.push({ kind: 'error', error: new Sgcc104Error('SGCC104_BAD_START', `expected start byte 0x68, skipped ${to - from} byte(s)`, at, buf.subarray(from, to)) });
  }

  protected longGarbage(at: number, skipped: number, out: WireItem[]): void {
    out.push({ kind: 'error', error: new Sgcc104Error('SGCC104_BAD_START', `no frame in ${skipped} bytes`, at) });
  }

  /** The input has ended: the error for a frame it ends inside, or undefined. */
  end(): FramingError | undefined {
    if (this.buffered === 0) return undefined;
    return new Sgcc104Error('SGCC104_TRUNCATED', `input ends inside a frame: ${this.buffered} byte(s)`, this.position - this.buffered);
  }
}

/** True when `frame` starts with the dialect's login prefix. */
export function isLogin(dialect: Dialect, frame: Uint8Array): boolean {
  const p = dialect.login.prefix;
  return p.length > 0 && frame.length >= p.length && p.every((b, i) => frame[i] === b);
}

/**
 * Why `frame`, given as one APDU, is not one on the dialect's wire (start byte, length against its
 * size, checksum), or undefined. Offsets count from the frame's first octet.
 */
export function checkWireFrame(dialect: Dialect, frame: Buffer): Sgcc104Error | undefined {
  const f = dialect.framing;
  if (frame[0] !== START) return new Sgcc104Error('SGCC104_BAD_START', 'a frame starts with 0x68', 0);
  if (frame.length < 2 + f.lengthOctets) return new Sgcc104Error('SGCC104_TRUNCATED', 'the frame ends inside its length', frame.length);
  const control = controlOffset(f, frame);
  const length = control === 1 + f.lengthOctets ? frame.readUIntLE(1, f.lengthOctets) : 4;
  if (length < 4 || length > 4 + MAX_ASDU_SIZE) return new Sgcc104Error('SGCC104_BAD_LENGTH', `APDU length ${length}, expected 4..${4 + MAX_ASDU_SIZE}`, 1);
  const total = control + length + trailerOf(f, frame, control);
  if (frame.length < total) return new Sgcc104Error('SGCC104_TRUNCATED', `the length announces ${total} octets, the frame has ${frame.length}`, frame.length);
  if (frame.length > total) return new Sgcc104Error('SGCC104_BAD_LENGTH', `the length announces ${total} octets, the frame has ${frame.length}`, total);
  if (total > control + length && sum16(frame, control, total - 2) !== frame.readUInt16LE(total - 2))
    return new Sgcc104Error('SGCC104_BAD_CHECKSUM', 'the checksum disagrees with the octets', total - 2);
  return undefined;
}

/** The IEC 104 link's view of a dialect's APDUs. */
export function linkWire(dialect: Dialect): LinkWire {
  const f = dialect.framing;
  const short = (standard: Buffer): Buffer => (f.uFrameOctets === 7 ? Buffer.concat([standard.subarray(0, 2), ZERO, standard.subarray(2)]) : standard);
  return {
    apci(frame) {
      const control = controlOffset(f, frame);
      const length = frame.length - control - trailerOf(f, frame, control);
      const r = decodeApci(Buffer.from([START, Math.min(length, 255), frame[control] ?? 0, frame[control + 1] ?? 0, frame[control + 2] ?? 0, frame[control + 3] ?? 0]));
      if (r.ok) return r;
      return { ok: false, error: new DecodeError(r.error.code, r.error.message, r.error.offset + control - 2, frame) };
    },
    asdu(frame) {
      const control = controlOffset(f, frame);
      return frame.subarray(control + 4, frame.length - trailerOf(f, frame, control));
    },
    iFrame(ns, nr, asdu) {
      const standard = encodeIFrame(ns, nr, asdu);
      const body = standard.subarray(2);
      const head = f.lengthOctets === 2 ? Buffer.from([START, body.length & 0xff, body.length >> 8]) : standard.subarray(0, 2);
      if (f.checksum !== 'sum16le') return f.lengthOctets === 2 ? Buffer.concat([head, body]) : standard;
      const sum = Buffer.alloc(2);
      sum.writeUInt16LE(sum16(body, 0, body.length));
      return Buffer.concat([head, body, sum]);
    },
    sFrame: (nr) => short(encodeSFrame(nr)),
    uFrame: (fn: UFunction) => short(encodeUFrame(fn)),
    maxAsdu: MAX_ASDU_SIZE,
  };
}

const ZERO = Buffer.from([0]);

export type LoginDecode =
  { readonly ok: true; readonly chargerId: string; readonly values: FieldValues } | { readonly ok: false; readonly code: Sgcc104ErrorCode; readonly message: string; readonly offset: number };

/** Reads a login frame (as the framer delivered it). Never throws on input. */
export function decodeLogin(dialect: Dialect, frame: Buffer, timeZone: string): LoginDecode {
  const { prefix, octets, fields } = dialect.login;
  if (frame.length !== octets || prefix.some((b, i) => frame[i] !== b))
    return { ok: false, code: 'SGCC104_BAD_LOGIN', message: `not a ${dialect.name} login (${octets} octets starting ${hexOf(prefix)})`, offset: 0 };
  let values: FieldValues;
  try {
    values = readFields(new RecordReader(frame, prefix.length, frame.length, 0), fields, timeZone);
  } catch (e) {
    if (e instanceof FieldStop) return { ok: false, code: e.code, message: `login: ${e.message}`, offset: e.offset };
    if (e instanceof RecordStop) return { ok: false, code: 'SGCC104_BAD_LOGIN', message: `login: ${e.message}`, offset: e.at };
    throw e;
  }
  const idField = fields.find((f) => f.role === 'chargerId');
  const id = idField === undefined ? undefined : values[idField.name];
  if (typeof id !== 'string' && typeof id !== 'number') return { ok: false, code: 'SGCC104_BAD_LOGIN', message: 'login has no charger id field', offset: 0 };
  return { ok: true, chargerId: String(id), values };
}

/** A login frame with these values (the simulator's); throws an `EncodeError` for a value that does not fit. */
export function encodeLogin(dialect: Dialect, values: FieldValues, timeZone: string): Buffer {
  const { prefix, octets, fields } = dialect.login;
  const w = new RecordWriter();
  w.bytes(prefix, 'prefix');
  writeFields(w, fields, values, timeZone);
  const body = w.toBuffer();
  if (body.length > octets) throw new EncodeError(`login fields take ${body.length} octets, the login has ${octets}`);
  return Buffer.concat([body, Buffer.alloc(octets - body.length)]);
}

/** What the gateway answers a login with: the echo with the dialect's patches, or undefined. */
export function loginAnswer(dialect: Dialect, login: Buffer): Buffer | undefined {
  if (dialect.login.answer === 'none') return undefined;
  const answer = Buffer.from(login);
  for (const { offset, value } of dialect.login.answerPatch ?? []) if (offset < answer.length) answer[offset] = value;
  return answer;
}

/** An error the IEC 104 link reports for a frame read through `linkWire` (its control field), as the codec's. */
export function linkError(error: DecodeError): Sgcc104Error {
  return new Sgcc104Error('SGCC104_BAD_CONTROL', `${error.code}: ${error.message}`, error.offset);
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function hexOf(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
