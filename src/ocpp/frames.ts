/**
 * OCPP-J message frames (OCPP 2.0.1 Part 4 §4): parse one WebSocket text message into a CALL,
 * CALLRESULT or CALLERROR, and serialize each. Pure: no sockets, timers or logging; the policy for
 * a bad frame (answer, count, close) lives in `rpc.ts`.
 */
import { MAX_ERROR_DESCRIPTION, OcppError, truncateDescription } from './errors.js';

export const MESSAGE_TYPE = { CALL: 2, CALLRESULT: 3, CALLERROR: 4 } as const;

/** Part 4 §4.1.4: a message id is a string of at most 36 characters. */
const MAX_MESSAGE_ID_LENGTH = 36;

/** The id a CALLERROR carries when the offending frame's id cannot be read (Part 4 §4.2.3). */
const UNREADABLE_ID = '-1';

export type JsonObject = Record<string, unknown>;

export interface CallFrame {
  readonly type: typeof MESSAGE_TYPE.CALL;
  readonly id: string;
  readonly action: string;
  readonly payload: JsonObject;
}

export interface CallResultFrame {
  readonly type: typeof MESSAGE_TYPE.CALLRESULT;
  readonly id: string;
  readonly payload: JsonObject;
}

export interface CallErrorFrame {
  readonly type: typeof MESSAGE_TYPE.CALLERROR;
  readonly id: string;
  /** As received; peers send codes outside the 2.0.1 list (e.g. 1.6 spellings). */
  readonly code: string;
  readonly description: string;
  readonly details: JsonObject;
}

export type OcppFrame = CallFrame | CallResultFrame | CallErrorFrame;

/**
 * A message that is not a valid frame. `id` is the id to answer with (`"-1"` when unreadable);
 * `messageType` is the frame's type number when one could be read. The receiver answers only when
 * the frame was not itself a CALLRESULT/CALLERROR (never answer an answer).
 */
export interface FrameFault {
  readonly error: OcppError;
  readonly id: string;
  readonly messageType: number | undefined;
}

export type ParseResult = { readonly ok: true; readonly frame: OcppFrame } | ({ readonly ok: false } & FrameFault);

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a string usable as an OCPP message id: 1 to 36 characters. */
function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_MESSAGE_ID_LENGTH;
}

function fault(code: OcppError['code'], description: string, id: string, messageType: number | undefined): ParseResult {
  return { ok: false, error: new OcppError(code, description), id, messageType };
}

/**
 * Parses one text message. Never throws.
 *
 * - not JSON, not an array, type not a number, id missing or not a 1..36-char string →
 *   RpcFrameworkError (id `"-1"` unless the id was readable);
 * - type number other than 2/3/4 → MessageTypeNotSupported (Part 4 §4.4 extension fallback);
 * - wrong element count or a non-string action → ProtocolError (does not fit the PDU structure);
 * - payload / details not a JSON object, code or description not a string → FormatViolation.
 */
export function parseFrame(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Never echo the offending text: it is not valid JSON and could break the peer's parser.
    return fault('RpcFrameworkError', 'Message is not valid JSON', UNREADABLE_ID, undefined);
  }
  if (!Array.isArray(value)) return fault('RpcFrameworkError', 'Message is not a JSON array', UNREADABLE_ID, undefined);
  const elements: readonly unknown[] = value;
  const [type, rawId] = elements;
  const id = isMessageId(rawId) ? rawId : UNREADABLE_ID;
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    return fault('RpcFrameworkError', 'Message type is not an integer', id, undefined);
  }
  if (type !== MESSAGE_TYPE.CALL && type !== MESSAGE_TYPE.CALLRESULT && type !== MESSAGE_TYPE.CALLERROR) {
    return fault('MessageTypeNotSupported', `Message type ${type} is not supported`, id, type);
  }
  if (!isMessageId(rawId)) {
    const why = typeof rawId === 'string' ? `longer than ${MAX_MESSAGE_ID_LENGTH} characters or empty` : 'not a string';
    return fault('RpcFrameworkError', `Message id is ${why}`, UNREADABLE_ID, type);
  }
  switch (type) {
    case MESSAGE_TYPE.CALL:
      return parseCall(elements, rawId);
    case MESSAGE_TYPE.CALLRESULT:
      return parseCallResult(elements, rawId);
    case MESSAGE_TYPE.CALLERROR:
      return parseCallError(elements, rawId);
  }
}

function parseCall(elements: readonly unknown[], id: string): ParseResult {
  const type = MESSAGE_TYPE.CALL;
  if (elements.length !== 4) return fault('ProtocolError', `CALL has ${elements.length} elements, expected 4`, id, type);
  const [, , action, payload] = elements;
  if (typeof action !== 'string' || action === '') return fault('ProtocolError', 'CALL action is not a non-empty string', id, type);
  if (!isJsonObject(payload)) return fault('FormatViolation', 'CALL payload is not a JSON object', id, type);
  return { ok: true, frame: { type, id, action, payload } };
}

function parseCallResult(elements: readonly unknown[], id: string): ParseResult {
  const type = MESSAGE_TYPE.CALLRESULT;
  if (elements.length !== 3) {
    return fault('ProtocolError', `CALLRESULT has ${elements.length} elements, expected 3`, id, type);
  }
  const payload = elements[2];
  if (!isJsonObject(payload)) return fault('FormatViolation', 'CALLRESULT payload is not a JSON object', id, type);
  return { ok: true, frame: { type, id, payload } };
}

function parseCallError(elements: readonly unknown[], id: string): ParseResult {
  const type = MESSAGE_TYPE.CALLERROR;
  if (elements.length !== 5) {
    return fault('ProtocolError', `CALLERROR has ${elements.length} elements, expected 5`, id, type);
  }
  const [, , code, description, details] = elements;
  if (typeof code !== 'string' || code === '') return fault('FormatViolation', 'CALLERROR code is not a non-empty string', id, type);
  if (typeof description !== 'string') return fault('FormatViolation', 'CALLERROR description is not a string', id, type);
  if (!isJsonObject(details)) return fault('FormatViolation', 'CALLERROR details is not a JSON object', id, type);
  return { ok: true, frame: { type, id, code, description, details } };
}

function checkId(id: string): void {
  if (!isMessageId(id)) throw new RangeError(`message id must be 1..${MAX_MESSAGE_ID_LENGTH} characters: ${JSON.stringify(id)}`);
}

/**
 * `[2, id, action, payload]`. Optional fields left `undefined` are omitted by JSON.stringify, as
 * Part 4 §4.1.7 requires (never `null`). Throws RangeError for an invalid id (programming error).
 */
export function serializeCall(id: string, action: string, payload: object): string {
  checkId(id);
  return JSON.stringify([MESSAGE_TYPE.CALL, id, action, payload]);
}

/** `[3, id, payload]`. Throws RangeError for an invalid id. */
export function serializeCallResult(id: string, payload: object): string {
  checkId(id);
  return JSON.stringify([MESSAGE_TYPE.CALLRESULT, id, payload]);
}

/**
 * `[4, id, code, description, details]`, description cut to 255 characters. `id` may be `"-1"`
 * (unreadable id of the offending frame). Throws RangeError for an invalid id.
 */
export function serializeCallError(id: string, error: OcppError): string {
  checkId(id);
  const description = truncateDescription(error.description, MAX_ERROR_DESCRIPTION);
  return JSON.stringify([MESSAGE_TYPE.CALLERROR, id, error.code, description, error.details]);
}

/** Serializes any frame (for tests and tracing). */
export function serializeFrame(frame: OcppFrame): string {
  switch (frame.type) {
    case MESSAGE_TYPE.CALL:
      return serializeCall(frame.id, frame.action, frame.payload);
    case MESSAGE_TYPE.CALLRESULT:
      return serializeCallResult(frame.id, frame.payload);
    case MESSAGE_TYPE.CALLERROR:
      checkId(frame.id);
      return JSON.stringify([MESSAGE_TYPE.CALLERROR, frame.id, frame.code, truncateDescription(frame.description, MAX_ERROR_DESCRIPTION), frame.details]);
  }
}
