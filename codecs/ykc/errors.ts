/**
 * Stable error codes for everything the YKC (云快充) codec can reject. Codes are part of the public
 * contract: metrics, logs and the `# expect:` headers of `fixtures/ykc/bad` name them, so never
 * rename one.
 */
export const YKC_ERROR_CODES = [
  /** A byte where the start byte 0x68 was expected; the framer skips to the next 0x68. */
  'YKC_BAD_START',
  /**
   * The length field L is below 4 (sequence + encryption flag + type need 4) or above the configured
   * maximum, or (decoder only) the frame handed over is longer than L + 4 bytes.
   */
  'YKC_LENGTH',
  /** The CRC-16/MODBUS over sequence..body matches in neither byte order (docs/protocols/ykc.md §1, §9 #1). */
  'YKC_CRC',
  /**
   * Fewer bytes than announced: a frame shorter than L + 4 (decoder only), or a body shorter than
   * the identifying fields of its type (pile code, transaction number...).
   */
  'YKC_TRUNCATED',
  /** A frame type that is not in the catalogue (docs/protocols/ykc.md §3); the error keeps the whole frame. */
  'YKC_UNKNOWN_TYPE',
  /**
   * Encryption flag 0x01 (3DES, docs/protocols/ykc.md §1) and no key configured for the connection (`encryption`
   * in the listener options, `cipher.ts`). The error keeps the whole frame.
   */
  'YKC_ENCRYPTED',
  /**
   * Encryption flag 0x01, a key configured, but the body cannot be decrypted: not a whole number
   * of 8-byte blocks, bad PKCS#7 padding, or (zero padding has no check of its own) a decrypted
   * pile code that is not digits or, in the session, not the logged-in pile's: a wrong key, mode
   * or IV. The decoder's error keeps the frame.
   */
  'YKC_DECRYPT_FAILED',
  /**
   * A frame in clear from a pile whose login was opened by its own key: that key is what
   * authenticates the pile, so after such a login every frame must carry it (a replayed login
   * followed by frames in clear would otherwise pass as the pile). Raised by the session, not the decoder.
   */
  'YKC_NOT_ENCRYPTED',
  /**
   * A field value that cannot be decoded or encoded: an encryption flag other than 0/1, an entry
   * count that disagrees with the body length or exceeds the frame's cap (0x44: 15, 0x46: 24, 0x48: 26),
   * a value out of the range of its field on encode.
   */
  'YKC_FIELD',
] as const;

export type YkcErrorCode = (typeof YKC_ERROR_CODES)[number];

/**
 * A typed, non-fatal decoding failure. `offset` is the byte offset of the problem: inside the frame
 * for the decoder, inside the whole stream for the framer. `raw` keeps the bytes concerned.
 */
export class YkcDecodeError extends Error {
  override readonly name = 'YkcDecodeError';
  constructor(
    readonly code: YkcErrorCode,
    message: string,
    readonly offset: number,
    readonly raw?: Uint8Array,
  ) {
    super(message);
  }

  /** A copy of this error with its offset moved by `base` (frame-relative to stream-relative). */
  shifted(base: number): YkcDecodeError {
    return new YkcDecodeError(this.code, this.message, this.offset + base, this.raw);
  }
}

/** The outcome of a decoder that never throws on input. */
export type YkcDecodeResult<T> = { ok: true; value: T } | { ok: false; error: YkcDecodeError };

/** Thrown by encoders when asked to encode a value its field cannot carry. */
export class YkcEncodeError extends Error {
  override readonly name = 'YkcEncodeError';
  readonly code = 'YKC_FIELD' as const;
  constructor(
    /** Name of the offending field, e.g. `pileCode`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
