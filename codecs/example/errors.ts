/** The template protocol's typed errors: a stable code each, the byte offset where it applies. */
import type { CodecError } from '../codec.js';

export const EXAMPLE_ERROR_CODES = [
  /** A length byte of 0: no type byte follows. */
  'EXAMPLE_LENGTH',
  /** The checksum byte disagrees with the sum of the frame's bytes. */
  'EXAMPLE_CHECKSUM',
  /** Bytes that are not a start byte where a frame should begin. */
  'EXAMPLE_BAD_START',
  /** A well-framed message whose body is shorter or longer than its type says. */
  'EXAMPLE_BODY',
  /** A type byte the protocol does not define. */
  'EXAMPLE_TYPE',
  /** A message other than a login before the charger logged in. */
  'EXAMPLE_BEFORE_LOGIN',
] as const;
export type ExampleErrorCode = (typeof EXAMPLE_ERROR_CODES)[number];

export class ExampleDecodeError extends Error implements CodecError {
  override readonly name = 'ExampleDecodeError';
  constructor(
    readonly code: ExampleErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }

  /** The same error with its offset moved by `by` (a frame's offset in its stream). */
  shifted(by: number): ExampleDecodeError {
    return new ExampleDecodeError(this.code, this.message, this.offset + by);
  }
}
