/**
 * Stable error codes of the family-B codec (docs/protocols/state-grid-dialects.md). Codes are part of
 * the public contract: metrics, logs and the `# expect:` headers of `fixtures/sgcc104/<dialect>/bad`
 * name them, so never rename one. Framing codes spend a connection's bad-frame budget; record codes
 * (a well-framed APDU whose record cannot be read) are logged and counted, never a disconnect.
 */
import type { CodecError } from '../codec.js';

export const SGCC104_ERROR_CODES = [
  // framing
  /** Bytes where the start byte 0x68 was expected; the framer skips to the next 0x68. */
  'SGCC104_BAD_START',
  /** An APDU length below 4 or above what the dialect carries, or a frame whose size disagrees with its length. */
  'SGCC104_BAD_LENGTH',
  /** The 16-bit additive checksum after an I-frame disagrees with its octets (`framing.checksum: sum16le`). */
  'SGCC104_BAD_CHECKSUM',
  /** The input ends inside a frame. */
  'SGCC104_TRUNCATED',
  /** A control field that is no I-, S- or known U-frame (an S/U frame of a length other than 4, an unknown U function). */
  'SGCC104_BAD_CONTROL',
  // records
  /** A login frame whose fields cannot be read (bad BCD in its terminal id...). */
  'SGCC104_BAD_LOGIN',
  /** An APDU before the charger's login frame: the session does not know whose it is (dropped, counted as bad input). */
  'SGCC104_BEFORE_LOGIN',
  /** A standard ASDU (interrogation, clock sync...) that the IEC 104 decoder rejects. */
  'SGCC104_BAD_ASDU',
  /** A record shorter than its fields in the catalogue. */
  'SGCC104_SHORT_RECORD',
  /** Octets left after a record's last field (a record longer than the catalogue says). */
  'SGCC104_LONG_RECORD',
  /** A BCD field with a nibble above 9. */
  'SGCC104_BAD_BCD',
  /** A repeated group whose count exceeds its `maxCount`. */
  'SGCC104_BAD_COUNT',
  /** A well-formed ASDU whose (type identification, record type) the dialect's catalogue does not name. */
  'SGCC104_UNKNOWN_RECORD',
] as const;

export type Sgcc104ErrorCode = (typeof SGCC104_ERROR_CODES)[number];

/** Codes of framing errors: only these spend the bad-frame budget. */
export const SGCC104_FRAMING_CODES: ReadonlySet<Sgcc104ErrorCode> = new Set(['SGCC104_BAD_START', 'SGCC104_BAD_LENGTH', 'SGCC104_BAD_CHECKSUM', 'SGCC104_TRUNCATED', 'SGCC104_BAD_CONTROL']);

/** A typed, non-fatal problem: `offset` inside the frame for decoders, inside the stream for the framer. */
export class Sgcc104Error extends Error implements CodecError {
  override readonly name = 'Sgcc104Error';
  constructor(
    readonly code: Sgcc104ErrorCode,
    message: string,
    readonly offset: number,
    readonly raw?: Uint8Array,
  ) {
    super(message);
  }

  /** The same error with its offset moved by `by` (a frame's offset in its stream). */
  shifted(by: number): Sgcc104Error {
    return new Sgcc104Error(this.code, this.message, this.offset + by, this.raw);
  }
}

/**
 * Thrown by `readFields` (besides the reader's own `RecordStop` for a short record) when a field's
 * octets are there but cannot be read; `offset` counts from the reader's origin.
 */
export class FieldStop {
  constructor(
    readonly code: Extract<Sgcc104ErrorCode, 'SGCC104_BAD_BCD' | 'SGCC104_BAD_COUNT'>,
    readonly message: string,
    readonly offset: number,
  ) {}
}
