/**
 * Stable error codes for everything the IEC 104 layer can reject. Codes are part of the public
 * contract: metrics, logs, fixtures and the CLI's exit message name them, so never rename one.
 */
export const DECODE_ERROR_CODES = [
  /** A byte where a start byte 0x68 was expected; the framer skips to the next 0x68. */
  'IEC104_BAD_START',
  /** APDU length octet below 4 (the control field alone needs 4). */
  'IEC104_LENGTH_TOO_SHORT',
  /** APDU length octet above the configured maximum (253 by default). */
  'IEC104_LENGTH_TOO_LONG',
  /** Frame shorter than its length octet announces (decoder given an incomplete frame). */
  'IEC104_FRAME_TRUNCATED',
  /** Frame longer than its length octet announces (decoder given more than one frame). */
  'IEC104_FRAME_TRAILING_BYTES',
  /** S- or U-frame whose length is not 4. */
  'IEC104_BAD_CONTROL_LENGTH',
  /** U-frame whose function octet is not one of STARTDT/STOPDT/TESTFR act/con. */
  'IEC104_UNKNOWN_U_FUNCTION',
  /** ASDU shorter than its header (TI, VSQ, COT, CA). */
  'IEC104_ASDU_TOO_SHORT',
  /** The VSQ object count (and, for F_SG_NA_1, the LOS octets) disagrees with the payload length. */
  'IEC104_VSQ_MISMATCH',
  /** The payload ends inside the last CP56Time2a time tag. */
  'IEC104_TIME_TRUNCATED',
  /**
   * A type identification the IEC 60870-5-104 companion standard does not define: private types
   * (128..255) and those it leaves unassigned or excludes, unless a codec registered a layout for it
   * (`AsduTypeTable`). The ASDU may be well framed; the error keeps its raw bytes.
   */
  'IEC104_UNKNOWN_TI',
  /** VSQ says zero objects: nothing to decode. */
  'IEC104_EMPTY_ASDU',
  /** SQ=1 sequence whose last IOA does not fit the IOA field. */
  'IEC104_IOA_OVERFLOW',
  /** A value that cannot be encoded (out of range IOA, count above 127, ...). */
  'IEC104_ENCODE_RANGE',
] as const;

/**
 * Codes only a decoder with registered private types (`AsduTypeTable`) produces; the standard
 * decoder never does. Listed apart so that `DECODE_ERROR_CODES` stays what `decodeApdu` can return.
 */
export const PRIVATE_TYPE_ERROR_CODES = [
  /** A private type's element runs past the end of the ASDU: the body is shorter than its layout says. */
  'IEC104_RECORD_TRUNCATED',
  /** A well-framed record of a registered private type that its layout does not describe (e.g. its record-type octet). */
  'IEC104_UNKNOWN_RECORD',
] as const;

export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number] | (typeof PRIVATE_TYPE_ERROR_CODES)[number];

/**
 * A typed, non-fatal decoding failure. `offset` is the byte offset of the problem: inside the frame
 * for the decoder, inside the whole stream for the framer. `raw` keeps the bytes concerned.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    readonly offset: number,
    readonly raw?: Uint8Array,
  ) {
    super(message);
  }

  /** A copy of this error with its offset moved by `base` (frame-relative to stream-relative). */
  shifted(base: number): DecodeError {
    return new DecodeError(this.code, this.message, this.offset + base, this.raw);
  }
}

/** The outcome of a decoder that never throws on input. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

/** Thrown by encoders when asked to encode something the standard cannot represent. */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  readonly code = 'IEC104_ENCODE_RANGE' as const;
}
