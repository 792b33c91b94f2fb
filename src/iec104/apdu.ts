/**
 * APDU = APCI + optional ASDU (IEC 60870-5-104 §5). `decodeApdu` takes one whole frame as the framer
 * delivers it; its error offsets are relative to the frame's first octet.
 */
import { decodeApci, encodeApci, START_BYTE, type Apci } from './apci.js';
import { decodeAsduAt } from './asdu-parser.js';
import { encodeAsdu } from './asdu-generator.js';
import { DecodeError, type DecodeResult } from './errors.js';
import { IEC104_ASDU_PARAMETERS, type Asdu, type AsduParameters } from './types.js';

/** An APDU; `A` is the ASDU type (a codec with private types decodes `Asdu | PrivateAsdu`). */
export interface Apdu<A = Asdu> {
  readonly apci: Apci;
  /** Present on I-frames only. */
  readonly asdu?: A;
}

/** Offset of the ASDU inside an I-frame. */
export const ASDU_OFFSET = 6;

/** Decodes one whole APDU. Never throws on input. */
export function decodeApdu(frame: Uint8Array, params: AsduParameters = IEC104_ASDU_PARAMETERS): DecodeResult<Apdu> {
  // checkApduFrame's checks written out: calling it here measured a few per cent slower on the
  // smallest frames (C_IC_NA_1), and this is every standard frame's path.
  if (frame.length < 1 || frame[0] !== START_BYTE) {
    return fail('IEC104_BAD_START', `expected start byte 0x68, got ${frame.length === 0 ? 'nothing' : `0x${(frame[0] as number).toString(16).padStart(2, '0')}`}`, 0, frame);
  }
  if (frame.length < 2) return fail('IEC104_FRAME_TRUNCATED', 'frame ends before its length octet', 1, frame);
  const length = frame[1] as number;
  if (length < 4) return fail('IEC104_LENGTH_TOO_SHORT', `APDU length ${length}, expected at least 4`, 1, frame);
  const total = length + 2;
  if (frame.length < total) {
    return fail('IEC104_FRAME_TRUNCATED', `length octet announces ${total} octets, frame has ${frame.length}`, frame.length, frame);
  }
  if (frame.length > total) {
    return fail('IEC104_FRAME_TRAILING_BYTES', `length octet announces ${total} octets, frame has ${frame.length}`, total, frame);
  }
  const apci = decodeApci(frame);
  if (!apci.ok) return apci;
  if (apci.value.format !== 'I') return { ok: true, value: { apci: apci.value } };
  const buf = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const asdu = decodeAsduAt(buf, ASDU_OFFSET, params);
  if (asdu instanceof DecodeError) return { ok: false, error: asdu.shifted(ASDU_OFFSET) };
  return { ok: true, value: { apci: apci.value, asdu } };
}

/**
 * The checks of a whole frame before its APCI is read (start byte, length octet, size against the
 * length octet): the error, or undefined when the frame is one whole APDU.
 */
export function checkApduFrame(frame: Uint8Array): DecodeError | undefined {
  if (frame.length < 1 || frame[0] !== START_BYTE) {
    return new DecodeError('IEC104_BAD_START', `expected start byte 0x68, got ${frame.length === 0 ? 'nothing' : `0x${(frame[0] as number).toString(16).padStart(2, '0')}`}`, 0, frame);
  }
  if (frame.length < 2) return new DecodeError('IEC104_FRAME_TRUNCATED', 'frame ends before its length octet', 1, frame);
  const length = frame[1] as number;
  if (length < 4) return new DecodeError('IEC104_LENGTH_TOO_SHORT', `APDU length ${length}, expected at least 4`, 1, frame);
  const total = length + 2;
  if (frame.length < total) {
    return new DecodeError('IEC104_FRAME_TRUNCATED', `length octet announces ${total} octets, frame has ${frame.length}`, frame.length, frame);
  }
  if (frame.length > total) {
    return new DecodeError('IEC104_FRAME_TRAILING_BYTES', `length octet announces ${total} octets, frame has ${frame.length}`, total, frame);
  }
  return undefined;
}

/** Encodes an APDU; an I-frame needs its ASDU. */
export function encodeApdu(apdu: Apdu, params: AsduParameters = IEC104_ASDU_PARAMETERS): Buffer {
  if (apdu.apci.format === 'I') {
    if (apdu.asdu === undefined) throw new RangeError('an I-frame needs an ASDU');
    return encodeApci(apdu.apci, encodeAsdu(apdu.asdu, params));
  }
  return encodeApci(apdu.apci);
}

function fail(code: DecodeError['code'], message: string, offset: number, raw: Uint8Array): DecodeResult<never> {
  return { ok: false, error: new DecodeError(code, message, offset, raw) };
}
