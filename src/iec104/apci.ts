/**
 * APCI: the 6-octet header of every APDU and the three frame formats I, S and U
 * (IEC 60870-5-104 §5.1-5.3). N(S)/N(R) are 15-bit counters carried shifted left by one.
 */
import { DecodeError, EncodeError, type DecodeResult } from './errors.js';

export const START_BYTE = 0x68;
/** Largest value of the APDU length octet: 4 control octets + 249 ASDU octets. */
export const MAX_APDU_LENGTH = 253;
/** Sequence numbers are 15 bits wide and wrap at 32768. */
export const SEQ_MODULO = 32768;

const U_FUNCTIONS = [
  ['STARTDT_ACT', 0x07],
  ['STARTDT_CON', 0x0b],
  ['STOPDT_ACT', 0x13],
  ['STOPDT_CON', 0x23],
  ['TESTFR_ACT', 0x43],
  ['TESTFR_CON', 0x83],
] as const;

export type UFunction = (typeof U_FUNCTIONS)[number][0];

export const U_CODE: Readonly<Record<UFunction, number>> = Object.fromEntries(U_FUNCTIONS) as Record<UFunction, number>;
const U_BY_CODE = new Map<number, UFunction>(U_FUNCTIONS.map(([name, code]) => [code, name]));

export type Apci = { readonly format: 'I'; readonly ns: number; readonly nr: number } | { readonly format: 'S'; readonly nr: number } | { readonly format: 'U'; readonly fn: UFunction };

/** Next value of a 15-bit sequence counter. */
export function seqNext(n: number): number {
  return (n + 1) % SEQ_MODULO;
}

/** Distance from `from` forward to `to` on the 15-bit circle (0..32767). */
export function seqDistance(from: number, to: number): number {
  return (to - from + SEQ_MODULO) % SEQ_MODULO;
}

/**
 * Decodes the APCI of one whole APDU (start byte and length already checked by the framer or by
 * `decodeApdu`). Returns the control information; the ASDU, if any, starts at offset 6.
 */
export function decodeApci(frame: Uint8Array): DecodeResult<Apci> {
  const length = frame[1] ?? 0;
  const cf1 = frame[2] ?? 0;
  if ((cf1 & 0x01) === 0) {
    // An I-frame too short for its ASDU header is the ASDU decoder's finding (field widths are its parameters).
    const ns = (((frame[3] ?? 0) << 8) | (cf1 & 0xfe)) >> 1;
    const nr = (((frame[5] ?? 0) << 8) | ((frame[4] ?? 0) & 0xfe)) >> 1;
    return { ok: true, value: { format: 'I', ns, nr } };
  }
  if (length !== 4) {
    const format = (cf1 & 0x03) === 0x01 ? 'S' : 'U';
    return fail('IEC104_BAD_CONTROL_LENGTH', `${format}-frame with length ${length}, expected 4`, 1);
  }
  if ((cf1 & 0x03) === 0x01) {
    const nr = (((frame[5] ?? 0) << 8) | ((frame[4] ?? 0) & 0xfe)) >> 1;
    return { ok: true, value: { format: 'S', nr } };
  }
  const fn = U_BY_CODE.get(cf1);
  if (fn === undefined || frame[3] !== 0 || frame[4] !== 0 || frame[5] !== 0) {
    return fail('IEC104_UNKNOWN_U_FUNCTION', `U-frame control field 0x${hex(cf1)} is not a known function`, 2);
  }
  return { ok: true, value: { format: 'U', fn } };
}

/** Encodes an I-frame around an already encoded ASDU (at most 249 octets). */
export function encodeIFrame(ns: number, nr: number, asdu: Uint8Array): Buffer {
  if (asdu.length > MAX_APDU_LENGTH - 4) {
    throw new EncodeError(`ASDU of ${asdu.length} octets exceeds the ${MAX_APDU_LENGTH - 4} an APDU can carry`);
  }
  const frame = Buffer.allocUnsafe(6 + asdu.length);
  frame[0] = START_BYTE;
  frame[1] = 4 + asdu.length;
  writeSeq(frame, 2, ns);
  writeSeq(frame, 4, nr);
  frame.set(asdu, 6);
  return frame;
}

/** Encodes an S-frame acknowledging everything before `nr`. */
export function encodeSFrame(nr: number): Buffer {
  const frame = Buffer.from([START_BYTE, 4, 0x01, 0x00, 0, 0]);
  writeSeq(frame, 4, nr);
  return frame;
}

/** Encodes a U-frame. */
export function encodeUFrame(fn: UFunction): Buffer {
  return Buffer.from([START_BYTE, 4, U_CODE[fn], 0, 0, 0]);
}

/** Encodes any APCI; an I-frame needs its ASDU bytes. */
export function encodeApci(apci: Apci, asdu?: Uint8Array): Buffer {
  switch (apci.format) {
    case 'I':
      return encodeIFrame(apci.ns, apci.nr, asdu ?? new Uint8Array(0));
    case 'S':
      return encodeSFrame(apci.nr);
    case 'U':
      return encodeUFrame(apci.fn);
  }
}

function writeSeq(frame: Buffer, at: number, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n >= SEQ_MODULO) {
    throw new EncodeError(`sequence number ${n} is outside 0..${SEQ_MODULO - 1}`);
  }
  const v = n;
  frame[at] = (v << 1) & 0xfe;
  frame[at + 1] = (v >> 7) & 0xff;
}

function fail(code: ConstructorParameters<typeof DecodeError>[0], message: string, offset: number): DecodeResult<never> {
  return { ok: false, error: new DecodeError(code, message, offset) };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
