/**
 * OCPP-J RPC error codes (OCPP 2.0.1 Part 4 §4.3 Table 8) and the errors of the RPC layer.
 *
 * `OcppError` is what travels in a CALLERROR; the `Rpc*Error` classes are what `RpcEndpoint.call()`
 * rejects with, so the engine can tell "the CSMS said no" from "no answer" from "we sent garbage".
 */

/**
 * Every CALLERROR code OCPP 2.0.1 defines (Part 4 Table 8), in the spelling of 2.0.1:
 * `FormatViolation` (OCPP-J 1.6 had `FormationViolation`, and typed-ocpp 1.6.2's
 * `OCPP20.ErrorCode` enum still does, so it is not used here) and `OccurrenceConstraintViolation`
 * with "rr" (OCPP-J 1.6 and ocpp-rpc use `OccurenceConstraintViolation`).
 */
export const OCPP_ERROR_CODES = [
  /** Payload for the action is syntactically incorrect (bad enum value, format, length, pattern). */
  'FormatViolation',
  /** Nothing more specific fits. */
  'GenericError',
  /** The receiver failed while processing a valid request. */
  'InternalError',
  /** Message type number other than 2, 3 or 4. */
  'MessageTypeNotSupported',
  /** Action name unknown to the receiver. */
  'NotImplemented',
  /** Action known but deliberately not supported by the receiver. */
  'NotSupported',
  /** Required field missing, or an array with too few / too many elements. */
  'OccurrenceConstraintViolation',
  /** A field holds a value outside its allowed range, or an unknown property appears. */
  'PropertyConstraintViolation',
  /** Payload does not fit the PDU structure. */
  'ProtocolError',
  /** Not a valid RPC frame, e.g. the message id cannot be read. */
  'RpcFrameworkError',
  /** Processing refused for security reasons (also: any CSMS CALL while the boot is Rejected). */
  'SecurityError',
  /** A field has the wrong JSON type (`"evseId": "1"`). */
  'TypeConstraintViolation',
] as const;

export type OcppErrorCode = (typeof OCPP_ERROR_CODES)[number];

const CODE_SET: ReadonlySet<string> = new Set(OCPP_ERROR_CODES);

/** True when `value` is one of the 2.0.1 CALLERROR codes (exact spelling). */
function isOcppErrorCode(value: unknown): value is OcppErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

/** Part 4 §4.2.3: errorDescription is at most 255 characters. */
export const MAX_ERROR_DESCRIPTION = 255;

/** Cuts `text` to at most `max` characters without splitting a surrogate pair. */
export function truncateDescription(text: string, max = MAX_ERROR_DESCRIPTION): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/**
 * An error that becomes (or came from) a CALLERROR. Throw one from a handler to answer with that
 * code. The description is cut to 255 characters; details default to `{}` (Part 4: never null).
 */
export class OcppError extends Error {
  override readonly name = 'OcppError';
  readonly description: string;
  readonly details: Record<string, unknown>;

  constructor(
    readonly code: OcppErrorCode,
    description = '',
    details: Record<string, unknown> = {},
  ) {
    const text = truncateDescription(description);
    super(text === '' ? code : `${code}: ${text}`);
    this.description = text;
    this.details = details;
  }
}

/** Base class of everything `RpcEndpoint.call()` rejects with; `action` is the CALL concerned. */
abstract class RpcError extends Error {
  constructor(
    readonly action: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The peer answered with a CALLERROR. `code` is kept as received: peers are known to send codes
 * outside the 2.0.1 list (ocpp-rpc sends the 1.6 spelling `OccurenceConstraintViolation`), and a
 * station must not depend on which code a CSMS returns (see `knownCode`).
 */
export class RpcCallError extends RpcError {
  override readonly name = 'RpcCallError';
  constructor(
    action: string,
    readonly messageId: string,
    readonly code: string,
    readonly description: string,
    readonly details: Record<string, unknown>,
  ) {
    super(action, `${action} answered with CALLERROR ${code}${description === '' ? '' : `: ${description}`}`);
  }

  /** The code if it is a 2.0.1 code, else undefined. */
  get knownCode(): OcppErrorCode | undefined {
    return isOcppErrorCode(this.code) ? this.code : undefined;
  }
}

/** No answer within the call timeout; the slot was freed and a late answer will be ignored. */
export class RpcTimeoutError extends RpcError {
  override readonly name = 'RpcTimeoutError';
  constructor(
    action: string,
    readonly messageId: string,
    readonly timeoutMs: number,
  ) {
    super(action, `${action} not answered within ${timeoutMs} ms`);
  }
}

/**
 * The connection went away before the answer arrived (`sent` true: the CALL was written and may
 * have been processed by the CSMS), or the call was dropped from the queue before being sent.
 */
export class RpcDisconnectedError extends RpcError {
  override readonly name = 'RpcDisconnectedError';
  constructor(
    action: string,
    readonly sent: boolean,
    readonly reason: string,
  ) {
    super(action, `${action} ${sent ? 'sent but not answered' : 'not sent'}: ${reason}`);
  }
}

/**
 * Our own outbound request failed its schema: a programming error in the caller. Nothing was
 * sent. `error` carries the code the CSMS would have answered with.
 */
export class RpcRequestInvalidError extends RpcError {
  override readonly name = 'RpcRequestInvalidError';
  constructor(
    action: string,
    readonly error: OcppError,
  ) {
    super(action, `${action} request invalid, not sent: ${error.message}`);
  }
}

/**
 * The peer answered with a CALLRESULT whose payload fails the response schema, or with a
 * malformed CALLRESULT/CALLERROR frame for our pending id. Counted as a bad message.
 */
export class RpcResponseInvalidError extends RpcError {
  override readonly name = 'RpcResponseInvalidError';
  constructor(
    action: string,
    readonly messageId: string,
    readonly error: OcppError,
  ) {
    super(action, `${action} response invalid: ${error.message}`);
  }
}

/** The call was cancelled by the caller's AbortSignal (queued: never sent; in flight: reply ignored). */
export class RpcAbortedError extends RpcError {
  override readonly name = 'RpcAbortedError';
  constructor(
    action: string,
    readonly sent: boolean,
  ) {
    super(action, `${action} aborted ${sent ? 'after' : 'before'} sending`);
  }
}
